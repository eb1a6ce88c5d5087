//! The asymmetric and HMAC API under one path, `trent_crypto::asymmetric::…`.
//!
//! The implementation lives in small modules — [`crate::key_spec`], [`crate::signing`],
//! [`crate::private_key`], [`crate::public_key`], [`crate::rsa_oaep`], [`crate::mac`],
//! [`crate::ecdh`], [`crate::key_pair`] — and is also re-exported at the crate root. This module
//! keeps the paths `trent-core` was written against working, so the split did not have to
//! touch the core.

pub use crate::ecdh::KeyAgreementAlgorithm;
pub use crate::key_pair::{DataKeyPairSpec, generate_data_key_pair, generate_key_pair};
pub use crate::key_spec::{AsymmetricSpec, HmacSpec, KeySpec};
pub use crate::mac::{HmacKey, MacAlgorithm, mac, verify_mac};
pub use crate::private_key::{PrivateKey, generate_private_key};
pub use crate::public_key::{PublicKey, verify_with_public_key};
pub use crate::rsa_oaep::OaepHash;
pub use crate::signing::{EXTERNAL_MU_LEN, MessageType, SigningAlgorithm};
