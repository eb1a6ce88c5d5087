//! [`PublicKey`]: the public half of an asymmetric KMS key, parsed once from its DER
//! SubjectPublicKeyInfo (what GetPublicKey returns) and reused for every Verify and Encrypt.
//!
//! Verification and RSA-OAEP encryption need only the public key, so they live here;
//! [`crate::PrivateKey`] holds one of these and delegates to it. That also makes the answer of
//! Trent's Verify exactly the answer of anyone verifying offline with the exported key.
//!
//! A signature that does not verify is `Ok(false)`, never an error: errors are reserved for
//! requests AWS rejects before verifying (wrong algorithm, wrong message type, wrong digest
//! length), so the core can answer `KMSInvalidSignatureException` only for the former.

use std::fmt;
use std::sync::OnceLock;

use aws_lc_rs::rsa::{OaepPublicEncryptingKey, PublicEncryptingKey};
use aws_lc_rs::signature::{self, ParsedPublicKey};

use crate::ed25519ph::PrehashVerifier;
use crate::error::CryptoError;
use crate::key_spec::AsymmetricSpec;
use crate::ml_dsa_mu::MuVerifier;
use crate::rsa_oaep::OaepHash;
use crate::signing::{MessageType, SigningAlgorithm, check_message, imported_digest};
use crate::spki::has_allowed_algorithm;

/// A parsed public key of a known spec. `Debug` shows the spec only.
pub struct PublicKey {
    spec: AsymmetricSpec,
    der: Vec<u8>,
    verifier: Verifier,
}

/// aws-lc binds a parsed key to one verification algorithm, hence one per RSA algorithm.
enum Verifier {
    Rsa {
        by_algorithm: Vec<(SigningAlgorithm, ParsedPublicKey)>,
        encrypting: OaepPublicEncryptingKey,
    },
    Ecdsa(ParsedPublicKey),
    Ed25519 {
        pure: ParsedPublicKey,
        prehash: PrehashVerifier,
    },
    MlDsa {
        pure: ParsedPublicKey,
        /// Built on the first EXTERNAL_MU verification: a few dozen KiB per key that most keys
        /// never need.
        mu: OnceLock<Option<MuVerifier>>,
    },
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

pub(crate) fn ecdsa_verification(
    spec: AsymmetricSpec,
) -> Option<&'static signature::EcdsaVerificationAlgorithm> {
    Some(match spec {
        AsymmetricSpec::EccNistP256 => &signature::ECDSA_P256_SHA256_ASN1,
        AsymmetricSpec::EccNistP384 => &signature::ECDSA_P384_SHA384_ASN1,
        AsymmetricSpec::EccNistP521 => &signature::ECDSA_P521_SHA512_ASN1,
        AsymmetricSpec::EccSecgP256k1 => &signature::ECDSA_P256K1_SHA256_ASN1,
        _ => return None,
    })
}

pub(crate) fn ml_dsa_verification(
    spec: AsymmetricSpec,
) -> Option<&'static signature::PqdsaVerificationAlgorithm> {
    Some(match spec {
        AsymmetricSpec::MlDsa44 => &signature::ML_DSA_44,
        AsymmetricSpec::MlDsa65 => &signature::ML_DSA_65,
        AsymmetricSpec::MlDsa87 => &signature::ML_DSA_87,
        _ => return None,
    })
}

fn parsed(
    algorithm: &'static dyn signature::VerificationAlgorithm,
    der: &[u8],
) -> Result<ParsedPublicKey, CryptoError> {
    ParsedPublicKey::new(algorithm, der).map_err(|_| CryptoError::InvalidPublicKey)
}

impl PublicKey {
    /// Parses a DER SubjectPublicKeyInfo of a key of `spec`. Anything else — another
    /// encoding, another curve or algorithm, an RSA key of another size, garbage — is
    /// [`CryptoError::InvalidPublicKey`].
    pub fn from_spki(spec: AsymmetricSpec, der: &[u8]) -> Result<PublicKey, CryptoError> {
        // aws-lc also accepts raw key encodings and more parameters than AWS uses; AWS
        // exchanges only plain SPKI.
        if !has_allowed_algorithm(spec, der) {
            return Err(CryptoError::InvalidPublicKey);
        }
        let verifier = if let Some(modulus_len) = spec.rsa_modulus_len() {
            let encrypting = PublicEncryptingKey::from_der(der)
                .map_err(|_| CryptoError::InvalidPublicKey)
                .and_then(|key| {
                    OaepPublicEncryptingKey::new(key).map_err(|_| CryptoError::InvalidPublicKey)
                })?;
            if encrypting.key_size_bytes() != modulus_len {
                return Err(CryptoError::InvalidPublicKey);
            }
            let mut by_algorithm = Vec::with_capacity(spec.signing_algorithms().len());
            for &algorithm in spec.signing_algorithms() {
                let params = algorithm
                    .rsa_verification()
                    .ok_or(CryptoError::IncompatibleAlgorithm)?;
                by_algorithm.push((algorithm, parsed(params, der)?));
            }
            Verifier::Rsa {
                by_algorithm,
                encrypting,
            }
        } else if let Some(algorithm) = ecdsa_verification(spec) {
            Verifier::Ecdsa(parsed(algorithm, der)?)
        } else if spec == AsymmetricSpec::EccNistEdwards25519 {
            Verifier::Ed25519 {
                pure: parsed(&signature::ED25519, der)?,
                prehash: PrehashVerifier::from_spki(der)?,
            }
        } else if let Some(algorithm) = ml_dsa_verification(spec) {
            Verifier::MlDsa {
                pure: parsed(algorithm, der)?,
                mu: OnceLock::new(),
            }
        } else {
            return Err(CryptoError::InvalidPublicKey);
        };
        Ok(PublicKey {
            spec,
            der: der.to_vec(),
            verifier,
        })
    }

