//! The real `cordon` binary running `agent run` against a real `cordon
//! serve`, on a real loop-mounted ext4 image that a fixture sysfs tree
//! presents as a USB stick (the kernel here has no USB bus; see
//! docs/agent.md for why a fixture tree rather than umockdev).
//!
//! Needs root, `losetup` and `mkfs.ext4`; without them the test says why
//! on stderr and fails unless `CORDON_AGENT_E2E=skip` says skipping is
//! expected, so it never passes silently.
// Test helpers outside `#[test]` functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod arrival;
mod content;
mod enrol;
mod guard;
mod plugins;
mod support;
mod syslog;

use support::*;

fn cordon_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
        let target_dir = profile_dir.parent().unwrap().to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "-q",
                "-p",
                "cordon",
                "--bin",
                "cordon",
                "--target-dir",
            ])
            .arg(&target_dir)
            .status()
            .unwrap();
        assert!(status.success(), "building the cordon binary failed");
        profile_dir.join("cordon")
    })
    .clone()
}

/// Why this machine cannot run the test, if it cannot.
fn missing_facility() -> Option<String> {
    // SAFETY-free check of the effective uid through /proc.
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let root = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(2) == Some("0"));
    if !root {
        return Some("not root: mounting and remounting need CAP_SYS_ADMIN".into());
    }
    for tool in ["losetup", "mkfs.ext4", "mount", "umount"] {
        if Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .map(|o| !o.status.success())
            .unwrap_or(true)
        {
            return Some(format!("`{tool}` is not installed"));
        }
    }
    if !Path::new("/dev/loop-control").exists() {
        return Some("the kernel has no loop devices (/dev/loop-control)".into());
    }
    None
}

fn skip_or_fail(why: &str) {
    eprintln!("SKIPPED agent end-to-end test: {why}");
    assert_eq!(
        std::env::var("CORDON_AGENT_E2E").as_deref(),
        Ok("skip"),
        "cannot run the agent end-to-end test ({why}); set CORDON_AGENT_E2E=skip to skip it knowingly"
    );
}

fn serve(data: &Path, listen: &str) -> (Proc, String, Option<String>) {
    serve_with(&cordon_bin(), data, listen)
}

fn enroll(
    url: &str,
    token: &str,
    group: &str,
    name: &str,
    config: &Path,
    state: &Path,
    sys: &Path,
) {
    enroll_with(&cordon_bin(), url, token, group, name, config, state, sys);
}

fn dc(granted: &[&str]) -> String {
    json!({"policies": [{"id": "1200", "name": "USB", "who": {"sids": ["S-1-1-0"]},
        "devices": {"types": [{"class": "3"}]}, "how": {"priority": "10"},
        "what": {"access": {"granted": granted}, "messages": {"denied": "USB storage is read-only on this computer"}},
        "when": {"permanent": "always"}}]})
    .to_string()
}

/// [`dc`] with option 67 (`SyslogServer`) set to `server`.
fn dc_syslog(granted: &[&str], server: &str) -> String {
    let mut v: Value = serde_json::from_str(&dc(granted)).unwrap();
    v["options"] = json!([{"id": "101", "name": "siem",
        "what": [{"option": "67", "value": server}]}]);
    v.to_string()
}

/// Stores `body` as version `version` of policy `usb-dc` and hands it to
/// group `laptops`.
fn publish_to_laptops(url: &str, admin: &str, body: String, version: i64) {
    let (s, v) = api(
        "PUT",
        &format!("{url}/v1/policies/usb-dc"),
        admin,
        Some(json!({"id": "usb-dc", "format": "json", "body": body})),
    );
    assert_eq!(s, 200, "{v}");
    let (s, v) = api(
        "PUT",
        &format!("{url}/v1/agent-groups/laptops"),
        admin,
        Some(json!({"policy_id": "usb-dc", "policy_version": version})),
    );
    assert_eq!(s, 200, "{v}");
}

