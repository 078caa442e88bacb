//! Two users on one stick: root may write, `nobody` may only read. The
//! agent guards the volume with fanotify instead of remounting it: real
//! processes of each user write and read through the real kernel, each
//! refused write is an incident with its file, and `nobody` is told on a
//! real session bus (a `dbus-daemon` with a notification server on it).

use std::collections::HashMap;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use super::*;

/// The desktop's notification daemon, as far as the agent can tell.
struct Notifications(Arc<Mutex<Vec<(String, String)>>>);

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Notifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        _app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        _hints: HashMap<String, zbus::zvariant::OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut shown = self.0.lock().unwrap();
        shown.push((summary, body));
        u32::try_from(shown.len()).unwrap_or(u32::MAX)
    }
}

/// Runs `cmd` as uid:gid 65534 (`nobody`); its exit status and stderr.
fn as_nobody(cmd: &str) -> (bool, String) {
    let o = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            "sh",
            "-c",
            cmd,
        ])
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn two_users_policy() -> String {
    json!({"policies": [
        {"id": "10", "name": "Admins write", "who": {"accounts": ["root"]},
         "devices": {"types": [{"class": "3"}]}, "how": {"priority": "20"},
         "what": {"access": {"granted": ["Read", "Write"]}}, "when": {"permanent": "always"}},
        {"id": "20", "name": "Everyone reads", "who": {"sids": ["S-1-1-0"]},
         "devices": {"types": [{"class": "3"}]}, "how": {"priority": "10"},
         "what": {"access": {"granted": ["Read"]},
                  "messages": {"denied": "USB sticks are read-only for you", "notify": true}},
         "when": {"permanent": "always"}}
    ]})
    .to_string()
}

/// Two sessions under `dir/sessions`: root and `nobody`.
fn root_and_nobody(dir: &Path) -> PathBuf {
    let sessions = dir.join("sessions");
    std::fs::create_dir_all(&sessions).unwrap();
    std::fs::write(sessions.join("1"), "UID=0\nUSER=root\n").unwrap();
    std::fs::write(sessions.join("2"), "UID=65534\nUSER=nobody\n").unwrap();
    sessions
}

/// The enrolled agent's config made quick (an evaluation every 200 ms),
/// with the test's sessions and runtime directories when given.
fn tune(config: &Path, sessions: Option<&Path>, run: Option<&Path>) {
    let mut text = std::fs::read_to_string(config)
        .unwrap()
        .replace("evaluate_ms = 1000", "evaluate_ms = 200");
    if let Some(s) = sessions {
        text = text.replace(
            "sessions_dir = \"/run/systemd/sessions\"",
            &format!("sessions_dir = \"{}\"", s.display()),
        );
    }
    if let Some(r) = run {
        text = text.replace(
            "runtime_dir = \"/run/user\"",
            &format!("runtime_dir = \"{}\"", r.display()),
        );
    }
    std::fs::write(config, &text).unwrap();
}

