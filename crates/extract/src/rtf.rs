//! RTF text. Written by hand: the RTF crates on crates.io are either
//! unmaintained or build a full document model; extraction only needs a
//! tokenizer that keeps text, decodes `\'hh` and `\uN` escapes in the
//! document's code page, and skips destinations that hold no text.

use crate::{Location, Run, Typed};

/// Groups deeper than this are tracked by count only (no state kept), so
/// a file of a million `{` does not allocate a million states.
const MAX_STACK: usize = 1024;

/// Destinations whose content is not document text.
const SKIP_DESTINATIONS: &[&str] = &[
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "object",
    "objdata",
    "fldinst",
    "themedata",
    "colorschememapping",
    "datastore",
    "latentstyles",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "generator",
    "xmlnstbl",
    "mmathPr",
    "filetbl",
    "revtbl",
    "pgdsctbl",
    "bkmkstart",
    "bkmkend",
    "xe",
    "tc",
    "operator",
    "author",
    "company",
    "listtext",
    "pntext",
];

#[derive(Debug, Clone, Copy)]
struct GroupState {
    skip: bool,
    /// How many fallback characters follow a `\uN`.
    uc: u32,
}

/// Extract the text of an RTF document.
pub(crate) fn rtf_text(data: &[u8]) -> String {
    let mut p = Parser {
        data,
        pos: 0,
        out: String::new(),
        bytes: Vec::new(),
        encoding: encoding_rs::WINDOWS_1252,
        state: GroupState { skip: false, uc: 1 },
        stack: Vec::new(),
        overflow: 0,
        skip_fallback: 0,
        group_start: false,
    };
    p.run();
    p.flush_bytes();
    p.out
}

struct Parser<'a> {
    data: &'a [u8],
    pos: usize,
    out: String,
    /// 8-bit text bytes waiting to be decoded in the document code page
    /// (kept together so double-byte code pages decode right).
    bytes: Vec<u8>,
    encoding: &'static encoding_rs::Encoding,
    state: GroupState,
    stack: Vec<GroupState>,
    overflow: usize,
    /// Fallback characters still to skip after `\uN`.
    skip_fallback: u32,
    /// True right after `{`: the first control word names a destination.
    group_start: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn flush_bytes(&mut self) {
        if !self.bytes.is_empty() {
            let (text, _, _) = self.encoding.decode(&self.bytes);
            self.out.push_str(&text);
            self.bytes.clear();
        }
    }

    fn push_char(&mut self, c: char) {
        if self.state.skip {
            return;
        }
        self.flush_bytes();
        self.out.push(c);
    }

    fn push_byte(&mut self, b: u8) {
        if self.skip_fallback > 0 {
            self.skip_fallback -= 1;
            return;
        }
        if !self.state.skip {
            self.bytes.push(b);
        }
    }

    fn run(&mut self) {
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'{' => {
                    if self.stack.len() < MAX_STACK {
                        self.stack.push(self.state);
                    } else {
                        self.overflow += 1;
                    }
                    self.group_start = true;
                    self.skip_fallback = 0;
                    continue;
                }
                b'}' => {
                    if self.overflow > 0 {
                        self.overflow -= 1;
                    } else if let Some(s) = self.stack.pop() {
                        self.state = s;
                    }
                    self.skip_fallback = 0;
                }
                b'\\' => {
                    self.control();
                    continue;
                }
                b'\r' | b'\n' => {}
                _ => self.push_byte(b),
            }
            self.group_start = false;
        }
    }

    fn control(&mut self) {
        let at_group_start = std::mem::replace(&mut self.group_start, false);
        let Some(c) = self.peek() else { return };
        if !c.is_ascii_alphabetic() {
            self.pos += 1;
            match c {
                b'\'' => {
                    let hex = self
                        .data
                        .get(self.pos..self.pos + 2)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    if let Some(v) = hex {
                        self.pos += 2;
                        self.push_byte(v);
                    }
                }
                b'*' => {
                    // An ignorable destination: skipped unless known text.
                    self.group_start = at_group_start;
                    self.state.skip = true;
                }
                b'~' => self.push_char('\u{a0}'),
                b'_' => self.push_char('-'),
                b'-' => {}
                b'\n' | b'\r' => self.push_char('\n'),
                b'\\' | b'{' | b'}' => self.push_byte(c),
                _ => {}
            }
            return;
        }
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) && self.pos - start < 32 {
            self.pos += 1;
        }
        let word =
            std::str::from_utf8(self.data.get(start..self.pos).unwrap_or_default()).unwrap_or("");
        let num_start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        while self.peek().is_some_and(|b| b.is_ascii_digit()) && self.pos - num_start < 12 {
            self.pos += 1;
        }
        let param = std::str::from_utf8(self.data.get(num_start..self.pos).unwrap_or_default())
            .ok()
            .and_then(|s| s.parse::<i64>().ok());
        if self.peek() == Some(b' ') {
            self.pos += 1;
        }
        if at_group_start && SKIP_DESTINATIONS.contains(&word) {
            self.state.skip = true;
            return;
        }
        match word {
            "par" | "line" | "sect" | "page" | "row" => self.push_char('\n'),
            "tab" | "cell" => self.push_char('\t'),
            "emdash" => self.push_char('\u{2014}'),
            "endash" => self.push_char('\u{2013}'),
            "bullet" => self.push_char('\u{2022}'),
            "lquote" => self.push_char('\u{2018}'),
            "rquote" => self.push_char('\u{2019}'),
            "ldblquote" => self.push_char('\u{201c}'),
            "rdblquote" => self.push_char('\u{201d}'),
            "uc" => {
                self.state.uc = param
                    .and_then(|p| u32::try_from(p).ok())
                    .unwrap_or(1)
                    .min(8)
            }
            "u" => {
                if let Some(p) = param {
                    let code = if p < 0 { p + 65536 } else { p };
                    let ch = u32::try_from(code)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{FFFD}');
                    self.push_char(ch);
                    self.skip_fallback = self.state.uc;
                }
            }
            "ansicpg" => {
                if let Some(enc) = param.and_then(codepage) {
                    self.flush_bytes();
                    self.encoding = enc;
                }
            }
            "mac" => {
                self.flush_bytes();
                self.encoding = encoding_rs::MACINTOSH;
            }
            "bin" => {
                // Raw binary data of `param` bytes follows.
                let n = param.and_then(|p| usize::try_from(p).ok()).unwrap_or(0);
                self.pos = self.pos.saturating_add(n).min(self.data.len());
            }
            _ => {}
        }
    }
}

