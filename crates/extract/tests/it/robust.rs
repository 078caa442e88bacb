//! Extraction of arbitrary and damaged bytes never panics, never hangs,
//! and always ends in a report.

use proptest::prelude::*;

use cordon_extract::Limits;

use crate::{build, run_with};

fn small_limits() -> Limits {
    Limits {
        max_member_bytes: 1 << 20,
        max_total_bytes: 8 << 20,
        timeout: Some(std::time::Duration::from_secs(10)),
        ..Limits::default()
    }
}

/// Valid files of every format, to be damaged by the properties.
fn seeds() -> Vec<Vec<u8>> {
    let docx = build::docx(&["Patient SSN 078-05-1120"], "Confidential", "c");
    let xlsx = build::xlsx(&[&["SSN", "078-05-1120"]]);
    let tar = build::tar(
        &[("a.txt", b"alpha"), ("b.zip", &build::zip(&[("c", b"d")]))],
        &[("l", "/x")],
    );
    vec![
        docx.clone(),
        xlsx,
        build::pptx(&["slide"], "notes"),
        build::odt(&["para"]),
        build::zip(&[("a.txt", b"alpha"), ("d.docx", &docx)]),
        build::gzip(&tar),
        build::bzip2(b"bzip2 text"),
        build::xz(&tar),
        tar,
        build::pdf(&["pdf text"], true, ""),
        br"{\rtf1\ansi{\fonttbl{\f0 A;}}\f0 Caf\'e9 \u8364? text\par}".to_vec(),
        b"From: a@b.c\r\nTo: d@e.f\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n".to_vec(),
        b"<html><body><p>x &amp; y</p><script>z</script></body></html>".to_vec(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let (_, report) = run_with("any", &data, small_limits());
        // Whatever it was, every problem names a location under the root.
        for i in &report.incomplete {
            prop_assert_eq!(i.location.root_name(), "any");
        }
    }

    #[test]
    fn damaged_files_never_panic(
        which in 0usize..13,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let seeds = seeds();
        let mut data = seeds[which % seeds.len()].clone();
        for (at, byte) in flips {
            let i = at.index(data.len());
            data[i] ^= byte;
        }
        if truncate {
            data.truncate(cut.index(data.len() + 1));
        }
        let _ = run_with("damaged", &data, small_limits());
    }
}

#[test]
fn all_seeds_extract_cleanly() {
    for (i, seed) in seeds().iter().enumerate() {
        let (got, report) = run_with("seed", seed, small_limits());
        assert!(
            report.fully_inspected(),
            "seed {i}: {:?}",
            report.incomplete
        );
        assert!(!got.is_empty(), "seed {i} gave no text");
    }
}
