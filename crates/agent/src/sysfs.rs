//! Block devices as sysfs describes them, read under a configurable root
//! (`/sys` on a real system; a fixture tree in tests).
//!
//! A mount names its device by `major:minor`; `<root>/dev/block/M:m` links
//! to the device's directory under `devices/`. Walking up from there finds
//! the whole disk (a partition has a `partition` file), its SCSI
//! attributes (`device/vendor`, `device/model`, `device/rev`) and, for a
//! USB stick, the USB device (the ancestor with `idVendor`), whose
//! `authorized` file the agent writes to deauthorize it.
//!
//! Attributes come from the kernel or, in a hostile setup, from whoever
//! can fake them: every value is read with a size cap, cut to printable
//! ASCII and bounded, and nothing here panics on what it reads.

use std::path::{Path, PathBuf};

/// Longest attribute value kept, in characters.
const MAX_ATTR: usize = 128;
/// Most bytes read from one attribute file.
const MAX_READ: u64 = 4096;
/// Most ancestors walked up from a block device.
const MAX_DEPTH: usize = 32;

/// The USB device a disk hangs off.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UsbDevice {
    /// `idVendor`, 4 hex digits, lower case.
    pub vendor_id: String,
    /// `idProduct`.
    pub product_id: String,
    pub serial: Option<String>,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
    /// Its directory (for `authorized`).
    pub dir: PathBuf,
}

/// A block device (disk or partition).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlockDevice {
    /// Kernel name, e.g. `sdb1`.
    pub name: String,
    pub major: u32,
    pub minor: u32,
    /// The whole disk's name (itself when not a partition).
    pub disk: String,
    pub removable: bool,
    /// SCSI inquiry data of the disk.
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub rev: Option<String>,
    pub usb: Option<UsbDevice>,
    /// `USB`, `SCSI`, `IDE` or none known.
    pub bus: Option<String>,
}

/// Reads an attribute: capped, printable ASCII, trimmed, bounded; `None`
/// when absent or empty.
pub fn attr(dir: &Path, name: &str) -> Option<String> {
    use std::io::Read as _;
    let f = std::fs::File::open(dir.join(name)).ok()?;
    let mut buf = Vec::new();
    f.take(MAX_READ).read_to_end(&mut buf).ok()?;
    Some(clean(&buf)).filter(|s| !s.is_empty())
}

/// Printable ASCII only (others become `_`), trimmed, at most
/// [`MAX_ATTR`] characters.
pub fn clean(bytes: &[u8]) -> String {
    let s: String = bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else if b == b'\n' || b == b'\t' || b == b'\r' {
                ' '
            } else {
                '_'
            }
        })
        .collect();
    s.trim().chars().take(MAX_ATTR).collect()
}

