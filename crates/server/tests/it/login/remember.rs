//! "Remember this browser": it skips the second factor only, for
//! `remember_days` (0: never offered), until its owner forgets it or the
//! password or authenticator changes.

use axum::http::StatusCode;
use serde_json::json;

use super::kit::{Browser, PASSWORD, add_user, oathtool, set_login};
use super::totp::enrol;
use crate::support::App;

fn t0() -> i64 {
    (cordon_store::now_millis() / 30_000 * 30 - 3000 + 10) * 1000
}

#[tokio::test]
async fn a_remembered_browser_skips_only_the_second_factor() {
    let app = App::sqlite().await;
    set_login(&app, json!({"two_factor": "totp", "remember_days": 7})).await;
    add_user(&app, "alice", None, "guest").await;
    app.state.login.clock.freeze(t0());
    let mut b = Browser::new(&app);
    enrol(&app, &mut b, "alice", true).await;
    let token = b.jar["cordon_remember"].clone();
    let r = b.send("GET", "/v1/me/browsers", None).await;
    assert_eq!(
        r.body["browsers"].as_array().unwrap().len(),
        1,
        "{:?}",
        r.body
    );
    assert_eq!(r.body["browsers"][0]["label"], "kit-browser/1.0");

    // Signed out, the browser is still remembered: the password suffices.
    assert_eq!(
        b.send("POST", "/v1/auth/logout", None).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(!b.jar.contains_key("cordon_session"));
    let r = b.login("alice", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["signed_in"], true);
    assert_eq!(r.body["second_factor_used"], "remembered");
    // Never the password.
    let r = b.login("alice", "not the password").await;
    assert_eq!(r.code(), "invalid_credentials");
    // A client without the cookie can present the token in the body.
    let mut api = Browser::new(&app);
    let r = api
        .send(
            "POST",
            "/v1/auth/login",
            Some(json!({"username": "alice", "password": PASSWORD, "remember_token": token})),
        )
        .await;
    assert_eq!(r.body["second_factor_used"], "remembered", "{:?}", r.body);
    // Another account cannot use it.
    add_user(&app, "mallory", None, "guest").await;
    let r = api
        .send(
            "POST",
            "/v1/auth/login",
            Some(json!({"username": "mallory", "password": PASSWORD, "remember_token": token})),
        )
        .await;
    assert_eq!(r.body["second_factor"], "totp_enroll", "{:?}", r.body);

    // Forgotten by its owner: the second factor is asked again.
    let r = b.send("GET", "/v1/me/browsers", None).await;
    let id = r.body["browsers"][0]["id"].as_str().unwrap().to_owned();
    let r = b
        .send("DELETE", &format!("/v1/me/browsers/{id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    let r = b.login("alice", PASSWORD).await;
    assert_eq!(r.body["second_factor"], "totp", "{:?}", r.body);
    app.close().await;
}

#[tokio::test]
async fn the_remember_cookie_is_strict_httponly_and_for_the_days_set() {
    let app = App::sqlite().await;
    set_login(&app, json!({"two_factor": "totp", "remember_days": 7})).await;
    add_user(&app, "bob", None, "guest").await;
    app.state.login.clock.freeze(t0());
    let mut b = Browser::new(&app);
    let r = b.login("bob", PASSWORD).await;
    let challenge = r.body["challenge"].as_str().unwrap().to_owned();
    let e = b
        .send(
            "GET",
            &format!("/v1/auth/2fa/enroll?challenge={challenge}"),
            None,
        )
        .await;
    let secret = e.body["secret"].as_str().unwrap();
    let t = app.state.login.clock.now() / 1000;
    let r = b
        .second_factor(&challenge, &oathtool(secret, t), true)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let cookie = r.set_cookie("cordon_remember").unwrap();
    for attr in [
        "HttpOnly",
        "SameSite=Strict",
        "Secure",
        "Path=/;",
        "Max-Age=604800",
    ] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    assert_eq!(
        r.body["remember_token"].as_str().unwrap(),
        b.jar["cordon_remember"]
    );
    app.close().await;
}

#[tokio::test]
async fn with_zero_days_no_browser_is_remembered() {
    let app = App::sqlite().await;
    set_login(&app, json!({"two_factor": "totp", "remember_days": 0})).await;
    let carol = add_user(&app, "carol", None, "guest").await;
    let t0 = t0();
    app.state.login.clock.freeze(t0);
    let mut b = Browser::new(&app);
    let secret = enrol(&app, &mut b, "carol", true).await;
    assert!(!b.jar.contains_key("cordon_remember"));
    assert!(
        app.store
            .list_remembered(&carol.id)
            .await
            .unwrap()
            .is_empty()
    );
    let r = b.login("carol", PASSWORD).await;
    assert_eq!(r.body["second_factor"], "totp");

    // Set to 0 after a browser was remembered: it no longer skips.
    set_login(&app, json!({"remember_days": 5})).await;
    app.state.login.clock.freeze(t0 + 30_000);
    let challenge = r.body["challenge"].as_str().unwrap().to_owned();
    let r = b
        .second_factor(&challenge, &oathtool(&secret, t0 / 1000 + 30), true)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert!(b.jar.contains_key("cordon_remember"));
    assert_eq!(
        b.login("carol", PASSWORD).await.body["second_factor_used"],
        "remembered"
    );
    set_login(&app, json!({"remember_days": 0})).await;
    let r = b.login("carol", PASSWORD).await;
    assert_eq!(r.body["second_factor"], "totp", "{:?}", r.body);
    app.close().await;
}

#[tokio::test]
async fn a_password_change_or_an_authenticator_reset_voids_remembered_browsers() {
    let app = App::sqlite().await;
    set_login(&app, json!({"two_factor": "totp", "remember_days": 30})).await;
    let dora = add_user(&app, "dora", None, "guest").await;
    let t0 = t0();
    app.state.login.clock.freeze(t0);
    let mut b = Browser::new(&app);
    let secret = enrol(&app, &mut b, "dora", true).await;
    assert!(b.jar.contains_key("cordon_remember"));

    // The password changes (in this session): the remembered browser dies.
    let new_password = "a brand new passphrase 77";
    let r = b
        .send(
            "POST",
            "/v1/me/password",
            Some(json!({"current": PASSWORD, "new": new_password})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    b.send("POST", "/v1/auth/logout", None).await;
    let r = b.login("dora", new_password).await;
    assert_eq!(r.body["second_factor"], "totp", "{:?}", r.body);
    // Remembered again…
    app.state.login.clock.freeze(t0 + 30_000);
    let challenge = r.body["challenge"].as_str().unwrap().to_owned();
    let r = b
        .second_factor(&challenge, &oathtool(&secret, t0 / 1000 + 30), true)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = b.login("dora", new_password).await;
    assert_eq!(r.body["second_factor_used"], "remembered");
    // …until an administrator resets the authenticator.
    let (s, _) = app
        .admin("POST", &format!("/v1/users/{}/reset-2fa", dora.id), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let r = b.login("dora", new_password).await;
    assert_eq!(r.body["second_factor"], "totp_enroll", "{:?}", r.body);
    app.close().await;
}
