//! The agent's configuration file (TOML, `/etc/cordon/agent.toml` by
//! default), written by `cordon agent enroll`, owner-only: it holds the
//! agent's API key.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The default configuration path.
pub const DEFAULT_PATH: &str = "/etc/cordon/agent.toml";

/// An API key that never shows in `Debug`.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Token(String);

impl Token {
    pub fn new(s: impl Into<String>) -> Token {
        Token(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The server's base URL, e.g. `http://cordon.corp:8080`.
    pub server: String,
    /// The agent's API key (a client key bound to this computer; after an
    /// enrolment with an enrolment token, the key the server made for it,
    /// never the enrolment token).
    pub token: Token,
    /// The agent group.
    pub group: String,
    /// The computer's name as registered.
    pub computer: String,
    /// Trust store, cached bundle, status and spool.
    #[serde(default = "d_state")]
    pub state_dir: PathBuf,
    /// Where sysfs is (a fixture tree in tests).
    #[serde(default = "d_sysfs")]
    pub sysfs_root: PathBuf,
    /// Where the device nodes are (for the encryption probe).
    #[serde(default = "d_dev")]
    pub dev_root: PathBuf,
    #[serde(default = "d_mountinfo")]
    pub mountinfo: PathBuf,
    /// logind's session files.
    #[serde(default = "d_sessions")]
    pub sessions_dir: PathBuf,
    /// Seconds between contacts with the server (bundle, heartbeat,
    /// upload). Also how fast going offline is noticed.
    #[serde(default = "d_poll")]
    pub poll_secs: u64,
    /// Milliseconds between re-evaluations of every device (schedules,
    /// connectivity), besides mount events.
    #[serde(default = "d_eval")]
    pub evaluate_ms: u64,
    /// Bytes of unacknowledged incidents kept (then new ones are dropped).
    #[serde(default = "d_spool")]
    pub spool_max_bytes: u64,
    /// Bytes of sealed shadow copies kept until the server has them (then
    /// new copies are not kept, and their incidents say so).
    #[serde(default = "d_shadow")]
    pub shadow_max_bytes: u64,
    /// The computer's OU, when known (`where.ou` of the seed).
    #[serde(default)]
    pub ou: Option<String>,
    /// IANA time zone for schedules; default: the system's.
    #[serde(default)]
    pub timezone: Option<String>,
    /// How a read-only answer is enforced (see [`WriteGuard`]).
    #[serde(default)]
    pub write_guard: WriteGuard,
    /// Where the users' runtime directories are: a user's session bus is
    /// `<runtime_dir>/<uid>/bus` (desktop notifications).
    #[serde(default = "d_runtime")]
    pub runtime_dir: PathBuf,
    /// CA certificates (PEM) trusted for an `https://` server besides the
    /// system's: a private CA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// The Unix socket users' `cordon agent justify` talks to (mode 0666;
    /// the caller is known by its uid).
    #[serde(default = "d_control")]
    pub control_socket: PathBuf,
    /// Milliseconds a clean stop gives the syslog queue (option 67) to be
    /// sent; what is still queued then is dropped (the spool has it for
    /// the server). Also the most a stop waits on an unreachable receiver.
    #[serde(default = "d_syslog_flush")]
    pub syslog_flush_ms: u64,
    /// Whether this agent runs the response plug-ins the server's rules
    /// name for its incidents (`runs_on = "agent"`; signed calls only).
    #[serde(default = "d_yes")]
    pub plugins: bool,
    /// `uid:gid` to run plug-ins as instead of root (their working
    /// directory is given to it). Unset: root, as the agent runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin_user: Option<String>,
}

/// How the agent makes a volume read-only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteGuard {
    /// A read-only remount when every user of the computer gets read only
    /// (it stops every change, for every process, at no cost per open);
    /// the fanotify guard when users' answers differ or the remount is
    /// refused (a file open for writing).
    #[default]
    Auto,
    /// Always the remount; users with different answers all get the most
    /// restrictive one.
    Remount,
    /// Always the fanotify guard: each refused write is an incident of its
    /// own, with the file and the process.
    Fanotify,
}

fn d_state() -> PathBuf {
    "/var/lib/cordon-agent".into()
}
fn d_sysfs() -> PathBuf {
    "/sys".into()
}
fn d_dev() -> PathBuf {
    "/dev".into()
}
fn d_mountinfo() -> PathBuf {
    "/proc/self/mountinfo".into()
}
fn d_sessions() -> PathBuf {
    "/run/systemd/sessions".into()
}
fn d_runtime() -> PathBuf {
    "/run/user".into()
}
fn d_control() -> PathBuf {
    crate::control::DEFAULT_SOCKET.into()
}
fn d_syslog_flush() -> u64 {
    u64::try_from(crate::syslog::FLUSH.as_millis()).unwrap_or(2000)
}
fn d_yes() -> bool {
    true
}
fn d_poll() -> u64 {
    5
}
fn d_eval() -> u64 {
    1000
}
fn d_shadow() -> u64 {
    1 << 30
}

fn d_spool() -> u64 {
    64 << 20
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    pub fn new(server: &str, token: &str, group: &str, computer: &str) -> Config {
        Config {
            server: server.trim_end_matches('/').to_owned(),
            token: Token::new(token),
            group: group.to_owned(),
            computer: computer.to_owned(),
            state_dir: d_state(),
            sysfs_root: d_sysfs(),
            dev_root: d_dev(),
            mountinfo: d_mountinfo(),
            sessions_dir: d_sessions(),
            poll_secs: d_poll(),
            evaluate_ms: d_eval(),
            spool_max_bytes: d_spool(),
            shadow_max_bytes: d_shadow(),
            ou: None,
            timezone: None,
            write_guard: WriteGuard::Auto,
            runtime_dir: d_runtime(),
            ca_file: None,
            control_socket: d_control(),
            syslog_flush_ms: d_syslog_flush(),
            plugins: true,
            plugin_user: None,
        }
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        let c: Config = toml::from_str(&text).map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        if let Some(u) = &c.plugin_user
            && c.plugin_ids().is_none()
        {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                message: format!("plugin_user `{u}`: give numeric `uid:gid`, e.g. `65534:65534`"),
            });
        }
        Ok(c)
    }

    /// `plugin_user` as numbers.
    pub fn plugin_ids(&self) -> Option<(u32, u32)> {
        let (u, g) = self.plugin_user.as_deref()?.split_once(':')?;
        Some((u.trim().parse().ok()?, g.trim().parse().ok()?))
    }

    /// Writes the file owner-only (0600) in an owner-only directory (0700).
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let text = toml::to_string(self).map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        crate::trust::write_private(path, text.as_bytes()).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_owner_only_and_read_back_without_showing_the_token() {
        use std::os::unix::fs::PermissionsExt as _;
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("etc/agent.toml");
        let c = Config::new("http://x:1/", "cordon_secret", "g", "pc1");
        c.save(&path).unwrap();
        assert_eq!(Config::load(&path).unwrap(), c);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dmode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dmode & 0o777, 0o700);
        assert!(!format!("{c:?}").contains("cordon_secret"));
    }

    #[test]
    fn an_older_file_gets_the_default_syslog_flush() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("agent.toml");
        std::fs::write(
            &path,
            "server = \"http://x:1\"\ntoken = \"t\"\ngroup = \"g\"\ncomputer = \"pc1\"\n",
        )
        .unwrap();
        assert_eq!(Config::load(&path).unwrap().syslog_flush_ms, 2000);
        std::fs::write(
            &path,
            "server = \"http://x:1\"\ntoken = \"t\"\ngroup = \"g\"\ncomputer = \"pc1\"\nsyslog_flush_ms = 0\n",
        )
        .unwrap();
        assert_eq!(Config::load(&path).unwrap().syslog_flush_ms, 0);
        assert!(Config::load(&path).unwrap().plugins);
    }

    #[test]
    fn a_plugin_user_must_be_numeric() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("agent.toml");
        let base = "server = \"http://x:1\"\ntoken = \"t\"\ngroup = \"g\"\ncomputer = \"pc1\"\n";
        std::fs::write(&path, format!("{base}plugin_user = \"65534:65534\"\n")).unwrap();
        assert_eq!(
            Config::load(&path).unwrap().plugin_ids(),
            Some((65534, 65534))
        );
        std::fs::write(&path, format!("{base}plugin_user = \"nobody\"\n")).unwrap();
        let e = Config::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("plugin_user `nobody`") && e.contains("uid:gid"),
            "{e}"
        );
    }
}
