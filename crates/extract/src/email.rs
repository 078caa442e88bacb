//! E-mail (`.eml`, RFC 5322 with MIME): the headers people write in,
//! every text part decoded (base64, quoted-printable, charsets, RFC 2047
//! words, all by `mail-parser`), and attachments and enclosed messages
//! extracted as members of their own, to any depth within the limits.
//!
//! Members of a message `m.eml`:
//! - `m.eml!/headers`: From, To, Cc, Bcc, Reply-To, Sender, Subject and
//!   classification headers, one `Name: value` per line;
//! - `m.eml!/partN.txt` and `m.eml!/partN.html`: text bodies, by MIME
//!   part number (depth-first, the whole message is part 0);
//! - `m.eml!/partN/NAME`: an attachment called NAME (`partN` when it has
//!   no name); enclosed messages are `partN.eml`.

use std::io::Cursor;

use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};

use crate::markup::MarkupText;
use crate::sniff::sniff;
use crate::sniff::{builtin, ids};
use crate::srcmap::SourceMap;
use crate::{Format, Location, Reason, Run, Src, TextKind, Typed};

/// Headers whose values are worth inspecting; others (DKIM, message ids)
/// are noise for detectors.
const HEADERS: &[&str] = &[
    // The relays' and the sender's addresses (a client's IP is personal
    // data).
    "received",
    "x-originating-ip",
    "from",
    "sender",
    "reply-to",
    "to",
    "cc",
    "bcc",
    "subject",
    "comments",
    "keywords",
    "sensitivity",
];

fn wanted_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    HEADERS.contains(&lower.as_str())
        || (lower.starts_with("x-")
            && (lower.contains("classif") || lower.contains("sensitiv") || lower.contains("label")))
        || lower.starts_with("msip_label")
}

/// Appends to `out` the classification headers (`X-…classification…`,
/// `msip_label…`, `Sensitivity`, `Keywords`, `Comments`) and the relays'
/// (`Received`, `X-Originating-IP`) of a raw header block, such as the
/// internet headers an Outlook message keeps. The address and subject
/// headers are left out: the caller has them.
pub(crate) fn classification_headers(raw: &str, out: &mut String) {
    const ADDRESSING: &[&str] = &["from", "sender", "reply-to", "to", "cc", "bcc", "subject"];
    let mut unfolded: Vec<String> = Vec::new();
    for line in raw.lines() {
        if line.is_empty() {
            break;
        }
        match unfolded.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => {
                last.push(' ');
                last.push_str(line.trim());
            }
            _ => unfolded.push(line.trim_end().to_owned()),
        }
    }
    for line in unfolded {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if wanted_header(name) && !ADDRESSING.contains(&name.to_ascii_lowercase().as_str()) {
            out.push_str(name);
            out.push_str(": ");
            out.push_str(value.trim());
            out.push('\n');
        }
    }
}

/// Writes a header's value into the headers member, placing each piece
/// in the message where the map is given: a piece found as written in the
/// header's raw value there, anything else over the whole value.
struct Writer<'a> {
    out: &'a mut String,
    map: Option<&'a SourceMap>,
    /// The header's raw value in the message.
    raw: &'a [u8],
    /// Where `raw` starts in the message.
    at: usize,
    /// How far into `raw` the pieces placed so far reach.
    cursor: usize,
}

impl Writer<'_> {
    /// A piece of the value (a name, an address, a text).
    fn piece(&mut self, piece: &str) {
        let text = self.out.len() as u64;
        self.out.push_str(piece);
        let Some(map) = self.map else { return };
        let found = self
            .raw
            .get(self.cursor..)
            .and_then(|r| memchr::memmem::find(r, piece.as_bytes()));
        match found {
            Some(k) if !piece.is_empty() => {
                map.copied(text, (self.at + self.cursor + k) as u64);
                self.cursor += k + piece.len();
            }
            _ => map.opaque(
                text,
                piece.len(),
                self.at as u64,
                (self.at + self.raw.len()) as u64,
            ),
        }
    }

    /// Punctuation the extractor writes (`, `, ` <`): stands for no bytes.
    fn sep(&mut self, sep: &str) {
        let text = self.out.len() as u64;
        self.out.push_str(sep);
        if let Some(map) = self.map {
            let here = (self.at + self.cursor) as u64;
            map.opaque(text, sep.len(), here, here);
        }
    }
}

fn format_address(a: &Address<'_>, w: &mut Writer<'_>) {
    let mut first = true;
    let mut push = |name: Option<&str>, addr: Option<&str>, w: &mut Writer<'_>| {
        if !first {
            w.sep(", ");
        }
        first = false;
        match (name, addr) {
            (Some(n), Some(a)) => {
                w.piece(n);
                w.sep(" <");
                w.piece(a);
                w.sep(">");
            }
            (Some(x), None) | (None, Some(x)) => w.piece(x),
            (None, None) => {}
        }
    };
    match a {
        Address::List(list) => {
            for addr in list {
                push(addr.name.as_deref(), addr.address.as_deref(), w);
            }
        }
        Address::Group(groups) => {
            for g in groups {
                for addr in &g.addresses {
                    push(addr.name.as_deref(), addr.address.as_deref(), w);
                }
            }
        }
    }
}

