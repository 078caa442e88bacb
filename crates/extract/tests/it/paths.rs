//! Never decide blind: whatever an input comes in as (bytes in memory, a
//! path, an open file, a stream), extraction reports the same members, the
//! same types and the same incomplete parts, and a member that hits a limit
//! or cannot be read never hides the members after it.

use std::io::{Read, Write};
use std::sync::LazyLock;

use cordon_extract::{ExtractReport, Extractor, Input, Limits};
use proptest::prelude::*;

use crate::build::{self, Raw};

const CARD: &str = "card 4111 1111 1111 1111";

/// Everything an extraction says, in a form the input paths must agree on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    /// Location, text length and whether the text holds the card number,
    /// for every member in order (a bomb's text is megabytes of zeros).
    members: Vec<(String, usize, bool)>,
    /// Location, code and message of every part not fully inspected.
    incomplete: Vec<(String, &'static str, String)>,
    /// Location and file type of everything seen.
    types: Vec<(String, &'static str)>,
}

impl Outcome {
    fn of(members: Vec<(String, usize, bool)>, report: &ExtractReport) -> Self {
        Self {
            members,
            incomplete: report
                .incomplete
                .iter()
                .map(|i| {
                    (
                        i.location.to_string(),
                        i.reason.code(),
                        i.reason.to_string(),
                    )
                })
                .collect(),
            types: report
                .types
                .iter()
                .map(|t| (t.location.to_string(), t.file_type.name))
                .collect(),
        }
    }

    /// The parts not fully inspected, as (location, code).
    fn codes(&self) -> Vec<(&str, &str)> {
        self.incomplete
            .iter()
            .map(|(l, c, _)| (l.as_str(), *c))
            .collect()
    }

    /// Locations of the members whose text holds the card number.
    fn cards(&self) -> Vec<&str> {
        self.members
            .iter()
            .filter(|(_, _, card)| *card)
            .map(|(l, _, _)| l.as_str())
            .collect()
    }
}

/// A reader that hands out its bytes in uneven small pieces, as a socket
/// or a pipe does.
struct Trickle<'a> {
    data: &'a [u8],
    n: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.n = self.n % 4093 + 1;
        let k = self.n.min(buf.len()).min(self.data.len());
        let (head, rest) = self.data.split_at(k);
        buf[..k].copy_from_slice(head);
        self.data = rest;
        Ok(k)
    }
}

/// Extract `bytes` named `name` through every kind of input; fails the
/// test unless all agree, and returns what they said.
fn every_path(name: &str, bytes: &[u8], limits: &Limits) -> Outcome {
    let ex = Extractor::new(limits.clone());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let run = |input: Input<'_>| {
        let mut members = Vec::new();
        let report = ex
            .extract(name, input, &mut |m| {
                let mut text = Vec::new();
                m.text.read_to_end(&mut text).unwrap();
                let card = memchr::memmem::find(&text, CARD.as_bytes()).is_some();
                members.push((m.location.to_string(), text.len(), card));
                Ok::<(), ()>(())
            })
            .unwrap();
        Outcome::of(members, &report)
    };
    let in_memory = run(Input::Bytes(bytes));
    let by_path = run(Input::Path(&path));
    let open_file = run(Input::File(std::fs::File::open(&path).unwrap()));
    let mut trickle = Trickle { data: bytes, n: 0 };
    let streamed = run(Input::Reader(&mut trickle));
    // A pipe: an open file that cannot seek and has no size.
    #[allow(
        clippy::incompatible_msrv,
        reason = "std::io::pipe is 1.87; the code already needs 1.88 (let-chains)"
    )]
    let (reader, mut writer) = std::io::pipe().unwrap();
    let piped = std::thread::scope(|s| {
        s.spawn(move || {
            // The extractor may stop reading early; a closed pipe is fine.
            let _ = writer.write_all(bytes);
        });
        run(Input::File(std::fs::File::from(
            std::os::fd::OwnedFd::from(reader),
        )))
    });
    for (how, got) in [
        ("path", &by_path),
        ("open file", &open_file),
        ("stream", &streamed),
        ("pipe", &piped),
    ] {
        assert_eq!(
            got, &in_memory,
            "{name}: {how} differs from bytes in memory"
        );
    }
    for (location, _, message) in &in_memory.incomplete {
        assert!(!location.is_empty() && !message.is_empty(), "{name}");
    }
    in_memory
}

