//! Integration tests of cordon-devctl: the seed's examples verbatim,
//! decision cases as data, round trips, DST, and the published tables.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may unwrap (clippy.toml)

mod cases;
mod combined;
mod doc_tables;
mod dst;
mod filetypes;
mod roundtrip;
mod seed;

use std::path::PathBuf;

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

pub fn read_fixture(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}
