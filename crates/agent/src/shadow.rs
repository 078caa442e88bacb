//! Shadow copies (seed 004 `audit.shadow` = content): the content of a
//! file written to a medium, sealed for the organisation's recovery keys,
//! kept in the state directory until the server has it.
//!
//! A copy is written as `.ID.part`, synced, then renamed to `ID.age`: a
//! crash leaves either a whole copy or a part file that is removed at the
//! next start. The directory is bounded (`shadow_max_bytes`): past it a new
//! copy is not kept and the incident's history says so; nothing else stops.
//! The upload sends each whole copy with its SHA-256; only the server's
//! acknowledgement removes it here. The agent never keeps a plaintext
//! copy: sealing streams from the staged file.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cordon_record::ShadowRef;
use sha2::{Digest, Sha256};

use crate::link::{Client, LinkError};

#[derive(Debug, thiserror::Error)]
pub enum ShadowError {
    #[error("the shadow store is full ({used} of {max} bytes)")]
    Full { used: u64, max: u64 },
    #[error("shadow store `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot seal the shadow copy: {0}")]
    Seal(io::Error),
}

/// The agent's store of shadow copies waiting for the server.
#[derive(Debug, Clone)]
pub struct ShadowStore {
    dir: PathBuf,
    max_bytes: u64,
}

/// One copy waiting in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub id: String,
    pub path: PathBuf,
    pub bytes: u64,
}

/// What one upload round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Uploaded {
    pub sent: usize,
    pub bytes: u64,
    /// Refused by the server for good (too large): moved aside, kept.
    pub refused: usize,
}

