//! Integration tests of cordon-seal: one binary, one module per area.
// Tests may unwrap and panic (clippy.toml allows it in #[test] functions;
// this extends it to the helpers of this test binary).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod damage;
mod interop;
mod roundtrip;
mod streaming;
mod support;
