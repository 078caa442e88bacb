//! Content-aware writes to removable media (issue #14): the policy's
//! `removableMedia` section, and the [`Judge`] the guard filesystem
//! (`cordon-medium`) asks about every file written to a medium.
//!
//! A file is decided in three steps, the most restrictive winning:
//! 1. device control for this file (seed 004: the user's write right,
//!    `W` file-type filters by content signature, custom types, quota);
//! 2. inspection with the same engine as `cordon scan` (the built-in
//!    detectors plus the section's custom ones, e.g. the seed's keywords);
//! 3. the policy's rules on a `copy_to_device` event to
//!    `device:external_storage`. What they deny but allow to
//!    `device:encrypted_removable`, or what a rule's `encrypt` action asks
//!    for, is sealed (age) instead of refused; content not fully inspected
//!    is sealed, or refused when there is no key.
//!
//! Sealed means for the organisation's keys (and the writer's and their
//! groups' own), or, under `removableMedia.passphrase: prompt`, with the
//! passphrase the writer gave (`cordon agent passphrase`,
//! [`crate::passphrase`]): age allows a passphrase only alone, so that
//! file is not for the recovery key.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use cordon_medium::{Admit, Judge, Outcome, Seal, Settled, Writer, Written};
use cordon_policy::media::{PassphraseMode, RemovableMediaSpec};
use cordon_policy::model::{
    Action, ActionKind, Computer, Decision, DeviceInfo, DeviceKind, DeviceOperation, Event,
    FileInfo, Identity, IncompletePart, RuleKind, User, Verdict, Violation,
};
use cordon_record::{EndpointStep, IncidentBuilder, MaskedFinding};

use crate::notify::Notice;
use crate::policy::{Policy, device_access};
use crate::spool::Spool;

/// Where the open justification windows are kept across restarts, in the
/// agent's state directory.
const JUSTIFICATIONS: &str = "justifications.json";
/// The most that file may hold: a window is a few hundred bytes, and the
/// engine keeps only open ones.
const MAX_JUSTIFICATIONS_BYTES: u64 = 4 << 20;

/// The content side of a policy: its rules, the inspector and the keys.
pub struct Content {
    pub spec: RemovableMediaSpec,
    engine: Option<cordon_policy::Engine>,
    inspector: cordon_inspect::Inspector,
    org: Vec<String>,
}

impl std::fmt::Debug for Content {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Content")
            .field("spec", &self.spec)
            .field("rules", &self.engine.is_some())
            .finish()
    }
}

impl Content {
    /// Reopens on `self` the justifications whose windows are still open
    /// at `now` on `old` — a new bundle replaces the engine, and a reason a
    /// user gave must not be lost with it. Each window runs from the time
    /// it was given, for the new policy's `exceptionWindow`. The number
    /// reopened.
    pub fn carry_justifications(&self, old: &Content, now: chrono::DateTime<Utc>) -> usize {
        match old.engine.as_ref() {
            Some(old) => self.reopen(old.justifications(), now),
            None => 0,
        }
    }

    /// Reopens the windows of `given` (justifications kept by an earlier
    /// engine or an earlier run of the agent) still open at `now`; the
    /// number reopened.
    fn reopen(
        &self,
        given: impl IntoIterator<Item = cordon_policy::Justification>,
        now: chrono::DateTime<Utc>,
    ) -> usize {
        let Some(engine) = self.engine.as_ref() else {
            return 0;
        };
        let mut n = 0;
        for j in given.into_iter().filter(|j| now < j.until) {
            let req = cordon_policy::model::ExceptionRequest {
                keys: j.keys,
                rules: j.rules,
            };
            let reopened = engine.justify(&req, &j.text, j.user, j.at);
            n += usize::from(now < reopened.until);
        }
        n
    }

    /// Writes the open justifications to `state_dir/justifications.json`
    /// (replaced atomically, mode 0600), so that a restarted agent keeps
    /// the windows users were given.
    pub fn save_justifications(
        &self,
        state_dir: &Path,
        now: chrono::DateTime<Utc>,
    ) -> io::Result<()> {
        let open: Vec<_> = self
            .engine
            .as_ref()
            .map(|e| e.justifications())
            .unwrap_or_default()
            .into_iter()
            .filter(|j| now < j.until)
            .collect();
        let bytes = serde_json::to_vec(&open).map_err(io::Error::other)?;
        crate::trust::write_private(&state_dir.join(JUSTIFICATIONS), &bytes)
    }

