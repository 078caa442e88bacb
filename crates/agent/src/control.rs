//! The agent's control socket: how a user's `cordon agent justify` reaches
//! the agent that runs as root (issue #14, the Acronis exception).
//!
//! A copy to a medium that a data-flow `exception` rule stops is
//! *asked*: the judge keeps the request in the [`Book`] under a short id
//! and tells the user `cordon agent justify ID "why"`. The command sends
//! one JSON line over a Unix socket (`control_socket`, mode 0666) and
//! reads one back. Who asks is the socket's peer uid (`SO_PEERCRED`), never
//! a name in the request: a user lists and justifies only their own
//! requests (root sees all). A justification opens the policy engine's
//! exception window for the request's (sender, recipient, category) keys,
//! so the same copy, made again within `exceptionWindow`, is allowed; it
//! is recorded as an incident whose history says "justified".
//!
//! The same socket carries `cordon agent passphrase`: a user's own
//! passphrase for sealing their files (the policy's
//! `removableMedia.passphrase: prompt`), kept by [`crate::passphrase`] for
//! the peer uid alone; a user sets, checks or forgets only their own, and
//! the passphrase is never answered back.
//!
//! Requests are read with a 5 s timeout and at most 64 KiB, at most 8 at
//! once; the book keeps at most 256 requests, each for an hour.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cordon_policy::model::{Event, ExceptionRequest};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::passphrase::{Secret, SharedPassphrases};

/// Where the agent listens unless its configuration says otherwise.
pub const DEFAULT_SOCKET: &str = "/run/cordon-agent.sock";

/// Longest justification kept, in characters.
pub const MAX_TEXT: usize = 1000;

const MAX_REQUEST: u64 = 64 * 1024;
const MAX_ASKED: usize = 256;
const ASKED_FOR: Duration = Duration::from_secs(3600);
const MAX_CLIENTS: usize = 8;

/// One copy stopped by an exception rule, waiting for a justification.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Asked {
    pub id: String,
    pub uid: u32,
    pub user: String,
    /// The file as the user named it (the medium's path).
    pub file: String,
    pub device: String,
    /// The rule's message.
    pub message: String,
    pub request: ExceptionRequest,
    /// The event as decided, for the justification's record.
    pub event: Event,
    /// When it was asked, Unix milliseconds.
    at_ms: i64,
}

