//! HTTP routing: the KMS endpoint (`POST /` with `X-Amz-Target`), the admin API on the same
//! path, health, and test mode's reset endpoint.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;
use trent_protocol::sigv4::SigningKeyCache;

use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tracing::Instrument;
use trent_core::{AdjustableClock, Kms, identity::FixedIdentity};
use trent_crypto::WrappingKey;
use trent_protocol::{ErrorCode, KmsError, Operation, decode_request};

use crate::trail::{self, Entry};
use crate::{admin, auth, sts};

const JSON_1_1: &str = "application/x-amz-json-1.1";
const KMS_TARGET_PREFIX: &str = "TrentService.";
/// Far above any valid KMS request (6 KiB ciphertext, 32 KiB policy, base64-encoded).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Everything a request handler needs.
#[derive(Debug)]
pub struct AppState {
    pub kms: Arc<Kms>,
    /// Regions this deployment serves; a request's credential scope picks one.
    pub regions: Vec<String>,
    pub dev: Option<DevState>,
    /// SigV4 signing keys derived per access key and day, so most requests skip the derivation.
    pub signing_keys: SigningKeyCache,
    pub metrics: crate::metrics::Metrics,
    /// Per-account request quotas, if the operator set one.
    pub quotas: Option<crate::throttle::Quotas>,
    /// The audit trail; `None` only when the operator turned it off (`--no-audit`).
    pub audit: Option<trent_audit::Journal>,
    /// Whether the server listens with TLS (the console's `aws:SecureTransport`).
    pub secure_transport: bool,
}

/// Test mode: the fixed identity to restore on reset, and the clock tests may move.
#[derive(Debug)]
pub struct DevState {
    pub identity: FixedIdentity,
    pub clock: Arc<AdjustableClock>,
    pub root_key: WrappingKey,
}

/// Whether the connection a request came on is TLS (a request extension set per connection).
#[derive(Debug, Clone, Copy)]
pub struct SecureTransport(pub bool);

/// The identifiers of one request (`x-amzn-RequestId` for the client, the audit event id) and
/// what the connection says about it.
#[derive(Debug, Clone)]
pub struct RequestIds {
    pub request_id: String,
    pub event_id: String,
    pub source_ip: Option<IpAddr>,
    pub secure: bool,
}

impl RequestIds {
    fn new(source_ip: Option<IpAddr>, secure: bool) -> RequestIds {
        RequestIds {
            request_id: uuid::Uuid::new_v4().to_string(),
            event_id: uuid::Uuid::new_v4().to_string(),
            source_ip,
            secure,
        }
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", post(api))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .route("/moto-api/reset", post(reset))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn api(
    State(state): State<Arc<AppState>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    secure: Option<Extension<SecureTransport>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    // A body that could not be read (beyond the size limit, or cut off) is still a request:
    // it is answered with an error and recorded like any other.
    let body = body.map_err(|rejection| body_refused(&rejection));
    let ids = RequestIds::new(
        peer.map(|Extension(ConnectInfo(address))| address.ip()),
        secure.is_some_and(|Extension(SecureTransport(tls))| tls),
    );
    // Every log line written while serving the request names it.
    let span = tracing::info_span!("request", request_id = %ids.request_id);
    serve_request(state, ids, method, uri, headers, body)
        .instrument(span)
        .await
}

/// The error for a body the server did not read.
fn body_refused(rejection: &BytesRejection) -> KmsError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        KmsError::new(
            ErrorCode::RequestEntityTooLargeException,
            format!("Request body is larger than {MAX_BODY_BYTES} bytes"),
        )
    } else {
        KmsError::new(
            ErrorCode::SerializationException,
            "The request body could not be read",
        )
    }
}

