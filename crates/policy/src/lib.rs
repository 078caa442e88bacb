//! cordon-policy: one explained decision per event.
//!
//! Rules of three kinds feed one engine: FileCloud-style expression rules
//! (ALLOW/DENY, ENFORCE/PERMISSIVE, `expr`), Acronis-style data-flow rules
//! (category × sender × recipient, `flow`) and, through the
//! [`source::RuleSource`] extension point, device-control policies
//! (`cordon-devctl`). See `docs/policy.md`.

// Declared rules (ARCHITECTURE.md): library code never indexes or slices in
// a way that can panic, and every `allow` says why.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::allow_attributes_without_reason
    )
)]

// The API (ARCHITECTURE.md): the loader and its documents, the engine,
// the event and decision model, the rule-source extension point, and what
// tools around policies need (diagnostics, the expression language for
// editors and fuzzing, test cases, the explanation, GeoIP, wildcards).
pub mod diag;
pub mod document;
mod engine;
mod explain;
pub mod expr;
mod flow;
pub mod geoip;
mod internal;
pub mod media;
pub mod model;
mod nesting;
mod rules;
pub mod source;
pub mod testing;
pub mod wildcard;

pub use document::{Loader, PolicyDocument, PolicySet};
pub use engine::{Clock, Engine, Justification, ManualClock, SystemClock};
pub use explain::explain;
pub use model::{Action, Decision, Event, Verdict};
pub use source::{EvalContext, RuleSource, SourceLoader, SourceOutcome};
