//! Test harness: an app on SQLite or PostgreSQL, in process or on an
//! ephemeral port, with the real policy engine and the real inspector.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cordon_server::AppState;
use cordon_server::config::Settings;
use cordon_server::engines::PolicyEngines;
use cordon_store::Store;
use cordon_store::testing::PgDatabase;
use serde_json::Value;
use tower::ServiceExt as _;

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/fixtures")
        .join(name)
}

pub fn policy_text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

/// A SQLite database at `path`, opened as the server opens it.
pub async fn sqlite(path: &std::path::Path) -> Arc<dyn Store> {
    sqlite_with(path, &[]).await
}

/// The same with extra pragmas (`max_page_count` for a database that
/// cannot grow).
pub async fn sqlite_with(path: &std::path::Path, pragmas: &[(&str, &str)]) -> Arc<dyn Store> {
    let options = cordon_store::OpenOptions {
        sqlite_pragmas: pragmas
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..Default::default()
    };
    cordon_store::open(&path.display().to_string(), &options)
        .await
        .unwrap()
}

pub fn settings() -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        // Every app its own data directory, so its own incident journal
        // (kept under cargo's scratch directory for tests, target/tmp).
        data_dir: tempfile::Builder::new()
            .prefix("cordon-test-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap()
            .keep(),
        incident_linger_ms: 1,
        policy_poll_ms: 100,
        activity_flush_ms: 100,
        key_cache_ms: 0,
        ..Default::default()
    }
}

pub fn state(settings: Settings) -> AppState {
    AppState::new(
        settings,
        Arc::new(PolicyEngines::new(cordon_policy::Loader::new())),
        Arc::new(cordon_server::engines::Inspection::new()),
    )
}

pub enum Db {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Pg(PgDatabase),
}

/// An app in process, attached to a fresh database, with an admin key.
pub struct App {
    pub state: AppState,
    pub admin: String,
    pub store: Arc<dyn Store>,
    pub db: Option<Db>,
}

impl App {
    pub async fn sqlite() -> App {
        App::sqlite_with(settings()).await
    }

    pub async fn sqlite_with(s: Settings) -> App {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = crate::support::sqlite(&dir.path().join("cordon.db")).await;
        App::attach(s, store, Db::Sqlite(dir)).await
    }

    pub async fn postgres() -> App {
        App::postgres_with(settings()).await
    }

    pub async fn postgres_with(s: Settings) -> App {
        let db = PgDatabase::create().await.unwrap();
        let store = cordon_store::open(&db.url, &cordon_store::OpenOptions::default())
            .await
            .unwrap();
        App::attach(s, store, Db::Pg(db)).await
    }

    pub async fn attach(s: Settings, store: Arc<dyn Store>, db: Db) -> App {
        let state = state(s);
        let admin = state.attach(store.clone()).await.unwrap().unwrap();
        App {
            state,
            admin,
            store,
            db: Some(db),
        }
    }

    pub fn router(&self) -> axum::Router {
        cordon_server::router(self.state.clone())
    }

    /// Sends one request through the router, returns status and JSON.
    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let b = body.map(|b| b.to_string()).unwrap_or_default();
        self.call_raw(method, uri, key, Body::from(b)).await
    }

    pub async fn call_raw(
        &self,
        method: &str,
        uri: &str,
        key: Option<&str>,
        body: Body,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(k) = key {
            req = req.header("authorization", format!("Bearer {k}"));
        }
        let resp = self
            .router()
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let v = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, v)
    }

    /// Like [`App::call`], with extra request headers.
    pub async fn call_with(
        &self,
        method: &str,
        uri: &str,
        key: &str,
        headers: &[(&str, &str)],
        body: Value,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {key}"));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = self
            .router()
            .oneshot(req.body(Body::from(body.to_string())).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    pub async fn admin(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.call(method, uri, Some(&self.admin.clone()), body)
            .await
    }

    /// Creates and activates the test policy.
    pub async fn with_policy(self) -> App {
        let (s, v) = self
            .admin(
                "POST",
                "/v1/policies",
                Some(serde_json::json!({"body": policy_text("policy.yaml"), "activate": true})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        self
    }

    /// Waits until this app's journaled incidents are in the database (for
    /// tests that read the store directly instead of through the API).
    pub async fn settle(&self) {
        let synced = self
            .state
            .ready()
            .unwrap()
            .incidents
            .sync(std::time::Duration::from_secs(10))
            .await;
        assert!(synced, "journaled incidents did not reach the database");
    }

    pub async fn close(mut self) {
        if let Some(Db::Pg(db)) = self.db.take() {
            drop(self.state);
            drop(self.store);
            db.drop().await.unwrap();
        }
    }
}

/// A server on an ephemeral port.
pub struct Running {
    pub url: String,
    pub admin: String,
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    pub async fn start(s: Settings) -> Running {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let st = state(s);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let handle = tokio::spawn(cordon_server::serve(
            st.clone(),
            listener,
            async move {
                let _ = stopped.await;
            },
            tx,
        ));
        let server = rx.await.unwrap();
        Running {
            url: format!("http://{}", server.addr),
            admin: server.first_key.unwrap_or_default(),
            state: st,
            stop: Some(stop),
            handle,
        }
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.handle.await.unwrap().unwrap();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

pub async fn send(
    c: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    key: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = c.request(method, url).bearer_auth(key);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Events used across tests.
pub mod events {
    use serde_json::{Value, json};

    pub fn download(user: &str, cats: &[&str]) -> Value {
        json!({
            "action": "download",
            "user": {"username": user},
            "file": {"path": "/reports/q3.xlsx", "classification": {"categories": cats}},
        })
    }

    pub fn phi_email(sender: &str, recipient: &str) -> Value {
        json!({
            "action": "email",
            "user": {"username": "doc"},
            "sender": [{"kind": "contact", "type": "email", "id": sender}],
            "recipients": [{"kind": "contact", "type": "email", "id": recipient}],
            "file": {"path": "/x/discharge.pdf", "classification": {"categories": ["PHI"]}},
        })
    }
}
