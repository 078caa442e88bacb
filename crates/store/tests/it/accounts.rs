//! Accounts on both backends: the one super admin, names unique ignoring
//! case, the administrator rules, passwords, TOTP replay and lockout.

use cordon_access as access;
use cordon_store::*;

use crate::both::{
    Env, T0, account, admin_actor, conflict, invalid, local, not_found, on_both_backends, phc,
    super_admin,
};

const ADMIN: &str = access::Role::ADMINISTRATOR;
const GUEST: &str = access::Role::GUEST;

on_both_backends!(
    first_super_admin_is_created_once,
    one_super_admin_by_the_schema,
    super_admin_transfer,
    user_names_are_unique_ignoring_case,
    account_updates_keep_an_administrator,
    account_deletion,
    deletion_keeps_an_enabled_administrator,
    passwords_and_secrets,
    totp_steps_are_accepted_once,
    lockout_escalates_and_resets,
);

async fn first_super_admin_is_created_once(env: &Env) {
    let s = env.s();
    assert_eq!(s.count_accounts().await.unwrap(), 0);
    let msg = invalid(s.create_first_super_admin(&local("root", GUEST), T0).await);
    assert!(msg.contains("administrator"), "{msg}");
    // Eight servers (on two pools) starting together on the empty database.
    let other = env.another().await;
    let calls = (0..8).map(|i| {
        let store = if i % 2 == 0 {
            env.store.clone()
        } else {
            other.clone()
        };
        tokio::spawn(async move {
            store
                .create_first_super_admin(&local(&format!("root{i}"), ADMIN), T0)
                .await
                .unwrap()
        })
    });
    let made: Vec<Account> = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .filter_map(|r| r.unwrap())
        .collect();
    assert_eq!(made.len(), 1, "exactly one first super admin: {made:?}");
    let root = &made[0];
    assert!(root.super_admin && !root.disabled);
    assert_eq!(root.role_id, ADMIN);
    assert_eq!(root.created_by, Actor::System);
    assert_eq!(root.password_changed_at, Some(T0));
    assert_eq!(s.count_accounts().await.unwrap(), 1);
    assert_eq!(&s.get_account(&root.id).await.unwrap(), root);
    assert!(
        s.create_first_super_admin(&local("late", ADMIN), T0)
            .await
            .unwrap()
            .is_none()
    );
    other.close().await;
}

async fn one_super_admin_by_the_schema(env: &Env) {
    let s = env.s();
    let root = super_admin(s).await;
    let bob = account(s, "bob", ADMIN).await;
    assert_eq!(root.id.len(), 16);
    assert!(root.id.chars().all(|c| c.is_ascii_hexdigit()));
    // A second super admin, however it is written, is refused.
    let err = env
        .raw(&format!(
            "UPDATE users SET super_admin = 1 WHERE id = '{}'",
            bob.id
        ))
        .await
        .unwrap_err();
    assert!(
        err.contains("one_super_admin") || err.contains("UNIQUE"),
        "{err}"
    );
    let err = env
        .raw(
            "INSERT INTO users (id, username, username_key, auth, password_hash, role_id, \
             scope, super_admin, created_at, updated_at, created_by, updated_by) VALUES \
             ('00000000000000ff', 'eve', 'eve', 'local', 'x', 'administrator', \
             '{\"kind\":\"all\"}', 1, 0, 0, 'system', 'system')",
        )
        .await
        .unwrap_err();
    assert!(
        err.contains("one_super_admin") || err.contains("UNIQUE"),
        "{err}"
    );
    // The super admin is an enabled administrator, down to the schema.
    for change in ["role_id = 'guest'", "disabled = 1"] {
        env.raw(&format!(
            "UPDATE users SET {change} WHERE id = '{}'",
            root.id
        ))
        .await
        .unwrap_err();
    }
    // A local account has a password hash, a directory account none.
    env.raw(&format!(
        "UPDATE users SET password_hash = NULL WHERE id = '{}'",
        bob.id
    ))
    .await
    .unwrap_err();
    let supers: Vec<_> = s
        .list_accounts()
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.super_admin)
        .collect();
    assert_eq!(supers, [root]);
}

