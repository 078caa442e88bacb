//! Sessions: the cookie, CSRF and `Origin` on changes, sign-out here
//! and everywhere, idle and absolute expiry, a disabled account, and
//! elevation for dangerous changes.

use std::time::Duration;

use axum::http::StatusCode;
use cordon_store::{AccountUpdate, Actor};
use serde_json::json;

use super::kit::{Browser, PASSWORD, add_user, admin_account, audit};
use crate::support::App;

#[tokio::test]
async fn changes_need_the_csrf_token_and_this_site_s_origin() {
    let app = App::sqlite().await;
    add_user(&app, "alice", None, "technician").await;
    let mut b = Browser::signed_in(&app, "alice", PASSWORD).await;
    let reauth = json!({"password": PASSWORD});
    // Reading needs no token.
    b.csrf = false;
    assert_eq!(b.send("GET", "/v1/me", None).await.status, StatusCode::OK);
    // A change without it, or with another, is refused.
    let r = b
        .send("POST", "/v1/auth/reauth", Some(reauth.clone()))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    assert_eq!(r.code(), "csrf");
    let r = b
        .send_with(
            "POST",
            "/v1/auth/reauth",
            Some(reauth.clone()),
            &[("x-csrf-token", "Zm9yZ2Vk")],
        )
        .await;
    assert_eq!(r.code(), "csrf");
    // The right token from another site's page is refused too.
    b.csrf = true;
    b.origin = Some("https://evil.example".into());
    let r = b
        .send("POST", "/v1/auth/reauth", Some(reauth.clone()))
        .await;
    assert_eq!(r.code(), "csrf", "{:?}", r.body);
    // From this site, it passes.
    b.origin = Some("https://cordon.test".into());
    let r = b
        .send("POST", "/v1/auth/reauth", Some(reauth.clone()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    b.origin = None;
    let r = b.send("POST", "/v1/auth/reauth", Some(reauth)).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "no Origin (not a browser form): the token suffices"
    );
    // Another site cannot sign a browser in either.
    let mut evil = Browser::new(&app);
    evil.origin = Some("https://evil.example".into());
    assert_eq!(evil.login("alice", PASSWORD).await.code(), "csrf");
    // Keys never need the token.
    let (s, _) = app
        .admin(
            "POST",
            "/v1/keys",
            Some(json!({"name": "k", "role": "client"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    app.close().await;
}

#[tokio::test]
async fn sign_out_here_one_session_or_everywhere() {
    let app = App::sqlite().await;
    let bob = add_user(&app, "bob", None, "guest").await;
    let mut b1 = Browser::signed_in(&app, "bob", PASSWORD).await;
    let mut b2 = Browser::signed_in(&app, "bob", PASSWORD).await;
    let r = b1.send("GET", "/v1/me/sessions", None).await;
    let list = r.body["sessions"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{:?}", r.body);
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);

    // Sign out here: cookies deleted, and the old cookie no longer works.
    let old = b1.jar.clone();
    let r = b1.send("POST", "/v1/auth/logout", None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert!(
        r.set_cookie("cordon_session")
            .unwrap()
            .contains("Max-Age=0")
    );
    assert!(b1.jar.is_empty());
    b1.jar = old;
    let r = b1.send("GET", "/v1/me", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.body["message"].as_str().unwrap().contains("signed out"),
        "{:?}",
        r.body
    );
    assert_eq!(b2.send("GET", "/v1/me", None).await.status, StatusCode::OK);

    // One session, from another.
    let mut b3 = Browser::signed_in(&app, "bob", PASSWORD).await;
    let id = b3.send("GET", "/v1/me", None).await.body["session"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = b2
        .send("DELETE", &format!("/v1/me/sessions/{id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(
        b3.send("GET", "/v1/me", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = b2
        .send("DELETE", "/v1/me/sessions/ffffffffffffffff", None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Everywhere.
    let mut b4 = Browser::signed_in(&app, "bob", PASSWORD).await;
    let r = b2.send("POST", "/v1/auth/logout-all", None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["sessions"], 2);
    assert_eq!(
        b4.send("GET", "/v1/me", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(app.store.list_sessions(&bob.id).await.unwrap().is_empty());
    for action in ["auth.logout", "session.revoke", "auth.logout_all"] {
        assert_eq!(audit(&app, action).await.len(), 1, "{action}");
    }
    app.close().await;
}

#[tokio::test]
async fn sessions_end_when_idle_and_when_old() {
    let app = App::sqlite().await;
    add_user(&app, "carol", None, "guest").await;
    let t0 = cordon_store::now_millis();
    app.state.login.clock.freeze(t0);
    let clock = &app.state.login.clock;
    let mut b = Browser::signed_in(&app, "carol", PASSWORD).await;
    clock.advance(Duration::from_secs(29 * 60));
    assert_eq!(b.send("GET", "/v1/me", None).await.status, StatusCode::OK);
    // Activity moved the idle expiry; 31 idle minutes end it.
    clock.advance(Duration::from_secs(29 * 60));
    assert_eq!(b.send("GET", "/v1/me", None).await.status, StatusCode::OK);
    clock.advance(Duration::from_secs(31 * 60));
    let r = b.send("GET", "/v1/me", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.body["message"].as_str().unwrap().contains("expired"),
        "{:?}",
        r.body
    );

    // However active, 12 hours end it.
    let mut b = Browser::signed_in(&app, "carol", PASSWORD).await;
    for _ in 0..35 {
        clock.advance(Duration::from_secs(20 * 60));
        assert_eq!(b.send("GET", "/v1/me", None).await.status, StatusCode::OK);
    }
    clock.advance(Duration::from_secs(20 * 60));
    assert_eq!(
        b.send("GET", "/v1/me", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    app.close().await;
}

#[tokio::test]
async fn a_disabled_account_s_sessions_die() {
    let app = App::sqlite().await;
    let dave = add_user(&app, "dave", None, "guest").await;
    let mut b = Browser::signed_in(&app, "dave", PASSWORD).await;
    app.store
        .update_account(
            &dave.id,
            &AccountUpdate {
                disabled: Some(true),
                ..Default::default()
            },
            &Actor::System,
            cordon_store::now_millis(),
        )
        .await
        .unwrap();
    let r = b.send("GET", "/v1/me", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.body["message"].as_str().unwrap().contains("disabled"),
        "{:?}",
        r.body
    );
    app.close().await;
}

#[tokio::test]
async fn dangerous_changes_need_the_password_again() {
    let app = App::sqlite().await;
    let admin = admin_account(&app).await;
    let erin = add_user(&app, "erin", None, "guest").await;
    let t0 = cordon_store::now_millis();
    app.state.login.clock.freeze(t0);
    let mut b = Browser::signed_in(&app, "admin", PASSWORD).await;
    let change = json!({"remember_days": 3});
    let r = b
        .send("PUT", "/v1/settings/login", Some(change.clone()))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    assert_eq!(r.code(), "reauthentication_required");
    let reset = format!("/v1/users/{}/reset-2fa", erin.id);
    assert_eq!(
        b.send("POST", &reset, None).await.code(),
        "reauthentication_required"
    );
    // Reading and unlocking need no elevation.
    assert_eq!(
        b.send("GET", "/v1/settings/login", None).await.status,
        StatusCode::OK
    );
    let unlock = format!("/v1/users/{}/unlock", erin.id);
    assert_eq!(b.send("POST", &unlock, None).await.status, StatusCode::OK);

    let r = b
        .send(
            "POST",
            "/v1/auth/reauth",
            Some(json!({"password": "wrong one"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "invalid_credentials");
    let r = b
        .send(
            "POST",
            "/v1/auth/reauth",
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["elevated_until"], t0 + 10 * 60_000);
    let me = b.send("GET", "/v1/me", None).await;
    assert_eq!(me.body["session"]["elevated_until"], t0 + 10 * 60_000);
    let r = b.send("PUT", "/v1/settings/login", Some(change)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["remember_days"], 3);
    assert_eq!(b.send("POST", &reset, None).await.status, StatusCode::OK);

    // Ten minutes later, the elevation is over.
    app.state
        .login
        .clock
        .advance(Duration::from_secs(10 * 60 + 1));
    let r = b
        .send(
            "PUT",
            "/v1/settings/login",
            Some(json!({"remember_days": 4})),
        )
        .await;
    assert_eq!(r.code(), "reauthentication_required", "{:?}", r.body);

    let reauth: Vec<_> = audit(&app, "auth.reauth")
        .await
        .into_iter()
        .map(|e| (e.entry.outcome.as_str(), e.entry.reason))
        .collect();
    assert_eq!(
        reauth,
        [
            ("failure", "wrong password".to_owned()),
            ("success", String::new())
        ]
    );
    let change = &audit(&app, "settings.update").await[0];
    assert_eq!(change.entry.actor, admin.actor());
    assert_eq!(change.entry.before.as_ref().unwrap()["remember_days"], 0);
    assert_eq!(change.entry.after.as_ref().unwrap()["remember_days"], 3);
    // Values out of range are refused, naming the field.
    let r = b
        .send(
            "POST",
            "/v1/auth/reauth",
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = b
        .send(
            "PUT",
            "/v1/settings/login",
            Some(json!({"remember_days": 400})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["field"], "remember_days");
    app.close().await;
}

#[tokio::test]
async fn cookies_lose_secure_only_when_configured() {
    let app = App::sqlite_with(cordon_server::Settings {
        insecure_cookies: true,
        ..crate::support::settings()
    })
    .await;
    add_user(&app, "fay", None, "guest").await;
    let r = Browser::new(&app).login("fay", PASSWORD).await;
    let c = r.set_cookie("cordon_session").unwrap();
    assert!(!c.contains("Secure") && c.contains("HttpOnly"), "{c}");
    app.close().await;
}

#[tokio::test]
async fn a_guest_s_session_reaches_neither_machine_routes_nor_the_admin_tab() {
    let app = App::sqlite().await;
    add_user(&app, "gus", None, "guest").await;
    let mut b = Browser::signed_in(&app, "gus", PASSWORD).await;
    let r = b.send("GET", "/v1/agent/policy", None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    let r = b.send("GET", "/v1/settings/login", None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    assert_eq!(
        b.send("GET", "/v1/incidents", None).await.status,
        StatusCode::OK
    );
    app.close().await;
}
