//! Characters read as the ASCII a detector knows: spaces, digits and a
//! number's punctuation written another way.
//!
//! French, Polish, Czech and Nordic writers put a no-break space (U+00A0)
//! or a narrow one (U+202F) between a number's groups (`01 23 45 67 89`,
//! `Tél. : …`), word processors and web pages copy them into plain text,
//! and figure and thin spaces (U+2007, U+2009) do the same in typeset
//! tables. Japanese and Chinese documents write numbers in full-width
//! forms (`０３－１２３４－５６７８`: U+FF10-FF19, the Latin letters and
//! `－（）＋．／：＠`, the ideographic space U+3000 between groups), and
//! Arabic, Persian, Indian, Bangladeshi and Thai ones in their own
//! digits (`٠٥٠١٢٣٤٥٦٧`, `۰۹۱۲…`, `०९८…`, `০১৯…`, `๐๘…`): a card number
//! or a phone number is the same number in any of them, an IBAN the same
//! IBAN. Detectors read bytes and know ASCII: before a text is scanned,
//! each of these characters (two or three bytes of UTF-8) becomes its
//! one ASCII byte, and every finding's offsets are mapped back to the
//! bytes of the input. Nothing else changes, and text without these
//! characters is scanned as it is (one pass over 64-byte blocks finds
//! that out). The escapes `\n`, `\r` and `\t` written in a string (JSON,
//! iCalendar, code) are folded to one space the same way: they separate
//! words as the characters they stand for do. A hyphen or en dash right
//! after a digit (`536–22–8726`) becomes `-`; characters that print as
//! nothing (zero-width spaces and joiners, the word joiner, U+FEFF, the
//! soft hyphen) become nothing, so that they cannot hide a card number or
//! an e-mail address from the detectors.
//!
//! The map is a list of fold points: the text offset of each byte that
//! stands for a longer character (for a character read as nothing, of the
//! byte after it), with the bytes saved up to and including it. A text
//! offset `x` is input offset `x + shift(x)`, where `shift(x)` counts the
//! bytes saved by folds before `x`.

use std::collections::VecDeque;

