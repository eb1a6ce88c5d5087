//! Reading what a request claims about its signature: the `Authorization` header or the
//! presigned query, checked for form only (no clock, no secret, no policy).
//!
//! It runs in two phases so that [`super::parse_and_check`] can put the clock check exactly
//! where AWS puts it: after the date is read, before the algorithm and credential are judged.

use super::{AuthError, RequestParts, SignatureLocation, SignedRequest, canonical, time};

/// The only algorithm there is.
pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Phase one's result: every parameter found, the date read.
#[derive(Debug)]
pub(crate) struct Draft {
    algorithm: String,
    credential: String,
    signed_headers: String,
    signature: String,
    pub(crate) request_time: i64,
    pub(crate) location: SignatureLocation,
    security_token: Option<String>,
}

/// The first header of that name, compared case-insensitively.
pub(crate) fn header<'a>(req: &RequestParts<'a>, name: &str) -> Option<&'a [u8]> {
    req.headers
        .iter()
        .find(|(have, _)| have.eq_ignore_ascii_case(name))
        .map(|(_, value)| *value)
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Phase one: is there a signature at all, are its parameters there, is the date readable.
pub(crate) fn draft(req: &RequestParts<'_>) -> Result<Draft, AuthError> {
    if let Some(raw) = header(req, "authorization") {
        let text = String::from_utf8_lossy(raw);
        if text.trim().starts_with("AWS4-") {
            return header_draft(req, &text);
        }
    }
    if canonical::query_pairs(req.query).any(|(name, _)| name == b"X-Amz-Algorithm") {
        return query_draft(req);
    }
    Err(AuthError::MissingAuthenticationToken)
}

fn header_draft(req: &RequestParts<'_>, authorization: &str) -> Result<Draft, AuthError> {
    let trimmed = authorization.trim();
    let (algorithm, rest) = trimmed
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((trimmed, ""));
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for element in rest
        .split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|element| !element.is_empty())
    {
        let Some((name, value)) = element.split_once('=') else {
            return Err(AuthError::MalformedPair {
                pair: element.to_owned(),
                authorization: authorization.to_owned(),
            });
        };
        let slot = match name {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => continue,
        };
        slot.get_or_insert(value);
    }

    let amz_date = header(req, "x-amz-date");
    let date = amz_date.or_else(|| header(req, "date"));
    let credential = credential.filter(|value| !value.is_empty());
    let signature = signature.filter(|value| !value.is_empty());
    let (Some(credential), Some(signature), Some(signed_headers), Some(date)) =
        (credential, signature, signed_headers, date)
    else {
        return Err(AuthError::MissingParameters {
            credential: credential.is_none(),
            signature: signature.is_none(),
            signed_headers: signed_headers.is_none(),
            date: date.is_none(),
            authorization: authorization.to_owned(),
        });
    };
    let request_time = match amz_date {
        Some(value) => time::parse_amz(value),
        None => time::parse_http(date),
    }
    .ok_or_else(|| AuthError::MalformedDate { value: lossy(date) })?;

    Ok(Draft {
        algorithm: algorithm.to_owned(),
        credential: credential.to_owned(),
        signed_headers: signed_headers.to_owned(),
        signature: signature.to_owned(),
        request_time,
        location: SignatureLocation::Header,
        security_token: header(req, "x-amz-security-token").map(lossy),
    })
}

fn query_draft(req: &RequestParts<'_>) -> Result<Draft, AuthError> {
    let (mut algorithm, mut credential, mut signed_headers, mut signature) =
        (None, None, None, None);
    let (mut date, mut expires, mut token) = (None, None, None);
    for (name, value) in canonical::query_pairs(req.query) {
        let slot = match name.as_slice() {
            b"X-Amz-Algorithm" => &mut algorithm,
            b"X-Amz-Credential" => &mut credential,
            b"X-Amz-SignedHeaders" => &mut signed_headers,
            b"X-Amz-Signature" => &mut signature,
            b"X-Amz-Date" => &mut date,
            b"X-Amz-Expires" => &mut expires,
            b"X-Amz-Security-Token" => &mut token,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(lossy(&value));
        }
    }
    let present = |value: Option<String>| value.filter(|value| !value.is_empty());
    let (
        Some(algorithm),
        Some(credential),
        Some(signed_headers),
        Some(signature),
        Some(date),
        Some(expires),
    ) = (
        present(algorithm),
        present(credential),
        signed_headers,
        present(signature),
        present(date),
        present(expires),
    )
    else {
        return Err(AuthError::MissingQueryParameters);
    };
    let request_time =
        time::parse_amz(date.as_bytes()).ok_or_else(|| AuthError::MalformedDate {
            value: date.clone(),
        })?;
    let expires_in = expires
        .parse::<u32>()
        .ok()
        .filter(|seconds| *seconds <= super::MAX_PRESIGNED_EXPIRES)
        .filter(|_| expires.bytes().all(|b| b.is_ascii_digit()))
        .ok_or(AuthError::MalformedExpires { value: expires })?;
    Ok(Draft {
        algorithm,
        credential,
        signed_headers,
        signature,
        request_time,
        location: SignatureLocation::Query { expires_in },
        security_token: token.or_else(|| header(req, "x-amz-security-token").map(lossy)),
    })
}

fn decode_signature(hex: &str) -> Option<[u8; 32]> {
    // Lower-case only: AWS compares the hex text, so `ABCD…` never matches.
    if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex, &mut out).ok()?;
    Some(out)
}

/// Phase two: `host` signed, the algorithm, the credential's shape.
pub(crate) fn finish(draft: Draft) -> Result<SignedRequest, AuthError> {
    let signed_headers: Vec<String> = draft
        .signed_headers
        .split(';')
        .map(str::to_ascii_lowercase)
        .collect();
    if !signed_headers.iter().any(|name| name == "host") {
        return Err(AuthError::HostNotSigned);
    }
    if draft.algorithm != ALGORITHM {
        return Err(AuthError::UnsupportedAlgorithm {
            algorithm: draft.algorithm,
        });
    }
    let normalized = draft.credential.trim_end_matches('/');
    let mut parts = normalized.split('/');
    let (Some(key_id), Some(date), Some(region), Some(service), Some(terminator), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(AuthError::MalformedCredential {
            credential: draft.credential,
        });
    };
    let decoded = decode_signature(&draft.signature);
    Ok(SignedRequest {
        access_key_id: key_id.to_owned(),
        scope_date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        terminator: terminator.to_owned(),
        signed_headers,
        signature: decoded.unwrap_or([0; 32]),
        request_time: draft.request_time,
        amz_date: time::format(draft.request_time).as_str().to_owned(),
        security_token: draft.security_token,
        location: draft.location,
        credential: normalized.to_owned(),
        signature_well_formed: decoded.is_some(),
    })
}
