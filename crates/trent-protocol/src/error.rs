//! The one error type that reaches a KMS client: an [`ErrorCode`] (the `__type` the SDKs branch on,
//! which also fixes the HTTP status) and an optional message.
//!
//! Which code and which words a situation deserves is decided by the layer that knows the
//! situation (trent-core, the server's authentication); this module only guarantees the
//! encoding. Several AWS errors deliberately carry no message at all
//! (`{"__type":"InvalidCiphertextException"}`): that is [`KmsError::bare`], not an empty string.

use std::fmt;

use serde::Serialize;

pub use crate::generated::ErrorCode;

/// An error as the KMS wire reports it: `{"__type": code, "message": message}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsError {
    /// The `__type`, which also decides the HTTP status.
    pub code: ErrorCode,
    /// Human-readable detail; `None` omits the `message` key entirely.
    pub message: Option<String>,
}

impl KmsError {
    /// An error with a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: Some(message.into()),
        }
    }

    /// An error without a message, as AWS sends for failures that must not explain themselves.
    pub const fn bare(code: ErrorCode) -> Self {
        Self {
            code,
            message: None,
        }
    }

    /// The HTTP status to send with this error.
    pub const fn http_status(&self) -> u16 {
        self.code.http_status()
    }

    /// The response body: `{"__type":"X","message":"..."}`, without `message` when there is none.
    pub fn to_json(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Body<'a> {
            #[serde(rename = "__type")]
            code: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            message: Option<&'a str>,
        }
        let body = Body {
            code: self.code.as_str(),
            message: self.message.as_deref(),
        };
        // Serializing two strings into a Vec cannot fail.
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

impl fmt::Display for KmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            Some(message) => write!(f, "{}: {message}", self.code),
            None => write!(f, "{}", self.code),
        }
    }
}

impl std::error::Error for KmsError {}

impl From<ErrorCode> for KmsError {
    fn from(code: ErrorCode) -> Self {
        Self::bare(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_omits_absent_message() {
        let bare = KmsError::bare(ErrorCode::InvalidCiphertextException);
        assert_eq!(
            bare.to_json(),
            br#"{"__type":"InvalidCiphertextException"}"#
        );
        let full = KmsError::new(ErrorCode::NotFoundException, "Key 'x' does not exist");
        assert_eq!(
            full.to_json(),
            br#"{"__type":"NotFoundException","message":"Key 'x' does not exist"}"#
        );
        assert_eq!(
            full.to_string(),
            "NotFoundException: Key 'x' does not exist"
        );
    }

    #[test]
    fn http_statuses() {
        assert_eq!(ErrorCode::KMSInternalException.http_status(), 500);
        assert_eq!(ErrorCode::KeyUnavailableException.http_status(), 500);
        assert_eq!(ErrorCode::DependencyTimeoutException.http_status(), 503);
        // The model says 404/409/412 for these; AWS sends 400.
        for code in [
            ErrorCode::NotFoundException,
            ErrorCode::DisabledException,
            ErrorCode::KMSInvalidStateException,
            ErrorCode::AlreadyExistsException,
            ErrorCode::DryRunOperationException,
            ErrorCode::ConflictException,
            ErrorCode::ValidationException,
            ErrorCode::AccessDeniedException,
            ErrorCode::ThrottlingException,
            ErrorCode::SerializationException,
            ErrorCode::UnrecognizedClientException,
        ] {
            assert_eq!(code.http_status(), 400, "{code}");
        }
        // A body beyond the size limit is refused with HTTP's own status.
        assert_eq!(ErrorCode::RequestEntityTooLargeException.http_status(), 413);
        let not_400: Vec<_> = ErrorCode::ALL
            .iter()
            .filter(|c| c.http_status() != 400)
            .collect();
        assert_eq!(not_400.len(), 4);
    }

    #[test]
    fn codes_round_trip_by_name() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_name(code.as_str()), Some(*code));
        }
        assert_eq!(ErrorCode::from_name("NoSuchThing"), None);
    }
}
