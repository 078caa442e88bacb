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

use crate::config::{Config, WriteGuard};
use crate::guard::{self, Denial, Guard, Volume};
use crate::host::{self, Identity};
use crate::link::{Client, Fetched, Heartbeat};
use crate::mounts::{self, Mount};
use crate::notify::{self, Notice};
use crate::policy::{self, Access, Policy, Verdicts};
use crate::spool::Spool;
use crate::status::{self, DeviceStatus, GuardStatus, PolicyStatus, Status};
use crate::syslog::Forwarder;
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

/// Copies waiting for a justification (`cordon agent justify`), in the
/// state directory: a restart does not lose them.
const WAITING: &str = "waiting-justifications.json";

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the agent did to one mount.
#[derive(Debug, Clone)]
struct Applied {
    access: Access,
    /// The agent made it read-only (so it may make it writable again).
    made_read_only: bool,
    /// Guarded by fanotify: the filesystem's device number and mount point.
    guarded: Option<(u64, String)>,
    /// Read-only by a remount, and guarded only to see reads
    /// ([`Daemon::read_only_and_watched`]).
    watching_reads: bool,
    note: String,
}

/// A medium covered by the guard filesystem.
struct Gated {
    gate: cordon_medium::Gate,
    mount_point: String,
    encrypt_first: bool,
    /// The fanotify guard's mark on the medium's filesystem, if set.
    guarded: Option<(u64, String)>,
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
    /// The fanotify guard, when it runs (see [`crate::guard`]).
    guard: Option<Guard>,
    /// Guard filesystems over writable media whose files are inspected
    /// (`removableMedia` in the policy), by mount id.
    gates: HashMap<u64, Gated>,
    notices: Option<std::sync::mpsc::SyncSender<Notice>>,
    /// The latest messages shown to users, for `status`.
    notes: Arc<Mutex<std::collections::VecDeque<String>>>,
    /// What sysfs says of each block device (`major:minor`), read again
    /// when the kernel announces a change or the mount table changes.
    cache: HashMap<(u32, u32), Option<(sysfs::BlockDevice, DeviceInfo)>>,
    /// The managed block devices present, mounted or not.
    present: Vec<(u32, u32)>,
    /// Read sysfs again at the next tick.
    rescan: bool,
    /// The SHA-256 of the agent's own program (hardening lets it in).
    /// Hashed when hardening first needs it: hashing the program (half a
    /// GB in a debug build) must not delay the first decisions.
    own_sha256: std::cell::OnceCell<Option<String>>,
    /// Hardening as last applied.
    hardened: Option<Vec<String>>,
    /// The status last written (without its time) and when.
    last_status: Option<Status>,
    status_at: std::time::Instant,
    /// Copies stopped by exception rules, waiting for `cordon agent
    /// justify` on the control socket.
    exceptions: crate::control::SharedBook,
    /// The passphrases users gave with `cordon agent passphrase`, in
    /// memory only.
    passphrases: crate::passphrase::SharedPassphrases,
    /// Sends what the spool records to option 67's syslog server.
    syslog: Forwarder,
    /// Option 67's value as last applied.
    syslog_value: Option<String>,
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
        // A bad `ca_file` stops the agent at start, saying which and why.
        Client::with_ca(&cfg.server, cfg.token.clone(), cfg.ca_file.as_deref())?;
        let keys = trust::load_keys(&cfg.state_dir)?;
        let mut spool = Spool::open(&cfg.state_dir.join("spool"), cfg.spool_max_bytes)?;
        let syslog = Forwarder::start(&cfg.computer, cfg.ca_file.clone(), crate::syslog::QUEUE)?;
        spool.forward_to(syslog.clone());
        match shadow_store(&cfg).recover() {
            Ok(0) => {}
            Ok(n) => tracing::warn!("removed {n} shadow copies a crash left half-written"),
            Err(e) => tracing::warn!("{e}"),
        }
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
                if let Some(content) = a.policy.content.as_ref() {
                    match content.restore_justifications(&cfg.state_dir, Utc::now()) {
                        Ok(0) => {}
                        Ok(n) => {
                            tracing::info!("{n} open justification windows kept from the last run")
                        }
                        Err(e) => tracing::warn!("justification windows not restored: {e}"),
                    }
                }
                sh.policy = Some(Arc::new(a.policy));
                sh.held = Some((a.payload, a.signed_by));
            }
            Ok(None) => {
                tracing::warn!("no policy yet: removable devices get no access until one arrives")
            }
            Err(e) => note_refusal(&mut sh, format!("cached bundle: {e}")),
        }
        let identity = host::identity(cfg.ou.clone(), cfg.timezone.clone());
        let exceptions = Arc::new(Mutex::new(crate::control::Book::kept_in(
            &cfg.state_dir.join(WAITING),
        )));
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
            guard: None,
            gates: HashMap::new(),
            notices: None,
            notes: Arc::new(Mutex::new(std::collections::VecDeque::new())),
            cache: HashMap::new(),
            present: Vec::new(),
            rescan: true,
            own_sha256: std::cell::OnceCell::new(),
            hardened: None,
            last_status: None,
            status_at: std::time::Instant::now(),
            exceptions,
            passphrases: Arc::default(),
            syslog,
            syslog_value: None,
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
        let plugins = if self.cfg.plugins {
            let cfg = self.cfg.clone();
            let shared = self.shared.clone();
            let stop = stop.clone();
            Some(
                std::thread::Builder::new()
                    .name("cordon-agent-plugins".into())
                    .spawn(move || plugin_thread(&cfg, &shared, &stop))?,
            )
        } else {
            None
        };
        let control = {
            let shared = self.shared.clone();
            let justify = crate::content::justifier(
                Arc::new(move || lock(&shared).policy.clone()),
                self.spool.clone(),
                self.cfg.state_dir.clone(),
            );
            let shared = self.shared.clone();
            let passphrase_ttl: crate::control::PassphraseTtl = Arc::new(move || {
                let policy = lock(&shared).policy.clone()?;
                let content = policy.content.as_ref()?;
                (content.spec.passphrase == cordon_policy::media::PassphraseMode::Prompt)
                    .then(|| content.spec.passphrase_ttl())
            });
            let ctl = crate::control::Control {
                book: self.exceptions.clone(),
                justify,
                passphrases: self.passphrases.clone(),
                passphrase_ttl,
            };
            match crate::control::serve(&self.cfg.control_socket, ctl, stop.clone()) {
                Ok(h) => Some(h),
                Err(e) => {
                    tracing::warn!(socket = %self.cfg.control_socket.display(), "no control socket, so no justifications or passphrases: {e}");
                    None
                }
            }
        };
        match notify::start(self.cfg.runtime_dir.clone(), 64) {
            Ok(tx) => self.notices = Some(tx),
            Err(e) => tracing::warn!("no desktop notifications: {e}"),
        }
        let mut recorder = None;
        let mut read_shadower = None;
        if self.cfg.write_guard != WriteGuard::Remount {
            let (tx, rx) = std::sync::mpsc::sync_channel(4096);
            let (reads_tx, reads_rx) = std::sync::mpsc::sync_channel(1024);
            match Guard::start(tx, Some(reads_tx), stop.clone()) {
                Ok(g) => {
                    self.guard = Some(g);
                    let spool = self.spool.clone();
                    let notices = self.notices.clone();
                    let notes = self.notes.clone();
                    recorder = Some(
                        std::thread::Builder::new()
                            .name("cordon-agent-record".into())
                            .spawn(move || record_denials(&rx, &spool, notices.as_ref(), &notes))?,
                    );
                    let spool = self.spool.clone();
                    let store = shadow_store(&self.cfg);
                    read_shadower = Some(
                        std::thread::Builder::new()
                            .name("cordon-agent-reads".into())
                            .spawn(move || shadow_guarded_reads(&reads_rx, &spool, &store))?,
                    );
                }
                Err(e) => tracing::warn!("{e}"),
            }
        }
        let mountinfo = std::fs::File::open(&self.cfg.mountinfo)?;
        let monitor = match crate::uevent::Monitor::open() {
            Ok(m) => Some(m),
            Err(e) => {
                tracing::warn!("no kernel uevents ({e}): devices are found at each evaluation");
                None
            }
        };
        while !stop.load(Ordering::Relaxed) {
            self.tick();
            let changed = wait_for_changes(
                &mountinfo,
                monitor.as_ref(),
                Duration::from_millis(self.cfg.evaluate_ms.max(50)),
            );
            // Without uevents nothing says a device came: look every tick.
            self.rescan |= changed || monitor.is_none();
        }
        let _ = link.join();
        if let Some(p) = plugins {
            let _ = p.join();
        }
        if let Some(c) = control {
            let _ = c.join();
        }
        self.close_gates();
        self.close_guards();
        // Dropping the guard joins its thread, which closes the denials'
        // channel, which ends the recorder.
        drop(self.guard.take());
        if let Some(r) = recorder {
            let _ = r.join();
        }
        if let Some(r) = read_shadower {
            let _ = r.join();
        }
        // Last, once nothing records any more: what is queued for syslog
        // gets `syslog_flush_ms` to be sent (logged: how many sent, how
        // many dropped).
        self.syslog
            .shutdown(Duration::from_millis(self.cfg.syslog_flush_ms));
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
        let mounts = mounts::resolve_fuse_sources(mounts);
        if std::mem::take(&mut self.rescan) {
            self.scan();
        }
        self.gates_unmounted_by_users(&mounts);
        self.harden(policy.as_deref(), &computer);
        self.follow_syslog(policy.as_deref(), &computer);
        let mut devices = Vec::new();
        let mut seen = Vec::new();
        for m in mounts.iter().filter(|m| m.major != 0) {
            let Some((dev, info)) = self.lookup(m.major, m.minor) else {
                continue;
            };
            seen.push(m.id);
            let verdicts = match &policy {
                Some(p) => p.decide(&info, &users, &computer, now),
                None => policy::undecidable(&info, &users, &computer, "no policy received yet"),
            };
            let changed = self.applied.get(&m.id).map(|a| a.access) != Some(verdicts.access);
            let volume = Volume {
                mount_point: m.mount_point.clone(),
                device: info.clone(),
                device_name: dev.name.clone(),
                policy: policy.clone(),
                computer: computer.clone(),
                through_gate: false,
                shadow_reads: policy.as_ref().is_some_and(|p| p.shadows_reads()),
            };
            // Covered when anybody may write and the policy inspects: on
            // a stick shared by users with different rights, the guard
            // keeps everybody off the filesystem underneath and the
            // cover's judge refuses the writes of those who may only read.
            let anyone_writes = verdicts.access == Access::ReadWrite
                || verdicts
                    .per_user
                    .iter()
                    .any(|(_, a)| *a == Access::ReadWrite);
            // Users who differ need the guard underneath the cover.
            let coverable = verdicts.access == Access::ReadWrite || self.guard.is_some();
            let want_gate =
                anyone_writes && coverable && policy.as_ref().is_some_and(|p| p.content.is_some());
            if !want_gate {
                self.ungate(m.id, "the policy no longer asks for inspection");
            }
            let enforced = if want_gate {
                Volume {
                    through_gate: true,
                    shadow_reads: false,
                    ..volume.clone()
                }
            } else {
                volume.clone()
            };
            let mut applied = self.enforce(m, &dev, &verdicts, enforced);
            let covered_guard = applied.guarded.is_some() && applied.access == Access::ReadOnly;
            if want_gate && (applied.access == Access::ReadWrite || covered_guard) {
                applied.note = self.gate(m, &dev, &info, &computer, policy.as_deref(), volume);
            } else if want_gate && self.gates.contains_key(&m.id) {
                // The guard underneath failed: the cover goes, and the
                // most restrictive answer is enforced on the medium itself
                // (not on the cover, which hid it).
                self.ungate(m.id, "the medium could not be guarded underneath");
                applied = self.enforce(m, &dev, &verdicts, volume.clone());
            }
            if changed {
                if verdicts.access != Access::ReadWrite
                    && let Some(msg) = verdicts.message.as_deref().filter(|_| verdicts.notify)
                {
                    tracing::warn!(device = %dev.name, mount = %m.mount_point, "{}: {msg}", verdicts.access.as_str());
                    self.tell_users(&verdicts, &m.mount_point, msg);
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
                users: verdicts.per_user.clone(),
                guarded: applied.guarded.is_some(),
            });
            if applied.access == Access::NoAccess && applied.guarded.is_none() {
                if let Some(u) = &dev.usb {
                    self.deauthorized.insert(u.dir.clone(), info.clone());
                }
                // Detached: the mount id is gone; a new mount is a new attempt.
                self.applied.remove(&m.id);
            } else {
                self.applied.insert(m.id, applied);
            }
        }
        // Mounts gone since the last tick: their guards go with them.
        let gone: Vec<u64> = self
            .applied
            .keys()
            .filter(|id| !seen.contains(id))
            .copied()
            .collect();
        for id in gone {
            self.ungate(id, "the medium is gone");
            if let Some(Applied {
                guarded: Some((devno, mp)),
                ..
            }) = self.applied.remove(&id)
                && let Some(g) = &self.guard
            {
                g.release(devno, &mp);
                tracing::info!(mount = %mp, "no longer guarded: the mount is gone");
            }
        }
        if let Some(g) = &self.guard {
            // Time and connectivity may have changed every user's answer.
            g.refresh();
        }
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
        // Devices present but not mounted: one with no access for anybody
        // is deauthorized at once, before anything mounts it.
        let mounted: Vec<(u32, u32)> = mounts.iter().map(|m| (m.major, m.minor)).collect();
        for key in self.present.clone() {
            if mounted.contains(&key) {
                continue;
            }
            let Some((dev, info)) = self.lookup(key.0, key.1) else {
                continue;
            };
            let verdicts = match &policy {
                Some(p) => p.decide(&info, &users, &computer, now),
                None => policy::undecidable(&info, &users, &computer, "no policy received yet"),
            };
            let enforcement = self.enforce_unmounted(&dev, &info, &verdicts, policy.as_deref());
            devices.push(DeviceStatus {
                device: dev.name.clone(),
                mount_point: None,
                model: info.model.clone(),
                instance: info.instance.clone(),
                bus: info.bus.clone(),
                access: verdicts.access,
                message: verdicts.message.clone(),
                enforcement,
                users: verdicts.per_user.clone(),
                guarded: false,
            });
        }
        self.devices = devices;
        self.write_status();
    }

    /// Seed 004's hardening (option 58 = 1 in the policy's options for
    /// this computer): the state directory and the spool opened only by
    /// the agent's program and the policy's trusted applications.
    fn harden(&mut self, policy: Option<&Policy>, computer: &Computer) {
        let Some(g) = &self.guard else { return };
        let want = policy
            .filter(|p| {
                p.device_control()
                    .effective_options(computer)
                    .get(&58)
                    .is_some_and(|v| v.trim() == "1")
            })
            .map(|p| {
                let mut t = p.device_control().trusted_sha256();
                t.extend(
                    self.own_sha256
                        .get_or_init(|| guard::sha256_file(Path::new("/proc/self/exe")))
                        .clone(),
                );
                t
            });
        if want == self.hardened {
            return;
        }
        let h = want.clone().map(|trusted| guard::Hardening {
            dirs: vec![self.cfg.state_dir.clone(), self.cfg.state_dir.join("spool")],
            devs: Vec::new(),
            trusted,
        });
        match g.harden(h) {
            Ok(()) => {
                match &want {
                    Some(t) => tracing::info!(
                        trusted = t.len(),
                        "hardening on: the agent's files are closed to other programs"
                    ),
                    None => tracing::info!("hardening off"),
                }
                self.hardened = want;
            }
            Err(e) => tracing::error!("hardening: {e}"),
        }
    }

    /// Option 67 for this computer: the syslog server the spool's
    /// incidents are copied to, followed when a policy changes it. An
    /// invalid value (a bundle from a server that did not check it) is
    /// logged with the policy it came from and in the status; the agent
    /// goes on without syslog.
    fn follow_syslog(&mut self, policy: Option<&Policy>, computer: &Computer) {
        let value = policy.and_then(|p| {
            p.device_control()
                .effective_options(computer)
                .get(&cordon_devctl::tables::OPTION_SYSLOG_SERVER)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        });
        if value == self.syslog_value {
            return;
        }
        self.syslog_value.clone_from(&value);
        let Some(v) = value else {
            self.syslog.configure(None);
            return;
        };
        match cordon_devctl::parse_syslog_server(&v) {
            Ok(t) => self.syslog.configure(Some(t)),
            Err(e) => {
                let (id, version) = policy.map_or((String::new(), 0), |p| {
                    (p.policy_id.clone(), p.policy_version)
                });
                let why =
                    format!("policy `{id}` version {version}, option 67 (SyslogServer): `{v}` {e}");
                tracing::error!("{why}: events are not sent to syslog");
                self.syslog.refuse(why);
            }
        }
    }

    /// A managed device's identity, from the cache or sysfs.
    fn lookup(&mut self, major: u32, minor: u32) -> Option<(sysfs::BlockDevice, DeviceInfo)> {
        let (root, dev_root) = (&self.cfg.sysfs_root, &self.cfg.dev_root);
        self.cache
            .entry((major, minor))
            .or_insert_with(|| {
                let dev =
                    sysfs::device(root, major, minor).filter(sysfs::BlockDevice::is_managed)?;
                let info = model::device_info(&dev, model::probe_encrypted(dev_root, &dev.name));
                Some((dev, info))
            })
            .clone()
    }

    /// Reads sysfs again: every block device (`<sysfs>/dev/block`), the
    /// managed ones kept in `present`.
    fn scan(&mut self) {
        self.cache.clear();
        let mut present = Vec::new();
        if let Ok(entries) = std::fs::read_dir(self.cfg.sysfs_root.join("dev/block")) {
            for e in entries.flatten() {
                let name = e.file_name();
                let Some((maj, min)) = name.to_str().and_then(|n| n.split_once(':')) else {
                    continue;
                };
                let (Ok(maj), Ok(min)) = (maj.parse::<u32>(), min.parse::<u32>()) else {
                    continue;
                };
                if self.lookup(maj, min).is_some() {
                    present.push((maj, min));
                }
            }
        }
        present.sort_unstable();
        self.present = present;
    }

    /// A device nobody may use is deauthorized while it is not mounted
    /// (mounted ones are handled with their mount).
    fn enforce_unmounted(
        &mut self,
        dev: &sysfs::BlockDevice,
        info: &DeviceInfo,
        v: &Verdicts,
        policy: Option<&Policy>,
    ) -> String {
        if v.access != Access::NoAccess {
            return "not mounted".to_owned();
        }
        let Some(u) = &dev.usb else {
            return "not mounted; it will be detached if mounted".to_owned();
        };
        if self.deauthorized.contains_key(&u.dir) {
            return "USB device deauthorized".to_owned();
        }
        if !u.dir.join("authorized").exists() {
            return "not mounted; no `authorized` switch to turn off".to_owned();
        }
        match sys::set_authorized(&u.dir, false) {
            Ok(()) => {
                tracing::warn!(device = %dev.name, usb = %u.dir.display(), "USB device deauthorized on arrival");
                self.deauthorized.insert(u.dir.clone(), info.clone());
                let mut spool = lock(&self.spool);
                for (event, decision) in &v.decisions {
                    let mut event = event.clone();
                    event.id = Some(format!("device:{}", dev.name));
                    spool_incident(&mut spool, &event, decision, policy);
                }
                drop(spool);
                if let Some(msg) = v.message.as_deref().filter(|_| v.notify) {
                    self.tell_users(v, &format!("/dev/{}", dev.name), msg);
                }
                "USB device deauthorized".to_owned()
            }
            Err(e) => format!("NOT ENFORCED: cannot deauthorize: {e}"),
        }
    }

    fn enforce(
        &mut self,
        m: &Mount,
        dev: &sysfs::BlockDevice,
        v: &Verdicts,
        volume: Volume,
    ) -> Applied {
        let mp = Path::new(&m.mount_point);
        let prev = self.applied.get(&m.id).cloned();
        let ro_key = format!("{}:{} {}", m.major, m.minor, m.mount_point);
        let made_ro =
            prev.as_ref().is_some_and(|a| a.made_read_only) || self.made_ro.contains(&ro_key);
        let devno = guard::dev(m.major, m.minor);
        let watched = prev.as_ref().is_some_and(|a| a.watching_reads);
        // A guard that only watched reads is not a reason to stay guarded.
        let was_guarded = prev.as_ref().is_some_and(|a| a.guarded.is_some()) && !watched;
        let uniform = v.per_user.iter().all(|(_, a)| *a == v.access);
        // Read-only for everybody, and reads shadowed: the remount stops
        // every change, the guard sees every read.
        if v.access == Access::ReadOnly
            && uniform
            && volume.shadow_reads
            && self.guard.is_some()
            && self.cfg.write_guard != WriteGuard::Fanotify
        {
            return self
                .read_only_and_watched(m, mp, dev, v, made_ro, &ro_key, prev, devno, volume);
        }
        // Writable by everybody without inspection: the guard is there
        // only to see reads the policy shadows (inspection's guard
        // filesystem shadows its own).
        let watch_reads =
            volume.shadow_reads && volume.policy.as_ref().is_some_and(|p| p.content.is_none());
        let want_guard = self.guard.is_some()
            && match v.access {
                Access::ReadWrite => watch_reads,
                // Someone may still use it: refuse the others per open.
                Access::NoAccess => !uniform,
                Access::ReadOnly => {
                    !uniform || was_guarded || self.cfg.write_guard == WriteGuard::Fanotify
                }
            };
        if want_guard {
            match self.guard_volume(m, v.access, devno, volume.clone(), made_ro, &ro_key) {
                Ok(a) => return a,
                Err(e) => {
                    tracing::error!(mount = %m.mount_point, "{e}: the most restrictive answer applies to everybody")
                }
            }
        } else if (was_guarded || watched)
            && let Some(g) = &self.guard
        {
            g.release(devno, &m.mount_point);
            tracing::info!(mount = %m.mount_point, "no longer guarded");
        }
        self.enforce_mount(m, mp, dev, v, made_ro, &ro_key, prev, (devno, volume))
    }

    /// [`Daemon::enforce`] for a medium read-only for everybody whose
    /// reads are shadowed: remounted read-only as any other, and marked by
    /// the fanotify guard, which lets reads through and hands each to be
    /// shadowed.
    #[allow(clippy::too_many_arguments)]
    fn read_only_and_watched(
        &mut self,
        m: &Mount,
        mp: &Path,
        dev: &sysfs::BlockDevice,
        v: &Verdicts,
        made_ro: bool,
        ro_key: &str,
        prev: Option<Applied>,
        devno: u64,
        volume: Volume,
    ) -> Applied {
        let mut a = self.enforce_mount(
            m,
            mp,
            dev,
            v,
            made_ro,
            ro_key,
            prev,
            (devno, volume.clone()),
        );
        if a.access != Access::ReadOnly {
            return a;
        }
        // Every tick: the guard decides with this evaluation's policy.
        if let Some(g) = &self.guard {
            match g.protect(devno, volume) {
                Ok(()) => {
                    if !a.watching_reads {
                        a.note
                            .push_str("; reads shadowed through the fanotify guard");
                    }
                    a.guarded = Some((devno, m.mount_point.clone()));
                    a.watching_reads = true;
                }
                Err(e) => {
                    tracing::warn!(mount = %m.mount_point, "reads on this medium are not shadowed: {e}");
                    a.note.push_str(&format!("; reads not shadowed: {e}"));
                }
            }
        }
        a
    }

    /// Guards the volume by fanotify; a mount the agent had made read-only
    /// becomes writable again once the guard is in place (the guard now
    /// refuses the writes of those who may not write).
    fn guard_volume(
        &mut self,
        m: &Mount,
        access: Access,
        devno: u64,
        volume: Volume,
        made_ro: bool,
        ro_key: &str,
    ) -> Result<Applied, guard::GuardError> {
        let Some(g) = &self.guard else {
            return Err(guard::GuardError::Init(nix::errno::Errno::ENOSYS));
        };
        let first = !g.guarded().contains(&devno);
        g.protect(devno, volume)?;
        let mut note = "guarded by fanotify: each open decided for its user".to_owned();
        if made_ro && m.read_only() {
            match sys::remount_read_write(Path::new(&m.mount_point), &m.options) {
                Ok(()) => self.note_ro(ro_key, false),
                Err(e) => note = format!("guarded by fanotify, and still read-only: {e}"),
            }
        }
        if first {
            tracing::info!(mount = %m.mount_point, "{note}");
        }
        Ok(Applied {
            access,
            made_read_only: false,
            guarded: Some((devno, m.mount_point.clone())),
            watching_reads: false,
            note,
        })
    }

    /// Enforces one answer for everybody on the mount itself.
    #[allow(clippy::too_many_arguments)]
    fn enforce_mount(
        &mut self,
        m: &Mount,
        mp: &Path,
        dev: &sysfs::BlockDevice,
        v: &Verdicts,
        made_ro: bool,
        ro_key: &str,
        prev: Option<Applied>,
        (devno, volume): (u64, Volume),
    ) -> Applied {
        match v.access {
            Access::ReadWrite => {
                if made_ro && m.read_only() {
                    match sys::remount_read_write(mp, &m.options) {
                        Ok(()) => {
                            self.note_ro(ro_key, false);
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
                        self.note_ro(ro_key, true);
                        tracing::info!(mount = %m.mount_point, device = %dev.name, "remounted read-only");
                        applied(Access::ReadOnly, true, "remounted read-only")
                    }
                    Err(e) => {
                        // A file open for writing: the guard can still
                        // refuse every new write.
                        if self.guard.is_some() {
                            match self.guard_volume(m, v.access, devno, volume, made_ro, ro_key) {
                                Ok(mut a) => {
                                    a.note = format!(
                                        "guarded by fanotify: the read-only remount was refused ({e})"
                                    );
                                    tracing::warn!(mount = %m.mount_point, "{}", a.note);
                                    return a;
                                }
                                Err(ge) => tracing::error!(mount = %m.mount_point, "{ge}"),
                            }
                        }
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
        let mut spool = lock(&self.spool);
        for (event, decision) in &v.decisions {
            let mut event = event.clone();
            event.id = Some(format!("mount:{}", m.mount_point));
            spool_incident(&mut spool, &event, decision, policy);
        }
    }

    /// The denied message for every session user the answer restricts.
    fn tell_users(&self, v: &Verdicts, mount_point: &str, msg: &str) {
        let Some(tx) = &self.notices else { return };
        for (user, access) in &v.per_user {
            if *access == Access::ReadWrite {
                continue;
            }
            let Ok(Some(u)) = nix::unistd::User::from_name(user) else {
                continue;
            };
            let _ = tx.try_send(Notice {
                uid: u.uid.as_raw(),
                summary: format!("USB storage: {}", access.as_str()),
                body: format!("{msg}\n{mount_point}"),
            });
        }
        self.note(format!("{mount_point}: {} — {msg}", v.access.as_str()));
    }

    fn note(&self, text: String) {
        push_note(&self.notes, text);
    }

    /// Stopping: the guard's marks go with the agent, so each guarded
    /// mount gets the most restrictive answer on the mount itself until
    /// the agent is back (never fail open).
    /// Covers a writable medium with the guard filesystem (once), so that
    /// every file written to it is inspected before it is there in clear.
    /// Returns the enforcement note.
    fn gate(
        &mut self,
        m: &Mount,
        dev: &sysfs::BlockDevice,
        info: &DeviceInfo,
        computer: &Computer,
        policy: Option<&Policy>,
        volume: Volume,
    ) -> String {
        let content = policy.and_then(|p| p.content.clone());
        let encrypt_first = content.as_ref().is_some_and(|c| c.spec.encrypt_first);
        if let Some(g) = self.gates.get(&m.id) {
            if g.encrypt_first == encrypt_first {
                return gate_note(encrypt_first);
            }
            // The mode changed: cover it again.
            self.ungate(m.id, "the policy changed its mode");
        }
        let mode = match content.as_ref().and_then(|c| c.org_seal()) {
            Some(seal) if encrypt_first => cordon_medium::Mode::EncryptFirst(seal),
            _ => cordon_medium::Mode::Hold,
        };
        let encrypt_first = matches!(mode, cordon_medium::Mode::EncryptFirst(_));
        let shared = self.shared.clone();
        let judge = crate::content::MediumJudge::new(
            Arc::new(move || lock(&shared).policy.clone()),
            info.clone(),
            dev.name.clone(),
            m.mount_point.clone(),
            computer.clone(),
            self.spool.clone(),
            self.notices.clone(),
            self.notes.clone(),
        )
        .with_shadows(shadow_store(&self.cfg))
        .with_exceptions(self.exceptions.clone())
        .with_passphrases(self.passphrases.clone());
        let opts = cordon_medium::GateOptions {
            mode,
            staging: self
                .cfg
                .state_dir
                .join("staging")
                .join(staging_name(&dev.name, info)),
            threads: 2,
            settlers: 2,
            fs_name: GATE_FS_NAME.into(),
        };
        // Writes past the gate (a process whose working directory was
        // inside the medium before it was covered) are refused by the
        // fanotify guard: only the agent writes to the filesystem. The
        // mark goes on before the gate hides the mount point.
        let mut guarded = None;
        if !m.fstype.starts_with("fuse")
            && let Some(g) = &self.guard
        {
            let devno = guard::dev(m.major, m.minor);
            // Reads through the gate are the gate's to shadow.
            let v = Volume {
                through_gate: true,
                shadow_reads: false,
                ..volume
            };
            match g.protect(devno, v) {
                Ok(()) => guarded = Some((devno, m.mount_point.clone())),
                Err(e) => {
                    tracing::warn!(mount = %m.mount_point, "writes past the guard filesystem are not refused: {e}")
                }
            }
        }
        match cordon_medium::Gate::mount(Path::new(&m.mount_point), Arc::new(judge), opts) {
            Ok(gate) => {
                tracing::info!(mount = %m.mount_point, device = %dev.name, encrypt_first, "medium covered: files written to it are inspected first");
                self.gates.insert(
                    m.id,
                    Gated {
                        gate,
                        mount_point: m.mount_point.clone(),
                        encrypt_first,
                        guarded,
                    },
                );
                gate_note(encrypt_first)
            }
            Err(e) => {
                if let (Some((devno, mp)), Some(g)) = (&guarded, &self.guard) {
                    g.release(*devno, mp);
                }
                // Never fail open: a medium whose writes cannot be
                // inspected is made read-only.
                tracing::error!(mount = %m.mount_point, "{e}: made read-only instead");
                let key = format!("{}:{} {}", m.major, m.minor, m.mount_point);
                match sys::remount_read_only(Path::new(&m.mount_point), &m.options) {
                    Ok(()) => {
                        self.note_ro(&key, true);
                        format!("read-only: {e}")
                    }
                    Err(e2) => format!("NOT ENFORCED: {e}; read-only remount failed: {e2}"),
                }
            }
        }
    }

    /// Takes the guard filesystem off a medium (files being decided are
    /// settled first).
    fn ungate(&mut self, id: u64, why: &str) {
        if let Some(g) = self.gates.remove(&id) {
            let mp = g.mount_point.clone();
            match g.gate.unmount() {
                Ok(()) => tracing::info!(mount = %mp, "medium uncovered: {why}"),
                Err(e) => tracing::error!(mount = %mp, "{e}"),
            }
            if let (Some((devno, mp)), Some(guard)) = (&g.guarded, &self.guard) {
                guard.release(*devno, mp);
            }
        }
    }

    /// A user who unmounts a covered medium unmounts the guard filesystem
    /// they see; the medium underneath goes with it.
    fn gates_unmounted_by_users(&mut self, mounts: &[Mount]) {
        let gone: Vec<u64> = self
            .gates
            .iter()
            .filter(|(_, g)| {
                !mounts
                    .iter()
                    .any(|m| is_gate(m) && m.mount_point == g.mount_point)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in gone {
            if let Some(g) = self.gates.remove(&id) {
                let mp = g.mount_point.clone();
                if let (Some((devno, gmp)), Some(guard)) = (&g.guarded, &self.guard) {
                    guard.release(*devno, gmp);
                }
                drop(g);
                if mounts.iter().any(|m| m.id == id) {
                    match sys::detach(Path::new(&mp)) {
                        Ok(()) => tracing::info!(mount = %mp, "the user unmounted the medium"),
                        Err(e) => {
                            tracing::error!(mount = %mp, "the user unmounted the medium's view, and it could not be unmounted: {e}")
                        }
                    }
                }
                self.applied.remove(&id);
            }
        }
    }

    /// At stop: the covered media become read-only until the agent is back
    /// (nothing written while nobody inspects).
    fn close_gates(&mut self) {
        let ids: Vec<u64> = self.gates.keys().copied().collect();
        for id in ids {
            let Some(g) = self.gates.remove(&id) else {
                continue;
            };
            let mp = g.mount_point.clone();
            if let Err(e) = g.gate.unmount() {
                tracing::error!(mount = %mp, "{e}");
            }
            let text = std::fs::read_to_string(&self.cfg.mountinfo).unwrap_or_default();
            let (mounts, _) = mounts::parse(&text);
            let mounts = mounts::resolve_fuse_sources(mounts);
            if let Some(m) = mounts.iter().find(|m| m.id == id) {
                let key = format!("{}:{} {}", m.major, m.minor, m.mount_point);
                match sys::remount_read_only(Path::new(&mp), &m.options) {
                    Ok(()) => {
                        self.note_ro(&key, true);
                        tracing::warn!(mount = %mp, "stopping: made read-only until the agent is back");
                    }
                    Err(e) => match sys::detach(Path::new(&mp)) {
                        Ok(()) => {
                            tracing::warn!(mount = %mp, "stopping: detached (read-only remount failed: {e})")
                        }
                        Err(e2) => {
                            tracing::error!(mount = %mp, "LEFT OPEN: remount failed ({e}), detach failed ({e2})")
                        }
                    },
                }
            }
        }
    }

    fn close_guards(&mut self) {
        let guarded: Vec<(u64, Applied)> = self
            .applied
            .iter()
            .filter(|(_, a)| a.guarded.is_some())
            .map(|(id, a)| (*id, a.clone()))
            .collect();
        let text = std::fs::read_to_string(&self.cfg.mountinfo).unwrap_or_default();
        let (mounts, _) = mounts::parse(&text);
        for (id, a) in guarded {
            let Some(m) = mounts.iter().find(|m| m.id == id) else {
                continue;
            };
            let mp = Path::new(&m.mount_point);
            let key = format!("{}:{} {}", m.major, m.minor, m.mount_point);
            let done = match sys::remount_read_only(mp, &m.options) {
                Ok(()) => {
                    self.note_ro(&key, true);
                    "made read-only until the agent is back".to_owned()
                }
                Err(e) => match sys::detach(mp) {
                    Ok(()) => format!("detached (read-only remount failed: {e})"),
                    Err(e2) => format!("LEFT OPEN: remount failed ({e}), detach failed ({e2})"),
                },
            };
            tracing::warn!(mount = %m.mount_point, access = a.access.as_str(), "stopping: {done}");
        }
    }

    fn write_status(&mut self) {
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
            guard: self.guard.as_ref().map(|g| GuardStatus {
                allowed: g.counters.allowed.load(Ordering::Relaxed),
                denied: g.counters.denied.load(Ordering::Relaxed),
                dropped: g.counters.dropped.load(Ordering::Relaxed),
                tamper: g.counters.tamper.load(Ordering::Relaxed),
                hardened: self.hardened.is_some(),
            }),
            notices: lock(&self.notes).iter().cloned().collect(),
            syslog: self.syslog.status(),
        };
        drop(sh);
        // Written when something changed, and at least every 30 s (its
        // `updated_at` shows the agent is alive): an idle agent does not
        // write a file every second.
        let same = {
            let mut bare = s.clone();
            bare.updated_at.clear();
            let same = self.last_status.as_ref() == Some(&bare);
            self.last_status = Some(bare);
            same
        };
        if same && self.status_at.elapsed() < Duration::from_secs(30) {
            return;
        }
        self.status_at = std::time::Instant::now();
        if let Err(e) = status::write(&self.cfg.state_dir, &s) {
            tracing::warn!("cannot write the status file: {e}");
        }
    }
}

impl Drop for Agent {
    /// The syslog thread ends with the agent (a `run` that returned has
    /// stopped it already; an agent only opened has not).
    fn drop(&mut self) {
        self.syslog.stop();
    }
}

/// The source of the agent's guard filesystems in mountinfo.
const GATE_FS_NAME: &str = "cordon-gate";

fn is_gate(m: &Mount) -> bool {
    m.fstype.starts_with("fuse") && m.source == GATE_FS_NAME
}

fn gate_note(encrypt_first: bool) -> String {
    if encrypt_first {
        "covered: files are encrypted when written, released after inspection".into()
    } else {
        "covered: files are held until inspected and decided".into()
    }
}

/// A stable staging directory name per medium (pending files of a crashed
/// run are found again when the same medium comes back).
fn staging_name(dev: &str, info: &DeviceInfo) -> String {
    let raw = format!(
        "{}-{}",
        info.instance.as_deref().unwrap_or(dev),
        info.model.as_deref().unwrap_or("")
    );
    let clean: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    clean
}

fn applied(access: Access, made_read_only: bool, note: &str) -> Applied {
    Applied {
        access,
        made_read_only,
        guarded: None,
        watching_reads: false,
        note: note.to_owned(),
    }
}

/// The views of one incident, ready for the spool.
fn incident_views<'a>(
    event: &'a cordon_policy::model::Event,
    decision: &'a cordon_policy::model::Decision,
    request_id: &'a str,
    versions: &'a [(String, i64)],
    serial: i64,
) -> Vec<cordon_record::IncidentView<'a>> {
    cordon_record::IncidentBuilder::new(event, decision, request_id, Utc::now().timestamp_millis())
        .policies(versions, serial)
        .caller("agent")
        .build()
}

fn policy_ref(policy: Option<&Policy>) -> (Vec<(String, i64)>, i64) {
    (
        policy
            .map(|p| vec![(p.policy_id.clone(), p.policy_version)])
            .unwrap_or_default(),
        policy.map_or(0, |p| p.serial),
    )
}

/// Writes one incident to the spool.
fn spool_incident(
    spool: &mut Spool,
    event: &cordon_policy::model::Event,
    decision: &cordon_policy::model::Decision,
    policy: Option<&Policy>,
) {
    let (versions, serial) = policy_ref(policy);
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    let views = incident_views(event, decision, &request_id, &versions, serial);
    if let Err(e) = spool.push_all(&views) {
        tracing::error!("cannot spool an incident: {e}");
    }
}

pub(crate) fn push_note(notes: &Mutex<std::collections::VecDeque<String>>, text: String) {
    let mut n = lock(notes);
    n.push_back(format!("{} {text}", Utc::now().to_rfc3339()));
    while n.len() > 10 {
        n.pop_front();
    }
}

/// Reads the fanotify guard let through on volumes whose policy shadows
/// them (a medium made read-only for everybody, or shared by users with
/// different rights): each recorded, or sealed and kept, as the guard
/// filesystem's reads are ([`crate::content::shadow_read`]). Ends when
/// the guard is dropped (its sender with it).
fn shadow_guarded_reads(
    rx: &std::sync::mpsc::Receiver<guard::Opened>,
    spool: &Arc<Mutex<Spool>>,
    store: &crate::shadow::ShadowStore,
) {
    let reads = crate::shadow::ReadLog::default();
    let to = crate::content::ReadShadows {
        spool,
        shadows: Some(store),
        reads: &reads,
    };
    while let Ok(o) = rx.recv() {
        let v = &o.volume;
        let medium = crate::content::Medium {
            computer: &v.computer,
            device: &v.device,
        };
        let path = Path::new(&o.path);
        crate::content::shadow_read(
            &to,
            || v.policy.clone(),
            medium,
            o.uid,
            path,
            o.path.clone(),
            &o.file,
        );
    }
}

/// The guard's refusals: logged, spooled as incidents (one per user, file
/// and operation in ten seconds: an application retrying a refused write
/// is one attempt), shown to the user.
fn record_denials(
    rx: &std::sync::mpsc::Receiver<Denial>,
    spool: &Mutex<Spool>,
    notices: Option<&std::sync::mpsc::SyncSender<Notice>>,
    notes: &Mutex<std::collections::VecDeque<String>>,
) {
    let mut recent: HashMap<(u32, String, bool), std::time::Instant> = HashMap::new();
    while let Ok(first) = rx.recv() {
        // Everything waiting is one batch: one disk flush for a burst.
        let mut batch = vec![first];
        while batch.len() < 512
            && let Ok(d) = rx.try_recv()
        {
            batch.push(d);
        }
        recent.retain(|_, at| at.elapsed() < Duration::from_secs(10));
        let mut events = Vec::new();
        for d in batch {
            let write = d.access == Access::ReadOnly;
            if recent
                .insert((d.uid, d.path.clone(), write), std::time::Instant::now())
                .is_some()
            {
                continue;
            }
            let what = if write { "write" } else { "access" };
            tracing::warn!(user = %d.user, process = %d.process, file = %d.path, mount = %d.mount_point,
                intent = ?d.intent, "{what} refused: {}", d.message.as_deref().unwrap_or("the policy does not allow it"));
            let msg = d
                .message
                .clone()
                .unwrap_or_else(|| format!("{what} on this device is not allowed"));
            push_note(
                notes,
                format!("{} {what} refused: {} — {msg}", d.user, d.path),
            );
            if d.notify
                && let Some(tx) = notices
            {
                let name = Path::new(&d.path)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let _ = tx.try_send(Notice {
                    uid: d.uid,
                    summary: format!("Cordon: {what} refused"),
                    body: format!("{msg}\n{name}"),
                });
            }
            if let Some((event, decision)) = &d.incident {
                let mut event = event.clone();
                event.id = Some(format!("open:{}", d.path));
                event.file = Some(cordon_policy::model::FileInfo {
                    path: Some(d.path.clone()),
                    ..Default::default()
                });
                event.request = Some(cordon_policy::model::Request {
                    agent: Some(d.process.clone()),
                    ..Default::default()
                });
                let (versions, serial) = policy_ref(d.policy.as_deref());
                let request_id = uuid::Uuid::new_v4().simple().to_string();
                events.push((event, decision.clone(), request_id, versions, serial));
            }
        }
        let views: Vec<_> = events
            .iter()
            .flat_map(|(e, d, id, v, s)| incident_views(e, d, id, v, *s))
            .collect();
        if !views.is_empty()
            && let Err(e) = lock(spool).push_all(&views)
        {
            tracing::error!("cannot spool {} refusals: {e}", views.len());
        }
    }
}

/// Waits for a change of the mount table (mountinfo signals `POLLPRI`), a
/// kernel uevent about storage, or the timeout; true when something
/// changed that calls for reading sysfs again.
fn wait_for_changes(
    f: &std::fs::File,
    monitor: Option<&crate::uevent::Monitor>,
    timeout: Duration,
) -> bool {
    use rustix::event::{PollFd, PollFlags, Timespec};
    use std::os::fd::AsFd as _;
    let ts = Timespec {
        tv_sec: i64::try_from(timeout.as_secs()).unwrap_or(1),
        tv_nsec: i64::from(timeout.subsec_nanos()),
    };
    let (mounts_changed, uevent) = match monitor {
        Some(m) => {
            let mfd = m.as_fd();
            let mut fds = [
                PollFd::new(f, PollFlags::PRI),
                PollFd::new(&mfd, PollFlags::IN),
            ];
            if rustix::event::poll(&mut fds, Some(&ts)).is_err() {
                std::thread::sleep(timeout);
            }
            (
                fds[0].revents().contains(PollFlags::PRI),
                fds[1].revents().contains(PollFlags::IN),
            )
        }
        None => {
            let mut fds = [PollFd::new(f, PollFlags::PRI)];
            if rustix::event::poll(&mut fds, Some(&ts)).is_err() {
                std::thread::sleep(timeout);
            }
            (fds[0].revents().contains(PollFlags::PRI), false)
        }
    };
    let storage = uevent
        && monitor.is_some_and(|m| {
            m.drain()
                .iter()
                .any(crate::uevent::Uevent::concerns_storage)
        });
    // Re-arm: the kernel signals until the file is read again from the start.
    let mut buf = [0u8; 4096];
    use std::io::{Read as _, Seek as _};
    let mut r = f;
    let _ = r.seek(std::io::SeekFrom::Start(0));
    while matches!(r.read(&mut buf), Ok(n) if n > 0) {}
    mounts_changed || storage
}

fn link_loop(
    cfg: &Config,
    shared: &Mutex<Shared>,
    spool: &Mutex<Spool>,
    identity: &Identity,
    stop: &AtomicBool,
) {
    let client = match Client::with_ca(&cfg.server, cfg.token.clone(), cfg.ca_file.as_deref()) {
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
        // Half-second naps: a stop is seen within one, an idle agent
        // wakes twice a second, not ten times.
        let mut waited = 0;
        while waited < cfg.poll_secs.max(1) * 2 && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(500));
            waited += 1;
        }
    }
}

/// Runs the plug-in calls the server hands this computer, until `stop`.
fn plugin_thread(cfg: &Config, shared: &Mutex<Shared>, stop: &AtomicBool) {
    let client = match Client::with_ca(&cfg.server, cfg.token.clone(), cfg.ca_file.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("no HTTP client for plug-in calls: {e}");
            return;
        }
    };
    let mut runner = match crate::plugins::Runner::new(
        &cfg.state_dir.join("plugins"),
        cfg.plugin_ids(),
    ) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(dir = %cfg.state_dir.join("plugins").display(), "response plug-ins cannot run here: {e}");
            return;
        }
    };
    let keys = || lock(shared).keys.clone();
    crate::plugins::plugin_loop(
        &client,
        &mut runner,
        &cfg.computer,
        &keys,
        Duration::from_secs(cfg.poll_secs.max(1)),
        stop,
    );
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
                    if let (Some(new), Some(old)) = (
                        a.policy.content.as_ref(),
                        sh.policy.as_ref().and_then(|p| p.content.as_ref()),
                    ) {
                        let n = new.carry_justifications(old, Utc::now());
                        if n > 0 {
                            tracing::info!(
                                "{n} open justification windows kept under the new policy"
                            );
                        }
                    }
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
    // Shadow copies after the incidents that name them. A failure here
    // is logged, not a reason to go offline: the next contact retries.
    match shadow_store(cfg).upload(client, SHADOW_ROUND) {
        Ok(u) if u.sent + u.refused > 0 => {
            tracing::info!(
                sent = u.sent,
                bytes = u.bytes,
                refused = u.refused,
                "shadow copies uploaded"
            );
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("shadow copies not uploaded: {e}"),
    }
    Ok(())
}

/// How long one contact spends sending shadow copies; the rest waits for
/// the next.
const SHADOW_ROUND: Duration = Duration::from_secs(20);

/// The store of shadow copies waiting for the server.
pub fn shadow_store(cfg: &Config) -> crate::shadow::ShadowStore {
    crate::shadow::ShadowStore::new(cfg.state_dir.join("shadow"), cfg.shadow_max_bytes)
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
