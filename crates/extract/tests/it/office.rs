use cordon_extract::{Format, TextKind};

use crate::{build, run, text_at};

#[test]
fn docx_body_header_and_comments() {
    let d = build::docx(
        &["Patient SSN 078-05-1120", "Second &amp; last"],
        "CONFIDENTIAL",
        "check this",
    );
    let (got, report) = run("memo.docx", &d);
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    assert_eq!(report.root_format(), Format::Docx);
    assert_eq!(
        text_at(&got, "memo.docx!/word/document.xml"),
        "Patient SSN 078-05-1120\nSecond & last\n"
    );
    assert_eq!(
        text_at(&got, "memo.docx!/word/header1.xml"),
        "CONFIDENTIAL\n"
    );
    assert_eq!(
        text_at(&got, "memo.docx!/word/comments.xml"),
        "check this\n"
    );
    assert!(got.iter().all(|g| !g.location.ends_with("styles.xml")));
    assert_eq!(
        text_at(&got, "memo.docx!/word/_rels/document.xml.rels"),
        "https://admin:hunter2@intranet.example.com/?a=1&b=2\n"
    );
    assert!(
        got.iter()
            .all(|g| g.format == Format::Docx && g.kind == TextKind::Extracted),
        "{got:?}"
    );
}

#[test]
fn xlsx_rows_with_shared_strings_resolved() {
    let x = build::xlsx(&[
        &["Name", "SSN"],
        &["Jane Roe", "078-05-1120"],
        &["Card", "=4111111111111111"],
    ]);
    let (got, report) = run("sheet.xlsx", &x);
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    assert_eq!(report.root_format(), Format::Xlsx);
    assert_eq!(
        text_at(&got, "sheet.xlsx!/xl/worksheets/sheet1.xml"),
        "Name\tSSN\nJane Roe\t078-05-1120\nCard\t4111111111111111\n"
    );
}

#[test]
fn pptx_slides_and_notes_not_masters() {
    let p = build::pptx(&["Q3 revenue", "Do not distribute"], "speaker secret");
    let (got, _) = run("deck.pptx", &p);
    assert_eq!(
        text_at(&got, "deck.pptx!/ppt/slides/slide1.xml"),
        "Q3 revenue\n"
    );
    assert_eq!(
        text_at(&got, "deck.pptx!/ppt/slides/slide2.xml"),
        "Do not distribute\n"
    );
    assert_eq!(
        text_at(&got, "deck.pptx!/ppt/notesSlides/notesSlide1.xml"),
        "speaker secret\n"
    );
    assert!(got.iter().all(|g| !g.text.contains("Master title")));
}

#[test]
fn odt_content() {
    let o = build::odt(&["Internal use only", "IBAN DE89 3704 0044 0532 0130 00"]);
    let (got, report) = run("letter.odt", &o);
    assert_eq!(report.root_format(), Format::Odt);
    assert_eq!(
        text_at(&got, "letter.odt!/content.xml"),
        "Internal use only\nIBAN DE89 3704 0044 0532 0130 00\n"
    );
    assert!(got.iter().all(|g| !g.location.contains("manifest")));
}

#[test]
fn xlsx_inside_zip_inside_tar_gz() {
    let x = build::xlsx(&[&["078-05-1120"]]);
    let z = build::zip(&[("q3/sheet.xlsx", &x)]);
    let t = build::tar(&[("quarterly.zip", &z)], &[]);
    let (got, report) = run("archive.tgz", &build::gzip(&t));
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    assert_eq!(
        text_at(
            &got,
            "archive.tgz!/quarterly.zip!/q3/sheet.xlsx!/xl/worksheets/sheet1.xml"
        ),
        "078-05-1120\n"
    );
}

#[test]
fn password_protected_odt_is_reported_encrypted() {
    let manifest = br#"<manifest:manifest><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data manifest:checksum-type="SHA1"/></manifest:file-entry></manifest:manifest>"#;
    // An encrypted manifest and unreadable content.
    let o = build::zip_with(
        &[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", &[0x13, 0x37, 0x00, 0xff]),
            ("META-INF/manifest.xml", manifest),
        ],
        zip::CompressionMethod::Stored,
    );
    let (got, report) = run("locked.odt", &o);
    assert!(got.is_empty());
    assert_eq!(report.root_format(), Format::Odt);
    assert_eq!(report.incomplete[0].reason.code(), "encrypted");
}

#[test]
fn embedded_workbook_in_docx_is_read() {
    let x = build::xlsx(&[&["inner", "078-05-1120"]]);
    let mut d = build::docx(&["outer"], "h", "c");
    // Add the workbook as an embedding: rebuild the docx with one more part.
    let doc = zip::ZipArchive::new(std::io::Cursor::new(d.clone())).unwrap();
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    let mut doc = doc;
    for i in 0..doc.len() {
        let mut f = doc.by_index(i).unwrap();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut data).unwrap();
        parts.push((f.name().to_owned(), data));
    }
    parts.push(("word/embeddings/Book1.xlsx".into(), x));
    let refs: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    d = build::zip(&refs);
    let (got, report) = run("memo.docx", &d);
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    assert_eq!(
        text_at(
            &got,
            "memo.docx!/word/embeddings/Book1.xlsx!/xl/worksheets/sheet1.xml"
        ),
        "inner\t078-05-1120\n"
    );
}