/// 8 MiB of zeros: a member whose own expansion ratio is far over 200:1.
static ZEROS: LazyLock<Vec<u8>> = LazyLock::new(|| vec![0u8; 8 << 20]);

/// A zip of `depth` levels around a zip holding `leaf`.
fn nest(depth: usize, leaf: &[u8]) -> Vec<u8> {
    let mut z = build::zip(&[("core.txt", leaf)]);
    for i in 0..depth {
        z = build::zip(&[(&format!("level{i}.zip"), &z)]);
    }
    z
}

struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    limits: Limits,
    /// Every part not fully inspected: (location, code), in order.
    incomplete: &'static [(&'static str, &'static str)],
    /// Members whose text holds the card number.
    cards: &'static [&'static str],
}

fn cases() -> Vec<Case> {
    let small = Limits {
        max_member_bytes: 10_000,
        ..Limits::default()
    };
    let card = CARD.as_bytes();
    let big_zip = build::zip_with(
        &[("a.txt", &vec![b'a'; 100_000])],
        zip::CompressionMethod::Stored,
    );
    let big_pdf = [b"%PDF-1.4\n".as_slice(), &vec![b' '; 100_000]].concat();
    let bomb_zip = build::zip(&[("zeros.bin", &ZEROS), ("after.txt", card)]);
    let mut docx_parts = Vec::new();
    docx_parts.push(("[Content_Types].xml", b"<Types/>".to_vec()));
    docx_parts.push(("word/header1.xml", b"<w:p/>".repeat(2 << 20)));
    docx_parts.push((
        "word/document.xml",
        format!("<w:document><w:t>{CARD}</w:t></w:document>").into_bytes(),
    ));
    let docx_parts: Vec<(&str, &[u8])> = docx_parts.iter().map(|(n, d)| (*n, &d[..])).collect();
    let five_bombs: Vec<(String, &[u8])> = (0..5)
        .map(|i| (format!("z{i}.bin"), ZEROS.as_slice()))
        .chain([("card.txt".to_owned(), card)])
        .collect();
    let five_bombs: Vec<(&str, &[u8])> = five_bombs.iter().map(|(n, d)| (n.as_str(), *d)).collect();
    let many: Vec<(String, &[u8])> = (0..20).map(|i| (format!("f{i:02}.txt"), card)).collect();
    let many: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), *d)).collect();
    vec![
        Case {
            name: "ratio-first.zip",
            bytes: build::zip(&[("zeros.bin", &ZEROS), ("card.txt", card)]),
            limits: Limits::default(),
            incomplete: &[("ratio-first.zip!/zeros.bin", "ratio_limit")],
            cards: &["ratio-first.zip!/card.txt"],
        },
        Case {
            name: "big-zip-first.zip",
            bytes: build::zip(&[("inner.zip", &big_zip), ("card.txt", card)]),
            limits: small.clone(),
            incomplete: &[("big-zip-first.zip!/inner.zip", "member_size_limit")],
            cards: &["big-zip-first.zip!/card.txt"],
        },
        Case {
            name: "big-pdf-first.zip",
            bytes: build::zip(&[("big.pdf", &big_pdf), ("card.txt", card)]),
            limits: small.clone(),
            incomplete: &[("big-pdf-first.zip!/big.pdf", "member_size_limit")],
            cards: &["big-pdf-first.zip!/card.txt"],
        },
        Case {
            name: "too-deep-first.zip",
            bytes: build::zip(&[("deep.zip", &nest(3, card)), ("card.txt", card)]),
            limits: Limits {
                max_depth: 2,
                ..Limits::default()
            },
            incomplete: &[(
                "too-deep-first.zip!/deep.zip!/level2.zip!/level1.zip",
                "depth_limit",
            )],
            cards: &["too-deep-first.zip!/card.txt"],
        },
        Case {
            name: "zipcrypto.zip",
            bytes: build::zip_locked(&[("secret.txt", card, Some("pw")), ("card.txt", card, None)]),
            limits: Limits::default(),
            incomplete: &[("zipcrypto.zip!/secret.txt", "encrypted")],
            cards: &["zipcrypto.zip!/card.txt"],
        },
        Case {
            name: "all-locked.zip",
            bytes: build::zip_locked(&[
                ("a.txt", card, Some("pw")),
                ("b.txt", card, Some("other")),
            ]),
            limits: Limits::default(),
            incomplete: &[
                ("all-locked.zip!/a.txt", "encrypted"),
                ("all-locked.zip!/b.txt", "encrypted"),
            ],
            cards: &[],
        },
        Case {
            name: "aes.zip",
            bytes: build::zip_raw(&[Raw::Aes("secret.txt", 64), Raw::Plain("card.txt", card)]),
            limits: Limits::default(),
            incomplete: &[("aes.zip!/secret.txt", "encrypted")],
            cards: &["aes.zip!/card.txt"],
        },
        Case {
            name: "nested.zip",
            bytes: build::zip(&[
                ("bomb.zip", &bomb_zip),
                (
                    "locked.zip",
                    &build::zip_locked(&[("s.txt", card, Some("pw")), ("open.txt", card, None)]),
                ),
                ("card.txt", card),
            ]),
            limits: Limits::default(),
            incomplete: &[
                ("nested.zip!/bomb.zip!/zeros.bin", "ratio_limit"),
                ("nested.zip!/locked.zip!/s.txt", "encrypted"),
            ],
            cards: &[
                "nested.zip!/bomb.zip!/after.txt",
                "nested.zip!/locked.zip!/open.txt",
                "nested.zip!/card.txt",
            ],
        },
        Case {
            name: "bomb-in.tar",
            bytes: build::tar(
                &[("zeros.gz", &build::gzip(&ZEROS)), ("card.txt", card)],
                &[],
            ),
            limits: Limits::default(),
            incomplete: &[("bomb-in.tar!/zeros.gz", "ratio_limit")],
            cards: &["bomb-in.tar!/card.txt"],
        },
        Case {
            name: "bomb-part.docx",
            bytes: build::zip(&docx_parts),
            limits: Limits::default(),
            incomplete: &[("bomb-part.docx!/word/header1.xml", "ratio_limit")],
            cards: &["bomb-part.docx!/word/document.xml"],
        },
        // Limits on the whole input stop it, the same way in every path.
        Case {
            name: "five-bombs.zip",
            bytes: build::zip(&five_bombs),
            limits: Limits::default(),
            incomplete: &[
                ("five-bombs.zip!/z0.bin", "ratio_limit"),
                ("five-bombs.zip!/z1.bin", "ratio_limit"),
                ("five-bombs.zip!/z2.bin", "ratio_limit"),
                ("five-bombs.zip!/z3.bin", "ratio_limit"),
                ("five-bombs.zip!/z4.bin", "ratio_limit"),
                ("five-bombs.zip!/z4.bin", "input_ratio_limit"),
            ],
            cards: &[],
        },
        Case {
            name: "many.zip",
            bytes: build::zip(&many),
            limits: Limits {
                max_entries: 4,
                ..Limits::default()
            },
            incomplete: &[("many.zip!/f03.txt", "entry_limit")],
            cards: &[
                "many.zip!/f00.txt",
                "many.zip!/f01.txt",
                "many.zip!/f02.txt",
            ],
        },
    ]
}

