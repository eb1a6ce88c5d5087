//! What the console's integration tests share: a [`ConsoleBackend`] over a real `trent_core::Kms`
//! on an in-memory store, a console served on 127.0.0.1:0, and a small HTTP client that keeps
//! cookies the way a browser would.
//!
//! The backend is also a reference for the server's own: sign-in looks the access key up and
//! compares the secret in constant time; `call` runs `Kms::call` as the principal and records a
//! CloudTrail-shaped event for every request, allowed or not.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use trent_console::{AuditQuery, ClientInfo, ConsoleBackend, ConsoleOptions};
use trent_core::audit::{self, RequestContext};
use trent_core::{Caller, Kms, Principal, Settings, SystemClock};
use trent_crypto::WrappingKey;
use trent_protocol::{ErrorCode, KmsError, Request, Response, Timestamp};
use trent_store::SqliteStore;

pub const REGION: &str = "us-east-1";

/// An access key to sign in with.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub account_id: String,
    pub user_arn: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

pub struct TestBackend {
    pub kms: Arc<Kms>,
    events: Mutex<Vec<Value>>,
    ids: AtomicU64,
}

impl TestBackend {
    /// A fresh service with its bootstrap administrator.
    pub fn new() -> (Arc<TestBackend>, Credentials) {
        let store = Arc::new(SqliteStore::open_in_memory().expect("in-memory store"));
        let kms = Kms::open(
            store,
            &WrappingKey::generate(),
            Arc::new(SystemClock),
            Settings::default(),
        )
        .expect("open kms");
        let admin = kms
            .bootstrap(None)
            .expect("bootstrap")
            .expect("first start creates an administrator");
        let credentials = Credentials {
            account_id: admin.account_id.clone(),
            user_arn: admin.user_arn.clone(),
            access_key_id: admin.access_key_id.clone(),
            secret_access_key: String::from_utf8_lossy(admin.secret_access_key.expose())
                .into_owned(),
        };
        let backend = TestBackend {
            kms: Arc::new(kms),
            events: Mutex::new(Vec::new()),
            ids: AtomicU64::new(1),
        };
        (Arc::new(backend), credentials)
    }

    /// A user `name` in a new account, with an access key.
    pub fn user_in_new_account(&self, name: &str) -> Credentials {
        let account = self.kms.create_account(None).expect("account");
        let user = self.kms.create_user(&account, name, false).expect("user");
        // As in AWS, a new user may do nothing until a policy allows it.
        self.kms
            .put_entity_policy(
                &user.arn,
                "kms-full",
                r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#,
            )
            .expect("policy");
        let key = self
            .kms
            .create_access_key(&user.arn, None)
            .expect("access key");
        Credentials {
            account_id: account,
            user_arn: user.arn,
            access_key_id: key.access_key_id,
            secret_access_key: String::from_utf8_lossy(key.secret_access_key.expose()).into_owned(),
        }
    }

    /// Runs a request as the holder of `credentials`, outside the console (test set-up).
    pub fn call_as(
        &self,
        credentials: &Credentials,
        request: Request,
    ) -> Result<Response, KmsError> {
        let principal = self
            .sign_in(&credentials.access_key_id, &credentials.secret_access_key)
            .expect("valid credentials");
        self.call(&principal, REGION, request, &ClientInfo::default())
    }

    fn next_id(&self) -> String {
        format!(
            "00000000-0000-4000-8000-{:012}",
            self.ids.fetch_add(1, Ordering::Relaxed)
        )
    }

    pub fn events(&self) -> Vec<Value> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

fn not_recognized() -> KmsError {
    KmsError::new(
        ErrorCode::UnrecognizedClientException,
        "The security token included in the request is invalid.",
    )
}

impl ConsoleBackend for TestBackend {
    fn sign_in(
        &self,
        access_key_id: &str,
        secret_access_key: &str,
    ) -> Result<Arc<Principal>, KmsError> {
        let entry = self
            .kms
            .access_key(access_key_id)?
            .ok_or_else(not_recognized)?;
        let (principal, secret) = &*entry;
        if secret.ct_eq(secret_access_key.as_bytes()) {
            Ok(principal.clone())
        } else {
            Err(not_recognized())
        }
    }

    fn call(
        &self,
        principal: &Arc<Principal>,
        region: &str,
        request: Request,
        client: &ClientInfo,
    ) -> Result<Response, KmsError> {
        let request_id = self.next_id();
        let event_id = self.next_id();
        let caller = Caller::new(
            principal.clone(),
            region.to_string(),
            request_id.clone(),
            event_id.clone(),
        );
        let operation = request.operation();
        let parameters = audit::request_parameters(&request);
        let result = self.kms.call(&caller, request);
        let context = RequestContext {
            request_id: &request_id,
            event_id: &event_id,
            region,
            source_ip: &client.source_ip,
            user_agent: &client.user_agent,
            access_key_id: Some(&principal.access_key_id),
            time: Timestamp::now(),
        };
        let event = audit::event(
            &context,
            Some(&caller),
            Some(operation),
            operation.name(),
            parameters,
            result.as_ref().map(Some),
        );
        if let Ok(mut events) = self.events.lock() {
            events.push(event);
        }
        result
    }

