//! The incident journal: the durable point of every violation.
//!
//! A decision that produced incidents is answered once its incidents are in
//! this server's **journal**, an append-only file in the data directory; a
//! **loader** task then moves them into the database in large batches. The
//! request path therefore costs one buffered `write(2)` shared by every
//! request that arrived meanwhile (group commit), never a database round
//! trip, and a slow or briefly unavailable database does not slow decisions.
//!
//! **Durability rule.** A request is answered only after its incidents were
//! written to the journal, so they survive a crash of the process (SIGKILL,
//! OOM); with `journal_sync = true` each group is also `fdatasync`ed and
//! survives a power loss. The loader records in the database, in the same
//! transaction as the incidents, how far it has loaded (`journal_progress`):
//! after a restart it replays exactly the records that were not loaded, so
//! nothing is lost and nothing is loaded twice.
//!
//! **Format.** Segment files `journal/<start>.log`, where `<start>` is the
//! byte position (LSN) of the segment's first record in the journal as a
//! whole. A record is `len: u32 LE`, `crc32: u32 LE` of the payload, and the
//! payload: one `NewIncident` as JSON. A torn record at the end of the last
//! segment (a crash in the middle of a write) is cut off on start; a
//! segment whose every record is loaded is deleted.
//!
//! **Backpressure.** When more than `max_backlog_bytes` are written but not
//! yet loaded (the database is down or full), decisions with violations get
//! `503` with the database's error instead of growing the journal forever.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use cordon_store::{ErrorKind, NewIncident, Store, StoreError};
use tokio::sync::{mpsc, oneshot, watch};

use crate::metrics::Metrics;

/// Bytes before each record's payload: length and CRC-32.
const HEADER: u64 = 8;
/// A record longer than this is corruption, not an incident.
const MAX_RECORD: u32 = 64 << 20;
/// Largest group written with one `write(2)` (at least one request's).
const GROUP_BYTES: usize = 4 << 20;
/// The reader's record buffer shrinks back to this after a larger record.
const PAYLOAD_KEEP: usize = 1 << 20;

/// Why incidents could not be recorded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriteError {
    #[error("the incident journal has stopped")]
    Closed,
    /// Too much waits for a database that fails with this kind of error.
    #[error("the database cannot take incidents ({})", .0.code())]
    Store(ErrorKind),
    /// The journal's disk, or the database's, is full.
    #[error("the database is full")]
    Full,
    #[error("cannot write the incident journal: {0}")]
    Journal(String),
    #[error("too many incidents are waiting for the database ({0} bytes)")]
    Backlog(u64),
}

/// Why the journal could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("incident journal {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "incident journal {0} is in use by another `cordon serve`: give each server its own data directory"
    )]
    Locked(PathBuf),
    #[error("incident journal: cannot read its position from the database: {0}")]
    Store(#[from] StoreError),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What a worker thread of the journal is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerState {
    /// Not started yet.
    Starting,
    Running,
    /// It panicked; it is being started again.
    Restarting,
    /// It ended (the server is stopping).
    Stopped,
}

impl WorkerState {
    fn from_u8(v: u8) -> WorkerState {
        match v {
            1 => WorkerState::Running,
            2 => WorkerState::Restarting,
            3 => WorkerState::Stopped,
            _ => WorkerState::Starting,
        }
    }
}

/// The journal's health, kept up to date by its writer and loader and read
/// by `/readyz` without any IO: a few atomics and one short lock.
#[derive(Debug, Default)]
pub struct WriteHealth {
    writer: AtomicU8,
    loader: AtomicU8,
    writer_restarts: AtomicU64,
    loader_restarts: AtomicU64,
    /// The kind of the last load's error (cleared by a success).
    store_error: std::sync::Mutex<Option<ErrorKind>>,
    /// The last journal write failed (cleared by a success): `journal_full`
    /// or `journal_error`.
    journal_error: std::sync::Mutex<Option<&'static str>>,
}

/// A snapshot of [`WriteHealth`] and the backlog: what `/readyz` shows.
/// Never holds a database's own error text, only codes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HealthSnapshot {
    pub writer: WorkerState,
    pub loader: WorkerState,
    /// Times a worker panicked and was started again.
    pub writer_restarts: u64,
    pub loader_restarts: u64,
    /// Why the last load into the database failed, as a code
    /// (`storage_full`, `storage_unavailable`, …); `None` once a load
    /// succeeds.
    pub store_error: Option<&'static str>,
    /// Why the last journal write failed (`journal_full`,
    /// `journal_error`); `None` once a write succeeds.
    pub journal_error: Option<&'static str>,
    /// Bytes written to the journal but not yet loaded.
    pub backlog_bytes: u64,
}

impl HealthSnapshot {
    /// Ready to take violating decisions, or a code and a message saying
    /// why not.
    pub fn readiness(&self) -> Result<(), (&'static str, String)> {
        if self.writer != WorkerState::Running {
            return Err((
                "journal_writer_down",
                format!(
                    "the incident journal's writer is {} (restarted {} times)",
                    state_name(self.writer),
                    self.writer_restarts
                ),
            ));
        }
        if self.loader != WorkerState::Running {
            return Err((
                "incident_loader_down",
                format!(
                    "the incident loader is {} (restarted {} times)",
                    state_name(self.loader),
                    self.loader_restarts
                ),
            ));
        }
        if let Some(code) = self.store_error {
            return Err((
                code,
                format!(
                    "incidents cannot be loaded into the database ({code}; {} bytes wait in the journal)",
                    self.backlog_bytes
                ),
            ));
        }
        Ok(())
    }
}

fn state_name(s: WorkerState) -> &'static str {
    match s {
        WorkerState::Starting => "starting",
        WorkerState::Running => "running",
        WorkerState::Restarting => "restarting after a panic",
        WorkerState::Stopped => "stopped",
    }
}

impl WriteHealth {
    /// The kind of the last load's error, if it failed.
    pub fn store_error(&self) -> Option<ErrorKind> {
        self.store_error.lock().ok().and_then(|g| *g)
    }

    fn set_store_error(&self, e: Option<ErrorKind>) {
        if let Ok(mut g) = self.store_error.lock() {
            *g = e;
        }
    }

    fn set_journal_error(&self, e: Option<&'static str>) {
        if let Ok(mut g) = self.journal_error.lock() {
            *g = e;
        }
    }

    fn snapshot(&self, backlog_bytes: u64) -> HealthSnapshot {
        HealthSnapshot {
            writer: WorkerState::from_u8(self.writer.load(Ordering::Acquire)),
            loader: WorkerState::from_u8(self.loader.load(Ordering::Acquire)),
            writer_restarts: self.writer_restarts.load(Ordering::Relaxed),
            loader_restarts: self.loader_restarts.load(Ordering::Relaxed),
            store_error: self.store_error().map(ErrorKind::code),
            journal_error: self.journal_error.lock().ok().and_then(|g| *g),
            backlog_bytes,
        }
    }
}

fn set_state(cell: &AtomicU8, s: WorkerState) {
    cell.store(s as u8, Ordering::Release);
}

