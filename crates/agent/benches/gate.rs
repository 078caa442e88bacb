//! The guard filesystem's numbers (issue #14), on the real kernel, as root:
//! the agent's own judge (device control, inspection with the built-in
//! and the policy's custom detectors, the policy's rules, age sealing)
//! behind `cordon-medium`'s gate over a loop-mounted ext4 stick.
//!
//! - `copy`: `cp -r` of 1 GiB of benign files (a mix of sizes) to the
//!   stick straight, then through the gate (released in clear); the same
//!   with 1 GiB of sensitive files (sealed). Each copy ends with `syncfs`
//!   of the stick, so both sides are timed to the medium.
//! - `latency`: close() of a benign 1 MiB file in hold mode (the decision
//!   is in close), and close → release in clear in encrypt-first mode.
//! - `memory`: the process's peak RSS while a 10 GiB file is written
//!   through the gate (`CORDON_BENCH_BIG_GIB` changes the size).
//!
//! A loop device over an image file writes as fast as memory, which no USB
//! stick does. `CORDON_BENCH_STICK_MBPS=40,150` runs `copy` once more per
//! speed with the stick's writes throttled to that many MB/s (the block
//! layer's `blkio.throttle.write_bps_device` on the loop device, cgroup v1
//! root; both copies, straight and through the gate, on the same stick).
//!
//! `scripts/bench-gate` runs it; `CORDON_BENCH_ONLY=copy,latency,memory`
//! picks sections.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

#[path = "../tests/it/support.rs"]
mod support;

use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cordon_agent::content::MediumJudge;
use cordon_agent::policy::Policy;
use cordon_agent::spool::Spool;
use cordon_medium::{Gate, GateOptions, Mode};
use support::*;

const MIB: u64 = 1 << 20;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let only = std::env::var("CORDON_BENCH_ONLY").unwrap_or_default();
    let on = |s: &str| only.is_empty() || only.split(',').any(|o| o == s);
    let t = tempfile::Builder::new()
        .prefix("cordon-bench-gate")
        .tempdir()
        .unwrap();
    let key = t.path().join("key.txt");
    sh(&format!("age-keygen -o {} 2>/dev/null", key.display()));
    let public = std::fs::read_to_string(&key)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("# public key: ").map(str::to_owned))
        .unwrap();
    if on("copy") {
        bench_copy(t.path(), &public, None);
        let speeds = std::env::var("CORDON_BENCH_STICK_MBPS").unwrap_or_default();
        for mbps in speeds.split(',').filter(|s| !s.is_empty()) {
            let mbps: u64 = mbps
                .trim()
                .parse()
                .expect("CORDON_BENCH_STICK_MBPS: MB/s, comma-separated");
            bench_copy(t.path(), &public, Some(mbps));
        }
    }
    if on("latency") {
        bench_latency(t.path(), &public);
    }
    if on("memory") {
        bench_memory(t.path(), &public);
    }
}

fn policy(recipient: &str, encrypt_first: bool) -> Arc<Policy> {
    let dc = serde_json::json!({"policies": [{"id": "1200", "name": "USB", "who": {"sids": ["S-1-1-0"]},
        "devices": {"types": [{"class": "3"}]}, "how": {"priority": "10"},
        "what": {"access": {"granted": ["Read", "Write"]}}, "when": {"permanent": "always"}}]});
    let body = serde_json::json!({
        "id": "bench",
        "rules": [{"id": "encrypt-me", "userActions": ["copy_to_device"], "effect": "deny",
                   "actions": ["encrypt"], "expression": "_file.count('encrypt_me', 'low') > 0"}],
        "flows": [
            {"id": "pii-enc", "category": "PII", "senders": ["*"], "recipients": ["device:encrypted_removable"],
             "permission": "allow", "prioritized": true},
            {"id": "pii-usb", "category": "PII", "senders": ["*"], "recipients": ["device:external_storage"],
             "permission": "deny"}],
        "deviceControl": dc,
        "removableMedia": {"encryptFirst": encrypt_first, "recipients": [recipient],
            "detectors": [{"id": "encrypt_me", "category": "CONFIDENTIAL", "keywords": ["Encrypt me"]}]}
    });
    let p = cordon_bundle::Payload {
        group: "bench".into(),
        policy_id: "bench".into(),
        policy_version: 1,
        serial: 1,
        issued_at: 0,
        format: "json".into(),
        body: body.to_string(),
        next_key: None,
    };
    Arc::new(Policy::from_payload(&p).unwrap())
}

