//! Device arrivals and removals as the kernel announces them: a netlink
//! socket on `NETLINK_KOBJECT_UEVENT`, multicast group 1 (the kernel's own
//! messages; group 2 is udevd's re-broadcast, which needs udevd and
//! carries nothing the agent reads).
//!
//! A message is `action@devpath` followed by `KEY=value` strings, each
//! NUL-terminated. Only messages whose sender is the kernel (netlink port
//! 0) are read: any process may send to a netlink socket, and a forged
//! "remove" must not make the agent forget a device. The agent needs no
//! more than "something changed in the block subsystem": it then reads
//! sysfs again, so a lost or coalesced message costs nothing but the next
//! timer tick.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::net::{
    AddressFamily, RecvFlags, SocketFlags, SocketType, netlink, netlink::SocketAddrNetlink,
};

/// One kernel uevent, the fields the agent reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Uevent {
    /// `add`, `remove`, `change`, `bind`, …
    pub action: String,
    pub devpath: String,
    pub subsystem: String,
    pub devname: Option<String>,
    pub devtype: Option<String>,
    pub major: Option<u32>,
    pub minor: Option<u32>,
}

impl Uevent {
    /// Whether the agent should look at its devices again: a block
    /// device, or a USB device (authorization, removal).
    pub fn concerns_storage(&self) -> bool {
        matches!(self.subsystem.as_str(), "block" | "usb" | "scsi")
    }
}

/// Parses one message; `None` for what is not a kernel uevent (udevd's
/// `libudev` messages, garbage).
pub fn parse(msg: &[u8]) -> Option<Uevent> {
    let mut parts = msg.split(|&b| b == 0).filter(|p| !p.is_empty());
    let head = std::str::from_utf8(parts.next()?).ok()?;
    let (action, devpath) = head.split_once('@')?;
    if action.is_empty() || !devpath.starts_with('/') {
        return None;
    }
    let mut ev = Uevent {
        action: action.to_owned(),
        devpath: devpath.to_owned(),
        ..Uevent::default()
    };
    for p in parts {
        let Ok(kv) = std::str::from_utf8(p) else {
            continue;
        };
        let Some((k, v)) = kv.split_once('=') else {
            continue;
        };
        match k {
            "SUBSYSTEM" => ev.subsystem = v.to_owned(),
            "DEVNAME" => ev.devname = Some(v.to_owned()),
            "DEVTYPE" => ev.devtype = Some(v.to_owned()),
            "MAJOR" => ev.major = v.parse().ok(),
            "MINOR" => ev.minor = v.parse().ok(),
            _ => {}
        }
    }
    (!ev.subsystem.is_empty()).then_some(ev)
}

/// The kernel's uevents, read without blocking.
pub struct Monitor {
    fd: OwnedFd,
}

impl Monitor {
    pub fn open() -> std::io::Result<Monitor> {
        let fd = rustix::net::socket_with(
            AddressFamily::NETLINK,
            SocketType::DGRAM,
            SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
            Some(netlink::KOBJECT_UEVENT),
        )?;
        // A large receive buffer: a hub full of sticks is a burst.
        let _ = rustix::net::sockopt::set_socket_recv_buffer_size(&fd, 1 << 20);
        rustix::net::bind(&fd, &SocketAddrNetlink::new(0, 1))?;
        Ok(Monitor { fd })
    }

    /// Every message waiting now, the kernel's only.
    pub fn drain(&self) -> Vec<Uevent> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 8192];
        loop {
            match rustix::net::recvfrom(&self.fd, &mut buf[..], RecvFlags::empty()) {
                Ok((n, _, from)) => {
                    let kernel = from
                        .and_then(|a| SocketAddrNetlink::try_from(a).ok())
                        .is_some_and(|a| a.pid() == 0);
                    if kernel && let Some(ev) = buf.get(..n).and_then(parse) {
                        out.push(ev);
                    }
                }
                Err(rustix::io::Errno::INTR) => continue,
                // WOULDBLOCK: drained. ENOBUFS: the kernel dropped some;
                // the caller reads sysfs again anyway.
                Err(_) => break,
            }
        }
        out
    }
}

