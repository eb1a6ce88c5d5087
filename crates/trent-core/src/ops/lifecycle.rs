//! Creating, describing, listing, enabling, disabling and deleting keys.

use trent_protocol::{
    CancelKeyDeletionRequest, CancelKeyDeletionResponse, CreateKeyRequest, CreateKeyResponse,
    DescribeCustomKeyStoresRequest, DescribeCustomKeyStoresResponse, DescribeKeyRequest,
    DescribeKeyResponse, DisableKeyRequest, EnableKeyRequest, ErrorCode, KeyListEntry, KeySpec,
    KeyState, KeyUsageType, KmsError, ListKeysRequest, ListKeysResponse, OriginType,
    ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse, Timestamp,
    UpdateKeyDescriptionRequest,
};
use trent_store::{Batch, Expect, ListQuery};

use super::tags::check_new_tags;
use super::{Page, decode_marker, limit, paginate, require_not_pending_deletion, state_error};
use crate::ids::Accept;
use crate::keys::{key_address, owner_address};
use crate::records::{self, KeyOwnerRecord, KeyRecord, RotationRecord, TagRecord, kind};
use crate::{Caller, CoreError, Kms, errors};

/// Which key usages AWS allows for each key spec.
pub(crate) fn usages_for(spec: &KeySpec) -> &'static [KeyUsageType] {
    use KeyUsageType::*;
    match spec {
        KeySpec::SymmetricDefault => &[EncryptDecrypt],
        KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => &[EncryptDecrypt, SignVerify],
        KeySpec::EccNistP256 | KeySpec::EccNistP384 | KeySpec::EccNistP521 => {
            &[SignVerify, KeyAgreement]
        }
        KeySpec::EccSecgP256k1 | KeySpec::EccNistEdwards25519 => &[SignVerify],
        KeySpec::MlDsa44 | KeySpec::MlDsa65 | KeySpec::MlDsa87 => &[SignVerify],
        KeySpec::Sm2 => &[EncryptDecrypt, SignVerify, KeyAgreement],
        KeySpec::Hmac224 | KeySpec::Hmac256 | KeySpec::Hmac384 | KeySpec::Hmac512 => {
            &[GenerateVerifyMac]
        }
        _ => &[],
    }
}

const MIN_DELETION_WINDOW: i32 = 7;
const MAX_DELETION_WINDOW: i32 = 30;
const DAY: f64 = 86_400.0;

impl Kms {
    pub(crate) fn create_key(
        &self,
        caller: &Caller,
        request: CreateKeyRequest,
    ) -> Result<CreateKeyResponse, KmsError> {
        self.authorize_without_key(caller, "kms:CreateKey", "*")?;
        if request.tags.as_ref().is_some_and(|tags| !tags.is_empty()) {
            self.authorize_tagging_on_create(caller)?;
        }
        let spec = match (&request.key_spec, &request.customer_master_key_spec) {
            (Some(_), Some(_)) => {
                return Err(errors::validation(
                    "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.",
                ));
            }
            (Some(spec), None) => spec.clone(),
            (None, Some(deprecated)) => KeySpec::from(deprecated.as_str()),
            (None, None) => KeySpec::SymmetricDefault,
        };
        let usage = match (&request.key_usage, &spec) {
            (Some(usage), _) => usage.clone(),
            (None, KeySpec::SymmetricDefault) => KeyUsageType::EncryptDecrypt,
            (None, _) => {
                return Err(errors::validation(
                    "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
                ));
            }
        };
        if !usages_for(&spec).contains(&usage) {
            return Err(errors::validation(format!(
                "KeyUsage {} is not compatible with KeySpec {}",
                usage.as_str(),
                spec.as_str()
            )));
        }
        if spec == KeySpec::Sm2 {
            return Err(errors::unsupported(
                "KeySpec SM2 is not supported by Trent (it is offered only in AWS China Regions, and no well-kept Rust library implements it).",
            ));
        }
        if let Some(origin) = request
            .origin
            .as_ref()
            .filter(|o| **o != OriginType::AwsKms)
        {
            return Err(errors::unsupported(format!(
                "Origin {} is not supported by Trent yet; only AWS_KMS keys can be created.",
                origin.as_str()
            )));
        }
        if request.custom_key_store_id.is_some() {
            return Err(KmsError::bare(ErrorCode::CustomKeyStoreNotFoundException));
        }
        if request.xks_key_id.is_some() {
            return Err(errors::unsupported(
                "External key stores are not supported by Trent.",
            ));
        }
        if request.multi_region == Some(true) {
            return Err(errors::unsupported(
                "Multi-Region keys are not supported by Trent yet.",
            ));
        }
        let key_id = crate::ids::new_key_id();
        let policy = match &request.policy {
            Some(text) => {
                let arn = self.arns.key(&caller.region, caller.account(), &key_id);
                self.check_new_policy(
                    caller,
                    &arn,
                    text,
                    request.bypass_policy_lockout_safety_check,
                )?;
                text.clone()
            }
            None => trent_policy::default_key_policy(&self.arns.partition, caller.account()),
        };
        let tags = request.tags.as_deref().unwrap_or_default();
        check_new_tags(tags, 0)?;

        let now = self.now();
        let record = KeyRecord {
            v: records::VERSION,
            key_id: key_id.clone(),
            account: caller.account().to_string(),
            region: caller.region.clone(),
            created: now,
            description: request.description.clone().unwrap_or_default(),
            key_spec: spec.as_str().to_string(),
            key_usage: usage.as_str().to_string(),
            origin: "AWS_KMS".to_string(),
            key_manager: "CUSTOMER".to_string(),
            state: "Enabled".to_string(),
            deletion_date: None,
            pending_window_days: None,
            policy,
            tags: tags
                .iter()
                .map(|t| TagRecord {
                    key: t.tag_key.clone(),
                    value: t.tag_value.clone(),
                })
                .collect(),
            rotation: RotationRecord {
                enabled: false,
                period_days: 365,
                anchor: now,
                on_demand_count: 0,
            },
            current_version: 1,
        };
        let mut batch = Batch::new();
        batch.put(
            owner_address(&record.region, &key_id),
            records::encode(&KeyOwnerRecord {
                v: records::VERSION,
                account: record.account.clone(),
            }),
            Expect::Absent,
        );
        batch.put(
            key_address(&record.account, &record.region, &key_id),
            records::encode(&record),
            Expect::Absent,
        );
        self.new_material(&record, 1, None, &mut batch)?;
        self.store.commit(batch).map_err(CoreError::from)?;
        Ok(CreateKeyResponse {
            key_metadata: Some(self.key_metadata(&record)),
        })
    }

