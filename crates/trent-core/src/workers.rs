//! Work that falls due with time: deleting keys whose waiting period has ended and rotating keys
//! whose rotation date has come.
//!
//! The server runs [`Kms::run_due_work`] on a timer and at every start, so nothing due is missed
//! across restarts. Each step is a compare-and-set, so a key cancelled or changed at the same
//! moment is left alone, and two nodes running it at once do each thing once.

use trent_protocol::RotationType;
use trent_store::{Batch, Expect, StoreError};

use crate::keys::{alias_address, key_address, material_address, owner_address};
use crate::ops::delete_grant_records;
use crate::records::{self, AliasRecord, KeyRecord, kind};
use crate::usage::usage_address;
use crate::{CoreError, Kms};

/// Key states reported by the `trent_keys` gauge even when no key is in them.
const KEY_STATES: &[&str] = &["Enabled", "Disabled", "PendingDeletion", "PendingImport"];

/// What one pass of [`Kms::run_due_work`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WorkDone {
    pub deleted: usize,
    pub rotated: usize,
}

impl Kms {
    /// Deletes and rotates every key that is due at the service's current time.
    pub fn run_due_work(&self) -> Result<WorkDone, CoreError> {
        let now = self.now();
        let mut done = WorkDone::default();
        let mut by_state: std::collections::BTreeMap<String, usize> = KEY_STATES
            .iter()
            .map(|state| (state.to_string(), 0))
            .collect();
        for stored in self.store.scan(kind::KEY)? {
            let record: KeyRecord = records::decode(&stored.value)?;
            *by_state.entry(record.state.clone()).or_default() += 1;
            if record.state == "PendingDeletion" && record.deletion_date.is_some_and(|d| d <= now) {
                if self.delete_key_now(&record, stored.revision)? {
                    done.deleted += 1;
                }
            } else if record.state == "Enabled"
                && record.rotation.enabled
                && record.rotation.next_rotation() <= now
                && let Some(key) = self.load_key(&record.region, &record.key_id)?
            {
                match self.rotate(&key, RotationType::Automatic) {
                    Ok(_) => done.rotated += 1,
                    Err(err) => {
                        tracing::warn!(key = %key.arn, error = %err, "automatic rotation failed")
                    }
                }
            }
        }
        for (state, count) in by_state {
            metrics::gauge!("trent_keys", "state" => state).set(count as f64);
        }
        if done != WorkDone::default() {
            tracing::info!(
                deleted = done.deleted,
                rotated = done.rotated,
                "due work done"
            );
        }
        Ok(done)
    }

    /// Removes a key, all its material, its aliases and its index entry in one batch. Returns
    /// false if the key changed meanwhile (for example its deletion was cancelled).
    fn delete_key_now(&self, record: &KeyRecord, revision: u64) -> Result<bool, CoreError> {
        let (account, region, key_id) = (&record.account, &record.region, &record.key_id);
        let mut batch = Batch::new();
        batch.delete(
            key_address(account, region, key_id),
            Expect::Revision(revision),
        );
        batch.delete(owner_address(region, key_id), Expect::Any);
        batch.delete(usage_address(account, region, key_id), Expect::Any);
        for grant in self.grants_of(account, region, key_id)? {
            delete_grant_records(&mut batch, &grant);
        }
        for version in 1..=record.current_version {
            batch.delete(
                material_address(account, region, key_id, version),
                Expect::Any,
            );
        }
        let mut aliases = Vec::new();
        for stored in self.store.list(trent_store::ListQuery {
            kind: kind::ALIAS,
            account,
            region,
            prefix: "",
            after: None,
            limit: usize::MAX,
        })? {
            let alias: AliasRecord = records::decode(&stored.value)?;
            if alias.target_key_id == *key_id {
                batch.delete(
                    alias_address(account, region, &stored.key.id),
                    Expect::Revision(stored.revision),
                );
                aliases.push(stored.key.id);
            }
        }
        let result = self.store.commit(batch);
        self.keys.forget_key(region, key_id);
        for alias in &aliases {
            self.keys.forget_alias(account, region, alias);
        }
        match result {
            Ok(_) => {
                tracing::info!(key_id = %key_id, "key deleted at the end of its waiting period");
                Ok(true)
            }
            Err(StoreError::Conflict(_)) => Ok(false),
            Err(err) => Err(err.into()),
        }
    }
}
