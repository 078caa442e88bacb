//! Wildcard patterns: `*` any run of characters, and one single-character
//! wildcard (`?` for data-flow identities, `#` for FileCloud's
//! `pathMatches`, none for device-control hardware ids). The one matcher
//! of the workspace: `cordon-devctl` uses it too.
//!
//! Written here rather than taken from a glob crate because globs give `*`
//! path semantics (not crossing `/`) and `[` classes, and the seeds want
//! neither. The matcher is the classic two-pointer algorithm with one
//! backtrack point: linear space, no allocation, O(n·m) worst case.

/// One element of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Char(char),
    One,
    Star,
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    toks: Vec<Tok>,
    /// ASCII case-insensitive.
    fold: bool,
    /// Only literal characters: matched by plain comparison.
    literal: Option<Box<str>>,
}

impl Pattern {
    fn build(p: &str, one: Option<char>, fold: bool) -> Pattern {
        let mut toks = Vec::new();
        for c in p.chars() {
            let t = if c == '*' {
                if toks.last() == Some(&Tok::Star) {
                    continue;
                }
                Tok::Star
            } else if Some(c) == one {
                Tok::One
            } else if fold {
                Tok::Char(c.to_ascii_lowercase())
            } else {
                Tok::Char(c)
            };
            toks.push(t);
        }
        let literal = toks
            .iter()
            .all(|t| matches!(t, Tok::Char(_)))
            .then(|| p.into());
        Pattern {
            toks,
            fold,
            literal,
        }
    }

    /// Data-flow identity pattern: `*` and `?`, case-insensitive.
    pub fn identity(p: &str) -> Pattern {
        Pattern::build(p, Some('?'), true)
    }

    /// FileCloud `pathMatches`: `*` and `#`, case-sensitive.
    pub fn share(p: &str) -> Pattern {
        Pattern::build(p, Some('#'), false)
    }

    /// Device-control hardware id (`models`): `*` only, case-sensitive.
    pub fn hardware_id(p: &str) -> Pattern {
        Pattern::build(p, None, false)
    }

    pub fn is_literal(&self) -> bool {
        self.literal.is_some()
    }

    /// Whether `text` matches the whole pattern.
    pub fn matches(&self, text: &str) -> bool {
        if let Some(lit) = &self.literal {
            return if self.fold {
                lit.eq_ignore_ascii_case(text)
            } else {
                **lit == *text
            };
        }
        let fold = self.fold;
        let eq = |a: char, b: char| {
            if fold {
                a == b.to_ascii_lowercase()
            } else {
                a == b
            }
        };
        let (mut p, mut t) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        loop {
            let tc = text.get(t..).and_then(|s| s.chars().next());
            match (self.toks.get(p), tc) {
                (Some(Tok::Star), _) => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                (Some(Tok::One), Some(c)) => {
                    p += 1;
                    t += c.len_utf8();
                    continue;
                }
                (Some(Tok::Char(pc)), Some(c)) if eq(*pc, c) => {
                    p += 1;
                    t += c.len_utf8();
                    continue;
                }
                (None, None) => return true,
                _ => {}
            }
            // mismatch: let the last star eat one more character
            match star {
                Some((sp, st)) => {
                    let Some(c) = text.get(st..).and_then(|s| s.chars().next()) else {
                        return false;
                    };
                    let nt = st + c.len_utf8();
                    star = Some((sp, nt));
                    p = sp + 1;
                    t = nt;
                }
                None => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn identity_wildcards() {
        let p = Pattern::identity("*@corp.com");
        assert!(p.matches("alice@CORP.com"));
        assert!(!p.matches("alice@corp.com.evil"));
        let p = Pattern::identity("user?@x");
        assert!(p.matches("user1@x"));
        assert!(p.matches("useré@x"));
        assert!(!p.matches("user12@x"));
        assert!(Pattern::identity("*").matches(""));
        assert!(Pattern::identity("a*b*c").matches("aXXbYYbc"));
    }

    #[test]
    fn share_wildcards() {
        let p = Pattern::share("/team/#/*.pdf");
        assert!(p.matches("/team/a/x/y.pdf"));
        assert!(!p.matches("/team/ab/y.pdf"));
        assert!(!Pattern::share("/A*").matches("/a"));
    }

    /// Obviously-correct recursive matcher to check the fast one against.
    fn slow(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| slow(rest, &t[i..])),
            Some(('?', rest)) => !t.is_empty() && slow(rest, &t[1..]),
            Some((c, rest)) => {
                t.first().is_some_and(|x| x.eq_ignore_ascii_case(c)) && slow(rest, &t[1..])
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_recursive_matcher(p in "[ab*?]{0,8}", t in "[abAB]{0,10}") {
            let pc: Vec<char> = p.chars().collect();
            let tc: Vec<char> = t.chars().collect();
            prop_assert_eq!(Pattern::identity(&p).matches(&t), slow(&pc, &tc));
        }
    }
}
