//! The web console end to end: a real `cordon serve` process on an
//! ephemeral loopback port, driven in Debian's Chromium by the journeys of
//! `crates/console/tests/browser/journeys.mjs` (Playwright, with axe-core
//! on every page). `scripts/install-test-deps` installs Chromium, Node.js
//! and the journeys' npm packages; a missing one fails this test with the
//! command that installs it.
//!
//! Screenshots of every page land in `target/tmp/console-screenshots`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).to_path_buf()
}

/// The server process, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What a first start prints: the address, the admin key (stdout) and the
/// super admin's one-time password (stderr).
struct Started {
    url: String,
    key: String,
    password: String,
}

fn start(data: &Path) -> (Server, Started) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cordon"))
        .args(["serve", "--listen", "127.0.0.1:0", "--insecure-cookies"])
        .arg("--data-dir")
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    let server = Server(child);
    let (mut url, mut key, mut password) = (None, None, None);
    while url.is_none() || key.is_none() || password.is_none() {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server did not print its address, key and password within 60 s");
        if let Some(rest) = line.split("serving on ").nth(1) {
            url = rest.split_whitespace().next().map(str::to_owned);
        }
        if let Some(k) = line.split("store it now): ").nth(1) {
            key = Some(k.trim().to_owned());
        }
        if let Some(p) = line.split("change it at the first sign-in): ").nth(1) {
            password = Some(p.trim().to_owned());
        }
    }
    (
        server,
        Started {
            url: url.unwrap(),
            key: key.unwrap(),
            password: password.unwrap(),
        },
    )
}

fn need(ok: bool, what: &str) {
    assert!(
        ok,
        "{what} is missing: run `bash scripts/install-test-deps` (it installs Debian's chromium \
         and nodejs and the journeys' npm packages)"
    );
}

#[test]
fn the_console_journeys_pass_in_chromium_with_no_accessibility_violations() {
    let browser_dir = root().join("crates/console/tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    need(
        Path::new(&chromium).exists(),
        "Chromium (/usr/bin/chromium)",
    );
    need(
        Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "Node.js",
    );
    need(
        browser_dir.join("node_modules/playwright-core").exists(),
        "the npm packages of crates/console/tests/browser",
    );
    let data = tempfile::tempdir().unwrap();
    let (_server, s) = start(&data.path().join("data"));
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    let out = Command::new("node")
        .arg("journeys.mjs")
        .current_dir(&browser_dir)
        .env("CORDON_URL", &s.url)
        .env("CORDON_KEY", &s.key)
        .env("CORDON_PASSWORD", &s.password)
        .env("CORDON_ROOT", root())
        .env("SHOTS", &shots)
        .env("CHROMIUM", &chromium)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the journeys failed:\n{stdout}\n{stderr}\n(screenshots so far in {})",
        shots.display()
    );
    assert!(stdout.contains("pages checked with axe"), "{stdout}");
}
