//! A database written before actors were typed reads back after the
//! `0003_actors` migration: keys as keys, everything else as the system.
//! Deliveries written before `0009_audit_deliveries` keep their ids and
//! are still claimed and delivered.

use std::path::Path;

use cordon_store::testing::PgSchema;
use cordon_store::*;

/// Rows as the server wrote them at migration 0002, in SQL both dialects
/// accept.
const LEGACY: &str = "
INSERT INTO policies (id, name, created_at, updated_at, latest_version, active_version)
    VALUES ('main', 'main', 1, 1, 2, 2);
INSERT INTO policy_versions (policy_id, version, format, body, comment, created_at, created_by)
    VALUES ('main', 1, 'yaml', 'x', '', 1, 'cordon serve --policy'),
           ('main', 2, 'yaml', 'y', '', 2, 'key:0a1b2c3d (ops (laptop))');
INSERT INTO policy_activations (policy_id, version, kind, at, actor)
    VALUES ('main', 1, 'activate', 1, 'cordon serve --policy'),
           ('main', 2, 'activate', 2, 'key:0a1b2c3d (ops (laptop))');
INSERT INTO incidents (created_at, request_id, rule_id, mode, enforced, decision, action, details)
    VALUES (3, 'req-1', 'r', 'enforce', 1, 'exception', 'share', '{}');
INSERT INTO incident_history (incident_id, at, actor, kind, detail)
    SELECT id, 4, 'key:b0b0b0b0 (bob)', 'status', '{}' FROM incidents;
INSERT INTO justifications (created_at, expires_at, incident_id, sender, recipient, category,
    justification, submitted_by)
    VALUES (5, 6, NULL, 'a', 'b', 'PII', 'because', 'key:a11ce000 (agent)');
INSERT INTO api_keys (id, hash, name, role, created_at) VALUES ('0a1b2c3d', 'h', 'ops', 'admin', 1);
INSERT INTO agent_groups (name, description, policy_id, policy_version, updated_at)
    VALUES ('laptops', '', 'main', 1, 7);
";

