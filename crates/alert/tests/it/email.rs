//! E-mail to a real SMTP server: `aiosmtpd` writing a Maildir.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cordon_alert::{EmailConfig, Outcome, Sink, SinkConfig, SmtpConfig, SmtpSecurity};

use crate::support::{
    Guard, PAN, PAN_MASKED, alert, alerts, batch, free_port, keys, python_with_aiosmtpd,
};

struct Smtp {
    _guard: Guard,
    port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

fn start_smtp() -> Smtp {
    let python = python_with_aiosmtpd();
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("Maildir");
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    let err = dir.path().join("aiosmtpd.err");
    // Tests run in parallel: the free port may be taken before aiosmtpd
    // binds it, and then another listener answered the readiness check.
    for _ in 0..5 {
        let port = free_port();
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap();
        let mut guard = Guard::new("aiosmtpd", child);
        guard.wait_for_port(port, Some(&err));
        std::thread::sleep(std::time::Duration::from_millis(200));
        if guard.alive() {
            return Smtp {
                _guard: guard,
                port,
                maildir,
                _dir: dir,
            };
        }
    }
    panic!(
        "aiosmtpd did not stay up:\n{}",
        std::fs::read_to_string(&err).unwrap_or_default()
    )
}

fn config(port: u16) -> EmailConfig {
    EmailConfig {
        to: vec![
            "Security <soc@example.org>".to_owned(),
            "dpo@example.org".to_owned(),
        ],
        subject: "[Cordon] {{rule_name}} by {{user}} on {{computer}} (severity {{severity}})"
            .to_owned(),
        body: None,
        digest_minutes: 0,
        max_per_hour: 0,
        smtp: SmtpConfig {
            host: "127.0.0.1".to_owned(),
            port,
            security: SmtpSecurity::None,
            username: None,
            password: None,
            from: "Cordon <dlp@example.org>".to_owned(),
            timeout_ms: 5000,
        },
    }
}

/// The messages delivered so far, CRLF made LF.
fn delivered(maildir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(maildir.join("new"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap().replace("\r\n", "\n"))
        .collect()
}

/// A header's value, unfolded (long subjects are folded onto several
/// lines).
fn header(message: &str, name: &str) -> Option<String> {
    let head = message.split("\n\n").next()?;
    let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
    unfolded.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}

/// The body as text: `lettre` sends long or `=`-holding lines as
/// quoted-printable, undone here (soft breaks, then `=XX`). The trailing
/// line break the Maildir adds is left out.
fn body(message: &str) -> String {
    let raw = message.split_once("\n\n").unwrap().1;
    let qp = header(message, "Content-Transfer-Encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("quoted-printable"));
    if !qp {
        return raw.trim_end_matches('\n').to_owned();
    }
    let joined = raw.replace("=\n", "");
    let mut out = Vec::new();
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .unwrap()
        .trim_end_matches('\n')
        .to_owned()
}

#[tokio::test]
async fn one_alert_is_one_message_from_the_templates() {
    let smtp = start_smtp();
    let mut c = config(smtp.port);
    c.body = Some(
        "Incident {{incident_id}} ({{policy}}): {{decision}} {{channel}} of {{file_name}}\n\
         {{findings}}\n{{url}}\nAt {{time}}; rule {{rule_id}}, {{categories}}, {{match_count}} matches, {{mode}}\n"
            .to_owned(),
    );
    let sink = Sink::new(SinkConfig::Email(c)).unwrap();
    let mut a = alert();
    // A newline in a rule name must not start a header, and a value that
    // looks like a placeholder is written as it is, not expanded again.
    a.rule_name = "Cards\r\nBcc: eve@example.org {{user}}".to_owned();
    let alerts = vec![a];
    let keys = keys(&alerts);
    let out = sink.deliver(&batch(&keys, &alerts)).await;
    assert_eq!(out, [Outcome::Delivered]);

    let messages = delivered(&smtp.maildir);
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(
        header(m, "Subject").as_deref(),
        Some("[Cordon] Cards  Bcc: eve@example.org {{user}} by alice on WS-042 (severity 8)"),
        "{m}"
    );
    assert_eq!(header(m, "Bcc").as_deref(), None, "{m}");
    let to = header(m, "To").unwrap();
    assert!(
        to.contains("soc@example.org") && to.contains("dpo@example.org"),
        "{to}"
    );
    assert!(
        header(m, "Content-Type").unwrap().starts_with("text/plain"),
        "{m}"
    );
    assert_eq!(
        body(m),
        "Incident 42 (pci@3): deny copy_to_device of cards=2025.xlsx\n\
         - credit_card: 4111 **** **** 1111 (high)\n\
         - us_ssn: ***-**-8726 (medium)\n\
         https://cordon.example.org/incidents/42\n\
         At 2025-12-02T02:00:34.610+00:00; rule pci-usb, PCI, PII, 3 matches, enforce"
    );
    assert!(!m.contains(PAN), "{m}");
}

#[tokio::test]
async fn the_default_body_lists_the_incident_with_masked_findings() {
    let smtp = start_smtp();
    let sink = Sink::new(SinkConfig::Email(config(smtp.port))).unwrap();
    let alerts = vec![alert()];
    let keys = keys(&alerts);
    assert_eq!(
        sink.deliver(&batch(&keys, &alerts)).await,
        [Outcome::Delivered]
    );
    let m = &delivered(&smtp.maildir)[0];
    let b = &body(m);
    for want in [
        "Cordon DLP incident #42: Cards to USB | block",
        "User:       alice",
        "Decision:   deny (enforce)",
        "Policy:     pci@3",
        PAN_MASKED,
        "https://cordon.example.org/incidents/42",
    ] {
        assert!(b.contains(want), "{want:?} not in\n{b}");
    }
    assert!(!m.contains(PAN), "{m}");
}

#[tokio::test]
async fn several_alerts_are_one_digest() {
    let smtp = start_smtp();
    let sink = Sink::new(SinkConfig::Email(config(smtp.port))).unwrap();
    let alerts = alerts(3);
    let keys = keys(&alerts);
    let out = sink.deliver(&batch(&keys, &alerts)).await;
    assert_eq!(out, vec![Outcome::Delivered; 3]);
    let messages = delivered(&smtp.maildir);
    assert_eq!(messages.len(), 1, "a burst is one mail");
    let m = &messages[0];
    assert_eq!(
        header(m, "Subject").as_deref(),
        Some("[3 incidents] [Cordon] Cards to USB | block by alice on WS-042 (severity 8)")
    );
    let b = &body(m);
    assert!(
        b.starts_with(
            "3 Cordon DLP incidents between 2025-12-02T02:00:34.610+00:00 and 2025-12-02T02:00:36.610+00:00:\n"
        ),
        "{b}"
    );
    for id in 42..45 {
        assert!(
            b.contains(&format!(
                "- #{id} 2025-12-02T02:00:3{}.610+00:00 severity 8: Cards to USB | block (PCI, PII): alice on WS-042, copy_to_device, deny (enforce)\n  https://cordon.example.org/incidents/{id}",
                id - 38
            )),
            "#{id} not in\n{b}"
        );
    }
    assert!(!m.contains(PAN), "{m}");
}

#[tokio::test]
async fn the_hourly_limit_holds_back_whole_batches() {
    let smtp = start_smtp();
    let mut c = config(smtp.port);
    c.max_per_hour = 2;
    let sink = Sink::new(SinkConfig::Email(c)).unwrap();
    let alerts = alerts(4);
    let keys = keys(&alerts);
    let all = batch(&keys, &alerts);
    assert_eq!(sink.deliver(&all[0..1]).await, [Outcome::Delivered]);
    assert_eq!(sink.deliver(&all[1..2]).await, [Outcome::Delivered]);
    let held = sink.deliver(&all[2..4]).await;
    assert_eq!(held.len(), 2);
    assert_eq!(held[0], held[1]);
    match &held[0] {
        Outcome::Retry(why) => {
            let until = why.strip_prefix("rate limited until ").unwrap();
            let until = chrono::DateTime::parse_from_rfc3339(until).unwrap();
            let wait = until.timestamp_millis() - chrono::Utc::now().timestamp_millis();
            assert!((3_500_000..=3_600_000).contains(&wait), "{why}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(delivered(&smtp.maildir).len(), 2);
}

#[tokio::test]
async fn an_unreachable_server_is_retried_and_costs_no_quota() {
    let mut c = config(free_port());
    c.max_per_hour = 1;
    let sink = Sink::new(SinkConfig::Email(c)).unwrap();
    let alerts = vec![alert()];
    let keys = keys(&alerts);
    for _ in 0..2 {
        match &sink.deliver(&batch(&keys, &alerts)).await[..] {
            [Outcome::Retry(why)] => {
                assert!(why.starts_with("cannot reach the mail server"), "{why}")
            }
            other => panic!("{other:?}"),
        }
    }
}
