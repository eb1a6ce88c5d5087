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
        if key.record.account == caller.account() || granted(caller, action, key, context) {
            return Ok(());
        }
        Err(access_denied(&caller.principal.arn, action, &key.arn))
    }
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
