//! Server settings, layered: built-in defaults → TOML file → `CORDON_*`
//! environment variables → command-line flags (applied by the caller with
//! [`Settings::merge_overrides`]). Documented in `docs/server.md`.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format as _, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// A database URL whose password never reaches a log: `Debug` and
/// `Display` redact it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(s: impl Into<String>) -> DatabaseUrl {
        DatabaseUrl(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", cordon_store::redact(&self.0))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&cordon_store::redact(&self.0))
    }
}

/// Everything `cordon serve` can be told. Field names are the keys of the
/// TOML file and, upper-cased with a `CORDON_` prefix, of the environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The certificate chain (PEM, leaf first) that makes `listen` speak
    /// HTTPS; with `tls_key_file`, or neither.
    pub tls_cert_file: Option<PathBuf>,
    /// The private key (PEM) of `tls_cert_file`.
    pub tls_key_file: Option<PathBuf>,
    /// Where the SQLite database (`cordon.db`) lives, created on first start.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of SQLite.
    pub database_url: Option<DatabaseUrl>,
    /// Largest JSON request body, in bytes.
    pub max_body_bytes: usize,
    /// Largest `/v1/inspect` body, in bytes (`413` above it).
    pub max_inspect_bytes: usize,
    /// Requests taking longer are answered `503 timeout` (ms).
    pub request_timeout_ms: u64,
    /// The same for `/v1/inspect`, which reads and scans large bodies (ms).
    pub inspect_timeout_ms: u64,
    /// A client must send a request's headers within this (ms), else the
    /// connection is closed: slow-header clients cannot pin connections.
    pub header_read_timeout_ms: u64,
    /// Requests waiting for the incident journal's writer; a full queue
    /// makes decide wait.
    pub incident_queue: usize,
    /// Most incidents loaded from the journal in one database transaction.
    pub incident_batch: usize,
    /// Most journaled bytes loaded in one database transaction (a record
    /// larger than this goes alone): bounds the loader's memory however
    /// large the incidents are.
    pub incident_batch_bytes: u64,
    /// How long the loader lets a small journal backlog grow before loading
    /// it into the database (ms); bigger batches cost the database less.
    /// Reads of incidents on this server do not wait for it (they flush).
    pub incident_linger_ms: u64,
    /// `fdatasync` the incident journal before answering: incidents then
    /// survive a power loss, not only a crash of the process.
    pub journal_sync: bool,
    /// Journaled but not yet loaded bytes above which violating decisions
    /// get `503` (the database is down or full for a long time).
    pub journal_max_backlog_bytes: u64,
    /// Size at which the journal starts a new segment file.
    pub journal_segment_bytes: u64,
    /// How often to look for policy activations made by other servers (ms).
    pub policy_poll_ms: u64,
    /// How often in-memory activity counters are flushed (ms).
    pub activity_flush_ms: u64,
    /// How long a verified API key is trusted without asking the database
    /// again; a revocation takes effect on every server within this (ms).
    pub key_cache_ms: u64,
    /// A policy file to create and activate on first start, when the
    /// database has no policy yet.
    pub bootstrap_policy: Option<PathBuf>,
    /// SQLite `synchronous`: `normal` (survives a process crash) or `full`
    /// (survives a power loss too).
    pub sqlite_synchronous: String,
    /// PostgreSQL `synchronous_commit`: `on` (waits for the WAL flush; the
    /// default, as incidents reach the database off the request path) or
    /// `off`.
    pub postgres_synchronous_commit: String,
    /// Offline IP-to-country database (`.mmdb`) for `_request.remoteCountryCode`.
    pub geoip_db: Option<PathBuf>,
    /// `/v1/inspect` and inline content read the text in images with
    /// Tesseract (Debian's tesseract-ocr must be installed).
    pub ocr: bool,
    /// Tesseract languages for `ocr`, joined by `+`.
    pub ocr_languages: String,
    /// Inspections (`/v1/inspect`, inline content) running at once; each
    /// holds a blocking thread.
    pub max_inspections: usize,
    /// How long a request waits for an inspection slot before `503
    /// inspection_busy` (ms).
    pub inspect_queue_ms: u64,
    /// `/v1/inspect` reads this much of a body before it takes an
    /// inspection slot; smaller bodies are inspected from memory.
    pub inspect_buffer_bytes: usize,
    /// A `/v1/inspect` body that sends nothing for this long is cut off
    /// with `408` (ms).
    pub inspect_idle_ms: u64,
    /// Checking or compiling a policy document may take this long before
    /// `422 policy_too_complex` (ms).
    pub policy_check_timeout_ms: u64,
    /// Each key's share of incident data while the journal is under
    /// pressure: bytes per second refilled…
    pub key_incident_bytes_per_sec: u64,
    /// …up to this many bytes (see docs/server.md, "Fair share").
    pub key_incident_burst_bytes: u64,
    /// Failed authentications per minute from one address before it gets
    /// `429` for the rest of the minute.
    pub auth_failures_per_minute: u32,
    /// Failed sign-ins (wrong password, wrong code, expired challenge) per
    /// minute from one address before `429 login_throttled` for the rest
    /// of the minute.
    pub login_failures_per_minute: u32,
    /// Session and remember-browser cookies without `Secure`: only for a
    /// server reached over plain HTTP on loopback (development, tests).
    pub insecure_cookies: bool,
    /// The key that seals TOTP secrets at rest; default
    /// `<data_dir>/seal.key`, created (mode 0600) on first start. Servers
    /// sharing a database must share the key.
    pub seal_key_file: Option<PathBuf>,
    /// The seal key itself, base64 (32 bytes), instead of the file
    /// (`CORDON_SEAL_KEY`).
    pub seal_key: Option<ConfigSecret>,
    /// The first super admin's password instead of a generated one-time
    /// password (`CORDON_ADMIN_PASSWORD`); it must be changed at first
    /// sign-in either way.
    pub admin_password: Option<ConfigSecret>,
    /// The SMTP server that sends sign-in codes; none: e-mail two-factor
    /// cannot be enabled.
    pub smtp: Option<SmtpSettings>,
    /// The directory that checks the passwords of `directory` accounts.
    pub ldap: Option<LdapSettings>,
    /// The login settings in force until an administrator stores others
    /// (`PUT /v1/settings/login`).
    pub login: crate::login::settings::LoginSettings,
    /// The address people reach the console at (`https://dlp.example.org`):
    /// alerts link to incidents under it. Unset: alerts carry no link.
    pub public_url: Option<String>,
    /// How often each server looks for due deliveries (also woken at once
    /// when incidents with deliveries are written).
    pub delivery_poll_ms: u64,
    /// The first retry of a delivery waits this long; each next one twice
    /// as long, up to 15 minutes.
    pub delivery_backoff_ms: u64,
    /// How long a server holds the deliveries it claimed: after that,
    /// another server (or this one after a restart) delivers them again.
    pub delivery_lease_ms: u64,
    /// A delivery whose receiver keeps asking to retry is given up (marked
    /// failed, retried by hand) this long after its incident.
    pub delivery_retry_hours: u64,
    /// The nice value (0-19) of the thread that formats and sends
    /// deliveries: above 0, decisions come first when they keep every core
    /// busy (deliveries then wait in the database). 0: the same priority.
    pub delivery_nice: i32,
    /// The longest a response plug-in may run, whatever its manifest says.
    pub plugin_timeout_ms: u64,
    /// `UID:GID` (numbers) response plug-ins run as when the server runs
    /// as root, e.g. `65534:65534` (nobody). Unset: the server's own user.
    pub plugin_user: Option<String>,
    /// Where agents' sealed shadow copies are kept; default
    /// `<data_dir>/shadows`. Servers sharing one database must share it.
    pub shadow_dir: Option<PathBuf>,
    /// Largest shadow copy an agent may upload, in bytes (`413` above it;
    /// the agent then keeps it aside).
    pub max_shadow_bytes: u64,
    /// Uploads and downloads of shadow copies may take this long (ms).
    pub shadow_timeout_ms: u64,
}

