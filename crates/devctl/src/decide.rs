//! Device-access decisions: a pure function of a validated document, the
//! access (user, computer, device, operation, file), and the time.
//!
//! Resolution, as seed 004 describes it (details in `docs/device-control.md`):
//!
//! 1. A policy *applies* when its `who`/`where` filters hold (both, or
//!    either with `match: OR`; an absent filter holds), one of its device
//!    targets matches, its `access` bus/disk/encryption filters hold, its
//!    `when` conditions hold (schedules in the computer's local time), and,
//!    if it has file-type filters, the file's type is among them for this
//!    operation (`R`/`W` prefixes).
//! 2. Of the applying policies, those with the highest priority decide.
//!    Their rights are united, except that `None` at that priority denies.
//!    No applying policy: no rights (device control is a whitelist).
//! 3. The operation is allowed when the rights include it (Read/Write) and,
//!    for a write, the copy quota is not exceeded.
//! 4. Shadowing, quota and messages come from the deciding policies; the
//!    denial message and `notify` from the highest-priority applying policy
//!    that sets them.
//!
//! Candidates are indexed by device class and kept in priority order, so an
//! event only meets the policies that can target its device.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use chrono::{DateTime, Datelike, Utc};
use cordon_filetype::id_matches;
use cordon_policy::model::{Computer, DeviceAccess, DeviceDecision, DeviceInfo, DeviceUser};
use cordon_policy::wildcard::Pattern;
use sha1::Digest;

use crate::doc::*;
use crate::tables::{self, DEFAULT_SETTINGS};

/// The well-known SID of Everyone: matches every user.
pub const SID_EVERYONE: &str = "S-1-1-0";

/// What [`DeviceControl::decide`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceOutcome {
    /// The device part of the decision.
    pub decision: DeviceDecision,
    /// Whether the access may go ahead (after any preset).
    pub allowed: bool,
    /// Ids of the policies that decided (the top-priority applying ones).
    pub determined_by: Vec<String>,
    /// Set when the `audit` preset allowed an access the policies deny.
    pub audit_override: bool,
    /// The file's type is among the deciding policies' `dlptypes`: its
    /// content should be inspected.
    pub inspect_content: bool,
    /// Why, per policy: `(policy id, applied, reason)`.
    pub trace: Vec<(String, bool, String)>,
    /// Problems with the input (an unknown time zone, file type, …); each
    /// makes the decision deny.
    pub errors: Vec<String>,
}

#[derive(Debug, Clone)]
enum Target {
    Type {
        class: Option<u32>,
        model: Option<String>,
        instance: Option<String>,
        sha1: Option<String>,
        sha256: Option<String>,
    },
    Disc {
        class: Option<u32>,
        toc_sha1: String,
    },
    Volume {
        class: Option<u32>,
        uniqueid: String,
    },
}

impl Target {
    fn class(&self) -> Option<u32> {
        match self {
            Target::Type { class, .. }
            | Target::Disc { class, .. }
            | Target::Volume { class, .. } => *class,
        }
    }
}

#[derive(Debug, Clone)]
struct Compiled {
    /// Index in the document.
    doc_index: usize,
    priority: i32,
    targets: Vec<Target>,
    /// `where` with groups expanded to their members.
    machines: Vec<Targets>,
    has_where: bool,
    sets_message: bool,
    sets_notify: bool,
}

/// A validated device-control document, compiled for decisions.
#[derive(Debug, Clone)]
pub struct DeviceControl {
    doc: Document,
    compiled: Vec<Compiled>,
    /// Candidates (indices into `compiled`, priority order) per device class
    /// id; the last entry is for devices of unknown class.
    by_class: Vec<Bucket>,
}

/// The candidates of one device class, in priority order (indices into
/// `compiled`). Policies that can only apply to users with one of their
/// SIDs are filed under each SID, so that an event meets only the ones
/// naming its user or groups.
#[derive(Debug, Clone, Default)]
struct Bucket {
    all: Vec<u32>,
    general: Vec<u32>,
    by_sid: std::collections::HashMap<String, Vec<u32>>,
}

fn norm_guid(s: &str) -> String {
    s.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .to_ascii_uppercase()
}

