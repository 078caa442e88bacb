//! Streaming scan with bounded memory.
//!
//! The scanner keeps a buffer of at most one slice of input plus a fixed
//! carry-over. Each time enough input is buffered, it evaluates the keys
//! (see [`crate::engine`]) up to a cut point that still leaves every
//! detector its full right-hand reach, emits those findings, and drops all
//! but the left-hand context it still needs. Because detection is local,
//! the result equals scanning the concatenated input in one piece.

use std::ops::Range;

use crate::fold::{self, Folds, Pending};
use crate::kit::{CONTEXT_BEFORE, Cand, LOOKBACK, MAX_REACH};
use crate::{Category, Confidence, Detectors, Finding};

/// Bytes kept before the cut: lookback from key to start, plus context.
const KEEP_LEFT: usize = LOOKBACK + CONTEXT_BEFORE + 64;
/// Bytes needed after a key before it may be evaluated.
pub(crate) const KEEP_RIGHT: usize = MAX_REACH + crate::custom::MAX_CUSTOM + 256;
const _: () = assert!(crate::columns::MAX_HEADER <= KEEP_RIGHT);
/// Input is consumed in slices of at most this size.
pub(crate) const SLICE: usize = 1 << 20;

/// Scans input fed in chunks of any size; findings carry absolute offsets
/// from the start of the stream.
#[derive(Debug)]
pub struct StreamScanner<'a> {
    det: &'a Detectors,
    buf: Vec<u8>,
    /// Absolute offset of `buf[0]`.
    base: usize,
    /// Keys before this (relative) offset have been evaluated.
    done: usize,
    /// Ends of the last accepted matches, relative to `buf`.
    ends: crate::engine::Ends,
    slice: usize,
    /// Candidates of one pass, kept so each pass reuses the allocation.
    cands: Vec<Cand>,
    /// In count-only mode: the stream offsets whose findings are counted.
    counting: Option<Range<usize>>,
    /// Count-only findings per detector index and confidence.
    tally: Vec<[u64; 3]>,
    /// The text's table header ([`crate::columns`]), once looked for.
    cols: Option<crate::columns::Columns>,
    header_read: bool,
    /// Where the stream starts in its text (a segment of a file).
    offset: usize,
    /// No-break spaces read as spaces ([`crate::fold`]): where they were,
    /// so findings are placed in the input's bytes.
    folds: Folds,
    /// A folded character cut by the end of the last chunk.
    pending: Pending,
    /// Input bytes fed so far.
    fed: usize,
}

impl<'a> StreamScanner<'a> {
    pub(crate) fn new(det: &'a Detectors, slice: usize) -> Self {
        StreamScanner {
            det,
            buf: Vec::new(),
            base: 0,
            done: 0,
            ends: crate::engine::Ends::default(),
            slice: slice.max(1),
            cands: Vec::new(),
            counting: None,
            tally: Vec::new(),
            cols: None,
            header_read: false,
            offset: 0,
            folds: Folds::default(),
            pending: Pending::default(),
            fed: 0,
        }
    }

    /// The stream starts at `offset` of a text whose first bytes are
    /// `head` (at least its first line, or 64 KiB): a segment of a file is
    /// read with the file's table header, as the whole file would be.
    /// Without it the stream is its text from the start, and its own first
    /// line is the header if it is one.
    pub fn starts_at(&mut self, offset: usize, head: &[u8]) {
        self.cols = crate::columns::Columns::of(head);
        self.header_read = true;
        self.offset = offset;
    }

    /// Input bytes currently held (carry-over plus unprocessed input).
    pub fn buffered(&self) -> usize {
        self.fed - (self.base + self.folds.shift(self.base))
    }

    /// Total bytes fed so far.
    pub fn position(&self) -> usize {
        self.fed
    }

