//! Diagnostics with line, column and a caret under the problem.

use std::fmt::Write as _;

use serde::Serialize;

/// A byte range in a source text, end exclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn shifted(self, by: usize) -> Span {
        Span::new(self.start + by, self.end + by)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found while loading a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// Where in the source text (file) the problem is, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// 1-based line and column (in characters) of `span.start`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// What the problem is in: `rule \`x\``, `/flows/2/senders/0`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>, span: Option<Span>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            line: None,
            column: None,
            context: None,
        }
    }

    pub fn warning(message: impl Into<String>, span: Option<Span>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message, span)
        }
    }

    pub fn with_context(mut self, ctx: impl Into<String>) -> Diagnostic {
        self.context = Some(ctx.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Fills `line`/`column` from the span against `source`.
    pub fn locate(mut self, source: &str) -> Diagnostic {
        if let Some(span) = self.span {
            let (line, col) = line_col(source, span.start);
            self.line = Some(line);
            self.column = Some(col);
        }
        self
    }

    /// Renders like a compiler: message, location, the source line and a
    /// caret under the problem.
    pub fn render(&self, file: &str, source: &str) -> String {
        let mut out = String::new();
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(out, "{sev}: {}", self.message);
        let Some(span) = self.span else {
            let _ = write!(out, "  --> {file}");
            if let Some(ctx) = &self.context {
                let _ = write!(out, " ({ctx})");
            }
            out.push('\n');
            return out;
        };
        let (line, col) = line_col(source, span.start);
        let _ = write!(out, "  --> {file}:{line}:{col}");
        if let Some(ctx) = &self.context {
            let _ = write!(out, " ({ctx})");
        }
        out.push('\n');
        let text = source.lines().nth(line.saturating_sub(1)).unwrap_or("");
        let width = line.to_string().len();
        let _ = writeln!(out, "{:width$} |", "");
        let _ = writeln!(out, "{line:width$} | {text}");
        // caret: as many characters as the span covers on this line
        let line_start = span.start - (col - 1).min(span.start);
        let line_chars: Vec<char> = text.chars().collect();
        let prefix: String = line_chars
            .iter()
            .take(col.saturating_sub(1))
            .map(|c| if *c == '\t' { '\t' } else { ' ' })
            .collect();
        let span_chars = source
            .get(span.start..span.end.min(line_start + text.len()).max(span.start))
            .map(|s| s.chars().count())
            .unwrap_or(1)
            .max(1);
        let _ = writeln!(out, "{:width$} | {prefix}{}", "", "^".repeat(span_chars));
        out
    }
}

/// 1-based (line, column in characters) of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = source.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source
        .get(line_start..offset)
        .map_or(0, |s| s.chars().count())
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_points_at_span() {
        let src = "a\n_request.remoteIP != 'US'\n";
        let d = Diagnostic::error(
            "unknown variable `_request.remoteIP`",
            Some(Span::new(2, 19)),
        );
        let r = d.render("p.yaml", src);
        assert!(r.contains("p.yaml:2:1"), "{r}");
        assert!(r.contains("2 | _request.remoteIP != 'US'"), "{r}");
        assert!(r.contains("  | ^^^^^^^^^^^^^^^^^\n"), "{r}");
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        assert_eq!(line_col("", 5), (1, 1));
    }
}
