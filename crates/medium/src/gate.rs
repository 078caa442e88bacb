//! The FUSE filesystem: a pass-through view of the medium in which every
//! file opened for writing is held in a staging file until its last writer
//! closes it, then judged and settled (see `settle.rs`).

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, SystemTime};

use fuser::{
    Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo,
    KernelConfig, LockOwner, Notifier, OpenAccMode, OpenFlags, RenameFlags, ReplyAttr, ReplyCreate,
    ReplyData, ReplyDirectory, ReplyEmpty, ReplyEntry, ReplyOpen, ReplyStatfs, ReplyWrite, Request,
    TimeOrNow, WriteFlags,
};
use rustix::fs::{AtFlags, Mode as RMode, OFlags, Timespec, Timestamps};

use crate::held::{Held, Phase};
use crate::judge::{Admit, GateOptions, Judge, Writer, is_temp_name};
use crate::lower::{self, attr, errno, io_errno};
use crate::nodes::{Kind, Nodes, ROOT};

/// How long the kernel may cache names and attributes. Short: the
/// settlers change what is on the medium behind the kernel's back.
const TTL: Duration = Duration::from_secs(1);

/// The largest write the kernel sends at once (fewer round trips).
const MAX_WRITE: u32 = 1 << 20;

/// Work for the settlers: a held file whose last writer closed it.
pub(crate) struct Job {
    pub ino: u64,
    pub held: Arc<Held>,
    /// The writer's `flush` (its `close()`), answered once settled (hold
    /// mode) or sealed (encrypt-first).
    pub reply: Option<ReplyEmpty>,
}

enum Handle {
    Lower(File),
    Held { held: Arc<Held>, write: bool },
    Dir(Vec<(u64, FileType, OsString)>),
}

/// Counters for status and benchmarks.
#[derive(Debug, Default)]
pub struct Counters {
    pub held: AtomicU64,
    pub released: AtomicU64,
    pub sealed: AtomicU64,
    pub blocked: AtomicU64,
    pub failed: AtomicU64,
    pub over_quota: AtomicU64,
}

/// What the filesystem threads and the settlers share.
pub(crate) struct Shared {
    pub nodes: Mutex<Nodes>,
    handles: Mutex<HashMap<u64, Handle>>,
    next_fh: AtomicU64,
    pub next_id: AtomicU64,
    pub judge: Arc<dyn Judge>,
    pub opts: GateOptions,
    pub jobs: Mutex<Sender<Job>>,
    pub notifier: OnceLock<Notifier>,
    pub counters: Counters,
    /// Encrypt-first files sealed on the medium and not yet decided, by
    /// inode: reopening one for writing continues from its plaintext.
    pub pending: Mutex<HashMap<u64, Arc<Held>>>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

impl Shared {
    pub fn new(
        root: OwnedFd,
        judge: Arc<dyn Judge>,
        opts: GateOptions,
        jobs: Sender<Job>,
    ) -> Shared {
        Shared {
            nodes: Mutex::new(Nodes::new(root)),
            handles: Mutex::new(HashMap::new()),
            next_fh: AtomicU64::new(1),
            next_id: AtomicU64::new(unique_seed()),
            judge,
            opts,
            jobs: Mutex::new(jobs),
            notifier: OnceLock::new(),
            counters: Counters::default(),
            pending: Mutex::new(HashMap::new()),
        }
    }

    fn new_fh(&self, h: Handle) -> u64 {
        let fh = self.next_fh.fetch_add(1, Ordering::Relaxed);
        lock(&self.handles).insert(fh, h);
        fh
    }

    /// The parent's directory descriptor, the node's name.
    fn place(&self, ino: u64) -> Result<(Arc<OwnedFd>, OsString), Errno> {
        let nodes = lock(&self.nodes);
        let node = nodes.get(ino).ok_or(Errno::ENOENT)?;
        let dir = nodes.dir(node.parent).ok_or(Errno::ENOENT)?;
        Ok((dir, node.name.clone()))
    }

    fn dir(&self, ino: u64) -> Result<Arc<OwnedFd>, Errno> {
        let nodes = lock(&self.nodes);
        match nodes.get(ino) {
            Some(n) => match &n.kind {
                Kind::Dir(fd) => Ok(fd.clone()),
                _ => Err(Errno::ENOTDIR),
            },
            None => Err(Errno::ENOENT),
        }
    }

