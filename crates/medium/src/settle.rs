//! Settling a closed file: judge it, then write it out to the medium in
//! clear or sealed, or drop it. A file reaches its name on the medium only
//! by a rename of a complete temporary file, so a reader (or a
//! stick pulled out) sees the old file, nothing, or the settled one —
//! never a partial one, never plaintext of a file that is to be sealed.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

use fuser::{Errno, INodeNo};
use rustix::fs::{AtFlags, OFlags};

use crate::gate::{Job, Shared, lock};
use crate::held::{Held, Phase};
use crate::judge::{Mode, Outcome, Seal, Settled, Written, temp_name};
use crate::lower;
use crate::pending;

/// How many times a file that changes while it is judged is judged again
/// before it is treated as one that could not be inspected.
const ATTEMPTS: u32 = 3;

const KEPT_CHANGING: &str = "the file kept changing while it was inspected";

pub(crate) fn run(shared: Arc<Shared>, jobs: Arc<Mutex<Receiver<Job>>>) {
    loop {
        let job = match lock(&jobs).recv() {
            Ok(j) => j,
            Err(_) => return,
        };
        settle(&shared, job);
    }
}

fn settle(sh: &Shared, job: Job) {
    let Job { ino, held, reply } = job;
    match sh.opts.mode.clone() {
        Mode::Hold => {
            let (what, answer) = hold(sh, ino, &held);
            if let Some(r) = reply {
                match answer {
                    Ok(()) => r.ok(),
                    Err(e) => r.error(e),
                }
            }
            if matches!(what, Some(Settled::Blocked { .. } | Settled::Failed { .. }))
                && !held.replaces.load(Ordering::Acquire)
            {
                sh.drop_name(ino);
            }
        }
        Mode::EncryptFirst(first) => encrypt_first(sh, ino, &held, first, reply),
    }
}

fn written<'a>(path: &'a std::path::Path, held: &'a Held, size: u64) -> Written<'a> {
    Written {
        path,
        staged: &held.staged,
        size,
        writer: held.writer,
        replaces: held.replaces.load(Ordering::Acquire),
    }
}

/// Judges until a decision holds for the bytes it was made on. Returns
/// the decision and the generation of those bytes, which
/// [`write_out`] checks again before anything reaches its name.
fn judge(sh: &Shared, ino: u64, held: &Held) -> Option<(Outcome, u64)> {
    for attempt in 0..ATTEMPTS {
        let Some(generation) = held.stable_generation() else {
            // Another handle is writing this moment: give it a moment.
            std::thread::sleep(std::time::Duration::from_millis(5 << attempt));
            continue;
        };
        let size = held.size().unwrap_or(0);
        let path = sh.path_of(ino);
        let outcome = sh.judge.judge(&written(&path, held, size));
        if held.generation() == generation {
            return Some((outcome, generation));
        }
    }
    None
}

fn report(sh: &Shared, ino: u64, held: &Held, what: &Settled) {
    let path = sh.path_of(ino);
    let size = held.size().unwrap_or(0);
    sh.judge.settled(&written(&path, held, size), what);
    let c = &sh.counters;
    match what {
        Settled::Released | Settled::ReleasedAfterInspection => {
            c.released.fetch_add(1, Ordering::Relaxed)
        }
        Settled::Sealed => c.sealed.fetch_add(1, Ordering::Relaxed),
        Settled::Blocked { .. } => c.blocked.fetch_add(1, Ordering::Relaxed),
        Settled::Failed { .. } => c.failed.fetch_add(1, Ordering::Relaxed),
        Settled::SealedFirst | Settled::Withdrawn => 0,
    };
}

