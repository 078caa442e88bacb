//! Check-digit and structure validators, one function per published algorithm.
//!
//! Every function takes the value with separators already removed (ASCII
//! digits, or upper-case alphanumerics where the format has letters) and
//! returns `false` for anything malformed instead of panicking. Each one is
//! property-tested against an independent, deliberately naive implementation
//! in `tests/it/validators.rs`.

use sha2::{Digest, Sha256};
use sha3::Keccak256;

/// Names usable as `validator = "..."` in custom detector configs.
pub const NAMED: &[&str] = &[
    "luhn", "mod97", "iban", "verhoeff", "nhs", "npi", "aba", "ean13", "mod11_10",
];

/// Runs the validator called `name` on `value` (separators are stripped
/// first: only ASCII alphanumerics are kept, upper-cased). `None` if no such
/// validator exists.
pub fn by_name(name: &str, value: &[u8]) -> Option<bool> {
    let clean: Vec<u8> = value
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_uppercase())
        .collect();
    // Digit algorithms look at the digits only ("EMP-4111-1111" -> 41111111).
    let d: Vec<u8> = clean.iter().copied().filter(u8::is_ascii_digit).collect();
    let ok = match name {
        "luhn" => luhn(&d),
        "mod97" => mod97_10(&clean),
        "iban" => iban(&clean),
        "verhoeff" => verhoeff(&d),
        "nhs" => uk_nhs(&d),
        "npi" => us_npi(&d),
        "aba" => aba_routing(&d),
        "ean13" => ean13(&d),
        "mod11_10" => iso7064_mod11_10(&d),
        _ => return None,
    };
    Some(ok)
}

fn dig(b: u8) -> Option<u32> {
    if b.is_ascii_digit() {
        Some(u32::from(b - b'0'))
    } else {
        None
    }
}

/// Up to 32 digit values on the stack (validators run on every candidate
/// number in dense text, so they must not allocate).
pub(crate) struct Digs {
    a: [u32; 32],
    n: usize,
}

impl std::ops::Deref for Digs {
    type Target = [u32];
    fn deref(&self) -> &[u32] {
        self.a.get(..self.n).unwrap_or_default()
    }
}

/// Digits of `s` as numbers, or `None` if any byte is not an ASCII digit
/// or there are more than 32.
pub(crate) fn digits(s: &[u8]) -> Option<Digs> {
    let mut d = Digs { a: [0; 32], n: 0 };
    for &b in s {
        *d.a.get_mut(d.n)? = dig(b)?;
        d.n += 1;
    }
    Some(d)
}

/// Luhn (mod 10) as used by payment cards, CA SIN, NPI, SE personnummer.
pub fn luhn(s: &[u8]) -> bool {
    if let Ok(d16) = <&[u8; 16]>::try_from(s) {
        // The common card length, checked on every 16-digit number.
        return luhn16(d16);
    }
    if (1..16).contains(&s.len()) {
        // Leading zeros change neither the sum nor which digits are
        // doubled (counted from the right): a shorter number (an Amex
        // card's 15 digits, a SIN's 9) is checked as 16.
        let mut d = [b'0'; 16];
        if let Some(tail) = d.get_mut(16 - s.len()..) {
            tail.copy_from_slice(s);
        }
        return luhn16(&d);
    }
    !s.is_empty() && luhn_sum(s).is_some_and(|sum| sum % 10 == 0)
}

/// [`luhn`] of exactly 16 bytes, eight digits at a time (SWAR): no loop,
/// no branch per digit.
fn luhn16(s: &[u8; 16]) -> bool {
    const HI: u64 = 0x8080_8080_8080_8080;
    let (a, b) = s.split_at(8);
    let raw = |h: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(h);
        u64::from_le_bytes(w)
    };
    let (a, b) = (raw(a), raw(b));
    // All sixteen bytes digits? Per byte (high bit): >= '0' and < ':',
    // computed without carries between bytes.
    let digits = |x: u64| {
        let y = x & !HI;
        y.wrapping_add(0x5050_5050_5050_5050) & !y.wrapping_add(0x4646_4646_4646_4646) & !x & HI
    };
    if digits(a) & digits(b) != HI {
        return false;
    }
    // Digit values, one per byte (no borrows: every byte is >= '0').
    let word = |x: u64| x - 0x3030_3030_3030_3030;
    // Counted from the right of 16 digits, the doubled ones sit at even
    // positions from the left: bytes 0, 2, 4, 6 of each little-endian word.
    const EVEN: u64 = 0x00FF_00FF_00FF_00FF;
    let sum8 = |x: u64| {
        let e = x & EVEN;
        let o = x & !EVEN;
        // 1 in each even byte whose digit is above 4 (d + 123 >= 128).
        let big = ((e + 0x007B_007B_007B_007B) >> 7) & 0x0001_0001_0001_0001;
        let doubled = (e << 1) - big * 9;
        // Every byte is at most 9, so the byte sum fits in the top byte.
        ((doubled + o).wrapping_mul(0x0101_0101_0101_0101) >> 56) as u32
    };
    (sum8(word(a)) + sum8(word(b))) % 10 == 0
}

/// The Luhn sum of `s` (every second digit from the right doubled), or
/// `None` if a byte is not a digit.
fn luhn_sum(s: &[u8]) -> Option<u32> {
    // Checked once up front, so the sum below has no exits and no
    // branches (it runs for every card-shaped number in dense text).
    if !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut sum = 0u32;
    for (i, &b) in s.iter().rev().enumerate() {
        let d = u32::from(b.wrapping_sub(b'0'));
        // Doubled: 2d, less 9 when that has two digits.
        let doubled = 2 * d - 9 * u32::from(d > 4);
        sum += if i % 2 == 1 { doubled } else { d };
    }
    Some(sum)
}

/// ISO 7064 MOD 97-10 over alphanumerics (letters count A=10 … Z=35):
/// the whole string read as a number is 1 modulo 97.
pub fn mod97_10(s: &[u8]) -> bool {
    !s.is_empty() && mod97_fold(0, s) == Some(1)
}

/// The remainder mod 97 of `r` followed by the digits of `s` (letters
/// count A=10 … Z=35, two digits), or `None` for another byte. Eight
/// digits at a time where eight in a row are digits (an IBAN's BBAN is
/// mostly digits, and one is checked on every row of a customer table):
/// the remainder stays below 97 between blocks, so `r·10⁸ + block` fits
/// a `u64`.
#[inline]
fn mod97_fold(r: u64, s: &[u8]) -> Option<u64> {
    let mut r = r % 97;
    let mut blocks = s.chunks_exact(8);
    for b in blocks.by_ref() {
        r = match eight_digits(b) {
            Some(v) => (r * 100_000_000 + v) % 97,
            None => mod97_bytes(r, b)?,
        };
    }
    mod97_bytes(r, blocks.remainder())
}

/// The value of eight ASCII digits (the first the most significant), or
/// `None` if a byte of `b` is not a digit or `b` is not eight bytes long.
/// SWAR: a range test on every byte lane, then digits paired, pairs
/// paired and quads paired by three multiplications.
#[inline]
fn eight_digits(b: &[u8]) -> Option<u64> {
    let x = u64::from_le_bytes(b.try_into().ok()?);
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    const HIGH_NIBBLES: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    // Each byte is 0x30..=0x39: its high nibble is 3, and adding 6 leaves
    // it 3 (no lane carries into the next: 0x39 + 6 = 0x3f).
    if x & HIGH_NIBBLES != ZEROS || x.wrapping_add(0x0606_0606_0606_0606) & HIGH_NIBBLES != ZEROS {
        return None;
    }
    let v = x - ZEROS;
    let v = (v.wrapping_mul(10) + (v >> 8)) & 0x00ff_00ff_00ff_00ff;
    let v = (v.wrapping_mul(100) + (v >> 16)) & 0x0000_ffff_0000_ffff;
    Some((v.wrapping_mul(10_000) + (v >> 32)) & 0xffff_ffff)
}

/// True if every byte of `s` is an ASCII digit: eight at a time by the
/// range test of [`eight_digits`] (a BBAN's runs of digits are long).
#[inline]
fn all_digits(s: &[u8]) -> bool {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    const HIGH_NIBBLES: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    let mut blocks = s.chunks_exact(8);
    for b in blocks.by_ref() {
        let mut w = [0u8; 8];
        w.copy_from_slice(b);
        let x = u64::from_le_bytes(w);
        if x & HIGH_NIBBLES != ZEROS
            || x.wrapping_add(0x0606_0606_0606_0606) & HIGH_NIBBLES != ZEROS
        {
            return false;
        }
    }
    blocks.remainder().iter().all(u8::is_ascii_digit)
}

/// [`mod97_fold`] a byte at a time. The value is reduced only when it
/// could overflow on the next step: one division per dozen digits.
#[inline]
fn mod97_bytes(r: u64, s: &[u8]) -> Option<u64> {
    let mut r = r;
    for &b in s {
        let (v, scale) = match b {
            b'0'..=b'9' => (u64::from(b - b'0'), 10),
            b'A'..=b'Z' => (u64::from(b - b'A') + 10, 100),
            _ => return None,
        };
        if r >= 1 << 56 {
            r %= 97;
        }
        r = r * scale + v;
    }
    Some(r % 97)
}

/// The BBAN's layout by country, in the SWIFT IBAN registry's notation
/// without the `!`: `4a14n` is four capital letters then fourteen digits
/// (`c`: a letter or a digit). The registry's countries, and the IBANs
/// that African and Middle-Eastern banks issue outside it (Iran's Sheba,
/// Morocco, Algeria, the franc zone: `IR`, `MA`, `DZ`, `SN`, …), and the
/// territories whose IBANs some banks write under their own ISO code with
/// their country's layout: France's overseas departments and
/// collectivities (`GF`, `GP`, `MQ`, `RE`, `YT`, `PF`, `NC`, `WF`, `PM`,
/// `BL`, `MF`, `TF`) and Finland's Åland (`AX`). A mod-97
/// check passes one made-up IBAN in 97; the layout rejects those whose
/// bank code holds digits where letters go (`IE95TE82…`, `VG46H07Y…`).
pub const IBAN_FORMATS: &[(&[u8; 2], &[u8])] = &[
    (b"AD", b"8n12c"),
    (b"AE", b"19n"),
    (b"AL", b"8n16c"),
    (b"AO", b"21n"),
    (b"AT", b"16n"),
    (b"AX", b"14n"),
    (b"AZ", b"4a20c"),
    (b"BA", b"16n"),
    (b"BE", b"12n"),
    (b"BF", b"2c22n"),
    (b"BG", b"4a6n8c"),
    (b"BH", b"4a14c"),
    (b"BI", b"23n"),
    (b"BJ", b"2c22n"),
    (b"BL", b"10n11c2n"),
    (b"BR", b"23n1a1c"),
    (b"BY", b"4c4n16c"),
    (b"CF", b"23n"),
    (b"CG", b"23n"),
    (b"CH", b"5n12c"),
    (b"CI", b"2c22n"),
    (b"CM", b"23n"),
    (b"CR", b"18n"),
    (b"CV", b"21n"),
    (b"CY", b"8n16c"),
    (b"CZ", b"20n"),
    (b"DE", b"18n"),
    (b"DJ", b"23n"),
    (b"DK", b"14n"),
    (b"DO", b"4c20n"),
    (b"DZ", b"22n"),
    (b"EE", b"16n"),
    (b"EG", b"25n"),
    (b"ES", b"20n"),
    (b"FI", b"14n"),
    (b"FK", b"2a12n"),
    (b"FO", b"14n"),
    (b"FR", b"10n11c2n"),
    (b"GA", b"23n"),
    (b"GB", b"4a14n"),
    (b"GE", b"2a16n"),
    (b"GF", b"10n11c2n"),
    (b"GI", b"4a15c"),
    (b"GL", b"14n"),
    (b"GP", b"10n11c2n"),
    (b"GQ", b"23n"),
    (b"GR", b"7n16c"),
    (b"GT", b"24c"),
    (b"GW", b"2c19n"),
    (b"HN", b"4a20n"),
    (b"HR", b"17n"),
    (b"HU", b"24n"),
    (b"IE", b"4a14n"),
    (b"IL", b"19n"),
    (b"IQ", b"4a15n"),
    (b"IR", b"22n"),
    (b"IS", b"22n"),
    (b"IT", b"1a10n12c"),
    (b"JO", b"4a4n18c"),
    (b"KM", b"23n"),
    (b"KW", b"4a22c"),
    (b"KZ", b"3n13c"),
    (b"LB", b"4n20c"),
    (b"LC", b"4a24c"),
    (b"LI", b"5n12c"),
    (b"LT", b"16n"),
    (b"LU", b"3n13c"),
    (b"LV", b"4a13c"),
    (b"LY", b"21n"),
    (b"MA", b"24n"),
    (b"MC", b"10n11c2n"),
    (b"MD", b"20c"),
    (b"ME", b"18n"),
    (b"MF", b"10n11c2n"),
    (b"MG", b"23n"),
    (b"MK", b"3n10c2n"),
    (b"ML", b"2c22n"),
    (b"MN", b"16n"),
    (b"MQ", b"10n11c2n"),
    (b"MR", b"23n"),
    (b"MT", b"4a5n18c"),
    (b"MU", b"4a19n3a"),
    (b"MZ", b"21n"),
    (b"NC", b"10n11c2n"),
    (b"NE", b"2a22n"),
    (b"NI", b"4a20n"),
    (b"NL", b"4a10n"),
    (b"NO", b"11n"),
    (b"OM", b"3n16c"),
    (b"PF", b"10n11c2n"),
    (b"PK", b"4a16c"),
    (b"PL", b"24n"),
    (b"PM", b"10n11c2n"),
    (b"PS", b"4a21c"),
    (b"PT", b"21n"),
    (b"QA", b"4a21c"),
    (b"RE", b"10n11c2n"),
    (b"RO", b"4a16c"),
    (b"RS", b"18n"),
    (b"RU", b"14n15c"),
    (b"SA", b"2n18c"),
    (b"SC", b"4a20n3a"),
    (b"SD", b"14n"),
    (b"SE", b"20n"),
    (b"SI", b"15n"),
    (b"SK", b"20n"),
    (b"SM", b"1a10n12c"),
    (b"SN", b"2c22n"),
    (b"SO", b"19n"),
    (b"ST", b"21n"),
    (b"SV", b"4a20n"),
    (b"TD", b"23n"),
    (b"TF", b"10n11c2n"),
    (b"TG", b"2a22n"),
    (b"TL", b"19n"),
    (b"TN", b"20n"),
    (b"TR", b"5n17c"),
    (b"UA", b"6n19c"),
    (b"VA", b"18n"),
    (b"VG", b"4a16n"),
    (b"WF", b"10n11c2n"),
    (b"XK", b"16n"),
    (b"YE", b"4a4n18c"),
    (b"YT", b"10n11c2n"),
];

/// The number of characters a BBAN layout spells out.
#[allow(
    clippy::indexing_slicing,
    reason = "`i < f.len()` on every index; a const fn cannot use `get`'s Option methods"
)]
const fn bban_len(f: &[u8]) -> usize {
    let (mut n, mut total, mut i) = (0, 0, 0);
    while i < f.len() {
        let c = f[i];
        if c.is_ascii_digit() {
            n = n * 10 + (c - b'0') as usize;
        } else {
            total += n;
            n = 0;
        }
        i += 1;
    }
    total
}

/// [`IBAN_FORMATS`] indexed by the two letters (`(a - 'A') * 26 + (b -
/// 'A')`): the row number plus one, 0 for no country. A lookup instead of
/// a scan of 110 codes, for every two capitals before a digit.
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time over a table of upper-case codes: an index out of range would fail the build"
)]
static IBAN_BY_CODE: [u8; 26 * 26] = {
    let mut a = [0u8; 26 * 26];
    let mut i = 0;
    while i < IBAN_FORMATS.len() {
        let cc = IBAN_FORMATS[i].0;
        a[(cc[0] - b'A') as usize * 26 + (cc[1] - b'A') as usize] = (i + 1) as u8;
        i += 1;
    }
    a
};

fn iban_format(cc: &[u8]) -> Option<&'static [u8]> {
    let [a, b] = *cc else { return None };
    if !a.is_ascii_uppercase() || !b.is_ascii_uppercase() {
        return None;
    }
    let row = IBAN_BY_CODE
        .get(usize::from(a - b'A') * 26 + usize::from(b - b'A'))
        .copied()
        .unwrap_or(0);
    let (_, f) = IBAN_FORMATS.get(usize::from(row).checked_sub(1)?)?;
    Some(f)
}

/// Whether `bban` has the layout `f` (see [`IBAN_FORMATS`]).
fn bban_ok(f: &[u8], bban: &[u8]) -> bool {
    let (mut n, mut at) = (0usize, 0usize);
    for &c in f {
        if c.is_ascii_digit() {
            n = n * 10 + usize::from(c - b'0');
            continue;
        }
        let Some(run) = bban.get(at..at + n) else {
            return false;
        };
        let ok = match c {
            b'n' => all_digits(run),
            b'a' => run.iter().all(u8::is_ascii_uppercase),
            _ => run
                .iter()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()),
        };
        if !ok {
            return false;
        }
        at += n;
        n = 0;
    }
    at == bban.len()
}

/// Each country's IBAN length, indexed as [`IBAN_BY_CODE`] (0 for no
/// country): read for every IBAN candidate, so not spelled out of its
/// layout each time.
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time over a table of upper-case codes: an index out of range would fail the build"
)]
static IBAN_LEN_BY_CODE: [u8; 26 * 26] = {
    let mut a = [0u8; 26 * 26];
    let mut i = 0;
    while i < IBAN_FORMATS.len() {
        let (cc, f) = IBAN_FORMATS[i];
        a[(cc[0] - b'A') as usize * 26 + (cc[1] - b'A') as usize] = (bban_len(f) + 4) as u8;
        i += 1;
    }
    a
};

/// Expected IBAN length for a country code.
pub fn iban_length(cc: &[u8]) -> Option<usize> {
    let [a, b] = *cc else { return None };
    if !a.is_ascii_uppercase() || !b.is_ascii_uppercase() {
        return None;
    }
    let n = IBAN_LEN_BY_CODE
        .get(usize::from(a - b'A') * 26 + usize::from(b - b'A'))
        .copied()
        .unwrap_or(0);
    (n != 0).then_some(usize::from(n))
}

/// IBAN: known country, the registry's BBAN layout (and so its length),
/// check digits 02..=98, mod 97 == 1 after moving the first four
/// characters to the end.
pub fn iban(s: &[u8]) -> bool {
    let (Some(cc), Some(ck), Some(rest)) = (s.get(..2), s.get(2..4), s.get(4..)) else {
        return false;
    };
    if !iban_format(cc).is_some_and(|f| bban_ok(f, rest)) || !ck.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if ck == b"00" || ck == b"01" || ck == b"99" {
        return false;
    }
    // The BBAN, then the country code and check digits (the first four
    // bytes, a byte at a time): folded in place of the rearranged copy.
    let head = s.get(..4).unwrap_or_default();
    mod97_fold(0, rest).and_then(|r| mod97_bytes(r, head)) == Some(1)
}

/// Whether an IBAN that passes [`iban`] also passes its country's own
/// account check where one is known: Spain's CCC, Belgium's and
/// Norway's account checks, the RIB key of France and Monaco, and the
/// ISO 7064 MOD 97-10 over the whole BBAN of Portugal, Montenegro,
/// Serbia, North Macedonia, Slovenia and Bosnia and Herzegovina. One
/// that fails is still an IBAN by ISO 13616 — a mistyped account, or
/// test data made by a generator that draws the BBAN at random (Faker's
/// and most others') — so it is reported one step lower, not dropped.
pub fn iban_national(s: &[u8]) -> bool {
    let Some(bban) = s.get(4..) else {
        return true;
    };
    match s.get(..2) {
        Some(b"ES") => es_ccc(bban),
        Some(b"BE") => be_account(bban),
        Some(b"NO") => no_account(bban),
        Some(b"FR" | b"MC") => fr_rib_key(bban),
        Some(b"PT" | b"ME" | b"RS" | b"MK" | b"SI" | b"BA")
            if bban.iter().all(u8::is_ascii_digit) =>
        {
            mod97_fold(0, bban) == Some(1)
        }
        _ => true,
    }
}

/// A digit's value; the caller has checked it is one.
fn dv(c: &u8) -> u32 {
    u32::from(c.wrapping_sub(b'0'))
}

/// Belgium's account number: ten digits and their remainder mod 97 (97
/// for 0) in the last two.
fn be_account(b: &[u8]) -> bool {
    let (Some(head), Some(tail)) = (b.get(..10).and_then(digits_value), b.get(10..)) else {
        return false;
    };
    let r = head % 97;
    b.len() == 12 && digits_value(tail) == Some(if r == 0 { 97 } else { r })
}

/// Norway's account number: eleven digits, the last a mod-11 check over
/// the first ten weighted 5 4 3 2 7 6 5 4 3 2 (no account has a
/// remainder of 1).
fn no_account(b: &[u8]) -> bool {
    const W: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b.iter().zip(W).map(|(c, w)| dv(c) * w).sum();
    let check = match sum % 11 {
        0 => 0,
        1 => return false,
        r => 11 - r,
    };
    b.get(10).map(dv) == Some(check)
}

/// The RIB key of a French (or Monegasque) BBAN: bank (5 digits), branch
/// (5), account (11, letters read as digits A/J 1, B/K/S 2 … I/R/Z 9),
/// key (2) = 97 − (89 × bank + 15 × branch + 3 × account) mod 97.
fn fr_rib_key(b: &[u8]) -> bool {
    let (Some(head), Some(account), Some(key)) = (b.get(..10), b.get(10..21), b.get(21..23)) else {
        return false;
    };
    if b.len() != 23 {
        return false;
    }
    // Bank and branch: ten digits, eight of them at a time.
    let Some(h) = eight_digits(head.get(..8).unwrap_or_default())
        .and_then(|v| Some(v * 100 + digits_value(head.get(8..)?)?))
    else {
        return false;
    };
    let Some(key) = digits_value(key) else {
        return false;
    };
    // The account: eleven digits as a rule (eight at a time), letters
    // read as the RIB reads them otherwise.
    let account = eight_digits(account.get(..8).unwrap_or_default())
        .and_then(|v| Some(v * 1000 + digits_value(account.get(8..)?)?))
        .or_else(|| {
            account.iter().try_fold(0u64, |a, c| {
                let d = match c {
                    b'0'..=b'9' => c - b'0',
                    b'A'..=b'I' => c - b'A' + 1,
                    b'J'..=b'R' => c - b'J' + 1,
                    b'S'..=b'Z' => c - b'S' + 2,
                    _ => return None,
                };
                Some(a * 10 + u64::from(d))
            })
        });
    let Some(account) = account else {
        return false;
    };
    // Eleven digits fit a u64, and so does 3 × them plus the rest.
    key == 97 - (89 * (h / 100_000) + 15 * (h % 100_000) + 3 * account) % 97
}

/// The value of a few ASCII digits, or `None` if one is not a digit.
fn digits_value(r: &[u8]) -> Option<u64> {
    r.iter().try_fold(0u64, |a, c| {
        c.is_ascii_digit().then(|| a * 10 + u64::from(c - b'0'))
    })
}

/// The two check digits of a Spanish account number (CCC: bank, branch,
/// two check digits, account): the first over `00`, bank and branch, the
/// second over the account, each weighted 1 2 4 8 5 10 9 7 3 6, the sum
/// mod 11 `r`, the digit `r` for 0 and 1, else 11 − `r`. Every IBAN a
/// Spanish bank issues carries them; mod 97 alone lets one made-up
/// number in 97 through, this one in 100 of those.
pub fn es_ccc(bban: &[u8]) -> bool {
    const W: [u32; 10] = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6];
    let Ok(b) = <&[u8; 20]>::try_from(bban) else {
        return false;
    };
    let d = |c: &u8| u32::from(c.wrapping_sub(b'0'));
    let check = |x: u32| match x % 11 {
        r @ (0 | 1) => r,
        r => 11 - r,
    };
    // `00`, bank and branch: the eight digits take the weights from the third.
    let first: u32 = b
        .iter()
        .take(8)
        .zip(W.iter().skip(2))
        .map(|(c, w)| d(c) * w)
        .sum();
    let second: u32 = b.iter().skip(10).zip(W.iter()).map(|(c, w)| d(c) * w).sum();
    let mut it = b.iter().skip(8);
    it.next().map(d) == Some(check(first)) && it.next().map(d) == Some(check(second))
}

const VERHOEFF_D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// Verhoeff (dihedral group D5), as used by Aadhaar.
pub fn verhoeff(s: &[u8]) -> bool {
    if s.is_empty() {
        return false;
    }
    let mut c: usize = 0;
    for (i, &b) in s.iter().rev().enumerate() {
        let Some(d) = dig(b) else { return false };
        let p = VERHOEFF_P
            .get(i % 8)
            .and_then(|row| row.get(d as usize))
            .copied()
            .unwrap_or(0);
        c = VERHOEFF_D
            .get(c)
            .and_then(|row| row.get(p as usize))
            .map_or(0, |&x| x as usize);
    }
    c == 0
}

/// Weighted sum of digits: sum(d[i] * w[i]). `None` on non-digits or
/// length mismatch.
fn weighted(s: &[u8], w: &[u32]) -> Option<u32> {
    if s.len() != w.len() {
        return None;
    }
    if !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut sum = 0;
    for (&b, &wi) in s.iter().zip(w) {
        sum += u32::from(b.wrapping_sub(b'0')) * wi;
    }
    Some(sum)
}

