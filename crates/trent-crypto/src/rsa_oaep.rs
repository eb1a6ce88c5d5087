//! RSA-OAEP, the only asymmetric encryption AWS KMS offers: `RSAES_OAEP_SHA_1` and
//! `RSAES_OAEP_SHA_256`, each with MGF1 over the same hash and an empty label.
//!
//! Ciphertexts are raw OAEP output (the modulus length, no header), so that anyone holding the
//! public key from GetPublicKey can encrypt offline — with OpenSSL, for instance — and Decrypt in
//! Trent. The encryption and decryption themselves live on [`crate::PublicKey`] and
//! [`crate::PrivateKey`]; this module names the algorithms and their plaintext limits.
//!
//! PKCS#1 v1.5 *encryption* is deliberately not offered anywhere: its padding oracles
//! (Bleichenbacher, Marvin) are exactly what a network-reachable decryption service must not
//! have, and AWS does not offer it either.

use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OaepAlgorithm};

use crate::key_spec::AsymmetricSpec;

/// RSA-OAEP variants AWS offers (hash and MGF1 hash alike, empty label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OaepHash {
    /// `RSAES_OAEP_SHA_1`
    Sha1,
    /// `RSAES_OAEP_SHA_256`
    Sha256,
}

impl OaepHash {
    pub const ALL: [OaepHash; 2] = [Self::Sha1, Self::Sha256];

    /// AWS's `EncryptionAlgorithmSpec` name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "RSAES_OAEP_SHA_1",
            Self::Sha256 => "RSAES_OAEP_SHA_256",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.name() == name)
    }

    fn hash_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
        }
    }

    pub(crate) fn algorithm(self) -> &'static OaepAlgorithm {
        match self {
            Self::Sha1 => &OAEP_SHA1_MGF1SHA1,
            Self::Sha256 => &OAEP_SHA256_MGF1SHA256,
        }
    }

    /// The longest plaintext a key of `spec` encrypts: modulus − 2·hash − 2 bytes, which gives
    /// AWS's limits (RSA_2048: 214/190, RSA_3072: 342/318, RSA_4096: 470/446). `None` for
    /// specs that do not encrypt.
    pub fn max_plaintext(self, spec: AsymmetricSpec) -> Option<usize> {
        let modulus = spec.rsa_modulus_len()?;
        Some(modulus - 2 * self.hash_len() - 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_plaintext_limits() {
        use AsymmetricSpec::*;
        let table = [
            (Rsa2048, 214, 190),
            (Rsa3072, 342, 318),
            (Rsa4096, 470, 446),
        ];
        for (spec, sha1, sha256) in table {
            assert_eq!(OaepHash::Sha1.max_plaintext(spec), Some(sha1));
            assert_eq!(OaepHash::Sha256.max_plaintext(spec), Some(sha256));
        }
        assert_eq!(OaepHash::Sha256.max_plaintext(EccNistP256), None);
        for hash in OaepHash::ALL {
            assert_eq!(OaepHash::from_name(hash.name()), Some(hash));
        }
    }
}
