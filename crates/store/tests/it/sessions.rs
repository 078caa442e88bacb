//! Sessions, login challenges and remembered browsers on both backends.

use cordon_access as access;
use cordon_store::sessions::{new_token, token_hash};
use cordon_store::*;

use crate::both::{Env, T0, account, admin_actor, not_found, on_both_backends, phc};

on_both_backends!(sessions, login_challenges, remembered_browsers);

const MIN: i64 = 60_000;

fn new_session(id: &str, user_id: &str, at: Millis) -> NewSession {
    NewSession {
        id: id.into(),
        user_id: user_id.into(),
        csrf_hash: token_hash(&format!("csrf-{id}")),
        created_at: at,
        idle_expires_at: at + 30 * MIN,
        expires_at: at + 12 * 60 * MIN,
        ip: "192.0.2.7".into(),
        user_agent: "Mozilla/5.0".into(),
    }
}

async fn sessions(env: &Env) {
    let s = env.s();
    let ann = account(s, "ann", access::Role::GUEST).await;
    let (token, id) = new_token();
    assert_eq!(id, token_hash(token.expose()));
    not_found(
        s.create_session(&new_session(&id, "ffffffffffffffff", T0))
            .await,
    );
    let made = s
        .create_session(&new_session(&id, &ann.id, T0))
        .await
        .unwrap();
    let (got, who) = s.session(&id).await.unwrap().unwrap();
    assert_eq!(got, made);
    assert_eq!(who, ann);
    assert!(got.is_active(T0) && !got.is_elevated(T0));
    assert!(!got.is_active(T0 + 30 * MIN), "idle");
    assert!(s.session(&token_hash("other")).await.unwrap().is_none());

    s.touch_session(&id, T0 + MIN, T0 + 31 * MIN).await.unwrap();
    s.elevate_session(&id, T0 + 11 * MIN).await.unwrap();
    let (got, _) = s.session(&id).await.unwrap().unwrap();
    assert_eq!(
        (got.last_seen_at, got.idle_expires_at, got.elevated_until),
        (T0 + MIN, T0 + 31 * MIN, Some(T0 + 11 * MIN))
    );
    assert!(got.is_elevated(T0 + 10 * MIN) && !got.is_elevated(T0 + 11 * MIN));

    // A disabled account still reads back with its session: the server
    // says why it refuses.
    s.update_account(
        &ann.id,
        &AccountUpdate {
            disabled: Some(true),
            ..Default::default()
        },
        &admin_actor(),
        T0,
    )
    .await
    .unwrap();
    assert!(s.session(&id).await.unwrap().unwrap().1.disabled);

    // Revoked: read back as revoked, and no longer touched or elevated.
    assert!(s.revoke_session(&id, T0 + 2 * MIN).await.unwrap());
    assert!(!s.revoke_session(&id, T0 + 3 * MIN).await.unwrap());
    let (got, _) = s.session(&id).await.unwrap().unwrap();
    assert_eq!(got.revoked_at, Some(T0 + 2 * MIN));
    assert!(!got.is_active(T0 + 2 * MIN));
    not_found(s.touch_session(&id, T0, T0).await);
    not_found(s.elevate_session(&id, T0).await);
    not_found(s.touch_session("nope", T0, T0).await);

    // Sign out everywhere but here.
    let bea = account(s, "bea", access::Role::GUEST).await;
    for (i, sid) in ["b1", "b2", "b3"].iter().enumerate() {
        s.create_session(&new_session(sid, &bea.id, T0 + i as i64))
            .await
            .unwrap();
    }
    s.create_session(&new_session("other-user", &ann.id, T0))
        .await
        .unwrap();
    assert_eq!(s.list_sessions(&bea.id).await.unwrap().len(), 3);
    assert_eq!(
        s.revoke_sessions(&bea.id, T0 + 5, Some("b2"))
            .await
            .unwrap(),
        2
    );
    let left: Vec<_> = s
        .list_sessions(&bea.id)
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(left, ["b2"]);
    assert_eq!(s.revoke_sessions(&bea.id, T0 + 6, None).await.unwrap(), 1);
    assert!(s.list_sessions(&bea.id).await.unwrap().is_empty());
    assert_eq!(
        s.list_sessions(&ann.id).await.unwrap().len(),
        1,
        "another account's sessions stay"
    );
    s.touch_session("other-user", T0 + 2, T0 + 2 * MIN)
        .await
        .unwrap();
    s.create_session(&new_session("other-2", &ann.id, T0 + 1))
        .await
        .unwrap();
    let order: Vec<_> = s
        .list_sessions(&ann.id)
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(order, ["other-user", "other-2"], "latest activity first");

    // A hostile user agent is bounded.
    let mut big = new_session("big", &ann.id, T0);
    big.user_agent = "A".repeat(100_000);
    let made = s.create_session(&big).await.unwrap();
    assert!(made.user_agent.len() <= MAX_TEXT_BYTES);
    let (got, _) = s.session("big").await.unwrap().unwrap();
    assert_eq!(got.user_agent, made.user_agent);

    // Purge: past either lifetime goes, revoked or not; the rest stays.
    let purged = s.purge_expired(T0 + 2 * MIN).await.unwrap();
    // `other-user` was moved to an idle expiry of T0 + 2 min.
    assert_eq!(purged, 1);
    assert!(s.session("other-user").await.unwrap().is_none());
    assert!(s.session(&id).await.unwrap().is_some());
    let purged = s.purge_expired(T0 + 12 * 60 * MIN).await.unwrap();
    assert_eq!(purged, 6);
    assert!(s.session(&id).await.unwrap().is_none());
}

