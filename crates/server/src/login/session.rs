//! Console sessions: issued at sign-in as an opaque 256-bit token in the
//! `cordon_session` cookie (HttpOnly, SameSite=Lax), stored as its
//! SHA-256 with an idle and an absolute expiry; a CSRF token, stored
//! hashed on the session, goes to the page in the body and in the
//! readable `cordon_csrf` cookie.
//!
//! On every request that brings the cookie and no API key,
//! [`authenticate`] finds the session (through a cache of
//! `key_cache_ms`, so a sign-out reaches every server within that time),
//! refuses it when revoked, expired or its account disabled, records
//! activity at most once a minute, and for unsafe methods demands the
//! CSRF header and an `Origin`, when sent, naming this host. Keys never
//! need CSRF: a browser does not send them by itself.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use cordon_access::Role as AccessRole;
use cordon_identity::token::{self, Token};
use cordon_store::{Account, Millis, NewSession, Session};

use super::settings::LoginSettings;
use crate::audit::RequestMeta;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "cordon_session";
pub const CSRF_COOKIE: &str = "cordon_csrf";
pub const REMEMBER_COOKIE: &str = "cordon_remember";
/// The header an unsafe request of a session carries its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Activity is written at most this often per session.
const TOUCH_EVERY_MS: i64 = 60_000;
/// Where the remember-browser cookie is sent: everywhere, as the console's
/// sign-in page (`/login`) and the API's (`/v1/auth/*`) both need it; it
/// is HttpOnly and SameSite=Strict, and only the sign-in steps read it.
const REMEMBER_PATH: &str = "/";

/// A session found valid, with its account and role.
#[derive(Clone)]
struct Verified {
    session: Session,
    account: Account,
    role: AccessRole,
    at: Instant,
}

/// Verified sessions by id (the token's SHA-256), for `key_cache_ms`.
#[derive(Default)]
pub(crate) struct SessionCache(RwLock<HashMap<String, Verified>>);

impl SessionCache {
    fn get(&self, id: &str, ttl: Duration) -> Option<Verified> {
        let map = self.0.read().ok()?;
        let v = map.get(id)?;
        (v.at.elapsed() < ttl).then(|| v.clone())
    }

    fn put(&self, v: Verified) {
        if let Ok(mut map) = self.0.write() {
            if map.len() > 10_000 {
                map.clear();
            }
            map.insert(v.session.id.clone(), v);
        }
    }

    /// Forgets one session (signed out, elevated: read it again).
    pub(crate) fn forget(&self, id: &str) {
        if let Ok(mut map) = self.0.write() {
            map.remove(id);
        }
    }

    /// Forgets every session of an account.
    pub(crate) fn forget_account(&self, user_id: &str) {
        if let Ok(mut map) = self.0.write() {
            map.retain(|_, v| v.session.user_id != user_id);
        }
    }
}

/// A session just issued: its two tokens, shown once.
pub struct Issued {
    pub token: Token,
    pub csrf: Token,
    pub session: Session,
}

/// Creates a session for `account`, signed in now.
pub(crate) async fn create(
    st: &AppState,
    meta: &RequestMeta,
    account: &Account,
    settings: &LoginSettings,
    now: Millis,
) -> Result<Issued, ApiError> {
    let token = token::new_token();
    let csrf = token::new_token();
    let session = st
        .ready()?
        .store
        .create_session(&NewSession {
            id: token.hash(),
            user_id: account.id.clone(),
            csrf_hash: csrf.hash(),
            created_at: now,
            idle_expires_at: now.saturating_add(settings.idle_ms()),
            expires_at: now.saturating_add(settings.absolute_ms()),
            ip: meta.ip.clone(),
            user_agent: meta.user_agent.clone(),
        })
        .await?;
    Ok(Issued {
        token,
        csrf,
        session,
    })
}

/// One `Set-Cookie` value.
pub(crate) struct Cookie<'a> {
    pub name: &'a str,
    pub value: &'a str,
    /// `None`: expires with the browser; `Some(0)`: delete.
    pub max_age_secs: Option<i64>,
    pub http_only: bool,
    pub same_site: &'static str,
    pub path: &'static str,
}

