//! The gate on a real FUSE mount over a real directory (root needed, as
//! in CI). The judge here is this crate's contract exercised directly:
//! files containing "Confidential" are blocked, "Encrypt me" sealed, the
//! rest released. The agent's tests run the same gate with real policies,
//! inspection and age.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cordon_medium::{
    Admit, Gate, GateOptions, Judge, Mode, Outcome, Seal, Settled, Writer, Written,
};

/// A reversible seal that is obviously not plaintext: a header, then the
/// bytes inverted.
struct Invert;

const HEADER: &[u8] = b"SEALED\n";

impl Seal for Invert {
    fn seal(&self, input: &mut dyn Read, output: &mut dyn Write) -> io::Result<u64> {
        output.write_all(HEADER)?;
        let mut buf = [0u8; 8192];
        let mut n = 0u64;
        loop {
            let k = input.read(&mut buf)?;
            if k == 0 {
                return Ok(n);
            }
            let inv: Vec<u8> = buf[..k].iter().map(|b| !b).collect();
            output.write_all(&inv)?;
            n += k as u64;
        }
    }
    fn describe(&self) -> String {
        "test inversion".into()
    }
}

fn unseal(b: &[u8]) -> Option<Vec<u8>> {
    b.strip_prefix(HEADER)
        .map(|r| r.iter().map(|b| !b).collect())
}

#[derive(Default)]
struct TestJudge {
    seal: Option<Arc<dyn Seal>>,
    log: Mutex<Vec<(PathBuf, Settled)>>,
    quota: Option<u64>,
    used: AtomicU64,
    delay: Duration,
    /// Release without reading: large files, whose scan in a debug build
    /// is seconds of CPU a loaded CI machine may not give.
    unread: bool,
    /// Told when a decision has been made, before it is returned.
    decided: Option<Mutex<std::sync::mpsc::Sender<()>>>,
    /// Decisions made.
    calls: AtomicU64,
}

impl Judge for TestJudge {
    fn judge(&self, f: &Written<'_>) -> Outcome {
        std::thread::sleep(self.delay);
        if self.unread {
            return Outcome::Release;
        }
        let text = fs::read(f.staged).unwrap_or_default();
        let has = |w: &[u8]| text.windows(w.len()).any(|x| x == w);
        let outcome = if has(b"Confidential") {
            Outcome::Block {
                message: "confidential files may not be copied".into(),
            }
        } else if has(b"Encrypt me") {
            Outcome::Seal(self.seal.clone().unwrap_or_else(|| Arc::new(Invert)))
        } else {
            Outcome::Release
        };
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(tx) = &self.decided {
            let _ = tx.lock().unwrap().send(());
        }
        outcome
    }
    fn settled(&self, f: &Written<'_>, what: &Settled) {
        self.log
            .lock()
            .unwrap()
            .push((f.path.to_owned(), what.clone()));
    }
    fn admit(&self, _w: Writer, _p: &Path, bytes: u64) -> Admit {
        match self.quota {
            Some(q) if self.used.load(Ordering::SeqCst) + bytes > q => Admit::OverQuota {
                message: "quota".into(),
            },
            _ => {
                self.used.fetch_add(bytes, Ordering::SeqCst);
                Admit::Yes
            }
        }
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    lower: PathBuf,
    mnt: PathBuf,
    gate: Option<Gate>,
    judge: Arc<TestJudge>,
}

impl Fixture {
    fn new(judge: TestJudge, mode: impl FnOnce() -> Mode) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let lower = dir.path().join("medium");
        fs::create_dir(&lower).unwrap();
        // The mount point is the medium's directory itself: the gate
        // covers it, as the agent covers a stick's mount.
        let judge = Arc::new(judge);
        let staging = dir.path().join("staging");
        let lower_view = dir.path().join("lower-view");
        fs::create_dir(&lower_view).unwrap();
        // Keep a second view of the real directory to check what is
        // really on the medium.
        rustix::mount::mount_bind(&lower, &lower_view).unwrap();
        let gate = Gate::mount(
            &lower,
            judge.clone(),
            GateOptions {
                mode: mode(),
                staging,
                threads: 2,
                settlers: 1,
                fs_name: "cordon-test".into(),
            },
        )
        .unwrap();
        Fixture {
            mnt: lower.clone(),
            lower: lower_view,
            _dir: dir,
            gate: Some(gate),
            judge,
        }
    }

