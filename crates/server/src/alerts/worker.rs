//! The delivery worker: one loop per server that claims due deliveries
//! target by target and delivers them, one task per target, so a slow or
//! dead receiver delays only its own deliveries.
//!
//! A sink subscribed to every incident is delivered from its stream
//! instead ([`cordon_store::StreamStore`]): one task per stream, claimed
//! for a lease, the incidents after its position delivered in order and
//! the position moved past them.
//!
//! Order: a target's deliveries are claimed oldest first, and a target
//! whose receiver asked to retry is left alone on this server until the
//! retry is due, so a backlog is delivered in order when the receiver
//! returns. With several servers, two may deliver to one target at once;
//! order then holds per server only.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use cordon_alert::Outcome;
use cordon_store::{
    Actor, Delivery, Finish, HistoryEntry, Millis, Store, StreamEnd, StreamFailure, delivery_key,
    stream_key,
};
use serde_json::json;
use tokio::task::JoinSet;

use std::sync::Arc;

use super::lane::{self, Built};
use crate::state::{AppState, WeakState};

/// The longest delay between retries.
const MAX_BACKOFF: Millis = 15 * 60_000;
/// A target whose claim failed (the database) is left alone this long.
const CLAIM_PAUSE: Millis = 5_000;
/// Most deliveries of one target claimed at once.
const MAX_CLAIM: usize = 200;
/// Most targets delivered to at once by this server.
const MAX_TARGETS: usize = 16;
/// The shortest time between two looks for due deliveries that were
/// asked for by a wake-up (incidents or audit entries written).
const WAKE_GAP: Duration = Duration::from_millis(50);

/// The delay before attempt `attempts + 1`: `first`, doubled each time up
/// to 15 minutes, with up to 10% jitter so servers and targets do not
/// retry in step.
pub fn backoff(first: Millis, attempts: i64) -> Millis {
    let exp = attempts.clamp(1, 20) - 1;
    let base = first.max(1).saturating_mul(1_i64 << exp).min(MAX_BACKOFF);
    base + ((uuid::Uuid::new_v4().as_u64_pair().0 as u32) as Millis % (base / 10 + 1))
}