    fn held_attr(&self, ino: u64, held: &Held) -> Result<FileAttr, Errno> {
        let st = rustix::fs::fstat(held.file.as_fd()).map_err(errno)?;
        let mut a = attr(ino, &st);
        a.perm = (held.mode & 0o7777) as u16;
        a.uid = held.writer.uid;
        a.gid = held.writer.gid;
        Ok(a)
    }

    /// Attributes of `ino`: the staging file's while held.
    fn getattr_ino(&self, ino: u64) -> Result<FileAttr, Errno> {
        let held = lock(&self.nodes).get(ino).and_then(|n| n.held.clone());
        if let Some(h) = held {
            return self.held_attr(ino, &h);
        }
        if ino == ROOT {
            let dir = self.dir(ROOT)?;
            let st = rustix::fs::fstat(dir.as_fd()).map_err(errno)?;
            return Ok(attr(ROOT, &st));
        }
        let (dir, name) = self.place(ino)?;
        if name.is_empty() {
            return Err(Errno::ENOENT);
        }
        let st = lower::stat(dir.as_fd(), &name).map_err(errno)?;
        Ok(attr(ino, &st))
    }

    fn entry(&self, parent: u64, name: &OsStr) -> Result<FileAttr, Errno> {
        if is_temp_name(name) {
            return Err(Errno::ENOENT);
        }
        let existing = {
            let nodes = lock(&self.nodes);
            nodes.child(parent, name).and_then(|ino| {
                nodes
                    .get(ino)
                    .and_then(|n| n.held.clone())
                    .map(|h| (ino, h))
            })
        };
        if let Some((ino, held)) = existing {
            let a = self.held_attr(ino, &held)?;
            if let Some(n) = lock(&self.nodes).get_mut(ino) {
                n.lookups += 1;
            }
            return Ok(a);
        }
        let dir = self.dir(parent)?;
        let st = lower::stat(dir.as_fd(), name).map_err(errno)?;
        let kind = lower::kind_of(&st);
        let sub = if kind == FileType::Directory {
            Some(Arc::new(lower::open_dir(dir.as_fd(), name).map_err(errno)?))
        } else {
            None
        };
        let ino = lock(&self.nodes).remember(parent, name, || match (kind, sub) {
            (FileType::Directory, Some(fd)) => Kind::Dir(fd),
            (FileType::RegularFile, _) => Kind::File,
            (FileType::Symlink, _) => Kind::Symlink,
            _ => Kind::Other,
        });
        Ok(attr(ino, &st))
    }

    /// Starts holding `ino` for a writer: its bytes move to a staging
    /// file (copied from the medium unless truncated).
    fn hold(&self, ino: u64, writer: Writer, truncate: bool) -> Result<Arc<Held>, Errno> {
        if let Some(h) = lock(&self.nodes).get(ino).and_then(|n| n.held.clone()) {
            return Ok(h);
        }
        if let Some(h) = lock(&self.pending).remove(&ino) {
            // Encrypt-first: the medium has it sealed; the plaintext is here.
            h.touch();
            h.set_phase(Phase::Open);
            if let Some(n) = lock(&self.nodes).get_mut(ino) {
                n.held = Some(h.clone());
            }
            return Ok(h);
        }
        let (dir, name) = self.place(ino)?;
        let st = lower::stat(dir.as_fd(), &name).map_err(errno)?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let held = Held::create(&self.opts.staging, id, writer, st.st_mode & 0o7777)
            .map_err(|e| io_errno(&e))?;
        held.replaces.store(true, Ordering::Release);
        if !truncate {
            let mut src = lower::open_file(dir.as_fd(), &name, OFlags::RDONLY).map_err(errno)?;
            let mut dst = &held.file;
            io::copy(&mut src, &mut dst).map_err(|e| io_errno(&e))?;
        }
        held.admitted
            .store(held.size().unwrap_or(0), Ordering::Release);
        let held = Arc::new(held);
        let mut nodes = lock(&self.nodes);
        match nodes.get_mut(ino) {
            Some(n) => match &n.held {
                Some(other) => Ok(other.clone()),
                None => {
                    n.held = Some(held.clone());
                    self.counters.held.fetch_add(1, Ordering::Relaxed);
                    Ok(held)
                }
            },
            None => Err(Errno::ENOENT),
        }
    }

