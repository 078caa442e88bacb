//! Response plug-ins the server's rules run on this computer
//! (`runs_on = "agent"`): the agent's side of `GET /v1/agent/tasks`.
//!
//! The server plans a call for an incident this agent reported and hands
//! it out signed with the key that signs the agent's bundles. The agent
//! runs only what verifies against its pinned keys, is addressed to its
//! own computer and is fresh; it fetches the package by name and runs it
//! only if its SHA-256 is the one the signed call names; it unpacks it
//! with `cordon-plugin` (the same checks as the server's: no links, no
//! `..`, bounded sizes) under `<state_dir>/plugins/<name>/<sha256>/`;
//! and it runs it with `cordon-plugin`'s bounds (cleared environment,
//! timeout, capped output, process group killed whole), as root or as
//! `plugin_user`. Whatever happens, the answer (the plug-in's, or one
//! line saying why it could not run) goes back to the server, which ends
//! the delivery and writes it into the incident's history.
//!
//! Calls run one at a time on a thread of their own: a slow plug-in
//! never delays the bundle poll or the upload of incidents.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cordon_bundle::PublicKey;
use cordon_plugin::{AgentTask, AgentTasks, Installed, RunLimits, RunsOn, TaskResult};

use crate::link::Client;

/// How far the server's signing time may be from this computer's clock
/// before a call is refused as stale (or from the future).
pub const FRESHNESS: Duration = Duration::from_secs(15 * 60);
/// Delivery ids remembered as run, so that a replayed answer runs nothing.
const REMEMBERED: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error("plug-in calls refused: {0}")]
    Signature(#[from] cordon_bundle::BundleError),
    #[error("plug-in calls refused: not valid JSON: {0}")]
    Json(String),
    #[error("plug-in calls refused: they are for computer `{got}`, this is `{want}`")]
    WrongComputer { got: String, want: String },
    #[error("plug-in calls refused: signed {skew_secs} s away from this computer's clock (at most {} s)", FRESHNESS.as_secs())]
    Stale { skew_secs: i64 },
    #[error("plug-in calls refused: {0} calls in one answer")]
    TooMany(usize),
}

/// Opens the server's answer: verified, for `computer`, fresh at `now_ms`.
pub fn open_tasks(
    text: &[u8],
    keys: &[PublicKey],
    computer: &str,
    now_ms: i64,
) -> Result<AgentTasks, TaskError> {
    let (bytes, _) = cordon_bundle::open_document(text, cordon_bundle::TASKS_FORMAT, keys)?;
    let doc: AgentTasks =
        serde_json::from_slice(&bytes).map_err(|e| TaskError::Json(e.to_string()))?;
    if doc.computer != computer {
        return Err(TaskError::WrongComputer {
            got: doc.computer.chars().take(64).collect(),
            want: computer.to_owned(),
        });
    }
    let skew = now_ms.saturating_sub(doc.issued_at);
    if skew.unsigned_abs() > FRESHNESS.as_millis() as u64 {
        return Err(TaskError::Stale {
            skew_secs: skew / 1000,
        });
    }
    if doc.tasks.len() > cordon_plugin::MAX_TASKS {
        return Err(TaskError::TooMany(doc.tasks.len()));
    }
    Ok(doc)
}

/// Runs plug-in calls: the installed packages and the calls already run.
pub struct Runner {
    root: PathBuf,
    user: Option<(u32, u32)>,
    ran: HashSet<i64>,
    order: VecDeque<i64>,
    rt: tokio::runtime::Runtime,
}

