use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::prelude::*;
use serde_json::Value;

fn cordon() -> Command {
    Command::cargo_bin("cordon").unwrap()
}

/// The generated example folders (examples/policies is hand-written and
/// changes with the policy docs, so it is not part of these snapshots).
const EXAMPLES: &[&str] = &[
    "examples/engineering",
    "examples/finance",
    "examples/health",
    "examples/hr",
    "examples/legal",
    "examples/mail",
    "examples/marketing",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn json_lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn detectors_of(report: &Value) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["detector"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v.dedup();
    v
}

fn zip_bytes(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        for (name, data) in entries {
            z.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

#[test]
fn examples_json_snapshot() {
    let out = cordon()
        .current_dir(repo())
        .args(["scan", "--format", "json"])
        .args(EXAMPLES)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reports = json_lines(&out.stdout);
    let summary: Vec<String> = reports
        .iter()
        .map(|r| {
            format!(
                "{} [{}] complete={} {:?}",
                r["path"].as_str().unwrap(),
                r["file_type"].as_str().unwrap(),
                r["complete"],
                detectors_of(r)
            )
        })
        .collect();
    insta::assert_snapshot!(summary.join("\n"));
}

#[test]
fn examples_human_snapshot() {
    let out = cordon()
        .current_dir(repo())
        .args(["scan", "-j1"])
        .args(EXAMPLES)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn values_are_masked_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let card = "4556737586899855";
    std::fs::write(
        dir.path().join("pay.txt"),
        format!("Visa card number {card} exp 12/29\n"),
    )
    .unwrap();
    let out = cordon().arg("scan").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("credit_card"), "{text}");
    assert!(!text.contains(card), "full value printed: {text}");
    let out = cordon()
        .arg("scan")
        .arg("--format=json")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains(card));
    let out = cordon()
        .arg("scan")
        .arg("--show-values")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(card));
}

