//! Random-access byte sources that signatures run over.
//!
//! A signature reads a handful of small blocks at known offsets, so the
//! interpreter asks for exactly those blocks instead of loading whole files.

use std::io;

/// Bytes with a known length that can be read at any offset.
///
/// `read_at` fills as much of `buf` as it can from `offset` and returns how
/// many bytes it wrote; fewer than `buf.len()` (possibly 0) only at the end
/// of the data. Reading at or past the end is not an error, it returns 0.
pub trait ByteSource {
    /// Total length in bytes.
    fn len(&mut self) -> io::Result<u64>;

    /// Reads up to `buf.len()` bytes at `offset`, returning how many were read.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;

    /// Whether the source holds no bytes.
    fn is_empty(&mut self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }
}

fn read_slice(data: &[u8], offset: u64, buf: &mut [u8]) -> usize {
    let Ok(start) = usize::try_from(offset) else {
        return 0;
    };
    let Some(rest) = data.get(start..) else {
        return 0;
    };
    let n = rest.len().min(buf.len());
    if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
        dst.copy_from_slice(src);
    }
    n
}

impl ByteSource for &[u8] {
    fn len(&mut self) -> io::Result<u64> {
        Ok(<[u8]>::len(self) as u64)
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        Ok(read_slice(self, offset, buf))
    }
}

impl ByteSource for Vec<u8> {
    fn len(&mut self) -> io::Result<u64> {
        Ok(self.as_slice().len() as u64)
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        Ok(read_slice(self, offset, buf))
    }
}

/// Positioned reads (`pread`): the file's own cursor is left untouched, so a
/// caller may share the handle.
impl ByteSource for std::fs::File {
    fn len(&mut self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }
}

impl<T: ByteSource + ?Sized> ByteSource for &mut T {
    fn len(&mut self) -> io::Result<u64> {
        (**self).len()
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        (**self).read_at(offset, buf)
    }
}

/// Reads until `buf` is full or the data ends; returns the count read.
///
/// Retries on `Interrupted`, and stops at the first read that returns 0, so
/// it always terminates on a well-behaved source.
pub fn read_full_at(src: &mut dyn ByteSource, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    let mut done = 0usize;
    while done < buf.len() {
        let Some(at) = offset.checked_add(done as u64) else {
            break;
        };
        let Some(rest) = buf.get_mut(done..) else {
            break;
        };
        match src.read_at(at, rest) {
            Ok(0) => break,
            Ok(n) => done = done.saturating_add(n.min(rest.len())),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// How much of the start of a source [`Cached`] keeps in memory.
pub const HEAD_CACHE: usize = 8 * 1024;

/// Wraps a source, remembering its length and its first [`HEAD_CACHE`] bytes
/// (read once, on first need), because nearly every signature looks there.
/// Reads elsewhere go straight to the inner source.
pub struct Cached<'a> {
    inner: &'a mut dyn ByteSource,
    len: Option<u64>,
    head: Option<Vec<u8>>,
}

impl<'a> Cached<'a> {
    /// Wraps `inner`; nothing is read yet.
    pub fn new(inner: &'a mut dyn ByteSource) -> Self {
        Cached {
            inner,
            len: None,
            head: None,
        }
    }

    /// The first bytes of the source (up to [`HEAD_CACHE`]).
    pub fn head(&mut self) -> io::Result<&[u8]> {
        if self.head.is_none() {
            let len = self.len()?;
            let want = usize::try_from(len).unwrap_or(usize::MAX).min(HEAD_CACHE);
            let mut buf = vec![0u8; want];
            let got = read_full_at(self.inner, 0, &mut buf)?;
            buf.truncate(got);
            self.head = Some(buf);
        }
        Ok(self.head.as_deref().unwrap_or(&[]))
    }
}

impl ByteSource for Cached<'_> {
    fn len(&mut self) -> io::Result<u64> {
        match self.len {
            Some(len) => Ok(len),
            None => {
                let len = self.inner.len()?;
                self.len = Some(len);
                Ok(len)
            }
        }
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let end = offset.saturating_add(buf.len() as u64);
        if end <= HEAD_CACHE as u64 {
            let head = self.head()?;
            return Ok(read_slice(head, offset, buf));
        }
        self.inner.read_at(offset, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_reads_are_clipped_at_the_end() {
        let mut src: &[u8] = b"abcdef";
        let mut buf = [0u8; 4];
        assert_eq!(src.read_at(4, &mut buf).unwrap(), 2);
        assert_eq!(&buf[..2], b"ef");
        assert_eq!(src.read_at(6, &mut buf).unwrap(), 0);
        assert_eq!(src.read_at(u64::MAX, &mut buf).unwrap(), 0);
    }

    #[test]
    fn cache_serves_the_head_and_passes_the_rest() {
        let mut data: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        let expect = data.clone();
        let mut cached = Cached::new(&mut data);
        let mut buf = [0u8; 16];
        assert_eq!(cached.read_at(100, &mut buf).unwrap(), 16);
        assert_eq!(&buf, &expect[100..116]);
        assert_eq!(cached.read_at(HEAD_CACHE as u64 - 8, &mut buf).unwrap(), 16);
        assert_eq!(&buf, &expect[HEAD_CACHE - 8..HEAD_CACHE + 8]);
        assert_eq!(cached.len().unwrap(), 20_000);
    }

    #[test]
    fn file_reads_at_offsets() {
        use std::io::Write;
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(b"0123456789").unwrap();
        let mut buf = [0u8; 3];
        assert_eq!(ByteSource::read_at(&mut f, 7, &mut buf).unwrap(), 3);
        assert_eq!(&buf, b"789");
        assert_eq!(ByteSource::len(&mut f).unwrap(), 10);
    }
}
