//! The offline incident spool: `cordon-record`'s segment log, consumed by
//! the uploader, whose position (`cursor`) moves only after the server
//! acknowledged the records before it.
//!
//! - Crash-safe: each record is appended and synced before `push`
//!   returns; a torn tail (a crash mid-write) is cut on open by
//!   [`cordon_record::recover`]; the cursor file is replaced atomically.
//! - Bounded: when the records not yet acknowledged take more than the
//!   configured bytes, new incidents are **dropped** (the oldest evidence
//!   is kept: it is what the server has not seen yet), counted, and logged
//!   at error level each time; the count is in the status and in every
//!   heartbeat until the spool has room again.
//! - At least once: a batch the server journaled whose answer was lost
//!   is sent again; incidents carry a unique request id to tell them apart.
//! - Every incident pushed, kept or dropped, is also handed to the syslog
//!   forwarder when one is set ([`Spool::forward_to`], option 67): one
//!   place where the agent records, so no recorder can forget syslog.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cordon_record::{Incident, Reader, Segments};

/// A new segment starts past this size.
const SEGMENT_BYTES: u64 = 4 << 20;

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error(transparent)]
    Log(#[from] cordon_record::LogError),
    #[error("spool {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("spool: {0}")]
    Frame(#[from] cordon_record::FrameError),
}

/// The spool's state, for the status and the heartbeat.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SpoolState {
    /// Bytes of records not yet acknowledged.
    pub pending_bytes: u64,
    pub max_bytes: u64,
    /// Incidents dropped because the spool was full (since start).
    pub dropped: u64,
    /// Whether the last push found it full.
    pub full: bool,
}

#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    _lock: cordon_record::DirLock,
    file: std::fs::File,
    current_start: u64,
    end: u64,
    cursor: u64,
    segments: Arc<Segments>,
    reader: Reader,
    max_bytes: u64,
    dropped: u64,
    full: bool,
    buf: Vec<u8>,
    forward: Option<crate::syslog::Forwarder>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SpoolError + '_ {
    move |source| SpoolError::Io {
        path: path.to_owned(),
        source,
    }
}

impl Spool {
    /// Opens (creating, owner-only) the spool in `dir`.
    pub fn open(dir: &Path, max_bytes: u64) -> Result<Spool, SpoolError> {
        use std::os::unix::fs::PermissionsExt as _;
        let lock = cordon_record::lock_dir(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io(dir))?;
        let cursor_path = dir.join("cursor");
        let cursor = match std::fs::read_to_string(&cursor_path) {
            Ok(s) => s.trim().parse::<u64>().ok(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(&cursor_path)(e)),
        };
        let rec = cordon_record::recover(dir, cursor)?;
        let segments = Arc::new(Segments::new(dir, rec.segments.clone()));
        let reader = Reader::new(segments.clone(), rec.loaded);
        Ok(Spool {
            dir: dir.to_owned(),
            _lock: lock,
            file: rec.file,
            current_start: rec.current_start,
            end: rec.end,
            cursor: rec.loaded,
            segments,
            reader,
            max_bytes,
            dropped: 0,
            full: false,
            buf: Vec::new(),
            forward: None,
        })
    }

    /// Sends every incident pushed from now on to syslog too (queued,
    /// never waiting on the network).
    pub fn forward_to(&mut self, f: crate::syslog::Forwarder) {
        self.forward = Some(f);
    }

    pub fn state(&self) -> SpoolState {
        SpoolState {
            pending_bytes: self.end.saturating_sub(self.cursor),
            max_bytes: self.max_bytes,
            dropped: self.dropped,
            full: self.full,
        }
    }

    /// Appends and syncs an incident (any serializable record of the
    /// incident's shape). `Ok(false)`: the spool is full and it was dropped.
    pub fn push<T: serde::Serialize>(&mut self, incident: &T) -> Result<bool, SpoolError> {
        let kept = self.append(incident)?;
        if kept {
            self.sync()?;
        }
        Ok(kept)
    }

