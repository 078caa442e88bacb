//! Expression rules and the FileCloud evaluation algorithm.
//!
//! 1. find all rules for the event's action;
//! 2. evaluate each rule's expression, in document order;
//! 3. a DENY rule whose expression holds, or an ALLOW rule whose expression
//!    does not hold ("negate the condition and change the action"), is a
//!    violation: in ENFORCE mode it blocks and stops the chain, in
//!    PERMISSIVE mode it is recorded and the chain goes on.
//!
//! An error while evaluating (a variable the event lacks, an unknown
//! country) counts as a violation too: evaluation never fails open.
//!
//! **Index.** Rules are bucketed per action; within an action, a DENY rule
//! whose expression has a *guard* — a condition that must hold for the
//! expression to hold, such as `_file.hasCategory('PCI')` or
//! `_user.inGroup('x')` in a conjunction — is reachable only through the
//! event's categories, detectors and groups. Thanks to three-valued
//! `and`/`or` ([`crate::expr::eval::eval_bool`]) a rule whose guard is
//! certainly false is certainly not violated, so skipping it changes
//! nothing; when the data a guard reads is missing from the event, the
//! guarded rules are evaluated anyway. ALLOW rules are never skipped: a
//! false ALLOW expression is itself a violation.

use rustc_hash::FxHashMap as HashMap;
use smallvec::SmallVec;

use crate::expr::ast::CmpOp;
use crate::expr::compile::{Const, Func, Node, Var};
use crate::expr::eval::{Env, Val, eval_bool, eval_var};
use crate::expr::{Effect, Expr};
use crate::model::{
    Action, ActionKind, CATEGORIES, Category, Mode, RuleAction, RuleKind, RuleRef, TraceEntry,
    Verdict, Violation, category_slot,
};
use crate::source::SourceOutcome;

/// One compiled expression rule.
#[derive(Debug, Clone)]
pub struct ExprRule {
    pub id: String,
    pub name: Option<String>,
    pub effect: Effect,
    pub mode: Mode,
    pub actions: Vec<Action>,
    pub expr: Expr,
    /// `expr` printed once, for trace entries.
    pub text: String,
    pub node: Node,
    pub message: Option<String>,
    /// Non-preventive actions on violation (a violation is always logged).
    pub tasks: Vec<ActionKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Category(Category),
    Group(Box<str>),
    Detector(Box<str>),
    /// A metadata attribute the event must carry.
    Meta(Box<str>),
}

impl Key {
    /// How few events have the key (higher: more selective). Groups and
    /// metadata attributes split users and files finely; detectors less;
    /// the five categories least.
    fn selectivity(&self) -> u8 {
        match self {
            Key::Group(_) => 4,
            Key::Meta(_) => 3,
            Key::Detector(_) => 2,
            Key::Category(_) => 1,
        }
    }
}

/// The worst (least selective) key of a guard decides how many events
/// reach the rule.
fn score(keys: &[Key]) -> (u8, usize) {
    let worst = keys.iter().map(Key::selectivity).min().unwrap_or(0);
    (worst, usize::MAX - keys.len())
}

#[derive(Debug, Default, Clone)]
struct ActionIndex {
    /// Rules evaluated for every event of the action.
    always: Vec<u32>,
    by_category: [Vec<u32>; CATEGORIES],
    by_group: HashMap<Box<str>, Vec<u32>>,
    by_detector: HashMap<Box<str>, Vec<u32>>,
    by_meta: HashMap<Box<str>, Vec<u32>>,
    /// Guarded rules that need file data / user data, evaluated when the
    /// event lacks that data.
    file_guarded: Vec<u32>,
    user_guarded: Vec<u32>,
    /// Whether any rule exists for the action.
    any: bool,
}

/// All expression rules of a policy set, indexed.
#[derive(Debug, Default, Clone)]
pub struct ExprRules {
    rules: Vec<ExprRule>,
    index: Vec<ActionIndex>,
}

/// A set of keys of which the event must have at least one for the node to
/// be true. `None`: no usable guard.
fn guard(node: &Node) -> Option<Vec<Key>> {
    match node {
        Node::Call(Func::FileHasCategory(cats)) => {
            Some(cats.iter().map(|c| Key::Category(*c)).collect())
        }
        Node::Call(Func::InGroup(g)) => Some(vec![Key::Group(g.to_ascii_lowercase().into())]),
        // a missing attribute (or missing metadata) makes these false
        Node::Call(
            Func::MetaExists(m) | Func::MetaWithValue(m, _) | Func::MetaWithCondition(m, _, _),
        ) => Some(vec![Key::Meta(m.clone())]),
        Node::Cmp(op, a, b) => {
            // count(...) >= n (n ≥ 1) or > n (n ≥ 0) needs a finding
            let (call, n, op) = match (&**a, &**b) {
                (Node::Call(f), Node::Const(Const::Num(n))) => (f, *n, *op),
                (Node::Const(Const::Num(n)), Node::Call(f)) => (f, *n, flip(*op)),
                _ => return None,
            };
            let needs_one = match op {
                CmpOp::Ge => n >= 1.0,
                CmpOp::Gt => n >= 0.0,
                CmpOp::Eq => n >= 1.0,
                _ => false,
            };
            if !needs_one {
                return None;
            }
            match call {
                Func::FileCount(d, _) => Some(vec![Key::Detector(d.clone())]),
                Func::FileCategoryCount(c, _) => Some(vec![Key::Category(*c)]),
                _ => None,
            }
        }
        // any term's guard guards the conjunction: take the best
        Node::And(terms) => terms
            .iter()
            .filter_map(guard)
            .fold(None, |best, g| match best {
                Some(b) if score(&b) >= score(&g) => Some(b),
                _ => Some(g),
            }),
        // a disjunction needs a guard on every term
        Node::Or(terms) => {
            let mut x = Vec::new();
            for t in terms.iter() {
                x.extend(guard(t)?);
            }
            Some(x)
        }
        _ => None,
    }
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Ge => CmpOp::Le,
        CmpOp::Le => CmpOp::Ge,
        o => o,
    }
}

