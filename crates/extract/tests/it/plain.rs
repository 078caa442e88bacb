use cordon_extract::{Charset, Format, TextKind};

use crate::{run, text_at};

#[test]
fn utf8_file_is_passed_through_with_file_offsets() {
    let data = "Name: Jane\nSSN 078-05-1120\n".as_bytes();
    let (got, report) = run("people.txt", data);
    assert!(report.fully_inspected());
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].kind, TextKind::Original);
    assert_eq!(got[0].format, Format::Text);
    assert_eq!(got[0].text.as_bytes(), data);
    assert_eq!(report.root_format(), Format::Text);
}

#[test]
fn utf16_le_with_bom_is_transcoded() {
    let mut data = vec![0xFF, 0xFE];
    data.extend("Café 078-05-1120".encode_utf16().flat_map(u16::to_le_bytes));
    let (got, _) = run("u16.txt", &data);
    assert_eq!(text_at(&got, "u16.txt"), "Café 078-05-1120");
    assert_eq!(got[0].kind, TextKind::Transcoded(Charset::Utf16Le));
}

#[test]
fn utf16_be_with_bom_is_transcoded() {
    let mut data = vec![0xFE, 0xFF];
    data.extend("ünïcode".encode_utf16().flat_map(u16::to_be_bytes));
    let (got, _) = run("u16be.txt", &data);
    assert_eq!(text_at(&got, "u16be.txt"), "ünïcode");
}

#[test]
fn invalid_utf8_falls_back_to_windows_1252() {
    let (got, _) = run("latin.txt", b"Stra\xdfe M\xfcller \x80 5");
    assert_eq!(text_at(&got, "latin.txt"), "Straße Müller € 5");
    assert_eq!(got[0].kind, TextKind::Transcoded(Charset::Windows1252));
}

#[test]
fn empty_file_has_no_member_and_is_complete() {
    let (got, report) = run("empty.txt", b"");
    assert!(got.is_empty());
    assert!(report.fully_inspected());
    assert_eq!(report.root_format(), Format::Empty);
}

#[test]
fn binary_is_delivered_raw() {
    let mut data = vec![0u8, 1, 2, 3, 0xff, 0xfe, 0x10];
    data.extend_from_slice(b"AKIAIOSFODNN7EXAMPLE");
    let (got, _) = run("blob.bin", &data);
    assert_eq!(got[0].kind, TextKind::Raw);
    assert!(got[0].text.contains("AKIAIOSFODNN7EXAMPLE"));
}

/// A page's text, and its script on a line of its own: keys are left in
/// pages' scripts, and what a file carries is inspected whole.
#[test]
fn html_text_and_script() {
    let page = b"<html><body><script>var x='secret-in-script';</script><p>Card&nbsp;4111 1111 1111 1111</p></body></html>";
    let (got, _) = run("page.html", page);
    let text = text_at(&got, "page.html");
    assert!(text.contains("Card\u{a0}4111 1111 1111 1111"), "{text}");
    assert!(text.contains("var x='secret-in-script';\n"), "{text}");
    assert_eq!(got[0].format, Format::Html);
}

/// PHP source is text, not XML: `<?php` starts code whose secrets are
/// read as any source file's.
#[test]
fn php_source_is_text() {
    let page = b"<?php\ndefine('DB_PASSWORD', 'Xk9mP2vLq77w');\n$x = $a > 1 ? 2 : 3;\n";
    let (got, _) = run("wp-config.php", page);
    let text = text_at(&got, "wp-config.php");
    assert!(
        text.contains("define('DB_PASSWORD', 'Xk9mP2vLq77w');"),
        "{text}"
    );
    assert_eq!(got[0].format, Format::Text);
}

#[test]
fn xml_text() {
    let (got, _) = run(
        "data.xml",
        b"<?xml version=\"1.0\"?><people><p><ssn>078-05-1120</ssn></p></people>",
    );
    // The element's name labels its text (a detector's context word).
    assert_eq!(text_at(&got, "data.xml").trim(), "ssn: 078-05-1120");
}

