//! The toolbox every detector module shares: the locality constants, the
//! candidate type, the enabled set as bits, the [`Sink`] detectors report
//! into, byte access that never panics, and context-word checks.
//!
//! It depends on nothing but the detector table and the context cache, so
//! the detector modules (`numeric`, `net`, `anchors`, `custom`) and the
//! dispatcher ([`crate::engine`]) all point at it and never at each other
//! through the engine.

use crate::builtin::D;
use crate::ctx::CtxCache;
pub(crate) use crate::ctx::{CONTEXT_AFTER, CONTEXT_BEFORE};
use crate::model::Confidence;

/// Furthest a candidate's start can lie before its key.
pub(crate) const LOOKBACK: usize = 128;
/// Longest built-in match (a PEM private key block).
pub(crate) const MAX_PEM: usize = 16 * 1024;
/// Furthest any detector reads after a key.
pub(crate) const MAX_REACH: usize = MAX_PEM + 512;
/// Longest alphanumeric word a digit detector looks at.
pub(crate) const MAX_WORD: usize = 100;

/// A match before overlap resolution. `det` indexes built-ins first, then
/// custom detectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cand {
    pub det: u32,
    pub start: usize,
    pub end: usize,
    pub conf: Confidence,
}

/// Words of 64 bits in a [`DetSet`]: as many as the detector table needs
/// and one bit more ([`GENERIC_NATIONAL_ID`]), counted at compile time,
/// so adding a detector never runs out of bits.
pub(crate) const SET_WORDS: usize = (crate::builtin::COUNT + 1).div_ceil(64);

/// The bit past the built-ins' in a context mask: a word that names a
/// person's national id generically (`National ID`), standing for every
/// national-id detector unless one of them has a word of its own there
/// (see `columns::widen_generic`).
pub(crate) const GENERIC_NATIONAL_ID: usize = crate::builtin::COUNT;

/// A set of built-in detectors, one bit each (bit `d % 64` of word
/// `d / 64`). Asked with a constant detector almost everywhere, so the
/// word is chosen at compile time and a question is one load and a test,
/// as it was when one `u128` held every detector. Indexes past the table
/// (custom detectors) are never members.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct DetSet {
    w: [u64; SET_WORDS],
}

impl DetSet {
    /// No detector.
    pub(crate) const EMPTY: DetSet = DetSet { w: [0; SET_WORDS] };

    /// The set of `ds`, built at compile time.
    #[allow(
        clippy::indexing_slicing,
        reason = "evaluated at compile time, and `d < COUNT` keeps `d / 64` below `SET_WORDS`: an index out of range would fail the build"
    )]
    pub(crate) const fn of(ds: &[D]) -> DetSet {
        let mut s = DetSet { w: [0; SET_WORDS] };
        let mut rest = ds;
        while let [first, tail @ ..] = rest {
            let d = *first as usize;
            if d < crate::builtin::COUNT {
                s.w[d / 64] |= 1u64 << (d % 64);
            }
            rest = tail;
        }
        s
    }

    #[inline(always)]
    pub(crate) fn insert(&mut self, d: usize) {
        if d < crate::builtin::COUNT
            && let Some(w) = self.w.get_mut(d / 64)
        {
            *w |= 1u64 << (d % 64);
        }
    }

    /// Adds the bit of [`GENERIC_NATIONAL_ID`], past the built-ins' (which
    /// [`insert`](Self::insert) refuses: custom detectors' indices start
    /// there, and no set of detectors holds them).
    pub(crate) fn insert_generic_national_id(&mut self) {
        if let Some(w) = self.w.get_mut(GENERIC_NATIONAL_ID / 64) {
            *w |= 1u64 << (GENERIC_NATIONAL_ID % 64);
        }
    }

    #[cfg(test)]
    pub(crate) fn remove(&mut self, d: usize) {
        if let Some(w) = self.w.get_mut(d / 64) {
            *w &= !(1u64 << (d % 64));
        }
    }

    #[inline(always)]
    pub(crate) fn has(&self, d: usize) -> bool {
        self.w.get(d / 64).is_some_and(|w| (w >> (d % 64)) & 1 != 0)
    }

    #[inline(always)]
    pub(crate) fn is_empty(&self) -> bool {
        self.w.iter().all(|&w| w == 0)
    }

    /// The members of `self` that `o` lacks.
    pub(crate) fn without(&self, o: &DetSet) -> DetSet {
        let mut s = *self;
        for (a, b) in s.w.iter_mut().zip(o.w) {
            *a &= !b;
        }
        s
    }

    /// The members of `self` and of `o`.
    pub(crate) fn union(&self, o: &DetSet) -> DetSet {
        let mut s = *self;
        for (a, b) in s.w.iter_mut().zip(o.w) {
            *a |= b;
        }
        s
    }

    #[inline(always)]
    pub(crate) fn intersects(&self, o: &DetSet) -> bool {
        self.w.iter().zip(&o.w).fold(0, |acc, (a, b)| acc | (a & b)) != 0
    }
}

