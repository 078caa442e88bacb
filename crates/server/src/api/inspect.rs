//! `POST /v1/inspect`: the body, streamed, inspected like one file of
//! `cordon scan`.
//!
//! An inspection holds a blocking thread, so it must not wait for the
//! network: the body is read on the async side first, up to
//! `inspect_buffer_bytes`; only then does the request take an inspection
//! slot (see [`crate::admission`]). A body that ends within the buffer —
//! nearly all — is inspected from memory; a larger one is streamed into
//! the running inspection in chunks. Every wait for the next chunk is
//! bounded by `inspect_idle_ms`, so a client that stops sending is cut off
//! (`408`) instead of holding its slot.

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt as _;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct InspectQuery {
    /// File name for the report and to pick the extractor.
    pub name: Option<String>,
}

/// A body being read: its limit and how long a chunk may take.
struct Upload {
    body: Body,
    limit: usize,
    idle: Duration,
    total: usize,
}

impl Upload {
    /// The next chunk, `None` at the end.
    async fn next(&mut self) -> ApiResult<Option<Bytes>> {
        loop {
            let frame = match tokio::time::timeout(self.idle, self.body.frame()).await {
                Err(_) => {
                    return Err(ApiError::new(
                        StatusCode::REQUEST_TIMEOUT,
                        "body_timeout",
                        format!(
                            "no part of the body arrived for {} ms",
                            self.idle.as_millis()
                        ),
                    ));
                }
                Ok(None) => return Ok(None),
                Ok(Some(Err(e))) => {
                    return Err(ApiError::bad_request(format!("cannot read the body: {e}")));
                }
                Ok(Some(Ok(f))) => f,
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            self.total += data.len();
            if self.total > self.limit {
                return Err(ApiError::too_large(self.limit));
            }
            return Ok(Some(data));
        }
    }
}

#[utoipa::path(post, path = "/v1/inspect", tag = "inspect",
    params(InspectQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the raw content, streamed"),
    responses((status = 200, description = "the same object as one line of `cordon scan --format json`", body = cordon_inspect::FileReport),
              (status = 408, description = "the body stopped arriving", body = ErrorBody),
              (status = 413, description = "the body is over `max_inspect_bytes`", body = ErrorBody),
              (status = 503, description = "every inspection slot stayed busy; retry", body = ErrorBody)),
    security(("api_key" = [])))]
pub async fn inspect(
    State(st): State<AppState>,
    Query(q): Query<InspectQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<cordon_inspect::FileReport>> {
    st.ready()?;
    let s = &st.settings;
    let limit = s.max_inspect_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::too_large(limit));
    }
    let name = q
        .name
        .or_else(|| {
            headers
                .get("x-file-name")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "-".to_owned());
    let mut upload = Upload {
        body,
        limit,
        idle: Duration::from_millis(s.inspect_idle_ms),
        total: 0,
    };
    // The first part, read without holding anything but memory.
    let buffer = s.inspect_buffer_bytes.min(limit);
    let mut head = BytesMut::new();
    let mut ended = false;
    while head.len() < buffer {
        match upload.next().await? {
            Some(b) => head.extend_from_slice(&b),
            None => {
                ended = true;
                break;
            }
        }
    }
    let permit = st.admission.inspection().await?;
    let inspector = st.inspector.clone();
    let mut report = if ended {
        let head = head.freeze();
        tokio::task::spawn_blocking(move || {
            let r = inspector.inspect(&name, &head);
            drop(permit);
            r
        })
        .await
        .map_err(|e| ApiError::internal("inspection task", &e))?
    } else {
        stream_rest(inspector, name, head.freeze(), &mut upload, permit).await?
    };
    st.metrics.inspected_bytes.inc_by(upload.total as u64);
    for f in &mut report.findings {
        f.value = None;
    }
    Ok(Json(report))
}

/// Inspects a body larger than the buffer: `head`, then the rest as it
/// arrives, never held whole.
async fn stream_rest(
    inspector: std::sync::Arc<dyn crate::engine::ContentInspector>,
    name: String,
    head: Bytes,
    upload: &mut Upload,
    permit: tokio::sync::OwnedSemaphorePermit,
) -> ApiResult<cordon_inspect::FileReport> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, ()>>(8);
    let task = tokio::task::spawn_blocking(move || {
        let mut reader = ChannelReader {
            rx,
            cur: Bytes::new(),
        };
        let r = inspector.inspect_reader(&name, &mut reader);
        drop(permit);
        r
    });
    let mut failure = None;
    let mut next = Some(head);
    while let Some(chunk) = next {
        if tx.send(Ok(chunk)).await.is_err() {
            break;
        }
        next = match upload.next().await {
            Ok(n) => n,
            Err(e) => {
                failure = Some(e);
                None
            }
        };
    }
    if failure.is_some() {
        let _ = tx.send(Err(())).await;
    }
    drop(tx);
    let report = task
        .await
        .map_err(|e| ApiError::internal("inspection task", &e))?;
    match failure {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

/// A blocking reader over body chunks sent from the async side.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, ()>>,
    cur: Bytes,
}

impl std::io::Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.cur.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.cur = b,
                Some(Err(())) => return Err(std::io::Error::other("the request body was cut off")),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), self.cur.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.cur = self.cur.slice(n..);
        Ok(n)
    }
}
