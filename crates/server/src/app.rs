//! Application state, the route table with each route's access, the
//! middleware stack, and the server's start and shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use cordon_store::{ApiKey, Role, Store};
use tokio::sync::OnceCell;

use crate::activity::Activity;
use crate::config::Settings;
use crate::engine::{ContentInspector, DecisionEngine, PolicyCompiler, PolicyDoc};
use crate::error::ApiError;
use crate::journal::IncidentQueue;
use crate::metrics::{Metrics, RouteLabels, RouteOnly};

/// Who may call a route. Every route in [`routes`] names one; a route
/// cannot be registered without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No key: liveness, readiness and the API description only.
    Public,
    /// Any valid key (`client` or `admin`): decide, inspect, justify, poll.
    Client,
    /// An `admin` key: policies, incidents, keys, groups, dashboard.
    Admin,
}

/// One row of the route table.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// The route table: method, path, required access, handler. The router,
/// the authentication middleware and the access test are all built from
/// this one list.
pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use crate::handlers as h;
    use Access::*;
    use axum::routing::{delete, get, post, put};
    let r = |method: Method, path: &'static str, access: Access, mr: MethodRouter<AppState>| {
        (
            RouteSpec {
                method,
                path,
                access,
            },
            mr,
        )
    };
    vec![
        r(Method::GET, "/healthz", Public, get(h::healthz)),
        r(Method::GET, "/readyz", Public, get(h::readyz)),
        r(Method::GET, "/openapi.json", Public, get(h::openapi)),
        r(Method::GET, "/metrics", Client, get(h::metrics)),
        r(Method::POST, "/v1/decide", Client, post(h::decide)),
        r(Method::POST, "/v1/inspect", Client, post(h::inspect)),
        r(
            Method::POST,
            "/v1/exceptions",
            Client,
            post(h::submit_exception),
        ),
        r(
            Method::GET,
            "/v1/exceptions",
            Admin,
            get(h::list_exceptions),
        ),
        r(
            Method::GET,
            "/v1/agent/policy",
            Client,
            get(h::agent_policy),
        ),
        r(Method::GET, "/v1/policies", Admin, get(h::list_policies)),
        r(Method::POST, "/v1/policies", Admin, post(h::create_policy)),
        r(
            Method::POST,
            "/v1/policies/validate",
            Admin,
            post(h::validate_policy),
        ),
        r(Method::GET, "/v1/policies/{id}", Admin, get(h::get_policy)),
        r(
            Method::PUT,
            "/v1/policies/{id}",
            Admin,
            put(h::update_policy),
        ),
        r(
            Method::GET,
            "/v1/policies/{id}/versions",
            Admin,
            get(h::list_versions),
        ),
        r(
            Method::GET,
            "/v1/policies/{id}/versions/{version}",
            Admin,
            get(h::get_version),
        ),
        r(
            Method::POST,
            "/v1/policies/{id}/activate",
            Admin,
            post(h::activate_policy),
        ),
        r(
            Method::POST,
            "/v1/policies/{id}/rollback",
            Admin,
            post(h::rollback_policy),
        ),
        r(
            Method::GET,
            "/v1/policies/{id}/diff",
            Admin,
            get(h::diff_policy),
        ),
        r(Method::GET, "/v1/incidents", Admin, get(h::list_incidents)),
        r(
            Method::GET,
            "/v1/incidents/rule-counts",
            Admin,
            get(h::rule_counts),
        ),
        r(
            Method::GET,
            "/v1/incidents/{id}",
            Admin,
            get(h::get_incident),
        ),
        r(
            Method::POST,
            "/v1/incidents/{id}/status",
            Admin,
            post(h::set_status),
        ),
        r(Method::GET, "/v1/dashboard", Admin, get(h::dashboard)),
        r(Method::GET, "/v1/agent-groups", Admin, get(h::list_groups)),
        r(
            Method::GET,
            "/v1/agent-groups/{name}",
            Admin,
            get(h::get_group),
        ),
        r(
            Method::PUT,
            "/v1/agent-groups/{name}",
            Admin,
            put(h::put_group),
        ),
        r(
            Method::DELETE,
            "/v1/agent-groups/{name}",
            Admin,
            delete(h::delete_group),
        ),
        r(Method::GET, "/v1/keys", Admin, get(h::list_keys)),
        r(Method::POST, "/v1/keys", Admin, post(h::create_key)),
        r(
            Method::DELETE,
            "/v1/keys/{id}",
            Admin,
            delete(h::revoke_key),
        ),
    ]
}

/// The loaded policy set.
pub struct Loaded {
    pub engine: Arc<dyn DecisionEngine>,
    pub generation: i64,
    /// (policy id, version) of every active policy.
    pub versions: Vec<(String, i64)>,
}

