//! Custom detectors from configuration: keyword lists and phrases, and
//! regular expressions with an optional named validator.
//!
//! ```toml
//! # The seed rule: "Confidential" or the phrase "Encrypt me".
//! [[detector]]
//! id = "encrypt_me"
//! category = "CONFIDENTIAL"
//! keywords = ["Confidential", "Encrypt me"]
//! ```

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::kit::{CONTEXT_AFTER, CONTEXT_BEFORE, Cand, has_context};
use crate::model::{Category, Confidence};
use crate::validate;

/// A set of custom detectors, as read from a config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CustomDetectorsConfig {
    #[serde(default, rename = "detector")]
    pub detectors: Vec<CustomDetector>,
}

/// One custom detector: `keywords` and/or `regex`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CustomDetector {
    /// snake_case id reported in findings; must not clash with a built-in id.
    pub id: String,
    /// `PII`, `PHI`, `PCI`, `CREDENTIALS` or `CONFIDENTIAL` (case-insensitive).
    pub category: String,
    /// Words or phrases, matched case-insensitively as whole words.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// A regular expression (Rust `regex` syntax), matched on bytes.
    #[serde(default)]
    pub regex: Option<String>,
    /// A validator the regex match must pass: one of [`validate::NAMED`].
    #[serde(default)]
    pub validator: Option<String>,
    /// Words that raise confidence one step when near a match.
    #[serde(default)]
    pub context: Vec<String>,
    /// If true, matches without a context word are dropped.
    #[serde(default)]
    pub require_context: bool,
    /// Confidence of a match without context (default `medium`).
    #[serde(default)]
    pub confidence: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// Error in a custom detector config. Messages name the line and field.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{0}")]
    Toml(String),
    #[error("detector {index} (`{id}`): field `{field}`: {message}")]
    Invalid {
        index: usize,
        id: String,
        field: &'static str,
        message: String,
    },
}

