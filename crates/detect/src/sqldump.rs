//! An SQL dump's rows as a table. A dump names its columns once per
//! statement, not once per text: `INSERT INTO patients (id, npi, phone)
//! VALUES (…),(…);` for each table in turn, PostgreSQL's `COPY
//! public.patients (id, npi, phone) FROM stdin;` before tab-separated
//! lines, and, when an `INSERT` lists no columns (`mysqldump` and SQLite's
//! `.dump` by default), the table's `CREATE TABLE` before it. A value in a
//! row has its column's name as context, as a CSV cell has its header's
//! ([`crate::columns`]), and the column list is not the local context of
//! the values after it (`provider_npi, phone) VALUES (7, '1220904706'` is
//! an NPI, not a phone number).
//!
//! The dump is walked forward once, only as far as values are asked for
//! (and a stream's passes walk on to their end, so the next pass resumes
//! where this one stopped): between statements a line at a time, inside a
//! statement's rows a byte at a time, keeping quotes, nesting and the
//! current row's separators. A walk that cannot resume (a segment of a
//! file scanned on its own, a value asked for behind the walk) answers
//! "no column", and the values are read as in any text.
//!
//! Written here rather than with an SQL parser: a dump is gigabytes of
//! rows that only need their separators counted, the statements around
//! them are a handful of shapes, and a parser would stop at the first
//! dialect quirk a tolerant walk steps over.

use crate::kit::DetSet;

/// Longest statement head (`INSERT INTO … VALUES`, a `COPY` line) read.
const MAX_HEAD: usize = 4096;
/// Longest `CREATE TABLE` read for its column names.
const MAX_CREATE: usize = 64 * 1024;
/// Most tables whose columns are kept (by name) for `INSERT`s without a
/// column list, and most columns of one.
const MAX_TABLES: usize = 1024;
const MAX_COLUMNS: usize = 1024;

/// Where the walk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Between statements, at the start of a line.
    Lines,
    /// Inside an `INSERT`'s rows: `(…),(…)` up to a `;`.
    Values,
    /// Inside a `COPY`'s rows: a line each, up to a line `\.`.
    Copy,
}

#[derive(Debug, Clone)]
pub(crate) struct Sql {
    /// Column names' detectors of each `CREATE TABLE` seen, by the
    /// table's name (lower case, without schema and quotes).
    tables: Vec<(Vec<u8>, Vec<DetSet>)>,
    mode: Mode,
    /// Absolute position walked to.
    at: usize,
    /// The current statement's columns, and where its rows start.
    masks: Vec<DetSet>,
    rows_from: usize,
    /// Backslash escapes in strings (MySQL).
    backslash: bool,
    /// The current row: where it starts, and its separators outside
    /// quotes and nested parentheses.
    row_start: usize,
    delims: Vec<usize>,
    depth: u32,
    quoted: bool,
    escaped: bool,
}

impl Sql {
    /// True if `head`, past comments and blank lines, starts with a
    /// statement of an SQL script (a dump's `SET …;`, `CREATE TABLE`,
    /// `INSERT INTO`, `COPY … FROM stdin;`, MySQL's `/*!40101 … */;`).
    pub(crate) fn sniff(head: &[u8]) -> bool {
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        let head = head.get(..MAX_HEAD.min(head.len())).unwrap_or_default();
        let Some(line) = head
            .split(|&c| c == b'\n')
            .map(<[u8]>::trim_ascii)
            .find(|l| !(l.is_empty() || l.starts_with(b"--") || l.starts_with(b"#")))
        else {
            return false;
        };
        let starts = |p: &[u8]| starts_with_ci(line, p);
        // Statements whose first words are an SQL statement's alone.
        let sure = [
            &b"insert into "[..],
            b"insert ignore into ",
            b"replace into ",
            b"create table ",
            b"drop table ",
            b"lock tables ",
            b"/*!",
        ];
        // Words prose starts with too: only as a statement ending in `;`.
        let ended = [
            &b"set "[..],
            b"begin",
            b"start transaction",
            b"pragma ",
            b"use ",
            b"copy ",
            b"create ",
            b"drop ",
        ];
        sure.iter().any(|p| starts(p)) || (line.ends_with(b";") && ended.iter().any(|p| starts(p)))
    }

