//! What a member is, judged from its first bytes (never its name).
//!
//! Signatures of binary formats come first; then text is recognised by
//! its encoding (BOM, UTF-8 validity, UTF-16 without BOM by its zero
//! bytes, else Windows-1252 when it has few control bytes) and its kind
//! (HTML, XML, RTF, e-mail, plain). Zip is refined to an office format
//! later, by looking at its entries (see `office`).

use std::fmt;

use cordon_filetype::FileType;

/// How many leading bytes the sniffer looks at.
pub const HEAD_LEN: usize = 8192;

/// The kinds of content the extractor tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Zero bytes.
    Empty,
    /// Text with no markup the extractor knows.
    Text,
    Html,
    Xml,
    Rtf,
    /// An RFC 5322 message (`.eml`).
    Email,
    Pdf,
    Zip,
    Tar,
    Gzip,
    Bzip2,
    Xz,
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Ods,
    Odp,
    /// Another OpenDocument type (drawing, formula, ...); content.xml read.
    OdfOther,
    /// A zip with `[Content_Types].xml` that is none of the three above.
    OoxmlOther,
    /// PNG, JPEG, GIF: no text layer (there is no OCR).
    Image,
    /// Anything else: delivered as raw bytes.
    Binary,
}

impl Format {
    /// A stable lowercase name for output.
    pub fn name(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Text => "text",
            Self::Html => "html",
            Self::Xml => "xml",
            Self::Rtf => "rtf",
            Self::Email => "email",
            Self::Pdf => "pdf",
            Self::Zip => "zip",
            Self::Tar => "tar",
            Self::Gzip => "gzip",
            Self::Bzip2 => "bzip2",
            Self::Xz => "xz",
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
            Self::Pptx => "pptx",
            Self::Odt => "odt",
            Self::Ods => "ods",
            Self::Odp => "odp",
            Self::OdfOther => "odf",
            Self::OoxmlOther => "ooxml",
            Self::Image => "image",
            Self::Binary => "binary",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Built-in type ids (see `cordon_filetype::BUILTIN`) for the formats the
/// extractor itself recognises or refines.
pub(crate) mod ids {
    pub const UNKNOWN: u32 = 0x0000_0000;
    pub const TEXT: u32 = 0x0001_0100;
    pub const XML: u32 = 0x0001_0200;
    pub const HTML: u32 = 0x0001_0300;
    pub const PDF: u32 = 0x0002_0000;
    pub const ZIP: u32 = 0x0003_0100;
    pub const GZIP: u32 = 0x0003_0200;
    pub const BZIP2: u32 = 0x0003_0300;
    pub const XZ: u32 = 0x0003_0400;
    pub const SEVEN_ZIP: u32 = 0x0003_0500;
    pub const RAR: u32 = 0x0003_0600;
    pub const TAR: u32 = 0x0003_0700;
    pub const CAB: u32 = 0x0003_0800;
    pub const ZSTD: u32 = 0x0003_0900;
    pub const EML: u32 = 0x0008_0200;
    pub const MBOX: u32 = 0x0008_0400;
    pub const DOCX: u32 = 0x000A_0100;
    pub const XLSX: u32 = 0x000A_0200;
    pub const PPTX: u32 = 0x000A_0300;
    pub const VSDX: u32 = 0x000A_0700;
    pub const OLE: u32 = 0x000A_0800;
    pub const DOC: u32 = 0x000A_0400;
    pub const XLS: u32 = 0x000A_0500;
    pub const PPT: u32 = 0x000A_0600;
    pub const MSG: u32 = 0x0008_0300;
    pub const ODT: u32 = 0x000B_0100;
    pub const ODS: u32 = 0x000B_0200;
    pub const ODP: u32 = 0x000B_0300;
    pub const ODG: u32 = 0x000B_0400;
    pub const RTF: u32 = 0x000C_0100;
    pub const EPUB: u32 = 0x000C_0200;
}

/// The built-in type with `id`, or "Unknown".
pub(crate) fn builtin(id: u32) -> &'static FileType {
    cordon_filetype::by_id(id).unwrap_or_else(cordon_filetype::unknown)
}

/// The reported file type of a member: the signature table's verdict on
/// its first bytes where it names something specific, else the type of
/// the format the extractor recognised (text formats have no signature;
/// office formats are refined from their entries later).
pub(crate) fn file_type(format: Format, head: &[u8]) -> &'static FileType {
    let mut src: &[u8] = head;
    let by_signature = cordon_filetype::identify(&mut src).ok();
    let generic = |t: &FileType| {
        matches!(
            t.id,
            ids::UNKNOWN | ids::TEXT | ids::ZIP | ids::XML | ids::HTML
        )
    };
    match by_signature {
        _ if format == Format::Email && head.starts_with(b"From ") => builtin(ids::MBOX),
        Some(t) if !generic(t) && format != Format::Email => t,
        _ => builtin(format_id(format)),
    }
}

