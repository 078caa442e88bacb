//! A small, obviously correct reference evaluator — no index, no
//! compilation, the documented algorithm read straight off the AST — and
//! a differential test of the engine against it on generated policies and
//! events.

use std::collections::BTreeSet;

use cordon_policy::expr::{CmpOp, Expr, Lit, parse};
use cordon_policy::model::{Category, Confidence, Event, Identity, Verdict};
use cordon_policy::{Engine, Loader};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// the reference
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum V {
    B(bool),
    N(f64),
    S(String),
}

/// `None` is "cannot be evaluated".
fn value(e: &Expr, ev: &Event) -> Option<V> {
    let s = |x: &Expr| match x {
        Expr::Lit(Lit::Str(s), _) => s.clone(),
        _ => String::new(),
    };
    match e {
        Expr::Lit(Lit::Bool(b), _) => Some(V::B(*b)),
        Expr::Lit(Lit::Num(n), _) => Some(V::N(*n)),
        Expr::Lit(Lit::Str(x), _) => Some(V::S(x.clone())),
        Expr::Var { ns, name, .. } => match (ns.as_str(), name.as_str()) {
            ("user", "userType") => ev.user.as_ref()?.user_type.clone().map(V::S),
            ("request", "remoteCountryCode") => {
                ev.request.as_ref()?.remote_country_code.clone().map(V::S)
            }
            _ => None,
        },
        Expr::Call { ns, name, args, .. } => {
            let a0 = args.first().map(s).unwrap_or_default();
            let a1 = args.get(1).map(s).unwrap_or_default();
            match (ns.as_str(), name.as_str()) {
                ("user", "inGroup") => Some(V::B(
                    ev.user
                        .as_ref()?
                        .groups
                        .iter()
                        .any(|g| g.eq_ignore_ascii_case(&a0)),
                )),
                ("file", "pathStartsWith") => {
                    Some(V::B(ev.file.as_ref()?.path.as_ref()?.starts_with(&a0)))
                }
                ("file", "hasCategory") => {
                    let f = ev.file.as_ref()?;
                    let c = Category::parse(&a0)?;
                    Some(V::B(
                        f.classification
                            .as_ref()
                            .is_some_and(|k| k.categories.contains(&c)),
                    ))
                }
                ("file", "count") => {
                    let f = ev.file.as_ref()?;
                    let conf = Confidence::parse(&a1)?;
                    let n = f
                        .classification
                        .as_ref()
                        .and_then(|k| k.detectors.get(&a0))
                        .map_or(0, |d| {
                            [
                                (Confidence::Low, d.low),
                                (Confidence::Medium, d.medium),
                                (Confidence::High, d.high),
                            ]
                            .iter()
                            .filter(|(c, _)| *c >= conf)
                            .map(|(_, n)| n)
                            .sum::<u64>()
                        });
                    Some(V::N(n as f64))
                }
                _ => None,
            }
        }
        Expr::Not(x, _) => match value(x, ev)? {
            V::B(b) => Some(V::B(!b)),
            _ => None,
        },
        Expr::And(terms, _) | Expr::Or(terms, _) => {
            let is_and = matches!(e, Expr::And(..));
            let vals: Vec<Option<bool>> = terms.iter().map(|t| truth(t, ev)).collect();
            // Kleene: false dominates `and`, true dominates `or`
            let r = if vals.contains(&Some(!is_and)) {
                Some(!is_and)
            } else if vals.contains(&None) {
                None
            } else {
                Some(is_and)
            };
            r.map(V::B)
        }
        Expr::Cmp(op, a, b, _) => {
            let (x, y) = (value(a, ev)?, value(b, ev)?);
            let ord = match (&x, &y) {
                (V::N(p), V::N(q)) => p.partial_cmp(q)?,
                (V::S(p), V::S(q)) => p.cmp(q),
                (V::B(p), V::B(q)) => p.cmp(q),
                _ => return None,
            };
            let r = match op {
                CmpOp::Eq => ord.is_eq(),
                CmpOp::Ne => !ord.is_eq(),
                CmpOp::Gt => ord.is_gt(),
                CmpOp::Lt => ord.is_lt(),
                CmpOp::Ge => ord.is_ge(),
                CmpOp::Le => ord.is_le(),
            };
            Some(V::B(r))
        }
        Expr::Error(_) => None,
    }
}

