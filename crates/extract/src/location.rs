//! Where a member was found: `root!/entry!/part`.
//!
//! The printed form is stable and reversible (see `docs/extraction.md`): the
//! segments are joined by `!/`, and inside a segment `%`, control characters
//! and any `!` that is followed by `/` are percent-encoded, so splitting on
//! `!/` and decoding gives the segments back exactly.

use std::fmt;

/// The path of a member: the root name, then one segment per container
/// entered (an archive entry, a document part, an e-mail attachment).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    segments: Vec<String>,
}

impl Location {
    /// A location for a root input, named as the caller named it.
    pub fn root(name: &str) -> Self {
        Self {
            segments: vec![name.to_owned()],
        }
    }

    /// The location of an entry `name` inside this member.
    pub fn child(&self, name: &str) -> Self {
        let mut segments = Vec::with_capacity(self.segments.len() + 1);
        segments.extend(self.segments.iter().cloned());
        segments.push(name.to_owned());
        Self { segments }
    }

    /// The segments, root first, unescaped.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// The root name this location starts from.
    pub fn root_name(&self) -> &str {
        self.segments.first().map_or("", String::as_str)
    }

    /// How many containers deep this location is (0 for the root itself).
    pub fn depth(&self) -> usize {
        self.segments.len().saturating_sub(1)
    }

    /// True when this is the root input itself, not a member inside it.
    pub fn is_root(&self) -> bool {
        self.segments.len() <= 1
    }

    /// Parse the printed form back. Never fails: text that was not produced
    /// by `Display` still gives some location.
    pub fn parse(text: &str) -> Self {
        Self {
            segments: text.split("!/").map(unescape).collect(),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str("!/")?;
            }
            write_escaped(f, seg)?;
        }
        Ok(())
    }
}

fn write_escaped(f: &mut fmt::Formatter<'_>, seg: &str) -> fmt::Result {
    let mut chars = seg.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '%' => f.write_str("%25")?,
            '!' if chars.peek() == Some(&'/') => f.write_str("%21")?,
            c if (c as u32) < 0x20 || c == '\u{7f}' => write!(f, "%{:02X}", c as u32)?,
            c => fmt::Write::write_char(f, c)?,
        }
    }
    Ok(())
}

fn unescape(seg: &str) -> String {
    let bytes = seg.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_nested_path() {
        let loc = Location::root("quarterly.zip")
            .child("q3/sheet.xlsx")
            .child("xl/worksheets/sheet1.xml");
        assert_eq!(
            loc.to_string(),
            "quarterly.zip!/q3/sheet.xlsx!/xl/worksheets/sheet1.xml"
        );
        assert_eq!(loc.depth(), 2);
    }

    #[test]
    fn escapes_separator_and_controls() {
        let loc = Location::root("a!/b%").child("x\ny!");
        let text = loc.to_string();
        assert_eq!(text, "a%21/b%25!/x%0Ay!");
        assert_eq!(Location::parse(&text), loc);
    }

    proptest::proptest! {
        #[test]
        fn display_parse_round_trip(segs in proptest::collection::vec(".*", 1..4)) {
            let mut loc = Location::root(&segs[0]);
            for s in &segs[1..] {
                loc = loc.child(s);
            }
            proptest::prop_assert_eq!(Location::parse(&loc.to_string()), loc);
        }
    }
}
