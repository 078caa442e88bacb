//! The outbox: deliveries written with their incidents (or not at all),
//! matched to the right incident, claimed by one server at a time, given
//! back when a lease ends, finished with their history, retried by hand.

use std::collections::BTreeSet;

use cordon_store::*;
use serde_json::json;

use crate::both::{Env, T0, invalid, not_found, on_both_backends};

on_both_backends!(
    deliveries_go_in_with_their_incidents,
    claims_leases_and_endings,
    a_retried_head_holds_its_target_back,
    a_batch_of_outcomes_ends_only_the_rows_its_holder_holds,
    concurrent_claimers_share_the_rows
);

/// Incident `n` of request `req` by rule `rule`: `details.n` tells
/// incidents apart that are equal in (request, rule).
fn incident(n: usize, req: &str, rule: &str) -> NewIncident {
    NewIncident {
        created_at: T0 + i64::try_from(n).unwrap(),
        request_id: req.into(),
        rule_id: rule.into(),
        rule_name: String::new(),
        policy_id: "main".into(),
        policy_version: 1,
        mode: "enforce".into(),
        enforced: true,
        decision: "deny".into(),
        action: "share".into(),
        username: "alice".into(),
        computer: String::new(),
        categories: vec!["PII".into()],
        details: RawJson::from_value(&json!({ "n": n })),
    }
}

fn out(incident: usize, target: &str, rule: &str) -> Outgoing {
    Outgoing {
        incident,
        target: target.into(),
        rule: rule.into(),
    }
}

