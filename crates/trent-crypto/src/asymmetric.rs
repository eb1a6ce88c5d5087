//! Asymmetric KMS keys — RSA, NIST and secp256k1 ECC, Ed25519, ML-DSA — and HMAC keys: their
//! generation, signatures, RSA-OAEP, ECDH and MACs, with the exact algorithms AWS KMS names.
//!
//! Private keys are stored (wrapped) as PKCS#8 and parsed once into a [`PrivateKey`] that the
//! core caches, so a request never re-parses key material. Everything here is standard
//! cryptography that verifies outside Trent: DER ECDSA signatures, PSS with salt = digest length,
//! raw OAEP ciphertexts, raw ECDH x-coordinates, RFC 2104 HMACs. PKCS#1 v1.5 *encryption* is not
//! offered anywhere (padding oracles); SM2 is not supported (no well-kept library).

use std::fmt;

use aws_lc_rs::agreement;
use aws_lc_rs::digest::{self, Digest};
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{
    self, KeySize, OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OaepPrivateDecryptingKey,
    OaepPublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
};
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, PqdsaKeyPair};

use crate::{CryptoError, Secret, random_bytes};

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

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|spec| spec.name() == name)
    }

    pub fn is_rsa(self) -> bool {
        matches!(self, Self::Rsa2048 | Self::Rsa3072 | Self::Rsa4096)
    }

    /// The signing algorithms a key of this spec offers, in AWS's order.
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

    /// Whether keys of this spec may have usage KEY_AGREEMENT (ECDH).
    pub fn agrees(self) -> bool {
        matches!(
            self,
            Self::EccNistP256 | Self::EccNistP384 | Self::EccNistP521
        )
    }

    /// RSA modulus length in bytes (the size of signatures and ciphertexts).
    fn rsa_bytes(self) -> Option<usize> {
        match self {
            Self::Rsa2048 => Some(256),
            Self::Rsa3072 => Some(384),
            Self::Rsa4096 => Some(512),
            _ => None,
        }
    }
}

/// AWS's signing algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningAlgorithm {
    RsassaPssSha256,
    RsassaPssSha384,
    RsassaPssSha512,
    RsassaPkcs1V15Sha256,
    RsassaPkcs1V15Sha384,
    RsassaPkcs1V15Sha512,
    EcdsaSha256,
    EcdsaSha384,
    EcdsaSha512,
    Ed25519Sha512,
    Ed25519PhSha512,
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

    /// The hash a DIGEST message must come from (`None`: the algorithm takes no digest).
    pub fn digest(self) -> Option<&'static digest::Algorithm> {
        match self {
            Self::RsassaPssSha256 | Self::RsassaPkcs1V15Sha256 | Self::EcdsaSha256 => {
                Some(&digest::SHA256)
            }
            Self::RsassaPssSha384 | Self::RsassaPkcs1V15Sha384 | Self::EcdsaSha384 => {
                Some(&digest::SHA384)
            }
            Self::RsassaPssSha512 | Self::RsassaPkcs1V15Sha512 | Self::EcdsaSha512 => {
                Some(&digest::SHA512)
            }
            Self::Ed25519Sha512 | Self::Ed25519PhSha512 | Self::MlDsaShake256 => None,
        }
    }

    fn rsa_padding(self) -> Option<&'static dyn signature::RsaEncoding> {
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

    fn rsa_verification(self) -> Option<&'static signature::RsaParameters> {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    /// The message itself; Trent hashes it with the algorithm's hash.
    Raw,
    /// A digest the caller computed with the algorithm's hash.
    Digest,
    /// ML-DSA's 64-byte μ (FIPS 204 external μ).
    ExternalMu,
}

/// RSA-OAEP variants AWS offers (hash and MGF1 hash alike, empty label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OaepHash {
    Sha1,
    Sha256,
}

impl OaepHash {
    fn algorithm(self) -> &'static rsa::OaepAlgorithm {
        match self {
            Self::Sha1 => &OAEP_SHA1_MGF1SHA1,
            Self::Sha256 => &OAEP_SHA256_MGF1SHA256,
        }
    }

    /// The longest plaintext a key of `spec` encrypts (AWS's limits: 214/190, 342/318, 470/446).
    pub fn max_plaintext(self, spec: AsymmetricSpec) -> Option<usize> {
        let modulus = spec.rsa_bytes()?;
        let hash = match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
        };
        Some(modulus - 2 * hash - 2)
    }
}

