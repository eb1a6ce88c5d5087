//! Aliases: friendly names that point at keys.

use trent_protocol::{
    AliasListEntry, CreateAliasRequest, DeleteAliasRequest, ErrorCode, KmsError,
    ListAliasesRequest, ListAliasesResponse, Timestamp, UpdateAliasRequest,
};
use trent_store::{Batch, Expect, ListQuery, StoreError};

use super::{decode_marker, limit, paginate, require_not_pending_deletion};
use crate::ids::Accept;
use crate::keys::{LoadedKey, alias_address};
use crate::records::{self, AliasRecord, kind};
use crate::{Caller, CoreError, Kms, errors};

/// The most aliases one key may have.
const MAX_ALIASES_PER_KEY: usize = 50;

/// `alias/` names the caller may create or change: not the reserved `alias/aws/` ones.
fn check_alias_name(name: &str) -> Result<(), KmsError> {
    if !name.starts_with("alias/") {
        return Err(errors::validation(
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
        ));
    }
    if name.starts_with("alias/aws/") {
        return Err(KmsError::new(
            ErrorCode::InvalidAliasNameException,
            "Alias names that begin with alias/aws/ are reserved for AWS managed keys.",
        ));
    }
    if name.len() <= "alias/".len() {
        return Err(KmsError::new(
            ErrorCode::InvalidAliasNameException,
            format!("Alias name {name} is invalid."),
        ));
    }
    Ok(())
}

impl Kms {
    pub(crate) fn aliases_of(
        &self,
        account: &str,
        region: &str,
    ) -> Result<Vec<(String, AliasRecord)>, CoreError> {
        let stored = self.store.list(ListQuery {
            kind: kind::ALIAS,
            account,
            region,
            prefix: "",
            after: None,
            limit: usize::MAX,
        })?;
        stored
            .into_iter()
            .map(|s| Ok((s.key.id.clone(), records::decode::<AliasRecord>(&s.value)?)))
            .collect()
    }

    fn alias_count(&self, key: &LoadedKey) -> Result<usize, CoreError> {
        Ok(self
            .aliases_of(&key.record.account, &key.record.region)?
            .iter()
            .filter(|(_, alias)| alias.target_key_id == key.record.key_id)
            .count())
    }

    /// The target of CreateAlias/UpdateAlias: a key of the caller's account (key id or ARN).
    fn alias_target_key(
        &self,
        caller: &Caller,
        target: &str,
        action: &str,
    ) -> Result<std::sync::Arc<LoadedKey>, KmsError> {
        let key = self.resolve(caller, target, Accept::KeyOnly)?;
        self.authorize(caller, action, &key)?;
        require_not_pending_deletion(&key)?;
        Ok(key)
    }

    pub(crate) fn create_alias(
        &self,
        caller: &Caller,
        request: CreateAliasRequest,
    ) -> Result<(), KmsError> {
        let name = request.alias_name.unwrap_or_default();
        check_alias_name(&name)?;
        let alias_arn = self.arns.alias(&caller.region, caller.account(), &name);
        self.authorize_without_key(caller, "kms:CreateAlias", &alias_arn)?;
        let key = self.alias_target_key(
            caller,
            request.target_key_id.as_deref().unwrap_or_default(),
            "kms:CreateAlias",
        )?;
        if self.alias_count(&key)? >= MAX_ALIASES_PER_KEY {
            return Err(KmsError::new(
                ErrorCode::LimitExceededException,
                format!(
                    "Key {} already has the maximum of {MAX_ALIASES_PER_KEY} aliases.",
                    key.arn
                ),
            ));
        }
        let now = self.now();
        let record = AliasRecord {
            v: records::VERSION,
            target_key_id: key.record.key_id.clone(),
            created: now,
            updated: now,
        };
        let mut batch = Batch::new();
        batch.put(
            alias_address(caller.account(), &caller.region, &name),
            records::encode(&record),
            Expect::Absent,
        );
        match self.store.commit(batch) {
            Ok(_) => Ok(()),
            Err(StoreError::Conflict(_)) => Err(KmsError::new(
                ErrorCode::AlreadyExistsException,
                format!(
                    "An alias with the name {} already exists",
                    self.arns.alias(&caller.region, caller.account(), &name)
                ),
            )),
            Err(err) => Err(CoreError::from(err).into()),
        }
    }

