//! The runner against real child processes: plug-ins written here as
//! small shell or Python scripts, packed, installed and run.

use std::path::Path;
use std::time::{Duration, Instant};

use cordon_plugin::{Exit, Installed, Request, Response, RunError, RunLimits, Status, run};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::util::{install_dir, plugin_dir};

struct Plugin {
    tmp: TempDir,
    installed: Installed,
}

/// Installs `script` as plug-in `demo`, with `extra` manifest TOML.
fn plugin_with(script: &str, extra: &str) -> Plugin {
    let tmp = tempfile::tempdir().unwrap();
    plugin_dir(&tmp.path().join("src"), "demo", script, extra);
    let installed = install_dir(&tmp.path().join("src"), &tmp.path().join("root"));
    Plugin { tmp, installed }
}

fn plugin(script: &str) -> Plugin {
    plugin_with(script, "")
}

fn limits(timeout_ms: u64) -> RunLimits {
    RunLimits {
        timeout: Duration::from_millis(timeout_ms),
        ..RunLimits::default()
    }
}

async fn call_with(
    p: &Plugin,
    incident: &Value,
    params: &Value,
    limits: &RunLimits,
) -> Result<Response, RunError> {
    let request = Request::new(&p.installed.manifest, incident, params, limits);
    run(&p.installed, &request, limits).await
}

async fn call(p: &Plugin, limits: &RunLimits) -> Result<Response, RunError> {
    call_with(p, &json!({"id": 7}), &json!({}), limits).await
}

/// Whether process `pid` is gone (or a zombie nobody has reaped yet).
fn dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .unwrap()
            .trim_start()
            .starts_with('Z'),
    }
}

fn alive_sleep(pid: u32) -> bool {
    !dead(pid)
        && std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c.starts_with(b"sleep\0"))
}

