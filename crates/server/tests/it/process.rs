//! `cordon serve` as a process: SIGKILL in the middle of a load then a
//! restart finds every answered incident; SIGTERM stops gracefully; two
//! processes share one PostgreSQL database.

use std::collections::HashSet;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::support::{client, events, fixture, send};

/// The `cordon` binary of this workspace, built (or found up to date) once
/// per test run next to this test binary.
pub(crate) fn cordon_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        // target/<profile>/deps/it-… → target/<profile>, target
        let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
        let target_dir = profile_dir.parent().unwrap().to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args([
            "build",
            "-q",
            "-p",
            "cordon",
            "--bin",
            "cordon",
            "--target-dir",
        ])
        .arg(&target_dir);
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().unwrap();
        assert!(status.success(), "building the cordon binary failed");
        profile_dir.join("cordon")
    })
    .clone()
}

struct Proc {
    child: Child,
    url: String,
    key: Option<String>,
}

/// A failing test must not leave a server running.
impl Drop for Proc {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts `cordon serve` on an ephemeral port and waits for its address.
fn start(args: &[&str], env: &[(&str, &str)]) -> Proc {
    let mut cmd = Command::new(cordon_bin());
    cmd.arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.env("CORDON_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let key = Arc::new(Mutex::new(None));
    let k2 = key.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(k) = line.split_whitespace().find(|w| w.starts_with("cordon_")) {
                *k2.lock().unwrap() = Some(k.to_owned());
            }
        }
    });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("serving on ").nth(1) {
                let url = rest.split_whitespace().next().unwrap_or("").to_owned();
                let _ = tx.send(url);
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("server did not start");
    // The key line is printed right after the address line.
    std::thread::sleep(Duration::from_millis(100));
    let key = key.lock().unwrap().clone();
    Proc { child, url, key }
}

fn signal(p: &Proc, sig: i32) {
    let pid = i32::try_from(p.child.id()).unwrap();
    // SAFETY-free: libc::kill is a plain syscall wrapper.
    let rc = unsafe_kill(pid, sig);
    assert_eq!(rc, 0, "kill({pid}, {sig})");
}

#[allow(unsafe_code)]
fn unsafe_kill(pid: i32, sig: i32) -> i32 {
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe { libc::kill(pid, sig) }
}

