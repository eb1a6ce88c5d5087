//! The KMS operations, grouped by what they act on.
//!
//! Each operation follows AWS's order of checks: resolve the key (NotFoundException), authorize
//! (AccessDeniedException), check the key state (DisabledException / KMSInvalidStateException),
//! check the key's usage and algorithm, check the remaining input, and only then honour `DryRun`
//! and do the work.

mod aliases;
mod asymmetric;
mod crypto;
mod grants;
mod lifecycle;
mod policy;
mod rotation;
mod tags;

pub(crate) use grants::{context_satisfies, delete_grant_records, index_retirable_grants};

use base64::Engine as _;
use trent_protocol::{
    CustomerMasterKeySpec, KeyManagerType, KeyMetadata, KeySpec, KeyState, KeyUsageType, KmsError,
    OriginType, Request, Response, Timestamp,
};

use crate::ids::Accept;
use crate::keys::{LoadedKey, key_material_id};
use crate::records::KeyRecord;
use crate::{Caller, Kms, errors};

pub fn dispatch(kms: &Kms, caller: &Caller, request: Request) -> Result<Response, KmsError> {
    use Request as Q;
    use Response as A;
    Ok(match request {
        Q::CreateKey(r) => A::CreateKey(kms.create_key(caller, r)?),
        Q::DescribeKey(r) => A::DescribeKey(kms.describe_key(caller, r)?),
        Q::ListKeys(r) => A::ListKeys(kms.list_keys(caller, r)?),
        Q::UpdateKeyDescription(r) => {
            kms.update_key_description(caller, r)?;
            A::UpdateKeyDescription
        }
        Q::EnableKey(r) => {
            kms.enable_key(caller, r)?;
            A::EnableKey
        }
        Q::DisableKey(r) => {
            kms.disable_key(caller, r)?;
            A::DisableKey
        }
        Q::ScheduleKeyDeletion(r) => A::ScheduleKeyDeletion(kms.schedule_key_deletion(caller, r)?),
        Q::CancelKeyDeletion(r) => A::CancelKeyDeletion(kms.cancel_key_deletion(caller, r)?),
        Q::Encrypt(r) => A::Encrypt(kms.encrypt(caller, r)?),
        Q::Decrypt(r) => A::Decrypt(kms.decrypt(caller, r)?),
        Q::ReEncrypt(r) => A::ReEncrypt(kms.re_encrypt(caller, r)?),
        Q::GenerateDataKey(r) => A::GenerateDataKey(kms.generate_data_key(caller, r)?),
        Q::GenerateDataKeyWithoutPlaintext(r) => {
            A::GenerateDataKeyWithoutPlaintext(kms.generate_data_key_without_plaintext(caller, r)?)
        }
        Q::GenerateRandom(r) => A::GenerateRandom(kms.generate_random(caller, r)?),
        Q::CreateAlias(r) => {
            kms.create_alias(caller, r)?;
            A::CreateAlias
        }
        Q::UpdateAlias(r) => {
            kms.update_alias(caller, r)?;
            A::UpdateAlias
        }
        Q::DeleteAlias(r) => {
            kms.delete_alias(caller, r)?;
            A::DeleteAlias
        }
        Q::ListAliases(r) => A::ListAliases(kms.list_aliases(caller, r)?),
        Q::TagResource(r) => {
            kms.tag_resource(caller, r)?;
            A::TagResource
        }
        Q::UntagResource(r) => {
            kms.untag_resource(caller, r)?;
            A::UntagResource
        }
        Q::ListResourceTags(r) => A::ListResourceTags(kms.list_resource_tags(caller, r)?),
        Q::EnableKeyRotation(r) => {
            kms.enable_key_rotation(caller, r)?;
            A::EnableKeyRotation
        }
        Q::DisableKeyRotation(r) => {
            kms.disable_key_rotation(caller, r)?;
            A::DisableKeyRotation
        }
        Q::GetKeyRotationStatus(r) => {
            A::GetKeyRotationStatus(kms.get_key_rotation_status(caller, r)?)
        }
        Q::RotateKeyOnDemand(r) => A::RotateKeyOnDemand(kms.rotate_key_on_demand(caller, r)?),
        Q::ListKeyRotations(r) => A::ListKeyRotations(kms.list_key_rotations(caller, r)?),
        Q::GetKeyPolicy(r) => A::GetKeyPolicy(kms.get_key_policy(caller, r)?),
        Q::PutKeyPolicy(r) => {
            kms.put_key_policy(caller, r)?;
            A::PutKeyPolicy
        }
        Q::ListKeyPolicies(r) => A::ListKeyPolicies(kms.list_key_policies(caller, r)?),
        Q::CreateGrant(r) => A::CreateGrant(kms.create_grant(caller, r)?),
        Q::ListGrants(r) => A::ListGrants(kms.list_grants(caller, r)?),
        Q::ListRetirableGrants(r) => A::ListRetirableGrants(kms.list_retirable_grants(caller, r)?),
        Q::RetireGrant(r) => {
            kms.retire_grant(caller, r)?;
            A::RetireGrant
        }
        Q::RevokeGrant(r) => {
            kms.revoke_grant(caller, r)?;
            A::RevokeGrant
        }
        Q::Sign(r) => A::Sign(kms.sign(caller, r)?),
        Q::Verify(r) => A::Verify(kms.verify(caller, r)?),
        Q::GetPublicKey(r) => A::GetPublicKey(kms.get_public_key(caller, r)?),
        Q::GenerateMac(r) => A::GenerateMac(kms.generate_mac(caller, r)?),
        Q::VerifyMac(r) => A::VerifyMac(kms.verify_mac(caller, r)?),
        Q::DeriveSharedSecret(r) => A::DeriveSharedSecret(kms.derive_shared_secret(caller, r)?),
        Q::GenerateDataKeyPair(r) => A::GenerateDataKeyPair(kms.generate_data_key_pair(caller, r)?),
        Q::GenerateDataKeyPairWithoutPlaintext(r) => A::GenerateDataKeyPairWithoutPlaintext(
            kms.generate_data_key_pair_without_plaintext(caller, r)?,
        ),
        Q::GetKeyLastUsage(r) => A::GetKeyLastUsage(kms.get_key_last_usage(caller, r)?),
        Q::DescribeCustomKeyStores(r) => {
            A::DescribeCustomKeyStores(kms.describe_custom_key_stores(r)?)
        }
        Q::GetParametersForImport(r) => {
            return kms.refuse_import(caller, r.key_id.as_deref(), "kms:GetParametersForImport");
        }
        Q::ImportKeyMaterial(r) => {
            return kms.refuse_import(caller, r.key_id.as_deref(), "kms:ImportKeyMaterial");
        }
        Q::DeleteImportedKeyMaterial(r) => {
            return kms.refuse_import(caller, r.key_id.as_deref(), "kms:DeleteImportedKeyMaterial");
        }
        other => {
            let name = other.operation().name();
            return Err(errors::unsupported(format!(
                "Trent does not support the {name} operation yet."
            )));
        }
    })
}