fn truth(e: &Expr, ev: &Event) -> Option<bool> {
    match value(e, ev)? {
        V::B(b) => Some(b),
        _ => None,
    }
}

#[derive(Debug, Clone)]
struct RRule {
    id: String,
    actions: Vec<String>,
    deny: bool,
    enforce: bool,
    expr: String,
}

#[derive(Debug, Clone)]
struct RFlow {
    id: String,
    cat: &'static str,
    senders: Vec<String>,
    recipients: Vec<String>,
    perm: u8, // 0 allow, 1 exception, 2 deny
    prio: bool,
}

#[derive(Debug, PartialEq)]
struct Out {
    verdict: Verdict,
    determined: BTreeSet<String>,
    violations: BTreeSet<String>,
    enforced: BTreeSet<String>,
}

fn glob(p: &[char], t: &[char]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some(('*', r)) => (0..=t.len()).any(|i| glob(r, &t[i..])),
        Some(('?', r)) => !t.is_empty() && glob(r, &t[1..]),
        Some((c, r)) => t.first().is_some_and(|x| x.eq_ignore_ascii_case(c)) && glob(r, &t[1..]),
    }
}

fn internal(id: &Identity) -> bool {
    match id {
        Identity::Contact { id, .. } => id.to_ascii_lowercase().ends_with("@corp.com"),
        Identity::Host { host, .. } => host.ends_with(".corp.com"),
        Identity::Device { .. } => true,
        _ => false,
    }
}

/// `extra`: groups the identity is in besides its own (the acting
/// user's, for a sender).
fn covers(p: &str, id: &Identity, extra: &[String]) -> bool {
    let g = |pat: &str, s: &str| {
        glob(
            &pat.chars().collect::<Vec<_>>(),
            &s.chars().collect::<Vec<_>>(),
        )
    };
    match (p.split_once(':'), id) {
        (None, _) if p == "*" => true,
        (None, _) if p == "internal" => internal(id),
        (None, _) if p == "external" => !internal(id),
        (Some(("email", pat)), Identity::Contact { id, .. }) => g(pat, id),
        (Some(("host", pat)), Identity::Host { host, .. }) => g(pat, host),
        (Some(("device", "*")), Identity::Device { .. }) => true,
        (Some(("group", pat)), Identity::Contact { groups, .. }) => {
            groups.iter().chain(extra).any(|x| g(pat, x))
        }
        _ => false,
    }
}

fn rank(perm: u8, prio: bool) -> u8 {
    match (perm, prio) {
        (1, true) => 5,
        (0, true) => 4,
        (2, _) => 3,
        (1, false) => 2,
        _ => 1,
    }
}

fn verdict(perm: u8) -> Verdict {
    [Verdict::Allow, Verdict::Exception, Verdict::Deny][perm as usize]
}