async fn super_admin_transfer(env: &Env) {
    let s = env.s();
    let root = super_admin(s).await;
    let ann = account(s, "ann", ADMIN).await;
    let ben = account(s, "ben", ADMIN).await;
    let gus = account(s, "gus", GUEST).await;
    let off = account(s, "off", ADMIN).await;
    s.update_account(
        &off.id,
        &AccountUpdate {
            disabled: Some(true),
            ..Default::default()
        },
        &admin_actor(),
        T0,
    )
    .await
    .unwrap();
    // The super admin keeps the administrator role and stays enabled.
    let demote = AccountUpdate {
        role_id: Some(GUEST.into()),
        ..Default::default()
    };
    let msg = invalid(
        s.update_account(&root.id, &demote, &admin_actor(), T0)
            .await,
    );
    assert!(msg.contains("`root` is the super admin"), "{msg}");
    let msg = invalid(
        s.update_account(
            &root.id,
            &AccountUpdate {
                disabled: Some(true),
                ..Default::default()
            },
            &admin_actor(),
            T0,
        )
        .await,
    );
    assert!(msg.contains("`root` is the super admin"), "{msg}");

    let by = root.actor();
    let msg = invalid(s.transfer_super_admin(&root.id, &gus.id, &by, T0).await);
    assert!(
        msg.contains("gus") && msg.contains("administrator"),
        "{msg}"
    );
    let msg = invalid(s.transfer_super_admin(&root.id, &off.id, &by, T0).await);
    assert!(msg.contains("off") && msg.contains("disabled"), "{msg}");
    let msg = invalid(s.transfer_super_admin(&ann.id, &ben.id, &by, T0).await);
    assert!(msg.contains("`ann` is not the super admin"), "{msg}");
    let msg = invalid(s.transfer_super_admin(&root.id, &root.id, &by, T0).await);
    assert!(msg.contains("already"), "{msg}");
    not_found(
        s.transfer_super_admin(&root.id, "ffffffffffffffff", &by, T0)
            .await,
    );

    // Two transfers at once from the same super admin: one wins, the
    // other finds the super admin gone.
    let (a, b) = tokio::join!(
        s.transfer_super_admin(&root.id, &ann.id, &by, T0 + 1),
        s.transfer_super_admin(&root.id, &ben.id, &by, T0 + 1),
    );
    assert!(a.is_ok() != b.is_ok(), "exactly one transfer: {a:?} {b:?}");
    let winner = if a.is_ok() { &ann } else { &ben };
    invalid(if a.is_ok() { b } else { a });
    let now = s.get_account(&winner.id).await.unwrap();
    assert!(now.super_admin);
    assert_eq!(
        (now.updated_at, now.updated_by.clone()),
        (T0 + 1, by.clone())
    );
    let former = s.get_account(&root.id).await.unwrap();
    assert!(!former.super_admin);
    assert_eq!(
        former.role_id, ADMIN,
        "the former super admin stays administrator"
    );
    let supers = s
        .list_accounts()
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.super_admin)
        .count();
    assert_eq!(supers, 1);
}

async fn user_names_are_unique_ignoring_case(env: &Env) {
    let s = env.s();
    let alice = account(s, "Alice", GUEST).await;
    let msg = conflict(
        s.create_account(&local("alice", GUEST), &admin_actor(), T0)
            .await,
    );
    assert!(msg.contains("`alice`") && msg.contains("`Alice`"), "{msg}");
    let msg = conflict(
        s.create_account(&local("Alice", GUEST), &admin_actor(), T0)
            .await,
    );
    assert_eq!(msg, "user name `Alice` already exists");
    // Beyond ASCII too, on both backends alike.
    account(s, "Åsa", GUEST).await;
    conflict(
        s.create_account(&local("åSA", GUEST), &admin_actor(), T0)
            .await,
    );
    let (found, creds) = s.find_account_by_username("ALICE").await.unwrap().unwrap();
    assert_eq!(found, alice);
    assert_eq!(creds.password_hash, Some(phc("Alice")));
    assert!(
        s.find_account_by_username("nobody")
            .await
            .unwrap()
            .is_none()
    );

    // Renaming into a taken name.
    let bob = account(s, "bob", GUEST).await;
    let rename = |name: &str| AccountUpdate {
        username: Some(name.into()),
        ..Default::default()
    };
    conflict(
        s.update_account(&bob.id, &rename("ALICE"), &admin_actor(), T0)
            .await,
    );
    // A change of case of one's own name is no conflict.
    let b = s
        .update_account(&bob.id, &rename("Bob"), &admin_actor(), T0)
        .await
        .unwrap();
    assert_eq!(b.username, "Bob");

    // What is refused before the database sees it.
    for bad in [
        "",
        " padded",
        "tab\there",
        &"x".repeat(MAX_USERNAME_CHARS + 1),
    ] {
        invalid(
            s.create_account(&local(bad, GUEST), &admin_actor(), T0)
                .await,
        );
    }
    let msg = not_found(
        s.create_account(&local("carol", "no_such_role"), &admin_actor(), T0)
            .await,
    );
    assert!(msg.contains("no_such_role"), "{msg}");
    let mut no_password = local("dave", GUEST);
    no_password.password_hash = None;
    invalid(s.create_account(&no_password, &admin_actor(), T0).await);
    let mut dir = local("erin", GUEST);
    dir.auth = AuthKind::Directory;
    invalid(s.create_account(&dir, &admin_actor(), T0).await);
    dir.password_hash = None;
    let erin = s.create_account(&dir, &admin_actor(), T0).await.unwrap();
    assert_eq!(erin.auth, AuthKind::Directory);
    assert_eq!(erin.password_changed_at, None);
    assert_eq!(s.credentials(&erin.id).await.unwrap().password_hash, None);

    // The same new name from several servers at once: one account.
    let calls = (0..6).map(|i| {
        let store = env.store.clone();
        let name = if i % 2 == 0 { "Frank" } else { "FRANK" };
        tokio::spawn(async move {
            store
                .create_account(&local(name, GUEST), &admin_actor(), T0)
                .await
        })
    });
    let results: Vec<_> = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    for r in results.into_iter().filter(|r| r.is_err()) {
        conflict(r);
    }
    let names: Vec<_> = s
        .list_accounts()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.username.to_lowercase())
        .collect();
    // By name ignoring case, the same order on both backends.
    assert_eq!(names, ["alice", "bob", "erin", "frank", "åsa"]);
}