/// The built-in type id of a format.
pub(crate) fn format_id(format: Format) -> u32 {
    match format {
        Format::Empty | Format::Image | Format::Binary => ids::UNKNOWN,
        Format::Text => ids::TEXT,
        Format::Html => ids::HTML,
        Format::Xml => ids::XML,
        Format::Rtf => ids::RTF,
        Format::Email => ids::EML,
        Format::Pdf => ids::PDF,
        Format::Zip | Format::OoxmlOther | Format::OdfOther => ids::ZIP,
        Format::Tar => ids::TAR,
        Format::Gzip => ids::GZIP,
        Format::Bzip2 => ids::BZIP2,
        Format::Xz => ids::XZ,
        Format::Docx => ids::DOCX,
        Format::Xlsx => ids::XLSX,
        Format::Pptx => ids::PPTX,
        Format::Odt => ids::ODT,
        Format::Ods => ids::ODS,
        Format::Odp => ids::ODP,
    }
}

/// The character encoding of a text member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Charset {
    Utf8,
    Utf16Le,
    Utf16Be,
    /// Windows-1252 (a superset of printable Latin-1), the fallback for
    /// text that is not valid UTF-8.
    Windows1252,
}

impl Charset {
    pub(crate) fn encoding(self) -> &'static encoding_rs::Encoding {
        match self {
            Self::Utf8 => encoding_rs::UTF_8,
            Self::Utf16Le => encoding_rs::UTF_16LE,
            Self::Utf16Be => encoding_rs::UTF_16BE,
            Self::Windows1252 => encoding_rs::WINDOWS_1252,
        }
    }
}

/// The sniffer's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub format: Format,
    /// For text formats, how the bytes are encoded.
    pub charset: Charset,
}

impl Sniffed {
    fn binary(format: Format) -> Self {
        Self {
            format,
            charset: Charset::Utf8,
        }
    }
}

/// Judge a member by its first bytes (up to [`HEAD_LEN`]); `complete` says
/// whether `head` is the whole member.
pub fn sniff(head: &[u8], complete: bool) -> Sniffed {
    if head.is_empty() {
        return Sniffed::binary(Format::Empty);
    }
    if let Some(f) = signature(head) {
        return Sniffed::binary(f);
    }
    let charset = match head {
        [0xEF, 0xBB, 0xBF, ..] => Charset::Utf8,
        [0xFF, 0xFE, ..] => Charset::Utf16Le,
        [0xFE, 0xFF, ..] => Charset::Utf16Be,
        _ => match text_charset(head, complete) {
            Some(c) => c,
            None => return Sniffed::binary(Format::Binary),
        },
    };
    let format = match charset {
        Charset::Utf8 | Charset::Windows1252 => text_kind(head),
        Charset::Utf16Le | Charset::Utf16Be => {
            let (decoded, _) = charset.encoding().decode_with_bom_removal(head);
            text_kind(decoded.as_bytes())
        }
    };
    Sniffed { format, charset }
}

fn signature(head: &[u8]) -> Option<Format> {
    let starts = |sig: &[u8]| head.starts_with(sig);
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") || starts(b"PK\x07\x08") {
        return Some(Format::Zip);
    }
    if starts(&[0x1f, 0x8b]) {
        return Some(Format::Gzip);
    }
    if starts(b"BZh") && head.get(3).is_some_and(|b| (b'1'..=b'9').contains(b)) {
        return Some(Format::Bzip2);
    }
    if starts(&[0xFD, b'7', b'z', b'X', b'Z', 0x00]) {
        return Some(Format::Xz);
    }
    if starts(b"\x89PNG\r\n\x1a\n")
        || starts(&[0xFF, 0xD8, 0xFF])
        || starts(b"GIF87a")
        || starts(b"GIF89a")
    {
        return Some(Format::Image);
    }
    // PDF readers accept the header anywhere in the first kilobyte.
    let pdf_window = head.get(..head.len().min(1024)).unwrap_or(head);
    if memchr::memmem::find(pdf_window, b"%PDF-").is_some() {
        return Some(Format::Pdf);
    }
    if starts(b"{\\rtf") {
        return Some(Format::Rtf);
    }
    if is_tar_header(head) {
        return Some(Format::Tar);
    }
    None
}

