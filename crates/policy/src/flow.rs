//! Data-flow rules (Acronis seed): sensitivity category × sender ×
//! recipient → Allow / Exception / Deny.
//!
//! - A transfer matches a rule when *all* its senders and *all* its
//!   recipients are covered by the rule's sender and recipient lists and
//!   its data is of the rule's category.
//! - Each category may have a default rule (`*` → `*`) with the lowest
//!   priority: it applies only when no explicit rule of the category
//!   matches.
//! - Within a category: Exception+Prioritized > Allow+Prioritized > Deny >
//!   Exception > Allow. Across categories: the most restrictive wins.
//! - The actions of all triggered rules are performed.

use rustc_hash::FxHashMap as HashMap;
use smallvec::SmallVec;

use serde::{Deserialize, Serialize};

use crate::internal::Internal;
use crate::model::{
    ActionKind, CATEGORIES, Category, ContactScheme, DeviceKind, FlowKey, Identity, RuleAction,
    RuleKind, RuleRef, TraceEntry, Verdict, Violation, category_slot,
};
use crate::wildcard::Pattern;

/// A data-flow permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    #[serde(alias = "Allow", alias = "ALLOW")]
    Allow,
    #[serde(alias = "Exception", alias = "EXCEPTION")]
    Exception,
    #[serde(alias = "Deny", alias = "DENY")]
    Deny,
}

impl Permission {
    pub fn verdict(self) -> Verdict {
        match self {
            Permission::Allow => Verdict::Allow,
            Permission::Exception => Verdict::Exception,
            Permission::Deny => Verdict::Deny,
        }
    }

    /// Rank in the seed's in-category precedence list (higher wins):
    /// Exception+Prioritized 5, Allow+Prioritized 4, Deny 3, Exception 2,
    /// Allow 1. Deny has no prioritized form.
    pub fn rank(self, prioritized: bool) -> u8 {
        match (self, prioritized) {
            (Permission::Exception, true) => 5,
            (Permission::Allow, true) => 4,
            (Permission::Deny, _) => 3,
            (Permission::Exception, false) => 2,
            (Permission::Allow, false) => 1,
        }
    }
}

/// Internal / external / either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Any,
    Internal,
    External,
}

/// A sender or recipient pattern of a rule, written as a string:
///
/// | pattern | covers |
/// |---|---|
/// | `*` or `any` | anything |
/// | `internal` / `external` | any internal / external identity |
/// | `contact:*`, `contact:internal`, `contact:external` | contacts |
/// | `account:CORP\alice` | contacts of an organisation account ("From organization") |
/// | `email:*@corp.com`, `skype:…`, `icq:…`, `irc:…`, `jabber:…`, `mailru:…`, `viber:…`, `zoom:…` | custom identities, with `*` and `?` |
/// | `host:*`, `host:internal`, `host:external`, `host:files.corp.com`, `host:10.0.0.5` | hosts |
/// | `device:*`, `device:external_storage`, `device:encrypted_removable`, `device:redirected_clipboard` | devices |
/// | `printer:*`, `printer:HP*` | printers |
/// | `file_sharing:*`, `file_sharing:dropbox` | file-sharing services |
/// | `social:*`, `social:facebook` | social networks |
/// | `group:finance`, `group:*-admins` | contacts in a directory group: the identity's own `groups`, and for a sender also the acting user's (`user.groups`) |
#[derive(Debug, Clone)]
pub enum IdPattern {
    Any,
    Scoped(Scope),
    Contact(Scope),
    Account(Pattern),
    Custom(ContactScheme, Pattern),
    Host(Scope),
    HostName(Pattern),
    Device(Option<DeviceKind>),
    Printer(Pattern),
    FileSharing(Pattern),
    Social(Pattern),
    Group(Pattern),
}

fn scope(rest: &str) -> Option<Scope> {
    match rest {
        "*" | "any" => Some(Scope::Any),
        "internal" => Some(Scope::Internal),
        "external" => Some(Scope::External),
        _ => None,
    }
}

