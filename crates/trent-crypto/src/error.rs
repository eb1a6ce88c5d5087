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
    /// The library could not generate a key.
    #[error("key generation failed")]
    KeyGeneration,
    /// Stored or imported private key material did not parse as the expected kind of key.
    #[error("invalid private key material")]
    InvalidKeyMaterial,
    /// The key cannot do this algorithm (or the library does not offer it).
    #[error("unsupported algorithm for this key")]
    UnsupportedAlgorithm,
    /// A DIGEST message of the wrong length for the algorithm's hash.
    #[error("digest length does not match the algorithm")]
    DigestLength,
    /// The message type is not one the algorithm takes (e.g. DIGEST with pure Ed25519).
    #[error("message type not valid for the algorithm")]
    WrongMessageType,
    /// The signing operation failed.
    #[error("signing failed")]
    Signing,
    /// RSA-OAEP encryption failed.
    #[error("encryption failed")]
    Encryption,
    /// RSA-OAEP decryption failed; no detail, on purpose.
    #[error("decryption failed")]
    Decryption,
    /// A plaintext longer than the key and algorithm can encrypt (the limit in bytes).
    #[error("plaintext longer than {0} bytes")]
    PlaintextTooLong(usize),
    /// A peer public key that is not a DER SubjectPublicKeyInfo on the key's curve.
    #[error("invalid public key")]
    InvalidPublicKey,
}
