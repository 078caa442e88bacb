//! Detectors keyed on an alphanumeric word that contains a digit: payment
//! cards, national ids, phone numbers, IPv4, dates, bank and health ids.
//!
//! The word is parsed once into a sequence of digit groups joined by single
//! separators; each detector then looks at the group shape (count, lengths,
//! separator) before it touches a checksum, so dense numeric text costs a
//! few comparisons per number.

use crate::builtin::D;
use crate::fastscan::digit_run;
use crate::kit::{Adj, DetSet, NEED_CTX, PLAIN, Sink, at, before, is_word, run, run_back};
use crate::model::Confidence::{High, Low, Medium};
use crate::validate as v;

const MAXG: usize = 8;
/// How close another identifier's label must be to veto a phone reading.
const LABEL_BEFORE: usize = 24;

/// Digit groups joined by single separators (` `, `-`, `.`, `/`).
///
/// It is built for every number in the text, so it is kept in a few
/// registers: group lengths and separators are packed one byte per group
/// into `u64`s (a group starts one byte after the previous one ends). Only
/// the last group can be longer than 200 bytes; its byte saturates at 255
/// and its exact end is kept in `end`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seq {
    base: usize,
    end: usize,
    /// Byte `i`: length of group `i` (saturating at 255), 0 past `n`.
    lens: u64,
    /// Byte `i` (1 ≤ i < n): the separator before group `i`.
    seps: u64,
    pub n: usize,
    /// Sum of the group lengths.
    total: usize,
    /// The separator used between all groups (0 for a single group), or
    /// `None` if it changes.
    uniform: Option<u8>,
}

/// Group lengths packed the way [`Seq`] keeps them.
#[inline(always)]
#[allow(
    clippy::indexing_slicing,
    reason = "`i < want.len()` is the loop condition; called on every number with a constant slice, this form folds to a constant where a slice-pattern loop measured ~3% slower on the CSV corpus"
)]
const fn pack(want: &[usize]) -> u64 {
    let mut v = 0u64;
    let mut i = 0;
    while i < want.len() && i < MAXG {
        let l = if want[i] > 255 { 255 } else { want[i] as u64 };
        v |= l << (8 * i);
        i += 1;
    }
    v
}

impl Seq {
    /// [`parse`](Self::parse) when the first group's length is known.
    #[inline]
    fn parse_known(t: &[u8], start: usize, first: usize) -> Seq {
        Seq::parse_until(t, start, first, usize::MAX)
    }

    /// [`parse_known`](Self::parse_known) that stops at the group ending
    /// at or after `limit` (a span of a longer sequence).
    #[inline(always)]
    fn parse_until(t: &[u8], start: usize, first: usize, limit: usize) -> Seq {
        let mut gl = first;
        let mut lens = 0u64;
        let mut seps = 0u64;
        let mut n = 0;
        let mut total = 0;
        let mut first_sep = 0u8;
        let mut uniform = true;
        let mut i = start;
        loop {
            i += gl;
            lens |= (gl.min(255) as u64) << (8 * n);
            total += gl;
            n += 1;
            if n == MAXG || i - start > 200 || i >= limit {
                break;
            }
            let c = at(t, i);
            if matches!(c, b' ' | b'-' | b'.' | b'/') && at(t, i + 1).is_ascii_digit() {
                seps |= u64::from(c) << (8 * n);
                if n == 1 {
                    first_sep = c;
                } else if c != first_sep {
                    uniform = false;
                }
                i += 1;
                gl = t.get(i..).map_or(0, digit_run);
            } else {
                break;
            }
        }
        Seq {
            base: start,
            end: i,
            lens,
            seps,
            n,
            total,
            uniform: uniform.then_some(first_sep),
        }
    }
    /// A number of `total` digits read as one group at `base..end`
    /// though spaces or marks stand between them ([`loose_digits`]): its
    /// digits are passed apart, never read from the text.
    fn spread(base: usize, end: usize, total: usize) -> Seq {
        Seq {
            base,
            end,
            lens: total.min(255) as u64,
            seps: 0,
            n: 1,
            total,
            uniform: Some(0),
        }
    }
    /// Absolute bounds of group `i` (`i < n`).
    #[inline]
    fn grp(&self, i: usize) -> (usize, usize) {
        let mut s = self.base;
        for k in 0..i.min(MAXG) {
            s += ((self.lens >> (8 * k)) & 0xff) as usize + 1;
        }
        if i + 1 == self.n {
            (s, self.end)
        } else {
            (
                s,
                s + ((self.lens >> (8 * i.min(MAXG - 1))) & 0xff) as usize,
            )
        }
    }
    /// Length of group `i`, 0 past the last group.
    #[inline]
    fn len(&self, i: usize) -> usize {
        if i >= self.n {
            return 0;
        }
        let l = ((self.lens >> (8 * i)) & 0xff) as usize;
        if l == 255 {
            let (a, b) = self.grp(i);
            b - a
        } else {
            l
        }
    }
    fn lens(&self) -> impl Iterator<Item = usize> + Clone + '_ {
        (0..self.n).map(|i| self.len(i))
    }
    /// The separators, byte `i` before group `i` (0 where there is none).
    #[inline]
    fn sep(&self) -> [u8; MAXG] {
        self.seps.to_le_bytes()
    }
    #[inline]
    fn total(&self) -> usize {
        self.total
    }
    #[inline]
    fn start(&self) -> usize {
        self.base
    }
    #[inline]
    fn end(&self) -> usize {
        self.end
    }
    /// The separator used between all groups (0 for a single group), or
    /// `None` if it changes.
    #[inline]
    fn uniform(&self) -> Option<u8> {
        self.uniform
    }
    /// Exactly these group lengths (all at most 255).
    #[inline(always)]
    fn shape(&self, want: &[usize]) -> bool {
        self.n == want.len() && self.lens == pack(want)
    }
    /// All digits of the sequence, concatenated (at most 32), into `buf`.
    #[inline]
    fn digits<'b>(&self, t: &[u8], buf: &'b mut [u8; 48]) -> &'b [u8] {
        let mut len = 0;
        let mut a = self.base;
        // Group lengths from the low byte up, one shift a group.
        let mut lens = self.lens;
        for i in 0..self.n {
            let b = if i + 1 == self.n {
                self.end
            } else {
                a + (lens & 0xff) as usize
            };
            lens >>= 8;
            let k = (b - a).min(32 - len);
            // A fixed 16-byte copy (no memcpy call) covers most groups.
            match (buf.get_mut(len..len + 16), t.get(a..a + 16)) {
                (Some(dst), Some(src)) if k <= 16 => dst.copy_from_slice(src),
                _ => {
                    for (x, &c) in buf
                        .get_mut(len..len + k)
                        .unwrap_or_default()
                        .iter_mut()
                        .zip(t.get(a..b).unwrap_or_default())
                    {
                        *x = c;
                    }
                }
            }
            len += k;
            a = b + 1;
        }
        buf.get(..len).unwrap_or_default()
    }
}

fn num(s: &[u8]) -> u32 {
    s.iter().fold(0u32, |a, &c| {
        a.wrapping_mul(10)
            .wrapping_add(u32::from(c.wrapping_sub(b'0')))
    })
}

/// Longest digit run walked back by [`number_before`].
const GROUP_BACK: usize = 24;

/// True if the digits ending right before `sep` (a separator) are a
/// number's group, so the digits after `sep` may continue that number:
/// not when they end a word that holds letters (`app/prod-alb/2e07d2828f1242
/// 10.26.77.16`, a load balancer's hex id before a client's address,
/// which the number walk never read). Asked only for a digit after a
/// separator after a digit.
#[inline]
pub(crate) fn number_before(t: &[u8], sep: usize) -> bool {
    let digits = run_back(t, sep, GROUP_BACK, |c| c.is_ascii_digit());
    !before(t, sep - digits).is_ascii_alphabetic()
}

/// Nothing glued on the left: not a word character, and not a digit group
/// that this one would continue (`12-` / `12 ` / `12.` before it).
pub(crate) fn left_ok(t: &[u8], s: usize) -> bool {
    let p = before(t, s);
    if p.is_ascii_alphanumeric() || p == b'_' {
        return false;
    }
    !(matches!(p, b'-' | b'.' | b'/' | b' ')
        && s >= 2
        && at(t, s - 2).is_ascii_digit()
        && number_before(t, s - 1))
}

/// Nothing glued on the right; with `spaces`, a following ` 123` also
/// counts as a continuation.
pub(crate) fn right_ok(t: &[u8], e: usize, spaces: bool) -> bool {
    let n = at(t, e);
    if n.is_ascii_alphanumeric() || n == b'_' {
        return false;
    }
    let cont = matches!(n, b'-' | b'.' | b'/') || (spaces && n == b' ');
    !(cont && at(t, e + 1).is_ascii_digit())
}

/// Entry point: `t[ws..we]` is an alphanumeric word containing a digit.
pub(crate) fn word(sk: &mut Sink<'_>, ws: usize, we: usize) {
    let t = sk.t;
    let letters = t.get(ws..we).map_or(0, |w| {
        w.iter().take_while(|c| c.is_ascii_alphabetic()).count()
    });
    if letters == 0 {
        let first_run_end = t.get(ws..we).map_or(ws, |w| {
            ws + w.iter().take_while(|c| c.is_ascii_digit()).count()
        });
        digit_first(sk, ws, we, first_run_end);
    } else {
        alpha_first(sk, ws, we, letters);
    }
}

/// A number or word `t[ws..we]` before a `<` (a passport's machine-readable
/// zone), a `=` (a magnetic stripe's track 2) or a `$` (SHA-crypt's and
/// MD5-crypt's `$6$`, `$5$`, `$1$`). Out of line: numbers are followed by
/// none of them in nearly all text.
#[cold]
#[inline(never)]
fn before_mark(sk: &mut Sink<'_>, ws: usize, we: usize) {
    if at(sk.t, we) == b'<' {
        crate::ids::mrz(sk, ws);
    } else if at(sk.t, we) == b'=' {
        crate::pci::track2(sk, ws, we);
    } else if before(sk.t, ws) == b'$' {
        crate::hashes::at_dollar_word(sk, ws);
    }
}

/// Entry point for a word that starts with a digit: `t[ws..run_end]` are
/// its leading digits. Returns where the number ends (at or after `we`):
/// digit groups up to there continue it.
#[inline]
pub(crate) fn digit_first(sk: &mut Sink<'_>, ws: usize, we: usize, run_end: usize) -> usize {
    if matches!(at(sk.t, we), b'<' | b'$' | b'=') {
        before_mark(sk, ws, we);
    }
    let end = if run_end == we {
        digits_word(sk, ws, run_end - ws)
    } else {
        mixed_digit_first(sk, ws, we, run_end);
        we
    };
    // MAC addresses keyed on a group of two (`3c-22-…`) or four
    // (`3c22.fb9a.1e07`), Zoho tokens on `1000.`, prefixed UUIDs on an
    // eight-digit first group: one compare for every other number.
    if matches!(we - ws, 2 | 4 | 8) {
        short_group_forms(sk, ws, we);
    }
    if we - ws == 12 && run_end != we {
        crate::net::mac_bare(sk, ws, we);
    }
    end.max(we)
}

#[inline(never)]
fn short_group_forms(sk: &mut Sink<'_>, ws: usize, we: usize) {
    mac_dash(sk, ws, we);
    crate::net::mac_dotted(sk, ws, we);
    // `1000.3f…`: the number walk reads `1000.3` and skips the hex after
    // it, so the token is tried from its prefix.
    if sk.t.get(ws..we + 1) == Some(&b"1000."[..]) {
        crate::creds::zoho(sk, ws);
    }
    // A prefixed UUID's first group in digits only (`sdk-47809323-…`):
    // the number walk may read the groups after it as its own.
    if we - ws == 8 && before(sk.t, ws) == b'-' {
        crate::creds::digits_after_dash(sk, ws);
    }
}

/// A word of digits only (possibly continued by separators and more
/// groups); its first `first` bytes are digits.
///
/// Returns the end of the number's last group: the groups after the first
/// continue it, and no detector starts there.
fn digits_word(sk: &mut Sink<'_>, ws: usize, first: usize) -> usize {
    let seq = Seq::parse_known(sk.t, ws, first);
    digits_seq(sk, ws, &seq, false);
    if seq.n >= 2 && has_space(seq.seps) && needs_split(&seq) {
        return split_adjacent(sk, ws);
    }
    // Six groups or more, or a space, dash or slash next (one test of a
    // bit mask: a CSV's numbers end at `,`): maybe a number printed
    // loosely.
    const NEXT: u64 = 1 << b' ' | 1 << b'-' | 1 << b'/';
    let c = at(sk.t, seq.end());
    if seq.n >= SPACED_GROUPS || (c < 64 && NEXT >> c & 1 != 0) {
        return loose_tail(sk, ws, &seq).max(seq.end());
    }
    seq.end()
}

/// [`loose_digits`] for a number whose walk `seq` may have stopped inside
/// a loose print: six groups or more joined by spaces, the first of one
/// digit (a number printed digit by digit), or a dash or slash with
/// spaces beside it next (groups so joined). Returns `ws` if neither.
#[cold]
#[inline(never)]
fn loose_tail(sk: &mut Sink<'_>, ws: usize, seq: &Seq) -> usize {
    if seq.n >= SPACED_GROUPS && seq.len(0) == 1 && seq.uniform() == Some(b' ') {
        loose_digits(sk, ws, Loose::Spaced)
    } else if loose_join(sk.t, seq.end()).1 {
        loose_digits(sk, ws, Loose::Joined)
    } else {
        ws
    }
}

/// Fewest groups of a number printed digit by digit ([`loose_digits`]).
const SPACED_GROUPS: usize = 6;
/// Most bytes read of a loosely printed number, and most digits.
const LOOSE_MAX: usize = 96;
const LOOSE_DIGITS: usize = 32;

/// Ids without a check of their own (a passport's, a DNI's, an account's
/// or a record's number): never taken from a number printed loosely,
/// where only a check tells an id from a row of figures.
const UNCHECKED_IDS: DetSet = DetSet::of(&[
    D::ArDni,
    D::PassportNumber,
    D::CrCpf,
    D::PhSss,
    D::PhPhilhealth,
    D::PhUmid,
    D::BankAccount,
    D::HealthPlanId,
    D::MedicalRecordNumber,
]);

/// How a number is printed loosely ([`loose_digits`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Loose {
    /// A digit (or a few) at a time between spaces.
    Spaced,
    /// Groups joined by a dash or slash with spaces beside it.
    Joined,
}

/// The bytes of a separator of a loosely printed number at `i`, 0 if
/// none: up to three spaces, or a dash (`-`, U+2012-2014, U+2212) or a
/// slash with up to three spaces on either side; followed by a digit.
/// The second value says whether it is a dash or slash with a space.
#[cold]
#[inline(never)]
fn loose_join(t: &[u8], i: usize) -> (usize, bool) {
    if !matches!(
        (at(t, i), at(t, i + 1)),
        (b' ', b' ' | b'-' | b'/' | 0xE2 | b'0'..=b'9') | (b'-' | b'/', b' ' | b'0'..=b'9')
    ) {
        return (0, false);
    }
    let before = run(t, i, 3, |c| c == b' ');
    let p = i + before;
    let mark = match (at(t, p), at(t, p + 1), at(t, p + 2)) {
        (b'-' | b'/', _, _) => 1,
        (0xE2, 0x80, 0x92..=0x94) | (0xE2, 0x88, 0x92) => 3,
        _ => 0,
    };
    let after = if mark > 0 {
        run(t, p + mark, 3, |c| c == b' ')
    } else {
        0
    };
    let len = before + mark + after;
    if len == 0 || before > 3 || after > 3 || !at(t, i + len).is_ascii_digit() {
        return (0, false);
    }
    (len, mark > 0 && before + after > 0)
}

/// A number printed loosely, next to the word of an id with a check: a
/// digit (or a few) at a time between spaces — a form's boxes read by
/// OCR or copied out of a PDF (`3 1 0 1 8 8 4 2 0`, `0 1 4 0 3 3 9 6   0
/// 1 6 3 …`, `0 4 4 0 0 6 4 – 6 – 4 …`; groups of up to three digits,
/// most of one) — or in groups joined by a dash or slash with spaces
/// beside it, as typed forms and PDFs print them (`536 - 22 - 8726`,
/// `317 - 81 - 11175`, `202/ 106/ 08312`, `06 – 0177 – 0140 367 – 01`).
/// Its digits joined are that id if its check holds: the ids of the
/// tables by length ([`crate::ids::digit_ids_of`]: some ninety
/// countries' tax, company and personal numbers), and the SSN, cards and
/// the other common ids [`long_number`] reads by hand, each asked here
/// ([`loose_own_ids`]: passing that walk the digits apart cost every long
/// number 0.7% more instructions on the CSV benchmark). Returns the end
/// of the digits read when an id was found there (they are one number),
/// else `ws`.
#[cold]
#[inline(never)]
fn loose_digits(sk: &mut Sink<'_>, ws: usize, how: Loose) -> usize {
    let t = sk.t;
    let mut buf = [0u8; LOOSE_DIGITS];
    let (mut n, mut groups, mut singles, mut joined) = (0, 0, 0, false);
    let mut i = ws;
    let mut end = ws;
    loop {
        let g = t.get(i..).map_or(0, digit_run);
        if g == 0 || (how == Loose::Spaced && g > 3) || n + g > LOOSE_DIGITS {
            break;
        }
        for (x, &c) in buf
            .iter_mut()
            .skip(n)
            .zip(t.get(i..i + g).unwrap_or_default())
        {
            *x = c;
        }
        n += g;
        groups += 1;
        singles += usize::from(g == 1);
        i += g;
        end = i;
        let (len, spaced_mark) = loose_join(t, i);
        if len == 0 || i + len - ws > LOOSE_MAX {
            break;
        }
        joined |= spaced_mark;
        i += len;
    }
    let shape_ok = match how {
        Loose::Spaced => singles * 3 >= groups * 2,
        Loose::Joined => joined,
    };
    // Another group after it (a long one, or past the most read) or a
    // word glued on: part of something else.
    if n < 7 || !shape_ok || !right_ok(t, end, true) || sk.ctx.surely_empty(ws, end) {
        return ws;
    }
    let d = buf.get(..n).unwrap_or_default();
    if d.iter().all(|&c| Some(&c) == d.first()) {
        return ws;
    }
    let near = sk.ctx.mask_within(
        t,
        ws,
        end,
        crate::kit::CONTEXT_BEFORE,
        crate::kit::CONTEXT_AFTER,
    );
    if !near.intersects(&sk.bits.ctx) {
        return ws;
    }
    // The digits are read as the contiguous number they stand for, and of
    // what that reading reports only ids with a check whose word is near
    // are kept, at `medium` at most: a row of figures is no id by a check
    // alone.
    let seq = Seq::spread(ws, end, n);
    let first = sk.out.len();
    digit_ids(sk, &seq, d);
    loose_own_ids(sk, &seq, d, &near);
    let mut kept = first;
    for k in first..sk.out.len() {
        let Some(&(mut c)) = sk.out.get(k) else {
            break;
        };
        let det = c.det as usize;
        if near.has(det) && !UNCHECKED_IDS.has(det) {
            // Read loosely, at most `medium` (a reading, not a print).
            c.conf = c.conf.min(Medium);
            if let Some(slot) = sk.out.get_mut(kept) {
                *slot = c;
            }
            kept += 1;
        }
    }
    sk.out.truncate(kept);
    if kept > first { end } else { ws }
}

/// A digit string's check.
type Check = fn(&[u8]) -> bool;

/// The ids [`long_number`] reads by hand, for [`loose_digits`]: each
/// whose word is `near` and whose check holds, reported `low` (`medium`
/// with its word). Cards too, by their brand and Luhn digit.
fn loose_own_ids(sk: &mut Sink<'_>, seq: &Seq, d: &[u8], near: &DetSet) {
    let (s, e) = (seq.start(), seq.end());
    let own: &[(D, Check)] = match d.len() {
        9 => &[
            (D::NlBsn, v::nl_bsn),
            (D::CaSin, v::luhn),
            (D::AuTfn, v::au_tfn),
        ],
        10 => &[(D::UkNhs, v::uk_nhs)],
        11 => &[
            (D::DeTaxId, v::de_tax_id),
            (D::PlPesel, |d| v::pl_pesel(d) && pesel_date(d)),
            (D::NoFnr, |d| v::no_fnr(d) && no_fnr_date(d)),
        ],
        12 => &[(D::InAadhaar, |d| {
            matches!(d.first(), Some(b'2'..=b'9')) && v::verhoeff(d)
        })],
        _ => &[],
    };
    for &(id, check) in own {
        if near.has(id as usize) && check(d) {
            sk.emit(id, s, e, Low, NEED_CTX);
        }
    }
    if d.len() == 9 && near.has(D::UsSsn as usize) {
        ssn_itin(sk, seq, 0, d);
    }
    if (13..=19).contains(&d.len())
        && near.has(D::CreditCard as usize)
        && card_brand(d)
        && v::luhn(d)
        && !is_test_card(d)
    {
        sk.emit(D::CreditCard, s, e, Low, NEED_CTX);
    }
}

/// True if a separator of a [`Seq`] is a space (a zero byte of
/// `seps ^ 0x20…20`; bytes without a separator hold 0, never 0x20).
#[inline(always)]
fn has_space(seps: u64) -> bool {
    let x = seps ^ 0x2020_2020_2020_2020;
    x.wrapping_sub(0x0101_0101_0101_0101) & !x & 0x8080_8080_8080_8080 != 0
}

/// True if a space-joined sequence may hold several values side by side:
/// its separators change (`4111111111111111 4111-1111-…`), a group is a
/// contiguous number of its own (`536228726 4111111111111111`), or it runs
/// on past the groups one [`Seq`] holds.
#[inline(never)]
fn needs_split(seq: &Seq) -> bool {
    // A long run of short numbers joined by single spaces alone is a
    // table (PostScript arrays, number lists): not split.
    seq.uniform() != Some(b' ') || seq.lens().any(|l| l >= 7)
}

/// Most groups and bytes one run of adjacent values is split into.
const SPLIT_GROUPS: usize = 24;
const SPLIT_BYTES: usize = 256;

/// Neighbouring values on one line joined by single spaces (three card
/// numbers in three notations, an SSN beside a card): the sequence is cut
/// at its spaces into segments of groups joined by other separators, and
/// each value is looked for from the left, longest first — one segment,
/// or a whole run of spaced short groups (a spaced card or SSN; never a
/// part of a longer run, which is a row of numbers). Returns the end of
/// the last group looked at.
#[inline(never)]
fn split_adjacent(sk: &mut Sink<'_>, ws: usize) -> usize {
    let t = sk.t;
    // Segments: (start, end, groups in it, longest group).
    let mut segs = [(0usize, 0usize, 0usize, 0usize); SPLIT_GROUPS];
    let mut nseg = 0;
    let mut i = ws;
    let mut groups = 0;
    let mut seg_start = ws;
    let mut seg_groups = 0;
    let mut seg_long = 0;
    loop {
        let gl = t.get(i..).map_or(0, digit_run);
        i += gl;
        groups += 1;
        seg_groups += 1;
        seg_long = seg_long.max(gl);
        let c = at(t, i);
        let more = matches!(c, b' ' | b'-' | b'.' | b'/')
            && at(t, i + 1).is_ascii_digit()
            && groups < SPLIT_GROUPS
            && i - ws < SPLIT_BYTES;
        if !more || c == b' ' {
            if let Some(x) = segs.get_mut(nseg) {
                *x = (seg_start, i, seg_groups, seg_long);
                nseg += 1;
            }
            seg_start = i + 1;
            seg_groups = 0;
            seg_long = 0;
        }
        if !more {
            break;
        }
        i += 1;
    }
    let end = i;
    // The run as a whole must stand free on the right.
    let last_free = right_ok(t, end, true);
    let mut a = 0;
    while a < nseg {
        let Some(&(s0, _, _, _)) = segs.get(a) else {
            break;
        };
        // Spans of several segments are a whole run of spaced short
        // groups: its end, or the segment alone.
        let short = |x: Option<&(usize, usize, usize, usize)>| {
            x.is_some_and(|&(_, _, g, l)| g == 1 && l <= 6)
        };
        let mut b_max = a;
        if short(segs.get(a)) {
            while short(segs.get(b_max + 1)) {
                b_max += 1;
            }
        }
        let run_ok = b_max - a < 6 && (a == 0 || !short(segs.get(a - 1)));
        let mut found = None;
        for b in (a..=b_max).rev() {
            if b != a && (b != b_max || !run_ok) {
                continue;
            }
            let Some(&(_, e, _, _)) = segs.get(b) else {
                continue;
            };
            if b + 1 == nseg && !last_free {
                continue;
            }
            let first = t.get(s0..).map_or(0, digit_run);
            let span = Seq::parse_until(t, s0, first, e);
            if span.end() != e {
                continue;
            }
            let before_len = sk.out.len();
            digits_seq(sk, s0, &span, true);
            if sk.out.len() > before_len {
                found = Some(b);
                break;
            }
        }
        a = found.map_or(a + 1, |b| b + 1);
    }
    end
}

/// `loose`: a span of a longer space-joined run, whose neighbours on the
/// line are other values (no phone reading; a space and digits on either
/// side do not continue it).
#[inline(always)]
fn digits_seq(sk: &mut Sink<'_>, ws: usize, seq: &Seq, loose: bool) {
    let t = sk.t;
    let p = before(t, ws);
    // Brazil's alphanumeric CNPJ in its printed layout, `12.ABC.345/01DE-35`:
    // two digits, then a dot where the numeric walk stops at a letter.
    if at(t, ws + 2) == b'.' && at(t, ws + 10) == b'/' {
        br_cnpj_alnum(sk, ws);
    }
    // An IBAN with its country code apart ("DE 89 3704 …") is keyed on
    // its check digits.
    if p == b' '
        && ws >= 3
        && at(t, ws - 2).is_ascii_uppercase()
        && at(t, ws - 3).is_ascii_uppercase()
        && !before(t, ws - 3).is_ascii_alphanumeric()
    {
        iban(sk, ws - 3, 0);
    }
    // A VAT number whose country code stands apart (`DE 181 207 708`).
    if matches!(p, b' ' | b':' | b'-' | b'.')
        && ws >= 2
        && (at(t, ws - 2).is_ascii_alphabetic()
            || matches!(at(t, ws - 2), b' ' | b'-' | b':' | b'.'))
    {
        crate::ids::eu_vat_before(sk, ws, seq.total());
        // A Venezuelan RIF with its letter apart: `J-31234567-5`.
        if p == b'-'
            && matches!(seq.len(0), 8 | 9)
            && matches!(
                at(t, ws - 2),
                b'V' | b'E' | b'J' | b'P' | b'G' | b'v' | b'e' | b'j' | b'p' | b'g'
            )
        {
            crate::ids::ve_rif(sk, ws - 2);
        }
    }
    // A Mexican RFC in groups (`GODE 561231 GR8`, `MAB-930714-8T4`):
    // its date after the name letters and a separator.
    if matches!(p, b' ' | b'-') && seq.len(0) == 6 && ws >= 4 && at(t, ws - 2).is_ascii_alphabetic()
    {
        crate::ids::mx_rfc_apart(sk, ws);
    }
    let total = seq.total();
    // A card's security code (`CVV: 123`, a lone three or four digits)
    // or a Medicare HICN (an SSN's nine digits before a letter): both
    // rare, asked out of line.
    if (seq.n == 1
        && total.wrapping_sub(3) < 2
        && (p != b',' || sk.column_named(D::CardSecurityCode)))
        || (total == 9 && matches!(at(t, seq.end()) | 0x20, b' ' | b'-' | b'a'..=b'z'))
    {
        code_or_hicn(sk, ws, seq, p);
    }
    // A lone group of up to 6 digits (ids, quantities) is none of the
    // shapes below unless it has 4 digits (a year), 6 and a '+' after (a
    // HETU date: before '-' and a digit six digits are two groups, before
    // a letter a mixed word) or a '+' / '(' in front (a phone number): the
    // common case in dense text.
    // (`AB 123456 C`, six digits between spaces, may be a NINO with its
    // prefix and suffix apart.)
    if seq.n == 1 && total < 7 && total != 4 {
        let next = if total == 6 { at(t, seq.end()) } else { 0 };
        // (`030 / 1234567`: an area code before a spaced separator.)
        if next != b'+'
            && !matches!(p, b'+' | b'(')
            && !(total >= 2
                && matches!(at(t, seq.end()), b' ' | b'-' | b'/')
                && loose_sep(t, seq.end()) > 0)
        {
            if next == b' ' && p == b' ' {
                nino_six(sk, ws, seq.end());
            }
            return;
        }
    }
    let lok = if loose {
        left_ok(t, ws) || before(t, ws) == b' '
    } else {
        left_ok(t, ws)
    };
    let end = seq.end();
    let rok = right_ok(t, end, !loose);

    // Phone numbers decide their own start ('+', '(') and extent; every
    // form has at least 7 digits or a '+'/'(' in front.
    // Without '+' or '(' every phone form (NANP, trunk 0, bare run) has
    // 10-11 digits.
    let maybe_phone = p == b'+'
        || p == b'('
        || (10..=11).contains(&total)
        || (t.get(ws..ws + 2) == Some(&b"00"[..]) && seq.n >= 2)
        || (at(t, ws) == b'0' && total == 9 && seq.n >= 2)
        // Shorter and longer national numbers (8 digits in Denmark and
        // Norway) only next to a phone word.
        // (Up to 15: an E.164 number written without its `+`, or after
        // `00`, next to a phone word: `Tel: 00436123456789`.)
        || ((if seq.n >= 2 { 6 } else { 7 }..=15).contains(&total)
            // Not the rest of `(722) 806-9063`, whose walk starts at `(`.
            && !(p == b' ' && ws >= 2 && at(t, ws - 2) == b')')
            && sk.ctx_ok(D::Phone, ws, seq.end()))
        // An area code before a separator with a space on one side or
        // both (`0176/ 12345678`, `030 / 1234567`, `010 - 123 45 67`),
        // next to a phone word.
        || (seq.n == 1
            && (2..=5).contains(&total)
            && loose_sep(t, seq.end()) > 0
            && sk.ctx_ok(D::Phone, ws, seq.end()))
        // No phone word, but what stands around it (see `phone_cue`).
        // (In groups: a run of digits without a word is asked below, where
        // ten or eleven digits come.)
        || (seq.n >= 2 && (7..=13).contains(&total) && phone_cue(sk, ws, seq.end()));
    // A bare run of digits is a phone number only next to phone wording:
    // ask the (cached) context first and skip the walk otherwise.
    let bare = seq.n == 1 && p != b'+' && p != b'(' && !matches!(at(t, seq.end()), b'x' | b' ');
    // A span of a longer run is read as a phone number only in groups
    // joined by dashes or dots (`914-349-8600 04/21/2020`: the date after
    // it is the run's next value).
    let phone_span = !loose || (seq.n >= 3 && matches!(seq.uniform(), Some(b'-' | b'.')));
    if phone_span
        && maybe_phone
        && sk.on(D::Phone)
        && (!bare
            || sk.ctx(D::Phone, ws, seq.end())
            || p == b'*' && x12_element(t, ws, b"PER", X12_PHONE)
            // A signature's `T: 6175061782` (the walk raises it).
            || p == b' ' && ws >= 2 && at(t, ws - 2) == b':' && signature_label(t, ws, seq.end())
            || p == b'=' && sms_query(t, ws)
            || p == b' ' && code_sent_to(t, ws))
    {
        phone(sk, ws);
    }
    if lok && seq.len(0) == 6 {
        fi_hetu(sk, seq);
        if seq.n == 1 {
            se_plus(sk, seq);
        }
    }
    if lok {
        match seq.n {
            1 => match seq.len(0) {
                4 => year_word_dob(sk, seq),
                8 => {
                    es_dni(sk, ws);
                    // An Albanian NIPT with its letters apart: `J 98624806 P`.
                    if p == b' ' && ws >= 2 && matches!(at(t, ws - 2), b'A'..=b'M') {
                        crate::ids::al_nipt_apart(sk, ws - 2, ws);
                    }
                    // `65170839 J 003`: a pension insurance number.
                    if at(t, end) == b' ' && at(t, end + 1).is_ascii_alphabetic() {
                        crate::ids::de_rvnr(sk, ws);
                    }
                }
                // The digits of a NIE written apart: X-1234567-L.
                7 if matches!(before(t, ws), b'-' | b' ') && ws >= 2 => es_nie(sk, ws - 2),
                _ => {}
            },
            // `65 170839 J 003`: a German pension insurance number.
            2 if seq.shape(&[2, 6])
                && at(t, end) == b' '
                && at(t, end + 1).is_ascii_alphabetic() =>
            {
                crate::ids::de_rvnr(sk, ws);
            }
            // A Czech bank account, `[prefix-]number/bank`
            // (`19-2000145399/0800`): a slash before a last group of four,
            // and before it one group, or two joined by a dash (a date's
            // `12/05/2020` has two slashes).
            2 => {
                if rok && seq.sep().get(1) == Some(&b'/') {
                    cz_bank_account(sk, seq);
                }
            }
            3 => {
                if rok && seq.sep().get(1..3) == Some(&b"-/"[..]) {
                    cz_bank_account(sk, seq);
                }
                date_of_birth(sk, seq);
                if seq.shape(&[2, 2, 2]) {
                    nino_spaced(sk, seq);
                }
                if seq.shape(&[2, 3, 3]) && seq.uniform() == Some(b'.') {
                    es_dni(sk, ws);
                }
            }
            _ => {
                ipv4(sk, seq);
                date_of_birth(sk, seq);
            }
        }
    }
    // Everything below has at least 7 digits: most numbers in dense
    // numeric text stop here.
    // A Chilean RUT: digits (dotted in thousands or not), `-` and its
    // check character, which may be the letter K.
    if lok
        && (7..=9).contains(&total)
        && (seq.n == 1
            || seq.sep().get(1) == Some(&b'.')
            || seq.sep().get(seq.n - 1) == Some(&b'-'))
    {
        let last_dash =
            seq.n > 1 && seq.sep().get(seq.n - 1) == Some(&b'-') && seq.len(seq.n - 1) == 1;
        if at(t, end) == b'-' || last_dash {
            crate::ids::cl_rut(sk, ws);
            // A Brazilian RG in the same print: `31.203.131-2`.
            crate::ids::br_rg(sk, ws);
        }
    }
    // A Colombian NIT with its check digit set apart by a dash between
    // spaces (`800226098 - 4`, `890 981 268 — 4`), as invoices print it.
    if lok && rok && (7..=15).contains(&total) && at(t, end) == b' ' {
        nit_check_apart(sk, seq, end);
    }
    // `1 75 08 2B 033 078 87`: a NIR of Corsica, read up to its `2`.
    if !rok && lok && seq.shape(&[1, 2, 2, 1]) && matches!(at(t, end), b'A' | b'B') {
        fr_insee_corsica(sk, ws, end + 1, 0);
    }
    if !rok && lok && total == 9 && matches!(at(t, end), b'M' | b'T' | b'I') {
        ch_uid_suffixed(sk, ws, seq, end);
    }
    if !lok || !rok || total < 7 {
        return;
    }
    // A single group is its own digit string; only grouped numbers are
    // concatenated.
    if total < 9 {
        // 7 or 8 digits: a licence number, which has no checksum, and the
        // few ids of that length (SEDOL, CVR, IRD, a BSN or Israeli id
        // without its leading zero), all context-keyed.
        if seq.n == 1 {
            us_dl_digits(sk, seq.start(), end, total);
        }
        if !sk.ctx.surely_empty(seq.start(), end)
            && sk
                .ctx
                .mask_within(
                    t,
                    seq.start(),
                    end,
                    crate::kit::CONTEXT_BEFORE,
                    crate::kit::CONTEXT_AFTER,
                )
                .intersects(&SHORT_IDS)
        {
            let mut buf = [0u8; 48];
            let d = seq.digits(t, &mut buf);
            digit_ids(sk, seq, d);
            if seq.n == 3 && seq.uniform() == Some(b'-') {
                cr_cpf_unpadded(sk, seq);
            }
        }
        return;
    }
    long_number(sk, ws, seq);
}