    fn log(&self) -> Vec<(PathBuf, Settled)> {
        self.judge.log.lock().unwrap().clone()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some(g) = self.gate.take() {
            g.unmount().unwrap();
        }
        let _ = rustix::mount::unmount(&self.lower, rustix::mount::UnmountFlags::DETACH);
    }
}

/// Copies `data` to `dest` with cp(1), as a user would; the exit status
/// and message say what close() said.
fn cp(dest: &Path, data: &[u8]) -> Result<(), String> {
    let src = tempfile::NamedTempFile::new().unwrap();
    fs::write(src.path(), data).unwrap();
    let out = std::process::Command::new("cp")
        .arg(src.path())
        .arg(dest)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn wait_for(what: &str, cond: impl FnMut() -> bool) {
    wait_for_within(10, what, cond);
}

fn wait_for_within(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out waiting {secs} s for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn benign_files_are_released_in_clear() {
    let fx = Fixture::new(TestJudge::default(), || Mode::Hold);
    cp(&fx.mnt.join("notes.txt"), b"lunch at noon\n").unwrap();
    assert_eq!(
        fs::read(fx.lower.join("notes.txt")).unwrap(),
        b"lunch at noon\n"
    );
    assert_eq!(
        fs::read(fx.mnt.join("notes.txt")).unwrap(),
        b"lunch at noon\n"
    );
    assert_eq!(
        fx.log(),
        vec![(PathBuf::from("notes.txt"), Settled::Released)]
    );
    // Nothing of the gate's is left on the medium.
    let names: Vec<_> = fs::read_dir(&fx.lower)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![OsStr::new("notes.txt").to_owned()]);
}

#[test]
fn blocked_files_never_reach_the_medium_and_close_fails() {
    let fx = Fixture::new(TestJudge::default(), || Mode::Hold);
    fs::create_dir(fx.mnt.join("sub")).unwrap();
    let err = cp(&fx.mnt.join("sub/secret.txt"), b"Confidential: Q3 numbers").unwrap_err();
    assert!(err.contains("Operation not permitted"), "{err}");
    assert!(!fx.lower.join("sub/secret.txt").exists());
    assert!(!fx.mnt.join("sub/secret.txt").exists());
    assert_eq!(fs::read_dir(fx.lower.join("sub")).unwrap().count(), 0);
    assert!(
        matches!(&fx.log()[0], (p, Settled::Blocked { .. }) if p == Path::new("sub/secret.txt"))
    );
}

#[test]
fn an_overwrite_that_is_blocked_leaves_the_old_file() {
    let fx = Fixture::new(TestJudge::default(), || Mode::Hold);
    cp(&fx.mnt.join("a.txt"), b"old and benign").unwrap();
    assert!(cp(&fx.mnt.join("a.txt"), b"Confidential now").is_err());
    assert_eq!(fs::read(fx.lower.join("a.txt")).unwrap(), b"old and benign");
    assert_eq!(fs::read(fx.mnt.join("a.txt")).unwrap(), b"old and benign");
}

/// A second handle appends "Confidential" to a large benign file the
/// moment its decision is made, while the gate writes it out: the medium
/// must never get the appended bytes in clear (the decision was made
/// without them), and the file must be judged again.
fn a_change_after_the_decision_is_judged(mode: fn() -> Mode) {
    // At once (while the file is written out), and a moment later (after
    // it was let go): the change is judged either way.
    for delay in [0, 100] {
        a_change_after_the_decision_is_judged_after(mode, Duration::from_millis(delay));
    }
}

fn a_change_after_the_decision_is_judged_after(mode: fn() -> Mode, delay: Duration) {
    let (tx, rx) = std::sync::mpsc::channel();
    let judge = TestJudge {
        decided: Some(Mutex::new(tx)),
        ..TestJudge::default()
    };
    let fx = Fixture::new(judge, mode);
    let path = fx.mnt.join("big.txt");
    let benign = "lunch at noon, nothing to see here\n".repeat(8 << 20 >> 5);
    let writer = {
        let path = path.clone();
        std::thread::spawn(move || {
            let mut f = fs::File::create(&path).unwrap();
            f.write_all(benign.as_bytes()).unwrap();
            // The last close: the gate decides, then writes the file out.
            drop(f);
        })
    };
    rx.recv_timeout(Duration::from_secs(60)).unwrap();
    std::thread::sleep(delay);
    let mut second = fs::OpenOptions::new().append(true).open(&path).unwrap();
    second.write_all(b"Confidential: the merger\n").unwrap();
    drop(second);
    writer.join().unwrap();
    wait_for_within(60, "the change judged", || {
        fx.judge.calls.load(Ordering::SeqCst) >= 2
    });
    // Settled again with the change, or blocked: never in clear with it.
    std::thread::sleep(Duration::from_millis(200));
    if let Ok(on_medium) = fs::read(fx.lower.join("big.txt")) {
        let clear = unseal(&on_medium).is_none();
        let leaked = on_medium.windows(12).any(|w| w == b"Confidential");
        assert!(
            !(clear && leaked),
            "unjudged bytes reached the medium in clear"
        );
    }
}

#[test]
fn a_change_after_the_decision_is_judged_before_it_is_written_out() {
    a_change_after_the_decision_is_judged(|| Mode::Hold);
}

#[test]
fn a_change_after_the_decision_is_judged_before_it_is_released() {
    a_change_after_the_decision_is_judged(|| Mode::EncryptFirst(Arc::new(Invert)));
}

#[test]
fn sensitive_files_are_sealed_on_the_medium() {
    let fx = Fixture::new(TestJudge::default(), || Mode::Hold);
    cp(&fx.mnt.join("plan.txt"), b"Encrypt me, please").unwrap();
    let on_medium = fs::read(fx.lower.join("plan.txt")).unwrap();
    assert_eq!(unseal(&on_medium).unwrap(), b"Encrypt me, please");
    assert_eq!(fs::read(fx.mnt.join("plan.txt")).unwrap(), on_medium);
    assert_eq!(fx.log()[0].1, Settled::Sealed);
}

#[test]
fn a_file_written_then_renamed_is_judged_under_its_first_name_and_kept() {
    let fx = Fixture::new(TestJudge::default(), || Mode::Hold);
    cp(&fx.mnt.join(".tmp-x"), b"Encrypt me").unwrap();
    fs::rename(fx.mnt.join(".tmp-x"), fx.mnt.join("x")).unwrap();
    assert!(unseal(&fs::read(fx.lower.join("x")).unwrap()).is_some());
    assert!(!fx.lower.join(".tmp-x").exists());
}

#[test]
fn odd_names_and_many_small_files() {
    let fx = Fixture::new(TestJudge::default(), || Mode::Hold);
    let odd = OsStr::from_bytes(b"r\xe9sum\xe9 \x01\n.txt");
    cp(&fx.mnt.join(odd), b"benign").unwrap();
    assert_eq!(fs::read(fx.lower.join(odd)).unwrap(), b"benign");
    let dir = fx.mnt.join("many");
    fs::create_dir(&dir).unwrap();
    for i in 0..500 {
        let mut f = fs::File::create(dir.join(format!("f{i}"))).unwrap();
        f.write_all(format!("file {i}").as_bytes()).unwrap();
    }
    wait_for("500 files settled", || {
        fs::read_dir(fx.lower.join("many")).unwrap().count() == 500
    });
    assert_eq!(fs::read(fx.lower.join("many/f499")).unwrap(), b"file 499");
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 500);
}

