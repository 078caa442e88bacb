//! Office Open XML (DOCX, XLSX, PPTX) and OpenDocument (ODT, ODS, ODP):
//! a zip refined by its entries, each text-bearing XML part a member.
//!
//! Text is taken from the elements that hold document text (`w:t`, `a:t`,
//! spreadsheet values, ODF paragraphs), not from every character node, so
//! pretty-printing whitespace and style names stay out; paragraph, row and
//! cell ends become line breaks and tabs so that words of different
//! paragraphs never run together.

use std::io::{Read, Seek};

use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

use crate::limits::{ReadBoundedError, read_bounded};
use crate::sniff::{builtin, ids};
use crate::zipfile::zip_reason;
use crate::{Format, Location, Reason, Run, Typed};

/// Look at a zip's entries to tell office documents (and EPUB) from plain
/// archives: `[Content_Types].xml` and the main part for OOXML, the
/// `mimetype` entry for OpenDocument.
pub(crate) fn refine<R: Read + Seek>(archive: &mut ZipArchive<R>) -> Typed {
    let typed = |format, id| Typed {
        format,
        file_type: builtin(id),
    };
    let has = |a: &ZipArchive<R>, name: &str| a.index_for_name(name).is_some();
    if has(archive, "[Content_Types].xml") {
        if has(archive, "word/document.xml") {
            return typed(Format::Docx, ids::DOCX);
        }
        if has(archive, "xl/workbook.xml") || has(archive, "xl/workbook.bin") {
            return typed(Format::Xlsx, ids::XLSX);
        }
        if has(archive, "ppt/presentation.xml") {
            return typed(Format::Pptx, ids::PPTX);
        }
        if has(archive, "visio/document.xml") {
            return typed(Format::OoxmlOther, ids::VSDX);
        }
        return typed(Format::OoxmlOther, ids::ZIP);
    }
    let mut mime = Vec::new();
    if let Ok(entry) = archive.by_name("mimetype")
        && entry.take(128).read_to_end(&mut mime).is_ok()
    {
        let mime = String::from_utf8_lossy(&mime);
        let mime = mime.trim();
        if mime == "application/epub+zip" {
            return typed(Format::Zip, ids::EPUB);
        }
        if let Some(kind) = mime.strip_prefix("application/vnd.oasis.opendocument.") {
            return match kind {
                "text" | "text-template" | "text-master" => typed(Format::Odt, ids::ODT),
                "spreadsheet" | "spreadsheet-template" => typed(Format::Ods, ids::ODS),
                "presentation" | "presentation-template" => typed(Format::Odp, ids::ODP),
                "graphics" | "graphics-template" => typed(Format::OdfOther, ids::ODG),
                _ => typed(Format::OdfOther, ids::ZIP),
            };
        }
    }
    typed(Format::Zip, ids::ZIP)
}

/// How to read text out of one kind of XML part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    /// WordprocessingML: text in `w:t`, `w:delText`, `w:instrText`.
    Word,
    /// DrawingML (slides, notes, charts, shapes): text in `a:t`.
    Drawing,
    /// SpreadsheetML worksheet: values, shared strings resolved, one line
    /// per row, cells separated by tabs.
    Sheet,
    /// SpreadsheetML comments and other string tables: text in `t`.
    SheetText,
    /// OpenDocument: text in paragraphs and headings.
    Odf,
    /// Any other XML: all character data, a line break after each element.
    Generic,
    /// Relationships: the targets of external links (hyperlinks, linked
    /// files), where URLs with credentials and e-mail addresses hide.
    Rels,
}