    /// Reopens the windows a previous run saved with
    /// [`Content::save_justifications`]; the number reopened. A missing
    /// file is none; a file too large or unreadable is an error and opens
    /// nothing (the copies it would have allowed ask again).
    pub fn restore_justifications(
        &self,
        state_dir: &Path,
        now: chrono::DateTime<Utc>,
    ) -> Result<usize, String> {
        let path = state_dir.join(JUSTIFICATIONS);
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let mut bytes = Vec::new();
        file.take(MAX_JUSTIFICATIONS_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if bytes.len() as u64 > MAX_JUSTIFICATIONS_BYTES {
            return Err(format!(
                "{}: larger than {MAX_JUSTIFICATIONS_BYTES} bytes",
                path.display()
            ));
        }
        let given: Vec<cordon_policy::Justification> = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a list of justifications: {e}", path.display()))?;
        Ok(self.reopen(given, now))
    }

    /// The content policy of a Cordon policy document's text (`None` when
    /// it has no `removableMedia` section or inspection is off).
    pub fn from_document(text: &str) -> Result<Option<Content>, String> {
        let loader = cordon_policy::Loader::new()
            .with_extension(Box::new(cordon_devctl::DeviceControlLoader));
        let (set, diags) = loader.load(text);
        let Some(set) = set else {
            let first = diags
                .iter()
                .find(|d| d.severity == cordon_policy::diag::Severity::Error)
                .map(|d| d.message.clone())
                .unwrap_or_else(|| "the policy has errors".into());
            return Err(first);
        };
        let Some(spec) = set.doc.removable_media.clone() else {
            return Ok(None);
        };
        if !spec.inspect {
            return Ok(None);
        }
        let mut builder = cordon_detect::Detectors::builder();
        if !spec.detectors.is_empty() {
            builder = builder.custom(cordon_detect::CustomDetectorsConfig {
                detectors: spec.detectors.clone(),
            });
        }
        let detectors = builder.build().map_err(|e| e.to_string())?;
        let mut opts = cordon_inspect::InspectOptions::default();
        if let Some(secs) = spec.inspect_timeout_secs {
            opts.limits.timeout = Some(std::time::Duration::from_secs(secs));
        }
        let inspector = cordon_inspect::Inspector::new(detectors, opts);
        let org = spec.recipients.clone();
        Ok(Some(Content {
            spec,
            engine: Some(cordon_policy::Engine::new(set)),
            inspector,
            org,
        }))
    }

    /// The recipients of a file written by `user` (member of `groups`):
    /// the organisation's, then the user's and the groups' own.
    fn recipients(&self, user: &str, groups: &[String]) -> Vec<String> {
        let mut r = self.org.clone();
        if let Some(k) = self.spec.user_recipients.get(user) {
            r.extend(k.iter().cloned());
        }
        for g in groups {
            if let Some(k) = self.spec.group_recipients.get(g) {
                r.extend(k.iter().cloned());
            }
        }
        r.sort();
        r.dedup();
        r
    }

    /// The seal for the organisation's keys alone (encrypt-first).
    pub fn org_seal(&self) -> Option<Arc<dyn Seal>> {
        AgeSeal::new(&self.org)
            .ok()
            .map(|s| Arc::new(s) as Arc<dyn Seal>)
    }
}

/// Sealing with age (X25519 recipients), through `cordon-seal`.
pub struct AgeSeal {
    recipients: cordon_seal::Recipients,
    count: usize,
}

impl AgeSeal {
    pub fn new(keys: &[String]) -> Result<AgeSeal, String> {
        if keys.is_empty() {
            return Err("no recipient".into());
        }
        let recipients = cordon_seal::Recipients::parse(keys.iter().map(String::as_str))
            .map_err(|e| e.to_string())?;
        Ok(AgeSeal {
            recipients,
            count: keys.len(),
        })
    }
}

impl Seal for AgeSeal {
    fn seal(&self, input: &mut dyn Read, output: &mut dyn Write) -> io::Result<u64> {
        // An IO error keeps its OS code, so a full medium fails the
        // writer's close() with ENOSPC, not EIO.
        cordon_seal::seal(&self.recipients, input, output).map_err(|e| match e {
            cordon_seal::SealError::Io { error, .. } => error,
            other => io::Error::other(other),
        })
    }
    fn describe(&self) -> String {
        format!("age, {} recipient(s)", self.count)
    }
}

/// The policy in force, read at each decision (it may change while a
/// medium is mounted).
pub type PolicySource = Arc<dyn Fn() -> Option<Arc<Policy>> + Send + Sync>;

/// What an incident waits for until its file is settled.
#[derive(Default)]
struct Pending {
    incident: Option<(Event, Decision, Vec<MaskedFinding>, Vec<IncompletePart>)>,
    steps: Vec<EndpointStep>,
    message: Option<String>,
    /// Seed 004's `audit.shadow` for this write.
    shadow: cordon_policy::model::Shadow,
    /// The write as device control saw it, for a shadow record.
    access: Option<cordon_policy::model::DeviceAccess>,
    /// Sealed with the writer's passphrase, not the organisation's keys.
    passphrase: bool,
}

/// The judge of one mounted medium.
pub struct MediumJudge {
    pub policy: PolicySource,
    pub device: DeviceInfo,
    pub device_name: String,
    pub mount_point: String,
    pub computer: Computer,
    pub spool: Arc<Mutex<Spool>>,
    pub notices: Option<std::sync::mpsc::SyncSender<Notice>>,
    pub notes: Arc<Mutex<std::collections::VecDeque<String>>>,
    /// Bytes each user wrote to this medium (the seed's copy quota).
    used: Mutex<HashMap<u32, u64>>,
    pending: Mutex<HashMap<PathBuf, Pending>>,
    /// Where shadow copies go (encrypted for the organisation's keys).
    shadows: Option<crate::shadow::ShadowStore>,
    /// Copies stopped by exception rules, waiting for a justification.
    exceptions: Option<crate::control::SharedBook>,
    /// The passphrases users gave (`removableMedia.passphrase: prompt`).
    passphrases: Option<crate::passphrase::SharedPassphrases>,
    /// Reads already shadowed, and content copies being sealed.
    reads: Arc<crate::shadow::ReadLog>,
    /// Files on the medium whose write is not settled yet: the gate may
    /// still replace them, so their reads are not shadowed (a copy held
    /// open across the replacement lost the file on `fusefat`).
    unsettled: Mutex<std::collections::HashSet<PathBuf>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl MediumJudge {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        policy: PolicySource,
        device: DeviceInfo,
        device_name: String,
        mount_point: String,
        computer: Computer,
        spool: Arc<Mutex<Spool>>,
        notices: Option<std::sync::mpsc::SyncSender<Notice>>,
        notes: Arc<Mutex<std::collections::VecDeque<String>>>,
    ) -> MediumJudge {
        MediumJudge {
            policy,
            device,
            device_name,
            mount_point,
            computer,
            spool,
            notices,
            notes,
            used: Mutex::new(HashMap::new()),
            pending: Mutex::new(HashMap::new()),
            shadows: None,
            exceptions: None,
            passphrases: None,
            reads: Arc::new(crate::shadow::ReadLog::default()),
            unsettled: Mutex::new(std::collections::HashSet::new()),
        }
    }

    /// Keeps copies that exception rules stop in `book`, for
    /// `cordon agent justify`.
    pub fn with_exceptions(mut self, book: crate::control::SharedBook) -> MediumJudge {
        self.exceptions = Some(book);
        self
    }

    /// Seals with the passphrase a writer gave in `store`, when the policy
    /// says `removableMedia.passphrase: prompt`.
    pub fn with_passphrases(mut self, store: crate::passphrase::SharedPassphrases) -> MediumJudge {
        self.passphrases = Some(store);
        self
    }

    /// Keeps shadow copies (seed 004 `audit.shadow` = content) in `store`.
    pub fn with_shadows(mut self, store: crate::shadow::ShadowStore) -> MediumJudge {
        self.shadows = Some(store);
        self
    }

    fn display(&self, path: &Path) -> String {
        Path::new(&self.mount_point)
            .join(path)
            .to_string_lossy()
            .into_owned()
    }

