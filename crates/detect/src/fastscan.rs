//! The byte-class prefilter: find the next byte that can start a numeric,
//! network or e-mail candidate (`0-9`, `:`, `@`).
//!
//! This is the hot loop on prose and CSV, so it is written to vectorise
//! without `unsafe`: each 64-byte block is reduced with a branch-free fold
//! that LLVM turns into SIMD compares, and only a block that contains a hit
//! is searched, eight bytes at a time as a SWAR mask. `tests` check it
//! against the obvious scalar definition with proptest.

/// `0x30..=0x3A` is `0-9` and `:`; `@` is `0x40`.
#[inline(always)]
pub(crate) fn is_trigger(b: u8) -> bool {
    b.wrapping_sub(b'0') < 11 || b == b'@'
}

const BLOCK: usize = 64;
/// Bytes checked one by one before the block loop.
const NEAR: usize = 4;

/// Position of the first trigger byte at or after `from`, or `None`.
#[inline]
pub(crate) fn next_trigger(hay: &[u8], from: usize) -> Option<usize> {
    let mut rest = hay.get(from..)?;
    let mut base = from;
    // In number-dense text the next trigger is usually a byte or two
    // away (`,` between fields): look there before folding whole blocks.
    // On x86_64 the first 16 bytes are one SSE2 mask (the blocks then
    // start after them); elsewhere, and near the end, a byte loop.
    match near_trigger16(rest) {
        Some(Some(p)) => return Some(from + p),
        Some(None) => {
            rest = rest.get(16..).unwrap_or_default();
            base += 16;
        }
        None => {
            if let Some(p) = rest.iter().take(NEAR).position(|&b| is_trigger(b)) {
                return Some(from + p);
            }
        }
    }
    let mut blocks = rest.chunks_exact(BLOCK);
    for block in &mut blocks {
        if let Some(p) = block_trigger(block) {
            return Some(base + p);
        }
        base += BLOCK;
    }
    blocks
        .remainder()
        .iter()
        .position(|&b| is_trigger(b))
        .map(|p| base + p)
}

/// On x86_64, the first trigger among the first 16 bytes of `rest` by
/// one SSE2 mask: `Some(Some(p))`, or `Some(None)` if none of them is
/// one. `None` without SSE2 or with fewer than 16 bytes left. A mask
/// costs about what the byte loop over [`NEAR`] bytes did, and looks
/// four times as far.
#[inline(always)]
fn near_trigger16(rest: &[u8]) -> Option<Option<usize>> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        let w = rest.get(..16)?;
        // SAFETY: `sse2::trigger_mask16` needs only SSE2, which this build
        // enables for every function (the `cfg` above: it is part of the
        // x86_64 baseline), so the CPU running this code has it. Its body
        // reads `w` through safe slice accesses only.
        #[allow(
            unsafe_code,
            reason = "SSE2 is enabled for the whole build (see SAFETY)"
        )]
        let m = unsafe { sse2::trigger_mask16(w) };
        Some((m != 0).then(|| m.trailing_zeros() as usize))
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        let _ = rest;
        None
    }
}

/// Position of the first trigger byte in a 64-byte block, if any: on
/// x86_64 the lowest bit of an SSE2 mask (one pass says both whether
/// and where), elsewhere a branch-free fold that vectorises, then
/// [`first_trigger`] in a block that holds one.
#[inline(always)]
fn block_trigger(block: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        // SAFETY: `sse2::trigger_mask` needs only SSE2, which this build
        // enables for every function (the `cfg` above: it is part of the
        // x86_64 baseline), so the CPU running this code has it. Its body
        // reads `block` through safe slice accesses only.
        #[allow(
            unsafe_code,
            reason = "SSE2 is enabled for the whole build (see SAFETY)"
        )]
        let m = unsafe { sse2::trigger_mask(block) };
        (m != 0).then(|| m.trailing_zeros() as usize)
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        let hit = block.iter().fold(false, |acc, &b| {
            acc | (b.wrapping_sub(b'0') < 11) | (b == b'@')
        });
        if hit { first_trigger(block) } else { None }
    }
}