async fn account_updates_keep_an_administrator(env: &Env) {
    let s = env.s();
    // No super admin here: the rule about the last administrator holds
    // on its own.
    let carol = account(s, "carol", ADMIN).await;
    let demote = AccountUpdate {
        role_id: Some(GUEST.into()),
        ..Default::default()
    };
    let disable = AccountUpdate {
        disabled: Some(true),
        ..Default::default()
    };
    let msg = invalid(
        s.update_account(&carol.id, &demote, &admin_actor(), T0)
            .await,
    );
    assert!(
        msg.contains("`carol` is the last enabled administrator"),
        "{msg}"
    );
    invalid(
        s.update_account(&carol.id, &disable, &admin_actor(), T0)
            .await,
    );
    let dave = account(s, "dave", ADMIN).await;
    let c = s
        .update_account(&carol.id, &demote, &admin_actor(), T0 + 1)
        .await
        .unwrap();
    assert_eq!(c.role_id, GUEST);
    invalid(
        s.update_account(&dave.id, &disable, &admin_actor(), T0)
            .await,
    );

    // Every other field, and who changed it.
    let by = dave.actor();
    let u = AccountUpdate {
        email: Some(None),
        phone: Some(Some("+33 1 23 45 67 89".into())),
        scope: Some(access::Scope::groups(["laptops", "servers"])),
        must_change_password: Some(true),
        ..Default::default()
    };
    let c2 = s.update_account(&carol.id, &u, &by, T0 + 2).await.unwrap();
    assert_eq!(c2.email, None);
    assert_eq!(c2.phone.as_deref(), Some("+33 1 23 45 67 89"));
    assert_eq!(c2.scope, access::Scope::groups(["laptops", "servers"]));
    assert!(c2.must_change_password);
    assert_eq!((c2.updated_at, c2.updated_by.clone()), (T0 + 2, by.clone()));
    assert_eq!((c2.created_at, c2.created_by.clone()), (T0, admin_actor()));
    assert_eq!(c2.username, "carol", "untouched fields stay");
    assert_eq!(s.get_account(&carol.id).await.unwrap(), c2);
    not_found(
        s.update_account(
            &carol.id,
            &AccountUpdate {
                role_id: Some("no_such_role".into()),
                ..Default::default()
            },
            &by,
            T0,
        )
        .await,
    );
    not_found(s.update_account("ffffffffffffffff", &u, &by, T0).await);
    not_found(s.get_account("ffffffffffffffff").await);
}

