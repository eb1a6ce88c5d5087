//! The IAM policy language as KMS key policies use it.
//!
//! Today this crate knows two things: the exact text of AWS's default key policy (clients compare
//! it byte for byte, so its Jackson-style layout matters), and the structural checks AWS applies
//! before it stores a key policy (`MalformedPolicyDocumentException`). Evaluation — Allow/Deny,
//! conditions, grants — arrives with the access-control work; until then `trent-core` grants every
//! principal the keys of its own account, which is what the default policy says anyway.
//!
//! It deliberately knows nothing about keys, storage or HTTP: it reads and writes policy text.

use serde_json::Value;

/// The largest key policy AWS accepts (bytes), a documented, non-adjustable quota.
pub const MAX_POLICY_BYTES: usize = 32 * 1024;

/// AWS's default key policy for a key of `account_id`, byte for byte as `GetKeyPolicy` returns it.
pub fn default_key_policy(partition: &str, account_id: &str) -> String {
    format!(
        "{{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {{\n    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n      \"AWS\" : \"arn:{partition}:iam::{account_id}:root\"\n    }},\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  }} ]\n}}"
    )
}

/// Why a policy document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// Not a well-formed policy: `MalformedPolicyDocumentException` with this message.
    Malformed(String),
    /// Longer than [`MAX_POLICY_BYTES`]: `LimitExceededException`.
    TooLarge,
}

/// Checks the structure AWS requires of a key policy before storing it: a JSON object with a
/// known `Version` (if given) and a `Statement` of one or more statements, each with an `Effect`
/// of `Allow` or `Deny` and a `Principal` (or `NotPrincipal`). Statements without `Action` or
/// `Resource` are accepted, as AWS accepts them (they simply never match).
pub fn check_key_policy(text: &str) -> Result<(), PolicyError> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(PolicyError::TooLarge);
    }
    let malformed = |why: &str| PolicyError::Malformed(why.to_string());
    let document: Value = serde_json::from_str(text)
        .map_err(|_| malformed("The policy document is not valid JSON."))?;
    let Value::Object(document) = document else {
        return Err(malformed("The policy document must be a JSON object."));
    };
    if let Some(version) = document.get("Version")
        && version != "2012-10-17"
        && version != "2008-10-17"
    {
        return Err(malformed("The policy document has an invalid Version."));
    }
    let statements = match document.get("Statement") {
        Some(Value::Array(list)) if !list.is_empty() => list.iter().collect::<Vec<_>>(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => return Err(malformed("Policy document must contain a Statement.")),
    };
    for statement in statements {
        let Value::Object(statement) = statement else {
            return Err(malformed("Each policy statement must be a JSON object."));
        };
        match statement.get("Effect") {
            Some(Value::String(effect)) if effect == "Allow" || effect == "Deny" => {}
            _ => return Err(malformed("Policy statement Effect must be Allow or Deny.")),
        }
        let principal = statement
            .get("Principal")
            .or_else(|| statement.get("NotPrincipal"));
        match principal {
            Some(Value::String(star)) if star == "*" => {}
            Some(Value::Object(map)) if !map.is_empty() => {}
            _ => {
                return Err(malformed(
                    "Policy contains a statement with one or more invalid principals.",
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_is_valid_json_in_aws_layout() {
        let text = default_key_policy("aws", "111122223333");
        let value: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(
            value["Statement"][0]["Principal"]["AWS"],
            "arn:aws:iam::111122223333:root"
        );
        assert!(text.starts_with("{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {"));
        assert!(text.ends_with("  } ]\n}"));
        assert_eq!(check_key_policy(&text), Ok(()));
    }

    #[test]
    fn refuses_malformed_documents() {
        for bad in [
            "not json",
            "[]",
            r#"{"Version":"2012-10-17"}"#,
            r#"{"Statement":[]}"#,
            r#"{"Statement":[{"Effect":"Maybe","Principal":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow"}]}"#,
            r#"{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Principal":"*"}]}"#,
        ] {
            assert!(
                matches!(check_key_policy(bad), Err(PolicyError::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn accepts_statements_without_action_or_resource() {
        let text = r#"{"Statement":{"Effect":"Deny","Principal":{"AWS":"*"}}}"#;
        assert_eq!(check_key_policy(text), Ok(()));
    }

    #[test]
    fn refuses_oversized_documents() {
        let text = format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Sid":"{}"}}]}}"#,
            "x".repeat(MAX_POLICY_BYTES)
        );
        assert_eq!(check_key_policy(&text), Err(PolicyError::TooLarge));
    }
}
