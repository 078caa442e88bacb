//! cordon-bundle: what the server hands its endpoint agents, signed.
//!
//! An agent enforces whatever policy it holds, offline too, so the policy
//! must be something an attacker on the network, on a proxy or in the
//! agent's cache directory cannot forge, strip or roll back. The server
//! signs every bundle with an ed25519 key kept in its data directory; the
//! agent pins that key's public half at enrolment and opens **every**
//! bundle with [`open`], which refuses anything not signed by a key it
//! trusts. There is no unsigned mode.
//!
//! # The envelope
//!
//! ```json
//! {"format": "cordon-bundle/1", "key_id": "3f…", "payload": "<base64>", "signature": "<base64>"}
//! ```
//!
//! `payload` is the base64 of the [`Payload`] JSON bytes exactly as signed:
//! the verifier checks the signature over those bytes (prefixed with the
//! domain tag [`SIGNING_CONTEXT`], so a signature made for anything else
//! with the same key never verifies as a bundle) before it parses a single
//! field of them. `key_id` only picks the key to try; a wrong id fails like
//! a wrong signature.
//!
//! # Succession
//!
//! [`Payload::serial`] grows with every change the server makes to what a
//! group enforces. [`succession`] is the agent's rule for replacing the
//! bundle it holds: same group, serial not lower (a replayed older bundle
//! is a rollback), and at an equal serial the same policy (only the key
//! announcement may differ).
//!
//! # Key rotation
//!
//! A bundle may announce the server's next key ([`Payload::next_key`]).
//! Because the announcement is inside a payload signed by a key the agent
//! already trusts, the agent may add it to its trusted keys; once a bundle
//! signed by the new key arrives, it drops the old one. A key is never
//! accepted any other way after enrolment.
//!
//! Architecture invariant: [`open`] never panics and never returns a
//! payload whose bytes were not signed by one of the keys it was given;
//! input is bounded by [`MAX_BUNDLE`] before parsing.

#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::string_slice))]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::Signer as _;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

/// The envelope's `format`.
pub const FORMAT: &str = "cordon-bundle/1";
/// Prefixed to the payload bytes before signing: a signature over a bundle
/// is never a signature over anything else.
pub const SIGNING_CONTEXT: &[u8] = b"cordon-bundle/1\0";
/// The envelope format of the agent-run plug-in calls the server hands an
/// agent (`GET /v1/agent/tasks`), signed with the same key as bundles.
pub const TASKS_FORMAT: &str = "cordon-tasks/1";
/// The largest envelope accepted, in bytes.
pub const MAX_BUNDLE: usize = 16 << 20;

/// Why a bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("bundle of {0} bytes is over the limit of {MAX_BUNDLE}")]
    TooLarge(usize),
    #[error("bundle is not a signed envelope: {0}")]
    Envelope(String),
    #[error("envelope format `{got}` is not `{want}`")]
    Format { got: String, want: String },
    #[error("bundle is unsigned")]
    Unsigned,
    #[error("bundle is signed by key `{0}`, which this agent does not trust")]
    UnknownKey(String),
    #[error("bundle signature does not verify")]
    BadSignature,
    #[error("bundle payload is not valid: {0}")]
    Payload(String),
    #[error("bundle is for group `{got}`, this agent is in `{want}`")]
    WrongGroup { got: String, want: String },
    #[error("bundle serial {got} is older than the one in force ({held}): refused as a rollback")]
    Rollback { got: i64, held: i64 },
    #[error("bundle serial {0} is the one in force but carries a different policy")]
    Conflict(i64),
    #[error("key: {0}")]
    Key(String),
}

/// The signed envelope, as on the wire and in the agent's cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub format: String,
    pub key_id: String,
    /// Base64 of the payload bytes.
    pub payload: String,
    /// Base64 of the 64-byte ed25519 signature.
    pub signature: String,
}

/// A public key the server announces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    pub key_id: String,
    /// Base64 of the 32-byte ed25519 public key.
    pub public_key: String,
}

