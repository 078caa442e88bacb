//! Data classification: the built-in detectors, and "try it": pasted text
//! scanned by the built-ins and custom detectors written on the spot (the
//! `cordon scan --detectors` TOML, e.g. the seed's keyword rule), showing
//! masked findings with their line and column.

use askama::Template;
use axum::extract::State;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::Console;
use crate::api::Browser;
use crate::error::Failure;
use crate::page::{Chrome, html};
use crate::text::sentence;

#[derive(Deserialize)]
pub struct Detector {
    pub id: String,
    pub category: String,
    #[serde(default)]
    pub validator: Option<String>,
    #[serde(default)]
    pub context: Vec<String>,
    pub needs_context: bool,
    pub description: String,
}

#[derive(Deserialize)]
struct Table {
    detectors: Vec<Detector>,
}

#[derive(Deserialize)]
pub struct Tried {
    pub detector: String,
    pub category: String,
    pub confidence: String,
    pub line: usize,
    pub column: usize,
    pub masked: String,
}

#[derive(Template)]
#[template(path = "detectors.html")]
struct Page {
    chrome: Chrome,
    detectors: Vec<Detector>,
    text: String,
    custom: String,
    custom_only: bool,
    tried: Option<Vec<Tried>>,
}

const EXAMPLE_CUSTOM: &str = "# The Symantec seed's keyword rule\n[[detector]]\nid = \"encrypt_me\"\ncategory = \"CONFIDENTIAL\"\nkeywords = [\"Confidential\", \"Encrypt me\"]\n";

async fn render(
    c: &Console,
    b: &Browser,
    text: String,
    custom: String,
    custom_only: bool,
    tried: Option<Vec<Tried>>,
    alert: String,
) -> Response {
    let chrome = match Chrome::load(&c.api, b, "/detectors", "Detectors").await {
        Ok(ch) => ch.with_alert(alert),
        Err(e) => return e.into_response(),
    };
    let table: Table = match c.api.get(b, "/v1/detectors").await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    html(&Page {
        chrome,
        detectors: table.detectors,
        text,
        custom,
        custom_only,
        tried,
    })
}

pub async fn page(State(c): State<Console>, b: Browser) -> Response {
    render(
        &c,
        &b,
        String::new(),
        EXAMPLE_CUSTOM.to_owned(),
        false,
        None,
        String::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct TryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    custom: String,
    #[serde(default)]
    custom_only: Option<String>,
}

pub async fn try_it(
    State(c): State<Console>,
    b: Browser,
    axum::Form(f): axum::Form<TryForm>,
) -> Response {
    #[derive(Deserialize)]
    struct Out {
        findings: Vec<Tried>,
    }
    let input = json!({
        "text": f.text,
        "custom": f.custom,
        "custom_only": f.custom_only.is_some(),
    });
    let r = c
        .api
        .change(&b, Method::POST, "/v1/detectors/try", &input, &f.csrf)
        .await
        .and_then(|a| a.json::<Out>());
    let (tried, alert) = match r {
        Ok(o) => (Some(o.findings), String::new()),
        Err(Failure::Api { body, .. }) => (None, sentence(&body.message)),
        Err(e) => return e.into_response(),
    };
    render(
        &c,
        &b,
        f.text,
        f.custom,
        f.custom_only.is_some(),
        tried,
        alert,
    )
    .await
}