/// A parsed private key, ready for every request. `Debug` shows the spec only.
pub struct PrivateKey {
    spec: AsymmetricSpec,
    public_key: Vec<u8>,
    inner: Inner,
}

enum Inner {
    Rsa {
        signing: rsa::KeyPair,
        decrypting: OaepPrivateDecryptingKey,
    },
    Ecdsa {
        signing: EcdsaKeyPair,
        agreement: Option<agreement::PrivateKey>,
    },
    Ed25519(Ed25519KeyPair),
    MlDsa(PqdsaKeyPair),
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

fn ecdsa_signing(spec: AsymmetricSpec) -> Option<&'static signature::EcdsaSigningAlgorithm> {
    Some(match spec {
        AsymmetricSpec::EccNistP256 => &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        AsymmetricSpec::EccNistP384 => &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        AsymmetricSpec::EccNistP521 => &signature::ECDSA_P521_SHA512_ASN1_SIGNING,
        AsymmetricSpec::EccSecgP256k1 => &signature::ECDSA_P256K1_SHA256_ASN1_SIGNING,
        _ => return None,
    })
}

fn ecdsa_verification(
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

fn ecdh(spec: AsymmetricSpec) -> Option<&'static agreement::Algorithm> {
    Some(match spec {
        AsymmetricSpec::EccNistP256 => &agreement::ECDH_P256,
        AsymmetricSpec::EccNistP384 => &agreement::ECDH_P384,
        AsymmetricSpec::EccNistP521 => &agreement::ECDH_P521,
        _ => return None,
    })
}

fn ml_dsa(
    spec: AsymmetricSpec,
) -> Option<(
    &'static signature::PqdsaSigningAlgorithm,
    &'static signature::PqdsaVerificationAlgorithm,
)> {
    Some(match spec {
        AsymmetricSpec::MlDsa44 => (&signature::ML_DSA_44_SIGNING, &signature::ML_DSA_44),
        AsymmetricSpec::MlDsa65 => (&signature::ML_DSA_65_SIGNING, &signature::ML_DSA_65),
        AsymmetricSpec::MlDsa87 => (&signature::ML_DSA_87_SIGNING, &signature::ML_DSA_87),
        _ => return None,
    })
}

fn failed<E>(_: E) -> CryptoError {
    CryptoError::KeyGeneration
}

fn rejected<E>(_: E) -> CryptoError {
    CryptoError::InvalidKeyMaterial
}

/// A new private key of `spec`, as PKCS#8 DER.
pub fn generate_private_key(spec: AsymmetricSpec) -> Result<Secret, CryptoError> {
    let der: Vec<u8> = if let Some(size) = spec.rsa_bytes() {
        let size = match size {
            256 => KeySize::Rsa2048,
            384 => KeySize::Rsa3072,
            _ => KeySize::Rsa4096,
        };
        let key = rsa::KeyPair::generate(size).map_err(failed)?;
        let der: Pkcs8V1Der<'static> = key.as_der().map_err(failed)?;
        der.as_ref().to_vec()
    } else if let Some(alg) = ecdsa_signing(spec) {
        EcdsaKeyPair::generate(alg)
            .and_then(|k| k.to_pkcs8v1())
            .map_err(failed)?
            .as_ref()
            .to_vec()
    } else if spec == AsymmetricSpec::EccNistEdwards25519 {
        Ed25519KeyPair::generate()
            .and_then(|k| k.to_pkcs8v1())
            .map_err(failed)?
            .as_ref()
            .to_vec()
    } else if let Some((alg, _)) = ml_dsa(spec) {
        PqdsaKeyPair::generate(alg)
            .and_then(|k| k.to_pkcs8v1())
            .map_err(failed)?
            .as_ref()
            .to_vec()
    } else {
        return Err(CryptoError::KeyGeneration);
    };
    Ok(Secret::new(der))
}

