//! A fast, conservative measure of how deeply a YAML or JSON document
//! nests, taken before the document is parsed.
//!
//! The YAML parser is quadratic in the nesting of flow collections
//! (`[[[[…]]]]`: 100,000 levels in 195 KB took 58 s), and the
//! deserializer recurses once per level. [`check`] walks the text once,
//! line by line, and refuses a document whose nesting passes a limit
//! before the parser sees it, with the place where the limit was reached.
//!
//! It counts flow collections (`[`, `{` outside quoted scalars and
//! comments, where they start a node) and block collections (a stack of
//! indentation columns, each `- ` entry one level, a sequence under a key
//! at the key's column one more). Block scalars (`|`, `>`) are skipped.
//! It may miscount exotic documents by a level or two; the limit is far
//! above what any policy needs and far below what hurts.

/// Deepest nesting a policy document may have: maps and lists inside each
/// other, block or flow.
pub const MAX_DOC_DEPTH: usize = 64;

/// The largest policy document, in bytes.
pub const MAX_DOC_BYTES: usize = 4 * 1024 * 1024;

/// Where the limit was passed: a byte offset into the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep {
    pub offset: usize,
}

#[derive(Clone, Copy)]
struct Level {
    col: usize,
    seq: bool,
}

/// Scanner state carried across lines.
#[derive(Default)]
struct Scan {
    /// Open block collections.
    block: Vec<Level>,
    /// Open flow collections.
    flow: usize,
    /// Inside a quoted scalar opened by this quote.
    quote: Option<u8>,
}

impl Scan {
    fn depth(&self) -> usize {
        self.block.len() + self.flow
    }
}

/// Checks that `text` nests at most [`MAX_DOC_DEPTH`] levels deep.
pub fn check(text: &str) -> Result<(), TooDeep> {
    let mut s = Scan::default();
    let mut offset = 0usize;
    // indentation of the line that opened a block scalar
    let mut block_scalar: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let bytes = line.as_bytes();
        let indent = bytes.iter().take_while(|&&b| b == b' ').count();
        let blank = bytes
            .get(indent..)
            .is_none_or(|r| r.iter().all(u8::is_ascii_whitespace));
        if let Some(parent) = block_scalar {
            if blank || indent > parent {
                continue;
            }
            block_scalar = None;
        }
        if blank {
            continue;
        }
        if let Some(scalar_at) = scan_line(&mut s, bytes, indent, start)? {
            block_scalar = Some(scalar_at);
        }
    }
    Ok(())
}

