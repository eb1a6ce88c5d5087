//! [`PrivateKey`]: the private half of an asymmetric KMS key, parsed once from PKCS#8 and then
//! reused for every Sign, Decrypt and DeriveSharedSecret; and the generation of new private keys.
//!
//! Private key material is stored (wrapped) as PKCS#8 DER — the format AWS imports and returns
//! for data key pairs. Parsing it costs far more than using it (an RSA-4096 key check takes
//! milliseconds), so `trent-core` builds a `PrivateKey` when it loads a key version and keeps it
//! in its cache; nothing here re-parses per request. A `PrivateKey` is `Send + Sync`, its
//! `Debug` shows the spec only, and the libraries underneath zeroize their key memory on drop.
//!
//! Everything runs on aws-lc except two algorithms it does not expose, which use the same key
//! through a second library: Ed25519ph (module `ed25519ph`, `ed25519-dalek`) and ML-DSA
//! external μ (module `ml_dsa_mu`, `ml-dsa`). The RSA private-key operations are aws-lc's
//! (constant-time, blinded); the `rsa` crate is never used for them (Marvin, RUSTSEC-2023-0071).

use std::fmt;
use std::sync::OnceLock;

use aws_lc_rs::agreement;
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{self, KeySize, OaepPrivateDecryptingKey, PrivateDecryptingKey};
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, PqdsaKeyPair};
use zeroize::Zeroizing;

use crate::ecdh;
use crate::ed25519ph::PrehashSigner;
use crate::error::CryptoError;
use crate::key_spec::AsymmetricSpec;
use crate::ml_dsa_mu::MuSigner;
use crate::public_key::PublicKey;
use crate::rsa_oaep::OaepHash;
use crate::secret::Secret;
use crate::signing::{MessageType, SigningAlgorithm, check_message, imported_digest};

/// A parsed private key, ready for every request. `Debug` shows the spec only.
pub struct PrivateKey {
    public: PublicKey,
    signer: Signer,
}

enum Signer {
    Rsa {
        signing: rsa::KeyPair,
        decrypting: OaepPrivateDecryptingKey,
    },
    Ecdsa {
        signing: EcdsaKeyPair,
        /// Only for the curves AWS allows KEY_AGREEMENT on.
        agreement: Option<agreement::PrivateKey>,
    },
    Ed25519 {
        pure: Ed25519KeyPair,
        prehash: Box<PrehashSigner>,
    },
    MlDsa {
        pure: PqdsaKeyPair,
        /// Built on the first EXTERNAL_MU request; `None` if the key has no seed.
        mu: OnceLock<Option<MuSigner>>,
    },
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("spec", &self.public.spec())
            .finish_non_exhaustive()
    }
}

pub(crate) fn ecdsa_signing(
    spec: AsymmetricSpec,
) -> Option<&'static signature::EcdsaSigningAlgorithm> {
    Some(match spec {
        AsymmetricSpec::EccNistP256 => &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        AsymmetricSpec::EccNistP384 => &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        AsymmetricSpec::EccNistP521 => &signature::ECDSA_P521_SHA512_ASN1_SIGNING,
        AsymmetricSpec::EccSecgP256k1 => &signature::ECDSA_P256K1_SHA256_ASN1_SIGNING,
        _ => return None,
    })
}

fn ml_dsa_signing(spec: AsymmetricSpec) -> Option<&'static signature::PqdsaSigningAlgorithm> {
    Some(match spec {
        AsymmetricSpec::MlDsa44 => &signature::ML_DSA_44_SIGNING,
        AsymmetricSpec::MlDsa65 => &signature::ML_DSA_65_SIGNING,
        AsymmetricSpec::MlDsa87 => &signature::ML_DSA_87_SIGNING,
        _ => return None,
    })
}

fn rsa_key_size(spec: AsymmetricSpec) -> Option<KeySize> {
    match spec {
        AsymmetricSpec::Rsa2048 => Some(KeySize::Rsa2048),
        AsymmetricSpec::Rsa3072 => Some(KeySize::Rsa3072),
        AsymmetricSpec::Rsa4096 => Some(KeySize::Rsa4096),
        _ => None,
    }
}

fn rejected<E>(_: E) -> CryptoError {
    CryptoError::InvalidKeyMaterial
}

fn failed<E>(_: E) -> CryptoError {
    CryptoError::KeyGeneration
}

