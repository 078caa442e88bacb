//! Policy documents (YAML or JSON, one schema: `schemas/policy.schema.json`)
//! and loading them into a checked [`PolicySet`].
//!
//! Loading never half-succeeds: a document with any error gives no policy
//! set, only diagnostics, so a policy that does not check never takes
//! effect.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Span};
use crate::expr::{self, Effect};
use crate::flow::{FlowRule, IdPattern};
pub use crate::flow::{FlowRules, Permission};
use crate::internal::Internal;
pub use crate::internal::InternalSpec;
use crate::model::{Action, ActionKind, Category, Event, Mode, Verdict};
use crate::nesting;
pub use crate::nesting::{MAX_DOC_BYTES, MAX_DOC_DEPTH};
use crate::rules::ExprRule;
pub use crate::rules::ExprRules;
use crate::source::{RuleSource, SourceLoader};

fn yes() -> bool {
    true
}

/// A policy document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyDocument {
    #[serde(default, rename = "$schema", skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Content version of the policy, e.g. `3` or `2024-06-01`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Version>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Verdict when no rule has a say. Default: allow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Verdict>,
    /// What happens to content that was not fully inspected
    /// (`_file.incomplete`). Default: deny.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete_content: Option<IncompleteContent>,
    #[serde(default)]
    pub mode: PolicyMode,
    /// Observation option (with `mode: observe`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observation: Option<ObservationMode>,
    /// Seconds a justified exception stays open. Default 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception_window: Option<u64>,
    #[serde(default, skip_serializing_if = "is_default_internal")]
    pub internal: InternalSpec,
    /// Expression rules (FileCloud style).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleSpec>,
    /// Data-flow rules (Acronis style).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<FlowSpec>,
    /// Default (`*` → `*`) data-flow rule per category.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub flow_defaults: BTreeMap<String, FlowDefaultSpec>,
    /// Device-control policies in the seed-004 JSON format, read by
    /// `cordon-devctl` through a [`SourceLoader`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_control: Option<serde_json::Value>,
    /// What the endpoint agent does with files written to removable
    /// media: sealing keys, encrypt-first, custom detectors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removable_media: Option<crate::media::RemovableMediaSpec>,
    /// Test cases: an event and the decision expected for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<TestCase>,
}

fn is_default_internal(i: &InternalSpec) -> bool {
    i.domains.is_empty() && i.networks.is_empty()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Version {
    Number(u64),
    Text(String),
}

/// What a policy does with content that was not fully inspected (an
/// encrypted archive member, a member over a limit: the event's
/// `file.incomplete`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncompleteContent {
    /// The built-in rule [`crate::model::INCOMPLETE_CONTENT_RULE`] denies
    /// it (enforced), whatever the other rules say: content that could not
    /// be read is never decided as clean.
    #[default]
    Deny,
    /// The policy's rules decide; they can test `_file.incomplete`.
    Decide,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyMode {
    #[default]
    #[serde(alias = "ENFORCE", alias = "enforcement")]
    Enforce,
    #[serde(alias = "OBSERVE", alias = "observation")]
    Observe,
}

/// The seed's three observation options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationMode {
    /// Every uncovered flow becomes an Allow rule.
    #[default]
    AllowAll,
    /// Every uncovered flow needs a one-time justification; justified
    /// flows become Allow rules, unjustified ones Exception rules.
    JustifyAll,
    /// Allow all for internal flows, justify all for external ones.
    Mixed,
}

/// DLP action of an expression rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EffectSpec {
    #[serde(alias = "ALLOW", alias = "Allow")]
    Allow,
    #[serde(alias = "DENY", alias = "Deny")]
    Deny,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModeSpec {
    #[default]
    #[serde(alias = "ENFORCE", alias = "Enforce")]
    Enforce,
    #[serde(alias = "PERMISSIVE", alias = "Permissive")]
    Permissive,
}

/// An expression rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Affected user actions, e.g. `[login]`, `[download, share]`.
    pub user_actions: Vec<String>,
    pub expression: String,
    /// DLP action: `allow` or `deny`.
    pub effect: EffectSpec,
    #[serde(default)]
    pub mode: ModeSpec,
    /// Notification shown when the rule blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Extra actions on violation (`alert`, `notify`); violations are
    /// always logged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionKind>,
}

