//! Limits against decompression bombs and pathological files, and the
//! readers that enforce them while content flows.

use std::cell::{Cell, RefCell};
use std::io::{self, Read};
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::Format;
use crate::location::Location;
use crate::report::{Incomplete, Note, Reason, TypeEntry, Typed};

/// Expansion ratios are only judged once a stream has produced this much:
/// small, very regular parts (an XML part of repeated tags, a run of
/// zeros in a tiny file) compress far beyond any sane ratio and are harmless.
pub const RATIO_FLOOR: u64 = 4 << 20;

/// The input-wide ratio is judged past twice the floor: one stream always
/// meets its own ratio limit first (which cuts only that stream), unless
/// the rest of the input has already expanded that much.
const INPUT_RATIO_FLOOR: u64 = 2 * RATIO_FLOOR;

/// Streams cut at their own ratio limit whose output the input-wide ratio
/// forgives. One bomb among the members of an archive is cut and the
/// members after it are still read (a bomb must not hide what follows it);
/// each costs at most about [`RATIO_FLOOR`] of work, so past this many the
/// archive itself is the bomb and its output counts again.
pub(crate) const FORGIVEN_STREAMS: u32 = 4;

/// Limits for one root input (one file as the caller named it). All apply
/// across every member nested inside that input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// How many containers deep extraction goes; the root is depth 0, an
    /// entry of a zip at the root is depth 1. A gzip, bzip2 or xz layer
    /// counts as a level too.
    pub max_depth: u32,
    /// Total bytes produced by decompression (all layers added up).
    pub max_total_bytes: u64,
    /// Largest ratio of decompressed to compressed bytes, for each stream
    /// (judged once more than [`RATIO_FLOOR`] bytes came out of it; the
    /// stream is cut and the members after it are read) and for the input
    /// as a whole (all layers' output, but for the few streams already cut,
    /// against the size of the input or, for a stream, the bytes read of
    /// it; judged past twice that floor; extraction of the input stops).
    pub max_ratio: u64,
    /// How many members and entries (files, parts, attachments) one input
    /// may hold, counted across all levels.
    pub max_entries: u64,
    /// Largest member held in memory (a zip nested in an archive, a PDF, an
    /// e-mail, an office part). Plain text and tar content stream instead.
    pub max_member_bytes: u64,
    /// Wall-clock time for the whole input; `None` for no limit.
    pub timeout: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 10,
            max_total_bytes: 4 << 30,
            max_ratio: 200,
            max_entries: 100_000,
            max_member_bytes: 64 << 20,
            timeout: Some(Duration::from_secs(120)),
        }
    }
}

/// The mutable state of one `extract` call, shared (by reference) with the
/// readers handed to the visitor, so limits trip wherever the bytes flow.
pub(crate) struct Cx<'l> {
    pub limits: &'l Limits,
    /// Text in images, when asked for.
    pub ocr: Option<&'l crate::Ocr>,
    deadline: Option<Instant>,
    expanded: Cell<u64>,
    /// Size of the root input: known for a file or bytes, counted as it
    /// is read for a pipe or other stream.
    root_size: RefCell<Option<Compressed>>,
    /// Streams cut at their own ratio, and their output, which the
    /// input-wide ratio leaves out (up to [`FORGIVEN_STREAMS`]).
    forgiven: Cell<u32>,
    forgiven_bytes: Cell<u64>,
    entries: Cell<u64>,
    /// Set when a limit that applies to the whole input trips: extraction
    /// stops everywhere.
    stopped: Cell<bool>,
    pub incomplete: RefCell<Vec<Incomplete>>,
    pub notes: RefCell<Vec<Note>>,
    pub types: RefCell<Vec<TypeEntry>>,
}

impl<'l> Cx<'l> {
    pub fn new(limits: &'l Limits) -> Self {
        Self {
            limits,
            ocr: None,
            deadline: limits.timeout.map(|t| Instant::now() + t),
            expanded: Cell::new(0),
            root_size: RefCell::new(None),
            forgiven: Cell::new(0),
            forgiven_bytes: Cell::new(0),
            entries: Cell::new(0),
            stopped: Cell::new(false),
            incomplete: RefCell::new(Vec::new()),
            notes: RefCell::new(Vec::new()),
            types: RefCell::new(Vec::new()),
        }
    }

