//! One storage story, told to every backend: keys, policies with versions,
//! activation and rollback, incidents with filters, paging and history,
//! justifications, agent groups, dashboard figures.

use cordon_store::testing::PgSchema;
use cordon_store::*;
use serde_json::json;

const T0: Millis = 1_790_000_000_000;

fn incident(
    i: i64,
    rule: &str,
    user: &str,
    action: &str,
    cats: &[&str],
    enforced: bool,
) -> NewIncident {
    NewIncident {
        created_at: T0 + i * 1000,
        request_id: format!("req-{i}"),
        rule_id: rule.into(),
        rule_name: format!("{rule} name"),
        policy_id: "main".into(),
        policy_version: 1,
        mode: if enforced { "enforce" } else { "permissive" }.into(),
        enforced,
        decision: if enforced { "deny" } else { "allow" }.into(),
        action: action.into(),
        username: user.into(),
        computer: String::new(),
        categories: cats.iter().map(|c| c.to_string()).collect(),
        details: RawJson::from_value(
            &json!({"findings": [{"detector": "credit_card", "masked": "4111 **** **** 1111"}]}),
        ),
    }
}

fn pv(id: &str, body: &str) -> NewPolicyVersion {
    NewPolicyVersion {
        policy_id: id.into(),
        name: format!("{id} policy"),
        format: "yaml".into(),
        body: body.into(),
        comment: String::new(),
        actor: admin(),
    }
}

fn admin() -> Actor {
    Actor::key("0a1b2c3d", "ops (laptop)")
}

fn bob() -> Actor {
    Actor::key("b0b0b0b0", "bob")
}

