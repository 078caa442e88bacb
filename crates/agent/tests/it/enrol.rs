//! Enrolment over TLS, end to end with real processes and a real
//! handshake: `openssl` makes a private CA and a certificate for
//! 127.0.0.1, `cordon serve` listens on HTTPS with it, an administrator
//! makes an enrolment token with `cordon agent-token`, and `cordon agent
//! enroll --token … --ca-file …` joins the token's group, keeps the
//! computer's own key (never the token) in agent.toml and caches the
//! first signed bundle, fetched over HTTPS. The daemon then heartbeats
//! over HTTPS and the server shows what it reported. A wrong CA, or none,
//! is refused saying the certificate is not trusted; a second enrolment
//! under the same name is refused; a used-up token is refused.
//!
//! Needs no root (the agent sees an empty fixture sysfs: no devices), but
//! needs `openssl`; without it the test fails saying so.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use super::{Proc, cordon_bin, dc, wait_until};

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {cmd:?} ({e}): install openssl (Debian package `openssl`)")
    });
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`<name>.pem`) and, signed by the first, a certificate for
/// 127.0.0.1 (`server.pem`, `server.key`).
fn pki(d: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    for ca in ["ca", "other-ca"] {
        run(Command::new("openssl")
            .current_dir(d)
            .args(["req", "-x509"])
            .args(ec)
            .args([
                "-keyout",
                &format!("{ca}.key"),
                "-out",
                &format!("{ca}.pem"),
            ])
            .args(["-days", "2", "-subj", &format!("/CN=Cordon test {ca}")]));
    }
    run(Command::new("openssl")
        .current_dir(d)
        .arg("req")
        .args(ec)
        .args(["-keyout", "server.key", "-out", "server.csr"])
        .args(["-subj", "/CN=cordon.test"]));
    std::fs::write(
        d.join("ext.cnf"),
        "subjectAltName=DNS:cordon.test,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(Command::new("openssl")
        .current_dir(d)
        .args(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem"])
        .args(["-CAkey", "ca.key", "-set_serial", "2", "-days", "2"])
        .args(["-extfile", "ext.cnf", "-out", "server.pem"]));
}

/// `cordon serve` on HTTPS: the process, its URL and the admin key.
fn serve_tls(data: &Path, pki: &Path) -> (Proc, String, String) {
    let (p, url, key) = super::support::serve_with_env(
        &cordon_bin(),
        data,
        "127.0.0.1:0",
        &[
            ("CORDON_TLS_CERT_FILE", pki.join("server.pem")),
            ("CORDON_TLS_KEY_FILE", pki.join("server.key")),
        ],
    );
    (p, url, key.expect("admin key"))
}

fn https(ca: &Path) -> reqwest::blocking::Client {
    let pem = std::fs::read(ca).unwrap();
    reqwest::blocking::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

fn api(
    c: &reqwest::blocking::Client,
    method: &str,
    url: &str,
    key: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = c.request(method.parse().unwrap(), url).bearer_auth(key);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().unwrap();
    let s = resp.status().as_u16();
    (s, resp.json().unwrap_or(Value::Null))
}

fn cordon(args: &[&str], paths: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(cordon_bin());
    c.args(args);
    for (flag, p) in paths {
        c.arg(flag).arg(p);
    }
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn an_enrolment_token_enrols_over_https_with_a_private_ca_and_a_wrong_ca_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let pkid = t.path().join("pki");
    std::fs::create_dir_all(&pkid).unwrap();
    pki(&pkid);
    let ca = pkid.join("ca.pem");
    // A key that is not the certificate's stops the server, saying so; it
    // never serves plain HTTP instead.
    let out = Command::new(cordon_bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(t.path().join("bad"))
        .env("CORDON_TLS_CERT_FILE", pkid.join("server.pem"))
        .env("CORDON_TLS_KEY_FILE", pkid.join("ca.key"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("`tls_cert_file` and `tls_key_file` do not go together"),
        "{}",
        text(&out)
    );
    let (_server, url, admin) = serve_tls(&t.path().join("server"), &pkid);
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let c = https(&ca);
    let (s, v) = api(
        &c,
        "POST",
        &format!("{url}/v1/policies"),
        &admin,
        Some(json!({"id": "usb-dc", "format": "json", "body": dc(&["Read"]), "activate": false})),
    );
    assert!(s == 201 || s == 200, "{v}");
    let (s, v) = api(
        &c,
        "PUT",
        &format!("{url}/v1/agent-groups/laptops"),
        &admin,
        Some(json!({"policy_id": "usb-dc", "policy_version": 1})),
    );
    assert_eq!(s, 200, "{v}");

    // An administrator makes a token for two computers (over HTTPS, with
    // the private CA): the secret alone on stdout.
    let out = cordon(
        &[
            "agent-token",
            "create",
            "--group",
            "laptops",
            "--max-uses",
            "2",
            "--label",
            "wave 1",
            "--server",
            &url,
            "--key",
            &admin,
        ],
        &[("--ca-file", &ca)],
    );
    assert!(out.status.success(), "{}", text(&out));
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(token.starts_with("cordon_enrol_"), "{token}");

    let sys = t.path().join("sys");
    std::fs::create_dir_all(&sys).unwrap();
    let enrol = |name: &str, dir: &str, ca: Option<&Path>| -> Output {
        let base = t.path().join(dir);
        let (config, state) = (base.join("agent.toml"), base.join("state"));
        let mut paths: Vec<(&str, &Path)> = vec![
            ("--config", &config),
            ("--state-dir", &state),
            ("--sysfs-root", &sys),
        ];
        if let Some(ca) = ca {
            paths.push(("--ca-file", ca));
        }
        cordon(
            &[
                "agent",
                "enroll",
                "--server",
                &url,
                "--token",
                &token,
                "--name",
                name,
                "--poll-secs",
                "1",
            ],
            &paths,
        )
    };

    // A wrong CA, and none (the system does not know ours): refused, saying
    // the certificate is not trusted; nothing written, no use counted.
    for ca in [Some(pkid.join("other-ca.pem")), None] {
        let out = enrol("pc1", "wrong", ca.as_deref());
        assert!(!out.status.success(), "{}", text(&out));
        let msg = text(&out);
        eprintln!("refused as expected: {msg}");
        assert!(
            msg.contains("certificate is not trusted") && msg.contains("--ca-file"),
            "{msg}"
        );
        assert!(!t.path().join("wrong/agent.toml").exists());
    }

    // The right CA: enrolled in the token's group without --group.
    let out = enrol("pc1", "pc1", Some(&ca));
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("enrolled pc1 in group laptops"),
        "{}",
        text(&out)
    );
    let config = t.path().join("pc1/agent.toml");
    let cfg = std::fs::read_to_string(&config).unwrap();
    assert!(!cfg.contains(&token), "the enrolment token is not kept");
    let cfg: toml::Value = toml::from_str(&cfg).unwrap();
    let own_key = cfg["token"].as_str().unwrap().to_owned();
    assert!(own_key.starts_with("cordon_") && !own_key.starts_with("cordon_enrol_"));
    assert_eq!(cfg["group"].as_str(), Some("laptops"));
    assert_eq!(cfg["ca_file"].as_str(), Some(ca.to_str().unwrap()));
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&config).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // The first bundle came over HTTPS and verified.
    let state = t.path().join("pc1/state");
    assert!(state.join("bundle.json").exists(), "no cached bundle");

    // The same name again: refused, pc1 keeps its binding; no use counted.
    let out = enrol("pc1", "again", Some(&ca));
    assert!(!out.status.success());
    assert!(text(&out).contains("re-enrolment"), "{}", text(&out));
    // A second computer uses the second use; a third is refused.
    let out = enrol("pc2", "pc2", Some(&ca));
    assert!(out.status.success(), "{}", text(&out));
    let out = enrol("pc3", "pc3", Some(&ca));
    assert!(!out.status.success());
    assert!(text(&out).contains("its limit"), "{}", text(&out));
    let out = cordon(
        &[
            "agent-token",
            "list",
            "--group",
            "laptops",
            "--server",
            &url,
            "--key",
            &admin,
        ],
        &[("--ca-file", &ca)],
    );
    assert!(out.status.success(), "{}", text(&out));
    let listing = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        listing.contains("used_up") && listing.contains("2/2"),
        "{listing}"
    );
    assert!(
        !listing.contains(&token[22..]),
        "the listing shows no secret"
    );

    // The daemon heartbeats over HTTPS with the configured CA; the server
    // keeps what it reported.
    let _agent = Proc(
        Command::new(cordon_bin())
            .args(["agent", "run", "--config"])
            .arg(&config)
            .env("CORDON_LOG", "cordon_agent=info")
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_until(
        "the heartbeat reaches the server",
        // Generous: the other agent tests run beside it, each with an
        // agent and a server of its own.
        Duration::from_secs(60),
        || {
            let (_, v) = api(&c, "GET", &format!("{url}/v1/computers/pc1"), &admin, None);
            v["computer"]["agent"]["version"].is_string()
        },
    );
    let (_, v) = api(&c, "GET", &format!("{url}/v1/computers/pc1"), &admin, None);
    let agent = &v["computer"]["agent"];
    assert!(agent["policy_serial"].as_i64().unwrap() > 0, "{v}");
    assert_eq!(agent["policy_version"], 1, "{v}");
    assert_eq!(agent["spool_dropped"], 0, "{v}");
    assert_eq!(v["computer"]["group"], "laptops");
    wait_until(
        "the agent says it is online",
        Duration::from_secs(20),
        || {
            std::fs::read(state.join("status.json"))
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .is_some_and(|s| s["online"] == true)
        },
    );
}
