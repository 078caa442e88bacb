//! One-time codes sent by e-mail.
//!
//! A code is six digits drawn uniformly from a CSPRNG (rejection sampling,
//! no modulo bias). It is bound to the pending login it was sent for: the
//! store keeps only [`hash`]`(challenge_id, code)`, SHA-256 of the
//! challenge id, a `:` and the code, so a code is worth nothing for any
//! other login, and a leaked table of hashes still needs the challenge ids
//! and a brute force per row. The code is always the last six characters
//! hashed, so no two (challenge, code) pairs hash the same input.
//!
//! What is not here: the expiry (15 minutes), the three tries and the
//! resend limits. They are state, and belong to the server's store.

use std::fmt;

use data_encoding::HEXLOWER;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::{digits, random};

/// A code to send: six ASCII digits.
#[derive(Clone)]
pub struct OtpCode(String);

impl OtpCode {
    /// The code's text, for the e-mail body.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Constant time, as every comparison of secrets here.
impl PartialEq for OtpCode {
    fn eq(&self, other: &OtpCode) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for OtpCode {}

impl fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OtpCode(***)")
    }
}

impl Drop for OtpCode {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A new code, uniform over `000000..=999999`.
pub fn new_code() -> OtpCode {
    OtpCode(format!("{:06}", random::below_million()))
}

/// The stored form of a code sent for the login challenge `challenge_id`.
pub fn hash(challenge_id: &str, code: &OtpCode) -> String {
    hash_digits(challenge_id, code.0.as_bytes())
}

fn hash_digits(challenge_id: &str, code: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(challenge_id.as_bytes());
    h.update(b":");
    h.update(code);
    HEXLOWER.encode(&h.finalize())
}

/// Whether `presented` is the code stored as `stored_hash` for this
/// challenge. The same rule as TOTP codes: spaces are ignored, then exactly
/// six ASCII digits; the hashes are compared in constant time.
pub fn verify(challenge_id: &str, presented: &str, stored_hash: &str) -> bool {
    let Some(code) = digits::six_digits(presented) else {
        return false;
    };
    hash_digits(challenge_id, &code)
        .as_bytes()
        .ct_eq(stored_hash.as_bytes())
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_ascii_digits() {
        for _ in 0..1000 {
            let c = new_code();
            assert_eq!(c.expose().len(), 6);
            assert!(c.expose().bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn codes_are_spread_evenly() {
        // 100,000 codes: each leading digit should come up about 10,000
        // times (a chi-square test with 9 degrees of freedom). 50 is the
        // one-in-ten-million critical value, so a fair generator fails it
        // practically never (27.9, the 0.1% value used first, failed a CI
        // run with two tests a run), while a badly biased one (a digit 10%
        // more likely than the others gives about 90) always does.
        let n = 100_000;
        let mut counts = [0u32; 10];
        let mut last = [0u32; 10];
        for _ in 0..n {
            let c = new_code();
            let b = c.expose().as_bytes();
            counts[usize::from(b[0] - b'0')] += 1;
            last[usize::from(b[5] - b'0')] += 1;
        }
        for counts in [counts, last] {
            let expected = f64::from(n) / 10.0;
            let chi2: f64 = counts
                .iter()
                .map(|&c| (f64::from(c) - expected).powi(2) / expected)
                .sum();
            assert!(chi2 < 50.0, "chi-square {chi2} over {counts:?}");
        }
    }

    #[test]
    fn the_hash_binds_the_code_to_its_challenge() {
        let code = new_code();
        let stored = hash("login-1", &code);
        assert!(verify("login-1", code.expose(), &stored));
        let spaced = format!(" {} {} ", &code.expose()[..3], &code.expose()[3..]);
        assert!(verify("login-1", &spaced, &stored));
        assert!(!verify("login-2", code.expose(), &stored));
        assert_ne!(hash("login-2", &code), stored);
        // Moving characters between id and code does not collide.
        assert_ne!(
            hash_digits("login-1", b"123456"),
            hash_digits("login-11", b"23456")
        );
    }

    #[test]
    fn anything_but_six_digits_is_refused() {
        let code = OtpCode("012345".to_owned());
        let stored = hash("c", &code);
        for bad in ["12345", "0123456", "01234a", "", "012-345", "０１２３４５"] {
            assert!(!verify("c", bad, &stored), "{bad:?}");
        }
        assert!(verify("c", "012345", &stored));
        assert!(!verify("c", "012346", &stored));
    }

    #[test]
    fn debug_is_redacted() {
        assert_eq!(format!("{:?}", new_code()), "OtpCode(***)");
    }
}