impl Kms {
    /// The import operations, after the usual key lookup and authorization: on a key whose
    /// material Trent made, AWS's refusal; importing itself is not built yet (and Trent cannot
    /// create EXTERNAL keys, so that second answer is not reached today).
    fn refuse_import(
        &self,
        caller: &Caller,
        key_id: Option<&str>,
        action: &str,
    ) -> Result<Response, KmsError> {
        let key = self.resolve(caller, key_id.unwrap_or_default(), Accept::KeyOnly)?;
        self.authorize(caller, action, &key)?;
        Err(errors::unsupported(if key.record.origin == "EXTERNAL" {
            "Trent does not support importing key material yet.".to_string()
        } else {
            format!(
                "{} origin is {} which is not valid for this operation.",
                key.arn, key.record.origin
            )
        }))
    }

    /// KeyMetadata exactly as DescribeKey and CreateKey return it.
    pub(crate) fn key_metadata(&self, record: &KeyRecord) -> KeyMetadata {
        let state = KeyState::from(record.state.as_str());
        let symmetric = record.key_spec == "SYMMETRIC_DEFAULT";
        let (encryption_algorithms, signing_algorithms, mac_algorithms, key_agreement_algorithms) =
            asymmetric::algorithm_lists(&record.key_spec, &record.key_usage);
        KeyMetadata {
            aws_account_id: Some(record.account.clone()),
            key_id: record.key_id.clone(),
            arn: Some(
                self.arns
                    .key(&record.region, &record.account, &record.key_id),
            ),
            creation_date: Some(Timestamp(record.created)),
            enabled: Some(state == KeyState::Enabled),
            description: Some(record.description.clone()),
            key_usage: Some(KeyUsageType::from(record.key_usage.as_str())),
            key_state: Some(state.clone()),
            deletion_date: match state {
                KeyState::PendingDeletion => record.deletion_date.map(Timestamp),
                _ => None,
            },
            origin: Some(OriginType::from(record.origin.as_str())),
            key_manager: Some(KeyManagerType::from(record.key_manager.as_str())),
            customer_master_key_spec: Some(CustomerMasterKeySpec::from(record.key_spec.as_str())),
            key_spec: Some(KeySpec::from(record.key_spec.as_str())),
            encryption_algorithms,
            signing_algorithms,
            mac_algorithms,
            key_agreement_algorithms,
            multi_region: Some(false),
            current_key_material_id: symmetric
                .then(|| key_material_id(&record.key_id, record.current_version)),
            ..KeyMetadata::default()
        }
    }
}