async fn account_deletion(env: &Env) {
    let s = env.s();
    let root = super_admin(s).await;
    let by = root.actor();
    let msg = invalid(s.delete_account(&root.id, &by, T0).await);
    assert!(msg.contains("`root` is the super admin"), "{msg}");

    // An account with a session, a challenge, a remembered browser and
    // two keys (one already revoked) goes with all of them.
    let gil = account(s, "gil", GUEST).await;
    let k1 = s
        .create_api_key("gil's ci", Role::Admin, Some(&gil.id), &by, T0)
        .await
        .unwrap();
    let k2 = s
        .create_api_key("gil's old", Role::Client, Some(&gil.id), &by, T0)
        .await
        .unwrap();
    s.revoke_api_key(&k2.key.id, &by, T0 + 1).await.unwrap();
    let service = s
        .create_api_key("gateway", Role::Client, None, &by, T0)
        .await
        .unwrap();
    assert_eq!(service.key.owner, None);
    assert_eq!(k1.key.owner.as_deref(), Some(gil.id.as_str()));
    s.create_session(&NewSession {
        id: "s1".into(),
        user_id: gil.id.clone(),
        csrf_hash: "c".into(),
        created_at: T0,
        idle_expires_at: T0 + 1000,
        expires_at: T0 + 2000,
        ip: "10.0.0.1".into(),
        user_agent: "ua".into(),
    })
    .await
    .unwrap();
    s.create_challenge(&NewChallenge {
        id: "c1".into(),
        user_id: gil.id.clone(),
        method: ChallengeMethod::Email,
        created_at: T0,
        expires_at: T0 + 1000,
        ip: String::new(),
        user_agent: String::new(),
    })
    .await
    .unwrap();
    s.remember_browser(&NewRememberedBrowser {
        id: "r1".into(),
        user_id: gil.id.clone(),
        credential_epoch: gil.credential_epoch,
        created_at: T0,
        expires_at: T0 + 1000,
        label: "firefox".into(),
    })
    .await
    .unwrap();
    let revoked = s.delete_account(&gil.id, &by, T0 + 5).await.unwrap();
    assert_eq!(revoked, 1, "the key still active");
    not_found(s.get_account(&gil.id).await);
    assert!(s.session("s1").await.unwrap().is_none());
    assert!(s.challenge("c1").await.unwrap().is_none());
    assert!(s.list_remembered(&gil.id).await.unwrap().is_empty());
    assert!(s.authenticate(k1.secret.expose()).await.unwrap().is_none());
    let keys = s.list_api_keys().await.unwrap();
    let k1 = keys.iter().find(|k| k.id == k1.key.id).unwrap();
    assert_eq!(
        (k1.revoked_at, k1.revoked_by.clone()),
        (Some(T0 + 5), Some(by.clone()))
    );
    assert_eq!(
        k1.owner.as_deref(),
        Some(gil.id.as_str()),
        "who owned it stays"
    );
    let k2 = keys.iter().find(|k| k.id == k2.key.id).unwrap();
    assert_eq!(k2.revoked_at, Some(T0 + 1), "an earlier revocation stays");
    assert!(
        s.authenticate(service.secret.expose())
            .await
            .unwrap()
            .is_some()
    );
    not_found(s.delete_account(&gil.id, &by, T0).await);
    // A key for an account that does not exist is refused.
    not_found(
        s.create_api_key("x", Role::Client, Some(&gil.id), &by, T0)
            .await,
    );
}

async fn deletion_keeps_an_enabled_administrator(env: &Env) {
    // No super admin here (as after a break-glass repair): the rule about
    // the last enabled administrator holds on its own.
    let s = env.s();
    let hal = account(s, "hal", ADMIN).await;
    let ivy = account(s, "ivy", ADMIN).await;
    let enable = |on: bool| AccountUpdate {
        disabled: Some(!on),
        ..Default::default()
    };
    s.update_account(&ivy.id, &enable(false), &admin_actor(), T0)
        .await
        .unwrap();
    let msg = invalid(s.delete_account(&hal.id, &admin_actor(), T0).await);
    assert!(
        msg.contains("`hal` is the last enabled administrator"),
        "{msg}"
    );
    // Anyone else goes freely.
    let gus = account(s, "gus", GUEST).await;
    s.delete_account(&gus.id, &admin_actor(), T0).await.unwrap();
    s.update_account(&ivy.id, &enable(true), &admin_actor(), T0)
        .await
        .unwrap();
    s.delete_account(&hal.id, &admin_actor(), T0).await.unwrap();
    assert_eq!(s.count_accounts().await.unwrap(), 1);
}

