//! Per-detector positive and negative cases as data: `cases.tsv` holds
//! `detector <TAB> expectation <TAB> text` where `[[...]]` marks the value.
//! `+` means a finding of that detector covering exactly the marked span
//! (`+low`/`+medium`/`+high` also pins the confidence); `-` means no finding
//! of that detector overlapping it. `%%kind:seed%%` in a text is a token
//! generated from the provider's format with its checksum
//! (`tokens.rs`); `%%kind:seed:flip=i%%` changes its `i`-th character and
//! `%%kind:seed:cut%%` drops its last one.

use cordon_detect::{Confidence, Detectors, detectors};

struct Case {
    line: usize,
    detector: String,
    expect: String,
    text: String,
    start: usize,
    end: usize,
}

fn load() -> Vec<Case> {
    let raw = include_str!("cases.tsv");
    let mut out = Vec::new();
    for (i, l) in raw.lines().enumerate() {
        if l.trim().is_empty() || l.starts_with('#') {
            continue;
        }
        let mut parts = l.splitn(3, '\t');
        let (d, e, t) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let t = crate::tokens::expand_line(
            &t.replace("\\n", "\n")
                .replace("\\r", "\r")
                .replace("\\u{a0}", "\u{a0}"),
        );
        let s = t
            .find("[[")
            .unwrap_or_else(|| panic!("line {}: no [[", i + 1));
        let t2 = t.replacen("[[", "", 1);
        let e_ = t2
            .find("]]")
            .unwrap_or_else(|| panic!("line {}: no ]]", i + 1));
        let text = t2.replacen("]]", "", 1);
        out.push(Case {
            line: i + 1,
            detector: d.into(),
            expect: e.into(),
            text,
            start: s,
            end: e_,
        });
    }
    out
}

#[test]
fn every_case_holds() {
    let det = Detectors::new();
    let mut failures = Vec::new();
    for c in load() {
        let fs = det.scan(c.text.as_bytes());
        let mine: Vec<_> = fs.iter().filter(|f| f.detector == c.detector).collect();
        let ok = if let Some(level) = c.expect.strip_prefix('+') {
            mine.iter().any(|f| {
                f.start == c.start
                    && f.end == c.end
                    && (level.is_empty() || Confidence::parse(level) == Some(f.confidence))
            })
        } else {
            !mine.iter().any(|f| f.start < c.end && c.start < f.end)
        };
        if !ok {
            failures.push(format!(
                "line {}: {} {} in {:?}: got {:?}",
                c.line,
                c.detector,
                c.expect,
                c.text,
                fs.iter()
                    .map(|f| (f.detector.as_ref(), f.start, f.end, f.confidence))
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_detector_has_positive_and_negative_cases() {
    let cases = load();
    for d in detectors() {
        let pos = cases
            .iter()
            .any(|c| c.detector == d.id && c.expect.starts_with('+'));
        let neg = cases.iter().any(|c| c.detector == d.id && c.expect == "-");
        assert!(pos && neg, "{} needs a positive and a negative case", d.id);
    }
    for c in &cases {
        assert!(
            detectors().iter().any(|d| d.id == c.detector),
            "line {}: unknown {}",
            c.line,
            c.detector
        );
    }
}

#[test]
fn every_documented_example_is_detected() {
    let det = Detectors::new();
    for d in detectors() {
        let fs = det.scan(d.example.as_bytes());
        assert!(
            fs.iter().any(|f| f.detector == d.id),
            "example of {} not detected: {:?} -> {:?}",
            d.id,
            d.example,
            fs
        );
    }
}