/// A ustar magic, or an old-style header whose checksum adds up.
fn is_tar_header(head: &[u8]) -> bool {
    let Some(block) = head.get(..512) else {
        return false;
    };
    if block.get(257..262) == Some(b"ustar") {
        return true;
    }
    let Some(field) = block.get(148..156) else {
        return false;
    };
    let digits: Vec<u8> = field
        .iter()
        .copied()
        .skip_while(|b| *b == b' ')
        .take_while(|b| (b'0'..=b'7').contains(b))
        .collect();
    let Some(stored) = std::str::from_utf8(&digits)
        .ok()
        .and_then(|s| u32::from_str_radix(s, 8).ok())
    else {
        return false;
    };
    let sum: u32 = block
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                u32::from(b' ')
            } else {
                u32::from(*b)
            }
        })
        .sum();
    // A block of zeros sums to 256 with spaces: not a header.
    stored == sum && block.first().is_some_and(|b| *b != 0)
}

/// Decide whether `head` is text, and in which encoding.
fn text_charset(head: &[u8], complete: bool) -> Option<Charset> {
    if let Some(c) = utf16_without_bom(head) {
        return Some(c);
    }
    if head.contains(&0) {
        return None;
    }
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A head cut inside a multi-byte character is still UTF-8.
        Err(e) => e.error_len().is_none() && !complete,
    };
    let controls = head
        .iter()
        .filter(|b| **b < 0x20 && !matches!(**b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
        .count();
    // Binary formats are full of control bytes; text has almost none.
    if controls * 100 > head.len() {
        return None;
    }
    if valid {
        return Some(Charset::Utf8);
    }
    Some(Charset::Windows1252)
}

/// UTF-16 text without a BOM: nearly every other byte is zero.
fn utf16_without_bom(head: &[u8]) -> Option<Charset> {
    let pairs = head.len() / 2;
    if pairs < 4 {
        return None;
    }
    let (mut even_zero, mut odd_zero) = (0usize, 0usize);
    for pair in head.chunks_exact(2) {
        if let [a, b] = pair {
            even_zero += usize::from(*a == 0);
            odd_zero += usize::from(*b == 0);
        }
    }
    // ASCII-heavy UTF-16: at least 70% of code units have a zero high byte,
    // and the low bytes are almost never zero.
    if odd_zero * 10 >= pairs * 7 && even_zero * 20 <= pairs {
        return Some(Charset::Utf16Le);
    }
    if even_zero * 10 >= pairs * 7 && odd_zero * 20 <= pairs {
        return Some(Charset::Utf16Be);
    }
    None
}

/// The kind of text, from its (UTF-8 or ASCII-compatible) head.
fn text_kind(head: &[u8]) -> Format {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let trimmed = trim_start(body);
    if trimmed.starts_with(b"{\\rtf") {
        return Format::Rtf;
    }
    // PHP source (`<?php`, `<?=`, a short `<? `) is code, not markup:
    // read as text, as any source file is.
    let php = trimmed
        .get(..5)
        .is_some_and(|h| h.eq_ignore_ascii_case(b"<?php"))
        || trimmed.starts_with(b"<?=")
        || matches!(trimmed, [b'<', b'?', c, ..] if c.is_ascii_whitespace());
    if php {
        return Format::Text;
    }
    if starts_with_tag(trimmed) {
        let lower: Vec<u8> = trimmed
            .iter()
            .take(2048)
            .map(u8::to_ascii_lowercase)
            .collect();
        let has = |s: &[u8]| memchr::memmem::find(&lower, s).is_some();
        if has(b"<!doctype html") || has(b"<html") || has(b"<head") || has(b"<body") {
            return Format::Html;
        }
        if lower.starts_with(b"<?xml") || lower.starts_with(b"<!") {
            return Format::Xml;
        }
        if has(b"<div") || has(b"<p>") || has(b"<table") || has(b"<span") || has(b"<br") {
            return Format::Html;
        }
        return Format::Xml;
    }
    if looks_like_email(body) {
        return Format::Email;
    }
    if html_after_preamble(trimmed) {
        return Format::Html;
    }
    Format::Text
}

/// An HTML document after a short preamble of text: at most two lines
/// of up to 200 bytes (`Attachment contents (converted to text):`, a
/// mail client's note), then a line that opens the document itself
/// (`<!DOCTYPE html`, `<html`). Only those two, and not after a code
/// fence: a fragment of markup in prose (`<p>` in a Markdown file) or an
/// example leaves the text as text.
fn html_after_preamble(b: &[u8]) -> bool {
    let mut rest = b;
    for _ in 0..2 {
        let Some(nl) = rest.iter().take(201).position(|&c| c == b'\n') else {
            return false;
        };
        // Markdown's code fence: the markup is an example in a text.
        if rest.starts_with(b"```") || rest.starts_with(b"~~~") {
            return false;
        }
        rest = trim_start(rest.get(nl + 1..).unwrap_or_default());
        let opens = |s: &[u8]| {
            rest.get(..s.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(s))
        };
        if opens(b"<!doctype html") || opens(b"<html") {
            return true;
        }
    }
    false
}

/// Markup starts with a real tag (`<name`, `<?`, `<!`), not just any `<`
/// (`<2024-01-01> log line`, `<<<<<<< HEAD`), so text is never stripped
/// by mistake.
fn starts_with_tag(b: &[u8]) -> bool {
    match b {
        [b'<', b'?' | b'!', ..] => true,
        [b'<', first, rest @ ..] if first.is_ascii_alphabetic() || *first == b'_' => {
            let name_len = rest
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':'))
                .count();
            matches!(rest.get(name_len), Some(c) if c.is_ascii_whitespace() || *c == b'>' || *c == b'/')
        }
        _ => false,
    }
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    b.get(n..).unwrap_or_default()
}

