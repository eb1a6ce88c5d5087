//! When each key was last used for a cryptographic operation (GetKeyLastUsage).
//!
//! Recording a use must not cost a store write on the hot path, so uses are noted in memory and
//! written out in batches by [`Kms::flush_key_usage`] (the background worker calls it, and the
//! server calls it at shutdown). A crash can lose the last few seconds of usage — an answer that
//! is slightly old, never one that is wrong about which operation or request it was.

use std::collections::HashMap;
use std::sync::Mutex;

use trent_protocol::{
    GetKeyLastUsageRequest, GetKeyLastUsageResponse, KeyLastUsageData,
    KeyLastUsageTrackingOperation, KmsError, Operation, Timestamp,
};
use trent_store::{Batch, Expect, RecordKey};

use crate::ids::Accept;
use crate::records::{self, KeyUsageRecord, kind};
use crate::{Caller, CoreError, Kms};

/// (account, region, key id) of a key.
type KeyPlace = (String, String, String);

#[derive(Debug, Default)]
pub(crate) struct UsageTracker {
    /// Uses not yet written to the store.
    pending: Mutex<HashMap<KeyPlace, KeyUsageRecord>>,
}

impl UsageTracker {
    /// Notes a successful `operation` on every key `caller`'s request resolved, if AWS tracks it.
    pub(crate) fn note(&self, kms: &Kms, caller: &Caller, operation: Operation) {
        if tracked(operation).is_none() {
            return;
        }
        let resources = caller.resources();
        let Ok(mut pending) = self.pending.lock() else {
            return;
        };
        for arn in resources {
            if let Some(place) = place_of(&arn) {
                pending.insert(
                    place,
                    KeyUsageRecord {
                        v: records::VERSION,
                        operation: operation.name().to_string(),
                        time: kms.now(),
                        event_id: caller.event_id.clone(),
                        request_id: caller.request_id.clone(),
                    },
                );
            }
        }
    }

    fn pending(&self, place: &KeyPlace) -> Option<KeyUsageRecord> {
        self.pending.lock().ok()?.get(place).cloned()
    }

    fn take(&self) -> HashMap<KeyPlace, KeyUsageRecord> {
        self.pending
            .lock()
            .map(|mut pending| std::mem::take(&mut *pending))
            .unwrap_or_default()
    }

    pub(crate) fn clear(&self) {
        drop(self.take());
    }
}

/// The operations whose use GetKeyLastUsage reports.
fn tracked(operation: Operation) -> Option<KeyLastUsageTrackingOperation> {
    let name = operation.name();
    KeyLastUsageTrackingOperation::VALUES
        .contains(&name)
        .then(|| KeyLastUsageTrackingOperation::parse(name))
}

/// `arn:<partition>:kms:<region>:<account>:key/<id>` → (account, region, id).
fn place_of(arn: &str) -> Option<KeyPlace> {
    let mut parts = arn.splitn(6, ':');
    let (_, _, _, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let key_id = resource.strip_prefix("key/")?;
    Some((account.to_string(), region.to_string(), key_id.to_string()))
}

pub(crate) fn usage_address(account: &str, region: &str, key_id: &str) -> RecordKey {
    RecordKey::new(kind::KEY_USAGE, account, region, key_id)
}

impl Kms {
    /// Writes the uses noted since the last flush. Returns how many keys were written.
    pub fn flush_key_usage(&self) -> Result<usize, CoreError> {
        let pending = self.usage.take();
        if pending.is_empty() {
            return Ok(0);
        }
        let mut batch = Batch::new();
        for ((account, region, key_id), record) in &pending {
            batch.put(
                usage_address(account, region, key_id),
                records::encode(record),
                Expect::Any,
            );
        }
        self.store.commit(batch)?;
        Ok(pending.len())
    }

    pub(crate) fn get_key_last_usage(
        &self,
        caller: &Caller,
        request: GetKeyLastUsageRequest,
    ) -> Result<GetKeyLastUsageResponse, KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or(""),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:GetKeyLastUsage", &key)?;
        let record = &key.record;
        let place = (
            record.account.clone(),
            record.region.clone(),
            record.key_id.clone(),
        );
        let usage = match self.usage.pending(&place) {
            Some(usage) => Some(usage),
            None => match self
                .store
                .get(&usage_address(
                    &record.account,
                    &record.region,
                    &record.key_id,
                ))
                .map_err(CoreError::from)?
            {
                Some(stored) => Some(records::decode::<KeyUsageRecord>(&stored.value)?),
                None => None,
            },
        };
        Ok(GetKeyLastUsageResponse {
            key_id: Some(key.arn.clone()),
            key_last_usage: usage.map(|usage| KeyLastUsageData {
                operation: Some(KeyLastUsageTrackingOperation::parse(&usage.operation)),
                timestamp: Some(Timestamp(usage.time)),
                cloud_trail_event_id: Some(usage.event_id),
                kms_request_id: Some(usage.request_id),
            }),
            // Trent tracks every key from its creation.
            tracking_start_date: Some(Timestamp(record.created)),
            key_creation_date: Some(Timestamp(record.created)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_their_key() {
        assert_eq!(
            place_of("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
            Some((
                "111122223333".to_string(),
                "us-east-1".to_string(),
                "1234abcd-12ab-34cd-56ef-1234567890ab".to_string()
            ))
        );
        assert_eq!(place_of("arn:aws:kms:us-east-1:111122223333:alias/x"), None);
        assert_eq!(place_of("nonsense"), None);
    }

    #[test]
    fn only_cryptographic_operations_are_tracked() {
        assert!(tracked(Operation::Encrypt).is_some());
        assert!(tracked(Operation::ReEncrypt).is_some());
        assert!(tracked(Operation::DescribeKey).is_none());
        assert!(tracked(Operation::CreateKey).is_none());
    }
}
