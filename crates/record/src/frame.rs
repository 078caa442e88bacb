//! Framing: one record is `len: u32 LE`, `crc32: u32 LE` of the payload,
//! then the payload. A reader tells a whole record from a torn one (a
//! crash in the middle of a write), a damaged one (the checksum) and an
//! impossible one (a length no writer writes), and never allocates more
//! than [`MAX_RECORD`] for a length it reads.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek as _, SeekFrom};

/// Bytes before each record's payload: length and CRC-32.
pub const HEADER: u64 = 8;
/// Largest payload: a longer length in a header is corruption, and a
/// longer record is refused when written.
pub const MAX_RECORD: u32 = 64 << 20;

/// Why a record could not be framed.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("a record of {0} bytes is over the limit of {MAX_RECORD} bytes")]
    TooLarge(usize),
    #[error("an empty record cannot be framed")]
    Empty,
    #[error("cannot serialize the record: {0}")]
    Json(#[from] serde_json::Error),
}

/// What [`read_frame`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// A whole, intact record of this many bytes (header included); its
    /// payload is in the buffer.
    Ok(u64),
    /// Clean end of data.
    End,
    /// Torn or corrupt, and why.
    Bad(&'static str),
}

/// Appends one record holding `payload` to `buf`.
pub fn append_frame(buf: &mut Vec<u8>, payload: &[u8]) -> Result<(), FrameError> {
    let len = check_len(payload.len())?;
    buf.extend_from_slice(&len.to_le_bytes());
    buf.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    buf.extend_from_slice(payload);
    Ok(())
}

/// Appends one record holding `value` as JSON to `buf`, serialized in
/// place (no intermediate buffer). On error `buf` is left as it was.
pub fn append_json<T: serde::Serialize + ?Sized>(
    buf: &mut Vec<u8>,
    value: &T,
) -> Result<(), FrameError> {
    let at = buf.len();
    buf.extend_from_slice(&[0; HEADER as usize]);
    let framed = serde_json::to_writer(&mut *buf, value)
        .map_err(FrameError::from)
        .and_then(|()| {
            let payload = buf.get(at + HEADER as usize..).unwrap_or_default();
            let len = check_len(payload.len())?;
            let crc = crc32fast::hash(payload);
            if let Some(h) = buf.get_mut(at..at + HEADER as usize) {
                let (l, c) = h.split_at_mut(4);
                l.copy_from_slice(&len.to_le_bytes());
                c.copy_from_slice(&crc.to_le_bytes());
            }
            Ok(())
        });
    if framed.is_err() {
        buf.truncate(at);
    }
    framed
}

fn check_len(len: usize) -> Result<u32, FrameError> {
    match u32::try_from(len) {
        Ok(0) => Err(FrameError::Empty),
        Ok(l) if l <= MAX_RECORD => Ok(l),
        _ => Err(FrameError::TooLarge(len)),
    }
}