impl ExprRules {
    pub fn new(rules: Vec<ExprRule>) -> ExprRules {
        let mut index = vec![ActionIndex::default(); Action::ALL.len()];
        for (i, r) in rules.iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            let g = if r.effect == Effect::Deny {
                guard(&r.node)
            } else {
                None
            };
            for a in &r.actions {
                let Some(ix) = index.get_mut(a.index()) else {
                    continue;
                };
                ix.any = true;
                match &g {
                    None => ix.always.push(id),
                    Some(keys) => {
                        let mut file = false;
                        let mut user = false;
                        for k in keys {
                            match k {
                                Key::Category(c) => {
                                    file = true;
                                    if let Some(v) = ix.by_category.get_mut(category_slot(*c)) {
                                        v.push(id);
                                    }
                                }
                                Key::Detector(d) => {
                                    file = true;
                                    ix.by_detector.entry(d.clone()).or_default().push(id);
                                }
                                Key::Meta(m) => {
                                    ix.by_meta.entry(m.clone()).or_default().push(id);
                                }
                                Key::Group(gr) => {
                                    user = true;
                                    ix.by_group.entry(gr.clone()).or_default().push(id);
                                }
                            }
                        }
                        if file {
                            ix.file_guarded.push(id);
                        }
                        if user {
                            ix.user_guarded.push(id);
                        }
                    }
                }
            }
        }
        ExprRules { rules, index }
    }

    pub fn rules(&self) -> &[ExprRule] {
        &self.rules
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn has_rules_for(&self, action: Action) -> bool {
        self.index.get(action.index()).is_some_and(|i| i.any)
    }

    /// The rules that can apply to the event, in document order.
    fn candidates(&self, env: &Env<'_>, out: &mut SmallVec<[u32; 32]>) {
        let ev = env.event;
        let Some(ix) = self.index.get(ev.action.index()) else {
            return;
        };
        out.extend_from_slice(&ix.always);
        match ev.file.as_ref() {
            None => out.extend_from_slice(&ix.file_guarded),
            Some(f) => {
                if let Some(c) = &f.classification {
                    for cat in &c.categories {
                        if let Some(v) = ix.by_category.get(category_slot(*cat)) {
                            out.extend_from_slice(v);
                        }
                    }
                    if !ix.by_detector.is_empty() {
                        for d in c.detectors.keys() {
                            if let Some(v) = ix.by_detector.get(d.as_str()) {
                                out.extend_from_slice(v);
                            }
                        }
                    }
                }
            }
        }
        if !ix.by_meta.is_empty()
            && let Some(md) = ev.metadata.as_ref()
        {
            for k in md.keys() {
                if let Some(v) = ix.by_meta.get(k.as_str()) {
                    out.extend_from_slice(v);
                }
            }
        }
        match ev.user.as_ref() {
            None => out.extend_from_slice(&ix.user_guarded),
            Some(u) if !ix.by_group.is_empty() => {
                let mut buf = String::new();
                for g in &u.groups {
                    // the index holds lower-case names; lower-case only
                    // when needed
                    let key = if g.bytes().any(|b| b.is_ascii_uppercase()) {
                        buf.clear();
                        buf.extend(g.chars().map(|c| c.to_ascii_lowercase()));
                        buf.as_str()
                    } else {
                        g.as_str()
                    };
                    if let Some(v) = ix.by_group.get(key) {
                        out.extend_from_slice(v);
                    }
                }
            }
            Some(_) => {}
        }
        out.sort_unstable();
        out.dedup();
    }

    /// Runs the FileCloud algorithm. `verdict` is `None` when no rule
    /// exists for the action.
    pub fn evaluate<'a>(&'a self, env: &Env<'a>, out: &mut SourceOutcome) {
        let action = env.event.action;
        if !self.has_rules_for(action) {
            return;
        }
        let mut cands = SmallVec::new();
        self.candidates(env, &mut cands);
        let mut verdict = Verdict::Allow;
        let mut allowed_by = Vec::new();
        for id in cands {
            let Some(rule) = self.rules.get(id as usize) else {
                continue;
            };
            let res = eval_bool(&rule.node, env);
            let violated = match (rule.effect, &res) {
                (Effect::Deny, Ok(held)) => *held,
                (Effect::Allow, Ok(held)) => !*held,
                (_, Err(_)) => true,
            };
            let matched = matches!(res, Ok(true));
            if !violated {
                // an ALLOW rule that held
                if rule.effect == Effect::Allow {
                    allowed_by.push(RuleRef {
                        id: rule.id.clone(),
                        kind: RuleKind::Expression,
                    });
                    out.trace.push(TraceEntry {
                        rule: rule.id.clone(),
                        kind: RuleKind::Expression,
                        matched: true,
                        verdict: Some(Verdict::Allow),
                        reason: format!("`{}` held", rule.text),
                    });
                }
                continue;
            }
            let enforced = rule.mode == Mode::Enforce;
            let reason = match &res {
                Err(e) => {
                    out.errors.push(format!("rule `{}`: {e}", rule.id));
                    format!(
                        "`{}` could not be evaluated ({e}); failing closed",
                        rule.expr
                    )
                }
                Ok(_) if rule.effect == Effect::Allow => explain(rule, env, "did not hold"),
                Ok(_) => explain(rule, env, "held"),
            };
            out.trace.push(TraceEntry {
                rule: rule.id.clone(),
                kind: RuleKind::Expression,
                matched,
                verdict: Some(if enforced {
                    Verdict::Deny
                } else {
                    Verdict::Allow
                }),
                reason,
            });
            out.violations.push(Violation {
                rule: rule.id.clone(),
                name: rule.name.clone(),
                kind: RuleKind::Expression,
                mode: rule.mode,
                enforced,
                verdict: Verdict::Deny,
                message: rule.message.clone(),
            });
            out.actions.push(RuleAction {
                action: ActionKind::Log,
                rule: rule.id.clone(),
                message: None,
                shadow: None,
            });
            for t in &rule.tasks {
                if *t == ActionKind::Log {
                    continue;
                }
                // the seed shows notifications only for blocked operations
                if *t == ActionKind::Notify && !enforced {
                    continue;
                }
                out.actions.push(RuleAction {
                    action: *t,
                    rule: rule.id.clone(),
                    message: if *t == ActionKind::Notify {
                        rule.message.clone()
                    } else {
                        None
                    },
                    shadow: None,
                });
            }
            if enforced {
                verdict = Verdict::Deny;
                out.determined_by = vec![RuleRef {
                    id: rule.id.clone(),
                    kind: RuleKind::Expression,
                }];
                out.message = rule.message.clone();
                break;
            }
        }
        if verdict == Verdict::Allow {
            out.determined_by = allowed_by;
        }
        out.verdict = Some(verdict);
    }
}

