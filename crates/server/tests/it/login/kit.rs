//! What the sign-in tests share: a browser (a cookie jar, the CSRF
//! header, an address) in front of the in-process router, accounts made
//! in the store, and the outside tools — an `aiosmtpd` Maildir sink,
//! `oathtool`, `zbarimg`, a `slapd` — started on loopback and killed when
//! the test ends. A missing tool fails the test naming the script that
//! installs it.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use cordon_identity::Password;
use cordon_server::config::{ConfigSecret, Settings, SmtpSecurity, SmtpSettings};
use cordon_store::{Account, Actor, AuthKind, NewAccount};
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::support::App;

/// The host the in-process browser talks to.
pub const HOST: &str = "cordon.test";

/// A password every test account has (policy-proof).
pub const PASSWORD: &str = "correct horse battery staple 42";

/// One answer.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub body: Value,
    pub headers: HeaderMap,
}

impl Resp {
    /// The `Set-Cookie` header whose cookie is `name`.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }

    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

/// A browser: keeps the cookies it is given, sends them back with the
/// CSRF header (unless told not to) and, if set, an `Origin`.
pub struct Browser {
    router: axum::Router,
    pub jar: BTreeMap<String, String>,
    /// Send `X-CSRF-Token` (the `cordon_csrf` cookie) on unsafe methods.
    pub csrf: bool,
    pub origin: Option<String>,
}

impl Browser {
    pub fn new(app: &App) -> Browser {
        Browser {
            router: app.router(),
            jar: BTreeMap::new(),
            csrf: true,
            origin: None,
        }
    }

    /// A browser connecting from `ip` (the per-address throttle sees it).
    pub fn from(app: &App, ip: IpAddr) -> Browser {
        let mut b = Browser::new(app);
        b.router = b
            .router
            .layer(axum::Extension(cordon_server::auth::Peer(ip)));
        b
    }

    pub async fn send(&mut self, method: &str, uri: &str, body: Option<Value>) -> Resp {
        self.send_with(method, uri, body, &[]).await
    }

    pub async fn send_with(
        &mut self,
        method: &str,
        uri: &str,
        body: Option<Value>,
        extra: &[(&str, &str)],
    ) -> Resp {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, HOST)
            .header(header::USER_AGENT, "kit-browser/1.0");
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.header(header::COOKIE, cookies.join("; "));
        }
        if self.csrf
            && method != "GET"
            && let Some(t) = self.jar.get("cordon_csrf")
        {
            req = req.header("x-csrf-token", t);
        }
        if let Some(o) = &self.origin {
            req = req.header(header::ORIGIN, o);
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        let body = match body {
            Some(b) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        let resp = self
            .router
            .clone()
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        for c in headers.get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") || value.is_empty() {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Resp {
            status,
            body,
            headers,
        }
    }

    pub async fn login(&mut self, user: &str, password: &str) -> Resp {
        self.send(
            "POST",
            "/v1/auth/login",
            Some(json!({"username": user, "password": password})),
        )
        .await
    }

    pub async fn second_factor(&mut self, challenge: &str, code: &str, remember: bool) -> Resp {
        self.send(
            "POST",
            "/v1/auth/2fa",
            Some(json!({"challenge": challenge, "code": code, "remember": remember})),
        )
        .await
    }

    /// Signs in with no second factor, asserting it worked.
    pub async fn signed_in(app: &App, user: &str, password: &str) -> Browser {
        let mut b = Browser::new(app);
        let r = b.login(user, password).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["signed_in"], true, "{:?}", r.body);
        b
    }
}

/// A local account with [`PASSWORD`] and `role`.
pub async fn add_user(app: &App, name: &str, email: Option<&str>, role: &str) -> Account {
    let hash = cordon_identity::password::hash(&Password::new(PASSWORD)).unwrap();
    app.store
        .create_account(
            &NewAccount {
                username: name.to_owned(),
                auth: AuthKind::Local,
                password_hash: Some(hash),
                email: email.map(str::to_owned),
                phone: None,
                role_id: role.to_owned(),
                scope: cordon_access::Scope::All,
                must_change_password: false,
            },
            &Actor::System,
            cordon_store::now_millis(),
        )
        .await
        .unwrap()
}

/// The first super admin, with [`PASSWORD`] and an e-mail address, its
/// one-time password already changed.
pub async fn admin_account(app: &App) -> Account {
    let (a, _) = app
        .store
        .find_account_by_username("admin")
        .await
        .unwrap()
        .unwrap();
    let hash = cordon_identity::password::hash(&Password::new(PASSWORD)).unwrap();
    app.store
        .set_password(
            &a.id,
            &hash,
            false,
            &Actor::System,
            cordon_store::now_millis(),
        )
        .await
        .unwrap();
    app.store
        .update_account(
            &a.id,
            &cordon_store::AccountUpdate {
                email: Some(Some("admin@example.org".to_owned())),
                ..Default::default()
            },
            &Actor::System,
            cordon_store::now_millis(),
        )
        .await
        .unwrap()
}

