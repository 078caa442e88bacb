//! HTTP to the server: enrolment, the bundle poll, the heartbeat and the
//! spool upload. Short timeouts: a server that never answers costs one
//! poll, not the agent.

use std::time::Duration;

use cordon_bundle::KeyInfo;

use crate::config::Token;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    #[error("the server answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the server's answer is not what was expected: {0}")]
    Garbage(String),
}

/// What enrolment returns.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Enrolled {
    pub computer: String,
    pub group: String,
    pub key_id: String,
    pub signing_key: KeyInfo,
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
    LinkError::Unreachable(e.to_string())
}

fn check(resp: reqwest::blocking::Response) -> Result<reqwest::blocking::Response, LinkError> {
    let status = resp.status();
    if status.is_success() || status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(resp);
    }
    let body: String = resp.text().unwrap_or_default().chars().take(300).collect();
    Err(LinkError::Status {
        status: status.as_u16(),
        body,
    })
}

impl Client {
    pub fn new(server: &str, token: Token) -> Result<Client, LinkError> {
        let http = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(unreachable)?;
        Ok(Client {
            http,
            server: server.trim_end_matches('/').to_owned(),
            token,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server)
    }

    pub fn enroll(&self, computer: &str, group: &str) -> Result<Enrolled, LinkError> {
        let resp = self
            .http
            .post(self.url("/v1/agent/enroll"))
            .bearer_auth(self.token.expose())
            .json(&serde_json::json!({"name": computer, "group": group}))
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
}
