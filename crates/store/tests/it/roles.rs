//! Roles on both backends: the predefined four written on open, custom
//! roles, and no deletion of a role someone holds.

use cordon_access::{self as access, Level, Levels, Module};
use cordon_store::*;

use crate::both::{Env, T0, account, admin_actor, conflict, invalid, not_found, on_both_backends};

on_both_backends!(predefined_roles_come_from_the_code, custom_roles);

fn custom(id: &str, name: &str) -> access::Role {
    access::Role {
        id: id.into(),
        name: name.into(),
        description: "reads incidents".into(),
        predefined: false,
        admin: false,
        levels: Levels::default().with(Module::Incidents, Level::Read),
    }
}

async fn predefined_roles_come_from_the_code(env: &Env) {
    let s = env.s();
    let roles = s.list_roles().await.unwrap();
    let got: Vec<_> = roles.iter().map(|r| r.role.clone()).collect();
    let mut want = access::Role::predefined().to_vec();
    want.sort_by_key(|r| r.name.to_lowercase());
    assert_eq!(got, want);
    assert!(
        roles
            .iter()
            .all(|r| r.updated_by == Actor::System && r.holders == 0)
    );
    let admin_before = s.get_role(access::Role::ADMINISTRATOR).await.unwrap();

    // Someone changed a predefined role behind the store's back (or an
    // older version defined it differently): the next open puts the
    // code's definition back, and leaves the others as they were.
    env.raw(
        "UPDATE roles SET name = 'Gast', levels = '{\"audit\":\"full_control\"}', \
         admin = 1, updated_at = 5 WHERE id = 'guest'",
    )
    .await
    .unwrap();
    let tampered = s.get_role("guest").await.unwrap();
    assert_eq!(tampered.role.name, "Gast");
    assert!(tampered.role.admin);
    env.raw("DELETE FROM roles WHERE id = 'technician'")
        .await
        .unwrap();
    // Four servers opening at once.
    let opens = futures_util::future::join_all((0..4).map(|_| env.another())).await;
    let guest = s.get_role("guest").await.unwrap();
    assert_eq!(Some(guest.role.clone()), access::Role::builtin("guest"));
    assert!(guest.updated_at > 5, "refreshed: {}", guest.updated_at);
    assert_eq!(
        s.get_role("technician").await.unwrap().role,
        access::Role::builtin("technician").unwrap()
    );
    assert_eq!(
        s.get_role(access::Role::ADMINISTRATOR).await.unwrap(),
        admin_before,
        "an unchanged role is not rewritten"
    );
    assert_eq!(s.list_roles().await.unwrap().len(), 4);
    for o in opens {
        o.close().await;
    }
}

async fn custom_roles(env: &Env) {
    let s = env.s();
    let by = admin_actor();
    let r = s
        .create_role(&custom("auditors", "Auditors"), &by, T0)
        .await
        .unwrap();
    assert_eq!(r.role, custom("auditors", "Auditors"));
    assert_eq!(
        (r.created_at, r.updated_at, r.updated_by.clone(), r.holders),
        (T0, T0, by.clone(), 0)
    );
    assert_eq!(s.get_role("auditors").await.unwrap(), r);

    let msg = conflict(s.create_role(&custom("auditors", "Other"), &by, T0).await);
    assert!(msg.contains("auditors"), "{msg}");
    let msg = conflict(s.create_role(&custom("aud2", "AUDITORS"), &by, T0).await);
    assert!(
        msg.contains("AUDITORS") && msg.contains("Auditors"),
        "{msg}"
    );
    conflict(s.create_role(&custom("visitor", "guest"), &by, T0).await);
    let msg = invalid(s.create_role(&custom("guest", "Visitors"), &by, T0).await);
    assert!(msg.contains("predefined"), "{msg}");
    invalid(s.create_role(&custom("Bad Id", "Bad"), &by, T0).await);
    let mut tab = custom("tab", "Tab");
    tab.admin = true;
    invalid(s.create_role(&tab, &by, T0).await);

    // Changing a custom role; predefined ones are immutable.
    let mut changed = custom("auditors", "Auditors (EU)");
    changed.levels = Levels::all(Level::Read);
    let bob = Actor::account("00000000000000b0", "bob");
    let u = s.update_role(&changed, &bob, T0 + 1).await.unwrap();
    assert_eq!(u.role, changed);
    assert_eq!(
        (u.created_at, u.updated_at, u.updated_by),
        (T0, T0 + 1, bob)
    );
    let mut guest = access::Role::builtin("guest").unwrap();
    guest.levels = Levels::all(Level::FullControl);
    let msg = invalid(s.update_role(&guest, &by, T0).await);
    assert!(msg.contains("predefined"), "{msg}");
    guest.predefined = false;
    invalid(s.update_role(&guest, &by, T0).await);
    not_found(s.update_role(&custom("nobody", "Nobody"), &by, T0).await);
    s.create_role(&custom("readers", "Readers"), &by, T0)
        .await
        .unwrap();
    conflict(
        s.update_role(&custom("readers", "auditors (eu)"), &by, T0)
            .await,
    );

    // Predefined roles are never deleted; a held role is not either.
    for id in ["administrator", "dlp_manager", "technician", "guest"] {
        let msg = invalid(s.delete_role(id, &by).await);
        assert!(msg.contains("predefined"), "{msg}");
    }
    let mut holders = Vec::new();
    for name in ["uma", "Ugo", "una", "uri", "ursula", "uwe", "uz"] {
        holders.push(account(s, name, "auditors").await);
    }
    assert_eq!(s.get_role("auditors").await.unwrap().holders, 7);
    let msg = invalid(s.delete_role("auditors", &by).await);
    assert_eq!(
        msg,
        "invalid role deletion: `Auditors (EU)` is held by 7 accounts \
         (Ugo, uma, una, uri, ursula and 2 more); give them another role first"
    );
    // Down to a single holder: still refused, and it says who.
    for a in &holders[1..] {
        s.update_account(
            &a.id,
            &AccountUpdate {
                role_id: Some("readers".into()),
                ..Default::default()
            },
            &by,
            T0,
        )
        .await
        .unwrap();
    }
    let msg = invalid(s.delete_role("auditors", &by).await);
    assert!(msg.contains("held by 1 account (uma)"), "{msg}");
    // The database refuses it too.
    env.raw("DELETE FROM roles WHERE id = 'auditors'")
        .await
        .unwrap_err();
    s.delete_account(&holders[0].id, &by, T0).await.unwrap();
    s.delete_role("auditors", &by).await.unwrap();
    not_found(s.get_role("auditors").await);
    not_found(s.delete_role("auditors", &by).await);
    let listed: Vec<_> = s
        .list_roles()
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.role.id, r.holders))
        .collect();
    assert_eq!(
        listed,
        [
            ("administrator", 0),
            ("dlp_manager", 0),
            ("guest", 0),
            ("technician", 0),
            ("readers", 6)
        ]
        .map(|(id, n)| (id.to_owned(), n))
    );
}
