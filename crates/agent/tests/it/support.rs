//! What the agent's integration tests and its benchmark (`benches/agent.rs`,
//! which includes this file) share: a real `cordon serve`, its API, a loop
//! device presented as a USB stick by a fixture sysfs tree.
// Test and bench helpers may unwrap.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

pub struct Proc(pub Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `cordon serve` (binary `bin`) on `listen` with data in `data`: the
/// process, its URL and the first administrator key it printed.
pub fn serve_with(bin: &Path, data: &Path, listen: &str) -> (Proc, String, Option<String>) {
    serve_with_env(bin, data, listen, &[])
}

/// [`serve_with`] with more environment (settings such as
/// `CORDON_TLS_CERT_FILE`).
pub fn serve_with_env(
    bin: &Path,
    data: &Path,
    listen: &str,
    env: &[(&str, PathBuf)],
) -> (Proc, String, Option<String>) {
    let mut child = Command::new(bin)
        .args(["serve", "--listen", listen, "--data-dir"])
        .arg(data)
        .env("CORDON_LOG", "info")
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let key = Arc::new(Mutex::new(None));
    let k2 = key.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(k) = line.split_whitespace().find(|w| w.starts_with("cordon_")) {
                *k2.lock().unwrap() = Some(k.to_owned());
            }
        }
    });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("serving on ").nth(1) {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_owned());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("server did not start");
    std::thread::sleep(Duration::from_millis(200));
    let key = key.lock().unwrap().clone();
    (Proc(child), url, key)
}

pub fn api(method: &str, url: &str, key: &str, body: Option<Value>) -> (u16, Value) {
    let c = reqwest::blocking::Client::new();
    let mut r = c.request(method.parse().unwrap(), url).bearer_auth(key);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().unwrap();
    let s = resp.status().as_u16();
    (s, resp.json().unwrap_or(Value::Null))
}

/// Policy `policy_id` (version 1, `body`), agent group `group` enforcing
/// it, and a client key `key_name` for one computer: its secret.
pub fn group_with_key(
    url: &str,
    admin: &str,
    policy_id: &str,
    body: &str,
    group: &str,
    key_name: &str,
) -> String {
    let (s, v) = api(
        "POST",
        &format!("{url}/v1/policies"),
        admin,
        Some(json!({"id": policy_id, "format": "json", "body": body, "activate": false})),
    );
    assert!(s == 201 || s == 200, "{v}");
    let (s, v) = api(
        "PUT",
        &format!("{url}/v1/agent-groups/{group}"),
        admin,
        Some(json!({"policy_id": policy_id, "policy_version": 1})),
    );
    assert_eq!(s, 200, "{v}");
    let (s, v) = api(
        "POST",
        &format!("{url}/v1/keys"),
        admin,
        Some(json!({"name": key_name, "role": "client"})),
    );
    assert!(s == 201 || s == 200, "{v}");
    v["secret"].as_str().unwrap().to_owned()
}

/// `cordon agent enroll` with the test's paths and a 1 s poll.
#[allow(clippy::too_many_arguments)]
pub fn enroll_with(
    bin: &Path,
    url: &str,
    token: &str,
    group: &str,
    name: &str,
    config: &Path,
    state: &Path,
    sys: &Path,
) {
    let out = Command::new(bin)
        .args(["agent", "enroll", "--server", url, "--token", token])
        .args(["--group", group, "--name", name, "--poll-secs", "1"])
        .arg("--config")
        .arg(config)
        .arg("--state-dir")
        .arg(state)
        .arg("--sysfs-root")
        .arg(sys)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The server's latest 100 incidents (`{"incidents": […]}`).
pub fn incidents(url: &str, admin: &str) -> Value {
    api("GET", &format!("{url}/v1/incidents?limit=100"), admin, None).1
}

pub fn sh(cmd: &str) -> String {
    let o = Command::new("sh").args(["-c", cmd]).output().unwrap();
    assert!(
        o.status.success(),
        "`{cmd}`: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

/// A fixture sysfs tree presenting block device `name` (`major:minor`) as
/// a SanDisk USB stick: USB device → interface → SCSI host → disk.
pub fn fake_stick(root: &Path, name: &str, majmin: &str) {
    fake_stick_at(root, "1-1", name, majmin);
}

/// [`fake_stick`] on USB port `port` (its `authorized` file is
/// `<root>/devices/pci0000:00/0000:00:14.0/usb1/<port>/authorized`).
pub fn fake_stick_at(root: &Path, port: &str, name: &str, majmin: &str) {
    let usb = root.join("devices/pci0000:00/0000:00:14.0/usb1").join(port);
    let scsi = usb.join(format!("{port}:1.0/host6/target6:0:0/6:0:0:0"));
    let disk = scsi.join("block").join(name);
    std::fs::create_dir_all(&disk).unwrap();
    for (k, v) in [
        ("idVendor", "0781"),
        ("idProduct", "5567"),
        ("serial", "4C530001230907117425"),
        ("authorized", "1"),
    ] {
        std::fs::write(usb.join(k), format!("{v}\n")).unwrap();
    }
    for (k, v) in [
        ("vendor", "SanDisk"),
        ("model", "Cruzer Blade"),
        ("rev", "1.00"),
    ] {
        std::fs::write(scsi.join(k), format!("{v}\n")).unwrap();
    }
    std::os::unix::fs::symlink("../..", disk.join("device")).unwrap();
    std::fs::write(disk.join("removable"), "1\n").unwrap();
    std::fs::create_dir_all(root.join("dev/block")).unwrap();
    let rel = Path::new("../..").join(disk.strip_prefix(root).unwrap());
    std::os::unix::fs::symlink(rel, root.join("dev/block").join(majmin)).unwrap();
}

/// Loop device and mount, undone on drop.
pub struct Media {
    pub loopdev: String,
    pub mnt: PathBuf,
}
impl Media {
    /// A fresh 16 MiB ext4 image under `dir` on a loop device; the mount
    /// point `dir/mnt` is made, not mounted.
    pub fn new(dir: &Path) -> Media {
        std::fs::create_dir_all(dir).unwrap();
        let img = dir.join("stick.img");
        sh(&format!(
            "truncate -s 16M {0} && mkfs.ext4 -q -F {0}",
            img.display()
        ));
        let loopdev = sh(&format!("losetup -f --show {}", img.display()));
        let mnt = dir.join("mnt");
        std::fs::create_dir_all(&mnt).unwrap();
        Media { loopdev, mnt }
    }

    pub fn name(&self) -> String {
        self.loopdev.trim_start_matches("/dev/").to_owned()
    }

    pub fn majmin(&self) -> String {
        sh(&format!("cat /sys/block/{}/dev", self.name()))
    }
}

impl Drop for Media {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.mnt).status();
        let _ = Command::new("losetup").args(["-d", &self.loopdev]).status();
    }
}

/// `incident`'s shadow copy as the server hands it out (sealed), once the
/// agent has uploaded it.
pub fn fetch_shadow(url: &str, admin: &str, incident: &Value) -> reqwest::blocking::Response {
    let uri = format!("{url}/v1/incidents/{}", incident["id"]);
    let t = std::time::Instant::now();
    while api("GET", &uri, admin, None).1["shadow"]["received"] != true {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the shadow copy of incident {} never reached the server",
            incident["id"]
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let resp = reqwest::blocking::Client::new()
        .get(format!("{uri}/shadow"))
        .bearer_auth(admin)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp
}
