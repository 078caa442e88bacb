//! Per-user access on a mounted volume, decided at every `open`: fanotify
//! permission events.
//!
//! A read-only remount makes a volume read-only for everybody. When the
//! users of a computer have different rights on the same stick (one may
//! write, another only read), or when the remount is refused because a
//! file is open for writing, the agent guards the volume instead: one
//! fanotify group (`FAN_CLASS_CONTENT`) marks each guarded filesystem
//! (`FAN_MARK_FILESYSTEM`, so every mount of it in every mount namespace
//! is covered) for `FAN_OPEN_PERM` on files and directories. Every open
//! waits for this module's answer:
//!
//! - the opener's user (the real uid of the thread, from
//!   `/proc/<tid>/status`; events carry thread ids, `FAN_REPORT_TID`) and
//!   that user's groups are decided with the policy in force, once per
//!   user and evaluation (the daemon publishes each tick's [`Volume`]);
//! - *read and write*: allowed; *no access*: denied; *read only*: allowed
//!   when the open is a read ([`crate::intent`]), denied otherwise —
//!   including when the intent cannot be read (never fail open);
//! - a denial answers the opener first (`EPERM`) and then becomes a
//!   [`Denial`] on a bounded channel for the daemon to record and show,
//!   so no incident or notification is ever waited for by a blocked
//!   process (it could be the journal itself).
//!
//! What fanotify does not see: operations that open nothing (unlink,
//! rename, mkdir, chmod, truncate by path) — they change names and
//! metadata, not content; a uniform read-only answer therefore still uses
//! the read-only remount, which stops them too. A denied `O_CREAT` open
//! leaves an empty file (the kernel creates it before asking). If the
//! agent dies, the kernel drops its marks and allows what was pending:
//! systemd restarts the agent and the first tick guards again.

use std::collections::HashMap;
use std::os::fd::{AsFd as _, AsRawFd as _, BorrowedFd};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::Utc;
use cordon_policy::model::{Computer, DeviceInfo, DeviceOperation, Event};
use nix::sys::fanotify::{
    EventFFlags, Fanotify, FanotifyResponse, InitFlags, MarkFlags, MaskFlags, Response,
};

use crate::intent::{self, Intent};
use crate::policy::{self, Access, Policy, Verdicts};

#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error(
        "fanotify is not available ({0}): per-user access falls back to the most restrictive answer"
    )]
    Init(nix::Error),
    #[error("cannot guard `{mount_point}` with fanotify: {source}")]
    Mark {
        mount_point: String,
        source: nix::Error,
    },
    #[error("cannot start the guard thread: {0}")]
    Thread(std::io::Error),
}

/// A guarded volume as the last evaluation saw it.
#[derive(Debug, Clone)]
pub struct Volume {
    pub mount_point: String,
    pub device: DeviceInfo,
    pub device_name: String,
    /// `None`: no policy yet — everybody gets no access.
    pub policy: Option<Arc<Policy>>,
    pub computer: Computer,
    /// Covered by the agent's guard filesystem: files are written only
    /// through it (the agent's own opens), so every user is read-only
    /// here — a process whose working directory was inside the medium
    /// before it was covered cannot write past the inspection.
    pub through_gate: bool,
    /// The policy shadows reads (seed 004 `audit.shadow.read`): each
    /// allowed read of a file is handed to the daemon as an [`Opened`].
    pub shadow_reads: bool,
}

/// A file opened for reading on a guarded volume whose policy shadows
/// reads, for the daemon to record (and seal) after the opener was
/// answered: the guard never waits for a shadow copy.
#[derive(Debug)]
pub struct Opened {
    pub uid: u32,
    /// The volume it is on, as the guard decided with it.
    pub volume: Arc<Volume>,
    /// The file, as the guard's descriptor resolves it.
    pub path: String,
    /// The guard's descriptor, duplicated: the copy reads this file even
    /// if it is renamed or removed meanwhile.
    pub file: std::fs::File,
}