    /// When the input's time runs out.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    pub fn stopped(&self) -> bool {
        self.stopped.get()
    }

    /// Record that `loc` was not fully inspected.
    pub fn incomplete(&self, loc: &Location, reason: Reason) {
        tracing::debug!(location = %loc, %reason, "member not fully inspected");
        self.incomplete.borrow_mut().push(Incomplete {
            location: loc.clone(),
            reason,
        });
    }

    /// Record a limit that ends extraction of the whole input.
    pub fn stop(&self, loc: &Location, reason: Reason) {
        if !self.stopped.replace(true) {
            self.incomplete(loc, reason);
        }
    }

    pub fn note(&self, loc: &Location, what: &'static str) {
        self.notes.borrow_mut().push(Note {
            location: loc.clone(),
            what,
        });
    }

    pub fn record_type(&self, loc: &Location, typed: Typed) {
        self.types.borrow_mut().push(TypeEntry {
            location: loc.clone(),
            format: typed.format,
            file_type: typed.file_type,
        });
    }

    /// Replace the type last recorded for `loc` (a zip refined to DOCX).
    pub fn refine_type(&self, loc: &Location, typed: Typed) {
        let mut types = self.types.borrow_mut();
        if let Some(last) = types.iter_mut().rev().find(|t| t.location == *loc) {
            last.format = typed.format;
            last.file_type = typed.file_type;
        }
    }

    /// Check the deadline; trips the stop when it has passed.
    pub fn check_time(&self, loc: &Location) -> bool {
        if self.stopped.get() {
            return false;
        }
        match (self.deadline, self.limits.timeout) {
            (Some(d), Some(limit)) if Instant::now() >= d => {
                self.stop(loc, Reason::Timeout { limit });
                false
            }
            _ => true,
        }
    }

    /// Count one more member; false (and stop) past the entry limit.
    pub fn count_entry(&self, loc: &Location) -> bool {
        let n = self.entries.get() + 1;
        self.entries.set(n);
        if n > self.limits.max_entries {
            self.stop(
                loc,
                Reason::Entries {
                    limit: self.limits.max_entries,
                },
            );
            return false;
        }
        self.check_time(loc)
    }

    /// Time left before the deadline; `None` when there is no time limit.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// How large the root input is (or how much of it was read so far).
    pub fn set_root_size(&self, size: Compressed) {
        *self.root_size.borrow_mut() = Some(size);
    }

    fn root_size(&self) -> Option<u64> {
        self.root_size.borrow().as_ref().map(Compressed::get)
    }

    /// A stream that produced `produced` bytes was cut at its own ratio
    /// limit (and recorded there): the input-wide ratio leaves its output
    /// out, so the members after it are still read. The stream after the
    /// first [`FORGIVEN_STREAMS`] such streams stops the input instead.
    pub fn forgive(&self, loc: &Location, produced: u64) {
        let n = self.forgiven.get();
        if n < FORGIVEN_STREAMS {
            self.forgiven.set(n + 1);
            self.forgiven_bytes
                .set(self.forgiven_bytes.get().saturating_add(produced));
        } else {
            self.stop(
                loc,
                Reason::InputRatio {
                    limit: self.limits.max_ratio,
                },
            );
        }
    }

    /// Account `n` more decompressed bytes; false (and stop) past the total
    /// or past the ratio for the whole input. The input-wide ratio catches
    /// bombs made of many small streams, each under [`RATIO_FLOOR`], and
    /// zips whose entries all point at the same compressed data; it leaves
    /// out the output of the few streams already cut at their own ratio
    /// (see [`Cx::forgive`]).
    pub fn add_expanded(&self, loc: &Location, n: u64) -> bool {
        let total = self.expanded.get().saturating_add(n);
        self.expanded.set(total);
        if total > self.limits.max_total_bytes {
            self.stop(
                loc,
                Reason::TotalBytes {
                    limit: self.limits.max_total_bytes,
                },
            );
            return false;
        }
        let judged = total.saturating_sub(self.forgiven_bytes.get());
        if let Some(size) = self.root_size()
            && judged > INPUT_RATIO_FLOOR
            && judged / size.max(1) > self.limits.max_ratio
        {
            self.stop(
                loc,
                Reason::InputRatio {
                    limit: self.limits.max_ratio,
                },
            );
            return false;
        }
        true
    }
}

/// The error a guard returns when a limit trips. The limit is already
/// recorded; readers above it must not record it again.
#[derive(Debug, thiserror::Error)]
#[error("extraction limit reached")]
pub(crate) struct Tripped;

pub(crate) fn tripped() -> io::Error {
    io::Error::other(Tripped)
}

