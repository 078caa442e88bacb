//! Sign-in cost, for quoting: one argon2id hash and verification with
//! the server's parameters, and a sign-in with an authenticator code end
//! to end (password step, then the code) over loopback HTTP against a
//! real server on SQLite, sequential and with concurrent clients.
//!
//! ```sh
//! cargo bench -p cordon-server --bench login            # 300 sign-ins per run
//! CORDON_BENCH_LOGINS=1000 cargo bench -p cordon-server --bench login
//! ```
//!
//! Prints percentiles; a plain `main` (`harness = false`) because the
//! figure wanted is a tail latency, which criterion does not report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use cordon_identity::Password;
use cordon_identity::password::PasswordHasher;
use cordon_identity::seal::SealKey;
use cordon_identity::totp::{self, TotpSecret};
use cordon_server::config::{ConfigSecret, Settings};
use cordon_store::{Actor, AuthKind, NewAccount, Store};
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple 42";

fn percentiles(label: &str, mut v: Vec<Duration>) {
    v.sort();
    let at = |p: f64| {
        let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
        v[i].as_secs_f64() * 1000.0
    };
    println!(
        "{label:<44} n={:<5} p50 {:>7.1} ms  p90 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms",
        v.len(),
        at(0.50),
        at(0.90),
        at(0.99),
        at(1.0)
    );
}

fn hashing() {
    let hasher = PasswordHasher::default();
    let pw = Password::new(PASSWORD);
    let mut hash = Vec::new();
    let mut verify = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let phc = hasher.hash(&pw).unwrap();
        hash.push(t.elapsed());
        let t = Instant::now();
        assert!(hasher.verify(&pw, &phc).unwrap().ok);
        verify.push(t.elapsed());
    }
    let params = hasher.params();
    percentiles(&format!("argon2id hash ({params})"), hash);
    percentiles(&format!("argon2id verify ({params})"), verify);
}

struct User {
    name: String,
    secret: TotpSecret,
}

async fn users(store: &dyn Store, seal: &SealKey, n: usize, prefix: &str) -> Vec<User> {
    // One hash for everyone: the setup would otherwise cost n hashes.
    let phc = cordon_identity::password::hash(&Password::new(PASSWORD)).unwrap();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("{prefix}{i}");
        let a = store
            .create_account(
                &NewAccount {
                    username: name.clone(),
                    auth: AuthKind::Local,
                    password_hash: Some(phc.clone()),
                    email: None,
                    phone: None,
                    role_id: "guest".into(),
                    scope: cordon_access::Scope::All,
                    must_change_password: false,
                },
                &Actor::System,
                cordon_store::now_millis(),
            )
            .await
            .unwrap();
        let secret = TotpSecret::generate();
        let sealed = seal
            .seal(secret.expose(), &format!("totp:{}", a.id))
            .unwrap();
        store
            .set_totp_secret(&a.id, Some(&sealed), &Actor::System, 0)
            .await
            .unwrap();
        out.push(User { name, secret });
    }
    out
}

/// Password, then the authenticator's code: one sign-in, timed.
async fn sign_in(client: &reqwest::Client, url: &str, u: &User) -> Duration {
    let t = Instant::now();
    let r: serde_json::Value = client
        .post(format!("{url}/v1/auth/login"))
        .json(&json!({"username": u.name, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let challenge = r["challenge"].as_str().unwrap_or_else(|| panic!("{r}"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let code = totp::code_at(&u.secret, now);
    let resp = client
        .post(format!("{url}/v1/auth/2fa"))
        .json(&json!({"challenge": challenge, "code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    t.elapsed()
}

fn main() {
    hashing();
    let n: usize = std::env::var("CORDON_BENCH_LOGINS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let seal = SealKey::generate();
        let settings = Settings {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().to_owned(),
            seal_key: Some(ConfigSecret::new(seal.expose_base64())),
            insecure_cookies: true,
            ..Settings::default()
        };
        let store = cordon_store::open(
            &dir.path().join("cordon.db").display().to_string(),
            &settings.store_options(),
        )
        .await
        .unwrap();
        store
            .put_setting("login", &json!({"two_factor": "totp"}), &Actor::System, 0)
            .await
            .unwrap();
        let sequential = users(store.as_ref(), &seal, n, "seq").await;
        let concurrent = users(store.as_ref(), &seal, n, "par").await;
        store.close().await;

        let state = cordon_server::AppState::new(
            settings,
            Arc::new(cordon_server::engines::PolicyEngines::new(
                cordon_policy::Loader::new(),
            )),
            Arc::new(cordon_server::engines::Inspection::new()),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let server = tokio::spawn(cordon_server::serve(
            state,
            listener,
            async move {
                let _ = stopped.await;
            },
            tx,
        ));
        let url = format!("http://{}", rx.await.unwrap().addr);
        let client = reqwest::Client::new();

        let mut times = Vec::with_capacity(n);
        for u in &sequential {
            times.push(sign_in(&client, &url, u).await);
        }
        percentiles("sign-in with TOTP, 1 client", times);

        let clients = 4;
        let started = Instant::now();
        let concurrent = Arc::new(concurrent);
        let mut tasks = Vec::new();
        for c in 0..clients {
            let (client, url, users) = (client.clone(), url.clone(), concurrent.clone());
            tasks.push(tokio::spawn(async move {
                let mut t = Vec::new();
                for u in users.iter().skip(c).step_by(clients) {
                    t.push(sign_in(&client, &url, u).await);
                }
                t
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.extend(t.await.unwrap());
        }
        let took = started.elapsed();
        let done = times.len();
        percentiles(&format!("sign-in with TOTP, {clients} clients"), times);
        println!(
            "{:<44} {:.0} sign-ins/s ({done} in {took:.1?}, {} cores)",
            "throughput, 4 clients",
            done as f64 / took.as_secs_f64(),
            std::thread::available_parallelism().map_or(0, |c| c.get())
        );
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    });
}
