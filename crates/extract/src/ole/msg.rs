//! Outlook messages (`.msg`, MS-OXMSG): MAPI properties stored as streams
//! of a compound file.
//!
//! A property with id `PPPP` and type `TTTT` is the stream
//! `__substg1.0_PPPPTTTT` of its storage: the message at the root (or in
//! the storage of an attached message), each recipient in
//! `__recip_version1.0_#XXXXXXXX`, each attachment in
//! `__attach_version1.0_#XXXXXXXX`. Fixed-size properties (the recipient
//! type, the attachment method) sit in the storage's
//! `__properties_version1.0` stream instead.

use std::io::{Read, Seek};

use cfb::CompoundFile;

use crate::Reason;

/// Property types.
const PT_STRING8: u16 = 0x001E;
const PT_UNICODE: u16 = 0x001F;
const PT_BINARY: u16 = 0x0102;
const PT_OBJECT: u16 = 0x000D;

/// Property ids.
const SUBJECT: u16 = 0x0037;
const TRANSPORT_HEADERS: u16 = 0x007D;
const DISPLAY_BCC: u16 = 0x0E02;
const DISPLAY_CC: u16 = 0x0E03;
const DISPLAY_TO: u16 = 0x0E04;
const SENDER_NAME: u16 = 0x0C1A;
const SENDER_EMAIL: u16 = 0x0C1F;
const SENDER_SMTP: u16 = 0x5D01;
const BODY: u16 = 0x1000;
const RTF_COMPRESSED: u16 = 0x1009;
const HTML: u16 = 0x1013;
const DISPLAY_NAME: u16 = 0x3001;
const EMAIL_ADDRESS: u16 = 0x3003;
const SMTP_ADDRESS: u16 = 0x39FE;
const RECIPIENT_TYPE: u16 = 0x0C15;
const ATTACH_DATA: u16 = 0x3701;
const ATTACH_FILENAME: u16 = 0x3704;
const ATTACH_LONG_FILENAME: u16 = 0x3707;

const RECIP_PREFIX: &str = "__recip_version1.0_#";
const ATTACH_PREFIX: &str = "__attach_version1.0_#";
const PROPERTIES: &str = "__properties_version1.0";

/// True when the storage at `root` ("" for the file) looks like an
/// Outlook message.
pub(crate) fn is_message<F: Read + Seek>(comp: &CompoundFile<F>, root: &str) -> bool {
    let dir = if root.is_empty() { "/" } else { root };
    comp.is_stream(format!("{root}/{PROPERTIES}"))
        && comp
            .read_storage(dir)
            .is_ok_and(|mut e| e.any(|e| e.name().starts_with("__substg1.0_")))
}

/// What a message holds, read from the storage at `root` ("" for the file
/// itself).
#[derive(Debug, Default)]
pub(crate) struct Message {
    /// `Name: value` lines: sender, recipients, subject (and the
    /// classification headers of the internet headers, when kept).
    pub headers: String,
    /// The original internet headers, when the message went through a
    /// transport: they are read like an `.eml`'s.
    pub transport_headers: Option<String>,
    pub body: Option<String>,
    pub html: Option<Vec<u8>>,
    /// Compressed RTF (see [`super::lzfu`]).
    pub rtf: Option<Vec<u8>>,
    pub attachments: Vec<Attachment>,
    /// Property streams that could not be read, each with why.
    pub problems: Vec<(String, Reason)>,
}

#[derive(Debug)]
pub(crate) struct Attachment {
    /// Its file name (long, then short, then display name), `/` replaced.
    pub name: Option<String>,
    pub content: AttachContent,
}

#[derive(Debug)]
pub(crate) enum AttachContent {
    /// The file's bytes.
    Data(Vec<u8>),
    /// An attached message or OLE object: a storage to read in turn.
    Storage(String),
    /// By reference or empty: nothing inside the file.
    None,
}

