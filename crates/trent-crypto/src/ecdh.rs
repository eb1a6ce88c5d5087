//! ECDH for DeriveSharedSecret: `KeyAgreementAlgorithm: ECDH` with NIST P-256, P-384 and
//! P-521 keys of usage KEY_AGREEMENT (AWS allows neither secp256k1 nor Ed25519 here).
//!
//! The output is the raw shared x-coordinate, big-endian, the field length (32, 48 or 66
//! bytes) — the SP 800-56A primitive, the same bytes as `openssl pkeyutl -derive`. It is not
//! a key: callers run their own KDF over it, as AWS documents.
//!
//! The peer key must be a DER SubjectPublicKeyInfo on the same curve. aws-lc checks that the
//! point is on the curve (no invalid-curve attacks); anything unusable is
//! [`CryptoError::InvalidPublicKey`], which AWS answers with a ValidationException.

use aws_lc_rs::agreement;

use crate::error::CryptoError;
use crate::key_spec::AsymmetricSpec;
use crate::secret::Secret;
use crate::spki::has_allowed_algorithm;

/// AWS's key agreement algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAgreementAlgorithm {
    Ecdh,
}

impl KeyAgreementAlgorithm {
    pub fn name(self) -> &'static str {
        match self {
            Self::Ecdh => "ECDH",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        (name == "ECDH").then_some(Self::Ecdh)
    }
}

/// aws-lc's ECDH algorithm for a key spec that agrees.
pub(crate) fn ecdh_algorithm(spec: AsymmetricSpec) -> Option<&'static agreement::Algorithm> {
    Some(match spec {
        AsymmetricSpec::EccNistP256 => &agreement::ECDH_P256,
        AsymmetricSpec::EccNistP384 => &agreement::ECDH_P384,
        AsymmetricSpec::EccNistP521 => &agreement::ECDH_P521,
        _ => return None,
    })
}

/// The shared x-coordinate of `private` (a key of `spec`) and the peer's SubjectPublicKeyInfo.
pub(crate) fn derive(
    spec: AsymmetricSpec,
    private: &agreement::PrivateKey,
    peer_spki: &[u8],
) -> Result<Secret, CryptoError> {
    // aws-lc also takes bare points and explicit curve parameters; AWS takes SPKI naming the
    // key's curve.
    if !has_allowed_algorithm(spec, peer_spki) {
        return Err(CryptoError::InvalidPublicKey);
    }
    let peer = agreement::UnparsedPublicKey::new(private.algorithm(), peer_spki);
    agreement::agree(private, peer, CryptoError::InvalidPublicKey, |secret| {
        Ok(Secret::from_slice(secret))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            KeyAgreementAlgorithm::from_name("ECDH"),
            Some(KeyAgreementAlgorithm::Ecdh)
        );
        assert_eq!(KeyAgreementAlgorithm::Ecdh.name(), "ECDH");
        assert_eq!(KeyAgreementAlgorithm::from_name("ecdh"), None);
        assert!(ecdh_algorithm(AsymmetricSpec::EccSecgP256k1).is_none());
    }
}
