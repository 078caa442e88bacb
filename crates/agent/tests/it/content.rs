//! Files written to a stick are inspected before they are on it in clear
//! (issue #14): the agent covers the stick with its guard filesystem; a
//! real `cp` writes benign, confidential, "Encrypt me" and personal-data
//! files; Debian's `age` decrypts what was sealed with the organisation's
//! key made by `age-keygen`; the server's incidents carry the history.
//! Once on a kernel ext4 stick, once on a FAT stick through `fusefat`.

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use super::*;

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// An age identity made by Debian's `age-keygen`: (file, public key).
pub(super) fn age_key(dir: &Path) -> (PathBuf, String) {
    let key = dir.join("recovery-key.txt");
    sh(&format!("age-keygen -o {} 2>/dev/null", key.display()));
    let text = std::fs::read_to_string(&key).unwrap();
    let public = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_owned();
    (key, public)
}

/// The seed's keyword rules as custom detectors (a built-in detector,
/// `confidential_marker`, also knows "Confidential:" and wins the
/// overlap, so the rule names both), a data-flow rule that
/// lets personal data go to encrypted media only, and device control that
/// lets everybody read and write.
fn content_policy(recipient: &str, encrypt_first: bool) -> String {
    let mut dc: Value = serde_json::from_str(&dc(&["Read", "Write"])).unwrap();
    // Seed 004: keep the content of what is written and read, and a 5 MB
    // quota.
    dc["policies"][0]["what"]["audit"] = json!({"shadow": {"write": "content", "read": "content"}});
    dc["policies"][0]["what"]["content"] = json!({"quota": 5});
    json!({
        "id": "usb-content",
        "rules": [
            {"id": "confidential-stays", "name": "Confidential stays inside",
             "userActions": ["copy_to_device"], "effect": "deny",
             "expression": "_file.count('confidential_marking', 'low') > 0 or _file.count('confidential_marker', 'low') > 0",
             "message": "Confidential documents may not be copied to removable media"},
            {"id": "encrypt-me", "name": "Encrypt on request",
             "userActions": ["copy_to_device"], "effect": "deny", "actions": ["encrypt"],
             "expression": "_file.count('encrypt_me', 'low') > 0"}
        ],
        "flows": [
            {"id": "pii-encrypted", "category": "PII", "senders": ["*"],
             "recipients": ["device:encrypted_removable"], "permission": "allow", "prioritized": true},
            {"id": "pii-usb", "category": "PII", "senders": ["*"],
             "recipients": ["device:external_storage"], "permission": "deny",
             "message": "Personal data leaves only encrypted"},
            {"id": "cards-justified", "category": "PCI", "senders": ["*"],
             "recipients": ["device:external_storage", "device:encrypted_removable"],
             "permission": "exception",
             "message": "Card data leaves only with a business reason"}
        ],
        "deviceControl": dc,
        "removableMedia": {
            "encryptFirst": encrypt_first,
            "recipients": [recipient],
            "detectors": [
                {"id": "confidential_marking", "category": "CONFIDENTIAL", "keywords": ["Confidential"]},
                {"id": "encrypt_me", "category": "CONFIDENTIAL", "keywords": ["Encrypt me"]}
            ]
        }
    })
    .to_string()
}

/// `cp` as a user does it: Ok, or its message.
fn cp(src: &Path, dest: &Path) -> Result<(), String> {
    let o = Command::new("cp").arg(src).arg(dest).output().unwrap();
    if o.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&o.stderr).into_owned())
    }
}

trait ErrOrEmpty {
    fn is_err_or_empty(&self) -> bool;
}

impl ErrOrEmpty for std::io::Result<Vec<u8>> {
    /// A refused `O_CREAT` may leave an empty name (the kernel creates it
    /// before asking): no content got through either way.
    fn is_err_or_empty(&self) -> bool {
        self.as_ref().map_or(true, Vec::is_empty)
    }
}

enum Fs {
    Ext4,
    FuseFat,
    ExFat,
    Ntfs,
}

