use cordon_extract::{Format, Limits, TextKind};

use crate::{build, run, run_with, text_at};

#[test]
fn zip_members_named_by_entry() {
    let z = build::zip(&[
        ("q3/notes.txt", b"SSN 078-05-1120"),
        ("empty/", b""),
        ("b.txt", b"two"),
    ]);
    let (got, report) = run("quarterly.zip", &z);
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    assert_eq!(
        text_at(&got, "quarterly.zip!/q3/notes.txt"),
        "SSN 078-05-1120"
    );
    assert_eq!(text_at(&got, "quarterly.zip!/b.txt"), "two");
    assert_eq!(report.root_format(), Format::Zip);
}

#[test]
fn nested_zip_in_zip() {
    let inner = build::zip(&[("deep.txt", b"inner secret")]);
    let outer = build::zip(&[("inner.zip", &inner)]);
    let (got, report) = run("outer.zip", &outer);
    assert!(report.fully_inspected());
    assert_eq!(
        text_at(&got, "outer.zip!/inner.zip!/deep.txt"),
        "inner secret"
    );
}

#[test]
fn tar_gz_streams_entries_and_skips_links() {
    let t = build::tar(
        &[("dir/a.txt", b"alpha"), ("../evil.txt", b"beta")],
        &[("link", "/etc/passwd")],
    );
    let (got, report) = run("backup.tar.gz", &build::gzip(&t));
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    assert_eq!(text_at(&got, "backup.tar.gz!/dir/a.txt"), "alpha");
    assert_eq!(text_at(&got, "backup.tar.gz!/../evil.txt"), "beta");
    assert_eq!(got.len(), 2);
    assert_eq!(report.notes.len(), 1);
    assert_eq!(report.notes[0].location.to_string(), "backup.tar.gz!/link");
    let formats: Vec<Format> = report.types.iter().map(|t| t.format).collect();
    assert_eq!(&formats[..2], &[Format::Gzip, Format::Tar]);
}

#[test]
fn bzip2_and_xz_are_transparent() {
    let (got, _) = run("log.bz2", &build::bzip2(b"bz text"));
    assert_eq!(text_at(&got, "log.bz2"), "bz text");
    let (got, _) = run("log.xz", &build::xz(b"xz text"));
    assert_eq!(text_at(&got, "log.xz"), "xz text");
    let t = build::tar(&[("a.txt", b"in tar.xz")], &[]);
    let (got, _) = run("a.tar.xz", &build::xz(&t));
    assert_eq!(text_at(&got, "a.tar.xz!/a.txt"), "in tar.xz");
}

#[test]
fn truncated_gzip_is_reported_and_keeps_the_prefix() {
    let text = "line of text\n".repeat(10_000);
    let gz = build::gzip(text.as_bytes());
    let cut = &gz[..gz.len() / 2];
    let (got, report) = run("cut.txt.gz", cut);
    assert!(!report.fully_inspected());
    assert_eq!(report.incomplete[0].location.to_string(), "cut.txt.gz");
    assert_eq!(report.incomplete[0].reason.code(), "corrupt");
    assert!(text.starts_with(&got[0].text));
}

#[test]
fn corrupt_zip_member_is_named_and_others_go_on() {
    let mut z = build::zip_with(
        &[("good.txt", b"good text here"), ("bad.txt", &[b'x'; 4000])],
        zip::CompressionMethod::Deflated,
    );
    // Damage the compressed data of bad.txt (after its local header).
    let pos = z.windows(7).position(|w| w == b"bad.txt").unwrap() + 7;
    for b in &mut z[pos..pos + 8] {
        *b ^= 0xA5;
    }
    let (got, report) = run("mixed.zip", &z);
    assert_eq!(text_at(&got, "mixed.zip!/good.txt"), "good text here");
    assert!(
        report
            .incomplete
            .iter()
            .any(|i| i.location.to_string() == "mixed.zip!/bad.txt"),
        "{:?}",
        report.incomplete
    );
}

#[test]
fn truncated_zip_is_an_error_not_clean() {
    let z = build::zip(&[("a.txt", b"some text")]);
    let (got, report) = run("cut.zip", &z[..z.len() - 10]);
    assert!(got.is_empty() || !report.fully_inspected());
    assert!(!report.fully_inspected());
    assert_eq!(report.incomplete[0].location.to_string(), "cut.zip");
}

