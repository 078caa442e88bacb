//! The example plug-ins shipped in `plugins/`, packed from the repository
//! and run end to end.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cordon_plugin::{Installed, Request, Response, RunLimits, Status, run};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::util::install_dir;

fn shipped(name: &str, root: &Path) -> Installed {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../plugins")
        .join(name);
    let installed = install_dir(&src, root);
    assert_eq!(installed.manifest.name, name);
    installed
}

async fn call(installed: &Installed, incident: &Value, params: &Value) -> Response {
    let limits = RunLimits::for_manifest(&installed.manifest, Duration::from_secs(30));
    let request = Request::new(&installed.manifest, incident, params, &limits);
    run(installed, &request, &limits).await.unwrap()
}

fn incident_with(id: u64, path: &Path) -> Value {
    json!({
        "id": id,
        "rule_name": "PCI to USB",
        "details": {"event": {"action": "copy_to_device", "file": {"path": path}}},
    })
}

struct Share {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    quarantine: PathBuf,
    outside: PathBuf,
    installed: Installed,
}

impl Share {
    fn new() -> Share {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("share");
        std::fs::create_dir_all(root.join("finance")).unwrap();
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        let installed = shipped("quarantine", &tmp.path().join("plugins"));
        Share {
            quarantine: tmp.path().join("quarantine"),
            root,
            outside,
            installed,
            _tmp: tmp,
        }
    }

    fn params(&self) -> Value {
        json!({"share_root": self.root, "quarantine_dir": self.quarantine})
    }
}

#[tokio::test]
async fn quarantine_moves_a_file_under_the_share_root() {
    let s = Share::new();
    let file = s.root.join("finance/cards.xlsx");
    std::fs::write(&file, "4111 1111 1111 1111").unwrap();
    let r = call(&s.installed, &incident_with(42, &file), &s.params()).await;
    assert_eq!(
        (r.status, r.message.as_str()),
        (Status::Ok, "File moved to quarantine"),
        "{r:?}"
    );
    assert!(!file.exists());
    let moved = s.quarantine.join("42-cards.xlsx");
    assert_eq!(r.details["path"], json!(moved));
    assert_eq!(
        std::fs::read_to_string(&moved).unwrap(),
        "4111 1111 1111 1111"
    );
    let note: Value = serde_json::from_slice(
        &std::fs::read(s.quarantine.join("42-cards.xlsx.cordon.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(note["incident"], json!(42));
    assert_eq!(note["rule"], json!("PCI to USB"));
    assert_eq!(note["original_path"], json!(file));

    // The same name again does not overwrite the first.
    std::fs::write(&file, "second").unwrap();
    let r = call(&s.installed, &incident_with(42, &file), &s.params()).await;
    assert_eq!(r.status, Status::Ok);
    assert_eq!(
        std::fs::read_to_string(s.quarantine.join("42-cards.xlsx.2")).unwrap(),
        "second"
    );
    assert_eq!(
        std::fs::read_to_string(&moved).unwrap(),
        "4111 1111 1111 1111"
    );
}

#[tokio::test]
async fn quarantine_refuses_escapes() {
    let s = Share::new();
    let secret = s.outside.join("passwd");
    std::fs::write(&secret, "keep me").unwrap();
    std::os::unix::fs::symlink(&secret, s.root.join("finance/link-to-file")).unwrap();
    std::os::unix::fs::symlink(&s.outside, s.root.join("linked-dir")).unwrap();
    let cases = [
        secret.clone(),
        s.root.join("../outside/passwd"),
        s.root.join("finance/../../outside/passwd"),
        s.root.join("finance/link-to-file"),
        s.root.join("linked-dir/passwd"),
        s.root.clone(),
        PathBuf::from("relative/passwd"),
    ];
    for path in cases {
        let r = call(&s.installed, &incident_with(1, &path), &s.params()).await;
        assert_eq!(r.status, Status::Failed, "{}: {r:?}", path.display());
        assert!(
            r.message.contains("not moved") || r.message.contains("not under"),
            "{r:?}"
        );
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "keep me");
    }
    assert!(s.root.join("finance/link-to-file").is_symlink());
    assert!(!s.quarantine.exists() || std::fs::read_dir(&s.quarantine).unwrap().count() == 0);
}

#[tokio::test]
async fn quarantine_skips_an_incident_without_a_file() {
    let s = Share::new();
    let r = call(
        &s.installed,
        &json!({"id": 5, "details": {"event": {"action": "email"}}}),
        &s.params(),
    )
    .await;
    assert_eq!(
        (r.status, r.message.as_str()),
        (Status::Skipped, "Incident has no file")
    );
    let r = call(
        &s.installed,
        &incident_with(5, &s.root.join("finance/gone.txt")),
        &s.params(),
    )
    .await;
    assert_eq!(
        (r.status, r.message.as_str()),
        (Status::Failed, "File no longer exists")
    );
}

/// A one-request HTTP receiver on a loopback port: answers `status` and
/// `body`, and hands back the request it got.
async fn receiver(
    status: &'static str,
    body: &'static str,
) -> (String, tokio::task::JoinHandle<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/tickets", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut conn, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = conn.read(&mut buf).await.unwrap();
            got.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&got);
            if let Some(end) = text.find("\r\n\r\n") {
                let len: usize = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if got.len() >= end + 4 + len {
                    break;
                }
            }
            assert!(n > 0, "connection closed early");
        }
        let reply = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        conn.write_all(reply.as_bytes()).await.unwrap();
        conn.shutdown().await.unwrap();
        String::from_utf8(got).unwrap()
    });
    (url, task)
}