/// Hold mode: nothing is on the medium until the decision is applied.
fn hold(sh: &Shared, ino: u64, held: &Arc<Held>) -> (Option<Settled>, Result<(), Errno>) {
    // A change between the decision and the write-out (another handle
    // still writing) is judged again, as one during judging is.
    let mut attempts = 0;
    let (what, answer) = loop {
        attempts += 1;
        let (outcome, generation) = judge(sh, ino, held).unwrap_or_else(|| {
            let message = KEPT_CHANGING.into();
            (Outcome::Block { message }, 0)
        });
        if held.phase() == Phase::Withdrawn {
            report(sh, ino, held, &Settled::Withdrawn);
            return (Some(Settled::Withdrawn), Ok(()));
        }
        let (seal, done) = match outcome {
            Outcome::Release => (None, Settled::Released),
            Outcome::Seal(s) => (Some(s), Settled::Sealed),
            Outcome::Block { message } => {
                detach(sh, ino, held);
                break (Settled::Blocked { message }, Err(Errno::EPERM));
            }
        };
        match write_out(sh, ino, held, seal.as_deref(), Some(generation)) {
            Ok(Wrote::Done) => break (done, Ok(())),
            Ok(Wrote::Gone) => break (Settled::Withdrawn, Ok(())),
            Ok(Wrote::Changed) if attempts < ATTEMPTS => {}
            Ok(Wrote::Changed) => {
                detach(sh, ino, held);
                let message = KEPT_CHANGING.into();
                break (Settled::Blocked { message }, Err(Errno::EPERM));
            }
            Err(e) => break failed(e),
        }
    };
    // A file written out was let go with the rename; the others are
    // let go here (a blocked one already was).
    if !matches!(
        what,
        Settled::Blocked { .. } | Settled::Released | Settled::Sealed
    ) {
        detach(sh, ino, held);
    }
    report(sh, ino, held, &what);
    (Some(what), answer)
}

fn failed(e: io::Error) -> (Settled, Result<(), Errno>) {
    let errno = lower::io_errno(&e);
    (
        Settled::Failed {
            error: e.to_string(),
        },
        Err(errno),
    )
}

/// Encrypt-first: sealed onto the medium at close, released in clear once
/// judged benign; whatever goes wrong, it stays sealed.
fn encrypt_first(
    sh: &Shared,
    ino: u64,
    held: &Arc<Held>,
    first: Arc<dyn Seal>,
    reply: Option<fuser::ReplyEmpty>,
) {
    let generation = held.generation();
    match write_out(sh, ino, held, Some(&*first), None) {
        Ok(Wrote::Done | Wrote::Changed) => {}
        Ok(Wrote::Gone) => {
            report(sh, ino, held, &Settled::Withdrawn);
            if let Some(r) = reply {
                r.ok();
            }
            return;
        }
        Err(e) => {
            let (what, answer) = failed(e);
            detach(sh, ino, held);
            report(sh, ino, held, &what);
            if let Some(r) = reply {
                r.error(answer.err().unwrap_or(Errno::EIO));
            }
            return;
        }
    }
    // The medium has it sealed; the plaintext stays in staging (and its
    // record in the journal) until it is decided.
    let record = pending::record(sh, ino, held);
    lock(&sh.pending).insert(ino, held.clone());
    report(sh, ino, held, &Settled::SealedFirst);
    if let Some(r) = reply {
        r.ok();
    }
    let (outcome, judged) = match judge(sh, ino, held) {
        Some((o, g)) => (Some(o), g),
        None => (None, generation.wrapping_add(1)),
    };
    let still_ours = {
        let mut pending = lock(&sh.pending);
        let ours = pending.get(&ino).is_some_and(|h| Arc::ptr_eq(h, held))
            && judged == generation
            && held.phase() != Phase::Withdrawn;
        if ours {
            pending.remove(&ino);
        }
        ours
    };
    if !still_ours {
        // Reopened, removed or renamed over: a newer settle (or none)
        // decides; the medium keeps the sealed copy meanwhile.
        pending::forget(record);
        if held.phase() != Phase::Withdrawn && again(sh, ino, held) {
            // Changed through a handle that was open all along: no close
            // of it will settle the file, so it is settled again now.
            sh.submit(ino, held.clone(), None);
        }
        return;
    }
    let what = match outcome {
        Some(Outcome::Release) => match write_out(sh, ino, held, None, Some(judged)) {
            Ok(Wrote::Done) => Settled::ReleasedAfterInspection,
            Ok(Wrote::Gone) => Settled::Withdrawn,
            Ok(Wrote::Changed) => {
                // Written to after it was judged: the plaintext is never
                // released unjudged. It is settled again from the start
                // (sealed as it is now, then judged).
                pending::forget(record);
                if crate::gate::is_attached(sh, ino, held) {
                    sh.submit(ino, held.clone(), None);
                }
                return;
            }
            Err(e) => Settled::Failed {
                error: format!("{e}; the file stays encrypted"),
            },
        },
        Some(Outcome::Seal(s)) if !Arc::ptr_eq(&s, &first) => {
            match write_out(sh, ino, held, Some(&*s), None) {
                Ok(Wrote::Done | Wrote::Changed) => Settled::Sealed,
                Ok(Wrote::Gone) => Settled::Withdrawn,
                Err(e) => Settled::Failed {
                    error: format!("{e}; the file stays encrypted for the first key"),
                },
            }
        }
        Some(Outcome::Seal(_)) => Settled::Sealed,
        Some(Outcome::Block { message }) => {
            let gone = sh.place_of(ino).and_then(|(dir, name)| {
                rustix::fs::unlinkat(dir.as_fd(), &name, AtFlags::empty()).map_err(io::Error::from)
            });
            match gone {
                Ok(()) => {
                    detach(sh, ino, held);
                    sh.drop_name(ino);
                    Settled::Blocked { message }
                }
                Err(e) => Settled::Failed {
                    error: format!("blocked, but the encrypted copy could not be removed: {e}"),
                },
            }
        }
        None => Settled::Sealed,
    };
    // Released: let go with the rename. Sealed: the medium has the bytes
    // judged; a change since then is settled again.
    let changed = match what {
        Settled::ReleasedAfterInspection => false,
        Settled::Sealed => !let_go_unchanged(sh, ino, held, judged),
        _ => {
            set_settled(sh, ino, held);
            false
        }
    };
    report(sh, ino, held, &what);
    pending::forget(record);
    if changed && crate::gate::is_attached(sh, ino, held) {
        sh.submit(ino, held.clone(), None);
    }
}