/// Skip OOXML parts that hold no document text (styles, themes, layout
/// masters) and the shared string table (resolved into the sheets).
fn ooxml_profile(name: &str) -> Option<Profile> {
    const SKIP_PREFIXES: &[&str] = &[
        "word/theme/",
        "xl/theme/",
        "ppt/theme/",
        "ppt/slideLayouts/",
        "ppt/slideMasters/",
        "ppt/notesMasters/",
        "ppt/handoutMasters/",
        "xl/printerSettings/",
    ];
    const SKIP_NAMES: &[&str] = &[
        "[Content_Types].xml",
        "word/styles.xml",
        "word/stylesWithEffects.xml",
        "word/settings.xml",
        "word/webSettings.xml",
        "word/fontTable.xml",
        "word/numbering.xml",
        "xl/styles.xml",
        "xl/sharedStrings.xml",
        "xl/calcChain.xml",
        "ppt/presProps.xml",
        "ppt/viewProps.xml",
        "ppt/tableStyles.xml",
    ];
    if name.ends_with(".rels") {
        // The package's own relationships name parts, not links.
        return (name != "_rels/.rels").then_some(Profile::Rels);
    }
    if SKIP_NAMES.contains(&name) || SKIP_PREFIXES.iter().any(|p| name.starts_with(p)) {
        return None;
    }
    Some(if name.starts_with("word/") {
        Profile::Word
    } else if name.starts_with("xl/worksheets/") {
        Profile::Sheet
    } else if name.starts_with("xl/")
        && !name.starts_with("xl/drawings/")
        && !name.starts_with("xl/charts/")
    {
        Profile::SheetText
    } else if name.starts_with("ppt/")
        || name.starts_with("xl/drawings/")
        || name.starts_with("xl/charts/")
    {
        Profile::Drawing
    } else {
        Profile::Generic
    })
}

fn odf_profile(name: &str) -> Option<Profile> {
    match name {
        "manifest.xml" | "META-INF/manifest.xml" | "settings.xml" => None,
        "meta.xml" => Some(Profile::Generic),
        _ => Some(Profile::Odf),
    }
}

fn is_xml_part(name: &str) -> bool {
    name.ends_with(".xml") || name.ends_with(".vml") || name.ends_with(".rels")
}