/// A Costa Rican cédula printed without its groups' leading zeros
/// (`1-200-589` for `01-0200-0589`: province, volume and entry, each
/// usually printed so), next to its word. Volume and entry of two digits
/// or more (seven digits in all, as every number here has), and not a
/// calendar day (`1-12-1980`).
#[cold]
#[inline(never)]
fn cr_cpf_unpadded(sk: &mut Sink<'_>, seq: &Seq) {
    let t = sk.t;
    let (b, c) = (seq.len(1), seq.len(2));
    if !(2..=4).contains(&b) || !(2..=4).contains(&c) || !sk.on(D::CrCpf) {
        return;
    }
    let group = |i: usize| {
        let (x, y) = seq.grp(i);
        t.get(x..y).unwrap_or_default()
    };
    let (p, vol, entry) = (group(0), group(1), group(2));
    let (&[province] | &[b'0', province]) = p else {
        return;
    };
    if c == 4 && calendar_day(num(entry), num(p), num(vol), false) {
        return;
    }
    // Padded: the province, then volume and entry in four digits each.
    let mut d = [b'0'; 9];
    if let Some(x) = d.first_mut() {
        *x = province;
    }
    for (end, src) in [(5, vol), (9, entry)] {
        if let Some(slot) = d.get_mut(end - src.len()..end) {
            slot.copy_from_slice(src);
        }
    }
    if v::cr_cpf(&d) {
        sk.emit(D::CrCpf, seq.start(), seq.end(), Low, NEED_CTX);
    }
}

/// A Czech bank account (see [`v::cz_bank_account`]) in a number of two
/// or three groups whose last separator is a slash: low alone, medium
/// next to its word.
#[cold]
#[inline(never)]
fn cz_bank_account(sk: &mut Sink<'_>, seq: &Seq) {
    let (s, e) = (seq.start(), seq.end());
    if seq.len(seq.n.saturating_sub(1)) == 4
        && sk.on(D::CzBankAccount)
        && sk.t.get(s..e).is_some_and(v::cz_bank_account)
    {
        sk.emit(D::CzBankAccount, s, e, Low, PLAIN);
    }
}

/// An Indonesian NPWP as it is printed, `01.312.166.0-091.000`: its
/// layout of dots and one dash is its own, so it is reported alone.
#[cold]
#[inline(never)]
fn id_npwp_printed(sk: &mut Sink<'_>, seq: &Seq, d: &[u8]) {
    if seq.shape(&[2, 3, 3, 1, 3, 3])
        && seq.sep() == [0, b'.', b'.', b'.', b'-', b'.', 0, 0]
        && sk.on(D::IdNpwp)
        && v::id_npwp(d)
    {
        sk.emit(D::IdNpwp, seq.start(), seq.end(), Medium, PLAIN);
    }
}

/// A Swiss UID after `CHE-` with its VAT suffix glued on
/// (`CHE-191.398.369MWST`, `CHE-116281710TVA`), read up to the suffix's
/// end.
#[cold]
#[inline(never)]
fn ch_uid_suffixed(sk: &mut Sink<'_>, ws: usize, seq: &Seq, end: usize) {
    let t = sk.t;
    let n = run(t, end, 4, |c| c.is_ascii_uppercase());
    if !t.get(end..end + n).is_some_and(crate::ids::ch_vat_suffix) {
        return;
    }
    let shape = seq.n == 1 || (seq.shape(&[3, 3, 3]) && matches!(seq.uniform(), Some(b'.' | b' ')));
    if shape && !is_word(at(t, end + n)) {
        let mut buf = [0u8; 48];
        let d = seq.digits(t, &mut buf);
        crate::ids::ch_uid_dotted(sk, ws, end + n, d);
    }
}

/// The NHS modulus 11 on ten ASCII digits (as `validate::uk_nhs`), inline:
/// it runs on every phone-shaped 3-3-4 number.
#[inline(always)]
fn nhs_check(d: &[u8; 10]) -> bool {
    let mut sum = 0u32;
    for (k, &c) in d.iter().take(9).enumerate() {
        sum += u32::from(c.wrapping_sub(b'0')) * (10 - k as u32);
    }
    let check = match 11 - sum % 11 {
        11 => 0,
        c => c,
    };
    check != 10 && d.get(9).map(|c| u32::from(c.wrapping_sub(b'0'))) == Some(check)
}

/// The NIT of `seq` (its digits, in one group or in thousands) and a
/// check digit after `end` set apart by blanks and a dash (`-`, an en or
/// em dash, or two of them: `890 981 268 -— 4`): reported next to the
/// NIT's word when the check holds.
#[cold]
#[inline(never)]
fn nit_check_apart(sk: &mut Sink<'_>, seq: &Seq, end: usize) {
    if !sk.on(D::CoNit) || !(seq.n == 1 || seq.uniform().is_some_and(|c| matches!(c, b'.' | b' ')))
    {
        return;
    }
    let t = sk.t;
    let blanks = |i: usize| i + run(t, i, 2, |c| c == b' ');
    let dash = |i: usize| -> Option<usize> {
        match (at(t, i), at(t, i + 1), at(t, i + 2)) {
            (b'-', _, _) => Some(i + 1),
            (0xe2, 0x80, 0x93 | 0x94) => Some(i + 3),
            _ => None,
        }
    };
    let Some(i) = dash(blanks(end)) else { return };
    let i = blanks(dash(i).unwrap_or(i));
    let k = at(t, i);
    if !k.is_ascii_digit() || !right_ok(t, i + 1, false) {
        return;
    }
    let mut d = [0u8; 16];
    let mut n = 0;
    for &c in t.get(seq.start()..end).unwrap_or_default() {
        if c.is_ascii_digit() {
            if let Some(x) = d.get_mut(n) {
                *x = c;
            }
            n += 1;
        }
    }
    if let Some(x) = d.get_mut(n) {
        *x = k;
    }
    let (s, e) = (seq.start(), i + 1);
    if n < 16 && sk.ctx_ok(D::CoNit, s, e) && v::co_nit(d.get(..=n).unwrap_or_default()) {
        sk.emit(D::CoNit, s, e, Medium, NEED_CTX);
    }
}

/// Groups of three after a first of one to three, joined by `.` (or a
/// space or `,`, the same throughout), then `-` and one check digit: how a
/// Colombian NIT is printed (`800.003.122-6`, `860 001 986-1`).
fn nit_dotted(seq: &Seq) -> bool {
    let (n, sep) = (seq.n, seq.sep());
    let thousands = sep.get(1).copied().unwrap_or(0);
    n >= 3
        && matches!(thousands, b'.' | b' ' | b',')
        && (1..=3).contains(&seq.len(0))
        && (1..n - 1).all(|i| seq.len(i) == 3 && sep.get(i) == Some(&thousands))
        && seq.len(n - 1) == 1
        && sep.get(n - 1) == Some(&b'-')
}

/// The digits-only ids of [`crate::ids`] for a number of `d.len()` digits
/// grouped as `seq`: the layouts each one is reported in alone (a shape
/// compare), then — one context query for all of them — the ids whose
/// words are near, in any grouping with one separator.
// Not inlined: reached only by a number with an id's word near, and when
// inlined into `digits_word` the tables' contents shaped that hot
// function's code (one entry more in the 7- and 8-digit tables cost the
// CSV bench 1.4% of its instructions; out of line, nothing measurable).
#[inline(never)]
fn digit_ids(sk: &mut Sink<'_>, seq: &Seq, d: &[u8]) {
    let (ids, alone_groups) = crate::ids::digit_ids_of(d.len());
    if ids.is_empty() {
        return;
    }
    // One digit repeated is a placeholder (`0000000000000`, a form's
    // empty CLABE), never an issued id, whichever check it passes: asked
    // once a check has passed.
    let placeholder = || d.iter().all(|&c| Some(&c) == d.first());
    let (s, e) = (seq.start(), seq.end());
    let Some(sep) = seq.uniform() else {
        // A СНИЛС is printed `112-233-445 95`: dashes, then a space.
        if seq.shape(&[3, 3, 3, 2]) && sk.ctx_ok(D::RuSnils, s, e) && v::ru_snils(d) {
            sk.emit(D::RuSnils, s, e, Medium, NEED_CTX);
        }
        // A New Zealand account with spaces and dashes mixed (`01 0535
        // 0089638-28`, `38-9006 0413325-00`).
        if (seq.shape(&[2, 4, 7, 2]) || seq.shape(&[2, 4, 7, 3]))
            && seq.sep().iter().all(|&c| matches!(c, 0 | b' ' | b'-'))
            && sk.on(D::NzBankAccount)
            && v::nz_bank_account(d)
        {
            sk.emit(D::NzBankAccount, s, e, Medium, PLAIN);
        }
        // A Uruguayan cédula in thousands with its check digit after a
        // dash: `1.234.567-2` (a Chilean RUT's print; the word decides).
        if seq.shape(&[1, 3, 3, 1])
            && seq.sep().get(1..4) == Some(&b"..-"[..])
            && sk.ctx_ok(D::UyCi, s, e)
            && v::uy_ci(d)
        {
            sk.emit(D::UyCi, s, e, Medium, NEED_CTX);
        }
        // A Colombian NIT in thousands with its check digit after a dash:
        // `800.003.122-6`, `6.386.949-2`.
        if nit_dotted(seq) && sk.ctx_ok(D::CoNit, s, e) && v::co_nit(d) {
            sk.emit(D::CoNit, s, e, Medium, NEED_CTX);
        }
        // An Austrian tax number with its office apart: `98-123/4560`,
        // `03 318/8822`.
        if seq.shape(&[2, 3, 4])
            && seq.sep().get(2) == Some(&b'/')
            && sk.ctx_ok(D::AtTin, s, e)
            && v::luhn(d)
        {
            sk.emit(D::AtTin, s, e, Medium, NEED_CTX);
        }
        return;
    };
    let fits = |layout: &crate::ids::Layout| {
        let (shape, seps, _) = *layout;
        if shape.is_empty() {
            seq.n == 1
        } else {
            shape.len() == seq.n && seps.contains(&sep) && seq.shape(shape)
        }
    };
    // Only when some id of this length is printed alone in this many
    // groups (one bit per group count, bit 1 for contiguous).
    let alone = (alone_groups >> seq.n.min(31)) & 1 != 0;
    // Whether an id with a check of its own took the number: a bank
    // account (no check, last in every table) then does not.
    let mut typed = false;
    if alone {
        // One number, one type: another id's label right before it (a
        // Steuer-ID failing its check) keeps it from an id printed alone —
        // unless the id's own label is there too (`TFN …; ABN …` on one
        // line: each value after its own word).
        for i in ids {
            if let Some(&(_, _, conf)) = i.alone.iter().find(|l| fits(l))
                && sk.on(i.d)
                && (i.check)(d)
                && !placeholder()
                && !labelled_as_other(sk, i.d, s, e)
            {
                sk.emit(i.d, s, e, conf, PLAIN);
                typed = true;
            }
        }
    }
    if sk.ctx.surely_empty(s, e) || printed_date(seq, sep, d) {
        return;
    }
    let t = sk.t;
    let near = sk.ctx.mask_within(
        t,
        s,
        e,
        crate::kit::CONTEXT_BEFORE,
        crate::kit::CONTEXT_AFTER,
    );
    if !near.intersects(&sk.bits.ctx) {
        return;
    }
    // A VAT number without its country code after that country's word
    // (`KMKR 100594102`, `TVA : 40 303 265 045`).
    if near.has(D::EuVat as usize) && (9..=12).contains(&d.len()) && !placeholder() {
        crate::ids::eu_vat_national(sk, s, e, d);
    }
    // One number, one type: a phone word as the number's own label
    // (`EIN: 52-3526060; Tel: 03-6123456`) keeps it from the ids whose
    // words are only further back. Asked only once an id would be
    // reported: a phone column's numbers have no id word near.
    let mut phone_label: Option<bool> = None;
    let phone_near = near.has(D::Phone as usize);
    for i in ids {
        if matches!(
            i.d,
            D::BankAccount | D::MedicalRecordNumber | D::HealthPlanId
        ) {
            // No check digit: below every checked id (low, medium with
            // its word), and only for a number no checked id took.
            // Groups of three digits or more (the last may be shorter):
            // `2021-05-06` is a date whatever words are near.
            let groups_ok = (0..seq.n.saturating_sub(1)).all(|g| seq.len(g) >= 3);
            if !typed && groups_ok && near.has(i.d as usize) && (i.check)(d) && !placeholder() {
                if phone_near && *phone_label.get_or_insert_with(|| phone_label_before(sk, s, e)) {
                    return;
                }
                // A number with a label of its own naming another kind of
                // number (`tracking 528226770980. Bank account …`, `Order
                // number 4515-…` after a bank account) is not an account
                // by a word further away; a record number is one only as
                // the value its record word labels (`MRN: 00456789`, not
                // a date or a room number further on).
                // An account's word labels it: before it on its line, on
                // the line above one the number starts, or as its table
                // column's header (`0867.0020.0002 # OCR CUSTOMER ACCOUNT
                // NUMBER` in a Unicode table is a character's name after
                // the number, and the line below's number is another
                // character's).
                let other = match i.d {
                    D::BankAccount => {
                        crate::kit::label_word_before(t, s, NOT_ACCOUNT_WORDS, NOT_ACCOUNT_BITS)
                            || (!sk
                                .ctx
                                .mask_within(t, s, e, line_reach(t, s), 0)
                                .has(D::BankAccount as usize)
                                && !sk.in_column(D::BankAccount, s, e))
                    }
                    D::MedicalRecordNumber => !mrn_label(t, s),
                    _ => !health_plan_label(t, s),
                };
                if other {
                    continue;
                }
                sk.emit(i.d, s, e, Low, NEED_CTX);
            }
            continue;
        }
        // 3-2-4 is the layout of the SSN and ITIN: an EIN is written
        // 2-7 (`911-89-1234` after "tax id" is an ITIN that failed).
        if i.d == D::UsEin && seq.shape(&[3, 2, 4]) {
            continue;
        }
        // A person's tax id is the SSN: `Tax ID (SSN)`, `tax_id_ssn` name
        // both, and a valid SSN there is the SSN unless the EIN itself is
        // named (`EIN`, `employer id`).
        if i.d == D::UsEin
            && near.has(D::UsSsn as usize)
            && ssn_valid(d)
            && !crate::kit::has_context(t, s, e, EIN_OWN_WORDS)
        {
            continue;
        }
        // Some ids are grouped one way only (a NIT's check digit apart, a
        // TIN in threes): not dates, not decimals, next to the English
        // "nit" or a stray "tin".
        if (seq.n > 1 || i.grouped.never_contiguous()) && !i.grouped.fits(seq.n, seq.lens()) {
            continue;
        }
        // A letter after the digits (`34657934-H`, `34657934 H`) makes a
        // Spanish DNI, whose letter failed, not an Argentine one.
        if i.d == D::ArDni && dni_letter_after(t, e) {
            continue;
        }
        if near.has(i.d as usize)
            && sk.bits.ctx.has(i.d as usize)
            && !(alone && i.alone.iter().any(&fits))
            && (i.check)(d)
            && !placeholder()
        {
            if phone_near && *phone_label.get_or_insert_with(|| phone_label_before(sk, s, e)) {
                return;
            }
            // A passport's series and number and an Argentine DNI have
            // no check digit: low, medium with its word, as passport
            // numbers of letters are; a Costa Rican cédula neither.
            let base = if matches!(i.d, D::PassportNumber | D::ArDni | D::CrCpf) {
                Low
            } else {
                Medium
            };
            sk.emit(i.d, s, e, base, NEED_CTX);
            typed = true;
        }
    }
}

/// True if a DNI's control letter follows `e`: glued or after `-`, or a
/// capital after a space, standing alone.
#[cold]
#[inline(never)]
fn dni_letter_after(t: &[u8], e: usize) -> bool {
    let (k, capital) = match at(t, e) {
        b'-' => (e + 1, false),
        b' ' => (e + 1, true),
        _ => (e, false),
    };
    let c = at(t, k);
    (c.is_ascii_uppercase() || !capital && c.is_ascii_lowercase())
        && !at(t, k + 1).is_ascii_alphanumeric()
}

/// Whether eight digits in three groups joined by `/`, `-` or `.` are a
/// calendar day (`2010/10/15`, `15.10.2010`, `10-15-2010`, years 1900 to
/// 2099): a date whatever word is near, never a context-keyed id's
/// number (`Date: 2010/10/15` under a file named `xvid.ico` is no Czech
/// IČO).
fn printed_date(seq: &Seq, sep: u8, d: &[u8]) -> bool {
    if seq.n != 3 || d.len() != 8 || !matches!(sep, b'/' | b'-' | b'.') {
        return false;
    }
    let n = |a: usize, b: usize| d.get(a..b).map_or(0, num);
    if seq.shape(&[4, 2, 2]) {
        calendar_day(n(0, 4), n(4, 6), n(6, 8), true)
    } else if seq.shape(&[2, 2, 4]) {
        calendar_day(n(4, 8), n(0, 2), n(2, 4), false)
    } else {
        false
    }
}

/// Whether year `y` (1900 to 2099) and the fields `a`, `b` printed beside
/// it make a calendar day: month then day when `month_first` (the year
/// first: `2024-06-25`), else either order (the year last: `25.06.2024`,
/// `06/25/2024`).
fn calendar_day(y: u32, a: u32, b: u32, month_first: bool) -> bool {
    (1900..=2099).contains(&y)
        && (v::valid_date(y, a, b) || (!month_first && v::valid_date(y, b, a)))
}

/// The part of [`digits_seq`] for numbers of 9 digits or more, out of line:
/// it holds most detectors, and the short numbers that fill dense text
/// should not pay for its stack frame.
#[inline(never)]
fn long_number(sk: &mut Sink<'_>, ws: usize, seq: &Seq) {
    let t = sk.t;
    let total = seq.total();
    let sep = seq.uniform();
    let end = seq.end();
    let mut buf = [0u8; 48];
    let d = if seq.n == 1 {
        t.get(ws..ws + total.min(32)).unwrap_or_default()
    } else {
        seq.digits(t, &mut buf)
    };
    // The digits-only ids of issue #16 (a table by length): only if one
    // is printed alone in this many groups, or a word may be near.
    let ((ids, alone_groups), prefix) = crate::ids::digit_ids_with_prefix(total);
    if !ids.is_empty()
        && (((alone_groups >> seq.n.min(31)) & 1 != 0
            && (d.starts_with(prefix) || (seq.n > 1 && seq.len(0) != 4)))
            || !sk.ctx.surely_empty(seq.start(), end))
    {
        digit_ids(sk, seq, d);
    }
    // A Swiss UID after `CHE-` or `CHE `: dotted, spaced or contiguous.
    if total == 9 && (seq.n == 1 || (seq.shape(&[3, 3, 3]) && matches!(sep, Some(b'.' | b' ')))) {
        crate::ids::ch_uid_dotted(sk, ws, end, d);
    }
    // Formats with mixed separators first.
    match total {
        11 if seq.n > 1 => {
            br_cpf(sk, seq, d);
            be_nrn(sk, seq, d);
            if seq.uniform().is_none() {
                br_pis(sk, seq, d);
            }
        }
        14 if seq.n > 1 => br_cnpj(sk, seq, d),
        15 if seq.n == 6 && sep.is_none() => id_npwp_printed(sk, seq, d),
        _ => {}
    }
    let Some(sep) = sep else { return };
    let (s, e) = (seq.start(), end);
    match total {
        12..=19 => {
            credit_card(sk, seq, sep, d);
            if total == 12 {
                aadhaar(sk, seq, sep, d);
                jp_my_number(sk, seq, sep, d);
            }
            if total == 13 {
                ch_ahv(sk, seq, sep, d);
                za_id(sk, seq, sep, d);
            }
            if total == 14 && seq.n == 1 {
                br_cnpj(sk, seq, d);
            }
            if seq.n == 1 && (15..=16).contains(&total) && at(t, end) == b'|' {
                crate::creds::facebook_app_token(sk, s, e);
            }
            if total == 15 {
                fr_insee(sk, seq, d);
            }
            if total == 18 {
                cn_resident_id(sk, s, e, d);
            }
        }
        9 => {
            ssn_itin(sk, seq, sep, d);
            let contiguous = seq.n == 1;
            let triple = seq.shape(&[3, 3, 3]) && sep != b'/' && sep != b'.';
            // These all need a context word: ask for it before the checksum.
            if contiguous {
                if sk.ctx_ok(D::AbaRouting, s, e) && v::aba_routing(d) {
                    sk.emit(D::AbaRouting, s, e, Medium, NEED_CTX);
                }
                us_passport(sk, s, e);
                sk.emit(D::PassportNumber, s, e, Low, NEED_CTX);
            }
            // A BSN is printed contiguous, 3-3-3 or 4-2-3 (1234.56.782),
            // with dots or spaces; it needs its word anyway.
            if sk.ctx_ok(D::NlBsn, s, e) && v::nl_bsn(d) {
                sk.emit(D::NlBsn, s, e, Medium, NEED_CTX);
            }
            if contiguous || triple {
                if sk.ctx_ok(D::CaSin, s, e) && v::luhn(d) {
                    sk.emit(D::CaSin, s, e, Medium, NEED_CTX);
                }
                if sk.ctx_ok(D::AuTfn, s, e) && v::au_tfn(d) {
                    sk.emit(D::AuTfn, s, e, Medium, NEED_CTX);
                }
            }
        }
        10 => {
            let contiguous = seq.n == 1;
            let nhs_shape = contiguous || (seq.shape(&[3, 3, 4]) && matches!(sep, b' ' | b'-'));
            // Contiguous, it needs a context word: ask before the checksum.
            // Spaced or dashed, without NHS wording it would be a `low`
            // candidate at the start of a phone candidate, which comes
            // first in the table: resolution always drops it, so the
            // checksum is skipped (every NANP phone number has this shape).
            const _: () = assert!((D::Phone as u32) < (D::UkNhs as u32));
            let loses_to_phone = !contiguous
                && !sk.ctx(D::UkNhs, s, e)
                && sk
                    .out
                    .iter()
                    .rev()
                    .take_while(|c| c.start >= s)
                    .any(|c| c.start == s && c.det == D::Phone as u32);
            if nhs_shape
                && !loses_to_phone
                && sk.on(D::UkNhs)
                && (!contiguous || sk.ctx_ok(D::UkNhs, s, e))
                && v::uk_nhs(d)
            {
                let adj = Adj {
                    need_ctx: contiguous,
                    nonvalue: false,
                };
                // Spaced 3-3-4 alone is also how phone numbers are written.
                let base = if contiguous { Medium } else { Low };
                let ctx = sk.ctx(D::UkNhs, s, e);
                if ctx {
                    sk.emit(D::UkNhs, s, e, Medium, adj);
                } else {
                    sk.emit(D::UkNhs, s, e, base, adj);
                }
            }
            if contiguous && sk.on(D::UsNpi) {
                // In an X12 claim the `XX` qualifier of a name segment says
                // NPI (`NM1*85*2*CLINIC*****XX*1234567893~`): the number's
                // label, so the number is reported as one right after its
                // word is (`*` asked first: most numbers are not in X12).
                if sk.ctx_ok(D::UsNpi, s, e) {
                    if v::us_npi(d) {
                        sk.emit(D::UsNpi, s, e, Medium, NEED_CTX);
                    }
                } else if before(t, s) == b'*'
                    && x12_element(t, s, b"NM1", &[b"XX"])
                    && v::us_npi(d)
                {
                    sk.emit_fixed(D::UsNpi, s, e, High);
                }
            }
            if (contiguous || seq.shape(&[4, 5, 1]) || seq.shape(&[4, 5]))
                && sk.ctx_ok(D::AuMedicare, s, e)
                && v::au_medicare(d)
            {
                sk.emit(D::AuMedicare, s, e, Medium, NEED_CTX);
            }
            // (se_personnummer runs below for 10 and 12 digits.)
            if sk.ctx_ok(D::DkCpr, s, e) {
                dk_cpr(sk, seq, d);
            }
        }
        11 => {
            // These need their word: printed contiguous or grouped in any
            // way (`86 095 742 719`, `010101 10013`, `44051401359`).
            if sk.ctx_ok(D::DeTaxId, s, e) && v::de_tax_id(d) {
                sk.emit(D::DeTaxId, s, e, Medium, NEED_CTX);
            }
            if sk.ctx_ok(D::PlPesel, s, e) && v::pl_pesel(d) && pesel_date(d) {
                sk.emit(D::PlPesel, s, e, Medium, NEED_CTX);
            }
            if sk.ctx_ok(D::NoFnr, s, e) && v::no_fnr(d) && no_fnr_date(d) {
                sk.emit(D::NoFnr, s, e, Medium, NEED_CTX);
            }
            // (Grouped, these two were read above.)
            if seq.n == 1 {
                br_cpf(sk, seq, d);
                be_nrn(sk, seq, d);
            }
        }
        8 if seq.n == 1 => {
            us_dl_digits(sk, s, e, total);
        }
        _ => {}
    }
    if (7..=12).contains(&total) && total != 8 && seq.n == 1 {
        us_dl_digits(sk, s, e, total);
    }
    if total == 12 || total == 10 {
        se_personnummer(sk, seq, d);
    }
    if (seq.shape(&[6, 7]) && sep == b'-') || (seq.n == 1 && total == 13) {
        kr_rrn(sk, seq, d);
    }
}

