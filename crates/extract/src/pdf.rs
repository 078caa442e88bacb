//! PDF text, by `pdf-extract` (on `lopdf`): the best-kept pure-Rust PDF
//! text extractor, with fonts' ToUnicode maps and encodings.
//!
//! It is not hardened against hostile files, so three guards surround it:
//! - before parsing, every Flate stream is inflated with a bounded decoder
//!   and the sum checked against the limits (a small PDF can hold a
//!   multi-gigabyte content stream);
//! - it runs on its own thread under `catch_unwind`, so a panic in the
//!   library becomes a per-file error;
//! - the caller waits only until the deadline; a parse that runs past it
//!   is reported as a timeout and its thread left to finish on its own
//!   (Rust threads cannot be killed), so a hang never blocks the scan.
//!
//! With OCR on, the JPEG, JPEG 2000 and raw-sample images are taken out
//! with `lopdf` (under the same guards) and read as members of their own.

use std::io::Read;
use std::sync::mpsc;
use std::time::Duration;

use flate2::read::ZlibDecoder;

use crate::limits::RATIO_FLOOR;
use crate::{Format, Location, Reason, Run, Typed};

/// Sum of the inflated sizes of the Flate streams in `pdf`, stopping once
/// it passes `limit` (returns a value over `limit` then).
fn inflated_size(pdf: &[u8], limit: u64) -> u64 {
    let finder = memchr::memmem::Finder::new(b"stream");
    let mut total = 0u64;
    let mut pos = 0usize;
    let mut buf = vec![0u8; 64 * 1024];
    while let Some(rel) = pdf.get(pos..).and_then(|rest| finder.find(rest)) {
        let mut start = pos + rel + b"stream".len();
        pos = start;
        // `endstream` also contains `stream`; only a keyword followed by
        // an end of line starts data.
        match pdf.get(start..start + 2) {
            Some([b'\r', b'\n', ..]) => start += 2,
            Some([b'\n', ..]) => start += 1,
            _ => continue,
        }
        let Some(data) = pdf.get(start..) else { break };
        // Streams that are not zlib fail at once and count for nothing.
        let mut dec = ZlibDecoder::new(data).take(limit.saturating_sub(total).saturating_add(1));
        loop {
            match dec.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n as u64,
            }
        }
        if total > limit {
            return total;
        }
    }
    total
}

/// Run pdf-extract on `data` on its own thread; `None` when it did not
/// finish within `wait`.
fn extract_isolated(data: Vec<u8>, wait: Option<Duration>) -> Option<Result<String, String>> {
    isolated(
        move || pdf_extract::extract_text_from_mem(&data).map_err(|e| e.to_string()),
        wait,
    )
}

/// An image a PDF embeds in a form the OCR engine reads as it is.
struct PdfImage {
    /// `image12.jpg`: the object number and the format.
    name: String,
    bytes: Vec<u8>,
}

/// The images of `data` that can hold text: JPEG (`DCTDecode`, what
/// scanners write), JPEG 2000 (`JPXDecode`) and raw samples (as PNM), at
/// least 100×32 pixels, not soft masks; at most `max` of them.
fn pdf_images(data: &[u8], max: usize) -> Result<Vec<PdfImage>, String> {
    use lopdf::Object;
    let doc = lopdf::Document::load_mem(data).map_err(|e| e.to_string())?;
    let masks: std::collections::HashSet<lopdf::ObjectId> = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .flat_map(|s| {
            [&b"SMask"[..], &b"Mask"[..]]
                .into_iter()
                .filter_map(|k| s.dict.get(k).and_then(Object::as_reference).ok())
        })
        .collect();
    let mut images = Vec::new();
    for (id, obj) in &doc.objects {
        if images.len() >= max {
            break;
        }
        let Ok(stream) = obj.as_stream() else {
            continue;
        };
        let dict = &stream.dict;
        let name_is = |key: &[u8], want: &[u8]| {
            dict.get(key)
                .and_then(Object::as_name)
                .is_ok_and(|n| n == want)
        };
        if !name_is(b"Subtype", b"Image") || masks.contains(id) {
            continue;
        }
        let dim = |key: &[u8]| dict.get(key).and_then(Object::as_i64).unwrap_or(0);
        if dim(b"Width") < 100 || dim(b"Height") < 32 {
            continue;
        }
        let (ext, bytes) = if name_is(b"Filter", b"DCTDecode") {
            ("jpg", stream.content.clone())
        } else if name_is(b"Filter", b"JPXDecode") {
            ("jp2", stream.content.clone())
        } else if dict.get(b"Filter").is_err() || name_is(b"Filter", b"FlateDecode") {
            // Raw pixels: given the header of a PNM image, which the OCR
            // engine reads.
            let Ok(pixels) = stream.decompressed_content() else {
                continue;
            };
            let bits = dict
                .get(b"BitsPerComponent")
                .and_then(Object::as_i64)
                .unwrap_or(8);
            let inverted = dict
                .get(b"Decode")
                .and_then(Object::as_array)
                .is_ok_and(|d| d.first().and_then(|o| o.as_i64().ok()) == Some(1));
            let Some(pnm) = pnm(dim(b"Width"), dim(b"Height"), bits, inverted, &pixels) else {
                continue;
            };
            ("pnm", pnm)
        } else {
            continue;
        };
        images.push(PdfImage {
            name: format!("image{}.{ext}", id.0),
            bytes,
        });
    }
    images.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(images)
}