/// Reads the message stored at `root` ("" or "/a/b"). `limit` bounds
/// every stream read into memory; a stream over it is reported in
/// `problems` and skipped.
pub(crate) fn read<F: Read + Seek>(comp: &mut CompoundFile<F>, root: &str, limit: u64) -> Message {
    let mut m = Message::default();
    let mut props = Props {
        comp,
        limit,
        problems: &mut m.problems,
    };
    let subject = props.string(root, SUBJECT);
    let sender_name = props.string(root, SENDER_NAME);
    let sender_addr = props
        .string(root, SENDER_SMTP)
        .or_else(|| props.string(root, SENDER_EMAIL));
    m.transport_headers = props.string(root, TRANSPORT_HEADERS);
    m.body = props.string(root, BODY);
    m.html = props
        .binary(root, HTML)
        .or_else(|| props.string(root, HTML).map(String::into_bytes));
    m.rtf = props.binary(root, RTF_COMPRESSED);

    let mut lines = String::new();
    if let Some(line) = address(sender_name.as_deref(), sender_addr.as_deref()) {
        lines.push_str("From: ");
        lines.push_str(&line);
        lines.push('\n');
    }
    // Recipients with their addresses, by type; the display lists
    // (names only) when there are no recipient storages.
    let mut by_type: [Vec<String>; 3] = Default::default();
    for storage in children(props.comp, root, RECIP_PREFIX) {
        let name = props.string(&storage, DISPLAY_NAME);
        let addr = props
            .string(&storage, SMTP_ADDRESS)
            .or_else(|| props.string(&storage, EMAIL_ADDRESS));
        let kind = props.fixed_u32(&storage, RECIPIENT_TYPE, 8).unwrap_or(1);
        if let Some(a) = address(name.as_deref(), addr.as_deref()) {
            let slot = match kind & 0x0F {
                2 => 1,
                3 => 2,
                _ => 0,
            };
            if let Some(v) = by_type.get_mut(slot) {
                v.push(a);
            }
        }
    }
    for ((field, id), found) in [("To", DISPLAY_TO), ("Cc", DISPLAY_CC), ("Bcc", DISPLAY_BCC)]
        .into_iter()
        .zip(&by_type)
    {
        let value = if found.is_empty() {
            props.string(root, id).filter(|s| !s.trim().is_empty())
        } else {
            Some(found.join(", "))
        };
        if let Some(v) = value {
            lines.push_str(field);
            lines.push_str(": ");
            lines.push_str(&v);
            lines.push('\n');
        }
    }
    if let Some(s) = subject {
        lines.push_str("Subject: ");
        lines.push_str(&s);
        lines.push('\n');
    }
    m.headers = lines;

    for storage in children(props.comp, root, ATTACH_PREFIX) {
        let name = props
            .string(&storage, ATTACH_LONG_FILENAME)
            .or_else(|| props.string(&storage, ATTACH_FILENAME))
            .or_else(|| props.string(&storage, DISPLAY_NAME))
            .map(|n| n.replace('/', "_"))
            .filter(|n| !n.is_empty());
        let object = format!("{storage}/{}", stream_name(ATTACH_DATA, PT_OBJECT));
        let content = if props.comp.is_storage(&object) {
            AttachContent::Storage(object)
        } else if let Some(data) = props.binary(&storage, ATTACH_DATA) {
            AttachContent::Data(data)
        } else {
            AttachContent::None
        };
        m.attachments.push(Attachment { name, content });
    }
    m
}

/// `__substg1.0_PPPPTTTT`.
fn stream_name(id: u16, kind: u16) -> String {
    format!("__substg1.0_{id:04X}{kind:04X}")
}

/// The storages directly under `root` whose names start with `prefix`,
/// in name order (recipients and attachments are numbered).
fn children<F: Read + Seek>(comp: &CompoundFile<F>, root: &str, prefix: &str) -> Vec<String> {
    let dir = if root.is_empty() { "/" } else { root };
    let Ok(entries) = comp.read_storage(dir) else {
        return Vec::new();
    };
    let mut v: Vec<String> = entries
        .filter(|e| e.is_storage() && e.name().starts_with(prefix))
        .map(|e| format!("{root}/{}", e.name()))
        .collect();
    v.sort();
    v
}

fn address(name: Option<&str>, addr: Option<&str>) -> Option<String> {
    let name = name.map(str::trim).filter(|s| !s.is_empty());
    let addr = addr.map(str::trim).filter(|s| !s.is_empty());
    match (name, addr) {
        (Some(n), Some(a)) if n != a => Some(format!("{n} <{a}>")),
        (Some(x), _) | (None, Some(x)) => Some(x.to_owned()),
        (None, None) => None,
    }
}

struct Props<'a, F> {
    comp: &'a mut CompoundFile<F>,
    limit: u64,
    problems: &'a mut Vec<(String, Reason)>,
}

