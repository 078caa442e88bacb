//! Small text helpers for pages: sentences, times, sizes.

use chrono::{DateTime, Utc};

/// The API's messages are lower-case clauses ("the code is wrong"); a
/// page shows a sentence.
pub fn sentence(s: &str) -> String {
    let s = s.trim();
    let mut out = String::with_capacity(s.len() + 1);
    let mut chars = s.chars();
    if let Some(first) = chars.next() {
        out.extend(first.to_uppercase());
        out.push_str(chars.as_str());
    }
    if !out.is_empty() && !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// A time for a page: machine-readable (`<time datetime>`; the page's
/// script shows it in the browser's time zone) and a UTC fallback.
#[derive(Debug, Clone, Default)]
pub struct When {
    pub iso: String,
    pub text: String,
}

impl When {
    pub fn of(ms: i64) -> When {
        match DateTime::<Utc>::from_timestamp_millis(ms) {
            Some(t) if ms > 0 => When {
                iso: t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                text: t.format("%Y-%m-%d %H:%M UTC").to_string(),
            },
            _ => When::default(),
        }
    }

    pub fn opt(ms: Option<i64>) -> When {
        ms.map(When::of).unwrap_or_default()
    }
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// The value of an `<input type="datetime-local">` (`2026-12-02T10:30`,
/// the browser's local time, which the form's script turns into UTC in a
/// hidden field) or RFC 3339, as the API's time filter.
pub fn time_filter(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if DateTime::parse_from_rfc3339(s).is_ok() || s.parse::<i64>().is_ok() {
        return Some(s.to_owned());
    }
    // Without an offset: taken as UTC, and said so on the form.
    let padded = if s.len() == 16 {
        format!("{s}:00")
    } else {
        s.to_owned()
    };
    chrono::NaiveDateTime::parse_from_str(&padded, "%Y-%m-%dT%H:%M:%S")
        .ok()
        .map(|t| {
            t.and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences() {
        assert_eq!(sentence("the code is wrong"), "The code is wrong.");
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(sentence(""), "");
        assert_eq!(sentence("élan?"), "Élan?");
    }

    #[test]
    fn times() {
        let w = When::of(1_767_225_600_000);
        assert_eq!(w.iso, "2026-01-01T00:00:00Z");
        assert_eq!(w.text, "2026-01-01 00:00 UTC");
        assert_eq!(When::of(0).iso, "");
        assert_eq!(
            time_filter("2026-12-02T10:30").as_deref(),
            Some("2026-12-02T10:30:00Z")
        );
        assert_eq!(
            time_filter("2026-12-02T10:30:00+01:00").as_deref(),
            Some("2026-12-02T10:30:00+01:00")
        );
        assert_eq!(time_filter("yesterday"), None);
        assert_eq!(time_filter(" "), None);
    }
}