/// Runs until the server stops (its state is dropped or shutting down).
/// Only the target tasks hold the state, for one batch each.
pub async fn run(weak: WeakState, alerts: Arc<super::Alerts>, poll: Duration) {
    super::register_worker(&alerts);
    let holder = format!(
        "{}:{}:{:08x}",
        hostname(),
        std::process::id(),
        (uuid::Uuid::new_v4().as_u64_pair().0 as u32)
    );
    let mut tasks: JoinSet<Option<Millis>> = JoinSet::new();
    let mut busy: HashSet<String> = HashSet::new();
    let mut blocked: HashMap<String, Millis> = HashMap::new();
    let mut ids: HashMap<tokio::task::Id, String> = HashMap::new();
    let mut last_look = tokio::time::Instant::now();
    loop {
        tokio::select! {
            () = tokio::time::sleep(poll) => {}
            () = alerts.wake.notified() => {
                // The loader rings for every batch it writes: under load
                // hundreds of times a second, each look a few queries on
                // the database the loader writes to. Looks are at least
                // WAKE_GAP apart; a finished task is looked after at once.
                tokio::time::sleep_until(last_look + WAKE_GAP).await;
            }
            Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                settle(done, &mut ids, &mut busy, &mut blocked);
            }
        }
        last_look = tokio::time::Instant::now();
        while let Some(done) = tasks.try_join_next_with_id() {
            settle(done, &mut ids, &mut busy, &mut blocked);
        }
        let Some(st) = weak.upgrade() else {
            tasks.abort_all();
            return;
        };
        let Ok(ready) = st.ready() else { continue };
        let store = ready.store.clone();
        let Ok(seal) = st.login.seal_key() else {
            continue;
        };
        st.alerts.refresh_if_stale(store.as_ref(), seal).await;
        if !st.alerts.usable() {
            // Deliver nothing rather than fail deliveries for sinks this
            // server cannot see (another server may deliver them).
            continue;
        }
        let now = cordon_store::now_millis();
        let due = match store.due_targets(now).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "alerts: due deliveries could not be read");
                continue;
            }
        };
        let snapshot = st.alerts.snapshot();
        for d in due {
            if busy.len() >= MAX_TARGETS {
                break;
            }
            if busy.contains(&d.target) || blocked.get(&d.target).is_some_and(|&t| t > now) {
                continue;
            }
            // An endpoint's plug-in call: its agent claims it
            // (`GET /v1/agent/tasks`), unless the plug-in is gone (then
            // it is failed here, visibly).
            if let Some(rest) = d.target.strip_prefix(super::plan::AGENT_PREFIX)
                && snapshot.agent_plugin(agent_plugin_name(rest)).is_some()
            {
                continue;
            }
            // An e-mail digest waits until its oldest alert is old enough.
            if let Some(id) = d.target.strip_prefix("sink:")
                && let Some(entry) = snapshot.settings.sinks.iter().find(|s| s.id == id)
            {
                let digest = entry.config.digest_ms() as Millis;
                if digest > 0 && d.oldest_created_at + digest > now {
                    continue;
                }
            }
            // A sink this server cannot build (a CA file missing here) is
            // left to servers that can; one deleted everywhere fails.
            if let Some(id) = d.target.strip_prefix("sink:")
                && snapshot.sink_errors.contains_key(id)
            {
                continue;
            }
            busy.insert(d.target.clone());
            let st = st.clone();
            let holder = holder.clone();
            let store = store.clone();
            let target = d.target.clone();
            let handle = tasks.spawn(async move {
                deliver_target(&st, store.as_ref(), &d.target, &holder).await
            });
            ids.insert(handle.id(), target);
        }
        // Sinks subscribed to every incident: their streams.
        if !snapshot.streams() {
            continue;
        }
        let read = async {
            Ok::<_, cordon_store::StoreError>((
                store.streams().await?,
                store.last_incident_id().await?,
            ))
        };
        let (streams, last) = match read.await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "alerts: the streams could not be read");
                continue;
            }
        };
        for entry in snapshot.settings.sinks.iter().filter(|e| e.streamed()) {
            let key = format!("{STREAM_PREFIX}{}", entry.id);
            if busy.len() >= MAX_TARGETS {
                break;
            }
            if busy.contains(&key)
                || blocked.get(&key).is_some_and(|&t| t > now)
                || !snapshot.sinks.contains_key(&entry.id)
            {
                // Busy here, waiting, or a sink this server cannot build
                // (left to servers that can).
                continue;
            }
            let Some(stream) = streams.iter().find(|s| s.sink == entry.id) else {
                // Opened when the sink was configured; one configured
                // before streams existed gets it here.
                if let Err(e) = store.open_stream(&entry.id, now).await {
                    tracing::warn!(sink = %entry.id, error = %e, "alerts: the stream could not be opened");
                }
                continue;
            };
            let held = stream.holder.is_some() && stream.until.is_some_and(|u| u > now);
            if stream.pos >= last || stream.next_at > now || held {
                continue;
            }
            busy.insert(key.clone());
            let st = st.clone();
            let holder = holder.clone();
            let store = store.clone();
            let sink = entry.id.clone();
            let handle = tasks
                .spawn(async move { deliver_stream(&st, store.as_ref(), &sink, &holder).await });
            ids.insert(handle.id(), key);
        }
    }
}

/// The worker's name for a stream's task (never a delivery target).
const STREAM_PREFIX: &str = "stream:";

