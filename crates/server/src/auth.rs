//! Authentication: the presented key, a short-lived cache of verified
//! keys, the access check of the route table, and throttling of peers that
//! keep presenting bad keys.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cordon_store::{ApiKey, Role};

use crate::error::ApiError;
use crate::routes::Access;
use crate::state::AppState;

/// The authenticated caller, for handlers that record who did what.
#[derive(Debug, Clone)]
pub struct Caller(pub ApiKey);

impl Caller {
    /// Who did it, as recorded in histories and activations.
    pub fn actor(&self) -> cordon_store::Actor {
        cordon_store::Actor::key(&self.0.id, &self.0.name)
    }

    pub fn is_admin(&self) -> bool {
        self.0.role == Role::Admin
    }

    pub fn key_id(&self) -> &str {
        &self.0.id
    }
}

/// The address of the connection's peer, set by the accept loop.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub IpAddr);

/// Verified keys by the SHA-256 of their secret, for `key_cache_ms`.
#[derive(Default)]
pub(crate) struct KeyCache(std::sync::RwLock<HashMap<String, (ApiKey, Instant)>>);

impl KeyCache {
    fn get(&self, hash: &str, ttl: Duration) -> Option<ApiKey> {
        let cache = self.0.read().ok()?;
        let (k, at) = cache.get(hash)?;
        (at.elapsed() < ttl).then(|| k.clone())
    }

    fn put(&self, hash: String, found: &Option<ApiKey>) {
        let Ok(mut cache) = self.0.write() else {
            return;
        };
        match found {
            Some(k) => {
                if cache.len() > 10_000 {
                    cache.clear();
                }
                cache.insert(hash, (k.clone(), Instant::now()));
            }
            None => {
                cache.remove(&hash);
            }
        }
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut c) = self.0.write() {
            c.clear();
        }
    }
}

impl AppState {
    /// Authenticates a presented key, through the short-lived cache.
    pub async fn authenticate(&self, presented: &str) -> Result<Option<ApiKey>, ApiError> {
        let ready = self.ready()?;
        let ttl = Duration::from_millis(self.settings.key_cache_ms);
        let hash = cordon_store::keys::hash(presented);
        if let Some(k) = ready.keys.get(&hash, ttl) {
            return Ok(Some(k));
        }
        let found = ready.store.authenticate(presented).await?;
        ready.keys.put(hash, &found);
        Ok(found)
    }

    /// Forgets cached keys (after a revocation on this server).
    pub fn forget_keys(&self) {
        if let Ok(r) = self.ready() {
            r.keys.clear();
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

/// Failed authentications per peer address in the current window. A peer
/// over `auth_failures_per_minute` gets `429` with `Retry-After` until the
/// window ends, before its key is even looked up (no database work).
#[derive(Default)]
pub(crate) struct FailureThrottle(Mutex<HashMap<IpAddr, (u32, Instant)>>);

const FAILURE_WINDOW: Duration = Duration::from_secs(60);

impl FailureThrottle {
    /// Seconds until `peer` may try again, when it is throttled.
    fn blocked(&self, peer: IpAddr, limit: u32) -> Option<u32> {
        let map = self.0.lock().ok()?;
        let (n, since) = map.get(&peer)?;
        let left = FAILURE_WINDOW.checked_sub(since.elapsed())?;
        (*n >= limit).then(|| u32::try_from(left.as_secs().max(1)).unwrap_or(60))
    }

    fn failed(&self, peer: IpAddr) -> u32 {
        let Ok(mut map) = self.0.lock() else { return 0 };
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| since.elapsed() < FAILURE_WINDOW);
        }
        let e = map.entry(peer).or_insert((0, Instant::now()));
        if e.1.elapsed() >= FAILURE_WINDOW {
            *e = (0, Instant::now());
        }
        e.0 = e.0.saturating_add(1);
        e.0
    }
}

/// The access check of every matched route: public routes pass; others
/// need a valid key, admin routes an admin key. The caller is handed to
/// the handler as [`Caller`].
pub(crate) async fn require_access(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
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
    let peer = req.extensions().get::<Peer>().map(|p| p.0);
    let limit = state.settings.auth_failures_per_minute;
    if let Some(peer) = peer
        && let Some(retry) = state.auth_failures.blocked(peer, limit)
    {
        return ApiError::too_many(
            "auth_throttled",
            format!("too many failed authentications from this address; retry in {retry} s"),
            retry,
        )
        .into_response();
    }
    let fail = |why: &'static str, err: ApiError| -> Response {
        let n = peer.map_or(0, |p| state.auth_failures.failed(p));
        tracing::warn!(
            peer = %peer.map_or_else(|| "-".to_owned(), |p| p.to_string()),
            route = %path,
            failures = n,
            "authentication failed: {why}"
        );
        state.metrics.auth_failures.inc();
        err.into_response()
    };
    let Some(key) = presented_key(req.headers()) else {
        return fail(
            "no key",
            ApiError::unauthorized(
                "an API key is required: `Authorization: Bearer <key>` or `X-Api-Key: <key>`",
            ),
        );
    };
    let caller = match state.authenticate(key).await {
        Ok(Some(k)) => k,
        Ok(None) => {
            return fail(
                "unknown or revoked key",
                ApiError::unauthorized("the API key is not valid or was revoked"),
            );
        }
        Err(e) => return e.into_response(),
    };
    if access == Access::Admin && caller.role != Role::Admin {
        let msg = format!(
            "this route needs an admin key; key `{}` is a {} key",
            caller.id,
            caller.role.as_str()
        );
        return fail("client key on an admin route", ApiError::forbidden(msg));
    }
    req.extensions_mut().insert(Caller(caller));
    next.run(req).await
}
