//! `cordon unseal`: a USB stick's tree of files sealed by the agent (and
//! by Debian's `age`), a plain file, a symbolic link, a damaged file and a
//! file sealed for another key; keys made by `age-keygen`.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use assert_cmd::prelude::*;
use cordon_seal::Recipients;

fn cordon() -> Command {
    Command::cargo_bin("cordon").unwrap()
}

pub(crate) fn tool(name: &str) -> PathBuf {
    let path = Path::new("/usr/bin").join(name);
    assert!(
        path.exists(),
        "{} is needed (scripts/install-test-deps installs it)",
        path.display()
    );
    path
}

/// `age-keygen -o DIR/NAME`: the key file and its recipient.
fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    let out = Command::new(tool("age-keygen"))
        .arg("-o")
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = Command::new(tool("age-keygen"))
        .arg("-y")
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success());
    (
        key,
        String::from_utf8(out.stdout).unwrap().trim().to_owned(),
    )
}

fn random(seed: u64, len: usize) -> Vec<u8> {
    let mut s = seed | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 24) as u8
        })
        .collect()
}

fn seal_with_cordon(to: &Recipients, plain: &[u8], path: &Path) {
    cordon_seal::seal(to, plain, fs::File::create(path).unwrap()).unwrap();
}

fn seal_with_age(recipient: &str, plain: &[u8], path: &Path) {
    let mut child = Command::new(tool("age"))
        .args(["-r", recipient, "-o"])
        .arg(path)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(plain).unwrap();
    assert!(child.wait().unwrap().success());
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every temporary file left under `dir` (there must be none).
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        let meta = fs::symlink_metadata(&p).unwrap();
        if meta.is_dir() {
            found.extend(leftovers(&p));
        } else if p
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(".cordon-unseal-")
        {
            found.push(p);
        }
    }
    found
}

/// A stick: `usb/` under a fresh directory, with keys k1 (the admin's),
/// k2 (a second admin's) and k3 (someone else's).
struct Stick {
    dir: tempfile::TempDir,
    report: Vec<u8>,
    big: Vec<u8>,
    /// The sealed bytes of the files that must fail.
    damaged: Vec<u8>,
    other: Vec<u8>,
}

