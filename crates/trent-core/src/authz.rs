//! Authorization: the one place that decides whether a caller may do an action.
//!
//! Decisions are `trent-policy`'s, with AWS's rules for KMS: an explicit Deny in the key policy
//! or the caller's identity policies denies; otherwise the key policy must allow, by naming the
//! caller or by delegating to its account whose identity policies then allow; across accounts
//! both sides must allow. A grant can allow what the policies leave undecided (never what they
//! deny). Actions that have no key (CreateKey, ListKeys, aliases, …) are decided by identity
//! policies alone. The condition values a policy may ask for come from [`RequestKeys`].
//!
//! An administrator (the bootstrap user of an account, like AWS's root user) has an implicit
//! allow-everything identity policy, and no exemption from key policies.

use std::sync::Arc;

use trent_crypto::EncryptionContext;
use trent_policy::{Decision, Identity, Outcome, Policy};
use trent_protocol::{ErrorCode, KmsError, Operation, decode_request};

use crate::conditions::RequestKeys;
use crate::iam::EntityPolicies;
use crate::ids::Accept;
use crate::keys::LoadedKey;
use crate::ops::context_satisfies;
use crate::{Caller, Kms, PrincipalKind, RequestFacts};

/// The answer of a policy simulation: the decision and what decided it, in words.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub allowed: bool,
    /// `Allowed`, `ExplicitDenyInKeyPolicy`, `ExplicitDenyInIdentityPolicy`,
    /// `NoKeyPolicyAllows`, `NoIdentityPolicyAllows`, or `AllowedByGrant`.
    pub reason: &'static str,
    /// The statements that decided, e.g. `key policy statement 1 (Sid "Enable IAM User
    /// Permissions")`, `identity policy "kms-use" statement 0`, or a grant id.
    pub deciding: Vec<String>,
    /// The AccessDeniedException message a real call would get.
    pub denial_message: Option<String>,
}

/// A question for [`Kms::simulate`]: would `principal_arn` be allowed `action` on `key_id`?
#[derive(Debug, Clone, Default)]
pub struct SimulateRequest {
    /// A user, role (a session of it) or role session ARN.
    pub principal_arn: String,
    /// `kms:Encrypt`, … (also `kms:ReEncryptFrom`/`kms:ReEncryptTo`).
    pub action: String,
    /// The key (ARN, or id/alias in the principal's account); not needed for actions without a
    /// key (CreateKey, ListKeys, …).
    pub key_id: Option<String>,
    pub region: String,
    pub encryption_context: Option<EncryptionContext>,
    /// The operation's request parameters as JSON (`{"SigningAlgorithm": …}`), which supply
    /// condition values such as `kms:SigningAlgorithm`.
    pub parameters: Option<serde_json::Value>,
    pub source_ip: Option<std::net::IpAddr>,
    pub secure_transport: bool,
}

/// Actions decided by identity policies alone (their resource is `*`).
const ACTIONS_WITHOUT_KEY: &[&str] = &[
    "kms:CreateKey",
    "kms:ListKeys",
    "kms:ListAliases",
    "kms:GenerateRandom",
    "kms:ListRetirableGrants",
];

impl Kms {
    /// Explains whether a principal would be allowed an action on a key, and which statements
    /// or grant decide it (`trent policy simulate`). Nothing is changed or recorded.
    pub fn simulate(&self, question: &SimulateRequest) -> Result<Simulation, KmsError> {
        let principal = Arc::new(self.principal_for_arn(&question.principal_arn)?);
        let caller = Caller::new(
            principal,
            question.region.clone(),
            String::new(),
            String::new(),
        )
        .with_transport(question.source_ip, question.secure_transport);
        let action = question.action.as_str();
        let operation_name = action
            .strip_prefix("kms:")
            .map(|name| match name {
                "ReEncryptFrom" | "ReEncryptTo" => "ReEncrypt",
                other => other,
            })
            .and_then(Operation::from_name)
            .ok_or_else(|| {
                KmsError::new(
                    ErrorCode::ValidationException,
                    format!("{action} is not a KMS action."),
                )
            })?;
        if let Some(parameters) = &question.parameters {
            let body = serde_json::to_vec(parameters).unwrap_or_default();
            caller.set_facts(RequestFacts::of(&decode_request(operation_name, &body)?));
        }
        if ACTIONS_WITHOUT_KEY.contains(&action) && question.key_id.is_none() {
            let entity = self.entity(caller.principal.policy_owner_arn())?;
            let keys = self.request_keys(&caller, action, None, None, &entity);
            let decision = trent_policy::decide_identity_only(
                identity(&caller, &entity),
                &policy_request(&caller, action, "*", &keys),
            );
            return Ok(Simulation {
                allowed: decision.allowed(),
                reason: outcome_name(decision.outcome),
                deciding: describe(&decision),
                denial_message: decision.denial_message(&caller.principal.arn, action, "*"),
            });
        }
        let key_id = question
            .key_id
            .as_deref()
            .ok_or_else(|| KmsError::new(ErrorCode::ValidationException, "KeyId is required."))?;
        let key = self.resolve(&caller, key_id, Accept::KeyOrAlias)?;
        self.simulate_on_key(&caller, action, &key, question.encryption_context.as_ref())
    }

