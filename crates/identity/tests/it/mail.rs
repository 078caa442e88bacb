//! Sending mail to a real SMTP server: `aiosmtpd` writing a Maildir.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use cordon_identity::mail::{MailError, Mailer, MailerConfig, Security};

use crate::support::{Guard, free_port, python_with_aiosmtpd};

/// An `aiosmtpd` Mailbox handler that refuses `nobody@…` the way Postfix
/// does, so a refused recipient comes from a real SMTP dialogue.
const PICKY_HANDLER: &str = r#"
from aiosmtpd.handlers import Mailbox

class Picky(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"
"#;

struct Sink {
    guard: Guard,
    port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

fn start_sink() -> Sink {
    let python = python_with_aiosmtpd();
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("Maildir");
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    std::fs::write(dir.path().join("picky.py"), PICKY_HANDLER).unwrap();
    let port = free_port();
    let err = dir.path().join("aiosmtpd.err");
    let child = Command::new(python)
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "picky.Picky"])
        .arg(&maildir)
        .env("PYTHONPATH", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let mut guard = Guard::new("aiosmtpd", child);
    guard.wait_for_port(port, Some(&err));
    Sink {
        guard,
        port,
        maildir,
        _dir: dir,
    }
}

fn config(port: u16) -> MailerConfig {
    MailerConfig {
        host: "127.0.0.1".to_owned(),
        port,
        security: Security::None,
        username: None,
        password: None,
        from: "Cordon <dlp@example.org>".to_owned(),
        timeout: Duration::from_secs(5),
    }
}

/// The messages delivered so far.
fn delivered(maildir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(maildir.join("new"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect()
}

fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    let head = message.split("\n\n").next()?;
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[tokio::test]
async fn a_message_arrives_with_its_headers_and_body() {
    let sink = start_sink();
    let mailer = Mailer::new(config(sink.port)).unwrap();
    mailer
        .send(
            "Alice <alice@example.org>",
            "Your Cordon sign-in code",
            "Your code is 123456.\nIt expires in 15 minutes.\n",
        )
        .await
        .unwrap();
    let messages = delivered(&sink.maildir);
    assert_eq!(messages.len(), 1);
    let m = messages[0].replace("\r\n", "\n");
    assert_eq!(header(&m, "To"), Some("Alice <alice@example.org>"), "{m}");
    assert_eq!(header(&m, "From"), Some("Cordon <dlp@example.org>"), "{m}");
    assert_eq!(
        header(&m, "Subject"),
        Some("Your Cordon sign-in code"),
        "{m}"
    );
    assert!(
        header(&m, "Content-Type")
            .unwrap()
            .starts_with("text/plain"),
        "{m}"
    );
    let body = m.split_once("\n\n").unwrap().1;
    assert!(body.contains("Your code is 123456."), "{body}");
    assert!(body.contains("It expires in 15 minutes."), "{body}");
    // aiosmtpd records the envelope recipient.
    assert_eq!(header(&m, "X-RcptTo"), Some("alice@example.org"), "{m}");
}

#[tokio::test]
async fn one_message_reaches_several_recipients() {
    let sink = start_sink();
    let mailer = Mailer::new(config(sink.port)).unwrap();
    mailer
        .send_to_all(
            &["Alice <alice@example.org>", "bob@example.org"],
            "Cordon alert",
            "One message for the team.\n",
        )
        .await
        .unwrap();
    let messages = delivered(&sink.maildir);
    assert_eq!(messages.len(), 1, "one message, not one per recipient");
    let m = messages[0].replace("\r\n", "\n");
    assert_eq!(
        header(&m, "To"),
        Some("Alice <alice@example.org>, bob@example.org"),
        "{m}"
    );
    // Both are envelope recipients of that one message.
    assert_eq!(
        header(&m, "X-RcptTo"),
        Some("alice@example.org, bob@example.org"),
        "{m}"
    );
    // A bad address among them is refused before connecting, and an
    // empty list is a mistake.
    assert!(matches!(
        mailer.send_to_all(&["bob@example.org", "nope"], "s", "b").await,
        Err(MailError::InvalidAddress { address, .. }) if address == "nope"
    ));
    assert!(matches!(
        mailer.send_to_all(&[], "s", "b").await,
        Err(MailError::Config(_))
    ));
    assert!(cordon_identity::mail::check_address("Team <soc@example.org>").is_ok());
    assert!(cordon_identity::mail::check_address("soc@").is_err());
}

#[tokio::test]
async fn the_server_refusing_the_recipient_says_so() {
    let sink = start_sink();
    let mailer = Mailer::new(config(sink.port)).unwrap();
    let e = mailer
        .send("nobody@example.org", "code", "123456")
        .await
        .unwrap_err();
    match &e {
        MailError::RecipientRefused { to, reply } => {
            assert_eq!(to, "nobody@example.org");
            assert!(reply.starts_with("550 5.1.1"), "{reply}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with("the mail server refused the recipient `nobody@example.org`: 550"),
        "{e}"
    );
    assert!(delivered(&sink.maildir).is_empty());
}

#[tokio::test]
async fn bad_input_is_refused_before_connecting() {
    // No server at all: these never get as far as the network.
    let mailer = Mailer::new(config(free_port())).unwrap();
    for to in ["not an address", "", "alice@", "<alice@example.org"] {
        match mailer.send(to, "s", "b").await {
            Err(MailError::InvalidAddress { field, address, .. }) => {
                assert_eq!(field, "recipient");
                assert_eq!(address, to);
            }
            other => panic!("{to:?}: {other:?}"),
        }
    }
    assert_eq!(
        mailer
            .send("alice@example.org", "two\r\nBcc: eve@example.org", "b")
            .await,
        Err(MailError::InvalidSubject)
    );
}

#[tokio::test]
async fn an_unreachable_server_is_named() {
    let port = free_port();
    let mailer = Mailer::new(config(port)).unwrap();
    let e = mailer
        .send("alice@example.org", "s", "b")
        .await
        .unwrap_err();
    match &e {
        MailError::Unreachable { host, port: p, .. } => {
            assert_eq!((host.as_str(), *p), ("127.0.0.1", port))
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with(&format!("cannot reach the mail server 127.0.0.1:{port}: ")),
        "{e}"
    );
}

#[tokio::test]
async fn a_server_that_never_greets_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut c = config(port);
    c.timeout = Duration::from_millis(400);
    let mailer = Mailer::new(c).unwrap();
    let start = std::time::Instant::now();
    let e = mailer
        .send("alice@example.org", "s", "b")
        .await
        .unwrap_err();
    assert_eq!(
        e,
        MailError::Timeout {
            host: "127.0.0.1".to_owned(),
            port,
            ms: 400
        }
    );
    assert!(start.elapsed() < Duration::from_secs(3));
    drop(listener);
}

#[tokio::test]
async fn the_sink_going_away_is_unreachable() {
    let mut sink = start_sink();
    let mailer = Mailer::new(config(sink.port)).unwrap();
    mailer.send("alice@example.org", "s", "b").await.unwrap();
    sink.guard.kill();
    assert!(matches!(
        mailer.send("alice@example.org", "s", "b").await,
        Err(MailError::Unreachable { .. })
    ));
}
