//! Excel 97–2003 (`.xls`, BIFF8): the text of the `Workbook` stream
//! (MS-XLS §2.4).
//!
//! The stream is a sequence of records (type u16, length u16, data). The
//! workbook globals come first: the shared string table (`SST`, continued
//! in `CONTINUE` records) and the sheet names (`BoundSheet8`). Each sheet
//! follows as its own `BOF` … `EOF` substream, its cells in row order.
//! Each sheet becomes its name on a line, then one line per row with the
//! cells tab-separated, so a column header stands above its values.

use super::{Extracted, OleError, u16_at, u32_at};

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const FILEPASS: u16 = 0x002F;
const BOUNDSHEET: u16 = 0x0085;
const SST: u16 = 0x00FC;
const CONTINUE: u16 = 0x003C;
const LABELSST: u16 = 0x00FD;
const LABEL: u16 = 0x0204;
const NUMBER: u16 = 0x0203;
const RK: u16 = 0x027E;
const MULRK: u16 = 0x00BD;
const FORMULA: u16 = 0x0006;
const STRING: u16 = 0x0207;
const HEADER: u16 = 0x0014;
const FOOTER: u16 = 0x0015;
const TXO: u16 = 0x01B6;
const BIFF8: u16 = 0x0600;
const GLOBALS: u16 = 0x0005;

/// One record: its type, where it starts, its data.
struct Record<'a> {
    kind: u16,
    at: usize,
    data: &'a [u8],
}

fn records(stream: &[u8]) -> impl Iterator<Item = Result<Record<'_>, OleError>> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        if at >= stream.len() {
            return None;
        }
        let header = (|| {
            let kind = u16_at(stream, at, "record header")?;
            let len = usize::from(u16_at(stream, at + 2, "record header")?);
            Ok::<_, OleError>((kind, len))
        })();
        let (kind, len) = match header {
            Ok(h) => h,
            Err(e) => {
                at = stream.len();
                return Some(Err(e));
            }
        };
        let start = at;
        let Some(data) = stream.get(at + 4..at + 4 + len) else {
            at = stream.len();
            return Some(Err(OleError::Corrupt(format!(
                "record {kind:#06x} at byte {start} claims {len} bytes; the stream ends first"
            ))));
        };
        at += 4 + len;
        Some(Ok(Record {
            kind,
            at: start,
            data,
        }))
    })
}