impl Runner {
    /// Packages under `root` (made owner-only); calls as `user` if given.
    pub fn new(root: &Path, user: Option<(u32, u32)>) -> std::io::Result<Runner> {
        use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(root)?;
        // Packages are 0755 inside; the directory keeps others out of the
        // tree, but a dropped-privilege user must reach its plug-in.
        let mode = if user.is_some() { 0o711 } else { 0o700 };
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(mode))?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Runner {
            root: root.to_owned(),
            user,
            ran: HashSet::new(),
            order: VecDeque::new(),
            rt,
        })
    }

    /// Whether the call for `delivery` was run by this process already.
    pub fn ran(&self, delivery: i64) -> bool {
        self.ran.contains(&delivery)
    }

    fn remember(&mut self, delivery: i64) {
        if self.ran.insert(delivery) {
            self.order.push_back(delivery);
            if self.order.len() > REMEMBERED
                && let Some(old) = self.order.pop_front()
            {
                self.ran.remove(&old);
            }
        }
    }

    /// The installed package the call names, fetched with `fetch` if it
    /// is not here yet; refused unless its SHA-256 is the signed one.
    fn package(
        &self,
        task: &AgentTask,
        fetch: &dyn Fn(&str) -> Result<Vec<u8>, String>,
    ) -> Result<Installed, String> {
        let name = &task.plugin;
        if let Ok(i) = Installed::open(&self.root, name, &task.sha256) {
            return Ok(i);
        }
        let bytes = fetch(name)?;
        let got = cordon_plugin::sha256_hex(&bytes);
        if !got.eq_ignore_ascii_case(&task.sha256) {
            return Err(format!(
                "plug-in `{name}`: the package fetched (sha256 {}…) is not the one the signed call names ({}…); not run",
                got.get(..12).unwrap_or(&got),
                task.sha256.get(..12).unwrap_or(&task.sha256)
            ));
        }
        let package =
            cordon_plugin::read_package(&bytes).map_err(|e| format!("plug-in `{name}`: {e}"))?;
        cordon_plugin::install(&package, &bytes, &self.root)
            .map_err(|e| format!("plug-in `{name}`: {e}"))
    }

    /// Makes one call, unless `stop` is set first (then the plug-in is
    /// killed). `received` is when the answer holding it arrived: a call
    /// is not started once the server has stopped waiting for it.
    pub fn run(
        &mut self,
        task: &AgentTask,
        issued_at: i64,
        received: Instant,
        fetch: &dyn Fn(&str) -> Result<Vec<u8>, String>,
        stop: &AtomicBool,
    ) -> TaskResult {
        self.remember(task.delivery);
        let waits_ms = u64::try_from(task.answer_by.saturating_sub(issued_at)).unwrap_or(0);
        let left = Duration::from_millis(waits_ms).saturating_sub(received.elapsed());
        if left.is_zero() {
            return TaskResult::error(format!(
                "plug-in `{}`: the call was not started before the server stopped waiting for it",
                task.plugin
            ));
        }
        let installed = match self.package(task, fetch) {
            Ok(i) => i,
            Err(e) => return TaskResult::error(e),
        };
        let m = &installed.manifest;
        if m.name != task.plugin || m.runs_on != RunsOn::Agent {
            return TaskResult::error(format!(
                "plug-in `{}`: the package is not an agent plug-in of that name",
                task.plugin
            ));
        }
        if let Err(e) = m.check_params(&task.params) {
            return TaskResult::error(format!("plug-in `{}`: {e}", task.plugin));
        }
        let mut limits =
            RunLimits::for_manifest(m, Duration::from_millis(task.timeout_ms).min(left));
        limits.user = self.user;
        let request = cordon_plugin::Request::new(m, &task.incident, &task.params, &limits);
        let call = cordon_plugin::run(&installed, &request, &limits);
        let outcome = self.rt.block_on(async {
            tokio::select! {
                r = call => Some(r),
                () = stopped(stop) => None,
            }
        });
        match outcome {
            Some(Ok(answer)) => TaskResult::of(&answer),
            Some(Err(e)) => TaskResult::error(e.to_string()),
            // Dropping the call killed its process group.
            None => TaskResult::error(format!(
                "plug-in `{}` was killed: the agent stopped during the call",
                task.plugin
            )),
        }
    }
}

