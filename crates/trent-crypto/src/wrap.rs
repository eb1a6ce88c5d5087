//! [`WrappingKey`]: AES-256-GCM for keys that protect other keys.
//!
//! The root key wraps the domain key, and the domain key wraps key material versions and
//! access-key secrets (DESIGN.md §3). Each wrapped blob is bound to the identity of the record
//! it lives in through the AAD (for example
//! `trent/key-material/<account>/<region>/<key-id>/<version>`), so a blob copied into another
//! record — another key, another version, another account — fails to unwrap.
//!
//! Wrapped format v1: `0x01 || nonce (12 random bytes) || ciphertext || tag (16 bytes)`.
//!
//! Random 96-bit nonces under one key are safe for about 2^32 wraps (NIST SP 800-38D); a
//! domain key wraps one blob per key version or access key, orders of magnitude fewer. That is
//! why this module, unlike [`crate::ciphertext`], does not derive a key per message. It
//! deliberately does not know record identities or storage: callers build the AAD.

use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::random;
use crate::secret::Secret;

/// Length of a wrapping key in bytes.
pub const WRAPPING_KEY_LEN: usize = 32;
/// Version byte of the wrapped format.
pub const WRAPPED_V1: u8 = 1;
const TAG_LEN: usize = 16;
const BODY_START: usize = 1 + NONCE_LEN;
/// Bytes a wrapped blob adds to its plaintext (version, nonce, tag).
pub const WRAPPED_OVERHEAD: usize = BODY_START + TAG_LEN;

/// An AES-256-GCM key that wraps other keys. `Debug` is redacted; the bytes are zeroized on drop.
pub struct WrappingKey {
    bytes: Zeroizing<[u8; WRAPPING_KEY_LEN]>,
    aead: LessSafeKey,
}

impl WrappingKey {
    /// A fresh random key.
    #[must_use]
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; WRAPPING_KEY_LEN]);
        random::fill(bytes.as_mut());
        Self::from_array(bytes)
    }

    /// A key from exactly 32 bytes; any other length is [`CryptoError::InvalidKey`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let mut array = Zeroizing::new([0u8; WRAPPING_KEY_LEN]);
        if bytes.len() != WRAPPING_KEY_LEN {
            return Err(CryptoError::InvalidKey);
        }
        array.copy_from_slice(bytes);
        Ok(Self::from_array(array))
    }

    fn from_array(bytes: Zeroizing<[u8; WRAPPING_KEY_LEN]>) -> Self {
        let aead = aes_256_gcm_key(&bytes);
        Self { bytes, aead }
    }

    /// The key bytes, e.g. to wrap this key under another one.
    #[must_use]
    pub fn to_secret(&self) -> Secret {
        Secret::from_slice(self.bytes.as_ref())
    }

    /// Encrypts `plaintext` bound to `aad` (the identity of the record that will hold it).
    ///
    /// # Panics
    /// Only if aws-lc cannot allocate or the random generator fails.
    #[must_use]
    pub fn wrap(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let nonce = random::random_array::<NONCE_LEN>();
        let mut out = Vec::with_capacity(WRAPPED_OVERHEAD + plaintext.len());
        out.push(WRAPPED_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plaintext);
        let tag = self
            .aead
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut out[BODY_START..],
            )
            .expect("AES-GCM sealing of an in-memory buffer cannot fail");
        out.extend_from_slice(tag.as_ref());
        out
    }

    /// Decrypts a blob made by [`wrap`](Self::wrap) with the same key and `aad`. Any failure
    /// is [`CryptoError::InvalidCiphertext`], without detail.
    pub fn unwrap(&self, aad: &[u8], wrapped: &[u8]) -> Result<Secret, CryptoError> {
        if wrapped.len() < WRAPPED_OVERHEAD || wrapped[0] != WRAPPED_V1 {
            return Err(CryptoError::InvalidCiphertext);
        }
        let nonce = Nonce::try_assume_unique_for_key(&wrapped[1..BODY_START])
            .map_err(|_| CryptoError::InvalidCiphertext)?;
        let mut buf = Zeroizing::new(wrapped[BODY_START..].to_vec());
        let plaintext_len = self
            .aead
            .open_in_place(nonce, Aad::from(aad), &mut buf)
            .map_err(|_| CryptoError::InvalidCiphertext)?
            .len();
        buf.truncate(plaintext_len);
        Ok(Secret::from_zeroizing(buf))
    }
}

