//! The custom file type language of Device Control policies (seed 004,
//! "Files - Custom Types"): a finite list of steps run over a file's bytes.
//!
//! # Semantics
//!
//! The steps describe operations on an input stream with a *current
//! position*, which starts at 0:
//!
//! - `Move` seeks: the position becomes `origin + offset`, where the origin
//!   (`res`) is the start of the file (`begin`, the default), the current
//!   position (`current`) or the end of the file (`end`).
//! - `Variable` seeks the same way, reads `len` (1, 2, 4 or 8) bytes as an
//!   unsigned integer (little-endian unless `endian` is `big`), stores it
//!   under `name`, and leaves the position just after what it read, as a
//!   `fread` does.
//! - `CheckBlock` seeks, then looks for `value` starting anywhere from the
//!   sought position to `range` bytes after it (so within
//!   `(offset, range + length(value))`). A negative range looks *before* the
//!   sought position, which makes "somewhere in the last N bytes" expressible
//!   as `offset 0, res end, range -N`. The window is clipped to the file; the
//!   lowest matching offset wins and the position moves just after it.
//! - `CheckEOF` holds when the position is exactly the end of the file.
//!
//! A step that fails (seek outside `0..=length`, block not found, variable
//! not fully readable) ends the program with a mismatch. Offsets and ranges
//! are decimals (optionally negative, with `-` or the `–` of the seed) or
//! variables defined by an earlier `Variable` step; arithmetic is checked in
//! 128 bits, so no input can overflow it. Programs have no loops and a range
//! search reads the window in bounded chunks, so a run always ends after
//! reading at most the sought windows.

use std::io;

use serde_json::{Map, Value};

use crate::source::{ByteSource, read_full_at};

/// Longest `value` a `CheckBlock` may look for.
pub const MAX_VALUE_LEN: usize = 4096;

/// Where a seek counts from (`res`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// From the start of the file (`begin`, the default).
    Begin,
    /// From the current position (`current`).
    Current,
    /// From the end of the file (`end`).
    End,
}

impl Origin {
    /// The attribute text (`begin`, `current`, `end`).
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Begin => "begin",
            Origin::Current => "current",
            Origin::End => "end",
        }
    }
}

/// Byte order of a `Variable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endian {
    /// Least significant byte first (the default).
    Little,
    /// Most significant byte first.
    Big,
}

/// An offset or range: a decimal or the name of a variable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Operand {
    /// A literal decimal.
    Literal(i64),
    /// A variable set by an earlier `Variable` step.
    Variable(String),
}

impl Operand {
    fn to_text(&self) -> String {
        match self {
            Operand::Literal(n) => n.to_string(),
            Operand::Variable(name) => name.clone(),
        }
    }
}

/// One step of a program.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    /// Look for `value` in `(offset, range + length(value))`.
    CheckBlock {
        /// Seek offset.
        offset: Operand,
        /// Seek origin.
        res: Origin,
        /// How far from the sought position the value may start (0 = exactly there).
        range: Operand,
        /// The bytes to find.
        value: Vec<u8>,
    },
    /// Read an unsigned integer of `len` bytes into `name`.
    Variable {
        /// Seek offset.
        offset: Operand,
        /// Seek origin.
        res: Origin,
        /// 1, 2, 4 or 8.
        len: u8,
        /// Byte order.
        endian: Endian,
        /// Variable name.
        name: String,
    },
    /// Set the current position.
    Move {
        /// Seek offset.
        offset: Operand,
        /// Seek origin.
        res: Origin,
    },
    /// The current position is the end of the file.
    CheckEof,
}

/// A finite list of steps; all variables it uses are defined before use.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Program {
    steps: Vec<Step>,
}

/// The result of running a program, with the step that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every step held.
    Match,
    /// The step at this index (0-based) failed.
    Mismatch {
        /// Index of the failing step.
        step: usize,
    },
}

impl Outcome {
    /// Whether every step held.
    pub fn is_match(self) -> bool {
        self == Outcome::Match
    }
}

/// A definition that does not follow the language: where (a JSON pointer
/// relative to the value that was parsed) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct DefinitionError {
    /// JSON pointer (RFC 6901) to the offending value, relative to the parsed value.
    pub pointer: String,
    /// What was wrong and what was expected.
    pub message: String,
}

