use super::*;
use proptest::prelude::*;

fn key(n: u8) -> SigningKey {
    SigningKey::from_seed(&[n; 32])
}

fn payload(serial: i64) -> Payload {
    Payload {
        group: "laptops".into(),
        policy_id: "dc".into(),
        policy_version: 3,
        serial,
        issued_at: 1,
        format: "json".into(),
        body: r#"{"policies":[]}"#.into(),
        next_key: None,
    }
}

#[test]
fn a_sealed_bundle_opens_with_its_key() {
    let k = key(1);
    let text = k.seal(&payload(5)).unwrap();
    let o = open(text.as_bytes(), &[k.public()]).unwrap();
    assert_eq!(o.payload, payload(5));
    assert_eq!(o.signed_by, k.public().key_id());
}

#[test]
fn another_key_or_no_key_is_refused() {
    let text = key(1).seal(&payload(5)).unwrap();
    assert!(matches!(
        open(text.as_bytes(), &[key(2).public()]),
        Err(BundleError::UnknownKey(_))
    ));
    assert!(matches!(
        open(text.as_bytes(), &[]),
        Err(BundleError::UnknownKey(_))
    ));
}

#[test]
fn a_key_id_pointing_at_a_trusted_key_does_not_help_a_forger() {
    let good = key(1);
    let evil = key(2);
    let text = evil.seal(&payload(9)).unwrap();
    let mut env: Envelope = serde_json::from_str(&text).unwrap();
    env.key_id = good.public().key_id();
    let forged = serde_json::to_vec(&env).unwrap();
    assert_eq!(
        open(&forged, &[good.public()]),
        Err(BundleError::BadSignature)
    );
}

#[test]
fn stripped_or_tampered_bundles_are_refused() {
    let k = key(1);
    let text = k.seal(&payload(5)).unwrap();
    let env: Envelope = serde_json::from_str(&text).unwrap();
    let mut stripped = env.clone();
    stripped.signature = String::new();
    assert_eq!(
        open(&serde_json::to_vec(&stripped).unwrap(), &[k.public()]),
        Err(BundleError::Unsigned)
    );
    let mut tampered = env.clone();
    let mut p = payload(5);
    p.body = r#"{"policies":[{"everything":"allowed"}]}"#.into();
    tampered.payload = B64.encode(serde_json::to_vec(&p).unwrap());
    assert_eq!(
        open(&serde_json::to_vec(&tampered).unwrap(), &[k.public()]),
        Err(BundleError::BadSignature)
    );
    let mut format = env;
    format.format = "cordon-bundle/0".into();
    assert!(matches!(
        open(&serde_json::to_vec(&format).unwrap(), &[k.public()]),
        Err(BundleError::Format { .. })
    ));
    // The bare payload, no envelope at all.
    assert!(open(&serde_json::to_vec(&payload(5)).unwrap(), &[k.public()]).is_err());
}

#[test]
fn a_signature_over_the_payload_without_the_context_is_refused() {
    let k = key(1);
    let bytes = serde_json::to_vec(&payload(5)).unwrap();
    let sig = k.0.sign(&bytes);
    let env = Envelope {
        format: FORMAT.into(),
        key_id: k.public().key_id(),
        payload: B64.encode(&bytes),
        signature: B64.encode(sig.to_bytes()),
    };
    assert_eq!(
        open(&serde_json::to_vec(&env).unwrap(), &[k.public()]),
        Err(BundleError::BadSignature)
    );
}

#[test]
fn succession_refuses_rollback_other_groups_and_conflicts() {
    let held = payload(10);
    assert!(succession(None, &held, "laptops").is_ok());
    assert!(succession(Some(&held), &payload(11), "laptops").is_ok());
    assert!(succession(Some(&held), &payload(10), "laptops").is_ok());
    assert_eq!(
        succession(Some(&held), &payload(9), "laptops"),
        Err(BundleError::Rollback { got: 9, held: 10 })
    );
    assert!(matches!(
        succession(Some(&held), &payload(11), "servers"),
        Err(BundleError::WrongGroup { .. })
    ));
    let mut same_serial = payload(10);
    same_serial.body = "{}".into();
    assert_eq!(
        succession(Some(&held), &same_serial, "laptops"),
        Err(BundleError::Conflict(10))
    );
}

