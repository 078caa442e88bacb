//! Directory login against a real OpenLDAP `slapd` that the test starts on
//! a free loopback port, with its own configuration and data in a
//! temporary directory, and kills at the end.
//!
//! The `ppolicy` overlay is loaded because it defines
//! `pwdAccountLockedTime`, the attribute the OpenLDAP filter reads to leave
//! out locked accounts (without it the filter would match nobody). No
//! password policy entry is configured, so slapd itself does not refuse a
//! locked account's bind: what keeps it out is the filter alone, which is
//! what is tested (each refusal has a control showing that the same
//! password does log in through a bare `(uid={input})` filter).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cordon_identity::ldap::{self, DirectoryUser, LdapConfig, LdapError};
use cordon_identity::{Password, Secret};

use crate::support::{Guard, free_port, run, tool};

const SUFFIX: &str = "dc=example,dc=org";

fn slapd_conf(dir: &Path) -> String {
    format!(
        "include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
pidfile {dir}/slapd.pid
argsfile {dir}/slapd.args
# Like Active Directory, accept a DN with an empty password as an
# unauthenticated bind: the case authenticate() must refuse itself.
allow bind_anon_dn
database mdb
maxsize 10485760
suffix \"{SUFFIX}\"
rootdn \"cn=admin,{SUFFIX}\"
rootpw admin-secret
directory {dir}/db
overlay ppolicy
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
",
        dir = dir.display()
    )
}

/// A person; `extra` holds more LDIF lines.
fn person(uid: &str, mail: &str, password: &str, extra: &str) -> String {
    format!(
        "dn: uid={uid},ou=people,{SUFFIX}
objectClass: inetOrgPerson
objectClass: shadowAccount
uid: {uid}
cn: {uid}
sn: {uid}
mail: {mail}
telephoneNumber: +1 555 0100
userPassword: {password}
{extra}
"
    )
}

fn directory(today: u64) -> String {
    let mut ldif = format!(
        "dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,{SUFFIX}
objectClass: organizationalUnit
ou: people

dn: cn=svc,{SUFFIX}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: svc
userPassword: svc-secret

"
    );
    let tomorrow = today + 1;
    for p in [
        // Active; the account expires tomorrow, so today it still works.
        person(
            "alice",
            "alice@example.org",
            "alice-pw",
            &format!("shadowExpire: {tomorrow}"),
        ),
        // Locked by an administrator (ppolicy's permanent lock).
        person(
            "carol",
            "carol@example.org",
            "carol-pw",
            "pwdAccountLockedTime: 000001010000Z",
        ),
        // Expired in 1970.
        person("bob", "bob@example.org", "bob-pw", "shadowExpire: 1"),
        // Expires today: pam_unix already refuses it.
        person(
            "dave",
            "dave@example.org",
            "dave-pw",
            &format!("shadowExpire: {today}"),
        ),
        // Never expires, the explicit way.
        person("eve", "eve@example.org", "eve-pw", "shadowExpire: -1"),
        // Two accounts, one address.
        person("erin", "shared@example.org", "erin-pw", ""),
        person("frank", "shared@example.org", "frank-pw", ""),
    ] {
        ldif.push_str(&p);
        ldif.push('\n');
    }
    ldif
}

struct Slapd {
    guard: Guard,
    port: u16,
    _dir: tempfile::TempDir,
}

fn start_slapd(today: u64) -> Slapd {
    let slapd = tool(&["/usr/sbin/slapd"]);
    let slapadd = tool(&["/usr/sbin/slapadd"]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("db")).unwrap();
    let conf = dir.path().join("slapd.conf");
    std::fs::write(&conf, slapd_conf(dir.path())).unwrap();
    let ldif = dir.path().join("data.ldif");
    std::fs::write(&ldif, directory(today)).unwrap();
    run(Command::new(slapadd)
        .arg("-f")
        .arg(&conf)
        .arg("-l")
        .arg(&ldif));

    let port = free_port();
    let log = dir.path().join("slapd.log");
    let child = Command::new(slapd)
        .arg("-f")
        .arg(&conf)
        .arg("-h")
        .arg(format!("ldap://127.0.0.1:{port}/"))
        // Any debug level keeps slapd in the foreground, so the guard
        // holds the real process.
        .args(["-d", "0"])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(dir.path().join("slapd.err")).unwrap())
        .spawn()
        .unwrap();
    let mut guard = Guard::new("slapd", child);
    guard.wait_for_port(port, Some(&dir.path().join("slapd.err")));
    Slapd {
        guard,
        port,
        _dir: dir,
    }
}

