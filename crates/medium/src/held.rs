//! A file being written through the gate: its bytes live in a staging
//! file off the medium until the decision is applied.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use crate::judge::Writer;

/// Where a held file is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Being written (or written and not yet closed by its last writer).
    Open,
    /// Closed; a settler is judging it.
    Judging,
    /// Unlinked or replaced by the user: nothing is to be applied.
    Withdrawn,
}

#[derive(Debug)]
pub struct Held {
    pub file: File,
    pub staged: PathBuf,
    pub writer: Writer,
    /// Permission bits asked for at creation (or the replaced file's).
    pub mode: u32,
    /// A file of that name was on the medium when writing began.
    pub replaces: AtomicBool,
    /// Bumped before and after every change; a decision made on an older
    /// generation is made again, and is not applied.
    generation: AtomicU64,
    /// Changes under way ([`Held::change`]): while one is, no generation
    /// is stable.
    changing: AtomicU32,
    /// Bytes admitted against the quota so far (the largest size seen).
    pub admitted: AtomicU64,
    /// Open handles that may write.
    pub writers: AtomicU32,
    pub phase: Mutex<Phase>,
}

impl Held {
    /// A new, empty staging file `dir/<id>`, readable only by the agent.
    pub fn create(dir: &Path, id: u64, writer: Writer, mode: u32) -> io::Result<Held> {
        let staged = dir.join(format!("{id:016x}"));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&staged)?;
        Ok(Held {
            file,
            staged,
            writer,
            mode,
            replaces: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            changing: AtomicU32::new(0),
            admitted: AtomicU64::new(0),
            writers: AtomicU32::new(0),
            phase: Mutex::new(Phase::Open),
        })
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The generation, if no change is under way: bytes read after this
    /// call and before the generation is found unchanged are the file's
    /// bytes of this generation (a change bumps it before it touches a
    /// byte, see [`Held::change`]).
    pub fn stable_generation(&self) -> Option<u64> {
        let g = self.generation.load(Ordering::SeqCst);
        (self.changing.load(Ordering::SeqCst) == 0).then_some(g)
    }

    /// Marks a change: any decision in flight is stale.
    pub fn touch(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Changes the staging file's bytes with `f`. The generation moves
    /// before the first byte does and again after the last, so a
    /// decision is applied only to bytes it was made on: a change that
    /// had begun when the decision read the generation is seen as under
    /// way, one that begins later moves the generation.
    pub fn change<T>(&self, f: impl FnOnce() -> T) -> T {
        self.changing.fetch_add(1, Ordering::SeqCst);
        self.touch();
        let r = f();
        self.touch();
        self.changing.fetch_sub(1, Ordering::SeqCst);
        r
    }

    pub fn phase(&self) -> Phase {
        match self.phase.lock() {
            Ok(p) => *p,
            Err(p) => *p.into_inner(),
        }
    }

    pub fn set_phase(&self, phase: Phase) {
        match self.phase.lock() {
            Ok(mut p) => *p = phase,
            Err(p) => *p.into_inner() = phase,
        }
    }

    /// Unlinked or replaced by the user: nothing of it is to be applied,
    /// and a decision in flight is stale.
    pub fn withdraw(&self) {
        self.set_phase(Phase::Withdrawn);
        self.touch();
    }

    pub fn size(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.staged)
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(staged = %self.staged.display(), error = %e, "could not remove a staging file");
        }
    }
}
