//! The encrypt-first journal: a record beside each staging file whose
//! file is on the medium sealed and not yet decided. After a crash the
//! records say what to inspect again ([`crate::recover`]); a file without
//! a record was never on the medium in clear and is simply removed.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::gate::Shared;
use crate::held::Held;

/// One pending file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// Its path on the medium, relative to the root, as raw bytes.
    pub path: Vec<u8>,
    /// The staging file holding its plaintext (a name in the staging dir).
    pub staged: String,
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
}

pub(crate) fn record_path(staged: &Path) -> PathBuf {
    staged.with_extension("pending")
}

/// Writes the record of `held` (synced: it must survive a crash). Returns
/// where, to remove it once decided.
pub(crate) fn record(sh: &Shared, ino: u64, held: &Held) -> Option<PathBuf> {
    let rec = Record {
        path: sh.path_of(ino).into_os_string().into_encoded_bytes(),
        staged: held.staged.file_name()?.to_string_lossy().into_owned(),
        uid: held.writer.uid,
        gid: held.writer.gid,
        mode: held.mode,
    };
    let at = record_path(&held.staged);
    let r = (|| -> io::Result<()> {
        let tmp = at.with_extension("pending.tmp");
        let mut f = fs::File::create(&tmp)?;
        f.write_all(&serde_json::to_vec(&rec).map_err(io::Error::other)?)?;
        f.sync_all()?;
        fs::rename(&tmp, &at)?;
        Ok(())
    })();
    match r {
        Ok(()) => Some(at),
        Err(e) => {
            tracing::warn!(error = %e, "could not journal a pending file; after a crash it stays encrypted");
            None
        }
    }
}

pub(crate) fn forget(at: Option<PathBuf>) {
    if let Some(at) = at {
        let _ = fs::remove_file(at);
    }
}

/// Reads the records in `staging`; unreadable ones are reported and left.
pub fn records(staging: &Path) -> io::Result<Vec<(PathBuf, Record)>> {
    let mut out = Vec::new();
    for ent in fs::read_dir(staging)? {
        let ent = ent?;
        let p = ent.path();
        if p.extension().is_some_and(|e| e == "pending") {
            match fs::read(&p)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<Record>(&b).map_err(|e| e.to_string()))
            {
                Ok(r) => out.push((p, r)),
                Err(e) => {
                    tracing::warn!(record = %p.display(), error = %e, "unreadable pending record")
                }
            }
        }
    }
    Ok(out)
}
