//! cordon-extract: bytes to text members.
//!
//! The first stage of the pipeline (extract → detect → classify → decide →
//! enforce → record). An [`Extractor`] takes one input (a file, a buffer or
//! a reader), finds out what it is by content, opens containers (zip, tar,
//! gzip, bzip2, xz, office documents, e-mail) to any depth within
//! [`Limits`], and hands every piece of text to a visitor as a [`Member`]:
//! a [`Location`] saying where it was found and a `Read` of its text.
//! Offsets a detector reports are byte offsets in that text; for a plain
//! UTF-8 file the text is the file itself.
//!
//! Nothing passes silently: whatever could not be read in full (a limit, a
//! corrupt or encrypted member) is listed in the [`ExtractReport`] with
//! its location and reason, and extraction of the other members goes on;
//! only the limits on the whole input ([`Reason::stops_input`]) end it.
//! Bytes, a path, a file, a pipe or a stream give the same members and
//! the same report.
//!
//! ```
//! use cordon_extract::{Extractor, Input, Limits};
//! use std::io::Read;
//!
//! let ex = Extractor::new(Limits::default());
//! let mut texts = Vec::new();
//! let report = ex
//!     .extract("note.txt", Input::Bytes(b"card 4111 1111 1111 1111"), &mut |m| {
//!         let mut s = String::new();
//!         m.text.read_to_string(&mut s).map_err(|e| e.to_string())?;
//!         texts.push((m.location.to_string(), s));
//!         Ok::<(), String>(())
//!     })
//!     .unwrap();
//! assert!(report.fully_inspected());
//! assert_eq!(texts, [("note.txt".to_string(), "card 4111 1111 1111 1111".to_string())]);
//! ```

#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::allow_attributes_without_reason
    )
)]
mod archive;
mod email;
mod limits;
mod location;
mod markup;
mod ocr;
mod office;
mod ole;
mod pdf;
mod report;
mod rtf;
mod sniff;
mod srcmap;
mod text;
mod utf16;
mod zipfile;

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

pub use cordon_filetype::{FileType, Kind as FileKind};
pub use limits::{Limits, RATIO_FLOOR};
pub use location::Location;
pub use ocr::Ocr;
pub use report::{ExtractReport, Incomplete, Note, Reason, TypeEntry, Typed};
pub use sniff::{Charset, Format, Sniffed, sniff};
pub use srcmap::SourceMap;

use limits::{Compressed, Counting, Cx, Guarded, ReadBoundedError, read_bounded};
use sniff::HEAD_LEN;

/// What to extract from.
pub enum Input<'a> {
    /// A file to open (read only, never followed into other files).
    Path(&'a Path),
    /// An open file (a pipe or device works too, it is only read).
    File(File),
    /// Bytes in memory.
    Bytes(&'a [u8]),
    /// Any reader, such as standard input.
    Reader(&'a mut dyn Read),
}

/// How a member's text relates to the member's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// The member's own bytes, which are UTF-8 text (or as good as: bytes
    /// after the first few kilobytes are not checked). Offsets in the text
    /// are offsets in the member.
    Original,
    /// The member's text decoded from this charset to UTF-8.
    Transcoded(Charset),
    /// Text extracted from a document format (markup dropped, escapes
    /// decoded, parts joined with line breaks).
    Extracted,
    /// The raw bytes of content of unknown type, which may hold text.
    Raw,
}

/// One piece of text found in the input.
pub struct Member<'a> {
    /// Where the member was found.
    pub location: &'a Location,
    /// How the extractor read the member (after refinement: DOCX rather
    /// than zip). A part of a document has the document's format.
    pub format: Format,
    /// The member's file type by content signature, refined by the
    /// extractor (the `cordon-filetype` table; "Plain text" for text).
    pub file_type: &'static FileType,
    /// How `text` relates to the member's bytes.
    pub kind: TextKind,
    /// The text as UTF-8 (raw bytes for [`TextKind::Raw`]). Never fails: a
    /// read error or a limit ends it early and is listed in the report.
    pub text: &'a mut dyn Read,
    /// For text extracted from HTML and XML, and a mail's headers and
    /// bodies: where each run of `text` came from in the member's bytes
    /// (or, where [`SourceMap::location`] names one, in the bytes of the
    /// enclosing `.eml` or mbox file), filled in as `text` is read. Map a
    /// finding's offsets with [`SourceMap::span`] to place it in the file.
    pub map: Option<&'a SourceMap>,
}

