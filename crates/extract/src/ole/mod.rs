//! Legacy Office and other OLE (Compound File Binary) files: `.doc`,
//! `.xls`, `.ppt`, `.msg`, and any other compound file.
//!
//! The container is opened with the `cfb` crate. The streams whose format
//! Cordon knows are turned into text by the parsers below (one pure
//! function each, over the stream's bytes); every other stream becomes a
//! member of its own, extracted by type like a zip entry, so an embedded
//! workbook or a packaged file inside a `.doc` is read too.

pub(crate) mod doc;
pub(crate) mod lzfu;
pub(crate) mod msg;
pub(crate) mod ppt;
pub(crate) mod props;
pub(crate) mod xls;

use std::io::{self, Cursor, Read, Seek, SeekFrom};

use cfb::CompoundFile;

use crate::markup::MarkupText;
use crate::sniff::{builtin, ids};
use crate::{Format, Location, Reason, Run, Seekable, Src, TextKind, Typed, utf16};

/// The member that holds the UTF-16 text found in an OLE file Cordon
/// cannot parse: `report.vsd!/utf16-text`.
const UTF16_MEMBER: &str = "utf16-text";
/// `EncryptedPackage` in UTF-16LE, as OLE directory entries name streams.
const ENCRYPTED_PACKAGE: &[u8] = b"E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0";

/// The streams the parsers read, by the document they make.
const WORD: &str = "WordDocument";
const POWERPOINT: &str = "PowerPoint Document";
const WORKBOOKS: [&str; 2] = ["Workbook", "Book"];

/// Text a stream parser produced.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Extracted {
    pub text: String,
    /// True when the text reached the cap and the rest was not read.
    pub truncated: bool,
}

impl Extracted {
    /// Appends `s` unless the text is at `cap` bytes; cuts at a character
    /// boundary and marks the text truncated when `s` does not fit.
    pub(crate) fn push(&mut self, s: &str, cap: usize) {
        if self.truncated {
            return;
        }
        let room = cap.saturating_sub(self.text.len());
        if s.len() <= room {
            self.text.push_str(s);
            return;
        }
        let mut end = room;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        self.text.push_str(s.get(..end).unwrap_or_default());
        self.truncated = true;
    }

    pub(crate) fn push_char(&mut self, c: char, cap: usize) {
        let mut b = [0u8; 4];
        self.push(c.encode_utf8(&mut b), cap);
    }
}

/// Why a stream parser could not read its stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum OleError {
    /// Protected by a password.
    #[error("{0}")]
    Encrypted(String),
    /// Malformed: says what and where (a byte offset in the stream).
    #[error("{0}")]
    Corrupt(String),
    /// A valid file in a version or variant the parser does not read.
    #[error("{0}")]
    Unsupported(String),
}

/// Little-endian readers that say where the stream ended too early.
pub(crate) fn u16_at(b: &[u8], at: usize, what: &str) -> Result<u16, OleError> {
    b.get(at..at.saturating_add(2))
        .and_then(|s| s.try_into().ok())
        .map(u16::from_le_bytes)
        .ok_or_else(|| short(what, at, b.len()))
}

pub(crate) fn u32_at(b: &[u8], at: usize, what: &str) -> Result<u32, OleError> {
    b.get(at..at.saturating_add(4))
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| short(what, at, b.len()))
}

pub(crate) fn short(what: &str, at: usize, len: usize) -> OleError {
    OleError::Corrupt(format!(
        "{what} at byte {at} runs past the end of the stream ({len} bytes)"
    ))
}

impl From<OleError> for Reason {
    fn from(e: OleError) -> Self {
        match e {
            OleError::Encrypted(detail) => Reason::Encrypted {
                format: Format::Binary,
                detail,
            },
            OleError::Corrupt(detail) => Reason::Corrupt {
                format: Format::Binary,
                detail,
            },
            OleError::Unsupported(detail) => Reason::Unsupported {
                format: Format::Binary,
                detail,
            },
        }
    }
}

/// What reading one storage came to.
#[derive(PartialEq, Eq)]
enum Walk {
    Go,
    /// The document is encrypted: its other streams are not worth reading.
    Encrypted,
}

fn join(dir: &str, name: &str) -> String {
    format!("{dir}/{name}")
}

/// A stream's path below the storage `base` ("" for the file), as its
/// location segment.
fn segment<'p>(path: &'p str, base: &str) -> &'p str {
    path.strip_prefix(base)
        .unwrap_or(path)
        .trim_start_matches('/')
}

