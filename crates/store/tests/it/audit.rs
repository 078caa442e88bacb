//! The audit log and settings on both backends.

use cordon_store::*;
use serde_json::json;

use crate::both::{Env, T0, admin_actor, invalid, on_both_backends};

on_both_backends!(
    audit_log_filters_and_pages,
    audit_log_is_append_only,
    audit_entries_carry_their_deliveries,
    settings
);

fn entry(i: i64, actor: Actor, action: &str, outcome: AuditOutcome) -> AuditEntry {
    AuditEntry {
        at: T0 + i * 1000,
        actor,
        ip: "192.0.2.7".into(),
        user_agent: "Mozilla/5.0".into(),
        request_id: format!("req-{i}"),
        action: action.into(),
        target_kind: "account".into(),
        target_id: format!("t{}", i % 3),
        outcome,
        reason: String::new(),
        before: None,
        after: Some(json!({"n": i})),
    }
}

async fn audit_log_filters_and_pages(env: &Env) {
    let s = env.s();
    let alice = Actor::account("00000000000000a1", "alice");
    let alice_renamed = Actor::account("00000000000000a1", "Alice Martin");
    let key = admin_actor();
    use AuditOutcome::*;
    let entries = [
        entry(0, alice.clone(), "login.success", Success),
        entry(1, Actor::System, "login.failure", Failure),
        entry(2, key.clone(), "account.create", Success),
        entry(3, alice_renamed.clone(), "account.update", Denied),
        entry(4, alice.clone(), "login.lockout", Failure),
        entry(5, key.clone(), "loginx", Success),
        entry(6, key.clone(), "LOGIN.success", Success),
        entry(7, alice_renamed.clone(), "role.delete", Failure),
    ];
    let mut ids = Vec::new();
    for e in &entries {
        ids.push(s.append_audit(e, &[]).await.unwrap());
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    let all = s.list_audit(&AuditFilter::default()).await.unwrap();
    assert_eq!(all.len(), 8);
    assert_eq!(all[0].id, ids[7], "newest first");
    let mut back: Vec<_> = all.iter().map(|r| r.entry.clone()).collect();
    back.reverse();
    assert_eq!(back, entries, "every field reads back");

    let which = |f: AuditFilter| async move {
        let mut n: Vec<i64> = s
            .list_audit(&f)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.entry.at - T0) / 1000)
            .collect();
        n.reverse();
        n
    };
    let actor = |a: &str| AuditFilter {
        actor: Some(a.into()),
        ..Default::default()
    };
    // An account by its id, under any name it had.
    assert_eq!(which(actor("00000000000000a1")).await, [0, 3, 4, 7]);
    assert_eq!(which(actor("account:00000000000000a1")).await, [0, 3, 4, 7]);
    assert_eq!(which(actor(&alice_renamed.encode())).await, [0, 3, 4, 7]);
    assert_eq!(which(actor(&key.encode())).await, [2, 5, 6]);
    assert_eq!(which(actor("key:0a1b2c3d")).await, [2, 5, 6]);
    assert_eq!(which(actor("system")).await, [1]);
    assert_eq!(which(actor("0a1b2c3d")).await, Vec::<i64>::new());

    let action = |a: &str| AuditFilter {
        action: Some(a.into()),
        ..Default::default()
    };
    assert_eq!(which(action("login.failure")).await, [1]);
    assert_eq!(which(action("login")).await, Vec::<i64>::new());
    // A prefix ends with a dot; it matches as text, case and all.
    assert_eq!(which(action("login.")).await, [0, 1, 4]);
    assert_eq!(which(action("account.")).await, [2, 3]);
    assert_eq!(which(action("LOGIN.")).await, [6]);
    assert_eq!(which(action("%.")).await, Vec::<i64>::new());

    assert_eq!(
        which(AuditFilter {
            outcome: Some(Failure),
            ..Default::default()
        })
        .await,
        [1, 4, 7]
    );
    assert_eq!(
        which(AuditFilter {
            target_kind: Some("account".into()),
            target_id: Some("t1".into()),
            ..Default::default()
        })
        .await,
        [1, 4, 7]
    );
    assert_eq!(
        which(AuditFilter {
            target_kind: Some("role".into()),
            ..Default::default()
        })
        .await,
        Vec::<i64>::new()
    );
    assert_eq!(
        which(AuditFilter {
            from: Some(T0 + 2000),
            to: Some(T0 + 5000),
            ..Default::default()
        })
        .await,
        [2, 3, 4]
    );
    assert_eq!(
        which(AuditFilter {
            actor: Some("00000000000000a1".into()),
            action: Some("login.".into()),
            outcome: Some(Failure),
            ..Default::default()
        })
        .await,
        [4]
    );

    // Paging with the cursor visits every entry once.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = s
            .list_audit(&AuditFilter {
                before: cursor,
                limit: Some(3),
                ..Default::default()
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        cursor = page.last().map(|r| r.id);
        seen.extend(page.into_iter().map(|r| r.id));
    }
    seen.reverse();
    assert_eq!(seen, ids);
    let one = s
        .list_audit(&AuditFilter {
            limit: Some(0),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(one.len(), 1, "the limit is at least 1");
    assert_eq!(
        AuditFilter {
            limit: Some(1_000_000),
            ..Default::default()
        }
        .effective_limit(),
        1000
    );

    // A hostile caller cannot bloat the log.
    let mut big = entry(9, Actor::System, "login.failure", Failure);
    big.user_agent = "U".repeat(1_000_000);
    big.target_id = "é".repeat(10_000);
    big.reason = "wrong password\0".into();
    big.before = Some(json!({"blob": "x".repeat(10 * MAX_JSON_BYTES)}));
    let id = s.append_audit(&big, &[]).await.unwrap();
    let got = s
        .list_audit(&AuditFilter {
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap()
        .remove(0);
    assert_eq!(got.id, id);
    assert!(got.entry.user_agent.len() <= MAX_TEXT_BYTES);
    assert!(got.entry.user_agent.starts_with("UUU"));
    assert!(got.entry.target_id.len() <= MAX_TEXT_BYTES);
    assert!(got.entry.target_id.ends_with('…'));
    assert_eq!(got.entry.reason, "wrong password\u{FFFD}");
    let before = got.entry.before.unwrap();
    assert_eq!(before["truncated"], true);
    assert!(before["bytes"].as_u64().unwrap() > 10 * MAX_JSON_BYTES as u64);
}

async fn audit_log_is_append_only(env: &Env) {
    let s = env.s();
    let id = s
        .append_audit(
            &entry(0, Actor::System, "login.failure", AuditOutcome::Failure),
            &[],
        )
        .await
        .unwrap();
    // Whoever has the database's login: the triggers refuse.
    let err = env
        .raw(&format!(
            "UPDATE audit_log SET outcome = 'success' WHERE id = {id}"
        ))
        .await
        .unwrap_err();
    assert!(err.contains("append-only"), "{err}");
    let err = env.raw("DELETE FROM audit_log").await.unwrap_err();
    assert!(err.contains("append-only"), "{err}");
    if env.is_postgres() {
        // Refused by the deliveries' reference to it, and with CASCADE
        // (which would empty the deliveries too) by the trigger.
        env.raw("TRUNCATE audit_log").await.unwrap_err();
        let err = env.raw("TRUNCATE audit_log CASCADE").await.unwrap_err();
        assert!(err.contains("append-only"), "{err}");
    }
    let all = s.list_audit(&AuditFilter::default()).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].entry.outcome, AuditOutcome::Failure);
    // Appending still works.
    s.append_audit(
        &entry(1, Actor::System, "login.success", AuditOutcome::Success),
        &[],
    )
    .await
    .unwrap();
    assert_eq!(
        s.list_audit(&AuditFilter::default()).await.unwrap().len(),
        2
    );
}

async fn audit_entries_carry_their_deliveries(env: &Env) {
    let s = env.s();
    let targets = ["sink:siem".to_owned(), "sink:archive".to_owned()];
    let id = s
        .append_audit(
            &entry(0, admin_actor(), "role.create", AuditOutcome::Success),
            &targets,
        )
        .await
        .unwrap();
    let quiet = s
        .append_audit(
            &entry(1, admin_actor(), "role.delete", AuditOutcome::Success),
            &[],
        )
        .await
        .unwrap();
    let listed = s
        .list_deliveries(&DeliveryFilter {
            audit_id: Some(id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    assert!(
        listed
            .iter()
            .all(|d| d.audit_id == Some(id) && d.incident_id.is_none())
    );
    let none = s
        .list_deliveries(&DeliveryFilter {
            audit_id: Some(quiet),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty());
    // Claimed and finished like an incident's, without a history entry.
    let claimed = s
        .claim_deliveries("sink:siem", "h1", T0, 60_000, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].audit_id, Some(id));
    let history = HistoryEntry {
        at: T0,
        actor: Actor::System,
        kind: "alert".into(),
        detail: json!({}),
    };
    assert!(
        s.finish_delivery(claimed[0].id, "h1", T0, &Finish::Delivered, Some(&history))
            .await
            .unwrap()
    );
    let got = s.get_audit_records(&[quiet, id, 999_999]).await.unwrap();
    assert_eq!(
        got.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![id, quiet]
    );
    assert_eq!(got[0].entry.action, "role.create");
    // A delivery is of one subject: the database refuses one of none.
    let err = env
        .raw("INSERT INTO deliveries (target, rule, state, attempts, next_at, created_at, updated_at) VALUES ('sink:x', '', 'pending', 0, 0, 0, 0)")
        .await
        .unwrap_err();
    assert!(err.to_lowercase().contains("check"), "{err}");
}

async fn settings(env: &Env) {
    let s = env.s();
    assert_eq!(s.get_setting("session.idle_ms").await.unwrap(), None);
    assert!(s.list_settings().await.unwrap().is_empty());
    let alice = Actor::account("00000000000000a1", "alice");
    s.put_setting("session.idle_ms", &json!(1_800_000), &admin_actor(), T0)
        .await
        .unwrap();
    s.put_setting(
        "2fa",
        &json!({"mode": "totp", "remember_days": 30}),
        &admin_actor(),
        T0,
    )
    .await
    .unwrap();
    s.put_setting("session.idle_ms", &json!(600_000), &alice, T0 + 1)
        .await
        .unwrap();
    assert_eq!(
        s.get_setting("session.idle_ms").await.unwrap(),
        Some(json!(600_000))
    );
    let all = s.list_settings().await.unwrap();
    assert_eq!(
        all,
        [
            Setting {
                key: "2fa".into(),
                value: json!({"mode": "totp", "remember_days": 30}),
                updated_at: T0,
                updated_by: admin_actor(),
            },
            Setting {
                key: "session.idle_ms".into(),
                value: json!(600_000),
                updated_at: T0 + 1,
                updated_by: alice,
            },
        ]
    );
    invalid(s.put_setting("", &json!(1), &admin_actor(), T0).await);
    invalid(
        s.put_setting(&"k".repeat(129), &json!(1), &admin_actor(), T0)
            .await,
    );
}