/// An open the guard refused, for the daemon to record and show.
#[derive(Debug, Clone)]
pub struct Denial {
    pub user: String,
    pub uid: u32,
    /// The access the user has on the volume.
    pub access: Access,
    pub operation: DeviceOperation,
    /// The file, as the guard's descriptor resolves it.
    pub path: String,
    /// `comm[pid]` of the opener.
    pub process: String,
    pub mount_point: String,
    pub device_name: String,
    pub message: Option<String>,
    pub notify: bool,
    /// The policy's decision on this operation, for the incident.
    pub incident: Option<(Event, cordon_policy::model::Decision)>,
    pub intent: Intent,
    /// The policy the answer came from (its id and version go on the
    /// incident).
    pub policy: Option<Arc<Policy>>,
}

/// What the guard thread and the daemon share.
#[derive(Default)]
struct Table {
    /// By the filesystem's device number (`st_dev`).
    volumes: HashMap<u64, Volume>,
    /// Seed 004's hardening (option 58): the agent's own directories,
    /// open to the agent's program and trusted applications only.
    hardening: Option<Hardening>,
}

/// What hardening allows besides the agent itself.
#[derive(Debug, Clone)]
pub struct Hardening {
    /// The directories marked (their files and themselves).
    pub dirs: Vec<std::path::PathBuf>,
    /// The device numbers of their filesystems (filled by
    /// [`Guard::harden`]).
    pub devs: Vec<u64>,
    /// SHA-256 (lower-case hex) of the programs allowed in: the agent's
    /// own (so `cordon agent status` reads its status) and the policy's
    /// `files.trusted`.
    pub trusted: Vec<String>,
}

/// Counters for `status` and the benchmarks.
#[derive(Debug, Default)]
pub struct Counters {
    pub allowed: AtomicU64,
    pub denied: AtomicU64,
    /// Opens of the agent's own files refused by hardening.
    pub tamper: AtomicU64,
    /// Denials not recorded because the channel was full.
    pub dropped: AtomicU64,
    /// Reads not shadowed because the channel was full.
    pub reads_dropped: AtomicU64,
}

pub struct Guard {
    fan: Arc<Fanotify>,
    table: Arc<RwLock<Table>>,
    generation: Arc<AtomicU64>,
    pub counters: Arc<Counters>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How long the guard thread keeps reading after its last event before it
/// sleeps in `poll` again.
const SPIN: Duration = Duration::from_micros(200);

/// The mask every guarded filesystem is marked with.
fn mask() -> MaskFlags {
    MaskFlags::FAN_OPEN_PERM | MaskFlags::FAN_ONDIR
}

/// `makedev` as the kernel encodes it in `st_dev`.
pub fn dev(major: u32, minor: u32) -> u64 {
    rustix::fs::makedev(major, minor)
}

impl Guard {
    /// Opens the fanotify group and starts the thread that answers it;
    /// denials go to `denials` (bounded: when it is full they are counted
    /// and dropped, the opener is still refused), and reads to shadow to
    /// `reads` (bounded the same way; the read is still allowed).
    pub fn start(
        denials: SyncSender<Denial>,
        reads: Option<SyncSender<Opened>>,
        stop: Arc<AtomicBool>,
    ) -> Result<Guard, GuardError> {
        let fan = Fanotify::init(
            InitFlags::FAN_CLASS_CONTENT
                | InitFlags::FAN_CLOEXEC
                | InitFlags::FAN_NONBLOCK
                | InitFlags::FAN_REPORT_TID,
            EventFFlags::O_RDONLY | EventFFlags::O_LARGEFILE | EventFFlags::O_CLOEXEC,
        )
        .map_err(GuardError::Init)?;
        let fan = Arc::new(fan);
        let table = Arc::new(RwLock::new(Table::default()));
        let generation = Arc::new(AtomicU64::new(0));
        let counters = Arc::new(Counters::default());
        let worker = Worker {
            fan: fan.clone(),
            table: table.clone(),
            generation: generation.clone(),
            counters: counters.clone(),
            denials,
            reads,
            own_pid: std::process::id(),
            answers: HashMap::new(),
            names: HashMap::new(),
            seen_generation: u64::MAX,
            names_at: Instant::now(),
            hashes: HashMap::new(),
        };
        let thread = std::thread::Builder::new()
            .name("cordon-agent-guard".into())
            .spawn(move || worker.run(&stop))
            .map_err(GuardError::Thread)?;
        Ok(Guard {
            fan,
            table,
            generation,
            counters,
            thread: Some(thread),
        })
    }

