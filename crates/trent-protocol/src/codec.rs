//! JSON bodies in and out, and what a body that is not a valid request becomes on the wire.
//!
//! A body that is not JSON, is not an object, or holds a member of the wrong JSON type is a
//! `SerializationException`, as from AWS's framework. Its message never repeats the input (the
//! input may be a plaintext): it is either absent or one of a few fixed phrases AWS uses.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::error::{ErrorCode, KmsError};
use crate::generated::{Request, Response};
use crate::types::without_blobs;

/// Decodes a request body. An empty body means `{}`.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, KmsError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        None => serde_json::from_slice(b"{}").map_err(|err| serialization_error(&err)),
        // serde would also build a structure from a JSON array (by position); AWS would not.
        Some(b'{') => serde_json::from_slice(body).map_err(|err| serialization_error(&err)),
        Some(_) => Err(KmsError::bare(ErrorCode::SerializationException)),
    }
}

/// Encodes a response body.
pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // The shapes hold only strings, numbers, booleans, lists and string maps: this cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

impl Request {
    /// The JSON body with every binary member (plaintexts, ciphertexts, messages, …) written as
    /// `""`: for records that keep the other members and drop the binary ones, without encoding
    /// what they drop.
    pub fn to_json_without_blobs(&self) -> Vec<u8> {
        without_blobs(|| self.to_json())
    }
}

impl Response {
    /// The JSON body with every binary member written as `""` (see
    /// [`Request::to_json_without_blobs`]).
    pub fn to_json_without_blobs(&self) -> Vec<u8> {
        without_blobs(|| self.to_json())
    }
}

fn serialization_error(err: &serde_json::Error) -> KmsError {
    let message = match err.classify() {
        Category::Data => type_mismatch(&err.to_string()),
        Category::Io | Category::Syntax | Category::Eof => None,
    };
    KmsError {
        code: ErrorCode::SerializationException,
        message: message.map(str::to_owned),
    }
}

/// Coral's words for a JSON value of the wrong type, from serde's description of the mismatch
/// (`invalid type: string "x", expected i32 at line 1 column 20`). Only the kinds of value are
/// read, never the value.
fn type_mismatch(description: &str) -> Option<&'static str> {
    let rest = description.strip_prefix("invalid type: ")?;
    let (found, expected) = rest.rsplit_once(", expected ")?;
    let expected = expected.split(" at line ").next().unwrap_or(expected);
    if found.starts_with("map") {
        return Some("Start of structure or map found where not expected.");
    }
    if found.starts_with("sequence") {
        return Some("Start of list found where not expected.");
    }
    if found.starts_with("string ") {
        return match expected {
            "i32" => Some("STRING_VALUE can not be converted to an Integer"),
            "i64" => Some("STRING_VALUE can not be converted to a Long"),
            _ => None,
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatch_phrases() {
        assert_eq!(
            type_mismatch("invalid type: string \"x\", expected i32 at line 1 column 20"),
            Some("STRING_VALUE can not be converted to an Integer")
        );
        assert_eq!(
            type_mismatch("invalid type: map, expected a string at line 1 column 9"),
            Some("Start of structure or map found where not expected.")
        );
        assert_eq!(
            type_mismatch("invalid type: integer `5`, expected a string at line 1 column 9"),
            None
        );
        assert_eq!(
            type_mismatch("missing field `TagKey` at line 1 column 9"),
            None
        );
    }

    #[test]
    fn bodies_without_blobs_keep_everything_else() {
        use crate::{Blob, EncryptRequest, EncryptResponse, SensitiveBlob};
        let request = Request::Encrypt(EncryptRequest {
            key_id: Some("alias/a".into()),
            plaintext: Some(SensitiveBlob::new(b"canary plaintext".to_vec())),
            encryption_context: Some([("k".to_string(), "v".to_string())].into()),
            ..Default::default()
        });
        assert_eq!(
            request.to_json_without_blobs(),
            br#"{"KeyId":"alias/a","Plaintext":"","EncryptionContext":{"k":"v"}}"#
        );
        let response = Response::Encrypt(EncryptResponse {
            ciphertext_blob: Some(Blob(vec![1, 2, 3])),
            key_id: Some("k".into()),
            encryption_algorithm: None,
        });
        assert_eq!(
            response.to_json_without_blobs(),
            br#"{"CiphertextBlob":"","KeyId":"k"}"#
        );
        // Only for the duration of the call: the wire encoding is untouched.
        assert!(
            String::from_utf8(request.to_json())
                .unwrap()
                .contains("Y2FuYXJ5")
        );
        assert!(
            String::from_utf8(response.to_json())
                .unwrap()
                .contains("AQID")
        );
    }

    #[test]
    fn leaving_blobs_out_ends_even_when_serializing_panics() {
        let unwound = std::panic::catch_unwind(|| {
            crate::types::without_blobs(|| panic!("a serializer gave up"))
        });
        assert!(unwound.is_err());
        let after = serde_json::to_string(&crate::Blob(vec![0xff])).unwrap();
        assert_eq!(after, r#""/w==""#);
    }
}
