//! Payment-card data besides the card number: the magnetic stripe's
//! tracks (ISO/IEC 7813) and the card security code. PCI DSS forbids
//! storing either after authorisation, so a DLP tool reports them where a
//! card number alone may be a receipt's.
//!
//! Both are keyed off the number walk ([`crate::numeric`]): a track by the
//! byte after its account number (`=` on track 2, `^` on track 1), a
//! security code by the label right before a lone group of three or four
//! digits. Neither is a search of its own over the text.

use crate::builtin::D;
use crate::kit::{Sink, at, before, run};
use crate::model::Confidence::{High, Low, Medium};
use crate::validate as v;

/// A track's primary account number: 12 to 19 digits of a card brand that
/// pass Luhn.
fn pan_ok(pan: &[u8]) -> bool {
    (12..=19).contains(&pan.len())
        && pan.iter().all(u8::is_ascii_digit)
        && crate::numeric::card_brand(pan)
        && v::luhn(pan)
}

/// Reports the track at `s..e` whose account number is `pan`: `high`, a
/// test card's `low` (as `credit_card` reports the number alone).
fn emit_track(sk: &mut Sink<'_>, pan: &[u8], s: usize, e: usize) {
    let conf = if crate::numeric::is_test_card(pan) {
        Low
    } else {
        High
    };
    sk.emit_fixed(D::CardTrackData, s, e, conf);
}

/// The expiry and service code after a track's separator: `YYMM` with a
/// month 01-12 and a service code whose first digit ISO/IEC 7813 assigns
/// (1, 2 interchange; 5, 6 national; 7 private; 9 test).
fn expiry_service_ok(t: &[u8], i: usize) -> bool {
    let d = |k: usize| at(t, i + k).wrapping_sub(b'0');
    (0..7).all(|k| d(k) <= 9)
        && matches!(d(2) * 10 + d(3), 1..=12)
        && matches!(d(4), 1 | 2 | 5 | 6 | 7 | 9)
}

/// The end of a track's discretionary data from `i`: digits (track 1 may
/// hold spaces too), then the end sentinel `?` if there is one. `None`
/// if a letter or another digit glues on.
fn track_end(t: &[u8], i: usize, spaces: bool, max: usize) -> Option<usize> {
    let n = run(t, i, max, |c| c.is_ascii_digit() || (spaces && c == b' '));
    let mut e = i + n;
    while spaces && e > i && at(t, e - 1) == b' ' {
        e -= 1;
    }
    if at(t, i + n) == b'?' {
        return Some(i + n + 1);
    }
    let c = at(t, e);
    (!c.is_ascii_alphanumeric() && c != b'_').then_some(e)
}

/// Track 2 (`;PAN=YYMMSSS…?`) from its account number `t[ws..we]`, the
/// byte at `we` being `=`.
#[cold]
#[inline(never)]
pub(crate) fn track2(sk: &mut Sink<'_>, ws: usize, we: usize) {
    let t = sk.t;
    let Some(pan) = t.get(ws..we) else {
        return;
    };
    let p = before(t, ws);
    if !sk.on(D::CardTrackData)
        || p.is_ascii_alphanumeric()
        || !pan_ok(pan)
        || !expiry_service_ok(t, we + 1)
    {
        return;
    }
    // The whole track is at most 37 characters between its sentinels.
    let room = 37usize.saturating_sub(pan.len() + 8);
    let Some(e) = track_end(t, we + 8, false, room) else {
        return;
    };
    let s = if p == b';' { ws - 1 } else { ws };
    emit_track(sk, pan, s, e);
}

