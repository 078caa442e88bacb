//! `cordon agent passphrase` against the agent's control socket (served
//! here by `cordon_agent::control::serve`, as the daemon serves it).

use std::os::unix::fs::MetadataExt;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use assert_cmd::prelude::*;
use cordon_agent::control::{Control, serve};
use cordon_agent::passphrase::Passphrases;

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_passphrase_is_set_checked_and_forgotten_through_the_socket() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("agent.sock");
    let me = std::fs::metadata(dir.path()).unwrap().uid();
    let passphrases = Arc::new(Passphrases::with_work_factor(2));
    let ctl = Control {
        book: Arc::default(),
        justify: Arc::new(|_, _| Err("no".into())),
        passphrases: passphrases.clone(),
        passphrase_ttl: Arc::new(|| Some(Duration::from_secs(3600))),
    };
    let stop = Arc::new(AtomicBool::new(false));
    let server = serve(&socket, ctl, stop.clone()).unwrap();
    let run = |args: &[&str], env: Option<&str>| {
        let mut cmd = Command::cargo_bin("cordon").unwrap();
        cmd.args(["agent", "passphrase", "--socket"])
            .arg(&socket)
            .args(args)
            .stdin(Stdio::null())
            .env_remove("CORDON_PASSPHRASE");
        if let Some(p) = env {
            cmd.env("CORDON_PASSPHRASE", p);
        }
        cmd.output().unwrap()
    };

    // Too short: refused before it travels; nothing kept.
    let out = run(&[], Some("short"));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("at least 8 characters"),
        "{}",
        text(&out)
    );
    assert!(passphrases.until(me).is_none());
    // Neither a terminal nor the variable.
    let out = run(&[], None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("CORDON_PASSPHRASE"), "{}", text(&out));

    let out = run(&[], Some("a passphrase of mine"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("passphrase kept until"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains("of mine"), "{}", text(&out));
    assert!(passphrases.seal_for(me).is_some());
    assert!(passphrases.seal_for(me.wrapping_add(1)).is_none());

    let out = run(&["--status"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("a passphrase is set until"),
        "{}",
        text(&out)
    );

    let out = run(&["--forget"], None);
    assert!(
        text(&out).contains("passphrase forgotten"),
        "{}",
        text(&out)
    );
    assert!(passphrases.until(me).is_none());
    let out = run(&["--status"], None);
    assert!(
        text(&out).contains("no passphrase is set"),
        "{}",
        text(&out)
    );

    // On a terminal: asked twice, without echo; two different entries
    // change nothing.
    let (ok, screen) = typed(&socket, &["typed on a terminal", "typed on a terminal"]);
    assert!(ok, "{screen}");
    assert!(screen.contains("Passphrase again: "), "{screen}");
    assert!(!screen.contains("typed on"), "echoed: {screen}");
    assert!(passphrases.seal_for(me).is_some());
    assert!(passphrases.forget(me));
    let (ok, screen) = typed(&socket, &["typed on a terminal", "typed on a termina1"]);
    assert!(!ok && screen.contains("differ"), "{screen}");
    assert!(passphrases.until(me).is_none());

    stop.store(true, Ordering::Relaxed);
    server.join().unwrap();
}

/// Runs `cordon agent passphrase` on a pseudo-terminal and types `lines`,
/// each once the program has asked and turned echo off; whether it
/// succeeded, and the screen.
fn typed(socket: &std::path::Path, lines: &[&str]) -> (bool, String) {
    use std::io::{Read, Write};
    use std::sync::Mutex;
    let (mut master, slave) = crate::unseal::pty();
    let bin = assert_cmd::cargo::cargo_bin("cordon");
    let mut child = Command::new(crate::unseal::tool("setsid"))
        .args(["--ctty", "--wait", "timeout", "60"])
        .arg(&bin)
        .args(["agent", "passphrase", "--socket"])
        .arg(socket)
        .env_remove("CORDON_PASSPHRASE")
        .stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave)
        .spawn()
        .unwrap();
    let screen = Arc::new(Mutex::new(Vec::new()));
    let mut reader_end = master.try_clone().unwrap();
    let seen = screen.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        // EIO once the last process holding the terminal has gone.
        while let Ok(n @ 1..) = reader_end.read(&mut buf) {
            seen.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let prompts = ["Passphrase: ", "Passphrase again: "];
    for (line, prompt) in lines.iter().zip(prompts) {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let asked = String::from_utf8_lossy(&screen.lock().unwrap()).contains(prompt);
            let modes = rustix::termios::tcgetattr(&master).unwrap().local_modes;
            if asked && !modes.contains(rustix::termios::LocalModes::ECHO) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "not asked `{prompt}` with echo off after a minute"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        master.write_all(format!("{line}\n").as_bytes()).unwrap();
    }
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let screen = String::from_utf8_lossy(&screen.lock().unwrap()).into_owned();
    (status.success(), screen)
}
