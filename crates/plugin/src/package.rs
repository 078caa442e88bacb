//! Packages: a gzip'd tar of `cordon-plugin.toml` and the files it names.
//!
//! One reader, [`parse`], validates a package's bytes; [`read_package`],
//! [`pack`] (on what it just built) and [`install`] (on the bytes it is
//! about to write) all go through it, so what is installed is exactly
//! what was checked.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};

use crate::manifest::{MANIFEST_FILE, Manifest, ManifestError, valid_name, valid_relative_path};

/// The largest package accepted, compressed.
pub const MAX_PACKAGE_BYTES: usize = 16 << 20;
/// The largest a package may unpack to: the whole decompressed tar
/// stream, headers and padding included. A gzip bomb stops here.
pub const MAX_UNPACKED_BYTES: u64 = 64 << 20;
/// The most tar entries (files and directories) in a package.
pub const MAX_ENTRIES: usize = 512;
/// The largest `cordon-plugin.toml`.
pub const MAX_MANIFEST_BYTES: u64 = 64 << 10;

/// A validated package: its manifest, its identity and what it holds.
/// The bytes themselves are the caller's to keep (the server stores them
/// in its database); [`install`] takes them again and checks they are the
/// same by their SHA-256.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub manifest: Manifest,
    /// Lowercase hex SHA-256 of the package bytes: its identity.
    pub sha256: String,
    /// Size of the package bytes.
    pub size: u64,
    /// The regular files it holds, sorted by path.
    pub files: Vec<PackageFile>,
}

/// A regular file in a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFile {
    /// Relative path, `/`-separated, without `.` or `..` components.
    pub path: String,
    pub size: u64,
    /// Installed with mode 0755 (any execute bit in the tar, or the
    /// manifest's `executable`); otherwise 0644.
    pub executable: bool,
}

/// A package unpacked under a root directory by [`install`].
#[derive(Debug, Clone, PartialEq)]
pub struct Installed {
    pub manifest: Manifest,
    /// `root/<name>/<sha256>`.
    pub dir: PathBuf,
}

/// Why a package was refused, or could not be made, installed or opened.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("package is {size} bytes, more than the limit of {MAX_PACKAGE_BYTES}")]
    TooLarge { size: usize },
    #[error("package is not gzip-compressed (a plug-in package is a .tar.gz)")]
    NotGzip,
    #[error("package is damaged: {0}")]
    Corrupt(String),
    #[error("package unpacks to more than {MAX_UNPACKED_BYTES} bytes")]
    UnpackedTooLarge,
    #[error("package has more than {MAX_ENTRIES} entries")]
    TooManyEntries,
    #[error("entry `{path}`: {reason}")]
    BadPath { path: String, reason: &'static str },
    #[error("entry `{path}` is a {kind}; a package holds only regular files and directories")]
    BadEntryType { path: String, kind: &'static str },
    #[error("entry `{path}` appears twice or clashes with a directory of the same name")]
    Duplicate { path: String },
    #[error("package has no `{MANIFEST_FILE}` at its top")]
    NoManifest,
    #[error("`{MANIFEST_FILE}` is larger than {MAX_MANIFEST_BYTES} bytes")]
    ManifestTooLarge,
    #[error("`{MANIFEST_FILE}` is not UTF-8")]
    ManifestNotUtf8,
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("`executable` `{path}` is not a regular file in the package")]
    NoExecutable { path: String },
    #[error("package bytes have sha256 `{actual}`, not the expected `{expected}`")]
    DigestMismatch { expected: String, actual: String },
    #[error("`{}` cannot be packed: {reason}", path.display())]
    Unpackable { path: PathBuf, reason: &'static str },
    #[error("plug-in `{name}` with sha256 `{sha256}` is not installed under `{}`", root.display())]
    NotInstalled {
        name: String,
        sha256: String,
        root: PathBuf,
    },
    #[error("`{}`: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> PackageError + '_ {
    move |source| PackageError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Reads and validates a package from untrusted bytes: size, gzip, tar
/// structure, entry count, unpacked size, every path and entry type, the
/// manifest and its executable. Never panics, never touches the disk.
pub fn read_package(bytes: &[u8]) -> Result<Package, PackageError> {
    let parsed = parse(bytes)?;
    Ok(Package {
        sha256: sha256_hex(bytes),
        size: bytes.len() as u64,
        files: parsed
            .files
            .iter()
            .map(|(path, f)| PackageFile {
                path: path.clone(),
                size: f.data.len() as u64,
                executable: f.executable,
            })
            .collect(),
        manifest: parsed.manifest,
    })
}

struct Item {
    executable: bool,
    data: Vec<u8>,
}

struct Parsed {
    manifest: Manifest,
    files: BTreeMap<String, Item>,
}

/// The decompressed stream, counted: past `MAX_UNPACKED_BYTES` it fails
/// and remembers why, so the error can say so rather than "damaged".
struct Bounded<R> {
    inner: R,
    read: u64,
    exceeded: bool,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read = self.read.saturating_add(n as u64);
        if self.read > MAX_UNPACKED_BYTES {
            self.exceeded = true;
            return Err(io::Error::other("unpacked size limit"));
        }
        Ok(n)
    }
}

fn parse(bytes: &[u8]) -> Result<Parsed, PackageError> {
    if bytes.len() > MAX_PACKAGE_BYTES {
        return Err(PackageError::TooLarge { size: bytes.len() });
    }
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(PackageError::NotGzip);
    }
    let mut stream = Bounded {
        inner: GzDecoder::new(bytes),
        read: 0,
        exceeded: false,
    };
    let walked = walk(&mut stream);
    if stream.exceeded {
        return Err(PackageError::UnpackedTooLarge);
    }
    let files = walked?;
    let text = match files.get(MANIFEST_FILE) {
        Some(m) => std::str::from_utf8(&m.data).map_err(|_| PackageError::ManifestNotUtf8)?,
        None => return Err(PackageError::NoManifest),
    };
    let manifest = Manifest::from_toml(text)?;
    if !files.contains_key(&manifest.executable) {
        return Err(PackageError::NoExecutable {
            path: manifest.executable.clone(),
        });
    }
    Ok(Parsed { manifest, files })
}