    /// Whether `caller` may perform `action` (`kms:Encrypt`, …) on `key`.
    pub(crate) fn authorize(
        &self,
        caller: &Caller,
        action: &str,
        key: &LoadedKey,
    ) -> Result<(), KmsError> {
        self.authorize_with_context(caller, action, key, None)
    }

    /// [`Kms::authorize`] for a request that carries an encryption context, which conditions
    /// and grant constraints are checked against.
    pub(crate) fn authorize_with_context(
        &self,
        caller: &Caller,
        action: &str,
        key: &LoadedKey,
        context: Option<&EncryptionContext>,
    ) -> Result<(), KmsError> {
        caller.touch(&key.arn);
        let decision = self.decide_on_key(caller, action, key, context)?;
        if decision.allowed() {
            return Ok(());
        }
        let explicit = matches!(
            decision.outcome,
            Outcome::ExplicitDenyInKeyPolicy | Outcome::ExplicitDenyInIdentityPolicy
        );
        if !explicit && granting(caller, action, key, context).is_some() {
            return Ok(());
        }
        Err(denied(&decision, &caller.principal.arn, action, &key.arn))
    }

    /// Whether `caller` may perform `action` on a resource that is not a key (`*`, or an alias
    /// ARN): identity policies alone decide.
    pub(crate) fn authorize_without_key(
        &self,
        caller: &Caller,
        action: &str,
        resource: &str,
    ) -> Result<(), KmsError> {
        let entity = self.entity(caller.principal.policy_owner_arn())?;
        let keys = self.request_keys(caller, action, None, None, &entity);
        let decision = trent_policy::decide_identity_only(
            identity(caller, &entity),
            &policy_request(caller, action, resource, &keys),
        );
        if decision.allowed() {
            return Ok(());
        }
        Err(denied(&decision, &caller.principal.arn, action, resource))
    }

    /// The tag permission CreateKey needs when it is given tags. AWS words this denial without
    /// a resource.
    pub(crate) fn authorize_tagging_on_create(&self, caller: &Caller) -> Result<(), KmsError> {
        self.authorize_without_key(caller, "kms:TagResource", "*")
            .map_err(|_| {
                KmsError::new(
                    ErrorCode::AccessDeniedException,
                    format!(
                        "User: {} is not authorized to perform: kms:TagResource because no identity-based policy allows the kms:TagResource action",
                        caller.principal.arn
                    ),
                )
            })
    }

    /// The lockout safety check: unless bypassed, a new key policy must still let the caller
    /// change the key policy later.
    pub(crate) fn check_lockout(
        &self,
        caller: &Caller,
        key_arn: &str,
        new_policy: &Policy,
    ) -> Result<(), KmsError> {
        let entity = self.entity(caller.principal.policy_owner_arn())?;
        let keys = self.request_keys(caller, "kms:PutKeyPolicy", None, None, &entity);
        let request = policy_request(caller, "kms:PutKeyPolicy", key_arn, &keys);
        if trent_policy::keeps_policy_access(new_policy, &request) {
            Ok(())
        } else {
            Err(KmsError::new(
                ErrorCode::MalformedPolicyDocumentException,
                "The new key policy will not allow you to update the key policy in the future.",
            ))
        }
    }

    /// Explains the decision for `caller` doing `action` on `key` (`trent policy simulate`),
    /// with the request's condition values taken from `caller`'s facts and `context`.
    fn simulate_on_key(
        &self,
        caller: &Caller,
        action: &str,
        key: &LoadedKey,
        context: Option<&EncryptionContext>,
    ) -> Result<Simulation, KmsError> {
        let decision = self.decide_on_key(caller, action, key, context)?;
        let explicit = matches!(
            decision.outcome,
            Outcome::ExplicitDenyInKeyPolicy | Outcome::ExplicitDenyInIdentityPolicy
        );
        if !decision.allowed()
            && !explicit
            && let Some(grant_id) = granting(caller, action, key, context)
        {
            return Ok(Simulation {
                allowed: true,
                reason: "AllowedByGrant",
                deciding: vec![format!("grant {grant_id}")],
                denial_message: None,
            });
        }
        Ok(Simulation {
            allowed: decision.allowed(),
            reason: outcome_name(decision.outcome),
            deciding: describe(&decision),
            denial_message: decision.denial_message(&caller.principal.arn, action, &key.arn),
        })
    }

    /// The decision under a resource policy other than a key's (a role's trust policy).
    pub(crate) fn decide_with_policy(
        &self,
        caller: &Caller,
        action: &str,
        resource: &str,
        resource_account: &str,
        policy: &Policy,
    ) -> Result<Decision, KmsError> {
        let entity = self.entity(caller.principal.policy_owner_arn())?;
        let keys = self.request_keys(caller, action, None, None, &entity);
        Ok(trent_policy::decide(
            policy,
            resource_account,
            identity(caller, &entity),
            &policy_request(caller, action, resource, &keys),
        ))
    }

