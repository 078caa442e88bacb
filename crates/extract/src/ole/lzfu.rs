//! Compressed RTF (MS-OXRTFCP), the `PR_RTF_COMPRESSED` body of an
//! Outlook message: an LZ77 variant over a 4 KiB ring dictionary that
//! starts out holding a fixed RTF preamble.
//!
//! No well-kept crate does this on its own, and it is forty lines. The
//! CRC in the header is not checked: a damaged body still yields what can
//! be decoded, and a decoder that runs dry simply stops.

use super::{OleError, u32_at};

/// The dictionary's initial content (MS-OXRTFCP §3.1.1.1.1); 207 bytes.
const PREAMBLE: &[u8] = b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";
const DICT: usize = 4096;
const LZFU: u32 = 0x7546_5A4C;
const MELA: u32 = 0x414C_454D;
const HEADER: usize = 16;

/// The RTF inside a compressed-RTF stream, at most `cap` bytes; the flag
/// is true when the RTF was longer and was cut.
pub(crate) fn decompress(data: &[u8], cap: usize) -> Result<(Vec<u8>, bool), OleError> {
    let raw_size = u32_at(data, 4, "compressed RTF header")? as usize;
    let kind = u32_at(data, 8, "compressed RTF header")?;
    let body = data.get(HEADER..).unwrap_or_default();
    let want = raw_size.min(cap);
    match kind {
        MELA => {
            let rtf = body.get(..want.min(body.len())).unwrap_or_default();
            Ok((rtf.to_vec(), raw_size > cap && body.len() > cap))
        }
        LZFU => Ok(lz(body, want, raw_size > cap)),
        other => Err(OleError::Corrupt(format!(
            "compressed RTF of unknown kind {other:#010x} (neither LZFu nor MELA)"
        ))),
    }
}

fn lz(body: &[u8], want: usize, cut: bool) -> (Vec<u8>, bool) {
    let mut dict = [b' '; DICT];
    if let Some(start) = dict.get_mut(..PREAMBLE.len()) {
        start.copy_from_slice(PREAMBLE);
    }
    let mut write = PREAMBLE.len();
    // The declared size is untrusted: grow as the output really grows.
    let mut out = Vec::with_capacity(want.min(body.len().saturating_mul(4)));
    let mut input = body.iter().copied();
    'outer: while let Some(control) = input.next() {
        for bit in 0..8 {
            if out.len() >= want {
                break 'outer;
            }
            if control >> bit & 1 == 0 {
                let Some(b) = input.next() else { break 'outer };
                out.push(b);
                if let Some(slot) = dict.get_mut(write) {
                    *slot = b;
                }
                write = (write + 1) % DICT;
                continue;
            }
            let (Some(hi), Some(lo)) = (input.next(), input.next()) else {
                break 'outer;
            };
            let reference = u16::from_be_bytes([hi, lo]);
            let offset = usize::from(reference >> 4);
            let len = usize::from(reference & 0xF) + 2;
            // A reference to the write position marks the end.
            if offset == write {
                break 'outer;
            }
            for i in 0..len {
                if out.len() >= want {
                    break 'outer;
                }
                // Indices are taken modulo `DICT`, the dictionary's size.
                let b = dict.get((offset + i) % DICT).copied().unwrap_or(b' ');
                out.push(b);
                if let Some(slot) = dict.get_mut(write) {
                    *slot = b;
                }
                write = (write + 1) % DICT;
            }
        }
    }
    let truncated = cut && out.len() >= want;
    (out, truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // Vectors made with the `compressed_rtf` Python package, an
    // implementation of its own; the first is also MS-OXRTFCP's example.
    const HELLO: &str = "2d0000002b0000004c5a4675f1c5c7a703000a007263706731323542320af32068656c090020627705b06c647d0a800fa0";
    const CARDS: &str = "4b000000a90000004c5a46753b1764ac6f000a010301f702a220071302807d490af320430f8234311020203f102110490aa30fcf102010546167cf0b720ab10aff01d0207814ff14ff0514f37d1780";
    const HELLO_MELA: &str = "370000002b0000004d454c41000000007b5c727466315c616e73695c616e7369637067313235325c706172642068656c6c6f20776f726c647d0d0a";

    #[test]
    fn preamble_is_207_bytes() {
        assert_eq!(PREAMBLE.len(), 207);
    }

    #[test]
    fn known_vectors_decompress() {
        let hello = b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n".to_vec();
        assert_eq!(
            decompress(&hex(HELLO), 1 << 20).unwrap(),
            (hello.clone(), false)
        );
        assert_eq!(
            decompress(&hex(HELLO_MELA), 1 << 20).unwrap(),
            (hello, false)
        );
        let (cards, cut) = decompress(&hex(CARDS), 1 << 20).unwrap();
        assert!(!cut);
        let cards = String::from_utf8(cards).unwrap();
        assert_eq!(cards.len(), 169);
        assert_eq!(
            cards.matches("Card 4111 1111 1111 1111").count(),
            2,
            "{cards}"
        );
        assert!(cards.ends_with(&format!("{}}}", "x".repeat(40))), "{cards}");
    }

    #[test]
    fn the_cap_cuts_and_says_so() {
        let (rtf, cut) = decompress(&hex(HELLO), 10).unwrap();
        assert_eq!((rtf.as_slice(), cut), (&b"{\\rtf1\\ans"[..], true));
        let (rtf, cut) = decompress(&hex(HELLO_MELA), 10).unwrap();
        assert_eq!((rtf.len(), cut), (10, true));
    }

    #[test]
    fn bad_headers_are_errors_and_truncated_bodies_stop() {
        let e = decompress(b"\x10\0\0\0", 99).unwrap_err().to_string();
        assert!(e.contains("header"), "{e}");
        let mut bad = hex(HELLO);
        bad[8] = b'X';
        let e = decompress(&bad, 99).unwrap_err().to_string();
        assert!(e.contains("unknown kind"), "{e}");
        let short = hex(HELLO);
        let (rtf, _) = decompress(&short[..30], 1 << 20).unwrap();
        assert!(b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n".starts_with(&rtf));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_respects_the_cap(
            data in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
            cap in 0usize..2000,
        ) {
            let mut d = data;
            if d.len() >= 12 {
                d[8..12].copy_from_slice(&LZFU.to_le_bytes());
            }
            if let Ok((rtf, _)) = decompress(&d, cap) {
                proptest::prop_assert!(rtf.len() <= cap);
            }
        }
    }
}