async fn story(s: &dyn Store) {
    s.ping().await.unwrap();
    s.check().await.unwrap();

    // --- keys: stored hashed, revocable ---
    assert_eq!(s.count_api_keys().await.unwrap(), 0);
    // Four servers starting at once on the empty database: one first key.
    let first = |n: &'static str| s.create_first_api_key(n, Role::Admin, T0);
    let (a, b, c, d) = tokio::join!(first("a"), first("b"), first("c"), first("d"));
    let mut firsts: Vec<_> = [a, b, c, d].into_iter().flat_map(Result::unwrap).collect();
    assert_eq!(firsts.len(), 1, "exactly one first key");
    let k = firsts.remove(0);
    assert!(
        s.create_first_api_key("late", Role::Admin, T0)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(s.count_api_keys().await.unwrap(), 1);
    let got = s.authenticate(k.secret.expose()).await.unwrap().unwrap();
    assert_eq!(got, k.key);
    assert!(
        s.authenticate(&format!("{}0", k.secret.expose()))
            .await
            .unwrap()
            .is_none()
    );
    let forged = format!("cordon_{}_{}", k.key.id, "0".repeat(64));
    assert!(s.authenticate(&forged).await.unwrap().is_none());
    assert_eq!(
        k.key.created_by,
        Actor::System,
        "the first key is the system's"
    );
    s.revoke_api_key(&k.key.id, &admin(), T0 + 1).await.unwrap();
    assert!(s.authenticate(k.secret.expose()).await.unwrap().is_none());
    assert!(matches!(
        s.revoke_api_key(&k.key.id, &bob(), T0 + 2).await,
        Err(StoreError::NotFound(_))
    ));
    let keys = s.list_api_keys().await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].revoked_at, Some(T0 + 1));
    assert_eq!(
        keys[0].revoked_by,
        Some(admin()),
        "the first revocation counts"
    );
    let made = s
        .create_api_key("ci", Role::Client, None, &bob(), T0 + 3)
        .await
        .unwrap();
    assert_eq!(made.key.created_by, bob());
    let got = s.authenticate(made.secret.expose()).await.unwrap().unwrap();
    assert_eq!(got, made.key, "the creator reads back");

    // --- policies: versions, activation, rollback, generation ---
    let g0 = s.policy_generation().await.unwrap();
    let v1 = s
        .create_policy(&pv("main", "rules: [1]"), T0)
        .await
        .unwrap();
    assert_eq!(v1.version, 1);
    assert!(matches!(
        s.create_policy(&pv("main", "x"), T0).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.add_policy_version(&pv("ghost", "x"), T0).await,
        Err(StoreError::NotFound(_))
    ));
    let v2 = s
        .add_policy_version(&pv("main", "rules: [2]"), T0 + 5)
        .await
        .unwrap();
    let v3 = s
        .add_policy_version(&pv("main", "rules: [3]"), T0 + 6)
        .await
        .unwrap();
    assert_eq!((v2.version, v3.version), (2, 3));
    assert_eq!(
        s.get_policy_version("main", 1).await.unwrap().body,
        "rules: [1]"
    );
    assert_eq!(s.list_policy_versions("main").await.unwrap().len(), 3);
    assert!(s.active_policy_versions().await.unwrap().is_empty());
    assert!(matches!(
        s.rollback_policy("main", &admin(), T0).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.activate_policy("main", Some(9), &admin(), T0).await,
        Err(StoreError::NotFound(_))
    ));
    s.activate_policy("main", Some(1), &admin(), T0 + 10)
        .await
        .unwrap();
    let p = s
        .activate_policy("main", Some(3), &admin(), T0 + 11)
        .await
        .unwrap();
    assert_eq!(p.active_version, Some(3));
    assert_eq!(p.latest_version, 3);
    assert_eq!(s.active_policy_versions().await.unwrap()[0].version, 3);
    assert_eq!(s.policy_generation().await.unwrap(), g0 + 2);
    let p = s.rollback_policy("main", &admin(), T0 + 12).await.unwrap();
    assert_eq!(p.active_version, Some(1));
    assert_eq!(s.policy_generation().await.unwrap(), g0 + 3);
    let acts = s.list_activations("main").await.unwrap();
    assert_eq!(acts.len(), 3);
    assert!(acts.iter().all(|a| a.actor == admin()));
    assert_eq!(v1.created_by, admin());
    assert_eq!(
        s.get_policy_version("main", 2).await.unwrap().created_by,
        admin()
    );
    s.create_policy(&pv("other", "b"), T0).await.unwrap();
    let ids: Vec<_> = s
        .list_policies()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, ["main", "other"]);

    // --- incidents: batch insert, filters, cursor paging, history ---
    let mut batch = Vec::new();
    for i in 0..25 {
        let user = if i % 5 == 0 { "mallory" } else { "alice" };
        let cats: &[&str] = if i % 2 == 0 {
            &["PII", "PCI"]
        } else {
            &["PHI"]
        };
        batch.push(incident(
            i,
            if i < 10 { "r-deny" } else { "r-watch" },
            user,
            "download",
            cats,
            i < 10,
        ));
    }
    s.insert_incidents(&batch[..15]).await.unwrap();
    s.insert_incidents(&[]).await.unwrap();
    // Journaled batches move their journal's position in the same
    // transaction; each journal has its own.
    assert_eq!(s.journal_position("j1").await.unwrap(), None);
    s.insert_journaled_incidents(&batch[15..20], &[], "j1", 4096, T0)
        .await
        .unwrap();
    s.insert_journaled_incidents(&[], &[], "j2", 7, T0)
        .await
        .unwrap();
    s.insert_journaled_incidents(&batch[20..], &[], "j1", 9000, T0)
        .await
        .unwrap();
    assert_eq!(s.journal_position("j1").await.unwrap(), Some(9000));
    assert_eq!(s.journal_position("j2").await.unwrap(), Some(7));
    assert_eq!(s.count_incidents().await.unwrap(), 25);

    let all = s.list_incidents(&IncidentFilter::default()).await.unwrap();
    assert_eq!(all.len(), 25);
    assert!(all.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    assert_eq!(all[0].incident, batch[24]);
    assert_eq!(all[0].status, Status::New);

    let f = |f: IncidentFilter| async move { s.list_incidents(&f).await.unwrap().len() };
    assert_eq!(
        f(IncidentFilter {
            rule: Some("r-deny".into()),
            ..Default::default()
        })
        .await,
        10
    );
    assert_eq!(
        f(IncidentFilter {
            user: Some("mallory".into()),
            ..Default::default()
        })
        .await,
        5
    );
    assert_eq!(
        f(IncidentFilter {
            category: Some("PCI".into()),
            ..Default::default()
        })
        .await,
        13
    );
    assert_eq!(
        f(IncidentFilter {
            category: Some("PC".into()),
            ..Default::default()
        })
        .await,
        0
    );
    assert_eq!(
        f(IncidentFilter {
            decision: Some("deny".into()),
            ..Default::default()
        })
        .await,
        10
    );
    assert_eq!(
        f(IncidentFilter {
            action: Some("share".into()),
            ..Default::default()
        })
        .await,
        0
    );
    assert_eq!(
        f(IncidentFilter {
            from: Some(T0 + 5000),
            to: Some(T0 + 8000),
            ..Default::default()
        })
        .await,
        3
    );
    assert_eq!(
        f(IncidentFilter {
            request_id: Some("req-7".into()),
            ..Default::default()
        })
        .await,
        1
    );

    // Paging with a cursor visits every incident exactly once.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = s
            .list_incidents(&IncidentFilter {
                before: cursor,
                limit: Some(10),
                ..Default::default()
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        cursor = page.last().map(|i| i.id);
        seen.extend(page.into_iter().map(|i| i.id));
    }
    assert_eq!(seen.len(), 25);
    let mut dedup = seen.clone();
    dedup.dedup();
    assert_eq!(dedup, seen);

    let id = all[3].id;
    let inc = s
        .set_incident_status(id, Status::InProgress, &bob(), "looking", T0 + 100)
        .await
        .unwrap();
    assert_eq!(inc.status, Status::InProgress);
    s.set_incident_status(id, Status::FalsePositive, &bob(), "test data", T0 + 200)
        .await
        .unwrap();
    assert_eq!(
        f(IncidentFilter {
            status: Some(Status::FalsePositive),
            ..Default::default()
        })
        .await,
        1
    );
    let h = s.incident_history(id).await.unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].kind, "status");
    assert_eq!(h[0].detail["from"], "new");
    assert_eq!(h[1].detail["to"], "false_positive");
    assert_eq!(h[1].actor, bob());
    assert!(matches!(
        s.set_incident_status(999_999, Status::Resolved, &bob(), "", T0)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(s.find_incidents_by_request("req-2").await.unwrap().len(), 1);

    let rc = s.rule_counts(T0, T0 + 1_000_000, None).await.unwrap();
    assert_eq!(rc.len(), 2);
    assert_eq!(rc[0].rule_id, "r-watch");
    assert_eq!((rc[0].total, rc[0].enforced, rc[0].permissive), (15, 0, 15));
    assert_eq!((rc[1].total, rc[1].enforced, rc[1].permissive), (10, 10, 0));

    // --- justifications: stored, open window, incident history ---
    let j = NewJustification {
        created_at: T0 + 1000,
        expires_at: T0 + 1000 + 300_000,
        incident_id: Some(id),
        request_id: "req-x".into(),
        username: "alice".into(),
        sender: "alice@corp.example".into(),
        recipient: "bob@partner.example".into(),
        category: "PII".into(),
        justification: "contract annex for the partner".into(),
        submitted_by: Actor::key("a11ce000", "alice's agent"),
    };
    let stored = s.insert_justification(&j).await.unwrap();
    assert_eq!(stored.justification, j);
    assert_eq!(s.open_justifications(T0 + 2000).await.unwrap().len(), 1);
    assert!(
        s.open_justifications(T0 + 400_000)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.list_justifications(10).await.unwrap().len(), 1);
    let h = s.incident_history(id).await.unwrap();
    assert_eq!(h.last().unwrap().kind, "justification");
    assert_eq!(h.last().unwrap().actor, j.submitted_by);
    assert_eq!(s.list_justifications(1).await.unwrap()[0].justification, j);
    let bad = NewJustification {
        incident_id: Some(424_242),
        ..j.clone()
    };
    assert!(matches!(
        s.insert_justification(&bad).await,
        Err(StoreError::NotFound(_))
    ));

    // --- agent groups ---
    let g = AgentGroup {
        name: "laptops".into(),
        description: "sales laptops".into(),
        policy_id: "main".into(),
        policy_version: 2,
        updated_at: T0,
        updated_by: admin(),
        created_by: admin(),
    };
    assert_eq!(s.upsert_agent_group(&g).await.unwrap(), g);
    let g2 = AgentGroup {
        policy_version: 3,
        updated_at: T0 + 1,
        updated_by: bob(),
        ..g.clone()
    };
    s.upsert_agent_group(&g2).await.unwrap();
    let stored = s.get_agent_group("laptops").await.unwrap();
    assert_eq!((stored.policy_version, stored.updated_by), (3, bob()));
    let bad = AgentGroup {
        policy_version: 7,
        ..g.clone()
    };
    assert!(matches!(
        s.upsert_agent_group(&bad).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(s.list_agent_groups().await.unwrap().len(), 1);
    s.delete_agent_group("laptops", &admin()).await.unwrap();
    assert!(matches!(
        s.get_agent_group("laptops").await,
        Err(StoreError::NotFound(_))
    ));

    // --- dashboard ---
    let b = |bucket, actions: &[(&str, i64)], users: &[&str]| ActivityBatch {
        bucket,
        actions: actions.iter().map(|(a, n)| (a.to_string(), *n)).collect(),
        users: users.iter().map(|u| u.to_string()).collect(),
    };
    s.record_activity(&[b(T0, &[("download", 3), ("share", 1)], &["alice", "bob"])])
        .await
        .unwrap();
    s.record_activity(&[
        b(T0, &[("download", 2)], &["alice"]),
        b(T0 + 60_000, &[("upload", 4)], &["carol"]),
    ])
    .await
    .unwrap();
    let totals = s.activity_totals(T0, T0 + 120_000).await.unwrap();
    let get = |n: &str| totals.iter().find(|c| c.name == n).map(|c| c.count);
    assert_eq!(
        (get("download"), get("share"), get("upload")),
        (Some(5), Some(1), Some(4))
    );
    assert_eq!(s.active_users(T0, T0 + 120_000).await.unwrap(), 3);
    assert_eq!(s.active_users(T0, T0 + 1).await.unwrap(), 2);
    let over = s
        .violations_over_time(T0, T0 + 25_000, 10_000, None)
        .await
        .unwrap();
    assert_eq!(over.iter().map(|b| b.count).sum::<i64>(), 25);
    assert_eq!(over.len(), 3);
    let top = s.top_users(T0, T0 + 1_000_000, 1, None).await.unwrap();
    assert_eq!(
        top,
        vec![NameCount {
            name: "alice".into(),
            count: 20
        }]
    );

    // A NUL in user input (PostgreSQL refuses it in TEXT) must not make a
    // batch fail forever: it is stored as U+FFFD.
    let mut nul = incident(99, "r-nul", "eve\0il", "download", &["PII"], false);
    nul.details = RawJson::from_value(&serde_json::json!({"user": "eve\u{0}il"}));
    s.insert_journaled_incidents(&[nul], &[], "j3", 1, T0)
        .await
        .unwrap();
    let stored = s
        .list_incidents(&IncidentFilter {
            rule: Some("r-nul".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(stored[0].incident.username, "eve\u{FFFD}il");
    assert_eq!(stored[0].incident.details.to_value()["user"], "eve\u{0}il");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("data/cordon.db").display().to_string();
    let s = open(&url, &OpenOptions::default()).await.unwrap();
    assert_eq!(s.backend(), "sqlite");
    story(s.as_ref()).await;
    s.close().await;
    // Reopening applies no migration twice and keeps the data (the 25 of
    // the story and the one with a NUL at its end).
    let s = open(&format!("sqlite://{url}"), &OpenOptions::default())
        .await
        .unwrap();
    assert_eq!(s.count_incidents().await.unwrap(), 26);
    s.close().await;
}

async fn sqlite_at(path: &std::path::Path) -> std::sync::Arc<dyn Store> {
    open(&path.display().to_string(), &OpenOptions::default())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story_postgres() {
    let schema = PgSchema::create().await.unwrap();
    let s = schema.store().await.unwrap();
    assert_eq!(s.backend(), "postgres");
    story(s.as_ref()).await;
    s.close().await;
    let s = schema.store().await.unwrap();
    assert_eq!(s.count_incidents().await.unwrap(), 26);
    s.close().await;
    schema.drop().await.unwrap();
}

#[tokio::test]
async fn sqlite_refuses_a_corrupt_file_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cordon.db");
    std::fs::write(&path, vec![0x5au8; 8192]).unwrap();
    let err = open(&path.display().to_string(), &OpenOptions::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("cordon.db"), "{err}");
    assert!(err.contains("not a database"), "{err}");
}

#[tokio::test]
async fn sqlite_full_database_fails_writes_and_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cordon.db");
    let s = sqlite_at(&path).await;
    s.close().await;
    // Cap the file at its current size: every growing write fails.
    let capped = OpenOptions {
        sqlite_pragmas: vec![("max_page_count".into(), "1".into())],
        ..OpenOptions::default()
    };
    let s = open(&path.display().to_string(), &capped).await.unwrap();
    let batch: Vec<_> = (0..200)
        .map(|i| incident(i, "r", "u", "download", &["PII"], true))
        .collect();
    let err = s.insert_incidents(&batch).await.unwrap_err().to_string();
    assert!(err.contains("full"), "{err}");
    assert_eq!(s.count_incidents().await.unwrap(), 0, "all or nothing");
    // A journaled batch that fails leaves the journal position where it was.
    let err = s
        .insert_journaled_incidents(&batch, &[], "j", 1234, 0)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("full"), "{err}");
    assert_eq!(s.journal_position("j").await.unwrap(), None);
    assert_eq!(s.count_incidents().await.unwrap(), 0);
}

/// Policy changes read and then write inside one transaction while the
/// incident writer commits on another connection. In SQLite's WAL mode a
/// deferred transaction whose snapshot went stale cannot take the write
/// lock and fails at once with "database is locked"; the store opens write
/// transactions with the lock taken, so they wait their turn instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_policy_changes_wait_for_concurrent_incident_writes() {
    let dir = tempfile::tempdir().unwrap();
    let s = sqlite_at(&dir.path().join("cordon.db")).await;
    s.create_policy(&pv("p", "v1"), T0).await.unwrap();
    s.add_policy_version(&pv("p", "v2"), T0).await.unwrap();
    let writer = {
        let s = s.clone();
        tokio::spawn(async move {
            for i in 0..400 {
                let batch = [incident(i, "r", "u", "download", &["PII"], true)];
                s.insert_incidents(&batch).await.unwrap();
            }
        })
    };
    for i in 0..400 {
        s.activate_policy("p", Some(1 + i % 2), &admin(), T0 + i)
            .await
            .unwrap_or_else(|e| panic!("activation {i}: {e}"));
        if i % 3 == 0 {
            // With nothing to go back to, `Invalid` is the right answer.
            match s.rollback_policy("p", &admin(), T0 + i).await {
                Ok(_) | Err(StoreError::Invalid(_)) => {}
                Err(e) => panic!("rollback {i}: {e}"),
            }
        }
    }
    writer.await.unwrap();
    assert_eq!(s.count_incidents().await.unwrap(), 400);
    s.close().await;
}

/// A probe must answer in bounded time even when the database does not:
/// with the state table locked by another session, `ping` gives up after
/// its timeout instead of waiting for the lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_ping_gives_up_on_a_hung_database() {
    use sqlx::Connection as _;
    let schema = PgSchema::create().await.unwrap();
    let s = schema.store().await.unwrap();
    s.ping().await.unwrap();
    let mut locker = sqlx::PgConnection::connect(&schema.url()).await.unwrap();
    sqlx::raw_sql("BEGIN; LOCK TABLE state IN ACCESS EXCLUSIVE MODE")
        .execute(&mut locker)
        .await
        .unwrap();
    let t = std::time::Instant::now();
    let r = tokio::time::timeout(PING_TIMEOUT * 3, s.ping()).await;
    let waited = t.elapsed();
    assert!(matches!(r, Ok(Err(_))), "ping must fail on its own: {r:?}");
    assert!(waited < PING_TIMEOUT * 2, "{waited:?}");
    locker.close().await.unwrap();
    s.ping().await.unwrap();
    s.close().await;
    schema.drop().await.unwrap();
}

/// Opening must not read the whole file (a restart on a large database
/// waited seconds for `quick_check`): a database damaged deep inside
/// opens and answers pings, and only the deep `check` finds the damage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_open_reads_no_more_than_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cordon.db");
    let s = sqlite_at(&path).await;
    let batch: Vec<_> = (0..3000)
        .map(|i| incident(i, "r", "u", "download", &["PII"], true))
        .collect();
    s.insert_incidents(&batch).await.unwrap();
    s.close().await;
    drop(s);
    // Garbage over one page near the end: incident rows or their indexes.
    let mut bytes = std::fs::read(&path).unwrap();
    let page = bytes.len() / 4096 - 2;
    bytes[page * 4096..(page + 1) * 4096].fill(0x5a);
    std::fs::write(&path, bytes).unwrap();

    let s = sqlite_at(&path).await;
    s.ping().await.unwrap();
    let err = s.check().await.unwrap_err().to_string();
    assert!(err.contains("integrity check"), "{err}");
    s.close().await;
}