/// Claims the stream of `sink`, delivers the incidents after its position
/// in order, and moves it past those delivered or given up; returns until
/// when it should be left alone.
///
/// The batch is walked in order: delivered and refused incidents are done
/// (a refused one becomes a failed row with its reason, retried by hand);
/// the first one the receiver asks to retry stops the walk, and the
/// stream backs off from there, so a receiver that returns gets the
/// backlog in order. One kept failing for `delivery_retry_hours` is given
/// up like a refused one.
async fn deliver_stream(
    st: &AppState,
    store: &dyn Store,
    sink_id: &str,
    holder: &str,
) -> Option<Millis> {
    let snapshot = st.alerts.snapshot();
    let sink = snapshot.sinks.get(sink_id).cloned()?;
    let lease = st.settings.delivery_lease_ms as Millis;
    let now = cordon_store::now_millis();
    let claimed = match store.claim_stream(sink_id, holder, now, lease).await {
        Ok(Some(c)) => c,
        // Another server has it, or it is not due.
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!(sink = sink_id, error = %e, "alerts: the stream could not be claimed");
            return Some(now + CLAIM_PAUSE);
        }
    };
    let let_go = |next_at: Millis, error: Option<String>| StreamEnd::Stall { next_at, error };
    // An e-mail digest waits until its oldest alert is old enough: until
    // then only that one is read (the worker looks every 50 ms under load).
    let digest = snapshot
        .settings
        .sinks
        .iter()
        .find(|e| e.id == sink_id)
        .map_or(0, |e| e.config.digest_ms() as Millis);
    let full = sink.max_batch().clamp(1, MAX_CLAIM) as i64;
    let read = |limit: i64| async move {
        let read = store.incidents_after(claimed.pos, limit).await;
        read.map_err(|e| {
            tracing::warn!(sink = sink_id, error = %e, "alerts: the stream's incidents could not be read");
        })
    };
    let mut batch = match read(if digest > 0 { 1 } else { full }).await {
        Ok(b) => b,
        Err(()) => {
            end_stream(store, &claimed, let_go(now + CLAIM_PAUSE, None)).await;
            return Some(now + CLAIM_PAUSE);
        }
    };
    let Some(head) = batch.first() else {
        end_stream(store, &claimed, let_go(now, None)).await;
        return None;
    };
    if digest > 0 {
        let due = head.incident.created_at + digest;
        if due > now {
            end_stream(store, &claimed, let_go(due, None)).await;
            return Some(due);
        }
        match read(full).await {
            Ok(b) => batch = b,
            Err(()) => {
                end_stream(store, &claimed, let_go(now + CLAIM_PAUSE, None)).await;
                return Some(now + CLAIM_PAUSE);
            }
        }
    }
    let base_url = st.settings.public_url.as_deref();
    let alerts: Vec<Built> = batch
        .iter()
        .map(|i| Built::Alert(super::alert::alert_of(i, base_url)))
        .collect();
    let keys: Vec<String> = batch.iter().map(|i| stream_key(sink_id, i.id)).collect();
    let outcomes = lane::send(sink, keys, alerts).await;
    let target = format!("sink:{sink_id}");
    let now = cordon_store::now_millis();
    let give_up_after = (st.settings.delivery_retry_hours as Millis) * 3_600_000;
    let attempts = claimed.attempts + 1;
    let (mut to, mut delivered, mut failed, mut retry) = (claimed.pos, 0, Vec::new(), None);
    for (incident, outcome) in batch.iter().zip(outcomes) {
        let error = match outcome {
            Outcome::Delivered => {
                st.metrics.observe_delivery(&target, "delivered");
                delivered += 1;
                to = incident.id;
                continue;
            }
            Outcome::Failed(e) => e,
            Outcome::Retry(e) if now < incident.incident.created_at + give_up_after => {
                st.metrics.observe_delivery(&target, "retry");
                retry = Some(e);
                break;
            }
            Outcome::Retry(e) => format!(
                "{e} (gave up after {attempts} attempts over {} h)",
                st.settings.delivery_retry_hours
            ),
        };
        st.metrics.observe_delivery(&target, "failed");
        let detail =
            json!({"sink": sink_id, "outcome": "failed", "attempts": attempts, "error": error});
        failed.push(StreamFailure {
            incident_id: incident.id,
            attempts,
            history: Some(HistoryEntry {
                at: now,
                actor: Actor::System,
                kind: "alert".to_owned(),
                detail,
            }),
            error,
        });
        to = incident.id;
    }
    let backoff_until = retry
        .as_ref()
        .map(|_| now + backoff(st.settings.delivery_backoff_ms as Millis, attempts));
    let end = match (to > claimed.pos, retry) {
        (true, _) => StreamEnd::Advance {
            to,
            delivered,
            failed,
        },
        (false, Some(e)) => let_go(backoff_until.unwrap_or(now), Some(e)),
        (false, None) => let_go(now, None),
    };
    end_stream(store, &claimed, end).await;
    // Progress made before a retry: the next try (from the one that asked)
    // still waits here.
    backoff_until
}

async fn end_stream(store: &dyn Store, claimed: &cordon_store::SinkStream, end: StreamEnd) {
    match store
        .end_stream(claimed, cordon_store::now_millis(), &end)
        .await
    {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            sink = %claimed.sink,
            "alerts: the stream's lease ended before its batch was recorded; another server may deliver it again"
        ),
        Err(e) => tracing::error!(
            sink = %claimed.sink,
            error = %e,
            "alerts: the stream's batch could not be recorded; it will be delivered again after the lease"
        ),
    }
}

