//! The audit signing key and its public half.
//!
//! The private key comes in as PKCS#8 bytes from the caller (the core keeps it wrapped under its
//! domain key); this crate never stores it. The public key is written next to the segments in
//! `audit-public-keys.pem` so that a trail can be verified offline, and an operator who wants
//! more than self-consistency pins the key (or keys) they trust when verifying: whoever can
//! rewrite the directory can also rewrite that file.
//!
//! Two algorithms are accepted because both are everywhere: Ed25519 (the default of
//! [`generate_signing_key`]) and ECDSA P-256 with SHA-256 (ASN.1 DER signatures). Public keys are
//! SubjectPublicKeyInfo DER, so `openssl pkey -pubin` reads the PEM file.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::Path;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    self, ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, ED25519, EcdsaKeyPair,
    Ed25519KeyPair, KeyPair, UnparsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use zeroize::Zeroizing;

use crate::chain::LineHash;
use crate::error::AuditError;

/// The name of the public key file in an audit directory.
pub const PUBLIC_KEYS_FILE: &str = "audit-public-keys.pem";

/// SubjectPublicKeyInfo DER prefix of an Ed25519 key (RFC 8410); the 32-byte key follows.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
/// SubjectPublicKeyInfo DER prefix of a P-256 key (RFC 5480); the 65-byte uncompressed point
/// follows.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// The signature scheme of a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    Ed25519,
    /// ECDSA over P-256 with SHA-256; signatures are ASN.1 DER.
    EcdsaP256Sha256,
}

impl SignatureAlgorithm {
    /// The name written in digests.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureAlgorithm::Ed25519 => "ed25519",
            SignatureAlgorithm::EcdsaP256Sha256 => "ecdsa-p256-sha256",
        }
    }
}

/// Makes a fresh Ed25519 audit signing key, as PKCS#8 (v2) bytes that zeroize on drop.
pub fn generate_signing_key() -> Result<Zeroizing<Vec<u8>>, AuditError> {
    let document = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map_err(|_| AuditError::SigningFailed)?;
    Ok(Zeroizing::new(document.as_ref().to_vec()))
}

enum SigningKey {
    Ed25519(Ed25519KeyPair),
    EcdsaP256(EcdsaKeyPair),
}

/// The private key that signs digests. Its `Debug` shows only the algorithm and key id.
pub struct AuditSigner {
    key: SigningKey,
    public: AuditPublicKey,
}

impl AuditSigner {
    /// Reads a PKCS#8 Ed25519 or ECDSA P-256 private key.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, AuditError> {
        if let Ok(pair) = Ed25519KeyPair::from_pkcs8(pkcs8) {
            let public =
                AuditPublicKey::from_raw(SignatureAlgorithm::Ed25519, pair.public_key().as_ref())?;
            return Ok(AuditSigner {
                key: SigningKey::Ed25519(pair),
                public,
            });
        }
        if let Ok(pair) = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8) {
            let public = AuditPublicKey::from_raw(
                SignatureAlgorithm::EcdsaP256Sha256,
                pair.public_key().as_ref(),
            )?;
            return Ok(AuditSigner {
                key: SigningKey::EcdsaP256(pair),
                public,
            });
        }
        Err(AuditError::InvalidSigningKey)
    }

    pub fn public_key(&self) -> &AuditPublicKey {
        &self.public
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, AuditError> {
        match &self.key {
            SigningKey::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
            SigningKey::EcdsaP256(pair) => pair
                .sign(&SystemRandom::new(), message)
                .map(|signature| signature.as_ref().to_vec())
                .map_err(|_| AuditError::SigningFailed),
        }
    }
}

impl fmt::Debug for AuditSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditSigner")
            .field("algorithm", &self.public.algorithm)
            .field("key_id", &self.public.key_id())
            .finish_non_exhaustive()
    }
}

/// A public key that verifies digests, identified by the SHA-256 of its DER encoding.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditPublicKey {
    algorithm: SignatureAlgorithm,
    /// SubjectPublicKeyInfo DER.
    spki_der: Vec<u8>,
    /// The raw key (Ed25519) or uncompressed point (P-256), what the verifier takes.
    raw: Vec<u8>,
}

impl AuditPublicKey {
    fn from_raw(algorithm: SignatureAlgorithm, raw: &[u8]) -> Result<Self, AuditError> {
        let prefix: &[u8] = match algorithm {
            SignatureAlgorithm::Ed25519 => &ED25519_SPKI_PREFIX,
            SignatureAlgorithm::EcdsaP256Sha256 => &P256_SPKI_PREFIX,
        };
        Self::from_spki_der(&[prefix, raw].concat())
    }