impl Asked {
    /// Seconds since it was asked.
    pub fn age_secs(&self) -> u64 {
        u64::try_from(now_ms().saturating_sub(self.at_ms) / 1000).unwrap_or(0)
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The requests asked and not yet justified: kept in `path` (owner-only)
/// when given, so that a copy stopped before a restart can still be
/// justified after it.
#[derive(Debug, Default)]
pub struct Book {
    asked: VecDeque<Asked>,
    path: Option<std::path::PathBuf>,
}

pub type SharedBook = Arc<Mutex<Book>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Book {
    /// A book kept in `path`: what an earlier run left there and has not
    /// expired. A file that cannot be read is logged and set aside (its
    /// requests are asked again at the next copy), never fatal.
    pub fn kept_in(path: &Path) -> Book {
        let mut book = Book {
            asked: VecDeque::new(),
            path: Some(path.to_owned()),
        };
        match std::fs::read(path) {
            Ok(bytes) => match serde_json::from_slice::<VecDeque<Asked>>(&bytes) {
                Ok(asked) => {
                    book.asked = asked;
                    book.asked.truncate(MAX_ASKED);
                    book.expire();
                }
                Err(e) => {
                    tracing::warn!(path = %path.display(), "copies waiting for a justification not read back: {e}")
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %path.display(), "copies waiting for a justification not read back: {e}")
            }
        }
        book
    }

    fn save(&self) {
        let Some(path) = &self.path else { return };
        let written = serde_json::to_vec(&self.asked)
            .map_err(std::io::Error::other)
            .and_then(|bytes| crate::trust::write_private(path, &bytes));
        if let Err(e) = written {
            // The requests are kept in memory; only a restart forgets them.
            tracing::warn!(path = %path.display(), "copies waiting for a justification not saved: {e}");
        }
    }

    /// Keeps a request and answers its id; the same user asking again for
    /// the same keys gets the same id.
    #[allow(clippy::too_many_arguments)]
    pub fn ask(
        &mut self,
        uid: u32,
        user: &str,
        file: &str,
        device: &str,
        message: &str,
        request: ExceptionRequest,
        event: Event,
    ) -> String {
        self.expire();
        if let Some(a) = self
            .asked
            .iter_mut()
            .find(|a| a.uid == uid && a.request.keys == request.keys)
        {
            a.file = file.to_owned();
            a.device = device.to_owned();
            a.message = message.to_owned();
            a.event = event;
            a.at_ms = now_ms();
            let id = a.id.clone();
            self.save();
            return id;
        }
        let id = loop {
            let id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
            if !self.asked.iter().any(|a| a.id == id) {
                break id;
            }
        };
        if self.asked.len() >= MAX_ASKED {
            self.asked.pop_front();
        }
        self.asked.push_back(Asked {
            id: id.clone(),
            uid,
            user: user.to_owned(),
            file: file.to_owned(),
            device: device.to_owned(),
            message: message.to_owned(),
            request,
            event,
            at_ms: now_ms(),
        });
        self.save();
        id
    }

    fn expire(&mut self) {
        let before = self.asked.len();
        let oldest = now_ms().saturating_sub(ASKED_FOR.as_millis() as i64);
        self.asked.retain(|a| a.at_ms > oldest);
        if self.asked.len() != before {
            self.save();
        }
    }

    /// What `uid` may see (root: everything).
    pub fn list(&mut self, uid: u32) -> Vec<Asked> {
        self.expire();
        self.asked
            .iter()
            .filter(|a| uid == 0 || a.uid == uid)
            .cloned()
            .collect()
    }

    /// Takes request `id` for `uid`; another user's request is not found.
    pub fn take(&mut self, id: &str, uid: u32) -> Option<Asked> {
        self.expire();
        let i = self
            .asked
            .iter()
            .position(|a| a.id.eq_ignore_ascii_case(id) && (uid == 0 || a.uid == uid))?;
        let taken = self.asked.remove(i);
        self.save();
        taken
    }

    /// Puts back a request whose justification could not be applied.
    pub fn restore(&mut self, a: Asked) {
        self.asked.push_back(a);
        self.save();
    }
}

/// A request on the socket.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// The caller's copies waiting for a justification.
    Exceptions,
    /// Justifies request `id`.
    Justify { id: String, text: String },
    /// Keeps the caller's passphrase for sealing the files they write.
    PassphraseSet { passphrase: Secret },
    /// Whether the caller's passphrase is kept, and until when.
    PassphraseStatus,
    /// Forgets the caller's passphrase.
    PassphraseForget,
}

/// A request waiting for a justification, as the caller sees it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Waiting {
    pub id: String,
    pub user: String,
    pub file: String,
    pub device: String,
    pub message: String,
    pub rules: Vec<String>,
    pub age_secs: u64,
}

/// The answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Response {
    pub ok: bool,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waiting: Vec<Waiting>,
    /// Until when the caller's passphrase is kept (RFC 3339), when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

impl Response {
    pub fn fail(message: impl Into<String>) -> Response {
        Response {
            ok: false,
            message: message.into(),
            waiting: Vec::new(),
            until: None,
        }
    }
    pub fn ok(message: impl Into<String>) -> Response {
        Response {
            ok: true,
            message: message.into(),
            waiting: Vec::new(),
            until: None,
        }
    }
}

/// What the daemon does with a justification: opens the window and
/// records it; `Err` says why it could not.
pub type Justifier = Arc<dyn Fn(&Asked, &str) -> Result<String, String> + Send + Sync>;

/// How long a passphrase is kept under the policy in force; `None` when
/// that policy does not seal with users' passphrases.
pub type PassphraseTtl = Arc<dyn Fn() -> Option<Duration> + Send + Sync>;

/// What the socket answers with.
#[derive(Clone)]
pub struct Control {
    pub book: SharedBook,
    pub justify: Justifier,
    pub passphrases: SharedPassphrases,
    pub passphrase_ttl: PassphraseTtl,
}