fn is_hex4(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The block device `major:minor` under sysfs root `root`, if sysfs knows it.
pub fn device(root: &Path, major: u32, minor: u32) -> Option<BlockDevice> {
    let link = root.join("dev/block").join(format!("{major}:{minor}"));
    let dir = std::fs::canonicalize(&link).ok()?;
    let root_c = std::fs::canonicalize(root).ok()?;
    // A link leading out of the sysfs root is not believed.
    if !dir.starts_with(&root_c) {
        return None;
    }
    let name = dir.file_name()?.to_str().map(|s| clean(s.as_bytes()))?;
    let is_partition = dir.join("partition").exists();
    let disk_dir = if is_partition {
        dir.parent()?.to_path_buf()
    } else {
        dir.clone()
    };
    let disk = disk_dir
        .file_name()
        .and_then(|n| n.to_str())
        .map(|s| clean(s.as_bytes()))
        .unwrap_or_else(|| name.clone());
    let removable = attr(&disk_dir, "removable").as_deref() == Some("1");
    let scsi = disk_dir.join("device");
    let (vendor, model, rev) = (
        attr(&scsi, "vendor"),
        attr(&scsi, "model"),
        attr(&scsi, "rev"),
    );
    let mut usb = None;
    let mut cur: &Path = &disk_dir;
    for _ in 0..MAX_DEPTH {
        let Some(parent) = cur.parent() else { break };
        if !parent.starts_with(&root_c) || parent == root_c {
            break;
        }
        if let (Some(v), Some(p)) = (attr(parent, "idVendor"), attr(parent, "idProduct"))
            && is_hex4(&v)
            && is_hex4(&p)
        {
            usb = Some(UsbDevice {
                vendor_id: v.to_ascii_lowercase(),
                product_id: p.to_ascii_lowercase(),
                serial: attr(parent, "serial"),
                manufacturer: attr(parent, "manufacturer"),
                product: attr(parent, "product"),
                dir: parent.to_path_buf(),
            });
            break;
        }
        cur = parent;
    }
    let path_text = disk_dir.to_string_lossy();
    let bus = if usb.is_some() {
        Some("USB".to_owned())
    } else if path_text.contains("/ata") {
        Some("IDE".to_owned())
    } else if vendor.is_some() || path_text.contains("/host") {
        Some("SCSI".to_owned())
    } else {
        None
    };
    Some(BlockDevice {
        name,
        major,
        minor,
        disk,
        removable,
        vendor,
        model,
        rev,
        usb,
        bus,
    })
}

impl BlockDevice {
    /// Whether the agent controls this device: removable media and
    /// anything on a USB bus.
    pub fn is_managed(&self) -> bool {
        self.removable || self.usb.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A USB stick in a fixture tree: device → interface → SCSI host →
    /// disk `sdx` → partition `sdx1`, the shape the kernel gives.
    pub(crate) fn stick(root: &Path, name: &str, major: u32, minor: u32, serial: &str) {
        let usb = root.join("devices/pci0000:00/0000:00:14.0/usb1/1-1");
        let disk = usb.join(format!("1-1:1.0/host6/target6:0:0/6:0:0:0/block/{name}"));
        std::fs::create_dir_all(disk.join(format!("{name}1"))).unwrap();
        std::fs::create_dir_all(usb.join("1-1:1.0/host6/target6:0:0/6:0:0:0")).unwrap();
        for (k, v) in [
            ("idVendor", "0781"),
            ("idProduct", "5567"),
            ("serial", serial),
            ("manufacturer", "SanDisk"),
            ("product", "Cruzer Blade"),
            ("authorized", "1"),
        ] {
            std::fs::write(usb.join(k), format!("{v}\n")).unwrap();
        }
        let scsi = usb.join("1-1:1.0/host6/target6:0:0/6:0:0:0");
        std::fs::write(scsi.join("vendor"), "SanDisk \n").unwrap();
        std::fs::write(scsi.join("model"), "Cruzer Blade    \n").unwrap();
        std::fs::write(scsi.join("rev"), "1.00\n").unwrap();
        std::os::unix::fs::symlink("../..", disk.join("device")).unwrap();
        std::fs::write(disk.join("removable"), "1\n").unwrap();
        std::fs::write(disk.join(format!("{name}1/partition")), "1\n").unwrap();
        let devblock = root.join("dev/block");
        std::fs::create_dir_all(&devblock).unwrap();
        let rel = |p: &Path| Path::new("../..").join(p.strip_prefix(root).unwrap());
        std::os::unix::fs::symlink(rel(&disk), devblock.join(format!("{major}:{minor}"))).unwrap();
        std::os::unix::fs::symlink(
            rel(&disk.join(format!("{name}1"))),
            devblock.join(format!("{major}:{}", minor + 1)),
        )
        .unwrap();
    }

    #[test]
    fn a_partition_of_a_usb_stick_is_found_with_its_identity() {
        let t = tempfile::tempdir().unwrap();
        stick(t.path(), "sdx", 8, 16, "4C530001230907117425");
        let d = device(t.path(), 8, 17).unwrap();
        assert_eq!(d.name, "sdx1");
        assert_eq!(d.disk, "sdx");
        assert!(d.removable && d.is_managed());
        assert_eq!(d.bus.as_deref(), Some("USB"));
        assert_eq!(d.vendor.as_deref(), Some("SanDisk"));
        assert_eq!(d.model.as_deref(), Some("Cruzer Blade"));
        let usb = d.usb.unwrap();
        assert_eq!(
            (usb.vendor_id.as_str(), usb.product_id.as_str()),
            ("0781", "5567")
        );
        assert_eq!(usb.serial.as_deref(), Some("4C530001230907117425"));
        assert!(usb.dir.join("authorized").exists());
        let whole = device(t.path(), 8, 16).unwrap();
        assert_eq!(whole.name, "sdx");
    }

    #[test]
    fn unknown_devices_and_links_out_of_the_root_are_none() {
        let t = tempfile::tempdir().unwrap();
        assert!(device(t.path(), 8, 0).is_none());
        std::fs::create_dir_all(t.path().join("dev/block")).unwrap();
        std::os::unix::fs::symlink("/tmp", t.path().join("dev/block/9:9")).unwrap();
        assert!(device(t.path(), 9, 9).is_none());
    }

    #[test]
    fn a_device_without_usb_ids_or_with_bad_ones_has_no_usb_identity() {
        let t = tempfile::tempdir().unwrap();
        stick(t.path(), "sdy", 8, 32, "X");
        let usb = t.path().join("devices/pci0000:00/0000:00:14.0/usb1/1-1");
        std::fs::write(usb.join("idVendor"), "not-hex\n").unwrap();
        let d = device(t.path(), 8, 32).unwrap();
        assert!(d.usb.is_none());
        assert!(d.is_managed(), "still removable");
    }

    proptest! {
        #[test]
        fn hostile_attribute_values_are_bounded_and_printable(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let s = clean(&bytes);
            prop_assert!(s.chars().count() <= MAX_ATTR);
            prop_assert!(s.bytes().all(|b| b.is_ascii_graphic() || b == b' '));
        }

        #[test]
        fn hostile_sysfs_trees_never_panic(
            vendor in proptest::collection::vec(any::<u8>(), 0..40),
            serial in proptest::collection::vec(any::<u8>(), 0..300),
            removable in proptest::collection::vec(any::<u8>(), 0..8),
        ) {
            let t = tempfile::tempdir().unwrap();
            stick(t.path(), "sdz", 8, 48, "S");
            let usb = t.path().join("devices/pci0000:00/0000:00:14.0/usb1/1-1");
            std::fs::write(usb.join("idVendor"), &vendor).unwrap();
            std::fs::write(usb.join("serial"), &serial).unwrap();
            let disk = usb.join("1-1:1.0/host6/target6:0:0/6:0:0:0/block/sdz");
            std::fs::write(disk.join("removable"), &removable).unwrap();
            let _ = device(t.path(), 8, 48);
            let _ = device(t.path(), 8, 49);
        }
    }
}
