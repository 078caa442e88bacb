//! JSON Lines files.

use std::os::unix::fs::PermissionsExt as _;

use cordon_alert::{Alert, JsonlConfig, Outcome, Sink, SinkConfig};
use serde_json::Value;

use crate::support::{alerts, batch, keys};

fn sink(path: std::path::PathBuf) -> Sink {
    Sink::new(SinkConfig::Jsonl(JsonlConfig { path })).unwrap()
}

#[tokio::test]
async fn lines_append_and_parse_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.jsonl");
    let s = sink(path.clone());
    let alerts = alerts(3);
    let keys = keys(&alerts);
    let all = batch(&keys, &alerts);
    assert_eq!(s.deliver(&all[0..2]).await, vec![Outcome::Delivered; 2]);
    assert_eq!(s.deliver(&all[2..3]).await, [Outcome::Delivered]);

    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for ((line, key), alert) in lines.iter().zip(&keys).zip(&alerts) {
        assert_eq!(line["key"], key.as_str());
        let back: Alert = serde_json::from_value(line["alert"].clone()).unwrap();
        assert_eq!(&back, alert);
    }
    // The wire names are camelCase, as the server's API.
    assert_eq!(lines[0]["alert"]["incidentId"], 42);
    assert_eq!(lines[0]["alert"]["matchCount"], 3);
}

#[tokio::test]
async fn a_place_that_cannot_be_written_is_retried() {
    let dir = tempfile::tempdir().unwrap();
    let alerts = alerts(2);
    let keys = keys(&alerts);
    let all = batch(&keys, &alerts);

    // A directory that does not exist, a directory where the file should
    // be, and /proc (where even root creates no file).
    let mut places = vec![
        dir.path().join("missing/alerts.jsonl"),
        dir.path().to_owned(),
        "/proc/cordon-alerts.jsonl".into(),
    ];
    // A read-only directory stops everyone but root.
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o500)).unwrap();
    if std::fs::write(ro.join("probe"), b"").is_err() {
        places.push(ro.join("alerts.jsonl"));
    }
    for path in places {
        let out = sink(path.clone()).deliver(&all).await;
        assert_eq!(out.len(), 2);
        assert!(
            out.iter().all(|o| matches!(o, Outcome::Retry(_))),
            "{}: {out:?}",
            path.display()
        );
    }
}
