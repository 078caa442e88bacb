//! docs/detectors.md cannot drift: its table lists every built-in id with
//! its category, and its custom-detector example is the tested seed rule.

use cordon_detect::detectors;

fn doc() -> String {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/detectors.md");
    std::fs::read_to_string(p).expect("docs/detectors.md")
}

#[test]
fn table_lists_every_builtin_detector_with_its_category() {
    let doc = doc();
    let start = doc
        .find("## Built-in detectors")
        .expect("a built-in detectors section");
    let section = &doc[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| `")).collect();
    for d in detectors() {
        let row = rows
            .iter()
            .find(|r| r.starts_with(&format!("| `{}` |", d.id)))
            .unwrap_or_else(|| panic!("docs/detectors.md has no table row for `{}`", d.id));
        assert!(
            row.contains(d.category.as_str()),
            "row for {} lacks {}",
            d.id,
            d.category
        );
    }
    for r in rows {
        let id = r.trim_start_matches("| `").split('`').next().unwrap();
        assert!(
            detectors().iter().any(|d| d.id == id),
            "docs list unknown detector `{id}`"
        );
    }
}

#[test]
fn documented_seed_rule_parses() {
    let doc = doc();
    let start = doc.find("```toml").expect("a toml example") + 7;
    let end = start + doc[start..].find("```").unwrap();
    let cfg = cordon_detect::CustomDetectorsConfig::from_toml_str(&doc[start..end]).unwrap();
    assert!(
        cfg.detectors
            .iter()
            .any(|d| d.keywords.iter().any(|k| k == "Encrypt me"))
    );
}