impl<E> Run<'_, '_, '_, E> {
    /// An OLE compound file at `loc`.
    pub(crate) fn ole(
        &mut self,
        loc: &Location,
        depth: u32,
        typed: Typed,
        src: Seekable<'_>,
    ) -> Result<(), E> {
        match src {
            Seekable::File(f) => match CompoundFile::open(&mut *f) {
                Ok(comp) => self.compound(loc, depth, typed, comp),
                Err(e) => {
                    self.cx.incomplete(loc, not_ole(&e));
                    if let Err(e) = f.seek(SeekFrom::Start(0)) {
                        self.cx.incomplete(loc, Reason::from_io(Format::Binary, &e));
                        return Ok(());
                    }
                    self.ole_heuristic(loc, typed, f)
                }
            },
            Seekable::Mem(b) => match CompoundFile::open(Cursor::new(b.as_ref())) {
                Ok(comp) => self.compound(loc, depth, typed, comp),
                Err(e) => {
                    self.cx.incomplete(loc, not_ole(&e));
                    self.ole_heuristic(loc, typed, &mut Cursor::new(b.as_ref()))
                }
            },
        }
    }

    fn compound<F: Read + Seek>(
        &mut self,
        loc: &Location,
        depth: u32,
        typed: Typed,
        mut comp: CompoundFile<F>,
    ) -> Result<(), E> {
        // An encrypted OOXML file is an OLE container holding an
        // `EncryptedPackage` stream.
        if comp.is_stream("/EncryptedPackage") {
            self.cx.incomplete(
                loc,
                Reason::Encrypted {
                    format: Format::Binary,
                    detail: "office document protected by a password".to_owned(),
                },
            );
            return Ok(());
        }
        // The type by the streams inside: the sniffer sees only the first
        // bytes, where the directory often is not.
        let id = if msg::is_message(&comp, "") {
            Some(ids::MSG)
        } else if comp.is_stream(join("", WORD)) {
            Some(ids::DOC)
        } else if comp.is_stream(join("", POWERPOINT)) {
            Some(ids::PPT)
        } else if WORKBOOKS.iter().any(|b| comp.is_stream(join("", b))) {
            Some(ids::XLS)
        } else {
            None
        };
        if let Some(id) = id {
            let typed = Typed {
                format: typed.format,
                file_type: builtin(id),
            };
            self.cx.refine_type(loc, typed);
            if id == ids::MSG {
                return self.outlook_message(loc, depth, &mut comp, "");
            }
            self.storage((loc, ""), depth, typed, &mut comp, "")?;
            return Ok(());
        }
        // A compound file of a kind Cordon does not parse (Visio, Project,
        // an installer…): its raw bytes and the UTF-16 text in them.
        let mut inner = comp.into_inner();
        if let Err(e) = inner.seek(SeekFrom::Start(0)) {
            self.cx.incomplete(loc, Reason::from_io(Format::Binary, &e));
            return Ok(());
        }
        self.ole_heuristic(loc, typed, &mut inner)
    }

    /// The streams of one storage (`dir`: "" for the root): the
    /// document streams through their parsers, every other stream as a
    /// member extracted by type, sub-storages (embedded objects) in turn.
    ///
    /// Members are named by their path below `base`, the storage `loc`
    /// stands for.
    fn storage<F: Read + Seek>(
        &mut self,
        (loc, base): (&Location, &str),
        depth: u32,
        typed: Typed,
        comp: &mut CompoundFile<F>,
        dir: &str,
    ) -> Result<Walk, E> {
        let cx = self.cx;
        let entries: Vec<(String, bool)> =
            match comp.read_storage(if dir.is_empty() { "/" } else { dir }) {
                Ok(e) => e.map(|e| (e.name().to_owned(), e.is_stream())).collect(),
                Err(e) => {
                    cx.incomplete(loc, not_ole(&e));
                    return Ok(Walk::Go);
                }
            };
        let has = |n: &str| entries.iter().any(|(e, s)| *s && e == n);
        let mut consumed: Vec<&str> = Vec::new();
        if has(WORD) {
            consumed.extend([WORD, "0Table", "1Table"]);
            if self.word((loc, base), typed, comp, dir)? == Walk::Encrypted {
                return Ok(Walk::Encrypted);
            }
        }
        if has(POWERPOINT) {
            consumed.extend([POWERPOINT, "Current User"]);
            let path = join(dir, POWERPOINT);
            if self.parsed((loc, base), typed, comp, &path, ppt::ppt_text)? == Walk::Encrypted {
                return Ok(Walk::Encrypted);
            }
        }
        if let Some(book) = WORKBOOKS.into_iter().find(|b| has(b)) {
            consumed.push(book);
            let path = join(dir, book);
            if self.parsed((loc, base), typed, comp, &path, xls::xls_text)? == Walk::Encrypted {
                return Ok(Walk::Encrypted);
            }
        }
        for (name, is_stream) in &entries {
            if cx.stopped() || !cx.check_time(loc) {
                break;
            }
            if consumed.contains(&name.as_str()) {
                continue;
            }
            let path = join(dir, name);
            let child = loc.child(segment(&path, base));
            if *is_stream {
                match comp.open_stream(&path) {
                    // Property sets (`\x05SummaryInformation`, …): title,
                    // author, company, user-defined properties such as
                    // sensitivity labels. (Their byte-order mark would pass
                    // for a UTF-16BE BOM if sniffed.)
                    Ok(_) if name.starts_with('\u{5}') => {
                        self.parsed((loc, base), typed, comp, &path, props::property_text)?;
                    }
                    // A file packaged into the document ("Package"
                    // objects): the file itself, under its own name.
                    Ok(_) if name == OLE10_NATIVE => {
                        self.packaged(&child, depth + 1, comp, &path)?;
                    }
                    Ok(mut s) => self.node(&child, depth + 1, Src::Stream(&mut s))?,
                    Err(e) => cx.incomplete(&child, not_ole(&e)),
                }
            } else if depth + 1 > cx.limits.max_depth {
                cx.incomplete(
                    &child,
                    Reason::Depth {
                        limit: cx.limits.max_depth,
                    },
                );
            } else if msg::is_message(comp, &path) {
                self.outlook_message(&child, depth + 1, comp, &path)?;
            } else {
                // An embedded object (a workbook in a `.doc`'s
                // `ObjectPool`, …): its own document streams, named by
                // their path inside this file.
                self.storage((loc, base), depth + 1, typed, comp, &path)?;
            }
        }
        Ok(Walk::Go)
    }

    /// An `\x01Ole10Native` stream: a packaged file, extracted by type
    /// as `…/%01Ole10Native!/NAME`. A stream that is not a package is
    /// extracted as it is.
    fn packaged<F: Read + Seek>(
        &mut self,
        child: &Location,
        depth: u32,
        comp: &mut CompoundFile<F>,
        path: &str,
    ) -> Result<(), E> {
        let bytes = match read_stream(comp, path, self.cx.limits.max_member_bytes) {
            Ok(b) => b,
            Err(reason) => {
                self.cx.incomplete(child, reason);
                return Ok(());
            }
        };
        match package(&bytes) {
            Some((name, data)) => {
                let name = if name.is_empty() {
                    "package"
                } else {
                    name.as_str()
                };
                if self.cx.count_entry(child) {
                    self.cx.record_type(
                        child,
                        Typed {
                            format: Format::Binary,
                            file_type: builtin(ids::OLE),
                        },
                    );
                    self.node(&child.child(name), depth + 1, Src::Mem(data))?;
                }
                Ok(())
            }
            None => self.node(child, depth, Src::Mem(&bytes)),
        }
    }

    /// `WordDocument` with the table stream its FIB names.
    fn word<F: Read + Seek>(
        &mut self,
        at: (&Location, &str),
        typed: Typed,
        comp: &mut CompoundFile<F>,
        dir: &str,
    ) -> Result<Walk, E> {
        let mut head = Vec::new();
        if let Ok(s) = comp.open_stream(join(dir, WORD)) {
            // The FIB flags are at byte 10; a failed read shows up below.
            let _ = s.take(16).read_to_end(&mut head);
        }
        let table = doc::table_stream(&head)
            .ok()
            .and_then(|name| {
                read_stream(comp, &join(dir, name), self.cx.limits.max_member_bytes).ok()
            })
            .unwrap_or_default();
        self.parsed(at, typed, comp, &join(dir, WORD), |word, cap| {
            doc::doc_text(word, &table, cap)
        })
    }

    /// One document stream through its parser, delivered as the member
    /// named by the stream's path. A stream the parser cannot read (an
    /// older version, damage) is searched the way unknown OLE content
    /// is, and the reason is reported; an encrypted one is reported on
    /// the file.
    fn parsed<F: Read + Seek>(
        &mut self,
        (loc, base): (&Location, &str),
        typed: Typed,
        comp: &mut CompoundFile<F>,
        path: &str,
        parse: impl FnOnce(&[u8], usize) -> Result<Extracted, OleError>,
    ) -> Result<Walk, E> {
        let cx = self.cx;
        let child = loc.child(segment(path, base));
        if !cx.count_entry(&child) {
            return Ok(Walk::Go);
        }
        cx.record_type(&child, typed);
        let limit = cx.limits.max_member_bytes;
        let bytes = match read_stream(comp, path, limit) {
            Ok(b) => b,
            Err(reason) => {
                let too_large = matches!(reason, Reason::MemberTooLarge { .. });
                cx.incomplete(&child, reason);
                if too_large {
                    // Too large to parse in memory: searched as it streams.
                    if let Ok(mut s) = comp.open_stream(path) {
                        self.ole_heuristic(&child, typed, &mut s)?;
                    }
                }
                return Ok(Walk::Go);
            }
        };
        match parse(&bytes, usize::try_from(limit).unwrap_or(usize::MAX)) {
            Ok(out) => {
                if out.truncated {
                    cx.incomplete(&child, Reason::TextTooLarge { limit });
                }
                self.deliver_text(&child, typed, &out.text)?;
                Ok(Walk::Go)
            }
            Err(e @ OleError::Encrypted(_)) => {
                // The document is encrypted: said of the file, or of the
                // stream when it belongs to an embedded object.
                let whole = !segment(path, base).contains('/');
                cx.incomplete(if whole { loc } else { &child }, e.into());
                Ok(Walk::Encrypted)
            }
            Err(e) => {
                cx.incomplete(&child, e.into());
                self.ole_heuristic(&child, typed, &mut Cursor::new(&bytes))?;
                Ok(Walk::Go)
            }
        }
    }

    /// An Outlook message stored at `root`: headers, body, attachments;
    /// attached messages recursively.
    fn outlook_message<F: Read + Seek>(
        &mut self,
        loc: &Location,
        depth: u32,
        comp: &mut CompoundFile<F>,
        root: &str,
    ) -> Result<(), E> {
        let cx = self.cx;
        let limit = cx.limits.max_member_bytes;
        let m = msg::read(comp, root, limit);
        for (path, reason) in m.problems {
            cx.incomplete(&loc.child(segment(&path, root)), reason);
        }
        let text = Typed {
            format: Format::Text,
            file_type: builtin(ids::TEXT),
        };
        let mut headers = m.headers;
        if let Some(raw) = &m.transport_headers {
            crate::email::classification_headers(raw, &mut headers);
        }
        self.derived(&loc.child("headers"), text, &headers)?;
        // Outlook keeps one body in up to three forms with the same text:
        // the plain one is read, else the HTML, else the RTF.
        if let Some(body) = &m.body {
            self.derived(&loc.child("body.txt"), text, body)?;
        } else if let Some(html) = &m.html {
            let child = loc.child("body.html");
            if cx.count_entry(&child) {
                let t = Typed {
                    format: Format::Html,
                    file_type: builtin(ids::HTML),
                };
                cx.record_type(&child, t);
                let mut stripped = MarkupText::new(Cursor::new(html.as_slice()), true);
                self.deliver(&child, t, TextKind::Extracted, &mut stripped)?;
            }
        } else if let Some(compressed) = &m.rtf {
            let child = loc.child("body.rtf");
            let cap = usize::try_from(limit).unwrap_or(usize::MAX);
            match lzfu::decompress(compressed, cap) {
                Ok((rtf, cut)) => {
                    if cut {
                        cx.incomplete(&child, Reason::MemberTooLarge { limit });
                    }
                    self.node(&child, depth + 1, Src::Mem(&rtf))?;
                }
                Err(e) => cx.incomplete(&child, e.into()),
            }
        }
        for (i, a) in m.attachments.into_iter().enumerate() {
            if cx.stopped() || !cx.check_time(loc) {
                break;
            }
            let seg = match &a.name {
                Some(n) => format!("attachment{i}/{n}"),
                None => format!("attachment{i}"),
            };
            match a.content {
                msg::AttachContent::Data(data) => {
                    self.node(&loc.child(&seg), depth + 1, Src::Mem(&data))?;
                }
                msg::AttachContent::Storage(path) => {
                    if depth + 1 > cx.limits.max_depth {
                        cx.incomplete(
                            &loc.child(&seg),
                            Reason::Depth {
                                limit: cx.limits.max_depth,
                            },
                        );
                    } else if msg::is_message(comp, &path) {
                        let child = loc.child(&format!("attachment{i}.msg"));
                        if cx.count_entry(&child) {
                            cx.record_type(
                                &child,
                                Typed {
                                    format: Format::Binary,
                                    file_type: builtin(ids::MSG),
                                },
                            );
                            self.outlook_message(&child, depth + 1, comp, &path)?;
                        }
                    } else {
                        let child = loc.child(&seg);
                        let t = Typed {
                            format: Format::Binary,
                            file_type: builtin(ids::OLE),
                        };
                        self.storage((&child, &path), depth + 1, t, comp, &path)?;
                    }
                }
                msg::AttachContent::None => {}
            }
        }
        Ok(())
    }

    /// Text made from a container's data (headers, a body): counted,
    /// typed and delivered when not empty.
    fn derived(&mut self, child: &Location, typed: Typed, text: &str) -> Result<(), E> {
        if text.is_empty() || !self.cx.count_entry(child) {
            return Ok(());
        }
        self.cx.record_type(child, typed);
        self.deliver_text(child, typed, text)
    }

    /// OLE content Cordon cannot parse: the raw bytes (8-bit text), and,
    /// as a member of its own, every run of UTF-16LE text in them. An
    /// `EncryptedPackage` name going by means a password-protected file.
    pub(crate) fn ole_heuristic(
        &mut self,
        loc: &Location,
        typed: Typed,
        reader: &mut dyn Read,
    ) -> Result<(), E> {
        let cx = self.cx;
        let cap = usize::try_from(cx.limits.max_member_bytes).unwrap_or(usize::MAX);
        let mut runs = utf16::Utf16Runs::new(cap);
        let tee = utf16::Tee {
            inner: reader,
            runs: &mut runs,
        };
        let mut watched = crate::Watch::new(tee, ENCRYPTED_PACKAGE);
        self.deliver(loc, typed, TextKind::Raw, &mut watched)?;
        let encrypted = watched.found;
        drop(watched);
        let (text, truncated) = runs.finish();
        let utf16_loc = loc.child(UTF16_MEMBER);
        if truncated {
            cx.incomplete(
                &utf16_loc,
                Reason::TextTooLarge {
                    limit: cx.limits.max_member_bytes,
                },
            );
        }
        if !text.is_empty() {
            self.deliver_text(&utf16_loc, typed, &text)?;
        }
        if encrypted {
            cx.incomplete(
                loc,
                Reason::Encrypted {
                    format: Format::Binary,
                    detail: "office document protected by a password".to_owned(),
                },
            );
        }
        Ok(())
    }
}