/// The characters folded, as UTF-8, and the byte each becomes: U+00A0,
/// U+2007, U+2009, U+202F and U+3000 a space (the first four are the set
/// the markup extractor turns into spaces too); the full-width digits,
/// Latin letters and `－（）＋．／：＠`; the decimal digits of the Arabic,
/// Persian, Devanagari, Bengali, Gurmukhi, Gujarati, Oriya, Tamil,
/// Telugu, Kannada, Malayalam, Thai and Lao scripts; and the escapes `\n`, `\r` and `\t`
/// of a JSON or iCalendar string, a C or shell literal (`"Hi,\n4111 1111
/// …"`: the `n` would glue the value to a word), unless their backslash
/// is itself escaped (`prev`, the input byte before, is a backslash:
/// `\\n`); U+2010-2013 after a digit `-`; and, to nothing
/// ([`Match::Gone`]), U+200B, U+2060, U+FEFF, U+00AD, and U+200C and
/// U+200D after an ASCII byte.
fn folded_len(b: &[u8], prev: u8) -> Match {
    // The digit `c - zero` of a character of `len` bytes.
    let digit = |len: usize, c: u8, zero: u8| Match::Full(len, b'0' + (c - zero));
    match b {
        [0xC2, 0xA0, ..] => Match::Full(2, b' '),
        // A soft hyphen: invisible unless a line breaks there.
        [0xC2, 0xAD, ..] => Match::Gone(2),
        [0xC2, _, ..] => Match::No,
        [0xC2] => Match::Prefix,
        // Arabic-Indic and Extended Arabic-Indic (Persian, Urdu) digits.
        [0xD9, c @ 0xA0..=0xA9, ..] => digit(2, *c, 0xA0),
        [0xDB, c @ 0xB0..=0xB9, ..] => digit(2, *c, 0xB0),
        [0xD9 | 0xDB, _, ..] => Match::No,
        [0xD9 | 0xDB] => Match::Prefix,
        // The Indic scripts' digits (U+0966, U+09E6, … U+0D66, each the
        // block's `…6F` byte run) and Thai's and Lao's (U+0E50, U+0ED0).
        [
            0xE0,
            0xA5 | 0xA7 | 0xA9 | 0xAB | 0xAD | 0xAF | 0xB1 | 0xB3 | 0xB5,
            c @ 0xA6..=0xAF,
            ..,
        ] => digit(3, *c, 0xA6),
        [0xE0, 0xB9 | 0xBB, c @ 0x90..=0x99, ..] => digit(3, *c, 0x90),
        [0xE0, _, _, ..] => Match::No,
        [
            0xE0,
            0xA5 | 0xA7 | 0xA9 | 0xAB | 0xAD | 0xAF | 0xB1 | 0xB3 | 0xB5 | 0xB9 | 0xBB,
        ]
        | [0xE0] => Match::Prefix,
        [0xE0, _] => Match::No,
        [0xE2, 0x80, 0x87 | 0x89 | 0xAF, ..] => Match::Full(3, b' '),
        // A hyphen, a non-breaking hyphen, a figure dash or an en dash
        // after a digit (`536–22–8726`, `4111‑1111‑…`, `(415) 555–2671`):
        // word processors, PDFs and web pages print a number's dashes so.
        // Elsewhere (`pages 4 – 7`, `Steuer‐ID`) it is punctuation, left
        // as it is.
        [0xE2, 0x80, 0x90..=0x93, ..] if prev.is_ascii_digit() => Match::Full(3, b'-'),
        // Characters that print as nothing — a zero-width space, and a
        // zero-width non-joiner or joiner after ASCII (in Persian and the
        // Indic scripts they shape words, and are kept) — are read as
        // nothing: put between a card's digits or inside an e-mail
        // address they hide it from a reader of bytes, not of text.
        [0xE2, 0x80, 0x8B, ..] => Match::Gone(3),
        [0xE2, 0x80, 0x8C | 0x8D, ..] if prev.is_ascii() => Match::Gone(3),
        [0xE2, 0x80, _, ..] => Match::No,
        // The word joiner.
        [0xE2, 0x81, 0xA0, ..] => Match::Gone(3),
        [0xE2, 0x81, _, ..] => Match::No,
        [0xE2, 0x80 | 0x81] | [0xE2] => Match::Prefix,
        [0xE3, 0x80, 0x80, ..] => Match::Full(3, b' '),
        [0xE3, 0x80, _, ..] => Match::No,
        [0xE3, 0x80] | [0xE3] => Match::Prefix,
        [0xEF, 0xBC, c @ 0x90..=0x99, ..] => digit(3, *c, 0x90),
        // Full-width Latin letters (`ＤＥ８９…`, `ＳＳＮ`).
        [0xEF, 0xBC, c @ 0xA1..=0xBA, ..] => Match::Full(3, b'A' + (c - 0xA1)),
        [0xEF, 0xBD, c @ 0x81..=0x9A, ..] => Match::Full(3, b'a' + (c - 0x81)),
        [0xEF, 0xBD, _, ..] => Match::No,
        [0xEF, 0xBC, c, ..] => match c {
            0x88 => Match::Full(3, b'('),
            0x89 => Match::Full(3, b')'),
            0x8B => Match::Full(3, b'+'),
            0x8D => Match::Full(3, b'-'),
            0x8E => Match::Full(3, b'.'),
            0x8F => Match::Full(3, b'/'),
            0x9A => Match::Full(3, b':'),
            0xA0 => Match::Full(3, b'@'),
            _ => Match::No,
        },
        // A zero-width no-break space (a byte-order mark inside a text).
        [0xEF, 0xBB, 0xBF, ..] => Match::Gone(3),
        [0xEF, 0xBB, _, ..] => Match::No,
        [0xEF, 0xBB..=0xBD] | [0xEF] => Match::Prefix,
        [b'\\', b'n' | b'r' | b't', ..] if prev != b'\\' => Match::Full(2, b' '),
        [b'\\'] if prev != b'\\' => Match::Prefix,
        _ => Match::No,
    }
}

