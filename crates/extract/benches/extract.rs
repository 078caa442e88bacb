//! Extraction throughput per format: bytes of input per second through
//! `Extractor::extract`, the visitor reading every member to the end.
//!
//! `cargo bench -p cordon-extract --bench extract`

use std::hint::black_box;
use std::io::{Cursor, Write};

use cordon_extract::{Extractor, Input, Limits};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn prose(len: usize) -> Vec<u8> {
    let line = b"The quarterly report was sent to the finance team on Monday; card 4111 1111 1111 1111 appears once.\n";
    line.iter().copied().cycle().take(len).collect()
}

fn drain(ex: &Extractor, name: &str, data: &[u8]) -> u64 {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    let _ = ex.extract(name, Input::Bytes(data), &mut |m| {
        loop {
            match m.text.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n as u64,
            }
        }
        Ok::<(), ()>(())
    });
    total
}

fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        let _ = w.start_file(*name, zip::write::SimpleFileOptions::default());
        let _ = w.write_all(data);
    }
    w.finish().map(Cursor::into_inner).unwrap_or_default()
}

/// A compound file holding `streams`.
fn compound(streams: &[(&str, &[u8])]) -> Vec<u8> {
    let Ok(mut comp) = cfb::CompoundFile::create(Cursor::new(Vec::new())) else {
        return Vec::new();
    };
    for (path, data) in streams {
        if let Ok(mut s) = comp.create_stream(path) {
            let _ = s.write_all(data);
        }
    }
    let _ = comp.flush();
    comp.into_inner().into_inner()
}

/// A `.doc` whose piece table holds one UTF-16 piece of `text`, built on
/// the FIB of the LibreOffice fixture.
fn big_doc(text: &[u8]) -> Vec<u8> {
    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ole/memo.doc"
    ))
    .unwrap_or_default();
    let mut word = Vec::new();
    if let Ok(mut comp) = cfb::CompoundFile::open(Cursor::new(fixture))
        && let Ok(mut s) = comp.open_stream("/WordDocument")
    {
        let _ = std::io::Read::read_to_end(&mut s, &mut word);
    }
    let u16_at = |b: &[u8], at: usize| usize::from(u16::from_le_bytes([b[at], b[at + 1]]));
    // FibBase, csw + FibRgW97, cslw + FibRgLw97, cbRgFcLcb: fcClx is pair 33.
    let at_cslw = 34 + 2 * u16_at(&word, 32);
    let at_clx = at_cslw + 2 + 4 * u16_at(&word, at_cslw) + 2 + 33 * 8;
    let chars = text.len() as u32;
    let fc = word.len() as u32;
    // Clx: a piece table (type 2) of 16 bytes: CPs 0 and `chars`, then one
    // piece descriptor (flags, fc of UTF-16 text, prm).
    let mut clx = vec![2u8];
    clx.extend_from_slice(&16u32.to_le_bytes());
    clx.extend_from_slice(&0u32.to_le_bytes());
    clx.extend_from_slice(&chars.to_le_bytes());
    clx.extend_from_slice(&[0, 0]);
    clx.extend_from_slice(&fc.to_le_bytes());
    clx.extend_from_slice(&[0, 0]);
    word[at_clx..at_clx + 4].copy_from_slice(&0u32.to_le_bytes());
    word[at_clx + 4..at_clx + 8].copy_from_slice(&(clx.len() as u32).to_le_bytes());
    // 1Table is what the fixture's FIB names.
    word.extend(text.iter().flat_map(|&c| [c, 0]));
    compound(&[("/WordDocument", &word), ("/1Table", &clx)])
}

fn bench(c: &mut Criterion) {
    // The bench text repeats one line, so it compresses far past the
    // default ratio limit: lift it to measure decompression itself.
    let ex = Extractor::new(Limits {
        max_member_bytes: 256 << 20,
        max_ratio: u64::MAX,
        ..Limits::default()
    });
    let size = 32 << 20;
    let text = prose(size);

    let mut g = c.benchmark_group("extract");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(size as u64));
    g.bench_function("plain_utf8", |b| {
        b.iter(|| black_box(drain(&ex, "a.txt", &text)))
    });

    let mut latin = text.clone();
    latin[0] = 0xe9;
    g.bench_function("windows_1252", |b| {
        b.iter(|| black_box(drain(&ex, "a.txt", &latin)))
    });

    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.iter().flat_map(|&c| [c, 0]));
    g.throughput(Throughput::Bytes(utf16.len() as u64));
    g.bench_function("utf16", |b| {
        b.iter(|| black_box(drain(&ex, "a.txt", &utf16)))
    });

    let html: Vec<u8> = b"<html><body>"
        .iter()
        .copied()
        .chain(text.split(|&c| c == b'\n').flat_map(|l| {
            let mut p = b"<p>Note: <b>".to_vec();
            p.extend_from_slice(l);
            p.extend_from_slice(b"</b> &amp; more</p>\n");
            p
        }))
        .collect();
    g.throughput(Throughput::Bytes(html.len() as u64));
    g.bench_function("html", |b| {
        b.iter(|| black_box(drain(&ex, "a.html", &html)))
    });

    // An XML data export: every element's name and attribute becomes
    // the label before its text (`ssn: 536-22-8726`), the path a record
    // of short fields takes through the markup reader.
    let records: String = (0..size / 240)
        .map(|i| {
            format!(
                "<record id=\"{i}\" status=\"active\">\n  <name>Ada Lovelace</name>\n  \
                 <email>ada{i}@example.com</email>\n  <ssn>536-22-{:04}</ssn>\n  \
                 <note>sent on Monday &amp; filed</note>\n</record>\n",
                i % 10_000
            )
        })
        .collect();
    let xml = format!("<?xml version=\"1.0\"?>\n<records>\n{records}</records>\n");
    g.throughput(Throughput::Bytes(xml.len() as u64));
    g.bench_function("xml_data", |b| {
        b.iter(|| black_box(drain(&ex, "a.xml", xml.as_bytes())))
    });

    let body: String = text
        .split(|&c| c == b'\n')
        .map(|l| {
            format!(
                "<w:p><w:r><w:t>{}</w:t></w:r></w:p>",
                String::from_utf8_lossy(l)
            )
        })
        .collect();
    let document = format!("<w:document xmlns:w=\"x\"><w:body>{body}</w:body></w:document>");
    let docx = zip(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", document.as_bytes()),
    ]);
    g.throughput(Throughput::Bytes(document.len() as u64));
    g.bench_function("docx_xml", |b| {
        b.iter(|| black_box(drain(&ex, "a.docx", &docx)))
    });

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = gz.write_all(&text);
    let gz = gz.finish().unwrap_or_default();
    g.throughput(Throughput::Bytes(size as u64));
    g.bench_function("gzip_text", |b| {
        b.iter(|| black_box(drain(&ex, "a.txt.gz", &gz)))
    });

    // Legacy Office: throughput in characters of text (one byte each of
    // the prose) through the compound file, the parser and transcoding.
    let doc = big_doc(&text);
    g.throughput(Throughput::Bytes(size as u64));
    g.bench_function("doc_piece_table", |b| {
        b.iter(|| black_box(drain(&ex, "a.doc", &doc)))
    });
    let body: Vec<u8> = text.iter().flat_map(|&c| [c, 0]).collect();
    let msg = compound(&[
        ("/__properties_version1.0", &[0u8; 32]),
        ("/__substg1.0_0037001F", b"S\0u\0b\0"),
        ("/__substg1.0_1000001F", &body),
    ]);
    g.bench_function("msg_body", |b| {
        b.iter(|| black_box(drain(&ex, "a.msg", &msg)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
