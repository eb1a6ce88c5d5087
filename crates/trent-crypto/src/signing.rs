//! AWS's signing algorithms and message types, and the rules that tie them together.
//!
//! The `Message` of Sign/Verify means different things by `MessageType`: RAW is the message
//! (Trent hashes it), DIGEST is the caller's hash of it, EXTERNAL_MU is ML-DSA's 64-byte μ.
//! Which type an algorithm takes, and how long a digest must be, is checked here once, before
//! any key is touched, so that [`crate::PrivateKey`] and [`crate::PublicKey`] agree and the core
//! gets a distinct error per AWS answer ([`CryptoError::DigestLength`],
//! [`CryptoError::ExternalMuLength`], [`CryptoError::WrongMessageType`]).
//!
//! Size limits of RAW messages (4096 bytes) are the core's: they are request validation, not
//! cryptography.

use aws_lc_rs::digest::{self, Digest};
use aws_lc_rs::signature;

use crate::error::CryptoError;

/// Length of an ML-DSA external μ (FIPS 204 §6.2).
pub const EXTERNAL_MU_LEN: usize = 64;

/// AWS's signing algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningAlgorithm {
    /// RSASSA-PSS, MGF1 with the same hash, salt length = digest length.
    RsassaPssSha256,
    RsassaPssSha384,
    RsassaPssSha512,
    /// RSASSA-PKCS1-v1_5.
    RsassaPkcs1V15Sha256,
    RsassaPkcs1V15Sha384,
    RsassaPkcs1V15Sha512,
    /// ECDSA with a DER (X9.62) signature: P-256 and secp256k1 with SHA-256, P-384 with SHA-384,
    /// P-521 with SHA-512.
    EcdsaSha256,
    EcdsaSha384,
    EcdsaSha512,
    /// Pure Ed25519 (RFC 8032); RAW messages only.
    Ed25519Sha512,
    /// Ed25519ph (HashEdDSA); DIGEST messages only (64 bytes), which AWS hashes once more.
    Ed25519PhSha512,
    /// Pure ML-DSA (FIPS 204) with an empty context; RAW or EXTERNAL_MU messages.
    MlDsaShake256,
}

impl SigningAlgorithm {
    pub const ALL: [SigningAlgorithm; 12] = [
        Self::RsassaPssSha256,
        Self::RsassaPssSha384,
        Self::RsassaPssSha512,
        Self::RsassaPkcs1V15Sha256,
        Self::RsassaPkcs1V15Sha384,
        Self::RsassaPkcs1V15Sha512,
        Self::EcdsaSha256,
        Self::EcdsaSha384,
        Self::EcdsaSha512,
        Self::Ed25519Sha512,
        Self::Ed25519PhSha512,
        Self::MlDsaShake256,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::RsassaPssSha256 => "RSASSA_PSS_SHA_256",
            Self::RsassaPssSha384 => "RSASSA_PSS_SHA_384",
            Self::RsassaPssSha512 => "RSASSA_PSS_SHA_512",
            Self::RsassaPkcs1V15Sha256 => "RSASSA_PKCS1_V1_5_SHA_256",
            Self::RsassaPkcs1V15Sha384 => "RSASSA_PKCS1_V1_5_SHA_384",
            Self::RsassaPkcs1V15Sha512 => "RSASSA_PKCS1_V1_5_SHA_512",
            Self::EcdsaSha256 => "ECDSA_SHA_256",
            Self::EcdsaSha384 => "ECDSA_SHA_384",
            Self::EcdsaSha512 => "ECDSA_SHA_512",
            Self::Ed25519Sha512 => "ED25519_SHA_512",
            Self::Ed25519PhSha512 => "ED25519_PH_SHA_512",
            Self::MlDsaShake256 => "ML_DSA_SHAKE_256",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The hash a DIGEST message must come from (`None`: the algorithm takes no DIGEST).
    pub fn digest(self) -> Option<&'static digest::Algorithm> {
        match self {
            Self::RsassaPssSha256 | Self::RsassaPkcs1V15Sha256 | Self::EcdsaSha256 => {
                Some(&digest::SHA256)
            }
            Self::RsassaPssSha384 | Self::RsassaPkcs1V15Sha384 | Self::EcdsaSha384 => {
                Some(&digest::SHA384)
            }
            Self::RsassaPssSha512
            | Self::RsassaPkcs1V15Sha512
            | Self::EcdsaSha512
            | Self::Ed25519PhSha512 => Some(&digest::SHA512),
            Self::Ed25519Sha512 | Self::MlDsaShake256 => None,
        }
    }

    /// The exact length a DIGEST message must have (32, 48 or 64), `None` if DIGEST is not
    /// allowed.
    pub fn digest_len(self) -> Option<usize> {
        self.digest().map(|d| d.output_len)
    }