/// The stream that holds a packaged file.
const OLE10_NATIVE: &str = "\u{1}Ole10Native";

/// The file inside an `Ole10Native` package (the layout Windows' Object
/// Packager writes): size u32, 2 u16, label, source path, 0 u16, 3 u16,
/// temporary path (u32 length, bytes), data (u32 length, bytes). The name
/// is the label's (the file name), `/` and `\` turned into `_`. `None`
/// when the stream is not laid out so.
fn package(b: &[u8]) -> Option<(String, &[u8])> {
    let cstr = |at: usize| -> Option<(&[u8], usize)> {
        let rest = b.get(at..)?;
        let end = memchr::memchr(0, rest)?;
        Some((rest.get(..end)?, at + end + 1))
    };
    if u16_at(b, 4, "").ok()? != 2 {
        return None;
    }
    let (label, at) = cstr(6)?;
    let (_source, at) = cstr(at)?;
    if u16_at(b, at, "").ok()? != 0 || u16_at(b, at + 2, "").ok()? != 3 {
        return None;
    }
    let temp_len = u32_at(b, at + 4, "").ok()? as usize;
    let at = (at + 8).checked_add(temp_len)?;
    let size = u32_at(b, at, "").ok()? as usize;
    let data = b.get(at + 4..(at + 4).checked_add(size)?)?;
    let name = encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(label)
        .0
        .replace(['/', '\\'], "_");
    Some((name, data))
}