fn wait_exit(p: &mut Proc, limit: Duration) -> Option<std::process::ExitStatus> {
    let t = Instant::now();
    while t.elapsed() < limit {
        if let Some(s) = p.child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

async fn all_request_ids(url: &str, key: &str) -> HashSet<String> {
    let c = client();
    let mut ids = HashSet::new();
    let mut uri = format!("{url}/v1/incidents?limit=1000");
    loop {
        let (s, p) = send(&c, Method::GET, &uri, key, None).await;
        assert_eq!(s, 200, "{p}");
        for i in p["incidents"].as_array().unwrap() {
            ids.insert(i["request_id"].as_str().unwrap().to_owned());
        }
        match p["next_cursor"].as_str() {
            Some(cur) => uri = format!("{url}/v1/incidents?limit=1000&cursor={cur}"),
            None => return ids,
        }
    }
}

fn data_args(dir: &Path) -> Vec<String> {
    vec![
        "--data-dir".into(),
        dir.display().to_string(),
        "--policy".into(),
        fixture("policy.yaml").display().to_string(),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_load_loses_no_answered_incident() {
    let dir = tempfile::tempdir().unwrap();
    let args = data_args(&dir.path().join("data"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut p = start(&args, &[]);
    let key = p.key.clone().expect("first start prints the admin key");
    let url = p.url.clone();

    // 8 clients send violating events as fast as they can.
    let answered = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop_at = Instant::now() + Duration::from_secs(20);
    let mut tasks = Vec::new();
    for n in 0..8 {
        let (url, key, answered) = (url.clone(), key.clone(), answered.clone());
        tasks.push(tokio::spawn(async move {
            let c = client();
            let mut i = 0;
            while Instant::now() < stop_at {
                i += 1;
                let r = c
                    .post(format!("{url}/v1/decide"))
                    .bearer_auth(&key)
                    .json(&events::download(&format!("u{n}-{i}"), &["PCI"]))
                    .send()
                    .await;
                let Ok(r) = r else { break };
                if r.status() != 200 {
                    continue;
                }
                let Ok(v) = r.json::<serde_json::Value>().await else {
                    break;
                };
                answered
                    .lock()
                    .unwrap()
                    .push(v["request_id"].as_str().unwrap().to_owned());
            }
        }));
    }
    // Kill it once it is busy.
    let t = Instant::now();
    while answered.lock().unwrap().len() < 300 && t.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    signal(&p, libc::SIGKILL);
    assert!(wait_exit(&mut p, Duration::from_secs(5)).is_some());
    for t in tasks {
        t.await.unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    assert!(
        answered.len() >= 300,
        "only {} answered before the kill",
        answered.len()
    );

    let mut p2 = start(&args, &[]);
    assert!(p2.key.is_none(), "no new key on restart");
    let stored = all_request_ids(&p2.url, &key).await;
    let lost: Vec<_> = answered.iter().filter(|r| !stored.contains(*r)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} answered requests lost their incident: {:?}",
        lost.len(),
        answered.len(),
        &lost[..lost.len().min(5)]
    );
    signal(&p2, libc::SIGTERM);
    assert!(wait_exit(&mut p2, Duration::from_secs(10)).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let args = data_args(&dir.path().join("data"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut p = start(&args, &[]);
    let key = p.key.clone().unwrap();
    let (s, d) = send(
        &client(),
        Method::POST,
        &format!("{}/v1/decide", p.url),
        &key,
        Some(events::download("a", &["PCI"])),
    )
    .await;
    assert_eq!((s, d["decision"].as_str()), (200, Some("deny")));
    signal(&p, libc::SIGTERM);
    let status = wait_exit(&mut p, Duration::from_secs(10)).expect("did not stop on SIGTERM");
    assert!(status.success(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_postgres() {
    let db = cordon_store::testing::PgDatabase::create().await.unwrap();
    let policy = fixture("policy.yaml").display().to_string();
    // One database, but each server its own data directory (journal).
    let (da, db_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (da, db_dir) = (
        da.path().display().to_string(),
        db_dir.path().display().to_string(),
    );
    let mut a = start(
        &["--database-url", &db.url, "--data-dir", &da],
        &[("CORDON_POLICY_POLL_MS", "500")],
    );
    let mut b = start(
        &["--database-url", &db.url, "--data-dir", &db_dir],
        &[("CORDON_POLICY_POLL_MS", "500")],
    );
    let key = a
        .key
        .clone()
        .or(b.key.clone())
        .expect("one of them created the admin key");
    let c = client();
    let (s, r) = send(
        &c,
        Method::POST,
        &format!("{}/v1/policies", a.url),
        &key,
        Some(json!({"body": std::fs::read_to_string(&policy).unwrap()})),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let ev = events::download("m", &["PCI"]);
    let (_, d) = send(
        &c,
        Method::POST,
        &format!("{}/v1/decide", b.url),
        &key,
        Some(ev.clone()),
    )
    .await;
    assert_eq!(d["decision"], "allow", "nothing active yet");
    let (s, _) = send(
        &c,
        Method::POST,
        &format!("{}/v1/policies/test-policy/activate", a.url),
        &key,
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(s, 200);
    let t = Instant::now();
    loop {
        let (_, d) = send(
            &c,
            Method::POST,
            &format!("{}/v1/decide", b.url),
            &key,
            Some(ev.clone()),
        )
        .await;
        if d["decision"] == "deny" {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "activation on A not seen by B within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    send(
        &c,
        Method::POST,
        &format!("{}/v1/decide", a.url),
        &key,
        Some(ev.clone()),
    )
    .await;
    let t = Instant::now();
    for p in [&a, &b] {
        loop {
            let ids = all_request_ids(&p.url, &key).await;
            if ids.len() == 2 {
                break;
            }
            assert!(
                ids.len() < 2 && t.elapsed() < Duration::from_secs(5),
                "incidents through both servers not visible via {} in 5 s: {ids:?}",
                p.url
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    for p in [&mut a, &mut b] {
        signal(p, libc::SIGTERM);
        assert!(wait_exit(p, Duration::from_secs(10)).is_some());
    }
    db.drop().await.unwrap();
}

/// A server killed while a receiver holds its delivery: after the restart
/// the delivery is made again, with the same `webhook-id`, and recorded
/// once as delivered — nothing lost, the only duplicate the documented one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_delivery_delivers_again_after_restart_with_the_same_key() {
    // The receiver records each request's id; it holds the first one
    // unanswered (the server dies waiting) and answers the others.
    let ids = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = ids.clone();
    let app = axum::Router::new().fallback(move |headers: axum::http::HeaderMap| {
        let seen = seen.clone();
        async move {
            let first = {
                let mut s = seen.lock().unwrap();
                s.push(
                    headers["webhook-id"]
                        .to_str()
                        .unwrap_or_default()
                        .to_owned(),
                );
                s.len() == 1
            };
            if first {
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
            axum::http::StatusCode::NO_CONTENT
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let args = data_args(&dir.path().join("data"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let env = [
        ("CORDON_DELIVERY_LEASE_MS", "1000"),
        ("CORDON_DELIVERY_POLL_MS", "100"),
        ("CORDON_INCIDENT_LINGER_MS", "1"),
    ];
    let mut p = start(&args, &env);
    let key = p.key.clone().expect("first start prints the admin key");
    let c = client();
    let (s, v) = send(
        &c,
        Method::PUT,
        &format!("{}/v1/alerts/sinks/hook", p.url),
        &key,
        Some(json!({"on": "all", "config": {"kind": "webhook", "url": hook, "timeout_ms": 60000}})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = send(
        &c,
        Method::POST,
        &format!("{}/v1/decide", p.url),
        &key,
        Some(events::download("alice", &["PCI"])),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let t = Instant::now();
    while ids.lock().unwrap().is_empty() && t.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        ids.lock().unwrap().len(),
        1,
        "the receiver holds the delivery"
    );
    signal(&p, 9);
    assert!(wait_exit(&mut p, Duration::from_secs(10)).is_some());

    let p = start(&args, &env);
    let t = Instant::now();
    while ids.lock().unwrap().len() < 2 && t.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = ids.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "delivered again after the restart: {got:?}");
    assert_eq!(got[0], got[1], "with the same key");
    let t = Instant::now();
    loop {
        // The sink takes every incident from its stream: the position
        // moved past the incident once it was delivered.
        let (s, v) = send(
            &c,
            Method::GET,
            &format!("{}/v1/alerts/sinks", p.url),
            &key,
            None,
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let stream = &v["sinks"][0]["stream"];
        if stream["delivered"] == 1 {
            assert_eq!(stream["backlog"], 0, "{v}");
            assert!(got[0].starts_with("str_hook_"), "{got:?}");
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(20), "{v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