/// Identifiers whose label right before a number means it is not a phone
/// number (unless phone wording is also near), nor a weaker type.
static ID_LABELS: std::sync::LazyLock<DetSet> = std::sync::LazyLock::new(crate::kit::id_detectors);

/// The context-keyed ids of 7 and 8 digits.
const SHORT_IDS: DetSet = DetSet::of(&[
    D::Sedol,
    D::DkCvr,
    D::NzIrd,
    D::FiYtunnus,
    D::CzIco,
    D::EeRegistrikood,
    D::SiTaxNumber,
    D::UaEdrpou,
    D::RoCui,
    D::TwUbn,
    D::CoNit,
    D::PassportNumber,
    D::BankAccount,
    D::MedicalRecordNumber,
    D::HealthPlanId,
    D::NlBsn,
    D::IlId,
    D::ArDni,
    D::MePib,
    D::PyRuc,
    D::UyCi,
    // In groups without their leading zeros (`1-200-589`).
    D::CrCpf,
]);

/// Ids written only as one run of digits, never in groups.
const CONTIGUOUS_IDS: DetSet = DetSet::of(&[D::UsNpi]);

/// Ids always written with letters (`AB1234563`, `CA00000AA`, `X1234567L`)
/// or longer than any phone number (an LEI): their words do not
/// label a number of digits. A password cell `cieT7oojie` (camel-case
/// `cie`, an Italian identity card's word) before a phone number is not
/// its label.
const LETTERED_IDS: DetSet = DetSet::of(&[
    D::UsDea,
    D::ItIdentityCard,
    D::Lei,
    D::UkNino,
    D::ItCodiceFiscale,
    D::EsNie,
    D::EsCif,
    D::InPan,
    D::InGstin,
    D::MxCurp,
    D::MxRfc,
    D::UkDrivingLicence,
    D::ItDriverLicence,
    D::Vin,
    D::HkHkid,
    D::SgNric,
    D::IePps,
    D::PlIdCard,
    D::TwNationalId,
    D::VeRif,
    D::UsMedicareMbi,
    D::Isin,
    D::LitecoinAddress,
]);

/// Ids of twelve characters or more whose words a phone number of fewer
/// digits does not take as its label.
const TWELVE_OR_MORE: DetSet = DetSet::of(&[D::CreditCard, D::PtCc]);

/// National ids of nine digits that an SSN-shaped number may be.
const NINE_DIGIT_IDS: DetSet = DetSet::of(&[D::CaSin, D::NlBsn, D::AuTfn, D::AbaRouting]);

/// The EIN's words that name it alone, not a tax id that may be a
/// person's SSN.
const EIN_OWN_WORDS: &[&str] = &[
    "ein",
    "fein",
    "employer identification number",
    "employer id",
    "federal tax id",
];

/// Nine digits that are a valid SSN's.
#[inline(always)]
pub(crate) fn ssn_valid(d: &[u8]) -> bool {
    let n = |a: usize, b: usize| num(d.get(a..b).unwrap_or_default());
    d.len() == 9 && v::us_ssn(n(0, 3), n(3, 5), n(5, 9))
}

/// Words that name the US SSN itself ("social" alone is also in "social
/// insurance number").
const SSN_WORDS: &[&str] = &[
    "ssn",
    "ssns",
    "social security",
    "soc sec",
    "ss no",
    "us_ssn",
];
/// [`SSN_WORDS`]' lengths and first letters, for `label_word_before`.
const SSN_BITS: (u64, u32) = crate::kit::word_bits(SSN_WORDS);

/// National ids whose numbers a payment card's Luhn and issuer ranges may
/// also accept, by the card's digits: only an id of the same length (and
/// prefix) can be the number (`NPI 2888077031` in the sentence after a
/// 16-digit card is another number's label).
fn card_like_ids(d: &[u8]) -> DetSet {
    match d.len() {
        12 => DetSet::of(&[D::JpMyNumber, D::InAadhaar]),
        13 => DetSet::of(&[D::ZaId, D::FrInsee, D::ChAhv, D::KrRrn]),
        // An NPI with its `80840` prefix; a first-generation Chinese id.
        15 if d.starts_with(b"80840") => DetSet::of(&[D::FrInsee, D::UsNpi, D::CnResidentId]),
        15 => DetSet::of(&[D::FrInsee, D::CnResidentId]),
        18 => DetSet::of(&[D::CnResidentId]),
        // Medicare's 10-11 digits are shorter than any card.
        _ => DetSet::of(&[]),
    }
}

/// One number, one type: another id's label in the bytes right before
/// `s..e` and not `d`'s own (`HKID: RO331969(0)` is no Romanian VAT
/// number; `TFN …; ABN 51 824 753 556` is still an ABN).
pub(crate) fn labelled_as_other(sk: &mut Sink<'_>, d: D, s: usize, e: usize) -> bool {
    labelled_as_other_than(sk, d, &[], s, e)
}

/// As [`labelled_as_other`], where the labels of `same` (ids that are `d`
/// under another name: a country's tax number is its VAT number's body)
/// count as `d`'s own.
pub(crate) fn labelled_as_other_than(
    sk: &mut Sink<'_>,
    d: D,
    same: &[D],
    s: usize,
    e: usize,
) -> bool {
    if sk.ctx.surely_empty(s, e) {
        return false;
    }
    let t = sk.t;
    let labels = sk.ctx.mask_within(t, s, e, LABEL_BEFORE, 0);
    if labels.has(d as usize) || same.iter().any(|&o| labels.has(o as usize)) {
        return false;
    }
    labels.intersects(&ID_LABELS)
}

/// True if a context word of one of `others` lies around `s..e`.
fn labelled(sk: &mut Sink<'_>, s: usize, e: usize, others: &DetSet) -> bool {
    if sk.ctx.surely_empty(s, e) {
        return false;
    }
    let t = sk.t;
    sk.ctx
        .mask_within(
            t,
            s,
            e,
            crate::kit::CONTEXT_BEFORE,
            crate::kit::CONTEXT_AFTER,
        )
        .intersects(others)
}

/// Words of parcel tracking: carriers and the number's names (not
/// "track": a magnetic stripe's Track 1 and Track 2 data hold the card
/// number).
const TRACKING_WORDS: &[&str] = &[
    "tracking",
    "fedex",
    "ups",
    "usps",
    "dhl",
    "waybill",
    "awb",
    "shipment",
    "consignment",
    "parcel",
    "sendungsnummer",
    "sendungsverfolgung",
    "suivi",
    "seguimiento",
    "rastreamento",
    "rastreio",
];

const TRACKING_BITS: (u64, u32) = crate::kit::word_bits(TRACKING_WORDS);

/// Labels of numbers that are no bank account (`bank_account` has no
/// check digit: its word anywhere near is all it has).
const NOT_ACCOUNT_WORDS: &[&str] = &[
    "tracking",
    "fedex",
    "ups",
    "usps",
    "dhl",
    "waybill",
    "shipment",
    "parcel",
    "order",
    "invoice",
    "ticket",
    "booking",
    "confirmation",
    "serial",
    "isbn",
    "sku",
];

const NOT_ACCOUNT_BITS: (u64, u32) = crate::kit::word_bits(NOT_ACCOUNT_WORDS);

/// Words that name a medical record number in its own label (`MRN:`,
/// `Medical Record Number`, `Patient ID #`, `Chart No.`), and the words
/// such a label may hold besides.
const MRN_WORDS: &[&[u8]] = &[
    b"mrn",
    b"record",
    b"patient",
    b"chart",
    b"hospital",
    b"emr",
    b"ehr",
    b"mr",
];
const MRN_LABEL_WORDS: &[&[u8]] = &[
    b"medical", b"health", b"number", b"no", b"id", b"nr", b"num",
];

/// Words that name a health plan's member number in its own label
/// (`Member ID:`, `Subscriber #`, `Policy No.`, `Medicaid ID`), and the
/// words such a label may hold besides.
const HEALTH_PLAN_WORDS: &[&[u8]] = &[
    b"member",
    b"subscriber",
    b"beneficiary",
    b"policy",
    b"insurance",
    b"insured",
    b"medicaid",
    b"enrollee",
    b"hpbn",
];
const HEALTH_PLAN_LABEL_WORDS: &[&[u8]] = &[
    b"health", b"plan", b"card", b"number", b"no", b"id", b"nr", b"num",
];

/// True if the number at `s` is the value of a medical record number's
/// own label (see [`own_label`]).
#[cold]
#[inline(never)]
fn mrn_label(t: &[u8], s: usize) -> bool {
    own_label(t, s, MRN_WORDS, MRN_LABEL_WORDS)
}

/// True if the value at `s` is that of a health plan member number's own
/// label (see [`own_label`]).
#[cold]
#[inline(never)]
pub(crate) fn health_plan_label(t: &[u8], s: usize) -> bool {
    own_label(t, s, HEALTH_PLAN_WORDS, HEALTH_PLAN_LABEL_WORDS)
}

/// True if the value at `s` is the value of its own label naming it:
/// walking back over the label's separators (`:`, `#`, `.`, `-`,
/// quotes, `=`, blanks) and over words of `label` only, at most
/// [`crate::kit::LABEL_BEFORE`] bytes, a word of `names` is met (a
/// camel-case key read word by word from its end: `patientMRN`,
/// `subscriberId`). `MRN 00456789,
/// room 4410231`: the room number's label is `room`. Out of line, asked
/// only next to the id's wording.
fn own_label(t: &[u8], s: usize, names: &[&[u8]], label: &[&[u8]]) -> bool {
    let lo = s.saturating_sub(crate::kit::LABEL_BEFORE);
    let Some(left) = t.get(lo..s) else {
        return false;
    };
    let mut i = left.len();
    loop {
        while i > 0
            && left.get(i - 1).is_some_and(|c| {
                matches!(
                    c,
                    b' ' | b'\t' | b':' | b'#' | b'.' | b'-' | b'"' | b'\'' | b'='
                )
            })
        {
            i -= 1;
        }
        let end = i;
        while i > 0 && left.get(i - 1).is_some_and(u8::is_ascii_alphanumeric) {
            i -= 1;
        }
        // A word the window's edge cuts (`…record` of `prerecorded`) is
        // not known whole: no label.
        let cut = i == 0 && lo > 0 && t.get(lo - 1).is_some_and(u8::is_ascii_alphanumeric);
        let Some(w) = left.get(i..end).filter(|w| !w.is_empty() && !cut) else {
            return false;
        };
        // The word's camel-case words from its end (`subscriberId`:
        // `Id`, then `subscriber`).
        let mut pe = w.len();
        while pe > 0 {
            let ps = camel_start(w, pe);
            let part = w.get(ps..pe).unwrap_or_default();
            if names.iter().any(|m| part.eq_ignore_ascii_case(m)) {
                return true;
            }
            if !label.iter().any(|m| part.eq_ignore_ascii_case(m)) {
                return false;
            }
            pe = ps;
        }
        // The window's edge: the label goes on beyond what is read.
        if i == 0 {
            return false;
        }
    }
}

/// A card's security code after its label or in its column, for a lone
/// group of three or four digits at `ws` (`p` the byte before it); a
/// Medicare HICN's beneficiary code after nine digits in an SSN's layout,
/// apart or joined to the last group (`123 45 6789 A`, `123-45-6789A`;
/// joined to a single group the word is mixed, read by
/// [`mixed_digit_first`]).
#[inline(never)]
fn code_or_hicn(sk: &mut Sink<'_>, ws: usize, seq: &Seq, p: u8) {
    let t = sk.t;
    let end = seq.end();
    if seq.n == 1 && matches!(seq.total(), 3 | 4) {
        let label = matches!(p, b' ' | b':' | b'=' | b'"' | b'\'' | b'#' | b'\t')
            && crate::pci::may_label(t, ws);
        if label
            || (matches!(p, b',' | b'|' | b';' | b'\t') && sk.column_named(D::CardSecurityCode))
        {
            crate::pci::security_code(sk, ws, end, label);
        }
        return;
    }
    let c = at(t, end);
    let code_after = if seq.n == 1 {
        matches!(c, b' ' | b'-')
    } else {
        seq.shape(&[3, 2, 4])
    };
    if code_after
        && (c.is_ascii_alphabetic()
            || (matches!(c, b' ' | b'-') && at(t, end + 1).is_ascii_alphabetic()))
    {
        let mut buf = [0u8; 48];
        let d = seq.digits(t, &mut buf);
        crate::ids::us_hicn(sk, ws, end, d);
    }
}

/// Where the last camel-case word of `w[..pe]` starts (`subscriberId`:
/// at `I`); 0 if it has none but its start.
pub(crate) fn camel_start(w: &[u8], pe: usize) -> usize {
    (1..pe)
        .rev()
        .find(|&k| {
            w.get(k).is_some_and(u8::is_ascii_uppercase)
                && w.get(k - 1).is_some_and(u8::is_ascii_lowercase)
        })
        .unwrap_or(0)
}

const TEST_CARDS: &[&[u8]] = &[
    b"4111111111111111",
    b"4242424242424242",
    b"4012888888881881",
    b"4222222222222",
    b"5555555555554444",
    b"5105105105105100",
    b"5454545454545454",
    b"2223003122003222",
    b"378282246310005",
    b"371449635398431",
    b"378734493671000",
    b"6011111111111117",
    b"6011000990139424",
    b"3530111333300000",
    b"3566002020360505",
    b"30569309025904",
    b"38520000023237",
    b"6200000000000005",
    b"4000056655665556",
    b"4000000000000002",
    // UATP's (the airlines' card) test number.
    b"122000000000003",
];

/// Where each of [`TEST_CARDS`] sits in [`TEST_SLOTS`]: the slot of the
/// number's first eight digits read as a little-endian word.
#[inline(always)]
const fn test_slot(head: u64) -> usize {
    (head.wrapping_mul(0x8EBC_6AF0_9C88_C6E3) >> 58) as usize
}

/// [`TEST_CARDS`] by the slot of their first eight digits (index + 1; 0
/// for none): a card number is compared with at most one of them, where
/// `contains` compared it with each (every card of a table asks).
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range, or two test cards in one slot, fails the build"
)]
static TEST_SLOTS: [u8; 64] = {
    let mut slots = [0u8; 64];
    let mut i = 0;
    while i < TEST_CARDS.len() {
        let c = TEST_CARDS[i];
        let mut head = 0u64;
        let mut k = 0;
        while k < 8 {
            head |= (c[k] as u64) << (8 * k);
            k += 1;
        }
        let s = test_slot(head);
        assert!(
            slots[s] == 0,
            "two test cards share a slot: change the multiplier"
        );
        slots[s] = i as u8 + 1;
        i += 1;
    }
    slots
};

/// True if `d` is one of [`TEST_CARDS`] (as `TEST_CARDS.contains`).
#[inline]
pub(crate) fn is_test_card(d: &[u8]) -> bool {
    let Some(head) = d.get(..8) else {
        return false;
    };
    let mut b = [0u8; 8];
    b.copy_from_slice(head);
    let slot = test_slot(u64::from_le_bytes(b));
    match TEST_SLOTS.get(slot) {
        Some(&k) if k != 0 => TEST_CARDS.get(usize::from(k) - 1) == Some(&d),
        _ => false,
    }
}

/// Brand of a card number by IIN prefix and length, if any brand fits.
/// (Always inlined: [`credit_card`], its hot caller, measured a call.)
#[inline(always)]
pub(crate) fn card_brand(d: &[u8]) -> bool {
    let n = d.len();
    // Every brand needs 12 digits or more; the first four are read once
    // and the shorter prefixes taken from them (they are digits).
    let Some(head) = d.get(..4) else {
        return false;
    };
    let p4 = num(head);
    let p = |k: usize| match k {
        1 => p4 / 1000,
        2 => p4 / 100,
        3 => p4 / 10,
        _ => p4,
    };
    let visa = p(1) == 4 && matches!(n, 13 | 16 | 19);
    let mc = (matches!(p(2), 51..=55) || matches!(p(4), 2221..=2720)) && n == 16;
    let amex = matches!(p(2), 34 | 37) && n == 15;
    let discover =
        (p(4) == 6011 || matches!(p(3), 644..=649) || p(2) == 65) && (16..=19).contains(&n);
    // JCB's block is 3528-3589, but issuers inside the wider 35 range are
    // still best read as JCB; Luhn is what keeps precision.
    let jcb = (p(2) == 35 && (16..=19).contains(&n)) || (matches!(p(4), 2131 | 1800) && n == 15);
    let diners =
        (matches!(p(3), 300..=305) || matches!(p(2), 36 | 38 | 39)) && (14..=19).contains(&n);
    let maestro = (p(2) == 50 || matches!(p(2), 56..=69)) && (12..=19).contains(&n);
    let unionpay = (p(2) == 62 || matches!(p(4), 8100..=8171)) && (16..=19).contains(&n);
    let mir = matches!(p(4), 2200..=2204) && (16..=19).contains(&n);
    // RuPay's own range beside those it shares (60, 65, 508); Troy.
    let national = (matches!(p(2), 81 | 82) || p(4) == 9792) && n == 16;
    visa || mc || amex || discover || jcb || diners || maestro || unionpay || mir || national
}

fn credit_card(sk: &mut Sink<'_>, seq: &Seq, sep: u8, d: &[u8]) {
    if !sk.on(D::CreditCard) || sep == b'/' {
        return;
    }
    // Dots join version numbers and numeric codes: a dotted card number
    // (`4111.1111.1111.1111`) is read only in four groups of four, next
    // to card wording.
    let dotted = sep == b'.';
    if dotted && (!seq.shape(&[4, 4, 4, 4]) || !sk.ctx(D::CreditCard, seq.start(), seq.end())) {
        return;
    }
    // Grouped numbers: 4-4-4-4(-3), 4-6-5 (Amex), 4-6-4 (Diners), 4-4-4-2/3,
    // 4-3-3-3 (a thirteen-digit Visa): only the last group is shorter
    // than three (`3802 1009 3802 16 25` is a row of a table).
    if seq.n > 1
        && (seq.len(0) != 4
            || seq.lens().any(|l| !(1..=6).contains(&l))
            || (1..seq.n - 1).any(|g| seq.len(g) < 3))
    {
        return;
    }
    // A row of hexadecimal code points (`698F 6990 6991 6992 6993` in a
    // Unicode table): groups of digits beside a hex group with a letter
    // are cells of the row, not a card.
    if seq.n > 1 && hex_cell_beside(sk.t, seq.start(), seq.end(), sep) {
        return;
    }
    // Contiguous lengths other than 14-16 are reported only next to card
    // wording (see below): ask before the checksum.
    if seq.n == 1
        && !matches!(d.len(), 14..=16)
        && !sk.ctx_ok(D::CreditCard, seq.start(), seq.end())
    {
        return;
    }
    if !v::luhn(d) || d.iter().all(|&c| Some(&c) == d.first()) {
        return;
    }
    let nonvalue = is_test_card(d) || patterned(d);
    let (s, e) = (seq.start(), seq.end());
    // One number, one type: next to another id's word (My Number, Aadhaar,
    // …) and no card wording, it is that id or nothing.
    let like = card_like_ids(d);
    if !like.is_empty() && labelled(sk, s, e, &like) && !sk.ctx(D::CreditCard, s, e) {
        return;
    }
    if !card_brand(d) {
        // UATP, the airlines' own card: fifteen digits starting 1, next
        // to card wording only (a fifteen-digit number from 1 is as
        // often a timestamp in microseconds).
        if d.len() == 15 && d.first() == Some(&b'1') {
            sk.emit(
                D::CreditCard,
                s,
                e,
                Medium,
                Adj {
                    need_ctx: true,
                    nonvalue,
                },
            );
            return;
        }
        // Unknown issuer range: only as a grouped 16-digit number next to
        // card wording.
        if seq.shape(&[4, 4, 4, 4]) {
            sk.emit(
                D::CreditCard,
                s,
                e,
                Low,
                Adj {
                    need_ctx: true,
                    nonvalue,
                },
            );
        }
        return;
    }
    // Grouped in the usual way, or a common length: medium. Other
    // contiguous lengths (12-13: tracking numbers, millisecond timestamps;
    // 17-19: 64-bit constants) need card wording nearby.
    let base = if seq.n > 1 || matches!(d.len(), 15 | 16) {
        Medium
    } else {
        Low
    };
    // Part of a URL path or query ("/feature/5068…", "?id=…"): an id.
    let in_url = matches!(before(sk.t, s), b'/' | b'=' | b'#' | b'?' | b'&') || at(sk.t, e) == b'/';
    // Fifteen digits are American Express's length (and JCB's old 2131
    // and 1800); fifteen in another issuer's range (a Maestro `6…`, a
    // Diners `36…`) are rarely a card and often an IMEI (Luhn, fifteen
    // digits) or a FedEx number, and twelve in groups are a FedEx
    // number's layout: both need card wording, as twelve in a row do.
    let odd_length = match d.len() {
        15 => {
            !matches!(d.get(..2), Some(b"34" | b"37"))
                && !matches!(d.get(..4), Some(b"2131" | b"1800"))
        }
        12 => true,
        _ => false,
    };
    let need_ctx = (seq.n == 1 && (!matches!(d.len(), 14..=16) || in_url)) || odd_length;
    // A parcel's tracking number is printed as a card is (FedEx's 12 and
    // 15 digits in groups of four, `6368 3101 1542 713`), and one in ten
    // passes Luhn with an issuer's prefix: labelled by a carrier's or
    // tracking word (in the 24 bytes before it on its line, not a
    // sentence about a parcel further back), with no card wording, it is
    // that number. Asked last, of a number that would be reported
    // without card wording (one that needs it is not, here).
    if !need_ctx
        && crate::kit::label_word_before(sk.t, s, TRACKING_WORDS, TRACKING_BITS)
        && !sk.ctx(D::CreditCard, s, e)
    {
        return;
    }
    sk.emit(D::CreditCard, s, e, base, Adj { need_ctx, nonvalue });
}

/// A card-length number no issuer would print: its digits repeating a
/// pattern of up to four (`342342342342345`, a schema's test value), or
/// all from 1 to 5 (`341124311214544`, the stroke order of a CJK
/// character in a collation table: one random number in 30,000).
fn patterned(d: &[u8]) -> bool {
    let n = d.len();
    // Every card is asked: a period is tried only where the first digit
    // comes back (one compare a period for most numbers).
    let periodic = |p: usize| n > p + 8 && (0..n - p - 3).all(|i| d.get(i) == d.get(i + p));
    (1..=4).any(|p| d.get(p) == d.first() && periodic(p))
        || d.iter().all(|c| (b'1'..=b'5').contains(c))
}

/// How far before `s` a label may stand: to its line's start, or, for a
/// number that starts its line (blanks aside), the context reach (its
/// label on the line above).
fn line_reach(t: &[u8], s: usize) -> usize {
    let lo = s.saturating_sub(crate::kit::CONTEXT_BEFORE);
    let w = t.get(lo..s).unwrap_or_default();
    match w.iter().rposition(|&c| c == b'\n') {
        Some(i)
            if w.get(i + 1..)
                .is_some_and(|r| !r.iter().all(|c| matches!(c, b' ' | b'\t'))) =>
        {
            w.len() - i - 1
        }
        _ => crate::kit::CONTEXT_BEFORE,
    }
}

/// True if a word of four or five upper-case hex digits, a letter and a
/// digit among them, stands right before `s` or right after `e` across
/// `sep`.
#[cold]
fn hex_cell_beside(t: &[u8], s: usize, e: usize, sep: u8) -> bool {
    let cell = |w: &[u8]| {
        (4..=5).contains(&w.len())
            && w.iter()
                .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c))
            && w.iter().any(u8::is_ascii_uppercase)
            && w.iter().any(u8::is_ascii_digit)
    };
    let left = s >= 2 && before(t, s) == sep && {
        let w = t.get(s.saturating_sub(7)..s - 1).unwrap_or_default();
        let n = w
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        // The whole word: shorter than the window, or at the text's start.
        (n < w.len() || s <= 7) && cell(w.get(w.len() - n..).unwrap_or_default())
    };
    let right = at(t, e) == sep && {
        let n = run(t, e + 1, 6, |c| c.is_ascii_alphanumeric());
        cell(t.get(e + 1..e + 1 + n).unwrap_or_default())
    };
    left || right
}

fn ssn_itin(sk: &mut Sink<'_>, seq: &Seq, sep: u8, d: &[u8]) {
    let dashed = seq.shape(&[3, 2, 4]) && matches!(sep, b'-' | b' ' | b'.');
    let contiguous = seq.n == 1;
    if !dashed && !contiguous {
        return;
    }
    let (area, group, serial) = (
        num(d.get(..3).unwrap_or_default()),
        num(d.get(3..5).unwrap_or_default()),
        num(d.get(5..9).unwrap_or_default()),
    );
    let (s, e) = (seq.start(), seq.end());
    // One number, one type: next to a SIN's, BSN's or TFN's word, an
    // SSN-shaped number is that id (or, failing its checksum, nothing)
    // unless the SSN is named too.
    if labelled(sk, s, e, &NINE_DIGIT_IDS) && !crate::kit::has_context(sk.t, s, e, SSN_WORDS) {
        return;
    }
    // Nine digits right after `#` are a ticket's or a note's number
    // (`Note: #230913563`), unless the SSN's own word labels them
    // (`SSN#230913563`).
    if contiguous
        && before(sk.t, s) == b'#'
        && !crate::kit::label_word_before(sk.t, s, SSN_WORDS, SSN_BITS)
    {
        return;
    }
    // Nine digits that are the value of a member number's or a record
    // number's own label (`ssn: 633-56-2501` then `member No: 849293885`,
    // as the XML extractor writes a claim's attributes) are that number,
    // whatever SSN word stands further back.
    if contiguous && (health_plan_label(sk.t, s) || mrn_label(sk.t, s)) {
        return;
    }
    if v::us_ssn(area, group, serial) {
        // Each group one digit repeated (`111-22-3333`, the SSN of
        // examples and test fixtures): below the default level even next
        // to its word.
        let same = |r: &[u8]| r.iter().all(|&c| r.first() == Some(&c));
        // So is `123-45-…` (the digits in order, as `123-45-6789`).
        let sample = (same(d.get(..3).unwrap_or_default())
            && same(d.get(3..5).unwrap_or_default())
            && same(d.get(5..9).unwrap_or_default()))
            || d.starts_with(b"12345");
        let nonvalue = sample
            || d.iter().all(|&c| Some(&c) == d.first())
            || (987_654_320..=987_654_329).contains(&num(d));
        let base = match (contiguous, sep) {
            _ if sample => Low,
            (true, _) => Low,
            (false, b'-') => Medium,
            _ => Low,
        };
        sk.emit(
            D::UsSsn,
            s,
            e,
            base,
            Adj {
                need_ctx: contiguous,
                nonvalue,
            },
        );
    } else if v::us_itin(area, group) && serial != 0 {
        // 9XX-7X-XXXX alone is as likely an invalid SSN or a reference
        // number: ITINs need their wording nearby.
        sk.emit(D::UsItin, s, e, Medium, NEED_CTX);
    }
}

#[inline(never)]
fn phone(sk: &mut Sink<'_>, ws: usize) {
    phone_at(sk, ws, false);
}

