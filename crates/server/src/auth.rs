//! Authentication and the access check: the presented key, a
//! short-lived cache of verified keys, the [`Caller`] (who acts, and as
//! which [`Subject`] for the permission check), the route table's check
//! through [`cordon_access::authorize`], and throttling of peers that keep
//! presenting bad keys.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cordon_access::{Action, Object, Role as AccessRole, Scope, Subject, authorize};
use cordon_store::{ApiKey, Role};

use crate::error::ApiError;
use crate::routes::Access;
use crate::state::AppState;

/// The authenticated caller: who acts (for histories and the audit
/// trail) and, for administrators, the [`Subject`] the permission check
/// judges. Machine keys (`client`) have no subject: they reach only the
/// machine routes.
#[derive(Debug, Clone)]
pub struct Caller {
    actor: cordon_store::Actor,
    key: Option<ApiKey>,
    /// The person's session, when the caller signed in (the console).
    session: Option<Arc<cordon_store::Session>>,
    /// The computer a machine key is bound to: its incidents carry it.
    computer: Option<String>,
    subject: Option<Arc<Subject>>,
    /// When the request was authenticated, by the sign-in clock (for the
    /// elevation check); `None`: the wall clock.
    at: Option<cordon_store::Millis>,
}

impl Caller {
    /// The caller behind an API key. A `client` key is a machine; an
    /// `admin` key without an owner is a service principal with the
    /// administrator role over all computers.
    pub fn from_key(auth: Authenticated) -> Caller {
        let Authenticated {
            key,
            computer,
            owner,
        } = auth;
        if let Some((account, role)) = owner {
            // A key an account owns acts as that account, never more, and
            // what it does is that account's (histories, ownership).
            let mut c = Caller::from_account(&account, role, None);
            c.key = Some(key);
            c.computer = computer;
            return c;
        }
        let subject = (key.role == Role::Admin).then(|| {
            Arc::new(Subject {
                id: format!("key:{}", key.id),
                role: AccessRole::administrator(),
                scope: Scope::All,
                super_admin: false,
            })
        });
        Caller {
            actor: cordon_store::Actor::key(&key.id, &key.name),
            key: Some(key),
            session: None,
            computer,
            subject,
            at: None,
        }
    }

    /// A person: their account with its role and scope, and the session
    /// they signed in with (none for a key an account owns).
    pub fn from_account(
        account: &cordon_store::Account,
        role: AccessRole,
        session: Option<cordon_store::Session>,
    ) -> Caller {
        Caller {
            actor: account.actor(),
            key: None,
            session: session.map(Arc::new),
            computer: None,
            subject: Some(Arc::new(Subject {
                id: account.id.clone(),
                role,
                scope: account.scope.clone(),
                super_admin: account.super_admin,
            })),
            at: None,
        }
    }

    /// The same caller, authenticated at `now` (the sign-in clock).
    pub fn at(mut self, now: cordon_store::Millis) -> Caller {
        self.at = Some(now);
        self
    }

    /// The session, for a signed-in person.
    pub fn session(&self) -> Option<&cordon_store::Session> {
        self.session.as_deref()
    }