impl DeviceControl {
    /// Compiles a document that [`crate::read`] validated.
    pub fn new(doc: Document) -> DeviceControl {
        let mut compiled: Vec<Compiled> = doc
            .policies
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut targets = Vec::new();
                let type_target = |t: &DeviceType, default_class: Option<u32>| Target::Type {
                    class: t.class.or(default_class),
                    model: t.model.clone(),
                    instance: t.instance.clone(),
                    sha1: t.sha1.clone(),
                    sha256: t.sha256.clone(),
                };
                for t in &p.devices.types {
                    targets.push(type_target(t, None));
                }
                for gid in &p.devices.groups {
                    for g in doc
                        .configuration
                        .device_groups
                        .iter()
                        .filter(|g| &g.id == gid)
                    {
                        for t in &g.types {
                            targets.push(type_target(t, g.class));
                        }
                    }
                }
                for m in &p.devices.media {
                    if let Some(sha1) = &m.sha1 {
                        targets.push(Target::Disc {
                            class: m.class,
                            toc_sha1: sha1.clone(),
                        });
                    }
                    if let Some(u) = &m.uniqueid {
                        targets.push(Target::Volume {
                            class: m.class,
                            uniqueid: norm_guid(u),
                        });
                    }
                }
                let mut machines = Vec::new();
                if !p.where_.is_empty() {
                    let mut direct = p.where_.clone();
                    direct.group.clear();
                    machines.push(direct);
                    for gid in &p.where_.group {
                        for g in doc
                            .configuration
                            .computer_groups
                            .iter()
                            .filter(|g| &g.id == gid)
                        {
                            machines.push(g.members.clone());
                        }
                    }
                }
                Compiled {
                    doc_index: i,
                    priority: p.how.priority.value,
                    targets,
                    machines,
                    has_where: !p.where_.is_empty(),
                    sets_message: p.what.messages.denied.is_some(),
                    sets_notify: p.what.messages.notify.is_some(),
                }
            })
            .collect();
        // Priority order: higher first; equal priorities keep document order.
        compiled.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then(a.doc_index.cmp(&b.doc_index))
        });
        let max_class = tables::DEVICE_CLASSES
            .iter()
            .map(|c| c.id)
            .max()
            .unwrap_or(0) as usize;
        let mut by_class: Vec<Bucket> = vec![Bucket::default(); max_class + 2];
        for (ci, c) in compiled.iter().enumerate() {
            // Applies only when one of its SIDs matches the user: SIDs and
            // no accounts, not Everyone, and not `OR` with a machine filter.
            let sid_keys: Option<&[String]> = doc.policies.get(c.doc_index).and_then(|p| {
                let w = &p.who;
                let or_machine = c.has_where && p.how.match_ == Match::Or;
                let only_sids = !w.sids.is_empty()
                    && w.accounts.is_empty()
                    && !w.sids.iter().any(|s| s == SID_EVERYONE)
                    && !or_machine;
                only_sids.then_some(w.sids.as_slice())
            });
            let any = c
                .targets
                .iter()
                .any(|t| matches!(t.class(), None | Some(DEFAULT_SETTINGS)));
            for (class, bucket) in by_class.iter_mut().enumerate() {
                let unknown_bucket = class == max_class + 1;
                let hit = any
                    || (!unknown_bucket
                        && c.targets.iter().any(|t| t.class() == Some(class as u32)));
                if hit {
                    bucket.all.push(ci as u32);
                    match sid_keys {
                        Some(sids) => {
                            for sid in sids {
                                let list = bucket.by_sid.entry(sid.clone()).or_default();
                                if list.last() != Some(&(ci as u32)) {
                                    list.push(ci as u32);
                                }
                            }
                        }
                        None => bucket.general.push(ci as u32),
                    }
                }
            }
        }
        DeviceControl {
            doc,
            compiled,
            by_class,
        }
    }

    /// The document this was compiled from.
    pub fn document(&self) -> &Document {
        &self.doc
    }

    /// Number of policies.
    pub fn len(&self) -> usize {
        self.doc.policies.len()
    }

    pub fn is_empty(&self) -> bool {
        self.doc.policies.is_empty()
    }

    /// The machine options in force on `computer`: global groups first, then
    /// the targeted groups that match it, later settings overriding earlier.
    pub fn effective_options(&self, computer: &Computer) -> BTreeMap<u32, String> {
        let mut out = BTreeMap::new();
        let global = self.doc.options.iter().filter(|g| g.where_.is_none());
        let targeted = self.doc.options.iter().filter(|g| {
            g.where_.as_ref().is_some_and(|w| {
                let mut direct = w.clone();
                direct.group.clear();
                (!direct.is_empty() && machine_matches(&direct, computer))
                    || w.group.iter().any(|gid| {
                        self.doc
                            .configuration
                            .computer_groups
                            .iter()
                            .any(|g| &g.id == gid && machine_matches(&g.members, computer))
                    })
            })
        });
        for g in global.chain(targeted) {
            for s in &g.what {
                out.insert(s.option, s.value.clone());
            }
        }
        out
    }

    /// The type id of a file for `fileType`: the document's custom types
    /// first (`configuration.files.customtypes`), then the built-in table.
    pub fn identify(&self, src: &mut dyn cordon_filetype::ByteSource) -> std::io::Result<u32> {
        Ok(cordon_filetype::identify_with(&self.doc.configuration.custom_types, src)?.id())
    }

    /// The trusted applications' SHA-256 (lower-case hex), for an agent
    /// that checks programs itself.
    pub fn trusted_sha256(&self) -> Vec<String> {
        self.doc
            .configuration
            .trusted
            .iter()
            .map(|t| t.sha256.trim().to_ascii_lowercase())
            .collect()
    }

    /// Whether an application (by SHA-256, hex) is trusted to bypass hardening.
    pub fn is_trusted(&self, sha256: &str) -> bool {
        let s = sha256.trim();
        self.doc
            .configuration
            .trusted
            .iter()
            .any(|t| t.sha256.eq_ignore_ascii_case(s))
    }

    /// The friendly name of a device (`devices.names`), if one matches.
    pub fn friendly_name(&self, device: &DeviceInfo) -> Option<&str> {
        let model = device.model.as_deref()?;
        let class = device
            .class
            .as_deref()
            .and_then(tables::device_class)
            .map(|c| c.id);
        self.doc
            .configuration
            .device_names
            .iter()
            .find(|n| {
                (n.class.is_none() || n.class == class || n.class == Some(DEFAULT_SETTINGS))
                    && n.models.iter().any(|m| wildcard(m, model))
            })
            .map(|n| n.name.as_str())
    }

    /// Decides one device access. `file_type` is the type of the file read
    /// or written (hex id, name or extension) when the access does not say.
    /// `explain` adds a trace entry for every candidate policy, not only the
    /// applying ones.
    pub fn decide(
        &self,
        access: &DeviceAccess,
        file_type: Option<&str>,
        now: DateTime<Utc>,
        explain: bool,
    ) -> DeviceOutcome {
        let mut errors = Vec::new();
        let op = access.operation;
        let type_text = access.file_type.as_deref().or(file_type);
        let type_id = match type_text {
            None => None,
            Some(t) => match cordon_filetype::parse_type_ref(t) {
                Some(id) => Some(id),
                None => {
                    errors.push(format!("unknown file type `{t}`"));
                    None
                }
            },
        };
        let tz: chrono_tz::Tz = match access.computer.timezone.as_deref() {
            None => chrono_tz::UTC,
            Some(name) => {
                match name.parse() {
                    Ok(tz) => tz,
                    Err(_) => {
                        errors.push(format!("unknown time zone `{name}`; expected an IANA name such as `Europe/Paris`"));
                        chrono_tz::UTC
                    }
                }
            }
        };
        let local = now.with_timezone(&tz).naive_local();
        let class = access
            .device
            .class
            .as_deref()
            .map(|c| tables::device_class(c).map(|c| c.id));
        if let Some(None) = class {
            errors.push(format!(
                "unknown device class `{}`",
                access.device.class.as_deref().unwrap_or_default()
            ));
        }
        let bucket = match class.flatten() {
            Some(c) => c as usize,
            None => self.by_class.len().saturating_sub(1),
        };
        let mut hashes = Hashes::default();
        let merged: Vec<u32>;
        let candidates: &[u32] = match self.by_class.get(bucket) {
            None => &[],
            Some(b) if explain => &b.all,
            Some(b) => {
                let mut lists: Vec<&[u32]> = Vec::new();
                for sid in access.user.sid.iter().chain(access.user.group_sids.iter()) {
                    let hit = match b.by_sid.get(sid.as_str()) {
                        Some(l) => Some(l),
                        None if sid.bytes().any(|c| c.is_ascii_lowercase()) => {
                            b.by_sid.get(&sid.to_ascii_uppercase())
                        }
                        None => None,
                    };
                    if let Some(l) = hit {
                        lists.push(l);
                    }
                }
                if lists.is_empty() {
                    &b.general
                } else {
                    let mut all: Vec<u32> = b.general.clone();
                    for l in lists {
                        all.extend_from_slice(l);
                    }
                    // Indices are in priority order: sorting restores it.
                    all.sort_unstable();
                    all.dedup();
                    merged = all;
                    &merged
                }
            }
        };

        let mut trace = Vec::new();
        let mut top: Option<i32> = None;
        let mut deciding: Vec<&Policy> = Vec::new();
        let mut message: Option<&str> = None;
        let mut notify: Option<bool> = None;
        for &ci in candidates {
            let Some(c) = self.compiled.get(ci as usize) else {
                continue;
            };
            // Below the deciding priority, only a message or notify setting
            // can still be missing.
            // Below the deciding priority, a policy can only supply a
            // missing message or notify setting; skip the others unseen.
            let below_top = top.is_some_and(|t| c.priority < t);
            let can_supply =
                (message.is_none() && c.sets_message) || (notify.is_none() && c.sets_notify);
            if !explain && below_top && !can_supply {
                continue;
            }
            let Some(p) = self.doc.policies.get(c.doc_index) else {
                continue;
            };
            let why_not = self.why_not(
                p,
                c,
                access,
                class.flatten(),
                type_id,
                &local,
                now,
                &mut hashes,
            );
            match why_not {
                Some(miss) => {
                    if explain {
                        trace.push((p.id.clone(), false, miss.describe(access, &local, type_id)));
                    }
                }
                None => {
                    if top.is_none() || top == Some(c.priority) {
                        top = Some(c.priority);
                        deciding.push(p);
                    }
                    if message.is_none() {
                        message = p.what.messages.denied.as_deref();
                    }
                    if notify.is_none() {
                        notify = p.what.messages.notify;
                    }
                    if explain || top == Some(c.priority) {
                        trace.push((
                            p.id.clone(),
                            true,
                            format!(
                                "applies at priority {}{}",
                                c.priority,
                                if top == Some(c.priority) {
                                    ", deciding"
                                } else {
                                    ", overridden by a higher priority"
                                }
                            ),
                        ));
                    }
                }
            }
        }

        let mut rights: Vec<Right> = Vec::new();
        if deciding
            .iter()
            .any(|p| p.what.access.granted.contains(&Right::None))
        {
            rights.push(Right::None);
        } else {
            for p in &deciding {
                for r in &p.what.access.granted {
                    if !rights.contains(r) {
                        rights.push(*r);
                    }
                }
            }
            rights.sort();
        }
        let needed = match op {
            DeviceOperation::Read => Right::Read,
            DeviceOperation::Write => Right::Write,
        };
        let mut allowed = rights.contains(&needed) && errors.is_empty();
        let quota_mb = deciding
            .iter()
            .filter_map(|p| p.what.content.as_ref().map(|c| c.quota_mb))
            .filter(|q| *q > 0)
            .min();
        let quota_bytes = quota_mb.map(|mb| u64::from(mb) * 1024 * 1024);
        let quota_remaining = quota_bytes.map(|q| q.saturating_sub(access.quota_used));
        let mut quota_exceeded = false;
        if op == DeviceOperation::Write
            && allowed
            && let Some(rem) = quota_remaining
        {
            quota_exceeded = match access.file_size {
                Some(size) => size > rem,
                None => rem == 0,
            };
            if quota_exceeded {
                allowed = false;
                trace.push((
                    deciding.first().map(|p| p.id.clone()).unwrap_or_default(),
                    true,
                    format!("copy quota of {} MB exceeded", quota_mb.unwrap_or(0)),
                ));
            }
        }
        let shadow = if allowed {
            deciding
                .iter()
                .filter_map(|p| match op {
                    DeviceOperation::Read => p.what.shadow_read,
                    DeviceOperation::Write => p.what.shadow_write,
                })
                .max()
                .unwrap_or(Shadow::None)
        } else {
            Shadow::None
        };
        let inspect_content = type_id.is_some_and(|t| {
            deciding.iter().any(|p| {
                p.what
                    .content
                    .as_ref()
                    .is_some_and(|c| c.dlptypes.iter().any(|d| id_matches(*d, t)))
            })
        });
        if deciding.is_empty() {
            trace.push((
                String::new(),
                false,
                "no device-control policy applies: without a grant, device access is denied"
                    .to_string(),
            ));
        }
        let audit = self.doc.configuration.preset == Some(Preset::Audit);
        let audit_override = audit && !allowed;
        let decision = DeviceDecision {
            rights,
            operation_allowed: allowed || audit,
            shadow,
            quota_bytes,
            quota_remaining,
            quota_exceeded,
            denied_message: if allowed || audit {
                None
            } else {
                message.map(str::to_string)
            },
            notify: !allowed && !audit && notify.unwrap_or(true),
            policy: deciding.first().map(|p| p.id.clone()),
            inspect_content,
        };
        DeviceOutcome {
            decision,
            allowed: allowed || audit,
            determined_by: deciding.iter().map(|p| p.id.clone()).collect(),
            audit_override,
            inspect_content,
            trace,
            errors,
        }
    }

    /// Why a policy does not apply, or `None` when it does.
    #[allow(
        clippy::too_many_arguments,
        reason = "one argument per part of the access a policy restricts"
    )]
    fn why_not(
        &self,
        p: &Policy,
        c: &Compiled,
        access: &DeviceAccess,
        class: Option<u32>,
        type_id: Option<u32>,
        local: &chrono::NaiveDateTime,
        now: DateTime<Utc>,
        hashes: &mut Hashes,
    ) -> Option<Miss> {
        // who / where
        let has_who = !p.who.is_empty();
        let user_ok = !has_who || user_matches(&p.who, &access.user);
        let machine_ok = !c.has_where
            || c.machines
                .iter()
                .any(|t| machine_matches(t, &access.computer));
        let ok = match (has_who, c.has_where, p.how.match_) {
            (true, true, Match::Or) => user_ok || machine_ok,
            _ => user_ok && machine_ok,
        };
        if !ok {
            return Some(match (user_ok, machine_ok) {
                (false, false) => Miss::UserAndComputer,
                (false, _) => Miss::User,
                _ => Miss::Computer,
            });
        }
        // devices
        if !c
            .targets
            .iter()
            .any(|t| target_matches(t, &access.device, class, hashes))
        {
            return Some(Miss::Device);
        }
        // access filters
        let a = &p.what.access;
        if !a.bus.is_empty() {
            let bus = access.device.bus.as_deref().and_then(Bus::parse);
            if !bus.is_some_and(|b| a.bus.contains(&b)) {
                return Some(Miss::Bus);
            }
        }
        if !a.disk.is_empty() {
            let disk = access.device.disk.as_deref().and_then(Disk::parse);
            if !disk.is_some_and(|d| a.disk.contains(&d)) {
                return Some(Miss::Disk);
            }
        }
        if !a.encryption.is_empty() {
            let enc = access.device.encrypted.map(|e| {
                if e {
                    Encryption::Encrypted
                } else {
                    Encryption::Unencrypted
                }
            });
            if !enc.is_some_and(|e| a.encryption.contains(&e)) {
                return Some(Miss::Encryption);
            }
        }
        // when
        if let Some(perm) = p.when.permanent {
            let online = access.computer.online;
            if (perm == Permanent::Online && !online) || (perm == Permanent::Offline && online) {
                return Some(Miss::Connectivity);
            }
        }
        if let Some(s) = &p.when.schedule
            && !schedule_active(s, local)
        {
            return Some(Miss::Schedule);
        }
        if let Some(t) = &p.when.temporary
            && !(t.start <= now && now < t.end)
        {
            return Some(Miss::Temporary);
        }
        // file types
        if let Some(content) = &p.what.content
            && !content.filters.is_empty()
        {
            let Some(t) = type_id else {
                return Some(Miss::FileTypeUnknown);
            };
            let hit = content
                .filters
                .iter()
                .any(|f| f.only.is_none_or(|o| o == access.operation) && id_matches(f.id, t));
            if !hit {
                return Some(Miss::FileType);
            }
        }
        None
    }
}

