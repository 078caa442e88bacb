//! Context words, found by tokenising the text lazily around candidates.
//!
//! Asking "is one of these 15 words within 64 bytes?" for every number in a
//! dense CSV file is the expensive part of detection if done naively (one
//! substring search per word per candidate). Instead each region is
//! tokenised once, each token is looked up in one table of all built-in
//! context phrases, and hits are kept with a bit mask of the detectors they
//! serve. A query is then a binary search over the hits.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::builtin::BUILTINS;
use crate::kit::DetSet;

/// Bytes of context inspected before a match.
pub(crate) const CONTEXT_BEFORE: usize = 64;
/// Bytes of context inspected after a match.
pub(crate) const CONTEXT_AFTER: usize = 32;

const MAX_TOKEN: usize = 32;

#[inline]
fn is_tok(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

struct Phrase {
    /// Lower-case tokens; the first is the lookup key.
    tokens: Vec<Vec<u8>>,
    /// Built-in detectors that list this phrase.
    mask: DetSet,
}

struct Table {
    phrases: Vec<Phrase>,
    /// (hash of first token, phrase index), sorted by hash.
    by_first: Vec<(u64, usize)>,
    /// Quick reject: can a token of this length starting with this byte be
    /// the first token of some phrase?
    first: Vec<[bool; 256]>,
    /// Every phrase's first token holds an ASCII letter or a non-ASCII
    /// byte, so a window without such a byte has no phrase.
    letter_keyed: bool,
}

fn tokens(s: &[u8]) -> Vec<Vec<u8>> {
    s.split(|&b| !is_tok(b))
        .filter(|t| !t.is_empty())
        .map(|t| t.to_ascii_lowercase())
        .collect()
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let mut idx: HashMap<Vec<Vec<u8>>, usize> = HashMap::new();
    let mut phrases: Vec<Phrase> = Vec::new();
    for (i, d) in BUILTINS.iter().enumerate() {
        for w in d.context {
            let toks = tokens(w.as_bytes());
            if toks.is_empty() || toks.iter().any(|t| t.len() > MAX_TOKEN) {
                continue;
            }
            let p = *idx.entry(toks.clone()).or_insert_with(|| {
                phrases.push(Phrase {
                    tokens: toks,
                    mask: DetSet::default(),
                });
                phrases.len() - 1
            });
            if let Some(ph) = phrases.get_mut(p) {
                ph.mask.insert(i);
            }
        }
    }
    let mut by_first: Vec<(u64, usize)> = Vec::new();
    let mut first = vec![[false; 256]; MAX_TOKEN + 1];
    for (pi, p) in phrases.iter().enumerate() {
        if let Some(f) = p.tokens.first() {
            by_first.push((fnv(f), pi));
            if let (Some(row), Some(&b)) = (first.get_mut(f.len()), f.first())
                && let Some(x) = row.get_mut(b as usize)
            {
                *x = true;
            }
        }
    }
    by_first.sort_unstable();
    let letter_keyed = phrases.iter().all(|p| {
        p.tokens
            .first()
            .is_some_and(|f| f.iter().any(|&b| is_letter(b)))
    });
    Table {
        phrases,
        by_first,
        first,
        letter_keyed,
    }
});

