//! Streaming transcoding of UTF-16 and Windows-1252 text to UTF-8.

use std::io::{self, Read};

use encoding_rs::{CoderResult, Decoder};

use crate::sniff::Charset;

const IN_BUF: usize = 32 * 1024;

/// A `Read` of UTF-8 text decoded from `inner` in bounded memory. A BOM at
/// the start is dropped; malformed sequences become U+FFFD.
pub struct Transcode<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
    eof: bool,
    output: Vec<u8>,
    out_start: usize,
    out_end: usize,
    finished: bool,
}

impl<R: Read> Transcode<R> {
    pub fn new(inner: R, charset: Charset) -> Self {
        let decoder = charset.encoding().new_decoder_with_bom_removal();
        Self {
            inner,
            decoder,
            input: vec![0; IN_BUF],
            in_start: 0,
            in_end: 0,
            eof: false,
            // Worst case one input byte gives three output bytes.
            output: vec![0; IN_BUF * 3 + 16],
            out_start: 0,
            out_end: 0,
            finished: false,
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        while self.out_start == self.out_end && !self.finished {
            if self.in_start == self.in_end && !self.eof {
                self.in_start = 0;
                self.in_end = 0;
                let n = loop {
                    match self.inner.read(&mut self.input) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                };
                if n == 0 {
                    self.eof = true;
                }
                self.in_end = n;
            }
            let src = self
                .input
                .get(self.in_start..self.in_end)
                .unwrap_or_default();
            let (result, read, written, _) =
                self.decoder.decode_to_utf8(src, &mut self.output, self.eof);
            self.in_start += read;
            self.out_start = 0;
            self.out_end = written;
            if self.eof && matches!(result, CoderResult::InputEmpty) && self.in_start == self.in_end
            {
                self.finished = true;
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for Transcode<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.fill()?;
        let avail = self
            .output
            .get(self.out_start..self.out_end)
            .unwrap_or_default();
        let n = avail.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.out_start += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(bytes: &[u8], cs: Charset) -> String {
        let mut s = String::new();
        Transcode::new(bytes, cs).read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn utf16_with_bom() {
        let mut le = vec![0xFF, 0xFE];
        le.extend("Ünïcode 4111".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(all(&le, Charset::Utf16Le), "Ünïcode 4111");
        let mut be = vec![0xFE, 0xFF];
        be.extend("Ünïcode".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(all(&be, Charset::Utf16Be), "Ünïcode");
    }

    #[test]
    fn windows_1252() {
        assert_eq!(all(b"caf\xe9 \x80", Charset::Windows1252), "café €");
    }

    #[test]
    fn large_input_streams_in_pieces() {
        let text = "abc\u{e9}".repeat(50_000);
        let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        // One byte at a time from the source still decodes correctly.
        struct Slow<'a>(&'a [u8]);
        impl Read for Slow<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(buf.len()).min(7);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut s = String::new();
        Transcode::new(Slow(&bytes), Charset::Utf16Le)
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, text);
    }
}
