//! The public API as other crates use it.

use cordon_detect::{Category, Classification, Confidence, Detectors, mask};

#[test]
fn offsets_are_bytes_into_non_utf8_text() {
    let mut text = vec![0xff, 0xfe, b' ', 0xc3, 0xa9, b' '];
    text.extend_from_slice(b"ssn 536-22-8726 \x80");
    let f = Detectors::new().scan(&text);
    assert_eq!(f.len(), 1);
    assert_eq!(&text[f[0].start..f[0].end], b"536-22-8726");
    assert_eq!(f[0].masked, "***-**-8726");
}

#[test]
fn findings_are_sorted_non_overlapping_and_masked() {
    let text =
        b"card 4111 1111 1111 1111, mail a.b@corp.acme.io, key AKIAZ5GMHYJ3KDLWQX4T, CONFIDENTIAL";
    let f = Detectors::new().scan(text);
    assert!(f.len() >= 4);
    for w in f.windows(2) {
        assert!(w[0].end <= w[1].start);
    }
    for x in &f {
        let v = &text[x.start..x.end];
        if x.category != Category::Confidential {
            assert_ne!(x.masked.as_bytes(), v, "{} shown in full", x.detector);
        }
        assert_eq!(x.masked, mask(&x.detector, v));
    }
}

#[test]
fn min_confidence_filters() {
    let text = b"write to someone@example.com or jane@corp.acme.io";
    let all = Detectors::new().scan(text);
    assert_eq!(all.len(), 2);
    let det = Detectors::builder()
        .min_confidence(Confidence::Medium)
        .build()
        .unwrap();
    let f = det.scan(text);
    assert_eq!(f.len(), 1);
    assert_eq!(&text[f[0].start..f[0].end], b"jane@corp.acme.io");
}

#[test]
fn classification_from_scan() {
    let f = Detectors::new().scan(b"SSN 536-22-8726, SSN 078-05-1120, card 4111 1111 1111 1111");
    let c = Classification::from_findings(&f);
    assert!(c.has_category(Category::Pii) && c.has_category(Category::Pci));
    // 078-05-1120 (the Woolworth wallet card's) was voided: not an SSN.
    assert_eq!(c.count("us_ssn", Confidence::Low), 1);
    assert_eq!(c.count("us_ssn", Confidence::High), 1);
}

#[test]
fn shared_across_threads() {
    let det = std::sync::Arc::new(Detectors::new());
    let hs: Vec<_> = (0..4)
        .map(|i| {
            let d = det.clone();
            std::thread::spawn(move || d.scan(format!("{i} ssn 536-22-8726").as_bytes()).len())
        })
        .collect();
    for h in hs {
        assert_eq!(h.join().unwrap(), 1);
    }
}
