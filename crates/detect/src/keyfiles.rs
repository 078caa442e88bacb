//! Keys and key stores in binary files, read at a document's first byte:
//! in DER, a PKCS #12 file (`.p12`, `.pfx`) that holds a private key and
//! a private key file (`.der`, `.key`) in PKCS #8 (RFC 5208, plain or
//! encrypted), PKCS #1 (RFC 8017, RSA; OpenSSL's DSA layout is alike) or
//! SEC 1 (RFC 5915, EC) form; a Java key store (JKS, JCEKS) with a private
//! or secret key entry; an OpenPGP secret key (`secring.gpg`, `gpg
//! --export-secret-keys` without armour). Their bytes hold no word a text
//! detector keys on, and the extractor delivers such a file raw, so
//! without this a key store copied to a USB stick would pass as clean.
//!
//! One look per document, at most [`MAX_PEM`] bytes (the reach every
//! detector has after its key), so a stream decides as a whole scan does.
//! Each layout is checked by its fixed structure (a SEQUENCE, a version,
//! the algorithm's object identifier; a key store's magic and its
//! entries' tags; a packet's tag, version and algorithm) before anything
//! is reported: a certificate, a public key or a signature starts
//! otherwise. A key store with no key in it (a trust store such as Java's
//! `cacerts`) is reported low (PKCS #12) or not at all (JKS).

use crate::builtin::D;
use crate::kit::{MAX_PEM, Sink};
use crate::model::Confidence::{self, High, Low, Medium};

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;

/// PKCS #7 `data` and `signedData` (1.2.840.113549.1.7.1 and .2): the
/// content types a PFX's `authSafe` may have.
const P7_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
const P7_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
/// PKCS #12 bag types (1.2.840.113549.1.12.10.1.x) with tag and length,
/// without the last arc: 1 `keyBag`, 2 `pkcs8ShroudedKeyBag`, 3 `certBag`.
const BAG: &[u8] = &[
    OID, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01,
];

/// Private key algorithms of a PKCS #8 `PrivateKeyInfo`: rsaEncryption,
/// RSASSA-PSS, id-dsa, id-ecPublicKey, X25519, X448, Ed25519, Ed448.
const KEY_ALGORITHMS: &[&[u8]] = &[
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a],
    &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01],
    &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01],
    &[0x2b, 0x65, 0x6e],
    &[0x2b, 0x65, 0x6f],
    &[0x2b, 0x65, 0x70],
    &[0x2b, 0x65, 0x71],
];

/// Encryption schemes of a PKCS #8 `EncryptedPrivateKeyInfo`: PBES2
/// (1.2.840.113549.1.5.13), the PKCS #5 v1.5 schemes (1.2.840.113549.1.5.x)
/// and the PKCS #12 ones (1.2.840.113549.1.12.1.x), as prefixes.
const KEY_ENCRYPTIONS: &[&[u8]] = &[
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05],
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01],
];

/// A DER element: its tag's position, where its content starts and
/// how long it is (`None`: BER's indefinite length, which PKCS #12 files
/// exported by Windows use for their outer structures).
#[derive(Clone, Copy)]
struct Tlv {
    content: usize,
    len: Option<usize>,
}

impl Tlv {
    /// The element with tag `tag` at `i` of `t`.
    fn read(t: &[u8], i: usize, tag: u8) -> Option<Tlv> {
        if *t.get(i)? != tag {
            return None;
        }
        let first = *t.get(i + 1)?;
        let (len, content) = match first {
            0x00..=0x7f => (Some(usize::from(first)), i + 2),
            0x80 => (None, i + 2),
            0x81..=0x83 => {
                let n = usize::from(first & 0x7f);
                let bytes = t.get(i + 2..i + 2 + n)?;
                // DER writes a length in as few bytes as it needs.
                if bytes.first() == Some(&0) {
                    return None;
                }
                (Some(big_endian(bytes)), i + 2 + n)
            }
            _ => return None,
        };
        Some(Tlv { content, len })
    }

    /// Where the element ends (a definite length only).
    fn end(self) -> Option<usize> {
        self.len.map(|l| self.content + l)
    }

    /// The content's bytes (a definite length only).
    fn bytes(self, t: &[u8]) -> Option<&[u8]> {
        t.get(self.content..self.end()?)
    }
}

/// Reports the key or key store that starts at the text's first byte.
pub(crate) fn at_start(sk: &mut Sink<'_>) {
    let t = sk.t;
    match t.first() {
        Some(&SEQUENCE) => der(sk),
        Some(0xfe | 0xce) => {
            if let Some(conf) = java_key_store(t) {
                sk.emit_fixed(D::PrivateKey, 0, t.len().min(MAX_PEM), conf);
            }
        }
        Some(0x94..=0x97 | 0xc5) => {
            if let Some(end) = pgp_secret_key(t) {
                sk.emit_fixed(D::PrivateKey, 0, end, High);
            }
        }
        _ => {}
    }
}

