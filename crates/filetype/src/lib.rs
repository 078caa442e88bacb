//! File types by content signature.
//!
//! Signatures are written in the custom file type language of Device Control
//! policies (seed 004) and run by one interpreter ([`Program`]): the built-in
//! table ([`BUILTIN`], signatures in `signatures.json`) and the custom types
//! that policies define ([`CustomType`]) go through the same code.
//!
//! ```
//! use cordon_filetype::{identify, Kind};
//! let mut pdf: &[u8] = b"%PDF-1.7\n...";
//! let t = identify(&mut pdf).unwrap();
//! assert_eq!((t.id, t.kind), (0x0002_0000, Kind::Pdf));
//! ```
//!
//! Architecture invariant: no function here panics, overflows or loops on
//! any input; a program is a finite list of steps and reads at most the
//! windows it seeks. The crate does no IO of its own beyond the
//! [`ByteSource`] it is handed.

#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::string_slice,
        clippy::allow_attributes_without_reason
    )
)]
mod custom;
mod lang;
mod source;
mod table;

use std::io;
use std::sync::LazyLock;

pub use custom::{CustomType, parse_custom_types};
pub use lang::{
    DefinitionError, Endian, MAX_VALUE_LEN, Operand, Origin, Outcome, Program, Step, parse_decimal,
    parse_hex_bytes, pointer_token,
};
pub use source::{ByteSource, Cached, HEAD_CACHE, read_full_at};
pub use table::{
    BUILTIN, CUSTOM_FIRST, CUSTOM_LAST, FAMILIES, Family, FileType, Kind, PLAIN_TEXT_ID,
    UNKNOWN_ID, by_extension, by_id, by_name, family, family_by_name, id_matches, parse_type_ref,
    unknown,
};

/// The built-in signatures, in the seed's custom type form: tried in order,
/// first match wins, several entries may share an id (alternatives).
const SIGNATURES_JSON: &str = include_str!("signatures.json");

/// One built-in signature: the id it recognises and its program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The built-in type id.
    pub id: u32,
    /// Descriptive name of this alternative.
    pub name: String,
    /// The program.
    pub program: Program,
}

static SIGNATURES: LazyLock<Result<Vec<Signature>, DefinitionError>> = LazyLock::new(|| {
    let value: serde_json::Value = serde_json::from_str(SIGNATURES_JSON)
        .map_err(|e| DefinitionError::new("", format!("signatures.json: {e}")))?;
    let serde_json::Value::Array(items) = value else {
        return Err(DefinitionError::new(
            "",
            "signatures.json: expected an array",
        ));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let t = custom::parse(item, false).map_err(|e| e.under(&format!("/{i}")))?;
        out.push(Signature {
            id: t.id,
            name: t.name,
            program: t.program,
        });
    }
    Ok(out)
});

/// The built-in signatures in the order they are tried.
pub fn signatures() -> io::Result<&'static [Signature]> {
    match &*SIGNATURES {
        Ok(s) => Ok(s),
        Err(e) => Err(io::Error::other(format!(
            "built-in file type signatures do not load: {e}"
        ))),
    }
}

/// What [`identify_with`] recognised: a custom type of the policy or a built-in type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identified<'a> {
    /// A custom type defined by a policy.
    Custom(&'a CustomType),
    /// A built-in type (possibly [`unknown`]).
    Builtin(&'static FileType),
}

impl Identified<'_> {
    /// The type id.
    pub fn id(&self) -> u32 {
        match self {
            Identified::Custom(c) => c.id,
            Identified::Builtin(t) => t.id,
        }
    }

    /// The type name.
    pub fn name(&self) -> &str {
        match self {
            Identified::Custom(c) => &c.name,
            Identified::Builtin(t) => t.name,
        }
    }
}

/// Identifies the type of `src` with the built-in table; "Unknown" when no
/// signature matches and the data does not look like text.
pub fn identify(src: &mut dyn ByteSource) -> io::Result<&'static FileType> {
    let mut cached = Cached::new(src);
    identify_builtin(&mut cached)
}

/// Identifies the type of `src`, trying the policy's custom types first (in
/// order), then the built-in table.
pub fn identify_with<'a>(
    custom: &'a [CustomType],
    src: &mut dyn ByteSource,
) -> io::Result<Identified<'a>> {
    let mut cached = Cached::new(src);
    for t in custom {
        if t.program.matches(&mut cached)? {
            return Ok(Identified::Custom(t));
        }
    }
    identify_builtin(&mut cached).map(Identified::Builtin)
}

fn identify_builtin(src: &mut Cached<'_>) -> io::Result<&'static FileType> {
    if src.len()? == 0 {
        return Ok(unknown());
    }
    for sig in signatures()? {
        if sig.program.matches(src)? {
            return Ok(by_id(sig.id).unwrap_or_else(unknown));
        }
    }
    if looks_like_text(src.head()?) {
        return Ok(by_id(PLAIN_TEXT_ID).unwrap_or_else(unknown));
    }
    Ok(unknown())
}

/// Text heuristic for data no signature claims (text has no magic number):
/// no NUL and no C0 controls other than white space and ESC, and either
/// valid UTF-8 (a character cut at the end of the sample is fine) or at
/// least 95% printable bytes for legacy 8-bit encodings.
pub fn looks_like_text(sample: &[u8]) -> bool {
    if sample.is_empty() {
        return false;
    }
    let bad_control = |b: u8| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b);
    if sample.iter().any(|&b| bad_control(b) || b == 0x7f) {
        return false;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(e) if e.error_len().is_none() => true,
        Err(_) => {
            let printable = sample
                .iter()
                .filter(|&&b| b >= 0x20 || b.is_ascii_whitespace())
                .count();
            printable.saturating_mul(100) >= sample.len().saturating_mul(95)
                && sample
                    .iter()
                    .filter(|&&b| (0x80..0xa0).contains(&b))
                    .count()
                    * 20
                    < sample.len()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_signatures_load_and_name_known_types() {
        let sigs = signatures().unwrap();
        assert!(sigs.len() > 50);
        for s in sigs {
            assert!(
                by_id(s.id).is_some(),
                "signature `{}` has no table entry",
                s.name
            );
        }
        for t in BUILTIN {
            if t.id != UNKNOWN_ID {
                assert!(
                    sigs.iter().any(|s| s.id == t.id) || t.id == PLAIN_TEXT_ID,
                    "{} has no signature",
                    t.name
                );
            }
        }
    }

    #[test]
    fn text_heuristic() {
        assert!(looks_like_text(b"hello, world\n"));
        assert!(looks_like_text("caf\u{e9}".as_bytes()));
        assert!(looks_like_text(
            b"caf\xe9 cr\xe8me br\xfbl\xe9e, un peu de texte latin-1"
        ));
        assert!(!looks_like_text(b"ab\0cd"));
        assert!(!looks_like_text(b"\x01\x02\x03"));
        assert!(!looks_like_text(b""));
    }
}