    pub(crate) fn new() -> Sql {
        Sql {
            tables: Vec::new(),
            mode: Mode::Lines,
            at: 0,
            masks: Vec::new(),
            rows_from: 0,
            backslash: false,
            row_start: 0,
            delims: Vec::new(),
            depth: 0,
            quoted: false,
            escaped: false,
        }
    }

    /// The detectors named by the column of the value at `s..e`
    /// (absolute), walking `t` (the pass's text, from absolute `base`)
    /// up to `e`; none when the value is not in one row's one cell.
    pub(crate) fn column_mask(&mut self, t: &[u8], base: usize, s: usize, e: usize) -> DetSet {
        self.advance(t, base, e);
        if self.mode == Mode::Lines || s < self.row_start || s < self.rows_from {
            return DetSet::default();
        }
        let col = self.delims.partition_point(|&d| d < s);
        if self.delims.get(col).is_some_and(|&d| d < e) {
            return DetSet::default();
        }
        self.masks.get(col).copied().unwrap_or_default()
    }

    /// For a value at absolute `s` inside a statement's rows, how many
    /// bytes before it are rows (not the statement's column list), if
    /// fewer than `before`.
    pub(crate) fn rows_before(
        &mut self,
        t: &[u8],
        base: usize,
        s: usize,
        before: usize,
    ) -> Option<usize> {
        self.advance(t, base, s);
        (self.mode != Mode::Lines && s >= self.rows_from && s - self.rows_from < before)
            .then(|| s - self.rows_from)
    }

    /// Walks `t` (from absolute `base`) up to absolute `to`.
    pub(crate) fn advance(&mut self, t: &[u8], base: usize, to: usize) {
        let end = base + t.len();
        let to = to.min(end);
        if self.at < base {
            // What lay between is gone: resume at the next line, between
            // statements.
            self.leave();
            self.at = match t.iter().position(|&c| c == b'\n') {
                Some(n) if base > 0 => base + n + 1,
                _ => base,
            };
        }
        while self.at < to {
            match self.mode {
                Mode::Lines => self.statement(t, base),
                Mode::Values => self.values(t, base, to),
                Mode::Copy => self.copy(t, base, to),
            }
        }
    }

    fn leave(&mut self) {
        self.mode = Mode::Lines;
        self.masks.clear();
        self.delims.clear();
        (self.depth, self.quoted, self.escaped) = (0, false, false);
    }

    /// At a line's start between statements: enters the statement the
    /// line starts, or steps to the next line.
    fn statement(&mut self, t: &[u8], base: usize) {
        let from = self.at - base;
        let rest = t.get(from..).unwrap_or_default();
        let nl = rest.iter().position(|&c| c == b'\n');
        let next_line = self.at + nl.map_or(rest.len(), |n| n + 1);
        let line = rest.get(..nl.unwrap_or(rest.len())).unwrap_or_default();
        let lead = line.len() - line.trim_ascii_start().len();
        let head = line
            .get(lead..lead + MAX_HEAD.min(line.len() - lead))
            .unwrap_or_default();
        let head_at = self.at + lead;
        self.at = next_line;
        if let Some(k) = ["insert into ", "insert ignore into ", "replace into "]
            .iter()
            .find(|p| starts_with_ci(head, p.as_bytes()))
            .map(|p| p.len())
        {
            self.insert(head, head_at, k);
        } else if starts_with_ci(head, b"copy ") {
            self.copy_head(head, next_line);
        } else if starts_with_ci(head, b"create table ") {
            let stmt = rest.get(lead..).unwrap_or_default();
            let stmt = stmt.get(..MAX_CREATE.min(stmt.len())).unwrap_or_default();
            self.create(stmt);
        }
    }