impl std::ops::BitOrAssign for DetSet {
    #[inline(always)]
    fn bitor_assign(&mut self, o: DetSet) {
        for (a, b) in self.w.iter_mut().zip(o.w) {
            *a |= b;
        }
    }
}

/// Built-in detectors as bits: the questions asked for every number are
/// answered by a shift instead of a table load.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Bits {
    /// Enabled.
    pub on: DetSet,
    /// Enabled and with context words.
    pub ctx: DetSet,
    /// Reported only with a context word.
    pub needs_ctx: DetSet,
    /// Cards, bank accounts and national, tax and health ids: inside a
    /// URL, path or identifier, or a cell of a numeric table, they need a
    /// context word right before them.
    pub ids: DetSet,
}

/// Detectors of PII, PHI or PCI that are not identifiers of a person or
/// account (contact details, network addresses, dates, codes, wallets).
const NOT_IDS: &[&str] = &[
    "email",
    "phone",
    "ipv4",
    "ipv6",
    "mac_address",
    "date_of_birth",
    "icd10_code",
    "bitcoin_address",
    "ethereum_address",
    "swift_bic",
    "passport_mrz",
];

// Every built-in has a bit, and the generic national-id word one.
const _: () = assert!(GENERIC_NATIONAL_ID < 64 * SET_WORDS);

/// Cards, bank accounts and national, tax and health ids: the built-ins
/// of PII, PHI or PCI that identify a person or an account.
pub(crate) fn id_detectors() -> DetSet {
    let mut s = DetSet::default();
    for (i, d) in crate::builtin::BUILTINS.iter().enumerate() {
        if matches!(
            d.category,
            crate::model::Category::Pii | crate::model::Category::Phi | crate::model::Category::Pci
        ) && !NOT_IDS.contains(&d.id)
        {
            s.insert(i);
        }
    }
    s
}

impl Bits {
    pub(crate) fn new(enabled: &[bool]) -> Bits {
        let mut b = Bits {
            ids: id_detectors(),
            ..Bits::default()
        };
        for (i, (d, &on)) in crate::builtin::BUILTINS.iter().zip(enabled).enumerate() {
            if on {
                b.on.insert(i);
                if !d.context.is_empty() {
                    b.ctx.insert(i);
                }
            }
            if d.needs_context {
                b.needs_ctx.insert(i);
            }
        }
        b
    }
}

/// Where detectors report candidates, with the text and the enabled set.
pub(crate) struct Sink<'a> {
    pub t: &'a [u8],
    pub bits: Bits,
    pub out: &'a mut Vec<Cand>,
    pub ctx: CtxCache,
    /// The text's table header, when its first line is one naming some
    /// detector's context ([`crate::columns`]).
    pub cols: Option<&'a mut crate::columns::Columns>,
    /// `from..to` of text known to be one unquoted `key=value` value
    /// ([`crate::anchors`]): a later key inside it reads on from `to`
    /// instead of again from its own start (`password=password=…` read
    /// 4 KB a key).
    pub value_run: (usize, usize),
}