/// Extracts text members from inputs within limits. Cheap to share across
/// threads: each `extract` call has its own state.
#[derive(Debug, Clone, Default)]
pub struct Extractor {
    limits: Limits,
    ocr: Option<Ocr>,
}

impl Extractor {
    pub fn new(limits: Limits) -> Self {
        Self { limits, ocr: None }
    }

    /// Reads the text in images with an OCR engine (off by default: it
    /// costs about half a second of CPU per page). Without it, images
    /// are listed in the types and yield no text.
    pub fn with_ocr(mut self, ocr: Option<Ocr>) -> Self {
        self.ocr = ocr;
        self
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Extract every text member of `input`, calling `visit` for each in
    /// order. `root_name` starts every location (a path as given, or `-`).
    ///
    /// Returns the report of what could not be read fully. A visitor error
    /// aborts extraction at once and is returned as is.
    pub fn extract<E>(
        &self,
        root_name: &str,
        input: Input<'_>,
        visit: &mut dyn FnMut(Member<'_>) -> Result<(), E>,
    ) -> Result<ExtractReport, E> {
        let mut cx = Cx::new(&self.limits);
        cx.ocr = self.ocr.as_ref();
        let root = Location::root(root_name);
        {
            let mut run = Run { cx: &cx, visit };
            match input {
                Input::Path(path) => match File::open(path) {
                    Ok(f) => run.file(&root, f)?,
                    Err(e) => cx.incomplete(
                        &root,
                        Reason::Io {
                            detail: e.to_string(),
                        },
                    ),
                },
                Input::File(f) => run.file(&root, f)?,
                Input::Bytes(b) => {
                    cx.set_root_size(Compressed::Known(b.len() as u64));
                    run.node(&root, 0, Src::Mem(b))?;
                }
                Input::Reader(r) => run.stream(&root, r)?,
            }
        }
        Ok(ExtractReport {
            types: cx.types.into_inner(),
            incomplete: cx.incomplete.into_inner(),
            notes: cx.notes.into_inner(),
        })
    }
}

/// Where a member's bytes come from.
pub(crate) enum Src<'a> {
    Mem(&'a [u8]),
    File(&'a mut File),
    Stream(&'a mut dyn Read),
}

/// A member whose first bytes have been read for sniffing.
pub(crate) struct Body<'a> {
    head: Vec<u8>,
    /// True when `head` is the whole member.
    complete: bool,
    rest: Src<'a>,
}

impl<'a> Body<'a> {
    fn open(src: Src<'a>) -> io::Result<Self> {
        match src {
            Src::Mem(b) => Ok(Self {
                head: b.get(..b.len().min(HEAD_LEN)).unwrap_or_default().to_vec(),
                // As for a stream, where a head of exactly `HEAD_LEN`
                // bytes cannot tell whether more follows.
                complete: b.len() < HEAD_LEN,
                rest: Src::Mem(b),
            }),
            Src::File(f) => {
                let head = read_head(f)?;
                Ok(Self {
                    complete: head.len() < HEAD_LEN,
                    head,
                    rest: Src::File(f),
                })
            }
            Src::Stream(r) => {
                let head = read_head(r)?;
                Ok(Self {
                    complete: head.len() < HEAD_LEN,
                    head,
                    rest: Src::Stream(r),
                })
            }
        }
    }

    /// The whole member as a stream.
    fn reader(self) -> Box<dyn Read + 'a> {
        match self.rest {
            Src::Mem(b) => Box::new(Cursor::new(b)),
            Src::File(f) => Box::new(Cursor::new(self.head).chain(f)),
            Src::Stream(r) => Box::new(Cursor::new(self.head).chain(r)),
        }
    }

    /// The whole member in memory, up to `limit` bytes.
    fn buffer(self, limit: u64) -> Result<Cow<'a, [u8]>, Reason> {
        let too_large = || Reason::MemberTooLarge { limit };
        let rest: &mut dyn Read = match self.rest {
            // Already in memory: nothing to refuse.
            Src::Mem(b) => return Ok(Cow::Borrowed(b)),
            Src::File(f) => {
                if f.metadata().is_ok_and(|m| m.is_file() && m.len() > limit) {
                    return Err(too_large());
                }
                f
            }
            Src::Stream(r) => r,
        };
        if self.complete {
            return Ok(Cow::Owned(self.head));
        }
        match read_bounded(rest, limit, self.head) {
            Ok(v) => Ok(Cow::Owned(v)),
            Err(ReadBoundedError::TooLarge) => Err(too_large()),
            Err(ReadBoundedError::Io(e)) => Err(Reason::Io {
                detail: e.to_string(),
            }),
        }
    }

    /// A seekable view for zip: the file itself when it can seek, else
    /// the member buffered.
    fn seekable(self, limit: u64) -> Result<Seekable<'a>, Reason> {
        if let Src::File(f) = self.rest {
            if f.seek(SeekFrom::Start(0)).is_ok() {
                return Ok(Seekable::File(f));
            }
            return Body {
                head: self.head,
                complete: self.complete,
                rest: Src::File(f),
            }
            .buffer(limit)
            .map(Seekable::Mem);
        }
        self.buffer(limit).map(Seekable::Mem)
    }
}