#[test]
fn keys_round_trip_and_announcements_are_checked() {
    let k = key(7);
    assert_eq!(
        SigningKey::from_hex(&k.to_hex()).unwrap().public(),
        k.public()
    );
    let info = k.public().info();
    assert_eq!(PublicKey::from_info(&info).unwrap(), k.public());
    let mut lying = info;
    lying.key_id = key(8).public().key_id();
    assert!(PublicKey::from_info(&lying).is_err());
    assert!(SigningKey::from_hex("zz").is_err());
    assert!(PublicKey::from_base64("AAAA").is_err());
    assert!(!format!("{k:?}").contains(&k.to_hex()));
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let big = vec![b' '; MAX_BUNDLE + 1];
    assert_eq!(
        open(&big, &[key(1).public()]),
        Err(BundleError::TooLarge(MAX_BUNDLE + 1))
    );
}

proptest! {
    #[test]
    fn open_never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = open(&bytes, &[key(1).public()]);
    }

    #[test]
    fn no_bit_flip_of_a_sealed_bundle_opens_to_another_payload(
        at in any::<prop::sample::Index>(), bit in 0u8..8,
    ) {
        let k = key(1);
        let text = k.seal(&payload(5)).unwrap().into_bytes();
        let mut bad = text.clone();
        let i = at.index(bad.len());
        bad[i] ^= 1 << bit;
        if let Ok(o) = open(&bad, &[k.public()]) {
            // Only flips that base64 or JSON ignore may still open, and
            // then to the very payload that was signed.
            prop_assert_eq!(o.payload, payload(5));
        }
    }

    #[test]
    fn hostile_envelopes_never_panic(
        format in ".{0,20}", key_id in ".{0,40}", p in ".{0,200}", s in ".{0,120}",
    ) {
        let env = Envelope { format, key_id, payload: p, signature: s };
        let _ = open(&serde_json::to_vec(&env).unwrap(), &[key(1).public()]);
    }
}

#[test]
fn a_document_verifies_only_as_its_own_format() {
    let k = key(1);
    let doc = br#"{"computer":"pc1","tasks":[]}"#;
    let text = k.sign_document(TASKS_FORMAT, doc).unwrap();
    let (bytes, by) = open_document(text.as_bytes(), TASKS_FORMAT, &[k.public()]).unwrap();
    assert_eq!(bytes, doc);
    assert_eq!(by, k.public().key_id());
    // Not a bundle, and not another key's.
    assert!(matches!(
        open(text.as_bytes(), &[k.public()]),
        Err(BundleError::Format { .. })
    ));
    assert!(matches!(
        open_document(text.as_bytes(), TASKS_FORMAT, &[key(2).public()]),
        Err(BundleError::UnknownKey(_))
    ));
    // The envelope relabelled as a bundle: the signature covers the format.
    let mut env: Envelope = serde_json::from_str(&text).unwrap();
    env.format = FORMAT.into();
    assert_eq!(
        open_document(&serde_json::to_vec(&env).unwrap(), FORMAT, &[k.public()]),
        Err(BundleError::BadSignature)
    );
    // A bundle's signature is the same as before the formats were general.
    let sealed = k.seal(&payload(5)).unwrap();
    let env: Envelope = serde_json::from_str(&sealed).unwrap();
    let mut m = SIGNING_CONTEXT.to_vec();
    m.extend_from_slice(&B64.decode(&env.payload).unwrap());
    let sig = ed25519_dalek::Signature::from_slice(&B64.decode(&env.signature).unwrap()).unwrap();
    assert!(k.public().0.verify_strict(&m, &sig).is_ok());
}