/// Reads one record's payload into `payload`.
pub fn read_frame(r: &mut impl Read, payload: &mut Vec<u8>) -> io::Result<Frame> {
    let mut header = [0u8; HEADER as usize];
    let mut got = 0;
    while got < header.len() {
        match r.read(header.get_mut(got..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if got == 0 {
        return Ok(Frame::End);
    }
    if got < header.len() {
        return Ok(Frame::Bad("torn header"));
    }
    let [l0, l1, l2, l3, c0, c1, c2, c3] = header;
    let len = u32::from_le_bytes([l0, l1, l2, l3]);
    let crc = u32::from_le_bytes([c0, c1, c2, c3]);
    if len == 0 || len > MAX_RECORD {
        return Ok(Frame::Bad("impossible record length"));
    }
    payload.clear();
    let read = r.take(u64::from(len)).read_to_end(payload)?;
    if read < len as usize {
        return Ok(Frame::Bad("torn record"));
    }
    if crc32fast::hash(payload) != crc {
        return Ok(Frame::Bad("checksum mismatch"));
    }
    Ok(Frame::Ok(HEADER + u64::from(len)))
}

/// Length of the longest prefix of `file` made of whole, intact records.
pub fn valid_prefix(file: &File) -> io::Result<u64> {
    let mut r = BufReader::with_capacity(1 << 20, file);
    r.seek(SeekFrom::Start(0))?;
    let mut pos = 0u64;
    let mut payload = Vec::new();
    loop {
        match read_frame(&mut r, &mut payload)? {
            Frame::Ok(n) => pos += n,
            Frame::End | Frame::Bad(_) => return Ok(pos),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn records(payloads: &[Vec<u8>]) -> (Vec<u8>, Vec<usize>) {
        let mut buf = Vec::new();
        let mut ends = Vec::new();
        for p in payloads {
            append_frame(&mut buf, p).unwrap();
            ends.push(buf.len());
        }
        (buf, ends)
    }

    /// Every whole record before `bytes` ends, then `Bad` or `End`.
    fn read_all(bytes: &[u8]) -> (Vec<Vec<u8>>, u64) {
        let mut r = bytes;
        let mut payload = Vec::new();
        let mut out = Vec::new();
        let mut used = 0;
        while let Ok(Frame::Ok(n)) = read_frame(&mut r, &mut payload) {
            used += n;
            out.push(payload.clone());
        }
        (out, used)
    }

    #[test]
    fn impossible_lengths_are_corruption_not_allocations() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&u32::MAX.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        let mut payload = Vec::new();
        let cases: [(&[u8], Frame); 4] = [
            (&bytes, Frame::Bad("impossible record length")),
            (
                &[0, 0, 0, 0, 0, 0, 0, 0],
                Frame::Bad("impossible record length"),
            ),
            (b"\x05\0\0", Frame::Bad("torn header")),
            (b"", Frame::End),
        ];
        for (input, want) in cases {
            assert_eq!(read_frame(&mut &input[..], &mut payload).unwrap(), want);
        }
        assert!(payload.capacity() < 1024);
    }

    #[test]
    fn records_too_large_or_empty_are_refused_when_written() {
        let mut buf = vec![7];
        assert!(matches!(
            append_frame(&mut buf, &[]).unwrap_err(),
            FrameError::Empty
        ));
        let big = "x".repeat(MAX_RECORD as usize);
        assert!(matches!(
            append_json(&mut buf, &big).unwrap_err(),
            FrameError::TooLarge(_)
        ));
        assert_eq!(buf, [7], "nothing half-framed is left behind");
    }

    #[test]
    fn json_and_bytes_frame_the_same() {
        let mut a = Vec::new();
        append_json(&mut a, &serde_json::json!({"k": [1, 2]})).unwrap();
        let mut b = Vec::new();
        append_frame(&mut b, br#"{"k":[1,2]}"#).unwrap();
        assert_eq!(a, b);
    }

    proptest! {
        /// Any bytes at all: records are read or refused, never a panic,
        /// and never more than the input is consumed.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let (_, used) = read_all(&bytes);
            prop_assert!(used <= bytes.len() as u64);
        }

        /// A cut anywhere loses exactly the records not whole before it,
        /// and `valid_prefix` ends at the last whole record.
        #[test]
        fn a_cut_anywhere_keeps_every_whole_record(
            payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..200), 1..8),
            cut in any::<proptest::sample::Index>(),
        ) {
            let (buf, ends) = records(&payloads);
            let cut = cut.index(buf.len() + 1);
            let whole = ends.iter().filter(|&&e| e <= cut).count();
            let (got, used) = read_all(&buf[..cut]);
            prop_assert_eq!(&got[..], &payloads[..whole]);
            prop_assert_eq!(used as usize, if whole == 0 { 0 } else { ends[whole - 1] });
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("seg");
            std::fs::write(&path, &buf[..cut]).unwrap();
            prop_assert_eq!(valid_prefix(&File::open(&path).unwrap()).unwrap(), used);
        }

        /// A flipped bit anywhere: the records before it are read as they
        /// were, the damaged one is refused, none is read altered.
        #[test]
        fn corruption_is_refused_never_read_altered(
            payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..200), 1..8),
            at in any::<proptest::sample::Index>(),
            bit in 0u8..8,
        ) {
            let (mut buf, ends) = records(&payloads);
            let at = at.index(buf.len());
            buf[at] ^= 1 << bit;
            let damaged = ends.iter().position(|&e| at < e).unwrap();
            let (got, _) = read_all(&buf);
            prop_assert_eq!(&got[..], &payloads[..damaged]);
        }
    }
}
