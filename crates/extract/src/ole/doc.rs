//! Word 97–2003 (`.doc`): the document's text through its piece table
//! (MS-DOC §2.4.1).
//!
//! The `WordDocument` stream starts with the File Information Block (FIB),
//! which says which table stream (`0Table` or `1Table`) holds the `Clx`.
//! The `Clx` ends in the piece table: character positions (CPs) and, for
//! each piece, where its text sits in `WordDocument` and whether it is
//! stored as 8-bit Windows-1252 ("compressed") or UTF-16LE. All pieces in
//! CP order are the main text followed by footnotes, headers and footers,
//! comments, endnotes and text boxes, so all of them are read.

use super::{Extracted, OleError, u16_at, u32_at};

/// `wIdent` of a Word binary document.
const W_IDENT: u16 = 0xA5EC;
/// `nFib` of Word 97; earlier versions (Word 6/95) have no piece table of
/// this shape and store their text as 8-bit bytes.
const NFIB_WORD97: u16 = 0x00C1;
const F_ENCRYPTED: u16 = 0x0100;
const F_WHICH_TBL_STM: u16 = 0x0200;
const F_OBFUSCATED: u16 = 0x8000;
/// `fcClx` is the 34th pair of the FibRgFcLcb97 blob.
const CLX_PAIR: usize = 33;
const FC_COMPRESSED: u32 = 0x4000_0000;
const FC_MASK: u32 = 0x3FFF_FFFF;

/// Which table stream the FIB points at.
pub(crate) fn table_stream(word: &[u8]) -> Result<&'static str, OleError> {
    let flags = u16_at(word, 0x0A, "FIB flags")?;
    Ok(if flags & F_WHICH_TBL_STM != 0 {
        "1Table"
    } else {
        "0Table"
    })
}

/// The text of a `.doc`: `word` is the `WordDocument` stream, `table` the
/// table stream [`table_stream`] names. At most `cap` bytes.
pub(crate) fn doc_text(word: &[u8], table: &[u8], cap: usize) -> Result<Extracted, OleError> {
    let ident = u16_at(word, 0, "FIB wIdent")?;
    if ident != W_IDENT {
        return Err(OleError::Corrupt(format!(
            "WordDocument stream starts with {ident:#06x}, not the Word signature 0xa5ec"
        )));
    }
    let nfib = u16_at(word, 2, "FIB nFib")?;
    let flags = u16_at(word, 0x0A, "FIB flags")?;
    if flags & (F_ENCRYPTED | F_OBFUSCATED) != 0 {
        return Err(OleError::Encrypted(
            "Word document protected by a password".to_owned(),
        ));
    }
    if nfib < NFIB_WORD97 {
        return Err(OleError::Unsupported(format!(
            "Word document of version {nfib:#06x} (before Word 97)"
        )));
    }
    let (fc_clx, lcb_clx) = clx_location(word)?;
    let clx = table
        .get(fc_clx..fc_clx.saturating_add(lcb_clx))
        .ok_or_else(|| {
            OleError::Corrupt(format!(
                "piece table at bytes {fc_clx}..+{lcb_clx} lies outside the table stream ({} bytes)",
                table.len()
            ))
        })?;
    let plc = piece_table(clx, fc_clx)?;
    read_pieces(word, plc, cap)
}

/// Where the `Clx` sits in the table stream, from the FIB.
fn clx_location(word: &[u8]) -> Result<(usize, usize), OleError> {
    // FibBase (32 bytes), csw + FibRgW97, cslw + FibRgLw97, cbRgFcLcb + blob.
    let csw = usize::from(u16_at(word, 32, "FIB csw")?);
    let at_cslw = 34 + csw * 2;
    let cslw = usize::from(u16_at(word, at_cslw, "FIB cslw")?);
    let at_cb = at_cslw + 2 + cslw * 4;
    let pairs = usize::from(u16_at(word, at_cb, "FIB cbRgFcLcb")?);
    if pairs <= CLX_PAIR {
        return Err(OleError::Corrupt(format!(
            "FIB has {pairs} offset pairs, too few to locate the piece table"
        )));
    }
    let at = at_cb + 2 + CLX_PAIR * 8;
    let fc = u32_at(word, at, "FIB fcClx")?;
    let lcb = u32_at(word, at + 4, "FIB lcbClx")?;
    Ok((fc as usize, lcb as usize))
}

/// The `PlcPcd` inside a `Clx`: property runs (`Prc`, type 1) come first
/// and are skipped, then the piece table (`Pcdt`, type 2).
fn piece_table(clx: &[u8], base: usize) -> Result<&[u8], OleError> {
    let mut at = 0usize;
    loop {
        let kind = *clx.get(at).ok_or_else(|| {
            OleError::Corrupt(format!(
                "no piece table in the Clx at table stream byte {base}"
            ))
        })?;
        match kind {
            1 => {
                let cb = usize::from(u16_at(clx, at + 1, "Clx property run size")?);
                at += 3 + cb;
            }
            2 => {
                let lcb = u32_at(clx, at + 1, "piece table size")? as usize;
                return clx
                    .get(at + 5..(at + 5).saturating_add(lcb))
                    .ok_or_else(|| {
                        OleError::Corrupt(format!(
                            "piece table of {lcb} bytes at table stream byte {} overruns the Clx",
                            base + at
                        ))
                    });
            }
            other => {
                return Err(OleError::Corrupt(format!(
                    "unknown Clx entry {other:#04x} at table stream byte {}",
                    base + at
                )));
            }
        }
    }
}

