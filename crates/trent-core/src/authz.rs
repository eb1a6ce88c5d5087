//! Authorization: the one place that decides whether a caller may do an action on a key.
//!
//! Today's rule is what the default key policy grants: a principal may use every key of its own
//! account and no key of another. Key policies, identity policies and grants (evaluated with
//! `trent-policy`) replace the body of [`Kms::authorize`] without changing its callers.

use trent_protocol::{ErrorCode, KmsError};

use crate::keys::LoadedKey;
use crate::{Caller, Kms};

impl Kms {
    /// Whether `caller` may perform `action` (`kms:Encrypt`, …) on `key`.
    pub(crate) fn authorize(
        &self,
        caller: &Caller,
        action: &str,
        key: &LoadedKey,
    ) -> Result<(), KmsError> {
        caller.touch(&key.arn);
        if key.record.account == caller.account() {
            return Ok(());
        }
        Err(access_denied(&caller.principal.arn, action, &key.arn))
    }
}

pub fn access_denied(principal_arn: &str, action: &str, resource_arn: &str) -> KmsError {
    KmsError::new(
        ErrorCode::AccessDeniedException,
        format!(
            "User: {principal_arn} is not authorized to perform: {action} on resource: {resource_arn} because no resource-based policy allows the {action} action"
        ),
    )
}