    pub(crate) fn describe_key(
        &self,
        caller: &Caller,
        request: DescribeKeyRequest,
    ) -> Result<DescribeKeyResponse, KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOrAlias,
        )?;
        self.authorize(caller, "kms:DescribeKey", &key)?;
        Ok(DescribeKeyResponse {
            key_metadata: Some(self.key_metadata(&key.record)),
        })
    }

    pub(crate) fn list_keys(
        &self,
        caller: &Caller,
        request: ListKeysRequest,
    ) -> Result<ListKeysResponse, KmsError> {
        self.authorize_without_key(caller, "kms:ListKeys", "*")?;
        let after = decode_marker(request.marker.as_deref())?;
        let limit = limit(request.limit, 100, 1000);
        // One more than asked tells whether the listing is truncated.
        let stored = self
            .store
            .list(ListQuery {
                kind: kind::KEY,
                account: caller.account(),
                region: &caller.region,
                prefix: "",
                after: after.as_deref(),
                limit: limit + 1,
            })
            .map_err(CoreError::from)?;
        let page: Page<KeyListEntry> = paginate(
            stored.into_iter().map(|s| {
                let arn = self.arns.key(&caller.region, caller.account(), &s.key.id);
                (
                    s.key.id.clone(),
                    KeyListEntry {
                        key_id: Some(s.key.id),
                        key_arn: Some(arn),
                    },
                )
            }),
            None,
            limit,
        );
        Ok(ListKeysResponse {
            truncated: Some(page.truncated()),
            next_marker: page.next_marker.clone(),
            keys: Some(page.items),
        })
    }

    pub(crate) fn update_key_description(
        &self,
        caller: &Caller,
        request: UpdateKeyDescriptionRequest,
    ) -> Result<(), KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:UpdateKeyDescription", &key)?;
        require_not_pending_deletion(&key)?;
        let description = request.description.unwrap_or_default();
        self.update_key(&key, |record, _| {
            require_not_pending_deletion_record(&key.arn, record)?;
            record.description = description.clone();
            Ok(())
        })?;
        Ok(())
    }

    pub(crate) fn enable_key(
        &self,
        caller: &Caller,
        request: EnableKeyRequest,
    ) -> Result<(), KmsError> {
        self.set_enabled(caller, request.key_id.as_deref().unwrap_or_default(), true)
    }

    pub(crate) fn disable_key(
        &self,
        caller: &Caller,
        request: DisableKeyRequest,
    ) -> Result<(), KmsError> {
        self.set_enabled(caller, request.key_id.as_deref().unwrap_or_default(), false)
    }

    fn set_enabled(&self, caller: &Caller, key_id: &str, enable: bool) -> Result<(), KmsError> {
        let key = self.resolve(caller, key_id, Accept::KeyOnly)?;
        let action = if enable {
            "kms:EnableKey"
        } else {
            "kms:DisableKey"
        };
        self.authorize(caller, action, &key)?;
        self.update_key(&key, |record, _| {
            match record.state.as_str() {
                "Enabled" | "Disabled" => {}
                other => return Err(state_error(&key, other)),
            }
            record.state = if enable { "Enabled" } else { "Disabled" }.to_string();
            Ok(())
        })?;
        Ok(())
    }

    pub(crate) fn schedule_key_deletion(
        &self,
        caller: &Caller,
        request: ScheduleKeyDeletionRequest,
    ) -> Result<ScheduleKeyDeletionResponse, KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:ScheduleKeyDeletion", &key)?;
        require_not_pending_deletion(&key)?;
        let window = request
            .pending_window_in_days
            .unwrap_or(MAX_DELETION_WINDOW);
        if !(MIN_DELETION_WINDOW..=MAX_DELETION_WINDOW).contains(&window) {
            return Err(errors::validation(format!(
                "PendingWindowInDays should be between {MIN_DELETION_WINDOW} and {MAX_DELETION_WINDOW}, but it is {window}"
            )));
        }
        let deletion_date = self.now() + f64::from(window) * DAY;
        self.update_key(&key, |record, _| {
            require_not_pending_deletion_record(&key.arn, record)?;
            record.state = "PendingDeletion".to_string();
            record.deletion_date = Some(deletion_date);
            record.pending_window_days = Some(window);
            Ok(())
        })?;
        Ok(ScheduleKeyDeletionResponse {
            key_id: Some(key.arn.clone()),
            deletion_date: Some(Timestamp(deletion_date)),
            key_state: Some(KeyState::PendingDeletion),
            pending_window_in_days: Some(window),
        })
    }

    pub(crate) fn cancel_key_deletion(
        &self,
        caller: &Caller,
        request: CancelKeyDeletionRequest,
    ) -> Result<CancelKeyDeletionResponse, KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:CancelKeyDeletion", &key)?;
        self.update_key(&key, |record, _| {
            if record.state != "PendingDeletion" {
                return Err(errors::not_pending_deletion(&key.arn));
            }
            // AWS leaves a key whose deletion was cancelled disabled.
            record.state = "Disabled".to_string();
            record.deletion_date = None;
            record.pending_window_days = None;
            Ok(())
        })?;
        Ok(CancelKeyDeletionResponse {
            key_id: Some(key.arn.clone()),
        })
    }

    /// Trent has no custom key stores (CloudHSM and external key stores are AWS hardware).
    pub(crate) fn describe_custom_key_stores(
        &self,
        request: DescribeCustomKeyStoresRequest,
    ) -> Result<DescribeCustomKeyStoresResponse, KmsError> {
        if request.custom_key_store_id.is_some() || request.custom_key_store_name.is_some() {
            return Err(KmsError::bare(ErrorCode::CustomKeyStoreNotFoundException));
        }
        decode_marker(request.marker.as_deref())?;
        Ok(DescribeCustomKeyStoresResponse {
            custom_key_stores: Some(Vec::new()),
            next_marker: None,
            truncated: Some(false),
        })
    }
}