#[inline]
pub(crate) fn at(t: &[u8], i: usize) -> u8 {
    t.get(i).copied().unwrap_or(0)
}

#[inline]
pub(crate) fn before(t: &[u8], i: usize) -> u8 {
    if i == 0 { 0 } else { at(t, i - 1) }
}

/// The part of `t[s - reach..s]` on the line of `s`: what stands before
/// a value on its own line, at most `reach` bytes of it.
pub(crate) fn line_before(t: &[u8], s: usize, reach: usize) -> &[u8] {
    let back = t.get(s.saturating_sub(reach)..s).unwrap_or_default();
    back.iter()
        .rposition(|&c| c == b'\n')
        .map_or(back, |q| back.get(q + 1..).unwrap_or_default())
}

#[inline]
pub(crate) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Length of the run of bytes of class `f` at `i`, counting at most
/// `max + 1` (so a run longer than `max` shows as `max + 1`).
#[inline]
pub(crate) fn run(t: &[u8], i: usize, max: usize, f: impl Fn(u8) -> bool) -> usize {
    t.get(i..)
        .map_or(0, |r| r.iter().take(max + 1).take_while(|&&c| f(c)).count())
}

/// Length of the run of bytes of class `f` that ends right before `end`,
/// counting at most `max`.
#[inline]
pub(crate) fn run_back(t: &[u8], end: usize, max: usize, f: impl Fn(u8) -> bool) -> usize {
    t.get(end.saturating_sub(max)..end)
        .map_or(0, |r| r.iter().rev().take_while(|&&c| f(c)).count())
}

/// Case-insensitive ASCII equality of `t[i..i+lit.len()]` with lower-case `lit`.
#[inline]
pub(crate) fn eq_ci(t: &[u8], i: usize, lit: &[u8]) -> bool {
    t.get(i..i + lit.len())
        .is_some_and(|s| s.iter().zip(lit).all(|(a, b)| a.to_ascii_lowercase() == *b))
}

/// True if a whole word `w` (lower-case) occurs in `hay` (lower-cased).
fn contains_word(hay: &[u8], w: &[u8]) -> bool {
    if w.is_empty() || hay.len() < w.len() {
        return false;
    }
    let mut i = 0;
    while let Some(p) = memchr::memmem::find(hay.get(i..).unwrap_or_default(), w) {
        let s = i + p;
        let e = s + w.len();
        let left = s == 0 || !hay.get(s - 1).is_some_and(|b| b.is_ascii_alphanumeric());
        let right = !hay.get(e).is_some_and(|b| b.is_ascii_alphanumeric());
        if left && right {
            return true;
        }
        i = s + 1;
    }
    false
}

/// True if any of `words` appears as a whole word within the context window
/// around `start..end` (the match itself excluded).
pub(crate) fn has_context(t: &[u8], start: usize, end: usize, words: &[&str]) -> bool {
    if words.is_empty() {
        return false;
    }
    let lo = start.saturating_sub(CONTEXT_BEFORE);
    let hi = (end + CONTEXT_AFTER).min(t.len());
    let mut a = [0u8; CONTEXT_BEFORE];
    let mut b = [0u8; CONTEXT_AFTER];
    let left = t.get(lo..start).unwrap_or_default();
    let right = t.get(end.min(hi)..hi).unwrap_or_default();
    // `left` is at most `CONTEXT_BEFORE` bytes and `right` at most
    // `CONTEXT_AFTER`, so both always fit.
    let (Some(a), Some(b)) = (a.get_mut(..left.len()), b.get_mut(..right.len())) else {
        return false;
    };
    a.copy_from_slice(left);
    b.copy_from_slice(right);
    a.make_ascii_lowercase();
    b.make_ascii_lowercase();
    words
        .iter()
        .any(|w| contains_word(a, w.as_bytes()) || contains_word(b, w.as_bytes()))
}

