//! PowerPoint 97–2003 (`.ppt`): the text atoms of the `PowerPoint
//! Document` stream (MS-PPT §2.3).
//!
//! The stream is a tree of records: an 8-byte header (version and
//! instance, type, length) and either child records (a container, version
//! 0xF) or data (an atom). Slide and notes text lives in `TextCharsAtom`
//! (UTF-16LE) and `TextBytesAtom` (the low bytes of UTF-16) records;
//! comments and hyperlinks keep theirs in `CString` atoms. Text of the
//! main master (the "Click to edit…" placeholders) is skipped, as the
//! PPTX extractor skips masters and layouts. Older copies of edited text
//! that a fast save left in the stream are read too: for DLP they are
//! still in the file.

use super::{Extracted, OleError, u16_at, u32_at};

const TEXT_CHARS_ATOM: u16 = 0x0FA0;
const TEXT_BYTES_ATOM: u16 = 0x0FA8;
const CSTRING: u16 = 0x0FBA;
const MAIN_MASTER: u16 = 0x03F8;
const COMMENT10: u16 = 0x2EE0;
const EX_HYPERLINK: u16 = 0x0FD7;
const CRYPT_SESSION10: u16 = 0x2F14;
/// Containers nest a few levels deep; a forged file nesting deeper is cut
/// off here rather than growing the stack without bound.
const MAX_NESTING: usize = 64;

/// The text of a `PowerPoint Document` stream, at most `cap` bytes; one
/// line per paragraph.
pub(crate) fn ppt_text(stream: &[u8], cap: usize) -> Result<Extracted, OleError> {
    let mut out = Extracted::default();
    // Open containers: where each ends, and what it is.
    let mut open: Vec<(usize, u16)> = Vec::new();
    let mut at = 0usize;
    while at < stream.len() && !out.truncated {
        while open.last().is_some_and(|&(end, _)| at >= end) {
            open.pop();
        }
        // Padding shorter than a header at the very end is tolerated.
        if stream.len() - at < 8 {
            break;
        }
        let ver_inst = u16_at(stream, at, "record header")?;
        let kind = u16_at(stream, at + 2, "record type")?;
        let len = u32_at(stream, at + 4, "record length")? as usize;
        let body = at + 8;
        let end = body.saturating_add(len);
        if kind == CRYPT_SESSION10 {
            return Err(OleError::Encrypted(
                "presentation protected by a password".to_owned(),
            ));
        }
        if ver_inst & 0x000F == 0x000F {
            // A container: step inside. One that claims more than the
            // stream holds is read as far as the stream goes.
            if open.len() < MAX_NESTING {
                open.push((end.min(stream.len()), kind));
            } else {
                return Err(OleError::Corrupt(format!(
                    "records nested more than {MAX_NESTING} deep at byte {at}"
                )));
            }
            at = body;
            continue;
        }
        let data = stream.get(body..end).ok_or_else(|| {
            OleError::Corrupt(format!(
                "record {kind:#06x} at byte {at} claims {len} bytes; the stream has {} left",
                stream.len() - body.min(stream.len())
            ))
        })?;
        let in_master = open.iter().any(|&(_, k)| k == MAIN_MASTER);
        let wanted = match kind {
            TEXT_CHARS_ATOM | TEXT_BYTES_ATOM => !in_master,
            CSTRING => open
                .iter()
                .any(|&(_, k)| k == COMMENT10 || k == EX_HYPERLINK),
            _ => false,
        };
        if wanted {
            if kind == TEXT_BYTES_ATOM {
                for &b in data {
                    put(char::from(b), &mut out, cap);
                }
            } else {
                let units = data.chunks_exact(2).map(|p| match *p {
                    [lo, hi] => u16::from_le_bytes([lo, hi]),
                    _ => 0xFFFD,
                });
                for c in char::decode_utf16(units) {
                    put(c.unwrap_or(char::REPLACEMENT_CHARACTER), &mut out, cap);
                }
            }
            if !out.text.is_empty() && !out.text.ends_with('\n') {
                out.push_char('\n', cap);
            }
        }
        at = end;
    }
    Ok(out)
}

