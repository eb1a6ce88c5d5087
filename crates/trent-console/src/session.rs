//! Console sessions: who is signed in, in which region, until when.
//!
//! A session starts when an access key id and secret are accepted and lives in memory only: a
//! restart signs everyone out, which is the safe failure. The browser holds a random 256-bit
//! token in a cookie that scripts cannot read (`HttpOnly`), that is never sent by another site
//! (`SameSite=Strict`) and, with TLS, never over plain HTTP (`Secure`, and the `__Host-` name
//! prefix that also forbids a `Domain`). The table is keyed by the token's SHA-256, so a dump of
//! it holds no usable cookie. A session ends after an hour without a request, after twelve hours
//! in any case, or at sign-out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use aws_lc_rs::digest;
use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use trent_core::Principal;

/// The most sessions kept at once; past it the least recently used one is dropped.
const MAX_SESSIONS: usize = 10_000;

/// A session's identity in the table: the SHA-256 of its cookie token.
pub(crate) type SessionId = [u8; 32];

/// A one-time message shown on the next page (after a redirect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flash {
    pub success: bool,
    pub text: String,
}

impl Flash {
    pub fn success(text: impl Into<String>) -> Flash {
        Flash {
            success: true,
            text: text.into(),
        }
    }

    pub fn error(text: impl Into<String>) -> Flash {
        Flash {
            success: false,
            text: text.into(),
        }
    }
}

/// What a request learns about its session.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub id: SessionId,
    pub principal: Arc<Principal>,
    pub region: String,
    pub csrf_token: String,
}

#[derive(Debug)]
struct Entry {
    principal: Arc<Principal>,
    region: String,
    csrf_token: String,
    started: Instant,
    last_seen: Instant,
    flash: Option<Flash>,
}

/// The live sessions.
#[derive(Debug)]
pub(crate) struct SessionStore {
    entries: Mutex<HashMap<SessionId, Entry>>,
    idle: Duration,
    max: Duration,
}

impl SessionStore {
    pub fn new(idle: Duration, max: Duration) -> SessionStore {
        SessionStore {
            entries: Mutex::new(HashMap::new()),
            idle,
            max,
        }
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<SessionId, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a session and returns the token for the cookie.
    pub fn start(&self, principal: Arc<Principal>, region: String) -> String {
        let token = random_token();
        let now = Instant::now();
        let mut entries = self.entries();
        if entries.len() >= MAX_SESSIONS {
            entries.retain(|_, e| !self.expired(e, now));
        }
        if entries.len() >= MAX_SESSIONS
            && let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, e)| e.last_seen)
                .map(|(id, _)| *id)
        {
            entries.remove(&oldest);
        }
        entries.insert(
            session_id(&token),
            Entry {
                principal,
                region,
                csrf_token: random_token(),
                started: now,
                last_seen: now,
                flash: None,
            },
        );
        token
    }

    fn expired(&self, entry: &Entry, now: Instant) -> bool {
        now.duration_since(entry.last_seen) >= self.idle
            || now.duration_since(entry.started) >= self.max
    }

    /// The session of `token`, if it is live; counts as activity.
    pub fn find(&self, token: &str) -> Option<Session> {
        let id = session_id(token);
        let now = Instant::now();
        let mut entries = self.entries();
        let entry = entries.get_mut(&id)?;
        if self.expired(entry, now) {
            entries.remove(&id);
            return None;
        }
        entry.last_seen = now;
        Some(Session {
            id,
            principal: entry.principal.clone(),
            region: entry.region.clone(),
            csrf_token: entry.csrf_token.clone(),
        })
    }

    pub fn end(&self, id: &SessionId) {
        self.entries().remove(id);
    }

    pub fn set_region(&self, id: &SessionId, region: String) {
        if let Some(entry) = self.entries().get_mut(id) {
            entry.region = region;
        }
    }

    pub fn set_flash(&self, id: &SessionId, flash: Flash) {
        if let Some(entry) = self.entries().get_mut(id) {
            entry.flash = Some(flash);
        }
    }

    pub fn take_flash(&self, id: &SessionId) -> Option<Flash> {
        self.entries().get_mut(id).and_then(|e| e.flash.take())
    }
}

/// 256 random bits, URL-safe base64 (43 characters).
pub(crate) fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(trent_crypto::random_bytes(32))
}