impl DefinitionError {
    pub(crate) fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        DefinitionError {
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// The same error with `prefix` put in front of its pointer.
    #[must_use]
    pub fn under(mut self, prefix: &str) -> Self {
        self.pointer = format!("{prefix}{}", self.pointer);
        self
    }
}

/// Escapes one JSON pointer token (RFC 6901).
pub fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

impl Program {
    /// Builds a program from steps, checking that every variable is defined
    /// before it is used and every value is usable.
    pub fn new(steps: Vec<Step>) -> Result<Program, DefinitionError> {
        let mut defined: Vec<&str> = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            let check = |op: &Operand, attr: &str, defined: &[&str]| match op {
                Operand::Variable(name) if !defined.contains(&name.as_str()) => {
                    Err(DefinitionError::new(
                        format!("/{i}/{attr}"),
                        format!("variable `{name}` is used before a `Variable` step defines it"),
                    ))
                }
                _ => Ok(()),
            };
            match step {
                Step::CheckBlock {
                    offset,
                    range,
                    value,
                    ..
                } => {
                    check(offset, "offset", &defined)?;
                    check(range, "range", &defined)?;
                    if value.is_empty() || value.len() > MAX_VALUE_LEN {
                        return Err(DefinitionError::new(
                            format!("/{i}/value"),
                            format!("expected 1 to {MAX_VALUE_LEN} bytes"),
                        ));
                    }
                }
                Step::Variable {
                    offset, len, name, ..
                } => {
                    check(offset, "offset", &defined)?;
                    if ![1, 2, 4, 8].contains(len) {
                        return Err(DefinitionError::new(
                            format!("/{i}/len"),
                            "expected 1, 2, 4 or 8",
                        ));
                    }
                    if !valid_variable_name(name) {
                        return Err(DefinitionError::new(
                            format!("/{i}/name"),
                            "a variable name starts with `@` or a letter, followed by letters, digits or `_`",
                        ));
                    }
                    defined.push(name);
                }
                Step::Move { offset, .. } => check(offset, "offset", &defined)?,
                Step::CheckEof => {}
            }
        }
        Ok(Program { steps })
    }

    /// The steps, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Parses a JSON array of steps (the `steps` attribute of a custom type).
    /// Attribute names are matched without regard to case; values may be
    /// strings (as in the seed) or JSON numbers.
    pub fn from_json(value: &Value) -> Result<Program, DefinitionError> {
        let Value::Array(items) = value else {
            return Err(DefinitionError::new("", "expected an array of steps"));
        };
        let mut steps = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            steps.push(parse_step(item).map_err(|e| e.under(&format!("/{i}")))?);
        }
        Program::new(steps)
    }

    /// Writes the steps back in the seed's form (every attribute a string).
    pub fn to_json(&self) -> Value {
        Value::Array(self.steps.iter().map(step_to_json).collect())
    }

    /// Runs the program over `src`.
    pub fn matches(&self, src: &mut dyn ByteSource) -> io::Result<bool> {
        Ok(self.run(src)?.is_match())
    }

    /// Runs the program over `src`, saying which step failed if one did.
    pub fn run(&self, src: &mut dyn ByteSource) -> io::Result<Outcome> {
        let len = src.len()?;
        let mut pos: u64 = 0;
        let mut vars: Vec<(&str, u64)> = Vec::new();
        for (i, step) in self.steps.iter().enumerate() {
            let held = match step {
                Step::Move { offset, res } => match seek(*res, operand(offset, &vars), pos, len) {
                    Some(to) => {
                        pos = to;
                        true
                    }
                    None => false,
                },
                Step::CheckEof => pos == len,
                Step::Variable {
                    offset,
                    res,
                    len: width,
                    endian,
                    name,
                } => match seek(*res, operand(offset, &vars), pos, len) {
                    Some(at) => match read_uint(src, at, *width, *endian)? {
                        Some(v) => {
                            vars.retain(|(n, _)| n != name);
                            vars.push((name.as_str(), v));
                            pos = at.saturating_add(u64::from(*width));
                            true
                        }
                        None => false,
                    },
                    None => false,
                },
                Step::CheckBlock {
                    offset,
                    res,
                    range,
                    value,
                } => {
                    let at = seek(*res, operand(offset, &vars), pos, len);
                    let range = operand(range, &vars);
                    match (at, range) {
                        (Some(at), Some(range)) => match find_block(src, len, at, range, value)? {
                            Some(found) => {
                                pos = found.saturating_add(value.len() as u64);
                                true
                            }
                            None => false,
                        },
                        _ => false,
                    }
                }
            };
            if !held {
                return Ok(Outcome::Mismatch { step: i });
            }
        }
        Ok(Outcome::Match)
    }
}

