//! Trent's web console, served under `/console`.
//!
//! # Why it looks like this
//!
//! The console is a convenience over the KMS API, never a second way in. Every page and every
//! button is one or more ordinary KMS operations made through [`ConsoleBackend::call`] as the
//! signed-in principal, so the server authorizes and audits them exactly as it does SDK calls;
//! the console holds no keys, reads no store and decides nothing about access. What it adds is
//! presentation (tables, forms, the key-policy builder) and what a browser session needs:
//! sign-in, a session cookie and CSRF protection.
//!
//! The pages are rendered on the server from templates compiled into the binary (askama, which
//! escapes every value it prints), styled by one embedded stylesheet and helped by one small
//! script that nothing depends on: every form works without JavaScript. `cargo build` produces
//! all of it; there is no Node toolchain and no request to anything but this server.
//!
//! # Map
//!
//! - `session`: sign-in sessions and their cookie (HttpOnly, SameSite=Strict, Secure with TLS,
//!   one hour idle, twelve hours at most); `csrf`: the per-session token every state-changing
//!   form carries, and origin checks; `request`: the extractors that apply both;
//! - `api`: typed KMS calls as the signed-in user, run on the blocking pool;
//! - `pages`: one module per screen (keys, key detail and its actions, the create-key wizard,
//!   Try it, audit, sign-in);
//! - `policy`: the key policy the wizard builds, shaped like the AWS console's default, and the
//!   edits of the policy's default view (`json` keeps the user's member order);
//! - `assets`: the stylesheet and script, embedded; `templates/`: the pages, compiled in.
//!
//! # Wiring
//!
//! The server implements [`ConsoleBackend`] and merges [`router`] into its own router:
//!
//! ```text
//! let console = trent_console::router(
//!     Arc::new(MyBackend { /* the server's state */ }),
//!     trent_console::ConsoleOptions { secure_cookies: tls_enabled },
//! );
//! let app = api_router.merge(console);
//! ```
//!
//! If the server inserts `axum::extract::ConnectInfo<SocketAddr>` into request extensions, the
//! console passes the browser's address to [`ConsoleBackend::call`] as [`ClientInfo::source_ip`].

mod api;
mod assets;
mod csrf;
mod forms;
mod json;
mod layout;
mod pages;
mod policy;
mod problem;
mod request;
mod session;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use trent_core::Principal;
use trent_protocol::{KmsError, Request, Response};

/// What the console needs from the server it runs in.
///
/// The server implements this over its `trent_core::Kms`: `call` must go through the same
/// authorization, throttling and audit path as a signed API request, because the console relies
/// on it for all of them.
pub trait ConsoleBackend: Send + Sync + 'static {
    /// Checks an access key id + secret (constant-time compare) and returns the principal.
    fn sign_in(
        &self,
        access_key_id: &str,
        secret_access_key: &str,
    ) -> Result<Arc<Principal>, KmsError>;

    /// Runs one KMS operation as `principal` in `region`, exactly as an API call (the server
    /// audits and authorizes it).
    fn call(
        &self,
        principal: &Arc<Principal>,
        region: &str,
        request: Request,
        client: &ClientInfo,
    ) -> Result<Response, KmsError>;

    /// Regions this deployment serves (first is the default).
    fn regions(&self) -> Vec<String>;

    /// Recent audit events visible to `principal`, newest first (JSON objects, CloudTrail-shaped).
    /// Default: not available.
    fn audit_events(
        &self,
        _principal: &Arc<Principal>,
        _query: &AuditQuery,
    ) -> Result<Option<Vec<serde_json::Value>>, KmsError> {
        Ok(None)
    }
}

/// Who sent a console request, for the audit trail (`sourceIPAddress`, `userAgent`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    /// The browser's address, or `unknown` when the server did not provide
    /// `axum::extract::ConnectInfo<SocketAddr>`.
    pub source_ip: String,
    /// `trent-console/<version>` followed by the browser's own `User-Agent`.
    pub user_agent: String,
}

/// Filters of the audit page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only events of this operation (`eventName`, e.g. `Encrypt`).
    pub event_name: Option<String>,
    /// Only events whose `resources` name this key ARN.
    pub key_arn: Option<String>,
    /// Only failed requests (events with an `errorCode`).
    pub errors_only: bool,
    /// At most this many events.
    pub limit: usize,
}

/// How the server runs the console.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsoleOptions {
    /// Mark the session cookie `Secure` (and name it `__Host-…`): set this when serving TLS.
    pub secure_cookies: bool,
}

/// How long a session lives without a request, and at most.
const SESSION_IDLE: Duration = Duration::from_secs(60 * 60);
const SESSION_MAX: Duration = Duration::from_secs(12 * 60 * 60);

/// The largest form the console accepts (a 32 KiB policy or a 6 KiB ciphertext, encoded).
const MAX_FORM_BYTES: usize = 256 * 1024;

/// Everything a console handler shares.
pub(crate) struct Console {
    pub backend: Arc<dyn ConsoleBackend>,
    pub options: ConsoleOptions,
    pub sessions: session::SessionStore,
}

pub(crate) type Shared = Arc<Console>;

/// The console's routes, all under `/console/`; merge them into the server's router.
pub fn router(backend: Arc<dyn ConsoleBackend>, options: ConsoleOptions) -> Router {
    router_with_session_timeouts(backend, options, SESSION_IDLE, SESSION_MAX)
}

/// [`router`] with other session lifetimes (tests of session expiry use a short one).
#[doc(hidden)]
pub fn router_with_session_timeouts(
    backend: Arc<dyn ConsoleBackend>,
    options: ConsoleOptions,
    idle: Duration,
    max: Duration,
) -> Router {
    let console = Arc::new(Console {
        backend,
        options,
        sessions: session::SessionStore::new(idle, max),
    });
    use pages::{audit, key_actions, key_detail, keys, sign_in, try_it, wizard};
    Router::new()
        .route("/console", get(pages::home))
        .route("/console/", get(pages::home))
        .route("/console/assets/{file}", get(assets::serve))
        .route("/console/sign-in", get(sign_in::form).post(sign_in::submit))
        .route("/console/sign-out", post(sign_in::sign_out))
        .route("/console/region", post(sign_in::switch_region))
        .route("/console/keys", get(keys::list))
        .route(
            "/console/keys/create",
            get(wizard::start).post(wizard::step),
        )
        .route("/console/keys/{key}", get(key_detail::show))
        .route(
            "/console/keys/{key}/public-key.pem",
            get(key_detail::public_key_pem),
        )
        .route(
            "/console/keys/{key}/delete",
            get(key_actions::deletion_form),
        )
        .route("/console/keys/{key}/{action}", post(key_actions::perform))
        .route("/console/try", get(try_it::show).post(try_it::run))
        .route("/console/audit", get(audit::show))
        .route("/console/{*rest}", get(pages::not_found))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(axum::middleware::map_response(pages::security_headers))
        .with_state(console)
}