    /// Appends incidents and syncs once (a burst of refusals is one disk
    /// flush, not one each): how many were kept (the rest were dropped,
    /// the spool being full).
    pub fn push_all<T: serde::Serialize>(&mut self, incidents: &[T]) -> Result<usize, SpoolError> {
        let mut kept = 0;
        for i in incidents {
            kept += usize::from(self.append(i)?);
        }
        if kept > 0 {
            self.sync()?;
        }
        Ok(kept)
    }

    fn sync(&mut self) -> Result<(), SpoolError> {
        let seg = cordon_record::segment_path(&self.dir, self.current_start);
        self.file.sync_data().map_err(io(&seg))
    }

    /// Writes one record, unsynced; `false` when the spool is full.
    fn append<T: serde::Serialize>(&mut self, incident: &T) -> Result<bool, SpoolError> {
        if let Some(f) = &self.forward {
            f.forward(incident);
        }
        self.buf.clear();
        cordon_record::append_json(&mut self.buf, incident)?;
        let len = self.buf.len() as u64;
        if self.end.saturating_sub(self.cursor) + len > self.max_bytes {
            self.dropped += 1;
            self.full = true;
            tracing::error!(
                dropped = self.dropped,
                max_bytes = self.max_bytes,
                spool = %self.dir.display(),
                "incident spool is FULL: an incident was dropped (the server has been unreachable too long, or refuses uploads)"
            );
            return Ok(false);
        }
        self.full = false;
        if self.end > self.current_start && self.end - self.current_start >= SEGMENT_BYTES {
            // What the old segment holds is synced before a new one starts.
            self.sync()?;
            let path = cordon_record::segment_path(&self.dir, self.end);
            self.file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(io(&path))?;
            self.current_start = self.end;
            self.segments.push(self.end);
        }
        let seg = cordon_record::segment_path(&self.dir, self.current_start);
        self.file.write_all(&self.buf).map_err(io(&seg))?;
        self.end += len;
        Ok(true)
    }

    /// The next records to upload (up to `max` records, about 1 MiB), and
    /// the position to acknowledge once the server has them. Records that
    /// do not parse are skipped (logged): they can never be uploaded.
    pub fn peek(&mut self, max: usize) -> (Vec<Incident>, u64) {
        self.reader.seek(self.cursor);
        let mut out = Vec::new();
        let next =
            self.reader.read(
                self.end,
                max,
                1 << 20,
                |pos, bytes| match serde_json::from_slice::<Incident>(bytes) {
                    Ok(i) => out.push(i),
                    Err(e) => tracing::error!(pos, "spool: an unreadable incident is skipped: {e}"),
                },
            );
        (out, next)
    }