/// FNV-1a: tokens are short, so this beats SipHash by a wide margin.
fn fnv(s: &[u8]) -> u64 {
    s.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[derive(Debug, Clone, Copy)]
struct Hit {
    start: usize,
    end: usize,
    mask: DetSet,
}

/// Per-pass cache of context hits. Queries must come in roughly increasing
/// position (keys are visited in order); see [`CtxCache::has`].
#[derive(Debug, Default)]
pub(crate) struct CtxCache {
    /// Tokenised range `clo..chi`; both ends lie on token boundaries.
    clo: usize,
    chi: usize,
    hits: Vec<Hit>,
    /// The last window asked about, `(lo, hi, s, e)`, and the detectors
    /// with a phrase in it: every detector looking at one number asks about
    /// the same window.
    memo: Option<(usize, usize, usize, usize, DetSet)>,
    /// No letter (see [`is_letter`]) in `lf_from..lf_to`, and `lf_to` is a
    /// letter or the end of the text. Number-dense text (CSV, logs) has no
    /// letters for long stretches: its windows are answered without
    /// tokenising.
    lf_from: usize,
    lf_to: usize,
    /// `TABLE.letter_keyed`, copied on first use (false until then).
    letter_keyed: bool,
}

impl CtxCache {
    /// True if a context phrase of built-in detector `det` lies in the
    /// window around `s..e` (the match itself excluded).
    pub(crate) fn has(&mut self, t: &[u8], det: usize, s: usize, e: usize) -> bool {
        self.has_within(t, det, s, e, CONTEXT_BEFORE, CONTEXT_AFTER)
    }

    /// [`has`](Self::has) with an explicit window of `before`/`after` bytes.
    pub(crate) fn has_within(
        &mut self,
        t: &[u8],
        det: usize,
        s: usize,
        e: usize,
        before: usize,
        after: usize,
    ) -> bool {
        self.mask_within(t, s, e, before, after).has(det)
    }

    /// True if the window around `s..e` is known to hold no letter (so no
    /// context phrase) without tokenising: the answer of the letter-free
    /// stretch a previous query found. `false` means "ask".
    #[inline(always)]
    pub(crate) fn surely_empty(&self, s: usize, e: usize) -> bool {
        let lo = s.saturating_sub(CONTEXT_BEFORE);
        let hi = e + CONTEXT_AFTER;
        self.letter_keyed && lo >= self.lf_from && hi <= self.lf_to
    }

    /// The built-in detectors with a context phrase in the
    /// window of `before`/`after` bytes around `s..e` (the match excluded).
    #[inline]
    pub(crate) fn mask_within(
        &mut self,
        t: &[u8],
        s: usize,
        e: usize,
        before: usize,
        after: usize,
    ) -> DetSet {
        let lo = s.saturating_sub(before.min(CONTEXT_BEFORE));
        let hi = (e + after.min(CONTEXT_AFTER)).min(t.len());
        // Inside the known letter-free stretch: no phrase.
        if lo >= self.lf_from && hi <= self.lf_to && self.letter_keyed {
            return DetSet::default();
        }
        self.mask_slow(t, lo, hi, s, e)
    }

    #[inline(never)]
    fn mask_slow(&mut self, t: &[u8], lo: usize, hi: usize, s: usize, e: usize) -> DetSet {
        if let Some((a, b, c, d, m)) = self.memo
            && (a, b, c, d) == (lo, hi, s, e)
        {
            return m;
        }
        self.letter_keyed = TABLE.letter_keyed;
        if self.letter_keyed && self.letter_free(t, lo, hi) {
            return DetSet::default();
        }
        self.ensure(t, lo, hi);
        let first = self.hits.partition_point(|h| h.start < lo);
        let mut m = DetSet::default();
        for h in self.hits.get(first..).unwrap_or_default() {
            if h.start >= hi {
                break;
            }
            if h.end <= hi && (h.end <= s || h.start >= e) {
                m |= h.mask;
            }
        }
        self.memo = Some((lo, hi, s, e, m));
        m
    }

    /// True if `t[lo..hi]` holds no letter. Queries move forward, so the
    /// letter-free stretch ahead of them is found once.
    fn letter_free(&mut self, t: &[u8], lo: usize, hi: usize) -> bool {
        if lo < self.lf_from {
            return t.get(lo..hi).is_some_and(|w| next_letter(w) == w.len());
        }
        if lo > self.lf_to || self.lf_to == self.lf_from {
            self.lf_from = lo;
            self.lf_to = lo + t.get(lo..).map_or(0, next_letter);
        }
        hi <= self.lf_to
    }

    /// Makes sure `lo..hi` is tokenised, extending the covered range on
    /// either side or starting afresh after a gap (so memory stays small).
    fn ensure(&mut self, t: &[u8], lo: usize, hi: usize) {
        if self.chi > self.clo && lo >= self.clo && hi <= self.chi {
            return;
        }
        if self.chi <= self.clo || lo > self.chi || hi < self.clo {
            self.hits.clear();
            let a = back_to_token_start(t, lo);
            let b = tokenize(t, a, hi, &mut self.hits);
            self.clo = a;
            self.chi = b;
            return;
        }
        if lo < self.clo {
            let a = back_to_token_start(t, lo);
            let mut before = Vec::new();
            tokenize(t, a, self.clo, &mut before);
            before.append(&mut self.hits);
            self.hits = before;
            self.clo = a;
        }
        if hi > self.chi {
            // New tokens lie after every cached one: the list stays sorted.
            self.chi = tokenize(t, self.chi, hi, &mut self.hits);
        }
    }
}

/// A byte that every context phrase's first token holds one of: an ASCII
/// letter or a non-ASCII byte.
#[inline]
fn is_letter(b: u8) -> bool {
    b.is_ascii_alphabetic() || b >= 0x80
}

/// Position of the first [`is_letter`] byte in `s`, or `s.len()`. Eight
/// bytes at a time (SWAR), since it runs over whole numeric files.
fn next_letter(s: &[u8]) -> usize {
    const HI: u64 = 0x8080_8080_8080_8080;
    // Whole 64-byte blocks without a letter first, with a branch-free
    // fold that vectorises (a CSV file is one long letter-free stretch).
    let mut n = 0;
    for block in s.chunks_exact(64) {
        let any = block.iter().fold(false, |acc, &b| {
            acc | ((b | 0x20).wrapping_sub(b'a') < 26) | (b >= 0x80)
        });
        if any {
            break;
        }
        n += 64;
    }
    while let Some(w) = s.get(n..n + 8) {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        let x = u64::from_le_bytes(b);
        // Fold case, then per byte (high bit): >= 'a', >= '{' (no carries).
        let z = (x & !HI) | 0x2020_2020_2020_2020;
        let ge_a = z.wrapping_add(0x1f1f_1f1f_1f1f_1f1f);
        let ge_brace = z.wrapping_add(0x0505_0505_0505_0505);
        let hit = ((ge_a & !ge_brace) | x) & HI;
        if hit != 0 {
            return n + (hit.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + s.get(n..).map_or(0, |r| {
        r.iter().position(|&b| is_letter(b)).unwrap_or(r.len())
    })
}

/// Token bytes: ASCII letters and digits, and any non-ASCII byte.
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time with `i < 256`: an index out of range would fail the build"
)]
static TOK: [bool; 256] = {
    let mut a = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        a[i] = b.is_ascii_alphanumeric() || b >= 0x80;
        i += 1;
    }
    a
};

#[inline(always)]
fn tok(b: u8) -> bool {
    TOK.get(b as usize).copied().unwrap_or(false)
}

/// Tokenises tokens that start in `i..hi`, pushing phrase hits; returns
/// the end of the last token (a token boundary at or after `hi`).
fn tokenize(t: &[u8], mut i: usize, hi: usize, hits: &mut Vec<Hit>) -> usize {
    let table = &*TABLE;
    let hi = hi.min(t.len());
    while i < hi {
        match t.get(i..hi).and_then(|r| r.iter().position(|&b| tok(b))) {
            Some(p) => i += p,
            None => {
                i = hi;
                break;
            }
        }
        let ts = i;
        i += t
            .get(i..)
            .map_or(0, |r| r.iter().position(|&b| !tok(b)).unwrap_or(r.len()));
        let tl = i - ts;
        if tl > MAX_TOKEN {
            continue;
        }
        let Some(&b0) = t.get(ts) else { break };
        let ok = table
            .first
            .get(tl)
            .and_then(|r| r.get(b0.to_ascii_lowercase() as usize))
            .copied()
            .unwrap_or(false);
        if !ok {
            continue;
        }
        let mut buf = [0u8; MAX_TOKEN];
        let tok = buf.get_mut(..tl).unwrap_or_default();
        tok.copy_from_slice(t.get(ts..i).unwrap_or_default());
        tok.make_ascii_lowercase();
        let h = fnv(tok);
        let lo_i = table.by_first.partition_point(|e| e.0 < h);
        for &(hh, pi) in table.by_first.get(lo_i..).unwrap_or_default() {
            if hh != h {
                break;
            }
            let Some(p) = table.phrases.get(pi) else {
                continue;
            };
            if p.tokens.first().map(Vec::as_slice) != Some(&tok[..]) {
                continue;
            }
            if let Some(end) = match_rest(t, i, p.tokens.get(1..).unwrap_or_default()) {
                hits.push(Hit {
                    start: ts,
                    end,
                    mask: p.mask,
                });
            }
        }
    }
    i.max(hi)
}

fn back_to_token_start(t: &[u8], mut i: usize) -> usize {
    let floor = i.saturating_sub(MAX_TOKEN + 1);
    while i > floor && is_tok(t.get(i - 1).copied().unwrap_or(0)) {
        i -= 1;
    }
    i
}

/// Matches the remaining tokens of a phrase after position `i`, allowing
/// one to three separator bytes between tokens.
fn match_rest(t: &[u8], mut i: usize, rest: &[Vec<u8>]) -> Option<usize> {
    for tok in rest {
        let mut gap = 0;
        while i < t.len() && !is_tok(t.get(i).copied().unwrap_or(0)) {
            i += 1;
            gap += 1;
            if gap > 3 {
                return None;
            }
        }
        if gap == 0 {
            return None;
        }
        let cand = t.get(i..i + tok.len())?;
        if !cand.eq_ignore_ascii_case(tok) || t.get(i + tok.len()).is_some_and(|&b| is_tok(b)) {
            return None;
        }
        i += tok.len();
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::D;
    use proptest::prelude::*;

    #[test]
    fn every_phrase_is_keyed_by_a_letter() {
        // Otherwise no window is ever answered without tokenising, and
        // number-dense text pays for it on every number.
        for p in &TABLE.phrases {
            let f = p
                .tokens
                .first()
                .map(|t| String::from_utf8_lossy(t).into_owned());
            assert!(
                p.tokens
                    .first()
                    .is_some_and(|f| f.iter().any(|&b| is_letter(b))),
                "phrase starting {f:?} has no letter in its first token"
            );
        }
        assert!(TABLE.letter_keyed);
    }

    #[test]
    fn finds_words_and_phrases() {
        let t = b"The employee's Social Security Number 536-22-8726 on file";
        let s = t.windows(11).position(|w| w == b"536-22-8726").unwrap();
        let mut c = CtxCache::default();
        assert!(c.has(t, D::UsSsn as usize, s, s + 11));
        assert!(!c.has(t, D::CreditCard as usize, s, s + 11));
        let t = b"Date of Birth: 1985-03-14";
        let mut c = CtxCache::default();
        assert!(c.has(t, D::DateOfBirth as usize, 15, 25));
    }

    /// Reference: whole-word, single-token context words fully inside the
    /// window and outside the match, by brute force over a token list.
    fn reference(t: &[u8], words: &[&str], s: usize, e: usize) -> bool {
        let lo = s.saturating_sub(CONTEXT_BEFORE);
        let hi = (e + CONTEXT_AFTER).min(t.len());
        let mut i = 0;
        while i < t.len() {
            if !is_tok(t[i]) {
                i += 1;
                continue;
            }
            let ts = i;
            while i < t.len() && is_tok(t[i]) {
                i += 1;
            }
            let tok = t[ts..i].to_ascii_lowercase();
            let inside = ts >= lo && i <= hi && (i <= s || ts >= e);
            if inside && words.iter().any(|w| w.as_bytes() == tok.as_slice()) {
                return true;
            }
        }
        false
    }

    #[test]
    fn next_letter_every_byte() {
        for b in 0..=255u8 {
            for k in 0..20 {
                let mut v = vec![b'7'; k];
                v.push(b);
                v.extend_from_slice(b"-x");
                let want = if is_letter(b) { k } else { k + 2 };
                assert_eq!(next_letter(&v), want, "{b} {k}");
            }
        }
        assert!(TABLE.letter_keyed);
    }

    proptest! {
        #[test]
        fn next_letter_matches_scalar(hay in proptest::collection::vec(prop_oneof![
                40 => b' '..=b'@', 1 => any::<u8>()], 0..300)) {
            let want = hay.iter().position(|&b| is_letter(b)).unwrap_or(hay.len());
            prop_assert_eq!(next_letter(&hay), want);
        }

        /// Queries in any order give the answer of a fresh cache.
        #[test]
        fn cache_order_independent(
            words in proptest::collection::vec(prop_oneof![
                Just("ssn"), Just("card"), Just("1234"), Just("12-34"), Just("5"),
                Just("phone"), Just(","), Just("tel:"), Just("000")], 1..60),
            qs in proptest::collection::vec((0usize..100, 0usize..8), 1..12),
        ) {
            let text = words.join(" ");
            let t = text.as_bytes();
            let mut shared = CtxCache::default();
            for (at, w) in qs {
                let s = (t.len() * at / 100).min(t.len());
                let e = (s + w).min(t.len());
                for d in [D::UsSsn, D::CreditCard, D::Phone] {
                    let mut fresh = CtxCache::default();
                    prop_assert_eq!(
                        shared.has(t, d as usize, s, e),
                        fresh.has(t, d as usize, s, e)
                    );
                }
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_reference(
            words in proptest::collection::vec(prop_oneof![
                Just("ssn"), Just("card"), Just("the"), Just("visa"), Just("x1"), Just("SSN:"),
                Just("123-45-6789"), Just("cardholder"), Just("passport"), Just("xssn")], 1..40),
            at in 0usize..40,
        ) {
            let text = words.join(" ");
            let t = text.as_bytes();
            let s = t.len() * at / 40;
            let e = (s + 3).min(t.len());
            for (d, single) in [
                (D::UsSsn, &["ssn", "ssns", "social"][..]),
                (D::CreditCard, &["card", "credit", "visa", "cardholder", "cc"][..]),
                (D::UsPassport, &["passport"][..]),
            ] {
                let mut c = CtxCache::default();
                prop_assert_eq!(c.has(t, d as usize, s, e), reference(t, single, s, e), "{:?} in {:?}", d, text);
            }
        }
    }
}
