//! The admin API: accounts, users, roles, access keys, inline identity policies and tags, plus
//! test-mode controls.
//!
//! It travels like a KMS call — `POST /`, SigV4-signed, JSON — with `X-Amz-Target:
//! TrentAdmin.<Operation>`, so the same authentication and the same clients serve both. Only
//! administrators may call it. `SimulatePolicy` explains authorization decisions
//! (`trent policy simulate`).

use serde::{Deserialize, Serialize};
use trent_core::{Caller, SimulateRequest, iam::RoleInfo, identity::UserInfo};
use trent_protocol::{ErrorCode, KmsError};

use crate::api::AppState;

pub const TARGET_PREFIX: &str = "TrentAdmin.";

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct AdminRequest {
    account_id: Option<String>,
    user_name: Option<String>,
    administrator: bool,
    user_arn: Option<String>,
    seconds: Option<f64>,
    role_name: Option<String>,
    assume_role_policy_document: Option<String>,
    arn: Option<String>,
    policy_name: Option<String>,
    policy_document: Option<String>,
    tags: Vec<EntityTag>,
    // SimulatePolicy
    principal_arn: Option<String>,
    action: Option<String>,
    key_id: Option<String>,
    region: Option<String>,
    encryption_context: Option<std::collections::BTreeMap<String, String>>,
    parameters: Option<serde_json::Value>,
    source_ip: Option<String>,
    secure_transport: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EntityTag {
    key: String,
    value: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Role {
    account_id: String,
    arn: String,
    role_name: String,
    role_id: String,
    assume_role_policy_document: String,
    max_session_duration: u32,
}

impl From<RoleInfo> for Role {
    fn from(r: RoleInfo) -> Self {
        Role {
            account_id: r.account_id,
            arn: r.arn,
            role_name: r.role_name,
            role_id: r.role_id,
            assume_role_policy_document: r.assume_role_policy,
            max_session_duration: r.max_session_seconds,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct User {
    account_id: String,
    arn: String,
    user_name: String,
    user_id: String,
    administrator: bool,
}

impl From<UserInfo> for User {
    fn from(u: UserInfo) -> Self {
        User {
            account_id: u.account_id,
            arn: u.arn,
            user_name: u.user_name,
            user_id: u.user_id,
            administrator: u.administrator,
        }
    }
}

fn required<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, KmsError> {
    value.as_deref().ok_or_else(|| {
        KmsError::new(
            ErrorCode::ValidationException,
            format!("{name} is required."),
        )
    })
}

/// Runs one admin operation for `caller`.
pub fn handle(
    state: &AppState,
    caller: &Caller,
    operation: &str,
    body: &[u8],
) -> Result<Vec<u8>, KmsError> {
    if !caller.principal.administrator {
        return Err(KmsError::new(
            ErrorCode::AccessDeniedException,
            format!(
                "User: {} is not authorized to perform: trent:{operation}",
                caller.principal.arn
            ),
        ));
    }
    let body = if body.is_empty() {
        b"{}".as_slice()
    } else {
        body
    };
    let request: AdminRequest = serde_json::from_slice(body)
        .map_err(|_| KmsError::bare(ErrorCode::SerializationException))?;
    let kms = &state.kms;
    let response = match operation {
        "CreateAccount" => {
            let account_id = kms.create_account(request.account_id.as_deref())?;
            serde_json::json!({ "AccountId": account_id })
        }
        "CreateUser" => {
            let user = kms.create_user(
                required(&request.account_id, "AccountId")?,
                required(&request.user_name, "UserName")?,
                request.administrator,
            )?;
            serde_json::to_value(User::from(user)).unwrap_or_default()
        }
        "ListUsers" => {
            let users = kms.list_users(required(&request.account_id, "AccountId")?)?;
            serde_json::json!({ "Users": users.into_iter().map(User::from).collect::<Vec<_>>() })
        }
        "CreateAccessKey" => {
            let key = kms.create_access_key(required(&request.user_arn, "UserArn")?, None)?;
            // The one place a secret leaves the server: in the answer to its owner's administrator.
            let secret = String::from_utf8_lossy(key.secret_access_key.expose()).into_owned();
            serde_json::json!({
                "AccountId": key.account_id,
                "Arn": key.user_arn,
                "AccessKeyId": key.access_key_id,
                "SecretAccessKey": secret,
            })
        }
        "CreateRole" => {
            let role = kms.create_role(
                required(&request.account_id, "AccountId")?,
                required(&request.role_name, "RoleName")?,
                required(
                    &request.assume_role_policy_document,
                    "AssumeRolePolicyDocument",
                )?,
            )?;
            serde_json::to_value(Role::from(role)).unwrap_or_default()
        }
        "ListRoles" => {
            let roles = kms.list_roles(required(&request.account_id, "AccountId")?)?;
            serde_json::json!({ "Roles": roles.into_iter().map(Role::from).collect::<Vec<_>>() })
        }
        "PutEntityPolicy" => {
            kms.put_entity_policy(
                required(&request.arn, "Arn")?,
                required(&request.policy_name, "PolicyName")?,
                required(&request.policy_document, "PolicyDocument")?,
            )?;
            serde_json::json!({})
        }
        "DeleteEntityPolicy" => {
            kms.delete_entity_policy(
                required(&request.arn, "Arn")?,
                required(&request.policy_name, "PolicyName")?,
            )?;
            serde_json::json!({})
        }
        "ListEntityPolicies" => {
            let policies = kms.entity_policies(required(&request.arn, "Arn")?)?;
            serde_json::json!({ "Policies": policies })
        }
        "TagEntity" => {
            let tags: Vec<(String, String)> = request
                .tags
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect();
            kms.tag_entity(required(&request.arn, "Arn")?, &tags)?;
            serde_json::json!({})
        }
        "SimulatePolicy" => {
            let source_ip = match request.source_ip.as_deref() {
                Some(text) => Some(text.parse().map_err(|_| {
                    KmsError::new(
                        ErrorCode::ValidationException,
                        format!("SourceIp {text:?} is not an IP address."),
                    )
                })?),
                None => None,
            };
            let answer = kms.simulate(&SimulateRequest {
                principal_arn: required(&request.principal_arn, "PrincipalArn")?.to_string(),
                action: required(&request.action, "Action")?.to_string(),
                key_id: request.key_id.clone(),
                region: request
                    .region
                    .clone()
                    .unwrap_or_else(|| caller.region.clone()),
                encryption_context: request.encryption_context.clone(),
                parameters: request.parameters.clone(),
                source_ip,
                secure_transport: request.secure_transport,
            })?;
            serde_json::json!({
                "Decision": if answer.allowed { "allowed" } else { "denied" },
                "Reason": answer.reason,
                "DecidingStatements": answer.deciding,
                "DenialMessage": answer.denial_message,
            })
        }
        "AdvanceClock" => {
            let Some(dev) = &state.dev else {
                return Err(KmsError::new(
                    ErrorCode::UnsupportedOperationException,
                    "AdvanceClock is only available in test mode (trent serve --dev).",
                ));
            };
            dev.clock.advance(request.seconds.unwrap_or(0.0));
            let done = kms.run_due_work()?;
            serde_json::json!({
                "Now": kms.now(),
                "ClockOffsetSeconds": dev.clock.offset_seconds(),
                "KeysDeleted": done.deleted,
                "KeysRotated": done.rotated,
            })
        }
        _ => return Err(KmsError::bare(ErrorCode::UnknownOperationException)),
    };
    Ok(serde_json::to_vec(&response).unwrap_or_default())
}