    /// The server has everything before `pos`: move the cursor (atomic
    /// replace, synced) and delete consumed segments.
    pub fn ack(&mut self, pos: u64) -> Result<(), SpoolError> {
        if pos <= self.cursor {
            return Ok(());
        }
        let path = self.dir.join("cursor");
        let tmp = self.dir.join("cursor.tmp");
        {
            let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(format!("{pos}\n").as_bytes())
                .map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
        }
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        if let Ok(d) = std::fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        self.cursor = pos;
        self.segments.delete_consumed(pos);
        if self.end.saturating_sub(self.cursor) < self.max_bytes {
            self.full = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(n: i64) -> serde_json::Value {
        serde_json::json!({
            "created_at": n, "request_id": format!("r{n}"), "rule_id": "1", "rule_name": "1",
            "policy_id": "p", "policy_version": 1, "mode": "enforce", "enforced": true,
            "decision": "deny", "action": "device_access", "username": "dave", "categories": [],
            "details": {"event": {"action": "device_access"}, "violation": {"rule": "1", "kind": "device_control",
              "mode": "enforce", "enforced": true, "verdict": "deny"}, "action_taken": "blocked",
              "actions": [], "message": null, "trace": [], "exception": null, "findings": [],
              "policy_generation": 0}
        })
    }

    #[test]
    fn records_survive_reopen_until_acknowledged() {
        let t = tempfile::tempdir().unwrap();
        {
            let mut s = Spool::open(t.path(), 1 << 20).unwrap();
            for n in 0..5 {
                assert!(s.push(&incident(n)).unwrap());
            }
            let (got, next) = s.peek(2);
            assert_eq!(got.len(), 2);
            s.ack(next).unwrap();
        }
        let mut s = Spool::open(t.path(), 1 << 20).unwrap();
        let (got, next) = s.peek(100);
        assert_eq!(
            got.iter().map(|i| i.created_at).collect::<Vec<_>>(),
            vec![2, 3, 4]
        );
        s.ack(next).unwrap();
        assert_eq!(s.state().pending_bytes, 0);
        assert!(s.peek(10).0.is_empty());
    }

    #[test]
    fn a_batch_is_kept_whole_across_segments_and_the_full_part_dropped() {
        let t = tempfile::tempdir().unwrap();
        let one = serde_json::to_vec(&incident(0)).unwrap().len() as u64;
        // Enough records to cross a segment boundary.
        let n = usize::try_from(SEGMENT_BYTES / one + 20).unwrap();
        let batch: Vec<_> = (0..n as i64).map(incident).collect();
        {
            let mut s = Spool::open(t.path(), 1 << 40).unwrap();
            assert_eq!(s.push_all(&batch).unwrap(), n);
        }
        let mut s = Spool::open(t.path(), 1 << 40).unwrap();
        let mut seen = 0;
        loop {
            let (got, next) = s.peek(1000);
            if got.is_empty() {
                break;
            }
            for i in &got {
                assert_eq!(i.created_at, seen);
                seen += 1;
            }
            s.ack(next).unwrap();
        }
        assert_eq!(seen, n as i64);
        let t2 = tempfile::tempdir().unwrap();
        let mut small = Spool::open(t2.path(), 1500).unwrap();
        let kept = small.push_all(&batch[..10]).unwrap();
        assert!((1..10).contains(&kept));
        assert_eq!(small.state().dropped as usize, 10 - kept);
    }

    #[test]
    fn a_torn_tail_is_cut_and_the_rest_kept() {
        let t = tempfile::tempdir().unwrap();
        {
            let mut s = Spool::open(t.path(), 1 << 20).unwrap();
            s.push(&incident(1)).unwrap();
            s.push(&incident(2)).unwrap();
        }
        let seg = cordon_record::segment_path(t.path(), 0);
        let len = std::fs::metadata(&seg).unwrap().len();
        let f = std::fs::OpenOptions::new().write(true).open(&seg).unwrap();
        f.set_len(len - 5).unwrap();
        let mut s = Spool::open(t.path(), 1 << 20).unwrap();
        assert_eq!(s.peek(10).0.len(), 1);
    }

    #[test]
    fn a_full_spool_drops_new_incidents_and_says_so() {
        let t = tempfile::tempdir().unwrap();
        let mut s = Spool::open(t.path(), 1500).unwrap();
        let mut kept = 0;
        for n in 0..10 {
            if s.push(&incident(n)).unwrap() {
                kept += 1;
            }
        }
        let st = s.state();
        assert!((1..10).contains(&kept));
        assert_eq!(st.dropped, 10 - kept);
        assert!(st.full);
        let (got, next) = s.peek(100);
        assert_eq!(got.first().unwrap().created_at, 0, "the oldest are kept");
        s.ack(next).unwrap();
        assert!(s.push(&incident(99)).unwrap());
    }

    #[test]
    fn one_writer_per_spool() {
        let t = tempfile::tempdir().unwrap();
        let _a = Spool::open(t.path(), 1 << 20).unwrap();
        assert!(Spool::open(t.path(), 1 << 20).is_err());
    }
}
