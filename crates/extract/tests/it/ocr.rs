//! Text in images through Tesseract (`scripts/install-test-deps` installs
//! Debian's tesseract-ocr). The fixture is a page LibreOffice rendered
//! from `scan.fodt`.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use cordon_extract::{Extractor, Limits, Ocr};

use crate::{Got, build, run, run_extractor};

fn scan_png() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ocr/scan.png"
    ))
    .unwrap()
}

fn run_ocr(name: &str, bytes: &[u8], ocr: Ocr) -> (Vec<Got>, cordon_extract::ExtractReport) {
    run_extractor(
        name,
        bytes,
        &Extractor::new(Limits::default()).with_ocr(Some(ocr)),
    )
}

fn tesseract_present() {
    let found = std::process::Command::new("tesseract")
        .arg("--version")
        .output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "tesseract is needed by this test (scripts/install-test-deps installs it)"
    );
}

#[test]
fn text_in_an_image_is_read_when_ocr_is_on() {
    tesseract_present();
    let (got, report) = run_ocr("scan.png", &scan_png(), Ocr::default());
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].location, "scan.png");
    for want in [
        "Social Security Number: 536-22-8726",
        "Card number 4111 1111 1111 1111",
    ] {
        assert!(
            got[0].text.contains(want),
            "{want:?} not in {:?}",
            got[0].text
        );
    }
    // Off (the default), the image yields nothing and is complete.
    let (got, report) = run("scan.png", &scan_png());
    assert!(got.is_empty() && report.fully_inspected());
}

#[test]
fn an_image_inside_an_archive_is_read_too() {
    tesseract_present();
    let z = build::zip(&[("scans/page1.png", &scan_png())]);
    let (got, report) = run_ocr("scans.zip", &z, Ocr::default());
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    assert!(got[0].location.ends_with("scans.zip!/scans/page1.png"));
    assert!(got[0].text.contains("536-22-8726"), "{:?}", got[0].text);
}

#[test]
fn a_broken_image_a_missing_engine_and_a_hung_engine_are_reported() {
    tesseract_present();
    let mut broken = scan_png();
    broken.truncate(200);
    let (got, report) = run_ocr("scan.png", &broken, Ocr::default());
    assert!(got.is_empty(), "{got:?}");
    assert_eq!(report.incomplete.len(), 1, "{:?}", report.incomplete);
    assert_eq!(report.incomplete[0].reason.code(), "corrupt");

    let missing = Ocr {
        program: "/nonexistent/tesseract".into(),
        ..Ocr::default()
    };
    let (_, report) = run_ocr("scan.png", &scan_png(), missing);
    assert_eq!(report.incomplete[0].reason.code(), "unsupported");
    assert!(
        report.incomplete[0]
            .reason
            .to_string()
            .contains("tesseract-ocr")
    );

    // An engine that never answers is killed at its timeout.
    let dir = tempfile::tempdir().unwrap();
    let hang = dir.path().join("hang");
    std::fs::write(&hang, "#!/bin/sh\nexec sleep 30\n").unwrap();
    std::fs::set_permissions(&hang, std::fs::Permissions::from_mode(0o755)).unwrap();
    let started = std::time::Instant::now();
    let slow = Ocr {
        program: hang,
        timeout: Duration::from_millis(300),
        ..Ocr::default()
    };
    let (_, report) = run_ocr("scan.png", &scan_png(), slow);
    assert_eq!(
        report.incomplete[0].reason.code(),
        "ocr_time_limit",
        "{:?}",
        report.incomplete
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_scanned_pdf_is_read_through_its_images() {
    tesseract_present();
    // LibreOffice made these PDFs from scan.png (scripts/make-ocr-fixtures):
    // the page is one image with a soft mask (which is not read), as JPEG
    // or, exported lossless, as raw RGB samples; there is no text layer.
    for (file, ext) in [("scan.pdf", ".jpg"), ("scan-lossless.pdf", ".pnm")] {
        let path = format!("{}/tests/fixtures/ocr/{file}", env!("CARGO_MANIFEST_DIR"));
        let pdf = std::fs::read(path).unwrap();
        let (got, report) = run_ocr(file, &pdf, Ocr::default());
        assert!(report.fully_inspected(), "{file}: {:?}", report.incomplete);
        let images: Vec<_> = got.iter().filter(|g| g.location.ends_with(ext)).collect();
        assert_eq!(images.len(), 1, "{file}: {got:?}");
        assert!(images[0].location.starts_with(&format!("{file}!/image")));
        assert!(
            images[0].text.contains("536-22-8726"),
            "{file}: {:?}",
            images[0].text
        );
        // Without OCR: no text, and a note that there is no text layer.
        let (got, report) = run(file, &pdf);
        assert!(got.iter().all(|g| g.text.trim().is_empty()), "{got:?}");
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.what.contains("no text layer"))
        );
    }
}