impl Cookie<'_> {
    pub(crate) fn header(&self, secure: bool) -> HeaderValue {
        let mut c = format!(
            "{}={}; Path={}; SameSite={}",
            self.name, self.value, self.path, self.same_site
        );
        if let Some(age) = self.max_age_secs {
            c.push_str(&format!("; Max-Age={}", age.max(0)));
        }
        if self.http_only {
            c.push_str("; HttpOnly");
        }
        if secure {
            c.push_str("; Secure");
        }
        // Tokens are base64url and names fixed: always a valid header.
        HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

/// The cookies of a new session: the session (HttpOnly) and its CSRF
/// token (readable by the page), living as long as the session may.
pub(crate) fn session_cookies(st: &AppState, issued: &Issued) -> Vec<HeaderValue> {
    let secure = !st.settings.insecure_cookies;
    let age = (issued.session.expires_at - issued.session.created_at) / 1000;
    vec![
        Cookie {
            name: SESSION_COOKIE,
            value: issued.token.expose(),
            max_age_secs: Some(age),
            http_only: true,
            same_site: "Lax",
            path: "/",
        }
        .header(secure),
        Cookie {
            name: CSRF_COOKIE,
            value: issued.csrf.expose(),
            max_age_secs: Some(age),
            http_only: false,
            same_site: "Strict",
            path: "/",
        }
        .header(secure),
    ]
}

/// The remember-browser cookie: HttpOnly, Strict, for `days`.
pub(crate) fn remember_cookie(st: &AppState, token: &Token, days: u32) -> HeaderValue {
    Cookie {
        name: REMEMBER_COOKIE,
        value: token.expose(),
        max_age_secs: Some(i64::from(days) * 86_400),
        http_only: true,
        same_site: "Strict",
        path: REMEMBER_PATH,
    }
    .header(!st.settings.insecure_cookies)
}

/// Deletes the session cookies (and the remember cookie with `remember`).
pub(crate) fn clear_cookies(st: &AppState, remember: bool) -> Vec<HeaderValue> {
    let secure = !st.settings.insecure_cookies;
    let gone = |name, http_only, same_site, path| {
        Cookie {
            name,
            value: "",
            max_age_secs: Some(0),
            http_only,
            same_site,
            path,
        }
        .header(secure)
    };
    let mut v = vec![
        gone(SESSION_COOKIE, true, "Lax", "/"),
        gone(CSRF_COOKIE, false, "Strict", "/"),
    ];
    if remember {
        v.push(gone(REMEMBER_COOKIE, true, "Strict", REMEMBER_PATH));
    }
    v
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name && !v.is_empty()).then_some(v)
        })
}

fn csrf_error(message: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "csrf", message)
}

/// An `Origin` header, when sent, must name the host the request was
/// sent to (scheme aside): another site's page cannot act with this
/// site's cookies, whatever the browser's SameSite support.
pub(crate) fn check_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let authority = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    match (authority, host) {
        (Some(a), Some(h)) if a.eq_ignore_ascii_case(h) => Ok(()),
        _ => Err(csrf_error(
            "the request comes from another site (its `Origin` is not this server's host)",
        )),
    }
}