/// True if any of `words` appears as a whole word in the `LABEL_BEFORE`
/// bytes before `start` on its line, which end in a word (the value's
/// label: `tracking number: 6368 …`), not a word of the sentence before.
///
/// The window's ASCII words are compared whole (as [`has_context`] would
/// find them): a card column of a customer table asks this of every row,
/// and a substring search per word cost more than the row's scan.
pub(crate) fn label_word_before(
    t: &[u8],
    start: usize,
    words: &[&str],
    (lens, firsts): (u64, u32),
) -> bool {
    let lo = start.saturating_sub(LABEL_BEFORE);
    let mut left = t.get(lo..start).unwrap_or_default();
    // A label ends in a letter, then at most a `:`, `#` or spaces: a
    // value after `,` or `|` (a table's cell) is asked nothing more.
    let last = left
        .iter()
        .rev()
        .take(4)
        .find(|&&b| !matches!(b, b' ' | b':' | b'#' | b'\t'));
    if !last.is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    if let Some(nl) = memchr::memrchr(b'\n', left) {
        left = left.get(nl + 1..).unwrap_or_default();
    }
    left.split(|b| !b.is_ascii_alphanumeric()).any(|tok| {
        let first = tok
            .first()
            .map_or(0, |c| c.to_ascii_lowercase().wrapping_sub(b'a') % 32);
        !tok.is_empty()
            && lens & (1 << tok.len().min(63)) != 0
            && firsts & (1 << first) != 0
            && words.iter().any(|w| w.as_bytes().eq_ignore_ascii_case(tok))
    })
}

/// Lengths and first letters of `words`, as bit sets: most tokens fail
/// one of them before any comparison; computed at compile time for a
/// constant list, and passed to [`label_word_before`] with it.
pub(crate) const fn word_bits(words: &[&str]) -> (u64, u32) {
    let (mut lens, mut firsts) = (0u64, 0u32);
    let mut rest = words;
    while let [w, tail @ ..] = rest {
        let w = w.as_bytes();
        lens |= 1 << (if w.len() < 63 { w.len() } else { 63 });
        if let [c, ..] = w {
            firsts |= 1 << (c.to_ascii_lowercase().wrapping_sub(b'a') % 32);
        }
        rest = tail;
    }
    (lens, firsts)
}

/// How close a context word must be to vouch for an id inside a URL,
/// path, identifier or number table.
pub(crate) const LABEL_BEFORE: usize = 24;

/// True if `t[s..e]` is glued to a word by `-`, `_`, `/` or URL syntax on
/// either side, or follows a `/` (a path or URL segment); a file
/// extension after it is not a glue.
pub(crate) fn embedded(t: &[u8], s: usize, e: usize) -> bool {
    let p = before(t, s);
    let pp = if s >= 2 { at(t, s - 2) } else { 0 };
    let left = p == b'/'
        || (matches!(p, b'-' | b'_' | b'=' | b'#' | b'?' | b'&' | b'+')
            && pp.is_ascii_alphanumeric());
    // A `.` after the value is not a glue: `4111111111111111.pdf` is a
    // file named by the value, which is what a leaked file is often called.
    let n = at(t, e);
    let right = matches!(n, b'-' | b'_' | b'/' | b'&' | b'#' | b'?' | b'=')
        && (at(t, e + 1).is_ascii_alphanumeric() || n == b'/');
    left || right
}

/// True if the digits-only value `t[s..e]` sits between two other plain
/// numbers on its line, joined by spaces, tabs or `|` (a cell of a printed
/// numeric table or a number array). Commas and semicolons are not table
/// joins here: a CSV export's neighbouring fields are often other
/// sensitive values, and a card between an SSN and a phone is a card.
pub(crate) fn table_cell(t: &[u8], s: usize, e: usize) -> bool {
    // A cell has a join on both sides: a value with none next to it (a
    // CSV field: nearly every candidate) is answered without reading it.
    table_join(before(t, s)) && table_join(at(t, e)) && table_walk(t, s, e)
}

