//! Opaque bearer tokens: sessions, "remember this browser", pending login
//! challenges.
//!
//! A token is 256 random bits written as 43 characters of base64url
//! without padding, so it fits a cookie or a URL as is. The database keeps
//! only [`hash`] of it (SHA-256, hex): a random 256-bit value needs no slow
//! KDF, and a leaked table gives nobody a usable token.

use std::fmt;

use data_encoding::{BASE64URL_NOPAD, HEXLOWER};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::random;

/// Length of a token's text.
pub const TOKEN_LEN: usize = 43;

/// A freshly made token: handed to the client once, stored as [`hash`].
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// The token's text, for the `Set-Cookie` or the response that hands it
    /// out.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Its stored form.
    pub fn hash(&self) -> String {
        hash(&self.0)
    }
}

/// Constant time, as every comparison of secrets here.
impl PartialEq for Token {
    fn eq(&self, other: &Token) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for Token {}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A new token of 256 random bits.
pub fn new_token() -> Token {
    Token(BASE64URL_NOPAD.encode(&random::bytes::<32>()))
}

/// The stored form of a token: SHA-256 of its text, lowercase hex.
pub fn hash(token: &str) -> String {
    HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

/// Whether a presented token is the one whose hash is stored, compared in
/// constant time. Input longer than any token is refused unhashed.
pub fn verify(presented: &str, stored_hash: &str) -> bool {
    if presented.len() > 4 * TOKEN_LEN {
        return false;
    }
    hash(presented)
        .as_bytes()
        .ct_eq(stored_hash.as_bytes())
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_base64url_characters() {
        for _ in 0..100 {
            let t = new_token();
            assert_eq!(t.expose().len(), TOKEN_LEN);
            assert!(
                t.expose()
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{}",
                t.expose()
            );
            assert_eq!(
                BASE64URL_NOPAD.decode(t.expose().as_bytes()).unwrap().len(),
                32
            );
        }
    }

    #[test]
    fn tokens_do_not_repeat() {
        let set: std::collections::HashSet<String> =
            (0..1000).map(|_| new_token().expose().to_owned()).collect();
        assert_eq!(set.len(), 1000);
    }

    #[test]
    fn the_stored_hash_verifies_only_its_token() {
        let t = new_token();
        let h = t.hash();
        assert_eq!(h.len(), 64);
        assert_eq!(h, hash(t.expose()));
        assert!(verify(t.expose(), &h));
        assert!(!verify(new_token().expose(), &h));
        assert!(!verify(&t.expose()[1..], &h));
        assert!(!verify("", &h));
        assert!(!verify(t.expose(), &h.to_uppercase()));
        assert!(!verify(&"x".repeat(1000), &hash(&"x".repeat(1000))));
        // SHA-256 of the empty string, a known vector.
        assert_eq!(
            hash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn debug_is_redacted() {
        let t = new_token();
        assert_eq!(format!("{t:?}"), "Token(***)");
    }
}
