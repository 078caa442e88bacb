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
//! **Format.** The segment log of `cordon-record`: files
//! `journal/<start>.log` named by the byte position (LSN) of their first
//! record, records framed by length and CRC-32, each one incident as JSON
//! (the shape of `cordon_record::Incident`, which is also the store's
//! `NewIncident`). A torn record at the end of the last segment (a crash in
//! the middle of a write) is cut off on start; a segment whose every record
//! is loaded is deleted. This module adds what is the server's own: group
//! commit on the request path, the loader whose position lives in the
//! database, the set-aside file, and the workers' health.
//!
//! **Failures.** The loader tells a database that is failing (full,
//! unreachable: it retries, backoff at most 2 s) from one that refuses rows
//! as such (by the driver's error code: those rows go to `rejected.jsonl`).
//! The writer and loader threads run under [`supervise`]: a panic restarts
//! them, and [`IncidentQueue::health`] shows it to `/readyz`.
//!
//! **Backpressure.** When more than `max_backlog_bytes` are written but not
//! yet loaded (the database is down or full), decisions with violations get
//! `503` with the database's error kind instead of growing the journal
//! forever. Loader batches are bounded by `batch` incidents and
//! `batch_bytes` bytes, writer groups by about 4 MiB.

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use cordon_record::{LogError, Segments, lock_dir, log_id, recover, segment_path};
use cordon_store::{ErrorKind, NewIncident, Store, StoreError};
use tokio::sync::{mpsc, oneshot, watch};

use crate::metrics::Metrics;

/// Largest group written with one `write(2)` (at least one request's).
const GROUP_BYTES: usize = 4 << 20;

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

impl From<LogError> for JournalError {
    fn from(e: LogError) -> JournalError {
        match e {
            LogError::Io { path, source } => JournalError::Io { path, source },
            LogError::Locked(dir) => JournalError::Locked(dir),
        }
    }
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
    /// Plans the deliveries written with each batch (alerts, plug-ins).
    pub outbox: Option<OutboxHook>,
}

/// What the loader asks before and tells after each batch it writes: the
/// deliveries the batch's incidents ask for, written in the same
/// transaction (see `crate::alerts`).
pub trait Outbox: Send + Sync {
    fn plan(&self, batch: &[NewIncident]) -> Vec<cordon_store::Outgoing>;
    /// A batch of incidents was written, with deliveries planned or not
    /// (a sink subscribed to every incident reads them from its stream).
    fn written(&self, planned: bool);
}

#[derive(Clone)]
pub struct OutboxHook(pub Arc<dyn Outbox>);

