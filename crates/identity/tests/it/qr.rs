//! The enrolment QR code, decoded back by `zbarimg`.

use std::process::Command;

use cordon_identity::totp::{self, TotpSecret};

use crate::support::{run, tool};

fn zbarimg(png: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("qr.png");
    std::fs::write(&file, png).unwrap();
    let out = run(Command::new(tool(&["zbarimg"]))
        .arg("--raw")
        .arg("-q")
        .arg(&file));
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end_matches('\n')
        .to_owned()
}

#[test]
fn the_png_decodes_to_the_provisioning_uri() {
    let secret = TotpSecret::generate();
    let cases = [
        ("Cordon", "alice@example.org"),
        ("ACME DLP: prod", "zoë.müller+2fa@example.org"),
        ("Cordon", &"a-very-long-account-name".repeat(8)),
    ];
    for (issuer, account) in cases {
        let uri = totp::provisioning_uri(issuer, account, &secret);
        let png = totp::qr_png(&uri).unwrap();
        assert_eq!(zbarimg(&png), uri);
    }
}

/// Draws the SVG's rectangles (`M{x} {y}h{w}v{h}H{x}V{y}`, what the
/// `qrcode` renderer writes) into a PNG, so `zbarimg` can read the SVG too.
fn rasterize(svg: &str) -> Vec<u8> {
    let attr = |name: &str| -> usize {
        let at = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        svg[at..].split('"').next().unwrap().parse().unwrap()
    };
    let (w, h) = (attr("width"), attr("height"));
    let mut pixels = vec![255u8; w * h];
    let d = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    for rect in d.split('M').filter(|r| !r.is_empty()) {
        let nums: Vec<usize> = rect
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(|n| n.parse().unwrap())
            .collect();
        let (x, y, rw, rh) = (nums[0], nums[1], nums[2], nums[3]);
        for row in y..y + rh {
            pixels[row * w + x..row * w + x + rw].fill(0);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w as u32, h as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    out
}

#[test]
fn the_svg_decodes_to_the_provisioning_uri() {
    let uri = totp::provisioning_uri("Cordon", "alice@example.org", &TotpSecret::generate());
    let svg = totp::qr_svg(&uri).unwrap();
    assert!(svg.starts_with("<svg"), "an inline element: {svg:.60}");
    assert!(
        !svg.contains("secret="),
        "the URI is not in the markup as text"
    );
    assert_eq!(zbarimg(&rasterize(&svg)), uri);
}
