//! Opening a sealed value from arbitrary text (a database column is not
//! to be trusted): never panic, never open. Half the inputs are put behind
//! the `v1.` prefix so that mutations reach the base64 and AEAD layers.
#![no_main]

use cordon_identity::seal::SealKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = SealKey::from_bytes([7; 32]);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (context, sealed) = text.split_once('\n').unwrap_or(("totp:1", text));
    assert!(key.open(sealed, context).is_err());
    assert!(key.open(&format!("v1.{sealed}"), context).is_err());
    // A value sealed for this context opens, and only for it.
    let plain = sealed.as_bytes();
    if let Ok(s) = key.seal(plain, context) {
        assert_eq!(key.open(&s, context).ok().as_deref(), Some(plain));
        assert!(key.open(&s, &format!("{context}x")).is_err());
    }
});