impl std::fmt::Debug for OutboxHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutboxHook")
    }
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
    segments: Arc<Segments>,
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
    let id = log_id(&dir)?;
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
        segments: Arc::new(Segments::new(&dir, recovered.segments)),
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
        reader: cordon_record::Reader::new(shared.segments.clone(), recovered.loaded),
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
    _lock: cordon_record::DirLock,
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
        let mut refused = Vec::new();
        let outcome = self.write_group(jobs, buf, &mut refused);
        for (i, job) in jobs.drain(..).enumerate() {
            let answer = match refused.iter().find(|(j, _)| *j == i) {
                Some((_, e)) => Err(e.clone()),
                None => outcome.clone(),
            };
            let _ = job.done.send(answer);
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

    fn write_group(
        &mut self,
        jobs: &mut [Job],
        buf: &mut Vec<u8>,
        refused: &mut Vec<(usize, WriteError)>,
    ) -> Result<(), WriteError> {
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
        // A request whose incidents cannot be framed (one over the
        // record limit) is refused alone; the rest of the group goes on.
        for (i, job) in jobs.iter().enumerate() {
            let mark = buf.len();
            for incident in &job.incidents {
                if let Err(e) = cordon_record::append_json(buf, incident) {
                    buf.truncate(mark);
                    refused.push((
                        i,
                        WriteError::Journal(format!("cannot journal an incident: {e}")),
                    ));
                    break;
                }
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
                self.shared.segments.push(end);
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
    reader: cordon_record::Reader,
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
        self.reader.seek(self.done);
    }

    /// The next batch from the journal, bounded by count and bytes, and
    /// the position after it. Records that are not incidents are skipped
    /// and counted with the unreadable bytes.
    fn read_batch(&mut self, until: u64) -> (Vec<NewIncident>, u64) {
        let mut batch = Vec::new();
        let mut unreadable = 0;
        let skipped = self.reader.skipped_bytes();
        let pos = self.reader.read(
            until,
            self.config.batch.max(1),
            self.config.batch_bytes,
            |lsn, payload| match serde_json::from_slice::<NewIncident>(payload) {
                Ok(i) => batch.push(i),
                Err(e) => {
                    tracing::error!(lsn, "incident journal: skipping an unreadable record: {e}");
                    unreadable += payload.len() as u64 + cordon_record::HEADER;
                }
            },
        );
        let metrics = &self.shared.metrics;
        metrics
            .journal_skipped_bytes
            .inc_by(self.reader.skipped_bytes() - skipped + unreadable);
        (batch, pos)
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
                self.pending = Some(self.read_batch(until));
            }
            let Some((batch, pos)) = self.pending.as_ref() else {
                continue;
            };
            let pos = *pos;
            let started = Instant::now();
            let outgoing = self
                .config
                .outbox
                .as_ref()
                .map(|o| o.0.plan(batch))
                .unwrap_or_default();
            let result = self
                .store
                .insert_journaled_incidents(
                    batch,
                    &outgoing,
                    &self.id,
                    pos as i64,
                    cordon_store::now_millis(),
                )
                .await;
            if result.is_ok()
                && let Some(o) = &self.config.outbox
            {
                o.0.written(!outgoing.is_empty());
            }
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
                    self.shared.segments.delete_consumed(pos);
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
                    if kind.refuses_rows()
                        && let Some((batch, pos)) = self.pending.take()
                    {
                        let (kept, refused) =
                            set_aside_refused(self.store.as_ref(), &self.shared, batch, &e).await;
                        self.pending = Some((kept, pos));
                        if refused > 0 {
                            continue;
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
            computer: String::new(),
            categories: vec!["PII".into()],
            details: cordon_store::RawJson::from_serialized(format!("{{\"n\":{n}}}")),
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
            outbox: None,
        }
    }

    async fn test_store(dir: &Path) -> Arc<dyn Store> {
        let path = dir.join("db");
        cordon_store::open(
            &path.display().to_string(),
            &cordon_store::OpenOptions::default(),
        )
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn a_second_server_on_the_same_journal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = test_store(dir.path()).await;
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
            &dir.path().join("db"),
            "CREATE TRIGGER refuse BEFORE INSERT ON incidents WHEN NEW.username = 'poison' \
             BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END",
        )
        .await
        .unwrap();
        let store: Arc<dyn Store> = sqlite;
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
        cordon_store::testing::sqlite_execute(&dir.path().join("db"), "DROP TRIGGER refuse")
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

    /// A journal segment written before `cordon-record` existed (by the
    /// server of the previous commit: a download with card data, two
    /// violations, and an exception) loads into the database as the rows
    /// that server stored.
    #[tokio::test]
    async fn a_journal_written_by_the_previous_format_loads_as_it_did() {
        let dir = tempfile::tempdir().unwrap();
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../record/tests/fixtures");
        let config = test_config(dir.path());
        std::fs::create_dir_all(&config.dir).unwrap();
        std::fs::copy(
            fixtures.join("segment-v0.log"),
            cordon_record::segment_path(&config.dir, 0),
        )
        .unwrap();
        let store: Arc<dyn Store> = test_store(dir.path()).await;
        let q = open(
            store.clone(),
            config,
            Arc::new(Metrics::new()),
            Arc::default(),
        )
        .await
        .unwrap();
        assert!(q.sync(Duration::from_secs(10)).await);
        let rows = store
            .list_incidents(&cordon_store::IncidentFilter::default())
            .await
            .unwrap();
        let text = std::fs::read_to_string(fixtures.join("segment-v0.rows.json")).unwrap();
        let want: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(serde_json::to_value(&rows).unwrap(), want);
    }

    /// An incident over the record limit is refused before its request is
    /// answered (it used to be written, then skipped as corruption: an
    /// acknowledged incident lost), and the journal goes on.
    #[tokio::test]
    async fn an_incident_too_large_to_journal_is_refused_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = test_store(dir.path()).await;
        let mut config = test_config(dir.path());
        config.max_backlog_bytes = u64::MAX;
        let q = open(
            store.clone(),
            config,
            Arc::new(Metrics::new()),
            Arc::default(),
        )
        .await
        .unwrap();
        let mut big = incident(1);
        big.details = cordon_store::RawJson::from_value(&serde_json::json!({
            "d": "x".repeat(cordon_record::MAX_RECORD as usize)
        }));
        let err = q.record(vec![big]).await.unwrap_err();
        assert!(matches!(err, WriteError::Journal(_)), "{err}");
        q.record(vec![incident(2)]).await.unwrap();
        assert!(q.sync(Duration::from_secs(10)).await);
        assert_eq!(store.count_incidents().await.unwrap(), 1);
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

    #[tokio::test]
    async fn a_full_disk_refuses_the_request_and_the_journal_stays_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = test_store(dir.path()).await;
        // The segment is /dev/full: every write fails with ENOSPC, as on a
        // full disk.
        let config = test_config(dir.path());
        std::fs::create_dir_all(&config.dir).unwrap();
        std::os::unix::fs::symlink("/dev/full", cordon_record::segment_path(&config.dir, 0))
            .unwrap();
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
}
