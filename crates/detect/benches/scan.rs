//! Throughput of the default detector set on generated prose, a numeric
//! CSV export and a customer table.
//!
//! `cargo bench -p cordon-detect --bench scan`

#![allow(
    clippy::expect_used,
    reason = "a bench that cannot build its detectors has nothing to measure"
)]

use cordon_detect::{CustomDetector, CustomDetectorsConfig, Detectors};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "corpus.rs"]
mod corpus;
use corpus::{csv, customers, prose};

fn bench(c: &mut Criterion) {
    let det = Detectors::new();
    let mut g = c.benchmark_group("scan");
    g.sample_size(20);
    let p = prose(8 << 20);
    g.throughput(Throughput::Bytes(p.len() as u64));
    g.bench_function("prose_8MB", |b| b.iter(|| det.scan(&p)));
    // The seed's keyword rule ("Confidential", "Encrypt me") on top of the
    // built-ins, as the endpoint agent's media policies add it.
    let kw = Detectors::builder()
        .custom(CustomDetectorsConfig {
            detectors: vec![CustomDetector {
                id: "marked".into(),
                category: "CONFIDENTIAL".into(),
                keywords: vec!["Confidential".into(), "Encrypt me".into()],
                regex: None,
                validator: None,
                context: vec![],
                require_context: false,
                confidence: None,
                description: None,
            }],
        })
        .build()
        .expect("the seed's keyword detector builds");
    g.bench_function("prose_8MB_keywords", |b| b.iter(|| kw.scan(&p)));
    let v = csv(8 << 20);
    g.throughput(Throughput::Bytes(v.len() as u64));
    g.bench_function("csv_8MB", |b| b.iter(|| det.scan(&v)));
    g.throughput(Throughput::Bytes(p.len() as u64));
    g.bench_function("prose_8MB_stream_64KB", |b| {
        b.iter(|| {
            let mut s = det.stream();
            let mut n = 0;
            for ch in p.chunks(64 << 10) {
                n += s.feed(ch).len();
            }
            n + s.finish().len()
        })
    });
    // A leaked customer table: every row a person with an e-mail, phone,
    // card, IBAN and SSN. Counted as `cordon scan` counts past its listing
    // cap (every finding found, resolved and tallied, none built), and
    // with every finding built.
    let t = customers(8 << 20);
    g.throughput(Throughput::Bytes(t.len() as u64));
    g.bench_function("customers_8MB_count", |b| {
        b.iter(|| {
            let mut s = det.stream();
            s.count_only(0..usize::MAX);
            let mut n = 0;
            for ch in t.chunks(1 << 20) {
                n += s.feed(ch).len();
            }
            n += s.finish().len();
            n
        })
    });
    g.bench_function("customers_8MB", |b| b.iter(|| det.scan(&t)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
