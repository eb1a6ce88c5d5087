//! AWS Signature Version 4: verifying the requests Trent receives, signing the ones it sends.
//!
//! # Why it exists
//!
//! Every KMS request is authenticated, and authenticated over the exact bytes that arrived:
//! the method, the raw path and query, the headers as received and the body. A server that
//! re-serialised any of them before checking would accept requests the client never signed,
//! or reject ones it did. So this module takes the request's parts as borrowed slices and
//! answers, and gives AWS's own error types and messages so that SDK clients (which branch on
//! them, and correct their clocks on `Signature expired`) behave as they do against AWS.
//!
//! # What it deliberately does not do
//!
//! * It never looks a secret up. The server reads the access key id from [`parse`], finds the
//!   secret wherever it keeps it, and hands it to [`verify`] (or a [`SigningKeyCache`]).
//!   An unknown key id is the server's [`AuthError::UnrecognizedClient`] to return.
//! * It knows no HTTP framework: [`RequestParts`] is a handful of borrowed slices.
//! * It decides no policy: which regions and which service this server answers for is a
//!   predicate and a name passed to [`check_scope`]; who may do what is elsewhere entirely.
//! * It speaks only the rules of services other than S3 (double-encoded, normalised path;
//!   payload hash computed from the body).
//!
//! # Order of checks
//!
//! AWS's front end reports the first failing check in this order, which Trent follows
//! (recorded against DynamoDB's front end, which KMS shares, in the comments of
//! `architect/dynalite` `index.js`; position 10 is inferred):
//!
//! | # | check | error |
//! |---|---|---|
//! | 1 | an `Authorization: AWS4-…` header or an `X-Amz-Algorithm` query parameter exists | `MissingAuthenticationTokenException` |
//! | 2 | every element of the header is `key=value` | `IncompleteSignatureException` |
//! | 3 | `Credential`, `Signature`, `SignedHeaders` and a date (`X-Amz-Date`, else `Date`) exist | `IncompleteSignatureException` (all missing ones in one message) |
//! | 4 | the date is ISO-8601 basic format | `IncompleteSignatureException` |
//! | 5 | the date is within 5 minutes of the server clock | `InvalidSignatureException` |
//! | 6 | `host` is a signed header | `InvalidSignatureException` |
//! | 7 | the algorithm is `AWS4-HMAC-SHA256` | `IncompleteSignatureException` |
//! | 8 | the credential has 5 `/`-separated elements | `IncompleteSignatureException` |
//! | 9 | region served, service right, terminator `aws4_request`, scope date = request date | `InvalidSignatureException` (all failing ones in one message) |
//! | – | *server:* the access key id exists | `UnrecognizedClientException` |
//! | 10 | every signed header is present | `IncompleteSignatureException` |
//! | 11 | the signature matches | `InvalidSignatureException` |
//! | – | *server:* a session token, if sent, is valid | `UnrecognizedClientException` |
//!
//! The clock is checked before the signature: a request with a stale date is refused as
//! expired whatever its signature, which is what lets SDKs detect and correct their skew.
//!
//! [`parse_and_check`] runs 1–9 in exactly this order. [`parse`] runs 1–4 and 6–8 (it has no
//! clock), [`check_time`] 5 and [`check_scope`] 9, for servers that compose the steps
//! themselves; [`verify`] repeats 5 and the clock-free parts of 9 (so it is safe alone) and
//! runs 10–11.
//!
//! ```text
//! let signed = sigv4::parse_and_check(&parts, now, "kms", |r| r == config.region)?;
//! let secret = credentials.secret(&signed.access_key_id).ok_or(AuthError::UnrecognizedClient)?;
//! signing_keys.verify(&signed, &parts, secret.expose(), now)?;
//! ```

mod canonical;
mod error;
mod key;
mod parse;
mod time;

pub(crate) use time::format as format_amz_date;

use std::fmt;

use aws_lc_rs::hmac;
use subtle::ConstantTimeEq;

pub use error::{AuthError, ScopeMismatch};
pub use key::{SigningKey, SigningKeyCache};

use canonical::{CanonicalInput, HashSink, Sink};

/// How far, in seconds, a request's date may be from the server clock (either way).
pub const MAX_SKEW_SECONDS: i64 = 300;

