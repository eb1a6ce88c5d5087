//! HMAC keys: GenerateMac and VerifyMac with `HMAC_SHA_224/256/384/512` (RFC 2104 output, the
//! full hash length, no truncation).
//!
//! An [`HmacKey`] is built once from the key material and then reused: aws-lc precomputes the
//! padded inner and outer hash states, so a request costs two hash finalisations and nothing
//! else. Each HMAC key spec has exactly one algorithm; asking for another is
//! [`CryptoError::IncompatibleAlgorithm`] (AWS: `InvalidKeyUsageException`). Verification
//! compares in constant time and answers `false` for a wrong MAC of any length.

use std::fmt;

use aws_lc_rs::hmac;

use crate::error::CryptoError;
use crate::key_spec::HmacSpec;

/// AWS's MAC algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MacAlgorithm {
    HmacSha224,
    HmacSha256,
    HmacSha384,
    HmacSha512,
}

impl MacAlgorithm {
    pub const ALL: [MacAlgorithm; 4] = [
        Self::HmacSha224,
        Self::HmacSha256,
        Self::HmacSha384,
        Self::HmacSha512,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::HmacSha224 => "HMAC_SHA_224",
            Self::HmacSha256 => "HMAC_SHA_256",
            Self::HmacSha384 => "HMAC_SHA_384",
            Self::HmacSha512 => "HMAC_SHA_512",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Length of the MAC in bytes (28, 32, 48, 64).
    pub fn mac_len(self) -> usize {
        match self {
            Self::HmacSha224 => 28,
            Self::HmacSha256 => 32,
            Self::HmacSha384 => 48,
            Self::HmacSha512 => 64,
        }
    }

    fn aws_lc(self) -> hmac::Algorithm {
        match self {
            Self::HmacSha224 => hmac::HMAC_SHA224,
            Self::HmacSha256 => hmac::HMAC_SHA256,
            Self::HmacSha384 => hmac::HMAC_SHA384,
            Self::HmacSha512 => hmac::HMAC_SHA512,
        }
    }
}

/// A parsed HMAC key, ready for every request. `Debug` shows the spec only.
pub struct HmacKey {
    spec: HmacSpec,
    key: hmac::Key,
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacKey")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl HmacKey {
    /// An HMAC key of `spec` from its material, which must have a length AWS accepts for the
    /// spec ([`HmacSpec::importable_key_lengths`]; generated keys have
    /// [`HmacSpec::key_len`]). Other lengths are [`CryptoError::InvalidKey`].
    pub fn new(spec: HmacSpec, material: &[u8]) -> Result<HmacKey, CryptoError> {
        if !spec.importable_key_lengths().contains(&material.len()) {
            return Err(CryptoError::InvalidKey);
        }
        Ok(HmacKey {
            spec,
            key: hmac::Key::new(spec.algorithm().aws_lc(), material),
        })
    }

    pub fn spec(&self) -> HmacSpec {
        self.spec
    }

    fn check(&self, algorithm: MacAlgorithm) -> Result<(), CryptoError> {
        if algorithm == self.spec.algorithm() {
            Ok(())
        } else {
            Err(CryptoError::IncompatibleAlgorithm)
        }
    }

    /// GenerateMac: the HMAC of `message`.
    pub fn generate_mac(
        &self,
        algorithm: MacAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.check(algorithm)?;
        Ok(hmac::sign(&self.key, message).as_ref().to_vec())
    }

    /// VerifyMac: whether `mac` is the HMAC of `message` (constant-time comparison; a MAC of the
    /// wrong length is simply `false`).
    pub fn verify_mac(
        &self,
        algorithm: MacAlgorithm,
        message: &[u8],
        mac: &[u8],
    ) -> Result<bool, CryptoError> {
        self.check(algorithm)?;
        Ok(hmac::verify(&self.key, message, mac).is_ok())
    }
}

/// RFC 2104 HMAC of `message` under `key` (any key length), with the spec's algorithm.
///
/// For request paths prefer a cached [`HmacKey`].
pub fn mac(spec: HmacSpec, key: &[u8], message: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(spec.algorithm().aws_lc(), key), message)
        .as_ref()
        .to_vec()
}

/// Whether `tag` is the HMAC of `message` under `key` (constant time).
pub fn verify_mac(spec: HmacSpec, key: &[u8], message: &[u8], tag: &[u8]) -> bool {
    hmac::verify(
        &hmac::Key::new(spec.algorithm().aws_lc(), key),
        message,
        tag,
    )
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    const DATA: &[u8] = b"what do ya want for nothing?";

    #[test]
    fn rfc_4231_case_2_through_both_apis() {
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        let tag = mac(HmacSpec::Hmac256, b"Jefe", DATA);
        assert_eq!(hex::encode(&tag), expected);
        assert!(verify_mac(HmacSpec::Hmac256, b"Jefe", DATA, &tag));
        assert!(!verify_mac(
            HmacSpec::Hmac256,
            b"Jefe",
            b"what do ya want for nothing!",
            &tag
        ));
        // "Jefe" is too short to be an HMAC_256 key in KMS.
        assert!(matches!(
            HmacKey::new(HmacSpec::Hmac256, b"Jefe"),
            Err(CryptoError::InvalidKey)
        ));
    }

    #[test]
    fn algorithm_must_match_the_spec() {
        for spec in HmacSpec::ALL {
            let material = spec.generate();
            let key = HmacKey::new(spec, material.expose()).unwrap();
            let tag = key.generate_mac(spec.algorithm(), b"m").unwrap();
            assert_eq!(tag.len(), spec.algorithm().mac_len());
            assert_eq!(tag, mac(spec, material.expose(), b"m"));
            assert!(key.verify_mac(spec.algorithm(), b"m", &tag).unwrap());
            assert!(!key.verify_mac(spec.algorithm(), b"n", &tag).unwrap());
            assert!(!key.verify_mac(spec.algorithm(), b"m", &tag[1..]).unwrap());
            assert!(!key.verify_mac(spec.algorithm(), b"m", &[]).unwrap());
            for other in MacAlgorithm::ALL {
                if other != spec.algorithm() {
                    assert!(matches!(
                        key.generate_mac(other, b"m"),
                        Err(CryptoError::IncompatibleAlgorithm)
                    ));
                    assert!(matches!(
                        key.verify_mac(other, b"m", &tag),
                        Err(CryptoError::IncompatibleAlgorithm)
                    ));
                }
            }
        }
    }

    #[test]
    fn key_lengths_follow_aws_import_rules() {
        let spec = HmacSpec::Hmac384;
        assert!(HmacKey::new(spec, &[1; 47]).is_err());
        assert!(HmacKey::new(spec, &[1; 48]).is_ok());
        assert!(HmacKey::new(spec, &[1; 128]).is_ok());
        assert!(HmacKey::new(spec, &[1; 129]).is_err());
        let key = HmacKey::new(spec, &[0xAB; 48]).unwrap();
        assert_eq!(format!("{key:?}"), "HmacKey { spec: Hmac384, .. }");
    }
}