#[test]
fn large_single_line_streams() {
    // 64 MiB in one line: delivered by a reader, never refused for size.
    let line = vec![b'a'; 64 << 20];
    let (got, report) = run("line.txt", &line);
    assert!(report.fully_inspected());
    assert_eq!(got[0].text.len(), 64 << 20);
}

#[test]
fn file_input_streams_from_disk() {
    let dir = std::env::temp_dir().join(format!("cordon-extract-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("f.txt");
    std::fs::write(&path, b"hello from disk").unwrap();
    let ex = cordon_extract::Extractor::default();
    let mut seen = String::new();
    ex.extract("f.txt", cordon_extract::Input::Path(&path), &mut |m| {
        std::io::Read::read_to_string(m.text, &mut seen).unwrap();
        Ok::<(), ()>(())
    })
    .unwrap();
    assert_eq!(seen, "hello from disk");
    let missing = ex
        .extract(
            "nope",
            cordon_extract::Input::Path(&dir.join("missing")),
            &mut |_| Ok::<(), ()>(()),
        )
        .unwrap();
    assert_eq!(missing.incomplete.len(), 1);
    assert_eq!(missing.incomplete[0].reason.code(), "io_error");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn visitor_can_abort() {
    let ex = cordon_extract::Extractor::default();
    let zip = crate::build::zip(&[("a.txt", b"one"), ("b.txt", b"two")]);
    let mut seen = 0;
    let r = ex.extract("x.zip", cordon_extract::Input::Bytes(&zip), &mut |_| {
        seen += 1;
        Err("stop")
    });
    assert_eq!(r, Err("stop"));
    assert_eq!(seen, 1);
}

/// An endless-looking source: `len` bytes of one line, made on the fly.
struct Generated {
    left: u64,
}

impl std::io::Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        buf[..n].fill(b'7');
        self.left -= n as u64;
        Ok(n)
    }
}

#[test]
fn one_gib_single_line_from_a_reader_streams() {
    // Nothing in the extractor may hold the member: a 1 GiB line from a
    // pipe-like reader passes through in the visitor's chunks.
    let ex = cordon_extract::Extractor::default();
    let mut src = Generated { left: 1 << 30 };
    let mut total = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    let report = ex
        .extract("-", cordon_extract::Input::Reader(&mut src), &mut |m| {
            assert_eq!(m.kind, TextKind::Original);
            loop {
                let n = m.text.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                total += n as u64;
            }
            Ok::<(), ()>(())
        })
        .unwrap();
    assert!(report.fully_inspected());
    assert_eq!(total, 1 << 30);
}

#[test]
fn zip_through_a_pipe_is_buffered_and_read() {
    // A File that cannot seek (a pipe): the zip is buffered within the
    // member limit instead.
    let (reader, mut writer) = std::io::pipe().unwrap();
    let z = crate::build::zip(&[("p.txt", b"through a pipe")]);
    let feeder = std::thread::spawn(move || std::io::Write::write_all(&mut writer, &z).unwrap());
    let file = std::fs::File::from(std::os::fd::OwnedFd::from(reader));
    let ex = cordon_extract::Extractor::default();
    let mut got = Vec::new();
    let report = ex
        .extract("-", cordon_extract::Input::File(file), &mut |m| {
            let mut s = String::new();
            m.text.read_to_string(&mut s).unwrap();
            got.push((m.location.to_string(), s));
            Ok::<(), ()>(())
        })
        .unwrap();
    feeder.join().unwrap();
    assert!(report.fully_inspected(), "{:?}", report.incomplete);
    assert_eq!(
        got,
        [("-!/p.txt".to_string(), "through a pipe".to_string())]
    );
}

#[test]
fn utf16_without_bom_and_utf16_html() {
    let le: Vec<u8> = "plain UTF-16 text, no BOM"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let (got, _) = run("nobom.txt", &le);
    assert_eq!(text_at(&got, "nobom.txt"), "plain UTF-16 text, no BOM");
    let mut html = vec![0xFF, 0xFE];
    html.extend(
        "<html><body><p>Caf&eacute; 078-05-1120</p></body></html>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let (got, report) = run("page.htm", &html);
    assert_eq!(report.root_format(), Format::Html);
    assert_eq!(text_at(&got, "page.htm").trim(), "Café 078-05-1120");
}
