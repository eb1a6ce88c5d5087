//! Why a request failed authentication, and how AWS says so on the wire.

use std::fmt;

use super::time;

/// Why a request was not authenticated.
///
/// Each variant knows its wire identity: [`AuthError::code`] is the AWS `__type`,
/// [`AuthError::message`] the exact `message` text AWS sends for the same condition, and
/// [`AuthError::http_status`] the status (400 for all of them, as AWS's JSON services send).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// Neither an `Authorization: AWS4-…` header nor a presigned query (`X-Amz-Algorithm`).
    MissingAuthenticationToken,
    /// An element of the `Authorization` header has no `=`.
    MalformedPair {
        /// The offending element.
        pair: String,
        /// The whole header as received.
        authorization: String,
    },
    /// The `Authorization` header lacks parameters, or the request lacks a date.
    MissingParameters {
        /// `Credential=` is absent or empty.
        credential: bool,
        /// `Signature=` is absent or empty.
        signature: bool,
        /// `SignedHeaders=` is absent.
        signed_headers: bool,
        /// Neither `X-Amz-Date` nor `Date` is present.
        date: bool,
        /// The whole header as received.
        authorization: String,
    },
    /// A presigned query lacks one of its `X-Amz-*` parameters.
    MissingQueryParameters,
    /// `X-Amz-Expires` of a presigned query is not a number of seconds between 0 and 604800.
    MalformedExpires {
        /// The value as received.
        value: String,
    },
    /// The request date is not in ISO-8601 basic format.
    MalformedDate {
        /// The value as received.
        value: String,
    },
    /// The algorithm is not `AWS4-HMAC-SHA256`.
    UnsupportedAlgorithm {
        /// The algorithm as received.
        algorithm: String,
    },
    /// The credential is not `keyid/date/region/service/term`.
    MalformedCredential {
        /// The credential as received.
        credential: String,
    },
    /// `host` is not among the signed headers.
    HostNotSigned,
    /// A header named in `SignedHeaders` is not in the request.
    SignedHeaderAbsent {
        /// The (lower-case) header name.
        header: String,
    },
    /// The request time is more than five minutes before `now`.
    SignatureExpired {
        /// Unix seconds the request claims.
        request_time: i64,
        /// Unix seconds of the server clock.
        now: i64,
    },
    /// The request time is more than five minutes after `now`.
    SignatureNotYetCurrent {
        /// Unix seconds the request claims.
        request_time: i64,
        /// Unix seconds of the server clock.
        now: i64,
    },
    /// A presigned request is older than its `X-Amz-Expires`.
    PresignedRequestExpired,
    /// The credential scope names something this server does not accept.
    WrongScope(ScopeMismatch),
    /// The signature does not match the request.
    SignatureMismatch,
    /// The access key id is unknown (the server decides; this module never says it).
    UnrecognizedClient,
    /// The session token is unknown or does not belong to the access key (the server decides).
    InvalidSecurityToken,
    /// The session token has expired (the server decides).
    ExpiredToken,
}

/// The parts of a credential scope that were not acceptable; AWS reports them all at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeMismatch {
    /// The region named, when this server does not serve it.
    pub region: Option<String>,
    /// The service this server expected, when the scope names another.
    pub service: Option<String>,
    /// The terminator named, when it is not `aws4_request`.
    pub terminator: Option<String>,
    /// `(scope date, request time as yyyyMMdd'T'HHmmss'Z')` when the dates differ.
    pub date: Option<(String, String)>,
}

impl ScopeMismatch {
    pub(crate) fn is_empty(&self) -> bool {
        self.region.is_none()
            && self.service.is_none()
            && self.terminator.is_none()
            && self.date.is_none()
    }
}

