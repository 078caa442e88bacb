//! The policy-engine lifecycle, in one place: check and compile documents
//! (off the async workers, bounded in number and time), build the engine
//! from the active versions, activate and roll back, reload when any
//! server changes the set, bootstrap from `--policy`, and apply stored
//! justifications (exception windows) to the current engine.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone as _, Utc};
use cordon_policy::model::{Category, FlowKey};
use cordon_store::{Actor, NewJustification, NewPolicyVersion, PolicyVersion, Store};

use crate::engine::{DecisionEngine, Diag, DocInfo, OpenWindow, PolicyCompiler, PolicyDoc};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Ready};

/// The loaded policy set.
pub struct Loaded {
    pub engine: Arc<dyn DecisionEngine>,
    pub generation: i64,
    /// (policy id, version) of every active policy.
    pub versions: Vec<(String, i64)>,
}

/// Runs `job` (a policy check or compile) on a blocking thread, at most
/// `policy_checks` at a time and for at most `policy_check_timeout_ms`:
/// a hostile document can cost one blocking thread for a while, never an
/// async worker, and never more threads than the permits.
async fn off_thread<T: Send + 'static>(
    st: &AppState,
    job: impl FnOnce() -> T + Send + 'static,
) -> ApiResult<T> {
    let limit = Duration::from_millis(st.settings.policy_check_timeout_ms);
    let permit = tokio::time::timeout(limit, st.admission.policy_checks.clone().acquire_owned())
        .await
        .map_err(|_| {
            ApiError::unavailable(
                "policy_checks_busy",
                "too many policy checks are running; retry shortly",
            )
        })?
        .map_err(|e| ApiError::internal("policy check permits", &e))?;
    let task = tokio::task::spawn_blocking(move || {
        let out = job();
        drop(permit);
        out
    });
    match tokio::time::timeout(limit, task).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(ApiError::internal("policy check task", &e)),
        Err(_) => Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "policy_too_complex",
            format!(
                "checking the policy took longer than {} ms; simplify the document",
                limit.as_millis()
            ),
        )),
    }
}

/// Checks one document without saving it.
pub async fn check(
    st: &AppState,
    format: &str,
    body: &str,
) -> ApiResult<Result<DocInfo, Vec<Diag>>> {
    let compiler = st.compiler.clone();
    let (format, body) = (format.to_owned(), body.to_owned());
    off_thread(st, move || compiler.check(&format, &body)).await
}

/// Tries a draft: its test cases, and `event` decided by it alone (off
/// the async workers, within the policy-check limits).
pub async fn trial(
    st: &AppState,
    format: &str,
    body: &str,
    event: Option<cordon_policy::model::Event>,
    justification: Option<String>,
) -> ApiResult<Result<crate::engine::Trial, Vec<Diag>>> {
    let compiler = st.compiler.clone();
    let (format, body) = (format.to_owned(), body.to_owned());
    off_thread(st, move || {
        compiler.trial(&format, &body, event.as_ref(), justification.as_deref())
    })
    .await
}

/// Checks one document; a document with errors is `422 policy_invalid`.
pub async fn check_valid(st: &AppState, format: &str, body: &str) -> ApiResult<DocInfo> {
    check(st, format, body)
        .await?
        .map_err(|d| ApiError::policy_invalid("the policy does not check", d))
}

fn compile(
    compiler: &dyn PolicyCompiler,
    versions: &[PolicyVersion],
) -> Result<Arc<dyn DecisionEngine>, Vec<Diag>> {
    let docs: Vec<PolicyDoc<'_>> = versions
        .iter()
        .map(|v| PolicyDoc {
            id: &v.policy_id,
            version: v.version,
            format: &v.format,
            body: &v.body,
        })
        .collect();
    compiler.compile(&docs)
}

/// Compiles the active policy versions into an engine, on a blocking
/// thread (a first start compiles before any request is served).
pub async fn build_engine(
    compiler: &Arc<dyn PolicyCompiler>,
    store: &dyn Store,
) -> Result<Loaded, String> {
    // Read the generation first: if an activation lands in between, the
    // next poll sees a newer generation and rebuilds again.
    let generation = store.policy_generation().await.map_err(|e| e.to_string())?;
    let active = store
        .active_policy_versions()
        .await
        .map_err(|e| e.to_string())?;
    let versions = active
        .iter()
        .map(|v| (v.policy_id.clone(), v.version))
        .collect();
    let compiler = compiler.clone();
    let engine = tokio::task::spawn_blocking(move || compile(compiler.as_ref(), &active))
        .await
        .map_err(|e| format!("the policy compiler failed: {e}"))?
        .map_err(|diags| {
            let first = diags.first().map(|d| d.message.clone()).unwrap_or_default();
            format!("the active policies do not compile: {first}")
        })?;
    Ok(Loaded {
        engine,
        generation,
        versions,
    })
}