fn spki<K: AsDer<PublicKeyX509Der<'static>>>(key: &K) -> Result<Vec<u8>, CryptoError> {
    key.as_der()
        .map(|der| der.as_ref().to_vec())
        .map_err(rejected)
}

impl PrivateKey {
    /// Parses PKCS#8 material of a key of `spec` (once; the result serves every request).
    ///
    /// Material of another kind, curve or RSA size than `spec` says is
    /// [`CryptoError::InvalidKeyMaterial`], as is anything unparsable.
    pub fn from_pkcs8(spec: AsymmetricSpec, pkcs8: &[u8]) -> Result<PrivateKey, CryptoError> {
        let (signer, public_der) = if let Some(modulus_len) = spec.rsa_modulus_len() {
            let signing = rsa::KeyPair::from_pkcs8(pkcs8).map_err(rejected)?;
            if signing.public_modulus_len() != modulus_len {
                return Err(CryptoError::InvalidKeyMaterial);
            }
            let decrypting = PrivateDecryptingKey::from_pkcs8(pkcs8)
                .map_err(rejected)
                .and_then(|key| OaepPrivateDecryptingKey::new(key).map_err(rejected))?;
            let public = spki(signing.public_key())?;
            (
                Signer::Rsa {
                    signing,
                    decrypting,
                },
                public,
            )
        } else if let Some(algorithm) = ecdsa_signing(spec) {
            let signing = EcdsaKeyPair::from_pkcs8(algorithm, pkcs8).map_err(rejected)?;
            let agreement = match ecdh::ecdh_algorithm(spec) {
                Some(algorithm) => Some(
                    agreement::PrivateKey::from_private_key_der(algorithm, pkcs8)
                        .map_err(rejected)?,
                ),
                None => None,
            };
            let public = spki(signing.public_key())?;
            (Signer::Ecdsa { signing, agreement }, public)
        } else if spec == AsymmetricSpec::EccNistEdwards25519 {
            let pure = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(rejected)?;
            let prehash = Box::new(PrehashSigner::from_pkcs8(
                pkcs8,
                pure.public_key().as_ref(),
            )?);
            let public = spki(pure.public_key())?;
            (Signer::Ed25519 { pure, prehash }, public)
        } else if let Some(algorithm) = ml_dsa_signing(spec) {
            let pure = PqdsaKeyPair::from_pkcs8(algorithm, pkcs8).map_err(rejected)?;
            let public = spki(pure.public_key())?;
            let mu = OnceLock::new();
            (Signer::MlDsa { pure, mu }, public)
        } else {
            return Err(CryptoError::InvalidKeyMaterial);
        };
        let public = PublicKey::from_spki(spec, &public_der).map_err(rejected)?;
        Ok(PrivateKey { public, signer })
    }

    pub fn spec(&self) -> AsymmetricSpec {
        self.public.spec()
    }

    /// The public half, for Verify and Encrypt.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The public key as DER SubjectPublicKeyInfo (what GetPublicKey returns).
    pub fn public_key_der(&self) -> &[u8] {
        self.public.der()
    }

