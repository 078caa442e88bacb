//! `/proc/self/mountinfo`, parsed. The parser never fails: a line it
//! cannot read is skipped (and counted), never guessed at.

/// One mount.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mount {
    pub id: u64,
    pub major: u32,
    pub minor: u32,
    /// Where it is mounted (octal escapes decoded).
    pub mount_point: String,
    /// Per-mount options (`rw`, `ro`, `nosuid`, …).
    pub options: Vec<String>,
    pub fstype: String,
    pub source: String,
}

impl Mount {
    pub fn read_only(&self) -> bool {
        self.options.iter().any(|o| o == "ro")
    }
}

/// Parses mountinfo text: the mounts, and how many lines were unreadable.
pub fn parse(text: &str) -> (Vec<Mount>, usize) {
    let mut out = Vec::new();
    let mut bad = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match parse_line(line) {
            Some(m) => out.push(m),
            None => bad += 1,
        }
    }
    (out, bad)
}

fn parse_line(line: &str) -> Option<Mount> {
    let (left, right) = line.split_once(" - ")?;
    let mut f = left.split(' ');
    let id = f.next()?.parse().ok()?;
    let _parent = f.next()?;
    let (maj, min) = f.next()?.split_once(':')?;
    let _root = f.next()?;
    let mount_point = unescape(f.next()?);
    let options = f.next()?.split(',').map(str::to_owned).collect();
    let mut r = right.split(' ');
    let fstype = r.next()?.to_owned();
    let source = unescape(r.next().unwrap_or(""));
    Some(Mount {
        id,
        major: maj.parse().ok()?,
        minor: min.parse().ok()?,
        mount_point,
        options,
        fstype,
        source,
    })
}

/// Decodes the kernel's `\ooo` escapes (space, tab, newline, backslash).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'\\'
            && let Some(oct) = b.get(i + 1..i + 4)
            && oct.iter().all(|d| (b'0'..=b'7').contains(d))
        {
            let v = oct
                .iter()
                .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
            if let Ok(byte) = u8::try_from(v) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Mounts by a FUSE driver (`fusefat`, `exfat-fuse`, `ntfs-3g`) carry no
/// device number of their own (`0:N`); when the source names a block
/// device, the mount is that device's, so it is decided like a kernel
/// mount of it.
pub fn resolve_fuse_sources(mounts: Vec<Mount>) -> Vec<Mount> {
    mounts
        .into_iter()
        .map(|mut m| {
            if m.major == 0
                && m.fstype.starts_with("fuse")
                && m.source.starts_with('/')
                && let Ok(st) = rustix::fs::stat(m.source.as_str())
                && rustix::fs::FileType::from_raw_mode(st.st_mode)
                    == rustix::fs::FileType::BlockDevice
            {
                m.major = rustix::fs::major(st.st_rdev);
                m.minor = rustix::fs::minor(st.st_rdev);
            }
            m
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn real_lines_parse() {
        let text = "36 35 98:0 /mnt1 /mnt/my\\040stick rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n\
                    40 25 7:0 / /media/usb ro,nosuid,nodev,relatime shared:5 - ext4 /dev/loop0 ro\n\
                    garbage line\n";
        let (m, bad) = parse(text);
        assert_eq!(bad, 1);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].mount_point, "/mnt/my stick");
        assert_eq!((m[0].major, m[0].minor), (98, 0));
        assert!(!m[0].read_only());
        assert!(m[1].read_only());
        assert_eq!(m[1].fstype, "ext4");
        assert_eq!(m[1].source, "/dev/loop0");
    }

    proptest! {
        #[test]
        fn any_text_parses_without_panic(s in "\\PC{0,300}") {
            let _ = parse(&s);
        }

        #[test]
        fn escapes_never_panic(s in "[\\\\0-9a-z ]{0,40}") {
            let _ = unescape(&s);
        }
    }
}