/// True if a folded character may start at `b[i]`: its lead byte, and
/// its second byte where a first says little (`0xE3` also starts kana
/// and CJK punctuation, `0xEF` the other full-width forms, `0xD9` and
/// `0xDB` Arabic letters), so that Japanese or Arabic prose is passed
/// over without a stop at every character. A lead at the end of `b` may
/// be cut, and is a candidate.
#[inline(always)]
fn lead_at(b: &[u8], i: usize) -> bool {
    let next = b.get(i + 1).copied();
    match b.get(i) {
        Some(b'\\' | 0xC2 | 0xE2) => true,
        Some(0xD9) => next.is_none_or(|c| (0xA0..=0xA9).contains(&c)),
        Some(0xDB) => next.is_none_or(|c| (0xB0..=0xB9).contains(&c)),
        Some(0xE0) => next.is_none_or(|c| {
            matches!(
                c,
                0xA5 | 0xA7 | 0xA9 | 0xAB | 0xAD | 0xAF | 0xB1 | 0xB3 | 0xB5 | 0xB9 | 0xBB
            )
        }),
        Some(0xE3) => next.is_none_or(|c| c == 0x80),
        Some(0xEF) => next.is_none_or(|c| matches!(c, 0xBB..=0xBD)),
        _ => false,
    }
}

/// Finds the next byte that may start a folded character: a 64-byte
/// block's bytes from `0x80` up and backslashes as one bit mask (on
/// x86_64 four SSE2 `movemask`s; ASCII text has none), then each of
/// those checked by [`lead_at`].
fn next_lead(b: &[u8]) -> Option<usize> {
    const BLOCK: usize = 64;
    let mut base = 0;
    let mut blocks = b.chunks_exact(BLOCK);
    for block in &mut blocks {
        let mut m = high_or_backslash(block);
        while m != 0 {
            let i = base + m.trailing_zeros() as usize;
            if lead_at(b, i) {
                return Some(i);
            }
            m &= m - 1;
        }
        base += BLOCK;
    }
    (base..b.len()).find(|&i| lead_at(b, i))
}