impl IdPattern {
    /// Parses a pattern; the error says what was expected.
    pub fn parse(s: &str) -> Result<IdPattern, String> {
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        match lower.as_str() {
            "*" | "any" => return Ok(IdPattern::Any),
            "internal" | "any_internal" => return Ok(IdPattern::Scoped(Scope::Internal)),
            "external" | "any_external" => return Ok(IdPattern::Scoped(Scope::External)),
            _ => {}
        }
        let Some((kind, rest)) = t.split_once(':') else {
            return Err(format!(
                "`{t}` is not an identity pattern: expected `*`, `internal`, `external` or `kind:value` such as `email:*@corp.com`"
            ));
        };
        let kind_l = kind.trim().to_ascii_lowercase();
        let rest = rest.trim();
        let rest_l = rest.to_ascii_lowercase();
        if rest.is_empty() {
            return Err(format!("`{t}` has nothing after `{kind}:`"));
        }
        Ok(match kind_l.as_str() {
            "contact" => IdPattern::Contact(scope(&rest_l).ok_or_else(|| {
                format!("`{t}`: expected `contact:*`, `contact:internal` or `contact:external`")
            })?),
            "account" => IdPattern::Account(Pattern::identity(rest)),
            "host" => match scope(&rest_l) {
                Some(sc) => IdPattern::Host(sc),
                None => IdPattern::HostName(Pattern::identity(rest)),
            },
            "device" => IdPattern::Device(match rest_l.as_str() {
                "*" | "any" => None,
                "external_storage" => Some(DeviceKind::ExternalStorage),
                "encrypted_removable" => Some(DeviceKind::EncryptedRemovable),
                "redirected_clipboard" => Some(DeviceKind::RedirectedClipboard),
                "other" => Some(DeviceKind::Other),
                _ => {
                    return Err(format!(
                        "`{t}`: device kinds are external_storage, encrypted_removable, redirected_clipboard, other or *"
                    ));
                }
            }),
            "printer" => IdPattern::Printer(Pattern::identity(rest)),
            "file_sharing" => IdPattern::FileSharing(Pattern::identity(rest)),
            "social" | "social_network" => IdPattern::Social(Pattern::identity(rest)),
            "group" => IdPattern::Group(Pattern::identity(rest)),
            other => match ContactScheme::parse(other) {
                Some(sc) => IdPattern::Custom(sc, Pattern::identity(rest)),
                None => {
                    return Err(format!(
                        "`{kind}` is not an identity kind (contact, account, group, email, skype, icq, irc, jabber, mailru, viber, zoom, host, device, printer, file_sharing, social)"
                    ));
                }
            },
        })
    }

    /// Whether the pattern covers the identity. `groups` are groups the
    /// identity is in besides its own `groups` (for a sender, the acting
    /// user's).
    pub fn covers(&self, id: &Identity, internal: &Internal, groups: &[String]) -> bool {
        let in_scope = |sc: Scope| match sc {
            Scope::Any => true,
            Scope::Internal => internal.is_internal(id),
            Scope::External => !internal.is_internal(id),
        };
        match (self, id) {
            (IdPattern::Any, _) => true,
            (IdPattern::Scoped(sc), _) => in_scope(*sc),
            (IdPattern::Contact(sc), Identity::Contact { .. }) => in_scope(*sc),
            (
                IdPattern::Account(p),
                Identity::Contact {
                    scheme,
                    id,
                    account,
                    ..
                },
            ) => {
                account.as_deref().is_some_and(|a| p.matches(a))
                    || (*scheme == ContactScheme::Account && p.matches(id))
            }
            (IdPattern::Custom(sc, p), Identity::Contact { scheme, id, .. }) => {
                sc == scheme && p.matches(id)
            }
            (IdPattern::Host(sc), Identity::Host { .. }) => in_scope(*sc),
            (IdPattern::HostName(p), Identity::Host { host, .. }) => p.matches(host),
            (IdPattern::Device(k), Identity::Device { device, .. }) => {
                k.is_none_or(|k| k == *device)
            }
            (IdPattern::Printer(p), Identity::Printer { name }) => {
                p.matches(name.as_deref().unwrap_or(""))
            }
            (IdPattern::FileSharing(p), Identity::FileSharing { service }) => p.matches(service),
            (IdPattern::Social(p), Identity::SocialNetwork { network }) => p.matches(network),
            (IdPattern::Group(p), Identity::Contact { groups: own, .. }) => {
                own.iter().chain(groups).any(|g| p.matches(g))
            }
            _ => false,
        }
    }

