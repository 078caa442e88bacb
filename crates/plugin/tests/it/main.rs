//! Integration tests of cordon-plugin: packages as a table of cases, the
//! runner against real child processes, the shipped example plug-ins end
//! to end, and property tests of the package reader.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may unwrap (clippy.toml)

mod examples;
mod package;
mod props;
mod runner;
mod util;
