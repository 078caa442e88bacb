//! Interoperability with Debian's `age` package (the Go reference CLI,
//! 1.1.1 on Debian 12; `scripts/install-test-deps` installs it): what
//! cordon-seal seals, `age -d` opens, and what `age` encrypts (to a
//! recipient, to an identity file, armored, with a passphrase) unseals.
//! The Go CLI reads passphrases from the terminal only, so those tests
//! give it one: a pseudo-terminal the test opens (rustix) and makes age's
//! controlling terminal with util-linux `setsid --ctty`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use cordon_seal::{Identities, Recipients, SealError, seal, unseal};

use crate::support::{Gen, keypair};

fn tool(name: &str) -> PathBuf {
    let path = Path::new("/usr/bin").join(name);
    assert!(
        path.exists(),
        "{} is needed by the interop tests (scripts/install-test-deps installs Debian's `age`)",
        path.display()
    );
    path
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `age-keygen -o DIR/NAME`; returns the key file and its recipient.
fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    run(Command::new(tool("age-keygen")).arg("-o").arg(&key));
    let public = run(Command::new(tool("age-keygen")).arg("-y").arg(&key));
    let public = String::from_utf8(public).unwrap().trim().to_owned();
    assert!(public.starts_with("age1"), "{public}");
    (key, public)
}

fn seal_file(to: &Recipients, plain: &[u8], path: &Path) {
    let file = std::fs::File::create(path).unwrap();
    let n = seal(to, plain, std::io::BufWriter::new(file)).unwrap();
    assert_eq!(n, plain.len() as u64);
}

fn unseal_file(ids: &Identities, path: &Path) -> Result<Vec<u8>, SealError> {
    let mut out = Vec::new();
    unseal(ids, std::fs::File::open(path).unwrap(), &mut out)?;
    Ok(out)
}

/// Runs `age ARGS…` on a pseudo-terminal the test owns, typing each of
/// `lines` once age has asked for it; returns its exit status and what
/// the terminal showed.
///
/// A line is typed only when the screen holds one more "passphrase"
/// prompt than lines typed so far *and* echo is off: typed earlier, the
/// line is echoed and may be discarded when age sets the terminal up (on
/// a loaded machine the read then waited for the timeout).
fn age_on_a_terminal(dir: &Path, args: &str, lines: &[&str]) -> (bool, String) {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    let (mut master, slave) = pty();
    let mut child = Command::new(tool("setsid"))
        .current_dir(dir)
        // A new session whose controlling terminal is the pseudo-terminal:
        // age opens /dev/tty for the prompt.
        .args(["--ctty", "--wait", "timeout", "120"])
        .arg(tool("age"))
        .args(args.split_whitespace())
        .stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave)
        .spawn()
        .unwrap();
    let screen = Arc::new(Mutex::new(Vec::new()));
    let reader = {
        let screen = Arc::clone(&screen);
        let mut from = master.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 256];
            // EIO once the last process holding the terminal has gone.
            while let Ok(n @ 1..) = std::io::Read::read(&mut from, &mut buf) {
                screen.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    let prompts = |screen: &Mutex<Vec<u8>>| {
        String::from_utf8_lossy(&screen.lock().unwrap())
            .matches("passphrase")
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    for (typed, line) in lines.iter().enumerate() {
        loop {
            let echo = rustix::termios::tcgetattr(&master)
                .unwrap()
                .local_modes
                .contains(rustix::termios::LocalModes::ECHO);
            if !echo && prompts(&screen) > typed {
                break;
            }
            let shown = String::from_utf8_lossy(&screen.lock().unwrap()).into_owned();
            assert!(
                Instant::now() < deadline,
                "age never asked for line {typed}: {shown}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        master.write_all(line.as_bytes()).unwrap();
        master.write_all(b"\n").unwrap();
    }
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let shown = String::from_utf8_lossy(&screen.lock().unwrap()).into_owned();
    for line in lines {
        assert!(!shown.contains(line), "echoed {line:?}: {shown}");
    }
    (status.success(), shown)
}

/// A new pseudo-terminal: its master and its slave, both open.
fn pty() -> (std::fs::File, std::fs::File) {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().unwrap())
        .unwrap();
    (std::fs::File::from(master), slave)
}

#[test]
fn what_cordon_seals_age_decrypts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, public) = keygen(d, "key.txt");
    // Sealed for the admin's key and one more: age finds its stanza.
    let (_, other) = keypair();
    let to = Recipients::parse([other.as_str(), public.as_str()]).unwrap();
    for len in [0, 1, 65_536, 65_537, 1_000_003] {
        let plain = Gen::bytes(len as u64, len);
        let sealed = d.join(format!("{len}.age"));
        seal_file(&to, &plain, &sealed);
        // To standard output: with `-o`, age 1.1.1 creates no file for
        // an empty plaintext.
        let out = run(Command::new(tool("age"))
            .arg("-d")
            .arg("-i")
            .arg(&key)
            .arg(&sealed));
        assert_eq!(out, plain, "{len} bytes");
    }
    // And age refuses it with another key: the test can fail.
    let (wrong, _) = keygen(d, "wrong.txt");
    let status = Command::new(tool("age"))
        .arg("-d")
        .arg("-i")
        .arg(&wrong)
        .arg(d.join("1.age"))
        .output()
        .unwrap()
        .status;
    assert!(!status.success());
}