/// What joins the cells of a printed numeric table.
fn table_join(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'|')
}

/// [`table_cell`] without its early return: the walk over the plain
/// numbers on both sides.
fn table_walk(t: &[u8], s: usize, e: usize) -> bool {
    let sep = table_join;
    let digits_only = t
        .get(s..e)
        .is_some_and(|v| v.iter().all(u8::is_ascii_digit));
    if !digits_only {
        return false;
    }
    let plain = |c: u8| c.is_ascii_digit() || c == b'.';
    // Left: separators, then a plain number that starts after a separator.
    let mut i = s;
    let mut k = 0;
    while i > 0 && k < 4 && sep(at(t, i - 1)) {
        i -= 1;
        k += 1;
    }
    let mut n = 0;
    let mut dots = 0;
    while i > 0 && n < 24 && plain(at(t, i - 1)) {
        i -= 1;
        n += 1;
        dots += usize::from(at(t, i) == b'.');
    }
    // A neighbour with two dots is a date or a version (`01.04.2021`), a
    // record's field, not a cell of a table of numbers.
    let left = k > 0
        && n > 0
        && dots < 2
        && at(t, i).is_ascii_digit()
        && (i == 0 || sep(at(t, i - 1)) || at(t, i - 1) == b'\n');
    let mut j = e;
    let mut k = 0;
    while k < 4 && sep(at(t, j)) {
        j += 1;
        k += 1;
    }
    let mut n = 0;
    let mut dots = 0;
    while n < 24 && plain(at(t, j)) {
        dots += usize::from(at(t, j) == b'.');
        j += 1;
        n += 1;
    }
    let end = at(t, j);
    let right = k > 0
        && n > 0
        && dots < 2
        && (sep(end) || end == b'\n' || end == 0 || end == b']' || end == b')');
    left && right
}

/// How a candidate's confidence is adjusted.
#[derive(Clone, Copy, Default)]
pub(crate) struct Adj {
    /// Drop the candidate unless a context word is near.
    pub need_ctx: bool,
    /// The value is a known non-value (test range, placeholder): one step down.
    pub nonvalue: bool,
}

pub(crate) const PLAIN: Adj = Adj {
    need_ctx: false,
    nonvalue: false,
};
pub(crate) const NEED_CTX: Adj = Adj {
    need_ctx: true,
    nonvalue: false,
};

