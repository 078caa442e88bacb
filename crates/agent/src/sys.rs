//! Every system call that changes the machine, in one place: remounting
//! a mount read-only or back, detaching it, and writing a USB device's
//! `authorized` attribute. The rest of the agent is plain reading and
//! deciding, testable without root.

use std::path::Path;

use rustix::mount::{MountFlags, UnmountFlags};

/// The per-mount flags of a mount's options, which a bind remount must
/// repeat (it replaces them all).
fn kept_flags(options: &[String]) -> MountFlags {
    let mut f = MountFlags::empty();
    for o in options {
        f |= match o.as_str() {
            "nosuid" => MountFlags::NOSUID,
            "nodev" => MountFlags::NODEV,
            "noexec" => MountFlags::NOEXEC,
            "noatime" => MountFlags::NOATIME,
            "nodiratime" => MountFlags::NODIRATIME,
            "relatime" => MountFlags::RELATIME,
            _ => MountFlags::empty(),
        };
    }
    f
}

/// Makes one mount read-only (`MS_REMOUNT|MS_BIND|MS_RDONLY`): this
/// mount point only, the superblock untouched, so undoing it restores the
/// owner's choice exactly. Fails with `EBUSY` while a file is open for
/// writing on it.
pub fn remount_read_only(mount_point: &Path, options: &[String]) -> std::io::Result<()> {
    rustix::mount::mount_remount(
        mount_point,
        MountFlags::BIND | MountFlags::RDONLY | kept_flags(options),
        "",
    )
    .map_err(Into::into)
}

/// Makes a mount the agent made read-only writable again.
pub fn remount_read_write(mount_point: &Path, options: &[String]) -> std::io::Result<()> {
    let opts: Vec<String> = options.iter().filter(|o| *o != "ro").cloned().collect();
    rustix::mount::mount_remount(mount_point, MountFlags::BIND | kept_flags(&opts), "")
        .map_err(Into::into)
}

/// Detaches a mount (`MNT_DETACH`): gone from the namespace at once,
/// even while files are open on it.
pub fn detach(mount_point: &Path) -> std::io::Result<()> {
    rustix::mount::unmount(mount_point, UnmountFlags::DETACH).map_err(Into::into)
}

/// Writes `0` (deauthorize) or `1` to a USB device's `authorized`.
pub fn set_authorized(usb_dir: &Path, authorized: bool) -> std::io::Result<()> {
    std::fs::write(
        usb_dir.join("authorized"),
        if authorized { "1\n" } else { "0\n" },
    )
}