/// Reads every piece: `n + 1` CPs (u32) then `n` piece descriptors of 8
/// bytes (2 bytes of flags, the `fc` and 2 bytes of `prm`).
fn read_pieces(word: &[u8], plc: &[u8], cap: usize) -> Result<Extracted, OleError> {
    if plc.len() < 4 || !(plc.len() - 4).is_multiple_of(12) {
        return Err(OleError::Corrupt(format!(
            "piece table of {} bytes is not 4 + 12·n bytes long",
            plc.len()
        )));
    }
    let n = (plc.len() - 4) / 12;
    let mut out = Extracted::default();
    for i in 0..n {
        let cp_start = u32_at(plc, i * 4, "piece start")?;
        let cp_end = u32_at(plc, i * 4 + 4, "piece end")?;
        let chars = cp_end.checked_sub(cp_start).ok_or_else(|| {
            OleError::Corrupt(format!(
                "piece {i} ends (CP {cp_end}) before it starts (CP {cp_start})"
            ))
        })? as usize;
        let fc = u32_at(plc, (n + 1) * 4 + i * 8 + 2, "piece position")?;
        let compressed = fc & FC_COMPRESSED != 0;
        let (start, len) = if compressed {
            (((fc & FC_MASK) / 2) as usize, chars)
        } else {
            ((fc & FC_MASK) as usize, chars.saturating_mul(2))
        };
        let bytes = word.get(start..start.saturating_add(len)).ok_or_else(|| {
            OleError::Corrupt(format!(
                "piece {i} (bytes {start}..+{len}) lies outside the WordDocument stream ({} bytes)",
                word.len()
            ))
        })?;
        // Decoded a piece at a time; the special characters are ASCII
        // controls, so they are found byte by byte in the UTF-8.
        let encoding = if compressed {
            encoding_rs::WINDOWS_1252
        } else {
            encoding_rs::UTF_16LE
        };
        let (text, _) = encoding.decode_without_bom_handling(bytes);
        put_text(&text, &mut out, cap);
        if out.truncated {
            break;
        }
    }
    Ok(out)
}