/// Sets login settings with the admin key (a key needs no elevation).
pub async fn set_login(app: &App, patch: Value) {
    let (s, v) = app
        .admin("PUT", "/v1/settings/login", Some(patch.clone()))
        .await;
    assert_eq!(s, StatusCode::OK, "{patch} → {v}");
}

/// The audit entries of `action`, oldest first.
pub async fn audit(app: &App, action: &str) -> Vec<cordon_store::AuditRecord> {
    let mut all = app
        .store
        .list_audit(&cordon_store::AuditFilter {
            action: (!action.is_empty()).then(|| action.to_owned()),
            limit: Some(1000),
            ..Default::default()
        })
        .await
        .unwrap();
    all.reverse();
    all
}

// ---- outside tools ----

const INSTALL: &str = "run `scripts/install-test-deps` (Debian packages oathtool, zbar-tools, slapd, ldap-utils, python3-aiosmtpd)";

/// The path of a tool, or a failed test that says how to install it.
pub fn tool(candidates: &[&str]) -> PathBuf {
    for c in candidates {
        let p = Path::new(c);
        if p.is_absolute() {
            if p.is_file() {
                return p.to_owned();
            }
        } else if let Some(found) = std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(c))
                .find(|f| f.is_file())
        }) {
            return found;
        }
    }
    panic!("`{}` is missing: {INSTALL}", candidates.join("` or `"));
}

pub fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed and reaped on drop.
pub struct Guard {
    child: Child,
    what: &'static str,
}

impl Guard {
    fn new(what: &'static str, child: Child) -> Guard {
        Guard { child, what }
    }

    fn wait_for_port(&mut self, port: u16, log: &Path) {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let start = Instant::now();
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            let log = || std::fs::read_to_string(log).unwrap_or_default();
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{} exited ({status}) before listening:\n{}",
                    self.what,
                    log()
                );
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{} did not listen on {port} within 20 s:\n{}",
                self.what,
                log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `aiosmtpd` writing every message to a Maildir.
pub struct MailSink {
    _guard: Guard,
    pub port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl MailSink {
    pub fn start() -> MailSink {
        let python = ["/usr/bin/python3", "python3"]
            .into_iter()
            .find(|p| {
                Command::new(p)
                    .args(["-c", "import aiosmtpd"])
                    .output()
                    .is_ok_and(|o| o.status.success())
            })
            .unwrap_or_else(|| panic!("no python3 can import `aiosmtpd`: {INSTALL}"));
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("Maildir");
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(maildir.join(sub)).unwrap();
        }
        let port = free_port();
        let err = dir.path().join("aiosmtpd.err");
        let child = Command::new(python)
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
        guard.wait_for_port(port, &err);
        MailSink {
            _guard: guard,
            port,
            maildir,
            _dir: dir,
        }
    }

    /// Settings whose `[smtp]` is this sink.
    pub fn settings(&self) -> Settings {
        Settings {
            smtp: Some(SmtpSettings {
                host: "127.0.0.1".to_owned(),
                port: Some(self.port),
                security: SmtpSecurity::None,
                username: None,
                password: None,
                from: "Cordon <dlp@example.org>".to_owned(),
                timeout_ms: 5_000,
            }),
            ..crate::support::settings()
        }
    }

    /// Every message delivered, in order.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> =
            std::fs::read_dir(self.maildir.join("new"))
                .unwrap()
                .map(|e| {
                    let p = e.unwrap().path();
                    (p.metadata().unwrap().modified().unwrap(), p)
                })
                .collect();
        files.sort();
        files
            .iter()
            .map(|(_, f)| std::fs::read_to_string(f).unwrap().replace("\r\n", "\n"))
            .collect()
    }

    /// The code in the last message to `to`.
    pub fn last_code(&self, to: &str) -> String {
        let m = self
            .messages()
            .into_iter()
            .rev()
            .find(|m| m.contains(&format!("To: {to}")))
            .unwrap_or_else(|| panic!("no message to {to}"));
        code_in(&m)
    }
}

pub fn code_in(message: &str) -> String {
    let at = message
        .find("sign-in code is ")
        .unwrap_or_else(|| panic!("no code in {message}"));
    message[at + 16..at + 22].to_owned()
}

