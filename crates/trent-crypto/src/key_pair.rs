//! Data key pairs for GenerateDataKeyPair(WithoutPlaintext): a fresh key pair returned to the
//! caller (private key as PKCS#8 DER, public key as DER SubjectPublicKeyInfo), never stored.
//!
//! AWS's `DataKeyPairSpec` is narrower than its `KeySpec`: RSA, the NIST curves, secp256k1,
//! Ed25519 and SM2 — no ML-DSA, no HMAC. [`DataKeyPairSpec`] is exactly that list minus SM2,
//! which is [`CryptoError::UnsupportedKeySpec`] as everywhere in Trent.

use crate::error::CryptoError;
use crate::key_spec::{AsymmetricSpec, SM2};
use crate::private_key::generate_pkcs8_and_spki;
use crate::secret::Secret;

/// AWS's `DataKeyPairSpec` values that Trent implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataKeyPairSpec {
    Rsa2048,
    Rsa3072,
    Rsa4096,
    EccNistP256,
    EccNistP384,
    EccNistP521,
    EccSecgP256k1,
    EccNistEdwards25519,
}

impl DataKeyPairSpec {
    pub const ALL: [DataKeyPairSpec; 8] = [
        Self::Rsa2048,
        Self::Rsa3072,
        Self::Rsa4096,
        Self::EccNistP256,
        Self::EccNistP384,
        Self::EccNistP521,
        Self::EccSecgP256k1,
        Self::EccNistEdwards25519,
    ];

    /// The key spec of the pair (the names are the same).
    pub fn key_spec(self) -> AsymmetricSpec {
        match self {
            Self::Rsa2048 => AsymmetricSpec::Rsa2048,
            Self::Rsa3072 => AsymmetricSpec::Rsa3072,
            Self::Rsa4096 => AsymmetricSpec::Rsa4096,
            Self::EccNistP256 => AsymmetricSpec::EccNistP256,
            Self::EccNistP384 => AsymmetricSpec::EccNistP384,
            Self::EccNistP521 => AsymmetricSpec::EccNistP521,
            Self::EccSecgP256k1 => AsymmetricSpec::EccSecgP256k1,
            Self::EccNistEdwards25519 => AsymmetricSpec::EccNistEdwards25519,
        }
    }

    pub fn name(self) -> &'static str {
        self.key_spec().name()
    }

    /// Parses an AWS `DataKeyPairSpec` name; `SM2`, ML-DSA and unknown names are
    /// [`CryptoError::UnsupportedKeySpec`] carrying the name.
    pub fn from_name(name: &str) -> Result<Self, CryptoError> {
        Self::ALL
            .into_iter()
            .find(|spec| spec.name() == name && name != SM2)
            .ok_or_else(|| CryptoError::UnsupportedKeySpec(name.to_owned()))
    }
}

/// A new data key pair: (PKCS#8 DER private key, DER SubjectPublicKeyInfo public key).
pub fn generate_data_key_pair(spec: DataKeyPairSpec) -> Result<(Secret, Vec<u8>), CryptoError> {
    generate_pkcs8_and_spki(spec.key_spec())
}

/// A new key pair of any asymmetric `spec` (including ML-DSA, which AWS does not offer as a
/// data key pair): (PKCS#8 DER private key, SPKI public key).
pub fn generate_key_pair(spec: AsymmetricSpec) -> Result<(Secret, Vec<u8>), CryptoError> {
    generate_pkcs8_and_spki(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for spec in DataKeyPairSpec::ALL {
            assert_eq!(DataKeyPairSpec::from_name(spec.name()).unwrap(), spec);
        }
        for name in [SM2, "ML_DSA_65", "HMAC_256", "SYMMETRIC_DEFAULT"] {
            assert!(matches!(
                DataKeyPairSpec::from_name(name),
                Err(CryptoError::UnsupportedKeySpec(n)) if n == name
            ));
        }
    }
}
