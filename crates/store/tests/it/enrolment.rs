//! Enrolment tokens: a token buys at most `max_uses` enrolments however
//! many servers race for it, refuses once revoked or expired (and says
//! which), never takes over a computer bound to a live key unless it
//! allows re-enrolment (and then revokes the old key). The agent's last heartbeat is kept per computer, newest
//! wins.

use std::sync::Arc;

use cordon_store::*;

use crate::both::{Env, T0, admin_actor, on_both_backends};

on_both_backends!(
    tokens_count_uses_refuse_and_bind,
    heartbeats_keep_the_newest
);

fn hash(text: &str) -> String {
    keys::hash(text)
}

async fn group(s: &dyn Store, name: &str) {
    let pv = NewPolicyVersion {
        policy_id: "main".into(),
        name: "main".into(),
        format: "yaml".into(),
        body: "rules: []".into(),
        comment: String::new(),
        actor: admin_actor(),
    };
    if s.get_policy("main").await.is_err() {
        s.create_policy(&pv, T0).await.unwrap();
    }
    s.upsert_agent_group(&AgentGroup {
        name: name.into(),
        description: String::new(),
        policy_id: "main".into(),
        policy_version: 1,
        updated_at: T0,
        updated_by: admin_actor(),
        created_by: admin_actor(),
    })
    .await
    .unwrap();
}

fn token(id: &str, group: &str, max_uses: Option<i64>, reenrol: bool) -> NewEnrolmentToken {
    NewEnrolmentToken {
        id: id.into(),
        hash: hash(&format!("cordon_enrol_{id}_secret")),
        group: group.into(),
        label: "laptops of the sales team".into(),
        expires_at: T0 + 60_000,
        max_uses,
        allow_reenrol: reenrol,
    }
}

