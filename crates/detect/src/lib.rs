//! Sensitive-data detection: text in, findings out. No IO.
//!
//! The public contract other crates build on is in [`model`]: categories,
//! confidences, findings and the per-file [`Classification`] that policies
//! match on.

pub mod model;

pub use model::{Category, Classification, Confidence, DetectorCount, Finding};