    /// `INSERT INTO name [(columns)] VALUES …`: its rows start after
    /// `VALUES`, on this line.
    fn insert(&mut self, head: &[u8], head_at: usize, k: usize) {
        let rest = head.get(k..).unwrap_or_default();
        let (name, after) = table_name(rest);
        let after = after.trim_ascii_start();
        let (masks, after) = match after.strip_prefix(b"(") {
            Some(list) => match matching_paren(list) {
                Some(close) => (
                    names(list.get(..close).unwrap_or_default()),
                    list.get(close + 1..).unwrap_or_default(),
                ),
                None => return,
            },
            None => (self.table(&name), after),
        };
        let after_trim = after.trim_ascii_start();
        if !starts_with_ci(after_trim, b"values") {
            return;
        }
        let values_end = head.len() - after_trim.len() + b"values".len();
        self.masks = masks;
        self.backslash = head.get(..values_end).is_some_and(|h| h.contains(&b'`'));
        self.mode = Mode::Values;
        self.at = head_at + values_end;
        self.rows_from = self.at;
        self.row_start = self.at;
        self.delims.clear();
        (self.depth, self.quoted, self.escaped) = (0, false, false);
    }

    /// `COPY name (columns) FROM stdin;`: its rows are the lines after.
    fn copy_head(&mut self, head: &[u8], next_line: usize) {
        let head = head.trim_ascii_end();
        if !ends_with_ci(head, b"from stdin;") {
            return;
        }
        let (name, after) = table_name(head.get(5..).unwrap_or_default());
        let after = after.trim_ascii_start();
        let masks = match after.strip_prefix(b"(") {
            Some(list) => match matching_paren(list) {
                Some(close) => names(list.get(..close).unwrap_or_default()),
                None => return,
            },
            None => self.table(&name),
        };
        self.masks = masks;
        self.mode = Mode::Copy;
        self.at = next_line;
        self.rows_from = next_line;
        self.row_start = next_line;
        self.delims.clear();
    }

    /// `CREATE TABLE name (definitions)`: the names of its columns (not
    /// its keys and constraints), kept for `INSERT`s that list none.
    fn create(&mut self, stmt: &[u8]) {
        let mut rest = stmt.get(b"create table ".len()..).unwrap_or_default();
        rest = rest.trim_ascii_start();
        if starts_with_ci(rest, b"if not exists ") {
            rest = rest.get(b"if not exists ".len()..).unwrap_or_default();
        }
        let (name, after) = table_name(rest);
        let Some(body) = after.trim_ascii_start().strip_prefix(b"(") else {
            return;
        };
        let Some(close) = matching_paren(body) else {
            return;
        };
        let mut masks = Vec::new();
        for def in split_top(body.get(..close).unwrap_or_default()) {
            let def = def.trim_ascii();
            let first = first_token(def);
            let word = unquote(first).to_ascii_lowercase();
            const NOT_COLUMNS: &[&[u8]] = &[
                b"primary",
                b"key",
                b"unique",
                b"index",
                b"constraint",
                b"foreign",
                b"check",
                b"fulltext",
                b"spatial",
                b"exclude",
                b"period",
            ];
            let quoted = matches!(first.first(), Some(b'`' | b'"' | b'['));
            if word.is_empty() || (!quoted && NOT_COLUMNS.contains(&word.as_slice())) {
                continue;
            }
            if masks.len() < MAX_COLUMNS {
                masks.push(crate::columns::cell_mask(unquote(first)));
            }
        }
        if let Some(i) = self.tables.iter().position(|(n, _)| *n == name) {
            if let Some(t) = self.tables.get_mut(i) {
                t.1 = masks;
            }
        } else if self.tables.len() < MAX_TABLES {
            self.tables.push((name, masks));
        }
    }

    fn table(&self, name: &[u8]) -> Vec<DetSet> {
        self.tables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }

