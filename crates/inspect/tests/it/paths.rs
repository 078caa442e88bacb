//! Never decide blind: a file reports the same findings and the same
//! incomplete parts whether it is inspected from memory (inline content
//! posted to the server), from a path (`cordon scan`) or from a stream
//! (`/v1/inspect`), and a member that hits a limit or is encrypted never
//! hides the findings in the members after it.

use std::io::{Cursor, Write};

use cordon_detect::Detectors;
use cordon_extract::Limits;
use cordon_inspect::FileReport;
use cordon_inspect::{InspectOptions, Inspector};
use zip::unstable::write::FileOptionsExt;
use zip::write::SimpleFileOptions;

const CARD: &[u8] = b"card 4111 1111 1111 1111";

/// A zip of (name, content, password); an entry with a password is
/// encrypted with ZipCrypto.
fn zip(entries: &[(&str, &[u8], Option<&str>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data, password) in entries {
        let opts = SimpleFileOptions::default();
        let opts = match password {
            Some(p) => opts.with_deprecated_encryption(p.as_bytes()).unwrap(),
            None => opts,
        };
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Inspect `bytes` from memory, from a path and from a stream; fails the
/// test unless the three reports agree (but for the size, which a stream
/// does not know).
fn every_path(name: &str, bytes: &[u8], limits: Limits) -> FileReport {
    let inspector = Inspector::new(
        Detectors::new(),
        InspectOptions {
            limits,
            ..InspectOptions::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let in_memory = inspector.inspect_bytes(name, bytes);
    let by_path = inspector.inspect_path(&path, name);
    let mut streamed = inspector.inspect_reader(name, &mut &bytes[..]);
    assert_eq!(by_path, in_memory, "{name}: path differs from memory");
    assert_eq!(streamed.size, None);
    streamed.size = in_memory.size;
    assert_eq!(streamed, in_memory, "{name}: stream differs from memory");
    for p in in_memory.incomplete.iter().chain(&in_memory.errors) {
        assert!(
            !p.location.is_empty() && !p.message.is_empty() && !p.code.is_empty(),
            "{name}: {p:?}"
        );
    }
    in_memory
}

#[test]
fn findings_after_a_member_that_cannot_be_read_are_found_in_every_path() {
    let zeros = vec![0u8; 8 << 20];
    let big_pdf = [b"%PDF-1.4\n".as_slice(), &vec![b' '; 100_000]].concat();
    let small = Limits {
        max_member_bytes: 10_000,
        ..Limits::default()
    };
    let bomb = zip(&[("zeros.bin", &zeros, None), ("after.txt", CARD, None)]);
    let locked = zip(&[("s.txt", CARD, Some("pw")), ("open.txt", CARD, None)]);
    #[allow(clippy::type_complexity, reason = "a table")]
    let cases: Vec<(&str, Vec<u8>, Limits, Vec<(&str, &str)>, Vec<&str>)> = vec![
        (
            "ratio-first.zip",
            zip(&[("zeros.bin", &zeros, None), ("card.txt", CARD, None)]),
            Limits::default(),
            vec![("ratio-first.zip!/zeros.bin", "ratio_limit")],
            vec!["ratio-first.zip!/card.txt"],
        ),
        (
            "big-first.zip",
            zip(&[("big.pdf", &big_pdf, None), ("card.txt", CARD, None)]),
            small,
            vec![("big-first.zip!/big.pdf", "member_size_limit")],
            vec!["big-first.zip!/card.txt"],
        ),
        (
            "locked.zip",
            zip(&[("secret.txt", CARD, Some("pw")), ("card.txt", CARD, None)]),
            Limits::default(),
            vec![("locked.zip!/secret.txt", "encrypted")],
            vec!["locked.zip!/card.txt"],
        ),
        (
            "all-locked.zip",
            zip(&[("secret.txt", CARD, Some("pw"))]),
            Limits::default(),
            vec![("all-locked.zip!/secret.txt", "encrypted")],
            vec![],
        ),
        (
            "nested.zip",
            zip(&[
                ("bomb.zip", &bomb, None),
                ("locked.zip", &locked, None),
                ("card.txt", CARD, None),
            ]),
            Limits::default(),
            vec![
                ("nested.zip!/bomb.zip!/zeros.bin", "ratio_limit"),
                ("nested.zip!/locked.zip!/s.txt", "encrypted"),
            ],
            vec![
                "nested.zip!/bomb.zip!/after.txt",
                "nested.zip!/locked.zip!/open.txt",
                "nested.zip!/card.txt",
            ],
        ),
    ];
    for (name, bytes, limits, incomplete, cards) in cases {
        let r = every_path(name, &bytes, limits);
        assert!(!r.complete, "{name}");
        let got: Vec<(&str, &str)> = r
            .incomplete
            .iter()
            .map(|p| (p.location.as_str(), p.code.as_str()))
            .collect();
        assert_eq!(got, incomplete, "{name}");
        assert!(r.errors.is_empty(), "{name}: {:?}", r.errors);
        let found: Vec<&str> = r
            .findings
            .iter()
            .filter(|f| f.detector == "credit_card")
            .map(|f| f.location.as_str())
            .collect();
        assert_eq!(found, cards, "{name}");
    }
}

/// Findings in HTML and XML files are placed in the file, not in the text
/// extracted from it, in every path and across many chunks (the map of
/// runs is trimmed as the scan goes on).
#[test]
fn findings_in_markup_are_placed_in_the_file() {
    let mut html =
        String::from("<!DOCTYPE html><html><body><table>\n<tr><th>Name</th><th>Card</th></tr>\n");
    let mut xml = String::from("<?xml version=\"1.0\"?>\n<customers>\n");
    for i in 0..40_000 {
        let card = if i % 3 == 0 {
            "4111&#32;1111 1111 1111"
        } else {
            "4111 1111 1111 1111"
        };
        html.push_str(&format!(
            "<tr><td>Client &amp; {i}</td><td><b>{card}</b></td></tr>\n"
        ));
        xml.push_str(&format!(
            "<customer id=\"{i}\"><name>A&amp;B</name><cardNumber>{card}</cardNumber></customer>\n"
        ));
    }
    html.push_str("</table></body></html>\n");
    xml.push_str("</customers>\n");
    for (name, doc) in [("rows.html", html), ("rows.txt", xml)] {
        let report = every_path(name, doc.as_bytes(), Limits::default());
        let cards: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.detector == "credit_card")
            .collect();
        assert!(cards.len() > 5_000, "{name}: {}", cards.len());
        for f in cards {
            let value = &doc[f.start as usize..f.end as usize];
            assert_eq!(
                value.replace("&#32;", " "),
                "4111 1111 1111 1111",
                "{name} at {}",
                f.start
            );
        }
    }
}
