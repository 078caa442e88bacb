//! Keys, sealing and unsealing helpers, and data generators.

use std::io::{self, Read};

use age::secrecy::ExposeSecret;
use cordon_seal::{Identities, Recipients, SealError, seal, unseal};

/// A fresh X25519 key pair: (identity file text, recipient string).
pub fn keypair() -> (String, String) {
    let id = age::x25519::Identity::generate();
    let text = format!(
        "# public key: {}\n{}\n",
        id.to_public(),
        id.to_string().expose_secret()
    );
    (text, id.to_public().to_string())
}

pub fn seal_bytes(to: &Recipients, plain: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let n = seal(to, plain, &mut out).unwrap();
    assert_eq!(n, plain.len() as u64);
    out
}

pub fn unseal_bytes(ids: &Identities, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
    let mut out = Vec::new();
    let n = unseal(ids, sealed, &mut out)?;
    assert_eq!(n, out.len() as u64);
    Ok(out)
}

/// Deterministic pseudo-random bytes (xorshift64*), for data that does
/// not compress and that a second generator can check.
pub struct Gen {
    state: u64,
    left: u64,
    /// The unread bytes of the last word, at its end.
    word: [u8; 8],
    used: usize,
}

impl Gen {
    pub fn new(seed: u64, len: u64) -> Gen {
        Gen {
            state: seed | 1,
            left: len,
            word: [0; 8],
            used: 8,
        }
    }

    fn next_word(&mut self) -> [u8; 8] {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes()
    }

    pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut v = Vec::new();
        Gen::new(seed, len as u64).read_to_end(&mut v).unwrap();
        v
    }
}

impl Read for Gen {
    /// Whole 8-byte words where it can (400 MB through an unoptimised
    /// test build in seconds); the same stream however it is read.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let mut out = &mut buf[..n];
        while !out.is_empty() {
            if self.used == 8 {
                if out.len() >= 8 {
                    let whole = out.len() - out.len() % 8;
                    let (words, rest) = out.split_at_mut(whole);
                    for chunk in words.chunks_exact_mut(8) {
                        chunk.copy_from_slice(&self.next_word());
                    }
                    out = rest;
                    continue;
                }
                self.word = self.next_word();
                self.used = 0;
            }
            let take = out.len().min(8 - self.used);
            let (now, rest) = out.split_at_mut(take);
            now.copy_from_slice(&self.word[self.used..self.used + take]);
            self.used += take;
            out = rest;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// The size of an age file's payload for `plain` plaintext bytes: the
/// nonce, then each 64 KiB chunk (at least one) and its 16-byte tag.
pub fn payload_len(plain: u64) -> u64 {
    let chunk = cordon_seal::CHUNK_SIZE as u64;
    let chunks = plain.div_ceil(chunk).max(1);
    16 + plain + 16 * chunks
}

/// Where the header ends (the byte after the `--- MAC` line).
pub fn header_len(sealed: &[u8]) -> usize {
    let at = sealed
        .windows(4)
        .position(|w| w == b"\n---")
        .expect("a MAC line");
    at + 1 + sealed[at + 1..].iter().position(|&b| b == b'\n').unwrap() + 1
}