    /// Feeds the next chunk and returns the findings that are now final.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Finding> {
        let mut out = Vec::new();
        self.feed_into(chunk, &mut out);
        out
    }

    /// [`feed`](Self::feed), appending to `out`: a caller that reuses one
    /// vector for every chunk allocates nothing per chunk.
    pub fn feed_into(&mut self, chunk: &[u8], out: &mut Vec<Finding>) {
        for piece in chunk.chunks(self.slice) {
            self.fed += piece.len();
            fold::append(
                &mut self.buf,
                self.base,
                piece,
                &mut self.pending,
                true,
                &mut self.folds,
            );
            if self.buf.len() >= self.done + KEEP_RIGHT + self.slice / 4 {
                let cut = self.buf.len() - KEEP_RIGHT;
                self.process(cut, out);
            }
        }
    }

    /// Ends the stream and returns the remaining findings.
    pub fn finish(mut self) -> Vec<Finding> {
        let mut out = Vec::new();
        self.finish_into(&mut out);
        out
    }

    /// [`finish`](Self::finish), appending to `out` and keeping the scanner
    /// so it can still be asked for its [`tally`](Self::tally). The stream
    /// has ended: do not feed it more input.
    pub fn finish_into(&mut self, out: &mut Vec<Finding>) {
        // A character cut by the end of the input is no character.
        let cut_short = self.pending.take();
        self.buf.extend_from_slice(cut_short.bytes());
        let cut = self.buf.len();
        self.process(cut, out);
    }

    /// From now on findings are only counted, not built: the caller has
    /// listed all it will list and needs the rest as numbers (a 5 GB export
    /// can hold tens of millions of findings). Findings starting inside
    /// `keep` (stream offsets) are counted in [`tally`](Self::tally); the
    /// others are dropped, as a caller scanning one segment of a file would
    /// drop them.
    pub fn count_only(&mut self, keep: Range<usize>) {
        self.counting = Some(keep);
    }

    /// The findings counted in count-only mode, by detector and confidence.
    pub fn tally(&self) -> Vec<(&str, Category, Confidence, u64)> {
        let mut v = Vec::new();
        for (det, counts) in self.tally.iter().enumerate() {
            let (id, cat) = self.det.name(det as u32);
            for (conf, &n) in Confidence::ALL.iter().zip(counts) {
                if n > 0 {
                    v.push((id, cat, *conf, n));
                }
            }
        }
        v
    }

    fn process(&mut self, cut: usize, out: &mut Vec<Finding>) {
        let mut cands = std::mem::take(&mut self.cands);
        if !self.header_read {
            self.header_read = true;
            self.cols = crate::columns::Columns::of(&self.buf);
        }
        if let Some(c) = &mut self.cols {
            c.rebase(self.offset + self.base);
        }
        let doc_start = self.base == 0 && self.done == 0 && self.offset == 0;
        self.det.collect_into(
            &self.buf,
            self.done,
            cut,
            &mut self.ends,
            &mut cands,
            self.cols.as_mut(),
            doc_start,
        );
        if let Some(c) = &mut self.cols {
            c.settle(&self.buf, cut);
        }
        match &self.counting {
            None => out.extend(cands.iter().map(|c| {
                let mut f = self.det.finding(&self.buf, c, self.base);
                (f.start, f.end) = self.folds.unfold(f.start, f.end);
                f
            })),
            Some(keep) => {
                for c in &cands {
                    let (start, _) = self.folds.unfold(self.base + c.start, self.base + c.start);
                    if !keep.contains(&start) {
                        continue;
                    }
                    let det = c.det as usize;
                    if self.tally.len() <= det {
                        self.tally.resize(det + 1, [0; 3]);
                    }
                    // Confidence::ALL order: low, medium, high.
                    let k = c.conf as usize;
                    if let Some(n) = self.tally.get_mut(det).and_then(|r| r.get_mut(k)) {
                        *n += 1;
                    }
                }
            }
        }
        self.cands = cands;
        self.done = cut;
        // Keep KEEP_LEFT bytes before the cut: the lookback and left context
        // of the keys evaluated next time.
        let drop = cut.saturating_sub(KEEP_LEFT);
        let drop = drop.min(self.buf.len());
        self.buf.drain(..drop);
        self.base += drop;
        self.done -= drop;
        self.folds.forget_before(self.base);
        self.ends.shift(drop);
    }
}