#[test]
fn users_with_different_rights_share_a_stick_through_the_fanotify_guard() {
    if let Some(why) = missing_facility() {
        skip_or_fail(&why);
        return;
    }
    for tool in ["setpriv", "dbus-daemon"] {
        if Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .map(|o| !o.status.success())
            .unwrap_or(true)
        {
            skip_or_fail(&format!("`{tool}` is not installed"));
            return;
        }
    }
    let t = tempfile::tempdir().unwrap();
    // `nobody` must reach the mount point: the refusals tested are the
    // guard's, not the directory's permissions.
    sh(&format!("chmod 755 {}", t.path().display()));
    let data = t.path().join("server");
    let (_server, url, admin) = serve(&data, "127.0.0.1:0");
    let admin = admin.expect("admin key");
    let token = group_with_key(
        &url,
        &admin,
        "usb-two",
        &two_users_policy(),
        "shared",
        "pc2-agent",
    );

    let media = Media::new(t.path());
    let (loopdev, name, majmin, mnt) = (
        media.loopdev.clone(),
        media.name(),
        media.majmin(),
        media.mnt.clone(),
    );
    let m = mnt.display().to_string();
    sh(&format!(
        "mount {loopdev} {m} && chmod 1777 {m} && echo hello > {m}/old.txt && chmod 666 {m}/old.txt"
    ));
    let sys = t.path().join("sys");
    fake_stick(&sys, &name, &majmin);
    // Two sessions: root and nobody.
    let sessions = root_and_nobody(t.path());
    // nobody's session bus, with a notification server on it.
    let run = t.path().join("run");
    std::fs::create_dir_all(run.join("65534")).unwrap();
    let bus = run.join("65534/bus");
    let _dbus = Proc(
        Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile"])
            .arg(format!("--address=unix:path={}", bus.display()))
            .spawn()
            .unwrap(),
    );
    wait_until("the session bus is up", Duration::from_secs(10), || {
        bus.exists()
    });
    let shown = Arc::new(Mutex::new(Vec::new()));
    let _desktop = zbus::blocking::connection::Builder::address(
        format!("unix:path={}", bus.display()).as_str(),
    )
    .unwrap()
    .name("org.freedesktop.Notifications")
    .unwrap()
    .serve_at(
        "/org/freedesktop/Notifications",
        Notifications(shown.clone()),
    )
    .unwrap()
    .build()
    .unwrap();

    let config = t.path().join("etc/agent.toml");
    let _ = LOG.set(t.path().join("etc/agent.log"));
    let state = t.path().join("state");
    enroll(&url, &token, "shared", "pc2", &config, &state, &sys);
    tune(&config, Some(&sessions), Some(&run));

    let agent = agent_run(&config);
    wait_until("the stick is guarded", Duration::from_secs(60), || {
        status(&state)["devices"][0]["guarded"] == true
    });
    let st = status(&state);
    assert_eq!(st["devices"][0]["access"], "read_only", "{st}");
    assert_eq!(
        st["devices"][0]["users"],
        json!([["nobody", "read_only"], ["root", "read_write"]]),
        "{st}"
    );

    // root writes; nobody reads but neither creates nor changes a file.
    std::fs::write(mnt.join("by-root.txt"), "root was here").unwrap();
    let log = || std::fs::read_to_string(config.with_file_name("agent.log")).unwrap_or_default();
    let (ok, err) = as_nobody(&format!("echo leak > {m}/n.txt"));
    assert!(
        !ok && err.contains("Operation not permitted"),
        "nobody created n.txt (exit ok: {ok}, stderr: {err:?}); status: {}; agent log:\n{}",
        status(&state),
        log()
    );
    let (ok, err) = as_nobody(&format!("echo more >> {m}/old.txt"));
    assert!(
        !ok && err.contains("Operation not permitted"),
        "nobody appended to old.txt (exit ok: {ok}, stderr: {err:?}); agent log:\n{}",
        log()
    );
    let (ok, err) = as_nobody(&format!(
        "cat {m}/old.txt {m}/by-root.txt > /dev/null && ls {m}"
    ));
    assert!(ok, "reading is allowed: {err}");
    assert_eq!(
        std::fs::read_to_string(mnt.join("old.txt")).unwrap(),
        "hello\n"
    );
    // O_CREAT is decided after the kernel created the name: empty.
    assert_eq!(
        std::fs::metadata(mnt.join("n.txt")).map(|m| m.len()).ok(),
        Some(0)
    );

    // Each refused write is an incident of nobody's with its file.
    wait_until(
        "the refused writes reach the server",
        Duration::from_secs(60),
        || {
            let v = incidents(&url, &admin);
            let text = v.to_string();
            text.contains("n.txt") && text.contains("old.txt") && text.contains("nobody")
        },
    );
    // nobody was told, on their session bus, with the policy's message.
    wait_until(
        "nobody sees a notification",
        Duration::from_secs(10),
        || {
            shown
                .lock()
                .unwrap()
                .iter()
                .any(|(_, body)| body.contains("USB sticks are read-only for you"))
        },
    );
    wait_until(
        "status counts the refusals",
        Duration::from_secs(10),
        || status(&state)["guard"]["denied"].as_u64().unwrap_or(0) >= 2,
    );
    let st = status(&state);
    assert!(st["guard"]["allowed"].as_u64().unwrap_or(0) >= 1, "{st}");
    assert!(
        st["notices"].to_string().contains("n.txt"),
        "status shows the refusal: {st}"
    );

    // Stopped, the agent leaves the stick read-only for everybody rather
    // than open for nobody.
    let pid = agent.0.id();
    sh(&format!("kill -TERM {pid}"));
    let mut agent = agent;
    let _ = agent.0.wait();
    assert_eq!(
        std::fs::write(mnt.join("after.txt"), "x")
            .unwrap_err()
            .raw_os_error(),
        Some(30),
        "EROFS after the agent stopped"
    );
    // Back again: guarded, and root may write once more.
    let agent = agent_run(&config);
    wait_until("root may write again", Duration::from_secs(60), || {
        std::fs::write(mnt.join("after.txt"), "x").is_ok()
    });
    let (ok, _) = as_nobody(&format!("echo leak > {m}/n2.txt"));
    assert!(!ok, "nobody still may not write");
    // The agent first: a loop device freed under a running agent can be
    // another test's next stick, which this agent would then manage.
    drop(agent);
    drop(media);
}