/// A DER key or PKCS #12 file at the text's first byte.
fn der(sk: &mut Sink<'_>) {
    let t = sk.t;
    let Some(outer) = Tlv::read(t, 0, SEQUENCE) else {
        return;
    };
    // The whole structure, as far as the reach goes.
    let end = outer.end().unwrap_or(t.len()).min(t.len()).min(MAX_PEM);
    if end <= outer.content {
        return;
    }
    if let Some(conf) = pkcs12(t, outer, end) {
        sk.emit_fixed(D::Pkcs12File, 0, end, conf);
    } else if private_key(t, outer) {
        sk.emit_fixed(D::PrivateKey, 0, end, High);
    }
}

/// A PFX (RFC 7292): version 3, then its `authSafe` whose content type is
/// `data` or `signedData`. High when a key bag shows: OpenSSL, Java's
/// keytool and Windows write the (shrouded) key's bag in the clear, only
/// its key encrypted. When the whole file was read and no key bag shows,
/// it holds certificates only (a trust store such as Java's `cacerts`,
/// whose certificates are encrypted too) or lost its end: low. Medium
/// when the file is longer than the reach and no key bag showed in it.
fn pkcs12(t: &[u8], outer: Tlv, end: usize) -> Option<Confidence> {
    let version = Tlv::read(t, outer.content, INTEGER)?;
    if version.bytes(t)? != [3] {
        return None;
    }
    let auth_safe = Tlv::read(t, version.end()?, SEQUENCE)?;
    let kind = Tlv::read(t, auth_safe.content, OID)?.bytes(t)?;
    if kind != P7_DATA && kind != P7_SIGNED_DATA {
        return None;
    }
    let body = t.get(..end)?;
    let key_bag = memchr::memmem::find_iter(body, BAG)
        .any(|i| matches!(body.get(i + BAG.len()), Some(1 | 2)));
    // Read whole: the structure ended, or the document did (a truncated
    // file), within the reach.
    let whole = outer.end().is_some_and(|e| e <= end) || t.len() <= MAX_PEM;
    Some(if key_bag {
        High
    } else if whole {
        Low
    } else {
        Medium
    })
}

/// A private key in PKCS #8, PKCS #1 or SEC 1 form.
fn private_key(t: &[u8], outer: Tlv) -> bool {
    let Some(first) = t.get(outer.content) else {
        return false;
    };
    match *first {
        INTEGER => plain_key(t, outer),
        SEQUENCE => encrypted_pkcs8(t, outer),
        _ => false,
    }
}

/// A key whose structure starts with its version: PKCS #8's
/// `PrivateKeyInfo` (0 or 1, then a known algorithm and the key's OCTET
/// STRING), SEC 1's `ECPrivateKey` (1, then a scalar of 20 to 66 bytes),
/// or PKCS #1's `RSAPrivateKey` (0, then the modulus, the public exponent
/// and the private exponent; OpenSSL's DSA key has the same start).
fn plain_key(t: &[u8], outer: Tlv) -> bool {
    let Some(version) = Tlv::read(t, outer.content, INTEGER) else {
        return false;
    };
    let (Some(v), Some(next)) = (version.bytes(t), version.end()) else {
        return false;
    };
    match (v, t.get(next)) {
        ([0 | 1], Some(&SEQUENCE)) => pkcs8(t, next),
        ([1], Some(&OCTET_STRING)) => Tlv::read(t, next, OCTET_STRING)
            .and_then(|s| s.len)
            .is_some_and(|l| (20..=66).contains(&l)),
        ([0], Some(&INTEGER)) => pkcs1(t, next),
        _ => false,
    }
}

fn pkcs8(t: &[u8], at: usize) -> bool {
    let Some(alg) = Tlv::read(t, at, SEQUENCE) else {
        return false;
    };
    let oid = Tlv::read(t, alg.content, OID).and_then(|o| o.bytes(t));
    oid.is_some_and(|o| KEY_ALGORITHMS.contains(&o))
        && alg.end().is_some_and(|e| t.get(e) == Some(&OCTET_STRING))
}

fn pkcs1(t: &[u8], at: usize) -> bool {
    let big = |tlv: Option<Tlv>| tlv.and_then(|x| x.len).is_some_and(|l| l >= 64);
    let Some(modulus) = Tlv::read(t, at, INTEGER).filter(|m| big(Some(*m))) else {
        return false;
    };
    let Some(exponent) = modulus.end().and_then(|e| Tlv::read(t, e, INTEGER)) else {
        return false;
    };
    big(exponent.end().and_then(|e| Tlv::read(t, e, INTEGER)))
}

