//! Orders an anchor table for aho-corasick's Teddy prefilter.
//!
//! Teddy puts pattern `i` in bucket `B - 1 - i % B` (8 buckets for up to
//! 32 patterns, 16 above), merging patterns whose fingerprints share low
//! nibbles, and reports a candidate wherever every fingerprint byte's two
//! nibbles are in one bucket's sets. So the order of a table decides how
//! often ordinary text is a candidate. This models that test, counts
//! candidates per MB on the bench corpora (and any files given), and
//! searches for an order with fewer.
//!
//! cargo run --release -p cordon-detect --example teddy -- TABLE [ITERATIONS] [FILE…]
//!
//! TABLE is `TOKENS`, `CREDS` or `WORDS` in `src/anchors.rs`; the best
//! order found is printed as the table's literals, to paste back.

#[path = "../benches/corpus.rs"]
mod corpus;

struct Masks {
    mask_len: usize,
    lo: Vec<[u16; 16]>,
    hi: Vec<[u16; 16]>,
}

fn masks(pats: &[Vec<u8>]) -> Masks {
    let mask_len = pats.iter().map(Vec::len).min().unwrap_or(1).min(4);
    let buckets = if pats.len() > 32 { 16 } else { 8 };
    let mut lo = vec![[0u16; 16]; mask_len];
    let mut hi = vec![[0u16; 16]; mask_len];
    let mut seen: std::collections::BTreeMap<Vec<u8>, usize> = Default::default();
    for (id, p) in pats.iter().enumerate() {
        let key: Vec<u8> = p[..mask_len].iter().map(|c| c & 0xF).collect();
        let bucket = *seen.entry(key).or_insert(buckets - 1 - id % buckets);
        for j in 0..mask_len {
            lo[j][(p[j] & 0xF) as usize] |= 1 << bucket;
            hi[j][(p[j] >> 4) as usize] |= 1 << bucket;
        }
    }
    Masks { mask_len, lo, hi }
}

/// A text as its distinct windows of `len` bytes and how often each
/// occurs: Teddy's test sees nothing else, and scoring these instead of
/// every position makes each order tried cheap.
fn windows(t: &[u8], len: usize) -> Vec<(Vec<u8>, u64)> {
    let mut seen: std::collections::HashMap<&[u8], u64> = Default::default();
    for w in t.windows(len) {
        *seen.entry(w).or_default() += 1;
    }
    seen.into_iter().map(|(w, n)| (w.to_vec(), n)).collect()
}

/// A corpus as scored: its name, its windows, its size in MB, its weight.
struct Corpus {
    name: String,
    windows: Vec<(Vec<u8>, u64)>,
    mb: f64,
    weight: f64,
}

/// Candidate positions, and (position, bucket) pairs to verify.
fn candidates(m: &Masks, windows: &[(Vec<u8>, u64)]) -> (u64, u64) {
    let (mut pos, mut pairs) = (0, 0);
    for (w, n) in windows {
        let mut c = u16::MAX;
        for (j, &b) in w.iter().take(m.mask_len).enumerate() {
            c &= m.lo[j][(b & 0xF) as usize] & m.hi[j][(b >> 4) as usize];
            if c == 0 {
                break;
            }
        }
        if c != 0 {
            pos += n;
            pairs += n * u64::from(c.count_ones());
        }
    }
    (pos, pairs)
}

fn score(pats: &[Vec<u8>], corpora: &[Corpus]) -> (f64, Vec<f64>) {
    let m = masks(pats);
    let mut total = 0.0;
    let mut per = Vec::new();
    for c in corpora {
        let (pos, pairs) = candidates(&m, &c.windows);
        per.push(pos as f64 / c.mb);
        total += c.weight * (pos as f64 + 0.3 * pairs as f64) / c.mb;
    }
    (total, per)
}

/// The literals of `table` in anchors.rs, in order.
fn literals(table: &str) -> Vec<Vec<u8>> {
    let src = include_str!("../src/anchors.rs");
    let Some(start) = src.find(&format!("const {table}: &[Anchor] = &[")) else {
        return Vec::new();
    };
    let len = src[start..].find("\n];").unwrap_or(0);
    let body = &src[start..start + len];
    // Every entry is `(prefix, literal, handler, length)` and only the two
    // strings are quoted, however rustfmt lays the entries out: the table's
    // strings in order (comment lines left out, `\"` and `\\` unescaped),
    // every second one a literal.
    let mut strings = Vec::new();
    for line in body.lines().map(str::trim).filter(|l| !l.starts_with("//")) {
        let mut bytes = line.bytes();
        while let Some(c) = bytes.next() {
            if c != b'"' {
                continue;
            }
            let mut lit = Vec::new();
            while let Some(c) = bytes.next() {
                match c {
                    b'"' => break,
                    b'\\' => lit.extend(bytes.next()),
                    _ => lit.push(c),
                }
            }
            strings.push(lit);
        }
    }
    strings.into_iter().skip(1).step_by(2).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let table = args.first().map_or("TOKENS", String::as_str);
    let iterations: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(3000);
    let mut corpora: Vec<(String, Vec<u8>, f64)> = vec![
        ("prose".into(), corpus::prose(4 << 20), 3.0),
        ("csv".into(), corpus::csv(2 << 20), 1.0),
    ];
    let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs");
    let mut md = Vec::new();
    for e in std::fs::read_dir(docs).into_iter().flatten().flatten() {
        if e.path().extension().is_some_and(|x| x == "md") {
            md.extend(std::fs::read(e.path()).unwrap_or_default());
        }
    }
    corpora.push(("docs/*.md".into(), md, 1.0));
    for f in args.iter().skip(2) {
        match std::fs::read(f) {
            Ok(mut text) => {
                text.truncate(4 << 20);
                corpora.push((f.clone(), text, 1.0));
            }
            Err(e) => {
                eprintln!("{f}: {e}");
                std::process::exit(2);
            }
        }
    }
    let pats = literals(table);
    if pats.is_empty() {
        eprintln!("no table `{table}` in src/anchors.rs (TOKENS, CREDS, WORDS)");
        std::process::exit(2);
    }
    let len = pats.iter().map(Vec::len).min().unwrap_or(1).min(4);
    let corpora: Vec<Corpus> = corpora
        .into_iter()
        .map(|(name, text, weight)| Corpus {
            name,
            windows: windows(&text, len),
            mb: text.len() as f64 / 1e6,
            weight,
        })
        .collect();
    let names: Vec<&str> = corpora.iter().map(|c| c.name.as_str()).collect();
    let (s0, per0) = score(&pats, &corpora);
    println!(
        "{table}: {} literals; candidates per MB on {names:?}",
        pats.len()
    );
    println!("table order: {per0:.0?} (score {s0:.0})");
    let mut best = pats.clone();
    let mut best_score = s0;
    let mut rng = corpus::Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..iterations {
        let mut cand = best.clone();
        for _ in 0..1 + rng.below(3) {
            let a = rng.below(cand.len() as u64) as usize;
            let b = rng.below(cand.len() as u64) as usize;
            cand.swap(a, b);
        }
        let (s, _) = score(&cand, &corpora);
        if s < best_score {
            best_score = s;
            best = cand;
        }
    }
    let (_, per) = score(&best, &corpora);
    println!("best found:  {per:.0?} (score {best_score:.0})");
    for p in &best {
        println!("    {:?}", String::from_utf8_lossy(p));
    }
}