/// The text of a BIFF8 `Workbook` stream, at most `cap` bytes.
pub(crate) fn xls_text(workbook: &[u8], cap: usize) -> Result<Extracted, OleError> {
    let mut out = Extracted::default();
    let mut recs = records(workbook).peekable();
    let first = match recs.next() {
        Some(r) => r?,
        None => return Ok(out),
    };
    if first.kind != BOF {
        return Err(OleError::Corrupt(format!(
            "Workbook stream starts with record {:#06x}, not BOF",
            first.kind
        )));
    }
    let version = u16_at(first.data, 0, "BOF version")?;
    if version != BIFF8 {
        return Err(OleError::Unsupported(format!(
            "BIFF version {version:#06x} (only BIFF8, Excel 97 and later, is read)"
        )));
    }
    let mut sst = Sst::default();
    let mut sheets: Vec<String> = Vec::new();
    let mut next_sheet = 0usize;
    // Open substreams: the globals' BOF (read above) is the first.
    let mut nesting = 1usize;
    // The row of the last cell written in this sheet.
    let mut row: Option<u16> = None;
    // A FORMULA whose string result follows in a STRING record.
    let mut pending_string: Option<(u16, u16)> = None;
    while let Some(rec) = recs.next() {
        if out.truncated {
            break;
        }
        let rec = rec?;
        let d = rec.data;
        match rec.kind {
            FILEPASS => {
                return Err(OleError::Encrypted(
                    "workbook protected by a password".to_owned(),
                ));
            }
            BOF => {
                let dt = u16_at(d, 2, "BOF type")?;
                // A chart embedded in a sheet is a substream nested inside
                // the sheet's own: only top-level ones are sheets.
                let top = nesting == 0;
                nesting += 1;
                if top && dt != GLOBALS {
                    end_row(&mut out, &mut row, cap);
                    if !out.text.is_empty() {
                        out.push_char('\n', cap);
                    }
                    if let Some(name) = sheets.get(next_sheet) {
                        out.push(name, cap);
                        out.push_char('\n', cap);
                    }
                    next_sheet += 1;
                }
            }
            EOF => {
                nesting = nesting.saturating_sub(1);
                end_row(&mut out, &mut row, cap);
            }
            BOUNDSHEET => {
                let mut r = Reader::new(vec![d], rec.at);
                r.skip(6)?;
                let cch = usize::from(r.u8("sheet name")?);
                let wide = r.u8("sheet name")? & 1 != 0;
                let name = r.chars(cch, "sheet name", wide)?;
                sheets.push(clean(&name));
            }
            SST => {
                let mut parts = vec![d];
                while let Some(Ok(next)) = recs.peek() {
                    if next.kind != CONTINUE {
                        break;
                    }
                    parts.push(next.data);
                    recs.next();
                }
                sst = Sst::read(parts, rec.at, cap)?;
            }
            LABELSST => {
                let (rw, _) = cell_at(d, rec.at)?;
                let isst = u32_at(d, 6, "LABELSST index")? as usize;
                let text = sst.get(isst).to_owned();
                cell(&mut out, &mut row, rw, &text, cap);
            }
            LABEL => {
                let (rw, _) = cell_at(d, rec.at)?;
                let text = unicode_string(d.get(6..).unwrap_or_default(), rec.at, "LABEL")?;
                cell(&mut out, &mut row, rw, &clean(&text), cap);
            }
            NUMBER => {
                let (rw, _) = cell_at(d, rec.at)?;
                let v = f64_at(d, 6, "NUMBER value")?;
                if let Some(s) = number(v) {
                    cell(&mut out, &mut row, rw, &s, cap);
                }
            }
            RK => {
                let (rw, _) = cell_at(d, rec.at)?;
                let v = rk(u32_at(d, 6, "RK value")?);
                if let Some(s) = number(v) {
                    cell(&mut out, &mut row, rw, &s, cap);
                }
            }
            MULRK => {
                let (rw, _) = cell_at(d, rec.at)?;
                // rw, colFirst, then (ixfe, RK) pairs, then colLast.
                let body = d.get(4..d.len().saturating_sub(2)).unwrap_or_default();
                for pair in body.chunks_exact(6) {
                    let [_, _, a, b, c, e] = *pair else { continue };
                    let v = rk(u32::from_le_bytes([a, b, c, e]));
                    if let Some(s) = number(v) {
                        cell(&mut out, &mut row, rw, &s, cap);
                    }
                }
            }
            FORMULA => {
                let (rw, col) = cell_at(d, rec.at)?;
                let value = d.get(6..14).ok_or_else(|| {
                    OleError::Corrupt(format!("FORMULA record at byte {} is too short", rec.at))
                })?;
                if let [kind, _, _, _, _, _, 0xFF, 0xFF] = *value {
                    // 0: a string, in the STRING record that follows.
                    if kind == 0 {
                        pending_string = Some((rw, col));
                    }
                } else if let Some(s) = number(f64_at(value, 0, "FORMULA value")?) {
                    cell(&mut out, &mut row, rw, &s, cap);
                }
            }
            STRING => {
                if let Some((rw, _)) = pending_string.take() {
                    let text = unicode_string(d, rec.at, "STRING")?;
                    cell(&mut out, &mut row, rw, &clean(&text), cap);
                }
            }
            HEADER | FOOTER if !d.is_empty() => {
                let text = strip_codes(&unicode_string(d, rec.at, "HEADER/FOOTER")?);
                if !text.trim().is_empty() {
                    end_row(&mut out, &mut row, cap);
                    out.push(text.trim(), cap);
                    out.push_char('\n', cap);
                }
            }
            TXO => {
                let cch = usize::from(u16_at(d, 10, "TXO cchText")?);
                let mut parts = Vec::new();
                while let Some(Ok(next)) = recs.peek() {
                    if next.kind != CONTINUE {
                        break;
                    }
                    parts.push(next.data);
                    recs.next();
                }
                if cch > 0 {
                    let text = txo_text(parts, cch, rec.at)?;
                    end_row(&mut out, &mut row, cap);
                    out.push(&clean(&text), cap);
                    out.push_char('\n', cap);
                }
            }
            _ => {}
        }
    }
    end_row(&mut out, &mut row, cap);
    Ok(out)
}

/// Row and column of a cell record.
fn cell_at(d: &[u8], at: usize) -> Result<(u16, u16), OleError> {
    let rw = u16_at(d, 0, "cell row").map_err(|_| too_short(at))?;
    let col = u16_at(d, 2, "cell column").map_err(|_| too_short(at))?;
    Ok((rw, col))
}