/// Takes an encrypt-first file that changed while it was settled out of
/// the pending files, if it is still there and still its name's file;
/// then it is to be settled again.
fn again(sh: &Shared, ino: u64, held: &Arc<Held>) -> bool {
    let mut pending = lock(&sh.pending);
    let ours = pending.get(&ino).is_some_and(|h| Arc::ptr_eq(h, held))
        && crate::gate::is_attached(sh, ino, held);
    if ours {
        pending.remove(&ino);
    }
    ours
}

fn set_settled(sh: &Shared, ino: u64, held: &Arc<Held>) {
    let_go(&mut lock(&sh.nodes), ino, held);
}

/// `ino` no longer names a held file: lookups and reads go to the medium.
fn let_go(nodes: &mut crate::nodes::Nodes, ino: u64, held: &Arc<Held>) {
    held.set_phase(Phase::Open);
    if let Some(n) = nodes.get_mut(ino)
        && n.held.as_ref().is_some_and(|h| Arc::ptr_eq(h, held))
    {
        n.held = None;
    }
}

/// Lets the file go if it has not changed since `judged` (checked under
/// the node lock, see [`write_out`]); `false` if it has, and it is to be
/// settled again.
fn let_go_unchanged(sh: &Shared, ino: u64, held: &Arc<Held>, judged: u64) -> bool {
    let mut nodes = lock(&sh.nodes);
    if held.generation() != judged {
        return false;
    }
    let_go(&mut nodes, ino, held);
    true
}

/// The file is no longer held (blocked or failed): its name shows what
/// the medium has, if anything.
fn detach(sh: &Shared, ino: u64, held: &Arc<Held>) {
    set_settled(sh, ino, held);
}

impl Shared {
    pub(crate) fn place_of(&self, ino: u64) -> io::Result<(Arc<std::os::fd::OwnedFd>, OsString)> {
        let nodes = lock(&self.nodes);
        let node = nodes
            .get(ino)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        let dir = nodes
            .dir(node.parent)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        if node.name.is_empty() {
            return Err(io::Error::from(io::ErrorKind::NotFound));
        }
        Ok((dir, node.name.clone()))
    }
}

/// What [`write_out`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wrote {
    /// The name on the medium has the file.
    Done,
    /// The file was removed meanwhile: nothing was written.
    Gone,
    /// The file changed after the decision it was to apply: nothing was
    /// written.
    Changed,
}