impl PrivateKey {
    /// Parses PKCS#8 material of a key of `spec` (once; the result serves every request).
    pub fn from_pkcs8(spec: AsymmetricSpec, pkcs8: &[u8]) -> Result<PrivateKey, CryptoError> {
        let (public_key, inner) = if spec.is_rsa() {
            let signing = rsa::KeyPair::from_pkcs8(pkcs8).map_err(rejected)?;
            let decrypting = OaepPrivateDecryptingKey::new(
                PrivateDecryptingKey::from_pkcs8(pkcs8).map_err(rejected)?,
            )
            .map_err(rejected)?;
            let public: PublicKeyX509Der<'static> =
                signing.public_key().as_der().map_err(rejected)?;
            (
                public.as_ref().to_vec(),
                Inner::Rsa {
                    signing,
                    decrypting,
                },
            )
        } else if let Some(alg) = ecdsa_signing(spec) {
            let signing = EcdsaKeyPair::from_pkcs8(alg, pkcs8).map_err(rejected)?;
            let agreement = match ecdh(spec) {
                Some(alg) => Some(
                    agreement::PrivateKey::from_private_key_der(alg, pkcs8).map_err(rejected)?,
                ),
                None => None,
            };
            let public: PublicKeyX509Der<'static> =
                signing.public_key().as_der().map_err(rejected)?;
            (
                public.as_ref().to_vec(),
                Inner::Ecdsa { signing, agreement },
            )
        } else if spec == AsymmetricSpec::EccNistEdwards25519 {
            let key = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(rejected)?;
            let public: PublicKeyX509Der<'static> = key.public_key().as_der().map_err(rejected)?;
            (public.as_ref().to_vec(), Inner::Ed25519(key))
        } else if let Some((alg, _)) = ml_dsa(spec) {
            let key = PqdsaKeyPair::from_pkcs8(alg, pkcs8).map_err(rejected)?;
            let public: PublicKeyX509Der<'static> = key.public_key().as_der().map_err(rejected)?;
            (public.as_ref().to_vec(), Inner::MlDsa(key))
        } else {
            return Err(CryptoError::InvalidKeyMaterial);
        };
        Ok(PrivateKey {
            spec,
            public_key,
            inner,
        })
    }

    pub fn spec(&self) -> AsymmetricSpec {
        self.spec
    }