fn reference(rules: &[RRule], flows: &[RFlow], defaults: &[(&'static str, u8)], ev: &Event) -> Out {
    let mut out = Out {
        verdict: Verdict::Allow,
        determined: BTreeSet::new(),
        violations: BTreeSet::new(),
        enforced: BTreeSet::new(),
    };
    // expression rules: the FileCloud algorithm, every rule in order
    let act = ev.action.as_str();
    let mine: Vec<&RRule> = rules
        .iter()
        .filter(|r| r.actions.iter().any(|a| a == act))
        .collect();
    let mut expr_say = None;
    let mut expr_det = BTreeSet::new();
    let mut expr_viol = Vec::new();
    if !mine.is_empty() {
        expr_say = Some(Verdict::Allow);
        let mut allowed = BTreeSet::new();
        for r in mine {
            let t = truth(&parse(&r.expr).0, ev);
            let violated = match t {
                None => true,
                Some(b) => {
                    if r.deny {
                        b
                    } else {
                        !b
                    }
                }
            };
            if !violated {
                if !r.deny {
                    allowed.insert(r.id.clone());
                }
                continue;
            }
            expr_viol.push((r.id.clone(), r.enforce));
            if r.enforce {
                expr_say = Some(Verdict::Deny);
                expr_det.insert(r.id.clone());
                break;
            }
        }
        if expr_say == Some(Verdict::Allow) {
            expr_det = allowed;
        }
    }
    // data-flow rules
    let mut flow_say = None;
    let mut flow_det = BTreeSet::new();
    let mut flow_viol = Vec::new(); // (id, winner, cat verdict)
    if let Some(c) = ev.file.as_ref().and_then(|f| f.classification.as_ref())
        && !ev.recipients.is_empty()
    {
        let mut cats = Vec::new();
        for cat in &c.categories {
            let matched: Vec<&RFlow> = flows
                .iter()
                .filter(|f| f.cat == cat.as_str())
                .filter(|f| {
                    let user_groups = ev.user.as_ref().map_or(&[][..], |u| &u.groups[..]);
                    ev.sender
                        .iter()
                        .all(|s| f.senders.iter().any(|p| covers(p, s, user_groups)))
                })
                .filter(|f| {
                    ev.recipients
                        .iter()
                        .all(|r| f.recipients.iter().any(|p| covers(p, r, &[])))
                })
                .collect();
            let dflt;
            let pool: Vec<&RFlow> = if matched.is_empty() {
                match defaults.iter().find(|(c, _)| *c == cat.as_str()) {
                    Some((c, p)) => {
                        dflt = RFlow {
                            id: format!("default:{c}"),
                            cat: c,
                            senders: vec![],
                            recipients: vec![],
                            perm: *p,
                            prio: false,
                        };
                        vec![&dflt]
                    }
                    None => continue,
                }
            } else {
                matched
            };
            let top = pool.iter().map(|f| rank(f.perm, f.prio)).max().unwrap();
            let winners: Vec<&&RFlow> = pool
                .iter()
                .filter(|f| rank(f.perm, f.prio) == top)
                .collect();
            let v = verdict(winners[0].perm);
            for f in &pool {
                if f.perm != 0 {
                    flow_viol.push((f.id.clone(), rank(f.perm, f.prio) == top, v));
                }
            }
            cats.push((v, winners.iter().map(|f| f.id.clone()).collect::<Vec<_>>()));
        }
        if let Some(max) = cats.iter().map(|(v, _)| *v).max() {
            flow_say = Some(max);
            for (v, w) in &cats {
                if *v == max {
                    flow_det.extend(w.iter().cloned());
                }
            }
            flow_viol
                .iter_mut()
                .for_each(|x| x.1 = x.1 && x.2 == max && max != Verdict::Allow);
        }
    }
    // combine
    let fin = [expr_say, flow_say]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(Verdict::Allow);
    out.verdict = fin;
    if expr_say == Some(fin) {
        out.determined.extend(expr_det);
    }
    if flow_say == Some(fin) {
        out.determined.extend(flow_det);
    }
    for (id, enf) in expr_viol {
        out.violations.insert(id.clone());
        if enf && expr_say == Some(fin) {
            out.enforced.insert(id);
        }
    }
    for (id, enf, _) in flow_viol {
        out.violations.insert(id.clone());
        if enf && flow_say == Some(fin) {
            out.enforced.insert(id);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// generators
// ---------------------------------------------------------------------------

const ACTIONS: [&str; 3] = ["download", "email", "login"];
const CATS: [&str; 3] = ["PII", "PCI", "PHI"];

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..4u8).prop_map(|g| format!("_user.inGroup('g{g}')")),
        prop::sample::select(CATS.to_vec()).prop_map(|c| format!("_file.hasCategory('{c}')")),
        (
            0..3u8,
            prop::sample::select(vec!["low", "medium", "high"]),
            0..4u8,
            prop::sample::select(vec![">=", ">", "==", "<"])
        )
            .prop_map(|(d, c, k, op)| format!("_file.count('d{d}', '{c}') {op} {k}")),
        (0..2u8).prop_map(|t| format!("_user.userType == 'T{t}'")),
        Just("_request.remoteCountryCode != 'US'".to_string()),
        Just("_file.pathStartsWith('/a')".to_string()),
    ]
}

fn cond() -> impl Strategy<Value = String> {
    atom().prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| format!("not ({e})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a}) or ({b})")),
        ]
    })
}