    pub(crate) fn submit(&self, ino: u64, held: Arc<Held>, reply: Option<ReplyEmpty>) {
        held.set_phase(Phase::Judging);
        let job = Job { ino, held, reply };
        if let Err(e) = lock(&self.jobs).send(job) {
            // The settlers are gone (unmounting): nothing reaches the
            // medium, and the writer is told.
            if let Some(r) = e.0.reply {
                r.error(Errno::EIO);
            }
        }
    }

    /// Refuses (`EPERM`) a change by a user who may not write to the
    /// medium at all ([`Judge::may_write`]).
    fn may_write(&self, req: &Request) -> Result<(), Errno> {
        match self.judge.may_write(Shared::writer(req)) {
            Ok(()) => Ok(()),
            Err(message) => {
                tracing::debug!(uid = req.uid(), "{message}");
                Err(Errno::EPERM)
            }
        }
    }

    pub fn writer(req: &Request) -> Writer {
        Writer {
            uid: req.uid(),
            gid: req.gid(),
            pid: req.pid(),
        }
    }

    /// The path of `ino` on the medium, for the judge and incidents.
    pub fn path_of(&self, ino: u64) -> PathBuf {
        lock(&self.nodes).path(ino)
    }

    /// Forgets a name the medium no longer has, and tells the kernel.
    pub fn drop_name(&self, ino: u64) {
        let (parent, name) = {
            let mut nodes = lock(&self.nodes);
            let Some(n) = nodes.get(ino) else { return };
            let pn = (n.parent, n.name.clone());
            nodes.detach(ino);
            if let Some(n) = nodes.get_mut(ino) {
                n.name = OsString::new();
                let idle = n.lookups == 0 && n.open == 0;
                if idle {
                    nodes.remove(ino);
                }
            }
            pn
        };
        if let Some(n) = self.notifier.get()
            && !name.is_empty()
        {
            let _ = n.inval_entry(INodeNo(parent), &name);
        }
    }
}

fn unique_seed() -> u64 {
    let t = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (t << 16) ^ u64::from(std::process::id())
}

/// The filesystem handed to fuser.
pub(crate) struct GateFs {
    pub shared: Arc<Shared>,
}

fn ts(t: TimeOrNow) -> Timespec {
    match t {
        TimeOrNow::Now => Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_NOW,
        },
        TimeOrNow::SpecificTime(st) => {
            let d = st
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default();
            Timespec {
                tv_sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                tv_nsec: i64::from(d.subsec_nanos()),
            }
        }
    }
}

const OMIT: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: rustix::fs::UTIME_OMIT,
};

