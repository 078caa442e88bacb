//! Identifier tables that seed 004 refers to but does not include: device
//! classes and machine options. They are Cordon's own, published in
//! `docs/device-control.md` (a test checks that the doc matches).

/// One device class: numeric id and text identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceClass {
    pub id: u32,
    pub name: &'static str,
    pub description: &'static str,
}

/// The class id that targets every device class.
pub const DEFAULT_SETTINGS: u32 = 0;

/// Device classes. `0` (`Default Settings`) targets every device.
pub static DEVICE_CLASSES: &[DeviceClass] = &[
    DeviceClass {
        id: 0,
        name: "Default Settings",
        description: "every device, whatever its class",
    },
    DeviceClass {
        id: 1,
        name: "DVD/CD Drives",
        description: "optical drives and discs",
    },
    DeviceClass {
        id: 2,
        name: "Floppy Disk Drives",
        description: "floppy disk drives",
    },
    DeviceClass {
        id: 3,
        name: "Removable Storage Devices",
        description: "USB sticks, external and removable disks, encrypted volumes",
    },
    DeviceClass {
        id: 4,
        name: "Tape Drives",
        description: "tape drives",
    },
    DeviceClass {
        id: 5,
        name: "COM/Serial Ports",
        description: "serial ports",
    },
    DeviceClass {
        id: 6,
        name: "LPT/Parallel Ports",
        description: "parallel ports",
    },
    DeviceClass {
        id: 7,
        name: "Printers",
        description: "local and USB printers",
    },
    DeviceClass {
        id: 8,
        name: "Imaging Devices",
        description: "scanners, webcams, cameras",
    },
    DeviceClass {
        id: 9,
        name: "Modems/Secondary Network Access Devices",
        description: "modems, mobile broadband, secondary NICs",
    },
    DeviceClass {
        id: 10,
        name: "Wireless Network Interface Cards",
        description: "Wi-Fi adapters",
    },
    DeviceClass {
        id: 11,
        name: "Bluetooth",
        description: "Bluetooth adapters and devices",
    },
    DeviceClass {
        id: 12,
        name: "Smart Card Readers",
        description: "smart card readers",
    },
    DeviceClass {
        id: 13,
        name: "Biometric Devices",
        description: "fingerprint readers and other biometric devices",
    },
    DeviceClass {
        id: 14,
        name: "PS/2 Ports",
        description: "PS/2 keyboard and mouse ports",
    },
    DeviceClass {
        id: 15,
        name: "Portable Devices",
        description: "phones, tablets and players over MTP/PTP",
    },
    DeviceClass {
        id: 16,
        name: "Palm Handheld Devices",
        description: "Palm and Windows CE handhelds",
    },
    DeviceClass {
        id: 17,
        name: "User Defined Devices",
        description: "devices classified by custom identities",
    },
];

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A device class by numeric or text identifier (case, spaces and
/// punctuation ignored: `removable storage devices`, `DVD/CD Drives`).
pub fn device_class(text: &str) -> Option<&'static DeviceClass> {
    let t = text.trim();
    if let Ok(n) = t.parse::<u32>() {
        return DEVICE_CLASSES.iter().find(|c| c.id == n);
    }
    let n = norm(t);
    if n.is_empty() {
        return None;
    }
    DEVICE_CLASSES.iter().find(|c| norm(c.name) == n)
}

/// A device class by id.
pub fn device_class_by_id(id: u32) -> Option<&'static DeviceClass> {
    DEVICE_CLASSES.iter().find(|c| c.id == id)
}

/// What an option's value must look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionValueKind {
    /// `0` (off) or `1` (on).
    Flag,
    /// A host name or address.
    Host,
    /// A syslog server: `host[:port]` or a `udp://`, `tcp://`, `tls://`
    /// URL ([`crate::syslog`]).
    SyslogServer,
    /// A non-negative integer.
    Count,
    /// `1` (SHA-1) or `2` (SHA-256).
    HashMode,
    /// Hexadecimal key material.
    Hex,
}