/// Writes the held file to its name on the medium (through `seal` if
/// given): a temporary file, then renamed over the name — unless the file
/// changed since `judged` (the generation its decision was made on), which
/// is checked under the node table's lock, after the copy.
fn write_out(
    sh: &Shared,
    ino: u64,
    held: &Arc<Held>,
    seal: Option<&dyn Seal>,
    judged: Option<u64>,
) -> io::Result<Wrote> {
    let (dir, _) = match sh.place_of(ino) {
        Ok(p) => p,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Wrote::Gone),
        Err(e) => return Err(e),
    };
    let tmp = write_temp(
        &dir,
        sh.next_id.fetch_add(1, Ordering::Relaxed),
        &held.file,
        seal,
        held.writer,
        held.mode,
    )?;
    // The name is read and the rename made under the table's lock, so a
    // concurrent rename by the user cannot be undone by this one; a file
    // written out for its decision is let go under the same lock, so a
    // change after the check finds it let go and holds it again.
    let mut nodes = lock(&sh.nodes);
    let current = nodes.get(ino).map(|n| (n.parent, n.name.clone()));
    let target = current.and_then(|(p, name)| nodes.dir(p).map(|d| (d, name)));
    let r = match target {
        Some(_) if judged.is_some_and(|g| held.generation() != g) => Ok(Wrote::Changed),
        Some((tdir, name)) if !name.is_empty() && held.phase() != Phase::Withdrawn => {
            rustix::fs::renameat(dir.as_fd(), &tmp, tdir.as_fd(), &name)
                .map(|()| Wrote::Done)
                .map_err(io::Error::from)
        }
        _ => Ok(Wrote::Gone),
    };
    if judged.is_some() && matches!(r, Ok(Wrote::Done)) {
        let_go(&mut nodes, ino, held);
    }
    drop(nodes);
    match r {
        Ok(Wrote::Done) => {
            if let Some(n) = sh.notifier.get() {
                let _ = n.inval_inode(INodeNo(ino), 0, 0);
            }
            held.replaces.store(true, Ordering::Release);
            Ok(Wrote::Done)
        }
        Ok(other) => {
            let _ = rustix::fs::unlinkat(dir.as_fd(), &tmp, AtFlags::empty());
            Ok(other)
        }
        Err(e) => {
            let _ = rustix::fs::unlinkat(dir.as_fd(), &tmp, AtFlags::empty());
            Err(e)
        }
    }
}

/// Writes `src` (from its start) to a new temporary file in `dir`, through
/// `seal` if given, with the writer's owner and mode. Returns its
/// name; on error nothing is left.
pub(crate) fn write_temp(
    dir: &std::os::fd::OwnedFd,
    id: u64,
    src: &File,
    seal: Option<&dyn Seal>,
    writer: crate::judge::Writer,
    mode: u32,
) -> io::Result<OsString> {
    let tmp = temp_name(id);
    let out = lower::open_file(
        dir.as_fd(),
        &tmp,
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL,
    )
    .map_err(io::Error::from)?;
    let r = (|| -> io::Result<()> {
        let mut src = src.try_clone()?;
        src.seek(SeekFrom::Start(0))?;
        match seal {
            None => {
                let mut dst: &File = &out;
                io::copy(&mut src, &mut dst)?;
            }
            Some(s) => {
                let mut w = BufWriter::with_capacity(1 << 20, &out);
                s.seal(&mut src, &mut w)?;
                w.flush()?;
            }
        }
        // Owner and mode as the writer asked; media without owners (FAT)
        // refuse, which is fine.
        let _ = rustix::fs::fchown(
            out.as_fd(),
            Some(rustix::fs::Uid::from_raw(writer.uid)),
            Some(rustix::fs::Gid::from_raw(writer.gid)),
        );
        let _ = rustix::fs::fchmod(out.as_fd(), rustix::fs::Mode::from_raw_mode(mode & 0o7777));
        // Not synced: durability is the medium's (a user's eject syncs),
        // as for any copy; what the rename guarantees is that the name
        // never shows plaintext of a file to be sealed, nor a partial file
        // while the system runs. But its write-back starts now, as vfat's
        // `flush` option does for removable media: left to the kernel's
        // timers (30 s, or a tenth of memory dirty) the stick would idle
        // while the gate inspects the next files and only be written at
        // the user's sync or eject. On Linux `POSIX_FADV_DONTNEED` starts
        // write-back of the dirty pages without waiting for it (and drops
        // the clean ones, which the agent will not read again).
        let _ = rustix::fs::fadvise(out.as_fd(), 0, None, rustix::fs::Advice::DontNeed);
        Ok(())
    })();
    match r {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = rustix::fs::unlinkat(dir.as_fd(), &tmp, AtFlags::empty());
            Err(e)
        }
    }
}
