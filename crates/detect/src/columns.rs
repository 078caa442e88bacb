//! A table's header as context: in a CSV or TSV export the word that says
//! what a column holds is in the first line (`name,npi,phone`), far from
//! the values below it. A value in a column whose header cell holds a
//! detector's context phrase has that context, as if the word stood
//! beside it.
//!
//! The header is read once per text (per stream, from its first line),
//! and a value's column is the number of delimiters before it on its
//! line, outside double quotes. A row is walked once and its delimiters
//! kept, so every value of the row is answered from them, in any order.
//! Only a detector named by some header cell asks at all.

use std::sync::LazyLock;

use crate::builtin::BUILTINS;
use crate::ctx::phrases_in;
use crate::kit::{DetSet, GENERIC_NATIONAL_ID};

/// Longest header line looked at: a stream's first pass holds at least
/// this much (`stream::KEEP_RIGHT`), so a stream finds the header a whole
/// scan finds.
pub(crate) const MAX_HEADER: usize = 4096;
/// Longest header cell: longer ones are text, not a column's name.
const MAX_CELL: usize = 64;
/// Furthest a value's line start is looked for, back from the value.
const MAX_ROW: usize = 8 * 1024;
/// Furthest past the last row walked that rows are walked forward to a
/// value's; further, its row's start is searched back from it.
const NEXT_ROWS: usize = 512;

/// The delimiters a header may use, in order of preference on a tie.
const DELIMS: [u8; 4] = [b',', b'\t', b';', b'|'];

#[derive(Debug, Clone)]
pub(crate) struct Columns {
    delim: u8,
    /// The quote that hides delimiters in a row: `"` in CSV, `'` in an
    /// SQL dump's rows, none (0) in PostgreSQL's `COPY` text.
    quote: u8,
    /// Per column, the detectors its header cell names.
    masks: Vec<DetSet>,
    /// Every detector some column names.
    any: DetSet,
    /// Where the rows start (after the header line), from the text's start.
    body_from: usize,
    /// The position, from the text's start, of the current pass's first
    /// byte (a stream's passes see a window of it).
    base: usize,
    /// The line last looked at, from the text's start (`start..end`), and
    /// the positions of its delimiters outside quotes.
    line: (usize, usize),
    delims: Vec<usize>,
    /// A fixed-width table (no delimiter; a rule of `=` or `-` runs under
    /// the header): where each column starts, in characters from the
    /// line's start. A value's column is the one it starts in.
    fixed: Vec<usize>,
}

impl Columns {
    /// The header of a text that starts with `head` (at least its first
    /// line, when it has one), if that line is a delimited header naming
    /// at least one detector's context.
    pub(crate) fn of(head: &[u8]) -> Option<Columns> {
        let bom = if head.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        // Comment and blank lines before the header (`# export of …`, an
        // SQL dump's `-- …`), and Excel's delimiter directive (`sep=;`),
        // which names the delimiter.
        let mut from = bom;
        let mut sep = None;
        let (start, end) = loop {
            let rest = head.get(from..MAX_HEADER.min(head.len()))?;
            let n = rest.iter().position(|&c| c == b'\n')?;
            let line = rest.get(..n)?.trim_ascii();
            if let [b's' | b'S', b'e' | b'E', b'p' | b'P', b'=', c] = line
                && DELIMS.contains(c)
            {
                sep = Some(*c);
            } else if !(line.is_empty() || line.starts_with(b"#") || line.starts_with(b"--")) {
                break (from, from + n);
            }
            from += n + 1;
        };
        let line = head.get(start..end)?;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        // An SQL dump names its columns in the statement before the rows;
        // otherwise the header line is cells itself.
        let (line, cell_delim, delim, quote) = match sql_columns(line) {
            Some(sql) => sql,
            None => {
                let delim = match sep {
                    Some(d) => d,
                    None => DELIMS.iter().copied().max_by_key(|&d| {
                        (count_outside_quotes(line, d, b'"'), std::cmp::Reverse(d))
                    })?,
                };
                (line, delim, delim, b'"')
            }
        };
        let n = count_outside_quotes(line, cell_delim, b'"');
        if n == 0 {
            return Self::fixed_width(head, line, end);
        }
        // A table's first row has the header's cells: a line of prose or a
        // changelog's title with one `;` in it is not a header. (An SQL
        // row may end with the `,` before the next row.)
        let mut rest = head.get(end + 1..MAX_HEADER.min(head.len()))?;
        let mut row_end = rest.iter().position(|&c| c == b'\n')?;
        // A rule under the header (psql's `-----+-----`, a fixed-width
        // report's `=====  =====`) is not the first row.
        if is_rule(rest.get(..row_end)?) {
            rest = rest.get(row_end + 1..)?;
            row_end = rest.iter().position(|&c| c == b'\n')?;
        }
        let row = rest.get(..row_end)?;
        let got = count_outside_quotes(row.strip_suffix(b"\r").unwrap_or(row), delim, quote);
        if got != n && !(quote == b'\'' && got == n + 1) {
            return None;
        }
        Self::named(
            cells(line, cell_delim, b'"'),
            delim,
            quote,
            end + 1,
            Vec::new(),
        )
    }