fn new_challenge(id: &str, user_id: &str, method: ChallengeMethod) -> NewChallenge {
    NewChallenge {
        id: id.into(),
        user_id: user_id.into(),
        method,
        created_at: T0,
        expires_at: T0 + 15 * MIN,
        ip: "192.0.2.7".into(),
        user_agent: "Mozilla/5.0".into(),
    }
}

async fn login_challenges(env: &Env) {
    let s = env.s();
    let cat = account(s, "cat", access::Role::GUEST).await;
    not_found(
        s.create_challenge(&new_challenge(
            "x",
            "ffffffffffffffff",
            ChallengeMethod::Email,
        ))
        .await,
    );
    let c = s
        .create_challenge(&new_challenge("c1", &cat.id, ChallengeMethod::Email))
        .await
        .unwrap();
    assert_eq!(
        (c.attempts, c.sends, c.done_at, c.code_hash.clone()),
        (0, 0, None, None)
    );
    assert_eq!(s.challenge("c1").await.unwrap(), Some(c.clone()));
    assert!(s.challenge("nope").await.unwrap().is_none());

    // Sending: at most 3 codes here, a minute apart, decided by the store.
    let send = |code: &'static str, now: Millis| {
        s.set_challenge_code("c1", code, now + 10 * MIN, now, MIN, 3)
    };
    assert_eq!(send("h1", T0).await.unwrap(), SendOutcome::Sent);
    assert_eq!(
        send("h2", T0 + 20_000).await.unwrap(),
        SendOutcome::TooSoon {
            retry_after_ms: 40_000
        }
    );
    assert_eq!(s.challenge_attempt("c1").await.unwrap(), 1);
    assert_eq!(s.challenge_attempt("c1").await.unwrap(), 2);
    let c = s.challenge("c1").await.unwrap().unwrap();
    assert_eq!(
        (
            c.code_hash.as_deref(),
            c.code_expires_at,
            c.sends,
            c.attempts
        ),
        (Some("h1"), Some(T0 + 10 * MIN), 1, 2)
    );
    assert_eq!(send("h2", T0 + MIN).await.unwrap(), SendOutcome::Sent);
    let c = s.challenge("c1").await.unwrap().unwrap();
    assert_eq!(
        (c.code_hash.as_deref(), c.attempts, c.last_sent_at),
        (Some("h2"), 0, Some(T0 + MIN)),
        "a new code starts its attempts over"
    );
    assert_eq!(send("h3", T0 + 2 * MIN).await.unwrap(), SendOutcome::Sent);
    assert_eq!(
        send("h4", T0 + 5 * MIN).await.unwrap(),
        SendOutcome::TooMany
    );
    assert_eq!(
        s.challenge("c1")
            .await
            .unwrap()
            .unwrap()
            .code_hash
            .as_deref(),
        Some("h3")
    );

    // Attempts counted without loss from several servers at once.
    let calls = (0..10).map(|_| {
        let store = env.store.clone();
        tokio::spawn(async move { store.challenge_attempt("c1").await.unwrap() })
    });
    let mut counts: Vec<i64> = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    counts.sort();
    assert_eq!(counts, (1..=10).collect::<Vec<_>>());
    not_found(s.challenge_attempt("nope").await);

    // Eight servers asked to send the first code at the same moment: one
    // sends.
    s.create_challenge(&new_challenge("c2", &cat.id, ChallengeMethod::Email))
        .await
        .unwrap();
    let other = env.another().await;
    let calls = (0..8).map(|i| {
        let store = if i % 2 == 0 {
            env.store.clone()
        } else {
            other.clone()
        };
        tokio::spawn(async move {
            store
                .set_challenge_code("c2", &format!("h{i}"), T0 + MIN, T0, MIN, 5)
                .await
                .unwrap()
        })
    });
    let outcomes: Vec<SendOutcome> = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| **o == SendOutcome::Sent).count(),
        1,
        "{outcomes:?}"
    );
    assert!(outcomes.iter().all(|o| matches!(
        o,
        SendOutcome::Sent
            | SendOutcome::TooSoon {
                retry_after_ms: MIN
            }
    )));
    assert_eq!(s.challenge("c2").await.unwrap().unwrap().sends, 1);

    // TOTP enrolment keeps the secret being enrolled in the challenge.
    s.create_challenge(&new_challenge("c3", &cat.id, ChallengeMethod::TotpEnroll))
        .await
        .unwrap();
    s.set_challenge_secret("c3", "sealed-pending")
        .await
        .unwrap();
    let c3 = s.challenge("c3").await.unwrap().unwrap();
    assert_eq!(c3.method, ChallengeMethod::TotpEnroll);
    assert_eq!(c3.pending_secret.as_deref(), Some("sealed-pending"));
    assert!(!format!("{c3:?}").contains("sealed-pending"));
    not_found(s.set_challenge_secret("nope", "x").await);

    // Used once, even when eight servers try at once.
    let calls = (0..8).map(|i| {
        let store = if i % 2 == 0 {
            env.store.clone()
        } else {
            other.clone()
        };
        tokio::spawn(async move { store.finish_challenge("c3", T0 + 1).await.unwrap() })
    });
    let wins = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .filter(|r| *r.as_ref().unwrap())
        .count();
    assert_eq!(wins, 1);
    other.close().await;
    assert!(!s.finish_challenge("c3", T0 + 2).await.unwrap());
    let c3 = s.challenge("c3").await.unwrap().unwrap();
    assert_eq!(c3.done_at.is_some(), !c3.is_open(T0 + 2));
    not_found(s.set_challenge_secret("c3", "late").await);
    not_found(s.set_challenge_code("c3", "h", T0, T0 + 2, MIN, 5).await);
    // An expired challenge can be neither used nor sent to.
    assert!(!s.finish_challenge("c1", T0 + 15 * MIN).await.unwrap());
    not_found(
        s.set_challenge_code("c2", "h", T0, T0 + 15 * MIN, MIN, 5)
            .await,
    );
    assert!(s.finish_challenge("c2", T0 + 15 * MIN - 1).await.unwrap());

    // Purge takes what has expired.
    s.create_challenge(&NewChallenge {
        expires_at: T0 + 60 * MIN,
        ..new_challenge("c4", &cat.id, ChallengeMethod::Totp)
    })
    .await
    .unwrap();
    assert_eq!(s.purge_expired(T0 + 15 * MIN).await.unwrap(), 3);
    assert!(s.challenge("c4").await.unwrap().is_some());
}

