//! End to end over HTTP against a server on an ephemeral port, with a real
//! database: SQLite in a temporary data directory, and PostgreSQL.

use reqwest::Method;
use serde_json::json;

use crate::support::{Running, client, events, policy_text, send, settings};

async fn story(srv: &Running) {
    let c = client();
    let u = |p: &str| format!("{}{p}", srv.url);
    let k = srv.admin.as_str();
    assert!(k.starts_with("cordon_"), "first start prints an admin key");

    let (s, r) = send(&c, Method::GET, &u("/readyz"), "", None).await;
    assert_eq!(s, 200, "{r}");
    let (s, _) = send(
        &c,
        Method::POST,
        &u("/v1/policies"),
        k,
        Some(json!({"body": policy_text("policy.yaml"), "activate": true})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, d) = send(
        &c,
        Method::POST,
        &u("/v1/decide"),
        k,
        Some(events::download("mallory", &["PCI", "PII"])),
    )
    .await;
    assert_eq!(
        (s, d["decision"].as_str(), d["incidents"].as_i64()),
        (200, Some("deny"), Some(2)),
        "{d}"
    );
    let (s, l) = send(&c, Method::GET, &u("/v1/incidents?user=mallory"), k, None).await;
    assert_eq!(s, 200);
    assert_eq!(l["incidents"].as_array().unwrap().len(), 2);
    let (s, m) = send(&c, Method::GET, &u("/metrics"), k, None).await;
    assert_eq!(s, 200);
    let m = m.as_str().unwrap().to_owned();
    assert!(
        m.contains("cordon_decisions_total{decision=\"deny\"} 1"),
        "{m}"
    );
    assert!(m.contains("cordon_incidents_written_total 2"), "{m}");
    assert!(m.contains("cordon_http_requests_total"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings();
    s.data_dir = dir.path().join("data");
    let srv = Running::start(s.clone()).await;
    story(&srv).await;
    srv.stop().await;
    assert!(
        dir.path().join("data/cordon.db").exists(),
        "database in the data dir"
    );
    // A restart keeps everything and prints no new key.
    let srv = Running::start(s).await;
    assert!(srv.admin.is_empty(), "a key is printed only on first start");
    assert_eq!(
        srv.state
            .ready()
            .unwrap()
            .store
            .count_incidents()
            .await
            .unwrap(),
        2
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_postgres() {
    let db = cordon_store::testing::PgDatabase::create().await.unwrap();
    let mut s = settings();
    s.database_url = Some(cordon_server::config::DatabaseUrl::new(db.url.clone()));
    let srv = Running::start(s).await;
    story(&srv).await;
    srv.stop().await;
    db.drop().await.unwrap();
}

/// Two servers on one PostgreSQL database: incidents written through
/// either are visible through both, and an activation on one takes effect
/// on the other within 5 seconds. (`process::two_processes_share_postgres`
/// does the same with two `cordon serve` processes.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_one_postgres_database() {
    let db = cordon_store::testing::PgDatabase::create().await.unwrap();
    let mut s = settings();
    s.database_url = Some(cordon_server::config::DatabaseUrl::new(db.url.clone()));
    s.policy_poll_ms = 1000;
    let a = Running::start(s.clone()).await;
    // Each server keeps its own incident journal in its own data directory.
    s.data_dir = settings().data_dir;
    let b = Running::start(s).await;
    let k = a.admin.clone();
    assert!(b.admin.is_empty());
    let c = client();
    let (st, _) = send(
        &c,
        Method::POST,
        &format!("{}/v1/policies", a.url),
        &k,
        Some(json!({"body": policy_text("policy.yaml"), "activate": true})),
    )
    .await;
    assert_eq!(st, 201);
    let ev = events::download("m", &["PCI"]);
    // B sees A's activation within 5 s.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let (_, d) = send(
            &c,
            Method::POST,
            &format!("{}/v1/decide", b.url),
            &k,
            Some(ev.clone()),
        )
        .await;
        if d["decision"] == "deny" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "activation not seen by the other server in 5 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    send(
        &c,
        Method::POST,
        &format!("{}/v1/decide", a.url),
        &k,
        Some(ev.clone()),
    )
    .await;
    // Each server reads its own incidents at once (read-your-writes) and
    // the other's as soon as that server's journal loader has run.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    for srv in [&a, &b] {
        loop {
            let (_, l) = send(
                &c,
                Method::GET,
                &format!("{}/v1/incidents?rule=pci-download", srv.url),
                &k,
                None,
            )
            .await;
            let n = l["incidents"].as_array().unwrap().len();
            if n == 2 {
                break;
            }
            assert!(n < 2, "{l}");
            assert!(
                std::time::Instant::now() < deadline,
                "incidents through both servers not visible via {} in 5 s",
                srv.url
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    a.stop().await;
    b.stop().await;
    db.drop().await.unwrap();
}
