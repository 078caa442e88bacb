//! Binary keys and key stores read at a document's first byte
//! (`crates/detect/src/der.rs`): every fixture in `keys/` gives what
//! `keys/expect.tsv` says, in one piece and streamed in small chunks;
//! cut short or with bytes changed, a file never panics the scan nor
//! yields a finding outside it.

use std::path::Path;

use cordon_detect::{Detectors, Finding};
use proptest::prelude::*;

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/keys"))
}

fn expectations() -> Vec<(String, String, String)> {
    let table = std::fs::read_to_string(dir().join("expect.tsv")).unwrap();
    table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 3, "expect.tsv: {l:?}");
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect()
}

/// Findings of the two key detectors that start at the first byte.
fn at_start(found: &[Finding]) -> Vec<(String, String)> {
    found
        .iter()
        .filter(|f| f.start == 0 && ["pkcs12_file", "private_key"].contains(&f.detector.as_ref()))
        .map(|f| (f.detector.to_string(), f.confidence.as_str().to_string()))
        .collect()
}

/// Findings at every confidence, `low` included.
fn every_level() -> Detectors {
    Detectors::builder()
        .min_confidence(cordon_detect::Confidence::Low)
        .build()
        .unwrap()
}

fn streamed(det: &Detectors, bytes: &[u8], chunk: usize) -> Vec<Finding> {
    let mut s = det.stream_with_slice(64);
    let mut out = Vec::new();
    for c in bytes.chunks(chunk) {
        s.feed_into(c, &mut out);
    }
    s.finish_into(&mut out);
    out
}

#[test]
fn every_fixture_gives_what_the_table_says() {
    let det = every_level();
    let table = expectations();
    assert!(table.len() >= 17);
    for (file, detector, conf) in table {
        let bytes = std::fs::read(dir().join(&file)).unwrap();
        let want = if detector == "-" {
            vec![]
        } else {
            vec![(detector.clone(), conf.clone())]
        };
        let whole = det.scan(&bytes);
        assert_eq!(at_start(&whole), want, "{file}");
        assert_eq!(
            at_start(&streamed(&det, &bytes, 7)),
            want,
            "{file} streamed"
        );
        // Only the document's first byte starts one: the same bytes later
        // in a text are not read as a file.
        let mut later = b"attached:\n".to_vec();
        later.extend_from_slice(&bytes);
        assert!(
            det.scan(&later)
                .iter()
                .all(|f| !["pkcs12_file", "private_key"].contains(&f.detector.as_ref())),
            "{file} after text"
        );
    }
}

/// The version of a PKCS #12 file changed, or its content type, and it is
/// no PKCS #12 file.
#[test]
fn a_changed_header_is_no_key_store() {
    let det = Detectors::new();
    let bytes = std::fs::read(dir().join("key-and-cert.p12")).unwrap();
    // 30 82 LL LL 02 01 03 30 82 LL LL 06 09 <OID …07 01>
    for (at, to) in [(6, 2u8), (21, 3u8)] {
        let mut b = bytes.clone();
        b[at] = to;
        assert!(at_start(&det.scan(&b)).is_empty(), "byte {at} = {to}");
    }
}

/// A key store cut before its key bag (secretlint's truncated fixture)
/// holds no key any more: low, as a trust store.
#[test]
fn a_truncated_key_store_is_low() {
    let det = every_level();
    let bytes = std::fs::read(dir().join("key-and-cert.p12")).unwrap();
    assert_eq!(
        at_start(&det.scan(&bytes[..200])),
        vec![("pkcs12_file".to_string(), "low".to_string())]
    );
}

/// A Java trust store cut inside its certificate cannot be walked to its
/// end: it is not passed as clean (low: the document ended), and one that
/// walks whole is not reported.
#[test]
fn a_java_key_store_not_walked_whole_is_not_clean() {
    let det = every_level();
    let bytes = std::fs::read(dir().join("trust.jks")).unwrap();
    assert_eq!(at_start(&det.scan(&bytes)), vec![]);
    assert_eq!(
        at_start(&det.scan(&bytes[..100])),
        vec![("private_key".to_string(), "low".to_string())]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any fixture cut anywhere, with any byte changed, scans without a
    /// panic, every finding inside it.
    #[test]
    fn cut_or_changed_files_are_safe(
        k in 0usize..17,
        cut in 0usize..2000,
        at in 0usize..2000,
        to in any::<u8>(),
    ) {
        let table = expectations();
        let (file, _, _) = &table[k % table.len()];
        let mut bytes = std::fs::read(dir().join(file)).unwrap();
        bytes.truncate(cut.min(bytes.len()));
        if let Some(b) = bytes.get_mut(at) {
            *b = to;
        }
        let det = Detectors::new();
        for f in det.scan(&bytes) {
            prop_assert!(f.start <= f.end && f.end <= bytes.len());
        }
    }
}