fn config(port: u16) -> LdapConfig {
    let mut c = LdapConfig::openldap(
        format!("ldap://127.0.0.1:{port}"),
        format!("cn=svc,{SUFFIX}"),
        Secret::from("svc-secret"),
        SUFFIX,
    );
    c.timeout = Duration::from_secs(5);
    c
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn login(c: &LdapConfig, user: &str, password: &str) -> Result<DirectoryUser, LdapError> {
    ldap::authenticate(c, user, &Password::from(password)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_login_against_slapd() {
    let today = now() / 86_400;
    let mut slapd = start_slapd(today);
    let c = config(slapd.port);
    let bare = LdapConfig {
        user_filter: "(uid={input})".to_owned(),
        ..c.clone()
    };

    // The right password: the account and its attributes.
    let alice = login(&c, "alice", "alice-pw").await.unwrap();
    assert_eq!(
        alice,
        DirectoryUser {
            dn: format!("uid=alice,ou=people,{SUFFIX}"),
            username: "alice".to_owned(),
            email: Some("alice@example.org".to_owned()),
            phone: Some("+1 555 0100".to_owned()),
        }
    );
    // By e-mail address, and with stray spaces.
    assert_eq!(
        login(&c, " alice@example.org ", "alice-pw").await.unwrap(),
        alice
    );
    assert_eq!(login(&c, "eve", "eve-pw").await.unwrap().username, "eve");

    // Refusals, all alike. (user, password, logs in through the bare filter)
    let refused = [
        ("alice", "wrong", false),
        ("alice", "ALICE-PW", false),
        ("nobody", "alice-pw", false),
        ("carol", "carol-pw", true), // locked
        ("bob", "bob-pw", true),     // expired
        ("dave", "dave-pw", true),   // expires today
        // Filter injection: escaped, these match no account.
        ("*", "alice-pw", false),
        ("alice)(uid=*", "alice-pw", false),
        ("*)(|(uid=*", "alice-pw", false),
        ("al*", "alice-pw", false),
        ("alice\0", "alice-pw", false),
        ("{now_days}", "alice-pw", false),
    ];
    for (user, password, control) in refused {
        assert_eq!(
            login(&c, user, password).await,
            Err(LdapError::InvalidCredentials),
            "{user:?} / {password:?}"
        );
        if control {
            assert!(
                login(&bare, user, password).await.is_ok(),
                "control: {user:?}'s password is right, so the filter refused it"
            );
        }
    }

    // An empty password would be an unauthenticated bind, which slapd
    // accepts; it never gets that far.
    let (conn, mut raw) = ldap3::LdapConnAsync::new(&c.url).await.unwrap();
    tokio::spawn(async move { conn.drive().await });
    let anonymous = raw
        .simple_bind(&format!("uid=alice,ou=people,{SUFFIX}"), "")
        .await
        .unwrap();
    assert_eq!(
        anonymous.rc, 0,
        "slapd takes an empty password as a success"
    );
    raw.unbind().await.unwrap();
    for empty in [("alice", ""), ("", "alice-pw"), ("   ", "alice-pw")] {
        assert_eq!(
            login(&c, empty.0, empty.1).await,
            Err(LdapError::InvalidCredentials),
            "{empty:?}"
        );
    }

    // Two accounts share the address.
    assert_eq!(
        login(&c, "shared@example.org", "erin-pw").await,
        Err(LdapError::Ambiguous {
            input: "shared@example.org".to_owned()
        })
    );
    // Unescaped, `*` would have matched everyone: the bare filter shows it.
    let unescaped = LdapConfig {
        user_filter: "(uid=*)".to_owned(),
        ..c.clone()
    };
    assert!(matches!(
        login(&unescaped, "x", "alice-pw").await,
        Err(LdapError::Ambiguous { .. })
    ));

    // The service account refused: the directory is unusable, not the user.
    let bad_service = LdapConfig {
        bind_password: Secret::from("not-the-password"),
        ..c.clone()
    };
    match login(&bad_service, "alice", "alice-pw").await {
        Err(LdapError::Unavailable { reason, .. }) => {
            assert!(reason.contains("cn=svc"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // A base that does not exist.
    let bad_base = LdapConfig {
        base_dn: "dc=nowhere,dc=org".to_owned(),
        ..c.clone()
    };
    assert!(matches!(
        login(&bad_base, "alice", "alice-pw").await,
        Err(LdapError::Unavailable { .. })
    ));

    // The directory goes down.
    slapd.guard.kill();
    match login(&c, "alice", "alice-pw").await {
        Err(LdapError::Unavailable { url, reason }) => {
            assert_eq!(url, c.url);
            assert!(reason.contains("connect"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_directory_that_never_answers_times_out() {
    // Accepts connections and says nothing.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut c = config(port);
    c.timeout = Duration::from_millis(300);
    let start = std::time::Instant::now();
    match login(&c, "alice", "alice-pw").await {
        Err(LdapError::Unavailable { reason, .. }) => {
            assert!(
                reason.contains("300 ms") || reason.contains("timeout"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(start.elapsed() < Duration::from_secs(3));
    drop(listener);
}

#[tokio::test]
async fn nothing_listening_is_unavailable() {
    let c = config(free_port());
    assert!(matches!(
        login(&c, "alice", "alice-pw").await,
        Err(LdapError::Unavailable { .. })
    ));
}
