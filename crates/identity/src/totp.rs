//! Authenticator-app codes: TOTP as RFC 6238 defines it, with the one
//! parameter set every app supports (Google Authenticator ignores the
//! others): HMAC-SHA-1, six digits, 30-second steps.
//!
//! # Verifying and replays
//!
//! [`verify`] accepts the code of the current step and of one step either
//! side (clock drift of up to 30 s, and the code typed just as it rolled
//! over) and returns the step it matched. A code stays valid for up to
//! 90 s, so the caller must refuse a step it has already accepted: it keeps
//! the last accepted step per user and takes a code only if
//! [`accept`]`(step, last_step)`, then stores `step` with a conditional
//! update (`… SET last_step = :step WHERE user = :u AND last_step < :step`,
//! accepted iff one row changed), which also holds between replicas.
//!
//! # Why no `totp-rs`
//!
//! The algorithm is HMAC and a dynamic truncation (RFC 4226 §5.3), about
//! twenty lines over RustCrypto's `hmac` and `sha1`, checked here against
//! the RFC's vectors and Debian's `oathtool`. `totp-rs` would add little
//! and get in the way: its `check` says only yes or no (replay protection
//! needs the step), computes `time / step - skew` in a way that underflows
//! in the first step, leaves `algorithm`, `digits` and `period` out of the
//! URI when they are the defaults, and its `TOTP` type prints the secret
//! in `Debug`.

use std::fmt;

use data_encoding::BASE32_NOPAD;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha1::Sha1;
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroize;

pub use crate::qr::{QrError, qr_png, qr_svg};
use crate::{digits, random};

/// Seconds per step.
pub const PERIOD: u64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// Bytes of a new secret: 160 bits, the size of an HMAC-SHA-1 key that
/// RFC 4226 recommends.
pub const SECRET_LEN: usize = 20;
/// Fewest bytes a secret may have (RFC 4226's minimum of 128 bits).
pub const MIN_SECRET_LEN: usize = 16;
/// Most bytes a secret may have (SHA-1's block size; a longer HMAC key is
/// hashed first and would add nothing).
pub const MAX_SECRET_LEN: usize = 64;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TotpError {
    #[error("a TOTP secret must be {MIN_SECRET_LEN} to {MAX_SECRET_LEN} bytes, not {0}")]
    SecretLength(usize),
    #[error("a TOTP secret in base32 may hold only the letters A-Z and digits 2-7")]
    Base32,
}

/// The key an authenticator app and the server share.
#[derive(Clone)]
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    /// A new secret of [`SECRET_LEN`] random bytes.
    pub fn generate() -> TotpSecret {
        TotpSecret(random::bytes::<SECRET_LEN>().to_vec())
    }

    /// A secret from its bytes (as [`crate::seal`] gives them back).
    pub fn from_bytes(bytes: &[u8]) -> Result<TotpSecret, TotpError> {
        if !(MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&bytes.len()) {
            return Err(TotpError::SecretLength(bytes.len()));
        }
        Ok(TotpSecret(bytes.to_vec()))
    }

    /// A secret from the base32 text an app shows (case, spaces and `=`
    /// padding ignored).
    pub fn from_base32(text: &str) -> Result<TotpSecret, TotpError> {
        let clean: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '=')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if clean.len() > 2 * MAX_SECRET_LEN {
            return Err(TotpError::SecretLength(clean.len() * 5 / 8));
        }
        let bytes = BASE32_NOPAD
            .decode(clean.as_bytes())
            .map_err(|_| TotpError::Base32)?;
        TotpSecret::from_bytes(&bytes)
    }

    /// The secret in base32 without padding, to show beside the QR code for
    /// people who type it in.
    pub fn to_base32(&self) -> String {
        BASE32_NOPAD.encode(&self.0)
    }

    /// The raw bytes, to seal for storage.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

/// Constant time, as every comparison of secrets here.
impl PartialEq for TotpSecret {
    fn eq(&self, other: &TotpSecret) -> bool {
        self.0.as_slice().ct_eq(other.0.as_slice()).into()
    }
}

impl Eq for TotpSecret {}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(***)")
    }
}

impl Drop for TotpSecret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// The step a time falls in.
pub fn step_of(unix_secs: u64) -> u64 {
    unix_secs / PERIOD
}