/// The headers member: one `Name: value` line per wanted header. A value
/// without encoded words is written as it stands in the message (folds
/// and quotes kept), the others decoded; with a map, the text is placed in
/// the message's bytes (see [`Writer`]).
fn headers_text(msg: &mail_parser::Message<'_>, map: Option<&SourceMap>) -> String {
    let raw = msg.raw_message.as_ref();
    let mut out = String::new();
    for h in msg.headers() {
        let name = h.name.as_str();
        if !wanted_header(name) {
            continue;
        }
        let (vs, ve) = (h.offset_start as usize, h.offset_end as usize);
        let value = raw.get(vs..ve).unwrap_or_default();
        let written = std::str::from_utf8(value)
            .ok()
            .filter(|v| !v.contains("=?"))
            .map(|v| (v.len() - v.trim_start().len(), v.trim()));
        // Nothing to write: an empty value, or an encoded one of a kind not
        // written decoded.
        let decoded = matches!(
            h.value,
            HeaderValue::Address(_) | HeaderValue::Text(_) | HeaderValue::TextList(_)
        );
        if written.map_or(!decoded, |(_, v)| v.is_empty()) {
            continue;
        }
        let mut w = Writer {
            out: &mut out,
            map,
            raw: value,
            at: vs,
            cursor: 0,
        };
        w.sep(name);
        w.sep(": ");
        match (written, &h.value) {
            (Some((lead, v)), _) => {
                w.cursor = lead;
                w.piece(v);
            }
            (None, HeaderValue::Address(a)) => format_address(a, &mut w),
            (None, HeaderValue::Text(t)) => w.piece(t),
            (None, HeaderValue::TextList(list)) => w.piece(&list.join(", ")),
            (None, _) => {}
        }
        w.sep("\n");
    }
    out
}

/// Split an mbox into its messages, each with its offset in `data`: each
/// starts with a `From ` line at the start of the file or after a blank
/// line.
fn mbox_messages(data: &[u8]) -> Vec<(usize, &[u8])> {
    let mut starts = vec![0usize];
    let finder = memchr::memmem::Finder::new(b"\n\nFrom ");
    let mut pos = 0;
    while let Some(rel) = data.get(pos..).and_then(|rest| finder.find(rest)) {
        let at = pos + rel + 2;
        starts.push(at);
        pos = at;
    }
    let mut out = Vec::with_capacity(starts.len());
    for (i, &s) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(data.len());
        if let Some(msg) = data.get(s..end) {
            // Drop the envelope line; the message starts after it.
            let from = memchr::memchr(b'\n', msg).map_or(msg.len(), |nl| nl + 1);
            out.push((s + from, msg.get(from..).unwrap_or_default()));
        }
    }
    out
}

