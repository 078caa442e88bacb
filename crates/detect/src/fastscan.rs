//! The byte-class prefilter: find the next byte that can start a numeric,
//! network or e-mail candidate (`0-9`, `:`, `@`).
//!
//! This is the hot loop on prose and CSV, so it is written to vectorise
//! without `unsafe`: each 64-byte block is reduced with a branch-free fold
//! that LLVM turns into SIMD compares, and only a block that contains a hit
//! is searched byte by byte. `tests` check it against the obvious scalar
//! definition with proptest.

/// `0x30..=0x3A` is `0-9` and `:`; `@` is `0x40`.
#[inline(always)]
pub(crate) fn is_trigger(b: u8) -> bool {
    b.wrapping_sub(b'0') < 11 || b == b'@'
}

const BLOCK: usize = 64;

/// Position of the first trigger byte at or after `from`, or `None`.
#[inline]
pub(crate) fn next_trigger(hay: &[u8], from: usize) -> Option<usize> {
    let rest = hay.get(from..)?;
    let mut blocks = rest.chunks_exact(BLOCK);
    let mut base = from;
    for block in &mut blocks {
        let hit = block.iter().fold(false, |acc, &b| {
            acc | (b.wrapping_sub(b'0') < 11) | (b == b'@')
        });
        if hit {
            return block.iter().position(|&b| is_trigger(b)).map(|p| base + p);
        }
        base += BLOCK;
    }
    blocks
        .remainder()
        .iter()
        .position(|&b| is_trigger(b))
        .map(|p| base + p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    #[test]
    fn finds_each_class_and_nothing_else() {
        let all: Vec<u8> = (0..=255u8).collect();
        let found: Vec<usize> =
            std::iter::successors(next_trigger(&all, 0), |&p| next_trigger(&all, p + 1)).collect();
        let expect: Vec<usize> = (b'0'..=b':').chain([b'@']).map(usize::from).collect();
        assert_eq!(found, expect);
    }
}
