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