fn corrupt(e: io::Error) -> PackageError {
    PackageError::Corrupt(e.to_string())
}

/// What a refused entry type is called in the error, or `None` for the
/// kinds a package may hold (regular files and directories).
fn refused_kind(t: tar::EntryType) -> Option<&'static str> {
    use tar::EntryType as T;
    match t {
        T::Regular | T::Continuous | T::Directory => None,
        T::Symlink => Some("symbolic link"),
        T::Link => Some("hard link"),
        T::Char => Some("character device"),
        T::Block => Some("block device"),
        T::Fifo => Some("FIFO"),
        T::GNUSparse => Some("sparse file"),
        T::XGlobalHeader => Some("global pax header"),
        _ => Some("special entry"),
    }
}

/// `./a/b/` → `a/b`; `.` and `./` → empty (the top directory itself).
fn normalise(raw: &str) -> &str {
    let p = raw.strip_prefix("./").unwrap_or(raw);
    let p = p.trim_end_matches('/');
    if p == "." { "" } else { p }
}

fn walk<R: Read>(stream: R) -> Result<BTreeMap<String, Item>, PackageError> {
    let mut archive = tar::Archive::new(stream);
    let mut files: BTreeMap<String, Item> = BTreeMap::new();
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    let mut count = 0usize;
    for entry in archive.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        count += 1;
        if count > MAX_ENTRIES {
            return Err(PackageError::TooManyEntries);
        }
        let raw = entry.path_bytes().into_owned();
        let Ok(raw) = String::from_utf8(raw) else {
            return Err(PackageError::BadPath {
                path: String::from_utf8_lossy(&entry.path_bytes())
                    .escape_debug()
                    .to_string(),
                reason: "path is not UTF-8",
            });
        };
        let shown = raw.escape_debug().to_string();
        let kind = entry.header().entry_type();
        if let Some(kind) = refused_kind(kind) {
            return Err(PackageError::BadEntryType { path: shown, kind });
        }
        if raw.starts_with('/') {
            return Err(PackageError::BadPath {
                path: shown,
                reason: "absolute paths are not allowed",
            });
        }
        let path = normalise(&raw);
        if path.split('/').any(|c| c == "..") {
            return Err(PackageError::BadPath {
                path: shown,
                reason: "`..` is not allowed",
            });
        }
        let is_dir = kind == tar::EntryType::Directory;
        if path.is_empty() && is_dir {
            continue;
        }
        if !valid_relative_path(path) {
            return Err(PackageError::BadPath {
                path: shown,
                reason: "not a plain relative path (empty, `.` or backslash components, or longer than 255 bytes)",
            });
        }
        // Every ancestor is a directory, never a file.
        let mut end = 0;
        while let Some(i) = path.get(end..).and_then(|rest| rest.find('/')) {
            let ancestor = path.get(..end + i).unwrap_or_default();
            if files.contains_key(ancestor) {
                return Err(PackageError::Duplicate { path: shown });
            }
            dirs.insert(ancestor.to_owned());
            end += i + 1;
        }
        if is_dir {
            if files.contains_key(path) {
                return Err(PackageError::Duplicate { path: shown });
            }
            dirs.insert(path.to_owned());
            continue;
        }
        if files.contains_key(path) || dirs.contains(path) {
            return Err(PackageError::Duplicate { path: shown });
        }
        if path == MANIFEST_FILE && entry.size() > MAX_MANIFEST_BYTES {
            return Err(PackageError::ManifestTooLarge);
        }
        let executable = entry.header().mode().map_err(corrupt)? & 0o111 != 0;
        let mut data = Vec::new();
        entry.read_to_end(&mut data).map_err(corrupt)?;
        files.insert(path.to_owned(), Item { executable, data });
    }
    Ok(files)
}