/// Whether `e` is, or wraps, a tripped limit (archive readers such as
/// `tar` wrap the errors of the stream they read).
pub(crate) fn is_tripped(e: &io::Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = match e.get_ref() {
        Some(inner) => Some(inner),
        None => None,
    };
    // Bounded: error chains are short, and a cycle must not loop forever.
    for _ in 0..16 {
        let Some(err) = cur else { return false };
        if err.is::<Tripped>() {
            return true;
        }
        if let Some(io) = err.downcast_ref::<io::Error>()
            && io.get_ref().is_some_and(|inner| inner.is::<Tripped>())
        {
            return true;
        }
        cur = err.source();
    }
    false
}

/// Counts the bytes read through it (the compressed side of a decoder).
pub(crate) struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R> Counting<R> {
    pub fn new(inner: R) -> (Self, Rc<Cell<u64>>) {
        let count = Rc::new(Cell::new(0));
        (
            Self {
                inner,
                count: Rc::clone(&count),
            },
            count,
        )
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// How many compressed bytes stand behind a decompressed stream.
pub(crate) enum Compressed {
    Known(u64),
    Counted(Rc<Cell<u64>>),
}

impl Compressed {
    pub(crate) fn get(&self) -> u64 {
        match self {
            Self::Known(n) => *n,
            Self::Counted(c) => c.get(),
        }
    }
}

/// Sits on the output of a decompressor: enforces the total-bytes,
/// ratio and time limits.
pub(crate) struct Expand<'c, 'l, R> {
    inner: R,
    cx: &'c Cx<'l>,
    loc: &'c Location,
    produced: u64,
    compressed: Compressed,
    tripped: bool,
}

impl<'c, 'l, R> Expand<'c, 'l, R> {
    pub fn new(inner: R, cx: &'c Cx<'l>, loc: &'c Location, compressed: Compressed) -> Self {
        Self {
            inner,
            cx,
            loc,
            produced: 0,
            compressed,
            tripped: false,
        }
    }
}

impl<R: Read> Read for Expand<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.tripped || !self.cx.check_time(self.loc) {
            self.tripped = true;
            return Err(tripped());
        }
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        // The stream's own ratio is judged first: a stream cut there is
        // forgiven by the input-wide ratio, so extraction goes on with the
        // members after it, whatever the input came in as.
        let ratio = self.cx.limits.max_ratio;
        let own =
            self.produced > RATIO_FLOOR && self.produced / self.compressed.get().max(1) > ratio;
        if own {
            self.cx.incomplete(self.loc, Reason::Ratio { limit: ratio });
            self.cx.forgive(self.loc, self.produced);
        }
        // The total (and past the forgiven streams, the input-wide ratio)
        // may still stop the whole input.
        let within = self.cx.add_expanded(self.loc, n as u64);
        if own || !within {
            self.tripped = true;
            return Err(tripped());
        }
        Ok(n)
    }
}

/// The reader a visitor gets: never fails. A read error or a tripped limit
/// ends the text early (EOF) and is recorded in the report for the member,
/// so the visitor has nothing to handle and nothing passes silently.
pub(crate) struct Guarded<'c, 'l, R> {
    inner: R,
    cx: &'c Cx<'l>,
    loc: &'c Location,
    format: Format,
    done: bool,
}

impl<'c, 'l, R> Guarded<'c, 'l, R> {
    pub fn new(inner: R, cx: &'c Cx<'l>, loc: &'c Location, format: Format) -> Self {
        Self {
            inner,
            cx,
            loc,
            format,
            done: false,
        }
    }
}

impl<R: Read> Read for Guarded<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if !self.cx.check_time(self.loc) {
            self.done = true;
            return Ok(0);
        }
        loop {
            match self.inner.read(buf) {
                Ok(n) => {
                    if n == 0 {
                        self.done = true;
                    }
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    if !is_tripped(&e) {
                        self.cx
                            .incomplete(self.loc, Reason::from_io(self.format, &e));
                    }
                    return Ok(0);
                }
            }
        }
    }
}

/// Read everything from `r` into memory, up to `limit` bytes.
pub(crate) fn read_bounded(
    r: &mut dyn Read,
    limit: u64,
    prefix: Vec<u8>,
) -> Result<Vec<u8>, ReadBoundedError> {
    let mut buf = prefix;
    let room = limit.saturating_sub(buf.len() as u64);
    let got = r.take(room.saturating_add(1)).read_to_end(&mut buf);
    match got {
        Ok(_) if buf.len() as u64 > limit => Err(ReadBoundedError::TooLarge),
        Ok(_) => Ok(buf),
        Err(e) => Err(ReadBoundedError::Io(e)),
    }
}

pub(crate) enum ReadBoundedError {
    TooLarge,
    Io(io::Error),
}
