//! `scan` on arbitrary bytes: never panics, offsets are in bounds, sorted
//! and non-overlapping, masks never reveal a secret in full, and a chunked
//! stream (split points taken from the input) finds exactly the same.
#![no_main]

use std::sync::LazyLock;

use cordon_detect::{Category, Detectors};
use libfuzzer_sys::fuzz_target;

static DET: LazyLock<Detectors> = LazyLock::new(Detectors::new);

fuzz_target!(|data: &[u8]| {
    let det = &*DET;
    let whole = det.scan(data);
    let mut prev_end = 0;
    for f in &whole {
        assert!(f.start < f.end && f.end <= data.len());
        assert!(f.start >= prev_end, "overlap");
        prev_end = f.end;
        if f.category != Category::Confidential {
            assert_ne!(f.masked.as_bytes(), &data[f.start..f.end]);
        }
    }
    // Chunk sizes from the first bytes of the input.
    let step = usize::from(data.first().copied().unwrap_or(1)).max(1);
    let mut s = det.stream_with_slice(64);
    let mut got = Vec::new();
    for chunk in data.chunks(step) {
        got.extend(s.feed(chunk));
    }
    got.extend(s.finish());
    assert_eq!(got, whole);
});
