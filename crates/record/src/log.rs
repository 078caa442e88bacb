//! The segment log: records framed by [`crate::frame`] in segment files
//! `<start>.log`, where `<start>` is the byte position (LSN) of the
//! segment's first record in the log as a whole, zero-padded to 20 digits
//! so names sort by position. Whoever consumes the log keeps its own
//! position (the server in its database, in the transaction that loads the
//! records; an outbox in its own cursor file) and asks [`recover`] to cut a
//! torn tail and delete what was consumed.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::frame::{Frame, read_frame, valid_prefix};

/// Why a log could not be opened or recovered.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("log {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("log {0} is in use by another process: give each its own directory")]
    Locked(PathBuf),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> LogError + '_ {
    move |source| LogError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The path of the segment starting at byte position `start`.
pub fn segment_path(dir: &Path, start: u64) -> PathBuf {
    dir.join(format!("{start:020}.log"))
}

/// Segment start positions found in `dir`, ascending.
pub fn list_segments(dir: &Path) -> Result<Vec<u64>, LogError> {
    let mut starts = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        let name = entry.file_name();
        let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".log")) else {
            continue;
        };
        if stem.len() == 20
            && let Ok(start) = stem.parse::<u64>()
        {
            starts.push(start);
        }
    }
    starts.sort_unstable();
    Ok(starts)
}

/// The lock of a log directory: one writer per log. flock(2) is released
/// by the kernel when the process dies, so a crash never leaves it locked.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

/// Takes the log directory `dir` for this process, creating it.
pub fn lock_dir(dir: &Path) -> Result<DirLock, LogError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let lock_path = dir.join("LOCK");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io_err(&lock_path))?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(DirLock { _file: file }),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Err(LogError::Locked(dir.to_owned())),
        Err(e) => Err(io_err(&lock_path)(e.into())),
    }
}

/// The log's id, created once per directory (file `id`): consumers that
/// keep their position elsewhere key it by this.
pub fn log_id(dir: &Path) -> Result<String, LogError> {
    let path = dir.join("id");
    match std::fs::read_to_string(&path) {
        Ok(s) if !s.trim().is_empty() => return Ok(s.trim().to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(&path)(e)),
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let tmp = dir.join("id.tmp");
    std::fs::write(&tmp, format!("{id}\n")).map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io_err(&path))?;
    Ok(id)
}

/// A log after [`recover`]: where it stands and the segment to append to.
#[derive(Debug)]
pub struct Recovered {
    /// Start positions of the segments, ascending.
    pub segments: Vec<u64>,
    /// Start of the segment new records go to.
    pub current_start: u64,
    /// That segment, open for appending.
    pub file: File,
    /// Where consuming resumes.
    pub loaded: u64,
    /// The end of the log: where the next record goes.
    pub end: u64,
}

/// Cuts a torn tail off the last segment, deletes segments wholly before
/// `position` (consumed up to there; `None`: never consumed), and opens
/// the segment new records are appended to.
pub fn recover(dir: &Path, position: Option<u64>) -> Result<Recovered, LogError> {
    let mut segments = list_segments(dir)?;
    let mut end = 0;
    if let Some(&last) = segments.last() {
        let path = segment_path(dir, last);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_err(&path))?;
        let size = file.metadata().map_err(io_err(&path))?.len();
        let valid = valid_prefix(&file).map_err(io_err(&path))?;
        if valid < size {
            tracing::warn!(
                segment = %path.display(),
                cut_bytes = size - valid,
                "log: cutting off a torn record at the end (a crash during a write; it was never acknowledged)"
            );
            file.set_len(valid).map_err(io_err(&path))?;
            file.sync_all().map_err(io_err(&path))?;
        }
        end = last + valid;
    }
    let first = segments.first().copied().unwrap_or(end);
    let (loaded, moved) = match position {
        Some(p) if p > end => {
            tracing::warn!(
                loaded = p,
                end,
                "log: consumed beyond the log's end (the log was removed?); continuing after the consumer's position"
            );
            (p, true)
        }
        Some(p) => (p.max(first), false),
        // Never consumed: everything still here is pending.
        None => (first, false),
    };
    if moved {
        end = loaded;
    }
    // Segments wholly before `loaded` (their successor starts at or before
    // it) were consumed: delete them.
    while segments.len() > 1 && segments.get(1).is_some_and(|&next| next <= loaded) {
        let start = segments.remove(0);
        let path = segment_path(dir, start);
        std::fs::remove_file(&path).map_err(io_err(&path))?;
    }
    let current_start = match segments.last() {
        Some(&last) if !moved => last,
        _ => end,
    };
    if segments.last() != Some(&current_start) {
        segments.push(current_start);
    }
    let path = segment_path(dir, current_start);
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io_err(&path))?;
    Ok(Recovered {
        segments,
        current_start,
        file,
        loaded,
        end,
    })
}

/// The segments of a log, shared by its writer (which adds one when it
/// rotates) and its readers.
#[derive(Debug)]
pub struct Segments {
    dir: PathBuf,
    starts: Mutex<Vec<u64>>,
}

