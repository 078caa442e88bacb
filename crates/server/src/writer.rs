//! The incident writer: incidents leave the request path through a bounded
//! queue and are committed in batches by writer tasks (group commit).
//!
//! **Durability rule.** A request whose decision produced incidents is
//! answered only after the transaction holding its incidents has committed.
//! So every answered request's incidents survive a crash of the server
//! (SIGKILL included; with SQLite `synchronous = normal` a power loss can
//! still lose the last commits, `full` closes that too). Throughput comes
//! from batching: while one batch commits, the next requests queue up and
//! are committed together, so the database sees a few large transactions a
//! second instead of one per request. If a commit fails, every request in
//! the batch gets an error (`503`), never a silent success.

use std::sync::Arc;
use std::time::Instant;

use cordon_store::{NewIncident, Store, StoreError};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::metrics::Metrics;

/// Why incidents could not be recorded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriteError {
    #[error("the incident writer has stopped")]
    Closed,
    #[error("{0}")]
    Store(String),
    #[error("the database is full")]
    Full,
}

/// The outcome of the last batch commit, for `/readyz`: a database that
/// cannot take incidents is not ready, even if a probe write still fits.
#[derive(Debug, Default)]
pub struct WriteHealth {
    last_error: std::sync::Mutex<Option<(WriteError, String)>>,
}

impl WriteHealth {
    /// The error of the last commit, if it failed (cleared by a success).
    pub fn last_error(&self) -> Option<(WriteError, String)> {
        self.last_error.lock().ok().and_then(|g| g.clone())
    }

    fn set(&self, e: Option<(WriteError, String)>) {
        if let Ok(mut g) = self.last_error.lock() {
            *g = e;
        }
    }
}

struct Job {
    incidents: Vec<NewIncident>,
    done: oneshot::Sender<Result<(), WriteError>>,
}

/// The sending side, cloned into the app state.
#[derive(Clone)]
pub struct IncidentQueue {
    tx: mpsc::Sender<Job>,
}

impl std::fmt::Debug for IncidentQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncidentQueue")
            .field("capacity", &self.tx.capacity())
            .finish()
    }
}

impl IncidentQueue {
    /// Queues `incidents` and waits until they are committed.
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

    /// Waits (at most `limit`) until every queued incident was handed to
    /// a writer, then until a barrier job behind them is acknowledged.
    pub async fn drain(&self, limit: std::time::Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.tx.capacity() < self.tx.max_capacity() {
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!("incident queue not drained before shutdown");
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let (done, rx) = oneshot::channel();
        let barrier = Job {
            incidents: Vec::new(),
            done,
        };
        if self.tx.send(barrier).await.is_ok() {
            let _ = tokio::time::timeout_at(deadline, rx).await;
        }
    }
}

/// Handles of the writer tasks; await [`Writers::join`] after every
/// [`IncidentQueue`] clone is dropped to be sure everything was written.
pub struct Writers {
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl Writers {
    pub async fn join(self) {
        for h in self.handles {
            let _ = h.await;
        }
    }
}

/// Starts `writers` tasks committing batches of at most `batch` incidents.
pub fn start(
    store: Arc<dyn Store>,
    capacity: usize,
    batch: usize,
    writers: usize,
    metrics: Arc<Metrics>,
    health: Arc<WriteHealth>,
) -> (IncidentQueue, Writers) {
    let (tx, rx) = mpsc::channel::<Job>(capacity.max(1));
    let rx = Arc::new(Mutex::new(rx));
    let handles = (0..writers.max(1))
        .map(|_| {
            tokio::spawn(writer_loop(
                store.clone(),
                rx.clone(),
                batch.max(1),
                metrics.clone(),
                health.clone(),
            ))
        })
        .collect();
    (IncidentQueue { tx }, Writers { handles })
}

async fn writer_loop(
    store: Arc<dyn Store>,
    rx: Arc<Mutex<mpsc::Receiver<Job>>>,
    batch: usize,
    metrics: Arc<Metrics>,
    health: Arc<WriteHealth>,
) {
    let mut jobs: Vec<Job> = Vec::with_capacity(256);
    let mut rows: Vec<NewIncident> = Vec::with_capacity(batch);
    loop {
        // One writer at a time takes a batch off the queue; the others
        // commit theirs meanwhile.
        {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { return };
            let mut n = first.incidents.len();
            jobs.push(first);
            while n < batch {
                match rx.try_recv() {
                    Ok(job) => {
                        n += job.incidents.len();
                        jobs.push(job);
                    }
                    Err(_) => break,
                }
            }
        }
        for j in &mut jobs {
            rows.append(&mut j.incidents);
        }
        let started = Instant::now();
        let result = store.insert_incidents(&rows).await;
        metrics.observe_batch(rows.len(), started.elapsed(), result.is_ok());
        let outcome = match result {
            Ok(()) => {
                if !rows.is_empty() {
                    health.set(None);
                }
                Ok(())
            }
            Err(e) => {
                tracing::error!(incidents = rows.len(), "cannot record incidents: {e}");
                let err = if is_full(&e) {
                    WriteError::Full
                } else {
                    WriteError::Store("database error".to_owned())
                };
                health.set(Some((err.clone(), e.to_string())));
                Err(err)
            }
        };
        for j in jobs.drain(..) {
            let _ = j.done.send(outcome.clone());
        }
        rows.clear();
    }
}

pub fn is_full(e: &StoreError) -> bool {
    let s = e.to_string();
    s.contains("full") || s.contains("No space left")
}