impl Sink<'_> {
    #[inline]
    pub(crate) fn on(&self, d: D) -> bool {
        self.bits.on.has(d as usize)
    }

    /// How far before `start` a value's label is looked for:
    /// [`LABEL_BEFORE`], but not back into a table's header line, which
    /// names each column's values, not its neighbour's (`name,phone,iban`
    /// over a first row's phone number).
    #[inline]
    pub(crate) fn label_reach(&mut self, start: usize) -> usize {
        match self.cols.as_deref_mut() {
            Some(c) => c
                .body_before(self.t, start, LABEL_BEFORE)
                .unwrap_or(LABEL_BEFORE),
            None => LABEL_BEFORE,
        }
    }

    /// True if a context word of `d` lies around `start..end`. Answered
    /// inline, without a call, inside a stretch known to hold no letter
    /// (most of number-dense text).
    #[inline(always)]
    pub(crate) fn ctx(&mut self, d: D, start: usize, end: usize) -> bool {
        (!self.ctx.surely_empty(start, end) && self.ctx_slow(d, start, end))
            || self.in_column(d, start, end)
    }

    /// True if some column of the text's table is headed with a word of
    /// `d` (a cheap test before asking [`Self::in_column`]).
    #[inline]
    pub(crate) fn column_named(&self, d: D) -> bool {
        self.cols.as_deref().is_some_and(|c| c.names(d as usize))
    }

    /// True if the value at `start..end` is in a table column whose header
    /// names `d`'s context.
    #[inline(always)]
    pub(crate) fn in_column(&mut self, d: D, start: usize, end: usize) -> bool {
        match self.cols.as_deref_mut() {
            Some(c) if c.names(d as usize) => c.has(self.t, d as usize, start, end),
            _ => false,
        }
    }

    #[inline(never)]
    fn ctx_slow(&mut self, d: D, start: usize, end: usize) -> bool {
        // In a table's first rows the header line is not local context:
        // it names each column's values (`in_column`), not its neighbours'.
        let before = match self.cols.as_deref_mut() {
            Some(c) => c
                .body_before(self.t, start, crate::ctx::CONTEXT_BEFORE)
                .unwrap_or(crate::ctx::CONTEXT_BEFORE),
            None => crate::ctx::CONTEXT_BEFORE,
        };
        self.ctx.has_within(
            self.t,
            d as usize,
            start,
            end,
            before,
            crate::ctx::CONTEXT_AFTER,
        )
    }

    /// True if a candidate of `d` that needs a context word could be
    /// reported at `start..end`. Asked before a checksum: in number-dense
    /// text the (cached) context answer is cheaper and almost always no.
    #[inline(always)]
    pub(crate) fn ctx_ok(&mut self, d: D, start: usize, end: usize) -> bool {
        self.bits.ctx.has(d as usize) && self.ctx(d, start, end)
    }

    /// Reports a candidate: `base` is the confidence of the value standing
    /// alone (checksum already counted); a context word raises it one step.
    #[inline]
    pub(crate) fn emit(&mut self, d: D, start: usize, end: usize, base: Confidence, adj: Adj) {
        if !self.on(d) || end <= start {
            return;
        }
        let has_ctx = self.bits.ctx.has(d as usize);
        let need = adj.need_ctx || self.bits.needs_ctx.has(d as usize);
        let mut ctx = has_ctx && !self.ctx.surely_empty(start, end) && self.ctx_slow(d, start, end);
        // A table column's header stands in for a word the value needs,
        // and raises a value that alone is `low` (a national phone number
        // under `TelephoneNumber`); it does not raise one reported at
        // `medium` anyway (asking costs a walk of the row, and a customer
        // table's every row would pay it).
        if !ctx && has_ctx && (need || base == Confidence::Low) {
            ctx = self.in_column(d, start, end);
        }
        if need && !ctx {
            return;
        }
        // Inside a URL, path or identifier (`fuzzer-5229304507138048`,
        // `/issues/4539…/`), or one cell of a row of numbers, an id-shaped
        // number is part of something else unless its word is right
        // before it.
        if self.bits.ids.has(d as usize) && self.part_of_something_else(d, start, end) {
            return;
        }
        let mut conf = if ctx { base.raised() } else { base };
        if adj.nonvalue {
            conf = conf.lowered();
        }
        self.out.push(Cand {
            det: d as u32,
            start,
            end,
            conf,
        });
    }

    /// True if an id at `start..end` sits inside a URL, path or identifier
    /// or in a row of numbers, without its word right before it. Out of
    /// line: most candidates of dense text are not ids and should not pay
    /// for it in `emit`.
    #[inline(never)]
    fn part_of_something_else(&mut self, d: D, start: usize, end: usize) -> bool {
        let inside = embedded(self.t, start, end);
        if !inside && !table_cell(self.t, start, end) {
            return false;
        }
        if self
            .ctx
            .mask_within(self.t, start, end, LABEL_BEFORE, 0)
            .has(d as usize)
        {
            return false;
        }
        // A cell of a tab- or `|`-separated export whose column the header
        // names (`nhs_number`) has its word: the header is the label.
        !(!inside && self.bits.ctx.has(d as usize) && self.in_column(d, start, end))
    }

    /// Reports a candidate with a fixed confidence (no context adjustment).
    pub(crate) fn emit_fixed(&mut self, d: D, start: usize, end: usize, conf: Confidence) {
        if self.on(d) && end > start {
            self.out.push(Cand {
                det: d as u32,
                start,
                end,
                conf,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The early return (no join next to the value) answers as the
        /// walk does, on rows of numbers joined every way.
        #[test]
        fn table_cell_matches_the_walk(
            t in proptest::collection::vec(proptest::prop_oneof![
                6 => b'0'..=b'9', 2 => proptest::strategy::Just(b' '),
                1 => proptest::strategy::Just(b'\t'), 1 => proptest::strategy::Just(b'|'),
                1 => proptest::strategy::Just(b','), 1 => proptest::strategy::Just(b'.'),
                1 => proptest::strategy::Just(b'\n'), 1 => proptest::prelude::any::<u8>()], 0..60),
            s in 0usize..64,
            len in 0usize..24,
        ) {
            let e = s + len;
            proptest::prop_assert_eq!(table_cell(&t, s, e), table_walk(&t, s, e));
        }
    }

    #[test]
    fn det_set_holds_every_index_it_has_room_for() {
        use crate::builtin::COUNT;
        let mut s = DetSet::default();
        for d in [0, 1, 63, 64, 127, 128, 129, 200, COUNT - 1] {
            assert!(!s.has(d));
            s.insert(d);
            assert!(s.has(d));
        }
        assert!(!s.has(126) && !s.has(130) && !s.has(COUNT - 2));
        // Past the table (custom detectors) or out of range: ignored,
        // never a panic.
        for d in [COUNT, 64 * SET_WORDS, 10_000] {
            s.insert(d);
            assert!(!s.has(d));
            s.remove(d);
        }
        let mut o = DetSet::default();
        o.insert(200);
        assert!(s.intersects(&o));
        let mut p = DetSet::default();
        p.insert(201);
        assert!(!s.intersects(&p));
        p |= o;
        assert!(p.has(200) && p.has(201));
        p.remove(200);
        assert!(!p.has(200) && p.has(201));
    }

    proptest::proptest! {
        /// Against a `Vec<bool>` of the table's size: every index of every
        /// word, and `of` at compile time agrees with `insert`.
        #[test]
        fn det_set_matches_a_bool_vector(
            xs in proptest::collection::vec(0usize..crate::builtin::COUNT + 70, 0..40),
            ys in proptest::collection::vec(0usize..crate::builtin::COUNT + 70, 0..40),
        ) {
            use crate::builtin::COUNT;
            let mut a = DetSet::default();
            let mut b = DetSet::default();
            let mut va = vec![false; COUNT];
            let mut vb = vec![false; COUNT];
            for &x in &xs {
                a.insert(x);
                if let Some(v) = va.get_mut(x) { *v = true; }
            }
            for &y in &ys {
                b.insert(y);
                if let Some(v) = vb.get_mut(y) { *v = true; }
            }
            for d in 0..COUNT + 70 {
                proptest::prop_assert_eq!(a.has(d), va.get(d).copied().unwrap_or(false));
            }
            let inter = va.iter().zip(&vb).any(|(x, y)| *x && *y);
            proptest::prop_assert_eq!(a.intersects(&b), inter);
            let mut u = a;
            u |= b;
            for d in 0..COUNT {
                proptest::prop_assert_eq!(u.has(d), va[d] || vb[d]);
            }
        }
    }

    #[test]
    fn det_set_of_is_insert() {
        let s = DetSet::of(&[D::CreditCard, D::GenericSecret, D::EsCif]);
        let mut t = DetSet::default();
        for d in [D::CreditCard, D::GenericSecret, D::EsCif] {
            t.insert(d as usize);
        }
        assert_eq!(s, t);
        assert!(s.has(D::GenericSecret as usize));
    }
}