    /// The columns of header `cells`, if some cell names a detector's
    /// context and none is too long to be a column's name.
    fn named<'h>(
        cells: impl Iterator<Item = &'h [u8]>,
        delim: u8,
        quote: u8,
        body_from: usize,
        fixed: Vec<usize>,
    ) -> Option<Columns> {
        let mut masks = Vec::new();
        let mut any = DetSet::default();
        for cell in cells {
            let cell = trim(cell);
            if cell.len() > MAX_CELL {
                return None;
            }
            let m = cell_mask(cell);
            any |= m;
            masks.push(m);
        }
        if any == DetSet::default() {
            return None;
        }
        Some(Columns {
            delim,
            quote,
            masks,
            any,
            body_from,
            base: 0,
            line: (0, 0),
            delims: Vec::new(),
            fixed,
        })
    }

    /// A fixed-width table's header `line` (ending at `end` of `head`):
    /// the line after it is a rule of runs of `=` or `-` parted by spaces
    /// (`==========  ==========`, as reports and reStructuredText print
    /// tables), whose runs are the columns.
    #[cold]
    fn fixed_width(head: &[u8], line: &[u8], end: usize) -> Option<Columns> {
        let rest = head.get(end + 1..MAX_HEADER.min(head.len()))?;
        let rule = rest.get(..rest.iter().position(|&c| c == b'\n')?)?;
        let rule = rule.strip_suffix(b"\r").unwrap_or(rule);
        if !is_rule(rule) || rule.iter().any(|&c| matches!(c, b'+' | b'|' | b'\t')) {
            return None;
        }
        // Runs of the rule, in characters (the rule is ASCII).
        let mut runs = Vec::new();
        let mut i = 0;
        while i < rule.len() {
            if rule.get(i) == Some(&b' ') {
                i += 1;
                continue;
            }
            let len = rule.get(i..)?.iter().take_while(|&&c| c != b' ').count();
            runs.push((i, i + len));
            i += len;
        }
        if runs.len() < 2 {
            return None;
        }
        let chars: Vec<usize> = (0..line.len())
            .filter(|&i| line.get(i).is_some_and(|&c| c & 0xC0 != 0x80))
            .collect();
        let byte_at = |ch: usize| chars.get(ch).copied().unwrap_or(line.len());
        let cells = runs
            .iter()
            .map(|&(a, b)| line.get(byte_at(a)..byte_at(b)).unwrap_or_default());
        let starts = runs.iter().map(|&(a, _)| a).collect();
        Self::named(cells, 0, 0, end + 1, starts)
    }

    /// The next pass sees the text from `base` on.
    pub(crate) fn rebase(&mut self, base: usize) {
        self.base = base;
    }

    /// For a value at `s` of the pass's text in the table's body whose
    /// context window (`before` bytes) reaches back into the header line:
    /// how many bytes before it are body. The header's words are the
    /// columns' context, each for its own column, not the local context
    /// of the first rows (`| NPI | NHS Number |` above `| 2633720471 |`).
    #[inline(always)]
    pub(crate) fn body_before(&self, s: usize, before: usize) -> Option<usize> {
        let abs = self.base + s;
        (abs >= self.body_from && abs - self.body_from < before).then(|| abs - self.body_from)
    }

    /// True if some column names detector `d`.
    #[inline(always)]
    pub(crate) fn names(&self, d: usize) -> bool {
        self.any.has(d)
    }

    /// True if the value at `s..e` of `t` (the pass's text) lies in a
    /// column whose header names detector `d`.
    pub(crate) fn has(&mut self, t: &[u8], d: usize, s: usize, e: usize) -> bool {
        let abs = self.base + s;
        if abs < self.body_from {
            return false;
        }
        let Some(col) = self.column(t, s) else {
            return false;
        };
        // A value across a delimiter spans cells: no one column's.
        let end = self.base + e;
        if self.delims.get(col).is_some_and(|&d| d < end) {
            return false;
        }
        self.masks.get(col).is_some_and(|m| m.has(d))
    }

    /// The column of position `s` of `t`: the delimiters before it on its
    /// line, outside quotes. A line is walked once, its delimiters kept,
    /// and every lookup on it answered from them.
    fn column(&mut self, t: &[u8], s: usize) -> Option<usize> {
        let abs = self.base + s;
        if !(self.line.0 <= abs && abs < self.line.1) {
            self.walk_line(t, s)?;
        }
        Some(self.delims.partition_point(|&d| d < abs))
    }

    /// Reads the line of `t` around `s` into `line` and `delims`.
    fn walk_line(&mut self, t: &[u8], s: usize) -> Option<()> {
        let abs = self.base + s;
        // Rows are read in order: the next row starts after the last one's
        // newline, and walking forward to `s` finds its row without a
        // search backwards.
        let (last_end, near) = (self.line.1, NEXT_ROWS);
        let mut start = if self.line.0 < last_end
            && last_end < abs
            && abs - last_end <= near
            && last_end >= self.base
            && t.get(last_end - self.base) == Some(&b'\n')
        {
            last_end - self.base + 1
        } else {
            let lo = s.saturating_sub(MAX_ROW);
            match t.get(lo..s)?.iter().rposition(|&c| c == b'\n') {
                Some(q) => lo + q + 1,
                // The text's first byte starts a line; a window's does
                // not say.
                None if lo == 0 && self.base == 0 => 0,
                None => {
                    self.line = (0, 0);
                    return None;
                }
            }
        };
        let len = loop {
            let rest = t.get(start..)?;
            self.delims.clear();
            let len = if self.fixed.is_empty() {
                delimiters(
                    rest,
                    self.delim,
                    self.quote,
                    self.base + start,
                    &mut self.delims,
                )
            } else {
                fixed_delimiters(rest, &self.fixed, self.base + start, &mut self.delims)
            };
            if start + len >= s || start + len >= t.len() {
                break len;
            }
            start += len + 1;
        };
        // A line cut by the end of the window is known only that far.
        self.line = (self.base + start, self.base + start + len);
        Some(())
    }
}