/// EMV's track 2 equivalent data (tag 57, as card terminals and payment
/// logs dump it in hex): `<PAN>D<YYMM><service code><discretionary>`,
/// an `F` padding it to whole bytes, the word `t[ws..we]` with its `D` at
/// `sep`.
#[cold]
#[inline(never)]
pub(crate) fn track2_emv(sk: &mut Sink<'_>, ws: usize, sep: usize, we: usize) {
    let t = sk.t;
    let (Some(pan), Some(rest)) = (t.get(ws..sep), t.get(sep + 1..we)) else {
        return;
    };
    let body = match rest.last() {
        Some(b'F' | b'f') => rest.get(..rest.len() - 1).unwrap_or_default(),
        _ => rest,
    };
    if !sk.on(D::CardTrackData)
        || before(t, ws).is_ascii_alphanumeric()
        || body.len() < 7
        || pan.len() + 1 + body.len() > 37
        || !body.iter().all(u8::is_ascii_digit)
        || !pan_ok(pan)
        || !expiry_service_ok(t, sep + 1)
    {
        return;
    }
    emit_track(sk, pan, ws, we);
}

/// Track 1 (`%B PAN ^ NAME ^ YYMMSSS … ?`) from its word `B<PAN>` at
/// `t[ws..we]`, the byte at `we` being `^`.
#[cold]
#[inline(never)]
pub(crate) fn track1(sk: &mut Sink<'_>, ws: usize, we: usize) {
    let t = sk.t;
    let Some(pan) = t.get(ws + 1..we) else {
        return;
    };
    let p = before(t, ws);
    if !sk.on(D::CardTrackData) || at(t, ws) != b'B' || p.is_ascii_alphanumeric() || !pan_ok(pan) {
        return;
    }
    // The cardholder's name: 2 to 26 characters, `SURNAME/GIVEN`.
    let name = run(t, we + 1, 27, |c| {
        c.is_ascii_alphanumeric() || matches!(c, b' ' | b'/' | b'.' | b'\'' | b'-')
    });
    let sep = we + 1 + name;
    if !(2..=26).contains(&name) || at(t, sep) != b'^' || !expiry_service_ok(t, sep + 1) {
        return;
    }
    // At most 79 characters between the sentinels.
    let room = 79usize.saturating_sub(sep + 8 - ws);
    let Some(e) = track_end(t, sep + 8, true, room) else {
        return;
    };
    let s = if p == b'%' { ws - 1 } else { ws };
    emit_track(sk, pan, s, e);
}

/// Labels that name a card's security code on their own.
const CODE_NAMES: &[&[u8]] = &[
    b"cvv", b"cvv2", b"cvc", b"cvc2", b"cvn", b"cvn2", b"cvd", b"cav2",
];

/// The code's long names end in one of these, after `card` and one of
/// [`CODE_QUALIFIERS`]: `card verification value`, `card security code`.
const CODE_HEADS: &[&[u8]] = &[b"code", b"value", b"number", b"data", b"digits", b"no"];
const CODE_QUALIFIERS: &[&[u8]] = &[
    b"verification",
    b"validation",
    b"security",
    b"identification",
];

/// A cheap test before [`security_code`]: the last three bytes of the
/// word that ends at most four separators before `s`, lower-cased, end
/// one of the code's names (`cvv`, `cvv2`, `cav2` …) or heads (`code`,
/// `value`, `number`, `data`, `digits`, `no`). Most words before a number
/// in prose (`in 2024`, `of 300`) end otherwise.
#[inline]
pub(crate) fn may_label(t: &[u8], s: usize) -> bool {
    let mut j = s;
    let lo = s.saturating_sub(4);
    while j > lo
        && matches!(
            at(t, j - 1),
            b' ' | b'\t' | b':' | b'#' | b'=' | b'-' | b'"' | b'\''
        )
    {
        j -= 1;
    }
    if j < 3 {
        return false;
    }
    let k = [at(t, j - 3), at(t, j - 2), at(t, j - 1)].map(|c| c | 0x20);
    matches!(
        &k,
        b"cvv"
            | b"cvc"
            | b"cvn"
            | b"cvd"
            | b"vv2"
            | b"vc2"
            | b"vn2"
            | b"av2"
            | b"ode"
            | b"lue"
            | b"ber"
            | b"ata"
            | b"its"
            | b" no"
    )
}

/// Most bytes of label read before a security code.
const LABEL: usize = 40;