fn rule(i: usize) -> impl Strategy<Value = RRule> {
    (
        prop::sample::subsequence(ACTIONS.to_vec(), 1..3),
        prop::bool::weighted(0.7),
        prop::bool::weighted(0.7),
        cond(),
    )
        .prop_map(move |(acts, deny, enforce, expr)| {
            // login rules may only use _request and _user
            let expr = if acts.contains(&"login") {
                expr.replace("_file.hasCategory", "_user.inGroup")
                    .replace("_file.pathStartsWith('/a')", "_user.inGroup('g9')")
                    .replace("_file.count('d", "_user.inGroup('x")
                    .replace("', 'low')", "')")
                    .replace("', 'medium')", "')")
                    .replace("', 'high')", "')")
            } else {
                expr
            };
            // email rules may not use _request
            let expr = if acts.contains(&"email") {
                expr.replace(
                    "_request.remoteCountryCode != 'US'",
                    "_user.userType != 'T1'",
                )
            } else {
                expr
            };
            // `_user.inGroup('x0') >= 3` is a type error; make such a login atom boolean
            let expr = fix_login_counts(&expr);
            RRule {
                id: format!("r{i}"),
                actions: acts.iter().map(|s| s.to_string()).collect(),
                deny,
                enforce,
                expr,
            }
        })
}

fn fix_login_counts(e: &str) -> String {
    let mut s = e.to_string();
    for op in [">=", ">", "==", "<"] {
        for k in 0..4 {
            for d in 0..3 {
                s = s.replace(
                    &format!("_user.inGroup('x{d}') {op} {k}"),
                    &format!("_user.inGroup('x{d}')"),
                );
            }
        }
    }
    s
}

fn pat(recipient: bool) -> impl Strategy<Value = String> {
    let mut v = vec![
        "*",
        "internal",
        "external",
        "email:*@corp.com",
        "email:a?@*",
        "email:b*",
        "host:*.corp.com",
        "host:x*",
        "group:g1",
        "group:G*",
    ];
    if recipient {
        v.push("device:*");
    }
    prop::sample::select(v).prop_map(str::to_string)
}

fn flow(i: usize) -> impl Strategy<Value = RFlow> {
    (
        prop::sample::select(CATS.to_vec()),
        prop::collection::vec(pat(false), 1..3),
        prop::collection::vec(pat(true), 1..3),
        0..3u8,
        any::<bool>(),
    )
        .prop_map(move |(cat, senders, recipients, perm, prio)| RFlow {
            id: format!("f{i}"),
            cat,
            senders,
            recipients,
            perm,
            prio: prio && perm != 2,
        })
}

fn identity(recipient: bool) -> impl Strategy<Value = Identity> {
    let names = prop::sample::select(vec![
        "a1@corp.com",
        "b@corp.com",
        "a2@x.org",
        "bob@y.net",
        "c@corp.com",
    ]);
    let hosts = prop::sample::select(vec!["h1.corp.com", "x.example", "xy.corp.com", "db.other"]);
    let groups = prop::sample::subsequence(vec!["g1", "g2", "ops"], 0..2);
    let mut opts: Vec<BoxedStrategy<Identity>> = vec![
        (names, groups)
            .prop_map(|(n, gs)| Identity::Contact {
                scheme: cordon_policy::model::ContactScheme::Email,
                id: n.into(),
                account: None,
                internal: None,
                groups: gs.into_iter().map(String::from).collect(),
            })
            .boxed(),
    ];
    if recipient {
        opts.push(
            hosts
                .prop_map(|h| Identity::Host {
                    host: h.into(),
                    internal: None,
                })
                .boxed(),
        );
        opts.push(
            Just(Identity::Device {
                device: cordon_policy::model::DeviceKind::ExternalStorage,
                name: None,
            })
            .boxed(),
        );
    }
    prop::strategy::Union::new(opts)
}

