//! cordon-agent: the Linux endpoint agent — device control enforced on
//! removable media, with policies from the server as signed bundles and
//! incidents that survive being offline.
//!
//! The agent is a pipeline like the rest of Cordon, one module per step:
//!
//! ```text
//!  mountinfo, uevent ─▶ sysfs ─▶ model ─▶ policy (cordon-devctl) ─▶ sys / guard ─▶ spool ─▶ link
//!  (what changed)     (device)  (hw ids)  (read/write per user)     (enforce)      (record)  (upload)
//! ```
//!
//! - [`mounts`] parses `/proc/self/mountinfo`; [`uevent`] hears the
//!   kernel announce devices; [`sysfs`] finds a block device under a
//!   configurable sysfs root (USB ids, serial, SCSI inquiry, removable);
//!   [`model`] shapes that into seed 004's device model (class 3,
//!   `USBSTOR\Disk…` hardware ids, `<serial>&0` instances,
//!   LUKS/BitLocker signatures).
//! - [`policy`] decides read and write for each session user ([`host`]:
//!   logind, else root; groups by NSS) with `cordon-devctl`, on the
//!   computer's identity, time and connectivity: [`Access`] per user and
//!   the most restrictive for the mount.
//! - [`sys`] changes mounts: a per-mount read-only bind remount, a lazy
//!   unmount, the USB `authorized` switch. [`guard`] decides every
//!   `open()` on a volume whose users' answers differ, by fanotify
//!   permission events ([`intent`] tells a read from a write), and closes
//!   the agent's own files under hardening (option 58); [`notify`] tells
//!   the user on their session bus.
//! - [`spool`] keeps incidents on `cordon-record`'s log until the server
//!   acknowledges them; [`link`] talks to the server; [`trust`] holds the
//!   pinned keys and the last good bundle (`cordon-bundle` verifies).
//! - [`syslog`] copies every recorded incident to the syslog server of
//!   option 67 (RFC 5424 + CEF by `cordon-alert`), from a bounded queue
//!   drained by a thread of its own.
//! - [`plugins`] runs the response plug-ins the server's rules name for
//!   this computer's incidents (`runs_on = "agent"`): signed calls only,
//!   packages checked against the signed SHA-256, answers back to the
//!   incident's history.
//! - [`daemon`] runs the enforcement loop (mount events, uevents and a
//!   timer), the link loop (bundle, heartbeat, upload) and the recorder of
//!   the guard's refusals.
//!
//! Architecture invariants: no bundle is used unless it verifies against
//! a pinned key and does not roll back; a device the agent cannot decide
//! on gets no access (never fail open), and so does a guarded open whose
//! user or intent cannot be read; a read-only remount that fails becomes a
//! guard or a detach; an incident leaves the spool only after the server
//! acknowledged it; sending to syslog never delays a decision (a bounded
//! queue, the oldest dropped and counted when the receiver is down). The
//! agent never depends on the server or store crates.

pub mod config;
pub mod content;
pub mod control;
pub mod daemon;
pub mod guard;
pub mod host;
pub mod intent;
pub mod link;
pub mod model;
pub mod mounts;
pub mod notify;
pub mod passphrase;
pub mod plugins;
pub mod policy;
pub mod shadow;
pub mod spool;
pub mod status;
pub mod sys;
pub mod sysfs;
pub mod syslog;
pub mod trust;
pub mod uevent;

pub use config::Config;
pub use daemon::Agent;
pub use policy::Access;

/// Most incidents per upload (the server's limit is 1000).
pub const UPLOAD_BATCH: usize = 500;

/// Enrols: registers the computer in the group with the server, pins the
/// signing key (the one given out of band, or the server's answer on
/// first use), and writes the configuration and trust store.
///
/// `cfg.token` is either an API key made for this computer (then
/// `cfg.group` names the group) or an agent group's enrolment token (then
/// the token names the group; `cfg.group`, if not empty, must be it). With
/// an enrolment token the server answers the computer's own API key:
/// that key, never the enrolment token, is what `cfg` holds afterwards
/// and what is written. `cfg.ca_file` is trusted for an `https://` server.
pub fn enroll(
    cfg: &mut Config,
    config_path: &std::path::Path,
    pinned: Option<&str>,
) -> Result<link::Enrolled, EnrollError> {
    let by_token = link::is_enrolment_token(cfg.token.expose());
    if !by_token && cfg.group.is_empty() {
        return Err(EnrollError::NoGroup);
    }
    let client = link::Client::with_ca(&cfg.server, cfg.token.clone(), cfg.ca_file.as_deref())?;
    let group = (!cfg.group.is_empty()).then_some(cfg.group.as_str());
    let enrolled = client.enroll(&cfg.computer, group)?;
    let served = cordon_bundle::PublicKey::from_info(&enrolled.signing_key)?;
    let key = match pinned {
        Some(text) => {
            let k = cordon_bundle::PublicKey::from_base64(text)?;
            if k != served {
                return Err(EnrollError::KeyMismatch {
                    pinned: k.key_id(),
                    served: served.key_id(),
                });
            }
            k
        }
        None => served,
    };
    let client = if by_token {
        let Some(own) = enrolled.api_key.clone() else {
            return Err(EnrollError::NoKey);
        };
        cfg.token = own;
        link::Client::with_ca(&cfg.server, cfg.token.clone(), cfg.ca_file.as_deref())?
    } else {
        client
    };
    cfg.group.clone_from(&enrolled.group);
    cfg.computer.clone_from(&enrolled.computer);
    cfg.save(config_path)?;
    trust::save_keys(&cfg.state_dir, std::slice::from_ref(&key))?;
    // The first bundle now, so the agent enforces the group's policy from
    // its first tick instead of the no-policy default.
    if let link::Fetched::Bundle { text, .. } = client.bundle(&cfg.group, None)? {
        trust::accept(&text, &[key], None, &cfg.group)?;
        trust::save_bundle(&cfg.state_dir, &text)?;
    }
    Ok(enrolled)
}

#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    #[error(transparent)]
    Link(#[from] link::LinkError),
    #[error(transparent)]
    Key(#[from] cordon_bundle::BundleError),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Trust(#[from] trust::TrustError),
    #[error(
        "the server's signing key `{served}` is not the one pinned with --server-key (`{pinned}`): refusing to enrol"
    )]
    KeyMismatch { pinned: String, served: String },
    #[error("an API key enrols into the group named with --group; none was given")]
    NoGroup,
    #[error(
        "the server accepted the enrolment token but answered no API key for this computer: is it older than the agent?"
    )]
    NoKey,
}
