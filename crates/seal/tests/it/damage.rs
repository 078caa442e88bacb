//! Damaged, truncated, foreign and unreadable input: each failure is
//! reported as what it is, and never as another kind.

use std::io::{self, Read, Write};

use cordon_seal::{Damage, Identities, IoWhat, Recipients, SealError, seal, unseal};

use crate::support::{Gen, header_len, keypair, seal_bytes, unseal_bytes};

const CHUNK: usize = cordon_seal::CHUNK_SIZE;
const SEALED_CHUNK: usize = CHUNK + 16;

fn fixture(len: usize) -> (Identities, Vec<u8>, Vec<u8>) {
    let (id, to) = keypair();
    let plain = Gen::bytes(11, len);
    let sealed = seal_bytes(&Recipients::parse([to.as_str()]).unwrap(), &plain);
    (Identities::from_str(&id).unwrap(), plain, sealed)
}

#[test]
fn every_truncation_is_damage() {
    // 2.5 chunks; cut at every interesting place and a sweep in between.
    let (ids, _, sealed) = fixture(2 * CHUNK + CHUNK / 2);
    let payload = header_len(&sealed) + 16;
    let mut cuts = vec![
        cordon_seal::MAGIC.len(),
        header_len(&sealed) - 1,
        header_len(&sealed),
        payload - 1,
        payload,
        payload + 1,
        payload + SEALED_CHUNK,
        payload + 2 * SEALED_CHUNK,
        sealed.len() - 1,
    ];
    cuts.extend((cordon_seal::MAGIC.len()..sealed.len()).step_by(4099));
    for cut in cuts {
        let err = unseal_bytes(&ids, &sealed[..cut]).unwrap_err();
        assert!(
            matches!(err, SealError::Damaged(_)),
            "cut at {cut} of {}: {err}",
            sealed.len()
        );
    }
}

#[test]
fn a_cut_says_where() {
    let (ids, _, sealed) = fixture(2 * CHUNK + 10);
    let payload = header_len(&sealed) + 16;
    // Cut after the first full chunk: the stream ends without a final chunk.
    let err = unseal_bytes(&ids, &sealed[..payload + SEALED_CHUNK]).unwrap_err();
    assert!(
        matches!(err, SealError::Damaged(Damage::Truncated { offset }) if offset == CHUNK as u64),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "damaged or truncated: the payload ends after 65536 plaintext bytes without its final chunk"
    );
    // Cut inside the header.
    let err = unseal_bytes(&ids, &sealed[..header_len(&sealed) - 5]).unwrap_err();
    assert!(
        matches!(err, SealError::Damaged(Damage::TruncatedHeader)),
        "{err}"
    );
}

#[test]
fn a_changed_byte_anywhere_in_the_payload_fails_its_chunk() {
    let (ids, _, sealed) = fixture(3 * CHUNK);
    let payload = header_len(&sealed) + 16;
    for (at, chunk) in [
        (payload, 0u64),
        (payload + 100, 0),
        (payload + SEALED_CHUNK - 1, 0),
        (payload + SEALED_CHUNK + 5, 1),
        (sealed.len() - 1, 2),
    ] {
        let mut bad = sealed.clone();
        bad[at] ^= 0x01;
        let mut out = Vec::new();
        let err = unseal(&ids, &bad[..], &mut out).unwrap_err();
        assert!(
            matches!(err, SealError::Damaged(Damage::Chunk { offset }) if offset == chunk * CHUNK as u64),
            "byte {at}: {err}"
        );
        // Only the chunks before the damaged one were released.
        assert_eq!(out.len() as u64, chunk * CHUNK as u64, "byte {at}");
    }
    // The nonce is part of the payload key: every chunk fails.
    let mut bad = sealed.clone();
    bad[payload - 3] ^= 0x80;
    let err = unseal_bytes(&ids, &bad).unwrap_err();
    assert!(
        matches!(err, SealError::Damaged(Damage::Chunk { offset: 0 })),
        "{err}"
    );
}

#[test]
fn changes_in_the_header_are_caught() {
    let (ids, _, sealed) = fixture(1000);
    let header = header_len(&sealed);
    let text = String::from_utf8(sealed[..header].to_vec()).unwrap();
    // The MAC itself.
    let mac_at = text.rfind("--- ").unwrap() + 10;
    let mut bad = sealed.clone();
    bad[mac_at] = if bad[mac_at] == b'A' { b'B' } else { b'A' };
    let err = unseal_bytes(&ids, &bad).unwrap_err();
    assert!(
        matches!(
            err,
            SealError::Damaged(Damage::HeaderMac | Damage::MalformedHeader)
        ),
        "{err}"
    );
    // A grease or extra stanza added by someone else: the MAC fails.
    let added = text.replacen("\n---", "\n-> extra arg\nAAAA\n---", 1);
    let mut bad = added.into_bytes();
    bad.extend_from_slice(&sealed[header..]);
    let err = unseal_bytes(&ids, &bad).unwrap_err();
    assert!(
        matches!(err, SealError::Damaged(Damage::HeaderMac)),
        "{err}"
    );
    // A stanza line that is not one.
    let broken = text.replacen("\n-> X25519 ", "\n->X25519 ", 1);
    let mut bad = broken.into_bytes();
    bad.extend_from_slice(&sealed[header..]);
    let err = unseal_bytes(&ids, &bad).unwrap_err();
    assert!(
        matches!(err, SealError::Damaged(Damage::MalformedHeader)),
        "{err}"
    );
}