/// The detectors a header cell names: its phrases, as written and as
/// camel-case words, and every national id for a generic name.
fn cell_mask(cell: &[u8]) -> DetSet {
    let words = camel_words(cell);
    let mut m = phrases_in(cell);
    m |= phrases_in(&words);
    if names_a_national_id(&words) {
        m |= *NATIONAL_ID_SET;
    }
    m
}

/// A line that only rules a table: dashes or equals signs, with the
/// spaces, `+` and `|` that part their columns (`---+---`, `|:--|--:|`).
fn is_rule(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.iter().filter(|&&c| c == b'-' || c == b'=').count() >= 3
        && line
            .iter()
            .all(|&c| matches!(c, b'-' | b'=' | b'+' | b'|' | b':' | b' ' | b'\t'))
}

/// [`delimiters`] of a fixed-width table's row: the byte before each
/// column's start (`starts`, in characters) stands for the delimiter, so
/// a value is in the column it starts in, and one that runs into the
/// next column's first character is across a delimiter.
#[cold]
fn fixed_delimiters(line: &[u8], starts: &[usize], at: usize, out: &mut Vec<usize>) -> usize {
    let mut next = starts.iter().skip(1).peekable();
    let mut ch = 0;
    for (i, &c) in line.iter().enumerate() {
        if c == b'\n' {
            return i;
        }
        if c & 0xC0 == 0x80 {
            continue;
        }
        if next.peek() == Some(&&ch) {
            out.push((at + i).saturating_sub(1));
            next.next();
        }
        ch += 1;
    }
    line.len()
}