    /// The bytes of `t` (from absolute `base`) between the walk and `to`.
    fn unwalked<'t>(&self, t: &'t [u8], base: usize, to: usize) -> Option<&'t [u8]> {
        t.get(self.at.checked_sub(base)?..to.checked_sub(base)?)
    }

    /// Walks an `INSERT`'s rows up to `to` (or the statement's `;`).
    fn values(&mut self, t: &[u8], base: usize, to: usize) {
        let Some(bytes) = self.unwalked(t, base, to) else {
            self.at = to;
            return;
        };
        for (k, &c) in bytes.iter().enumerate() {
            let i = self.at + k;
            // A line that starts a statement ends the rows before it, even
            // where a quote was left open (a dialect's escape misread): the
            // walk heals at the next statement.
            if c == b'\n' && starts_statement(t.get(i + 1 - base..).unwrap_or_default()) {
                self.leave();
                self.at = i + 1;
                return;
            }
            if self.quoted {
                if self.escaped {
                    self.escaped = false;
                } else if c == b'\\' && self.backslash {
                    self.escaped = true;
                } else if c == b'\'' {
                    self.quoted = false;
                }
                continue;
            }
            match c {
                b'\'' => self.quoted = true,
                b'(' => {
                    self.depth += 1;
                    if self.depth == 1 {
                        self.row_start = i + 1;
                        self.delims.clear();
                    }
                }
                b')' => self.depth = self.depth.saturating_sub(1),
                b',' if self.depth == 1 => self.delims.push(i),
                b';' if self.depth == 0 => {
                    // The statement ends; the next starts on a new line.
                    self.leave();
                    let rest = t.get(i + 1 - base..).unwrap_or_default();
                    self.at = i
                        + 1
                        + rest
                            .iter()
                            .position(|&c| c == b'\n')
                            .map_or(rest.len(), |n| n + 1);
                    return;
                }
                _ => {}
            }
        }
        self.at = to;
    }

    /// Walks a `COPY`'s rows (a line each, tab-separated, no quotes) up to
    /// `to` (or the line `\.` that ends them).
    fn copy(&mut self, t: &[u8], base: usize, to: usize) {
        let Some(bytes) = self.unwalked(t, base, to) else {
            self.at = to;
            return;
        };
        for (k, &c) in bytes.iter().enumerate() {
            let i = self.at + k;
            if i == self.row_start && t.get(i - base..).is_some_and(|r| r.starts_with(b"\\.")) {
                self.leave();
                self.at = i;
                return;
            }
            match c {
                b'\t' => self.delims.push(i),
                b'\n' => {
                    self.row_start = i + 1;
                    self.delims.clear();
                }
                _ => {}
            }
        }
        self.at = to;
    }
}

/// True if `line` starts an `INSERT`, `COPY` or `CREATE TABLE`.
fn starts_statement(line: &[u8]) -> bool {
    [
        "insert into ",
        "insert ignore into ",
        "replace into ",
        "copy ",
        "create table ",
    ]
    .iter()
    .any(|p| starts_with_ci(line, p.as_bytes()))
}

fn starts_with_ci(s: &[u8], p: &[u8]) -> bool {
    s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p))
}

fn ends_with_ci(s: &[u8], p: &[u8]) -> bool {
    s.len() >= p.len()
        && s.get(s.len() - p.len()..)
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
}

/// A table's name at the start of `s` (`public.t`, `` `t` ``, `"t"`,
/// `[dbo].[t]`): its last part, unquoted, in lower case; and what follows.
fn table_name(s: &[u8]) -> (Vec<u8>, &[u8]) {
    let s = s.trim_ascii_start();
    let mut i = 0;
    let mut quote = None;
    while let Some(&c) = s.get(i) {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, b'`' | b'"') => quote = Some(c),
            None if c == b'[' => quote = Some(b']'),
            None if c.is_ascii_whitespace() || c == b'(' => break,
            None => {}
        }
        i += 1;
    }
    let full = s.get(..i).unwrap_or_default();
    let last = full.rsplit(|&c| c == b'.').next().unwrap_or_default();
    (
        unquote(last).to_ascii_lowercase(),
        s.get(i..).unwrap_or_default(),
    )
}

/// `name` without the quotes an identifier may have.
fn unquote(name: &[u8]) -> &[u8] {
    let n = name.trim_ascii();
    match (n.first(), n.last()) {
        (Some(b'`'), Some(b'`')) | (Some(b'"'), Some(b'"')) | (Some(b'['), Some(b']'))
            if n.len() >= 2 =>
        {
            n.get(1..n.len() - 1).unwrap_or_default()
        }
        _ => n,
    }
}

