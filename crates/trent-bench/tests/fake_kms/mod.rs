//! A tiny KMS look-alike for the load generator's tests.
//!
//! It checks every request the way a real endpoint must (SigV4 verified with
//! `trent_protocol::sigv4`, content type, `X-Amz-Target`), keeps keys in memory, answers each
//! operation with the members a client reads, and can be told to misbehave: answer every n-th
//! call of an operation with `ThrottlingException`, or hang up on it without an answer. It
//! counts what it served, so tests can compare the report with what really happened.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use trent_protocol::sigv4;

pub const ACCESS_KEY_ID: &str = "AKIAFAKEBENCH0000001";
pub const SECRET: &str = "fake/secret/for/the/bench/tests/0000000000";
pub const REGION: &str = "us-east-1";

/// How the fake misbehaves.
#[derive(Clone, Debug, Default)]
pub struct Behaviour {
    /// `(operation, n)`: every n-th call of the operation is answered `ThrottlingException`.
    pub throttle: Option<(&'static str, u64)>,
    /// `(operation, n)`: on every n-th call of the operation the connection is dropped unanswered.
    pub hang_up: Option<(&'static str, u64)>,
    /// `(operation, n)`: every n-th call of the operation is answered, then the connection is
    /// closed (`Connection: close`), as servers do at their keep-alive limit.
    pub close_after: Option<(&'static str, u64)>,
    /// A session token requests must carry.
    pub session_token: Option<String>,
}

#[derive(Debug)]
struct Key {
    spec: String,
    usage: String,
}

#[derive(Debug, Default)]
struct State {
    behaviour: Behaviour,
    keys: Mutex<HashMap<String, Key>>,
    calls: Mutex<HashMap<String, u64>>,
    next_key: AtomicU64,
}

/// A running fake endpoint; it stops with the test's runtime.
#[derive(Debug)]
pub struct FakeKms {
    pub url: String,
    state: Arc<State>,
}

/// Why the service refused to answer at all: makes hyper drop the connection.
#[derive(Debug)]
struct HangUp;

impl std::fmt::Display for HangUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("hanging up on purpose")
    }
}

impl std::error::Error for HangUp {}

impl FakeKms {
    /// Serves plain HTTP on 127.0.0.1 (an ephemeral port).
    pub async fn start(behaviour: Behaviour) -> FakeKms {
        FakeKms::serve(behaviour, None).await
    }

    /// Serves HTTPS with `tls` on 127.0.0.1.
    pub async fn start_tls(behaviour: Behaviour, tls: tokio_rustls::TlsAcceptor) -> FakeKms {
        FakeKms::serve(behaviour, Some(tls)).await
    }

    async fn serve(behaviour: Behaviour, tls: Option<tokio_rustls::TlsAcceptor>) -> FakeKms {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let state = Arc::new(State {
            behaviour,
            ..State::default()
        });
        let serving = state.clone();
        let scheme = if tls.is_some() { "https" } else { "http" };
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let state = serving.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| handle(state.clone(), request));
                    let http = hyper::server::conn::http1::Builder::new();
                    match tls {
                        None => {
                            let _ = http.serve_connection(TokioIo::new(stream), service).await;
                        }
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                let _ = http.serve_connection(TokioIo::new(stream), service).await;
                            }
                        }
                    }
                });
            }
        });
        FakeKms {
            url: format!("{scheme}://{address}"),
            state,
        }
    }

    /// How many correctly signed calls of `operation` arrived (including refused ones).
    pub fn calls(&self, operation: &str) -> u64 {
        self.state
            .calls
            .lock()
            .unwrap()
            .get(operation)
            .copied()
            .unwrap_or(0)
    }

    /// Creates a key directly, as if made before the benchmark.
    pub fn add_key(&self, spec: &str, usage: &str) -> String {
        self.state.new_key(spec, usage)
    }

    /// Keys whose deletion was scheduled.
    pub fn deleted_keys(&self) -> usize {
        self.calls("ScheduleKeyDeletion") as usize
    }
}

impl State {
    fn new_key(&self, spec: &str, usage: &str) -> String {
        let number = self.next_key.fetch_add(1, Ordering::Relaxed);
        let key_id = format!("0000{number:04x}-fake-4bec-8bec-000000000000");
        self.keys.lock().unwrap().insert(
            key_id.clone(),
            Key {
                spec: spec.to_owned(),
                usage: usage.to_owned(),
            },
        );
        key_id
    }