/// Everything that exists once the database is open.
pub struct Ready {
    pub store: Arc<dyn Store>,
    pub incidents: IncidentQueue,
    pub policy: ArcSwap<Loaded>,
    pub activity: Activity,
    keys: std::sync::RwLock<HashMap<String, (ApiKey, Instant)>>,
    /// Ids of justifications already applied to the engine.
    pub applied_justifications: std::sync::Mutex<i64>,
    pub write_health: Arc<crate::journal::WriteHealth>,
}

pub struct Inner {
    pub settings: Settings,
    pub metrics: Arc<Metrics>,
    pub compiler: Arc<dyn PolicyCompiler>,
    pub inspector: Arc<dyn ContentInspector>,
    ready: OnceCell<Ready>,
    /// Why the database is not open, for `/readyz`.
    not_ready: std::sync::Mutex<String>,
    access: HashMap<(Method, &'static str), Access>,
    pub shutting_down: AtomicBool,
}

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(
        settings: Settings,
        compiler: Arc<dyn PolicyCompiler>,
        inspector: Arc<dyn ContentInspector>,
    ) -> AppState {
        let access = routes()
            .into_iter()
            .map(|(s, _)| ((s.method, s.path), s.access))
            .collect();
        AppState(Arc::new(Inner {
            settings,
            metrics: Arc::new(Metrics::new()),
            compiler,
            inspector,
            ready: OnceCell::new(),
            not_ready: std::sync::Mutex::new("starting".to_owned()),
            access,
            shutting_down: AtomicBool::new(false),
        }))
    }

    /// The open database and engine, or `503 not_ready`.
    pub fn ready(&self) -> Result<&Ready, ApiError> {
        self.0.ready.get().ok_or_else(|| {
            ApiError::unavailable(
                "not_ready",
                format!("the server is not ready: {}", self.not_ready_reason()),
            )
        })
    }