/// Cleans a justification: control characters become spaces, at most
/// [`MAX_TEXT`] characters, trimmed. `None` if nothing is left.
pub fn clean_text(text: &str) -> Option<String> {
    let t: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_TEXT)
        .collect();
    let t = t.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Answers one request from the user `uid`.
pub fn answer(ctl: &Control, uid: u32, req: Request) -> Response {
    let (book, justify) = (&*ctl.book, &ctl.justify);
    match req {
        Request::Exceptions => {
            let waiting: Vec<Waiting> = lock(book)
                .list(uid)
                .into_iter()
                .map(|a| Waiting {
                    age_secs: a.age_secs(),
                    rules: a.request.rules.clone(),
                    id: a.id,
                    user: a.user,
                    file: a.file,
                    device: a.device,
                    message: a.message,
                })
                .collect();
            Response {
                ok: true,
                message: format!("{} cop(ies) wait for a justification", waiting.len()),
                waiting,
                until: None,
            }
        }
        Request::Justify { id, text } => {
            let Some(text) = clean_text(&text) else {
                return Response::fail("the justification is empty");
            };
            let Some(asked) = lock(book).take(&id, uid) else {
                return Response::fail(format!(
                    "no copy of yours waits for a justification under `{id}` (`cordon agent justify` lists them)"
                ));
            };
            match justify(&asked, &text) {
                Ok(message) => Response::ok(message),
                Err(e) => {
                    lock(book).restore(asked);
                    Response::fail(e)
                }
            }
        }
        Request::PassphraseSet { passphrase } => {
            let Some(ttl) = (ctl.passphrase_ttl)() else {
                return Response::fail(
                    "the policy in force does not seal files with users' passphrases \
                     (removableMedia.passphrase is off): files to be encrypted are sealed \
                     for the organisation's keys",
                );
            };
            match ctl.passphrases.set(uid, passphrase, ttl) {
                Ok(until) => {
                    let until = stamp(until);
                    let mut r = Response::ok(format!(
                        "passphrase kept until {until}: files the policy encrypts on removable media \
                         are sealed with it (open them with `age -d` or `cordon unseal --passphrase`; \
                         the organisation's recovery key cannot)"
                    ));
                    r.until = Some(until);
                    r
                }
                Err(e) => Response::fail(e),
            }
        }
        Request::PassphraseStatus => match ctl.passphrases.until(uid) {
            Some(until) => {
                let until = stamp(until);
                let mut r = Response::ok(format!(
                    "a passphrase is set until {until}{}",
                    if (ctl.passphrase_ttl)().is_some() {
                        ""
                    } else {
                        " (unused: the policy in force does not seal with users' passphrases)"
                    }
                ));
                r.until = Some(until);
                r
            }
            None => Response::ok(if (ctl.passphrase_ttl)().is_some() {
                "no passphrase is set: files to be encrypted are sealed for the organisation's keys, \
                 or refused when there are none (`cordon agent passphrase` sets one)"
            } else {
                "no passphrase is set (the policy in force does not use them)"
            }),
        },
        Request::PassphraseForget => Response::ok(if ctl.passphrases.forget(uid) {
            "passphrase forgotten"
        } else {
            "no passphrase was set"
        }),
    }
}

fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Listens on `path` until `stop` is set.
pub fn serve(
    path: &Path,
    ctl: Control,
    stop: Arc<AtomicBool>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // A socket left by an earlier run; anything else at the path stays
    // and the bind fails, saying so.
    if let Ok(m) = std::fs::symlink_metadata(path)
        && std::os::unix::fs::FileTypeExt::is_socket(&m.file_type())
    {
        std::fs::remove_file(path)?;
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666))?;
    listener.set_nonblocking(true)?;
    let path = path.to_owned();
    std::thread::Builder::new()
        .name("cordon-agent-control".into())
        .spawn(move || {
            let busy = Arc::new(AtomicUsize::new(0));
            while !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if busy.load(Ordering::Relaxed) >= MAX_CLIENTS {
                            let mut s = stream;
                            let _ = reply(&mut s, &Response::fail("the agent is busy: try again"));
                            continue;
                        }
                        busy.fetch_add(1, Ordering::Relaxed);
                        let (ctl, busy) = (ctl.clone(), busy.clone());
                        let spawned = std::thread::Builder::new()
                            .name("cordon-agent-client".into())
                            .spawn(move || {
                                if let Err(e) = client(stream, &ctl) {
                                    tracing::debug!("control socket: {e}");
                                }
                                busy.fetch_sub(1, Ordering::Relaxed);
                            });
                        if let Err(e) = spawned {
                            tracing::warn!("control socket: {e}");
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(100));
                    }
                    Err(e) => {
                        tracing::warn!("control socket: {e}");
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            }
            let _ = std::fs::remove_file(&path);
        })
}

