//! Storage integration tests: the same story against SQLite and PostgreSQL.
// Test helpers outside `#[test]` functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod audit;
mod both;
mod enrolment;
mod leases;
mod migrate;
mod outbox;
mod plugins;
mod roles;
mod rollup;
mod scope;
mod sessions;
mod shares;
mod story;
mod streams;