async fn passwords_and_secrets(env: &Env) {
    let s = env.s();
    let root = super_admin(s).await;
    let joe = account(s, "joe", GUEST).await;
    assert_eq!(joe.credential_epoch, 0);
    s.set_password(&joe.id, &phc("new"), true, &root.actor(), T0 + 10)
        .await
        .unwrap();
    let j = s.get_account(&joe.id).await.unwrap();
    assert_eq!(j.credential_epoch, 1);
    assert!(j.must_change_password);
    assert_eq!(j.password_changed_at, Some(T0 + 10));
    assert_eq!(j.updated_by, root.actor());
    assert_eq!(
        s.credentials(&joe.id).await.unwrap().password_hash,
        Some(phc("new"))
    );
    // The user's own change clears must-change.
    s.set_password(&joe.id, &phc("mine"), false, &j.actor(), T0 + 20)
        .await
        .unwrap();
    let j = s.get_account(&joe.id).await.unwrap();
    assert!(!j.must_change_password);
    assert_eq!(j.credential_epoch, 2);

    // Rehash on login: compare-and-set on the old hash.
    assert!(
        s.rehash_password(&joe.id, &phc("mine"), &phc("mine-v2"))
            .await
            .unwrap()
    );
    assert!(
        !s.rehash_password(&joe.id, &phc("mine"), &phc("mine-v3"))
            .await
            .unwrap()
    );
    let c = s.credentials(&joe.id).await.unwrap();
    assert_eq!(c.password_hash, Some(phc("mine-v2")));
    assert_eq!(
        s.get_account(&joe.id).await.unwrap().credential_epoch,
        2,
        "the same password: nothing voided"
    );

    // A directory account's password is the directory's.
    let mut d = local("kim", GUEST);
    d.auth = AuthKind::Directory;
    d.password_hash = None;
    let kim = s.create_account(&d, &root.actor(), T0).await.unwrap();
    let msg = invalid(
        s.set_password(&kim.id, &phc("x"), false, &root.actor(), T0)
            .await,
    );
    assert!(msg.contains("directory"), "{msg}");
    not_found(
        s.set_password("ffffffffffffffff", &phc("x"), false, &root.actor(), T0)
            .await,
    );
    not_found(s.credentials("ffffffffffffffff").await);

    // No secret in an account, its Debug or its JSON, however it is read.
    s.set_totp_secret(&joe.id, Some("SEALED-TOTP-SECRET"), &j.actor(), T0)
        .await
        .unwrap();
    let (by_name, creds) = s.find_account_by_username("joe").await.unwrap().unwrap();
    s.create_session(&NewSession {
        id: "sess".into(),
        user_id: joe.id.clone(),
        csrf_hash: "c".into(),
        created_at: T0,
        idle_expires_at: T0 + 1,
        expires_at: T0 + 1,
        ip: String::new(),
        user_agent: String::new(),
    })
    .await
    .unwrap();
    let (_, by_session) = s.session("sess").await.unwrap().unwrap();
    let mut seen = vec![by_name, by_session, s.get_account(&joe.id).await.unwrap()];
    seen.extend(s.list_accounts().await.unwrap());
    for a in &seen {
        for text in [format!("{a:?}"), serde_json::to_string(a).unwrap()] {
            assert!(!text.contains("argon2"), "{text}");
            assert!(!text.contains("SEALED-TOTP-SECRET"), "{text}");
        }
    }
    assert!(seen[0].totp_enrolled);
    assert_eq!(creds.totp_secret.as_deref(), Some("SEALED-TOTP-SECRET"));
    let d = format!("{creds:?}");
    assert!(!d.contains("argon2") && !d.contains("SEALED"), "{d}");
}

