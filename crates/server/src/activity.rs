//! Dashboard activity: every decided event is counted in memory (per
//! minute bucket and action, plus the distinct users) and flushed to the
//! database every few seconds, so the request path never writes for it and
//! several servers on one database add up.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use cordon_store::{ActivityBatch, Millis, Store};

/// Bucket width: one minute.
pub const BUCKET_MS: Millis = 60_000;

/// Activity names that count detectors, not actions: `detector:credit_card`.
pub const DETECTOR_PREFIX: &str = "detector:";

#[derive(Debug, Default)]
pub struct Activity {
    inner: Mutex<Pending>,
}

#[derive(Debug, Default)]
struct Pending {
    counts: HashMap<(Millis, &'static str), i64>,
    /// Violating events per detector that found something in them.
    detectors: HashMap<(Millis, String), i64>,
    users: HashMap<Millis, HashSet<String>>,
}

impl Activity {
    pub fn record(&self, now: Millis, action: &'static str, user: Option<&str>) {
        let bucket = now - now.rem_euclid(BUCKET_MS);
        let Ok(mut p) = self.inner.lock() else { return };
        *p.counts.entry((bucket, action)).or_insert(0) += 1;
        if let Some(u) = user.filter(|u| !u.is_empty()) {
            let set = p.users.entry(bucket).or_default();
            if !set.contains(u) {
                set.insert(u.to_owned());
            }
        }
    }

    /// Counts one violating event for each detector that found something
    /// in its content (the dashboard's top detectors). Stored as activity
    /// named [`DETECTOR_PREFIX`]`id`: aggregates, no user, no computer.
    pub fn record_detectors<'a>(&self, now: Millis, detectors: impl Iterator<Item = &'a str>) {
        let bucket = now - now.rem_euclid(BUCKET_MS);
        let Ok(mut p) = self.inner.lock() else { return };
        for d in detectors {
            // Bounded: ids are detector ids (built-in or configured), and
            // a bucket keeps at most 1,000 of them.
            if p.detectors.len() >= 1_000 && !p.detectors.contains_key(&(bucket, d.to_owned())) {
                continue;
            }
            *p.detectors.entry((bucket, d.to_owned())).or_insert(0) += 1;
        }
    }

    fn take(&self) -> Vec<ActivityBatch> {
        let Ok(mut p) = self.inner.lock() else {
            return Vec::new();
        };
        let counts = std::mem::take(&mut p.counts);
        let users = std::mem::take(&mut p.users);
        let detectors = std::mem::take(&mut p.detectors);
        drop(p);
        let mut by_bucket: HashMap<Millis, ActivityBatch> = HashMap::new();
        for ((bucket, action), n) in counts {
            let b = by_bucket.entry(bucket).or_insert_with(|| ActivityBatch {
                bucket,
                ..Default::default()
            });
            b.actions.push((action.to_owned(), n));
        }
        for ((bucket, id), n) in detectors {
            let b = by_bucket.entry(bucket).or_insert_with(|| ActivityBatch {
                bucket,
                ..Default::default()
            });
            b.actions.push((format!("{DETECTOR_PREFIX}{id}"), n));
        }
        for (bucket, set) in users {
            let b = by_bucket.entry(bucket).or_insert_with(|| ActivityBatch {
                bucket,
                ..Default::default()
            });
            b.users.extend(set);
        }
        let mut v: Vec<ActivityBatch> = by_bucket.into_values().collect();
        v.sort_by_key(|b| b.bucket);
        v
    }

    /// Writes what was counted since the last flush. On failure the counts
    /// are lost (they are statistics, not evidence; incidents are not).
    pub async fn flush(&self, store: &dyn Store) {
        let batches = self.take();
        if batches.is_empty() {
            return;
        }
        if let Err(e) = store.record_activity(&batches).await {
            tracing::warn!("cannot record dashboard activity: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_bucket_and_distinct_users() {
        let a = Activity::default();
        a.record(60_000, "download", Some("alice"));
        a.record(60_001, "download", Some("alice"));
        a.record(60_002, "share", Some("bob"));
        a.record(120_000, "download", None);
        let b = a.take();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].bucket, 60_000);
        let mut acts = b[0].actions.clone();
        acts.sort();
        assert_eq!(
            acts,
            vec![("download".to_owned(), 2), ("share".to_owned(), 1)]
        );
        assert_eq!(b[0].users.len(), 2);
        assert!(b[1].users.is_empty());
        assert!(a.take().is_empty(), "taken once");
    }
}
