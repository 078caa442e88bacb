//! What happens after a violation: alerts to e-mail, webhooks, syslog and
//! files, and response plug-ins, delivered from an outbox that is never
//! lost and never doubled by Cordon itself.
//!
//! - [`config`]: the sinks and response rules administrators configure
//!   (`/v1/alerts/…`), stored as one setting with their secrets sealed.
//! - [`plan`]: which deliveries an incident asks for; the journal loader
//!   writes them in the transaction that writes the incidents
//!   ([`cordon_store::Outgoing`]), so an incident is never stored without
//!   its deliveries nor a delivery without its incident. A sink subscribed
//!   to every incident (`"on": "all"`) gets no rows: it keeps a position
//!   in the incidents' commit order ([`cordon_store::StreamStore`]),
//!   opened when the sink is configured, and the worker delivers what
//!   lies after it.
//! - [`worker`]: claims due deliveries (`FOR UPDATE SKIP LOCKED` on
//!   PostgreSQL: each row goes to one server), delivers them with
//!   `cordon-alert` or runs the plug-in with `cordon-plugin`, and records
//!   the outcome, with the incident's history entry, in one transaction.
//!   Retries back off; a delivery that keeps failing for
//!   `delivery_retry_hours` is marked failed and can be retried by hand.
//! - [`alert`]: a stored incident as an alert and as a plug-in's input;
//!   an audit entry, masked, as what a sink subscribed to the audit trail
//!   (`"audit": true`) receives. Those deliveries are written with the
//!   entry ([`crate::audit::record`]) and go through the same worker.
//!
//! Guarantee: at least once. A delivery is marked done only after the
//! receiver accepted it; a server that dies between the two leaves the row
//! claimed until its lease ends, and it is delivered again with the same
//! idempotency key (`webhook-id`, the JSON Lines `key`, the CEF
//! `externalId` plus delivery key), so a receiver can drop the duplicate.

pub mod alert;
pub mod config;
pub mod lane;
pub mod plan;
pub mod worker;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use cordon_alert::Sink;
use cordon_store::{NewIncident, Outgoing, Store};

use config::{AlertSettings, SinkEntry};
use plan::PluginInfo;

/// The configuration in force, with its sinks built.
#[derive(Default)]
pub struct Snapshot {
    pub settings: AlertSettings,
    /// Enabled sinks that could be built, by id.
    pub sinks: HashMap<String, Arc<Sink>>,
    /// Why an enabled sink could not be built, by id.
    pub sink_errors: HashMap<String, String>,
    /// Installed plug-ins by name.
    pub plugins: HashMap<String, PluginInfo>,
    fingerprint: String,
}

impl Snapshot {
    /// Whether an enabled sink takes every incident from a stream.
    pub fn streams(&self) -> bool {
        self.settings.sinks.iter().any(SinkEntry::streamed)
    }

    /// Installed plug-in `name`, if it runs on agents.
    pub fn agent_plugin(&self, name: &str) -> Option<&PluginInfo> {
        self.plugins
            .get(name)
            .filter(|p| p.manifest.runs_on == cordon_plugin::RunsOn::Agent)
    }
}

/// The alerting side of the server: the configuration snapshot the
/// planner and the worker read, and the worker's wake-up call.
pub struct Alerts {
    snapshot: ArcSwap<Snapshot>,
    /// The last reread failed (the stored configuration or a secret could
    /// not be read here): the worker then delivers nothing rather than
    /// fail deliveries for sinks it cannot see.
    broken: std::sync::atomic::AtomicBool,
    refreshed: std::sync::Mutex<Option<Instant>>,
    /// Rung when deliveries were written or retried by hand.
    pub(crate) wake: tokio::sync::Notify,
    /// Plug-ins unpacked on this server, by (name, sha256).
    installed: std::sync::Mutex<HashMap<(String, String), Arc<cordon_plugin::Installed>>>,
    plugins_dir: PathBuf,
}

