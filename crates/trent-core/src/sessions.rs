//! Temporary credentials: STS AssumeRole and the role sessions it creates.
//!
//! A session's credentials live only in its session token: the access key id, secret, role and
//! expiry, sealed under the domain key. Nothing is stored, so every node of a deployment can
//! check any session, sessions cost no writes, and a token cannot be forged or altered without
//! the domain key. A request signed with an `ASIA…` key must carry the token it was issued with.

use std::sync::Arc;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use trent_crypto::Secret;
use trent_protocol::{ErrorCode, KmsError};

use crate::iam::Entity;
use crate::identity::{PrincipalKind, new_secret_access_key, random_from, tag_value};
use crate::managed::VIA_SERVICE_TAG;
use crate::{Caller, Kms, Principal};

const SESSION_AAD: &[u8] = b"trent/session/v1";
/// AWS's shortest session.
pub const MIN_SESSION_SECONDS: u32 = 900;

/// Credentials handed to the caller of AssumeRole.
#[derive(Debug)]
pub struct SessionCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: String,
    /// Unix seconds.
    pub expiration: f64,
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub assumed_role_arn: String,
    /// `AROA…:<session>`.
    pub assumed_role_id: String,
}

/// What a session token carries.
#[derive(Serialize, Deserialize)]
struct SessionClaims {
    access_key_id: String,
    secret: String,
    account: String,
    role_name: String,
    role_id: String,
    session_name: String,
    expires: f64,
    /// The role's `trent:ViaService` tag when the session began.
    #[serde(default)]
    via_service: Option<String>,
}

/// Why temporary credentials were refused, in the words AWS uses.
pub fn invalid_token() -> KmsError {
    KmsError::new(
        ErrorCode::UnrecognizedClientException,
        "The security token included in the request is invalid.",
    )
}

fn expired_token() -> KmsError {
    KmsError::new(
        ErrorCode::ExpiredTokenException,
        "The security token included in the request is expired",
    )
}

fn access_denied(caller: &Caller, role_arn: &str) -> KmsError {
    KmsError::new(
        ErrorCode::AccessDeniedException,
        format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            caller.principal.arn
        ),
    )
}

