//! Sealing then unsealing gives back the same bytes, for every size that
//! meets a chunk boundary, every recipient kind and any way of writing.

use std::io::Write;

use cordon_seal::{Identities, Recipients, SealError, SealWriter, is_sealed, is_sealed_file};
use proptest::prelude::*;

use crate::support::{Gen, header_len, keypair, payload_len, seal_bytes, unseal_bytes};

#[test]
fn sizes_around_the_chunk_boundaries() {
    let (id, to) = keypair();
    let ids = Identities::from_str(&id).unwrap();
    let to = Recipients::parse([to.as_str()]).unwrap();
    for len in [
        0,
        1,
        65_535,
        65_536,
        65_537,
        2 * 65_536,
        3 * 1024 * 1024 + 7,
    ] {
        let plain = Gen::bytes(len as u64, len);
        let sealed = seal_bytes(&to, &plain);
        assert!(is_sealed(&sealed));
        let header = header_len(&sealed) as u64;
        assert_eq!(
            sealed.len() as u64,
            header + payload_len(len as u64),
            "{len} bytes: one 16-byte tag per 64 KiB chunk"
        );
        assert_eq!(unseal_bytes(&ids, &sealed).unwrap(), plain, "{len} bytes");
    }
}

#[test]
fn every_recipient_opens_the_file_and_no_one_else() {
    let keys: Vec<_> = (0..3).map(|_| keypair()).collect();
    let to = Recipients::parse(keys.iter().map(|(_, r)| r.as_str())).unwrap();
    assert_eq!(to.len(), 3);
    let sealed = seal_bytes(&to, b"for three admins");
    for (id, _) in &keys {
        let ids = Identities::from_str(id).unwrap();
        assert_eq!(unseal_bytes(&ids, &sealed).unwrap(), b"for three admins");
    }
    let (other, _) = keypair();
    let err = unseal_bytes(&Identities::from_str(&other).unwrap(), &sealed).unwrap_err();
    assert!(matches!(err, SealError::NoMatchingIdentity), "{err}");
}

#[test]
fn one_of_several_identities_is_enough() {
    let (id_a, _) = keypair();
    let (id_b, to_b) = keypair();
    let sealed = seal_bytes(&Recipients::parse([to_b.as_str()]).unwrap(), b"x");
    let ids = Identities::from_str(&format!("{id_a}\n# second key\n{id_b}")).unwrap();
    assert_eq!(ids.len(), 2);
    assert_eq!(unseal_bytes(&ids, &sealed).unwrap(), b"x");
}

#[test]
fn passphrase_round_trip_and_its_errors() {
    let to = Recipients::passphrase_with_work_factor("correct horse", 10);
    assert!(to.is_passphrase());
    let sealed = seal_bytes(&to, b"by passphrase");
    let text = String::from_utf8_lossy(&sealed[..header_len(&sealed)]).into_owned();
    assert!(text.contains("\n-> scrypt "), "{text}");
    assert!(text.contains(" 10\n"), "the work factor asked for: {text}");

    let ok = Identities::passphrase("correct horse");
    assert_eq!(unseal_bytes(&ok, &sealed).unwrap(), b"by passphrase");

    let err = unseal_bytes(&Identities::passphrase("wrong horse"), &sealed).unwrap_err();
    assert!(matches!(err, SealError::WrongPassphrase), "{err}");

    // A key alone cannot open a passphrase file, and says so.
    let (id, to_key) = keypair();
    let keys = Identities::from_str(&id).unwrap();
    let err = unseal_bytes(&keys, &sealed).unwrap_err();
    assert!(matches!(err, SealError::PassphraseRequired), "{err}");

    // A passphrase cannot open a file sealed for keys.
    let for_key = seal_bytes(&Recipients::parse([to_key.as_str()]).unwrap(), b"k");
    let err = unseal_bytes(&ok, &for_key).unwrap_err();
    assert!(matches!(err, SealError::NoMatchingIdentity), "{err}");

    // Keys and a passphrase together open both.
    let mut both = keys;
    both.add(ok);
    assert_eq!(unseal_bytes(&both, &sealed).unwrap(), b"by passphrase");
    assert_eq!(unseal_bytes(&both, &for_key).unwrap(), b"k");
}

#[test]
fn the_default_passphrase_work_factor_is_the_go_clis() {
    let sealed = seal_bytes(&Recipients::passphrase("pw"), b"");
    let text = String::from_utf8_lossy(&sealed[..header_len(&sealed)]).into_owned();
    assert!(
        text.lines()
            .any(|l| l.starts_with("-> scrypt ") && l.ends_with(" 18")),
        "{text}"
    );
}

