//! Streaming scan with bounded memory.
//!
//! The scanner keeps a buffer of at most one slice of input plus a fixed
//! carry-over. Each time enough input is buffered, it evaluates the keys
//! (see [`crate::engine`]) up to a cut point that still leaves every
//! detector its full right-hand reach, emits those findings, and drops all
//! but the left-hand context it still needs. Because detection is local,
//! the result equals scanning the concatenated input in one piece.

use crate::engine::{CONTEXT_BEFORE, Cand, LOOKBACK, MAX_REACH};
use crate::{Detectors, Finding};

/// Bytes kept before the cut: lookback from key to start, plus context.
const KEEP_LEFT: usize = LOOKBACK + CONTEXT_BEFORE + 64;
/// Bytes needed after a key before it may be evaluated.
const KEEP_RIGHT: usize = MAX_REACH + crate::custom::MAX_CUSTOM + 256;
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
    /// End of the last accepted match, relative to `buf`.
    last_end: usize,
    slice: usize,
    /// Candidates of one pass, kept so each pass reuses the allocation.
    cands: Vec<Cand>,
}

impl<'a> StreamScanner<'a> {
    pub(crate) fn new(det: &'a Detectors, slice: usize) -> Self {
        StreamScanner {
            det,
            buf: Vec::new(),
            base: 0,
            done: 0,
            last_end: 0,
            slice: slice.max(1),
            cands: Vec::new(),
        }
    }

    /// Bytes currently held (carry-over plus unprocessed input).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Total bytes fed so far.
    pub fn position(&self) -> usize {
        self.base + self.buf.len()
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
            self.buf.extend_from_slice(piece);
            if self.buf.len() >= self.done + KEEP_RIGHT + self.slice / 4 {
                let cut = self.buf.len() - KEEP_RIGHT;
                self.process(cut, out);
            }
        }
    }

    /// Ends the stream and returns the remaining findings.
    pub fn finish(mut self) -> Vec<Finding> {
        let mut out = Vec::new();
        let cut = self.buf.len();
        self.process(cut, &mut out);
        out
    }

    fn process(&mut self, cut: usize, out: &mut Vec<Finding>) {
        let mut cands = std::mem::take(&mut self.cands);
        self.det
            .collect_into(&self.buf, self.done, cut, &mut self.last_end, &mut cands);
        out.extend(
            cands
                .iter()
                .map(|c| self.det.finding(&self.buf, c, self.base)),
        );
        self.cands = cands;
        self.done = cut;
        // Keep KEEP_LEFT bytes before the cut: the lookback and left context
        // of the keys evaluated next time.
        let drop = cut.saturating_sub(KEEP_LEFT);
        let drop = drop.min(self.buf.len());
        self.buf.drain(..drop);
        self.base += drop;
        self.done -= drop;
        self.last_end = self.last_end.saturating_sub(drop);
    }
}