/// UK NHS number: 10 digits, weights 10..2, check = 11 - (sum mod 11),
/// 11 means 0, 10 means invalid.
pub fn uk_nhs(s: &[u8]) -> bool {
    let (Some(body), Some(&last)) = (s.get(..9), s.get(9)) else {
        return false;
    };
    if s.len() != 10 {
        return false;
    }
    let Some(sum) = weighted(body, &[10, 9, 8, 7, 6, 5, 4, 3, 2]) else {
        return false;
    };
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return false,
        c => c,
    };
    dig(last) == Some(check)
}

/// US NPI: 10 digits starting 1 or 2, Luhn over "80840" + the number.
pub fn us_npi(s: &[u8]) -> bool {
    if s.len() != 10 || !matches!(s.first(), Some(b'1' | b'2')) {
        return false;
    }
    // Luhn over "80840" followed by the ten digits: the prefix sits at
    // positions 10-14 from the right and contributes 0 + 8 + 8 + 0 + 8.
    luhn_sum(s).is_some_and(|sum| (sum + 24) % 10 == 0)
}

/// ABA routing transit number: 9 digits, weights 3 7 1, sum mod 10 == 0,
/// and a Federal Reserve prefix (00-12, 21-32, 61-72, 80).
pub fn aba_routing(s: &[u8]) -> bool {
    let Some(sum) = weighted(s, &[3, 7, 1, 3, 7, 1, 3, 7, 1]) else {
        return false;
    };
    let Some(prefix) = s.get(..2).and_then(digits) else {
        return false;
    };
    let p = prefix.first().copied().unwrap_or(0) * 10 + prefix.get(1).copied().unwrap_or(0);
    let prefix_ok = matches!(p, 0..=12 | 21..=32 | 61..=72 | 80);
    prefix_ok && sum % 10 == 0 && s != b"000000000"
}

/// EAN-13 / GTIN check digit (weights 1,3 from the left).
pub fn ean13(s: &[u8]) -> bool {
    if s.len() != 13 {
        return false;
    }
    let Some(ds) = digits(s) else { return false };
    let sum: u32 = ds
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 })
        .sum();
    sum.is_multiple_of(10)
}

/// ISO 7064 MOD 11,10 (hybrid system), as used by the German tax id.
pub fn iso7064_mod11_10(s: &[u8]) -> bool {
    let Some(ds) = digits(s) else { return false };
    let Some((&check, body)) = ds.split_last() else {
        return false;
    };
    let mut p = 10;
    for &d in body {
        let mut s = (d + p) % 10;
        if s == 0 {
            s = 10;
        }
        p = (2 * s) % 11;
    }
    (11 - p) % 10 == check
}

/// US SSN area/group/serial rules: area not 000, 666 or 900-999, group not
/// 00, serial not 0000.
#[inline]
pub fn us_ssn(area: u32, group: u32, serial: u32) -> bool {
    area != 0
        && area != 666
        && area < 900
        && group != 0
        && serial != 0
        && !famous_invalid_ssn(area, group, serial)
}

/// SSNs the Social Security Administration voided or never issued because
/// they were printed as samples: the Woolworth wallet card (078-05-1120),
/// the 1940s Social Security Board pamphlet (219-09-9999), the
/// advertising block 987-65-4320..4329 and 123-45-6789; the other numbers
/// printed in advertisements and on sample cards that validators list as
/// never valid (457-55-5462, a LifeLock advertisement, 189-09-2294 …);
/// and placeholders: one digit repeated, `123-12-3123`.
#[inline]
pub fn famous_invalid_ssn(area: u32, group: u32, serial: u32) -> bool {
    // Every SSN of a customer table asks: its area decides at once.
    if !matches!(
        area,
        2 | 42
            | 62
            | 78
            | 95
            | 111
            | 123
            | 128
            | 135
            | 141
            | 165
            | 189
            | 212
            | 219
            | 222
            | 306
            | 308
            | 333
            | 444
            | 457
            | 468
            | 549
            | 555
            | 777
            | 888
            | 987
    ) {
        return false;
    }
    let k = area / 111;
    let repeated = area.is_multiple_of(111) && group == 11 * k && serial == 1111 * k;
    repeated
        || matches!(
            (area, group, serial),
            (78, 5, 1120)
                | (219, 9, 9999)
                | (123, 45, 6789)
                | (987, 65, 4320..=4329)
                | (123, 12, 3123)
                | (2, 28, 1852)
                | (42, 10, 3580)
                | (62, 36, 749)
                | (95, 7, 3645)
                | (128, 3, 6045)
                | (135, 1, 6629)
                | (141, 18, 6941)
                | (165, 16 | 18 | 20 | 22 | 24, 7999)
                | (189, 9, 2294)
                | (212, 9, 7694 | 9999)
                | (306, 30, 2348)
                | (308, 12, 5070)
                | (457, 55, 5462)
                | (468, 28, 8779)
                | (549, 24, 1889)
        )
}

/// US ITIN: area 900-999 with group 50-65, 70-88, 90-92 or 94-99.
pub fn us_itin(area: u32, group: u32) -> bool {
    (900..=999).contains(&area) && matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99)
}

/// Dutch BSN "elfproef": weights 9..2 and -1, sum divisible by 11.
pub fn nl_bsn(s: &[u8]) -> bool {
    let Some(ds) = digits(s) else { return false };
    if ds.len() != 9 || ds.iter().all(|&d| d == 0) {
        return false;
    }
    let mut sum: i64 = 0;
    for (i, &d) in ds.iter().enumerate() {
        let w: i64 = if i == 8 { -1 } else { 9 - i as i64 };
        sum += w * i64::from(d);
    }
    sum % 11 == 0
}

const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// Spanish DNI: 8 digits and the letter for (number mod 23).
pub fn es_dni(num: &[u8], letter: u8) -> bool {
    if num.len() != 8 {
        return false;
    }
    let Some(ds) = digits(num) else { return false };
    let n = ds.iter().fold(0u32, |a, d| a * 10 + d);
    DNI_LETTERS.get((n % 23) as usize) == Some(&letter.to_ascii_uppercase())
}

/// Spanish NIE: X/Y/Z (0/1/2), 7 digits and the DNI letter.
pub fn es_nie(prefix: u8, num: &[u8], letter: u8) -> bool {
    let p = match prefix.to_ascii_uppercase() {
        b'X' => b'0',
        b'Y' => b'1',
        b'Z' => b'2',
        _ => return false,
    };
    if num.len() != 7 {
        return false;
    }
    let mut v = vec![p];
    v.extend_from_slice(num);
    es_dni(&v, letter)
}

/// Italian codice fiscale: the structure (six letters of the names, the
/// birth year, a month letter, the day — plus 40 for women — and a place
/// code; digits may be replaced by the omocodia letters `LMNPQRSTUV`) and
/// the check character (16th) from the first 15.
pub fn it_codice_fiscale(s: &[u8]) -> bool {
    it_cf_structure(s) && it_cf_check(s)
}

fn it_cf_structure(s: &[u8]) -> bool {
    const OMO: &[u8] = b"LMNPQRSTUV";
    let digit = |c: u8| -> Option<u32> {
        if c.is_ascii_digit() {
            Some(u32::from(c - b'0'))
        } else {
            OMO.iter().position(|&o| o == c).map(|p| p as u32)
        }
    };
    if s.len() != 16 {
        return false;
    }
    let letters = |r: std::ops::Range<usize>| {
        s.get(r)
            .is_some_and(|x| x.iter().all(u8::is_ascii_uppercase))
    };
    let digits_at = |r: std::ops::Range<usize>| {
        s.get(r)
            .is_some_and(|x| x.iter().all(|&c| digit(c).is_some()))
    };
    let two = |i: usize| match (
        s.get(i).copied().and_then(digit),
        s.get(i + 1).copied().and_then(digit),
    ) {
        (Some(a), Some(b)) => Some(a * 10 + b),
        _ => None,
    };
    let (Some(year), Some(day)) = (two(6), two(9)) else {
        return false;
    };
    // The month's letter, A-T without F, G, I, J, K, N, O, Q.
    let Some(month) = s
        .get(8)
        .and_then(|c| b"ABCDEHLMPRST".iter().position(|m| m == c))
    else {
        return false;
    };
    // The day (plus 40 for women) must exist in that month: 29 February
    // only in a year divisible by 4 (whatever the century, two digits
    // leave 1900 and 2000 apart: 2000 is leap, as python-stdnum reads `00`).
    letters(0..6)
        && matches!(day, 1..=31 | 41..=71)
        && valid_date(2000 + year, month as u32 + 1, day % 40)
        && letters(11..12)
        && digits_at(12..15)
        && letters(15..16)
}

/// The codice fiscale check character alone.
fn it_cf_check(s: &[u8]) -> bool {
    const ODD: [u32; 26] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    if s.len() != 16 {
        return false;
    }
    let mut sum = 0u32;
    for (i, &b) in s.iter().take(15).enumerate() {
        let idx = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A'),
            _ => return false,
        };
        // 1-based odd positions use the ODD table.
        sum += if i % 2 == 0 {
            ODD.get(idx as usize).copied().unwrap_or(0)
        } else {
            idx
        };
    }
    s.get(15) == Some(&(b'A' + (sum % 26) as u8))
}

/// French INSEE (NIR): 13 digits + 2-digit key = 97 - (number mod 97).
/// Corsica departments 2A/2B count as 19/18 as the standard says.
pub fn fr_insee(s: &[u8]) -> bool {
    if s.len() != 15 {
        return false;
    }
    let mut body: Vec<u8> = s.get(..13).map(<[u8]>::to_vec).unwrap_or_default();
    // Corsica: 2A counts as 19, 2B as 18 (the standard's "minus 1 000 000").
    let corsica: Option<&[u8; 2]> = match body.get(5..7) {
        Some(b"2A") => Some(b"19"),
        Some(b"2B") => Some(b"18"),
        _ => None,
    };
    if let (Some(c), Some(dst)) = (corsica, body.get_mut(5..7)) {
        dst.copy_from_slice(c);
    }
    let (Some(b), Some(k)) = (digits(&body), s.get(13..15).and_then(digits)) else {
        return false;
    };
    let n = b.iter().fold(0u64, |a, &d| a * 10 + u64::from(d));
    let key = k.first().copied().unwrap_or(0) * 10 + k.get(1).copied().unwrap_or(0);
    u64::from(key) == 97 - n % 97
}

/// German Steuer-IdNr: 11 digits, first not 0, in the first ten exactly one
/// digit appears two or three times, ISO 7064 MOD 11,10 check digit.
pub fn de_tax_id(s: &[u8]) -> bool {
    let Some(ds) = digits(s) else { return false };
    if ds.len() != 11 || ds.first() == Some(&0) {
        return false;
    }
    let mut counts = [0u8; 10];
    for &d in ds.iter().take(10) {
        if let Some(c) = counts.get_mut(d as usize) {
            *c += 1;
        }
    }
    let repeated = counts.iter().filter(|&&c| c >= 2).count();
    let ok_rep = repeated == 1 && counts.iter().all(|&c| c <= 3);
    ok_rep && iso7064_mod11_10(s)
}

/// Australian TFN: 9 digits, weights 1 4 3 7 5 8 6 9 10, sum mod 11 == 0.
pub fn au_tfn(s: &[u8]) -> bool {
    weighted(s, &[1, 4, 3, 7, 5, 8, 6, 9, 10]).is_some_and(|x| x % 11 == 0)
}

/// Australian Medicare card: 10 digits (issue number last), first 2-6,
/// 9th digit = weighted sum of the first 8 (1 3 7 9 1 3 7 9) mod 10.
pub fn au_medicare(s: &[u8]) -> bool {
    if s.len() != 10 || !matches!(s.first(), Some(b'2'..=b'6')) {
        return false;
    }
    let (Some(body), Some(&c)) = (s.get(..8), s.get(8)) else {
        return false;
    };
    weighted(body, &[1, 3, 7, 9, 1, 3, 7, 9]).is_some_and(|x| dig(c) == Some(x % 10))
}

/// US DEA registration: 2 letters + 7 digits; check digit is the last digit
/// of (d1+d3+d5) + 2*(d2+d4+d6).
pub fn us_dea(s: &[u8]) -> bool {
    if s.len() != 9 {
        return false;
    }
    let (Some(&l1), Some(&l2)) = (s.first(), s.get(1)) else {
        return false;
    };
    if !b"ABCDEFGHJKLMPRSTUX".contains(&l1) || !(l2.is_ascii_uppercase() || l2 == b'9') {
        return false;
    }
    let Some(ds) = s.get(2..).and_then(digits) else {
        return false;
    };
    let g = |i: usize| ds.get(i).copied().unwrap_or(0);
    let sum = g(0) + g(2) + g(4) + 2 * (g(1) + g(3) + g(5));
    sum % 10 == g(6)
}

const B58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Base58Check (Bitcoin legacy P2PKH/P2SH): decodes to 25 bytes whose last
/// four are the first four of SHA-256(SHA-256(first 21)).
pub fn base58check(s: &[u8]) -> bool {
    base58check_version(s).is_some()
}

/// The version byte of a 25-byte Base58Check address (`0x00` and `0x05`
/// Bitcoin, `0x30` and `0x32` Litecoin, `0x1e` Dogecoin), if its checksum
/// holds.
pub fn base58check_version(s: &[u8]) -> Option<u8> {
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    // Big-number base conversion into a fixed 25-byte buffer.
    let mut out = [0u8; 25];
    for &c in s {
        let mut carry = B58.iter().position(|&x| x == c).map(|p| p as u32)?;
        for byte in out.iter_mut().rev() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        if carry != 0 {
            return None;
        }
    }
    let leading_ones = s.iter().take_while(|&&c| c == b'1').count();
    let leading_zero_bytes = out.iter().take_while(|&&b| b == 0).count();
    // Each leading '1' encodes one leading zero byte, and only those do.
    if leading_ones != leading_zero_bytes {
        return None;
    }
    let (payload, check) = out.split_at(21);
    let h = Sha256::digest(Sha256::digest(payload));
    if h.get(..4) == Some(check) {
        out.first().copied()
    } else {
        None
    }
}

/// The Bech32 polymod of a lower-case `hrp1data` string (BIP-173): 1 for
/// a valid Bech32 checksum, `0x2bc830a3` for Bech32m, anything else for
/// neither. `None` if the string has no separator or a character outside
/// the data alphabet.
fn bech32_polymod(s: &[u8]) -> Option<u32> {
    const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let sep = s.iter().rposition(|&c| c == b'1')?;
    let (hrp, data) = (
        s.get(..sep).unwrap_or_default(),
        s.get(sep + 1..).unwrap_or_default(),
    );
    if hrp.is_empty() || data.len() < 6 || s.len() > 90 {
        return None;
    }
    let mut chk: u32 = 1;
    let mut step = |v: u32| {
        let b = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ v;
        for (i, g) in GEN.iter().enumerate() {
            if (b >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    };
    for &c in hrp {
        step(u32::from(c) >> 5);
    }
    step(0);
    for &c in hrp {
        step(u32::from(c) & 31);
    }
    for &c in data {
        let v = CHARSET.iter().position(|&x| x == c)?;
        step(v as u32);
    }
    Some(chk)
}

/// Bech32 / Bech32m checksum (BIP-173/BIP-350) of a lower-case string
/// `hrp1data`.
pub fn bech32(s: &[u8]) -> bool {
    matches!(bech32_polymod(s), Some(1 | 0x2bc8_30a3))
}

/// A SegWit address (BIP-173/BIP-350), lower case: human-readable part
/// `bc` or `tb`, witness version 0-16, a program of 2-40 bytes (20 or 32
/// for version 0) with zero padding, Bech32 for version 0 and Bech32m for
/// later versions.
pub fn segwit_address(s: &[u8]) -> bool {
    const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let Some(sep) = s.iter().rposition(|&c| c == b'1') else {
        return false;
    };
    if !matches!(s.get(..sep), Some(b"bc" | b"tb" | b"ltc")) {
        return false;
    }
    let data = s.get(sep + 1..).unwrap_or_default();
    if data.len() < 7 {
        return false;
    }
    let mut vals = [0u8; 90];
    let n = data.len() - 6;
    for (k, &c) in data.iter().take(n).enumerate() {
        let Some(v) = CHARSET.iter().position(|&x| x == c) else {
            return false;
        };
        let Some(slot) = vals.get_mut(k) else {
            return false;
        };
        *slot = v as u8;
    }
    let version = vals.first().copied().unwrap_or(0);
    if version > 16 {
        return false;
    }
    // Regroup the program's 5-bit values into bytes.
    let (mut acc, mut bits, mut len) = (0u32, 0u32, 0usize);
    for &v in vals.get(1..n).unwrap_or_default() {
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            len += 1;
            acc &= (1 << bits) - 1;
        }
    }
    if bits > 4 || acc != 0 {
        return false;
    }
    let len_ok = if version == 0 {
        matches!(len, 20 | 32)
    } else {
        (2..=40).contains(&len)
    };
    let want = if version == 0 { 1 } else { 0x2bc8_30a3 };
    len_ok && bech32_polymod(s) == Some(want)
}

/// An age X25519 secret key: `AGE-SECRET-KEY-1` and 58 Bech32 characters
/// (32 bytes and a checksum), upper case, with a valid Bech32 checksum.
pub fn age_secret_key(s: &[u8]) -> bool {
    const HRP: &[u8] = b"AGE-SECRET-KEY-1";
    let Some(data) = s.strip_prefix(HRP) else {
        return false;
    };
    if data.len() != 58 || data.iter().any(u8::is_ascii_lowercase) {
        return false;
    }
    bech32_polymod(&s.to_ascii_lowercase()) == Some(1)
}

/// CRC-32 (IEEE 802.3, the zlib one) lookup table.
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time with `i < 256`: an index out of range would fail the build"
)]
static CRC32: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// CRC-32 (IEEE) of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |c, &b| {
        CRC32
            .get(((c ^ u32::from(b)) & 0xff) as usize)
            .copied()
            .unwrap_or(0)
            ^ (c >> 8)
    })
}

/// The value of a base-62 digit (`0-9A-Za-z`).
fn base62_digit(c: u8) -> Option<u64> {
    match c {
        b'0'..=b'9' => Some(u64::from(c - b'0')),
        b'A'..=b'Z' => Some(u64::from(c - b'A') + 10),
        b'a'..=b'z' => Some(u64::from(c - b'a') + 36),
        _ => None,
    }
}

/// The checksum of GitHub's token formats since 2021 (`ghp_`, `gho_`,
/// `ghu_`, `ghs_`, `ghr_`) and of npm's (`npm_`): `body` is the 36
/// characters after the prefix, 30 random ones and the CRC-32 of those
/// 30 in base 62 (`0-9A-Za-z`), six digits with leading zeros.
pub fn github_token_checksum(body: &[u8]) -> bool {
    body.len() == 36 && crc32_base62_tail(body)
}

/// A body whose last 6 characters are the CRC-32 of the characters
/// before them in base 62 (GitHub's scheme, which Vercel's prefixed
/// tokens use too), the rest alphanumeric.
pub fn crc32_base62_tail(body: &[u8]) -> bool {
    let Some(cut) = body.len().checked_sub(6) else {
        return false;
    };
    let (random, check) = body.split_at(cut);
    if random.is_empty() || !random.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let mut n: u64 = 0;
    for &c in check {
        let Some(d) = base62_digit(c) else {
            return false;
        };
        n = n * 62 + d;
    }
    n == u64::from(crc32(random))
}

/// A body whose last 8 characters are the CRC-32 of the characters
/// before them in lower-case hex (Cloudflare's prefixed tokens).
pub fn crc32_hex_tail(body: &[u8]) -> bool {
    let Some(cut) = body.len().checked_sub(8) else {
        return false;
    };
    let (random, check) = body.split_at(cut);
    if random.is_empty()
        || !check
            .iter()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
    {
        return false;
    }
    let Some(n) = std::str::from_utf8(check)
        .ok()
        .and_then(|h| u32::from_str_radix(h, 16).ok())
    else {
        return false;
    };
    n == crc32(random)
}

