//! Differential check: writes every finding for the bench corpora and for
//! a deterministic number-dense random corpus, one line per finding, so two
//! builds can be compared with `diff`.
//!
//! cargo run --release -p cordon-detect --example digest -- OUT_DIR [MB]

#[path = "../benches/corpus.rs"]
mod corpus;

use std::io::Write;

use cordon_detect::{Detectors, detectors};
use corpus::Rng;

/// Text made of digit groups of every length with every separator, context
/// words of every detector, letters glued to numbers and valid values.
fn random(bytes: usize, seed: u64) -> Vec<u8> {
    let mut r = Rng(seed | 1);
    let ctx: Vec<&str> = detectors()
        .iter()
        .flat_map(|d| d.context.iter().copied())
        .collect();
    let examples: Vec<&str> = detectors().iter().map(|d| d.example).collect();
    let seps = [
        " ", "-", ".", "/", ",", " ", "\n", ": ", "+", "(", ")", "x", " x ", " ext. ", "\t", "=",
    ];
    let mut s = Vec::with_capacity(bytes + 64);
    while s.len() < bytes {
        match r.below(20) {
            0..=9 => {
                let n = match r.below(4) {
                    0 => 1 + r.below(4),
                    1 => 1 + r.below(20),
                    _ => [2, 3, 4, 6, 8, 9, 10, 11, 12, 13, 15, 16][r.below(12) as usize],
                };
                for k in 0..n {
                    // Skew first digits so card prefixes and dates appear.
                    let d = if k == 0 && r.below(3) == 0 {
                        [b'4', b'5', b'3', b'6', b'1', b'2', b'0', b'9'][r.below(8) as usize]
                    } else {
                        b'0' + r.below(10) as u8
                    };
                    s.push(d);
                }
            }
            10..=13 => s.extend_from_slice(seps[r.below(seps.len() as u64) as usize].as_bytes()),
            14..=15 => {
                if let Some(w) = ctx.get(r.below(ctx.len().max(1) as u64) as usize) {
                    if r.below(2) == 0 {
                        s.extend_from_slice(w.to_ascii_uppercase().as_bytes());
                    } else {
                        s.extend_from_slice(w.as_bytes());
                    }
                }
            }
            16 => {
                if let Some(w) = examples.get(r.below(examples.len().max(1) as u64) as usize) {
                    s.extend_from_slice(w.as_bytes());
                }
            }
            17 => {
                let n = 1 + r.below(3);
                for _ in 0..n {
                    let c = if r.below(2) == 0 { b'A' } else { b'a' };
                    s.push(c + r.below(26) as u8);
                }
            }
            _ => s.push(b' '),
        }
    }
    s
}

fn dump(det: &Detectors, name: &str, t: &[u8], dir: &str) -> std::io::Result<usize> {
    let f = det.scan(t);
    let mut w = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/{name}.txt"))?);
    for x in &f {
        writeln!(
            w,
            "{} {} {} {:?} {}",
            x.start, x.end, x.detector, x.confidence, x.masked
        )?;
    }
    println!("{name}: {} findings", f.len());
    Ok(f.len())
}

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/digest".into());
    let mb: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    std::fs::create_dir_all(&dir)?;
    let det = Detectors::new();
    dump(&det, "prose", &corpus::prose(mb << 20), &dir)?;
    dump(&det, "csv", &corpus::csv(mb << 20), &dir)?;
    dump(&det, "customers", &corpus::customers(mb << 20), &dir)?;
    for seed in 1..=8u64 {
        let t = random(mb << 20, seed * 0x9e37_79b9);
        dump(&det, &format!("random{seed}"), &t, &dir)?;
        // DIGEST_TEXT=1: the random corpus too, to read a changed
        // finding's neighbourhood.
        if std::env::var_os("DIGEST_TEXT").is_some() {
            std::fs::write(format!("{dir}/random{seed}.bin"), &t)?;
        }
    }
    Ok(())
}