/// A named machine option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MachineOption {
    pub id: u32,
    pub name: &'static str,
    pub value: OptionValueKind,
    pub description: &'static str,
}

pub const OPTION_HARDENING: u32 = 58;
pub const OPTION_SYSLOG_SERVER: u32 = 67;
pub const OPTION_PASSWORD_MIN_LENGTH: u32 = 68;
pub const OPTION_HASH_MODE: u32 = 86;
pub const OPTION_SIGNING_KEY: u32 = 91;

/// The machine options the seed uses. Other option numbers are accepted and
/// kept as data, unvalidated.
pub static MACHINE_OPTIONS: &[MachineOption] = &[
    MachineOption {
        id: 58,
        name: "Hardening",
        value: OptionValueKind::Flag,
        description: "protect the agent's install, data file and shadow directories from users (trusted applications bypass it)",
    },
    MachineOption {
        id: 67,
        name: "SyslogServer",
        value: OptionValueKind::SyslogServer,
        description: "syslog server that receives the agent's events: `host[:port]` (UDP) or `udp://`, `tcp://`, `tls://host[:port]` (ports 514, 514, 6514), optionally with a query such as `?format=json&facility=local0` (format `cef` or `json`, facility a name or 0 to 23; by default `cef` and `local4`)",
    },
    MachineOption {
        id: 68,
        name: "PasswordMinLength",
        value: OptionValueKind::Count,
        description: "minimum length of passwords for encrypted media",
    },
    MachineOption {
        id: 86,
        name: "HashMode",
        value: OptionValueKind::HashMode,
        description: "hash used to identify files and applications: 1 = SHA-1, 2 = SHA-256 (needed by trusted applications)",
    },
    MachineOption {
        id: 91,
        name: "SigningKey",
        value: OptionValueKind::Hex,
        description: "public key that verifies signed policy payloads",
    },
];

/// A named option by numeric or text identifier.
pub fn machine_option(text: &str) -> Option<&'static MachineOption> {
    let t = text.trim();
    if let Ok(n) = t.parse::<u32>() {
        return MACHINE_OPTIONS.iter().find(|o| o.id == n);
    }
    let n = norm(t);
    MACHINE_OPTIONS.iter().find(|o| norm(o.name) == n)
}

/// A named option by id.
pub fn machine_option_by_id(id: u32) -> Option<&'static MachineOption> {
    MACHINE_OPTIONS.iter().find(|o| o.id == id)
}

/// Text priorities (`"priority": "Low"` in the seed's RW_ALL example) and
/// the numbers they stand for: the ends of the signed 32-bit range and its
/// middle, so that `Low` loses to and `High` wins over any numeric priority.
pub static PRIORITY_NAMES: &[(&str, i32)] = &[("Low", i32::MIN), ("Medium", 0), ("High", i32::MAX)];

/// A text priority by name (case-insensitive; `Normal` is `Medium`).
pub fn priority_name(text: &str) -> Option<(&'static str, i32)> {
    let t = text.trim();
    let t = if t.eq_ignore_ascii_case("normal") {
        "Medium"
    } else {
        t
    };
    PRIORITY_NAMES
        .iter()
        .copied()
        .find(|(n, _)| n.eq_ignore_ascii_case(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_by_number_and_text() {
        assert_eq!(device_class("1").unwrap().name, "DVD/CD Drives");
        assert_eq!(device_class("Default Settings").unwrap().id, 0);
        assert_eq!(device_class("removable storage devices").unwrap().id, 3);
        assert!(device_class("99").is_none());
        assert!(device_class("").is_none());
    }

    #[test]
    fn options_by_number_and_text() {
        assert_eq!(machine_option("58").unwrap().name, "Hardening");
        assert_eq!(machine_option("hash mode").unwrap().id, 86);
        assert!(machine_option("12").is_none());
    }
}
