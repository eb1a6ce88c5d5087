//! ML-DSA with an external μ (`ML_DSA_SHAKE_256` with `MessageType: EXTERNAL_MU`).
//!
//! With EXTERNAL_MU the caller sends μ = SHAKE256(SHAKE256(pk, 64) ‖ 0x00 ‖ 0x00 ‖ M, 64), the
//! 64-byte message representative of FIPS 204 §6.2 (pure ML-DSA, empty context), and KMS signs
//! it without hashing. The signature is an ordinary ML-DSA signature of M. aws-lc-rs 1.19 signs
//! and verifies only whole messages, so this path uses RustCrypto's `ml-dsa`, which exposes
//! signing and verifying a precomputed μ. RAW messages stay on aws-lc.
//!
//! `ml-dsa` builds its key from the 32-byte seed. Keys Trent generates always carry it; a
//! private key imported in the "expanded only" PKCS#8 form has none, and EXTERNAL_MU with such
//! a key is [`CryptoError::UnsupportedAlgorithm`] (RAW still works).
//!
//! Signing is hedged (fresh randomness per signature, FIPS 204's default), like aws-lc's.

use ml_dsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ml_dsa::signature::rand_core::{TryCryptoRng, TryRng};
use ml_dsa::{ExpandedSigningKey, MlDsa44, MlDsa65, MlDsa87, MlDsaParams, Signature, VerifyingKey};

use crate::error::CryptoError;
use crate::key_spec::AsymmetricSpec;

/// Signs external μ values with one ML-DSA key.
pub(crate) enum MuSigner {
    MlDsa44(Box<ExpandedSigningKey<MlDsa44>>),
    MlDsa65(Box<ExpandedSigningKey<MlDsa65>>),
    MlDsa87(Box<ExpandedSigningKey<MlDsa87>>),
}

/// Verifies signatures of external μ values under one ML-DSA public key.
pub(crate) enum MuVerifier {
    MlDsa44(Box<VerifyingKey<MlDsa44>>),
    MlDsa65(Box<VerifyingKey<MlDsa65>>),
    MlDsa87(Box<VerifyingKey<MlDsa87>>),
}

impl MuSigner {
    /// From a seed-form PKCS#8 document (RFC 9881 `seed [0]`); `None` if it has no seed.
    pub(crate) fn from_pkcs8(spec: AsymmetricSpec, pkcs8: &[u8]) -> Option<MuSigner> {
        fn parse<P>(pkcs8: &[u8]) -> Option<Box<ExpandedSigningKey<P>>>
        where
            P: MlDsaParams,
            ExpandedSigningKey<P>: DecodePrivateKey,
        {
            ExpandedSigningKey::<P>::from_pkcs8_der(pkcs8)
                .ok()
                .map(Box::new)
        }
        Some(match spec {
            AsymmetricSpec::MlDsa44 => MuSigner::MlDsa44(parse(pkcs8)?),
            AsymmetricSpec::MlDsa65 => MuSigner::MlDsa65(parse(pkcs8)?),
            AsymmetricSpec::MlDsa87 => MuSigner::MlDsa87(parse(pkcs8)?),
            _ => return None,
        })
    }

    /// The ML-DSA signature of the 64-byte `mu`.
    pub(crate) fn sign(&self, mu: &[u8]) -> Result<Vec<u8>, CryptoError> {
        fn sign<P: MlDsaParams>(
            key: &ExpandedSigningKey<P>,
            mu: &[u8],
        ) -> Result<Vec<u8>, CryptoError> {
            let mu = mu.try_into().map_err(|_| CryptoError::ExternalMuLength)?;
            key.sign_mu_randomized(&mu, &mut SystemRng)
                .map(|signature| signature.encode().to_vec())
                .map_err(|_| CryptoError::Signing)
        }
        match self {
            MuSigner::MlDsa44(key) => sign(key, mu),
            MuSigner::MlDsa65(key) => sign(key, mu),
            MuSigner::MlDsa87(key) => sign(key, mu),
        }
    }
}

impl MuVerifier {
    /// From a DER SubjectPublicKeyInfo of `spec`.
    pub(crate) fn from_spki(spec: AsymmetricSpec, spki: &[u8]) -> Result<MuVerifier, CryptoError> {
        fn parse<P>(spki: &[u8]) -> Result<Box<VerifyingKey<P>>, CryptoError>
        where
            P: MlDsaParams,
            VerifyingKey<P>: DecodePublicKey,
        {
            VerifyingKey::<P>::from_public_key_der(spki)
                .map(Box::new)
                .map_err(|_| CryptoError::InvalidPublicKey)
        }
        Ok(match spec {
            AsymmetricSpec::MlDsa44 => MuVerifier::MlDsa44(parse(spki)?),
            AsymmetricSpec::MlDsa65 => MuVerifier::MlDsa65(parse(spki)?),
            AsymmetricSpec::MlDsa87 => MuVerifier::MlDsa87(parse(spki)?),
            _ => return Err(CryptoError::IncompatibleAlgorithm),
        })
    }

    /// Whether `signature` is an ML-DSA signature of the 64-byte `mu`.
    pub(crate) fn verify(&self, mu: &[u8], signature: &[u8]) -> bool {
        fn verify<P: MlDsaParams>(key: &VerifyingKey<P>, mu: &[u8], signature: &[u8]) -> bool {
            let (Ok(mu), Ok(signature)) = (mu.try_into(), Signature::<P>::try_from(signature))
            else {
                return false;
            };
            key.verify_mu(&mu, &signature)
        }
        match self {
            MuVerifier::MlDsa44(key) => verify(key, mu, signature),
            MuVerifier::MlDsa65(key) => verify(key, mu, signature),
            MuVerifier::MlDsa87(key) => verify(key, mu, signature),
        }
    }
}

/// The operating system's generator through aws-lc, as `ml-dsa` wants it.
struct SystemRng;

impl TryRng for SystemRng {
    type Error = aws_lc_rs::error::Unspecified;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        aws_lc_rs::rand::fill(dst)
    }
}

impl TryCryptoRng for SystemRng {}