#[test]
fn every_input_path_reports_the_same_members_and_incomplete_parts() {
    for case in cases() {
        let got = every_path(case.name, &case.bytes, &case.limits);
        assert_eq!(got.codes(), case.incomplete, "{}", case.name);
        assert_eq!(got.cards(), case.cards, "{}", case.name);
    }
}

#[test]
fn a_limit_that_stops_the_input_says_so() {
    let case = cases().into_iter().find(|c| c.name == "many.zip").unwrap();
    let got = every_path(case.name, &case.bytes, &case.limits);
    let (_, _, message) = &got.incomplete[0];
    assert!(message.contains("nothing after it was read"), "{message}");
    let case = cases()
        .into_iter()
        .find(|c| c.name == "ratio-first.zip")
        .unwrap();
    let got = every_path(case.name, &case.bytes, &case.limits);
    let (_, _, message) = &got.incomplete[0];
    assert!(message.contains("rest of this member"), "{message}");
}

/// One member of a generated archive.
#[derive(Debug, Clone)]
enum Item {
    /// Text holding the card number.
    Card,
    /// A member over its own expansion ratio (8 MiB of zeros).
    Bomb,
    /// The card number behind ZipCrypto.
    Locked,
    /// The card number behind AES.
    Aes,
    /// A PDF over the in-memory limit.
    TooLarge,
    /// A zip of more members.
    Zip(Vec<Item>),
}