    /// The message types the algorithm takes.
    pub fn message_types(self) -> &'static [MessageType] {
        match self {
            Self::Ed25519Sha512 => &[MessageType::Raw],
            Self::Ed25519PhSha512 => &[MessageType::Digest],
            Self::MlDsaShake256 => &[MessageType::Raw, MessageType::ExternalMu],
            _ => &[MessageType::Raw, MessageType::Digest],
        }
    }

    /// aws-lc's signing padding of an RSA algorithm.
    pub(crate) fn rsa_padding(self) -> Option<&'static dyn signature::RsaEncoding> {
        Some(match self {
            Self::RsassaPssSha256 => &signature::RSA_PSS_SHA256,
            Self::RsassaPssSha384 => &signature::RSA_PSS_SHA384,
            Self::RsassaPssSha512 => &signature::RSA_PSS_SHA512,
            Self::RsassaPkcs1V15Sha256 => &signature::RSA_PKCS1_SHA256,
            Self::RsassaPkcs1V15Sha384 => &signature::RSA_PKCS1_SHA384,
            Self::RsassaPkcs1V15Sha512 => &signature::RSA_PKCS1_SHA512,
            _ => return None,
        })
    }

    /// aws-lc's verification parameters of an RSA algorithm (PSS: salt = digest length, MGF1
    /// with the same hash, as AWS signs).
    pub(crate) fn rsa_verification(self) -> Option<&'static signature::RsaParameters> {
        Some(match self {
            Self::RsassaPssSha256 => &signature::RSA_PSS_2048_8192_SHA256,
            Self::RsassaPssSha384 => &signature::RSA_PSS_2048_8192_SHA384,
            Self::RsassaPssSha512 => &signature::RSA_PSS_2048_8192_SHA512,
            Self::RsassaPkcs1V15Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Self::RsassaPkcs1V15Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            Self::RsassaPkcs1V15Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
            _ => return None,
        })
    }
}

/// What the `Message` of Sign/Verify is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// The message itself; Trent hashes it with the algorithm's hash.
    Raw,
    /// A digest the caller computed with the algorithm's hash.
    Digest,
    /// ML-DSA's 64-byte μ (FIPS 204 external μ).
    ExternalMu,
}

impl MessageType {
    pub fn name(self) -> &'static str {
        match self {
            Self::Raw => "RAW",
            Self::Digest => "DIGEST",
            Self::ExternalMu => "EXTERNAL_MU",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Raw, Self::Digest, Self::ExternalMu]
            .into_iter()
            .find(|t| t.name() == name)
    }
}

/// Checks the message against the algorithm and message type, as AWS does before signing or
/// verifying. Does not check the algorithm against a key spec.
pub(crate) fn check_message(
    algorithm: SigningAlgorithm,
    message_type: MessageType,
    message: &[u8],
) -> Result<(), CryptoError> {
    if !algorithm.message_types().contains(&message_type) {
        return Err(CryptoError::WrongMessageType);
    }
    match message_type {
        MessageType::Raw => Ok(()),
        MessageType::Digest if algorithm.digest_len() == Some(message.len()) => Ok(()),
        MessageType::Digest => Err(CryptoError::DigestLength),
        MessageType::ExternalMu if message.len() == EXTERNAL_MU_LEN => Ok(()),
        MessageType::ExternalMu => Err(CryptoError::ExternalMuLength),
    }
}

/// A caller's digest as aws-lc's [`Digest`] (its length was checked by [`check_message`]).
pub(crate) fn imported_digest(
    algorithm: SigningAlgorithm,
    digest: &[u8],
) -> Result<Digest, CryptoError> {
    let hash = algorithm.digest().ok_or(CryptoError::WrongMessageType)?;
    Digest::import_less_safe(digest, hash).map_err(|_| CryptoError::DigestLength)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for algorithm in SigningAlgorithm::ALL {
            assert_eq!(
                SigningAlgorithm::from_name(algorithm.name()),
                Some(algorithm)
            );
        }
        for t in [
            MessageType::Raw,
            MessageType::Digest,
            MessageType::ExternalMu,
        ] {
            assert_eq!(MessageType::from_name(t.name()), Some(t));
        }
    }

    #[test]
    fn message_rules() {
        use MessageType::*;
        use SigningAlgorithm as A;
        let ok = |a, t, len: usize| check_message(a, t, &vec![0u8; len]);
        assert!(ok(A::EcdsaSha256, Digest, 32).is_ok());
        assert!(matches!(
            ok(A::EcdsaSha256, Digest, 48),
            Err(CryptoError::DigestLength)
        ));
        assert!(ok(A::RsassaPssSha384, Digest, 48).is_ok());
        assert!(ok(A::RsassaPkcs1V15Sha512, Digest, 64).is_ok());
        assert!(matches!(
            ok(A::RsassaPssSha256, ExternalMu, 64),
            Err(CryptoError::WrongMessageType)
        ));
        assert!(ok(A::Ed25519Sha512, Raw, 5).is_ok());
        assert!(matches!(
            ok(A::Ed25519Sha512, Digest, 64),
            Err(CryptoError::WrongMessageType)
        ));
        assert!(ok(A::Ed25519PhSha512, Digest, 64).is_ok());
        assert!(matches!(
            ok(A::Ed25519PhSha512, Raw, 64),
            Err(CryptoError::WrongMessageType)
        ));
        assert!(matches!(
            ok(A::Ed25519PhSha512, Digest, 32),
            Err(CryptoError::DigestLength)
        ));
        assert!(ok(A::MlDsaShake256, Raw, 4096).is_ok());
        assert!(ok(A::MlDsaShake256, ExternalMu, 64).is_ok());
        assert!(matches!(
            ok(A::MlDsaShake256, ExternalMu, 63),
            Err(CryptoError::ExternalMuLength)
        ));
        assert!(matches!(
            ok(A::MlDsaShake256, Digest, 64),
            Err(CryptoError::WrongMessageType)
        ));
        let lens: Vec<_> = SigningAlgorithm::ALL
            .iter()
            .map(|a| a.digest_len())
            .collect();
        assert_eq!(
            lens,
            [
                Some(32),
                Some(48),
                Some(64),
                Some(32),
                Some(48),
                Some(64),
                Some(32),
                Some(48),
                Some(64),
                None,
                Some(64),
                None
            ]
        );
    }
}
