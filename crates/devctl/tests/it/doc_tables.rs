//! The tables published in docs/device-control.md are the code's tables.
//! On a mismatch the test prints the table as it should read.

use cordon_devctl::tables::{DEVICE_CLASSES, MACHINE_OPTIONS, PRIORITY_NAMES};
use cordon_filetype::{BUILTIN, FAMILIES};

fn doc() -> String {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/device-control.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The rows of the first Markdown table after the heading `heading`.
fn table(doc: &str, heading: &str) -> Vec<Vec<String>> {
    let start = doc
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no `{heading}` section"));
    doc[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_string())
                .collect()
        })
        .collect()
}

fn check(heading: &str, header: &str, expected: Vec<Vec<String>>) {
    let got = table(&doc(), heading);
    let got: Vec<Vec<String>> = got
        .into_iter()
        .map(|r| {
            r.into_iter()
                .take(expected.first().map_or(0, Vec::len))
                .collect()
        })
        .collect();
    if got != expected {
        let mut md = format!("{header}\n");
        for r in &expected {
            md.push_str(&format!("| {} |\n", r.join(" | ")));
        }
        panic!(
            "docs/device-control.md `{heading}` does not match the code; it should start with:\n{md}"
        );
    }
}

#[test]
fn device_classes_table() {
    check(
        "## Device classes",
        "| id | name | devices |\n|---:|---|---|",
        DEVICE_CLASSES
            .iter()
            .map(|c| {
                vec![
                    c.id.to_string(),
                    c.name.to_string(),
                    c.description.to_string(),
                ]
            })
            .collect(),
    );
}

#[test]
fn machine_options_table() {
    check(
        "## Machine options",
        "| option | name | meaning |\n|---:|---|---|",
        MACHINE_OPTIONS
            .iter()
            .map(|o| {
                vec![
                    o.id.to_string(),
                    o.name.to_string(),
                    o.description.to_string(),
                ]
            })
            .collect(),
    );
}

#[test]
fn file_type_families_table() {
    check(
        "## File type families",
        "| id | family |\n|---|---|",
        FAMILIES
            .iter()
            .map(|f| vec![format!("{:08X}", f.id), f.name.to_string()])
            .collect(),
    );
}

#[test]
fn builtin_file_types_table() {
    check(
        "## Built-in file types",
        "| id | name | kind | extensions |\n|---|---|---|---|",
        BUILTIN
            .iter()
            .map(|t| {
                vec![
                    format!("{:08X}", t.id),
                    t.name.to_string(),
                    serde_json::to_value(t.kind)
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_string(),
                    t.extensions.join(", "),
                ]
            })
            .collect(),
    );
}

#[test]
fn priority_names_table() {
    check(
        "## Text priorities",
        "| priority | value |\n|---|---:|",
        PRIORITY_NAMES
            .iter()
            .map(|(n, v)| vec![n.to_string(), v.to_string()])
            .collect(),
    );
}