#[test]
fn work_factors_above_the_limit_are_refused_without_the_work() {
    // A stanza claiming 2^40 would take days: refused from the header.
    let sealed = seal_bytes(&Recipients::passphrase_with_work_factor("pw", 10), b"x");
    let text = String::from_utf8(sealed[..header_len(&sealed)].to_vec()).unwrap();
    let forged = text.replacen(" 10\n", " 40\n", 1);
    let mut bytes = forged.into_bytes();
    bytes.extend_from_slice(&sealed[header_len(&sealed)..]);
    let err = unseal_bytes(&Identities::passphrase("pw"), &bytes).unwrap_err();
    assert!(
        matches!(err, SealError::WorkFactorTooHigh { log_n: 40, max: 22 }),
        "{err}"
    );
}

#[test]
fn armored_files_unseal_too() {
    let (id, to) = keypair();
    let sealed = seal_bytes(
        &Recipients::parse([to.as_str()]).unwrap(),
        &Gen::bytes(7, 100_000),
    );
    let mut armored =
        age::armor::ArmoredWriter::wrap_output(Vec::new(), age::armor::Format::AsciiArmor).unwrap();
    armored.write_all(&sealed).unwrap();
    let armored = armored.finish().unwrap();
    assert!(armored.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----\n"));
    assert!(is_sealed(&armored));
    let ids = Identities::from_str(&id).unwrap();
    assert_eq!(
        unseal_bytes(&ids, &armored).unwrap(),
        Gen::bytes(7, 100_000)
    );

    // Damage inside the armor's base64 is damage, not an IO error.
    let mut bad = armored.clone();
    let mid = bad.len() / 2;
    bad[mid] = b'!';
    let err = unseal_bytes(&ids, &bad).unwrap_err();
    assert!(matches!(err, SealError::Damaged(_)), "{err}");
}

#[test]
fn sealed_files_are_told_by_their_first_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (_, to) = keypair();
    let sealed = seal_bytes(&Recipients::parse([to.as_str()]).unwrap(), b"abc");
    std::fs::write(dir.path().join("a.age"), &sealed).unwrap();
    std::fs::write(dir.path().join("plain"), b"age-encryption.org/v2\n").unwrap();
    std::fs::write(dir.path().join("empty"), b"").unwrap();
    assert!(is_sealed_file(&dir.path().join("a.age")).unwrap());
    assert!(!is_sealed_file(&dir.path().join("plain")).unwrap());
    assert!(!is_sealed_file(&dir.path().join("empty")).unwrap());
    assert!(is_sealed_file(&dir.path().join("missing")).is_err());
    assert!(
        !is_sealed(b"age-encryption.org/v1"),
        "the magic includes its newline"
    );
    assert!(is_sealed(cordon_seal::MAGIC));
}

#[test]
fn a_seal_writer_dropped_without_finish_leaves_a_truncated_file() {
    let (id, to) = keypair();
    let mut out = Vec::new();
    {
        let mut w = SealWriter::new(&Recipients::parse([to.as_str()]).unwrap(), &mut out).unwrap();
        w.write_all(&Gen::bytes(3, 200_000)).unwrap();
        assert_eq!(w.written(), 200_000);
    }
    let err = unseal_bytes(&Identities::from_str(&id).unwrap(), &out).unwrap_err();
    assert!(matches!(err, SealError::Damaged(_)), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_bytes_round_trip(plain in proptest::collection::vec(any::<u8>(), 0..200_000)) {
        let (id, to) = keypair();
        let sealed = seal_bytes(&Recipients::parse([to.as_str()]).unwrap(), &plain);
        let back = unseal_bytes(&Identities::from_str(&id).unwrap(), &sealed).unwrap();
        prop_assert_eq!(back, plain);
    }

    /// However the plaintext is cut into writes, the file unseals to it
    /// (chunks fill across writes, and a write may span several chunks).
    #[test]
    fn chunked_writes_round_trip(
        plain in proptest::collection::vec(any::<u8>(), 0..300_000),
        cuts in proptest::collection::vec(0usize..140_000, 0..12),
    ) {
        let (id, to) = keypair();
        let mut w = SealWriter::new(&Recipients::parse([to.as_str()]).unwrap(), Vec::new()).unwrap();
        let mut rest = &plain[..];
        for cut in cuts {
            let (now, later) = rest.split_at(cut.min(rest.len()));
            w.write_all(now).unwrap();
            rest = later;
        }
        w.write_all(rest).unwrap();
        w.flush().unwrap();
        prop_assert_eq!(w.written(), plain.len() as u64);
        let sealed = w.finish().unwrap();
        let back = unseal_bytes(&Identities::from_str(&id).unwrap(), &sealed).unwrap();
        prop_assert_eq!(back, plain);
    }
}