/// A loop-mounted ext4 stick of `gib` GiB under `dir`: (loop device, mount point).
fn stick(dir: &Path, name: &str, gib: u64) -> (String, PathBuf) {
    let img = dir.join(format!("{name}.img"));
    sh(&format!(
        "truncate -s {gib}G {0} && mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 {0}",
        img.display()
    ));
    let dev = sh(&format!("losetup -f --show {}", img.display()));
    let mnt = dir.join(name);
    std::fs::create_dir_all(&mnt).unwrap();
    sh(&format!("mount {dev} {}", mnt.display()));
    (dev, mnt)
}

fn unstick(dev: &str, mnt: &Path) {
    sh(&format!("umount {} && losetup -d {dev}", mnt.display()));
}

const WRITE_BPS: &str = "/sys/fs/cgroup/blkio/blkio.throttle.write_bps_device";

/// Limits writes to block device `dev` to `bytes_per_s` (0: no limit).
fn throttle(dev: &str, bytes_per_s: u64) {
    let rdev = rustix::fs::stat(dev).unwrap().st_rdev;
    let rule = format!(
        "{}:{} {bytes_per_s}",
        rustix::fs::major(rdev),
        rustix::fs::minor(rdev)
    );
    std::fs::write(WRITE_BPS, &rule).unwrap_or_else(|e| {
        panic!("throttling {dev} ({rule} to {WRITE_BPS}, needs cgroup v1's blkio): {e}")
    });
}

fn gate(mnt: &Path, dir: &Path, recipient: &str, encrypt_first: bool) -> Gate {
    let pol = policy(recipient, encrypt_first);
    let content = pol.content.clone().unwrap();
    let spool = Spool::open(&dir.join("spool"), 1 << 40).unwrap();
    let source = pol.clone();
    let judge = MediumJudge::new(
        Arc::new(move || Some(source.clone())),
        cordon_policy::model::DeviceInfo {
            class: Some("3".into()),
            bus: Some("USB".into()),
            disk: Some("Removable".into()),
            ..Default::default()
        },
        "loop".into(),
        mnt.display().to_string(),
        cordon_policy::model::Computer::default(),
        Arc::new(Mutex::new(spool)),
        None,
        Arc::new(Mutex::new(std::collections::VecDeque::new())),
    );
    let mode = if encrypt_first {
        Mode::EncryptFirst(content.org_seal().unwrap())
    } else {
        Mode::Hold
    };
    Gate::mount(
        mnt,
        Arc::new(judge),
        GateOptions {
            mode,
            staging: dir.join("staging"),
            threads: 2,
            settlers: 2,
            fs_name: "cordon-gate".into(),
        },
    )
    .unwrap()
}

/// Prose without identifiers (benign), or with a few SSNs and the
/// keyword per 64 KiB (sensitive).
fn text(size: u64, sensitive: bool, seed: u64) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "the",
        "quarterly",
        "meeting",
        "moves",
        "to",
        "room",
        "and",
        "slides",
        "are",
        "shared",
        "with",
        "everyone",
        "before",
        "lunch",
        "please",
        "bring",
        "notes",
        "about",
        "plans",
    ];
    let mut out = Vec::with_capacity(size as usize);
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let mut line = 0u64;
    while (out.len() as u64) < size {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.extend_from_slice(WORDS[(x >> 33) as usize % WORDS.len()].as_bytes());
        out.push(if (x >> 20).is_multiple_of(12) {
            b'\n'
        } else {
            b' '
        });
        if sensitive && out.len() as u64 / 65536 >= line {
            line += 1;
            out.extend_from_slice(b"\nEncrypt me. Employee SSN 536-22-4871, badge 17.\n");
        }
    }
    out.truncate(size as usize);
    out
}

