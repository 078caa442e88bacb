//! Legacy Office files made by LibreOffice (see `scripts/make-ole-fixtures`)
//! and compound files built here with the `cfb` crate.

use std::io::{Cursor, Read, Write};

use cordon_extract::{Limits, TextKind};

use crate::{build, run, run_with, text_at};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/ole/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn stream(file: &[u8], path: &str) -> Vec<u8> {
    let mut comp = cfb::CompoundFile::open(Cursor::new(file)).unwrap();
    let mut buf = Vec::new();
    comp.open_stream(path)
        .unwrap()
        .read_to_end(&mut buf)
        .unwrap();
    buf
}

/// A compound file with `streams` (path, bytes); storages are created
/// as the paths need them.
fn compound(streams: &[(&str, &[u8])]) -> Vec<u8> {
    let mut comp = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    for (path, data) in streams {
        if let Some((dir, _)) = path.rsplit_once('/')
            && !dir.is_empty()
        {
            comp.create_storage_all(dir).unwrap();
        }
        comp.create_stream(path).unwrap().write_all(data).unwrap();
    }
    comp.flush().unwrap();
    comp.into_inner().into_inner()
}

#[test]
fn doc_text_comes_from_the_piece_table() {
    let (got, report) = run("memo.doc", &fixture("memo.doc"));
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    let text = text_at(&got, "memo.doc!/WordDocument");
    for want in [
        "Transfer of records\n",
        "card number 4111 1111 1111 1111, expiry 09/28.",
        "The patient's SSN is 536-22-8726.",
        // Table cells, tab-separated.
        "Name\tPhone\t",
        "Иван Петров\t+44 20 7946 0958\t",
        // No Latin, no Cyrillic: found now that the text is decoded as
        // the document stores it, not guessed from byte runs.
        "患者の保険証番号は別紙を参照してください。",
        // Footnote, header, footer and comment follow the main text.
        "Questions to records@example.org",
        "CONFIDENTIAL - internal use only",
        "Records office, extension 4471",
        "Refund to IBAN GB82 WEST 1234 5698 7654 32",
    ] {
        assert!(text.contains(want), "{want:?} not in {text:?}");
    }
    // The document properties are an OLE stream of their own.
    let props = text_at(&got, "memo.doc!/%05SummaryInformation");
    assert!(
        props.starts_with("Title: Patient transfer memo\nAuthor: Dana Whitfield\n"),
        "{props:?}"
    );
    // User-defined properties, where sensitivity labels live, by name.
    let custom = text_at(&got, "memo.doc!/%05DocumentSummaryInformation");
    for want in [
        "MSIP_Label_f42aa342_Enabled: true\n",
        "Classification: Restricted - Health\n",
    ] {
        assert!(custom.contains(want), "{want:?} not in {custom:?}");
    }
    // The piece table was read: no guessing from UTF-16 byte runs.
    assert!(got.iter().all(|g| !g.location.ends_with("utf16-text")));
    let types: Vec<_> = report.types.iter().map(|t| t.file_type.name).collect();
    assert_eq!(types[0], "Microsoft Word 97-2003 (DOC)", "{types:?}");
}

#[test]
fn xls_cells_come_in_rows() {
    let (got, report) = run("ledger.xls", &fixture("ledger.xls"));
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    let text = text_at(&got, "ledger.xls!/Workbook");
    for want in [
        "Name\tCard number\tSSN\tAmount\n",
        "Dana Whitfield\t4111 1111 1111 1111\t536-22-8726\t120.5\n",
        "Иван Петров\t5500 0000 0000 0004\t99\n",
        "患者\t123456789\n",
    ] {
        assert!(text.contains(want), "{want:?} not in {text:?}");
    }
}