async fn wait_dead(pid: u32) -> bool {
    for _ in 0..100 {
        if dead(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

async fn wait_for_pid(file: &Path) -> u32 {
    for _ in 0..500 {
        if let Some(pid) = std::fs::read_to_string(file)
            .ok()
            .and_then(|s| s.trim().parse().ok())
        {
            return pid;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no pid in {}", file.display());
}

#[tokio::test]
async fn ok_answer() {
    let p = plugin(
        "#!/bin/sh\ncat >/dev/null\necho '{\"status\":\"ok\",\"message\":\"File is encrypted\",\"details\":{\"n\":1}}'\n",
    );
    let r = call(&p, &limits(10_000)).await.unwrap();
    assert_eq!(
        r,
        Response {
            status: Status::Ok,
            message: "File is encrypted".into(),
            details: json!({"n": 1})
        }
    );
}

#[tokio::test]
async fn failed_status_is_an_answer() {
    let p = plugin(
        "#!/bin/sh\necho '{\"status\":\"failed\",\"message\":\"no key for this device\"}'\n",
    );
    let r = call(&p, &limits(10_000)).await.unwrap();
    assert_eq!(
        (r.status, r.message.as_str()),
        (Status::Failed, "no key for this device")
    );
    let p = plugin("#!/bin/sh\necho '{\"status\":\"skipped\",\"message\":\"\"}'\n");
    assert_eq!(
        call(&p, &limits(10_000)).await.unwrap().status,
        Status::Skipped
    );
}

#[tokio::test]
async fn non_zero_exit_with_stderr() {
    let p = plugin(
        "#!/bin/sh\necho '{\"status\":\"ok\",\"message\":\"x\"}'\necho 'first line' >&2\necho 'vendor tool: device busy' >&2\nexit 3\n",
    );
    let e = call(&p, &limits(10_000)).await.unwrap_err();
    assert!(
        matches!(
            e,
            RunError::Exited {
                exit: Exit::Code(3),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "plug-in `demo` exited with code 3; stderr ends `first line\\nvendor tool: device busy`"
    );
    let p = plugin("#!/bin/sh\nexit 1\n");
    assert_eq!(
        call(&p, &limits(10_000)).await.unwrap_err().to_string(),
        "plug-in `demo` exited with code 1"
    );
}

#[tokio::test]
async fn killed_by_a_signal() {
    let p = plugin("#!/bin/sh\nkill -9 $$\n");
    let e = call(&p, &limits(10_000)).await.unwrap_err();
    assert_eq!(e.to_string(), "plug-in `demo` was killed by signal 9");
}

#[tokio::test]
async fn hang_is_killed_with_its_grandchildren() {
    let tmp = tempfile::tempdir().unwrap();
    let pidfile = tmp.path().join("grandchild");
    let p = plugin(&format!(
        "#!/bin/sh\nsleep 1000 &\necho $! > {}\nsleep 1000\n",
        pidfile.display()
    ));
    let installed = p.installed.clone();
    let started = Instant::now();
    let call = tokio::spawn(async move {
        let limits = limits(1500);
        let request = Request::new(&installed.manifest, &Value::Null, &Value::Null, &limits);
        run(&installed, &request, &limits).await
    });
    let grandchild = wait_for_pid(&pidfile).await;
    // `$!` is known before the forked shell has become `sleep`.
    let mut running = false;
    for _ in 0..50 {
        running = alive_sleep(grandchild);
        if running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(running, "the grandchild runs while the plug-in does");
    let e = call.await.unwrap().unwrap_err();
    let took = started.elapsed();
    assert_eq!(
        e.to_string(),
        "plug-in `demo` timed out after 1500 ms and was killed"
    );
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(10),
        "{took:?}"
    );
    assert!(
        wait_dead(grandchild).await,
        "grandchild {grandchild} survived"
    );
}

#[tokio::test]
async fn what_an_answered_plugin_leaves_running_is_killed() {
    let tmp = tempfile::tempdir().unwrap();
    let pidfile = tmp.path().join("left");
    // The background sleep holds stdout open: without killing the group
    // the call would wait for it until the timeout.
    let p = plugin(&format!(
        "#!/bin/sh\nsleep 1000 &\necho $! > {}\necho '{{\"status\":\"ok\",\"message\":\"done\"}}'\n",
        pidfile.display()
    ));
    let started = Instant::now();
    let r = call(&p, &limits(20_000)).await.unwrap();
    assert_eq!(r.message, "done");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let left = wait_for_pid(&pidfile).await;
    assert!(wait_dead(left).await, "background process {left} survived");
}

#[tokio::test]
async fn closing_stdout_early_is_still_bounded() {
    let p = plugin("#!/bin/sh\nexec >&-\nsleep 1000\n");
    let started = Instant::now();
    let e = call(&p, &limits(800)).await.unwrap_err();
    assert!(matches!(e, RunError::Timeout { .. }), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn manifest_timeout_caps_the_callers() {
    let p = plugin_with("#!/bin/sh\nsleep 1000\n", "")
        .installed
        .manifest
        .timeout_ms;
    assert_eq!(p, 5000);
    let p = plugin("#!/bin/sh\nsleep 1000\n");
    let mut m = p.installed.clone();
    m.manifest.timeout_ms = 300;
    let l = limits(60_000);
    let request = Request::new(&m.manifest, &Value::Null, &Value::Null, &l);
    let e = run(&m, &request, &l).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "plug-in `demo` timed out after 300 ms and was killed"
    );
}

#[tokio::test]
async fn garbage_output() {
    let p = plugin("#!/bin/sh\nprintf 'this is not json\\n\\001 {'\n");
    let e = call(&p, &limits(10_000)).await.unwrap_err();
    assert!(matches!(e, RunError::InvalidOutput { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "plug-in `demo` gave an invalid response (not JSON: expected ident at line 1 column 2): `this is not json\\n\\x01 {`"
    );
    let p = plugin(
        "#!/bin/sh\necho '{\"status\":\"ok\",\"message\":\"a\"}{\"status\":\"ok\",\"message\":\"b\"}'\n",
    );
    let e = call(&p, &limits(10_000)).await.unwrap_err().to_string();
    assert!(e.contains("not JSON: trailing characters"), "{e}");
    let p = plugin("#!/bin/sh\n");
    let e = call(&p, &limits(10_000)).await.unwrap_err().to_string();
    assert_eq!(e, "plug-in `demo` gave an invalid response (no output): ``");
    let p = plugin("#!/bin/sh\necho '{\"status\":\"ok\",\"message\":\"x\",\"protocol\":2}'\n");
    let e = call(&p, &limits(10_000)).await.unwrap_err().to_string();
    assert_eq!(e, "plug-in `demo` speaks protocol 2, this Cordon speaks 1");
}

#[tokio::test]
async fn huge_output_is_cut_off() {
    let p = plugin("#!/bin/sh\nhead -c 10000000 /dev/zero | tr '\\0' a\nsleep 1000\n");
    let started = Instant::now();
    let e = call(&p, &limits(30_000)).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "plug-in `demo` wrote more than 65536 bytes to stdout and was killed"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(e.to_string().len() < 200);
}

#[tokio::test]
async fn chatty_stderr_does_not_deadlock() {
    let p = plugin(
        "#!/bin/sh\nhead -c 1000000 /dev/zero | tr '\\0' e >&2\necho '{\"status\":\"ok\",\"message\":\"fine\"}'\n",
    );
    assert_eq!(call(&p, &limits(20_000)).await.unwrap().message, "fine");
}

#[tokio::test]
async fn a_plugin_need_not_read_its_input() {
    let p = plugin("#!/bin/sh\necho '{\"status\":\"ok\",\"message\":\"ignored\"}'\n");
    // Far more than a pipe holds.
    let incident = json!({"id": 1, "blob": "x".repeat(1 << 20)});
    let r = call_with(&p, &incident, &json!({}), &limits(10_000))
        .await
        .unwrap();
    assert_eq!(r.message, "ignored");
}

#[tokio::test]
async fn environment_is_cleared() {
    let p = plugin(
        "#!/usr/bin/env python3\nimport json, os\nprint(json.dumps({\"status\": \"ok\", \"message\": \"env\", \"details\": dict(os.environ)}))\n",
    );
    let r = call(&p, &limits(10_000)).await.unwrap();
    assert_eq!(
        r.details,
        json!({
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "CORDON_PLUGIN_PROTOCOL": "1",
            "CORDON_PLUGIN_NAME": "demo",
        })
    );
}

#[tokio::test]
async fn stdin_holds_the_request_and_the_working_directory_is_fresh() {
    let p = plugin_with(
        "#!/usr/bin/env python3\nimport json, os, sys\nreq = json.load(sys.stdin)\nopen('scratch', 'w').write('x')\nprint(json.dumps({\"status\": \"ok\", \"message\": os.getcwd(), \"details\": req}))\n",
        "[params.dir]\ntype = \"string\"\n",
    );
    let scratch = p.tmp.path().join("scratch");
    std::fs::create_dir(&scratch).unwrap();
    let l = RunLimits {
        scratch: Some(scratch.clone()),
        ..limits(10_000)
    };
    let incident = json!({"id": 9, "details": {"findings": [{"masked": "4111 **** **** 1111"}]}});
    let params = json!({"dir": "/srv"});
    let r = call_with(&p, &incident, &params, &l).await.unwrap();
    assert_eq!(
        r.details,
        json!({"protocol": 1, "command": "run", "plugin": "demo", "incident": incident, "params": params, "deadline_ms": 5000})
    );
    let cwd = Path::new(&r.message);
    assert!(cwd.starts_with(&scratch) && cwd != scratch, "{cwd:?}");
    assert!(!cwd.exists(), "working directory {cwd:?} was left behind");
    assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0);
}

#[tokio::test]
async fn cannot_start() {
    use std::os::unix::fs::PermissionsExt;
    let p = plugin("#!/bin/sh\necho hi\n");
    std::fs::set_permissions(
        p.installed.executable(),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let e = call(&p, &limits(10_000)).await.unwrap_err();
    assert!(matches!(e, RunError::Start { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("plug-in `demo` could not start: "),
        "{e}"
    );
    let p = plugin("#!/no/such/interpreter\n");
    assert!(matches!(
        call(&p, &limits(10_000)).await.unwrap_err(),
        RunError::Start { .. }
    ));
}

#[tokio::test]
async fn bad_params_and_requests_start_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("ran");
    let p = plugin_with(
        &format!(
            "#!/bin/sh\ntouch {}\necho '{{\"status\":\"ok\",\"message\":\"\"}}'\n",
            marker.display()
        ),
        "[params.url]\ntype = \"string\"\nrequired = true\n",
    );
    let e = call_with(&p, &Value::Null, &json!({"url": 3}), &limits(10_000))
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "parameter `url` of plug-in `demo` must be a string, not number"
    );
    let l = limits(10_000);
    let params = json!({"url": "u"});
    let mut request = Request::new(&p.installed.manifest, &Value::Null, &params, &l);
    request.plugin = "Demo";
    let e = run(&p.installed, &request, &l).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "plug-in `demo`: invalid request: it names plug-in `Demo`"
    );
    request.plugin = "demo";
    request.command = "revert";
    let e = run(&p.installed, &request, &l).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "plug-in `demo`: invalid request: command `revert` is not `run`"
    );
    assert!(!marker.exists());
    request.command = "run";
    run(&p.installed, &request, &l).await.unwrap();
    assert!(marker.exists(), "the test's plug-in does run");
}

#[tokio::test]
async fn runs_as_the_configured_user() {
    if !rustix::process::getuid().is_root() {
        eprintln!("not root: dropping to another user cannot be tested");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let p = plugin(
        "#!/bin/sh\ntouch here\necho \"{\\\"status\\\":\\\"ok\\\",\\\"message\\\":\\\"$(id -u):$(id -g):$(id -G)\\\"}\"\n",
    );
    // The installed tree must be reachable for that user.
    std::fs::set_permissions(p.tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let l = RunLimits {
        user: Some((65534, 65534)),
        ..limits(10_000)
    };
    let r = call(&p, &l).await.unwrap();
    assert_eq!(r.message, "65534:65534:65534");
}

#[tokio::test]
async fn a_dropped_call_kills_the_group() {
    let tmp = tempfile::tempdir().unwrap();
    let pidfile = tmp.path().join("grandchild");
    let p = plugin(&format!(
        "#!/bin/sh\nsleep 1000 &\necho $! > {}\nsleep 1000\n",
        pidfile.display()
    ));
    let l = limits(60_000);
    let request = Request::new(&p.installed.manifest, &Value::Null, &Value::Null, &l);
    // The caller gives up first (a server shutting down, say).
    let pid = tokio::select! {
        r = run(&p.installed, &request, &l) => panic!("the plug-in answered: {r:?}"),
        pid = wait_for_pid(&pidfile) => pid,
    };
    assert!(
        wait_dead(pid).await,
        "grandchild {pid} survived a dropped call"
    );
}
