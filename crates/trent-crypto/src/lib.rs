//! Trent's cryptography: key material types, the symmetric ciphertext format, key wrapping, and
//! the cryptography of every AWS KMS key type, on aws-lc-rs.
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
//!
//! Every other AWS key type (RSA, NIST ECC, secp256k1, Ed25519, ML-DSA, HMAC):
//!
//! - [`key_spec`]: [`KeySpec`], [`AsymmetricSpec`], [`HmacSpec`] — AWS's names and what each
//!   spec can do; SM2 is an explicit [`CryptoError::UnsupportedKeySpec`].
//! - [`private_key`]: [`PrivateKey`], parsed once from PKCS#8 and cached by the core: Sign,
//!   Decrypt, DeriveSharedSecret; [`generate_private_key`].
//! - [`public_key`]: [`PublicKey`], parsed once from SubjectPublicKeyInfo: Verify, Encrypt.
//! - [`signing`]: [`SigningAlgorithm`] and [`MessageType`] (RAW / DIGEST / EXTERNAL_MU rules).
//! - [`rsa_oaep`]: [`OaepHash`] (RSAES_OAEP_SHA_1/256) and AWS's plaintext limits.
//! - [`mac`]: [`HmacKey`] and [`MacAlgorithm`] (GenerateMac / VerifyMac).
//! - [`ecdh`]: [`KeyAgreementAlgorithm`] (DeriveSharedSecret).
//! - [`key_pair`]: [`DataKeyPairSpec`] and [`generate_data_key_pair`].
//! - [`asymmetric`]: all of the above under the path the core first used.
//!
//! Two algorithms aws-lc-rs does not expose come from RustCrypto/dalek crates, on the same keys:
//! Ed25519ph (`ed25519-dalek`) and ML-DSA with external μ (`ml-dsa`).
//!
//! Deliberately not here: key lookup and caching, key state, authorization, KMS size limits,
//! persisted record formats (all `trent-core`), and anything HTTP.

pub mod asymmetric;
pub mod ciphertext;
pub mod ecdh;
mod ed25519ph;
pub mod error;
pub mod key_pair;
pub mod key_spec;
pub mod mac;
mod ml_dsa_mu;
pub mod private_key;
pub mod public_key;
pub mod random;
pub mod root_key;
pub mod rsa_oaep;
pub mod secret;
pub mod signing;
mod spki;
pub mod wrap;

#[doc(hidden)]
pub use ciphertext::encrypt_with_nonce;
pub use ciphertext::{
    CIPHERTEXT_V1, CiphertextHeader, EncryptionContext, HEADER_LEN, OVERHEAD, SymmetricKey,
    canonical_context, decrypt, encrypt, peek_header,
};
pub use ecdh::KeyAgreementAlgorithm;
pub use error::CryptoError;
pub use key_pair::{DataKeyPairSpec, generate_data_key_pair, generate_key_pair};
pub use key_spec::{AsymmetricSpec, HmacSpec, KeySpec};
pub use mac::{HmacKey, MacAlgorithm};
pub use private_key::{PrivateKey, generate_private_key};
pub use public_key::{PublicKey, verify_with_public_key};
pub use random::{random_array, random_bytes};
pub use root_key::{LoadedRootKey, RootKeySource, load_or_create_root_key_file, load_root_key};
pub use rsa_oaep::OaepHash;
pub use secret::Secret;
pub use signing::{EXTERNAL_MU_LEN, MessageType, SigningAlgorithm};
pub use wrap::WrappingKey;
