//! Why sealing or unsealing failed.
//!
//! Every message says what went wrong and where (a recipient's position, an
//! identity file's line, the plaintext offset of a damaged chunk, which side
//! of the stream an IO error came from), and none carries a key, a
//! passphrase or plaintext: recipients are masked to their first eight
//! characters, identity lines are never quoted.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why sealing or unsealing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// A recipient string is not an X25519 age recipient (`age1…`).
    #[error("recipient {position} `{masked}` is not an age X25519 recipient: {reason}")]
    BadRecipient {
        /// 1-based position in the list given to [`crate::Recipients::parse`].
        position: usize,
        /// The first eight characters and `…`.
        masked: String,
        reason: &'static str,
    },
    /// [`crate::Recipients::parse`] was given no recipient at all.
    #[error("no recipients: a file must be sealed for at least one recipient")]
    NoRecipients,
    /// A line of an identity file is not an identity. The line is never quoted.
    #[error("{source_name}:{line}: not an age identity: {reason}")]
    BadIdentity {
        /// The file's path, or `<text>` for [`crate::Identities::from_str`].
        source_name: String,
        /// 1-based line number.
        line: usize,
        reason: &'static str,
    },
    /// An identity file holds comments and blank lines only.
    #[error("{source_name}: no identity (`AGE-SECRET-KEY-1…` line) found")]
    NoIdentities { source_name: String },
    /// The input does not start with the age v1 header (binary or armored).
    #[error("not an age file: no `age-encryption.org/v1` header")]
    NotSealed,
    /// The file is sealed for recipient keys none of the identities hold.
    #[error("no identity matches: the file is sealed for another key")]
    NoMatchingIdentity,
    /// The file is sealed with a passphrase, and no passphrase was given.
    #[error("the file is sealed with a passphrase, and no passphrase was given")]
    PassphraseRequired,
    /// The file is sealed with a passphrase, and the one given is not it.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// The passphrase's scrypt work factor is above what unsealing accepts
    /// (a file crafted to make decryption take hours).
    #[error("the passphrase's scrypt work factor 2^{log_n} is over the limit of 2^{max}")]
    WorkFactorTooHigh { log_n: u8, max: u8 },
    /// The header or payload does not authenticate, or the file ends early.
    /// Output written before this was found must be discarded.
    #[error("damaged or truncated: {0}")]
    Damaged(Damage),
    /// Reading the input, writing the output or reading an identity file
    /// failed.
    #[error("{what}: {error}")]
    Io { what: IoWhat, error: io::Error },
}

impl SealError {
    /// The kind of the underlying IO error, for [`SealError::Io`].
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            SealError::Io { error, .. } => Some(error.kind()),
            _ => None,
        }
    }

    pub(crate) fn read(error: io::Error) -> Self {
        SealError::Io {
            what: IoWhat::ReadInput,
            error,
        }
    }

    pub(crate) fn write(error: io::Error) -> Self {
        SealError::Io {
            what: IoWhat::WriteOutput,
            error,
        }
    }
}

/// Which side an IO error came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IoWhat {
    /// Reading the input (plaintext when sealing, the sealed file when unsealing).
    ReadInput,
    /// Writing the output.
    WriteOutput,
    /// Reading an identity file.
    ReadIdentityFile(PathBuf),
}

impl fmt::Display for IoWhat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IoWhat::ReadInput => f.write_str("reading the input"),
            IoWhat::WriteOutput => f.write_str("writing the output"),
            IoWhat::ReadIdentityFile(p) => write!(f, "reading identity file `{}`", p.display()),
        }
    }
}

/// Where a sealed file is damaged.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Damage {
    /// The file ends inside its header or before the payload nonce.
    TruncatedHeader,
    /// The header is not well formed (a stanza, its arguments or the MAC line).
    MalformedHeader,
    /// The header is longer than [`crate::MAX_HEADER`] bytes.
    HeaderTooLong,
    /// The header's MAC does not verify: it was changed after sealing.
    HeaderMac,
    /// The ASCII armor is not valid (base64, line lengths, end marker).
    Armor(String),
    /// The chunk starting at this plaintext offset does not authenticate
    /// (changed bytes, a chunk cut short, or data after the final chunk).
    Chunk { offset: u64 },
    /// The payload ends after this many plaintext bytes without its final
    /// chunk.
    Truncated { offset: u64 },
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Damage::TruncatedHeader => f.write_str("the file ends inside its header"),
            Damage::MalformedHeader => f.write_str("the header is malformed"),
            Damage::HeaderTooLong => {
                write!(f, "the header is longer than {} bytes", crate::MAX_HEADER)
            }
            Damage::HeaderMac => f.write_str("the header's MAC does not verify"),
            Damage::Armor(why) => write!(f, "invalid ASCII armor: {why}"),
            Damage::Chunk { offset } => write!(
                f,
                "authentication failed in the chunk at plaintext offset {offset} (chunk {})",
                offset / crate::CHUNK_SIZE as u64
            ),
            Damage::Truncated { offset } => write!(
                f,
                "the payload ends after {offset} plaintext bytes without its final chunk"
            ),
        }
    }
}