    /// Sign: the signature of `message` (interpreted per `message_type`) with `algorithm`.
    ///
    /// Signatures are what AWS returns: RSA the modulus length, ECDSA DER, Ed25519 64 bytes,
    /// ML-DSA 2420/3309/4627 bytes. Errors, in AWS's order:
    /// [`CryptoError::IncompatibleAlgorithm`], then [`CryptoError::WrongMessageType`],
    /// [`CryptoError::DigestLength`] or [`CryptoError::ExternalMuLength`].
    pub fn sign(
        &self,
        algorithm: SigningAlgorithm,
        message_type: MessageType,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.public.check_algorithm(algorithm)?;
        check_message(algorithm, message_type, message)?;
        let digest = || imported_digest(algorithm, message);
        match (&self.signer, message_type) {
            (Signer::Rsa { signing, .. }, _) => {
                let padding = algorithm
                    .rsa_padding()
                    .ok_or(CryptoError::IncompatibleAlgorithm)?;
                let mut out = vec![0u8; signing.public_modulus_len()];
                let signed = if message_type == MessageType::Digest {
                    signing.sign_digest(padding, &digest()?, &mut out)
                } else {
                    signing.sign(padding, &SystemRandom::new(), message, &mut out)
                };
                signed.map_err(|_| CryptoError::Signing)?;
                Ok(out)
            }
            (Signer::Ecdsa { signing, .. }, MessageType::Digest) => signing
                .sign_digest(&digest()?)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| CryptoError::Signing),
            (Signer::Ecdsa { signing, .. }, _) => signing
                .sign(&SystemRandom::new(), message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| CryptoError::Signing),
            (Signer::Ed25519 { pure, .. }, MessageType::Raw) => pure
                .try_sign(message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| CryptoError::Signing),
            (Signer::Ed25519 { prehash, .. }, _) => prehash.sign(message),
            (Signer::MlDsa { pure, .. }, MessageType::Raw) => {
                let mut out = vec![0u8; pure.algorithm().signature_len()];
                let len = pure
                    .sign(message, &mut out)
                    .map_err(|_| CryptoError::Signing)?;
                out.truncate(len);
                Ok(out)
            }
            (Signer::MlDsa { pure, mu }, _) => mu
                .get_or_init(|| {
                    // aws-lc serializes the seed form (and fails for keys without a seed).
                    let pkcs8 = pure.to_pkcs8v1().ok()?;
                    MuSigner::from_pkcs8(self.spec(), pkcs8.as_ref())
                })
                .as_ref()
                .ok_or(CryptoError::UnsupportedAlgorithm)?
                .sign(message),
        }
    }

    /// Verify with this key's public half (see [`PublicKey::verify`]).
    pub fn verify(
        &self,
        algorithm: SigningAlgorithm,
        message_type: MessageType,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, CryptoError> {
        self.public
            .verify(algorithm, message_type, message, signature)
    }

    /// RSA-OAEP encryption with the public half (see [`PublicKey::encrypt`]).
    pub fn encrypt(&self, hash: OaepHash, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.public.encrypt(hash, plaintext)
    }

    /// RSA-OAEP decryption of a raw OAEP ciphertext (ours or anyone's made with the public
    /// key). Every failure is the same [`CryptoError::Decryption`]: no padding oracle.
    /// [`CryptoError::IncompatibleAlgorithm`] for keys that are not RSA.
    pub fn decrypt(&self, hash: OaepHash, ciphertext: &[u8]) -> Result<Secret, CryptoError> {
        let Signer::Rsa { decrypting, .. } = &self.signer else {
            return Err(CryptoError::IncompatibleAlgorithm);
        };
        let mut out = Zeroizing::new(vec![0u8; decrypting.min_output_size()]);
        let plaintext = decrypting
            .decrypt(hash.algorithm(), ciphertext, &mut out, None)
            .map_err(|_| CryptoError::Decryption)?;
        Ok(Secret::from_slice(plaintext))
    }

    /// DeriveSharedSecret (ECDH): the raw shared x-coordinate with a peer public key given as
    /// DER SubjectPublicKeyInfo on the same curve. [`CryptoError::IncompatibleAlgorithm`] for
    /// specs without key agreement, [`CryptoError::InvalidPublicKey`] for an unusable peer key.
    pub fn derive_shared_secret(&self, peer_spki: &[u8]) -> Result<Secret, CryptoError> {
        let Signer::Ecdsa {
            agreement: Some(private),
            ..
        } = &self.signer
        else {
            return Err(CryptoError::IncompatibleAlgorithm);
        };
        ecdh::derive(self.spec(), private, peer_spki)
    }
}

/// A new private key of `spec`, as PKCS#8 DER.
pub fn generate_private_key(spec: AsymmetricSpec) -> Result<Secret, CryptoError> {
    generate_pkcs8_and_spki(spec).map(|(private, _)| private)
}

