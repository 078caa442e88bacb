//! Sealing and unsealing stream: 200 MB go through a pipe between the two
//! with no more than a few chunks in memory, and come out intact.

use std::io::{self, Read, Write};

use cordon_seal::{Identities, Recipients, seal, unseal};

use crate::support::{Gen, keypair, payload_len};

const LEN: u64 = 200_000_000;

/// Compares what is written with a second generator, holding nothing.
struct Check {
    expect: Gen,
    seen: u64,
    buf: Vec<u8>,
}

impl Write for Check {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.resize(data.len(), 0);
        self.expect.read_exact(&mut self.buf)?;
        assert!(
            self.buf == data,
            "plaintext differs near byte {}",
            self.seen
        );
        self.seen += data.len() as u64;
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Counts the sealed bytes and records the largest single write.
struct Counter<W> {
    inner: W,
    bytes: u64,
    largest_write: usize,
}

impl<W: Write> Write for Counter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(data)?;
        self.bytes += n as u64;
        self.largest_write = self.largest_write.max(data.len());
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[test]
fn two_hundred_megabytes_stream_through_a_pipe() {
    let (id, to) = keypair();
    let to = Recipients::parse([to.as_str()]).unwrap();
    let ids = Identities::from_str(&id).unwrap();
    let (reader, writer) = io::pipe().unwrap();

    let sealer = std::thread::spawn(move || {
        let mut out = Counter {
            inner: writer,
            bytes: 0,
            largest_write: 0,
        };
        let n = seal(&to, Gen::new(42, LEN), &mut out).unwrap();
        (n, out.bytes, out.largest_write)
    });
    let mut check = Check {
        expect: Gen::new(42, LEN),
        seen: 0,
        buf: Vec::new(),
    };
    let n = unseal(&ids, reader, &mut check).unwrap();
    let (sealed_plain, sealed_bytes, largest_write) = sealer.join().unwrap();

    assert_eq!(n, LEN);
    assert_eq!(check.seen, LEN);
    assert_eq!(sealed_plain, LEN);
    assert!(sealed_bytes > payload_len(LEN), "{sealed_bytes}");
    // Written one sealed chunk at a time, never the whole file.
    assert!(
        largest_write <= cordon_seal::CHUNK_SIZE + 16,
        "a write of {largest_write} bytes"
    );
}

#[test]
fn io_copy_into_a_seal_writer_streams() {
    let (_, to) = keypair();
    let to = Recipients::parse([to.as_str()]).unwrap();
    let mut w = cordon_seal::SealWriter::new(
        &to,
        Counter {
            inner: io::sink(),
            bytes: 0,
            largest_write: 0,
        },
    )
    .unwrap();
    let n = io::copy(&mut Gen::new(9, LEN), &mut w).unwrap();
    assert_eq!(n, LEN);
    assert_eq!(w.written(), LEN);
    let out = w.finish().unwrap();
    assert!(out.largest_write <= cordon_seal::CHUNK_SIZE + 16);
    assert!(out.bytes > payload_len(LEN));
}
