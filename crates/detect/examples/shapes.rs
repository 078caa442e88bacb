//! Time per number for each column shape of the CSV bench corpus: which
//! kind of number the scan spends its time on.
//!
//! cargo run --release -p cordon-detect --example shapes [SHAPE]
//! (`STREAM=1`: through the streaming scanner; `DETECTORS=id,…`: a subset)

#[path = "../benches/corpus.rs"]
mod corpus;

use cordon_detect::Detectors;
use corpus::Rng;

/// Formats one number from a random word.
type Shape = fn(u64) -> String;

fn main() {
    let det = match std::env::var("DETECTORS") {
        Ok(ids) => Detectors::builder()
            .only_ids(ids.split(','))
            .build()
            .unwrap_or_default(),
        Err(_) => Detectors::new(),
    };
    let shapes: &[(&str, Shape)] = &[
        ("id6", |x| format!("{}", 100000 + x % 900000)),
        ("date", |x| {
            format!("2024-{:02}-{:02}", x % 12 + 1, x % 28 + 1)
        }),
        ("amount", |x| format!("{}.{:02}", x % 100000, x % 100)),
        ("qty", |x| format!("{}", x % 100)),
        ("acct10", |x| format!("{:010}", x % 10_000_000_000)),
        ("order12", |x| format!("{:012}", x % 1_000_000_000_000)),
        ("phone", |x| {
            format!("{}-{:03}-{:04}", x % 800 + 200, x % 1000, x % 10000)
        }),
        ("card16", |x| format!("{:016}", x % 10_000_000_000_000_000)),
        ("phonebad", |x| {
            format!("{}-{:03}-{:04}", x % 100 + 100, x % 1000, x % 10000)
        }),
        ("ph-sp", |x| {
            format!("{} {:03} {:04}", x % 800 + 200, x % 1000, x % 10000)
        }),
        ("ph-dot", |x| {
            format!("{}.{:03}.{:04}", x % 800 + 200, x % 1000, x % 10000)
        }),
    ];
    let only = std::env::args().nth(1).unwrap_or_default();
    let stream = std::env::var_os("STREAM").is_some();
    for (name, f) in shapes {
        if !only.is_empty() && only != *name {
            continue;
        }
        let mut r = Rng(0x1234_5678_9abc_def1);
        let mut s = String::new();
        let mut n = 0u64;
        while s.len() < 16 << 20 {
            s.push_str(&f(r.next_u64()));
            s.push(',');
            n += 1;
        }
        let t0 = std::time::Instant::now();
        let mut found = 0;
        for _ in 0..5 {
            found = if stream {
                let mut sc = det.stream();
                let mut k = 0;
                for c in s.as_bytes().chunks(1 << 20) {
                    k += sc.feed(c).len();
                }
                k + sc.finish().len()
            } else {
                det.scan(s.as_bytes()).len()
            };
        }
        let el = t0.elapsed().as_secs_f64() / 5.0;
        println!(
            "{name:8} {:6.1} ns/number  ({found} findings / {n})",
            el * 1e9 / n as f64
        );
    }
}