/// On x86_64, a 64-byte block's trigger bytes as a bit mask, found with
/// SSE2 (part of the architecture's baseline): one pass gives both
/// whether the block holds a trigger and where the first one is, where
/// the portable form folds the block and then searches it again.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
pub(crate) mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set_epi64x, _mm_set1_epi8,
    };

    /// Sixteen bytes as a vector, built from two little-endian words (a
    /// pointer load would need `unsafe`; the compiler makes one load of it).
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(crate) fn lanes(w: &[u8]) -> __m128i {
        let mut b = [0u8; 16];
        if let Some(src) = w.get(..16) {
            b.copy_from_slice(src);
        }
        let v = u128::from_le_bytes(b);
        _mm_set_epi64x((v >> 64) as u64 as i64, v as u64 as i64)
    }

    /// Bit `k` set if byte `k` of the first 16 of `w` is a trigger.
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(crate) fn trigger_mask16(w: &[u8]) -> u32 {
        let shift = _mm_set1_epi8((0x80u8 - b'0') as i8);
        let lim = _mm_set1_epi8(-128 + 11);
        let x = lanes(w);
        let hit = _mm_or_si128(
            _mm_cmplt_epi8(_mm_add_epi8(x, shift), lim),
            _mm_cmpeq_epi8(x, _mm_set1_epi8(b'@' as i8)),
        );
        u32::from(_mm_movemask_epi8(hit) as u16)
    }

    /// Bit `k` set if byte `k` of the first 16 of `w` is `a`, `b` or `c`
    /// (a table row's delimiter, quote and newline).
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(crate) fn eq3_mask16(w: &[u8], a: u8, b: u8, c: u8) -> u32 {
        let x = lanes(w);
        let hit = _mm_or_si128(
            _mm_or_si128(
                _mm_cmpeq_epi8(x, _mm_set1_epi8(a as i8)),
                _mm_cmpeq_epi8(x, _mm_set1_epi8(b as i8)),
            ),
            _mm_cmpeq_epi8(x, _mm_set1_epi8(c as i8)),
        );
        u32::from(_mm_movemask_epi8(hit) as u16)
    }

    /// Bit `k` set if byte `k` of the 64 in `block` is `0x80` or above
    /// (its sign bit, which `movemask` reads as it is) or is `c`; bytes
    /// past 64 are ignored, missing ones are not set.
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(crate) fn high_or_mask(block: &[u8], c: u8) -> u64 {
        let eq = _mm_set1_epi8(c as i8);
        // Written out rather than `[0, 16, 32, 48].map(…)`: a closure does
        // not inherit this function's target feature, and when LLVM chose
        // not to inline `map` (a build's code layout decides), prose cost
        // 13% more instructions.
        let at = |k: usize| {
            let x = lanes(block.get(k..).unwrap_or_default());
            _mm_or_si128(x, _mm_cmpeq_epi8(x, eq))
        };
        let (h0, h1, h2, h3) = (at(0), at(16), at(32), at(48));
        // Most blocks of most text have none: one `movemask` says so.
        let any = _mm_or_si128(_mm_or_si128(h0, h1), _mm_or_si128(h2, h3));
        if _mm_movemask_epi8(any) == 0 {
            return 0;
        }
        let m = |h| u64::from(_mm_movemask_epi8(h) as u16);
        m(h0) | m(h1) << 16 | m(h2) << 32 | m(h3) << 48
    }

    /// Bit `k` set if byte `k` of the 64 in `block` is a trigger
    /// ([`super::is_trigger`]); bytes past 64 are ignored, missing ones
    /// are not triggers.
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(crate) fn trigger_mask(block: &[u8]) -> u64 {
        // `0-9` and `:` as one unsigned range, tested as a signed compare:
        // adding `0x80 - '0'` moves it to the bottom of the signed range.
        let shift = _mm_set1_epi8((0x80u8 - b'0') as i8);
        let lim = _mm_set1_epi8(-128 + 11);
        let at = _mm_set1_epi8(b'@' as i8);
        let mut m = 0u64;
        for (k, w) in block.chunks_exact(16).take(4).enumerate() {
            let x = lanes(w);
            let hit = _mm_or_si128(
                _mm_cmplt_epi8(_mm_add_epi8(x, shift), lim),
                _mm_cmpeq_epi8(x, at),
            );
            m |= u64::from(_mm_movemask_epi8(hit) as u16) << (16 * k);
        }
        m
    }
}