/// Why a policy does not apply (formatted only when tracing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Miss {
    UserAndComputer,
    User,
    Computer,
    Device,
    Bus,
    Disk,
    Encryption,
    Connectivity,
    Schedule,
    Temporary,
    FileTypeUnknown,
    FileType,
}

impl Miss {
    fn describe(
        self,
        access: &DeviceAccess,
        local: &chrono::NaiveDateTime,
        type_id: Option<u32>,
    ) -> String {
        let or_unknown = |v: &Option<String>| v.clone().unwrap_or_else(|| "unknown".to_string());
        match self {
            Miss::UserAndComputer => "neither the user nor the computer is targeted".to_string(),
            Miss::User => "the user is not targeted (who)".to_string(),
            Miss::Computer => "the computer is not targeted (where)".to_string(),
            Miss::Device => "the device is not targeted".to_string(),
            Miss::Bus => format!(
                "bus `{}` is not filtered in",
                or_unknown(&access.device.bus)
            ),
            Miss::Disk => format!(
                "disk `{}` is not filtered in",
                or_unknown(&access.device.disk)
            ),
            Miss::Encryption => "the medium's encryption state is not filtered in".to_string(),
            Miss::Connectivity => format!(
                "applies only {}",
                if access.computer.online {
                    "offline"
                } else {
                    "online"
                }
            ),
            Miss::Schedule => format!(
                "outside the schedule (local time {})",
                local.format("%a %H:%M:%S")
            ),
            Miss::Temporary => "outside the temporary window".to_string(),
            Miss::FileTypeUnknown => {
                "has file-type filters and the file type is unknown".to_string()
            }
            Miss::FileType => format!(
                "file type {:08X} is not among its filters for this operation",
                type_id.unwrap_or(0)
            ),
        }
    }
}