/// Raw PDF image samples as a PNM image: 8-bit gray (P5) or RGB (P6),
/// told apart by the data's length, or 1-bit (P4, where 1 is black while
/// PDF's gray has 0 black unless its `Decode` array is inverted). `None`
/// for any other layout (CMYK, indexed, 16-bit, predictors left in).
fn pnm(width: i64, height: i64, bits: i64, inverted: bool, pixels: &[u8]) -> Option<Vec<u8>> {
    let w = usize::try_from(width).ok()?;
    let h = usize::try_from(height).ok()?;
    let area = w.checked_mul(h)?;
    let (magic, data): (&str, Vec<u8>) = match bits {
        8 if pixels.len() == area => ("P5", pixels.to_vec()),
        8 if Some(pixels.len()) == area.checked_mul(3) => ("P6", pixels.to_vec()),
        1 if Some(pixels.len()) == w.div_ceil(8).checked_mul(h) => {
            let flip = if inverted { 0x00 } else { 0xFF };
            ("P4", pixels.iter().map(|b| b ^ flip).collect())
        }
        _ => return None,
    };
    let header = if magic == "P4" {
        format!("{magic}\n{w} {h}\n")
    } else {
        format!("{magic}\n{w} {h}\n255\n")
    };
    let mut out = header.into_bytes();
    out.extend_from_slice(&data);
    Some(out)
}

/// Runs `f` on its own thread under `catch_unwind`; `None` when it did
/// not finish within `wait`.
fn isolated<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
    wait: Option<Duration>,
) -> Option<Result<T, String>> {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("cordon-pdf".into())
        .spawn(move || {
            let msg = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
                Ok(r) => r,
                Err(_) => Err("the PDF parser failed on this file".to_owned()),
            };
            // The receiver may have given up waiting; nothing to do then.
            let _ = tx.send(msg);
        });
    if let Err(e) = spawned {
        return Some(Err(format!("cannot start the PDF parser: {e}")));
    }
    match wait {
        Some(w) => rx.recv_timeout(w).ok(),
        None => rx.recv().ok(),
    }
}

impl<E> Run<'_, '_, '_, E> {
    pub(crate) fn pdf(
        &mut self,
        loc: &Location,
        depth: u32,
        typed: Typed,
        bytes: &[u8],
    ) -> Result<(), E> {
        let cx = self.cx;
        let limits = cx.limits;
        // The bomb check: inflated streams within the member limit and
        // within the ratio once past the floor.
        let inflated = inflated_size(bytes, limits.max_member_bytes);
        if inflated > limits.max_member_bytes {
            cx.incomplete(
                loc,
                Reason::MemberTooLarge {
                    limit: limits.max_member_bytes,
                },
            );
            return Ok(());
        }
        if inflated > RATIO_FLOOR && inflated / (bytes.len() as u64).max(1) > limits.max_ratio {
            cx.incomplete(
                loc,
                Reason::Ratio {
                    limit: limits.max_ratio,
                },
            );
            return Ok(());
        }
        if !cx.add_expanded(loc, inflated) {
            return Ok(());
        }
        let encrypted = memchr::memmem::find(bytes, b"/Encrypt").is_some();
        match extract_isolated(bytes.to_vec(), cx.remaining()) {
            None => {
                cx.check_time(loc);
                if !cx.stopped() {
                    // The channel closed without an answer.
                    cx.incomplete(
                        loc,
                        Reason::Corrupt {
                            format: Format::Pdf,
                            detail: "the PDF parser stopped without a result".to_owned(),
                        },
                    );
                }
                Ok(())
            }
            // lopdf loads a file it cannot decrypt with the empty password
            // as a document without pages: no text, no error.
            Some(Ok(text)) if encrypted && text.trim().is_empty() => {
                cx.incomplete(
                    loc,
                    Reason::Encrypted {
                        format: Format::Pdf,
                        detail: "password required".to_owned(),
                    },
                );
                Ok(())
            }
            Some(Ok(text)) => {
                if text.trim().is_empty() && cx.ocr.is_none() {
                    cx.note(loc, "no text layer (a scanned image?)");
                }
                self.deliver_text(loc, typed, &text)?;
                self.pdf_ocr(loc, depth, bytes)
            }
            Some(Err(detail)) if encrypted => {
                cx.incomplete(
                    loc,
                    Reason::Encrypted {
                        format: Format::Pdf,
                        detail,
                    },
                );
                Ok(())
            }
            Some(Err(detail)) => {
                cx.incomplete(
                    loc,
                    Reason::Corrupt {
                        format: Format::Pdf,
                        detail,
                    },
                );
                Ok(())
            }
        }
    }
}

