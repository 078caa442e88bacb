//! Directory login (Active Directory, OpenLDAP): find the account as a
//! service account, then bind as it with the password typed.
//!
//! # The filter
//!
//! The search filter decides who may log in at all, so the defaults leave
//! out accounts the directory itself has turned off:
//!
//! - [`AD_USER_FILTER`] (Authelia's): user objects only
//!   (`sAMAccountType=805306368`), not disabled (`userAccountControl` bit
//!   2), not obliged to change their password (`pwdLastSet=0`), not
//!   expired (`accountExpires` unset, 0, or later than now).
//! - [`OPENLDAP_USER_FILTER`]: `inetOrgPerson` entries, not disabled by an
//!   administrator (the ppolicy overlay's permanent lock,
//!   `pwdAccountLockedTime=000001010000Z`), not expired (`shadowExpire`
//!   unset, -1, or a day after today, as `pam_unix` reads it). A temporary
//!   lockout (any other `pwdAccountLockedTime`) is left to ppolicy, which
//!   refuses the bind and lifts the lock when it expires; a filter that
//!   left such accounts out would never let ppolicy lift it. The expiry
//!   test is written as an extensible match with `integerOrderingMatch`
//!   because the RFC 2307 `nis` schema gives `shadowExpire` no ordering
//!   rule: there `shadowExpire>=…` is undefined for every account that has
//!   the attribute. The filter names `pwdAccountLockedTime`, which a
//!   server knows only with the ppolicy overlay (or its schema) loaded;
//!   without it the filter matches nobody, so remove that clause there.
//!
//! Placeholders, replaced in one pass (so text the user typed is never
//! expanded again): `{input}` (what the user typed, RFC 4515-escaped),
//! `{username_attr}`, `{mail_attr}` (the configured attribute names),
//! `{now_nt}` (now as an AD FILETIME: 100 ns since 1601) and `{now_days}`
//! (days since 1970, as `shadowExpire` counts).
//!
//! # Outcomes
//!
//! Unknown user, wrong password, disabled, locked or expired account are
//! all [`LdapError::InvalidCredentials`], so the server answers them
//! alike. An empty password is refused before any bind: to LDAP it is an
//! unauthenticated bind, which succeeds. [`LdapError::Unavailable`] is the
//! directory's fault (down, slow, service account refused) and
//! [`LdapError::Ambiguous`] the directory's data (two accounts match);
//! both are for the administrator, not for the person logging in.
//!
//! An unknown user costs one search and no bind, a wrong password a bind
//! as well; a server that must hide which accounts exist pads the answer
//! (e.g. with [`crate::password::verify_dummy`]).
//!
//! TLS is rustls with the system's trust store (`ldaps://` URLs, or
//! `starttls` on an `ldap://` URL).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ldap3::asn1::{PL, StructureTag};
use ldap3::{LdapConnAsync, LdapConnSettings, ResultEntry, Scope, SearchOptions};

use crate::secret::{Password, Secret};

/// Active Directory: enabled, unexpired user accounts that need not change
/// their password, found by account name or e-mail address.
pub const AD_USER_FILTER: &str = "(&(|({username_attr}={input})({mail_attr}={input}))(sAMAccountType=805306368)(!(userAccountControl:1.2.840.113556.1.4.803:=2))(!(pwdLastSet=0))(|(!(accountExpires=*))(accountExpires=0)(accountExpires>={now_nt})))";

/// OpenLDAP: `inetOrgPerson` entries not locked by an administrator and
/// not expired, found by user name or e-mail address.
pub const OPENLDAP_USER_FILTER: &str = "(&(|({username_attr}={input})({mail_attr}={input}))(objectClass=inetOrgPerson)(!(pwdAccountLockedTime=000001010000Z))(|(!(shadowExpire=*))(shadowExpire=-1)(&(!(shadowExpire:integerOrderingMatch:={now_days}))(!(shadowExpire={now_days})))))";

/// Longest user name looked up.
const MAX_USERNAME: usize = 256;

