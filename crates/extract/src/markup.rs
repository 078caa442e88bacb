//! Streaming text of HTML and XML: tags dropped, entities decoded,
//! CDATA kept. What a page carries besides its text is kept too, each on
//! lines of its own, because it leaves with the file and is where keys
//! are left: `script` and `style` content (HTML), comments, and
//! processing instructions other than XML's own (`<?php … ?>`); only
//! `<!DOCTYPE …>`-style declarations and `<?xml …?>` are dropped. In XML, a data format, the names are the labels: an attribute's
//! value and an element's own text are written after their name
//! (`<nhsNumber>943 476 5919</nhsNumber>` reads `nhs Number: 943 476
//! 5919`, `<gp npi="1234567893"/>` reads `npi: 1234567893`), so a
//! detector that needs its word finds it as in a `name: value` line. Written by hand rather than with an HTML5 parser because it must
//! run in bounded memory over files of any size and never build a tree;
//! it only has to find text, not the document's structure.

use std::io::{self, Read};

use crate::srcmap::SourceMap;

const CHUNK: usize = 32 * 1024;
/// Longest entity we try to decode (`&CounterClockwiseContourIntegral;`).
const MAX_ENTITY: usize = 40;
/// Longest tag name we remember (to recognise `script` and block tags).
const MAX_NAME: usize = 16;
/// Longest XML name written as a label; a longer one is no word.
const MAX_LABEL: usize = 48;
/// Most columns of an HTML table whose header cells are kept as their
/// names (memory stays bounded whatever a row holds); the cells past
/// them have no label.
const MAX_COLUMNS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Text,
    /// After `<`.
    TagOpen,
    /// Reading a tag name; `closing` after `</`.
    TagName {
        closing: bool,
    },
    /// Inside a tag after its name, between attributes (reading an
    /// attribute name when `attr` is not empty).
    InTag {
        closing: bool,
    },
    /// After `=` in a tag, before the value.
    AfterEq {
        closing: bool,
    },
    /// Inside an attribute value; `quote` is `"`, `'`, or 0 when unquoted.
    AttrValue {
        closing: bool,
        quote: u8,
        keep: bool,
    },
    /// After `<!`: a comment, CDATA section or declaration.
    Bang,
    Comment,
    CData,
    /// `<!DOCTYPE ...>`, `<?xml ...?>`: skipped up to `>`.
    Decl,
    /// After `<?`: the processing instruction's target (in `pending`).
    PiTarget,
    /// A processing instruction's body (`<?php …`), written up to `?>`
    /// (`matched` is 1 after a `?`).
    PiBody,
    /// Inside `script`/`style`: written up to the matching end tag (the
    /// `matched` bytes of `pending` held as a possible end tag).
    RawText,
    /// After `&`.
    Entity,
}

/// A processing instruction's target of XML's own (`xml`,
/// `xml-stylesheet`), which carries no data.
fn xml_target(target: &[u8]) -> bool {
    target
        .get(..3)
        .is_some_and(|t| t.eq_ignore_ascii_case(b"xml"))
}

/// Where text being written comes from in the source.
#[derive(Debug, Clone, Copy)]
enum Src {
    /// Copied byte for byte from this offset on.
    Copied(u64),
    /// Decoded from the source span `[start, end)` (an entity).
    Decoded(u64, u64),
    /// Written by the extractor (a label, a line break) at this offset.
    Inserted(u64),
}

/// A `Read` of the text of an HTML or XML stream.
pub struct MarkupText<R> {
    inner: R,
    html: bool,
    state: State,
    input: Vec<u8>,
    in_pos: usize,
    in_end: usize,
    eof: bool,
    out: Vec<u8>,
    out_pos: usize,
    /// The tag name being read (lowercase, at most MAX_NAME bytes).
    name: Vec<u8>,
    /// The bytes after `<!` or `&`, or the end tag being looked for.
    pending: Vec<u8>,
    /// How far the end of a comment (`-->`), CDATA (`]]>`) or raw text
    /// (`</script`) has been matched.
    matched: usize,
    /// Tail of the last text emitted was a line break or nothing.
    at_break: bool,
    /// The attribute name being read (lowercase, at most MAX_NAME bytes).
    attr: Vec<u8>,
    /// Where an entity returns to when it ends (text or an attribute).
    entity_return: State,
    /// XML: the name being read (tag or attribute) as written, up to
    /// `MAX_LABEL` bytes plus one (one over: too long to be a label).
    raw: Vec<u8>,
    /// XML: the element's name while its attributes are read.
    element: Vec<u8>,
    /// XML: the last tag's `/` before `>` (`<gp npi="1"/>` has no text).
    slash: bool,
    /// XML: the label written before the next text that is not blank
    /// (an element's own text), cleared by the next tag. HTML: a table
    /// cell's column name, cleared at the cell's end.
    label: Vec<u8>,
    /// HTML: the column names of the (outermost) table being read, from
    /// its last header row (`<th>` cells, or the cells of `<thead>`).
    headers: Vec<Vec<u8>>,
    /// HTML: the header cells of the row being read.
    row_headers: Vec<Vec<u8>>,
    /// HTML: whether the row being read has data cells (`<td>` outside
    /// `<thead>`): then its `<th>` cells name rows, not columns.
    row_data: bool,
    /// HTML: the column of the next cell of the row.
    col: usize,
    /// HTML: tables open; columns are named only in the outermost.
    tables: usize,
    /// HTML: inside `<thead>`, and inside a header cell (whose text is
    /// also kept as its column's name).
    in_thead: bool,
    in_th: bool,
    /// Where each run of text came from, when the caller asked.
    map: Option<SourceMap>,
    /// Source offset of `input[0]`.
    src_base: u64,
    /// Text offset of `out[0]`.
    out_base: u64,
    /// Source offset of the byte being stepped.
    at: u64,
    /// Source offset of the `&` of the entity being read.
    entity_at: u64,
}

