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
//!
//! The variants of asymmetric and HMAC operations are distinct where AWS answers differently,
//! so that `trent-core` can map each to its AWS error without parsing messages:
//!
//! | variant | AWS answer (mapped in `trent-core`) |
//! |---|---|
//! | `UnsupportedKeySpec` | `UnsupportedOperationException` (SM2) |
//! | `IncompatibleAlgorithm` | `InvalidKeyUsageException` (`Algorithm X is incompatible with key spec Y.`) |
//! | `UnsupportedAlgorithm` | `UnsupportedOperationException` (a gap of Trent, not of the request) |
//! | `DigestLength`, `ExternalMuLength`, `WrongMessageType` | `ValidationException` |
//! | `PlaintextTooLong(n)` | `ValidationException` (`… cannot encrypt data larger than n bytes.`) |
//! | `InvalidPublicKey` | `ValidationException` (DeriveSharedSecret: empty message) |
//! | `Decryption` | `InvalidCiphertextException` (no message) |
//! | `InvalidKeyMaterial`, `InvalidKey` | import: `IncorrectKeyMaterialException`; stored: internal error |
//!
//! A signature or MAC that does not verify is not an error here: verification returns
//! `Ok(false)`, which the core answers with `KMSInvalidSignatureException` /
//! `KMSInvalidMacException`.

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
    /// Trent cannot perform this valid combination of key, algorithm and message type. Today
    /// only ML-DSA `EXTERNAL_MU` with an imported private key that carries no seed (the
    /// library that computes external μ needs the seed).
    #[error("Trent does not support this algorithm and message type for this key")]
    UnsupportedAlgorithm,
    /// The algorithm is not one of the key spec's algorithms (e.g. ECDSA_SHA_384 with a P-256
    /// key, HMAC_SHA_256 with an HMAC_512 key, OAEP with an ECC key).
    #[error("algorithm is incompatible with the key spec")]
    IncompatibleAlgorithm,
    /// A key spec AWS defines but Trent does not implement (SM2), or an unknown name.
    #[error("key spec {0} is not supported by Trent")]
    UnsupportedKeySpec(String),
    /// A DIGEST message of the wrong length for the algorithm's hash.
    #[error("digest length does not match the algorithm")]
    DigestLength,
    /// An EXTERNAL_MU message that is not 64 bytes.
    #[error("an external mu must be 64 bytes")]
    ExternalMuLength,
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
