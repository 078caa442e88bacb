//! A decision for a typical event against policies of 10, 1,000 and 10,000
//! rules (expression rules and data-flow rules in one set).
//!
//! Run: `cargo bench -p cordon-policy --bench decide`

// A benchmark is test code: it may panic on a broken fixture.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::hint::black_box;

use cordon_policy::model::Event;
use cordon_policy::{Engine, Loader};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const ACTIONS: [&str; 5] = ["download", "upload", "share", "email", "print"];

/// A policy of about `n` rules: 5 global expression rules, ~3/4 expression
/// rules scoped to user groups (spread over actions, categories, detectors
/// and metadata), ~1/4 data-flow rules for specific senders, the way a
/// large organisation's policy grows: by team, not by global conditions.
fn policy(n: usize) -> String {
    let mut s = String::from(
        "id: bench\ninternal: { domains: [corp.com], networks: [10.0.0.0/8] }\nflowDefaults:\n  PII: { permission: exception, actions: [log] }\n  PCI: { permission: deny, actions: [alert] }\nrules:\n",
    );
    // two ALLOW rules every download meets
    s += "  - id: allow-staff\n    userActions: [download]\n    effect: allow\n    mode: permissive\n    expression: \"_user.inGroup('staff') or _user.inGroup('contractors')\"\n";
    s += "  - id: allow-office\n    userActions: [download]\n    effect: allow\n    mode: permissive\n    expression: \"_request.inIpV4CdirRange('10.0.0.0/8') or _request.remoteCountryCode == 'US'\"\n";
    // a few rules that every event of their action meets
    s += "  - id: bulk-cards\n    userActions: [download, email]\n    effect: deny\n    expression: \"_file.count('credit_card', 'high') >= 50\"\n";
    s += "  - id: no-secrets-out\n    userActions: [upload, email]\n    effect: deny\n    expression: \"_file.hasCategory('CREDENTIALS')\"\n";
    s += "  - id: huge-files\n    userActions: [download]\n    effect: deny\n    mode: permissive\n    expression: \"_file.size > 100000000\"\n";
    // the rest are scoped to groups, as in an organisation's policy
    let n_expr = n * 3 / 4;
    for i in 0..n_expr {
        let action = ACTIONS[i % ACTIONS.len()];
        let ns_ok = action != "share";
        let expr = match i % 4 {
            0 if ns_ok => format!("_file.hasCategory('PCI') and _user.inGroup('team-{i}')"),
            1 if ns_ok => format!(
                "_file.count('credit_card', 'medium') >= {} and _user.inGroup('finance-{i}')",
                5 + i % 7
            ),
            2 => format!(
                "_user.inGroup('dept-{i}') and _metadata.existsWithCondition('secure.risk_level', '>', {})",
                i % 5
            ),
            _ if ns_ok => format!(
                "_file.categoryCount('PHI', 'high') > {} and _user.inGroup('ward-{i}')",
                i % 3
            ),
            _ => format!("_user.inGroup('g-{i}') and _share.public"),
        };
        let _ = write!(
            s,
            "  - id: r{i}\n    userActions: [{action}]\n    effect: deny\n    mode: {}\n    expression: \"{expr}\"\n",
            if i % 5 == 0 { "permissive" } else { "enforce" }
        );
    }
    if n_expr == 0 {
        s += "  []\n";
    }
    s += "flows:\n";
    for i in 0..(n - n_expr).max(1) {
        let cat = ["PII", "PCI", "PHI"][i % 3];
        let perm = ["allow", "exception", "deny"][i % 3];
        let _ = writeln!(
            s,
            "  - {{ id: f{i}, category: {cat}, senders: [\"email:user{i}@corp.com\"], recipients: [\"email:*@partner{}.example\", \"host:*.partner{}.example\"], permission: {perm} }}",
            i % 50,
            i % 50
        );
    }
    s += "  - { id: pii-internal, category: PII, senders: [internal], recipients: [internal], permission: allow }\n";
    s
}

fn download() -> Event {
    serde_json::from_str(
        r#"{"action":"download",
            "request":{"remoteIp":"10.1.2.3","agent":"Web browser","remoteCountryCode":"US"},
            "user":{"username":"jdoe","email":"jdoe@corp.com","userType":"Full Access","groups":["staff","team-8","dept-2"]},
            "metadata":{"secure.risk_level":2},
            "file":{"path":"/finance/q3.xlsx","size":48213,"type":"xlsx",
                    "classification":{"categories":["PII","PCI"],
                                      "detectors":{"credit_card":{"medium":3,"high":1},"email":{"high":12}},
                                      "category_counts":{"PII":{"high":12},"PCI":{"medium":3,"high":1}}}}}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn email() -> Event {
    serde_json::from_str(
        r#"{"action":"email",
            "user":{"username":"user7","email":"user7@corp.com","groups":["staff"]},
            "sender":[{"kind":"contact","type":"email","id":"user7@corp.com"}],
            "recipients":[{"kind":"contact","type":"email","id":"ap@partner7.example"}],
            "file":{"path":"/invoices/7.pdf","type":"pdf",
                    "classification":{"categories":["PII"],"detectors":{"email":{"high":2}}}}}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("decide");
    for n in [10usize, 1_000, 10_000] {
        let (set, diags) = Loader::new().load(&policy(n));
        let set = set.unwrap_or_else(|| panic!("bench policy does not check: {diags:#?}"));
        let engine = Engine::new(set);
        let (dl, em) = (download(), email());
        g.bench_with_input(BenchmarkId::new("download", n), &n, |b, _| {
            b.iter(|| engine.decide(black_box(&dl)))
        });
        g.bench_with_input(BenchmarkId::new("email_flow", n), &n, |b, _| {
            b.iter(|| engine.decide(black_box(&em)))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2))
        .sample_size(30);
    targets = bench
}
criterion_main!(benches);