/// The first token of a column definition: a quoted identifier whole,
/// or up to a space.
fn first_token(def: &[u8]) -> &[u8] {
    let close = match def.first() {
        Some(b'`') => Some(b'`'),
        Some(b'"') => Some(b'"'),
        Some(b'[') => Some(b']'),
        _ => None,
    };
    let end = match close {
        Some(q) => def
            .iter()
            .skip(1)
            .position(|&c| c == q)
            .map_or(def.len(), |p| p + 2),
        None => def
            .iter()
            .position(|c| c.is_ascii_whitespace())
            .unwrap_or(def.len()),
    };
    def.get(..end).unwrap_or_default()
}

/// The position of the `)` that closes a list whose `(` is just before
/// `s`, outside quotes.
fn matching_paren(s: &[u8]) -> Option<usize> {
    let mut depth = 0u32;
    let mut quote = None;
    for (i, &c) in s.iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'\'' | b'"' | b'`' => quote = Some(c),
                b'(' => depth += 1,
                b')' if depth == 0 => return Some(i),
                b')' => depth -= 1,
                _ => {}
            },
        }
    }
    None
}

/// `s` split at its commas outside quotes and parentheses.
fn split_top(s: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut from) = (0u32, None, 0);
    for (i, &c) in s.iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'\'' | b'"' | b'`' => quote = Some(c),
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                b',' if depth == 0 => {
                    out.push(s.get(from..i).unwrap_or_default());
                    from = i + 1;
                }
                _ => {}
            },
        }
    }
    out.push(s.get(from..).unwrap_or_default());
    out
}