#[derive(Default)]
struct Hashes {
    model_sha1: Option<String>,
    model_sha256: Option<String>,
    instance_sha1: Option<String>,
    instance_sha256: Option<String>,
}

fn hex_upper(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02X}"));
    }
    s
}

fn user_matches(who: &Who, user: &DeviceUser) -> bool {
    let sid_hit = who.sids.iter().any(|s| {
        s == SID_EVERYONE
            || user
                .sid
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(s))
            || user.group_sids.iter().any(|g| g.eq_ignore_ascii_case(s))
    });
    if sid_hit {
        return true;
    }
    let bare = |a: &str| {
        a.rsplit_once('\\')
            .map(|(_, n)| n.to_string())
            .unwrap_or_else(|| a.to_string())
    };
    who.accounts.iter().any(|want| {
        let names = user.account.iter().chain(user.group_accounts.iter());
        names.into_iter().any(|have| {
            have.eq_ignore_ascii_case(want)
                || ((!want.contains('\\') || !have.contains('\\'))
                    && bare(have).eq_ignore_ascii_case(&bare(want)))
        })
    })
}

fn machine_matches(t: &Targets, c: &Computer) -> bool {
    let fqn = c.fqdn.as_deref().is_some_and(|f| {
        t.fqn
            .iter()
            .any(|x| x.eq_ignore_ascii_case(f.trim_end_matches('.')))
    });
    let nb = c
        .netbios
        .as_deref()
        .is_some_and(|n| t.netbios.iter().any(|x| x.eq_ignore_ascii_case(n)));
    let ip = c.ipv4.is_some_and(|a: Ipv4Addr| {
        t.ipv4.contains(&a) || t.ipv4range.iter().any(|(lo, hi)| *lo <= a && a <= *hi)
    });
    let ou = c.ou.as_deref().is_some_and(|o| {
        t.ou.iter().any(|want| {
            let o = o.trim();
            let want = want.trim();
            o.eq_ignore_ascii_case(want)
                || (o.len() > want.len()
                    && o.get(o.len() - want.len()..)
                        .is_some_and(|tail| tail.eq_ignore_ascii_case(want))
                    && o.as_bytes().get(o.len() - want.len() - 1) == Some(&b','))
        })
    });
    fqn || nb || ip || ou
}