impl Segments {
    pub fn new(dir: &Path, starts: Vec<u64>) -> Segments {
        Segments {
            dir: dir.to_owned(),
            starts: Mutex::new(starts),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records that a segment starts at `start` (after a rotation).
    pub fn push(&self, start: u64) {
        if let Ok(mut s) = self.starts.lock()
            && s.last().is_none_or(|&l| l < start)
        {
            s.push(start);
        }
    }

    /// The start positions, ascending.
    pub fn starts(&self) -> Vec<u64> {
        self.starts.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The start of the segment holding `pos`, and the next segment's start.
    fn locate(&self, pos: u64) -> (u64, Option<u64>) {
        let Ok(segs) = self.starts.lock() else {
            return (0, None);
        };
        let i = segs.partition_point(|&s| s <= pos);
        let start = i
            .checked_sub(1)
            .and_then(|i| segs.get(i))
            .copied()
            .unwrap_or(0);
        (start, segs.get(i).copied())
    }

    /// Deletes the segments whose every record lies before `consumed`
    /// (never the last one, which may still grow).
    pub fn delete_consumed(&self, consumed: u64) {
        let doomed: Vec<u64> = {
            let Ok(mut segs) = self.starts.lock() else {
                return;
            };
            let keep_from = segs
                .partition_point(|&s| s <= consumed)
                .saturating_sub(1)
                .min(segs.len().saturating_sub(1));
            segs.drain(..keep_from).collect()
        };
        for start in doomed {
            let path = segment_path(&self.dir, start);
            if let Err(e) = std::fs::remove_file(&path) {
                tracing::warn!(segment = %path.display(), "cannot delete a consumed log segment: {e}");
            }
        }
    }
}

/// Reads records from a position on, across segments. Bytes it cannot
/// read (damage, a segment that vanished) are skipped to the next segment
/// and counted, never returned.
#[derive(Debug)]
pub struct Reader {
    segments: std::sync::Arc<Segments>,
    /// The open segment's start and a reader on it.
    open: Option<(u64, BufReader<File>)>,
    pos: u64,
    payload: Vec<u8>,
    skipped: u64,
}

/// The record buffer shrinks back to this after a larger record.
const PAYLOAD_KEEP: usize = 1 << 20;

impl Reader {
    pub fn new(segments: std::sync::Arc<Segments>, pos: u64) -> Reader {
        Reader {
            segments,
            open: None,
            pos,
            payload: Vec::new(),
            skipped: 0,
        }
    }

    /// The position of the next record.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Reads on from `pos` (e.g. after a consumer forgot what it read).
    pub fn seek(&mut self, pos: u64) {
        self.pos = pos;
        self.open = None;
    }

    /// Bytes skipped as unreadable so far.
    pub fn skipped_bytes(&self) -> u64 {
        self.skipped
    }

    /// Capacity of the record buffer (bounded after large records).
    pub fn buffer_capacity(&self) -> usize {
        self.payload.capacity()
    }

    /// Hands `visit` each record from the reader's position on, with its
    /// position, up to `max_records` records and about `max_bytes` bytes
    /// (at least one record), never past `until`. Returns the position
    /// after the last record read.
    pub fn read(
        &mut self,
        until: u64,
        max_records: usize,
        max_bytes: u64,
        mut visit: impl FnMut(u64, &[u8]),
    ) -> u64 {
        let from = self.pos;
        let mut records = 0;
        while self.pos < until && records < max_records && self.pos - from < max_bytes {
            let (start, next) = self.segments.locate(self.pos);
            let seg_end = next.unwrap_or(until).min(until);
            if self.pos >= seg_end {
                // At the end of a segment: go on in the next.
                match next {
                    Some(n) if n > self.pos => self.pos = n,
                    _ => break,
                }
                self.open = None;
                continue;
            }
            if self.open.as_ref().map(|(s, _)| *s) != Some(start) {
                let path = segment_path(self.segments.dir(), start);
                let opened = File::open(&path).and_then(|f| {
                    let mut r = BufReader::with_capacity(1 << 20, f);
                    r.seek(SeekFrom::Start(self.pos - start))?;
                    Ok(r)
                });
                match opened {
                    Ok(r) => self.open = Some((start, r)),
                    Err(e) => {
                        self.skip(seg_end, &format!("cannot open {}: {e}", path.display()));
                        continue;
                    }
                }
            }
            let Some((_, r)) = self.open.as_mut() else {
                break;
            };
            let read = read_frame(r, &mut self.payload);
            match read {
                Ok(Frame::Ok(n)) if self.pos + n <= seg_end => {
                    visit(self.pos, &self.payload);
                    self.pos += n;
                    records += 1;
                }
                Ok(Frame::Bad(why)) => self.skip(seg_end, why),
                Ok(Frame::Ok(_)) => self.skip(seg_end, "a record runs past its segment"),
                Ok(Frame::End) => self.skip(seg_end, "the segment ends early"),
                Err(e) => self.skip(seg_end, &format!("read error: {e}")),
            }
            // One huge record must not keep its buffer for good.
            if self.payload.capacity() > PAYLOAD_KEEP {
                self.payload.clear();
                self.payload.shrink_to(PAYLOAD_KEEP);
            }
        }
        self.pos
    }

    /// Gives up on the rest of a segment that cannot be read.
    fn skip(&mut self, to: u64, why: &str) {
        tracing::error!(
            log = %self.segments.dir().display(),
            from = self.pos,
            to,
            "log: skipping unreadable bytes: {why}"
        );
        self.skipped += to.saturating_sub(self.pos);
        self.pos = to;
        self.open = None;
    }
}