/// `cordon agent status` (the agent's own program, so trusted).
fn agent_status(config: &Path) -> String {
    let o = Command::new(cordon_bin())
        .args(["agent", "status", "--config"])
        .arg(config)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

#[test]
fn hardening_closes_the_agents_files_to_all_but_trusted_programs() {
    if let Some(why) = missing_facility() {
        skip_or_fail(&why);
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (_server, url, admin) = serve(&t.path().join("server"), "127.0.0.1:0");
    let admin = admin.expect("admin key");
    // Seed 004's example: everybody may use everything, hardening on
    // (option 58), SHA-256 hashes (option 86), one trusted program: cat.
    let cat = sh("sha256sum $(readlink -f $(command -v cat)) | cut -d' ' -f1");
    let body = json!({
        "configuration": {"files": {"trusted": [{"sha256": cat.to_uppercase()}]}},
        "options": [{"id": "101", "name": "optionset1",
            "what": [{"option": "58", "value": "1"}, {"option": "86", "value": "2"}]}],
        "policies": [{"id": "1200", "name": "RW_ALL", "who": {"sids": ["S-1-1-0"]},
            "devices": {"types": [{"class": "Default Settings"}]}, "how": {"priority": "Low"},
            "what": {"access": {"granted": ["Read", "Write"]}}, "when": {"permanent": "always"}}]
    })
    .to_string();
    let token = group_with_key(&url, &admin, "hardened", &body, "locked", "pc4-agent");
    let sys = t.path().join("sys");
    std::fs::create_dir_all(&sys).unwrap();
    let config = t.path().join("etc/agent.toml");
    let state = t.path().join("state");
    enroll(&url, &token, "locked", "pc4", &config, &state, &sys);
    let _agent = agent_run(&config);
    wait_until("hardening is on", Duration::from_secs(60), || {
        agent_status(&config).contains("hardening on")
    });
    let status_file = state.join("status.json");
    // Root, but an untrusted program: refused, files and directory alike.
    let err = std::fs::read(&status_file).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(1), "EPERM expected: {err}");
    let head = Command::new("head")
        .args(["-c", "1"])
        .arg(&status_file)
        .output()
        .unwrap();
    assert!(!head.status.success(), "head is not trusted");
    assert!(std::fs::read_dir(state.join("spool")).is_err());
    // The trusted program reads.
    let out = Command::new("cat").arg(&status_file).output().unwrap();
    assert!(
        out.status.success() && out.stdout.starts_with(b"{"),
        "cat is trusted: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_until(
        "status counts the refusals",
        Duration::from_secs(10),
        || {
            let st = agent_status(&config);
            st.contains("opens of the agent's files refused") && !st.contains(" 0 opens of")
        },
    );
}

/// Seed 004's `audit.shadow.read` on a stick everybody may only read: the
/// stick is remounted read-only as ever, and the fanotify guard watches it
/// too, so what is read from it is kept (sealed for the organisation's
/// key) and on the server with the incident.
#[test]
fn reads_from_a_read_only_stick_are_shadowed() {
    if let Some(why) = missing_facility() {
        skip_or_fail(&why);
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (key, public) = super::content::age_key(t.path());
    let (_server, url, admin) = serve(&t.path().join("server"), "127.0.0.1:0");
    let admin = admin.expect("admin key");
    let mut dc: serde_json::Value = serde_json::from_str(&dc(&["Read"])).unwrap();
    dc["policies"][0]["what"]["audit"] = json!({"shadow": {"read": "content"}});
    let body = json!({
        "id": "usb-read-only",
        "rules": [],
        "deviceControl": dc,
        "removableMedia": {"recipients": [public]}
    })
    .to_string();
    let token = group_with_key(&url, &admin, "usb-ro", &body, "watched", "pc5-agent");
    let media = Media::new(t.path());
    let m = media.mnt.display().to_string();
    sh(&format!(
        "mount {} {m} && printf 'Payroll 2026: 536-22-4871\\n' > {m}/payroll.txt",
        media.loopdev
    ));
    let sys = t.path().join("sys");
    fake_stick(&sys, &media.name(), &media.majmin());
    let config = t.path().join("etc/agent.toml");
    let _ = LOG.set(t.path().join("etc/agent.log"));
    let state = t.path().join("state");
    enroll(&url, &token, "watched", "pc5", &config, &state, &sys);
    tune(&config, None, None);
    let agent = agent_run(&config);
    wait_until(
        "the stick is read-only and watched",
        Duration::from_secs(60),
        || {
            let st = status(&state);
            st["devices"][0]["access"] == "read_only" && st["devices"][0]["guarded"] == true
        },
    );
    let st = status(&state);
    assert!(
        st["devices"][0]["enforcement"]
            .as_str()
            .is_some_and(|e| e.contains("read-only") && e.contains("reads shadowed")),
        "{st}"
    );
    // Read-only for the filesystem itself: not even root writes.
    let err = std::fs::write(media.mnt.join("new.txt"), "x").unwrap_err();
    assert_eq!(err.raw_os_error(), Some(30), "EROFS expected: {err}");
    // A reader (this test, not the agent) reads the file once.
    let read = std::fs::read_to_string(media.mnt.join("payroll.txt")).unwrap();
    assert!(read.starts_with("Payroll 2026"));
    let shadowed = || -> Option<serde_json::Value> {
        incidents(&url, &admin)["incidents"]
            .as_array()?
            .iter()
            .find(|i| {
                i["rule_name"] == "Shadow copy (read)"
                    && i["details"]["event"]["file"]["path"]
                        .as_str()
                        .is_some_and(|p| p.ends_with("payroll.txt"))
            })
            .cloned()
    };
    wait_until(
        "the read of payroll.txt is an incident",
        Duration::from_secs(60),
        || shadowed().is_some(),
    );
    let copy = fetch_shadow(&url, &admin, &shadowed().unwrap())
        .bytes()
        .unwrap();
    assert!(copy.starts_with(b"age-encryption.org/v1\n"));
    assert!(!String::from_utf8_lossy(&copy).contains("536-22-4871"));
    let sealed = t.path().join("read.age");
    std::fs::write(&sealed, &copy).unwrap();
    assert_eq!(
        sh(&format!("age -d -i {} {}", key.display(), sealed.display())),
        "Payroll 2026: 536-22-4871"
    );
    // Read again, the same version: one incident per user and version.
    let _ = std::fs::read(media.mnt.join("payroll.txt")).unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let n = incidents(&url, &admin)["incidents"]
        .as_array()
        .map_or(0, |a| {
            a.iter()
                .filter(|i| i["rule_name"] == "Shadow copy (read)")
                .count()
        });
    assert_eq!(n, 1, "one shadowed read");
    drop(agent);
    drop(media);
}

/// Root may write, `nobody` may only read, and the policy inspects what is
/// written: the stick is covered for root (a confidential file is kept
/// off it, a plain one released) and `nobody`'s writes through the cover
/// are refused, while nobody writes to the filesystem underneath.
#[test]
fn a_stick_shared_by_users_with_different_rights_is_inspected_for_the_writer() {
    if let Some(why) = missing_facility() {
        skip_or_fail(&why);
        return;
    }
    if !Path::new("/dev/fuse").exists() {
        skip_or_fail("no /dev/fuse");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    sh(&format!("chmod 755 {}", t.path().display()));
    let (_key, public) = super::content::age_key(t.path());
    let (_server, url, admin) = serve(&t.path().join("server"), "127.0.0.1:0");
    let admin = admin.expect("admin key");
    let dc: serde_json::Value = serde_json::from_str(&two_users_policy()).unwrap();
    let body = json!({
        "id": "usb-shared",
        "rules": [{"id": "confidential-stays", "name": "Confidential stays inside",
            "userActions": ["copy_to_device"], "effect": "deny",
            "expression": "_file.count('confidential_marker', 'low') > 0",
            "message": "Confidential documents may not be copied to removable media"}],
        "deviceControl": dc,
        "removableMedia": {"recipients": [public]}
    })
    .to_string();
    let token = group_with_key(&url, &admin, "usb-shared", &body, "shared", "pc6-agent");
    let media = Media::new(t.path());
    let m = media.mnt.display().to_string();
    sh(&format!("mount {} {m} && chmod 1777 {m}", media.loopdev));
    let sys = t.path().join("sys");
    fake_stick(&sys, &media.name(), &media.majmin());
    let sessions = root_and_nobody(t.path());
    let config = t.path().join("etc/agent.toml");
    let _ = LOG.set(t.path().join("etc/agent.log"));
    let state = t.path().join("state");
    enroll(&url, &token, "shared", "pc6", &config, &state, &sys);
    tune(&config, Some(&sessions), None);
    let agent = agent_run(&config);
    wait_until("the stick is covered", Duration::from_secs(60), || {
        let st = status(&state);
        st["devices"][0]["guarded"] == true
            && st["devices"][0]["enforcement"]
                .as_str()
                .is_some_and(|e| e.contains("covered"))
    });
    // root: a confidential file does not stay, a plain one does.
    let secret = std::fs::write(
        media.mnt.join("memo.txt"),
        "Confidential: the merger closes on Friday.\n",
    );
    let plain = std::fs::write(media.mnt.join("lunch.txt"), "Lunch at noon.\n");
    assert!(plain.is_ok(), "{plain:?}");
    assert!(
        secret.is_err() || !media.mnt.join("memo.txt").exists(),
        "the confidential file stayed on the stick"
    );
    assert_eq!(
        std::fs::read_to_string(media.mnt.join("lunch.txt")).unwrap(),
        "Lunch at noon.\n"
    );
    // nobody: refused, and nothing of theirs stays.
    let (ok, err) = as_nobody(&format!("echo leak > {m}/n.txt"));
    assert!(
        !ok && err.contains("Operation not permitted"),
        "nobody wrote n.txt (exit ok: {ok}, stderr: {err:?})"
    );
    let left = std::fs::read(media.mnt.join("n.txt"));
    assert!(
        left.as_ref().map_or(true, Vec::is_empty),
        "nobody's data is on the stick: {left:?}"
    );
    let (ok, _) = as_nobody(&format!("cat {m}/lunch.txt > /dev/null"));
    assert!(ok, "nobody may read");
    // The blocked copy is an incident with the rule's name.
    wait_until(
        "the blocked copy reaches the server",
        Duration::from_secs(60),
        || {
            incidents(&url, &admin)
                .to_string()
                .contains("Confidential stays inside")
        },
    );
    drop(agent);
    drop(media);
}
