//! HTTP to the server: enrolment, the bundle poll, the heartbeat and the
//! spool upload. Short timeouts: a server that never answers costs one
//! poll, not the agent.
//!
//! `https://` servers are checked by rustls against the system's roots
//! and, when configured, the CA certificates of `ca_file` (a private CA).
//! A certificate that does not verify is an error that says so; nothing
//! falls back to trusting it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cordon_bundle::KeyInfo;

use crate::config::Token;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    #[error("ca_file `{path}`: {message}")]
    CaFile { path: PathBuf, message: String },
    #[error("server `{0}`: use an `https://` or `http://` URL")]
    Url(String),
    #[error("the server answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the server's answer is not what was expected: {0}")]
    Garbage(String),
}

/// What enrolment returns.
#[derive(Clone, serde::Deserialize)]
pub struct Enrolled {
    pub computer: String,
    pub group: String,
    pub key_id: String,
    /// With an enrolment token: the computer's own API key (once).
    #[serde(default)]
    pub api_key: Option<Token>,
    pub signing_key: KeyInfo,
}

impl std::fmt::Debug for Enrolled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrolled")
            .field("computer", &self.computer)
            .field("group", &self.group)
            .field("key_id", &self.key_id)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("signing_key", &self.signing_key.key_id)
            .finish()
    }
}

/// Whether `token` is an agent group's enrolment token (not an API key).
pub fn is_enrolment_token(token: &str) -> bool {
    token.starts_with("cordon_enrol_")
}

/// A bundle poll's answer.
#[derive(Debug)]
pub enum Fetched {
    NotModified,
    Bundle { text: Vec<u8>, etag: Option<String> },
}

/// The heartbeat the server's `/v1/agent/heartbeat` takes.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Heartbeat {
    pub version: String,
    pub fqdn: Option<String>,
    pub netbios: Option<String>,
    pub ipv4: Vec<String>,
    pub ou: Option<String>,
    pub policy_serial: i64,
    pub policy_version: i64,
    pub trusted_keys: Vec<String>,
    pub spool_pending: u64,
    pub spool_dropped: u64,
}

#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::blocking::Client,
    server: String,
    token: Token,
}

fn unreachable(e: reqwest::Error) -> LinkError {
    LinkError::Unreachable(describe(&e))
}

/// The error and its causes (reqwest's own text hides why TLS failed),
/// with what to do when the server's certificate is not trusted.
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let c_text = c.to_string();
        if !text.contains(&c_text) {
            text.push_str(": ");
            text.push_str(&c_text);
        }
        cause = c.source();
    }
    if text.contains("UnknownIssuer") || text.contains("invalid peer certificate") {
        text.push_str(
            " (the server's TLS certificate is not trusted: give its CA with `--ca-file` at enrolment, `ca_file` in agent.toml)",
        );
    }
    text
}

fn read_ca(path: &Path) -> Result<Vec<reqwest::Certificate>, LinkError> {
    let err = |message: String| LinkError::CaFile {
        path: path.to_owned(),
        message,
    };
    let pem = std::fs::read(path).map_err(|e| err(format!("cannot read it: {e}")))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| err(format!("not PEM certificates: {}", describe(&e))))?;
    if certs.is_empty() {
        return Err(err("holds no PEM certificate".into()));
    }
    Ok(certs)
}

fn check(resp: reqwest::blocking::Response) -> Result<reqwest::blocking::Response, LinkError> {
    let status = resp.status();
    if status.is_success() || status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(resp);
    }
    let text = resp.text().unwrap_or_default();
    // The server's errors are `{"code", "message"}`: the message says why.
    let body = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or(text)
        .chars()
        .take(600)
        .collect();
    Err(LinkError::Status {
        status: status.as_u16(),
        body,
    })
}

impl Client {
    /// A client trusting the system's roots only.
    pub fn new(server: &str, token: Token) -> Result<Client, LinkError> {
        Client::build(server, token, Vec::new())
    }

