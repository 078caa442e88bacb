//! What opens a sealed file: X25519 identities and/or a passphrase.

use std::fmt;
use std::path::Path;

use age::secrecy::SecretString;
use age::x25519;

use crate::SealError;
use crate::error::IoWhat;

/// X25519 identities (`AGE-SECRET-KEY-1…` lines, as `age-keygen` writes
/// them) and/or a passphrase.
///
/// `Debug` shows how many there are, never a key or the passphrase.
#[derive(Clone, Default)]
pub struct Identities {
    pub(crate) keys: Vec<x25519::Identity>,
    pub(crate) passphrase: Option<SecretString>,
}

/// Identity files are a few lines; a larger one is not an identity file.
const MAX_IDENTITY_FILE: u64 = 1 << 20;

impl Identities {
    /// Reads an identity file: one `AGE-SECRET-KEY-1…` per line, `#`
    /// comments and blank lines allowed. The error names the file and the
    /// line that is not an identity, never its content.
    pub fn from_file(path: &Path) -> Result<Identities, SealError> {
        use std::io::Read as _;
        let io_err = |error| SealError::Io {
            what: IoWhat::ReadIdentityFile(path.to_path_buf()),
            error,
        };
        let file = std::fs::File::open(path).map_err(io_err)?;
        let mut bytes = Vec::new();
        file.take(MAX_IDENTITY_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(io_err)?;
        let name = path.display().to_string();
        if bytes.len() as u64 > MAX_IDENTITY_FILE {
            return Err(SealError::BadIdentity {
                source_name: name,
                line: 1,
                reason: "the file is larger than 1 MiB: not an identity file",
            });
        }
        if crate::is_sealed(&bytes) {
            return Err(SealError::BadIdentity {
                source_name: name,
                line: 1,
                reason: "the identity file is itself encrypted; decrypt it first (`age -d`)",
            });
        }
        let text = String::from_utf8(bytes).map_err(|e| SealError::BadIdentity {
            source_name: name.clone(),
            line: line_of(e.as_bytes(), e.utf8_error().valid_up_to()),
            reason: "not UTF-8 text",
        })?;
        parse(&text, &name)
    }

    /// Parses identities from text in the identity-file format.
    #[allow(
        clippy::should_implement_trait,
        reason = "the API named in the agent's design; `FromStr` is implemented too"
    )]
    pub fn from_str(text: &str) -> Result<Identities, SealError> {
        parse(text, "<text>")
    }

    /// A passphrase, for files sealed with [`crate::Recipients::passphrase`]
    /// or `age -p`.
    pub fn passphrase(p: &str) -> Identities {
        Identities {
            keys: Vec::new(),
            passphrase: Some(SecretString::from(p.to_owned())),
        }
    }

    /// Adds `other`'s identities (and its passphrase, if it has one) to these.
    pub fn add(&mut self, other: Identities) {
        self.keys.extend(other.keys);
        if other.passphrase.is_some() {
            self.passphrase = other.passphrase;
        }
    }

    /// How many: the X25519 identities, plus one for a passphrase.
    pub fn len(&self) -> usize {
        self.keys.len() + usize::from(self.passphrase.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl std::str::FromStr for Identities {
    type Err = SealError;

    fn from_str(text: &str) -> Result<Identities, SealError> {
        parse(text, "<text>")
    }
}

impl fmt::Debug for Identities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identities")
            .field("keys", &self.keys.len())
            .field("passphrase", &self.passphrase.is_some())
            .finish()
    }
}

fn parse(text: &str, source_name: &str) -> Result<Identities, SealError> {
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let key = line
            .parse::<x25519::Identity>()
            .map_err(|why| SealError::BadIdentity {
                source_name: source_name.to_owned(),
                line: i + 1,
                reason: identity_reason(line, why),
            })?;
        keys.push(key);
    }
    if keys.is_empty() {
        return Err(SealError::NoIdentities {
            source_name: source_name.to_owned(),
        });
    }
    Ok(Identities {
        keys,
        passphrase: None,
    })
}

fn identity_reason(line: &str, why: &'static str) -> &'static str {
    let upper = line.to_ascii_uppercase();
    if upper.starts_with("AGE-PLUGIN-") {
        "plugin identities are not supported"
    } else if upper.starts_with("AGE1") {
        "a recipient (public key), not an identity (secret key)"
    } else if upper.starts_with("-----BEGIN") {
        "an SSH or PEM key; only age X25519 identities are supported"
    } else if upper.starts_with("AGE-ENCRYPTION.ORG/") {
        "an encrypted file, not an identity"
    } else if !upper.starts_with("AGE-SECRET-KEY-1") {
        "expected `AGE-SECRET-KEY-1…`"
    } else {
        why
    }
}

fn line_of(bytes: &[u8], at: usize) -> usize {
    1 + bytes
        .get(..at)
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AGE-SECRET-KEY-18CE84YUWWVR72K8JHJZ0R7VHS27K5S0R29JVG7U4HL4U6MU0DV0QTLJ8PG";

    #[test]
    fn comments_and_blank_lines_are_allowed() {
        let text = format!("# created: 2026-01-01\n# public key: age1…\n\n  {KEY}  \n");
        let ids = Identities::from_str(&text).unwrap();
        assert_eq!(ids.len(), 1);
    }

    #[test]
    fn a_bad_line_is_named_by_number_and_never_quoted() {
        let broken = format!("{}X", &KEY[..KEY.len() - 1]);
        let text = format!("# comment\n{KEY}\n{broken}\n");
        let msg = Identities::from_str(&text).unwrap_err().to_string();
        assert!(msg.starts_with("<text>:3: not an age identity"), "{msg}");
        assert!(!msg.contains("8CE84"), "{msg}");

        let msg =
            Identities::from_str("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")
                .unwrap_err()
                .to_string();
        assert!(
            msg.contains(":1:") && msg.contains("recipient (public key)"),
            "{msg}"
        );
    }

    #[test]
    fn only_comments_is_no_identity() {
        let err = Identities::from_str("# nothing\n\n").unwrap_err();
        assert!(matches!(err, SealError::NoIdentities { .. }), "{err}");
    }

    #[test]
    fn add_merges_keys_and_passphrase() {
        let mut ids = Identities::from_str(KEY).unwrap();
        ids.add(Identities::passphrase("pw"));
        assert_eq!(ids.len(), 2);
        let dbg = format!("{ids:?}");
        assert!(!dbg.contains("pw") && !dbg.contains("8CE84"), "{dbg}");
    }
}
