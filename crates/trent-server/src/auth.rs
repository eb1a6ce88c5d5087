//! Request authentication: SigV4 over the exact bytes received, with the secret looked up by
//! access key id. The result is the [`Caller`] every operation runs as.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, Method, Uri};
use trent_core::Caller;
use trent_protocol::sigv4::{self, AuthError, RequestParts};
use trent_protocol::{ErrorCode, KmsError};

use crate::api::{AppState, RequestIds};

/// The signing name AWS clients use for KMS.
const SERVICE: &str = "kms";

fn to_kms_error(err: AuthError) -> KmsError {
    let code = match err.code() {
        "MissingAuthenticationTokenException" => ErrorCode::MissingAuthenticationTokenException,
        "IncompleteSignatureException" => ErrorCode::IncompleteSignatureException,
        "UnrecognizedClientException" => ErrorCode::UnrecognizedClientException,
        "ExpiredTokenException" => ErrorCode::ExpiredTokenException,
        _ => ErrorCode::InvalidSignatureException,
    };
    KmsError::new(code, err.message())
}

fn unrecognized_client() -> KmsError {
    KmsError::new(
        ErrorCode::UnrecognizedClientException,
        "The security token included in the request is invalid.",
    )
}

pub fn authenticate(
    state: &AppState,
    request: &RequestIds,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Caller, KmsError> {
    let header_list: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_bytes()))
        .collect();
    let parts = RequestParts {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query().unwrap_or(""),
        headers: &header_list,
        body,
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let signed = sigv4::parse_and_check(&parts, now, SERVICE, |region| {
        state.regions.iter().any(|r| r == region)
    })
    .map_err(to_kms_error)?;
    let Some(entry) = state.kms.access_key(&signed.access_key_id)? else {
        return Err(unrecognized_client());
    };
    // Session tokens come with STS (not built yet). Test mode ignores them, as moto does, so
    // suites that set AWS_SESSION_TOKEN keep working; otherwise a token we did not issue is
    // invalid, as AWS would answer.
    if signed.security_token.is_some() && state.dev.is_none() {
        return Err(unrecognized_client());
    }
    let (principal, secret) = (&entry.0, &entry.1);
    state
        .signing_keys
        .verify(&signed, &parts, secret.expose(), now)
        .map_err(to_kms_error)?;
    Ok(Caller::new(
        principal.clone(),
        signed.region.clone(),
        request.request_id.clone(),
        request.event_id.clone(),
    ))
}