async fn serve_request(
    state: Arc<AppState>,
    ids: RequestIds,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, KmsError>,
) -> Response {
    let request_id = ids.request_id.as_str();
    let started = Instant::now();
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if sts::is_sts_request(content_type, &target) {
        return sts_api(&state, &ids, &method, &uri, &headers, body, started).await;
    }
    let mut entry = match target.strip_prefix(admin::TARGET_PREFIX) {
        Some(name) => Entry::new("trent.admin", name),
        None => Entry::new(
            "kms.amazonaws.com",
            target.strip_prefix(KMS_TARGET_PREFIX).unwrap_or(&target),
        ),
    };
    let mut run = || match &body {
        Ok(body) => handle(
            &state, &ids, &method, &uri, &headers, body, &target, &mut entry,
        ),
        Err(refused) => Err(refused.clone()),
    };
    // Calls that answer from memory run right here; the others may wait on the store (a durable
    // write), so the runtime first moves its other tasks off this thread.
    let result = if answers_from_memory(&target) {
        run()
    } else {
        tokio::task::block_in_place(run)
    };
    // The event is durable before the answer leaves; if it cannot be, the answer is a 500.
    let result = match &state.audit {
        Some(journal) => {
            let event = trail::event_bytes(
                &ids,
                &headers,
                &state.regions[0],
                &entry,
                result.as_ref().map(Reply::response),
            );
            match journal.append(event).await {
                Ok(_) => result,
                Err(err) => Err(trail::unavailable(&err)),
            }
        }
        None => result,
    };
    let mut code = None;
    let (status, body) = match result {
        Ok(reply) => (StatusCode::OK, reply.into_json()),
        Err(err) => {
            code = Some(err.code);
            tracing::debug!(
                request_id,
                target,
                code = err.code.as_str(),
                "request failed"
            );
            (
                StatusCode::from_u16(err.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
                err.to_json(),
            )
        }
    };
    let elapsed = started.elapsed();
    tracing::debug!(
        request_id,
        target,
        status = status.as_u16(),
        micros = elapsed.as_micros() as u64,
        "request"
    );
    crate::metrics::request_done(&target, code, elapsed);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_1_1));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    response
}

/// A successful answer: a KMS response, or an admin API document.
// Nearly every answer is the large variant; boxing it would add an allocation per request.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Reply {
    Kms(trent_protocol::Response),
    Document(Vec<u8>),
}

impl Reply {
    /// The KMS response, for the audit event's `responseElements`.
    fn response(&self) -> Option<&trent_protocol::Response> {
        match self {
            Reply::Kms(response) => Some(response),
            Reply::Document(_) => None,
        }
    }

    fn into_json(self) -> Vec<u8> {
        match self {
            Reply::Kms(response) => response.to_json(),
            Reply::Document(body) => body,
        }
    }
}

/// Operations served from the key cache without touching the store (after the first use of a
/// key): the hot path of every application.
fn answers_from_memory(target: &str) -> bool {
    use Operation as O;
    target
        .strip_prefix(KMS_TARGET_PREFIX)
        .and_then(Operation::from_name)
        .is_some_and(|operation| {
            matches!(
                operation,
                O::Encrypt
                    | O::Decrypt
                    | O::ReEncrypt
                    | O::GenerateDataKey
                    | O::GenerateDataKeyWithoutPlaintext
                    | O::GenerateDataKeyPair
                    | O::GenerateDataKeyPairWithoutPlaintext
                    | O::GenerateRandom
                    | O::Sign
                    | O::Verify
                    | O::GenerateMac
                    | O::VerifyMac
                    | O::DeriveSharedSecret
                    | O::GetPublicKey
                    | O::DescribeKey
            )
        })
}

