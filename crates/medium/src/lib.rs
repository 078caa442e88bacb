//! The guard filesystem over a removable medium.
//!
//! [`Gate::mount`] covers a mounted medium's directory with a FUSE
//! filesystem of the same tree. Reads pass through. A file opened for
//! writing is *held*: its bytes go to a staging file off the medium; when
//! its last writer closes it, the [`Judge`] decides and the gate applies
//! the [`Outcome`] — the file is written to the medium in clear, sealed
//! (the agent's seal is age encryption), or not at all, in which case the
//! writer's `close()` fails with `EPERM`. In [`Mode::EncryptFirst`] the
//! file is sealed onto the medium at `close()` and released in clear once
//! judged benign.
//!
//! The real filesystem is reached only through a directory descriptor
//! opened before the gate covered it, with `*at` calls on single names:
//! links on the medium are never followed by the gate.

mod gate;
mod held;
pub mod judge;
mod lower;
mod nodes;
mod pending;
mod settle;

use std::fs::{self, File};
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use rustix::fs::{AtFlags, Mode as RMode, OFlags, ResolveFlags};

pub use judge::{
    Admit, GateOptions, Judge, Mode, Outcome, Seal, Settled, TEMP_PREFIX, Writer, Written,
};
pub use pending::Record;

/// Why a gate could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error("cannot open the medium's directory {path}: {source}")]
    Root { path: PathBuf, source: io::Error },
    #[error("cannot prepare the staging directory {path}: {source}")]
    Staging { path: PathBuf, source: io::Error },
    #[error("cannot mount the guard filesystem on {path}: {source}")]
    Mount { path: PathBuf, source: io::Error },
    #[error("cannot unmount the guard filesystem from {path}: {source}")]
    Unmount { path: PathBuf, source: io::Error },
}

/// Counts of what a gate did, for status and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct GateStats {
    pub held: u64,
    pub released: u64,
    pub sealed: u64,
    pub blocked: u64,
    pub failed: u64,
    pub over_quota: u64,
    /// Inodes the kernel holds.
    pub nodes: usize,
}

/// A mounted gate. Dropping it without [`Gate::unmount`] unmounts too.
pub struct Gate {
    mountpoint: PathBuf,
    session: Option<fuser::BackgroundSession>,
    shared: Arc<gate::Shared>,
    settlers: Vec<JoinHandle<()>>,
}

impl Gate {
    /// Covers `mountpoint` (where the medium is mounted) with the gate.
    /// Files left pending by an earlier run (encrypt-first, agent killed)
    /// are judged again first, see [`recover`].
    pub fn mount(
        mountpoint: &Path,
        judge: Arc<dyn Judge>,
        opts: GateOptions,
    ) -> Result<Gate, GateError> {
        let root = rustix::fs::open(
            mountpoint,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            RMode::empty(),
        )
        .map_err(|e| GateError::Root {
            path: mountpoint.to_owned(),
            source: e.into(),
        })?;
        prepare_staging(&opts.staging)?;
        let recovered = recover(&root, &opts.staging, &*judge);
        if let Err(e) = recovered {
            tracing::warn!(staging = %opts.staging.display(), error = %e, "could not finish pending files; they stay encrypted");
        }
        let (tx, rx) = mpsc::channel();
        let shared = Arc::new(gate::Shared::new(root, judge, opts.clone(), tx));
        let rx = Arc::new(Mutex::new(rx));
        let settlers = (0..opts.settlers.max(1))
            .map(|i| {
                let sh = shared.clone();
                let rx = rx.clone();
                std::thread::Builder::new()
                    .name(format!("cordon-settle-{i}"))
                    .spawn(move || settle::run(sh, rx))
            })
            .collect::<io::Result<Vec<_>>>()
            .map_err(|e| GateError::Mount {
                path: mountpoint.to_owned(),
                source: e,
            })?;
        let mut config = fuser::Config::default();
        config.mount_options = vec![
            fuser::MountOption::FSName(opts.fs_name.clone()),
            fuser::MountOption::Subtype("cordon".into()),
            fuser::MountOption::DefaultPermissions,
            fuser::MountOption::NoDev,
            fuser::MountOption::NoSuid,
            fuser::MountOption::RW,
        ];
        config.acl = fuser::SessionACL::All;
        config.n_threads = Some(opts.threads.max(1));
        config.clone_fd = true;
        let fs = gate::GateFs {
            shared: shared.clone(),
        };
        let session =
            fuser::Session::new(fs, mountpoint, &config).map_err(|e| GateError::Mount {
                path: mountpoint.to_owned(),
                source: e,
            })?;
        let _ = shared.notifier.set(session.notifier());
        let session = session.spawn().map_err(|e| GateError::Mount {
            path: mountpoint.to_owned(),
            source: e,
        })?;
        Ok(Gate {
            mountpoint: mountpoint.to_owned(),
            session: Some(session),
            shared,
            settlers,
        })
    }

    pub fn mountpoint(&self) -> &Path {
        &self.mountpoint
    }

    pub fn stats(&self) -> GateStats {
        let c = &self.shared.counters;
        GateStats {
            held: c.held.load(Ordering::Relaxed),
            released: c.released.load(Ordering::Relaxed),
            sealed: c.sealed.load(Ordering::Relaxed),
            blocked: c.blocked.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            over_quota: c.over_quota.load(Ordering::Relaxed),
            nodes: gate::lock(&self.shared.nodes).len(),
        }
    }

