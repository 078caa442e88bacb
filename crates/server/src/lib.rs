//! `cordon serve`: the DLP server.
//!
//! An axum application over a [`cordon_store::Store`]: decisions from the
//! policy engine (`cordon-policy`), inspection (`cordon-inspect`),
//! versioned policies, incidents with history, exceptions, agent groups,
//! dashboard figures and Prometheus metrics. See `docs/server.md` and
//! `docs/api.md`.
//!
//! A request goes down one layer at a time, like a file through
//! `cordon scan`:
//!
//! - [`routes`] is the one route table: path, method, required access,
//!   handler. [`auth`] checks the access of every matched route;
//!   `middleware` adds timeouts, metrics and security headers.
//! - `api` holds the handlers, one module per resource (ops, decide,
//!   inspect, policies, incidents, exceptions, dashboard, agents, keys),
//!   each thin: parse, call a service or the store, answer with a typed
//!   wire value (`api::wire`) whose schema is in `/openapi.json`.
//! - Services: [`decision`] (inspect → decide → count → build incidents →
//!   journal; callable without HTTP), [`lifecycle`] (the policy engine:
//!   check, compile, activate, reload, bootstrap, justifications),
//!   [`incident`] (building incidents from a decision), `admission`
//!   (inspection slots, policy-check slots, per-key fair share).
//! - [`journal`] takes incident writes off the request path: a violating
//!   request is answered once its incidents are in an append-only local
//!   journal (group commit); a loader moves them into the database in
//!   batches, recording its position in the same transaction.
//! - [`state`] holds what every handler shares; [`serve`] starts and stops
//!   it; [`config::Settings`] layers defaults → file → environment → flags.

mod activity;
mod admission;
pub mod alerts;
mod api;
pub mod audit;
pub mod auth;
pub mod bundle;
pub mod config;
pub mod crawler;
pub mod decision;
pub mod engine;
pub mod engines;
mod error;
mod extract;
pub mod incident;
pub mod journal;
pub mod lifecycle;
pub mod login;
mod metrics;
mod middleware;
pub mod openapi;
mod passwords;
pub mod routes;
mod scope;
pub mod serve;
pub mod state;
pub mod tls;

pub use config::{Overrides, Settings};
pub use error::{ApiError, ErrorBody};
pub use routes::{Access, RouteSpec, router, routes};
pub use serve::{Server, serve, serve_app};
pub use state::AppState;