async fn tokens_count_uses_refuse_and_bind(env: &Env) {
    let s = env.s();
    group(s, "laptops").await;
    let t = s
        .create_enrolment_token(
            &token("0000aaaa", "laptops", Some(3), false),
            &admin_actor(),
            T0,
        )
        .await
        .unwrap();
    assert_eq!((t.uses, t.max_uses, t.allow_reenrol), (0, Some(3), false));
    assert_eq!(t.created_by, admin_actor());
    // Bad input and a missing group are refused, naming what.
    let mut bad = token("0000aaab", "laptops", Some(0), false);
    assert!(
        crate::both::invalid(s.create_enrolment_token(&bad, &admin_actor(), T0).await)
            .contains("max_uses")
    );
    bad.max_uses = None;
    bad.group = "nowhere".into();
    assert!(
        crate::both::not_found(s.create_enrolment_token(&bad, &admin_actor(), T0).await)
            .contains("nowhere")
    );
    bad.group = "laptops".into();
    bad.label = "a\nb".into();
    assert!(
        crate::both::invalid(s.create_enrolment_token(&bad, &admin_actor(), T0).await)
            .contains("label")
    );

    let good = hash("cordon_enrol_0000aaaa_secret");
    // A wrong secret for a real id, and an unknown id: not valid, no use.
    let r = s
        .enrol_with_token(
            "0000aaaa",
            &hash("cordon_enrol_0000aaaa_guess"),
            "pc0",
            None,
            T0,
        )
        .await
        .unwrap();
    assert_eq!(r.unwrap_err(), EnrolRefusal::Unknown);
    let r = s
        .enrol_with_token("ffffffff", &good, "pc0", None, T0)
        .await
        .unwrap();
    assert_eq!(r.unwrap_err(), EnrolRefusal::Unknown);

    // Eight computers race two servers for three uses: exactly three win.
    let stores = [env.store.clone(), env.another().await];
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let mut tasks = Vec::new();
    for k in 0..8 {
        let store = stores[k % 2].clone();
        let (barrier, good) = (barrier.clone(), good.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store
                .enrol_with_token("0000aaaa", &good, &format!("pc{k}"), None, T0 + 1)
                .await
                .unwrap()
        }));
    }
    let mut won = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(e) => won.push(e),
            Err(r) => assert_eq!(
                r,
                EnrolRefusal::UsedUp {
                    id: "0000aaaa".into(),
                    uses: 3
                }
            ),
        }
    }
    assert_eq!(won.len(), 3);
    let listed = s.list_enrolment_tokens("laptops").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].uses, 3);
    assert_eq!(listed[0].last_used_at, Some(T0 + 1));
    for e in &won {
        // Each computer is in the group, bound to its own new client key,
        // which authenticates and was created by the token's creator.
        assert_eq!(e.computer.group.as_deref(), Some("laptops"));
        assert_eq!(e.computer.key_id.as_deref(), Some(e.key.key.id.as_str()));
        assert_eq!(e.key.key.role, Role::Client);
        assert_eq!(e.key.key.created_by, admin_actor());
        assert_eq!(e.key.key.name, format!("agent:{}", e.computer.name));
        let k = s
            .authenticate(e.key.secret.expose())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(k.id, e.key.key.id);
        let c = s.computer_for_key(&k.id).await.unwrap().unwrap();
        assert_eq!(c.name, e.computer.name);
    }

    // Eight machines racing for one new name on two servers, each with a
    // token of its own (one token's uses queue on its row): one gets it,
    // the others are refused and count no use.
    for k in 0..8 {
        let id = format!("0000dd{k:02x}");
        s.create_enrolment_token(&token(&id, "laptops", None, false), &admin_actor(), T0)
            .await
            .unwrap();
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let mut tasks = Vec::new();
    for k in 0..8 {
        let store = stores[k % 2].clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let id = format!("0000dd{k:02x}");
            let d = hash(&format!("cordon_enrol_{id}_secret"));
            barrier.wait().await;
            store
                .enrol_with_token(&id, &d, "same-name", None, T0 + 1)
                .await
                .unwrap()
        }));
    }
    let mut got = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(e) => got.push(e),
            Err(r) => assert!(
                matches!(&r, EnrolRefusal::Bound { computer, .. } if computer == "same-name"),
                "{r:?}"
            ),
        }
    }
    let bound = s.get_computer("same-name").await.unwrap().key_id.unwrap();
    let live: Vec<_> = s
        .list_api_keys()
        .await
        .unwrap()
        .into_iter()
        .filter(|k| k.name == "agent:same-name" && k.revoked_at.is_none())
        .collect();
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(live[0].id, bound);
    let uses: i64 = s
        .list_enrolment_tokens("laptops")
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.id.starts_with("0000dd"))
        .map(|t| t.uses)
        .sum();
    assert_eq!((got.len(), uses), (1, 1));
    assert_eq!(got[0].key.key.id, bound);

    // Re-enrolling a bound name with a token that does not allow it is
    // refused and counts no use; the old binding stays.
    let taken = won[0].computer.name.clone();
    s.create_enrolment_token(
        &token("0000bbbb", "laptops", None, false),
        &admin_actor(),
        T0,
    )
    .await
    .unwrap();
    let b = hash("cordon_enrol_0000bbbb_secret");
    let r = s
        .enrol_with_token("0000bbbb", &b, &taken, None, T0 + 2)
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(&r, EnrolRefusal::Bound { computer, key_id, .. } if *computer == taken && *key_id == won[0].key.key.id),
        "{r:?}"
    );
    assert!(r.to_string().contains("re-enrolment"), "{r}");
    let bb = s.list_enrolment_tokens("laptops").await.unwrap();
    assert_eq!(bb.iter().find(|t| t.id == "0000bbbb").unwrap().uses, 0);
    assert_eq!(
        s.get_computer(&taken).await.unwrap().key_id,
        won[0].computer.key_id
    );

    // One that allows it takes the name over and revokes the old key.
    group(s, "kiosks").await;
    s.upsert_office("paris", "", &admin_actor(), T0)
        .await
        .unwrap();
    let mut keep = ComputerInput {
        name: taken.clone(),
        group: Some("laptops".into()),
        office: Some("paris".into()),
        key_id: won[0].computer.key_id.clone(),
    };
    s.upsert_computer(&keep, &admin_actor(), T0 + 2)
        .await
        .unwrap();
    s.create_enrolment_token(
        &token("0000cccc", "kiosks", Some(1), true),
        &admin_actor(),
        T0,
    )
    .await
    .unwrap();
    let c = hash("cordon_enrol_0000cccc_secret");
    let e = s
        .enrol_with_token("0000cccc", &c, &taken, None, T0 + 3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.replaced_key.as_deref(), Some(won[0].key.key.id.as_str()));
    assert_eq!(e.before.as_ref().unwrap().group.as_deref(), Some("laptops"));
    assert_eq!(e.computer.group.as_deref(), Some("kiosks"));
    assert_eq!(
        e.computer.office.as_deref(),
        Some("paris"),
        "the office stays"
    );
    assert!(
        s.authenticate(won[0].key.secret.expose())
            .await
            .unwrap()
            .is_none(),
        "the old key is revoked"
    );
    assert!(
        s.authenticate(e.key.secret.expose())
            .await
            .unwrap()
            .is_some()
    );

    // A computer bound to a revoked key is free to enrol again.
    keep.name = won[1].computer.name.clone();
    keep.office = None;
    keep.key_id = won[1].computer.key_id.clone();
    s.revoke_api_key(
        won[1].computer.key_id.as_deref().unwrap(),
        &admin_actor(),
        T0 + 3,
    )
    .await
    .unwrap();
    let e = s
        .enrol_with_token("0000bbbb", &b, &keep.name, None, T0 + 4)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.replaced_key, None);

    // Another group than the token's: refused, no use counted.
    let r = s
        .enrol_with_token("0000bbbb", &b, "pc-x", Some("kiosks"), T0 + 4)
        .await
        .unwrap();
    assert!(matches!(r.unwrap_err(), EnrolRefusal::OtherGroup { group, .. } if group == "laptops"));
    let e = s
        .enrol_with_token("0000bbbb", &b, "pc-y", Some("laptops"), T0 + 4)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.token.uses, 2, "pc-x counted no use");

    // Expired, revoked: refused, saying so.
    let r = s
        .enrol_with_token("0000bbbb", &b, "pc-late", None, T0 + 60_000)
        .await
        .unwrap();
    assert_eq!(
        r.unwrap_err(),
        EnrolRefusal::Expired {
            id: "0000bbbb".into()
        }
    );
    let revoked = s
        .revoke_enrolment_token("laptops", "0000bbbb", &admin_actor(), T0 + 5)
        .await
        .unwrap();
    assert_eq!(revoked.revoked_by, Some(admin_actor()));
    let r = s
        .enrol_with_token("0000bbbb", &b, "pc-late", None, T0 + 6)
        .await
        .unwrap();
    assert_eq!(
        r.unwrap_err(),
        EnrolRefusal::Revoked {
            id: "0000bbbb".into()
        }
    );
    // Revoking twice, or through another group: not found.
    crate::both::not_found(
        s.revoke_enrolment_token("laptops", "0000bbbb", &admin_actor(), T0 + 7)
            .await,
    );
    crate::both::not_found(
        s.revoke_enrolment_token("kiosks", "0000aaaa", &admin_actor(), T0 + 7)
            .await,
    );
    // A bad computer name is refused before any use.
    crate::both::invalid(
        s.enrol_with_token("0000aaaa", &good, "bad name", None, T0 + 1)
            .await,
    );

    // Deleting the group deletes its tokens.
    s.delete_agent_group("kiosks", &admin_actor())
        .await
        .unwrap();
    assert!(s.list_enrolment_tokens("kiosks").await.unwrap().is_empty());
}