/// The longest `X-Amz-Expires` a presigned request may ask for: seven days.
pub const MAX_PRESIGNED_EXPIRES: u32 = 604_800;

/// The parts of an HTTP request SigV4 covers, borrowed from whatever server received it.
#[derive(Clone, Copy, Debug)]
pub struct RequestParts<'a> {
    /// The method, as received (`POST` for KMS).
    pub method: &'a str,
    /// The raw path as received, still percent-encoded (KMS always `/`).
    pub path: &'a str,
    /// The raw query string without `?`, may be empty.
    pub query: &'a str,
    /// All headers as received: names in any case, repeated names allowed, values as bytes.
    pub headers: &'a [(&'a str, &'a [u8])],
    /// The body as received.
    pub body: &'a [u8],
}

/// Where the signature travelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureLocation {
    /// In the `Authorization` header.
    Header,
    /// In the query string (a presigned request).
    Query {
        /// `X-Amz-Expires`: seconds the signature is valid after `X-Amz-Date`.
        expires_in: u32,
    },
}

/// What the `Authorization` header (or presigned query) says, parsed and checked for form.
///
/// Only [`parse`] and [`parse_and_check`] make one.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// The access key id from the credential.
    pub access_key_id: String,
    /// The credential scope's date, `yyyymmdd` as sent (checked against the request date by
    /// [`check_scope`]).
    pub scope_date: String,
    /// The credential scope's region.
    pub region: String,
    /// The credential scope's service.
    pub service: String,
    /// The credential scope's terminator (must be `aws4_request`).
    pub terminator: String,
    /// The signed header names, lower-cased, in the order sent.
    pub signed_headers: Vec<String>,
    /// The signature; all zero if what was sent is not 64 lower-case hex digits (such a
    /// request never verifies, and fails as a signature mismatch, as on AWS).
    pub signature: [u8; 32],
    /// Unix seconds of `X-Amz-Date` (or of `Date`).
    pub request_time: i64,
    /// The request time as `yyyyMMdd'T'HHmmss'Z'`, as it enters the string to sign.
    pub amz_date: String,
    /// `X-Amz-Security-Token`, if sent. The server must validate it (this module cannot).
    pub security_token: Option<String>,
    /// Header or presigned query.
    pub location: SignatureLocation,
    /// `keyid/date/region/service/term`, trailing slashes removed: the cache key.
    credential: String,
    signature_well_formed: bool,
}

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedRequest")
            .field("access_key_id", &self.access_key_id)
            .field("scope_date", &self.scope_date)
            .field("region", &self.region)
            .field("service", &self.service)
            .field("terminator", &self.terminator)
            .field("signed_headers", &self.signed_headers)
            .field("request_time", &self.request_time)
            .field("amz_date", &self.amz_date)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// Credentials for [`sign`] and [`presign`]. `Debug` shows only the access key id.
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    /// The access key id.
    pub access_key_id: &'a str,
    /// The secret access key.
    pub secret_access_key: &'a str,
    /// The session token of temporary credentials.
    pub session_token: Option<&'a str>,
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.map(|_| "<redacted>"))
            .finish()
    }
}

/// Step 1: reads the request's signature parameters and checks their form (checks 1–4, 6–8).
pub fn parse(req: &RequestParts<'_>) -> Result<SignedRequest, AuthError> {
    parse::finish(parse::draft(req)?)
}

/// Checks 1–9 in AWS's order: everything that can be decided before the secret is looked up.
pub fn parse_and_check(
    req: &RequestParts<'_>,
    now_unix: i64,
    service: &str,
    region_is_served: impl Fn(&str) -> bool,
) -> Result<SignedRequest, AuthError> {
    let draft = parse::draft(req)?;
    check_window(draft.request_time, draft.location, now_unix)?;
    let signed = parse::finish(draft)?;
    check_scope(&signed, service, region_is_served)?;
    Ok(signed)
}

fn check_window(
    request_time: i64,
    location: SignatureLocation,
    now_unix: i64,
) -> Result<(), AuthError> {
    if request_time < now_unix.saturating_sub(MAX_SKEW_SECONDS) {
        return Err(AuthError::SignatureExpired {
            request_time,
            now: now_unix,
        });
    }
    if request_time > now_unix.saturating_add(MAX_SKEW_SECONDS) {
        return Err(AuthError::SignatureNotYetCurrent {
            request_time,
            now: now_unix,
        });
    }
    match location {
        SignatureLocation::Query { expires_in }
            if now_unix > request_time.saturating_add(i64::from(expires_in)) =>
        {
            Err(AuthError::PresignedRequestExpired)
        }
        _ => Ok(()),
    }
}