    fn key(&self, body: &Value, member: &str) -> Result<(String, String, String), Refusal> {
        let key_id = body[member].as_str().unwrap_or_default().to_owned();
        let keys = self.keys.lock().unwrap();
        match keys.get(&key_id) {
            Some(key) => Ok((key_id, key.spec.clone(), key.usage.clone())),
            None => Err(error(
                "NotFoundException",
                &format!("Key '{key_id}' does not exist"),
            )),
        }
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn reply(status: u16, body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.1")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

/// An error answer: AWS's `__type` and message, sent with status 400.
#[derive(Debug)]
struct Refusal {
    kind: String,
    message: String,
}

fn error(kind: &str, message: &str) -> Refusal {
    Refusal {
        kind: kind.to_owned(),
        message: message.to_owned(),
    }
}

fn refuse(refusal: Refusal) -> Response<Full<Bytes>> {
    reply(
        400,
        json!({ "__type": refusal.kind, "message": refusal.message }),
    )
}

async fn handle(
    state: Arc<State>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, HangUp> {
    let (parts, body) = request.into_parts();
    let Ok(body) = body.collect().await.map(|collected| collected.to_bytes()) else {
        return Err(HangUp);
    };
    let headers: Vec<(&str, &[u8])> = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_bytes()))
        .collect();
    let request_parts = sigv4::RequestParts {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &headers,
        body: &body,
    };
    let now = unix_now();
    let signed = match sigv4::parse_and_check(&request_parts, now, "kms", |region| region == REGION)
    {
        Ok(signed) => signed,
        Err(err) => return Ok(refuse(error(err.code(), &err.message()))),
    };
    if signed.access_key_id != ACCESS_KEY_ID {
        return Ok(refuse(error(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )));
    }
    if let Err(err) = sigv4::verify(&signed, &request_parts, SECRET.as_bytes(), now) {
        return Ok(refuse(error(err.code(), &err.message())));
    }
    if signed.security_token != state.behaviour.session_token {
        return Ok(refuse(error(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )));
    }
    if parts.headers.get("content-type").map(|v| v.as_bytes())
        != Some(b"application/x-amz-json-1.1".as_slice())
    {
        return Ok(refuse(error(
            "UnknownOperationException",
            "wrong content type",
        )));
    }
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let Some(operation) = target.strip_prefix("TrentService.") else {
        return Ok(refuse(error("UnknownOperationException", target)));
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return Ok(refuse(error(
            "SerializationException",
            "the body is not JSON",
        )));
    };

    let nth = {
        let mut calls = state.calls.lock().unwrap();
        let count = calls.entry(operation.to_owned()).or_insert(0);
        *count += 1;
        *count
    };
    if let Some((victim, every)) = state.behaviour.hang_up
        && victim == operation
        && nth % every == 0
    {
        return Err(HangUp);
    }
    if let Some((victim, every)) = state.behaviour.throttle
        && victim == operation
        && nth % every == 0
    {
        return Ok(refuse(error("ThrottlingException", "Rate exceeded")));
    }
    let mut answer = match respond(&state, operation, &body) {
        Ok(answer) => reply(200, answer),
        Err(refusal) => refuse(refusal),
    };
    if let Some((victim, every)) = state.behaviour.close_after
        && victim == operation
        && nth % every == 0
    {
        answer.headers_mut().insert(
            "connection",
            hyper::header::HeaderValue::from_static("close"),
        );
    }
    Ok(answer)
}

/// The fake's answers: plausible members, derived from the request so that a later call
/// (Decrypt of an Encrypt, Verify of a Sign) can be checked.
fn respond(state: &State, operation: &str, body: &Value) -> Result<Value, Refusal> {
    let text = |member: &str| body[member].as_str().unwrap_or_default().to_owned();
    let ciphertext_for = |key_id: &str, plaintext: &str| {
        BASE64.encode(format!("fake-ciphertext|{key_id}|{plaintext}"))
    };
    let open_ciphertext = |blob: &str| -> Result<(String, String), Refusal> {
        let refused = || {
            error(
                "InvalidCiphertextException",
                "not a ciphertext of this fake",
            )
        };
        let bytes = BASE64.decode(blob).map_err(|_| refused())?;
        let text = String::from_utf8(bytes).map_err(|_| refused())?;
        let mut fields = text.splitn(3, '|');
        match (fields.next(), fields.next(), fields.next()) {
            (Some("fake-ciphertext"), Some(key_id), Some(plaintext)) => {
                Ok((key_id.to_owned(), plaintext.to_owned()))
            }
            _ => Err(refused()),
        }
    };
    let needs_usage = |usage: &str, wanted: &str| {
        if usage == wanted {
            Ok(())
        } else {
            Err(error("InvalidKeyUsageException", "wrong key usage"))
        }
    };
    let metadata = |key_id: &str, spec: &str, usage: &str| {
        json!({
            "KeyId": key_id,
            "Arn": format!("arn:aws:kms:{REGION}:111122223333:key/{key_id}"),
            "KeySpec": spec,
            "KeyUsage": usage,
            "KeyState": "Enabled",
            "Enabled": true,
        })
    };

    let answer = match operation {
        "CreateKey" => {
            let spec = body["KeySpec"].as_str().unwrap_or("SYMMETRIC_DEFAULT");
            let usage = body["KeyUsage"].as_str().unwrap_or("ENCRYPT_DECRYPT");
            let fits = match usage {
                "ENCRYPT_DECRYPT" => spec == "SYMMETRIC_DEFAULT" || spec.starts_with("RSA_"),
                "SIGN_VERIFY" => spec.starts_with("RSA_") || spec.starts_with("ECC_"),
                "GENERATE_VERIFY_MAC" => spec.starts_with("HMAC_"),
                _ => false,
            };
            if !fits {
                return Err(error(
                    "ValidationException",
                    "KeySpec and KeyUsage do not fit",
                ));
            }
            let key_id = state.new_key(spec, usage);
            json!({ "KeyMetadata": metadata(&key_id, spec, usage) })
        }
        "DescribeKey" => {
            let (key_id, spec, usage) = state.key(body, "KeyId")?;
            json!({ "KeyMetadata": metadata(&key_id, &spec, &usage) })
        }
        "ScheduleKeyDeletion" => {
            let (key_id, _, _) = state.key(body, "KeyId")?;
            json!({ "KeyId": key_id, "KeyState": "PendingDeletion" })
        }
        "Encrypt" => {
            let (key_id, spec, usage) = state.key(body, "KeyId")?;
            needs_usage(&usage, "ENCRYPT_DECRYPT")?;
            if spec.starts_with("RSA_") && text("EncryptionAlgorithm") != "RSAES_OAEP_SHA_256" {
                return Err(error(
                    "ValidationException",
                    "an RSA key needs its algorithm",
                ));
            }
            json!({ "KeyId": key_id, "CiphertextBlob": ciphertext_for(&key_id, &text("Plaintext")) })
        }
        "Decrypt" => {
            let (key_id, plaintext) = open_ciphertext(&text("CiphertextBlob"))?;
            json!({ "KeyId": key_id, "Plaintext": plaintext })
        }
        "ReEncrypt" => {
            let (source, plaintext) = open_ciphertext(&text("CiphertextBlob"))?;
            if source != text("SourceKeyId") {
                return Err(error("IncorrectKeyException", "wrong source key"));
            }
            let (destination, _, usage) = state.key(body, "DestinationKeyId")?;
            needs_usage(&usage, "ENCRYPT_DECRYPT")?;
            json!({
                "KeyId": destination,
                "SourceKeyId": source,
                "CiphertextBlob": ciphertext_for(&destination, &plaintext),
            })
        }
        "GenerateDataKey" | "GenerateDataKeyWithoutPlaintext" => {
            let (key_id, _, usage) = state.key(body, "KeyId")?;
            needs_usage(&usage, "ENCRYPT_DECRYPT")?;
            let plaintext = BASE64.encode([7u8; 32]);
            let mut answer =
                json!({ "KeyId": key_id, "CiphertextBlob": ciphertext_for(&key_id, &plaintext) });
            if operation == "GenerateDataKey" {
                answer["Plaintext"] = Value::String(plaintext);
            }
            answer
        }
        "Sign" | "Verify" => {
            let (key_id, _, usage) = state.key(body, "KeyId")?;
            needs_usage(&usage, "SIGN_VERIFY")?;
            if text("MessageType") != "RAW" || text("SigningAlgorithm").is_empty() {
                return Err(error(
                    "ValidationException",
                    "RAW messages with an algorithm only",
                ));
            }
            let signature = BASE64.encode(format!(
                "fake-signature|{key_id}|{}|{}",
                text("SigningAlgorithm"),
                text("Message")
            ));
            if operation == "Sign" {
                json!({ "KeyId": key_id, "Signature": signature, "SigningAlgorithm": text("SigningAlgorithm") })
            } else if text("Signature") == signature {
                json!({ "KeyId": key_id, "SignatureValid": true })
            } else {
                return Err(error("KMSInvalidSignatureException", "invalid signature"));
            }
        }
        "GenerateMac" | "VerifyMac" => {
            let (key_id, _, usage) = state.key(body, "KeyId")?;
            needs_usage(&usage, "GENERATE_VERIFY_MAC")?;
            let mac = BASE64.encode(format!(
                "fake-mac|{key_id}|{}|{}",
                text("MacAlgorithm"),
                text("Message")
            ));
            if operation == "GenerateMac" {
                json!({ "KeyId": key_id, "Mac": mac, "MacAlgorithm": text("MacAlgorithm") })
            } else if text("Mac") == mac {
                json!({ "KeyId": key_id, "MacValid": true })
            } else {
                return Err(error("KMSInvalidMacException", "invalid MAC"));
            }
        }
        "GenerateRandom" => {
            let bytes = body["NumberOfBytes"].as_u64().unwrap_or(0) as usize;
            json!({ "Plaintext": BASE64.encode(vec![9u8; bytes]) })
        }
        other => return Err(error("UnknownOperationException", other)),
    };
    Ok(answer)
}