/// Headers every mail has; a message starts with a block of `Name: value`
/// lines, at least two of them from this list.
const MAIL_HEADERS: &[&[u8]] = &[
    b"from",
    b"to",
    b"subject",
    b"date",
    b"received",
    b"return-path",
    b"message-id",
    b"mime-version",
    b"delivered-to",
    b"content-type",
    b"reply-to",
    b"cc",
    b"x-mailer",
    b"dkim-signature",
    b"authentication-results",
    b"arc-seal",
    b"user-agent",
    b"thread-topic",
    b"x-ms-exchange-organization-authas",
];

/// A message is read as one (its parts decoded, attachments taken out)
/// when it has MIME structure: a `MIME-Version`, `Content-Type` or
/// `Content-Transfer-Encoding` header, or an encoded word (`=?utf-8?…`)
/// in a header. A message without any is plain text as written — a memo
/// that starts `From:` / `To:` / `Subject:`, an RFC 822 message — and
/// read as text, so that every line of it is inspected and offsets are
/// the file's. An mbox archive (a `From ` envelope line first) is split
/// into its messages either way.
fn looks_like_email(head: &[u8]) -> bool {
    let mut known = 0;
    let mut mime = false;
    let mut lines = head.split(|b| *b == b'\n').peekable();
    // mbox files start with a "From " envelope line: a mail archive,
    // split into its messages with or without MIME.
    if lines.peek().is_some_and(|l| l.starts_with(b"From ")) {
        lines.next();
        mime = true;
    }
    for (i, line) in lines.enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            // A folded continuation line.
            if i == 0 {
                return false;
            }
            continue;
        }
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            return false;
        };
        let name = line.get(..colon).unwrap_or_default();
        if name.is_empty() || !name.iter().all(|b| b.is_ascii_graphic()) {
            return false;
        }
        let lower = name.to_ascii_lowercase();
        if MAIL_HEADERS.contains(&lower.as_slice()) {
            known += 1;
        }
        mime |= matches!(
            lower.as_slice(),
            b"mime-version" | b"content-type" | b"content-transfer-encoding"
        ) || memchr::memmem::find(line, b"=?").is_some();
        if i > 200 {
            break;
        }
    }
    known >= 2 && mime
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(b: &[u8]) -> Format {
        sniff(b, true).format
    }

    #[test]
    fn signatures() {
        assert_eq!(fmt(b""), Format::Empty);
        assert_eq!(fmt(b"PK\x03\x04rest"), Format::Zip);
        assert_eq!(fmt(&[0x1f, 0x8b, 8, 0]), Format::Gzip);
        assert_eq!(fmt(b"BZh91AY&SY"), Format::Bzip2);
        assert_eq!(fmt(b"\xFD7zXZ\x00\x00"), Format::Xz);
        assert_eq!(fmt(b"%PDF-1.4\n"), Format::Pdf);
        assert_eq!(fmt(b"{\\rtf1\\ansi hi}"), Format::Rtf);
    }

    #[test]
    fn text_kinds() {
        assert_eq!(fmt(b"hello world\n"), Format::Text);
        assert_eq!(fmt(b"<!DOCTYPE html><html><p>x</p>"), Format::Html);
        assert_eq!(fmt(b"<?xml version=\"1.0\"?><a/>"), Format::Xml);
        assert_eq!(fmt(b"<?php\n$a = 1;\n"), Format::Text);
        assert_eq!(fmt(b"<?PHP echo 1;"), Format::Text);
        assert_eq!(fmt(b"<?= $x ?>"), Format::Text);
        assert_eq!(
            fmt(b"From: a@b.c\r\nTo: d@e.f\r\nMIME-Version: 1.0\r\nSubject: hi\r\n\r\nbody"),
            Format::Email
        );
        assert_eq!(
            fmt(b"From: a@b.c\nTo: d@e.f\nSubject: =?utf-8?q?caf=C3=A9?=\n\nbody"),
            Format::Email
        );
        // Without MIME structure a message is text as written.
        assert_eq!(
            fmt(b"From: HR <hr@corp.example>\nTo: all@corp.example\nSubject: Payroll\n\nSSN 536-22-8726"),
            Format::Text
        );
        assert_eq!(fmt(b"Note: one header only\n\nbody"), Format::Text);
        assert_eq!(fmt(b"<2024-01-01> user logged in"), Format::Text);
        assert_eq!(fmt(b"<<<<<<< HEAD\nmine\n"), Format::Text);
        assert_eq!(fmt(b"<note id=\"1\">x</note>"), Format::Xml);
        // A document after a line or two of text (a pasted attachment);
        // markup further down, a fragment or an example is text's.
        let preambles: [(&[u8], Format); 7] = [
            (
                b"Attachment contents (converted to text):\n\n<html><body>",
                Format::Html,
            ),
            (b"Note\r\n<!DOCTYPE html>\r\n<html>", Format::Html),
            (
                b"# Title\n\nSee the <p> element.\nMore.\n<html>",
                Format::Text,
            ),
            (b"a\nb\nc\n<html><body>", Format::Text),
            (b"Example:\n```html\n<html>", Format::Text),
            (b"```html\n<html>", Format::Text),
            (b"Note\nno markup at all\n", Format::Text),
        ];
        for (text, want) in preambles {
            assert_eq!(fmt(text), want, "{}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn charsets() {
        assert_eq!(
            sniff(b"caf\xe9 au lait", true).charset,
            Charset::Windows1252
        );
        assert_eq!(sniff("café".as_bytes(), true).charset, Charset::Utf8);
        // Cut inside a two-byte character, but not the whole member.
        assert_eq!(sniff(b"caf\xc3", false).charset, Charset::Utf8);
        let le: Vec<u8> = "hello there"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(sniff(&le, true).charset, Charset::Utf16Le);
        let be: Vec<u8> = "hello there"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(sniff(&be, true).charset, Charset::Utf16Be);
        assert_eq!(fmt(&[0, 1, 2, 3, 0, 0, 0xff, 0x10, 0x11]), Format::Binary);
    }

    #[test]
    fn tar_by_magic_and_checksum() {
        let mut block = vec![0u8; 512];
        block[..5].copy_from_slice(b"a.txt");
        block[257..262].copy_from_slice(b"ustar");
        assert_eq!(fmt(&block), Format::Tar);
        // v7 header: no magic, valid checksum.
        let mut v7 = vec![0u8; 512];
        v7[..5].copy_from_slice(b"a.txt");
        v7[100..107].copy_from_slice(b"0000644");
        let sum: u32 = v7.iter().map(|b| u32::from(*b)).sum::<u32>() + 8 * 32;
        let field = format!("{sum:06o}\0 ");
        v7[148..156].copy_from_slice(field.as_bytes());
        assert_eq!(fmt(&v7), Format::Tar);
    }
}
