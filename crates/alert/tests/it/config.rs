//! Sink configurations: the documented examples, every problem named by
//! its field, unknown fields refused, secrets kept out of `Debug` and out
//! of what is shown.

use cordon_alert::{ConfigError, Secret, Sink, SinkConfig};
use serde_json::json;

/// The ```json blocks of docs/alerts.md that are sink configurations
/// (they have a "kind").
fn documented() -> Vec<String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/alerts.md"))
        .unwrap();
    let mut out = Vec::new();
    let mut rest = doc.as_str();
    while let Some(start) = rest.find("```json\n") {
        let after = &rest[start + 8..];
        let end = after.find("```").unwrap();
        if after[..end].contains("\"kind\"") {
            out.push(after[..end].to_owned());
        }
        rest = &after[end + 3..];
    }
    out
}

#[test]
fn the_documented_examples_are_valid() {
    let examples = documented();
    let mut kinds: Vec<String> = Vec::new();
    for text in &examples {
        let config: SinkConfig =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
        config.validate().unwrap_or_else(|e| panic!("{e}:\n{text}"));
        kinds.push(
            serde_json::to_value(&config).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds, ["email", "jsonl", "syslog", "webhook"]);
}

fn problems(config: serde_json::Value) -> Vec<(String, String)> {
    let config: SinkConfig = serde_json::from_value(config).unwrap();
    let ConfigError { problems } = config.validate().unwrap_err();
    problems.into_iter().map(|p| (p.field, p.message)).collect()
}

#[test]
fn every_problem_names_its_field() {
    let got = problems(json!({
        "kind": "email",
        "to": ["soc@example.org", "not an address"],
        "subject": "{{rule}} by {{user}}",
        "body": "{{user",
        "digest_minutes": 2000,
        "smtp": {"host": "", "port": 0, "security": "starttls", "username": "u",
                 "from": "dlp@example.org", "timeout_ms": 0}
    }));
    let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "to[1]",
            "subject",
            "body",
            "digest_minutes",
            "smtp.host",
            "smtp.port",
            "smtp.password",
            "smtp.timeout_ms"
        ],
        "{got:?}"
    );
    assert!(
        got[1]
            .1
            .starts_with("has an unknown placeholder `{{rule}}`"),
        "{got:?}"
    );

    let got = problems(json!({
        "kind": "webhook", "url": "ftp://example.org/x", "secret": "abc", "timeout_ms": 999999
    }));
    assert_eq!(
        got,
        [
            (
                "url".to_owned(),
                "must be http or https, not `ftp`".to_owned()
            ),
            (
                "secret".to_owned(),
                "must start with `whsec_` (Standard Webhooks)".to_owned()
            ),
            (
                "timeout_ms".to_owned(),
                "must be between 1 and 300000 milliseconds".to_owned()
            ),
        ]
    );

    let got = problems(json!({
        "kind": "syslog", "host": "siem.example.org", "port": 514, "transport": "udp",
        "app_name": "cordon dlp", "hostname": "", "ca_file": "/etc/ca.pem"
    }));
    let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(fields, ["app_name", "hostname", "ca_file"], "{got:?}");

    let got = problems(json!({"kind": "jsonl", "path": "alerts.jsonl"}));
    assert_eq!(
        got,
        [("path".to_owned(), "must be an absolute path".to_owned())]
    );

    let e = SinkConfig::Jsonl(cordon_alert::JsonlConfig { path: "x".into() })
        .validate()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid alert sink: `path` must be an absolute path"
    );
}