/// Pushes `at + i` for each delimiter `d` at `i` of `line` outside double
/// quotes, up to the line's end (a `\n`, or the end of `line`), and
/// returns that end. Sixteen bytes at a time by an SSE2 mask on x86_64,
/// eight at a time by exact per-byte SWAR masks elsewhere (and for the
/// rest), so only the delimiters, quotes and newline are visited. A row has a
/// delimiter every few bytes: `memchr3` (a call per hit) and a plain byte
/// loop both counted more instructions for the whole customer-table scan
/// (docs/benchmarks.md, "A generated corpus, the test tables again").
fn delimiters(line: &[u8], d: u8, q: u8, at: usize, out: &mut Vec<usize>) -> usize {
    const LO7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const ONES: u64 = 0x0101_0101_0101_0101;
    // The top bit of each byte of `x` equal to `b`, exactly.
    let eq = |x: u64, b: u8| {
        let y = x ^ (ONES * u64::from(b));
        !(((y & LO7).wrapping_add(LO7)) | y | LO7)
    };
    let mut quoted = false;
    let mut base = 0;
    // On x86_64, sixteen bytes a step by one SSE2 mask (about a third of
    // the SWAR form's instructions); the SWAR words then take what is
    // left, and everything on other targets.
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        let mut blocks = line.chunks_exact(16);
        for w in &mut blocks {
            // SAFETY: `eq3_mask16` needs only SSE2, which this build
            // enables for every function (the `cfg` above: it is part of
            // the x86_64 baseline), so the CPU running this code has it.
            // Its body reads `w` through safe slice accesses only.
            #[allow(
                unsafe_code,
                reason = "SSE2 is enabled for the whole build (see SAFETY)"
            )]
            let mut m = unsafe { crate::fastscan::sse2::eq3_mask16(w, d, q, b'\n') };
            while m != 0 {
                let k = m.trailing_zeros() as usize;
                m &= m - 1;
                match w.get(k) {
                    Some(b'\n') => return base + k,
                    Some(&c) if c == q => quoted = !quoted,
                    _ if !quoted => out.push(at + base + k),
                    _ => {}
                }
            }
            base += 16;
        }
    }
    let mut words = line.get(base..).unwrap_or_default().chunks_exact(8);
    for w in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        let x = u64::from_le_bytes(word);
        let mut m = eq(x, d) | eq(x, q) | eq(x, b'\n');
        while m != 0 {
            let k = (m.trailing_zeros() / 8) as usize;
            m &= m - 1;
            match word.get(k) {
                Some(b'\n') => return base + k,
                Some(&c) if c == q => quoted = !quoted,
                _ if !quoted => out.push(at + base + k),
                _ => {}
            }
        }
        base += 8;
    }
    for (k, &c) in words.remainder().iter().enumerate() {
        if c == b'\n' {
            return base + k;
        } else if c == q {
            quoted = !quoted;
        } else if c == d && !quoted {
            out.push(at + base + k);
        }
    }
    line.len()
}

/// Header cells that name any country's personal identity number (the
/// column `NationalID` of an export): such a column's values have the
/// context of every detector of [`NATIONAL_IDS`]. Each of those validates
/// its number's structure or check digits, so the generic name is enough
/// to say which identifier a valid number is; numbers without a check
/// (Pakistan's CNIC, Argentina's DNI) keep their own words only. A whole
/// cell; in running text the words of [`NATIONAL_ID_WORDS`].
const NATIONAL_ID_CTX: &[&str] = &[
    "national id",
    "nationalid",
    "national id number",
    "national identification number",
    "national identity number",
    "national identity card",
    "national identifier",
    "national number",
    "citizen id",
    "citizen number",
    "identity number",
    "personal identity number",
    "personal id number",
];

/// The words of [`NATIONAL_ID_CTX`] that name a person's national id
/// in running text too (`National ID: …`, `her national identification
/// number is …`): in the phrase table they set the bit
/// [`GENERIC_NATIONAL_ID`], which [`widen_generic`] reads as the word of
/// every detector of [`NATIONAL_IDS`]. Not `national number`, which is
/// also a telephone number without its country code.
pub(crate) const NATIONAL_ID_WORDS: &[&str] = &[
    "national id",
    "national id number",
    "national identification number",
    "national identity number",
    "national identity card",
    "national identifier",
    "citizen id",
    "citizen number",
    "identity number",
    "personal identity number",
    "personal id number",
];