/// Notes a finished target task: free again, and blocked until its retry
/// is due when its receiver asked to retry.
fn settle(
    done: Result<(tokio::task::Id, Option<Millis>), tokio::task::JoinError>,
    ids: &mut HashMap<tokio::task::Id, String>,
    busy: &mut HashSet<String>,
    blocked: &mut HashMap<String, Millis>,
) {
    let (id, until) = match done {
        Ok((id, until)) => (id, until),
        Err(e) => {
            // A task that panicked: its claims expire and are delivered again.
            tracing::error!(error = %e, "alerts: a delivery task failed");
            (e.id(), Some(cordon_store::now_millis() + CLAIM_PAUSE))
        }
    };
    let Some(target) = ids.remove(&id) else {
        return;
    };
    busy.remove(&target);
    match until {
        Some(t) => {
            blocked.insert(target, t);
        }
        None => {
            blocked.remove(&target);
        }
    }
}

/// Claims and delivers one batch of `target`; returns until when the
/// target should be left alone (its receiver asked to retry).
async fn deliver_target(
    st: &AppState,
    store: &dyn Store,
    target: &str,
    holder: &str,
) -> Option<Millis> {
    let mut snapshot = st.alerts.snapshot();
    if let Some(id) = target.strip_prefix("sink:")
        && !snapshot.sinks.contains_key(id)
        && !snapshot.sink_errors.contains_key(id)
        && let Ok(seal) = st.login.seal_key()
    {
        // A sink this snapshot does not know may have been configured
        // since it was read (its first deliveries can be written before
        // this server rereads): read again before failing them.
        st.alerts.reload(store, seal).await;
        snapshot = st.alerts.snapshot();
    }
    let sink = target
        .strip_prefix("sink:")
        .map(|id| (id, snapshot.sinks.get(id).cloned()));
    let limit = match &sink {
        Some((_, Some(s))) => s.max_batch().clamp(1, MAX_CLAIM),
        _ => 1,
    };
    let lease = st.settings.delivery_lease_ms as Millis;
    let now = cordon_store::now_millis();
    let rows = match store
        .claim_deliveries(target, holder, now, lease, limit as i64)
        .await
    {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(target, error = %e, "alerts: deliveries could not be claimed");
            return Some(now + CLAIM_PAUSE);
        }
    };
    if rows.is_empty() {
        return None;
    }
    let base_url = st.settings.public_url.as_deref();
    if let Some(rest) = target.strip_prefix(super::plan::AGENT_PREFIX) {
        let name = agent_plugin_name(rest);
        let why = format!("plug-in `{name}` is no longer installed to run on agents");
        for row in &rows {
            let history = HistoryEntry {
                at: cordon_store::now_millis(),
                actor: Actor::System,
                kind: "plugin".to_owned(),
                detail: json!({"plugin": name, "delivery": row.id, "status": "error", "message": why}),
            };
            let f = Finish::Failed { error: why.clone() };
            finish(st, store, row, holder, f, Some(&history)).await;
        }
        return None;
    }
    match (sink, target.strip_prefix("plugin:")) {
        (Some((id, Some(sink))), _) => {
            let ids: Vec<i64> = rows.iter().filter_map(|r| r.incident_id).collect();
            let audit_ids: Vec<i64> = rows.iter().filter_map(|r| r.audit_id).collect();
            let read = async {
                let found = if ids.is_empty() {
                    Vec::new()
                } else {
                    store.get_incidents(&ids).await?
                };
                let entries = if audit_ids.is_empty() {
                    Vec::new()
                } else {
                    store.get_audit_records(&audit_ids).await?
                };
                Ok::<_, cordon_store::StoreError>((found, entries))
            };
            let (found, entries) = match read.await {
                Ok(read) => read,
                Err(e) => {
                    // The claim lapses and the batch is tried again.
                    tracing::warn!(target, error = %e, "alerts: incidents or audit entries could not be read");
                    return Some(cordon_store::now_millis() + CLAIM_PAUSE);
                }
            };
            let mut done = Vec::with_capacity(rows.len());
            let mut ready_rows = Vec::with_capacity(rows.len());
            let mut events = Vec::with_capacity(rows.len());
            for row in rows {
                let event = match (row.incident_id, row.audit_id) {
                    (Some(id), _) => found
                        .binary_search_by_key(&id, |i| i.id)
                        .ok()
                        .and_then(|at| found.get(at))
                        .map(|i| Built::Alert(super::alert::alert_of(i, base_url)))
                        .ok_or_else(|| format!("incident {id} no longer exists")),
                    (None, Some(id)) => entries
                        .binary_search_by_key(&id, |r| r.id)
                        .ok()
                        .and_then(|at| entries.get(at))
                        .map(|r| Built::Audit(super::alert::audit_event(r)))
                        .ok_or_else(|| format!("audit entry {id} does not exist")),
                    (None, None) => Err("a delivery of nothing".to_owned()),
                };
                match event {
                    Ok(event) => {
                        events.push(event);
                        ready_rows.push(row);
                    }
                    Err(error) => done.push((row.id, Finish::Failed { error }, None)),
                }
            }
            let keys: Vec<String> = ready_rows.iter().map(|r| delivery_key(r.id)).collect();
            let outcomes = lane::send(sink, keys, events).await;
            // A SIEM's or archive's copy of every incident is not worth a
            // History line each; alerts people asked for are, and so is
            // any delivery given up.
            let quiet = snapshot
                .settings
                .sinks
                .iter()
                .any(|e| e.id == id && e.on == super::config::Subscription::All);
            let now = cordon_store::now_millis();
            // One retry time for the whole batch, from its head's attempts:
            // rows retried together stay due together, so the next claim
            // takes them in order again.
            let retry_at = now
                + backoff(
                    st.settings.delivery_backoff_ms as Millis,
                    ready_rows.first().map_or(1, |r| r.attempts),
                );
            let mut until = None;
            for (row, outcome) in ready_rows.iter().zip(outcomes) {
                let (f, said) = judge(st, row, outcome, now, retry_at);
                if let Finish::Retry { next_at, .. } = &f {
                    until = Some(until.map_or(*next_at, |u: Millis| u.min(*next_at)));
                }
                // An audit entry's delivery has no incident to tell.
                let history = said
                    .filter(|(outcome, _)| {
                        row.incident_id.is_some()
                            && !(quiet && *outcome == "delivered" && row.rule.is_empty())
                    })
                    .map(|(outcome, error)| history_of_sink(id, row, outcome, error.as_deref()));
                done.push((row.id, f, history));
            }
            finish_all(st, store, target, holder, done).await;
            until
        }
        (Some((id, None)), _) => {
            let why = snapshot
                .sink_errors
                .get(id)
                .map(|e| format!("sink `{id}` cannot be used: {e}"))
                .unwrap_or_else(|| format!("sink `{id}` is not configured or is disabled"));
            for row in &rows {
                let history = history_of_sink(id, row, "failed", Some(&why));
                let f = Finish::Failed { error: why.clone() };
                finish(st, store, row, holder, f, Some(&history)).await;
            }
            None
        }
        (None, Some(name)) => {
            for row in &rows {
                run_plugin(st, store, name, row, holder, base_url).await;
            }
            None
        }
        (None, None) => {
            for row in &rows {
                let f = Finish::Failed {
                    error: format!("unknown target `{target}`"),
                };
                finish(st, store, row, holder, f, None).await;
            }
            None
        }
    }
}

