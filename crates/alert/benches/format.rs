//! Formatting cost per alert: the CEF line, the whole syslog message, and
//! a webhook's body with its Standard Webhooks signature.
//!
//! `cargo bench -p cordon-alert --bench format`

use criterion::{Criterion, black_box, criterion_group, criterion_main};

use cordon_alert::syslog::{Format, format};
use cordon_alert::webhook::{body, sign};
use cordon_alert::{Alert, AlertFile, AlertFinding, Facility, Payload, WebhookFormat, cef};

fn alert() -> Alert {
    Alert {
        incident_id: 42,
        created_at: 1_764_640_834_610,
        rule_id: "pci-usb".to_owned(),
        rule_name: "Cards to USB | block".to_owned(),
        policy_id: "pci".to_owned(),
        policy_version: 3,
        mode: "enforce".to_owned(),
        enforced: true,
        decision: "deny".to_owned(),
        channel: "copy_to_device".to_owned(),
        username: "alice".to_owned(),
        computer: "WS-042".to_owned(),
        remote_ip: Some("192.0.2.7".to_owned()),
        recipients: vec!["bob@example.org".to_owned()],
        categories: vec!["PCI".to_owned(), "PII".to_owned()],
        findings: (0..5)
            .map(|_| AlertFinding {
                detector: "credit_card".to_owned(),
                masked: "4111 **** **** 1111".to_owned(),
                confidence: "high".to_owned(),
            })
            .collect(),
        match_count: 5,
        file: Some(AlertFile {
            name: "cards=2025.xlsx".to_owned(),
            path: Some("C:\\Users\\alice\\cards=2025.xlsx".to_owned()),
            size: Some(18_432),
            sha256: Some(
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".to_owned(),
            ),
        }),
        message: Some("copy to USB blocked".to_owned()),
        url: Some("https://cordon.example.org/incidents/42".to_owned()),
        severity: 8,
    }
}

fn bench(c: &mut Criterion) {
    let a = alert();
    let f = Format {
        facility: Facility::Local4,
        hostname: "dlp-01.example.org".to_owned(),
        app_name: "cordon".to_owned(),
        payload: Payload::Cef,
    };
    c.bench_function("cef", |b| b.iter(|| cef::format(black_box(&a))));
    c.bench_function("syslog_cef", |b| b.iter(|| format(black_box(&a), &f)));
    let key = [7u8; 32];
    c.bench_function("webhook_generic_signed", |b| {
        b.iter(|| {
            let bytes = serde_json::to_vec(&body(WebhookFormat::Generic, black_box(&a)))
                .unwrap_or_default();
            sign(&key, "d-42", 1_764_640_834, &bytes)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
