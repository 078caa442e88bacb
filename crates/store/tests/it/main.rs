//! Storage integration tests: the same story against SQLite and PostgreSQL.
// Test helpers outside `#[test]` functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod migrate;
mod scope;
mod story;