    /// Starts guarding the filesystem mounted at `volume.mount_point`
    /// (device number `dev`), or updates what the guard decides with.
    pub fn protect(&self, dev: u64, volume: Volume) -> Result<(), GuardError> {
        let known = read(&self.table).volumes.contains_key(&dev);
        // The table first: an open that the new mark catches must find
        // its volume.
        let mount_point = volume.mount_point.clone();
        write(&self.table).volumes.insert(dev, volume);
        self.generation.fetch_add(1, Ordering::Release);
        if !known
            && let Err(source) = self.fan.mark(
                MarkFlags::FAN_MARK_ADD | MarkFlags::FAN_MARK_FILESYSTEM,
                mask(),
                rustix::fs::CWD,
                Some(mount_point.as_str()),
            )
        {
            write(&self.table).volumes.remove(&dev);
            return Err(GuardError::Mark {
                mount_point,
                source,
            });
        }
        Ok(())
    }

    /// Stops guarding the filesystem `dev` (mounted at `mount_point`, if
    /// it still is).
    pub fn release(&self, dev: u64, mount_point: &str) {
        if write(&self.table).volumes.remove(&dev).is_none() {
            return;
        }
        self.generation.fetch_add(1, Ordering::Release);
        if let Err(e) = self.fan.mark(
            MarkFlags::FAN_MARK_REMOVE | MarkFlags::FAN_MARK_FILESYSTEM,
            mask(),
            rustix::fs::CWD,
            Some(mount_point),
        ) {
            // Unmounted already: the kernel dropped the mark with it.
            tracing::debug!(mount = mount_point, "removing the fanotify mark: {e}");
        }
    }

    /// Turns hardening on with `h` (marking its directories), changes what
    /// it trusts, or turns it off (`None`).
    pub fn harden(&self, h: Option<Hardening>) -> Result<(), GuardError> {
        let before = write(&self.table).hardening.take();
        let mask = MaskFlags::FAN_OPEN_PERM | MaskFlags::FAN_ONDIR | MaskFlags::FAN_EVENT_ON_CHILD;
        let mark = |flags: MarkFlags, dir: &std::path::Path| {
            self.fan
                .mark(flags, mask, rustix::fs::CWD, Some(dir))
                .map_err(|source| GuardError::Mark {
                    mount_point: dir.display().to_string(),
                    source,
                })
        };
        if let Some(b) = &before {
            for d in b
                .dirs
                .iter()
                .filter(|d| h.as_ref().is_none_or(|h| !h.dirs.contains(d)))
            {
                let _ = mark(MarkFlags::FAN_MARK_REMOVE, d);
            }
        }
        let mut h = h;
        if let Some(h) = &mut h {
            for d in h
                .dirs
                .iter()
                .filter(|d| before.as_ref().is_none_or(|b| !b.dirs.contains(d)))
            {
                mark(MarkFlags::FAN_MARK_ADD | MarkFlags::FAN_MARK_ONLYDIR, d)?;
            }
            h.devs = h
                .dirs
                .iter()
                .filter_map(|d| rustix::fs::stat(d).ok().map(|st| st.st_dev))
                .collect();
        }
        write(&self.table).hardening = h;
        Ok(())
    }

    /// The filesystems guarded now.
    pub fn guarded(&self) -> Vec<u64> {
        read(&self.table).volumes.keys().copied().collect()
    }