/// The six digits of one step (RFC 4226 HOTP with the step as counter).
/// `None` only if HMAC refused the key, which it does for no length: every
/// caller treats `None` as "no code", which fails closed.
fn code_of_step(secret: &TotpSecret, step: u64) -> Option<[u8; DIGITS]> {
    let mut mac = Hmac::<Sha1>::new_from_slice(&secret.0).ok()?;
    mac.update(&step.to_be_bytes());
    let tag = mac.finalize().into_bytes();
    let offset = usize::from(tag.last()? & 0x0f);
    let word: [u8; 4] = tag.get(offset..offset + 4)?.try_into().ok()?;
    let mut n = (u32::from_be_bytes(word) & 0x7fff_ffff) % 1_000_000;
    let mut out = [b'0'; DIGITS];
    for d in out.iter_mut().rev() {
        // n % 10 < 10, so the cast is exact.
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    Some(out)
}

/// The code an app shows at `unix_secs`.
pub fn code_at(secret: &TotpSecret, unix_secs: u64) -> String {
    code_of_step(secret, step_of(unix_secs))
        .map(|c| c.iter().map(|&b| char::from(b)).collect())
        .unwrap_or_default()
}

/// The step whose code `code` is, among the step of `now_unix` and one step
/// either side; `None` if it is none of them or not six ASCII digits
/// (spaces are ignored). All three codes are computed and compared in
/// constant time. Should two of them be equal (one chance in a million),
/// the later step is returned, which is the safe side for replays.
pub fn verify(secret: &TotpSecret, code: &str, now_unix: u64) -> Option<u64> {
    let presented = digits::six_digits(code)?;
    let now = step_of(now_unix);
    let mut matched: Option<u64> = None;
    for step in [now.checked_sub(1), Some(now), now.checked_add(1)]
        .into_iter()
        .flatten()
    {
        let Some(expected) = code_of_step(secret, step) else {
            continue;
        };
        let hit: Choice = expected.ct_eq(&presented);
        if bool::from(hit) {
            matched = Some(step);
        }
    }
    matched
}

/// Whether a code that matched `step` may be taken, given the last step
/// accepted for the same user (`None`: never). Only a step later than the
/// last one is, so each code works once and an older code never works
/// after a newer one (RFC 6238 §5.2).
pub fn accept(step: u64, last_step: Option<u64>) -> bool {
    last_step.is_none_or(|last| step > last)
}

/// Characters left as they are in the label and the issuer: RFC 3986's
/// unreserved set. Everything else, `:` and space included, is
/// percent-encoded, so the one literal `:` is the issuer/account separator.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The `otpauth://` URI an app reads from the QR code, in the Key URI
/// Format of Google Authenticator:
/// `otpauth://totp/Issuer:account?secret=…&issuer=Issuer&algorithm=SHA1&digits=6&period=30`.
pub fn provisioning_uri(issuer: &str, account: &str, secret: &TotpSecret) -> String {
    let issuer = utf8_percent_encode(issuer, COMPONENT);
    let account = utf8_percent_encode(account, COMPONENT);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={PERIOD}",
        secret.to_base32()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890").unwrap()
    }

    #[test]
    fn rfc_6238_sha1_vectors() {
        // Appendix B, SHA-1 column, last six of the eight digits.
        let cases = [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ];
        for (t, want) in cases {
            assert_eq!(code_at(&rfc_secret(), t), want, "t = {t}");
        }
    }

    #[test]
    fn neighbouring_steps_match_and_others_do_not() {
        let s = rfc_secret();
        let t = 1_111_111_111;
        let step = step_of(t);
        for (offset, want) in [
            (-2i64, None),
            (-1, Some(step - 1)),
            (0, Some(step)),
            (1, Some(step + 1)),
            (2, None),
        ] {
            let at = t.checked_add_signed(offset * 30).unwrap();
            let code = code_at(&s, at);
            assert_eq!(verify(&s, &code, t), want, "offset {offset}");
        }
    }

    #[test]
    fn the_first_and_last_steps_do_not_overflow() {
        let s = rfc_secret();
        assert_eq!(verify(&s, &code_at(&s, 0), 0), Some(0));
        assert_eq!(verify(&s, &code_at(&s, 30), 0), Some(1));
        let end = u64::MAX;
        assert_eq!(verify(&s, &code_at(&s, end), end), Some(step_of(end)));
    }

    #[test]
    fn replays_are_refused() {
        assert!(accept(10, None));
        assert!(accept(11, Some(10)));
        assert!(!accept(10, Some(10)));
        assert!(!accept(9, Some(10)));
    }

    #[test]
    fn secrets_round_trip_through_base32() {
        let s = TotpSecret::generate();
        assert_eq!(s.expose().len(), SECRET_LEN);
        let text = s.to_base32();
        assert_eq!(text.len(), 32);
        assert_eq!(TotpSecret::from_base32(&text).unwrap(), s);
        assert_eq!(
            TotpSecret::from_base32(&text.to_lowercase()).unwrap(),
            s,
            "case does not matter"
        );
        assert_eq!(rfc_secret().to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            TotpSecret::from_base32("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ====").unwrap(),
            rfc_secret()
        );
        assert_eq!(
            TotpSecret::from_base32("GEZDGNBV"),
            Err(TotpError::SecretLength(5))
        );
        assert_eq!(
            TotpSecret::from_base32("GEZDGNBVGY3TQOJ1"),
            Err(TotpError::Base32)
        );
        assert!(TotpSecret::from_base32(&"A".repeat(10_000)).is_err());
    }

    #[test]
    fn the_uri_carries_every_parameter_and_encodes_the_label() {
        let s = rfc_secret();
        assert_eq!(
            provisioning_uri("Cordon", "alice@example.org", &s),
            "otpauth://totp/Cordon:alice%40example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Cordon&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(
            provisioning_uri("ACME DLP: prod", "a&b=c?", &s),
            "otpauth://totp/ACME%20DLP%3A%20prod:a%26b%3Dc%3F?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20DLP%3A%20prod&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn debug_is_redacted() {
        assert_eq!(format!("{:?}", rfc_secret()), "TotpSecret(***)");
    }
}