#[allow(clippy::too_many_arguments)]
fn handle(
    state: &AppState,
    ids: &RequestIds,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    target: &str,
    entry: &mut Entry,
) -> Result<Reply, KmsError> {
    let caller = auth::authenticate(state, ids, "kms", method, uri, headers, body)?;
    let caller = &*entry.caller.insert(caller);
    if let Some(name) = target.strip_prefix(KMS_TARGET_PREFIX) {
        let operation = Operation::from_name(name)
            .ok_or_else(|| KmsError::bare(ErrorCode::UnknownOperationException))?;
        entry.operation = Some(operation);
        let request = decode_request(operation, body)?;
        if state.audit.is_some() {
            entry.parameters = trent_core::audit::request_parameters(&request);
        }
        if let Some(quotas) = &state.quotas {
            quotas.take(caller.account())?;
        }
        return state.kms.call(caller, request).map(Reply::Kms);
    }
    if let Some(quotas) = &state.quotas {
        quotas.take(caller.account())?;
    }
    if let Some(name) = target.strip_prefix(admin::TARGET_PREFIX) {
        entry.parameters = serde_json::from_slice(body).ok();
        return admin::handle(state, caller, name, body).map(Reply::Document);
    }
    Err(KmsError::bare(ErrorCode::UnknownOperationException))
}

/// One STS call: authenticated for service `sts`, answered in XML, audited like the rest.
async fn sts_api(
    state: &AppState,
    ids: &RequestIds,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Result<Bytes, KmsError>,
    started: Instant,
) -> Response {
    let action = body.as_ref().ok().and_then(|body| sts::action_of(body));
    let mut entry = Entry::new("sts.amazonaws.com", action.clone().unwrap_or_default());
    let result = match &body {
        Ok(body) => {
            entry.parameters = trent_core::audit::parameters_of(&sts::loggable_parameters(body));
            tokio::task::block_in_place(|| {
                let caller = auth::authenticate(state, ids, "sts", method, uri, headers, body)?;
                let caller = &*entry.caller.insert(caller);
                if let Some(quotas) = &state.quotas {
                    quotas.take(caller.account())?;
                }
                sts::handle(state, caller, body)
            })
        }
        Err(refused) => Err(refused.clone()),
    };
    let result = match &state.audit {
        Some(journal) => {
            let event = trail::event_bytes(
                ids,
                headers,
                &state.regions[0],
                &entry,
                result.as_ref().map(|_| None),
            );
            match journal.append(event).await {
                Ok(_) => result,
                Err(err) => Err(trail::unavailable(&err)),
            }
        }
        None => result,
    };
    let (status, code, xml) = match result {
        Ok(xml) => (200, None, xml),
        Err(err) => {
            let (status, xml) = sts::error_body(&err, &ids.request_id);
            (status, Some(err.code), xml)
        }
    };
    crate::metrics::sts_request_done(action.as_deref(), code, started.elapsed());
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        xml,
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(value) = HeaderValue::from_str(&ids.request_id) {
        headers.insert("x-amzn-requestid", value);
    }
    response
}

/// `GET /readyz`: 200 when the store and the audit trail accept writes, 503 otherwise (for
/// load balancers).
async fn ready(State(state): State<Arc<AppState>>) -> Response {
    if let Err(err) = tokio::task::block_in_place(|| state.kms.check_writable()) {
        tracing::warn!(error = %err, "not ready");
        return (StatusCode::SERVICE_UNAVAILABLE, "store not writable\n").into_response();
    }
    if let Some(journal) = &state.audit
        && let Err(err) = journal.check_writable()
    {
        tracing::warn!(error = %err, "not ready");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "audit trail not writable\n",
        )
            .into_response();
    }
    (StatusCode::OK, "ready\n").into_response()
}

/// `GET /metrics`: Prometheus text format.
async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// `POST /moto-api/reset` (test mode only): forget every key, alias, account and user, then
/// recreate the fixed test identity — what moto_server's reset does for its users' suites.
async fn reset(State(state): State<Arc<AppState>>) -> Response {
    let Some(dev) = &state.dev else {
        return (
            StatusCode::NOT_FOUND,
            "reset is only available in test mode (trent serve --dev)\n",
        )
            .into_response();
    };
    let result = tokio::task::block_in_place(|| -> Result<(), KmsError> {
        state.kms.wipe(&dev.root_key)?;
        state.kms.bootstrap(Some(&dev.identity))?;
        Ok(())
    });
    match result {
        Ok(()) => {
            tracing::info!("state reset");
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                "{\"status\": \"ok\"}",
            )
                .into_response()
        }
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_json()).into_response(),
    }
}
