//! Authorization: the one place that decides whether a caller may do an action on a key.
//!
//! Today's rule is what the default key policy grants — a principal may use every key of its own
//! account and no key of another — plus grants: a grant lets its grantee (of any account) do the
//! grant's operations on its key, within its encryption-context constraints. Key policies and
//! identity policies (evaluated with `trent-policy`) replace the first rule without changing the
//! callers.

use trent_protocol::{ErrorCode, KmsError};

use trent_crypto::EncryptionContext;

use crate::keys::LoadedKey;
use crate::ops::context_satisfies;
use crate::{Caller, Kms};

impl Kms {
    /// Whether `caller` may perform `action` (`kms:Encrypt`, …) on `key`.
    pub(crate) fn authorize(
        &self,
        caller: &Caller,
        action: &str,
        key: &LoadedKey,
    ) -> Result<(), KmsError> {
        self.authorize_with_context(caller, action, key, None)
    }

    /// [`Kms::authorize`] for a request that carries an encryption context, which grant
    /// constraints are checked against.
    pub(crate) fn authorize_with_context(
        &self,
        caller: &Caller,
        action: &str,
        key: &LoadedKey,
        context: Option<&EncryptionContext>,
    ) -> Result<(), KmsError> {
        caller.touch(&key.arn);
        let own_key = key.record.account == caller.account();
        let allowed = if key.record.key_manager == "AWS" {
            own_key && managed_key_allows(caller, action, key)
        } else {
            own_key
        };
        if allowed || granted(caller, action, key, context) {
            return Ok(());
        }
        Err(access_denied(&caller.principal.arn, action, &key.arn))
    }
}

/// What the fixed policy of an AWS-managed key allows a principal of its account: reading its
/// metadata and revoking grants directly, and using it only through its service.
fn managed_key_allows(caller: &Caller, action: &str, key: &LoadedKey) -> bool {
    let Some(name) = action.strip_prefix("kms:") else {
        return false;
    };
    let direct = ["Describe", "Get", "List"]
        .iter()
        .any(|p| name.starts_with(p))
        || name == "RevokeGrant";
    let through_service = matches!(name, "Encrypt" | "Decrypt" | "CreateGrant" | "DescribeKey")
        || name.starts_with("ReEncrypt")
        || name.starts_with("GenerateDataKey");
    let service = crate::managed::service_of_key_policy(&key.record.policy);
    direct
        || (through_service
            && caller.principal.via_service.is_some()
            && caller.principal.via_service.as_deref() == service.as_deref())
}

/// Whether a grant on `key` lets `caller` do `action` (`kms:Encrypt`, …) with `context`.
fn granted(
    caller: &Caller,
    action: &str,
    key: &LoadedKey,
    context: Option<&EncryptionContext>,
) -> bool {
    let Some(operation) = action.strip_prefix("kms:") else {
        return false;
    };
    // AWS ignores encryption-context constraints for operations that take no context.
    let checks_context = !matches!(
        operation,
        "DescribeKey" | "RetireGrant" | "CreateGrant" | "GetPublicKey"
    );
    let empty = EncryptionContext::new();
    key.grants.iter().any(|grant| {
        grant.grantee == caller.principal.arn
            && grant.operations.iter().any(|op| op == operation)
            && (!checks_context
                || context_satisfies(
                    context.unwrap_or(&empty),
                    grant.equals.as_ref(),
                    grant.subset.as_ref(),
                ))
    })
}

pub fn access_denied(principal_arn: &str, action: &str, resource_arn: &str) -> KmsError {
    KmsError::new(
        ErrorCode::AccessDeniedException,
        format!(
            "User: {principal_arn} is not authorized to perform: {action} on resource: {resource_arn} because no resource-based policy allows the {action} action"
        ),
    )
}