/// A data-flow rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlowSpec {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Sensitivity category: PII, PHI, PCI, CREDENTIALS, CONFIDENTIAL.
    pub category: String,
    pub senders: Vec<String>,
    pub recipients: Vec<String>,
    pub permission: Permission,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prioritized: bool,
    /// `log`, `alert`, `notify`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A category's default data-flow rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlowDefaultSpec {
    pub permission: Permission,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A test case carried by a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestCase {
    pub name: String,
    pub event: Event,
    /// A justification submitted with the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    pub expect: Expect,
}

/// What a test case expects. Only the fields given are checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Expect {
    pub decision: Verdict,
    /// Ids of the rules that determined the decision, in any order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub determined_by: Option<Vec<String>>,
    /// Ids of the violated rules, in any order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violations: Option<Vec<String>>,
    /// Ids of the violated rules that are enforced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforced: Option<Vec<String>>,
    /// Actions as `kind:rule`, e.g. `alert:pci-out`, in any order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Lines the explanation (`cordon policy eval`) must contain, each a
    /// whole line (leading and trailing blanks ignored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<Vec<String>>,
}

/// A checked, compiled policy set, ready for the engine.
#[derive(Debug)]
pub struct PolicySet {
    pub doc: PolicyDocument,
    pub expr: ExprRules,
    pub flows: FlowRules,
    pub sources: Vec<Box<dyn RuleSource>>,
    pub internal: Internal,
    pub default: Verdict,
    pub exception_window: Duration,
}

/// Loads documents, with optional extension loaders (`deviceControl`).
#[derive(Default)]
pub struct Loader {
    extensions: Vec<Box<dyn SourceLoader>>,
}

/// Where the parts of a document are in its text, for diagnostics.
///
/// serde does not report where values are, so the locator finds them: it
/// indexes every `id:` (YAML) / `"id":` (JSON) once, then looks for a
/// value from the object that carries the id.
struct Locator<'a> {
    text: &'a str,
    ids: std::collections::HashMap<&'a str, Vec<usize>>,
}

impl<'a> Locator<'a> {
    fn new(text: &'a str) -> Locator<'a> {
        let mut ids: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
        let mut pos = 0;
        for line in text.split_inclusive('\n') {
            let mut from = 0;
            while let Some(i) = line.get(from..).and_then(|l| l.find("id")) {
                let at = from + i;
                from = at + 2;
                // a key `id` or `"id"`, not the end of `userid`
                let before = line.get(..at).and_then(|b| b.chars().next_back());
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = line.get(at + 2..).unwrap_or("");
                let rest = rest.strip_prefix('"').unwrap_or(rest);
                let Some(rest) = rest.trim_start().strip_prefix(':') else {
                    continue;
                };
                let v = rest.trim_start();
                let v = v.trim_start_matches(['"', '\'']);
                let end = v
                    .find(['"', '\'', ',', '}', '\n', '\r', '#'])
                    .unwrap_or(v.len());
                let val = v.get(..end).unwrap_or("").trim_end();
                if !val.is_empty() {
                    ids.entry(val).or_default().push(pos + at);
                }
            }
            pos += line.len();
        }
        Locator { text, ids }
    }

    /// Where the object with this id starts (its first `id:`), else 0.
    fn anchor(&self, id: &str) -> usize {
        self.ids
            .get(id)
            .and_then(|v| v.first().copied())
            .unwrap_or(0)
    }

    /// Byte offset of the first occurrence of `needle` at or after the
    /// object with id `anchor`, if any.
    fn find(&self, anchor: &str, needle: &str) -> Option<usize> {
        if needle.is_empty() {
            return None;
        }
        let from = self.anchor(anchor);
        self.text
            .get(from..)
            .and_then(|t| t.find(needle))
            .map(|i| i + from)
            .or_else(|| self.text.find(needle))
    }

    /// The second `id:` with this value (for duplicate ids).
    fn second(&self, id: &str) -> Option<Span> {
        let at = *self.ids.get(id)?.get(1)?;
        let off = at + self.text.get(at..)?.find(id)?;
        Some(Span::new(off, off + id.len()))
    }

    fn span_of(&self, anchor: &str, needle: &str) -> Option<Span> {
        self.find(anchor, needle)
            .map(|s| Span::new(s, s + needle.len()))
    }
}

impl Loader {
    pub fn new() -> Loader {
        Loader::default()
    }

    /// Registers a loader for a document section such as `deviceControl`.
    pub fn with_extension(mut self, ext: Box<dyn SourceLoader>) -> Loader {
        self.extensions.push(ext);
        self
    }

