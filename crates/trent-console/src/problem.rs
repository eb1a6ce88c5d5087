//! An error as the console shows it: the API's `__type` and message, nothing more.
//!
//! Users of the console read the same errors SDK users get, so what they learn here carries over
//! (and matches the audit trail). Failures inside the console itself (a template that cannot
//! render, a background task that died) are logged and shown as a generic internal error,
//! never as a stack trace or a Rust error string.

use axum::http::StatusCode;
use trent_protocol::{ErrorCode, KmsError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The `__type`, e.g. `NotFoundException`.
    pub code: String,
    /// The message, or empty for errors that carry none.
    pub message: String,
    pub status: StatusCode,
}

impl Problem {
    /// A console-side failure the user can do nothing about but retry.
    pub fn internal() -> Problem {
        Problem::from(KmsError::new(
            ErrorCode::KMSInternalException,
            "The console could not complete the request. Try again.",
        ))
    }

    /// An input the console itself refuses before calling the API (`ValidationException`, as the
    /// API would call it).
    pub fn invalid(message: impl Into<String>) -> Problem {
        Problem::from(KmsError::new(ErrorCode::ValidationException, message))
    }

    /// One line: `Code: message`.
    pub fn summary(&self) -> String {
        if self.message.is_empty() {
            self.code.clone()
        } else {
            format!("{}: {}", self.code, self.message)
        }
    }
}

impl From<KmsError> for Problem {
    fn from(err: KmsError) -> Problem {
        Problem {
            code: err.code.as_str().to_string(),
            message: err.message.unwrap_or_default(),
            status: StatusCode::from_u16(err.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_code_and_message() {
        let problem = Problem::from(KmsError::new(ErrorCode::NotFoundException, "gone"));
        assert_eq!(problem.summary(), "NotFoundException: gone");
        assert_eq!(problem.status, StatusCode::BAD_REQUEST);
        let bare = Problem::from(KmsError::bare(ErrorCode::InvalidCiphertextException));
        assert_eq!(bare.summary(), "InvalidCiphertextException");
        assert_eq!(
            Problem::internal().status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
