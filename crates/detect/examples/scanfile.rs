//! Scans files and prints per-detector counts and CPU throughput; with
//! `--show DETECTOR` prints that detector's matches (masked) with context.
//!
//! cargo run --release -p cordon-detect --example scanfile -- FILE... [--show ID]

use std::collections::BTreeMap;

use cordon_detect::{Detectors, mask};

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|x| x.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|x| x.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let show = match args.iter().position(|a| a == "--show") {
        Some(i) => {
            let v = args.get(i + 1).cloned();
            args.drain(i..(i + 2).min(args.len()));
            v
        }
        None => None,
    };
    let det = Detectors::new();
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    let (mut bytes, mut cpu) = (0usize, 0.0f64);
    for path in &args {
        let text = std::fs::read(path)?;
        let c0 = cpu_seconds();
        let rounds = 3;
        let mut fs = Vec::new();
        for _ in 0..rounds {
            fs = det.scan(&text);
        }
        cpu += cpu_seconds() - c0;
        bytes += text.len() * rounds;
        for f in &fs {
            *counts
                .entry((f.detector.to_string(), f.confidence.to_string()))
                .or_default() += 1;
            if show.as_deref() == Some(f.detector.as_ref()) {
                let lo = f.start.saturating_sub(40);
                let hi = (f.end + 20).min(text.len());
                let before = String::from_utf8_lossy(&text[lo..f.start]).replace('\n', " ");
                let after = String::from_utf8_lossy(&text[f.end..hi]).replace('\n', " ");
                println!(
                    "{} {} ...{}[{}]{}...",
                    f.detector,
                    f.confidence,
                    before,
                    mask(&f.detector, &text[f.start..f.end]),
                    after
                );
            }
        }
    }
    for ((d, c), n) in &counts {
        println!("{d:28} {c:7} {n}");
    }
    println!(
        "{:.1} MB/s cpu over {} bytes",
        bytes as f64 / cpu.max(0.01) / 1e6,
        bytes
    );
    Ok(())
}