/// Makes a package from `dir`, which must hold `cordon-plugin.toml` at its
/// top. Every regular file under `dir` goes in, sorted by path, with
/// owner 0:0, mtime 0, mode 0755 if it had any execute bit and 0644
/// otherwise, in a gzip stream without name or time: the same directory
/// always gives the same bytes. Symbolic links and special files are
/// refused. The result is checked by the same reader as [`read_package`].
pub fn pack(dir: &Path) -> Result<Vec<u8>, PackageError> {
    let mut found = Vec::new();
    let mut total = 0u64;
    collect(dir, "", &mut found, &mut total)?;
    let gz = flate2::GzBuilder::new().write(Vec::new(), flate2::Compression::best());
    let mut builder = tar::Builder::new(gz);
    for (rel, path, executable) in &found {
        let data = fs::read(path).map_err(io_at(path))?;
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(data.len() as u64);
        header.set_mode(if *executable { 0o755 } else { 0o644 });
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        builder
            .append_data(&mut header, rel, data.as_slice())
            .map_err(io_at(path))?;
    }
    let bytes = builder
        .into_inner()
        .and_then(|gz| gz.finish())
        .map_err(io_at(dir))?;
    parse(&bytes)?;
    Ok(bytes)
}

fn collect(
    dir: &Path,
    prefix: &str,
    out: &mut Vec<(String, PathBuf, bool)>,
    total: &mut u64,
) -> Result<(), PackageError> {
    let mut entries = fs::read_dir(dir)
        .map_err(io_at(dir))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io_at(dir))?;
    entries.sort();
    for path in entries {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            return Err(PackageError::Unpackable {
                path,
                reason: "its name is not UTF-8",
            });
        };
        let rel = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}/{name}")
        };
        let meta = fs::symlink_metadata(&path).map_err(io_at(&path))?;
        let t = meta.file_type();
        if t.is_dir() {
            collect(&path, &rel, out, total)?;
        } else if t.is_file() {
            *total = total.saturating_add(meta.len());
            if *total > MAX_UNPACKED_BYTES {
                return Err(PackageError::UnpackedTooLarge);
            }
            out.push((rel, path, meta.permissions().mode() & 0o111 != 0));
        } else if t.is_symlink() {
            return Err(PackageError::Unpackable {
                path,
                reason: "it is a symbolic link; a package holds regular files only",
            });
        } else {
            return Err(PackageError::Unpackable {
                path,
                reason: "it is not a regular file or directory",
            });
        }
    }
    Ok(())
}