/// Bit `k` set if byte `k` of the 64 in `block` is `0x80` or above, or a
/// backslash.
#[inline(always)]
fn high_or_backslash(block: &[u8]) -> u64 {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        // SAFETY: `sse2::high_or_mask` needs only SSE2, which this build
        // enables for every function (the `cfg` above: it is part of the
        // x86_64 baseline), so the CPU running this code has it. Its body
        // reads `block` through safe slice accesses only.
        #[allow(
            unsafe_code,
            reason = "SSE2 is enabled for the whole build (see SAFETY)"
        )]
        unsafe {
            crate::fastscan::sse2::high_or_mask(block, b'\\')
        }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        block.iter().enumerate().fold(0u64, |m, (k, &c)| {
            m | (u64::from(c >= 0x80 || c == b'\\') << k)
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    /// A folded character of this many bytes, and the byte it becomes.
    Full(usize, u8),
    /// A character of this many bytes read as nothing.
    Gone(usize),
    /// The start of one, cut by the end of the input so far.
    Prefix,
    No,
}

/// Where the folds of a text are, trimmed from the front as a stream
/// moves on. Offsets are absolute text offsets (after folding).
#[derive(Debug, Default, Clone)]
pub(crate) struct Folds {
    /// `(text offset of the folded byte — for a character read as
    /// nothing, of the byte after it — bytes saved by it and every fold
    /// before it)`, in order.
    points: VecDeque<(usize, usize)>,
    /// Bytes saved by folds already dropped from `points`.
    before: usize,
}

impl Folds {
    /// Bytes saved by the folds before text offset `x`.
    pub(crate) fn shift(&self, x: usize) -> usize {
        let i = self.points.partition_point(|&(p, _)| p < x);
        match i.checked_sub(1).and_then(|i| self.points.get(i)) {
            Some(&(_, saved)) => saved,
            None => self.before,
        }
    }

    /// The input span of the text span `[start, end)`.
    #[inline]
    pub(crate) fn unfold(&self, start: usize, end: usize) -> (usize, usize) {
        if self.points.is_empty() {
            return (start + self.before, end + self.before);
        }
        let s = start + self.shift(start);
        // The span's last byte may be a folded character (a full-width
        // digit): its end is the next byte's input offset, which counts
        // that character's bytes saved and no fold after it.
        let e = if end > start {
            end + self.shift(end)
        } else {
            s
        };
        (s, e.max(s))
    }

    /// Bytes saved so far.
    pub(crate) fn saved(&self) -> usize {
        self.points.back().map_or(self.before, |&(_, s)| s)
    }

    /// Forgets the folds before text offset `x` (their bytes saved are
    /// kept as the shift of everything after them).
    pub(crate) fn forget_before(&mut self, x: usize) {
        while let Some(&(p, saved)) = self.points.front() {
            if p >= x {
                break;
            }
            self.before = saved;
            self.points.pop_front();
        }
    }

    /// A fold at text offset `at` that saves `saved` bytes: a character
    /// of `len` bytes read as one saves `len - 1`, one read as nothing
    /// `len` (its point is the next byte's offset, so a span starting
    /// there starts at the character read as nothing: invisible).
    fn push(&mut self, at: usize, saved: usize) {
        let saved = self.saved() + saved;
        self.points.push_back((at, saved));
    }
}

/// Appends `src` to `dst` with the folded characters as their bytes, recording
/// each in `folds` (`base` is the text offset of `dst[0]`). A character
/// cut by the end of `src` is left in `pending` (at most two bytes) when
/// `more` says input follows, else copied as it is; `pending` from the
/// last call is read first.
pub(crate) fn append(
    dst: &mut Vec<u8>,
    base: usize,
    mut src: &[u8],
    pending: &mut Pending,
    more: bool,
    folds: &mut Folds,
) {
    // The input byte before the next one read.
    let mut prev = pending.last;
    if pending.len > 0 {
        // The cut character, completed from the start of `src`.
        let mut tmp = [0u8; 3];
        let held = pending.bytes();
        let take = (3 - held.len()).min(src.len());
        let (head, _) = src.split_at(take);
        let mut n = 0;
        for (d, &b) in tmp.iter_mut().zip(held.iter().chain(head)) {
            *d = b;
            n += 1;
        }
        let seen = tmp.get(..n).unwrap_or_default();
        match folded_len(seen, prev) {
            Match::Full(len, to) => {
                folds.push(base + dst.len(), len - 1);
                dst.push(to);
                let used = len.saturating_sub(held.len());
                prev = seen.get(len - 1).copied().unwrap_or(0);
                src = src.get(used..).unwrap_or_default();
                pending.len = 0;
            }
            Match::Gone(len) => {
                folds.push(base + dst.len(), len);
                let used = len.saturating_sub(held.len());
                src = src.get(used..).unwrap_or_default();
                pending.len = 0;
            }
            Match::Prefix if more => {
                // Still cut (a one-byte read): hold all of it.
                *pending = Pending::of(seen, prev);
                return;
            }
            Match::Prefix | Match::No => {
                dst.extend_from_slice(held);
                prev = held.last().copied().unwrap_or(prev);
                pending.len = 0;
            }
        }
    }
    loop {
        let Some(i) = next_lead(src) else {
            dst.extend_from_slice(src);
            pending.last = src.last().copied().unwrap_or(prev);
            return;
        };
        let (plain, rest) = src.split_at(i);
        dst.extend_from_slice(plain);
        if let Some(&b) = plain.last() {
            prev = b;
        }
        match folded_len(rest, prev) {
            Match::Full(len, to) => {
                folds.push(base + dst.len(), len - 1);
                dst.push(to);
                prev = rest.get(len - 1).copied().unwrap_or(0);
                src = rest.get(len..).unwrap_or_default();
            }
            // `prev` stays the byte before: `536`, a zero-width space,
            // then an en dash is still a dash after a digit.
            Match::Gone(len) => {
                folds.push(base + dst.len(), len);
                src = rest.get(len..).unwrap_or_default();
            }
            Match::Prefix if more => {
                *pending = Pending::of(rest, prev);
                return;
            }
            Match::Prefix | Match::No => {
                let (first, after) = rest.split_at(1);
                dst.extend_from_slice(first);
                prev = first.first().copied().unwrap_or(prev);
                src = after;
            }
        }
    }
}

/// The bytes of a folded character cut by the end of a chunk.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Pending {
    buf: [u8; 2],
    len: usize,
    /// The input byte before `buf` (or the last one read, when `len` is
    /// 0): an escape's backslash may itself be escaped.
    last: u8,
}