#[test]
fn ppt_slides_and_notes_without_master_placeholders() {
    let (got, report) = run("deck.ppt", &fixture("deck.ppt"));
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    let text = text_at(&got, "deck.ppt!/PowerPoint Document");
    for want in [
        "Quarterly refunds\n",
        "Card on file: 4111 1111 1111 1111\n",
        "Контакт: Иван Петров\n",
        "Speaker note: SSN 536-22-8726\n",
    ] {
        assert!(text.contains(want), "{want:?} not in {text:?}");
    }
    assert!(!text.contains("Click to edit"), "{text}");
}

#[test]
fn a_doc_inside_a_zip_is_read_the_same() {
    let z = build::zip(&[("out/memo.doc", &fixture("memo.doc"))]);
    let (got, report) = run("mail.zip", &z);
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    assert!(text_at(&got, "mail.zip!/out/memo.doc!/WordDocument").contains("536-22-8726"));
}

#[test]
fn an_embedded_workbook_in_a_doc_is_read() {
    let doc = fixture("memo.doc");
    let book = stream(&fixture("ledger.xls"), "/Workbook");
    let mut streams: Vec<(String, Vec<u8>)> = ["WordDocument", "1Table"]
        .iter()
        .map(|s| (format!("/{s}"), stream(&doc, &format!("/{s}"))))
        .collect();
    streams.push(("/ObjectPool/_1234/Workbook".into(), book));
    let refs: Vec<(&str, &[u8])> = streams
        .iter()
        .map(|(p, d)| (p.as_str(), d.as_slice()))
        .collect();
    let (got, report) = run("memo.doc", &compound(&refs));
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    assert!(text_at(&got, "memo.doc!/WordDocument").contains("536-22-8726"));
    assert!(
        text_at(&got, "memo.doc!/ObjectPool/_1234/Workbook")
            .contains("Dana Whitfield\t4111 1111 1111 1111")
    );
}

#[test]
fn a_password_protected_office_file_is_reported_encrypted() {
    let locked = compound(&[
        ("/EncryptionInfo", &[4, 0, 4, 0][..]),
        ("/EncryptedPackage", &[0xAB; 5000][..]),
    ]);
    let (got, report) = run("locked.docx", &locked);
    assert!(got.is_empty(), "{got:?}");
    assert_eq!(report.incomplete.len(), 1, "{:?}", report.incomplete);
    assert_eq!(report.incomplete[0].reason.code(), "encrypted");
    assert_eq!(report.incomplete[0].location.to_string(), "locked.docx");
}

#[test]
fn an_encrypted_doc_is_reported_encrypted() {
    let doc = fixture("memo.doc");
    let mut word = stream(&doc, "/WordDocument");
    // FIB flags: fEncrypted.
    word[0x0B] |= 0x01;
    let table = stream(&doc, "/1Table");
    let locked = compound(&[("/WordDocument", &word), ("/1Table", &table)]);
    let (_, report) = run("locked.doc", &locked);
    assert_eq!(report.incomplete.len(), 1, "{:?}", report.incomplete);
    assert_eq!(report.incomplete[0].reason.code(), "encrypted");
    assert_eq!(report.incomplete[0].location.to_string(), "locked.doc");
}

#[test]
fn an_encrypted_embedded_document_is_reported_where_it_is() {
    let doc = fixture("memo.doc");
    let word = stream(&doc, "/WordDocument");
    let table = stream(&doc, "/1Table");
    let mut locked = word.clone();
    locked[0x0B] |= 0x01;
    let file = compound(&[
        ("/WordDocument", &word),
        ("/1Table", &table),
        ("/ObjectPool/_7/WordDocument", &locked),
        ("/ObjectPool/_7/1Table", &table),
    ]);
    let (got, report) = run("memo.doc", &file);
    let reasons: Vec<_> = report
        .incomplete
        .iter()
        .map(|i| (i.location.to_string(), i.reason.code()))
        .collect();
    assert_eq!(
        reasons,
        [(
            "memo.doc!/ObjectPool/_7/WordDocument".to_owned(),
            "encrypted"
        )]
    );
    // The document itself is read all the same.
    assert!(text_at(&got, "memo.doc!/WordDocument").contains("536-22-8726"));
}

