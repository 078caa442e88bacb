//! Sealing secrets at rest, and the key file.

use std::os::unix::fs::PermissionsExt as _;
use std::sync::Arc;

use cordon_identity::seal::{SealError, SealKey};
use proptest::prelude::*;

#[test]
fn what_is_sealed_opens_with_its_key_and_context_only() {
    let key = SealKey::generate();
    let other = SealKey::generate();
    let sealed = key.seal(b"GEZDGNBVGY3TQOJQ", "totp:42").unwrap();
    assert_eq!(key.open(&sealed, "totp:42").unwrap(), b"GEZDGNBVGY3TQOJQ");

    let rejected = |r: Result<Vec<u8>, SealError>, context: &str| match r {
        Err(SealError::Rejected { context: c }) => assert_eq!(c, context),
        other => panic!("expected Rejected, got {other:?}"),
    };
    rejected(other.open(&sealed, "totp:42"), "totp:42");
    rejected(key.open(&sealed, "totp:43"), "totp:43");
    rejected(key.open(&sealed, "ldap:bind"), "ldap:bind");
    rejected(key.open(&sealed, ""), "");
    let message = key.open(&sealed, "totp:43").unwrap_err().to_string();
    assert!(
        message.contains("`totp:43`") && message.contains("another key"),
        "{message}"
    );
}

#[test]
fn damage_of_every_kind_is_refused() {
    let key = SealKey::generate();
    let sealed = key.seal(b"bind-password", "ldap:bind").unwrap();
    let body = &sealed[3..];

    // Every single character changed (within the alphabet) is refused.
    for i in 0..body.len() {
        let mut chars: Vec<char> = body.chars().collect();
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        let tampered = format!("v1.{}", chars.iter().collect::<String>());
        assert!(key.open(&tampered, "ldap:bind").is_err(), "position {i}");
    }
    // Cut anywhere: refused, as truncated or as not opening.
    for cut in 0..sealed.len() {
        let r = key.open(&sealed[..cut], "ldap:bind");
        assert!(r.is_err(), "cut at {cut}");
    }
    assert!(matches!(
        key.open("v1.AAAA", "ldap:bind"),
        Err(SealError::Malformed("truncated"))
    ));
    assert!(matches!(
        key.open(&format!("{sealed}!"), "ldap:bind"),
        Err(SealError::Malformed("not base64url"))
    ));
    for version in ["v2.", "V1.", "v1", "", "1."] {
        let text = format!("{version}{body}");
        assert!(
            matches!(key.open(&text, "ldap:bind"), Err(SealError::UnknownVersion)),
            "{text}"
        );
    }
    let too_big = vec![0u8; 64 * 1024 + 1];
    assert!(matches!(
        key.seal(&too_big, "x"),
        Err(SealError::TooLarge(_))
    ));
    assert!(key.seal(&too_big[1..], "x").is_ok());
}

#[test]
fn the_key_file_is_created_private_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seal.key");
    let key = SealKey::load_or_create(&path).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(meta.len(), 32);
    let again = SealKey::load_or_create(&path).unwrap();
    let sealed = key.seal(b"s", "c").unwrap();
    assert_eq!(again.open(&sealed, "c").unwrap(), b"s");
    // Nothing else is left in the directory.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_bad_key_file_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seal.key");
    SealKey::load_or_create(&path).unwrap();

    for mode in [0o640, 0o604, 0o660, 0o602] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let e = SealKey::load_or_create(&path).unwrap_err();
        assert!(matches!(e, SealError::KeyFileMode { .. }), "{mode:o}: {e}");
        let message = e.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains(&format!("{mode:03o}")), "{message}");
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    assert!(
        SealKey::load_or_create(&path).is_ok(),
        "read-only for the owner is fine"
    );

    for len in [0, 31, 33, 44] {
        let short = dir.path().join(format!("len{len}.key"));
        std::fs::write(&short, vec![7u8; len]).unwrap();
        std::fs::set_permissions(&short, std::fs::Permissions::from_mode(0o600)).unwrap();
        let e = SealKey::load_or_create(&short).unwrap_err();
        assert!(
            matches!(&e, SealError::KeyFileSize { len: l, .. } if *l == len as u64),
            "{len}: {e}"
        );
        assert!(e.to_string().contains(&short.display().to_string()));
        // The file is left as it was: a key is never overwritten.
        assert_eq!(std::fs::read(&short).unwrap().len(), len);
    }

    let sub = dir.path().join("a-directory");
    std::fs::create_dir(&sub).unwrap();
    assert!(matches!(
        SealKey::load_or_create(&sub),
        Err(SealError::KeyFileType { .. })
    ));
    let missing_dir = dir.path().join("no/such/dir/seal.key");
    let e = SealKey::load_or_create(&missing_dir).unwrap_err();
    assert!(matches!(e, SealError::Create { .. }), "{e}");
    assert!(e.to_string().contains("no/such/dir/seal.key"), "{e}");
}

#[test]
fn servers_starting_together_agree_on_one_key() {
    for _ in 0..10 {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let path = dir.path().join("seal.key");
        let sealed: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let path = path.clone();
                    s.spawn(move || {
                        let key = SealKey::load_or_create(&path).unwrap();
                        key.seal(format!("{i}").as_bytes(), "race").unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let key = SealKey::load_or_create(&path).unwrap();
        for (i, s) in sealed.iter().enumerate() {
            assert_eq!(key.open(s, "race").unwrap(), format!("{i}").as_bytes());
        }
    }
}

proptest! {
    #[test]
    fn opening_arbitrary_text_never_panics(text in ".{0,200}", context in ".{0,20}") {
        let key = SealKey::from_bytes([9; 32]);
        prop_assert!(key.open(&text, &context).is_err());
        let with_prefix = format!("v1.{text}");
        prop_assert!(key.open(&with_prefix, &context).is_err());
    }

    #[test]
    fn opening_base64url_bodies_never_panics(body in "[A-Za-z0-9_-]{0,120}") {
        let key = SealKey::from_bytes([9; 32]);
        let text = format!("v1.{body}");
        prop_assert!(key.open(&text, "c").is_err());
    }

    #[test]
    fn every_plaintext_round_trips(plain in proptest::collection::vec(any::<u8>(), 0..300), context in ".{0,40}") {
        let key = SealKey::from_bytes([3; 32]);
        let sealed = key.seal(&plain, &context).unwrap();
        prop_assert_eq!(key.open(&sealed, &context).unwrap(), plain);
    }
}