/// Runs `step` on this thread until it returns `false`. A panic in it (a
/// logging call that panics on a full disk, a bug) is caught: `state`
/// shows `Restarting` (the server is not ready), `recover` repairs what
/// the step left half done, and after a pause the step runs again. A
/// worker thread therefore never dies silently.
fn supervise<S>(
    name: &str,
    state: &AtomicU8,
    restarts: &AtomicU64,
    worker: &mut S,
    mut step: impl FnMut(&mut S) -> bool,
    mut recover: impl FnMut(&mut S),
) {
    let mut pause = Duration::from_millis(50);
    set_state(state, WorkerState::Running);
    loop {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| step(worker))) {
            Ok(true) => pause = Duration::from_millis(50),
            Ok(false) => break,
            Err(_) => {
                set_state(state, WorkerState::Restarting);
                restarts.fetch_add(1, Ordering::Relaxed);
                // Logging is what may have panicked: it must not take the
                // supervisor down with it.
                let _ = std::panic::catch_unwind(|| {
                    tracing::error!(worker = name, "the worker panicked; starting it again");
                });
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(1));
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| recover(worker)));
                set_state(state, WorkerState::Running);
            }
        }
    }
    set_state(state, WorkerState::Stopped);
}

/// How the journal behaves; from [`crate::config::Settings`].
#[derive(Debug, Clone)]
pub struct JournalConfig {
    pub dir: PathBuf,
    /// A new segment is started when the current one is this large.
    pub segment_bytes: u64,
    /// Written but not loaded bytes above which violations get `503`.
    pub max_backlog_bytes: u64,
    /// `fdatasync` every group before answering.
    pub sync: bool,
    /// Most incidents loaded in one database transaction.
    pub batch: usize,
    /// Most journaled bytes loaded in one database transaction (at least
    /// one record is): bounds the loader's memory.
    pub batch_bytes: u64,
    /// How long the loader lets a small backlog grow before loading it.
    pub linger: Duration,
    /// Requests waiting for the journal writer.
    pub queue: usize,
}

struct Job {
    incidents: Vec<NewIncident>,
    done: oneshot::Sender<Result<(), WriteError>>,
}

impl Job {
    /// About the bytes its incidents take in the journal.
    fn bytes(&self) -> usize {
        self.incidents
            .iter()
            .map(|i| i.details.as_str().len() + i.username.len() + 512)
            .sum()
    }
}

/// State the writer thread, the loader task and the request path share.
struct Shared {
    dir: PathBuf,
    /// Start positions of the segment files, ascending.
    segments: std::sync::Mutex<Vec<u64>>,
    health: Arc<WriteHealth>,
    metrics: Arc<Metrics>,
    /// Wakes the loader out of its linger: someone waits for the database.
    flush: tokio::sync::Notify,
}

/// The sending side, cloned into the app state.
#[derive(Clone)]
pub struct IncidentQueue {
    tx: mpsc::Sender<Job>,
    appended: watch::Receiver<u64>,
    loaded: watch::Receiver<u64>,
    health: Arc<WriteHealth>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for IncidentQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncidentQueue")
            .field("appended", &*self.appended.borrow())
            .field("loaded", &*self.loaded.borrow())
            .finish()
    }
}

impl IncidentQueue {
    /// Journals `incidents` and waits until they are written.
    pub async fn record(&self, incidents: Vec<NewIncident>) -> Result<(), WriteError> {
        if incidents.is_empty() {
            return Ok(());
        }
        let (done, rx) = oneshot::channel();
        self.tx
            .send(Job { incidents, done })
            .await
            .map_err(|_| WriteError::Closed)?;
        rx.await.map_err(|_| WriteError::Closed)?
    }

    /// Bytes written to the journal but not yet loaded into the database.
    pub fn backlog(&self) -> u64 {
        self.appended.borrow().saturating_sub(*self.loaded.borrow())
    }

    /// The journal's health for `/readyz`: constant time, no IO, no
    /// database round trip.
    pub fn health(&self) -> HealthSnapshot {
        self.health.snapshot(self.backlog())
    }

    /// Read-your-writes: waits (at most `limit`) until everything journaled
    /// before the call is in the database. Returns at once, `false`, while
    /// the database is failing; `true` when caught up.
    pub async fn sync(&self, limit: Duration) -> bool {
        let target = *self.appended.borrow();
        if *self.loaded.borrow() >= target {
            return true;
        }
        if self.health.store_error().is_some() {
            return false;
        }
        self.shared.flush.notify_one();
        let mut loaded = self.loaded.clone();
        matches!(
            tokio::time::timeout(limit, loaded.wait_for(|&l| l >= target)).await,
            Ok(Ok(_))
        )
    }

    /// Waits (at most `limit`) until every queued incident is journaled and
    /// loaded into the database: the last step of a graceful shutdown.
    pub async fn drain(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        let (done, rx) = oneshot::channel();
        let barrier = Job {
            incidents: Vec::new(),
            done,
        };
        if self.tx.send(barrier).await.is_ok() {
            let _ = tokio::time::timeout_at(deadline, rx).await;
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if !self.sync(left).await {
            tracing::warn!(
                backlog_bytes = self.backlog(),
                "incidents not loaded into the database before shutdown: they stay in the journal and load on the next start"
            );
        }
    }
}

/// Takes the journal directory `dir` for this process (creating it): one
/// server per journal. flock(2) is released by the kernel when the
/// process dies, so a crash never leaves the journal locked.
fn lock_dir(dir: &Path) -> Result<File, JournalError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let lock_path = dir.join("LOCK");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io_err(&lock_path))?;
    match rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(lock),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Err(JournalError::Locked(dir.to_owned())),
        Err(e) => Err(io_err(&lock_path)(e.into())),
    }
}

/// The file where the loader sets aside incidents the database refuses.
pub const REJECTED_FILE: &str = "rejected.jsonl";

/// What [`import_rejected`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Inserted into the database now.
    pub imported: usize,
    /// Already in the database (an earlier import), dropped from the file.
    pub already_present: usize,
    /// Refused again: kept in the file with the new error.
    pub still_refused: usize,
    /// Lines that are not a set-aside incident (1-based line number, why):
    /// kept in the file as they are.
    pub unreadable: Vec<(usize, String)>,
}