    /// For the index: the exact key of the only identity this pattern
    /// covers, if it covers exactly one by literal id.
    fn literal_key(&self, raw: &str) -> Option<String> {
        match self {
            IdPattern::Custom(..) | IdPattern::Account(..) if !raw.contains(['*', '?']) => {
                let (k, v) = raw.split_once(':')?;
                Some(format!(
                    "{}:{}",
                    k.trim().to_ascii_lowercase(),
                    v.trim().to_ascii_lowercase()
                ))
            }
            _ => None,
        }
    }
}

/// The stable key of an identity, e.g. `email:bob@example.com`: used for
/// exception windows, baseline rules and the index. Also a pattern that
/// covers exactly this identity.
pub fn identity_key(id: &Identity) -> String {
    match id {
        Identity::Contact { scheme, id, .. } => {
            format!("{}:{}", scheme.as_str(), id.trim().to_ascii_lowercase())
        }
        Identity::Host { host, .. } => format!("host:{}", host.trim().to_ascii_lowercase()),
        Identity::Device { device, .. } => format!("device:{}", device.as_str()),
        Identity::Printer { name } => {
            format!(
                "printer:{}",
                name.as_deref().unwrap_or("*").to_ascii_lowercase()
            )
        }
        Identity::FileSharing { service } => {
            format!("file_sharing:{}", service.to_ascii_lowercase())
        }
        Identity::SocialNetwork { network } => format!("social:{}", network.to_ascii_lowercase()),
    }
}

/// One compiled data-flow rule.
#[derive(Debug, Clone)]
pub struct FlowRule {
    pub id: String,
    pub name: Option<String>,
    pub category: Category,
    pub senders: Vec<IdPattern>,
    pub recipients: Vec<IdPattern>,
    pub permission: Permission,
    pub prioritized: bool,
    pub actions: Vec<ActionKind>,
    pub message: Option<String>,
    /// The category's default (`*` → `*`) rule.
    pub is_default: bool,
}

impl FlowRule {
    /// Whether the rule covers every sender and every recipient;
    /// `user_groups` are the acting user's groups, which its senders are
    /// in too.
    pub fn covers(
        &self,
        sender: &[Identity],
        recipients: &[Identity],
        internal: &Internal,
        user_groups: &[String],
    ) -> bool {
        sender.iter().all(|s| {
            self.senders
                .iter()
                .any(|p| p.covers(s, internal, user_groups))
        }) && recipients
            .iter()
            .all(|r| self.recipients.iter().any(|p| p.covers(r, internal, &[])))
    }
}

#[derive(Debug, Default, Clone)]
struct CatIndex {
    general: Vec<u32>,
    by_sender: HashMap<String, Vec<u32>>,
    default: Option<u32>,
}

/// All data-flow rules, indexed by category and literal sender.
#[derive(Debug, Default, Clone)]
pub struct FlowRules {
    rules: Vec<FlowRule>,
    cats: [CatIndex; CATEGORIES],
}

/// Per-category result, for the engine (exceptions, observation).
#[derive(Debug, Clone)]
pub struct CategoryOutcome {
    pub category: Category,
    pub verdict: Verdict,
    /// Explicit (non-default) rules that matched.
    pub explicit: SmallVec<[u32; 4]>,
    /// The rules with the winning rank.
    pub winners: SmallVec<[u32; 4]>,
}

