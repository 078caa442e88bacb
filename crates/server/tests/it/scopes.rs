//! Roles and scopes through the API: the seed's users A–D with static
//! unique groups 1–4, line by line, on real policies assigned to real
//! groups; incidents scoped by the computer they came from; and a table of
//! role × scope × route.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{App, events, policy_text};

/// A person: their account and a key that acts for them.
pub struct Person {
    pub id: String,
    pub key: String,
}

pub async fn person(app: &App, name: &str, role: &str, scope: Value) -> Person {
    let (s, a) = app
        .admin(
            "POST",
            "/v1/users",
            Some(json!({
                "username": name, "password": "correct horse battery staple 42",
                "email": format!("{name}@corp.example"), "role": role, "scope": scope,
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let id = a["account"]["id"].as_str().unwrap().to_owned();
    let (s, k) = app
        .admin(
            "POST",
            "/v1/keys",
            Some(json!({"name": format!("{name}'s key"), "role": "admin", "owner": id})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{k}");
    Person {
        id,
        key: k["secret"].as_str().unwrap().to_owned(),
    }
}

/// Agent groups G1 and G2 on the test policy, and computer `pc-1` in G1
/// with its own key: the key's secret and id.
pub async fn agent_on_pc1(app: &App) -> (String, String) {
    for g in ["G1", "G2"] {
        let (s, v) = app
            .admin(
                "PUT",
                &format!("/v1/agent-groups/{g}"),
                Some(json!({"policy_id": "test-policy", "policy_version": 1})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (_, k) = app
        .admin("POST", "/v1/keys", Some(json!({"name": "agent on pc-1"})))
        .await;
    let agent = k["secret"].as_str().unwrap().to_owned();
    let key_id = k["key"]["id"].as_str().unwrap().to_owned();
    let (s, v) = app
        .admin(
            "PUT",
            "/v1/computers/pc-1",
            Some(json!({"group": "G1", "key_id": key_id})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    (agent, key_id)
}

pub fn groups(names: &[&str]) -> Value {
    json!({"kind": "groups", "names": names})
}

/// A policy document with this id (the test policy, renamed).
fn policy(id: &str) -> String {
    policy_text("policy.yaml").replacen("id: test-policy", &format!("id: {id}"), 1)
}

async fn call(app: &App, who: &Person, m: &str, uri: &str, body: Option<Value>) -> StatusCode {
    app.call(m, uri, Some(&who.key), body).await.0
}

/// `who` creates policy `id` and applies it to `groups`.
async fn configure(app: &App, who: &Person, id: &str, groups: &[&str]) {
    let (s, v) = app
        .call(
            "POST",
            "/v1/policies",
            Some(&who.key),
            Some(json!({"body": policy(id)})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    for g in groups {
        let (s, v) = app
            .call(
                "PUT",
                &format!("/v1/agent-groups/{g}"),
                Some(&who.key),
                Some(json!({"policy_id": id, "policy_version": 1})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{g}: {v}");
    }
}

async fn modify(app: &App, who: &Person, id: &str) -> StatusCode {
    call(
        app,
        who,
        "PUT",
        &format!("/v1/policies/{id}"),
        Some(json!({"body": policy(id), "comment": "tuned"})),
    )
    .await
}

async fn view(app: &App, who: &Person, id: &str) -> StatusCode {
    call(app, who, "GET", &format!("/v1/policies/{id}"), None).await
}

fn listed(v: &Value, id: &str) -> bool {
    v["policies"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["id"] == id)
}

#[tokio::test]
async fn the_seeds_users_a_to_d_line_by_line() {
    let app = App::sqlite().await;
    // The groups exist, created by the service administrator.
    let (s, _) = app
        .admin(
            "POST",
            "/v1/policies",
            Some(json!({"body": policy("base")})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    for g in ["G1", "G2", "G3", "G4"] {
        let (s, v) = app
            .admin(
                "PUT",
                &format!("/v1/agent-groups/{g}"),
                Some(json!({"policy_id": "base", "policy_version": 1})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    // "Endpoint DLP Manager": complete access, so only scope decides.
    let a = person(&app, "user-a", "dlp_manager", groups(&["G1"])).await;
    let b = person(&app, "user-b", "dlp_manager", groups(&["G2"])).await;
    let c = person(&app, "user-c", "dlp_manager", groups(&["G2", "G3"])).await;
    let d = person(
        &app,
        "user-d",
        "dlp_manager",
        groups(&["G1", "G2", "G3", "G4"]),
    )
    .await;

    // "User A creates and applies the configuration to Static Unique Group 1.
    // This configuration will be visible to User A, and User D ... can be
    // modified by User A and User D."
    configure(&app, &a, "cfg-a", &["G1"]).await;
    assert_eq!(view(&app, &a, "cfg-a").await, StatusCode::OK);
    assert_eq!(view(&app, &d, "cfg-a").await, StatusCode::OK);
    assert_eq!(view(&app, &b, "cfg-a").await, StatusCode::NOT_FOUND);
    assert_eq!(view(&app, &c, "cfg-a").await, StatusCode::NOT_FOUND);
    assert_eq!(modify(&app, &a, "cfg-a").await, StatusCode::OK);
    assert_eq!(modify(&app, &d, "cfg-a").await, StatusCode::OK);
    assert_eq!(modify(&app, &b, "cfg-a").await, StatusCode::NOT_FOUND);
    // "When user D modifies this configuration, the target of this
    // configuration will list only the scope that is being shared by user A
    // and user D."
    let (_, detail) = app
        .call("GET", "/v1/policies/cfg-a", Some(&d.key), None)
        .await;
    assert_eq!(detail["yours"]["modify"], true, "{detail}");
    assert_eq!(detail["yours"]["shown_groups"], json!(["G1"]));
    assert_eq!(detail["yours"]["offered"], groups(&["G1"]));
    let (_, list) = app.call("GET", "/v1/policies", Some(&b.key), None).await;
    assert!(!listed(&list, "cfg-a"), "B lists A's configuration: {list}");
    let (_, list) = app.call("GET", "/v1/policies", Some(&d.key), None).await;
    assert!(listed(&list, "cfg-a"));

    // "User D creates a configuration and applies it to Static Unique Group 2,
    // then this configuration can be viewed by User B, User C and User D. All
    // the three users will be able to manage the configuration."
    configure(&app, &d, "cfg-d2", &["G2"]).await;
    for who in [&b, &c, &d] {
        assert_eq!(view(&app, who, "cfg-d2").await, StatusCode::OK);
        assert_eq!(modify(&app, who, "cfg-d2").await, StatusCode::OK);
    }
    assert_eq!(view(&app, &a, "cfg-d2").await, StatusCode::NOT_FOUND);

    // "User D creates a configuration and applies it to Static Unique Group 3,
    // and Static Unique Group 4. In this case, User C and User D will be able
    // to view this configuration. User C cannot make any changes to this
    // configuration."
    configure(&app, &d, "cfg-d34", &["G3", "G4"]).await;
    assert_eq!(view(&app, &c, "cfg-d34").await, StatusCode::OK);
    assert_eq!(view(&app, &d, "cfg-d34").await, StatusCode::OK);
    let (s, e) = app
        .call(
            "PUT",
            "/v1/policies/cfg-d34",
            Some(&c.key),
            Some(json!({"body": policy("cfg-d34")})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("outside your scope"),
        "{e}"
    );
    assert_eq!(view(&app, &b, "cfg-d34").await, StatusCode::NOT_FOUND);
    // C cannot deploy to group 4 either.
    let (s, _) = app
        .call(
            "PUT",
            "/v1/agent-groups/G4",
            Some(&c.key),
            Some(json!({"policy_id": "cfg-d2", "policy_version": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "G4 is not C's to see");

    // "User A creates a configuration and applies it to Static Unique Group 1
    // and later, user A's scope is modified, then this configuration can only
    // be viewed by him, or cloned as a new configuration without the target."
    let (s, v) = app
        .admin(
            "PATCH",
            &format!("/v1/users/{}", a.id),
            Some(json!({"scope": groups(&["G2"])})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(view(&app, &a, "cfg-a").await, StatusCode::OK);
    assert_eq!(modify(&app, &a, "cfg-a").await, StatusCode::FORBIDDEN);
    let (_, detail) = app
        .call("GET", "/v1/policies/cfg-a", Some(&a.key), None)
        .await;
    assert_eq!(detail["yours"]["modify"], false, "{detail}");
    assert_eq!(detail["yours"]["clone"], true, "{detail}");
    // Cloning is creating a new, untargeted policy from the same document.
    let (s, v) = app
        .call("GET", "/v1/policies/cfg-a", Some(&a.key), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let body = v["version"]["body"]
        .as_str()
        .unwrap()
        .replacen("id: cfg-a", "id: cfg-a-clone", 1);
    let (s, v) = app
        .call(
            "POST",
            "/v1/policies",
            Some(&a.key),
            Some(json!({"body": body})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(modify(&app, &a, "cfg-a-clone").await, StatusCode::OK);
    // D, whose scope still covers group 1, still manages it.
    assert_eq!(modify(&app, &d, "cfg-a").await, StatusCode::OK);
    // Each of these changes is audited under the person who made it.
    let (_, log) = app
        .admin(
            "GET",
            &format!("/v1/audit?actor={}&target_kind=policy", d.id),
            None,
        )
        .await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"policy.create") && actions.contains(&"policy.update"),
        "{log}"
    );
    app.close().await;
}

#[tokio::test]
async fn incidents_follow_the_computer_they_came_from() {
    let app = App::sqlite().await.with_policy().await;
    let (agent, key_id) = agent_on_pc1(&app).await;
    let (s, d) = app
        .call(
            "POST",
            "/v1/decide",
            Some(&agent),
            Some(events::download("mallory", &["PCI"])),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["decision"], "deny");
    let g1 = person(&app, "g1-admin", "technician", groups(&["G1"])).await;
    let g2 = person(&app, "g2-admin", "technician", groups(&["G2"])).await;
    let (_, page) = app.call("GET", "/v1/incidents", Some(&g1.key), None).await;
    let mine = page["incidents"].as_array().unwrap();
    assert!(!mine.is_empty(), "{page}");
    assert!(mine.iter().all(|i| i["computer"] == "pc-1"), "{page}");
    let id = mine[0]["id"].as_i64().unwrap();
    let (_, page) = app.call("GET", "/v1/incidents", Some(&g2.key), None).await;
    assert_eq!(page["incidents"].as_array().unwrap().len(), 0, "{page}");
    let uri = format!("/v1/incidents/{id}");
    assert_eq!(
        call(&app, &g2, "GET", &uri, None).await,
        StatusCode::NOT_FOUND
    );
    let status = format!("{uri}/status");
    assert_eq!(
        call(
            &app,
            &g1,
            "POST",
            &status,
            Some(json!({"status": "in_progress"}))
        )
        .await,
        StatusCode::OK
    );
    // Every incident status change is in the audit trail, with who.
    let (_, log) = app
        .admin("GET", "/v1/audit?action=incident.status", None)
        .await;
    let e = &log["entries"][0];
    assert_eq!(e["target_id"], id.to_string(), "{log}");
    assert_eq!(e["actor"]["id"], g1.id.as_str());
    assert_eq!(e["before"]["status"], "new");
    assert_eq!(e["after"]["status"], "in_progress");
    // The dashboard counts the caller's computers only.
    let (_, dash) = app.call("GET", "/v1/dashboard", Some(&g2.key), None).await;
    assert_eq!(dash["top_rules"].as_array().unwrap().len(), 0, "{dash}");
    let (_, dash) = app.call("GET", "/v1/dashboard", Some(&g1.key), None).await;
    assert!(!dash["top_rules"].as_array().unwrap().is_empty(), "{dash}");

    // The computer moves to G2: its incidents go with it; nobody's scope
    // changed.
    let (s, _) = app
        .admin(
            "PUT",
            "/v1/computers/pc-1",
            Some(json!({"group": "G2", "key_id": key_id})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        call(&app, &g1, "GET", &uri, None).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(call(&app, &g2, "GET", &uri, None).await, StatusCode::OK);
    // A technician scoped to G1 cannot pull the computer back.
    let (s, _) = app
        .call(
            "PUT",
            "/v1/computers/pc-1",
            Some(&g1.key),
            Some(json!({"group": "G1", "key_id": key_id})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Incidents from no computer (a gateway's key) are for all-computers
    // administrators only.
    let (s, _) = app
        .admin(
            "POST",
            "/v1/decide",
            Some(events::download("eve", &["PCI"])),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, page) = app.call("GET", "/v1/incidents", Some(&g2.key), None).await;
    assert!(
        page["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["computer"] == "pc-1"),
        "{page}"
    );
    let (_, page) = app.admin("GET", "/v1/incidents", None).await;
    assert!(
        page["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["computer"] == ""),
        "{page}"
    );
    app.close().await;
}

/// Role × scope × route, as data: what the route table lets through
/// before any object is looked at (`403` = refused by the route check).
const TABLE: &str = "
# role          scope   method  path                        allowed
guest           all     GET     /v1/policies                yes
guest           all     POST    /v1/policies                no
guest           all     GET     /v1/incidents               yes
guest           all     POST    /v1/incidents/1/status      no
guest           all     GET     /v1/dashboard               yes
guest           all     GET     /v1/audit                   yes
guest           all     GET     /v1/users                   no
guest           all     POST    /v1/keys                    no
technician      G1      POST    /v1/policies                yes
technician      G1      PUT     /v1/policies/x              yes
technician      G1      GET     /v1/users                   no
technician      G1      GET     /v1/roles                   no
technician      G1      PUT     /v1/offices/o               no
technician      G1      GET     /v1/audit                   yes
technician      G1      DELETE  /v1/agent-groups/g          yes
technician      G1      POST    /v1/agent-groups/g/enrolment-tokens yes
guest           all     GET     /v1/agent-groups/g/enrolment-tokens yes
guest           all     POST    /v1/agent-groups/g/enrolment-tokens no
guest           all     DELETE  /v1/agent-groups/g/enrolment-tokens/t no
dlp_manager     G1      GET     /v1/users                   no
dlp_manager     G1      POST    /v1/roles                   no
dlp_manager     G1      DELETE  /v1/computers/c             yes
administrator   G1      GET     /v1/users                   yes
administrator   all     POST    /v1/super-admin             no
no_incidents    all     GET     /v1/incidents               no
no_incidents    all     GET     /v1/incidents/1             no
no_incidents    all     GET     /v1/policies                yes
no_incidents    all     GET     /v1/exceptions              no
";

#[tokio::test]
async fn role_by_scope_by_route() {
    let app = App::sqlite().await;
    let (s, v) = app
        .admin(
            "POST",
            "/v1/roles",
            Some(json!({
                "id": "no_incidents", "name": "Policy reader",
                "levels": {"policies": "read", "reports": "read"},
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let mut people = std::collections::HashMap::new();
    let mut failures = Vec::new();
    let mut n = 0;
    for line in TABLE.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let [role, scope, method, path, allowed] = f[..] else {
            panic!("bad row {line}")
        };
        let key = format!("{role}/{scope}");
        if !people.contains_key(&key) {
            let scope_v = if scope == "all" {
                json!({"kind": "all"})
            } else {
                groups(&[scope])
            };
            let name = format!("{role}-{}", scope.to_lowercase());
            people.insert(key.clone(), person(&app, &name, role, scope_v).await);
        }
        let who = &people[&key];
        let (s, e) = app
            .call(method, path, Some(&who.key), Some(json!({})))
            .await;
        let refused = s == StatusCode::FORBIDDEN
            && e["message"].as_str().is_some_and(|m| {
                m.contains("your role has")
                    || m.contains("only administrators")
                    || m.contains("super admin")
            });
        if refused != (allowed == "no") {
            failures.push(format!("{line}: got {s} {e}"));
        }
        n += 1;
    }
    assert!(n >= 20);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    app.close().await;
}