    pub(crate) fn update_alias(
        &self,
        caller: &Caller,
        request: UpdateAliasRequest,
    ) -> Result<(), KmsError> {
        let name = request.alias_name.unwrap_or_default();
        check_alias_name(&name)?;
        let alias_arn = self.arns.alias(&caller.region, caller.account(), &name);
        self.authorize_without_key(caller, "kms:UpdateAlias", &alias_arn)?;
        let address = alias_address(caller.account(), &caller.region, &name);
        let not_found = || errors::alias_not_found(&alias_arn);
        let stored = self
            .store
            .get(&address)
            .map_err(CoreError::from)?
            .ok_or_else(not_found)?;
        let mut record: AliasRecord = records::decode(&stored.value)?;
        let new_key = self.alias_target_key(
            caller,
            request.target_key_id.as_deref().unwrap_or_default(),
            "kms:UpdateAlias",
        )?;
        if let Some(old_key) = self.load_key(&caller.region, &record.target_key_id)? {
            self.authorize(caller, "kms:UpdateAlias", &old_key)?;
            let same_kind = old_key.record.key_usage == new_key.record.key_usage
                && key_family(&old_key.record.key_spec) == key_family(&new_key.record.key_spec);
            if !same_kind {
                return Err(errors::validation(format!(
                    "Alias {name} cannot be changed from a {} {} key to a {} {} key: the new key must have the same key type and key usage.",
                    key_family(&old_key.record.key_spec),
                    old_key.record.key_usage,
                    key_family(&new_key.record.key_spec),
                    new_key.record.key_usage,
                )));
            }
        }
        record.target_key_id = new_key.record.key_id.clone();
        record.updated = self.now();
        let mut batch = Batch::new();
        batch.put(
            address,
            records::encode(&record),
            Expect::Revision(stored.revision),
        );
        let result = self.store.commit(batch);
        self.keys
            .forget_alias(caller.account(), &caller.region, &name);
        match result {
            Ok(_) => Ok(()),
            Err(StoreError::Conflict(_)) => Err(KmsError::new(
                ErrorCode::ConflictException,
                format!("Alias {name} was changed by another request; retry."),
            )),
            Err(err) => Err(CoreError::from(err).into()),
        }
    }

    pub(crate) fn delete_alias(
        &self,
        caller: &Caller,
        request: DeleteAliasRequest,
    ) -> Result<(), KmsError> {
        let name = request.alias_name.unwrap_or_default();
        check_alias_name(&name)?;
        let alias_arn = self.arns.alias(&caller.region, caller.account(), &name);
        self.authorize_without_key(caller, "kms:DeleteAlias", &alias_arn)?;
        let address = alias_address(caller.account(), &caller.region, &name);
        let not_found = || errors::alias_not_found(&alias_arn);
        let stored = self
            .store
            .get(&address)
            .map_err(CoreError::from)?
            .ok_or_else(not_found)?;
        let record: AliasRecord = records::decode(&stored.value)?;
        if let Some(key) = self.load_key(&caller.region, &record.target_key_id)? {
            self.authorize(caller, "kms:DeleteAlias", &key)?;
        }
        let mut batch = Batch::new();
        batch.delete(address, Expect::Any);
        let result = self.store.commit(batch);
        self.keys
            .forget_alias(caller.account(), &caller.region, &name);
        result.map_err(CoreError::from)?;
        Ok(())
    }

    pub(crate) fn list_aliases(
        &self,
        caller: &Caller,
        request: ListAliasesRequest,
    ) -> Result<ListAliasesResponse, KmsError> {
        let after = decode_marker(request.marker.as_deref())?;
        let limit = limit(request.limit, 50, 100);
        // ListAliases is an IAM-only permission, even with a KeyId.
        self.authorize_without_key(caller, "kms:ListAliases", "*")?;
        let only_key = match request.key_id.as_deref() {
            Some(key_id) => {
                let key = self.resolve(caller, key_id, Accept::KeyOnly)?;
                Some(key.record.key_id.clone())
            }
            None => None,
        };
        let aliases = self.aliases_of(caller.account(), &caller.region)?;
        let page = paginate(
            aliases
                .into_iter()
                .filter(|(_, alias)| only_key.as_ref().is_none_or(|k| *k == alias.target_key_id))
                .map(|(name, alias)| {
                    let entry = AliasListEntry {
                        alias_arn: Some(self.arns.alias(&caller.region, caller.account(), &name)),
                        alias_name: Some(name.clone()),
                        target_key_id: Some(alias.target_key_id),
                        creation_date: Some(Timestamp(alias.created)),
                        last_updated_date: Some(Timestamp(alias.updated)),
                    };
                    (name, entry)
                }),
            after.as_deref(),
            limit,
        );
        Ok(ListAliasesResponse {
            truncated: Some(page.truncated()),
            next_marker: page.next_marker.clone(),
            aliases: Some(page.items),
        })
    }
}

/// Symmetric, asymmetric or HMAC: an alias may only move between keys of one family.
fn key_family(key_spec: &str) -> &'static str {
    match key_spec {
        "SYMMETRIC_DEFAULT" => "symmetric",
        spec if spec.starts_with("HMAC_") => "HMAC",
        _ => "asymmetric",
    }
}