/// Check 5: the request date is within [`MAX_SKEW_SECONDS`] of `now_unix` (and, presigned,
/// not past its `X-Amz-Expires`).
pub fn check_time(signed: &SignedRequest, now_unix: i64) -> Result<(), AuthError> {
    check_window(signed.request_time, signed.location, now_unix)
}

fn scope_mismatch(signed: &SignedRequest) -> ScopeMismatch {
    ScopeMismatch {
        terminator: (signed.terminator != "aws4_request").then(|| signed.terminator.clone()),
        date: (signed.amz_date.get(..8) != Some(signed.scope_date.as_str()))
            .then(|| (signed.scope_date.clone(), signed.amz_date.clone())),
        ..ScopeMismatch::default()
    }
}

/// Check 9: the credential scope names a region this server serves and `service`, ends in
/// `aws4_request` and is dated the day of the request. All failures are reported together.
pub fn check_scope(
    signed: &SignedRequest,
    service: &str,
    region_is_served: impl Fn(&str) -> bool,
) -> Result<(), AuthError> {
    let mismatch = ScopeMismatch {
        region: (!region_is_served(&signed.region)).then(|| signed.region.clone()),
        service: (signed.service != service).then(|| service.to_owned()),
        ..scope_mismatch(signed)
    };
    if mismatch.is_empty() {
        Ok(())
    } else {
        Err(AuthError::WrongScope(mismatch))
    }
}

/// Step 2: checks the signature with the caller's secret (checks 5, the clock-free parts of
/// 9, 10, 11). Call [`check_scope`] before it (or use [`parse_and_check`]): this function
/// does not know which region and service the server answers for.
pub fn verify(
    signed: &SignedRequest,
    req: &RequestParts<'_>,
    secret_access_key: &[u8],
    now_unix: i64,
) -> Result<(), AuthError> {
    check_invariants(signed, req, now_unix)?;
    check_signature(
        signed,
        req,
        &SigningKey::for_request(signed, secret_access_key),
    )
}

/// [`verify`] with a signing key already derived (see [`SigningKey::for_request`]).
pub fn verify_with_key(
    signed: &SignedRequest,
    req: &RequestParts<'_>,
    key: &SigningKey,
    now_unix: i64,
) -> Result<(), AuthError> {
    check_invariants(signed, req, now_unix)?;
    check_signature(signed, req, key)
}

/// Everything [`verify`] checks before it needs the key.
pub(crate) fn check_invariants(
    signed: &SignedRequest,
    req: &RequestParts<'_>,
    now_unix: i64,
) -> Result<(), AuthError> {
    check_time(signed, now_unix)?;
    let mismatch = scope_mismatch(signed);
    if !mismatch.is_empty() {
        return Err(AuthError::WrongScope(mismatch));
    }
    if let Some(absent) = canonical::first_absent(&signed.signed_headers, req.headers) {
        return Err(AuthError::SignedHeaderAbsent {
            header: absent.to_owned(),
        });
    }
    Ok(())
}

/// Check 11: recomputes the signature over the request and compares in constant time.
pub(crate) fn check_signature(
    signed: &SignedRequest,
    req: &RequestParts<'_>,
    key: &SigningKey,
) -> Result<(), AuthError> {
    let computed = compute_signature(signed, req, key);
    let matches = computed.as_slice().ct_eq(&signed.signature);
    if signed.signature_well_formed && bool::from(matches) {
        Ok(())
    } else {
        Err(AuthError::SignatureMismatch)
    }
}

struct HmacSink(hmac::Context);

impl Sink for HmacSink {
    fn put(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

fn canonical_input<'a>(
    signed: &'a SignedRequest,
    req: &'a RequestParts<'a>,
    payload_hash: &'a [u8; 64],
) -> CanonicalInput<'a, String> {
    CanonicalInput {
        method: req.method,
        path: req.path,
        query: req.query,
        omit_signature: matches!(signed.location, SignatureLocation::Query { .. }),
        headers: req.headers,
        signed_headers: &signed.signed_headers,
        payload_hash,
    }
}