/// 1 GiB: 512 × 64 KiB, 96 × 1 MiB, 9 × 100 MiB (sizes a user copies).
const TREE: [(u64, u64); 3] = [(512, 64 * 1024), (96, MIB), (9, 100 * MIB)];

fn tree_bytes() -> u64 {
    TREE.iter().map(|(count, size)| count * size).sum()
}

fn tree(dir: &Path, sensitive: bool) {
    std::fs::create_dir_all(dir).unwrap();
    let mut n = 0u64;
    for (count, size) in TREE {
        for _ in 0..count {
            n += 1;
            let body = text(size, sensitive, n);
            std::fs::write(dir.join(format!("f{n:04}.txt")), &body).unwrap();
        }
    }
}

/// `cp -r`, then `syncfs` of `medium` and of `lower` (the stick's own
/// filesystem under the gate, whose writeback a `syncfs` of the FUSE mount
/// does not wait for): both copies are timed to the medium.
fn cp_synced(src: &Path, dest: &Path, medium: &Path, lower: &std::fs::File) -> Duration {
    let t = Instant::now();
    sh(&format!("cp -r {} {}", src.display(), dest.display()));
    let f = std::fs::File::open(medium).unwrap();
    rustix::fs::syncfs(&f).unwrap();
    rustix::fs::syncfs(lower).unwrap();
    t.elapsed()
}

fn bench_copy(dir: &Path, recipient: &str, mbps: Option<u64>) {
    let benign = dir.join("benign");
    let sensitive = dir.join("sensitive");
    if !benign.exists() {
        tree(&benign, false);
        tree(&sensitive, true);
    }
    let bytes = tree_bytes();
    // The sources' writeback is done before any copy is timed: it would
    // compete with the first (it made the straight copy vary 1.5-10 s).
    rustix::fs::syncfs(std::fs::File::open(dir).unwrap()).unwrap();
    let speed = match mbps {
        Some(m) => format!("stick at {m} MB/s"),
        None => "stick at memory speed".to_owned(),
    };
    for (name, src, sealed) in [("benign", &benign, false), ("sensitive", &sensitive, true)] {
        let (dev, mnt) = stick(dir, &format!("stick-{name}"), 4);
        if let Some(m) = mbps {
            throttle(&dev, m * 1_000_000);
        }
        // Straight to the stick (and its root for the gate's lower view).
        let lower = std::fs::File::open(&mnt).unwrap();
        let straight = cp_synced(src, &mnt.join("straight"), &mnt, &lower);
        let g = gate(&mnt, &dir.join(format!("state-{name}")), recipient, false);
        let through = cp_synced(src, &mnt.join("gated"), &mnt, &lower);
        let stats = g.stats();
        g.unmount().unwrap();
        // The gate did what it says: every file in clear or sealed.
        let sample = std::fs::read(mnt.join("gated/f0001.txt")).unwrap();
        assert_eq!(
            sample.starts_with(b"age-encryption.org/v1\n"),
            sealed,
            "{name}"
        );
        drop(lower);
        let mb = bytes as f64 / MIB as f64;
        println!(
            "copy {name:9} {mb:.0} MiB, {speed}: straight {:.2} s ({:.0} MiB/s), through the gate {:.2} s ({:.0} MiB/s): {:.2}× [released {}, sealed {}, blocked {}]",
            straight.as_secs_f64(),
            mb / straight.as_secs_f64(),
            through.as_secs_f64(),
            mb / through.as_secs_f64(),
            through.as_secs_f64() / straight.as_secs_f64(),
            stats.released,
            stats.sealed,
            stats.blocked
        );
        if mbps.is_some() {
            throttle(&dev, 0);
        }
        unstick(&dev, &mnt);
    }
}

