//! The scanning engine: cheap triggers find candidate positions, detector
//! functions validate a small window around each, and a greedy pass keeps
//! the best non-overlapping matches.
//!
//! The toolbox the detectors share (constants, [`Sink`], byte access)
//! lives in [`crate::kit`]; this module only dispatches to them.
//!
//! Locality is the invariant that makes streaming exact: every candidate is
//! found from a *key* position (a digit word's start, an `@`, the start of a
//! colon-separated hex run, or a literal anchor) and is decided by reading at
//! most [`LOOKBACK`](crate::kit::LOOKBACK) bytes before the key and [`MAX_REACH`](crate::kit::MAX_REACH) bytes after it.
//! [`collect`] evaluates only keys in `from..to`, so a stream can be cut
//! anywhere as long as the buffer holds that much on each side.

use crate::ctx::CtxCache;
use crate::fastscan::{alnum_run, alnum_run_back, digit_run, next_trigger};
use crate::kit::{Cand, MAX_WORD, Sink, at, before};
use crate::model::Confidence;
use crate::{anchors, creds, net, numeric};

/// End of the alphanumeric run starting at or before `from`.
fn alnum_end(t: &[u8], from: usize) -> usize {
    t.get(from..).map_or(t.len(), |s| from + alnum_run(s))
}

/// Evaluates every built-in trigger whose key lies in `from..to`.
// One caller: kept inside `collect_into` whatever the size of the
// detector modules (out of line it cost 1.5% on number-dense text).
#[inline(always)]
pub(crate) fn collect(sink: &mut Sink<'_>, from: usize, to: usize) {
    let t = sink.t;
    let mut pos = from;
    while let Some(p) = next_trigger(t, pos) {
        if p >= to.saturating_add(MAX_WORD + 1) {
            break;
        }
        let b = at(t, p);
        match b {
            b'@' => {
                if p >= to {
                    break;
                }
                net::at_sign(sink, p);
                pos = p + 1;
            }
            b':' => {
                net::colon(sink, p, from, to);
                pos = p + 1;
            }
            _ => {
                // A digit: evaluate its alphanumeric word once, at its start.
                let prev = before(t, p);
                if !prev.is_ascii_alphanumeric() {
                    // The digit starts the word (the common case): its digit
                    // run is measured once for the word's end and the first
                    // group.
                    if p >= to {
                        break;
                    }
                    let run_end = p + t.get(p..).map_or(0, digit_run);
                    let we = if at(t, run_end).is_ascii_alphanumeric() {
                        alnum_end(t, run_end)
                    } else {
                        run_end
                    };
                    // A digit group that continues a number ("05" in
                    // 2024-05-12) was seen with the number's first group:
                    // no detector starts there.
                    let continuation = matches!(prev, b' ' | b'-' | b'.' | b'/')
                        && p >= 2
                        && at(t, p - 2).is_ascii_digit()
                        && numeric::number_before(t, p - 1);
                    pos = we;
                    if p >= from && we - p <= MAX_WORD && !continuation {
                        // The number's later groups are continuations
                        // (skipped anyway): resume after them.
                        pos = numeric::digit_first(sink, p, we, run_end);
                    } else if continuation
                        && p >= from
                        && ((16..=MAX_WORD).contains(&(we - p))
                            || (at(t, we) == b'+' && we - p <= MAX_WORD))
                    {
                        // A long hex run after `.` or `-` and a digit
                        // (`pat…9.3f…`, `PMAK-…-8c…`) is no number's
                        // group: it may be a token's body; so may a word
                        // before a `+` (`…m2/4aY4…sQ+ACR…`, an Azure
                        // registry password).
                        creds::word(sink, p, we);
                    }
                } else {
                    // A digit inside a word that starts with letters.
                    let lo = p.saturating_sub(MAX_WORD + 1);
                    let ws = p - t.get(lo..p).map_or(0, alnum_run_back);
                    let long_left = ws == lo && lo > 0 && at(t, lo - 1).is_ascii_alphanumeric();
                    let we = alnum_end(t, p);
                    if ws >= to {
                        break;
                    }
                    let continuation = at(t, ws).is_ascii_digit()
                        && matches!(before(t, ws), b' ' | b'-' | b'.' | b'/')
                        && ws >= 2
                        && at(t, ws - 2).is_ascii_digit()
                        && numeric::number_before(t, ws - 1);
                    pos = we;
                    if ws >= from && !long_left && !continuation {
                        if we - ws <= MAX_WORD {
                            numeric::word(sink, ws, we);
                        } else {
                            // Too long for any number or token: only a
                            // base64 blob's known starts are looked at.
                            creds::long_run(sink, ws);
                        }
                    } else if continuation
                        && ws >= from
                        && ((16..=MAX_WORD).contains(&(we - ws))
                            || (at(t, we) == b'+' && we - ws <= MAX_WORD))
                    {
                        // As above for a word whose first digit the number
                        // walk took (`…_2.3f01…`: `2.3` read as a number,
                        // then a Harness token's hex id).
                        creds::word(sink, ws, we);
                    }
                }
            }
        }
    }
    // Anchors are visited in a second pass: start a fresh context cache so
    // its queries are again in increasing order.
    sink.ctx = CtxCache::default();
    anchors::scan(sink, from, to);
}

