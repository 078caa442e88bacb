//! Reading the entries of an open zip, for plain archives
//! ([`crate::archive`]) and office documents ([`crate::office`]) alike,
//! and the reasons zip errors become.

use std::io::{Read, Seek};

use zip::ZipArchive;
use zip::result::ZipError;

use crate::limits::{Compressed, Expand};
use crate::{Format, Location, Reason, Run, Src, Typed};

/// Turn a zip error on `format` into a reason.
pub(crate) fn zip_reason(format: Format, e: &ZipError) -> Reason {
    match e {
        ZipError::UnsupportedArchive(msg) if *msg == ZipError::PASSWORD_REQUIRED => {
            Reason::Encrypted {
                format,
                detail: "password required".to_owned(),
            }
        }
        ZipError::InvalidPassword => Reason::Encrypted {
            format,
            detail: "wrong password".to_owned(),
        },
        ZipError::UnsupportedArchive(msg) => Reason::Unsupported {
            format,
            detail: format!("unsupported {format}: {}", msg.to_lowercase()),
        },
        ZipError::Io(io) => Reason::from_io(format, io),
        other => Reason::Corrupt {
            format,
            detail: other.to_string(),
        },
    }
}

impl<E> Run<'_, '_, '_, E> {
    /// Extract the entries of a zip for which `want` is true, each as a
    /// member of its own.
    pub(crate) fn zip_entries<R: Read + Seek>(
        &mut self,
        loc: &Location,
        depth: u32,
        archive: &mut ZipArchive<R>,
        want: impl Fn(&str) -> bool,
    ) -> Result<(), E> {
        let cx = self.cx;
        for i in 0..archive.len() {
            if cx.stopped() || !cx.check_time(loc) {
                break;
            }
            let name = archive.name_for_index(i).unwrap_or_default().to_owned();
            if !want(&name) {
                continue;
            }
            let child = loc.child(&name);
            let mut entry = match archive.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    // Count it, so an archive of a million broken entries
                    // still meets the entry limit.
                    if cx.count_entry(&child) {
                        cx.record_type(
                            &child,
                            Typed {
                                format: Format::Binary,
                                file_type: cordon_filetype::unknown(),
                            },
                        );
                        cx.incomplete(&child, zip_reason(Format::Zip, &e));
                    }
                    continue;
                }
            };
            if entry.is_dir() {
                continue;
            }
            if entry.is_symlink() {
                cx.note(&child, "symbolic link not followed");
                continue;
            }
            let compressed = Compressed::Known(entry.compressed_size());
            let mut expand = Expand::new(&mut entry, cx, &child, compressed);
            self.node(&child, depth + 1, Src::Stream(&mut expand))?;
        }
        Ok(())
    }
}
