//! Integration tests of cordon-inspect: every input is built in the test.

// Helpers outside `#[test]` functions may unwrap too (see clippy.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod paths;