#[test]
fn what_age_encrypts_cordon_unseals() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, public) = keygen(d, "key.txt");
    let (_, public2) = keygen(d, "key2.txt");
    let ids = Identities::from_file(&key).unwrap();
    let plain = Gen::bytes(5, 3 * 65_536 + 100);
    std::fs::write(d.join("plain"), &plain).unwrap();

    let cases: [(&str, Vec<&str>); 4] = [
        ("to-recipient.age", vec!["-r", &public]),
        ("to-two.age", vec!["-r", &public2, "-r", &public]),
        ("armored.age", vec!["-a", "-r", &public]),
        ("to-identity.age", vec!["-e", "-i", key.to_str().unwrap()]),
    ];
    for (name, args) in cases {
        let sealed = d.join(name);
        run(Command::new(tool("age"))
            .args(&args)
            .arg("-o")
            .arg(&sealed)
            .arg(d.join("plain")));
        assert!(cordon_seal::is_sealed_file(&sealed).unwrap(), "{name}");
        assert_eq!(unseal_file(&ids, &sealed).unwrap(), plain, "{name}");
    }
    // Not for this key: said so.
    let (other_id, _) = keypair();
    let err = unseal_file(
        &Identities::from_str(&other_id).unwrap(),
        &d.join("to-recipient.age"),
    )
    .unwrap_err();
    assert!(matches!(err, SealError::NoMatchingIdentity), "{err}");
}

#[test]
fn passphrases_both_ways_with_the_go_cli_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plain = Gen::bytes(8, 70_000);
    std::fs::write(d.join("plain"), &plain).unwrap();

    // Sealed by cordon at its default work factor, opened by `age -d`.
    seal_file(
        &Recipients::passphrase("a long recovery passphrase"),
        &plain,
        &d.join("by-cordon.age"),
    );
    let (ok, screen) = age_on_a_terminal(
        d,
        "-d -o by-cordon.out by-cordon.age",
        &["a long recovery passphrase"],
    );
    assert!(ok, "{screen}");
    assert_eq!(std::fs::read(d.join("by-cordon.out")).unwrap(), plain);
    let (ok, screen) = age_on_a_terminal(d, "-d -o wrong.out by-cordon.age", &["not it"]);
    assert!(!ok && screen.contains("incorrect passphrase"), "{screen}");

    // Encrypted by `age -p` (asks twice), unsealed by cordon.
    let (ok, screen) = age_on_a_terminal(
        d,
        "-p -o by-age.age plain",
        &["another passphrase", "another passphrase"],
    );
    assert!(ok, "{screen}");
    let sealed = d.join("by-age.age");
    let header = std::fs::read(&sealed).unwrap();
    assert!(
        String::from_utf8_lossy(&header[..80]).contains("-> scrypt "),
        "age -p wrote a passphrase file"
    );
    assert_eq!(
        unseal_file(&Identities::passphrase("another passphrase"), &sealed).unwrap(),
        plain
    );
    let err = unseal_file(&Identities::passphrase("Another passphrase"), &sealed).unwrap_err();
    assert!(matches!(err, SealError::WrongPassphrase), "{err}");
}
