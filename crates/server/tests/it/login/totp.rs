//! Authenticator codes: enrolment through the QR code (decoded by
//! `zbarimg`), codes from `oathtool`, each accepted once — also across
//! two servers on one PostgreSQL database — within one step either side,
//! and an administrator's reset forcing a new enrolment.

use axum::http::StatusCode;
use cordon_server::config::ConfigSecret;
use serde_json::json;

use super::kit::{Browser, PASSWORD, add_user, audit, oathtool, set_login, zbarimg_svg};
use crate::support::{App, Db};

/// A time in the middle of a 30 s step, a little in the past.
fn mid_step_ms() -> i64 {
    let now = cordon_store::now_millis() / 1000;
    (now / 30 * 30 - 3000 + 10) * 1000
}

fn secs(app: &App) -> i64 {
    app.state.login.clock.now() / 1000
}

/// Signs `user` in for the first time under TOTP: enrols the
/// authenticator from the QR code and returns its base32 secret.
pub async fn enrol(app: &App, b: &mut Browser, user: &str, remember: bool) -> String {
    let r = b.login(user, PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["second_factor"], "totp_enroll", "{:?}", r.body);
    let challenge = r.body["challenge"].as_str().unwrap().to_owned();
    let e = b
        .send(
            "GET",
            &format!("/v1/auth/2fa/enroll?challenge={challenge}"),
            None,
        )
        .await;
    assert_eq!(e.status, StatusCode::OK, "{:?}", e.body);
    let uri = e.body["otpauth_uri"].as_str().unwrap();
    let secret = e.body["secret"].as_str().unwrap().to_owned();
    // What the phone scans is what the server keeps, and the secret is
    // shown as text too.
    assert_eq!(zbarimg_svg(e.body["qr_svg"].as_str().unwrap()), uri);
    assert!(
        uri.starts_with(&format!(
            "otpauth://totp/Cordon:{user}?secret={secret}&issuer=Cordon"
        )),
        "{uri}"
    );
    let r = b
        .second_factor(&challenge, &oathtool(&secret, secs(app)), remember)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["second_factor_used"], "totp_enroll");
    secret
}

/// Password, then the authenticator's code at `t`.
async fn sign_in_at(b: &mut Browser, user: &str, secret: &str, t: i64) -> super::kit::Resp {
    let r = b.login(user, PASSWORD).await;
    assert_eq!(r.body["second_factor"], "totp", "{:?}", r.body);
    let challenge = r.body["challenge"].as_str().unwrap().to_owned();
    b.second_factor(&challenge, &oathtool(secret, t), false)
        .await
}