/// Rebuilds the engine from the database now.
pub async fn reload(state: &AppState, ready: &Ready) {
    match build_engine(&state.compiler, ready.store.as_ref()).await {
        Ok(loaded) => {
            tracing::info!(generation = loaded.generation, "policy set reloaded");
            state.metrics.policy_generation.set(loaded.generation);
            state
                .metrics
                .policy_reloads
                .get_or_create(&crate::metrics::ResultLabels { result: "ok" })
                .inc();
            ready.policy.store(Arc::new(loaded));
            apply_justifications(ready, true).await;
        }
        Err(e) => {
            // Keep deciding with the previous set: a set that does not
            // compile never takes effect.
            tracing::error!("cannot rebuild the policy engine: {e}");
            state
                .metrics
                .policy_reloads
                .get_or_create(&crate::metrics::ResultLabels { result: "error" })
                .inc();
        }
    }
}

/// Activates `version` of `id` (or deactivates it with `None`) after
/// checking that the resulting set of active policies compiles, then
/// rebuilds this server's engine at once (the others follow within their
/// poll interval).
pub async fn activate(
    st: &AppState,
    r: &Ready,
    id: &str,
    version: Option<i64>,
    actor: &Actor,
) -> ApiResult<cordon_store::Policy> {
    let mut active = r.store.active_policy_versions().await?;
    active.retain(|v| v.policy_id != id);
    if let Some(v) = version {
        active.push(r.store.get_policy_version(id, v).await?);
    }
    let compiler = st.compiler.clone();
    if let Err(d) = off_thread(st, move || compile(compiler.as_ref(), &active).map(|_| ())).await? {
        return Err(ApiError::policy_invalid(
            "the set of active policies would not compile",
            d,
        ));
    }
    let p = r
        .store
        .activate_policy(id, version, actor, cordon_store::now_millis())
        .await?;
    reload(st, r).await;
    Ok(p)
}

/// Goes back to the previously active version of `id`.
pub async fn rollback(
    st: &AppState,
    r: &Ready,
    id: &str,
    actor: &Actor,
) -> ApiResult<cordon_store::Policy> {
    let p = r
        .store
        .rollback_policy(id, actor, cordon_store::now_millis())
        .await?;
    reload(st, r).await;
    Ok(p)
}

/// Creates and activates the policy in `path` (first start with `--policy`).
pub async fn bootstrap_policy(
    st: &AppState,
    store: &dyn Store,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let body = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read policy `{}`: {e}", path.display()))?;
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("json") => "json",
        _ => "yaml",
    };
    let checked = check(st, format, &body)
        .await
        .map_err(|e| anyhow::anyhow!("policy `{}`: {}", path.display(), e.body.message))?;
    let info = checked.map_err(|d| {
        let msgs: Vec<String> = d.iter().map(|d| d.rendered.clone()).collect();
        anyhow::anyhow!(
            "policy `{}` does not check:\n{}",
            path.display(),
            msgs.join("\n")
        )
    })?;
    let id = info
        .id
        .clone()
        .or_else(|| path.file_stem().and_then(|s| s.to_str()).map(str::to_owned))
        .unwrap_or_else(|| "default".to_owned());
    let now = cordon_store::now_millis();
    let v = store
        .create_policy(
            &NewPolicyVersion {
                name: info.name.clone().unwrap_or_else(|| id.clone()),
                policy_id: id.clone(),
                format: format.to_owned(),
                body,
                comment: format!("bootstrapped from {}", path.display()),
                actor: Actor::System,
            },
            now,
        )
        .await?;
    store
        .activate_policy(&id, Some(v.version), &Actor::System, now)
        .await?;
    Ok(())
}

/// The exception window a stored justification opens.
pub(crate) fn window_of(j: &NewJustification) -> Option<OpenWindow> {
    let at = Utc.timestamp_millis_opt(j.created_at).single()?;
    let category = Category::parse(&j.category)?;
    Some(OpenWindow {
        at,
        keys: vec![FlowKey {
            sender: j.sender.clone(),
            recipient: j.recipient.clone(),
            category,
        }],
        rules: Vec::new(),
        text: j.justification.clone(),
        user: (!j.username.is_empty()).then(|| j.username.clone()),
    })
}

/// Applies justifications stored since the last call (all open ones when
/// `all`) to the current engine.
pub async fn apply_justifications(ready: &Ready, all: bool) {
    let now = cordon_store::now_millis();
    let open = match ready.store.open_justifications(now).await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!("cannot read open exception windows: {e}");
            return;
        }
    };
    let last = ready.applied_justifications.lock().map(|g| *g).unwrap_or(0);
    let engine = ready.policy.load().engine.clone();
    let mut max = last;
    for j in open {
        max = max.max(j.id);
        if !all && j.id <= last {
            continue;
        }
        if let Some(w) = window_of(&j.justification) {
            engine.open_exception(&w);
        }
    }
    if let Ok(mut g) = ready.applied_justifications.lock() {
        *g = max;
    }
}

/// Background loop: notices activations (on any server) by polling the
/// generation counter, and justifications submitted elsewhere.
pub(crate) async fn policy_poller(state: AppState) {
    let every = Duration::from_millis(state.settings.policy_poll_ms);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Ok(ready) = state.ready() else { continue };
        match ready.store.policy_generation().await {
            Ok(g) if g != ready.policy.load().generation => {
                reload(&state, ready).await;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("cannot poll the policy generation: {e}"),
        }
        apply_justifications(ready, false).await;
    }
}