fn valid_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c == '@' || c.is_ascii_alphabetic() => {
            chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        _ => false,
    }
}

fn operand(op: &Operand, vars: &[(&str, u64)]) -> Option<i128> {
    match op {
        Operand::Literal(n) => Some(i128::from(*n)),
        Operand::Variable(name) => vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| i128::from(*v)),
    }
}

fn seek(res: Origin, offset: Option<i128>, pos: u64, len: u64) -> Option<u64> {
    let base = match res {
        Origin::Begin => 0,
        Origin::Current => pos,
        Origin::End => len,
    };
    let target = i128::from(base).checked_add(offset?)?;
    if target < 0 || target > i128::from(len) {
        return None;
    }
    u64::try_from(target).ok()
}

fn read_uint(
    src: &mut dyn ByteSource,
    at: u64,
    width: u8,
    endian: Endian,
) -> io::Result<Option<u64>> {
    let width = usize::from(width).min(8);
    let mut buf = [0u8; 8];
    let Some(slot) = buf.get_mut(..width) else {
        return Ok(None);
    };
    if read_full_at(src, at, slot)? < width {
        return Ok(None);
    }
    let mut v: u64 = 0;
    match endian {
        Endian::Big => {
            for b in slot.iter() {
                v = (v << 8) | u64::from(*b);
            }
        }
        Endian::Little => {
            for b in slot.iter().rev() {
                v = (v << 8) | u64::from(*b);
            }
        }
    }
    Ok(Some(v))
}

/// Size of one read when searching a range.
const SEARCH_CHUNK: u64 = 64 * 1024;

/// Finds `value` starting somewhere in `[at + min(0, range), at + max(0, range)]`
/// clipped to the file; returns the lowest start offset.
fn find_block(
    src: &mut dyn ByteSource,
    len: u64,
    at: u64,
    range: i128,
    value: &[u8],
) -> io::Result<Option<u64>> {
    let vlen = value.len() as u64;
    if vlen == 0 {
        return Ok(Some(at));
    }
    let Some(last_start) = len.checked_sub(vlen) else {
        return Ok(None);
    };
    let at_i = i128::from(at);
    let lo = at_i.saturating_add(range.min(0)).max(0);
    let hi = at_i
        .saturating_add(range.max(0))
        .min(i128::from(last_start));
    if lo > hi {
        return Ok(None);
    }
    let (Ok(lo), Ok(hi)) = (u64::try_from(lo), u64::try_from(hi)) else {
        return Ok(None);
    };
    let finder = memchr::memmem::Finder::new(value);
    let mut start = lo;
    let mut buf: Vec<u8> = Vec::new();
    loop {
        // Starts examined in this chunk: start..=chunk_last.
        let chunk_last = start.saturating_add(SEARCH_CHUNK - 1).min(hi);
        let want = chunk_last - start + vlen;
        buf.resize(usize::try_from(want).unwrap_or(0), 0);
        let got = read_full_at(src, start, &mut buf)?;
        let window = buf.get(..got).unwrap_or(&[]);
        if let Some(i) = finder.find(window) {
            let found = start.saturating_add(i as u64);
            if found <= hi {
                return Ok(Some(found));
            }
        }
        if chunk_last >= hi || got < buf.len() {
            return Ok(None);
        }
        start = chunk_last + 1;
    }
}