fn ticket_incident() -> Value {
    json!({
        "id": 77,
        "rule_name": "PII by e-mail",
        "policy_id": "gdpr",
        "username": "doc",
        "action": "email",
        "categories": ["PII"],
        "details": {
            "event": {"action": "email", "file": {"path": "/x/list.csv"}},
            "findings": [{"detector": "us_ssn", "category": "PII", "confidence": "high", "location": "list.csv", "masked": "***-**-8726", "offset": 3}],
        },
    })
}

#[tokio::test]
async fn ticket_posts_and_answers_with_the_ticket_id() {
    let tmp = tempfile::tempdir().unwrap();
    let installed = shipped("ticket", tmp.path());
    let (url, got) = receiver(
        "201 Created",
        "{\"id\": 123, \"url\": \"http://tickets/123\"}",
    )
    .await;
    let r = call(
        &installed,
        &ticket_incident(),
        &json!({"url": url, "token": "t0ken", "timeout_s": 5}),
    )
    .await;
    assert_eq!(
        (r.status, r.message.as_str()),
        (Status::Ok, "Ticket 123 opened"),
        "{r:?}"
    );
    assert_eq!(r.details, json!({"ticket": 123}));

    let request = got.await.unwrap();
    assert!(
        request.starts_with("POST /api/tickets HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(
        request.contains("Authorization: Bearer t0ken\r\n"),
        "{request}"
    );
    let body: Value = serde_json::from_str(request.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(
        body,
        json!({
            "title": "Cordon incident 77: PII by e-mail",
            "incident": 77,
            "rule": "PII by e-mail",
            "policy": "gdpr",
            "user": "doc",
            "action": "email",
            "file": "/x/list.csv",
            "categories": ["PII"],
            "findings": [{"detector": "us_ssn", "category": "PII", "confidence": "high", "location": "list.csv", "masked": "***-**-8726"}],
        })
    );
}

#[tokio::test]
async fn ticket_reports_a_refusing_receiver() {
    let tmp = tempfile::tempdir().unwrap();
    let installed = shipped("ticket", tmp.path());
    let (url, got) = receiver("500 Internal Server Error", "{}").await;
    let r = call(&installed, &ticket_incident(), &json!({"url": url})).await;
    assert_eq!(
        (r.status, r.message.as_str()),
        (Status::Failed, "Ticket system answered HTTP 500")
    );
    got.await.unwrap();
    let r = call(
        &installed,
        &ticket_incident(),
        &json!({"url": "file:///etc/passwd"}),
    )
    .await;
    assert_eq!(
        (r.status, r.message.as_str()),
        (Status::Failed, "Ticket URL must be http or https")
    );
}
