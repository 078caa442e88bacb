//! Who can open a sealed file: X25519 recipients or one passphrase.

use std::fmt;

use age::secrecy::SecretString;
use age::x25519;

use crate::SealError;

/// The scrypt work factor (`log2 N`) of [`Recipients::passphrase`]: the
/// one `age -p` (Go, and Debian's `age` 1.1.1) writes, about a second on a
/// laptop. rage times the machine instead; a fixed value keeps every
/// sealed file openable by the Go CLI, which refuses more than 2^22.
pub const DEFAULT_WORK_FACTOR: u8 = 18;

/// The highest scrypt work factor sealing writes and unsealing accepts:
/// the Go CLI's own limit (2^22, about 4 GiB of work and 1 GiB of memory).
/// A higher factor in a file could make unsealing take hours.
pub const MAX_WORK_FACTOR: u8 = 22;

/// One or more X25519 recipients, or one passphrase (age's scrypt
/// recipient, which the format allows only alone).
///
/// `Debug` shows the recipients (public keys), never a passphrase.
#[derive(Clone)]
pub struct Recipients {
    pub(crate) kind: Kind,
}

#[derive(Clone)]
pub(crate) enum Kind {
    Keys(Vec<x25519::Recipient>),
    Passphrase { passphrase: SecretString, log_n: u8 },
}

impl Recipients {
    /// Parses `age1…` recipient strings (surrounding whitespace ignored).
    ///
    /// The error names the first bad key by its 1-based position and its
    /// first eight characters, and says what it is instead when it can tell
    /// (a secret key, a post-quantum or SSH recipient, …).
    pub fn parse<'a>(keys: impl IntoIterator<Item = &'a str>) -> Result<Recipients, SealError> {
        let mut out = Vec::new();
        for (i, key) in keys.into_iter().enumerate() {
            let key = key.trim();
            let recipient =
                key.parse::<x25519::Recipient>()
                    .map_err(|why| SealError::BadRecipient {
                        position: i + 1,
                        masked: mask(key),
                        reason: recipient_reason(key, why),
                    })?;
            out.push(recipient);
        }
        if out.is_empty() {
            return Err(SealError::NoRecipients);
        }
        Ok(Recipients {
            kind: Kind::Keys(out),
        })
    }

    /// A passphrase (scrypt) recipient with [`DEFAULT_WORK_FACTOR`].
    pub fn passphrase(p: &str) -> Recipients {
        Self::passphrase_with_work_factor(p, DEFAULT_WORK_FACTOR)
    }

    /// A passphrase recipient with scrypt's `N = 2^log_n`, `log_n` clamped
    /// to `1..=`[`MAX_WORK_FACTOR`]. Low factors are for tests: they make
    /// the passphrase cheap to guess.
    pub fn passphrase_with_work_factor(p: &str, log_n: u8) -> Recipients {
        Recipients {
            kind: Kind::Passphrase {
                passphrase: SecretString::from(p.to_owned()),
                log_n: log_n.clamp(1, MAX_WORK_FACTOR),
            },
        }
    }

    /// How many recipients: the number of keys, or 1 for a passphrase.
    pub fn len(&self) -> usize {
        match &self.kind {
            Kind::Keys(k) => k.len(),
            Kind::Passphrase { .. } => 1,
        }
    }

    /// Never true for a value built by this crate's constructors; kept
    /// for the `len`/`is_empty` pair.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True for a passphrase recipient.
    pub fn is_passphrase(&self) -> bool {
        matches!(self.kind, Kind::Passphrase { .. })
    }
}

impl fmt::Debug for Recipients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Keys(k) => f.debug_tuple("Recipients").field(k).finish(),
            Kind::Passphrase { log_n, .. } => f
                .debug_struct("Recipients")
                .field("passphrase", &"[hidden]")
                .field("log_n", log_n)
                .finish(),
        }
    }
}

/// The first eight characters and `…`: enough to find the key in a
/// configuration file, never a whole secret pasted in by mistake.
pub(crate) fn mask(s: &str) -> String {
    let head: String = s.chars().take(8).collect();
    format!("{head}…")
}

fn recipient_reason(key: &str, why: &'static str) -> &'static str {
    let lower = key.to_ascii_lowercase();
    if key.is_empty() {
        "empty"
    } else if lower.starts_with("age-secret-key-") {
        "this is a secret key (an identity); give its public key (`age-keygen -y`)"
    } else if lower.starts_with("age1pq") {
        "post-quantum recipients are not supported (Debian's age 1.1.1 cannot decrypt them)"
    } else if lower.starts_with("ssh-") || lower.starts_with("ecdsa-") {
        "SSH keys are not supported; use an age X25519 key (`age-keygen`)"
    } else if lower.starts_with("age1") && lower.get(4..).is_some_and(|r| r.contains('1')) {
        // `age1<plugin>1…`: a plugin recipient (YubiKey, TPM, …).
        "plugin recipients are not supported; use an age X25519 key (`age-keygen`)"
    } else if !lower.starts_with("age1") {
        "it does not start with `age1`"
    } else {
        why
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_key_given_as_recipient_is_named_and_masked() {
        let secret = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ";
        let good = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
        let err = Recipients::parse([good, secret]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("recipient 2 `AGE-SECR…`"), "{msg}");
        assert!(msg.contains("secret key"), "{msg}");
        assert!(!msg.contains("QQQQ"), "{msg}");
    }

    #[test]
    fn reasons_for_other_keys() {
        for (key, want) in [
            ("", "empty"),
            ("age1pq1qqqqqqqqq", "post-quantum"),
            ("ssh-ed25519 AAAAC3Nza", "SSH"),
            ("age1yubikey1qqqqqqq", "plugin"),
            ("nope", "does not start with `age1`"),
            ("age1qqqqqq", "invalid Bech32"),
        ] {
            let msg = Recipients::parse([key]).unwrap_err().to_string();
            assert!(msg.contains(want), "{key}: {msg}");
        }
    }

    #[test]
    fn no_recipients_is_an_error_and_a_passphrase_is_one() {
        assert!(matches!(
            Recipients::parse([]),
            Err(SealError::NoRecipients)
        ));
        let p = Recipients::passphrase_with_work_factor("secret words", 0);
        assert_eq!(p.len(), 1);
        assert!(!p.is_empty());
        let dbg = format!("{p:?}");
        assert!(!dbg.contains("secret words"), "{dbg}");
        assert!(dbg.contains("log_n: 1"), "{dbg}");
    }
}