#[test]
fn writes_past_the_quota_fail_with_a_quota_error() {
    let judge = TestJudge {
        quota: Some(100_000),
        ..TestJudge::default()
    };
    let fx = Fixture::new(judge, || Mode::Hold);
    cp(&fx.mnt.join("small"), &[b'a'; 60_000]).unwrap();
    let err = cp(&fx.mnt.join("big"), &[b'b'; 60_000]).unwrap_err();
    assert!(err.contains("quota"), "{err}");
    assert!(fx.gate.as_ref().unwrap().stats().over_quota >= 1);
}

#[test]
fn encrypt_first_seals_at_close_and_releases_benign_files_after_inspection() {
    let judge = TestJudge {
        delay: Duration::from_millis(400),
        ..TestJudge::default()
    };
    let fx = Fixture::new(judge, || Mode::EncryptFirst(Arc::new(Invert)));
    cp(&fx.mnt.join("benign.txt"), b"just a note").unwrap();
    // At close it is on the medium, sealed.
    let first = fs::read(fx.lower.join("benign.txt")).unwrap();
    assert_eq!(unseal(&first).unwrap(), b"just a note");
    wait_for("release", || {
        fs::read(fx.lower.join("benign.txt")).unwrap() == b"just a note"
    });
    cp(&fx.mnt.join("secret.txt"), b"Encrypt me").unwrap();
    cp(&fx.mnt.join("blocked.txt"), b"Confidential").unwrap();
    wait_for("decisions", || fx.log().len() >= 6);
    assert!(unseal(&fs::read(fx.lower.join("secret.txt")).unwrap()).is_some());
    assert!(!fx.lower.join("blocked.txt").exists());
    let log = fx.log();
    assert!(log.contains(&(
        PathBuf::from("benign.txt"),
        Settled::ReleasedAfterInspection
    )));
    assert!(log.contains(&(PathBuf::from("secret.txt"), Settled::Sealed)));
}