/// The code `oathtool --totp` computes for a base32 secret at `t` (Unix s).
pub fn oathtool(secret_b32: &str, t: i64) -> String {
    let out = run(Command::new(tool(&["oathtool"])).args([
        "--totp",
        "-b",
        "-N",
        &format!("@{t}"),
        secret_b32,
    ]));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Draws the SVG's rectangles (`M{x} {y}h{w}v{h}H{x}V{y}`, what the
/// `qrcode` renderer writes) into a binary PGM image, and decodes it with
/// `zbarimg`: the enrolment QR code back to its URI.
pub fn zbarimg_svg(svg: &str) -> String {
    let attr = |name: &str| -> usize {
        let at = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        svg[at..].split('"').next().unwrap().parse().unwrap()
    };
    let (w, h) = (attr("width"), attr("height"));
    let mut pixels = vec![255u8; w * h];
    let d = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    for rect in d.split('M').filter(|r| !r.is_empty()) {
        let nums: Vec<usize> = rect
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(|n| n.parse().unwrap())
            .collect();
        let (x, y, rw, rh) = (nums[0], nums[1], nums[2], nums[3]);
        for row in y..y + rh {
            pixels[row * w + x..row * w + x + rw].fill(0);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("qr.pgm");
    let mut pgm = format!("P5\n{w} {h}\n255\n").into_bytes();
    pgm.extend_from_slice(&pixels);
    std::fs::write(&file, pgm).unwrap();
    let out = run(Command::new(tool(&["zbarimg"]))
        .args(["--raw", "-q"])
        .arg(&file));
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end_matches('\n')
        .to_owned()
}

/// An OpenLDAP `slapd` with its own configuration and data in a
/// temporary directory, on a free loopback port.
pub struct Slapd {
    _guard: Guard,
    pub port: u16,
    _dir: tempfile::TempDir,
}

pub const SUFFIX: &str = "dc=example,dc=org";

impl Slapd {
    /// Starts it with `people`: (uid, password, extra LDIF lines).
    pub fn start(people: &[(&str, &str, &str)]) -> Slapd {
        let slapd = tool(&["/usr/sbin/slapd"]);
        let slapadd = tool(&["/usr/sbin/slapadd"]);
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display();
        std::fs::create_dir(dir.path().join("db")).unwrap();
        let conf = dir.path().join("slapd.conf");
        std::fs::write(
            &conf,
            format!(
                "include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
pidfile {d}/slapd.pid
argsfile {d}/slapd.args
database mdb
maxsize 10485760
suffix \"{SUFFIX}\"
rootdn \"cn=admin,{SUFFIX}\"
rootpw admin-secret
directory {d}/db
overlay ppolicy
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
"
            ),
        )
        .unwrap();
        let mut ldif = format!(
            "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n\
             dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n\n\
             dn: cn=svc,{SUFFIX}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n\
             cn: svc\nuserPassword: svc-secret\n\n"
        );
        for (uid, password, extra) in people {
            ldif.push_str(&format!(
                "dn: uid={uid},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\n\
                 objectClass: shadowAccount\nuid: {uid}\ncn: {uid}\nsn: {uid}\n\
                 mail: {uid}@example.org\nuserPassword: {password}\n{extra}\n\n"
            ));
        }
        let data = dir.path().join("data.ldif");
        std::fs::write(&data, ldif).unwrap();
        run(Command::new(slapadd)
            .arg("-f")
            .arg(&conf)
            .arg("-l")
            .arg(&data));
        let port = free_port();
        let err = dir.path().join("slapd.err");
        let child = Command::new(slapd)
            .arg("-f")
            .arg(&conf)
            .arg("-h")
            .arg(format!("ldap://127.0.0.1:{port}/"))
            .args(["-d", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap();
        let mut guard = Guard::new("slapd", child);
        guard.wait_for_port(port, &err);
        Slapd {
            _guard: guard,
            port,
            _dir: dir,
        }
    }

    /// Settings whose `[ldap]` is this directory (OpenLDAP kind).
    pub fn settings(&self) -> Settings {
        Settings {
            ldap: Some(cordon_server::config::LdapSettings {
                kind: cordon_server::config::DirectoryKind::Openldap,
                url: format!("ldap://127.0.0.1:{}", self.port),
                starttls: false,
                bind_dn: format!("cn=svc,{SUFFIX}"),
                bind_password: Some(ConfigSecret::new("svc-secret")),
                base_dn: SUFFIX.to_owned(),
                user_filter: None,
                username_attr: None,
                mail_attr: None,
                phone_attr: None,
                timeout_ms: 5_000,
            }),
            ..crate::support::settings()
        }
    }
}
