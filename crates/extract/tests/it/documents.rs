//! PDF, RTF and e-mail, built in the tests.

use cordon_extract::{Format, Limits, TextKind};

use crate::{build, run, run_with, text_at};

#[test]
fn pdf_text_of_every_page() {
    for compress in [false, true] {
        let p = build::pdf(
            &["Patient SSN 078-05-1120", "CONFIDENTIAL page two"],
            compress,
            "",
        );
        let (got, report) = run("scan.pdf", &p);
        assert!(report.fully_inspected(), "{:?}", report.incomplete);
        assert_eq!(report.root_format(), Format::Pdf);
        assert_eq!(report.root_file_type().id, 0x0002_0000);
        let text = text_at(&got, "scan.pdf");
        assert!(text.contains("Patient SSN 078-05-1120"), "{text:?}");
        assert!(text.contains("CONFIDENTIAL page two"), "{text:?}");
        assert_eq!(got[0].kind, TextKind::Extracted);
    }
}

#[test]
fn truncated_pdf_is_a_clear_error() {
    let p = build::pdf(&["some text"], true, "");
    let (_, report) = run("cut.pdf", &p[..60]);
    assert!(!report.fully_inspected());
    assert_eq!(report.incomplete[0].location.to_string(), "cut.pdf");
    assert_eq!(report.incomplete[0].reason.code(), "corrupt");
}

#[test]
fn encrypted_pdf_is_reported_encrypted() {
    // An encryption dictionary whose user password is not empty: the
    // check values are junk, so the empty password does not open it.
    let enc = " /Encrypt << /Filter /Standard /V 1 /R 2 /O <0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef> /U <fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210> /P -4 >> /ID [<00112233445566778899aabbccddeeff><00112233445566778899aabbccddeeff>]";
    let p = build::pdf(&["secret"], false, enc);
    let (got, report) = run("locked.pdf", &p);
    assert!(got.iter().all(|g| !g.text.contains("secret")));
    assert!(!report.fully_inspected());
    assert_eq!(
        report.incomplete[0].reason.code(),
        "encrypted",
        "{:?}",
        report.incomplete
    );
}

#[test]
fn pdf_bomb_is_refused_before_parsing() {
    // One content stream of 64 MiB of spaces: over a 16 MiB member limit.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..64 {
        std::io::Write::write_all(&mut z, &spaces).unwrap();
    }
    let data = z.finish().unwrap();
    let mut p = b"%PDF-1.4\n1 0 obj\n<< /Length 0 /Filter /FlateDecode >>\nstream\n".to_vec();
    p.extend_from_slice(&data);
    p.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
    let limits = Limits {
        max_member_bytes: 16 << 20,
        ..Limits::default()
    };
    let (_, report) = run_with("bomb.pdf", &p, limits);
    assert_eq!(report.incomplete[0].reason.code(), "member_size_limit");
}

#[test]
fn rtf_text_skips_tables_and_decodes_escapes() {
    let doc = br"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}{\*\generator x;}\f0 Dear Ren\'e9,\par SSN 078-05-1120 \u8364?\par}";
    let (got, report) = run("letter.rtf", doc);
    assert!(report.fully_inspected());
    assert_eq!(report.root_format(), Format::Rtf);
    assert_eq!(report.root_file_type().id, 0x000C_0100);
    assert_eq!(
        text_at(&got, "letter.rtf"),
        "Dear René,\nSSN 078-05-1120 €\n"
    );
}

fn eml() -> Vec<u8> {
    let attachment_zip = build::zip(&[("inner.txt", b"zip secret 078-05-1120")]);
    let b64 = base64(&attachment_zip);
    format!(
        "From: Jane Roe <jane@example.com>\r\n\
To: Bob <bob@example.org>\r\n\
Subject: =?UTF-8?Q?Quarterly_r=C3=A9sults?=\r\n\
Message-ID: <1@example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"XX\"\r\n\
\r\n\
--XX\r\n\
Content-Type: multipart/alternative; boundary=\"YY\"\r\n\
\r\n\
--YY\r\n\
Content-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Card 4111 1111 1111 1111 caf=E9\r\n\
--YY\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<html><body><p>Card <b>4111 1111 1111 1111</b></p></body></html>\r\n\
--YY--\r\n\
--XX\r\n\
Content-Type: application/zip; name=\"data.zip\"\r\n\
Content-Disposition: attachment; filename=\"data.zip\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
{b64}\r\n\
--XX--\r\n"
    )
    .into_bytes()
}

fn base64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
        if out.len() % 77 == 76 {
            out.push_str("\r\n");
        }
    }
    out
}

#[test]
fn eml_headers_bodies_and_zip_attachment() {
    let (got, report) = run("mail.eml", &eml());
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    assert_eq!(report.root_format(), Format::Email);
    assert_eq!(report.root_file_type().id, 0x0008_0200);
    assert_eq!(
        text_at(&got, "mail.eml!/headers"),
        "From: Jane Roe <jane@example.com>\nTo: Bob <bob@example.org>\nSubject: Quarterly résultats\n"
            .replace("résultats", "résults")
    );
    let plain = got
        .iter()
        .find(|g| g.location.ends_with(".txt") && g.text.contains("Card"))
        .unwrap();
    assert_eq!(plain.text.trim_end(), "Card 4111 1111 1111 1111 café");
    let html = got.iter().find(|g| g.location.ends_with(".html")).unwrap();
    assert!(
        html.text.contains("Card 4111 1111 1111 1111"),
        "{:?}",
        html.text
    );
    assert!(!html.text.contains("<b>"));
    let inner = got
        .iter()
        .find(|g| g.location.ends_with("data.zip!/inner.txt"))
        .unwrap();
    assert_eq!(inner.text, "zip secret 078-05-1120");
    assert!(
        inner.location.starts_with("mail.eml!/part"),
        "{}",
        inner.location
    );
}

#[test]
fn mbox_is_split_into_messages() {
    // The first message has no MIME structure: it is text as written. The
    // second has: its headers and parts are members of their own.
    let mbox = b"From jane@example.com Mon Jan  1 00:00:00 2024\nFrom: jane@example.com\nTo: bob@example.org\nSubject: one\n\nfirst body\n\nFrom bob@example.org Mon Jan  1 00:00:01 2024\nFrom: bob@example.org\nTo: jane@example.com\nMIME-Version: 1.0\nSubject: two\n\nsecond body\n";
    let (got, report) = run("inbox.mbox", mbox);
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    assert_eq!(report.root_file_type().id, 0x0008_0400);
    let first = text_at(&got, "inbox.mbox!/message1.eml");
    assert!(first.contains("Subject: one") && first.contains("first body"));
    assert!(text_at(&got, "inbox.mbox!/message2.eml!/headers").contains("Subject: two"));
    assert!(
        got.iter()
            .any(|g| g.location.starts_with("inbox.mbox!/message2.eml!/part")
                && g.text.contains("second body"))
    );
}
