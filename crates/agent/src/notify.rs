//! Telling the user why: the policy's denied message as a desktop
//! notification on the user's session bus (`org.freedesktop.Notifications`,
//! the interface every Linux desktop's notification daemon serves). The
//! journal and `cordon agent status` always carry it too; this is the
//! part the user sees.
//!
//! The agent runs as root and connects to `<runtime_dir>/<uid>/bus`
//! directly (a session bus admits its owner and root). A notifier thread
//! sends them, so a slow or absent bus never delays enforcement; the same
//! message to the same user is shown at most once a minute (an
//! application retrying a refused write must not flood the desktop).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender};
use std::time::{Duration, Instant};

/// One message for one user.
#[derive(Debug, Clone)]
pub struct Notice {
    pub uid: u32,
    pub summary: String,
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("user {uid} has no session bus at {path}")]
    NoBus { uid: u32, path: PathBuf },
    #[error("the session bus of user {uid}: {source}")]
    Bus { uid: u32, source: zbus::Error },
}

/// The session bus path of `uid`.
pub fn bus_path(runtime_dir: &Path, uid: u32) -> PathBuf {
    runtime_dir.join(uid.to_string()).join("bus")
}

/// Shows one notification; `Ok` carries the notification's id.
pub fn send(runtime_dir: &Path, n: &Notice) -> Result<u32, NotifyError> {
    let path = bus_path(runtime_dir, n.uid);
    if !path.exists() {
        return Err(NotifyError::NoBus { uid: n.uid, path });
    }
    let bus = |source| NotifyError::Bus { uid: n.uid, source };
    let address = format!("unix:path={}", path.display());
    let conn = zbus::blocking::connection::Builder::address(address.as_str())
        .map_err(bus)?
        .method_timeout(Duration::from_secs(5))
        .build()
        .map_err(bus)?;
    let hints: HashMap<&str, zbus::zvariant::Value<'_>> =
        HashMap::from([("urgency", zbus::zvariant::Value::U8(2))]);
    let reply = conn
        .call_method(
            Some("org.freedesktop.Notifications"),
            "/org/freedesktop/Notifications",
            Some("org.freedesktop.Notifications"),
            "Notify",
            &(
                "Cordon",
                0u32,
                "drive-removable-media",
                n.summary.as_str(),
                n.body.as_str(),
                Vec::<&str>::new(),
                hints,
                -1i32,
            ),
        )
        .map_err(bus)?;
    reply.body().deserialize::<u32>().map_err(bus)
}

/// Starts the notifier thread; notices beyond `capacity` waiting are
/// dropped (the journal has them).
pub fn start(runtime_dir: PathBuf, capacity: usize) -> std::io::Result<SyncSender<Notice>> {
    let (tx, rx) = std::sync::mpsc::sync_channel(capacity);
    std::thread::Builder::new()
        .name("cordon-agent-notify".into())
        .spawn(move || run(&runtime_dir, &rx))?;
    Ok(tx)
}

fn run(runtime_dir: &Path, rx: &Receiver<Notice>) {
    let mut shown: HashMap<(u32, String), Instant> = HashMap::new();
    while let Ok(n) = rx.recv() {
        shown.retain(|_, at| at.elapsed() < Duration::from_secs(60));
        let key = (n.uid, format!("{}\n{}", n.summary, n.body));
        if shown.contains_key(&key) {
            continue;
        }
        shown.insert(key, Instant::now());
        match send(runtime_dir, &n) {
            Ok(id) => tracing::debug!(uid = n.uid, id, "desktop notification shown"),
            Err(e @ NotifyError::NoBus { .. }) => tracing::debug!("no desktop notification: {e}"),
            Err(e) => tracing::warn!("no desktop notification: {e}"),
        }
    }
}