fn event() -> impl Strategy<Value = Event> {
    (
        prop::sample::select(ACTIONS.to_vec()),
        prop::option::weighted(0.9, (prop::collection::vec(0..5u8, 0..3), 0..3u8)),
        prop::option::weighted(
            0.8,
            (
                prop::option::weighted(0.8, prop::sample::select(vec!["/a/x", "/b/y"])),
                prop::option::weighted(
                    0.9,
                    (
                        prop::sample::subsequence(CATS.to_vec(), 0..3),
                        prop::collection::vec((0..3u8, 0..4u64, 0..4u64, 0..4u64), 0..3),
                    ),
                ),
            ),
        ),
        prop::option::of(prop::sample::select(vec!["US", "FR"])),
        prop::collection::vec(identity(false), 0..3),
        prop::collection::vec(identity(true), 0..3),
    )
        .prop_map(|(action, user, file, country, sender, recipients)| {
            let mut j = serde_json::json!({"action": action});
            if let Some((groups, t)) = user {
                let groups: Vec<String> = groups
                    .iter()
                    .map(|g| {
                        if *g == 4 {
                            "G1".into()
                        } else {
                            format!("g{g}")
                        }
                    })
                    .collect();
                j["user"] = if t == 2 {
                    serde_json::json!({"groups": groups})
                } else {
                    serde_json::json!({"groups": groups, "userType": format!("T{t}")})
                };
            }
            if let Some((path, cls)) = file {
                let mut f = serde_json::json!({});
                if let Some(p) = path {
                    f["path"] = p.into();
                }
                if let Some((cats, dets)) = cls {
                    let mut d = serde_json::Map::new();
                    for (i, l, m, h) in dets {
                        d.insert(
                            format!("d{i}"),
                            serde_json::json!({"low": l, "medium": m, "high": h}),
                        );
                    }
                    f["classification"] = serde_json::json!({"categories": cats, "detectors": d});
                }
                j["file"] = f;
            }
            if let Some(c) = country {
                j["request"] = serde_json::json!({"remoteCountryCode": c});
            }
            j["sender"] = serde_json::to_value(&sender).unwrap();
            j["recipients"] = serde_json::to_value(&recipients).unwrap();
            serde_json::from_value(j).unwrap()
        })
}

fn policy() -> impl Strategy<Value = (Vec<RRule>, Vec<RFlow>, Vec<(&'static str, u8)>)> {
    (
        0..12usize,
        0..10usize,
        prop::collection::vec((prop::sample::select(CATS.to_vec()), 0..3u8), 0..3),
    )
        .prop_flat_map(|(nr, nf, defaults)| {
            let rules: Vec<_> = (0..nr).map(rule).collect();
            let flows: Vec<_> = (0..nf).map(flow).collect();
            let mut seen = BTreeSet::new();
            let defaults: Vec<_> = defaults
                .into_iter()
                .filter(|(c, _)| seen.insert(*c))
                .collect();
            (rules, flows, Just(defaults))
        })
}

fn document(rules: &[RRule], flows: &[RFlow], defaults: &[(&str, u8)]) -> String {
    let perm = |p: u8| ["allow", "exception", "deny"][p as usize];
    let mut s = String::from("id: generated\ninternal: { domains: [corp.com] }\nrules:\n");
    for r in rules {
        s += &format!(
            "  - id: {}\n    userActions: [{}]\n    effect: {}\n    mode: {}\n    expression: \"{}\"\n",
            r.id,
            r.actions.join(", "),
            if r.deny { "deny" } else { "allow" },
            if r.enforce { "enforce" } else { "permissive" },
            r.expr
        );
    }
    s += "flows:\n";
    for f in flows {
        s += &format!(
            "  - {{ id: {}, category: {}, senders: {:?}, recipients: {:?}, permission: {}, prioritized: {} }}\n",
            f.id,
            f.cat,
            f.senders,
            f.recipients,
            perm(f.perm),
            f.prio
        );
    }
    s += "flowDefaults:\n";
    for (c, p) in defaults {
        s += &format!("  {c}: {{ permission: {} }}\n", perm(*p));
    }
    s.replace("rules:\nflows:", "rules: []\nflows:")
        .replace("flows:\nflowDefaults:", "flows: []\nflowDefaults:")
        .trim_end_matches("flowDefaults:\n")
        .to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn engine_agrees_with_the_reference((rules, flows, defaults) in policy(), events in prop::collection::vec(event(), 1..6)) {
        let doc = document(&rules, &flows, &defaults);
        let (set, diags) = Loader::new().load(&doc);
        prop_assert!(set.is_some(), "{doc}\n{diags:#?}");
        let engine = Engine::new(set.unwrap());
        for ev in &events {
            let d = engine.decide(ev);
            let got = Out {
                verdict: d.decision,
                determined: d.determined_by.iter().map(|r| r.id.clone()).collect(),
                violations: d.violations.iter().map(|v| v.rule.clone()).collect(),
                enforced: d.violations.iter().filter(|v| v.enforced).map(|v| v.rule.clone()).collect(),
            };
            let want = reference(&rules, &flows, &defaults, ev);
            prop_assert_eq!(got, want, "{}\n{}", doc, serde_json::to_string(ev).unwrap());
        }
    }
}