/// [`phone`], with `prose_paren` when a `(` before the number (or before
/// its `+`) is the text's parenthesis around the whole number, not an
/// area code's or a country code's: `The caller (+1.404.969.2943) …`,
/// `(1-408-499-2202)`. Tried when the walk finds no `)` after the first
/// group.
fn phone_at(sk: &mut Sink<'_>, ws: usize, prose_paren: bool) {
    let t = sk.t;
    let p = before(t, ws);
    let p2 = if ws >= 2 { at(t, ws - 2) } else { 0 };
    // A country code in parentheses: `(+358) 233944510`, `+(371) 00743763`.
    let cc_paren = !prose_paren && ((p == b'+' && p2 == b'(') || (p == b'(' && p2 == b'+'));
    // A `+` written `%2B` in a URL's query (`?to=%2B2348061099514`): the
    // value is the digits, read as a call abroad.
    let url_plus = matches!(p, b'B' | b'b') && p2 == b'2' && ws >= 3 && at(t, ws - 3) == b'%';
    let (plus, paren) = (
        p == b'+' || cc_paren || url_plus,
        p == b'(' && !cc_paren && !prose_paren,
    );
    let s = if cc_paren {
        ws - 2
    } else if url_plus {
        ws
    } else if plus || paren {
        ws - 1
    } else {
        ws
    };
    // A trunk 1 or 8 before the area code (see `trunk_before_paren`).
    let s = if paren && s >= 1 && matches!(at(t, s - 1), b' ' | b'1' | b'8') {
        trunk_before_paren(t, s, ws)
    } else {
        s
    };
    let pp = before(t, if url_plus { ws - 3 } else { s });
    if pp.is_ascii_alphanumeric() || pp == b'_' || pp == b'+' || pp == b'/' {
        return;
    }
    // A number after `#` is a ticket's or an order's (`#20020211895`).
    if pp == b'#' && !plus {
        return;
    }
    // A minus sign (`-2208960000`): a signed number, not a call.
    if pp == b'-' && !before(t, s - 1).is_ascii_graphic() {
        return;
    }
    // Part of an identifier: `CVE-2026-113003`, `ISO-8859-1`.
    if pp == b'-' && s >= 2 && at(t, s - 2).is_ascii_alphabetic() {
        return;
    }
    // A field of a dotted key after a word with a digit (`[*024B.0020.
    // 0002.0021]`, a Unicode collation weight), not `Tel.030 1234567`.
    if pp == b'.' && s >= 2 && at(t, s - 2).is_ascii_alphanumeric() && dotted_key(t, s - 1) {
        return;
    }
    // The tail of an IBAN in groups whose check failed (`NL91 ABNA 0417
    // 1643 01`): a country code, two digits and a bank code before.
    if pp == b' ' && s >= 10 && iban_head(t.get(s - 10..s - 1).unwrap_or_default()) {
        return;
    }
    if matches!(pp, b'-' | b'.' | b' ' | b')')
        && s >= 2
        && at(t, s - 2).is_ascii_digit()
        && (pp == b')' || number_before(t, s - 1))
    {
        return; // continues an earlier number
    }
    if paren && pp == b' ' && s >= 2 && at(t, s - 2).is_ascii_digit() {
        return;
    }
    // Walk groups: digits, separators ' ', '-', '.', and one ") " after a
    // parenthesised area code.
    let mut i = ws;
    let mut groups = 0usize;
    let mut digits = 0usize;
    let mut first_len = 0usize;
    let mut glens = [0usize; 8];
    let mut seps = [0u8; 8];
    let mut closed = !paren;
    let mut cc_open = cc_paren;
    // Where the number ended before a loose separator was taken (0 if
    // none was), to fall back to when what follows it is no group of this
    // number (`0322829580 -111ATBB…`).
    let mut loose_from = 0;
    loop {
        let gs = i;
        while at(t, i).is_ascii_digit() {
            i += 1;
        }
        let gl = i - gs;
        if gl == 0 || groups >= 8 {
            return;
        }
        if let Some(x) = glens.get_mut(groups) {
            *x = gl;
        }
        if groups == 0 {
            first_len = gl;
        }
        groups += 1;
        digits += gl;
        if digits > 15 {
            return;
        }
        let c = at(t, i);
        if cc_open {
            // `(+358) …`: the country code's parenthesis, then a space.
            cc_open = false;
            if c != b')' || groups != 1 {
                if groups == 1 && p == b'+' {
                    phone_at(sk, ws, true);
                }
                return;
            }
            i += 1;
            if at(t, i) == b' ' {
                i += 1;
            }
            // The area code in parentheses too: `(+55)(15)3702-7523`,
            // `(+31) (12) 3456789`.
            if paren_area(t, i) {
                i += 1;
                closed = false;
                continue;
            }
            if !at(t, i).is_ascii_digit() {
                return;
            }
            continue;
        }
        // `+31(0)15-4268386`, `+49 (0)30 1234567`: the trunk 0 kept in
        // parentheses after the country code.
        if plus && groups == 1 {
            let k = i + usize::from(c == b' ');
            if t.get(k..k + 3) == Some(&b"(0)"[..]) {
                i = k + 3;
                if at(t, i) == b' ' {
                    i += 1;
                }
                if !at(t, i).is_ascii_digit() {
                    return;
                }
                continue;
            }
        }
        if !closed {
            if c != b')' {
                if paren && groups == 1 && s == ws - 1 {
                    phone_at(sk, ws, true);
                }
                return;
            }
            closed = true;
            i += 1;
            let c2 = at(t, i);
            if matches!(c2, b' ' | b'-') && at(t, i + 1).is_ascii_digit() {
                i += 1;
            } else if !c2.is_ascii_digit() {
                return;
            }
            continue;
        }
        if matches!(c, b' ' | b'-' | b'.') && at(t, i + 1).is_ascii_digit() {
            if let Some(x) = seps.get_mut(groups) {
                *x = c;
            }
            i += 1;
            continue;
        }
        // "+1 (415) 555-2671", "+1(415)555-2671", "+49(89)123456"
        if plus && groups == 1 {
            let k = i + usize::from(c == b' ');
            if paren_area(t, k) {
                i = k + 1;
                closed = false;
                continue;
            }
        }
        // A separator with a space on one side or both after the area
        // code (`0176/ 12345678`, `030 / 1234567`, `+49 176- 12345678`):
        // a phone word must be right before (checked below) unless a `+`
        // leads.
        if matches!(c, b' ' | b'-' | b'/')
            && loose_from == 0
            && groups == 1 + usize::from(plus)
            // An area code, not a whole number (`+91-9876543210 / 514…`
            // is two numbers).
            && gl <= 5
            && let Some(ls) = loose_group(t, i, digits)
        {
            loose_from = i;
            if let Some(x) = seps.get_mut(groups) {
                *x = b'-';
            }
            i += ls;
            continue;
        }
        // Germany's and Austria's area code before a slash: `030/1234567`,
        // `0171/1234567` (five digits or more after it: not `01/2026`).
        // Groups may follow the slash (`0450/712 264`, `035/553 49 78`:
        // Belgium, Slovakia), and Hungary prints the area code before one
        // after its country code (`+36 70/550-3261`) or its trunk prefix
        // (`06-1/234-5678`, `06 30/445-2940`).
        if c == b'/'
            && (groups == 1 && !plus && at(t, ws) == b'0' && (3..=5).contains(&gl)
                || groups == 2
                    && plus
                    && first_len <= 3
                    && matches!(seps.get(1), Some(b' ' | b'-'))
                    && (1..=3).contains(&gl)
                || groups == 2
                    && !plus
                    && first_len == 2
                    && t.get(ws..ws + 2) == Some(&b"06"[..])
                    && matches!(seps.get(1), Some(b' ' | b'-'))
                    && (1..=2).contains(&gl))
            && (t.get(i + 1..).map_or(0, digit_run) >= 5 || digits_in_groups(t, i + 1) >= 6)
        {
            if let Some(x) = seps.get_mut(groups) {
                *x = c;
            }
            i += 1;
            continue;
        }
        // Italy's two-digit area codes before a slash (`02/27737380`,
        // `06/4881234`): six digits or more after it, and a phone word
        // right before (as for a loose separator): `01/234567` is as
        // often an invoice's number.
        if c == b'/'
            && groups == 1
            && !plus
            && gl == 2
            && at(t, ws) == b'0'
            && loose_from == 0
            && t.get(i + 1..).map_or(0, digit_run) >= 6
        {
            loose_from = i;
            if let Some(x) = seps.get_mut(groups) {
                *x = c;
            }
            i += 1;
            continue;
        }
        // A North American area code before a slash (`Mobile 506/312-4312`):
        // seven digits after it, and a phone word right before (as for a
        // loose separator).
        if c == b'/' && nanp_slash(t, ws, groups, gl, plus, i) && loose_from == 0 {
            loose_from = i;
            if let Some(x) = seps.get_mut(groups) {
                *x = c;
            }
            i += 1;
            continue;
        }
        break;
    }
    let mut e = i;
    // Extensions: "555-867-5309x123", "… ext. 12", "… x 12" (all start
    // with 'x' or a space).
    let exts: &[&[u8]] = if matches!(at(t, e), b'x' | b'X' | b' ') {
        &[b"x", b" x", b" ext. ", b" ext ", b" x ", b" ext."]
    } else {
        &[]
    };
    for &ext in exts {
        let n = t
            .get(e..e + ext.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(ext));
        if n && at(t, e + ext.len()).is_ascii_digit() {
            let k = t.get(e + ext.len()..).map_or(0, |r| {
                r.iter().take(6).take_while(|c| c.is_ascii_digit()).count()
            });
            if k <= 5 {
                e += ext.len() + k;
            }
            break;
        }
    }
    if !right_ok(t, e, true) {
        if e != i {
            return;
        }
        let Some(w) = refit_phone(
            t,
            (i, groups, digits),
            &mut glens,
            &mut seps,
            loose_from,
            plus,
        ) else {
            return;
        };
        (i, groups, digits) = w;
        loose_from = 0;
        e = i;
    }
    // Read without the text's `(` (see `phone_at`), a number needs what
    // one without it does: seven digits, and a phone word if in one group
    // (`(16 blocks, …)` is no call).
    if prose_paren && !plus && (digits < 7 || groups == 1 && !sk.ctx(D::Phone, s, e)) {
        return;
    }
    let d0 = at(t, ws);
    // Separators between groups (index 1..groups); "mixed" if they differ.
    let first_sep = seps.get(1).copied().unwrap_or(0);
    let mixed = (2..groups).any(|k| seps.get(k).copied().unwrap_or(0) != first_sep);
    let digit_run = t.get(ws..i).unwrap_or_default();
    let all_same = digit_run
        .iter()
        .filter(|c| c.is_ascii_digit())
        .all(|&c| c == d0);
    if all_same {
        return;
    }
    let mut adj = PLAIN;
    let mut base;
    if plus {
        // The country code glued to the area code, the rest in regular
        // groups: `+34987 093 300`, `+4930 1234 5678` (a layout office
        // software and generators print).
        let later = glens.get(1..groups).unwrap_or_default();
        // Or in one group after it: `+49176 12345678`, `+3110-1234567`.
        let glued_cc = (4..=6).contains(&first_len)
            && (groups >= 3 && !mixed && later.iter().all(|l| (2..=4).contains(l))
                || groups == 2
                    && later.iter().all(|l| (6..=9).contains(l))
                    && matches!(seps.get(1), Some(b' ' | b'-')));
        if !(7..=15).contains(&digits) || d0 == b'0' || (groups > 1 && first_len > 3 && !glued_cc) {
            return;
        }
        // A signed decimal (`+12.067746`, a latitude) or ISO 6709
        // coordinates (`+19.0608-077.8258/`): a '.' after the first group,
        // the only separator or one of several (`+687 20.12.34` is New
        // Caledonia's print form).
        if seps.get(1) == Some(&b'.') && (groups == 2 || mixed) {
            return;
        }
        // A country code in use, whole in the first group, and a national
        // number of a length its plan has: `+83797192749706` (no country
        // 83x) or `+33 1 23 45 67` (too short for France) are low. Seven
        // digits (`+683 7012`, Niue) only when the plan has numbers that
        // short.
        let fits = plan_fits(t, ws, first_len, digits);
        // A signed timestamp (`1:10~+20191229111838+6991d57`, a Debian
        // snapshot version) is no number any plan has.
        if !fits
            && (digits < 8
                || groups == 1 && digits == 14 && yyyymmdd(t.get(ws..ws + 8).unwrap_or_default()))
        {
            return;
        }
        base = if fits && digits >= 8 { Medium } else { Low };
    } else if paren {
        // (NNN) NNN-NNNN or national (0NN) NNNN NNNN
        let nanp = digits == 10 && first_len == 3 && matches!(d0, b'2'..=b'9');
        let national = d0 == b'0' && (9..=11).contains(&digits);
        // Brazil: a two-digit area code (11-99) and 8 or 9 digits whose
        // last four follow a dash: `(11) 2345-6789`, `(11) 96123-4567`.
        let brazil = || {
            first_len == 2
                && d0 != b'0'
                && at(t, ws + 1) != b'0'
                && groups == 3
                && glens.get(1).is_some_and(|l| (4..=5).contains(l))
                && glens.get(2) == Some(&4)
                && seps.get(2) == Some(&b'-')
        };
        if nanp || national || brazil() {
            base = Medium;
        } else if (7..=13).contains(&digits)
            && (phone_label_before(sk, s, e) || signature_label(t, s, e))
        {
            // Any other area code in parentheses right after a phone
            // word: `(2) 2123 4567`, `(022) 12345`, `(021) 111 825 888`.
            base = Low;
        } else {
            return;
        }
    } else {
        let gl = glens.get(..groups).unwrap_or_default();
        let nanp_shape = gl == [3, 3, 4] || (gl == [1, 3, 3, 4] && d0 == b'1');
        let area_at = if gl.len() == 4 { ws + 2 } else { ws };
        let exch_at = area_at + 4;
        let nanp_ok = nanp_shape
            && matches!(at(t, area_at), b'2'..=b'9')
            && matches!(at(t, exch_at), b'2'..=b'9')
            && !mixed;
        if nanp_ok {
            // One number, one type: 3-3-4 digits that pass the NHS
            // modulus 11 and have no phone word near are an NHS number
            // when spaced (how the NHS prints its numbers), or dashed
            // next to NHS wording. A dashed North American number alone
            // is a phone: one in eleven pass the modulus by chance, and
            // a US export's phone column lost 1.2% of its numbers to it.
            if gl == [3, 3, 4] && matches!(first_sep, b' ' | b'-') && sk.on(D::UkNhs) {
                // 3-3-4 with one separator: the digits sit at fixed places.
                // The check first: ten numbers in eleven fail it, and the
                // context (a table's column included) costs more.
                let mut d = [0u8; 10];
                for (k, x) in d.iter_mut().enumerate() {
                    *x = at(t, ws + k + usize::from(k >= 3) + usize::from(k >= 6));
                }
                // In a table, the value's own column says which (a phone
                // word in the row's notes is about another cell); in an
                // NHS column a value that fails the check is a mistyped
                // NHS number, not a phone.
                if (nhs_check(&d)
                    && !sk.ctx(D::Phone, s, i)
                    && (first_sep == b' ' || sk.ctx(D::UkNhs, s, i)))
                    || (sk.in_column(D::UkNhs, s, i) && !sk.in_column(D::Phone, s, i))
                {
                    return;
                }
            }
            let sep = if groups > 1 { first_sep } else { b' ' };
            base = if sep == b' ' { Low } else { Medium };
            // 555-0100..555-0199 are reserved for fiction.
            let ex = t.get(exch_at..exch_at + 3).unwrap_or_default();
            let line = t.get(exch_at + 4..exch_at + 6).unwrap_or_default();
            adj.nonvalue = ex == b"555" && line == b"01";
        } else if at(t, ws + 1) == b'0'
            && d0 == b'0'
            && groups >= 2
            && (3..=5).contains(&first_len)
            && (11..=17).contains(&digits)
            // The first group is `00` and a whole country code (ISBNs as
            // `004-1-00788-109-2`, a CPF `008.350.428-12`, tracking
            // numbers `0003 2313 3577 441` are not calls abroad).
            && t.get(ws + 2..ws + first_len).is_some_and(country_code_first)
            // A last group of one digit is a check digit (a Dominican
            // cédula, `001-1391820-5`), never a call's.
            && glens.get(groups - 1).is_some_and(|&l| l >= 2)
            && (first_len != 3 || nanp_after_code(t, ws + 2))
        {
            // International call prefix instead of '+': 001-541-754-3010.
            base = Medium;
        } else if d0 == b'0'
            // National numbers with a trunk 0: 10-11 digits (UK, DE, FR,
            // NL, CH `032 022 19 96`, `0 32 949 07 49`), groups of two or
            // more after the first, spaces and dashes mixed (`09
            // 293-3894`); 9 digits (NZ) after a trunk and area of 2 digits,
            // which keeps out ZIP+4 codes such as 02110-1301.
            && groups >= 2
            && !seps.contains(&b'.')
            && gl.iter().skip(1).all(|&l| l >= 2)
            && ((10..=11).contains(&digits)
                && (2..=5).contains(&first_len)
                // India's mobiles after the trunk 0: `098765 43210`.
                || gl == [6, 5]
                // China's landlines: an area code of four digits and eight
                // (`0755-85202795`).
                || gl == [4, 8]
                // A lone trunk 0 (`0 32 949 07 49`) only before the Swiss
                // groups, not before a row of numbers (`0 612 792 144`).
                || (10..=11).contains(&digits)
                    && first_len == 1
                    && groups >= 4
                    && gl.get(1).is_some_and(|&l| l <= 3)
                    && gl.iter().skip(2).any(|&l| l == 2)
                // 9 digits after a 2-digit trunk and area (NZ `09 629 3894`,
                // `04-540-0626`); three groups of three are octal tables.
                // (The area digit is one those countries use, 2-4 and 6-9:
                // `01-2345678` and `05-…` are a US EIN's layout, not a call.)
                || digits == 9
                    && first_len == 2
                    && matches!(at(t, ws + 1), b'2'..=b'4' | b'6'..=b'9')
                    && gl.iter().skip(1).all(|&l| l >= 3))
            // A date and its hour (`04-08-2024 09:30`) is no call.
            && !date_layout(t, ws, gl)
        {
            // National trunk-prefix format: 020 7946 0958, 030 12345678;
            // the layouts the UK and France print their numbers in are
            // their own (see `printed_national`).
            base = if printed_national(t, ws, gl, &seps, digits) {
                Medium
            } else {
                Low
            };
        } else if groups <= 6
            && d0 == b'0'
            && printed_national(t, ws, gl, &seps, digits)
            && !date_layout(t, ws, gl)
        {
            // France's pairs with dots: `07.50.60.89.40`.
            base = Medium;
        } else if groups <= 6
            && ((7..=13).contains(&digits)
                // Six digits in groups (`712 345`, `20 12 34`: Andorra,
                // the Faroes, Greenland).
                || (digits == 6 && groups >= 2 && gl.iter().all(|&l| l >= 2))
                // An international number without its `+`, contiguous or
                // after `00`: `0031612345678`, `8801671163269`; a long
                // trunk number `0800 1234567890`.
                || ((groups == 1 || d0 == b'0') && digits <= 15))
            // Spaces and dashes, mixed too (`08-12 34 56`, `8 029
            // 491-19-11`); dots only between every group of a number of
            // eight digits or more (`950.712.264`, `01.23.45.67.89`: Spain,
            // France, Belgium), not an IPv4 address; dates are out below,
            // versions are shorter.
            && (!seps.contains(&b'.') || dotted_phone(t, ws, gl, &seps, digits))
            // A group of one digit (a trunk `8 …`, `0 800 12 345`, `0900
            // 1 234567`) but not at the end.
            && gl.last().is_some_and(|&l| l >= 2)
            // Not glued to a letter by a dash: an ISBN's `-X` (but
            // `9885 1152-Office` is labelled).
            && (!(at(t, e) == b'-' && at(t, e + 1).is_ascii_alphanumeric())
                || signature_label(t, s, e))
            && !date_layout(t, ws, gl)
            // Brazil's postcode (`CEP 03214-910`: `cep` is Turkish for a
            // mobile).
            && gl != [5, 3]
            && (phone_label_before(sk, s, e) || signature_label(t, s, e) || phone_cue(sk, s, e))
        {
            // Any other national layout right after a phone word: `Mobil:
            // 55 37 42 99`, `手机：15884382041`, `Tlf.: 26015046`, `Tel.:
            // 2123 4567`.
            base = Low;
        } else if groups == 1 && (10..=11).contains(&digits) {
            // Seconds since 1970 (`ts=1716186525`, `"created_at":
            // 1673187423`) are keyed by a time word, whatever phone word
            // is near.
            if digits == 10 && d0 == b'1' && time_keyed(t, s) {
                return;
            }
            if x12_element(t, s, b"PER", X12_PHONE) {
                base = Medium;
            } else if (before(t, s) == b'=' && sms_query(t, s)) || code_sent_to(t, s) {
                base = Low;
            } else {
                base = Low;
                adj.need_ctx = true;
            }
        } else {
            return;
        }
    }
    if loose_from != 0 && !plus && !phone_label_before(sk, s, e) {
        return;
    }
    // An address block's or a signature's label (`Office: …`, `M: …`,
    // `… -Office`) says phone as a phone word does, without being one
    // anywhere else in the text. One compare first: in a table the
    // neighbours are delimiters.
    if base == Low
        && (matches!(before(t, s), b':' | b' ' | b'\t') || matches!(at(t, e), b' ' | b'-'))
        && signature_label(t, s, e)
        && !sk.ctx(D::Phone, s, e)
    {
        base = Medium;
        adj.need_ctx = false;
    }
    // A number labelled as another identifier ("NHS 943 476 5919",
    // "SSN: …", "card …") is not read as a phone number: the label
    // nearest before it decides ("Phone: 0742 264 402 SS# 120736180"),
    // and without a phone word there phone wording must be near.
    if !plus && !sk.ctx.surely_empty(s, e) {
        let t = sk.t;
        let reach = sk.label_reach(s);
        // The words of ids of twelve characters or more (`cc:` is a
        // card's and a Portuguese citizen card's, and an e-mail's copy
        // line) do not label a shorter number.
        let other = if digits < 12 {
            LETTERED_IDS.union(&TWELVE_OR_MORE)
        } else {
            LETTERED_IDS
        };
        let labelled = sk
            .ctx
            .mask_within(t, s, e, reach, 0)
            .without(&other)
            .intersects(&ID_LABELS);
        // A label whose own line holds a value before this number's line
        // is that value's (`South Africa 70651` / `082 490 1693-Office`).
        if labelled {
            let (nearest, end) = sk.ctx.nearest_before(t, s, e, reach);
            let own = !label_elsewhere(t.get(end..s).unwrap_or_default());
            // An id only written as one run of digits (an NPI) does not
            // label a number in groups (`call provider services at
            // 303-566-6509`).
            let grouped = t
                .get(s..e)
                .is_some_and(|v| v.iter().any(|c| !c.is_ascii_digit()));
            let labels = if grouped {
                nearest.without(&CONTIGUOUS_IDS)
            } else {
                nearest
            }
            .without(&other);
            if own && labels.intersects(&ID_LABELS) && !nearest.has(D::Phone as usize) {
                return;
            }
            if own && !nearest.has(D::Phone as usize) && !sk.ctx(D::Phone, s, e) {
                return;
            }
        }
    }
    // A record's or a product's number right after its label (`Order
    // number: 081-4825932`, `call ref 1636322324 for the insurer`, `NDC
    // 04025-0302-43`) is that number, whatever phone word is near.
    if !plus && coded(t, s) {
        return;
    }
    // An HL7 identifier (CX: the id, an empty check digit and scheme, then
    // its assigning authority, `917 508 7708^^^NHS^NH`), not a telephone
    // (XTN, whose next components are a use and an equipment code).
    if t.get(e..e + 3) == Some(&b"^^^"[..]) && at(t, e + 3).is_ascii_alphanumeric() {
        return;
    }
    sk.emit(D::Phone, s, e, base, adj);
}

/// True if what stands around the number at `s..e` says it is a phone's
/// though no phone word labels it: a phone word right after it (`0498
/// 843 236 : rappeler Nicolas`, `915 710 956 – llamar a Nuria`), an
/// e-mail offered as the other way to reach the same person (`através do
/// 214 673 298 ou do e-mail`, `en el 976 37 15 07 o en info@…`), or a
/// contact block: the number ends its line, alone or after a name and a
/// dash, is written in groups, and a line of the same block holds an
/// e-mail address or an international number (a letterhead's `1200-195 Lisboa` / `214 232 805`
/// / `faturacao@…`). Out of line: asked only of numbers no label claims.
#[cold]
#[inline(never)]
fn phone_cue(sk: &mut Sink<'_>, s: usize, e: usize) -> bool {
    let t = sk.t;
    // Each cue needs a space, a dash, a colon or the line's end after the
    // number (a table's `,` or `;` is none): one compare for nearly
    // every number of a CSV file.
    let next = at(t, e);
    if before(t, s) == b'|'
        && matches!(next, b'|' | b'^' | b'~' | b'\r' | b'\n')
        && hl7_phone_field(t, s)
    {
        return true;
    }
    if !(matches!(
        next,
        b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\'' | b')' | b'.' | b'*' | b':' | b'-' | b'^'
    ) || next >= 0x80
        || e >= t.len())
    {
        return false;
    }
    if next == b'^' {
        return hl7_telecom(t, e);
    }
    // In a contact block only a number in groups: one run of digits in a
    // list of values is as often an SSN or an account's number.
    let grouped = t
        .get(s..e)
        .is_some_and(|v| v.iter().any(|c| !c.is_ascii_digit()));
    phone_word_after(sk, s, e)
        || email_alternative(t, e)
        || code_sent_to(t, s)
        || grouped && (contact_block(t, s, e) || cis_layout(t, s, e) || cn_number(t, s, e))
}

/// True if `t[s..e]` is a Chinese number as it is printed: a mobile
/// ([`cn_mobile`]) or a landline of a four-digit area code and eight
/// digits (`0755-85202795`).
fn cn_number(t: &[u8], s: usize, e: usize) -> bool {
    let v = t.get(s..e).unwrap_or_default();
    let landline = v.len() == 13
        && v.first() == Some(&b'0')
        && matches!(v.get(4), Some(b'-' | b' '))
        && v.iter()
            .enumerate()
            .all(|(k, c)| k == 4 || c.is_ascii_digit());
    landline || cn_mobile(t, s, e)
}

/// True if `t[s..e]` is a Chinese mobile number as it is printed, three,
/// four and four digits (`138 8381 0109`, `150-2009-1461`), its network
/// code `13`-`19`. Zoom prints its meeting ids so (`Meeting ID: 134 2493
/// 9630`): not after an id's or a meeting's word on its line.
fn cn_mobile(t: &[u8], s: usize, e: usize) -> bool {
    let v = t.get(s..e).unwrap_or_default();
    let sep = at(t, s + 3);
    let shape = v.len() == 13
        && matches!(sep, b' ' | b'-')
        && v.iter().enumerate().all(|(k, &c)| match k {
            0 => c == b'1',
            1 => matches!(c, b'3'..=b'9'),
            3 | 8 => c == sep,
            _ => c.is_ascii_digit(),
        });
    if !shape {
        return false;
    }
    !crate::kit::line_before(t, s, 40)
        .split(|c| !c.is_ascii_alphanumeric())
        .any(|w| {
            w.eq_ignore_ascii_case(b"id")
                || w.eq_ignore_ascii_case(b"meeting")
                || w.eq_ignore_ascii_case(b"webinar")
                || w.eq_ignore_ascii_case(b"conference")
        })
}

/// True if `t[s..e]` is written as Russia and its neighbours write their
/// numbers after the trunk 8: `8 800 378-37-48`, `8-912-345-67-89` (a
/// code of three digits, then three, two and two joined by dashes).
fn cis_layout(t: &[u8], s: usize, e: usize) -> bool {
    let v = t.get(s..e).unwrap_or_default();
    let shape = |sep: u8| -> bool {
        v.len() == 15
            && v.iter().enumerate().all(|(k, &c)| match k {
                0 => c == b'8',
                1 | 5 => c == sep,
                9 | 12 => c == b'-',
                _ => c.is_ascii_digit(),
            })
    };
    shape(b' ') || shape(b'-')
}

/// HL7 v2 fields that hold telephone numbers (v2.5): PID-13 and 14, NK1-5,
/// 6 and 31, IN1-7, GT1-6 and 7, ORC-14, OBR-17, STF-10, PRD-5.
const HL7_PHONE_FIELDS: &[(&[u8], &[usize])] = &[
    (b"PID", &[13, 14]),
    (b"NK1", &[5, 6, 31]),
    (b"IN1", &[7]),
    (b"GT1", &[6, 7]),
    (b"ORC", &[14]),
    (b"OBR", &[17]),
    (b"STF", &[10]),
    (b"PRD", &[5]),
];

/// True if the value at `s` starts a field (after `|`) of an HL7 v2
/// segment that holds a telephone number: `NK1|1|HIDAYAT^PUTRI|CHD^Spouse
/// ^HL70063||0813 2780 7457`, its fifth field. Segments end at `\r` or a
/// line's end, and only `MSH` starts a message: the segment's start is
/// looked for within the bytes a stream keeps before a value, so a
/// stream and a whole scan answer alike.
#[cold]
#[inline(never)]
fn hl7_phone_field(t: &[u8], s: usize) -> bool {
    let lo = s.saturating_sub(crate::kit::LOOKBACK + crate::ctx::CONTEXT_BEFORE);
    let Some(back) = t.get(lo..s) else {
        return false;
    };
    let Some(start) = back
        .iter()
        .rposition(|&c| c == b'\n' || c == b'\r')
        .map(|q| lo + q + 1)
    else {
        return false;
    };
    let Some(seg) = t.get(start..start + 3) else {
        return false;
    };
    if at(t, start + 3) != b'|' {
        return false;
    }
    let field = t
        .get(start + 3..s)
        .map_or(0, |x| x.iter().filter(|&&c| c == b'|').count());
    HL7_PHONE_FIELDS
        .iter()
        .any(|(name, fields)| *name == seg && fields.contains(&field))
}

/// True if the number at `s` is where a one-time code or a text message
/// went, as an SMS gateway's log says (`OTP delivered to 0857 5941 7846`,
/// `verification code sent to 08025344793`): `to` right before it, a
/// verb of sending before that, and `OTP`, `SMS`, `code` or `text`
/// earlier on its line.
#[cold]
#[inline(never)]
fn code_sent_to(t: &[u8], s: usize) -> bool {
    const SENT: &[&[u8]] = &[
        b"sent",
        b"delivered",
        b"send",
        b"sending",
        b"texted",
        b"dispatched",
    ];
    const WHAT: &[&[u8]] = &[b"otp", b"sms", b"code", b"text", b"passcode"];
    if s < 4
        || !t
            .get(s - 4..s)
            .is_some_and(|w| w.eq_ignore_ascii_case(b" to "))
    {
        return false;
    }
    let mut words = crate::kit::line_before(t, s - 4, 76)
        .split(|c| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty());
    let Some(verb) = words.next_back() else {
        return false;
    };
    SENT.iter().any(|w| verb.eq_ignore_ascii_case(w))
        && words.any(|x| WHAT.iter().any(|w| x.eq_ignore_ascii_case(w)))
}

/// True if the run of digits at `s` (after `=`) is the recipient of an
/// SMS or a one-time code in a URL's query: `/otp/send?to=08025344793`,
/// `/api/sms?msisdn=…` — a key naming a recipient, after `?` or `&`, on
/// a path with `sms`, `otp`, `whatsapp`, `2fa`, `mfa` or `verif` in it.
#[cold]
#[inline(never)]
fn sms_query(t: &[u8], s: usize) -> bool {
    const KEYS: &[&[u8]] = &[
        b"to",
        b"recipient",
        b"dest",
        b"destination",
        b"msisdn",
        b"number",
        b"receiver",
    ];
    const PATHS: &[&[u8]] = &[b"sms", b"otp", b"whatsapp", b"2fa", b"mfa", b"verif"];
    let Some(eq) = s.checked_sub(1) else {
        return false;
    };
    let lo = eq.saturating_sub(16);
    let ks = t
        .get(lo..eq)
        .and_then(|b| {
            b.iter()
                .rposition(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
        })
        .map_or(lo, |q| lo + q + 1);
    if !matches!(before(t, ks), b'?' | b'&')
        || !t
            .get(ks..eq)
            .is_some_and(|k| KEYS.iter().any(|w| k.eq_ignore_ascii_case(w)))
    {
        return false;
    }
    // The URL back to its start: a space, a quote or the line's start.
    let lo = ks.saturating_sub(160);
    let url = t.get(lo..ks).unwrap_or_default();
    let from = url
        .iter()
        .rposition(|&c| matches!(c, b' ' | b'\t' | b'"' | b'\'' | b'\n' | b'<' | b'('))
        .map_or(0, |q| q + 1);
    let url = url.get(from..).unwrap_or_default();
    PATHS
        .iter()
        .any(|p| url.windows(p.len()).any(|w| w.eq_ignore_ascii_case(p)))
}

/// An HL7 v2 telecom field's components after the number (`8 800
/// 467-72-35^PRN^PH~…`): a use code of HL7 table 0201 (`PRN` primary
/// residence, `WPN` work, `ORN`, `VHN`, `ASN`, `EMR`, `BPN`, `PRS`), or
/// none and an equipment type of table 0202 (`^^PH`, `^^CP`, `^^FX`,
/// `^^BP`, `^^MD`), each ending its component.
fn hl7_telecom(t: &[u8], e: usize) -> bool {
    const USE: &[&[u8]] = &[
        b"PRN", b"WPN", b"ORN", b"VHN", b"ASN", b"EMR", b"BPN", b"PRS",
    ];
    const EQUIPMENT: &[&[u8]] = &[b"PH", b"CP", b"FX", b"BP", b"MD"];
    let ends = |i: usize| matches!(at(t, i), b'^' | b'~' | b'|' | b'\r' | b'\n' | 0);
    let code = |i: usize, set: &[&[u8]]| {
        set.iter()
            .any(|c| t.get(i..i + c.len()) == Some(c) && ends(i + c.len()))
    };
    code(e + 1, USE) || (at(t, e + 1) == b'^' && code(e + 2, EQUIPMENT))
}

/// Skips spaces and tabs from `i`.
fn skip_blank(t: &[u8], mut i: usize) -> usize {
    while matches!(at(t, i), b' ' | b'\t') {
        i += 1;
    }
    i
}

/// A dash or colon between a number and what is said of it: `-`, `:`,
/// `–`, `—`; its length, 0 if none.
fn dash_at(t: &[u8], i: usize) -> usize {
    match at(t, i) {
        b'-' | b':' => 1,
        0xE2 if at(t, i + 1) == 0x80 && matches!(at(t, i + 2), 0x93 | 0x94) => 3,
        _ => 0,
    }
}

/// A phone word right after the number and a dash or colon.
fn phone_word_after(sk: &mut Sink<'_>, s: usize, e: usize) -> bool {
    let t = sk.t;
    let i = skip_blank(t, e);
    let d = dash_at(t, i);
    // A `-` glued to the number joins it to what follows (`0123-call`).
    if d == 0 || i == e && at(t, i) == b'-' {
        return false;
    }
    let w = skip_blank(t, i + d);
    let len = t
        .get(w..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&c| c.is_ascii_alphabetic() || c >= 0x80)
        .count();
    len >= 2
        && sk
            .ctx
            .mask_within(t, s, e, 0, w + len - e)
            .has(D::Phone as usize)
}

/// Words that offer an e-mail as the other way: `ou`, `o`, `or`, `oder`,
/// `of`, `lub`, `eller`, `oppure`.
const OR_WORDS: &[&[u8]] = &[
    b"ou", b"o", b"or", b"oder", b"of", b"lub", b"eller", b"oppure",
];

/// True if the number is followed by an "or" word and, within the next
/// four words, an e-mail's word or address.
fn email_alternative(t: &[u8], e: usize) -> bool {
    if at(t, e) != b' ' {
        return false;
    }
    let rest = t.get(e + 1..(e + 48).min(t.len())).unwrap_or_default();
    let mut words = rest.split(|&c| c == b' ').filter(|w| !w.is_empty());
    if !words
        .next()
        .is_some_and(|w| OR_WORDS.iter().any(|o| w.eq_ignore_ascii_case(o)))
    {
        return false;
    }
    words.take(4).any(|w| {
        let w = w.trim_ascii_end();
        w.contains(&b'@')
            || [&b"e-mail"[..], b"email", b"mail", b"correo", b"courriel"]
                .iter()
                .any(|m| w.get(..m.len()).is_some_and(|p| p.eq_ignore_ascii_case(m)))
    })
}

/// Characters that may stand around a number alone on its line: quotes,
/// brackets, a list's bullet and emphasis.
fn framing(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\r'
            | '"'
            | '\''
            | '('
            | ')'
            | '*'
            | '•'
            | '«'
            | '»'
            | '“'
            | '”'
            | '„'
            | '‘'
            | '’'
            | '.'
    )
}