/// Gives the incidents set aside in `journal_dir/rejected.jsonl` to the
/// database again, once whatever made it refuse them is fixed
/// (`cordon admin import-rejected`). Takes the journal's lock, so no
/// server may run on the directory meanwhile. An incident already in the
/// database (same request, rule and time) is not inserted twice, so an
/// interrupted import can simply be run again. The file keeps what is
/// still refused or unreadable, and is removed when nothing is left.
pub async fn import_rejected(
    store: &dyn Store,
    journal_dir: &Path,
) -> Result<ImportReport, JournalError> {
    if !journal_dir.is_dir() {
        return Ok(ImportReport::default());
    }
    let _lock = lock_dir(journal_dir)?;
    let path = journal_dir.join(REJECTED_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(ImportReport::default()),
        Err(e) => return Err(io_err(&path)(e)),
    };
    #[derive(serde::Deserialize)]
    struct SetAside {
        incident: NewIncident,
    }
    let mut report = ImportReport::default();
    let mut kept = String::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let incident = match serde_json::from_str::<SetAside>(line) {
            Ok(s) => s.incident,
            Err(e) => {
                report.unreadable.push((i + 1, e.to_string()));
                kept.push_str(line);
                kept.push('\n');
                continue;
            }
        };
        let present = store
            .list_incidents(&cordon_store::IncidentFilter {
                request_id: Some(incident.request_id.clone()),
                rule: Some(incident.rule_id.clone()),
                ..Default::default()
            })
            .await?
            .iter()
            .any(|stored| stored.incident.created_at == incident.created_at);
        if present {
            report.already_present += 1;
            continue;
        }
        match store
            .insert_incidents(std::slice::from_ref(&incident))
            .await
        {
            Ok(()) => report.imported += 1,
            Err(e) => {
                report.still_refused += 1;
                let line = serde_json::json!({
                    "at": cordon_store::now_millis(),
                    "error": e.to_string(),
                    "incident": incident,
                });
                kept.push_str(&line.to_string());
                kept.push('\n');
            }
        }
    }
    if kept.is_empty() {
        std::fs::remove_file(&path).map_err(io_err(&path))?;
    } else {
        // Replaced whole, never half-written: a new file, synced, renamed.
        let tmp = journal_dir.join("rejected.jsonl.tmp");
        let write = || -> io::Result<()> {
            let mut f = File::create(&tmp)?;
            f.write_all(kept.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(io_err(&path))?;
    }
    Ok(report)
}

/// Opens (or creates) the journal in `config.dir`, recovers it against the
/// database's recorded position, and starts the writer thread and the
/// loader task. Must be called inside a Tokio runtime.
pub async fn open(
    store: Arc<dyn Store>,
    config: JournalConfig,
    metrics: Arc<Metrics>,
    health: Arc<WriteHealth>,
) -> Result<IncidentQueue, JournalError> {
    let dir = config.dir.clone();
    let lock = lock_dir(&dir)?;
    let id = journal_id(&dir)?;
    let position = store.journal_position(&id).await?;
    let recovered = recover(&dir, position.map(|p| p.max(0) as u64))?;
    tracing::info!(
        journal = %dir.display(),
        id = %id,
        loaded = recovered.loaded,
        end = recovered.end,
        pending_bytes = recovered.end - recovered.loaded,
        "incident journal opened"
    );
    let shared = Arc::new(Shared {
        dir: dir.clone(),
        segments: std::sync::Mutex::new(recovered.segments),
        health: health.clone(),
        metrics,
        flush: tokio::sync::Notify::new(),
    });
    let (appended_tx, appended_rx) = watch::channel(recovered.end);
    let (loaded_tx, loaded_rx) = watch::channel(recovered.loaded);
    let (tx, rx) = mpsc::channel(config.queue.max(1));
    let writer = Writer {
        rx,
        file: recovered.file,
        start: recovered.current_start,
        len: recovered.end - recovered.current_start,
        appended: appended_tx,
        loaded: loaded_rx.clone(),
        shared: shared.clone(),
        config: config.clone(),
        dirty: false,
        _lock: lock,
    };
    std::thread::Builder::new()
        .name("cordon-journal".into())
        .spawn(move || writer.run())
        .map_err(io_err(&dir))?;
    // The loader runs on its own thread and runtime: building and binding
    // a batch of thousands of rows takes milliseconds of CPU that must not
    // hold up a request worker (it would show as tail latency).
    let mut loader = Loader {
        store,
        id,
        reader: Reader {
            shared: shared.clone(),
            open: None,
            pos: recovered.loaded,
            payload: Vec::new(),
        },
        shared: shared.clone(),
        config,
        done: recovered.loaded,
        pending: None,
        appended: appended_rx.clone(),
        loaded: loaded_tx,
    };
    let h = health.clone();
    std::thread::Builder::new()
        .name("cordon-loader".into())
        .spawn(move || {
            supervise(
                "incident loader",
                &h.loader,
                &h.loader_restarts,
                &mut loader,
                |loader| {
                    // A fresh runtime each time: one a panic went through
                    // is not trusted again.
                    match tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        Ok(rt) => rt.block_on(loader.run()),
                        Err(e) => {
                            tracing::error!("incident loader: cannot start a runtime: {e}");
                            std::thread::sleep(Duration::from_secs(1));
                            true
                        }
                    }
                },
                Loader::restart,
            )
        })
        .map_err(io_err(&dir))?;
    Ok(IncidentQueue {
        tx,
        appended: appended_rx,
        loaded: loaded_rx,
        health,
        shared,
    })
}

/// The journal's id, created once per data directory.
fn journal_id(dir: &Path) -> Result<String, JournalError> {
    let path = dir.join("id");
    match std::fs::read_to_string(&path) {
        Ok(s) if !s.trim().is_empty() => return Ok(s.trim().to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(&path)(e)),
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let tmp = dir.join("id.tmp");
    std::fs::write(&tmp, format!("{id}\n")).map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io_err(&path))?;
    Ok(id)
}

fn segment_path(dir: &Path, start: u64) -> PathBuf {
    dir.join(format!("{start:020}.log"))
}

/// Segment start positions found in `dir`, ascending.
fn list_segments(dir: &Path) -> Result<Vec<u64>, JournalError> {
    let mut starts = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        let name = entry.file_name();
        let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".log")) else {
            continue;
        };
        if stem.len() == 20 {
            if let Ok(start) = stem.parse::<u64>() {
                starts.push(start);
            }
        }
    }
    starts.sort_unstable();
    Ok(starts)
}

struct Recovered {
    segments: Vec<u64>,
    current_start: u64,
    file: File,
    /// Where loading resumes.
    loaded: u64,
    /// The end of the journal: where the next record goes.
    end: u64,
}

/// Cuts a torn tail off the last segment, deletes fully loaded segments,
/// and opens the segment new records are appended to.
fn recover(dir: &Path, position: Option<u64>) -> Result<Recovered, JournalError> {
    let mut segments = list_segments(dir)?;
    let mut end = 0;
    if let Some(&last) = segments.last() {
        let path = segment_path(dir, last);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_err(&path))?;
        let size = file.metadata().map_err(io_err(&path))?.len();
        let valid = valid_prefix(&file).map_err(io_err(&path))?;
        if valid < size {
            tracing::warn!(
                segment = %path.display(),
                cut_bytes = size - valid,
                "incident journal: cutting off a torn record at the end (a crash during a write; that request was never answered)"
            );
            file.set_len(valid).map_err(io_err(&path))?;
            file.sync_all().map_err(io_err(&path))?;
        }
        end = last + valid;
    }
    let first = segments.first().copied().unwrap_or(end);
    let (loaded, moved) = match position {
        Some(p) if p > end => {
            tracing::warn!(
                loaded = p,
                end,
                "incident journal: the database has loaded beyond the journal's end (the journal was removed?); continuing after the database's position"
            );
            (p, true)
        }
        Some(p) => (p.max(first), false),
        // Never loaded into this database: everything still here is pending.
        None => (first, false),
    };
    if moved {
        end = loaded;
    }
    // Segments wholly before `loaded` (their successor starts at or before
    // it) were loaded: delete them.
    while segments.len() > 1 && segments.get(1).is_some_and(|&next| next <= loaded) {
        let start = segments.remove(0);
        let path = segment_path(dir, start);
        std::fs::remove_file(&path).map_err(io_err(&path))?;
    }
    let current_start = match segments.last() {
        Some(&last) if !moved => last,
        _ => end,
    };
    if segments.last() != Some(&current_start) {
        segments.push(current_start);
    }
    let path = segment_path(dir, current_start);
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io_err(&path))?;
    Ok(Recovered {
        segments,
        current_start,
        file,
        loaded,
        end,
    })
}

