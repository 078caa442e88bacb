//! `cordon serve`: the DLP server.
//!
//! An axum application over a [`cordon_store::Store`]: decisions from the
//! policy engine (`cordon-policy`), inspection (`cordon-inspect`),
//! versioned policies, incidents with history, exceptions, agent groups,
//! dashboard figures and Prometheus metrics. See `docs/server.md` and
//! `docs/api.md`.
//!
//! - [`app::routes`] is the one route table: path, method, required access.
//! - [`journal`] takes incident writes off the request path: a violating
//!   request is answered once its incidents are in an append-only local
//!   journal (group commit); a loader moves them into the database in
//!   batches, recording its position in the same transaction.
//! - [`config::Settings`] layers defaults → file → environment → flags.

pub mod activity;
pub mod app;
pub mod config;
pub mod engine;
pub mod engines;
pub mod error;
pub mod extract;
pub mod handlers;
pub mod journal;
pub mod metrics;
pub mod openapi;

pub use app::{AppState, Server, routes, serve};
pub use config::{Overrides, Settings};