fn scope_of(signed: &SignedRequest) -> [&str; 4] {
    [
        &signed.scope_date,
        &signed.region,
        &signed.service,
        &signed.terminator,
    ]
}

fn sign_input<S: AsRef<str>>(
    key: &SigningKey,
    input: &CanonicalInput<'_, S>,
    amz_date: &str,
    scope: [&str; 4],
) -> [u8; 32] {
    let mut request_hash = HashSink::new();
    canonical::put_canonical_request(&mut request_hash, input);
    let request_hash = request_hash.finish();
    let mut mac = HmacSink(hmac::Context::with_key(key.hmac_key()));
    canonical::put_string_to_sign(&mut mac, amz_date, scope, &request_hash);
    let mut out = [0u8; 32];
    out.copy_from_slice(mac.0.sign().as_ref());
    out
}

fn compute_signature(signed: &SignedRequest, req: &RequestParts<'_>, key: &SigningKey) -> [u8; 32] {
    let payload_hash = canonical::sha256_hex(req.body);
    sign_input(
        key,
        &canonical_input(signed, req, &payload_hash),
        &signed.amz_date,
        scope_of(signed),
    )
}

/// The canonical request this module computes for `req` (for diagnostics and tests).
pub fn canonical_request(signed: &SignedRequest, req: &RequestParts<'_>) -> String {
    let payload_hash = canonical::sha256_hex(req.body);
    let mut out = Vec::new();
    canonical::put_canonical_request(&mut out, &canonical_input(signed, req, &payload_hash));
    String::from_utf8_lossy(&out).into_owned()
}

/// The string to sign this module computes for `req` (for diagnostics and tests).
pub fn string_to_sign(signed: &SignedRequest, req: &RequestParts<'_>) -> String {
    let payload_hash = canonical::sha256_hex(req.body);
    let mut request_hash = HashSink::new();
    canonical::put_canonical_request(
        &mut request_hash,
        &canonical_input(signed, req, &payload_hash),
    );
    let mut out = Vec::new();
    canonical::put_string_to_sign(
        &mut out,
        &signed.amz_date,
        scope_of(signed),
        &request_hash.finish(),
    );
    String::from_utf8_lossy(&out).into_owned()
}

/// Headers a signer leaves unsigned because proxies change them (the set the AWS SDKs share),
/// plus the ones signing itself writes.
fn signable(name: &str) -> bool {
    !matches!(
        name,
        "authorization" | "user-agent" | "x-amzn-trace-id" | "transfer-encoding"
    )
}

/// Lower-cased, sorted (stably: repeated headers keep their order) signable headers.
fn signing_headers(
    req: &RequestParts<'_>,
    replaced: &[&str],
    extra: Vec<(String, Vec<u8>)>,
) -> Vec<(String, Vec<u8>)> {
    let mut headers: Vec<(String, Vec<u8>)> = req
        .headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_vec()))
        .filter(|(name, _)| signable(name) && !replaced.contains(&name.as_str()))
        .chain(extra)
        .collect();
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    headers
}

fn names_of(headers: &[(String, Vec<u8>)]) -> Vec<&str> {
    let mut names: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
    names.dedup();
    names
}