impl<R: Read> MarkupText<R> {
    pub fn new(inner: R, html: bool) -> Self {
        Self {
            inner,
            html,
            state: State::Text,
            input: vec![0; CHUNK],
            in_pos: 0,
            in_end: 0,
            eof: false,
            out: Vec::with_capacity(CHUNK),
            out_pos: 0,
            name: Vec::new(),
            pending: Vec::new(),
            matched: 0,
            at_break: true,
            attr: Vec::new(),
            entity_return: State::Text,
            raw: Vec::new(),
            element: Vec::new(),
            slash: false,
            label: Vec::new(),
            headers: Vec::new(),
            row_headers: Vec::new(),
            row_data: false,
            col: 0,
            tables: 0,
            in_thead: false,
            in_th: false,
            map: None,
            src_base: 0,
            out_base: 0,
            at: 0,
            entity_at: 0,
        }
    }

    /// Records in `map` where each run of the text comes from in the
    /// source (offsets in the bytes read from `inner`).
    pub fn with_map(mut self, map: SourceMap) -> Self {
        self.map = Some(map);
        self
    }

    /// Notes that `len` bytes about to be written come from `src`.
    fn record(&self, len: usize, src: Src) {
        let Some(map) = &self.map else { return };
        let text = self.out_base + self.out.len() as u64;
        match src {
            Src::Copied(s) => map.copied(text, s),
            Src::Decoded(s, e) => map.opaque(text, len, s, e),
            Src::Inserted(s) => map.opaque(text, len, s, s),
        }
    }

    fn emit(&mut self, b: u8, src: Src) {
        if !self.label.is_empty() && !b.is_ascii_whitespace() {
            self.write_label(src);
        }
        self.record(1, src);
        self.out.push(b);
        self.at_break = b == b'\n';
        if self.in_th {
            self.header_text(&[b]);
        }
    }

    /// A byte of a script, comment or processing instruction: written
    /// without a pending label (which stays for the element's own text)
    /// and not as a header cell's name.
    fn emit_plain(&mut self, b: u8, src: Src) {
        self.record(1, src);
        self.out.push(b);
        self.at_break = b == b'\n';
    }

    /// The `n` bytes before the current one, held as a possible end
    /// (`</script`, `--`, `?`) and found not to be: written as they were
    /// read, from `held` (which matched them, any case).
    fn release(&mut self, held: &[u8], n: usize) {
        for (i, &b) in held.iter().take(n).enumerate() {
            let at = self.at.saturating_sub((n - i) as u64);
            self.emit_plain(b, Src::Copied(at));
        }
    }

    /// Text of a header cell, kept (up to one byte over [`MAX_LABEL`]:
    /// longer is no column name) as its column's name.
    fn header_text(&mut self, s: &[u8]) {
        if let Some(h) = self.row_headers.last_mut() {
            let room = (MAX_LABEL + 1).saturating_sub(h.len());
            h.extend_from_slice(s.get(..room.min(s.len())).unwrap_or_default());
        }
    }

    /// HTML: a table's structure. A data cell's column name (its header
    /// cell's text) becomes its label, written before its text as an XML
    /// element's name is (`<th>NPI</th>` over `<td>1234567893</td>` reads
    /// `NPI: 1234567893`): a report's or a mail's table keeps the words
    /// that say what every row's values are.
    fn table_tag(&mut self, name: &[u8], closing: bool) {
        match (name, closing) {
            (b"table", false) => {
                self.tables += 1;
                self.label.clear();
                if self.tables == 1 {
                    self.headers.clear();
                }
            }
            (b"table", true) => {
                self.tables = self.tables.saturating_sub(1);
                if self.tables == 0 {
                    self.headers.clear();
                    self.label.clear();
                    self.in_th = false;
                    self.in_thead = false;
                }
            }
            _ if self.tables != 1 => {}
            (b"thead", c) => self.in_thead = !c,
            (b"tr", false) => {
                self.col = 0;
                self.row_headers.clear();
                self.row_data = false;
            }
            (b"tr", true) => {
                if !self.row_data && !self.row_headers.is_empty() {
                    self.headers = std::mem::take(&mut self.row_headers);
                }
                self.col = 0;
            }
            (b"th", false) | (b"td", false) if name == b"th" || self.in_thead => {
                // Past `MAX_COLUMNS` a header cell names nothing.
                self.in_th = self.row_headers.len() < MAX_COLUMNS;
                if self.in_th {
                    self.row_headers.push(Vec::new());
                }
            }
            (b"td", false) => {
                self.row_data = true;
                self.label.clear();
                if let Some(h) = self.headers.get(self.col) {
                    let h = h.trim_ascii();
                    if !h.is_empty() && h.len() <= MAX_LABEL && !h.contains(&b'\n') {
                        self.label.extend_from_slice(h);
                    }
                }
            }
            (b"th" | b"td", true) => {
                self.in_th = false;
                self.col += 1;
                self.label.clear();
            }
            _ => {}
        }
    }

    fn emit_slice(&mut self, s: &[u8], src: Src) {
        if self.in_th {
            self.header_text(s);
        }
        if !self.label.is_empty() {
            // Blank text before the element's own text stays before its
            // label.
            let blank = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
            if blank < s.len() {
                let (lead, text) = s.split_at(blank);
                self.record(lead.len(), src);
                self.out.extend_from_slice(lead);
                let src = match src {
                    Src::Copied(at) => Src::Copied(at + blank as u64),
                    other => other,
                };
                self.write_label(src);
                self.record(text.len(), src);
                self.out.extend_from_slice(text);
                self.at_break = text.last() == Some(&b'\n');
                return;
            }
        }
        if let Some(&last) = s.last() {
            self.record(s.len(), src);
            self.out.extend_from_slice(s);
            self.at_break = last == b'\n';
        }
    }