/// A secret of the configuration (a password, a key): `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConfigSecret(String);

impl ConfigSecret {
    pub fn new(s: impl Into<String>) -> ConfigSecret {
        ConfigSecret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ConfigSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain text: a relay on the same host or network only.
    None,
    /// STARTTLS, which must succeed.
    Starttls,
    /// TLS from the first byte.
    Tls,
}

/// `[smtp]`: where sign-in codes are sent from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    /// Default: 25, 587 or 465 by `security`.
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default = "default_smtp_security")]
    pub security: SmtpSecurity,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<ConfigSecret>,
    /// The sender: `Cordon <dlp@example.org>`.
    pub from: String,
    #[serde(default = "default_io_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_smtp_security() -> SmtpSecurity {
    SmtpSecurity::Starttls
}

fn default_io_timeout_ms() -> u64 {
    10_000
}

impl SmtpSettings {
    pub fn mailer_config(&self) -> cordon_identity::mail::MailerConfig {
        use cordon_identity::mail::Security;
        let security = match self.security {
            SmtpSecurity::None => Security::None,
            SmtpSecurity::Starttls => Security::StartTls,
            SmtpSecurity::Tls => Security::Tls,
        };
        cordon_identity::mail::MailerConfig {
            host: self.host.clone(),
            port: self.port.unwrap_or(security.default_port()),
            security,
            username: self.username.clone(),
            password: self
                .password
                .as_ref()
                .map(|p| cordon_identity::Secret::new(p.expose())),
            from: self.from.clone(),
            timeout: std::time::Duration::from_millis(self.timeout_ms),
        }
    }
}