#[test]
fn after_a_crash_pending_files_are_judged_again_from_their_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let lower = dir.path().join("medium");
    let staging = dir.path().join("staging");
    fs::create_dir_all(lower.join("sub")).unwrap();
    fs::create_dir_all(&staging).unwrap();
    // What a killed encrypt-first gate leaves: each file sealed on the
    // medium, its plaintext in staging and a record; plus a held file
    // that never reached the medium (no record).
    let pending = [
        (
            "sub/benign.txt",
            "0000000000000001",
            b"a plain note".as_slice(),
        ),
        (
            "secret.txt",
            "0000000000000002",
            b"Confidential plan".as_slice(),
        ),
        ("ask.txt", "0000000000000003", b"Encrypt me".as_slice()),
    ];
    for (path, staged, plain) in pending {
        let mut sealed = Vec::new();
        Invert.seal(&mut &plain[..], &mut sealed).unwrap();
        fs::write(lower.join(path), &sealed).unwrap();
        fs::write(staging.join(staged), plain).unwrap();
        let rec = serde_json::json!({"path": path.as_bytes(), "staged": staged, "uid": 0, "gid": 0, "mode": 0o644});
        fs::write(staging.join(format!("{staged}.pending")), rec.to_string()).unwrap();
    }
    fs::write(staging.join("0000000000000009"), b"never written out").unwrap();
    let root = rustix::fs::open(
        &lower,
        rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY,
        rustix::fs::Mode::empty(),
    )
    .unwrap();
    let judge = TestJudge::default();
    let mut done = cordon_medium::recover(&root, &staging, &judge).unwrap();
    done.sort_by(|a, b| a.path.cmp(&b.path));
    let what: Vec<_> = done
        .iter()
        .map(|r| (r.path.to_str().unwrap(), r.what.clone()))
        .collect();
    assert_eq!(what[0], ("ask.txt", Settled::Sealed));
    assert!(
        matches!(what[1], ("secret.txt", Settled::Blocked { .. })),
        "{what:?}"
    );
    assert_eq!(
        what[2],
        ("sub/benign.txt", Settled::ReleasedAfterInspection)
    );
    assert_eq!(
        fs::read(lower.join("sub/benign.txt")).unwrap(),
        b"a plain note"
    );
    assert!(!lower.join("secret.txt").exists());
    assert!(unseal(&fs::read(lower.join("ask.txt")).unwrap()).is_some());
    // Staging is empty: records, plaintext and the orphan are gone.
    assert_eq!(fs::read_dir(&staging).unwrap().count(), 0);
    // A record whose path tries to leave the medium is refused.
    fs::write(staging.join("0000000000000004"), b"x").unwrap();
    let rec = serde_json::json!({"path": b"../outside.txt", "staged": "0000000000000004", "uid": 0, "gid": 0, "mode": 0o644});
    fs::write(staging.join("0000000000000004.pending"), rec.to_string()).unwrap();
    let done = cordon_medium::recover(&root, &staging, &judge).unwrap();
    assert!(matches!(done[0].what, Settled::Failed { .. }), "{done:?}");
    assert!(!dir.path().join("outside.txt").exists());
}