/// Length of the longest prefix of `file` made of whole, intact records.
fn valid_prefix(file: &File) -> io::Result<u64> {
    let mut r = BufReader::with_capacity(1 << 20, file);
    r.seek(SeekFrom::Start(0))?;
    let mut pos = 0u64;
    let mut payload = Vec::new();
    loop {
        match read_record(&mut r, &mut payload)? {
            Record::Ok(n) => pos += n,
            Record::End | Record::Bad(_) => return Ok(pos),
        }
    }
}

enum Record {
    /// A whole, intact record of this many bytes (header included).
    Ok(u64),
    /// Clean end of data.
    End,
    /// Torn or corrupt, and why.
    Bad(&'static str),
}

/// Reads one record's payload into `payload`.
fn read_record(r: &mut impl io::Read, payload: &mut Vec<u8>) -> io::Result<Record> {
    let mut header = [0u8; HEADER as usize];
    let mut got = 0;
    while got < header.len() {
        match r.read(header.get_mut(got..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if got == 0 {
        return Ok(Record::End);
    }
    if got < header.len() {
        return Ok(Record::Bad("torn header"));
    }
    let [l0, l1, l2, l3, c0, c1, c2, c3] = header;
    let len = u32::from_le_bytes([l0, l1, l2, l3]);
    let crc = u32::from_le_bytes([c0, c1, c2, c3]);
    if len == 0 || len > MAX_RECORD {
        return Ok(Record::Bad("impossible record length"));
    }
    payload.clear();
    let read = r.take(u64::from(len)).read_to_end(payload)?;
    if read < len as usize {
        return Ok(Record::Bad("torn record"));
    }
    if crc32fast::hash(payload) != crc {
        return Ok(Record::Bad("checksum mismatch"));
    }
    Ok(Record::Ok(HEADER + u64::from(len)))
}

/// Appends one record for `incident` to `buf`.
fn encode(buf: &mut Vec<u8>, incident: &NewIncident) -> Result<(), serde_json::Error> {
    let at = buf.len();
    buf.extend_from_slice(&[0; HEADER as usize]);
    if let Err(e) = serde_json::to_writer(&mut *buf, incident) {
        buf.truncate(at);
        return Err(e);
    }
    let payload = buf.get(at + HEADER as usize..).unwrap_or_default();
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    let crc = crc32fast::hash(payload);
    if let Some(h) = buf.get_mut(at..at + HEADER as usize) {
        h[..4].copy_from_slice(&len.to_le_bytes());
        h[4..].copy_from_slice(&crc.to_le_bytes());
    }
    Ok(())
}

/// The writer thread: takes every waiting request's incidents, writes them
/// with one `write(2)` (and `fdatasync` if configured), then answers.
struct Writer {
    rx: mpsc::Receiver<Job>,
    file: File,
    /// Start of the current segment and its length.
    start: u64,
    len: u64,
    appended: watch::Sender<u64>,
    loaded: watch::Receiver<u64>,
    shared: Arc<Shared>,
    config: JournalConfig,
    /// The segment may end in a partial record: repair before writing.
    dirty: bool,
    /// Held for the life of the writer: one server per journal.
    _lock: File,
}

impl Writer {
    fn run(self) {
        let jobs: Vec<Job> = Vec::with_capacity(256);
        let buf: Vec<u8> = Vec::with_capacity(1 << 20);
        let health = self.shared.health.clone();
        supervise(
            "incident journal writer",
            &health.writer,
            &health.writer_restarts,
            &mut (self, jobs, buf),
            |(w, jobs, buf)| w.step(jobs, buf),
            |(w, jobs, buf)| {
                // The requests of the group being written get `Closed`
                // (503), never an acknowledgment; a half-written group is
                // cut off.
                jobs.clear();
                buf.clear();
                w.repair();
            },
        );
    }

    /// Takes the waiting requests, writes them as one group and answers
    /// them. `false` once every sender is gone.
    fn step(&mut self, jobs: &mut Vec<Job>, buf: &mut Vec<u8>) -> bool {
        let Some(first) = self.rx.blocking_recv() else {
            return false;
        };
        // A group ends at about GROUP_BYTES of incidents, however many
        // requests wait: what is held at once stays bounded.
        let mut bytes = first.bytes();
        jobs.push(first);
        while bytes < GROUP_BYTES {
            let Ok(job) = self.rx.try_recv() else { break };
            bytes += job.bytes();
            jobs.push(job);
        }
        let outcome = self.write_group(jobs, buf);
        for job in jobs.drain(..) {
            let _ = job.done.send(outcome.clone());
        }
        buf.clear();
        true
    }

    /// Makes the segment end on a whole record again after a failed or
    /// interrupted write: cuts it back, or when that fails starts a new
    /// segment where the good records end (the reader never reads past a
    /// segment's successor's start). Until that works, nothing is written.
    fn repair(&mut self) {
        if self.file.set_len(self.len).is_ok() {
            self.dirty = false;
            return;
        }
        let end = self.start + self.len;
        self.dirty = !self.rotate(end);
    }

    fn write_group(&mut self, jobs: &mut [Job], buf: &mut Vec<u8>) -> Result<(), WriteError> {
        let end = self.start + self.len;
        let backlog = end.saturating_sub(*self.loaded.borrow());
        if backlog > self.config.max_backlog_bytes && jobs.iter().any(|j| !j.incidents.is_empty()) {
            return Err(match self.shared.health.store_error() {
                Some(ErrorKind::Full) => WriteError::Full,
                Some(kind) => WriteError::Store(kind),
                None => WriteError::Backlog(backlog),
            });
        }
        if self.dirty {
            self.repair();
            if self.dirty {
                return Err(WriteError::Journal(
                    "the journal's last segment cannot be repaired after a failed write".into(),
                ));
            }
        }
        for job in jobs.iter() {
            for incident in &job.incidents {
                encode(buf, incident)
                    .map_err(|e| WriteError::Journal(format!("cannot encode an incident: {e}")))?;
            }
        }
        if buf.is_empty() {
            return Ok(());
        }
        let written = self.file.write_all(buf).and_then(|()| {
            if self.config.sync {
                self.file.sync_data()
            } else {
                Ok(())
            }
        });
        if let Err(e) = written {
            // Take back a partial write so the file ends on a record.
            self.dirty = true;
            self.repair();
            let full = e.kind() == io::ErrorKind::StorageFull;
            self.shared.health.set_journal_error(Some(if full {
                "journal_full"
            } else {
                "journal_error"
            }));
            tracing::error!(journal = %self.shared.dir.display(), "cannot write the incident journal: {e}");
            return Err(if full {
                WriteError::Full
            } else {
                WriteError::Journal(e.to_string())
            });
        }
        self.shared.health.set_journal_error(None);
        self.len += buf.len() as u64;
        let end = self.start + self.len;
        self.appended.send_replace(end);
        self.shared.metrics.journal_appended.set(end as i64);
        if self.len >= self.config.segment_bytes {
            // On failure it keeps appending to the current segment.
            self.rotate(end);
        }
        Ok(())
    }

    /// Starts a new segment at `end`. On failure keeps appending to the
    /// current one (it only grows larger than planned).
    fn rotate(&mut self, end: u64) -> bool {
        let path = segment_path(&self.shared.dir, end);
        // Nothing valid lies at or after `end`: an old file there is
        // emptied.
        match OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|f| f.set_len(0).map(|()| f))
        {
            Ok(f) => {
                if let Ok(mut s) = self.shared.segments.lock() {
                    if s.last() != Some(&end) {
                        s.push(end);
                    }
                }
                self.file = f;
                self.start = end;
                self.len = 0;
                true
            }
            Err(e) => {
                tracing::error!(segment = %path.display(), "cannot start a journal segment: {e}");
                false
            }
        }
    }
}

/// Reads records from the journal, from a position on.
struct Reader {
    shared: Arc<Shared>,
    /// The open segment, its start and the reader's position in the journal.
    open: Option<(u64, BufReader<File>)>,
    pos: u64,
    payload: Vec<u8>,
}

impl Reader {
    /// Up to `max` incidents and about `max_bytes` of records (at least
    /// one record) from the reader's position, not past `until`. Returns
    /// them and the position after the last one.
    fn read(&mut self, until: u64, max: usize, max_bytes: u64) -> (Vec<NewIncident>, u64) {
        let mut out = Vec::new();
        let from = self.pos;
        while self.pos < until && out.len() < max && self.pos - from < max_bytes {
            let (start, next) = self.locate();
            let seg_end = next.unwrap_or(until).min(until);
            if self.pos >= seg_end {
                // At the end of a segment: go on in the next.
                match next {
                    Some(n) if n > self.pos => self.pos = n,
                    _ => break,
                }
                self.open = None;
                continue;
            }
            if self.open.as_ref().map(|(s, _)| *s) != Some(start) {
                let path = segment_path(&self.shared.dir, start);
                let opened = File::open(&path).and_then(|f| {
                    let mut r = BufReader::with_capacity(1 << 20, f);
                    r.seek(SeekFrom::Start(self.pos - start))?;
                    Ok(r)
                });
                match opened {
                    Ok(r) => self.open = Some((start, r)),
                    Err(e) => {
                        self.skip(seg_end, &format!("cannot open {}: {e}", path.display()));
                        continue;
                    }
                }
            }
            let Some((_, r)) = self.open.as_mut() else {
                break;
            };
            let read = read_record(r, &mut self.payload);
            // One huge record must not keep its buffer for good.
            if self.payload.capacity() > PAYLOAD_KEEP {
                self.payload.shrink_to(PAYLOAD_KEEP);
            }
            match read {
                Ok(Record::Ok(n)) if self.pos + n <= seg_end => {
                    self.pos += n;
                    match serde_json::from_slice::<NewIncident>(&self.payload) {
                        Ok(i) => out.push(i),
                        Err(e) => {
                            tracing::error!(
                                lsn = self.pos - n,
                                "incident journal: skipping an unreadable record: {e}"
                            );
                            self.shared.metrics.journal_skipped_bytes.inc_by(n);
                        }
                    }
                }
                Ok(Record::Bad(why)) => self.skip(seg_end, why),
                Ok(Record::Ok(_)) => self.skip(seg_end, "a record runs past its segment"),
                Ok(Record::End) => self.skip(seg_end, "the segment ends early"),
                Err(e) => self.skip(seg_end, &format!("read error: {e}")),
            }
        }
        (out, self.pos)
    }

    /// The start of the segment holding `pos`, and the next segment's start.
    fn locate(&self) -> (u64, Option<u64>) {
        let segs = self
            .shared
            .segments
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default();
        let i = segs.partition_point(|&s| s <= self.pos);
        let start = i
            .checked_sub(1)
            .and_then(|i| segs.get(i))
            .copied()
            .unwrap_or(0);
        (start, segs.get(i).copied())
    }

    /// Gives up on the rest of a segment that cannot be read.
    fn skip(&mut self, to: u64, why: &str) {
        tracing::error!(
            journal = %self.shared.dir.display(),
            from = self.pos,
            to,
            "incident journal: skipping unreadable bytes: {why}"
        );
        self.shared
            .metrics
            .journal_skipped_bytes
            .inc_by(to.saturating_sub(self.pos));
        self.pos = to;
        self.open = None;
    }
}

/// The loader: moves journaled incidents into the database in batches,
/// recording the position reached in the same transaction. On an error
/// that passes (a full disk, a lost connection) it keeps the batch and
/// retries with a backoff of at most two seconds, so it recovers by itself
/// soon after space or the database is back; only when the database
/// refuses rows as such (by the driver's error code) are those rows
/// looked for and set aside.
struct Loader {
    store: Arc<dyn Store>,
    id: String,
    reader: Reader,
    shared: Arc<Shared>,
    config: JournalConfig,
    /// Loaded (committed) up to here.
    done: u64,
    /// A batch read but not yet committed (kept across retries).
    pending: Option<(Vec<NewIncident>, u64)>,
    appended: watch::Receiver<u64>,
    loaded: watch::Sender<u64>,
}

const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How often an idle loader asks the database whether it answers, so
/// readiness notices a database that went away while nothing was loaded.
const IDLE_PROBE: Duration = Duration::from_secs(5);

impl Loader {
    /// One cheap round trip while idle; its outcome is what `/readyz`
    /// shows until the next load.
    async fn probe(&mut self) {
        match self.store.ping().await {
            Ok(()) => {
                if self.shared.health.store_error().is_some() {
                    tracing::info!("incident journal: the database answers again");
                }
                self.shared.health.set_store_error(None);
            }
            Err(e) => {
                tracing::warn!(kind = e.kind().code(), "the database does not answer: {e}");
                self.shared.health.set_store_error(Some(e.kind()));
            }
        }
    }

    /// After a panic: forget the batch in hand and read again from what
    /// the database has.
    fn restart(&mut self) {
        self.pending = None;
        self.reader.open = None;
        self.reader.pos = self.done;
    }

    /// Loads until the writer is gone; `false` then.
    async fn run(&mut self) -> bool {
        let mut backoff = Duration::from_millis(100);
        loop {
            if self.pending.is_none() {
                let done = self.done;
                loop {
                    let more = self.appended.wait_for(|&a| a > done);
                    let waited = tokio::time::timeout(IDLE_PROBE, more)
                        .await
                        .map(|r| r.is_ok());
                    match waited {
                        Ok(true) => break,
                        // The writer is gone and everything is loaded.
                        Ok(false) => return false,
                        Err(_) => self.probe().await,
                    }
                }
                // Let a small backlog grow into a batch worth a transaction.
                let backlog = self.appended.borrow().saturating_sub(self.done);
                if backlog < (self.config.batch as u64) * 512 && !self.config.linger.is_zero() {
                    tokio::select! {
                        () = tokio::time::sleep(self.config.linger) => {}
                        () = self.shared.flush.notified() => {}
                    }
                }
                let until = *self.appended.borrow();
                self.pending = Some(self.reader.read(
                    until,
                    self.config.batch.max(1),
                    self.config.batch_bytes,
                ));
            }
            let Some((batch, pos)) = self.pending.as_ref() else {
                continue;
            };
            let pos = *pos;
            let started = Instant::now();
            let result = self
                .store
                .insert_journaled_incidents(batch, &self.id, pos as i64, cordon_store::now_millis())
                .await;
            self.shared
                .metrics
                .observe_batch(batch.len(), started.elapsed(), result.is_ok());
            match result {
                Ok(()) => {
                    self.done = pos;
                    self.pending = None;
                    backoff = Duration::from_millis(100);
                    if self.shared.health.store_error().is_some() {
                        tracing::info!("incident journal: the database takes incidents again");
                    }
                    self.shared.health.set_store_error(None);
                    self.loaded.send_replace(pos);
                    self.shared.metrics.journal_loaded.set(pos as i64);
                    delete_loaded(&self.shared, pos);
                }
                Err(e) => {
                    let kind = e.kind();
                    tracing::error!(
                        incidents = batch.len(),
                        kind = kind.code(),
                        retry_in_ms = backoff.as_millis() as u64,
                        "cannot load incidents into the database (they stay in the journal): {e}"
                    );
                    self.shared.health.set_store_error(Some(kind));
                    // The database refuses rows of this batch as such:
                    // find them and set them aside, or they would hold
                    // back every incident behind them.
                    if kind.refuses_rows() {
                        if let Some((batch, pos)) = self.pending.take() {
                            let (kept, refused) =
                                set_aside_refused(self.store.as_ref(), &self.shared, batch, &e)
                                    .await;
                            self.pending = Some((kept, pos));
                            if refused > 0 {
                                continue;
                            }
                        }
                    }
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    if self.appended.has_changed().is_err() {
                        // The server is gone: what is left loads on its next start.
                        return false;
                    }
                }
            }
        }
    }
}

/// Splits `batch` until the rows the database refuses on their own are
/// found (each trial insert is rolled back), appends them to
/// `journal/rejected.jsonl` with the error, and returns the other rows and
/// how many were set aside. Nothing is set aside unless it is first written
/// to that file.
async fn set_aside_refused(
    store: &dyn Store,
    shared: &Shared,
    batch: Vec<NewIncident>,
    error: &StoreError,
) -> (Vec<NewIncident>, usize) {
    let mut refused = Vec::new();
    let mut ranges = vec![(0, batch.len())];
    while let Some((a, b)) = ranges.pop() {
        let Some(rows) = batch.get(a..b).filter(|r| !r.is_empty()) else {
            continue;
        };
        match store.try_incidents(rows).await {
            Ok(()) => {}
            Err(e) if !e.kind().refuses_rows() => {
                // The database failed, not the rows (it filled up, the
                // connection went): set nothing aside, retry later.
                tracing::warn!(
                    kind = e.kind().code(),
                    "incident journal: stopped looking for refused rows: {e}"
                );
                return (batch, 0);
            }
            Err(_) if rows.len() == 1 => refused.push(a),
            Err(_) => {
                let m = a + rows.len() / 2;
                ranges.push((a, m));
                ranges.push((m, b));
            }
        }
    }
    if refused.is_empty() {
        return (batch, 0);
    }
    let path = shared.dir.join(REJECTED_FILE);
    let mut lines = Vec::new();
    for &i in &refused {
        let line = serde_json::json!({
            "at": cordon_store::now_millis(),
            "error": error.to_string(),
            "incident": batch.get(i),
        });
        let _ = serde_json::to_writer(&mut lines, &line);
        lines.push(b'\n');
    }
    let written = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(&lines).and_then(|()| f.sync_data()));
    if let Err(e) = written {
        tracing::error!(file = %path.display(), "cannot set refused incidents aside: {e}");
        return (batch, 0);
    }
    tracing::error!(
        incidents = refused.len(),
        file = %path.display(),
        "the database refuses these incidents; they are set aside so the rest can load: {error}"
    );
    shared.metrics.journal_rejected.inc_by(refused.len() as u64);
    let n = refused.len();
    let kept = batch
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !refused.contains(i))
        .map(|(_, incident)| incident)
        .collect();
    (kept, n)
}

/// Deletes segments whose every record is loaded (never the last one).
fn delete_loaded(shared: &Shared, loaded: u64) {
    let doomed: Vec<u64> = {
        let Ok(mut segs) = shared.segments.lock() else {
            return;
        };
        let keep_from = segs
            .partition_point(|&s| s <= loaded)
            .saturating_sub(1)
            .min(segs.len().saturating_sub(1));
        segs.drain(..keep_from).collect()
    };
    for start in doomed {
        let path = segment_path(&shared.dir, start);
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!(segment = %path.display(), "cannot delete a loaded journal segment: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(n: usize) -> NewIncident {
        NewIncident {
            created_at: n as i64,
            request_id: format!("r-{n}"),
            rule_id: "rule".into(),
            rule_name: "rule".into(),
            policy_id: "p".into(),
            policy_version: 1,
            mode: "enforce".into(),
            enforced: true,
            decision: "deny".into(),
            action: "download".into(),
            username: format!("user{n}"),
            categories: vec!["PII".into()],
            details: cordon_store::RawJson::from_serialized(format!("{{\"n\":{n}}}")),
        }
    }

    fn shared(dir: &Path, segments: Vec<u64>) -> Arc<Shared> {
        Arc::new(Shared {
            dir: dir.to_owned(),
            segments: std::sync::Mutex::new(segments),
            health: Arc::default(),
            metrics: Arc::new(Metrics::new()),
            flush: tokio::sync::Notify::new(),
        })
    }

    fn write_segment(dir: &Path, start: u64, incidents: &[NewIncident]) -> u64 {
        let mut buf = Vec::new();
        for i in incidents {
            encode(&mut buf, i).unwrap();
        }
        std::fs::write(segment_path(dir, start), &buf).unwrap();
        buf.len() as u64
    }

    #[test]
    fn records_round_trip_across_segments() {
        let dir = tempfile::tempdir().unwrap();
        let a: Vec<_> = (0..10).map(incident).collect();
        let b: Vec<_> = (10..25).map(incident).collect();
        let la = write_segment(dir.path(), 0, &a);
        let lb = write_segment(dir.path(), la, &b);
        let mut r = Reader {
            shared: shared(dir.path(), vec![0, la]),
            open: None,
            pos: 0,
            payload: Vec::new(),
        };
        let (first, p) = r.read(la + lb, 7, u64::MAX);
        assert_eq!(first, a[..7]);
        let (rest, end) = r.read(la + lb, 100, u64::MAX);
        assert_eq!(end, la + lb);
        assert_eq!([first, rest].concat(), [a, b].concat());
        assert!(p < end);
        assert_eq!(
            r.read(la + lb, 100, u64::MAX),
            (vec![], la + lb),
            "nothing more"
        );
    }

    /// Issue #10 item 7: batches are bounded by bytes, not only by count,
    /// so 900 KB incidents cannot fill memory ten thousand at a time; a
    /// record larger than the bound still goes, alone.
    #[test]
    fn batches_are_bounded_by_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let big = |n: usize| {
            let mut i = incident(n);
            i.details =
                cordon_store::RawJson::from_value(&serde_json::json!({ "d": "x".repeat(100_000) }));
            i
        };
        let all: Vec<_> = (0..10).map(big).collect();
        let len = write_segment(dir.path(), 0, &all);
        let mut r = Reader {
            shared: shared(dir.path(), vec![0]),
            open: None,
            pos: 0,
            payload: Vec::new(),
        };
        let mut batches = Vec::new();
        while r.pos < len {
            let before = r.pos;
            let (b, end) = r.read(len, 10_000, 250_000);
            assert!(end - before < 250_000 + 100_100, "{} bytes", end - before);
            batches.push(b.len());
        }
        assert_eq!(batches, [3, 3, 3, 1]);
        // Larger than the bound: one at a time, none lost.
        let mut r = Reader {
            shared: shared(dir.path(), vec![0]),
            open: None,
            pos: 0,
            payload: Vec::new(),
        };
        let (b, _) = r.read(len, 10_000, 10);
        assert_eq!(b, all[..1]);
        assert!(r.payload.capacity() <= PAYLOAD_KEEP);
    }

    #[test]
    fn a_torn_tail_is_cut_off_and_loading_resumes_at_the_database_position() {
        let dir = tempfile::tempdir().unwrap();
        let all: Vec<_> = (0..5).map(incident).collect();
        let len = write_segment(dir.path(), 0, &all);
        // A crash in the middle of the next record's write.
        let mut f = OpenOptions::new()
            .append(true)
            .open(segment_path(dir.path(), 0))
            .unwrap();
        let mut torn = Vec::new();
        encode(&mut torn, &incident(99)).unwrap();
        f.write_all(&torn[..torn.len() / 2]).unwrap();
        drop(f);
        let mut one = Vec::new();
        encode(&mut one, &all[0]).unwrap();
        let r = recover(dir.path(), Some(one.len() as u64)).unwrap();
        assert_eq!(
            (r.loaded, r.end, r.current_start),
            (one.len() as u64, len, 0)
        );
        assert_eq!(
            std::fs::metadata(segment_path(dir.path(), 0))
                .unwrap()
                .len(),
            len
        );
        let mut reader = Reader {
            shared: shared(dir.path(), r.segments),
            open: None,
            pos: r.loaded,
            payload: Vec::new(),
        };
        assert_eq!(reader.read(r.end, 100, u64::MAX).0, all[1..]);
    }

    #[test]
    fn loaded_segments_are_deleted_on_recovery_and_the_journal_continues() {
        let dir = tempfile::tempdir().unwrap();
        let la = write_segment(dir.path(), 0, &[incident(1)]);
        let lb = write_segment(dir.path(), la, &[incident(2)]);
        let r = recover(dir.path(), Some(la + lb)).unwrap();
        assert_eq!(r.segments, vec![la]);
        assert_eq!((r.loaded, r.end, r.current_start), (la + lb, la + lb, la));
        assert!(!segment_path(dir.path(), 0).exists());
        // Never loaded: everything pending from the first segment on.
        let dir = tempfile::tempdir().unwrap();
        let la = write_segment(dir.path(), 500, &[incident(1)]);
        let r = recover(dir.path(), None).unwrap();
        assert_eq!((r.loaded, r.end), (500, 500 + la));
        // The database is ahead of a removed journal: continue after it.
        let dir = tempfile::tempdir().unwrap();
        let r = recover(dir.path(), Some(4242)).unwrap();
        assert_eq!((r.loaded, r.end, r.current_start), (4242, 4242, 4242));
    }

    #[test]
    fn corrupt_bytes_are_skipped_not_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let la = write_segment(dir.path(), 0, &[incident(1), incident(2)]);
        let lb = write_segment(dir.path(), la, &[incident(3)]);
        let path = segment_path(dir.path(), 0);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[HEADER as usize + 3] ^= 0xff; // first record's payload
        std::fs::write(&path, bytes).unwrap();
        let sh = shared(dir.path(), vec![0, la]);
        let mut r = Reader {
            shared: sh.clone(),
            open: None,
            pos: 0,
            payload: Vec::new(),
        };
        let (got, end) = r.read(la + lb, 100, u64::MAX);
        assert_eq!(got, vec![incident(3)], "the damaged segment is given up");
        assert_eq!(end, la + lb);
        assert_eq!(sh.metrics.journal_skipped_bytes.get(), la);
    }

