//! Chunked scanning finds exactly what whole scanning finds, for random
//! texts and random chunk splits, including matches across boundaries.

use cordon_detect::{Detectors, Finding};
use proptest::prelude::*;

const FRAGMENTS: &[&str] = &[
    "The quarterly report was sent to the board. ",
    "card 4111 1111 1111 1111 ",
    "SSN 536-22-8726. ",
    "jane.doe@corp.acme.io ",
    "IBAN GB82 WEST 1234 5698 7654 32 ",
    "+1-415-555-2671 ",
    "Login from 198.201.229.65 was blocked. ",
    "AKIAZ5GMHYJ3KDLWQX4T ",
    "NHS number 943 476 5919 ",
    "CONFIDENTIAL\n",
    "Peer fe81:1db7:bb19:be1f:cfda:e28d:efda:b527 timed out ",
    "password = \"Tr0ub4dor&3\"\n",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MmZ7kPqzDCE4g3Ad\n-----END RSA PRIVATE KEY-----\n",
    // A private key in base64, one line and wrapped at 76 (random body).
    "TLS_KEY=LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCkdQekV5b0w4RXNhSmQvd3lYeFFQcGxIOEFDeWprejRqbUJRbG03a25JNHBTaFpGQzhaclhiZWcvZlQzcEcraDgKbXNNbGMrVDFhaDlzZGJFbDdvWDhuckVIQWx1dnRkZ0RXMStJbjgxTEpLNnljK2plY3NibG5BazJ2blhLNitaeQoyR0tsUE95SlY5WVpHV05rSm5zclVnQmhjcHFJdVJoV2xNa1U2YWc1dC9aajNhb2VXcWVIR3dsaWZYanc5QVBQCjhEeSszWHpabUJOUVIyeVRCR1RDdVNzSDVMTS9FbTlpSkx3YkwxMzJabjRUOCtXdlhYMkhkTks0NGNqWFFWSW8KU1RzcDVzdmcvTFJUbEdyd1EyZDhtM0R6ZTluMmNsZGhUKzdKWmp5VURldndCSlNNZ2x5VTU5Rm85NVgwN21WdgpwL0RLT0hROVVPRGRmZEZkMmxBMkQrRk5RRW9RKy94WjkwdHhkZWd2Y1UrRzdsSjJtN2VyVjd4bnVJTG9WR2J1Ci0tLS0tRU5EIEVDIFBSSVZBVEUgS0VZLS0tLS0K\n",
    "tls.key: |\n  LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCkdQekV5b0w4RXNhSmQvd3lYeFFQcGxIOEFD\n  eWprejRqbUJRbG03a25JNHBTaFpGQzhaclhiZWcvZlQzcEcraDgKbXNNbGMrVDFhaDlzZGJFbDdv\n  WDhuckVIQWx1dnRkZ0RXMStJbjgxTEpLNnljK2plY3NibG5BazJ2blhLNitaeQoyR0tsUE95SlY5\n  WVpHV05rSm5zclVnQmhjcHFJdVJoV2xNa1U2YWc1dC9aajNhb2VXcWVIR3dsaWZYanc5QVBQCjhE\n  eSszWHpabUJOUVIyeVRCR1RDdVNzSDVMTS9FbTlpSkx3YkwxMzJabjRUOCtXdlhYMkhkTks0NGNq\n  WFFWSW8KU1RzcDVzdmcvTFJUbEdyd1EyZDhtM0R6ZTluMmNsZGhUKzdKWmp5VURldndCSlNNZ2x5\n  VTU5Rm85NVgwN21WdgpwL0RLT0hROVVPRGRmZEZkMmxBMkQrRk5RRW9RKy94WjkwdHhkZWd2Y1Ur\n  RzdsSjJtN2VyVjd4bnVJTG9WR2J1Ci0tLS0tRU5EIEVDIFBSSVZBVEUgS0VZLS0tLS0K\n",
    "machine git.example.net login ci password Xk9#mP2vL7q\n",
    // Candidates found well after their key (a command's password, an AWS
    // secret beside its id), with another candidate between.
    "curl -k https://10.20.30.40/api -u admin:Xk9#mP2vL7q\n",
    "creds = (\"AKIAQYLPMN5HFIQR7XYA\", \"ViYXjU2JgJngKtFI3OyV2dZAkg05rK/gqv81RKMG\")\n",
    "DOB: 1985-03-14 ",
    "12 34 56 78 90 2024 3.2 ",
    "\u{e9}t\u{e9} \u{fe}\u{ff}\u{0}\n",
    // No-break and narrow spaces, read as spaces (a cut one waits for the
    // next chunk), and lone lead bytes that start no such character.
    "T\u{e9}l.\u{a0}: 01\u{a0}21\u{a0}26\u{a0}29\u{a0}56 ",
    "IBAN\u{202f}FR76\u{202f}3000\u{202f}6000\u{202f}0112\u{202f}3456\u{202f}7890\u{202f}189 ",
    "carte 4111\u{2009}1111\u{2009}1111\u{2009}1111 \u{2013} ",
    "\u{c2} \u{e2}\u{80} ",
];

