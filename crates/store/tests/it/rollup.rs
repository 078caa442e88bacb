//! The dashboard's counts over any window are the incidents' own: the
//! hourly rollup (whole hours) plus the incidents at the window's edges
//! give what counting every incident gives, after inserts by both paths
//! and status changes to and from false positive, on both backends.

use std::collections::BTreeMap;

use cordon_store::testing::PgSchema;
use cordon_store::*;
use serde_json::json;

const HOUR: Millis = 3_600_000;
/// A whole hour, so that windows can start on and off the hour.
const T0: Millis = 1_790_002_800_000;

/// A small deterministic generator: the same incidents on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn incidents() -> Vec<NewIncident> {
    let mut r = Lcg(7);
    (0..600)
        .map(|i| {
            let enforced = r.next(3) == 0;
            NewIncident {
                // Ten hours, unevenly.
                created_at: T0 + i64::try_from(r.next(10 * 3600)).unwrap() * 1000,
                request_id: format!("req-{i}"),
                rule_id: format!("rule-{}", r.next(5)),
                rule_name: String::new(),
                policy_id: "p".into(),
                policy_version: 1,
                mode: if enforced { "enforce" } else { "permissive" }.into(),
                enforced,
                decision: "deny".into(),
                action: "download".into(),
                username: match r.next(8) {
                    0 => String::new(),
                    u => format!("user{u}"),
                },
                computer: "pc1".into(),
                categories: vec!["PII".into()],
                details: RawJson::from_value(&json!({"i": i})),
            }
        })
        .collect()
}

/// The counts of `[from, to)` from the model, as the store answers them.
struct Expected {
    rules: Vec<RuleCount>,
    users: Vec<NameCount>,
    statuses: Vec<NameCount>,
    buckets: Vec<BucketCount>,
}

fn expected(model: &[(NewIncident, Status)], from: Millis, to: Millis, bucket: i64) -> Expected {
    let inside = || {
        model
            .iter()
            .filter(move |(i, _)| i.created_at >= from && i.created_at < to)
    };
    let mut rules: BTreeMap<String, RuleCount> = BTreeMap::new();
    let mut users: BTreeMap<String, i64> = BTreeMap::new();
    let mut statuses: BTreeMap<String, i64> = BTreeMap::new();
    let mut buckets: BTreeMap<Millis, i64> = BTreeMap::new();
    for (i, status) in inside() {
        let r = rules.entry(i.rule_id.clone()).or_insert(RuleCount {
            rule_id: i.rule_id.clone(),
            total: 0,
            enforced: 0,
            permissive: 0,
            false_positives: 0,
        });
        r.total += 1;
        r.enforced += i64::from(i.enforced);
        r.permissive += i64::from(!i.enforced);
        r.false_positives += i64::from(*status == Status::FalsePositive);
        if !i.username.is_empty() {
            *users.entry(i.username.clone()).or_default() += 1;
        }
        *statuses.entry(status.as_str().to_owned()).or_default() += 1;
        *buckets
            .entry(i.created_at - i.created_at.rem_euclid(bucket))
            .or_default() += 1;
    }
    let mut rules: Vec<RuleCount> = rules.into_values().collect();
    rules.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    let mut users: Vec<NameCount> = users
        .into_iter()
        .map(|(name, count)| NameCount { name, count })
        .collect();
    users.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    users.truncate(5);
    Expected {
        rules,
        users,
        statuses: statuses
            .into_iter()
            .map(|(name, count)| NameCount { name, count })
            .collect(),
        buckets: buckets
            .into_iter()
            .map(|(bucket, count)| BucketCount { bucket, count })
            .collect(),
    }
}

async fn check(s: &dyn Store, model: &[(NewIncident, Status)], when: &str) {
    // On the hour, off it, less than an hour, the whole range and beyond.
    let windows = [
        (T0, T0 + 10 * HOUR),
        (T0 + 1_234_567, T0 + 7 * HOUR + 999),
        (T0 + 2 * HOUR + 5, T0 + 2 * HOUR + 1_800_000),
        (T0 + HOUR - 1, T0 + 3 * HOUR + 1),
        (T0 - 5 * HOUR, T0 + 20 * HOUR),
        // Whole days (users are also rolled up by day), with hours and
        // edges around them.
        (T0 - 72 * HOUR, T0 + 72 * HOUR),
        (T0 - 50 * HOUR + 1234, T0 + 9 * HOUR + 1),
    ];
    let everywhere = ScopeFilter {
        groups: vec![],
        offices: vec!["o".into()],
    };
    for (from, to) in windows {
        for bucket in [HOUR, 6 * HOUR, 900_000] {
            let want = expected(model, from, to, bucket);
            let got = s
                .violations_over_time(from, to, bucket, None)
                .await
                .unwrap();
            assert_eq!(
                got, want.buckets,
                "{when}: buckets of {bucket} in [{from}, {to})"
            );
        }
        let want = expected(model, from, to, HOUR);
        // Unscoped (rollup and edges) and scoped (the incidents) agree with
        // the model.
        for scope in [None, Some(&everywhere)] {
            let what = format!("{when}: [{from}, {to}), scoped: {}", scope.is_some());
            assert_eq!(
                s.rule_counts(from, to, scope).await.unwrap(),
                want.rules,
                "{what}"
            );
            assert_eq!(
                s.top_users(from, to, 5, scope).await.unwrap(),
                want.users,
                "{what}"
            );
            assert_eq!(
                s.status_counts(from, to, scope).await.unwrap(),
                want.statuses,
                "{what}"
            );
        }
    }
}

async fn story(s: &dyn Store) {
    s.upsert_office("o", "", &Actor::System, T0).await.unwrap();
    s.upsert_computer(
        &ComputerInput {
            name: "pc1".into(),
            group: None,
            office: Some("o".into()),
            key_id: None,
        },
        &Actor::System,
        T0,
    )
    .await
    .unwrap();
    let all = incidents();
    // Both insert paths.
    s.insert_incidents(&all[..250]).await.unwrap();
    s.insert_journaled_incidents(&all[250..], &[], "j", 1, T0)
        .await
        .unwrap();
    let mut model: Vec<(NewIncident, Status)> =
        all.iter().cloned().map(|i| (i, Status::New)).collect();
    check(s, &model, "after inserting").await;

    // Status changes, to and from false positive, as the list shows them.
    let stored = s
        .list_incidents(&IncidentFilter {
            limit: Some(1000),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut r = Lcg(11);
    for round in 0..3 {
        for inc in &stored {
            if r.next(4) != 0 {
                continue;
            }
            let to = Status::ALL[usize::try_from(r.next(4)).unwrap()];
            let at = model
                .iter()
                .position(|(i, _)| i.request_id == inc.incident.request_id)
                .unwrap();
            if model[at].1 == to {
                continue;
            }
            s.set_incident_status(inc.id, to, &Actor::System, "", T0)
                .await
                .unwrap();
            model[at].1 = to;
        }
        check(s, &model, &format!("after status round {round}")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollup_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(
        &dir.path().join("cordon.db").display().to_string(),
        &OpenOptions::default(),
    )
    .await
    .unwrap();
    story(s.as_ref()).await;
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollup_postgres() {
    let schema = PgSchema::create().await.unwrap();
    let s = schema.store().await.unwrap();
    story(s.as_ref()).await;
    s.close().await;
    schema.drop().await.unwrap();
}