fn target_matches(t: &Target, d: &DeviceInfo, class: Option<u32>, h: &mut Hashes) -> bool {
    let class_ok = |c: &Option<u32>| match c {
        None | Some(DEFAULT_SETTINGS) => true,
        Some(c) => class == Some(*c),
    };
    match t {
        Target::Type {
            class: c,
            model,
            instance,
            sha1,
            sha256,
        } => {
            if !class_ok(c) {
                return false;
            }
            if let Some(m) = model
                && !d.model.as_deref().is_some_and(|dm| wildcard(m, dm))
            {
                return false;
            }
            if let Some(i) = instance
                && !d
                    .instance
                    .as_deref()
                    .is_some_and(|di| di.eq_ignore_ascii_case(i))
            {
                return false;
            }
            if let Some(want) = sha1 {
                let m = d
                    .model
                    .as_deref()
                    .map(|m| {
                        &*h.model_sha1
                            .get_or_insert_with(|| hex_upper(&sha1::Sha1::digest(m.as_bytes())))
                    })
                    .map(|s| s == want);
                let hit = m.unwrap_or(false)
                    || d.instance.as_deref().is_some_and(|i| {
                        h.instance_sha1
                            .get_or_insert_with(|| hex_upper(&sha1::Sha1::digest(i.as_bytes())))
                            == want
                    });
                if !hit {
                    return false;
                }
            }
            if let Some(want) = sha256 {
                let m = d
                    .model
                    .as_deref()
                    .map(|m| {
                        &*h.model_sha256
                            .get_or_insert_with(|| hex_upper(&sha2::Sha256::digest(m.as_bytes())))
                    })
                    .map(|s| s == want);
                let hit = m.unwrap_or(false)
                    || d.instance.as_deref().is_some_and(|i| {
                        h.instance_sha256
                            .get_or_insert_with(|| hex_upper(&sha2::Sha256::digest(i.as_bytes())))
                            == want
                    });
                if !hit {
                    return false;
                }
            }
            true
        }
        Target::Disc { class: c, toc_sha1 } => {
            class_ok(c)
                && d.media_hash
                    .as_deref()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case(toc_sha1))
        }
        Target::Volume { class: c, uniqueid } => {
            class_ok(c)
                && d.volume_id
                    .as_deref()
                    .is_some_and(|v| &norm_guid(v) == uniqueid)
        }
    }
}

fn schedule_active(s: &Schedule, local: &chrono::NaiveDateTime) -> bool {
    let day_ok = |d: chrono::Weekday| s.days.is_empty() || s.days.contains(&d);
    let t = local.time();
    let wd = local.weekday();
    if s.start < s.end {
        day_ok(wd) && s.start <= t && t < s.end
    } else {
        (t >= s.start && day_ok(wd)) || (t < s.end && day_ok(wd.pred()))
    }
}

/// `*` matches any run of characters; everything else matches itself
/// (case-sensitive, as hardware ids are). The policy crate's matcher.
fn wildcard(pattern: &str, text: &str) -> bool {
    Pattern::hardware_id(pattern).matches(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard(
            "IDE\\CdRomNECVMWar_VMware_IDE_CDR10*",
            "IDE\\CdRomNECVMWar_VMware_IDE_CDR10_______________1.00___"
        ));
        assert!(wildcard("*", ""));
        assert!(wildcard("a*b*c", "aXXbYYc"));
        assert!(!wildcard("a*b*c", "aXXbYY"));
        assert!(!wildcard("abc", "ABC"));
        assert!(wildcard(&"*a".repeat(20), &"a".repeat(40)));
    }
}