/// Which directory `[ldap]` is: it picks the filter and the login
/// attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectoryKind {
    ActiveDirectory,
    Openldap,
}

/// `[ldap]`: the directory `directory` accounts sign in against (search
/// as a service account, then bind as the user).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdapSettings {
    pub kind: DirectoryKind,
    /// `ldap://host[:port]` or `ldaps://host[:port]`.
    pub url: String,
    #[serde(default)]
    pub starttls: bool,
    /// The service account that searches (empty: anonymous search).
    #[serde(default)]
    pub bind_dn: String,
    #[serde(default)]
    pub bind_password: Option<ConfigSecret>,
    pub base_dn: String,
    /// Replaces the kind's filter (placeholders: see docs/server.md).
    #[serde(default)]
    pub user_filter: Option<String>,
    #[serde(default)]
    pub username_attr: Option<String>,
    #[serde(default)]
    pub mail_attr: Option<String>,
    #[serde(default)]
    pub phone_attr: Option<String>,
    #[serde(default = "default_io_timeout_ms")]
    pub timeout_ms: u64,
}

impl LdapSettings {
    pub fn ldap_config(&self) -> cordon_identity::ldap::LdapConfig {
        use cordon_identity::ldap::LdapConfig;
        let password = cordon_identity::Secret::new(
            self.bind_password.as_ref().map_or("", ConfigSecret::expose),
        );
        let mut c = match self.kind {
            DirectoryKind::ActiveDirectory => LdapConfig::active_directory(
                self.url.clone(),
                self.bind_dn.clone(),
                password,
                self.base_dn.clone(),
            ),
            DirectoryKind::Openldap => LdapConfig::openldap(
                self.url.clone(),
                self.bind_dn.clone(),
                password,
                self.base_dn.clone(),
            ),
        };
        c.starttls = self.starttls;
        if let Some(f) = &self.user_filter {
            c.user_filter = f.clone();
        }
        for (set, value) in [
            (&mut c.username_attr, &self.username_attr),
            (&mut c.mail_attr, &self.mail_attr),
            (&mut c.phone_attr, &self.phone_attr),
        ] {
            if let Some(v) = value {
                *set = v.clone();
            }
        }
        c.timeout = std::time::Duration::from_millis(self.timeout_ms);
        c
    }
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: default_data_dir(),
            database_url: None,
            max_body_bytes: 1 << 20,
            max_inspect_bytes: 64 << 20,
            request_timeout_ms: 10_000,
            inspect_timeout_ms: 120_000,
            header_read_timeout_ms: 10_000,
            incident_queue: 16_384,
            incident_batch: 10_000,
            incident_batch_bytes: 16 << 20,
            incident_linger_ms: 1_000,
            journal_sync: false,
            journal_max_backlog_bytes: 1 << 30,
            journal_segment_bytes: 64 << 20,
            policy_poll_ms: 1_000,
            activity_flush_ms: 5_000,
            key_cache_ms: 5_000,
            bootstrap_policy: None,
            sqlite_synchronous: "normal".to_owned(),
            postgres_synchronous_commit: "on".to_owned(),
            geoip_db: None,
            ocr: false,
            ocr_languages: "eng".to_owned(),
            max_inspections: std::thread::available_parallelism()
                .map_or(2, |n| n.get().saturating_mul(2)),
            inspect_queue_ms: 5_000,
            inspect_buffer_bytes: 8 << 20,
            inspect_idle_ms: 10_000,
            policy_check_timeout_ms: 5_000,
            key_incident_bytes_per_sec: 16 << 20,
            key_incident_burst_bytes: 128 << 20,
            auth_failures_per_minute: 30,
            login_failures_per_minute: 10,
            insecure_cookies: false,
            tls_cert_file: None,
            tls_key_file: None,
            seal_key_file: None,
            seal_key: None,
            admin_password: None,
            smtp: None,
            ldap: None,
            login: crate::login::settings::LoginSettings::default(),
            public_url: None,
            delivery_poll_ms: 1_000,
            delivery_backoff_ms: 5_000,
            delivery_lease_ms: 120_000,
            delivery_retry_hours: 24,
            delivery_nice: crate::alerts::lane::DEFAULT_NICE,
            plugin_timeout_ms: 60_000,
            plugin_user: None,
            shadow_dir: None,
            max_shadow_bytes: 1 << 30,
            shadow_timeout_ms: 600_000,
        }
    }
}