    /// Writes the pending label and `: ` before text from `src`.
    fn write_label(&mut self, src: Src) {
        let at = match src {
            Src::Copied(s) | Src::Decoded(s, _) | Src::Inserted(s) => s,
        };
        self.record(self.label.len() + 2, Src::Inserted(at));
        self.out.append(&mut self.label);
        self.out.extend_from_slice(b": ");
    }

    /// XML: a byte of a tag's or attribute's name, kept as written.
    fn name_byte(&mut self, b: u8) {
        if !self.html && self.raw.len() <= MAX_LABEL {
            self.raw.push(b);
        }
    }

    fn separator(&mut self) {
        if !self.at_break {
            self.emit(b'\n', Src::Inserted(self.at));
        }
    }

    /// A tag ended: break the text unless it is an inline HTML tag.
    fn tag_done(&mut self, closing: bool) {
        let name = std::mem::take(&mut self.name);
        if self.html {
            if !closing && matches!(name.as_slice(), b"script" | b"style") {
                self.separator();
                self.pending = b"</".to_vec();
                self.pending.extend_from_slice(&name);
                self.matched = 0;
                self.state = State::RawText;
                self.name = name;
                return;
            }
            if !is_inline(&name) {
                self.separator();
            }
            self.table_tag(&name, closing);
        } else {
            self.separator();
            if !closing && !self.slash {
                self.label.clear();
                push_label(&self.element, &mut self.label);
            }
        }
        self.name = name;
        self.raw.clear();
        self.element.clear();
        self.slash = false;
        self.state = State::Text;
    }

    /// Whether text produced now is kept (not in a dropped attribute).
    fn keeping(&self) -> bool {
        !matches!(self.entity_return, State::AttrValue { keep: false, .. })
    }

    /// An attribute value starts; kept unless the attribute only styles.
    fn start_value(&mut self, closing: bool, quote: u8) {
        let dropped = closing || (self.html && is_presentational(&self.attr));
        let keep = !dropped;
        if keep {
            self.separator();
            let text = self.out.len();
            if !self.html && push_label(&self.raw, &mut self.out) {
                self.out.extend_from_slice(b": ");
                self.at_break = false;
                if let Some(map) = &self.map {
                    let len = self.out.len() - text;
                    map.opaque(self.out_base + text as u64, len, self.at, self.at);
                }
            }
        }
        self.raw.clear();
        self.state = State::AttrValue {
            closing,
            quote,
            keep,
        };
    }

    fn flush_entity(&mut self) {
        if !self.keeping() {
            self.pending.clear();
            return;
        }
        let raw = std::mem::take(&mut self.pending);
        let at = self.entity_at;
        self.emit(b'&', Src::Copied(at));
        self.emit_slice(&raw, Src::Copied(at + 1));
    }

    fn decode_entity(&mut self) {
        if !self.keeping() {
            self.pending.clear();
            return;
        }
        let body = std::mem::take(&mut self.pending);
        let decoded = decode_entity(&body, self.html);
        let at = self.entity_at;
        match decoded {
            Some(s) => self.emit_slice(s.as_bytes(), Src::Decoded(at, self.at + 1)),
            None => {
                self.emit(b'&', Src::Copied(at));
                self.emit_slice(&body, Src::Copied(at + 1));
                self.emit(b';', Src::Copied(self.at));
            }
        }
    }