    /// Decides one file; the incident (if any) waits for the outcome.
    fn decide(&self, f: &Written<'_>) -> (Outcome, Pending) {
        let mut pending = Pending::default();
        let Some(policy) = (self.policy)() else {
            return (block("no policy received yet"), pending);
        };
        let (user, groups) = crate::host::user_of(f.writer.uid);
        let now = Utc::now();
        // 1. Device control for this file.
        let mut da = device_access(
            &user,
            &groups,
            &self.computer,
            &self.device,
            DeviceOperation::Write,
        );
        // The file-type filters decide on the type: one that cannot be
        // read is not decided as an allowed type.
        let type_id = match std::fs::File::open(f.staged)
            .and_then(|mut file| policy.device_control().identify(&mut file))
        {
            Ok(id) => id,
            Err(e) => return (block(&format!("the file could not be read: {e}")), pending),
        };
        da.file_type = Some(format!("{type_id:08X}"));
        da.file_size = Some(f.size);
        let out = policy.device_control().decide(&da, None, now, false);
        let allowed = out.allowed && out.errors.is_empty();
        pending.shadow = out.decision.shadow;
        pending.access = Some(da.clone());
        let file_info = FileInfo {
            path: Some(self.display(f.path)),
            size: Some(f.size),
            file_type: da.file_type.clone(),
            ..FileInfo::default()
        };
        if !allowed {
            let (mut event, decision) = crate::policy::incident_decision(&user, da, &out, false);
            event.file = Some(file_info);
            let msg = out
                .decision
                .denied_message
                .clone()
                .unwrap_or_else(|| "this file may not be written to this device".into());
            pending.incident = Some((event, decision, Vec::new(), Vec::new()));
            pending.message = Some(msg.clone());
            return (block(&msg), pending);
        }
        let Some(content) = policy.content.as_ref() else {
            return (Outcome::Release, pending);
        };
        // 2. Inspection.
        let display = self.display(f.path);
        let report = content.inspector.inspect_path(f.staged, &display);
        let findings: Vec<MaskedFinding> = report
            .findings
            .iter()
            .take(50)
            .map(|x| MaskedFinding {
                detector: x.detector.clone(),
                category: x.category,
                confidence: x.confidence,
                location: x.location.clone(),
                masked: x.masked.clone(),
            })
            .collect();
        let incomplete: Vec<IncompletePart> = report
            .incomplete
            .iter()
            .chain(report.errors.iter())
            .map(|p| IncompletePart {
                location: p.location.clone(),
                reason: p.code.clone(),
            })
            .collect();
        let file = FileInfo {
            file_type: Some(report.file_type.clone()).or(file_info.file_type),
            classification: Some(report.classification.clone()),
            incomplete: incomplete.clone(),
            ..file_info
        };
        // 3. The rules, to external storage, then to encrypted storage.
        let event = |kind: DeviceKind| {
            let mut e = user_event(
                Action::CopyToDevice,
                user.clone(),
                groups.clone(),
                file.clone(),
                Some(da.clone()),
            );
            e.recipients = vec![Identity::Device {
                device: kind,
                name: Some(self.device_name.clone()),
            }];
            e.time = Some(now);
            e
        };
        let keys = content.recipients(&user, &groups);
        // The writer's own passphrase, when the policy asks for one and
        // they gave it: then it is the file's only recipient.
        let by_passphrase = content.spec.passphrase == PassphraseMode::Prompt;
        let user_seal = self
            .passphrases
            .as_ref()
            .filter(|_| by_passphrase)
            .and_then(|p| p.seal_for(f.writer.uid));
        pending.passphrase = user_seal.is_some();
        let seal = || -> Result<Outcome, String> {
            if let Some(s) = &user_seal {
                return Ok(Outcome::Seal(Arc::new(s.clone())));
            }
            AgeSeal::new(&keys).map(|s| Outcome::Seal(Arc::new(s)))
        };
        let unsealable = |e: &str| {
            if by_passphrase {
                "this file may be written only encrypted: give a passphrase with `cordon agent passphrase`, then copy it again".to_owned()
            } else {
                no_key(e)
            }
        };
        let Some(engine) = content.engine.as_ref() else {
            return (Outcome::Release, pending);
        };
        let plain = event(DeviceKind::ExternalStorage);
        let d = engine.decide(&plain);
        // A rule whose actions include `encrypt` is satisfied by sealing.
        let seals = |dec: &Decision, rule: &str| {
            dec.actions
                .iter()
                .any(|a| a.rule == rule && a.action == ActionKind::Encrypt)
        };
        let outcome = if d.decision == Verdict::Allow {
            if d.violations.iter().any(|v| seals(&d, &v.rule)) {
                seal().unwrap_or_else(|e| block(&unsealable(&e)))
            } else {
                Outcome::Release
            }
        } else {
            // Would it go to an encrypted medium? Then sealing it here is
            // what the policy allows; a rule asking to encrypt is met too.
            let enc = engine.decide(&event(DeviceKind::EncryptedRemovable));
            let unmet: Vec<&Violation> = enc
                .violations
                .iter()
                .filter(|v| v.enforced && !seals(&enc, &v.rule))
                .collect();
            if enc.decision == Verdict::Allow || unmet.is_empty() {
                seal().unwrap_or_else(|e| block(&unsealable(&e)))
            } else {
                let message = unmet
                    .iter()
                    .find_map(|v| v.message.clone())
                    .or_else(|| d.message.clone());
                // An exception rule: the user may justify the copy.
                let asked = if d.decision == Verdict::Exception {
                    d.exception.clone().map(|r| (r, plain.clone()))
                } else if enc.decision == Verdict::Exception {
                    enc.exception
                        .clone()
                        .map(|r| (r, event(DeviceKind::EncryptedRemovable)))
                } else {
                    None
                };
                match (asked, &self.exceptions) {
                    (Some((request, ev)), Some(book)) => {
                        let message = message
                            .unwrap_or_else(|| "this copy needs a business justification".into());
                        let id = lock(book).ask(
                            f.writer.uid,
                            &user,
                            &display,
                            &self.device_name,
                            &message,
                            request,
                            ev,
                        );
                        block(&format!(
                            "{message}; to copy it anyway, give the reason: cordon agent justify {id} \"why\", then copy it again"
                        ))
                    }
                    _ => block(
                        message
                            .as_deref()
                            .unwrap_or("the policy does not allow this file on removable media"),
                    ),
                }
            }
        };
        if !d.violations.is_empty() {
            pending.message = d.message.clone();
            pending.incident = Some((plain, d, findings, incomplete));
        }
        (outcome, pending)
    }

