//! Lexer and recursive-descent parser for rule expressions.
//!
//! The parser never fails: it returns the tree it could build (with
//! [`Expr::Error`] nodes where it could not read anything) and the
//! diagnostics, like rust-analyzer's. Grammar, loosest first:
//!
//! ```text
//! expr    := and ('or' and)*
//! and     := unary ('and' unary)*
//! unary   := 'not' unary | cmp
//! cmp     := primary (('=='|'!='|'<>'|'>'|'<'|'>='|'<=') primary)?
//! primary := literal | '(' expr ')' | path ('(' (expr (',' expr)*)? ')')?
//! path    := ident '.' ident
//! ```
//!
//! Keywords are case-insensitive. Strings take single or double quotes and
//! also the typographic quotes a word processor puts in their place (the
//! FileCloud seed's examples read `’13.112.23.121’`, the same curly quote
//! on both sides): any of ‘ ’ ‚ ‛ opens a string that any of them (or `'`)
//! closes, and any of “ ” „ ‟ one that any of them (or `"`) closes. Other
//! characters that look like quotes (a backtick, an acute accent,
//! guillemets, primes, full-width quotes) also delimit a string, so the
//! rest of the rule still reads, with one error that says to use straight
//! quotes.

use super::ast::{CmpOp, Expr, Lit};
use crate::diag::{Diagnostic, Span};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Dot,
    Comma,
    LParen,
    RParen,
    Op(CmpOp),
    Minus,
    Bad(char),
    Eof,
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    diags: Vec<Diagnostic>,
}

impl Lexer<'_> {
    fn peek_char(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn next_tok(&mut self) -> (Tok, Span) {
        while self.peek_char().is_some_and(char::is_whitespace) {
            self.bump();
        }
        let start = self.pos;
        let Some(c) = self.bump() else {
            return (Tok::Eof, Span::new(start, start));
        };
        let tok = match c {
            '.' => Tok::Dot,
            ',' => Tok::Comma,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '-' => Tok::Minus,
            '=' => {
                if self.peek_char() == Some('=') {
                    self.bump();
                }
                Tok::Op(CmpOp::Eq)
            }
            '!' if self.peek_char() == Some('=') => {
                self.bump();
                Tok::Op(CmpOp::Ne)
            }
            '<' => match self.peek_char() {
                Some('>') => {
                    self.bump();
                    Tok::Op(CmpOp::Ne)
                }
                Some('=') => {
                    self.bump();
                    Tok::Op(CmpOp::Le)
                }
                _ => Tok::Op(CmpOp::Lt),
            },
            '>' => {
                if self.peek_char() == Some('=') {
                    self.bump();
                    Tok::Op(CmpOp::Ge)
                } else {
                    Tok::Op(CmpOp::Gt)
                }
            }
            c if quote_family(c).is_some() => self.string(c, start),
            c if c.is_ascii_digit() => {
                while self.peek_char().is_some_and(|c| c.is_ascii_digit()) {
                    self.bump();
                }
                if self.peek_char() == Some('.')
                    && self
                        .src
                        .get(self.pos + 1..)
                        .and_then(|s| s.chars().next())
                        .is_some_and(|c| c.is_ascii_digit())
                {
                    self.bump();
                    while self.peek_char().is_some_and(|c| c.is_ascii_digit()) {
                        self.bump();
                    }
                }
                let text = self.src.get(start..self.pos).unwrap_or("0");
                match text.parse::<f64>() {
                    Ok(n) if n.is_finite() => Tok::Num(n),
                    _ => {
                        self.diags.push(Diagnostic::error(
                            format!("number `{text}` is out of range"),
                            Some(Span::new(start, self.pos)),
                        ));
                        Tok::Num(0.0)
                    }
                }
            }
            c if c.is_alphabetic() || c == '_' => {
                while self
                    .peek_char()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
                {
                    self.bump();
                }
                Tok::Ident(self.src.get(start..self.pos).unwrap_or("").to_string())
            }
            c => Tok::Bad(c),
        };
        (tok, Span::new(start, self.pos))
    }

    fn string(&mut self, open: char, start: usize) -> Tok {
        let Some((closers, accepted)) = quote_family(open) else {
            return Tok::Bad(open);
        };
        if !accepted {
            self.diags.push(Diagnostic::error(
                format!(
                    "`{open}` is not a quote: write the string in straight quotes, '…' or \"…\""
                ),
                Some(Span::new(start, start + open.len_utf8())),
            ));
        }
        let mut out = String::new();
        loop {
            match self.bump() {
                None => {
                    self.diags.push(Diagnostic::error(
                        "unterminated string",
                        Some(Span::new(start, self.pos)),
                    ));
                    return Tok::Str(out);
                }
                Some('\\') => match self.bump() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(c) => out.push(c),
                    None => {}
                },
                Some(c) if closers.contains(&c) => return Tok::Str(out),
                Some(c) => out.push(c),
            }
        }
    }
}