/// `$XDG_DATA_HOME/cordon`, else `~/.local/share/cordon`, else `./cordon-data`.
pub fn default_data_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(x).join("cordon");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(h).join(".local/share/cordon");
    }
    PathBuf::from("cordon-data")
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Where shadow copies are kept.
    pub fn shadow_root(&self) -> PathBuf {
        self.shadow_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("shadows"))
    }

    /// `plugin_user` as numbers.
    pub fn plugin_ids(&self) -> Option<(u32, u32)> {
        let (u, g) = self.plugin_user.as_deref()?.split_once(':')?;
        Some((u.trim().parse().ok()?, g.trim().parse().ok()?))
    }

    /// Defaults, then `file` (if given; it must exist), then `CORDON_*`
    /// variables from `env` (usually `std::env::vars()`).
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(f) = file {
            if !f.is_file() {
                return Err(ConfigError::Invalid(format!(
                    "config file `{}` does not exist",
                    f.display()
                )));
            }
            fig = fig.merge(Toml::file(f));
        }
        // Figment reads the process environment itself; we pass the
        // variables in explicitly so tests need not mutate global state.
        let vars: Vec<(String, String)> = env
            .into_iter()
            .filter_map(|(k, v)| {
                let key = k.strip_prefix("CORDON_")?.to_ascii_lowercase();
                KEYS.contains(&key.as_str()).then_some((key, v))
            })
            .collect();
        let mut env_fig = Figment::new();
        for (k, v) in vars {
            // Secrets stay text, even when they look like numbers.
            let value = if SECRET_KEYS.contains(&k.as_str()) {
                serde_json::Value::from(v)
            } else {
                parse_env_value(&v)
            };
            env_fig = env_fig.merge(figment::providers::Serialized::default(&k, value));
        }
        fig = fig.merge(env_fig);
        let s: Settings = fig
            .extract()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        s.validate()?;
        Ok(s)
    }

    /// Applies flag values (already parsed) on top.
    pub fn merge_overrides(mut self, o: Overrides) -> Result<Settings, ConfigError> {
        if let Some(v) = o.listen {
            self.listen = v;
        }
        if let Some(v) = o.data_dir {
            self.data_dir = v;
        }
        if let Some(v) = o.database_url {
            self.database_url = Some(DatabaseUrl::new(v));
        }
        if let Some(v) = o.bootstrap_policy {
            self.bootstrap_policy = Some(v);
        }
        if let Some(v) = o.insecure_cookies {
            self.insecure_cookies = v;
        }
        self.validate()?;
        Ok(self)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if let Some(u) = &self.database_url {
            let s = u.expose();
            if !(s.starts_with("postgres://")
                || s.starts_with("postgresql://")
                || s.starts_with("sqlite://"))
            {
                return bad(format!(
                    "`database_url` must start with `postgres://` or `sqlite://`, got `{u}`"
                ));
            }
        }
        if self.incident_batch == 0 || self.incident_queue == 0 || self.incident_batch_bytes == 0 {
            return bad(
                "`incident_batch`, `incident_batch_bytes` and `incident_queue` must be at least 1"
                    .into(),
            );
        }
        if self.tls_cert_file.is_some() != self.tls_key_file.is_some() {
            return bad(
                "`tls_cert_file` and `tls_key_file` go together: set both for HTTPS, or neither"
                    .into(),
            );
        }
        if let Some(u) = &self.public_url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            return bad(format!(
                "`public_url` must start with `https://` or `http://`, got `{u}`"
            ));
        }
        if let Some(u) = &self.plugin_user
            && self.plugin_ids().is_none()
        {
            return bad(format!(
                "`plugin_user` is `UID:GID` in numbers (e.g. `65534:65534`), got `{u}`"
            ));
        }
        if self.delivery_lease_ms < 1_000 || self.delivery_retry_hours == 0 {
            return bad(
                "`delivery_lease_ms` must be at least 1000 and `delivery_retry_hours` at least 1"
                    .into(),
            );
        }
        if !(0..=19).contains(&self.delivery_nice) {
            return bad(format!(
                "`delivery_nice` is a nice value from 0 to 19, got {}",
                self.delivery_nice
            ));
        }
        if self.journal_segment_bytes < 4096 {
            return bad("`journal_segment_bytes` must be at least 4096".into());
        }
        if !matches!(self.sqlite_synchronous.as_str(), "normal" | "full") {
            return bad(format!(
                "`sqlite_synchronous` must be `normal` or `full`, got `{}`",
                self.sqlite_synchronous
            ));
        }
        if !matches!(self.postgres_synchronous_commit.as_str(), "off" | "on") {
            return bad(format!(
                "`postgres_synchronous_commit` must be `off` or `on`, got `{}`",
                self.postgres_synchronous_commit
            ));
        }
        if self.request_timeout_ms == 0
            || self.policy_poll_ms == 0
            || self.header_read_timeout_ms == 0
        {
            return bad("timeouts and intervals must be positive".into());
        }
        if let Some(smtp) = &self.smtp {
            // Builds the transport without connecting: addresses, TLS
            // parameters and credentials are checked here, at start.
            cordon_identity::mail::Mailer::new(smtp.mailer_config())
                .map_err(|e| ConfigError::Invalid(format!("`[smtp]`: {e}")))?;
        }
        if let Some(ldap) = &self.ldap {
            ldap.ldap_config()
                .validate()
                .map_err(|e| ConfigError::Invalid(format!("`[ldap]`: {e}")))?;
        }
        if let Err((_, message)) = self.login.check() {
            return bad(format!("`[login]`: {message}"));
        }
        if let Some(k) = &self.seal_key {
            cordon_identity::seal::SealKey::from_base64(k.expose())
                .map_err(|e| ConfigError::Invalid(format!("`seal_key`: {e}")))?;
        }
        Ok(())
    }

    /// Where the seal key file is.
    pub fn seal_key_path(&self) -> PathBuf {
        self.seal_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("seal.key"))
    }

    /// Where the data is, for messages (password redacted).
    pub fn store_url_display(&self) -> String {
        cordon_store::redact(&self.store_url())
    }

    /// Where the incident journal lives.
    /// How `cordon serve` and `cordon admin` open the database.
    pub fn store_options(&self) -> cordon_store::OpenOptions {
        cordon_store::OpenOptions {
            sqlite_synchronous: cordon_store::SqliteSynchronous::parse(&self.sqlite_synchronous)
                .unwrap_or_default(),
            postgres_synchronous_commit: self.postgres_synchronous_commit != "off",
            ..Default::default()
        }
    }

    pub fn journal_dir(&self) -> PathBuf {
        self.data_dir.join("journal")
    }

    /// The URL the store is opened with.
    pub fn store_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.expose().to_owned(),
            None => self.data_dir.join("cordon.db").display().to_string(),
        }
    }
}

