//! Integration tests for cordon-detect, one binary with a module per topic.

// Test helpers outside #[test] functions may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod cases;
mod context;
mod creds;
mod custom;
mod docs;
mod ids;
mod keys;
mod net;
mod pci;
mod stream;
mod table;
mod tokens;
mod validators;