/// Base64 (standard or URL alphabet, padding optional) to bytes; `None`
/// on any other character. Decodes at most `max` input characters.
pub(crate) fn base64_decode(s: &[u8], max: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len().min(max) * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in s.iter().take(max) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// The shape of a PyPI API token's body (after `pypi-`): a version 2
/// binary macaroon whose location is `pypi.org` or `test.pypi.org`,
/// followed by an identifier field and the end of the header.
pub fn pypi_macaroon(b64: &[u8]) -> bool {
    let Some(m) = base64_decode(b64, 160) else {
        return false;
    };
    // 0x02 (version 2), field 1 (location) with its length and text.
    let (Some(&2), Some(&1), Some(&len)) = (m.first(), m.get(1), m.get(2)) else {
        return false;
    };
    let loc_end = 3 + usize::from(len);
    if !matches!(m.get(3..loc_end), Some(b"pypi.org" | b"test.pypi.org")) {
        return false;
    }
    // Field 2 (identifier), its varint length, the identifier, then the
    // end-of-section byte.
    if m.get(loc_end) != Some(&2) {
        return false;
    }
    let mut i = loc_end + 1;
    let mut id_len = 0usize;
    for shift in [0, 7] {
        let Some(&b) = m.get(i) else { return false };
        id_len |= usize::from(b & 0x7f) << shift;
        i += 1;
        if b & 0x80 == 0 {
            break;
        }
    }
    id_len > 0 && m.get(i + id_len) == Some(&0)
}

/// EIP-55 mixed-case checksum of an Ethereum address (40 hex digits
/// without `0x`). All-lower or all-upper addresses carry no checksum and
/// return `None`; mixed case returns whether the checksum holds.
pub fn eip55(hex40: &[u8]) -> Option<bool> {
    if hex40.len() != 40 || !hex40.iter().all(u8::is_ascii_hexdigit) {
        return Some(false);
    }
    let has_upper = hex40.iter().any(u8::is_ascii_uppercase);
    let has_lower = hex40.iter().any(u8::is_ascii_lowercase);
    if !(has_upper && has_lower) {
        return None;
    }
    let lower = hex40.to_ascii_lowercase();
    let hash = Keccak256::digest(&lower);
    for (i, &c) in hex40.iter().enumerate() {
        if !c.is_ascii_alphabetic() {
            continue;
        }
        let byte = hash.get(i / 2).copied().unwrap_or(0);
        let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
        if (nibble >= 8) != c.is_ascii_uppercase() {
            return Some(false);
        }
    }
    Some(true)
}

/// Finnish HETU check character: (DDMMYYZZZ mod 31) indexes the table.
pub fn fi_hetu(date6: &[u8], ind3: &[u8], check: u8) -> bool {
    const T: &[u8; 31] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";
    let mut v = date6.to_vec();
    v.extend_from_slice(ind3);
    let Some(ds) = digits(&v) else { return false };
    if ds.len() != 9 {
        return false;
    }
    // Individual numbers start at 002 (900-999 are temporary codes, and
    // the population register's published examples: people hold them).
    let ind = ds.iter().skip(6).fold(0u32, |a, &d| a * 10 + d);
    if ind < 2 {
        return false;
    }
    let n = ds.iter().fold(0u64, |a, &d| a * 10 + u64::from(d));
    T.get((n % 31) as usize) == Some(&check)
}

/// Brazilian CPF: 11 digits with two mod-11 check digits; repeated digits
/// are invalid.
pub fn br_cpf(s: &[u8]) -> bool {
    let Some(ds) = digits(s) else { return false };
    if ds.len() != 11 || ds.iter().all(|&d| Some(&d) == ds.first()) {
        return false;
    }
    let check = |n: usize| {
        let sum: u32 = (0..n)
            .map(|i| ds.get(i).copied().unwrap_or(0) * (n as u32 + 1 - i as u32))
            .sum();
        let r = sum * 10 % 11;
        if r == 10 { 0 } else { r }
    };
    Some(&check(9)) == ds.get(9) && Some(&check(10)) == ds.get(10)
}

/// Brazilian CNPJ: 14 digits with two weighted mod-11 check digits.
pub fn br_cnpj(s: &[u8]) -> bool {
    let Some(ds) = digits(s) else { return false };
    if ds.len() != 14 || ds.iter().all(|&d| Some(&d) == ds.first()) {
        return false;
    }
    let check = |w: &[u32]| {
        let sum: u32 = w.iter().zip(ds.iter()).map(|(a, b)| a * b).sum();
        let r = sum % 11;
        if r < 2 { 0 } else { 11 - r }
    };
    let c1 = check(&[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    let c2 = check(&[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    ds.get(12) == Some(&c1) && ds.get(13) == Some(&c2)
}

/// Brazil's alphanumeric CNPJ (Receita Federal, IN RFB 2.229/2024, issued
/// from July 2026): twelve characters of digits and capitals, then two
/// check digits computed as for the numeric CNPJ with each character
/// valued at its ASCII code minus 48 (`A` is 17). Numeric CNPJs keep
/// their value under the same rule.
pub fn br_cnpj_alnum(s: &[u8]) -> bool {
    if s.len() != 14
        || !s
            .iter()
            .take(12)
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        || !s.iter().skip(12).all(u8::is_ascii_digit)
        || s.iter().all(|&c| Some(&c) == s.first())
    {
        return false;
    }
    let val = |c: &u8| u32::from(c.wrapping_sub(b'0'));
    let check = |w: &[u32]| {
        let sum: u32 = w.iter().zip(s).map(|(a, b)| a * val(b)).sum();
        let r = sum % 11;
        if r < 2 { 0 } else { 11 - r }
    };
    let c1 = check(&[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    let c2 = check(&[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    s.get(12).map(val) == Some(c1) && s.get(13).map(val) == Some(c2)
}

/// Chinese resident identity card: 17 digits + check (digit or X),
/// ISO 7064 MOD 11-2.
pub fn cn_resident_id(s: &[u8]) -> bool {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8; 11] = b"10X98765432";
    let (Some(body), Some(&last)) = (s.get(..17), s.get(17)) else {
        return false;
    };
    if s.len() != 18 || !cn_region(s) {
        return false;
    }
    weighted(body, &W)
        .is_some_and(|sum| C.get((sum % 11) as usize) == Some(&last.to_ascii_uppercase()))
}

/// The province of a Chinese resident id's address code (GB/T 2260): the
/// first two digits.
fn cn_region(s: &[u8]) -> bool {
    let p = s
        .get(..2)
        .and_then(digits)
        .map_or(0, |d| d.iter().fold(0, |a, &x| a * 10 + x));
    matches!(
        p,
        11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82 | 83 | 91
    )
}

/// Polish PESEL: 11 digits, weights 1 3 7 9 1 3 7 9 1 3, check = (10 - sum
/// mod 10) mod 10.
pub fn pl_pesel(s: &[u8]) -> bool {
    let (Some(body), Some(&c)) = (s.get(..10), s.get(10)) else {
        return false;
    };
    s.len() == 11
        && weighted(body, &[1, 3, 7, 9, 1, 3, 7, 9, 1, 3])
            .is_some_and(|x| dig(c) == Some((10 - x % 10) % 10))
}

/// Norwegian fødselsnummer: 11 digits with two mod-11 check digits.
pub fn no_fnr(s: &[u8]) -> bool {
    let Some(ds) = digits(s) else { return false };
    if ds.len() != 11 {
        return false;
    }
    let k = |w: &[u32]| {
        let sum: u32 = w.iter().zip(ds.iter()).map(|(a, b)| a * b).sum();
        match 11 - sum % 11 {
            11 => Some(0),
            10 => None,
            c => Some(c),
        }
    };
    k(&[3, 7, 6, 1, 8, 9, 4, 5, 2]) == ds.get(9).copied()
        && k(&[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) == ds.get(10).copied()
}

/// Belgian national register number: 11 digits, check = 97 - (first 9 mod
/// 97), with a leading "2" for people born from 2000.
pub fn be_nrn(s: &[u8]) -> bool {
    let Some(ds) = digits(s) else { return false };
    if ds.len() != 11 {
        return false;
    }
    let n = ds.iter().take(9).fold(0u64, |a, &d| a * 10 + u64::from(d));
    let c = u64::from(ds.get(9).copied().unwrap_or(0) * 10 + ds.get(10).copied().unwrap_or(0));
    c == 97 - n % 97 || c == 97 - (2_000_000_000 + n) % 97
}

/// South Korean RRN: 13 digits, weights 2..9,2..5, check = (11 - sum mod 11)
/// mod 10.
pub fn kr_rrn(s: &[u8]) -> bool {
    let (Some(body), Some(&c)) = (s.get(..12), s.get(12)) else {
        return false;
    };
    s.len() == 13
        && weighted(body, &[2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5])
            .is_some_and(|x| dig(c) == Some((11 - x % 11) % 10))
}

/// Singapore NRIC/FIN: letter, 7 digits, check letter.
pub fn sg_nric(s: &[u8]) -> bool {
    if s.len() != 9 {
        return false;
    }
    let (Some(&p), Some(body), Some(&c)) = (s.first(), s.get(1..8), s.get(8)) else {
        return false;
    };
    let Some(sum) = weighted(body, &[2, 7, 6, 5, 4, 3, 2]) else {
        return false;
    };
    let (off, table): (u32, &[u8; 11]) = match p {
        b'S' => (0, b"JZIHGFEDCBA"),
        b'T' => (4, b"JZIHGFEDCBA"),
        b'F' => (0, b"XWUTRQPNMLK"),
        b'G' => (4, b"XWUTRQPNMLK"),
        b'M' => (3, b"XWUTRQPNJLK"),
        _ => return false,
    };
    table.get(((sum + off) % 11) as usize) == Some(&c)
}

/// Hong Kong Identity Card number: one or two letters, six digits and a
/// check character, `0`-`9` or `A` (10). Letters count A=10 .. Z=35 and a
/// single letter has a space worth 36 before it; with weights 9..2 over
/// those eight places the check makes the sum 0 mod 11.
pub fn hk_hkid(s: &[u8]) -> bool {
    let (letters, rest) = match s.len() {
        8 => s.split_at(1),
        9 => s.split_at(2),
        _ => return false,
    };
    let (Some(digits), Some(&c)) = (rest.get(..6), rest.get(6)) else {
        return false;
    };
    let Some(mut sum) = weighted(digits, &[7, 6, 5, 4, 3, 2]) else {
        return false;
    };
    // The space of a single letter, weight 9.
    let mut w = 9;
    if letters.len() == 1 {
        sum += 36 * 9;
        w = 8;
    }
    for &l in letters {
        if !l.is_ascii_uppercase() {
            return false;
        }
        sum += (u32::from(l - b'A') + 10) * w;
        w -= 1;
    }
    let check = match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A' => 10,
        _ => return false,
    };
    (sum + check) % 11 == 0
}

/// Irish PPS number: 7 digits, check letter, optional second letter (A, B,
/// H or W) which counts with weight 9.
pub fn ie_pps(num: &[u8], check: u8, extra: Option<u8>) -> bool {
    let Some(mut sum) = weighted(num, &[8, 7, 6, 5, 4, 3, 2]) else {
        return false;
    };
    if let Some(x) = extra {
        // Since 2013 a second letter A (people) or H (non-individuals)
        // counts with weight 9; the older W, T and X do not count.
        match x {
            b'A' | b'B' | b'H' => sum += 9 * (u32::from(x - b'A') + 1),
            b'W' | b'T' | b'X' => {}
            _ => return false,
        }
    }
    let r = sum % 23;
    let expect = if r == 0 { b'W' } else { b'A' + (r as u8) - 1 };
    check == expect
}

/// Swiss AHV/AVS number: 13 digits starting 756, EAN-13 check digit.
pub fn ch_ahv(s: &[u8]) -> bool {
    s.starts_with(b"756") && ean13(s)
}

/// Japanese My Number (individual number): 12 digits, weighted mod 11.
pub fn jp_my_number(s: &[u8]) -> bool {
    if s.len() != 12 || !s.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d = |i: usize| s.get(i).map_or(0, |&c| u32::from(c - b'0'));
    let mut sum = 0u32;
    for n in 1..=11u32 {
        let q = if n <= 6 { n + 1 } else { n - 5 };
        sum += d(11 - n as usize) * q;
    }
    let r = sum % 11;
    let check = if r <= 1 { 0 } else { 11 - r };
    d(11) == check
}

/// ITU-T E.164 country codes in use (libphonenumber's metadata, 9.0.43)
/// with the shortest and longest national significant number of each,
/// sorted by code.
#[rustfmt::skip]
const COUNTRY_CODES: &[(u16, u8, u8)] = &[
    (1, 7, 10), (7, 10, 14), (20, 8, 10), (27, 5, 10), (30, 10, 12), (31, 5, 11), (32, 8, 9),
    (33, 9, 9), (34, 9, 9), (36, 8, 9), (39, 6, 12), (40, 6, 9), (41, 9, 12), (43, 4, 13),
    (44, 7, 10), (45, 8, 8), (46, 6, 12), (47, 5, 8), (48, 6, 10), (49, 4, 15), (51, 8, 9),
    (52, 10, 10), (53, 6, 10), (54, 10, 11), (55, 8, 11), (56, 9, 11), (57, 8, 11),
    (58, 10, 10), (60, 8, 10), (61, 5, 12), (62, 7, 17), (63, 6, 13), (64, 5, 10), (65, 8, 11),
    (66, 8, 13), (81, 8, 17), (82, 5, 14), (84, 7, 10), (86, 7, 12), (90, 7, 13), (91, 8, 13),
    (92, 8, 12), (93, 9, 9), (94, 9, 9), (95, 6, 10), (98, 4, 10), (211, 9, 9), (212, 9, 9),
    (213, 8, 9), (216, 8, 8), (218, 9, 9), (220, 7, 9), (221, 9, 9), (222, 8, 8), (223, 8, 8),
    (224, 8, 9), (225, 10, 10), (226, 8, 8), (227, 8, 8), (228, 8, 8), (229, 10, 10),
    (230, 7, 10), (231, 7, 9), (232, 8, 8), (233, 8, 9), (234, 10, 14), (235, 8, 8),
    (236, 8, 8), (237, 8, 9), (238, 7, 7), (239, 7, 7), (240, 9, 9), (241, 7, 8), (242, 9, 9),
    (243, 7, 10), (244, 9, 9), (245, 7, 9), (246, 7, 7), (247, 5, 6), (248, 7, 7), (249, 9, 9),
    (250, 8, 9), (251, 9, 9), (252, 6, 9), (253, 8, 8), (254, 7, 10), (255, 9, 9), (256, 9, 9),
    (257, 8, 8), (258, 8, 9), (260, 9, 9), (261, 9, 9), (262, 9, 9), (263, 7, 10), (264, 8, 9),
    (265, 7, 9), (266, 8, 8), (267, 7, 10), (268, 8, 9), (269, 7, 7), (290, 4, 5), (291, 7, 7),
    (297, 7, 7), (298, 6, 6), (299, 6, 6), (350, 8, 8), (351, 9, 9), (352, 4, 11), (353, 7, 10),
    (354, 7, 9), (355, 6, 9), (356, 8, 8), (357, 8, 8), (358, 5, 12), (359, 6, 12), (370, 8, 8),
    (371, 8, 8), (372, 7, 10), (373, 8, 8), (374, 8, 8), (375, 6, 11), (376, 6, 9), (377, 8, 9),
    (378, 8, 10), (380, 9, 10), (381, 6, 12), (382, 8, 9), (383, 8, 12), (385, 7, 9),
    (386, 5, 8), (387, 8, 9), (389, 8, 8), (420, 9, 12), (421, 6, 9), (423, 7, 9), (500, 5, 5),
    (501, 7, 11), (502, 8, 11), (503, 7, 11), (504, 8, 11), (505, 8, 8), (506, 8, 10),
    (507, 7, 11), (508, 6, 9), (509, 8, 8), (590, 9, 9), (591, 8, 9), (592, 7, 7), (593, 8, 11),
    (594, 9, 9), (595, 6, 11), (596, 9, 9), (597, 6, 7), (598, 4, 13), (599, 7, 8), (670, 7, 8),
    (672, 6, 6), (673, 7, 7), (674, 7, 7), (675, 7, 8), (676, 5, 7), (677, 5, 7), (678, 5, 7),
    (679, 7, 11), (680, 7, 7), (681, 6, 9), (682, 5, 5), (683, 4, 7), (685, 5, 10), (686, 5, 8),
    (687, 6, 6), (688, 5, 7), (689, 6, 9), (690, 4, 7), (691, 7, 7), (692, 7, 7), (800, 8, 8),
    (808, 8, 8), (850, 8, 10), (852, 5, 11), (853, 7, 8), (855, 8, 10), (856, 8, 10),
    (870, 9, 12), (878, 12, 12), (880, 6, 10), (881, 9, 10), (882, 7, 12), (883, 8, 12),
    (886, 7, 11), (888, 11, 11), (960, 7, 10), (961, 7, 8), (962, 8, 9), (963, 8, 9),
    (964, 8, 10), (965, 7, 8), (966, 9, 10), (967, 7, 9), (968, 7, 9), (970, 8, 10),
    (971, 5, 12), (972, 7, 12), (973, 8, 8), (974, 7, 11), (975, 7, 8), (976, 8, 10),
    (977, 8, 11), (979, 9, 9), (992, 9, 9), (993, 8, 8), (994, 9, 9), (995, 9, 9), (996, 9, 10),
    (998, 9, 9),
];

/// [`COUNTRY_CODES`] indexed by the code's value: the shortest national
/// number in the low byte, the longest in the high one, 0 for a code not in
/// use. Codes are prefix-free, and a value's digit count is its length
/// (`1`, `44`, `354`), so one index serves all three lengths.
#[allow(
    clippy::indexing_slicing,
    reason = "const evaluation: an index out of range fails the build"
)]
const COUNTRY_INDEX: [u16; 1000] = {
    let mut t = [0u16; 1000];
    let mut i = 0;
    while i < COUNTRY_CODES.len() {
        let (c, lo, hi) = COUNTRY_CODES[i];
        t[c as usize] = lo as u16 | (hi as u16) << 8;
        i += 1;
    }
    t
};

/// The E.164 country code the digits `d` of an international number
/// (after its `+`) start with, if it is one in use: the code's length and
/// the shortest and longest national significant number its plan has.
/// `None` when `d` ends before a whole code.
pub fn e164_country(d: &[u8]) -> Option<(usize, usize, usize)> {
    let digit = |i: usize| {
        d.get(i)
            .map(|c| usize::from(c.wrapping_sub(b'0')))
            .filter(|&x| x < 10)
    };
    let mut cc = digit(0).filter(|&x| x != 0)?;
    for k in 1..=3 {
        let e = COUNTRY_INDEX.get(cc).copied().unwrap_or(0);
        if e != 0 {
            return Some((k, usize::from(e & 0xff), usize::from(e >> 8)));
        }
        if k < 3 {
            cc = cc * 10 + digit(k)?;
        }
    }
    None
}

/// Valid calendar date (Gregorian, years 1800-2199).
pub fn valid_date(y: u32, m: u32, d: u32) -> bool {
    if !(1800..=2199).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let dim = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    d <= dim
}

// ---------------------------------------------------------------------
// Identifier families added for issue #16. Each takes the value with its
// separators removed (digits; upper-case letters where the format has
// them) and checks the published algorithm and structure.
// ---------------------------------------------------------------------

/// Sum of digit values of `s` (ASCII digits only, else `None`).
fn num_of(s: &[u8]) -> Option<u64> {
    let d = digits(s)?;
    Some(d.iter().fold(0u64, |a, &x| a * 10 + u64::from(x)))
}

/// The Luhn sum (mod 10) of `s` with its last digit undoubled: 0 for a
/// valid Luhn number.
fn luhn_mod10(s: &[u8]) -> Option<u32> {
    let d = digits(s)?;
    let mut sum = 0;
    for (i, &x) in d.iter().rev().enumerate() {
        sum += if i % 2 == 1 {
            let y = x * 2;
            if y > 9 { y - 9 } else { y }
        } else {
            x
        };
    }
    Some(sum % 10)
}

/// IMEI: 15 digits, Luhn.
pub fn imei(s: &[u8]) -> bool {
    s.len() == 15 && luhn(s)
}

/// Czech and Slovak birth number (rodné číslo): YYMMDD and four digits
/// (since 1954), month plus 50 for women and plus 20 from 2004, the whole
/// number divisible by 11 (or, for the few where the first nine leave 10,
/// a last digit 0).
pub fn cz_birth_number(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 10 {
        return false;
    }
    let yy = d.first().copied().unwrap_or(0) * 10 + d.get(1).copied().unwrap_or(0);
    let mut mm = d.get(2).copied().unwrap_or(0) * 10 + d.get(3).copied().unwrap_or(0);
    let dd = d.get(4).copied().unwrap_or(0) * 10 + d.get(5).copied().unwrap_or(0);
    if mm > 70 {
        mm -= 70;
    } else if mm > 50 {
        mm -= 50;
    } else if mm > 20 {
        mm -= 20;
    }
    let year = if yy < 54 { 2000 + yy } else { 1900 + yy };
    if !valid_date(year, mm, dd) {
        return false;
    }
    let (Some(n9), Some(n)) = (s.get(..9).and_then(num_of), num_of(s)) else {
        return false;
    };
    n % 11 == 0 || (n9 % 11 == 10 && s.get(9) == Some(&b'0'))
}

/// A Czech or Slovak birth number of nine digits, issued before 1954:
/// YYMMDD (month plus 50 for women) and a serial (not 000), with no check
/// digit.
pub fn cz_birth_number_9(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 9 {
        return false;
    }
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    let (yy, mut mm, dd) = (g(0) * 10 + g(1), g(2) * 10 + g(3), g(4) * 10 + g(5));
    if mm > 50 {
        mm -= 50;
    }
    // A serial of 000 was not issued.
    yy < 54 && valid_date(1900 + yy, mm, dd) && s.get(6..) != Some(&b"000"[..])
}

/// Taiwan's national id (國民身分證): a region letter, the sex digit (1 or 2;
/// 8 or 9 for the resident certificates issued since 2021) and eight
/// digits, the region's two-digit code weighted 1 9 and the rest 8…1, 1,
/// the sum a multiple of ten. Upper case only.
pub fn tw_national_id(s: &[u8]) -> bool {
    // Region codes of A..Z (I, O, W, X, Y, Z were added after the rest).
    const CODE: [u32; 26] = [
        10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23, 24, 25, 26, 27, 28, 29, 32,
        30, 31, 33,
    ];
    let (Some(&l), Some(&sex), Some(rest)) = (s.first(), s.get(1), s.get(1..)) else {
        return false;
    };
    if s.len() != 10 || !l.is_ascii_uppercase() || !matches!(sex, b'1' | b'2' | b'8' | b'9') {
        return false;
    }
    let Some(&code) = CODE.get(usize::from(l - b'A')) else {
        return false;
    };
    weighted(rest, &[8, 7, 6, 5, 4, 3, 2, 1, 1])
        .is_some_and(|x| (code / 10 + (code % 10) * 9 + x) % 10 == 0)
}

/// Iran's national code (کد ملی): ten digits, the last a check over the
/// first nine weighted 10…2 (the sum mod 11 below 2 is the digit itself,
/// otherwise 11 minus it); a run of one digit is not issued.
pub fn ir_national_id(s: &[u8]) -> bool {
    let (Some(body), Some(c)) = (s.get(..9), s.get(9).copied().and_then(dig)) else {
        return false;
    };
    if s.len() != 10 || s.iter().all(|&b| Some(&b) == s.first()) {
        return false;
    }
    weighted(body, &[10, 9, 8, 7, 6, 5, 4, 3, 2]).is_some_and(|x| {
        let r = x % 11;
        c == if r < 2 { r } else { 11 - r }
    })
}

/// Ukraine's taxpayer number (РНОКПП, formerly ІПН): ten digits, the first
/// five the days since 31 December 1899, the last a check with weights
/// −1 5 7 9 4 6 10 5 7 (the sum mod 11, then mod 10).
pub fn ua_rnokpp(s: &[u8]) -> bool {
    let (Some(body), Some(c)) = (s.get(..9), s.get(9).copied().and_then(dig)) else {
        return false;
    };
    if s.len() != 10 || s.first() == Some(&b'0') {
        return false;
    }
    // −1 for the first digit: add 10 times it (≡ −1 mod 11).
    weighted(body, &[10, 5, 7, 9, 4, 6, 10, 5, 7]).is_some_and(|x| c == x % 11 % 10)
}

/// Russia's taxpayer number (ИНН): ten digits for an organisation (one
/// check digit, weights 2 4 10 3 5 9 4 6 8) or twelve for a person (two,
/// weights 7 2 4 10 3 5 9 4 6 8 and 3 7 2 4 10 3 5 9 4 6 8); each is the
/// sum mod 11, then mod 10.
pub fn ru_inn(s: &[u8]) -> bool {
    let check = |n: usize, w: &[u32]| {
        s.get(..n)
            .and_then(|b| weighted(b, w))
            .zip(s.get(n).copied().and_then(dig))
            .is_some_and(|(x, c)| c == x % 11 % 10)
    };
    if s.iter().all(|&b| b == b'0') {
        return false;
    }
    match s.len() {
        10 => check(9, &[2, 4, 10, 3, 5, 9, 4, 6, 8]),
        12 => {
            check(10, &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8])
                && check(11, &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8])
        }
        _ => false,
    }
}

/// Russian primary state registration number: ОГРН of an organisation,
/// thirteen digits starting 1 or 5, the last the first twelve mod 11
/// (a remainder of 10 written 0); ОГРНИП of an individual entrepreneur,
/// fifteen digits starting 3, the last the first fourteen mod 13, its
/// last digit.
pub fn ru_ogrn(s: &[u8]) -> bool {
    let (Some(body), Some(c)) = (
        s.get(..s.len().saturating_sub(1)).and_then(num_of),
        s.last().copied().and_then(dig),
    ) else {
        return false;
    };
    match (s.len(), s.first()) {
        (13, Some(b'1' | b'5')) => u64::from(c) == body % 11 % 10,
        (15, Some(b'3')) => u64::from(c) == body % 13 % 10,
        _ => false,
    }
}

/// Russia's pension insurance number (СНИЛС): nine digits and two check
/// digits, the nine weighted 9…1; a sum below 100 is the check, 100 and
/// 101 give 00, above that the sum mod 101 (100 again 00). Checked only
/// above 001-001-998, as the Pension Fund does.
pub fn ru_snils(s: &[u8]) -> bool {
    let (Some(body), Some(ck)) = (s.get(..9), s.get(9..).and_then(num_of)) else {
        return false;
    };
    if s.len() != 11 || num_of(body).is_none_or(|n| n <= 1_001_998) {
        return false;
    }
    weighted(body, &[9, 8, 7, 6, 5, 4, 3, 2, 1]).is_some_and(|x| {
        let r = if x < 100 { x } else { x % 101 % 100 };
        u64::from(r) == ck
    })
}

/// Latvia's personal code (personas kods): DDMMYY, a century digit (0 for
/// the 1800s, 1 the 1900s, 2 the 2000s), three digits and a check digit,
/// `(1101 − Σ weights 1 6 3 7 9 10 5 8 4 2) mod 11 mod 10`. Codes issued since
/// July 2017 start with 32 and carry no date; only their length is
/// checked.
pub fn lv_personas_kods(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 11 {
        return false;
    }
    if s.starts_with(b"32") {
        return true;
    }
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    let century = match g(6) {
        0 => 1800,
        1 => 1900,
        2 => 2000,
        _ => return false,
    };
    if !valid_date(
        century + g(4) * 10 + g(5),
        g(2) * 10 + g(3),
        g(0) * 10 + g(1),
    ) {
        return false;
    }
    s.get(..10)
        .and_then(|b| weighted(b, &[1, 6, 3, 7, 9, 10, 5, 8, 4, 2]))
        .is_some_and(|x| (1101 - x % 1101) % 11 % 10 == g(10))
}

/// France's tax number (numéro fiscal, SPI): thirteen digits, the first
/// 0-3, the last three the first ten mod 511.
pub fn fr_numero_fiscal(s: &[u8]) -> bool {
    s.len() == 13
        && matches!(s.first(), Some(b'0'..=b'3'))
        && s.get(..10)
            .and_then(num_of)
            .zip(s.get(10..).and_then(num_of))
            .is_some_and(|(a, b)| a % 511 == b)
}

/// Hungary's tax id (adóazonosító jel): ten digits starting 8, the last
/// the sum of the first nine weighted 1…9, mod 11.
pub fn hu_tax_id(s: &[u8]) -> bool {
    s.len() == 10
        && s.first() == Some(&b'8')
        && s.get(..9)
            .and_then(|b| weighted(b, &[1, 2, 3, 4, 5, 6, 7, 8, 9]))
            .zip(s.get(9).copied().and_then(dig))
            .is_some_and(|(x, c)| x % 11 == c)
}

/// Slovenia's tax number (davčna številka): eight digits, the first not 0,
/// the last 11 minus the first seven weighted 8…2 mod 11 (10 gives 0; a
/// remainder of 0 is never issued).
pub fn si_tax_number(s: &[u8]) -> bool {
    s.len() == 8
        && s.first() != Some(&b'0')
        && s.get(..7)
            .and_then(|b| weighted(b, &[8, 7, 6, 5, 4, 3, 2]))
            .zip(s.get(7).copied().and_then(dig))
            .is_some_and(|(x, c)| x % 11 != 0 && (11 - x % 11) % 10 == c)
}

/// Ukraine's EDRPOU (ЄДРПОУ) company code: eight digits, the last a
/// weighted sum mod 11 — weights 1…7 (7, 1…6 for codes from 30000000 to
/// 60000000), and when the remainder is 10 the weights plus 2, the
/// remainder mod 10.
pub fn ua_edrpou(s: &[u8]) -> bool {
    if s.len() != 8 {
        return false;
    }
    let mid = matches!(s.first(), Some(b'3'..=b'5'));
    let w: [u32; 7] = if mid {
        [7, 1, 2, 3, 4, 5, 6]
    } else {
        [1, 2, 3, 4, 5, 6, 7]
    };
    let body = s.get(..7).unwrap_or_default();
    let Some(first) = weighted(body, &w) else {
        return false;
    };
    let check = if first % 11 < 10 {
        first % 11
    } else {
        let Some(again) = weighted(body, &w.map(|x| x + 2)) else {
            return false;
        };
        again % 11 % 10
    };
    s.get(7).copied().and_then(dig) == Some(check)
}

/// Poland's REGON business register number: nine digits (weights 8 9 2 3
/// 4 5 6 7, mod 11, 10 written 0), or fourteen for a local unit (the
/// first nine a REGON, then weights 2 4 8 5 0 9 7 3 6 1 2 4 8 over
/// thirteen).
pub fn pl_regon(s: &[u8]) -> bool {
    let ok = |body: &[u8], w: &[u32], c: usize| {
        weighted(body, w)
            .zip(s.get(c).copied().and_then(dig))
            .is_some_and(|(x, d)| x % 11 % 10 == d)
    };
    let nine = || {
        s.get(..8)
            .is_some_and(|b| ok(b, &[8, 9, 2, 3, 4, 5, 6, 7], 8))
    };
    match s.len() {
        9 => nine(),
        14 => {
            nine()
                && s.get(..13)
                    .is_some_and(|b| ok(b, &[2, 4, 8, 5, 0, 9, 7, 3, 6, 1, 2, 4, 8], 13))
        }
        _ => false,
    }
}

/// China's Unified Social Credit Code (统一社会信用代码, GB 32100-2015) of
/// organisations: eighteen characters — eight digits (registering
/// department, organisation type, region), nine of the code alphabet
/// (digits and capitals without I, O, S, V, Z) and a check character,
/// 31 minus the weighted sum (weights 3^i mod 31) mod 31.
pub fn cn_uscc(s: &[u8]) -> bool {
    const ALPHA: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    if s.len() != 18 || !s.get(..8).is_some_and(|h| h.iter().all(u8::is_ascii_digit)) {
        return false;
    }
    let mut sum = 0u32;
    for (c, w) in s.iter().zip(W) {
        let Some(v) = ALPHA.iter().position(|a| a == c) else {
            return false;
        };
        sum += v as u32 * w;
    }
    let want = ALPHA.get(((31 - sum % 31) % 31) as usize);
    want.is_some() && s.last() == want
}

/// Turkey's tax number (vergi kimlik numarası) of companies: ten digits,
/// the last a check over the first nine (each digit plus its place from
/// the right mod 10, times 2^place mod 9, 9 for a multiple of 9).
pub fn tr_vkn(s: &[u8]) -> bool {
    let Some(d) = (s.len() == 10).then(|| digits(s)).flatten() else {
        return false;
    };
    let mut sum = 0u32;
    for (i, &n) in d.iter().take(9).rev().enumerate() {
        let place = i as u32 + 1;
        let c1 = (n + place) % 10;
        if c1 != 0 {
            let c2 = (c1 * (1 << place)) % 9;
            sum += if c2 == 0 { 9 } else { c2 };
        }
    }
    d.get(9).copied() == Some((10 - sum % 10) % 10)
}

/// Germany's lifelong physician number (lebenslange Arztnummer, LANR, KBV
/// Arztnummern-Richtlinie): six digits identifying the physician, a check
/// digit — ten minus the six weighted 4 9 4 9 4 9, mod 10 — and a
/// two-digit specialty code.
pub fn de_lanr(s: &[u8]) -> bool {
    s.len() == 9
        && s.iter().all(u8::is_ascii_digit)
        && weighted(s.get(..6).unwrap_or_default(), &[4, 9, 4, 9, 4, 9])
            .zip(s.get(6).copied().and_then(dig))
            .is_some_and(|(sum, c)| c == (10 - sum % 10) % 10)
}

/// Hungary's personal identification number (személyi azonosító, Act XX
/// of 1996): a digit for sex, citizenship and century (1, 2, 5, 6: born
/// in the 1900s; 3, 4, 7, 8: the 2000s), the birth date YYMMDD that
/// exists, a three-digit serial, and a check digit: the first ten
/// weighted 1…10 for people born before 1997, 10…1 since, the sum mod 11
/// (a remainder of 10 is never issued). Before 1997 the digits 3, 4, 7, 8
/// meant the 1800s; that reading is left out, so that one check digit
/// completes a number (people born before 1900 are in archives only).
pub fn hu_personal_id(s: &[u8]) -> bool {
    let (Some(asc), Some(desc)) = (
        s.get(..10)
            .and_then(|b| weighted(b, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10])),
        s.get(..10)
            .and_then(|b| weighted(b, &[10, 9, 8, 7, 6, 5, 4, 3, 2, 1])),
    ) else {
        return false;
    };
    let (Some(first), Some(yy), Some(mm), Some(dd), Some(check)) = (
        s.first().copied().and_then(dig),
        s.get(1..3).and_then(num_of),
        s.get(3..5).and_then(num_of),
        s.get(5..7).and_then(num_of),
        s.get(10).copied().and_then(dig),
    ) else {
        return false;
    };
    if s.len() != 11 {
        return false;
    }
    let centuries: &[u32] = match first {
        1 | 2 | 5 | 6 => &[1900],
        3 | 4 | 7 | 8 => &[2000],
        _ => return false,
    };
    let (yy, mm, dd) = (yy as u32, mm as u32, dd as u32);
    centuries.iter().any(|&c| {
        let y = c + yy;
        let r = (if (y, mm, dd) < (1997, 1, 1) {
            asc
        } else {
            desc
        }) % 11;
        valid_date(y, mm, dd) && r < 10 && r == check
    })
}

/// Venezuela's tax id (RIF, SENIAT): a letter for the kind of taxpayer
/// (`V` Venezuelan, `E` foreigner, `J` company, `P` passport, `G`
/// government; worth 4, 8, 12, 16, 20), eight digits weighted 3 2 7 6 5 4
/// 3 2, and a check digit: 11 minus the sum mod 11, 10 and 11 written 0.
/// `s` is the letter in capitals and nine digits.
pub fn ve_rif(s: &[u8]) -> bool {
    let kind = match s.first() {
        Some(b'V') => 4,
        Some(b'E') => 8,
        Some(b'J') => 12,
        Some(b'P') => 16,
        Some(b'G') => 20,
        _ => return false,
    };
    let (Some(sum), Some(check)) = (
        s.get(1..9)
            .and_then(|d| weighted(d, &[3, 2, 7, 6, 5, 4, 3, 2])),
        s.get(9).copied().and_then(dig),
    ) else {
        return false;
    };
    let r = (kind + sum) % 11;
    s.len() == 10 && check == if r < 2 { 0 } else { 11 - r }
}

/// A Brazilian identity card number (RG) in São Paulo's format, which
/// several states follow: eight digits and a check character, the eight
/// weighted 2…9 and the sum plus the check a multiple of 11 (10 written
/// `X`). `check` is the check character (a digit, or `X` in either case).
pub fn br_rg(body: &[u8], check: u8) -> bool {
    let Some(sum) = weighted(body, &[2, 3, 4, 5, 6, 7, 8, 9]) else {
        return false;
    };
    let want = (11 - sum % 11) % 11;
    let got = match check {
        b'X' | b'x' => 10,
        c => match dig(c) {
            Some(d) => d,
            None => return false,
        },
    };
    // Not one digit repeated (`11.111.111-1`, a form's placeholder).
    got == want && body.iter().any(|&c| Some(&c) != body.first())
}

/// A Brazilian driving licence's number (CNH, `nº registro`): eleven
/// digits, the first nine weighted 9…1 give the first check digit (the
/// sum mod 11, 10 and above written 0), weighted 1…9 the second (the
/// sum mod 11, less 2 when the first was 10 or above, negative results
/// wrapped, 10 and above written 0). One digit repeated is a form's
/// placeholder.
pub fn br_cnh(s: &[u8]) -> bool {
    let Some(ds) = digits(s) else { return false };
    if ds.len() != 11 || ds.iter().all(|&d| Some(&d) == ds.first()) {
        return false;
    }
    let body = ds.get(..9).unwrap_or_default();
    let s1: u32 = body.iter().zip((1..=9).rev()).map(|(d, w)| d * w).sum();
    let (dv1, dsc) = match s1 % 11 {
        r @ 0..=9 => (r, 0),
        _ => (0, 2),
    };
    let s2: u32 = body.iter().zip(1..=9).map(|(d, w)| d * w).sum();
    let dv2 = match (s2 % 11 + 11 - dsc) % 11 {
        r @ 0..=9 => r,
        _ => 0,
    };
    ds.get(9) == Some(&dv1) && ds.get(10) == Some(&dv2)
}

/// A Brazilian worker's social number (PIS/PASEP, NIT, NIS): eleven
/// digits, the first ten weighted 3 2 9 8 7 6 5 4 3 2, 11 minus the sum
/// mod 11 the last (10 and 11 written 0). One digit repeated is a form's
/// placeholder.
pub fn br_pis(s: &[u8]) -> bool {
    let Some(ds) = digits(s) else { return false };
    if ds.len() != 11 || ds.iter().all(|&d| Some(&d) == ds.first()) {
        return false;
    }
    let sum: u32 = ds
        .iter()
        .zip([3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
        .map(|(d, w)| d * w)
        .sum();
    let check = match 11 - sum % 11 {
        10 | 11 => 0,
        c => c,
    };
    ds.get(10) == Some(&check)
}

/// [`br_rg`] on nine digits, the last the check digit.
pub fn br_rg_digits(s: &[u8]) -> bool {
    match (s.get(..8), s.get(8)) {
        (Some(b), Some(&c)) if s.len() == 9 => br_rg(b, c),
        _ => false,
    }
}

/// Numbers the Philippines issue without a published check digit — the
/// SSS number (10 digits), the PhilHealth identification number and the
/// UMID's common reference number (12): only their length, and not one
/// digit repeated or a plain run (`1234567890`, a form's placeholder).
pub fn ph_unchecked(s: &[u8]) -> bool {
    let same = s.iter().all(|&c| Some(&c) == s.first());
    let run = s
        .windows(2)
        .all(|w| matches!(w, [a, b] if *b == *a + 1 || (*a == b'9' && *b == b'0')));
    s.iter().all(u8::is_ascii_digit) && !same && !run
}

/// The Philippines' taxpayer identification number (BIR TIN): nine
/// digits, the first eight weighted 9…2 and the sum mod 11 the ninth (a
/// remainder of 10 is never issued), then an optional three-digit branch
/// code (`000` for the head office).
pub fn ph_tin(s: &[u8]) -> bool {
    matches!(s.len(), 9 | 12)
        && s.iter().all(u8::is_ascii_digit)
        && s.get(..8).is_some_and(|b| b.iter().any(|&c| c != b'0'))
        && weighted(s.get(..8).unwrap_or_default(), &[9, 8, 7, 6, 5, 4, 3, 2])
            .zip(s.get(8).copied().and_then(dig))
            .is_some_and(|(sum, c)| c == sum % 11)
}

/// Nigeria's National Identification Number (NIMC): eleven digits, the
/// last a Verhoeff check digit.
pub fn ng_nin(s: &[u8]) -> bool {
    s.len() == 11 && verhoeff(s)
}

/// Taiwan's unified business number (統一編號): eight digits weighted
/// 1 2 1 2 1 2 4 1, the digits of each product summed; the total is a
/// multiple of 5 (of 10 before 2023, a subset), or, when the seventh
/// digit is 7 (its product 28 counted as 1 or 10), one less than one.
pub fn tw_ubn(s: &[u8]) -> bool {
    let Some(d) = (s.len() == 8).then(|| digits(s)).flatten() else {
        return false;
    };
    let sum: u32 = d
        .iter()
        .zip([1, 2, 1, 2, 1, 2, 4, 1])
        .map(|(n, w)| {
            let p = n * w;
            p / 10 + p % 10
        })
        .sum();
    sum.is_multiple_of(5) || (sum % 5 == 4 && d.get(6) == Some(&7))
}

/// Vietnam's tax code (mã số thuế, MST): ten digits — a province code,
/// seven digits not all zero, a check digit: 10 minus the first nine
/// weighted 31 29 23 19 17 13 7 5 3, mod 11 (a remainder of 0 is never
/// issued) — and, for a branch, three more not `000`.
pub fn vn_mst(s: &[u8]) -> bool {
    let zeros = |r: std::ops::Range<usize>| s.get(r).is_some_and(|x| x.iter().all(|&c| c == b'0'));
    matches!(s.len(), 10 | 13)
        && s.iter().all(u8::is_ascii_digit)
        && !zeros(2..9)
        && !(s.len() == 13 && zeros(10..13))
        && weighted(
            s.get(..9).unwrap_or_default(),
            &[31, 29, 23, 19, 17, 13, 7, 5, 3],
        )
        .zip(s.get(9).copied().and_then(dig))
        .is_some_and(|(sum, c)| sum % 11 >= 1 && c == 10 - sum % 11)
}

/// Peru's taxpayer registry number (RUC, SUNAT): eleven digits starting
/// 10 or 15 or 17 (persons) or 20 (companies), the first ten weighted
/// 5 4 3 2 7 6 5 4 3 2 and the check 11 minus the sum mod 11, mod 10.
pub fn pe_ruc(s: &[u8]) -> bool {
    s.len() == 11
        && matches!(s, [b'1', b'0' | b'5' | b'7', ..] | [b'2', b'0', ..])
        && weighted(
            s.get(..10).unwrap_or_default(),
            &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2],
        )
        .zip(s.get(10).copied().and_then(dig))
        .is_some_and(|(sum, c)| c == (11 - sum % 11) % 10)
}

/// Ecuador's identity card number (cédula): ten digits, a province code
/// (01-24, 30 for Ecuadorians abroad, 50), a third digit below 7, and a
/// Luhn-like check over all ten (weights 2 1 2 1 …, products over 9 less 9).
pub fn ec_ci(s: &[u8]) -> bool {
    let Some(d) = (s.len() == 10).then(|| digits(s)).flatten() else {
        return false;
    };
    let province = d.first().zip(d.get(1)).map_or(0, |(a, b)| a * 10 + b);
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let p = if i % 2 == 0 { n * 2 } else { n };
            if p > 9 { p - 9 } else { p }
        })
        .sum();
    (matches!(province, 1..=24 | 30 | 50))
        && d.get(2).is_some_and(|&n| n < 7)
        && sum.is_multiple_of(10)
}

/// Colombia's tax number (NIT, DIAN): 7 to 15 digits and a check digit —
/// the body from the right weighted 3 7 13 17 19 23 29 37 41 43 47 53 59
/// 67 71, the sum mod 11 `s`, the check `s` for 0 and 1, else 11 − `s`.
pub fn co_nit(s: &[u8]) -> bool {
    const W: [u32; 15] = [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71];
    let Some(d) = (8..=16).contains(&s.len()).then(|| digits(s)).flatten() else {
        return false;
    };
    let Some((&check, body)) = d.split_last() else {
        return false;
    };
    let r = body.iter().rev().zip(W).map(|(n, w)| n * w).sum::<u32>() % 11;
    check == if r < 2 { r } else { 11 - r }
}

/// Two digits of `d` from `i` as a number (0 when out of range).
fn two(d: &[u32], i: usize) -> u32 {
    d.get(i).zip(d.get(i + 1)).map_or(0, |(a, b)| a * 10 + b)
}

/// A date written DDMMYY or YYMMDD that exists in the 1900s or 2000s.
fn yy_date(yy: u32, mm: u32, dd: u32) -> bool {
    valid_date(1900 + yy, mm, dd) || valid_date(2000 + yy, mm, dd)
}

/// Malaysia's identity card number (MyKad NRIC, JPN): twelve digits, the
/// birth date YYMMDD, the birthplace code (a state 01-16 or a country or
/// region code), four digits. No check digit: the date and the place are
/// what is checked.
pub fn my_nric(s: &[u8]) -> bool {
    let Some(d) = (s.len() == 12).then(|| digits(s)).flatten() else {
        return false;
    };
    let place = two(&d, 6);
    yy_date(two(&d, 0), two(&d, 2), two(&d, 4))
        && matches!(place, 1..=16 | 21..=68 | 71 | 72 | 74..=79 | 82..=93 | 98 | 99)
}

/// Indonesia's population number (Nomor Induk Kependudukan, on the KTP):
/// sixteen digits, a province (11-94), regency and district, the birth
/// date DDMMYY (day plus 40 for women) and four serial digits not all
/// zero. No check digit.
pub fn id_nik(s: &[u8]) -> bool {
    let Some(d) = (s.len() == 16).then(|| digits(s)).flatten() else {
        return false;
    };
    let province = two(&d, 0);
    let serial_zero = d.get(12..).is_some_and(|x| x.iter().all(|&n| n == 0));
    matches!(
        province,
        11..=19 | 21 | 31..=36 | 51..=53 | 61..=65 | 71..=76 | 81 | 82 | 91..=96
    ) && two(&d, 2) != 0
        && yy_date(two(&d, 10), two(&d, 8), two(&d, 6) % 40)
        && !serial_zero
}

/// The United Arab Emirates' identity number (Emirates ID): fifteen
/// digits, `784` (the country), the year of birth, seven digits and a
/// Luhn check digit over all fifteen.
pub fn ae_emirates_id(s: &[u8]) -> bool {
    let year = s
        .get(3..7)
        .and_then(|y| std::str::from_utf8(y).ok()?.parse::<u32>().ok());
    s.len() == 15
        && s.starts_with(b"784")
        && year.is_some_and(|y| (1900..=2099).contains(&y))
        && luhn(s)
}

/// Japan's corporate number (法人番号, National Tax Agency): thirteen
/// digits, the first a check digit, 9 minus the other twelve weighted
/// 1 2 1 2 … from the right, mod 9.
pub fn jp_corporate_number(s: &[u8]) -> bool {
    let Some(d) = (s.len() == 13).then(|| digits(s)).flatten() else {
        return false;
    };
    let Some((&check, body)) = d.split_first() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .rev()
        .zip([1, 2].into_iter().cycle())
        .map(|(n, w)| n * w)
        .sum();
    check == 9 - sum % 9
}

/// Luxembourg's national identification number (matricule): YYYYMMDD,
/// three digits, a Luhn digit over the first eleven and a Verhoeff digit
/// over them.
pub fn lu_matricule(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 13 {
        return false;
    }
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    let year = g(0) * 1000 + g(1) * 100 + g(2) * 10 + g(3);
    if !(1850..=2100).contains(&year) || !valid_date(year, g(4) * 10 + g(5), g(6) * 10 + g(7)) {
        return false;
    }
    let (Some(first12), Some(first11), Some(&last)) = (s.get(..12), s.get(..11), s.get(12)) else {
        return false;
    };
    let mut v = [0u8; 12];
    if let Some(head) = v.get_mut(..11) {
        head.copy_from_slice(first11);
    }
    if let Some(tail) = v.get_mut(11) {
        *tail = last;
    }
    luhn(first12) && verhoeff(&v)
}

/// Sri Lanka's national identity card number: the old form (nine digits,
/// read here; a `V` or `X` follows) is YY, the day of the year (001-366,
/// plus 500 for women) and four digits; the new one (twelve digits) is
/// YYYY, the day of the year the same way, and five digits. No published
/// check digit.
pub fn lk_nic(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    let (year, day) = match d.len() {
        // (No one born in the 1900s' first decade holds one now.)
        9 if g(0) != 0 => (1900 + g(0) * 10 + g(1), g(2) * 100 + g(3) * 10 + g(4)),
        12 => (
            g(0) * 1000 + g(1) * 100 + g(2) * 10 + g(3),
            g(4) * 100 + g(5) * 10 + g(6),
        ),
        _ => return false,
    };
    (1900..=2030).contains(&year) && matches!(day, 1..=366 | 501..=866)
}

/// Pakistan's CNIC: thirteen digits, the first a province (1-7), printed
/// 5-7-1; no check digit.
pub fn pk_cnic(s: &[u8]) -> bool {
    s.len() == 13 && s.iter().all(u8::is_ascii_digit) && matches!(s.first(), Some(b'1'..=b'7'))
}

/// Iceland's kennitala: DDMMYY (the day plus 40 for an organisation), two
/// digits, a check digit (weights 3 2 7 6 5 4 3 2 over the first eight,
/// mod 11) and the century (9 for the 1900s, 0 for the 2000s).
pub fn is_kennitala(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 10 {
        return false;
    }
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    let century = match g(9) {
        9 => 1900,
        0 => 2000,
        _ => return false,
    };
    let dd = g(0) * 10 + g(1);
    let day = if dd > 40 { dd - 40 } else { dd };
    if !valid_date(century + g(4) * 10 + g(5), g(2) * 10 + g(3), day) {
        return false;
    }
    s.get(..9)
        .and_then(|b| weighted(b, &[3, 2, 7, 6, 5, 4, 3, 2, 1]))
        .is_some_and(|x| x % 11 == 0)
}

/// The Dominican Republic's cédula: eleven digits, printed 3-7-1, the
/// last a Luhn check digit.
pub fn do_cedula(s: &[u8]) -> bool {
    s.len() == 11 && luhn(s)
}

/// Indonesia's taxpayer number (NPWP): fifteen digits (two for the kind of
/// taxpayer, six for the taxpayer, a Luhn check digit over those nine,
/// three for the tax office, three for the branch), or since 2024 the same
/// after a `0` (sixteen digits, the check over the first ten; a sixteen
/// digits that does not start with `0` is a person's NIK, `id_nik`).
pub fn id_npwp(s: &[u8]) -> bool {
    if !s.iter().all(u8::is_ascii_digit) {
        return false;
    }
    match s.len() {
        15 => s.get(..9).is_some_and(luhn),
        16 => s.first() == Some(&b'0') && s.get(..10).is_some_and(luhn),
        _ => false,
    }
}

/// A New Zealand bank account number: bank (2 digits), branch (4),
/// account base (7) and suffix (2 or 3, read as 3), checked by the
/// weights and moduli the banks' clearing rules give each bank (the
/// Payments NZ validation standard, algorithms A-G); a bank with no
/// algorithm is no bank.
pub fn nz_bank_account(s: &[u8]) -> bool {
    let mut n = [0u32; 16];
    // A two-digit suffix is the three-digit one with a leading 0.
    if !matches!(s.len(), 15 | 16) {
        return false;
    }
    let pad = 16 - s.len();
    for (i, &c) in s.iter().enumerate() {
        let Some(x) = dig(c) else { return false };
        let k = if i >= 13 { i + pad } else { i };
        if let Some(slot) = n.get_mut(k) {
            *slot = x;
        }
    }
    let bank = n.iter().take(2).fold(0u32, |a, &x| a * 10 + x);
    let base = n.iter().skip(6).take(7).fold(0u32, |a, &x| a * 10 + x);
    let base_hi = base >= 990_000;
    // (weights, whether a product's digits are added up to one digit,
    // modulus of the sum)
    let (w, digit_sum, m): ([u32; 16], bool, u32) = match bank {
        1..=4 | 6 | 10..=24 | 27 | 30 | 35 | 38 if base_hi => {
            ([0, 0, 0, 0, 0, 0, 0, 10, 5, 8, 4, 2, 1, 0, 0, 0], false, 11)
        }
        1..=4 | 6 | 10..=24 | 27 | 30 | 35 | 38 => {
            ([0, 0, 6, 3, 7, 9, 0, 10, 5, 8, 4, 2, 1, 0, 0, 0], false, 11)
        }
        8 => ([0, 0, 0, 0, 0, 0, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0], false, 11),
        9 => ([0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 4, 3, 2, 0, 0, 1], true, 11),
        25 | 33 => ([0, 0, 0, 0, 0, 0, 1, 7, 3, 1, 7, 3, 1, 0, 0, 0], false, 10),
        26 | 28 | 29 => ([0, 0, 0, 0, 0, 0, 1, 3, 7, 1, 3, 7, 1, 3, 7, 1], true, 10),
        _ => return false,
    };
    let sum: u32 = w
        .iter()
        .zip(n.iter())
        .map(|(&w, &x)| {
            let mut p = w * x;
            // (Algorithms E and G: `7 × 9 = 63` counts 6 + 3 = 9.)
            while digit_sum && p > 9 {
                p = p / 10 + p % 10;
            }
            p
        })
        .sum();
    sum.is_multiple_of(m)
}

/// El Salvador's NIT: fourteen digits — the municipality (four; the
/// first 0 or 1 for nationals, 9 for foreigners), a date DDMMYY (of birth,
/// or of a company's founding), three digits of sequence and a check
/// digit. Numbers whose sequence is at most 100 (the older ones) weight
/// the first thirteen 14…2, the check the sum mod 11 mod 10; newer ones
/// weight them 2 7 6 5 4 3 2 7 6 5 4 3 2, the check −sum mod 11 mod 10.
pub fn sv_nit(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 14 || !matches!(s.first(), Some(b'0' | b'1' | b'9')) {
        return false;
    }
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    let yy = g(8) * 10 + g(9);
    // The century is not written: a date that exists in either.
    let (dd, mm) = (g(4) * 10 + g(5), g(6) * 10 + g(7));
    if !valid_date(1900 + yy, mm, dd) && !valid_date(2000 + yy, mm, dd) {
        return false;
    }
    let seq = g(10) * 100 + g(11) * 10 + g(12);
    let Some(body) = s.get(..13) else {
        return false;
    };
    let check = if seq <= 100 {
        weighted(body, &[14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2]).map(|x| x % 11 % 10)
    } else {
        weighted(body, &[2, 7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2]).map(|x| (11 - x % 11) % 11 % 10)
    };
    check == Some(g(13))
}

/// Uruguay's RUT: twelve digits — the registration (01-22), six of
/// sequence (not all zero), `001` and a check digit (weights 4 3 2 9 8 7 6
/// 5 4 3 2, −sum mod 11; a result of 10 is no number).
pub fn uy_rut(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 12 || s.get(8..11) != Some(&b"001"[..]) || s.get(2..8) == Some(&b"000000"[..]) {
        return false;
    }
    let reg = d.first().copied().unwrap_or(0) * 10 + d.get(1).copied().unwrap_or(0);
    if !(1..=22).contains(&reg) {
        return false;
    }
    s.get(..11)
        .and_then(|b| weighted(b, &[4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]))
        .map(|x| (11 - x % 11) % 11)
        .is_some_and(|c| c < 10 && Some(c) == d.get(11).copied())
}

/// Mauritius's national identity number: the first letter of the
/// surname at birth, a birth date DDMMYY, six digits and a check
/// character: the thirteen before it, as values of `0-9A-Z`, weighted
/// 14…2; the check is (17 − the sum) mod 17 in the same alphabet.
pub fn mu_nid(s: &[u8]) -> bool {
    if s.len() != 14 || !s.first().is_some_and(u8::is_ascii_uppercase) {
        return false;
    }
    let Some(mid) = s.get(1..13).and_then(digits) else {
        return false;
    };
    let g = |i: usize| mid.get(i).copied().unwrap_or(0);
    if !valid_date(2000 + g(4) * 10 + g(5), g(2) * 10 + g(3), g(0) * 10 + g(1)) {
        return false;
    }
    let value = |c: u8| match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        _ => None,
    };
    let mut sum = 0u32;
    for (i, &c) in s.iter().take(13).enumerate() {
        let Some(x) = value(c) else { return false };
        sum += (14 - i as u32) * x;
    }
    let want = (17 - sum % 17) % 17;
    s.get(13).copied().and_then(value) == Some(want)
}

/// Serbia's tax number (PIB): nine digits, the last an ISO 7064 mod 11,10
/// check digit.
pub fn rs_pib(s: &[u8]) -> bool {
    s.len() == 9 && iso7064_mod11_10(s)
}

/// Montenegro's tax number (PIB): eight digits, the first seven weighted
/// 8…2, the check −sum mod 11 mod 10.
pub fn me_pib(s: &[u8]) -> bool {
    neg_mod11_check(s, &[8, 7, 6, 5, 4, 3, 2])
}

/// North Macedonia's tax number (ЕДБ): thirteen digits, the first twelve
/// weighted 7 6 5 4 3 2 twice, the check −sum mod 11 mod 10.
pub fn mk_edb(s: &[u8]) -> bool {
    neg_mod11_check(s, &[7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
}

/// `s` is `w.len()` digits and a check digit, −(the weighted sum) mod 11
/// mod 10.
fn neg_mod11_check(s: &[u8], w: &[u32]) -> bool {
    let (Some(body), Some(c)) = (s.get(..w.len()), s.get(w.len()).copied().and_then(dig)) else {
        return false;
    };
    s.len() == w.len() + 1 && weighted(body, w).is_some_and(|x| (11 - x % 11) % 11 % 10 == c)
}

/// Azerbaijan's taxpayer number (VÖEN): ten digits — the territory (2),
/// a serial (6), a check digit (the first eight weighted 4 1 8 6 2 7 5 3,
/// mod 11, never 10) and the kind of taxpayer (1 a company, 2 a person).
/// Written without its leading zero it has nine digits.
pub fn az_voen(s: &[u8]) -> bool {
    if s.len() == 9 {
        let mut p = [b'0'; 10];
        if let Some(tail) = p.get_mut(1..) {
            tail.copy_from_slice(s);
        }
        return az_voen(&p);
    }
    if s.len() != 10 || !matches!(s.get(9), Some(b'1' | b'2')) {
        return false;
    }
    let c = s.get(8).copied().and_then(dig);
    s.get(..8)
        .and_then(|b| weighted(b, &[4, 1, 8, 6, 2, 7, 5, 3]))
        .is_some_and(|x| Some(x % 11) == c)
}

/// The Dominican Republic's taxpayer number for institutions (RNC): nine
/// digits, the first eight weighted 7 9 8 6 5 4 3 2, the check
/// (10 − sum mod 11) mod 9 + 1.
pub fn do_rnc(s: &[u8]) -> bool {
    let c = s.get(8).copied().and_then(dig);
    s.len() == 9
        && s.get(..8)
            .and_then(|b| weighted(b, &[7, 9, 8, 6, 5, 4, 3, 2]))
            .is_some_and(|x| Some((10 - x % 11) % 9 + 1) == c)
}

/// Ecuador's taxpayer number (RUC, SRI): thirteen digits — the province
/// (01-24, 30, 50), then by the third digit: below 6 a person's, the
/// cédula and an establishment number not `000`; 6 a public body's, the
/// first nine weighted 3 2 7 6 5 4 3 2 1 summing to a multiple of 11 and
/// four more not `0000` (else read as a person's); 9 a company's, the
/// public body's rule or the first ten weighted 4 3 2 7 6 5 4 3 2 1 a
/// multiple of 11 and `001`-style establishment not `000`.
pub fn ec_ruc(s: &[u8]) -> bool {
    if s.len() != 13 || !s.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let g = |i: usize| s.get(i).map_or(0, |&c| u32::from(c - b'0'));
    if !matches!(g(0) * 10 + g(1), 1..=24 | 30 | 50) {
        return false;
    }
    let mod11 = |n: usize, w: &[u32]| {
        s.get(..n)
            .and_then(|b| weighted(b, w))
            .is_some_and(|x| x.is_multiple_of(11))
    };
    let natural = || s.get(10..) != Some(&b"000"[..]) && s.get(..10).is_some_and(ec_ci);
    let public = || s.get(9..) != Some(&b"0000"[..]) && mod11(9, &[3, 2, 7, 6, 5, 4, 3, 2, 1]);
    let juridical =
        || s.get(10..) != Some(&b"000"[..]) && mod11(10, &[4, 3, 2, 7, 6, 5, 4, 3, 2, 1]);
    match g(2) {
        0..=5 => natural(),
        6 => public() || natural(),
        9 => public() || juridical(),
        _ => false,
    }
}

/// Moldova's state identification number (IDNO for a company, IDNP for a
/// person): thirteen digits, the first twelve weighted 7 3 1 four times,
/// the sum mod 10 the last.
pub fn md_idno(s: &[u8]) -> bool {
    let c = s.get(12).copied().and_then(dig);
    s.len() == 13
        && s.get(..12)
            .and_then(|b| weighted(b, &[7, 3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1]))
            .is_some_and(|x| Some(x % 10) == c)
}

/// Israel's company number (ח.פ., Registrar of Companies): nine digits
/// starting 5, the last a Luhn digit (the identity number's check).
pub fn il_hp(s: &[u8]) -> bool {
    s.len() == 9 && s.first() == Some(&b'5') && luhn(s)
}

/// Morocco's common company identifier (ICE): fifteen digits, the number
/// a multiple of 97.
pub fn ma_ice(s: &[u8]) -> bool {
    s.len() == 15 && all_digits(s) && mod97_fold(0, s) == Some(0)
}

/// A Thai company's registration number (Ministry of Commerce), which is
/// also its tax number: thirteen digits starting 0, checked as a
/// person's identification number is.
pub fn th_moa(s: &[u8]) -> bool {
    s.first() == Some(&b'0') && thai_check(s)
}

/// The Thai identification numbers' check: thirteen digits, the first
/// twelve weighted 13…2, (11 − sum mod 11) mod 10 the last.
fn thai_check(s: &[u8]) -> bool {
    let (Some(body), Some(&c)) = (s.get(..12), s.get(12)) else {
        return false;
    };
    s.len() == 13
        && weighted(body, &[13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2])
            .is_some_and(|x| dig(c) == Some((11 - x % 11) % 10))
}

/// Mozambique's taxpayer number (NUIT): nine digits, the first eight
/// weighted 8 9 4 5 6 7 8 9, the sum mod 11 the last (10 written 1).
pub fn mz_nuit(s: &[u8]) -> bool {
    let c = s.get(8).copied().and_then(dig);
    s.len() == 9
        && s.get(..8)
            .and_then(|b| weighted(b, &[8, 9, 4, 5, 6, 7, 8, 9]))
            .is_some_and(|x| Some(if x % 11 == 10 { 1 } else { x % 11 }) == c)
}

/// Guinea's permanent tax number (NIFp): nine digits, the last a Luhn
/// digit.
pub fn gn_nifp(s: &[u8]) -> bool {
    s.len() == 9 && luhn(s)
}

/// Paraguay's taxpayer number (RUC, DNIT): up to eight digits (a person's
/// cédula or a company's number) and a check digit: the body from the
/// right weighted 2, 3, 4 …, −sum mod 11 mod 10.
pub fn py_ruc(s: &[u8]) -> bool {
    let Some((&c, body)) = s.split_last() else {
        return false;
    };
    if !(5..=9).contains(&s.len()) || !s.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = body
        .iter()
        .rev()
        .zip(2u32..)
        .map(|(&b, w)| u32::from(b - b'0') * w)
        .sum();
    dig(c) == Some((11 - sum % 11) % 11 % 10)
}

/// Peru's unique identity code (CUI, the DNI's number): eight digits and a
/// check character, the eight weighted 3 2 7 6 5 4 3 2, the sum mod 11
/// `c`, the check `65432110987`[c] (or the letter `KJIHGFEDCBA`[c]).
pub fn pe_cui(s: &[u8]) -> bool {
    let (Some(body), Some(&c)) = (s.get(..8), s.get(8)) else {
        return false;
    };
    let Some(x) = weighted(body, &[3, 2, 7, 6, 5, 4, 3, 2]).map(|x| (x % 11) as usize) else {
        return false;
    };
    s.len() == 9
        && (b"65432110987".get(x) == Some(&c)
            || b"KJIHGFEDCBA".get(x) == Some(&c.to_ascii_uppercase()))
}

/// Albania's taxpayer number (NIPT/NUIS): a letter A-M (the decade of
/// registration), eight digits and a capital letter; no published check.
pub fn al_nipt(s: &[u8]) -> bool {
    matches!(s, [b'A'..=b'M', mid @ .., b'A'..=b'Z'] if mid.len() == 8 && mid.iter().all(u8::is_ascii_digit))
}

/// Kenya's tax PIN (KRA): `A` (a person) or `P` (a company), nine digits
/// and a letter, in either case; no published check.
pub fn ke_pin(s: &[u8]) -> bool {
    matches!(s, [b'A' | b'P' | b'a' | b'p', mid @ .., last] if mid.len() == 9
        && mid.iter().all(u8::is_ascii_digit)
        && last.is_ascii_alphabetic())
}

/// Ghana's taxpayer number (GRA): `P` (a person), `C`, `G`, `Q` or `V`,
/// `00`, seven digits and a check character: the nine digits after the
/// letter weighted 1…9, mod 11 (10 written `X`).
pub fn gh_tin(s: &[u8]) -> bool {
    let [kind, rest @ ..] = s else {
        return false;
    };
    let (Some(body), Some(&c)) = (rest.get(..9), rest.get(9)) else {
        return false;
    };
    if s.len() != 11
        || !matches!(kind, b'P' | b'C' | b'G' | b'Q' | b'V')
        || !body.starts_with(b"00")
    {
        return false;
    }
    weighted(body, &[1, 2, 3, 4, 5, 6, 7, 8, 9]).is_some_and(|x| match x % 11 {
        10 => c == b'X',
        r => dig(c) == Some(r),
    })
}

/// Uruguay's identity card number (cédula de identidad): seven digits
/// weighted 2 9 8 7 6 3 4 and a check digit, (10 − sum mod 10) mod 10.
pub fn uy_ci(s: &[u8]) -> bool {
    let c = s.get(7).copied().and_then(dig);
    s.len() == 8
        && s.get(..7)
            .and_then(|b| weighted(b, &[2, 9, 8, 7, 6, 3, 4]))
            .is_some_and(|x| Some((10 - x % 10) % 10) == c)
}

/// British Columbia's personal health number: ten digits starting 9, the
/// eight after it weighted 2 4 8 5 10 9 7 3, (11 − sum mod 11) the last
/// (10 is never issued).
pub fn ca_bc_phn(s: &[u8]) -> bool {
    let c = s.get(9).copied().and_then(dig);
    s.len() == 10
        && s.first() == Some(&b'9')
        && s.get(1..9)
            .and_then(|b| weighted(b, &[2, 4, 8, 5, 10, 9, 7, 3]))
            .is_some_and(|x| Some((11 - x % 11) % 11) == c)
}

/// India's Aadhaar virtual id (VID, UIDAI): sixteen digits, the first 2-9,
/// the last a Verhoeff digit; a palindrome is no number.
pub fn in_vid(s: &[u8]) -> bool {
    s.len() == 16
        && matches!(s.first(), Some(b'2'..=b'9'))
        && !s.iter().eq(s.iter().rev())
        && verhoeff(s)
}

/// The Dutch education number (onderwijsnummer, DUO), given to pupils
/// without a BSN: nine digits starting `10`, weighted 9…2 and −1, the sum
/// 5 mod 11.
pub fn nl_onderwijsnummer(s: &[u8]) -> bool {
    s.len() == 9
        && s.starts_with(b"10")
        && s.get(..8)
            .and_then(|b| weighted(b, &[9, 8, 7, 6, 5, 4, 3, 2]))
            .zip(s.get(8).copied().and_then(dig))
            .is_some_and(|(x, c)| (x + 11 - c) % 11 == 5)
}

/// South Africa's income tax reference number (SARS): ten digits, the
/// first 0, 1, 2, 3 or 9, the last a Luhn digit.
pub fn za_tin(s: &[u8]) -> bool {
    s.len() == 10 && matches!(s.first(), Some(b'0'..=b'3' | b'9')) && luhn(s)
}

/// Costa Rica's identity number for a person (cédula de persona física,
/// TSE): the province (1-9), the volume (four digits) and the entry
/// (four), not all zero; printed `1-1234-1234`, or with the province
/// padded to `01` (ten digits starting 0). No check digit.
pub fn cr_cpf(s: &[u8]) -> bool {
    let s = match s {
        [b'0', rest @ ..] if rest.len() == 9 => rest,
        _ => s,
    };
    s.len() == 9
        && matches!(s.first(), Some(b'1'..=b'9'))
        && s.iter().all(u8::is_ascii_digit)
        && s.get(1..5) != Some(&b"0000"[..])
        && s.get(5..9) != Some(&b"0000"[..])
}

/// The Czech National Bank's bank codes (its list of 2026; Slovakia's
/// domestic accounts, printed the same way, used codes of their own
/// before IBAN).
const CZ_BANK_CODES: [u16; 47] = [
    100, 300, 600, 710, 800, 2010, 2060, 2070, 2100, 2200, 2220, 2250, 2260, 2600, 2700, 3030,
    3060, 3500, 4300, 5500, 5800, 6000, 6200, 6210, 6300, 6363, 6700, 6800, 7910, 7950, 7960, 7970,
    7990, 8030, 8040, 8060, 8090, 8150, 8190, 8198, 8220, 8250, 8255, 8265, 8500, 8610, 8660,
];

/// A Czech bank account as printed, `[prefix-]number/bank`
/// (`19-2000145399/0800`): a prefix of up to six digits and a number of
/// two to ten (not all zero), each weighted 6 3 7 9 10 5 8 4 2 1 from the
/// right to a multiple of 11, and a bank code of the CNB's list.
pub fn cz_bank_account(s: &[u8]) -> bool {
    let Some(slash) = s.iter().position(|&c| c == b'/') else {
        return false;
    };
    let (Some(acct), Some(bank)) = (s.get(..slash), s.get(slash + 1..)) else {
        return false;
    };
    let (prefix, root) = match acct.iter().position(|&c| c == b'-') {
        Some(i) => (
            acct.get(..i).unwrap_or_default(),
            acct.get(i + 1..).unwrap_or_default(),
        ),
        None => (&b""[..], acct),
    };
    let mod11 = |x: &[u8]| {
        x.iter()
            .rev()
            .zip([1u32, 2, 4, 8, 5, 10, 9, 7, 3, 6])
            .map(|(&c, w)| u32::from(c.wrapping_sub(b'0')) * w)
            .sum::<u32>()
            .is_multiple_of(11)
    };
    let code = digits_value(bank).and_then(|c| u16::try_from(c).ok());
    prefix.len() <= 6
        && (2..=10).contains(&root.len())
        && bank.len() == 4
        && prefix.iter().chain(root).all(u8::is_ascii_digit)
        && root.iter().any(|&c| c != b'0')
        && mod11(prefix)
        && mod11(root)
        && code.is_some_and(|c| CZ_BANK_CODES.binary_search(&c).is_ok())
}

/// Bulgarian EGN: YYMMDD (month plus 20 for the 1800s, plus 40 for the
/// 2000s), three digits and a weighted mod-11 check digit.
pub fn bg_egn(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 10 {
        return false;
    }
    let yy = d.first().copied().unwrap_or(0) * 10 + d.get(1).copied().unwrap_or(0);
    let mm = d.get(2).copied().unwrap_or(0) * 10 + d.get(3).copied().unwrap_or(0);
    let dd = d.get(4).copied().unwrap_or(0) * 10 + d.get(5).copied().unwrap_or(0);
    let (y, m) = match mm {
        1..=12 => (1900 + yy, mm),
        21..=32 => (1800 + yy, mm - 20),
        41..=52 => (2000 + yy, mm - 40),
        _ => return false,
    };
    if !valid_date(y, m, dd) {
        return false;
    }
    let (Some(body), Some(&c)) = (s.get(..9), s.get(9)) else {
        return false;
    };
    weighted(body, &[2, 4, 8, 5, 10, 9, 7, 3, 6]).is_some_and(|x| dig(c) == Some(x % 11 % 10))
}

/// Romanian CNP: sex and century digit, YYMMDD, county code, serial and a
/// check digit with weights 279146358279 (mod 11, 10 counts as 1).
pub fn ro_cnp(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 13 {
        return false;
    }
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    let yy = g(1) * 10 + g(2);
    let century = match g(0) {
        1 | 2 => 1900,
        3 | 4 => 1800,
        5 | 6 => 2000,
        7..=9 => 1900,
        _ => return false,
    };
    let (mm, dd) = (g(3) * 10 + g(4), g(5) * 10 + g(6));
    let dated = valid_date(century + yy, mm, dd) || (g(0) >= 7 && valid_date(2000 + yy, mm, dd));
    let county = g(7) * 10 + g(8);
    if !dated || !matches!(county, 1..=48 | 51 | 52 | 70 | 80..=83) {
        return false;
    }
    let (Some(body), Some(&c)) = (s.get(..12), s.get(12)) else {
        return false;
    };
    weighted(body, &[2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9]).is_some_and(|x| {
        let r = x % 11;
        dig(c) == Some(if r == 10 { 1 } else { r })
    })
}

/// Polish identity card number (numer dowodu osobistego): three letters
/// of the series (A = 10 … Z = 35) and six digits, the first of them the
/// check digit: the nine weighted 7 3 1 9 7 3 1 7 3 sum to a multiple of
/// 10 (the check digit is the other eight's sum weighted 7 3 1 _ 7 3 1 7
/// 3, mod 10).
pub fn pl_id_card(s: &[u8]) -> bool {
    let (Some(series), Some(num)) = (s.get(..3), s.get(3..)) else {
        return false;
    };
    if s.len() != 9 || !series.iter().all(u8::is_ascii_uppercase) {
        return false;
    }
    let letters: u32 = series
        .iter()
        .zip([7u32, 3, 1])
        .map(|(&c, w)| u32::from(c - b'A' + 10) * w)
        .sum();
    weighted(num, &[9, 7, 3, 1, 7, 3]).is_some_and(|x| (letters + x).is_multiple_of(10))
}

/// Mexican social security number (NSS, IMSS): eleven digits — the IMSS
/// subdelegation, the year of registration, the year of birth, a serial —
/// and a Luhn check digit; not all zero.
pub fn mx_nss(s: &[u8]) -> bool {
    s.len() == 11 && s.iter().all(u8::is_ascii_digit) && s.iter().any(|&c| c != b'0') && luhn(s)
}

/// Polish tax id (NIP): 10 digits, the first three a tax office (not
/// starting 0), weights 6 5 7 2 3 4 5 6 7, the sum mod 11 is the last
/// digit (a sum giving 10 is never issued).
pub fn pl_nip(s: &[u8]) -> bool {
    s.len() == 10
        && s.iter().all(u8::is_ascii_digit)
        && s.first() != Some(&b'0')
        && s.get(..9)
            .and_then(|b| weighted(b, &[6, 5, 7, 2, 3, 4, 5, 6, 7]))
            .zip(s.get(9).copied().and_then(dig))
            .is_some_and(|(x, c)| x % 11 == c)
}

/// Austrian social insurance number (Versicherungsnummer): a serial of
/// three digits (not starting 0), a check digit, then the birth date
/// DDMMYY; weights 3 7 9 _ 5 8 4 2 1 6, the sum mod 11 is the check (10
/// is never issued). The date is checked loosely, day 0-31 and month
/// 1-14: an unknown birth date is written with day 0 or month 13-14.
pub fn at_svnr(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 10 || d.first() == Some(&0) {
        return false;
    }
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    let (dd, mm) = (g(4) * 10 + g(5), g(6) * 10 + g(7));
    if dd > 31 || mm == 0 || mm > 14 {
        return false;
    }
    let w = [3u32, 7, 9, 0, 5, 8, 4, 2, 1, 6];
    let sum: u32 = d.iter().zip(w).map(|(&x, w)| x * w).sum();
    sum % 11 == g(3)
}

/// German pension insurance number (Rentenversicherungsnummer, the
/// Sozialversicherungsnummer on the SV card), 12 characters compact: area
/// number (2 digits, not 00), birth date DDMMYY, the first letter of the
/// birth name, a serial (2 digits) and a check digit. The letter counts
/// as its two-digit place in the alphabet (A = 01); the 12 digits before
/// the check are weighted 2 1 2 5 7 1 2 1 2 1 2 1, each product's digits
/// summed, and the total mod 10 is the check.
pub fn de_rvnr(s: &[u8]) -> bool {
    if s.len() != 12 {
        return false;
    }
    let letter = s.get(8).copied().unwrap_or(0).to_ascii_uppercase();
    if !letter.is_ascii_uppercase() {
        return false;
    }
    let mut d = [0u32; 13];
    for (i, slot) in d.iter_mut().enumerate() {
        let c = match i {
            0..=7 => s.get(i).copied(),
            8 => Some(b'0' + (letter - b'A' + 1) / 10),
            9 => Some(b'0' + (letter - b'A' + 1) % 10),
            _ => s.get(i - 1).copied(),
        };
        match c {
            Some(c) if c.is_ascii_digit() => *slot = u32::from(c - b'0'),
            _ => return false,
        }
    }
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    let (area, dd, mm) = (g(0) * 10 + g(1), g(2) * 10 + g(3), g(4) * 10 + g(5));
    if area == 0 || dd == 0 || dd > 31 || mm == 0 || mm > 12 {
        return false;
    }
    let w = [2u32, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1];
    let sum: u32 = d
        .iter()
        .zip(w)
        .map(|(&x, w)| (x * w) / 10 + (x * w) % 10)
        .sum();
    sum % 10 == g(12)
}

/// Croatian OIB: 11 digits, ISO 7064 MOD 11,10.
pub fn hr_oib(s: &[u8]) -> bool {
    s.len() == 11 && iso7064_mod11_10(s)
}

/// Slovenian EMŠO: DDMMYYY, register, serial and a weighted mod-11 check
/// digit; a remainder of 1 (11 minus it is 10) makes no valid number.
pub fn si_emso(s: &[u8]) -> bool {
    emso_family(s, false)
}

/// The JMBG of Serbia, Bosnia and Herzegovina, Montenegro and North
/// Macedonia: EMŠO's date, region, serial and weights, but a remainder
/// of 1 (11 minus it is 10) gives the check digit 0, as the Serbian
/// registry's description and North Macedonia's EMBG write it (Croatia's
/// tax office calls such a number wrong; python-stdnum's EMŠO accepts it).
pub fn jmbg(s: &[u8]) -> bool {
    emso_family(s, true)
}

/// The former Yugoslav citizen number (EMŠO, JMBG): DDMMYYY, register,
/// serial, weighted mod-11 check digit; `ten_is_zero`: whether the check
/// 10 is written 0 (JMBG) or refused (EMŠO).
fn emso_family(s: &[u8], ten_is_zero: bool) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 13 {
        return false;
    }
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    let (dd, mm) = (g(0) * 10 + g(1), g(2) * 10 + g(3));
    let yyy = g(4) * 100 + g(5) * 10 + g(6);
    let y = if yyy >= 800 { 1000 + yyy } else { 2000 + yyy };
    let (Some(body), Some(&c)) = (s.get(..12), s.get(12)) else {
        return false;
    };
    valid_date(y, mm, dd)
        && weighted(body, &[7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2]).is_some_and(|x| {
            let k = (11 - x % 11) % 11;
            match k {
                10 => ten_is_zero && dig(c) == Some(0),
                k => dig(c) == Some(k),
            }
        })
}

/// Estonian isikukood and Lithuanian asmens kodas: sex and century digit,
/// YYMMDD, serial and a two-pass weighted mod-11 check digit.
pub fn ee_lt_personal_code(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 11 {
        return false;
    }
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    let century = match g(0) {
        1 | 2 => 1800,
        3 | 4 => 1900,
        5 | 6 => 2000,
        _ => return false,
    };
    if !valid_date(
        century + g(1) * 10 + g(2),
        g(3) * 10 + g(4),
        g(5) * 10 + g(6),
    ) {
        return false;
    }
    let (Some(body), Some(&c)) = (s.get(..10), s.get(10)) else {
        return false;
    };
    let first = weighted(body, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 1]).map(|x| x % 11);
    let check = match first {
        Some(10) => weighted(body, &[3, 4, 5, 6, 7, 8, 9, 1, 2, 3]).map(|x| x % 11 % 10),
        other => other,
    };
    check.is_some_and(|k| dig(c) == Some(k))
}

/// Greek AMKA: DDMMYY, five digits, Luhn over all eleven.
pub fn gr_amka(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 11 {
        return false;
    }
    yy_date(two(&d, 4), two(&d, 2), two(&d, 0)) && luhn(s)
}

/// Greek AFM (tax number, also the VAT number): 9 digits, the first
/// eight weighted by powers of two, mod 11, mod 10.
pub fn gr_afm(s: &[u8]) -> bool {
    let (Some(body), Some(&c)) = (s.get(..8), s.get(8)) else {
        return false;
    };
    s.len() == 9
        && weighted(body, &[256, 128, 64, 32, 16, 8, 4, 2])
            .is_some_and(|x| dig(c) == Some(x % 11 % 10))
}

/// Turkish T.C. Kimlik No: 11 digits, first not 0, the tenth from the
/// odd and even sums, the eleventh the sum of the first ten mod 10.
pub fn tr_tckn(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 11 || d.first() == Some(&0) {
        return false;
    }
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    let odd = g(0) + g(2) + g(4) + g(6) + g(8);
    let even = g(1) + g(3) + g(5) + g(7);
    let c10 = (odd * 7 + 90 - even) % 10;
    let c11 = (0..10).map(g).sum::<u32>() % 10;
    g(9) == c10 && g(10) == c11
}

/// Israeli identity number (Teudat Zehut): 9 digits, Luhn.
pub fn il_id(s: &[u8]) -> bool {
    s.len() == 9 && luhn(s) && s.iter().any(|&c| c != b'0')
}

/// Argentine CUIT/CUIL: type prefix, DNI, weighted mod-11 check digit
/// (11 gives 0, 10 gives 9).
pub fn ar_cuit(s: &[u8]) -> bool {
    if s.len() != 11
        || !matches!(
            s.get(..2),
            Some(b"20" | b"23" | b"24" | b"27" | b"30" | b"33" | b"34")
        )
    {
        return false;
    }
    let (Some(body), Some(&c)) = (s.get(..10), s.get(10)) else {
        return false;
    };
    weighted(body, &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]).is_some_and(|x| {
        let k = match 11 - x % 11 {
            11 => 0,
            10 => 9,
            k => k,
        };
        dig(c) == Some(k)
    })
}