    /// Dangerous actions (roles, scopes, passwords, second factors, the
    /// super admin) need a person to have re-entered their password
    /// recently: `403 reauthentication_required` otherwise. Keys are not
    /// sessions and pass.
    pub fn require_elevated(&self) -> Result<(), ApiError> {
        match self.session.as_deref() {
            None => Ok(()),
            Some(s) if s.is_elevated(self.at.unwrap_or_else(cordon_store::now_millis)) => Ok(()),
            Some(_) => Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "reauthentication_required",
                "confirm your password (POST /v1/auth/reauth) before this change",
            )),
        }
    }

    /// Who did it, as recorded in histories and activations.
    pub fn actor(&self) -> cordon_store::Actor {
        self.actor.clone()
    }

    /// An administrator (the Admin tab).
    pub fn is_admin(&self) -> bool {
        self.subject.as_ref().is_some_and(|s| s.role.admin)
    }

    /// The id of the key presented, or `""` for a person's session.
    pub fn key_id(&self) -> &str {
        self.key.as_ref().map_or("", |k| k.id.as_str())
    }

    /// The computer the key is bound to (`/v1/computers`), or `""`.
    pub fn computer(&self) -> &str {
        self.computer.as_deref().unwrap_or("")
    }

    /// What the permission check judges; `403` for a machine key.
    pub fn subject(&self) -> Result<&Subject, ApiError> {
        self.subject
            .as_deref()
            .ok_or_else(|| ApiError::forbidden("this needs an administrator, not a machine key"))
    }

    /// `Ok` when the caller may do `action` on `object`, else `403` with
    /// the reason.
    pub fn may(&self, action: Action, object: Object<'_>) -> Result<(), ApiError> {
        let d = authorize(self.subject()?, action, object);
        if d.allowed {
            Ok(())
        } else {
            Err(ApiError::forbidden(d.reason.to_string()))
        }
    }

    /// `Ok` when the caller may do `action` on the object of `module`
    /// owned by `owner` with `targets`, else `403` with the reason.
    pub fn may_on(
        &self,
        action: Action,
        module: cordon_access::Module,
        owner: &cordon_access::Owner,
        targets: &cordon_access::Targets,
    ) -> Result<(), ApiError> {
        self.may(
            action,
            Object::Item {
                module,
                owner,
                targets,
            },
        )
    }

    /// The caller's scope (all computers for a machine key, which never
    /// reaches a scoped route).
    pub fn scope(&self) -> Scope {
        self.subject
            .as_deref()
            .map_or(Scope::All, |s| s.scope.clone())
    }

    /// Whether the caller may, without an error.
    pub fn can(&self, action: Action, object: Object<'_>) -> bool {
        self.subject
            .as_deref()
            .is_some_and(|s| authorize(s, action, object).allowed)
    }
}

/// An enrolment token presented on the enrolment route, for its handler
/// to check.
#[derive(Debug, Clone)]
pub struct EnrolmentBearer(pub cordon_store::Secret);

impl AppState {
    /// Counts a failed authentication by `peer` (a bad enrolment token),
    /// as the access check counts a bad key.
    pub(crate) fn auth_failed(&self, peer: Option<IpAddr>, why: &str) {
        let n = peer.map_or(0, |p| self.auth_failures.failed(p));
        tracing::warn!(
            peer = %peer.map_or_else(|| "-".to_owned(), |p| p.to_string()),
            failures = n,
            "authentication failed: {why}"
        );
        self.metrics.auth_failures.inc();
    }
}

/// The address of the connection's peer, set by the accept loop.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub IpAddr);

/// A verified key, the computer it is bound to, and the account that
/// owns it with that account's role.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub key: ApiKey,
    pub computer: Option<String>,
    pub owner: Option<(cordon_store::Account, AccessRole)>,
}

/// Verified keys by the SHA-256 of their secret, for `key_cache_ms`.
#[derive(Default)]
pub(crate) struct KeyCache(std::sync::RwLock<HashMap<String, (Authenticated, Instant)>>);

impl KeyCache {
    fn get(&self, hash: &str, ttl: Duration) -> Option<Authenticated> {
        let cache = self.0.read().ok()?;
        let (k, at) = cache.get(hash)?;
        (at.elapsed() < ttl).then(|| k.clone())
    }

