//! Every byte of the AWS KMS wire protocol (awsJson1.1, `TrentService.<Operation>`).
//!
//! # Why it exists
//!
//! The wire is Trent's contract with every AWS client: the SDKs, the CLI and the Encryption SDK
//! work unchanged only if requests decode, errors encode and constraint violations read exactly
//! as they do against AWS. So that contract lives in one crate, most of it generated from AWS's
//! own service model (`tools/gen_protocol.py` reads the vendored botocore model in
//! `tools/kms-model/`; CI re-runs it with `--check`):
//!
//! * one struct per model structure ([`EncryptRequest`], [`KeyMetadata`], …) and one enum per
//!   model enum ([`KeySpec`], …, each with an `Unknown` variant so an unexpected value reaches
//!   validation instead of failing to parse);
//! * [`Operation`] (with its IAM action), [`Request`], [`Response`] and [`decode_request`];
//! * [`Validate`]: the model's constraints with AWS's `ValidationException` wording;
//! * [`ErrorCode`] and [`KmsError`]: every `__type` with its HTTP status and JSON body;
//! * [`sigv4`]: request signatures, given a secret.
//!
//! # What it deliberately does not do
//!
//! Nothing here knows keys, storage, policies or HTTP. It never looks a credential up and
//! never decides whether an operation is allowed or what it returns; trent-core does, with the
//! types defined here. Wire shapes are never persisted either: stored records are trent-core's
//! own versioned types, so a model update can never change data at rest.

pub mod sigv4;

mod codec;
mod error;
mod generated;
mod types;
mod validate;

pub use error::{ErrorCode, KmsError};
pub use generated::*;
pub use types::{Blob, SensitiveBlob, Timestamp};
pub use validate::{Validate, ValidationError};