    /// The public key as DER SubjectPublicKeyInfo (what GetPublicKey returns).
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_key
    }

    /// Signs `message` (interpreted per `message_type`) with `algorithm`.
    pub fn sign(
        &self,
        algorithm: SigningAlgorithm,
        message_type: MessageType,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        check_message(algorithm, message_type, message)?;
        match (&self.inner, message_type) {
            (Inner::Rsa { signing, .. }, _) => {
                let padding = algorithm
                    .rsa_padding()
                    .ok_or(CryptoError::UnsupportedAlgorithm)?;
                let mut out = vec![0u8; signing.public_modulus_len()];
                match message_type {
                    MessageType::Raw => signing
                        .sign(padding, &SystemRandom::new(), message, &mut out)
                        .map_err(|_| CryptoError::Signing)?,
                    _ => signing
                        .sign_digest(padding, &imported_digest(algorithm, message)?, &mut out)
                        .map_err(|_| CryptoError::Signing)?,
                }
                Ok(out)
            }
            (Inner::Ecdsa { signing, .. }, MessageType::Raw) => signing
                .sign(&SystemRandom::new(), message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| CryptoError::Signing),
            (Inner::Ecdsa { signing, .. }, _) => signing
                .sign_digest(&imported_digest(algorithm, message)?)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| CryptoError::Signing),
            (Inner::Ed25519(key), MessageType::Raw) => Ok(key.sign(message).as_ref().to_vec()),
            (Inner::MlDsa(key), MessageType::Raw) => {
                let mut out = vec![0u8; key.algorithm().signature_len()];
                let len = key
                    .sign(message, &mut out)
                    .map_err(|_| CryptoError::Signing)?;
                out.truncate(len);
                Ok(out)
            }
            _ => Err(CryptoError::UnsupportedAlgorithm),
        }
    }

    /// Whether `signature` is valid for `message` under this key's public key.
    pub fn verify(
        &self,
        algorithm: SigningAlgorithm,
        message_type: MessageType,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, CryptoError> {
        verify_with_public_key(
            self.spec,
            &self.public_key,
            algorithm,
            message_type,
            message,
            signature,
        )
    }

    /// RSA-OAEP encryption with the public key (the raw OAEP ciphertext).
    pub fn encrypt(&self, hash: OaepHash, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let max = hash
            .max_plaintext(self.spec)
            .ok_or(CryptoError::UnsupportedAlgorithm)?;
        if plaintext.len() > max {
            return Err(CryptoError::PlaintextTooLong(max));
        }
        let public = OaepPublicEncryptingKey::new(
            PublicEncryptingKey::from_der(&self.public_key).map_err(rejected)?,
        )
        .map_err(rejected)?;
        let mut out = vec![0u8; public.ciphertext_size()];
        let written = public
            .encrypt(hash.algorithm(), plaintext, &mut out, None)
            .map_err(|_| CryptoError::Encryption)?
            .len();
        out.truncate(written);
        Ok(out)
    }

    /// RSA-OAEP decryption; any failure is the same error, so it reveals nothing.
    pub fn decrypt(&self, hash: OaepHash, ciphertext: &[u8]) -> Result<Secret, CryptoError> {
        let Inner::Rsa { decrypting, .. } = &self.inner else {
            return Err(CryptoError::UnsupportedAlgorithm);
        };
        let mut out = vec![0u8; decrypting.min_output_size()];
        let plaintext = decrypting
            .decrypt(hash.algorithm(), ciphertext, &mut out, None)
            .map_err(|_| CryptoError::Decryption)?
            .to_vec();
        zeroize::Zeroize::zeroize(&mut out);
        Ok(Secret::new(plaintext))
    }

    /// ECDH with a peer public key (DER SubjectPublicKeyInfo on the same curve): the raw shared
    /// x-coordinate.
    pub fn derive_shared_secret(&self, peer_spki: &[u8]) -> Result<Secret, CryptoError> {
        let Inner::Ecdsa {
            agreement: Some(private),
            ..
        } = &self.inner
        else {
            return Err(CryptoError::UnsupportedAlgorithm);
        };
        // Only a DER SubjectPublicKeyInfo (a SEQUENCE), as AWS requires.
        if peer_spki.first() != Some(&0x30) {
            return Err(CryptoError::InvalidPublicKey);
        }
        let peer = agreement::UnparsedPublicKey::new(private.algorithm(), peer_spki);
        agreement::agree(private, peer, CryptoError::InvalidPublicKey, |secret| {
            Ok(Secret::new(secret.to_vec()))
        })
    }
}

/// Checks the message against the algorithm and message type, as AWS does before signing.
fn check_message(
    algorithm: SigningAlgorithm,
    message_type: MessageType,
    message: &[u8],
) -> Result<(), CryptoError> {
    match (algorithm, message_type) {
        (SigningAlgorithm::Ed25519Sha512, MessageType::Raw) => Ok(()),
        (SigningAlgorithm::Ed25519Sha512, _) => Err(CryptoError::WrongMessageType),
        // Ed25519ph is not exposed by aws-lc-rs.
        (SigningAlgorithm::Ed25519PhSha512, _) => Err(CryptoError::UnsupportedAlgorithm),
        (SigningAlgorithm::MlDsaShake256, MessageType::Raw) => Ok(()),
        // External μ is not exposed by aws-lc-rs.
        (SigningAlgorithm::MlDsaShake256, MessageType::ExternalMu) => {
            Err(CryptoError::UnsupportedAlgorithm)
        }
        (SigningAlgorithm::MlDsaShake256, MessageType::Digest) => {
            Err(CryptoError::WrongMessageType)
        }
        (_, MessageType::ExternalMu) => Err(CryptoError::WrongMessageType),
        (_, MessageType::Raw) => Ok(()),
        (_, MessageType::Digest) => {
            let wanted = algorithm.digest().map(|d| d.output_len);
            if wanted == Some(message.len()) {
                Ok(())
            } else {
                Err(CryptoError::DigestLength)
            }
        }
    }
}

fn imported_digest(algorithm: SigningAlgorithm, digest: &[u8]) -> Result<Digest, CryptoError> {
    let hash = algorithm
        .digest()
        .ok_or(CryptoError::UnsupportedAlgorithm)?;
    Digest::import_less_safe(digest, hash).map_err(|_| CryptoError::DigestLength)
}

