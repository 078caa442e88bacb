//! `unseal` on arbitrary bytes with a fixed X25519 identity: never panic,
//! never report more plaintext than it wrote, and only ever one of its
//! error kinds. Seeds (`seeds/unseal`) are files sealed for this key —
//! binary, armored, several chunks, and a passphrase file — so mutations
//! reach the stanzas, the MAC and the payload, not only the magic line.
#![no_main]

use std::sync::OnceLock;

use cordon_seal::{Identities, SealError, unseal};
use libfuzzer_sys::fuzz_target;

/// The identity of `seeds/unseal` (public key
/// age1dlafsd26ak2rk4vp2ffkkalxg7a3sj2wuse877kg4f2368nlcdgsl5nwjw).
const KEY: &str = "AGE-SECRET-KEY-18CE84YUWWVR72K8JHJZ0R7VHS27K5S0R29JVG7U4HL4U6MU0DV0QTLJ8PG";

fn identities() -> &'static Identities {
    static IDS: OnceLock<Identities> = OnceLock::new();
    IDS.get_or_init(|| Identities::from_str(KEY).unwrap())
}

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    match unseal(identities(), data, &mut out) {
        Ok(n) => assert_eq!(n, out.len() as u64),
        Err(SealError::Io { what, .. }) => {
            // Reading a slice and writing a Vec never fail.
            panic!("an IO error from in-memory buffers: {what}")
        }
        Err(_) => {}
    }
    // No plaintext is released beyond what the input could hold.
    assert!(out.len() <= data.len());
});