fn whole(det: &Detectors, text: &[u8]) -> Vec<Finding> {
    det.scan(text)
}

fn chunked(det: &Detectors, text: &[u8], cuts: &[usize], slice: usize) -> Vec<Finding> {
    let mut s = det.stream_with_slice(slice);
    let mut out = Vec::new();
    let mut prev = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (text.len() + 1)).collect();
    cuts.sort_unstable();
    for c in cuts.into_iter().chain([text.len()]) {
        out.extend(s.feed(&text[prev..c]));
        prev = c;
    }
    out.extend(s.finish());
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn chunked_equals_whole(
        picks in proptest::collection::vec(0usize..FRAGMENTS.len(), 100..1500),
        cuts in proptest::collection::vec(any::<usize>(), 0..40),
        slice in prop_oneof![Just(64usize), Just(4096), Just(1 << 20)],
    ) {
        let text: Vec<u8> = picks.iter().flat_map(|&i| FRAGMENTS[i].bytes()).collect();
        let det = Detectors::new();
        prop_assert_eq!(chunked(&det, &text, &cuts, slice), whole(&det, &text));
    }
}

#[test]
fn values_written_with_no_break_spaces_are_placed_in_the_input() {
    let det = Detectors::new();
    let text = "x\u{a0}: 01\u{a0}21\u{a0}26\u{a0}29\u{a0}56 \u{2014} card 4111\u{202f}1111\u{202f}1111\u{202f}1111."
        .as_bytes();
    let want = [
        ("phone", "01\u{a0}21\u{a0}26\u{a0}29\u{a0}56"),
        ("credit_card", "4111\u{202f}1111\u{202f}1111\u{202f}1111"),
    ];
    for cut in 0..=text.len() {
        let got = chunked(&det, text, &[cut, cut + 1, cut + 2], 64);
        assert_eq!(got, whole(&det, text), "cut at {cut}");
        let placed: Vec<(&str, &str)> = got
            .iter()
            .map(|f| {
                (
                    f.detector.as_ref(),
                    std::str::from_utf8(&text[f.start..f.end]).unwrap(),
                )
            })
            .collect();
        assert_eq!(placed, want, "cut at {cut}");
    }
}

#[test]
fn a_whole_scan_in_blocks_equals_the_stream_with_and_without_a_late_fold() {
    // Longer than the whole scan's blocks (256 KiB), values across every
    // block boundary; then the same with one no-break space near the
    // end, which makes the whole scan start again on the folded text.
    let det = Detectors::new();
    let mut text: Vec<u8> = Vec::new();
    let mut i = 0;
    while text.len() < 900 * 1024 {
        text.extend_from_slice(FRAGMENTS[i % 12].as_bytes());
        i += 7;
    }
    let plain = whole(&det, &text);
    assert!(plain.len() > 1000, "{}", plain.len());
    assert_eq!(chunked(&det, &text, &[], 1 << 20), plain);
    text.extend_from_slice("card 4111\u{a0}1111\u{a0}1111\u{a0}1111 end".as_bytes());
    let late = whole(&det, &text);
    assert_eq!(chunked(&det, &text, &[333_333, 700_001], 1 << 20), late);
    assert_eq!(&late[..plain.len()], &plain[..]);
    let last = late.last().unwrap();
    assert_eq!(last.detector, "credit_card");
    assert_eq!(
        &text[last.start..last.end],
        "4111\u{a0}1111\u{a0}1111\u{a0}1111".as_bytes()
    );
}