#[test]
fn data_after_the_final_chunk_is_damage() {
    let (ids, _, mut sealed) = fixture(CHUNK + 1);
    sealed.extend_from_slice(b"appended");
    let err = unseal_bytes(&ids, &sealed).unwrap_err();
    assert!(
        matches!(err, SealError::Damaged(Damage::Chunk { .. })),
        "{err}"
    );
}

#[test]
fn a_header_without_end_is_refused_in_bounded_memory() {
    // 8 MiB of one header line: refused at 1 MiB, not read whole.
    let (ids, _, _) = fixture(0);
    let endless = cordon_seal::MAGIC
        .iter()
        .copied()
        .chain(b"-> X25519 ".iter().copied())
        .chain(std::iter::repeat_n(b'A', 8 << 20))
        .collect::<Vec<u8>>();
    let mut counted = Counting {
        inner: &endless[..],
        read: 0,
    };
    let err = unseal(&ids, &mut counted, io::sink()).unwrap_err();
    assert!(
        matches!(err, SealError::Damaged(Damage::HeaderTooLong)),
        "{err}"
    );
    assert!(counted.read < 2 << 20, "read {} bytes", counted.read);
}

#[test]
fn what_is_not_an_age_file_is_said_so() {
    let (ids, _, _) = fixture(0);
    for input in [
        &b""[..],
        b"age",
        b"hello, world\n",
        b"age-encryption.org/v2\n-> X25519 abc\n",
        b"\xef\xbb\xbfage-encryption.org/v1\n",
    ] {
        let err = unseal_bytes(&ids, input).unwrap_err();
        assert!(matches!(err, SealError::NotSealed), "{input:?}: {err}");
    }
    assert_eq!(
        SealError::NotSealed.to_string(),
        "not an age file: no `age-encryption.org/v1` header"
    );
}

#[test]
fn no_message_carries_a_secret() {
    let (id, _) = keypair();
    let secret = id.lines().nth(1).unwrap().to_owned();
    let (ids, plain, sealed) = fixture(5000);
    let other = Identities::from_str(&id).unwrap();
    let errors = [
        unseal_bytes(&other, &sealed).unwrap_err(),
        unseal_bytes(&ids, &sealed[..sealed.len() - 3]).unwrap_err(),
        Identities::from_str(&format!("{secret}x")).unwrap_err(),
        Recipients::parse([secret.as_str()]).unwrap_err(),
    ];
    for err in errors {
        let msg = format!("{err} {err:?}");
        assert!(!msg.contains(&secret[16..]), "{msg}");
        assert!(
            !msg.contains(&String::from_utf8_lossy(&plain[..32]).into_owned()),
            "{msg}"
        );
    }
}

/// A reader that fails after `ok` bytes.
struct FailingReader<'a> {
    data: &'a [u8],
    ok: usize,
}

impl Read for FailingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ok == 0 {
            return Err(io::Error::other("the stick was pulled out"));
        }
        let n = buf.len().min(self.ok).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.ok -= n;
        Ok(n)
    }
}

/// A writer that fails after `ok` bytes.
struct FailingWriter {
    ok: usize,
}

impl Write for FailingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.ok == 0 {
            return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
        }
        let n = buf.len().min(self.ok);
        self.ok -= n;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct Counting<R> {
    inner: R,
    read: usize,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n;
        Ok(n)
    }
}

#[test]
fn io_errors_say_which_side_failed() {
    let (ids, _, sealed) = fixture(3 * CHUNK);
    // The input fails in the prefix, the header and the payload.
    for ok in [0, 10, 60, header_len(&sealed) + 20, 2 * CHUNK] {
        let input = FailingReader { data: &sealed, ok };
        let err = unseal(&ids, input, io::sink()).unwrap_err();
        assert!(
            matches!(
                &err,
                SealError::Io {
                    what: IoWhat::ReadInput,
                    ..
                }
            ),
            "input failing after {ok}: {err}"
        );
        assert!(
            err.to_string().contains("the stick was pulled out"),
            "{err}"
        );
    }
    // The output fails: never reported as damage.
    let err = unseal(&ids, &sealed[..], FailingWriter { ok: 1000 }).unwrap_err();
    assert!(
        matches!(
            &err,
            SealError::Io {
                what: IoWhat::WriteOutput,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.io_kind(), Some(io::ErrorKind::StorageFull));

    // Sealing: the same split.
    let (_, to) = keypair();
    let to = Recipients::parse([to.as_str()]).unwrap();
    let plain = Gen::bytes(1, 300_000);
    let err = seal(
        &to,
        FailingReader {
            data: &plain,
            ok: 100_000,
        },
        io::sink(),
    )
    .unwrap_err();
    assert!(
        matches!(
            &err,
            SealError::Io {
                what: IoWhat::ReadInput,
                ..
            }
        ),
        "{err}"
    );
    for ok in [0, 50, 100_000] {
        let err = seal(&to, &plain[..], FailingWriter { ok }).unwrap_err();
        assert!(
            matches!(
                &err,
                SealError::Io {
                    what: IoWhat::WriteOutput,
                    ..
                }
            ),
            "{ok}: {err}"
        );
    }
}
