//! Operations on the real filesystem underneath, always relative to a
//! directory descriptor and one name (never a path that could be resolved
//! through a link), and the mapping of their results onto FUSE.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fuser::{Errno, FileAttr, FileType, INodeNo};
use rustix::fs::{AtFlags, FileType as RFileType, Mode, OFlags, Stat};

pub fn errno(e: rustix::io::Errno) -> Errno {
    Errno::from_i32(e.raw_os_error())
}

pub fn io_errno(e: &io::Error) -> Errno {
    Errno::from_i32(
        e.raw_os_error()
            .unwrap_or(rustix::io::Errno::IO.raw_os_error()),
    )
}

pub fn stat(dir: impl AsFd, name: &OsStr) -> rustix::io::Result<Stat> {
    rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)
}

/// An `O_PATH` descriptor of the directory `name` in `dir` (not a link).
pub fn open_dir(dir: impl AsFd, name: &OsStr) -> rustix::io::Result<OwnedFd> {
    rustix::fs::openat(
        dir,
        name,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

/// Opens the regular file `name` in `dir` (never through a link).
pub fn open_file(dir: impl AsFd, name: &OsStr, flags: OFlags) -> rustix::io::Result<File> {
    let fd = rustix::fs::openat(
        dir,
        name,
        flags | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::from_raw_mode(0o600),
    )?;
    Ok(File::from(fd))
}

/// A directory descriptor that can be read (an `O_PATH` one cannot).
pub fn readable_dir(dir: impl AsFd) -> rustix::io::Result<OwnedFd> {
    rustix::fs::openat(
        dir,
        ".",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

pub fn kind_of(st: &Stat) -> FileType {
    match RFileType::from_raw_mode(st.st_mode) {
        RFileType::Directory => FileType::Directory,
        RFileType::Symlink => FileType::Symlink,
        RFileType::Fifo => FileType::NamedPipe,
        RFileType::CharacterDevice => FileType::CharDevice,
        RFileType::BlockDevice => FileType::BlockDevice,
        RFileType::Socket => FileType::Socket,
        _ => FileType::RegularFile,
    }
}

fn time(secs: i64, nsecs: u64) -> SystemTime {
    let nanos = u32::try_from(nsecs.min(999_999_999)).unwrap_or(0);
    if secs >= 0 {
        UNIX_EPOCH + Duration::new(secs.unsigned_abs(), nanos)
    } else {
        UNIX_EPOCH
            .checked_sub(Duration::new(secs.unsigned_abs(), 0))
            .unwrap_or(UNIX_EPOCH)
    }
}

/// The I/O size the gate suggests (`st_blksize`): the kernel's largest
/// FUSE write.
pub const PREFERRED_IO: u32 = 1 << 20;

/// FUSE attributes of a stat, under inode number `ino`.
pub fn attr(ino: u64, st: &Stat) -> FileAttr {
    FileAttr {
        ino: INodeNo(ino),
        size: u64::try_from(st.st_size).unwrap_or(0),
        blocks: u64::try_from(st.st_blocks).unwrap_or(0),
        atime: time(st.st_atime, st.st_atime_nsec),
        mtime: time(st.st_mtime, st.st_mtime_nsec),
        ctime: time(st.st_ctime, st.st_ctime_nsec),
        crtime: time(st.st_mtime, st.st_mtime_nsec),
        kind: kind_of(st),
        perm: (st.st_mode & 0o7777) as u16,
        nlink: u32::try_from(st.st_nlink).unwrap_or(u32::MAX),
        uid: st.st_uid,
        gid: st.st_gid,
        rdev: u32::try_from(st.st_rdev).unwrap_or(0),
        // Programs size their buffers by it (cp: max(128 KiB, blksize)):
        // fewer, larger writes cross the FUSE boundary.
        blksize: PREFERRED_IO,
        flags: 0,
    }
}
