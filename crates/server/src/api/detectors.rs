//! Data classification: the table of built-in detectors, and "try it":
//! pasted text scanned by the built-ins and, optionally, custom detectors
//! given as TOML, answering masked findings with their line and column.

use axum::Json;
use axum::extract::State;
use cordon_detect::{CustomDetectorsConfig, Detectors};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

/// One built-in detector.
#[derive(Debug, Serialize, ToSchema)]
pub struct DetectorEntry {
    pub id: String,
    /// `PII`, `PHI`, `PCI`, `CREDENTIALS`, `CONFIDENTIAL`.
    pub category: String,
    /// The check-digit or structure validator, if any.
    pub validator: Option<String>,
    /// Words that raise the confidence of a nearby match.
    pub context: Vec<String>,
    /// Reported only with a context word nearby.
    pub needs_context: bool,
    pub description: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DetectorTable {
    pub detectors: Vec<DetectorEntry>,
}

#[utoipa::path(get, path = "/v1/detectors", tag = "detectors",
    responses((status = 200, description = "the built-in detectors", body = DetectorTable)),
    security(("session" = []), ("api_key" = [])))]
pub async fn list() -> Json<DetectorTable> {
    let detectors = cordon_detect::detectors()
        .iter()
        .map(|d| DetectorEntry {
            id: d.id.to_owned(),
            category: d.category.as_str().to_owned(),
            validator: d.validator.map(str::to_owned),
            context: d.context.iter().map(|s| (*s).to_owned()).collect(),
            needs_context: d.needs_context,
            description: d.description.to_owned(),
        })
        .collect();
    Json(DetectorTable { detectors })
}

/// Pasted text is at most this long.
const MAX_TRY_BYTES: usize = 1024 * 1024;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DetectorTryInput {
    /// The text to scan (at most 1 MiB).
    pub text: String,
    /// Custom detectors to add, in the `cordon scan --detectors` TOML
    /// format (`[[detector]] id, category, keywords | regex, …`).
    #[serde(default)]
    pub custom: Option<String>,
    /// Leave the built-in detectors out (try the custom ones alone).
    #[serde(default)]
    pub custom_only: bool,
}

/// One finding of "try it": masked, never the value.
#[derive(Debug, Serialize, ToSchema)]
pub struct TriedFinding {
    pub detector: String,
    pub category: String,
    /// `low`, `medium`, `high`.
    pub confidence: String,
    /// 1-based line and column (in characters) of the match.
    pub line: usize,
    pub column: usize,
    pub masked: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DetectorTryOutput {
    pub findings: Vec<TriedFinding>,
}

/// 1-based line and column (characters) of byte `at` in `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = (0..=at.min(text.len()))
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

#[utoipa::path(post, path = "/v1/detectors/try", tag = "detectors", request_body = DetectorTryInput,
    responses(
        (status = 200, description = "the masked findings", body = DetectorTryOutput),
        (status = 400, description = "the custom detectors are not valid (`field` = `custom`)", body = crate::error::ErrorBody),
        (status = 413, description = "the text is longer than 1 MiB", body = crate::error::ErrorBody)),
    security(("session" = []), ("api_key" = [])))]
pub async fn try_it(
    State(_st): State<AppState>,
    ApiJson(input): ApiJson<DetectorTryInput>,
) -> ApiResult<Json<DetectorTryOutput>> {
    if input.text.len() > MAX_TRY_BYTES {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "the text is {} bytes; try at most {MAX_TRY_BYTES}",
                input.text.len()
            ),
        ));
    }
    let invalid = |message: String| ApiError::invalid_json(Some("custom".into()), message);
    let mut builder = Detectors::builder().builtins(!input.custom_only);
    if let Some(toml) = input.custom.as_deref().filter(|t| !t.trim().is_empty()) {
        let cfg = CustomDetectorsConfig::from_toml_str(toml)
            .map_err(|e| invalid(format!("the custom detectors are not valid: {e}")))?;
        builder = builder.custom(cfg);
    }
    let detectors = builder
        .build()
        .map_err(|e| invalid(format!("the custom detectors are not valid: {e}")))?;
    // A scan of up to 1 MiB is milliseconds of CPU: off the async workers.
    let findings = tokio::task::spawn_blocking(move || {
        detectors
            .scan(input.text.as_bytes())
            .into_iter()
            .map(|f| {
                let (line, column) = line_col(&input.text, f.start);
                TriedFinding {
                    detector: f.detector.into_owned(),
                    category: f.category.as_str().to_owned(),
                    confidence: f.confidence.as_str().to_owned(),
                    line,
                    column,
                    masked: f.masked.to_string(),
                }
            })
            .collect()
    })
    .await
    .map_err(|e| ApiError::internal("try-it scan failed", &e))?;
    Ok(Json(DetectorTryOutput { findings }))
}

#[cfg(test)]
mod tests {
    use super::line_col;

    #[test]
    fn lines_and_columns() {
        assert_eq!(line_col("abc", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 3), (2, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("é x", 3), (1, 3));
        assert_eq!(line_col("x", 99), (1, 2));
    }
}