/// The encoding of a Windows code page number.
fn codepage(cp: i64) -> Option<&'static encoding_rs::Encoding> {
    let label = match cp {
        437 | 850 | 1252 => "windows-1252",
        874 => "windows-874",
        932 => "shift_jis",
        936 => "gbk",
        949 => "euc-kr",
        950 => "big5",
        1250 => "windows-1250",
        1251 => "windows-1251",
        1253 => "windows-1253",
        1254 => "windows-1254",
        1255 => "windows-1255",
        1256 => "windows-1256",
        1257 => "windows-1257",
        1258 => "windows-1258",
        65001 => "utf-8",
        _ => return None,
    };
    encoding_rs::Encoding::for_label(label.as_bytes())
}

impl<E> Run<'_, '_, '_, E> {
    pub(crate) fn rtf(&mut self, loc: &Location, typed: Typed, bytes: &[u8]) -> Result<(), E> {
        let text = rtf_text(bytes);
        self.deliver_text(loc, typed, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::rtf_text;

    #[test]
    fn plain_paragraphs_and_escapes() {
        let doc = br"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Helvetica;}}{\colortbl;\red0\green0\blue0;}
{\*\generator Riched20 10.0;}\pard\f0\fs20 Patient SSN 078-05-1120\par
Caf\'e9 \{braces\} \u8364?5\par
{\*\unknowndest hidden}{\info{\title Secret title}}visible\tab end}";
        let text = rtf_text(doc);
        assert_eq!(
            text,
            "Patient SSN 078-05-1120\nCafé {braces} €5\nvisible\tend"
        );
    }

    #[test]
    fn unicode_with_uc_skip_and_negative() {
        let doc = br"{\rtf1\uc2 a\u-3913??b\uc1\u20320\'c4c}";
        assert_eq!(rtf_text(doc), "a\u{f0b7}b\u{4f60}c");
    }

    #[test]
    fn double_byte_code_page() {
        // "日本" in Shift-JIS.
        let doc = br"{\rtf1\ansi\ansicpg932 \'93\'fa\'96\'7b}";
        assert_eq!(rtf_text(doc), "日本");
    }

    #[test]
    fn deep_nesting_and_truncation_do_not_fail() {
        let mut doc = b"{\\rtf1 ".to_vec();
        doc.extend(std::iter::repeat_n(b'{', 100_000));
        doc.extend_from_slice(b"deep text\\");
        assert_eq!(rtf_text(&doc), "deep text");
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_give_some_text(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            let mut doc = b"{\\rtf1 ".to_vec();
            doc.extend_from_slice(&data);
            // Never panics; the text is never longer than a few bytes per
            // input byte (escapes only shrink, \\uN gives at most 4).
            let text = rtf_text(&doc);
            proptest::prop_assert!(text.len() <= doc.len() * 4);
        }
    }
}