/// Appends `text`, translating Word's special characters (MS-DOC §2.8.25
/// and the field marks); runs of ordinary text are copied whole.
fn put_text(text: &str, out: &mut Extracted, cap: usize) {
    let mut run = 0;
    for (i, b) in text.bytes().enumerate() {
        if b >= 0x20 || b == b'\t' || b == b'\n' {
            continue;
        }
        out.push(text.get(run..i).unwrap_or_default(), cap);
        run = i + 1;
        match b {
            // Paragraph end, line break, page or section break.
            b'\r' | 0x0B | 0x0C => out.push_char('\n', cap),
            // Cell and row end: cells tab-separated.
            0x07 => out.push_char('\t', cap),
            // The separator between a field's code (e.g. `HYPERLINK
            // "mailto:…"`) and its result is a space; field begin (0x13)
            // and end (0x15) vanish.
            0x14 => out.push_char(' ', cap),
            // Non-breaking hyphen.
            0x1E => out.push_char('-', cap),
            // Optional hyphen; anchors of pictures, drawings, notes and
            // comments; other controls.
            _ => {}
        }
    }
    out.push(text.get(run..).unwrap_or_default(), cap);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal Word 97 FIB whose piece table (in `table`) has `pieces`:
    /// (cp length, fc field, bytes placed at the fc's position).
    fn build(pieces: &[(u32, u32)], text_at: usize, text: &[u8], flags: u16) -> (Vec<u8>, Vec<u8>) {
        let mut word = vec![0u8; text_at.max(600)];
        word[0..2].copy_from_slice(&W_IDENT.to_le_bytes());
        word[2..4].copy_from_slice(&0x00C1u16.to_le_bytes());
        word[0x0A..0x0C].copy_from_slice(&flags.to_le_bytes());
        word[32..34].copy_from_slice(&14u16.to_le_bytes());
        let at_cslw = 34 + 28;
        word[at_cslw..at_cslw + 2].copy_from_slice(&22u16.to_le_bytes());
        let at_cb = at_cslw + 2 + 88;
        word[at_cb..at_cb + 2].copy_from_slice(&93u16.to_le_bytes());
        let mut table = vec![0u8; 7];
        // A property run to skip, then the piece table.
        table.extend_from_slice(&[1, 2, 0, 0xAA, 0xBB]);
        let fc_clx = 7u32;
        let mut plc = Vec::new();
        let mut cp = 0u32;
        plc.extend_from_slice(&cp.to_le_bytes());
        for (len, _) in pieces {
            cp += len;
            plc.extend_from_slice(&cp.to_le_bytes());
        }
        for (_, fc) in pieces {
            plc.extend_from_slice(&[0, 0]);
            plc.extend_from_slice(&fc.to_le_bytes());
            plc.extend_from_slice(&[0, 0]);
        }
        table.push(2);
        table.extend_from_slice(&(plc.len() as u32).to_le_bytes());
        table.extend_from_slice(&plc);
        let lcb = (table.len() - 7) as u32;
        let at = at_cb + 2 + CLX_PAIR * 8;
        word[at..at + 4].copy_from_slice(&fc_clx.to_le_bytes());
        word[at + 4..at + 8].copy_from_slice(&lcb.to_le_bytes());
        word.truncate(text_at);
        word.extend_from_slice(text);
        (word, table)
    }

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn compressed_and_unicode_pieces_join_in_cp_order() {
        // Piece 1: "Card 4111\r" as 8-bit at byte 1000 (fc = 2000 | compressed);
        // piece 2: "Иван\x07Ok\x07\x07" as UTF-16 right after it.
        let a = b"Card \x93x\x94 4111\r".to_vec();
        let b = utf16("Иван\u{7}Ok\u{7}\u{7}\u{13} HYPERLINK x\u{14}link\u{15}\u{1E}\u{1F}\u{1}");
        let mut text = a.clone();
        text.extend_from_slice(&b);
        let fc_a = 2000 | FC_COMPRESSED;
        let fc_b = 1000 + a.len() as u32;
        let chars_b = (b.len() / 2) as u32;
        let (word, table) = build(&[(a.len() as u32, fc_a), (chars_b, fc_b)], 1000, &text, 0);
        let out = doc_text(&word, &table, 1 << 20).unwrap();
        assert_eq!(
            out.text,
            "Card \u{201C}x\u{201D} 4111\nИван\tOk\t\t HYPERLINK x link-"
        );
        assert!(!out.truncated);
    }

    #[test]
    fn the_cap_cuts_at_a_character_boundary() {
        let b = utf16("ИванИван");
        let (word, table) = build(&[(8, 1000)], 1000, &b, 0);
        let out = doc_text(&word, &table, 5).unwrap();
        assert_eq!(out.text, "Ив");
        assert!(out.truncated);
    }

    #[test]
    fn encrypted_old_and_broken_documents_say_so() {
        let (word, table) = build(&[(2, 1000)], 1000, &utf16("ab"), F_ENCRYPTED);
        assert!(matches!(
            doc_text(&word, &table, 99),
            Err(OleError::Encrypted(_))
        ));
        let (mut word, table) = build(&[(2, 1000)], 1000, &utf16("ab"), 0);
        word[2..4].copy_from_slice(&0x0068u16.to_le_bytes());
        assert!(matches!(
            doc_text(&word, &table, 99),
            Err(OleError::Unsupported(_))
        ));
        // A piece pointing past the stream.
        let (word, table) = build(&[(50, 1000)], 1000, &utf16("ab"), 0);
        let e = doc_text(&word, &table, 99).unwrap_err().to_string();
        assert!(e.contains("piece 0") && e.contains("outside"), "{e}");
        // A Clx outside the table stream.
        let (word, table) = build(&[(2, 1000)], 1000, &utf16("ab"), 0);
        let e = doc_text(&word, &table[..10], 99).unwrap_err().to_string();
        assert!(e.contains("outside the table stream"), "{e}");
        // Not a Word stream at all.
        let e = doc_text(b"hello world", &table, 99)
            .unwrap_err()
            .to_string();
        assert!(e.contains("signature"), "{e}");
    }

    #[test]
    fn the_table_stream_follows_the_fib_flag() {
        let (word, _) = build(&[], 1000, b"", F_WHICH_TBL_STM);
        assert_eq!(table_stream(&word).unwrap(), "1Table");
        let (word, _) = build(&[], 1000, b"", 0);
        assert_eq!(table_stream(&word).unwrap(), "0Table");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_respects_the_cap(
            word in proptest::collection::vec(proptest::num::u8::ANY, 0..2000),
            table in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
            cap in 0usize..300,
        ) {
            if let Ok(out) = doc_text(&word, &table, cap) {
                proptest::prop_assert!(out.text.len() <= cap);
            }
        }

        #[test]
        fn mutated_piece_tables_never_panic(
            flips in proptest::collection::vec((0usize..4000, proptest::num::u8::ANY), 1..8),
        ) {
            let (mut word, mut table) = build(&[(4, 1000), (3, 2000 | FC_COMPRESSED)], 1000, &utf16("abcdxyz"), 0);
            for (at, v) in flips {
                let len = word.len() + table.len();
                let at = at % len;
                if at < word.len() { word[at] = v } else { table[at - word.len()] = v }
            }
            let _ = doc_text(&word, &table, 1 << 16);
        }
    }
}