fn put(c: char, out: &mut Extracted, cap: usize) {
    match c {
        // Paragraph end and vertical tab (a line break inside one).
        '\r' | '\u{0B}' => out.push_char('\n', cap),
        c if (c as u32) < 0x20 && c != '\t' && c != '\n' => out.push_char(' ', cap),
        c => out.push_char(c, cap),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut r = Vec::new();
        r.extend_from_slice(&0u16.to_le_bytes());
        r.extend_from_slice(&kind.to_le_bytes());
        r.extend_from_slice(&(data.len() as u32).to_le_bytes());
        r.extend_from_slice(data);
        r
    }

    fn container(kind: u16, children: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = children.concat();
        let mut r = Vec::new();
        r.extend_from_slice(&0x000Fu16.to_le_bytes());
        r.extend_from_slice(&kind.to_le_bytes());
        r.extend_from_slice(&(body.len() as u32).to_le_bytes());
        r.extend_from_slice(&body);
        r
    }

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn sample() -> Vec<u8> {
        // Document { MainMaster { placeholder }, Slide { text, bytes, CString tag },
        // Comment10 { author, text }, ExHyperlink { target } }
        container(
            0x03E8,
            &[
                container(
                    MAIN_MASTER,
                    &[record(TEXT_CHARS_ATOM, &utf16("Click to edit"))],
                ),
                container(
                    0x03EE,
                    &[
                        record(0x0FD5, &[1, 2, 3, 4]),
                        record(TEXT_CHARS_ATOM, &utf16("Card 4111\rИван\u{B}Петров")),
                        record(TEXT_BYTES_ATOM, b"SSN 536-22-8726"),
                        record(CSTRING, &utf16("___PPT10")),
                    ],
                ),
                container(
                    COMMENT10,
                    &[
                        record(CSTRING, &utf16("Reviewer")),
                        record(CSTRING, &utf16("see IBAN")),
                    ],
                ),
                container(
                    EX_HYPERLINK,
                    &[record(CSTRING, &utf16("mailto:a@example.org"))],
                ),
            ],
        )
    }

    #[test]
    fn slide_comment_and_link_text_without_masters_or_tags() {
        let out = ppt_text(&sample(), 1 << 20).unwrap();
        assert_eq!(
            out.text,
            "Card 4111\nИван\nПетров\nSSN 536-22-8726\nReviewer\nsee IBAN\nmailto:a@example.org\n"
        );
        assert!(!out.truncated);
    }

    #[test]
    fn encryption_overruns_and_the_cap() {
        let enc = container(0x03E8, &[container(CRYPT_SESSION10, &[])]);
        assert!(matches!(ppt_text(&enc, 99), Err(OleError::Encrypted(_))));
        let mut s = sample();
        s.truncate(s.len() - 3);
        let e = ppt_text(&s, 1 << 20).unwrap_err().to_string();
        assert!(e.contains("record 0x0fba") && e.contains("claims"), "{e}");
        let out = ppt_text(&sample(), 12).unwrap();
        assert!(out.truncated);
        assert_eq!(out.text, "Card 4111\nИ");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut r = record(TEXT_CHARS_ATOM, &utf16("x"));
        for _ in 0..100 {
            r = container(0x03EE, &[r]);
        }
        let e = ppt_text(&r, 99).unwrap_err().to_string();
        assert!(e.contains("nested"), "{e}");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_respects_the_cap(
            data in proptest::collection::vec(proptest::num::u8::ANY, 0..3000),
            cap in 0usize..300,
        ) {
            if let Ok(out) = ppt_text(&data, cap) {
                proptest::prop_assert!(out.text.len() <= cap);
            }
        }

        #[test]
        fn mutated_records_never_panic(
            flips in proptest::collection::vec((0usize..400, proptest::num::u8::ANY), 1..8),
        ) {
            let mut s = sample();
            for (at, v) in flips {
                let n = s.len();
                s[at % n] = v;
            }
            let _ = ppt_text(&s, 1 << 16);
        }
    }
}
