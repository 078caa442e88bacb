//! Builders of real container files, made in memory for the tests.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

/// A zip with `entries` (name, content), deflated.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(entries, zip::CompressionMethod::Deflated)
}

pub fn zip_with(entries: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(method)
        .large_file(false);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A minimal but valid DOCX with one paragraph per item of `paragraphs`,
/// plus a header and a comment.
pub fn docx(paragraphs: &[&str], header: &str, comment: &str) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<w:p><w:r><w:t xml:space=\"preserve\">{p}</w:t></w:r></w:p>"))
        .collect();
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    let header = format!(
        r#"<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:r><w:t>{header}</w:t></w:r></w:p></w:hdr>"#
    );
    let comments = format!(
        r#"<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:comment w:id="0"><w:p><w:r><w:t>{comment}</w:t></w:r></w:p></w:comment></w:comments>"#
    );
    zip(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("word/document.xml", document.as_bytes()),
        ("word/header1.xml", header.as_bytes()),
        ("word/comments.xml", comments.as_bytes()),
        (
            "word/styles.xml",
            b"<w:styles><w:style><w:name w:val=\"Normal\"/></w:style></w:styles>",
        ),
        ("word/_rels/document.xml.rels", DOC_RELS.as_bytes()),
    ])
}

/// An XLSX with a shared string table and one sheet of `rows`; a cell
/// that starts with `=` is stored as a number, others as shared strings.
pub fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut strings: Vec<String> = Vec::new();
    let mut sheet = String::from(
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in rows.iter().enumerate() {
        sheet.push_str(&format!("<row r=\"{}\">", r + 1));
        for cell in row.iter() {
            if let Some(num) = cell.strip_prefix('=') {
                sheet.push_str(&format!("<c><v>{num}</v></c>"));
            } else {
                let idx = strings.iter().position(|s| s == cell).unwrap_or_else(|| {
                    strings.push((*cell).to_owned());
                    strings.len() - 1
                });
                sheet.push_str(&format!("<c t=\"s\"><v>{idx}</v></c>"));
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let sst: String = strings
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    let sst = format!(
        r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sst}</sst>"#
    );
    zip(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        (
            "xl/workbook.xml",
            b"<workbook><sheets><sheet name=\"Sheet1\"/></sheets></workbook>",
        ),
        ("xl/sharedStrings.xml", sst.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ])
}

/// A PPTX with one slide per item and speaker notes on the first.
pub fn pptx(slides: &[&str], notes: &str) -> Vec<u8> {
    let mut parts: Vec<(String, Vec<u8>)> = vec![
        (
            "[Content_Types].xml".into(),
            CONTENT_TYPES.as_bytes().to_vec(),
        ),
        ("ppt/presentation.xml".into(), b"<p:presentation/>".to_vec()),
        (
            "ppt/slideMasters/slideMaster1.xml".into(),
            b"<p:sldMaster><a:t>Click to edit Master title style</a:t></p:sldMaster>".to_vec(),
        ),
    ];
    for (i, s) in slides.iter().enumerate() {
        parts.push((
            format!("ppt/slides/slide{}.xml", i + 1),
            format!("<p:sld><p:txBody><a:p><a:r><a:t>{s}</a:t></a:r></a:p></p:txBody></p:sld>")
                .into_bytes(),
        ));
    }
    parts.push((
        "ppt/notesSlides/notesSlide1.xml".into(),
        format!("<p:notes><a:p><a:r><a:t>{notes}</a:t></a:r></a:p></p:notes>").into_bytes(),
    ));
    let refs: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    zip(&refs)
}

/// An ODT: `mimetype` stored first, content.xml with the paragraphs.
pub fn odt(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<text:p>{p}</text:p>"))
        .collect();
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>{body}</office:text></office:body></office:document-content>"#
    );
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("mimetype", stored).unwrap();
    w.write_all(b"application/vnd.oasis.opendocument.text")
        .unwrap();
    w.start_file("content.xml", SimpleFileOptions::default())
        .unwrap();
    w.write_all(content.as_bytes()).unwrap();
    w.start_file("META-INF/manifest.xml", SimpleFileOptions::default())
        .unwrap();
    w.write_all(
        b"<manifest:manifest><manifest:file-entry manifest:full-path=\"/\"/></manifest:manifest>",
    )
    .unwrap();
    w.finish().unwrap().into_inner()
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#;
const DOC_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://admin:hunter2@intranet.example.com/?a=1&amp;b=2" TargetMode="External"/></Relationships>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="word/document.xml"/></Relationships>"#;

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn xz(data: &[u8]) -> Vec<u8> {
    let mut w = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::default()).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap()
}

/// A tar with regular files and, for each `links` item, a symlink.
pub fn tar(files: &[(&str, &[u8])], links: &[(&str, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        // set_path refuses `..`; write the raw name so the test can use any.
        let raw = &mut h.as_old_mut().name;
        raw.fill(0);
        raw[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    for (name, target) in links {
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        h.set_entry_type(tar::EntryType::Symlink);
        b.append_link(&mut h, name, target).unwrap();
    }
    b.into_inner().unwrap()
}

/// A minimal valid PDF with one page per item of `pages`, each showing
/// its text in Helvetica; content streams deflated when `compress`.
/// `trailer_extra` is added to the trailer dictionary (e.g. `/Encrypt`).
pub fn pdf(pages: &[&str], compress: bool, trailer_extra: &str) -> Vec<u8> {
    let n = pages.len();
    // Objects: 1 catalog, 2 pages, 3 font, then per page: page, content.
    let mut objects: Vec<Vec<u8>> = Vec::new();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: String = (0..n).map(|i| format!("{} 0 R ", 4 + 2 * i)).collect();
    objects.push(format!("<< /Type /Pages /Kids [{kids}] /Count {n} >>").into_bytes());
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    for (i, text) in pages.iter().enumerate() {
        let content_id = 5 + 2 * i;
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>"
            )
            .into_bytes(),
        );
        let ops = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
        let (data, filter) = if compress {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            z.write_all(ops.as_bytes()).unwrap();
            (z.finish().unwrap(), " /Filter /FlateDecode")
        } else {
            (ops.into_bytes(), "")
        };
        let mut obj = format!("<< /Length {}{filter} >>\nstream\n", data.len()).into_bytes();
        obj.extend_from_slice(&data);
        obj.extend_from_slice(b"\nendstream");
        objects.push(obj);
    }
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(obj);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R{trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A zip with `entries` (name, content, password), deflated; an entry with
/// a password is encrypted with ZipCrypto (the `zip` crate's writer).
pub fn zip_locked(entries: &[(&str, &[u8], Option<&str>)]) -> Vec<u8> {
    use zip::unstable::write::FileOptionsExt;
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data, password) in entries {
        let opts = SimpleFileOptions::default().large_file(false);
        let opts = match password {
            Some(p) => opts.with_deprecated_encryption(p.as_bytes()).unwrap(),
            None => opts,
        };
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// One entry of [`zip_raw`].
pub enum Raw<'a> {
    /// Stored as is.
    Plain(&'a str, &'a [u8]),
    /// A WinZip AES-256 entry (method 99, `AE-2` extra field, deflate
    /// inside) whose `len` payload bytes are random: what a reader without
    /// the password meets. The `zip` crate writes AES only with its
    /// `aes-crypto` feature, which the build leaves out.
    Aes(&'a str, usize),
}

/// A zip written byte by byte, for entries the `zip` writer cannot make.
pub fn zip_raw(entries: &[Raw<'_>]) -> Vec<u8> {
    fn u16le(v: &mut Vec<u8>, n: u16) {
        v.extend_from_slice(&n.to_le_bytes());
    }
    fn u32le(v: &mut Vec<u8>, n: u32) {
        v.extend_from_slice(&n.to_le_bytes());
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for entry in entries {
        let (name, flags, method, crc, data, size, extra) = match entry {
            Raw::Plain(name, data) => {
                let mut crc = flate2::Crc::new();
                crc.update(data);
                (
                    *name,
                    0u16,
                    0u16,
                    crc.sum(),
                    data.to_vec(),
                    data.len(),
                    Vec::new(),
                )
            }
            Raw::Aes(name, len) => {
                // Salt (16), password verifier (2), payload, MAC (10).
                let data: Vec<u8> = (0..16 + 2 + len + 10)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        seed as u8
                    })
                    .collect();
                // 0x9901: AE-2, vendor "AE", AES-256, deflated inside.
                let extra = vec![0x01, 0x99, 7, 0, 2, 0, b'A', b'E', 3, 8, 0];
                (*name, 1u16, 99u16, 0, data, *len, extra)
            }
        };
        let offset = out.len() as u32;
        let header = |v: &mut Vec<u8>| {
            u16le(v, 51); // version needed: AES
            u16le(v, flags);
            u16le(v, method);
            u32le(v, 0x0021_0000); // 1980-01-01 00:00
            u32le(v, crc);
            u32le(v, data.len() as u32);
            u32le(v, size as u32);
            u16le(v, name.len() as u16);
            u16le(v, extra.len() as u16);
        };
        u32le(&mut out, 0x0403_4b50);
        header(&mut out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&extra);
        out.extend_from_slice(&data);
        u32le(&mut central, 0x0201_4b50);
        u16le(&mut central, 51); // made by
        header(&mut central);
        u16le(&mut central, 0); // comment
        u16le(&mut central, 0); // disk
        u16le(&mut central, 0); // internal attributes
        u32le(&mut central, 0); // external attributes
        u32le(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
        central.extend_from_slice(&extra);
    }
    let cd_start = out.len() as u32;
    out.extend_from_slice(&central);
    u32le(&mut out, 0x0605_4b50);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, entries.len() as u16);
    u16le(&mut out, entries.len() as u16);
    u32le(&mut out, central.len() as u32);
    u32le(&mut out, cd_start);
    u16le(&mut out, 0);
    out
}

#[test]
fn the_locked_zips_are_what_they_claim() {
    use std::io::Read;
    // ZipCrypto: the password opens it, nothing else does.
    let z = zip_locked(&[("s.txt", b"secret", Some("pw"))]);
    let mut a = zip::ZipArchive::new(Cursor::new(&z)).unwrap();
    assert!(a.by_index(0).is_err());
    let mut text = String::new();
    a.by_index_decrypt(0, b"pw")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, "secret");
    // AES: the reader sees an AES entry (and this build cannot decrypt it).
    let z = zip_raw(&[Raw::Aes("a.txt", 40), Raw::Plain("p.txt", b"plain")]);
    let mut a = zip::ZipArchive::new(Cursor::new(&z)).unwrap();
    match a.by_index_decrypt(0, b"pw") {
        Err(zip::result::ZipError::UnsupportedArchive(m)) => assert!(m.contains("AES"), "{m}"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("opened"),
    }
    let mut text = String::new();
    a.by_index(1).unwrap().read_to_string(&mut text).unwrap();
    assert_eq!(text, "plain");
}