/// True if detector `d` is one of [`NATIONAL_IDS`].
pub(crate) fn national_id(d: usize) -> bool {
    NATIONAL_ID_SET.has(d)
}

/// A window's context mask with a generic national-id word
/// ([`NATIONAL_ID_WORDS`], the bit [`GENERIC_NATIONAL_ID`]) read as the
/// word of every detector of [`NATIONAL_IDS`] — unless one of them has a
/// word of its own in the window: `Thai national ID: …` is the Thai
/// number's, though a Romanian CNP's check may hold for the same digits.
/// Where several checks hold with the generic word alone, the earlier
/// detector of the table is reported, as for any tie.
#[inline]
pub(crate) fn widen_generic(m: DetSet) -> DetSet {
    if m.has(GENERIC_NATIONAL_ID) && !m.intersects(&NATIONAL_ID_SET) {
        let mut w = m;
        w |= *NATIONAL_ID_SET;
        w
    } else {
        m
    }
}

/// Detectors of a person's national identity number: where
/// [`NATIONAL_ID_CTX`] applies. (Not tax numbers of companies, health,
/// passport or licence numbers: those have words of their own.)
const NATIONAL_IDS: &[&str] = &[
    "us_ssn",
    "uk_nino",
    "ca_sin",
    "nl_bsn",
    "es_dni",
    "es_nie",
    "it_codice_fiscale",
    "fr_insee",
    "de_tax_id",
    "in_aadhaar",
    "ch_ahv",
    "br_cpf",
    "se_personnummer",
    "dk_cpr",
    "fi_hetu",
    "no_fnr",
    "pl_pesel",
    "be_nrn",
    "kr_rrn",
    "cn_resident_id",
    "za_id",
    "jp_my_number",
    "sg_nric",
    "hk_hkid",
    "ie_pps",
    "cz_birth_number",
    "bg_egn",
    "ro_cnp",
    "hr_oib",
    "si_emso",
    "jmbg",
    "ee_isikukood",
    "lt_asmens_kodas",
    "tr_tckn",
    "il_id",
    "mx_curp",
    "cl_rut",
    "th_national_id",
    "tw_national_id",
    "ir_national_id",
    "ua_rnokpp",
    "lv_personas_kods",
    "ng_nin",
    "ec_ci",
    "my_nric",
    "id_nik",
    "ae_emirates_id",
    "lu_matricule",
    "lk_nic",
    "hu_personal_id",
    "pt_cc",
];

/// The detectors of [`NATIONAL_IDS`].
static NATIONAL_ID_SET: LazyLock<DetSet> = LazyLock::new(|| {
    let mut s = DetSet::default();
    for (i, d) in BUILTINS.iter().enumerate() {
        if NATIONAL_IDS.contains(&d.id) {
            s.insert(i);
        }
    }
    s
});