pub(crate) enum Seekable<'a> {
    File(&'a mut File),
    Mem(Cow<'a, [u8]>),
}

/// Passes bytes through and notes whether `pattern` went by, even across
/// read boundaries.
pub(crate) struct Watch<'p, R> {
    inner: R,
    pattern: &'p [u8],
    tail: Vec<u8>,
    pub(crate) found: bool,
}

impl<'p, R: Read> Watch<'p, R> {
    pub(crate) fn new(inner: R, pattern: &'p [u8]) -> Self {
        Self {
            inner,
            pattern,
            tail: Vec::new(),
            found: false,
        }
    }
}

impl<R: Read> Read for Watch<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if !self.found && n > 0 {
            let got = buf.get(..n).unwrap_or_default();
            self.tail.extend_from_slice(
                got.get(..got.len().min(self.pattern.len()))
                    .unwrap_or_default(),
            );
            if memchr::memmem::find(&self.tail, self.pattern).is_some()
                || memchr::memmem::find(got, self.pattern).is_some()
            {
                self.found = true;
            }
            let keep = self.pattern.len().saturating_sub(1);
            let start = got.len().saturating_sub(keep);
            self.tail.clear();
            self.tail
                .extend_from_slice(got.get(start..).unwrap_or_default());
        }
        Ok(n)
    }
}

fn read_head(r: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    r.take(HEAD_LEN as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// One extraction in progress: the shared state and the visitor.
pub(crate) struct Run<'c, 'l, 'v, E> {
    cx: &'c Cx<'l>,
    visit: &'v mut dyn FnMut(Member<'_>) -> Result<(), E>,
}

