//! QR codes of a provisioning URI: SVG for the console page, PNG for a
//! download (and for the tests, which decode it with `zbarimg`).
//!
//! `qrcode` builds the matrix (its SVG renderer only, no `image` crate);
//! the PNG is the matrix scaled up, one bit per pixel, written by `png`.

use qrcode::render::svg;
use qrcode::{Color, EcLevel, QrCode};

/// Pixels per module in the PNG.
const SCALE: usize = 8;
/// Light modules around the code, as the QR standard asks.
const QUIET: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("a {len}-byte URI does not fit in a QR code: {source}")]
    TooLong {
        len: usize,
        source: qrcode::types::QrError,
    },
    #[error("a QR code of {0} pixels per side is too large for a PNG")]
    Dimensions(usize),
    #[error("cannot write the QR code as PNG: {0}")]
    Png(#[from] png::EncodingError),
}

fn matrix(uri: &str) -> Result<QrCode, QrError> {
    // Level M (15% of the code may be damaged): what authenticator apps
    // scan from a screen without trouble, at a reasonable size.
    QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M).map_err(|source| {
        QrError::TooLong {
            len: uri.len(),
            source,
        }
    })
}

/// The QR code of `uri` as an inline `<svg>` element (no XML declaration),
/// at least 200 px wide, black on white with its quiet zone.
pub fn qr_svg(uri: &str) -> Result<String, QrError> {
    let code = matrix(uri)?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build();
    // Inline in HTML, the XML declaration is noise.
    Ok(match image.strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map_or(image.clone(), |(_, svg)| svg.to_owned()),
        None => image,
    })
}

/// The QR code of `uri` as a black-and-white PNG, 8 px per module.
pub fn qr_png(uri: &str) -> Result<Vec<u8>, QrError> {
    let code = matrix(uri)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let row_bytes = side.div_ceil(8);
    // One bit per pixel, 1 = white; start all white, then draw dark modules.
    let mut pixels = vec![0xffu8; row_bytes * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
        for y in my * SCALE..(my + 1) * SCALE {
            for x in mx * SCALE..(mx + 1) * SCALE {
                if let Some(byte) = pixels.get_mut(y * row_bytes + x / 8) {
                    *byte &= !(0x80u8 >> (x % 8));
                }
            }
        }
    }
    let side = u32::try_from(side).map_err(|_| QrError::Dimensions(side))?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_is_an_inline_element() {
        let svg = qr_svg("otpauth://totp/Cordon:alice?secret=GEZDGNBV").unwrap();
        assert!(svg.trim_start().starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn png_has_the_signature_and_size() {
        let png = qr_png("otpauth://totp/Cordon:alice?secret=GEZDGNBV").unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!(info.width, info.height);
        assert_eq!(info.width % SCALE as u32, 0);
    }

    #[test]
    fn a_uri_too_long_is_an_error_not_a_panic() {
        let long = "x".repeat(10_000);
        assert!(matches!(
            qr_svg(&long),
            Err(QrError::TooLong { len: 10_000, .. })
        ));
        assert!(qr_png(&long).is_err());
    }
}