/// The keys accepted from the environment.
const KEYS: &[&str] = &[
    "listen",
    "public_url",
    "delivery_poll_ms",
    "delivery_backoff_ms",
    "delivery_lease_ms",
    "delivery_retry_hours",
    "delivery_nice",
    "plugin_timeout_ms",
    "plugin_user",
    "shadow_dir",
    "max_shadow_bytes",
    "shadow_timeout_ms",
    "data_dir",
    "database_url",
    "max_body_bytes",
    "max_inspect_bytes",
    "request_timeout_ms",
    "inspect_timeout_ms",
    "header_read_timeout_ms",
    "incident_queue",
    "incident_batch",
    "incident_batch_bytes",
    "incident_linger_ms",
    "journal_sync",
    "journal_max_backlog_bytes",
    "journal_segment_bytes",
    "policy_poll_ms",
    "activity_flush_ms",
    "key_cache_ms",
    "bootstrap_policy",
    "sqlite_synchronous",
    "postgres_synchronous_commit",
    "geoip_db",
    "ocr",
    "ocr_languages",
    "login_failures_per_minute",
    "insecure_cookies",
    "tls_cert_file",
    "tls_key_file",
    "seal_key_file",
    "seal_key",
    "admin_password",
];

/// Keys whose values are secrets, read from the environment as text.
const SECRET_KEYS: &[&str] = &["seal_key", "admin_password"];

