//! The endpoint agent's numbers (issue #13), on the real kernel, as root:
//!
//! - `open`: the cost the fanotify guard adds to `open()`+`close()` on a
//!   guarded ext4 volume — a user who may write (the answer is cached),
//!   a read-only user's reads (the opener's syscall is read too), and a
//!   read-only user's refused writes — against the same volume unguarded;
//!   each measured by a child process (the guard never judges its own).
//! - `spool`: incidents written (each synced) and read back, per second.
//! - `upload`: a backlog of 100,000 incidents to a real `cordon serve`.
//! - `idle`: CPU and memory of the real agent (`cordon agent run`, default
//!   timings) with a read-only stick, over 30 s.
//!
//! `scripts/bench-agent` builds the release binary and runs this;
//! `CORDON_BENCH_ONLY=open,spool,upload,idle` picks sections.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

#[path = "../tests/it/support.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cordon_agent::guard::{self, Guard, Volume};
use cordon_agent::policy::Policy;
use cordon_agent::spool::Spool;
use support::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--opener") {
        return opener(&args[2..]);
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let only = std::env::var("CORDON_BENCH_ONLY").unwrap_or_default();
    let on = |s: &str| only.is_empty() || only.split(',').any(|o| o == s);
    let root = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"));
    if !root {
        eprintln!("the agent benchmark needs root (loop devices, mounts, fanotify)");
        std::process::exit(2);
    }
    let t = tempfile::Builder::new()
        .prefix("cordon-bench-agent")
        .tempdir()
        .unwrap();
    sh(&format!("chmod 755 {}", t.path().display()));
    if on("open") {
        bench_open(t.path());
    }
    if on("spool") {
        bench_spool(t.path());
    }
    if on("upload") || on("idle") {
        let bin = PathBuf::from(
            std::env::var("CORDON_BIN")
                .expect("CORDON_BIN: the release `cordon` binary (scripts/bench-agent builds it)"),
        );
        let (_server, url, admin) = serve_with(&bin, &t.path().join("server"), "127.0.0.1:0");
        let admin = admin.expect("admin key");
        if on("upload") {
            bench_upload(t.path(), &url, &admin);
        }
        if on("idle") {
            bench_idle(&bin, t.path(), &url, &admin);
        }
    }
}

/// Child: `--opener PATH N read|write` opens PATH N times, prints ns/op.
fn opener(args: &[String]) {
    let (path, n, write) = (
        &args[0],
        args[1].parse::<u32>().unwrap(),
        args[2] == "write",
    );
    let t = Instant::now();
    let mut refused = 0;
    for _ in 0..n {
        let r = std::fs::OpenOptions::new()
            .read(!write)
            .write(write)
            .append(write)
            .open(path);
        if r.is_err() {
            refused += 1;
        }
    }
    println!("{} {refused}", t.elapsed().as_nanos() / u128::from(n));
}

/// The median of three runs of N opens by uid `uid`: ns per open, refused.
fn opens(path: &Path, uid: u32, write: bool) -> (u128, u32) {
    let mut runs: Vec<(u128, u32)> = (0..3)
        .map(|_| {
            let exe = std::env::current_exe().unwrap();
            let o = Command::new("setpriv")
                .args([
                    format!("--reuid={uid}"),
                    format!("--regid={uid}"),
                    "--clear-groups".into(),
                ])
                .arg(exe)
                .arg("--opener")
                .arg(path)
                .args(["20000", if write { "write" } else { "read" }])
                .output()
                .unwrap();
            let out = String::from_utf8_lossy(&o.stdout);
            let mut f = out.split_whitespace();
            (
                f.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| {
                    panic!("opener failed: {}", String::from_utf8_lossy(&o.stderr))
                }),
                f.next().and_then(|v| v.parse().ok()).unwrap_or(0),
            )
        })
        .collect();
    runs.sort_unstable();
    runs[1]
}

fn two_users_policy() -> Policy {
    let body = r#"{"policies": [
        {"id": "10", "name": "Admins write", "who": {"accounts": ["root"]},
         "devices": {"types": [{"class": "3"}]}, "how": {"priority": "20"},
         "what": {"access": {"granted": ["Read", "Write"]}}, "when": {"permanent": "always"}},
        {"id": "20", "name": "Everyone reads", "who": {"sids": ["S-1-1-0"]},
         "devices": {"types": [{"class": "3"}]}, "how": {"priority": "10"},
         "what": {"access": {"granted": ["Read"]}}, "when": {"permanent": "always"}}]}"#;
    Policy::from_payload(&cordon_bundle::Payload {
        group: "g".into(),
        policy_id: "p".into(),
        policy_version: 1,
        serial: 1,
        issued_at: 0,
        format: "json".into(),
        body: body.into(),
        next_key: None,
    })
    .unwrap()
}