/// The detectors each name of a column list names.
fn names(list: &[u8]) -> Vec<DetSet> {
    split_top(list)
        .into_iter()
        .take(MAX_COLUMNS)
        .map(|n| crate::columns::cell_mask(unquote(n)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::D;

    fn mask_of(sql: &mut Sql, t: &[u8], v: &[u8]) -> DetSet {
        let s = t.windows(v.len()).rposition(|w| w == v).unwrap();
        sql.column_mask(t, 0, s, s + v.len())
    }

    #[test]
    fn scripts_are_told_from_prose() {
        assert!(Sql::sniff(
            b"-- MySQL dump 10.13\n--\n/*!40101 SET NAMES utf8mb4 */;\n"
        ));
        assert!(Sql::sniff(
            b"--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n"
        ));
        assert!(Sql::sniff(
            b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
        ));
        assert!(Sql::sniff(
            b"INSERT INTO p (id, npi) VALUES (1, '2523270314');\n"
        ));
        assert!(!Sql::sniff(b"Set the phone number below.\n"));
        assert!(!Sql::sniff(b"Use this form to insert into the table.\n"));
        assert!(!Sql::sniff(b"name,phone\n"));
    }

    /// Each statement names its own rows' columns: an extended `INSERT`,
    /// one `INSERT` a row, and an `INSERT` without a list after its
    /// `CREATE TABLE`.
    #[test]
    fn every_statement_names_its_rows() {
        let npi = D::UsNpi as usize;
        let phone = D::Phone as usize;
        let t = b"-- dump\nSET NAMES utf8;\n\
            CREATE TABLE `staff` (\n  `id` int NOT NULL,\n  `full_name` varchar(100),\n  `provider_npi` char(10) DEFAULT NULL,\n  `phone` varchar(20),\n  PRIMARY KEY (`id`),\n  KEY `npi` (`provider_npi`)\n) ENGINE=InnoDB;\n\
            INSERT INTO `staff` VALUES (1,'O\\'Brien, Jo','2523270314','0312 662 52 72'),(2,'Ng (Al)','1408142143','0171 790 4616');\n\
            INSERT INTO patients (id, phone, note) VALUES (7, '0171 790 4617', 'npi; x');\n\
            INSERT INTO patients (id, note, provider_npi) VALUES (8, 'a,b', '1234567893');\n";
        let mut sql = Sql::new();
        assert!(mask_of(&mut sql, t, b"2523270314").has(npi));
        assert!(mask_of(&mut sql, t, b"0312 662 52 72").has(phone));
        assert!(mask_of(&mut sql, t, b"1408142143").has(npi));
        assert!(!mask_of(&mut sql, t, b"1408142143").has(phone));
        assert!(mask_of(&mut sql, t, b"0171 790 4616").has(phone));
        assert!(mask_of(&mut sql, t, b"0171 790 4617").has(phone));
        assert!(mask_of(&mut sql, t, b"1234567893").has(npi));
        // The column list is not the rows' local context.
        let s = t.windows(10).rposition(|w| w == b"1234567893").unwrap();
        let mut sql = Sql::new();
        assert_eq!(sql.rows_before(t, 0, s, 64), Some(13));
    }

    #[test]
    fn copy_rows_are_lines_until_the_end_mark() {
        let npi = D::UsNpi as usize;
        let t = b"SET x = 0;\nCOPY public.p (id, billing_npi, note) FROM stdin;\n1\t2523270314\tsaid \"hi\n2\t1408142143\tok\n\\.\n\nSELECT 1408142143;\n";
        let mut sql = Sql::new();
        let s = t.windows(10).position(|w| w == b"1408142143").unwrap();
        assert!(sql.column_mask(t, 0, s, s + 10).has(npi));
        let s = t.windows(10).rposition(|w| w == b"1408142143").unwrap();
        assert!(sql.column_mask(t, 0, s, s + 10).is_empty());
    }

    proptest::proptest! {
        /// On texts made of a dump's pieces, the walk answers a position
        /// the same whether it got there in steps (asked on the way) or
        /// at once, and never reads past its text.
        #[test]
        fn a_walk_in_steps_answers_as_a_walk_at_once(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "INSERT INTO `t` VALUES ", "INSERT INTO t (npi, phone) VALUES", "COPY t (npi) FROM stdin;",
                "CREATE TABLE t (\n `npi` int,\n KEY (npi)\n);", "(", ")", ",", "'", "\\", ";", "\n",
                "\\.\n", "\t", "1245319599", " ", "x", "--", "VALUES",
            ]), 0..40),
            asks in proptest::collection::vec(0usize..400, 0..8),
        ) {
            let t = pieces.concat().into_bytes();
            let mut asks: Vec<usize> = asks.into_iter().map(|a| a.min(t.len())).collect();
            asks.sort_unstable();
            let mut stepped = Sql::new();
            let mut last_end = 0;
            for &a in &asks {
                // Values are asked in order, each after the last one's end.
                if a < last_end {
                    continue;
                }
                let e = (a + 3).min(t.len());
                last_end = e;
                let got = stepped.column_mask(&t, 0, a, e);
                let at_once = Sql::new().column_mask(&t, 0, a, e);
                proptest::prop_assert_eq!(got, at_once);
                proptest::prop_assert!(stepped.at <= t.len());
            }
        }
    }

    /// A quote left open by an escape of another dialect (`\'` in a
    /// dump without backticks) ends at the next statement.
    #[test]
    fn an_open_quote_heals_at_the_next_statement() {
        let npi = D::UsNpi as usize;
        let t = b"INSERT INTO a (note, x) VALUES ('it\\'s', 1);\nINSERT INTO b (x, npi) VALUES (1, '1408142143');\n";
        let mut sql = Sql::new();
        assert!(mask_of(&mut sql, t, b"1408142143").has(npi));
    }

    /// A pass that starts behind the walk's bytes resumes at a line start.
    #[test]
    fn a_window_past_the_walk_resumes_at_the_next_statement() {
        let npi = D::UsNpi as usize;
        let t = b"INSERT INTO a (npi) VALUES ('2523270314');\nINSERT INTO b (x, npi) VALUES (1, '1408142143');\n";
        let mut sql = Sql::new();
        let base = 10;
        let w = &t[base..];
        let s = w.windows(10).position(|x| x == b"1408142143").unwrap();
        assert!(sql.column_mask(w, base, base + s, base + s + 10).has(npi));
    }
}