impl<E> Run<'_, '_, '_, E> {
    /// The root input as an open file: a regular file by its size and
    /// positional reads, anything else (a pipe, a device) as a stream.
    fn file(&mut self, root: &Location, mut f: File) -> Result<(), E> {
        match f.metadata() {
            Ok(m) if m.is_file() => {
                self.cx.set_root_size(Compressed::Known(m.len()));
                self.node(root, 0, Src::File(&mut f))
            }
            _ => self.stream(root, &mut f),
        }
    }

    /// The root input as a stream: its size is what has been read of it
    /// so far, so the input-wide ratio judges it as it would the same
    /// bytes in a file.
    fn stream(&mut self, root: &Location, r: &mut dyn Read) -> Result<(), E> {
        let (mut counting, count) = Counting::new(r);
        self.cx.set_root_size(Compressed::Counted(count));
        self.node(root, 0, Src::Stream(&mut counting))
    }

    /// Whether a member at `loc`, `depth` containers down, is read: not
    /// after a stop, within the entry count (counted here) and the depth
    /// limit (recorded as incomplete past it).
    pub(crate) fn enter(&mut self, loc: &Location, depth: u32) -> bool {
        let cx = self.cx;
        if cx.stopped() || !cx.count_entry(loc) {
            return false;
        }
        if depth > cx.limits.max_depth {
            cx.incomplete(
                loc,
                Reason::Depth {
                    limit: cx.limits.max_depth,
                },
            );
            return false;
        }
        true
    }

    /// Extract one member at `loc`, `depth` containers down.
    pub(crate) fn node(&mut self, loc: &Location, depth: u32, src: Src<'_>) -> Result<(), E> {
        let cx = self.cx;
        if !self.enter(loc, depth) {
            return Ok(());
        }
        let body = match Body::open(src) {
            Ok(b) => b,
            Err(e) => {
                // A limit tripped below is already recorded.
                if !limits::is_tripped(&e) {
                    cx.incomplete(loc, Reason::from_io(Format::Binary, &e));
                }
                return Ok(());
            }
        };
        let sniffed = sniff(&body.head, body.complete);
        let typed = Typed {
            format: sniffed.format,
            file_type: sniff::file_type(sniffed.format, &body.head),
        };
        cx.record_type(loc, typed);
        match sniffed.format {
            Format::Image if cx.ocr.is_some() => self.ocr_image(loc, typed, body),
            Format::Empty | Format::Image => Ok(()),
            Format::Binary => self.binary(loc, depth, sniffed, typed, body),
            Format::Text | Format::Html | Format::Xml => {
                self.stream_text(loc, sniffed, typed, body)
            }
            Format::Zip
            | Format::Docx
            | Format::Xlsx
            | Format::Pptx
            | Format::Odt
            | Format::Ods
            | Format::Odp
            | Format::OdfOther
            | Format::OoxmlOther => match body.seekable(cx.limits.max_member_bytes) {
                Ok(s) => self.zip(loc, depth, s),
                Err(reason) => {
                    cx.incomplete(loc, reason);
                    Ok(())
                }
            },
            Format::Gzip | Format::Bzip2 | Format::Xz => {
                self.decompress(loc, depth, sniffed.format, body.reader())
            }
            Format::Tar => self.tar(loc, depth, body.reader()),
            Format::Pdf | Format::Rtf | Format::Email => {
                let bytes = match body.buffer(cx.limits.max_member_bytes) {
                    Ok(b) => b,
                    Err(reason) => {
                        cx.incomplete(loc, reason);
                        return Ok(());
                    }
                };
                match sniffed.format {
                    Format::Pdf => self.pdf(loc, depth, typed, &bytes),
                    Format::Rtf => self.rtf(loc, typed, &bytes),
                    _ => self.email(loc, depth, typed, &bytes),
                }
            }
        }
    }

    /// Text and unknown content: streamed, never held whole in memory.
    fn stream_text(
        &mut self,
        loc: &Location,
        sniffed: Sniffed,
        typed: Typed,
        body: Body<'_>,
    ) -> Result<(), E> {
        let raw = body.reader();
        let (decoded, kind): (Box<dyn Read + '_>, TextKind) = match sniffed.charset {
            _ if sniffed.format == Format::Binary => (raw, TextKind::Raw),
            Charset::Utf8 => (raw, TextKind::Original),
            cs => (
                Box::new(text::Transcode::new(raw, cs)),
                TextKind::Transcoded(cs),
            ),
        };
        match sniffed.format {
            Format::Html | Format::Xml => {
                let stripped = markup::MarkupText::new(decoded, sniffed.format == Format::Html);
                // Offsets map to the file only where the markup is read
                // from the file's own bytes (not from a transcoding).
                let map = (kind == TextKind::Original).then(SourceMap::new);
                let mut stripped = match &map {
                    Some(m) => stripped.with_map(m.clone()),
                    None => stripped,
                };
                self.deliver_mapped(loc, typed, TextKind::Extracted, &mut stripped, map.as_ref())
            }
            _ => {
                let mut decoded = decoded;
                self.deliver(loc, typed, kind, &mut decoded)
            }
        }
    }

    /// Content with no text format: media have no text layer for Cordon;
    /// archives it cannot open are reported; the rest goes out raw.
    fn binary(
        &mut self,
        loc: &Location,
        depth: u32,
        sniffed: Sniffed,
        typed: Typed,
        body: Body<'_>,
    ) -> Result<(), E> {
        use sniff::ids;
        let cx = self.cx;
        match (typed.file_type.kind, typed.file_type.id) {
            (FileKind::Image, _) if cx.ocr.is_some() => self.ocr_image(loc, typed, body),
            (FileKind::Image | FileKind::Audio | FileKind::Video, _) => Ok(()),
            (_, ids::SEVEN_ZIP | ids::RAR | ids::CAB | ids::ZSTD) => {
                cx.incomplete(
                    loc,
                    Reason::Unsupported {
                        format: Format::Binary,
                        detail: format!("{} is not a format Cordon opens", typed.file_type.name),
                    },
                );
                Ok(())
            }
            (_, ids::OLE | ids::DOC | ids::XLS | ids::PPT | ids::MSG) => {
                match body.seekable(cx.limits.max_member_bytes) {
                    Ok(src) => self.ole(loc, depth, typed, src),
                    Err(reason) => {
                        cx.incomplete(loc, reason);
                        Ok(())
                    }
                }
            }
            _ => self.stream_text(loc, sniffed, typed, body),
        }
    }

    /// An image through the OCR engine: its text is the member's.
    fn ocr_image(&mut self, loc: &Location, typed: Typed, body: Body<'_>) -> Result<(), E> {
        let cx = self.cx;
        let Some(ocr) = cx.ocr else {
            return Ok(());
        };
        let limit = cx.limits.max_member_bytes;
        let image = match body.buffer(limit) {
            Ok(b) => b,
            Err(reason) => {
                cx.incomplete(loc, reason);
                return Ok(());
            }
        };
        self.ocr_bytes(loc, typed, ocr, &image)
    }

    /// The text `ocr` reads in `image`, delivered as the member at `loc`.
    pub(crate) fn ocr_bytes(
        &mut self,
        loc: &Location,
        typed: Typed,
        ocr: &Ocr,
        image: &[u8],
    ) -> Result<(), E> {
        let cx = self.cx;
        let limit = cx.limits.max_member_bytes;
        let cap = usize::try_from(limit).unwrap_or(usize::MAX);
        match ocr::recognise(ocr, image, cap, cx.deadline()) {
            Ok((text, cut)) => {
                if cut {
                    cx.incomplete(loc, Reason::TextTooLarge { limit });
                }
                self.deliver_text(loc, typed, &text)
            }
            Err(reason) => {
                cx.incomplete(loc, reason);
                Ok(())
            }
        }
    }

    /// Hand a member's text to the visitor behind the never-failing guard.
    pub(crate) fn deliver(
        &mut self,
        loc: &Location,
        typed: Typed,
        kind: TextKind,
        text: &mut dyn Read,
    ) -> Result<(), E> {
        self.deliver_mapped(loc, typed, kind, text, None)
    }

    /// [`deliver`](Self::deliver) with the map of where the text came from.
    pub(crate) fn deliver_mapped(
        &mut self,
        loc: &Location,
        typed: Typed,
        kind: TextKind,
        text: &mut dyn Read,
        map: Option<&SourceMap>,
    ) -> Result<(), E> {
        let mut guarded = Guarded::new(text, self.cx, loc, typed.format);
        (self.visit)(Member {
            location: loc,
            format: typed.format,
            file_type: typed.file_type,
            kind,
            text: &mut guarded,
            map,
        })
    }

    /// Hand extracted text held in memory to the visitor, cut at the
    /// member limit.
    pub(crate) fn deliver_text(
        &mut self,
        loc: &Location,
        typed: Typed,
        text: &str,
    ) -> Result<(), E> {
        self.deliver_placed(loc, typed, text, None)
    }

    /// [`Self::deliver_text`], with a map that places the text's offsets.
    pub(crate) fn deliver_placed(
        &mut self,
        loc: &Location,
        typed: Typed,
        text: &str,
        map: Option<&SourceMap>,
    ) -> Result<(), E> {
        let limit = self.cx.limits.max_member_bytes;
        let bytes = text.as_bytes();
        let bytes = if bytes.len() as u64 > limit {
            self.cx.incomplete(loc, Reason::TextTooLarge { limit });
            bytes
                .get(..usize::try_from(limit).unwrap_or(usize::MAX))
                .unwrap_or(bytes)
        } else {
            bytes
        };
        if bytes.is_empty() {
            return Ok(());
        }
        self.deliver_mapped(
            loc,
            typed,
            TextKind::Extracted,
            &mut Cursor::new(bytes),
            map,
        )
    }
}

