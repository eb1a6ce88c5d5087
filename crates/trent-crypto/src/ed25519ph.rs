//! Ed25519ph (HashEdDSA, RFC 8032 §5.1, FIPS 186-5 §7.8) for `ED25519_PH_SHA_512`.
//!
//! aws-lc-rs 1.19 offers pure Ed25519 only (the C library has Ed25519ph, but reaching it would
//! take `unsafe` FFI, which this workspace forbids). So this one algorithm is computed by
//! `ed25519-dalek`, from the same seed aws-lc parsed; everything else about Ed25519 keys stays
//! on aws-lc.
//!
//! AWS semantics, from the Sign API reference: the algorithm takes `MessageType: DIGEST`, a
//! 64-byte SHA-512 digest, and KMS *still* applies the Ed25519ph pre-hash to it — the input is
//! hashed twice. So the digest bytes are the Ed25519ph message: `PH(M) = SHA-512(digest)`, with
//! an empty context. Such signatures verify with any standard Ed25519ph verifier given the
//! digest as the message.

use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ed25519_dalek::{Digest, Sha512, Signature, SigningKey, VerifyingKey};

use crate::error::CryptoError;

/// Signs Ed25519ph. Holds the dalek signing key (zeroized on drop by dalek).
pub(crate) struct PrehashSigner(SigningKey);

/// Verifies Ed25519ph.
pub(crate) struct PrehashVerifier(VerifyingKey);

fn prehash(message: &[u8]) -> Sha512 {
    let mut hash = Sha512::new();
    hash.update(message);
    hash
}

impl PrehashSigner {
    /// The key of an Ed25519 PKCS#8 document, whose public key must be `expected_public` (the
    /// raw 32 bytes aws-lc derived), so that both libraries sign with the same key.
    pub(crate) fn from_pkcs8(
        pkcs8: &[u8],
        expected_public: &[u8],
    ) -> Result<PrehashSigner, CryptoError> {
        let key = SigningKey::from_pkcs8_der(pkcs8).map_err(|_| CryptoError::InvalidKeyMaterial)?;
        if key.verifying_key().as_bytes().as_slice() != expected_public {
            return Err(CryptoError::InvalidKeyMaterial);
        }
        Ok(PrehashSigner(key))
    }

    /// Ed25519ph of `message` (for AWS: the caller's 64-byte digest), empty context.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.0
            .sign_prehashed(prehash(message), None)
            .map(|signature| signature.to_bytes().to_vec())
            .map_err(|_| CryptoError::Signing)
    }

    #[cfg(test)]
    fn verifier(&self) -> PrehashVerifier {
        PrehashVerifier(self.0.verifying_key())
    }
}

impl PrehashVerifier {
    /// From a DER SubjectPublicKeyInfo.
    pub(crate) fn from_spki(spki: &[u8]) -> Result<PrehashVerifier, CryptoError> {
        VerifyingKey::from_public_key_der(spki)
            .map(PrehashVerifier)
            .map_err(|_| CryptoError::InvalidPublicKey)
    }

    /// Whether `signature` is the Ed25519ph signature of `message` (strict: rejects small-order
    /// keys and non-canonical encodings, as aws-lc does for pure Ed25519).
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = Signature::from_slice(signature) else {
            return false;
        };
        self.0
            .verify_prehashed_strict(prehash(message), None, &signature)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8032 §7.3, test "abc": the only Ed25519ph vector of the RFC.
    #[test]
    fn rfc_8032_ed25519ph_vector() {
        let seed: [u8; 32] =
            hex::decode("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42")
                .unwrap()
                .try_into()
                .unwrap();
        let public = "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf";
        let expected = "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41\
                        31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406";
        let signer = PrehashSigner(SigningKey::from_bytes(&seed));
        assert_eq!(hex::encode(signer.0.verifying_key().as_bytes()), public);
        let signature = signer.sign(b"abc").unwrap();
        assert_eq!(hex::encode(&signature), expected);
        let verifier = signer.verifier();
        assert!(verifier.verify(b"abc", &signature));
        assert!(!verifier.verify(b"abd", &signature));
        assert!(!verifier.verify(b"abc", &signature[..63]));
        let mut tampered = signature.clone();
        tampered[10] ^= 1;
        assert!(!verifier.verify(b"abc", &tampered));
    }
}
