//! Directory accounts sign in through a real OpenLDAP `slapd`; accounts
//! the directory disabled or expired cannot.

use axum::http::StatusCode;
use cordon_store::{Actor, AuthKind, NewAccount};
use serde_json::json;

use super::kit::{Browser, Slapd, audit};
use crate::support::App;

async fn directory_account(app: &App, name: &str) {
    app.store
        .create_account(
            &NewAccount {
                username: name.to_owned(),
                auth: AuthKind::Directory,
                password_hash: None,
                email: Some(format!("{name}@example.org")),
                phone: None,
                role_id: "guest".to_owned(),
                scope: cordon_access::Scope::All,
                must_change_password: false,
            },
            &Actor::System,
            cordon_store::now_millis(),
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_accounts_sign_in_through_slapd() {
    let slapd = Slapd::start(&[
        ("alice", "alice-dir-pw", ""),
        // Expired in 1970.
        ("bob", "bob-dir-pw", "shadowExpire: 1"),
        // Disabled by an administrator (ppolicy's permanent lock).
        (
            "carol",
            "carol-dir-pw",
            "pwdAccountLockedTime: 000001010000Z",
        ),
    ]);
    let app = App::sqlite_with(slapd.settings()).await;
    for name in ["alice", "bob", "carol", "zed"] {
        directory_account(&app, name).await;
    }
    let mut b = Browser::new(&app);
    let r = b.login("alice", "alice-dir-pw").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["signed_in"], true);
    let me = b.send("GET", "/v1/me", None).await;
    assert_eq!(me.body["account"]["auth"], "directory");
    // The directory keeps the password.
    let r = b
        .send(
            "POST",
            "/v1/me/password",
            Some(json!({"current": "alice-dir-pw", "new": "something else entirely 9"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);

    // Wrong password, expired, disabled, absent from the directory: alike.
    let wrong = Browser::new(&app).login("alice", "not-it").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    for (user, password) in [
        ("bob", "bob-dir-pw"),
        ("carol", "carol-dir-pw"),
        ("zed", "x"),
    ] {
        let r = Browser::new(&app).login(user, password).await;
        assert_eq!((r.status, &r.body), (wrong.status, &wrong.body), "{user}");
    }
    let failures = audit(&app, "login.failure").await;
    assert_eq!(failures.len(), 4);
    assert!(failures.iter().all(|f| f.entry.reason == "wrong password"));
    app.close().await;
}

#[tokio::test]
async fn without_a_directory_directory_accounts_cannot_sign_in() {
    let app = App::sqlite().await;
    directory_account(&app, "dana").await;
    let r = Browser::new(&app).login("dana", "whatever").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{:?}", r.body);
    assert_eq!(r.code(), "directory_unavailable");
    app.close().await;
}