    /// Parses YAML or JSON text (JSON when it starts with `{`). A document
    /// over [`MAX_DOC_BYTES`] or nesting deeper than [`MAX_DOC_DEPTH`] is
    /// refused before it is parsed.
    pub fn parse_document(text: &str) -> Result<PolicyDocument, Diagnostic> {
        within_limits(text)?;
        let t = text.trim_start();
        if t.starts_with('{') {
            serde_json::from_str(text).map_err(|e| {
                let off = offset_of(text, e.line(), e.column());
                Diagnostic::error(
                    format!(
                        "invalid policy document: {}",
                        strip_position(&e.to_string())
                    ),
                    Some(Span::new(off, off + 1)),
                )
                .locate(text)
            })
        } else {
            serde_yaml_ng::from_str(text).map_err(|e| {
                let span = e.location().map(|l| Span::new(l.index(), l.index() + 1));
                Diagnostic::error(
                    format!(
                        "invalid policy document: {}",
                        strip_position(&e.to_string())
                    ),
                    span,
                )
                .locate(text)
            })
        }
    }

    /// Parses and checks a document. `None` when any error was found.
    pub fn load(&self, text: &str) -> (Option<PolicySet>, Vec<Diagnostic>) {
        if let Err(d) = within_limits(text) {
            return (None, vec![d]);
        }
        // a whole document in an extension's own format?
        if text.trim_start().starts_with('{')
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(text)
        {
            for ext in &self.extensions {
                if ext.claims_document(&v) {
                    return match ext.load(&v) {
                        Ok(src) => {
                            let doc = PolicyDocument {
                                schema: None,
                                id: ext.key().to_string(),
                                name: None,
                                description: None,
                                version: None,
                                enabled: true,
                                default: None,
                                incomplete_content: None,
                                mode: PolicyMode::Enforce,
                                observation: None,
                                exception_window: None,
                                internal: InternalSpec::default(),
                                rules: vec![],
                                flows: vec![],
                                flow_defaults: BTreeMap::new(),
                                device_control: Some(v),
                                removable_media: None,
                                tests: vec![],
                            };
                            (
                                Some(PolicySet {
                                    doc,
                                    expr: ExprRules::default(),
                                    flows: FlowRules::default(),
                                    sources: vec![src],
                                    internal: Internal::default(),
                                    default: Verdict::Allow,
                                    exception_window: Duration::from_secs(300),
                                }),
                                vec![],
                            )
                        }
                        Err(errs) => (None, pointer_diags(errs)),
                    };
                }
            }
        }
        let doc = match Loader::parse_document(text) {
            Ok(d) => d,
            Err(d) => return (None, vec![d]),
        };
        self.check(doc, text)
    }

