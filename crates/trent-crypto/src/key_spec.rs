//! The key specs of AWS KMS, by the names AWS uses, and what each one can do.
//!
//! This crate is a leaf and cannot see `trent-protocol`'s wire enums, so it has its own small
//! ones; `trent-core` translates between the two by name ([`KeySpec::from_name`] and friends).
//! Keeping "which algorithms does a key spec offer" next to the cryptography means there is one
//! table, not one in the core and a slightly different one here.
//!
//! SM2 is deliberately absent: AWS offers it only in its China regions and there is no
//! well-kept Rust implementation to build it on. Asking for it is
//! [`CryptoError::UnsupportedKeySpec`], never a silent fallback.

use std::ops::RangeInclusive;

use crate::error::CryptoError;
use crate::mac::MacAlgorithm;
use crate::random::random_bytes;
use crate::rsa_oaep::OaepHash;
use crate::secret::Secret;
use crate::signing::SigningAlgorithm;

/// The AWS name of the one key spec Trent does not implement.
pub const SM2: &str = "SM2";

/// Any KMS key spec Trent implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeySpec {
    /// `SYMMETRIC_DEFAULT`: AES-256-GCM through the v1 ciphertext format ([`crate::ciphertext`]).
    SymmetricDefault,
    /// RSA, ECC, Ed25519 and ML-DSA key pairs.
    Asymmetric(AsymmetricSpec),
    /// HMAC secrets.
    Hmac(HmacSpec),
}

impl KeySpec {
    /// Parses an AWS `KeySpec` name. `SM2` and unknown names are
    /// [`CryptoError::UnsupportedKeySpec`] carrying the name.
    pub fn from_name(name: &str) -> Result<KeySpec, CryptoError> {
        if name == "SYMMETRIC_DEFAULT" {
            return Ok(KeySpec::SymmetricDefault);
        }
        if let Some(spec) = AsymmetricSpec::from_name(name) {
            return Ok(KeySpec::Asymmetric(spec));
        }
        if let Some(spec) = HmacSpec::from_name(name) {
            return Ok(KeySpec::Hmac(spec));
        }
        Err(CryptoError::UnsupportedKeySpec(name.to_owned()))
    }

    /// The AWS name (`RSA_2048`, `HMAC_256`, …).
    pub fn name(self) -> &'static str {
        match self {
            KeySpec::SymmetricDefault => "SYMMETRIC_DEFAULT",
            KeySpec::Asymmetric(spec) => spec.name(),
            KeySpec::Hmac(spec) => spec.name(),
        }
    }
}

/// Key specs of asymmetric KMS keys (AWS's `KeySpec` names in [`AsymmetricSpec::name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AsymmetricSpec {
    Rsa2048,
    Rsa3072,
    Rsa4096,
    EccNistP256,
    EccNistP384,
    EccNistP521,
    EccSecgP256k1,
    EccNistEdwards25519,
    MlDsa44,
    MlDsa65,
    MlDsa87,
}

impl AsymmetricSpec {
    pub const ALL: [AsymmetricSpec; 11] = [
        Self::Rsa2048,
        Self::Rsa3072,
        Self::Rsa4096,
        Self::EccNistP256,
        Self::EccNistP384,
        Self::EccNistP521,
        Self::EccSecgP256k1,
        Self::EccNistEdwards25519,
        Self::MlDsa44,
        Self::MlDsa65,
        Self::MlDsa87,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Rsa2048 => "RSA_2048",
            Self::Rsa3072 => "RSA_3072",
            Self::Rsa4096 => "RSA_4096",
            Self::EccNistP256 => "ECC_NIST_P256",
            Self::EccNistP384 => "ECC_NIST_P384",
            Self::EccNistP521 => "ECC_NIST_P521",
            Self::EccSecgP256k1 => "ECC_SECG_P256K1",
            Self::EccNistEdwards25519 => "ECC_NIST_EDWARDS25519",
            Self::MlDsa44 => "ML_DSA_44",
            Self::MlDsa65 => "ML_DSA_65",
            Self::MlDsa87 => "ML_DSA_87",
        }
    }

    /// The spec of an AWS name; `None` for other names (including `SM2`: see
    /// [`KeySpec::from_name`] for an error that names it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|spec| spec.name() == name)
    }

    pub fn is_rsa(self) -> bool {
        matches!(self, Self::Rsa2048 | Self::Rsa3072 | Self::Rsa4096)
    }

    /// ECDSA curves: the NIST curves and secp256k1 (not Ed25519).
    pub fn is_ecdsa(self) -> bool {
        matches!(
            self,
            Self::EccNistP256 | Self::EccNistP384 | Self::EccNistP521 | Self::EccSecgP256k1
        )
    }

    pub fn is_ml_dsa(self) -> bool {
        matches!(self, Self::MlDsa44 | Self::MlDsa65 | Self::MlDsa87)
    }

    /// The signing algorithms a key of this spec offers (usage SIGN_VERIFY), in AWS's order.
    pub fn signing_algorithms(self) -> &'static [SigningAlgorithm] {
        use SigningAlgorithm as A;
        match self {
            Self::Rsa2048 | Self::Rsa3072 | Self::Rsa4096 => &[
                A::RsassaPkcs1V15Sha256,
                A::RsassaPkcs1V15Sha384,
                A::RsassaPkcs1V15Sha512,
                A::RsassaPssSha256,
                A::RsassaPssSha384,
                A::RsassaPssSha512,
            ],
            Self::EccNistP256 | Self::EccSecgP256k1 => &[A::EcdsaSha256],
            Self::EccNistP384 => &[A::EcdsaSha384],
            Self::EccNistP521 => &[A::EcdsaSha512],
            Self::EccNistEdwards25519 => &[A::Ed25519Sha512, A::Ed25519PhSha512],
            Self::MlDsa44 | Self::MlDsa65 | Self::MlDsa87 => &[A::MlDsaShake256],
        }
    }

    /// The encryption algorithms a key of this spec offers (usage ENCRYPT_DECRYPT): RSA only.
    pub fn encryption_algorithms(self) -> &'static [OaepHash] {
        if self.is_rsa() {
            &[OaepHash::Sha1, OaepHash::Sha256]
        } else {
            &[]
        }
    }

    /// Whether keys of this spec may have usage KEY_AGREEMENT (ECDH). AWS allows it for the
    /// NIST curves only (and SM2), not for secp256k1 or Ed25519.
    pub fn agrees(self) -> bool {
        matches!(
            self,
            Self::EccNistP256 | Self::EccNistP384 | Self::EccNistP521
        )
    }

    /// RSA modulus length in bytes: the size of every signature and ciphertext of the key.
    pub fn rsa_modulus_len(self) -> Option<usize> {
        match self {
            Self::Rsa2048 => Some(256),
            Self::Rsa3072 => Some(384),
            Self::Rsa4096 => Some(512),
            _ => None,
        }
    }

    /// Length of an ECDH shared secret (the x-coordinate): 32, 48 or 66 bytes.
    pub fn shared_secret_len(self) -> Option<usize> {
        match self {
            Self::EccNistP256 => Some(32),
            Self::EccNistP384 => Some(48),
            Self::EccNistP521 => Some(66),
            _ => None,
        }
    }
}