/// Signs a request in the `Authorization` header (for Trent's CLI and load generator).
///
/// Returns the headers to add, names lower-case: `authorization`, `x-amz-date` and, with a
/// session token, `x-amz-security-token`. It signs every header in `req` except
/// `authorization`, `user-agent`, `x-amzn-trace-id` and `transfer-encoding` (as the AWS SDKs
/// do), so `req` must already carry `host` and everything else that will be sent. An
/// `x-amz-date` (or, with a session token, `x-amz-security-token`) already in `req` is
/// replaced by the returned one. It adds no `x-amz-content-sha256`: services other than S3
/// neither need nor check it, and the AWS SDKs do not send it to KMS.
pub fn sign(
    req: &RequestParts<'_>,
    creds: &Credentials<'_>,
    region: &str,
    service: &str,
    unix_time: i64,
) -> Vec<(String, String)> {
    let stamp = time::format(unix_time);
    let mut added = vec![("x-amz-date".to_owned(), stamp.as_str().to_owned())];
    if let Some(token) = creds.session_token {
        added.push(("x-amz-security-token".to_owned(), token.to_owned()));
    }
    let replaced: &[&str] = if creds.session_token.is_some() {
        &["x-amz-date", "x-amz-security-token"]
    } else {
        &["x-amz-date"]
    };
    let extra = added
        .iter()
        .map(|(name, value)| (name.clone(), value.clone().into_bytes()))
        .collect();
    let headers = signing_headers(req, replaced, extra);
    let names = names_of(&headers);
    let borrowed: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_slice()))
        .collect();
    let payload_hash = canonical::sha256_hex(req.body);
    let input = CanonicalInput {
        method: req.method,
        path: req.path,
        query: req.query,
        omit_signature: false,
        headers: &borrowed,
        signed_headers: &names,
        payload_hash: &payload_hash,
    };
    let date = stamp.date();
    let key = SigningKey::derive(creds.secret_access_key.as_bytes(), date, region, service);
    let signature = sign_input(
        &key,
        &input,
        stamp.as_str(),
        [date, region, service, "aws4_request"],
    );
    let authorization = format!(
        "{} Credential={}/{date}/{region}/{service}/aws4_request, SignedHeaders={}, Signature={}",
        parse::ALGORITHM,
        creds.access_key_id,
        names.join(";"),
        hex::encode(signature),
    );
    let mut out = vec![("authorization".to_owned(), authorization)];
    out.extend(added);
    out
}

/// Signs a request in its query string (a presigned request) valid for `expires_in` seconds
/// (at most [`MAX_PRESIGNED_EXPIRES`]; Trent accepts one only within [`MAX_SKEW_SECONDS`] of
/// its date, like AWS's JSON services).
///
/// Returns the complete query string to send instead of `req.query`: the original parameters
/// followed by `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
/// `X-Amz-SignedHeaders`, `X-Amz-Security-Token` (with a session token) and
/// `X-Amz-Signature`. Headers are signed as by [`sign`] (less `x-amz-user-agent` and
/// `x-amz-checksum-mode`, as the SDKs do for presigned requests).
pub fn presign(
    req: &RequestParts<'_>,
    creds: &Credentials<'_>,
    region: &str,
    service: &str,
    unix_time: i64,
    expires_in: u32,
) -> String {
    let stamp = time::format(unix_time);
    let date = stamp.date();
    let headers = signing_headers(
        req,
        &["x-amz-user-agent", "x-amz-checksum-mode"],
        Vec::new(),
    );
    let names = names_of(&headers);
    let borrowed: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_slice()))
        .collect();
    let credential = format!(
        "{}/{date}/{region}/{service}/aws4_request",
        creds.access_key_id
    );
    let expires = expires_in.min(MAX_PRESIGNED_EXPIRES).to_string();
    let signed_headers = names.join(";");
    let mut params: Vec<(&str, &str)> = vec![
        ("X-Amz-Algorithm", parse::ALGORITHM),
        ("X-Amz-Credential", &credential),
        ("X-Amz-Date", stamp.as_str()),
        ("X-Amz-Expires", &expires),
        ("X-Amz-SignedHeaders", &signed_headers),
    ];
    if let Some(token) = creds.session_token {
        params.push(("X-Amz-Security-Token", token));
    }
    let mut query = req.query.as_bytes().to_vec();
    for (name, value) in params {
        if !query.is_empty() {
            query.push(b'&');
        }
        query.extend_from_slice(name.as_bytes());
        query.push(b'=');
        canonical::put_encoded(&mut query, value.as_bytes(), false);
    }
    let query = String::from_utf8_lossy(&query).into_owned();
    let payload_hash = canonical::sha256_hex(req.body);
    let input = CanonicalInput {
        method: req.method,
        path: req.path,
        query: &query,
        omit_signature: true,
        headers: &borrowed,
        signed_headers: &names,
        payload_hash: &payload_hash,
    };
    let key = SigningKey::derive(creds.secret_access_key.as_bytes(), date, region, service);
    let signature = sign_input(
        &key,
        &input,
        stamp.as_str(),
        [date, region, service, "aws4_request"],
    );
    format!("{query}&X-Amz-Signature={}", hex::encode(signature))
}