/// Chilean RUT/RUN: digits and a mod-11 check character (`K` for 10).
pub fn cl_rut(body: &[u8], check: u8) -> bool {
    let Some(d) = digits(body) else { return false };
    if !(7..=8).contains(&d.len()) {
        return false;
    }
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| x * (2 + (i as u32 % 6)))
        .sum();
    let k = match 11 - sum % 11 {
        11 => b'0',
        10 => b'K',
        k => b'0' + k as u8,
    };
    check.to_ascii_uppercase() == k
}

/// US EIN: nine digits whose first two are an IRS campus prefix.
pub fn us_ein(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    let p = d.first().copied().unwrap_or(0) * 10 + d.get(1).copied().unwrap_or(0);
    d.len() == 9
        && matches!(p, 1..=6 | 10..=16 | 20..=27 | 30..=48 | 50..=68 | 71..=77 | 80..=88 | 90..=95 | 98 | 99)
}

/// Indian PAN: five letters (the fourth the holder type), four digits and a
/// letter.
pub fn in_pan(s: &[u8]) -> bool {
    s.len() == 10
        && s.iter().take(5).all(u8::is_ascii_uppercase)
        && s.get(3).is_some_and(|c| b"ABCFGHLJPTK".contains(c))
        && s.get(5..9)
            .is_some_and(|x| x.iter().all(u8::is_ascii_digit))
        && s.get(9).is_some_and(u8::is_ascii_uppercase)
}