fn session_id(token: &str) -> SessionId {
    let mut id = [0u8; 32];
    id.copy_from_slice(digest::digest(&digest::SHA256, token.as_bytes()).as_ref());
    id
}

/// The session cookie's name: with TLS, the `__Host-` prefix makes browsers insist on `Secure`,
/// `Path=/` and no `Domain`.
pub(crate) fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-trent-console"
    } else {
        "trent-console"
    }
}

/// `Set-Cookie` for a new session. No `Max-Age`: the cookie goes when the browser closes, and
/// the server ends the session earlier when it idles.
pub(crate) fn set_cookie(token: &str, secure: bool) -> String {
    cookie_header(cookie_name(secure), token, secure, None)
}

/// `Set-Cookie` that makes the browser forget the session cookie.
pub(crate) fn clear_cookie(secure: bool) -> String {
    cookie_header(cookie_name(secure), "", secure, Some(0))
}

/// A `Set-Cookie` value with the attributes every console cookie has.
pub(crate) fn cookie_header(name: &str, value: &str, secure: bool, max_age: Option<u64>) -> String {
    // `__Host-` cookies must have Path=/; the others stay within the console.
    let path = if secure { "/" } else { "/console" };
    let mut header = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict");
    if let Some(seconds) = max_age {
        header.push_str(&format!("; Max-Age={seconds}"));
    }
    if secure {
        header.push_str("; Secure");
    }
    header
}

/// The value of cookie `name` in the request, if any.
pub(crate) fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use trent_core::PrincipalKind;

    fn principal() -> Arc<Principal> {
        Arc::new(Principal {
            account_id: "111122223333".into(),
            arn: "arn:aws:iam::111122223333:user/alice".into(),
            user_name: "alice".into(),
            user_id: "AIDAEXAMPLE".into(),
            access_key_id: "AKIAEXAMPLE".into(),
            administrator: false,
            kind: PrincipalKind::User,
            via_service: None,
        })
    }

    #[test]
    fn sessions_expire_when_idle() {
        let store = SessionStore::new(Duration::from_millis(50), Duration::from_secs(60));
        let token = store.start(principal(), "us-east-1".into());
        assert!(store.find(&token).is_some());
        std::thread::sleep(Duration::from_millis(80));
        assert!(store.find(&token).is_none());
    }

    #[test]
    fn sessions_end_at_their_maximum_age_even_when_busy() {
        let store = SessionStore::new(Duration::from_secs(60), Duration::from_millis(50));
        let token = store.start(principal(), "us-east-1".into());
        std::thread::sleep(Duration::from_millis(80));
        assert!(store.find(&token).is_none());
    }

    #[test]
    fn unknown_tokens_find_nothing() {
        let store = SessionStore::new(Duration::from_secs(60), Duration::from_secs(60));
        store.start(principal(), "us-east-1".into());
        assert!(store.find("not-a-token").is_none());
        assert!(store.find("").is_none());
    }

    #[test]
    fn flash_messages_are_shown_once() {
        let store = SessionStore::new(Duration::from_secs(60), Duration::from_secs(60));
        let token = store.start(principal(), "us-east-1".into());
        let session = store.find(&token).expect("live");
        store.set_flash(&session.id, Flash::success("done"));
        assert_eq!(store.take_flash(&session.id), Some(Flash::success("done")));
        assert_eq!(store.take_flash(&session.id), None);
    }

    #[test]
    fn cookies_carry_the_protective_attributes() {
        let plain = set_cookie("abc", false);
        assert_eq!(
            plain,
            "trent-console=abc; Path=/console; HttpOnly; SameSite=Strict"
        );
        let tls = set_cookie("abc", true);
        assert_eq!(
            tls,
            "__Host-trent-console=abc; Path=/; HttpOnly; SameSite=Strict; Secure"
        );
        assert!(clear_cookie(true).contains("Max-Age=0"));
    }

    #[test]
    fn reads_cookies_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; trent-console=tok"));
        headers.append(COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(
            read_cookie(&headers, "trent-console").as_deref(),
            Some("tok")
        );
        assert_eq!(read_cookie(&headers, "b").as_deref(), Some("2"));
        assert_eq!(read_cookie(&headers, "c"), None);
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
    }
}