/// What drives a stick's filesystem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Driver {
    /// ext4, in the kernel.
    Ext4,
    /// exFAT through Debian's `exfat-fuse`: a FUSE daemon that reads and
    /// writes the block device itself, as exFAT sticks are driven on a
    /// kernel without the exfat module (this one).
    ExFat,
    /// FAT through Debian's `fusefat`, likewise (no vfat module either).
    Fat,
}

impl Driver {
    /// The command that formats the image `img`.
    fn format(self, img: &Path) -> String {
        let img = img.display();
        match self {
            Driver::Ext4 => format!("mkfs.ext4 -q -F {img}"),
            Driver::ExFat => format!("mkfs.exfat {img}"),
            Driver::Fat => format!("mkfs.vfat {img}"),
        }
    }

    /// The command that mounts `dev` on `mnt`. The FUSE daemons go to the
    /// background with their output on /dev/null: `sh` is not kept
    /// waiting on its pipes.
    fn mount(self, dev: &str, mnt: &Path) -> String {
        let mnt = mnt.display();
        match self {
            Driver::Ext4 => format!("mount -t ext4 {dev} {mnt}"),
            Driver::ExFat => format!("mount.exfat-fuse {dev} {mnt}"),
            Driver::Fat => format!("fusefat -o rw+ {dev} {mnt}"),
        }
    }

    /// Whether the driver keeps the stick's directory tree, names and
    /// sizes, in memory, and answers from it without the device: so does
    /// exfat-fuse.
    fn remembers_its_tree(self) -> bool {
        self == Driver::ExFat
    }

    /// What the filesystem says (strerror) to writes once its stick is
    /// gone: ext4 and exfat-fuse EIO; fusefat answers every failure with
    /// EPERM.
    fn pulled_error(self) -> &'static str {
        match self {
            Driver::Ext4 | Driver::ExFat => "Input/output error",
            Driver::Fat => "Operation not permitted",
        }
    }
}

/// A USB stick on a loop device: an image, attached, formatted and
/// mounted by its driver.
struct Stick {
    driver: Driver,
    img: PathBuf,
    dev: String,
    mnt: PathBuf,
    /// A second view of the stick's filesystem, as the desktop mounts it
    /// (the gate covers `mnt`).
    view: PathBuf,
    /// Whether `dev` is detached, or will be at its last holder's close.
    detached: std::cell::Cell<bool>,
}

