//! Device-access decisions against 1,000 policies (target: ≤ 2 µs median).
//!
//! `cargo bench -p cordon-devctl --bench decide`
#![allow(clippy::unwrap_used)] // bench set-up, like tests

use chrono::{DateTime, Utc};
use cordon_devctl::{DeviceControl, DeviceControlSource, read_value};
use cordon_policy::model::{
    Action, Computer, DeviceAccess, DeviceInfo, DeviceOperation, DeviceUser, Event,
};
use cordon_policy::source::{EvalContext, RuleSource};
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use serde_json::{Value, json};

/// 1,000 policies of the shapes administrators write: per class, per
/// group of users, with models, schedules, file-type filters and quotas,
/// spread over priorities, plus a Low RW_ALL baseline.
fn policies(n: usize) -> Value {
    let mut ps = vec![json!({
        "id": "1", "name": "RW_ALL", "who": {"sids": ["S-1-1-0"]},
        "devices": {"types": [{"class": "Default Settings"}]},
        "how": {"priority": "Low"}, "what": {"access": {"granted": ["Read", "Write"]}}
    })];
    for i in 1..n {
        let class = (i % 17) + 1;
        let mut p = json!({
            "id": (i + 1).to_string(),
            "name": format!("policy {i}"),
            "who": {"sids": [format!("S-1-5-21-1000-{}", 2000 + i % 50)]},
            "devices": {"types": [{"class": class.to_string()}]},
            "how": {"priority": ((i * 7919) % 1000).to_string()},
            "what": {"access": {"granted": if i % 3 == 0 { json!(["Read"]) } else { json!(["Read", "Write"]) }}},
        });
        if i % 4 == 0 {
            p["devices"]["types"][0]["model"] = json!(format!("USBSTOR\\Disk{}_*", i % 13));
        }
        if i % 5 == 0 {
            p["when"] = json!({"schedule": {"start": "08:00:00", "end": "18:00:00", "rrule": "BYDAY=MO,TU,WE,TH,FR"}});
        }
        if i % 6 == 0 {
            p["what"]["content"] = json!({"quota": "100", "filters": {"filetypes": ["00020000", "W000A0000", "R00030000"]}});
        }
        if i % 7 == 0 {
            p["where"] = json!({"ipv4range": ["10.0.0.0-10.0.255.255"]});
        }
        ps.push(p);
    }
    json!({"configuration": {"version": "1"}, "policies": ps})
}

fn access() -> DeviceAccess {
    DeviceAccess {
        user: DeviceUser {
            sid: Some("S-1-5-21-1000-2007".into()),
            group_sids: vec!["S-1-1-0".into(), "S-1-5-32-545".into()],
            account: Some("CORP\\alice".into()),
            group_accounts: vec![],
        },
        computer: Computer {
            fqdn: Some("pc1.corp.example".into()),
            ipv4: Some("10.0.3.7".parse().unwrap()),
            online: true,
            timezone: Some("Europe/Paris".into()),
            ..Computer::default()
        },
        device: DeviceInfo {
            class: Some("3".into()),
            bus: Some("USB".into()),
            disk: Some("Removable".into()),
            model: Some("USBSTOR\\Disk4_SanDisk".into()),
            encrypted: Some(false),
            ..DeviceInfo::default()
        },
        operation: DeviceOperation::Write,
        file_type: Some("000A0100".into()),
        file_size: Some(1_000_000),
        quota_used: 10_000_000,
    }
}

fn bench(c: &mut Criterion) {
    let doc = read_value(&policies(1000)).unwrap().document;
    let dc = DeviceControl::new(doc);
    let a = access();
    let now: DateTime<Utc> = "2026-03-30T09:15:00Z".parse().unwrap();
    assert!(!dc.decide(&a, None, now, false).determined_by.is_empty());
    c.bench_function("device_access/decide/1000_policies", |b| {
        b.iter(|| dc.decide(black_box(&a), None, black_box(now), false))
    });
    let source = DeviceControlSource::new(dc.clone());
    let mut event = Event::new(Action::DeviceAccess);
    event.device = Some(a.clone());
    let ctx = EvalContext { now };
    c.bench_function("device_access/rule_source/1000_policies", |b| {
        b.iter(|| source.evaluate(black_box(&event), &ctx))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
