//! Scans every document of a labelled sample and writes predictions in the
//! shape `score.py` expects: `{"doc": ..., "findings": [{"type","start","end"}]}`.
//!
//! cargo run --release -p cordon-detect --example eval -- \
//!     /work/shared/eval/sample /tmp/pred.jsonl [--min-confidence low]
//! python3 /work/shared/eval/score.py /work/shared/eval/sample/labels.jsonl /tmp/pred.jsonl

use std::io::Write;

use cordon_detect::{Confidence, Detectors};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(sample), Some(out)) = (args.first(), args.get(1)) else {
        eprintln!("usage: eval SAMPLE_DIR OUT.jsonl [--min-confidence LEVEL]");
        std::process::exit(2);
    };
    let min = match args.iter().position(|a| a == "--min-confidence") {
        Some(i) => args
            .get(i + 1)
            .and_then(|s| Confidence::parse(s))
            .ok_or("bad --min-confidence")?,
        None => Confidence::Low,
    };
    let det = Detectors::builder().min_confidence(min).build()?;
    let mut docs: Vec<String> = std::fs::read_dir(format!("{sample}/docs"))?
        .filter_map(|e| e.ok())
        .map(|e| format!("docs/{}", e.file_name().to_string_lossy()))
        .collect();
    docs.sort();
    let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
    for doc in docs {
        let text = std::fs::read(format!("{sample}/{doc}"))?;
        let findings: Vec<serde_json::Value> = det
            .scan(&text)
            .into_iter()
            .map(|f| serde_json::json!({"type": f.detector, "start": f.start, "end": f.end, "confidence": f.confidence}))
            .collect();
        writeln!(
            w,
            "{}",
            serde_json::json!({"doc": doc, "findings": findings})
        )?;
    }
    Ok(())
}
