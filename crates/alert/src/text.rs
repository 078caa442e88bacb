//! Small text helpers every formatter shares.

use chrono::{DateTime, SecondsFormat, Utc};

/// Unix milliseconds as a UTC time; out-of-range values are the epoch
/// (an alert's time is the store's, so this is never expected).
pub(crate) fn utc(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::UNIX_EPOCH)
}

/// RFC 3339 with milliseconds and a numeric offset: `2026-12-02T02:00:34.610+00:00`
/// (the form `logger --rfc5424` writes, with three digits instead of six).
pub(crate) fn rfc3339_ms(ms: i64) -> String {
    utc(ms).to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// The longest prefix of `s` of at most `max` bytes that ends on a
/// character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

/// `s` on one line: every control character (CR, LF, tab, …) becomes a
/// space.
pub(crate) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("héllo", 3), "hé");
        assert_eq!(truncate("abc", 10), "abc");
        assert_eq!(truncate("€", 1), "");
    }

    #[test]
    fn times_have_milliseconds_and_an_offset() {
        assert_eq!(
            rfc3339_ms(1_764_640_834_610),
            "2025-12-02T02:00:34.610+00:00"
        );
        assert_eq!(rfc3339_ms(i64::MAX), "1970-01-01T00:00:00.000+00:00");
    }
}
