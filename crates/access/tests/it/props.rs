//! Properties of the permission check over random roles, scopes and
//! objects.

use cordon_access::{
    Action, Level, Levels, Module, Object, Owner, Role, Scope, Subject, Targets, authorize,
    can_assign, can_grant_role,
};
use proptest::prelude::*;

fn level() -> impl Strategy<Value = Level> {
    prop_oneof![
        Just(Level::NoAccess),
        Just(Level::Read),
        Just(Level::Write),
        Just(Level::FullControl)
    ]
}

fn levels() -> impl Strategy<Value = Levels> {
    proptest::collection::vec(level(), Module::ALL.len()).prop_map(|ls| {
        let mut out = Levels::default();
        for (m, l) in Module::ALL.into_iter().zip(ls) {
            out.set(m, l);
        }
        out
    })
}

fn names() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(prop_oneof!["G1", "G2", "G3", "G4"], 0..4)
        .prop_map(|v| v.into_iter().collect())
}

fn scope() -> impl Strategy<Value = Scope> {
    prop_oneof![
        Just(Scope::All),
        names().prop_map(Scope::groups),
        names().prop_map(|v| Scope::offices(v.into_iter().map(|g| g.replace('G', "O")))),
    ]
}

fn targets() -> impl Strategy<Value = Targets> {
    (any::<bool>(), names(), names(), any::<bool>()).prop_map(|(server, g, o, one)| {
        if one {
            Targets::computer(g.first().map(String::as_str), Some("O1"))
        } else {
            Targets {
                server,
                groups: g.into_iter().collect(),
                offices: o.into_iter().map(|x| x.replace('G', "O")).collect(),
                one_computer: false,
            }
        }
    })
}

fn subject(levels: Levels, scope: Scope, admin: bool) -> Subject {
    Subject {
        id: "me".into(),
        role: Role {
            id: "r".into(),
            name: "r".into(),
            description: String::new(),
            predefined: false,
            admin,
            levels,
        },
        scope,
        super_admin: false,
    }
}

const ACTIONS: [Action; 5] = [
    Action::View,
    Action::Create,
    Action::Modify,
    Action::Delete,
    Action::Clone,
];

proptest! {
    #[test]
    fn whatever_may_be_changed_may_be_seen(
        ls in levels(), sc in scope(), t in targets(), mine in any::<bool>(), m in 0..8usize
    ) {
        let s = subject(ls, sc, false);
        let owner = if mine { Owner::Account("me".into()) } else { Owner::Account("x".into()) };
        let module = Module::ALL[m];
        let obj = Object::Item { module, owner: &owner, targets: &t };
        let modify = authorize(&s, Action::Modify, obj).allowed;
        let view = authorize(&s, Action::View, obj).allowed;
        prop_assert!(!modify || view);
        // The item check never allows what the module check refuses.
        for a in ACTIONS {
            if authorize(&s, a, obj).allowed {
                prop_assert!(authorize(&s, a, Object::Module(module)).allowed);
            }
        }
    }

    #[test]
    fn read_only_roles_change_nothing(sc in scope(), t in targets(), m in 0..8usize) {
        let s = subject(Levels::all(Level::Read), sc, false);
        let owner = Owner::Account("me".into());
        let obj = Object::Item { module: Module::ALL[m], owner: &owner, targets: &t };
        for a in [Action::Create, Action::Modify, Action::Delete, Action::Clone, Action::Administer] {
            prop_assert!(!authorize(&s, a, obj).allowed);
        }
    }

    #[test]
    fn full_control_on_all_computers_does_everything(t in targets(), m in 0..8usize) {
        let s = subject(Levels::all(Level::FullControl), Scope::All, false);
        let owner = Owner::Account("x".into());
        let obj = Object::Item { module: Module::ALL[m], owner: &owner, targets: &t };
        for a in ACTIONS {
            prop_assert!(authorize(&s, a, obj).allowed);
        }
    }

    #[test]
    fn nobody_grants_more_than_they_hold(mine in levels(), theirs in levels()) {
        let s = subject(mine.clone(), Scope::All, true);
        let r = Role { id: "x".into(), name: "x".into(), description: String::new(),
            predefined: false, admin: false, levels: theirs.clone() };
        let d = can_grant_role(&s, &r);
        let exceeds = Module::ALL.iter().any(|&m| theirs.get(m) > mine.get(m));
        prop_assert_eq!(d.allowed, !exceeds);
    }

    #[test]
    fn a_granted_scope_is_inside_the_granters(mine in scope(), theirs in scope(), t in targets()) {
        let s = subject(Levels::all(Level::FullControl), mine.clone(), true);
        let r = Role::builtin(Role::GUEST).unwrap();
        if can_assign(&s, "other", false, &r, &theirs).allowed {
            // Whatever the new scope may change, the granter may change too.
            prop_assert!(!t.within(&theirs) || t.within(&mine));
        }
        prop_assert!(!can_assign(&s, "me", false, &r, &theirs).allowed);
    }
}
