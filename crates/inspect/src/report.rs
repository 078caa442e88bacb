//! The per-file result: one line of `cordon scan --format json`, and the
//! body of the server's `/v1/inspect`. The schema is documented in
//! `docs/scan-output.md`; change both together.

use cordon_detect::{Category, Classification, Confidence};
use serde::{Deserialize, Serialize};

/// Everything Cordon found out about one scanned file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FileReport {
    /// The path as given on the command line or found while walking
    /// (`-` for standard input).
    pub path: String,
    /// Content type of the file itself, by signature (not extension).
    pub file_type: String,
    /// Hex id of that type in the file-type table (`0x000A0100`).
    pub file_type_id: String,
    /// Bytes read from the file, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    pub findings: Vec<ReportFinding>,
    /// Findings counted in `classification` but not listed in `findings`,
    /// because the file had more than the per-file limit (so memory stays
    /// bounded whatever the file holds).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub findings_omitted: u64,
    /// Categories with at least one finding (sorted).
    pub categories: Vec<Category>,
    /// Counts per detector and category: the input policies match on.
    pub classification: Classification,
    /// False when any part of the file could not be inspected (a limit was
    /// hit, an archive member was encrypted or corrupt, the file changed
    /// while read, …). A file that is not complete is never "clean".
    pub complete: bool,
    /// Why the file is not complete: where, and what happened.
    pub incomplete: Vec<Problem>,
    /// Errors that stopped this file (or a member) from being read at all.
    pub errors: Vec<Problem>,
    /// Members extracted from containers (archives, documents, mail), with
    /// their content types; empty for a plain file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
}

/// One finding, located inside the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ReportFinding {
    pub detector: String,
    pub category: Category,
    pub confidence: Confidence,
    /// Byte offsets in the extracted text of `location` (for a plain UTF-8
    /// file, and for HTML and XML, offsets in the file itself). `end` is
    /// exclusive.
    pub start: u64,
    pub end: u64,
    /// Whether `start..end` are offsets in the bytes of `location` (not
    /// in text extracted from it): what a SARIF region may point at. Not
    /// serialised; a deserialised finding says no.
    #[serde(skip)]
    pub in_bytes: bool,
    /// Where the text came from: the file path, then `!/member` for each
    /// container level, e.g. `q.zip!/q3/sheet.xlsx!/xl/worksheets/sheet1.xml`.
    pub location: String,
    /// The value with most characters masked; always present.
    pub masked: String,
    /// The full value, only when the user asked for it (`--show-values`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A member extracted from a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Member {
    pub location: String,
    pub file_type: String,
}

/// A problem with part of a file: where, what (for people) and a stable
/// code (for programs: policies, the server's incidents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Problem {
    /// The file, then `!/member` for each container level.
    pub location: String,
    /// What happened, in a sentence.
    pub message: String,
    /// What happened, as a snake_case code: the extractor's reasons
    /// (`encrypted`, `corrupt`, `unsupported`, `io_error`, `ratio_limit`,
    /// `input_ratio_limit`, `member_size_limit`, …; see
    /// `docs/scan-output.md`), `changed_while_read`, or `not_read` for a
    /// path that is not a file to read (a FIFO, a device, a broken link).
    #[serde(default)]
    pub code: String,
}

impl FileReport {
    /// Whether anything at all was found.
    pub fn has_findings(&self) -> bool {
        !self.findings.is_empty()
    }

    /// Lists a finding (or only counts it, past `max_listed`) and counts
    /// it in the classification.
    pub fn add_finding(&mut self, f: ReportFinding, max_listed: usize) {
        if self.findings.len() < max_listed {
            self.classification
                .record(&f.detector, f.category, f.confidence);
            self.findings.push(f);
        } else {
            self.add_omitted(&f.detector, f.category, f.confidence);
        }
    }

    /// Counts a finding that is not listed (the list is full): it still
    /// counts in the classification.
    pub fn add_omitted(&mut self, detector: &str, category: Category, confidence: Confidence) {
        self.add_omitted_n(detector, category, confidence, 1);
    }

    /// Counts `n` findings that are not listed.
    pub fn add_omitted_n(
        &mut self,
        detector: &str,
        category: Category,
        confidence: Confidence,
        n: u64,
    ) {
        self.classification
            .record_n(detector, category, confidence, n);
        self.findings_omitted += n;
    }

    /// Folds in the findings of a part of the same file (a segment scanned
    /// on another thread), keeping at most `max_listed` listed.
    pub fn absorb(&mut self, part: FileReport, max_listed: usize) {
        self.classification.merge(&part.classification);
        let room = max_listed.saturating_sub(self.findings.len());
        let listed = part.findings.len();
        self.findings.extend(part.findings.into_iter().take(room));
        self.findings_omitted += part.findings_omitted + listed.saturating_sub(room) as u64;
    }

    /// Derives `categories` and `complete` from the classification and the
    /// problems, so they cannot disagree.
    pub fn finalize(&mut self) {
        self.categories = self.classification.categories.iter().copied().collect();
        self.complete = self.incomplete.is_empty() && self.errors.is_empty();
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
