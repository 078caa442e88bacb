//! Text stored as UTF-16 inside binary files (legacy Word `.doc` keeps most
//! of its text this way): runs of little-endian UTF-16 code units that are
//! printable Latin text, picked out of the bytes as they stream by.
//!
//! The file's structure is not parsed (an OLE reader would be a second
//! extractor to harden); like `strings -el`, this finds the text wherever
//! it is. Only code units from printable ASCII, Latin-1 and Latin
//! Extended-A/B, the Greek, Cyrillic, Armenian, Hebrew and Arabic blocks
//! (and tab, line feed, carriage return) count, so random binary data
//! rarely forms a run; runs shorter than [`MIN_RUN`] characters are
//! dropped. Runs are joined with line breaks. CJK is left out on purpose:
//! two bytes of 8-bit ASCII text read as one UTF-16 unit land in the CJK
//! blocks, so 8-bit strings in the same file would come out as pages of
//! made-up Chinese; none of the accepted blocks can come from two
//! printable ASCII bytes.

use std::io::{self, Read};

/// Shortest run kept, in characters.
pub(crate) const MIN_RUN: usize = 6;

fn printable(u: u16) -> Option<char> {
    match u {
        0x09 | 0x0A | 0x0D | 0x20..=0x7E | 0xA0..=0x024F
        // Greek, Cyrillic (with its supplement), Armenian, Hebrew, Arabic.
        | 0x0370..=0x06FF => char::from_u32(u32::from(u)),
        _ => None,
    }
}

/// Scans bytes for UTF-16LE runs at even offsets; feed it in any chunks.
#[derive(Debug, Default)]
pub(crate) struct Utf16Runs {
    /// A byte left over from an odd-length chunk.
    odd: Option<u8>,
    run: String,
    run_chars: usize,
    out: String,
    /// Most bytes of text kept; the rest is counted as dropped.
    cap: usize,
    pub(crate) truncated: bool,
}

impl Utf16Runs {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            cap,
            ..Self::default()
        }
    }

    pub(crate) fn feed(&mut self, mut bytes: &[u8]) {
        if let (Some(lo), Some((&hi, rest))) = (self.odd, bytes.split_first()) {
            self.odd = None;
            self.unit(u16::from_le_bytes([lo, hi]));
            bytes = rest;
        }
        let mut pairs = bytes.chunks_exact(2);
        for p in &mut pairs {
            if let [lo, hi] = *p {
                self.unit(u16::from_le_bytes([lo, hi]));
            }
        }
        if let [last] = pairs.remainder() {
            self.odd = Some(*last);
        }
    }

    fn unit(&mut self, u: u16) {
        match printable(u) {
            Some(c) => {
                self.run.push(c);
                self.run_chars += 1;
            }
            None => self.end_run(),
        }
    }

    fn end_run(&mut self) {
        if self.run_chars >= MIN_RUN {
            if self.out.len() + self.run.len() + 1 > self.cap {
                self.truncated = true;
            } else {
                self.out.push_str(&self.run);
                self.out.push('\n');
            }
        }
        self.run.clear();
        self.run_chars = 0;
    }

    /// The text found, runs on their own lines.
    pub(crate) fn finish(mut self) -> (String, bool) {
        self.end_run();
        (self.out, self.truncated)
    }
}

/// A reader that passes bytes through and scans them for UTF-16 runs.
pub(crate) struct Tee<'s, R> {
    pub(crate) inner: R,
    pub(crate) runs: &'s mut Utf16Runs,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.runs.feed(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn scan(bytes: &[u8]) -> String {
        let mut r = Utf16Runs::new(1 << 20);
        r.feed(bytes);
        r.finish().0
    }

    #[test]
    fn finds_text_between_binary_and_skips_short_runs() {
        let mut doc = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        doc.extend(utf16("Patient: Zoë Müller, SSN 536-22-8726"));
        doc.extend([0xFF, 0xFF, 0x00, 0x00]);
        doc.extend(utf16("ok")); // too short to be text
        doc.extend([0x01, 0x00]);
        doc.extend(utf16("Confidential"));
        assert_eq!(
            scan(&doc),
            "Patient: Zoë Müller, SSN 536-22-8726\nConfidential\n"
        );
        // 8-bit text is not UTF-16 and is left to the raw pass.
        assert_eq!(scan(b"plain 8-bit text is not picked up twice"), "");
    }

    #[test]
    fn greek_cyrillic_hebrew_and_arabic_text_is_found() {
        for text in [
            "Конфиденциально: паспорт 4510 123456",
            "Εμπιστευτικό έγγραφο",
            "מסמך סודי ביותר",
            "وثيقة سرية للغاية",
        ] {
            let mut doc = vec![0xD0, 0xCF, 0x11, 0xE0, 0xFF, 0xFF];
            doc.extend(utf16(text));
            doc.extend([0x00, 0x00]);
            assert_eq!(scan(&doc), format!("{text}\n"));
        }
    }

    #[test]
    fn no_two_printable_ascii_bytes_make_an_accepted_unit_outside_latin() {
        // 8-bit text must not come back as UTF-16 text of another script.
        for lo in 0x20..=0x7Eu8 {
            for hi in 0x20..=0x7Eu8 {
                assert_eq!(printable(u16::from_le_bytes([lo, hi])), None, "{lo} {hi}");
            }
        }
    }

    #[test]
    fn the_cap_keeps_whole_runs_and_says_so() {
        let mut r = Utf16Runs::new(10);
        r.feed(&utf16("first run\u{1}second run"));
        assert_eq!(r.finish(), ("first run\n".to_owned(), true));
    }

    proptest! {
        /// Chunking never changes the result, and nothing panics on any bytes.
        #[test]
        fn any_chunking_gives_the_same_text(
            bytes in proptest::collection::vec(any::<u8>(), 0..400),
            cuts in proptest::collection::vec(0usize..400, 0..6),
        ) {
            let whole = scan(&bytes);
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.sort_unstable();
            let mut r = Utf16Runs::new(1 << 20);
            let mut at = 0;
            for c in cuts.into_iter().chain([bytes.len()]) {
                r.feed(&bytes[at..c]);
                at = c;
            }
            prop_assert_eq!(r.finish().0, whole.clone());
            prop_assert!(whole.chars().all(|c| c == '\n' || printable(c as u16).is_some()));
        }

        /// Text written as UTF-16 at an even offset is found whole.
        #[test]
        fn embedded_text_is_found(
            pre in proptest::collection::vec(any::<u8>(), 0..40),
            text in "[A-Za-z0-9 ,.:-]{6,40}",
        ) {
            let mut bytes = pre.clone();
            if bytes.len() % 2 == 1 { bytes.push(0xFF); }
            bytes.extend([0x00, 0x00]);
            bytes.extend(utf16(&text));
            bytes.extend([0x00, 0x00]);
            prop_assert!(scan(&bytes).contains(&text));
        }
    }
}
