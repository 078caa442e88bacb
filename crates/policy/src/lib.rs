//! cordon-policy: one explained decision per event.
//!
//! Rules of three kinds feed one engine: FileCloud-style expression rules
//! (ALLOW/DENY, ENFORCE/PERMISSIVE, `expr`), Acronis-style data-flow rules
//! (category × sender × recipient, `flow`) and, through the
//! [`source::RuleSource`] extension point, device-control policies
//! (`cordon-devctl`). See `docs/policy.md`.

pub mod model;
pub mod source;

pub use model::{Action, Decision, Event, Verdict};
pub use source::{EvalContext, RuleSource, SourceLoader, SourceOutcome};
pub mod diag;
pub mod document;
pub mod engine;
mod explain;
pub mod expr;
pub mod flow;
pub mod geoip;
pub mod internal;
mod nesting;
pub mod rules;
pub mod testing;
pub mod wildcard;

pub use document::{Loader, PolicyDocument, PolicySet};
pub use engine::{Clock, Engine, ManualClock, SystemClock};
pub use explain::explain;
