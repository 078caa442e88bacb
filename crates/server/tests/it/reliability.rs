//! A full or corrupted database gives a clear error and a non-ready
//! `/readyz` (the server stays up, no crash loop); SIGTERM-style shutdown
//! finishes in-flight requests.

use std::io::{Read as _, Write as _};
use std::sync::Arc;

use axum::http::StatusCode;
use cordon_store::Store;
use serde_json::json;

use crate::support::{App, Running, events, settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_database_fails_requests_clearly_and_readyz_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cordon.db");
    let store = crate::support::sqlite(&path).await;
    let admin = store
        .create_api_key(
            "admin",
            cordon_store::Role::Admin,
            None,
            &cordon_store::Actor::System,
            0,
        )
        .await
        .unwrap();
    let admin = admin.secret.expose().to_owned();
    store.close().await;
    // The file may not grow any more.
    let full: Arc<dyn Store> = crate::support::sqlite_with(&path, &[("max_page_count", "1")]).await;
    let state = crate::support::state(settings());
    assert!(state.attach(full.clone()).await.unwrap().is_none());
    let app = App {
        state,
        admin,
        store: full,
        db: None,
    };
    let (s, _) = app.call("GET", "/healthz", None, None).await;
    assert_eq!(s, StatusCode::OK);
    // A policy with a long comment needs new pages: refused, clearly.
    let big =
        json!({"body": crate::support::policy_text("policy.yaml"), "comment": "x".repeat(20_000)});
    let (s, e) = app.admin("POST", "/v1/policies", Some(big)).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{e}");
    assert_eq!(e["code"], "storage_full");
    assert!(e["message"].as_str().unwrap().contains("full"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn violations_on_a_full_database_get_503_and_readyz_turns_red() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cordon.db");
    let app = App::attach(
        settings(),
        crate::support::sqlite(&path).await,
        crate::support::Db::Sqlite(tempfile::tempdir().unwrap()),
    )
    .await
    .with_policy()
    .await;
    let admin = app.admin.clone();
    drop(app);
    let full: Arc<dyn Store> = crate::support::sqlite_with(&path, &[("max_page_count", "1")]).await;
    // Violations are answered once journaled; a tiny backlog allowance
    // makes the database's refusal reach the request path quickly.
    let mut settings = settings();
    settings.journal_max_backlog_bytes = 1;
    let state = crate::support::state(settings);
    state.attach(full.clone()).await.unwrap();
    let app = App {
        state,
        admin,
        store: full,
        db: None,
    };
    let (s, _) = app.call("GET", "/readyz", None, None).await;
    let mut saw_full = false;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    for i in 0.. {
        assert!(
            std::time::Instant::now() < deadline,
            "no storage_full in 20 s"
        );
        // Fill the last free space, then fail.
        let (s, e) = app
            .admin(
                "POST",
                "/v1/decide",
                Some(events::download(
                    &format!("user-{i}-{}", "x".repeat(200)),
                    &["PCI"],
                )),
            )
            .await;
        if s == StatusCode::SERVICE_UNAVAILABLE && e["code"] == "incident_backlog" {
            // The loader has not caught up yet: the database is not full.
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            continue;
        }
        if s == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(e["code"], "storage_full", "{e}");
            saw_full = true;
            break;
        }
        assert_eq!(s, StatusCode::OK, "{e}");
    }
    assert!(
        saw_full,
        "the capped database never filled up (readyz was {s})"
    );
    let (s, e) = app.call("GET", "/readyz", None, None).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(e["code"], "storage_full", "{e}");
    // Still alive, still deciding events without violations.
    assert_eq!(
        app.call("GET", "/healthz", None, None).await.0,
        StatusCode::OK
    );
    let (s, d) = app
        .admin("POST", "/v1/decide", Some(events::download("ok", &[])))
        .await;
    assert_eq!((s, d["decision"].as_str()), (StatusCode::OK, Some("allow")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_database_keeps_the_server_up_and_not_ready() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/cordon.db"), vec![0x42u8; 16384]).unwrap();
    let mut s = settings();
    s.data_dir = dir.path().join("data");
    let srv = Running::start(s).await;
    let c = crate::support::client();
    let r = c.get(format!("{}/healthz", srv.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = c.get(format!("{}/readyz", srv.url)).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["code"], "not_ready");
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("cordon.db") && msg.contains("not a database"),
        "{msg}"
    );
    let r = c
        .post(format!("{}/v1/decide", srv.url))
        .bearer_auth("cordon_x")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_in_flight_requests() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings();
    s.data_dir = dir.path().join("data");
    let srv = Running::start(s).await;
    let addr = srv.url.trim_start_matches("http://").to_owned();
    let key = srv.admin.clone();
    let body = b"card 4111 1111 1111 1111 in a slow upload";
    let mut sock = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        sock,
        "POST /v1/inspect?name=slow.txt HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    sock.write_all(&body[..10]).unwrap();
    // Let the server read the head and enter the handler.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // The request is in flight: shut down now, then finish sending.
    let stopping = tokio::spawn(srv.stop());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !stopping.is_finished(),
        "shutdown did not wait for the request"
    );
    let mut sock2 = sock.try_clone().unwrap();
    let reply = tokio::task::spawn_blocking(move || {
        sock2.write_all(&body[10..]).unwrap();
        let mut out = String::new();
        sock.read_to_string(&mut out).unwrap();
        out
    })
    .await
    .unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("4111 **** **** 1111"), "{reply}");
    stopping.await.unwrap();
    // And new connections are refused once it stopped.
    assert!(std::net::TcpStream::connect(&addr).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_request_is_cut_off_by_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings();
    s.data_dir = dir.path().join("data");
    s.request_timeout_ms = 300;
    let srv = Running::start(s).await;
    let addr = srv.url.trim_start_matches("http://").to_owned();
    let key = srv.admin.clone();
    let reply = tokio::task::spawn_blocking(move || {
        let mut sock = std::net::TcpStream::connect(&addr).unwrap();
        // Promise 100 bytes, send 5, then nothing.
        write!(
            sock,
            "POST /v1/decide HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Length: 100\r\n\r\n{{\"act"
        )
        .unwrap();
        sock.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
        let mut buf = [0u8; 4096];
        let n = sock.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    })
    .await
    .unwrap();
    assert!(reply.starts_with("HTTP/1.1 503"), "{reply}");
    assert!(reply.contains("\"code\":\"timeout\""), "{reply}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sending_headers_slowly_is_disconnected() {
    let mut s = settings();
    s.header_read_timeout_ms = 300;
    let srv = Running::start(s).await;
    let addr = srv.url.trim_start_matches("http://").to_owned();
    let (closed_after, reply) = tokio::task::spawn_blocking(move || {
        let mut sock = std::net::TcpStream::connect(&addr).unwrap();
        // Half a request line and one header, then nothing (slowloris).
        write!(sock, "POST /v1/decide HTTP/1.1\r\nHost: x\r\n").unwrap();
        sock.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let t = std::time::Instant::now();
        let mut reply = Vec::new();
        // The server answers (or not) and closes: read to the end.
        let _ = sock.read_to_end(&mut reply);
        (t.elapsed(), String::from_utf8_lossy(&reply).into_owned())
    })
    .await
    .unwrap();
    assert!(
        closed_after < std::time::Duration::from_secs(5),
        "connection held for {closed_after:?}: {reply}"
    );
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 408"),
        "{reply}"
    );
    // The server still serves everyone else.
    let (s, _) = crate::support::send(
        &crate::support::client(),
        reqwest::Method::GET,
        &format!("{}/healthz", srv.url),
        "",
        None,
    )
    .await;
    assert_eq!(s, 200);
    srv.stop().await;
}

/// A small tmpfs mounted on a temporary directory: a real disk that fills
/// up. Unmounted (lazily, so open files don't block it) when dropped, also
/// when the test fails.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Needs root (`mount`). Unprivileged runs fail here, loudly, unless
    /// `CORDON_TEST_NO_MOUNT=1` says this machine cannot mount.
    fn mount(bytes: u64) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .unwrap();
        if !out.status.success() {
            let why = String::from_utf8_lossy(&out.stderr);
            if std::env::var_os("CORDON_TEST_NO_MOUNT").is_some() {
                eprintln!("CORDON_TEST_NO_MOUNT: skipping the full-disk test: {why}");
                return None;
            }
            panic!(
                "cannot mount a tmpfs for the full-disk test (run as root, or set CORDON_TEST_NO_MOUNT=1): {why}"
            );
        }
        Some(Tmpfs { dir })
    }

    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Writes `name` until the disk is full.
    fn fill(&self, name: &str) {
        let mut f = std::fs::File::create(self.path().join(name)).unwrap();
        let chunk = vec![0x5a_u8; 16 << 10];
        loop {
            match f.write_all(&chunk) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                Err(e) => panic!("filling the disk: {e}"),
            }
        }
        // The last bytes a short write left.
        while f.write_all(&[0]).is_ok() {}
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Issue #10 item 4: the database and the journal on one disk that fills
/// up. Violations are refused (503) once nothing can be journaled; once
/// space is freed, the loader recovers by itself within seconds (it used
/// to wedge on "non-zero transaction depth" until a restart), every
/// acknowledged incident reaches the database, none is set aside as
/// "refused by the database", and the server is ready again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_recovers_by_itself_once_space_is_freed() {
    let Some(disk) = Tmpfs::mount(24 << 20) else {
        return;
    };
    let mut s = settings();
    s.data_dir = disk.path().join("data");
    // The loader holds what is journaled while the disk fills, so its
    // batch meets the full disk: loading batch after batch during the fill
    // would let SQLite reuse its checkpointed WAL, and the database never
    // need a new page (then nothing here would test the recovery).
    s.incident_linger_ms = 15_000;
    let store: Arc<dyn Store> = crate::support::sqlite(&disk.path().join("cordon.db")).await;
    let app = App::attach(
        s,
        store.clone(),
        crate::support::Db::Sqlite(tempfile::tempdir().unwrap()),
    )
    .await
    .with_policy()
    .await;
    let (s, _) = app.call("GET", "/readyz", None, None).await;
    assert_eq!(s, StatusCode::OK);

    // Leave 1 MiB: some violations are journaled, then nothing fits.
    std::fs::write(disk.path().join("reserve"), vec![1u8; 1 << 20]).unwrap();
    disk.fill("filler");
    std::fs::remove_file(disk.path().join("reserve")).unwrap();

    let mut acknowledged = 0i64;
    let mut refused = 0;
    let mut i = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while refused < 20 {
        assert!(
            std::time::Instant::now() < deadline,
            "the disk never filled up"
        );
        i += 1;
        let user = format!("user-{i}-{}", "x".repeat(200));
        let (s, d) = app
            .admin(
                "POST",
                "/v1/decide",
                Some(events::download(&user, &["PCI"])),
            )
            .await;
        match s {
            StatusCode::OK => acknowledged += d["incidents"].as_i64().unwrap(),
            StatusCode::SERVICE_UNAVAILABLE => refused += 1,
            other => panic!("unexpected {other}: {d}"),
        }
    }
    assert!(
        acknowledged > 10,
        "only {acknowledged} incidents were journaled before the disk filled"
    );
    // The loader meets the full disk (after its linger, however busy the
    // machine) and keeps retrying for a while.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(40);
    loop {
        let (s, e) = app.call("GET", "/readyz", None, None).await;
        if s == StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        assert!(
            std::time::Instant::now() < until,
            "still ready on a full disk: {e}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;

    std::fs::remove_file(disk.path().join("filler")).unwrap();
    let freed = std::time::Instant::now();
    loop {
        let (s, _) = app.call("GET", "/readyz", None, None).await;
        let loaded = store.count_incidents().await.unwrap();
        if s == StatusCode::OK && loaded == acknowledged {
            break;
        }
        assert!(
            freed.elapsed() < std::time::Duration::from_secs(10),
            "not recovered 10 s after space was freed: readyz {s}, {loaded} of {acknowledged} acknowledged incidents loaded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // And new violations are recorded again.
    let (s, d) = app
        .admin(
            "POST",
            "/v1/decide",
            Some(events::download("after", &["PCI"])),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    app.settle().await;
    let rejected = app.state.settings.journal_dir().join("rejected.jsonl");
    assert!(
        !rejected.exists(),
        "incidents set aside as refused: {}",
        std::fs::read_to_string(&rejected).unwrap_or_default()
    );
    assert_eq!(
        store.count_incidents().await.unwrap(),
        acknowledged + d["incidents"].as_i64().unwrap()
    );
    drop(app);
    drop(disk);
}

/// Issue #10 item 5: `/readyz` answers from state the server keeps, never
/// by a database round trip. With another connection holding SQLite's
/// write lock it still answers at once (it used to run an integrity check
/// and a write per probe: 5 s of busy timeout here, then 503).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_does_no_database_work() {
    use sqlx::Connection as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cordon.db");
    let store: Arc<dyn Store> = crate::support::sqlite(&path).await;
    let app = App::attach(settings(), store, crate::support::Db::Sqlite(dir)).await;
    // The journal's threads report `running` shortly after the attach;
    // on a busy machine not at once.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.call("GET", "/readyz", None, None).await.0 != StatusCode::OK {
        assert!(std::time::Instant::now() < until, "never ready");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mut other = sqlx::SqliteConnection::connect_with(
        &sqlx::sqlite::SqliteConnectOptions::new().filename(&path),
    )
    .await
    .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    for _ in 0..50 {
        let (s, r) = app.call("GET", "/readyz", None, None).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["journal"]["writer"], "running", "{r}");
        assert_eq!(r["journal"]["backlog_bytes"], 0, "{r}");
    }
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_secs(1),
        "50 probes took {took:?} with the database locked"
    );
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
}