    fn step(&mut self, b: u8) {
        match self.state {
            State::Text => match b {
                b'<' => self.state = State::TagOpen,
                b'&' => {
                    self.pending.clear();
                    self.entity_at = self.at;
                    self.entity_return = State::Text;
                    self.state = State::Entity;
                }
                _ => self.emit(b, Src::Copied(self.at)),
            },
            State::Entity => match b {
                b';' => {
                    self.decode_entity();
                    self.state = self.entity_return;
                }
                b'#' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z'
                    if self.pending.len() < MAX_ENTITY =>
                {
                    self.pending.push(b);
                }
                _ => {
                    self.flush_entity();
                    self.state = self.entity_return;
                    self.step(b);
                }
            },
            State::TagOpen => match b {
                // Another element's tag ends this one's own text: its
                // label is not written before another element's. (In
                // HTML a cell's label outlasts the tags inside the cell,
                // `<td><b>…`: `table_tag` clears it.)
                b'/' => {
                    if !self.html {
                        self.label.clear();
                    }
                    self.raw.clear();
                    self.name.clear();
                    self.state = State::TagName { closing: true };
                }
                b'!' => {
                    self.pending.clear();
                    self.state = State::Bang;
                }
                b'?' => {
                    self.pending.clear();
                    self.state = State::PiTarget;
                }
                b if b.is_ascii_alphabetic() => {
                    if !self.html {
                        self.label.clear();
                    }
                    self.name.clear();
                    self.name.push(b.to_ascii_lowercase());
                    self.raw.clear();
                    self.slash = false;
                    self.name_byte(b);
                    self.state = State::TagName { closing: false };
                }
                _ => {
                    // A lone `<` in text ("a < b").
                    self.emit(b'<', Src::Copied(self.at.saturating_sub(1)));
                    self.state = State::Text;
                    self.step(b);
                }
            },
            State::TagName { closing } => match b {
                b'>' => {
                    // Swapped, not moved: both keep their capacity.
                    std::mem::swap(&mut self.element, &mut self.raw);
                    self.tag_done(closing);
                }
                b if b.is_ascii_whitespace() || b == b'/' => {
                    self.attr.clear();
                    self.slash = b == b'/';
                    std::mem::swap(&mut self.element, &mut self.raw);
                    self.raw.clear();
                    self.state = State::InTag { closing };
                }
                _ => {
                    if self.name.len() < MAX_NAME {
                        self.name.push(b.to_ascii_lowercase());
                    }
                    self.name_byte(b);
                }
            },
            State::InTag { closing } => match b {
                b'>' => self.tag_done(closing),
                b'=' => self.state = State::AfterEq { closing },
                b'"' | b'\'' => self.start_value(closing, b),
                b if b.is_ascii_whitespace() || b == b'/' => {
                    self.attr.clear();
                    self.raw.clear();
                    self.slash = b == b'/';
                }
                _ => {
                    self.slash = false;
                    if self.attr.len() < MAX_NAME {
                        self.attr.push(b.to_ascii_lowercase());
                    }
                    self.name_byte(b);
                }
            },
            State::AfterEq { closing } => match b {
                b'>' => self.tag_done(closing),
                b'"' | b'\'' => self.start_value(closing, b),
                b if b.is_ascii_whitespace() => {}
                _ => {
                    self.start_value(closing, 0);
                    self.step(b);
                }
            },
            State::AttrValue {
                closing,
                quote,
                keep,
            } => {
                let ends = if quote == 0 {
                    b.is_ascii_whitespace() || b == b'>'
                } else {
                    b == quote
                };
                if ends {
                    if keep {
                        self.separator();
                    }
                    self.attr.clear();
                    self.state = State::InTag { closing };
                    if b == b'>' {
                        self.tag_done(closing);
                    }
                } else if b == b'&' {
                    self.pending.clear();
                    self.entity_at = self.at;
                    self.entity_return = self.state;
                    self.state = State::Entity;
                } else if keep {
                    self.emit(b, Src::Copied(self.at));
                }
            }
            State::Bang => {
                self.pending.push(b);
                if self.pending.as_slice() == b"--" {
                    self.matched = 0;
                    self.separator();
                    self.state = State::Comment;
                } else if self.pending.as_slice() == b"[CDATA[" {
                    self.state = State::CData;
                    self.matched = 0;
                } else if !b"--".starts_with(&self.pending)
                    && !b"[CDATA[".starts_with(&self.pending)
                {
                    self.state = if b == b'>' { State::Text } else { State::Decl };
                }
            }
            State::Comment => match (self.matched, b) {
                (0 | 1, b'-') => self.matched += 1,
                // `--->`: the first dash is the comment's.
                (2, b'-') => self.emit_plain(b'-', Src::Copied(self.at.saturating_sub(2))),
                (2, b'>') => {
                    self.matched = 0;
                    self.state = State::Text;
                    self.separator();
                }
                (m, b) => {
                    self.release(b"--", m);
                    self.matched = 0;
                    self.emit_plain(b, Src::Copied(self.at));
                }
            },
            State::CData => match (self.matched, b) {
                (0 | 1, b']') => self.matched += 1,
                // `]]]`: the first of the three is text.
                (2, b']') => self.emit(b']', Src::Copied(self.at.saturating_sub(2))),
                (2, b'>') => {
                    self.matched = 0;
                    self.state = State::Text;
                }
                (m, b) => {
                    for i in 0..m {
                        let at = self.at.saturating_sub((m - i) as u64);
                        self.emit(b']', Src::Copied(at));
                    }
                    self.matched = 0;
                    if b == b']' {
                        self.matched = 1;
                    } else {
                        self.emit(b, Src::Copied(self.at));
                    }
                }
            },
            State::Decl => {
                if b == b'>' {
                    self.state = State::Text;
                }
            }
            State::PiTarget => {
                if (b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
                    && self.pending.len() < MAX_NAME
                {
                    self.pending.push(b);
                    return;
                }
                // XML's own declaration and style sheets say nothing; any
                // other instruction (`<?php`, `<?=`, `<? `) is code.
                if xml_target(&self.pending) {
                    self.state = if b == b'>' { State::Text } else { State::Decl };
                    return;
                }
                self.separator();
                let target = std::mem::take(&mut self.pending);
                self.release(&target, target.len());
                self.pending = target;
                self.matched = 0;
                self.state = State::PiBody;
                self.step(b);
            }
            State::PiBody => match (self.matched, b) {
                (0, b'?') => self.matched = 1,
                (1, b'>') => {
                    self.matched = 0;
                    self.state = State::Text;
                    self.separator();
                }
                (1, b'?') => self.emit_plain(b'?', Src::Copied(self.at.saturating_sub(1))),
                (m, b) => {
                    self.release(b"?", m);
                    self.matched = 0;
                    self.emit_plain(b, Src::Copied(self.at));
                }
            },
            State::RawText => {
                let want = self.pending.get(self.matched).copied();
                if want.is_some_and(|w| w == b.to_ascii_lowercase()) {
                    self.matched += 1;
                    if self.matched == self.pending.len() {
                        // Found `</script`: skip the rest of the end tag.
                        self.name.clear();
                        self.attr.clear();
                        self.state = State::InTag { closing: true };
                        self.matched = 0;
                    }
                } else {
                    let held = std::mem::take(&mut self.pending);
                    self.release(&held, self.matched);
                    self.pending = held;
                    if b == b'<' {
                        self.matched = 1;
                    } else {
                        self.matched = 0;
                        self.emit_plain(b, Src::Copied(self.at));
                    }
                }
            }
        }
    }

    /// Reads more input after the bytes not yet stepped (moved to the
    /// front of the buffer); false at the end of the input.
    fn refill(&mut self) -> io::Result<bool> {
        let keep = self.in_end.saturating_sub(self.in_pos);
        self.input.copy_within(self.in_pos..self.in_end, 0);
        self.src_base += self.in_pos as u64;
        self.in_pos = 0;
        self.in_end = keep;
        let n = loop {
            match self
                .inner
                .read(self.input.get_mut(keep..).unwrap_or_default())
            {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        self.in_end = keep + n;
        Ok(n > 0)
    }

    /// At the end of the input: what was held as a possible end (an
    /// entity, the start of `</script`, `--`, `?`, a processing
    /// instruction's target) is text after all.
    fn flush_held(&mut self) {
        self.at = self.src_base + self.in_end as u64;
        match self.state {
            State::Entity => self.flush_entity(),
            State::RawText => {
                let held = std::mem::take(&mut self.pending);
                self.release(&held, self.matched);
                self.pending = held;
            }
            State::Comment => self.release(b"--", self.matched),
            State::PiBody => self.release(b"?", self.matched),
            State::PiTarget if !xml_target(&self.pending) => {
                let target = std::mem::take(&mut self.pending);
                self.release(&target, target.len());
            }
            _ => {}
        }
        self.matched = 0;
    }

    fn fill(&mut self) -> io::Result<()> {
        while self.out_pos >= self.out.len() {
            self.out_base += self.out.len() as u64;
            self.out.clear();
            self.out_pos = 0;
            if self.in_pos >= self.in_end {
                if self.eof {
                    return Ok(());
                }
                if !self.refill()? {
                    self.eof = true;
                    self.flush_held();
                    continue;
                }
            }
            while self.in_pos < self.in_end && self.out.len() < CHUNK {
                // Fast paths: runs of text and of attribute bytes are
                // handled a slice at a time.
                let rest = self.input.get(self.in_pos..self.in_end).unwrap_or_default();
                match self.state {
                    State::Text => {
                        let n = memchr::memchr2(b'<', b'&', rest).unwrap_or(rest.len());
                        if n > 0 {
                            // The input is moved out for the call (no
                            // copy): the run is written through
                            // `emit_slice`, which puts a pending label
                            // before it.
                            let input = std::mem::take(&mut self.input);
                            let run = input.get(self.in_pos..self.in_pos + n).unwrap_or_default();
                            let at = self.src_base + self.in_pos as u64;
                            self.emit_slice(run, Src::Copied(at));
                            self.input = input;
                            self.in_pos += n;
                            continue;
                        }
                    }
                    // A script's or an instruction's run up to the next
                    // byte that may start its end.
                    State::RawText | State::PiBody if self.matched == 0 => {
                        let stop = if self.state == State::RawText {
                            b'<'
                        } else {
                            b'?'
                        };
                        let n = memchr::memchr(stop, rest).unwrap_or(rest.len());
                        if n > 0 {
                            let at = self.src_base + self.in_pos as u64;
                            self.record(n, Src::Copied(at));
                            let run = self
                                .input
                                .get(self.in_pos..self.in_pos + n)
                                .unwrap_or_default();
                            self.out.extend_from_slice(run);
                            self.at_break = run.last() == Some(&b'\n');
                            self.in_pos += n;
                            continue;
                        }
                    }
                    State::AttrValue {
                        quote, keep: false, ..
                    } if quote != 0 => {
                        let n = memchr::memchr2(quote, b'&', rest).unwrap_or(rest.len());
                        if n > 0 {
                            self.in_pos += n;
                            continue;
                        }
                    }
                    _ => {}
                }
                let b = self.input.get(self.in_pos).copied().unwrap_or(b' ');
                self.at = self.src_base + self.in_pos as u64;
                self.in_pos += 1;
                self.step(b);
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for MarkupText<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.fill()?;
        let avail = self.out.get(self.out_pos..).unwrap_or_default();
        let n = avail.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.out_pos += n;
        Ok(n)
    }
}

/// An XML name as words: its namespace prefix dropped, `_`, `-` and `.`
/// as spaces, and a space where lower case turns upper (`nhsNumber` →
/// `nhs Number`, `SSNValue` → `SSN Value`), as context words are written.
/// Nothing for a name too long to be a label, and for the names of a
/// document's own structure (`text:p`, `para`, `id`, `version` …), which
/// say nothing of the value (a flat ODF or DocBook file is mostly these).
/// Appended to `out` (no allocation per tag); true if anything was.
fn push_label(name: &[u8], out: &mut Vec<u8>) -> bool {
    if name.len() > MAX_LABEL {
        return false;
    }
    let local = name
        .iter()
        .rposition(|&b| b == b':')
        .map_or(name, |i| name.get(i + 1..).unwrap_or_default());
    // Two letters are a label only as an acronym (`CC`, `DL`, `PO`), not
    // a structural tag (`tr`, `li`, `td`).
    let acronym = local.len() == 2 && local.iter().all(u8::is_ascii_uppercase);
    if local.len() <= 2 && !acronym || is_structural(local) || name.starts_with(b"xmlns") {
        return false;
    }
    for (i, &b) in local.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|j| local.get(j)).copied();
        let next = local.get(i + 1).copied();
        if b.is_ascii_uppercase()
            && (prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                || prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase()))
        {
            out.push(b' ');
        }
        out.push(if matches!(b, b'_' | b'-' | b'.') {
            b' '
        } else {
            b
        });
    }
    true
}

/// XML names of a document's structure and of attributes that only
/// identify, type or style: no label (compared ignoring case).
fn is_structural(local: &[u8]) -> bool {
    const NAMES: &[&[u8]] = &[
        b"span",
        b"para",
        b"text",
        b"title",
        b"div",
        b"section",
        b"sect1",
        b"sect2",
        b"item",
        b"entry",
        b"row",
        b"cell",
        b"body",
        b"head",
        b"note",
        b"list",
        b"list-item",
        b"link",
        b"emphasis",
        b"strong",
        b"code",
        b"pre",
        b"line",
        b"tab",
        b"class",
        b"style",
        b"type",
        b"version",
        b"lang",
        b"href",
        b"src",
        b"ref",
        b"idref",
        b"uuid",
        b"guid",
        b"level",
        b"encoding",
        b"standalone",
        b"name",
        b"style-name",
        b"outline-level",
    ];
    NAMES.iter().any(|n| n.eq_ignore_ascii_case(local))
}

/// HTML attributes that only style or wire up a page; their values are
/// noise for detectors. The values of all other attributes (links, titles,
/// form values, alt text, data attributes) are kept as text.
fn is_presentational(attr: &[u8]) -> bool {
    matches!(
        attr,
        b"style"
            | b"class"
            | b"id"
            | b"width"
            | b"height"
            | b"align"
            | b"valign"
            | b"border"
            | b"cellpadding"
            | b"cellspacing"
            | b"bgcolor"
            | b"color"
            | b"face"
            | b"size"
            | b"type"
            | b"rel"
            | b"lang"
            | b"dir"
            | b"target"
            | b"charset"
            | b"http-equiv"
            | b"role"
            | b"tabindex"
            | b"colspan"
            | b"rowspan"
            | b"xmlns"
            | b"media"
            | b"integrity"
            | b"crossorigin"
            | b"loading"
            | b"nonce"
    ) || attr.starts_with(b"on")
        || attr.starts_with(b"aria-")
        || attr.starts_with(b"xmlns:")
}

/// Tags that do not break a line of text.
fn is_inline(name: &[u8]) -> bool {
    matches!(
        name,
        b"a" | b"abbr"
            | b"b"
            | b"bdi"
            | b"bdo"
            | b"cite"
            | b"code"
            | b"data"
            | b"del"
            | b"dfn"
            | b"em"
            | b"font"
            | b"i"
            | b"ins"
            | b"kbd"
            | b"mark"
            | b"q"
            | b"s"
            | b"samp"
            | b"small"
            | b"span"
            | b"strong"
            | b"sub"
            | b"sup"
            | b"time"
            | b"u"
            | b"var"
            | b"wbr"
            | b"nobr"
    )
}

/// Decode the body of `&body;`. `None` leaves it as written.
fn decode_entity(body: &[u8], html: bool) -> Option<String> {
    if let Some(num) = body.strip_prefix(b"#") {
        let (digits, radix) = match num {
            [b'x' | b'X', rest @ ..] => (rest, 16),
            _ => (num, 10),
        };
        let code = std::str::from_utf8(digits)
            .ok()
            .and_then(|d| u32::from_str_radix(d, radix).ok())?;
        return Some(char::from_u32(code).unwrap_or('\u{FFFD}').to_string());
    }
    let name = std::str::from_utf8(body).ok()?;
    match name {
        "amp" => return Some("&".into()),
        "lt" => return Some("<".into()),
        "gt" => return Some(">".into()),
        "quot" => return Some("\"".into()),
        "apos" => return Some("'".into()),
        _ => {}
    }
    if !html {
        return None;
    }
    let entity = format!("&{name};");
    let decoded = html_escape::decode_html_entities(&entity);
    (decoded != entity).then(|| decoded.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(s: &str) -> String {
        let mut out = String::new();
        MarkupText::new(s.as_bytes(), true)
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    fn xml(s: &str) -> String {
        let mut out = String::new();
        MarkupText::new(s.as_bytes(), false)
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn html_text_only() {
        let page = "<!DOCTYPE html><html><head><title>T</title><style>p{x:1}</style>\
            <script>var ssn='078-05-1120';</script></head><body>\
            <p>Card <b>4111</b> 1111&nbsp;1111&#x20;1111 &amp; &eacute;&copy;</p><!-- hidden -->\
            <div>next</div><p>a &lt; b &bogus; & c</p></body></html>";
        let text = html(page);
        // A page's script, style and comments leave with it: kept, each
        // on lines of its own.
        assert!(text.contains("\nvar ssn='078-05-1120';\n"), "{text}");
        assert!(text.contains("\np{x:1}\n"), "{text}");
        assert!(text.contains("\n hidden \n"), "{text}");
        assert!(
            text.contains("Card 4111 1111\u{a0}1111 1111 & é©\n"),
            "{text}"
        );
        assert!(text.contains("\nnext\n"));
        assert!(text.contains("a < b &bogus; & c"), "{text}");
    }

    /// A table's header cells name its data cells, row after row; a row
    /// with data cells is no header row (its `<th>` names the row); a
    /// nested table and an empty or overlong header name nothing.
    #[test]
    fn html_table_cells_are_labelled_by_their_column() {
        let page = "<table><tr><th>Tel.</th><th>npi</th><th></th></tr>\
            <tr><td>07.32.57.31.85</td><td><b>1394454858</b></td><td>x</td></tr>\
            <tr><td>+1-919-601-3633</td><td>1945663395</td><td>y</td></tr>\
            <tr><th>Total</th><td>3</td></tr>\
            <tr><td>1</td><td><table><tr><th>inner</th></tr><tr><td>z</td></tr></table></td></tr>\
            </table><p>after</p>";
        let text = html(page);
        assert!(
            text.contains("\nTel.: 07.32.57.31.85\nnpi: 1394454858\nx\n"),
            "{text}"
        );
        assert!(
            text.contains("\nTel.: +1-919-601-3633\nnpi: 1945663395\ny\n"),
            "{text}"
        );
        assert!(text.contains("\nTotal\nnpi: 3\n"), "{text}");
        assert!(text.contains("\ninner\nz\n"), "{text}");
        assert!(
            text.contains("\nafter\n") && !text.contains(": after"),
            "{text}"
        );
        // A row of more header cells than are kept: the last column has
        // no name, and the header row's memory stays bounded.
        let wide = format!(
            "<table><tr>{}<th>SSN</th></tr><tr>{}<td>536-22-8726</td></tr></table>",
            "<th>x</th>".repeat(MAX_COLUMNS),
            "<td>1</td>".repeat(MAX_COLUMNS)
        );
        let text = html(&wide);
        assert!(
            text.contains("\n536-22-8726\n") && !text.contains("SSN: "),
            "{text}"
        );
        let thead = html(
            "<table><thead><tr><td>SSN</td></tr></thead><tbody><tr><td>536-22-8726</td></tr></tbody></table>",
        );
        assert!(thead.contains("SSN: 536-22-8726"), "{thead}");
    }

    #[test]
    fn script_end_tag_case_and_attrs() {
        let text = html("<SCRIPT type='x'>if (a</b) {} a</scrip</ScRiPt >after");
        assert_eq!(text, "if (a</b) {} a</scrip\nafter");
        // Cut by the end of the input: what was held is text.
        assert_eq!(html("<script>x</scr"), "x</scr");
    }

    /// A processing instruction other than XML's own is code (`<?php`,
    /// `<?=`, a short `<? `): written up to its `?>`, a `?` or `>` inside
    /// it kept; `<?xml …?>` and `<?xml-stylesheet …?>` are dropped.
    #[test]
    fn processing_instructions_other_than_xml_are_kept() {
        assert_eq!(
            html("<p>a</p><?php $db_password = 'x?y'; if ($a > 1) {} ?>b"),
            "a\nphp $db_password = 'x?y'; if ($a > 1) {} \nb"
        );
        assert_eq!(html("<?= $key ?>"), "= $key \n");
        assert_eq!(
            xml("<?xml version='1.0'?><?xml-stylesheet href='s'?><r>v</r>"),
            "v\n"
        );
        assert_eq!(html("<?php echo 1;"), "php echo 1;");
    }

    /// A comment's text is kept, a dash or two inside it too.
    #[test]
    fn comments_are_kept() {
        assert_eq!(html("a<!-- key: x-y--z --->b"), "a\n key: x-y--z -\nb");
        assert_eq!(html("a<!-- cut -"), "a\n cut -");
    }

    #[test]
    fn xml_cdata_and_attributes() {
        let text = xml(
            "<?xml version='1.0'?><r a=\"x>y\"><n>one</n><![CDATA[<two> ]] ]]><m>&#51;</m></r>",
        );
        assert_eq!(text, "x>y\none\n<two> ]] \n3\n");
        // A flat ODF paragraph is not labelled.
        assert_eq!(
            xml("<office:text><text:p text:style-name=\"P1\">Hi</text:p></office:text>"),
            "P1\nHi\n"
        );
    }

    #[test]
    fn xml_names_label_values_and_own_text() {
        let text = xml(
            "<?xml version=\"1.0\"?>\n<patients xmlns:h=\"urn:x\">\n  <h:patient id=\"7\">\n    \
             <nhsNumber>\n      943 476 5919</nhsNumber>\n    <gp npi=\"1234567893\"/>\n    \
             <SSNValue><![CDATA[078-05-1120]]></SSNValue><empty/>after\n    \
             <card_number>4111&#32;1111</card_number>\n  </h:patient>\n</patients>\n",
        );
        assert_eq!(
            text,
            "\nurn:x\n\n  \n7\n\n    \n\n      nhs Number: 943 476 5919\n\n    \nnpi: 1234567893\n\n    \n\
             SSN Value: 078-05-1120\nafter\n    \ncard number: 4111 1111\n\n  \n\n\n"
        );
        // A name too long for a label is not written; HTML writes none.
        let long = "a".repeat(MAX_LABEL + 1);
        assert_eq!(xml(&format!("<{long}>x</{long}>")), "x\n");
        assert_eq!(html("<p title=t>x</p>"), "t\nx\n");
        let label = |name: &[u8]| {
            let mut out = Vec::new();
            push_label(name, &mut out).then_some(out)
        };
        assert_eq!(label(b"ns:ipv4Address").unwrap(), b"ipv4 Address");
        assert_eq!(
            label(b"patient.phone-number").unwrap(),
            b"patient phone number"
        );
        assert_eq!(label(b"text:p"), None);
        assert_eq!(label(b"xmlns:h"), None);
        assert_eq!(label(b"CC").unwrap(), b"CC");
        assert_eq!(label(b"td"), None);
    }

    #[test]
    fn html_attribute_values_kept_unless_presentational() {
        let text = html(
            "<p>Mail <a href=\"mailto:jane@example.com?a=1&amp;b=2\" class='btn' onclick=\"go('x')\">Jane</a> \
             <img alt=Badge width=3 src=x.png>",
        );
        assert_eq!(
            text,
            "Mail \nmailto:jane@example.com?a=1&b=2\nJane \nBadge\nx.png\n"
        );
    }

    #[test]
    fn stray_closing_raw_tag_does_not_swallow_text() {
        assert_eq!(html("<p>a</style >b</p>"), "a\nb\n");
        assert_eq!(html("<script >x</script >after"), "x\nafter");
    }

    #[test]
    fn entity_split_across_reads() {
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                match self.0.split_first() {
                    Some((b, rest)) if !buf.is_empty() => {
                        buf[0] = *b;
                        self.0 = rest;
                        Ok(1)
                    }
                    _ => Ok(0),
                }
            }
        }
        let mut out = String::new();
        MarkupText::new(OneByte(b"<p>x &amp; y &am"), true)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "x & y &am");
    }

    /// A reader that hands out at most `n` bytes per call.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(self.1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    proptest::proptest! {
        /// The text does not depend on how the input is cut into reads.
        #[test]
        fn chunking_does_not_change_text(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "<p>", "</p>", "<b>", "</b>", "&amp;", "&#x41;", "&nbsp;", "&bad", "<script>x<y</script>",
                    "<?php $a='x?y' ?>", "<?xml v?>", "<!-- a-b--c --->", "</scr", "?", "-",
                    "<!-- c -->", "<![CDATA[d]]>", "<a href=\"x>y\">", "<i title=v&amp;w>", "<td class='k' x=\"&lt;\">", "text ", "=", "'", "\"", "<", "&", ">", "]]", "--",
                    "1\u{a0}2", "\u{a0}", "©",
                ]),
                0..40,
            ),
            html in proptest::bool::ANY,
            step in 1usize..9,
        ) {
            let input: String = parts.concat();
            let mut whole = String::new();
            MarkupText::new(input.as_bytes(), html).read_to_string(&mut whole).unwrap();
            let mut cut = String::new();
            MarkupText::new(Trickle(input.as_bytes(), step), html).read_to_string(&mut cut).unwrap();
            proptest::prop_assert_eq!(whole, cut);
        }

        /// A value in the text maps back to where it is in the source,
        /// whatever markup, entities, labels and read sizes surround it.
        #[test]
        fn values_map_back_to_the_source(
            before in proptest::collection::vec(map_parts(), 0..30),
            after in proptest::collection::vec(map_parts(), 0..10),
            html in proptest::bool::ANY,
            step in 1usize..9,
        ) {
            let value = "4111-1111&#45;1111-111&#49;";
            let input = format!("{}{value}{}", before.concat(), after.concat());
            let (text, map) = mapped(&input, html, step);
            let len = text.len() as u64;
            if let Some((s, e)) = map.span(0, len) {
                proptest::prop_assert!(s <= e && e <= input.len() as u64);
            }
            for (i, _) in text.match_indices("4111-1111-1111-1111") {
                let (s, e) = map.span(i as u64, i as u64 + 19).unwrap();
                proptest::prop_assert_eq!(&input[s as usize..e as usize], value);
            }
        }
    }

    proptest::proptest! {
        /// Every offset of any text maps inside the input, in order (the
        /// fuzz targets' check, on the markup parts and on any bytes).
        #[test]
        fn every_offset_maps_in_order(
            parts in proptest::collection::vec(map_parts(), 0..40),
            noise in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            html in proptest::bool::ANY,
        ) {
            crate::fuzzing::markup(parts.concat().as_bytes(), html);
            crate::fuzzing::markup(&noise, html);
        }
    }

    const MAP_PARTS_LIST: &[&str] = &[
        "<p>",
        "</p>",
        "<b>",
        "</b>",
        "&amp;",
        "&#x41;",
        "&nbsp;",
        "&bad",
        "<script>x<y</script>",
        "<!-- c -->",
        "<?php $a = 'x?y'; ?>",
        "<!-- a-b--c --->",
        "<![CDATA[d]]>",
        "<table>",
        "<tr>",
        "<th>Card number</th>",
        "<td>",
        "</td>",
        "</tr>",
        "<thead>",
        "</thead>",
        "<ssn>",
        "</ssn>",
        "<cardNumber>",
        "<x card=\"",
        "\">",
        "<i title=v&amp;w>",
        "text ",
        "\n",
        "é",
        "<",
        "&",
        "]]",
    ];

    fn map_parts() -> proptest::sample::Select<&'static str> {
        proptest::sample::select(MAP_PARTS_LIST)
    }

    fn mapped(input: &str, html: bool, step: usize) -> (String, SourceMap) {
        let map = SourceMap::new();
        let mut text = String::new();
        MarkupText::new(Trickle(input.as_bytes(), step), html)
            .with_map(map.clone())
            .read_to_string(&mut text)
            .unwrap();
        (text, map)
    }

    #[test]
    fn offsets_map_to_the_file() {
        let page = "<html><body><table><tr><th>Card</th><th>SSN</th></tr>\n\
            <tr><td><b>4111 1111</b> 1111&nbsp;1111</td><td>078&#45;05-1120</td></tr></table>\n\
            <p>Call&nbsp;<i>(212)</i> 555-0100 &amp; more</p></body></html>";
        let (text, map) = mapped(page, true, 7);
        // A no-break space, as an entity or as itself, is kept as the
        // character (cordon-detect reads it as a space) and mapped.
        let (nb, nb_map) = mapped("<p>Tel : 02&nbsp;56\u{a0}37&#8239;76\u{a0}54</p>", true, 3);
        let number = "02\u{a0}56\u{a0}37\u{202f}76\u{a0}54";
        assert_eq!(nb.trim(), format!("Tel : {number}"));
        let i = nb.find("02").unwrap() as u64;
        assert_eq!(nb_map.span(i, i + number.len() as u64), Some((9, 36)));
        let at = |v: &str| {
            let i = text.find(v).unwrap() as u64;
            let (s, e) = map.span(i, i + v.len() as u64).unwrap();
            &page[s as usize..e as usize]
        };
        assert!(text.contains("Card: 4111 1111 1111\u{a0}1111"), "{text}");
        assert_eq!(
            at("4111 1111 1111\u{a0}1111"),
            "4111 1111</b> 1111&nbsp;1111"
        );
        assert_eq!(at("078-05-1120"), "078&#45;05-1120");
        assert_eq!(at("(212) 555-0100"), "(212)</i> 555-0100");
        assert_eq!(at("more"), "more");
        // A label the extractor wrote stands for no bytes: it maps to the
        // place of the text it names.
        let i = text.find("SSN: ").unwrap() as u64;
        let (s, e) = map.span(i, i + 3).unwrap();
        assert_eq!(s, e);
        let xml = "<?xml version=\"1.0\"?><r><nhsNumber>943 476 5919</nhsNumber><gp npi=\"1234567893\"/></r>";
        let (text, map) = mapped(xml, false, 3);
        for v in ["943 476 5919", "1234567893"] {
            let i = text.find(v).unwrap() as u64;
            let (s, e) = map.span(i, i + v.len() as u64).unwrap();
            assert_eq!(&xml[s as usize..e as usize], v, "{text}");
        }
    }
}
