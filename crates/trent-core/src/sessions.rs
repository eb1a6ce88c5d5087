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
use crate::records::RoleRecord;
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
        if !self.trust_allows(&role, caller)? {
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

    /// The principal an ARN names, as it would be when calling: a user, or a session of a role
    /// (`…:role/R` stands for a session named `simulation`). For `trent policy simulate`.
    pub fn principal_for_arn(&self, arn: &str) -> Result<Principal, KmsError> {
        let unknown = || {
            KmsError::new(
                ErrorCode::NotFoundException,
                format!("The principal {arn} does not exist."),
            )
        };
        let role_session = match Entity::parse(arn) {
            Some(Entity::User { account, name }) => {
                let user = self.user(account, name)?.ok_or_else(unknown)?;
                return Ok(Principal {
                    account_id: user.account_id,
                    arn: user.arn,
                    user_name: user.name,
                    user_id: user.user_id,
                    access_key_id: String::new(),
                    administrator: user.administrator,
                    kind: PrincipalKind::User,
                    via_service: tag_value(&user.tags, VIA_SERVICE_TAG),
                });
            }
            Some(Entity::Role { account, name }) => Some((account, name, "simulation")),
            None => arn.split_once(":sts::").and_then(|(_, rest)| {
                let (account, resource) = rest.split_once(':')?;
                let (role, session) = resource.strip_prefix("assumed-role/")?.split_once('/')?;
                Some((account, role, session))
            }),
        };
        let (account, name, session) = role_session.ok_or_else(unknown)?;
        let role = self.role(account, name)?.ok_or_else(unknown)?;
        Ok(self.session_principal(&SessionClaims {
            access_key_id: String::new(),
            secret: String::new(),
            account: role.account_id.clone(),
            role_name: role.name.clone(),
            role_id: role.role_id.clone(),
            session_name: session.to_string(),
            expires: f64::MAX,
            via_service: tag_value(&role.tags, VIA_SERVICE_TAG),
        }))
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

    /// Whether a role's trust policy lets `caller` assume it. The trust policy plays the part
    /// a key policy plays for keys: naming the caller allows within the role's account; naming
    /// the account (or any principal of another account) also needs the caller's identity
    /// policies to allow `sts:AssumeRole` on the role.
    fn trust_allows(&self, role: &RoleRecord, caller: &Caller) -> Result<bool, KmsError> {
        let Ok(trust) =
            trent_policy::parse(&role.assume_role_policy, trent_policy::PolicyKind::Trust)
        else {
            return Ok(false);
        };
        Ok(self
            .decide_with_policy(
                caller,
                "sts:AssumeRole",
                &role.arn,
                &role.account_id,
                &trust,
            )?
            .allowed())
    }
}