async fn heartbeats_keep_the_newest(env: &Env) {
    let s = env.s();
    group(s, "laptops").await;
    let c = ComputerInput {
        name: "pc1".into(),
        group: Some("laptops".into()),
        ..Default::default()
    };
    s.upsert_computer(&c, &admin_actor(), T0).await.unwrap();
    assert_eq!(s.get_computer("pc1").await.unwrap().agent, None);
    let report = AgentReport {
        reported_at: 0,
        version: "0.1.0".into(),
        fqdn: Some("pc1.corp.example".into()),
        netbios: Some("PC1".into()),
        ipv4: vec!["10.0.0.7".into()],
        ou: Some("OU=Sales,DC=corp".into()),
        policy_serial: 42,
        policy_version: 3,
        trusted_keys: vec!["k1".into()],
        spool_pending: 1234,
        spool_dropped: 5,
    };
    s.record_heartbeat("pc1", &report, T0 + 10).await.unwrap();
    let got = s.get_computer("pc1").await.unwrap();
    assert_eq!(got.last_seen_at, Some(T0 + 10));
    let mut want = report.clone();
    want.reported_at = T0 + 10;
    assert_eq!(got.agent.as_ref(), Some(&want));
    // A late answer from another server never puts an older report back.
    let old = AgentReport {
        policy_serial: 41,
        ..report.clone()
    };
    env.another()
        .await
        .record_heartbeat("pc1", &old, T0 + 5)
        .await
        .unwrap();
    let got = s.get_computer("pc1").await.unwrap();
    assert_eq!(got.agent.as_ref().map(|a| a.policy_serial), Some(42));
    assert_eq!(got.last_seen_at, Some(T0 + 10));
    let newer = AgentReport {
        policy_serial: 43,
        ..report
    };
    s.record_heartbeat("pc1", &newer, T0 + 20).await.unwrap();
    let listed = s.list_computers(&ComputerFilter::default()).await.unwrap();
    assert_eq!(listed[0].agent.as_ref().map(|a| a.policy_serial), Some(43));
    assert_eq!(listed[0].last_seen_at, Some(T0 + 20));
    crate::both::not_found(s.record_heartbeat("nobody", &newer, T0).await);
}