fn base36(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        _ => None,
    }
}

/// Indian GSTIN: state code, the holder's PAN, entity number, `Z` and a
/// mod-36 check character.
pub fn in_gstin(s: &[u8]) -> bool {
    if s.len() != 15 {
        return false;
    }
    let state = s.get(..2).and_then(num_of).unwrap_or(0);
    if !(1..=38).contains(&state) && state != 97 && state != 99 {
        return false;
    }
    if !s.get(2..12).is_some_and(in_pan) {
        return false;
    }
    let mut sum = 0;
    for (i, &c) in s.iter().take(14).enumerate() {
        let Some(v) = base36(c) else { return false };
        let p = v * if i % 2 == 0 { 1 } else { 2 };
        sum += p / 36 + p % 36;
    }
    let k = (36 - sum % 36) % 36;
    s.get(14).copied().and_then(base36) == Some(k)
}

/// French SIREN (9 digits) and SIRET (14 digits): Luhn; La Poste's
/// establishments (SIREN 356000000) use a digit sum divisible by 5
/// (its head office, `356 000 000 00048`, Luhn).
pub fn fr_siren_siret(s: &[u8]) -> bool {
    match s.len() {
        9 => luhn(s),
        14 => {
            luhn(s)
                || (s.starts_with(b"356000000")
                    && digits(s).is_some_and(|d| d.iter().sum::<u32>() % 5 == 0))
        }
        _ => false,
    }
}