/// True if the number ends its line (framing aside) and starts it, or
/// follows a dash after words without digits (`* **Joanna
/// Nowak** – 603 765 443`), and a line of its block within two above or
/// below holds an e-mail address or an international number.
fn contact_block(t: &[u8], s: usize, e: usize) -> bool {
    // The line's start, framing or a name's dash right before.
    let p = before(t, s);
    if !(matches!(p, b'\n' | b' ' | b'\t' | b'"' | b'\'' | b'(' | b'*') || p >= 0x80 || s == 0) {
        return false;
    }
    let from = s.saturating_sub(120);
    let ls = match t
        .get(from..s)
        .and_then(|h| h.iter().rposition(|&c| c == b'\n'))
    {
        Some(k) => from + k + 1,
        None if from == 0 => 0,
        None => return false,
    };
    let to = (e + 16).min(t.len());
    let le = match t
        .get(e..to)
        .and_then(|r| r.iter().position(|&c| c == b'\n'))
    {
        Some(k) => e + k,
        None if to == t.len() => to,
        None => return false,
    };
    let (Ok(head), Ok(tail)) = (
        std::str::from_utf8(t.get(ls..s).unwrap_or_default()),
        std::str::from_utf8(t.get(e..le).unwrap_or_default()),
    ) else {
        return false;
    };
    if !tail.chars().all(framing) {
        return false;
    }
    let head = head.trim_end_matches(framing);
    let named = head
        .strip_suffix(['-', '–', '—'])
        .is_some_and(|h| !h.trim().is_empty() && !h.bytes().any(|c| c.is_ascii_digit()));
    if !head.is_empty() && !named {
        return false;
    }
    // The block's lines around: up to two each way, not past a blank one.
    let mut up = ls;
    for _ in 0..2 {
        if up < 2 {
            break;
        }
        let start = t
            .get(..up - 1)
            .and_then(|h| h.iter().rposition(|&c| c == b'\n'))
            .map_or(0, |k| k + 1);
        let line = t.get(start..up - 1).unwrap_or_default();
        if line.trim_ascii().is_empty() {
            break;
        }
        if reachable(line) {
            return true;
        }
        up = start;
    }
    let mut down = le;
    for _ in 0..2 {
        if down >= t.len() {
            break;
        }
        let end = t
            .get(down + 1..)
            .and_then(|r| r.iter().position(|&c| c == b'\n'))
            .map_or(t.len(), |k| down + 1 + k);
        let line = t.get(down + 1..end).unwrap_or_default();
        if line.trim_ascii().is_empty() {
            break;
        }
        if reachable(line) {
            return true;
        }
        down = end;
    }
    false
}

/// True if a line holds an e-mail address (`@` between a letter or digit
/// and a domain with a dot) or an international number (`+` and eight
/// digits or more in a phone's characters).
fn reachable(line: &[u8]) -> bool {
    let line = line.get(..line.len().min(200)).unwrap_or_default();
    for (k, &c) in line.iter().enumerate() {
        if c == b'@'
            && k > 0
            && at(line, k - 1).is_ascii_alphanumeric()
            && line
                .get(k + 1..)
                .unwrap_or_default()
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-'))
                .filter(|&&c| c == b'.')
                .count()
                >= 1
        {
            return true;
        }
        if c == b'+' && at(line, k + 1).is_ascii_digit() && !before(line, k).is_ascii_alphanumeric()
        {
            let digits = line
                .get(k + 1..)
                .unwrap_or_default()
                .iter()
                .take_while(|c| c.is_ascii_digit() || matches!(c, b' ' | b'-' | b'.' | b'(' | b')'))
                .filter(|c| c.is_ascii_digit())
                .count();
            if digits >= 8 {
                return true;
            }
        }
    }
    false
}

/// The qualifiers of an X12 contact segment (`PER`) whose number is a
/// telephone's: telephone, fax, cellular, work, home.
const X12_PHONE: &[&[u8]] = &[b"TE", b"FX", b"CP", b"WP", b"HP"];

/// True if the value at `s` is an element of an X12 EDI segment (`~`
/// ends a segment, `*` separates its elements) named `seg`, right after
/// a qualifier of `quals`: `NM1*85*2*CLINIC*****XX*1234567893~` (an NPI),
/// `PER*IC*BILLING*TE*6516463569~` (a telephone). Health claims (837),
/// remittances (835) and eligibility (270/271) carry identifiers so.
#[cold]
#[inline(never)]
fn x12_element(t: &[u8], s: usize, seg: &[u8], quals: &[&[u8]]) -> bool {
    if s < 4 || at(t, s - 1) != b'*' || at(t, s - 4) != b'*' {
        return false;
    }
    let q = t.get(s - 3..s - 1).unwrap_or_default();
    if !quals.contains(&q) {
        return false;
    }
    let head = t.get(s.saturating_sub(120)..s - 4).unwrap_or_default();
    let from = head
        .iter()
        .rposition(|&c| matches!(c, b'~' | b'\n'))
        .map_or(0, |k| k + 1);
    let segment = head.get(from..).unwrap_or_default().trim_ascii_start();
    segment.len() > seg.len() && segment.starts_with(seg) && at(segment, seg.len()) == b'*'
}

/// True if the value at `s` is a key's whose name is a time's (`ts=`,
/// `"created_at": `, `timestamp: `, `exp=`): the key right before it,
/// after at most a quote and a space.
#[cold]
#[inline(never)]
fn time_keyed(t: &[u8], s: usize) -> bool {
    let head = t.get(s.saturating_sub(40)..s).unwrap_or_default();
    let head = head.strip_suffix(b"\"").unwrap_or(head).trim_ascii_end();
    let Some(head) = head.strip_suffix(b"=").or_else(|| head.strip_suffix(b":")) else {
        return false;
    };
    let head = head.strip_suffix(b"\"").unwrap_or(head).trim_ascii_end();
    let n = head
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    let key = head
        .get(head.len() - n..)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let word = key.rsplit(|&c| c == b'_').next().unwrap_or_default();
    matches!(
        word,
        b"ts" | b"time" | b"timestamp" | b"epoch" | b"at" | b"exp" | b"iat" | b"nbf" | b"expires"
    ) || key.ends_with(b"time")
        || key.ends_with(b"timestamp")
}

/// Words that label a number as a record's or a product's, right before
/// it (`Order number: 081-4825932`, `N° de commande : 04 62 20 87 86`,
/// `Bestellnummer 056 2992 3807`, `Nº de pedido: 880-585-9441`, `call
/// ref 1636322324`, `NDC 04025-0302-43`): never a phone number's label,
/// in whatever layout, in the languages of the phone words. Compared
/// whole, ignoring ASCII case.
const RECORD_WORDS: &[&str] = &[
    // English
    "ref",
    "reference",
    "ticket",
    "invoice",
    "booking",
    "confirmation",
    "transaction",
    "txn",
    "trace",
    "case",
    "claim",
    "order",
    "incident",
    "request",
    "receipt",
    "tracking",
    "customer",
    "ndc",
    "sku",
    "upc",
    "ean",
    "gtin",
    "isbn",
    "issn",
    "lot",
    "batch",
    "serial",
    // A VAT number's words (`N° TVA intracommunautaire : FR 04 246414011`,
    // `USt-IdNr. DE 123456789`): an EU VAT number's digits after its
    // country code are no phone's.
    "vat",
    "tva",
    "intracommunautaire",
    "iva",
    "btw",
    "idnr",
    "mwst",
    // German, Dutch, Nordic
    "bestellnummer",
    "bestellung",
    "bestellbestätigung",
    "auftragsbestätigung",
    "auftragsnummer",
    "auftrag",
    "rechnungsnummer",
    "rechnung",
    "kundennummer",
    "referenz",
    "aktenzeichen",
    "vorgangsnummer",
    "bestelnummer",
    "bestelling",
    "ordernummer",
    "factuurnummer",
    "factuur",
    "klantnummer",
    "referentie",
    "beställning",
    "fakturanummer",
    "kundnummer",
    "referens",
    // French, Spanish, Portuguese, Italian
    "commande",
    "facture",
    "client",
    "référence",
    "dossier",
    "pedido",
    "factura",
    "cliente",
    "referencia",
    "expediente",
    "encomenda",
    "fatura",
    "referência",
    "ordine",
    "fattura",
    "riferimento",
    "pratica",
    // Polish
    "zamówienia",
    "zamówienie",
    "zamowienia",
    "faktury",
    "klienta",
    "sprawy",
];

/// Words between a record's word and its number (`Order number:`,
/// `reference is`, `Bestellung Nr.`), passed over.
const RECORD_GAP: &[&str] = &[
    "number", "no", "nr", "num", "nummer", "numer", "numero", "número", "numéro", "is", "was",
    "es", "est", "ist", "id",
];

/// [`reference_label`], asked only where a label could end right before
/// `s`: in a table a value follows a delimiter.
#[inline]
fn coded(t: &[u8], s: usize) -> bool {
    matches!(
        before(t, s),
        b' ' | b':' | b'#' | b'.' | b'\t' | b'(' | b'"' | b'\''
    ) && reference_label(t, s)
}

/// True if the word right before `s` (past spaces, quotes, `:`, `#`, `°`, `º`,
/// a leader of dots, and the words of [`RECORD_GAP`]) is one of
/// [`RECORD_WORDS`].
#[cold]
fn reference_label(t: &[u8], s: usize) -> bool {
    let mut k = s;
    for _ in 0..3 {
        let from = k;
        while k > 0
            && from - k < 24
            && (matches!(at(t, k - 1), b' ' | b':' | b'#' | b'.' | b'\t' | b'(' | b'"' | b'\'')
                // `°` and `º` (`N° `, `Nº `)
                || k >= 2 && matches!(t.get(k - 2..k), Some(b"\xC2\xB0" | b"\xC2\xBA")))
        {
            k -= if at(t, k - 1) >= 0x80 { 2 } else { 1 };
        }
        let end = k;
        // A word's letters, UTF-8 ones too (`zamówienia`).
        while k > 0 && end - k < 24 && (at(t, k - 1).is_ascii_alphabetic() || at(t, k - 1) >= 0x80)
        {
            k -= 1;
        }
        let word = t.get(k..end).unwrap_or_default();
        if end == k || at(t, k.wrapping_sub(1)).is_ascii_alphanumeric() {
            return false;
        }
        let is = |list: &[&str]| list.iter().any(|w| w.as_bytes().eq_ignore_ascii_case(word));
        if is(RECORD_WORDS) {
            return true;
        }
        // A country code in capitals (a VAT number's `FR 04 …`) is passed
        // over like a gap word: the record's word is before it.
        let country = matches!(word, [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase());
        if !is(RECORD_GAP) && !country {
            return false;
        }
    }
    false
}

/// True if `gap`, the text between a label and a value, says the label
/// is not the value's: it holds a value of the label's own line (a
/// digit, then a line break), or the value's line has words of its own
/// before it (`Contoso Bank plc` / `T: 1-267-225-7800`, `… from the
/// bank.` / `The caller (404-969-2943)`), where a label alone on its
/// line (`Bank account:` / `12345678`) is the value's.
fn label_elsewhere(gap: &[u8]) -> bool {
    // A sentence ended between them (`… if the charge fails.` / `0161 408
    // 0007 - call back …`): the word was the sentence's, no label.
    let ended = gap.windows(5).any(|w| {
        w.iter().take(3).all(u8::is_ascii_lowercase)
            && matches!(w.get(3), Some(b'.' | b'!' | b'?'))
            && matches!(w.get(4), Some(b' ' | b'\n' | b'\r'))
    });
    let value_before = gap
        .iter()
        .position(u8::is_ascii_digit)
        .is_some_and(|k| gap.get(k..).is_some_and(|g| g.contains(&b'\n')));
    ended
        || value_before
        || gap.iter().rposition(|&b| b == b'\n').is_some_and(|k| {
            gap.get(k..)
                .is_some_and(|l| l.iter().any(u8::is_ascii_alphabetic))
        })
}

/// Words that label a phone number in an address block or an e-mail
/// signature (`Office: 020 7946 0958`, `… 082 490 1693 office`) and
/// are no phone words elsewhere (`office`, `home` and `work` are in any
/// text): before a number they count only with a colon.
const SIGNATURE_LABELS: &[&[u8]] = &[
    b"office",
    b"direct",
    b"desk",
    b"work",
    b"home",
    b"main",
    b"business",
    b"private",
    b"contact",
    // `Fixe : 01 23 45 67 89` (French, a landline).
    b"fixe",
    b"reception",
    b"switchboard",
    b"landline",
    b"hotline",
    b"helpline",
    b"line",
];

/// The labels that say phone after a number too (` office`, `-Office`,
/// ` (home)`), at the end of its line or before punctuation.
const SIGNATURE_LABELS_AFTER: &[&[u8]] =
    &[b"office", b"direct", b"desk", b"work", b"home", b"landline"];

/// True if the phone number at `s..e` has a signature's label: right
/// before it (spaces between) a word of [`SIGNATURE_LABELS`] or one
/// capital letter (`T:`, `M:`, `O:`, `D:`, `P:`, `F:`, `C:`, `H:`, `W:`,
/// standing alone) and a colon (`Direct.:` too; abbreviations such as
/// `Off.` are not taken); or right after it a word of
/// [`SIGNATURE_LABELS_AFTER`] after a space or `-`, in parentheses or
/// not, then the end of the line, the text or a punctuation mark.
#[cold]
#[inline(never)]
fn signature_label(t: &[u8], s: usize, e: usize) -> bool {
    let head = t.get(..s).unwrap_or_default();
    let head = head.trim_ascii_end();
    let head = head
        .strip_suffix(b":")
        .map(|h| h.strip_suffix(b".").unwrap_or(h).trim_ascii_end());
    if let Some(h) = head {
        let w = h
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        let word = h.get(h.len() - w..).unwrap_or_default();
        let alone = h
            .len()
            .checked_sub(w + 1)
            .is_none_or(|k| !at(h, k).is_ascii_alphanumeric() && at(h, k) != b'_');
        if alone
            && (SIGNATURE_LABELS
                .iter()
                .any(|l| word.eq_ignore_ascii_case(l))
                || matches!(
                    word,
                    [b'T' | b'M' | b'O' | b'D' | b'P' | b'F' | b'C' | b'H' | b'W']
                ))
        {
            return true;
        }
    }
    let tail = t.get(e..).unwrap_or_default();
    let Some(tail) = tail.strip_prefix(b" ").or_else(|| tail.strip_prefix(b"-")) else {
        return false;
    };
    let (tail, paren) = match tail.strip_prefix(b"(") {
        Some(x) => (x, true),
        None => (tail, false),
    };
    let w = tail.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    let word = tail.get(..w).unwrap_or_default();
    let rest = tail.get(w..).unwrap_or_default();
    let rest = if paren {
        match rest.strip_prefix(b")") {
            Some(r) => r,
            None => return false,
        }
    } else {
        rest
    };
    // Unless in parentheses, the label ends its line or its item (`…
    // 12 345 678 home loans` is a count of loans).
    let blank = rest
        .iter()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .count();
    let rest = rest.get(blank..).unwrap_or_default();
    SIGNATURE_LABELS_AFTER
        .iter()
        .any(|l| word.eq_ignore_ascii_case(l))
        && (paren
            || rest
                .first()
                .is_none_or(|&c| matches!(c, b'\n' | b'\r' | b',' | b';' | b'.' | b'\\' | b'|')))
}

/// Where a phone number's walk that ended at `i` on something that does
/// not stand free ends instead, if anywhere: before a loose separator
/// taken (`0322829580 -111ATBB…`: what followed it was no group), or
/// before its last group when a space joined that group and a date's or a
/// time's `/` or `:` follows it (`(914) 349-8600 04/21/2020`). Clears the
/// dropped groups' lengths and separators and returns the walk's new end,
/// group count and digit count; `None` if neither holds. Out of line:
/// almost every number stands free. (Its two clearing loops are written
/// out: folding them into a helper cost 2.4% of the CSV benchmark's
/// instructions through where the compiler then cut the crate.)
#[cold]
#[inline(never)]
fn refit_phone(
    t: &[u8],
    (i, groups, digits): (usize, usize, usize),
    glens: &mut [usize; 8],
    seps: &mut [u8; 8],
    loose_from: usize,
    plus: bool,
) -> Option<(usize, usize, usize)> {
    if loose_from != 0 {
        // The groups before the loose separator: the area code, and the
        // country code before it after a `+`.
        let lg = 1 + usize::from(plus);
        let ld = glens.iter().take(lg).sum();
        for k in lg..8 {
            if let Some(x) = seps.get_mut(k) {
                *x = 0;
            }
            if let Some(x) = glens.get_mut(k) {
                *x = 0;
            }
        }
        return right_ok(t, loose_from, true).then_some((loose_from, lg, ld));
    }
    if groups < 3 || seps.get(groups - 1) != Some(&b' ') || !matches!(at(t, i), b'/' | b':') {
        return None;
    }
    let last = glens.get(groups - 1).copied().unwrap_or(0);
    if let Some(x) = seps.get_mut(groups - 1) {
        *x = 0;
    }
    if let Some(x) = glens.get_mut(groups - 1) {
        *x = 0;
    }
    // The group and the space before it.
    Some((i - last - 1, groups - 1, digits - last))
}

/// True if an area code in parentheses opens at `i`: `(`, one to four
/// digits, `)`.
#[inline(never)]
fn paren_area(t: &[u8], i: usize) -> bool {
    let n = t.get(i + 1..).map_or(0, digit_run);
    at(t, i) == b'(' && (1..=4).contains(&n) && at(t, i + 1 + n) == b')'
}

/// Where a parenthesised area code's number starts (`s`, its `(`): at
/// North America's trunk 1 before it, standing alone (not the end of an
/// earlier number), `1 (415) 555-2671` or glued, `1(516)733-3989`; or at
/// Russia's and Kazakhstan's trunk 8 the same way, `8 (912) 345-67-89`.
#[inline(never)]
fn trunk_before_paren(t: &[u8], s: usize, ws: usize) -> usize {
    if at(t, ws + 3) != b')' {
        return s;
    }
    let alone = |k: usize, comma: bool| {
        matches!(at(t, k), b'1' | b'8')
            && !before(t, k).is_ascii_alphanumeric()
            && (comma && before(t, k) == b','
                || !matches!(before(t, k), b'.' | b',' | b'-' | b'/' | b'+'))
    };
    // A field of a CSV row may start with the trunk (`…,Dublin,1 (713)
    // 242-2964,…`) when a space sets it apart; `3,1(713)` is a list.
    if s >= 2 && at(t, s - 1) == b' ' && alone(s - 2, true) {
        s - 2
    } else if s >= 1 && alone(s - 1, false) {
        s - 1
    } else {
        s
    }
}

/// Bytes of a separator with a space on one side or both at `i` (see
/// [`loose_sep`]) before a group of two to eight digits that keeps a
/// number of `digits` digits within 15: `0176/ 12345678`, not `… -
/// 801764584649505`. Out of line: asked only where a walk stops at a
/// space, `-` or `/`.
#[cold]
#[inline(never)]
fn loose_group(t: &[u8], i: usize, digits: usize) -> Option<usize> {
    let ls = loose_sep(t, i);
    let next = t.get(i + ls..).map_or(0, digit_run);
    (ls > 0 && (2..=8).contains(&next) && digits + next <= 15).then_some(ls)
}

/// True if the walk's one group of three digits from `ws`, starting 2-9,
/// ends at a slash `i` followed by seven digits (`312-4312`, `3124312`):
/// a North American area code written before a slash. Out of line: rare.
#[cold]
#[inline(never)]
fn nanp_slash(t: &[u8], ws: usize, groups: usize, gl: usize, plus: bool, i: usize) -> bool {
    groups == 1
        && !plus
        && gl == 3
        && matches!(at(t, ws), b'2'..=b'9')
        && digits_in_groups(t, i + 1) == 7
}

/// Bytes of a separator with a space on one side or both at `i`, before a
/// digit: `/ `, `- `, ` /`, ` -`, ` / `, ` - ` (0 if none).
#[inline]
fn loose_sep(t: &[u8], i: usize) -> usize {
    let sep = |c: u8| matches!(c, b'-' | b'/');
    let n = match (at(t, i), at(t, i + 1), at(t, i + 2)) {
        (a, b' ', _) if sep(a) => 2,
        (b' ', b, b' ') if sep(b) => 3,
        (b' ', b, _) if sep(b) => 2,
        _ => 0,
    };
    if n > 0 && at(t, i + n).is_ascii_digit() {
        n
    } else {
        0
    }
}

/// True if the digits from `ws` (a `+` number of `digits` digits whose
/// first group has `first_len`) start with a country code in use, wholly
/// inside the first group, and the national number after it has a length
/// that code's plan has; one more when it starts with a trunk 0 written
/// after the code (`+44 020 7946 0958`).
#[inline(never)]
fn plan_fits(t: &[u8], ws: usize, first_len: usize, digits: usize) -> bool {
    let g = t.get(ws..ws + first_len.min(3)).unwrap_or_default();
    let Some((k, lo, hi)) = v::e164_country(g) else {
        return false;
    };
    if k == 1 && !nanp_after_code(t, ws) {
        return false;
    }
    let nsn = digits - k;
    if (lo..=hi).contains(&nsn) {
        return true;
    }
    // One digit too many: fits if the national number starts with 0, in
    // the first group or the next one (after a space, a dash, a dot or a
    // parenthesis).
    let mut j = ws + k;
    while j < ws + k + 3 && !at(t, j).is_ascii_digit() {
        j += 1;
    }
    nsn == hi + 1 && at(t, j) == b'0'
}

/// True unless the country code at `cc` is North America's `1` and the
/// digits after it do not start with an area code and an exchange that
/// exist (both 2-9): `+1 139 182 0500` and `001-1391820-5` are no calls
/// there, as `139-182-0500` is none without the code.
fn nanp_after_code(t: &[u8], cc: usize) -> bool {
    if at(t, cc) != b'1' {
        return true;
    }
    let mut d = [0u8; 4];
    let mut n = 0;
    let mut j = cc + 1;
    while n < 4 && j < cc + 12 {
        let c = at(t, j);
        if c.is_ascii_digit() {
            if let Some(x) = d.get_mut(n) {
                *x = c;
            }
            n += 1;
        } else if !matches!(c, b' ' | b'-' | b'.' | b'(' | b')') {
            break;
        }
        j += 1;
    }
    n == 4 && matches!(d, [b'2'..=b'9', _, _, b'2'..=b'9'])
}

/// True if the word ending at `dot` (a '.' before a number) holds a digit:
/// the number is one field of a dotted key or hex id.
#[cold]
#[inline(never)]
fn dotted_key(t: &[u8], dot: usize) -> bool {
    let w = t.get(dot.saturating_sub(16)..dot).unwrap_or_default();
    w.iter()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric())
        .any(u8::is_ascii_digit)
}

/// A number after its trunk `0` in the layout its country prints, one
/// separator throughout: the UK's eleven digits after `01`, `02`, `03`,
/// `07` or `08` (`07943 912444`, `07943 912 444`, `0114 532 7082`, `020
/// 7946 0958`, `01632 960983`) and France's ten in five pairs after `01`
/// to `09` (`06 94 79 02 32`, `07.50.60.89.40`). No other number is
/// written so, so it needs no phone word (as a North American number in
/// its layout does not); any other national layout does.
#[cold]
#[inline(never)]
fn printed_national(t: &[u8], ws: usize, gl: &[usize], seps: &[u8], digits: usize) -> bool {
    let Some(&sep) = seps.get(1) else {
        return false;
    };
    let uniform = seps
        .get(1..gl.len())
        .is_some_and(|x| x.iter().all(|&c| c == sep));
    let second = at(t, ws + 1);
    let uk = digits == 11
        && sep == b' '
        && matches!(second, b'1' | b'2' | b'3' | b'7' | b'8')
        && matches!(gl, [5, 6] | [5, 3, 3] | [4, 3, 4] | [3, 4, 4]);
    let fr = digits == 10
        && matches!(sep, b' ' | b'.')
        && matches!(second, b'1'..=b'9')
        && gl == [2, 2, 2, 2, 2]
        && !pairs_in_steps(t, ws);
    at(t, ws) == b'0' && uniform && (uk || fr)
}

/// Five pairs of digits from `ws`, one separator apart, that go up or
/// down in equal steps (`01 02 03 04 05`, a hex dump's first bytes or a
/// form's placeholder).
fn pairs_in_steps(t: &[u8], ws: usize) -> bool {
    let pair = |k: usize| {
        let i = ws + 3 * k;
        i32::from(at(t, i).wrapping_sub(b'0')) * 10 + i32::from(at(t, i + 1).wrapping_sub(b'0'))
    };
    let step = pair(1) - pair(0);
    (2..5).all(|k| pair(k) - pair(k - 1) == step)
}

/// True if groups `gl` from `ws`, every one after the first joined by a
/// dot (`seps`), of `digits` digits, read as a phone number printed with
/// dots: three groups or more of two to four digits, eight to twelve in
/// all, and not four groups an IPv4 address could be (`192.168.10.20`).
#[cold]
#[inline(never)]
fn dotted_phone(t: &[u8], ws: usize, gl: &[usize], seps: &[u8], digits: usize) -> bool {
    let n = gl.len();
    if n < 3 || !(8..=12).contains(&digits) || !gl.iter().all(|l| (2..=4).contains(l)) {
        return false;
    }
    if seps.get(1..n).is_none_or(|x| x.iter().any(|&c| c != b'.')) {
        return false;
    }
    // Four groups of up to three digits, none zero-padded: an address.
    let mut k = ws;
    let mut ip = n == 4;
    for &l in gl {
        let g = t.get(k..k + l).unwrap_or_default();
        ip &= l <= 3 && num(g) <= 255 && !(l > 1 && g.first() == Some(&b'0'));
        k += l + 1;
    }
    !ip
}

/// The digits of the groups from `i`, joined by single spaces or dashes,
/// when the first has three or more (`712 264`, `550-3261`): what may
/// follow an area code's slash.
#[cold]
#[inline(never)]
fn digits_in_groups(t: &[u8], mut i: usize) -> usize {
    let mut n = 0;
    loop {
        let k = t.get(i..).map_or(0, digit_run);
        if k == 0 || (n == 0 && k < 3) {
            return n;
        }
        n += k;
        i += k;
        if !(matches!(at(t, i), b' ' | b'-') && at(t, i + 1).is_ascii_digit()) || n > 15 {
            return n;
        }
        i += 1;
    }
}

/// True if groups `gl` of digits from `ws` (one separator byte between
/// groups) are a layout that is not a phone number's anywhere: a date
/// (`2024 06 25`, `25-06-2024`, `20220604`), a timestamp
/// (`20261205143022`), a year range (`2019-2020`), ZIP+4 or the SSN's.
fn date_layout(t: &[u8], ws: usize, gl: &[usize]) -> bool {
    let val = |a: usize, n: usize| t.get(a..a + n).map_or(0, num);
    let year = |y: u32| (1900..=2099).contains(&y);
    match *gl {
        [3, 2, 4] => true,
        // ZIP+4 is printed with its dash; `05925 0035` is a national
        // number (Austria's five-digit area codes).
        [5, 4] => at(t, ws + 5) == b'-',
        // A date, alone or before its time (`2029-01-19 23:58:02`).
        [4, 2, 2, ..] => calendar_day(val(ws, 4), val(ws + 5, 2), val(ws + 8, 2), true),
        [2, 2, 4, ..] => calendar_day(val(ws + 6, 4), val(ws, 2), val(ws + 3, 2), false),
        [4, 4] => year(val(ws, 4)) && year(val(ws + 5, 4)),
        [8 | 12 | 14] => yyyymmdd(t.get(ws..ws + 8).unwrap_or_default()),
        _ => false,
    }
}