/// A new key of `spec`: (PKCS#8 DER private key, DER SubjectPublicKeyInfo).
///
/// PKCS#8 forms: RSA and ECC as OpenSSL writes them (v1), Ed25519 v1 (seed only), ML-DSA the
/// RFC 9881 seed form. All load in OpenSSL and Python `cryptography`.
pub(crate) fn generate_pkcs8_and_spki(
    spec: AsymmetricSpec,
) -> Result<(Secret, Vec<u8>), CryptoError> {
    if let Some(size) = rsa_key_size(spec) {
        let key = rsa::KeyPair::generate(size).map_err(failed)?;
        let private: Pkcs8V1Der<'static> = key.as_der().map_err(failed)?;
        Ok((
            Secret::from_slice(private.as_ref()),
            spki(key.public_key())?,
        ))
    } else if let Some(algorithm) = ecdsa_signing(spec) {
        let key = EcdsaKeyPair::generate(algorithm).map_err(failed)?;
        let private = key.to_pkcs8v1().map_err(failed)?;
        Ok((
            Secret::from_slice(private.as_ref()),
            spki(key.public_key())?,
        ))
    } else if spec == AsymmetricSpec::EccNistEdwards25519 {
        let key = Ed25519KeyPair::generate().map_err(failed)?;
        let private = key.to_pkcs8v1().map_err(failed)?;
        Ok((
            Secret::from_slice(private.as_ref()),
            spki(key.public_key())?,
        ))
    } else if let Some(algorithm) = ml_dsa_signing(spec) {
        let key = PqdsaKeyPair::generate(algorithm).map_err(failed)?;
        let private = key.to_pkcs8v1().map_err(failed)?;
        Ok((
            Secret::from_slice(private.as_ref()),
            spki(key.public_key())?,
        ))
    } else {
        Err(CryptoError::KeyGeneration)
    }
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::digest;

    use super::*;

    fn new_key(spec: AsymmetricSpec) -> PrivateKey {
        PrivateKey::from_pkcs8(spec, generate_private_key(spec).unwrap().expose()).unwrap()
    }

    #[test]
    fn private_and_public_keys_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<PrivateKey>();
        assert_send_sync::<PublicKey>();
        assert_send_sync::<crate::HmacKey>();
    }

    #[test]
    fn every_algorithm_of_every_spec_signs_and_verifies() {
        for spec in AsymmetricSpec::ALL {
            let key = new_key(spec);
            assert_eq!(key.spec(), spec);
            assert_eq!(key.public_key_der()[0], 0x30, "{spec:?} SPKI");
            for &algorithm in spec.signing_algorithms() {
                for &message_type in algorithm.message_types() {
                    let message: Vec<u8> = match message_type {
                        MessageType::Raw => b"message".to_vec(),
                        MessageType::Digest => {
                            digest::digest(algorithm.digest().unwrap(), b"message")
                                .as_ref()
                                .to_vec()
                        }
                        MessageType::ExternalMu => vec![7u8; 64],
                    };
                    let signature = key.sign(algorithm, message_type, &message).unwrap();
                    let verify = |m: &[u8], s: &[u8]| key.verify(algorithm, message_type, m, s);
                    assert!(verify(&message, &signature).unwrap(), "{algorithm:?}");
                    let mut other = message.clone();
                    other[0] ^= 1;
                    assert!(!verify(&other, &signature).unwrap(), "{algorithm:?}");
                    let mut tampered = signature.clone();
                    let last = tampered.len() - 1;
                    tampered[last] ^= 0x40;
                    assert!(!verify(&message, &tampered).unwrap(), "{algorithm:?}");
                    assert!(!verify(&message, &[]).unwrap());
                    assert!(!verify(&message, &signature[..signature.len() - 1]).unwrap());
                }
            }
        }
    }

    #[test]
    fn digest_and_raw_signatures_are_interchangeable_where_aws_says_so() {
        for spec in [
            AsymmetricSpec::Rsa2048,
            AsymmetricSpec::EccNistP256,
            AsymmetricSpec::EccNistP384,
            AsymmetricSpec::EccNistP521,
            AsymmetricSpec::EccSecgP256k1,
        ] {
            let key = new_key(spec);
            for &algorithm in spec.signing_algorithms() {
                let digest = digest::digest(algorithm.digest().unwrap(), b"message");
                let by_raw = key.sign(algorithm, MessageType::Raw, b"message").unwrap();
                let by_digest = key
                    .sign(algorithm, MessageType::Digest, digest.as_ref())
                    .unwrap();
                assert!(
                    key.verify(algorithm, MessageType::Digest, digest.as_ref(), &by_raw)
                        .unwrap()
                );
                assert!(
                    key.verify(algorithm, MessageType::Raw, b"message", &by_digest)
                        .unwrap()
                );
            }
        }
    }

    #[test]
    fn requests_aws_rejects_are_distinct_errors() {
        let rsa = new_key(AsymmetricSpec::Rsa2048);
        let p256 = new_key(AsymmetricSpec::EccNistP256);
        let ed = new_key(AsymmetricSpec::EccNistEdwards25519);
        let ml = new_key(AsymmetricSpec::MlDsa44);
        use SigningAlgorithm as A;
        assert!(matches!(
            p256.sign(A::EcdsaSha384, MessageType::Raw, b"m"),
            Err(CryptoError::IncompatibleAlgorithm)
        ));
        assert!(matches!(
            p256.verify(A::RsassaPssSha256, MessageType::Raw, b"m", b"s"),
            Err(CryptoError::IncompatibleAlgorithm)
        ));
        assert!(matches!(
            rsa.sign(A::RsassaPssSha256, MessageType::Digest, &[0; 31]),
            Err(CryptoError::DigestLength)
        ));
        assert!(matches!(
            rsa.verify(A::RsassaPssSha512, MessageType::Digest, &[0; 32], b"s"),
            Err(CryptoError::DigestLength)
        ));
        assert!(matches!(
            ed.sign(A::Ed25519Sha512, MessageType::Digest, &[0; 64]),
            Err(CryptoError::WrongMessageType)
        ));
        assert!(matches!(
            ed.sign(A::Ed25519PhSha512, MessageType::Raw, b"m"),
            Err(CryptoError::WrongMessageType)
        ));
        assert!(matches!(
            ml.sign(A::MlDsaShake256, MessageType::ExternalMu, &[0; 32]),
            Err(CryptoError::ExternalMuLength)
        ));
        assert!(matches!(
            ml.sign(A::MlDsaShake256, MessageType::Digest, &[0; 64]),
            Err(CryptoError::WrongMessageType)
        ));
        assert!(matches!(
            p256.encrypt(OaepHash::Sha256, b"x"),
            Err(CryptoError::IncompatibleAlgorithm)
        ));
        assert!(matches!(
            p256.decrypt(OaepHash::Sha256, &[0; 256]),
            Err(CryptoError::IncompatibleAlgorithm)
        ));
        assert!(matches!(
            rsa.derive_shared_secret(p256.public_key_der()),
            Err(CryptoError::IncompatibleAlgorithm)
        ));
        let k1 = new_key(AsymmetricSpec::EccSecgP256k1);
        assert!(matches!(
            k1.derive_shared_secret(k1.public_key_der()),
            Err(CryptoError::IncompatibleAlgorithm)
        ));
    }

    #[test]
    fn ed25519ph_signs_the_digest_bytes_as_its_message() {
        let key = new_key(AsymmetricSpec::EccNistEdwards25519);
        let Signer::Ed25519 { prehash, .. } = &key.signer else {
            unreachable!()
        };
        let digest = digest::digest(&digest::SHA512, b"message");
        let signature = key
            .sign(
                SigningAlgorithm::Ed25519PhSha512,
                MessageType::Digest,
                digest.as_ref(),
            )
            .unwrap();
        // Deterministic, and exactly Ed25519ph with the digest as the message.
        assert_eq!(signature, prehash.sign(digest.as_ref()).unwrap());
        let pure = key
            .sign(
                SigningAlgorithm::Ed25519Sha512,
                MessageType::Raw,
                b"message",
            )
            .unwrap();
        assert_ne!(signature, pure);
    }

    #[test]
    fn oaep_round_trips_within_aws_limits() {
        for spec in [AsymmetricSpec::Rsa2048, AsymmetricSpec::Rsa3072] {
            let key = new_key(spec);
            for hash in OaepHash::ALL {
                let max = hash.max_plaintext(spec).unwrap();
                let ciphertext = key.encrypt(hash, &vec![7u8; max]).unwrap();
                assert_eq!(Some(ciphertext.len()), spec.rsa_modulus_len());
                assert_eq!(
                    key.decrypt(hash, &ciphertext).unwrap().expose(),
                    vec![7u8; max]
                );
                assert!(matches!(
                    key.encrypt(hash, &vec![7u8; max + 1]),
                    Err(CryptoError::PlaintextTooLong(m)) if m == max
                ));
                assert!(key.decrypt(hash, &[]).is_err());
            }
            let ciphertext = key.encrypt(OaepHash::Sha256, b"").unwrap();
            assert!(
                key.decrypt(OaepHash::Sha256, &ciphertext)
                    .unwrap()
                    .is_empty()
            );
            assert!(matches!(
                key.decrypt(OaepHash::Sha1, &ciphertext),
                Err(CryptoError::Decryption)
            ));
            let mut tampered = ciphertext.clone();
            tampered[5] ^= 1;
            assert!(matches!(
                key.decrypt(OaepHash::Sha256, &tampered),
                Err(CryptoError::Decryption)
            ));
        }
    }

    #[test]
    fn ecdh_agrees_both_ways_and_refuses_other_curves() {
        for spec in [
            AsymmetricSpec::EccNistP256,
            AsymmetricSpec::EccNistP384,
            AsymmetricSpec::EccNistP521,
        ] {
            let a = new_key(spec);
            let b = new_key(spec);
            let ab = a.derive_shared_secret(b.public_key_der()).unwrap();
            let ba = b.derive_shared_secret(a.public_key_der()).unwrap();
            assert!(ab.ct_eq(ba.expose()));
            assert_eq!(Some(ab.len()), spec.shared_secret_len());
        }
        let a = new_key(AsymmetricSpec::EccNistP256);
        for other in [
            AsymmetricSpec::EccNistP384,
            AsymmetricSpec::EccSecgP256k1,
            AsymmetricSpec::EccNistEdwards25519,
            AsymmetricSpec::Rsa2048,
        ] {
            let peer = new_key(other);
            assert!(matches!(
                a.derive_shared_secret(peer.public_key_der()),
                Err(CryptoError::InvalidPublicKey)
            ));
        }
        let der = a.public_key_der();
        for bad in [&b""[..], b"garbage", &der[..der.len() - 1], &der[26..]] {
            assert!(matches!(
                a.derive_shared_secret(bad),
                Err(CryptoError::InvalidPublicKey)
            ));
        }
    }

    #[test]
    fn material_of_another_spec_is_rejected() {
        let rsa_3072 = generate_private_key(AsymmetricSpec::Rsa3072).unwrap();
        let p384 = generate_private_key(AsymmetricSpec::EccNistP384).unwrap();
        let ed = generate_private_key(AsymmetricSpec::EccNistEdwards25519).unwrap();
        let ml65 = generate_private_key(AsymmetricSpec::MlDsa65).unwrap();
        let cases = [
            (AsymmetricSpec::Rsa2048, rsa_3072.expose()),
            (AsymmetricSpec::Rsa4096, rsa_3072.expose()),
            (AsymmetricSpec::EccNistP256, p384.expose()),
            (AsymmetricSpec::EccSecgP256k1, p384.expose()),
            (AsymmetricSpec::EccNistEdwards25519, p384.expose()),
            (AsymmetricSpec::Rsa3072, ed.expose()),
            (AsymmetricSpec::MlDsa44, ml65.expose()),
            (AsymmetricSpec::MlDsa65, &ml65.expose()[..20]),
            (AsymmetricSpec::EccNistP256, &[][..]),
            (
                AsymmetricSpec::EccNistP256,
                &[0x30, 0x03, 0x02, 0x01, 0x00][..],
            ),
        ];
        for (spec, material) in cases {
            assert!(
                matches!(
                    PrivateKey::from_pkcs8(spec, material),
                    Err(CryptoError::InvalidKeyMaterial)
                ),
                "{spec:?}"
            );
        }
    }

    #[test]
    fn public_keys_of_another_spec_are_rejected() {
        let p256 = new_key(AsymmetricSpec::EccNistP256);
        let rsa = new_key(AsymmetricSpec::Rsa2048);
        assert!(PublicKey::from_spki(AsymmetricSpec::EccNistP384, p256.public_key_der()).is_err());
        assert!(PublicKey::from_spki(AsymmetricSpec::Rsa3072, rsa.public_key_der()).is_err());
        assert!(PublicKey::from_spki(AsymmetricSpec::MlDsa44, rsa.public_key_der()).is_err());
        assert!(PublicKey::from_spki(AsymmetricSpec::Rsa2048, rsa.public_key_der()).is_ok());
        // A raw point is not a SubjectPublicKeyInfo.
        let raw_point = &p256.public_key_der()[26..];
        assert!(matches!(
            PublicKey::from_spki(AsymmetricSpec::EccNistP256, raw_point),
            Err(CryptoError::InvalidPublicKey)
        ));
    }

    #[test]
    fn debug_shows_no_key_bytes() {
        for spec in [
            AsymmetricSpec::EccNistP256,
            AsymmetricSpec::EccNistEdwards25519,
        ] {
            let key = new_key(spec);
            assert_eq!(
                format!("{key:?}"),
                format!("PrivateKey {{ spec: {spec:?}, .. }}")
            );
            assert_eq!(
                format!("{:?}", key.public_key()),
                format!("PublicKey {{ spec: {spec:?}, .. }}")
            );
        }
    }
}