    fn step(&self, what: &Settled) -> EndpointStep {
        let kind = match what {
            Settled::Released => "released",
            Settled::Sealed => "encrypted",
            Settled::SealedFirst => "encrypted_first",
            Settled::ReleasedAfterInspection => "released_after_inspection",
            Settled::Blocked { .. } => "blocked",
            Settled::Withdrawn => "withdrawn",
            Settled::Failed { .. } => "failed",
        };
        EndpointStep {
            at: Utc::now().timestamp_millis(),
            kind: kind.into(),
            text: what.describe(),
            shadow: None,
        }
    }

    fn tell(&self, uid: u32, summary: &str, body: String) {
        crate::daemon::push_note(&self.notes, format!("{summary}: {body}"));
        if let Some(tx) = &self.notices {
            let _ = tx.try_send(Notice {
                uid,
                summary: summary.to_owned(),
                body,
            });
        }
    }
}

fn block(message: &str) -> Outcome {
    Outcome::Block {
        message: message.to_owned(),
    }
}

fn no_key(e: &str) -> String {
    format!("this file may be written only encrypted, and no encryption key is configured ({e})")
}

impl MediumJudge {
    /// Shadows a read through the guard filesystem ([`shadow_read`]);
    /// a file whose write is not settled is not (the gate may still
    /// replace it).
    fn shadow_read(&self, reader: Writer, path: &Path, file: &std::fs::File) {
        if lock(&self.unsettled).contains(path) {
            return;
        }
        let to = ReadShadows {
            spool: &self.spool,
            shadows: self.shadows.as_ref(),
            reads: &self.reads,
        };
        let medium = Medium {
            computer: &self.computer,
            device: &self.device,
        };
        shadow_read(
            &to,
            || (self.policy)(),
            medium,
            reader.uid,
            path,
            self.display(path),
            file,
        );
    }
}

/// Where shadowed reads go: the spool for their incidents, the store for
/// content copies, and which reads were shadowed lately.
pub(crate) struct ReadShadows<'a> {
    pub spool: &'a Arc<Mutex<Spool>>,
    pub shadows: Option<&'a crate::shadow::ShadowStore>,
    pub reads: &'a crate::shadow::ReadLog,
}

/// The medium a read is on, as the policy sees it.
#[derive(Clone, Copy)]
pub(crate) struct Medium<'a> {
    pub computer: &'a Computer,
    pub device: &'a DeviceInfo,
}

/// Seed 004's `audit.shadow.read`: a file opened for reading on the
/// medium has its name recorded, or its content sealed and kept, once per
/// user and file version per [`crate::shadow::READ_AGAIN`]. The content
/// is sealed on a thread of its own (at most
/// [`crate::shadow::READS_AT_ONCE`]), so the reader never waits. Reads
/// come from the guard filesystem (in `open()`) and from the fanotify
/// guard (after the opener was answered); a read already seen costs one
/// `fstat` and a map lookup, not a user lookup and a decision. `path` is
/// the key a file version is remembered by, `shown` the name the incident
/// shows.
pub(crate) fn shadow_read(
    to: &ReadShadows<'_>,
    policy: impl FnOnce() -> Option<Arc<crate::policy::Policy>>,
    medium: Medium<'_>,
    uid: u32,
    path: &Path,
    shown: String,
    file: &std::fs::File,
) {
    use cordon_policy::model::Shadow;
    let Medium { computer, device } = medium;
    let meta = file.metadata().ok();
    let version = meta.as_ref().map(|m| {
        use std::os::unix::fs::MetadataExt as _;
        (m.len(), m.mtime(), m.mtime_nsec())
    });
    if !to.reads.first(uid, path, version) {
        return;
    }
    let Some(policy) = policy() else {
        return;
    };
    let (user, groups) = crate::host::user_of(uid);
    let mut da = device_access(&user, &groups, computer, device, DeviceOperation::Read);
    da.file_size = meta.as_ref().map(std::fs::Metadata::len);
    let out = policy.device_control().decide(&da, None, Utc::now(), false);
    let shadow = out.decision.shadow;
    if shadow == Shadow::None {
        return;
    }
    let info = FileInfo {
        path: Some(shown.clone()),
        size: da.file_size,
        ..FileInfo::default()
    };
    let event = user_event(Action::DeviceAccess, user, groups, info, Some(da));
    let mut decision = Decision::new(Verdict::Allow);
    decision.violations.push(Violation {
        rule: "device-control:shadow".into(),
        name: Some("Shadow copy (read)".into()),
        kind: RuleKind::DeviceControl,
        mode: cordon_policy::model::Mode::Permissive,
        enforced: false,
        verdict: Verdict::Allow,
        message: None,
    });
    let step = |text: String, shadow| EndpointStep {
        at: Utc::now().timestamp_millis(),
        kind: "shadowed".into(),
        text,
        shadow,
    };
    if shadow != Shadow::Content {
        let steps = [step("File name shadowed (read)".into(), None)];
        spool_record(to.spool, &event, &decision, &steps);
        return;
    }
    let sealing = (|| {
        let store = to.shadows.cloned().ok_or("no shadow directory")?;
        let content = policy.content.as_ref().ok_or("no removableMedia section")?;
        let seal = content
            .org_seal()
            .ok_or("no recipient to encrypt shadow copies for")?;
        let copy = file.try_clone().map_err(|e| e.to_string())?;
        let slot = to
            .reads
            .slot()
            .ok_or("too many reads are being shadowed at once")?;
        Ok::<_, String>((store, seal, copy, slot))
    })();
    let (store, seal, copy, slot) = match sealing {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(file = %shown, "read not shadowed: {e}");
            let steps = [step(format!("Content could not be shadowed: {e}"), None)];
            spool_record(to.spool, &event, &decision, &steps);
            return;
        }
    };
    let spool = to.spool.clone();
    let spawned = std::thread::Builder::new()
        .name("cordon-shadow-read".into())
        .spawn(move || {
            let _slot = slot;
            let size = copy.metadata().map(|m| m.len()).unwrap_or(0);
            let mut from = crate::shadow::PositionedReader::new(copy);
            let s = match store.keep(&mut from, size, seal.as_ref()) {
                Ok(r) => step(
                    format!(
                        "Content shadowed (read), encrypted ({} bytes sealed)",
                        r.bytes
                    ),
                    Some(r),
                ),
                Err(e) => {
                    tracing::warn!(file = %shown, "read not shadowed: {e}");
                    step(format!("Content could not be shadowed: {e}"), None)
                }
            };
            spool_record(&spool, &event, &decision, &[s]);
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start a thread to shadow a read: {e}");
    }
}