#[test]
fn unknown_fields_and_kinds_are_refused() {
    for bad in [
        json!({"kind": "jsonl", "path": "/var/log/a.jsonl", "pth": 1}),
        json!({"kind": "pager", "path": "/x"}),
        json!({"kind": "webhook", "url": "https://example.org", "format": "discord"}),
        json!({"kind": "email", "to": ["a@example.org"], "subject": "s",
               "smtp": {"host": "h", "port": 25, "security": "none", "from": "a@example.org", "tls": true}}),
    ] {
        assert!(
            serde_json::from_value::<SinkConfig>(bad.clone()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn secrets_serialize_for_sealing_but_never_show() {
    let mut config: SinkConfig = serde_json::from_value(json!({
        "kind": "email", "to": ["soc@example.org"], "subject": "{{rule_name}}",
        "digest_minutes": 15,
        "smtp": {"host": "smtp.example.org", "port": 587, "security": "starttls",
                 "username": "dlp", "password": "smtp-hunter2", "from": "dlp@example.org"}
    }))
    .unwrap();
    assert_eq!(config.digest_ms(), 15 * 60_000);
    assert!(!format!("{config:?}").contains("hunter2"));
    // The server seals the stored form, so it must hold the text.
    assert!(
        serde_json::to_string(&config)
            .unwrap()
            .contains("smtp-hunter2")
    );
    let shown = serde_json::to_value(config.redacted()).unwrap();
    assert_eq!(shown["smtp"]["password"], "***");

    let secrets = config.secrets_mut();
    assert_eq!(secrets.len(), 1);
    *secrets.into_iter().next().unwrap() = Secret::from("sealed:AAAA");
    assert_eq!(
        serde_json::to_value(&config).unwrap()["smtp"]["password"],
        "sealed:AAAA"
    );
    let sink = Sink::new(config).unwrap();
    assert!(!format!("{sink:?}").contains("sealed"));

    let mut hook: SinkConfig = serde_json::from_value(json!({
        "kind": "webhook", "url": "https://hooks.example.org/cordon",
        "secret": "whsec_BwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSY="
    }))
    .unwrap();
    assert_eq!(hook.digest_ms(), 0);
    assert_eq!(hook.secrets_mut().len(), 1);
    assert_eq!(
        serde_json::to_value(hook.redacted()).unwrap()["secret"],
        "***"
    );
    assert!(!format!("{hook:?}").contains("BwgJ"));

    let mut syslog: SinkConfig = serde_json::from_value(json!({
        "kind": "syslog", "host": "siem.example.org", "port": 514, "transport": "tcp"
    }))
    .unwrap();
    assert!(syslog.secrets_mut().is_empty());
}

#[test]
fn a_tls_sink_needs_a_readable_ca() {
    let config: SinkConfig = serde_json::from_value(json!({
        "kind": "syslog", "host": "siem.example.org", "port": 6514, "transport": "tls",
        "ca_file": "/nonexistent/ca.pem"
    }))
    .unwrap();
    config.validate().unwrap();
    let e = Sink::new(config).unwrap_err();
    assert_eq!(e.problems[0].field, "ca_file");
    assert!(e.problems[0].message.contains("/nonexistent/ca.pem"), "{e}");
}

#[test]
fn defaults() {
    let config: SinkConfig = serde_json::from_value(json!({
        "kind": "syslog", "host": "siem.example.org", "port": 514, "transport": "udp"
    }))
    .unwrap();
    let v = serde_json::to_value(&config).unwrap();
    assert_eq!(v["facility"], "local4");
    assert_eq!(v["app_name"], "cordon");
    assert_eq!(v["payload"], "cef");
    assert_eq!(v["timeout_ms"], 10_000);
    let sink = Sink::new(config).unwrap();
    assert_eq!(sink.max_batch(), 500);
}

#[test]
fn a_webhook_url_is_not_in_debug() {
    let hook: SinkConfig = serde_json::from_value(json!({
        "kind": "webhook", "format": "slack",
        "url": "https://hooks.slack.example/services/T000/B000/SECRETPATH"
    }))
    .unwrap();
    let shown = format!("{hook:?}");
    assert!(shown.contains("https://hooks.slack.example/"), "{shown}");
    assert!(!shown.contains("SECRETPATH"), "{shown}");
}

/// The server shares a sink between tasks and spawns its deliveries.
#[test]
fn sinks_and_their_deliveries_can_move_between_threads() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: &T) {}
    let sink = Sink::new(
        serde_json::from_value(json!({
            "kind": "syslog", "host": "127.0.0.1", "port": 514, "transport": "tcp"
        }))
        .unwrap(),
    )
    .unwrap();
    send_sync(&sink);
    let alert = crate::support::alert();
    let batch = [cordon_alert::Delivery::alert("k", &alert)];
    let delivery = sink.deliver(&batch);
    send(&delivery);
}
