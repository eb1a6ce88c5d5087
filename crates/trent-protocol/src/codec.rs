//! JSON bodies in and out, and what a body that is not a valid request becomes on the wire.
//!
//! A body that is not JSON, is not an object, or holds a member of the wrong JSON type is a
//! `SerializationException`, as from AWS's framework. Its message never repeats the input (the
//! input may be a plaintext): it is either absent or one of a few fixed phrases AWS uses.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::error::{ErrorCode, KmsError};

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
}