fn too_short(at: usize) -> OleError {
    OleError::Corrupt(format!("cell record at byte {at} is too short"))
}

fn f64_at(d: &[u8], at: usize, what: &str) -> Result<f64, OleError> {
    d.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map(f64::from_le_bytes)
        .ok_or_else(|| super::short(what, at, d.len()))
}

/// Writes a cell: a tab after the previous cell of the same row, a line
/// break when the row changes.
fn cell(out: &mut Extracted, row: &mut Option<u16>, rw: u16, text: &str, cap: usize) {
    match *row {
        Some(r) if r == rw => out.push_char('\t', cap),
        Some(_) => out.push_char('\n', cap),
        None => {}
    }
    *row = Some(rw);
    out.push(text, cap);
}

fn end_row(out: &mut Extracted, row: &mut Option<u16>, cap: usize) {
    if row.take().is_some() {
        out.push_char('\n', cap);
    }
}

/// An RK number (MS-XLS §2.5.217): a 30-bit integer or the high 30 bits
/// of a double, either possibly ×100.
fn rk(v: u32) -> f64 {
    let x100 = v & 1 != 0;
    let n = if v & 2 != 0 {
        f64::from((v as i32) >> 2)
    } else {
        f64::from_bits(u64::from(v & 0xFFFF_FFFC) << 32)
    };
    if x100 { n / 100.0 } else { n }
}

/// A number as a person reads it: integers without ".0" (an SSN or an
/// account number typed into a cell must come out as its digits).
fn number(v: f64) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        Some(format!("{}", v as i64))
    } else {
        Some(format!("{v}"))
    }
}

/// Control characters inside a cell would break the row layout.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Header and footer text without its formatting codes: `&"font,style"`,
/// `&12` (size), `&L`/`&C`/`&R` (sections), `&P` (page)…; `&&` is `&`.
fn strip_codes(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '&' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('&') => out.push('&'),
            Some('"') => {
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                }
            }
            Some(d) if d.is_ascii_digit() => {
                while chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
            }
            Some('L' | 'C' | 'R') => out.push(' '),
            _ => {}
        }
    }
    clean(&out)
}

/// An `XLUnicodeString` (cch u16, flags, characters) within one record.
fn unicode_string(d: &[u8], at: usize, what: &str) -> Result<String, OleError> {
    let mut r = Reader::new(vec![d], at);
    let cch = usize::from(r.u16(what)?);
    let flags = r.u8(what)?;
    r.chars(cch, what, flags & 1 != 0)
}

/// The text of a text box or comment: characters in the `CONTINUE`
/// records after its `TXO`, each record starting with a flags byte; the
/// formatting runs after the characters are ignored.
fn txo_text(parts: Vec<&[u8]>, cch: usize, at: usize) -> Result<String, OleError> {
    let mut text = String::new();
    let mut left = cch;
    for part in parts {
        if left == 0 {
            break;
        }
        let Some((&flags, rest)) = part.split_first() else {
            continue;
        };
        let wide = flags & 1 != 0;
        let n = left.min(if wide { rest.len() / 2 } else { rest.len() });
        let mut r = Reader::new(vec![rest], at);
        text.push_str(&r.chars(n, "TXO text", wide)?);
        left -= n;
    }
    Ok(text)
}

/// The shared string table, bounded: strings past `cap` bytes in total
/// are not kept (cells that use them come out empty, and the text is
/// marked truncated long before that matters).
#[derive(Default)]
struct Sst {
    strings: Vec<String>,
}

impl Sst {
    fn read(parts: Vec<&[u8]>, at: usize, cap: usize) -> Result<Self, OleError> {
        let mut r = Reader::new(parts, at);
        let _total = r.u32("SST count")?;
        let unique = r.u32("SST count")? as usize;
        // The count is untrusted: grow as strings really come.
        let mut strings = Vec::with_capacity(unique.min(4096));
        let mut kept = 0usize;
        for i in 0..unique {
            let what = format!("SST string {i}");
            let cch = usize::from(r.u16(&what)?);
            let flags = r.u8(&what)?;
            let runs = if flags & 0x08 != 0 { r.u16(&what)? } else { 0 };
            let ext = if flags & 0x04 != 0 { r.u32(&what)? } else { 0 };
            let s = r.chars(cch, &what, flags & 1 != 0)?;
            r.skip(usize::from(runs) * 4)?;
            r.skip(ext as usize)?;
            if kept <= cap {
                kept += s.len();
                strings.push(clean(&s));
            }
        }
        Ok(Self { strings })
    }

