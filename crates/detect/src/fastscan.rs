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
    let rest = hay.get(from..)?;
    // In number-dense text the next trigger is usually a byte or two
    // away (`,` between fields): look there before folding whole blocks.
    if let Some(p) = rest.iter().take(NEAR).position(|&b| is_trigger(b)) {
        return Some(from + p);
    }
    let mut blocks = rest.chunks_exact(BLOCK);
    let mut base = from;
    for block in &mut blocks {
        let hit = block.iter().fold(false, |acc, &b| {
            acc | (b.wrapping_sub(b'0') < 11) | (b == b'@')
        });
        if hit {
            return first_trigger(block).map(|p| base + p);
        }
        base += BLOCK;
    }
    blocks
        .remainder()
        .iter()
        .position(|&b| is_trigger(b))
        .map(|p| base + p)
}

/// Position of the first trigger byte in a block known to hold one:
/// eight bytes at a time, the lowest lane of a SWAR mask (a customer
/// table has a trigger in nearly every block, and a byte loop over it
/// cost more than the fold that found it).
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
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut n = 0;
    while let Some(w) = s.get(n..n + 8) {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        let x = u64::from_le_bytes(b);
        let y = x & !HI;
        // Per byte (high bit): >= '0', >= ':' (no carries: y <= 0x7f).
        let ge0 = y.wrapping_add(0x5050_5050_5050_5050);
        let ge_colon = y.wrapping_add(0x4646_4646_4646_4646);
        let digit = ge0 & !ge_colon & !x & HI;
        let stop = !digit & HI;
        if stop != 0 {
            return n + (stop.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + s.get(n..).map_or(0, |r| {
        r.iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(r.len())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