/// Result of [`FlowRules::evaluate`].
#[derive(Debug, Clone, Default)]
pub struct FlowOutcome {
    pub categories: Vec<CategoryOutcome>,
}

impl FlowRules {
    /// `raw_senders[i]` are the pattern strings of `rules[i]`, for the
    /// index.
    pub fn new(rules: Vec<FlowRule>, raw_senders: &[Vec<String>]) -> FlowRules {
        let mut cats: [CatIndex; CATEGORIES] = Default::default();
        for (i, r) in rules.iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            let Some(ci) = cats.get_mut(category_slot(r.category)) else {
                continue;
            };
            if r.is_default {
                ci.default = Some(id);
                continue;
            }
            let keys: Option<Vec<String>> = raw_senders.get(i).and_then(|raw| {
                r.senders
                    .iter()
                    .zip(raw)
                    .map(|(p, s)| p.literal_key(s))
                    .collect()
            });
            match keys {
                Some(keys) if !keys.is_empty() => {
                    for k in keys {
                        ci.by_sender.entry(k).or_default().push(id);
                    }
                }
                _ => ci.general.push(id),
            }
        }
        FlowRules { rules, cats }
    }

    pub fn rules(&self) -> &[FlowRule] {
        &self.rules
    }

    pub fn rule(&self, i: u32) -> Option<&FlowRule> {
        self.rules.get(i as usize)
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Evaluates the flow for each category of the data. Categories with
    /// neither a matching explicit rule nor a default rule are left out.
    /// `user_groups` are the acting user's groups (`user.groups`), which
    /// `group:` patterns match for its senders.
    pub fn evaluate(
        &self,
        categories: impl Iterator<Item = Category>,
        sender: &[Identity],
        recipients: &[Identity],
        internal: &Internal,
        user_groups: &[String],
    ) -> FlowOutcome {
        let mut out = FlowOutcome::default();
        if self.rules.is_empty() || recipients.is_empty() {
            return out;
        }
        let mut cands: SmallVec<[u32; 16]> = SmallVec::new();
        // the index keys of the first sender, computed once
        let (key, acct_key) = match sender.first() {
            Some(first) => (
                Some(identity_key(first)),
                match first {
                    Identity::Contact {
                        account: Some(a), ..
                    } => Some(format!("account:{}", a.to_ascii_lowercase())),
                    _ => None,
                },
            ),
            None => (None, None),
        };
        for cat in categories {
            let Some(ci) = self.cats.get(category_slot(cat)) else {
                continue;
            };
            cands.clear();
            cands.extend_from_slice(&ci.general);
            if !ci.by_sender.is_empty() {
                // a literal-sender rule covers the flow only if it covers
                // every sender, so the first sender's keys find them all
                for k in [&key, &acct_key].into_iter().flatten() {
                    if let Some(v) = ci.by_sender.get(k.as_str()) {
                        cands.extend_from_slice(v);
                    }
                }
            }
            cands.sort_unstable();
            cands.dedup();
            let explicit: SmallVec<[u32; 4]> = cands
                .iter()
                .copied()
                .filter(|i| {
                    self.rules
                        .get(*i as usize)
                        .is_some_and(|r| r.covers(sender, recipients, internal, user_groups))
                })
                .collect();
            let pool: SmallVec<[u32; 4]> = if explicit.is_empty() {
                match ci.default {
                    Some(d) => smallvec::smallvec![d],
                    None => continue,
                }
            } else {
                explicit.clone()
            };
            let top = pool
                .iter()
                .filter_map(|i| self.rules.get(*i as usize))
                .map(|r| r.permission.rank(r.prioritized))
                .max()
                .unwrap_or(0);
            let winners: SmallVec<[u32; 4]> = pool
                .iter()
                .copied()
                .filter(|i| {
                    self.rules
                        .get(*i as usize)
                        .is_some_and(|r| r.permission.rank(r.prioritized) == top)
                })
                .collect();
            let verdict = winners
                .first()
                .and_then(|i| self.rules.get(*i as usize))
                .map_or(Verdict::Allow, |r| r.permission.verdict());
            out.categories.push(CategoryOutcome {
                category: cat,
                verdict,
                explicit,
                winners,
            });
        }
        out
    }

    /// The rules that triggered: explicit matches, or the default.
    pub fn triggered(&self, c: &CategoryOutcome) -> SmallVec<[u32; 4]> {
        if c.explicit.is_empty() {
            c.winners.clone()
        } else {
            c.explicit.clone()
        }
    }

    /// Adds trace entries, violations and actions for a flow outcome whose
    /// final per-category verdicts are `verdicts` (after exception windows)
    /// and overall verdict `overall`.
    pub fn report(
        &self,
        flow: &FlowOutcome,
        verdicts: &[Verdict],
        overall: Verdict,
        out: &mut crate::source::SourceOutcome,
    ) {
        for (c, final_v) in flow.categories.iter().zip(verdicts) {
            for i in self.triggered(c) {
                let Some(r) = self.rules.get(i as usize) else {
                    continue;
                };
                let winner = c.winners.contains(&i);
                let prec = if !winner {
                    " (overridden by a higher-precedence rule)"
                } else if *final_v != c.verdict {
                    " (exception justified: window open)"
                } else {
                    ""
                };
                let reason = if r.is_default {
                    format!(
                        "default rule of {}: {}{prec}",
                        c.category,
                        r.permission.verdict()
                    )
                } else {
                    format!(
                        "covers every sender and recipient for {}: {}{}{prec}",
                        c.category,
                        r.permission.verdict(),
                        if r.prioritized { " (prioritized)" } else { "" },
                    )
                };
                out.trace.push(TraceEntry {
                    rule: r.id.clone(),
                    kind: RuleKind::DataFlow,
                    matched: true,
                    verdict: Some(r.permission.verdict()),
                    reason,
                });
                if r.permission != Permission::Allow {
                    out.violations.push(Violation {
                        rule: r.id.clone(),
                        name: r.name.clone(),
                        kind: RuleKind::DataFlow,
                        mode: crate::model::Mode::Enforce,
                        enforced: winner && *final_v == overall && overall != Verdict::Allow,
                        verdict: r.permission.verdict(),
                        message: r.message.clone(),
                    });
                }
                for a in &r.actions {
                    if *a == ActionKind::Notify && overall == Verdict::Allow {
                        continue;
                    }
                    out.actions.push(RuleAction {
                        action: *a,
                        rule: r.id.clone(),
                        message: if *a == ActionKind::Notify {
                            Some(r.message.clone().unwrap_or_else(|| {
                                format!("transfer of {} data is not allowed", c.category)
                            }))
                        } else {
                            None
                        },
                        shadow: None,
                    });
                }
            }
            if *final_v == overall {
                for i in &c.winners {
                    if let Some(r) = self.rules.get(*i as usize) {
                        let rr = RuleRef {
                            id: r.id.clone(),
                            kind: RuleKind::DataFlow,
                        };
                        if !out.determined_by.contains(&rr) {
                            out.determined_by.push(rr);
                        }
                        if out.message.is_none() && overall != Verdict::Allow {
                            out.message = r.message.clone();
                        }
                    }
                }
            }
        }
    }
}

