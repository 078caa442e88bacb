//! Any bytes handed to the agent's bundle verifier: it never panics, and
//! never opens anything (no bytes were signed by this key).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = cordon_bundle::SigningKey::from_seed(&[7; 32]).public();
    assert!(cordon_bundle::open(data, &[key]).is_err());
});