/// Scans one line; `Some(indent)` when it opens a block scalar.
fn scan_line(
    s: &mut Scan,
    bytes: &[u8],
    indent: usize,
    start: usize,
) -> Result<Option<usize>, TooDeep> {
    let mut i = indent;
    let too_deep = |i: usize| TooDeep { offset: start + i };
    // a node starts here: at the line's content, after `- `, `: `, `? `,
    // and inside flow collections after `[`, `{`, `,`
    let mut node_start = s.quote.is_none() && s.flow == 0;
    if node_start {
        // block structure: the line's first node
        if bytes.get(i) == Some(&b'#') {
            return Ok(None);
        }
        let dash = is_indicator(bytes, i, b'-');
        while let Some(top) = s.block.last() {
            if top.col > i || (top.col == i && (top.seq || !dash)) {
                s.block.pop();
            } else {
                break;
            }
        }
    }
    let mut last_significant = None;
    while let Some(&b) = bytes.get(i) {
        if let Some(q) = s.quote {
            match b {
                b'\\' if q == b'"' => i += 1,
                b'\'' if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
                _ if b == q => s.quote = None,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'#' if i == 0 || bytes.get(i - 1).is_some_and(u8::is_ascii_whitespace) => break,
            b'\'' | b'"' if node_start => s.quote = Some(b),
            b'[' | b'{' if node_start || s.flow > 0 => {
                s.flow += 1;
                if s.depth() > MAX_DOC_DEPTH {
                    return Err(too_deep(i));
                }
            }
            b']' | b'}' if s.flow > 0 => s.flow -= 1,
            b'-' | b'?' if s.flow == 0 && node_start && is_indicator(bytes, i, b) => {
                s.block.push(Level {
                    col: i,
                    seq: b == b'-',
                });
                if s.depth() > MAX_DOC_DEPTH {
                    return Err(too_deep(i));
                }
            }
            b':' if s.flow == 0 && is_indicator(bytes, i, b':') => {
                // `key: value`: the key is a map entry at its column
                let col = key_column(bytes, i);
                if s.block.last().is_none_or(|l| l.col < col) {
                    s.block.push(Level { col, seq: false });
                    if s.depth() > MAX_DOC_DEPTH {
                        return Err(too_deep(i));
                    }
                }
            }
            _ => {}
        }
        if !b.is_ascii_whitespace() {
            last_significant = Some(b);
        }
        node_start = match b {
            b'[' | b'{' | b',' => s.flow > 0,
            b' ' | b'\t' => node_start,
            b':' => s.flow > 0 || is_indicator(bytes, i, b),
            b'-' | b'?' => is_indicator(bytes, i, b),
            _ => false,
        };
        i += 1;
    }
    // `key: |` or `- >-`: the lines below are text
    let scalar = s.flow == 0
        && s.quote.is_none()
        && matches!(
            last_significant,
            Some(b'|' | b'>' | b'-' | b'+' | b'0'..=b'9')
        )
        && opens_block_scalar(bytes);
    Ok(scalar.then_some(indent))
}

/// `-`, `?` or `:` followed by a blank or the end of the line.
fn is_indicator(bytes: &[u8], i: usize, b: u8) -> bool {
    bytes.get(i) == Some(&b) && bytes.get(i + 1).is_none_or(u8::is_ascii_whitespace)
}

/// The column where the key ending at `colon` starts.
fn key_column(bytes: &[u8], colon: usize) -> usize {
    let head = bytes.get(..colon).unwrap_or(&[]);
    // the key starts after the last `- ` or `? ` indicator or the indentation
    let mut col = head.iter().take_while(|&&b| b == b' ').count();
    let mut j = col;
    while let Some(&b) = head.get(j) {
        if (b == b'-' || b == b'?') && is_indicator(bytes, j, b) {
            j += 1;
            while head.get(j) == Some(&b' ') {
                j += 1;
            }
            col = j;
        } else {
            break;
        }
    }
    col
}

/// Whether the line ends (comments aside) in a block scalar header such as
/// `|`, `>-`, `|2+`.
fn opens_block_scalar(bytes: &[u8]) -> bool {
    let text = std::str::from_utf8(bytes).unwrap_or("");
    let text = match text.find(" #") {
        Some(i) => text.get(..i).unwrap_or(text),
        None => text,
    };
    let Some(last) = text.split_whitespace().next_back() else {
        return false;
    };
    let mut chars = last.chars();
    matches!(chars.next(), Some('|' | '>'))
        && chars.all(|c| c == '-' || c == '+' || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_ok(text: &str) -> bool {
        check(text).is_ok()
    }

    #[test]
    fn policies_pass() {
        let doc = "id: a\nrules:\n  - id: r\n    userActions: [login]\n    expression: |\n      [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n    effect: deny\ntests:\n  - event: { file: { classification: { detectors: { a: { low: 1 } } } } }\n";
        assert!(depth_ok(doc));
        // brackets inside quotes, comments and plain scalars are text
        let many = "[".repeat(200);
        assert!(depth_ok(&format!(
            "a: '{many}'\nb: \"{many}\"\nc: x{many}\n# {many}\n"
        )));
    }

    #[test]
    fn deep_flow_and_block_nesting_are_refused_where_they_pass_the_limit() {
        let flow = "a: ".to_string() + &"[".repeat(100_000) + &"]".repeat(100_000);
        let e = check(&flow).unwrap_err();
        // the map `a` is one level, then 64 lists
        assert_eq!(e.offset, 3 + MAX_DOC_DEPTH - 1);
        let dashes = "- ".repeat(1000) + "x\n";
        assert!(check(&dashes).is_err());
        let mut block = String::new();
        for i in 0..100 {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        let e = check(&block).unwrap_err();
        let line = block.get(..e.offset).unwrap().matches('\n').count() + 1;
        assert_eq!(line, MAX_DOC_DEPTH + 1);
        // a sequence under a key at the key's column is one level more
        let mut seq = String::new();
        for i in 0..40 {
            seq.push_str(&" ".repeat(2 * i));
            seq.push_str("k:\n");
            seq.push_str(&" ".repeat(2 * i));
            seq.push_str("- ");
            seq.push('\n');
        }
        assert!(check(&seq).is_err());
    }

    #[test]
    fn siblings_do_not_add_up() {
        let mut doc = String::new();
        for _ in 0..10_000 {
            doc.push_str("- a: [1, [2, {b: c}]]\n  b: x\n");
        }
        assert!(depth_ok(&doc));
    }
}