/// A writer that counts and hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl ShadowStore {
    pub fn new(dir: PathBuf, max_bytes: u64) -> ShadowStore {
        ShadowStore { dir, max_bytes }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn io(&self, path: &Path) -> impl FnOnce(io::Error) -> ShadowError + '_ {
        let path = path.to_owned();
        move |source| ShadowError::Io { path, source }
    }

    /// Removes part files a crash left behind; the whole copies stay.
    pub fn recover(&self) -> Result<usize, ShadowError> {
        let mut removed = 0;
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(self.io(&self.dir)(e)),
        };
        for e in entries.flatten() {
            let name = e.file_name();
            if name.to_string_lossy().ends_with(".part") {
                std::fs::remove_file(e.path()).map_err(self.io(&e.path()))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The copies waiting for the server, oldest first.
    pub fn waiting(&self) -> Result<Vec<Waiting>, ShadowError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io(&self.dir)(e)),
        };
        let mut out = Vec::new();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".age") else {
                continue;
            };
            if !ShadowRef::valid_id(id) {
                continue;
            }
            let Ok(meta) = e.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            out.push((
                meta.modified().ok(),
                Waiting {
                    id: id.to_owned(),
                    path: e.path(),
                    bytes: meta.len(),
                },
            ));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
        Ok(out.into_iter().map(|(_, w)| w).collect())
    }

    /// Bytes the store holds (whole copies and parts being written).
    fn used(&self) -> u64 {
        std::fs::read_dir(&self.dir)
            .map(|d| {
                d.flatten()
                    .filter_map(|e| e.metadata().ok())
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }

    /// Seals `input` (`size` bytes of plaintext) with `seal` into a new
    /// copy. Refused, keeping nothing, when the store would pass its bound.
    pub fn keep(
        &self,
        input: &mut dyn Read,
        size: u64,
        seal: &dyn cordon_medium::Seal,
    ) -> Result<ShadowRef, ShadowError> {
        std::fs::create_dir_all(&self.dir).map_err(self.io(&self.dir))?;
        let used = self.used();
        // age adds a header and 16 bytes per 64 KiB chunk.
        let estimate = size + size / 4096 + 4096;
        if used.saturating_add(estimate) > self.max_bytes {
            return Err(ShadowError::Full {
                used,
                max: self.max_bytes,
            });
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let part = self.dir.join(format!(".{id}.part"));
        let done = self.dir.join(format!("{id}.age"));
        let result = (|| {
            let file = std::fs::File::create(&part).map_err(self.io(&part))?;
            let mut out = Hashing {
                inner: io::BufWriter::new(file),
                hash: Sha256::new(),
                bytes: 0,
            };
            seal.seal(input, &mut out).map_err(ShadowError::Seal)?;
            out.flush().map_err(self.io(&part))?;
            let (hash, bytes) = (out.hash.finalize(), out.bytes);
            let file = out
                .inner
                .into_inner()
                .map_err(|e| self.io(&part)(e.into_error()))?;
            file.sync_all().map_err(self.io(&part))?;
            std::fs::rename(&part, &done).map_err(self.io(&done))?;
            if let Ok(d) = std::fs::File::open(&self.dir) {
                let _ = d.sync_all();
            }
            Ok(ShadowRef {
                id: id.clone(),
                bytes,
                sha256: hex(&hash),
            })
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&part);
        }
        result
    }

    /// Sends waiting copies, oldest first, until none is left or `budget`
    /// has passed. A copy is removed only once the server has stored it; one
    /// the server refuses for good (too large) is moved to `refused/` and
    /// kept. Any other failure ends the round: the rest waits for the next.
    pub fn upload(&self, client: &Client, budget: Duration) -> Result<Uploaded, LinkError> {
        let start = Instant::now();
        let mut done = Uploaded::default();
        let waiting = self
            .waiting()
            .map_err(|e| LinkError::Unreachable(e.to_string()))?;
        for w in waiting {
            if start.elapsed() > budget {
                break;
            }
            let sha256 = match hash_file(&w.path) {
                Ok(h) => h,
                // Gone meanwhile (another round sent it): nothing to do.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => {
                    tracing::warn!(file = %w.path.display(), "cannot read a shadow copy: {e}");
                    continue;
                }
            };
            match client.upload_shadow(&w.id, &w.path, w.bytes, &sha256) {
                Ok(()) => {
                    let _ = std::fs::remove_file(&w.path);
                    done.sent += 1;
                    done.bytes += w.bytes;
                }
                Err(LinkError::Status { status: 413, body }) => {
                    tracing::warn!(id = %w.id, bytes = w.bytes, "the server refuses this shadow copy: {body}; kept in refused/");
                    let aside = self.dir.join("refused");
                    let _ = std::fs::create_dir_all(&aside);
                    let _ = std::fs::rename(&w.path, aside.join(format!("{}.age", w.id)));
                    done.refused += 1;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
}

/// A read is shadowed again after this long (the same user and file
/// version in between: once).
pub const READ_AGAIN: Duration = Duration::from_secs(600);
/// Content copies of reads sealed at once; past it a read is recorded
/// without its content, saying why.
pub const READS_AT_ONCE: usize = 4;
/// Reads remembered (user, file, version); the oldest are forgotten.
const READS_KEPT: usize = 4096;

type ReadKey = (u32, PathBuf, Option<(u64, i64, i64)>);

/// Which reads were shadowed lately, and the content copies under way.
#[derive(Debug, Default)]
pub struct ReadLog {
    seen: std::sync::Mutex<std::collections::HashMap<ReadKey, Instant>>,
    sealing: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// One content copy under way; dropping it frees its place.
#[derive(Debug)]
pub struct Slot(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

impl ReadLog {
    /// Whether this read of `path` (its size and modification time as
    /// `version`) by `uid` is the first within [`READ_AGAIN`].
    pub fn first(&self, uid: u32, path: &Path, version: Option<(u64, i64, i64)>) -> bool {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let key = (uid, path.to_owned(), version);
        if seen
            .get(&key)
            .is_some_and(|at| now.duration_since(*at) < READ_AGAIN)
        {
            return false;
        }
        if seen.len() >= READS_KEPT {
            seen.retain(|_, at| now.duration_since(*at) < READ_AGAIN);
            if seen.len() >= READS_KEPT {
                let oldest = seen
                    .iter()
                    .min_by_key(|(_, at)| **at)
                    .map(|(k, _)| k.clone());
                if let Some(k) = oldest {
                    seen.remove(&k);
                }
            }
        }
        seen.insert(key, now);
        true
    }

    /// A place for one content copy, if fewer than [`READS_AT_ONCE`] are
    /// under way.
    pub fn slot(&self) -> Option<Slot> {
        use std::sync::atomic::Ordering;
        let n = &self.sealing;
        n.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
            (v < READS_AT_ONCE).then_some(v + 1)
        })
        .ok()?;
        Some(Slot(n.clone()))
    }
}

/// Reads a file from its start with positioned reads, leaving the
/// descriptor's offset (shared with the reader being shadowed) alone.
pub struct PositionedReader {
    file: std::fs::File,
    at: u64,
}

impl PositionedReader {
    pub fn new(file: std::fs::File) -> PositionedReader {
        PositionedReader { file, at: 0 }
    }
}

impl Read for PositionedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use std::os::unix::fs::FileExt as _;
        let n = self.file.read_at(buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

/// SHA-256 of a file, lower-case hex.
pub fn hash_file(path: &Path) -> io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::AgeSeal;

    fn seal() -> (AgeSeal, cordon_seal::Identities) {
        use age::secrecy::ExposeSecret as _;
        let id = age::x25519::Identity::generate();
        let public = id.to_public().to_string();
        let ids = cordon_seal::Identities::from_str(id.to_string().expose_secret()).unwrap();
        (AgeSeal::new(&[public]).unwrap(), ids)
    }

    #[test]
    fn a_copy_is_sealed_whole_and_its_reference_matches_the_file() {
        let t = tempfile::tempdir().unwrap();
        let store = ShadowStore::new(t.path().join("shadow"), 1 << 20);
        let (seal, id) = seal();
        let body = b"Confidential: the merger closes in March.\n";
        let r = store
            .keep(&mut &body[..], body.len() as u64, &seal)
            .unwrap();
        assert!(ShadowRef::valid_id(&r.id), "{r:?}");
        let w = store.waiting().unwrap();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].id, r.id);
        assert_eq!(w[0].bytes, r.bytes);
        assert_eq!(hash_file(&w[0].path).unwrap(), r.sha256);
        let sealed = std::fs::read(&w[0].path).unwrap();
        assert!(sealed.starts_with(b"age-encryption.org/v1\n"));
        let mut plain = Vec::new();
        cordon_seal::unseal(&id, &sealed[..], &mut plain).unwrap();
        assert_eq!(plain, body);
    }

    #[test]
    fn a_full_store_keeps_nothing_more_and_says_so() {
        let t = tempfile::tempdir().unwrap();
        let store = ShadowStore::new(t.path().to_owned(), 64 * 1024);
        let (seal, _) = seal();
        let big = vec![b'x'; 40 * 1024];
        store.keep(&mut &big[..], big.len() as u64, &seal).unwrap();
        let e = store
            .keep(&mut &big[..], big.len() as u64, &seal)
            .unwrap_err();
        assert!(e.to_string().starts_with("the shadow store is full"), "{e}");
        assert_eq!(store.waiting().unwrap().len(), 1);
        assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_read_is_shadowed_once_per_user_and_version_and_copies_are_bounded() {
        let log = ReadLog::default();
        let p = Path::new("docs/plan.txt");
        assert!(log.first(1000, p, Some((10, 1, 0))));
        assert!(!log.first(1000, p, Some((10, 1, 0))));
        assert!(log.first(1001, p, Some((10, 1, 0))), "another user");
        assert!(log.first(1000, p, Some((11, 2, 0))), "another version");
        for i in 0..(READS_KEPT as u32 + 10) {
            log.first(i + 5000, p, None);
        }
        assert!(log.seen.lock().unwrap().len() <= READS_KEPT);
        let slots: Vec<_> = (0..READS_AT_ONCE).map(|_| log.slot().unwrap()).collect();
        assert!(log.slot().is_none());
        drop(slots);
        assert!(log.slot().is_some());
    }

    #[test]
    fn a_positioned_reader_leaves_the_shared_offset_alone() {
        use std::io::Seek as _;
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("f");
        std::fs::write(&path, b"0123456789").unwrap();
        let mut user = std::fs::File::open(&path).unwrap();
        user.seek(io::SeekFrom::Start(4)).unwrap();
        let mut all = Vec::new();
        PositionedReader::new(user.try_clone().unwrap())
            .read_to_end(&mut all)
            .unwrap();
        assert_eq!(all, b"0123456789");
        assert_eq!(user.stream_position().unwrap(), 4);
    }

    #[test]
    fn a_failed_seal_leaves_no_part_and_a_crash_part_is_removed() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("the staged file went away"))
            }
        }
        let t = tempfile::tempdir().unwrap();
        let store = ShadowStore::new(t.path().to_owned(), 1 << 20);
        let (seal, _) = seal();
        let e = store.keep(&mut Broken, 10, &seal).unwrap_err();
        assert!(e.to_string().contains("went away"), "{e}");
        assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 0);
        // What a crash mid-copy leaves, and stray names: parts go, the
        // rest is not a copy.
        std::fs::write(t.path().join(".0123456789abcdef0123456789abcdef.part"), "x").unwrap();
        std::fs::write(t.path().join("notes.age"), "x").unwrap();
        assert_eq!(store.recover().unwrap(), 1);
        assert!(store.waiting().unwrap().is_empty());
    }
}
