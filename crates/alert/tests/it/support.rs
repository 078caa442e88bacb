//! The fixed alert, outside tools, free ports, and child processes that
//! are killed when the test ends, however it ends.

use std::io::{BufRead as _, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output};
use std::time::{Duration, Instant};

use cordon_alert::{Alert, AlertFile, AlertFinding, Delivery};

const INSTALL: &str = "run `scripts/install-test-deps` (Debian packages python3-aiosmtpd, openssl, bsdutils for `logger`)";

/// A full card number and its mask: the mask may appear in what is sent,
/// the number never (the alert does not hold it; a formatter that looked
/// anything up could only get it wrong).
pub const PAN: &str = "4111111111111111";
pub const PAN_MASKED: &str = "4111 **** **** 1111";

/// The alert every golden file is made from: fixed time, and text that
/// needs escaping in CEF (`|`, `=`, `\`, a newline).
pub fn alert() -> Alert {
    Alert {
        incident_id: 42,
        created_at: 1_764_640_834_610, // 2025-12-02T02:00:34.610Z
        rule_id: "pci-usb".to_owned(),
        rule_name: "Cards to USB | block".to_owned(),
        policy_id: "pci".to_owned(),
        policy_version: 3,
        mode: "enforce".to_owned(),
        enforced: true,
        decision: "deny".to_owned(),
        channel: "copy_to_device".to_owned(),
        username: "alice".to_owned(),
        computer: "WS-042".to_owned(),
        remote_ip: Some("192.0.2.7".to_owned()),
        recipients: vec!["bob@example.org".to_owned()],
        categories: vec!["PCI".to_owned(), "PII".to_owned()],
        findings: vec![
            AlertFinding {
                detector: "credit_card".to_owned(),
                masked: PAN_MASKED.to_owned(),
                confidence: "high".to_owned(),
            },
            AlertFinding {
                detector: "us_ssn".to_owned(),
                masked: "***-**-8726".to_owned(),
                confidence: "medium".to_owned(),
            },
        ],
        match_count: 3,
        file: Some(AlertFile {
            name: "cards=2025.xlsx".to_owned(),
            path: Some("C:\\Users\\alice\\cards=2025.xlsx".to_owned()),
            size: Some(18_432),
            sha256: Some(
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".to_owned(),
            ),
        }),
        message: Some("copy to USB blocked\nby policy".to_owned()),
        url: Some("https://cordon.example.org/incidents/42".to_owned()),
        severity: 8,
    }
}

/// `n` alerts numbered from 42, a second apart.
pub fn alerts(n: usize) -> Vec<Alert> {
    (0..n)
        .map(|i| {
            let mut a = alert();
            a.incident_id = 42 + i as i64;
            a.created_at += 1000 * i as i64;
            a.url = Some(format!(
                "https://cordon.example.org/incidents/{}",
                a.incident_id
            ));
            a
        })
        .collect()
}

/// Deliveries of `alerts` keyed `d-<incident id>`.
pub fn keys(alerts: &[Alert]) -> Vec<String> {
    alerts
        .iter()
        .map(|a| format!("d-{}", a.incident_id))
        .collect()
}

pub fn batch<'a>(keys: &'a [String], alerts: &'a [Alert]) -> Vec<Delivery<'a>> {
    keys.iter()
        .zip(alerts)
        .map(|(key, alert)| Delivery::alert(key, alert))
        .collect()
}

/// The path of a tool, or a failed test that says how to install it.
pub fn tool(path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    assert!(p.is_file(), "`{path}` is missing: {INSTALL}");
    p
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

    /// Whether the child is still running: a port that answered may be
    /// another process's, which took it between `free_port` and the
    /// child's own bind (the child then exits).
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The first line the child printed (a port it chose, say).
    pub fn first_line(&mut self) -> String {
        let out: ChildStdout = self.child.stdout.take().expect("stdout piped");
        let mut line = String::new();
        BufReader::new(out).read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "{} printed nothing", self.what);
        line.trim().to_owned()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Compares `got` with the golden file `tests/it/golden/<name>`; with
/// `UPDATE_GOLDEN=1` in the environment, writes it instead.
pub fn golden(name: &str, got: &[u8]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    assert_eq!(
        String::from_utf8_lossy(got),
        String::from_utf8_lossy(&want),
        "differs from {}",
        path.display()
    );
}
