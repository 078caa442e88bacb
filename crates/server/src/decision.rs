//! The decide service: one event (and optionally its content) in, one
//! recorded decision out. The `/v1/decide` handler is a thin wrapper over
//! [`decide`]; the endpoint agent's in-process path will call it too.
//!
//! Steps, each a function below: inspect the content (within the
//! inspection slots) and put its classification and anything that could
//! not be read on the event; decide with the active policy set; count the
//! event for the dashboard; build the incidents; spend the caller's quota;
//! journal them. A violating decision is answered only once its incidents
//! are in the journal.

use chrono::Utc;
use cordon_policy::model::{Decision, Event};
use cordon_store::Millis;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::incident::{self, Facts, IncompletePart, MaskedFinding};
use crate::journal::WriteError;
use crate::state::{AppState, Ready};

/// Content to inspect before deciding.
pub struct Content {
    /// File name, used to pick the extractor (`report.docx`).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// One request to decide.
pub struct Request {
    pub event: Event,
    pub content: Option<Content>,
    /// The key asking: incidents remember it, and only it (or an admin key)
    /// may justify the decision's exception.
    pub caller_key: String,
    /// The computer that key is bound to, or `""`: incidents carry it,
    /// and it scopes them to the administrators who manage it.
    pub computer: String,
}

/// The recorded decision.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Outcome {
    /// Unguessable id under which the incidents are recorded.
    pub request_id: String,
    /// Incidents recorded for this decision (one per violation).
    pub incidents: usize,
    /// The engine's decision, explained.
    #[serde(flatten)]
    pub decision: Decision,
}

/// How many masked findings of inline content an incident keeps.
const MAX_FINDINGS: usize = 100;

pub async fn decide(st: &AppState, req: Request) -> ApiResult<Outcome> {
    let ready = st.ready()?;
    let Request {
        mut event,
        content,
        caller_key,
        computer,
    } = req;
    let (findings, unread) = match content {
        Some(c) => inspect_into(st, &mut event, c).await?,
        None => (Vec::new(), Vec::new()),
    };
    let now_ms = Utc::now().timestamp_millis();
    let loaded = ready.policy.load();
    let decision = loaded.engine.decide(&event);
    count(st, ready, &event, &decision, now_ms);
    let request_id = request_id();
    let incidents = if decision.violations.is_empty() {
        0
    } else {
        let batch = incident::build(
            &Facts {
                event: &event,
                decision: &decision,
                findings: &findings,
                unread: &unread,
                loaded: &loaded,
                request_id: &request_id,
                now_ms,
                caller_key: &caller_key,
                computer: &computer,
            },
            st.inspector.as_ref(),
        );
        let n = record(st, ready, &caller_key, batch).await?;
        // The detectors that found something in the violating content.
        if let Some(c) = event.file.as_ref().and_then(|f| f.classification.as_ref()) {
            ready
                .activity
                .record_detectors(now_ms, c.detectors.keys().map(String::as_str));
        }
        n
    };
    Ok(Outcome {
        request_id,
        incidents,
        decision,
    })
}

/// Inspects `c` and puts what was found on the event: the classification,
/// the type and size when the caller did not say, and every part that
/// could not be fully read (the policy engine never decides such content
/// as clean).
async fn inspect_into(
    st: &AppState,
    event: &mut Event,
    c: Content,
) -> ApiResult<(Vec<MaskedFinding>, Vec<IncompletePart>)> {
    let permit = st.admission.inspection().await?;
    let inspector = st.inspector.clone();
    let report = tokio::task::spawn_blocking(move || {
        let r = inspector.inspect(&c.name, &c.bytes);
        drop(permit);
        r
    })
    .await
    .map_err(|e| ApiError::internal("inspection task", &e))?;
    let unread: Vec<IncompletePart> = report
        .errors
        .iter()
        .chain(&report.incomplete)
        .map(|p| IncompletePart {
            location: p.location.clone(),
            reason: p.message.clone(),
        })
        .collect();
    let file = event.file.get_or_insert_with(Default::default);
    file.classification = Some(report.classification.clone());
    if file.file_type.is_none() {
        file.file_type = Some(report.file_type.clone());
    }
    if file.size.is_none() {
        file.size = report.size;
    }
    mark_incomplete(event, &report.path, report.complete, &unread);
    let findings = report
        .findings
        .into_iter()
        .take(MAX_FINDINGS)
        .map(|f| MaskedFinding {
            detector: f.detector,
            category: f.category,
            confidence: f.confidence,
            location: f.location,
            masked: f.masked,
        })
        .collect();
    Ok((findings, unread))
}

/// Puts on the event what could not be inspected, so the policy engine
/// sees it: its built-in `cordon:incomplete-content` rule denies such
/// content unless the policy says `incompleteContent: decide`.
fn mark_incomplete(event: &mut Event, path: &str, complete: bool, unread: &[IncompletePart]) {
    let file = event.file.get_or_insert_with(Default::default);
    file.incomplete.extend(unread.iter().cloned());
    if !complete && file.incomplete.is_empty() {
        file.incomplete.push(IncompletePart {
            location: path.to_owned(),
            reason: "the content was not fully inspected".to_owned(),
        });
    }
}

/// Metrics and dashboard activity for one decided event.
fn count(st: &AppState, ready: &Ready, event: &Event, d: &Decision, now_ms: Millis) {
    st.metrics
        .decisions
        .get_or_create(&crate::metrics::DecisionLabels {
            decision: d.decision.as_str(),
        })
        .inc();
    let user = username(event);
    ready
        .activity
        .record(now_ms, event.action.as_str(), user.as_deref());
}

/// Spends the caller's incident quota and journals the batch.
pub(crate) async fn record(
    st: &AppState,
    ready: &Ready,
    caller_key: &str,
    batch: Vec<cordon_store::NewIncident>,
) -> ApiResult<usize> {
    let n = batch.len();
    let bytes: usize = batch.iter().map(|i| i.details.as_str().len() + 256).sum();
    let pressure = ready.incidents.backlog() > st.settings.journal_max_backlog_bytes / 2;
    st.admission.spend(caller_key, bytes, pressure)?;
    ready.incidents.record(batch).await.map_err(|e| match e {
        WriteError::Full => ApiError::unavailable(
            "storage_full",
            "the database is full: the violation could not be recorded",
        ),
        e @ WriteError::Backlog(_) => ApiError::unavailable(
            "incident_backlog",
            format!("the violation could not be recorded: {e}"),
        ),
        other => ApiError::unavailable(
            "incident_not_recorded",
            format!("the violation could not be recorded: {other}"),
        ),
    })?;
    Ok(n)
}

fn username(e: &Event) -> Option<String> {
    let u = e.user.as_ref()?;
    u.username.clone().or_else(|| u.email.clone())
}

/// A request id nobody can guess: 128 random bits. It names the incidents
/// of a decision and is what a caller quotes to justify an exception, so
/// it must not be enumerable.
fn request_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