impl Judge for MediumJudge {
    fn opened_for_read(&self, reader: Writer, path: &Path, file: &std::fs::File) {
        self.shadow_read(reader, path, file);
    }

    fn judge(&self, f: &Written<'_>) -> Outcome {
        lock(&self.unsettled).insert(f.path.to_owned());
        let (outcome, pending) = self.decide(f);
        let mut all = lock(&self.pending);
        let entry = all.entry(f.staged.to_owned()).or_default();
        entry.incident = pending.incident;
        entry.message = pending.message;
        entry.shadow = pending.shadow;
        entry.access = pending.access;
        entry.passphrase = pending.passphrase && matches!(outcome, Outcome::Seal(_));
        outcome
    }

    fn settled(&self, f: &Written<'_>, what: &Settled) {
        let step = self.step(what);
        if *what == Settled::SealedFirst {
            lock(&self.unsettled).insert(f.path.to_owned());
            let mut all = lock(&self.pending);
            all.entry(f.staged.to_owned()).or_default().steps.push(step);
            return;
        }
        lock(&self.unsettled).remove(f.path);
        let mut p = lock(&self.pending).remove(f.staged).unwrap_or_default();
        let mut step = step;
        if *what == Settled::Sealed && p.passphrase {
            step.text = "File is encrypted with the user's passphrase".into();
        }
        p.steps.push(step);
        let on_medium = matches!(
            what,
            Settled::Released | Settled::Sealed | Settled::ReleasedAfterInspection
        );
        if on_medium && p.shadow != cordon_policy::model::Shadow::None {
            p.steps.push(self.shadow(f, p.shadow));
            if p.incident.is_none() {
                self.record_shadow(f, &p);
                return;
            }
        }
        let name = f
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match what {
            Settled::Blocked { message } => {
                tracing::warn!(file = %self.display(f.path), uid = f.writer.uid, "write blocked: {message}");
                self.tell(
                    f.writer.uid,
                    "Cordon: file not copied",
                    format!("{message}\n{name}"),
                );
            }
            Settled::Sealed => {
                tracing::info!(file = %self.display(f.path), uid = f.writer.uid, "file encrypted on the medium");
                let how = if p.passphrase {
                    " with your passphrase"
                } else {
                    ""
                };
                self.tell(
                    f.writer.uid,
                    "Cordon: file encrypted",
                    format!("{name} is encrypted on the device{how}"),
                );
            }
            Settled::Failed { error } => {
                tracing::error!(file = %self.display(f.path), uid = f.writer.uid, "file not written: {error}");
                self.tell(
                    f.writer.uid,
                    "Cordon: file not copied",
                    format!("{error}\n{name}"),
                );
            }
            _ => {}
        }
        let Some((event, decision, findings, incomplete)) = p.incident else {
            // A failure with no rule behind it is still worth an incident.
            if let Settled::Failed { error } = what {
                self.record_failure(f, error, &p.steps);
            }
            return;
        };
        let (versions, serial) = match (self.policy)() {
            Some(pol) => (
                vec![(pol.policy_id.clone(), pol.policy_version)],
                pol.serial,
            ),
            None => (Vec::new(), 0),
        };
        let request_id = uuid::Uuid::new_v4().simple().to_string();
        let views = IncidentBuilder::new(
            &event,
            &decision,
            &request_id,
            Utc::now().timestamp_millis(),
        )
        .policies(&versions, serial)
        .caller("agent")
        .findings(&findings)
        .incomplete(&incomplete)
        .endpoint(&p.steps)
        .build();
        if let Err(e) = lock(&self.spool).push_all(&views) {
            tracing::error!("cannot spool an incident: {e}");
        }
    }

    /// A stick shared by users with different rights is covered for those
    /// who may write; the others may not change it through the cover.
    fn may_write(&self, writer: Writer) -> Result<(), String> {
        let Some(policy) = (self.policy)() else {
            return Err("no policy received yet".into());
        };
        let (user, groups) = crate::host::user_of(writer.uid);
        let own = policy.decide_user(&self.device, &user, &groups, &self.computer, Utc::now());
        if own.access == crate::policy::Access::ReadWrite {
            return Ok(());
        }
        Err(own
            .message
            .unwrap_or_else(|| format!("{user} may not write to this device")))
    }

    fn admit(&self, writer: Writer, path: &Path, bytes: u64) -> Admit {
        // Unsettled from its first byte: encrypt-first puts the sealed
        // copy on the medium before the judge hears of it.
        lock(&self.unsettled).insert(path.to_owned());
        let Some(policy) = (self.policy)() else {
            return Admit::Yes;
        };
        if let Err(message) = self.may_write(writer) {
            return Admit::Denied { message };
        }
        let (user, groups) = crate::host::user_of(writer.uid);
        let mut used = lock(&self.used);
        let so_far = used.get(&writer.uid).copied().unwrap_or(0);
        let mut da = device_access(
            &user,
            &groups,
            &self.computer,
            &self.device,
            DeviceOperation::Write,
        );
        da.file_size = Some(bytes);
        da.quota_used = so_far;
        let out = policy.device_control().decide(&da, None, Utc::now(), false);
        if out.decision.quota_exceeded {
            let mb = out
                .decision
                .quota_bytes
                .map(|b| b / (1024 * 1024))
                .unwrap_or(0);
            let message = format!("the copy quota of {mb} MB on this device is used up");
            drop(used);
            self.quota_reached(writer, &user, &message, out);
            return Admit::OverQuota { message };
        }
        used.insert(writer.uid, so_far.saturating_add(bytes));
        Admit::Yes
    }
}