    pub fn not_ready_reason(&self) -> String {
        self.0
            .not_ready
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    fn set_not_ready(&self, why: String) {
        if let Ok(mut s) = self.0.not_ready.lock() {
            *s = why;
        }
    }

    /// Opens `store`: first key, bootstrap policy, engine, writers.
    pub async fn attach(&self, store: Arc<dyn Store>) -> anyhow::Result<Option<String>> {
        let now = cordon_store::now_millis();
        let mut first_key = None;
        if store.count_api_keys().await? == 0 {
            if let Some(k) = store
                .create_first_api_key("admin", Role::Admin, now)
                .await?
            {
                first_key = Some(k.secret.expose().to_owned());
            }
        }
        if let Some(path) = &self.settings.bootstrap_policy {
            if store.list_policies().await?.is_empty() {
                crate::handlers::bootstrap_policy(self, store.as_ref(), path).await?;
            }
        }
        let loaded = build_engine(self.compiler.as_ref(), store.as_ref())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        self.metrics.policy_generation.set(loaded.generation);
        let write_health = Arc::new(crate::journal::WriteHealth::default());
        let st = &self.settings;
        let queue = crate::journal::open(
            store.clone(),
            crate::journal::JournalConfig {
                dir: st.journal_dir(),
                segment_bytes: st.journal_segment_bytes,
                max_backlog_bytes: st.journal_max_backlog_bytes,
                sync: st.journal_sync,
                batch: st.incident_batch,
                batch_bytes: st.incident_batch_bytes,
                linger: Duration::from_millis(st.incident_linger_ms),
                queue: st.incident_queue,
            },
            self.metrics.clone(),
            write_health.clone(),
        )
        .await?;
        let ready = Ready {
            store,
            incidents: queue,
            policy: ArcSwap::from_pointee(loaded),
            activity: Activity::default(),
            keys: std::sync::RwLock::new(HashMap::new()),
            applied_justifications: std::sync::Mutex::new(0),
            write_health,
        };
        apply_justifications(&ready, true).await;
        if self.0.ready.set(ready).is_err() {
            anyhow::bail!("the database was attached twice");
        }
        self.metrics.ready.set(1);
        Ok(first_key)
    }

    /// Authenticates a presented key, through a short-lived cache.
    pub async fn authenticate(&self, presented: &str) -> Result<Option<ApiKey>, ApiError> {
        let ready = self.ready()?;
        let ttl = Duration::from_millis(self.settings.key_cache_ms);
        let cache_key = cordon_store::keys::hash(presented);
        if let Ok(cache) = ready.keys.read() {
            if let Some((k, at)) = cache.get(&cache_key) {
                if at.elapsed() < ttl {
                    return Ok(Some(k.clone()));
                }
            }
        }
        let found = ready.store.authenticate(presented).await?;
        if let Ok(mut cache) = ready.keys.write() {
            match &found {
                Some(k) => {
                    if cache.len() > 10_000 {
                        cache.clear();
                    }
                    cache.insert(cache_key, (k.clone(), Instant::now()));
                }
                None => {
                    cache.remove(&cache_key);
                }
            }
        }
        Ok(found)
    }

    /// Forgets cached keys (after a revocation on this server).
    pub fn forget_keys(&self) {
        if let Some(r) = self.0.ready.get() {
            if let Ok(mut c) = r.keys.write() {
                c.clear();
            }
        }
    }

    pub fn access_of(&self, method: &Method, path: &str) -> Option<Access> {
        self.0.access.get(&(method.clone(), path)).copied()
    }
}

/// Compiles the active policy versions into an engine.
pub async fn build_engine(
    compiler: &dyn PolicyCompiler,
    store: &dyn Store,
) -> Result<Loaded, String> {
    // Read the generation first: if an activation lands in between, the
    // next poll sees a newer generation and rebuilds again.
    let generation = store.policy_generation().await.map_err(|e| e.to_string())?;
    let active = store
        .active_policy_versions()
        .await
        .map_err(|e| e.to_string())?;
    let docs: Vec<PolicyDoc<'_>> = active
        .iter()
        .map(|v| PolicyDoc {
            id: &v.policy_id,
            version: v.version,
            format: &v.format,
            body: &v.body,
        })
        .collect();
    let engine = compiler.compile(&docs).map_err(|diags| {
        let first = diags.first().map(|d| d.message.clone()).unwrap_or_default();
        format!("the active policies do not compile: {first}")
    })?;
    Ok(Loaded {
        engine,
        generation,
        versions: active
            .iter()
            .map(|v| (v.policy_id.clone(), v.version))
            .collect(),
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
        if let Some(w) = crate::handlers::window_of(&j.justification) {
            engine.open_exception(&w);
        }
    }
    if let Ok(mut g) = ready.applied_justifications.lock() {
        *g = max;
    }
}

/// Background loop: notices activations (on any server) by polling the
/// generation counter, and justifications submitted elsewhere.
async fn policy_poller(state: AppState) {
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

/// Rebuilds the engine from the database now.
pub async fn reload(state: &AppState, ready: &Ready) {
    match build_engine(state.compiler.as_ref(), ready.store.as_ref()).await {
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

async fn activity_flusher(state: AppState) {
    let every = Duration::from_millis(state.settings.activity_flush_ms.max(100));
    loop {
        tokio::time::sleep(every).await;
        if let Ok(ready) = state.ready() {
            ready.activity.flush(ready.store.as_ref()).await;
        }
    }
}

/// The presented key: `Authorization: Bearer <key>` or `X-Api-Key: <key>`.
fn presented_key(h: &HeaderMap) -> Option<&str> {
    if let Some(v) = h.get(axum::http::header::AUTHORIZATION) {
        let v = v.to_str().ok()?;
        return v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
            .map(str::trim);
    }
    h.get("x-api-key")?.to_str().ok().map(str::trim)
}

/// The authenticated caller, for handlers that record who did what.
#[derive(Debug, Clone)]
pub struct Caller(pub ApiKey);

impl Caller {
    pub fn actor(&self) -> String {
        format!("key:{} ({})", self.0.id, self.0.name)
    }
}

async fn auth(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    // A route missing from the table (impossible by construction) needs admin.
    let access = state
        .access_of(req.method(), &path)
        .unwrap_or(Access::Admin);
    if access == Access::Public {
        return next.run(req).await;
    }
    let Some(key) = presented_key(req.headers()) else {
        return ApiError::unauthorized(
            "an API key is required: `Authorization: Bearer <key>` or `X-Api-Key: <key>`",
        )
        .into_response();
    };
    let caller = match state.authenticate(key).await {
        Ok(Some(k)) => k,
        Ok(None) => {
            return ApiError::unauthorized("the API key is not valid or was revoked")
                .into_response();
        }
        Err(e) => return e.into_response(),
    };
    if access == Access::Admin && caller.role != Role::Admin {
        return ApiError::forbidden(format!(
            "this route needs an admin key; key `{}` is a {} key",
            caller.id,
            caller.role.as_str()
        ))
        .into_response();
    }
    req.extensions_mut().insert(Caller(caller));
    next.run(req).await
}

/// Request timeout, metrics and request ids.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let limit = if route == "/v1/inspect" {
        state.settings.inspect_timeout_ms
    } else {
        state.settings.request_timeout_ms
    };
    let resp = match tokio::time::timeout(Duration::from_millis(limit), next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::unavailable(
            "timeout",
            format!("the request took longer than {limit} ms"),
        )
        .into_response(),
    };
    let m = &state.metrics;
    m.requests
        .get_or_create(&RouteLabels {
            method: method.to_string(),
            route: route.clone(),
            status: resp.status().as_u16(),
        })
        .inc();
    m.latency
        .get_or_create(&RouteOnly { route })
        .observe(started.elapsed().as_secs_f64());
    resp
}

async fn not_found(req: Request) -> ApiError {
    ApiError::not_found(format!("route `{} {}`", req.method(), req.uri().path()))
}

/// Builds the router from the route table.
pub fn router(state: AppState) -> Router {
    let mut r: Router<AppState> = Router::new();
    for (spec, mr) in routes() {
        let mr = if spec.path == "/v1/inspect" {
            // Streamed and limited by the handler itself (413 above the limit).
            mr.layer(axum::extract::DefaultBodyLimit::disable())
        } else {
            mr
        };
        r = r.route(spec.path, mr);
    }
    r.route_layer(axum::middleware::from_fn_with_state(state.clone(), auth))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), observe))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(
            state.settings.max_body_bytes,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(on_panic))
        .with_state(state)
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "`{}` is not allowed on `{}`",
            req.method(),
            req.uri().path()
        ),
    )
}

