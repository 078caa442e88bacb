//! Server tests: handlers in process (`oneshot`), the route table's
//! access, the OpenAPI document, end-to-end runs on an ephemeral port with
//! SQLite and PostgreSQL, reliability, and `cordon serve` processes.
// Test helpers outside `#[test]` functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod accounts;
mod agent_link;
mod alerts;
mod e2e;
mod handlers;
mod hardening;
mod login;
mod openapi;
mod process;
mod reliability;
mod scopes;
mod shadows;
mod support;