    pub fn spec(&self) -> AsymmetricSpec {
        self.spec
    }

    /// The key as DER SubjectPublicKeyInfo (what GetPublicKey returns).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// [`CryptoError::IncompatibleAlgorithm`] unless `algorithm` is one of the spec's.
    pub(crate) fn check_algorithm(&self, algorithm: SigningAlgorithm) -> Result<(), CryptoError> {
        if self.spec.signing_algorithms().contains(&algorithm) {
            Ok(())
        } else {
            Err(CryptoError::IncompatibleAlgorithm)
        }
    }

    /// Verify: whether `signature` is valid for `message` (interpreted per `message_type`).
    ///
    /// Errors, checked in AWS's order: [`CryptoError::IncompatibleAlgorithm`], then
    /// [`CryptoError::WrongMessageType`], [`CryptoError::DigestLength`] or
    /// [`CryptoError::ExternalMuLength`]. An invalid signature — of any length or content — is
    /// `Ok(false)`.
    pub fn verify(
        &self,
        algorithm: SigningAlgorithm,
        message_type: MessageType,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, CryptoError> {
        self.check_algorithm(algorithm)?;
        check_message(algorithm, message_type, message)?;
        let result = match (&self.verifier, message_type) {
            (Verifier::Rsa { by_algorithm, .. }, _) => {
                let key = by_algorithm
                    .iter()
                    .find(|(a, _)| *a == algorithm)
                    .map(|(_, key)| key)
                    .ok_or(CryptoError::IncompatibleAlgorithm)?;
                if message_type == MessageType::Digest {
                    key.verify_digest_sig(&imported_digest(algorithm, message)?, signature)
                        .is_ok()
                } else {
                    key.verify_sig(message, signature).is_ok()
                }
            }
            (Verifier::Ecdsa(key), MessageType::Digest) => key
                .verify_digest_sig(&imported_digest(algorithm, message)?, signature)
                .is_ok(),
            (Verifier::Ecdsa(key), _) => key.verify_sig(message, signature).is_ok(),
            (Verifier::Ed25519 { pure, .. }, MessageType::Raw) => {
                pure.verify_sig(message, signature).is_ok()
            }
            (Verifier::Ed25519 { prehash, .. }, _) => prehash.verify(message, signature),
            (Verifier::MlDsa { pure, .. }, MessageType::Raw) => {
                pure.verify_sig(message, signature).is_ok()
            }
            (Verifier::MlDsa { mu, .. }, _) => mu
                .get_or_init(|| MuVerifier::from_spki(self.spec, &self.der).ok())
                .as_ref()
                .ok_or(CryptoError::InvalidPublicKey)?
                .verify(message, signature),
        };
        Ok(result)
    }

    /// RSA-OAEP encryption (raw OAEP ciphertext, the modulus length). Errors:
    /// [`CryptoError::IncompatibleAlgorithm`] for keys that are not RSA,
    /// [`CryptoError::PlaintextTooLong`] with AWS's limit ([`OaepHash::max_plaintext`]).
    pub fn encrypt(&self, hash: OaepHash, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let Verifier::Rsa { encrypting, .. } = &self.verifier else {
            return Err(CryptoError::IncompatibleAlgorithm);
        };
        let max = hash
            .max_plaintext(self.spec)
            .ok_or(CryptoError::IncompatibleAlgorithm)?;
        if plaintext.len() > max {
            return Err(CryptoError::PlaintextTooLong(max));
        }
        let mut out = vec![0u8; encrypting.ciphertext_size()];
        let written = encrypting
            .encrypt(hash.algorithm(), plaintext, &mut out, None)
            .map_err(|_| CryptoError::Encryption)?
            .len();
        out.truncate(written);
        Ok(out)
    }
}

/// Verifies a signature with a public key alone (DER SubjectPublicKeyInfo), as anyone outside
/// Trent can. Parses the key on every call; keep a [`PublicKey`] to verify repeatedly.
pub fn verify_with_public_key(
    spec: AsymmetricSpec,
    public_spki: &[u8],
    algorithm: SigningAlgorithm,
    message_type: MessageType,
    message: &[u8],
    signature: &[u8],
) -> Result<bool, CryptoError> {
    PublicKey::from_spki(spec, public_spki)?.verify(algorithm, message_type, message, signature)
}
