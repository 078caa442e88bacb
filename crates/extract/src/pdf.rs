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
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("cordon-pdf".into())
        .spawn(move || {
            let result = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(&data));
            let msg = match result {
                Ok(Ok(text)) => Ok(text),
                Ok(Err(e)) => Err(e.to_string()),
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
    pub(crate) fn pdf(&mut self, loc: &Location, typed: Typed, bytes: &[u8]) -> Result<(), E> {
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
                if text.trim().is_empty() {
                    cx.note(loc, "no text layer (a scanned image?)");
                }
                self.deliver_text(loc, typed, &text)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

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
