//! Single-core throughput on the generated bench corpora, measured in CPU
//! time (so it stays meaningful on a busy machine).
//!
//! cargo run --release -p cordon-detect --example throughput [MB] [prose|csv|customers]

#[path = "../benches/corpus.rs"]
mod corpus;

use cordon_detect::Detectors;

/// utime + stime of this process in seconds (Linux /proc).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|x| x.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|x| x.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(16);
    let only = std::env::args().nth(2).unwrap_or_default();
    // `DETECTORS=id,id` measures a subset (to see what each costs).
    let det = match std::env::var("DETECTORS") {
        Ok(ids) => match Detectors::builder().only_ids(ids.split(',')).build() {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        },
        Err(_) => Detectors::new(),
    };
    // Baseline: a plain byte-frequency pass, to judge how loaded the
    // machine is (a quiet core does this at several GB/s).
    let base = corpus::prose(mb << 20);
    let c0 = cpu_seconds();
    let mut hist = [0u64; 256];
    for _ in 0..5 {
        for &b in &base {
            hist[b as usize] += 1;
        }
    }
    let cpu = (cpu_seconds() - c0).max(0.01);
    println!(
        "baseline byte histogram {:>8.1} MB/s cpu ({})",
        (base.len() * 5) as f64 / cpu / 1e6,
        hist[b'e' as usize]
    );
    for name in ["prose", "csv", "customers"] {
        if !only.is_empty() && only != name {
            continue;
        }
        // Built only when measured, so a profile of one corpus is that scan.
        let data = match name {
            "prose" => corpus::prose(mb << 20),
            "customers" => corpus::customers(mb << 20),
            _ => corpus::csv(mb << 20),
        };
        let mut found = 0;
        let c0 = cpu_seconds();
        let w0 = std::time::Instant::now();
        let rounds = 5;
        // STREAM=1: through the streaming scanner in 1 MiB chunks, as
        // `cordon scan` reads files. COUNT=1 (with STREAM=1): findings are
        // counted, not built, as `cordon scan` does once a file's list of
        // findings is full.
        let stream = std::env::var_os("STREAM").is_some();
        let count = std::env::var_os("COUNT").is_some();
        for _ in 0..rounds {
            found = if stream {
                let mut s = det.stream();
                if count {
                    s.count_only(0..usize::MAX);
                }
                let mut n = 0;
                let mut found = Vec::new();
                for chunk in data.chunks(1 << 20) {
                    s.feed_into(chunk, &mut found);
                    n += found.len();
                    found.clear();
                }
                s.finish_into(&mut found);
                n + found.len() + s.tally().iter().map(|t| t.3 as usize).sum::<usize>()
            } else {
                det.scan(&data).len()
            };
        }
        let cpu = (cpu_seconds() - c0).max(0.01);
        let wall = w0.elapsed().as_secs_f64();
        let bytes = (data.len() * rounds) as f64;
        println!(
            "{name:6} {:>8.1} MB/s cpu  {:>8.1} MB/s wall  ({found} findings in {} bytes)",
            bytes / cpu / 1e6,
            bytes / wall / 1e6,
            data.len()
        );
    }
}
