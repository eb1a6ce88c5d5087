//! Key policies: stored, returned and validated. (Evaluation lives in `authz`.)

use trent_protocol::{
    ErrorCode, GetKeyPolicyRequest, GetKeyPolicyResponse, KmsError, ListKeyPoliciesRequest,
    ListKeyPoliciesResponse, PutKeyPolicyRequest,
};

use crate::ids::Accept;
use crate::{Caller, Kms};

/// Every KMS key has exactly one policy, and it is called `default`.
const POLICY_NAME: &str = "default";

fn check_policy_name(name: Option<&str>) -> Result<(), KmsError> {
    match name {
        None | Some(POLICY_NAME) => Ok(()),
        Some(other) => Err(KmsError::new(
            ErrorCode::NotFoundException,
            format!("No such policy exists: {other}"),
        )),
    }
}

impl Kms {
    pub(crate) fn get_key_policy(
        &self,
        caller: &Caller,
        request: GetKeyPolicyRequest,
    ) -> Result<GetKeyPolicyResponse, KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:GetKeyPolicy", &key)?;
        check_policy_name(request.policy_name.as_deref())?;
        Ok(GetKeyPolicyResponse {
            policy: Some(key.record.policy.clone()),
            policy_name: Some(POLICY_NAME.to_string()),
        })
    }

    pub(crate) fn put_key_policy(
        &self,
        caller: &Caller,
        request: PutKeyPolicyRequest,
    ) -> Result<(), KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:PutKeyPolicy", &key)?;
        check_policy_name(request.policy_name.as_deref())?;
        let policy = request.policy.unwrap_or_default();
        self.check_new_policy(
            caller,
            &key.arn,
            &policy,
            request.bypass_policy_lockout_safety_check,
        )?;
        self.update_key(&key, |record, _| {
            record.policy = policy.clone();
            Ok(())
        })?;
        Ok(())
    }

    pub(crate) fn list_key_policies(
        &self,
        caller: &Caller,
        request: ListKeyPoliciesRequest,
    ) -> Result<ListKeyPoliciesResponse, KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:ListKeyPolicies", &key)?;
        Ok(ListKeyPoliciesResponse {
            policy_names: Some(vec![POLICY_NAME.to_string()]),
            next_marker: None,
            truncated: Some(false),
        })
    }
}