/// The store's outcome for a sink's answer, and what the incident's
/// history says (only when the delivery ends: delivered or given up).
fn judge<'a>(
    st: &AppState,
    row: &Delivery,
    outcome: Outcome,
    now: Millis,
    retry_at: Millis,
) -> (Finish, Option<(&'a str, Option<String>)>) {
    match outcome {
        Outcome::Delivered => (Finish::Delivered, Some(("delivered", None))),
        Outcome::Failed(e) => (
            Finish::Failed { error: e.clone() },
            Some(("failed", Some(e))),
        ),
        Outcome::Retry(e) => {
            let give_up = row.created_at + (st.settings.delivery_retry_hours as Millis) * 3_600_000;
            if now >= give_up {
                let e = format!(
                    "{e} (gave up after {} attempts over {} h)",
                    row.attempts, st.settings.delivery_retry_hours
                );
                (
                    Finish::Failed { error: e.clone() },
                    Some(("failed", Some(e))),
                )
            } else {
                (
                    Finish::Retry {
                        next_at: retry_at,
                        error: e,
                    },
                    None,
                )
            }
        }
    }
}

/// The plug-in of an agent target's `<computer>/<plugin>`.
pub(crate) fn agent_plugin_name(rest: &str) -> &str {
    rest.rsplit_once('/').map_or(rest, |(_, p)| p)
}

fn history_of_sink(sink: &str, row: &Delivery, outcome: &str, error: Option<&str>) -> HistoryEntry {
    let mut detail = json!({
        "sink": sink,
        "delivery": row.id,
        "outcome": outcome,
        "attempts": row.attempts,
    });
    if let Some(e) = error {
        detail["error"] = e.into();
    }
    HistoryEntry {
        at: cordon_store::now_millis(),
        actor: Actor::System,
        kind: "alert".to_owned(),
        detail,
    }
}

/// Runs plug-in `name` for one delivery. A plug-in's answer, whatever it
/// is, ends the delivery: a plug-in may not be safe to run twice, so
/// nothing is retried automatically (an administrator can).
async fn run_plugin(
    st: &AppState,
    store: &dyn Store,
    name: &str,
    row: &Delivery,
    holder: &str,
    base_url: Option<&str>,
) {
    let outcome: Result<cordon_plugin::Response, String> = async {
        let installed = st.alerts.installed_plugin(store, name).await?;
        let id = row
            .incident_id
            .ok_or_else(|| "plug-ins run for incidents only".to_owned())?;
        let incident = store
            .get_incident(id)
            .await
            .map_err(|e| format!("incident {id} cannot be read: {e}"))?;
        let params = st.alerts.snapshot().settings.plugin_params(&row.rule, name);
        let incident = super::alert::plugin_incident(&incident, base_url);
        let mut limits = cordon_plugin::RunLimits::for_manifest(
            &installed.manifest,
            Duration::from_millis(st.settings.plugin_timeout_ms),
        );
        limits.user = st.settings.plugin_ids();
        let request = cordon_plugin::Request::new(&installed.manifest, &incident, &params, &limits);
        cordon_plugin::run(&installed, &request, &limits)
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    let (f, detail) = match outcome {
        Ok(r) => {
            let status = r.status.as_str();
            let mut detail = json!({
                "plugin": name,
                "delivery": row.id,
                "status": status,
                "message": r.message,
            });
            if !r.details.is_null() {
                detail["details"] = r.details.clone();
            }
            let f = if status == "failed" {
                Finish::Failed {
                    error: format!("plug-in `{name}` failed: {}", r.message),
                }
            } else {
                Finish::Delivered
            };
            (f, detail)
        }
        Err(e) => (
            Finish::Failed { error: e.clone() },
            json!({"plugin": name, "delivery": row.id, "status": "error", "message": e}),
        ),
    };
    let history = HistoryEntry {
        at: cordon_store::now_millis(),
        actor: Actor::System,
        kind: "plugin".to_owned(),
        detail,
    };
    finish(st, store, row, holder, f, Some(&history)).await;
}

/// Records a batch's outcomes in one transaction.
async fn finish_all(
    st: &AppState,
    store: &dyn Store,
    target: &str,
    holder: &str,
    done: Vec<(i64, Finish, Option<HistoryEntry>)>,
) {
    for (_, f, _) in &done {
        st.metrics.observe_delivery(target, label(f));
    }
    match store
        .finish_deliveries(holder, cordon_store::now_millis(), &done)
        .await
    {
        Ok(held) => {
            let lost = held.iter().filter(|h| !**h).count();
            if lost > 0 {
                tracing::warn!(
                    target,
                    lost,
                    "alerts: claims expired before the outcomes were recorded; another server may deliver them again"
                );
            }
        }
        Err(e) => tracing::error!(
            target,
            error = %e,
            "alerts: outcomes could not be recorded; the batch will be delivered again after the lease"
        ),
    }
}

fn label(f: &Finish) -> &'static str {
    match f {
        Finish::Delivered => "delivered",
        Finish::Retry { .. } => "retry",
        Finish::Failed { .. } => "failed",
    }
}

async fn finish(
    st: &AppState,
    store: &dyn Store,
    row: &Delivery,
    holder: &str,
    f: Finish,
    history: Option<&HistoryEntry>,
) {
    st.metrics.observe_delivery(&row.target, label(&f));
    match store
        .finish_delivery(row.id, holder, cordon_store::now_millis(), &f, history)
        .await
    {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            delivery = row.id,
            target = %row.target,
            "alerts: the claim expired before the outcome was recorded; another server may deliver it again"
        ),
        Err(e) => tracing::error!(
            delivery = row.id,
            target = %row.target,
            error = %e,
            "alerts: the outcome could not be recorded; it will be delivered again after the lease"
        ),
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "cordon".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_cap_with_small_jitter() {
        for (attempts, base) in [(1, 5_000), (2, 10_000), (3, 20_000), (30, MAX_BACKOFF)] {
            let b = backoff(5_000, attempts);
            assert!(b >= base && b <= base + base / 10, "{attempts}: {b}");
        }
    }
}
