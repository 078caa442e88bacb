//! Helpers the SQL of every resource shares.

use std::borrow::Cow;

/// Text as a database column can hold it: PostgreSQL refuses NUL in
/// `TEXT`, and a value it refuses must not stop every incident behind it in
/// the journal (nor turn a key name into a 500). A NUL becomes U+FFFD (in
/// JSON columns it is escaped anyway).
pub(crate) fn text(s: &str) -> Cow<'_, str> {
    if s.contains('\0') {
        Cow::Owned(s.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A real write (a full disk or a read-only file fails here), the same
/// text for both backends.
macro_rules! check_write {
    ($pool:expr) => {
        sqlx::query(
            "INSERT INTO state (key, value) VALUES ('last_check', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind($crate::now_millis())
        .execute($pool)
        .await?
    };
}
pub(crate) use check_write;

/// One state row read within [`crate::PING_TIMEOUT`], the same text for
/// both backends.
macro_rules! ping {
    ($pool:expr) => {
        match tokio::time::timeout(
            $crate::PING_TIMEOUT,
            sqlx::query("SELECT value FROM state WHERE key = 'policy_generation'").fetch_one($pool),
        )
        .await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => Err(sqlx::Error::PoolTimedOut.into()),
        }
    };
}
pub(crate) use ping;

#[cfg(test)]
mod tests {
    #[test]
    fn nul_becomes_replacement_character() {
        assert_eq!(super::text("a\0b"), "a\u{FFFD}b");
        assert_eq!(super::text("ab"), "ab");
    }
}