/// Words that may stand between a phone word and its number (`call me
/// at`, `sms sent to`, `Tel. no.`, `phone number is`; `los teléfonos son`,
/// `llamé al`, `le téléphone est`, `o telefone é`, `Telefon ist`; a word
/// of letters outside ASCII, such as `é`, is no word here and passes).
const LABEL_GAP_WORDS: &[&[u8]] = &[
    b"me", b"at", b"to", b"on", b"is", b"no", b"nr", b"number", b"num", b"my", b"our", b"via",
    b"sent", b"us", b"es", b"son", b"al", b"a", b"el", b"mi", b"de", b"est", b"sont", b"au", b"le",
    b"mon", b"o", b"e", b"meu", b"il", b"mio", b"ist", b"sind", b"unter", b"mein",
    // `Sie erreichen mich unter`, `dzwonić pod numer`, `Tel. kom.:`,
    // `bellen op`, `ring till`.
    b"mich", b"uns", b"pod", b"numer", b"numerem", b"nummer", b"kom", b"op", b"till", b"do",
    b"pelo", b"para",
    // Prepositions before a number in Polish, Portuguese and Italian
    // (`SMS … na numer`, `SMS de lembrete no`, `per`).
    b"na", b"z", b"w", b"em", b"ao", b"per",
    // A vCard's parameters between `TEL` and its value
    // (`TEL;TYPE=work,voice:8 800 883-05-13`).
    b"type", b"voice", b"cell", b"work", b"home", b"pref", b"value", b"uri", b"msg",
];

/// Words that join the last items of a list: `Tel. 983 45 65 72 y 635 576
/// 281`.
const LIST_JOINS: &[&[u8]] = &[
    b"and", b"or", b"y", b"o", b"e", b"et", b"ou", b"und", b"oder", b"alt",
];

/// [`phone_label_before`], for the id walks outside this module.
pub(crate) fn phone_labelled(sk: &mut Sink<'_>, s: usize, e: usize) -> bool {
    phone_label_before(sk, s, e)
}

/// True if this number's label is a phone word: the context phrase nearest
/// before `s..e`, within [`LABEL_BEFORE`] bytes, serves phone numbers and
/// only punctuation or [`LABEL_GAP_WORDS`] stand between (`Tlf.: `,
/// `手机：`, `call me at `); or the number is in a phone column; or it is
/// an item of a list whose first item has such a label.
fn phone_label_before(sk: &mut Sink<'_>, s: usize, e: usize) -> bool {
    // The column first: in a table every row's number would otherwise
    // walk back over the row's cells as list items (2.5% of the CSV
    // benchmark's instructions) before the header answered.
    if phone_word_right_before(sk, s, e) || sk.in_column(D::Phone, s, e) {
        return true;
    }
    // One item of a list after the word: `Tel.: 737 635 897, 601 707 751;
    // 736 236 570` (each number after a comma or semicolon and one before
    // it, up to four back).
    let t = sk.t;
    let mut k = s;
    for _ in 0..4 {
        match list_item_before(t, k) {
            Some(j) => k = j,
            None => break,
        }
        if phone_word_right_before(sk, k, e) {
            return true;
        }
    }
    false
}

/// Most indentation [`line_indent`] counts.
const MAX_INDENT: usize = 16;

/// The blanks that start the line holding `s`, at most [`MAX_INDENT`].
fn line_indent(t: &[u8], s: usize) -> usize {
    let lo = s.saturating_sub(crate::ctx::CONTEXT_BEFORE);
    let Some(ls) = t.get(lo..s).and_then(|r| memchr::memrchr(b'\n', r)) else {
        return 0;
    };
    run(t, lo + ls + 1, MAX_INDENT, |c| matches!(c, b' ' | b'\t')).min(MAX_INDENT)
}

/// True if the context phrase nearest before `s`, within [`LABEL_BEFORE`]
/// bytes, serves phone numbers and only punctuation or
/// [`LABEL_GAP_WORDS`] stand between.
fn phone_word_right_before(sk: &mut Sink<'_>, s: usize, e: usize) -> bool {
    let t = sk.t;
    // The value's line's indentation does not count against the reach: a
    // pretty-printed record's phone word is a sibling key's value on the
    // line above (`"kind": "mobile",` over `      "number": "06.44…"`).
    let reach = LABEL_BEFORE + line_indent(t, s);
    let (near, end) = sk.ctx.nearest_before(t, s, e, reach);
    if near.has(D::Phone as usize) {
        let gap = t.get(end..s).unwrap_or_default();
        // Gap words and a single digit (`Phone 2: …`, a vCard's
        // `PREF=1`); after a message's word, one other word before a gap
        // word in one clause (`SMS de lembrete no …`, `SMS reminder to
        // …`; not `cell in 12345678`).
        let message = t
            .get(end.saturating_sub(8)..end)
            .is_some_and(|w| ends_with_word(w, b"sms") || ends_with_word(w, b"whatsapp"));
        let clause = !gap
            .iter()
            .any(|c| matches!(c, b'.' | b'!' | b'?' | b';' | b'0'..=b'9'));
        let mut other = 0;
        let mut last_known = true;
        if gap
            .split(|c| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .all(|w| {
                let known = matches!(w, [d] if d.is_ascii_digit())
                    || LABEL_GAP_WORDS.iter().any(|g| w.eq_ignore_ascii_case(g));
                other += usize::from(!known);
                last_known = known;
                known || (message && clause && other == 1)
            })
            && last_known
        {
            return true;
        }
    }
    // After a colon, the phone word may be further back, with its owner
    // named between.
    owner_labelled(sk, s, e)
}

/// True if `w` ends with the word `word` (any case).
fn ends_with_word(w: &[u8], word: &[u8]) -> bool {
    w.len() >= word.len()
        && w.get(w.len() - word.len()..)
            .is_some_and(|x| x.eq_ignore_ascii_case(word))
        && !w
            .len()
            .checked_sub(word.len() + 1)
            .and_then(|k| w.get(k))
            .is_some_and(u8::is_ascii_alphanumeric)
}

/// How far back a phone word is looked for before an owner's name.
const OWNER_BEFORE: usize = 64;

/// True if a phone word, its owner's name and a colon stand right before
/// `s` (see [`owner_gap`]). Out of line: the question is asked of every
/// number a phone's walk takes, and rarely holds.
#[cold]
#[inline(never)]
fn owner_labelled(sk: &mut Sink<'_>, s: usize, e: usize) -> bool {
    let t = sk.t;
    if !(before(t, s) == b':' || before(t, s) == b' ' && s >= 2 && at(t, s - 2) == b':') {
        return false;
    }
    let (near, end) = sk.ctx.nearest_before(t, s, e, OWNER_BEFORE);
    near.has(D::Phone as usize) && owner_gap(t.get(end..s).unwrap_or_default())
}

/// Words that name whose number it is after a phone word.
const OWNER_WORDS: &[&[u8]] = &[
    b"of", b"for", b"von", b"de", b"di", b"du", b"da", b"del", b"van", b"dla",
];

/// True if `gap` names the phone's owner and ends in a colon: `mobile of
/// Jane Doe: …`, `Neue Handynummer von Dieter Müller: …`, `Nuevo móvil
/// de Carlos García: …` (gap words, a word of [`OWNER_WORDS`], then one
/// to three capitalised words).
#[cold]
fn owner_gap(gap: &[u8]) -> bool {
    let Some(g) = gap.trim_ascii().strip_suffix(b":") else {
        return false;
    };
    let mut words = g.split(u8::is_ascii_whitespace).filter(|w| !w.is_empty());
    // Past the label's own gap words (`number of …`), the owner's word.
    let owner = |w: &[u8]| OWNER_WORDS.iter().any(|o| w.eq_ignore_ascii_case(o));
    if !words
        .find(|w| owner(w) || !LABEL_GAP_WORDS.iter().any(|g| w.eq_ignore_ascii_case(g)))
        .is_some_and(owner)
    {
        return false;
    }
    let mut n = 0;
    for w in words {
        n += 1;
        // A capital, or a letter outside ASCII (`Łukasz`, `Émile`).
        if n > 3
            || !w
                .first()
                .is_some_and(|&c| c.is_ascii_uppercase() || c >= 0xC0)
        {
            return false;
        }
    }
    n > 0
}

/// Where the list item before `k` starts, when `k` follows `, `, `; ` or
/// ` / ` (or the bare mark), a joining word between spaces (` and `, ` or `,
/// ` y `, ` et `, ` und `, ` alt `: [`LIST_JOINS`]), or a mark and a word
/// (` / alt `), and the item is a phone
/// number's characters (digits, spaces, `-`, `.`, `/`, parentheses, a
/// leading `+`, an `x` extension) with six digits or more, at most 32
/// bytes.
#[cold]
#[inline(never)]
fn list_item_before(t: &[u8], k: usize) -> Option<usize> {
    let mut j = k;
    if j > 0 && at(t, j - 1) == b' ' {
        j -= 1;
    }
    // A joining word (` or `, ` alt `), a mark (`, `, `; `, ` / `), or a
    // mark and then a word (`, or `, ` / alt `).
    let w = t
        .get(..j)?
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    let word = t.get(j - w..j)?;
    let joined = w > 0
        && j > w
        && at(t, j - w - 1) == b' '
        && LIST_JOINS.iter().any(|x| word.eq_ignore_ascii_case(x));
    if joined {
        j -= w + 1;
    }
    let mut m = j;
    if joined && m > 0 && at(t, m - 1) == b' ' {
        m -= 1;
    }
    let mut end = if m > 0 && matches!(at(t, m - 1), b',' | b';' | b'/') {
        m - 1
    } else if joined {
        j
    } else {
        return None;
    };
    if end > 0 && at(t, end - 1) == b' ' {
        end -= 1;
    }
    let mut a = end;
    while a > 0
        && end - a < 32
        && matches!(
            at(t, a - 1),
            b'0'..=b'9' | b' ' | b'-' | b'.' | b'/' | b'(' | b')' | b'x'
        )
    {
        a -= 1;
    }
    if a > 0 && at(t, a - 1) == b'+' {
        a -= 1;
    }
    while a < end && at(t, a) == b' ' {
        a += 1;
    }
    let item = t.get(a..end)?;
    let n = item.iter().filter(|c| c.is_ascii_digit()).count();
    let first = item.first().copied().unwrap_or(0);
    let last = item.last().copied().unwrap_or(0);
    (n >= 6 && matches!(first, b'0'..=b'9' | b'+' | b'(') && last.is_ascii_digit()).then_some(a)
}

/// True if the digits `g` (one to three) start with an ITU-T E.164
/// country code: `1` and `7` alone, the two-digit codes, and three digits
/// under any other first digit but `0` (country codes are prefix-free, so
/// `44` and `441` both start with `44`; `4` and `03` start with none).
#[cold]
#[inline(never)]
fn country_code_first(g: &[u8]) -> bool {
    match g {
        [b'1' | b'7', ..] => true,
        [a @ b'2'..=b'9', b @ b'0'..=b'9', rest @ ..] => {
            matches!(
                (a - b'0') * 10 + (b - b'0'),
                20 | 27 | 30..=34 | 36 | 39 | 40 | 41 | 43..=49 | 51..=58 | 60..=66 | 81 | 82 | 84
                    | 86 | 90..=95 | 98
            ) || rest.len() == 1
        }
        _ => false,
    }
}

/// True if `h` is an IBAN's first two groups, `CCdd BBBB` (country
/// letters, check digits, a bank code of capitals and digits).
fn iban_head(h: &[u8]) -> bool {
    let (cc, rest) = h.split_at(h.len().min(2));
    h.len() == 9
        && cc.iter().all(u8::is_ascii_uppercase)
        && rest
            .get(..2)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        && rest.get(2) == Some(&b' ')
        && rest.get(3..).is_some_and(|b| {
            b.iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
}

/// True if 8 digits read as a date, `YYYYMMDD` from 1900 to 2099.
fn yyyymmdd(d: &[u8]) -> bool {
    let n = |a: usize, b: usize| d.get(a..b).map_or(0, num);
    d.len() == 8 && matches!(n(0, 2), 19 | 20) && v::valid_date(n(0, 4), n(4, 6), n(6, 8))
}

fn ipv4(sk: &mut Sink<'_>, seq: &Seq) {
    if !sk.on(D::Ipv4) || seq.n < 4 {
        return;
    }
    if (1..4).any(|i| seq.sep().get(i) != Some(&b'.')) {
        return;
    }
    let t = sk.t;
    let mut oct = [0u32; 4];
    for (i, o) in oct.iter_mut().enumerate() {
        let (a, b) = seq.grp(i);
        let s = t.get(a..b).unwrap_or_default();
        if s.is_empty() || s.len() > 3 || (s.len() > 1 && s.first() == Some(&b'0')) {
            return;
        }
        *o = num(s);
        if *o > 255 {
            return;
        }
    }
    let mut e = seq.grp(3).1;
    // A network in CIDR notation (`192.168.1.0/24`): the prefix length,
    // 0 to 32, is part of it.
    if at(t, e) == b'/' {
        let n = run(t, e + 1, 3, |c| c.is_ascii_digit());
        let len = t.get(e + 1..e + 1 + n).map_or(99, num);
        if (1..=2).contains(&n) && len <= 32 {
            e += 1 + n;
        }
    }
    if !right_ok(t, e, false) {
        return;
    }
    let s = seq.start();
    // Version and section numbers: "version 1.2.0.4", "v2.3.1.0",
    // `"version": "18.17.9.4"`, "build 13.1.18.17", "§ 8.10.2.7".
    if numbered_by_word(t, s) || pinned_or_tagged(t, s) {
        return;
    }
    if let Some(c) = sk.cols.as_deref_mut()
        && c.in_version_column(t, s)
    {
        return;
    }
    // An object identifier in the arcs text names (`2.5.29.17`, an X.509
    // extension; `1.3.6.1.…`, `1.2.840.…`): below the default level.
    let oid_arc = matches!(oct, [2, 5, 29, _] | [1, 3, 6, 1] | [1, 2, 840, _]);
    let versiony = before(t, s) == b'v' || oid_arc;
    let reserved =
        oct[0] == 0 || oct[0] == 127 || oct[0] >= 224 || oct == [255, 255, 255, 0] || oct[0] == 255;
    let small = oct.iter().all(|&o| o < 10);
    sk.emit(
        D::Ipv4,
        s,
        e,
        Medium,
        Adj {
            need_ctx: small && !versiony,
            nonvalue: reserved || versiony || small,
        },
    );
}

/// True if the number at `s` is a package's pinned version
/// (`urllib3==1.26.18.1`, `~=`, `>=`, `<=`, `!=`), a product's version
/// (`proxy/8.4.14.8`) or an image's tag (`ghcr.io/acme/api:7.5.20.137`:
/// after `:` that ends a name with a `/`).
fn pinned_or_tagged(t: &[u8], s: usize) -> bool {
    /// Longest name looked at before the `/` or `:`.
    const NAME: usize = 64;
    if s < 2 {
        return false;
    }
    let sep = at(t, s - 1);
    if sep == b'=' {
        return matches!(at(t, s - 2), b'=' | b'~' | b'>' | b'<' | b'!');
    }
    if !matches!(sep, b'/' | b':') {
        return false;
    }
    let n = run_back(t, s - 1, NAME, |c| {
        c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'/')
    });
    let name = t.get(s - 1 - n..s - 1).unwrap_or_default();
    if sep == b'/' {
        // A product and its version (`Via: 1.1 edge-22 (proxy/8.4.14.8)`,
        // `"schema": "crm.export/4.6.1.135"`): a name ending in a letter,
        // whole, not a URL's or a path's (no `/` of its own, no `:` before).
        n < NAME
            && name.last().is_some_and(u8::is_ascii_alphabetic)
            && !name.contains(&b'/')
            && before(t, s - 1 - n) != b':'
    } else {
        name.contains(&b'/') && name.last().is_some_and(u8::is_ascii_alphanumeric)
    }
}

/// Words that number a version, a build or a part of a text, not a host.
const NUMBERING_WORDS: &[&[u8]] = &[
    b"version",
    b"ver",
    b"v",
    b"build",
    b"firmware",
    b"fw",
    b"release",
    b"rev",
    b"revision",
    b"patch",
    b"section",
    b"sect",
    b"sec",
    b"paragraph",
    b"para",
    b"clause",
    b"chapter",
    b"article",
    b"art",
    b"step",
    // An object identifier (`policy OID 2.5.29.32`).
    b"oid",
];

/// True if the number at `s` follows a word of [`NUMBERING_WORDS`] or `§`,
/// with at most a few spaces, quotes, `:` or `=` between (`version =`,
/// `"version": "`).
fn numbered_by_word(t: &[u8], s: usize) -> bool {
    let mut i = s;
    while s - i < 5 && i > 0 && matches!(at(t, i - 1), b' ' | b'\t' | b':' | b'=' | b'"' | b'\'') {
        i -= 1;
    }
    if i >= 2 && t.get(i - 2..i) == Some("\u{a7}".as_bytes()) {
        return true;
    }
    let mut w = i;
    while i - w < 10 && w > 0 && at(t, w - 1).is_ascii_alphabetic() {
        w -= 1;
    }
    if w == i || (w > 0 && at(t, w - 1).is_ascii_alphanumeric()) {
        return false;
    }
    let word = t.get(w..i).unwrap_or_default().to_ascii_lowercase();
    NUMBERING_WORDS.contains(&word.as_slice())
}

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
];

fn plausible_birth(y: u32, m: u32, d: u32) -> bool {
    (1900..=2026).contains(&y) && v::valid_date(y, m, d)
}

fn date_of_birth(sk: &mut Sink<'_>, seq: &Seq) {
    if !sk.on(D::DateOfBirth) || seq.n < 3 {
        return;
    }
    let t = sk.t;
    let sep = seq.sep().get(1).copied().unwrap_or(0);
    if seq.sep().get(2) != Some(&sep) || !matches!(sep, b'-' | b'/' | b'.') {
        return;
    }
    // A date's layout first (an SSN's 3-2-4 and a phone's 3-3-4 are
    // none): it is three lengths, cheaper than the context answer.
    if !matches!(
        (seq.len(0), seq.len(1), seq.len(2)),
        (4, 1..=2, 1..=2) | (1..=2, 1..=2, 4)
    ) {
        return;
    }
    let e = seq.grp(2).1;
    // Reported only next to date-of-birth wording: ask that first (in
    // number-dense text, dates are everywhere and the wording is not).
    if !sk.ctx_ok(D::DateOfBirth, seq.start(), e) {
        return;
    }
    let g = |i: usize| {
        let (a, b) = seq.grp(i);
        t.get(a..b).unwrap_or_default()
    };
    let (a, b, c) = (g(0), g(1), g(2));
    let ok = match (a.len(), b.len(), c.len()) {
        (4, 1..=2, 1..=2) => plausible_birth(num(a), num(b), num(c)),
        (1..=2, 1..=2, 4) => {
            plausible_birth(num(c), num(a), num(b)) || plausible_birth(num(c), num(b), num(a))
        }
        _ => false,
    };
    if ok && right_ok(t, e, false) {
        sk.emit(D::DateOfBirth, seq.start(), e, Medium, NEED_CTX);
    }
}

/// The alphanumeric word ending at most 3 separator bytes before `end`.
fn prev_word(t: &[u8], end: usize) -> Option<(usize, usize)> {
    let mut e = end;
    let mut gap = 0;
    while e > 0 && !at(t, e - 1).is_ascii_alphanumeric() {
        e -= 1;
        gap += 1;
        if gap > 3 {
            return None;
        }
    }
    let mut s = e;
    while s > 0 && e - s < 12 && at(t, s - 1).is_ascii_alphanumeric() {
        s -= 1;
    }
    (s < e).then_some((s, e))
}

/// Month number (1-12) of an English month name or abbreviation.
fn month_of(w: &[u8]) -> Option<u32> {
    if w.len() < 3 || w.len() > 9 {
        return None;
    }
    let mut buf = [0u8; 9];
    let l = buf.get_mut(..w.len())?;
    l.copy_from_slice(w);
    l.make_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| m.as_bytes() == &l[..])
        .and_then(month_number)
}

fn day_of(w: &[u8]) -> Option<u32> {
    let n = w.iter().take_while(|c| c.is_ascii_digit()).count();
    let rest = w.get(n..).unwrap_or_default().to_ascii_lowercase();
    let suffix_ok = rest.is_empty() || matches!(rest.as_slice(), b"st" | b"nd" | b"rd" | b"th");
    (matches!(n, 1 | 2) && suffix_ok).then(|| num(w.get(..n).unwrap_or_default()))
}

/// "14 March 1985", "March 14, 1985": keyed on the year.
fn year_word_dob(sk: &mut Sink<'_>, seq: &Seq) {
    if !sk.on(D::DateOfBirth) || seq.n != 1 || seq.len(0) != 4 {
        return;
    }
    let t = sk.t;
    let (ys, ye) = (seq.start(), seq.end());
    let y = num(t.get(ys..ye).unwrap_or_default());
    if !(1900..=2026).contains(&y) || !right_ok(t, ye, false) {
        return;
    }
    let Some((s2, e2)) = prev_word(t, ys) else {
        return;
    };
    let Some((s1, e1)) = prev_word(t, s2) else {
        return;
    };
    let (w1, w2) = (
        t.get(s1..e1).unwrap_or_default(),
        t.get(s2..e2).unwrap_or_default(),
    );
    let (m, d) = match (month_of(w1), day_of(w2), day_of(w1), month_of(w2)) {
        (Some(m), Some(d), _, _) | (_, _, Some(d), Some(m)) => (m, d),
        _ => return,
    };
    if plausible_birth(y, m, d) {
        sk.emit(D::DateOfBirth, s1, ye, Medium, NEED_CTX);
    }
}

fn month_number(i: usize) -> Option<u32> {
    let name = MONTHS.get(i)?;
    let full = MONTHS.get(..12)?;
    full.iter()
        .position(|f| f.get(..3) == name.get(..3))
        .map(|p| p as u32 + 1)
}

/// A Norwegian fødselsnummer's date: DDMMYY, plus 40 on the day for a
/// D-number (foreigners), plus 40 on the month for an H-number (health
/// services) and plus 80 on the month for a synthetic test number. The
/// individual number (digits 7-9) gives the century (Skatteetaten):
/// 000-499 the 1900s, 500-749 the years 1854-1899, 500-999 2000-2039,
/// 900-999 1940-1999; any other pairing is never issued.
fn no_fnr_date(d: &[u8]) -> bool {
    let mut dd = num(d.get(..2).unwrap_or_default());
    let mut mm = num(d.get(2..4).unwrap_or_default());
    let yy = num(d.get(4..6).unwrap_or_default());
    let ind = num(d.get(6..9).unwrap_or_default());
    if dd > 40 {
        dd -= 40;
    }
    if mm > 80 {
        mm -= 80;
    } else if mm > 40 {
        mm -= 40;
    }
    let century = match ind {
        0..=499 => 1900,
        500..=749 if yy >= 54 => 1800,
        500..=999 if yy <= 39 => 2000,
        900..=999 if yy >= 40 => 1900,
        _ => return false,
    };
    v::valid_date(century + yy, mm, dd)
}

fn ddmmyy_ok(d: &[u8]) -> bool {
    let dd = num(d.get(..2).unwrap_or_default());
    let mm = num(d.get(2..4).unwrap_or_default());
    let yy = num(d.get(4..6).unwrap_or_default());
    v::valid_date(2000 + yy, mm, dd) || v::valid_date(1900 + yy, mm, dd)
}

fn yymmdd_ok(d: &[u8]) -> bool {
    let yy = num(d.get(..2).unwrap_or_default());
    let mm = num(d.get(2..4).unwrap_or_default());
    let dd = num(d.get(4..6).unwrap_or_default());
    v::valid_date(2000 + yy, mm, dd) || v::valid_date(1900 + yy, mm, dd)
}

fn pesel_date(d: &[u8]) -> bool {
    let yy = num(d.get(..2).unwrap_or_default());
    let mm = num(d.get(2..4).unwrap_or_default());
    let dd = num(d.get(4..6).unwrap_or_default());
    let (century, m) = match mm {
        1..=12 => (1900, mm),
        21..=32 => (2000, mm - 20),
        81..=92 => (1800, mm - 80),
        _ => return false,
    };
    v::valid_date(century + yy, m, dd)
}

fn aadhaar(sk: &mut Sink<'_>, seq: &Seq, sep: u8, d: &[u8]) {
    let grouped = seq.shape(&[4, 4, 4]) && matches!(sep, b' ' | b'-');
    if !(grouped || seq.n == 1) || !matches!(d.first(), Some(b'2'..=b'9')) {
        return;
    }
    // Contiguous, it needs a context word: ask before the checksum.
    if !grouped && !sk.ctx_ok(D::InAadhaar, seq.start(), seq.end()) || !v::verhoeff(d) {
        return;
    }
    let base = if grouped { Low } else { Medium };
    sk.emit(
        D::InAadhaar,
        seq.start(),
        seq.end(),
        base,
        Adj {
            need_ctx: !grouped,
            nonvalue: false,
        },
    );
}

fn jp_my_number(sk: &mut Sink<'_>, seq: &Seq, sep: u8, d: &[u8]) {
    let ok_shape = seq.n == 1 || (seq.shape(&[4, 4, 4]) && matches!(sep, b' ' | b'-'));
    if ok_shape && sk.ctx_ok(D::JpMyNumber, seq.start(), seq.end()) && v::jp_my_number(d) {
        sk.emit(D::JpMyNumber, seq.start(), seq.end(), Medium, NEED_CTX);
    }
}

fn ch_ahv(sk: &mut Sink<'_>, seq: &Seq, sep: u8, d: &[u8]) {
    let dotted = seq.shape(&[3, 4, 4, 2]) && matches!(sep, b'.' | b' ');
    if (dotted || seq.n == 1) && v::ch_ahv(d) {
        let base = if dotted { Medium } else { Low };
        sk.emit(D::ChAhv, seq.start(), seq.end(), base, PLAIN);
    }
}

/// A South African identity number: contiguous, or as the green book and
/// the smart card print it, `800101 5009 087`. The citizenship digit is 0
/// (citizen), 1 (permanent resident) or 2 (refugee, issued since 2019).
fn za_id(sk: &mut Sink<'_>, seq: &Seq, sep: u8, d: &[u8]) {
    let printed = seq.shape(&[6, 4, 3]) && matches!(sep, b' ' | b'-');
    if (seq.n == 1 || printed)
        && matches!(d.get(10), Some(b'0'..=b'2'))
        && sk.ctx_ok(D::ZaId, seq.start(), seq.end())
        && yymmdd_ok(d)
        && v::luhn(d)
    {
        sk.emit(D::ZaId, seq.start(), seq.end(), Medium, NEED_CTX);
    }
}

fn br_cnpj(sk: &mut Sink<'_>, seq: &Seq, d: &[u8]) {
    if !v::br_cnpj(d) {
        return;
    }
    let formatted = seq.shape(&[2, 3, 3, 4, 2]) && seq.sep().get(1..5) == Some(&b"../-"[..]);
    let adj = Adj {
        need_ctx: !formatted,
        nonvalue: false,
    };
    sk.emit(D::BrCnpj, seq.start(), seq.end(), Medium, adj);
}

/// An alphanumeric CNPJ printed `NN.XXX.XXX/XXXX-NN` from `ws` (capitals
/// or lower case): reported alone, as the numeric one so printed is. One
/// of digits only is [`br_cnpj`]'s.
#[cold]
#[inline(never)]
fn br_cnpj_alnum(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    let Some(x) = t.get(ws..ws + 18) else { return };
    let mut c = [0u8; 14];
    let mut n = 0;
    for (i, &b) in x.iter().enumerate() {
        let sep = match i {
            2 | 6 => Some(b'.'),
            10 => Some(b'/'),
            15 => Some(b'-'),
            _ => None,
        };
        match sep {
            Some(want) if b != want => return,
            Some(_) => {}
            None if b.is_ascii_alphanumeric() => {
                if let Some(y) = c.get_mut(n) {
                    *y = b.to_ascii_uppercase();
                }
                n += 1;
            }
            None => return,
        }
    }
    if n == 14
        && !c.iter().all(u8::is_ascii_digit)
        && left_ok(t, ws)
        && right_ok(t, ws + 18, false)
        && v::br_cnpj_alnum(&c)
    {
        sk.emit(D::BrCnpj, ws, ws + 18, Medium, PLAIN);
    }
}

/// The CPFs that tutorials and forms print as examples (`123.456.789-09`,
/// the `111.444.777-35` of every explanation of the check digits, the
/// digits in order): valid by the check, reported a step lower.
const CPF_SAMPLES: [&[u8]; 3] = [b"12345678909", b"11144477735", b"01234567890"];

fn br_cpf(sk: &mut Sink<'_>, seq: &Seq, d: &[u8]) {
    let sep = seq.sep();
    let seps = sep.get(1..4).unwrap_or_default();
    let formatted = seq.shape(&[3, 3, 3, 2]) && seps == b"..-";
    // Next to its word, the groups of the CPF joined otherwise
    // (`342.444.198.88`, `693-319-118-40`, `342 444 198 88`).
    let grouped = !formatted
        && seq.shape(&[3, 3, 3, 2])
        && seps.iter().all(|c| matches!(c, b'.' | b'-' | b' '));
    if (formatted || grouped || seq.n == 1) && v::br_cpf(d) {
        sk.emit(
            D::BrCpf,
            seq.start(),
            seq.end(),
            Medium,
            Adj {
                need_ctx: !formatted,
                nonvalue: CPF_SAMPLES.contains(&d),
            },
        );
    }
}

/// A PIS/PASEP (NIT, NIS) in its printed layout `120.44546.83-5` alone;
/// next to its word in groups of other lengths joined by dots and a dash
/// (`120.4454.683-5`). Groups with one separator, and the contiguous
/// form, are read with the other ids of eleven digits.
fn br_pis(sk: &mut Sink<'_>, seq: &Seq, d: &[u8]) {
    let sep = seq.sep();
    let seps = sep.get(1..seq.n).unwrap_or_default();
    let formatted = seq.shape(&[3, 5, 2, 1]) && seps == b"..-";
    let dotted_dash = seps.last() == Some(&b'-') && seps.iter().rev().skip(1).all(|&c| c == b'.');
    if (formatted || dotted_dash) && v::br_pis(d) {
        sk.emit(
            D::BrPis,
            seq.start(),
            seq.end(),
            Medium,
            Adj {
                need_ctx: !formatted,
                nonvalue: false,
            },
        );
    }
}

fn be_nrn(sk: &mut Sink<'_>, seq: &Seq, d: &[u8]) {
    let formatted = seq.shape(&[2, 2, 2, 3, 2]) && seq.sep().get(1..5) == Some(&b"..-."[..]);
    if (formatted || seq.n == 1) && be_nrn_date(d) && v::be_nrn(d) && be_nrn_born(d) {
        sk.emit(
            D::BeNrn,
            seq.start(),
            seq.end(),
            Medium,
            Adj {
                need_ctx: !formatted,
                nonvalue: false,
            },
        );
    }
}