fn sh(cmd: &str) -> String {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

impl Stick {
    fn new(dir: &Path, driver: Driver) -> Stick {
        let img = dir.join("stick.img");
        sh(&format!("truncate -s 96M {}", img.display()));
        sh(&driver.format(&img));
        let dev = sh(&format!("losetup -f --show {}", img.display()));
        let mnt = dir.join("medium");
        fs::create_dir(&mnt).unwrap();
        sh(&driver.mount(&dev, &mnt));
        let view = dir.join("view");
        fs::create_dir(&view).unwrap();
        rustix::mount::mount_bind(&mnt, &view).unwrap();
        Stick {
            driver,
            img,
            dev,
            mnt,
            view,
            detached: std::cell::Cell::new(false),
        }
    }

    /// The stick is pulled out, as the kernel sees it, then what the
    /// desktop and the kernel do next: the lazy unmount of the medium's
    /// other view and the loop device's detach (completed once the last
    /// holder lets go).
    ///
    /// ext4: on this kernel (6.x) neither `umount -l` nor `losetup -d`
    /// alone makes anything fail: a lazily unmounted filesystem lives on,
    /// writable, while a descriptor (the gate's root) holds it, and
    /// `losetup -d` of a device in use only marks it to be detached at its
    /// last close. What the kernel does when a USB disk really goes is
    /// `fs_bdev_mark_dead()`, which shuts ext4 down
    /// (`ext4_shutdown(…, EXT4_GOING_FLAGS_NOLOGFLUSH)`): from then on
    /// every write, create and lookup fails with EIO. The same shutdown is
    /// reached from user space by `EXT4_IOC_SHUTDOWN` with `NOLOGFLUSH`
    /// (through `root`, a descriptor of the stick's root).
    ///
    /// A FUSE driver: the kernel has no filesystem to shut down; the
    /// daemon reads and writes the block device itself. When a USB disk
    /// goes, `del_gendisk()` marks it dead, which sets its capacity to 0
    /// ("stop buffered writers from dirtying pages that can't be written
    /// out") and fails new I/O: from then on the daemon's `pread`s of the
    /// device return nothing, its `pwrite`s fail (`ENOSPC`, past the end)
    /// and its `lseek`s past the end `EINVAL`. A loop device is brought to
    /// the same state by emptying its backing file and `losetup -c`
    /// (`LOOP_SET_CAPACITY`: capacity 0) — traced with strace, that is
    /// what exfat-fuse and fusefat then see, and they fail the write,
    /// create or lookup (exfat-fuse with EIO, fusefat with EPERM) rather
    /// than hang. The daemon lives on, as it does until its mount goes.
    fn pull(&self, root: &fs::File) {
        match self.driver {
            Driver::Ext4 => shutdown_nologflush(root),
            Driver::ExFat | Driver::Fat => {
                sh(&format!(
                    "truncate -s 0 {} && losetup -c {}",
                    self.img.display(),
                    self.dev
                ));
            }
        }
        sh(&format!("umount -l {}", self.view.display()));
        sh(&format!("losetup -d {}", self.dev));
        self.detached.set(true);
    }
}

impl Drop for Stick {
    fn drop(&mut self) {
        // Whatever is left after a pull (or a failed test): the view, the
        // mount the gate covered, the loop device — unless the pull has
        // detached it already (at its last holder's close, which may have
        // come and gone: by now its number may be another test's stick).
        for m in [&self.view, &self.mnt] {
            let _ = rustix::mount::unmount(m, rustix::mount::UnmountFlags::DETACH);
        }
        if !self.detached.get() {
            let _ = std::process::Command::new("losetup")
                .args(["-d", &self.dev])
                .stderr(std::process::Stdio::null())
                .status();
        }
    }
}

/// `ioctl(EXT4_IOC_SHUTDOWN, EXT4_GOING_FLAGS_NOLOGFLUSH)`: what the
/// kernel does to ext4 when its block device disappears.
#[allow(unsafe_code)]
fn shutdown_nologflush(root: &fs::File) {
    // _IOR('X', 125, __u32)
    const EXT4_IOC_SHUTDOWN: rustix::ioctl::Opcode = 0x8004_587d;
    const NOLOGFLUSH: u32 = 2;
    // SAFETY: EXT4_IOC_SHUTDOWN reads one u32 from the pointer it is
    // given, which `Setter` passes to a live u32.
    unsafe {
        rustix::ioctl::ioctl(
            root,
            rustix::ioctl::Setter::<EXT4_IOC_SHUTDOWN, u32>::new(NOLOGFLUSH),
        )
    }
    .unwrap();
}

/// Runs `f` on a thread and fails the test if it does not return within
/// `secs` (a hang in the gate must not hang the suite).
fn within<T: Send + 'static>(secs: u64, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(v) => v,
        Err(_) => panic!("{what}: no answer in {secs} s (hung)"),
    }
}

#[test]
fn a_stick_pulled_mid_write_fails_the_write_and_is_reported() {
    pulled_mid_write(Driver::Ext4);
}

/// The same on a stick whose filesystem a FUSE daemon drives, as exFAT
/// and FAT sticks are here: the pull fails the daemon's own reads and
/// writes of the device (see [`Stick::pull`]), and what it then answers
/// the gate must end the same way.
#[test]
fn an_exfat_stick_pulled_mid_write_fails_the_write_and_is_reported() {
    pulled_mid_write(Driver::ExFat);
}

/// fusefat answers every failure with EPERM, the answer to a blocked
/// file's writer too: the report must still say it failed.
#[test]
fn a_fat_stick_pulled_mid_write_fails_the_write_and_is_reported() {
    pulled_mid_write(Driver::Fat);
}

