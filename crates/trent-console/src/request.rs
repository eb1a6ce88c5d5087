//! What a console handler can ask of a request: the signed-in user ([`SignedIn`]) and, for
//! anything that changes state, a form whose CSRF token and origin were checked
//! ([`CheckedForm`]).
//!
//! Making these extractors means a handler cannot forget the checks: a `POST` handler takes a
//! `CheckedForm` or it has no form to read.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, Request, StatusCode};
use axum::response::Response;

use crate::api::Api;
use crate::forms::{self, FormData};
use crate::layout::{Layout, region_choices};
use crate::pages::{message_page, redirect};
use crate::session::{Flash, Session, cookie_name, read_cookie};
use crate::{ClientInfo, Console, MAX_FORM_BYTES, Shared, csrf};

/// The longest browser `User-Agent` kept for the audit trail.
const MAX_USER_AGENT: usize = 200;

/// A request from a signed-in user.
#[derive(Debug, Clone)]
pub(crate) struct SignedIn {
    pub session: Session,
    pub client: ClientInfo,
    /// The message left by the previous action (taken by `GET` requests only).
    pub flash: Option<Flash>,
}

impl SignedIn {
    /// The API as this user, in the session's region.
    pub fn api(&self, console: &Console) -> Api {
        Api::new(
            console.backend.clone(),
            self.session.principal.clone(),
            self.session.region.clone(),
            self.client.clone(),
        )
    }

    /// The ARN partition of the signed-in user (`aws`).
    pub fn partition(&self) -> String {
        self.session
            .principal
            .arn
            .split(':')
            .nth(1)
            .unwrap_or("aws")
            .to_string()
    }

    /// The frame of a page titled `title` under navigation entry `nav`.
    pub fn layout(&self, console: &Console, title: impl Into<String>, nav: &'static str) -> Layout {
        let principal = &self.session.principal;
        Layout {
            title: title.into(),
            nav,
            user_name: principal.user_name.clone(),
            user_arn: principal.arn.clone(),
            account_id: principal.account_id.clone(),
            regions: region_choices(&console.backend.regions(), &self.session.region),
            csrf_token: self.session.csrf_token.clone(),
            flash: self.flash.clone(),
        }
    }

    /// Redirects to `location` with a message for the next page.
    pub fn redirect_with(&self, console: &Console, location: &str, flash: Flash) -> Response {
        console.sessions.set_flash(&self.session.id, flash);
        redirect(location)
    }
}

/// Who sent the request, for the audit trail.
fn client_info(parts: &Parts) -> ClientInfo {
    let source_ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    let browser: String = parts
        .headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .chars()
        .take(MAX_USER_AGENT)
        .collect();
    ClientInfo {
        source_ip,
        user_agent: format!("trent-console/{} {browser}", env!("CARGO_PKG_VERSION"))
            .trim_end()
            .to_string(),
    }
}

impl FromRequestParts<Shared> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, console: &Shared) -> Result<Self, Response> {
        let cookie = read_cookie(&parts.headers, cookie_name(console.options.secure_cookies));
        let session = cookie
            .as_deref()
            .and_then(|token| console.sessions.find(token));
        let Some(session) = session else {
            // Come back here after signing in, if this was a page (not a form) request.
            let mut pairs: Vec<(&str, &str)> = Vec::new();
            let here = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/console/keys");
            if parts.method == Method::GET {
                pairs.push(("next", here));
            }
            if cookie.is_some() {
                pairs.push(("expired", "1"));
            }
            let query = forms::encode(&pairs);
            let location = if query.is_empty() {
                "/console/sign-in".to_string()
            } else {
                format!("/console/sign-in?{query}")
            };
            return Err(redirect(&location));
        };
        let flash = if parts.method == Method::GET {
            console.sessions.take_flash(&session.id)
        } else {
            None
        };
        Ok(SignedIn {
            session,
            client: client_info(parts),
            flash,
        })
    }
}

/// A submitted form from a signed-in user, from the console's own page.
#[derive(Debug, Clone)]
pub(crate) struct CheckedForm {
    pub user: SignedIn,
    pub form: FormData,
}

/// The answer to a forged or stale form.
pub(crate) fn forbidden() -> Response {
    message_page(
        StatusCode::FORBIDDEN,
        "Request refused",
        "This form has expired or did not come from the console, so nothing was changed. Go back, reload the page and try again.",
        "/console/keys",
        "Back to the console",
    )
}

impl FromRequest<Shared> for CheckedForm {
    type Rejection = Response;

    async fn from_request(request: Request<Body>, console: &Shared) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let user = SignedIn::from_request_parts(&mut parts, console).await?;
        let authority = parts.uri.authority().map(|a| a.as_str());
        if !csrf::same_origin(&parts.headers, authority) {
            return Err(forbidden());
        }
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| {
                message_page(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Form too large",
                    "The form was larger than the console accepts.",
                    "/console/keys",
                    "Back to the console",
                )
            })?;
        let form = FormData::parse(&bytes);
        if !csrf::tokens_match(&user.session.csrf_token, form.get(csrf::FIELD)) {
            return Err(forbidden());
        }
        Ok(CheckedForm { user, form })
    }
}
