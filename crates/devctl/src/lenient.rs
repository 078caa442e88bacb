//! The examples of seed 004 are JSON with `//` comments (and one trailing
//! comma). [`parse`] accepts them: comments (`//` to end of line and
//! `/* … */`) and commas before `}` or `]` are blanked out *outside strings*,
//! byte for byte, so that line and column numbers of syntax errors still
//! point into the original text. Then `serde_json` parses the result.

use serde_json::Value;

/// A syntax error with its 1-based position in the original text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Blanks out comments and trailing commas outside strings. Multi-byte
/// characters inside comments become as many spaces as they had bytes, and
/// newlines are kept, so byte offsets and line numbers do not move.
pub fn strip(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out: Vec<u8> = bytes.to_vec();
    let mut i = 0usize;
    let mut in_string = false;
    // Index in `out` of the last comma seen outside a string since the last
    // significant byte, a candidate trailing comma.
    let mut pending_comma: Option<usize> = None;
    while let Some(&b) = bytes.get(i) {
        if in_string {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                pending_comma = None;
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while let Some(&c) = bytes.get(i) {
                    if c == b'\n' {
                        break;
                    }
                    if let Some(o) = out.get_mut(i) {
                        *o = b' ';
                    }
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut closed = false;
                while let Some(&c) = bytes.get(i) {
                    if c == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        for k in [i, i + 1] {
                            if let Some(o) = out.get_mut(k) {
                                *o = b' ';
                            }
                        }
                        i += 2;
                        closed = true;
                        break;
                    }
                    if c != b'\n'
                        && let Some(o) = out.get_mut(i)
                    {
                        *o = b' ';
                    }
                    i += 1;
                }
                if !closed {
                    break;
                }
            }
            b',' => {
                pending_comma = Some(i);
                i += 1;
            }
            b'}' | b']' => {
                if let Some(c) = pending_comma.take()
                    && let Some(o) = out.get_mut(c)
                {
                    *o = b' ';
                }
                i += 1;
            }
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            _ => {
                pending_comma = None;
                i += 1;
            }
        }
    }
    // Only ASCII bytes outside strings were replaced by ASCII spaces, and a
    // comment's multi-byte characters were replaced whole, so this is UTF-8;
    // fall back to a lossy conversion rather than fail.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Parses lenient JSON (see module docs).
pub fn parse(text: &str) -> Result<Value, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(&strip(text)).map_err(|e| SyntaxError {
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_trailing_commas_go_strings_stay() {
        let v = parse(
            "{\n // a comment\n \"a\": \"x // not a comment\", /* block\n */ \"b\": [1, 2,],\n \"c\": \"\\\"//\", }",
        )
        .unwrap();
        assert_eq!(v["a"], "x // not a comment");
        assert_eq!(v["b"], serde_json::json!([1, 2]));
        assert_eq!(v["c"], "\"//");
    }

    #[test]
    fn errors_keep_original_positions() {
        let err = parse("{\n  // comment \u{e9}\n  \"a\": 1 x\n}").unwrap_err();
        assert_eq!((err.line, err.column), (3, 10), "{err}");
        assert!(err.message.starts_with("expected `,` or `}`"), "{err}");
    }

    #[test]
    fn non_ascii_in_comments_is_blanked_whole() {
        let v = parse("{\"a\": 1 // café – ok\n}").unwrap();
        assert_eq!(v["a"], 1);
    }
}
