//! Seed 004's CATIA V5 and Matroska definitions, verbatim, on real files
//! and on near misses.

use std::process::Command;

use cordon_filetype::{CustomType, Identified, Outcome, identify, identify_with};

use crate::load_custom;

/// A CATIA V5 file shaped as the seed describes it: `V5_CFV2\0`, two
/// little-endian u32 offsets, eight 0xFF bytes, `CATIA_V5 CB0001\0` at
/// @off1, total size @off1 + @off2.
fn catia(off1: u32, off2: u32) -> Vec<u8> {
    let mut f = b"V5_CFV2\0".to_vec();
    f.extend_from_slice(&off1.to_le_bytes());
    f.extend_from_slice(&off2.to_le_bytes());
    f.extend_from_slice(&[0xff; 8]);
    f.resize(off1 as usize, 0x20);
    f.extend_from_slice(b"CATIA_V5 CB0001\0");
    f.resize((off1 + off2) as usize, 0xab);
    f
}

fn run(t: &CustomType, data: &[u8]) -> Outcome {
    t.program.run(&mut &data[..]).unwrap()
}

#[test]
fn catia_shaped_file_is_recognised() {
    let t = load_custom("catia_v5.json");
    assert_eq!((t.id, t.name.as_str()), (0x000F_0100, "CATIA V5"));
    for (a, b) in [(64, 16), (64, 4000), (300, 16), (4096, 70_000)] {
        let f = catia(a, b);
        assert_eq!(run(&t, &f), Outcome::Match, "off1={a} off2={b}");
        let custom = [t.clone()];
        let got = identify_with(&custom, &mut &f[..]).unwrap();
        assert_eq!(got.id(), 0x000F_0100);
    }
}

#[test]
fn catia_near_misses_fail_at_the_right_step() {
    let t = load_custom("catia_v5.json");
    let good = catia(64, 100);

    let mut bad_magic = good.clone();
    bad_magic[6] = b'3'; // V5_CFV3
    assert_eq!(run(&t, &bad_magic), Outcome::Mismatch { step: 0 });

    assert_eq!(run(&t, &good[..10]), Outcome::Mismatch { step: 1 });

    let mut no_ff = good.clone();
    no_ff[23] = 0xfe;
    assert_eq!(run(&t, &no_ff), Outcome::Mismatch { step: 3 });

    let mut wrong_marker = good.clone();
    wrong_marker[64 + 6] = b'4'; // CATIA_V4
    assert_eq!(run(&t, &wrong_marker), Outcome::Mismatch { step: 4 });

    let mut longer = good.clone();
    longer.push(0);
    assert_eq!(run(&t, &longer), Outcome::Mismatch { step: 7 });
    assert_eq!(
        run(&t, &good[..good.len() - 1]),
        Outcome::Mismatch { step: 6 }
    );

    let mut off1_past_end = good.clone();
    off1_past_end[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(run(&t, &off1_past_end), Outcome::Mismatch { step: 4 });

    // Without the custom type, the built-in table does not claim it.
    assert_eq!(identify(&mut &good[..]).unwrap().id, 0);
}

fn ffmpeg(args: &[&str], out: &std::path::Path) -> Vec<u8> {
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .arg(out)
        .status()
        .unwrap_or_else(|e| {
            panic!("ffmpeg is needed by this test (scripts/install-test-deps installs it): {e}")
        });
    assert!(status.success(), "ffmpeg failed for {}", out.display());
    std::fs::read(out).unwrap()
}

const TESTSRC: [&str; 8] = [
    "-f",
    "lavfi",
    "-i",
    "testsrc=duration=1:size=64x48:rate=5",
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:duration=1",
];

#[test]
fn genuine_matroska_from_ffmpeg_is_recognised_and_other_containers_are_not() {
    let t = load_custom("matroska.json");
    assert_eq!(
        (t.id, t.ext.as_slice()),
        (0x000F_0200, &[".mkv".to_string()][..])
    );
    let dir = tempfile::tempdir().unwrap();

    let mut args = TESTSRC.to_vec();
    args.extend(["-c:v", "mpeg4", "-c:a", "pcm_s16le"]);
    let mkv = ffmpeg(&args, &dir.path().join("clip.mkv"));
    assert_eq!(run(&t, &mkv), Outcome::Match);
    let custom = [load_custom("catia_v5.json"), t.clone()];
    let mut file = std::fs::File::open(dir.path().join("clip.mkv")).unwrap();
    match identify_with(&custom, &mut file).unwrap() {
        Identified::Custom(c) => assert_eq!(c.name, "Matroska"),
        other => panic!("expected the custom Matroska type, got {other:?}"),
    }
    // The built-in table has the same signature under its own id.
    assert_eq!(identify(&mut &mkv[..]).unwrap().name, "Matroska video");

    // Near miss: an EBML document of another doc type (WebM) fails step 1.
    let mut webm = mkv.clone();
    let at = webm
        .windows(3)
        .position(|w| w == [0x42, 0x82, 0x88])
        .unwrap();
    webm[at + 3..at + 11].copy_from_slice(b"matrosk\0");
    assert_eq!(run(&t, &webm), Outcome::Mismatch { step: 1 });

    // Near miss: the doc type beyond the 32-byte window.
    let mut far = mkv[..4].to_vec();
    far.extend_from_slice(&[0u8; 40]);
    far.extend_from_slice(&mkv[4..]);
    assert_eq!(run(&t, &far), Outcome::Mismatch { step: 1 });

    // Near miss: the same streams in MP4 and AVI containers.
    let mut args = TESTSRC.to_vec();
    args.extend(["-c:v", "mpeg4", "-c:a", "aac"]);
    let mp4 = ffmpeg(&args, &dir.path().join("clip.mp4"));
    assert_eq!(run(&t, &mp4), Outcome::Mismatch { step: 0 });
    assert_eq!(identify(&mut &mp4[..]).unwrap().name, "MPEG-4 video");
    let mut args = TESTSRC.to_vec();
    args.extend(["-c:v", "mpeg4", "-c:a", "pcm_s16le"]);
    let avi = ffmpeg(&args, &dir.path().join("clip.avi"));
    assert_eq!(run(&t, &avi), Outcome::Mismatch { step: 0 });
    assert_eq!(identify(&mut &avi[..]).unwrap().name, "AVI video");
}

#[test]
fn seed_definitions_round_trip() {
    for name in ["catia_v5.json", "matroska.json"] {
        let t = load_custom(name);
        let back = CustomType::from_json(&t.to_json()).unwrap();
        assert_eq!(back, t);
        let via_serde: CustomType =
            serde_json::from_value(serde_json::to_value(&t).unwrap()).unwrap();
        assert_eq!(via_serde, t);
    }
}