/// Entry points for the fuzz targets in `crates/extract/fuzz`: each runs
/// one extractor on arbitrary bytes, reading every member to the end.
/// Not part of the API.
#[doc(hidden)]
pub mod fuzzing {
    use std::io::Read;

    use crate::{Extractor, Input, Limits};

    fn limits() -> Limits {
        Limits {
            max_member_bytes: 4 << 20,
            max_total_bytes: 32 << 20,
            timeout: Some(std::time::Duration::from_secs(5)),
            ..Limits::default()
        }
    }

    /// The whole pipeline: sniffing, then whatever the bytes look like.
    pub fn extract(data: &[u8]) {
        let ex = Extractor::new(limits());
        let mut sink = Vec::new();
        let _ = ex.extract("fuzz", Input::Bytes(data), &mut |m| {
            sink.clear();
            let _ = m.text.read_to_end(&mut sink);
            Ok::<(), ()>(())
        });
    }

    /// `data` behind a format's signature, so the fuzzer spends its time
    /// inside that extractor rather than in the sniffer.
    pub fn extract_as(signature: &[u8], data: &[u8]) {
        let mut buf = Vec::with_capacity(signature.len() + data.len());
        buf.extend_from_slice(signature);
        buf.extend_from_slice(data);
        extract(&buf);
    }