/// Sort key: start, then higher confidence, then table priority, then longer.
fn order(a: &Cand, b: &Cand) -> std::cmp::Ordering {
    a.start
        .cmp(&b.start)
        .then(b.conf.cmp(&a.conf))
        .then(a.det.cmp(&b.det))
        .then(b.end.cmp(&a.end))
}

/// Where overlap resolution stands, carried across stream chunks: the end
/// of the last accepted built-in candidate, and of each custom detector's.
///
/// Built-ins compete with one another (one number, one type: a card is not
/// also an id). A custom detector is a policy author's own question and
/// competes only with itself: its keyword "Confidential" is reported beside
/// the built-in `confidential_marker` on the same word, not dropped for it.
///
/// A candidate found well after its key (a command's password after
/// `curl … -u`) may start past the end of the region whose keys were
/// evaluated; it waits for the next region's candidates (`deferred`), so
/// that one that starts before it, between the key and it, is resolved
/// in order, as one pass over the whole text resolves it.
#[derive(Debug, Default, Clone)]
pub(crate) struct Ends {
    builtin: usize,
    custom: Vec<usize>,
    deferred: Vec<Cand>,
}

impl Ends {
    /// The text before `drop` was dropped: offsets move left.
    pub(crate) fn shift(&mut self, drop: usize) {
        self.builtin = self.builtin.saturating_sub(drop);
        for e in &mut self.custom {
            *e = e.saturating_sub(drop);
        }
        for c in &mut self.deferred {
            c.start = c.start.saturating_sub(drop);
            c.end = c.end.saturating_sub(drop);
        }
    }

    /// Candidates of `cands` that start at or after `to` wait for the
    /// next region; those deferred before join `cands` first.
    pub(crate) fn defer(&mut self, cands: &mut Vec<Cand>, to: usize, last: bool) {
        let waiting = std::mem::take(&mut self.deferred);
        cands.extend(waiting);
        if !last {
            cands.retain(|c| {
                let later = c.start >= to;
                if later {
                    self.deferred.push(*c);
                }
                !later
            });
        }
    }
}

/// Greedy left-to-right overlap resolution: at each start the best candidate
/// wins, and anything overlapping an accepted match of the same lane (the
/// built-ins, or one custom detector) is dropped. `ends` carries the state
/// across stream chunks. Candidates below `min` are dropped first (they
/// never block another). Done in place: in dense text the list is large,
/// and a second one was another fresh allocation per scan.
pub(crate) fn resolve(cands: &mut Vec<Cand>, ends: &mut Ends, min: Confidence) {
    cands.sort_unstable_by(order);
    let builtins = crate::builtin::BUILTINS.len() as u32;
    cands.retain(|c| {
        if c.conf < min {
            return false;
        }
        let last_end = if c.det < builtins {
            &mut ends.builtin
        } else {
            let k = (c.det - builtins) as usize;
            if ends.custom.len() <= k {
                ends.custom.resize(k + 1, 0);
            }
            match ends.custom.get_mut(k) {
                Some(e) => e,
                None => return false,
            }
        };
        let keep = c.start >= *last_end;
        if keep {
            *last_end = c.end;
        }
        keep
    });
}