fn require_not_pending_deletion_record(arn: &str, record: &KeyRecord) -> Result<(), KmsError> {
    if record.state == "PendingDeletion" {
        return Err(errors::pending_deletion(arn));
    }
    Ok(())
}

impl Kms {
    /// A key policy as CreateKey and PutKeyPolicy accept it: well formed, within the size
    /// quota, naming only principals that exist, and (unless `bypass`) keeping the caller able
    /// to change it later.
    pub(crate) fn check_new_policy(
        &self,
        caller: &Caller,
        key_arn: &str,
        text: &str,
        bypass: Option<bool>,
    ) -> Result<(), KmsError> {
        let policy = trent_policy::check_key_policy(text).map_err(|err| match err {
            trent_policy::PolicyError::Malformed(message) if message.is_empty() => {
                KmsError::bare(ErrorCode::MalformedPolicyDocumentException)
            }
            trent_policy::PolicyError::Malformed(message) => {
                KmsError::new(ErrorCode::MalformedPolicyDocumentException, message)
            }
            trent_policy::PolicyError::TooLarge => KmsError::new(
                ErrorCode::LimitExceededException,
                format!(
                    "Policy exceeds the maximum size of {} bytes.",
                    trent_policy::MAX_POLICY_BYTES
                ),
            ),
        })?;
        for arn in policy.principal_arns() {
            if !self.principal_exists(arn)? {
                return Err(KmsError::new(
                    ErrorCode::MalformedPolicyDocumentException,
                    "Policy contains a statement with one or more invalid principals.",
                ));
            }
        }
        if bypass != Some(true) {
            self.check_lockout(caller, key_arn, &policy)?;
        }
        Ok(())
    }
}
