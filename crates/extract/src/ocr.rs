//! Text in images, by Tesseract run as a child process.
//!
//! The image goes to the child's standard input and the text comes back on
//! its standard output: nothing is written to disk. Tesseract treats
//! standard input that is not an image it recognises as a *list of file
//! names* to read; so only bytes that start with the signature of a format
//! it decodes are ever sent (checked here, not trusted to the sniffer),
//! and a crafted "image" cannot make it open other files.
//!
//! Why a child process and not a binding: the bindings (`leptess`,
//! `tesseract-rs`) link the C++ library into the scanner, where a crash in
//! a decoder on a hostile image would take the whole scan down; a child
//! can be killed at the deadline and its failure is one file's error.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Format, Reason};

/// How to run the OCR engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ocr {
    /// The `tesseract` program (a name looked up in `PATH`, or a path).
    pub program: PathBuf,
    /// Tesseract language codes joined by `+`, e.g. `eng+deu`.
    pub languages: String,
    /// Longest time one image may take.
    pub timeout: Duration,
}

impl Default for Ocr {
    fn default() -> Self {
        Self {
            program: PathBuf::from("tesseract"),
            languages: "eng".to_owned(),
            timeout: Duration::from_secs(60),
        }
    }
}

/// True when `b` starts with the signature of an image format Tesseract
/// (Leptonica) decodes: PNG, JPEG, TIFF, BMP, GIF, WebP, JPEG 2000, and
/// the binary PNM images made from a PDF's raw samples.
pub(crate) fn is_ocr_image(b: &[u8]) -> bool {
    b.starts_with(b"\x89PNG\r\n\x1a\n")
        || b.starts_with(&[0xFF, 0xD8, 0xFF])
        || b.starts_with(b"II*\0")
        || b.starts_with(b"MM\0*")
        || b.starts_with(b"BM")
        || b.starts_with(b"GIF87a")
        || b.starts_with(b"GIF89a")
        || (b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP"))
        || b.starts_with(b"\0\0\0\x0cjP  \r\n\x87\n")
        || b.starts_with(b"P4\n")
        || b.starts_with(b"P5\n")
        || b.starts_with(b"P6\n")
}

/// The text Tesseract reads in `image`, at most `cap` bytes (the flag says
/// whether it was cut). `deadline` is the input's own deadline; the
/// earlier of it and the engine's timeout applies.
pub(crate) fn recognise(
    ocr: &Ocr,
    image: &[u8],
    cap: usize,
    deadline: Option<Instant>,
) -> Result<(String, bool), Reason> {
    if !is_ocr_image(image) {
        return Err(Reason::Unsupported {
            format: Format::Image,
            detail: "image format the OCR engine does not read".to_owned(),
        });
    }
    let ends = Instant::now() + ocr.timeout;
    let ends = deadline.map_or(ends, |d| d.min(ends));
    let mut child = Command::new(&ocr.program)
        .args(["stdin", "stdout", "-l", &ocr.languages])
        // One thread per image: scans already run one file per core.
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Reason::Unsupported {
            format: Format::Image,
            detail: format!(
                "OCR engine `{}` cannot be started ({e}); install Debian's tesseract-ocr",
                ocr.program.display()
            ),
        })?;
    let (mut stdin, mut stdout, mut stderr) =
        match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
            (Some(i), Some(o), Some(e)) => (i, o, e),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(io_reason("OCR engine pipes were not set up"));
            }
        };
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    let (text, errors, status) = std::thread::scope(|s| {
        // Writing and reading run side by side, so neither pipe fills up
        // while the other waits.
        s.spawn(move || {
            let _ = stdin.write_all(image);
        });
        let out = s.spawn(move || {
            let mut v = Vec::new();
            let _ = (&mut stdout).take(limit).read_to_end(&mut v);
            // Whatever is past the cap is drained, not kept.
            let _ = std::io::copy(&mut stdout, &mut std::io::sink());
            v
        });
        let err = s.spawn(move || {
            let mut v = Vec::new();
            let _ = (&mut stderr).take(4096).read_to_end(&mut v);
            let _ = std::io::copy(&mut stderr, &mut std::io::sink());
            v
        });
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Ok(status),
                Ok(None) if Instant::now() >= ends => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(());
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    tracing::warn!("waiting for the OCR engine failed: {e}");
                    break Err(());
                }
            }
        };
        let text = out.join().unwrap_or_default();
        let errors = err.join().unwrap_or_default();
        (text, errors, status)
    });
    let Ok(status) = status else {
        return Err(Reason::OcrTimeout { limit: ocr.timeout });
    };
    if !status.success() {
        let why = String::from_utf8_lossy(&errors);
        let line = why
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        return Err(Reason::Corrupt {
            format: Format::Image,
            detail: format!("OCR engine failed ({status}): {line}"),
        });
    }
    let cut = text.len() > cap;
    let mut text =
        String::from_utf8_lossy(text.get(..cap.min(text.len())).unwrap_or_default()).into_owned();
    // Tesseract ends each page with a form feed.
    text.retain(|c| c != '\u{0C}');
    Ok((text, cut))
}

fn io_reason(detail: &str) -> Reason {
    Reason::Io {
        detail: detail.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_image_signatures_are_sent() {
        assert!(is_ocr_image(b"\x89PNG\r\n\x1a\n...."));
        assert!(is_ocr_image(&[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(is_ocr_image(b"RIFF\0\0\0\0WEBPVP8 "));
        assert!(!is_ocr_image(b"RIFF\0\0\0\0WAVEfmt "));
        // A list of file names is what Tesseract would read otherwise.
        assert!(!is_ocr_image(b"/etc/passwd\n/home/a/scan.png\n"));
        let e = recognise(&Ocr::default(), b"/etc/passwd\n", 99, None).unwrap_err();
        assert_eq!(e.code(), "unsupported");
    }

    #[test]
    fn a_missing_engine_is_a_clear_error() {
        let ocr = Ocr {
            program: PathBuf::from("/nonexistent/tesseract"),
            ..Ocr::default()
        };
        let e = recognise(&ocr, b"\x89PNG\r\n\x1a\n", 99, None).unwrap_err();
        assert!(e.to_string().contains("tesseract-ocr"), "{e}");
    }
}
