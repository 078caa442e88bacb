//! What the agent enforces, as `cordon agent status` shows it: written by
//! the daemon to `status.json` in its state directory (owner-only).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::policy::Access;
use crate::spool::SpoolState;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Status {
    pub version: String,
    pub pid: u32,
    pub updated_at: String,
    pub computer: String,
    pub group: String,
    pub policy: Option<PolicyStatus>,
    pub online: bool,
    pub last_contact: Option<String>,
    pub last_error: Option<String>,
    /// Bundles refused, newest last (at most 10).
    pub refused: Vec<String>,
    pub trusted_keys: Vec<String>,
    pub devices: Vec<DeviceStatus>,
    pub spool: SpoolState,
    /// The fanotify guard's counts, when it runs.
    #[serde(default)]
    pub guard: Option<GuardStatus>,
    /// The latest messages shown to users (denials), newest last.
    #[serde(default)]
    pub notices: Vec<String>,
    /// Events sent to the syslog server of option 67.
    #[serde(default)]
    pub syslog: crate::syslog::SyslogStatus,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct GuardStatus {
    pub allowed: u64,
    pub denied: u64,
    /// Denials not recorded (the recorder fell behind); the opens were
    /// refused all the same.
    pub dropped: u64,
    /// Opens of the agent's files refused by hardening (option 58).
    #[serde(default)]
    pub tamper: u64,
    /// Hardening (option 58) is on.
    #[serde(default)]
    pub hardened: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PolicyStatus {
    pub policy_id: String,
    pub policy_version: i64,
    pub serial: i64,
    pub signed_by: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeviceStatus {
    pub device: String,
    pub mount_point: Option<String>,
    pub model: Option<String>,
    pub instance: Option<String>,
    pub bus: Option<String>,
    pub access: Access,
    pub message: Option<String>,
    /// What enforcing it did, or why it failed.
    pub enforcement: String,
    /// Each session user's own access (the fanotify guard applies these
    /// when they differ).
    #[serde(default)]
    pub users: Vec<(String, Access)>,
    #[serde(default)]
    pub guarded: bool,
}

pub fn write(state_dir: &Path, s: &Status) -> std::io::Result<()> {
    let bytes = serde_json::to_vec_pretty(s).map_err(std::io::Error::other)?;
    crate::trust::write_private(&state_dir.join("status.json"), &bytes)
}

pub fn read(state_dir: &Path) -> std::io::Result<Status> {
    let bytes = std::fs::read(state_dir.join("status.json"))?;
    serde_json::from_slice(&bytes).map_err(std::io::Error::other)
}

/// The status for a terminal.
pub fn render(s: &Status) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "cordon agent {} (pid {}), status of {}",
        s.version, s.pid, s.updated_at
    );
    let _ = writeln!(o, "computer  {} in group {}", s.computer, s.group);
    match &s.policy {
        Some(p) => {
            let _ = writeln!(
                o,
                "policy    {} version {} (bundle serial {}, signed by key {})",
                p.policy_id, p.policy_version, p.serial, p.signed_by
            );
        }
        None => {
            let _ = writeln!(
                o,
                "policy    none yet: every removable device gets no access"
            );
        }
    }
    let _ = writeln!(
        o,
        "server    {}; last contact {}",
        if s.online { "online" } else { "OFFLINE" },
        s.last_contact.as_deref().unwrap_or("never")
    );
    if let Some(e) = &s.last_error {
        let _ = writeln!(o, "          last error: {e}");
    }
    for r in &s.refused {
        let _ = writeln!(o, "refused   {r}");
    }
    let _ = writeln!(o, "keys      {}", s.trusted_keys.join(", "));
    let _ = writeln!(
        o,
        "spool     {} bytes pending of {}{}{}",
        s.spool.pending_bytes,
        s.spool.max_bytes,
        if s.spool.dropped > 0 {
            format!("; {} DROPPED", s.spool.dropped)
        } else {
            String::new()
        },
        if s.spool.full { "; FULL" } else { "" }
    );
    if s.devices.is_empty() {
        let _ = writeln!(o, "devices   no removable storage");
    }
    for d in &s.devices {
        let _ = writeln!(
            o,
            "device    {} {} [{}] {}: {}{}",
            d.device,
            d.mount_point.as_deref().unwrap_or("(not mounted)"),
            d.bus.as_deref().unwrap_or("?"),
            d.model.as_deref().unwrap_or("?"),
            d.access.as_str(),
            d.message
                .as_deref()
                .map(|m| format!(" — \"{m}\""))
                .unwrap_or_default()
        );
        let _ = writeln!(o, "          {}", d.enforcement);
        if d.users.iter().any(|(_, a)| *a != d.access) {
            let each: Vec<String> = d
                .users
                .iter()
                .map(|(u, a)| format!("{u}: {}", a.as_str()))
                .collect();
            let _ = writeln!(o, "          per user: {}", each.join(", "));
        }
    }
    if let Some(g) = &s.guard {
        let _ = writeln!(
            o,
            "guard     fanotify: {} opens allowed, {} refused{}",
            g.allowed,
            g.denied,
            unless_zero(g.dropped, "refusals NOT RECORDED")
        );
        if g.hardened {
            let _ = writeln!(
                o,
                "hardening on (option 58): {} opens of the agent's files refused",
                g.tamper
            );
        }
    }
    let sl = &s.syslog;
    match &sl.server {
        Some(server) => {
            let _ = writeln!(
                o,
                "syslog    {server} (option 67): {} sent, {} waiting{}",
                sl.sent,
                sl.queued,
                unless_zero(sl.dropped, "DROPPED")
            );
        }
        None if sl.last_error.is_some() => {
            let _ = writeln!(o, "syslog    not used");
        }
        None => {}
    }
    if let Some(e) = &sl.last_error {
        let _ = writeln!(o, "          last error: {e}");
    }
    for n in &s.notices {
        let _ = writeln!(o, "notice    {n}");
    }
    o
}

/// `, N what`, or nothing when N is 0.
fn unless_zero(n: u64, what: &str) -> String {
    if n > 0 {
        format!(", {n} {what}")
    } else {
        String::new()
    }
}