#[test]
fn encrypted_zip_entry_is_reported_encrypted() {
    // A zip whose entry has the "encrypted" flag set (general purpose bit 0).
    let mut z = build::zip_with(&[("secret.txt", b"hidden")], zip::CompressionMethod::Stored);
    // Local header flags at offset 6, central directory header flags at +8.
    z[6] |= 1;
    let cd = z.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    z[cd + 8] |= 1;
    let (got, report) = run("locked.zip", &z);
    assert!(got.is_empty());
    assert_eq!(report.incomplete.len(), 1, "{:?}", report.incomplete);
    assert_eq!(
        report.incomplete[0].location.to_string(),
        "locked.zip!/secret.txt"
    );
    assert_eq!(report.incomplete[0].reason.code(), "encrypted");
}

#[test]
fn seven_zip_is_reported_unsupported_not_clean() {
    let mut data = b"7z\xBC\xAF\x27\x1C\x00\x04".to_vec();
    data.extend_from_slice(&[0x8d; 64]);
    let (got, report) = run("data.7z", &data);
    assert!(got.is_empty());
    assert_eq!(report.incomplete[0].reason.code(), "unsupported");
    assert!(
        report.incomplete[0].reason.to_string().contains("7-Zip"),
        "{}",
        report.incomplete[0].reason
    );
}

#[test]
fn images_have_no_text_member() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&[0u8; 64]);
    let (got, report) = run("logo.png", &png);
    assert!(got.is_empty());
    assert!(report.fully_inspected());
    assert_eq!(report.root_file_type().name, "PNG image");
}

#[test]
fn a_damaged_ole_file_is_corrupt_and_searched_raw_and_as_utf16() {
    // The OLE signature with no valid directory behind it: the compound
    // file cannot be opened, so the bytes are searched as they are, and
    // the UTF-16 runs in them (how legacy Word keeps text) as a member.
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let mut doc = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    doc.resize(1536, 0);
    doc.extend(utf16(
        "Patient: Zoë Müller\rSSN 536-22-8726\rDiagnosis E11.9",
    ));
    doc.extend([0x00, 0x00, 0xFF, 0xFE, 0x13, 0x07]);
    doc.resize(4096, 0xAB);
    doc.extend_from_slice(b"Confidential memo");
    let (got, report) = run("visit.doc", &doc);
    let codes: Vec<_> = report.incomplete.iter().map(|i| i.reason.code()).collect();
    assert_eq!(codes, ["corrupt"]);
    assert!(
        report.incomplete[0]
            .reason
            .to_string()
            .contains("OLE compound file")
    );
    assert_eq!(got[0].location, "visit.doc");
    assert_eq!(got[0].kind, TextKind::Raw);
    assert!(got[0].text.contains("Confidential memo"));
    let text = text_at(&got, "visit.doc!/utf16-text");
    assert_eq!(
        text,
        "Patient: Zoë Müller\rSSN 536-22-8726\rDiagnosis E11.9\n"
    );
    assert!(
        !got[0].text.contains("536-22-8726"),
        "not readable as 8-bit"
    );
    // The member limit holds for the UTF-16 text too.
    let limits = Limits {
        max_member_bytes: 16,
        ..Limits::default()
    };
    let (got, report) = run_with("visit.doc", &doc, limits);
    assert!(got.iter().all(|g| g.location != "visit.doc!/utf16-text"));
    assert!(
        report
            .incomplete
            .iter()
            .any(|i| i.location.to_string() == "visit.doc!/utf16-text"),
        "{:?}",
        report.incomplete
    );
    // The name of an `EncryptedPackage` stream going by still says the
    // file is password-protected.
    let mut locked = doc.clone();
    locked.extend(utf16("EncryptedPackage"));
    let (_, report) = run("locked.docx", &locked);
    let codes: Vec<_> = report.incomplete.iter().map(|i| i.reason.code()).collect();
    assert_eq!(codes, ["corrupt", "encrypted"]);
}

#[test]
fn zip_symlink_entries_are_not_followed() {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    w.add_symlink("passwd", "/etc/passwd", opts).unwrap();
    w.start_file("real.txt", opts).unwrap();
    std::io::Write::write_all(&mut w, b"real").unwrap();
    let z = w.finish().unwrap().into_inner();
    let (got, report) = run("links.zip", &z);
    assert!(report.fully_inspected());
    assert_eq!(got.len(), 1);
    assert_eq!(text_at(&got, "links.zip!/real.txt"), "real");
    assert_eq!(report.notes[0].location.to_string(), "links.zip!/passwd");
}
