//! The engine: one decision per event from all rule kinds.
//!
//! How the kinds combine (documented in `docs/policy.md`):
//!
//! 1. expression rules run the FileCloud algorithm and say `deny` (an
//!    enforced violation) or `allow`; no say when no rule exists for the
//!    action;
//! 2. data-flow rules say, per category of the file, `allow`, `exception`
//!    or `deny` (open exception windows turn `exception` into `allow`);
//!    the most restrictive category wins; no say without categories,
//!    recipients or applicable rules;
//! 3. each [`RuleSource`](crate::source::RuleSource) (device control) says what it says;
//! 4. content that was not fully inspected (the event's `file.incomplete`)
//!    is denied by the built-in rule `cordon:incomplete-content`, unless
//!    the policy says `incompleteContent: decide`;
//! 5. the decision is the most restrictive say; with none, the policy's
//!    `default` (allow unless set). Everything else (violations, actions,
//!    trace) is the union.
//!
//! In observation mode nothing is blocked: the decision is `allow`, the
//! enforcement verdict is reported in `observation.wouldBe`, and flows
//! no explicit data-flow rule covers are added to a baseline policy.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::document::{
    FlowDefaultSpec, FlowSpec, IncompleteContent, ObservationMode, PolicyDocument, PolicyMode,
    PolicySet,
};
use crate::expr::Env;
use crate::flow::{Permission, flow_keys, identity_key};
use crate::geoip::GeoIp;
use crate::model::{
    ActionKind, Decision, Event, ExceptionRequest, FlowKey, INCOMPLETE_CONTENT_RULE,
    IncompletePart, Mode, Observation, RuleAction, RuleKind, RuleRef, TraceEntry, Verdict,
    Violation,
};
use crate::source::{EvalContext, SourceOutcome};

/// Where the engine gets the time from; injectable so tests don't sleep.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock {
    millis: AtomicI64,
}

impl ManualClock {
    pub fn new(t: DateTime<Utc>) -> ManualClock {
        ManualClock {
            millis: AtomicI64::new(t.timestamp_millis()),
        }
    }

    pub fn advance(&self, d: std::time::Duration) {
        let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        self.millis.fetch_add(ms, Ordering::SeqCst);
    }