/// PKCS #8's `EncryptedPrivateKeyInfo`: the encryption's algorithm
/// (PBES2 or a PKCS #5 / PKCS #12 scheme), then the encrypted key.
fn encrypted_pkcs8(t: &[u8], outer: Tlv) -> bool {
    let Some(alg) = Tlv::read(t, outer.content, SEQUENCE) else {
        return false;
    };
    let oid = Tlv::read(t, alg.content, OID).and_then(|o| o.bytes(t));
    oid.is_some_and(|o| KEY_ENCRYPTIONS.iter().any(|p| o.starts_with(p)))
        && alg.end().is_some_and(|e| t.get(e) == Some(&OCTET_STRING))
}

/// A Java key store (JKS, magic `FEEDFEED`; JCEKS, `CECECECE`; version 1
/// or 2): high when its entries, walked from the first, reach a private
/// key (tag 1) or, in a JCEKS, a secret key (tag 3); nothing when every
/// entry is a trusted certificate (tag 2: a trust store). A walk that
/// cannot finish — an entry past the reach, an unknown tag, more entries
/// than it walks — leaves a key store undecided, so not clean: medium, or
/// low when the document itself ended (a truncated or damaged file).
fn java_key_store(t: &[u8]) -> Option<Confidence> {
    let int_at = |i: usize, n: usize| t.get(i..i + n).map(big_endian);
    let jceks = match t.get(..4)? {
        [0xfe, 0xed, 0xfe, 0xed] => false,
        [0xce, 0xce, 0xce, 0xce] => true,
        _ => return None,
    };
    let version = int_at(4, 4)?;
    if !(1..=2).contains(&version) {
        return None;
    }
    let count = int_at(8, 4)?;
    let undecided = Some(if t.len() <= MAX_PEM { Low } else { Medium });
    // A certificate: its type's name (version 2) and its bytes.
    let cert = |i: usize| -> Option<usize> {
        let i = if version == 2 {
            i + 2 + int_at(i, 2)?
        } else {
            i
        };
        Some(i + 4 + int_at(i, 4)?)
    };
    let mut i = 12;
    for _ in 0..count.min(64) {
        // The tag, the alias (a length and modified UTF-8), a timestamp.
        let (Some(tag), Some(alias)) = (int_at(i, 4), int_at(i + 4, 2)) else {
            return undecided;
        };
        match tag {
            1 => return Some(High),
            3 if jceks => return Some(High),
            2 => match cert(i + 6 + alias + 8) {
                Some(next) if next <= t.len().min(MAX_PEM) => i = next,
                _ => return undecided,
            },
            _ => return undecided,
        }
    }
    if count > 64 { undecided } else { None }
}

/// A big-endian unsigned integer of at most eight bytes.
fn big_endian(b: &[u8]) -> usize {
    b.iter().fold(0usize, |a, &x| a << 8 | usize::from(x))
}

/// An OpenPGP secret key packet (RFC 9580: tag 5; a key file starts with
/// its primary key) at the text's first byte, in the old or the new packet
/// format: version 4, 5 or 6, a creation time, a public key algorithm
/// RFC 9580 registers. The end of the packet, within the reach.
fn pgp_secret_key(t: &[u8]) -> Option<usize> {
    let first = *t.first()?;
    let (tag, len, body) = if first & 0x40 == 0 {
        // Old format: 10TTTTLL, the length in 1, 2 or 4 bytes.
        let n = match first & 0x03 {
            0 => 1,
            1 => 2,
            2 => 4,
            _ => return None,
        };
        ((first >> 2) & 0x0f, big_endian(t.get(1..1 + n)?), 1 + n)
    } else {
        // New format: 11TTTTTT, a one- or two-byte length.
        let l0 = usize::from(*t.get(1)?);
        let (len, n) = match l0 {
            0..=191 => (l0, 1),
            192..=223 => (((l0 - 192) << 8) + usize::from(*t.get(2)?) + 192, 2),
            _ => return None,
        };
        (first & 0x3f, len, 1 + n)
    };
    if tag != 5 || len < 20 {
        return None;
    }
    let version = *t.get(body)?;
    let algorithm = *t.get(body + 5)?;
    // RSA, Elgamal, DSA, ECDH, ECDSA, EdDSA (legacy), X25519, X448,
    // Ed25519, Ed448.
    let known = matches!(algorithm, 1 | 16 | 17 | 18 | 19 | 22 | 25..=28);
    (matches!(version, 4..=6) && known).then(|| (body + len).min(t.len()).min(MAX_PEM))
}