impl Pending {
    fn of(b: &[u8], last: u8) -> Self {
        let mut p = Pending {
            last,
            ..Pending::default()
        };
        for (d, &s) in p.buf.iter_mut().zip(b) {
            *d = s;
            p.len += 1;
        }
        p
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    pub(crate) fn take(&mut self) -> Pending {
        std::mem::take(self)
    }
}

/// True if a character to fold starts in `text[from..to]` (its
/// continuation bytes may lie past `to`).
pub(crate) fn holds(text: &[u8], from: usize, to: usize) -> bool {
    let mut at = from;
    while let Some(i) = text.get(at..to).and_then(next_lead) {
        let prev = if at + i > 0 {
            text.get(at + i - 1).copied().unwrap_or(0)
        } else {
            0
        };
        if let Match::Full(..) | Match::Gone(_) =
            folded_len(text.get(at + i..).unwrap_or_default(), prev)
        {
            return true;
        }
        at += i + 1;
    }
    false
}

/// A whole text folded, if it holds anything to fold.
pub(crate) fn fold(text: &[u8]) -> Option<(Vec<u8>, Folds)> {
    if !holds(text, 0, text.len()) {
        return None;
    }
    let mut out = Vec::with_capacity(text.len());
    let mut folds = Folds::default();
    append(
        &mut out,
        0,
        text,
        &mut Pending::default(),
        false,
        &mut folds,
    );
    Some((out, folds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_maps_back() {
        let input = "Tél.\u{a0}: 01\u{a0}21\u{202f}26 29\u{2009}56 – x".as_bytes();
        let (t, f) = fold(input).unwrap();
        assert_eq!(t, "Tél. : 01 21 26 29 56 – x".as_bytes());
        let s = t.windows(2).position(|w| w == b"01").unwrap();
        let e = s + "01 21 26 29 56".len();
        let (is, ie) = f.unfold(s, e);
        assert_eq!(
            std::str::from_utf8(&input[is..ie]).unwrap(),
            "01\u{a0}21\u{202f}26 29\u{2009}56"
        );
        // The en dash (E2 80 93) after a space and `é` (C3 A9) are left
        // alone.
        assert!(t.ends_with("– x".as_bytes()));
    }

    #[test]
    fn dashes_after_a_digit_fold_to_a_hyphen() {
        let d = crate::Detectors::new();
        // Whether `id` finds a value ending in the text's last digit.
        let found = |text: &str, id: &str| {
            let end = text.rfind(|c: char| c.is_ascii_digit()).unwrap() + 1;
            d.scan(text.as_bytes())
                .iter()
                .any(|f| f.detector == id && f.end == end)
        };
        assert!(found("SSN: 536\u{2013}22\u{2013}8726", "us_ssn"));
        assert!(found("SSN: 536\u{2011}22\u{2011}8726", "us_ssn"));
        assert!(found(
            "Card 4111\u{2010}1111\u{2010}1111\u{2010}1111 exp",
            "credit_card"
        ));
        assert!(found("Phone: (415) 823\u{2012}2671", "phone"));
        // Elsewhere a dash is punctuation.
        let input = "pages 4 \u{2013} 7, Steuer\u{2010}ID, 12\u{2014}13".as_bytes();
        assert!(fold(input).is_none());
        let (t, _) = fold("12\u{2013}13 \u{2013} 14".as_bytes()).unwrap();
        assert_eq!(t, "12-13 \u{2013} 14".as_bytes());
    }

    #[test]
    fn nothing_to_fold() {
        assert!(fold(b"plain 01 23 45").is_none());
        assert!(fold("caf\u{e9} \u{2013} \u{201c}q\u{201d}".as_bytes()).is_none());
        // A lone lead byte at the end is not a character.
        assert!(fold(b"x \xC2").is_none());
    }

    #[test]
    fn a_character_cut_by_a_read_waits_for_the_next() {
        let input = "a\u{202f}b\u{a0}c".as_bytes();
        for cut in 0..=input.len() {
            for cut2 in cut..=input.len() {
                let mut dst = Vec::new();
                let mut folds = Folds::default();
                let mut p = Pending::default();
                for (part, more) in [
                    (&input[..cut], true),
                    (&input[cut..cut2], true),
                    (&input[cut2..], false),
                ] {
                    append(&mut dst, 0, part, &mut p, more, &mut folds);
                }
                assert_eq!(dst, b"a b c", "cuts {cut} {cut2}");
                assert_eq!(folds.unfold(4, 5), (7, 8));
                assert_eq!(folds.unfold(2, 3), (4, 5));
            }
        }
    }

    proptest::proptest! {
        /// Any bytes (lead bytes, their continuations, cut characters),
        /// cut anywhere: the chunks fold to what the whole folds to, and
        /// every byte of the text that is not a folded space is the input
        /// byte it maps to.
        #[test]
        fn chunks_fold_as_the_whole_and_map_back(
            input in proptest::collection::vec(
                proptest::sample::select(vec![
                    0xC2u8, 0xA0, 0xE2, 0x80, 0xAF, 0x89, 0x87, 0x93, b'7', b' ', b'\\', b'n', b't',
                    0xEF, 0xBC, 0x91, 0x8D, 0xD9, 0xA3, 0xDB, 0xB4, 0xE0, 0xA7, 0xA8, 0xB9, 0xE3,
                    0xAD, 0x8B, 0x8C, 0x81, 0xBB, 0xBF,
                ]),
                0..64,
            ),
            cuts in proptest::collection::vec(0usize..64, 0..6),
        ) {
            let mut whole = Vec::new();
            let mut wf = Folds::default();
            append(&mut whole, 0, &input, &mut Pending::default(), false, &mut wf);
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(input.len())).collect();
            cuts.sort_unstable();
            let mut got = Vec::new();
            let mut gf = Folds::default();
            let mut p = Pending::default();
            let mut prev = 0;
            for c in cuts.into_iter().chain([input.len()]) {
                let more = c < input.len();
                append(&mut got, 0, &input[prev..c], &mut p, more, &mut gf);
                prev = c;
            }
            let rest = p.take();
            got.extend_from_slice(rest.bytes());
            proptest::prop_assert_eq!(&got, &whole);
            proptest::prop_assert_eq!(input.len() - whole.len(), wf.saved());
            for (x, &b) in whole.iter().enumerate() {
                // Text byte `x` stands for the input from its offset to
                // the next byte's.
                let (mut s, e) = (x + wf.shift(x), x + 1 + wf.shift(x + 1));
                // Characters read as nothing just before it are its span's
                // head.
                let before = if s > 0 { input[s - 1] } else { 0 };
                while let Match::Gone(n) = folded_len(&input[s..], before) {
                    s += n;
                }
                if s + 1 == e {
                    proptest::prop_assert_eq!(input[s], b);
                } else {
                    // A folded character: all of it, as its byte.
                    proptest::prop_assert!(matches!(folded_len(&input[s..], before), Match::Full(n, to) if n == e - s && to == b));
                }
            }
        }
    }

    proptest::proptest! {
        /// The block mask is the bytes from `0x80` up and backslashes, and
        /// the search stops at the first byte `lead_at` accepts.
        #[test]
        fn the_lead_search_is_its_byte_definition(
            input in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(vec![b'\\', 0xC2u8, 0xD9, 0xDB, 0xE0, 0xE2, 0xE3, 0xEF, 0x80, 0xBC, 0xA5, 0xA0, 0xB0]),
                    proptest::num::u8::ANY,
                ],
                0..200,
            ),
        ) {
            for block in input.chunks_exact(64) {
                let m = high_or_backslash(block);
                for (k, &c) in block.iter().enumerate() {
                    proptest::prop_assert_eq!(m >> k & 1 == 1, c >= 0x80 || c == b'\\');
                }
            }
            let want = (0..input.len()).find(|&i| lead_at(&input, i));
            proptest::prop_assert_eq!(next_lead(&input), want);
        }
    }