    fn put(&self, hash: String, found: &Option<Authenticated>) {
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
    /// Authenticates a presented key, through the short-lived cache
    /// (which also holds the computer the key is bound to).
    pub async fn authenticate(&self, presented: &str) -> Result<Option<Authenticated>, ApiError> {
        let ready = self.ready()?;
        let ttl = Duration::from_millis(self.settings.key_cache_ms);
        let hash = cordon_store::keys::hash(presented);
        if let Some(k) = ready.keys.get(&hash, ttl) {
            return Ok(Some(k));
        }
        let found = match ready.store.authenticate(presented).await? {
            Some(key) => {
                let computer = ready.store.computer_for_key(&key.id).await?.map(|c| c.name);
                let owner = match &key.owner {
                    Some(id) => owner_of(ready.store.as_ref(), id).await?,
                    None => None,
                };
                // A key whose owning account is gone or disabled is dead.
                if key.owner.is_some() && owner.is_none() {
                    None
                } else {
                    Some(Authenticated {
                        key,
                        computer,
                        owner,
                    })
                }
            }
            None => None,
        };
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
    pub(crate) fn blocked(&self, peer: IpAddr, limit: u32) -> Option<u32> {
        let map = self.0.lock().ok()?;
        let (n, since) = map.get(&peer)?;
        let left = FAILURE_WINDOW.checked_sub(since.elapsed())?;
        (*n >= limit).then(|| u32::try_from(left.as_secs().max(1)).unwrap_or(60))
    }

    pub(crate) fn failed(&self, peer: IpAddr) -> u32 {
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
    // A person's session, when no key is presented (a key wins). Refused
    // sessions are not counted as failures: a browser sends an expired
    // cookie with every request until it signs in again.
    if presented_key(req.headers()).is_none()
        && let Some(token) =
            crate::login::session::cookie_value(req.headers(), crate::login::SESSION_COOKIE)
    {
        let token = token.to_owned();
        let (method, headers) = (req.method().clone(), req.headers().clone());
        let authenticated =
            crate::login::session::authenticate(&state, &method, &headers, &path, &token).await;
        let caller = match authenticated {
            Ok(c) => c,
            Err(e) => return e.into_response(),
        };
        // Machine routes are for machines and administrators.
        let check = if matches!(access, Access::Machine | Access::Enrol) && !caller.is_admin() {
            Err("this route is for machines (API keys) and administrators".to_owned())
        } else {
            route_check(&caller, access)
        };
        if let Err(why) = check {
            return fail("access denied by the route table", ApiError::forbidden(why));
        }
        req.extensions_mut().insert(caller);
        return next.run(req).await;
    }
    // An enrolment token is no key: the enrolment handler checks it (and
    // counts a bad one as a failed authentication).
    if access == Access::Enrol
        && let Some(token) = presented_key(req.headers())
        && token.starts_with(cordon_store::enrolment::TOKEN_PREFIX)
    {
        let bearer = EnrolmentBearer(cordon_store::Secret::new(token));
        req.extensions_mut().insert(bearer);
        return next.run(req).await;
    }
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
    let (id, role) = (caller.key.id.clone(), caller.key.role);
    let caller = Caller::from_key(caller);
    if let Err(why) = route_check(&caller, access) {
        let msg = match role {
            Role::Client => {
                format!("this route needs an administrator; key `{id}` is a client (machine) key")
            }
            Role::Admin => why,
        };
        return fail("access denied by the route table", ApiError::forbidden(msg));
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

/// The route table's check: the module and action of the route against
/// the caller's role (the object itself is the handler's to check).
fn route_check(caller: &Caller, access: Access) -> Result<(), String> {
    let object = match access {
        Access::Public | Access::Machine | Access::Enrol => return Ok(()),
        Access::SuperAdmin => (Object::Admin, Action::TransferSuperAdmin),
        Access::Person => {
            return match caller.subject {
                Some(_) => Ok(()),
                None => Err("this needs a person or an administrator's key".to_owned()),
            };
        }
        Access::Module(module, action) => (Object::Module(module), action),
        Access::Admin => (Object::Admin, Action::Administer),
    };
    let Some(subject) = caller.subject.as_deref() else {
        return Err("this needs an administrator".to_owned());
    };
    let d = authorize(subject, object.1, object.0);
    if d.allowed {
        Ok(())
    } else {
        Err(d.reason.to_string())
    }
}

/// The enabled account `id` with its role, or `None` when it is gone or
/// disabled.
async fn owner_of(
    store: &dyn cordon_store::Store,
    id: &str,
) -> Result<Option<(cordon_store::Account, AccessRole)>, ApiError> {
    let account = match store.get_account(id).await {
        Ok(a) if !a.disabled => a,
        Ok(_) | Err(cordon_store::StoreError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let role = store.get_role(&account.role_id).await?.role;
    Ok(Some((account, role)))
}