fn client(stream: UnixStream, ctl: &Control) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let uid = rustix::net::sockopt::socket_peercred(&stream)
        .map_err(std::io::Error::from)?
        .uid
        .as_raw();
    let line = read_line((&stream).take(MAX_REQUEST))?;
    let response = match serde_json::from_slice::<Request>(&line) {
        Ok(req) => answer(ctl, uid, req),
        Err(e) => Response::fail(format!("a request the agent does not understand: {e}")),
    };
    let mut s = stream;
    reply(&mut s, &response)
}

/// One request line, in a buffer zeroed when dropped (it may hold a
/// passphrase): read in small pieces, with no buffer left behind.
fn read_line(mut r: impl Read) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let mut line = Zeroizing::new(Vec::with_capacity(MAX_REQUEST as usize));
    let mut piece = Zeroizing::new([0u8; 1024]);
    loop {
        let n = match r.read(&mut piece[..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        if let Some(end) = piece[..n].iter().position(|&b| b == b'\n') {
            line.extend_from_slice(&piece[..end]);
            break;
        }
        line.extend_from_slice(&piece[..n]);
    }
    Ok(line)
}

fn reply(s: &mut UnixStream, r: &Response) -> std::io::Result<()> {
    let mut text = serde_json::to_string(r).map_err(std::io::Error::other)?;
    text.push('\n');
    s.write_all(text.as_bytes())
}

/// Sends one request to the agent at `path` (the client side).
pub fn call(path: &Path, req: &Request) -> Result<Response, String> {
    let mut s = UnixStream::connect(path).map_err(|e| {
        format!(
            "cannot reach the agent at {}: {e} (is it running?)",
            path.display()
        )
    })?;
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    // The request may hold a passphrase: written into a buffer that does
    // not grow (no copies left behind) and is zeroed when dropped.
    let mut text = Zeroizing::new(Vec::with_capacity(MAX_REQUEST as usize));
    serde_json::to_writer(&mut *text, req).map_err(|e| e.to_string())?;
    text.push(b'\n');
    if text.len() as u64 > MAX_REQUEST {
        return Err("the request is too long".into());
    }
    s.write_all(&text).map_err(|e| e.to_string())?;
    let mut line = String::new();
    BufReader::new((&s).take(MAX_REQUEST))
        .read_line(&mut line)
        .map_err(|e| format!("no answer from the agent: {e}"))?;
    serde_json::from_str(&line)
        .map_err(|e| format!("an answer the command does not understand: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cordon_policy::model::{Action, Category, FlowKey};

    fn req(sender: &str) -> ExceptionRequest {
        ExceptionRequest {
            keys: vec![FlowKey {
                sender: sender.into(),
                recipient: "device:external_storage".into(),
                category: Category::Pci,
            }],
            rules: vec!["cards".into()],
        }
    }

    fn justifier(log: Arc<Mutex<Vec<String>>>, ok: bool) -> Justifier {
        Arc::new(move |a: &Asked, t: &str| {
            lock(&log).push(format!("{}:{t}", a.id));
            if ok {
                Ok("allowed".into())
            } else {
                Err("no policy".into())
            }
        })
    }

    fn ctl(book: SharedBook, justify: Justifier) -> Control {
        Control {
            book,
            justify,
            passphrases: Arc::new(crate::passphrase::Passphrases::with_work_factor(2)),
            passphrase_ttl: Arc::new(|| Some(Duration::from_secs(3600))),
        }
    }

    #[test]
    fn a_user_sets_sees_and_forgets_only_their_own_passphrase() {
        let mut c = ctl(Arc::default(), justifier(Arc::default(), true));
        let set = |c: &Control, uid, p: &str| {
            let passphrase = Secret::new(p.into());
            answer(c, uid, Request::PassphraseSet { passphrase })
        };
        let r = answer(&c, 1000, Request::PassphraseStatus);
        assert!(
            r.ok && r.until.is_none() && r.message.contains("no passphrase"),
            "{r:?}"
        );
        // Too short: refused, and nothing kept.
        let r = set(&c, 1000, "short");
        assert!(!r.ok && r.message.contains("at least 8"), "{r:?}");
        assert!(answer(&c, 1000, Request::PassphraseStatus).until.is_none());
        let r = set(&c, 1000, "alice's long passphrase");
        assert!(r.ok && r.until.is_some(), "{r:?}");
        assert!(!r.message.contains("alice's"), "never answered back: {r:?}");
        let r = answer(&c, 1000, Request::PassphraseStatus);
        assert!(r.ok && r.message.contains("is set until"), "{r:?}");
        assert!(c.passphrases.seal_for(1000).is_some());
        // Bob, and root, see none of Alice's, and cannot forget it.
        for other in [1001, 0] {
            assert!(answer(&c, other, Request::PassphraseStatus).until.is_none());
            let r = answer(&c, other, Request::PassphraseForget);
            assert_eq!(r.message, "no passphrase was set");
            assert!(c.passphrases.seal_for(other).is_none());
        }
        assert!(answer(&c, 1000, Request::PassphraseStatus).until.is_some());
        let r = answer(&c, 1000, Request::PassphraseForget);
        assert_eq!(r.message, "passphrase forgotten");
        assert!(c.passphrases.seal_for(1000).is_none());
        // A policy that does not use passphrases refuses to keep one.
        c.passphrase_ttl = Arc::new(|| None);
        let r = set(&c, 1000, "alice's long passphrase");
        assert!(
            !r.ok && r.message.contains("removableMedia.passphrase is off"),
            "{r:?}"
        );
        assert!(c.passphrases.seal_for(1000).is_none());
    }

    #[test]
    fn copies_waiting_for_a_justification_outlive_a_restart() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/waiting.json");
        let e = Event::new(Action::CopyToDevice);
        let id = {
            let mut book = Book::kept_in(&path);
            let id = book.ask(
                1000,
                "alice",
                "/m/a.txt",
                "stick",
                "why?",
                req("PCI"),
                e.clone(),
            );
            book.ask(
                1001,
                "bob",
                "/m/b.txt",
                "stick",
                "why?",
                req("PII"),
                e.clone(),
            );
            id
        };
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // The next run finds both, and Alice can still justify hers.
        let mut again = Book::kept_in(&path);
        assert_eq!(again.list(0).len(), 2);
        let taken = again.take(&id, 1000).unwrap();
        assert_eq!(
            (taken.file.as_str(), taken.request.keys.len()),
            ("/m/a.txt", req("PCI").keys.len())
        );
        assert!(taken.age_secs() < 5);
        // Taken is gone for the run after that too.
        let mut third = Book::kept_in(&path);
        assert_eq!(third.list(0).len(), 1);
        assert!(third.take(&id, 1000).is_none());
        // An hour-old request has expired, and a damaged file opens empty.
        let mut old: VecDeque<Asked> =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        old[0].at_ms -= ASKED_FOR.as_millis() as i64 + 1;
        std::fs::write(&path, serde_json::to_vec(&old).unwrap()).unwrap();
        assert!(Book::kept_in(&path).list(0).is_empty());
        std::fs::write(&path, b"{not json").unwrap();
        assert!(Book::kept_in(&path).list(0).is_empty());
    }

    #[test]
    fn a_user_sees_and_justifies_only_their_own_requests() {
        let book: SharedBook = Arc::default();
        let e = Event::new(Action::CopyToDevice);
        let id = lock(&book).ask(
            1000,
            "alice",
            "/m/a.txt",
            "stick",
            "needs a reason",
            req("PCI"),
            e.clone(),
        );
        // Asked again for the same flow: the same id.
        assert_eq!(
            lock(&book).ask(
                1000,
                "alice",
                "/m/b.txt",
                "stick",
                "m",
                req("PCI"),
                e.clone()
            ),
            id
        );
        let bob = lock(&book).ask(1001, "bob", "/m/c.txt", "stick", "m", req("PCI"), e);
        assert_ne!(bob, id);
        let log = Arc::new(Mutex::new(Vec::new()));
        let j = ctl(book.clone(), justifier(log.clone(), true));
        let justify_as = |uid: u32, text: &str| {
            let req = Request::Justify {
                id: id.clone(),
                text: text.into(),
            };
            answer(&j, uid, req)
        };
        let r = answer(&j, 1000, Request::Exceptions);
        assert_eq!(r.waiting.len(), 1);
        assert_eq!(r.waiting[0].file, "/m/b.txt");
        assert_eq!(answer(&j, 0, Request::Exceptions).waiting.len(), 2);
        // Bob cannot justify Alice's copy.
        let r = justify_as(1001, "x");
        assert!(!r.ok && r.message.contains("no copy of yours"), "{r:?}");
        // Empty text is refused and the request stays.
        let r = justify_as(1000, " \n\t");
        assert!(!r.ok && r.message.contains("empty"), "{r:?}");
        let r = justify_as(1000, "audit\u{7}for Q3");
        assert!(r.ok, "{r:?}");
        assert_eq!(*lock(&log), vec![format!("{id}:audit for Q3")]);
        assert!(answer(&j, 1000, Request::Exceptions).waiting.is_empty());
    }

    #[test]
    fn a_justification_that_cannot_be_applied_keeps_the_request() {
        let book: SharedBook = Arc::default();
        let id = lock(&book).ask(
            5,
            "u",
            "f",
            "d",
            "m",
            req("PHI"),
            Event::new(Action::CopyToDevice),
        );
        let j = ctl(
            book.clone(),
            justifier(Arc::new(Mutex::new(Vec::new())), false),
        );
        let r = answer(
            &j,
            5,
            Request::Justify {
                id,
                text: "why".into(),
            },
        );
        assert_eq!(r, Response::fail("no policy"));
        assert_eq!(answer(&j, 5, Request::Exceptions).waiting.len(), 1);
    }

    #[test]
    fn the_book_is_bounded() {
        let mut b = Book::default();
        for i in 0..(MAX_ASKED + 10) {
            b.ask(
                1,
                "u",
                "f",
                "d",
                "m",
                req(&format!("user:{i}")),
                Event::new(Action::CopyToDevice),
            );
        }
        assert_eq!(b.list(1).len(), MAX_ASKED);
    }

    #[test]
    fn over_the_socket_with_the_peers_uid() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("run/agent.sock");
        let book: SharedBook = Arc::default();
        let me = rustix::process::getuid().as_raw();
        let id = lock(&book).ask(
            me,
            "me",
            "/m/f",
            "d",
            "m",
            req("PCI"),
            Event::new(Action::CopyToDevice),
        );
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let h = serve(
            &path,
            ctl(book.clone(), justifier(log.clone(), true)),
            stop.clone(),
        )
        .unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o666);
        let r = call(&path, &Request::Exceptions).unwrap();
        assert_eq!(r.waiting.len(), 1, "{r:?}");
        let passphrase = Secret::new("over the socket".into());
        let r = call(&path, &Request::PassphraseSet { passphrase }).unwrap();
        assert!(r.ok, "{r:?}");
        let r = call(&path, &Request::PassphraseStatus).unwrap();
        assert!(r.until.is_some(), "{r:?}");
        // Garbage gets an answer that says so.
        let mut s = UnixStream::connect(&path).unwrap();
        s.write_all(b"{\"op\":\"rm -rf\"}\n").unwrap();
        let mut line = String::new();
        BufReader::new(&s).read_line(&mut line).unwrap();
        assert!(line.contains("does not understand"), "{line}");
        let r = call(
            &path,
            &Request::Justify {
                id,
                text: "ok".into(),
            },
        )
        .unwrap();
        assert!(r.ok, "{r:?}");
        stop.store(true, Ordering::Relaxed);
        h.join().unwrap();
        assert!(!path.exists());
        assert!(
            call(&path, &Request::Exceptions)
                .unwrap_err()
                .contains("is it running")
        );
    }
}
