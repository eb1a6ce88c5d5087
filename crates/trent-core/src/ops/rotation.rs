//! Key rotation: automatic on a schedule, and on demand. Rotation adds a material version and
//! makes it current; older versions stay so that old ciphertexts keep decrypting.

use trent_protocol::{
    DisableKeyRotationRequest, EnableKeyRotationRequest, ErrorCode, GetKeyRotationStatusRequest,
    GetKeyRotationStatusResponse, IncludeKeyMaterial, KeyMaterialState, KmsError,
    ListKeyRotationsRequest, ListKeyRotationsResponse, RotateKeyOnDemandRequest,
    RotateKeyOnDemandResponse, RotationType, RotationsListEntry, Timestamp,
};

use super::{decode_marker, limit, paginate, state_error};
use crate::ids::Accept;
use crate::keys::{LoadedKey, key_material_id};
use crate::records::KeyRecord;
use crate::{Caller, Kms, errors};

/// On-demand rotations a key may have in its lifetime (AWS's fixed quota).
const MAX_ON_DEMAND_ROTATIONS: u32 = 25;
const DEFAULT_ROTATION_PERIOD_DAYS: i32 = 365;

/// Only symmetric, KMS-generated, customer-managed keys rotate.
fn require_rotatable(key: &LoadedKey) -> Result<(), KmsError> {
    let record = &key.record;
    if record.origin == "EXTERNAL" {
        return Err(errors::unsupported(format!(
            "{} origin is EXTERNAL which is not valid for this operation.",
            key.arn
        )));
    }
    if record.key_spec != "SYMMETRIC_DEFAULT"
        || record.origin != "AWS_KMS"
        || record.key_manager != "CUSTOMER"
    {
        return Err(KmsError::bare(ErrorCode::UnsupportedOperationException));
    }
    Ok(())
}

/// Enable/DisableKeyRotation need a key that is enabled.
fn require_enabled_for_rotation(key: &LoadedKey) -> Result<(), KmsError> {
    match key.record.state.as_str() {
        "Enabled" => Ok(()),
        "PendingImport" => Err(errors::unsupported(format!(
            "{} origin is EXTERNAL which is not valid for this operation.",
            key.arn
        ))),
        other => Err(state_error(key, other)),
    }
}

impl Kms {
    pub(crate) fn enable_key_rotation(
        &self,
        caller: &Caller,
        request: EnableKeyRotationRequest,
    ) -> Result<(), KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:EnableKeyRotation", &key)?;
        require_enabled_for_rotation(&key)?;
        require_rotatable(&key)?;
        let period = request
            .rotation_period_in_days
            .unwrap_or(DEFAULT_ROTATION_PERIOD_DAYS);
        let now = self.now();
        self.update_key(&key, |record, _| {
            if !record.rotation.enabled {
                // A new schedule starts today; re-enabling only changes the period.
                record.rotation.anchor = now;
                record.rotation.enabled = true;
            }
            record.rotation.period_days = period;
            Ok(())
        })?;
        Ok(())
    }

    pub(crate) fn disable_key_rotation(
        &self,
        caller: &Caller,
        request: DisableKeyRotationRequest,
    ) -> Result<(), KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:DisableKeyRotation", &key)?;
        require_enabled_for_rotation(&key)?;
        require_rotatable(&key)?;
        self.update_key(&key, |record, _| {
            record.rotation.enabled = false;
            Ok(())
        })?;
        Ok(())
    }

    pub(crate) fn get_key_rotation_status(
        &self,
        caller: &Caller,
        request: GetKeyRotationStatusRequest,
    ) -> Result<GetKeyRotationStatusResponse, KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:GetKeyRotationStatus", &key)?;
        if key.record.state == "PendingImport" {
            return Err(require_enabled_for_rotation(&key).unwrap_err());
        }
        // AWS-managed keys cannot be changed, but report their yearly rotation.
        if key.record.key_manager != "AWS" {
            require_rotatable(&key)?;
        }
        let rotation = &key.record.rotation;
        // A key pending deletion does not rotate, and AWS reports it so.
        let enabled = rotation.enabled && key.record.state != "PendingDeletion";
        Ok(GetKeyRotationStatusResponse {
            key_id: Some(key.arn.clone()),
            key_rotation_enabled: Some(enabled),
            rotation_period_in_days: enabled.then_some(rotation.period_days),
            next_rotation_date: enabled.then(|| Timestamp(rotation.next_rotation())),
            on_demand_rotation_start_date: None,
        })
    }

    pub(crate) fn rotate_key_on_demand(
        &self,
        caller: &Caller,
        request: RotateKeyOnDemandRequest,
    ) -> Result<RotateKeyOnDemandResponse, KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:RotateKeyOnDemand", &key)?;
        match key.record.state.as_str() {
            "Enabled" => {}
            other => return Err(state_error(&key, other)),
        }
        require_rotatable(&key)?;
        self.rotate(&key, RotationType::OnDemand)?;
        Ok(RotateKeyOnDemandResponse {
            key_id: Some(key.arn.clone()),
        })
    }

    /// Adds a material version to `key` and makes it current.
    pub(crate) fn rotate(
        &self,
        key: &LoadedKey,
        kind: RotationType,
    ) -> Result<KeyRecord, KmsError> {
        let now = self.now();
        self.update_key(key, |record, batch| {
            if kind == RotationType::OnDemand {
                if record.rotation.on_demand_count >= MAX_ON_DEMAND_ROTATIONS {
                    return Err(KmsError::new(
                        ErrorCode::LimitExceededException,
                        format!(
                            "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {}",
                            key.arn
                        ),
                    ));
                }
                record.rotation.on_demand_count += 1;
            } else {
                record.rotation.anchor = now;
            }
            let version = record.current_version + 1;
            self.new_material(record, version, Some(kind.as_str()), batch)?;
            record.current_version = version;
            Ok(())
        })
    }

    pub(crate) fn list_key_rotations(
        &self,
        caller: &Caller,
        request: ListKeyRotationsRequest,
    ) -> Result<ListKeyRotationsResponse, KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:ListKeyRotations", &key)?;
        require_rotatable(&key)?;
        let after = decode_marker(request.marker.as_deref())?;
        let limit = limit(request.limit, 100, 1000);
        let all = request.include_key_material == Some(IncludeKeyMaterial::AllKeyMaterial);
        let materials = self.material_records(&key.record)?;
        let page = paginate(
            materials
                .into_iter()
                .filter(|m| all || m.rotation_type.is_some())
                .map(|m| {
                    let entry = RotationsListEntry {
                        key_id: Some(key.arn.clone()),
                        key_material_id: Some(key_material_id(&key.record.key_id, m.version)),
                        key_material_state: Some(if m.version == key.record.current_version {
                            KeyMaterialState::Current
                        } else {
                            KeyMaterialState::NonCurrent
                        }),
                        rotation_date: m.rotation_type.as_ref().map(|_| Timestamp(m.created)),
                        rotation_type: m.rotation_type.as_deref().map(RotationType::from),
                        ..RotationsListEntry::default()
                    };
                    (format!("{:010}", m.version), entry)
                }),
            after.as_deref(),
            limit,
        );
        Ok(ListKeyRotationsResponse {
            truncated: Some(page.truncated()),
            next_marker: page.next_marker.clone(),
            rotations: Some(page.items),
        })
    }
}