/// The first two migrations of `backend`, as they were before 0003.
fn migrations_before_actors(backend: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    for f in ["0001_init.sql", "0002_journal.sql"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    dir
}

async fn check_typed(s: &dyn Store) {
    let v = s.list_policy_versions("main").await.unwrap();
    assert_eq!(v[0].created_by, Actor::System);
    assert_eq!(v[1].created_by, Actor::key("0a1b2c3d", "ops (laptop)"));
    let a = s.list_activations("main").await.unwrap();
    assert_eq!(a[0].actor, Actor::System);
    assert_eq!(a[1].actor, Actor::key("0a1b2c3d", "ops (laptop)"));
    let inc = s.list_incidents(&IncidentFilter::default()).await.unwrap();
    let h = s.incident_history(inc[0].id).await.unwrap();
    assert_eq!(h[0].actor, Actor::key("b0b0b0b0", "bob"));
    let j = s.list_justifications(10).await.unwrap();
    assert_eq!(
        j[0].justification.submitted_by,
        Actor::key("a11ce000", "agent")
    );
    let k = s.list_api_keys().await.unwrap();
    assert_eq!(
        (k[0].created_by.clone(), k[0].revoked_by.clone()),
        (Actor::System, None)
    );
    let g = s.get_agent_group("laptops").await.unwrap();
    assert_eq!((g.updated_by, g.created_by), (Actor::System, Actor::System));
    // Migration 0005: incidents from before came from no known computer;
    // a policy's creator is its first version's.
    assert_eq!(inc[0].incident.computer, "");
    let p = s.get_policy("main").await.unwrap();
    assert_eq!(
        (p.created_by, p.groups),
        (Actor::System, vec!["laptops".into()])
    );
}

#[tokio::test]
async fn sqlite_legacy_actors_read_back_typed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cordon.db");
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
    let old = migrations_before_actors("sqlite");
    sqlx::migrate::Migrator::new(old.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    sqlx::raw_sql(LEGACY).execute(&pool).await.unwrap();
    pool.close().await;
    let s = open(&path.display().to_string(), &OpenOptions::default())
        .await
        .unwrap();
    check_typed(s.as_ref()).await;
    s.close().await;
}

#[tokio::test]
async fn postgres_legacy_actors_read_back_typed() {
    let schema = PgSchema::create().await.unwrap();
    let pool = sqlx::PgPool::connect(&schema.url()).await.unwrap();
    let old = migrations_before_actors("postgres");
    sqlx::migrate::Migrator::new(old.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    sqlx::raw_sql(LEGACY).execute(&pool).await.unwrap();
    pool.close().await;
    let s = schema.store().await.unwrap();
    check_typed(s.as_ref()).await;
    s.close().await;
    schema.drop().await.unwrap();
}

/// Migrations 0001 to 0008 of `backend`: before deliveries could be of
/// audit entries.
fn migrations_before_audit_deliveries(backend: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    for e in std::fs::read_dir(&src).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if name.as_str() < "0009" {
            std::fs::copy(src.join(&name), dir.path().join(&name)).unwrap();
        }
    }
    dir
}

/// An incident with a delivery pending and one delivered, at 0008.
const BEFORE_AUDIT_DELIVERIES: &str = "
INSERT INTO incidents (created_at, request_id, rule_id, mode, enforced, decision, action, details)
    VALUES (3, 'req-1', 'r', 'enforce', 1, 'deny', 'share', '{}');
INSERT INTO deliveries (incident_id, target, rule, state, attempts, next_at, created_at, updated_at)
    SELECT id, 'sink:siem', '', 'delivered', 1, 3, 3, 3 FROM incidents;
INSERT INTO deliveries (incident_id, target, rule, state, attempts, next_at, created_at, updated_at)
    SELECT id, 'sink:siem', '', 'pending', 0, 3, 3, 3 FROM incidents;
";

/// The deliveries of before read back with their ids (their keys), the
/// pending one is still claimed and delivered, and an audit entry's
/// deliveries number after them.
async fn check_deliveries_kept(s: &dyn Store) {
    let all = s.list_deliveries(&DeliveryFilter::default()).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        all.iter()
            .all(|d| d.incident_id.is_some() && d.audit_id.is_none())
    );
    let claimed = s
        .claim_deliveries("sink:siem", "h", 10, 60_000, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, all[0].id);
    assert!(
        s.finish_delivery(claimed[0].id, "h", 11, &Finish::Delivered, None)
            .await
            .unwrap()
    );
    let entry = AuditEntry {
        at: 12,
        actor: Actor::System,
        ip: String::new(),
        user_agent: String::new(),
        request_id: "r".into(),
        action: "role.create".into(),
        target_kind: "role".into(),
        target_id: "x".into(),
        outcome: AuditOutcome::Success,
        reason: String::new(),
        before: None,
        after: None,
    };
    let audit = s
        .append_audit(&entry, &["sink:siem".to_owned()])
        .await
        .unwrap();
    let newest = s.list_deliveries(&DeliveryFilter::default()).await.unwrap();
    assert_eq!(newest.len(), 3);
    assert_eq!(newest[0].audit_id, Some(audit));
    assert!(newest[0].id > all[0].id);
}

#[tokio::test]
async fn sqlite_deliveries_of_before_audit_deliveries_keep_working() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cordon.db");
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
    let old = migrations_before_audit_deliveries("sqlite");
    sqlx::migrate::Migrator::new(old.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    sqlx::raw_sql(BEFORE_AUDIT_DELIVERIES)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let s = open(&path.display().to_string(), &OpenOptions::default())
        .await
        .unwrap();
    check_deliveries_kept(s.as_ref()).await;
    s.close().await;
}

#[tokio::test]
async fn postgres_deliveries_of_before_audit_deliveries_keep_working() {
    let schema = PgSchema::create().await.unwrap();
    let pool = sqlx::PgPool::connect(&schema.url()).await.unwrap();
    let old = migrations_before_audit_deliveries("postgres");
    sqlx::migrate::Migrator::new(old.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    sqlx::raw_sql(BEFORE_AUDIT_DELIVERIES)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let s = schema.store().await.unwrap();
    check_deliveries_kept(s.as_ref()).await;
    s.close().await;
    schema.drop().await.unwrap();
}