impl<E> Run<'_, '_, '_, E> {
    pub(crate) fn ooxml<R: Read + Seek>(
        &mut self,
        loc: &Location,
        depth: u32,
        typed: Typed,
        archive: &mut ZipArchive<R>,
    ) -> Result<(), E> {
        let shared = if typed.format == Format::Xlsx {
            self.shared_strings(loc, archive)
        } else {
            Vec::new()
        };
        self.office_parts(loc, depth, typed, archive, &shared, ooxml_profile)
    }

    pub(crate) fn odf<R: Read + Seek>(
        &mut self,
        loc: &Location,
        depth: u32,
        typed: Typed,
        archive: &mut ZipArchive<R>,
    ) -> Result<(), E> {
        // A password-protected OpenDocument keeps its manifest readable
        // and lists how each encrypted part was encrypted.
        const MANIFEST: &str = "META-INF/manifest.xml";
        if let Some(manifest) = self.read_part(&loc.child(MANIFEST), archive, MANIFEST)
            && memchr::memmem::find(&manifest, b"encryption-data").is_some()
        {
            self.cx.incomplete(
                loc,
                Reason::Encrypted {
                    format: typed.format,
                    detail: "document protected by a password".to_owned(),
                },
            );
            return Ok(());
        }
        self.office_parts(loc, depth, typed, archive, &[], |name| {
            if name == "mimetype" || name.starts_with("Thumbnails/") {
                return None;
            }
            odf_profile(name)
        })
    }

    /// Read `xl/sharedStrings.xml` into a table the sheets index into.
    fn shared_strings<R: Read + Seek>(
        &mut self,
        loc: &Location,
        archive: &mut ZipArchive<R>,
    ) -> Vec<String> {
        const NAME: &str = "xl/sharedStrings.xml";
        let child = loc.child(NAME);
        let bytes = match self.read_part(&child, archive, NAME) {
            Some(b) => b,
            None => return Vec::new(),
        };
        let limit = self.part_limit();
        let out = xml_text(&bytes, Profile::SheetText, &[], limit);
        if out.truncated {
            self.cx.incomplete(
                &child,
                Reason::TextTooLarge {
                    limit: self.cx.limits.max_member_bytes,
                },
            );
        }
        if let Some(detail) = out.error {
            self.cx.incomplete(
                &child,
                Reason::Corrupt {
                    format: Format::Xml,
                    detail,
                },
            );
        }
        out.strings
    }

    fn part_limit(&self) -> usize {
        usize::try_from(self.cx.limits.max_member_bytes).unwrap_or(usize::MAX)
    }

    /// Read one entry whole (bounded); problems are recorded at `child`.
    fn read_part<R: Read + Seek>(
        &mut self,
        child: &Location,
        archive: &mut ZipArchive<R>,
        name: &str,
    ) -> Option<Vec<u8>> {
        let cx = self.cx;
        let limit = cx.limits.max_member_bytes;
        let entry = match archive.by_name(name) {
            Ok(e) => e,
            Err(zip::result::ZipError::FileNotFound) => return None,
            Err(e) => {
                cx.incomplete(child, zip_reason(Format::Zip, &e));
                return None;
            }
        };
        let compressed = crate::limits::Compressed::Known(entry.compressed_size());
        let mut expand = crate::limits::Expand::new(entry, cx, child, compressed);
        match read_bounded(&mut expand, limit, Vec::new()) {
            Ok(b) => Some(b),
            Err(ReadBoundedError::TooLarge) => {
                cx.incomplete(child, Reason::MemberTooLarge { limit });
                None
            }
            Err(ReadBoundedError::Io(e)) => {
                if !crate::limits::is_tripped(&e) {
                    cx.incomplete(child, Reason::from_io(Format::Zip, &e));
                }
                None
            }
        }
    }

    /// Every part of an office zip: XML parts through their profile,
    /// anything else (embedded documents, media) as a nested member.
    fn office_parts<R: Read + Seek>(
        &mut self,
        loc: &Location,
        depth: u32,
        typed: Typed,
        archive: &mut ZipArchive<R>,
        shared: &[String],
        profile_of: fn(&str) -> Option<Profile>,
    ) -> Result<(), E> {
        let cx = self.cx;
        let names: Vec<String> = archive.file_names().map(str::to_owned).collect();
        let mut others = Vec::new();
        for name in &names {
            if cx.stopped() || !cx.check_time(loc) {
                return Ok(());
            }
            if name.ends_with('/') {
                continue;
            }
            if !is_xml_part(name) {
                others.push(name.clone());
                continue;
            }
            let Some(profile) = profile_of(name) else {
                continue;
            };
            let child = loc.child(name);
            if !cx.count_entry(&child) {
                return Ok(());
            }
            if depth + 1 > cx.limits.max_depth {
                cx.incomplete(
                    &child,
                    Reason::Depth {
                        limit: cx.limits.max_depth,
                    },
                );
                continue;
            }
            cx.record_type(&child, typed);
            let Some(bytes) = self.read_part(&child, archive, name) else {
                continue;
            };
            let out = xml_text(&bytes, profile, shared, self.part_limit());
            if let Some(detail) = out.error {
                cx.incomplete(
                    &child,
                    Reason::Corrupt {
                        format: Format::Xml,
                        detail,
                    },
                );
            }
            if out.truncated {
                cx.incomplete(
                    &child,
                    Reason::TextTooLarge {
                        limit: cx.limits.max_member_bytes,
                    },
                );
            }
            self.deliver_text(&child, typed, &out.text)?;
        }
        // Non-XML parts: embedded workbooks, OLE objects, media.
        let others: Vec<&str> = others.iter().map(String::as_str).collect();
        self.zip_entries(loc, depth, archive, |n| others.contains(&n))
    }
}

/// The text of one XML part.
pub(crate) struct XmlText {
    pub text: String,
    /// For [`Profile::SheetText`]: one string per `si` (shared strings).
    pub strings: Vec<String>,
    /// Set when the XML is malformed; `text` holds what came before.
    pub error: Option<String>,
    /// Set when the text was cut at the limit.
    pub truncated: bool,
}

/// State of a worksheet cell being read.
#[derive(Default)]
struct Cell {
    shared: bool,
    in_value: bool,
    value: String,
}

/// Entries of a shared string table kept at most: a table of empty `<si/>`
/// would otherwise cost 24 bytes of memory per 5 bytes of input.
const MAX_SHARED_STRINGS: usize = 1 << 21;

