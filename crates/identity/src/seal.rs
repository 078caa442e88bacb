//! Encryption at rest for the few secrets the server must read back: TOTP
//! secrets, a directory bind password. Everything else is stored hashed.
//!
//! A sealed value is `v1.` and base64url (no padding) of a random 24-byte
//! nonce followed by the XChaCha20-Poly1305 ciphertext and tag. The
//! associated data is `v1:` and the caller's *context*, which names what
//! the value is and whose (`totp:<user id>`): a sealed value copied to
//! another row or another purpose does not open. Random nonces are safe at
//! 192 bits however many values one key seals.
//!
//! The key is 32 bytes, kept in a file of its own, readable by its owner
//! only ([`SealKey::load_or_create`]) or handed in as base64
//! ([`SealKey::from_base64`], for an environment variable or a secret
//! store). Losing it loses what it sealed: TOTP enrolments must then be
//! redone.
//!
//! [`SealKey::open`] reads untrusted text (a database column) and never
//! panics (property-tested and fuzzed).

use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use data_encoding::{BASE64, BASE64_NOPAD, BASE64URL, BASE64URL_NOPAD};
use zeroize::Zeroize;

use crate::random;

/// Bytes of a key.
pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const PREFIX: &str = "v1.";
/// Largest plaintext sealed: secrets are small, and a bound keeps `open`
/// from decoding megabytes of garbage.
pub const MAX_PLAINTEXT: usize = 64 * 1024;
/// Longest sealed text `open` looks at.
const MAX_SEALED: usize = PREFIX.len() + (NONCE_LEN + MAX_PLAINTEXT + TAG_LEN).div_ceil(3) * 4;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("cannot read the seal key file `{path}`: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot create the seal key file `{path}`: {source}")]
    Create { path: PathBuf, source: io::Error },
    #[error("the seal key file `{path}` has {len} bytes; a key is exactly {KEY_LEN}")]
    KeyFileSize { path: PathBuf, len: u64 },
    #[error(
        "the seal key file `{path}` is open to group or others (mode {mode:03o}); \
         it must be readable by its owner only: chmod 600 it"
    )]
    KeyFileMode { path: PathBuf, mode: u32 },
    #[error("the seal key file `{path}` is not a regular file")]
    KeyFileType { path: PathBuf },
    #[error("a seal key in base64 must decode to exactly {KEY_LEN} bytes")]
    KeyText,
    #[error("a sealed value holds at most {MAX_PLAINTEXT} bytes, not {0}")]
    TooLarge(usize),
    #[error("the sealed value has no known version (it should start with `v1.`)")]
    UnknownVersion,
    #[error("the sealed value is malformed: {0}")]
    Malformed(&'static str),
    #[error(
        "the sealed value does not open for context `{context}`: \
         it was sealed with another key or for another context, or it is damaged"
    )]
    Rejected { context: String },
}

/// The key that seals and opens secrets at rest.
#[derive(Clone)]
pub struct SealKey([u8; KEY_LEN]);

impl fmt::Debug for SealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealKey(***)")
    }
}

impl Drop for SealKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl SealKey {
    /// A new random key.
    pub fn generate() -> SealKey {
        SealKey(random::bytes::<KEY_LEN>())
    }

    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> SealKey {
        SealKey(bytes)
    }

    /// A key from base64 text, standard or URL-safe alphabet, with or
    /// without padding (surrounding whitespace ignored).
    pub fn from_base64(text: &str) -> Result<SealKey, SealError> {
        let text = text.trim().as_bytes();
        let mut decoded = [BASE64, BASE64_NOPAD, BASE64URL, BASE64URL_NOPAD]
            .iter()
            .find_map(|enc| enc.decode(text).ok())
            .ok_or(SealError::KeyText)?;
        let key = <[u8; KEY_LEN]>::try_from(decoded.as_slice()).map_err(|_| SealError::KeyText);
        decoded.zeroize();
        key.map(SealKey)
    }

    /// The key as standard base64, to hand to an operator once.
    pub fn expose_base64(&self) -> String {
        BASE64.encode(&self.0)
    }