async fn remembered_browsers(env: &Env) {
    let s = env.s();
    let dan = account(s, "dan", access::Role::GUEST).await;
    let eve = account(s, "eve", access::Role::GUEST).await;
    let remember = |id: &str, a: &Account, expires_at: Millis| NewRememberedBrowser {
        id: id.into(),
        user_id: a.id.clone(),
        credential_epoch: a.credential_epoch,
        created_at: T0,
        expires_at,
        label: "Firefox on Linux".into(),
    };
    let r1 = s
        .remember_browser(&remember("r1", &dan, T0 + 30 * 24 * 60 * MIN))
        .await
        .unwrap();
    assert_eq!((r1.credential_epoch, r1.last_used_at), (0, None));
    assert!(s.use_remembered("r1", &dan.id, T0 + 1).await.unwrap());
    assert!(
        !s.use_remembered("r1", &eve.id, T0 + 1).await.unwrap(),
        "another account"
    );
    assert!(!s.use_remembered("rX", &dan.id, T0 + 1).await.unwrap());
    assert_eq!(
        s.list_remembered(&dan.id).await.unwrap()[0].last_used_at,
        Some(T0 + 1)
    );
    not_found(
        s.remember_browser(&NewRememberedBrowser {
            user_id: "ffffffffffffffff".into(),
            ..remember("rZ", &dan, T0 + MIN)
        })
        .await,
    );

    // Expiry.
    s.remember_browser(&remember("r2", &dan, T0 + MIN))
        .await
        .unwrap();
    assert!(s.use_remembered("r2", &dan.id, T0 + MIN - 1).await.unwrap());
    assert!(!s.use_remembered("r2", &dan.id, T0 + MIN).await.unwrap());

    // A password change voids every browser of the account, not others'.
    s.remember_browser(&remember("e1", &eve, T0 + 60 * MIN))
        .await
        .unwrap();
    s.set_password(&dan.id, &phc("new"), false, &dan.actor(), T0 + 2)
        .await
        .unwrap();
    assert!(!s.use_remembered("r1", &dan.id, T0 + 3).await.unwrap());
    assert!(s.list_remembered(&dan.id).await.unwrap().is_empty());
    assert!(s.use_remembered("e1", &eve.id, T0 + 3).await.unwrap());
    // Remembered under the epoch read before the change: void too.
    s.remember_browser(&remember("stale", &dan, T0 + 60 * MIN))
        .await
        .unwrap();
    assert!(!s.use_remembered("stale", &dan.id, T0 + 3).await.unwrap());
    s.forget_browsers(&dan.id, Some("stale")).await.unwrap();

    // Under the new epoch, until the TOTP secret changes.
    let dan = s.get_account(&dan.id).await.unwrap();
    assert_eq!(dan.credential_epoch, 1);
    s.remember_browser(&remember("r3", &dan, T0 + 60 * MIN))
        .await
        .unwrap();
    assert!(s.use_remembered("r3", &dan.id, T0 + 4).await.unwrap());
    s.set_totp_secret(&dan.id, Some("sealed"), &dan.actor(), T0 + 5)
        .await
        .unwrap();
    assert!(!s.use_remembered("r3", &dan.id, T0 + 6).await.unwrap());

    // Listing and forgetting, one or all.
    let dan = s.get_account(&dan.id).await.unwrap();
    for (i, id) in ["a", "b", "c"].iter().enumerate() {
        s.remember_browser(&NewRememberedBrowser {
            created_at: T0 + i as i64,
            ..remember(id, &dan, T0 + 60 * MIN)
        })
        .await
        .unwrap();
    }
    let ids: Vec<_> = s
        .list_remembered(&dan.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, ["c", "b", "a"], "newest first");
    assert_eq!(s.forget_browsers(&dan.id, Some("b")).await.unwrap(), 1);
    assert_eq!(
        s.forget_browsers(&eve.id, Some("a")).await.unwrap(),
        0,
        "not eve's"
    );
    assert!(!s.use_remembered("b", &dan.id, T0 + 7).await.unwrap());
    assert_eq!(s.forget_browsers(&dan.id, None).await.unwrap(), 2);
    assert!(s.list_remembered(&dan.id).await.unwrap().is_empty());

    // Purge takes the expired ones.
    s.remember_browser(&remember("d", &dan, T0 + MIN))
        .await
        .unwrap();
    assert_eq!(s.purge_expired(T0 + MIN).await.unwrap(), 1);
    assert_eq!(s.list_remembered(&eve.id).await.unwrap().len(), 1);
}