#[test]
fn offsets_of_a_plain_file_are_file_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let text = "héllo — wörld\nSSN of the applicant: 536-22-8134\n";
    let p = dir.path().join("a.txt");
    std::fs::write(&p, text).unwrap();
    let out = cordon()
        .args(["scan", "--format", "json"])
        .arg(&p)
        .output()
        .unwrap();
    let r = &json_lines(&out.stdout)[0];
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["detector"] == "us_ssn")
        .unwrap();
    let (s, e) = (
        f["start"].as_u64().unwrap() as usize,
        f["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text.as_bytes()[s..e], b"536-22-8134");
}

#[test]
fn nested_archive_member_locations() {
    let dir = tempfile::tempdir().unwrap();
    let inner = zip_bytes(&[(
        "q3/notes.txt",
        b"customer IBAN DE89 3704 0044 0532 0130 00 on file",
    )]);
    let outer = zip_bytes(&[("inner.zip", &inner), ("readme.txt", b"nothing here")]);
    let p = dir.path().join("quarterly.zip");
    std::fs::write(&p, outer).unwrap();
    let out = cordon()
        .args(["scan", "--format", "json"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let r = &json_lines(&out.stdout)[0];
    let f = &r["findings"][0];
    assert_eq!(f["detector"], "iban");
    let loc = f["location"].as_str().unwrap();
    assert!(
        loc.ends_with("quarterly.zip!/inner.zip!/q3/notes.txt"),
        "{loc}"
    );
}

#[test]
fn stdin_is_scanned() {
    let mut child = cordon()
        .args(["scan", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"aws_access_key_id = AKIA2E3KQ7RTV5WXJ4HZ\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let r = &json_lines(&out.stdout)[0];
    assert_eq!(r["path"], "-");
    assert_eq!(detectors_of(r), ["aws_access_key"]);
}

#[test]
fn links_left_alone_are_counted_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.txt"), "nothing to see\n").unwrap();
    std::os::unix::fs::symlink("a.txt", d.join("to-a")).unwrap();
    std::os::unix::fs::symlink("/nonexistent", d.join("broken")).unwrap();
    let out = cordon().arg("scan").arg(d).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a link left alone is no error: {err}"
    );
    assert!(
        err.contains("1 file scanned") && err.contains("2 symbolic links not followed"),
        "{err}"
    );
    // Still reported, with its own code, to a machine reader.
    let out = cordon()
        .args(["scan", "--format", "json"])
        .arg(d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let links = json_lines(&out.stdout)
        .into_iter()
        .filter(|r| r["errors"][0]["code"] == "link_not_followed")
        .count();
    assert_eq!(links, 2);
    // Asked to follow, a broken link is an error again.
    let out = cordon().args(["scan", "--follow"]).arg(d).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_inputs_are_reported_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("good.txt"), "Contact: jane.doe@example.com\n").unwrap();
    std::fs::write(
        d.join("truncated.zip"),
        &zip_bytes(&[("a.txt", b"hello world hello world")])[..20],
    )
    .unwrap();
    std::fs::write(d.join("binary.bin"), [0u8, 159, 146, 150, 255, 0, 1, 2]).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(d.join("pipe"))
            .status()
            .unwrap()
            .success()
    );
    std::os::unix::fs::symlink(d, d.join("loop")).unwrap();
    // A FIFO must not block the scan: time out instead of hanging the suite.
    let out = assert_cmd::Command::cargo_bin("cordon")
        .unwrap()
        .args(["scan", "--format", "json", "--follow"])
        .arg(d)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reports = json_lines(&out.stdout);
    let by_name = |n: &str| {
        reports
            .iter()
            .find(|r| r["path"].as_str().unwrap().ends_with(n))
            .unwrap_or_else(|| panic!("no report for {n}: {reports:?}"))
    };
    assert_eq!(detectors_of(by_name("good.txt")), ["email"]);
    assert_eq!(by_name("truncated.zip")["complete"], false);
    assert_eq!(by_name("pipe")["complete"], false);
    assert_eq!(by_name("binary.bin")["complete"], true);
}

#[test]
fn exit_codes_follow_grep() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.txt");
    std::fs::write(&clean, "nothing to see here\n").unwrap();
    cordon().arg("scan").arg(&clean).assert().code(0);
    cordon()
        .arg("scan")
        .arg(dir.path().join("missing.txt"))
        .assert()
        .code(2);
    cordon()
        .args(["scan", "--min-confidence", "bogus"])
        .arg(&clean)
        .assert()
        .code(2);
}

/// Scans `name` (holding `content`) with only custom detector `id` from
/// the TOML `rules`; expects findings (exit 1) and returns the JSON line.
fn scan_with_rules(rules: &str, id: &str, name: &str, content: &[u8]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("rules.toml");
    std::fs::write(&cfg, rules).unwrap();
    let doc = dir.path().join(name);
    std::fs::write(&doc, content).unwrap();
    let out = cordon()
        .args(["scan", "--format", "json", "--detectors", id, "--config"])
        .arg(&cfg)
        .arg(&doc)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_lines(&out.stdout).remove(0)
}

#[test]
fn custom_keyword_detector_from_config() {
    let line = scan_with_rules(
        r#"
[[detector]]
id = "encrypt_to_usb"
category = "CONFIDENTIAL"
keywords = ["Confidential", "Encrypt me"]
confidence = "high"
"#,
        "encrypt_to_usb",
        "Encrypt me file.txt",
        b"please ENCRYPT ME before copying\n",
    );
    assert_eq!(detectors_of(&line), ["encrypt_to_usb"]);
}

#[test]
fn a_cyrillic_keyword_in_a_legacy_word_file_is_found() {
    // A .doc written by LibreOffice (scripts/make-ole-fixtures): a Russian
    // organisation's marking must be found in its text.
    let doc = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../extract/tests/fixtures/ole/dogovor.doc"
    ))
    .unwrap();
    let line = scan_with_rules(
        r#"
[[detector]]
id = "ru_confidential"
category = "CONFIDENTIAL"
keywords = ["Конфиденциально"]
"#,
        "ru_confidential",
        "dogovor.doc",
        &doc,
    );
    assert_eq!(detectors_of(&line), ["ru_confidential"]);
    assert!(
        line["findings"][0]["location"]
            .as_str()
            .unwrap()
            .ends_with("dogovor.doc!/WordDocument"),
        "{line}"
    );
}

