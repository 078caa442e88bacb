//! Unsealing: an age file in (binary or armored), plaintext out.
//!
//! Every error is sorted by where it came from, which `age` alone does not
//! say (its payload reader returns the input's IO errors and its own
//! authentication failures as `io::Error`s alike): the input is read
//! through [`Tracked`], which keeps the input's own errors aside, so any
//! other error is damage in the file; the output is written here, so its
//! errors are never mistaken for either.

use std::cell::{Cell, RefCell};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::rc::Rc;

use age::armor::{ArmoredReadError, ArmoredReader};
use age::{DecryptError, scrypt};

use crate::error::Damage;
use crate::recipients::MAX_WORK_FACTOR;
use crate::{ARMOR_BEGIN, CHUNK_SIZE, Identities, MAX_HEADER, SealError};

/// Unseals the age file `input` with `ids` into `output`; returns the
/// number of plaintext bytes written.
///
/// Each chunk is authenticated before its plaintext is written, but a
/// file cut short is only found at its end: after an error, whatever was
/// written to `output` must be discarded (`cordon unseal` writes to a
/// temporary file and removes it). Memory stays at about two chunks and
/// [`MAX_HEADER`] bytes of header, whatever the file.
pub fn unseal<R: Read, W: Write>(
    ids: &Identities,
    input: R,
    mut output: W,
) -> Result<u64, SealError> {
    let input_error = Rc::new(RefCell::new(None));
    let mut input = Tracked {
        inner: input,
        error: Rc::clone(&input_error),
    };
    let prefix = read_prefix(&mut input).map_err(|e| input_or(&input_error, e))?;
    if !crate::is_sealed(&prefix) {
        return Err(SealError::NotSealed);
    }
    let armored = prefix.starts_with(ARMOR_BEGIN);
    let source = io::Cursor::new(prefix).chain(input);
    let decrypted = if armored {
        decrypt(ids, ArmoredReader::new(source), &mut output, &input_error)
    } else {
        decrypt(ids, BufReader::new(source), &mut output, &input_error)
    }?;
    output.flush().map_err(SealError::write)?;
    Ok(decrypted)
}

fn decrypt<B: BufRead, W: Write>(
    ids: &Identities,
    source: B,
    output: &mut W,
    input_error: &Rc<RefCell<Option<io::Error>>>,
) -> Result<u64, SealError> {
    let phase = Rc::new(Cell::new(Phase::Header));
    let capped = HeaderCap {
        inner: source,
        used: 0,
        phase: Rc::clone(&phase),
    };
    let decryptor =
        age::Decryptor::new_buffered(capped).map_err(|e| header_error(e, input_error, &phase))?;
    phase.set(Phase::Payload);
    tracing::debug!(passphrase = decryptor.is_scrypt(), "age header read");

    let mut reader = if decryptor.is_scrypt() {
        let Some(passphrase) = &ids.passphrase else {
            return Err(SealError::PassphraseRequired);
        };
        let mut identity = scrypt::Identity::new(passphrase.clone());
        identity.set_max_work_factor(MAX_WORK_FACTOR);
        decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .map_err(|e| match e {
                DecryptError::DecryptionFailed | DecryptError::NoMatchingKeys => {
                    SealError::WrongPassphrase
                }
                e => key_error(e, input_error),
            })?
    } else {
        decryptor
            .decrypt(ids.keys.iter().map(|k| k as &dyn age::Identity))
            .map_err(|e| key_error(e, input_error))?
    };

    let mut buf = vec![0u8; CHUNK_SIZE];
    let mut total: u64 = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(payload_error(e, input_error, total)),
        };
        let plain = buf.get(..n).unwrap_or_default();
        output.write_all(plain).map_err(SealError::write)?;
        total += n as u64;
    }
    Ok(total)
}

/// Enough bytes to tell the binary magic from the armor's begin line.
const PREFIX: usize = if crate::MAGIC.len() > ARMOR_BEGIN.len() {
    crate::MAGIC.len()
} else {
    ARMOR_BEGIN.len()
};

fn read_prefix(input: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut prefix = Vec::with_capacity(PREFIX);
    input.take(PREFIX as u64).read_to_end(&mut prefix)?;
    Ok(prefix)
}