impl AsFd for Monitor {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn kernel_messages_parse_and_others_do_not() {
        let msg = b"add@/devices/pci0000:00/usb1/1-1/1-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb\0ACTION=add\0DEVPATH=/devices/pci0000:00/usb1/1-1/1-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb\0SUBSYSTEM=block\0MAJOR=8\0MINOR=16\0DEVNAME=sdb\0DEVTYPE=disk\0SEQNUM=4242\0";
        let ev = parse(msg).unwrap();
        assert_eq!(ev.action, "add");
        assert_eq!(ev.subsystem, "block");
        assert_eq!((ev.major, ev.minor), (Some(8), Some(16)));
        assert_eq!(ev.devname.as_deref(), Some("sdb"));
        assert!(ev.concerns_storage());
        let usb =
            parse(b"remove@/devices/pci0000:00/usb1/1-1\0SUBSYSTEM=usb\0DEVTYPE=usb_device\0")
                .unwrap();
        assert!(usb.concerns_storage());
        let net = parse(b"add@/devices/virtual/net/veth0\0SUBSYSTEM=net\0").unwrap();
        assert!(!net.concerns_storage());
        for bad in [
            &b"libudev\0\xfe\xed\xca\xfe"[..],
            b"",
            b"\0\0",
            b"add@relative/path\0SUBSYSTEM=block\0",
            b"@/devices/x\0SUBSYSTEM=block\0",
            b"add@/devices/x\0NO_SUBSYSTEM=1\0",
            b"add@/devices/x\0SUBSYSTEM=block\0MAJOR=huge\0",
        ] {
            let got = parse(bad);
            assert!(
                got.is_none() || got.as_ref().is_some_and(|e| e.major.is_none()),
                "{bad:?} gave {got:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn any_bytes_parse_without_panicking(msg in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse(&msg);
        }

        #[test]
        fn fields_in_any_order_are_read(
            major in 0u32..4096, minor in 0u32..1_000_000, name in "[a-z]{1,8}[0-9]{0,3}",
            shuffle in any::<bool>(),
        ) {
            let mut fields = [
                format!("MAJOR={major}"), format!("MINOR={minor}"),
                format!("DEVNAME={name}"), "SUBSYSTEM=block".to_owned(),
            ];
            if shuffle { fields.reverse(); }
            let msg = format!("change@/devices/virtual/block/{name}\0{}\0", fields.join("\0"));
            let ev = parse(msg.as_bytes()).unwrap();
            prop_assert_eq!(ev.major, Some(major));
            prop_assert_eq!(ev.minor, Some(minor));
            prop_assert_eq!(ev.devname, Some(name));
        }
    }

    /// Skips only when told to (`CORDON_AGENT_E2E=skip`), saying why.
    fn cannot(why: &str) {
        eprintln!("SKIPPED: {why}");
        assert_eq!(
            std::env::var("CORDON_AGENT_E2E").as_deref(),
            Ok("skip"),
            "{why}; set CORDON_AGENT_E2E=skip to skip knowingly"
        );
    }

    #[test]
    fn a_real_kernel_uevent_arrives() {
        // `change` written to a loop device's uevent file makes the kernel
        // announce it (root, and a kernel with loop devices).
        let mon = match Monitor::open() {
            Ok(m) => m,
            Err(e) => return cannot(&format!("no NETLINK_KOBJECT_UEVENT socket: {e}")),
        };
        let Some(loop_dev) = std::fs::read_dir("/sys/block").ok().and_then(|d| {
            d.flatten()
                .find(|e| e.file_name().to_string_lossy().starts_with("loop"))
        }) else {
            return cannot("no loop device in /sys/block");
        };
        if let Err(e) = std::fs::write(loop_dev.path().join("uevent"), "change") {
            return cannot(&format!("cannot trigger a uevent: {e}"));
        }
        let name = loop_dev.file_name().to_string_lossy().into_owned();
        let t = std::time::Instant::now();
        let mut seen = false;
        while t.elapsed() < std::time::Duration::from_secs(5) && !seen {
            seen = mon
                .drain()
                .iter()
                .any(|e| e.action == "change" && e.devname.as_deref() == Some(name.as_str()));
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(seen, "no uevent for {name} within 5 s");
    }
}