/// How often every server rereads the configuration (another server may
/// have changed it).
const REFRESH: Duration = Duration::from_secs(5);

impl Alerts {
    pub fn new(plugins_dir: PathBuf) -> Alerts {
        Alerts {
            snapshot: ArcSwap::from_pointee(Snapshot::default()),
            broken: std::sync::atomic::AtomicBool::new(true),
            refreshed: std::sync::Mutex::new(None),
            wake: tokio::sync::Notify::new(),
            installed: std::sync::Mutex::new(HashMap::new()),
            plugins_dir,
        }
    }

    /// Makes the worker look for due deliveries now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Whether this server's view of the configuration is current.
    pub fn usable(&self) -> bool {
        !self.broken.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// The deliveries of a batch about to be written.
    pub fn plan(&self, batch: &[NewIncident]) -> Vec<Outgoing> {
        let s = self.snapshot.load();
        plan::plan(&s.settings, &s.plugins, batch)
    }

    /// Rereads the configuration if it is older than a few seconds.
    pub async fn refresh_if_stale(&self, store: &dyn Store, seal: &cordon_identity::seal::SealKey) {
        let stale = self
            .refreshed
            .lock()
            .map(|r| r.is_none_or(|at| at.elapsed() >= REFRESH))
            .unwrap_or(true);
        if stale && let Err(e) = self.refresh(store, seal).await {
            tracing::error!(error = %e, "alerts: the configuration could not be read");
        }
    }

    /// [`Alerts::refresh`] after a change made here; a failure is logged
    /// (the change is stored; every server rereads it within seconds).
    pub async fn reload(&self, store: &dyn Store, seal: &cordon_identity::seal::SealKey) {
        if let Err(e) = self.refresh(store, seal).await {
            tracing::error!(error = %e, "alerts: the changed configuration could not be applied");
        }
    }

    /// Rereads the configuration and the installed plug-ins; builds the
    /// sinks that changed (a sink whose configuration did not change keeps
    /// its state: its connection and its e-mail rate limit).
    pub async fn refresh(
        &self,
        store: &dyn Store,
        seal: &cordon_identity::seal::SealKey,
    ) -> Result<(), String> {
        let result = self.reread(store, seal).await;
        self.broken
            .store(result.is_err(), std::sync::atomic::Ordering::Relaxed);
        result
    }

    async fn reread(
        &self,
        store: &dyn Store,
        seal: &cordon_identity::seal::SealKey,
    ) -> Result<(), String> {
        let stored = store
            .get_setting(config::KEY)
            .await
            .map_err(|e| e.to_string())?;
        let plugins = store.list_plugins().await.map_err(|e| e.to_string())?;
        let mut fingerprint = stored.as_ref().map(|v| v.to_string()).unwrap_or_default();
        for p in &plugins {
            fingerprint.push_str(&format!("\n{}={}", p.name, p.sha256));
        }
        if let Ok(mut r) = self.refreshed.lock() {
            *r = Some(Instant::now());
        }
        let old = self.snapshot.load_full();
        if old.fingerprint == fingerprint && !fingerprint.is_empty() {
            return Ok(());
        }
        let mut settings: AlertSettings = match stored {
            Some(v) => serde_json::from_value(v)
                .map_err(|e| format!("the stored alert settings do not read back: {e}"))?,
            None => AlertSettings::default(),
        };
        config::open(&mut settings, seal)?;
        let mut sinks = HashMap::new();
        let mut sink_errors = HashMap::new();
        for s in settings.sinks.iter().filter(|s| s.enabled) {
            let same = old
                .settings
                .sinks
                .iter()
                .find(|o| o.id == s.id)
                .is_some_and(|o| {
                    serde_json::to_string(&o.config).ok() == serde_json::to_string(&s.config).ok()
                });
            if same && let Some(sink) = old.sinks.get(&s.id) {
                sinks.insert(s.id.clone(), sink.clone());
                continue;
            }
            match Sink::new(s.config.clone()) {
                Ok(sink) => {
                    sinks.insert(s.id.clone(), Arc::new(sink));
                }
                Err(e) => {
                    tracing::error!(sink = %s.id, error = %e, "alerts: a sink cannot be used");
                    sink_errors.insert(s.id.clone(), e.to_string());
                }
            }
        }
        let mut by_name = HashMap::new();
        for p in plugins {
            match serde_json::from_value::<cordon_plugin::Manifest>(p.manifest.clone()) {
                Ok(manifest) => {
                    by_name.insert(
                        p.name.clone(),
                        PluginInfo {
                            manifest,
                            sha256: p.sha256.clone(),
                        },
                    );
                }
                Err(e) => {
                    tracing::error!(plugin = %p.name, error = %e, "alerts: a stored plug-in manifest does not read back");
                }
            }
        }
        self.snapshot.store(Arc::new(Snapshot {
            settings,
            sinks,
            sink_errors,
            plugins: by_name,
            fingerprint,
        }));
        Ok(())
    }

    /// The plug-in `name` unpacked on this server (from the database on
    /// first use, checked against its digest).
    pub(crate) async fn installed_plugin(
        &self,
        store: &dyn Store,
        name: &str,
    ) -> Result<Arc<cordon_plugin::Installed>, String> {
        let info = self
            .snapshot()
            .plugins
            .get(name)
            .cloned()
            .ok_or_else(|| format!("plug-in `{name}` is not installed"))?;
        let key = (name.to_owned(), info.sha256.clone());
        if let Ok(map) = self.installed.lock()
            && let Some(i) = map.get(&key)
        {
            return Ok(i.clone());
        }
        let (row, bytes) = store
            .plugin_package(name)
            .await
            .map_err(|e| format!("plug-in `{name}`: {e}"))?;
        let root = self.plugins_dir.clone();
        let installed = tokio::task::spawn_blocking(move || {
            let package = cordon_plugin::read_package(&bytes).map_err(|e| e.to_string())?;
            if package.sha256 != row.sha256 {
                return Err("the stored package does not match its digest".to_owned());
            }
            cordon_plugin::install(&package, &bytes, &root).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| format!("plug-in `{name}`: {e}"))?
        .map_err(|e| format!("plug-in `{name}`: {e}"))?;
        let installed = Arc::new(installed);
        if let Ok(mut map) = self.installed.lock() {
            map.insert(key, installed.clone());
        }
        Ok(installed)
    }
}

/// The delivery workers running in this process, woken when an audit
/// entry was written with deliveries: `audit::record` is given a store,
/// not the server, so it cannot reach its own worker. Waking every
/// worker of the process (one, except in tests) costs the others one
/// look at the outbox.
static WORKERS: std::sync::Mutex<Vec<std::sync::Weak<Alerts>>> = std::sync::Mutex::new(Vec::new());

/// Registers a running worker's alerts for [`audit_written`].
pub(crate) fn register_worker(alerts: &Arc<Alerts>) {
    if let Ok(mut w) = WORKERS.lock() {
        w.retain(|a| a.strong_count() > 0);
        w.push(Arc::downgrade(alerts));
    }
}

/// Says that an audit entry with deliveries was written: every worker
/// looks now (a permit is kept for one that is busy), not at its next
/// poll.
pub fn audit_written() {
    if let Ok(mut w) = WORKERS.lock() {
        w.retain(|a| match a.upgrade() {
            Some(a) => {
                a.wake();
                true
            }
            None => false,
        });
    }
}

impl crate::journal::Outbox for Alerts {
    fn plan(&self, batch: &[NewIncident]) -> Vec<Outgoing> {
        Alerts::plan(self, batch)
    }

    fn written(&self, planned: bool) {
        if planned || self.snapshot.load().streams() {
            self.wake.notify_one();
        }
    }
}