/// ISIN: ISO country code, nine alphanumerics and a Luhn check digit over
/// the letters expanded to two digits.
pub fn isin(s: &[u8]) -> bool {
    if s.len() != 12
        || !s.iter().take(2).all(u8::is_ascii_uppercase)
        || !s.get(11).is_some_and(u8::is_ascii_digit)
        || !s
            .get(2..11)
            .is_some_and(|x| x.iter().all(|&c| base36(c).is_some()))
    {
        return false;
    }
    let mut buf = [0u8; 24];
    let mut n = 0;
    for &c in s {
        let Some(v) = base36(c) else { return false };
        if v >= 10 {
            for x in [b'0' + (v / 10) as u8, b'0' + (v % 10) as u8] {
                if let Some(slot) = buf.get_mut(n) {
                    *slot = x;
                }
                n += 1;
            }
        } else {
            if let Some(slot) = buf.get_mut(n) {
                *slot = c;
            }
            n += 1;
        }
    }
    buf.get(..n).is_some_and(luhn_sum_zero)
}

fn luhn_sum_zero(s: &[u8]) -> bool {
    luhn_mod10(s) == Some(0)
}

/// CUSIP: eight characters and a check digit (doubling every second
/// value, summing the digits).
pub fn cusip(s: &[u8]) -> bool {
    if s.len() != 9 {
        return false;
    }
    let mut sum = 0;
    for (i, &c) in s.iter().take(8).enumerate() {
        let v = match c {
            b'*' => 36,
            b'@' => 37,
            b'#' => 38,
            _ => match base36(c) {
                Some(v) => v,
                None => return false,
            },
        };
        let v = if i % 2 == 1 { v * 2 } else { v };
        sum += v / 10 + v % 10;
    }
    s.get(8).copied().and_then(dig) == Some((10 - sum % 10) % 10)
}

/// SEDOL: six characters (no vowels) and a weighted check digit.
pub fn sedol(s: &[u8]) -> bool {
    if s.len() != 7 || s.iter().any(|c| b"AEIOU".contains(c)) {
        return false;
    }
    let mut sum = 0;
    for (&c, w) in s.iter().take(6).zip([1, 3, 1, 7, 3, 9]) {
        let Some(v) = base36(c) else { return false };
        sum += v * w;
    }
    s.get(6).copied().and_then(dig) == Some((10 - sum % 10) % 10)
}

/// LEI (ISO 17442): 18 alphanumerics and two check digits, ISO 7064 MOD
/// 97-10 over the whole code.
pub fn lei(s: &[u8]) -> bool {
    s.len() == 20
        && s.get(18..)
            .is_some_and(|x| x.iter().all(u8::is_ascii_digit))
        && mod97_10(s)
}

/// Australian ABN: 11 digits; subtract 1 from the first, weights
/// 10 1 3 5 … 19, divisible by 89.
pub fn au_abn(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 11 || d.first() == Some(&0) {
        return false;
    }
    let w = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
    let sum: u32 = d
        .iter()
        .zip(w)
        .enumerate()
        .map(|(i, (&x, w))| if i == 0 { (x - 1) * w } else { x * w })
        .sum();
    sum.is_multiple_of(89)
}

/// Australian ACN: 9 digits, weights 8..1, check = (10 - sum mod 10) mod 10.
pub fn au_acn(s: &[u8]) -> bool {
    let (Some(body), Some(&c)) = (s.get(..8), s.get(8)) else {
        return false;
    };
    s.len() == 9
        && weighted(body, &[8, 7, 6, 5, 4, 3, 2, 1])
            .is_some_and(|x| dig(c) == Some((10 - x % 10) % 10))
}

/// German health insurance number (KVNR): a letter, eight digits and a
/// check digit (the letter as two digits, weights 1 2 alternating, digit
/// sums, mod 10).
pub fn de_kvnr(s: &[u8]) -> bool {
    let Some(&l) = s.first() else { return false };
    if s.len() != 10 || !l.is_ascii_uppercase() {
        return false;
    }
    let v = u32::from(l - b'A') + 1;
    let mut d = [v / 10, v % 10, 0, 0, 0, 0, 0, 0, 0, 0];
    for (k, &c) in s.iter().skip(1).take(8).enumerate() {
        let Some(x) = dig(c) else { return false };
        if let Some(slot) = d.get_mut(k + 2) {
            *slot = x;
        }
    }
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let p = x * if i % 2 == 0 { 1 } else { 2 };
            p / 10 + p % 10
        })
        .sum();
    s.get(9).copied().and_then(dig) == Some(sum % 10)
}

/// Check digit of a machine-readable zone field (ICAO 9303): weights
/// 7 3 1, digits as themselves, letters A=10 … Z=35, `<` as 0.
pub fn mrz_check(field: &[u8], check: u8) -> bool {
    let mut sum = 0;
    for (i, &c) in field.iter().enumerate() {
        let v = match c {
            b'<' => 0,
            _ => match base36(c) {
                Some(v) => v,
                None => return false,
            },
        };
        sum += v * [7, 3, 1].get(i % 3).copied().unwrap_or(0);
    }
    let want = if check == b'<' { Some(0) } else { dig(check) };
    want == Some(sum % 10)
}

/// Line 2 of a passport's machine-readable zone (TD3, 44 characters):
/// document number, birth date, expiry, personal number and the composite,
/// each with its check digit.
pub fn mrz_td3_line2(s: &[u8]) -> bool {
    if s.len() != 44
        || !s
            .iter()
            .all(|&c| c == b'<' || c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return false;
    }
    let f = |a: usize, b: usize| s.get(a..b).unwrap_or_default();
    let c = |i: usize| s.get(i).copied().unwrap_or(0);
    let dob_ok =
        f(13, 19).iter().all(u8::is_ascii_digit) && f(21, 27).iter().all(u8::is_ascii_digit);
    let sex_ok = matches!(c(20), b'M' | b'F' | b'<' | b'X');
    let nat_ok = f(10, 13)
        .iter()
        .all(|&x| x.is_ascii_uppercase() || x == b'<');
    let mut composite = [0u8; 39];
    for (dst, &src) in composite
        .iter_mut()
        .zip(f(0, 10).iter().chain(f(13, 20)).chain(f(21, 43)))
    {
        *dst = src;
    }
    dob_ok
        && sex_ok
        && nat_ok
        && mrz_check(f(0, 9), c(9))
        && mrz_check(f(13, 19), c(19))
        && mrz_check(f(21, 27), c(27))
        && mrz_check(f(28, 42), c(42))
        && mrz_check(&composite, c(43))
}

/// Australian health identifiers (IHI, HPI-I, HPI-O): 16 digits starting
/// 800360, 800361 or 800362, Luhn.
pub fn au_health_identifier(s: &[u8]) -> bool {
    s.len() == 16 && matches!(s.get(..6), Some(b"800360" | b"800361" | b"800362")) && luhn(s)
}

/// Norwegian bank account: 11 digits, weights 5 4 3 2 7 6 5 4 3 2,
/// mod-11 check digit.
pub fn no_bank_account(s: &[u8]) -> bool {
    let (Some(body), Some(&c)) = (s.get(..10), s.get(10)) else {
        return false;
    };
    s.len() == 11
        && weighted(body, &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]).is_some_and(|x| {
            let k = 11 - x % 11;
            k != 10 && dig(c) == Some(k % 11)
        })
}

/// Belgian bank account (BBAN): 12 digits, the last two the first ten mod
/// 97 (97 for 0).
pub fn be_bank_account(s: &[u8]) -> bool {
    let (Some(n), Some(c)) = (s.get(..10).and_then(num_of), s.get(10..).and_then(num_of)) else {
        return false;
    };
    let r = n % 97;
    s.len() == 12 && c == if r == 0 { 97 } else { r }
}

/// Polish bank account (NRB): 26 digits, the IBAN check digits and BBAN
/// without the `PL`.
pub fn pl_nrb(s: &[u8]) -> bool {
    if s.len() != 26 || !s.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut v = [0u8; 28];
    let (a, b) = v.split_at_mut(2);
    a.copy_from_slice(b"PL");
    b.copy_from_slice(s);
    iban(&v)
}

/// Mexican CLABE: 18 digits, weights 3 7 1, check = (10 - sum mod 10) mod 10.
pub fn mx_clabe(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 18 {
        return false;
    }
    let sum: u32 = d
        .iter()
        .take(17)
        .enumerate()
        .map(|(i, &x)| x * [3, 7, 1].get(i % 3).copied().unwrap_or(0) % 10)
        .sum();
    d.get(17) == Some(&((10 - sum % 10) % 10))
}

/// Argentine CBU: 22 digits in two blocks, each with a weighted check digit.
pub fn ar_cbu(s: &[u8]) -> bool {
    let ok = |b: &[u8], w: &[u32]| {
        let n = w.len();
        let (Some(body), Some(&c)) = (b.get(..n), b.get(n)) else {
            return false;
        };
        weighted(body, w).is_some_and(|x| dig(c) == Some((10 - x % 10) % 10))
    };
    s.len() == 22
        && ok(s.get(..8).unwrap_or_default(), &[7, 1, 3, 9, 7, 1, 3])
        && ok(
            s.get(8..).unwrap_or_default(),
            &[3, 9, 7, 1, 3, 9, 7, 1, 3, 9, 7, 1, 3],
        )
}

/// Finnish business id (Y-tunnus): 7 digits and a mod-11 check digit.
pub fn fi_ytunnus(s: &[u8]) -> bool {
    let (Some(body), Some(&c)) = (s.get(..7), s.get(7)) else {
        return false;
    };
    s.len() == 8
        && weighted(body, &[7, 9, 10, 5, 8, 4, 2]).is_some_and(|x| match x % 11 {
            0 => c == b'0',
            1 => false,
            r => dig(c) == Some(11 - r),
        })
}

/// Norwegian organisation number: 9 digits, weights 3 2 7 6 5 4 3 2,
/// mod-11 check digit.
pub fn no_orgnr(s: &[u8]) -> bool {
    let (Some(body), Some(&c)) = (s.get(..8), s.get(8)) else {
        return false;
    };
    s.len() == 9
        && weighted(body, &[3, 2, 7, 6, 5, 4, 3, 2]).is_some_and(|x| {
            let k = 11 - x % 11;
            k != 10 && dig(c) == Some(k % 11)
        })
}

/// Danish CVR: 8 digits, weights 2 7 6 5 4 3 2 1, divisible by 11.
pub fn dk_cvr(s: &[u8]) -> bool {
    s.first() != Some(&b'0') && weighted(s, &[2, 7, 6, 5, 4, 3, 2, 1]).is_some_and(|x| x % 11 == 0)
}

/// Swedish organisation number: 10 digits, third digit at least 2, Luhn.
pub fn se_orgnr(s: &[u8]) -> bool {
    s.len() == 10 && s.get(2).is_some_and(|&c| c >= b'2') && luhn(s)
}

/// Swiss business id (UID, `CHE-123.456.788`): 8 digits and a mod-11
/// check digit.
pub fn ch_uid(s: &[u8]) -> bool {
    let (Some(body), Some(&c)) = (s.get(..8), s.get(8)) else {
        return false;
    };
    s.len() == 9
        && weighted(body, &[5, 4, 3, 2, 7, 6, 5, 4]).is_some_and(|x| {
            let k = 11 - x % 11;
            k != 10 && dig(c) == Some(k % 11)
        })
}

/// EU VAT number: ISO country prefix (`EL` for Greece) and the national
/// number, checked by that country's algorithm. Countries whose numbers
/// carry no public check are not accepted.
pub fn eu_vat(s: &[u8]) -> bool {
    eu_vat_inner(s).unwrap_or(false)
}

fn eu_vat_inner(s: &[u8]) -> Option<bool> {
    let (Some(cc), Some(n)) = (s.get(..2), s.get(2..)) else {
        return None;
    };
    let all_digits = n.iter().all(u8::is_ascii_digit);
    // No country issues a number of zeros (`BE000000000` passes
    // Belgium's mod 97).
    if n.iter().all(|&c| c == b'0') {
        return Some(false);
    }
    Some(match cc {
        b"AT" => {
            n.len() == 9
                && n.first() == Some(&b'U')
                && n.get(1..8).and_then(at_uid_check) == n.get(8).copied().and_then(dig)
        }
        b"BE" => {
            // Ten digits (an old nine-digit number takes a leading 0),
            // the first 0 or 1; the first eight plus the last two are
            // divisible by 97.
            let ten: Option<(u64, u64, u8)> = match n.len() {
                10 => Some((
                    n.get(..8).and_then(num_of)?,
                    n.get(8..).and_then(num_of)?,
                    n.first().copied()?,
                )),
                9 => Some((
                    n.get(..7).and_then(num_of)?,
                    n.get(7..).and_then(num_of)?,
                    b'0',
                )),
                _ => None,
            };
            all_digits && ten.is_some_and(|(a, b, f)| matches!(f, b'0' | b'1') && (a + b) % 97 == 0)
        }
        b"BG" => all_digits && ((n.len() == 9 && bg_vat9(n)) || (n.len() == 10 && bg_vat10(n))),
        b"CZ" => {
            all_digits
                && ((n.len() == 8 && cz_dic8(n))
                    || (n.len() == 9 && cz_dic9(n))
                    || (n.len() == 10 && cz_birth_number(n)))
        }
        b"LT" => all_digits && lt_vat(n),
        b"LV" => all_digits && lv_vat(n),
        b"CY" => cy_vat(n),
        b"MT" => {
            // 8 digits, not starting 0, weights 3 4 6 7 8 9 10 1: the sum
            // is divisible by 37.
            all_digits
                && n.len() == 8
                && n.first() != Some(&b'0')
                && weighted(n, &[3, 4, 6, 7, 8, 9, 10, 1]).is_some_and(|x| x % 37 == 0)
        }
        b"DE" => all_digits && n.len() == 9 && n.first() != Some(&b'0') && iso7064_mod11_10(n),
        b"DK" => all_digits && n.len() == 8 && dk_cvr(n),
        b"EE" => {
            all_digits
                && n.len() == 9
                && n.get(..8)
                    .and_then(|b| weighted(b, &[3, 7, 1, 3, 7, 1, 3, 7]))
                    .zip(n.get(8).copied().and_then(dig))
                    .is_some_and(|(x, c)| c == (10 - x % 10) % 10)
        }
        b"EL" | b"GR" => all_digits && (gr_afm(n) || (n.len() == 8 && gr_afm(&zfill::<9>(n)))),
        // The United Kingdom's (GB) and Northern Ireland's (XI, which VIES
        // still checks): nine digits, or twelve with a branch.
        b"GB" | b"XI" => (all_digits && gb_vat(n)) || gb_vat_body(n),
        b"ES" => es_vat(n),
        b"FI" => all_digits && fi_ytunnus(n),
        b"FR" => fr_tva(n),
        b"HR" => all_digits && hr_oib(n),
        b"HU" => {
            all_digits
                && n.len() == 8
                && weighted(n, &[9, 7, 3, 1, 9, 7, 3, 1]).is_some_and(|x| x % 10 == 0)
        }
        b"IE" => ie_vat(n),
        b"IT" => all_digits && it_partita_iva(n),
        b"LU" => {
            all_digits
                && n.len() == 8
                && matches!((n.get(..6).and_then(num_of), n.get(6..).and_then(num_of)), (Some(a), Some(b)) if a % 89 == b)
        }
        b"NL" => nl_vat(n),
        b"PL" => all_digits && pl_nip(n),
        b"PT" => {
            all_digits
                && n.len() == 9
                && n.get(..8)
                    .and_then(|b| weighted(b, &[9, 8, 7, 6, 5, 4, 3, 2]))
                    .zip(n.get(8).copied().and_then(dig))
                    .is_some_and(|(x, c)| c == (11 - x % 11) % 11 % 10)
        }
        b"RO" => all_digits && (ro_vat(n) || (n.len() == 13 && ro_cnp(n))),
        b"SE" => {
            all_digits
                && n.len() == 12
                && n.get(10..) == Some(b"01")
                && n.get(..10).is_some_and(luhn)
        }
        b"SI" => {
            all_digits
                && n.len() == 8
                && n.first() != Some(&b'0')
                && n.get(..7)
                    .and_then(|b| weighted(b, &[8, 7, 6, 5, 4, 3, 2]))
                    .zip(n.get(7).copied().and_then(dig))
                    .is_some_and(|(x, c)| {
                        let k = 11 - x % 11;
                        k != 11 && c == k % 10
                    })
        }
        b"SK" => {
            // A person's birth number, or (python-stdnum) a number whose
            // third digit is 2, 3, 4, 7, 8 or 9.
            all_digits
                && n.len() == 10
                && (cz_birth_number(n)
                    || (n.first() != Some(&b'0')
                        && matches!(n.get(2), Some(b'2' | b'3' | b'4' | b'7' | b'8' | b'9'))
                        && num_of(n).is_some_and(|x| x % 11 == 0)))
        }
        _ => false,
    })
}

/// Latvian VAT number (PVN): 11 digits. A legal entity's (first digit 4
/// or more) has weights 9 1 4 8 3 10 2 5 7 6 1 whose sum is 3 mod 11; a
/// person's is the personal code: a birth date DDMMYY, the century digit
/// (0 for the 1800s, 1 the 1900s, 2 the 2000s) and a check digit, 1 plus
/// the sum with weights 10 5 8 4 2 1 6 3 7 9, mod 11, mod 10.
fn lv_vat(n: &[u8]) -> bool {
    if n.len() != 11 {
        return false;
    }
    let Some(d) = digits(n) else { return false };
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    if g(0) > 3 {
        return weighted(n, &[9, 1, 4, 8, 3, 10, 2, 5, 7, 6, 1]).is_some_and(|x| x % 11 == 3);
    }
    g(6) <= 2
        && valid_date(
            1800 + g(6) * 100 + g(4) * 10 + g(5),
            g(2) * 10 + g(3),
            g(0) * 10 + g(1),
        )
        && n.get(..10)
            .and_then(|b| weighted(b, &[10, 5, 8, 4, 2, 1, 6, 3, 7, 9]))
            .is_some_and(|x| (1 + x) % 11 % 10 == g(10))
}

/// Cypriot VAT number: 8 digits (not starting 12) and a check letter:
/// the digits in odd places mapped 0→1 1→0 2→5 3→7 4→9 5→13 6→15 7→17
/// 8→19 9→21, plus those in even places, mod 26 (A = 0).
fn cy_vat(n: &[u8]) -> bool {
    const ODD: [u32; 10] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21];
    let (Some(body), Some(&c)) = (n.get(..8), n.get(8)) else {
        return false;
    };
    let Some(d) = digits(body) else { return false };
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 0 {
                ODD.get(x as usize).copied().unwrap_or(0)
            } else {
                x
            }
        })
        .sum();
    n.len() == 9 && !body.starts_with(b"12") && u32::from(c.wrapping_sub(b'A')) == sum % 26
}

fn lt_vat(n: &[u8]) -> bool {
    // 9 digits (legal entities, eighth digit 1) or 12 (temporary, eleventh
    // digit 1); weights 1..9 repeating, a second pass shifted by two when
    // the first gives 10.
    let marker = match n.len() {
        9 => 7,
        12 => 10,
        _ => return false,
    };
    if n.get(marker) != Some(&b'1') {
        return false;
    }
    let Some(d) = digits(n) else { return false };
    let body = d.get(..d.len() - 1).unwrap_or_default();
    let pass = |shift: u32| -> u32 {
        body.iter()
            .enumerate()
            .map(|(i, &x)| (1 + (i as u32 + shift) % 9) * x)
            .sum::<u32>()
            % 11
    };
    let mut c = pass(0);
    if c == 10 {
        c = pass(2);
    }
    d.last() == Some(&(c % 10))
}

fn at_uid_check(seven: &[u8]) -> Option<u32> {
    // stdnum-style: (6 - luhn checksum of the seven digits) mod 10, the
    // Luhn checksum taken with the last digit undoubled.
    let l = luhn_mod10(seven)?;
    Some((16 - l) % 10)
}

fn bg_vat9(n: &[u8]) -> bool {
    let (Some(body), Some(c)) = (n.get(..8), n.get(8).copied().and_then(dig)) else {
        return false;
    };
    let r = weighted(body, &[1, 2, 3, 4, 5, 6, 7, 8]).map(|x| x % 11);
    let k = match r {
        Some(10) => weighted(body, &[3, 4, 5, 6, 7, 8, 9, 10]).map(|x| x % 11 % 10),
        other => other,
    };
    k == Some(c)
}