/// The (sender, recipient, category) keys of a flow.
pub fn flow_keys(sender: &[Identity], recipients: &[Identity], cat: Category) -> Vec<FlowKey> {
    let mut keys = Vec::new();
    let anon = [Identity::Contact {
        scheme: ContactScheme::Account,
        id: "*".into(),
        account: None,
        internal: None,
        groups: Vec::new(),
    }];
    let senders = if sender.is_empty() { &anon[..] } else { sender };
    for s in senders {
        for r in recipients {
            keys.push(FlowKey {
                sender: identity_key(s),
                recipient: identity_key(r),
                category: cat,
            });
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::internal::InternalSpec;

    fn internal() -> Internal {
        Internal::compile(&InternalSpec {
            domains: vec!["corp.com".into()],
            networks: vec!["10.0.0.0/8".into()],
        })
        .0
    }

    fn email(s: &str) -> Identity {
        Identity::Contact {
            scheme: ContactScheme::Email,
            id: s.into(),
            account: None,
            internal: None,
            groups: Vec::new(),
        }
    }

    #[test]
    fn patterns_cover_the_seed_identity_kinds() {
        let i = internal();
        let p = |s: &str| IdPattern::parse(s).unwrap();
        assert!(p("email:*@corp.com").covers(&email("a@corp.com"), &i, &[]));
        assert!(p("internal").covers(&email("a@corp.com"), &i, &[]));
        assert!(p("contact:external").covers(&email("a@gmail.com"), &i, &[]));
        assert!(!p("contact:external").covers(&email("a@corp.com"), &i, &[]));
        let skype = Identity::Contact {
            scheme: ContactScheme::Skype,
            id: "live:bob.7".into(),
            account: Some("CORP\\bob".into()),
            internal: None,
            groups: Vec::new(),
        };
        assert!(p("skype:live:bob.?").covers(&skype, &i, &[]));
        assert!(p("account:corp\\bob").covers(&skype, &i, &[]));
        assert!(!p("email:*").covers(&skype, &i, &[]));
        let host = Identity::Host {
            host: "10.1.2.3".into(),
            internal: None,
        };
        assert!(p("host:internal").covers(&host, &i, &[]));
        assert!(p("host:10.1.2.*").covers(&host, &i, &[]));
        assert!(!p("host:external").covers(&host, &i, &[]));
        let usb = Identity::Device {
            device: DeviceKind::ExternalStorage,
            name: None,
        };
        assert!(p("device:*").covers(&usb, &i, &[]));
        assert!(p("device:external_storage").covers(&usb, &i, &[]));
        assert!(!p("device:encrypted_removable").covers(&usb, &i, &[]));
        assert!(p("printer:*").covers(&Identity::Printer { name: None }, &i, &[]));
        assert!(p("file_sharing:drop*").covers(
            &Identity::FileSharing {
                service: "Dropbox".into()
            },
            &i,
            &[]
        ));
        assert!(p("social:*").covers(
            &Identity::SocialNetwork {
                network: "facebook".into()
            },
            &i,
            &[]
        ));
        assert!(p("external").covers(
            &Identity::SocialNetwork {
                network: "facebook".into()
            },
            &i,
            &[]
        ));
        assert!(IdPattern::parse("fax:123").is_err());
        assert!(IdPattern::parse("bob").is_err());
    }

    #[test]
    fn group_patterns_match_own_and_extra_groups() {
        let i = internal();
        let p = |s: &str| IdPattern::parse(s).unwrap();
        let mut alice = email("alice@corp.com");
        if let Identity::Contact { groups, .. } = &mut alice {
            groups.push("Finance".into());
        }
        let none: &[String] = &[];
        assert!(p("group:finance").covers(&alice, &i, none));
        assert!(p("group:fin*").covers(&alice, &i, none));
        assert!(!p("group:hr").covers(&alice, &i, none));
        // Groups from elsewhere (the acting user's, for a sender).
        let bob = email("bob@corp.com");
        assert!(!p("group:hr").covers(&bob, &i, none));
        assert!(p("group:hr").covers(&bob, &i, &["HR".to_string()]));
        // Only contacts are in groups.
        let host = Identity::Host {
            host: "files.corp.com".into(),
            internal: None,
        };
        assert!(!p("group:*").covers(&host, &i, &["HR".to_string()]));
        assert!(IdPattern::parse("group:").is_err());
    }

    #[test]
    fn precedence_ranks_follow_the_seed() {
        use Permission::*;
        let order = [
            Exception.rank(true),
            Allow.rank(true),
            Deny.rank(false),
            Exception.rank(false),
            Allow.rank(false),
        ];
        assert!(order.windows(2).all(|w| w[0] > w[1]));
    }
}