impl<F: Read + Seek> Props<'_, F> {
    fn raw(&mut self, path: &str) -> Option<Vec<u8>> {
        let len = self.comp.entry(path).ok().filter(|e| e.is_stream())?.len();
        if len > self.limit {
            let reason = Reason::MemberTooLarge { limit: self.limit };
            self.problems.push((path.to_owned(), reason));
            return None;
        }
        let mut buf = Vec::new();
        let read = self
            .comp
            .open_stream(path)
            .and_then(|s| s.take(self.limit).read_to_end(&mut buf));
        match read {
            Ok(_) => Some(buf),
            Err(e) => {
                self.problems.push((path.to_owned(), super::not_ole(&e)));
                None
            }
        }
    }

    /// A string property, Unicode or 8-bit (UTF-8 when valid, else
    /// Windows-1252); trailing NULs dropped.
    fn string(&mut self, storage: &str, id: u16) -> Option<String> {
        if let Some(b) = self.raw(&format!("{storage}/{}", stream_name(id, PT_UNICODE))) {
            let (s, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(&b);
            return Some(s.trim_end_matches('\0').to_owned());
        }
        let b = self.raw(&format!("{storage}/{}", stream_name(id, PT_STRING8)))?;
        let s = match String::from_utf8(b) {
            Ok(s) => s,
            Err(e) => encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(e.as_bytes())
                .0
                .into_owned(),
        };
        Some(s.trim_end_matches('\0').to_owned())
    }

    fn binary(&mut self, storage: &str, id: u16) -> Option<Vec<u8>> {
        self.raw(&format!("{storage}/{}", stream_name(id, PT_BINARY)))
    }

    /// A 32-bit fixed-size property from the storage's property stream,
    /// whose header is `header` bytes long (8 for recipients and
    /// attachments).
    fn fixed_u32(&mut self, storage: &str, id: u16, header: usize) -> Option<u32> {
        let stream = self.raw(&format!("{storage}/{PROPERTIES}"))?;
        find_fixed(&stream, id, header)
    }
}