/// A Bulgarian VAT number of ten digits: a person's EGN, a foreigner's
/// personal number (weights 21 19 17 13 11 9 7 3 1, the sum mod 10), or
/// another body's (weights 4 3 2 7 6 5 4 3 2, 11 minus the sum mod 11, a
/// 10 never issued), as python-stdnum reads the NRA's rules.
fn bg_vat10(n: &[u8]) -> bool {
    let (Some(body), Some(c)) = (n.get(..9), n.get(9).copied().and_then(dig)) else {
        return false;
    };
    bg_egn(n)
        || weighted(body, &[21, 19, 17, 13, 11, 9, 7, 3, 1]).is_some_and(|x| x % 10 == c)
        || weighted(body, &[4, 3, 2, 7, 6, 5, 4, 3, 2]).is_some_and(|x| (11 - x % 11) % 11 == c)
}

/// A Czech DIČ of nine digits: a special number starting 6 (its last
/// digit the seven between weighted 8…2, mod 11, plus 8, mod 10), or a
/// person's birth number from before 1954, which has no check digit.
fn cz_dic9(n: &[u8]) -> bool {
    if n.first() == Some(&b'6') {
        let (Some(body), Some(c)) = (n.get(1..8), n.get(8).copied().and_then(dig)) else {
            return false;
        };
        return weighted(body, &[8, 7, 6, 5, 4, 3, 2]).is_some_and(|x| (x % 11 + 8) % 10 == c);
    }
    cz_birth_number_9(n)
}

/// A French VAT number: a two-character key and the SIREN (Luhn; a
/// Monaco company's number starts `000` and is not a SIREN). A key of
/// digits is (12 + 3 × (SIREN mod 97)) mod 97; the newer keys hold a
/// letter of `0-9A-Z` without I and O, and are checked as python-stdnum
/// has the DGFiP's rule.
fn fr_tva(n: &[u8]) -> bool {
    const ALPHA: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let (Some(key), Some(siren)) = (n.get(..2), n.get(2..)) else {
        return false;
    };
    if n.len() != 11 || !siren.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if !siren.starts_with(b"000") && !luhn(siren) {
        return false;
    }
    let Some(sv) = num_of(siren) else {
        return false;
    };
    if key.iter().all(u8::is_ascii_digit) {
        return num_of(key).is_some_and(|k| k == (12 + 3 * (sv % 97)) % 97);
    }
    let idx = |c: u8| ALPHA.iter().position(|&a| a == c).map(|i| i as u64);
    let (Some(&k0), Some(&k1)) = (key.first(), key.get(1)) else {
        return false;
    };
    let (Some(a), Some(b)) = (idx(k0), idx(k1)) else {
        return false;
    };
    let check = if k0.is_ascii_digit() {
        (a * 24 + b).checked_sub(10)
    } else {
        (a * 34 + b).checked_sub(100)
    };
    check.is_some_and(|c| (sv + 1 + c / 11) % 11 == c % 11)
}

/// A UK VAT number (HMRC): the first nine digits weighted 8 7 6 5 4 3 2
/// 10 1, the sum mod 97 is 0, or 42 or 55 (the 9755 series) for numbers
/// from 100 on; three more digits name a branch. Not all zero.
fn gb_vat(n: &[u8]) -> bool {
    if n.len() != 9 && n.len() != 12 {
        return false;
    }
    let Some(nine) = n.get(..9) else { return false };
    let high = nine.get(..3).and_then(num_of).is_some_and(|x| x >= 100);
    weighted(nine, &[8, 7, 6, 5, 4, 3, 2, 10, 1])
        .is_some_and(|x| x % 97 == 0 || (high && matches!(x % 97, 42 | 55)))
}

/// A UK government department's (`GD` and three digits below 500) or
/// health authority's (`HA`, 500 and up) VAT number.
fn gb_vat_body(n: &[u8]) -> bool {
    let x = n.get(2..).filter(|d| d.len() == 3).and_then(num_of);
    match (n.get(..2), x) {
        (Some(b"GD"), Some(x)) => x < 500,
        (Some(b"HA"), Some(x)) => x >= 500,
        _ => false,
    }
}

fn cz_dic8(n: &[u8]) -> bool {
    let (Some(body), Some(c)) = (n.get(..7), n.get(7).copied().and_then(dig)) else {
        return false;
    };
    // (11 - sum mod 11) mod 11, where 0 counts as 1 and 10 as 0.
    n.first() != Some(&b'9')
        && weighted(body, &[8, 7, 6, 5, 4, 3, 2]).is_some_and(|x| {
            let k = (11 - x % 11) % 11;
            (if k == 0 { 1 } else { k }) % 10 == c
        })
}

/// Romania's company code (CUI, CIF): 2-10 digits, not starting with 0,
/// the last a check digit over the rest right-aligned to the weights
/// 7 5 3 2 1 7 5 3 2 (the sum × 10 mod 11, 10 written 0). The same number
/// with `RO` before it is the company's VAT number.
pub fn ro_cui(n: &[u8]) -> bool {
    ro_vat(n)
}

fn ro_vat(n: &[u8]) -> bool {
    if !(2..=10).contains(&n.len()) || n.first() == Some(&b'0') {
        return false;
    }
    let w = [7u32, 5, 3, 2, 1, 7, 5, 3, 2];
    let body = n.get(..n.len() - 1).unwrap_or_default();
    let Some(d) = digits(body) else { return false };
    let off = 9 - d.len();
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, &x)| x * w.get(off + i).copied().unwrap_or(0))
        .sum();
    n.last().copied().and_then(dig) == Some(sum * 10 % 11 % 10)
}

/// `n` with leading zeros up to `N` digits (`N` zeros if longer).
fn zfill<const N: usize>(n: &[u8]) -> [u8; N] {
    let mut out = [b'0'; N];
    if n.len() <= N
        && let Some(dst) = out.get_mut(N - n.len()..)
    {
        dst.copy_from_slice(n);
    }
    out
}

fn nl_vat(n: &[u8]) -> bool {
    // Numbers of fewer than nine digits are written without their leading
    // zeros (`NL4495445B01`).
    if (9..12).contains(&n.len()) && n.get(n.len() - 3) == Some(&b'B') {
        let mut full = [b'0'; 12];
        if let Some(dst) = full.get_mut(12 - n.len()..) {
            dst.copy_from_slice(n);
        }
        return nl_vat(&full);
    }
    // 9 digits, `B` and a two-digit suffix; the nine digits pass the
    // 11-test (weights 9..2, the last one -1) or, for sole proprietors
    // since 2020, `NL` + the whole number passes ISO 7064 mod 97-10.
    if n.len() != 12 || n.get(9) != Some(&b'B') {
        return false;
    }
    let (Some(nine), Some(suffix)) = (n.get(..9), n.get(10..)) else {
        return false;
    };
    if !nine.iter().all(u8::is_ascii_digit)
        || !suffix.iter().all(u8::is_ascii_digit)
        || suffix == b"00"
    {
        return false;
    }
    if nl_bsn(nine) {
        return true;
    }
    let mut v = [0u8; 14];
    let (a, b) = v.split_at_mut(2);
    a.copy_from_slice(b"NL");
    b.copy_from_slice(n);
    mod97_10(&v)
}

fn es_vat(n: &[u8]) -> bool {
    if n.len() != 9 {
        return false;
    }
    let (Some(&first), Some(&last)) = (n.first(), n.last()) else {
        return false;
    };
    let mid = n.get(1..8).unwrap_or_default();
    if first.is_ascii_digit() {
        // A person's NIF: a DNI.
        return es_dni(n.get(..8).unwrap_or_default(), last);
    }
    if matches!(first, b'X' | b'Y' | b'Z') {
        return es_nie(first, mid, last);
    }
    if matches!(first, b'K' | b'L' | b'M') {
        // A NIF of a minor (K), a Spaniard abroad (L) or a foreigner
        // without a NIE (M): the DNI's check letter over the seven digits.
        return mid.iter().all(u8::is_ascii_digit)
            && num_of(mid)
                .is_some_and(|x| b"TRWAGMYFPDXBNJZSQVHLCKE".get((x % 23) as usize) == Some(&last));
    }
    // A company's CIF: letter, 7 digits, check digit or letter.
    if !b"ABCDEFGHJNPQRSUVW".contains(&first) || !mid.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let Some(d) = digits(mid) else { return false };
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 0 {
                let y = x * 2;
                y / 10 + y % 10
            } else {
                x
            }
        })
        .sum();
    let k = (10 - sum % 10) % 10;
    last == b'0' + k as u8 || last == b"JABCDEFGHI".get(k as usize).copied().unwrap_or(0)
}

fn ie_vat(n: &[u8]) -> bool {
    // 7 digits and a check letter (and an optional A or H), or the old
    // form with a letter in second place; checked as a PPS number.
    match n.len() {
        8 | 9 => {
            let (Some(num), Some(&c)) = (n.get(..7), n.get(7)) else {
                return false;
            };
            if num.iter().all(u8::is_ascii_digit) {
                return ie_pps(num, c, n.get(8).copied());
            }
            // The old form (`8Z49289F`): a digit, a letter, `+` or `*`,
            // five digits and the check letter, checked as the number
            // `0`, the five, the first digit.
            let (Some(&d0), Some(&l1), Some(five)) = (n.first(), n.get(1), n.get(2..7)) else {
                return false;
            };
            let mut seven = [b'0'; 7];
            if let Some(dst) = seven.get_mut(1..6) {
                dst.copy_from_slice(five);
            }
            if let Some(x) = seven.get_mut(6) {
                *x = d0;
            }
            n.len() == 8
                && d0.is_ascii_digit()
                && (l1.is_ascii_uppercase() || l1 == b'+' || l1 == b'*')
                && five.iter().all(u8::is_ascii_digit)
                && ie_pps(&seven, c, None)
        }
        _ => false,
    }
}

/// Korean business registration number: 10 digits, weights 1 3 7 1 3 7 1 3
/// 5 plus the tens of the ninth digit times 5, mod 10.
pub fn kr_brn(s: &[u8]) -> bool {
    let Some(d) = digits(s) else { return false };
    if d.len() != 10 {
        return false;
    }
    let w = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let sum: u32 =
        d.iter().zip(w).map(|(&x, w)| x * w).sum::<u32>() + d.get(8).copied().unwrap_or(0) * 5 / 10;
    d.get(9) == Some(&((10 - sum % 10) % 10))
}

/// New Zealand IRD number: 8 or 9 digits in the issued range, mod-11
/// check digit with a second set of weights when the first gives 10.
pub fn nz_ird(s: &[u8]) -> bool {
    let Some(n) = num_of(s) else { return false };
    if !(8..=9).contains(&s.len()) || !(10_000_000..150_000_000).contains(&n) {
        return false;
    }
    let base = n / 10;
    let mut b = [0u8; 8];
    for (k, x) in b.iter_mut().enumerate() {
        *x = b'0' + ((base / 10u64.pow(7 - k as u32)) % 10) as u8;
    }
    let calc = |w: &[u32]| {
        weighted(&b, w).map(|x| match x % 11 {
            0 => 0,
            r => 11 - r,
        })
    };
    let c = match calc(&[3, 2, 7, 6, 5, 4, 3, 2]) {
        Some(10) => calc(&[7, 4, 3, 2, 5, 2, 7, 6]),
        other => other,
    };
    c.is_some_and(|c| c != 10 && u64::from(c) == n % 10)
}

/// Thai national id: 13 digits, first 1-8, weights 13..2, mod-11 check
/// digit (mod 10).
pub fn th_national_id(s: &[u8]) -> bool {
    matches!(s.first(), Some(b'1'..=b'8')) && thai_check(s)
}

/// German identity card number (since 2010): nine characters from the
/// card alphabet (no vowels, no B D Q S) and an ICAO check digit.
pub fn de_id_card(s: &[u8]) -> bool {
    const ALPHA: &[u8] = b"CFGHJKLMNPRTVWXYZ0123456789";
    s.len() == 10
        && s.first()
            .is_some_and(|c| c.is_ascii_uppercase() && ALPHA.contains(c))
        && s.iter().take(9).all(|c| ALPHA.contains(c))
        && s.get(9)
            .is_some_and(|&c| mrz_check(s.get(..9).unwrap_or_default(), c))
}

/// The nine-character serial printed on a German identity card or
/// passport (the MRZ adds a check digit after it): a letter of the
/// serial alphabet, then eight of letters and digits from it (no vowels,
/// no B, D, Q, S). It has no check of its own: reported next to its
/// words only.
pub fn de_id_serial(s: &[u8]) -> bool {
    const ALPHA: &[u8] = b"CFGHJKLMNPRTVWXYZ0123456789";
    s.len() == 9
        && s.first()
            .is_some_and(|c| c.is_ascii_uppercase() && ALPHA.contains(c))
        && s.iter().all(|c| ALPHA.contains(c))
}

/// A Russian internal passport's series and number (MVD order 851): ten
/// digits, the series being the issuing region's OKATO code (`01`-`99`)
/// and the last two digits of the year the blank was printed (forms of
/// 1997 on: `97`-`99`, `00`-`39`), then a six-digit number. No check digit.
pub fn ru_passport(s: &[u8]) -> bool {
    let (Some(region), Some(year), Some(number)) = (
        s.get(..2).and_then(num_of),
        s.get(2..4).and_then(num_of),
        s.get(4..).and_then(num_of),
    ) else {
        return false;
    };
    s.len() == 10 && region != 0 && !(40..97).contains(&year) && number != 0
}

/// The shapes passport numbers take. ICAO 9303 allows up to nine letters
/// and digits and leaves the rest to the issuer; these are the issuers'
/// formats, upper case, eight or nine characters: one to three letters
/// then digits (`YA1234567`
/// Italy, `PAA123456` Spain, `A1234567` India, `AB123456` Canada,
/// `N1234567` Australia, `TK1234567` Japan, `M12345678` Korea), Korea's
/// `M123A4567`, France's `09AA12345`, nine digits (the UK, the US), or
/// eight or nine letters and digits starting with a letter with at least
/// three digits (Germany's serial alphabet, the Netherlands',
/// Luxembourg's `JCU9J4T2`). There is no
/// check digit outside the MRZ: the shape only narrows what a passport
/// word beside it may point at. (Not seven characters: a letter and six
/// digits after `passport number` is Presidio's example of a number that
/// is none, though Portugal's passports have that shape.)
pub fn passport_number(s: &[u8]) -> bool {
    let n = s.len();
    if !(8..=9).contains(&n)
        || !s
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return false;
    }
    let letters = s.iter().take_while(|c| c.is_ascii_uppercase()).count();
    let rest = s.get(letters..).unwrap_or_default();
    if rest.iter().all(u8::is_ascii_digit) {
        return (letters == 0 && n == 9) || (letters <= 3 && (6..=8).contains(&rest.len()));
    }
    let digits_at =
        |r: std::ops::Range<usize>| s.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let letters_at = |r: std::ops::Range<usize>| {
        s.get(r)
            .is_some_and(|x| x.iter().all(u8::is_ascii_uppercase))
    };
    if n == 9 && digits_at(0..2) && letters_at(2..4) && digits_at(4..9) {
        return true;
    }
    let digits = s.iter().filter(|c| c.is_ascii_digit()).count();
    letters >= 1 && digits >= 3
}

/// A vehicle identification number (ISO 3779): 17 characters of digits
/// and upper-case letters without `I`, `O` and `Q`, the model year's code
/// (10th) not `U`, `Z` or `0`. `None` if it is not that shape (or is one
/// character repeated, as forms' placeholders are); otherwise whether the
/// 9th character is the check digit North American VINs carry (49 CFR
/// 565.15: letters transliterated, weights 8 7 6 5 4 3 2 10 0 9 8 7 6 5 4
/// 3 2, the sum mod 11, 10 written `X`). European VINs need not carry it;
/// one made for North America (a world manufacturer identifier starting
/// `1` to `5`: the United States, Canada, Mexico) must, so one whose check
/// fails is no VIN at all.
pub fn vin(s: &[u8]) -> Option<bool> {
    const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    if s.len() != 17 || s.iter().all(|&c| Some(&c) == s.first()) {
        return None;
    }
    let value = |c: u8| -> Option<u32> {
        match c {
            b'0'..=b'9' => Some(u32::from(c - b'0')),
            b'A'..=b'H' => Some(u32::from(c - b'A') + 1),
            b'J'..=b'N' => Some(u32::from(c - b'J') + 1),
            b'P' => Some(7),
            b'R' => Some(9),
            b'S'..=b'Z' => Some(u32::from(c - b'S') + 2),
            _ => None,
        }
    };
    let mut sum = 0;
    for (&c, w) in s.iter().zip(WEIGHTS) {
        sum += value(c)? * w;
    }
    if matches!(s.get(9), Some(b'U' | b'Z' | b'0')) || !s.iter().any(u8::is_ascii_digit) {
        return None;
    }
    let check = match sum % 11 {
        10 => b'X',
        d => b'0' + d as u8,
    };
    let ok = s.get(8) == Some(&check);
    if !ok && matches!(s.first(), Some(b'1'..=b'5')) {
        return None;
    }
    Some(ok)
}

/// A German tax number (Steuernummer) in the federal 13-digit form: the
/// state's code (`28` Baden-Württemberg, `9` Bavaria, `11` Berlin, `30`
/// Brandenburg, `24` Bremen, `22` Hamburg, `26` Hesse, `40`
/// Mecklenburg-Vorpommern, `23` Lower Saxony, `5` North Rhine-Westphalia,
/// `27` Rhineland-Palatinate, `10` Saarland, `32` Saxony, `31`
/// Saxony-Anhalt, `21` Schleswig-Holstein, `41` Thuringia), then the
/// office, with a `0` as the fifth digit in every state's layout. The
/// states' own 10- and 11-digit forms carry only a check digit whose
/// method differs by state: they are taken as any number that is not a
/// placeholder (one digit repeated, a plain run).
pub fn de_steuernummer(s: &[u8]) -> bool {
    let same = s.iter().all(|&c| Some(&c) == s.first());
    // A plain run, on past 9 to 0 too (`1234567890`).
    let run = s
        .windows(2)
        .all(|w| matches!(w, [a, b] if *b == *a + 1 || (*a == b'9' && *b == b'0')));
    if same || run || !s.iter().all(u8::is_ascii_digit) {
        return false;
    }
    match s.len() {
        10 | 11 => true,
        13 => {
            const STATES: &[&[u8]] = &[
                b"28", b"9", b"11", b"30", b"24", b"22", b"26", b"40", b"23", b"5", b"27", b"10",
                b"32", b"31", b"21", b"41",
            ];
            s.get(4) == Some(&b'0') && STATES.iter().any(|st| s.starts_with(st))
        }
        _ => false,
    }
}

/// Singapore Unique Entity Number (UEN), in its three forms: a business
/// (8 digits and a check letter, weights 10 4 9 3 8 2 7 1, `XMKECAWLJDB`
/// by the sum mod 11), a local company (year of registration, 5 digits
/// and a check letter, weights 10 8 6 4 9 7 5 3 1, `ZKCMDNERGWH`), or
/// another entity (`T`, `S` or `R` for the century, two digits of year,
/// a two-letter entity type, 4 digits and a check character).
pub fn sg_uen(s: &[u8]) -> bool {
    const OTHER: &[&[u8; 2]] = &[
        b"CC", b"CD", b"CH", b"CL", b"CM", b"CP", b"CS", b"CX", b"DP", b"FB", b"FC", b"FM", b"FN",
        b"GA", b"GB", b"GS", b"HS", b"LL", b"LP", b"MB", b"MC", b"MD", b"MH", b"MM", b"MQ", b"NB",
        b"NR", b"PA", b"PB", b"PF", b"RF", b"RP", b"SM", b"SS", b"TC", b"TU", b"VH", b"XL",
    ];
    let Some((&last, body)) = s.split_last() else {
        return false;
    };
    let digits = body.iter().all(u8::is_ascii_digit);
    let sum = |w: &[u32]| -> u32 {
        body.iter()
            .zip(w)
            .map(|(&c, &w)| u32::from(c - b'0') * w)
            .sum()
    };
    let pick = |table: &[u8], i: u32| table.get(i as usize).copied();
    match s.len() {
        9 if digits => pick(b"XMKECAWLJDB", sum(&[10, 4, 9, 3, 8, 2, 7, 1]) % 11) == Some(last),
        10 if digits => {
            let year = body.get(..4).and_then(num_of).unwrap_or(0);
            (1800..=2100).contains(&year)
                && pick(b"ZKCMDNERGWH", sum(&[10, 8, 6, 4, 9, 7, 5, 3, 1]) % 11) == Some(last)
        }
        10 => {
            const ALPHA: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWX0123456789";
            let ok = matches!(body.first(), Some(b'R' | b'S' | b'T'))
                && body
                    .get(1..3)
                    .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
                && body
                    .get(3..5)
                    .is_some_and(|k| OTHER.iter().any(|o| o[..] == *k))
                && body
                    .get(5..)
                    .is_some_and(|d| d.iter().all(u8::is_ascii_digit));
            if !ok {
                return false;
            }
            let mut total: i64 = 0;
            for (&c, w) in body.iter().zip([4i64, 3, 5, 3, 10, 2, 2, 5, 7]) {
                let Some(i) = ALPHA.iter().position(|&a| a == c) else {
                    return false;
                };
                total += i as i64 * w;
            }
            ALPHA.get((total - 5).rem_euclid(11) as usize) == Some(&last)
        }
        _ => false,
    }
}

/// Spanish social security number (NSS): province (01-53, or 66, which
/// other validators and Faker also issue), eight digits and two check
/// digits, the ten digits mod 97. The TGSS reads a number below ten
/// million as province × 10⁷ + number; many programs (Faker among them)
/// take the ten digits as written, so both readings are accepted there.
pub fn es_nss(s: &[u8]) -> bool {
    let (Some(p), Some(n), Some(c)) = (
        s.get(..2).and_then(num_of),
        s.get(2..10).and_then(num_of),
        s.get(10..).and_then(num_of),
    ) else {
        return false;
    };
    if s.len() != 12 || !((1..=53).contains(&p) || p == 66) {
        return false;
    }
    (p * 100_000_000 + n) % 97 == c || (n < 10_000_000 && (p * 10_000_000 + n) % 97 == c)
}

/// Portuguese citizen card number (Cartão de Cidadão), 12 characters:
/// nine digits (the civil id and its check digit), two of `A-Z0-9` (the
/// card's version) and a check digit: Luhn over the values 0-35 of
/// `0-9A-Z`, a doubled value over 9 less 9.
pub fn pt_cc(s: &[u8]) -> bool {
    let [body @ .., check] = s else { return false };
    if s.len() != 12
        || !body.iter().take(9).all(u8::is_ascii_digit)
        || !body
            .iter()
            .skip(9)
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return false;
    }
    let value = |c: u8| {
        u32::from(if c.is_ascii_digit() {
            c - b'0'
        } else {
            c - b'A' + 10
        })
    };
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &c)| {
            let x = value(c);
            if i % 2 == 0 {
                let d = x * 2;
                if d > 9 { d - 9 } else { d }
            } else {
                x
            }
        })
        .sum();
    dig(*check) == Some((10 - sum % 10) % 10)
}

/// Portuguese NIF: 9 digits, first 1-3, 5, 6, 8 or 9, weights 9..2,
/// mod-11 check digit (10 and 11 give 0).
pub fn pt_nif(s: &[u8]) -> bool {
    let (Some(body), Some(&c)) = (s.get(..8), s.get(8)) else {
        return false;
    };
    // The first digits name the holder (AT): 1-3 people, 45 non-resident
    // people, 5 companies, 6 public bodies, 70, 74 and 75 estates, 71
    // non-resident companies, 72 investment funds, 77 numbers the office
    // assigns, 78 non-residents' refunds, 79 exceptional regimes, 8 sole
    // traders, 9 condominiums and civil companies.
    let head = matches!(s.first(), Some(b'1'..=b'3' | b'5' | b'6' | b'8' | b'9'))
        || matches!(
            s.get(..2),
            Some(b"45" | b"70" | b"71" | b"72" | b"74" | b"75" | b"77" | b"78" | b"79")
        );
    s.len() == 9
        && head
        && weighted(body, &[9, 8, 7, 6, 5, 4, 3, 2])
            .is_some_and(|x| dig(c) == Some((11 - x % 11) % 11 % 10))
}

/// Italian partita IVA: 11 digits, an office code 001-100, 120, 121, 888
/// or 999, Luhn.
pub fn it_partita_iva(s: &[u8]) -> bool {
    let office = s.get(7..10).and_then(num_of).unwrap_or(0);
    s.len() == 11
        && s.get(..7) != Some(b"0000000")
        && matches!(office, 1..=100 | 120 | 121 | 888 | 999)
        && luhn(s)
}

/// Czech company id (IČO): 8 digits, weights 8..2, check (11 - sum mod
/// 11) mod 11 with 0 counting as 1, mod 10.
pub fn cz_ico(s: &[u8]) -> bool {
    s.len() == 8 && s.iter().all(u8::is_ascii_digit) && cz_dic8(s)
}

/// Estonian registry code (registrikood): 8 digits starting 1, 7, 8 or 9,
/// the isikukood's two-pass mod-11 check digit.
pub fn ee_registrikood(s: &[u8]) -> bool {
    if s.len() != 8 || !matches!(s.first(), Some(b'1' | b'7' | b'8' | b'9')) {
        return false;
    }
    let (Some(body), Some(&c)) = (s.get(..7), s.get(7)) else {
        return false;
    };
    let first = weighted(body, &[1, 2, 3, 4, 5, 6, 7]).map(|x| x % 11);
    let check = match first {
        Some(10) => weighted(body, &[3, 4, 5, 6, 7, 8, 9]).map(|x| x % 11 % 10),
        other => other,
    };
    check.is_some_and(|k| dig(c) == Some(k))
}