fn is_sealed_at(lower: &std::fs::File, name: &str) -> Option<bool> {
    let p = format!("/proc/self/fd/{}/{name}", lower.as_raw_fd());
    let mut head = [0u8; 22];
    let mut f = std::fs::File::open(p).ok()?;
    let n = std::io::Read::read(&mut f, &mut head).ok()?;
    Some(head[..n].starts_with(b"age-encryption.org/v1\n"))
}

fn bench_latency(dir: &Path, recipient: &str) {
    let body = text(MIB, false, 7);
    let (dev, mnt) = stick(dir, "stick-latency", 1);
    // Hold mode: close() returns once the file is decided and on the stick.
    let g = gate(&mnt, &dir.join("state-latency-hold"), recipient, false);
    let mut closes = Vec::new();
    for i in 0..50 {
        let mut f = std::fs::File::create(mnt.join(format!("hold{i}.txt"))).unwrap();
        f.write_all(&body).unwrap();
        let t = Instant::now();
        drop(f);
        closes.push(t.elapsed());
    }
    g.unmount().unwrap();
    closes.sort();
    println!(
        "latency hold mode, close() of a benign 1 MiB file (decided and on the stick): median {:.2} ms, p90 {:.2} ms",
        closes[closes.len() / 2].as_secs_f64() * 1e3,
        closes[closes.len() * 9 / 10].as_secs_f64() * 1e3
    );
    // Encrypt-first: close() returns once sealed; released in clear later.
    let lower = std::fs::File::open(&mnt).unwrap();
    let g = gate(&mnt, &dir.join("state-latency-ef"), recipient, true);
    let mut releases = Vec::new();
    let mut sealed_at_close = 0;
    for i in 0..50 {
        let name = format!("ef{i}.txt");
        let mut f = std::fs::File::create(mnt.join(&name)).unwrap();
        f.write_all(&body).unwrap();
        drop(f);
        let t = Instant::now();
        if is_sealed_at(&lower, &name) == Some(true) {
            sealed_at_close += 1;
        }
        while is_sealed_at(&lower, &name) != Some(false) {
            std::thread::sleep(Duration::from_micros(100));
            assert!(t.elapsed() < Duration::from_secs(10), "never released");
        }
        releases.push(t.elapsed());
    }
    g.unmount().unwrap();
    releases.sort();
    println!(
        "latency encrypt-first, close() → released in clear, benign 1 MiB: median {:.2} ms, p90 {:.2} ms ({sealed_at_close}/50 seen sealed after close)",
        releases[releases.len() / 2].as_secs_f64() * 1e3,
        releases[releases.len() * 9 / 10].as_secs_f64() * 1e3
    );
    drop(lower);
    unstick(&dev, &mnt);
}

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn bench_memory(dir: &Path, recipient: &str) {
    let gib: u64 = std::env::var("CORDON_BENCH_BIG_GIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let (dev, mnt) = stick(dir, "stick-big", gib + 2);
    let g = gate(&mnt, &dir.join("state-big"), recipient, false);
    let chunk = text(4 * MIB, false, 11);
    let before = rss_kib("VmRSS:");
    let t = Instant::now();
    let mut f = std::fs::File::create(mnt.join("big.txt")).unwrap();
    let mut written = 0;
    while written < gib << 30 {
        f.write_all(&chunk).unwrap();
        written += chunk.len() as u64;
    }
    drop(f);
    let took = t.elapsed();
    let peak = rss_kib("VmHWM:");
    g.unmount().unwrap();
    println!(
        "memory: {gib} GiB written through the gate (held, inspected, released) in {:.1} s; RSS before {:.1} MiB, peak {:.1} MiB",
        took.as_secs_f64(),
        before as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    unstick(&dev, &mnt);
}
