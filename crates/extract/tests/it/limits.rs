use std::time::Duration;

use cordon_extract::{Limits, Reason};

use crate::{build, run, run_with};

#[test]
fn gzip_bomb_stops_at_ratio() {
    // 1 GiB of zeros compresses to about 1 MiB: far past 200:1.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        std::io::Write::write_all(&mut e, &zeros).unwrap();
    }
    let bomb = e.finish().unwrap();
    assert!(bomb.len() < 2 << 20);
    let (_, report) = run("bomb.gz", &bomb);
    assert!(!report.fully_inspected());
    assert_eq!(report.incomplete[0].reason, Reason::Ratio { limit: 200 });
    assert_eq!(report.incomplete[0].location.to_string(), "bomb.gz");
}

#[test]
fn zip_bomb_of_many_zero_entries_stops_at_total() {
    let zeros = vec![0u8; 8 << 20];
    let entries: Vec<(String, &[u8])> = (0..16)
        .map(|i| (format!("z{i}.bin"), zeros.as_slice()))
        .collect();
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (n.as_str(), *d)).collect();
    let z = build::zip(&refs);
    let limits = Limits {
        max_ratio: u64::MAX,
        max_total_bytes: 32 << 20,
        ..Limits::default()
    };
    let (_, report) = run_with("bomb.zip", &z, limits);
    assert!(!report.fully_inspected());
    assert!(
        report
            .incomplete
            .iter()
            .any(|i| i.reason == Reason::TotalBytes { limit: 32 << 20 }),
        "{:?}",
        report.incomplete
    );
}

#[test]
fn nested_zip_stops_at_depth() {
    let mut z = build::zip(&[("core.txt", b"bottom")]);
    for i in 0..6 {
        z = build::zip(&[(&format!("level{i}.zip"), &z)]);
    }
    let limits = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    let (got, report) = run_with("nest.zip", &z, limits);
    assert!(got.is_empty());
    assert_eq!(report.incomplete.len(), 1);
    assert_eq!(report.incomplete[0].reason, Reason::Depth { limit: 3 });
    assert_eq!(report.incomplete[0].location.depth(), 4);
    // With the default depth it is read to the bottom.
    let (got, report) = run("nest.zip", &z);
    assert!(report.fully_inspected());
    assert_eq!(got[0].text, "bottom");
}

#[test]
fn many_entries_stop_at_entry_limit() {
    let names: Vec<String> = (0..50).map(|i| format!("f{i}.txt")).collect();
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), b"x".as_slice()))
        .collect();
    let z = build::zip(&entries);
    let limits = Limits {
        max_entries: 10,
        ..Limits::default()
    };
    let (got, report) = run_with("many.zip", &z, limits);
    // The zip itself counts as one.
    assert_eq!(got.len(), 9);
    assert_eq!(report.incomplete.len(), 1);
    assert_eq!(report.incomplete[0].reason, Reason::Entries { limit: 10 });
}

#[test]
fn member_over_memory_limit_is_reported() {
    let inner = build::zip_with(
        &[("a.txt", &vec![b'a'; 100_000])],
        zip::CompressionMethod::Stored,
    );
    let outer = build::zip_with(&[("inner.zip", &inner)], zip::CompressionMethod::Stored);
    let limits = Limits {
        max_member_bytes: 1000,
        ..Limits::default()
    };
    let (_, report) = run_with("outer.zip", &outer, limits);
    assert_eq!(
        report.incomplete[0].reason,
        Reason::MemberTooLarge { limit: 1000 }
    );
    assert_eq!(
        report.incomplete[0].location.to_string(),
        "outer.zip!/inner.zip"
    );
}

#[test]
fn timeout_is_checked_while_streaming() {
    let limits = Limits {
        timeout: Some(Duration::ZERO),
        ..Limits::default()
    };
    let (got, report) = run_with("slow.txt", b"some text", limits);
    assert!(got.is_empty() || got[0].text.is_empty());
    assert_eq!(
        report.incomplete[0].reason,
        Reason::Timeout {
            limit: Duration::ZERO
        }
    );
}