    /// Unmounts (lazily if busy) and waits for the files being settled.
    pub fn unmount(mut self) -> Result<(), GateError> {
        self.stop()
    }

    fn stop(&mut self) -> Result<(), GateError> {
        let mut result = Ok(());
        if let Some(session) = self.session.take()
            && let Err(e) = session.umount_and_join()
        {
            {
                // Busy: detach it so nothing new reaches it, then finish.
                match rustix::mount::unmount(&self.mountpoint, rustix::mount::UnmountFlags::DETACH)
                {
                    Ok(()) => {}
                    Err(rustix::io::Errno::INVAL) => {}
                    Err(e2) => {
                        result = Err(GateError::Unmount {
                            path: self.mountpoint.clone(),
                            source: io::Error::other(format!("{e}; {e2}")),
                        })
                    }
                }
            }
        }
        // Closing the job queue ends the settlers once it is drained.
        let (tx, _) = mpsc::channel();
        *gate::lock(&self.shared.jobs) = tx;
        for t in self.settlers.drain(..) {
            let _ = t.join();
        }
        result
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        if self.session.is_some()
            && let Err(e) = self.stop()
        {
            tracing::warn!(error = %e, "guard filesystem left mounted");
        }
    }
}

fn prepare_staging(dir: &Path) -> Result<(), GateError> {
    let err = |source| GateError::Staging {
        path: dir.to_owned(),
        source,
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(err)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(err)?;
    Ok(())
}

/// What became of a pending file at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub path: PathBuf,
    pub what: Settled,
}

/// Finishes what an earlier run left in `staging` for the medium whose
/// root is `root`: each encrypt-first file still pending is judged again
/// from its plaintext and released, left sealed or removed; staging files
/// without a record (held files that never reached the medium) are
/// deleted. A file whose plaintext is gone stays sealed.
pub fn recover(root: &OwnedFd, staging: &Path, judge: &dyn Judge) -> io::Result<Vec<Recovered>> {
    let mut out = Vec::new();
    let records = pending::records(staging)?;
    let mut keep = std::collections::HashSet::new();
    for (at, rec) in records {
        let rel = PathBuf::from(std::ffi::OsString::from_vec_compat(rec.path.clone()));
        let staged = staging.join(&rec.staged);
        keep.insert(staged.clone());
        let what = recover_one(root, &rel, &staged, &rec, judge);
        let _ = fs::remove_file(&staged);
        let _ = fs::remove_file(&at);
        out.push(Recovered { path: rel, what });
    }
    for ent in fs::read_dir(staging)? {
        let p = ent?.path();
        if !keep.contains(&p) {
            let _ = fs::remove_file(&p);
        }
    }
    Ok(out)
}

fn recover_one(
    root: &OwnedFd,
    rel: &Path,
    staged: &Path,
    rec: &Record,
    judge: &dyn Judge,
) -> Settled {
    let writer = Writer {
        uid: rec.uid,
        gid: rec.gid,
        pid: 0,
    };
    let Ok(file) = File::open(staged) else {
        return Settled::Failed {
            error: "its plaintext was lost; it stays encrypted".into(),
        };
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let w = Written {
        path: rel,
        staged,
        size,
        writer,
        replaces: true,
    };
    let (Some(parent), Some(name)) = (rel.parent(), rel.file_name()) else {
        return Settled::Failed {
            error: "its recorded path is not a file's".into(),
        };
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let dir = match rustix::fs::openat2(
        root.as_fd(),
        parent,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        RMode::empty(),
        ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
    ) {
        Ok(d) => d,
        Err(e) => {
            let what = Settled::Failed {
                error: format!("its directory is gone ({e}); it stays encrypted"),
            };
            judge.settled(&w, &what);
            return what;
        }
    };
    let what = match judge.judge(&w) {
        Outcome::Release => {
            let r = settle::write_temp(&dir, settle_id(), &file, None, writer, rec.mode).and_then(
                |tmp| {
                    rustix::fs::renameat(dir.as_fd(), &tmp, dir.as_fd(), name).map_err(|e| {
                        let _ = rustix::fs::unlinkat(dir.as_fd(), &tmp, AtFlags::empty());
                        io::Error::from(e)
                    })
                },
            );
            match r {
                Ok(()) => Settled::ReleasedAfterInspection,
                Err(e) => Settled::Failed {
                    error: format!("{e}; it stays encrypted"),
                },
            }
        }
        Outcome::Seal(_) => Settled::Sealed,
        Outcome::Block { message } => {
            match rustix::fs::unlinkat(dir.as_fd(), name, AtFlags::empty()) {
                Ok(()) | Err(rustix::io::Errno::NOENT) => Settled::Blocked { message },
                Err(e) => Settled::Failed {
                    error: format!("blocked, but the encrypted copy could not be removed: {e}"),
                },
            }
        }
    };
    judge.settled(&w, &what);
    what
}

fn settle_id() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

trait FromVecCompat {
    fn from_vec_compat(v: Vec<u8>) -> std::ffi::OsString;
}

impl FromVecCompat for std::ffi::OsString {
    fn from_vec_compat(v: Vec<u8>) -> std::ffi::OsString {
        use std::os::unix::ffi::OsStringExt;
        std::ffi::OsString::from_vec(v)
    }
}
