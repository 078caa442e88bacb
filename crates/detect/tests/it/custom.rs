//! Custom detectors from TOML: the seed rule, regexes with validators,
//! context, and error messages that name the line or field.

use cordon_detect::{BuildError, Category, Confidence, CustomDetectorsConfig, Detectors};

/// The seed rule "Confidential or 'Encrypt me'", as documented in
/// docs/detectors.md.
const SEED_RULE: &str = r#"
[[detector]]
id = "encrypt_me"
category = "CONFIDENTIAL"
keywords = ["Confidential", "Encrypt me"]
"#;

fn only(cfg: &str) -> Detectors {
    let cfg = CustomDetectorsConfig::from_toml_str(cfg).unwrap();
    Detectors::builder()
        .builtins(false)
        .custom(cfg)
        .build()
        .unwrap()
}

#[test]
fn seed_rule_is_a_few_lines_and_matches_whole_words_case_insensitively() {
    let det = only(SEED_RULE);
    let text = b"CONFIDENTIAL draft. Please ENCRYPT   ME? no: encrypt me! Confidentiality, unconfidential, encrypt men";
    let fs = det.scan(text);
    let got: Vec<&[u8]> = fs.iter().map(|f| &text[f.start..f.end]).collect();
    assert_eq!(got, vec![&b"CONFIDENTIAL"[..], b"encrypt me"]);
    assert!(
        fs.iter()
            .all(|f| f.detector == "encrypt_me" && f.category == Category::Confidential)
    );
    assert!(fs.iter().all(|f| f.confidence == Confidence::Medium));
}

#[test]
fn regex_with_validator_and_context() {
    let det = only(
        r#"
[[detector]]
id = "employee_card"
category = "pci"
regex = '\bEMP-\d{4}-\d{4}-\d{4}-\d{4}\b'
validator = "luhn"
context = ["badge"]
confidence = "low"
"#,
    );
    // EMP-4111-1111-1111-1111 passes Luhn; ...1112 does not.
    let fs = det.scan(b"EMP-4111-1111-1111-1111 and EMP-4111-1111-1111-1112");
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0].confidence, Confidence::Low);
    let fs = det.scan(b"badge EMP-4111-1111-1111-1111");
    assert_eq!(fs[0].confidence, Confidence::Medium);
}

#[test]
fn require_context() {
    let det = only(
        r#"
[[detector]]
id = "project_code"
category = "CONFIDENTIAL"
regex = 'PRJ-[0-9]{5}'
context = ["project"]
require_context = true
confidence = "high"
"#,
    );
    assert!(det.scan(b"PRJ-12345").is_empty());
    assert_eq!(
        det.scan(b"project PRJ-12345")[0].confidence,
        Confidence::High
    );
}

#[test]
fn custom_and_builtins_together_and_filtering() {
    let cfg = CustomDetectorsConfig::from_toml_str(SEED_RULE).unwrap();
    let det = Detectors::builder().custom(cfg.clone()).build().unwrap();
    assert!(det.ids().contains(&"encrypt_me") && det.ids().contains(&"credit_card"));
    let det = Detectors::builder()
        .custom(cfg.clone())
        .only_ids(["encrypt_me"])
        .build()
        .unwrap();
    assert_eq!(det.ids(), vec!["encrypt_me"]);
    let det = Detectors::builder()
        .custom(cfg)
        .categories([Category::Pii])
        .build()
        .unwrap();
    assert!(!det.ids().contains(&"encrypt_me"));
}

fn err(cfg: &str) -> String {
    CustomDetectorsConfig::from_toml_str(cfg)
        .unwrap_err()
        .to_string()
}

#[test]
fn errors_name_line_and_field() {
    let e = err("[[detector]]\nid = \"x\"\ncategory = \"PII\"\nkeywords = [\"a\"]\nbogus = 1\n");
    assert!(e.contains("line 5") && e.contains("bogus"), "{e}");
    let e = err("[[detector]]\nid = \"x\"\ncategory = 7\n");
    assert!(e.contains("line 3"), "{e}");
    let e = err("[[detector]]\nid = \"x\"\ncategory = \"PII\"\nregex = \"(\"\n");
    assert!(e.contains("`x`") && e.contains("field `regex`"), "{e}");
    let e = err("[[detector]]\nid = \"x\"\ncategory = \"secretish\"\nkeywords = [\"a\"]\n");
    assert!(
        e.contains("field `category`") && e.contains("`secretish`"),
        "{e}"
    );
    let e =
        err("[[detector]]\nid = \"x\"\ncategory = \"PII\"\nregex = \"a\"\nvalidator = \"crc99\"\n");
    assert!(e.contains("field `validator`") && e.contains("luhn"), "{e}");
    let e = err("[[detector]]\nid = \"credit_card\"\ncategory = \"PII\"\nkeywords = [\"a\"]\n");
    assert!(e.contains("built-in"), "{e}");
    let e = err("[[detector]]\nid = \"x\"\ncategory = \"PII\"\n");
    assert!(e.contains("keywords") && e.contains("regex"), "{e}");
    let e = err("[[detector]]\nid = \"Bad Id\"\ncategory = \"PII\"\nkeywords = [\"a\"]\n");
    assert!(e.contains("field `id`"), "{e}");
}

