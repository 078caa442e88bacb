//! Inspection: files in, one classified report per file out.
pub mod walk;