fn unsafe_method(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Routes a session whose password must be changed may still use.
fn allowed_before_password_change(path: &str) -> bool {
    path == "/v1/me" || path.starts_with("/v1/me/") || path.starts_with("/v1/auth/")
}

fn expired(why: &str) -> ApiError {
    ApiError::unauthorized(format!("{why}; sign in again (POST /v1/auth/login)"))
}

/// The caller behind the session cookie of `req` (see the module docs).
pub(crate) async fn authenticate(
    st: &AppState,
    method: &Method,
    headers: &HeaderMap,
    path: &str,
    presented: &str,
) -> Result<Caller, ApiError> {
    if presented.len() > 4 * token::TOKEN_LEN {
        return Err(expired("the session cookie is not valid"));
    }
    let id = token::hash(presented);
    let now = st.login.clock.now();
    let ttl = Duration::from_millis(st.settings.key_cache_ms);
    let cached = st
        .login
        .sessions
        .get(&id, ttl)
        .filter(|v| v.session.is_active(now) && !v.account.disabled);
    let mut v = match cached {
        Some(v) => v,
        None => {
            let store = &st.ready()?.store;
            let Some((session, account)) = store.session(&id).await? else {
                return Err(expired("the session is not valid"));
            };
            if session.revoked_at.is_some() {
                return Err(expired("the session was signed out"));
            }
            if !session.is_active(now) {
                return Err(expired("the session has expired"));
            }
            if account.disabled {
                return Err(expired("the account is disabled"));
            }
            let role = store.get_role(&account.role_id).await?.role;
            Verified {
                session,
                account,
                role,
                at: Instant::now(),
            }
        }
    };
    if now - v.session.last_seen_at >= TOUCH_EVERY_MS {
        let settings = st.login_settings().await?;
        let idle = now
            .saturating_add(settings.idle_ms())
            .min(v.session.expires_at);
        match st.ready()?.store.touch_session(&id, now, idle).await {
            Ok(()) => {
                v.session.last_seen_at = now;
                v.session.idle_expires_at = idle;
            }
            Err(cordon_store::StoreError::NotFound(_)) => {
                st.login.sessions.forget(&id);
                return Err(expired("the session was signed out"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    st.login.sessions.put(v.clone());
    if unsafe_method(method) {
        let presented = headers
            .get(CSRF_HEADER)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        if presented.is_empty() || !token::verify(presented, &v.session.csrf_hash) {
            return Err(csrf_error(
                "a change made with a session needs its CSRF token in the `X-CSRF-Token` header \
                 (the value of the `cordon_csrf` cookie)",
            ));
        }
        check_origin(headers)?;
    }
    if v.account.must_change_password && !allowed_before_password_change(path) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "password_change_required",
            "change your one-time password first (POST /v1/me/password)",
        ));
    }
    Ok(Caller::from_account(&v.account, v.role, Some(v.session)).at(now))
}

/// A short public id for a session or a remembered browser: the first 16
/// hex digits of its stored id (itself a hash; never the token).
pub(crate) fn public_id(id: &str) -> String {
    id.chars().take(16).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_from_every_cookie_header() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; cordon_csrf=x"),
        );
        h.append(
            header::COOKIE,
            HeaderValue::from_static("cordon_session=tok"),
        );
        assert_eq!(cookie_value(&h, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie_value(&h, CSRF_COOKIE), Some("x"));
        assert_eq!(cookie_value(&h, "b"), None);
    }

    #[test]
    fn origin_must_name_the_host() {
        let h = |origin: Option<&'static str>, host: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, HeaderValue::from_static(host));
            if let Some(o) = origin {
                h.insert(header::ORIGIN, HeaderValue::from_static(o));
            }
            check_origin(&h).is_ok()
        };
        assert!(h(None, "dlp.example.org"));
        assert!(h(Some("https://dlp.example.org"), "dlp.example.org"));
        assert!(h(Some("http://127.0.0.1:8080"), "127.0.0.1:8080"));
        assert!(!h(Some("https://evil.example"), "dlp.example.org"));
        assert!(!h(Some("https://dlp.example.org:444"), "dlp.example.org"));
        assert!(!h(Some("null"), "dlp.example.org"));
    }

    #[test]
    fn cookie_attributes() {
        let c = Cookie {
            name: SESSION_COOKIE,
            value: "t",
            max_age_secs: Some(60),
            http_only: true,
            same_site: "Lax",
            path: "/",
        };
        assert_eq!(
            c.header(true),
            "cordon_session=t; Path=/; SameSite=Lax; Max-Age=60; HttpOnly; Secure"
        );
        assert_eq!(
            c.header(false),
            "cordon_session=t; Path=/; SameSite=Lax; Max-Age=60; HttpOnly"
        );
    }
}
