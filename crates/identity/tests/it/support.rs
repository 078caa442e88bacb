//! Finding the outside tools, free ports, and child processes that are
//! killed when the test ends, however it ends.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

const INSTALL: &str = "run `scripts/install-test-deps` (Debian packages oathtool, zbar-tools, slapd, ldap-utils, python3-aiosmtpd)";

/// The path of a tool, or a failed test that says how to install it.
pub fn tool(candidates: &[&str]) -> PathBuf {
    for c in candidates {
        let p = Path::new(c);
        if p.is_absolute() {
            if p.is_file() {
                return p.to_owned();
            }
        } else if let Some(found) = std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(c))
                .find(|f| f.is_file())
        }) {
            return found;
        }
    }
    panic!("`{}` is missing: {INSTALL}", candidates.join("` or `"));
}

/// A Python 3 that has `aiosmtpd` (Debian's, which a pyenv or venv
/// `python3` earlier on the PATH may not see).
pub fn python_with_aiosmtpd() -> PathBuf {
    for python in ["/usr/bin/python3", "python3"] {
        let ok = Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return PathBuf::from(python);
        }
    }
    panic!("no python3 can import `aiosmtpd`: {INSTALL}");
}

/// Runs a command to completion; a failure shows its output.
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A loopback port nothing listens on (at the moment of asking).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed and reaped on drop.
pub struct Guard {
    child: Child,
    what: &'static str,
}

impl Guard {
    pub fn new(what: &'static str, child: Child) -> Guard {
        Guard { child, what }
    }

    /// Waits until the child accepts connections on `port`; fails the test
    /// (with `log`, if given) if it exits or takes more than 20 s.
    pub fn wait_for_port(&mut self, port: u16, log: Option<&Path>) {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let start = Instant::now();
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            let log = || {
                log.and_then(|l| std::fs::read_to_string(l).ok())
                    .unwrap_or_default()
            };
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{} exited ({status}) before listening:\n{}",
                    self.what,
                    log()
                );
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!(
                    "{} did not listen on {port} within 20 s:\n{}",
                    self.what,
                    log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the child now (e.g. to see a client notice it is gone).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.kill();
    }
}