/// What a group's agents enforce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// The agent group it is for.
    pub group: String,
    pub policy_id: String,
    pub policy_version: i64,
    /// Grows with every change of what the group enforces (the server
    /// uses the group's last change, in Unix milliseconds).
    pub serial: i64,
    /// When the server signed it, Unix milliseconds.
    pub issued_at: i64,
    /// `json` or `yaml`: the format of `body`.
    pub format: String,
    /// The policy document.
    pub body: String,
    /// The key the server will sign with next, announced under the
    /// current one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_key: Option<KeyInfo>,
}

/// An ed25519 public key with its id.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.key_id())
    }
}

impl PublicKey {
    /// From the base64 of its 32 bytes.
    pub fn from_base64(s: &str) -> Result<PublicKey, BundleError> {
        let bytes = B64
            .decode(s.trim())
            .map_err(|e| BundleError::Key(format!("public key is not base64: {e}")))?;
        let arr: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            BundleError::Key(format!("public key has {} bytes, not 32", bytes.len()))
        })?;
        ed25519_dalek::VerifyingKey::from_bytes(&arr)
            .map(PublicKey)
            .map_err(|_| BundleError::Key("not an ed25519 public key".into()))
    }

    pub fn to_base64(&self) -> String {
        B64.encode(self.0.as_bytes())
    }

    /// The first 8 bytes of the SHA-256 of the key, in hex.
    pub fn key_id(&self) -> String {
        let d = sha2::Sha256::digest(self.0.as_bytes());
        d.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    pub fn info(&self) -> KeyInfo {
        KeyInfo {
            key_id: self.key_id(),
            public_key: self.to_base64(),
        }
    }

    /// From an announcement, checking that its id is the key's.
    pub fn from_info(info: &KeyInfo) -> Result<PublicKey, BundleError> {
        let k = PublicKey::from_base64(&info.public_key)?;
        if k.key_id() != info.key_id {
            return Err(BundleError::Key(format!(
                "key id `{}` does not name the key announced with it",
                info.key_id
            )));
        }
        Ok(k)
    }
}

/// The server's signing key. `Debug` never shows it.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey(***, id {})", self.public().key_id())
    }
}