/// Unpacks a package under `root/<name>/<sha256>/`, atomically: into a
/// fresh directory beside it, renamed into place once complete. When that
/// directory already exists the call only opens it. `bytes` must be the
/// package's own (same SHA-256), and are validated again. Files are
/// written with mode 0755 (executables) or 0644, directories 0755, owned
/// by the caller; nothing but regular files and directories is ever
/// created, and only at the package's validated relative paths.
pub fn install(package: &Package, bytes: &[u8], root: &Path) -> Result<Installed, PackageError> {
    let actual = sha256_hex(bytes);
    if actual != package.sha256 {
        return Err(PackageError::DigestMismatch {
            expected: package.sha256.clone(),
            actual,
        });
    }
    let parsed = parse(bytes)?;
    let name = parsed.manifest.name.clone();
    let parent = root.join(&name);
    let dest = parent.join(&actual);
    if fs::symlink_metadata(&dest).is_ok_and(|m| m.is_dir()) {
        return Installed::open(root, &name, &actual);
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(&parent)
        .map_err(io_at(&parent))?;
    let tmp = tempfile::Builder::new()
        .prefix(".installing-")
        .tempdir_in(&parent)
        .map_err(io_at(&parent))?;
    for (rel, item) in &parsed.files {
        let executable = item.executable || *rel == parsed.manifest.executable;
        write_file(tmp.path(), rel, &item.data, executable)?;
    }
    set_mode(tmp.path(), 0o755)?;
    match fs::rename(tmp.path(), &dest) {
        Ok(()) => {
            let _ = tmp.keep();
            if let Ok(d) = fs::File::open(&parent) {
                let _ = d.sync_all();
            }
            tracing::info!(plugin = %name, sha256 = %actual, dir = %dest.display(), "plug-in installed");
            Ok(Installed {
                manifest: parsed.manifest,
                dir: dest,
            })
        }
        // Installed meanwhile by another caller: theirs is the same bytes.
        Err(_) if fs::symlink_metadata(&dest).is_ok_and(|m| m.is_dir()) => {
            Installed::open(root, &name, &actual)
        }
        Err(e) => Err(PackageError::Io {
            path: dest,
            source: e,
        }),
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<(), PackageError> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io_at(path))
}

/// Writes `top/rel`, creating its directories (0755). `top` is a fresh
/// directory of ours and `rel` a validated relative path, so nothing
/// here can follow a link out; `create_new` would refuse one anyway.
fn write_file(top: &Path, rel: &str, data: &[u8], executable: bool) -> Result<(), PackageError> {
    let mut dir = top.to_path_buf();
    let mut parts = rel.split('/').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            break;
        }
        dir.push(part);
        match fs::DirBuilder::new().mode(0o755).create(&dir) {
            Ok(()) => set_mode(&dir, 0o755)?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(PackageError::Io {
                    path: dir,
                    source: e,
                });
            }
        }
    }
    let path = top.join(rel);
    let mode = if executable { 0o755 } else { 0o644 };
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(&path)
        .map_err(io_at(&path))?;
    f.write_all(data).map_err(io_at(&path))?;
    f.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(io_at(&path))?;
    f.sync_all().map_err(io_at(&path))?;
    Ok(())
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

impl Installed {
    /// Opens a package installed by [`install`] under `root`: checks the
    /// name and digest (so neither can step outside `root`), reads and
    /// validates the manifest, and checks it names the same plug-in and
    /// an executable that is a regular file.
    pub fn open(root: &Path, name: &str, sha256: &str) -> Result<Installed, PackageError> {
        let missing = || PackageError::NotInstalled {
            name: name.to_owned(),
            sha256: sha256.to_owned(),
            root: root.to_path_buf(),
        };
        if !valid_name(name) || !is_sha256_hex(sha256) {
            return Err(missing());
        }
        let dir = root.join(name).join(sha256);
        let manifest_path = dir.join(MANIFEST_FILE);
        let meta = match fs::symlink_metadata(&manifest_path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(missing()),
            Err(e) => {
                return Err(PackageError::Io {
                    path: manifest_path,
                    source: e,
                });
            }
        };
        if !meta.is_file() {
            return Err(missing());
        }
        if meta.len() > MAX_MANIFEST_BYTES {
            return Err(PackageError::ManifestTooLarge);
        }
        let text = fs::read_to_string(&manifest_path).map_err(io_at(&manifest_path))?;
        let manifest = Manifest::from_toml(&text)?;
        if manifest.name != name {
            return Err(missing());
        }
        let exe = dir.join(&manifest.executable);
        if !fs::symlink_metadata(&exe).is_ok_and(|m| m.is_file()) {
            return Err(PackageError::NoExecutable {
                path: manifest.executable,
            });
        }
        Ok(Installed { manifest, dir })
    }

    /// Absolute (when `root` was) path of the plug-in's program.
    pub fn executable(&self) -> PathBuf {
        self.dir.join(&self.manifest.executable)
    }
}