async fn totp_steps_are_accepted_once(env: &Env) {
    let s = env.s();
    let lea = account(s, "lea", GUEST).await;
    assert!(!lea.totp_enrolled);
    s.set_totp_secret(&lea.id, Some("sealed-1"), &lea.actor(), T0)
        .await
        .unwrap();
    let l = s.get_account(&lea.id).await.unwrap();
    assert!(l.totp_enrolled);
    assert_eq!(l.credential_epoch, lea.credential_epoch + 1);
    let step = (T0 / 1000) / 30;
    assert!(s.consume_totp_step(&lea.id, step).await.unwrap());
    assert!(
        !s.consume_totp_step(&lea.id, step).await.unwrap(),
        "a replay"
    );
    assert!(
        !s.consume_totp_step(&lea.id, step - 1).await.unwrap(),
        "an older code"
    );
    assert!(s.consume_totp_step(&lea.id, step + 1).await.unwrap());
    assert_eq!(
        s.credentials(&lea.id).await.unwrap().totp_last_step,
        step + 1
    );

    // One code sent to eight servers at once: accepted once.
    let other = env.another().await;
    let calls = (0..8).map(|i| {
        let store = if i % 2 == 0 {
            env.store.clone()
        } else {
            other.clone()
        };
        let id = lea.id.clone();
        tokio::spawn(async move { store.consume_totp_step(&id, step + 2).await.unwrap() })
    });
    let accepted = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .filter(|r| *r.as_ref().unwrap())
        .count();
    assert_eq!(accepted, 1);
    other.close().await;

    // A reset forgets the secret and the last step; a new enrolment
    // starts over.
    s.set_totp_secret(&lea.id, None, &admin_actor(), T0 + 1)
        .await
        .unwrap();
    let l = s.get_account(&lea.id).await.unwrap();
    assert!(!l.totp_enrolled);
    assert_eq!(l.updated_by, admin_actor());
    let c = s.credentials(&lea.id).await.unwrap();
    assert_eq!((c.totp_secret, c.totp_last_step), (None, 0));
    s.set_totp_secret(&lea.id, Some("sealed-2"), &lea.actor(), T0 + 2)
        .await
        .unwrap();
    assert!(s.consume_totp_step(&lea.id, 1).await.unwrap());
    assert!(!s.consume_totp_step("ffffffffffffffff", 1).await.unwrap());
    not_found(
        s.set_totp_secret("ffffffffffffffff", None, &admin_actor(), T0)
            .await,
    );
}

async fn lockout_escalates_and_resets(env: &Env) {
    let s = env.s();
    let max = account(s, "max", GUEST).await;
    let p = LockoutPolicy {
        threshold: 3,
        base_ms: 1000,
        max_ms: 5000,
    };
    let mut locks = Vec::new();
    for i in 1..=7 {
        let now = T0 + i * 10_000;
        let l = s.record_login_failure(&max.id, now, &p).await.unwrap();
        assert_eq!(l.failures, i);
        assert_eq!(l.locked_until.map(|t| t - now), p.lock_ms(i), "failure {i}");
        locks.push(l.locked_until.map(|t| t - now));
    }
    assert_eq!(
        locks,
        [
            None,
            None,
            Some(1000),
            Some(2000),
            Some(4000),
            Some(5000),
            Some(5000)
        ]
    );
    let m = s.get_account(&max.id).await.unwrap();
    assert_eq!(m.failed_logins, 7);
    assert!(m.is_locked(T0 + 70_000) && !m.is_locked(T0 + 75_000));

    s.record_login_success(&max.id, T0 + 100_000).await.unwrap();
    let m = s.get_account(&max.id).await.unwrap();
    assert_eq!((m.failed_logins, m.locked_until), (0, None));
    assert_eq!(m.last_login_at, Some(T0 + 100_000));

    // An administrator unlocks.
    for _ in 0..3 {
        s.record_login_failure(&max.id, T0, &p).await.unwrap();
    }
    assert!(s.get_account(&max.id).await.unwrap().is_locked(T0));
    s.unlock_account(&max.id, &admin_actor(), T0 + 1)
        .await
        .unwrap();
    let m = s.get_account(&max.id).await.unwrap();
    assert_eq!((m.failed_logins, m.locked_until), (0, None));
    assert_eq!(m.updated_by, admin_actor());

    // Never more than 100 failures without a lock, whatever the policy.
    let lax = LockoutPolicy {
        threshold: 1_000_000,
        base_ms: 60_000,
        max_ms: 60_000,
    };
    for i in 1..100 {
        let l = s.record_login_failure(&max.id, T0, &lax).await.unwrap();
        assert_eq!(l.locked_until, None, "failure {i}");
    }
    let l = s.record_login_failure(&max.id, T0, &lax).await.unwrap();
    assert_eq!((l.failures, l.locked_until), (100, Some(T0 + 60_000)));
    s.record_login_success(&max.id, T0).await.unwrap();

    // Failures on several servers at once are all counted.
    let calls = (0..20).map(|_| {
        let store = env.store.clone();
        let id = max.id.clone();
        tokio::spawn(async move { store.record_login_failure(&id, T0, &p).await.unwrap() })
    });
    let mut counts: Vec<i64> = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap().failures)
        .collect();
    counts.sort();
    assert_eq!(counts, (1..=20).collect::<Vec<_>>());

    not_found(s.record_login_failure("ffffffffffffffff", T0, &p).await);
    not_found(s.record_login_success("ffffffffffffffff", T0).await);
    not_found(
        s.unlock_account("ffffffffffffffff", &admin_actor(), T0)
            .await,
    );
}
