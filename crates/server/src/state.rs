//! The server's shared state: settings, engines, metrics, and — once the
//! database is open — the [`Ready`] part (store, incident queue, active
//! policy set, activity counters, key cache, admission limits).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use arc_swap::ArcSwap;
use axum::http::Method;
use cordon_store::{Role, Store};
use tokio::sync::OnceCell;

use crate::activity::Activity;
use crate::admission::Admission;
use crate::auth::KeyCache;
use crate::config::Settings;
use crate::engine::{ContentInspector, PolicyCompiler};
use crate::error::ApiError;
use crate::journal::IncidentQueue;
use crate::lifecycle::{self, Loaded};
use crate::metrics::Metrics;
use crate::routes::{Access, routes};

/// Everything that exists once the database is open.
pub struct Ready {
    pub store: Arc<dyn Store>,
    pub incidents: IncidentQueue,
    /// The active policy set, swapped whole on every reload.
    pub policy: ArcSwap<Loaded>,
    pub activity: Activity,
    pub(crate) keys: KeyCache,
    /// Ids of justifications already applied to the engine.
    pub(crate) applied_justifications: std::sync::Mutex<i64>,
    pub write_health: Arc<crate::journal::WriteHealth>,
}

pub struct Inner {
    pub settings: Settings,
    pub metrics: Arc<Metrics>,
    pub compiler: Arc<dyn PolicyCompiler>,
    pub inspector: Arc<dyn ContentInspector>,
    /// Concurrency and per-key limits (inspections, policy checks, quotas).
    pub(crate) admission: Admission,
    /// Failed authentications per peer, for throttling.
    pub(crate) auth_failures: crate::auth::FailureThrottle,
    /// Account passwords: policy and off-thread hashing.
    pub passwords: crate::passwords::Passwords,
    /// Sign-in: sessions, second factors, the login throttle.
    pub login: crate::login::Login,
    ready: OnceCell<Ready>,
    /// Why the database is not open, for `/readyz`.
    not_ready: std::sync::Mutex<String>,
    access: HashMap<(Method, &'static str), Access>,
    pub shutting_down: AtomicBool,
    /// The keys that sign agents' bundles (`bundle.rs`), loaded on first use.
    pub(crate) agent_keys: crate::bundle::KeyCell,
    /// Alerts, response plug-ins and their deliveries.
    pub alerts: Arc<crate::alerts::Alerts>,
}

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

/// The state as background jobs hold it: it does not keep a stopped
/// server alive (its journal locked, its database open).
#[derive(Clone)]
pub struct WeakState(std::sync::Weak<Inner>);

impl WeakState {
    /// The state, while the server is running.
    pub fn upgrade(&self) -> Option<AppState> {
        self.0
            .upgrade()
            .map(AppState)
            .filter(|st| !st.shutting_down.load(std::sync::atomic::Ordering::Relaxed))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(
        settings: Settings,
        compiler: Arc<dyn PolicyCompiler>,
        inspector: Arc<dyn ContentInspector>,
    ) -> AppState {
        let access = routes()
            .into_iter()
            .map(|(s, _)| ((s.method, s.path), s.access))
            .collect();
        let admission = Admission::new(&settings);
        let login = crate::login::Login::new(&settings);
        let alerts = Arc::new(crate::alerts::Alerts::new(
            settings.data_dir.join("plugins"),
        ));
        AppState(Arc::new(Inner {
            alerts,
            login,
            settings,
            metrics: Arc::new(Metrics::new()),
            compiler,
            inspector,
            passwords: crate::passwords::Passwords::default(),
            admission,
            auth_failures: crate::auth::FailureThrottle::default(),
            ready: OnceCell::new(),
            not_ready: std::sync::Mutex::new("starting".to_owned()),
            access,
            shutting_down: AtomicBool::new(false),
            agent_keys: Default::default(),
        }))
    }

    pub fn downgrade(&self) -> WeakState {
        WeakState(Arc::downgrade(&self.0))
    }

    /// The open database and engine, or `503 not_ready`.
    pub fn ready(&self) -> Result<&Ready, ApiError> {
        self.0.ready.get().ok_or_else(|| {
            ApiError::unavailable(
                "not_ready",
                format!("the server is not ready: {}", self.not_ready_reason()),
            )
        })
    }

    pub fn not_ready_reason(&self) -> String {
        self.0
            .not_ready
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    pub(crate) fn set_not_ready(&self, why: String) {
        if let Ok(mut s) = self.0.not_ready.lock() {
            *s = why;
        }
    }

    /// Opens `store`: first key, bootstrap policy, engine, writers.
    pub async fn attach(&self, store: Arc<dyn Store>) -> anyhow::Result<Option<String>> {
        let now = cordon_store::now_millis();
        let mut first_key = None;
        if store.count_api_keys().await? == 0
            && let Some(k) = store
                .create_first_api_key("admin", Role::Admin, now)
                .await?
        {
            first_key = Some(k.secret.expose().to_owned());
        }
        self.bootstrap_accounts(store.as_ref()).await?;
        if let Some(path) = &self.settings.bootstrap_policy
            && store.list_policies().await?.is_empty()
        {
            lifecycle::bootstrap_policy(self, store.as_ref(), path).await?;
        }
        let loaded = lifecycle::build_engine(&self.compiler, store.as_ref())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        self.metrics.policy_generation.set(loaded.generation);
        // Before the journal: incidents it replays after a crash get their
        // deliveries planned like any others.
        if let Ok(seal) = self.login.seal_key()
            && let Err(e) = self.alerts.refresh(store.as_ref(), seal).await
        {
            tracing::error!(error = %e, "alerts: the configuration could not be read; no alerts are planned until it can be");
        }
        let write_health = Arc::new(crate::journal::WriteHealth::default());
        let st = &self.settings;
        let queue = crate::journal::open(
            store.clone(),
            crate::journal::JournalConfig {
                dir: st.journal_dir(),
                segment_bytes: st.journal_segment_bytes,
                max_backlog_bytes: st.journal_max_backlog_bytes,
                sync: st.journal_sync,
                batch: st.incident_batch,
                batch_bytes: st.incident_batch_bytes,
                linger: std::time::Duration::from_millis(st.incident_linger_ms),
                queue: st.incident_queue,
                outbox: Some(crate::journal::OutboxHook(self.alerts.clone())),
            },
            self.metrics.clone(),
            write_health.clone(),
        )
        .await?;
        let ready = Ready {
            store,
            incidents: queue,
            policy: ArcSwap::from_pointee(loaded),
            activity: Activity::default(),
            keys: KeyCache::default(),
            applied_justifications: std::sync::Mutex::new(0),
            write_health,
        };
        lifecycle::apply_justifications(&ready, true).await;
        if self.0.ready.set(ready).is_err() {
            anyhow::bail!("the database was attached twice");
        }
        crate::alerts::lane::start(self.settings.delivery_nice);
        tokio::spawn(crate::alerts::worker::run(
            self.downgrade(),
            self.alerts.clone(),
            std::time::Duration::from_millis(self.settings.delivery_poll_ms.max(50)),
        ));
        tokio::spawn(crate::crawler::run(self.downgrade()));
        self.metrics.ready.set(1);
        Ok(first_key)
    }

    /// The access a route needs. `HEAD` is answered by the `GET` route
    /// (axum does so), so it needs what `GET` needs.
    pub fn access_of(&self, method: &Method, path: &str) -> Option<Access> {
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        self.0.access.get(&(method.clone(), path)).copied()
    }
}