    /// Makes every cached answer stale (a new evaluation: time and
    /// connectivity may have changed the policy's answers).
    pub fn refresh(&self) {
        self.generation.fetch_add(1, Ordering::Release);
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An allowed read to hand over for shadowing: its volume and reader.
type ToShadow = Option<(Arc<Volume>, u32)>;

/// The guard thread's state.
struct Worker {
    fan: Arc<Fanotify>,
    table: Arc<RwLock<Table>>,
    generation: Arc<AtomicU64>,
    counters: Arc<Counters>,
    denials: SyncSender<Denial>,
    reads: Option<SyncSender<Opened>>,
    own_pid: u32,
    /// `(dev, uid)` → the user's answer, for `seen_generation`.
    answers: HashMap<(u64, u32), Arc<Answer>>,
    seen_generation: u64,
    /// uid → (name, groups), refreshed every minute.
    names: HashMap<u32, (String, Vec<String>)>,
    names_at: Instant,
    /// A program's SHA-256 by (device, inode, size, mtime).
    hashes: HashMap<(u64, u64, i64, i64), String>,
}

struct Answer {
    user: String,
    verdicts: Verdicts,
    /// The volume, when its policy shadows reads.
    shadow_reads: Option<Arc<Volume>>,
    mount_point: String,
    device_name: String,
    policy: Option<Arc<Policy>>,
}

/// The opener as `/proc/<tid>/status` shows it.
struct Opener {
    tgid: u32,
    uid: u32,
    comm: String,
}

fn opener(tid: i32) -> Option<Opener> {
    use std::io::Read as _;
    // One read into a stack buffer: the fields needed are in the first
    // dozen lines (`Name`, `Tgid`, `Uid`), this is on every open's path.
    let mut buf = [0u8; 1024];
    let mut f = std::fs::File::open(format!("/proc/{tid}/status")).ok()?;
    let n = f.read(&mut buf).ok()?;
    let text = std::str::from_utf8(buf.get(..n)?).ok().or_else(|| {
        // A name cut in the middle of a UTF-8 sequence: up to the last
        // complete line.
        let end = buf.get(..n)?.iter().rposition(|&b| b == b'\n')?;
        std::str::from_utf8(buf.get(..end)?).ok()
    })?;
    let mut tgid = None;
    let mut uid = None;
    let mut comm = String::new();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("Name:") {
            comm = v.trim().to_owned();
        } else if let Some(v) = line.strip_prefix("Tgid:") {
            tgid = v.trim().parse().ok();
        } else if let Some(v) = line.strip_prefix("Uid:") {
            uid = v.split_whitespace().next().and_then(|u| u.parse().ok());
            break;
        }
    }
    Some(Opener {
        tgid: tgid?,
        uid: uid?,
        comm,
    })
}

impl Worker {
    fn run(mut self, stop: &AtomicBool) {
        use rustix::event::{PollFd, PollFlags, Timespec};
        // Events wake the thread at once; the timeout only bounds how
        // late a stop is seen.
        let timeout = Timespec {
            tv_sec: 0,
            tv_nsec: 500_000_000,
        };
        while !stop.load(Ordering::Relaxed) {
            let ready = {
                let fd = self.fan.as_fd();
                let mut fds = [PollFd::new(&fd, PollFlags::IN)];
                rustix::event::poll(&mut fds, Some(&timeout)).unwrap_or(0)
            };
            if ready == 0 {
                continue;
            }
            // Then keep reading for a moment: opens come in runs (a copy,
            // a scan), and on a virtual machine waking an idle thread on an
            // idle vCPU costs tens of µs per open; a short spin after work
            // catches the next event without that. An idle agent never
            // spins.
            let mut last = Instant::now();
            while last.elapsed() < SPIN {
                if self.drain() > 0 {
                    last = Instant::now();
                } else {
                    std::hint::spin_loop();
                }
            }
        }
    }