#[test]
fn sarif_is_valid_json_with_rules_and_results() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "mail me: a.person@example.org\n").unwrap();
    let out = cordon()
        .args(["scan", "--format", "sarif"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert!(run["tool"]["driver"]["rules"].as_array().unwrap().len() >= 50);
    assert_eq!(run["results"][0]["ruleId"], "email");
}

/// A SARIF region is a byte range of the file: given for plain text and
/// for HTML (whose findings are placed in the file), never for text
/// extracted from a document (a PDF's offsets are its text's).
#[test]
fn sarif_regions_point_at_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let html = "<html><body><p>Mail <b>me</b>&nbsp;at a.person@example.org</p></body></html>\n";
    std::fs::write(dir.path().join("a.html"), html).unwrap();
    std::fs::write(dir.path().join("a.txt"), "mail me: a.person@example.org\n").unwrap();
    let pdf = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/health/discharge-summary.pdf"
    );
    std::fs::copy(pdf, dir.path().join("d.pdf")).unwrap();
    let out = cordon()
        .args(["scan", "--format", "sarif"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let mut seen = 0;
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        let region = &loc["region"];
        if uri.ends_with("d.pdf") {
            assert!(region.is_null(), "{r}");
            seen += 1;
        } else if r["ruleId"] == "email" {
            let file = std::fs::read(dir.path().join(uri.rsplit('/').next().unwrap())).unwrap();
            let at = region["byteOffset"].as_u64().unwrap() as usize;
            let len = region["byteLength"].as_u64().unwrap() as usize;
            assert_eq!(&file[at..at + len], b"a.person@example.org", "{uri}");
            seen += 1;
        }
    }
    assert!(seen >= 3, "{results:?}");
}

#[test]
fn ocr_finds_values_in_a_scanned_page() {
    // A page rendered to PNG by LibreOffice; tesseract comes from
    // scripts/install-test-deps.
    let png = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../extract/tests/fixtures/ocr/scan.png"
    );
    let out = cordon()
        .args(["scan", "--format", "json", "--ocr"])
        .arg(png)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(detectors_of(&line), ["credit_card", "us_ssn"], "{line}");
    // Without --ocr the image has no text.
    let out = cordon()
        .args(["scan", "--format", "json"])
        .arg(png)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// Never decide blind: a zip whose first member is a bomb and whose
/// second is encrypted still has the card number in its third member
/// found, whether scanned by path or from standard input; the scan exits
/// 2 and lists every part it could not read, with where and why.
#[test]
fn members_after_a_bomb_and_an_encrypted_member_are_still_scanned() {
    use zip::unstable::write::FileOptionsExt;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file("zeros.bin", opts).unwrap();
    w.write_all(&vec![0u8; 8 << 20]).unwrap();
    w.start_file("secret.txt", opts.with_deprecated_encryption(b"pw"))
        .unwrap();
    w.write_all(b"card 4111 1111 1111 1111").unwrap();
    w.start_file("card.txt", opts).unwrap();
    w.write_all(b"card 4111 1111 1111 1111").unwrap();
    let bytes = w.finish().unwrap().into_inner();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.zip");
    std::fs::write(&path, &bytes).unwrap();

    let by_path = cordon()
        .args(["scan", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let from_stdin = assert_cmd::Command::cargo_bin("cordon")
        .unwrap()
        .args(["scan", "--format", "json", "-"])
        .write_stdin(bytes.clone())
        .output()
        .unwrap();
    for (how, out, name) in [
        ("path", &by_path, path.to_str().unwrap()),
        ("stdin", &from_stdin, "-"),
    ] {
        assert_eq!(out.status.code(), Some(2), "{how}");
        let r = json_lines(&out.stdout).remove(0);
        assert_eq!(r["complete"], false, "{how}");
        let incomplete: Vec<(String, String)> = r["incomplete"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                assert!(!p["message"].as_str().unwrap().is_empty(), "{how}");
                (
                    p["location"].as_str().unwrap().to_owned(),
                    p["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            incomplete,
            [
                (format!("{name}!/zeros.bin"), "ratio_limit".to_owned()),
                (format!("{name}!/secret.txt"), "encrypted".to_owned()),
            ],
            "{how}"
        );
        let cards: Vec<&str> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["detector"] == "credit_card")
            .map(|f| f["location"].as_str().unwrap())
            .collect();
        assert_eq!(cards, [format!("{name}!/card.txt")], "{how}");
    }

    let human = cordon().arg("scan").arg(&path).output().unwrap();
    assert_eq!(human.status.code(), Some(2));
    let text = String::from_utf8_lossy(&human.stdout);
    for want in [
        "!/card.txt",
        "not fully inspected: ",
        "!/zeros.bin: expansion ratio exceeds the limit of 200:1",
        "!/secret.txt: zip is encrypted: password required",
    ] {
        assert!(text.contains(want), "{want:?} missing from:\n{text}");
    }
}