/// One content test at a time: each runs a server and an agent that
/// inspects in a debug build, and four at once starve the other agent
/// tests' timers on two cores.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run(fs: Fs, encrypt_first: bool) {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(why) = missing_facility() {
        skip_or_fail(&why);
        return;
    }
    for tool in [
        "age",
        "age-keygen",
        "fusefat",
        "mkfs.vfat",
        "mount.exfat-fuse",
        "mkfs.exfat",
        "ntfs-3g",
        "mkfs.ntfs",
    ] {
        if !have(tool) {
            skip_or_fail(&format!("`{tool}` is not installed"));
            return;
        }
    }
    if !Path::new("/dev/fuse").exists() {
        skip_or_fail("no /dev/fuse");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("server");
    let (_server, url, admin) = serve(&data, "127.0.0.1:0");
    let admin = admin.expect("admin key");
    let (key, public) = age_key(t.path());
    let group = if encrypt_first { "usb-ef" } else { "usb-hold" };
    let token = group_with_key(
        &url,
        &admin,
        group,
        &content_policy(&public, encrypt_first),
        group,
        &format!("{group}-agent"),
    );

    let media = Media::new(t.path());
    let (loopdev, name, majmin, mnt) = (
        media.loopdev.clone(),
        media.name(),
        media.majmin(),
        media.mnt.clone(),
    );
    let m = mnt.display().to_string();
    match fs {
        Fs::Ext4 => sh(&format!("mount {loopdev} {m} && chmod 1777 {m}")),
        Fs::FuseFat => sh(&format!(
            "mkfs.vfat {loopdev} >/dev/null && fusefat -o rw+,allow_other,fsname={loopdev} {loopdev} {m} 2>/dev/null"
        )),
        Fs::ExFat => sh(&format!(
            "mkfs.exfat {loopdev} >/dev/null && mount.exfat-fuse -o allow_other {loopdev} {m} >/dev/null 2>&1"
        )),
        Fs::Ntfs => sh(&format!(
            "mkfs.ntfs -F -Q {loopdev} >/dev/null 2>&1 && ntfs-3g -o allow_other {loopdev} {m}"
        )),
    };
    // Nearly full before the agent starts: about 2 MB left, for the full
    // stick below (the other files are a few hundred bytes).
    let free_mb = sh(&format!("df -B1M --output=avail {m} | tail -1"))
        .parse::<u64>()
        .unwrap();
    sh(&format!(
        "dd if=/dev/zero of={m}/fill.bin bs=1M count={} 2>/dev/null && sync",
        free_mb.saturating_sub(2)
    ));
    let sys = t.path().join("sys");
    fake_stick(&sys, &name, &majmin);
    let config = t.path().join("etc/agent.toml");
    let _ = LOG.set(t.path().join("etc/agent.log"));
    let state = t.path().join("state");
    enroll(&url, &token, group, group, &config, &state, &sys);
    // The control socket where any user reaches it (a test's temporary
    // directory is owner-only).
    let socket = t.path().join("run/agent.sock");
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::create_dir_all(socket.parent().unwrap()).unwrap();
        for (d, mode) in [(t.path().to_owned(), 0o711), (t.path().join("run"), 0o755)] {
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    }
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("evaluate_ms = 1000", "evaluate_ms = 200")
        .replace(
            "control_socket = \"/run/cordon-agent.sock\"",
            &format!("control_socket = {:?}", socket.display().to_string()),
        );
    std::fs::write(&config, &text).unwrap();
    // A shell whose working directory is on the stick before the agent
    // covers it: its relative writes would reach the stick underneath.
    let flag = t.path().join("go");
    let result = t.path().join("bypass-status");
    let _bypass = Proc(
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                "cd {m} && while [ ! -e {f} ]; do sleep 0.05; done; echo leak > bypass.txt; echo $? > {r}",
                f = flag.display(),
                r = result.display()
            ))
            .spawn()
            .unwrap(),
    );
    let agent = agent_run(&config);
    let covered = || {
        status(&state)["devices"][0]["enforcement"]
            .as_str()
            .is_some_and(|e| e.starts_with("covered"))
    };
    let start = std::time::Instant::now();
    while !covered() && start.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        covered(),
        "the stick is not covered: {}\n{}",
        status(&state),
        std::fs::read_to_string(config.with_file_name("agent.log")).unwrap_or_default()
    );

    std::fs::write(&flag, "").unwrap();
    wait_until("the shell tried", Duration::from_secs(10), || {
        result.exists()
    });
    if let Fs::Ext4 = fs {
        // Refused by the fanotify guard: only the agent writes to the
        // stick's filesystem.
        let code = std::fs::read_to_string(&result).unwrap();
        assert_ne!(code.trim(), "0", "a write past the gate succeeded");
        assert!(std::fs::read(mnt.join("bypass.txt")).is_err_or_empty());
    }

    let src = t.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let files = [
        ("notes.txt", "Lunch at noon, bring the slides.\n".to_owned()),
        (
            "plan.txt",
            "Confidential: the merger closes in March.\n".to_owned(),
        ),
        ("ask.txt", "Encrypt me before it leaves.\n".to_owned()),
        (
            "staff.csv",
            "name,ssn\nJane Roe,536-22-4871\nJohn Doe,536-22-4872\nAmy Poe,078-05-1121\n"
                .to_owned(),
        ),
    ];
    for (n, body) in &files {
        std::fs::write(src.join(n), body).unwrap();
    }
    cp(&src.join("notes.txt"), &mnt).unwrap();
    // Held until decided: cp's close() fails. Encrypt-first: the copy
    // succeeds sealed, and the file is removed once judged.
    match (cp(&src.join("plan.txt"), &mnt), encrypt_first) {
        (Err(e), false) => assert!(e.contains("Operation not permitted"), "{e}"),
        (Ok(()), true) => {}
        (r, _) => panic!(
            "confidential file: {r:?}\n{}\n{}",
            status(&state),
            std::fs::read_to_string(config.with_file_name("agent.log")).unwrap_or_default()
        ),
    }
    cp(&src.join("ask.txt"), &mnt).unwrap();
    cp(&src.join("staff.csv"), &mnt).unwrap();

    // What the stick holds: once a file is settled the guard filesystem
    // shows the stick's own bytes (a second mount of the same stick would
    // be covered too).
    let on_stick = |n: &str| -> Option<Vec<u8>> { std::fs::read(mnt.join(n)).ok() };
    // Benign: in clear (encrypt-first: once released).
    wait_until(
        "the benign file is in clear",
        Duration::from_secs(60),
        || on_stick("notes.txt").as_deref() == Some(files[0].1.as_bytes()),
    );
    // Confidential: not on the stick at all.
    wait_until(
        "the confidential file is gone",
        Duration::from_secs(60),
        || on_stick("plan.txt").is_none(),
    );
    // "Encrypt me" and personal data: sealed, and Debian's age opens them
    // with the organisation's key.
    // Encrypt-first seals a file for the first key, then again for the
    // policy's: one read taken while the second replaces the first can
    // come back empty on `fusefat`, so each try decrypts the bytes of the
    // one read it checked, until the file on the stick opens.
    for n in ["ask.txt", "staff.csv"] {
        let want = files.iter().find(|(f, _)| *f == n).unwrap().1.trim_end();
        let sealed = t.path().join(format!("{n}.age"));
        wait_until(
            "a sealed file opens with Debian's age and the organisation's key",
            Duration::from_secs(60),
            || {
                let Some(bytes) = on_stick(n) else {
                    return false;
                };
                if !bytes.starts_with(b"age-encryption.org/v1\n") {
                    return false;
                }
                std::fs::write(&sealed, &bytes).unwrap();
                let out = Command::new("age")
                    .arg("-d")
                    .arg("-i")
                    .arg(&key)
                    .arg(&sealed)
                    .output()
                    .unwrap();
                out.status.success() && String::from_utf8_lossy(&out.stdout).trim_end() == want
            },
        );
    }
    // A data-flow exception (Acronis): the copy is refused until its
    // writer gives a reason with `cordon agent justify`, then allowed.
    if let Fs::Ext4 = fs {
        justified_copy(&src, &mnt, &socket);
    }
    // A full stick: the copy fails saying so, nothing of it is left on
    // the stick, the agent goes on, and the incident says why.
    std::fs::write(src.join("full.txt"), "Lunch again.\n".repeat(300_000)).unwrap();
    let err = cp(&src.join("full.txt"), &mnt).unwrap_err();
    // What the medium's driver says is passed on: `fusefat` says EPERM.
    let full = match fs {
        Fs::FuseFat => "Operation not permitted",
        _ => "No space left on device",
    };
    assert!(err.contains(full), "{err}");
    wait_until("the failed copy is gone", Duration::from_secs(30), || {
        on_stick("full.txt").is_none_or(|b| b.is_empty())
    });
    cp(&src.join("notes.txt"), &mnt.join("after-full.txt")).unwrap();
    wait_until("a small file still goes", Duration::from_secs(60), || {
        on_stick("after-full.txt").as_deref() == Some(files[0].1.as_bytes())
    });
    // Past the 5 MB copy quota a write fails, saying so.
    std::fs::write(src.join("big.bin"), vec![b'x'; 6 << 20]).unwrap();
    let err = cp(&src.join("big.bin"), &mnt).unwrap_err();
    assert!(err.contains("quota"), "{err}");
    // The history of each incident says what became of the file.
    wait_until("incidents with history", Duration::from_secs(30), || {
        let v = incidents(&url, &admin);
        let s = v.to_string();
        s.contains("plan.txt")
            && s.contains("ask.txt")
            && s.contains("staff.csv")
            && s.contains("notes.txt")
            && s.contains("full.txt")
            && s.contains("quota")
    });
    let v = incidents(&url, &admin);
    let all = v["incidents"].as_array().unwrap();
    let history = |file: &str| -> Vec<String> {
        all.iter()
            .filter(|i| {
                i["details"]["event"]["file"]["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with(file))
            })
            .flat_map(|i| {
                i["details"]["endpoint"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|s| s["kind"].as_str().map(str::to_owned))
            .collect()
    };
    assert!(history("plan.txt").contains(&"blocked".to_owned()), "{v}");
    assert!(history("full.txt").contains(&"failed".to_owned()), "{v}");
    if let Fs::Ext4 = fs {
        assert!(
            history("cards.txt").contains(&"justified".to_owned()),
            "{v}"
        );
        assert!(v.to_string().contains("quarterly settlement audit"), "{v}");
    }
    assert!(history("ask.txt").contains(&"encrypted".to_owned()), "{v}");
    assert!(
        history("staff.csv").contains(&"encrypted".to_owned()),
        "{v}"
    );
    if encrypt_first {
        assert!(
            history("ask.txt").contains(&"encrypted_first".to_owned()),
            "{v}"
        );
    }
    // Masked findings only: the SSNs are not in the incidents.
    assert!(!v.to_string().contains("536-22-4871"), "{v}");
    let one = all
        .iter()
        .find(|i| {
            i["details"]["event"]["file"]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("plan.txt"))
        })
        .unwrap();
    let (s, detail) = api(
        "GET",
        &format!("{url}/v1/incidents/{}", one["id"]),
        &admin,
        None,
    );
    assert_eq!(s, 200);
    assert!(
        detail["history"].to_string().contains("File is blocked"),
        "{detail}"
    );

    // Shadow copies (`audit.shadow = content`): each is uploaded sealed;
    // the server hands it to those who may modify incidents as it came,
    // and only the organisation's key opens it.
    let staff = all
        .iter()
        .find(|i| {
            i["details"]["event"]["file"]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("staff.csv"))
                && i["details"]["event"]["action"] == "copy_to_device"
                && i["details"]["endpoint"].to_string().contains("\"shadow\"")
        })
        .unwrap_or_else(|| panic!("no shadowed staff.csv incident: {v}"));
    let opened = |incident: &Value| -> String {
        let resp = fetch_shadow(&url, &admin, incident);
        let name = incident["details"]["event"]["file"]["path"]
            .as_str()
            .unwrap();
        let name = Path::new(name).file_name().unwrap().to_string_lossy();
        assert_eq!(
            resp.headers()["content-disposition"],
            format!("attachment; filename=\"{name}.age\"").as_str()
        );
        let copy = resp.bytes().unwrap();
        assert!(copy.starts_with(b"age-encryption.org/v1\n"));
        assert!(!String::from_utf8_lossy(&copy).contains("536-22-4871"));
        let sealed = t.path().join(format!("shadow-{}.age", incident["id"]));
        std::fs::write(&sealed, &copy).unwrap();
        sh(&format!("age -d -i {} {}", key.display(), sealed.display()))
    };
    assert_eq!(
        opened(staff),
        files[3].1.trim_end(),
        "the written copy decrypts"
    );
    // Reads are shadowed too (`audit.shadow.read`): the test's own reads
    // of the released file, once per file version.
    let read_of_notes = || -> Option<Value> {
        incidents(&url, &admin)["incidents"]
            .as_array()?
            .iter()
            .find(|i| {
                i["rule_name"] == "Shadow copy (read)"
                    && i["details"]["event"]["file"]["path"]
                        .as_str()
                        .is_some_and(|p| p.ends_with("notes.txt"))
                    && i["details"]["endpoint"].to_string().contains("\"shadow\"")
            })
            .cloned()
    };
    wait_until(
        "a shadowed read of notes.txt",
        Duration::from_secs(60),
        || read_of_notes().is_some(),
    );
    let read = read_of_notes().unwrap();
    assert_eq!(
        opened(&read),
        files[0].1.trim_end(),
        "the read copy decrypts"
    );
    // Once the server has them, the agent keeps none.
    wait_until(
        "the agent's shadow store is empty",
        Duration::from_secs(60),
        || {
            std::fs::read_dir(state.join("shadow"))
                .map(|d| d.flatten().all(|e| e.path().is_dir()))
                .unwrap_or(true)
        },
    );

    // Stopped, the agent leaves the stick read-only: nothing is written
    // uninspected.
    let pid = agent.0.id();
    sh(&format!("kill -TERM {pid}"));
    let mut agent = agent;
    let _ = agent.0.wait();
    if let Fs::Ext4 = fs {
        assert_eq!(
            std::fs::write(mnt.join("after.txt"), "x")
                .unwrap_err()
                .raw_os_error(),
            Some(30),
            "EROFS after the agent stopped"
        );
    }
    drop(media);
}

