//! Where a member's extracted text came from in the member's bytes.
//!
//! Markup extraction drops tags, decodes entities and writes labels of its
//! own, so an offset in the text is not an offset in the file. The
//! extractor records, while it writes the text, one run per stretch of
//! text copied byte for byte from one place (`copied`), and a run for text
//! that stands for a span of other length (`opaque`: a decoded entity, or
//! a label or line break the extractor wrote, which stands for no bytes at
//! all). A finding's offsets in the text map back to the file through the
//! runs.
//!
//! A map may place the text in an enclosing member's bytes instead
//! ([`SourceMap::placed`]): a mail's body written with no transfer
//! encoding is a stretch of the `.eml` or mbox file itself, so its
//! findings are placed in that file.
//!
//! The map is read while the text is still being written (the consumer
//! scans each chunk as it arrives), so the writer and the reader share it
//! through a handle. Memory is bounded: the consumer forgets the runs it
//! no longer needs ([`SourceMap::forget_before`]), and past [`MAX_RUNS`]
//! the oldest half is dropped (their offsets then no longer map: `None`).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use crate::Location;

/// Most runs held; a consumer that forgets what it has scanned never
/// comes near it (16 bytes a run: 16 MiB).
pub const MAX_RUNS: usize = 1 << 20;

/// Set on a run's source offset when the run's text does not correspond
/// byte for byte: its source span ends where the next run (always written
/// right after it) starts.
const OPAQUE: u64 = 1 << 63;