/// Extract text from `xml` by `profile`, at most `limit` bytes of it.
pub(crate) fn xml_text(xml: &[u8], profile: Profile, shared: &[String], limit: usize) -> XmlText {
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().check_end_names = false;
    let mut out = XmlText {
        text: String::new(),
        strings: Vec::new(),
        error: None,
        truncated: false,
    };
    // Depth inside elements whose character data is document text.
    let mut in_text = 0usize;
    let mut cell = Cell::default();
    let mut buf = Vec::new();
    loop {
        if out.text.len() > limit || out.strings.len() > MAX_SHARED_STRINGS {
            out.truncated = true;
            break;
        }
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(e) => {
                out.error = Some(format!("at byte {}: {e}", reader.buffer_position()));
                break;
            }
        };
        match event {
            Event::Start(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if is_text_element(profile, name) {
                    in_text += 1;
                }
                start(profile, name, &e, &mut out.text, &mut cell);
            }
            Event::Empty(e) => {
                let name = e.local_name();
                start(profile, name.as_ref(), &e, &mut out.text, &mut cell);
            }
            Event::End(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if is_text_element(profile, name) {
                    in_text = in_text.saturating_sub(1);
                }
                end(profile, name, &mut out, &mut cell, shared);
            }
            Event::Text(t) if in_text > 0 || profile == Profile::Generic => {
                let raw = String::from_utf8_lossy(t.as_ref());
                push_text(&mut out.text, &mut cell, &raw, profile);
            }
            Event::CData(t) if in_text > 0 || profile == Profile::Generic => {
                let raw = String::from_utf8_lossy(t.as_ref());
                push_text(&mut out.text, &mut cell, &raw, profile);
            }
            Event::GeneralRef(r) if in_text > 0 || profile == Profile::Generic => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = String::from_utf8_lossy(r.as_ref()).into_owned();
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .map_or_else(|| format!("&{name};"), str::to_owned)
                    }
                };
                push_text(&mut out.text, &mut cell, &resolved, profile);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if out.text.len() > limit {
        let mut cut = limit;
        while !out.text.is_char_boundary(cut) {
            cut -= 1;
        }
        out.text.truncate(cut);
        out.truncated = true;
    }
    out
}

fn is_text_element(profile: Profile, name: &[u8]) -> bool {
    match profile {
        Profile::Word => matches!(name, b"t" | b"delText" | b"instrText"),
        Profile::Drawing | Profile::SheetText => name == b"t",
        Profile::Sheet => matches!(name, b"v" | b"t"),
        Profile::Odf => matches!(name, b"p" | b"h"),
        Profile::Generic | Profile::Rels => false,
    }
}