/// Verifies a signature with a public key alone (DER SubjectPublicKeyInfo), as anyone outside
/// Trent can.
pub fn verify_with_public_key(
    spec: AsymmetricSpec,
    public_spki: &[u8],
    algorithm: SigningAlgorithm,
    message_type: MessageType,
    message: &[u8],
    signature_bytes: &[u8],
) -> Result<bool, CryptoError> {
    check_message(algorithm, message_type, message)?;
    if !spec.signing_algorithms().contains(&algorithm) {
        return Err(CryptoError::UnsupportedAlgorithm);
    }
    let result = if spec.is_rsa() {
        let params = algorithm
            .rsa_verification()
            .ok_or(CryptoError::UnsupportedAlgorithm)?;
        let key = signature::ParsedPublicKey::new(params, public_spki).map_err(rejected)?;
        match message_type {
            MessageType::Raw => key.verify_sig(message, signature_bytes),
            _ => key.verify_digest_sig(&imported_digest(algorithm, message)?, signature_bytes),
        }
    } else if let Some(alg) = ecdsa_verification(spec) {
        let key = signature::ParsedPublicKey::new(alg, public_spki).map_err(rejected)?;
        match message_type {
            MessageType::Raw => key.verify_sig(message, signature_bytes),
            _ => key.verify_digest_sig(&imported_digest(algorithm, message)?, signature_bytes),
        }
    } else if spec == AsymmetricSpec::EccNistEdwards25519 {
        signature::ParsedPublicKey::new(&signature::ED25519, public_spki)
            .map_err(rejected)?
            .verify_sig(message, signature_bytes)
    } else if let Some((_, alg)) = ml_dsa(spec) {
        signature::ParsedPublicKey::new(alg, public_spki)
            .map_err(rejected)?
            .verify_sig(message, signature_bytes)
    } else {
        return Err(CryptoError::UnsupportedAlgorithm);
    };
    Ok(result.is_ok())
}

/// A new key pair of `spec` for GenerateDataKeyPair: (PKCS#8 private key, SPKI public key).
pub fn generate_key_pair(spec: AsymmetricSpec) -> Result<(Secret, Vec<u8>), CryptoError> {
    let private = generate_private_key(spec)?;
    let parsed = PrivateKey::from_pkcs8(spec, private.expose())?;
    let public = parsed.public_key_der().to_vec();
    Ok((private, public))
}

/// HMAC key specs and their single MAC algorithm each.
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

    /// The MAC algorithm name (`HMAC_SHA_256`, …).
    pub fn mac_algorithm(self) -> &'static str {
        match self {
            Self::Hmac224 => "HMAC_SHA_224",
            Self::Hmac256 => "HMAC_SHA_256",
            Self::Hmac384 => "HMAC_SHA_384",
            Self::Hmac512 => "HMAC_SHA_512",
        }
    }

    fn algorithm(self) -> hmac::Algorithm {
        match self {
            Self::Hmac224 => hmac::HMAC_SHA224,
            Self::Hmac256 => hmac::HMAC_SHA256,
            Self::Hmac384 => hmac::HMAC_SHA384,
            Self::Hmac512 => hmac::HMAC_SHA512,
        }
    }

    /// Generated key length: the hash's output length (28, 32, 48, 64 bytes).
    pub fn key_len(self) -> usize {
        match self {
            Self::Hmac224 => 28,
            Self::Hmac256 => 32,
            Self::Hmac384 => 48,
            Self::Hmac512 => 64,
        }
    }

    pub fn generate(self) -> Secret {
        Secret::new(random_bytes(self.key_len()))
    }
}

/// RFC 2104 HMAC of `message` under `key`.
pub fn mac(spec: HmacSpec, key: &[u8], message: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(spec.algorithm(), key), message)
        .as_ref()
        .to_vec()
}

