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

/// In a tab- or `|`-separated export a number between two other numbers
/// looks like a cell of a numeric table, which needs its word right
/// before it; the header's column name is that word. An unnamed column
/// beside it keeps the rule.
#[test]
fn a_named_column_of_a_tab_or_pipe_export_is_not_a_numeric_table() {
    for sep in ["\t", "|"] {
        let mut t = format!("id{sep}npi{sep}nhs_number{sep}card_number{sep}ref{sep}amount\n");
        for i in 0..3 {
            t.push_str(&format!(
                "{}{sep}1245319599{sep}9434765919{sep}6011000990139424{sep}9434765919{sep}12.50\n",
                1000 + i
            ));
        }
        let fs = Detectors::new().scan(t.as_bytes());
        let found = ids(&fs, &t);
        for (d, v) in [
            ("us_npi", "1245319599"),
            ("uk_nhs", "9434765919"),
            ("credit_card", "6011000990139424"),
        ] {
            assert_eq!(
                found.iter().filter(|(id, x)| id == d && x == v).count(),
                3,
                "{sep:?} {d}: {found:?}"
            );
        }
    }
}

/// The header's words are each column's context, not the local context of
/// the first rows below them: a number valid as both an NPI and an NHS
/// number in the first row of the NPI column is an NPI although "NHS
/// Number" stands a few bytes before it, and a dashed NHS number under
/// its own header is not the phone number the next column names.
#[test]
fn the_header_line_is_not_the_first_rows_local_context() {
    let t = "| Patient | NPI | SSN | NHS Number | Phone |\n\
             |---|---|---|---|---|\n\
             | Zoe O'Brien | 2633720471 | 590-68-3996 | 499-898-8034 | 801-696-2210 |\n";
    let fs = Detectors::new().scan(t.as_bytes());
    let found = ids(&fs, t);
    for (d, v) in [
        ("us_npi", "2633720471"),
        ("us_ssn", "590-68-3996"),
        ("uk_nhs", "499-898-8034"),
        ("phone", "801-696-2210"),
    ] {
        assert!(
            found.iter().any(|(id, x)| id == d && x == v),
            "{d} {v}: {found:?}"
        );
    }
    assert_eq!(found.len(), 4, "{found:?}");
}

/// A value in an NHS column that fails the NHS check is a mistyped NHS
/// number: not the phone number its 3-3-4 layout would otherwise be read
/// as. The phone column beside it keeps its phones.
#[test]
fn a_failed_nhs_number_in_its_column_is_not_a_phone() {
    let t = "patient_name\tnhs_number\tdob\tcontact_phone\n\
             Jack Wright\t963 494 1279\t26/06/2024\t801 696 2210\n\
             Ava Murphy\t503 759 9774\t01/06/2022\t801 696 2210\n";
    let fs = Detectors::new().scan(t.as_bytes());
    let found = ids(&fs, t);
    assert!(
        !found
            .iter()
            .any(|(_, x)| x == "963 494 1279" || x == "503 759 9774"),
        "{found:?}"
    );
    assert_eq!(
        found.iter().filter(|(id, _)| id == "phone").count(),
        2,
        "{found:?}"
    );
}

/// An SQL dump of three tables, each naming its columns its own way:
/// `mysqldump`'s extended `INSERT` without a column list (its `CREATE
/// TABLE` names them), `pg_dump`'s `COPY`, and one `INSERT` a row with
/// its list. The same NPI-shaped numbers stand in a `ref` column that
/// names nothing.
fn sql_dump(rows: usize) -> String {
    let mut t = String::from(
        "-- MySQL dump 10.13\n/*!40101 SET NAMES utf8mb4 */;\n\
         DROP TABLE IF EXISTS `staff`;\n\
         CREATE TABLE `staff` (\n  `id` int NOT NULL,\n  `full_name` varchar(100),\n  \
         `ref` char(10),\n  `provider_npi` char(10) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;\n\
         INSERT INTO `staff` VALUES ",
    );
    for i in 0..rows {
        if i > 0 {
            t.push(',');
        }
        t.push_str(&format!(
            "({i},'O\\'Brien, Jo (#{i})','1245319599','1245319599')"
        ));
    }
    t.push_str(";\nCOPY public.claims (id, ref, billing_npi) FROM stdin;\n");
    for i in 0..rows {
        t.push_str(&format!("{i}\t1245319599\t1245319599\n"));
    }
    t.push_str("\\.\n\n");
    for i in 0..rows {
        t.push_str(&format!(
            "INSERT INTO visits (id, ref, npi, phone) VALUES ({i}, '1245319599', '1245319599', NULL);\n"
        ));
    }
    t
}

#[test]
fn every_statement_of_an_sql_dump_names_its_own_rows() {
    let t = sql_dump(40);
    let det = Detectors::new();
    let fs = det.scan(t.as_bytes());
    let found = ids(&fs, &t);
    // One NPI a row of each table, none in a `ref` column, and the
    // `phone` of a column list is not the NPI's word.
    assert_eq!(
        found.iter().filter(|(d, _)| d == "us_npi").count(),
        120,
        "{found:?}"
    );
    assert!(!found.iter().any(|(d, _)| d == "phone"), "{found:?}");
    // Each is its row's second such number: the NPI column's, not ref's.
    for f in fs.iter().filter(|f| f.detector == "us_npi") {
        let row = t[..f.start]
            .rfind('\n')
            .max(t[..f.start].rfind("O\\'Brien"))
            .unwrap();
        let before = &t[row..f.start];
        assert_eq!(before.matches("1245319599").count(), 1, "{before:?}");
    }
    // A stream cut anywhere finds the same.
    for slice in [64usize, 4096, 1 << 20] {
        let mut s = det.stream_with_slice(slice);
        let mut got = Vec::new();
        for piece in t.as_bytes().chunks(777) {
            got.extend(s.feed(piece));
        }
        got.extend(s.finish());
        assert_eq!(got, fs, "slice {slice}");
    }
}