#[tokio::test]
async fn enrolment_through_the_qr_code_then_each_code_works_once_sqlite() {
    enrolment_then_each_code_works_once(App::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolment_through_the_qr_code_then_each_code_works_once_postgres() {
    enrolment_then_each_code_works_once(App::postgres().await).await;
}

async fn enrolment_then_each_code_works_once(app: App) {
    set_login(&app, json!({"two_factor": "totp"})).await;
    let alice = add_user(&app, "alice", None, "guest").await;
    let t0 = mid_step_ms();
    app.state.login.clock.freeze(t0);
    let mut b = Browser::new(&app);
    let secret = enrol(&app, &mut b, "alice", false).await;
    assert_eq!(
        b.send("GET", "/v1/me", None).await.body["two_factor"]["totp_enrolled"],
        true
    );
    // Stored sealed, never as the secret itself.
    let sealed = app
        .store
        .credentials(&alice.id)
        .await
        .unwrap()
        .totp_secret
        .unwrap();
    assert!(
        sealed.starts_with("v1.") && !sealed.contains(&secret),
        "{sealed}"
    );
    assert_eq!(audit(&app, "account.totp_enrol").await.len(), 1);

    // The enrolment's own code does not sign in again.
    let mut b = Browser::new(&app);
    let r = sign_in_at(&mut b, "alice", &secret, t0 / 1000).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{:?}", r.body);
    assert_eq!(r.code(), "invalid_code");
    // The next step's code does, once.
    app.state
        .login
        .clock
        .advance(std::time::Duration::from_secs(30));
    let t1 = secs(&app);
    let r = sign_in_at(&mut b, "alice", &secret, t1).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["second_factor_used"], "totp");
    let r = sign_in_at(&mut Browser::new(&app), "alice", &secret, t1).await;
    assert_eq!(r.code(), "invalid_code", "a replay");
    let reasons: Vec<String> = audit(&app, "login.failure")
        .await
        .into_iter()
        .map(|e| e.entry.reason)
        .collect();
    assert_eq!(reasons, ["replayed code", "replayed code"]);
    let everything = serde_json::to_string(&audit(&app, "").await).unwrap();
    assert!(!everything.contains(&secret));
    app.close().await;
}

#[tokio::test]
async fn a_code_one_step_either_side_is_accepted() {
    let app = App::sqlite().await;
    set_login(&app, json!({"two_factor": "totp"})).await;
    add_user(&app, "bob", None, "guest").await;
    let t0 = mid_step_ms();
    app.state.login.clock.freeze(t0 - 300_000);
    let secret = enrol(&app, &mut Browser::new(&app), "bob", false).await;
    app.state.login.clock.freeze(t0);
    let t = t0 / 1000;
    let mut b = Browser::new(&app);
    // The previous step (a phone's clock 30 s behind) and the next.
    assert_eq!(
        sign_in_at(&mut b, "bob", &secret, t - 30).await.status,
        StatusCode::OK
    );
    assert_eq!(
        sign_in_at(&mut b, "bob", &secret, t + 30).await.status,
        StatusCode::OK
    );
    // Once a later code was taken, an earlier one never works.
    assert_eq!(
        sign_in_at(&mut b, "bob", &secret, t).await.code(),
        "invalid_code"
    );
    // Two steps ahead is outside the window.
    assert_eq!(
        sign_in_at(&mut b, "bob", &secret, t + 90).await.code(),
        "invalid_code"
    );
    let reasons: Vec<String> = audit(&app, "login.failure")
        .await
        .into_iter()
        .map(|e| e.entry.reason)
        .collect();
    assert_eq!(reasons, ["replayed code", "bad code"]);
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_is_accepted_once_across_two_servers_on_one_postgres_database() {
    let db = cordon_store::testing::PgDatabase::create().await.unwrap();
    let seal = cordon_identity::seal::SealKey::generate().expose_base64();
    let server = || {
        crate::support::state(cordon_server::Settings {
            seal_key: Some(ConfigSecret::new(seal.clone())),
            ..crate::support::settings()
        })
    };
    let open = || async {
        cordon_store::open(&db.url, &cordon_store::OpenOptions::default())
            .await
            .unwrap()
    };
    let (sa, sb) = (server(), server());
    let (store_a, store_b) = (open().await, open().await);
    let (ka, kb) = tokio::join!(sa.attach(store_a.clone()), sb.attach(store_b.clone()));
    let (ka, kb) = (ka.unwrap(), kb.unwrap());
    let admin = ka.or(kb).expect("one of them made the first key");
    let url = db.url.clone();
    let a = App {
        state: sa,
        admin: admin.clone(),
        store: store_a,
        db: Some(Db::Pg(db)),
    };
    let b = App {
        state: sb,
        admin,
        store: store_b,
        db: None,
    };
    set_login(&a, json!({"two_factor": "totp"})).await;
    add_user(&a, "carol", None, "guest").await;
    let t0 = mid_step_ms();
    for app in [&a, &b] {
        app.state.login.clock.freeze(t0);
    }
    let secret = enrol(&a, &mut Browser::new(&a), "carol", false).await;
    for app in [&a, &b] {
        app.state.login.clock.freeze(t0 + 30_000);
    }
    let t1 = t0 / 1000 + 30;
    let r = sign_in_at(&mut Browser::new(&a), "carol", &secret, t1).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    // The other server refuses the code the first one took.
    let r = sign_in_at(&mut Browser::new(&b), "carol", &secret, t1).await;
    assert_eq!(r.code(), "invalid_code", "{:?}", r.body);

    // The same fresh code at both servers at once: one wins.
    for app in [&a, &b] {
        app.state.login.clock.freeze(t0 + 60_000);
    }
    let code = oathtool(&secret, t1 + 30);
    let (mut ba, mut bb) = (Browser::new(&a), Browser::new(&b));
    let ca = ba.login("carol", PASSWORD).await.body["challenge"]
        .as_str()
        .unwrap()
        .to_owned();
    let cb = bb.login("carol", PASSWORD).await.body["challenge"]
        .as_str()
        .unwrap()
        .to_owned();
    let (ra, rb) = tokio::join!(
        ba.second_factor(&ca, &code, false),
        bb.second_factor(&cb, &code, false)
    );
    let mut statuses = [ra.status, rb.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::UNAUTHORIZED],
        "{url}"
    );
    b.close().await;
    a.close().await;
}

#[tokio::test]
async fn an_admin_reset_makes_the_next_sign_in_enrol_a_new_secret() {
    let app = App::sqlite().await;
    set_login(&app, json!({"two_factor": "totp"})).await;
    let dora = add_user(&app, "dora", None, "guest").await;
    let t0 = mid_step_ms();
    app.state.login.clock.freeze(t0);
    let old = enrol(&app, &mut Browser::new(&app), "dora", false).await;
    let (s, v) = app
        .admin("POST", &format!("/v1/users/{}/reset-2fa", dora.id), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["totp_enrolled"], false);
    let reset = audit(&app, "account.totp_reset").await;
    assert_eq!(reset.len(), 1);
    assert_eq!(
        reset[0].entry.before.as_ref().unwrap()["totp_enrolled"],
        true
    );
    assert_eq!(
        reset[0].entry.after.as_ref().unwrap()["totp_enrolled"],
        false
    );

    app.state.login.clock.freeze(t0 + 30_000);
    let new = enrol(&app, &mut Browser::new(&app), "dora", false).await;
    assert_ne!(new, old, "a new secret");
    // The old authenticator's codes are worthless now.
    app.state.login.clock.freeze(t0 + 60_000);
    let r = sign_in_at(&mut Browser::new(&app), "dora", &old, t0 / 1000 + 60).await;
    assert_eq!(r.code(), "invalid_code");
    let r = sign_in_at(&mut Browser::new(&app), "dora", &new, t0 / 1000 + 60).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);

    // An unknown account: 404; a client key: 403.
    let (s, _) = app
        .admin("POST", "/v1/users/0000000000000000/reset-2fa", None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.close().await;
}

#[tokio::test]
async fn reauthentication_under_totp_needs_a_code_too() {
    let app = App::sqlite().await;
    set_login(&app, json!({"two_factor": "totp"})).await;
    add_user(&app, "erin", None, "guest").await;
    let t0 = mid_step_ms();
    app.state.login.clock.freeze(t0);
    let mut b = Browser::new(&app);
    let secret = enrol(&app, &mut b, "erin", false).await;
    app.state.login.clock.freeze(t0 + 30_000);
    let r = b
        .send(
            "POST",
            "/v1/auth/reauth",
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    assert_eq!(r.code(), "second_factor_required");
    let code = oathtool(&secret, t0 / 1000 + 30);
    let r = b
        .send(
            "POST",
            "/v1/auth/reauth",
            Some(json!({"password": PASSWORD, "code": code})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["elevated_until"], t0 + 30_000 + 600_000);
    // That code is spent.
    let r = b
        .send(
            "POST",
            "/v1/auth/reauth",
            Some(json!({"password": PASSWORD, "code": code})),
        )
        .await;
    assert_eq!(r.code(), "invalid_code");
    app.close().await;
}
