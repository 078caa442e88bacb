//! Inspection: files in, one classified report per file out.

#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::allow_attributes_without_reason
    )
)]
// The API is re-exported below. `inspect`, `run` and `walk` stay public
// only while the server and the CLI still name items through them; once
// they use the root paths these become private like `report`.
mod inspect;
mod report;
mod run;
mod walk;

pub use cordon_extract::Ocr;
pub use inspect::{InspectOptions, Inspector, failed};
pub use report::{FileReport, Member, Problem, ReportFinding};
pub use run::run_ordered;
pub use walk::{Target, WalkOptions, walk};