#[test]
fn a_damaged_piece_table_falls_back_to_the_raw_search() {
    let doc = fixture("memo.doc");
    let word = stream(&doc, "/WordDocument");
    // A table stream too short to hold the piece table.
    let broken = compound(&[("/WordDocument", &word), ("/1Table", b"\x02")]);
    let (got, report) = run("memo.doc", &broken);
    let reasons: Vec<_> = report
        .incomplete
        .iter()
        .map(|i| (i.location.to_string(), i.reason.code()))
        .collect();
    assert_eq!(reasons, [("memo.doc!/WordDocument".to_owned(), "corrupt")]);
    // The text is still searched, as UTF-16 runs of the stream.
    assert!(text_at(&got, "memo.doc!/WordDocument!/utf16-text").contains("536-22-8726"));
}

#[test]
fn a_truncated_compound_file_is_corrupt_and_still_searched() {
    let doc = fixture("memo.doc");
    let (got, report) = run("memo.doc", &doc[..doc.len() / 2]);
    assert!(!report.fully_inspected());
    assert_eq!(
        report.incomplete[0].reason.code(),
        "corrupt",
        "{:?}",
        report.incomplete
    );
    assert_eq!(got[0].location, "memo.doc");
    assert_eq!(got[0].kind, TextKind::Raw);
}

#[test]
fn unknown_compound_files_keep_the_raw_and_utf16_search() {
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let mut contents = vec![0u8; 64];
    contents.extend(utf16("Patient: Zoë Müller\rSSN 536-22-8726"));
    contents.extend([0, 0, 0xFF, 0xFE]);
    let vsd = compound(&[("/VisioDocument", &contents)]);
    let (got, report) = run("plan.vsd", &vsd);
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    assert_eq!(got[0].location, "plan.vsd");
    // The directory's entry names are UTF-16 too.
    assert_eq!(
        text_at(&got, "plan.vsd!/utf16-text"),
        "Root Entry\nVisioDocument\nPatient: Zoë Müller\rSSN 536-22-8726\n"
    );
}

#[test]
fn the_member_limit_holds_for_document_streams() {
    let limits = Limits {
        max_member_bytes: 64 << 10,
        ..Limits::default()
    };
    // memo.doc's WordDocument is 5 KiB: within the limit, text cut at 64 KiB.
    let (got, report) = run_with("memo.doc", &fixture("memo.doc"), limits.clone());
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    assert!(text_at(&got, "memo.doc!/WordDocument").contains("536-22-8726"));
    let limits = Limits {
        max_member_bytes: 1024,
        ..limits
    };
    let (got, report) = run_with("memo.doc", &fixture("memo.doc"), limits);
    assert!(
        report
            .incomplete
            .iter()
            .any(|i| i.location.to_string() == "memo.doc!/WordDocument"
                && i.reason.code() == "member_size_limit"),
        "{:?}",
        report.incomplete
    );
    // Too large to parse in memory, it is still searched as it streams.
    assert!(got.iter().any(|g| g.location == "memo.doc!/WordDocument"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Real files with a few bytes changed anywhere (the compound file's
    /// header, FAT, directory, or the document streams): extraction ends,
    /// never panics, and whatever it reports is complete or says why not.
    #[test]
    fn damaged_legacy_office_files_never_panic(
        which in 0usize..3,
        flips in proptest::collection::vec((proptest::num::usize::ANY, proptest::num::u8::ANY), 1..12),
    ) {
        let name = ["memo.doc", "ledger.xls", "deck.ppt"][which];
        let mut bytes = fixture(name);
        // deck.ppt is mostly a thumbnail: aim at its first 32 KiB.
        let span = bytes.len().min(32 << 10);
        for (at, v) in flips {
            bytes[at % span] = v;
        }
        let limits = Limits {
            timeout: Some(std::time::Duration::from_secs(20)),
            ..Limits::default()
        };
        let (_, report) = run_with(name, &bytes, limits);
        for i in &report.incomplete {
            proptest::prop_assert!(!i.reason.to_string().is_empty());
        }
    }
}