/// A whole stream in memory, refused over `limit` bytes.
fn read_stream<F: Read + Seek>(
    comp: &mut CompoundFile<F>,
    path: &str,
    limit: u64,
) -> Result<Vec<u8>, Reason> {
    let mut s = comp.open_stream(path).map_err(|e| not_ole(&e))?;
    if s.len() > limit {
        return Err(Reason::MemberTooLarge { limit });
    }
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).map_err(|e| not_ole(&e))?;
    Ok(buf)
}

/// An error of the compound file layer.
pub(crate) fn not_ole(e: &io::Error) -> Reason {
    Reason::Corrupt {
        format: Format::Binary,
        detail: format!("OLE compound file: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use crate::{Extractor, Input, Limits};

    type Members = Vec<(String, String)>;
    type Reasons = Vec<(String, &'static str)>;

    /// (location, text) of every member, and the report's reasons.
    fn extract(name: &str, bytes: &[u8], limits: Limits) -> (Members, Reasons) {
        let mut got = Vec::new();
        let report = Extractor::new(limits)
            .extract(name, Input::Bytes(bytes), &mut |m| {
                let mut buf = Vec::new();
                m.text.read_to_end(&mut buf).unwrap();
                got.push((
                    m.location.to_string(),
                    String::from_utf8_lossy(&buf).into_owned(),
                ));
                Ok::<(), ()>(())
            })
            .unwrap();
        let reasons = report
            .incomplete
            .iter()
            .map(|i| (i.location.to_string(), i.reason.code()))
            .collect();
        (got, reasons)
    }

    fn at<'a>(got: &'a [(String, String)], loc: &str) -> &'a str {
        got.iter()
            .find(|(l, _)| l == loc)
            .map(|(_, t)| t.as_str())
            .unwrap_or_else(|| {
                panic!(
                    "no {loc} in {:?}",
                    got.iter().map(|g| &g.0).collect::<Vec<_>>()
                )
            })
    }

    #[test]
    fn an_outlook_message_reads_like_an_eml() {
        let (got, reasons) = extract(
            "refund.msg",
            &super::msg::tests::sample(),
            Limits::default(),
        );
        assert!(reasons.is_empty(), "{reasons:?}");
        let locs: Vec<_> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            locs,
            [
                "refund.msg!/headers",
                "refund.msg!/body.txt",
                "refund.msg!/attachment0/notes.txt",
                "refund.msg!/attachment1.msg!/headers",
                "refund.msg!/attachment1.msg!/body.txt",
            ]
        );
        assert_eq!(
            at(&got, "refund.msg!/headers"),
            "From: Dana Whitfield <dana@example.org>\nTo: Records <records@example.org>\n\
             Cc: Audit <audit@example.org>\nSubject: Refund for Иван\n"
        );
        assert_eq!(
            at(&got, "refund.msg!/body.txt"),
            "Card 4111 1111 1111 1111\r\nThanks"
        );
        assert_eq!(
            at(&got, "refund.msg!/attachment0/notes.txt"),
            "SSN 536-22-8726\n"
        );
        assert_eq!(
            at(&got, "refund.msg!/attachment1.msg!/body.txt"),
            "IBAN GB82 WEST 1234 5698 7654 32"
        );
    }

    #[test]
    fn html_then_rtf_bodies_when_there_is_no_plain_one() {
        use super::msg::tests::Builder;
        let mut b = Builder::new();
        b.binary(
            "",
            0x1013,
            b"<p>Card <b>4111 1111 1111 1111</b></p><script>x</script>",
        );
        b.binary("", 0x0007D, b"");
        let (got, _) = extract("h.msg", &b.finish(), Limits::default());
        // A mail's script is kept as text (a DLP tool reads all it carries).
        assert_eq!(
            at(&got, "h.msg!/body.html").trim(),
            "Card 4111 1111 1111 1111\nx"
        );

        // MS-OXRTFCP's example, compressed.
        let rtf: Vec<u8> = (0..98)
            .step_by(2)
            .map(|i| u8::from_str_radix(&"2d0000002b0000004c5a4675f1c5c7a703000a007263706731323542320af32068656c090020627705b06c647d0a800fa0"[i..i + 2], 16).unwrap())
            .collect();
        let mut b = Builder::new();
        b.binary("", 0x1009, &rtf);
        b.unicode(
            "",
            0x007D,
            "Received: x\r\nX-Classification: Restricted\r\nSubject: y\r\n\r\n",
        );
        let (got, reasons) = extract("r.msg", &b.finish(), Limits::default());
        assert!(reasons.is_empty(), "{reasons:?}");
        assert_eq!(at(&got, "r.msg!/body.rtf").trim(), "hello world");
        assert_eq!(
            at(&got, "r.msg!/headers"),
            "Received: x\nX-Classification: Restricted\n"
        );
    }

    /// An Object Packager stream holding `data` as `name`.
    fn ole10native(name: &str, data: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; 4];
        b.extend_from_slice(&2u16.to_le_bytes());
        b.extend_from_slice(name.as_bytes());
        b.push(0);
        b.extend_from_slice(b"C:\\Users\\dana\\");
        b.extend_from_slice(name.as_bytes());
        b.push(0);
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&3u16.to_le_bytes());
        let temp = b"C:\\Temp\\x.txt\0";
        b.extend_from_slice(&(temp.len() as u32).to_le_bytes());
        b.extend_from_slice(temp);
        b.extend_from_slice(&(data.len() as u32).to_le_bytes());
        b.extend_from_slice(data);
        let total = (b.len() - 4) as u32;
        b[..4].copy_from_slice(&total.to_le_bytes());
        b
    }

    #[test]
    fn a_packaged_file_is_extracted_under_its_name() {
        let zip = {
            let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            w.start_file("ids.txt", zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut w, b"SSN 536-22-8726\n").unwrap();
            w.finish().unwrap().into_inner()
        };
        let mut comp = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
        comp.create_storage_all("/ObjectPool/_1").unwrap();
        comp.create_storage_all("/ObjectPool/_2").unwrap();
        for (path, data) in [
            (
                "/ObjectPool/_1/\u{1}Ole10Native",
                ole10native("ids.zip", &zip),
            ),
            (
                "/ObjectPool/_2/\u{1}Ole10Native",
                b"not a package at all".to_vec(),
            ),
            ("/WordDocument", Vec::new()),
        ] {
            let mut s = comp.create_stream(path).unwrap();
            std::io::Write::write_all(&mut s, &data).unwrap();
        }
        comp.flush().unwrap();
        let file = comp.into_inner().into_inner();
        let (got, reasons) = extract("memo.doc", &file, Limits::default());
        assert_eq!(
            at(
                &got,
                "memo.doc!/ObjectPool/_1/%01Ole10Native!/ids.zip!/ids.txt"
            ),
            "SSN 536-22-8726\n"
        );
        assert_eq!(
            at(&got, "memo.doc!/ObjectPool/_2/%01Ole10Native"),
            "not a package at all"
        );
        // The empty WordDocument is reported, the rest is complete.
        assert_eq!(reasons, [("memo.doc!/WordDocument".to_owned(), "corrupt")]);
    }

    #[test]
    fn packages_that_lie_about_sizes_are_not_packages() {
        let good = ole10native("a.txt", b"hello");
        assert_eq!(
            super::package(&good),
            Some(("a.txt".to_owned(), &b"hello"[..]))
        );
        for cut in 0..good.len() {
            assert_eq!(super::package(&good[..cut]), None, "cut at {cut}");
        }
        let mut huge = good.clone();
        let at = huge.len() - 9;
        huge[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(super::package(&huge), None);
    }

    #[test]
    fn attached_messages_stop_at_the_depth_limit() {
        use super::msg::tests::Builder;
        let mut b = Builder::new();
        b.unicode("", 0x0037, "top");
        let mut dir = String::new();
        for _ in 0..5 {
            let mut inner = String::new();
            {
                // Each level holds the next as its only attachment.
                let s = format!("{dir}/__attach_version1.0_#00000000");
                b.comp.create_storage(&s).unwrap();
                b.stream(&format!("{s}/__properties_version1.0"), &[0u8; 8]);
                let obj = format!("{s}/__substg1.0_3701000D");
                b.comp.create_storage(&obj).unwrap();
                b.stream(&format!("{obj}/__properties_version1.0"), &[0u8; 24]);
                b.unicode(&obj, 0x1000, "deep SSN 536-22-8726");
                inner.push_str(&obj);
            }
            dir = inner;
        }
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        let (got, reasons) = extract("deep.msg", &b.finish(), limits);
        assert!(
            reasons.iter().any(|(_, c)| *c == "depth_limit"),
            "{reasons:?}"
        );
        assert!(
            got.iter()
                .any(|(l, _)| l == "deep.msg!/attachment0.msg!/attachment0.msg!/body.txt")
        );
    }
}
