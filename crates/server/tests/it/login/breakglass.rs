//! Break-glass on a real SQLite database: the functions, then the same
//! through the built `cordon admin` binary.

use std::process::Command;

use axum::http::StatusCode;
use cordon_server::login::breakglass::{self, BreakGlassError};
use cordon_store::{Actor, LockoutPolicy};

use super::kit::{Browser, PASSWORD, add_user, audit};
use crate::support::{App, Db};

#[tokio::test]
async fn break_glass_functions_on_sqlite() {
    let app = App::sqlite().await;
    let alice = add_user(&app, "alice", None, "administrator").await;
    let store = app.store.as_ref();
    store
        .set_totp_secret(&alice.id, Some("v1.sealed"), &Actor::System, 0)
        .await
        .unwrap();
    let policy = LockoutPolicy::default();
    for _ in 0..6 {
        store
            .record_login_failure(&alice.id, cordon_store::now_millis(), &policy)
            .await
            .unwrap();
    }
    let mut b = Browser::signed_in(&app, "admin", &app_admin_password(&app).await).await;

    let password = breakglass::reset_password(store, "alice").await.unwrap();
    let a = store.get_account(&alice.id).await.unwrap();
    assert!(a.must_change_password);
    let a = breakglass::reset_two_factor(store, "alice").await.unwrap();
    assert!(!a.totp_enrolled);
    let a = breakglass::unlock(store, "alice").await.unwrap();
    assert_eq!((a.failed_logins, a.locked_until), (0, None));
    let r = Browser::new(&app).login("alice", &password).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["must_change_password"], true);

    assert_eq!(
        breakglass::set_super_admin(store, "alice").await.unwrap(),
        "admin"
    );
    assert!(store.get_account(&alice.id).await.unwrap().super_admin);
    assert!(matches!(
        breakglass::set_super_admin(store, "alice").await,
        Err(BreakGlassError::AlreadySuperAdmin(_))
    ));
    assert!(matches!(
        breakglass::reset_password(store, "nobody").await,
        Err(BreakGlassError::NoSuchUser(_))
    ));
    // The admin's session still works (a transfer ends nobody's session).
    assert_eq!(
        b.send("GET", "/v1/me", None).await.body["account"]["super_admin"],
        false
    );
    for action in [
        "account.password_reset",
        "account.totp_reset",
        "account.unlock",
        "account.super_admin_transfer",
    ] {
        let e = audit(&app, action).await;
        assert_eq!(e.len(), 1, "{action}");
        assert_eq!(e[0].entry.actor, Actor::System);
        assert_eq!(e[0].entry.user_agent, "cordon admin");
        assert!(!serde_json::to_string(&e[0]).unwrap().contains(&password));
    }
    app.close().await;
}

/// Gives the first super admin [`PASSWORD`] and returns it.
async fn app_admin_password(app: &App) -> String {
    super::kit::admin_account(app).await;
    PASSWORD.to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cordon_admin_break_glass_commands() {
    let app = App::sqlite().await;
    let bob = add_user(&app, "bob", None, "administrator").await;
    let Some(Db::Sqlite(dir)) = &app.db else {
        unreachable!()
    };
    let cordon = |args: &[&str]| {
        let out = Command::new(crate::process::cordon_bin())
            .arg("admin")
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .env_remove("CORDON_CONFIG")
            .env_remove("CORDON_DATABASE_URL")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "cordon admin {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (stdout, stderr) = cordon(&["reset-password", "bob"]);
    let password = stdout.trim();
    assert_eq!(password.chars().count(), 20, "{stdout}");
    assert!(stderr.contains("shown only this once"), "{stderr}");
    let r = Browser::new(&app).login("bob", password).await;
    assert_eq!(r.body["must_change_password"], true, "{:?}", r.body);

    app.store
        .set_totp_secret(&bob.id, Some("v1.sealed"), &Actor::System, 0)
        .await
        .unwrap();
    cordon(&["reset-2fa", "bob"]);
    assert!(!app.store.get_account(&bob.id).await.unwrap().totp_enrolled);

    for _ in 0..6 {
        app.store
            .record_login_failure(
                &bob.id,
                cordon_store::now_millis(),
                &LockoutPolicy::default(),
            )
            .await
            .unwrap();
    }
    cordon(&["unlock", "bob"]);
    assert_eq!(
        app.store.get_account(&bob.id).await.unwrap().locked_until,
        None
    );

    let (_, stderr) = cordon(&["set-super-admin", "bob"]);
    assert!(stderr.contains("it was `admin`"), "{stderr}");
    assert!(app.store.get_account(&bob.id).await.unwrap().super_admin);

    // An unknown user: exit code 2 and a message naming it.
    let out = Command::new(crate::process::cordon_bin())
        .args(["admin", "unlock", "nobody", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`nobody`"));
    app.close().await;
}
