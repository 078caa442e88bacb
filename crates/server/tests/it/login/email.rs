//! E-mail codes end to end: the server sends through a real SMTP server
//! (`aiosmtpd` writing a Maildir) and the test reads the code from the
//! mail, as a person would.

use std::time::Duration;

use axum::http::StatusCode;
use cordon_store::{AccountUpdate, Actor};
use serde_json::json;

use super::kit::{Browser, MailSink, PASSWORD, add_user, admin_account, audit, set_login};
use crate::support::App;

async fn app_with_email_codes(sink: &MailSink) -> App {
    let app = App::sqlite_with(sink.settings()).await;
    admin_account(&app).await;
    add_user(&app, "alice", Some("alice@example.org"), "technician").await;
    set_login(&app, json!({"two_factor": "email"})).await;
    app
}

fn other_code(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_code_signs_in_once_and_three_wrong_ones_kill_it() {
    let sink = MailSink::start();
    let app = app_with_email_codes(&sink).await;
    let mut b = Browser::new(&app);
    let r = b.login("alice", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["signed_in"], false);
    assert_eq!(r.body["second_factor"], "email");
    assert_eq!(r.body["email_hint"], "a***@example.org");
    assert!(r.set_cookie("cordon_session").is_none(), "no session yet");
    let challenge = r.body["challenge"].as_str().unwrap().to_owned();
    let code = sink.last_code("alice@example.org");
    assert_eq!(code.len(), 6);
    let mail = sink.messages().pop().unwrap();
    assert!(mail.contains("Subject: Your Cordon sign-in code"), "{mail}");
    assert!(mail.contains("within 15 minutes"), "{mail}");

    // Three wrong codes, then even the right one fails.
    for _ in 0..3 {
        let r = b.second_factor(&challenge, &other_code(&code), false).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.code(), "invalid_code");
    }
    let r = b.second_factor(&challenge, &code, false).await;
    assert_eq!(r.code(), "too_many_attempts", "{:?}", r.body);
    assert!(b.jar.is_empty());

    // A new code: not within a minute of the last…
    let resend = json!({"challenge": challenge});
    let r = b
        .send("POST", "/v1/auth/2fa/resend", Some(resend.clone()))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{:?}", r.body);
    assert_eq!(r.code(), "resend_too_soon");
    // …but after it.
    app.state.login.clock.advance(Duration::from_secs(61));
    let r = b.send("POST", "/v1/auth/2fa/resend", Some(resend)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["resends_left"], 4);
    let new_code = sink.last_code("alice@example.org");
    assert_eq!(sink.messages().len(), 2);
    if new_code != code {
        // The old code died with the new one.
        let r = b.second_factor(&challenge, &code, false).await;
        assert_eq!(r.code(), "invalid_code");
    }
    let r = b.second_factor(&challenge, &new_code, false).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["signed_in"], true);
    assert_eq!(r.body["second_factor_used"], "email");
    assert_eq!(b.send("GET", "/v1/me", None).await.status, StatusCode::OK);

    // Single use: the same challenge and code again.
    let mut again = Browser::new(&app);
    let r = again.second_factor(&challenge, &new_code, false).await;
    assert_eq!(r.code(), "challenge_expired");

    // Audited with reasons, never with the code.
    let failures = audit(&app, "login.failure").await;
    let reasons: Vec<&str> = failures.iter().map(|e| e.entry.reason.as_str()).collect();
    assert!(reasons.contains(&"bad code"), "{reasons:?}");
    assert!(reasons.contains(&"too many wrong codes"), "{reasons:?}");
    assert!(reasons.contains(&"expired challenge"), "{reasons:?}");
    assert_eq!(audit(&app, "login.code_sent").await.len(), 1);
    let ok = audit(&app, "login.success").await;
    assert_eq!(
        ok[0].entry.after.as_ref().unwrap()["second_factor"],
        "email"
    );
    let everything = serde_json::to_string(&audit(&app, "login.").await).unwrap();
    assert!(!everything.contains(&code) && !everything.contains(&new_code));
    assert!(!everything.contains(&challenge));
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_expire_after_15_minutes_and_resends_are_limited() {
    let sink = MailSink::start();
    let app = app_with_email_codes(&sink).await;
    let mut b = Browser::new(&app);
    let r = b.login("alice", PASSWORD).await;
    let challenge = r.body["challenge"].as_str().unwrap().to_owned();
    let code = sink.last_code("alice@example.org");
    app.state
        .login
        .clock
        .advance(Duration::from_secs(15 * 60 + 1));
    let r = b.second_factor(&challenge, &code, false).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), "code_expired", "{:?}", r.body);

    // Five more codes per sign-in, a minute apart.
    let resend = json!({"challenge": challenge});
    for left in (0..5).rev() {
        let r = b
            .send("POST", "/v1/auth/2fa/resend", Some(resend.clone()))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["resends_left"], left);
        app.state.login.clock.advance(Duration::from_secs(61));
    }
    let r = b.send("POST", "/v1/auth/2fa/resend", Some(resend)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.code(), "resend_limit");
    assert_eq!(sink.messages().len(), 6);
    // The last code still works.
    let r = b
        .second_factor(&challenge, &sink.last_code("alice@example.org"), false)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_codes_need_a_mail_server_and_everybody_s_address() {
    // No `[smtp]`: refused.
    let app = App::sqlite().await;
    let (s, v) = app
        .admin(
            "PUT",
            "/v1/settings/login",
            Some(json!({"two_factor": "email"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["code"], "smtp_not_configured");
    app.close().await;

    let sink = MailSink::start();
    let app = App::sqlite_with(sink.settings()).await;
    let bob = add_user(&app, "bob", None, "guest").await;
    add_user(&app, "carol", Some("carol@example.org"), "guest").await;
    let dan = add_user(&app, "dan", None, "guest").await;
    app.store
        .update_account(
            &dan.id,
            &AccountUpdate {
                disabled: Some(true),
                ..Default::default()
            },
            &Actor::System,
            cordon_store::now_millis(),
        )
        .await
        .unwrap();
    let (s, v) = app
        .admin(
            "PUT",
            "/v1/settings/login",
            Some(json!({"two_factor": "email"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["code"], "email_missing");
    let msg = v["message"].as_str().unwrap();
    assert!(msg.contains("2 have none: `admin`, `bob`"), "{msg}");
    assert!(!msg.contains("carol") && !msg.contains("dan"), "{msg}");
    let (_, current) = app.admin("GET", "/v1/settings/login", None).await;
    assert_eq!(current["two_factor"], "off", "nothing changed");

    admin_account(&app).await;
    app.store
        .update_account(
            &bob.id,
            &AccountUpdate {
                email: Some(Some("bob@example.org".into())),
                ..Default::default()
            },
            &Actor::System,
            cordon_store::now_millis(),
        )
        .await
        .unwrap();
    let (s, v) = app
        .admin(
            "PUT",
            "/v1/settings/login",
            Some(json!({"two_factor": "email"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["two_factor"], "email");
    let change = audit(&app, "settings.update").await;
    assert_eq!(change.len(), 1);
    assert_eq!(
        change[0].entry.before.as_ref().unwrap()["two_factor"],
        "off"
    );
    assert_eq!(
        change[0].entry.after.as_ref().unwrap()["two_factor"],
        "email"
    );
    app.close().await;
}