/// Position of the first trigger byte in a block known to hold one:
/// eight bytes at a time, the lowest lane of a SWAR mask (a customer
/// table has a trigger in nearly every block, and a byte loop over it
/// cost more than the fold that found it).
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2"),
    allow(
        dead_code,
        reason = "x86_64 finds the trigger with SSE2; tested against it"
    )
)]
#[inline]
fn first_trigger(block: &[u8]) -> Option<usize> {
    const HI: u64 = 0x8080_8080_8080_8080;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut words = block.chunks_exact(8);
    let mut base = 0;
    for w in words.by_ref() {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        let x = u64::from_le_bytes(b);
        let y = x & !HI;
        // Per byte (high bit): >= '0' and not >= ';' (no carries: y <= 0x7f).
        let ge0 = y.wrapping_add(0x5050_5050_5050_5050);
        let ge_semicolon = y.wrapping_add(0x4545_4545_4545_4545);
        let digit_colon = ge0 & !ge_semicolon;
        // Exactly the bytes equal to '@': a zero lane of `x ^ '@'…`.
        let v = x ^ 0x4040_4040_4040_4040;
        let at = !((v & LOW7).wrapping_add(LOW7) | v);
        let hits = (digit_colon | at) & !x & HI;
        if hits != 0 {
            return Some(base + (hits.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| is_trigger(b))
        .map(|p| base + p)
}

/// Length of the run of ASCII digits at the start of `s`.
///
/// Eight bytes at a time with a branch-free SWAR test, so the loop exit
/// (where a scalar loop mispredicts once per number) is taken once for
/// runs shorter than eight.
#[inline]
pub(crate) fn digit_run(s: &[u8]) -> usize {
    swar_run(s, swar_digits, u8::is_ascii_digit)
}

/// Length of the run of ASCII letters and digits at the start of `s`,
/// eight bytes at a time as [`digit_run`] does (a word of a customer
/// table's row, an IBAN's 20-odd bytes, was a byte loop of nine
/// instructions a byte).
#[inline]
pub(crate) fn alnum_run(s: &[u8]) -> usize {
    swar_run(s, swar_alnum, u8::is_ascii_alphanumeric)
}

const SWAR_HI: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` that is an ASCII letter or digit.
#[inline(always)]
fn swar_alnum(x: u64) -> u64 {
    // Case folded, >= 'a' and >= '{' (no carries: y <= 0x7f).
    let z = (x & !SWAR_HI) | 0x2020_2020_2020_2020;
    let ge_a = z.wrapping_add(0x1f1f_1f1f_1f1f_1f1f);
    let ge_brace = z.wrapping_add(0x0505_0505_0505_0505);
    swar_digits(x) | (ge_a & !ge_brace & !x & SWAR_HI)
}

/// Length of the run of ASCII letters and digits at the end of `s`,
/// eight bytes at a time from the end (the start of the word a digit
/// sits in: `smith42`, an IBAN's `DE89`; a byte loop back was about
/// eight instructions a byte). Out of line: inlined into the trigger
/// loop, it moved the number walk's registers and cost number-dense text
/// more than it saved.
#[inline(never)]
pub(crate) fn alnum_run_back(s: &[u8]) -> usize {
    let mut n = 0;
    while let Some(w) = s.len().checked_sub(n + 8).and_then(|a| s.get(a..a + 8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        let stop = !swar_alnum(u64::from_le_bytes(b)) & SWAR_HI;
        if stop != 0 {
            // The last byte is the highest: the run is the bytes above
            // the highest stop.
            return n + (stop.leading_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + s.get(..s.len() - n).map_or(0, |r| {
        r.iter()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count()
    })
}

/// The high bit of each byte of `x` that is an ASCII digit.
#[inline(always)]
fn swar_digits(x: u64) -> u64 {
    let y = x & !SWAR_HI;
    // Per byte (high bit): >= '0', >= ':' (no carries: y <= 0x7f);
    // bytes >= 0x80 are neither.
    let ge0 = y.wrapping_add(0x5050_5050_5050_5050);
    let ge_colon = y.wrapping_add(0x4646_4646_4646_4646);
    ge0 & !ge_colon & !x & SWAR_HI
}

/// Length of the run at the start of `s` of bytes in a class: `class`
/// marks them (the high bit of each byte) eight at a time, `byte` tests
/// the tail one by one.
#[inline(always)]
fn swar_run(s: &[u8], class: impl Fn(u64) -> u64, byte: impl Fn(&u8) -> bool) -> usize {
    let mut n = 0;
    while let Some(w) = s.get(n..n + 8) {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        let stop = !class(u64::from_le_bytes(b)) & SWAR_HI;
        if stop != 0 {
            return n + (stop.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + s
        .get(n..)
        .map_or(0, |r| r.iter().position(|c| !byte(c)).unwrap_or(r.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn alnum_run_back_every_byte_in_every_lane() {
        for len in 0..20 {
            for pos in 0..len {
                for b in 0..=255u8 {
                    let mut a = vec![b'k'; len];
                    a[pos] = b;
                    let want = a
                        .iter()
                        .rev()
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .count();
                    assert_eq!(alnum_run_back(&a), want, "{b} at {pos} of {len}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn alnum_run_back_matches_scalar(
            hay in proptest::collection::vec(prop_oneof![
                6 => b'a'..=b'z', 3 => b'0'..=b'9', 2 => b'A'..=b'Z', 1 => any::<u8>()], 0..60),
        ) {
            let want = hay.iter().rev().take_while(|c| c.is_ascii_alphanumeric()).count();
            prop_assert_eq!(alnum_run_back(&hay), want);
        }
    }

    #[test]
    fn alnum_run_every_byte_in_every_lane() {
        for len in 0..20 {
            for pos in 0..len {
                for b in 0..=255u8 {
                    let mut a = vec![b'k'; len];
                    a[pos] = b;
                    let want = a
                        .iter()
                        .position(|c| !c.is_ascii_alphanumeric())
                        .unwrap_or(len);
                    assert_eq!(alnum_run(&a), want, "byte {b} at {pos} of {len}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn digit_run_matches_scalar(
            hay in proptest::collection::vec(prop_oneof![
                8 => b'0'..=b'9', 1 => b'/'..=b':', 1 => any::<u8>()], 0..40),
        ) {
            let want = hay.iter().take_while(|c| c.is_ascii_digit()).count();
            prop_assert_eq!(digit_run(&hay), want);
        }
    }

    #[test]
    fn digit_run_every_byte() {
        for b in 0..=255u8 {
            for k in 0..20 {
                let mut v = vec![b'7'; k];
                v.push(b);
                v.extend_from_slice(b"123");
                let want = k + usize::from(b.is_ascii_digit()) * 4;
                assert_eq!(digit_run(&v), want, "{b} {k}");
            }
        }
    }

    fn reference(hay: &[u8], from: usize) -> Option<usize> {
        (from..hay.len()).find(|&i| matches!(hay[i], b'0'..=b'9' | b':' | b'@'))
    }

    proptest! {
        #[test]
        fn matches_scalar_reference(
            hay in proptest::collection::vec(prop_oneof![
                8 => b'a'..=b'z', 1 => b'0'..=b'9', 1 => Just(b':'), 1 => Just(b'@'),
                1 => any::<u8>()], 0..300),
            from in 0usize..320,
        ) {
            prop_assert_eq!(next_trigger(&hay, from), reference(&hay, from));
        }
    }

    proptest! {
        #[test]
        fn first_trigger_matches_scalar(
            hay in proptest::collection::vec(any::<u8>(), 0..80),
        ) {
            prop_assert_eq!(first_trigger(&hay), hay.iter().position(|&b| is_trigger(b)));
        }
    }

    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[test]
    fn trigger_mask_every_byte_in_every_lane() {
        for b in 0..=255u8 {
            for fill in [b'a', b'5', 0xc3] {
                for k in 0..64 {
                    let mut v = [fill; 64];
                    v[k] = b;
                    let want = v
                        .iter()
                        .enumerate()
                        .fold(0u64, |m, (j, &c)| m | u64::from(is_trigger(c)) << j);
                    // SAFETY: SSE2 is enabled for this build (the `cfg`).
                    #[allow(unsafe_code, reason = "SSE2 is enabled for the whole build")]
                    let got = unsafe { sse2::trigger_mask(&v) };
                    assert_eq!(got, want, "{b} at {k}");
                    if k < 16 {
                        // SAFETY: as above.
                        #[allow(unsafe_code, reason = "SSE2 is enabled for the whole build")]
                        let got16 = unsafe { sse2::trigger_mask16(&v) };
                        assert_eq!(u64::from(got16), want & 0xffff, "{b} at {k}");
                    }
                }
            }
        }
    }

    #[test]
    fn first_trigger_every_byte_in_every_lane() {
        for b in 0..=255u8 {
            for k in 0..16 {
                let mut v = vec![b'a'; 16];
                v[k] = b;
                let want = is_trigger(b).then_some(k);
                assert_eq!(first_trigger(&v), want, "{b} at {k}");
            }
        }
    }

    #[test]
    fn finds_each_class_and_nothing_else() {
        let all: Vec<u8> = (0..=255u8).collect();
        let found: Vec<usize> =
            std::iter::successors(next_trigger(&all, 0), |&p| next_trigger(&all, p + 1)).collect();
        let expect: Vec<usize> = (b'0'..=b':').chain([b'@']).map(usize::from).collect();
        assert_eq!(found, expect);
    }
}
