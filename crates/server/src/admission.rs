//! Admission: what the server lets in at once, so that one caller cannot
//! take it from the others.
//!
//! - **Inspections** (`/v1/inspect`, inline content in `/v1/decide`) run on
//!   blocking threads, at most `max_inspections` at a time. A request
//!   waits up to `inspect_queue_ms` for a slot, then gets `503
//!   inspection_busy` with `Retry-After`. Bodies are read on the async side
//!   first (see `api::inspect`), so a slow upload never holds a slot.
//! - **Policy checks** and compiles run on blocking threads too, at most
//!   two at a time and each within `policy_check_timeout_ms`.
//! - **Incident bytes per key**: each key has a token bucket of
//!   `key_incident_burst_bytes`, refilled at `key_incident_bytes_per_sec`,
//!   that every violating decision spends by the size of its incidents. It
//!   is enforced only under pressure — when the journal's backlog is over
//!   half its limit — so a healthy server never refuses; under pressure a
//!   key that has spent its share gets `429 incident_quota` with
//!   `Retry-After` while keys within their share are still served.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::Settings;
use crate::error::{ApiError, ApiResult};

pub(crate) struct Admission {
    inspections: Arc<Semaphore>,
    inspect_wait: Duration,
    pub(crate) policy_checks: Arc<Semaphore>,
    quotas: Mutex<HashMap<String, Bucket>>,
    rate: f64,
    burst: f64,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Admission {
    pub(crate) fn new(s: &Settings) -> Admission {
        Admission {
            inspections: Arc::new(Semaphore::new(s.max_inspections.max(1))),
            inspect_wait: Duration::from_millis(s.inspect_queue_ms),
            policy_checks: Arc::new(Semaphore::new(2)),
            quotas: Mutex::new(HashMap::new()),
            rate: s.key_incident_bytes_per_sec as f64,
            burst: s.key_incident_burst_bytes as f64,
        }
    }

    /// A slot to run one inspection, waiting up to `inspect_queue_ms`.
    pub(crate) async fn inspection(&self) -> ApiResult<OwnedSemaphorePermit> {
        let wait = self.inspections.clone().acquire_owned();
        match tokio::time::timeout(self.inspect_wait, wait).await {
            Ok(Ok(p)) => Ok(p),
            Ok(Err(e)) => Err(ApiError::internal("inspection permits", &e)),
            Err(_) => Err(ApiError::unavailable(
                "inspection_busy",
                format!(
                    "every inspection slot has been busy for {} ms; retry shortly",
                    self.inspect_wait.as_millis()
                ),
            )
            .retry_after(1)),
        }
    }

    /// Spends `bytes` of `key`'s incident quota; refuses when `pressure`
    /// (the journal is over half full) and the quota is spent.
    pub(crate) fn spend(&self, key: &str, bytes: usize, pressure: bool) -> ApiResult<()> {
        let Ok(mut map) = self.quotas.lock() else {
            return Ok(());
        };
        if map.len() > 100_000 {
            map.clear();
        }
        let now = Instant::now();
        // Looked up by `&str`: the key's name is copied only the first
        // time it is seen.
        if !map.contains_key(key) {
            map.insert(
                key.to_owned(),
                Bucket {
                    tokens: self.burst,
                    at: now,
                },
            );
        }
        let Some(b) = map.get_mut(key) else {
            return Ok(());
        };
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate).min(self.burst);
        b.at = now;
        let cost = bytes as f64;
        if pressure && b.tokens < cost {
            let wait = if self.rate > 0.0 {
                ((cost - b.tokens) / self.rate).ceil().clamp(1.0, 3600.0) as u32
            } else {
                60
            };
            return Err(ApiError::too_many(
                "incident_quota",
                format!(
                    "this key has recorded more incident data than its share while the incident \
                     journal is under pressure; retry in {wait} s"
                ),
                wait,
            ));
        }
        b.tokens = (b.tokens - cost).max(0.0);
        Ok(())
    }
}