/// Single quotes: the straight one and its typographic stand-ins.
const SINGLE: &[char] = &['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];
/// Double quotes: the straight one and its typographic stand-ins.
const DOUBLE: &[char] = &['"', '\u{201C}', '\u{201D}', '\u{201E}', '\u{201F}'];
/// Characters mistaken for quotes, each with the characters that close
/// it: read as strings, but an error.
const LOOKALIKES: &[(char, &[char])] = &[
    ('`', &['`']),
    ('\u{B4}', &['\u{B4}']),
    ('\u{2032}', &['\u{2032}']),
    ('\u{2033}', &['\u{2033}']),
    ('\u{AB}', &['\u{BB}']),
    ('\u{BB}', &['\u{AB}', '\u{BB}']),
    ('\u{2039}', &['\u{203A}']),
    ('\u{203A}', &['\u{2039}', '\u{203A}']),
    ('\u{FF07}', &['\u{FF07}']),
    ('\u{FF02}', &['\u{FF02}']),
];

/// If `open` starts a string: the characters that close it, and whether
/// it is accepted without an error.
fn quote_family(open: char) -> Option<(&'static [char], bool)> {
    match open {
        // A straight quote is closed by its own kind, and `'` also by the
        // right single quote a word processor turns it into.
        '"' => Some((&['"'], true)),
        '\'' => Some((&['\'', '\u{2019}'], true)),
        c if SINGLE.contains(&c) => Some((SINGLE, true)),
        c if DOUBLE.contains(&c) => Some((DOUBLE, true)),
        c => LOOKALIKES
            .iter()
            .find(|(o, _)| *o == c)
            .map(|(_, close)| (*close, false)),
    }
}

struct Parser {
    toks: Vec<(Tok, Span)>,
    pos: usize,
    diags: Vec<Diagnostic>,
    /// Open parentheses, `not`s and argument lists around the current
    /// token.
    depth: usize,
    /// Nodes built so far.
    nodes: usize,
    /// A limit was hit: the rest of the input is skipped, and no more
    /// errors are reported (they would be consequences of skipping).
    stopped: bool,
}

/// Nesting limit: parentheses, `not`s and argument lists around a value.
/// Every stage after the parser (check, compile, evaluate, print, drop)
/// recurses once per level of the tree, and `and`/`or` chains are flat
/// (one level whatever their length), so this bounds the stack all of
/// them use. No policy needs more than a handful of levels.
pub const MAX_DEPTH: usize = 32;

/// Size limit: values, variables, calls and operators in one expression.
/// It bounds the work and memory one rule can cost every decision.
pub const MAX_NODES: usize = 2048;

fn too_deep() -> String {
    format!(
        "expression nests too deeply (more than {MAX_DEPTH} levels of parentheses, `not` and arguments)"
    )
}

fn too_large() -> String {
    format!("expression is too large (more than {MAX_NODES} values and operators)")
}

impl Parser {
    fn peek(&self) -> &Tok {
        self.toks.get(self.pos).map_or(&Tok::Eof, |t| &t.0)
    }

    fn span(&self) -> Span {
        self.toks
            .get(self.pos)
            .or_else(|| self.toks.last())
            .map_or(Span::default(), |t| t.1)
    }

    fn bump(&mut self) -> (Tok, Span) {
        let t = self
            .toks
            .get(self.pos)
            .cloned()
            .unwrap_or((Tok::Eof, self.span()));
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }

    fn error(&mut self, msg: String, span: Span) {
        if !self.stopped {
            self.diags.push(Diagnostic::error(msg, Some(span)));
        }
    }

    /// Reports a limit at `span` and skips the rest of the input.
    fn give_up(&mut self, msg: String, span: Span) -> Expr {
        self.error(msg, span);
        self.stopped = true;
        self.pos = self.toks.len();
        Expr::Error(span)
    }

    /// Counts one node against [`MAX_NODES`]: `false` when over.
    fn count(&mut self) -> bool {
        self.nodes += 1;
        self.nodes <= MAX_NODES
    }

    /// One nesting level deeper (a parenthesis, an argument list).
    fn expr(&mut self) -> Expr {
        if self.depth >= MAX_DEPTH {
            let sp = self.span();
            return self.give_up(too_deep(), sp);
        }
        self.depth += 1;
        let e = self.or();
        self.depth -= 1;
        e
    }

    fn or(&mut self) -> Expr {
        let first = self.and();
        if !self.keyword("or") {
            return first;
        }
        let mut terms = vec![first];
        while self.keyword("or") {
            self.bump();
            terms.push(self.and());
        }
        self.chain(terms, Expr::Or)
    }

    fn and(&mut self) -> Expr {
        let first = self.unary();
        if !self.keyword("and") {
            return first;
        }
        let mut terms = vec![first];
        while self.keyword("and") {
            self.bump();
            terms.push(self.unary());
        }
        self.chain(terms, Expr::And)
    }

    fn chain(&mut self, terms: Vec<Expr>, make: fn(Vec<Expr>, Span) -> Expr) -> Expr {
        let sp = match (terms.first(), terms.last()) {
            (Some(a), Some(b)) => a.span().to(b.span()),
            _ => self.span(),
        };
        if !self.count() {
            return self.give_up(too_large(), sp);
        }
        make(terms, sp)
    }

    fn unary(&mut self) -> Expr {
        if self.keyword("not") {
            let (_, sp) = self.bump();
            if self.depth >= MAX_DEPTH {
                return self.give_up(too_deep(), sp);
            }
            if !self.count() {
                return self.give_up(too_large(), sp);
            }
            self.depth += 1;
            let e = self.unary();
            self.depth -= 1;
            let full = sp.to(e.span());
            return Expr::Not(Box::new(e), full);
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Expr {
        let lhs = self.primary();
        if let Tok::Op(op) = *self.peek() {
            self.bump();
            let rhs = self.primary();
            let sp = lhs.span().to(rhs.span());
            if let Tok::Op(_) = self.peek() {
                let sp2 = self.span();
                self.error(
                    "comparisons do not chain: add parentheses or `and`".into(),
                    sp2,
                );
            }
            if !self.count() {
                return self.give_up(too_large(), sp);
            }
            return Expr::Cmp(op, Box::new(lhs), Box::new(rhs), sp);
        }
        lhs
    }

    fn primary(&mut self) -> Expr {
        let (tok, sp) = self.bump();
        if !self.count() {
            return self.give_up(too_large(), sp);
        }
        match tok {
            Tok::Str(s) => Expr::Lit(Lit::Str(s), sp),
            Tok::Num(n) => Expr::Lit(Lit::Num(n), sp),
            Tok::Minus => match self.peek().clone() {
                Tok::Num(n) => {
                    let (_, nsp) = self.bump();
                    Expr::Lit(Lit::Num(-n), sp.to(nsp))
                }
                _ => {
                    self.error("expected a number after `-`".into(), sp);
                    Expr::Error(sp)
                }
            },
            Tok::LParen => {
                let inner = self.expr();
                if *self.peek() == Tok::RParen {
                    self.bump();
                } else {
                    let at = self.span();
                    self.error("expected `)`".into(), at);
                }
                inner
            }
            Tok::Ident(id) => {
                if id.eq_ignore_ascii_case("true") {
                    return Expr::Lit(Lit::Bool(true), sp);
                }
                if id.eq_ignore_ascii_case("false") {
                    return Expr::Lit(Lit::Bool(false), sp);
                }
                if ["and", "or", "not"]
                    .iter()
                    .any(|k| id.eq_ignore_ascii_case(k))
                {
                    self.error(format!("expected a value, found `{id}`"), sp);
                    return Expr::Error(sp);
                }
                self.path(id, sp)
            }
            Tok::Eof => {
                self.error("expected an expression".into(), sp);
                Expr::Error(sp)
            }
            other => {
                let what = describe(&other);
                self.error(format!("expected a value, found {what}"), sp);
                Expr::Error(sp)
            }
        }
    }

    fn path(&mut self, first: String, start: Span) -> Expr {
        let ns = first.strip_prefix('_').unwrap_or(&first).to_string();
        if *self.peek() != Tok::Dot {
            self.error(
                format!("expected a variable like `_user.email`, found `{first}`"),
                start,
            );
            return Expr::Error(start);
        }
        self.bump();
        let (tok, nsp) = self.bump();
        let Tok::Ident(name) = tok else {
            self.error(format!("expected a name after `{first}.`"), nsp);
            return Expr::Error(start.to(nsp));
        };
        let mut span = start.to(nsp);
        if *self.peek() == Tok::Dot {
            let sp = self.span();
            self.error(
                format!("`{first}.{name}` has no members (metadata names go in quotes: `_metadata.exists('a.b')`)"),
                sp,
            );
            while *self.peek() == Tok::Dot {
                self.bump();
                let (_, s) = self.bump();
                span = span.to(s);
            }
            return Expr::Error(span);
        }
        if *self.peek() == Tok::LParen {
            self.bump();
            let mut args = Vec::new();
            if *self.peek() != Tok::RParen {
                loop {
                    args.push(self.expr());
                    if *self.peek() == Tok::Comma {
                        self.bump();
                        continue;
                    }
                    break;
                }
            }
            let end = self.span();
            if *self.peek() == Tok::RParen {
                self.bump();
            } else {
                self.error("expected `,` or `)` in argument list".into(), end);
            }
            return Expr::Call {
                ns,
                name,
                args,
                span: start.to(end),
            };
        }
        Expr::Var { ns, name, span }
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Str(_) => "a string".into(),
        Tok::Num(n) => format!("`{n}`"),
        Tok::Dot => "`.`".into(),
        Tok::Comma => "`,`".into(),
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::Op(o) => format!("`{}`", o.as_str()),
        Tok::Minus => "`-`".into(),
        Tok::Bad(c) => format!("`{c}`"),
        Tok::Eof => "the end".into(),
    }
}

/// Parses an expression. Spans are byte offsets into `src`.
pub fn parse(src: &str) -> (Expr, Vec<Diagnostic>) {
    let mut lx = Lexer {
        src,
        pos: 0,
        diags: Vec::new(),
    };
    let mut toks = Vec::new();
    loop {
        let (t, sp) = lx.next_tok();
        if let Tok::Bad(c) = t {
            lx.diags.push(Diagnostic::error(
                format!("unexpected character `{c}`"),
                Some(sp),
            ));
            continue;
        }
        let eof = t == Tok::Eof;
        toks.push((t, sp));
        if eof {
            break;
        }
    }
    let mut p = Parser {
        toks,
        pos: 0,
        diags: lx.diags,
        depth: 0,
        nodes: 0,
        stopped: false,
    };
    let e = p.expr();
    if *p.peek() != Tok::Eof {
        let (t, sp) = p.bump();
        let what = describe(&t);
        p.error(format!("unexpected {what} after the expression"), sp);
    }
    (e, p.diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> Expr {
        let (e, d) = parse(src);
        assert!(d.is_empty(), "{src}: {d:?}");
        e
    }

    #[test]
    fn seed_use_cases_parse() {
        let e = ok("_request.remoteCountryCode != \u{2018}US\u{2019}");
        assert_eq!(e.to_string(), "_request.remoteCountryCode != 'US'");
        let e = ok(
            "_metadata.existsWithValue('Security.internal', false) or (_metadata.existsWithValue('Security.internal', true) and _user.inGroup('CodeLathe'))",
        );
        assert!(matches!(e, Expr::Or(..)));
        let e = ok(
            "_user.inGroup('Internal') or (_user.inGroup('Trusted Company') and _request.remoteIp == '13.112.23.121')",
        );
        assert_eq!(
            e.to_string(),
            "_user.inGroup('Internal') or _user.inGroup('Trusted Company') and _request.remoteIp == '13.112.23.121'"
        );
    }

    #[test]
    fn typographic_quotes_delimit_strings() {
        // The seed's rule as printed: the same right quote on both sides.
        let e = ok("_request.remoteIp == \u{2019}13.112.23.121\u{2019}");
        assert_eq!(e.to_string(), "_request.remoteIp == '13.112.23.121'");
        for (open, close) in [
            ('\u{2018}', '\u{2019}'),
            ('\u{2019}', '\u{2019}'),
            ('\u{2018}', '\u{2018}'),
            ('\u{201A}', '\u{2018}'),
            ('\u{201C}', '\u{201D}'),
            ('\u{201D}', '\u{201D}'),
            ('\u{201E}', '\u{201C}'),
            ('\u{201C}', '"'),
            ('\'', '\u{2019}'),
        ] {
            let e = ok(&format!(
                "_user.email == {open}a@b.c{close} and _user.inGroup({open}x{close})"
            ));
            assert_eq!(
                e.to_string(),
                "_user.email == 'a@b.c' and _user.inGroup('x')",
                "{open}…{close}"
            );
        }
    }

    #[test]
    fn lookalike_quotes_are_one_error_that_says_what_to_write() {
        for (open, close) in [
            ('`', '`'),
            ('\u{B4}', '\u{B4}'),
            ('\u{AB}', '\u{BB}'),
            ('\u{2032}', '\u{2032}'),
            ('\u{FF07}', '\u{FF07}'),
        ] {
            let src =
                format!("_request.remoteIp == {open}13.112.23.121{close} and _user.inGroup('x')");
            let (e, d) = parse(&src);
            assert_eq!(d.len(), 1, "{src}: {d:?}");
            assert!(d[0].message.contains("straight quotes"), "{}", d[0].message);
            let at = src.find(open).unwrap();
            assert_eq!(d[0].span, Some(Span::new(at, at + open.len_utf8())));
            // The rest of the rule is still read.
            assert!(matches!(e, Expr::And(..)), "{e:?}");
        }
    }

    #[test]
    fn precedence_and_printing() {
        let e = ok("not a.b == 1 and (x.y or z.w)");
        assert_eq!(e.to_string(), "not _a.b == 1 and (_x.y or _z.w)");
        let e = ok("_a.b <> -2.5");
        assert_eq!(e.to_string(), "_a.b != -2.5");
        let e = ok("a.b AND NOT c.d OR e.f");
        assert_eq!(e.to_string(), "_a.b and not _c.d or _e.f");
    }

    #[test]
    fn errors_have_spans() {
        let (_, d) = parse("_user.email == ");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].message, "expected an expression");
        let (_, d) = parse("_user.email == 'x' 'y'");
        assert_eq!(d[0].span, Some(Span::new(19, 22)));
        let (_, d) = parse("(_user.email == 'x'");
        assert_eq!(d[0].message, "expected `)`");
        let (_, d) = parse("_user.email == 'x");
        assert_eq!(d[0].message, "unterminated string");
        let (_, d) = parse("a.b == 1 == 2");
        assert!(d[0].message.contains("do not chain"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = "(".repeat(10_000) + "a.b" + &")".repeat(10_000);
        let (_, d) = parse(&src);
        assert!(d.iter().any(|d| d.message.contains("too deeply")));
        let src = "not ".repeat(10_000) + "a.b";
        let (_, d) = parse(&src);
        assert!(d.iter().any(|d| d.message.contains("too deeply")));
    }
}
