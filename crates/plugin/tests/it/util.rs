//! Building packages by hand, including the malformed ones `pack` would
//! never write, and installing plug-ins written as small scripts.

use std::io::Write;
use std::path::Path;

use cordon_plugin::{Installed, install, pack, read_package};
use flate2::Compression;
use flate2::write::GzEncoder;

/// One tar entry, described as data.
#[derive(Clone, Debug)]
pub enum E {
    /// A regular file with its mode.
    File(&'static str, Vec<u8>, u32),
    Dir(&'static str),
    Symlink(&'static str, &'static str),
    Hardlink(&'static str, &'static str),
    Char(&'static str),
    Block(&'static str),
    Fifo(&'static str),
}

pub const SCRIPT: &[u8] = b"#!/bin/sh\necho '{\"status\":\"ok\",\"message\":\"hi\"}'\n";

pub fn manifest_text(name: &str) -> String {
    format!(
        "name = \"{name}\"\nversion = \"1.0\"\nprotocol = 1\nruns_on = \"server\"\n\
         events = [\"*\"]\nexecutable = \"run.sh\"\ntimeout_ms = 5000\n"
    )
}

/// The entries of a valid package named `demo`.
pub fn valid_entries() -> Vec<E> {
    vec![
        E::File(
            "cordon-plugin.toml",
            manifest_text("demo").into_bytes(),
            0o644,
        ),
        E::File("run.sh", SCRIPT.to_vec(), 0o755),
    ]
}

/// A ustar header whose name bytes are written as given: no checks, so
/// `..` and absolute paths can be made.
fn header(path: &str, kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_mtime(0);
    let name = &mut h.as_ustar_mut().unwrap().name;
    name[..path.len()].copy_from_slice(path.as_bytes());
    h.set_cksum();
    h
}

fn link_header(path: &str, kind: tar::EntryType, target: &str) -> tar::Header {
    let mut h = header(path, kind, 0, 0o777);
    let link = &mut h.as_ustar_mut().unwrap().linkname;
    link[..target.len()].copy_from_slice(target.as_bytes());
    h.set_cksum();
    h
}

/// The uncompressed tar of `entries`.
pub fn tar_of(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        match e {
            E::File(p, data, mode) => {
                let h = header(p, tar::EntryType::Regular, data.len() as u64, *mode);
                b.append(&h, data.as_slice()).unwrap();
            }
            E::Dir(p) => b
                .append(&header(p, tar::EntryType::Directory, 0, 0o755), &[][..])
                .unwrap(),
            E::Symlink(p, t) => b
                .append(&link_header(p, tar::EntryType::Symlink, t), &[][..])
                .unwrap(),
            E::Hardlink(p, t) => b
                .append(&link_header(p, tar::EntryType::Link, t), &[][..])
                .unwrap(),
            E::Char(p) => b
                .append(&header(p, tar::EntryType::Char, 0, 0o644), &[][..])
                .unwrap(),
            E::Block(p) => b
                .append(&header(p, tar::EntryType::Block, 0, 0o644), &[][..])
                .unwrap(),
            E::Fifo(p) => b
                .append(&header(p, tar::EntryType::Fifo, 0, 0o644), &[][..])
                .unwrap(),
        }
    }
    b.into_inner().unwrap()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

pub fn tgz(entries: &[E]) -> Vec<u8> {
    gzip(&tar_of(entries))
}

/// A directory holding a plug-in: `script` as `run.sh` (0755) and a
/// manifest named `name` with `extra` TOML appended.
pub fn plugin_dir(dir: &Path, name: &str, script: &str, extra: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("cordon-plugin.toml"), manifest_text(name) + extra).unwrap();
    let exe = dir.join("run.sh");
    std::fs::write(&exe, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Packs, reads and installs the plug-in in `src` under `root`.
pub fn install_dir(src: &Path, root: &Path) -> Installed {
    let bytes = pack(src).unwrap();
    let package = read_package(&bytes).unwrap();
    install(&package, &bytes, root).unwrap()
}
