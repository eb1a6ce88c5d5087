//! The audit event of a request, shaped like the CloudTrail event AWS KMS writes for it.
//!
//! Operators already have tools and habits for CloudTrail's shape (`eventName`, `userIdentity`,
//! `requestParameters`, `errorCode`, `resources`, …), so Trent writes the same fields. What a
//! KMS must never log is kept out by construction: every binary member of the API (plaintexts,
//! ciphertexts, messages, signatures, MACs, keys, tokens) and the custom key store secrets are
//! dropped from parameters and responses; the encryption context is kept, as AWS keeps it.

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
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
pub fn request_parameters(request: &Request) -> Parameters {
    loggable(&request.to_json_without_blobs())
}

/// `requestParameters` (or `responseElements`) as the event will hold them, serialized;
/// `None` is `null`.
pub type Parameters = Option<Box<RawValue>>;

/// Parameters given as a JSON value (STS form fields, admin API bodies), kept as they are.
pub fn parameters_of(value: &Value) -> Parameters {
    match value {
        Value::Null => None,
        value => serde_json::value::to_raw_value(value).ok(),
    }
}

/// The event for one request as a JSON value (see [`event_json`]), with KMS as its source.
pub fn event(
    context: &RequestContext<'_>,
    caller: Option<&Caller>,
    operation: Option<Operation>,
    event_name: &str,
    parameters: Parameters,
    outcome: Result<Option<&Response>, &KmsError>,
) -> Value {
    let bytes = event_json(
        context,
        caller,
        operation,
        "kms.amazonaws.com",
        event_name,
        parameters.as_deref(),
        outcome,
    );
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

/// The event for one request, serialized in CloudTrail's member order. `caller` is `None` when
/// authentication failed; `operation` is `None` when the target named no KMS operation;
/// `event_source` is `kms.amazonaws.com` (or `sts.amazonaws.com`, `trent.admin`).
/// Written straight from borrowed fields: this runs once per request.
pub fn event_json(
    context: &RequestContext<'_>,
    caller: Option<&Caller>,
    operation: Option<Operation>,
    event_source: &str,
    event_name: &str,
    parameters: Option<&RawValue>,
    outcome: Result<Option<&Response>, &KmsError>,
) -> Vec<u8> {
    let resources = caller.map(Caller::resources).unwrap_or_default();
    let (error_code, error_message) = match outcome {
        Err(err) => (Some(err.code.as_str()), err.message.as_deref()),
        Ok(_) => (None, None),
    };
    let response_elements = match (outcome, operation) {
        (Ok(Some(response)), Some(operation)) if RESPONSE_LOGGED.contains(&operation) => {
            loggable(&response.to_json_without_blobs())
        }
        _ => None,
    };
    let event = Event {
        event_version: "1.11",
        user_identity: user_identity(context, caller),
        event_time: context.time.iso8601(),
        event_source,
        event_name,
        aws_region: context.region,
        source_ip_address: context.source_ip,
        user_agent: context.user_agent,
        error_code,
        error_message,
        request_parameters: parameters,
        response_elements,
        request_id: context.request_id,
        event_id: context.event_id,
        read_only: operation.is_some_and(read_only),
        resources: resources
            .iter()
            .map(|arn| EventResource {
                account_id: arn.split(':').nth(4).unwrap_or_default(),
                kind: "AWS::KMS::Key",
                arn,
            })
            .collect(),
        event_type: "AwsApiCall",
        management_event: true,
        recipient_account_id: caller.map(Caller::account),
        event_category: "Management",
    };
    let mut out = Vec::with_capacity(1024);
    // Serializing borrowed strings and numbers cannot fail.
    let _ = serde_json::to_writer(&mut out, &event);
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Event<'a> {
    event_version: &'static str,
    user_identity: UserIdentity<'a>,
    event_time: String,
    event_source: &'a str,
    event_name: &'a str,
    aws_region: &'a str,
    #[serde(rename = "sourceIPAddress")]
    source_ip_address: &'a str,
    user_agent: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<&'a str>,
    request_parameters: Option<&'a RawValue>,
    response_elements: Parameters,
    #[serde(rename = "requestID")]
    request_id: &'a str,
    #[serde(rename = "eventID")]
    event_id: &'a str,
    read_only: bool,
    resources: Vec<EventResource<'a>>,
    event_type: &'static str,
    management_event: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient_account_id: Option<&'a str>,
    event_category: &'static str,
}

#[derive(Serialize)]
struct EventResource<'a> {
    #[serde(rename = "accountId")]
    account_id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "ARN")]
    arn: &'a str,
}

