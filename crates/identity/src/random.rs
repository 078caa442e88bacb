//! Randomness for secrets: `rand`'s thread-local generator, a ChaCha12
//! CSPRNG seeded and periodically reseeded from the operating system.

use rand::RngCore as _;

/// `N` random bytes.
pub(crate) fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    rand::rng().fill_bytes(&mut out);
    out
}

/// The largest multiple of 10^6 that fits in a `u32` (4294 × 10^6): a draw
/// at or above it is thrown away, so every remainder mod 10^6 is equally
/// likely (no modulo bias).
const ZONE: u32 = 4_294_000_000;

/// A number in `0..1_000_000`, uniform.
pub(crate) fn below_million() -> u32 {
    below_million_from(|| rand::rng().next_u32())
}

/// Rejection sampling over any source of `u32`s (tests feed their own).
pub(crate) fn below_million_from(mut next: impl FnMut() -> u32) -> u32 {
    loop {
        let x = next();
        if x < ZONE {
            return x % 1_000_000;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zone_is_the_largest_multiple_of_a_million() {
        assert_eq!(ZONE % 1_000_000, 0);
        assert!(u64::from(ZONE) + 1_000_000 > u64::from(u32::MAX));
    }

    #[test]
    fn draws_in_the_biased_tail_are_rejected() {
        // The tail above the zone would favour 0..=967_295: it is skipped.
        let mut draws = [u32::MAX, ZONE, ZONE - 1].into_iter();
        assert_eq!(below_million_from(|| draws.next().unwrap()), 999_999);
        let mut draws = [ZONE + 5, 7].into_iter();
        assert_eq!(below_million_from(|| draws.next().unwrap()), 7);
    }

    #[test]
    fn bytes_differ() {
        assert_ne!(bytes::<32>(), bytes::<32>());
    }
}