/// The `n` of each delivery's incident, as (target, n), sorted.
async fn planned(s: &dyn Store) -> Vec<(String, u64)> {
    let all = s
        .list_deliveries(&DeliveryFilter {
            limit: Some(1000),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut v = Vec::new();
    for d in all {
        let i = s.get_incident(d.incident_id.unwrap()).await.unwrap();
        v.push((
            d.target,
            i.incident.details.to_value()["n"].as_u64().unwrap(),
        ));
    }
    v.sort();
    v
}

async fn deliveries_go_in_with_their_incidents(env: &Env) {
    let s = env.s();
    // An older incident of the same request and rule as two below: never
    // mistaken for them.
    s.insert_incidents(&[incident(99, "req-b", "r1")])
        .await
        .unwrap();
    let batch = vec![
        incident(0, "req-a", "r1"),
        incident(1, "req-a", "r2"),
        incident(2, "req-b", "r1"),
        incident(3, "req-b", "r1"),
        incident(4, "req-c", "r1"),
    ];
    let plan = [
        out(3, "sink:siem", ""),
        out(0, "sink:siem", ""),
        out(2, "plugin:quarantine", "resp-1"),
        out(3, "plugin:quarantine", "resp-1"),
        out(4, "sink:mail", ""),
    ];
    s.insert_journaled_incidents(&batch, &plan, "j", 10, T0)
        .await
        .unwrap();
    assert_eq!(
        planned(s).await,
        vec![
            ("plugin:quarantine".into(), 2),
            ("plugin:quarantine".into(), 3),
            ("sink:mail".into(), 4),
            ("sink:siem".into(), 0),
            ("sink:siem".into(), 3),
        ]
    );
    let d = s
        .list_deliveries(&DeliveryFilter {
            target: Some("plugin:quarantine".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(d.len(), 2);
    for d in &d {
        assert_eq!(
            (
                d.state,
                d.attempts,
                d.next_at,
                d.created_at,
                d.rule.as_str()
            ),
            (DeliveryState::Pending, 0, T0, T0, "resp-1")
        );
        assert_eq!(
            (&d.claimed_by, d.claimed_until, &d.last_error),
            (&None, None, &None)
        );
        assert_eq!(delivery_key(d.id), format!("dlv_{}", d.id));
    }

    // A plan naming an incident outside the batch: refused before
    // anything is written.
    let before = (s.count_incidents().await.unwrap(), planned(s).await.len());
    invalid(
        s.insert_journaled_incidents(&batch[..2], &[out(2, "sink:siem", "")], "j", 20, T0)
            .await,
    );
    // A batch the database refuses at its last statement (the journal's
    // position): neither its incidents nor their deliveries remain.
    env.raw("ALTER TABLE journal_progress RENAME TO journal_progress_away")
        .await
        .unwrap();
    s.insert_journaled_incidents(&batch, &plan, "j", 30, T0)
        .await
        .unwrap_err();
    env.raw("ALTER TABLE journal_progress_away RENAME TO journal_progress")
        .await
        .unwrap();
    assert_eq!(
        (s.count_incidents().await.unwrap(), planned(s).await.len()),
        before
    );
    assert_eq!(s.journal_position("j").await.unwrap(), Some(10));

    // Over one statement's 1,000 rows: ids found in the right statement,
    // and none asked of a statement without deliveries.
    let big: Vec<_> = (0..2500)
        .map(|n| incident(1000 + n, &format!("big-{}", n % 700), "r"))
        .collect();
    let plan = [
        out(2300, "sink:big", ""),
        out(1200, "sink:big", ""),
        out(5, "sink:big", ""),
    ];
    s.insert_journaled_incidents(&big, &plan, "j", 40, T0)
        .await
        .unwrap();
    let got: Vec<u64> = planned(s)
        .await
        .into_iter()
        .filter(|(t, _)| t == "sink:big")
        .map(|(_, n)| n)
        .collect();
    assert_eq!(got, vec![1005, 2200, 3300]);
    assert_eq!(s.count_incidents().await.unwrap(), before.0 + 2500);

    // Many planned among one statement's rows (one statement returns
    // their ids): each matched, duplicates of (request, rule) by position.
    let dense: Vec<_> = (0..40)
        .map(|n| incident(5000 + n, &format!("dense-{}", n % 10), "r"))
        .collect();
    let plan: Vec<_> = (0..40)
        .rev()
        .map(|n| out(n, &format!("sink:d{:02}", n), ""))
        .collect();
    s.insert_journaled_incidents(&dense, &plan, "j", 50, T0)
        .await
        .unwrap();
    let got: Vec<(String, u64)> = planned(s)
        .await
        .into_iter()
        .filter(|(t, _)| t.starts_with("sink:d"))
        .collect();
    let want: Vec<(String, u64)> = (0..40u64)
        .map(|n| (format!("sink:d{n:02}"), 5000 + n))
        .collect();
    assert_eq!(got, want);

    // After a gap in the incidents' ids (the newest one deleted): a sink
    // subscribed to every incident of a batch over one statement's 1,000
    // rows (written as id ranges), another to every third (as rows), a
    // plug-in to two: each target's deliveries in the order of its
    // incidents, each matched to its own.
    s.insert_incidents(&[incident(90, "gone", "r")])
        .await
        .unwrap();
    env.raw("DELETE FROM incidents WHERE request_id = 'gone'")
        .await
        .unwrap();
    let wide: Vec<_> = (0..1500)
        .map(|n| incident(10_000 + n, &format!("wide-{n}"), "r"))
        .collect();
    let mut plan: Vec<_> = (0..1500).map(|n| out(n, "sink:all", "")).collect();
    plan.extend((0..1500).step_by(3).map(|n| out(n, "sink:third", "")));
    plan.extend([out(7, "plugin:p", "resp"), out(3, "plugin:p", "resp")]);
    s.insert_journaled_incidents(&wide, &plan, "j", 60, T0)
        .await
        .unwrap();
    let all: Vec<u64> = (10_000..11_500).collect();
    assert_eq!(in_id_order(s, "sink:all").await, all);
    let third: Vec<u64> = (10_000..11_500).step_by(3).collect();
    assert_eq!(in_id_order(s, "sink:third").await, third);
    assert_eq!(in_id_order(s, "plugin:p").await, vec![10_003, 10_007]);
    let d = s
        .list_deliveries(&DeliveryFilter {
            target: Some("plugin:p".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        d.iter()
            .all(|d| d.rule == "resp" && d.state == DeliveryState::Pending)
    );
}

/// The `n` of `target`'s deliveries' incidents, in delivery id order.
async fn in_id_order(s: &dyn Store, target: &str) -> Vec<u64> {
    let mut ids = Vec::new();
    let mut before_id = None;
    loop {
        let page = s
            .list_deliveries(&DeliveryFilter {
                target: Some(target.into()),
                before_id,
                limit: Some(1000),
                ..Default::default()
            })
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        before_id = Some(last.id);
        ids.extend(page.iter().map(|d| (d.id, d.incident_id.unwrap())));
    }
    ids.sort();
    let incidents: Vec<i64> = ids.iter().map(|(_, i)| *i).collect();
    let found = s.get_incidents(&incidents).await.unwrap();
    let n_of = |id: i64| {
        let i = found.iter().find(|i| i.id == id).unwrap();
        i.incident.details.to_value()["n"].as_u64().unwrap()
    };
    incidents.into_iter().map(n_of).collect()
}

/// Ten incidents, each with a delivery to `sink:a`, the first three also
/// to `sink:b`; planned at `T0`.
async fn ten(s: &dyn Store) -> Vec<Delivery> {
    let batch: Vec<_> = (0..10)
        .map(|n| incident(n, &format!("q{n}"), "r"))
        .collect();
    let mut plan: Vec<_> = (0..10).map(|n| out(n, "sink:a", "")).collect();
    plan.extend((0..3).map(|n| out(n, "sink:b", "")));
    s.insert_journaled_incidents(&batch, &plan, "j", 1, T0)
        .await
        .unwrap();
    let mut all = s.list_deliveries(&DeliveryFilter::default()).await.unwrap();
    all.reverse();
    all
}

/// Plain deliveries (delivered, no history) end in one statement, the
/// others one by one: answers stay in order, and each row ends only if
/// the holder still holds it, whichever way it is written.
async fn a_batch_of_outcomes_ends_only_the_rows_its_holder_holds(env: &Env) {
    let s = env.s();
    let all = ten(s).await;
    let a = of_target(&all, "sink:a");
    let h1 = s
        .claim_deliveries("sink:a", "h1", T0, 60_000, 6)
        .await
        .unwrap();
    assert_eq!(ids(&h1), a[..6]);
    let h2 = s
        .claim_deliveries("sink:a", "h2", T0, 60_000, 2)
        .await
        .unwrap();
    assert_eq!(ids(&h2), a[6..8]);
    let entry = HistoryEntry {
        at: T0 + 10,
        actor: Actor::System,
        kind: "delivery".into(),
        detail: json!({"target": "sink:a"}),
    };
    let failed = Finish::Failed {
        error: "gone".into(),
    };
    let done = vec![
        (a[0], Finish::Delivered, None),
        (a[1], Finish::Delivered, Some(entry.clone())),
        (a[6], Finish::Delivered, None), // h2's
        (a[2], failed.clone(), None),
        (a[3], Finish::Delivered, None),
        (a[8], Finish::Delivered, None),     // nobody's
        (a[7], failed, Some(entry.clone())), // h2's
    ];
    assert_eq!(
        s.finish_deliveries("h1", T0 + 10, &done).await.unwrap(),
        [true, true, false, true, true, false, false]
    );
    let state = |d: Delivery| (d.state, d.delivered_at, d.claimed_by, d.updated_at);
    let delivered = (DeliveryState::Delivered, Some(T0 + 10), None, T0 + 10);
    for id in [a[0], a[1], a[3]] {
        assert_eq!(state(s.get_delivery(id).await.unwrap()), delivered, "{id}");
    }
    let d = s.get_delivery(a[2]).await.unwrap();
    assert_eq!(
        (d.state, d.last_error.as_deref()),
        (DeliveryState::Failed, Some("gone"))
    );
    for id in [a[6], a[7]] {
        let d = s.get_delivery(id).await.unwrap();
        assert_eq!(
            (d.state, d.claimed_by.as_deref()),
            (DeliveryState::Pending, Some("h2"))
        );
    }
    let d = s.get_delivery(a[8]).await.unwrap();
    assert_eq!((d.state, d.claimed_by), (DeliveryState::Pending, None));
    // Only the held row with an entry has history.
    let history = |id: i64| {
        let incident = all
            .iter()
            .find(|d| d.id == id)
            .unwrap()
            .incident_id
            .unwrap();
        async move { s.incident_history(incident).await.unwrap() }
    };
    assert_eq!(history(a[1]).await, vec![entry]);
    assert!(history(a[0]).await.is_empty());
    assert!(history(a[7]).await.is_empty());
}

/// The ids of `target`'s deliveries in `all`, in order.
fn of_target(all: &[Delivery], target: &str) -> Vec<i64> {
    all.iter()
        .filter(|d| d.target == target)
        .map(|d| d.id)
        .collect()
}

fn ids(v: &[Delivery]) -> Vec<i64> {
    v.iter().map(|d| d.id).collect()
}

/// A receiver that asked to retry gets its backlog in order: while the
/// oldest pending delivery of a target waits for its retry, the newer ones
/// behind it wait too.
async fn a_retried_head_holds_its_target_back(env: &Env) {
    let s = env.s();
    let all = ten(s).await;
    let a = of_target(&all, "sink:a");
    let head = s
        .claim_deliveries("sink:a", "h1", T0, 60_000, 2)
        .await
        .unwrap();
    assert_eq!(ids(&head), a[..2]);
    // Both heads end in one transaction; a third entry for a row the
    // holder does not hold is refused, the others still recorded.
    let retry = Finish::Retry {
        next_at: T0 + 5_000,
        error: "503".into(),
    };
    let mut done: Vec<(i64, Finish, Option<HistoryEntry>)> =
        head.iter().map(|d| (d.id, retry.clone(), None)).collect();
    done.push((a[5], Finish::Delivered, None));
    assert_eq!(
        s.finish_deliveries("h1", T0 + 10, &done).await.unwrap(),
        [true, true, false]
    );
    // The worker reads a batch's incidents at once.
    let wanted: Vec<i64> = head.iter().map(|d| d.incident_id.unwrap()).rev().collect();
    let got = s.get_incidents(&wanted).await.unwrap();
    let mut sorted = wanted.clone();
    sorted.sort_unstable();
    assert_eq!(got.iter().map(|i| i.id).collect::<Vec<_>>(), sorted);
    let due: Vec<String> = s
        .due_targets(T0 + 1_000)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.target)
        .collect();
    assert_eq!(
        due,
        ["sink:b"],
        "eight rows of sink:a are due, but not its head"
    );
    let due = s.due_targets(T0 + 5_000).await.unwrap();
    assert_eq!(due.first().map(|d| d.target.as_str()), Some("sink:a"));
    let again = s
        .claim_deliveries("sink:a", "h2", T0 + 5_000, 60_000, 100)
        .await
        .unwrap();
    assert_eq!(ids(&again), a, "all ten, oldest first");
}

async fn claims_leases_and_endings(env: &Env) {
    let s = env.s();
    let all = ten(s).await;
    let a = of_target(&all, "sink:a");
    assert_eq!(a.len(), 10);
    let due = s.due_targets(T0).await.unwrap();
    assert_eq!(
        due,
        vec![
            DueTarget {
                target: "sink:a".into(),
                oldest_created_at: T0
            },
            DueTarget {
                target: "sink:b".into(),
                oldest_created_at: T0
            },
        ]
    );
    assert!(
        s.due_targets(T0 - 1).await.unwrap().is_empty(),
        "not due yet"
    );

    // The oldest first, at most `limit`, each once.
    let h1 = s
        .claim_deliveries("sink:a", "h1", T0, 60_000, 4)
        .await
        .unwrap();
    assert_eq!(ids(&h1), a[..4]);
    for d in &h1 {
        assert_eq!(
            (d.claimed_by.as_deref(), d.claimed_until, d.attempts),
            (Some("h1"), Some(T0 + 60_000), 1)
        );
    }
    let h2 = s
        .claim_deliveries("sink:a", "h2", T0 + 1000, 60_000, 100)
        .await
        .unwrap();
    assert_eq!(ids(&h2), a[4..]);
    assert!(
        s.claim_deliveries("sink:a", "h3", T0 + 1000, 60_000, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.due_targets(T0 + 1000).await.unwrap().len(),
        1,
        "only sink:b"
    );

    // h1's lease ends: its rows are claimed again, h2's (a second
    // later) not yet.
    let h3 = s
        .claim_deliveries("sink:a", "h3", T0 + 60_000, 60_000, 100)
        .await
        .unwrap();
    assert_eq!(ids(&h3), a[..4]);
    assert!(h3.iter().all(|d| d.attempts == 2));

    // h1 comes back too late: h3 holds the row now.
    let first = a[0];
    assert!(
        !s.finish_delivery(first, "h1", T0 + 61_000, &Finish::Delivered, None)
            .await
            .unwrap()
    );
    // h3 delivers it, and the incident's history says so.
    let entry = HistoryEntry {
        at: T0 + 61_000,
        actor: Actor::System,
        kind: "delivery".into(),
        detail: json!({"target": "sink:a", "key": delivery_key(first)}),
    };
    assert!(
        s.finish_delivery(first, "h3", T0 + 61_000, &Finish::Delivered, Some(&entry))
            .await
            .unwrap()
    );
    let d = s.get_delivery(first).await.unwrap();
    assert_eq!(
        (
            d.state,
            d.delivered_at,
            d.claimed_by,
            d.claimed_until,
            d.updated_at
        ),
        (
            DeliveryState::Delivered,
            Some(T0 + 61_000),
            None,
            None,
            T0 + 61_000
        )
    );
    assert_eq!(
        s.incident_history(d.incident_id.unwrap()).await.unwrap(),
        vec![entry.clone()]
    );
    // Once only.
    assert!(
        !s.finish_delivery(first, "h3", T0 + 62_000, &Finish::Delivered, Some(&entry))
            .await
            .unwrap()
    );
    assert_eq!(
        s.incident_history(d.incident_id.unwrap())
            .await
            .unwrap()
            .len(),
        1
    );

    // A finish whose history cannot be written is not a finish: the row
    // stays h3's.
    env.raw("ALTER TABLE incident_history RENAME TO incident_history_away")
        .await
        .unwrap();
    assert!(
        s.finish_delivery(a[1], "h3", T0 + 62_000, &Finish::Delivered, Some(&entry))
            .await
            .is_err()
    );
    env.raw("ALTER TABLE incident_history_away RENAME TO incident_history")
        .await
        .unwrap();
    let d = s.get_delivery(a[1]).await.unwrap();
    assert_eq!(
        (d.state, d.claimed_by.as_deref(), d.delivered_at),
        (DeliveryState::Pending, Some("h3"), None)
    );
    assert!(
        s.incident_history(d.incident_id.unwrap())
            .await
            .unwrap()
            .is_empty()
    );

    // A retry later: pending, unclaimed, not due before its time; the
    // error kept, cut to 1,000 characters.
    let long = "x".repeat(1500);
    let retry = Finish::Retry {
        next_at: T0 + 120_000,
        error: long.clone(),
    };
    assert!(
        s.finish_delivery(a[4], "h2", T0 + 2000, &retry, None)
            .await
            .unwrap()
    );
    let d = s.get_delivery(a[4]).await.unwrap();
    assert_eq!(
        (d.state, d.next_at, d.claimed_by, d.attempts),
        (DeliveryState::Pending, T0 + 120_000, None, 1)
    );
    assert_eq!(d.last_error.as_deref(), Some(&long[..MAX_ERROR_CHARS]));
    // h2's other rows end at T0 + 61,000; a[4] is not due until later.
    let again = s
        .claim_deliveries("sink:a", "h4", T0 + 100_000, 60_000, 100)
        .await
        .unwrap();
    assert_eq!(ids(&again), a[5..]);
    let again = s
        .claim_deliveries("sink:a", "h4", T0 + 120_000, 60_000, 100)
        .await
        .unwrap();
    assert_eq!(ids(&again), [a[1], a[2], a[3], a[4]]);

    // Failed for good, then retried by hand.
    let failed = Finish::Failed {
        error: "HTTP 410".into(),
    };
    assert!(
        s.finish_delivery(a[4], "h4", T0 + 121_000, &failed, None)
            .await
            .unwrap()
    );
    assert_eq!(
        s.get_delivery(a[4]).await.unwrap().state,
        DeliveryState::Failed
    );
    let d = s.retry_delivery(a[4], T0 + 130_000).await.unwrap();
    assert_eq!(
        (d.state, d.next_at, d.attempts, d.last_error.as_deref()),
        (DeliveryState::Pending, T0 + 130_000, 0, Some("HTTP 410"))
    );
    let d = s
        .claim_deliveries("sink:a", "h5", T0 + 130_000, 1000, 1)
        .await
        .unwrap();
    assert_eq!((ids(&d), d[0].attempts), (vec![a[4]], 1));
    invalid(s.retry_delivery(first, T0).await);
    not_found(s.retry_delivery(999_999, T0).await);
    not_found(s.get_delivery(999_999).await);

    // Filters, cursor, counts.
    let by = |f: DeliveryFilter| async move { ids(&s.list_deliveries(&f).await.unwrap()) };
    let newest: Vec<i64> = all.iter().rev().map(|d| d.id).collect();
    let page1 = by(DeliveryFilter {
        limit: Some(5),
        ..Default::default()
    })
    .await;
    assert_eq!(page1, newest[..5]);
    let page2 = by(DeliveryFilter {
        limit: Some(5),
        before_id: page1.last().copied(),
        ..Default::default()
    })
    .await;
    assert_eq!(page2, newest[5..10]);
    assert_eq!(
        by(DeliveryFilter {
            state: Some(DeliveryState::Delivered),
            ..Default::default()
        })
        .await,
        vec![first]
    );
    let of_first = all[0].incident_id.unwrap();
    assert_eq!(
        by(DeliveryFilter {
            incident_id: Some(of_first),
            ..Default::default()
        })
        .await
        .len(),
        2,
        "sink:a and sink:b"
    );
    assert_eq!(
        by(DeliveryFilter {
            target: Some("sink:b".into()),
            state: Some(DeliveryState::Pending),
            ..Default::default()
        })
        .await
        .len(),
        3
    );
    assert_eq!(
        s.delivery_counts().await.unwrap(),
        vec![
            ("sink:a".into(), DeliveryState::Delivered, 1),
            ("sink:a".into(), DeliveryState::Pending, 9),
            ("sink:b".into(), DeliveryState::Pending, 3),
        ]
    );
}

/// Servers claiming the same target at once (two handles, two tasks on
/// each) never get the same row, and together get every row.
async fn concurrent_claimers_share_the_rows(env: &Env) {
    let n = 300;
    let batch: Vec<_> = (0..n).map(|i| incident(i, &format!("c{i}"), "r")).collect();
    let plan: Vec<_> = (0..n).map(|i| out(i, "sink:c", "")).collect();
    env.s()
        .insert_journaled_incidents(&batch, &plan, "j", 1, T0)
        .await
        .unwrap();
    let other = env.another().await;
    let mut tasks = Vec::new();
    for (k, store) in [
        env.store.clone(),
        other.clone(),
        env.store.clone(),
        other.clone(),
    ]
    .into_iter()
    .enumerate()
    {
        tasks.push(tokio::spawn(async move {
            let holder = format!("server-{k}");
            let mut got = Vec::new();
            loop {
                let d = store
                    .claim_deliveries("sink:c", &holder, T0, 60_000, 7)
                    .await
                    .unwrap();
                if d.is_empty() {
                    return got;
                }
                assert!(
                    d.iter()
                        .all(|d| d.claimed_by.as_deref() == Some(holder.as_str()))
                );
                got.extend(ids(&d));
            }
        }));
    }
    let mut seen = BTreeSet::new();
    let mut total = 0;
    for t in tasks {
        let got = t.await.unwrap();
        total += got.len();
        seen.extend(got);
    }
    assert_eq!((total, seen.len()), (n, n), "each row once, every row");
    let all = env
        .s()
        .list_deliveries(&DeliveryFilter {
            limit: Some(1000),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(all.iter().all(|d| d.attempts == 1));
    other.close().await;
}
