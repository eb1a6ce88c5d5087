//! Trent's cryptography: key material types, the symmetric ciphertext format, and key wrapping,
//! all on aws-lc-rs.
//!
//! This crate is a leaf: it knows bytes and keys, not KMS keys, accounts, storage or the wire.
//! It exists so that every line that touches key material or ciphertext layout lives in one
//! small, heavily tested place.
//!
//! - [`secret`]: [`Secret`], bytes that zeroize, redact and compare in constant time.
//! - [`random`]: the one source of random bytes.
//! - [`wrap`]: [`WrappingKey`], AES-256-GCM bound to a record identity (root and domain keys).
//! - [`root_key`]: where the root key comes from (today: a `0600` file).
//! - [`ciphertext`]: the v1 symmetric ciphertext blob and [`SymmetricKey`].
//! - [`asymmetric`]: RSA, ECC, Ed25519, ML-DSA and HMAC keys: signatures, OAEP, ECDH, MACs.
//!
//! Deliberately not here: key lookup and caching, key state, authorization, KMS size limits,
//! persisted record formats (all `trent-core`), and anything HTTP.

pub mod asymmetric;
pub mod ciphertext;
pub mod error;
pub mod random;
pub mod root_key;
pub mod secret;
pub mod wrap;

#[doc(hidden)]
pub use ciphertext::encrypt_with_nonce;
pub use ciphertext::{
    CIPHERTEXT_V1, CiphertextHeader, EncryptionContext, HEADER_LEN, OVERHEAD, SymmetricKey,
    canonical_context, decrypt, encrypt, peek_header,
};
pub use error::CryptoError;
pub use random::{random_array, random_bytes};
pub use root_key::{LoadedRootKey, RootKeySource, load_or_create_root_key_file, load_root_key};
pub use secret::Secret;
pub use wrap::WrappingKey;
