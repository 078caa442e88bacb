//! Inspection: files in, one classified report per file out.

#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::allow_attributes_without_reason
    )
)]
pub mod inspect;
pub mod report;
pub mod run;
pub mod walk;

pub use cordon_extract::Ocr;
pub use report::{FileReport, Member, Problem, ReportFinding};