/// The exception flow of `content_policy`, end to end over the agent's
/// control socket; another user can neither see nor justify the copy.
fn justified_copy(src: &Path, mnt: &Path, socket: &Path) {
    let cards = src.join("cards.txt");
    std::fs::write(
        &cards,
        "card number 4539 1488 0343 6467, card number 5425 2334 3010 9903\n",
    )
    .unwrap();
    let err = cp(&cards, mnt).unwrap_err();
    assert!(err.contains("Operation not permitted"), "{err}");
    let justify = |as_nobody: bool, args: &[&str]| {
        let mut c = if as_nobody {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(cordon_bin());
            c
        } else {
            Command::new(cordon_bin())
        };
        c.args(["agent", "justify", "--socket"])
            .arg(socket)
            .args(args)
            .output()
            .unwrap()
    };
    // The copy waits under an id, which only its writer (root) sees.
    let o = justify(false, &[]);
    let listing = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "{listing}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        listing.contains("cards.txt") && listing.contains("business reason"),
        "{listing}"
    );
    let id = listing.split_whitespace().next().unwrap().to_owned();
    let o = justify(true, &[]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("no copy waits"),
        "{o:?}"
    );
    let o = justify(true, &[&id, "mine now"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no copy of yours"),
        "{o:?}"
    );
    // Justified by its writer: the same copy goes through, in clear.
    let o = justify(false, &[&id, "quarterly settlement audit"]);
    assert!(o.status.success(), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("again within 300 s"),
        "{o:?}"
    );
    cp(&cards, mnt).unwrap();
    assert_eq!(
        std::fs::read(mnt.join("cards.txt")).unwrap(),
        std::fs::read(&cards).unwrap()
    );
}

#[test]
fn files_written_to_an_ext4_stick_are_released_blocked_or_sealed_by_content() {
    run(Fs::Ext4, false);
}

#[test]
fn encrypt_first_on_a_fat_stick_through_fusefat() {
    run(Fs::FuseFat, true);
}

#[test]
fn an_exfat_stick_through_exfat_fuse() {
    run(Fs::ExFat, false);
}

#[test]
fn an_ntfs_stick_through_ntfs_3g() {
    run(Fs::Ntfs, false);
}