/// Seconds from 1601-01-01 (the FILETIME epoch) to 1970-01-01.
const FILETIME_UNIX_OFFSET: u64 = 11_644_473_600;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LdapError {
    #[error("the user name or password is wrong, or the account is disabled or expired")]
    InvalidCredentials,
    #[error("the directory `{url}` is unavailable: {reason}")]
    Unavailable { url: String, reason: String },
    #[error("more than one directory account matches `{input}`")]
    Ambiguous { input: String },
    #[error("the directory settings are invalid: {0}")]
    Config(String),
}

/// How to reach the directory and find accounts in it.
#[derive(Debug, Clone)]
pub struct LdapConfig {
    /// `ldap://host[:port]` or `ldaps://host[:port]`.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS before anything is
    /// sent.
    pub starttls: bool,
    /// The service account that searches. Empty (with an empty password):
    /// search anonymously.
    pub bind_dn: String,
    pub bind_password: Secret,
    /// Where accounts are searched (the whole subtree).
    pub base_dn: String,
    /// The search filter, with placeholders (see the module docs).
    pub user_filter: String,
    /// The attribute that holds the login name (`sAMAccountName`, `uid`).
    pub username_attr: String,
    pub mail_attr: String,
    pub phone_attr: String,
    /// The longest a login waits for the directory, all steps together.
    pub timeout: Duration,
}