    /// `lead_at` is a filter in front of `folded_len`: every start of a
    /// character it folds (or may fold, cut by the end of a chunk) must
    /// pass it, or that character would never be folded.
    #[test]
    fn every_folded_start_passes_the_lead_filter() {
        for b0 in 0..=255u8 {
            for b1 in 0..=255u8 {
                for cut in [&[b0][..], &[b0, b1]] {
                    if folded_len(cut, 0) != Match::No {
                        assert!(lead_at(cut, 0), "{cut:02x?}");
                    }
                }
                for b2 in 0x80..=0xBFu8 {
                    let seq = [b0, b1, b2];
                    if let Match::Full(..) | Match::Gone(_) = folded_len(&seq, 0) {
                        assert!(lead_at(&seq, 0), "{seq:02x?}");
                    }
                }
            }
        }
    }

    #[test]
    fn escapes_of_a_string_fold_unless_escaped() {
        let input = br#"a\nb\tc\\nd\re"#;
        let (t, f) = fold(input).unwrap();
        // `\\n` is an escaped backslash and a letter: left as it is.
        assert_eq!(t, br#"a b c\\nd e"#);
        assert_eq!(f.saved(), 3);
        let e = t.len();
        assert_eq!(f.unfold(e - 1, e), (input.len() - 1, input.len()));
        assert!(fold(br#"C:\\new"#).is_none());
        assert!(fold(br#"x\"#).is_none());
    }

    /// A value after a string's `\n` is found and placed at its bytes, in
    /// a whole scan and in a stream cut inside the escape.
    #[test]
    fn a_value_after_an_escaped_line_break_is_found() {
        let text = br#"{"body": "Hi,\n4111 1111 1111 1111\nSSN\n536-22-8726"}"#;
        let d = crate::Detectors::new();
        let want = |f: &[crate::Finding]| {
            let mut got: Vec<(String, &[u8])> = f
                .iter()
                .map(|f| (f.detector.to_string(), &text[f.start..f.end]))
                .collect();
            got.sort();
            got
        };
        let whole = d.scan(text);
        assert_eq!(
            want(&whole),
            vec![
                ("credit_card".to_string(), &b"4111 1111 1111 1111"[..]),
                ("us_ssn".to_string(), &b"536-22-8726"[..]),
            ]
        );
        let cut = text.iter().position(|&c| c == b'\\').unwrap() + 1;
        let mut s = d.stream();
        let mut found = Vec::new();
        s.feed_into(&text[..cut], &mut found);
        s.feed_into(&text[cut..], &mut found);
        s.finish_into(&mut found);
        assert_eq!(want(&found), want(&whole));
    }

    #[test]
    fn digits_of_other_scripts_fold_to_ascii() {
        for (input, want) in [
            ("０３－１２３４－５６７８", "03-1234-5678"),
            ("（０３）１２３４\u{3000}５６７８", "(03)1234 5678"),
            ("＋８１　９０", "+81 90"),
            ("٠٥٠١٢٣٤٥٦٧", "0501234567"),
            ("۰۹۱۲۳۴۵۶۷۸۹", "09123456789"),
            ("०९८७६", "09876"),
            ("০১৯৪৯", "01949"),
            ("੦੧ ૨૩ ୪୫ ௬௭ ౮౯ ೦೧ ൨൩", "01 23 45 67 89 01 23"),
            ("๐๘๑๒ ໐໙", "0812 09"),
            ("ａ＠ｂ．ＪＰ", "a@b.JP"),
        ] {
            let (t, _) = fold(input.as_bytes()).unwrap();
            assert_eq!(std::str::from_utf8(&t).unwrap(), want, "{input}");
        }
        // Neighbours of the folded ranges are left alone: U+FF1A's
        // neighbour U+FF1B `；`, Devanagari's danda U+0964, Thai letters,
        // Arabic presentation forms beside the byte-order mark (U+FEFC).
        assert!(fold("；।ก\u{fefc}".as_bytes()).is_none());
    }

    #[test]
    fn characters_that_print_as_nothing_are_read_as_nothing() {
        let d = crate::Detectors::new();
        let values = |text: &str| {
            d.scan(text.as_bytes())
                .iter()
                .map(|f| (f.detector.to_string(), text[f.start..f.end].to_string()))
                .collect::<Vec<_>>()
        };
        for (label, value, id) in [
            (
                "Card:",
                "4111\u{200b}1111\u{200b}1111\u{200b}1111",
                "credit_card",
            ),
            ("Card:", "4111\u{ad}1111\u{ad}1111\u{ad}1111", "credit_card"),
            (
                "Card:",
                "4\u{2060}1\u{feff}1\u{200d}1 1111 1111 1111",
                "credit_card",
            ),
            ("SSN:", "536\u{200b}-22\u{200c}-8726", "us_ssn"),
            ("mail", "john\u{200b}.smith@exam\u{200b}ple.com", "email"),
        ] {
            let got = values(&format!("{label} {value} now"));
            assert_eq!(got, [(id.to_string(), value.to_string())], "{value:?}");
        }
        // A zero-width non-joiner inside a Persian word is part of it.
        assert!(fold("\u{645}\u{6cc}\u{200c}\u{62e}".as_bytes()).is_none());
        // A span never starts inside one: the value starts after the
        // space, at the character read as nothing that leads it.
        let (t, f) = fold("a \u{200b}42".as_bytes()).unwrap();
        assert_eq!(t, b"a 42");
        assert_eq!(f.unfold(2, 4), (2, 7));
    }

    /// A value of full-width digits is found and placed at its bytes, the
    /// last digit's three bytes included, in a whole scan and in a stream
    /// cut inside each character.
    #[test]
    fn a_full_width_card_is_found_and_placed() {
        let text = "カード番号：４１１１　１１１１　１１１１　１１１１ です".as_bytes();
        let d = crate::Detectors::new();
        let card = "４１１１　１１１１　１１１１　１１１１".as_bytes();
        let at = text.windows(card.len()).position(|w| w == card).unwrap();
        let want = vec![("credit_card".to_string(), at, at + card.len())];
        let got = |f: &[crate::Finding]| {
            f.iter()
                .map(|f| (f.detector.to_string(), f.start, f.end))
                .collect::<Vec<_>>()
        };
        assert_eq!(got(&d.scan(text)), want);
        for cut in at..at + 6 {
            let mut s = d.stream();
            let mut found = Vec::new();
            s.feed_into(&text[..cut], &mut found);
            s.feed_into(&text[cut..], &mut found);
            s.finish_into(&mut found);
            assert_eq!(got(&found), want, "cut at {cut}");
        }
    }

    #[test]
    fn forgetting_keeps_the_shift() {
        let (_, mut f) = fold("\u{a0}\u{a0}x\u{202f}y".as_bytes()).unwrap();
        // Text " " " " "x" " " "y": y at 4, input at 4 + 1 + 1 + 2 = 8.
        assert_eq!(f.unfold(4, 5), (8, 9));
        f.forget_before(3);
        assert_eq!(f.unfold(4, 5), (8, 9));
        f.forget_before(5);
        assert_eq!(f.unfold(4, 5), (8, 9));
        assert_eq!(f.saved(), 4);
    }
}