fn status(state: &Path) -> Value {
    std::fs::read(state.join("status.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null)
}

static LOG: OnceLock<PathBuf> = OnceLock::new();

fn wait_until(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) -> Duration {
    let t = Instant::now();
    while t.elapsed() < limit {
        if ok() {
            return t.elapsed();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = LOG
        .get()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    panic!("timed out waiting until {what}; agent log:\n{log}");
}

fn try_write(dir: &Path) -> std::io::Result<()> {
    let mut f = std::fs::File::create(dir.join("new.txt"))?;
    f.write_all(b"data")?;
    f.sync_all()
}

fn agent_run(config: &Path) -> Proc {
    Proc(
        Command::new(cordon_bin())
            .args(["agent", "run", "--config"])
            .arg(config)
            .env("CORDON_LOG", "cordon_agent=info")
            .stderr(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(config.with_file_name("agent.log"))
                    .unwrap(),
            )
            .spawn()
            .unwrap(),
    )
}

/// A server that answers every bundle poll with `bundle` and everything
/// else with `{}`: a man in the middle.
fn fake_server(bundle: String) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let mut s = s;
            let mut buf = [0u8; 8192];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            let body = if req.starts_with("GET /v1/agent/bundle") {
                bundle.clone()
            } else {
                "{}".into()
            };
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn a_fake_usb_stick_is_read_only_then_writable_refuses_forgery_and_spools_through_an_outage() {
    if let Some(why) = missing_facility() {
        skip_or_fail(&why);
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("server");
    let (server, url, admin) = serve(&data, "127.0.0.1:0");
    let admin = admin.expect("admin key");
    // The SIEM: syslog receivers over UDP and TCP (option 67).
    let (udp_port, udp_got) = syslog::udp_receiver();
    let (tcp_port, tcp_got) = syslog::tcp_receiver();
    // Policy v1: read only, events to syslog over UDP (`host:port`). A
    // client key for the computer, a group.
    let token = group_with_key(
        &url,
        &admin,
        "usb-dc",
        &dc_syslog(&["Read"], &format!("127.0.0.1:{udp_port}")),
        "laptops",
        "pc1-agent",
    );

    // The media: an ext4 image on a loop device, a file on it already.
    let media = Media::new(t.path());
    let (loopdev, name, majmin, mnt) = (
        media.loopdev.clone(),
        media.name(),
        media.majmin(),
        media.mnt.clone(),
    );
    sh(&format!(
        "mount {} {} && echo hello > {}/old.txt",
        loopdev,
        mnt.display(),
        mnt.display()
    ));
    let sys = t.path().join("sys");
    fake_stick(&sys, &name, &majmin);

    // Enrol, then run.
    let config = t.path().join("etc/agent.toml");
    let _ = LOG.set(t.path().join("etc/agent.log"));
    let state = t.path().join("state");
    enroll(&url, &token, "laptops", "pc1", &config, &state, &sys);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text = text.replace("evaluate_ms = 1000", "evaluate_ms = 200");
    std::fs::write(&config, &text).unwrap();
    let (s, v) = api("GET", &format!("{url}/v1/computers/pc1"), &admin, None);
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["computer"]["group"], "laptops");

    let mut agent = agent_run(&config);
    wait_until("the stick is read-only", Duration::from_secs(20), || {
        status(&state)["devices"][0]["access"] == "read_only"
    });
    assert_eq!(
        status(&state)["devices"][0]["model"],
        "USBSTOR\\DiskSanDisk_Cruzer_Blade____1.00"
    );
    let err = try_write(&mnt).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(30), "EROFS expected, got {err}");
    assert_eq!(
        std::fs::read_to_string(mnt.join("old.txt")).unwrap(),
        "hello\n"
    );
    // The denied write became an incident of pc1 on the server.
    wait_until(
        "the incident reaches the server",
        Duration::from_secs(20),
        || {
            let v = incidents(&url, &admin);
            v["incidents"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|i| i["computer"] == "pc1" && i["action"] == "device_access")
            })
        },
    );
    // And reached the SIEM over UDP: RFC 5424 with a CEF payload.
    wait_until(
        "the event reaches syslog (UDP)",
        Duration::from_secs(20),
        || !udp_got.all().is_empty(),
    );
    let cef = syslog::check_message(&udp_got.all()[0]);
    assert_eq!(syslog::cef(&cef, "app"), Some("device_access"), "{cef:?}");
    assert_eq!(syslog::cef(&cef, "shost"), Some("pc1"), "{cef:?}");
    assert_eq!(syslog::cef(&cef, "cs2"), Some("usb-dc@1"), "{cef:?}");
    assert_eq!(syslog::cef(&cef, "act"), Some("blocked"), "{cef:?}");
    assert_eq!(syslog::cef(&cef, "outcome"), Some("deny"), "{cef:?}");
    assert!(syslog::cef(&cef, "rt").is_some_and(|t| t.parse::<i64>().is_ok()));
    assert_eq!(
        syslog::cef(&cef, "externalId"),
        None,
        "numbered by the server only"
    );
    // The status file is rewritten at each evaluation: it may show the
    // message as sent a tick after the receiver has it.
    wait_until(
        "status counts the syslog message sent",
        Duration::from_secs(10),
        || status(&state)["syslog"]["sent"].as_u64().unwrap_or(0) >= 1,
    );
    let st = status(&state);
    assert_eq!(
        st["syslog"]["server"],
        format!("udp://127.0.0.1:{udp_port}"),
        "{st}"
    );

    // A forged bundle (read-write, signed by another key) from a man in
    // the middle is refused; the stick stays read-only.
    drop(agent);
    let evil = cordon_bundle::SigningKey::from_seed(&[9; 32]);
    let forged = evil
        .seal(&cordon_bundle::Payload {
            group: "laptops".into(),
            policy_id: "usb-dc".into(),
            policy_version: 99,
            serial: i64::MAX,
            issued_at: 0,
            format: "json".into(),
            body: dc(&["Read", "Write"]),
            next_key: None,
        })
        .unwrap();
    let good = text.clone();
    std::fs::write(&config, good.replace(&url, &fake_server(forged))).unwrap();
    agent = agent_run(&config);
    wait_until(
        "the forged bundle is refused",
        Duration::from_secs(20),
        || {
            status(&state)["refused"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
        },
    );
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(status(&state)["devices"][0]["access"], "read_only");
    assert_eq!(try_write(&mnt).unwrap_err().raw_os_error(), Some(30));
    drop(agent);
    std::fs::write(&config, &good).unwrap();
    agent = agent_run(&config);

    // A policy whose syslog server is not one is refused where it is
    // loaded, saying what and where; nothing changes.
    let (s, v) = api(
        "PUT",
        &format!("{url}/v1/policies/usb-dc"),
        &admin,
        Some(json!({"id": "usb-dc", "format": "json",
            "body": dc_syslog(&["Read"], "tcp://127.0.0.1:99999")})),
    );
    assert!((400..500).contains(&s), "{s} {v}");
    let text = v.to_string();
    assert!(
        text.contains("/options/0/what/0/value")
            && text.contains("option 67 (SyslogServer)")
            && text.contains("port `99999`"),
        "{text}"
    );

    // Policy v2: read and write. The stick becomes writable, no replug.
    publish_to_laptops(&url, &admin, dc(&["Read", "Write"]), 2);
    wait_until("the stick is writable", Duration::from_secs(20), || {
        try_write(&mnt).is_ok()
    });

    // Back to read-only (v3: events to syslog over TCP now), then the
    // server dies: a new mount of the stick is still made read-only, its
    // incident waits in the spool and reaches the SIEM all the same.
    publish_to_laptops(
        &url,
        &admin,
        dc_syslog(&["Read"], &format!("tcp://127.0.0.1:{tcp_port}")),
        3,
    );
    wait_until("read-only again", Duration::from_secs(20), || {
        status(&state)["devices"][0]["access"] == "read_only"
    });
    wait_until(
        "the sender follows option 67 to TCP",
        Duration::from_secs(20),
        || !tcp_got.all().is_empty(),
    );
    let udp_before = udp_got.all().len();
    let cef = syslog::check_message(&tcp_got.all()[0]);
    assert_eq!(syslog::cef(&cef, "cs2"), Some("usb-dc@3"), "{cef:?}");
    assert_eq!(
        status(&state)["syslog"]["server"],
        format!("tcp://127.0.0.1:{tcp_port}")
    );
    // Idle cost: CPU over 5 s and resident memory of the agent process.
    let pid = agent.0.id();
    let cpu = |pid: u32| -> u64 {
        let st = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let f: Vec<&str> = st.rsplit_once(')').unwrap().1.split_whitespace().collect();
        f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
    };
    let (c0, w0) = (cpu(pid), Instant::now());
    std::thread::sleep(Duration::from_secs(5));
    let ticks = cpu(pid) - c0;
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss = rss
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .unwrap_or("")
        .to_owned();
    eprintln!(
        "measured: agent idle CPU {:.2}% of a core over {:?} (evaluate_ms 200, poll 1 s); {rss}",
        ticks as f64 / 100.0 / w0.elapsed().as_secs_f64() * 100.0,
        w0.elapsed()
    );
    let listen = url.trim_start_matches("http://").to_owned();
    drop(server);
    wait_until(
        "the agent notices the outage",
        Duration::from_secs(20),
        || status(&state)["online"] == false,
    );
    let before = status(&state)["spool"]["pending_bytes"]
        .as_u64()
        .unwrap_or(0);
    let tcp_before = tcp_got.all().len();
    sh(&format!("umount {}", mnt.display()));
    let mp = mnt.display().to_string();
    let t0 = Instant::now();
    sh(&format!("mount {loopdev} {mp}"));
    // Arrival to enforcement: from the mount to the mount table showing it
    // read-only (docs/benchmarks.md quotes this line).
    let took = wait_until(
        "the new mount is read-only",
        Duration::from_secs(20),
        || {
            std::fs::read_to_string("/proc/self/mountinfo")
                .unwrap_or_default()
                .lines()
                .any(|l| {
                    l.split(' ').nth(4) == Some(mp.as_str())
                        && l.split(' ').nth(5).is_some_and(|o| o.starts_with("ro"))
                })
        },
    );
    eprintln!(
        "measured: mount to read-only enforcement {:?} (mount(8) itself included: {:?})",
        took,
        t0.elapsed()
    );
    wait_until("the incident is spooled", Duration::from_secs(20), || {
        status(&state)["spool"]["pending_bytes"]
            .as_u64()
            .unwrap_or(0)
            > before
    });
    assert_eq!(try_write(&mnt).unwrap_err().raw_os_error(), Some(30));
    // The SIEM heard of it while the server was down, over TCP only.
    wait_until(
        "the outage's event reaches syslog",
        Duration::from_secs(20),
        || tcp_got.all().len() > tcp_before,
    );
    for m in tcp_got.all() {
        syslog::check_message(&m);
    }
    assert_eq!(udp_got.all().len(), udp_before, "UDP is no longer used");
    let (_server, url2, _) = serve(&data, &listen);
    assert_eq!(url2, url);
    wait_until("the spool drains", Duration::from_secs(30), || {
        status(&state)["spool"]["pending_bytes"] == 0 && status(&state)["online"] == true
    });
    let v = incidents(&url, &admin);
    let n = v["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["computer"] == "pc1")
        .count();
    assert!(n >= 2, "incidents before and after the outage: {v}");

    // A clean stop (SIGTERM) sends what waits for syslog: policy v4 names
    // a TCP receiver that is down; the next incident's event fails and
    // waits with a growing backoff. Once the next try is at least 4 s
    // away, the receiver comes up and the agent is told to stop: it ends
    // at once and the event is there, sent by the stop, not by a retry.
    let late_port = syslog::free_port();
    publish_to_laptops(
        &url,
        &admin,
        dc_syslog(&["Read"], &format!("tcp://127.0.0.1:{late_port}")),
        4,
    );
    wait_until(
        "the sender follows option 67",
        Duration::from_secs(20),
        || status(&state)["syslog"]["server"] == format!("tcp://127.0.0.1:{late_port}"),
    );
    sh(&format!("umount {mp} && mount {loopdev} {mp}"));
    let log_path = config.with_file_name("agent.log");
    let log_len = std::fs::metadata(&log_path).map_or(0, |m| m.len()) as usize;
    // What the agent logged since, without terminal colours.
    let new_log = || {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let mut plain = String::new();
        let mut rest = text.get(log_len..).unwrap_or_default();
        while let Some(at) = rest.find('\x1b') {
            plain.push_str(&rest[..at]);
            rest = &rest[at..];
            rest = rest.find('m').map_or("", |m| &rest[m + 1..]);
        }
        plain.push_str(rest);
        plain
    };
    wait_until(
        "the event has waited through two retries",
        Duration::from_secs(30),
        || new_log().contains("retry_in=4s"),
    );
    assert!(status(&state)["syslog"]["queued"].as_u64().unwrap_or(0) >= 1);
    let late =
        syslog::tcp_receiver_on(std::net::TcpListener::bind(("127.0.0.1", late_port)).unwrap());
    let t0 = Instant::now();
    sh(&format!("kill -TERM {}", agent.0.id()));
    let exit = loop {
        if let Some(code) = agent.0.try_wait().unwrap() {
            break code;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "the agent did not stop after SIGTERM; log:\n{}",
            new_log()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let stopped_in = t0.elapsed();
    assert!(exit.success(), "{exit:?}");
    wait_until(
        "the stop's event reaches syslog",
        Duration::from_secs(5),
        || !late.all().is_empty(),
    );
    let cef = syslog::check_message(&late.all()[0]);
    assert_eq!(syslog::cef(&cef, "cs2"), Some("usb-dc@4"), "{cef:?}");
    assert!(
        stopped_in < Duration::from_secs(3),
        "stopped in {stopped_in:?}: sent by the stop, before the 4 s retry"
    );
    let log = new_log();
    assert!(log.contains("syslog: at stop, the"), "{log}");
    eprintln!("measured: SIGTERM to exit with the syslog queue sent {stopped_in:?}");
    drop(agent);
    drop(media);
}