impl MediumJudge {
    /// Keeps the file's name (in the incident) or its content, sealed for
    /// the organisation's keys, under the shadow directory.
    fn shadow(&self, f: &Written<'_>, shadow: cordon_policy::model::Shadow) -> EndpointStep {
        let at = Utc::now().timestamp_millis();
        let (text, kept) = match shadow {
            cordon_policy::model::Shadow::Content => match self.keep_content(f) {
                Ok(r) => (
                    format!("Content shadowed, encrypted ({} bytes sealed)", r.bytes),
                    Some(r),
                ),
                Err(e) => {
                    tracing::warn!(file = %self.display(f.path), "content not shadowed: {e}");
                    (format!("Content could not be shadowed: {e}"), None)
                }
            },
            _ => ("File name shadowed".to_owned(), None),
        };
        EndpointStep {
            at,
            kind: "shadowed".into(),
            text,
            shadow: kept,
        }
    }

    fn keep_content(&self, f: &Written<'_>) -> Result<cordon_record::ShadowRef, String> {
        let store = self.shadows.as_ref().ok_or("no shadow directory")?;
        let policy = (self.policy)().ok_or("no policy")?;
        let content = policy.content.as_ref().ok_or("no removableMedia section")?;
        let seal = content
            .org_seal()
            .ok_or("no recipient to encrypt shadow copies for")?;
        let mut src = std::fs::File::open(f.staged).map_err(|e| e.to_string())?;
        store
            .keep(&mut src, f.size, seal.as_ref())
            .map_err(|e| e.to_string())
    }

    /// A write that broke no rule but is shadowed: a log-only record.
    fn record_shadow(&self, f: &Written<'_>, p: &Pending) {
        let Some(da) = p.access.clone() else { return };
        let v = Violation {
            rule: "device-control:shadow".into(),
            name: Some("Shadow copy".into()),
            kind: RuleKind::DeviceControl,
            mode: cordon_policy::model::Mode::Permissive,
            enforced: false,
            verdict: Verdict::Allow,
            message: None,
        };
        self.record_file(f, Some(da), Verdict::Allow, v, &p.steps);
    }

    fn quota_reached(
        &self,
        writer: Writer,
        user: &str,
        message: &str,
        out: cordon_devctl::DeviceOutcome,
    ) {
        let da = device_access(
            user,
            &[],
            &self.computer,
            &self.device,
            DeviceOperation::Write,
        );
        let (event, mut decision) = crate::policy::incident_decision(user, da, &out, false);
        decision.message = Some(message.to_owned());
        let steps = [EndpointStep {
            at: Utc::now().timestamp_millis(),
            kind: "quota".into(),
            text: format!("Quota reached: {message}"),
            shadow: None,
        }];
        self.spool_one(&event, &decision, &steps);
        self.tell(writer.uid, "Cordon: copy quota reached", message.to_owned());
    }

    fn record_failure(&self, f: &Written<'_>, error: &str, steps: &[EndpointStep]) {
        let v = Violation {
            rule: "agent:write-failed".into(),
            name: None,
            kind: RuleKind::Builtin,
            mode: cordon_policy::model::Mode::Enforce,
            enforced: true,
            verdict: Verdict::Deny,
            message: Some(error.to_owned()),
        };
        self.record_file(f, None, Verdict::Deny, v, steps);
    }

    /// Spools the record of one written file: a `copy_to_device` event by
    /// its writer, one violation, and what the endpoint did.
    fn record_file(
        &self,
        f: &Written<'_>,
        device: Option<cordon_policy::model::DeviceAccess>,
        verdict: Verdict,
        violation: Violation,
        steps: &[EndpointStep],
    ) {
        let (user, groups) = crate::host::user_of(f.writer.uid);
        let file = FileInfo {
            path: Some(self.display(f.path)),
            size: Some(f.size),
            file_type: device.as_ref().and_then(|d| d.file_type.clone()),
            ..FileInfo::default()
        };
        let event = user_event(Action::CopyToDevice, user, groups, file, device);
        let mut decision = Decision::new(verdict);
        decision.violations.push(violation);
        self.spool_one(&event, &decision, steps);
    }

    fn spool_one(&self, event: &Event, decision: &Decision, steps: &[EndpointStep]) {
        spool_record(&self.spool, event, decision, steps);
    }
}

/// An event by a medium's user (`user`, of `groups`) on `file`, through
/// `device` as device control saw it.
fn user_event(
    action: Action,
    user: String,
    groups: Vec<String>,
    file: FileInfo,
    device: Option<cordon_policy::model::DeviceAccess>,
) -> Event {
    let mut event = Event::new(action);
    event.user = Some(User {
        username: Some(user),
        groups,
        ..User::default()
    });
    event.file = Some(file);
    event.device = device;
    event
}

/// Spools an incident the agent made on its own: the event, the decision
/// and what the endpoint did.
fn spool_record(spool: &Mutex<Spool>, event: &Event, decision: &Decision, steps: &[EndpointStep]) {
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    let views = IncidentBuilder::new(event, decision, &request_id, Utc::now().timestamp_millis())
        .caller("agent")
        .endpoint(steps)
        .build();
    if let Err(e) = lock(spool).push_all(&views) {
        tracing::error!("cannot spool an incident: {e}");
    }
}