/// A shared, cheap-to-clone handle on the runs of one member's text.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    runs: Rc<RefCell<VecDeque<(u64, u64)>>>,
    /// Added to every source offset recorded.
    base: u64,
    /// Whose bytes the source offsets are in, when not the member's own.
    at: Option<Rc<Location>>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// A map whose source offsets are in the bytes of `at`, an enclosing
    /// member, the source's offset 0 being `base` there.
    pub(crate) fn placed(at: &Location, base: u64) -> Self {
        Self {
            runs: Rc::default(),
            base,
            at: Some(Rc::new(at.clone())),
        }
    }

    /// A new, empty map placed where `self` places, `more` bytes further
    /// on (a message's body `more` bytes into the message `self` places).
    pub(crate) fn shifted(&self, more: u64) -> Self {
        Self {
            runs: Rc::default(),
            base: self.base + more,
            at: self.at.clone(),
        }
    }

    /// Where the source offsets lie: `None` for the member's own bytes, or
    /// the enclosing member whose bytes they are.
    pub fn location(&self) -> Option<&Location> {
        self.at.as_deref()
    }

    /// The text from `text` on is copied from the source from `src` on.
    pub(crate) fn copied(&self, text: u64, src: u64) {
        let src = src + self.base;
        let mut runs = self.runs.borrow_mut();
        if let Some(&(t, s)) = runs.back()
            && s & OPAQUE == 0
            && s.wrapping_add(text.wrapping_sub(t)) == src
        {
            // The same run goes on.
            return;
        }
        push(&mut runs, (text, src));
    }

    /// The `len` bytes of text at `text` stand for the source bytes
    /// `[src, src_end)` as a whole.
    pub(crate) fn opaque(&self, text: u64, len: usize, src: u64, src_end: u64) {
        if len == 0 {
            return;
        }
        let (src, src_end) = (src + self.base, src_end + self.base);
        let mut runs = self.runs.borrow_mut();
        push(&mut runs, (text, (src & !OPAQUE) | OPAQUE));
        push(&mut runs, (text + len as u64, src_end & !OPAQUE));
    }

    /// The source offset where the text byte at `text` starts.
    pub fn start(&self, text: u64) -> Option<u64> {
        let runs = self.runs.borrow();
        let i = runs.partition_point(|&(t, _)| t <= text);
        let &(t, s) = runs.get(i.checked_sub(1)?)?;
        Some(if s & OPAQUE != 0 {
            s & !OPAQUE
        } else {
            s + (text - t)
        })
    }

    /// The source offset where text ending (exclusive) at `text` ends.
    pub fn end(&self, text: u64) -> Option<u64> {
        let runs = self.runs.borrow();
        let i = runs.partition_point(|&(t, _)| t < text);
        let &(t, s) = runs.get(i.checked_sub(1)?)?;
        if s & OPAQUE != 0 {
            runs.get(i).map(|&(_, e)| e & !OPAQUE)
        } else {
            Some(s + (text - t))
        }
    }

    /// A text span `[start, end)` as a source span, if both ends map.
    pub fn span(&self, start: u64, end: u64) -> Option<(u64, u64)> {
        let s = self.start(start)?;
        let e = if end > start { self.end(end)? } else { s };
        Some((s, e.max(s)))
    }

    /// Drops the runs that end before `text`: offsets before it will not
    /// be asked for again.
    pub fn forget_before(&self, text: u64) {
        let mut runs = self.runs.borrow_mut();
        // Keep the run that holds `text` (an opaque run's end is the run
        // after it, so it stays too).
        while runs.get(1).is_some_and(|&(t, _)| t <= text) {
            runs.pop_front();
        }
    }

    /// Runs held (for tests of the bound).
    pub fn len(&self) -> usize {
        self.runs.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn push(runs: &mut VecDeque<(u64, u64)>, run: (u64, u64)) {
    if runs.len() >= MAX_RUNS {
        runs.drain(..MAX_RUNS / 2);
    }
    runs.push_back(run);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copied_runs_map_both_ends() {
        // "abc<b>def" → text "abcdef": runs (0,0), (3,6).
        let m = SourceMap::new();
        m.copied(0, 0);
        m.copied(1, 1);
        m.copied(3, 6);
        m.copied(4, 7);
        assert_eq!(m.len(), 2);
        assert_eq!(m.span(0, 3), Some((0, 3)));
        assert_eq!(m.span(3, 6), Some((6, 9)));
        assert_eq!(m.span(1, 5), Some((1, 8)));
    }

    #[test]
    fn opaque_runs_cover_their_source() {
        // "a&amp;b" → "a&b": the `&` stands for five bytes.
        let m = SourceMap::new();
        m.copied(0, 0);
        m.opaque(1, 1, 1, 6);
        m.copied(2, 6);
        assert_eq!(m.span(0, 3), Some((0, 7)));
        assert_eq!(m.span(1, 2), Some((1, 6)));
        assert_eq!(m.span(2, 3), Some((6, 7)));
        // An inserted label stands for nothing: `NPI: ` before `12`.
        let m = SourceMap::new();
        m.opaque(0, 5, 40, 40);
        m.copied(5, 44);
        assert_eq!(m.span(5, 7), Some((44, 46)));
        assert_eq!(m.span(0, 7), Some((40, 46)));
    }

    #[test]
    fn forgetting_keeps_what_is_still_asked() {
        let m = SourceMap::new();
        for i in 0..100u64 {
            m.copied(i * 2, i * 10);
        }
        m.forget_before(51);
        assert_eq!(m.start(51), Some(251));
        assert_eq!(m.start(49), None);
        assert!(m.len() <= 75);
        // An opaque run's end stays with it.
        let m = SourceMap::new();
        m.opaque(0, 1, 0, 5);
        m.copied(1, 9);
        m.forget_before(0);
        assert_eq!(m.end(1), Some(5));
    }

    #[test]
    fn the_map_is_bounded() {
        let m = SourceMap::new();
        for i in 0..(MAX_RUNS as u64 + 10) {
            m.copied(i, i * 2);
        }
        assert!(m.len() <= MAX_RUNS);
        assert_eq!(m.start(0), None);
        assert_eq!(m.start(MAX_RUNS as u64), Some(2 * MAX_RUNS as u64));
    }
}
