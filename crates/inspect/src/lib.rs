//! Inspection: files in, one classified report per file out.
pub mod inspect;
pub mod report;
pub mod run;
pub mod walk;

pub use cordon_extract::Ocr;
pub use report::{FileReport, Member, Problem, ReportFinding};