/// Key states in which cryptographic operations refuse the key, with AWS's errors.
pub(crate) fn require_enabled(key: &LoadedKey) -> Result<(), KmsError> {
    match key.record.state.as_str() {
        "Enabled" => Ok(()),
        "Disabled" => Err(errors::disabled(&key.arn)),
        other => Err(state_error(key, other)),
    }
}

/// For management operations that work in every state but PendingDeletion.
pub(crate) fn require_not_pending_deletion(key: &LoadedKey) -> Result<(), KmsError> {
    match key.record.state.as_str() {
        "PendingDeletion" | "PendingReplicaDeletion" => Err(errors::pending_deletion(&key.arn)),
        _ => Ok(()),
    }
}

/// KMSInvalidStateException worded for a state that blocks the operation.
pub(crate) fn state_error(key: &LoadedKey, state: &str) -> KmsError {
    let what = match state {
        "PendingDeletion" | "PendingReplicaDeletion" => "pending deletion",
        "PendingImport" => "pending import",
        "Unavailable" => "unavailable",
        "Creating" => "creating",
        "Updating" => "updating",
        "Disabled" => return errors::disabled(&key.arn),
        _ => "not in a valid state for this operation",
    };
    errors::invalid_state(&key.arn, what)
}

/// One page of a listing: the entries and the marker to continue from.
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    pub next_marker: Option<String>,
}

impl<T> Page<T> {
    pub fn truncated(&self) -> bool {
        self.next_marker.is_some()
    }
}

/// Markers are opaque to clients: the position to continue after, base64url-encoded.
pub(crate) fn encode_marker(position: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(position)
}

pub(crate) fn decode_marker(marker: Option<&str>) -> Result<Option<String>, KmsError> {
    let Some(marker) = marker else {
        return Ok(None);
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(marker)
        .map_err(|_| errors::invalid_marker())?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| errors::invalid_marker())
}

/// Pages a sorted list of `(position, item)` after an optional marker position.
pub(crate) fn paginate<T>(
    items: impl IntoIterator<Item = (String, T)>,
    after: Option<&str>,
    limit: usize,
) -> Page<T> {
    let mut out = Vec::new();
    let mut last_position = None;
    let mut more = false;
    for (position, item) in items {
        if after.is_some_and(|after| position.as_str() <= after) {
            continue;
        }
        if out.len() == limit {
            more = true;
            break;
        }
        last_position = Some(position);
        out.push(item);
    }
    Page {
        items: out,
        next_marker: if more {
            last_position.map(|p| encode_marker(&p))
        } else {
            None
        },
    }
}

/// A request's `Limit`, defaulted and clamped to the operation's maximum.
pub(crate) fn limit(requested: Option<i32>, default: usize, max: usize) -> usize {
    requested.map_or(default, |l| (l.max(1) as usize).min(max))
}
