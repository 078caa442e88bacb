//! Integration tests of cordon-alert: one binary, one module per sink,
//! against real receivers started by the tests (Debian's `aiosmtpd`, a
//! Python `http.server` that verifies signatures on its own, tokio
//! listeners for syslog with certificates made by `openssl`, and util-linux
//! `logger` as the reference sender), never mocks.
// Tests may unwrap and panic (clippy.toml allows it in #[test] functions;
// this extends it to the helpers of this test binary).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod config;
mod email;
mod jsonl;
mod props;
mod support;
mod syslog;
mod webhook;
