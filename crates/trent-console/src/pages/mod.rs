//! The console's screens, one module each, and what they share: rendering, redirects, the
//! headers every response carries and how values are shown.
//!
//! Every page follows the same shape: a handler extracts the signed-in user (and, for a `POST`,
//! a checked form), makes its API calls in one blocking task, and renders a template from plain
//! strings prepared in Rust, so templates hold no logic worth testing.

pub(crate) mod audit;
pub(crate) mod display;
pub(crate) mod key_actions;
pub(crate) mod key_detail;
pub(crate) mod keys;
pub(crate) mod sign_in;
pub(crate) mod try_it;
pub(crate) mod wizard;

use askama::Template;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Only this server's own script and stylesheet; no inline code, no framing, forms post only
/// back here.
const CONTENT_SECURITY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the protective headers to every console response. Pages are `no-store`: they show
/// plaintexts, policies and key ids that should not linger in caches.
pub(crate) async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY),
    );
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A rendered page with status 200.
pub(crate) fn render<T: Template>(page: &T) -> Response {
    render_with_status(StatusCode::OK, page)
}

/// A rendered page; a template that fails to render is logged and answered with a plain 500.
pub(crate) fn render_with_status<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (status, [(CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "console page failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(CONTENT_TYPE, "text/plain; charset=utf-8")],
                "The console could not show this page.",
            )
                .into_response()
        }
    }
}

/// `303 See Other` to `location` (after a form, the browser then loads it with `GET`).
pub(crate) fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (StatusCode::SEE_OTHER, [(LOCATION, value)]).into_response(),
        Err(_) => (
            StatusCode::SEE_OTHER,
            [(LOCATION, HeaderValue::from_static("/console/keys"))],
        )
            .into_response(),
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    title: &'a str,
    text: &'a str,
    link: &'a str,
    link_text: &'a str,
}

/// A page with one message and one way on, for answers outside a session (not found, refused).
pub(crate) fn message_page(
    status: StatusCode,
    title: &str,
    text: &str,
    link: &str,
    link_text: &str,
) -> Response {
    render_with_status(
        status,
        &MessagePage {
            title,
            text,
            link,
            link_text,
        },
    )
}

/// `/console`: the key list.
pub(crate) async fn home() -> Response {
    redirect("/console/keys")
}

/// Any other `/console/…` address.
pub(crate) async fn not_found() -> Response {
    message_page(
        StatusCode::NOT_FOUND,
        "Page not found",
        "The console has no page at this address.",
        "/console/keys",
        "Go to your keys",
    )
}
