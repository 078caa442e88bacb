//! End to end: the seed's custom types identify real files, and file-type
//! filters decide on the identified type.

use std::process::Command;

use chrono::Utc;
use cordon_devctl::{DeviceControl, read_str};
use cordon_policy::model::{DeviceAccess, DeviceInfo, DeviceOperation};

use crate::read_fixture;

fn catia(off1: u32, off2: u32) -> Vec<u8> {
    let mut f = b"V5_CFV2\0".to_vec();
    f.extend_from_slice(&off1.to_le_bytes());
    f.extend_from_slice(&off2.to_le_bytes());
    f.extend_from_slice(&[0xff; 8]);
    f.resize(off1 as usize, 0);
    f.extend_from_slice(b"CATIA_V5 CB0001\0");
    f.resize((off1 + off2) as usize, 0x11);
    f
}

fn mkv(dir: &std::path::Path) -> Vec<u8> {
    let out = dir.join("clip.mkv");
    let status = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=1:size=32x32:rate=5",
            "-c:v",
            "mpeg4",
        ])
        .arg(&out)
        .status()
        .unwrap_or_else(|e| {
            panic!("ffmpeg is needed by this test (scripts/install-test-deps installs it): {e}")
        });
    assert!(status.success());
    std::fs::read(out).unwrap()
}

#[test]
fn filters_on_the_seed_custom_types_decide_on_real_files() {
    // The seed's custom types, and a policy that lets CATIA files be
    // written and Matroska files be read on USB removable media.
    let mut text = read_fixture("seed/custom_types.json");
    let end = text.rfind('}').unwrap();
    text.replace_range(
        end..,
        r#", "policies": [{"id": "7", "name": "CAD out, video in",
            "devices": {"types": [{"class": "Removable Storage Devices"}]},
            "how": {"priority": "10"},
            "what": {"access": {"granted": ["Read", "Write"]},
                     "content": {"filters": {"filetypes": ["W000F0100", "R000F0200"]}}}}]}"#,
    );
    let dc = DeviceControl::new(read_str(&text).unwrap().document);
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("catia", catia(128, 4096)),
        (
            "catia, one byte short",
            catia(128, 4096)[..4095 + 128].to_vec(),
        ),
        ("mkv", mkv(dir.path())),
    ];
    let decide = |data: &[u8], op| {
        let t = dc.identify(&mut &data[..]).unwrap();
        let access = DeviceAccess {
            device: DeviceInfo {
                class: Some("3".into()),
                ..DeviceInfo::default()
            },
            operation: op,
            file_type: Some(format!("{t:08X}")),
            ..DeviceAccess::default()
        };
        (t, dc.decide(&access, None, Utc::now(), true).allowed)
    };
    assert_eq!(
        decide(&files[0].1, DeviceOperation::Write),
        (0x000F_0100, true)
    );
    assert_eq!(
        decide(&files[0].1, DeviceOperation::Read),
        (0x000F_0100, false)
    );
    let (t, allowed) = decide(&files[1].1, DeviceOperation::Write);
    assert_ne!(t, 0x000F_0100, "{}", files[1].0);
    assert!(!allowed);
    assert_eq!(
        decide(&files[2].1, DeviceOperation::Read),
        (0x000F_0200, true)
    );
    assert_eq!(
        decide(&files[2].1, DeviceOperation::Write),
        (0x000F_0200, false)
    );
}
