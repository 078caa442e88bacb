//! cordon-seal: age (v1) encryption of files for removable media,
//! streaming, in bounded memory.
//!
//! When a policy says that files copied to a USB stick must be encrypted,
//! the endpoint agent seals them here, and an administrator recovers them
//! with `cordon unseal` — or with any age implementation, such as Debian's
//! `age` package, because the format is [age v1] (C2SP) and nothing else:
//! a text header with one stanza per recipient (`-> X25519 …`, or a single
//! `-> scrypt …` for a passphrase) and an HMAC, a 16-byte nonce, then the
//! payload in 64 KiB chunks, each sealed with ChaCha20-Poly1305 under a
//! key derived from a random file key.
//!
//! The cryptography is the `age` crate's (rage, by one of the format's
//! authors, tested against the Go reference); this crate is the narrow
//! part Cordon needs around it:
//!
//! - [`Recipients`] and [`Identities`] parse keys with errors that say
//!   which key or which line is wrong, and never print a secret;
//! - [`SealWriter`] and [`seal`] stream plaintext into an age file, one
//!   chunk in memory at a time;
//! - [`unseal`] streams an age file (binary or ASCII-armored) back out,
//!   and sorts every failure into a [`SealError`]: not an age file, no
//!   matching identity, wrong passphrase, damaged or truncated (with the
//!   plaintext offset), or IO on the input or the output side;
//! - [`is_sealed`] and [`is_sealed_file`] tell a sealed file by its
//!   first bytes.
//!
//! The library never writes plaintext to disk, starts no process, and
//! holds at most a chunk or two and [`MAX_HEADER`] bytes of header,
//! whatever the size of a file.
//!
//! ```
//! use cordon_seal::{Identities, Recipients, seal, unseal};
//! let ids = Identities::from_str(
//!     "# public key: age1dlafsd26ak2rk4vp2ffkkalxg7a3sj2wuse877kg4f2368nlcdgsl5nwjw\n\
//!      AGE-SECRET-KEY-18CE84YUWWVR72K8JHJZ0R7VHS27K5S0R29JVG7U4HL4U6MU0DV0QTLJ8PG\n",
//! )?;
//! let to = Recipients::parse(["age1dlafsd26ak2rk4vp2ffkkalxg7a3sj2wuse877kg4f2368nlcdgsl5nwjw"])?;
//! let mut sealed = Vec::new();
//! seal(&to, &b"quarterly figures"[..], &mut sealed)?;
//! assert!(cordon_seal::is_sealed(&sealed));
//! let mut plain = Vec::new();
//! unseal(&ids, &sealed[..], &mut plain)?;
//! assert_eq!(plain, b"quarterly figures");
//! # Ok::<(), cordon_seal::SealError>(())
//! ```
//!
//! [age v1]: https://c2sp.org/age

// Declared rules (ARCHITECTURE.md): library code never indexes or slices in
// a way that can panic, and every `allow` says why.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::allow_attributes_without_reason
    )
)]

mod error;
mod identities;
mod recipients;
mod seal;
mod unseal;

use std::io::Read as _;
use std::path::Path;

pub use error::{Damage, IoWhat, SealError};
pub use identities::Identities;
pub use recipients::{DEFAULT_WORK_FACTOR, MAX_WORK_FACTOR, Recipients};
pub use seal::{SealWriter, seal};
pub use unseal::unseal;

/// The first line of every binary age v1 file.
pub const MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// The first line of an ASCII-armored age file (PEM-like, as `age -a`
/// writes). Sealing writes binary files; unsealing reads both.
pub const ARMOR_BEGIN: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";

/// Plaintext bytes per STREAM chunk (each is 16 bytes longer sealed).
pub const CHUNK_SIZE: usize = 64 * 1024;

/// The longest header [`unseal`] reads (about 8,000 X25519 stanzas):
/// a longer one is reported as damage instead of being held in memory.
pub const MAX_HEADER: usize = 1 << 20;

/// True iff `prefix` starts with [`MAGIC`] or [`ARMOR_BEGIN`]. Give it at
/// least 34 bytes (the armor line's length) to tell armored files.
pub fn is_sealed(prefix: &[u8]) -> bool {
    prefix.starts_with(MAGIC) || prefix.starts_with(ARMOR_BEGIN)
}

/// Whether the file at `path` starts like an age file (reads its first
/// 34 bytes; follows a symbolic link, as opening a file does).
pub fn is_sealed_file(path: &Path) -> std::io::Result<bool> {
    let file = std::fs::File::open(path)?;
    let mut prefix = Vec::with_capacity(ARMOR_BEGIN.len());
    file.take(ARMOR_BEGIN.len() as u64)
        .read_to_end(&mut prefix)?;
    Ok(is_sealed(&prefix))
}