/// Looks up property `id` among the 16-byte entries (tag, flags, value)
/// after `header` bytes. A partial entry at the end is ignored.
fn find_fixed(stream: &[u8], id: u16, header: usize) -> Option<u32> {
    stream
        .get(header..)?
        .chunks_exact(16)
        .find_map(|e| match *e {
            [_, _, t0, t1, _, _, _, _, v0, v1, v2, v3, ..]
                if u16::from_le_bytes([t0, t1]) == id =>
            {
                Some(u32::from_le_bytes([v0, v1, v2, v3]))
            }
            _ => None,
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::{Cursor, Write};

    use super::*;

    /// Writes an Outlook message the way MS-OXMSG lays it out. Used here
    /// and by the extractor's tests. The Python `extract_msg` package (a
    /// reader of its own) was checked to read `sample()` the same way.
    pub(crate) struct Builder {
        pub comp: CompoundFile<Cursor<Vec<u8>>>,
    }

    impl Builder {
        pub(crate) fn new() -> Self {
            let comp = CompoundFile::create(Cursor::new(Vec::new())).unwrap();
            let mut b = Self { comp };
            b.stream(&format!("/{PROPERTIES}"), &[0u8; 32]);
            b.unicode("", 0x001A, "IPM.Note");
            // The named-property mapping every message has (empty here).
            b.comp.create_storage("/__nameid_version1.0").unwrap();
            for id in ["00020102", "00030102", "00040102"] {
                b.stream(&format!("/__nameid_version1.0/__substg1.0_{id}"), &[]);
            }
            b
        }

        pub(crate) fn stream(&mut self, path: &str, data: &[u8]) {
            let mut s = self.comp.create_stream(path).unwrap();
            s.write_all(data).unwrap();
        }

        pub(crate) fn unicode(&mut self, storage: &str, id: u16, s: &str) {
            let b: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
            self.stream(&format!("{storage}/{}", stream_name(id, PT_UNICODE)), &b);
        }

        pub(crate) fn string8(&mut self, storage: &str, id: u16, s: &[u8]) {
            self.stream(&format!("{storage}/{}", stream_name(id, PT_STRING8)), s);
        }

        pub(crate) fn binary(&mut self, storage: &str, id: u16, b: &[u8]) {
            self.stream(&format!("{storage}/{}", stream_name(id, PT_BINARY)), b);
        }

        pub(crate) fn recipient(&mut self, n: u32, name: &str, addr: &str, kind: u32) {
            let s = format!("/{RECIP_PREFIX}{n:08X}");
            self.comp.create_storage(&s).unwrap();
            self.unicode(&s, DISPLAY_NAME, name);
            self.unicode(&s, SMTP_ADDRESS, addr);
            let mut props = vec![0u8; 8];
            props.extend_from_slice(&0x0003u16.to_le_bytes());
            props.extend_from_slice(&RECIPIENT_TYPE.to_le_bytes());
            props.extend_from_slice(&6u32.to_le_bytes());
            props.extend_from_slice(&kind.to_le_bytes());
            props.extend_from_slice(&[0; 4]);
            self.stream(&format!("{s}/{PROPERTIES}"), &props);
        }

        /// An attachment with `data` called `name`; returns its storage.
        pub(crate) fn attachment(&mut self, n: u32, name: &str, data: &[u8]) -> String {
            let s = format!("/{ATTACH_PREFIX}{n:08X}");
            self.comp.create_storage(&s).unwrap();
            self.stream(&format!("{s}/{PROPERTIES}"), &[0u8; 8]);
            self.unicode(&s, ATTACH_LONG_FILENAME, name);
            self.binary(&s, ATTACH_DATA, data);
            s
        }

        /// An attached message: its storage, for the caller to fill.
        pub(crate) fn attached_message(&mut self, n: u32, name: &str) -> String {
            let s = format!("/{ATTACH_PREFIX}{n:08X}");
            self.comp.create_storage(&s).unwrap();
            self.stream(&format!("{s}/{PROPERTIES}"), &[0u8; 8]);
            self.unicode(&s, DISPLAY_NAME, name);
            let inner = format!("{s}/{}", stream_name(ATTACH_DATA, PT_OBJECT));
            self.comp.create_storage(&inner).unwrap();
            self.stream(&format!("{inner}/{PROPERTIES}"), &[0u8; 24]);
            self.unicode(&inner, 0x001A, "IPM.Note");
            inner
        }

        pub(crate) fn finish(mut self) -> Vec<u8> {
            self.comp.flush().unwrap();
            self.comp.into_inner().into_inner()
        }
    }

    /// The message the extractor tests read too.
    pub(crate) fn sample() -> Vec<u8> {
        let mut b = Builder::new();
        b.unicode("", SUBJECT, "Refund for Иван");
        b.unicode("", SENDER_NAME, "Dana Whitfield");
        b.unicode("", SENDER_SMTP, "dana@example.org");
        b.unicode("", DISPLAY_TO, "Records");
        b.unicode("", BODY, "Card 4111 1111 1111 1111\r\nThanks\0");
        b.binary("", HTML, b"<p>Card <b>4111 1111 1111 1111</b></p>");
        b.recipient(0, "Records", "records@example.org", 1);
        b.recipient(1, "Audit", "audit@example.org", 2);
        b.attachment(0, "notes.txt", b"SSN 536-22-8726\n");
        let inner = b.attached_message(1, "Forwarded");
        b.string8(&inner, SUBJECT, b"Fwd: IBAN \xe9");
        b.unicode(&inner, BODY, "IBAN GB82 WEST 1234 5698 7654 32");
        b.finish()
    }

    #[test]
    fn the_sample_reads_back() {
        let bytes = sample();
        let mut comp = CompoundFile::open(Cursor::new(bytes)).unwrap();
        assert!(is_message(&comp, ""));
        let m = read(&mut comp, "", 1 << 20);
        assert!(m.problems.is_empty(), "{:?}", m.problems);
        assert_eq!(
            m.headers,
            "From: Dana Whitfield <dana@example.org>\nTo: Records <records@example.org>\n\
             Cc: Audit <audit@example.org>\nSubject: Refund for Иван\n"
        );
        assert_eq!(
            m.body.as_deref(),
            Some("Card 4111 1111 1111 1111\r\nThanks")
        );
        assert!(m.html.is_some() && m.rtf.is_none() && m.transport_headers.is_none());
        assert_eq!(m.attachments.len(), 2);
        let a = &m.attachments[0];
        assert_eq!(a.name.as_deref(), Some("notes.txt"));
        assert!(matches!(&a.content, AttachContent::Data(d) if d == b"SSN 536-22-8726\n"));
        let AttachContent::Storage(inner) = &m.attachments[1].content else {
            panic!("{:?}", m.attachments[1]);
        };
        assert_eq!(m.attachments[1].name.as_deref(), Some("Forwarded"));
        let inner = read(&mut comp, inner, 1 << 20);
        assert_eq!(inner.headers, "Subject: Fwd: IBAN é\n");
        assert!(inner.body.unwrap().starts_with("IBAN GB82"));
    }

    #[test]
    fn a_stream_over_the_limit_is_reported_not_read() {
        let bytes = sample();
        let mut comp = CompoundFile::open(Cursor::new(bytes)).unwrap();
        let m = read(&mut comp, "", 20);
        assert!(m.body.is_none());
        assert!(
            m.problems
                .iter()
                .any(|(p, r)| p == "/__substg1.0_1000001F"
                    && *r == Reason::MemberTooLarge { limit: 20 }),
            "{:?}",
            m.problems
        );
    }

    #[test]
    fn fixed_properties_are_found_and_partial_entries_ignored() {
        let mut s = vec![0u8; 8];
        s.extend_from_slice(&[3, 0, 0x15, 0x0C, 6, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(find_fixed(&s, RECIPIENT_TYPE, 8), Some(2));
        assert_eq!(find_fixed(&s, 0x1234, 8), None);
        assert_eq!(find_fixed(&s[..20], RECIPIENT_TYPE, 8), None);
        assert_eq!(find_fixed(&s[..5], RECIPIENT_TYPE, 8), None);
    }
}