#[test]
fn matches_straddling_every_boundary_are_found() {
    let det = Detectors::new();
    let mut text = Vec::new();
    for _ in 0..3000 {
        text.extend_from_slice(b"filler text ");
        text.extend_from_slice(b"card 4111 1111 1111 1111 key AKIAZ5GMHYJ3KDLWQX4T ");
    }
    let want = whole(&det, &text);
    assert_eq!(want.len(), 6000);
    // One byte at a time, with a tiny internal slice: every match straddles
    // many feed boundaries.
    let mut s = det.stream_with_slice(512);
    let mut got = Vec::new();
    for b in text.chunks(1) {
        got.extend(s.feed(b));
    }
    got.extend(s.finish());
    assert_eq!(got, want);
}

#[test]
fn memory_stays_bounded() {
    // 64 MB through the scanner in 1 MB chunks: the scanner's own buffer
    // never holds more than a slice plus the fixed carry-over.
    let det = Detectors::new();
    let chunk: Vec<u8> = b"The quarterly report, SSN 536-22-8726, was sent. "
        .iter()
        .copied()
        .cycle()
        .take(1 << 20)
        .collect();
    let mut s = det.stream();
    let mut n = 0;
    for _ in 0..64 {
        n += s.feed(&chunk).len();
        assert!(
            s.buffered() < (1 << 20) + 64 * 1024,
            "buffer grew to {}",
            s.buffered()
        );
    }
    n += s.finish().len();
    assert_eq!(n, det.scan(&chunk.repeat(64)).len());
}

/// Counts of `findings` starting in `keep`, as the scanner's tally lists them.
fn counts(
    findings: &[Finding],
    keep: &std::ops::Range<usize>,
) -> std::collections::BTreeMap<(String, String), u64> {
    let mut m = std::collections::BTreeMap::new();
    for f in findings.iter().filter(|f| keep.contains(&f.start)) {
        *m.entry((f.detector.to_string(), f.confidence.to_string()))
            .or_insert(0) += 1;
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Switched to count-only mode after any chunk, a stream lists what it
    /// listed before the switch and counts the rest in the keep range:
    /// together exactly the findings of a whole scan.
    #[test]
    fn count_only_tally_equals_the_findings_it_replaces(
        picks in proptest::collection::vec(0usize..FRAGMENTS.len(), 100..1500),
        switch_at in any::<usize>(),
        keep_from in any::<usize>(),
        keep_len in any::<usize>(),
        slice in prop_oneof![Just(64usize), Just(4096)],
    ) {
        let text: Vec<u8> = picks.iter().flat_map(|&i| FRAGMENTS[i].bytes()).collect();
        let det = Detectors::new();
        let want = whole(&det, &text);
        let switch_at = switch_at % (text.len() + 1);
        let lo = keep_from % (text.len() + 1);
        let keep = lo..lo.saturating_add(keep_len % (text.len() + 1));

        let mut s = det.stream_with_slice(slice);
        let mut listed = Vec::new();
        s.feed_into(&text[..switch_at], &mut listed);
        s.count_only(keep.clone());
        let mut after = Vec::new();
        s.feed_into(&text[switch_at..], &mut after);
        s.finish_into(&mut after);
        // Nothing is built once counting.
        prop_assert!(after.is_empty());
        // What was listed is the whole scan's prefix.
        prop_assert_eq!(&listed[..], &want[..listed.len()]);
        let tally: std::collections::BTreeMap<(String, String), u64> = s
            .tally()
            .into_iter()
            .map(|(id, _, conf, n)| ((id.to_string(), conf.to_string()), n))
            .collect();
        prop_assert_eq!(tally, counts(&want[listed.len()..], &keep));
    }
}
