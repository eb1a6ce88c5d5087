//! The audit event of a request, shaped like the CloudTrail event AWS KMS writes for it.
//!
//! Operators already have tools and habits for CloudTrail's shape (`eventName`, `userIdentity`,
//! `requestParameters`, `errorCode`, `resources`, …), so Trent writes the same fields. What a
//! KMS must never log is kept out by construction: every binary member of the API (plaintexts,
//! ciphertexts, messages, signatures, MACs, keys, tokens) and the custom key store secrets are
//! dropped from parameters and responses; the encryption context is kept, as AWS keeps it.

use serde_json::{Map, Value, json};
use trent_protocol::{KmsError, Operation, Request, Response, Timestamp};

use crate::{Caller, PrincipalKind};

/// Members that are never written to the trail, by their wire (PascalCase) name.
const NEVER_LOGGED: &[&str] = &[
    "AttestationDocument",
    "CiphertextBlob",
    "CiphertextForRecipient",
    "EncryptedKeyMaterial",
    "GrantToken",
    "GrantTokens",
    "ImportToken",
    "KeyStorePassword",
    "Mac",
    "Message",
    "Plaintext",
    "PrivateKeyCiphertextBlob",
    "PrivateKeyPlaintext",
    "PublicKey",
    "Recipient",
    "SharedSecret",
    "Signature",
    "XksProxyAuthenticationCredential",
];

/// Members whose value is a map of caller-chosen names, which keep their spelling.
const FREE_FORM_MAPS: &[&str] = &[
    "EncryptionContext",
    "EncryptionContextEquals",
    "EncryptionContextSubset",
    "SourceEncryptionContext",
    "DestinationEncryptionContext",
];

/// Operations whose response AWS records in `responseElements` (others record `null`).
const RESPONSE_LOGGED: &[Operation] = &[
    Operation::CreateKey,
    Operation::ScheduleKeyDeletion,
    Operation::CancelKeyDeletion,
    Operation::CreateGrant,
    Operation::ReplicateKey,
    Operation::RotateKeyOnDemand,
    Operation::CreateCustomKeyStore,
];

/// What the transport knows about a request.
#[derive(Debug, Clone)]
pub struct RequestContext<'a> {
    pub request_id: &'a str,
    pub event_id: &'a str,
    /// The region the request was addressed to (known even when authentication failed).
    pub region: &'a str,
    pub source_ip: &'a str,
    pub user_agent: &'a str,
    /// The access key id the request claimed, if it was readable.
    pub access_key_id: Option<&'a str>,
    pub time: Timestamp,
}

/// `requestParameters` for `request`: its members in CloudTrail's lowerCamel spelling, without
/// anything secret. Computed before the request is handed to [`crate::Kms::call`].
pub fn request_parameters(request: &Request) -> Value {
    match serde_json::from_slice::<Value>(&request.to_json()) {
        Ok(value) => loggable(value),
        Err(_) => Value::Null,
    }
}

/// The event for one request. `caller` is `None` when authentication failed; `operation` is
/// `None` when the target named no KMS operation.
pub fn event(
    context: &RequestContext<'_>,
    caller: Option<&Caller>,
    operation: Option<Operation>,
    event_name: &str,
    parameters: Value,
    outcome: Result<Option<&Response>, &KmsError>,
) -> Value {
    let mut event = Map::new();
    event.insert("eventVersion".into(), json!("1.11"));
    event.insert("userIdentity".into(), user_identity(context, caller));
    event.insert("eventTime".into(), json!(context.time.iso8601()));
    event.insert("eventSource".into(), json!("kms.amazonaws.com"));
    event.insert("eventName".into(), json!(event_name));
    event.insert("awsRegion".into(), json!(context.region));
    event.insert("sourceIPAddress".into(), json!(context.source_ip));
    event.insert("userAgent".into(), json!(context.user_agent));
    if let Err(err) = outcome {
        event.insert("errorCode".into(), json!(err.code.as_str()));
        if let Some(message) = &err.message {
            event.insert("errorMessage".into(), json!(message));
        }
    }
    event.insert("requestParameters".into(), parameters);
    let response = match (outcome, operation) {
        (Ok(Some(response)), Some(operation)) if RESPONSE_LOGGED.contains(&operation) => {
            serde_json::from_slice::<Value>(&response.to_json())
                .map(loggable)
                .unwrap_or(Value::Null)
        }
        _ => Value::Null,
    };
    event.insert("responseElements".into(), response);
    event.insert("requestID".into(), json!(context.request_id));
    event.insert("eventID".into(), json!(context.event_id));
    event.insert("readOnly".into(), json!(operation.is_some_and(read_only)));
    let resources: Vec<Value> = caller
        .map(Caller::resources)
        .unwrap_or_default()
        .iter()
        .map(|arn| {
            json!({
                "accountId": arn.split(':').nth(4).unwrap_or_default(),
                "type": "AWS::KMS::Key",
                "ARN": arn,
            })
        })
        .collect();
    event.insert("resources".into(), Value::Array(resources));
    event.insert("eventType".into(), json!("AwsApiCall"));
    event.insert("managementEvent".into(), json!(true));
    if let Some(caller) = caller {
        event.insert("recipientAccountId".into(), json!(caller.account()));
    }
    event.insert("eventCategory".into(), json!("Management"));
    Value::Object(event)
}

