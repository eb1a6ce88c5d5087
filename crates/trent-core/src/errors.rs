//! The AWS errors the operations answer with, worded as AWS words them.
//!
//! Clients branch on `__type` and people search for the message text, so each wording lives in
//! exactly one function here.

use trent_protocol::{ErrorCode, KmsError};

pub fn key_does_not_exist(key_arn: &str) -> KmsError {
    KmsError::new(
        ErrorCode::NotFoundException,
        format!("Key '{key_arn}' does not exist"),
    )
}

pub fn alias_not_found(alias_arn: &str) -> KmsError {
    KmsError::new(
        ErrorCode::NotFoundException,
        format!("Alias {alias_arn} is not found."),
    )
}

pub fn disabled(key_arn: &str) -> KmsError {
    KmsError::new(
        ErrorCode::DisabledException,
        format!("{key_arn} is disabled."),
    )
}

pub fn invalid_state(key_arn: &str, what: &str) -> KmsError {
    KmsError::new(
        ErrorCode::KMSInvalidStateException,
        format!("{key_arn} is {what}."),
    )
}

pub fn pending_deletion(key_arn: &str) -> KmsError {
    invalid_state(key_arn, "pending deletion")
}

pub fn not_pending_deletion(key_arn: &str) -> KmsError {
    invalid_state(key_arn, "not pending deletion")
}

pub fn dry_run() -> KmsError {
    KmsError::new(
        ErrorCode::DryRunOperationException,
        "The request would have succeeded, but the DryRun option is set.",
    )
}

pub fn validation(message: impl Into<String>) -> KmsError {
    KmsError::new(ErrorCode::ValidationException, message)
}

pub fn invalid_ciphertext() -> KmsError {
    KmsError::bare(ErrorCode::InvalidCiphertextException)
}

pub fn incorrect_key() -> KmsError {
    KmsError::new(
        ErrorCode::IncorrectKeyException,
        "The key ID in the request does not identify a CMK that can perform this operation.",
    )
}

pub fn key_usage_not_valid(key_arn: &str, usage: &str, operation: &str) -> KmsError {
    KmsError::new(
        ErrorCode::InvalidKeyUsageException,
        format!("{key_arn} key usage is {usage} which is not valid for {operation}."),
    )
}

pub fn algorithm_incompatible(algorithm: &str, key_spec: &str) -> KmsError {
    KmsError::new(
        ErrorCode::InvalidKeyUsageException,
        format!("Algorithm {algorithm} is incompatible with key spec {key_spec}."),
    )
}

pub fn unsupported(message: impl Into<String>) -> KmsError {
    KmsError::new(ErrorCode::UnsupportedOperationException, message)
}

pub fn invalid_marker() -> KmsError {
    KmsError::new(ErrorCode::InvalidMarkerException, "Invalid marker")
}

pub fn tag_error(message: &str) -> KmsError {
    KmsError::new(ErrorCode::TagException, message)
}