/// IAM's rule for session names: 2–64 of `[\w+=,.@-]`.
fn is_session_name(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

impl Kms {
    /// AssumeRole: checks the role's trust policy for `caller` and issues session credentials.
    pub fn assume_role(
        &self,
        caller: &Caller,
        role_arn: &str,
        session_name: &str,
        duration_seconds: Option<u32>,
    ) -> Result<SessionCredentials, KmsError> {
        if !is_session_name(session_name) {
            return Err(KmsError::new(
                ErrorCode::ValidationException,
                format!(
                    "1 validation error detected: Value '{session_name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
                ),
            ));
        }
        let Some(Entity::Role { account, name }) = Entity::parse(role_arn) else {
            return Err(KmsError::new(
                ErrorCode::ValidationException,
                format!("{role_arn} is invalid"),
            ));
        };
        let role = self
            .role(account, name)?
            .ok_or_else(|| access_denied(caller, role_arn))?;
        if !self.trust_allows(&role.assume_role_policy, caller) {
            return Err(access_denied(caller, role_arn));
        }
        let duration = duration_seconds.unwrap_or(3600);
        if duration < MIN_SESSION_SECONDS {
            return Err(KmsError::new(
                ErrorCode::ValidationException,
                format!(
                    "1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to {MIN_SESSION_SECONDS}"
                ),
            ));
        }
        if duration > role.max_session_seconds {
            return Err(KmsError::new(
                ErrorCode::ValidationException,
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ));
        }
        let claims = SessionClaims {
            access_key_id: format!(
                "ASIA{}",
                random_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
            ),
            secret: new_secret_access_key(),
            account: role.account_id.clone(),
            role_name: role.name.clone(),
            role_id: role.role_id.clone(),
            session_name: session_name.to_string(),
            expires: (self.now() + f64::from(duration)).floor(),
            via_service: tag_value(&role.tags, VIA_SERVICE_TAG),
        };
        let sealed = self.domain_key.wrap(
            SESSION_AAD,
            &serde_json::to_vec(&claims).unwrap_or_default(),
        );
        let principal = self.session_principal(&claims);
        Ok(SessionCredentials {
            access_key_id: claims.access_key_id,
            secret_access_key: Secret::new(claims.secret.into_bytes()),
            session_token: base64::engine::general_purpose::STANDARD.encode(sealed),
            expiration: claims.expires,
            assumed_role_arn: principal.arn.clone(),
            assumed_role_id: principal.user_id.clone(),
        })
    }

    /// The principal and secret of a role session, from the access key id and session token a
    /// request carries.
    pub fn session(
        &self,
        access_key_id: &str,
        session_token: &str,
    ) -> Result<(Arc<Principal>, Secret), KmsError> {
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(session_token)
            .map_err(|_| invalid_token())?;
        let opened = self
            .domain_key
            .unwrap(SESSION_AAD, &sealed)
            .map_err(|_| invalid_token())?;
        let claims: SessionClaims =
            serde_json::from_slice(opened.expose()).map_err(|_| invalid_token())?;
        if claims.access_key_id != access_key_id {
            return Err(invalid_token());
        }
        if claims.expires <= self.now() {
            return Err(expired_token());
        }
        let principal = Arc::new(self.session_principal(&claims));
        Ok((principal, Secret::new(claims.secret.into_bytes())))
    }

    fn session_principal(&self, claims: &SessionClaims) -> Principal {
        let partition = &self.arns.partition;
        Principal {
            account_id: claims.account.clone(),
            arn: format!(
                "arn:{partition}:sts::{}:assumed-role/{}/{}",
                claims.account, claims.role_name, claims.session_name
            ),
            user_name: claims.session_name.clone(),
            user_id: format!("{}:{}", claims.role_id, claims.session_name),
            access_key_id: claims.access_key_id.clone(),
            administrator: false,
            via_service: claims.via_service.clone(),
            kind: PrincipalKind::AssumedRole {
                role_arn: format!(
                    "arn:{partition}:iam::{}:role/{}",
                    claims.account, claims.role_name
                ),
                role_name: claims.role_name.clone(),
                session_name: claims.session_name.clone(),
                expires: claims.expires,
            },
        }
    }

    /// Whether a role's trust policy lets `caller` assume it: an Allow statement for
    /// `sts:AssumeRole` naming the caller (its ARN, its role's ARN for a session, its account's
    /// root or id, or `*`) and no Deny naming it.
    fn trust_allows(&self, policy: &str, caller: &Caller) -> bool {
        let Ok(document) = serde_json::from_str::<serde_json::Value>(policy) else {
            return false;
        };
        let account = caller.account();
        let names = [
            caller.principal.arn.as_str(),
            caller.principal.policy_owner_arn(),
            account,
            &format!("arn:{}:iam::{account}:root", self.arns.partition),
            "*",
        ];
        let statements = match &document["Statement"] {
            serde_json::Value::Array(list) => list.clone(),
            single @ serde_json::Value::Object(_) => vec![single.clone()],
            _ => Vec::new(),
        };
        let strings = |value: &serde_json::Value| -> Vec<String> {
            match value {
                serde_json::Value::String(s) => vec![s.clone()],
                serde_json::Value::Array(list) => list
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            }
        };
        let applies = |statement: &serde_json::Value| {
            let actions = strings(&statement["Action"]);
            let principals = match &statement["Principal"] {
                serde_json::Value::String(s) if s == "*" => vec!["*".to_string()],
                other => strings(&other["AWS"]),
            };
            actions.iter().any(|a| {
                a == "*"
                    || a.eq_ignore_ascii_case("sts:*")
                    || a.eq_ignore_ascii_case("sts:AssumeRole")
            }) && principals.iter().any(|p| names.contains(&p.as_str()))
                && statement.get("Condition").is_none()
        };
        let effect_is = |statement: &serde_json::Value, effect: &str| statement["Effect"] == effect;
        !statements
            .iter()
            .any(|s| effect_is(s, "Deny") && applies(s))
            && statements
                .iter()
                .any(|s| effect_is(s, "Allow") && applies(s))
    }
}