    /// Checks a parsed document (`text` locates diagnostics; may be empty).
    pub fn check(&self, doc: PolicyDocument, text: &str) -> (Option<PolicySet>, Vec<Diagnostic>) {
        let loc = Locator::new(text);
        let mut diags = Vec::new();
        let mut ids = HashSet::new();
        let mut dup = |id: &str, what: &str, diags: &mut Vec<Diagnostic>| {
            if !ids.insert(id.to_string()) {
                diags.push(
                    Diagnostic::error(format!("duplicate {what} id `{id}`"), loc.second(id))
                        .locate(text),
                );
            }
        };

        if let Some(m) = &doc.removable_media {
            for (at, e) in m.problems() {
                diags.push(Diagnostic::error(e, None).with_context(&at));
            }
        }

        let (internal, ierrs) = Internal::compile(&doc.internal);
        for e in ierrs {
            diags.push(Diagnostic::error(e, None).with_context("/internal/networks"));
        }

        // expression rules
        let mut rules = Vec::new();
        for (i, r) in doc.rules.iter().enumerate() {
            dup(&r.id, "rule", &mut diags);
            let ctx = format!("rule `{}`", r.id);
            let mut actions = Vec::new();
            for a in &r.user_actions {
                match Action::parse(a) {
                    Some(a) => actions.push(a),
                    None => diags.push(
                        Diagnostic::error(
                            format!(
                                "unknown user action `{a}` (expected {})",
                                Action::ALL.map(|a| a.as_str()).join(", ")
                            ),
                            loc.span_of(&r.id, a),
                        )
                        .with_context(format!("/rules/{i}/userActions"))
                        .locate(text),
                    ),
                }
            }
            if r.user_actions.is_empty() {
                diags.push(
                    Diagnostic::error(
                        "a rule needs at least one user action",
                        loc.span_of(&r.id, &r.id),
                    )
                    .with_context(ctx.clone())
                    .locate(text),
                );
            }
            let effect = match r.effect {
                EffectSpec::Allow => Effect::Allow,
                EffectSpec::Deny => Effect::Deny,
            };
            let (ast, pd) = expr::parse(&r.expression);
            let (node, cd) = if pd.iter().any(Diagnostic::is_error) {
                (None, Vec::new())
            } else {
                expr::compile(&ast, &actions, effect)
            };
            let base = loc.find(&r.id, r.expression.lines().next().unwrap_or(""));
            let verbatim = base.is_some_and(|b| {
                text.get(b..b + r.expression.len()) == Some(r.expression.as_str())
            });
            // a hostile expression can have an error per character: report
            // the first ones (rendering each costs the size of the text)
            let found: Vec<Diagnostic> = pd.into_iter().chain(cd).collect();
            let more = found.len().saturating_sub(MAX_EXPR_DIAGS);
            if more > 0 {
                diags.push(
                    Diagnostic::error(
                        format!("{more} more problems in this expression are not shown"),
                        None,
                    )
                    .with_context(ctx.clone()),
                );
            }
            for d in found.into_iter().take(MAX_EXPR_DIAGS) {
                let d = match (base, d.span) {
                    (Some(b), Some(sp)) if verbatim => Diagnostic {
                        span: Some(sp.shifted(b)),
                        ..d
                    }
                    .locate(text),
                    _ => {
                        // the expression is not verbatim in the file
                        // (folded YAML, JSON escapes): point at it in
                        // the expression itself
                        let mut d = d.locate(&r.expression);
                        d.span = None;
                        let pos = match (d.line, d.column) {
                            (Some(l), Some(c)) => format!(" at {l}:{c} of the expression"),
                            _ => String::new(),
                        };
                        d.context = Some(format!("{ctx}{pos}"));
                        d
                    }
                };
                diags.push(if d.context.is_none() {
                    d.with_context(ctx.clone())
                } else {
                    d
                });
            }
            if let (Some(node), true) = (node, r.enabled) {
                rules.push(ExprRule {
                    id: r.id.clone(),
                    name: r.name.clone(),
                    effect,
                    mode: match r.mode {
                        ModeSpec::Enforce => Mode::Enforce,
                        ModeSpec::Permissive => Mode::Permissive,
                    },
                    actions,
                    text: ast.to_string(),
                    expr: ast,
                    node,
                    message: r.message.clone(),
                    tasks: r.actions.clone(),
                });
            }
        }

        // data-flow rules
        let mut flows = Vec::new();
        let mut raw = Vec::new();
        for (i, f) in doc.flows.iter().enumerate() {
            dup(&f.id, "flow", &mut diags);
            let Some(cat) = Category::parse(&f.category) else {
                diags.push(
                    Diagnostic::error(
                        format!(
                            "`{}` is not a category (PII, PHI, PCI, CREDENTIALS, CONFIDENTIAL)",
                            f.category
                        ),
                        loc.span_of(&f.id, &f.category),
                    )
                    .with_context(format!("/flows/{i}/category"))
                    .locate(text),
                );
                continue;
            };
            let pats = |list: &[String], what: &str, diags: &mut Vec<Diagnostic>| {
                if list.is_empty() {
                    diags.push(
                        Diagnostic::error(format!("a flow rule needs at least one {what}"), None)
                            .with_context(format!("/flows/{i}/{what}s")),
                    );
                }
                let mut out = Vec::new();
                for (j, s) in list.iter().enumerate() {
                    match IdPattern::parse(s) {
                        Ok(p) => out.push(p),
                        Err(e) => diags.push(
                            Diagnostic::error(e, loc.span_of(&f.id, s))
                                .with_context(format!("/flows/{i}/{what}s/{j}"))
                                .locate(text),
                        ),
                    }
                }
                out
            };
            let senders = pats(&f.senders, "sender", &mut diags);
            let recipients = pats(&f.recipients, "recipient", &mut diags);
            if f.prioritized && f.permission == Permission::Deny {
                diags.push(
                    Diagnostic::warning(
                        "the Prioritized flag applies to Allow and Exception; Deny ignores it",
                        loc.span_of(&f.id, &f.id),
                    )
                    .with_context(format!("/flows/{i}/prioritized"))
                    .locate(text),
                );
            }
            if f.enabled
                && senders.len() == f.senders.len()
                && recipients.len() == f.recipients.len()
            {
                raw.push(f.senders.clone());
                flows.push(FlowRule {
                    id: f.id.clone(),
                    name: f.name.clone(),
                    category: cat,
                    senders,
                    recipients,
                    permission: f.permission,
                    prioritized: f.prioritized,
                    actions: f.actions.clone(),
                    message: f.message.clone(),
                    is_default: false,
                });
            }
        }
        for (name, d) in &doc.flow_defaults {
            let Some(cat) = Category::parse(name) else {
                diags.push(
                    Diagnostic::error(
                        format!("`{name}` is not a category"),
                        loc.span_of(name, name),
                    )
                    .with_context("/flowDefaults")
                    .locate(text),
                );
                continue;
            };
            raw.push(vec!["*".into()]);
            flows.push(FlowRule {
                id: format!("default:{}", cat.as_str()),
                name: None,
                category: cat,
                senders: vec![IdPattern::Any],
                recipients: vec![IdPattern::Any],
                permission: d.permission,
                prioritized: false,
                actions: d.actions.clone(),
                message: d.message.clone(),
                is_default: true,
            });
        }

        // extensions
        let mut sources = Vec::new();
        if let Some(dc) = &doc.device_control {
            match self.extensions.iter().find(|e| e.key() == "deviceControl") {
                Some(ext) => match ext.load(dc) {
                    Ok(s) => sources.push(s),
                    Err(errs) => diags.extend(pointer_diags(
                        errs.into_iter()
                            .map(|(p, m)| (format!("/deviceControl{p}"), m))
                            .collect(),
                    )),
                },
                None => diags.push(
                    Diagnostic::error(
                        "`deviceControl` policies need the device-control loader (cordon-devctl), which is not registered",
                        None,
                    )
                    .with_context("/deviceControl"),
                ),
            }
        }

        if doc.exception_window == Some(0) {
            diags.push(Diagnostic::warning(
                "`exceptionWindow: 0` makes justifications allow only the transfer they were given for",
                None,
            ));
        }
        if doc.observation.is_some() && doc.mode != PolicyMode::Observe {
            diags.push(Diagnostic::warning(
                "`observation` has no effect unless `mode: observe`",
                None,
            ));
        }

        if diags.iter().any(Diagnostic::is_error) {
            return (None, diags);
        }
        let window = Duration::from_secs(doc.exception_window.unwrap_or(300));
        let default = doc.default.unwrap_or(Verdict::Allow);
        let set = PolicySet {
            expr: ExprRules::new(rules),
            flows: FlowRules::new(flows, &raw),
            sources,
            internal,
            default,
            exception_window: window,
            doc,
        };
        (Some(set), diags)
    }
}

/// Diagnostics reported per expression; the rest are counted.
const MAX_EXPR_DIAGS: usize = 20;

/// Refuses a document that is too large or nests too deeply, before any
/// parser sees it (parsing such a document takes time quadratic in its
/// depth, and recursion proportional to it).
fn within_limits(text: &str) -> Result<(), Diagnostic> {
    if text.len() > MAX_DOC_BYTES {
        return Err(Diagnostic::error(
            format!(
                "invalid policy document: {} bytes, more than the {} MiB a policy may have",
                text.len(),
                MAX_DOC_BYTES / (1024 * 1024)
            ),
            None,
        ));
    }
    nesting::check(text).map_err(|e| {
        Diagnostic::error(
            format!(
                "invalid policy document: it nests more than {MAX_DOC_DEPTH} levels deep (maps and lists)"
            ),
            Some(Span::new(e.offset, e.offset + 1)),
        )
        .locate(text)
    })
}

fn pointer_diags(errs: Vec<(String, String)>) -> Vec<Diagnostic> {
    errs.into_iter()
        .map(|(p, m)| Diagnostic::error(m, None).with_context(p))
        .collect()
}

/// serde messages end in "at line L column C"; the diagnostic has that.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg.get(..i).unwrap_or(msg).to_string(),
        None => msg.to_string(),
    }
}

/// Byte offset of a 1-based line and column.
fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let c = col.saturating_sub(1);
            return off + l.char_indices().nth(c).map_or(l.len().min(c), |(b, _)| b);
        }
        off += l.len();
    }
    text.len()
}