/// Numbers stay numbers, `true`/`false` booleans, everything else a string.
fn parse_env_value(v: &str) -> serde_json::Value {
    match (v.parse::<u64>(), v) {
        (Ok(n), _) => serde_json::Value::from(n),
        (_, "true") => serde_json::Value::Bool(true),
        (_, "false") => serde_json::Value::Bool(false),
        _ => serde_json::Value::from(v),
    }
}

/// Values from command-line flags.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub bootstrap_policy: Option<PathBuf>,
    /// `--insecure-cookies`.
    pub insecure_cookies: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn layers_apply_in_order_defaults_file_env_flags() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("cordon.toml");
        std::fs::write(
            &f,
            "listen = \"127.0.0.1:9000\"\nmax_body_bytes = 2048\nincident_batch = 10\n",
        )
        .unwrap();
        let s = Settings::load(Some(&f), env(&[])).unwrap();
        assert_eq!(s.listen.port(), 9000);
        assert_eq!(s.max_body_bytes, 2048);
        assert_eq!(s.request_timeout_ms, 10_000, "default kept");

        let s = Settings::load(
            Some(&f),
            env(&[
                ("CORDON_MAX_BODY_BYTES", "4096"),
                ("CORDON_LOG", "debug"),
                ("OTHER", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(s.max_body_bytes, 4096, "env beats file");
        assert_eq!(s.incident_batch, 10, "file beats default");

        let s = s
            .merge_overrides(Overrides {
                listen: Some("127.0.0.1:7000".parse().unwrap()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(s.listen.port(), 7000, "flag beats env");
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = Settings::load(None, env(&[("CORDON_DATABASE_URL", "mysql://x")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("database_url"), "{e}");
        let e = Settings::load(None, env(&[("CORDON_MAX_BODY_BYTES", "lots")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_body_bytes"), "{e}");
        let e = Settings::load(None, env(&[("CORDON_DELIVERY_NICE", "20")]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`delivery_nice` is a nice value from 0 to 19"),
            "{e}"
        );
        let s = Settings::load(None, env(&[("CORDON_DELIVERY_NICE", "0")])).unwrap();
        assert_eq!(s.delivery_nice, 0);
        let e = Settings::load(Some(Path::new("/nonexistent/c.toml")), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/c.toml"), "{e}");
        // Half a TLS listener is refused, not served as plain HTTP.
        let e = Settings::load(None, env(&[("CORDON_TLS_CERT_FILE", "/etc/c.pem")]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`tls_cert_file` and `tls_key_file` go together"),
            "{e}"
        );
        let s = Settings::load(
            None,
            env(&[
                ("CORDON_TLS_CERT_FILE", "/etc/c.pem"),
                ("CORDON_TLS_KEY_FILE", "/etc/k.pem"),
            ]),
        )
        .unwrap();
        assert_eq!(s.tls_key_file.as_deref(), Some(Path::new("/etc/k.pem")));
    }

    #[test]
    fn login_sections_are_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("cordon.toml");
        std::fs::write(
            &f,
            "[smtp]\nhost = \"mail.example.org\"\nsecurity = \"tls\"\nusername = \"dlp\"\n\
             password = \"smtp-hunter2\"\nfrom = \"Cordon <dlp@example.org>\"\n\
             [ldap]\nkind = \"openldap\"\nurl = \"ldap://127.0.0.1:3389\"\n\
             base_dn = \"dc=example,dc=org\"\nbind_dn = \"cn=svc,dc=example,dc=org\"\n\
             bind_password = \"ldap-hunter2\"\n\
             [login]\ntwo_factor = \"totp\"\nremember_days = 7\n",
        )
        .unwrap();
        let s = Settings::load(
            Some(&f),
            env(&[("CORDON_ADMIN_PASSWORD", "123456789012345")]),
        )
        .unwrap();
        let smtp = s.smtp.as_ref().unwrap().mailer_config();
        assert_eq!(
            (smtp.port, smtp.security),
            (465, cordon_identity::mail::Security::Tls)
        );
        assert_eq!(s.ldap.as_ref().unwrap().ldap_config().username_attr, "uid");
        assert_eq!(s.login.remember_days, 7);
        assert_eq!(s.login.session_idle_minutes, 30, "defaults fill the rest");
        assert_eq!(
            s.admin_password.as_ref().unwrap().expose(),
            "123456789012345"
        );
        let d = format!("{s:?}");
        assert!(
            !d.contains("hunter2") && !d.contains("123456789012345"),
            "{d}"
        );
        assert_eq!(s.seal_key_path(), s.data_dir.join("seal.key"));

        std::fs::write(&f, "[smtp]\nhost = \"h\"\nfrom = \"not an address\"\n").unwrap();
        let e = Settings::load(Some(&f), env(&[])).unwrap_err().to_string();
        assert!(e.contains("[smtp]") && e.contains("not an address"), "{e}");
        std::fs::write(&f, "[login]\nremember_days = 400\n").unwrap();
        let e = Settings::load(Some(&f), env(&[])).unwrap_err().to_string();
        assert!(e.contains("remember_days"), "{e}");
        let e = Settings::load(None, env(&[("CORDON_SEAL_KEY", "c2hvcnQ=")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("seal_key"), "{e}");
    }

    #[test]
    fn database_password_is_hidden_from_debug() {
        let s = Settings {
            database_url: Some(DatabaseUrl::new("postgres://u:hunter2@db/x")),
            ..Default::default()
        };
        let d = format!("{s:?}");
        assert!(!d.contains("hunter2"), "{d}");
        assert!(d.contains("postgres://u:***@db/x"), "{d}");
    }
}