impl fmt::Debug for WrappingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WrappingKey([REDACTED])")
    }
}

/// An AES-256-GCM key from 32 bytes.
///
/// # Panics
/// Only if aws-lc cannot allocate its context: the length is right by construction.
pub(crate) fn aes_256_gcm_key(bytes: &[u8; 32]) -> LessSafeKey {
    let unbound = UnboundKey::new(&AES_256_GCM, bytes)
        .expect("a 32-byte key is always a valid AES-256-GCM key");
    LessSafeKey::new(unbound)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AAD: &[u8] = b"trent/key-material/111122223333/eu-west-1/1234abcd/1";

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn round_trip() {
        let key = WrappingKey::generate();
        for len in [0, 1, 32, 1000] {
            let plaintext = random::random_bytes(len);
            let wrapped = key.wrap(AAD, &plaintext);
            assert_eq!(wrapped.len(), plaintext.len() + WRAPPED_OVERHEAD);
            assert_eq!(wrapped[0], WRAPPED_V1);
            assert_eq!(key.unwrap(AAD, &wrapped).unwrap().expose(), plaintext);
        }
    }

    #[test]
    fn nonces_differ() {
        let key = WrappingKey::generate();
        assert_ne!(key.wrap(AAD, b"same"), key.wrap(AAD, b"same"));
    }

    #[test]
    fn from_bytes_round_trip_and_length_check() {
        let key = WrappingKey::generate();
        let again = WrappingKey::from_bytes(key.to_secret().expose()).unwrap();
        let wrapped = key.wrap(AAD, b"data key");
        assert_eq!(again.unwrap(AAD, &wrapped).unwrap().expose(), b"data key");
        for len in [0, 16, 31, 33, 64] {
            assert!(matches!(
                WrappingKey::from_bytes(&vec![7u8; len]),
                Err(CryptoError::InvalidKey)
            ));
        }
    }

    #[test]
    fn wrong_aad_fails() {
        let key = WrappingKey::generate();
        let wrapped = key.wrap(AAD, b"secret");
        for aad in [
            &b""[..],
            b"trent/key-material/111122223333/eu-west-1/1234abcd/2",
            b"trent/key-material/111122223333/eu-west-1/1234abcd/1 ",
        ] {
            assert!(matches!(
                key.unwrap(aad, &wrapped),
                Err(CryptoError::InvalidCiphertext)
            ));
        }
    }

    #[test]
    fn wrong_key_fails() {
        let wrapped = WrappingKey::generate().wrap(AAD, b"secret");
        assert!(WrappingKey::generate().unwrap(AAD, &wrapped).is_err());
    }

    #[test]
    fn every_bit_flip_and_truncation_fails() {
        let key = WrappingKey::generate();
        let wrapped = key.wrap(AAD, b"0123456789abcdef0123456789abcdef");
        for i in 0..wrapped.len() * 8 {
            let mut tampered = wrapped.clone();
            tampered[i / 8] ^= 1 << (i % 8);
            assert!(key.unwrap(AAD, &tampered).is_err(), "bit {i}");
        }
        for len in 0..wrapped.len() {
            assert!(key.unwrap(AAD, &wrapped[..len]).is_err(), "len {len}");
        }
        let mut extended = wrapped.clone();
        extended.push(0);
        assert!(key.unwrap(AAD, &extended).is_err());
    }

    #[test]
    fn debug_is_redacted() {
        let key = WrappingKey::generate();
        let shown = format!("{key:?} {key:#?}");
        assert!(!shown.contains(&hex(key.to_secret().expose())));
        assert_eq!(format!("{key:?}"), "WrappingKey([REDACTED])");
    }

    #[test]
    fn is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<WrappingKey>();
    }
}
