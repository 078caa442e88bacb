//! The expression AST and its printer.
//!
//! The printer writes the canonical form: `_`-prefixed namespaces,
//! lower-case keywords, single-quoted strings and only the parentheses that
//! precedence needs, so that parse ∘ print ∘ parse is the identity (a
//! property test checks it).

use std::fmt;

use crate::diag::Span;

/// Comparison operators. `<>` is read as `!=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Gt => ">",
            CmpOp::Lt => "<",
            CmpOp::Ge => ">=",
            CmpOp::Le => "<=",
        }
    }

    pub fn parse(s: &str) -> Option<CmpOp> {
        Some(match s.trim() {
            "==" | "=" => CmpOp::Eq,
            "!=" | "<>" => CmpOp::Ne,
            ">" => CmpOp::Gt,
            "<" => CmpOp::Lt,
            ">=" => CmpOp::Ge,
            "<=" => CmpOp::Le,
            _ => return None,
        })
    }

    /// Applies the operator to an ordering.
    pub fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => ord == Equal,
            CmpOp::Ne => ord != Equal,
            CmpOp::Gt => ord == Greater,
            CmpOp::Lt => ord == Less,
            CmpOp::Ge => ord != Less,
            CmpOp::Le => ord != Greater,
        }
    }
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Bool(bool),
    Num(f64),
    Str(String),
}

impl fmt::Display for Lit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lit::Bool(b) => write!(f, "{b}"),
            Lit::Num(n) => write!(f, "{n}"),
            Lit::Str(s) => write_quoted(f, s),
        }
    }
}

/// Writes `s` single-quoted with `\\` and `\'` escaped.
pub fn write_quoted(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('\'')?;
    for c in s.chars() {
        match c {
            '\'' => f.write_str("\\'")?,
            '\u{2019}' => f.write_str("\\\u{2019}")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('\'')
}

/// An expression node.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Lit, Span),
    /// `_ns.name`
    Var {
        ns: String,
        name: String,
        span: Span,
    },
    /// `_ns.name(args…)`
    Call {
        ns: String,
        name: String,
        args: Vec<Expr>,
        span: Span,
    },
    Not(Box<Expr>, Span),
    /// `a and b and …`: a chain of two or more terms, kept flat so that a
    /// long chain is one level deep, not one level per term.
    And(Vec<Expr>, Span),
    /// `a or b or …`, flat like [`Expr::And`].
    Or(Vec<Expr>, Span),
    Cmp(CmpOp, Box<Expr>, Box<Expr>, Span),
    /// What the parser put where it could not read an expression.
    Error(Span),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Lit(_, s)
            | Expr::Var { span: s, .. }
            | Expr::Call { span: s, .. }
            | Expr::Not(_, s)
            | Expr::And(_, s)
            | Expr::Or(_, s)
            | Expr::Cmp(_, _, _, s)
            | Expr::Error(s) => *s,
        }
    }

    /// Structural equality, ignoring spans.
    pub fn same(&self, other: &Expr) -> bool {
        match (self, other) {
            (Expr::Lit(a, _), Expr::Lit(b, _)) => a == b,
            (
                Expr::Var {
                    ns: n1, name: m1, ..
                },
                Expr::Var {
                    ns: n2, name: m2, ..
                },
            ) => n1 == n2 && m1 == m2,
            (
                Expr::Call {
                    ns: n1,
                    name: m1,
                    args: a1,
                    ..
                },
                Expr::Call {
                    ns: n2,
                    name: m2,
                    args: a2,
                    ..
                },
            ) => {
                n1 == n2
                    && m1 == m2
                    && a1.len() == a2.len()
                    && a1.iter().zip(a2).all(|(x, y)| x.same(y))
            }
            (Expr::Not(a, _), Expr::Not(b, _)) => a.same(b),
            (Expr::And(a, _), Expr::And(b, _)) | (Expr::Or(a, _), Expr::Or(b, _)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
            }
            (Expr::Cmp(o1, a1, b1, _), Expr::Cmp(o2, a2, b2, _)) => {
                o1 == o2 && a1.same(a2) && b1.same(b2)
            }
            (Expr::Error(_), Expr::Error(_)) => true,
            _ => false,
        }
    }

    /// Binding strength for the printer: or < and < not < cmp < atom.
    fn level(&self) -> u8 {
        match self {
            Expr::Or(..) => 1,
            Expr::And(..) => 2,
            Expr::Not(..) => 3,
            Expr::Cmp(..) => 4,
            _ => 5,
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn child(f: &mut fmt::Formatter<'_>, e: &Expr, min: u8) -> fmt::Result {
            if e.level() < min {
                write!(f, "({e})")
            } else {
                write!(f, "{e}")
            }
        }
        fn chain(f: &mut fmt::Formatter<'_>, terms: &[Expr], op: &str, min: u8) -> fmt::Result {
            for (i, t) in terms.iter().enumerate() {
                if i > 0 {
                    f.write_str(op)?;
                }
                child(f, t, min)?;
            }
            Ok(())
        }
        match self {
            Expr::Lit(l, _) => write!(f, "{l}"),
            Expr::Var { ns, name, .. } => write!(f, "_{ns}.{name}"),
            Expr::Call { ns, name, args, .. } => {
                write!(f, "_{ns}.{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            Expr::Not(e, _) => {
                f.write_str("not ")?;
                child(f, e, 3)
            }
            // a chain inside a chain of the same kind keeps its
            // parentheses, so that the grouping survives a round trip
            Expr::And(terms, _) => chain(f, terms, " and ", 3),
            Expr::Or(terms, _) => chain(f, terms, " or ", 2),
            Expr::Cmp(op, a, b, _) => {
                child(f, a, 5)?;
                write!(f, " {} ", op.as_str())?;
                child(f, b, 5)
            }
            Expr::Error(_) => f.write_str("<error>"),
        }
    }
}
