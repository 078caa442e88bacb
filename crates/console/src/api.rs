//! The console's one way to data: the HTTP API, called in-process.
//!
//! Every page is built from API answers and every change is an API call,
//! made with what the browser sent: its cookies (the session), its
//! `Host`, `Origin` and `User-Agent`, its address, and for a change the
//! CSRF token from the form. The API's own checks (session, CSRF, origin,
//! route table, role, scope) therefore decide everything the console
//! shows or does; the console has no store, no state and no back door.

use axum::Router;
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use bytes::Bytes;
use cordon_server::auth::Peer;
use http_body_util::BodyExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower::ServiceExt;

use crate::error::Failure;

/// The API answers at most this much to one console call (a page of
/// incidents with details is well under it).
const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// What the console forwards of the browser's request.
#[derive(Clone, Debug, Default)]
pub struct Browser {
    cookie: Option<HeaderValue>,
    host: Option<HeaderValue>,
    origin: Option<HeaderValue>,
    user_agent: Option<HeaderValue>,
    peer: Option<Peer>,
    /// The session's CSRF token (the readable `cordon_csrf` cookie), put
    /// in every form so that a change can send it back.
    pub csrf: String,
    /// The page asked for (`/incidents?status=new`), to come back to
    /// after signing in.
    pub here: String,
    /// Whether the browser sent a session cookie at all.
    pub has_session: bool,
    /// A problem the last change ran into, carried across its redirect
    /// by the short-lived `cordon_problem` cookie (see [`crate::flash`]).
    pub problem: String,
}

impl Browser {
    fn of(parts: &Parts) -> Browser {
        let h = &parts.headers;
        // Several Cookie headers (HTTP/2 style) are joined into one.
        let cookies: Vec<&str> = h
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let cookie = (!cookies.is_empty())
            .then(|| HeaderValue::from_str(&cookies.join("; ")).ok())
            .flatten();
        Browser {
            cookie,
            host: h.get(header::HOST).cloned(),
            origin: h.get(header::ORIGIN).cloned(),
            user_agent: h.get(header::USER_AGENT).cloned(),
            peer: parts.extensions.get::<Peer>().copied(),
            csrf: cookie_value(h, "cordon_csrf"),
            here: parts
                .uri
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
            has_session: !cookie_value(h, "cordon_session").is_empty(),
            problem: crate::flash::read(&cookie_value(h, crate::flash::COOKIE)),
        }
    }
}

fn cookie_value(h: &HeaderMap, name: &str) -> String {
    cordon_server::login::session::cookie_value(h, name)
        .unwrap_or_default()
        .to_owned()
}

impl<S: Send + Sync> FromRequestParts<S> for Browser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Browser::of(parts))
    }
}

/// One answer of the API.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    /// Its `Set-Cookie` headers, passed on to the browser (sign-in,
    /// sign-out).
    pub cookies: Vec<HeaderValue>,
    pub content_type: String,
    pub body: Bytes,
}

impl Answer {
    /// The JSON body as `T`, or the failure the API answered.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Failure> {
        if !self.status.is_success() {
            return Err(Failure::from_answer(self));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            Failure::Internal(format!(
                "the API's answer does not have the shape the console expects: {e}"
            ))
        })
    }
}

/// The API router, called in-process.
#[derive(Clone)]
pub struct Api {
    router: Router,
}

impl Api {
    pub fn new(router: Router) -> Api {
        Api { router }
    }