    fn decide_on_key(
        &self,
        caller: &Caller,
        action: &str,
        key: &LoadedKey,
        context: Option<&EncryptionContext>,
    ) -> Result<Decision, KmsError> {
        let entity = self.entity(caller.principal.policy_owner_arn())?;
        let keys = self.request_keys(caller, action, Some(key), context, &entity);
        Ok(trent_policy::decide(
            &key.policy,
            &key.record.account,
            identity(caller, &entity),
            &policy_request(caller, action, &key.arn, &keys),
        ))
    }

    fn request_keys<'a>(
        &'a self,
        caller: &'a Caller,
        action: &'a str,
        key: Option<&'a LoadedKey>,
        context: Option<&'a EncryptionContext>,
        entity: &'a EntityPolicies,
    ) -> RequestKeys<'a> {
        RequestKeys {
            kms: self,
            caller,
            action,
            key,
            context,
            principal_tags: &entity.tags,
        }
    }
}

fn identity<'a>(caller: &Caller, entity: &'a EntityPolicies) -> Identity<'a> {
    Identity {
        administrator: caller.principal.administrator,
        policies: &entity.policies,
    }
}

fn policy_request<'a>(
    caller: &'a Caller,
    action: &'a str,
    resource: &'a str,
    keys: &'a RequestKeys<'a>,
) -> trent_policy::Request<'a> {
    let principal = &caller.principal;
    trent_policy::Request {
        caller: trent_policy::Caller {
            arn: &principal.arn,
            account: &principal.account_id,
            role_arn: match &principal.kind {
                PrincipalKind::User => None,
                PrincipalKind::AssumedRole { role_arn, .. } => Some(role_arn),
            },
        },
        action,
        resource,
        keys,
    }
}

fn denied(decision: &Decision, principal_arn: &str, action: &str, resource: &str) -> KmsError {
    let message = decision
        .denial_message(principal_arn, action, resource)
        .unwrap_or_default();
    KmsError::new(ErrorCode::AccessDeniedException, message)
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Allowed => "Allowed",
        Outcome::ExplicitDenyInKeyPolicy => "ExplicitDenyInKeyPolicy",
        Outcome::ExplicitDenyInIdentityPolicy => "ExplicitDenyInIdentityPolicy",
        Outcome::NoKeyPolicyAllows => "NoKeyPolicyAllows",
        Outcome::NoIdentityPolicyAllows => "NoIdentityPolicyAllows",
    }
}

fn describe(decision: &Decision) -> Vec<String> {
    let sid = |sid: &Option<String>| match sid {
        Some(sid) => format!(" (Sid \"{sid}\")"),
        None => String::new(),
    };
    decision
        .deciding
        .iter()
        .map(|decider| match decider {
            trent_policy::Decider::KeyPolicy { index, sid: s } => {
                format!("key policy statement {index}{}", sid(s))
            }
            trent_policy::Decider::IdentityPolicy {
                policy,
                index,
                sid: s,
            } => format!("identity policy \"{policy}\" statement {index}{}", sid(s)),
            trent_policy::Decider::Administrator => {
                "the administrator's implicit identity permissions".to_string()
            }
        })
        .collect()
}

/// The id of a grant on `key` that lets `caller` do `action` (`kms:Encrypt`, …) with `context`.
fn granting(
    caller: &Caller,
    action: &str,
    key: &LoadedKey,
    context: Option<&EncryptionContext>,
) -> Option<String> {
    let operation = action.strip_prefix("kms:")?;
    // AWS ignores encryption-context constraints for operations that take no context.
    let checks_context = !matches!(
        operation,
        "DescribeKey" | "RetireGrant" | "CreateGrant" | "GetPublicKey"
    );
    let empty = EncryptionContext::new();
    key.grants
        .iter()
        .find(|grant| {
            grant.grantee == caller.principal.arn
                && grant.operations.iter().any(|op| op == operation)
                && (!checks_context
                    || context_satisfies(
                        context.unwrap_or(&empty),
                        grant.equals.as_ref(),
                        grant.subset.as_ref(),
                    ))
        })
        .map(|grant| grant.grant_id.clone())
}

/// Whether a denial from [`Kms::authorize`] says the key policy gave the caller nothing.
pub(crate) fn no_key_policy_allows(denial: &KmsError) -> bool {
    denial
        .message
        .as_deref()
        .is_some_and(|m| m.contains(" because no resource-based policy allows "))
}

/// `…because no resource-based policy allows…`, for callers outside the policy machinery
/// (grant retirement rules).
pub fn access_denied(principal_arn: &str, action: &str, resource_arn: &str) -> KmsError {
    KmsError::new(
        ErrorCode::AccessDeniedException,
        format!(
            "User: {principal_arn} is not authorized to perform: {action} on resource: {resource_arn} because no resource-based policy allows the {action} action"
        ),
    )
}