#[test]
fn unknown_detector_id_in_filter_is_an_error() {
    let e = Detectors::builder()
        .only_ids(["no_such"])
        .build()
        .unwrap_err();
    assert_eq!(e, BuildError::UnknownDetector("no_such".into()));
    assert_eq!(e.to_string(), "unknown detector id `no_such`");
}

#[test]
fn count_only_tallies_custom_detectors_under_their_own_ids() {
    let cfg = CustomDetectorsConfig::from_toml_str(SEED_RULE).unwrap();
    let det = Detectors::builder().custom(cfg).build().unwrap();
    let text = b"Encrypt me: card 4111 1111 1111 1111. Confidential. ".repeat(50);
    let whole = det.scan(&text);
    let mut s = det.stream_with_slice(256);
    s.count_only(0..usize::MAX);
    let mut out = Vec::new();
    s.feed_into(&text, &mut out);
    s.finish_into(&mut out);
    assert!(out.is_empty());
    let tally = s.tally();
    for id in ["encrypt_me", "credit_card"] {
        let want = whole.iter().filter(|f| f.detector == id).count() as u64;
        let got: u64 = tally.iter().filter(|t| t.0 == id).map(|t| t.3).sum();
        assert!(want > 0, "{id}");
        assert_eq!(got, want, "{id}");
    }
    let all: u64 = tally.iter().map(|t| t.3).sum();
    assert_eq!(all, whole.len() as u64);
    assert!(
        tally
            .iter()
            .any(|t| t.0 == "encrypt_me" && t.1 == Category::Confidential)
    );
}

#[test]
fn keywords_in_other_scripts_are_case_insensitive_whole_words() {
    let det = only(
        r#"
[[detector]]
id = "marking"
category = "CONFIDENTIAL"
keywords = ["Конфиденциально", "Vertraulich", "Εμπιστευτικό", "Confidential"]
"#,
    );
    let text = "КОНФИДЕНЦИАЛЬНО. конфиденциально! Конфиденциальность; \
                VERTRAULICH εμπιστευτικό Confidentialé Confidential."
        .as_bytes();
    let got: Vec<&str> = det
        .scan(text)
        .iter()
        .map(|f| std::str::from_utf8(&text[f.start..f.end]).unwrap())
        .collect();
    assert_eq!(
        got,
        [
            "КОНФИДЕНЦИАЛЬНО",
            "конфиденциально",
            "VERTRAULICH",
            "εμπιστευτικό",
            "Confidential"
        ]
    );
}

#[test]
fn context_words_in_other_scripts_fold_case_and_need_whole_words() {
    let det = only(
        r#"
[[detector]]
id = "ru_passport"
category = "PII"
regex = '\b\d{4} \d{6}\b'
context = ["паспорт"]
require_context = true
"#,
    );
    assert_eq!(det.scan("ПАСПОРТ: 4510 123456".as_bytes()).len(), 1);
    assert_eq!(
        det.scan("серия и номер паспорт 4510 123456".as_bytes())
            .len(),
        1
    );
    // Inside a longer word, and absent: no context, so nothing.
    assert!(
        det.scan("паспортный стол 4510 123456".as_bytes())
            .is_empty()
    );
    assert!(det.scan("заказ 4510 123456".as_bytes()).is_empty());
}

/// Issue #16: the seed's keyword rule and the built-in
/// `confidential_marker` both match "Confidential"; they are different
/// detectors, so both are reported (overlaps are resolved only among the
/// built-ins, and within one custom detector).
#[test]
fn custom_keyword_is_reported_beside_the_builtin_marker_it_overlaps() {
    let cfg = CustomDetectorsConfig::from_toml_str(SEED_RULE).unwrap();
    let det = Detectors::builder().custom(cfg).build().unwrap();
    let text = b"Strictly Confidential: the plan. card 4111 1111 1111 1111";
    let fs = det.scan(text);
    let ids: Vec<(&str, &[u8])> = fs
        .iter()
        .map(|f| (f.detector.as_ref(), &text[f.start..f.end]))
        .collect();
    assert!(
        ids.contains(&("confidential_marker", &b"Strictly Confidential"[..])),
        "{ids:?}"
    );
    assert!(
        ids.contains(&("encrypt_me", &b"Confidential"[..])),
        "{ids:?}"
    );
    assert!(ids.iter().any(|(d, _)| *d == "credit_card"), "{ids:?}");
    // Sorted by start, as every scan's findings are.
    assert!(fs.windows(2).all(|w| w[0].start <= w[1].start));
    // The same through the stream, cut anywhere, and counted.
    for slice in [1, 7, 64] {
        let mut s = det.stream_with_slice(slice);
        let mut got = s.feed(text);
        got.extend(s.finish());
        assert_eq!(got, fs, "slice {slice}");
    }
    // Within one custom detector overlaps still resolve: "Encrypt me"
    // and a keyword inside it are one finding.
    let det = Detectors::builder()
        .custom(
            CustomDetectorsConfig::from_toml_str(
                "[[detector]]\nid = \"k\"\ncategory = \"CONFIDENTIAL\"\nkeywords = [\"encrypt me\", \"encrypt\"]\n",
            )
            .unwrap(),
        )
        .build()
        .unwrap();
    assert_eq!(det.scan(b"please encrypt me").len(), 1);
}
