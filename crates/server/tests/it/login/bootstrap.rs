//! The first super admin: created once per database however many servers
//! start together, its one-time password handed out once, and nothing
//! but its own account until that password is changed.

use axum::http::StatusCode;
use cordon_server::config::ConfigSecret;
use cordon_store::Actor;
use serde_json::json;

use super::kit::{Browser, PASSWORD, audit};
use crate::support::{App, Db};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_database_create_one_super_admin() {
    let db = cordon_store::testing::PgDatabase::create().await.unwrap();
    let open = || async {
        cordon_store::open(&db.url, &cordon_store::OpenOptions::default())
            .await
            .unwrap()
    };
    let (sa, sb) = (
        crate::support::state(crate::support::settings()),
        crate::support::state(crate::support::settings()),
    );
    let (store_a, store_b) = (open().await, open().await);
    let (ka, kb) = tokio::join!(sa.attach(store_a.clone()), sb.attach(store_b.clone()));
    let admin_key = ka.unwrap().or(kb.unwrap()).unwrap();
    let passwords: Vec<String> = [&sa, &sb]
        .iter()
        .filter_map(|s| s.login.take_first_admin_password())
        .collect();
    assert_eq!(passwords.len(), 1, "exactly one server prints it");
    let password = passwords[0].clone();
    assert_eq!(password.chars().count(), 20);
    assert!(sa.login.take_first_admin_password().is_none(), "shown once");
    drop(sb);
    drop(store_b);
    let app = App {
        state: sa,
        admin: admin_key,
        store: store_a,
        db: Some(Db::Pg(db)),
    };
    assert_eq!(app.store.count_accounts().await.unwrap(), 1);
    let (admin, creds) = app
        .store
        .find_account_by_username("admin")
        .await
        .unwrap()
        .unwrap();
    assert!(admin.super_admin && admin.must_change_password);
    assert_eq!(admin.role_id, "administrator");
    assert_eq!(admin.scope, cordon_access::Scope::All);
    assert!(!creds.password_hash.unwrap().contains(&password));
    let created = audit(&app, "account.create").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].entry.actor, Actor::System);

    // Signed in with the one-time password, only its own account is open.
    let mut b = Browser::new(&app);
    let r = b.login("admin", &password).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["must_change_password"], true);
    for (method, path) in [
        ("GET", "/v1/policies"),
        ("GET", "/v1/keys"),
        ("GET", "/v1/settings/login"),
    ] {
        let r = b.send(method, path, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {:?}", r.body);
        assert_eq!(r.code(), "password_change_required");
    }
    assert_eq!(b.send("GET", "/v1/me", None).await.status, StatusCode::OK);
    let r = b
        .send(
            "POST",
            "/v1/me/password",
            Some(json!({"current": password, "new": "admin"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert_eq!(r.body["field"], "new");
    let r = b
        .send(
            "POST",
            "/v1/me/password",
            Some(json!({"current": password, "new": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(
        b.send("GET", "/v1/policies", None).await.status,
        StatusCode::OK
    );
    assert_eq!(b.send("GET", "/v1/keys", None).await.status, StatusCode::OK);
    assert_eq!(audit(&app, "account.password_change").await.len(), 1);
    // The one-time password is gone.
    let r = Browser::new(&app).login("admin", &password).await;
    assert_eq!(r.code(), "invalid_credentials");
    app.close().await;
}

#[tokio::test]
async fn the_first_password_can_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cordon.db");
    let settings = || cordon_server::Settings {
        admin_password: Some(ConfigSecret::new("chosen by the operator 1")),
        ..crate::support::settings()
    };
    let store = crate::support::sqlite(&path).await;
    let app = App::attach(settings(), store, Db::Sqlite(dir)).await;
    assert!(
        app.state.login.take_first_admin_password().is_none(),
        "nothing to print"
    );
    let r = Browser::new(&app)
        .login("admin", "chosen by the operator 1")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["must_change_password"], true);
    // A restart on the same database creates nobody.
    let again = crate::support::state(crate::support::settings());
    again.attach(app.store.clone()).await.unwrap();
    assert!(again.login.take_first_admin_password().is_none());
    assert_eq!(app.store.count_accounts().await.unwrap(), 1);
    app.close().await;
}
