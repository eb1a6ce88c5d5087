//! Request authentication: SigV4 over the exact bytes received, with the secret looked up by
//! access key id. The result is the [`Caller`] every operation runs as.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, Method, Uri};
use std::sync::Arc;

use trent_core::{Caller, Principal, sessions};
use trent_crypto::Secret;
use trent_protocol::sigv4::{self, AuthError, RequestParts};
use trent_protocol::{ErrorCode, KmsError};

use crate::api::{AppState, RequestIds};

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

/// Authenticates a request signed for `service` (`kms`, or `sts` on the STS endpoint).
pub fn authenticate(
    state: &AppState,
    request: &RequestIds,
    service: &str,
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
    let signed = sigv4::parse_and_check(&parts, now, service, |region| {
        state.regions.iter().any(|r| r == region)
    })
    .map_err(to_kms_error)?;
    let (principal, secret) = credentials_of(state, &signed)?;
    state
        .signing_keys
        .verify(&signed, &parts, secret.expose(), now)
        .map_err(to_kms_error)?;
    Ok(Caller::new(
        principal,
        signed.region.clone(),
        request.request_id.clone(),
        request.event_id.clone(),
    )
    .with_transport(request.source_ip, request.secure))
}

/// The principal and secret behind a request's access key id: a role session (its token
/// carries both), or a stored access key.
fn credentials_of(
    state: &AppState,
    signed: &sigv4::SignedRequest,
) -> Result<(Arc<Principal>, Secret), KmsError> {
    if let Some(token) = &signed.security_token
        && signed.access_key_id.starts_with("ASIA")
    {
        return state.kms.session(&signed.access_key_id, token);
    }
    let Some(entry) = state.kms.access_key(&signed.access_key_id)? else {
        return Err(sessions::invalid_token());
    };
    // A token with a long-term key: test mode ignores it, as moto does, so suites that set
    // AWS_SESSION_TOKEN keep working; otherwise a token Trent did not issue is invalid, as AWS
    // would answer.
    if signed.security_token.is_some() && state.dev.is_none() {
        return Err(sessions::invalid_token());
    }
    Ok((entry.0.clone(), entry.1.clone()))
}