    pub fn set(&self, t: DateTime<Utc>) {
        self.millis.store(t.timestamp_millis(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.millis.load(Ordering::SeqCst)).unwrap_or_default()
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

/// A kept business justification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Justification {
    pub at: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    pub keys: Vec<FlowKey>,
    pub rules: Vec<String>,
}

#[derive(Debug, Default)]
struct Exceptions {
    open: HashMap<FlowKey, DateTime<Utc>>,
    log: Vec<Justification>,
}

/// The baseline a policy in observation mode builds.
#[derive(Debug, Default)]
struct Baseline {
    /// (category, sender key, recipient key) → rule.
    rules: BTreeMap<(String, String, String), FlowSpec>,
}

/// Folds one source's outcome into the decision whose verdict is already
/// set: a source whose say is the decision determines it; a source whose
/// say lost has no enforced violations.
fn absorb(d: &mut Decision, o: SourceOutcome) {
    let decisive = o.verdict == Some(d.decision);
    if decisive {
        for r in o.determined_by {
            if !d.determined_by.contains(&r) {
                d.determined_by.push(r);
            }
        }
        if d.message.is_none() && d.decision != Verdict::Allow {
            d.message = o.message;
        }
    }
    if decisive || o.verdict.is_none() {
        append(&mut d.violations, o.violations);
    } else {
        d.violations.extend(o.violations.into_iter().map(|mut v| {
            v.enforced = false;
            v
        }));
    }
    append(&mut d.actions, o.actions);
    append(&mut d.trace, o.trace);
    append(&mut d.errors, o.errors);
    if o.device.is_some() {
        d.device = o.device;
    }
}

/// `dst.extend(src)` without moving elements when `dst` is empty.
fn append<T>(dst: &mut Vec<T>, src: Vec<T>) {
    if dst.is_empty() {
        *dst = src;
    } else {
        dst.extend(src);
    }
}

/// How many parts not fully inspected a message names.
const NAMED_PARTS: usize = 3;

/// "`a.zip/x.docx` (encrypted), the file (over the size limit) and 2 more".
fn describe_incomplete(parts: &[IncompletePart]) -> String {
    let mut named: Vec<String> = parts
        .iter()
        .take(NAMED_PARTS)
        .map(|p| {
            let at = if p.location.is_empty() {
                "the file".to_string()
            } else {
                format!("`{}`", p.location)
            };
            format!("{at} ({})", p.reason)
        })
        .collect();
    if parts.len() > NAMED_PARTS {
        named.push(format!("{} more", parts.len() - NAMED_PARTS));
    }
    named.join(", ")
}

/// The built-in rule's say on content that was not fully inspected:
/// `None` when the file was fully inspected (or there is no file).
fn incomplete(event: &Event, setting: IncompleteContent) -> Option<SourceOutcome> {
    let parts = &event.file.as_ref()?.incomplete;
    if parts.is_empty() {
        return None;
    }
    let what = describe_incomplete(parts);
    let rule = || INCOMPLETE_CONTENT_RULE.to_string();
    let mut o = SourceOutcome::default();
    if setting == IncompleteContent::Decide {
        o.trace.push(TraceEntry {
            rule: rule(),
            kind: RuleKind::Builtin,
            matched: false,
            verdict: None,
            reason: format!(
                "not fully inspected: {what}; the policy's rules decide (`incompleteContent: decide`)"
            ),
        });
        return Some(o);
    }
    let message = format!("the content could not be fully inspected: {what}");
    o.verdict = Some(Verdict::Deny);
    o.determined_by.push(RuleRef {
        id: rule(),
        kind: RuleKind::Builtin,
    });
    o.violations.push(Violation {
        rule: rule(),
        name: Some("Content not fully inspected".to_owned()),
        kind: RuleKind::Builtin,
        mode: Mode::Enforce,
        enforced: true,
        verdict: Verdict::Deny,
        message: Some(message.clone()),
    });
    o.actions.push(RuleAction {
        action: ActionKind::Log,
        rule: rule(),
        message: None,
        shadow: None,
    });
    o.trace.push(TraceEntry {
        rule: rule(),
        kind: RuleKind::Builtin,
        matched: true,
        verdict: Some(Verdict::Deny),
        reason: format!(
            "not fully inspected: {what}; content that could not be read is never decided as clean (`incompleteContent: deny`, the default)"
        ),
    });
    o.message = Some(message);
    Some(o)
}

/// The decision engine for one policy set.
pub struct Engine {
    set: PolicySet,
    geoip: Option<GeoIp>,
    clock: Box<dyn Clock>,
    exceptions: Mutex<Exceptions>,
    baseline: Mutex<Baseline>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("policy", &self.set.doc.id)
            .finish_non_exhaustive()
    }
}

/// The acting user's groups: its senders are in them too (`group:`
/// patterns of data-flow rules).
fn user_groups(event: &Event) -> &[String] {
    event.user.as_ref().map_or(&[], |u| u.groups.as_slice())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Engine {
    pub fn new(set: PolicySet) -> Engine {
        Engine {
            set,
            geoip: None,
            clock: Box::new(SystemClock),
            exceptions: Mutex::new(Exceptions::default()),
            baseline: Mutex::new(Baseline::default()),
        }
    }

    pub fn with_geoip(mut self, g: GeoIp) -> Engine {
        self.geoip = Some(g);
        self
    }

    pub fn with_clock(mut self, c: impl Clock + 'static) -> Engine {
        self.clock = Box::new(c);
        self
    }

    pub fn policy(&self) -> &PolicySet {
        &self.set
    }

    /// Decides an event.
    pub fn decide(&self, event: &Event) -> Decision {
        self.decide_with(event, None)
    }

    /// Decides an event submitted with a business justification: if the
    /// decision would be `exception`, the justification is kept, opens
    /// the exception window for the flow's (sender, recipient, category)
    /// keys and the event is allowed.
    pub fn decide_with(&self, event: &Event, justification: Option<&str>) -> Decision {
        let now = self.clock.now();
        let at = event.time.unwrap_or(now);
        let mut d = self.enforce(event, at);
        if d.decision == Verdict::Exception
            && let Some(text) = justification
            && let Some(req) = d.exception.clone()
        {
            self.justify(
                &req,
                text,
                event.user.as_ref().and_then(|u| u.username.clone()),
                at,
            );
            d = self.enforce(event, at);
            d.trace.push(TraceEntry {
                rule: req.rules.join(","),
                kind: RuleKind::DataFlow,
                matched: true,
                verdict: Some(Verdict::Allow),
                reason: format!(
                    "justification submitted: exception window open for {} s",
                    self.set.exception_window.as_secs()
                ),
            });
        }
        if self.set.doc.mode == PolicyMode::Observe {
            self.observe(event, &mut d, justification);
        }
        d.event = event.id.clone();
        d
    }

    /// Keeps a justification and opens the window for its keys.
    pub fn justify(
        &self,
        req: &ExceptionRequest,
        text: &str,
        user: Option<String>,
        at: DateTime<Utc>,
    ) -> Justification {
        let window = chrono::Duration::from_std(self.set.exception_window)
            .unwrap_or(chrono::Duration::seconds(300));
        let until = at + window;
        let j = Justification {
            at,
            until,
            text: text.to_string(),
            user,
            keys: req.keys.clone(),
            rules: req.rules.clone(),
        };
        let mut ex = lock(&self.exceptions);
        // forget windows that have closed, so the table and the log stay small
        ex.open.retain(|_, until| at < *until);
        ex.log.retain(|kept| at < kept.until);
        for k in &req.keys {
            ex.open.insert(k.clone(), until);
        }
        ex.log.push(j.clone());
        j
    }

    /// The justifications kept: every one whose window was still open
    /// when the latest was given (closed ones are forgotten then).
    pub fn justifications(&self) -> Vec<Justification> {
        lock(&self.exceptions).log.clone()
    }

    fn window_open(&self, key: &FlowKey, at: DateTime<Utc>) -> bool {
        lock(&self.exceptions)
            .open
            .get(key)
            .is_some_and(|until| at < *until)
    }

    /// The enforcement decision.
    fn enforce(&self, event: &Event, at: DateTime<Utc>) -> Decision {
        let set = &self.set;
        let mut d = Decision::new(set.default);
        if !set.doc.enabled {
            d.trace.push(TraceEntry {
                rule: set.doc.id.clone(),
                kind: RuleKind::Expression,
                matched: false,
                verdict: None,
                reason: "the policy is disabled".into(),
            });
            return d;
        }
        let env = Env::new(event, self.geoip.as_ref(), &set.internal);

        // 1. expression rules
        let mut eo = SourceOutcome::default();
        set.expr.evaluate(&env, &mut eo);

        // 2. data-flow rules
        let mut fo = SourceOutcome::default();
        if let Some(c) = event.classification()
            && !event.recipients.is_empty()
            && !set.flows.is_empty()
        {
            self.flows(event, c, at, &mut fo, &mut d);
        }

        // 3. other sources
        let mut others: Vec<SourceOutcome> = Vec::new();
        if !set.sources.is_empty() {
            let ctx = EvalContext { now: at };
            for s in &set.sources {
                if s.applies_to(event.action) {
                    others.push(s.evaluate(event, &ctx));
                }
            }
        }

        // 4. content that was not fully inspected
        if let Some(o) = incomplete(event, set.doc.incomplete_content.unwrap_or_default()) {
            others.push(o);
        }

        // 5. combine: the most restrictive say wins
        let overall = [eo.verdict, fo.verdict]
            .into_iter()
            .chain(others.iter().map(|o| o.verdict))
            .flatten()
            .max();
        d.decision = overall.unwrap_or(set.default);
        if overall.is_none() {
            d.trace.push(TraceEntry {
                rule: set.doc.id.clone(),
                kind: RuleKind::Expression,
                matched: false,
                verdict: Some(set.default),
                reason: format!("no rule applies: the policy's default ({})", set.default),
            });
        }
        for o in [eo, fo].into_iter().chain(others) {
            absorb(&mut d, o);
        }
        if d.decision != Verdict::Exception {
            d.exception = None;
        }
        d
    }

    /// Data-flow rules for an event with a classification and recipients.
    fn flows(
        &self,
        event: &Event,
        c: &crate::model::Classification,
        at: DateTime<Utc>,
        fo: &mut SourceOutcome,
        d: &mut Decision,
    ) {
        let set = &self.set;
        let flow = set.flows.evaluate(
            c.categories.iter().copied(),
            &event.sender,
            &event.recipients,
            &set.internal,
            user_groups(event),
        );
        if flow.categories.is_empty() {
            return;
        }
        let mut pending = Vec::new();
        let mut pending_rules = Vec::new();
        let verdicts: Vec<Verdict> = flow
            .categories
            .iter()
            .map(|co| {
                if co.verdict != Verdict::Exception {
                    return co.verdict;
                }
                let keys = flow_keys(&event.sender, &event.recipients, co.category);
                if keys.iter().all(|k| self.window_open(k, at)) {
                    Verdict::Allow
                } else {
                    for i in &co.winners {
                        if let Some(r) = set.flows.rule(*i) {
                            pending_rules.push(r.id.clone());
                        }
                    }
                    pending.extend(keys);
                    Verdict::Exception
                }
            })
            .collect();
        let overall = verdicts.iter().copied().max().unwrap_or(Verdict::Allow);
        set.flows.report(&flow, &verdicts, overall, fo);
        fo.verdict = Some(overall);
        if overall == Verdict::Exception {
            fo.message
                .get_or_insert_with(|| "this transfer needs a business justification".into());
            d.exception = Some(ExceptionRequest {
                keys: pending,
                rules: pending_rules,
            });
        }
    }

    /// Observation mode: allow, report, and grow the baseline.
    fn observe(&self, event: &Event, d: &mut Decision, justification: Option<&str>) {
        let would_be = d.decision;
        let mode = self.set.doc.observation.unwrap_or_default();
        let mut new_rules = Vec::new();
        let mut justification_required = false;
        if let Some(c) = event.classification()
            && !event.recipients.is_empty()
        {
            let internal_flow = event
                .recipients
                .iter()
                .all(|r| self.set.internal.is_internal(r));
            let justify = match mode {
                ObservationMode::AllowAll => false,
                ObservationMode::JustifyAll => true,
                ObservationMode::Mixed => !internal_flow,
            };
            let flow = self.set.flows.evaluate(
                c.categories.iter().copied(),
                &event.sender,
                &event.recipients,
                &self.set.internal,
                user_groups(event),
            );
            let mut base = lock(&self.baseline);
            for cat in &c.categories {
                let covered = flow
                    .categories
                    .iter()
                    .any(|co| co.category == *cat && !co.explicit.is_empty());
                if covered {
                    continue;
                }
                justification_required |= justify;
                let senders: Vec<String> = if event.sender.is_empty() {
                    vec!["*".into()]
                } else {
                    event.sender.iter().map(identity_key).collect()
                };
                for s in &senders {
                    for r in &event.recipients {
                        let rk = identity_key(r);
                        let key = (cat.as_str().to_string(), s.clone(), rk.clone());
                        let (permission, description) = match (justify, justification) {
                            (false, _) => (Permission::Allow, "observed flow".to_string()),
                            (true, Some(t)) => {
                                (Permission::Allow, format!("observed flow, justified: {t}"))
                            }
                            (true, None) => (
                                Permission::Exception,
                                "observed flow, not justified yet".to_string(),
                            ),
                        };
                        let existing = base.rules.get(&key).map(|r| r.permission);
                        // a later justification upgrades a pending rule
                        if existing == Some(Permission::Allow)
                            || (existing.is_some() && permission != Permission::Allow)
                        {
                            continue;
                        }
                        let n = base.rules.len() + 1;
                        let id = match base.rules.get(&key) {
                            Some(r) => r.id.clone(),
                            None => format!("observed-{n}"),
                        };
                        new_rules.push(id.clone());
                        base.rules.insert(
                            key,
                            FlowSpec {
                                id,
                                name: None,
                                description: Some(description),
                                enabled: true,
                                category: cat.as_str().to_string(),
                                senders: vec![s.clone()],
                                recipients: vec![rk],
                                permission,
                                prioritized: false,
                                actions: vec![crate::model::ActionKind::Log],
                                message: None,
                            },
                        );
                    }
                }
            }
        }
        d.observation = Some(Observation {
            would_be,
            justification_required,
            new_rules,
        });
        if d.decision != Verdict::Allow {
            d.trace.push(TraceEntry {
                rule: self.set.doc.id.clone(),
                kind: RuleKind::DataFlow,
                matched: true,
                verdict: Some(Verdict::Allow),
                reason: format!("observation mode: would be {would_be}, nothing is blocked"),
            });
        }
        d.decision = Verdict::Allow;
        for v in &mut d.violations {
            v.enforced = false;
        }
        d.exception = None;
        d.determined_by
            .retain(|r: &RuleRef| r.kind != RuleKind::DataFlow || would_be == Verdict::Allow);
    }

    /// The baseline policy: the document's own rules plus one rule per
    /// observed uncovered flow, in enforce mode, with an Allow default for
    /// each category seen that has no default yet (to be reviewed: the
    /// seed says to make defaults Deny or Exception before enforcing).
    pub fn baseline(&self) -> PolicyDocument {
        let mut doc = self.set.doc.clone();
        let base = lock(&self.baseline);
        for r in base.rules.values() {
            doc.flows.push(r.clone());
            doc.flow_defaults
                .entry(r.category.clone())
                .or_insert_with(|| FlowDefaultSpec {
                    permission: Permission::Allow,
                    actions: vec![crate::model::ActionKind::Log],
                    message: Some("review: change to deny or exception before enforcing".into()),
                });
        }
        doc.mode = PolicyMode::Enforce;
        doc.observation = None;
        doc.tests.clear();
        doc.description = Some(format!(
            "baseline built in observation mode from policy `{}`: review every rule before enforcing",
            self.set.doc.id
        ));
        doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn the_engine_can_be_shared_between_threads() {
        assert_send_sync::<Engine>();
        assert_send_sync::<Decision>();
    }
}
