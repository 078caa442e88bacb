//! A problem a change ran into, carried across the redirect that follows
//! it in a cookie that lives a minute, is read once and is never part of
//! the URL: a link cannot make a page say something the server did not.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

pub const COOKIE: &str = "cordon_problem";

/// At most this much of a message travels.
const MAX: usize = 600;

/// Redirects to `to`, carrying `message`.
pub fn redirect(to: &str, message: &str) -> Response {
    let cut: String = message.chars().take(MAX).collect();
    let value = crate::api::enc(&cut);
    let mut resp = Redirect::to(to).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; Max-Age=60; HttpOnly; SameSite=Strict"
    )) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// What follows a change on a page: back to `page` with `?done=done`
/// when the API took it; when it refused, back to `page` carrying why
/// (a lost session or a password to change go where they always go).
pub fn after_change(
    answer: Result<crate::api::Answer, crate::error::Failure>,
    page: &str,
    done: &str,
) -> Response {
    use crate::error::Failure;
    match answer {
        Ok(a) if a.status.is_success() => {
            Redirect::to(&format!("{page}?done={done}")).into_response()
        }
        Ok(a) => match Failure::from_answer(&a) {
            f @ (Failure::SignIn { .. } | Failure::ChangePassword) => f.into_response(),
            f => redirect(page, &f.message()),
        },
        Err(e) => e.into_response(),
    }
}

/// The message in the cookie's value (empty when there is none).
pub fn read(value: &str) -> String {
    percent_encoding::percent_decode_str(value)
        .decode_utf8_lossy()
        .chars()
        .take(MAX)
        .collect()
}

/// `resp` with the cookie deleted, once the message was shown.
pub fn shown(mut resp: Response) -> Response {
    resp.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("cordon_problem=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_survives_the_cookie() {
        let r = redirect("/admin", "the role `a;b` is held by 2 users");
        let c = r
            .headers()
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap();
        let value = c.split(';').next().unwrap().split_once('=').unwrap().1;
        assert_eq!(read(value), "the role `a;b` is held by 2 users");
        assert!(c.contains("HttpOnly") && c.contains("Max-Age=60"));
    }
}