    /// A client trusting the system's roots and the CA certificates in
    /// `ca_file`, if given.
    pub fn with_ca(
        server: &str,
        token: Token,
        ca_file: Option<&Path>,
    ) -> Result<Client, LinkError> {
        let extra = match ca_file {
            Some(p) => read_ca(p)?,
            None => Vec::new(),
        };
        Client::build(server, token, extra)
    }

    fn build(
        server: &str,
        token: Token,
        extra: Vec<reqwest::Certificate>,
    ) -> Result<Client, LinkError> {
        if !(server.starts_with("https://") || server.starts_with("http://")) {
            return Err(LinkError::Url(server.to_owned()));
        }
        let mut builder = reqwest::blocking::Client::builder()
            .use_rustls_tls()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(15))
            // The key goes with every request: never to another host.
            .redirect(reqwest::redirect::Policy::none());
        for c in extra {
            builder = builder.add_root_certificate(c);
        }
        let http = builder.build().map_err(unreachable)?;
        Ok(Client {
            http,
            server: server.trim_end_matches('/').to_owned(),
            token,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server)
    }

    /// Enrols `computer`: in `group` with an API key; with an enrolment
    /// token the token names the group (`group`, if given, must be it).
    pub fn enroll(&self, computer: &str, group: Option<&str>) -> Result<Enrolled, LinkError> {
        let mut body = serde_json::json!({ "name": computer });
        if let Some(g) = group {
            body["group"] = serde_json::Value::from(g);
        }
        let resp = self
            .http
            .post(self.url("/v1/agent/enroll"))
            .bearer_auth(self.token.expose())
            .json(&body)
            .send()
            .map_err(unreachable)?;
        check(resp)?
            .json()
            .map_err(|e| LinkError::Garbage(e.to_string()))
    }

