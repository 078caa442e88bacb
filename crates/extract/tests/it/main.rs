//! Integration tests of cordon-extract: every input is built in the test.

// Helpers outside `#[test]` functions may unwrap too (see clippy.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod build;
mod containers;
mod documents;
mod limits;
mod ocr;
mod office;
mod ole;
mod paths;
mod plain;
mod robust;

use cordon_extract::{ExtractReport, Extractor, Format, Input, Limits, TextKind};

/// One member as the visitor saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Got {
    pub location: String,
    pub format: Format,
    pub kind: TextKind,
    pub text: String,
}

/// Extract `bytes` named `name` with `limits`; every member's text read whole.
pub fn run_with(name: &str, bytes: &[u8], limits: Limits) -> (Vec<Got>, ExtractReport) {
    run_extractor(name, bytes, &Extractor::new(limits))
}

/// Extract `bytes` named `name` with `ex`; every member's text read whole.
pub fn run_extractor(name: &str, bytes: &[u8], ex: &Extractor) -> (Vec<Got>, ExtractReport) {
    let mut got = Vec::new();
    let report = ex
        .extract(name, Input::Bytes(bytes), &mut |m| {
            let mut buf = Vec::new();
            m.text.read_to_end(&mut buf).unwrap();
            got.push(Got {
                location: m.location.to_string(),
                format: m.format,
                kind: m.kind,
                text: String::from_utf8_lossy(&buf).into_owned(),
            });
            Ok::<(), ()>(())
        })
        .unwrap();
    (got, report)
}

pub fn run(name: &str, bytes: &[u8]) -> (Vec<Got>, ExtractReport) {
    run_with(name, bytes, Limits::default())
}

/// The text of the member at `location`, failing the test when absent.
pub fn text_at<'a>(got: &'a [Got], location: &str) -> &'a str {
    match got.iter().find(|g| g.location == location) {
        Some(g) => &g.text,
        None => panic!(
            "no member at {location}; members: {:?}",
            got.iter().map(|g| &g.location).collect::<Vec<_>>()
        ),
    }
}
