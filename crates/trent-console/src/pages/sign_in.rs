//! Signing in and out, and choosing the region.
//!
//! Sign-in takes an access key id and secret, the credentials every Trent user already has
//! (console passwords may come later); the backend checks them and names the principal. A failed
//! attempt waits a moment before answering, which costs a person nothing and slows guessing.

use std::time::Duration;

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{AppendHeaders, IntoResponse, Response};

use crate::forms::FormData;
use crate::layout::{RegionChoice, region_choices};
use crate::pages::{redirect, render_with_status};
use crate::problem::Problem;
use crate::request::{CheckedForm, forbidden};
use crate::session::{self, Flash, cookie_header, read_cookie};
use crate::{Shared, csrf};

/// How long a failed sign-in waits before answering.
const FAILURE_DELAY: Duration = Duration::from_millis(300);

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    csrf_token: String,
    next: String,
    access_key_id: String,
    regions: Vec<RegionChoice>,
    notice: Option<String>,
    problem: Option<Problem>,
}

/// The name of the sign-in form's cookie (`__Host-` with TLS, like the session cookie).
fn sign_in_cookie_name(secure: bool) -> String {
    if secure {
        format!("__Host-{}", csrf::SIGN_IN_COOKIE)
    } else {
        csrf::SIGN_IN_COOKIE.to_string()
    }
}

/// Where to go after signing in: only a console page of this server, never another site.
fn safe_next(next: &str) -> String {
    let acceptable = (next == "/console" || next.starts_with("/console/"))
        && !next.starts_with("/console/sign-")
        && !next.contains("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    if acceptable {
        next.to_string()
    } else {
        "/console/keys".to_string()
    }
}

/// `GET /console/sign-in`.
pub(crate) async fn form(State(console): State<Shared>, headers: HeaderMap, uri: Uri) -> Response {
    let secure = console.options.secure_cookies;
    if let Some(token) = read_cookie(&headers, session::cookie_name(secure))
        && console.sessions.find(&token).is_some()
    {
        return redirect("/console/keys");
    }
    let query = FormData::from_query(uri.query());
    let token = session::random_token();
    let regions = console.backend.regions();
    let page = SignInPage {
        csrf_token: token.clone(),
        next: safe_next(query.get("next")),
        access_key_id: String::new(),
        regions: region_choices(&regions, ""),
        notice: query
            .checked("expired")
            .then(|| "Your session has ended. Sign in again to continue.".to_string()),
        problem: None,
    };
    let cookie = cookie_header(
        &sign_in_cookie_name(secure),
        &token,
        secure,
        Some(csrf::SIGN_IN_FORM_LIFETIME),
    );
    (
        AppendHeaders([(SET_COOKIE, cookie)]),
        render_with_status(StatusCode::OK, &page),
    )
        .into_response()
}

/// `POST /console/sign-in`.
pub(crate) async fn submit(
    State(console): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let secure = console.options.secure_cookies;
    let form = FormData::parse(&body);
    let expected = read_cookie(&headers, &sign_in_cookie_name(secure)).unwrap_or_default();
    let given = form.get(csrf::FIELD);
    let authority = uri.authority().map(|a| a.as_str());
    if !csrf::same_origin(&headers, authority) || !csrf::tokens_match(&expected, given) {
        return forbidden();
    }
    let regions = console.backend.regions();
    let region = regions
        .iter()
        .find(|r| r.as_str() == form.get("region"))
        .or_else(|| regions.first())
        .cloned()
        .unwrap_or_else(|| "us-east-1".to_string());
    let access_key_id = form.get("access_key_id").trim().to_string();
    let secret = form.get("secret_access_key").to_string();
    let backend = console.backend.clone();
    let id = access_key_id.clone();
    let outcome = tokio::task::spawn_blocking(move || backend.sign_in(&id, &secret))
        .await
        .map_err(|_| Problem::internal())
        .and_then(|result| result.map_err(Problem::from));
    match outcome {
        Ok(principal) => {
            let token = console.sessions.start(principal, region);
            let clear_form_cookie =
                cookie_header(&sign_in_cookie_name(secure), "", secure, Some(0));
            (
                AppendHeaders([
                    (SET_COOKIE, session::set_cookie(&token, secure)),
                    (SET_COOKIE, clear_form_cookie),
                ]),
                redirect(&safe_next(form.get("next"))),
            )
                .into_response()
        }
        Err(problem) => {
            tokio::time::sleep(FAILURE_DELAY).await;
            let page = SignInPage {
                csrf_token: given.to_string(),
                next: safe_next(form.get("next")),
                access_key_id,
                regions: region_choices(&regions, &region),
                notice: None,
                problem: Some(problem),
            };
            render_with_status(StatusCode::UNAUTHORIZED, &page)
        }
    }
}

/// `POST /console/sign-out`.
pub(crate) async fn sign_out(State(console): State<Shared>, post: CheckedForm) -> Response {
    console.sessions.end(&post.user.session.id);
    let secure = console.options.secure_cookies;
    (
        AppendHeaders([(SET_COOKIE, session::clear_cookie(secure))]),
        redirect("/console/sign-in"),
    )
        .into_response()
}

/// `POST /console/region`: later pages work in the chosen region.
pub(crate) async fn switch_region(State(console): State<Shared>, post: CheckedForm) -> Response {
    let wanted = post.form.get("region");
    let user = &post.user;
    if !console.backend.regions().iter().any(|r| r == wanted) {
        return user.redirect_with(
            &console,
            "/console/keys",
            Flash::error(format!("Region '{wanted}' is not served here.")),
        );
    }
    console
        .sessions
        .set_region(&user.session.id, wanted.to_string());
    user.redirect_with(
        &console,
        "/console/keys",
        Flash::success(format!("Now working in {wanted}.")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_within_the_console() {
        assert_eq!(
            safe_next("/console/keys/abc?tab=policy"),
            "/console/keys/abc?tab=policy"
        );
        assert_eq!(safe_next("/console"), "/console");
        for bad in [
            "https://evil.example/",
            "//evil.example/console/",
            "/console//evil",
            "/console\\evil",
            "/consolex",
            "/console/sign-in",
            "",
            "/console/\nx",
        ] {
            assert_eq!(safe_next(bad), "/console/keys", "{bad:?}");
        }
    }
}