/// Spanish company tax code (CIF): an organisation letter, 7 digits and a
/// check digit or letter (`JABCDEFGHI`) from the Luhn-like sum.
pub fn es_cif(s: &[u8]) -> bool {
    s.len() == 9 && s.first().is_some_and(|c| b"ABCDEFGHJNPQRSUVW".contains(c)) && es_vat(s)
}

/// Canadian business number (BN9): 9 digits, Luhn.
pub fn ca_bn(s: &[u8]) -> bool {
    s.len() == 9 && luhn(s)
}

/// Mexican CURP: 18 characters — four name letters, YYMMDD, sex, state,
/// three letters (RENAPO writes the names' inner consonants there, but
/// generators such as Faker put any letter in the last, and the check
/// digit holds either way), a homoclave (a digit before 2000, a letter
/// after) and a check digit over the base-37 alphabet with weights 18..2.
pub fn mx_curp(s: &[u8]) -> bool {
    const ALPHA: &[u8] = b"0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ";
    const STATES: &[&[u8; 2]] = &[
        b"AS", b"BC", b"BS", b"CC", b"CL", b"CM", b"CS", b"CH", b"DF", b"DG", b"GT", b"GR", b"HG",
        b"JC", b"MC", b"MN", b"MS", b"NT", b"NL", b"OC", b"PL", b"QT", b"QR", b"SP", b"SL", b"SR",
        b"TC", b"TS", b"TL", b"VZ", b"YN", b"ZS", b"NE",
    ];
    if s.len() != 18 {
        return false;
    }
    let f = |a: usize, b: usize| s.get(a..b).unwrap_or_default();
    if !f(0, 4).iter().all(u8::is_ascii_uppercase)
        || !f(4, 10).iter().all(u8::is_ascii_digit)
        || !matches!(s.get(10), Some(b'H' | b'M' | b'X'))
        || !STATES.iter().any(|st| f(11, 13) == &st[..])
        || !f(13, 16).iter().all(u8::is_ascii_uppercase)
        || !s.get(16).is_some_and(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    let d = digits(f(4, 10)).map(|d| d.to_vec()).unwrap_or_default();
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    let century = if s.get(16).is_some_and(u8::is_ascii_digit) {
        1900
    } else {
        2000
    };
    if !valid_date(
        century + g(0) * 10 + g(1),
        g(2) * 10 + g(3),
        g(4) * 10 + g(5),
    ) {
        return false;
    }
    let mut sum = 0u32;
    for (i, c) in s.iter().take(17).enumerate() {
        let Some(v) = ALPHA.iter().position(|a| a == c) else {
            return false;
        };
        sum += v as u32 * (18 - i as u32);
    }
    s.get(17).copied().and_then(dig) == Some((10 - sum % 10) % 10)
}

/// Luhn in base 16 over hex digits (either case): 0 for a valid number
/// whose last digit is its check digit. A doubled value of 16 or more
/// counts as the sum of its two hex digits.
fn luhn16_sum(s: &[u8]) -> Option<u32> {
    let mut sum = 0u32;
    for (i, &c) in s.iter().rev().enumerate() {
        let x = char::from(c).to_digit(16)?;
        sum += if i % 2 == 1 {
            let y = x * 2;
            y / 16 + y % 16
        } else {
            x
        };
    }
    Some(sum % 16)
}

/// MEID in hex (3GPP2 S.R0048): 14 hex digits — a regional code of A0-FF
/// (lower values are IMEIs, written in decimal), a manufacturer code and
/// a serial — optionally followed by its check digit, Luhn in base 16.
/// Either case.
pub fn meid_hex(s: &[u8]) -> bool {
    if !matches!(s.len(), 14 | 15)
        || !s.iter().all(u8::is_ascii_hexdigit)
        || !s
            .first()
            .is_some_and(|c| matches!(c, b'A'..=b'F' | b'a'..=b'f'))
    {
        return false;
    }
    s.len() == 14 || luhn16_sum(s) == Some(0)
}

/// MEID in decimal: the manufacturer code (32 bits, regional code A0-FF)
/// as 10 digits and the serial (24 bits) as 8, optionally followed by a
/// Luhn check digit over the 18.
pub fn meid_dec(s: &[u8]) -> bool {
    let (Some(m), Some(serial)) = (s.get(..10).and_then(num_of), s.get(10..18).and_then(num_of))
    else {
        return false;
    };
    let fields = (0xA000_0000..=0xFFFF_FFFF).contains(&m) && serial <= 0xFF_FFFF;
    match s.len() {
        18 => fields,
        19 => fields && luhn(s),
        _ => false,
    }
}

/// UK Unique Taxpayer Reference (HMRC): 10 digits, the first a check
/// digit over the other nine with weights 6 7 8 9 10 5 4 3 2: the
/// remainder mod 11 picks it from `21987654321`.
pub fn uk_utr(s: &[u8]) -> bool {
    let (Some(&c), Some(body)) = (s.first(), s.get(1..)) else {
        return false;
    };
    s.len() == 10
        && weighted(body, &[6, 7, 8, 9, 10, 5, 4, 3, 2])
            .is_some_and(|x| b"21987654321".get((x % 11) as usize) == Some(&c))
}

/// Mexican tax id (RFC, SAT): 4 letters of a person's name or 3 of a
/// company's, the birth or incorporation date YYMMDD, a two-character
/// homoclave and a check character (`0`-`9` or `A`) over the rest, in the
/// CURP alphabet with weights 13..2. Names with `Ñ` or `&` are not read
/// (not ASCII letters); the generic RFCs of invoices to the public and to
/// foreigners (`XAXX010101000`, `XEXX010101000`) are not anyone's.
pub fn mx_rfc(s: &[u8]) -> bool {
    mx_rfc_shape(s) && mx_rfc_check(s)
}

/// A Mexican RFC's shape: 3 (company) or 4 (person) letters, a date
/// YYMMDD that exists, and a homoclave of two characters the SAT uses,
/// then the check character (not checked here: about 1.5% of the numbers
/// in use have a wrong one, python-stdnum notes).
pub fn mx_rfc_shape(s: &[u8]) -> bool {
    let letters = match s.len() {
        13 => 4,
        12 => 3,
        _ => return false,
    };
    let f = |a: usize, b: usize| s.get(a..b).unwrap_or_default();
    let date = f(letters, letters + 6);
    let home = f(letters + 6, letters + 8);
    if !f(0, letters).iter().all(u8::is_ascii_uppercase)
        || !date.iter().all(u8::is_ascii_digit)
        || !home
            .first()
            .is_some_and(|c| matches!(c, b'1'..=b'9' | b'A'..=b'V'))
        || !home
            .get(1)
            .is_some_and(|c| matches!(c, b'1'..=b'9' | b'A'..=b'Z'))
        || s == b"XAXX010101000"
        || s == b"XEXX010101000"
    {
        return false;
    }
    let d = |i: usize| date.get(i).map_or(0, |c| u32::from(c - b'0'));
    // The century is not written: any valid day of 1900-2099 (2000 is a
    // leap year, so 29 February of a year 00 is allowed).
    if !valid_date(2000 + d(0) * 10 + d(1), d(2) * 10 + d(3), d(4) * 10 + d(5)) {
        return false;
    }
    matches!(s.last(), Some(b'0'..=b'9' | b'A'))
}

/// An RFC's check character (mod 11 over the base-37 alphabet); `s` has
/// the shape [`mx_rfc_shape`] checks.
fn mx_rfc_check(s: &[u8]) -> bool {
    const ALPHA: &[u8] = b"0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ";
    let letters = if s.len() == 13 { 4 } else { 3 };
    // Right-aligned in 12 positions: a company's number starts one place
    // later, after a space (value 37).
    let mut sum = if letters == 3 { 37 * 13 } else { 0 };
    let first_weight = if letters == 3 { 12 } else { 13 };
    for (i, c) in s.iter().take(s.len() - 1).enumerate() {
        let Some(v) = ALPHA.iter().position(|a| a == c) else {
            return false;
        };
        sum += v as u32 * (first_weight - i as u32);
    }
    let k = (11 - sum % 11) % 11;
    let want = if k == 10 { b'A' } else { b'0' + k as u8 };
    s.last() == Some(&want)
}

/// First-generation Chinese resident id (1984-2004): 15 digits — the
/// address code (a valid province), the birth date YYMMDD of the 1900s
/// and a three-digit sequence, without a check digit.
pub fn cn_resident_id_15(s: &[u8]) -> bool {
    let Some(d) = (s.len() == 15).then(|| digits(s)).flatten() else {
        return false;
    };
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    cn_region(s)
        && valid_date(
            1900 + g(6) * 10 + g(7),
            g(8) * 10 + g(9),
            g(10) * 10 + g(11),
        )
}

/// A date field YYMMDD of a machine-readable zone: digits, a month and a
/// day that exist in some year.
fn mrz_date(f: &[u8]) -> bool {
    let Some(d) = (f.len() == 6).then(|| digits(f)).flatten() else {
        return false;
    };
    let g = |i: usize| d.get(i).copied().unwrap_or(0);
    valid_date(2000, g(2) * 10 + g(3), g(4) * 10 + g(5))
}

fn mrz_chars(s: &[u8]) -> bool {
    s.iter()
        .all(|&c| c == b'<' || c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Line 2 of a TD2 machine-readable zone (ICAO 9303 part 6, 36
/// characters: older ID cards, visas): document number, nationality,
/// birth date, sex, expiry, optional data and the composite, each field
/// with its 7-3-1 check digit.
pub fn mrz_td2_line2(s: &[u8]) -> bool {
    if s.len() != 36 || !mrz_chars(s) {
        return false;
    }
    let f = |a: usize, b: usize| s.get(a..b).unwrap_or_default();
    let c = |i: usize| s.get(i).copied().unwrap_or(0);
    let nat_ok = f(10, 13)
        .iter()
        .all(|&x| x.is_ascii_uppercase() || x == b'<');
    let mut composite = [0u8; 31];
    for (dst, &src) in composite
        .iter_mut()
        .zip(f(0, 10).iter().chain(f(13, 20)).chain(f(21, 35)))
    {
        *dst = src;
    }
    nat_ok
        && matches!(c(20), b'M' | b'F' | b'<' | b'X')
        && mrz_date(f(13, 19))
        && mrz_date(f(21, 27))
        && mrz_check(f(0, 9), c(9))
        && mrz_check(f(13, 19), c(19))
        && mrz_check(f(21, 27), c(27))
        && mrz_check(&composite, c(35))
}

/// Lines 1 and 2 of a TD1 machine-readable zone (ICAO 9303 part 5, three
/// lines of 30: ID cards): line 1 holds the document code, issuing state,
/// document number and its check digit (or, for a number longer than
/// nine characters, `<` there and the rest of the number and its check
/// digit at the start of the optional data); line 2 the birth date, sex,
/// expiry and nationality with their check digits, and the composite
/// over both lines.
pub fn mrz_td1(line1: &[u8], line2: &[u8]) -> bool {
    if line1.len() != 30 || line2.len() != 30 || !mrz_chars(line1) || !mrz_chars(line2) {
        return false;
    }
    let a = |x: usize, y: usize| line1.get(x..y).unwrap_or_default();
    let b = |x: usize, y: usize| line2.get(x..y).unwrap_or_default();
    let c1 = |i: usize| line1.get(i).copied().unwrap_or(0);
    let c2 = |i: usize| line2.get(i).copied().unwrap_or(0);
    let code_ok = matches!(c1(0), b'A' | b'C' | b'I')
        && (c1(1).is_ascii_uppercase() || c1(1) == b'<')
        && a(2, 5).iter().all(|&x| x.is_ascii_uppercase() || x == b'<');
    // The document number and its check digit.
    let number_ok = if c1(14) == b'<' {
        // Long number: its last characters and check digit end at the
        // first filler of the optional data.
        let rest = a(15, 30);
        let n = rest.iter().position(|&x| x == b'<').unwrap_or(rest.len());
        let mut full = [0u8; 24];
        let len = 9 + n.saturating_sub(1);
        for (dst, &src) in full.iter_mut().zip(
            a(5, 14)
                .iter()
                .chain(rest.get(..n.saturating_sub(1)).unwrap_or_default()),
        ) {
            *dst = src;
        }
        n >= 2
            && mrz_check(
                full.get(..len).unwrap_or_default(),
                rest.get(n - 1).copied().unwrap_or(0),
            )
    } else {
        mrz_check(a(5, 14), c1(14))
    };
    let mut composite = [0u8; 25 + 7 + 7 + 11];
    for (dst, &src) in composite.iter_mut().zip(
        a(5, 30)
            .iter()
            .chain(b(0, 7))
            .chain(b(8, 15))
            .chain(b(18, 29)),
    ) {
        *dst = src;
    }
    code_ok
        && number_ok
        && matches!(c2(7), b'M' | b'F' | b'<' | b'X')
        && b(15, 18)
            .iter()
            .all(|&x| x.is_ascii_uppercase() || x == b'<')
        && mrz_date(b(0, 6))
        && mrz_date(b(8, 14))
        && mrz_check(b(0, 6), c2(6))
        && mrz_check(b(8, 14), c2(14))
        && mrz_check(&composite, c2(29))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// A Portuguese citizen card number with any one of its nine digits
        /// changed fails its check (the two version characters are letters
        /// or digits: a letter changed by 9 or 18 can keep it).
        #[test]
        fn pt_cc_catches_one_changed_character(
            d in proptest::collection::vec(b'0'..=b'9', 9),
            l in proptest::collection::vec(b'A'..=b'Z', 2),
            at in 0usize..9,
            step in 1u8..10,
        ) {
            let mut v: Vec<u8> = d.iter().chain(&l).copied().collect();
            let check = (0..=9u8).find(|c| {
                let mut w = v.clone();
                w.push(b'0' + c);
                pt_cc(&w)
            });
            proptest::prop_assert!(check.is_some(), "no check digit fits {:?}", v);
            v.push(b'0' + check.unwrap_or(0));
            let mut bad = v.clone();
            if let Some(c) = bad.get_mut(at) {
                *c = b'0' + (*c - b'0' + step) % 10;
            }
            proptest::prop_assert!(!pt_cc(&bad), "{:?}", bad);
        }

        /// The 16-digit SWAR path agrees with the digit loop, and refuses
        /// any non-digit byte.
        #[test]
        fn luhn16_matches_the_loop(
            d in proptest::collection::vec(b'0'..=b'9', 16),
            bad in 0usize..32,
            b in proptest::prelude::any::<u8>(),
        ) {
            let mut a = [0u8; 16];
            a.copy_from_slice(&d);
            let want = luhn_sum(&a).is_some_and(|s| s % 10 == 0);
            proptest::prop_assert_eq!(luhn16(&a), want);
            if let Some(x) = a.get_mut(bad) {
                *x = b;
            }
            let want = luhn_sum(&a).is_some_and(|s| s % 10 == 0);
            proptest::prop_assert_eq!(luhn16(&a), want);
        }

        /// Every length agrees with the byte loop (shorter numbers are
        /// checked as 16 digits after leading zeros).
        #[test]
        fn luhn_matches_the_sum_at_every_length(
            d in proptest::collection::vec(b'0'..=b'9', 0..24),
            bad in 0usize..30,
            b in proptest::prelude::any::<u8>(),
        ) {
            let want = |a: &[u8]| !a.is_empty() && luhn_sum(a).is_some_and(|s| s % 10 == 0);
            let mut a = d.clone();
            proptest::prop_assert_eq!(luhn(&a), want(&a));
            if let Some(x) = a.get_mut(bad) {
                *x = b;
            }
            proptest::prop_assert_eq!(luhn(&a), want(&a));
            // A valid number of each length passes.
            if !d.is_empty() {
                let mut v = d.clone();
                for c in b'0'..=b'9' {
                    if let Some(x) = v.last_mut() {
                        *x = c;
                    }
                    if want(&v) {
                        proptest::prop_assert!(luhn(&v));
                    }
                }
            }
        }

        /// Eight digits at a time agrees with the byte loop on strings of
        /// digits and capitals with a stray byte anywhere, from any
        /// starting remainder.
        #[test]
        fn mod97_fold_matches_the_byte_loop(
            d in proptest::collection::vec(
                proptest::prop_oneof![8 => b'0'..=b'9', 1 => b'A'..=b'Z'], 0..40),
            bad in 0usize..60,
            b in proptest::prelude::any::<u8>(),
            r in 0u64..1_000_000,
        ) {
            let mut a = d.clone();
            proptest::prop_assert_eq!(mod97_fold(r, &a), mod97_bytes(r, &a));
            if let Some(x) = a.get_mut(bad) {
                *x = b;
            }
            proptest::prop_assert_eq!(mod97_fold(r, &a), mod97_bytes(r, &a));
        }
    }

    #[test]
    fn all_digits_is_the_byte_test() {
        for len in 0..20 {
            let mut a = vec![b'7'; len];
            assert!(all_digits(&a));
            for pos in 0..len {
                for b in 0..=255u8 {
                    a[pos] = b;
                    assert_eq!(
                        all_digits(&a),
                        b.is_ascii_digit(),
                        "byte {b} at {pos} of {len}"
                    );
                }
                a[pos] = b'0';
            }
        }
    }

    #[test]
    fn iban_length_table_matches_the_layouts() {
        for a in 0..=255u8 {
            for b in [b'A', b'D', b'E', b'L', b'R', b'Z', b'a', b'0', 0x80] {
                let cc = [a, b];
                let want = iban_format(&cc).map(|f| bban_len(f) + 4);
                assert_eq!(iban_length(&cc), want, "{cc:?}");
                let cc = [b, a];
                let want = iban_format(&cc).map(|f| bban_len(f) + 4);
                assert_eq!(iban_length(&cc), want, "{cc:?}");
            }
        }
        assert_eq!(iban_length(b"DE"), Some(22));
        assert_eq!(iban_length(b"FR"), Some(27));
        assert_eq!(iban_length(b"D"), None);
    }

    #[test]
    fn eight_digits_reads_every_digit_and_refuses_every_other_byte() {
        assert_eq!(eight_digits(b"12345678"), Some(12_345_678));
        assert_eq!(eight_digits(b"00000000"), Some(0));
        assert_eq!(eight_digits(b"99999999"), Some(99_999_999));
        assert_eq!(eight_digits(b"1234567"), None);
        for pos in 0..8 {
            for b in 0..=255u8 {
                let mut a = *b"90817263";
                a[pos] = b;
                let want = b
                    .is_ascii_digit()
                    .then(|| a.iter().fold(0u64, |v, &c| v * 10 + u64::from(c - b'0')));
                assert_eq!(eight_digits(&a), want, "byte {b} at {pos}");
            }
        }
    }

    #[test]
    fn luhn16_refuses_every_non_digit_byte_anywhere() {
        for pos in 0..16 {
            for b in 0..=255u8 {
                let mut a = *b"4111111111111111";
                a[pos] = b;
                let want = luhn_sum(&a).is_some_and(|s| s % 10 == 0);
                assert_eq!(luhn16(&a), want, "byte {b} at {pos}");
            }
        }
    }

    #[test]
    fn published_examples() {
        assert!(luhn(b"4111111111111111"));
        assert!(!luhn(b"4111111111111112"));
        assert!(iban(b"GB82WEST12345698765432"));
        assert!(!iban(b"GB82WEST12345698765433"));
        assert!(verhoeff(b"2363"));
        assert!(!verhoeff(b"2364"));
        assert!(uk_nhs(b"9434765919"));
        assert!(!uk_nhs(b"9434765918"));
        assert!(us_npi(b"1234567893"));
        assert!(!us_npi(b"1234567894"));
        assert!(aba_routing(b"021000021"));
        assert!(!aba_routing(b"021000022"));
        assert!(nl_bsn(b"111222333"));
        assert!(es_dni(b"12345678", b'Z'));
        for u in [
            "53125226D",
            "201434292D",
            "T16RF0037C",
            "S57TU0392K",
            "R16RF0037F",
        ] {
            assert!(sg_uen(u.as_bytes()), "{u}");
        }
        assert!(!sg_uen(b"53125226E") && !sg_uen(b"201434292E") && !sg_uen(b"T16RF0037D"));
        assert!(!sg_uen(b"T16QQ0037C"));
        assert!(de_id_serial(b"L01X00T44") && de_id_serial(b"T22000129"));
        assert!(!de_id_serial(b"A01X00T44") && !de_id_serial(b"L01X00T4"));
        assert!(de_rvnr(b"65170839J003"));
        assert!(de_rvnr(b"15070649C103"));
        assert!(de_rvnr(b"15070649c103"));
        assert!(!de_rvnr(b"15070649C104"));
        assert!(!de_rvnr(b"15070649D103"));
        assert!(!de_rvnr(b"15320649C103"));
        assert!(es_nie(b'X', b"1234567", b'L'));
        assert!(it_codice_fiscale(b"RSSMRA85T10A562S"));
        assert!(de_tax_id(b"86095742719"));
        assert!(au_tfn(b"123456782"));
        assert!(us_dea(b"AB1234563"));
        assert!(base58check(b"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"));
        assert!(!base58check(b"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"));
        assert!(bech32(b"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"));
        // age's own test vector (filippo.io/age, testdata).
        assert!(age_secret_key(
            b"AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"
        ));
        assert!(!age_secret_key(
            b"AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEY"
        ));
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        // The token of cordon's examples/engineering bundle, generated with
        // GitHub's scheme.
        assert!(github_token_checksum(
            b"EYZPWapO5VAyUS6GzM4wwyzXNWqcQz3TVFXd"
        ));
        assert!(!github_token_checksum(
            b"EYZPWapO5VAyUS6GzM4wwyzXNWqcQz3TVFXe"
        ));
        assert!(!github_token_checksum(
            b"16C7e42F292c6912E7710c838347Ae178B4a"
        ));
        assert!(pypi_macaroon(
            b"AgEIcHlwaS5vcmcCJDU3OTM5MjQ5LWE3NzAtNDQwMS1hMzJhLTM4OWZmNGQ0MmRiMwACKlsz"
        ));
        assert!(!pypi_macaroon(
            b"AgEIcHlwaS5vcmczV8fUkkibjL5DZPjN0MEQ7wjJJibaZUPgHV7iB3m03nbqn"
        ));
        assert!(!bech32(b"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"));
        assert_eq!(
            eip55(b"5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            Some(true)
        );
        assert_eq!(
            eip55(b"5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"),
            Some(false)
        );
        assert!(fi_hetu(b"131052", b"308", b'T'));
        // Respect/Validation's CNH and PIS test values, and one digit
        // changed (a check digit, a body digit), cut or repeated.
        type Check = fn(&[u8]) -> bool;
        type Values = [&'static [u8]; 4];
        let cases: [(Check, Values, Values); 2] = [
            (
                br_cnh,
                [
                    b"02650306461",
                    b"04397322870",
                    b"00739751580",
                    b"03375637504",
                ],
                [
                    b"02650306462",
                    b"02650306471",
                    b"11111111111",
                    b"0265030646",
                ],
            ),
            (
                br_pis,
                [
                    b"12044546835",
                    b"12089950848",
                    b"12051468577",
                    b"12001842459",
                ],
                [
                    b"12044546836",
                    b"12144546835",
                    b"00000000000",
                    b"1204454683",
                ],
            ),
        ];
        for (check, good, bad) in cases {
            for v in good {
                assert!(check(v), "{v:?}");
            }
            for v in bad {
                assert!(!check(v), "{v:?}");
            }
        }
        assert!(br_cpf(b"52998224725"));
        assert!(br_cnpj(b"11222333000181"));
        assert!(cn_resident_id(b"11010519491231002X"));
        assert!(pl_pesel(b"44051401359"));
        assert!(sg_nric(b"S1234567D"));
        assert!(hk_hkid(b"A1234563") && !hk_hkid(b"A1234564"));
        assert!(ie_pps(b"1234567", b'T', None));
        assert!(ch_ahv(b"7569217076985"));
        assert!(fr_insee(b"255081416802538"));
        assert!(valid_date(2024, 2, 29));
        assert!(!valid_date(2023, 2, 29));
    }

    proptest::proptest! {
        /// The NPI check is Luhn over the digits prefixed with 80840.
        #[test]
        fn npi_is_luhn_with_prefix(s in "[0-9]{10}") {
            let mut v = b"80840".to_vec();
            v.extend_from_slice(s.as_bytes());
            let want = matches!(s.as_bytes()[0], b'1' | b'2') && luhn(&v);
            proptest::prop_assert_eq!(us_npi(s.as_bytes()), want);
        }

        /// My Number check digit (weights 2-7, 2-6 from the right).
        #[test]
        fn my_number_reference(s in "[0-9]{11,13}") {
            let d: Vec<u32> = s.bytes().map(|c| u32::from(c - b'0')).collect();
            let want = d.len() == 12 && {
                let sum: u32 = (1..=11u32)
                    .map(|n| d[11 - n as usize] * if n <= 6 { n + 1 } else { n - 5 })
                    .sum();
                let r = sum % 11;
                d[11] == if r <= 1 { 0 } else { 11 - r }
            };
            proptest::prop_assert_eq!(jp_my_number(s.as_bytes()), want);
        }
    }

    #[test]
    fn named_validators() {
        assert_eq!(by_name("luhn", b"4111 1111 1111 1111"), Some(true));
        assert_eq!(by_name("mod97", b"GB82 WEST"), Some(false));
        assert_eq!(by_name("luhn", b"EMP-4111-1111-1111-1111"), Some(true));
        assert_eq!(by_name("nope", b"1"), None);
        for n in NAMED {
            assert!(by_name(n, b"").is_some());
        }
    }
}