fn bench_open(dir: &Path) {
    let media = Media::new(&dir.join("open"));
    let m = media.mnt.display().to_string();
    sh(&format!(
        "mount {} {m} && chmod 1777 {m} && echo hello > {m}/f && chmod 666 {m}/f",
        media.loopdev
    ));
    let file = media.mnt.join("f");
    let (root_plain, _) = opens(&file, 0, false);
    let (nobody_plain, _) = opens(&file, 65534, false);

    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::sync_channel(4096);
    std::thread::spawn(move || while rx.recv().is_ok() {});
    let g = Guard::start(tx, None, stop.clone()).expect("fanotify");
    let mm = media.majmin();
    let (maj, min) = mm.split_once(':').unwrap();
    g.protect(
        guard::dev(maj.parse().unwrap(), min.parse().unwrap()),
        Volume {
            mount_point: m.clone(),
            device: stick(),
            device_name: media.name(),
            policy: Some(Arc::new(two_users_policy())),
            computer: Default::default(),
            through_gate: false,
            shadow_reads: false,
        },
    )
    .unwrap();
    let (root_guarded, _) = opens(&file, 0, false);
    let (nobody_read, _) = opens(&file, 65534, false);
    let (nobody_write, refused) = opens(&file, 65534, true);
    assert_eq!(refused, 20000, "every write of the read-only user refused");
    println!("open+close of a file on loop ext4, median of 3 × 20,000 (ns per open):");
    println!("  unguarded, root: {root_plain}; unguarded, nobody: {nobody_plain}");
    println!(
        "  guarded, root (may write): {root_guarded} (+{})",
        root_guarded.saturating_sub(root_plain)
    );
    println!(
        "  guarded, nobody reading (read only): {nobody_read} (+{})",
        nobody_read.saturating_sub(nobody_plain)
    );
    println!(
        "  guarded, nobody writing (refused): {nobody_write} (+{})",
        nobody_write.saturating_sub(nobody_plain)
    );
    println!(
        "  guard counted {} allowed, {} refused",
        g.counters
            .allowed
            .load(std::sync::atomic::Ordering::Relaxed),
        g.counters.denied.load(std::sync::atomic::Ordering::Relaxed)
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    drop(g);
}

/// The events of `n` refused writes, each with its own file, and the
/// policy's decision on them: what the guard spools.
fn refused_writes(
    n: usize,
) -> (
    Vec<cordon_policy::model::Event>,
    cordon_policy::model::Decision,
) {
    let v = two_users_policy().decide_user(
        &stick(),
        "nobody",
        &[],
        &Default::default(),
        chrono::Utc::now(),
    );
    let (event, decision) = v.decisions.first().cloned().expect("a refused write");
    let events = (0..n)
        .map(|i| {
            let mut e = event.clone();
            e.file = Some(cordon_policy::model::FileInfo {
                path: Some(format!("/media/stick/report-{i}.docx")),
                ..Default::default()
            });
            e
        })
        .collect();
    (events, decision)
}

fn stick() -> cordon_policy::model::DeviceInfo {
    cordon_policy::model::DeviceInfo {
        class: Some("3".into()),
        bus: Some("USB".into()),
        disk: Some("Removable".into()),
        ..Default::default()
    }
}

fn spool_with(dir: &Path, n: usize) -> (Spool, Duration) {
    let mut s = Spool::open(dir, 1 << 40).unwrap();
    let (events, decision) = refused_writes(n);
    let t = Instant::now();
    for (i, e) in events.iter().enumerate() {
        let id = format!("bench-{i:08}");
        for view in cordon_record::IncidentBuilder::new(e, &decision, &id, 1_790_000_000_000)
            .caller("agent")
            .build()
        {
            assert!(s.push(&view).unwrap());
        }
    }
    (s, t.elapsed())
}

fn bench_spool(dir: &Path) {
    // On disk (ext4 on a loop device): each push is synced.
    let media = Media::new(&dir.join("spooldisk"));
    sh(&format!("mount {} {}", media.loopdev, media.mnt.display()));
    let n = 5_000;
    let (mut s, took) = spool_with(&media.mnt.join("spool"), n);
    let per = s.state().pending_bytes / n as u64;
    let t = Instant::now();
    let mut read = 0;
    loop {
        let (batch, next) = s.peek(500);
        if batch.is_empty() {
            break;
        }
        read += batch.len();
        s.ack(next).unwrap();
    }
    println!(
        "spool: {n} incidents pushed (each synced) in {took:?} = {:.0}/s; read and acknowledged {read} in {:?} = {:.0}/s; {} bytes per incident",
        n as f64 / took.as_secs_f64(),
        t.elapsed(),
        read as f64 / t.elapsed().as_secs_f64(),
        per
    );
    // A burst, as the guard's recorder writes it: 100 per sync.
    let (events, decision) = refused_writes(n);
    let t = Instant::now();
    for (c, chunk) in events.chunks(100).enumerate() {
        let ids: Vec<String> = (0..chunk.len()).map(|i| format!("burst-{c}-{i}")).collect();
        let views: Vec<_> = chunk
            .iter()
            .zip(&ids)
            .flat_map(|(e, id)| {
                cordon_record::IncidentBuilder::new(e, &decision, id, 1_790_000_000_000)
                    .caller("agent")
                    .build()
            })
            .collect();
        assert_eq!(s.push_all(&views).unwrap(), views.len());
    }
    println!(
        "spool: {n} incidents pushed in batches of 100 (one sync each) in {:?} = {:.0}/s",
        t.elapsed(),
        n as f64 / t.elapsed().as_secs_f64()
    );
    drop(s);
}

fn enrolled_client(url: &str, admin: &str, name: &str) -> cordon_agent::link::Client {
    let token = group_with_key(
        url,
        admin,
        &format!("{name}-policy"),
        r#"{"policies":[]}"#,
        &format!("{name}-group"),
        &format!("{name}-key"),
    );
    let c = cordon_agent::link::Client::new(url, cordon_agent::config::Token::new(token)).unwrap();
    c.enroll(name, Some(&format!("{name}-group"))).unwrap();
    c
}

fn bench_upload(dir: &Path, url: &str, admin: &str) {
    let client = enrolled_client(url, admin, "bench-upload");
    // The backlog is built on tmpfs (its syncs are free): what is
    // measured is the upload.
    let shm = tempfile::Builder::new().tempdir_in("/dev/shm").unwrap();
    let n = 100_000;
    let (s, built) = spool_with(&shm.path().join("spool"), n);
    let pending = s.state().pending_bytes;
    let s = Mutex::new(s);
    let t = Instant::now();
    let sent = cordon_agent::daemon::upload(&client, &s).unwrap();
    let took = t.elapsed();
    assert_eq!(sent, n);
    assert_eq!(s.lock().unwrap().state().pending_bytes, 0);
    println!(
        "upload: backlog of {n} incidents ({pending} bytes, built in {built:?}) uploaded and acknowledged in {took:?} = {:.0}/s, batches of {}",
        n as f64 / took.as_secs_f64(),
        cordon_agent::UPLOAD_BATCH
    );
    let _ = dir;
}

fn bench_idle(bin: &Path, dir: &Path, url: &str, admin: &str) {
    let token = group_with_key(
        url,
        admin,
        "idle-policy",
        &serde_json::json!({"policies": [{"id": "1", "name": "RO", "who": {"sids": ["S-1-1-0"]},
            "devices": {"types": [{"class": "3"}]}, "how": {"priority": "10"},
            "what": {"access": {"granted": ["Read"]}}, "when": {"permanent": "always"}}]})
        .to_string(),
        "idle-group",
        "idle-key",
    );
    let media = Media::new(&dir.join("idle"));
    sh(&format!("mount {} {}", media.loopdev, media.mnt.display()));
    let sys = dir.join("idle-sys");
    fake_stick_at(&sys, "1-1", &media.name(), &media.majmin());
    let config = dir.join("idle-etc/agent.toml");
    let state = dir.join("idle-state");
    enroll_with(
        bin,
        url,
        &token,
        "idle-group",
        "idle-pc",
        &config,
        &state,
        &sys,
    );
    // Default timings: poll 5 s, evaluate 1 s.
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("poll_secs = 1", "poll_secs = 5");
    std::fs::write(&config, text).unwrap();
    let agent = Proc(
        Command::new(bin)
            .args(["agent", "run", "--config"])
            .arg(&config)
            .env("CORDON_LOG", "warn")
            .spawn()
            .unwrap(),
    );
    let t = Instant::now();
    while !std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .any(|l| {
            l.split(' ').nth(4) == Some(media.mnt.to_str().unwrap())
                && l.split(' ').nth(5).is_some_and(|o| o.starts_with("ro"))
        })
    {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the stick never became read-only"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_secs(2));
    let pid = agent.0.id();
    let cpu = || -> u64 {
        let st = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let f: Vec<&str> = st.rsplit_once(')').unwrap().1.split_whitespace().collect();
        f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
    };
    let (c0, w0) = (cpu(), Instant::now());
    std::thread::sleep(Duration::from_secs(30));
    let ticks = cpu() - c0;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .unwrap_or("")
            .split_whitespace()
            .nth(1)
            .unwrap_or("?")
            .to_owned()
    };
    // Clock ticks are 1/100 s here (getconf CLK_TCK).
    println!(
        "idle: agent CPU {:.3}% of a core over {:?} ({ticks} ticks), VmRSS {} kB, VmHWM {} kB (release, evaluate 1 s, poll 5 s, one read-only stick)",
        ticks as f64 / 100.0 / w0.elapsed().as_secs_f64() * 100.0,
        w0.elapsed(),
        field("VmRSS:"),
        field("VmHWM:")
    );
    drop(agent);
}