/// A user's copy onto a stick that is pulled out while the gate holds the
/// file: the writer is told, nothing hangs, the judge hears of it, no
/// plaintext stays behind and the gate comes off.
fn pulled_mid_write(driver: Driver) {
    const MIB: usize = 1 << 20;
    let dir = tempfile::tempdir().unwrap();
    let stick = Stick::new(dir.path(), driver);
    // A descriptor of the stick's root, taken before the gate covers it,
    // for the shutdown of ext4.
    let root = fs::File::open(&stick.mnt).unwrap();
    let staging = dir.path().join("staging");
    let judge = Arc::new(TestJudge {
        unread: true,
        ..TestJudge::default()
    });
    let gate = Gate::mount(
        &stick.mnt,
        judge.clone(),
        GateOptions {
            mode: Mode::Hold,
            staging: staging.clone(),
            threads: 2,
            settlers: 1,
            fs_name: "cordon-test".into(),
        },
    )
    .unwrap();
    let mnt = stick.mnt.clone();
    let big = mnt.join("big.bin");

    // A user copies a large file with dd, fed from a pipe so the test
    // knows how far it has got.
    let mut dd = std::process::Command::new("dd")
        .arg(format!("of={}", big.display()))
        .args(["bs=1M", "iflag=fullblock", "status=none"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = dd.stdin.take().unwrap();
    let chunk = vec![0x5au8; MIB];
    for _ in 0..16 {
        input.write_all(&chunk).unwrap();
    }
    {
        let big = big.clone();
        wait_for_within(120, "16 MiB written through the gate", move || {
            fs::metadata(&big).is_ok_and(|m| m.len() >= 16 * MIB as u64)
        });
    }

    stick.pull(&root);
    drop(root);

    // The user's process goes on writing, then closes: the file cannot be
    // put on the medium and close() says why.
    // Every wait is bounded, generously: a hang fails the test, a slow
    // machine does not.
    let out = within(150, "dd after the pull", move || {
        for _ in 0..16 {
            if input.write_all(&chunk).is_err() {
                break;
            }
        }
        drop(input);
        let start = Instant::now();
        loop {
            if let Some(st) = dd.try_wait().unwrap() {
                let mut err = String::new();
                dd.stderr.take().unwrap().read_to_string(&mut err).unwrap();
                return Some((st, err));
            }
            if start.elapsed() > Duration::from_secs(120) {
                let _ = dd.kill();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let (status, err) = out.expect("dd did not finish within 120 s of the pull");
    assert!(!status.success(), "dd succeeded on a pulled stick: {err}");
    assert!(err.contains(driver.pulled_error()), "dd said: {err}");

    // The judge is told, with the reason, for the incident.
    let log = judge.log.lock().unwrap().clone();
    assert!(
        log.iter().any(|(p, s)| p == Path::new("big.bin")
            && matches!(s, Settled::Failed { error } if error.contains(driver.pulled_error()))),
        "{log:?}"
    );
    assert_eq!(gate.stats().failed, 1);
    // Its plaintext does not stay behind in staging.
    {
        let staging = staging.clone();
        wait_for_within(120, "staging emptied", move || {
            fs::read_dir(&staging).unwrap().count() == 0
        });
    }

    // Later operations fail rather than hang.
    let later = mnt.clone();
    let after = within(120, "copying another file", move || {
        cp(&later.join("after.txt"), b"written after the pull")
    });
    assert!(after.is_err(), "a copy onto a pulled stick succeeded");
    let later = mnt.clone();
    let made = within(120, "mkdir", move || fs::create_dir(later.join("d")));
    assert!(made.is_err(), "mkdir on a pulled stick succeeded");
    // dd opens its output, dup2()s it to fd 1 and closes the first
    // descriptor: that close settled an empty big.bin onto the stick
    // before the pull. Whatever the name shows now, the bytes written
    // since never reached the medium: it cannot be read, or, where the
    // driver answers from the tree it keeps in memory, it is the empty
    // file it was.
    let later = mnt.clone();
    let read = within(120, "reading the failed file", move || {
        fs::read(later.join("big.bin")).map(|b| b.len())
    });
    assert!(
        match read {
            Err(_) => true,
            Ok(n) => n == 0 && driver.remembers_its_tree(),
        },
        "a file on the pulled stick was read: {read:?}"
    );

    // And the gate comes off.
    within(120, "unmounting the gate", move || gate.unmount()).unwrap();
    assert_eq!(fs::read_dir(&staging).unwrap().count(), 0);
}