fn step_to_json(step: &Step) -> Value {
    let mut m = Map::new();
    let s = |v: &str| Value::String(v.to_string());
    match step {
        Step::CheckBlock {
            offset,
            res,
            range,
            value,
        } => {
            m.insert("action".into(), s("CheckBlock"));
            m.insert("offset".into(), Value::String(offset.to_text()));
            m.insert("res".into(), s(res.as_str()));
            if *range != Operand::Literal(0) {
                m.insert("range".into(), Value::String(range.to_text()));
            }
            m.insert("value".into(), Value::String(format!("0x{}", hex(value))));
        }
        Step::Variable {
            offset,
            res,
            len,
            endian,
            name,
        } => {
            m.insert("action".into(), s("Variable"));
            m.insert("offset".into(), Value::String(offset.to_text()));
            m.insert("res".into(), s(res.as_str()));
            m.insert("len".into(), Value::String(len.to_string()));
            m.insert(
                "endian".into(),
                s(match endian {
                    Endian::Little => "little",
                    Endian::Big => "big",
                }),
            );
            m.insert("name".into(), Value::String(name.clone()));
        }
        Step::Move { offset, res } => {
            m.insert("action".into(), s("Move"));
            m.insert("offset".into(), Value::String(offset.to_text()));
            m.insert("res".into(), s(res.as_str()));
        }
        Step::CheckEof => {
            m.insert("action".into(), s("CheckEOF"));
        }
    }
    Value::Object(m)
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(b & 0xF), 16).unwrap_or('0'));
    }
    out
}

/// Looks up an attribute without regard to case.
pub(crate) fn get_ci<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<(&'v str, &'v Value)> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(k, v)| (k.as_str(), v))
}

