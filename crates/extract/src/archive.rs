//! Archives and compressed streams: zip, tar, gzip, bzip2, xz.
//!
//! A zip is opened here and dispatched by its entries: to [`crate::office`]
//! for OOXML and OpenDocument, or entry by entry through
//! [`crate::zipfile`], which both use to read entries (so the two modules
//! never call each other).

use std::io::{Cursor, Read, Seek};

use zip::ZipArchive;

use crate::limits::{Compressed, Counting, Expand};
use crate::office;
use crate::zipfile::zip_reason;
use crate::{Format, Location, Reason, Run, Seekable, Src};

/// Dictionary memory an xz stream may ask for: xz -9 needs 64 MiB, a
/// forged header could ask for 4 GiB.
const XZ_MEM_LIMIT_KB: u32 = 80 * 1024;

impl<E> Run<'_, '_, '_, E> {
    pub(crate) fn zip(&mut self, loc: &Location, depth: u32, src: Seekable<'_>) -> Result<(), E> {
        match src {
            Seekable::File(f) => self.zip_archive(loc, depth, ZipArchive::new(f)),
            Seekable::Mem(b) => {
                self.zip_archive(loc, depth, ZipArchive::new(Cursor::new(b.as_ref())))
            }
        }
    }

    fn zip_archive<R: Read + Seek>(
        &mut self,
        loc: &Location,
        depth: u32,
        archive: zip::result::ZipResult<ZipArchive<R>>,
    ) -> Result<(), E> {
        let mut archive = match archive {
            Ok(a) => a,
            Err(e) => {
                self.cx.incomplete(loc, zip_reason(Format::Zip, &e));
                return Ok(());
            }
        };
        let typed = office::refine(&mut archive);
        self.cx.refine_type(loc, typed);
        match typed.format {
            Format::Docx | Format::Xlsx | Format::Pptx | Format::OoxmlOther => {
                self.ooxml(loc, depth, typed, &mut archive)
            }
            Format::Odt | Format::Ods | Format::Odp | Format::OdfOther => {
                self.odf(loc, depth, typed, &mut archive)
            }
            _ => self.zip_entries(loc, depth, &mut archive, |_| true),
        }
    }

    /// gzip, bzip2 and xz: a transparent layer, no location segment.
    pub(crate) fn decompress(
        &mut self,
        loc: &Location,
        depth: u32,
        format: Format,
        raw: Box<dyn Read + '_>,
    ) -> Result<(), E> {
        let (counting, count) = Counting::new(raw);
        let decoder: Box<dyn Read + '_> = match format {
            Format::Gzip => Box::new(flate2::read::MultiGzDecoder::new(counting)),
            Format::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(counting)),
            _ => Box::new(lzma_rust2::XzReader::new_mem_limit(
                counting,
                true,
                XZ_MEM_LIMIT_KB,
            )),
        };
        let mut expand = Expand::new(decoder, self.cx, loc, Compressed::Counted(count));
        // A decoding error surfaces while the inner member reads, where it
        // is recorded against this location.
        self.node(loc, depth + 1, Src::Stream(&mut expand))
    }

    pub(crate) fn tar(
        &mut self,
        loc: &Location,
        depth: u32,
        raw: Box<dyn Read + '_>,
    ) -> Result<(), E> {
        let cx = self.cx;
        let mut archive = tar::Archive::new(raw);
        let entries = match archive.entries() {
            Ok(e) => e,
            Err(e) => {
                cx.incomplete(loc, Reason::from_io(Format::Tar, &e));
                return Ok(());
            }
        };
        for entry in entries {
            if cx.stopped() || !cx.check_time(loc) {
                break;
            }
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    // After a bad header the stream position is unknown. A
                    // limit on the stream below is already recorded.
                    if !crate::limits::is_tripped(&e) {
                        cx.incomplete(loc, Reason::from_io(Format::Tar, &e));
                    }
                    break;
                }
            };
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let child = loc.child(&name);
            let kind = entry.header().entry_type();
            use tar::EntryType as T;
            match kind {
                T::Regular | T::Continuous | T::GNUSparse => {
                    self.node(&child, depth + 1, Src::Stream(&mut entry))?;
                }
                T::Directory => {}
                T::Symlink | T::Link => cx.note(&child, "link not followed"),
                T::Char | T::Block | T::Fifo => cx.note(&child, "device or fifo entry skipped"),
                _ => cx.note(&child, "special entry skipped"),
            }
        }
        Ok(())
    }
}