    /// The key in the file at `path`, created (32 random bytes, mode 0600)
    /// if there is none. An existing file must hold exactly 32 bytes and be
    /// open to its owner only. Servers starting together agree on one key:
    /// the file appears whole or not at all (written aside, then linked
    /// into place, which fails if another got there first).
    pub fn load_or_create(path: &Path) -> Result<SealKey, SealError> {
        match SealKey::load(path) {
            Err(SealError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
            other => return other,
        }
        let key = SealKey::generate();
        match key.create_file(path) {
            Ok(()) => {
                tracing::info!(path = %path.display(), "created a new seal key");
                Ok(key)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => SealKey::load(path),
            Err(source) => Err(SealError::Create {
                path: path.to_owned(),
                source,
            }),
        }
    }

    fn load(path: &Path) -> Result<SealKey, SealError> {
        let read_err = |source| SealError::Read {
            path: path.to_owned(),
            source,
        };
        let meta = fs::metadata(path).map_err(read_err)?;
        if !meta.is_file() {
            return Err(SealError::KeyFileType {
                path: path.to_owned(),
            });
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(SealError::KeyFileMode {
                    path: path.to_owned(),
                    mode,
                });
            }
        }
        if meta.len() != KEY_LEN as u64 {
            return Err(SealError::KeyFileSize {
                path: path.to_owned(),
                len: meta.len(),
            });
        }
        let mut bytes = fs::read(path).map_err(read_err)?;
        let key = <[u8; KEY_LEN]>::try_from(bytes.as_slice()).map_err(|_| SealError::KeyFileSize {
            path: path.to_owned(),
            len: bytes.len() as u64,
        });
        bytes.zeroize();
        key.map(SealKey)
    }

    fn create_file(&self, path: &Path) -> io::Result<()> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let suffix = data_encoding::HEXLOWER.encode(&random::bytes::<6>());
        let tmp = dir.join(format!(".{name}.{suffix}.tmp"));
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let written = options.open(&tmp).and_then(|mut f| {
            f.write_all(&self.0)?;
            f.sync_all()
        });
        let linked = written.and_then(|()| fs::hard_link(&tmp, path));
        // The temporary name goes in every case; the key stays under `path`.
        let _ = fs::remove_file(&tmp);
        linked?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&Key::from(self.0))
    }

    /// Seals `plaintext` for `context`.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<String, SealError> {
        if plaintext.len() > MAX_PLAINTEXT {
            return Err(SealError::TooLarge(plaintext.len()));
        }
        let nonce = random::bytes::<NONCE_LEN>();
        let aad = aad(context);
        let ciphertext = self
            .cipher()
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::TooLarge(plaintext.len()))?;
        let mut body = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        body.extend_from_slice(&nonce);
        body.extend_from_slice(&ciphertext);
        Ok(format!("{PREFIX}{}", BASE64URL_NOPAD.encode(&body)))
    }

    /// Opens a value sealed for `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, SealError> {
        let Some(body) = sealed.strip_prefix(PREFIX) else {
            return Err(SealError::UnknownVersion);
        };
        if sealed.len() > MAX_SEALED {
            return Err(SealError::Malformed("too long"));
        }
        let body = BASE64URL_NOPAD
            .decode(body.as_bytes())
            .map_err(|_| SealError::Malformed("not base64url"))?;
        if body.len() < NONCE_LEN + TAG_LEN {
            return Err(SealError::Malformed("truncated"));
        }
        let (nonce, ciphertext) = body.split_at(NONCE_LEN);
        let nonce =
            <[u8; NONCE_LEN]>::try_from(nonce).map_err(|_| SealError::Malformed("truncated"))?;
        let aad = aad(context);
        self.cipher()
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::Rejected {
                context: context.to_owned(),
            })
    }
}

/// The associated data: the format version and the context, so neither a
/// future format nor another context can reuse a ciphertext.
fn aad(context: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(3 + context.len());
    aad.extend_from_slice(b"v1:");
    aad.extend_from_slice(context.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_format() {
        let key = SealKey::generate();
        let sealed = key.seal(b"JBSWY3DPEHPK3PXP", "totp:42").unwrap();
        assert!(sealed.starts_with("v1."));
        // nonce + 16 bytes + tag in unpadded base64url
        assert_eq!(sealed.len(), 3 + (24 + 16 + 16usize).div_ceil(3) * 4 - 1);
        assert_eq!(key.open(&sealed, "totp:42").unwrap(), b"JBSWY3DPEHPK3PXP");
        // Same plaintext, new nonce, different text.
        assert_ne!(key.seal(b"JBSWY3DPEHPK3PXP", "totp:42").unwrap(), sealed);
        assert_eq!(key.open(&key.seal(b"", "x").unwrap(), "x").unwrap(), b"");
    }

    #[test]
    fn key_text_round_trips_in_every_alphabet() {
        let key = SealKey::generate();
        let std = key.expose_base64();
        for text in [
            std.clone(),
            std.trim_end_matches('=').to_owned(),
            BASE64URL.encode(&key.0),
            format!("  {}\n", BASE64URL_NOPAD.encode(&key.0)),
        ] {
            assert_eq!(SealKey::from_base64(&text).unwrap().0, key.0, "{text}");
        }
        assert!(matches!(
            SealKey::from_base64("c2hvcnQ="),
            Err(SealError::KeyText)
        ));
        assert!(matches!(
            SealKey::from_base64("not base64!"),
            Err(SealError::KeyText)
        ));
    }

    #[test]
    fn debug_is_redacted() {
        assert_eq!(format!("{:?}", SealKey::generate()), "SealKey(***)");
    }
}