/// Rejects attributes outside `allowed` (compared without regard to case).
pub(crate) fn only_keys(obj: &Map<String, Value>, allowed: &[&str]) -> Result<(), DefinitionError> {
    for k in obj.keys() {
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(k)) {
            return Err(DefinitionError::new(
                format!("/{}", pointer_token(k)),
                format!(
                    "unknown attribute `{k}`; expected one of {}",
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// A string attribute, or a number written as a JSON number.
pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Parses a decimal as the seed writes them: digits, optionally preceded by
/// `-`, `–` (en dash) or `−` (minus sign).
pub fn parse_decimal(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, digits) = if let Some(rest) = t
        .strip_prefix('-')
        .or_else(|| t.strip_prefix('\u{2013}'))
        .or_else(|| t.strip_prefix('\u{2212}'))
    {
        (true, rest)
    } else {
        (false, t.strip_prefix('+').unwrap_or(t))
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if neg {
        format!("-{digits}").parse().ok()
    } else {
        digits.parse().ok()
    }
}

/// Parses hexadecimal bytes with an optional `0x` prefix.
pub fn parse_hex_bytes(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    let digits = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if digits.is_empty() || !digits.len().is_multiple_of(2) {
        return None;
    }
    let bytes = digits.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / 2);
    for pair in bytes.chunks(2) {
        let hi = char::from(*pair.first()?).to_digit(16)?;
        let lo = char::from(*pair.get(1)?).to_digit(16)?;
        out.push(u8::try_from(hi * 16 + lo).ok()?);
    }
    Some(out)
}

fn parse_operand(obj: &Map<String, Value>, key: &str) -> Result<Option<Operand>, DefinitionError> {
    let Some((k, v)) = get_ci(obj, key) else {
        return Ok(None);
    };
    let ptr = format!("/{}", pointer_token(k));
    let Some(text) = scalar_text(v) else {
        return Err(DefinitionError::new(
            ptr,
            "expected a decimal or a variable name",
        ));
    };
    if let Some(n) = parse_decimal(&text) {
        return Ok(Some(Operand::Literal(n)));
    }
    if valid_variable_name(&text) {
        return Ok(Some(Operand::Variable(text)));
    }
    Err(DefinitionError::new(
        ptr,
        format!(
            "expected a decimal (e.g. `16`, `-4`) or a variable name (e.g. `@off1`), found `{text}`"
        ),
    ))
}

fn required_operand(obj: &Map<String, Value>, key: &str) -> Result<Operand, DefinitionError> {
    parse_operand(obj, key)?.ok_or_else(|| {
        DefinitionError::new("", format!("missing `{key}`: a decimal or a variable name"))
    })
}

fn parse_origin(obj: &Map<String, Value>) -> Result<Origin, DefinitionError> {
    let Some((k, v)) = get_ci(obj, "res") else {
        return Ok(Origin::Begin);
    };
    let text = scalar_text(v).unwrap_or_default();
    match text.to_ascii_lowercase().as_str() {
        "begin" => Ok(Origin::Begin),
        "current" => Ok(Origin::Current),
        "end" => Ok(Origin::End),
        _ => Err(DefinitionError::new(
            format!("/{}", pointer_token(k)),
            format!("expected `begin`, `current` or `end`, found `{text}`"),
        )),
    }
}

fn parse_step(item: &Value) -> Result<Step, DefinitionError> {
    let Value::Object(obj) = item else {
        return Err(DefinitionError::new(
            "",
            "expected a step object with an `action`",
        ));
    };
    let Some((ak, av)) = get_ci(obj, "action") else {
        return Err(DefinitionError::new(
            "",
            "missing `action`: CheckBlock, Variable, Move or CheckEOF",
        ));
    };
    let action = scalar_text(av).unwrap_or_default();
    match action.to_ascii_lowercase().as_str() {
        "checkblock" => {
            only_keys(obj, &["action", "offset", "res", "range", "value"])?;
            let offset = required_operand(obj, "offset")?;
            let res = parse_origin(obj)?;
            let range = parse_operand(obj, "range")?.unwrap_or(Operand::Literal(0));
            let Some((vk, vv)) = get_ci(obj, "value") else {
                return Err(DefinitionError::new(
                    "",
                    "missing `value`: hexadecimal bytes such as `0x1A45DFA3`",
                ));
            };
            let text = scalar_text(vv).unwrap_or_default();
            let value = parse_hex_bytes(&text).ok_or_else(|| {
                DefinitionError::new(
                    format!("/{}", pointer_token(vk)),
                    format!("expected hexadecimal bytes such as `0x1A45DFA3` (an even number of digits), found `{text}`"),
                )
            })?;
            Ok(Step::CheckBlock {
                offset,
                res,
                range,
                value,
            })
        }
        "variable" => {
            only_keys(obj, &["action", "offset", "res", "len", "endian", "name"])?;
            let offset = required_operand(obj, "offset")?;
            let res = parse_origin(obj)?;
            let Some((lk, lv)) = get_ci(obj, "len") else {
                return Err(DefinitionError::new("", "missing `len`: 1, 2, 4 or 8"));
            };
            let ltext = scalar_text(lv).unwrap_or_default();
            let len = match ltext.as_str() {
                "1" => 1,
                "2" => 2,
                "4" => 4,
                "8" => 8,
                _ => {
                    return Err(DefinitionError::new(
                        format!("/{}", pointer_token(lk)),
                        format!("expected 1, 2, 4 or 8, found `{ltext}`"),
                    ));
                }
            };
            let endian = match get_ci(obj, "endian") {
                None => Endian::Little,
                Some((ek, ev)) => {
                    let t = scalar_text(ev).unwrap_or_default();
                    match t.to_ascii_lowercase().as_str() {
                        "little" => Endian::Little,
                        "big" => Endian::Big,
                        _ => {
                            return Err(DefinitionError::new(
                                format!("/{}", pointer_token(ek)),
                                format!("expected `little` or `big`, found `{t}`"),
                            ));
                        }
                    }
                }
            };
            let Some((nk, nv)) = get_ci(obj, "name") else {
                return Err(DefinitionError::new(
                    "",
                    "missing `name`: a variable name such as `@off1`",
                ));
            };
            let name = scalar_text(nv).unwrap_or_default();
            if !valid_variable_name(&name) {
                return Err(DefinitionError::new(
                    format!("/{}", pointer_token(nk)),
                    format!(
                        "a variable name starts with `@` or a letter, followed by letters, digits or `_`; found `{name}`"
                    ),
                ));
            }
            Ok(Step::Variable {
                offset,
                res,
                len,
                endian,
                name,
            })
        }
        "move" => {
            only_keys(obj, &["action", "offset", "res"])?;
            Ok(Step::Move {
                offset: required_operand(obj, "offset")?,
                res: parse_origin(obj)?,
            })
        }
        "checkeof" => {
            only_keys(obj, &["action"])?;
            Ok(Step::CheckEof)
        }
        _ => Err(DefinitionError::new(
            format!("/{}", pointer_token(ak)),
            format!("expected CheckBlock, Variable, Move or CheckEOF, found `{action}`"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn prog(v: Value) -> Program {
        Program::from_json(&v).unwrap()
    }

    #[test]
    fn decimals_take_ascii_and_typographic_minus() {
        assert_eq!(parse_decimal("42"), Some(42));
        assert_eq!(parse_decimal("-4"), Some(-4));
        assert_eq!(parse_decimal("\u{2013}4"), Some(-4));
        assert_eq!(parse_decimal("4a"), None);
        assert_eq!(parse_decimal("-"), None);
        assert_eq!(parse_decimal("99999999999999999999"), None);
    }

    #[test]
    fn hex_values() {
        assert_eq!(
            parse_hex_bytes("0x1A45dfA3"),
            Some(vec![0x1a, 0x45, 0xdf, 0xa3])
        );
        assert_eq!(parse_hex_bytes("0x1A4"), None);
        assert_eq!(parse_hex_bytes("0x"), None);
        assert_eq!(parse_hex_bytes("zz"), None);
    }

    #[test]
    fn range_search_finds_value_anywhere_in_window() {
        let p = prog(json!([{"action":"CheckBlock","offset":"2","range":"4","value":"0x4142"}]));
        assert!(p.matches(&mut &b"xxxxxxAB"[..]).unwrap());
        assert!(!p.matches(&mut &b"xxxxxxxAB"[..]).unwrap());
        assert!(p.matches(&mut &b"xxABxxxx"[..]).unwrap());
        assert!(!p.matches(&mut &b"xABxxxxx"[..]).unwrap());
    }

    #[test]
    fn negative_range_searches_backwards_from_the_end() {
        let p = prog(json!([
            {"action":"CheckBlock","offset":"0","res":"end","range":"-10","value":"0x5a5a"},
        ]));
        let mut data = vec![0u8; 100];
        data[92] = 0x5a;
        data[93] = 0x5a;
        assert!(p.matches(&mut data.clone()).unwrap());
        data[92] = 0;
        data[80] = 0x5a;
        data[81] = 0x5a;
        assert!(!p.matches(&mut data).unwrap());
        assert!(p.matches(&mut &b"ZZ"[..]).unwrap());
    }

    #[test]
    fn variables_drive_offsets_and_the_position_advances_after_reads() {
        // A length-prefixed block: 2-byte big-endian length, then skip it, then EOF.
        let p = prog(json!([
            {"action":"Variable","offset":"0","len":"2","endian":"big","name":"@n"},
            {"action":"Move","offset":"@n","res":"current"},
            {"action":"CheckEOF"},
        ]));
        assert!(p.matches(&mut &b"\x00\x03abc"[..]).unwrap());
        assert!(!p.matches(&mut &b"\x00\x03abcd"[..]).unwrap());
        assert_eq!(
            p.run(&mut &b"\x00\x09abc"[..]).unwrap(),
            Outcome::Mismatch { step: 1 }
        );
    }

    #[test]
    fn seeks_outside_the_file_fail_instead_of_wrapping() {
        let p = prog(json!([
            {"action":"Variable","offset":"0","len":"8","name":"@big"},
            {"action":"Move","offset":"@big","res":"current"},
        ]));
        assert!(!p.matches(&mut vec![0xffu8; 16]).unwrap());
        let p = prog(json!([{"action":"Move","offset":"-1"}]));
        assert!(!p.matches(&mut &b"abc"[..]).unwrap());
        let p = prog(json!([{"action":"Move","offset":"-3","res":"end"}]));
        assert!(p.matches(&mut &b"abc"[..]).unwrap());
    }

    #[test]
    fn definition_errors_point_at_the_attribute() {
        let err = Program::from_json(&json!([
            {"action":"Move","offset":"0"},
            {"action":"CheckBlock","offset":"@nope","value":"0x00"},
        ]))
        .unwrap_err();
        assert_eq!(err.pointer, "/1/offset");
        let err =
            Program::from_json(&json!([{"action":"Variable","offset":"0","len":"3","name":"@a"}]))
                .unwrap_err();
        assert_eq!(err.to_string(), "/0/len: expected 1, 2, 4 or 8, found `3`");
        let err = Program::from_json(&json!([{"action":"Jump"}])).unwrap_err();
        assert_eq!(err.pointer, "/0/action");
        let err = Program::from_json(&json!([{"action":"CheckEOF","offset":"1"}])).unwrap_err();
        assert_eq!(err.pointer, "/0/offset");
    }

    #[test]
    fn json_round_trip() {
        let p = prog(json!([
            {"action":"CheckBlock","offset":"0","res":"begin","value":"0x56355f4346563200"},
            {"action":"Variable","offset":"8","res":"begin","len":"4","endian":"little","name":"@off1"},
            {"action":"CheckBlock","offset":"@off1","range":"@off1","value":"0xFF"},
            {"action":"Move","offset":"-2","res":"end"},
            {"action":"CheckEOF"},
        ]));
        assert_eq!(Program::from_json(&p.to_json()).unwrap(), p);
    }
}