/// What a justification does (`cordon agent justify`): opens the policy
/// engine's exception window for the request's keys and records an
/// incident whose history says who justified it, why, and until when.
/// The open windows are saved in `state_dir`, so a restart keeps them.
pub fn justifier(
    policy: PolicySource,
    spool: Arc<Mutex<Spool>>,
    state_dir: PathBuf,
) -> crate::control::Justifier {
    // One save at a time, so the file holds the latest list.
    let saving = Mutex::new(());
    Arc::new(move |asked: &crate::control::Asked, text: &str| {
        let policy = policy().ok_or("no policy is in force")?;
        let content = policy
            .content
            .as_ref()
            .filter(|c| c.engine.is_some())
            .ok_or("the policy in force no longer inspects removable media")?;
        let engine = content
            .engine
            .as_ref()
            .ok_or("the policy in force no longer inspects removable media")?;
        let j = engine.justify(&asked.request, text, Some(asked.user.clone()), Utc::now());
        {
            let _one = lock(&saving);
            if let Err(e) = content.save_justifications(&state_dir, j.at) {
                // The window is open now; only a restart would forget it.
                tracing::warn!("cannot save the justification windows: {e}");
            }
        }
        let secs = (j.until - j.at).num_seconds();
        let mut decision = Decision::new(Verdict::Allow);
        for rule in &asked.request.rules {
            decision.violations.push(Violation {
                rule: rule.clone(),
                name: None,
                kind: RuleKind::DataFlow,
                mode: cordon_policy::model::Mode::Enforce,
                enforced: false,
                verdict: Verdict::Allow,
                message: Some("allowed with a business justification".into()),
            });
        }
        let steps = [EndpointStep {
            at: j.at.timestamp_millis(),
            kind: "justified".into(),
            text: format!(
                "Justified by {}: \"{text}\"; the same copy is allowed until {}",
                asked.user,
                j.until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            shadow: None,
        }];
        spool_record(&spool, &asked.event, &decision, &steps);
        tracing::info!(user = %asked.user, file = %asked.file, rules = ?asked.request.rules, "copy justified");
        Ok(format!(
            "justified: copy {} to {} again within {secs} s",
            asked.file, asked.device
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cordon_policy::model::FlowKey;

    fn content(window: u64) -> Content {
        let key = age::x25519::Identity::generate().to_public().to_string();
        let doc = serde_json::json!({
            "id": "usb", "exceptionWindow": window, "rules": [],
            "flows": [{"id": "cards", "category": "PCI", "senders": ["*"],
                       "recipients": ["device:external_storage"], "permission": "exception"}],
            "removableMedia": {"recipients": [key]},
        });
        Content::from_document(&doc.to_string()).unwrap().unwrap()
    }

    /// A judge for a USB stick under a policy whose `encrypt-me` rule
    /// seals files saying "Encrypt me", with `removableMedia` extended by
    /// `media`.
    fn stick_judge(
        media: serde_json::Value,
        passphrases: crate::passphrase::SharedPassphrases,
        spool_dir: &Path,
    ) -> (MediumJudge, Arc<Mutex<Spool>>) {
        let mut removable = serde_json::json!({
            "detectors": [{"id": "encrypt_me", "category": "CONFIDENTIAL", "keywords": ["Encrypt me"]}]
        });
        for (k, v) in media.as_object().unwrap() {
            removable[k] = v.clone();
        }
        let doc = serde_json::json!({
            "id": "usb",
            "rules": [{"id": "encrypt-me", "userActions": ["copy_to_device"], "effect": "deny",
                       "actions": ["encrypt"], "expression": "_file.count('encrypt_me', 'low') > 0"}],
            "deviceControl": {"policies": [{"id": "1", "name": "USB", "who": {"sids": ["S-1-1-0"]},
                "devices": {"types": [{"class": "3"}]}, "how": {"priority": "10"},
                "what": {"access": {"granted": ["Read", "Write"]}}, "when": {"permanent": "always"}}]},
            "removableMedia": removable,
        });
        let payload = cordon_bundle::Payload {
            group: "g".into(),
            policy_id: "usb".into(),
            policy_version: 1,
            serial: 1,
            issued_at: 0,
            format: "json".into(),
            body: doc.to_string(),
            next_key: None,
        };
        let policy = Arc::new(Policy::from_payload(&payload).unwrap());
        let spool = Arc::new(Mutex::new(Spool::open(spool_dir, 1 << 20).unwrap()));
        let device = DeviceInfo {
            class: Some("3".into()),
            bus: Some("USB".into()),
            disk: Some("Removable".into()),
            ..DeviceInfo::default()
        };
        let judge = MediumJudge::new(
            Arc::new(move || Some(policy.clone())),
            device,
            "stick".into(),
            "/media/stick".into(),
            Computer::default(),
            spool.clone(),
            None,
            Arc::default(),
        )
        .with_passphrases(passphrases);
        (judge, spool)
    }

    /// Judges `text` written as `doc.txt` by `uid`, then reports `Sealed`
    /// or `Blocked` as the gate would.
    fn write(judge: &MediumJudge, dir: &Path, uid: u32, text: &[u8]) -> (Outcome, Vec<u8>) {
        let staged = dir.join("staged");
        std::fs::write(&staged, text).unwrap();
        let w = Written {
            path: Path::new("doc.txt"),
            staged: &staged,
            size: text.len() as u64,
            writer: cordon_medium::Writer {
                uid,
                gid: uid,
                pid: 1,
            },
            replaces: false,
        };
        let outcome = judge.judge(&w);
        let mut sealed = Vec::new();
        let what = match &outcome {
            Outcome::Seal(s) => {
                s.seal(&mut &text[..], &mut sealed).unwrap();
                Settled::Sealed
            }
            Outcome::Block { message } => Settled::Blocked {
                message: message.clone(),
            },
            Outcome::Release => Settled::Released,
        };
        judge.settled(&w, &what);
        (outcome, sealed)
    }

    fn history(spool: &Mutex<Spool>) -> String {
        let (all, _) = lock(spool).peek(100);
        serde_json::to_string(&all).unwrap()
    }

    #[test]
    fn a_file_sealed_for_a_user_with_a_passphrase_opens_with_it_and_not_with_the_org_key() {
        let dir = tempfile::tempdir().unwrap();
        let org = age::x25519::Identity::generate();
        let org_secret = {
            use age::secrecy::ExposeSecret as _;
            org.to_string().expose_secret().to_owned()
        };
        let org_ids = cordon_seal::Identities::from_str(&org_secret).unwrap();
        let passphrases = Arc::new(crate::passphrase::Passphrases::with_work_factor(10));
        let (judge, spool) = stick_judge(
            serde_json::json!({"recipients": [org.to_public().to_string()], "passphrase": "prompt"}),
            passphrases.clone(),
            &dir.path().join("spool"),
        );
        let text = b"Encrypt me: the quarterly figures\n";
        let (alice, bob) = (4242, 4343);
        passphrases
            .set(
                alice,
                crate::passphrase::Secret::new("alice's own words".into()),
                std::time::Duration::from_secs(600),
            )
            .unwrap();

        // Alice gave a passphrase: her file is sealed with it alone.
        let (outcome, sealed) = write(&judge, dir.path(), alice, text);
        assert!(
            matches!(&outcome, Outcome::Seal(s) if s.describe().contains("passphrase")),
            "{outcome:?}"
        );
        let mut plain = Vec::new();
        cordon_seal::unseal(
            &cordon_seal::Identities::passphrase("alice's own words"),
            &sealed[..],
            &mut plain,
        )
        .unwrap();
        assert_eq!(plain, text);
        assert!(
            cordon_seal::unseal(&org_ids, &sealed[..], &mut Vec::new()).is_err(),
            "the organisation's key must not open a passphrase-sealed file"
        );
        assert!(
            cordon_seal::unseal(
                &cordon_seal::Identities::passphrase("someone else's words"),
                &sealed[..],
                &mut Vec::new()
            )
            .is_err()
        );
        let h = history(&spool);
        assert!(
            h.contains("File is encrypted with the user's passphrase"),
            "{h}"
        );
        assert!(!h.contains("alice's own words"), "{h}");

        // Bob gave none: his file is sealed for the organisation's key.
        let (outcome, sealed) = write(&judge, dir.path(), bob, text);
        assert!(
            matches!(&outcome, Outcome::Seal(s) if !s.describe().contains("passphrase")),
            "{outcome:?}"
        );
        let mut plain = Vec::new();
        cordon_seal::unseal(&org_ids, &sealed[..], &mut plain).unwrap();
        assert_eq!(plain, text);

        // Alice forgets hers: back to the organisation's key.
        assert!(passphrases.forget(alice));
        let (_, sealed) = write(&judge, dir.path(), alice, text);
        assert!(cordon_seal::unseal(&org_ids, &sealed[..], &mut Vec::new()).is_ok());
    }

    #[test]
    fn without_a_passphrase_or_a_key_the_write_is_refused_and_off_ignores_passphrases() {
        let dir = tempfile::tempdir().unwrap();
        let passphrases = Arc::new(crate::passphrase::Passphrases::with_work_factor(2));
        let (judge, _spool) = stick_judge(
            serde_json::json!({"passphrase": "prompt"}),
            passphrases.clone(),
            &dir.path().join("spool"),
        );
        let (outcome, _) = write(&judge, dir.path(), 4242, b"Encrypt me");
        match outcome {
            Outcome::Block { message } => {
                assert!(message.contains("cordon agent passphrase"), "{message}")
            }
            o => panic!("{o:?}"),
        }
        // A benign file is written in clear, passphrase or not.
        let (outcome, _) = write(&judge, dir.path(), 4242, b"lunch menu");
        assert!(matches!(outcome, Outcome::Release), "{outcome:?}");

        // `passphrase: off`: a passphrase a user gave is not used.
        let org = age::x25519::Identity::generate();
        let (judge, spool) = stick_judge(
            serde_json::json!({"recipients": [org.to_public().to_string()]}),
            passphrases.clone(),
            &dir.path().join("spool2"),
        );
        passphrases
            .set(
                4242,
                crate::passphrase::Secret::new("not to be used".into()),
                std::time::Duration::from_secs(600),
            )
            .unwrap();
        let (outcome, _) = write(&judge, dir.path(), 4242, b"Encrypt me");
        assert!(
            matches!(&outcome, Outcome::Seal(s) if !s.describe().contains("passphrase")),
            "{outcome:?}"
        );
        assert!(!history(&spool).contains("passphrase"));
    }

    #[test]
    fn open_justifications_outlive_a_new_policy_and_closed_ones_do_not() {
        let old = content(300);
        let engine = old.engine.as_ref().unwrap();
        let now = Utc::now();
        let key = |c: cordon_policy::model::Category| FlowKey {
            sender: "dave".into(),
            recipient: "device:external_storage".into(),
            category: c,
        };
        let req = |c| cordon_policy::model::ExceptionRequest {
            keys: vec![key(c)],
            rules: vec!["cards".into()],
        };
        engine.justify(
            &req(cordon_policy::model::Category::Pci),
            "audit",
            Some("dave".into()),
            now - chrono::Duration::seconds(60),
        );
        engine.justify(
            &req(cordon_policy::model::Category::Pii),
            "old",
            Some("dave".into()),
            now - chrono::Duration::seconds(400),
        );
        // The new policy keeps windows for 120 s: the open one runs on
        // from when it was given.
        let new = content(120);
        assert_eq!(new.carry_justifications(&old, now), 1);
        let kept = new.engine.as_ref().unwrap().justifications();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].text, "audit");
        assert_eq!(kept[0].keys, vec![key(cordon_policy::model::Category::Pci)]);
        assert_eq!((kept[0].until - kept[0].at).num_seconds(), 120);
        assert!(kept[0].until > now);
    }

    #[test]
    fn open_justifications_survive_a_restart_and_a_bad_file_opens_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let before = content(300);
        let engine = before.engine.as_ref().unwrap();
        let now = Utc::now();
        let req = |sender: &str| cordon_policy::model::ExceptionRequest {
            keys: vec![FlowKey {
                sender: sender.into(),
                recipient: "device:external_storage".into(),
                category: cordon_policy::model::Category::Pci,
            }],
            rules: vec!["cards".into()],
        };
        engine.justify(
            &req("erin"),
            "settlement",
            Some("erin".into()),
            now - chrono::Duration::seconds(30),
        );
        before.save_justifications(dir.path(), now).unwrap();
        let saved = dir.path().join(JUSTIFICATIONS);
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777,
            0o600
        );

        // A restarted agent: same policy, a fresh engine.
        let after = content(300);
        assert_eq!(after.restore_justifications(dir.path(), now).unwrap(), 1);
        let kept = after.engine.as_ref().unwrap().justifications();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].text, "settlement");
        assert_eq!(kept[0].user.as_deref(), Some("erin"));
        // Restarted after the window closed: nothing reopened.
        let late = content(300);
        assert_eq!(
            late.restore_justifications(dir.path(), now + chrono::Duration::seconds(300))
                .unwrap(),
            0
        );
        assert!(late.engine.as_ref().unwrap().justifications().is_empty());

        // No file: none. A damaged or oversized file: an error naming it,
        // and nothing opened.
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(
            content(300)
                .restore_justifications(empty.path(), now)
                .unwrap(),
            0
        );
        std::fs::write(&saved, b"[{\"at\": 3").unwrap();
        let fresh = content(300);
        let err = fresh.restore_justifications(dir.path(), now).unwrap_err();
        assert!(
            err.contains("justifications.json") && err.contains("not a list"),
            "{err}"
        );
        assert!(fresh.engine.as_ref().unwrap().justifications().is_empty());
        std::fs::write(&saved, vec![b' '; (MAX_JUSTIFICATIONS_BYTES + 1) as usize]).unwrap();
        let err = content(300)
            .restore_justifications(dir.path(), now)
            .unwrap_err();
        assert!(err.contains("larger than"), "{err}");
    }
}
