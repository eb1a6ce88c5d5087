//! The STS endpoint (`AssumeRole`, `GetCallerIdentity`) in AWS's query protocol: a
//! form-encoded POST signed for service `sts`, answered in XML.
//!
//! SDK credential chains (`role_arn` profiles, `AWS_ROLE_ARN`, cross-account role patterns) call
//! STS first and then KMS with the session they got; pointing `AWS_ENDPOINT_URL_STS` at Trent
//! makes that work unchanged.

use trent_core::Caller;
use trent_protocol::{ErrorCode, KmsError, Timestamp};

use crate::api::AppState;

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// Whether a request is for STS: a form-encoded body rather than KMS's JSON with a target.
pub fn is_sts_request(content_type: &str, target: &str) -> bool {
    target.is_empty() && content_type.starts_with("application/x-www-form-urlencoded")
}

/// The `Action` of a query-protocol body, for routing and metrics.
pub fn action_of(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(name, _)| name == "Action")
        .map(|(_, value)| value.into_owned())
}

/// `requestParameters` of an STS call: its form fields (none of them secret) in lowerCamel
/// spelling, without `Action` and `Version`.
pub fn loggable_parameters(body: &[u8]) -> serde_json::Value {
    let fields: serde_json::Map<String, serde_json::Value> = form_urlencoded::parse(body)
        .filter(|(name, _)| name != "Action" && name != "Version")
        .map(|(name, value)| {
            (
                lower_first(&name),
                serde_json::Value::from(value.into_owned()),
            )
        })
        .collect();
    if fields.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::Value::Object(fields)
    }
}

/// Answers one STS call for an authenticated caller; `Ok` is the XML body.
pub fn handle(state: &AppState, caller: &Caller, body: &[u8]) -> Result<String, KmsError> {
    let field = |name: &str| {
        form_urlencoded::parse(body)
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    let required = |name: &str| {
        field(name).ok_or_else(|| {
            KmsError::new(
                ErrorCode::ValidationException,
                format!(
                    "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                    lower_first(name)
                ),
            )
        })
    };
    let request_id = &caller.request_id;
    match field("Action").as_deref() {
        Some("GetCallerIdentity") => {
            let principal = &caller.principal;
            Ok(format!(
                "<GetCallerIdentityResponse xmlns=\"{NAMESPACE}\"><GetCallerIdentityResult>\
                 <Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account>\
                 </GetCallerIdentityResult><ResponseMetadata><RequestId>{request_id}</RequestId>\
                 </ResponseMetadata></GetCallerIdentityResponse>",
                escape(&principal.arn),
                escape(&principal.user_id),
                escape(&principal.account_id)
            ))
        }
        Some("AssumeRole") => {
            let role_arn = required("RoleArn")?;
            let session_name = required("RoleSessionName")?;
            let duration = match field("DurationSeconds") {
                Some(value) => Some(value.parse::<u32>().map_err(|_| {
                    KmsError::new(
                        ErrorCode::ValidationException,
                        format!("Value '{value}' at 'durationSeconds' is not a number"),
                    )
                })?),
                None => None,
            };
            let session = state
                .kms
                .assume_role(caller, &role_arn, &session_name, duration)?;
            let secret = String::from_utf8_lossy(session.secret_access_key.expose()).into_owned();
            Ok(format!(
                "<AssumeRoleResponse xmlns=\"{NAMESPACE}\"><AssumeRoleResult><Credentials>\
                 <AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey>\
                 <SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials>\
                 <AssumedRoleUser><AssumedRoleId>{}</AssumedRoleId><Arn>{}</Arn></AssumedRoleUser>\
                 </AssumeRoleResult><ResponseMetadata><RequestId>{request_id}</RequestId>\
                 </ResponseMetadata></AssumeRoleResponse>",
                session.access_key_id,
                escape(&secret),
                escape(&session.session_token),
                Timestamp(session.expiration).iso8601(),
                escape(&session.assumed_role_id),
                escape(&session.assumed_role_arn)
            ))
        }
        Some(other) => Err(KmsError::new(
            ErrorCode::UnknownOperationException,
            format!("Could not find operation {other} for version 2011-06-15"),
        )),
        None => Err(KmsError::new(
            ErrorCode::ValidationException,
            "Missing Action",
        )),
    }
}

/// An error in STS's XML shape, with the HTTP status STS uses for it.
pub fn error_body(err: &KmsError, request_id: &str) -> (u16, String) {
    // STS names some errors differently from KMS's JSON front end.
    let (status, code, fault) = match err.code {
        ErrorCode::AccessDeniedException => (403, "AccessDenied", "Sender"),
        ErrorCode::ValidationException => (400, "ValidationError", "Sender"),
        ErrorCode::UnknownOperationException => (400, "InvalidAction", "Sender"),
        ErrorCode::ExpiredTokenException => (400, "ExpiredToken", "Sender"),
        ErrorCode::UnrecognizedClientException => (403, "InvalidClientTokenId", "Sender"),
        ErrorCode::InvalidSignatureException => (403, "SignatureDoesNotMatch", "Sender"),
        ErrorCode::IncompleteSignatureException => (400, "IncompleteSignature", "Sender"),
        ErrorCode::MissingAuthenticationTokenException => {
            (403, "MissingAuthenticationToken", "Sender")
        }
        ErrorCode::ThrottlingException => (400, "Throttling", "Sender"),
        ErrorCode::KMSInternalException => (500, "InternalFailure", "Receiver"),
        other => (other.http_status(), other.as_str(), "Sender"),
    };
    let message = err.message.as_deref().unwrap_or_default();
    (
        status,
        format!(
            "<ErrorResponse xmlns=\"{NAMESPACE}\"><Error><Type>{fault}</Type><Code>{code}</Code>\
             <Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
            escape(message)
        ),
    )
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_form_bodies_to_sts() {
        assert!(is_sts_request(
            "application/x-www-form-urlencoded; charset=utf-8",
            ""
        ));
        assert!(!is_sts_request(
            "application/x-amz-json-1.1",
            "TrentService.Encrypt"
        ));
        assert_eq!(
            action_of(b"Action=AssumeRole&Version=2011-06-15").as_deref(),
            Some("AssumeRole")
        );
    }

    #[test]
    fn errors_are_xml_with_sts_codes() {
        let err = KmsError::new(ErrorCode::AccessDeniedException, "no <way>");
        let (status, body) = error_body(&err, "r-1");
        assert_eq!(status, 403);
        assert!(body.contains("<Code>AccessDenied</Code>"));
        assert!(body.contains("<Message>no &lt;way&gt;</Message>"));
    }
}