async fn stopped(stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The plug-in thread: every `poll`, asks for this computer's calls, runs
/// them one by one and reports each answer.
pub fn plugin_loop(
    client: &Client,
    runner: &mut Runner,
    computer: &str,
    keys: &dyn Fn() -> Vec<PublicKey>,
    poll: Duration,
    stop: &AtomicBool,
) {
    while !stop.load(Ordering::Relaxed) {
        if let Err(e) = round(client, runner, computer, keys, stop) {
            tracing::debug!("plug-in calls: {e}");
        }
        let until = Instant::now() + poll;
        while Instant::now() < until && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// One ask-run-report round; the number of calls run.
pub fn round(
    client: &Client,
    runner: &mut Runner,
    computer: &str,
    keys: &dyn Fn() -> Vec<PublicKey>,
    stop: &AtomicBool,
) -> Result<usize, String> {
    let keys = keys();
    if keys.is_empty() {
        return Ok(0);
    }
    let text = client.tasks().map_err(|e| e.to_string())?;
    let received = Instant::now();
    let doc = match open_tasks(&text, &keys, computer, now_ms()) {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("{e}");
            return Err(e.to_string());
        }
    };
    let fetch = |name: &str| {
        client
            .plugin_package(name)
            .map_err(|e| format!("plug-in `{name}`: {e}"))
    };
    let mut ran = 0;
    for task in &doc.tasks {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if runner.ran(task.delivery) {
            tracing::warn!(delivery = task.delivery, plugin = %task.plugin, "a plug-in call handed out again was not run twice by this agent");
            continue;
        }
        let started = Instant::now();
        let result = runner.run(task, doc.issued_at, received, &fetch, stop);
        ran += 1;
        tracing::info!(delivery = task.delivery, plugin = %task.plugin, status = %result.status,
            ms = started.elapsed().as_millis() as u64, "plug-in call made");
        match client.report_task(task.delivery, &result) {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                delivery = task.delivery,
                "the server no longer waited for this plug-in call's answer"
            ),
            Err(e) => tracing::warn!(
                delivery = task.delivery,
                "a plug-in call's answer was not delivered: {e}"
            ),
        }
    }
    Ok(ran)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(computer: &str, issued_at: i64) -> Vec<u8> {
        serde_json::to_vec(&AgentTasks {
            computer: computer.into(),
            issued_at,
            tasks: vec![],
        })
        .unwrap()
    }

    #[test]
    fn only_signed_fresh_calls_for_this_computer_are_opened() {
        let key = cordon_bundle::SigningKey::from_seed(&[7; 32]);
        let other = cordon_bundle::SigningKey::from_seed(&[8; 32]);
        let keys = [key.public()];
        let now = 1_700_000_000_000;
        let signed = |by: &cordon_bundle::SigningKey, bytes: &[u8]| {
            by.sign_document(cordon_bundle::TASKS_FORMAT, bytes)
                .unwrap()
        };
        assert!(open_tasks(signed(&key, &doc("pc1", now)).as_bytes(), &keys, "pc1", now).is_ok());
        let e = open_tasks(
            signed(&other, &doc("pc1", now)).as_bytes(),
            &keys,
            "pc1",
            now,
        );
        assert!(matches!(e, Err(TaskError::Signature(_))), "{e:?}");
        let e = open_tasks(signed(&key, &doc("pc2", now)).as_bytes(), &keys, "pc1", now);
        assert!(
            e.as_ref()
                .unwrap_err()
                .to_string()
                .contains("computer `pc2`, this is `pc1`"),
            "{e:?}"
        );
        let old = now - 16 * 60_000;
        let e = open_tasks(signed(&key, &doc("pc1", old)).as_bytes(), &keys, "pc1", now);
        assert!(
            matches!(e, Err(TaskError::Stale { skew_secs: 960 })),
            "{e:?}"
        );
        // A bundle envelope is not a list of calls, though the key is the same.
        let bundle = key
            .sign_document(cordon_bundle::FORMAT, &doc("pc1", now))
            .unwrap();
        assert!(open_tasks(bundle.as_bytes(), &keys, "pc1", now).is_err());
        assert!(open_tasks(b"{}", &keys, "pc1", now).is_err());
    }

    fn package(name: &str, runs_on: &str, script: &str) -> Vec<u8> {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("cordon-plugin.toml"),
            format!(
                "name = \"{name}\"\nversion = \"1\"\nprotocol = 1\nruns_on = \"{runs_on}\"\n\
                 events = [\"*\"]\nexecutable = \"run.sh\"\ntimeout_ms = 5000\n"
            ),
        )
        .unwrap();
        let exe = dir.path().join("run.sh");
        std::fs::write(&exe, script).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        cordon_plugin::pack(dir.path()).unwrap()
    }

    fn task(plugin: &str, sha256: &str) -> AgentTask {
        AgentTask {
            delivery: 9,
            plugin: plugin.into(),
            sha256: sha256.into(),
            params: serde_json::Value::Null,
            incident: serde_json::json!({"id": 1}),
            timeout_ms: 5000,
            answer_by: 1_000 + 65_000,
        }
    }

    #[test]
    fn only_the_package_the_signed_call_names_is_run() {
        let t = tempfile::tempdir().unwrap();
        let mut runner = Runner::new(&t.path().join("plugins"), None).unwrap();
        let good = package(
            "Note",
            "agent",
            "#!/bin/sh\ncat >/dev/null\necho '{\"status\":\"ok\",\"message\":\"noted\"}'\n",
        );
        let evil = package("Note", "agent", "#!/bin/sh\ntouch /tmp/pwned\n");
        let sha = cordon_plugin::sha256_hex(&good);
        let never = AtomicBool::new(false);
        // The server (or someone on the way) gives other bytes: not run,
        // not installed.
        let r = runner.run(
            &task("Note", &sha),
            1_000,
            Instant::now(),
            &|_| Ok(evil.clone()),
            &never,
        );
        assert_eq!(r.status, "error");
        assert!(
            r.message.contains("not the one the signed call names"),
            "{}",
            r.message
        );
        assert!(!t.path().join("plugins/Note").join(&sha).exists());
        // The right bytes: installed and run; the next call needs no fetch.
        let r = runner.run(
            &task("Note", &sha),
            1_000,
            Instant::now(),
            &|_| Ok(good.clone()),
            &never,
        );
        assert_eq!(
            (r.status.as_str(), r.message.as_str()),
            ("ok", "noted"),
            "{r:?}"
        );
        let r = runner.run(
            &task("Note", &sha),
            1_000,
            Instant::now(),
            &|_| Err("offline".into()),
            &never,
        );
        assert_eq!(r.status, "ok", "{r:?}");
        assert!(runner.ran(9));
        // A server plug-in is not run on an endpoint, even when signed.
        let server = package("Ticket", "server", "#!/bin/sh\necho '{}'\n");
        let sha = cordon_plugin::sha256_hex(&server);
        let r = runner.run(
            &task("Ticket", &sha),
            1_000,
            Instant::now(),
            &|_| Ok(server.clone()),
            &never,
        );
        assert!(r.message.contains("not an agent plug-in"), "{r:?}");
    }

    #[test]
    fn a_call_the_server_stopped_waiting_for_is_not_started_and_a_stop_kills_one() {
        let t = tempfile::tempdir().unwrap();
        let mut runner = Runner::new(&t.path().join("plugins"), None).unwrap();
        let slow = package("Slow", "agent", "#!/bin/sh\nsleep 30\n");
        let sha = cordon_plugin::sha256_hex(&slow);
        let never = AtomicBool::new(false);
        let mut late = task("Slow", &sha);
        late.answer_by = 1_000;
        let r = runner.run(&late, 1_000, Instant::now(), &|_| Ok(slow.clone()), &never);
        assert!(r.message.contains("not started"), "{r:?}");
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let s2 = stop.clone();
        let t0 = Instant::now();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            s2.store(true, Ordering::Relaxed);
        });
        let r = runner.run(
            &task("Slow", &sha),
            1_000,
            Instant::now(),
            &|_| Ok(slow.clone()),
            &stop,
        );
        assert!(
            r.message.contains("the agent stopped during the call"),
            "{r:?}"
        );
        assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    }
}