/// The birth date a Belgian national number starts with, as the register
/// writes it: month 00 (any day) when the date is unknown; in a BIS
/// number (people not in the national register) the month plus 20, or
/// plus 40 once the sex is known, 20 and 40 alone for an unknown month.
fn be_nrn_date(d: &[u8]) -> bool {
    let yy = num(d.get(..2).unwrap_or_default());
    let mm = num(d.get(2..4).unwrap_or_default());
    let dd = num(d.get(4..6).unwrap_or_default());
    let m = match mm {
        0 | 20 | 40 => return true,
        1..=12 => mm,
        21..=32 => mm - 20,
        41..=52 => mm - 40,
        _ => return false,
    };
    v::valid_date(2000 + yy, m, dd) || v::valid_date(1900 + yy, m, dd)
}

/// A number whose check holds only over `2` and its nine digits is of
/// someone born from 2000: its year `yy` is then at most 30, the horizon
/// the other birth-date checks use (`99000099942`, born in 2099 on an
/// unknown day, is no one's).
fn be_nrn_born(d: &[u8]) -> bool {
    let n = d.get(..9).map_or(0, |x| {
        x.iter()
            .fold(0u64, |a, &c| a * 10 + u64::from(c.wrapping_sub(b'0')))
    });
    let c = u64::from(num(d.get(9..11).unwrap_or_default()));
    c == 97 - n % 97 || num(d.get(..2).unwrap_or_default()) <= 30
}

fn fr_insee(sk: &mut Sink<'_>, seq: &Seq, d: &[u8]) {
    // Overseas departments have three digits and their communes two
    // (`2 99 05 971 12 817 70`).
    let formatted = seq.shape(&[1, 2, 2, 2, 3, 3, 2])
        || (seq.shape(&[1, 2, 2, 3, 2, 3, 2]) && matches!(d.get(5..7), Some(b"97" | b"98")));
    // Or the thirteen digits and the key apart, as forms ask for them
    // (`2791269679323 49`).
    let key_apart = seq.n == 2 && seq.shape(&[13, 2]);
    if !(formatted || key_apart || seq.n == 1)
        || !matches!(d.first(), Some(b'1' | b'2' | b'7' | b'8'))
    {
        return;
    }
    let month = num(d.get(3..5).unwrap_or_default());
    if !matches!(month, 1..=12 | 20..=42 | 50..=99) || !v::fr_insee(d) {
        return;
    }
    let base = if formatted { Medium } else { Low };
    sk.emit(D::FrInsee, seq.start(), seq.end(), base, PLAIN);
}

/// A NIR with a Corsican department (`2A`/`2B`), which the number walk
/// does not read: a word of 15 (`nd` 6: six digits, then the department)
/// at `ws..we`, or (`nd` 0) the printed form `S YY MM 2A CCC OOO KK`
/// starting at `ws`, one separator throughout.
#[inline(never)]
fn fr_insee_corsica(sk: &mut Sink<'_>, ws: usize, we: usize, nd: usize) {
    let t = sk.t;
    let mut buf = [0u8; 15];
    let (e, formatted) = if nd == 6 {
        if !t
            .get(ws + 7..we)
            .is_some_and(|r| r.iter().all(u8::is_ascii_digit))
        {
            return;
        }
        if let (Some(dst), Some(src)) = (buf.get_mut(..), t.get(ws..we)) {
            dst.copy_from_slice(src);
        }
        (we, false)
    } else {
        let sep = at(t, ws + 1);
        if !matches!(sep, b' ' | b'.') {
            return;
        }
        let mut n = 0;
        let mut i = ws;
        for (k, len) in [1usize, 2, 2, 2, 3, 3, 2].into_iter().enumerate() {
            if k > 0 {
                if at(t, i) != sep {
                    return;
                }
                i += 1;
            }
            for _ in 0..len {
                if let Some(x) = buf.get_mut(n) {
                    *x = at(t, i);
                }
                n += 1;
                i += 1;
            }
        }
        if !right_ok(t, i, false) || !buf.iter().all(u8::is_ascii_alphanumeric) {
            return;
        }
        (i, true)
    };
    let month = num(buf.get(3..5).unwrap_or_default());
    if !matches!(buf.get(5..7), Some(b"2A" | b"2B"))
        || !matches!(buf.first(), Some(b'1' | b'2' | b'7' | b'8'))
        || !matches!(month, 1..=12 | 20..=42 | 50..=99)
        || !v::fr_insee(&buf)
    {
        return;
    }
    let base = if formatted { Medium } else { Low };
    sk.emit(D::FrInsee, ws, e, base, PLAIN);
}

fn cn_resident_id(sk: &mut Sink<'_>, s: usize, e: usize, d: &[u8]) {
    cn_check(sk, s, e, d);
}

fn cn_check(sk: &mut Sink<'_>, s: usize, e: usize, d: &[u8]) {
    let y = num(d.get(6..10).unwrap_or_default());
    let m = num(d.get(10..12).unwrap_or_default());
    let dd = num(d.get(12..14).unwrap_or_default());
    if plausible_birth(y, m, dd) && v::cn_resident_id(d) {
        sk.emit(D::CnResidentId, s, e, Low, PLAIN);
    }
}

fn se_personnummer(sk: &mut Sink<'_>, seq: &Seq, d: &[u8]) {
    let sep = seq.sep().get(1).copied().unwrap_or(0);
    let short = seq.shape(&[6, 4]) && matches!(sep, b'-' | b' ');
    let long = seq.shape(&[8, 4]) && matches!(sep, b'-' | b' ');
    // Contiguous (8112189876, 198112189876): only with its word.
    let contiguous = seq.n == 1;
    if !(short || long || contiguous) {
        return;
    }
    let (s, e) = (seq.start(), seq.end());
    if contiguous && !sk.ctx_ok(D::SePersonnummer, s, e) {
        return;
    }
    let ten = if d.len() == 12 {
        if !matches!(d.get(..2), Some(b"18" | b"19" | b"20")) {
            return;
        }
        d.get(2..).unwrap_or_default()
    } else {
        d
    };
    if se_date(ten) && v::luhn(ten) {
        let adj = Adj {
            need_ctx: contiguous,
            nonvalue: false,
        };
        sk.emit(D::SePersonnummer, s, e, Low, adj);
    }
}

/// A Swedish personnummer's YYMMDD, or a samordningsnummer's (day plus 60).
fn se_date(d: &[u8]) -> bool {
    if yymmdd_ok(d) {
        return true;
    }
    let dd = num(d.get(4..6).unwrap_or_default());
    if !(61..=91).contains(&dd) {
        return false;
    }
    let yy = num(d.get(..2).unwrap_or_default());
    let mm = num(d.get(2..4).unwrap_or_default());
    v::valid_date(2000 + yy, mm, dd - 60) || v::valid_date(1900 + yy, mm, dd - 60)
}

/// 811218+9876: a Swede of a hundred or more (keyed on the six digits
/// before the `+`).
fn se_plus(sk: &mut Sink<'_>, seq: &Seq) {
    let t = sk.t;
    let s = seq.start();
    let e = seq.end();
    if at(t, e) != b'+'
        || run(t, e + 1, 4, |c| c.is_ascii_digit()) != 4
        || !right_ok(t, e + 5, true)
    {
        return;
    }
    let mut ten = [0u8; 10];
    for (k, x) in ten.iter_mut().enumerate() {
        *x = at(t, if k < 6 { s + k } else { e + 1 + k - 6 });
    }
    if se_date(&ten) && v::luhn(&ten) {
        sk.emit(D::SePersonnummer, s, e + 5, Low, PLAIN);
    }
}

/// Words that name the Danish CPR number itself (not the Nordic
/// "personnummer" it shares with Sweden and Norway).
const CPR_WORDS: &[&str] = &["cpr", "cpr-nummer", "cpr-nr", "cpr number"];

fn dk_cpr(sk: &mut Sink<'_>, seq: &Seq, d: &[u8]) {
    let dashed = seq.shape(&[6, 4]) && matches!(seq.sep().get(1), Some(b'-' | b' '));
    let (s, e) = (seq.start(), seq.end());
    // Always needs its word: ask that (cached) before the date.
    if !(dashed || seq.n == 1) || !sk.ctx_ok(D::DkCpr, s, e) || !ddmmyy_ok(d) {
        return;
    }
    // One number, one type: a valid Swedish personnummer (YYMMDD and
    // Luhn) next to "personnummer" is Swedish unless CPR is named.
    if se_date(d) && v::luhn(d) && !crate::kit::has_context(sk.t, s, e, CPR_WORDS) {
        return;
    }
    sk.emit(D::DkCpr, s, e, Medium, NEED_CTX);
}

/// A Korean resident registration number: birth date, a sex/century
/// digit 1-8 and six more. Numbers issued since October 2020 carry no
/// check digit, so next to its words a number of the right structure is
/// reported whatever its last digit; alone, only dashed and checked.
fn kr_rrn(sk: &mut Sink<'_>, seq: &Seq, d: &[u8]) {
    if !yymmdd_ok(d) || !matches!(d.get(6), Some(b'1'..=b'8')) || !sk.on(D::KrRrn) {
        return;
    }
    let (s, e) = (seq.start(), seq.end());
    let need_ctx = seq.n == 1 || !v::kr_rrn(d);
    if need_ctx && !sk.ctx_ok(D::KrRrn, s, e) {
        return;
    }
    let adj = Adj {
        need_ctx,
        nonvalue: false,
    };
    let base = if v::kr_rrn(d) { Medium } else { Low };
    sk.emit(D::KrRrn, s, e, base, adj);
}

fn us_dl_digits(sk: &mut Sink<'_>, s: usize, e: usize, _n: usize) {
    if !sk.on(D::UsDriversLicense) {
        return;
    }
    // (A table's delimiter before it, the common case, is no `DL#`.)
    if matches!(before(sk.t, s), b'#' | b':' | b' ' | b'\t') {
        crate::ids::licence(sk, D::UsDriversLicense, s, e);
    } else {
        sk.emit(D::UsDriversLicense, s, e, Low, NEED_CTX);
    }
}

/// 131052-308T, 131052A308T
fn fi_hetu(sk: &mut Sink<'_>, seq: &Seq) {
    if !sk.on(D::FiHetu) || seq.len(0) != 6 {
        return;
    }
    let t = sk.t;
    let s = seq.start();
    let c = at(t, s + 6);
    if !matches!(c, b'-' | b'+' | b'A'..=b'F' | b'U'..=b'Y') {
        return;
    }
    let ind = t.get(s + 7..s + 10).unwrap_or_default();
    let chk = at(t, s + 10).to_ascii_uppercase();
    if ind.len() != 3 || !ind.iter().all(u8::is_ascii_digit) || !right_ok(t, s + 11, false) {
        return;
    }
    let date = t.get(s..s + 6).unwrap_or_default();
    if ddmmyy_ok(date) && v::fi_hetu(date, ind, chk) {
        sk.emit(D::FiHetu, s, s + 11, Medium, PLAIN);
    }
}

/// A Spanish DNI from its first digit at `s`: eight digits, contiguous or
/// dotted (`12.345.678`), then the control letter in either case, glued
/// or after `-` or a space (`12345678Z`, `12345678-z`, `12.345.678 Z`).
fn es_dni(sk: &mut Sink<'_>, s: usize) {
    if !sk.on(D::EsDni) && !sk.on(D::PeCui) {
        return;
    }
    let t = sk.t;
    let mut d = [0u8; 8];
    let mut n = 0;
    let mut i = s;
    let dotted = at(t, s + 2) == b'.';
    while n < 8 {
        let c = at(t, i);
        if c.is_ascii_digit() {
            if let Some(x) = d.get_mut(n) {
                *x = c;
            }
            n += 1;
            i += 1;
        } else if dotted && c == b'.' && (n == 2 || n == 5) {
            i += 1;
        } else {
            return;
        }
    }
    if at(t, i).is_ascii_digit() {
        return;
    }
    let spaced = at(t, i) == b' ';
    if matches!(at(t, i), b'-' | b' ') {
        i += 1;
    }
    let l = at(t, i);
    if !l.is_ascii_alphabetic() || !right_ok(t, i + 1, false) {
        return;
    }
    // A letter after a space is as often the next word: only with context.
    if v::es_dni(&d, l) {
        let adj = Adj {
            need_ctx: spaced || l.is_ascii_lowercase(),
            nonvalue: false,
        };
        sk.emit(D::EsDni, s, i + 1, Medium, adj);
    } else if !spaced && l.is_ascii_uppercase() && sk.on(D::PeCui) {
        // A Peruvian CUI with its check letter (`10586119B`, `-B`), next
        // to its word; not a word after a space (`DNI 12345678 a …`).
        let mut b = [l; 9];
        if let Some(body) = b.get_mut(..8) {
            body.copy_from_slice(&d);
        }
        if v::pe_cui(&b) {
            sk.emit(D::PeCui, s, i + 1, Medium, NEED_CTX);
        }
    }
}

/// A Spanish NIE from its prefix letter at `s`: X/Y/Z, seven digits and
/// the control letter, either case, optionally joined by `-` or spaces
/// (`X1234567L`, `X-1234567-L`, `x 1234567 l`).
pub(crate) fn es_nie(sk: &mut Sink<'_>, s: usize) {
    if !sk.on(D::EsNie) {
        return;
    }
    let t = sk.t;
    let p = at(t, s);
    if !matches!(p.to_ascii_uppercase(), b'X' | b'Y' | b'Z') || before(t, s).is_ascii_alphanumeric()
    {
        return;
    }
    let mut i = s + 1;
    let sep1 = at(t, i);
    if matches!(sep1, b'-' | b' ') {
        i += 1;
    }
    if run(t, i, 7, |c| c.is_ascii_digit()) != 7 {
        return;
    }
    let digits = t.get(i..i + 7).unwrap_or_default();
    i += 7;
    let sep2 = at(t, i);
    if matches!(sep2, b'-' | b' ') {
        i += 1;
    }
    let l = at(t, i);
    if !l.is_ascii_alphabetic() || !right_ok(t, i + 1, false) {
        return;
    }
    let spaced = sep1 == b' ' || sep2 == b' ';
    let lower = p.is_ascii_lowercase() || l.is_ascii_lowercase();
    if v::es_nie(p, digits, l) {
        let adj = Adj {
            need_ctx: spaced || lower,
            nonvalue: false,
        };
        sk.emit(D::EsNie, s, i + 1, Medium, adj);
    }
}

/// A US-shaped passport number (nine digits, or a letter and eight)
/// next to an English passport word, unless the word names another
/// country's passport (`British passport number 925076473`): that one is
/// `passport_number`'s.
fn us_passport(sk: &mut Sink<'_>, s: usize, e: usize) {
    if sk.ctx_ok(D::UsPassport, s, e) && !other_countrys_passport(sk.t, s) {
        sk.emit(D::UsPassport, s, e, Low, NEED_CTX);
    }
}

/// Countries whose passports English text names by an adjective or
/// abbreviation (`UK passport`, `Indian passport`).
const NATIONALITIES: &[&[u8]] = &[
    b"uk",
    b"british",
    b"canadian",
    b"australian",
    b"indian",
    b"irish",
    b"new zealand",
    b"german",
    b"french",
    b"italian",
    b"spanish",
    b"dutch",
    b"belgian",
    b"swiss",
    b"austrian",
    b"swedish",
    b"norwegian",
    b"danish",
    b"finnish",
    b"polish",
    b"portuguese",
    b"greek",
    b"mexican",
    b"brazilian",
    b"chinese",
    b"japanese",
    b"korean",
    b"philippine",
    b"filipino",
    b"pakistani",
    b"nigerian",
    b"south african",
    b"singaporean",
    b"malaysian",
    b"indonesian",
    b"turkish",
    b"israeli",
    b"russian",
    b"ukrainian",
    b"foreign",
];

/// True if the last `passport` within 48 bytes before `s` follows one of
/// [`NATIONALITIES`] (any case, a space between).
fn other_countrys_passport(t: &[u8], s: usize) -> bool {
    let lo = s.saturating_sub(48);
    let Some(pre) = t.get(lo..s) else {
        return false;
    };
    let Some(p) = pre
        .windows(8)
        .rposition(|w| w.eq_ignore_ascii_case(b"passport"))
    else {
        return false;
    };
    let head = pre.get(..p).unwrap_or_default();
    let head = head.strip_suffix(b" ").unwrap_or(head);
    NATIONALITIES.iter().any(|n| {
        head.len() >= n.len()
            && head
                .get(head.len() - n.len()..)
                .is_some_and(|x| x.eq_ignore_ascii_case(n))
            && !before(head, head.len() - n.len()).is_ascii_alphanumeric()
    })
}

/// "AB 12 34 56 C" keyed on "12".
fn nino_spaced(sk: &mut Sink<'_>, seq: &Seq) {
    if !sk.on(D::UkNino) || !seq.shape(&[2, 2, 2]) || seq.sep().get(1..3) != Some(&b"  "[..]) {
        return;
    }
    let t = sk.t;
    let s = seq.start();
    if s < 3 || at(t, s - 1) != b' ' {
        return;
    }
    let (p1, p2) = (at(t, s - 3), at(t, s - 2));
    let e = seq.end();
    let suffix = if at(t, e) == b' ' { at(t, e + 1) } else { 0 };
    let has_suffix = matches!(suffix, b'A'..=b'D') && right_ok(t, e + 2, false);
    if before(t, s - 3).is_ascii_alphanumeric() {
        return;
    }
    if nino_dummy(p1, p2) {
        if suffix.is_ascii_uppercase() && right_ok(t, e + 2, false) {
            sk.emit(D::UkNino, s - 3, e + 2, Low, NINO_DUMMY);
        }
        return;
    }
    if !nino_prefix(p1, p2) {
        return;
    }
    if has_suffix {
        sk.emit(D::UkNino, s - 3, e + 2, Medium, PLAIN);
    } else if right_ok(t, e, false) {
        // The suffix left out, as HMRC allows and forms and exports do
        // (`ZT 01 87 75`): next to its word (or under its column) only,
        // as the contiguous `ZT018775` is.
        sk.emit(D::UkNino, s - 3, e, Low, NEED_CTX);
    }
}

/// `PR 123612C`: the digits and suffix at `ws..we`, the prefix two
/// letters and a space before them.
fn nino_prefix_apart(sk: &mut Sink<'_>, ws: usize, we: usize) {
    let t = sk.t;
    if ws < 3 || at(t, ws - 1) != b' ' || before(t, ws - 3).is_ascii_alphanumeric() {
        return;
    }
    if nino_prefix(at(t, ws - 3), at(t, ws - 2)) {
        sk.emit(D::UkNino, ws - 3, we, Medium, PLAIN);
    }
}

/// `AB 123456 C`: the six digits at `s..e`, the prefix two letters and a
/// space before them, a space and the suffix after.
#[inline(never)]
fn nino_six(sk: &mut Sink<'_>, s: usize, e: usize) {
    let t = sk.t;
    if !sk.on(D::UkNino)
        || s < 3
        || at(t, s - 1) != b' '
        || before(t, s - 3).is_ascii_alphanumeric()
        || !right_ok(t, e + 2, false)
    {
        return;
    }
    let (a, b, suffix) = (at(t, s - 3), at(t, s - 2), at(t, e + 1));
    if matches!(suffix, b'A'..=b'D') && nino_prefix(a, b) {
        sk.emit(D::UkNino, s - 3, e + 2, Medium, PLAIN);
    } else if suffix.is_ascii_uppercase() && nino_dummy(a, b) {
        sk.emit(D::UkNino, s - 3, e + 2, Low, NINO_DUMMY);
    }
}

/// The prefixes HMRC never allocates but forms, documentation and test
/// generators print as a NINO's stand-in (`QQ 12 34 56 C`, Faker's
/// `ZZ 12 34 56 T`): reported `low`, next to a NINO's word, with any
/// suffix letter, as documented example keys are.
fn nino_dummy(a: u8, b: u8) -> bool {
    matches!(&[a, b], b"ZZ" | b"QQ")
}

/// A stand-in NINO: only next to its word, and kept `low` there.
const NINO_DUMMY: Adj = Adj {
    need_ctx: true,
    nonvalue: true,
};

fn nino_prefix(a: u8, b: u8) -> bool {
    a.is_ascii_uppercase()
        && b.is_ascii_uppercase()
        && !b"DFIQUV".contains(&a)
        && !b"DFIOQUV".contains(&b)
        && !matches!(
            &[a, b],
            b"BG" | b"GB" | b"KN" | b"NK" | b"NT" | b"TN" | b"ZZ"
        )
}

/// Words that start with digits and continue with letters: IE PPS, CN id
/// with X, Medicare MBI, Bitcoin legacy, Ethereum.
fn mixed_digit_first(sk: &mut Sink<'_>, ws: usize, we: usize, run_end: usize) {
    // Hex bodies of credential tokens (`shpat_3f…`) start with a digit too.
    crate::creds::word(sk, ws, we);
    let t = sk.t;
    let w = t.get(ws..we).unwrap_or_default();
    let nd = run_end - ws;
    // EMV's track 2 equivalent data (tag 57) in a hex dump: the card
    // number, `D`, the expiry and service code, `F` padding.
    if (12..=19).contains(&nd) && matches!(at(t, run_end), b'D' | b'd') {
        crate::pci::track2_emv(sk, ws, run_end, we);
    }
    // `%2B` + digits: a `+` in a URL's query (see `phone_at`).
    if nd == 1
        && before(t, ws) == b'%'
        && w.starts_with(b"2")
        && matches!(at(t, ws + 1), b'B' | b'b')
        && at(t, ws + 2).is_ascii_digit()
    {
        phone(sk, ws + 2);
    }
    if left_ok(t, ws) && crate::ids::mrz_candidate(t, ws, we) && !right_ok(t, we, false) {
        crate::ids::mrz(sk, ws);
    }
    // A Swiss UID after `CHE-` with its VAT suffix glued on
    // (`CHE-116281710MWST`; dotted, see `ch_uid_suffixed`).
    if nd == 9 && w.get(9..).is_some_and(crate::ids::ch_vat_suffix) && right_ok(t, we, false) {
        crate::ids::ch_uid_dotted(sk, ws, we, w.get(..9).unwrap_or_default());
    }
    if !left_ok(t, ws) || !right_ok(t, we, false) {
        return;
    }
    // A French NIR of someone born in Corsica, whose department is `2A`
    // or `2B`: `175082B03307887`.
    if nd == 6 && w.len() == 15 {
        fr_insee_corsica(sk, ws, we, nd);
    }
    // An Albanian NIPT whose first letter stands apart: `K 01725001F`.
    if nd == 8 && w.len() == 9 && before(t, ws) == b' ' && ws >= 2 {
        crate::ids::al_nipt_apart(sk, ws - 2, ws);
    }
    // A Portuguese citizen card number as one word: `000000000ZZ4`.
    if nd == 9 && w.len() == 12 {
        pt_cc(sk, ws, we);
    }
    // A Finnish HETU with a letter for its century (131052A308T: born
    // 2000 or later) is one word.
    if nd == 6 && w.len() == 11 {
        fi_hetu(sk, &Seq::parse_known(t, ws, nd));
    }
    // 0x + 40 hex
    if w.len() == 42 && w.starts_with(b"0x") {
        if let Some(hex) = w.get(2..) {
            match v::eip55(hex) {
                Some(true) => sk.emit(D::EthereumAddress, ws, we, High, PLAIN),
                None => eth_unchecked(sk, ws, we),
                Some(false) => {}
            }
        }
        return;
    }
    // Legacy bitcoin
    if (26..=35).contains(&w.len()) && matches!(w.first(), Some(b'1' | b'3')) && v::base58check(w) {
        sk.emit(D::BitcoinAddress, ws, we, High, PLAIN);
        return;
    }
    // 1234567T / 1234567TW
    if nd == 7 && (w.len() == 8 || w.len() == 9) {
        let num = w.get(..7).unwrap_or_default();
        let chk = w.get(7).copied().unwrap_or(0);
        let extra = w.get(8).copied();
        // Lower case (`1234567t`) only next to PPS wording: alone, a
        // lower-case word of digits and a letter is a hash or a commit id.
        let lower = chk.is_ascii_lowercase() || extra.is_some_and(|x| x.is_ascii_lowercase());
        let (chk, extra) = (
            chk.to_ascii_uppercase(),
            extra.map(|x| x.to_ascii_uppercase()),
        );
        if !num.starts_with(b"00")
            && chk.is_ascii_uppercase()
            && extra.is_none_or(|x| x.is_ascii_uppercase())
            && v::ie_pps(num, chk, extra)
        {
            let adj = Adj {
                need_ctx: lower,
                nonvalue: false,
            };
            sk.emit(D::IePps, ws, we, Low, adj);
        }
    }
    if nd == 8 && w.len() == 9 {
        es_dni(sk, ws);
        // A Brazilian RG's check letter joined to its digits: `68824032X`.
        if matches!(w.last(), Some(b'X' | b'x')) {
            crate::ids::br_rg(sk, ws);
        }
    }
    if nd == 8 && w.len() == 12 {
        crate::ids::de_rvnr(sk, ws);
    }
    // A Medicare HICN: an SSN and its beneficiary code (`123456789A`).
    if nd == 9 && matches!(w.len(), 10 | 11) {
        crate::ids::us_hicn(sk, ws, run_end, w.get(..9).unwrap_or_default());
    }
    // A Singapore UEN: a business (8 digits and a letter, also a DNI's
    // shape: its words only) or a local company (year, 5 digits, letter).
    if w.len() == nd + 1
        && (nd == 8 || nd == 9)
        && w.last().is_some_and(u8::is_ascii_uppercase)
        && v::sg_uen(w)
    {
        let (base, adj) = if nd == 8 {
            (Medium, NEED_CTX)
        } else {
            (Low, PLAIN)
        };
        sk.emit(D::SgUen, ws, we, base, adj);
    }
    // A NINO with its prefix apart: `PR 123612C`.
    if nd == 6 && w.len() == 7 && matches!(w.last(), Some(b'A'..=b'D')) {
        nino_prefix_apart(sk, ws, we);
    }
    if nd == 17 && w.len() == 18 && matches!(w.last(), Some(b'X' | b'x')) {
        cn_check(sk, ws, we, w);
    }
    crate::ids::digit_word(sk, ws, we, w, nd);
    if matches!(before(t, ws), b' ' | b':' | b'-' | b'.') {
        crate::ids::eu_vat_before(sk, ws, 0);
    }
    mbi(sk, ws);
}

/// Medicare Beneficiary Identifier: C A AN N A AN N A A N N, dashes after
/// positions 4 and 7 optional.
fn mbi(sk: &mut Sink<'_>, s: usize) {
    if !sk.on(D::UsMedicareMbi) {
        return;
    }
    let t = sk.t;
    let mut chars = [0u8; 11];
    let mut i = s;
    let mut n = 0;
    while n < 11 {
        let c = at(t, i);
        if c == b'-' && (n == 4 || n == 7) {
            i += 1;
            continue;
        }
        if !c.is_ascii_alphanumeric() {
            return;
        }
        if let Some(x) = chars.get_mut(n) {
            *x = c;
        }
        n += 1;
        i += 1;
    }
    if !right_ok(t, i, false) {
        return;
    }
    let alpha = |c: u8| c.is_ascii_uppercase() && !b"SLOIBZ".contains(&c);
    let an = |c: u8| c.is_ascii_digit() || alpha(c);
    let [c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11] = chars;
    let ok = matches!(c1, b'1'..=b'9')
        && alpha(c2)
        && an(c3)
        && c4.is_ascii_digit()
        && alpha(c5)
        && an(c6)
        && c7.is_ascii_digit()
        && alpha(c8)
        && alpha(c9)
        && c10.is_ascii_digit()
        && c11.is_ascii_digit();
    if ok {
        sk.emit(D::UsMedicareMbi, s, i, Medium, PLAIN);
    }
}

/// An Ethereum address without its checksum (all one case): low, raised
/// by its word; in a list (`ETH address: 0x…, 0x…, 0x…`) the word of the
/// first address, up to four back, serves the ones after it, which stand
/// further from it than context reaches.
fn eth_unchecked(sk: &mut Sink<'_>, ws: usize, we: usize) {
    let t = sk.t;
    // One hex digit forty times: a sentinel (`0x000…0`, the zero address;
    // `0xeee…e`, what contracts write for the chain's native token), no
    // one's account.
    let hex = t.get(ws + 2..we).unwrap_or_default();
    let first = hex.first().copied().unwrap_or(0);
    if hex.iter().all(|c| c.eq_ignore_ascii_case(&first)) {
        return;
    }
    let mut k = ws;
    for _ in 0..4 {
        let j = k - usize::from(at(t, k.wrapping_sub(1)) == b' ');
        let prev = j.wrapping_sub(43);
        let item = |i: usize| {
            t.get(i..i + 2) == Some(&b"0x"[..])
                && t.get(i + 2..i + 42)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
                && !before(t, i).is_ascii_alphanumeric()
        };
        if j < 43 || !matches!(at(t, j - 1), b',' | b';') || !item(prev) {
            break;
        }
        k = prev;
    }
    if k < ws && !sk.ctx(D::EthereumAddress, ws, we) && sk.ctx(D::EthereumAddress, k, k + 42) {
        sk.emit_fixed(D::EthereumAddress, ws, we, Medium);
        return;
    }
    sk.emit(D::EthereumAddress, ws, we, Low, PLAIN);
}

/// 3c-22-fb-9a-1e-07 keyed on a pair holding a digit (the word walk
/// visits no other): the first, or the first after pairs of two letters
/// (`de-33-e2-62-2c-bb`, visited from `33`; `f2-20-…` from `f2`).
fn mac_dash(sk: &mut Sink<'_>, ws: usize, we: usize) {
    let t = sk.t;
    if we - ws != 2 {
        return;
    }
    if at(t, we) == b'-' && before(t, ws) != b'-' {
        crate::net::mac(sk, ws, b'-');
    } else if before(t, ws) == b'-' {
        mac_dash_back(sk, ws);
    }
}

#[cold]
#[inline(never)]
fn mac_dash_back(sk: &mut Sink<'_>, ws: usize) {
    let t = sk.t;
    let mut s = ws;
    for _ in 0..5 {
        if s < 3 || at(t, s - 1) != b'-' {
            break;
        }
        let (a, b) = (at(t, s - 3), at(t, s - 2));
        // A pair with a digit was a key of its own.
        let letter = |c: u8| c.is_ascii_alphabetic() && c.is_ascii_hexdigit();
        if !letter(a) || !letter(b) {
            return;
        }
        s -= 3;
    }
    if s < ws {
        crate::net::mac(sk, s, b'-');
    }
}

