//! The permission check as tables: the seed's users A–D line by line
//! (`cases/seed_001_scopes.json`) and the predefined roles per module
//! (`cases/roles.tsv`).

use std::collections::BTreeMap;

use cordon_access::{
    Action, Module, Object, Owner, Role, Scope, Subject, Targets, authorize, target_choices,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Seed {
    users: BTreeMap<String, Vec<String>>,
    cases: Vec<Case>,
    target_choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Case {
    seed: String,
    user: String,
    action: String,
    owner: String,
    targets: Vec<String>,
    allowed: bool,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct Choice {
    seed: String,
    editor: String,
    creator: String,
    targets: Vec<String>,
    shown: Vec<String>,
    offered: Vec<String>,
}

fn action(s: &str) -> Action {
    match s {
        "view" => Action::View,
        "create" => Action::Create,
        "modify" => Action::Modify,
        "delete" => Action::Delete,
        "clone" => Action::Clone,
        "administer" => Action::Administer,
        other => panic!("unknown action {other}"),
    }
}

fn reason_code(r: &cordon_access::Reason) -> String {
    serde_json::to_value(r).unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn load() -> Seed {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/cases/seed_001_scopes.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn subject(seed: &Seed, user: &str, role: &str) -> Subject {
    Subject {
        id: user.to_owned(),
        role: Role::builtin(role).unwrap(),
        scope: Scope::groups(seed.users[user].iter().cloned()),
        super_admin: false,
    }
}

#[test]
fn the_seeds_users_a_to_d_line_by_line() {
    let seed = load();
    assert!(seed.cases.len() >= 25);
    let mut failures = Vec::new();
    for c in &seed.cases {
        let s = subject(&seed, &c.user, Role::DLP_MANAGER);
        let owner = Owner::Account(c.owner.clone());
        let targets = Targets::groups(c.targets.iter().cloned());
        let d = authorize(
            &s,
            action(&c.action),
            Object::Item {
                module: Module::Policies,
                owner: &owner,
                targets: &targets,
            },
        );
        let got = reason_code(&d.reason);
        let reason_ok = c.reason.as_ref().is_none_or(|r| *r == got);
        if d.allowed != c.allowed || !reason_ok {
            failures.push(format!(
                "{}: {} {} {:?}: expected {} {:?}, got {} {got} ({})",
                c.seed, c.user, c.action, c.targets, c.allowed, c.reason, d.allowed, d.reason
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_target_list_an_editor_sees_is_the_shared_scope() {
    let seed = load();
    for c in &seed.target_choices {
        let editor = Scope::groups(seed.users[&c.editor].iter().cloned());
        let creator = Scope::groups(seed.users[&c.creator].iter().cloned());
        let got = target_choices(
            &editor,
            Some(&creator),
            &Targets::groups(c.targets.iter().cloned()),
        );
        assert_eq!(
            got.shown,
            Targets::groups(c.shown.iter().cloned()),
            "{}",
            c.seed
        );
        assert_eq!(
            got.offered,
            Scope::groups(c.offered.iter().cloned()),
            "{}",
            c.seed
        );
    }
}

#[test]
fn predefined_roles_per_module() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/roles.tsv");
    let text = std::fs::read_to_string(path).unwrap();
    let mut n = 0;
    let mut failures = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let f: Vec<&str> = line.split('\t').collect();
        let [role, module, act, owner, allowed, reason, why] = f[..] else {
            panic!("bad row: {line}")
        };
        let s = Subject {
            id: "me".into(),
            role: Role::builtin(role).unwrap(),
            scope: Scope::All,
            super_admin: false,
        };
        let owner = match owner {
            "self" => Owner::Account("me".into()),
            "other" => Owner::Account("someone else".into()),
            _ => Owner::System,
        };
        let targets = Targets::groups(["G1"]);
        let object = if module == "admin" {
            Object::Admin
        } else {
            Object::Item {
                module: Module::parse(module).unwrap(),
                owner: &owner,
                targets: &targets,
            }
        };
        let d = authorize(&s, action(act), object);
        let got = reason_code(&d.reason);
        if d.allowed != (allowed == "yes") || got != reason {
            failures.push(format!(
                "{role} {act} {module} ({why}): expected {allowed} {reason}, got {} {got}",
                d.allowed
            ));
        }
        n += 1;
    }
    assert!(n >= 20);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
