//! The delivery lane: where deliveries are formatted and sent.
//!
//! Sending is background work — a SIEM, a webhook or a mailbox gets its
//! copy a little later when the server is saturated — while a decision
//! is what an endpoint or an application waits for. So the lane is a
//! tokio runtime of its own, one thread (and its blocking threads), run
//! at a lower scheduling priority (`delivery_nice`, [`DEFAULT_NICE`]): when the cores are idle a
//! delivery goes at once; when decisions keep every core busy they come
//! first and the lane runs in the moments they leave a core idle (at
//! nice 19 its weight is 15 against a busy thread's 1,024), the backlog
//! waiting in the database (streams and rows) and delivered as the load
//! falls. Measured (docs/benchmarks.md): the lane delivers more during a
//! saturating load than the same work did on the server's runtime, and
//! costs decisions about 0.5% instead of 8%.
//!
//! Only the sending runs here. Claims, reads and outcomes stay on the
//! server's runtime: a database connection opened on the lane would be
//! driven by the lane's slower thread, and so would the decisions that
//! used it next.
//!
//! If the lane cannot be started (no thread), deliveries are sent on the
//! caller's runtime, as before.

use std::sync::{Arc, OnceLock};

use cordon_alert::{Delivery as SinkDelivery, Outcome, Sink};

/// The lane's nice value unless configured (`delivery_nice`; Linux keeps
/// one per thread, and 0 is the server's own).
pub const DEFAULT_NICE: i32 = 19;

/// The nice value the lane's threads take when they start ([`start`]
/// sets it; a process normally runs one server, and tests that run more
/// share one lane).
static NICE: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(DEFAULT_NICE);

/// Starts the lane at `nice` (0-19). The lane is one per process: a
/// second server in the same process (tests) shares the first's.
pub fn start(nice: i32) {
    NICE.store(nice.clamp(0, 19), std::sync::atomic::Ordering::Relaxed);
    let _ = lane();
}

/// What one delivery carries.
pub enum Built {
    Alert(cordon_alert::Alert),
    Audit(cordon_alert::AuditEvent),
}

/// Sends `events` (with their idempotency `keys`, in the same order) to
/// `sink` on the lane and gives their outcomes in order. A send that
/// ended without outcomes (its task panicked) asks for every delivery to
/// be retried: nothing is marked delivered that was not.
pub async fn send(sink: Arc<Sink>, keys: Vec<String>, events: Vec<Built>) -> Vec<Outcome> {
    let n = events.len();
    let job = async move {
        let batch: Vec<SinkDelivery<'_>> = keys
            .iter()
            .zip(&events)
            .map(|(key, event)| match event {
                Built::Alert(a) => SinkDelivery::alert(key, a),
                Built::Audit(e) => SinkDelivery::audit(key, e),
            })
            .collect();
        sink.deliver(&batch).await
    };
    let Some(lane) = lane() else {
        return job.await;
    };
    // Dropped (the worker's task aborted at shutdown): the send stops too,
    // as it would have on the worker's runtime.
    let task = tokio_util::task::AbortOnDropHandle::new(lane.spawn(job));
    match task.await {
        Ok(outcomes) => outcomes,
        Err(e) => {
            tracing::error!(error = %e, "alerts: a delivery task ended without outcomes");
            let why = format!("the delivery ended without an outcome: {e}");
            (0..n).map(|_| Outcome::Retry(why.clone())).collect()
        }
    }
}

/// The lane's runtime, started on first use and kept for the process.
fn lane() -> Option<&'static tokio::runtime::Handle> {
    static LANE: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    LANE.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(4)
            .thread_name("cordon-deliver")
            .on_thread_start(lower_priority)
            .enable_all()
            .build()
            .inspect_err(|e| {
                tracing::warn!(error = %e, "alerts: no delivery lane; sending on the server's threads");
            })
            .ok()
    })
    .as_ref()
    .map(tokio::runtime::Runtime::handle)
}

/// Lowers the calling thread's priority to the lane's nice value. Failing to (a
/// sandbox that forbids it) leaves it at the server's: slower decisions
/// under load, nothing lost.
fn lower_priority() {
    // Linux keeps a nice value per thread: `setpriority(PRIO_PROCESS, 0)`
    // changes only the calling one.
    let nice = NICE.load(std::sync::atomic::Ordering::Relaxed);
    if nice == 0 {
        return;
    }
    if let Err(e) = rustix::process::setpriority_process(None, nice) {
        tracing::debug!(error = %e, "alerts: the delivery lane keeps the server's priority");
    }
}

/// The calling thread's nice value (for tests).
#[cfg(test)]
fn current_nice() -> i32 {
    rustix::process::getpriority_process(None).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lane_runs_below_the_servers_priority() {
        let before = current_nice();
        let lane = lane().expect("the lane starts");
        let (tx, rx) = std::sync::mpsc::channel();
        lane.spawn(async move {
            let _ = tx.send(current_nice());
        });
        let inside = rx.recv().expect("the lane answers");
        // At NICE, or above it if the tests already ran nicer (a thread
        // may always be made nicer, so below it means it was not).
        assert!(inside >= DEFAULT_NICE, "the lane's nice value is {inside}");
        assert_eq!(current_nice(), before, "the caller's thread is left alone");
    }
}