/// HMAC key specs; each has exactly one MAC algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HmacSpec {
    Hmac224,
    Hmac256,
    Hmac384,
    Hmac512,
}

impl HmacSpec {
    pub const ALL: [HmacSpec; 4] = [Self::Hmac224, Self::Hmac256, Self::Hmac384, Self::Hmac512];

    pub fn name(self) -> &'static str {
        match self {
            Self::Hmac224 => "HMAC_224",
            Self::Hmac256 => "HMAC_256",
            Self::Hmac384 => "HMAC_384",
            Self::Hmac512 => "HMAC_512",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The spec's one MAC algorithm.
    pub fn algorithm(self) -> MacAlgorithm {
        match self {
            Self::Hmac224 => MacAlgorithm::HmacSha224,
            Self::Hmac256 => MacAlgorithm::HmacSha256,
            Self::Hmac384 => MacAlgorithm::HmacSha384,
            Self::Hmac512 => MacAlgorithm::HmacSha512,
        }
    }

    /// The MAC algorithm's AWS name (`HMAC_SHA_256`, …).
    pub fn mac_algorithm(self) -> &'static str {
        self.algorithm().name()
    }

    /// Length of a generated key: the spec's bit size, which is also the hash's output length
    /// (28, 32, 48, 64 bytes).
    pub fn key_len(self) -> usize {
        self.algorithm().mac_len()
    }

    /// Key lengths AWS accepts as imported material: from the hash's output length up to its
    /// block size (28–64, 32–64, 48–128, 64–128 bytes).
    pub fn importable_key_lengths(self) -> RangeInclusive<usize> {
        match self {
            Self::Hmac224 => 28..=64,
            Self::Hmac256 => 32..=64,
            Self::Hmac384 => 48..=128,
            Self::Hmac512 => 64..=128,
        }
    }

    /// A new random key of [`HmacSpec::key_len`] bytes.
    pub fn generate(self) -> Secret {
        Secret::new(random_bytes(self.key_len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for spec in AsymmetricSpec::ALL {
            assert_eq!(AsymmetricSpec::from_name(spec.name()), Some(spec));
            assert_eq!(
                KeySpec::from_name(spec.name()).unwrap(),
                KeySpec::Asymmetric(spec)
            );
        }
        for spec in HmacSpec::ALL {
            assert_eq!(HmacSpec::from_name(spec.name()), Some(spec));
            assert_eq!(KeySpec::from_name(spec.name()).unwrap().name(), spec.name());
        }
        assert_eq!(
            KeySpec::from_name("SYMMETRIC_DEFAULT").unwrap(),
            KeySpec::SymmetricDefault
        );
    }

    #[test]
    fn sm2_and_unknown_names_are_named_in_the_error() {
        for name in [SM2, "RSA_1024", ""] {
            match KeySpec::from_name(name) {
                Err(CryptoError::UnsupportedKeySpec(n)) => assert_eq!(n, name),
                other => panic!("{name}: {other:?}"),
            }
        }
        assert_eq!(AsymmetricSpec::from_name(SM2), None);
    }

    #[test]
    fn hmac_key_lengths() {
        let lens: Vec<usize> = HmacSpec::ALL.iter().map(|s| s.key_len()).collect();
        assert_eq!(lens, [28, 32, 48, 64]);
        for spec in HmacSpec::ALL {
            assert_eq!(spec.generate().len(), spec.key_len());
            assert_eq!(*spec.importable_key_lengths().start(), spec.key_len());
        }
    }

    #[test]
    fn only_nist_curves_agree() {
        let agreeing: Vec<_> = AsymmetricSpec::ALL
            .into_iter()
            .filter(|s| s.agrees())
            .collect();
        assert_eq!(
            agreeing,
            [
                AsymmetricSpec::EccNistP256,
                AsymmetricSpec::EccNistP384,
                AsymmetricSpec::EccNistP521
            ]
        );
    }
}
