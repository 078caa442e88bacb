//! Accounts and roles on the Admin tab: the rules of granting, the
//! guards on the last administrator and held roles, keys owned by
//! accounts, and the audit trail of every change (never a secret).

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::App;

const PASSWORD: &str = "correct horse battery staple 42";

async fn create(app: &App, key: &str, body: Value) -> (StatusCode, Value) {
    app.call("POST", "/v1/users", Some(key), Some(body)).await
}

async fn owned_key(app: &App, owner: &str) -> String {
    let (s, k) = app
        .admin(
            "POST",
            "/v1/keys",
            Some(json!({"name": "script", "role": "admin", "owner": owner})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{k}");
    k["secret"].as_str().unwrap().to_owned()
}

fn user(name: &str, role: &str, scope: Value) -> Value {
    json!({"username": name, "password": PASSWORD, "role": role, "scope": scope,
           "email": format!("{name}@corp.example")})
}

#[tokio::test]
async fn creating_accounts_checks_what_is_granted() {
    let app = App::sqlite().await;
    let admin = app.admin.clone();
    // Bad input says what and where.
    let cases = [
        (
            json!({"username": "a", "password": "short", "role": "guest", "scope": {"kind": "all"}}),
            StatusCode::BAD_REQUEST,
            "at least 12",
        ),
        (
            json!({"username": "a", "password": "password1234", "role": "guest", "scope": {"kind": "all"}}),
            StatusCode::BAD_REQUEST,
            "password",
        ),
        (
            json!({"username": "alice", "password": "alice-is-great-2024", "role": "guest", "scope": {"kind": "all"}}),
            StatusCode::BAD_REQUEST,
            "password",
        ),
        (
            json!({"username": "a", "password": PASSWORD, "role": "nope", "scope": {"kind": "all"}}),
            StatusCode::BAD_REQUEST,
            "no role `nope`",
        ),
        (
            json!({"username": "a", "role": "guest", "scope": {"kind": "all"}}),
            StatusCode::BAD_REQUEST,
            "needs a password",
        ),
        (
            json!({"username": "a", "auth": "directory", "password": PASSWORD, "role": "guest", "scope": {"kind": "all"}}),
            StatusCode::BAD_REQUEST,
            "directory",
        ),
        (
            json!({"username": "a", "password": PASSWORD, "role": "guest", "scope": {"kind": "groups"}}),
            StatusCode::BAD_REQUEST,
            "scope",
        ),
        (
            json!({"username": "a", "password": PASSWORD, "role": "guest", "scope": {"kind": "all"}, "email": "not-an-address"}),
            StatusCode::BAD_REQUEST,
            "e-mail",
        ),
        (
            json!({"username": "a", "password": PASSWORD, "role": "guest", "scope": {"kind": "mixed", "names": []}}),
            StatusCode::BAD_REQUEST,
            "scope",
        ),
    ];
    for (body, status, needle) in cases {
        let (s, e) = create(&app, &admin, body.clone()).await;
        assert_eq!(s, status, "{body}: {e}");
        assert!(
            e["message"].as_str().unwrap().contains(needle),
            "{body}: {e} lacks {needle}"
        );
    }
    let (s, a) = create(
        &app,
        &admin,
        user(
            "alice",
            "administrator",
            json!({"kind": "groups", "names": ["G1"]}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert!(a.to_string().find(PASSWORD).is_none());
    assert_eq!(a["account"]["must_change_password"], true);
    let alice = a["account"]["id"].as_str().unwrap().to_owned();
    let (s, e) = create(&app, &admin, user("ALICE", "guest", json!({"kind": "all"}))).await;
    assert_eq!(s, StatusCode::CONFLICT, "user names ignore case: {e}");

    // Alice administers group G1 only: she cannot grant more.
    let alice_key = owned_key(&app, &alice).await;
    let (s, e) = create(
        &app,
        &alice_key,
        user("bob", "guest", json!({"kind": "all"})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("outside your own scope"),
        "{e}"
    );
    let (s, e) = create(
        &app,
        &alice_key,
        user(
            "bob",
            "technician",
            json!({"kind": "groups", "names": ["G1"]}),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let bob = e["account"]["id"].as_str().unwrap().to_owned();
    // Nor mint a key that administers all computers.
    let (s, e) = app
        .call(
            "POST",
            "/v1/keys",
            Some(&alice_key),
            Some(json!({"name": "x", "role": "admin"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    // Nor change her own role or scope.
    let (s, e) = app
        .call(
            "PATCH",
            &format!("/v1/users/{alice}"),
            Some(&alice_key),
            Some(json!({"scope": {"kind": "all"}})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("your own role or scope"),
        "{e}"
    );
    // She manages Bob, whom she could have created.
    let (s, e) = app
        .call(
            "PATCH",
            &format!("/v1/users/{bob}"),
            Some(&alice_key),
            Some(json!({"role": "guest", "phone": "+33 1 23 45 67 89"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert_eq!(e["account"]["role"], "guest");

    // Nor reset the second factor of, or unlock, someone beyond her: the
    // super admin administers all computers.
    let (_, all) = app.admin("GET", "/v1/users", None).await;
    let root = all["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["super_admin"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for action in ["reset-2fa", "unlock"] {
        let (s, e) = app
            .call(
                "POST",
                &format!("/v1/users/{root}/{action}"),
                Some(&alice_key),
                Some(json!({})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{action}: {e}");
    }
    let (s, e) = app
        .call(
            "POST",
            &format!("/v1/users/{bob}/unlock"),
            Some(&alice_key),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    // A technician has no Admin tab at all.
    let bob_key = owned_key(&app, &bob).await;
    let (s, _) = app.call("GET", "/v1/users", Some(&bob_key), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Disabling an account kills the keys it owns.
    let (s, _) = app
        .admin(
            "PATCH",
            &format!("/v1/users/{bob}"),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.call("GET", "/v1/policies", Some(&bob_key), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.close().await;
}

#[tokio::test]
async fn roles_are_never_more_than_the_granter_nor_deleted_while_held() {
    let app = App::sqlite().await;
    let (s, r) = app
        .admin(
            "POST",
            "/v1/roles",
            Some(json!({
                "id": "fp-tuner", "name": "False-positive tuner",
                "levels": {"incidents": "read", "false_positives": "write"},
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (s, e) = app
        .admin(
            "POST",
            "/v1/roles",
            Some(json!({
                "id": "second", "name": "FALSE-POSITIVE TUNER", "levels": {},
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    for (body, needle) in [
        (
            json!({"id": "Bad Id", "name": "x", "levels": {}}),
            "not valid",
        ),
        (
            json!({"id": "x", "name": "x", "levels": {"nonsense": "read"}}),
            "nonsense",
        ),
        (
            json!({"id": "x", "name": "x", "levels": {"policies": "everything"}}),
            "everything",
        ),
        (
            json!({"id": "guest", "name": "x", "levels": {}}),
            "predefined",
        ),
    ] {
        let (s, e) = app.admin("POST", "/v1/roles", Some(body.clone())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {e}");
        assert!(
            e["message"].as_str().unwrap().contains(needle),
            "{body}: {e}"
        );
    }
    // Predefined roles are what they are.
    let (s, _) = app
        .admin(
            "PUT",
            "/v1/roles/guest",
            Some(json!({"name": "Guest", "levels": {"policies": "full_control"}})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app.admin("DELETE", "/v1/roles/technician", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // An administrator holding only... the administrator role holds
    // everything; a role's levels are checked against the granter's by
    // cordon-access (property-tested there). Held roles are not deleted.
    let (s, u) = app
        .admin(
            "POST",
            "/v1/users",
            Some(json!({
                "username": "tuner", "password": PASSWORD, "role": "fp-tuner",
                "scope": {"kind": "all"},
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{u}");
    let (s, e) = app.admin("DELETE", "/v1/roles/fp-tuner", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("tuner"),
        "names the holder: {e}"
    );
    // The holder's powers follow the role's levels at once.
    let key = owned_key(&app, u["account"]["id"].as_str().unwrap()).await;
    let (s, _) = app.call("GET", "/v1/incidents", Some(&key), None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = app
        .admin(
            "PUT",
            "/v1/roles/fp-tuner",
            Some(json!({"name": "Tuner", "levels": {"false_positives": "write"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let (s, _) = app.call("GET", "/v1/incidents", Some(&key), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .admin(
            "DELETE",
            &format!("/v1/users/{}", u["account"]["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.admin("DELETE", "/v1/roles/fp-tuner", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    app.close().await;
}

#[tokio::test]
async fn every_change_is_in_the_audit_trail_without_secrets() {
    let app = App::sqlite().await;
    let (s, a) = app
        .call_with(
            "POST",
            "/v1/users",
            &app.admin.clone(),
            &[("user-agent", "audit-test/1.0"), ("x-request-id", "req-42")],
            json!({"username": "carol", "password": PASSWORD, "role": "guest", "scope": {"kind": "all"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let carol = a["account"]["id"].as_str().unwrap().to_owned();
    let (s, _) = app
        .admin(
            "PATCH",
            &format!("/v1/users/{carol}"),
            Some(json!({"role": "technician"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .admin(
            "POST",
            &format!("/v1/users/{carol}/password"),
            Some(json!({"password": "another long passphrase 77"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // (The server's own first super admin has an `account.create` too.)
    let (s, log) = app
        .admin(
            "GET",
            &format!("/v1/audit?action=account.&target_id={carol}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{log}");
    let entries = log["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["account.password_reset", "account.update", "account.create"]
    );
    let created = &entries[2];
    assert_eq!(created["user_agent"], "audit-test/1.0");
    assert_eq!(created["request_id"], "req-42");
    assert_eq!(created["target_id"], carol.as_str());
    assert_eq!(created["actor"]["type"], "key");
    let update = &entries[1];
    assert_eq!(update["before"]["role"], "guest");
    assert_eq!(update["after"]["role"], "technician");
    let text = log.to_string();
    assert!(!text.contains(PASSWORD) && !text.contains("another long passphrase"));
    assert!(!text.contains("$argon2"), "no hash in the audit trail");
    // Filters narrow; nothing edits or deletes.
    let (_, log) = app
        .admin(
            "GET",
            &format!("/v1/audit?target_kind=account&target_id={carol}&action=account.update"),
            None,
        )
        .await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 1);
    let (s, _) = app.admin("GET", "/v1/audit?outcome=maybe", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    for m in ["POST", "PUT", "PATCH", "DELETE"] {
        let (s, _) = app.admin(m, "/v1/audit", Some(json!({}))).await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED, "{m}");
    }
    // A guest reads the trail (read on the audit module); a role without it
    // does not.
    let (_, g) = app
        .admin(
            "POST",
            "/v1/users",
            Some(json!({
                "username": "gina", "password": PASSWORD, "role": "guest", "scope": {"kind": "all"},
            })),
        )
        .await;
    let key = owned_key(&app, g["account"]["id"].as_str().unwrap()).await;
    let (s, _) = app.call("GET", "/v1/audit", Some(&key), None).await;
    assert_eq!(s, StatusCode::OK);
    app.close().await;
}