    /// Answers every event waiting, reading until the queue is empty: how
    /// many.
    fn drain(&mut self) -> usize {
        let mut n = 0;
        loop {
            let events = match self.fan.read_events() {
                Ok(ev) => ev,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(nix::errno::Errno::EAGAIN) => return n,
                Err(e) => {
                    tracing::error!("reading fanotify events: {e}");
                    std::thread::sleep(Duration::from_millis(50));
                    return n;
                }
            };
            if events.is_empty() {
                return n;
            }
            n += events.len();
            for ev in &events {
                let Some(fd) = ev.fd() else {
                    // FAN_Q_OVERFLOW: only notification events overflow;
                    // permission events wait in the queue.
                    continue;
                };
                if !ev.mask().contains(MaskFlags::FAN_OPEN_PERM) {
                    continue;
                }
                let (allow, denial, shadow) = self.judge(fd, ev.pid());
                let response = if allow {
                    Response::FAN_ALLOW
                } else {
                    Response::FAN_DENY
                };
                if let Err(e) = self.fan.write_response(FanotifyResponse::new(fd, response)) {
                    tracing::error!("answering a fanotify event: {e}");
                }
                if allow {
                    self.counters.allowed.fetch_add(1, Ordering::Relaxed);
                } else {
                    self.counters.denied.fetch_add(1, Ordering::Relaxed);
                }
                // After the answer: the opener is no longer waiting.
                if let (Some((volume, uid)), Some(tx)) = (shadow, &self.reads) {
                    let opened = fd.try_clone_to_owned().map(|file| Opened {
                        uid,
                        volume,
                        path: path_of(fd),
                        file: file.into(),
                    });
                    match opened {
                        Ok(o) => {
                            if tx.try_send(o).is_err() {
                                self.counters.reads_dropped.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Err(e) => tracing::warn!("a read not shadowed: {e}"),
                    }
                }
                if let Some(mut d) = denial {
                    d.path = path_of(fd);
                    if self.denials.try_send(d).is_err() {
                        self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
    }

    /// Allow or deny one open, what to report when denied, and — for an
    /// allowed read of a file that the policy shadows — its volume and
    /// reader.
    fn judge(&mut self, fd: BorrowedFd<'_>, tid: i32) -> (bool, Option<Denial>, ToShadow) {
        let Ok(st) = rustix::fs::fstat(fd) else {
            return (false, None, None);
        };
        let dev = st.st_dev;
        let generation = self.generation.load(Ordering::Acquire);
        if generation != self.seen_generation {
            self.answers.clear();
            self.seen_generation = generation;
        }
        let Some(who) = opener(tid) else {
            // The opener is gone (killed while waiting): nothing to allow.
            return (false, None, None);
        };
        if who.tgid == self.own_pid {
            return (true, None, None);
        }
        // The hot path: this user's answer on this volume, cached until
        // the next evaluation or table change (both bump the generation).
        let answer = match self.answers.get(&(dev, who.uid)) {
            Some(a) => a.clone(),
            None => {
                let (volume, hardening) = {
                    let t = read(&self.table);
                    (t.volumes.get(&dev).cloned(), t.hardening.clone())
                };
                let Some(volume) = volume else {
                    // Not a volume: one of the agent's own directories
                    // (hardening, on their filesystem), or a volume
                    // released while the event was queued (allowed: no
                    // longer guarded).
                    let h = hardening.filter(|h| h.devs.contains(&dev));
                    return (self.hardening_allows(h.as_ref(), tid, &who, fd), None, None);
                };
                self.answer(dev, who.uid, &volume)
            }
        };
        let access = answer.verdicts.access;
        let file =
            rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::RegularFile;
        let shadow = answer.shadow_reads.as_ref().filter(|_| file);
        let (allow, operation, intent) = match access {
            Access::ReadWrite if shadow.is_none() => return (true, None, None),
            Access::ReadWrite => {
                let intent = intent::of_thread(tid);
                (true, DeviceOperation::Write, intent)
            }
            Access::NoAccess => (false, DeviceOperation::Read, Intent::Read),
            Access::ReadOnly => {
                let intent = intent::of_thread(tid);
                (intent.is_read(), DeviceOperation::Write, intent)
            }
        };
        if allow {
            let shadow = shadow.filter(|_| intent.is_read());
            return (true, None, shadow.map(|v| (v.clone(), who.uid)));
        }
        let incident = answer
            .verdicts
            .decisions
            .iter()
            .find(|(e, _)| e.device.as_ref().is_some_and(|d| d.operation == operation))
            .cloned();
        let denial = Denial {
            user: answer.user.clone(),
            uid: who.uid,
            access,
            operation,
            path: String::new(),
            process: format!("{}[{}]", who.comm, who.tgid),
            mount_point: answer.mount_point.clone(),
            device_name: answer.device_name.clone(),
            message: answer.verdicts.message.clone(),
            notify: answer.verdicts.notify,
            incident,
            intent,
            policy: answer.policy.clone(),
        };
        (false, Some(denial), None)
    }

    /// Hardening: only the agent and trusted programs open its files.
    fn hardening_allows(
        &mut self,
        h: Option<&Hardening>,
        tid: i32,
        who: &Opener,
        fd: BorrowedFd<'_>,
    ) -> bool {
        let Some(h) = h else { return true };
        let exe = format!("/proc/{tid}/exe");
        let hash = rustix::fs::stat(exe.as_str()).ok().and_then(|st| {
            let key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime);
            if let Some(hx) = self.hashes.get(&key) {
                return Some(hx.clone());
            }
            let hx = sha256_file(Path::new(&exe))?;
            if self.hashes.len() > 1024 {
                self.hashes.clear();
            }
            self.hashes.insert(key, hx.clone());
            Some(hx)
        });
        if hash.as_ref().is_some_and(|hx| h.trusted.contains(hx)) {
            return true;
        }
        self.counters.tamper.fetch_add(1, Ordering::Relaxed);
        tracing::error!(process = %format!("{}[{}]", who.comm, who.tgid), uid = who.uid,
            file = %path_of(fd), sha256 = hash.as_deref().unwrap_or("unreadable"),
            "hardening: an untrusted program was refused the agent's files");
        false
    }

    fn answer(&mut self, dev: u64, uid: u32, volume: &Volume) -> Arc<Answer> {
        if let Some(a) = self.answers.get(&(dev, uid)) {
            return a.clone();
        }
        if self.names_at.elapsed() > Duration::from_secs(60) {
            self.names.clear();
            self.names_at = Instant::now();
        }
        let (user, groups) = self
            .names
            .entry(uid)
            .or_insert_with(|| crate::host::user_of(uid))
            .clone();
        let mut verdicts = match &volume.policy {
            Some(p) => p.decide_user(&volume.device, &user, &groups, &volume.computer, Utc::now()),
            None => policy::undecidable(
                &volume.device,
                std::slice::from_ref(&user),
                &volume.computer,
                "no policy received yet",
            ),
        };
        if volume.through_gate && verdicts.access == Access::ReadWrite {
            verdicts.access = Access::ReadOnly;
            verdicts.message = Some(format!(
                "files are written to this device only through {} (inspected first)",
                volume.mount_point
            ));
            verdicts.notify = true;
        }
        let a = Arc::new(Answer {
            user,
            verdicts,
            shadow_reads: (volume.shadow_reads && !volume.through_gate)
                .then(|| Arc::new(volume.clone())),
            mount_point: volume.mount_point.clone(),
            device_name: volume.device_name.clone(),
            policy: volume.policy.clone(),
        });
        self.answers.insert((dev, uid), a.clone());
        a
    }
}

/// The SHA-256 (lower-case hex) of a file, streamed.
pub fn sha256_file(path: &Path) -> Option<String> {
    use sha2::Digest as _;
    use std::io::Read as _;
    let mut f = std::fs::File::open(path).ok()?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n)?);
    }
    Some(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The path of the guard's descriptor (after the answer: resolving it
/// never touches the guarded filesystem's open path).
fn path_of(fd: BorrowedFd<'_>) -> String {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|e| format!("(unknown path: {e})"))
}
