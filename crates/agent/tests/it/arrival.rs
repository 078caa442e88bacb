//! A stick nobody may use is turned off before anything mounts it: one
//! present when the agent starts, and one that arrives later, announced by
//! a real kernel uevent (the loop device's `change`, written to its
//! `uevent` file) — with the timer far away, so only the uevent can be
//! what made the agent look.

use std::time::{Duration, Instant};

use super::*;

fn authorized(sys: &Path, port: &str) -> String {
    std::fs::read_to_string(
        sys.join("devices/pci0000:00/0000:00:14.0/usb1")
            .join(port)
            .join("authorized"),
    )
    .unwrap_or_default()
}

#[test]
fn a_stick_with_no_access_is_deauthorized_on_arrival_before_any_mount() {
    if let Some(why) = missing_facility() {
        skip_or_fail(&why);
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (_server, url, admin) = serve(&t.path().join("server"), "127.0.0.1:0");
    let admin = admin.expect("admin key");
    // No policy for removable storage: seed 004's "no applicable policy,
    // no rights".
    let token = group_with_key(
        &url,
        &admin,
        "usb-none",
        r#"{"policies":[]}"#,
        "kiosks",
        "pc3-agent",
    );
    let first = Media::new(&t.path().join("a"));
    let sys = t.path().join("sys");
    fake_stick_at(&sys, "1-1", &first.name(), &first.majmin());

    let config = t.path().join("etc/agent.toml");
    let state = t.path().join("state");
    let _ = LOG.set(t.path().join("etc/agent.log"));
    enroll(&url, &token, "kiosks", "pc3", &config, &state, &sys);
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("evaluate_ms = 1000", "evaluate_ms = 10000");
    std::fs::write(&config, &text).unwrap();
    let agent = agent_run(&config);
    wait_until(
        "the stick present at start is deauthorized",
        Duration::from_secs(20),
        || authorized(&sys, "1-1").trim() == "0",
    );
    wait_until(
        "status lists it, unmounted",
        Duration::from_secs(10),
        || {
            let st = status(&state);
            st["devices"].as_array().is_some_and(|d| {
                d.iter().any(|d| {
                    d["device"] == first.name().as_str()
                        && d["mount_point"].is_null()
                        && d["access"] == "no_access"
                        && d["enforcement"] == "USB device deauthorized"
                })
            })
        },
    );
    // Let the first ticks pass: the next evaluation is 10 s away.
    std::thread::sleep(Duration::from_millis(500));

    let second = Media::new(&t.path().join("b"));
    fake_stick_at(&sys, "1-2", &second.name(), &second.majmin());
    let t0 = Instant::now();
    std::fs::write(format!("/sys/block/{}/uevent", second.name()), "change").unwrap();
    let took = wait_until(
        "the arriving stick is deauthorized",
        Duration::from_secs(20),
        || authorized(&sys, "1-2").trim() == "0",
    );
    eprintln!(
        "measured: uevent → USB device deauthorized {took:?} (from the uevent's trigger: {:?})",
        t0.elapsed()
    );
    assert!(
        took < Duration::from_secs(5),
        "the uevent, not the 10 s timer, made the agent look: {took:?}"
    );
    // Each became an incident, spooled then uploaded.
    wait_until(
        "both deauthorizations reach the server",
        Duration::from_secs(20),
        || {
            let v = incidents(&url, &admin);
            v["incidents"]
                .as_array()
                .is_some_and(|a| a.iter().filter(|i| i["computer"] == "pc3").count() >= 2)
        },
    );
    // The agent before the sticks: a loop device freed under a running
    // agent can be another test's next stick.
    drop(agent);
    drop(second);
    drop(first);
}