    proptest::proptest! {
        /// Any bytes at all: records are read or refused, never a panic,
        /// and never more than the input is consumed.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let mut r = bytes.as_slice();
            let mut payload = Vec::new();
            let mut used = 0u64;
            while let Ok(Record::Ok(n)) = read_record(&mut r, &mut payload) {
                used += n;
                let _ = serde_json::from_slice::<NewIncident>(&payload);
            }
            proptest::prop_assert!(used <= bytes.len() as u64);
        }

        /// Whatever the incident holds, it comes back as it went in, and
        /// a cut anywhere inside the last record loses only that record.
        #[test]
        fn records_round_trip_and_cuts_lose_only_the_torn_record(
            user in ".{0,40}",
            detail in ".{0,200}",
            cut in 1usize..64,
        ) {
            let mut a = incident(1);
            a.username = user;
            a.details = cordon_store::RawJson::from_value(&serde_json::json!({ "d": detail }));
            let b = incident(2);
            let mut buf = Vec::new();
            encode(&mut buf, &a).unwrap();
            let first = buf.len();
            encode(&mut buf, &b).unwrap();
            let cut = buf.len() - cut.min(buf.len() - first - 1);
            let mut r = &buf[..cut];
            let mut payload = Vec::new();
            proptest::prop_assert!(matches!(read_record(&mut r, &mut payload), Ok(Record::Ok(_))));
            proptest::prop_assert_eq!(serde_json::from_slice::<NewIncident>(&payload).unwrap(), a);
            let torn = read_record(&mut r, &mut payload).unwrap();
            proptest::prop_assert!(matches!(torn, Record::Bad(_)), "a torn record is refused");
        }
    }

    /// A worker that panics is started again (after `recover`), shows
    /// `Restarting` meanwhile, and `Stopped` only when it ends by itself.
    #[test]
    fn a_panicking_worker_is_restarted_never_lost() {
        let health = WriteHealth::default();
        let mut seen = Vec::new();
        let mut calls = 0;
        supervise(
            "test",
            &health.writer,
            &health.writer_restarts,
            &mut calls,
            |calls| {
                *calls += 1;
                match *calls {
                    1 | 3 => panic!("a logging call on a full disk"),
                    n => n < 5,
                }
            },
            |calls| seen.push((*calls, health.snapshot(0).writer)),
        );
        assert_eq!(calls, 5);
        assert_eq!(
            seen,
            [(1, WorkerState::Restarting), (3, WorkerState::Restarting)]
        );
        let h = health.snapshot(0);
        assert_eq!((h.writer, h.writer_restarts), (WorkerState::Stopped, 2));
        assert!(h.readiness().is_err());
    }

    /// A journal configuration for tests: `dir/journal`, no linger.
    fn test_config(dir: &Path) -> JournalConfig {
        JournalConfig {
            dir: dir.join("journal"),
            segment_bytes: 1 << 20,
            max_backlog_bytes: 1 << 20,
            sync: false,
            batch: 100,
            batch_bytes: 1 << 20,
            linger: Duration::ZERO,
            queue: 10,
        }
    }

    async fn test_store(dir: &Path) -> cordon_store::sqlite::SqliteStore {
        cordon_store::sqlite::SqliteStore::open(&dir.join("db"))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_second_server_on_the_same_journal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(test_store(dir.path()).await);
        let config = test_config(dir.path());
        let open = || {
            open(
                store.clone(),
                config.clone(),
                Arc::new(Metrics::new()),
                Arc::default(),
            )
        };
        let first = open().await.unwrap();
        let err = open().await.unwrap_err();
        assert!(matches!(err, JournalError::Locked(_)), "{err}");
        assert!(err.to_string().contains("own data directory"), "{err}");
        // The first still works: an incident goes through to the database.
        first.record(vec![incident(7)]).await.unwrap();
        assert!(first.sync(Duration::from_secs(5)).await);
        assert_eq!(store.count_incidents().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn rows_the_database_refuses_are_set_aside_and_the_rest_loads() {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = test_store(dir.path()).await;
        // The real database refuses one user's rows, as it might refuse a
        // value it cannot store.
        cordon_store::testing::sqlite_execute(
            &sqlite,
            "CREATE TRIGGER refuse BEFORE INSERT ON incidents WHEN NEW.username = 'poison' \
             BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END",
        )
        .await
        .unwrap();
        let store: Arc<dyn Store> = Arc::new(sqlite);
        let metrics = Arc::new(Metrics::new());
        let q = open(
            store.clone(),
            test_config(dir.path()),
            metrics.clone(),
            Arc::default(),
        )
        .await
        .unwrap();
        let mut rows: Vec<_> = (0..10).map(incident).collect();
        rows[4].username = "poison".into();
        q.record(rows).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while store.count_incidents().await.unwrap() < 9 {
            assert!(Instant::now() < deadline, "the good rows never loaded");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            q.sync(Duration::from_secs(5)).await,
            "caught up, healthy again"
        );
        assert_eq!(store.count_incidents().await.unwrap(), 9);
        let rejected = std::fs::read_to_string(dir.path().join("journal/rejected.jsonl")).unwrap();
        assert_eq!(rejected.lines().count(), 1, "{rejected}");
        let line: serde_json::Value = serde_json::from_str(rejected.trim()).unwrap();
        assert_eq!(line["incident"]["username"], "poison");
        assert!(
            line["error"]
                .as_str()
                .unwrap()
                .contains("refused by the test trigger")
        );
        assert_eq!(metrics.journal_rejected.get(), 1);

        // While the server runs, the set-aside file is its own.
        let err = import_rejected(store.as_ref(), &dir.path().join("journal"))
            .await
            .unwrap_err();
        assert!(matches!(err, JournalError::Locked(_)), "{err}");
        drop(q);
        // Still refused: kept, with the error of this attempt; a line that
        // is not an incident is kept as it is.
        let journal = dir.path().join("journal");
        let file = journal.join(REJECTED_FILE);
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str("{not json\n");
        std::fs::write(&file, &text).unwrap();
        let report = wait_unlocked(store.as_ref(), &journal).await;
        assert_eq!(report.still_refused, 1);
        assert_eq!((report.unreadable.len(), report.unreadable[0].0), (1, 2));
        assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 2);
        // The cause fixed, the incident goes in, once, however often the
        // import runs; the file goes when nothing is left in it.
        cordon_store::testing::sqlite_execute(&sqlite_of(&dir).await, "DROP TRIGGER refuse")
            .await
            .unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        let first = text.lines().next().unwrap().to_owned();
        std::fs::write(&file, format!("{first}\n{first}\n")).unwrap();
        let report = wait_unlocked(store.as_ref(), &journal).await;
        assert_eq!(
            report,
            ImportReport {
                imported: 1,
                already_present: 1,
                ..Default::default()
            }
        );
        assert_eq!(store.count_incidents().await.unwrap(), 10);
        assert!(!file.exists());
        let report = import_rejected(store.as_ref(), &journal).await.unwrap();
        assert_eq!(report, ImportReport::default());
    }

    /// Imports once the stopped server's journal lock is free.
    async fn wait_unlocked(store: &dyn Store, journal: &Path) -> ImportReport {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match import_rejected(store, journal).await {
                Err(JournalError::Locked(_)) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                other => return other.unwrap(),
            }
        }
    }

    async fn sqlite_of(dir: &tempfile::TempDir) -> cordon_store::sqlite::SqliteStore {
        test_store(dir.path()).await
    }

    #[tokio::test]
    async fn a_full_disk_refuses_the_request_and_the_journal_stays_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(test_store(dir.path()).await);
        // The segment is /dev/full: every write fails with ENOSPC, as on a
        // full disk.
        let config = test_config(dir.path());
        std::fs::create_dir_all(&config.dir).unwrap();
        std::os::unix::fs::symlink("/dev/full", segment_path(&config.dir, 0)).unwrap();
        let q = open(
            store.clone(),
            config,
            Arc::new(Metrics::new()),
            Arc::default(),
        )
        .await
        .unwrap();
        let err = q.record(vec![incident(1)]).await.unwrap_err();
        assert!(matches!(err, WriteError::Full), "{err}");
        assert_eq!(q.backlog(), 0, "nothing half-written counts as journaled");
        // Requests without incidents are not affected.
        q.record(Vec::new()).await.unwrap();
    }

    #[test]
    fn impossible_lengths_are_corruption_not_allocations() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&u32::MAX.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        let mut payload = Vec::new();
        assert!(matches!(
            read_record(&mut bytes.as_slice(), &mut payload).unwrap(),
            Record::Bad(_)
        ));
        assert!(matches!(
            read_record(&mut &b"\x05\0\0"[..], &mut payload).unwrap(),
            Record::Bad("torn header")
        ));
        assert!(matches!(
            read_record(&mut &b""[..], &mut payload).unwrap(),
            Record::End
        ));
    }
}
