//! A value's context word is seen the same way whatever came before it:
//! the context cache tokenises lazily, restarting where a window asks
//! after a gap, and where it restarts must not decide whether a word is
//! found (issue #16, fourth round: `kr_brn` next to `사업자등록번호` glued to
//! the end of a long token was found or not depending on earlier,
//! unrelated findings).

use cordon_detect::{Confidence, Detectors};

const VALUE: &str = "345-73-15526";

/// The `kr_brn` finding of `VALUE` at its place in `text`, if reported.
fn brn(det: &Detectors, text: &str) -> Option<Confidence> {
    let s = text.rfind(VALUE).unwrap();
    det.scan(text.as_bytes())
        .into_iter()
        .find(|f| f.detector == "kr_brn" && f.start == s && f.end == s + VALUE.len())
        .map(|f| f.confidence)
}

/// A token of `n` digits, then letters, then the Korean word glued to its
/// end: one token of `n + 39` bytes (no separator in it), the number after
/// a space. Some of the random corpora of the `digest` example hold this.
fn glued(n: usize) -> String {
    let digits: String = (0..n)
        .map(|k| char::from(b'0' + (k * 7 % 10) as u8))
        .collect();
    format!("{digits}SOZIALVERSICHERUNG사업자등록번호 {VALUE} on file.")
}

#[test]
fn glued_context_word_does_not_depend_on_an_earlier_finding() {
    let det = Detectors::new();
    // Short and long tokens, around the cache's block (64 bytes) and the
    // old 33-byte walk back, and one past the bounded walk back.
    for n in [0, 5, 20, 26, 40, 60, 90, 130, 300, 2000] {
        let alone = glued(n);
        let want = brn(&det, &alone);
        assert!(want.is_some(), "not found alone: {alone}");
        // An earlier finding (a card number, whose confidence asks for
        // its context words) at every distance up to two blocks.
        for gap in 1..=140 {
            for before in ["4111 1111 1111 1111", "8955463)"] {
                // Words between, so the windows are tokenised.
                let words: String = "ab ".chars().cycle().take(gap).collect();
                let text = format!("{before} {words} {alone}");
                assert_eq!(brn(&det, &text), want, "n={n} gap={gap}: {text}");
            }
        }
    }
}