/// Whether `tag` is the HMAC of `message` (constant time).
pub fn verify_mac(spec: HmacSpec, key: &[u8], message: &[u8], tag: &[u8]) -> bool {
    hmac::verify(&hmac::Key::new(spec.algorithm(), key), message, tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_generates_signs_and_verifies() {
        for spec in AsymmetricSpec::ALL {
            let pkcs8 = generate_private_key(spec).unwrap();
            let key = PrivateKey::from_pkcs8(spec, pkcs8.expose()).unwrap();
            assert_eq!(key.public_key_der()[0], 0x30, "{spec:?} SPKI");
            for &algorithm in spec.signing_algorithms() {
                if algorithm == SigningAlgorithm::Ed25519PhSha512 {
                    continue;
                }
                let signature = key.sign(algorithm, MessageType::Raw, b"message").unwrap();
                assert!(
                    key.verify(algorithm, MessageType::Raw, b"message", &signature)
                        .unwrap()
                );
                assert!(
                    !key.verify(algorithm, MessageType::Raw, b"messagf", &signature)
                        .unwrap()
                );
                if let Some(hash) = algorithm.digest() {
                    let digest = digest::digest(hash, b"message");
                    // A signature over the raw message verifies as a signature over its digest.
                    assert!(
                        key.verify(algorithm, MessageType::Digest, digest.as_ref(), &signature)
                            .unwrap()
                    );
                    let by_digest = key
                        .sign(algorithm, MessageType::Digest, digest.as_ref())
                        .unwrap();
                    assert!(
                        key.verify(algorithm, MessageType::Raw, b"message", &by_digest)
                            .unwrap()
                    );
                    assert!(matches!(
                        key.sign(algorithm, MessageType::Digest, b"short"),
                        Err(CryptoError::DigestLength)
                    ));
                }
            }
        }
    }

    #[test]
    fn oaep_round_trips_within_aws_limits() {
        let spec = AsymmetricSpec::Rsa2048;
        let key =
            PrivateKey::from_pkcs8(spec, generate_private_key(spec).unwrap().expose()).unwrap();
        assert_eq!(OaepHash::Sha1.max_plaintext(spec), Some(214));
        assert_eq!(OaepHash::Sha256.max_plaintext(spec), Some(190));
        assert_eq!(
            OaepHash::Sha256.max_plaintext(AsymmetricSpec::Rsa4096),
            Some(446)
        );
        for hash in [OaepHash::Sha1, OaepHash::Sha256] {
            let max = hash.max_plaintext(spec).unwrap();
            let ciphertext = key.encrypt(hash, &vec![7u8; max]).unwrap();
            assert_eq!(ciphertext.len(), 256);
            assert_eq!(
                key.decrypt(hash, &ciphertext).unwrap().expose(),
                vec![7u8; max]
            );
            assert!(matches!(
                key.encrypt(hash, &vec![7u8; max + 1]),
                Err(CryptoError::PlaintextTooLong(_))
            ));
        }
        let ciphertext = key.encrypt(OaepHash::Sha256, b"x").unwrap();
        assert!(key.decrypt(OaepHash::Sha1, &ciphertext).is_err());
    }

    #[test]
    fn ecdh_agrees_both_ways_and_refuses_other_curves() {
        let spec = AsymmetricSpec::EccNistP256;
        let a = PrivateKey::from_pkcs8(spec, generate_private_key(spec).unwrap().expose()).unwrap();
        let b = PrivateKey::from_pkcs8(spec, generate_private_key(spec).unwrap().expose()).unwrap();
        let ab = a.derive_shared_secret(b.public_key_der()).unwrap();
        let ba = b.derive_shared_secret(a.public_key_der()).unwrap();
        assert_eq!(ab.expose(), ba.expose());
        assert_eq!(ab.expose().len(), 32);
        let other = AsymmetricSpec::EccNistP384;
        let c =
            PrivateKey::from_pkcs8(other, generate_private_key(other).unwrap().expose()).unwrap();
        assert!(a.derive_shared_secret(c.public_key_der()).is_err());
        assert!(a.derive_shared_secret(b"garbage").is_err());
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let tag = mac(HmacSpec::Hmac256, b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(&tag),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify_mac(
            HmacSpec::Hmac256,
            b"Jefe",
            b"what do ya want for nothing?",
            &tag
        ));
        assert!(!verify_mac(
            HmacSpec::Hmac256,
            b"Jefe",
            b"what do ya want for nothing!",
            &tag
        ));
        assert_eq!(HmacSpec::Hmac224.generate().expose().len(), 28);
    }

    #[test]
    fn debug_shows_no_key_bytes() {
        let spec = AsymmetricSpec::EccNistP256;
        let key =
            PrivateKey::from_pkcs8(spec, generate_private_key(spec).unwrap().expose()).unwrap();
        assert_eq!(format!("{key:?}"), "PrivateKey { spec: EccNistP256, .. }");
    }
}
