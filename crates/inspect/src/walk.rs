//! Turning the paths a user names into the list of things to scan.
//!
//! Directories are walked recursively without following symlinks inside
//! them (a symlink named on the command line is followed, as in ripgrep).
//! Anything that is not a regular file — FIFOs, sockets, devices, broken
//! links, symlink loops, unreadable directories — becomes a [`Target::Skip`]
//! with a reason, so the scan reports it and goes on instead of blocking on
//! a FIFO or reading a device forever.

use std::fs;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

/// One thing the scanner will look at, in walk order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A regular file; `display` is the path as given or found while walking.
    File { path: PathBuf, display: String },
    /// Standard input (`-`).
    Stdin,
    /// Something that cannot be scanned, with the reason.
    Skip { display: String, reason: String },
    /// A symbolic link inside a directory, left alone by design (not
    /// followed without `--follow`): reported, but not an error.
    Link { display: String },
}

/// Options for walking.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Follow symlinks found inside directories (loops are detected).
    pub follow_links: bool,
}

/// Calls `emit` for every target under `paths`, in a stable order (each
/// directory's entries sorted by name). Stops early if `emit` returns false.
pub fn walk(paths: &[PathBuf], opts: &WalkOptions, emit: &mut dyn FnMut(Target) -> bool) {
    for p in paths {
        if p.as_os_str() == "-" {
            if !emit(Target::Stdin) {
                return;
            }
            continue;
        }
        let display = p.display().to_string();
        // Named on the command line: follow a symlink to see what it is.
        let meta = match fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                if !emit(Target::Skip {
                    display,
                    reason: io_reason(&e),
                }) {
                    return;
                }
                continue;
            }
        };
        if meta.is_dir() {
            if !walk_dir(p, opts, emit) {
                return;
            }
        } else if !emit(classify(p.clone(), display, &meta.file_type())) {
            return;
        }
    }
}

fn walk_dir(root: &Path, opts: &WalkOptions, emit: &mut dyn FnMut(Target) -> bool) -> bool {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(opts.follow_links)
        .follow_root_links(true)
        .sort_by_file_name();
    for entry in walker {
        let target = match entry {
            Ok(e) => {
                let ft = e.file_type();
                if ft.is_dir() {
                    continue;
                }
                let display = e.path().display().to_string();
                if ft.is_symlink() {
                    // Not followed (follow_links off): report, don't scan.
                    Target::Link { display }
                } else {
                    classify(e.into_path(), display, &ft)
                }
            }
            Err(err) => {
                let display = err
                    .path()
                    .map_or_else(|| root.display().to_string(), |p| p.display().to_string());
                let reason = if err.loop_ancestor().is_some() {
                    "symbolic link loop".to_string()
                } else if let Some(io) = err.io_error() {
                    io_reason(io)
                } else {
                    err.to_string()
                };
                Target::Skip { display, reason }
            }
        };
        if !emit(target) {
            return false;
        }
    }
    true
}

fn classify(path: PathBuf, display: String, ft: &fs::FileType) -> Target {
    let reason = if ft.is_file() {
        return Target::File { path, display };
    } else if ft.is_fifo() {
        "named pipe (FIFO), not scanned"
    } else if ft.is_socket() {
        "socket, not scanned"
    } else if ft.is_block_device() || ft.is_char_device() {
        "device file, not scanned"
    } else {
        "not a regular file"
    };
    Target::Skip {
        display,
        reason: reason.into(),
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(paths: &[PathBuf], follow: bool) -> Vec<Target> {
        let mut out = Vec::new();
        walk(
            paths,
            &WalkOptions {
                follow_links: follow,
            },
            &mut |t| {
                out.push(t);
                true
            },
        );
        out
    }

    fn names(ts: &[Target]) -> Vec<String> {
        ts.iter()
            .map(|t| match t {
                Target::File { display, .. } => {
                    format!("file {}", display.rsplit('/').next().unwrap())
                }
                Target::Stdin => "stdin".into(),
                Target::Skip { display, reason } => {
                    format!("skip {} ({reason})", display.rsplit('/').next().unwrap())
                }
                Target::Link { display } => {
                    format!("link {}", display.rsplit('/').next().unwrap())
                }
            })
            .collect()
    }

    #[test]
    fn walks_sorted_and_reports_what_it_cannot_scan() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("b.txt"), "b").unwrap();
        fs::write(d.join("a.txt"), "a").unwrap();
        fs::create_dir(d.join("sub")).unwrap();
        fs::write(d.join("sub/c.txt"), "c").unwrap();
        std::os::unix::fs::symlink(d, d.join("sub/loop")).unwrap();
        let fifo = d.join("pipe");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());

        let got = names(&collect(&[d.to_path_buf()], false));
        assert_eq!(
            got,
            vec![
                "file a.txt",
                "file b.txt",
                "skip pipe (named pipe (FIFO), not scanned)",
                "file c.txt",
                "link loop",
            ]
        );

        let followed = names(&collect(&[d.to_path_buf()], true));
        assert!(
            followed.contains(&"skip loop (symbolic link loop)".to_string()),
            "{followed:?}"
        );
    }

    #[test]
    fn missing_paths_and_stdin() {
        let got = names(&collect(
            &[PathBuf::from("/nonexistent/x"), PathBuf::from("-")],
            false,
        ));
        assert_eq!(got, vec!["skip x (no such file or directory)", "stdin"]);
    }

    #[test]
    fn devices_are_skipped() {
        let got = names(&collect(&[PathBuf::from("/dev/null")], false));
        assert_eq!(got, vec!["skip null (device file, not scanned)"]);
    }
}
