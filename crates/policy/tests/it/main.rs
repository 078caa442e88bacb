//! Integration tests of cordon-policy: one binary, one module per area.
// Tests may unwrap and panic (clippy.toml allows it in #[test] functions;
// this extends it to the helpers of this test binary).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cases;
mod combine;
mod docs;
mod exceptions;
mod geo;
mod limits;
mod observe;
mod reference;
mod roundtrip;
mod schema;
mod seeds;
mod support;