    /// Reads a SubjectPublicKeyInfo DER encoding of an Ed25519 or P-256 key.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, AuditError> {
        let (algorithm, raw) = if let Some(raw) = der.strip_prefix(&ED25519_SPKI_PREFIX[..]) {
            (SignatureAlgorithm::Ed25519, raw)
        } else if let Some(raw) = der.strip_prefix(&P256_SPKI_PREFIX[..]) {
            (SignatureAlgorithm::EcdsaP256Sha256, raw)
        } else {
            return Err(AuditError::InvalidPublicKey {
                reason: "not an Ed25519 or P-256 SubjectPublicKeyInfo".into(),
            });
        };
        let expected_len = match algorithm {
            SignatureAlgorithm::Ed25519 => 32,
            SignatureAlgorithm::EcdsaP256Sha256 => 65,
        };
        if raw.len() != expected_len {
            return Err(AuditError::InvalidPublicKey {
                reason: "wrong key length".into(),
            });
        }
        Ok(AuditPublicKey {
            algorithm,
            spki_der: der.to_vec(),
            raw: raw.to_vec(),
        })
    }

    /// Reads every `PUBLIC KEY` block of a PEM text (text around the blocks is ignored).
    pub fn from_pem(pem: &str) -> Result<Vec<Self>, AuditError> {
        const BEGIN: &str = "-----BEGIN PUBLIC KEY-----";
        const END: &str = "-----END PUBLIC KEY-----";
        let mut keys = Vec::new();
        let mut rest = pem;
        while let Some(start) = rest.find(BEGIN) {
            let after_begin = &rest[start + BEGIN.len()..];
            let Some(end) = after_begin.find(END) else {
                return Err(AuditError::InvalidPublicKey {
                    reason: "PEM block without an END line".into(),
                });
            };
            let body: String = after_begin[..end]
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            let der = BASE64
                .decode(body)
                .map_err(|_| AuditError::InvalidPublicKey {
                    reason: "PEM body is not base64".into(),
                })?;
            keys.push(Self::from_spki_der(&der)?);
            rest = &after_begin[end + END.len()..];
        }
        Ok(keys)
    }

    pub fn to_pem(&self) -> String {
        let encoded = BASE64.encode(&self.spki_der);
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for chunk in encoded.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(chunk));
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        pem
    }

    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    /// Lower-case hex SHA-256 of the DER encoding; digests name their key by it.
    pub fn key_id(&self) -> String {
        LineHash::of_line(&self.spki_der).to_hex()
    }

    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let algorithm: &dyn signature::VerificationAlgorithm = match self.algorithm {
            SignatureAlgorithm::Ed25519 => &ED25519,
            SignatureAlgorithm::EcdsaP256Sha256 => &ECDSA_P256_SHA256_ASN1,
        };
        UnparsedPublicKey::new(algorithm, &self.raw)
            .verify(message, signature)
            .is_ok()
    }
}

impl fmt::Debug for AuditPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditPublicKey")
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.key_id())
            .finish()
    }
}

/// Reads the public keys of an audit directory; an absent file is an empty list.
pub(crate) fn read_key_file(dir: &Path) -> Result<Vec<AuditPublicKey>, AuditError> {
    let path = dir.join(PUBLIC_KEYS_FILE);
    let mut text = String::new();
    match File::open(&path) {
        Ok(mut file) => file
            .read_to_string(&mut text)
            .map_err(|err| AuditError::io("reading", &path, err))?,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(AuditError::io("opening", &path, err)),
    };
    AuditPublicKey::from_pem(&text)
}

/// Adds `key` to the directory's public key file unless it is already there (a rotated signing
/// key is appended, so older digests stay verifiable). Returns whether the file was created.
pub(crate) fn publish_key(dir: &Path, key: &AuditPublicKey) -> Result<bool, AuditError> {
    let known = read_key_file(dir)?;
    if known.contains(key) {
        return Ok(false);
    }
    let path = dir.join(PUBLIC_KEYS_FILE);
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|err| AuditError::io("opening", &path, err))?;
    file.write_all(key.to_pem().as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|err| AuditError::io("writing", &path, err))?;
    Ok(known.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};

    #[test]
    fn both_algorithms_sign_and_verify() {
        let ed = generate_signing_key().unwrap();
        let ecdsa =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new())
                .unwrap();
        for pkcs8 in [ed.as_slice(), ecdsa.as_ref()] {
            let signer = AuditSigner::from_pkcs8(pkcs8).unwrap();
            let signature = signer.sign(b"message").unwrap();
            assert!(signer.public_key().verify(b"message", &signature));
            assert!(!signer.public_key().verify(b"messagf", &signature));
            let pem = signer.public_key().to_pem();
            assert_eq!(
                AuditPublicKey::from_pem(&pem).unwrap(),
                vec![signer.public_key().clone()]
            );
        }
    }

    #[test]
    fn our_spki_matches_the_crypto_library() {
        let pkcs8 = generate_signing_key().unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(&pkcs8).unwrap();
        let der: PublicKeyX509Der = pair.public_key().as_der().unwrap();
        let signer = AuditSigner::from_pkcs8(&pkcs8).unwrap();
        assert_eq!(signer.public_key().spki_der(), der.as_ref());
    }

    #[test]
    fn rejects_garbage_and_redacts_debug() {
        assert!(matches!(
            AuditSigner::from_pkcs8(b"not a key"),
            Err(AuditError::InvalidSigningKey)
        ));
        assert!(AuditPublicKey::from_spki_der(&[0x30, 0x00]).is_err());
        let pkcs8 = generate_signing_key().unwrap();
        let debug = format!("{:?}", AuditSigner::from_pkcs8(&pkcs8).unwrap());
        assert!(debug.contains("key_id") && !debug.contains(&hex::encode(&pkcs8[16..])));
    }
}