impl SigningKey {
    /// From a 32-byte secret seed (drawn from the OS's random source by
    /// the caller).
    pub fn from_seed(seed: &[u8; 32]) -> SigningKey {
        SigningKey(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// The seed, for storing the key (hex).
    pub fn to_hex(&self) -> String {
        self.0
            .to_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// From the hex a key file holds.
    pub fn from_hex(s: &str) -> Result<SigningKey, BundleError> {
        let s = s.trim();
        if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(BundleError::Key("a signing key is 64 hex digits".into()));
        }
        let mut seed = [0u8; 32];
        for (i, out) in seed.iter_mut().enumerate() {
            let pair = s
                .get(i * 2..i * 2 + 2)
                .ok_or_else(|| BundleError::Key("short key".into()))?;
            *out = u8::from_str_radix(pair, 16)
                .map_err(|_| BundleError::Key("a signing key is 64 hex digits".into()))?;
        }
        Ok(SigningKey::from_seed(&seed))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs a payload: the envelope's JSON text.
    pub fn seal(&self, payload: &Payload) -> Result<String, BundleError> {
        let bytes = serde_json::to_vec(payload).map_err(|e| BundleError::Payload(e.to_string()))?;
        self.sign_document(FORMAT, &bytes)
    }

    /// Signs `bytes` as a document of `format` (an envelope like a
    /// bundle's): the signature covers `format`, a NUL and the bytes, so
    /// a signature made for one format never verifies as another.
    pub fn sign_document(&self, format: &str, bytes: &[u8]) -> Result<String, BundleError> {
        let sig = self.0.sign(&signed_message(format, bytes));
        let env = Envelope {
            format: format.to_owned(),
            key_id: self.public().key_id(),
            payload: B64.encode(bytes),
            signature: B64.encode(sig.to_bytes()),
        };
        serde_json::to_string(&env).map_err(|e| BundleError::Payload(e.to_string()))
    }
}

/// What a signature covers: the format, a NUL, the payload bytes. For
/// [`FORMAT`] that is [`SIGNING_CONTEXT`] then the payload.
fn signed_message(format: &str, payload: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(format.len() + 1 + payload.len());
    m.extend_from_slice(format.as_bytes());
    m.push(0);
    m.extend_from_slice(payload);
    m
}

/// A verified bundle: its payload and the key that signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub payload: Payload,
    pub signed_by: String,
}

/// Verifies an envelope against the trusted keys and returns its payload.
/// Nothing of the payload is parsed before its signature verifies.
pub fn open(text: &[u8], trusted: &[PublicKey]) -> Result<Opened, BundleError> {
    let (payload_bytes, signed_by) = open_document(text, FORMAT, trusted)?;
    let payload: Payload =
        serde_json::from_slice(&payload_bytes).map_err(|e| BundleError::Payload(e.to_string()))?;
    if payload.group.is_empty() {
        return Err(BundleError::Payload("empty group".into()));
    }
    Ok(Opened { payload, signed_by })
}

/// Verifies an envelope of `format` ([`SigningKey::sign_document`])
/// against the trusted keys: the payload bytes exactly as signed, and the
/// id of the key that signed them. Bounded by [`MAX_BUNDLE`]; an envelope
/// of another format is refused before any signature is checked.
pub fn open_document(
    text: &[u8],
    format: &str,
    trusted: &[PublicKey],
) -> Result<(Vec<u8>, String), BundleError> {
    if text.len() > MAX_BUNDLE {
        return Err(BundleError::TooLarge(text.len()));
    }
    let env: Envelope =
        serde_json::from_slice(text).map_err(|e| BundleError::Envelope(e.to_string()))?;
    if env.format != format {
        return Err(BundleError::Format {
            got: truncate(&env.format),
            want: format.to_owned(),
        });
    }
    if env.signature.trim().is_empty() {
        return Err(BundleError::Unsigned);
    }
    let key = trusted
        .iter()
        .find(|k| k.key_id() == env.key_id)
        .ok_or_else(|| BundleError::UnknownKey(truncate(&env.key_id)))?;
    let sig_bytes = B64
        .decode(env.signature.trim())
        .map_err(|_| BundleError::BadSignature)?;
    let sig =
        ed25519_dalek::Signature::from_slice(&sig_bytes).map_err(|_| BundleError::BadSignature)?;
    let payload_bytes = B64
        .decode(env.payload.trim())
        .map_err(|e| BundleError::Envelope(format!("payload is not base64: {e}")))?;
    key.0
        .verify_strict(&signed_message(format, &payload_bytes), &sig)
        // verify_strict: no weak keys, no malleable signatures.
        .map_err(|_| BundleError::BadSignature)?;
    Ok((payload_bytes, key.key_id()))
}

/// Whether a verified `new` bundle may replace `held` for an agent of
/// `group`: same group, serial not lower, and at an equal serial the same
/// policy.
pub fn succession(held: Option<&Payload>, new: &Payload, group: &str) -> Result<(), BundleError> {
    if new.group != group {
        return Err(BundleError::WrongGroup {
            got: truncate(&new.group),
            want: group.to_owned(),
        });
    }
    let Some(held) = held else {
        return Ok(());
    };
    if new.serial < held.serial {
        return Err(BundleError::Rollback {
            got: new.serial,
            held: held.serial,
        });
    }
    if new.serial == held.serial
        && (new.body != held.body
            || new.policy_id != held.policy_id
            || new.policy_version != held.policy_version)
    {
        return Err(BundleError::Conflict(new.serial));
    }
    Ok(())
}

/// At most 64 characters of attacker-controlled text in an error.
fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

#[cfg(test)]
mod tests;