    /// `data` as a tar whose first header has the ustar magic and a
    /// correct checksum, so the fuzzer gets past the first block.
    pub fn tar(data: &[u8]) {
        let mut d = data.to_vec();
        if d.len() < 512 {
            d.resize(512, 0);
        }
        if let Some(magic) = d.get_mut(257..262) {
            magic.copy_from_slice(b"ustar");
        }
        if let Some(field) = d.get_mut(148..156) {
            field.fill(b' ');
        }
        let sum: u32 = d.iter().take(512).map(|b| u32::from(*b)).sum();
        let text = format!("{sum:06o}\0 ");
        if let Some(field) = d.get_mut(148..156) {
            field.copy_from_slice(text.as_bytes());
        }
        extract(&d);
    }

    pub fn rtf(data: &[u8]) {
        let _ = crate::rtf::rtf_text(data);
    }

    /// The text of markup, and its map back to the bytes: every span of
    /// the text maps inside the input, in order.
    pub fn markup(data: &[u8], html: bool) {
        let mut out = Vec::new();
        let map = crate::SourceMap::new();
        let _ = crate::markup::MarkupText::new(data, html)
            .with_map(map.clone())
            .read_to_end(&mut out);
        let len = out.len() as u64;
        let mut last = 0;
        for t in (0..len).step_by(7) {
            let span = map.span(t, len);
            assert!(
                span.is_some_and(|(s, e)| s >= last && s <= e && e <= data.len() as u64),
                "text offset {t} of {len} maps to {span:?}"
            );
            last = span.map_or(last, |(s, _)| s);
        }
    }

    /// Every office XML profile over the same bytes.
    pub fn office_xml(data: &[u8]) {
        use crate::office::{Profile, xml_text};
        let shared = ["a".to_owned(), "b".to_owned()];
        for p in [
            Profile::Word,
            Profile::Drawing,
            Profile::Sheet,
            Profile::SheetText,
            Profile::Odf,
            Profile::Generic,
        ] {
            let _ = xml_text(data, p, &shared, 1 << 20);
        }
    }

    /// Every legacy Office stream parser over the same bytes (Word, PowerPoint,
    /// Excel, compressed RTF, property sets).
    pub fn ole_streams(data: &[u8]) {
        let cap = 1 << 20;
        let half = data.len() / 2;
        let (a, b) = data.split_at(half);
        let _ = crate::ole::doc::doc_text(data, data, cap);
        let _ = crate::ole::doc::doc_text(a, b, cap);
        let _ = crate::ole::ppt::ppt_text(data, cap);
        let _ = crate::ole::xls::xls_text(data, cap);
        let _ = crate::ole::lzfu::decompress(data, cap);
        let _ = crate::ole::props::property_text(data, cap);
    }

    pub fn transcode(data: &[u8]) {
        for cs in [
            crate::Charset::Utf16Le,
            crate::Charset::Utf16Be,
            crate::Charset::Windows1252,
        ] {
            let mut out = Vec::new();
            let _ = crate::text::Transcode::new(data, cs).read_to_end(&mut out);
        }
    }
}
