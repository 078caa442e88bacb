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
use crate::sniff::{builtin, ids};
use crate::{Format, Location, Reason, Run, Src, TextKind, Typed};

/// Headers whose values are worth inspecting; others (routing, DKIM)
/// are noise for detectors.
const HEADERS: &[&str] = &[
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
/// `msip_label…`, `Sensitivity`, `Keywords`, `Comments`) of a raw header
/// block, such as the internet headers an Outlook message keeps. The
/// address and subject headers are left out: the caller has them.
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

fn format_address(a: &Address<'_>, out: &mut String) {
    let mut first = true;
    let mut push = |name: Option<&str>, addr: Option<&str>, out: &mut String| {
        if !first {
            out.push_str(", ");
        }
        first = false;
        match (name, addr) {
            (Some(n), Some(a)) => {
                out.push_str(n);
                out.push_str(" <");
                out.push_str(a);
                out.push('>');
            }
            (Some(x), None) | (None, Some(x)) => out.push_str(x),
            (None, None) => {}
        }
    };
    match a {
        Address::List(list) => {
            for addr in list {
                push(addr.name.as_deref(), addr.address.as_deref(), out);
            }
        }
        Address::Group(groups) => {
            for g in groups {
                for addr in &g.addresses {
                    push(addr.name.as_deref(), addr.address.as_deref(), out);
                }
            }
        }
    }
}

/// The headers member: one `Name: value` line per wanted header.
fn headers_text(msg: &mail_parser::Message<'_>) -> String {
    let mut out = String::new();
    for h in msg.headers() {
        let name = h.name.as_str();
        if !wanted_header(name) {
            continue;
        }
        let before = out.len();
        out.push_str(name);
        out.push_str(": ");
        let value_start = out.len();
        match &h.value {
            HeaderValue::Address(a) => format_address(a, &mut out),
            HeaderValue::Text(t) => out.push_str(t),
            HeaderValue::TextList(list) => out.push_str(&list.join(", ")),
            _ => {}
        }
        if out.len() == value_start {
            out.truncate(before);
        } else {
            out.push('\n');
        }
    }
    out
}

/// Split an mbox into its messages: each starts with a `From ` line at
/// the start of the file or after a blank line.
fn mbox_messages(data: &[u8]) -> Vec<&[u8]> {
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
            let body = memchr::memchr(b'\n', msg)
                .and_then(|nl| msg.get(nl + 1..))
                .unwrap_or_default();
            out.push(body);
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
            for (i, msg) in mbox_messages(bytes).into_iter().enumerate() {
                if self.cx.stopped() {
                    break;
                }
                let child = loc.child(&format!("message{}.eml", i + 1));
                self.node(&child, depth + 1, Src::Mem(msg))?;
            }
            return Ok(());
        }
        self.message(loc, depth, typed, bytes)
    }

    fn message(&mut self, loc: &Location, depth: u32, typed: Typed, bytes: &[u8]) -> Result<(), E> {
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
        let headers = headers_text(&msg);
        let child = loc.child("headers");
        if cx.count_entry(&child) {
            cx.record_type(&child, typed);
            self.deliver_text(&child, typed, &headers)?;
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
                        self.deliver_text(&child, t, text)?;
                    }
                }
                PartType::Html(html) if !is_attachment => {
                    if cx.count_entry(&child) {
                        let t = Typed {
                            format: Format::Html,
                            file_type: builtin(ids::HTML),
                        };
                        cx.record_type(&child, t);
                        let map = crate::SourceMap::new();
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
            "From: A\nX-Classification: Secret Internal\nmsip_labels: MSIP_Label_1_Enabled=true\nSensitivity: Company-Confidential\n"
        );
    }

    #[test]
    fn selected_headers_decoded() {
        let raw = b"From: \"Jane Roe\" <jane@example.com>\r\nTo: a@b.c, =?UTF-8?B?SsO8cmdlbg==?= <j@d.e>\r\nSubject: =?ISO-8859-1?Q?Gr=FC=DFe?=\r\nDKIM-Signature: v=1; junk\r\nX-Classification: Confidential\r\n\r\nbody";
        let msg = MessageParser::default().parse(&raw[..]).unwrap();
        assert_eq!(
            headers_text(&msg),
            "From: Jane Roe <jane@example.com>\nTo: a@b.c, Jürgen <j@d.e>\nSubject: Grüße\nX-Classification: Confidential\n"
        );
    }
}