/// True if the words before `s` (walking back over `: # = - " '`, blanks
/// and `_`, camel case read word by word) name a card's security code:
/// one of [`CODE_NAMES`] last (`CVV: 123`, `"card_cvc": "123"`,
/// `cardCvv=123`), or `card`, a qualifier and a head (`Card Verification
/// Value: 123`, `card security code 123`).
fn code_label(t: &[u8], s: usize) -> bool {
    let lo = s.saturating_sub(LABEL);
    let Some(left) = t.get(lo..s) else {
        return false;
    };
    // The last three words, last first.
    let mut words: [&[u8]; 3] = [&[]; 3];
    let mut n = 0;
    let mut i = left.len();
    let mut first = true;
    while n < 3 {
        let sep_start = i;
        while i > 0
            && left.get(i - 1).is_some_and(|c| {
                matches!(
                    c,
                    b' ' | b'\t' | b':' | b'#' | b'=' | b'-' | b'"' | b'\'' | b'_' | b'.'
                )
            })
        {
            i -= 1;
        }
        // The value's label is right before it: at most a few separators.
        if first && sep_start - i > 4 {
            return false;
        }
        first = false;
        let end = i;
        while i > 0 && left.get(i - 1).is_some_and(u8::is_ascii_alphanumeric) {
            i -= 1;
        }
        let Some(w) = left.get(i..end).filter(|w| !w.is_empty()) else {
            break;
        };
        // Camel case from the word's end (`cardVerificationValue`).
        let mut pe = w.len();
        while pe > 0 && n < 3 {
            let ps = crate::numeric::camel_start(w, pe);
            if let (Some(slot), Some(part)) = (words.get_mut(n), w.get(ps..pe)) {
                *slot = part;
            }
            n += 1;
            pe = ps;
        }
        if i == 0 {
            break;
        }
    }
    let is = |w: &[u8], set: &[&[u8]]| set.iter().any(|m| w.eq_ignore_ascii_case(m));
    let [last, mid, head] = words;
    is(last, CODE_NAMES)
        || (is(last, CODE_HEADS) && is(mid, CODE_QUALIFIERS) && head.eq_ignore_ascii_case(b"card"))
}

/// A card security code: the lone three or four digits `t[s..e]` right
/// after their label ([`code_label`], asked when `label`: the byte before
/// may end one), or in a column a table's header names so (`cvv`).
#[cold]
#[inline(never)]
pub(crate) fn security_code(sk: &mut Sink<'_>, s: usize, e: usize, label: bool) {
    let t = sk.t;
    let c = at(t, e);
    if !sk.on(D::CardSecurityCode)
        || c.is_ascii_alphanumeric()
        || (matches!(c, b'.' | b',' | b'-' | b'/') && at(t, e + 1).is_ascii_digit())
        || t.get(s..e).is_some_and(|d| d.iter().all(|&b| b == b'0'))
    {
        return;
    }
    if (label && code_label(t, s)) || sk.in_column(D::CardSecurityCode, s, e) {
        sk.emit_fixed(D::CardSecurityCode, s, e, Medium);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        for (text, want) in [
            ("CVV: ", true),
            ("cvv2=", true),
            ("\"cvc\": \"", true),
            ("card_cvv: ", true),
            ("cardCvc=", true),
            ("Card Verification Value: ", true),
            ("card security code ", true),
            ("cardVerificationValue\": \"", true),
            ("CVN #", true),
            ("CID: ", false),
            ("security code: ", false),
            ("verification code: ", false),
            ("Your code is ", false),
            ("card: ", false),
            ("CVV and expiry are on the back. Room ", false),
            ("cvvs ", false),
        ] {
            let t = format!("{text}123 ");
            assert_eq!(code_label(t.as_bytes(), text.len()), want, "{text:?}");
        }
    }

    #[test]
    fn expiry_and_service() {
        assert!(expiry_service_ok(b"2512101", 0));
        assert!(expiry_service_ok(b"3001201", 0));
        assert!(!expiry_service_ok(b"2513101", 0), "month 13");
        assert!(!expiry_service_ok(b"2500101", 0), "month 00");
        assert!(!expiry_service_ok(b"2512301", 0), "service code 3xx");
        assert!(!expiry_service_ok(b"251210", 0), "short");
    }
}
