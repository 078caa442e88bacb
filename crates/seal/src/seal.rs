//! Sealing: plaintext in, an age v1 file out, one 64 KiB chunk at a time.

use std::io::{self, Read, Write};

use age::scrypt;

use crate::SealError;
use crate::recipients::{Kind, Recipients};

/// A writer that seals everything written to it for `recipients` and
/// writes the age file to `out`.
///
/// The header goes to `out` in [`SealWriter::new`]; plaintext is held until
/// a 64 KiB chunk is full, then encrypted and written, so memory stays at
/// one chunk whatever the size. [`SealWriter::finish`] writes the final
/// chunk: a writer dropped without it leaves a file that fails to unseal
/// (as truncated), never one that passes for complete.
pub struct SealWriter<W: Write> {
    inner: age::stream::StreamWriter<W>,
    written: u64,
}

impl<W: Write> SealWriter<W> {
    /// Starts an age file for `recipients` on `out` (writes the header).
    pub fn new(recipients: &Recipients, out: W) -> Result<Self, SealError> {
        tracing::debug!(
            recipients = recipients.len(),
            passphrase = recipients.is_passphrase(),
            "sealing"
        );
        let encryptor = match &recipients.kind {
            Kind::Keys(keys) => {
                age::Encryptor::with_recipients(keys.iter().map(|k| k as &dyn age::Recipient))
                    .map_err(encrypt_error)?
            }
            Kind::Passphrase { passphrase, log_n } => {
                let mut r = scrypt::Recipient::new(passphrase.clone());
                // `log_n` is clamped to 1..=22 by its constructors, inside
                // the 1..=63 that `set_work_factor` asserts.
                r.set_work_factor(*log_n);
                age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
                    .map_err(encrypt_error)?
            }
        };
        // Writes the header and the payload nonce to `out`.
        let inner = encryptor.wrap_output(out).map_err(SealError::write)?;
        Ok(SealWriter { inner, written: 0 })
    }

    /// Writes the final chunk and flushes; returns the writer.
    pub fn finish(self) -> Result<W, SealError> {
        let mut out = self.inner.finish().map_err(SealError::write)?;
        out.flush().map_err(SealError::write)?;
        Ok(out)
    }

    /// Plaintext bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }
}

impl<W: Write> Write for SealWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn encrypt_error(e: age::EncryptError) -> SealError {
    match e {
        age::EncryptError::Io(error) => SealError::write(error),
        // The recipient sets this crate builds are one passphrase or
        // X25519 keys only, which age always accepts; anything else is a
        // missing recipient as far as the caller can tell.
        _ => SealError::NoRecipients,
    }
}

/// Seals everything `input` yields for `recipients` into `output`;
/// returns the number of plaintext bytes sealed. `output` is flushed;
/// plaintext never leaves memory except encrypted.
pub fn seal<R: Read, W: Write>(
    recipients: &Recipients,
    mut input: R,
    output: W,
) -> Result<u64, SealError> {
    let mut writer = SealWriter::new(recipients, output)?;
    let mut buf = vec![0u8; crate::CHUNK_SIZE];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(SealError::read(e)),
        };
        let chunk = buf.get(..n).unwrap_or_default();
        writer.write_all(chunk).map_err(SealError::write)?;
    }
    let total = writer.written();
    writer.finish()?;
    Ok(total)
}