/// True if a header cell (its camel-case words apart) is one of
/// [`NATIONAL_ID_CTX`], in any case, its words split by spaces, `_`, `-`
/// or `.` (`National ID`, `national_id`, `NATIONAL-ID`).
fn names_a_national_id(cell: &[u8]) -> bool {
    let words: Vec<Vec<u8>> = cell
        .split(|c| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(<[u8]>::to_ascii_lowercase)
        .collect();
    let cell = words.join(&b' ');
    NATIONAL_ID_CTX
        .iter()
        .any(|w| w.as_bytes() == cell.as_slice())
}

/// A header cell written in camel case with its words apart, so that
/// its words are context phrases as in `phone_number` or `Phone Number`:
/// `TelephoneNumber` → `Telephone Number`, `NationalID` → `National ID`,
/// `CCNumber` → `CC Number`, `ssnLast4` stays one word before its digit.
/// A space goes before a capital that follows a lower-case letter, and
/// before the last capital of a run followed by a lower-case letter.
fn camel_words(cell: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(cell.len() + 4);
    for (k, &c) in cell.iter().enumerate() {
        let prev = k
            .checked_sub(1)
            .and_then(|j| cell.get(j))
            .copied()
            .unwrap_or(0);
        let next = cell.get(k + 1).copied().unwrap_or(0);
        if c.is_ascii_uppercase()
            && (prev.is_ascii_lowercase() || prev.is_ascii_uppercase() && next.is_ascii_lowercase())
        {
            out.push(b' ');
        }
        out.push(c);
    }
    out
}

fn count_outside_quotes(line: &[u8], d: u8, q: u8) -> usize {
    cells(line, d, q).count() - 1
}

/// The cells of `line` split at `d` outside quotes `q`.
fn cells(line: &[u8], d: u8, q: u8) -> impl Iterator<Item = &[u8]> {
    let mut quoted = false;
    line.split(move |&c| {
        if c == q {
            quoted = !quoted;
        }
        c == d && !quoted
    })
}

/// The column list of an SQL dump's statement that its rows follow, one
/// a line: `INSERT INTO patients (id, fax, billing_npi) VALUES` (rows
/// `(1, '+44 20 3408 3036', '2523270314'),`: `,` outside `'`), or
/// PostgreSQL's `COPY public.patients (id, fax, billing_npi) FROM stdin;`
/// (rows of tab-separated text, no quotes). Returns the list, its
/// delimiter, and the rows' delimiter and quote.
fn sql_columns(line: &[u8]) -> Option<(&[u8], u8, u8, u8)> {
    let line = line.trim_ascii();
    let starts = |p: &[u8]| {
        line.get(..p.len())
            .is_some_and(|l| l.eq_ignore_ascii_case(p))
    };
    let (row_delim, quote, tail): (u8, u8, &[u8]) = if starts(b"insert into ") {
        (b',', b'\'', b"values")
    } else if starts(b"copy ") {
        (b'\t', 0, b"from stdin;")
    } else {
        return None;
    };
    let open = line.iter().position(|&c| c == b'(')?;
    let close = line.iter().rposition(|&c| c == b')')?;
    let after = line.get(close + 1..)?.trim_ascii();
    if close <= open || !after.eq_ignore_ascii_case(tail) {
        return None;
    }
    Some((line.get(open + 1..close)?, b',', row_delim, quote))
}

/// A cell without surrounding spaces and quotes.
fn trim(cell: &[u8]) -> &[u8] {
    let cell = cell.trim_ascii();
    cell.strip_prefix(b"\"")
        .and_then(|c| c.strip_suffix(b"\""))
        .unwrap_or(cell)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::D;

    #[test]
    fn a_header_names_its_columns() {
        let t = b"name,\"NPI\",phone\nAda,1234567893,+1 415 555 2671\n";
        let mut c = Columns::of(t).unwrap();
        assert_eq!(c.delim, b',');
        let npi = D::UsNpi as usize;
        assert!(c.names(npi));
        let s = t.iter().position(|&b| b == b'1').unwrap();
        assert!(c.has(t, npi, s, s + 10));
        // The name column and the header itself are not the NPI's.
        assert!(!c.has(t, npi, s - 4, s - 1));
        assert!(!c.has(t, npi, 6, 9));
    }

    /// psql's output (a `---+---` rule under the header) and a report's
    /// fixed-width table (a rule of `=` runs: the runs are the columns,
    /// counted in characters, so names with accents before a value do
    /// not move it).
    #[test]
    fn ruled_tables_name_their_columns() {
        let ssn = D::UsSsn as usize;
        let nhs = D::UkNhs as usize;
        let value_at = |t: &[u8], v: &[u8]| {
            let s = t.windows(v.len()).rposition(|w| w == v).unwrap();
            (s, s + v.len())
        };
        let t = " Cell           | Social Security # | Born\n\
                 ----------------+-------------------+-----------\n\
                 773.974.2016    | 121499549         | 1939-11-22\n\
                 (503) 451-9034  | 241660334         | 1962-03-27\n"
            .as_bytes();
        let mut c = Columns::of(t).unwrap();
        let (s, e) = value_at(t, b"241660334");
        assert!(c.has(t, ssn, s, e));
        let (s, e) = value_at(t, b"451-9034");
        assert!(!c.has(t, ssn, s, e));

        let t = "FULL NAME       NHS NO.     DATE OF BIRTH\n\
                 ==============  ==========  =============\n\
                 Kenji Chen      6346841424\n\
                 Anaïs Horváth   7496929514  09/14/2000\n"
            .as_bytes();
        let mut c = Columns::of(t).unwrap();
        assert!(c.names(nhs));
        for v in [&b"6346841424"[..], b"7496929514"] {
            let (s, e) = value_at(t, v);
            assert!(c.has(t, nhs, s, e), "{}", String::from_utf8_lossy(v));
        }
        let (s, e) = value_at(t, b"09/14/2000");
        assert!(!c.has(t, nhs, s, e));
        // Past its column's end, a value is not that column's.
        let t = b"NHS NO.  DOB\n=======  ===\n6346841424 x\n";
        let mut c = Columns::of(t).unwrap();
        let (s, e) = value_at(t, b"6346841424");
        assert!(!c.has(t, nhs, s, e));
        // Prose over a line of dashes is no table.
        assert!(Columns::of(b"Dear NHS patient\n----------------\nHello\n").is_none());
    }

    /// Excel's `sep=;` line, an SQL dump's `INSERT … VALUES` with rows
    /// quoted by `'`, and PostgreSQL's `COPY … FROM stdin;` with
    /// tab-separated rows: each names the columns of every row after it.
    #[test]
    fn dumps_and_directives_name_their_columns() {
        let npi = D::UsNpi as usize;
        let ssn = D::UsSsn as usize;
        let value_at = |t: &[u8], v: &[u8]| {
            let s = t.windows(v.len()).rposition(|w| w == v).unwrap();
            (s, s + v.len())
        };
        let t = b"sep=;\nID;SSN#;ts\n1;650165775;1758269582\n2;239103819;1705453556\n";
        let mut c = Columns::of(t).unwrap();
        let (s, e) = value_at(t, b"239103819");
        assert!(c.has(t, ssn, s, e));
        let (s, e) = value_at(t, b"1705453556");
        assert!(!c.has(t, ssn, s, e));

        let t = b"-- dump\nINSERT INTO patients (id, fax, billing_npi, name) VALUES\n  (1, '+44 20 3408 3036', '2523270314', 'Smith, Jo'),\n  (2, '0171 7904616', '1408142143', 'Ng, Al');\n";
        let mut c = Columns::of(t).unwrap();
        let (s, e) = value_at(t, b"1408142143");
        assert!(c.has(t, npi, s, e));
        let (s, e) = value_at(t, b"0171 7904616");
        assert!(!c.has(t, npi, s, e));

        let t = b"COPY public.patients (id, billing_npi, note) FROM stdin;\n1\t2523270314\tsaid \"hi\n2\t1408142143\tok\n";
        let mut c = Columns::of(t).unwrap();
        let (s, e) = value_at(t, b"1408142143");
        assert!(c.has(t, npi, s, e));

        // An INSERT with its rows on the same line is no header here.
        assert!(Columns::of(b"INSERT INTO p (id, npi) VALUES (1, '2523270314');\nx\n").is_none());
    }

    #[test]
    fn quotes_hide_delimiters_and_lookups_resume() {
        let t = b"who\tssn\n\"a\tb\"\t536228726\nc\t536228726\n";
        let mut c = Columns::of(t).unwrap();
        assert_eq!(c.delim, b'\t');
        let ssn = D::UsSsn as usize;
        let first = 14;
        assert_eq!(&t[first..first + 9], b"536228726");
        assert!(c.has(t, ssn, first, first + 9));
        let second = 26;
        assert_eq!(&t[second..second + 9], b"536228726");
        assert!(c.has(t, ssn, second, second + 9));
        assert!(!c.has(t, ssn, second - 2, second - 1));
    }

    #[test]
    fn prose_and_headers_without_context_words_are_none() {
        assert!(Columns::of(b"Dear Ada, thank you.\nMore text").is_none());
        assert!(Columns::of(b"a,b,c\n1,2,3\n").is_none());
        assert!(Columns::of(b"no newline, npi").is_none());
        // A first line with a delimiter and a word, then prose.
        assert!(Columns::of(b"linux (6.1) bookworm-security; urgency=high\n\n  * New\n").is_none());
        assert!(Columns::of(b"name,npi\nonly one cell\n").is_none());
        // Comment lines before the header are passed over.
        let c = Columns::of(b"# export of 2024-05-01\n\nname;npi\nx;1\n").unwrap();
        assert_eq!(c.body_from, 33);
        assert_eq!((c.delim, c.masks.len()), (b';', 2));
    }

    #[test]
    fn every_national_id_named_is_a_builtin_with_a_check() {
        for id in NATIONAL_IDS {
            let d = BUILTINS.iter().find(|d| d.id == *id);
            assert!(d.is_some_and(|d| d.validator.is_some()), "{id}");
        }
        let n = (0..BUILTINS.len())
            .filter(|&i| NATIONAL_ID_SET.has(i))
            .count();
        assert_eq!(n, NATIONAL_IDS.len());
    }

    #[test]
    fn camel_case_header_cells_are_read_as_words() {
        for (cell, words) in [
            (&b"TelephoneNumber"[..], &b"Telephone Number"[..]),
            (b"NationalID", b"National ID"),
            (b"CCNumber", b"CC Number"),
            (b"phoneNumber", b"phone Number"),
            (b"ssnLast4", b"ssn Last4"),
            (b"phone_number", b"phone_number"),
            (b"SSN", b"SSN"),
            (b"", b""),
        ] {
            assert_eq!(camel_words(cell), words);
        }
        for (cell, yes) in [
            (&b"National ID"[..], true),
            (b"national_id", true),
            (b"NATIONAL-ID", true),
            (b"Citizen Number", true),
            (b"National ID Type", false),
            (b"nation", false),
        ] {
            assert_eq!(names_a_national_id(&camel_words(cell)), yes, "{cell:?}");
        }
        let t = b"GivenName,TelephoneNumber,NationalID\nAda,25 470375,760211-4105\n";
        let c = Columns::of(t).unwrap();
        assert!(c.names(D::Phone as usize));
        assert_eq!(c.masks.first(), Some(&DetSet::default()));
        let ids = c.masks.get(2).copied().unwrap_or_default();
        assert!(ids.has(D::SePersonnummer as usize) && ids.has(D::PlPesel as usize));
        assert!(!ids.has(D::PkCnic as usize) && !ids.has(D::CreditCard as usize));
    }

    proptest::proptest! {
        /// Splitting a cell only adds spaces: without its spaces it is
        /// the cell without its spaces, whatever the cell holds.
        #[test]
        fn camel_words_only_adds_spaces(cell in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40)) {
            let bare = |v: &[u8]| v.iter().copied().filter(|&c| c != b' ').collect::<Vec<u8>>();
            proptest::prop_assert_eq!(bare(&camel_words(&cell)), bare(&cell));
        }

        /// The word-at-a-time walk finds what a byte loop finds.
        #[test]
        fn delimiters_match_a_byte_loop(
            line in proptest::collection::vec(proptest::prop_oneof![
                4 => proptest::prelude::any::<u8>(), 1 => proptest::strategy::Just(b','),
                1 => proptest::strategy::Just(b'"'), 1 => proptest::strategy::Just(b'\''),
                1 => proptest::strategy::Just(b'\n')], 0..80),
            q in proptest::prop_oneof![proptest::strategy::Just(b'"'), proptest::strategy::Just(b'\''), proptest::strategy::Just(0u8)],
        ) {
            let mut got = Vec::new();
            let end = delimiters(&line, b',', q, 5, &mut got);
            let mut want = Vec::new();
            let mut quoted = false;
            let mut want_end = line.len();
            for (i, &c) in line.iter().enumerate() {
                if c == b'\n' {
                    want_end = i;
                    break;
                } else if c == q {
                    quoted = !quoted;
                } else if c == b',' && !quoted {
                    want.push(5 + i);
                }
            }
            proptest::prop_assert_eq!((end, got), (want_end, want));
        }
    }

    #[test]
    fn a_window_without_its_line_start_does_not_answer() {
        let t = b"id,ssn\n1,2\n";
        let mut c = Columns::of(t).unwrap();
        c.rebase(1000);
        let w = b"x,536228726\n";
        assert!(!c.has(w, D::UsSsn as usize, 2, 11));
    }
}