fn on_panic(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("handler panicked", &"panic").into_response()
}

/// A running server.
pub struct Server {
    pub state: AppState,
    pub addr: std::net::SocketAddr,
    /// The admin key created on first start, to print once.
    pub first_key: Option<String>,
}

/// Opens the database named by the settings, retrying every `retry` while
/// it cannot be opened (the server stays up, not ready, and says why).
async fn open_loop(
    state: AppState,
    retry: Duration,
    first: tokio::sync::oneshot::Sender<Option<String>>,
) {
    let mut first = Some(first);
    loop {
        let url = state.settings.store_url();
        let opened = open_store(&state.settings, &url).await;
        let attached = match opened {
            Ok(store) => state.attach(store).await,
            Err(e) => Err(anyhow::anyhow!("{e}")),
        };
        match attached {
            Ok(key) => {
                state.set_not_ready(String::new());
                if let Some(tx) = first.take() {
                    let _ = tx.send(key);
                }
                return;
            }
            Err(e) => {
                let msg = format!("{e:#}");
                tracing::error!("database unavailable, retrying in {retry:?}: {msg}");
                state.set_not_ready(msg);
                if let Some(tx) = first.take() {
                    let _ = tx.send(None);
                }
            }
        }
        tokio::time::sleep(retry).await;
    }
}

async fn open_store(s: &Settings, url: &str) -> cordon_store::Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let sync = s.postgres_synchronous_commit == "on";
        let store = cordon_store::postgres::PgStore::connect_synchronous(url, sync).await?;
        return Ok(Arc::new(store));
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    let sync = if s.sqlite_synchronous == "full" {
        "FULL"
    } else {
        "NORMAL"
    };
    let store = cordon_store::sqlite::SqliteStore::open_with(
        std::path::Path::new(path),
        &[("synchronous", sync)],
    )
    .await?;
    Ok(Arc::new(store))
}

/// Starts serving on `listener` until `shutdown` resolves, then finishes
/// in-flight requests, drains the incident queue and flushes activity.
/// `started` receives the server (address, first admin key) once the
/// database was tried for the first time.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    started: tokio::sync::oneshot::Sender<Server>,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let (first_tx, first_rx) = tokio::sync::oneshot::channel();
    let opener = tokio::spawn(open_loop(state.clone(), Duration::from_secs(5), first_tx));
    let first_key = first_rx.await.unwrap_or(None);
    let _ = started.send(Server {
        state: state.clone(),
        addr,
        first_key,
    });
    let poller = tokio::spawn(policy_poller(state.clone()));
    let flusher = tokio::spawn(activity_flusher(state.clone()));
    let app = router(state.clone());
    accept_loop(&state, listener, app, shutdown).await;
    opener.abort();
    poller.abort();
    flusher.abort();
    if let Ok(ready) = state.ready() {
        ready.incidents.drain(Duration::from_secs(10)).await;
        ready.activity.flush(ready.store.as_ref()).await;
    }
    state.metrics.ready.set(0);
    Ok(())
}

/// Accepts connections until `shutdown`, then lets every connection finish
/// the request it is serving (idle keep-alive connections close at once).
///
/// The same as `axum::serve`, plus what it does not set: a timer, so that
/// a client must send its request headers within `header_read_timeout_ms`
/// (slow-header clients cannot pin connections), and `TCP_NODELAY`.
async fn accept_loop(
    state: &AppState,
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let header_timeout = Duration::from_millis(state.settings.header_read_timeout_ms);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: back off, go on.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, "connection ended: {e}");
            }
        });
    }
    drop(listener);
    state.shutting_down.store(true, Ordering::SeqCst);
    tracing::info!("shutting down: finishing in-flight requests");
    let limit = Duration::from_millis(state.settings.request_timeout_ms.saturating_mul(2));
    if tokio::time::timeout(limit, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {limit:?}: closing them");
    }
}
