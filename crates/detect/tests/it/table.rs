//! A table header's words are the context of the values in their column
//! (`src/columns.rs`), in a whole scan, a stream and a segment of a file.

use cordon_detect::{Detectors, Finding};

/// A CSV export: the NPI, NHS and SSN columns are named only in the
/// header, and the same numbers stand in an unnamed column too.
fn table(rows: usize) -> String {
    let mut t = String::from("name,npi,nhs_number,ssn,ref\r\n");
    for i in 0..rows {
        t.push_str(&format!(
            "\"Doe, Jane {i}\",1245319599,9434765919,536228726,1245319599\r\n"
        ));
    }
    t
}

fn ids(fs: &[Finding], text: &str) -> Vec<(String, String)> {
    fs.iter()
        .map(|f| (f.detector.to_string(), text[f.start..f.end].to_string()))
        .collect()
}

#[test]
fn a_column_named_in_the_header_gives_its_values_their_context() {
    let t = table(3);
    let fs = Detectors::new().scan(t.as_bytes());
    let found = ids(&fs, &t);
    for d in ["us_npi", "uk_nhs", "us_ssn"] {
        assert_eq!(
            found.iter().filter(|(id, _)| id == d).count(),
            3,
            "{d}: {found:?}"
        );
    }
    // The `ref` column's NPI-shaped number has no word: not reported. Each
    // row's NPI is reported once, in its own column.
    let npi_at: Vec<usize> = fs
        .iter()
        .filter(|f| f.detector == "us_npi")
        .map(|f| f.start)
        .collect();
    for s in npi_at {
        let line_start = t[..s].rfind('\n').unwrap() + 1;
        let row = &t[line_start..s];
        assert_eq!(row.matches(',').count() - 1, 1, "column of {row:?}");
    }
}

#[test]
fn without_a_header_the_numbers_stand_alone() {
    let t = table(3);
    let body = &t[t.find('\n').unwrap() + 1..];
    let fs = Detectors::new().scan(body.as_bytes());
    assert!(
        !fs.iter().any(|f| f.detector == "us_npi"),
        "{:?}",
        ids(&fs, body)
    );
}

#[test]
fn a_stream_and_a_segment_see_the_header_as_a_whole_scan_does() {
    let t = table(2000);
    let det = Detectors::new();
    let whole = det.scan(t.as_bytes());
    for slice in [64usize, 4096, 1 << 20] {
        let mut s = det.stream_with_slice(slice);
        let mut got = Vec::new();
        for piece in t.as_bytes().chunks(1000) {
            got.extend(s.feed(piece));
        }
        got.extend(s.finish());
        assert_eq!(got, whole, "slice {slice}");
    }
    // A segment from the middle of a row on, told where it starts.
    let from = t.len() / 2;
    let mut s = det.stream();
    s.starts_at(from, &t.as_bytes()[..4096]);
    let mut got = s.feed(&t.as_bytes()[from..]);
    got.extend(s.finish());
    let first_row = t[from..].find('\n').unwrap() + from + 1;
    let want: Vec<(String, usize)> = whole
        .iter()
        .filter(|f| f.start >= first_row)
        .map(|f| (f.detector.to_string(), f.start))
        .collect();
    let got: Vec<(String, usize)> = got
        .iter()
        .filter(|f| f.start + from >= first_row)
        .map(|f| (f.detector.to_string(), f.start + from))
        .collect();
    assert_eq!(got, want);
}