    fn get(&self, i: usize) -> &str {
        self.strings.get(i).map(String::as_str).unwrap_or_default()
    }
}

/// Reads across a record and its `CONTINUE` records. Characters split at
/// a boundary resume after a fresh flags byte that says whether the rest
/// is 8-bit or UTF-16 (MS-XLS §2.5.293); other data runs on as it is.
struct Reader<'a> {
    segments: Vec<&'a [u8]>,
    seg: usize,
    pos: usize,
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(segments: Vec<&'a [u8]>, at: usize) -> Self {
        Self {
            segments,
            seg: 0,
            pos: 0,
            at,
        }
    }

    fn overrun(&self, what: &str) -> OleError {
        OleError::Corrupt(format!(
            "record at byte {}: {what} runs past the end of its record",
            self.at
        ))
    }

    /// Moves to the next segment when the current one is used up; false
    /// at the end of all of them.
    fn fill(&mut self) -> bool {
        while self
            .segments
            .get(self.seg)
            .is_some_and(|s| self.pos >= s.len())
        {
            self.seg += 1;
            self.pos = 0;
        }
        self.seg < self.segments.len()
    }

    fn u8(&mut self, what: &str) -> Result<u8, OleError> {
        if !self.fill() {
            return Err(self.overrun(what));
        }
        let b = self
            .segments
            .get(self.seg)
            .and_then(|s| s.get(self.pos))
            .copied()
            .ok_or_else(|| self.overrun(what))?;
        self.pos += 1;
        Ok(b)
    }

    fn u16(&mut self, what: &str) -> Result<u16, OleError> {
        Ok(u16::from_le_bytes([self.u8(what)?, self.u8(what)?]))
    }

    fn u32(&mut self, what: &str) -> Result<u32, OleError> {
        Ok(u32::from_le_bytes([
            self.u8(what)?,
            self.u8(what)?,
            self.u8(what)?,
            self.u8(what)?,
        ]))
    }

    fn skip(&mut self, mut n: usize) -> Result<(), OleError> {
        while n > 0 {
            if !self.fill() {
                return Err(self.overrun("skipped data"));
            }
            let left = self
                .segments
                .get(self.seg)
                .map_or(0, |s| s.len() - self.pos);
            let step = left.min(n);
            self.pos += step;
            n -= step;
        }
        Ok(())
    }

    /// `cch` characters, 8-bit (Latin-1) or UTF-16LE as `wide` says, and
    /// as each continuation's flags byte says after a boundary.
    fn chars(&mut self, cch: usize, what: &str, mut wide: bool) -> Result<String, OleError> {
        let mut units: Vec<u16> = Vec::with_capacity(cch.min(8192));
        let mut seg = self.seg;
        for _ in 0..cch {
            // Characters that go on in a new segment begin with a flags byte.
            if !self.fill() {
                return Err(self.overrun(what));
            }
            if self.seg != seg {
                seg = self.seg;
                wide = self.u8(what)? & 1 != 0;
            }
            let unit = if wide {
                self.u16(what)?
            } else {
                u16::from(self.u8(what)?)
            };
            units.push(unit);
        }
        Ok(char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;

    fn fixture_workbook() -> Vec<u8> {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/ole/ledger.xls"
        ))
        .unwrap();
        let mut comp = cfb::CompoundFile::open(Cursor::new(bytes)).unwrap();
        let mut buf = Vec::new();
        comp.open_stream("/Workbook")
            .unwrap()
            .read_to_end(&mut buf)
            .unwrap();
        buf
    }

    #[test]
    fn libreoffice_workbook() {
        let out = xls_text(&fixture_workbook(), 1 << 20).unwrap();
        // The sheet's name, its footer's words without the codes, the rows.
        assert_eq!(
            out.text,
            "ledger\nPage\nName\tCard number\tSSN\tAmount\n\
             Dana Whitfield\t4111 1111 1111 1111\t536-22-8726\t120.5\n\
             Иван Петров\t5500 0000 0000 0004\t99\n患者\t123456789\n"
        );
        assert!(!out.truncated);
    }

    fn rec(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut r = kind.to_le_bytes().to_vec();
        r.extend_from_slice(&(data.len() as u16).to_le_bytes());
        r.extend_from_slice(data);
        r
    }

    fn bof(dt: u16) -> Vec<u8> {
        let mut d = BIFF8.to_le_bytes().to_vec();
        d.extend_from_slice(&dt.to_le_bytes());
        d.extend_from_slice(&[0; 12]);
        rec(BOF, &d)
    }

    fn cell_head(rw: u16, col: u16) -> Vec<u8> {
        let mut d = rw.to_le_bytes().to_vec();
        d.extend_from_slice(&col.to_le_bytes());
        d.extend_from_slice(&15u16.to_le_bytes());
        d
    }

    fn labelsst(rw: u16, col: u16, i: u32) -> Vec<u8> {
        let mut d = cell_head(rw, col);
        d.extend_from_slice(&i.to_le_bytes());
        rec(LABELSST, &d)
    }

    fn rk_rec(rw: u16, col: u16, v: u32) -> Vec<u8> {
        let mut d = cell_head(rw, col);
        d.extend_from_slice(&v.to_le_bytes());
        rec(RK, &d)
    }

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    /// A workbook whose SST holds: "Name" (8-bit), "Иван Петров" split
    /// across a CONTINUE with the first half 8-bit ("Ab") and the rest
    /// UTF-16, a rich string whose runs cross the next boundary, and a
    /// string with an extended block.
    fn workbook() -> Vec<u8> {
        let mut sst = Vec::new();
        sst.extend_from_slice(&4u32.to_le_bytes());
        sst.extend_from_slice(&4u32.to_le_bytes());
        // 0: "Name", 8-bit.
        sst.extend_from_slice(&[4, 0, 0]);
        sst.extend_from_slice(b"Name");
        // 1: 6 chars: "Ab" 8-bit here, "Иван" UTF-16 in the CONTINUE.
        sst.extend_from_slice(&[6, 0, 0]);
        sst.extend_from_slice(b"Ab");
        let mut cont1 = vec![1u8];
        cont1.extend(utf16("Иван"));
        // 2: rich "SSN" with 2 runs (8 bytes) split across the next boundary.
        cont1.extend_from_slice(&[3, 0, 0x08, 2, 0]);
        cont1.extend_from_slice(b"SSN");
        cont1.extend_from_slice(&[0; 5]);
        let mut cont2 = vec![0u8; 3];
        // 3: "ext" with a 4-byte ExtRst.
        cont2.extend_from_slice(&[3, 0, 0x04, 4, 0, 0, 0]);
        cont2.extend_from_slice(b"ext");
        cont2.extend_from_slice(&[9; 4]);

        let mut sheet_name = vec![0u8; 6];
        sheet_name.extend_from_slice(&[6, 1]);
        sheet_name.extend(utf16("Лист 1"));

        let mut second = vec![0u8; 6];
        second.extend_from_slice(&[6, 0]);
        second.extend_from_slice(b"Totals");
        let mut w = bof(GLOBALS);
        w.extend(rec(BOUNDSHEET, &sheet_name));
        w.extend(rec(BOUNDSHEET, &second));
        w.extend(rec(SST, &sst));
        w.extend(rec(CONTINUE, &cont1));
        w.extend(rec(CONTINUE, &cont2));
        w.extend(rec(EOF, &[]));
        w.extend(bof(0x10));
        w.extend(labelsst(0, 0, 0));
        w.extend(labelsst(0, 1, 2));
        w.extend(labelsst(1, 0, 1));
        // 123456789 as an integer RK; 1.23 as 123 ×100.
        w.extend(rk_rec(1, 1, (123_456_789u32 << 2) | 2));
        w.extend(rk_rec(1, 2, (123u32 << 2) | 3));
        // -5 (integer), and 2.5 as the high bits of a double, ×100 → 0.025.
        let mut mul = cell_head(2, 0)[..4].to_vec();
        for v in [
            ((-5i32 << 2) as u32) | 2,
            ((2.5f64.to_bits() >> 32) as u32) | 1,
        ] {
            mul.extend_from_slice(&15u16.to_le_bytes());
            mul.extend_from_slice(&v.to_le_bytes());
        }
        mul.extend_from_slice(&1u16.to_le_bytes());
        w.extend(rec(MULRK, &mul));
        // A formula with a string result, then one with a number.
        let mut f = cell_head(3, 0);
        f.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0xFF, 0xFF]);
        f.extend_from_slice(&[0; 6]);
        w.extend(rec(FORMULA, &f));
        let mut st = vec![5, 0, 0];
        st.extend_from_slice(b"total");
        w.extend(rec(STRING, &st));
        let mut f = cell_head(3, 1);
        f.extend_from_slice(&4111.0f64.to_le_bytes());
        f.extend_from_slice(&[0; 6]);
        w.extend(rec(FORMULA, &f));
        let mut label = cell_head(4, 0);
        label.extend_from_slice(&[3, 0, 0]);
        label.extend_from_slice(b"a\nb");
        w.extend(rec(LABEL, &label));
        w.extend(labelsst(4, 1, 3));
        // A chart embedded in the sheet: a nested substream, not a sheet.
        w.extend(bof(0x20));
        w.extend(rec(EOF, &[]));
        // A comment: TXO, then its text in a CONTINUE, then its runs.
        let mut txo = vec![0u8; 18];
        txo[10] = 7;
        w.extend(rec(TXO, &txo));
        let mut t = vec![0u8];
        t.extend_from_slice(b"see IBAN");
        w.extend(rec(CONTINUE, &t[..8]));
        w.extend(rec(CONTINUE, &[0u8; 16]));
        w.extend(rec(EOF, &[]));
        // The second sheet gets the second name.
        w.extend(bof(0x10));
        w.extend(labelsst(0, 0, 0));
        w.extend(rec(EOF, &[]));
        w
    }

    #[test]
    fn strings_across_continue_records_rk_mulrk_formulas_and_comments() {
        let out = xls_text(&workbook(), 1 << 20).unwrap();
        assert_eq!(
            out.text,
            "Лист 1\nName\tSSN\nAbИван\t123456789\t1.23\n-5\t0.025\ntotal\t4111\na b\text\nsee IBA\n\nTotals\nName\n"
        );
    }

    #[test]
    fn passwords_old_versions_and_damage_are_errors() {
        let mut w = bof(GLOBALS);
        w.extend(rec(FILEPASS, &[1, 0, 1, 0]));
        assert!(matches!(xls_text(&w, 99), Err(OleError::Encrypted(_))));
        let mut biff5 = rec(BOF, &[0, 5, 5, 0, 0, 0, 0, 0]);
        biff5.extend(rec(EOF, &[]));
        let e = xls_text(&biff5, 99).unwrap_err();
        assert!(
            matches!(&e, OleError::Unsupported(m) if m.contains("0x0500")),
            "{e}"
        );
        let w = workbook();
        let e = xls_text(&w[..w.len() - 30], 1 << 20)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("claims") && e.contains("the stream ends first"),
            "{e}"
        );
        // An SST whose strings run past its records.
        let mut w = bof(GLOBALS);
        w.extend(rec(SST, &[1, 0, 0, 0, 1, 0, 0, 0, 50, 0, 0, b'x']));
        let e = xls_text(&w, 1 << 20).unwrap_err().to_string();
        assert!(e.contains("SST string 0"), "{e}");
        assert!(matches!(
            xls_text(b"\x01\x02\x00\x00", 9),
            Err(OleError::Corrupt(_))
        ));
    }

    #[test]
    fn the_cap_cuts_at_a_character_boundary() {
        // "Лис" is 6 bytes; the next letter would end at byte 8.
        let out = xls_text(&workbook(), 7).unwrap();
        assert!(out.truncated);
        assert_eq!(out.text, "Лис");
    }

    #[test]
    fn header_codes_are_stripped() {
        assert_eq!(
            strip_codes("&L&\"Arial,Bold\"&12Secret &&Co&R&P of &N"),
            " Secret &Co  of "
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_respects_the_cap(
            data in proptest::collection::vec(proptest::num::u8::ANY, 0..3000),
            cap in 0usize..300,
            after_bof in proptest::bool::ANY,
        ) {
            let mut w = if after_bof { bof(GLOBALS) } else { Vec::new() };
            w.extend(data);
            if let Ok(out) = xls_text(&w, cap) {
                proptest::prop_assert!(out.text.len() <= cap);
            }
        }

        #[test]
        fn mutated_workbooks_never_panic(
            flips in proptest::collection::vec((0usize..1000, proptest::num::u8::ANY), 1..8),
        ) {
            let mut w = workbook();
            for (at, v) in flips {
                let n = w.len();
                w[at % n] = v;
            }
            let _ = xls_text(&w, 1 << 16);
        }
    }
}