    fn regions(&self) -> Vec<String> {
        vec![REGION.to_string(), "eu-west-1".to_string()]
    }

    fn audit_events(
        &self,
        principal: &Arc<Principal>,
        query: &AuditQuery,
    ) -> Result<Option<Vec<Value>>, KmsError> {
        let events = self.events();
        let matching = events
            .into_iter()
            .rev()
            .filter(|e| e["recipientAccountId"] == principal.account_id.as_str())
            .filter(|e| {
                query
                    .event_name
                    .as_deref()
                    .is_none_or(|name| e["eventName"] == name)
            })
            .filter(|e| !query.errors_only || e.get("errorCode").is_some())
            .filter(|e| {
                query.key_arn.as_deref().is_none_or(|arn| {
                    e["resources"]
                        .as_array()
                        .is_some_and(|list| list.iter().any(|r| r["ARN"] == arn))
                })
            })
            .take(query.limit.max(1))
            .collect();
        Ok(Some(matching))
    }
}

/// A console served on a free local port.
pub struct Served {
    pub base: String,
    pub backend: Arc<TestBackend>,
    pub admin: Credentials,
}

/// Serves `trent_console::router` (with the test backend) on 127.0.0.1:0.
pub async fn serve(options: ConsoleOptions, idle: Option<Duration>) -> Served {
    let (backend, admin) = TestBackend::new();
    let router = match idle {
        Some(idle) => trent_console::router_with_session_timeouts(
            backend.clone(),
            options,
            idle,
            Duration::from_secs(3600),
        ),
        None => trent_console::router(backend.clone(), options),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        let _ = axum::serve(listener, service).await;
    });
    Served {
        base: format!("http://{address}"),
        backend,
        admin,
    }
}

/// An answer from the console.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }

    /// The value of the first `<input … name="NAME" value="…">` on the page.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(unescape(&self.body[start..end]))
    }
}

fn unescape(text: &str) -> String {
    text.replace("&#34;", "\"")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// A browser-like client: keeps cookies (by name, ignoring paths) and sends an `Origin`.
pub struct Browser {
    client: Client<HttpConnector, Full<Bytes>>,
    pub base: String,
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            client: Client::builder(TokioExecutor::new()).build(HttpConnector::new()),
            base: base.to_string(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn remember(&mut self, page: &Page) {
        for cookie in page.set_cookies() {
            let first = cookie.split(';').next().unwrap_or_default();
            if let Some((name, value)) = first.split_once('=') {
                if value.is_empty() || cookie.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), value.to_string());
                }
            }
        }
    }

    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<String>,
        extra: &[(&str, &str)],
    ) -> Page {
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if !self.cookies.is_empty() {
            builder = builder.header("cookie", self.cookie_header());
        }
        if body.is_some() {
            builder = builder.header("content-type", "application/x-www-form-urlencoded");
        }
        for (name, value) in extra {
            builder = builder.header(*name, *value);
        }
        let request = builder
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .expect("request");
        let response = self.client.request(request).await.expect("response");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let page = Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        self.remember(&page);
        page
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.send("GET", path, None, &[]).await
    }

    /// Posts a form as the console's own page would (same-origin).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = encode(fields);
        let origin = self.base.clone();
        self.send("POST", path, Some(body), &[("origin", &origin)])
            .await
    }

    /// Signs in; panics unless the console accepts the credentials.
    pub async fn sign_in(&mut self, credentials: &Credentials) {
        let form = self.get("/console/sign-in").await;
        let token = form
            .input_value("csrf_token")
            .expect("sign-in form has a token");
        let done = self
            .post(
                "/console/sign-in",
                &[
                    ("csrf_token", &token),
                    ("access_key_id", &credentials.access_key_id),
                    ("secret_access_key", &credentials.secret_access_key),
                    ("region", REGION),
                    ("next", "/console/keys"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "sign-in failed: {}", done.body);
    }

    /// The session's CSRF token, read from any signed-in page.
    pub async fn csrf_token(&mut self) -> String {
        let page = self.get("/console/keys").await;
        page.input_value("csrf_token")
            .expect("signed-in pages carry the token")
    }
}

pub fn encode(fields: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (index, (name, value)) in fields.iter().enumerate() {
        if index > 0 {
            out.push('&');
        }
        out.push_str(&percent(name));
        out.push('=');
        out.push_str(&percent(value));
    }
    out
}

fn percent(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
