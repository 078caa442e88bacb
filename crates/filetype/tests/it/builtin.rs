//! The built-in table on small samples shaped like each format.

use cordon_filetype::{Kind, by_id, identify};

fn pe() -> Vec<u8> {
    let mut f = vec![0u8; 256];
    f[..2].copy_from_slice(b"MZ");
    f[0x3c..0x40].copy_from_slice(&128u32.to_le_bytes());
    f[128..132].copy_from_slice(b"PE\0\0");
    f
}

fn zip_with(names: &[&str]) -> Vec<u8> {
    // Local headers then a central directory naming the same members.
    let mut f = Vec::new();
    for n in names {
        f.extend_from_slice(b"PK\x03\x04");
        f.extend_from_slice(&[0u8; 22]);
        f.extend_from_slice(&(n.len() as u16).to_le_bytes());
        f.extend_from_slice(&[0u8; 2]);
        f.extend_from_slice(n.as_bytes());
    }
    for n in names {
        f.extend_from_slice(b"PK\x01\x02");
        f.extend_from_slice(&[0u8; 42]);
        f.extend_from_slice(n.as_bytes());
    }
    f.extend_from_slice(b"PK\x05\x06");
    f.extend_from_slice(&[0u8; 18]);
    f
}

fn odf(mime: &str) -> Vec<u8> {
    let mut f = b"PK\x03\x04".to_vec();
    f.extend_from_slice(&[0u8; 26]);
    f.extend_from_slice(b"mimetype");
    f.extend_from_slice(mime.as_bytes());
    f.extend_from_slice(&[0u8; 64]);
    f
}

fn ole(stream: &str) -> Vec<u8> {
    let mut f = vec![0u8; 2048];
    f[..8].copy_from_slice(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    let name: Vec<u8> = stream
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    f[1024..1024 + name.len()].copy_from_slice(&name);
    f
}

fn at(offset: usize, magic: &[u8], len: usize) -> Vec<u8> {
    let mut f = vec![0u8; len.max(offset + magic.len())];
    f[offset..offset + magic.len()].copy_from_slice(magic);
    f
}

fn riff(kind: &[u8; 4]) -> Vec<u8> {
    let mut f = b"RIFF\x24\0\0\0".to_vec();
    f.extend_from_slice(kind);
    f.extend_from_slice(&[0u8; 32]);
    f
}

#[test]
fn samples_are_identified() {
    let cases: Vec<(Vec<u8>, u32)> = vec![
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec(), 0x0002_0000),
        (
            [b"garbage before the header\n".as_slice(), b"%PDF-1.4"].concat(),
            0x0002_0000,
        ),
        (
            zip_with(&["[Content_Types].xml", "word/document.xml"]),
            0x000A_0100,
        ),
        (
            zip_with(&["[Content_Types].xml", "xl/workbook.xml"]),
            0x000A_0200,
        ),
        (
            zip_with(&["[Content_Types].xml", "ppt/presentation.xml"]),
            0x000A_0300,
        ),
        (zip_with(&["notes.txt", "photo.jpg"]), 0x0003_0100),
        (odf("application/vnd.oasis.opendocument.text"), 0x000B_0100),
        (
            odf("application/vnd.oasis.opendocument.spreadsheet"),
            0x000B_0200,
        ),
        (odf("application/epub+zip"), 0x000C_0200),
        (ole("WordDocument"), 0x000A_0400),
        (ole("Workbook"), 0x000A_0500),
        (ole("PowerPoint Document"), 0x000A_0600),
        (ole("__substg1.0_0037001F"), 0x0008_0300),
        (ole("SummaryInformation"), 0x000A_0800),
        (b"\x1f\x8b\x08\0\0\0\0\0\0\x03".to_vec(), 0x0003_0200),
        (b"BZh91AY&SY\0\0".to_vec(), 0x0003_0300),
        (b"\xfd7zXZ\0\0\x04".to_vec(), 0x0003_0400),
        (b"7z\xbc\xaf\x27\x1c\0\x04".to_vec(), 0x0003_0500),
        (b"Rar!\x1a\x07\x01\0".to_vec(), 0x0003_0600),
        (at(257, b"ustar\x0000", 512), 0x0003_0700),
        (b"MSCF\0\0\0\0\x10\0".to_vec(), 0x0003_0800),
        (b"\x28\xb5\x2f\xfd\x04\0".to_vec(), 0x0003_0900),
        (at(32768, b"\x01CD001\x01", 34000), 0x0003_0A00),
        (pe(), 0x0004_0100),
        (at(0, b"MZ\x90\0", 64), 0x0004_0200),
        (b"\x7fELF\x02\x01\x01\0".to_vec(), 0x0004_0300),
        (b"\xcf\xfa\xed\xfe\x07\0\0\x01".to_vec(), 0x0004_0400),
        (b"#!/bin/sh\necho hi\n".to_vec(), 0x0004_0500),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), 0x0005_0100),
        (b"\xff\xd8\xff\xe0\0\x10JFIF".to_vec(), 0x0005_0200),
        (b"GIF89a\x01\0\x01\0".to_vec(), 0x0005_0300),
        (b"BM\x3a\0\0\0\0\0\0\0\x36\0".to_vec(), 0x0005_0400),
        (b"II*\0\x08\0\0\0".to_vec(), 0x0005_0500),
        (riff(b"WEBP"), 0x0005_0600),
        (b"8BPS\0\x01".to_vec(), 0x0005_0700),
        (b"\0\0\0\x18ftypheic\0\0\0\0".to_vec(), 0x0005_0800),
        (b"ID3\x04\0\0\0\0\0\0".to_vec(), 0x0006_0100),
        (riff(b"WAVE"), 0x0006_0200),
        (b"fLaC\0\0\0\x22".to_vec(), 0x0006_0300),
        (b"OggS\0\x02".to_vec(), 0x0006_0400),
        (b"MThd\0\0\0\x06".to_vec(), 0x0006_0500),
        (b"\0\0\0\x20ftypM4A \0\0\0\0".to_vec(), 0x0006_0700),
        (b"\0\0\0\x20ftypisom\0\0\x02\0".to_vec(), 0x0007_0100),
        (b"\0\0\0\x14ftypqt  \0\0\0\0".to_vec(), 0x0007_0200),
        (riff(b"AVI "), 0x0007_0300),
        (
            b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x84webm".to_vec(),
            0x0007_0500,
        ),
        (b"FLV\x01\x05\0\0\0\x09".to_vec(), 0x0007_0600),
        (b"\0\0\x01\xba\x44\0".to_vec(), 0x0007_0700),
        (b"!BDN\x01\x02".to_vec(), 0x0008_0100),
        (
            b"Received: from mx.example.org\r\nSubject: hi\r\n\r\nbody".to_vec(),
            0x0008_0200,
        ),
        (
            b"From alice@example.org Mon Jan  1 00:00:00 2024\nSubject: x\n".to_vec(),
            0x0008_0400,
        ),
        (b"SQLite format 3\0\x10\0".to_vec(), 0x0009_0100),
        (b"{\\rtf1\\ansi hello}".to_vec(), 0x000C_0100),
        (b"<?xml version=\"1.0\"?><a/>".to_vec(), 0x0001_0200),
        (
            b"\xef\xbb\xbf<?xml version=\"1.0\"?><a/>".to_vec(),
            0x0001_0200,
        ),
        (
            b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(),
            0x0001_0400,
        ),
        (b"  <!DOCTYPE html><html></html>".to_vec(), 0x0001_0300),
        (b"Name,Card\nAlice,4111111111111111\n".to_vec(), 0x0001_0100),
        (b"\xef\xbb\xbfhello".to_vec(), 0x0001_0100),
        (b"\0\x01\x02\x03\x04binary".to_vec(), 0x0000_0000),
        (Vec::new(), 0x0000_0000),
    ];
    for (i, (data, want)) in cases.iter().enumerate() {
        let got = identify(&mut &data[..]).unwrap();
        assert_eq!(
            got.id,
            *want,
            "case {i}: expected {:?}, got {:?}",
            by_id(*want).map(|t| t.name),
            got.name
        );
    }
}

