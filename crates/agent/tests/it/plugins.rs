//! Response plug-ins that run on the endpoint (`runs_on = "agent"`): a
//! real server plans them for the incident a real agent reported (a
//! stick nobody may use, deauthorized), the agent claims the signed
//! calls, fetches the packages, runs them and its answers land in the
//! incident's history; a plug-in that hangs is killed and says so.

use super::*;

/// A package: `name`, agent-run, the script, `timeout_ms`, `params` (TOML
/// tables of the manifest).
fn package(name: &str, script: &str, timeout_ms: u64, params: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cordon-plugin.toml"),
        format!(
            "name = \"{name}\"\nversion = \"1.0\"\nprotocol = 1\nruns_on = \"agent\"\nevents = [\"*\"]\n\
             executable = \"run.sh\"\ntimeout_ms = {timeout_ms}\n{params}"
        ),
    )
    .unwrap();
    let exe = dir.path().join("run.sh");
    std::fs::write(&exe, script).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    cordon_plugin::pack(dir.path()).unwrap()
}

fn install(url: &str, admin: &str, bytes: Vec<u8>) {
    let resp = reqwest::blocking::Client::new()
        .post(format!("{url}/v1/plugins"))
        .bearer_auth(admin)
        .header("content-type", "application/gzip")
        .body(bytes)
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201, "{}", resp.text().unwrap());
}

#[test]
fn agent_plug_ins_run_on_the_computer_that_reported_the_incident_and_answer_into_its_history() {
    if let Some(why) = missing_facility() {
        skip_or_fail(&why);
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (_server, url, admin) = serve(&t.path().join("server"), "127.0.0.1:0");
    let admin = admin.expect("admin key");
    let token = group_with_key(
        &url,
        &admin,
        "usb-none",
        r#"{"policies":[]}"#,
        "kiosks",
        "pc5-agent",
    );
    // `Note` keeps what it was given (its request, its environment) where
    // its parameter says, and answers; `Hang` never answers.
    let out = t.path().join("note-out");
    std::fs::create_dir_all(&out).unwrap();
    let note = format!(
        "#!/bin/sh\nreq=$(cat)\nprintf '%s' \"$req\" > {dir}/request.json\nenv > {dir}/env\n\
         echo '{{\"status\":\"ok\",\"message\":\"Stick noted on the endpoint\",\"details\":{{\"kept\":\"request.json\"}}}}'\n",
        dir = out.display()
    );
    install(
        &url,
        &admin,
        package(
            "Note",
            &note,
            10_000,
            "[params.out_dir]\ntype = \"string\"\nrequired = true\n",
        ),
    );
    install(
        &url,
        &admin,
        package("Hang", "#!/bin/sh\nsleep 1000\n", 1_000, ""),
    );
    let (s, v) = api(
        "PUT",
        &format!("{url}/v1/alerts/responses/endpoint"),
        &admin,
        Some(json!({"actions": [
            {"plugin": "Note", "params": {"out_dir": out.display().to_string()}},
            {"plugin": "Hang"},
        ]})),
    );
    assert_eq!(s, 200, "{v}");

    let stick = Media::new(&t.path().join("a"));
    let sys = t.path().join("sys");
    fake_stick_at(&sys, "1-1", &stick.name(), &stick.majmin());
    let config = t.path().join("etc/agent.toml");
    let state = t.path().join("state");
    let _ = LOG.set(t.path().join("etc/agent.log"));
    enroll(&url, &token, "kiosks", "pc5", &config, &state, &sys);
    let _agent = agent_run(&config);

    let mut id = 0;
    wait_until(
        "the deauthorization reaches the server",
        Duration::from_secs(30),
        || {
            let v = incidents(&url, &admin);
            if let Some(i) = v["incidents"]
                .as_array()
                .and_then(|a| a.iter().find(|i| i["computer"] == "pc5"))
            {
                id = i["id"].as_i64().unwrap();
            }
            id != 0
        },
    );
    let history = || {
        api("GET", &format!("{url}/v1/incidents/{id}"), &admin, None).1["history"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e["kind"] == "plugin")
            .collect::<Vec<_>>()
    };
    wait_until(
        "both plug-ins' answers are in the incident's history",
        Duration::from_secs(40),
        || history().len() == 2,
    );
    let h = history();
    let by = |name: &str| {
        h.iter()
            .find(|e| e["detail"]["plugin"] == name)
            .unwrap_or_else(|| panic!("{name} in {h:?}"))["detail"]
            .clone()
    };
    let note = by("Note");
    assert_eq!(note["status"], "ok", "{note}");
    assert_eq!(note["message"], "Stick noted on the endpoint");
    assert_eq!(note["computer"], "pc5");
    assert_eq!(note["details"]["kept"], "request.json");
    let hang = by("Hang");
    assert_eq!(hang["status"], "error", "{hang}");
    assert!(
        hang["message"]
            .as_str()
            .unwrap()
            .contains("timed out after 1000 ms and was killed"),
        "{hang}"
    );
    // What the plug-in was given: protocol 1, its parameters, the incident
    // as the server keeps it; nothing of the agent's environment.
    let req: Value =
        serde_json::from_slice(&std::fs::read(out.join("request.json")).unwrap()).unwrap();
    assert_eq!(req["protocol"], 1);
    assert_eq!(req["plugin"], "Note");
    assert_eq!(req["params"]["out_dir"], out.display().to_string());
    assert_eq!(req["incident"]["id"], id, "{req}");
    assert_eq!(
        req["incident"]["details"]["event"]["action"], "device_access",
        "{req}"
    );
    assert_eq!(req["incident"]["computer"], "pc5", "{req}");
    let env = std::fs::read_to_string(out.join("env")).unwrap();
    assert!(env.contains("CORDON_PLUGIN_NAME=Note"), "{env}");
    assert!(
        !env.contains("CORDON_LOG") && !env.contains("HOME="),
        "{env}"
    );
    // The deliveries ended: delivered, and failed with the reason.
    let (_, d) = api(
        "GET",
        &format!("{url}/v1/deliveries?incident={id}"),
        &admin,
        None,
    );
    let state_of = |target: &str| {
        d["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["target"] == target)
            .unwrap_or_else(|| panic!("{target} in {d}"))["state"]
            .clone()
    };
    assert_eq!(state_of("agent:pc5/Note"), "delivered");
    assert_eq!(state_of("agent:pc5/Hang"), "failed");
    // The package was unpacked under the agent's state directory, as the
    // signed call named it.
    let (_, list) = api("GET", &format!("{url}/v1/plugins"), &admin, None);
    let sha = list["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Note")
        .unwrap()["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        state
            .join("plugins/Note")
            .join(&sha)
            .join("run.sh")
            .is_file()
    );
}