fn user_identity(context: &RequestContext<'_>, caller: Option<&Caller>) -> Value {
    match caller {
        Some(caller) => {
            let principal = &caller.principal;
            match &principal.kind {
                PrincipalKind::User => json!({
                    "type": "IAMUser",
                    "principalId": principal.user_id,
                    "arn": principal.arn,
                    "accountId": principal.account_id,
                    "accessKeyId": principal.access_key_id,
                    "userName": principal.user_name,
                }),
                PrincipalKind::AssumedRole {
                    role_arn,
                    role_name,
                    ..
                } => json!({
                    "type": "AssumedRole",
                    "principalId": principal.user_id,
                    "arn": principal.arn,
                    "accountId": principal.account_id,
                    "accessKeyId": principal.access_key_id,
                    "sessionContext": {
                        "sessionIssuer": {
                            "type": "Role",
                            "principalId": principal.user_id.split(':').next().unwrap_or_default(),
                            "arn": role_arn,
                            "accountId": principal.account_id,
                            "userName": role_name,
                        }
                    }
                }),
            }
        }
        None => {
            let mut identity = Map::new();
            identity.insert("type".into(), json!("Unknown"));
            if let Some(access_key_id) = context.access_key_id {
                identity.insert("accessKeyId".into(), json!(access_key_id));
            }
            Value::Object(identity)
        }
    }
}

/// Whether CloudTrail marks the operation read-only: it reads keys or uses them without changing
/// them.
fn read_only(operation: Operation) -> bool {
    let name = operation.name();
    ["Describe", "Get", "List"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
        || matches!(
            operation,
            Operation::Encrypt
                | Operation::Decrypt
                | Operation::ReEncrypt
                | Operation::GenerateDataKey
                | Operation::GenerateDataKeyWithoutPlaintext
                | Operation::GenerateDataKeyPair
                | Operation::GenerateDataKeyPairWithoutPlaintext
                | Operation::GenerateRandom
                | Operation::Sign
                | Operation::Verify
                | Operation::GenerateMac
                | Operation::VerifyMac
                | Operation::DeriveSharedSecret
        )
}

/// Drops secret members and renames the rest to lowerCamel, recursively.
fn loggable(value: Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .filter(|(name, _)| !NEVER_LOGGED.contains(&name.as_str()))
                .map(|(name, value)| {
                    let value = if FREE_FORM_MAPS.contains(&name.as_str()) {
                        value
                    } else {
                        loggable(value)
                    };
                    (lower_camel(&name), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(loggable).collect()),
        other => other,
    }
}

/// `KeyId` → `keyId`, `AWSAccountId` → `aWSAccountId` (CloudTrail lower-cases only the first
/// letter).
fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trent_protocol::decode_request;

    /// Every binary member the API has, read from the generated shapes, must be on the list.
    #[test]
    fn every_binary_member_is_never_logged() {
        let sources = [
            include_str!("../../trent-protocol/src/generated/requests.rs"),
            include_str!("../../trent-protocol/src/generated/responses.rs"),
            include_str!("../../trent-protocol/src/generated/shapes.rs"),
        ];
        let mut found = 0;
        for source in sources {
            for line in source.lines() {
                let line = line.trim();
                let Some(rest) = line.strip_prefix("pub ") else {
                    continue;
                };
                let Some((name, ty)) = rest.split_once(": ") else {
                    continue;
                };
                if ty.contains("Blob") {
                    found += 1;
                    let wire: String = name
                        .split('_')
                        .map(|part| {
                            let mut chars = part.chars();
                            chars
                                .next()
                                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                                .unwrap_or_default()
                        })
                        .collect();
                    assert!(
                        NEVER_LOGGED.contains(&wire.as_str()),
                        "{wire} may be logged"
                    );
                }
            }
        }
        assert!(found > 10, "the generated shapes changed shape: {found}");
    }

    #[test]
    fn parameters_keep_context_and_drop_secrets() {
        let request = decode_request(
            Operation::Encrypt,
            br#"{"KeyId":"alias/app","Plaintext":"Y2FuYXJ5LXBsYWludGV4dA==","EncryptionContext":{"Tenant":"a"},"GrantTokens":["t"]}"#,
        )
        .unwrap();
        let parameters = request_parameters(&request);
        assert_eq!(
            parameters,
            json!({"keyId": "alias/app", "encryptionContext": {"Tenant": "a"}})
        );
    }

    #[test]
    fn nested_members_are_renamed() {
        let request = decode_request(
            Operation::CreateKey,
            br#"{"Description":"d","Tags":[{"TagKey":"k","TagValue":"v"}]}"#,
        )
        .unwrap();
        assert_eq!(
            request_parameters(&request),
            json!({"description": "d", "tags": [{"tagKey": "k", "tagValue": "v"}]})
        );
    }
}