    pub fn bundle(&self, group: &str, etag: Option<&str>) -> Result<Fetched, LinkError> {
        let mut req = self
            .http
            .get(self.url("/v1/agent/bundle"))
            .query(&[("group", group)])
            .bearer_auth(self.token.expose());
        if let Some(t) = etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, t);
        }
        let resp = check(req.send().map_err(unreachable)?)?;
        if resp.status() == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        let etag = resp
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = resp
            .bytes()
            .map_err(|e| LinkError::Garbage(e.to_string()))?;
        if text.len() > cordon_bundle::MAX_BUNDLE {
            return Err(LinkError::Garbage("bundle over the size limit".into()));
        }
        Ok(Fetched::Bundle {
            text: text.to_vec(),
            etag,
        })
    }

    pub fn heartbeat(&self, hb: &Heartbeat) -> Result<(), LinkError> {
        let resp = self
            .http
            .post(self.url("/v1/agent/heartbeat"))
            .bearer_auth(self.token.expose())
            .json(hb)
            .send()
            .map_err(unreachable)?;
        check(resp).map(|_| ())
    }

    /// Uploads a batch; the number the server journaled.
    pub fn upload(&self, incidents: &[cordon_record::Incident]) -> Result<usize, LinkError> {
        #[derive(serde::Deserialize)]
        struct Ack {
            accepted: usize,
        }
        let resp = self
            .http
            .post(self.url("/v1/agent/incidents"))
            .bearer_auth(self.token.expose())
            .json(&serde_json::json!({ "incidents": incidents }))
            .send()
            .map_err(unreachable)?;
        let ack: Ack = check(resp)?
            .json()
            .map_err(|e| LinkError::Garbage(e.to_string()))?;
        Ok(ack.accepted)
    }

    /// The computer's due plug-in calls: the signed envelope, unopened.
    pub fn tasks(&self) -> Result<Vec<u8>, LinkError> {
        let resp = self
            .http
            .get(self.url("/v1/agent/tasks"))
            .bearer_auth(self.token.expose())
            .send()
            .map_err(unreachable)?;
        let text = check(resp)?
            .bytes()
            .map_err(|e| LinkError::Garbage(e.to_string()))?;
        if text.len() > cordon_bundle::MAX_BUNDLE {
            return Err(LinkError::Garbage(
                "plug-in calls over the size limit".into(),
            ));
        }
        Ok(text.to_vec())
    }

    /// An agent plug-in's package, at most [`cordon_plugin::MAX_PACKAGE_BYTES`].
    pub fn plugin_package(&self, name: &str) -> Result<Vec<u8>, LinkError> {
        use std::io::Read as _;
        let mut url = reqwest::Url::parse(&self.url("/v1/agent/plugins/"))
            .map_err(|e| LinkError::Url(e.to_string()))?;
        url.path_segments_mut()
            .map_err(|()| LinkError::Url(self.server.clone()))?
            .pop_if_empty()
            .push(name);
        let resp = self
            .http
            .get(url)
            .bearer_auth(self.token.expose())
            .timeout(Duration::from_secs(60))
            .send()
            .map_err(unreachable)?;
        let mut bytes = Vec::new();
        let limit = cordon_plugin::MAX_PACKAGE_BYTES as u64;
        check(resp)?
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| LinkError::Unreachable(e.to_string()))?;
        if bytes.len() as u64 > limit {
            return Err(LinkError::Garbage(format!(
                "plug-in package over {limit} bytes"
            )));
        }
        Ok(bytes)
    }

    /// Reports a call's result; `Ok(false)` when the server no longer
    /// waits for it (409: its lease ended or it was answered).
    pub fn report_task(
        &self,
        delivery: i64,
        result: &cordon_plugin::TaskResult,
    ) -> Result<bool, LinkError> {
        let resp = self
            .http
            .post(self.url(&format!("/v1/agent/tasks/{delivery}")))
            .bearer_auth(self.token.expose())
            .json(result)
            .send()
            .map_err(unreachable)?;
        match check(resp) {
            Ok(_) => Ok(true),
            Err(LinkError::Status { status: 409, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Sends one sealed shadow copy, streamed from `path`, with its size
    /// and SHA-256; the server stores it only if both match. Given as
    /// long as a slow link needs (30 s, plus a second per MB).
    pub fn upload_shadow(
        &self,
        id: &str,
        path: &Path,
        bytes: u64,
        sha256: &str,
    ) -> Result<(), LinkError> {
        let file = std::fs::File::open(path)
            .map_err(|e| LinkError::Unreachable(format!("{}: {e}", path.display())))?;
        let resp = self
            .http
            .put(self.url(&format!("/v1/agent/shadows/{id}")))
            .bearer_auth(self.token.expose())
            .header("x-cordon-sha256", sha256)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .timeout(Duration::from_secs(30 + bytes / 1_000_000))
            .body(reqwest::blocking::Body::sized(file, bytes))
            .send()
            .map_err(unreachable)?;
        check(resp).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_ca_file_says_which_and_why() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone.pem");
        let e = Client::with_ca("https://x", Token::new("k"), Some(&gone)).unwrap_err();
        assert!(
            e.to_string()
                .starts_with(&format!("ca_file `{}`: cannot read it", gone.display())),
            "{e}"
        );
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "hello\n").unwrap();
        let e = Client::with_ca("https://x", Token::new("k"), Some(&junk)).unwrap_err();
        assert!(e.to_string().contains("holds no PEM certificate"), "{e}");
        let e = Client::with_ca("ftp://x", Token::new("k"), None).unwrap_err();
        assert!(e.to_string().contains("`https://`"), "{e}");
        assert!(Client::with_ca("https://x", Token::new("k"), None).is_ok());
    }

    #[test]
    fn the_computers_key_never_shows_in_debug() {
        let e: Enrolled = serde_json::from_value(serde_json::json!({
            "computer": "pc1", "group": "g", "key_id": "0a1b2c3d",
            "api_key": "cordon_0a1b2c3d_secretsecret",
            "signing_key": {"key_id": "k", "public_key": "AAAA"},
        }))
        .unwrap();
        let d = format!("{e:?}");
        assert!(!d.contains("secretsecret") && d.contains("pc1"), "{d}");
        assert!(is_enrolment_token("cordon_enrol_0a1b2c3d_x"));
        assert!(!is_enrolment_token("cordon_0a1b2c3d_x"));
    }
}