/// Words starting with letters: IBAN, NINO, DEA, NIE, NRIC, ICD-10,
/// codice fiscale, passports and licences, bech32.
fn alpha_first(sk: &mut Sink<'_>, ws: usize, we: usize, letters: usize) {
    // Credential tokens with a digit in their prefix or body (`dop_v1_`,
    // `A3-`, `SK<hex>`), before the glued-word test below: their words
    // follow `_` and `-`.
    crate::creds::word(sk, ws, we);
    crate::net::mac_dotted(sk, ws, we);
    mac_dash(sk, ws, we);
    if we - ws == 12 {
        crate::net::mac_bare(sk, ws, we);
    }
    let t = sk.t;
    let w = t.get(ws..we).unwrap_or_default();
    // Only glued characters disqualify a word that starts with a letter:
    // unlike a digit group, it cannot continue the number before it
    // ("ICD-10 E11.9" is a code after a code name, not one number).
    let p = before(t, ws);
    if p.is_ascii_alphanumeric() || p == b'_' {
        return;
    }
    let upper = w
        .get(..letters)
        .is_some_and(|l| l.iter().all(u8::is_ascii_uppercase));
    if letters == 2
        && (upper
            || w.get(..2)
                .is_some_and(|l| l.iter().all(u8::is_ascii_lowercase)))
    {
        iban(sk, ws, we);
    }
    // A magnetic stripe's track 1: `%B<card number>^NAME^…`.
    if letters == 1 && at(t, we) == b'^' {
        crate::pci::track1(sk, ws, we);
    }
    // A security code after `CVV2 ` (the number walk takes the group
    // after a word's digit for its continuation).
    if letters == 3 && w.len() == 4 && w.last() == Some(&b'2') && at(t, we) == b' ' {
        let n = run(t, we + 1, 5, |c| c.is_ascii_digit());
        if matches!(n, 3 | 4) {
            crate::pci::security_code(sk, we + 1, we + 1 + n, true);
        }
    }
    if letters == 1 && matches!(w.first(), Some(b'X' | b'Y' | b'Z' | b'x' | b'y' | b'z')) {
        es_nie(sk, ws);
    }
    // A Venezuelan RIF (`J312345675`, `J31234567-5`: the dash before its
    // check digit is past the word).
    if letters == 1
        && matches!(w.len(), 9 | 10)
        && matches!(
            w.first(),
            Some(b'V' | b'E' | b'J' | b'P' | b'G' | b'v' | b'e' | b'j' | b'p' | b'g')
        )
    {
        crate::ids::ve_rif(sk, ws);
    }
    if letters == 1 {
        // Before the right-boundary check: "E11.9" continues with ".9".
        let da = w
            .get(1..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count());
        icd10(sk, ws, we, w, da);
    }
    if !(right_ok(t, we, false) || letters == 2 && upper) {
        return;
    }
    // The digits after the letters decide only ids of at most 16
    // characters below: a longer word (an IBAN) is not walked again.
    let digits_after = if w.len() <= 20 {
        w.get(letters..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count())
    } else {
        0
    };
    let rest_len = w.len() - letters - digits_after;
    let rok = right_ok(t, we, false);
    crate::ids::alpha_word(sk, ws, we, w, letters, rok);
    // A SegWit address, in one case (BIP-173 allows all capitals, as QR
    // codes write it): before the match, whose capitals arm takes the
    // word otherwise.
    if letters == 2
        && rok
        && (w.starts_with(b"bc1") || w.starts_with(b"BC1") || w.starts_with(b"tb1"))
        && (14..=74).contains(&w.len())
        && (w.iter().all(|c| !c.is_ascii_uppercase()) || w.iter().all(|c| !c.is_ascii_lowercase()))
        && v::segwit_address(&w.to_ascii_lowercase())
    {
        sk.emit(D::BitcoinAddress, ws, we, High, PLAIN);
    }
    // A NINO in lower case (`hh012345d`: a form that lowers what it
    // stores), next to its word.
    if letters == 2
        && rok
        && w.len() == 9
        && digits_after == 6
        && w.iter().all(|c| !c.is_ascii_uppercase())
        && matches!(w.get(8), Some(b'a'..=b'd'))
        && nino_prefix(
            w.first().map_or(0, u8::to_ascii_uppercase),
            w.get(1).map_or(0, u8::to_ascii_uppercase),
        )
    {
        sk.emit(D::UkNino, ws, we, Low, NEED_CTX);
    }
    match letters {
        2 if upper && rok => {
            let (a, b) = (
                w.first().copied().unwrap_or(0),
                w.get(1).copied().unwrap_or(0),
            );
            if w.len() == 9
                && digits_after == 6
                && matches!(w.get(8), Some(b'A'..=b'D'))
                && nino_prefix(a, b)
            {
                sk.emit(D::UkNino, ws, we, Medium, PLAIN);
            }
            if w.len() == 8 && digits_after == 6 && nino_prefix(a, b) {
                // Suffix letter omitted: only with context.
                sk.emit(D::UkNino, ws, we, Low, NEED_CTX);
            }
            if w.len() == 9
                && digits_after == 6
                && w.get(8).is_some_and(u8::is_ascii_uppercase)
                && nino_dummy(a, b)
            {
                sk.emit(D::UkNino, ws, we, Low, NINO_DUMMY);
            }
            if w.len() == 9 && digits_after == 7 && v::us_dea(w) {
                sk.emit(D::UsDea, ws, we, Low, PLAIN);
            }
            // A Portuguese citizen card's version and check after its
            // number and check digit: `00000000 0 ZZ4`.
            if w.len() == 3 && ws >= 11 && at(t, ws - 1) == b' ' {
                pt_cc(sk, ws - 11, we);
            }
        }
        1 if rok => {
            let l = w.first().copied().unwrap_or(0);
            if w.len() == 9 && digits_after == 7 && rest_len == 1 {
                let mut up = [0u8; 9];
                up.copy_from_slice(w.get(..9).unwrap_or(&[0; 9]));
                up.make_ascii_uppercase();
                let lower = up != w;
                if v::sg_nric(&up) {
                    let adj = Adj {
                        need_ctx: lower,
                        nonvalue: false,
                    };
                    sk.emit(D::SgNric, ws, we, Medium, adj);
                }
            }
            if l.is_ascii_uppercase() && rest_len == 0 {
                if digits_after == 8 {
                    us_passport(sk, ws, we);
                }
                if (4..=14).contains(&digits_after) {
                    crate::ids::licence(sk, D::UsDriversLicense, ws, we);
                }
            }
        }
        6..=15 if w.len() == 16 => {
            let mut up = [0u8; 16];
            up.copy_from_slice(w.get(..16).unwrap_or(&[0; 16]));
            up.make_ascii_uppercase();
            let lower = w.iter().all(|c| !c.is_ascii_uppercase());
            if (upper || lower) && v::it_codice_fiscale(&up) {
                let adj = Adj {
                    need_ctx: lower,
                    nonvalue: false,
                };
                sk.emit(D::ItCodiceFiscale, ws, we, Medium, adj);
            }
        }
        _ => {}
    }
    // Sixteen characters, or eighteen with the card's two-digit issue
    // number glued on (`MORGA753116SM9IJ01`).
    if (w.len() == 16
        || w.len() == 18
            && w.get(16..)
                .is_some_and(|x| x.iter().all(u8::is_ascii_digit)))
        && (1..=5).contains(&letters)
        && rok
    {
        uk_driving_licence(sk, ws, we, w);
    }
    if letters == 1
        && w.len() == 2
        && at(t, we) == b'-'
        && w.first().is_some_and(u8::is_ascii_hexdigit)
    {
        crate::net::mac(sk, ws, b'-');
    }
}

/// A Portuguese citizen card (Cartão de Cidadão) number at `s..e`: the
/// civil id's eight digits and its check digit, two characters of the
/// card's version and a check digit over all of them; one word
/// (`000000000ZZ4`) or `00000000 0 ZZ4`. Next to its words only. Cards
/// print the version as two capitals; [`v::pt_cc`] accepts digits there
/// too, as python-stdnum does, but the spaced form is looked for only
/// from a word of two capitals and a digit.
#[cold]
#[inline(never)]
fn pt_cc(sk: &mut Sink<'_>, s: usize, e: usize) {
    if !sk.on(D::PtCc) {
        return;
    }
    let t = sk.t;
    let Some(r) = t.get(s..e) else { return };
    let mut v = [0u8; 12];
    let mut n = 0;
    for (k, &c) in r.iter().enumerate() {
        // Spaces only where the printed form has them.
        if c == b' ' && r.len() == 14 && matches!(k, 8 | 10) {
            continue;
        }
        let Some(x) = v.get_mut(n) else { return };
        *x = c;
        n += 1;
    }
    if n != 12 || !left_ok(t, s) || before(t, s) == b'-' || !v::pt_cc(&v) {
        return;
    }
    sk.emit(D::PtCc, s, e, Medium, NEED_CTX);
}

fn icd10(sk: &mut Sink<'_>, ws: usize, we: usize, w: &[u8], digits_after: usize) {
    if !sk.on(D::Icd10Code) {
        return;
    }
    let t = sk.t;
    let l = w.first().copied().unwrap_or(0);
    if !l.is_ascii_uppercase() || l == b'U' {
        return;
    }
    // E11 / E11.9 / S72.001A / E119 (dot omitted)
    let (e, ok) = if w.len() == 3 && digits_after == 2 {
        if at(t, we) == b'.' {
            let sub = t.get(we + 1..).map_or(0, |r| {
                r.iter()
                    .take(5)
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .count()
            });
            if (1..=4).contains(&sub) && right_ok(t, we + 1 + sub, false) {
                (we + 1 + sub, true)
            } else {
                (we, right_ok(t, we, false))
            }
        } else {
            (we, true)
        }
    } else {
        (we, false)
    };
    if ok {
        sk.emit(D::Icd10Code, ws, e, Low, NEED_CTX);
    }
}

fn uk_driving_licence(sk: &mut Sink<'_>, ws: usize, we: usize, w: &[u8]) {
    if dvla_shape(w) {
        sk.emit(D::UkDrivingLicence, ws, we, Medium, PLAIN);
    }
}

/// The sixteen characters of a UK driving licence number (DVLA): five of
/// the surname (`9` pads a short one), the birth date with the month
/// plus 50 for a woman, two initials, an arbitrary digit and two check
/// characters.
fn dvla_shape(w: &[u8]) -> bool {
    let sur = w.get(..5).unwrap_or_default();
    let dob = w.get(5..11).unwrap_or_default();
    let ini = w.get(11..13).unwrap_or_default();
    let chk = w.get(13).copied().unwrap_or(0);
    let tail = w.get(14..16).unwrap_or_default();
    let sur_ok = sur.first().is_some_and(u8::is_ascii_uppercase)
        && sur.iter().all(|c| c.is_ascii_uppercase() || *c == b'9');
    let dob_ok = dob.iter().all(u8::is_ascii_digit) && {
        let m = num(dob.get(1..3).unwrap_or_default());
        matches!(m, 1..=12 | 51..=62)
    };
    let ini_ok = ini.iter().all(|c| c.is_ascii_uppercase() || *c == b'9');
    // An arbitrary digit (usually 9), then two computer check characters:
    // letters, or a digit and a letter (`…SM9IJ`, `…SM91J`).
    let tail_ok = chk.is_ascii_digit()
        && tail
            .first()
            .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && tail.get(1).is_some_and(u8::is_ascii_uppercase);
    w.len() >= 16 && sur_ok && dob_ok && ini_ok && tail_ok
}

/// A UK driving licence number printed with spaces, as people copy the
/// card (`MORGA 753116SM91J 01`, `MORGA 753 116 SM91J 01`, `MORGA 753116
/// SM91J01`): reached from the word `t[ws..we]` that holds the birth
/// date and the rest (`753116SM91J`, `753116SM91J01`) or the rest only
/// (`SM91J`, `SM91J01`), read back to the surname and on to the card's
/// issue number. Next to a licence word only (the compact form is
/// reported alone).
#[cold]
#[inline(never)]
pub(crate) fn uk_dl_spaced(sk: &mut Sink<'_>, ws: usize, we: usize) {
    if !sk.on(D::UkDrivingLicence) {
        return;
    }
    let t = sk.t;
    let w = t.get(ws..we).unwrap_or_default();
    let mut v = [0u8; 18];
    // The date's start: in the word, or before it (`753116 ` or
    // `753 116 `).
    let (date_at, rest) = if w.first().is_some_and(u8::is_ascii_digit) {
        let Some(d) = w.get(..6) else { return };
        v[5..11].copy_from_slice(d);
        (ws, w.get(6..).unwrap_or_default())
    } else {
        let b = ws.saturating_sub(1);
        if at(t, b) != b' ' || b < 7 {
            return;
        }
        let six = t.get(b - 6..b).filter(|d| d.iter().all(u8::is_ascii_digit));
        let split = t.get(b.saturating_sub(7)..b).filter(|d| {
            d.get(3) == Some(&b' ')
                && d.iter()
                    .enumerate()
                    .all(|(k, c)| k == 3 || c.is_ascii_digit())
        });
        match (six, split) {
            (Some(d), _) => {
                v[5..11].copy_from_slice(d);
                (b - 6, w)
            }
            (None, Some(d)) => {
                for (k, &c) in d.iter().filter(|c| c.is_ascii_digit()).enumerate() {
                    if let Some(x) = v.get_mut(5 + k) {
                        *x = c;
                    }
                }
                (b - 7, w)
            }
            _ => return,
        }
    };
    // The surname: five characters and a space before the date.
    let Some(sur_at) = date_at.checked_sub(6) else {
        return;
    };
    if at(t, date_at - 1) != b' '
        || before(t, sur_at).is_ascii_alphanumeric()
        || !t
            .get(sur_at..sur_at + 5)
            .is_some_and(|x| x.iter().all(|c| c.is_ascii_uppercase() || *c == b'9'))
    {
        return;
    }
    v[..5].copy_from_slice(t.get(sur_at..sur_at + 5).unwrap_or_default());
    // The initials, digit and checks; the issue number glued or apart.
    let (tail, issue) = match rest.len() {
        5 => (rest, None),
        7 => (rest.get(..5).unwrap_or_default(), rest.get(5..)),
        _ => return,
    };
    v[11..16].copy_from_slice(tail);
    let mut end = we;
    let issue = issue.or_else(|| {
        let i = t.get(we + 1..we + 3)?;
        (at(t, we) == b' '
            && i.iter().all(u8::is_ascii_digit)
            && !at(t, we + 3).is_ascii_alphanumeric())
        .then(|| {
            end = we + 3;
            i
        })
    });
    if let Some(i) = issue {
        if !i.iter().all(u8::is_ascii_digit) {
            return;
        }
        v[16..18].copy_from_slice(i);
    }
    if dvla_shape(&v) {
        sk.emit(D::UkDrivingLicence, sur_at, end, Medium, NEED_CTX);
    }
}

/// IBAN from its two-letter country code at `s`, in any printed layout:
/// compact, or in groups joined by single spaces or dashes (groups of
/// four, of two or three, a short first group, the country code apart:
/// `DE89 3704 0044 0532 0130 00`, `GB 82 WEST …`, `FR76-3000-6000-…`).
/// The walk stops at the country's length, which must end a group.
/// `t[s..word_end]` is known to be letters and digits (`word_end` ≤ `s`
/// when nothing is known): the word the number walk found.
fn iban(sk: &mut Sink<'_>, s: usize, word_end: usize) {
    if !sk.on(D::Iban) {
        return;
    }
    let t = sk.t;
    let cc = t.get(s..s + 2).unwrap_or_default();
    // A country code in lower case (`de89 3704 …`, typed by hand in a
    // chat) is `low` without an IBAN word: a lower-case word of letters
    // and digits is more often some other id.
    let lower = cc.iter().any(u8::is_ascii_lowercase);
    let up = [
        at(t, s).to_ascii_uppercase(),
        at(t, s + 1).to_ascii_uppercase(),
    ];
    let Some(len) = v::iban_length(&up) else {
        return;
    };
    let Some((buf, i, spaced)) = iban_chars(t, s, len, true, word_end) else {
        return;
    };
    let n = len;
    if !right_ok(t, i, spaced) && !amount_after(t, i) || at(t, i).is_ascii_alphanumeric() {
        return;
    }
    let v = buf.get(..n).unwrap_or_default();
    if !v
        .get(2..4)
        .is_some_and(|c| c.iter().all(u8::is_ascii_digit))
        || !crate::validate::iban(v)
    {
        return;
    }
    // A failed national check (a Spanish CCC) lowers, it does not drop:
    // see `validate::iban_national`.
    let adj = crate::kit::Adj {
        need_ctx: false,
        nonvalue: !crate::validate::iban_national(v),
    };
    let base = if !lower || sk.ctx(D::Iban, s, i) {
        Medium
    } else if cc == b"no" {
        // `identification no4722896240034`: the number's abbreviation,
        // not Norway's code.
        return;
    } else {
        Low
    };
    sk.emit(D::Iban, s, i, base, adj);
}

/// True if a space and an amount or a date follow `i` (`… 7454 223
/// 4,166.87` in a report's next column): no group of the value before.
#[cold]
#[inline(never)]
fn amount_after(t: &[u8], i: usize) -> bool {
    let d = t.get(i + 1..).map_or(0, digit_run);
    at(t, i) == b' '
        && d > 0
        && matches!(at(t, i + 1 + d), b'.' | b',')
        && at(t, i + 2 + d).is_ascii_digit()
}

/// The `len` letters and digits of an IBAN candidate starting at `s`,
/// upper-cased, with where they end and whether separators were read
/// between them; `None` if they are not an IBAN's (a separator changes,
/// a group of lower-case letters only, which is the next word, or the
/// text stops first).
///
/// With `fast`, a value printed without separators (a table's IBAN
/// column: every byte of the length alphanumeric) is copied at once
/// instead of byte by byte; the result is the same (property-tested).
/// Its bytes are not tested again where they lie in `s..known`, known to
/// be letters and digits (an IBAN's word, found by the number walk).
#[inline]
fn iban_chars(
    t: &[u8],
    s: usize,
    len: usize,
    fast: bool,
    known: usize,
) -> Option<([u8; 34], usize, bool)> {
    let mut buf = [0u8; 34];
    if fast
        && let Some(compact) = t.get(s..s + len)
        && (s + len <= known || compact.iter().all(u8::is_ascii_alphanumeric))
        && let Some(dst) = buf.get_mut(..len)
    {
        dst.copy_from_slice(compact);
        dst.make_ascii_uppercase();
        // Lower-case letters are accepted (`MC11 … h79`), not a last
        // group of them.
        if compact.iter().all(u8::is_ascii_lowercase) {
            return None;
        }
        return Some((buf, s + len, false));
    }
    let mut n = 0;
    let mut i = s;
    let mut sep: Option<u8> = None;
    let mut group = 0;
    // A group of lower-case letters only is the next word, not an IBAN's
    // — unless the whole IBAN is typed in lower case (`gb97 loyd 3747
    // …`), where a bank code's letters are such a group.
    let all_lower = at(t, s).is_ascii_lowercase() && at(t, s + 1).is_ascii_lowercase();
    let mut word = true;
    while n < len {
        let c = at(t, i);
        if c.is_ascii_alphanumeric() {
            if let Some(x) = buf.get_mut(n) {
                *x = c.to_ascii_uppercase();
            }
            word &= c.is_ascii_lowercase();
            n += 1;
            group += 1;
            i += 1;
        } else if matches!(c, b' ' | b'-' | b'.')
            && group > 0
            && at(t, i + 1).is_ascii_alphanumeric()
        {
            if word && !all_lower {
                return None;
            }
            word = true;
            // The country code and the check digits may stand apart
            // whatever joins the rest (`ES72 2013-0692-…`, `NO 44
            // 1850.05.14562`); the BBAN's own groups share one separator.
            if n != 2 && n != 4 {
                match sep {
                    None => sep = Some(c),
                    Some(p) if p != c => return None,
                    _ => {}
                }
            }
            group = 0;
            i += 1;
        } else {
            return None;
        }
    }
    // Lower-case letters are accepted (`MC11 … h79`), not a last group
    // of them: the country's length must end a group and mod 97 hold.
    if word {
        return None;
    }
    Some((buf, i, sep.is_some() || i - s > n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_id_of_seven_or_eight_digits_is_asked_for() {
        // Numbers of seven or eight digits reach the table only when a
        // word of one of `SHORT_IDS` is near: an id missing there is
        // never reported.
        for len in [7, 8] {
            for i in crate::ids::digit_ids_of(len).0 {
                assert!(
                    SHORT_IDS.has(i.d as usize),
                    "{:?} ({len} digits) is not in SHORT_IDS",
                    i.d
                );
            }
        }
    }

    /// Every checked id of the tables by length, found in its contiguous
    /// print after its first word, is found the same when printed a digit
    /// at a time and in groups joined by a spaced dash or slash; with its
    /// check digit changed, in neither; with no word, in neither.
    #[test]
    fn a_number_printed_loosely_is_read_as_its_contiguous_print() {
        let det = crate::Detectors::new();
        let found = |text: &str, id: &str| {
            let (s, e) = (text.find(|c: char| c.is_ascii_digit()).unwrap(), text.len());
            det.scan(text.as_bytes())
                .iter()
                .any(|f| f.detector == id && f.start < e && s < f.end && f.confidence >= Medium)
        };
        // A fixed stream of digits (an LCG's high bits).
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut digit = move || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            b'0' + ((x >> 33) % 10) as u8
        };
        let mut tried = 0;
        for i in crate::ids::all_digit_ids() {
            let info = &crate::builtin::BUILTINS[i.d as usize];
            let (Some(word), false) = (info.context.first(), UNCHECKED_IDS.has(i.d as usize))
            else {
                continue;
            };
            let len = digit_ids_len(i);
            // A valid value: random digits, the last one made to pass.
            let value = (0..400).find_map(|_| {
                let mut v: Vec<u8> = (0..len).map(|_| digit()).collect();
                (b'0'..=b'9').find_map(|c| {
                    *v.last_mut().unwrap() = c;
                    (i.check)(&v).then(|| String::from_utf8(v.clone()).unwrap())
                })
            });
            let Some(value) = value else { continue };
            if !found(&format!("{word}: {value}\n"), info.id) {
                continue;
            }
            tried += 1;
            let spaced = value
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join(" ");
            let groups = value
                .as_bytes()
                .chunks(3)
                .map(|g| std::str::from_utf8(g).unwrap());
            let dashed = groups.clone().collect::<Vec<_>>().join(" - ");
            let slashed = groups.collect::<Vec<_>>().join("/ ");
            for printed in [&spaced, &dashed, &slashed] {
                assert!(
                    found(&format!("{word}: {printed}\n"), info.id),
                    "{}: {printed}",
                    info.id
                );
                assert!(
                    !found(&format!("Total: {printed}\n"), info.id),
                    "{} alone: {printed}",
                    info.id
                );
            }
            let mut bad = value.clone().into_bytes();
            let last = bad.last_mut().unwrap();
            *last = b'0' + (*last - b'0' + 1) % 10;
            if !(i.check)(&bad) {
                let bad = std::str::from_utf8(&bad).unwrap();
                let spaced = bad.chars().map(String::from).collect::<Vec<_>>().join(" ");
                assert!(
                    !found(&format!("{word}: {spaced}\n"), info.id),
                    "{}: {spaced}",
                    info.id
                );
            }
        }
        assert!(tried >= 40, "only {tried} ids tried");
    }

    /// The length of the table an id is in.
    fn digit_ids_len(i: &crate::ids::DigitId) -> usize {
        (7..=26)
            .find(|&l| {
                crate::ids::digit_ids_of(l)
                    .0
                    .iter()
                    .any(|x| std::ptr::eq(x, i))
            })
            .unwrap()
    }

    proptest! {
        /// The compact-IBAN copy gives what the byte loop gives, on text
        /// of letters (both cases), digits and separators, for every
        /// length a country has.
        #[test]
        fn iban_chars_fast_matches_loop(
            t in proptest::collection::vec(prop_oneof![
                6 => b'0'..=b'9', 3 => b'A'..=b'Z', 2 => b'a'..=b'z',
                1 => Just(b' '), 1 => Just(b'-'), 1 => Just(b'.'), 1 => any::<u8>()], 0..48),
            s in 0usize..8,
            len in 14usize..=34,
        ) {
            let slow = iban_chars(&t, s, len, false, 0);
            prop_assert_eq!(iban_chars(&t, s, len, true, 0), slow);
            // With the word's end known, as the number walk passes it.
            let known = s + t.get(s..).map_or(0, |r| {
                r.iter().take_while(|c| c.is_ascii_alphanumeric()).count()
            });
            prop_assert_eq!(iban_chars(&t, s, len, true, known), slow);
        }
    }

    proptest! {
        /// A signature's label is read from the bytes around the number
        /// only: any text, any span (past the end too) gives an answer,
        /// and the answer does not change with what lies beyond a line
        /// break before the label or after the word after the number.
        #[test]
        fn signature_label_reads_only_the_neighbours(
            label in prop_oneof![Just(&b"Office: "[..]), Just(&b"M: "[..]), Just(&b"Hotline "[..]),
                Just(&b"Room: "[..]), Just(&b""[..])],
            after in prop_oneof![Just(&b" office"[..]), Just(&b"-Office"[..]), Just(&b" (home)"[..]),
                Just(&b" home loans"[..]), Just(&b""[..])],
            before in proptest::collection::vec(any::<u8>(), 0..16),
            beyond in proptest::collection::vec(any::<u8>(), 0..16),
            s in 0usize..80, len in 0usize..40,
        ) {
            let number = b"082 490 1693";
            let mut t = b"x\n".to_vec();
            t.extend_from_slice(label);
            let at = t.len();
            t.extend_from_slice(number);
            t.extend_from_slice(after);
            t.push(b'\n');
            let answer = signature_label(&t, at, at + number.len());
            let mut u = before.clone();
            u.extend_from_slice(&t);
            u.extend_from_slice(&beyond);
            let k = before.len();
            prop_assert_eq!(signature_label(&u, k + at, k + at + number.len()), answer);
            // Anywhere in any bytes: an answer, never a panic.
            let _ = signature_label(&u, s, s + len);
        }
    }

    proptest! {
        /// A record number's label is read from the 24 bytes before the
        /// number only (what lies further back changes nothing), at any
        /// position of any bytes without a panic.
        #[test]
        fn mrn_label_reads_only_its_window(
            label in prop_oneof![Just(&b"MRN: "[..]), Just(&b"Medical Record Number: "[..]),
                Just(&b"\"patientMRN\": \""[..]), Just(&b"room "[..]), Just(&b"Chart No. #"[..])],
            far in proptest::collection::vec(any::<u8>(), 0..40),
            s in 0usize..80,
        ) {
            let mut t = b"                        ".to_vec();
            t.extend_from_slice(label);
            let at = t.len();
            t.extend_from_slice(b"00456789");
            let answer = mrn_label(&t, at);
            prop_assert_eq!(answer, label != b"room ");
            let mut u = far.clone();
            u.extend_from_slice(&t);
            prop_assert_eq!(mrn_label(&u, far.len() + at), answer);
            let _ = mrn_label(&u, s);
        }
    }

    /// A word the 24-byte window cuts is no label, even when its cut
    /// part is a record word.
    #[test]
    fn mrn_label_not_from_a_cut_word() {
        // The window (24 bytes) starts at `record` inside `prerecord`.
        let t = b"prerecord                  00456789";
        assert_eq!(t.len() - 8, 27);
        assert!(!mrn_label(t, 27));
        // The same word whole is a label.
        let t = b"pr record                  00456789";
        assert!(mrn_label(t, 27));
    }

    /// [`card_brand`] as it was written first: each prefix read from the
    /// digits again.
    fn card_brand_reference(d: &[u8]) -> bool {
        let n = d.len();
        let p = |k: usize| d.get(..k).map_or(0, num);
        let visa = p(1) == 4 && matches!(n, 13 | 16 | 19);
        let mc = (matches!(p(2), 51..=55) || matches!(p(4), 2221..=2720)) && n == 16;
        let amex = matches!(p(2), 34 | 37) && n == 15;
        let discover =
            (p(4) == 6011 || matches!(p(3), 644..=649) || p(2) == 65) && (16..=19).contains(&n);
        let jcb =
            (p(2) == 35 && (16..=19).contains(&n)) || (matches!(p(4), 2131 | 1800) && n == 15);
        let diners =
            (matches!(p(3), 300..=305) || matches!(p(2), 36 | 38 | 39)) && (14..=19).contains(&n);
        let maestro = (p(2) == 50 || matches!(p(2), 56..=69)) && (12..=19).contains(&n);
        let unionpay = (p(2) == 62 || matches!(p(4), 8100..=8171)) && (16..=19).contains(&n);
        let mir = matches!(p(4), 2200..=2204) && (16..=19).contains(&n);
        let national = (matches!(p(2), 81 | 82) || p(4) == 9792) && n == 16;
        visa || mc || amex || discover || jcb || diners || maestro || unionpay || mir || national
    }

    proptest! {
        /// The brand from the first four digits read once is the brand
        /// from each prefix read again, for every four-digit start and
        /// every length.
        #[test]
        fn card_brand_matches_reference(head in 0u32..10_000, n in 0usize..=20, tail in 0u64..u64::MAX) {
            let mut d = format!("{head:04}{tail:020}").into_bytes();
            d.truncate(n);
            prop_assert_eq!(card_brand(&d), card_brand_reference(&d));
        }

        /// The slot lookup says what `contains` says, for the test cards,
        /// for numbers one digit away from them, and for any number.
        #[test]
        fn is_test_card_matches_contains(
            i in 0usize..TEST_CARDS.len(),
            at in 0usize..20,
            digit in b'0'..=b'9',
            any in proptest::collection::vec(b'0'..=b'9', 0..20),
        ) {
            let mut c = TEST_CARDS[i].to_vec();
            prop_assert!(is_test_card(&c));
            if let Some(x) = c.get_mut(at) {
                *x = digit;
            }
            prop_assert_eq!(is_test_card(&c), TEST_CARDS.contains(&&c[..]));
            c.push(b'0');
            prop_assert!(!is_test_card(&c));
            prop_assert_eq!(is_test_card(&any), TEST_CARDS.contains(&&any[..]));
        }
    }

    #[test]
    fn card_brand_every_prefix() {
        for head in 0..10_000u32 {
            for n in 0..=20 {
                let mut d = format!("{head:04}0000000000000000").into_bytes();
                d.truncate(n);
                assert_eq!(card_brand(&d), card_brand_reference(&d), "{head} {n}");
            }
        }
    }

    #[test]
    fn iban_chars_compact_and_grouped() {
        let t = b"DE89370400440532013000,x";
        let (buf, end, spaced) = iban_chars(t, 0, 22, true, 0).unwrap();
        assert_eq!(&buf[..22], b"DE89370400440532013000");
        assert_eq!((end, spaced), (22, false));
        let t = b"de89 3704 0044 0532 0130 00 ";
        let (buf, end, spaced) = iban_chars(t, 0, 22, true, 0).unwrap();
        assert_eq!(&buf[..22], b"DE89370400440532013000");
        assert_eq!((end, spaced), (27, true));
        // A word of lower-case letters only is not an IBAN.
        assert_eq!(iban_chars(b"abcdefghijklmnopqrstuv", 0, 22, true, 22), None);
    }
}
