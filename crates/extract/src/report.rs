//! What an extraction did not manage: limits hit, members that could not be
//! read, and the type of everything it saw.

use std::io;
use std::time::Duration;

use crate::Format;
use cordon_filetype::FileType;

use crate::location::Location;

/// Why a member (and so its root input) was not fully inspected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    /// Nesting deeper than [`crate::Limits::max_depth`].
    #[error("nested deeper than the limit of {limit} levels")]
    Depth { limit: u32 },
    /// Decompressed bytes over [`crate::Limits::max_total_bytes`]. Stops
    /// the whole input.
    #[error(
        "the input expands to more than the limit of {limit} bytes; extraction stopped here and nothing after it was read"
    )]
    TotalBytes { limit: u64 },
    /// A stream expanding more than [`crate::Limits::max_ratio`] times: the
    /// stream is cut, the members after it are read.
    #[error("expansion ratio exceeds the limit of {limit}:1; the rest of this member was not read")]
    Ratio { limit: u64 },
    /// The input as a whole expanding more than
    /// [`crate::Limits::max_ratio`] times (many small streams, entries
    /// sharing their data). Stops the whole input.
    #[error(
        "the input expands more than the limit of {limit}:1 overall; extraction stopped here and nothing after it was read"
    )]
    InputRatio { limit: u64 },
    /// More members than [`crate::Limits::max_entries`]. Stops the whole
    /// input.
    #[error(
        "the input holds more than the limit of {limit} entries; extraction stopped here and nothing after it was read"
    )]
    Entries { limit: u64 },
    /// A member that must be held in memory is over
    /// [`crate::Limits::max_member_bytes`].
    #[error("member is larger than the in-memory limit of {limit} bytes")]
    MemberTooLarge { limit: u64 },
    /// Extracted text over [`crate::Limits::max_member_bytes`] (cut there).
    #[error("extracted text is larger than the limit of {limit} bytes and was cut")]
    TextTooLarge { limit: u64 },
    /// The time limit for the input ran out. Stops the whole input.
    #[error(
        "the time limit of {}s for the input ran out; extraction stopped here and nothing after it was read",
        limit.as_secs_f64()
    )]
    Timeout { limit: Duration },
    /// The OCR engine's time limit ran out on one image (see
    /// [`crate::Ocr`]); the input goes on.
    #[error("the OCR engine's time limit of {}s for this image ran out", limit.as_secs_f64())]
    OcrTimeout { limit: Duration },
    /// Content protected by a password or encryption.
    #[error("{format} is encrypted: {detail}")]
    Encrypted { format: Format, detail: String },
    /// Truncated or malformed content.
    #[error("corrupt or truncated {format}: {detail}")]
    Corrupt { format: Format, detail: String },
    /// A feature of the format this extractor does not read.
    #[error("{detail}")]
    Unsupported { format: Format, detail: String },
    /// Reading the input failed.
    #[error("read error: {detail}")]
    Io { detail: String },
}

impl Reason {
    /// True for the limits of [`crate::Limits`], false for errors in the
    /// content or reading it.
    pub fn is_limit(&self) -> bool {
        matches!(
            self,
            Self::Depth { .. }
                | Self::TotalBytes { .. }
                | Self::Ratio { .. }
                | Self::InputRatio { .. }
                | Self::Entries { .. }
                | Self::MemberTooLarge { .. }
                | Self::TextTooLarge { .. }
                | Self::Timeout { .. }
                | Self::OcrTimeout { .. }
        )
    }

    /// True for the limits that stop extraction of the whole input (the
    /// members after the place it tripped are not read); false for what
    /// cuts only the member it is recorded at.
    pub fn stops_input(&self) -> bool {
        matches!(
            self,
            Self::TotalBytes { .. }
                | Self::InputRatio { .. }
                | Self::Entries { .. }
                | Self::Timeout { .. }
        )
    }

    /// A stable snake_case name for machine output.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Depth { .. } => "depth_limit",
            Self::TotalBytes { .. } => "total_bytes_limit",
            Self::Ratio { .. } => "ratio_limit",
            Self::InputRatio { .. } => "input_ratio_limit",
            Self::Entries { .. } => "entry_limit",
            Self::MemberTooLarge { .. } => "member_size_limit",
            Self::TextTooLarge { .. } => "text_size_limit",
            Self::Timeout { .. } => "time_limit",
            Self::OcrTimeout { .. } => "ocr_time_limit",
            Self::Encrypted { .. } => "encrypted",
            Self::Corrupt { .. } => "corrupt",
            Self::Unsupported { .. } => "unsupported",
            Self::Io { .. } => "io_error",
        }
    }

    /// Classify an I/O error met while decoding `format`.
    pub(crate) fn from_io(format: Format, e: &io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::InvalidData
            | io::ErrorKind::InvalidInput
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::Other => Self::Corrupt {
                format,
                detail: e.to_string(),
            },
            _ => Self::Io {
                detail: e.to_string(),
            },
        }
    }
}

/// A member that was not fully inspected, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incomplete {
    pub location: Location,
    pub reason: Reason,
}

/// Something passed over on purpose that holds no content to inspect: a
/// symbolic link, a device node, a directory entry with data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub location: Location,
    pub what: &'static str,
}

/// The type of one member: how the extractor read it, and the file type
/// (from the signature table, refined by content) that policies match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Typed {
    pub format: Format,
    pub file_type: &'static FileType,
}

/// A member and its type, as listed in [`ExtractReport::types`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeEntry {
    pub location: Location,
    pub format: Format,
    pub file_type: &'static FileType,
}

/// The outcome of extracting one input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtractReport {
    /// The type of every member seen, in the order met, root first. A
    /// gzip, bzip2 or xz stream adds no segment to a location, so its
    /// location appears twice: as the compressed stream and as its content.
    pub types: Vec<TypeEntry>,
    /// Members not fully inspected. Empty means everything was read.
    pub incomplete: Vec<Incomplete>,
    /// Members skipped because they hold no content (links, devices).
    pub notes: Vec<Note>,
}

impl ExtractReport {
    /// True when every member was read to the end within the limits.
    pub fn fully_inspected(&self) -> bool {
        self.incomplete.is_empty()
    }

    /// The type of the root input (after refinement, e.g. DOCX not zip).
    pub fn root_format(&self) -> Format {
        self.types.first().map_or(Format::Empty, |t| t.format)
    }

    /// The file type of the root input (after refinement); "Unknown" for
    /// an input that could not be read.
    pub fn root_file_type(&self) -> &'static FileType {
        self.types
            .first()
            .map_or_else(cordon_filetype::unknown, |t| t.file_type)
    }
}