/// An account the directory vouched for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    pub dn: String,
    /// The value of `username_attr` (what the user typed if it has none).
    pub username: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl LdapConfig {
    /// Active Directory with [`AD_USER_FILTER`], `sAMAccountName`, `mail`
    /// and `telephoneNumber`, StartTLS off (use an `ldaps://` URL or set
    /// `starttls`), 10 s.
    pub fn active_directory(
        url: impl Into<String>,
        bind_dn: impl Into<String>,
        bind_password: Secret,
        base_dn: impl Into<String>,
    ) -> LdapConfig {
        LdapConfig {
            url: url.into(),
            starttls: false,
            bind_dn: bind_dn.into(),
            bind_password,
            base_dn: base_dn.into(),
            user_filter: AD_USER_FILTER.to_owned(),
            username_attr: "sAMAccountName".to_owned(),
            mail_attr: "mail".to_owned(),
            phone_attr: "telephoneNumber".to_owned(),
            timeout: Duration::from_secs(10),
        }
    }

    /// OpenLDAP with [`OPENLDAP_USER_FILTER`], `uid`, `mail` and
    /// `telephoneNumber`, StartTLS off, 10 s.
    pub fn openldap(
        url: impl Into<String>,
        bind_dn: impl Into<String>,
        bind_password: Secret,
        base_dn: impl Into<String>,
    ) -> LdapConfig {
        LdapConfig {
            user_filter: OPENLDAP_USER_FILTER.to_owned(),
            username_attr: "uid".to_owned(),
            ..LdapConfig::active_directory(url, bind_dn, bind_password, base_dn)
        }
    }

    /// Checks what can be checked without a directory: the URL's scheme,
    /// the attribute names, the service account, and that the filter
    /// expands to a filter LDAP can parse.
    pub fn validate(&self) -> Result<(), LdapError> {
        let config = |m: String| Err(LdapError::Config(m));
        if !(self.url.starts_with("ldap://") || self.url.starts_with("ldaps://")) {
            return config(format!(
                "the URL `{}` must start with `ldap://` or `ldaps://`",
                self.url
            ));
        }
        if self.starttls && self.url.starts_with("ldaps://") {
            return config(format!(
                "StartTLS is for `ldap://` URLs; `{}` is TLS already",
                self.url
            ));
        }
        for (what, name) in [
            ("username_attr", &self.username_attr),
            ("mail_attr", &self.mail_attr),
            ("phone_attr", &self.phone_attr),
        ] {
            let ok = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b';');
            if !ok {
                return config(format!("`{what}` = `{name}` is not an attribute name"));
            }
        }
        if !self.bind_dn.is_empty() && self.bind_password.is_empty() {
            return config(format!(
                "the service account `{}` has no password (that would be an unauthenticated bind)",
                self.bind_dn
            ));
        }
        if self.timeout.is_zero() {
            return config("the timeout must be more than zero".to_owned());
        }
        let sample = self.expand_filter("sample", 0)?;
        if ldap3::parse_filter(&sample).is_err() {
            return config(format!(
                "the user filter `{}` is not a valid LDAP filter",
                self.user_filter
            ));
        }
        Ok(())
    }

    /// The user filter with its placeholders replaced for `input` at
    /// `now_unix`.
    pub fn expand_filter(&self, input: &str, now_unix: u64) -> Result<String, LdapError> {
        let mut out = String::with_capacity(self.user_filter.len() + input.len() * 3);
        let mut rest = self.user_filter.as_str();
        while let Some(open) = rest.find('{') {
            let (before, from_brace) = rest.split_at(open);
            out.push_str(before);
            let Some(close) = from_brace.find('}') else {
                return Err(LdapError::Config(format!(
                    "the user filter has a `{{` without a `}}`: `{}`",
                    self.user_filter
                )));
            };
            let name = from_brace.get(1..close).unwrap_or_default();
            match name {
                "input" => out.push_str(&escape_filter(input)),
                "username_attr" => out.push_str(&self.username_attr),
                "mail_attr" => out.push_str(&self.mail_attr),
                "now_nt" => out.push_str(&now_nt(now_unix).to_string()),
                "now_days" => out.push_str(&(now_unix / 86_400).to_string()),
                other => {
                    return Err(LdapError::Config(format!(
                        "unknown placeholder `{{{other}}}` in the user filter \
                         (known: {{input}}, {{username_attr}}, {{mail_attr}}, {{now_nt}}, {{now_days}})"
                    )));
                }
            }
            rest = from_brace.get(close + 1..).unwrap_or_default();
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Now as an AD FILETIME: 100-nanosecond intervals since 1601-01-01.
fn now_nt(now_unix: u64) -> u64 {
    now_unix
        .saturating_add(FILETIME_UNIX_OFFSET)
        .saturating_mul(10_000_000)
}

/// `value` escaped for use as an assertion value in a search filter (RFC
/// 4515 §3): `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`, `\29`, `\5c`,
/// `\00`, and so do the other ASCII control characters; everything else
/// (UTF-8 included) is kept.
pub fn escape_filter(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '*' | '(' | ')' | '\\' | '\u{0}'..='\u{1f}' | '\u{7f}' => {
                out.push_str(&format!("\\{:02x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Checks `username`'s `password` against the directory; see the module
/// docs for the steps and outcomes.
pub async fn authenticate(
    config: &LdapConfig,
    username: &str,
    password: &Password,
) -> Result<DirectoryUser, LdapError> {
    authenticate_at(config, username, password, now_unix()).await
}

/// [`authenticate`] with the clock given (for `{now_nt}`/`{now_days}`).
pub async fn authenticate_at(
    config: &LdapConfig,
    username: &str,
    password: &Password,
    now_unix: u64,
) -> Result<DirectoryUser, LdapError> {
    config.validate()?;
    let username = username.trim();
    if password.is_empty() || username.is_empty() || username.len() > MAX_USERNAME {
        tracing::debug!("directory login refused before any bind: empty or oversized input");
        return Err(LdapError::InvalidCredentials);
    }
    let filter = config.expand_filter(username, now_unix)?;
    match tokio::time::timeout(config.timeout, login(config, username, password, &filter)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(unavailable(
            config,
            format!("no answer within {} ms", config.timeout.as_millis()),
        )),
    }
}

fn unavailable(config: &LdapConfig, reason: impl Into<String>) -> LdapError {
    let e = LdapError::Unavailable {
        url: config.url.clone(),
        reason: reason.into(),
    };
    tracing::warn!(error = %e, "directory login failed");
    e
}

/// LDAP result codes a user bind answers for a refused account.
const INVALID_CREDENTIALS: u32 = 49;
const UNWILLING_TO_PERFORM: u32 = 53;
const SIZE_LIMIT_EXCEEDED: u32 = 4;

async fn login(
    config: &LdapConfig,
    username: &str,
    password: &Password,
    filter: &str,
) -> Result<DirectoryUser, LdapError> {
    let settings = LdapConnSettings::new()
        .set_conn_timeout(config.timeout)
        .set_starttls(config.starttls);
    let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &config.url)
        .await
        .map_err(|e| unavailable(config, format!("cannot connect: {e}")))?;
    tokio::spawn(async move {
        if let Err(e) = conn.drive().await {
            tracing::debug!(error = %e, "directory connection ended with an error");
        }
    });

    if !config.bind_dn.is_empty() {
        let bound = ldap
            .with_timeout(config.timeout)
            .simple_bind(&config.bind_dn, config.bind_password.expose())
            .await
            .map_err(|e| unavailable(config, format!("service account bind: {e}")))?;
        if bound.rc != 0 {
            return Err(unavailable(
                config,
                format!(
                    "the service account `{}` was refused (result {}: {})",
                    config.bind_dn, bound.rc, bound.text
                ),
            ));
        }
    }

    let attrs = [
        config.username_attr.as_str(),
        config.mail_attr.as_str(),
        config.phone_attr.as_str(),
    ];
    let found = ldap
        .with_timeout(config.timeout)
        .with_search_options(SearchOptions::new().sizelimit(2))
        .search(&config.base_dn, Scope::Subtree, filter, attrs)
        .await
        .map_err(|e| unavailable(config, format!("search: {e}")))?;
    let (entries, result) = (found.0, found.1);
    if result.rc != 0 && result.rc != SIZE_LIMIT_EXCEEDED {
        return Err(unavailable(
            config,
            format!(
                "search under `{}` failed (result {}: {})",
                config.base_dn, result.rc, result.text
            ),
        ));
    }
    let mut entries: Vec<ResultEntry> = entries.into_iter().filter(|e| !e.is_ref()).collect();
    if entries.len() > 1 || result.rc == SIZE_LIMIT_EXCEEDED {
        let e = LdapError::Ambiguous {
            input: username.to_owned(),
        };
        tracing::warn!(error = %e, "directory login failed");
        return Err(e);
    }
    let Some(entry) = entries.pop() else {
        tracing::debug!(username, "no directory account matches");
        return Err(LdapError::InvalidCredentials);
    };
    let Some(entry) = Entry::read(entry) else {
        return Err(unavailable(config, "the directory sent a malformed entry"));
    };

    let bound = ldap
        .with_timeout(config.timeout)
        .simple_bind(&entry.dn, password.expose())
        .await
        .map_err(|e| unavailable(config, format!("user bind: {e}")))?;
    let _ = ldap.unbind().await;
    match bound.rc {
        0 => {}
        INVALID_CREDENTIALS | UNWILLING_TO_PERFORM => {
            tracing::debug!(dn = %entry.dn, rc = bound.rc, "directory refused the user bind");
            return Err(LdapError::InvalidCredentials);
        }
        rc => {
            return Err(unavailable(
                config,
                format!("user bind answered result {rc}: {}", bound.text),
            ));
        }
    }
    tracing::debug!(dn = %entry.dn, "directory login");
    Ok(DirectoryUser {
        username: entry
            .first(&config.username_attr)
            .unwrap_or(username)
            .to_owned(),
        email: entry.first(&config.mail_attr).map(str::to_owned),
        phone: entry.first(&config.phone_attr).map(str::to_owned),
        dn: entry.dn,
    })
}

/// A search result entry: DN and text attributes.
struct Entry {
    dn: String,
    attrs: Vec<(String, Vec<String>)>,
}

impl Entry {
    /// `ldap3::SearchEntry::construct` panics on a malformed entry; this
    /// reads the same structure and returns `None` instead.
    fn read(entry: ResultEntry) -> Option<Entry> {
        let mut parts = entry.0.match_id(4)?.expect_constructed()?.into_iter();
        let dn = String::from_utf8(parts.next()?.expect_primitive()?).ok()?;
        let mut attrs = Vec::new();
        for attr in parts.next()?.expect_constructed()? {
            let mut attr = attr.expect_constructed()?.into_iter();
            let name = String::from_utf8(attr.next()?.expect_primitive()?).ok()?;
            let values = attr
                .next()?
                .expect_constructed()?
                .into_iter()
                .filter_map(|v: StructureTag| match v.payload {
                    PL::P(bytes) => String::from_utf8(bytes).ok(),
                    PL::C(_) => None,
                })
                .collect();
            attrs.push((name, values));
        }
        Some(Entry { dn, attrs })
    }

    /// The first value of an attribute (names compare without case).
    fn first(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, values)| values.first())
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openldap() -> LdapConfig {
        LdapConfig::openldap(
            "ldap://127.0.0.1:389",
            "cn=svc,dc=example,dc=org",
            Secret::from("pw"),
            "dc=example,dc=org",
        )
    }

    #[test]
    fn escaping_follows_rfc_4515() {
        let cases = [
            ("alice", "alice"),
            ("*", "\\2a"),
            ("alice)(uid=*", "alice\\29\\28uid=\\2a"),
            ("a\\b", "a\\5cb"),
            ("nul\u{0}", "nul\\00"),
            ("tab\t", "tab\\09"),
            ("zoë@example.org", "zoë@example.org"),
            ("{now_nt}", "{now_nt}"),
        ];
        for (input, want) in cases {
            assert_eq!(escape_filter(input), want, "{input:?}");
        }
    }

    #[test]
    fn placeholders_expand_once() {
        let c = openldap();
        let f = c.expand_filter("{now_days}*", 86_400 * 20_000 + 5).unwrap();
        assert!(f.contains("(uid={now_days}\\2a)"), "{f}");
        assert!(f.contains("(mail={now_days}\\2a)"), "{f}");
        assert!(
            f.contains("shadowExpire:integerOrderingMatch:=20000)"),
            "{f}"
        );
        assert!(ldap3::parse_filter(&f).is_ok());
    }

    #[test]
    fn the_ad_filter_expands_to_authelias() {
        let c = LdapConfig::active_directory("ldaps://dc", "svc", Secret::from("pw"), "dc=corp");
        // 2026-01-01T00:00:00Z
        let f = c.expand_filter("jdoe", 1_767_225_600).unwrap();
        assert_eq!(
            f,
            "(&(|(sAMAccountName=jdoe)(mail=jdoe))(sAMAccountType=805306368)(!(userAccountControl:1.2.840.113556.1.4.803:=2))(!(pwdLastSet=0))(|(!(accountExpires=*))(accountExpires=0)(accountExpires>=134116992000000000)))"
        );
        assert!(c.validate().is_ok());
    }

    #[test]
    fn bad_settings_are_named() {
        let mut c = openldap();
        c.user_filter = "(uid={user})".to_owned();
        assert!(matches!(c.validate(), Err(LdapError::Config(m)) if m.contains("{user}")));
        let mut c = openldap();
        c.user_filter = "(uid={input}".to_owned();
        assert!(matches!(c.validate(), Err(LdapError::Config(m)) if m.contains("not a valid")));
        let mut c = openldap();
        c.url = "http://dc".to_owned();
        assert!(c.validate().is_err());
        let mut c = openldap();
        c.username_attr = "uid)(x".to_owned();
        assert!(c.validate().is_err());
        let mut c = openldap();
        c.bind_password = Secret::from("");
        assert!(matches!(c.validate(), Err(LdapError::Config(m)) if m.contains("unauthenticated")));
        let c = openldap();
        assert!(!format!("{c:?}").contains("\"pw\""));
    }
}
