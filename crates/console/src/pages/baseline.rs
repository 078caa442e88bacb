//! The observation baseline of a policy (the Acronis seed): every rule
//! observed while the policy ran in observation mode, reviewed one by one
//! (keep, change its permission, or delete), the category defaults set —
//! with the seed's warning while a default still allows — and the result
//! saved as the policy's next version in enforcement mode.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Console;
use crate::api::{Browser, enc};
use crate::error::Failure;
use crate::page::{Chrome, html};
use crate::text::sentence;

#[derive(Deserialize)]
struct Baseline {
    observing: bool,
    #[serde(default)]
    document: Option<Value>,
    #[serde(default)]
    defaults_allowing: Vec<String>,
}

/// A data-flow rule of the baseline.
pub struct RuleRow {
    pub index: usize,
    pub id: String,
    pub category: String,
    pub senders: String,
    pub recipients: String,
    pub permission: String,
    pub description: String,
}

pub struct DefaultRow {
    pub category: String,
    pub permission: String,
}

#[derive(Template)]
#[template(path = "baseline.html")]
struct Page {
    chrome: Chrome,
    id: String,
    observing: bool,
    rules: Vec<RuleRow>,
    defaults: Vec<DefaultRow>,
    allowing: Vec<String>,
    can_modify: bool,
}

const PERMISSIONS: &[&str] = &["allow", "exception", "deny"];

fn list(v: Option<&Value>) -> String {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn text(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

async fn load(c: &Console, b: &Browser, id: &str) -> Result<Baseline, Failure> {
    c.api
        .get(b, &format!("/v1/policies/{}/baseline", enc(id)))
        .await
}

pub async fn page(State(c): State<Console>, b: Browser, Path(id): Path<String>) -> Response {
    let base = match load(&c, &b, &id).await {
        Ok(x) => x,
        Err(e) => return e.returning_to(&b.here).into_response(),
    };
    let chrome = match Chrome::load(&c.api, &b, "/policies", format!("Baseline of {id}")).await {
        Ok(ch) => ch,
        Err(e) => return e.into_response(),
    };
    #[derive(Deserialize)]
    struct Yours {
        modify: bool,
    }
    #[derive(Deserialize)]
    struct Detail {
        yours: Yours,
    }
    let can_modify = c
        .api
        .get::<Detail>(&b, &format!("/v1/policies/{}", enc(&id)))
        .await
        .is_ok_and(|d| d.yours.modify);
    let doc = base.document.unwrap_or(Value::Null);
    let rules = doc
        .get("flows")
        .and_then(Value::as_array)
        .map(|flows| {
            flows
                .iter()
                .enumerate()
                .map(|(index, f)| RuleRow {
                    index,
                    id: text(f, "id"),
                    category: text(f, "category"),
                    senders: list(f.get("senders")),
                    recipients: list(f.get("recipients")),
                    permission: text(f, "permission"),
                    description: text(f, "description"),
                })
                .collect()
        })
        .unwrap_or_default();
    let defaults = doc
        .get("flowDefaults")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(cat, spec)| DefaultRow {
                    category: cat.clone(),
                    permission: text(spec, "permission"),
                })
                .collect()
        })
        .unwrap_or_default();
    html(&Page {
        chrome,
        id,
        observing: base.observing,
        rules,
        defaults,
        allowing: base.defaults_allowing,
        can_modify,
    })
}

/// The reviewed baseline as the policy's next version, enforcing.
pub async fn enforce(
    State(c): State<Console>,
    b: Browser,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |k: &str| {
        pairs
            .iter()
            .find(|(x, _)| x == k)
            .map_or("", |(_, v)| v.as_str())
    };
    let base = match load(&c, &b, &id).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let Some(mut doc) = base.document else {
        return Failure::Api {
            status: StatusCode::CONFLICT,
            body: crate::error::ApiErrorBody {
                code: "not_observing".to_owned(),
                message: "the policy is not in observation mode on this server: there is no baseline to enforce"
                    .to_owned(),
                ..Default::default()
            },
        }
        .into_response();
    };
    // Rules: the kept ones, with the permission chosen for each.
    if let Some(flows) = doc.get_mut("flows").and_then(Value::as_array_mut) {
        let mut kept = Vec::with_capacity(flows.len());
        for (i, mut f) in flows.drain(..).enumerate() {
            if field(&format!("keep_{i}")) != "1" {
                continue;
            }
            let p = field(&format!("permission_{i}"));
            if PERMISSIONS.contains(&p) {
                f["permission"] = json!(p);
            }
            kept.push(f);
        }
        *flows = kept;
    }
    if let Some(defaults) = doc.get_mut("flowDefaults").and_then(Value::as_object_mut) {
        for (cat, spec) in defaults.iter_mut() {
            let p = field(&format!("default_{cat}"));
            if PERMISSIONS.contains(&p) {
                spec["permission"] = json!(p);
                if p != "allow"
                    && let Some(obj) = spec.as_object_mut()
                {
                    // The review note is answered.
                    obj.remove("message");
                }
            }
        }
    }
    doc["mode"] = json!("enforce");
    let body = serde_json::to_string_pretty(&doc).unwrap_or_default();
    let input = json!({
        "body": body,
        "format": "json",
        "comment": "observation baseline reviewed and enforced",
        "activate": field("activate") == "1",
    });
    let uri = format!("/v1/policies/{}", enc(&id));
    match c
        .api
        .change(&b, Method::PUT, &uri, &input, field("csrf"))
        .await
    {
        Ok(a) if a.status.is_success() => {
            let done = if field("activate") == "1" {
                "activated"
            } else {
                "saved"
            };
            Redirect::to(&format!("/policies/{}?done={done}", enc(&id))).into_response()
        }
        Ok(a) => {
            let f = Failure::from_answer(&a);
            match f {
                Failure::Api { status, body } => Failure::Api {
                    status,
                    body: crate::error::ApiErrorBody {
                        message: sentence(&body.message),
                        ..body
                    },
                }
                .into_response(),
                other => other.into_response(),
            }
        }
        Err(e) => e.into_response(),
    }
}