impl<E> Run<'_, '_, '_, E> {
    /// With OCR on, the text of the PDF's scanned images, each a member
    /// of its own: `scan.pdf!/image12.jpg`.
    fn pdf_ocr(&mut self, loc: &Location, depth: u32, bytes: &[u8]) -> Result<(), E> {
        let cx = self.cx;
        let Some(ocr) = cx.ocr else {
            return Ok(());
        };
        let max = usize::try_from(cx.limits.max_entries).unwrap_or(usize::MAX);
        let data = bytes.to_vec();
        let images = match isolated(move || pdf_images(&data, max), cx.remaining()) {
            Some(Ok(images)) => images,
            Some(Err(detail)) => {
                cx.incomplete(
                    loc,
                    Reason::Corrupt {
                        format: Format::Pdf,
                        detail: format!("images not read: {detail}"),
                    },
                );
                return Ok(());
            }
            None => {
                cx.check_time(loc);
                return Ok(());
            }
        };
        for image in images {
            if cx.stopped() || !cx.check_time(loc) {
                break;
            }
            let child = loc.child(&image.name);
            if depth + 1 > cx.limits.max_depth {
                let limit = cx.limits.max_depth;
                cx.incomplete(&child, Reason::Depth { limit });
                continue;
            }
            if !cx.count_entry(&child) {
                continue;
            }
            let typed = Typed {
                format: Format::Image,
                file_type: crate::sniff::file_type(Format::Image, &image.bytes),
            };
            cx.record_type(&child, typed);
            self.ocr_bytes(&child, typed, ocr, &image.bytes)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn raw_samples_become_pnm_images() {
        assert_eq!(
            pnm(2, 1, 8, false, &[0, 255]).unwrap(),
            b"P5\n2 1\n255\n\0\xff"
        );
        assert_eq!(
            pnm(1, 1, 8, false, &[1, 2, 3]).unwrap(),
            b"P6\n1 1\n255\n\x01\x02\x03"
        );
        // 1-bit: PDF gray 0 is black, PBM 1 is black; a Decode [1 0] array
        // already says 1 is black.
        assert_eq!(
            pnm(9, 1, 1, false, &[0x0F, 0x80]).unwrap(),
            b"P4\n9 1\n\xf0\x7f"
        );
        assert_eq!(
            pnm(9, 1, 1, true, &[0x0F, 0x80]).unwrap(),
            b"P4\n9 1\n\x0f\x80"
        );
        // Lengths that match no layout, 16 bits, sizes that overflow.
        assert_eq!(pnm(2, 2, 8, false, &[0; 5]), None);
        assert_eq!(pnm(1, 1, 16, false, &[0; 2]), None);
        assert_eq!(pnm(i64::MAX, 2, 8, false, &[0; 2]), None);
        assert_eq!(pnm(-1, 2, 8, false, &[0; 2]), None);
    }

    #[test]
    fn inflated_size_sums_streams_and_stops_at_limit() {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&[b'a'; 10_000]).unwrap();
        let data = z.finish().unwrap();
        let mut pdf = b"%PDF-1.4\n1 0 obj<</Length 5>>stream\n".to_vec();
        pdf.extend_from_slice(&data);
        pdf.extend_from_slice(b"\nendstream\nendobj\n2 0 obj<<>>stream\r\n");
        pdf.extend_from_slice(&data);
        pdf.extend_from_slice(b"\r\nendstream\n");
        assert_eq!(inflated_size(&pdf, 1 << 20), 20_000);
        assert!(inflated_size(&pdf, 15_000) > 15_000);
    }
}
