//! The agent's two loops.
//!
//! - **Enforcement** (the calling thread): wakes on every mount-table
//!   change (`poll` on mountinfo, `POLLPRI`) and at least every
//!   `evaluate_ms`; reads the mounts, finds the removable ones in sysfs,
//!   decides with the policy in force and applies the answer. Time-based
//!   rules (schedules, temporary windows) and connectivity flip without a
//!   replug because every tick decides again.
//! - **Link** (a thread): every `poll_secs`, fetches the bundle (ETag),
//!   verifies it, swaps the policy; sends the heartbeat; uploads the spool.
//!   A failed contact makes the agent offline at once.
//!
//! The policy starts as the cached last good bundle, verified again, so a
//! machine that boots offline enforces from its first tick; with none at
//! all, every removable device gets no access.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use cordon_bundle::{Payload, PublicKey};
use cordon_policy::model::{Computer, DeviceInfo};

use crate::config::Config;
use crate::host::{self, Identity};
use crate::link::{Client, Fetched, Heartbeat};
use crate::mounts::{self, Mount};
use crate::policy::{self, Access, Policy, Verdicts};
use crate::spool::Spool;
use crate::status::{self, DeviceStatus, PolicyStatus, Status};
use crate::{model, sys, sysfs, trust};

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error(transparent)]
    Spool(#[from] crate::spool::SpoolError),
    #[error(transparent)]
    Trust(#[from] trust::TrustError),
    #[error(transparent)]
    Link(#[from] crate::link::LinkError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// What the two loops share.
struct Shared {
    keys: Vec<PublicKey>,
    held: Option<(Payload, String)>,
    policy: Option<Arc<Policy>>,
    online: bool,
    last_contact: Option<chrono::DateTime<Utc>>,
    last_error: Option<String>,
    refused: Vec<String>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the agent did to one mount.
#[derive(Debug, Clone)]
struct Applied {
    access: Access,
    /// The agent made it read-only (so it may make it writable again).
    made_read_only: bool,
    note: String,
}

pub struct Agent {
    cfg: Config,
    shared: Arc<Mutex<Shared>>,
    spool: Arc<Mutex<Spool>>,
    identity: Identity,
    applied: HashMap<u64, Applied>,
    /// USB devices the agent deauthorized, with what it knew of them.
    deauthorized: HashMap<PathBuf, DeviceInfo>,
    devices: Vec<DeviceStatus>,
    /// Mounts (`maj:min mount point`) the agent made read-only, kept in
    /// `readonly.json` so that a restarted agent may still undo them.
    made_ro: std::collections::BTreeSet<String>,
}

fn note_refusal(sh: &mut Shared, why: String) {
    tracing::error!("bundle refused, the last good one stays in force: {why}");
    sh.refused
        .push(format!("{} {why}", Utc::now().to_rfc3339()));
    if sh.refused.len() > 10 {
        sh.refused.remove(0);
    }
}

impl Agent {
    /// Opens the state: trusted keys, the cached bundle (verified), the spool.
    pub fn open(cfg: Config) -> Result<Agent, AgentError> {
        std::fs::create_dir_all(&cfg.state_dir)?;
        let keys = trust::load_keys(&cfg.state_dir)?;
        let spool = Spool::open(&cfg.state_dir.join("spool"), cfg.spool_max_bytes)?;
        let mut sh = Shared {
            keys: keys.clone(),
            held: None,
            policy: None,
            online: false,
            last_contact: None,
            last_error: None,
            refused: Vec::new(),
        };
        match trust::load_cached(&cfg.state_dir, &keys, &cfg.group) {
            Ok(Some(a)) => {
                tracing::info!(serial = a.payload.serial, "enforcing the cached bundle");
                sh.policy = Some(Arc::new(a.policy));
                sh.held = Some((a.payload, a.signed_by));
            }
            Ok(None) => {
                tracing::warn!("no policy yet: removable devices get no access until one arrives")
            }
            Err(e) => note_refusal(&mut sh, format!("cached bundle: {e}")),
        }
        let identity = host::identity(cfg.ou.clone(), cfg.timezone.clone());
        let made_ro = std::fs::read(cfg.state_dir.join("readonly.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Ok(Agent {
            made_ro,
            cfg,
            shared: Arc::new(Mutex::new(sh)),
            spool: Arc::new(Mutex::new(spool)),
            identity,
            applied: HashMap::new(),
            deauthorized: HashMap::new(),
            devices: Vec::new(),
        })
    }

    /// Runs until `stop` is set.
    pub fn run(mut self, stop: Arc<AtomicBool>) -> Result<(), AgentError> {
        let link = {
            let cfg = self.cfg.clone();
            let shared = self.shared.clone();
            let spool = self.spool.clone();
            let identity = self.identity.clone();
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("cordon-agent-link".into())
                .spawn(move || link_loop(&cfg, &shared, &spool, &identity, &stop))?
        };
        let mountinfo = std::fs::File::open(&self.cfg.mountinfo)?;
        while !stop.load(Ordering::Relaxed) {
            self.tick();
            wait_for_mounts(
                &mountinfo,
                Duration::from_millis(self.cfg.evaluate_ms.max(50)),
            );
        }
        let _ = link.join();
        Ok(())
    }

    fn computer(&self, online: bool) -> Computer {
        Computer {
            fqdn: self.identity.fqdn.clone(),
            netbios: self.identity.netbios.clone(),
            ipv4: self.identity.ipv4.first().copied(),
            ou: self.identity.ou.clone(),
            online,
            timezone: self.identity.timezone.clone(),
        }
    }

    /// One pass: every mount of a managed device decided and enforced.
    pub fn tick(&mut self) {
        let (policy, online) = {
            let sh = lock(&self.shared);
            (sh.policy.clone(), sh.online)
        };
        let computer = self.computer(online);
        let users = host::session_users(&self.cfg.sessions_dir);
        let now = Utc::now();
        let text = std::fs::read_to_string(&self.cfg.mountinfo).unwrap_or_default();
        let (mounts, _) = mounts::parse(&text);
        let mut devices = Vec::new();
        let mut seen = Vec::new();
        for m in mounts.iter().filter(|m| m.major != 0) {
            let Some(dev) = sysfs::device(&self.cfg.sysfs_root, m.major, m.minor) else {
                continue;
            };
            if !dev.is_managed() {
                continue;
            }
            seen.push(m.id);
            let info =
                model::device_info(&dev, model::probe_encrypted(&self.cfg.dev_root, &dev.name));
            let verdicts = match &policy {
                Some(p) => p.decide(&info, &users, &computer, now),
                None => policy::undecidable(&info, &users, &computer, "no policy received yet"),
            };
            let changed = self.applied.get(&m.id).map(|a| a.access) != Some(verdicts.access);
            let applied = self.enforce(m, &dev, &verdicts);
            if changed {
                if verdicts.access != Access::ReadWrite
                    && let Some(msg) = verdicts.message.as_deref().filter(|_| verdicts.notify)
                {
                    tracing::warn!(device = %dev.name, mount = %m.mount_point, "{}: {msg}", verdicts.access.as_str());
                }
                self.record(&verdicts, policy.as_deref(), m);
            }
            devices.push(DeviceStatus {
                device: dev.name.clone(),
                mount_point: Some(m.mount_point.clone()),
                model: info.model.clone(),
                instance: info.instance.clone(),
                bus: info.bus.clone(),
                access: verdicts.access,
                message: verdicts.message.clone(),
                enforcement: applied.note.clone(),
            });
            if verdicts.access == Access::NoAccess {
                if let Some(u) = &dev.usb {
                    self.deauthorized.insert(u.dir.clone(), info.clone());
                }
                // Detached: the mount id is gone; a new mount is a new attempt.
                self.applied.remove(&m.id);
            } else {
                self.applied.insert(m.id, applied);
            }
        }
        self.applied.retain(|id, _| seen.contains(id));
        // Devices deauthorized earlier: authorized again when the policy
        // now lets them be read.
        let back: Vec<PathBuf> = self
            .deauthorized
            .iter()
            .filter(|(_, info)| match &policy {
                Some(p) => p.decide(info, &users, &computer, now).access != Access::NoAccess,
                None => false,
            })
            .map(|(d, _)| d.clone())
            .collect();
        for dir in back {
            match sys::set_authorized(&dir, true) {
                Ok(()) => {
                    tracing::info!(device = %dir.display(), "USB device authorized again: the policy allows it now");
                    self.deauthorized.remove(&dir);
                }
                Err(e) => {
                    tracing::error!(device = %dir.display(), "cannot authorize the USB device again: {e}")
                }
            }
        }
        self.devices = devices;
        self.write_status();
    }

    fn enforce(&mut self, m: &Mount, dev: &sysfs::BlockDevice, v: &Verdicts) -> Applied {
        let mp = Path::new(&m.mount_point);
        let prev = self.applied.get(&m.id).cloned();
        let ro_key = format!("{}:{} {}", m.major, m.minor, m.mount_point);
        let made_ro =
            prev.as_ref().is_some_and(|a| a.made_read_only) || self.made_ro.contains(&ro_key);
        match v.access {
            Access::ReadWrite => {
                if made_ro && m.read_only() {
                    match sys::remount_read_write(mp, &m.options) {
                        Ok(()) => {
                            self.note_ro(&ro_key, false);
                            tracing::info!(mount = %m.mount_point, "made writable again");
                            return applied(Access::ReadWrite, false, "made writable again");
                        }
                        Err(e) => {
                            tracing::error!(mount = %m.mount_point, "cannot make it writable again: {e}");
                            return applied(
                                Access::ReadOnly,
                                true,
                                &format!("stays read-only: {e}"),
                            );
                        }
                    }
                }
                applied(Access::ReadWrite, false, "untouched")
            }
            Access::ReadOnly => {
                if m.read_only() {
                    return prev
                        .unwrap_or_else(|| applied(Access::ReadOnly, false, "already read-only"));
                }
                // EBUSY while a file is open for writing: writers are
                // usually brief, so try a few times before detaching.
                let mut result = sys::remount_read_only(mp, &m.options);
                for _ in 0..10 {
                    match &result {
                        Err(e) if e.raw_os_error() == Some(16) => {
                            std::thread::sleep(Duration::from_millis(20));
                            result = sys::remount_read_only(mp, &m.options);
                        }
                        _ => break,
                    }
                }
                match result {
                    Ok(()) => {
                        self.note_ro(&ro_key, true);
                        tracing::info!(mount = %m.mount_point, device = %dev.name, "remounted read-only");
                        applied(Access::ReadOnly, true, "remounted read-only")
                    }
                    Err(e) => {
                        // Never fail open: a mount that cannot be made
                        // read-only (a file open for writing) is detached.
                        tracing::error!(mount = %m.mount_point, "cannot remount read-only ({e}): detaching it");
                        let note = match sys::detach(mp) {
                            Ok(()) => format!("detached: read-only remount failed ({e})"),
                            Err(e2) => {
                                format!("NOT ENFORCED: remount failed ({e}), detach failed ({e2})")
                            }
                        };
                        applied(Access::NoAccess, false, &note)
                    }
                }
            }
            Access::NoAccess => {
                let mut note = match sys::detach(mp) {
                    Ok(()) => "unmounted".to_owned(),
                    Err(e) => format!("NOT ENFORCED: cannot unmount: {e}"),
                };
                if let Some(u) = &dev.usb
                    && u.dir.join("authorized").exists()
                {
                    match sys::set_authorized(&u.dir, false) {
                        Ok(()) => note.push_str("; USB device deauthorized"),
                        Err(e) => note.push_str(&format!("; cannot deauthorize: {e}")),
                    }
                }
                tracing::warn!(mount = %m.mount_point, device = %dev.name, "{note}");
                applied(Access::NoAccess, false, &note)
            }
        }
    }

    fn note_ro(&mut self, key: &str, read_only: bool) {
        let changed = if read_only {
            self.made_ro.insert(key.to_owned())
        } else {
            self.made_ro.remove(key)
        };
        if changed {
            let bytes = serde_json::to_vec(&self.made_ro).unwrap_or_default();
            if let Err(e) = trust::write_private(&self.cfg.state_dir.join("readonly.json"), &bytes)
            {
                tracing::warn!("cannot note the mounts made read-only: {e}");
            }
        }
    }

    fn record(&self, v: &Verdicts, policy: Option<&Policy>, m: &Mount) {
        let now_ms = Utc::now().timestamp_millis();
        let versions: Vec<(String, i64)> = policy
            .map(|p| vec![(p.policy_id.clone(), p.policy_version)])
            .unwrap_or_default();
        let serial = policy.map_or(0, |p| p.serial);
        let mut spool = lock(&self.spool);
        for (event, decision) in &v.decisions {
            let mut event = event.clone();
            event.id = Some(format!("mount:{}", m.mount_point));
            let request_id = uuid::Uuid::new_v4().simple().to_string();
            let views = cordon_record::IncidentBuilder::new(&event, decision, &request_id, now_ms)
                .policies(&versions, serial)
                .caller("agent")
                .build();
            for view in views {
                if let Err(e) = spool.push(&view) {
                    tracing::error!("cannot spool an incident: {e}");
                }
            }
        }
    }

    fn write_status(&self) {
        let sh = lock(&self.shared);
        let s = Status {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            pid: std::process::id(),
            updated_at: Utc::now().to_rfc3339(),
            computer: self.cfg.computer.clone(),
            group: self.cfg.group.clone(),
            policy: sh.held.as_ref().map(|(p, by)| PolicyStatus {
                policy_id: p.policy_id.clone(),
                policy_version: p.policy_version,
                serial: p.serial,
                signed_by: by.clone(),
            }),
            online: sh.online,
            last_contact: sh.last_contact.map(|t| t.to_rfc3339()),
            last_error: sh.last_error.clone(),
            refused: sh.refused.clone(),
            trusted_keys: sh.keys.iter().map(PublicKey::key_id).collect(),
            devices: self.devices.clone(),
            spool: lock(&self.spool).state(),
        };
        drop(sh);
        if let Err(e) = status::write(&self.cfg.state_dir, &s) {
            tracing::warn!("cannot write the status file: {e}");
        }
    }
}

fn applied(access: Access, made_read_only: bool, note: &str) -> Applied {
    Applied {
        access,
        made_read_only,
        note: note.to_owned(),
    }
}

/// Waits for a change of the mount table (mountinfo signals `POLLPRI`)
/// or the timeout.
fn wait_for_mounts(f: &std::fs::File, timeout: Duration) {
    use rustix::event::{PollFd, PollFlags, Timespec};
    let mut fds = [PollFd::new(f, PollFlags::PRI)];
    let ts = Timespec {
        tv_sec: i64::try_from(timeout.as_secs()).unwrap_or(1),
        tv_nsec: i64::from(timeout.subsec_nanos()),
    };
    if rustix::event::poll(&mut fds, Some(&ts)).is_err() {
        std::thread::sleep(timeout);
    }
    // Re-arm: the kernel signals until the file is read again from the start.
    let mut buf = [0u8; 4096];
    use std::io::{Read as _, Seek as _};
    let mut r = f;
    let _ = r.seek(std::io::SeekFrom::Start(0));
    while matches!(r.read(&mut buf), Ok(n) if n > 0) {}
}

fn link_loop(
    cfg: &Config,
    shared: &Mutex<Shared>,
    spool: &Mutex<Spool>,
    identity: &Identity,
    stop: &AtomicBool,
) {
    let client = match Client::new(&cfg.server, cfg.token.clone()) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("no HTTP client: {e}");
            return;
        }
    };
    let mut etag: Option<String> = None;
    while !stop.load(Ordering::Relaxed) {
        let result = contact(cfg, &client, shared, spool, identity, &mut etag);
        {
            let mut sh = lock(shared);
            match result {
                Ok(()) => {
                    if !sh.online {
                        tracing::info!("server reachable: online");
                    }
                    sh.online = true;
                    sh.last_contact = Some(Utc::now());
                    sh.last_error = None;
                }
                Err(e) => {
                    if sh.online {
                        tracing::warn!("server unreachable: offline policies apply ({e})");
                    }
                    sh.online = false;
                    sh.last_error = Some(e.to_string());
                }
            }
        }
        let mut waited = 0;
        while waited < cfg.poll_secs.max(1) * 10 && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
            waited += 1;
        }
    }
}

fn contact(
    cfg: &Config,
    client: &Client,
    shared: &Mutex<Shared>,
    spool: &Mutex<Spool>,
    identity: &Identity,
    etag: &mut Option<String>,
) -> Result<(), AgentError> {
    match client.bundle(&cfg.group, etag.as_deref())? {
        Fetched::NotModified => {}
        Fetched::Bundle { text, etag: tag } => {
            let (keys, held) = {
                let sh = lock(shared);
                (sh.keys.clone(), sh.held.as_ref().map(|(p, _)| p.clone()))
            };
            match trust::accept(&text, &keys, held.as_ref(), &cfg.group) {
                Ok(a) => {
                    trust::save_bundle(&cfg.state_dir, &text)?;
                    if a.keys != keys {
                        trust::save_keys(&cfg.state_dir, &a.keys)?;
                        tracing::info!(keys = ?a.keys, "trusted signing keys changed");
                    }
                    tracing::info!(policy = %a.payload.policy_id, version = a.payload.policy_version, serial = a.payload.serial, "new bundle in force");
                    let mut sh = lock(shared);
                    sh.keys = a.keys;
                    sh.policy = Some(Arc::new(a.policy));
                    sh.held = Some((a.payload, a.signed_by));
                    *etag = tag;
                }
                Err(e) => {
                    // Keep the ETag unset so the next poll fetches again.
                    *etag = None;
                    note_refusal(&mut lock(shared), e.to_string());
                }
            }
        }
    }
    let hb = {
        let sh = lock(shared);
        let st = lock(spool).state();
        Heartbeat {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            fqdn: identity.fqdn.clone(),
            netbios: identity.netbios.clone(),
            ipv4: identity.ipv4.iter().map(ToString::to_string).collect(),
            ou: identity.ou.clone(),
            policy_serial: sh.held.as_ref().map_or(0, |(p, _)| p.serial),
            policy_version: sh.held.as_ref().map_or(0, |(p, _)| p.policy_version),
            trusted_keys: sh.keys.iter().map(PublicKey::key_id).collect(),
            spool_pending: st.pending_bytes,
            spool_dropped: st.dropped,
        }
    };
    client.heartbeat(&hb)?;
    upload(client, spool)?;
    Ok(())
}

/// Uploads the spool in batches until it is empty; the cursor moves only
/// after each batch is acknowledged.
pub fn upload(client: &Client, spool: &Mutex<Spool>) -> Result<usize, AgentError> {
    let mut total = 0;
    loop {
        let (batch, next) = lock(spool).peek(crate::UPLOAD_BATCH);
        if batch.is_empty() {
            // Nothing readable left: skip past unreadable records, if any.
            lock(spool).ack(next)?;
            return Ok(total);
        }
        client.upload(&batch)?;
        total += batch.len();
        lock(spool).ack(next)?;
    }
}
