//! What the gate asks its owner: the contract between the filesystem
//! (this crate, which knows files, handles and the medium) and the agent
//! (which knows users, policies, inspection and keys).

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Who wrote a file: the FUSE request's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Writer {
    pub uid: u32,
    pub gid: u32,
    pub pid: u32,
}

/// A file written through the gate, closed and ready to be judged.
#[derive(Debug)]
pub struct Written<'a> {
    /// Its path on the medium, relative to the medium's root (any bytes).
    pub path: &'a Path,
    /// Where its bytes are while held: a local file off the medium.
    pub staged: &'a Path,
    /// Bytes in the staged file when it was judged.
    pub size: u64,
    pub writer: Writer,
    /// A file of that name was on the medium before (an overwrite).
    pub replaces: bool,
}

/// Turns a file's plaintext into what is stored on the medium (the
/// agent's is age encryption). Streaming: memory must not grow with the
/// file.
pub trait Seal: Send + Sync {
    fn seal(&self, input: &mut dyn Read, output: &mut dyn Write) -> io::Result<u64>;
    /// Names the key(s) for incidents, e.g. "the organisation's recovery
    /// key". Never a secret.
    fn describe(&self) -> String;
}

/// What becomes of a written file.
#[derive(Clone)]
pub enum Outcome {
    /// Written to the medium as it is.
    Release,
    /// Written to the medium sealed.
    Seal(Arc<dyn Seal>),
    /// Not written; the writer's `close()` fails with `EPERM` and
    /// `message` is for the user.
    Block { message: String },
}

impl std::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Release => f.write_str("Release"),
            Outcome::Seal(s) => write!(f, "Seal({})", s.describe()),
            Outcome::Block { message } => write!(f, "Block({message:?})"),
        }
    }
}

/// What the gate did with a file, reported back after the fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// On the medium in clear.
    Released,
    /// On the medium sealed.
    Sealed,
    /// Encrypt-first: sealed on the medium at close, before inspection.
    SealedFirst,
    /// Encrypt-first: judged benign after being sealed first; now in clear.
    ReleasedAfterInspection,
    /// Not on the medium (what was there before, if anything, stays).
    Blocked { message: String },
    /// Removed or replaced by the user before the decision was applied.
    Withdrawn,
    /// The decision could not be applied: the medium is full, gone, …
    /// Nothing in clear was left on the medium.
    Failed { error: String },
}

impl Settled {
    /// For incidents' history: "File is encrypted", as the seed says it.
    pub fn describe(&self) -> String {
        match self {
            Settled::Released => "File is written in clear".into(),
            Settled::Sealed => "File is encrypted".into(),
            Settled::SealedFirst => "File is encrypted until inspected".into(),
            Settled::ReleasedAfterInspection => "File is decrypted after inspection".into(),
            Settled::Blocked { message } => format!("File is blocked: {message}"),
            Settled::Withdrawn => "File was removed before the decision".into(),
            Settled::Failed { error } => format!("File could not be written: {error}"),
        }
    }
}

/// Whether a writer may add bytes to the medium.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admit {
    Yes,
    /// Past the copy quota: the write fails with `EDQUOT`.
    OverQuota {
        message: String,
    },
    /// The writer may not write to this medium at all (a stick shared by
    /// users with different rights): the write fails with `EPERM`.
    Denied {
        message: String,
    },
}

/// The agent's side of the gate. Called from the gate's threads; every
/// method must be quick except [`Judge::judge`], which runs on the
/// settling workers.
pub trait Judge: Send + Sync + 'static {
    /// Decides a complete file. Must not fail open: anything that could
    /// not be inspected is sealed or blocked.
    fn judge(&self, file: &Written<'_>) -> Outcome;

    /// Reports what was done with `file`.
    fn settled(&self, file: &Written<'_>, what: &Settled);

    /// Whether `writer` may change the medium at all, asked before a file
    /// is created, opened for writing, renamed or removed and before a
    /// directory is made or removed: `Err` (why) refuses it with `EPERM`
    /// (a medium shared by users with different rights). The default
    /// lets everybody write.
    fn may_write(&self, writer: Writer) -> Result<(), String> {
        let _ = writer;
        Ok(())
    }

    /// Called before a held file grows by `bytes` (copy quota). The
    /// default admits everything.
    fn admit(&self, writer: Writer, path: &Path, bytes: u64) -> Admit {
        let _ = (writer, path, bytes);
        Admit::Yes
    }

    /// A file on the medium was opened for reading (shadowing of reads):
    /// `file` is the open file; read it only with positioned reads
    /// (`read_at`), since the reader's own reads share its descriptor.
    /// Called on a filesystem thread: whatever takes time goes elsewhere.
    fn opened_for_read(&self, reader: Writer, path: &Path, file: &std::fs::File) {
        let _ = (reader, path, file);
    }
}

/// When the gate seals before judging (the seed's "always encrypted,
/// decrypted after inspection if benign").
#[derive(Clone)]
pub enum Mode {
    /// A written file stays off the medium until it is judged; `close()`
    /// waits for the decision.
    Hold,
    /// A written file is sealed onto the medium at `close()`; it is
    /// released in clear once judged benign.
    EncryptFirst(Arc<dyn Seal>),
}

impl std::fmt::Debug for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mode::Hold => f.write_str("Hold"),
            Mode::EncryptFirst(s) => write!(f, "EncryptFirst({})", s.describe()),
        }
    }
}

/// Options of one gate.
#[derive(Debug, Clone)]
pub struct GateOptions {
    pub mode: Mode,
    /// Local directory (off the medium) where written files are held;
    /// created 0700. Encrypt-first keeps its pending files' records here
    /// for [`crate::recover`].
    pub staging: PathBuf,
    /// FUSE worker threads.
    pub threads: usize,
    /// Threads judging and applying decisions.
    pub settlers: usize,
    /// Name shown as the mount's source.
    pub fs_name: String,
}

/// Names the gate creates on the medium for a moment (a file being
/// written out before it is renamed into place); hidden from listings.
pub const TEMP_PREFIX: &str = ".cordon-";

pub(crate) fn is_temp_name(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().starts_with(TEMP_PREFIX.as_bytes())
}

/// A name for a temporary file on the medium.
pub(crate) fn temp_name(id: u64) -> OsString {
    OsString::from(format!("{TEMP_PREFIX}{id:016x}.part"))
}