/// `userIdentity`: an IAM user, a role session, or (authentication failed) unknown.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserIdentity<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    principal_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    arn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_key_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_context: Option<SessionContext<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionContext<'a> {
    session_issuer: SessionIssuer<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionIssuer<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    principal_id: &'a str,
    arn: &'a str,
    account_id: &'a str,
    user_name: &'a str,
}

fn user_identity<'a>(context: &RequestContext<'a>, caller: Option<&'a Caller>) -> UserIdentity<'a> {
    let Some(caller) = caller else {
        return UserIdentity {
            kind: "Unknown",
            principal_id: None,
            arn: None,
            account_id: None,
            access_key_id: context.access_key_id,
            user_name: None,
            session_context: None,
        };
    };
    let principal = &caller.principal;
    let mut identity = UserIdentity {
        kind: "IAMUser",
        principal_id: Some(&principal.user_id),
        arn: Some(&principal.arn),
        account_id: Some(&principal.account_id),
        access_key_id: Some(&principal.access_key_id),
        user_name: Some(&principal.user_name),
        session_context: None,
    };
    if let PrincipalKind::AssumedRole {
        role_arn,
        role_name,
        ..
    } = &principal.kind
    {
        identity.kind = "AssumedRole";
        identity.user_name = None;
        identity.session_context = Some(SessionContext {
            session_issuer: SessionIssuer {
                kind: "Role",
                principal_id: principal.user_id.split(':').next().unwrap_or_default(),
                arn: role_arn,
                account_id: &principal.account_id,
                user_name: role_name,
            },
        });
    }
    identity
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

/// `json` (a request or response as `to_json` wrote it) without its secret members, the rest
/// renamed to lowerCamel at every depth except inside free-form maps. The JSON text is
/// filtered as it is copied — no tree is built, as this runs once per request.
fn loggable(json: &[u8]) -> Parameters {
    let mut out = Vec::with_capacity(json.len());
    copy_loggable(json, skip_space(json, 0), &mut out)?;
    // The copy is made of whole tokens of valid JSON; checking costs one parse without
    // allocations and makes sure a surprise never yields a broken event.
    let text = String::from_utf8(out).ok()?;
    RawValue::from_string(text)
        .ok()
        .filter(|raw| raw.get() != "null")
}

/// Copies the value at `at` with the logging rules; returns where it ends.
fn copy_loggable(json: &[u8], at: usize, out: &mut Vec<u8>) -> Option<usize> {
    match json.get(at)? {
        b'{' => {
            out.push(b'{');
            let mut at = skip_space(json, at + 1);
            let mut first = true;
            loop {
                match json.get(at)? {
                    b'}' => {
                        out.push(b'}');
                        return Some(at + 1);
                    }
                    b',' => at = skip_space(json, at + 1),
                    b'"' => {
                        let name_end = skip_string(json, at)?;
                        let name = std::str::from_utf8(json.get(at + 1..name_end - 1)?).ok()?;
                        let colon = skip_space(json, name_end);
                        (json.get(colon)? == &b':').then_some(())?;
                        let value_at = skip_space(json, colon + 1);
                        let value_end = skip_value(json, value_at)?;
                        if !NEVER_LOGGED.contains(&name) {
                            if !first {
                                out.push(b',');
                            }
                            first = false;
                            out.push(b'"');
                            write_lower_camel(name, out);
                            out.extend_from_slice(b"\":");
                            if FREE_FORM_MAPS.contains(&name) {
                                out.extend_from_slice(&json[value_at..value_end]);
                            } else {
                                copy_loggable(json, value_at, out)?;
                            }
                        }
                        at = skip_space(json, value_end);
                    }
                    _ => return None,
                }
            }
        }
        b'[' => {
            out.push(b'[');
            let mut at = skip_space(json, at + 1);
            let mut first = true;
            loop {
                match json.get(at)? {
                    b']' => {
                        out.push(b']');
                        return Some(at + 1);
                    }
                    b',' => at = skip_space(json, at + 1),
                    _ => {
                        if !first {
                            out.push(b',');
                        }
                        first = false;
                        at = skip_space(json, copy_loggable(json, at, out)?);
                    }
                }
            }
        }
        _ => {
            let end = skip_value(json, at)?;
            out.extend_from_slice(&json[at..end]);
            Some(end)
        }
    }
}

/// Where the JSON value starting at `at` ends (strings, containers and scalars alike).
fn skip_value(json: &[u8], at: usize) -> Option<usize> {
    match json.get(at)? {
        b'"' => skip_string(json, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            loop {
                match json.get(i)? {
                    b'"' => {
                        i = skip_string(json, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            // A number, `true`, `false` or `null`.
            let mut i = at;
            while json.get(i).is_some_and(|b| {
                !matches!(b, b',' | b':' | b'}' | b']') && !b.is_ascii_whitespace()
            }) {
                i += 1;
            }
            (i > at).then_some(i)
        }
    }
}

/// Where the string whose opening quote is at `at` ends (after its closing quote).
fn skip_string(json: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    loop {
        match json.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

fn skip_space(json: &[u8], mut at: usize) -> usize {
    while json.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// `KeyId` → `keyId`, `AWSAccountId` → `aWSAccountId` (CloudTrail lower-cases only the first
/// letter).
fn write_lower_camel(name: &str, out: &mut Vec<u8>) {
    let mut bytes = name.bytes();
    if let Some(first) = bytes.next() {
        out.push(first.to_ascii_lowercase());
        out.extend(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
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
        assert_eq!(
            value(request_parameters(&request)),
            json!({"keyId": "alias/app", "encryptionContext": {"Tenant": "a"}})
        );
    }

    fn value(parameters: Parameters) -> Value {
        parameters.map_or(Value::Null, |raw| serde_json::from_str(raw.get()).unwrap())
    }

    /// The filter on the JSON text against the obvious tree walk it replaces.
    fn by_tree(value: Value) -> Value {
        match value {
            Value::Object(members) => Value::Object(
                members
                    .into_iter()
                    .filter(|(name, _)| !NEVER_LOGGED.contains(&name.as_str()))
                    .map(|(name, value)| {
                        let value = if FREE_FORM_MAPS.contains(&name.as_str()) {
                            value
                        } else {
                            by_tree(value)
                        };
                        let mut renamed = Vec::new();
                        write_lower_camel(&name, &mut renamed);
                        (String::from_utf8(renamed).unwrap(), value)
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(by_tree).collect()),
            other => other,
        }
    }

    #[test]
    fn the_text_filter_agrees_with_a_tree_walk() {
        let documents = [
            r#"{"KeyId":"k","Plaintext":"AAAA","EncryptionContext":{"Plaintext":"kept","a\"b":"c\\"},"GrantTokens":["t1","t2"]}"#,
            r#"{"Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[]}","Tags":[{"TagKey":"k","TagValue":"v"},{"TagKey":"x","TagValue":""}],"BypassPolicyLockoutSafetyCheck":false,"MultiRegion":true}"#,
            r#"{"Constraints":{"EncryptionContextSubset":{"A":"1"},"EncryptionContextEquals":null},"Operations":["Encrypt","Decrypt"],"Retiring":null,"Limit":100,"Ratio":-1.5e3}"#,
            r#" { "Nested" : [ [ {"Mac":"x","Name":"y"} ] , [] , {} ] , "Empty":"" } "#,
            r#"{"Signature":"c2ln","Message":"bWVzc2FnZQ==","MessageType":"RAW","SigningAlgorithm":"ECDSA_SHA_256"}"#,
            r#"{}"#,
        ];
        for document in documents {
            let expected = by_tree(serde_json::from_str(document).unwrap());
            assert_eq!(value(loggable(document.as_bytes())), expected, "{document}");
        }
    }

    #[test]
    fn text_that_is_not_json_logs_nothing() {
        for broken in [
            &b""[..],
            b"{",
            b"{\"a\":",
            b"{\"a\" 1}",
            b"[1,",
            b"\"open",
            b"}",
        ] {
            assert_eq!(value(loggable(broken)), Value::Null);
        }
    }

    #[test]
    fn nested_members_are_renamed() {
        let request = decode_request(
            Operation::CreateKey,
            br#"{"Description":"d","Tags":[{"TagKey":"k","TagValue":"v"}]}"#,
        )
        .unwrap();
        assert_eq!(
            value(request_parameters(&request)),
            json!({"description": "d", "tags": [{"tagKey": "k", "tagValue": "v"}]})
        );
    }
}