fn item() -> impl Strategy<Value = Item> {
    let leaf = prop_oneof![
        4 => Just(Item::Card),
        1 => Just(Item::Bomb),
        1 => Just(Item::Locked),
        1 => Just(Item::Aes),
        1 => Just(Item::TooLarge),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop::collection::vec(inner, 1..4).prop_map(Item::Zip)
    })
}

fn bombs(items: &[Item]) -> usize {
    items
        .iter()
        .map(|i| match i {
            Item::Bomb => 1,
            Item::Zip(v) => bombs(v),
            _ => 0,
        })
        .sum()
}

/// The deflated bomb, made once and copied raw into every archive.
static BOMB: LazyLock<Vec<u8>> = LazyLock::new(|| build::zip(&[("bomb", &ZEROS)]));

/// Build the zip of `items` at `loc`, and what extraction must report:
/// the incomplete parts and the members holding the card.
fn model(
    items: &[Item],
    loc: &str,
    incomplete: &mut Vec<(String, &'static str)>,
    cards: &mut Vec<String>,
) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    let mut aes = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let child = |ext: &str| format!("{loc}!/m{i}.{ext}");
        match it {
            Item::Card => {
                w.start_file(format!("m{i}.txt"), opts).unwrap();
                w.write_all(format!("{CARD} in m{i}").as_bytes()).unwrap();
                cards.push(child("txt"));
            }
            Item::Bomb => {
                let mut b = zip::ZipArchive::new(std::io::Cursor::new(BOMB.as_slice())).unwrap();
                let raw = b.by_index_raw(0).unwrap();
                w.raw_copy_file_rename(raw, format!("m{i}.bin")).unwrap();
                incomplete.push((child("bin"), "ratio_limit"));
            }
            Item::Locked => {
                use zip::unstable::write::FileOptionsExt;
                let o = opts.with_deprecated_encryption(b"pw").unwrap();
                w.start_file(format!("m{i}.txt"), o).unwrap();
                w.write_all(CARD.as_bytes()).unwrap();
                incomplete.push((child("txt"), "encrypted"));
            }
            Item::Aes => {
                // AES entries come from the raw writer, inside a zip of
                // their own.
                aes.push(i);
                w.start_file(format!("m{i}.zip"), opts).unwrap();
                w.write_all(&build::zip_raw(&[Raw::Aes("a.txt", 32)]))
                    .unwrap();
                incomplete.push((format!("{}!/a.txt", child("zip")), "encrypted"));
            }
            Item::TooLarge => {
                w.start_file(format!("m{i}.pdf"), opts).unwrap();
                w.write_all(b"%PDF-1.4\n").unwrap();
                w.write_all(&[b' '; 100_000]).unwrap();
                incomplete.push((child("pdf"), "member_size_limit"));
            }
            Item::Zip(inner) => {
                let bytes = model(inner, &child("zip"), incomplete, cards);
                w.start_file(format!("m{i}.zip"), opts).unwrap();
                w.write_all(&bytes).unwrap();
            }
        }
    }
    w.finish().unwrap().into_inner()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Archives of cards, bombs, locked and oversized members in any
    /// order and nesting: every path agrees, every part that could not be
    /// read is reported where it is, and every card outside them is found.
    #[test]
    fn generated_archives_are_read_past_every_member_that_cannot_be(
        items in prop::collection::vec(item(), 1..5)
            .prop_filter("at most the forgiven bombs", |v| bombs(v) <= 4)
    ) {
        let mut incomplete = Vec::new();
        let mut cards = Vec::new();
        let bytes = model(&items, "gen.zip", &mut incomplete, &mut cards);
        let limits = Limits { max_member_bytes: 64 << 10, ..Limits::default() };
        let got = every_path("gen.zip", &bytes, &limits);
        let mut want: Vec<(&str, &str)> =
            incomplete.iter().map(|(l, c)| (l.as_str(), *c)).collect();
        let mut have = got.codes();
        want.sort_unstable();
        have.sort_unstable();
        prop_assert_eq!(have, want);
        prop_assert_eq!(got.cards(), cards.iter().map(String::as_str).collect::<Vec<_>>());
    }
}
