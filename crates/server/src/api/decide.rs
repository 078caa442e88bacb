//! `POST /v1/decide`: unwrap the body, hand it to [`crate::decision`].

use axum::Json;
use axum::extract::State;
use cordon_policy::model::Event;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::decision::{self, Content, Outcome};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiBytes, parse_json};
use crate::state::AppState;

/// Content sent along with an event, inspected by the server; its
/// classification replaces the event's `file.classification`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InlineContent {
    /// File name, used to pick the extractor (`report.docx`).
    #[serde(default)]
    pub name: Option<String>,
    /// UTF-8 content.
    #[serde(default)]
    pub text: Option<String>,
    /// Binary content, standard base64.
    #[serde(default)]
    pub base64: Option<String>,
}

/// `POST /v1/decide` with inline content: the event and the content.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideWithContent {
    event: Event,
    content: InlineContent,
}

/// The body of `POST /v1/decide`: an event, or the event and the content
/// for the server to inspect first.
// Only describes the body in the OpenAPI document: `unwrap_body` parses
// it, telling the two forms apart by the `event` key.
#[derive(ToSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "never built: it only describes the body")]
pub enum DecideBody {
    Event(Event),
    WithContent(DecideWithContent),
}

/// Finds out whether the body has a top-level `event` key, without
/// building anything.
#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    event: Option<serde::de::IgnoredAny>,
}

#[utoipa::path(post, path = "/v1/decide", tag = "decide",
    request_body(content = DecideBody, description = "An event (see docs/policy.md), or `{\"event\": …, \"content\": {\"name\", \"text\" | \"base64\"}}` to have the server inspect the content first"),
    responses((status = 200, description = "the decision, its request id and the number of incidents recorded", body = Outcome),
              (status = 400, description = "malformed event", body = ErrorBody),
              (status = 429, description = "this key is over its incident quota while the journal is under pressure", body = ErrorBody),
              (status = 503, description = "incidents could not be recorded, or no inspection slot; treat as deny", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn decide(
    State(st): State<AppState>,
    axum::Extension(caller): axum::Extension<Caller>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Json<Outcome>> {
    st.ready()?;
    let (event, content) = unwrap_body(&body)?;
    let content = content.map(content_bytes).transpose()?;
    let outcome = decision::decide(
        &st,
        decision::Request {
            event,
            content,
            caller_key: caller.key_id().to_owned(),
            computer: caller.computer().to_owned(),
        },
    )
    .await?;
    Ok(Json(outcome))
}

/// A plain event, or the wrapped form with inline content.
fn unwrap_body(body: &[u8]) -> ApiResult<(Event, Option<InlineContent>)> {
    // Only a body that mentions `"event"` (or could spell it with a `\u`
    // escape) can be the wrapped form: plain events, the common case, are
    // parsed once.
    let maybe_wrapped = memchr::memmem::find(body, b"\"event\"").is_some()
        || memchr::memmem::find(body, b"\\u").is_some();
    if maybe_wrapped && parse_json::<Probe>(body)?.event.is_some() {
        let d: DecideWithContent = parse_json(body)?;
        return Ok((d.event, Some(d.content)));
    }
    Ok((parse_json::<Event>(body)?, None))
}

fn content_bytes(c: InlineContent) -> ApiResult<Content> {
    use base64::Engine as _;
    let name = c.name.unwrap_or_else(|| "content".to_owned());
    let bytes = match (c.text, c.base64) {
        (Some(t), None) => t.into_bytes(),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .map_err(|e| {
                ApiError::invalid_json(
                    Some("content.base64".into()),
                    format!("`content.base64` is not valid base64: {e}"),
                )
            })?,
        _ => {
            return Err(ApiError::invalid_json(
                Some("content".into()),
                "`content` needs exactly one of `text` and `base64`",
            ));
        }
    };
    Ok(Content { name, bytes })
}