impl<E> Run<'_, '_, '_, E> {
    pub(crate) fn email(
        &mut self,
        loc: &Location,
        depth: u32,
        typed: Typed,
        bytes: &[u8],
    ) -> Result<(), E> {
        if bytes.starts_with(b"From ") {
            for (i, (at, msg)) in mbox_messages(bytes).into_iter().enumerate() {
                if self.cx.stopped() {
                    break;
                }
                let child = loc.child(&format!("message{}.eml", i + 1));
                // A message is placed in the mbox as a file of its own is
                // (see `message`); anything else is a member to sniff.
                let sniffed = sniff(msg, true);
                if sniffed.format != Format::Email {
                    self.node(&child, depth + 1, Src::Mem(msg))?;
                    continue;
                }
                if !self.enter(&child, depth + 1) {
                    continue;
                }
                let typed = Typed {
                    format: sniffed.format,
                    file_type: crate::sniff::file_type(sniffed.format, msg),
                };
                self.cx.record_type(&child, typed);
                let placed = SourceMap::placed(loc, at as u64);
                self.message(&child, depth + 1, typed, msg, &placed)?;
            }
            return Ok(());
        }
        self.message(loc, depth, typed, bytes, &SourceMap::placed(loc, 0))
    }

    /// One message's members. `placed` places offsets of `bytes` in the
    /// file or member they came from: the headers, and each body written
    /// with no transfer encoding in a charset whose text is its bytes, are
    /// placed there, so their findings are reported at the file's bytes.
    fn message(
        &mut self,
        loc: &Location,
        depth: u32,
        typed: Typed,
        bytes: &[u8],
        placed: &SourceMap,
    ) -> Result<(), E> {
        let cx = self.cx;
        let Some(msg) = MessageParser::default().parse(bytes) else {
            cx.incomplete(
                loc,
                Reason::Corrupt {
                    format: Format::Email,
                    detail: "no message headers".to_owned(),
                },
            );
            return Ok(());
        };
        let raw = msg.raw_message.as_ref();
        let child = loc.child("headers");
        if cx.count_entry(&child) {
            let map = placed.shifted(0);
            let headers = headers_text(&msg, Some(&map));
            cx.record_type(&child, typed);
            self.deliver_placed(&child, typed, &headers, Some(&map))?;
        }
        for (i, part) in msg.parts.iter().enumerate() {
            if cx.stopped() || !cx.check_time(loc) {
                break;
            }
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            let is_attachment = msg.attachments.contains(&id);
            let name = part.attachment_name().map(|n| n.replace('/', "_"));
            // The member name the part gets, so a decoding problem is
            // reported where the part's findings would be.
            let seg = match (&part.body, is_attachment, &name) {
                (PartType::Text(_), false, _) => format!("part{i}.txt"),
                (PartType::Html(_), false, _) => format!("part{i}.html"),
                (PartType::Message(_), _, _) => format!("part{i}.eml"),
                (_, _, Some(n)) => format!("part{i}/{n}"),
                (_, _, None) => format!("part{i}"),
            };
            let child = loc.child(&seg);
            if part.is_encoding_problem {
                cx.incomplete(
                    &child,
                    Reason::Corrupt {
                        format: Format::Email,
                        detail: "part could not be decoded".to_owned(),
                    },
                );
            }
            match &part.body {
                PartType::Multipart(_) => {}
                PartType::Text(text) if !is_attachment => {
                    if cx.count_entry(&child) {
                        let t = Typed {
                            format: Format::Text,
                            file_type: builtin(ids::TEXT),
                        };
                        cx.record_type(&child, t);
                        let map = verbatim(raw, part, text).map(|at| {
                            let map = placed.shifted(at);
                            map.copied(0, 0);
                            map
                        });
                        self.deliver_placed(&child, t, text, map.as_ref())?;
                    }
                }
                PartType::Html(html) if !is_attachment => {
                    if cx.count_entry(&child) {
                        let t = Typed {
                            format: Format::Html,
                            file_type: builtin(ids::HTML),
                        };
                        cx.record_type(&child, t);
                        // Placed in the message when written there as is,
                        // else in the decoded body.
                        let map = verbatim(raw, part, html)
                            .map_or_else(SourceMap::new, |at| placed.shifted(at));
                        let mut stripped = MarkupText::new(Cursor::new(html.as_bytes()), true)
                            .with_map(map.clone());
                        self.deliver_mapped(
                            &child,
                            t,
                            TextKind::Extracted,
                            &mut stripped,
                            Some(&map),
                        )?;
                    }
                }
                PartType::Message(inner) => {
                    self.node(&child, depth + 1, Src::Mem(inner.raw_message.as_ref()))?;
                }
                PartType::Text(_)
                | PartType::Html(_)
                | PartType::Binary(_)
                | PartType::InlineBinary(_) => {
                    self.node(&child, depth + 1, Src::Mem(part.contents()))?;
                }
            }
        }
        Ok(())
    }
}

/// Where a part's decoded body stands byte for byte in the message, if it
/// does: no transfer encoding and a charset whose text is its bytes.
fn verbatim(raw: &[u8], part: &mail_parser::MessagePart<'_>, text: &str) -> Option<u64> {
    let at = part.offset_body as usize;
    (raw.get(at..at + text.len()) == Some(text.as_bytes())).then_some(at as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_headers_from_a_raw_block() {
        let raw = "Received: from x\r\nFrom: a@b.c\r\nX-Classification: Secret\r\n  Internal\r\nmsip_labels: MSIP_Label_1_Enabled=true\r\nSensitivity: Company-Confidential\r\n\r\nX-Label: body";
        let mut out = "From: A\n".to_owned();
        classification_headers(raw, &mut out);
        assert_eq!(
            out,
            "From: A\nReceived: from x\nX-Classification: Secret Internal\nmsip_labels: MSIP_Label_1_Enabled=true\nSensitivity: Company-Confidential\n"
        );
    }

    #[test]
    fn selected_headers_decoded() {
        let raw = b"From: \"Jane Roe\" <jane@example.com>\r\nTo: a@b.c, =?UTF-8?B?SsO8cmdlbg==?= <j@d.e>\r\nSubject: =?ISO-8859-1?Q?Gr=FC=DFe?=\r\nDKIM-Signature: v=1; junk\r\nX-Classification: Confidential\r\n\r\nbody";
        let msg = MessageParser::default().parse(&raw[..]).unwrap();
        assert_eq!(
            headers_text(&msg, None),
            "From: \"Jane Roe\" <jane@example.com>\nTo: a@b.c, Jürgen <j@d.e>\nSubject: Grüße\nX-Classification: Confidential\n"
        );
    }
}
