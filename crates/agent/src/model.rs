//! A block device in seed 004's device model: class, bus, disk kind, and
//! hardware ids shaped like the ones Windows reports and the seed's
//! policies name (`USBSTOR\DiskSanDisk_Cruzer_Blade____1.00`, instance
//! `<serial>&0`), so one policy can target the same stick on either OS.

use cordon_policy::model::DeviceInfo;

use crate::sysfs::BlockDevice;

/// "Removable Storage Devices" in seed 004's class table.
pub const REMOVABLE_STORAGE: &str = "3";

/// Pads or cuts `s` to `n` characters, spaces as `_` (the Windows
/// hardware-id shape).
fn field(s: Option<&str>, n: usize) -> String {
    let mut out: String = s
        .unwrap_or("")
        .chars()
        .map(|c| if c == ' ' { '_' } else { c })
        .take(n)
        .collect();
    while out.chars().count() < n {
        out.push('_');
    }
    out
}

/// The hardware id of a disk: `USBSTOR\Disk<ven:8><prod:16><rev:4>` on
/// USB, `SCSI\Disk…` otherwise; `USB\VID_xxxx&PID_yyyy` for a USB disk
/// without SCSI inquiry data.
pub fn model_id(d: &BlockDevice) -> Option<String> {
    let prefix = if d.usb.is_some() { "USBSTOR" } else { "SCSI" };
    if d.vendor.is_some() || d.model.is_some() {
        return Some(format!(
            "{prefix}\\Disk{}{}{}",
            field(d.vendor.as_deref(), 8),
            field(d.model.as_deref(), 16),
            field(d.rev.as_deref(), 4)
        ));
    }
    d.usb.as_ref().map(|u| {
        format!(
            "USB\\VID_{}&PID_{}",
            u.vendor_id.to_ascii_uppercase(),
            u.product_id.to_ascii_uppercase()
        )
    })
}

/// The instance id: the USB serial number and `&0`, as Windows forms it.
pub fn instance_id(d: &BlockDevice) -> Option<String> {
    d.usb
        .as_ref()
        .and_then(|u| u.serial.as_deref())
        .map(|s| format!("{s}&0"))
}

/// The device as `cordon-devctl` sees it.
pub fn device_info(d: &BlockDevice, encrypted: Option<bool>) -> DeviceInfo {
    DeviceInfo {
        class: Some(REMOVABLE_STORAGE.to_owned()),
        bus: d.bus.clone(),
        disk: Some(if d.removable { "Removable" } else { "Fixed" }.to_owned()),
        model: model_id(d),
        instance: instance_id(d),
        encrypted,
        volume_id: None,
        media_hash: None,
    }
}

/// Whether the first bytes of a volume carry an encryption signature:
/// LUKS (`LUKS\xba\xbe` at 0) or BitLocker (`-FVE-FS-` at 3).
pub fn encrypted_signature(head: &[u8]) -> bool {
    head.starts_with(b"LUKS\xba\xbe") || head.get(3..11) == Some(b"-FVE-FS-".as_slice())
}

/// Reads the head of `/dev/<name>` (under `dev_root`) for
/// [`encrypted_signature`]; `None` when it cannot be read.
pub fn probe_encrypted(dev_root: &std::path::Path, name: &str) -> Option<bool> {
    use std::io::Read as _;
    let mut f = std::fs::File::open(dev_root.join(name)).ok()?;
    let mut head = [0u8; 16];
    let n = f.read(&mut head).ok()?;
    Some(encrypted_signature(head.get(..n)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sysfs::UsbDevice;

    fn stick() -> BlockDevice {
        BlockDevice {
            name: "sdb1".into(),
            major: 8,
            minor: 17,
            disk: "sdb".into(),
            removable: true,
            vendor: Some("SanDisk".into()),
            model: Some("Cruzer Blade".into()),
            rev: Some("1.00".into()),
            usb: Some(UsbDevice {
                vendor_id: "0781".into(),
                product_id: "5567".into(),
                serial: Some("4C530001".into()),
                manufacturer: None,
                product: None,
                dir: "/sys/x".into(),
            }),
            bus: Some("USB".into()),
        }
    }

    #[test]
    fn hardware_ids_have_the_windows_shape() {
        let d = stick();
        assert_eq!(
            model_id(&d).unwrap(),
            "USBSTOR\\DiskSanDisk_Cruzer_Blade____1.00"
        );
        assert_eq!(instance_id(&d).unwrap(), "4C530001&0");
        let mut bare = d.clone();
        bare.vendor = None;
        bare.model = None;
        assert_eq!(model_id(&bare).unwrap(), "USB\\VID_0781&PID_5567");
        let info = device_info(&d, Some(false));
        assert_eq!(info.class.as_deref(), Some("3"));
        assert_eq!(info.disk.as_deref(), Some("Removable"));
    }

    #[test]
    fn encryption_signatures() {
        assert!(encrypted_signature(b"LUKS\xba\xbe\0\x02rest"));
        assert!(encrypted_signature(b"\xeb\x58\x90-FVE-FS-xxxx"));
        assert!(!encrypted_signature(b"\xeb\x58\x90MSDOS5.0"));
        assert!(!encrypted_signature(b""));
    }
}