/// "`expr` held (with _request.remoteCountryCode = 'FR', …)".
pub fn explain<'a>(rule: &'a ExprRule, env: &Env<'a>, what: &str) -> String {
    let mut vals = Vec::new();
    collect_vars(&rule.node, env, &mut vals);
    if vals.is_empty() {
        format!("`{}` {what}", rule.text)
    } else {
        format!("`{}` {what} with {}", rule.text, vals.join(", "))
    }
}

fn show_var(v: Var, env: &Env<'_>, out: &mut Vec<String>) {
    let shown = match eval_var(v, env) {
        Ok(Val::Str(s)) => format!("'{s}'"),
        Ok(Val::Num(n)) => format!("{n}"),
        Ok(Val::Bool(b)) => format!("{b}"),
        Ok(Val::List(l)) => format!("{l:?}"),
        Ok(Val::Ip(ip)) => format!("'{ip}'"),
        Err(_) => "(unknown)".into(),
    };
    let s = format!("{} = {shown}", v.name());
    if !out.contains(&s) {
        out.push(s);
    }
}

fn collect_vars(node: &Node, env: &Env<'_>, out: &mut Vec<String>) {
    match node {
        Node::Var(v) => show_var(*v, env, out),
        Node::Call(f) => {
            let name = match f {
                Func::InIpv4Range(..) | Func::InCidr(..) => Some(Var::RemoteIp),
                Func::InGroup(_) => Some(Var::UserGroups),
                Func::EmailInDomain(_) => Some(Var::Email),
                Func::FilePathStartsWith(_)
                | Func::FilePathContains(_)
                | Func::FilePathMatches(_) => Some(Var::FilePath),
                Func::SharePathStartsWith(_)
                | Func::SharePathContains(_)
                | Func::SharePathMatches(_) => Some(Var::SharePath),
                Func::ShareHasUsersFromDomain(_) | Func::ShareOnlyUsersFromDomain(_) => {
                    Some(Var::ShareAllowedUsers)
                }
                _ => None,
            };
            if let Some(v) = name {
                show_var(v, env, out);
            }
        }
        Node::Not(a) => collect_vars(a, env, out),
        Node::And(terms) | Node::Or(terms) => {
            for t in terms.iter() {
                collect_vars(t, env, out);
            }
        }
        Node::Cmp(_, a, b) => {
            collect_vars(a, env, out);
            collect_vars(b, env, out);
        }
        Node::Const(_) => {}
    }
}
