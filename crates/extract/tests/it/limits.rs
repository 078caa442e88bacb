use std::time::Duration;

use cordon_extract::{Limits, Reason};

use crate::{build, run, run_with};

#[test]
fn gzip_bomb_stops_at_ratio() {
    // 64 MiB of zeros compress about 1000:1, far past 200:1.
    let bomb = gz_zeros(64);
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

/// gzip of `mib` MiB of zeros.
fn gz_zeros(mib: usize) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..mib {
        std::io::Write::write_all(&mut e, &zeros).unwrap();
    }
    e.finish().unwrap()
}

#[test]
fn four_gib_multi_member_gzip_bomb() {
    // 256 gzip members of 16 MiB of zeros each: 4 GiB from about 4 MiB.
    let member = gz_zeros(16);
    let bomb: Vec<u8> = std::iter::repeat_n(member.as_slice(), 256)
        .flatten()
        .copied()
        .collect();
    assert!(bomb.len() < 8 << 20);
    let started = std::time::Instant::now();
    let (_, report) = run("bomb.gz", &bomb);
    assert!(!report.fully_inspected());
    assert!(report.incomplete[0].reason.is_limit());
    // Even with no ratio limit, the total stops it.
    let limits = Limits {
        max_ratio: u64::MAX,
        max_total_bytes: 64 << 20,
        ..Limits::default()
    };
    let (_, report) = run_with("bomb.gz", &bomb, limits);
    assert_eq!(
        report.incomplete[0].reason,
        Reason::TotalBytes { limit: 64 << 20 }
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn nested_zip_bomb() {
    // 42.zip in small: 4 zips of 4 zips of 16 MiB of zeros (256 MiB).
    let level0 = build::zip(&[("zeros.bin", &vec![0u8; 16 << 20])]);
    let names: Vec<String> = (0..4).map(|i| format!("{i}.zip")).collect();
    let level1 = build::zip(
        &names
            .iter()
            .map(|n| (n.as_str(), level0.as_slice()))
            .collect::<Vec<_>>(),
    );
    let level2 = build::zip(
        &names
            .iter()
            .map(|n| (n.as_str(), level1.as_slice()))
            .collect::<Vec<_>>(),
    );
    let (_, report) = run("42.zip", &level2);
    assert!(!report.fully_inspected());
    assert!(
        report.incomplete.iter().all(|i| i.reason.is_limit()),
        "{:?}",
        report.incomplete
    );
    let first = report.incomplete[0].location.to_string();
    assert!(first.starts_with("42.zip!/0.zip!/"), "{first}");
}

#[test]
fn overlapping_entries_zip_bomb() {
    // Fifield's non-recursive bomb: many central directory entries that
    // all point at the same compressed data (3 MiB of zeros each, under
    // the per-stream ratio floor), so only the input-wide ratio sees it.
    let z = build::zip(&[("a", &vec![0u8; 3 << 20])]);
    let cd = z.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    let eocd = z.windows(4).position(|w| w == b"PK\x05\x06").unwrap();
    let record = z[cd..eocd].to_vec();
    // The one-byte name sits after the 46-byte fixed part of the record.
    let n: u16 = 200;
    let mut bomb = z[..cd].to_vec();
    let cd_start = bomb.len() as u32;
    for i in 0..n {
        let mut r = record.clone();
        r[46] = 0x30 + i as u8;
        bomb.extend_from_slice(&r);
    }
    let cd_size = bomb.len() as u32 - cd_start;
    let mut end = z[eocd..].to_vec();
    end[8..10].copy_from_slice(&n.to_le_bytes());
    end[10..12].copy_from_slice(&n.to_le_bytes());
    end[12..16].copy_from_slice(&cd_size.to_le_bytes());
    end[16..20].copy_from_slice(&cd_start.to_le_bytes());
    bomb.extend_from_slice(&end);
    let (got, report) = run("overlap.zip", &bomb);
    assert!(!report.fully_inspected(), "{got:?}");
    assert!(got.len() < 10, "read {} entries", got.len());
    assert!(
        report
            .incomplete
            .iter()
            .any(|i| i.reason == Reason::InputRatio { limit: 200 }),
        "{:?}",
        report.incomplete
    );
}

#[test]
fn zip_containing_itself_stops() {
    // The closest to a quine a test can build cheaply: each level holds
    // the previous level twice; depth and totals bound the work.
    let mut z = build::zip(&[("seed.txt", b"x")]);
    for i in 0..12 {
        z = build::zip(&[(&format!("a{i}.zip"), &z), (&format!("b{i}.zip"), &z)]);
    }
    let (got, report) = run("self.zip", &z);
    assert!(!report.fully_inspected());
    assert!(
        report
            .incomplete
            .iter()
            .all(|i| i.reason == Reason::Depth { limit: 10 })
    );
    assert_eq!(got.len(), 0);
}

#[test]
fn ratio_limit_in_a_tar_gz_is_reported_once_as_a_limit() {
    // A tar of 64 MiB of zeros, gzipped: the ratio trips while tar reads.
    let zeros = vec![0u8; 64 << 20];
    let t = build::tar(&[("zeros.bin", &zeros), ("after.txt", b"x")], &[]);
    let (_, report) = run("z.tar.gz", &build::gzip(&t));
    assert!(!report.fully_inspected());
    assert!(
        report.incomplete.iter().all(|i| i.reason.is_limit()),
        "{:?}",
        report.incomplete
    );
}