impl CustomDetectorsConfig {
    /// Parses a TOML document with `[[detector]]` tables. Syntax and type
    /// errors carry the TOML line and column; semantic errors (bad regex,
    /// unknown category or validator) the detector index, id and field.
    pub fn from_toml_str(s: &str) -> Result<Self, ConfigError> {
        let cfg: CustomDetectorsConfig = toml::from_str(s).map_err(|e| {
            let pos = e.span().map(|sp| line_col(s, sp.start));
            let msg = e.message().trim_end_matches('.').to_string();
            ConfigError::Toml(match pos {
                Some((l, c)) => format!("line {l}, column {c}: {msg}"),
                None => msg,
            })
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks every detector without compiling the scanner.
    pub fn validate(&self) -> Result<(), ConfigError> {
        compile(self, 0).map(|_| ())
    }
}

fn line_col(s: &str, off: usize) -> (usize, usize) {
    let before = s.get(..off).unwrap_or(s);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[derive(Debug)]
pub(crate) struct CompiledCustom {
    pub id: String,
    pub category: Category,
    pub confidence: Confidence,
    /// ASCII context words, lower-cased.
    pub context: Vec<String>,
    /// Context words in other scripts, lower-cased (Unicode).
    pub unicode_context: Vec<String>,
    pub require_context: bool,
    pub validator: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct CustomSet {
    pub dets: Vec<CompiledCustom>,
    keywords: Option<Keywords>,
    /// Pattern index -> detector index.
    kw_owner: Vec<usize>,
    regexes: Vec<(Regex, usize)>,
    /// Non-ASCII keywords, one case-insensitive alternation per detector.
    unicode_keywords: Vec<(Regex, usize)>,
    /// Index of the first custom detector in the combined numbering.
    pub base: u32,
}

/// ASCII keywords, found case-insensitively wherever they occur,
/// overlapping ones included (every occurrence of every keyword).
#[derive(Debug)]
enum Keywords {
    /// A few keywords: the text is lower-cased a block at a time and each
    /// keyword looked for by `memchr::memmem`, whose prefilter looks for
    /// the keyword's rarest bytes. Aho-Corasick's overlapping search with
    /// ASCII case folding has no packed searcher and falls back to a
    /// start-byte prefilter, which for the seed's "Encrypt me" stops at
    /// every `e` of a text: on the agent's copies it cost more than all
    /// the built-in detectors together.
    Few(Vec<memchr::memmem::Finder<'static>>),
    /// More: one automaton, however many there are.
    Many(AhoCorasick),
}

/// Up to this many keywords are searched one by one ([`Keywords::Few`]).
const FEW_KEYWORDS: usize = 8;

/// Bytes lower-cased at a time by [`Keywords::Few`] (plus the longest
/// keyword, for occurrences that cross into the next block).
const KEYWORD_BLOCK: usize = 64 << 10;

impl Keywords {
    fn build(kws: &[String]) -> Result<Keywords, aho_corasick::BuildError> {
        if kws.len() <= FEW_KEYWORDS {
            let finders = kws
                .iter()
                .map(|k| memchr::memmem::Finder::new(&k.to_ascii_lowercase()).into_owned())
                .collect();
            return Ok(Keywords::Few(finders));
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(kws)?;
        Ok(Keywords::Many(ac))
    }

    /// Calls `f(keyword, start, end)` for every occurrence in `hay`.
    fn each(&self, hay: &[u8], mut f: impl FnMut(usize, usize, usize)) {
        let finders = match self {
            Keywords::Many(ac) => {
                for m in ac.find_overlapping_iter(hay) {
                    f(m.pattern().as_usize(), m.start(), m.end());
                }
                return;
            }
            Keywords::Few(finders) => finders,
        };
        let longest = finders.iter().map(|k| k.needle().len()).max().unwrap_or(0);
        let mut low = Vec::with_capacity(hay.len().min(KEYWORD_BLOCK + longest));
        let mut block = 0;
        while block < hay.len() {
            // Occurrences starting in block..next; the block is read on
            // past `next` so the ones that start there end in it.
            let next = block.saturating_add(KEYWORD_BLOCK).min(hay.len());
            let end = next.saturating_add(longest).min(hay.len());
            low.clear();
            low.extend(
                hay.get(block..end)
                    .unwrap_or_default()
                    .iter()
                    .map(u8::to_ascii_lowercase),
            );
            for (k, finder) in finders.iter().enumerate() {
                let len = finder.needle().len();
                let mut at = 0;
                while let Some(p) = low.get(at..).and_then(|h| finder.find(h)) {
                    let s = at + p;
                    if block + s >= next {
                        break;
                    }
                    f(k, block + s, block + s + len);
                    at = s + 1;
                }
            }
            block = next;
        }
    }
}

/// Longest custom match considered (regex matches are cut off here so
/// streaming stays bounded).
pub(crate) const MAX_CUSTOM: usize = 4096;

pub(crate) fn compile(cfg: &CustomDetectorsConfig, base: u32) -> Result<CustomSet, ConfigError> {
    let mut set = CustomSet {
        base,
        ..CustomSet::default()
    };
    let mut kws: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (index, d) in cfg.detectors.iter().enumerate() {
        let err = |field: &'static str, message: String| ConfigError::Invalid {
            index: index + 1,
            id: d.id.clone(),
            field,
            message,
        };
        if d.id.is_empty()
            || !d
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(err(
                "id",
                "must be non-empty snake_case (a-z, 0-9, _)".into(),
            ));
        }
        if crate::detectors().iter().any(|b| b.id == d.id) {
            return Err(err("id", "clashes with a built-in detector id".into()));
        }
        if !seen.insert(d.id.clone()) {
            return Err(err("id", "defined twice".into()));
        }
        let category = Category::parse(&d.category).ok_or_else(|| {
            err(
                "category",
                format!(
                    "unknown category `{}` (expected PII, PHI, PCI, CREDENTIALS or CONFIDENTIAL)",
                    d.category
                ),
            )
        })?;
        let confidence = match &d.confidence {
            None => Confidence::Medium,
            Some(c) => Confidence::parse(c).ok_or_else(|| {
                err(
                    "confidence",
                    format!("unknown confidence `{c}` (expected low, medium or high)"),
                )
            })?,
        };
        if d.keywords.is_empty() && d.regex.is_none() {
            return Err(err(
                "keywords",
                "a detector needs `keywords` or `regex`".into(),
            ));
        }
        if let Some(v) = &d.validator {
            if d.regex.is_none() {
                return Err(err(
                    "validator",
                    "a validator applies to `regex` matches only".into(),
                ));
            }
            if !validate::NAMED.contains(&v.as_str()) {
                return Err(err(
                    "validator",
                    format!(
                        "unknown validator `{v}` (expected one of {})",
                        validate::NAMED.join(", ")
                    ),
                ));
            }
        }
        if d.require_context && d.context.is_empty() {
            return Err(err("require_context", "set, but `context` is empty".into()));
        }
        let di = set.dets.len();
        let mut unicode_kws: Vec<String> = Vec::new();
        for k in &d.keywords {
            let k = k.trim();
            if k.is_empty() {
                return Err(err("keywords", "empty keyword".into()));
            }
            if k.is_ascii() {
                kws.push(k.to_string());
                set.kw_owner.push(di);
            } else {
                unicode_kws.push(regex::escape(k));
            }
        }
        if !unicode_kws.is_empty() {
            // Keywords in other scripts ("Конфиденциально") need Unicode
            // case folding, which the ASCII keyword automaton lacks: one
            // case-insensitive alternation per detector.
            let re = RegexBuilder::new(&format!("(?i:{})", unicode_kws.join("|")))
                .size_limit(10 << 20)
                .build()
                .map_err(|e| err("keywords", first_line(&e.to_string())))?;
            set.unicode_keywords.push((re, di));
        }
        if let Some(r) = &d.regex {
            let re = RegexBuilder::new(r)
                .size_limit(10 << 20)
                .build()
                .map_err(|e| {
                    err(
                        "regex",
                        format!("invalid regex `{r}`: {}", first_line(&e.to_string())),
                    )
                })?;
            set.regexes.push((re, di));
        }
        set.dets.push(CompiledCustom {
            id: d.id.clone(),
            category,
            confidence,
            context: d
                .context
                .iter()
                .filter(|c| c.is_ascii())
                .map(|c| c.to_ascii_lowercase())
                .collect(),
            unicode_context: d
                .context
                .iter()
                .filter(|c| !c.is_ascii())
                .map(|c| c.to_lowercase())
                .collect(),
            require_context: d.require_context,
            validator: d.validator.clone(),
        });
    }
    if !kws.is_empty() {
        let found = Keywords::build(&kws).map_err(|e| ConfigError::Invalid {
            index: 0,
            id: String::new(),
            field: "keywords",
            message: e.to_string(),
        })?;
        set.keywords = Some(found);
    }
    Ok(set)
}

fn first_line(s: &str) -> String {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_string()
}

/// True if one of `words` (lower-case, not ASCII) is a whole word in the
/// context window around `t[s..e]`, compared after Unicode lower-casing.
fn unicode_context(t: &[u8], s: usize, e: usize, words: &[String]) -> bool {
    if words.is_empty() {
        return false;
    }
    let lo = s.saturating_sub(CONTEXT_BEFORE);
    let hi = e.saturating_add(CONTEXT_AFTER).min(t.len());
    [t.get(lo..s), t.get(e..hi)]
        .into_iter()
        .flatten()
        .any(|side| {
            let text = String::from_utf8_lossy(side).to_lowercase();
            words.iter().any(|w| {
                text.match_indices(w.as_str()).any(|(i, m)| {
                    let before = text.get(..i).and_then(|b| b.chars().next_back());
                    let after = text.get(i + m.len()..).and_then(|a| a.chars().next());
                    !before.is_some_and(char::is_alphanumeric)
                        && !after.is_some_and(char::is_alphanumeric)
                })
            })
        })
}

/// True if no letter or digit (in any script) touches `t[s..e]` on either
/// side: "Конфиденциально" is not a keyword inside "Конфиденциальность".
fn whole_word(t: &[u8], s: usize, e: usize) -> bool {
    !char_before(t, s).is_some_and(char::is_alphanumeric)
        && !char_after(t, e).is_some_and(char::is_alphanumeric)
}

/// The UTF-8 character ending at `i`, if the bytes there decode as one.
fn char_before(t: &[u8], i: usize) -> Option<char> {
    (1..=4.min(i)).find_map(|n| {
        let b = t.get(i - n..i)?;
        std::str::from_utf8(b).ok()?.chars().next()
    })
}

/// The UTF-8 character starting at `i`, if the bytes there decode as one.
fn char_after(t: &[u8], i: usize) -> Option<char> {
    let len = match *t.get(i)? {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return None,
    };
    std::str::from_utf8(t.get(i..i + len)?).ok()?.chars().next()
}

impl CustomSet {
    pub(crate) fn is_empty(&self) -> bool {
        self.dets.is_empty()
    }

    fn push(&self, t: &[u8], di: usize, s: usize, e: usize, out: &mut Vec<Cand>) {
        let Some(d) = self.dets.get(di) else { return };
        let words: Vec<&str> = d.context.iter().map(String::as_str).collect();
        let ctx = has_context(t, s, e, &words) || unicode_context(t, s, e, &d.unicode_context);
        if d.require_context && !ctx {
            return;
        }
        let conf = if ctx {
            d.confidence.raised()
        } else {
            d.confidence
        };
        out.push(Cand {
            det: self.base + di as u32,
            start: s,
            end: e,
            conf,
        });
    }

    /// Custom matches whose start lies in `from..to`.
    pub(crate) fn collect(&self, t: &[u8], from: usize, to: usize, out: &mut Vec<Cand>) {
        let hi = to.saturating_add(MAX_CUSTOM).min(t.len());
        let Some(hay) = t.get(from..hi) else { return };
        if let Some(kw) = &self.keywords {
            kw.each(hay, |pattern, s, e| {
                let (s, e) = (from + s, from + e);
                // Whole words only, judged at the edges of the keyword.
                if s < to
                    && whole_word(t, s, e)
                    && let Some(&di) = self.kw_owner.get(pattern)
                {
                    self.push(t, di, s, e, out);
                }
            });
        }
        for (re, di) in &self.unicode_keywords {
            for m in re.find_iter(hay) {
                let (s, e) = (from + m.start(), from + m.end());
                if s >= to {
                    break;
                }
                if whole_word(t, s, e) {
                    self.push(t, *di, s, e, out);
                }
            }
        }
        for (re, di) in &self.regexes {
            for m in re.find_iter(hay) {
                let (s, e) = (from + m.start(), from + m.end());
                if s >= to {
                    break;
                }
                if e == s || e - s > MAX_CUSTOM {
                    continue;
                }
                let d = self.dets.get(*di);
                let ok = match d.and_then(|d| d.validator.as_deref()) {
                    Some(v) => validate::by_name(v, m.as_bytes()).unwrap_or(false),
                    None => true,
                };
                if ok {
                    self.push(t, *di, s, e, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use proptest::prelude::*;

    use super::{KEYWORD_BLOCK, Keywords};

    fn found(kw: &Keywords, hay: &[u8]) -> Vec<(usize, usize, usize)> {
        let mut v = Vec::new();
        kw.each(hay, |k, s, e| v.push((k, s, e)));
        v.sort_unstable();
        v
    }

    fn automaton(kws: &[String]) -> Keywords {
        let ac = aho_corasick::AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(aho_corasick::MatchKind::Standard)
            .build(kws)
            .unwrap();
        Keywords::Many(ac)
    }

    proptest! {
        /// The keyword-by-keyword search finds exactly what the automaton
        /// finds: overlapping and repeated keywords, any case, occurrences
        /// across the lower-casing blocks.
        #[test]
        fn few_keywords_found_as_the_automaton_finds_them(
            kws in proptest::collection::vec("[abAB ]{1,5}", 1..=8),
            text in "[abAB c]{0,300}",
            pad in 0usize..8,
        ) {
            // Text placed so that some occurrences cross a block's end.
            let mut hay = vec![b'x'; KEYWORD_BLOCK - pad];
            hay.extend_from_slice(text.as_bytes());
            let few = Keywords::build(&kws).unwrap();
            prop_assert!(matches!(few, Keywords::Few(_)));
            prop_assert_eq!(found(&few, &hay), found(&automaton(&kws), &hay));
        }
    }

    #[test]
    fn many_keywords_use_the_automaton() {
        let kws: Vec<String> = (0..9).map(|i| format!("word{i}")).collect();
        assert!(matches!(Keywords::build(&kws).unwrap(), Keywords::Many(_)));
    }
}