impl Filesystem for GateFs {
    fn init(&mut self, _req: &Request, config: &mut KernelConfig) -> io::Result<()> {
        let _ = config.set_max_write(MAX_WRITE);
        Ok(())
    }

    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        match self.shared.entry(parent.0, name) {
            Ok(a) => reply.entry(&TTL, &a, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn forget(&self, _req: &Request, ino: INodeNo, nlookup: u64) {
        lock(&self.shared.nodes).forget(ino.0, nlookup);
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        match self.shared.getattr_ino(ino.0) {
            Ok(a) => reply.attr(&TTL, &a),
            Err(e) => reply.error(e),
        }
    }

    fn setattr(
        &self,
        req: &Request,
        ino: INodeNo,
        mode: Option<u32>,
        uid: Option<u32>,
        gid: Option<u32>,
        size: Option<u64>,
        atime: Option<TimeOrNow>,
        mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        _fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        let sh = &self.shared;
        let ino = ino.0;
        let held = lock(&sh.nodes).get(ino).and_then(|n| n.held.clone());
        let r = (|| -> Result<(), Errno> {
            sh.may_write(req)?;
            if let Some(held) = &held {
                if let Some(size) = size {
                    if size > held.admitted.load(Ordering::Acquire) {
                        admit(sh, ino, held, Shared::writer(req), size)?;
                    }
                    held.change(|| held.file.set_len(size))
                        .map_err(|e| io_errno(&e))?;
                }
                // Mode, owner and times of a held file apply when it is
                // written out (the staging file is the agent's).
                return Ok(());
            }
            if ino == ROOT {
                return Err(Errno::EPERM);
            }
            let (dir, name) = sh.place(ino)?;
            if let Some(size) = size {
                // Shortening or extending with zeros adds no content.
                let f = lower::open_file(dir.as_fd(), &name, OFlags::WRONLY).map_err(errno)?;
                f.set_len(size).map_err(|e| io_errno(&e))?;
            }
            if let Some(m) = mode {
                rustix::fs::chmodat(
                    dir.as_fd(),
                    &name,
                    RMode::from_raw_mode(m & 0o7777),
                    AtFlags::empty(),
                )
                .map_err(errno)?;
            }
            if uid.is_some() || gid.is_some() {
                rustix::fs::chownat(
                    dir.as_fd(),
                    &name,
                    uid.map(rustix::fs::Uid::from_raw),
                    gid.map(rustix::fs::Gid::from_raw),
                    AtFlags::SYMLINK_NOFOLLOW,
                )
                .map_err(errno)?;
            }
            if atime.is_some() || mtime.is_some() {
                let times = Timestamps {
                    last_access: atime.map(ts).unwrap_or(OMIT),
                    last_modification: mtime.map(ts).unwrap_or(OMIT),
                };
                rustix::fs::utimensat(dir.as_fd(), &name, &times, AtFlags::SYMLINK_NOFOLLOW)
                    .map_err(errno)?;
            }
            Ok(())
        })();
        match r.and_then(|()| sh.getattr_ino(ino)) {
            Ok(a) => reply.attr(&TTL, &a),
            Err(e) => reply.error(e),
        }
    }

    fn readlink(&self, _req: &Request, ino: INodeNo, reply: ReplyData) {
        match self.shared.place(ino.0).and_then(|(dir, name)| {
            rustix::fs::readlinkat(dir.as_fd(), &name, Vec::new()).map_err(errno)
        }) {
            Ok(target) => reply.data(target.as_bytes()),
            Err(e) => reply.error(e),
        }
    }

    fn mkdir(
        &self,
        req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        reply: ReplyEntry,
    ) {
        let sh = &self.shared;
        let r = (|| {
            sh.may_write(req)?;
            if is_temp_name(name) {
                return Err(Errno::EINVAL);
            }
            let dir = sh.dir(parent.0)?;
            rustix::fs::mkdirat(
                dir.as_fd(),
                name,
                RMode::from_raw_mode(mode & !umask & 0o7777),
            )
            .map_err(errno)?;
            give_to_requester(&dir, name, req);
            sh.entry(parent.0, name)
        })();
        match r {
            Ok(a) => reply.entry(&TTL, &a, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn symlink(
        &self,
        req: &Request,
        parent: INodeNo,
        link_name: &OsStr,
        target: &Path,
        reply: ReplyEntry,
    ) {
        let sh = &self.shared;
        let r = (|| {
            sh.may_write(req)?;
            if is_temp_name(link_name) {
                return Err(Errno::EINVAL);
            }
            let dir = sh.dir(parent.0)?;
            rustix::fs::symlinkat(target, dir.as_fd(), link_name).map_err(errno)?;
            give_to_requester(&dir, link_name, req);
            sh.entry(parent.0, link_name)
        })();
        match r {
            Ok(a) => reply.entry(&TTL, &a, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn unlink(&self, req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let sh = &self.shared;
        let r = (|| {
            sh.may_write(req)?;
            if is_temp_name(name) {
                return Err(Errno::ENOENT);
            }
            let child = lock(&sh.nodes).child(parent.0, name);
            let held = child.and_then(|ino| lock(&sh.nodes).get(ino).and_then(|n| n.held.clone()));
            let on_medium = held
                .as_ref()
                .is_none_or(|h| h.replaces.load(Ordering::Acquire));
            if on_medium {
                let dir = sh.dir(parent.0)?;
                rustix::fs::unlinkat(dir.as_fd(), name, AtFlags::empty()).map_err(errno)?;
            }
            if let Some(ino) = child {
                if let Some(h) = held {
                    h.withdraw();
                    if let Some(n) = lock(&sh.nodes).get_mut(ino) {
                        n.held = None;
                    }
                }
                if let Some(h) = lock(&sh.pending).remove(&ino) {
                    h.withdraw();
                }
                let mut nodes = lock(&sh.nodes);
                nodes.detach(ino);
                if let Some(n) = nodes.get_mut(ino) {
                    n.name = OsString::new();
                }
            }
            Ok(())
        })();
        match r {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rmdir(&self, req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let sh = &self.shared;
        let r = (|| {
            sh.may_write(req)?;
            let dir = sh.dir(parent.0)?;
            rustix::fs::unlinkat(dir.as_fd(), name, AtFlags::REMOVEDIR).map_err(errno)?;
            let mut nodes = lock(&sh.nodes);
            if let Some(ino) = nodes.child(parent.0, name) {
                nodes.detach(ino);
            }
            Ok(())
        })();
        match r {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rename(
        &self,
        req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        flags: RenameFlags,
        reply: ReplyEmpty,
    ) {
        let sh = &self.shared;
        let r = (|| {
            sh.may_write(req)?;
            if is_temp_name(name) || is_temp_name(newname) {
                return Err(Errno::EINVAL);
            }
            if flags.contains(RenameFlags::RENAME_EXCHANGE) {
                return Err(Errno::EINVAL);
            }
            let src = lock(&sh.nodes).child(parent.0, name).ok_or(Errno::ENOENT)?;
            let from = sh.dir(parent.0)?;
            let to = sh.dir(newparent.0)?;
            let held = lock(&sh.nodes).get(src).and_then(|n| n.held.clone());
            let src_on_medium = held
                .as_ref()
                .is_none_or(|h| h.replaces.load(Ordering::Acquire));
            let dst = lock(&sh.nodes).child(newparent.0, newname);
            if src_on_medium {
                let rf = if flags.contains(RenameFlags::RENAME_NOREPLACE) {
                    rustix::fs::RenameFlags::NOREPLACE
                } else {
                    rustix::fs::RenameFlags::empty()
                };
                rustix::fs::renameat_with(from.as_fd(), name, to.as_fd(), newname, rf)
                    .map_err(errno)?;
            } else {
                // Only in staging so far: what has the new name on the
                // medium is replaced now, as rename(2) would.
                match lower::stat(to.as_fd(), newname) {
                    Ok(st) => {
                        if flags.contains(RenameFlags::RENAME_NOREPLACE) {
                            return Err(Errno::EEXIST);
                        }
                        if lower::kind_of(&st) == FileType::Directory {
                            return Err(Errno::EISDIR);
                        }
                        rustix::fs::unlinkat(to.as_fd(), newname, AtFlags::empty())
                            .map_err(errno)?;
                    }
                    Err(rustix::io::Errno::NOENT) => {}
                    Err(e) => return Err(errno(e)),
                }
            }
            if let Some(d) = dst
                && d != src
            {
                if let Some(h) = lock(&sh.nodes).get_mut(d).and_then(|n| n.held.take()) {
                    h.withdraw();
                }
                if let Some(h) = lock(&sh.pending).remove(&d) {
                    h.withdraw();
                }
            }
            lock(&sh.nodes).rename(src, newparent.0, newname);
            Ok(())
        })();
        match r {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn link(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _newparent: INodeNo,
        _newname: &OsStr,
        reply: ReplyEntry,
    ) {
        // A second name would let a file skip the gate's hold.
        reply.error(Errno::EPERM);
    }

    fn mknod(
        &self,
        _req: &Request,
        _parent: INodeNo,
        _name: &OsStr,
        _mode: u32,
        _umask: u32,
        _rdev: u32,
        reply: ReplyEntry,
    ) {
        // Regular files come through `create`; devices, FIFOs and sockets
        // have no place on a removable medium.
        reply.error(Errno::EPERM);
    }

    fn open(&self, req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        let sh = &self.shared;
        let ino = ino.0;
        let writing = flags.acc_mode() != OpenAccMode::O_RDONLY;
        let r = (|| {
            if writing {
                sh.may_write(req)?;
                let truncate = flags.0 & rustix::fs::OFlags::TRUNC.bits() as i32 != 0;
                let held = sh.hold(ino, Shared::writer(req), truncate)?;
                if truncate && held.size().unwrap_or(0) > 0 {
                    held.change(|| held.file.set_len(0))
                        .map_err(|e| io_errno(&e))?;
                }
                held.writers.fetch_add(1, Ordering::AcqRel);
                return Ok(Handle::Held { held, write: true });
            }
            if let Some(held) = lock(&sh.nodes).get(ino).and_then(|n| n.held.clone()) {
                return Ok(Handle::Held { held, write: false });
            }
            let (dir, name) = sh.place(ino)?;
            let f = lower::open_file(dir.as_fd(), &name, OFlags::RDONLY).map_err(errno)?;
            sh.judge
                .opened_for_read(Shared::writer(req), &sh.path_of(ino), &f);
            Ok(Handle::Lower(f))
        })();
        match r {
            Ok(h) => {
                if let Some(n) = lock(&sh.nodes).get_mut(ino) {
                    n.open += 1;
                }
                let fh = sh.new_fh(h);
                reply.opened(FileHandle(fh), FopenFlags::empty());
            }
            Err(e) => reply.error(e),
        }
    }

    fn create(
        &self,
        req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        flags: i32,
        reply: ReplyCreate,
    ) {
        let sh = &self.shared;
        let r = (|| {
            sh.may_write(req)?;
            if is_temp_name(name) {
                return Err(Errno::EINVAL);
            }
            let dir = sh.dir(parent.0)?;
            let replaces = match lower::stat(dir.as_fd(), name) {
                Ok(_) if flags & OFlags::EXCL.bits() as i32 != 0 => return Err(Errno::EEXIST),
                Ok(st) if lower::kind_of(&st) == FileType::Directory => return Err(Errno::EISDIR),
                Ok(_) => true,
                Err(rustix::io::Errno::NOENT) => false,
                Err(e) => return Err(errno(e)),
            };
            let ino = {
                let mut nodes = lock(&sh.nodes);
                match nodes.child(parent.0, name) {
                    Some(ino) => {
                        if let Some(n) = nodes.get_mut(ino) {
                            n.lookups += 1;
                        }
                        ino
                    }
                    None => nodes.remember(parent.0, name, || Kind::File),
                }
            };
            let held = if replaces {
                let truncate = flags & OFlags::TRUNC.bits() as i32 != 0;
                sh.hold(ino, Shared::writer(req), truncate)?
            } else {
                let id = sh.next_id.fetch_add(1, Ordering::Relaxed);
                let held = Arc::new(
                    Held::create(
                        &sh.opts.staging,
                        id,
                        Shared::writer(req),
                        mode & !umask & 0o7777,
                    )
                    .map_err(|e| io_errno(&e))?,
                );
                let mut nodes = lock(&sh.nodes);
                let n = nodes.get_mut(ino).ok_or(Errno::ENOENT)?;
                if let Some(old) = n.held.replace(held.clone()) {
                    old.withdraw();
                }
                sh.counters.held.fetch_add(1, Ordering::Relaxed);
                held
            };
            held.writers.fetch_add(1, Ordering::AcqRel);
            let a = sh.held_attr(ino, &held)?;
            if let Some(n) = lock(&sh.nodes).get_mut(ino) {
                n.open += 1;
            }
            let fh = sh.new_fh(Handle::Held { held, write: true });
            Ok((a, fh))
        })();
        match r {
            Ok((a, fh)) => {
                reply.created(&TTL, &a, Generation(0), FileHandle(fh), FopenFlags::empty())
            }
            Err(e) => reply.error(e),
        }
    }

    fn read(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        let file = {
            let handles = lock(&self.shared.handles);
            match handles.get(&fh.0) {
                Some(Handle::Lower(f)) => f.try_clone().map_err(|e| io_errno(&e)),
                Some(Handle::Held { held, .. }) => held.file.try_clone().map_err(|e| io_errno(&e)),
                _ => Err(Errno::EBADF),
            }
        };
        let r = file.and_then(|f| {
            let mut buf = vec![0u8; size as usize];
            let mut done = 0;
            while done < buf.len() {
                match f.read_at(&mut buf[done..], offset + done as u64) {
                    Ok(0) => break,
                    Ok(n) => done += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(io_errno(&e)),
                }
            }
            buf.truncate(done);
            Ok(buf)
        });
        match r {
            Ok(b) => reply.data(&b),
            Err(e) => reply.error(e),
        }
    }

    fn write(
        &self,
        req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: WriteFlags,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyWrite,
    ) {
        let sh = &self.shared;
        let held = match lock(&sh.handles).get(&fh.0) {
            Some(Handle::Held { held, write: true }) => Some(held.clone()),
            _ => None,
        };
        let Some(held) = held else {
            reply.error(Errno::EBADF);
            return;
        };
        let r = (|| {
            if held.phase() == Phase::Withdrawn {
                // Unlinked while open: the bytes go nowhere, as on any
                // filesystem, and nothing reaches the medium.
                return Ok(data.len());
            }
            let end = offset.saturating_add(data.len() as u64);
            if end > held.admitted.load(Ordering::Acquire) {
                admit(sh, ino.0, &held, Shared::writer(req), end)?;
            }
            held.change(|| held.file.write_all_at(data, offset))
                .map_err(|e| io_errno(&e))?;
            // After the bytes, not before: a settler that let the file go
            // (under the node lock, having found its generation unchanged)
            // did so before this change began, so it is held again here
            // and its writer's close settles it; one that had not yet
            // looked sees the change and judges again.
            reattach(sh, ino.0, &held);
            Ok(data.len())
        })();
        match r {
            Ok(n) => reply.written(u32::try_from(n).unwrap_or(u32::MAX)),
            Err(e) => reply.error(e),
        }
    }

    fn flush(
        &self,
        _req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        _lock_owner: LockOwner,
        reply: ReplyEmpty,
    ) {
        let sh = &self.shared;
        let held = match lock(&sh.handles).get(&fh.0) {
            Some(Handle::Held { held, write: true }) => Some(held.clone()),
            _ => None,
        };
        match held {
            Some(h)
                if h.phase() == Phase::Open
                    && is_attached(sh, ino.0, &h)
                    && h.writers.load(Ordering::Acquire) <= 1 =>
            {
                sh.submit(ino.0, h, Some(reply));
            }
            _ => reply.ok(),
        }
    }

    fn release(
        &self,
        _req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        let sh = &self.shared;
        let h = lock(&sh.handles).remove(&fh.0);
        if let Some(Handle::Held { held, write: true }) = &h {
            let left = held
                .writers
                .fetch_sub(1, Ordering::AcqRel)
                .saturating_sub(1);
            if left == 0 && held.phase() == Phase::Open && is_attached(sh, ino.0, held) {
                // Closed without a flush that decided it (the last of
                // several writers went away): decide now.
                sh.submit(ino.0, held.clone(), None);
            }
        }
        let mut nodes = lock(&sh.nodes);
        let idle = match nodes.get_mut(ino.0) {
            Some(n) => {
                n.open = n.open.saturating_sub(1);
                n.open == 0 && n.lookups == 0 && n.held.is_none()
            }
            None => false,
        };
        if idle {
            nodes.remove(ino.0);
        }
        drop(nodes);
        reply.ok();
    }

    fn fsync(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        // A held file reaches the medium when it is settled, not before;
        // a file read from the medium has nothing to sync.
        let r = match lock(&self.shared.handles).get(&fh.0) {
            Some(Handle::Held { held, .. }) => held.file.sync_data().map_err(|e| io_errno(&e)),
            _ => Ok(()),
        };
        match r {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn opendir(&self, _req: &Request, ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        let sh = &self.shared;
        let r = (|| {
            let dir = sh.dir(ino.0)?;
            let fd = lower::readable_dir(dir.as_fd()).map_err(errno)?;
            let mut entries = Vec::new();
            let mut seen = std::collections::HashSet::new();
            let mut rd = rustix::fs::Dir::read_from(fd.as_fd()).map_err(errno)?;
            while let Some(ent) = rd.read() {
                let ent = ent.map_err(errno)?;
                let name = OsStr::from_bytes_compat(ent.file_name().to_bytes());
                if is_temp_name(&name) {
                    continue;
                }
                let kind = match ent.file_type() {
                    rustix::fs::FileType::Directory => FileType::Directory,
                    rustix::fs::FileType::Symlink => FileType::Symlink,
                    _ => FileType::RegularFile,
                };
                seen.insert(name.clone());
                entries.push((ent.ino(), kind, name));
            }
            for (hino, name) in lock(&sh.nodes).held_in(ino.0) {
                if !seen.contains(&name) {
                    entries.push((hino, FileType::RegularFile, name));
                }
            }
            Ok(entries)
        })();
        match r {
            Ok(entries) => {
                let fh = sh.new_fh(Handle::Dir(entries));
                reply.opened(FileHandle(fh), FopenFlags::empty());
            }
            Err(e) => reply.error(e),
        }
    }

    fn readdir(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        let handles = lock(&self.shared.handles);
        let Some(Handle::Dir(entries)) = handles.get(&fh.0) else {
            drop(handles);
            reply.error(Errno::EBADF);
            return;
        };
        for (i, (ino, kind, name)) in entries.iter().enumerate().skip(offset as usize) {
            if reply.add(INodeNo((*ino).max(1)), (i + 1) as u64, *kind, name) {
                break;
            }
        }
        drop(handles);
        reply.ok();
    }

    fn releasedir(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        reply: ReplyEmpty,
    ) {
        lock(&self.shared.handles).remove(&fh.0);
        reply.ok();
    }

    fn statfs(&self, _req: &Request, _ino: INodeNo, reply: ReplyStatfs) {
        let r = self
            .shared
            .dir(ROOT)
            .and_then(|d| rustix::fs::fstatvfs(d.as_fd()).map_err(errno));
        match r {
            Ok(s) => reply.statfs(
                s.f_blocks,
                s.f_bfree,
                s.f_bavail,
                s.f_files,
                s.f_ffree,
                u32::try_from(s.f_bsize).unwrap_or(4096),
                u32::try_from(s.f_namemax).unwrap_or(255),
                u32::try_from(s.f_frsize).unwrap_or(4096),
            ),
            Err(e) => reply.error(e),
        }
    }
}

/// `OsStr` from raw name bytes (Unix names are bytes).
trait FromBytesCompat {
    fn from_bytes_compat(b: &[u8]) -> OsString;
}

impl FromBytesCompat for OsStr {
    fn from_bytes_compat(b: &[u8]) -> OsString {
        use std::os::unix::ffi::OsStrExt;
        OsStr::from_bytes(b).to_os_string()
    }
}

/// A name the gate made on the medium (as root) belongs to whoever asked;
/// media without owners (FAT) refuse, which is fine.
fn give_to_requester(dir: &OwnedFd, name: &OsStr, req: &Request) {
    let _ = rustix::fs::chownat(
        dir.as_fd(),
        name,
        Some(rustix::fs::Uid::from_raw(req.uid())),
        Some(rustix::fs::Gid::from_raw(req.gid())),
        AtFlags::SYMLINK_NOFOLLOW,
    );
}

/// Whether `held` is still the file that `ino` names.
pub(crate) fn is_attached(sh: &Shared, ino: u64, held: &Arc<Held>) -> bool {
    lock(&sh.nodes)
        .get(ino)
        .and_then(|n| n.held.as_ref())
        .is_some_and(|h| Arc::ptr_eq(h, held))
}

/// A write through a handle whose file was already settled holds it again
/// (its staging file still has all of it).
fn reattach(sh: &Shared, ino: u64, held: &Arc<Held>) {
    if held.phase() != Phase::Open || !is_attached(sh, ino, held) {
        let mut nodes = lock(&sh.nodes);
        if let Some(n) = nodes.get_mut(ino)
            && n.held.is_none()
            && !n.name.is_empty()
        {
            held.replaces.store(true, Ordering::Release);
            n.held = Some(held.clone());
            held.set_phase(Phase::Open);
        }
    }
}

fn admit(sh: &Shared, ino: u64, held: &Held, writer: Writer, end: u64) -> Result<(), Errno> {
    let before = held.admitted.load(Ordering::Acquire);
    let more = end.saturating_sub(before);
    match sh.judge.admit(writer, &sh.path_of(ino), more) {
        Admit::Yes => {
            held.admitted.fetch_max(end, Ordering::AcqRel);
            Ok(())
        }
        Admit::OverQuota { .. } => {
            sh.counters.over_quota.fetch_add(1, Ordering::Relaxed);
            Err(Errno::from_i32(rustix::io::Errno::DQUOT.raw_os_error()))
        }
        Admit::Denied { .. } => Err(Errno::from_i32(rustix::io::Errno::PERM.raw_os_error())),
    }
}
