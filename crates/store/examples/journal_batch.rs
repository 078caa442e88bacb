//! What the journal loader's transaction costs, with and without the
//! deliveries an alert sink asks for: `insert_journaled_incidents` of
//! batches of incidents like `/v1/decide` writes (about 600 bytes of
//! details), into a fresh store.
//!
//! ```text
//! cargo run --release -p cordon-store --example journal_batch -- sqlite 10000 20
//! cargo run --release -p cordon-store --example journal_batch -- postgres 10000 20
//! ```
//!
//! Arguments: the store (`sqlite`: a new file in a temporary directory;
//! `postgres`: a throw-away schema on `CORDON_TEST_POSTGRES`, as the
//! tests use), the batch size and the number of batches per case. Cases run
//! interleaved — no deliveries, one delivery per incident (a sink
//! subscribed to every incident), one for 1% of them — and print the
//! median and the spread of µs per incident of each.

use std::time::Instant;

use cordon_store::{NewIncident, OpenOptions, Outgoing, RawJson, Store};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn incident(i: i64) -> Res<NewIncident> {
    Ok(NewIncident {
        created_at: 1_790_000_000_000 + i,
        request_id: format!("req-{i:016x}"),
        rule_id: "block-cards".into(),
        rule_name: "block cards".into(),
        policy_id: "main".into(),
        policy_version: 1,
        mode: "enforce".into(),
        enforced: true,
        decision: "deny".into(),
        action: "download".into(),
        username: format!("user{}", i % 500),
        computer: String::new(),
        categories: vec!["PCI".into()],
        details: RawJson::serialize_from(&serde_json::json!({
            "event": {"action": "download", "user": {"name": format!("user{}", i % 500)},
                      "file": {"path": format!("/share/{i}.pdf")}},
            "findings": [{"detector": "credit_card", "masked": "4111 **** **** 1111",
                          "confidence": "high", "count": 3}],
            "actions": ["deny", "alert"],
            "explanation": "rule block-cards matched: PCI from an external address",
        }))?,
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let target = args.first().map(String::as_str).unwrap_or("sqlite");
    let size: usize = args
        .get(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000);
    let rounds: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(10);
    let dir = tempfile::tempdir()?;
    let schema = match target {
        "sqlite" => None,
        "postgres" => Some(cordon_store::testing::PgSchema::create().await?),
        other => return Err(format!("`{other}`: sqlite or postgres").into()),
    };
    let store: std::sync::Arc<dyn Store> = match &schema {
        None => {
            let url = format!("sqlite://{}", dir.path().join("cordon.db").display());
            cordon_store::open(&url, &OpenOptions::default()).await?
        }
        Some(s) => s.store().await?,
    };
    let cases: [(&str, usize); 3] = [("none", 0), ("every incident", 1), ("1%", 100)];
    let mut took: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    let mut n = 0i64;
    for round in 0..rounds {
        for (c, (_, every)) in cases.iter().enumerate() {
            let batch: Vec<NewIncident> = (0..size)
                .map(|k| incident(n + k as i64))
                .collect::<Res<_>>()?;
            n += size as i64;
            let outgoing: Vec<Outgoing> = if *every == 0 {
                Vec::new()
            } else {
                (0..size)
                    .step_by(*every)
                    .map(|k| Outgoing {
                        incident: k,
                        target: "sink:bench".into(),
                        rule: String::new(),
                    })
                    .collect()
            };
            let t = Instant::now();
            store
                .insert_journaled_incidents(&batch, &outgoing, "bench", n, 1)
                .await?;
            let us = t.elapsed().as_secs_f64() * 1e6 / size as f64;
            // The first round warms the caches and the file up.
            if round > 0 || rounds == 1 {
                took[c].push(us);
            }
        }
    }
    println!(
        "{target}, batches of {size}, {} rounds (µs per incident)",
        rounds
    );
    for ((name, _), mut t) in cases.iter().zip(took) {
        t.sort_by(f64::total_cmp);
        let at = |q: f64| {
            t.get(((t.len() - 1) as f64 * q) as usize)
                .copied()
                .unwrap_or(0.0)
        };
        println!(
            "  {name:>15}: median {:.2}, min {:.2}, max {:.2}",
            at(0.5),
            at(0.0),
            at(1.0)
        );
    }
    if let Some(s) = schema {
        s.drop().await?;
    }
    Ok(())
}