#[test]
fn near_misses_fall_back_to_the_generic_type() {
    // A PE stub whose e_lfanew points nowhere is only an MS-DOS executable.
    let mut f = pe();
    f[0x3c..0x40].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    assert_eq!(identify(&mut &f[..]).unwrap().id, 0x0004_0200);
    // A zip whose central directory names no Office part is a plain zip.
    let f = zip_with(&["[Content_Types].xml", "words/document.xml.bak"]);
    assert_eq!(identify(&mut &f[..]).unwrap().id, 0x0003_0100);
    // A RIFF of an unknown form type is not WAV/AVI/WebP.
    let got = identify(&mut &riff(b"CDXA")[..]).unwrap();
    assert_eq!(got.kind, Kind::Other);
}

#[test]
fn identify_on_a_file_reads_only_what_it_needs() {
    use std::io::Write;
    // A 32 MiB file that starts with a PNG signature: identification must not
    // read the whole file, which we check through a counting source.
    struct Counting<'a> {
        data: &'a [u8],
        read: u64,
    }
    impl cordon_filetype::ByteSource for Counting<'_> {
        fn len(&mut self) -> std::io::Result<u64> {
            Ok(self.data.len() as u64)
        }
        fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = (&mut &self.data[..]).read_at(offset, buf)?;
            self.read += n as u64;
            Ok(n)
        }
    }
    let mut data = vec![0u8; 32 << 20];
    data[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut src = Counting {
        data: &data,
        read: 0,
    };
    assert_eq!(identify(&mut src).unwrap().id, 0x0005_0100);
    assert!(src.read <= 8192 + 64, "read {} bytes", src.read);
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(&data).unwrap();
    let mut file = std::fs::File::open(f.path()).unwrap();
    assert_eq!(identify(&mut file).unwrap().id, 0x0005_0100);
}