/// The input's own error if it had one, else `e` as damage found by the
/// reader above it.
fn input_or(input_error: &Rc<RefCell<Option<io::Error>>>, e: io::Error) -> SealError {
    match input_error.borrow_mut().take() {
        Some(error) => SealError::read(error),
        None => SealError::read(e),
    }
}

fn taken_input_error(input_error: &Rc<RefCell<Option<io::Error>>>) -> Option<SealError> {
    input_error.borrow_mut().take().map(SealError::read)
}

fn header_error(
    e: DecryptError,
    input_error: &Rc<RefCell<Option<io::Error>>>,
    phase: &Rc<Cell<Phase>>,
) -> SealError {
    if let Some(err) = taken_input_error(input_error) {
        return err;
    }
    match e {
        DecryptError::Io(e) => {
            if let Some(armor) = armor_error(&e) {
                SealError::Damaged(Damage::Armor(armor))
            } else if phase.get() == Phase::TooLong {
                SealError::Damaged(Damage::HeaderTooLong)
            } else if e.kind() == io::ErrorKind::UnexpectedEof {
                SealError::Damaged(Damage::TruncatedHeader)
            } else {
                SealError::Damaged(Damage::MalformedHeader)
            }
        }
        DecryptError::InvalidMac => SealError::Damaged(Damage::HeaderMac),
        _ => SealError::Damaged(Damage::MalformedHeader),
    }
}

fn key_error(e: DecryptError, input_error: &Rc<RefCell<Option<io::Error>>>) -> SealError {
    if let Some(err) = taken_input_error(input_error) {
        return err;
    }
    match e {
        DecryptError::NoMatchingKeys | DecryptError::KeyDecryptionFailed => {
            SealError::NoMatchingIdentity
        }
        DecryptError::ExcessiveWork { required, .. } => SealError::WorkFactorTooHigh {
            log_n: required,
            max: MAX_WORK_FACTOR,
        },
        DecryptError::InvalidMac => SealError::Damaged(Damage::HeaderMac),
        DecryptError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            SealError::Damaged(Damage::TruncatedHeader)
        }
        _ => SealError::Damaged(Damage::MalformedHeader),
    }
}

fn payload_error(
    e: io::Error,
    input_error: &Rc<RefCell<Option<io::Error>>>,
    offset: u64,
) -> SealError {
    if let Some(err) = taken_input_error(input_error) {
        return err;
    }
    if let Some(armor) = armor_error(&e) {
        return SealError::Damaged(Damage::Armor(armor));
    }
    if e.kind() == io::ErrorKind::UnexpectedEof {
        SealError::Damaged(Damage::Truncated { offset })
    } else {
        SealError::Damaged(Damage::Chunk { offset })
    }
}

fn armor_error(e: &io::Error) -> Option<String> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<ArmoredReadError>())
        .map(ToString::to_string)
}

/// The caller's reader, keeping its errors aside so they are told from the
/// errors of the readers above it.
struct Tracked<R> {
    inner: R,
    error: Rc<RefCell<Option<io::Error>>>,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            if e.kind() != io::ErrorKind::Interrupted {
                *self.error.borrow_mut() = Some(io::Error::new(e.kind(), e.to_string()));
            }
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Header,
    TooLong,
    Payload,
}

/// Bounds the header: `age` reads header lines with `read_until`, which
/// would hold a file of one endless line whole. In the header phase,
/// reading past [`MAX_HEADER`] bytes is an error; the phase is set to
/// payload once the header is parsed, and the cap is off.
struct HeaderCap<B> {
    inner: B,
    used: usize,
    phase: Rc<Cell<Phase>>,
}

impl<B: BufRead> Read for HeaderCap<B> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.phase.get() == Phase::Payload {
            // Straight through: a `BufReader` passes large reads by.
            return self.inner.read(buf);
        }
        let n = {
            let avail = self.fill_buf()?;
            let n = avail.len().min(buf.len());
            if let (Some(dst), Some(src)) = (buf.get_mut(..n), avail.get(..n)) {
                dst.copy_from_slice(src);
            }
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<B: BufRead> BufRead for HeaderCap<B> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.phase.get() != Phase::Payload && self.used >= MAX_HEADER {
            self.phase.set(Phase::TooLong);
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "age header too long",
            ));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if self.phase.get() != Phase::Payload {
            self.used = self.used.saturating_add(amt);
        }
        self.inner.consume(amt);
    }
}
