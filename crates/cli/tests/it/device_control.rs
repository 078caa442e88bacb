//! `cordon policy` with Device Control JSON documents, through the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::prelude::*;
use serde_json::{Value, json};

fn cordon() -> Command {
    Command::cargo_bin("cordon").unwrap()
}

fn seed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../devctl/tests/fixtures/seed")
        .join(name)
}

/// A read-only policy for removable disks, with the seed's `//` comments.
const READ_ONLY: &str = r#"{
  // seed-style comment
  "policies": [{
    "id": "7", "name": "USB read only",
    "devices": {"types": [{"class": "3"}]},
    "how": {"priority": "10"},
    "what": {"access": {"granted": ["Read"]}, "messages": {"notify": true, "denied": "USB sticks are read-only here"}}
  }]
}"#;

fn access(operation: &str) -> Value {
    json!({
        "action": "device_access",
        "time": "2026-03-02T10:00:00Z",
        "device": {
            "user": {"sid": "S-1-5-21-1-1001", "account": "CORP\\alice"},
            "computer": {"fqdn": "pc1.corp.example", "online": true},
            "device": {"class": "3", "bus": "USB", "disk": "Removable", "model": "USBSTOR\\DiskSanDisk", "encrypted": false},
            "operation": operation,
        }
    })
}

#[test]
fn check_recognises_the_format_by_content_whatever_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("policy-from-the-console.txt");
    std::fs::copy(seed("rw_all.json"), &renamed).unwrap();
    let out = cordon()
        .args(["policy", "check"])
        .arg(&renamed)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_invalid_document_is_refused_with_a_json_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        READ_ONLY.replace("\"priority\": \"10\"", "\"priority\": \"often\""),
    )
    .unwrap();
    let out = cordon()
        .args(["policy", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("/policies/0/how/priority"), "{all}");
}

#[test]
fn eval_decides_device_access() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("usb.json");
    std::fs::write(&policy, READ_ONLY).unwrap();
    for (op, decision, code) in [("read", "allow", 0), ("write", "deny", 1)] {
        let event = dir.path().join(format!("{op}.json"));
        std::fs::write(&event, access(op).to_string()).unwrap();
        let out = cordon()
            .args(["policy", "eval", "--format", "json"])
            .arg(&policy)
            .arg("--event")
            .arg(&event)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let d: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(d["decision"], decision, "{d}");
        assert_eq!(d["device"]["rights"], json!(["Read"]), "{d}");
        if op == "write" {
            assert_eq!(d["device"]["operationAllowed"], false, "{d}");
        }
    }
}

#[test]
fn import_prints_a_cordon_document_that_checks() {
    let out = cordon()
        .args(["policy", "import", "device-control"])
        .arg(seed("rw_all.json"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let imported = dir.path().join("imported.yaml");
    std::fs::write(&imported, &out.stdout).unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("deviceControl:"), "{text}");
    cordon()
        .args(["policy", "check"])
        .arg(&imported)
        .assert()
        .code(0);
}
