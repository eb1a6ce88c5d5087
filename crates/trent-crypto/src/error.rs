//! The one error type of this crate.
//!
//! Cryptographic failures are deliberately featureless: a ciphertext that fails to decrypt
//! says only `InvalidCiphertext`, never *why* (bad tag, wrong context, wrong key, truncation,
//! unknown version). Telling them apart would hand an attacker an oracle, and the KMS API
//! answers all of them with the same `InvalidCiphertextException` anyway.
//!
//! Root-key errors are the exception: they happen at start-up, in front of an operator, and a
//! precise message ("mode 0644, run chmod 600") is what gets the service running again. Their
//! messages never contain key bytes.

/// Everything that can go wrong in `trent-crypto`.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// A ciphertext or wrapped blob could not be opened. Carries no detail on purpose.
    #[error("invalid ciphertext")]
    InvalidCiphertext,
    /// Key bytes of the wrong length or shape were offered as key material.
    #[error("invalid key material")]
    InvalidKey,
    /// The root key could not be loaded or created; the message is for the operator and
    /// never contains key bytes.
    #[error("root key: {0}")]
    RootKey(String),
}
