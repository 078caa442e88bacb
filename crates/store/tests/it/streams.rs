//! Streams: a sink's position in the incidents' commit order, opened at
//! the end, claimed by one server at a time, moved only by the taking
//! that claimed it, never past an incident that is not yet visible.

use cordon_store::*;
use serde_json::json;
use sqlx::Connection as _;

use crate::both::{Env, T0, on_both_backends};

on_both_backends!(
    a_stream_opens_at_the_end_and_reads_in_commit_order,
    one_taking_at_a_time_and_only_it_moves_the_stream,
    given_up_incidents_become_failed_rows_with_their_history,
    a_stall_counts_an_attempt_and_waits
);

fn incident(n: i64) -> NewIncident {
    NewIncident {
        created_at: T0 + n,
        request_id: format!("r{n}"),
        rule_id: "rule".into(),
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

async fn record(s: &dyn Store, from: i64, to: i64) {
    let batch: Vec<_> = (from..to).map(incident).collect();
    s.insert_incidents(&batch).await.unwrap();
}

fn n_of(i: &Incident) -> i64 {
    i.incident.details.to_value()["n"].as_i64().unwrap()
}

fn counts(all: &[(String, DeliveryState, i64)], target: &str) -> (i64, i64, i64) {
    let get = |st| {
        all.iter()
            .find(|(t, s, _)| t == target && *s == st)
            .map_or(0, |c| c.2)
    };
    (
        get(DeliveryState::Pending),
        get(DeliveryState::Delivered),
        get(DeliveryState::Failed),
    )
}

async fn a_stream_opens_at_the_end_and_reads_in_commit_order(env: &Env) {
    let s = env.s();
    record(s, 0, 3).await;
    let opened = s.open_stream("siem", T0).await.unwrap();
    assert_eq!(opened.delivered, 0);
    // Opening again changes nothing.
    assert_eq!(s.open_stream("siem", T0 + 5).await.unwrap(), opened);
    assert!(s.incidents_after(opened.pos, 10).await.unwrap().is_empty());
    record(s, 3, 8).await;
    let got = s.incidents_after(opened.pos, 3).await.unwrap();
    assert_eq!(got.iter().map(n_of).collect::<Vec<_>>(), [3, 4, 5]);
    assert!(got.windows(2).all(|w| w[0].id < w[1].id), "{got:?}");

    let claimed = s
        .claim_stream("siem", "a", T0, 1_000)
        .await
        .unwrap()
        .unwrap();
    let to = got[2].id;
    let end = StreamEnd::Advance {
        to,
        delivered: 3,
        failed: vec![],
    };
    assert!(s.end_stream(&claimed, T0 + 1, &end).await.unwrap());
    let now = &s.streams().await.unwrap()[0];
    assert_eq!(
        (now.pos, now.delivered, now.holder.as_deref()),
        (to, 3, None)
    );
    let rest = s.incidents_after(now.pos, 10).await.unwrap();
    assert_eq!(rest.iter().map(n_of).collect::<Vec<_>>(), [6, 7]);
    assert_eq!(s.count_after(now.pos).await.unwrap(), 2);
    assert_eq!(
        counts(&s.delivery_counts().await.unwrap(), "sink:siem"),
        (2, 3, 0)
    );

    assert!(s.drop_stream("siem").await.unwrap());
    assert!(!s.drop_stream("siem").await.unwrap());
    assert!(s.streams().await.unwrap().is_empty());
    assert_eq!(
        counts(&s.delivery_counts().await.unwrap(), "sink:siem"),
        (0, 0, 0)
    );
}

async fn one_taking_at_a_time_and_only_it_moves_the_stream(env: &Env) {
    let s = env.s();
    let other = env.another().await;
    s.open_stream("siem", T0).await.unwrap();
    record(s, 0, 4).await;
    let a = s
        .claim_stream("siem", "a", T0, 1_000)
        .await
        .unwrap()
        .unwrap();
    assert!(
        other
            .claim_stream("siem", "b", T0 + 999, 1_000)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.claim_stream("nothing", "a", T0, 1_000)
            .await
            .unwrap()
            .is_none()
    );
    // The lease ends: another server takes it, and the first one's
    // answer moves nothing.
    let b = other
        .claim_stream("siem", "b", T0 + 1_000, 1_000)
        .await
        .unwrap()
        .unwrap();
    assert!(b.version > a.version);
    let batch = s.incidents_after(a.pos, 10).await.unwrap();
    let last = batch.last().unwrap().id;
    let end = StreamEnd::Advance {
        to: last,
        delivered: 4,
        failed: vec![],
    };
    assert!(!s.end_stream(&a, T0 + 1_001, &end).await.unwrap());
    assert_eq!(s.streams().await.unwrap()[0].pos, a.pos);
    assert!(other.end_stream(&b, T0 + 1_002, &end).await.unwrap());
    let now = &s.streams().await.unwrap()[0];
    assert_eq!((now.pos, now.delivered), (last, 4));

    // Racing claimers: exactly one wins.
    let mut tasks = Vec::new();
    for k in 0..6 {
        let store = if k % 2 == 0 {
            env.store.clone()
        } else {
            other.clone()
        };
        tasks.push(tokio::spawn(async move {
            store
                .claim_stream("siem", &format!("h{k}"), T0 + 5_000, 1_000)
                .await
                .unwrap()
                .is_some()
        }));
    }
    let mut won = 0;
    for t in tasks {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1);
}

async fn given_up_incidents_become_failed_rows_with_their_history(env: &Env) {
    let s = env.s();
    s.open_stream("hook", T0).await.unwrap();
    record(s, 0, 3).await;
    let c = s
        .claim_stream("hook", "a", T0, 1_000)
        .await
        .unwrap()
        .unwrap();
    let batch = s.incidents_after(c.pos, 10).await.unwrap();
    let refused = batch[1].id;
    let history = HistoryEntry {
        at: T0 + 1,
        actor: Actor::System,
        kind: "alert".into(),
        detail: json!({"sink": "hook", "outcome": "failed"}),
    };
    let end = StreamEnd::Advance {
        to: batch[2].id,
        delivered: 2,
        failed: vec![StreamFailure {
            incident_id: refused,
            attempts: 1,
            error: "HTTP 400: no".into(),
            history: Some(history.clone()),
        }],
    };
    assert!(s.end_stream(&c, T0 + 1, &end).await.unwrap());
    let rows = s
        .list_deliveries(&DeliveryFilter {
            target: Some("sink:hook".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (row.incident_id, row.state, row.last_error.as_deref()),
        (Some(refused), DeliveryState::Failed, Some("HTTP 400: no"))
    );
    assert_eq!(s.incident_history(refused).await.unwrap(), vec![history]);
    assert_eq!(
        counts(&s.delivery_counts().await.unwrap(), "sink:hook"),
        (0, 2, 1)
    );
    // Retried by hand like any delivery: a pending row of its own.
    let again = s.retry_delivery(row.id, T0 + 2).await.unwrap();
    assert_eq!(again.state, DeliveryState::Pending);
    assert_eq!(
        s.claim_deliveries("sink:hook", "a", T0 + 2, 1_000, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn a_stall_counts_an_attempt_and_waits(env: &Env) {
    let s = env.s();
    s.open_stream("siem", T0).await.unwrap();
    record(s, 0, 2).await;
    let c = s
        .claim_stream("siem", "a", T0, 1_000)
        .await
        .unwrap()
        .unwrap();
    let end = StreamEnd::Stall {
        next_at: T0 + 60_000,
        error: Some("connection refused".into()),
    };
    assert!(s.end_stream(&c, T0 + 1, &end).await.unwrap());
    let now = &s.streams().await.unwrap()[0];
    assert_eq!(
        (
            now.attempts,
            now.last_error.as_deref(),
            now.holder.as_deref()
        ),
        (1, Some("connection refused"), None)
    );
    assert!(
        s.claim_stream("siem", "a", T0 + 59_999, 1_000)
            .await
            .unwrap()
            .is_none()
    );
    let c = s
        .claim_stream("siem", "a", T0 + 60_000, 1_000)
        .await
        .unwrap()
        .unwrap();
    // Let go without an error (a digest not yet due): no attempt counted.
    let end = StreamEnd::Stall {
        next_at: T0 + 70_000,
        error: None,
    };
    assert!(s.end_stream(&c, T0 + 60_001, &end).await.unwrap());
    let now = &s.streams().await.unwrap()[0];
    assert_eq!((now.attempts, now.next_at), (1, T0 + 70_000));
    assert_eq!(now.last_error.as_deref(), Some("connection refused"));
}

/// PostgreSQL hands out ids before commit: a server inserting incidents
/// waits for another's open transaction that does, so ids are in commit
/// order and a position never passes an incident still being written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_writers_of_incidents_commit_in_id_order() {
    let env = Env::postgres().await;
    record(env.s(), 0, 1).await;
    let start = env.s().open_stream("siem", T0).await.unwrap().pos;
    // Another server, mid-transaction: it took the lock and inserted.
    let mut held = sqlx::PgConnection::connect(&env.pg_url().unwrap())
        .await
        .unwrap();
    let mut tx = held.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(INCIDENT_ORDER_LOCK)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO incidents (created_at, request_id, rule_id, rule_name, policy_id, \
         policy_version, mode, enforced, decision, action, username, computer, categories, \
         status, details) SELECT created_at, 'held', rule_id, rule_name, policy_id, \
         policy_version, mode, enforced, decision, action, username, computer, categories, \
         status, '{\"n\": 100}' FROM incidents LIMIT 1",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    let store = env.store.clone();
    let writer = tokio::spawn(async move { record(store.as_ref(), 1, 3).await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!writer.is_finished(), "a second writer did not wait");
    assert!(env.s().incidents_after(start, 10).await.unwrap().is_empty());
    tx.commit().await.unwrap();
    writer.await.unwrap();
    let got = env.s().incidents_after(start, 10).await.unwrap();
    assert_eq!(got.iter().map(n_of).collect::<Vec<_>>(), [100, 1, 2]);
    assert!(got.windows(2).all(|w| w[0].id < w[1].id), "{got:?}");
    held.close().await.unwrap();
    env.done().await;
}