impl Stick {
    fn new() -> Stick {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (_, r1) = keygen(d, "k1.txt");
        let (_, r2) = keygen(d, "k2.txt");
        let (_, r3) = keygen(d, "k3.txt");
        let usb = d.join("usb");
        fs::create_dir_all(usb.join("photos")).unwrap();

        let report = b"quarterly report\n".to_vec();
        seal_with_age(&r1, &report, &usb.join("report.txt"));
        fs::set_permissions(usb.join("report.txt"), fs::Permissions::from_mode(0o640)).unwrap();
        fs::write(usb.join("notes.txt"), b"not sealed\n").unwrap();
        std::os::unix::fs::symlink("report.txt", usb.join("link.txt")).unwrap();

        let both = Recipients::parse([r1.as_str(), r2.as_str()]).unwrap();
        let big = random(1, 300_000);
        seal_with_cordon(&both, &big, &usb.join("photos/big.bin"));
        seal_with_cordon(&both, b"", &usb.join("photos/empty.bin"));
        seal_with_cordon(&both, &random(2, 1000), &usb.join("photos/damaged.bin"));
        let mut damaged = fs::read(usb.join("photos/damaged.bin")).unwrap();
        let last = damaged.len() - 20;
        damaged[last] ^= 0x40;
        fs::write(usb.join("photos/damaged.bin"), &damaged).unwrap();
        seal_with_age(&r3, b"for someone else", &usb.join("other.txt"));
        let other = fs::read(usb.join("other.txt")).unwrap();
        Stick {
            dir,
            report,
            big,
            damaged,
            other,
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn unseal(&self, args: &[&str]) -> Output {
        cordon()
            .current_dir(self.dir.path())
            .arg("unseal")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

#[test]
fn in_place_decrypts_what_it_can_and_leaves_the_rest_untouched() {
    let s = Stick::new();
    let out = s.unseal(&["-i", "k1.txt", "usb"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    insta::assert_snapshot!(text(&out));

    assert_eq!(fs::read(s.path("usb/report.txt")).unwrap(), s.report);
    let mode = fs::metadata(s.path("usb/report.txt")).unwrap().mode() & 0o777;
    assert_eq!(mode, 0o640, "the sealed file's mode is kept");
    assert_eq!(fs::read(s.path("usb/photos/big.bin")).unwrap(), s.big);
    assert_eq!(fs::read(s.path("usb/photos/empty.bin")).unwrap(), b"");
    assert_eq!(fs::read(s.path("usb/notes.txt")).unwrap(), b"not sealed\n");
    // Failed files are exactly as they were.
    assert_eq!(
        fs::read(s.path("usb/photos/damaged.bin")).unwrap(),
        s.damaged
    );
    assert_eq!(fs::read(s.path("usb/other.txt")).unwrap(), s.other);
    // The link is still a link, to the same name.
    let link = s.path("usb/link.txt");
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("report.txt"));
    assert_eq!(leftovers(s.dir.path()), Vec::<PathBuf>::new());

    // The other key opens the other file; the run is then clean.
    let out = s.unseal(&["-i", "k3.txt", "usb/other.txt"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        fs::read(s.path("usb/other.txt")).unwrap(),
        b"for someone else"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("1 decrypted, 0 not sealed, 0 failed\n"),
        "{}",
        text(&out)
    );
}

#[test]
fn output_directory_mirrors_the_tree_and_leaves_the_stick_alone() {
    let s = Stick::new();
    let out = s.unseal(&["-i", "k1.txt", "-i", "k2.txt", "usb", "-o", "recovered"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("decrypted: usb/photos/big.bin -> recovered/usb/photos/big.bin\n"),
        "{stdout}"
    );
    assert_eq!(
        fs::read(s.path("recovered/usb/report.txt")).unwrap(),
        s.report
    );
    assert_eq!(
        fs::read(s.path("recovered/usb/photos/big.bin")).unwrap(),
        s.big
    );
    assert_eq!(
        fs::read(s.path("recovered/usb/photos/empty.bin")).unwrap(),
        b""
    );
    // Only decrypted files are written there.
    for absent in ["notes.txt", "link.txt", "other.txt", "photos/damaged.bin"] {
        assert!(
            !s.path(&format!("recovered/usb/{absent}")).exists(),
            "{absent}"
        );
    }
    // The stick is untouched: still sealed.
    assert!(cordon_seal::is_sealed_file(&s.path("usb/report.txt")).unwrap());
    assert!(cordon_seal::is_sealed_file(&s.path("usb/photos/big.bin")).unwrap());
    assert_eq!(leftovers(s.dir.path()), Vec::<PathBuf>::new());

    // A file named alone goes to DIR/name; a second run does not overwrite.
    let out = s.unseal(&["-i", "k1.txt", "usb/report.txt", "-o", "single"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(fs::read(s.path("single/report.txt")).unwrap(), s.report);
    fs::write(s.path("single/report.txt"), b"edited since").unwrap();
    let out = s.unseal(&["-i", "k1.txt", "usb/report.txt", "-o", "single"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("exists, not overwritten"),
        "{}",
        text(&out)
    );
    assert_eq!(
        fs::read(s.path("single/report.txt")).unwrap(),
        b"edited since"
    );
}

#[test]
fn an_output_directory_inside_the_tree_is_not_walked() {
    let s = Stick::new();
    let out = cordon()
        .current_dir(s.path("usb"))
        .args(["unseal", "-i", "../k1.txt", ".", "-o", "rec"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // `.` has no name: its tree goes straight under the output directory.
    assert_eq!(fs::read(s.path("usb/rec/report.txt")).unwrap(), s.report);
    assert_eq!(fs::read(s.path("usb/rec/photos/big.bin")).unwrap(), s.big);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("./rec/"), "{stdout}");
}

#[test]
fn passphrases_from_the_environment_or_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let to = Recipients::passphrase_with_work_factor("stick passphrase", 10);
    for name in ["a.age", "b.age", "c.age"] {
        seal_with_cordon(&to, name.as_bytes(), &d.join(name));
    }
    let run = |args: &[&str], env: Option<&str>| {
        let mut cmd = cordon();
        cmd.current_dir(d)
            .arg("unseal")
            .args(args)
            .stdin(Stdio::null());
        cmd.env_remove("CORDON_PASSPHRASE");
        if let Some(p) = env {
            cmd.env("CORDON_PASSPHRASE", p);
        }
        cmd.output().unwrap()
    };

    let out = run(&["--passphrase", "a.age"], Some("not it"));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("failed: a.age: wrong passphrase\n"),
        "{}",
        text(&out)
    );
    let out = run(&["--passphrase", "a.age"], Some("stick passphrase"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(fs::read(d.join("a.age")).unwrap(), b"a.age");

    // A key alone: the file asks for a passphrase.
    let (key, _) = keygen(d, "k.txt");
    let out = run(&["-i", key.to_str().unwrap(), "b.age"], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("sealed with a passphrase"),
        "{}",
        text(&out)
    );

    // Neither a terminal nor the variable: a usage error.
    let out = run(&["--passphrase", "b.age"], None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("CORDON_PASSPHRASE"),
        "{}",
        text(&out)
    );

    // On a terminal, typed without echo. The test owns the pseudo-terminal,
    // so it types only once the program has turned echo off: typed earlier,
    // the line is echoed (and was lost on a loaded machine).
    let (mut master, slave) = pty();
    let bin = assert_cmd::cargo::cargo_bin("cordon");
    let mut child = Command::new(tool("setsid"))
        .current_dir(d)
        // A new session whose controlling terminal is the pseudo-terminal,
        // so the prompt's /dev/tty is it.
        .args(["--ctty", "--wait", "timeout", "60"])
        .arg(&bin)
        .args(["unseal", "--passphrase", "b.age"])
        .env_remove("CORDON_PASSPHRASE")
        .stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave)
        .spawn()
        .unwrap();
    let mut reader_end = master.try_clone().unwrap();
    let reader = std::thread::spawn(move || {
        let mut screen = Vec::new();
        let mut buf = [0u8; 256];
        // EIO once the last process holding the terminal has gone.
        while let Ok(n @ 1..) = std::io::Read::read(&mut reader_end, &mut buf) {
            screen.extend_from_slice(&buf[..n]);
        }
        screen
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let modes = rustix::termios::tcgetattr(&master).unwrap().local_modes;
        if !modes.contains(rustix::termios::LocalModes::ECHO) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "echo still on after a minute"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    master.write_all(b"stick passphrase\n").unwrap();
    let status = child.wait().unwrap();
    let screen = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    assert!(status.success(), "{screen}");
    assert!(screen.contains("Passphrase: "), "{screen}");
    assert!(!screen.contains("stick passphrase"), "echoed: {screen}");
    assert_eq!(fs::read(d.join("b.age")).unwrap(), b"b.age");
}

/// A new pseudo-terminal: its master and its slave, both open.
pub(crate) fn pty() -> (fs::File, fs::File) {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let slave = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().unwrap())
        .unwrap();
    (fs::File::from(master), slave)
}

#[test]
fn usage_errors_exit_two_and_never_print_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, _) = keygen(d, "k.txt");
    fs::write(d.join("f"), b"x").unwrap();
    let run = |args: &[&str]| {
        cordon()
            .current_dir(d)
            .arg("unseal")
            .args(args)
            .stdin(Stdio::null())
            .env_remove("CORDON_PASSPHRASE")
            .output()
            .unwrap()
    };
    // Neither an identity nor --passphrase.
    let out = run(&["f"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    // A broken key line: the file and line are named, the key is not shown.
    let good = fs::read_to_string(&key).unwrap();
    let secret = good
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .unwrap();
    let broken = format!("# my keys\n{}Q\n", secret);
    fs::write(d.join("broken.txt"), &broken).unwrap();
    let out = run(&["-i", "broken.txt", "f"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.txt:2: not an age identity"),
        "{stderr}"
    );
    assert!(!stderr.contains(&secret[16..]), "{stderr}");

    let out = run(&["-i", "missing.txt", "f"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("reading identity file `missing.txt`"),
        "{}",
        text(&out)
    );

    // A path that is not there is a failed file, not a usage error.
    let out = run(&["-i", "k.txt", "nowhere", "f"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "0 decrypted, 1 not sealed, 1 failed\n  failed: nowhere: no such file or directory"
        ),
        "{stderr}"
    );
}

#[test]
fn a_directory_it_may_not_write_fails_its_files_and_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, r) = keygen(d, "k.txt");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    let ro = d.join("readonly");
    fs::create_dir(&ro).unwrap();
    seal_with_age(&r, b"secret", &ro.join("a.txt"));
    let sealed = fs::read(ro.join("a.txt")).unwrap();
    fs::set_permissions(ro.join("a.txt"), fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
    fs::set_permissions(d, fs::Permissions::from_mode(0o755)).unwrap();

    // Root writes anywhere: run as `nobody` then.
    let root = fs::metadata(&key).unwrap().uid() == 0;
    let bin = assert_cmd::cargo::cargo_bin("cordon");
    let mut cmd = if root {
        let mut c = Command::new(tool("setpriv"));
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(&bin);
        c
    } else {
        Command::new(&bin)
    };
    let out = cmd
        .current_dir(d)
        .args(["unseal", "-i", "k.txt", "readonly"])
        .output()
        .unwrap();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "failed: readonly/a.txt: cannot create a temporary file in `readonly`: permission denied"
        ),
        "{stderr}"
    );
    assert_eq!(fs::read(ro.join("a.txt")).unwrap(), sealed);
    assert_eq!(leftovers(d), Vec::<PathBuf>::new());
}