    /// Sends one request to the API as `browser`; the answer unread.
    /// `csrf`, for a change, is the token the form brought back.
    async fn raw(
        &self,
        browser: &Browser,
        method: Method,
        uri: &str,
        body: Option<&(impl Serialize + ?Sized)>,
        csrf: Option<&str>,
    ) -> Result<Response<Body>, Failure> {
        let mut req = Request::builder().method(method).uri(uri);
        let h = req
            .headers_mut()
            .ok_or_else(|| Failure::Internal(format!("cannot build a request for `{uri}`")))?;
        for (name, value) in [
            (header::COOKIE, &browser.cookie),
            (header::HOST, &browser.host),
            (header::ORIGIN, &browser.origin),
            (header::USER_AGENT, &browser.user_agent),
        ] {
            if let Some(v) = value {
                h.insert(name, v.clone());
            }
        }
        if let Some(token) = csrf
            && let Ok(v) = HeaderValue::from_str(token)
        {
            h.insert("x-csrf-token", v);
        }
        let body = match body {
            Some(b) => {
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                Body::from(
                    serde_json::to_vec(b)
                        .map_err(|e| Failure::Internal(format!("cannot encode a request: {e}")))?,
                )
            }
            None => Body::empty(),
        };
        let mut req = req
            .body(body)
            .map_err(|e| Failure::Internal(format!("cannot build a request for `{uri}`: {e}")))?;
        if let Some(peer) = browser.peer {
            req.extensions_mut().insert(peer);
        }
        self.router
            .clone()
            .oneshot(req)
            .await
            .map_err(|e| Failure::Internal(format!("the API did not answer: {e}")))
    }

    /// `GET uri` as `browser`, decoded.
    pub async fn get<T: DeserializeOwned>(
        &self,
        browser: &Browser,
        uri: &str,
    ) -> Result<T, Failure> {
        self.call(browser, Method::GET, uri, None::<&()>, None)
            .await?
            .json()
    }

    /// A change: `method uri` with a JSON body and the form's CSRF token.
    pub async fn change(
        &self,
        browser: &Browser,
        method: Method,
        uri: &str,
        body: &(impl Serialize + ?Sized),
        csrf: &str,
    ) -> Result<Answer, Failure> {
        self.call(browser, method, uri, Some(body), Some(csrf))
            .await
    }

    /// Sends one request to the API as `browser` (see [`Api::raw`]) and
    /// reads its answer, up to a bound.
    pub async fn call(
        &self,
        browser: &Browser,
        method: Method,
        uri: &str,
        body: Option<&(impl Serialize + ?Sized)>,
        csrf: Option<&str>,
    ) -> Result<Answer, Failure> {
        let resp = self.raw(browser, method, uri, body, csrf).await?;
        Answer::read(resp).await
    }

    /// `GET uri` as `browser`, its body passed on as it comes (a download):
    /// only the headers that describe the file go with it. A refusal is the
    /// API's failure, read as any other.
    pub async fn stream(&self, browser: &Browser, uri: &str) -> Result<Response<Body>, Failure> {
        let resp = self
            .raw(browser, Method::GET, uri, None::<&()>, None)
            .await?;
        if !resp.status().is_success() {
            return Err(Failure::from_answer(&Answer::read(resp).await?));
        }
        let mut out = Response::new(Body::empty());
        for name in [
            header::CONTENT_TYPE,
            header::CONTENT_LENGTH,
            header::CONTENT_DISPOSITION,
        ] {
            if let Some(v) = resp.headers().get(&name) {
                out.headers_mut().insert(name, v.clone());
            }
        }
        if let Some(v) = resp.headers().get("x-cordon-sha256") {
            out.headers_mut().insert("x-cordon-sha256", v.clone());
        }
        *out.body_mut() = resp.into_body();
        Ok(out)
    }
}

impl Answer {
    /// Reads `resp` whole, up to [`MAX_ANSWER_BYTES`].
    async fn read(resp: Response<Body>) -> Result<Answer, Failure> {
        let status = resp.status();
        let cookies = resp
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .cloned()
            .collect();
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let limited = http_body_util::Limited::new(resp.into_body(), MAX_ANSWER_BYTES);
        let body = limited
            .collect()
            .await
            .map_err(|e| Failure::Internal(format!("the API's answer could not be read: {e}")))?
            .to_bytes();
        Ok(Answer {
            status,
            cookies,
            content_type,
            body,
        })
    }
}

/// `s` percent-encoded for a query string or a path segment.
pub fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
