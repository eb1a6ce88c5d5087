//! The IAM policy language as KMS uses it: parse, validate, evaluate.
//!
//! Key policies, identity policies (inline, on users and roles) and role trust policies share
//! one language. This crate reads it ([`parse`], refusing what AWS refuses with AWS's wording),
//! decides which statements apply to a request ([`Policy::applying`]: principals, actions with
//! wildcards, resources, every condition operator with `IfExists`, `ForAnyValue:`/`ForAllValues:`
//! and policy variables), and combines key and identity policies the way KMS does
//! ([`decide`]: the key policy is the root of trust). It also knows the exact text of AWS's
//! default key policy, which clients compare byte for byte.
//!
//! It deliberately knows nothing about keys, storage or HTTP: the caller supplies the request's
//! condition values through [`ConditionKeys`], lazily, so a policy without conditions costs no
//! lookups.

mod condition;
mod document;
mod evaluate;
mod glob;
mod kms;
mod template;

pub use condition::{Condition, Operator, SetQualifier};
pub use document::{
    ActionSet, Effect, Policy, PolicyKind, PolicyPrincipal, PrincipalSet, ResourceSet, Statement,
    Version, parse,
};
pub use evaluate::{Applying, Caller, ConditionKeys, KeyValues, PrincipalMatch, Request};
pub use kms::{
    Decider, Decision, Identity, Outcome, decide, decide_identity_only, keeps_policy_access,
};
pub use template::Template;

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

/// Checks a key policy the way AWS does before storing it (structure, principals, size); the
/// lockout check needs the caller and lives with the caller.
pub fn check_key_policy(text: &str) -> Result<Policy, PolicyError> {
    parse(text, PolicyKind::Key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

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
        assert!(check_key_policy(&text).is_ok());
    }
}