fn push_text(out: &mut String, cell: &mut Cell, s: &str, profile: Profile) {
    if profile == Profile::Sheet && cell.in_value && cell.shared {
        cell.value.push_str(s);
    } else {
        out.push_str(s);
    }
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

fn newline(out: &mut String) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

fn start(profile: Profile, name: &[u8], e: &BytesStart<'_>, out: &mut String, cell: &mut Cell) {
    match (profile, name) {
        (Profile::Word, b"tab") | (Profile::Odf, b"tab") => out.push('\t'),
        (Profile::Word, b"br" | b"cr")
        | (Profile::Drawing, b"br")
        | (Profile::Odf, b"line-break") => {
            out.push('\n');
        }
        (Profile::Odf, b"s") => {
            let n = attr(e, b"c")
                .and_then(|c| c.parse::<usize>().ok())
                .unwrap_or(1);
            out.extend(std::iter::repeat_n(' ', n.clamp(1, 64)));
        }
        (Profile::Rels, b"Relationship")
            if attr(e, b"TargetMode").as_deref() == Some("External") =>
        {
            if let Some(target) = attr(e, b"Target") {
                out.push_str(&html_escape::decode_html_entities(&target));
                out.push('\n');
            }
        }
        (Profile::Sheet, b"c") => {
            *cell = Cell {
                shared: attr(e, b"t").as_deref() == Some("s"),
                ..Cell::default()
            };
        }
        (Profile::Sheet, b"v") => {
            cell.in_value = true;
            cell.value.clear();
        }
        _ => {}
    }
}

fn end(profile: Profile, name: &[u8], out: &mut XmlText, cell: &mut Cell, shared: &[String]) {
    let text = &mut out.text;
    match (profile, name) {
        (Profile::Word | Profile::Drawing | Profile::Odf, b"p" | b"h") => newline(text),
        (Profile::Word, b"tc") | (Profile::Odf, b"table-cell") => text.push('\t'),
        (Profile::Odf, b"table-row") => newline(text),
        (Profile::Sheet, b"v") => {
            if cell.shared {
                let idx = cell.value.trim().parse::<usize>().ok();
                if let Some(s) = idx.and_then(|i| shared.get(i)) {
                    text.push_str(s);
                }
            }
            cell.in_value = false;
        }
        (Profile::Sheet, b"c") => text.push('\t'),
        (Profile::Sheet, b"row") => {
            while text.ends_with('\t') {
                text.pop();
            }
            text.push('\n');
        }
        (Profile::SheetText, b"si") => {
            let s = std::mem::take(text);
            out.strings.push(s);
        }
        (Profile::SheetText, b"comment") => newline(text),
        (Profile::Generic, _) => newline(text),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(xml: &str, p: Profile) -> String {
        xml_text(xml.as_bytes(), p, &["Name".into(), "SSN".into()], 1 << 20).text
    }

    #[test]
    fn word_runs_join_and_paragraphs_break() {
        let xml = r#"<w:document xmlns:w="x"><w:body>
            <w:p><w:r><w:t>41</w:t></w:r>
            <w:r><w:t xml:space="preserve">11 1111</w:t></w:r><w:r><w:tab/><w:t>&amp;x&#65;</w:t></w:r></w:p>
            <w:p><w:r><w:t>second</w:t></w:r></w:p></w:body></w:document>"#;
        assert_eq!(text(xml, Profile::Word), "4111 1111\t&xA\nsecond\n");
    }

    #[test]
    fn sheet_resolves_shared_strings() {
        let xml = r#"<worksheet><sheetData>
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>
            <row r="2"><c r="A2" t="inlineStr"><is><t>Ann</t></is></c><c r="B2"><v>123456789</v></c></row>
            </sheetData></worksheet>"#;
        assert_eq!(text(xml, Profile::Sheet), "Name\tSSN\nAnn\t123456789\n");
    }

    #[test]
    fn shared_string_table() {
        let xml = "<sst><si><t>a</t></si><si><r><t>b</t></r><r><t>c</t></r></si></sst>";
        let out = xml_text(xml.as_bytes(), Profile::SheetText, &[], 100);
        assert_eq!(out.strings, ["a", "bc"]);
    }

    #[test]
    fn odf_paragraphs_and_spaces() {
        let xml = r#"<office:document-content><office:body><office:text>
            <text:h>Title</text:h><text:p>a<text:s text:c="3"/>b<text:tab/>c</text:p>
            </office:text></office:body></office:document-content>"#;
        assert_eq!(text(xml, Profile::Odf), "Title\na   b\tc\n");
    }

    #[test]
    fn malformed_keeps_prefix_and_reports() {
        let out = xml_text(b"<a><t>ok</t></a><", Profile::Generic, &[], 100);
        assert!(out.text.starts_with("ok"));
        assert!(out.error.is_some());
    }

    #[test]
    fn output_is_cut_at_limit() {
        let xml = format!("<a>{}</a>", "x".repeat(1000));
        let out = xml_text(xml.as_bytes(), Profile::Generic, &[], 10);
        assert!(out.truncated);
        assert!(out.text.len() <= 10);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_never_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            for p in [Profile::Word, Profile::Drawing, Profile::Sheet, Profile::SheetText, Profile::Odf, Profile::Generic, Profile::Rels] {
                let out = xml_text(&data, p, &["s".into()], 512);
                proptest::prop_assert!(out.text.len() <= 512);
            }
        }
    }
}