impl AuthError {
    /// The AWS error type (`__type` in the JSON body).
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            AuthError::MalformedPair { .. }
            | AuthError::MissingParameters { .. }
            | AuthError::MissingQueryParameters
            | AuthError::MalformedExpires { .. }
            | AuthError::MalformedDate { .. }
            | AuthError::UnsupportedAlgorithm { .. }
            | AuthError::MalformedCredential { .. }
            | AuthError::SignedHeaderAbsent { .. } => "IncompleteSignatureException",
            AuthError::HostNotSigned
            | AuthError::SignatureExpired { .. }
            | AuthError::SignatureNotYetCurrent { .. }
            | AuthError::PresignedRequestExpired
            | AuthError::WrongScope(_)
            | AuthError::SignatureMismatch => "InvalidSignatureException",
            AuthError::UnrecognizedClient | AuthError::InvalidSecurityToken => {
                "UnrecognizedClientException"
            }
            AuthError::ExpiredToken => "ExpiredTokenException",
        }
    }

    /// The HTTP status AWS's JSON services answer with: 400 for every authentication failure.
    pub fn http_status(&self) -> u16 {
        400
    }

    /// The exact text AWS sends in `message`.
    pub fn message(&self) -> String {
        match self {
            AuthError::MissingAuthenticationToken => "Missing Authentication Token".to_owned(),
            AuthError::MalformedPair {
                pair,
                authorization,
            } => format!(
                "'{pair}' not a valid key=value pair (missing equal-sign) in Authorization header: '{authorization}'."
            ),
            AuthError::MissingParameters {
                credential,
                signature,
                signed_headers,
                date,
                authorization,
            } => {
                let mut text = String::new();
                for (missing, name) in [
                    (credential, "Credential"),
                    (signature, "Signature"),
                    (signed_headers, "SignedHeaders"),
                ] {
                    if *missing {
                        text.push_str("Authorization header requires '");
                        text.push_str(name);
                        text.push_str("' parameter. ");
                    }
                }
                if *date {
                    text.push_str(
                        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
                    );
                }
                text.push_str("Authorization=");
                text.push_str(authorization);
                text
            }
            AuthError::MissingQueryParameters => "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.".to_owned(),
            AuthError::MalformedExpires { value } => {
                let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
                if value.strip_prefix('-').is_some_and(digits) {
                    "X-Amz-Expires must be non-negative".to_owned()
                } else if digits(value) {
                    "X-Amz-Expires must be less than a week (in seconds) that is 604800".to_owned()
                } else {
                    "X-Amz-Expires should be a number".to_owned()
                }
            }
            AuthError::MalformedDate { value } => format!(
                "Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601"
            ),
            AuthError::UnsupportedAlgorithm { algorithm } => format!(
                "Unsupported AWS 'algorithm': '{algorithm}' (only AWS4-HMAC-SHA256 for now). "
            ),
            AuthError::MalformedCredential { credential } => format!(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
            ),
            AuthError::HostNotSigned => {
                "'Host' must be a 'SignedHeader' in the AWS Authorization.".to_owned()
            }
            AuthError::SignedHeaderAbsent { header } => format!(
                "'{header}' is named as a SignedHeader, but it does not exist in the HTTP request."
            ),
            AuthError::SignatureExpired { request_time, now } => format!(
                "Signature expired: {} is now earlier than {} ({} - 5 min.)",
                time::format(*request_time).as_str(),
                time::format(now.saturating_sub(super::MAX_SKEW_SECONDS)).as_str(),
                time::format(*now).as_str(),
            ),
            AuthError::SignatureNotYetCurrent { request_time, now } => format!(
                "Signature not yet current: {} is still later than {} ({} + 5 min.)",
                time::format(*request_time).as_str(),
                time::format(now.saturating_add(super::MAX_SKEW_SECONDS)).as_str(),
                time::format(*now).as_str(),
            ),
            AuthError::PresignedRequestExpired => "Request has expired".to_owned(),
            AuthError::WrongScope(mismatch) => {
                let mut text = String::new();
                if let Some(region) = &mismatch.region {
                    text.push_str(&format!(
                        "Credential should be scoped to a valid region, not '{region}'. "
                    ));
                }
                if let Some(service) = &mismatch.service {
                    text.push_str(&format!(
                        "Credential should be scoped to correct service: '{service}'. "
                    ));
                }
                if let Some(terminator) = &mismatch.terminator {
                    text.push_str(&format!(
                        "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'. "
                    ));
                }
                if let Some((scope_date, amz_date)) = &mismatch.date {
                    let day = amz_date.get(..8).unwrap_or(amz_date);
                    text.push_str(&format!(
                        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope_date}' != '{day}', from '{amz_date}'."
                    ));
                }
                text
            }
            AuthError::SignatureMismatch => "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.".to_owned(),
            AuthError::UnrecognizedClient => {
                "The security token included in the request is invalid.".to_owned()
            }
            AuthError::InvalidSecurityToken => {
                "The security token included in the request is invalid".to_owned()
            }
            AuthError::ExpiredToken => {
                "The security token included in the request is expired".to_owned()
            }
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for AuthError {}
