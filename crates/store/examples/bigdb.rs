//! Measures a large SQLite store: how long it takes to become ready, and
//! what listing incidents with large details costs in memory.
//!
//! ```text
//! cargo run --release -p cordon-store --example bigdb -- generate /tmp/big.db 340
//! cargo run --release -p cordon-store --example bigdb -- ready /tmp/big.db
//! cargo run --release -p cordon-store --example bigdb -- list /tmp/big.db
//! ```
//!
//! `generate` fills a database with incidents (about 1.2 KB of details
//! each, like a decision with a few findings) until the file reaches the
//! size in MB, then adds 100 incidents with 100 KB of details each.
//! `ready` times what a restarting server waits for: opening (migrations
//! included), the first `ping`, and, for comparison, the deep `check`.
//! `list` lists the 100 large incidents and prints the peak resident
//! memory it took (Linux: `VmHWM` after resetting it), once as the store
//! returns them and once serialized the way a handler answers.
//! Run each in a fresh process: the numbers are per process.

use std::time::Instant;

use cordon_store::{IncidentFilter, NewIncident, OpenOptions, RawJson};

#[derive(serde::Serialize)]
struct Page<'a> {
    incidents: &'a [cordon_store::Incident],
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn incident(i: i64, detail_bytes: usize) -> Res<NewIncident> {
    let findings: Vec<_> = (0..detail_bytes / 120)
        .map(|n| {
            serde_json::json!({"detector": "credit_card", "masked": "4111 **** **** 1111",
                "location": format!("a.zip!/sheet{n}.csv"), "confidence": "high"})
        })
        .collect();
    Ok(NewIncident {
        created_at: 1_790_000_000_000 + i,
        request_id: format!("req-{i}"),
        rule_id: "block-cards".into(),
        rule_name: "block cards".into(),
        policy_id: "main".into(),
        policy_version: 1,
        mode: "enforce".into(),
        enforced: true,
        decision: "deny".into(),
        action: "share".into(),
        username: format!("user{}", i % 500),
        computer: String::new(),
        categories: vec!["PCI".into()],
        details: RawJson::serialize_from(&serde_json::json!({
            "event": {"action": "share", "file": {"path": format!("/share/{i}.zip")}},
            "findings": findings,
        }))?,
    })
}

/// Peak and current resident memory of this process, in KiB.
fn memory() -> Res<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Ok((field("VmHWM:"), field("VmRSS:")))
}

/// Resets the peak resident memory to the current one.
fn reset_peak() -> Res<()> {
    std::fs::write("/proc/self/clear_refs", "5")?;
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(cmd), Some(path)) = (args.get(1), args.get(2)) else {
        return Err("usage: bigdb generate|ready|list PATH [MB]".into());
    };
    match cmd.as_str() {
        "generate" => {
            let mb: u64 = args.get(3).map_or(Ok(340), |s| s.parse())?;
            let s = cordon_store::open(path, &OpenOptions::default()).await?;
            let mut i = 0;
            while std::fs::metadata(path)?.len() < mb << 20 {
                let batch = (i..i + 1000)
                    .map(|n| incident(n, 1200))
                    .collect::<Res<Vec<_>>>()?;
                s.insert_incidents(&batch).await?;
                i += 1000;
            }
            let big = (i..i + 100)
                .map(|n| incident(n, 100_000))
                .collect::<Res<Vec<_>>>()?;
            s.insert_incidents(&big).await?;
            s.close().await;
            let size = std::fs::metadata(path)?.len() >> 20;
            println!("{} incidents, {size} MB", i + 100);
        }
        "ready" => {
            let t = Instant::now();
            let s = cordon_store::open(path, &OpenOptions::default()).await?;
            let opened = t.elapsed();
            s.ping().await?;
            let ready = t.elapsed();
            let t = Instant::now();
            s.check().await?;
            let checked = t.elapsed();
            println!(
                "open {opened:.2?}, ready (open + ping) {ready:.2?}; deep check {checked:.2?}"
            );
            s.close().await;
        }
        "list" => {
            let s = cordon_store::open(path, &OpenOptions::default()).await?;
            let filter = IncidentFilter {
                limit: Some(100),
                ..Default::default()
            };
            // Warm up: page cache, statement cache, pool.
            drop(s.list_incidents(&filter).await?);
            reset_peak()?;
            let (_, base) = memory()?;
            let page = s.list_incidents(&filter).await?;
            let (peak_list, _) = memory()?;
            // What a handler answering with a typed body sends: the
            // details pass through as text.
            let direct = serde_json::to_vec(&Page { incidents: &page })?;
            let (peak_direct, _) = memory()?;
            drop(direct);
            // What `Json(json!({"incidents": page}))` does: a `Value` tree first.
            let body = serde_json::to_vec(&serde_json::json!({ "incidents": page }))?;
            let (peak_value, _) = memory()?;
            let raw: usize = page.iter().map(|i| i.incident.details.as_str().len()).sum();
            println!(
                "{} incidents, {} KiB of details, response {} KiB; peak above baseline: \
                 listing {} KiB, + typed response {} KiB, + json!() response {} KiB",
                page.len(),
                raw >> 10,
                body.len() >> 10,
                peak_list.saturating_sub(base),
                peak_direct.saturating_sub(base),
                peak_value.saturating_sub(base),
            );
            s.close().await;
        }
        _ => return Err(format!("unknown command `{cmd}`").into()),
    }
    Ok(())
}
