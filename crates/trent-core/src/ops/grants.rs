//! Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant.
//!
//! A grant lets one principal use one key for listed operations, optionally only with a given
//! encryption context. Grants are stored beside their key (`<key id>/<grant id>`) and take effect
//! at once: Trent has no propagation delay, so grant tokens only have to be recognised, never
//! waited for. A token is the grant's address sealed under the domain key, so it cannot be forged
//! or pointed at another grant, and every CreateGrant returns a fresh one, as AWS does.
//!
//! ListRetirableGrants looks across keys and accounts, so a grant with a retiring principal also
//! has an entry in a global index by that principal, written and removed in the same batch as
//! the grant. Stores written before the index existed get it built once at start-up.

use std::collections::BTreeMap;

use base64::Engine as _;
use trent_protocol::{
    CreateGrantRequest, CreateGrantResponse, ErrorCode, GrantConstraints, GrantListEntry,
    GrantOperation, KmsError, ListGrantsRequest, ListGrantsResponse, ListRetirableGrantsRequest,
    RetireGrantRequest, RevokeGrantRequest, Timestamp,
};
use trent_store::{Batch, Expect, ListQuery, RecordKey, Store};

use super::{decode_marker, limit, paginate, require_enabled};
use crate::authz::access_denied;
use crate::ids::Accept;
use crate::keys::LoadedKey;
use crate::records::{self, GrantRecord, RetirableGrantRecord, kind};
use crate::{Caller, CoreError, Kms, errors};

/// The most encryption-context pairs a grant constraint may hold.
const MAX_CONSTRAINT_PAIRS: usize = 8;
/// The longest value in a grant constraint.
const MAX_CONSTRAINT_VALUE: usize = 384;
const TOKEN_AAD: &[u8] = b"trent/grant-token/v1";

pub(crate) fn grant_address(
    account: &str,
    region: &str,
    key_id: &str,
    grant_id: &str,
) -> RecordKey {
    RecordKey::new(kind::GRANT, account, region, format!("{key_id}/{grant_id}"))
}

/// The grant's entry in the index by retiring principal, if it names one. A space cannot occur
/// in a principal (AWS's pattern allows `[a-zA-Z0-9_+=,.@:/-]`), so `<principal> ` prefixes
/// exactly that principal's grants, in the order ListRetirableGrants pages them.
fn retirable_address(grant: &GrantRecord) -> Option<RecordKey> {
    let retiring = grant.retiring.as_deref()?;
    Some(RecordKey::new(
        kind::RETIRABLE_GRANT,
        "",
        "",
        format!(
            "{retiring} {}/{}/{}",
            grant.region, grant.key_id, grant.grant_id
        ),
    ))
}

/// Adds the grant's index entry (if it has a retiring principal) to `batch`; whether it did.
fn put_retirable_entry(batch: &mut Batch, grant: &GrantRecord) -> bool {
    let Some(address) = retirable_address(grant) else {
        return false;
    };
    let entry = RetirableGrantRecord {
        v: records::VERSION,
        key_account: grant.key_account.clone(),
    };
    batch.put(address, records::encode(&entry), Expect::Any);
    true
}

/// Adds the writes that store `grant` (and its index entry) to `batch`.
fn put_grant(batch: &mut Batch, grant: &GrantRecord) {
    batch.put(
        grant_address(
            &grant.key_account,
            &grant.region,
            &grant.key_id,
            &grant.grant_id,
        ),
        records::encode(grant),
        Expect::Absent,
    );
    put_retirable_entry(batch, grant);
}

/// Adds the writes that remove `grant` (and its index entry) to `batch`.
pub(crate) fn delete_grant_records(batch: &mut Batch, grant: &GrantRecord) {
    batch.delete(
        grant_address(
            &grant.key_account,
            &grant.region,
            &grant.key_id,
            &grant.grant_id,
        ),
        Expect::Any,
    );
    if let Some(address) = retirable_address(grant) {
        batch.delete(address, Expect::Any);
    }
}

/// Builds the retiring-principal index for grants written before it existed; once per store
/// (a layout record remembers it). Idempotent, so an interrupted build simply runs again.
pub(crate) fn index_retirable_grants(store: &dyn Store) -> Result<(), CoreError> {
    const BUILT: &str = "retirable-grant-index";
    const BATCH_SIZE: usize = 1000;
    let built = RecordKey::new(kind::LAYOUT, "", "", BUILT);
    if store.get(&built)?.is_some() {
        return Ok(());
    }
    let mut batch = Batch::new();
    let mut pending = 0;
    for stored in store.scan(kind::GRANT)? {
        let grant: GrantRecord = records::decode(&stored.value)?;
        if put_retirable_entry(&mut batch, &grant) {
            pending += 1;
        }
        if pending == BATCH_SIZE {
            store.commit(std::mem::take(&mut batch))?;
            pending = 0;
        }
    }
    batch.put(built, br#"{"v":1}"#.to_vec(), Expect::Any);
    store.commit(batch)?;
    Ok(())
}

/// The grant operations a key of this usage can perform (AWS refuses the others).
fn operations_for(key: &LoadedKey) -> &'static [&'static str] {
    const COMMON: [&str; 3] = ["CreateGrant", "RetireGrant", "DescribeKey"];
    match (key.record.key_spec.as_str(), key.record.key_usage.as_str()) {
        ("SYMMETRIC_DEFAULT", _) => &[
            "CreateGrant",
            "RetireGrant",
            "DescribeKey",
            "Decrypt",
            "Encrypt",
            "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext",
            "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext",
            "ReEncryptFrom",
            "ReEncryptTo",
        ],
        (_, "ENCRYPT_DECRYPT") => &[
            "CreateGrant",
            "RetireGrant",
            "DescribeKey",
            "Decrypt",
            "Encrypt",
            "ReEncryptFrom",
            "ReEncryptTo",
            "GetPublicKey",
        ],
        (_, "SIGN_VERIFY") => &[
            "CreateGrant",
            "RetireGrant",
            "DescribeKey",
            "Sign",
            "Verify",
            "GetPublicKey",
        ],
        (_, "GENERATE_VERIFY_MAC") => &[
            "CreateGrant",
            "RetireGrant",
            "DescribeKey",
            "GenerateMac",
            "VerifyMac",
        ],
        (_, "KEY_AGREEMENT") => &[
            "CreateGrant",
            "RetireGrant",
            "DescribeKey",
            "DeriveSharedSecret",
            "GetPublicKey",
        ],
        _ => &COMMON,
    }
}

/// Whether `spec` (a grantee or retiring principal as written in the grant) names `caller`:
/// its exact ARN, or its account as root ARN or bare account id.
fn names_caller(spec: &str, caller: &Caller) -> bool {
    let account = caller.account();
    spec == caller.principal.arn
        || spec == account
        || spec
            .strip_prefix("arn:aws:iam::")
            .and_then(|rest| rest.strip_suffix(":root"))
            .is_some_and(|a| a == account)
}

fn grant_not_found(grant_id: &str) -> KmsError {
    KmsError::new(
        ErrorCode::NotFoundException,
        format!("Grant ID {grant_id} not found"),
    )
}

fn is_grant_id(value: &str) -> bool {
    value.len() == 64
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Kms {
    fn grant_token(&self, grant: &GrantRecord) -> String {
        let address = format!("{}/{}/{}", grant.region, grant.key_id, grant.grant_id);
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(self.domain_key.wrap(TOKEN_AAD, address.as_bytes()))
    }

    /// (region, key id, grant id) named by a token, or InvalidGrantTokenException.
    fn read_grant_token(&self, token: &str) -> Result<(String, String, String), KmsError> {
        let invalid = || KmsError::bare(ErrorCode::InvalidGrantTokenException);
        let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| invalid())?;
        let address = self
            .domain_key
            .unwrap(TOKEN_AAD, &sealed)
            .map_err(|_| invalid())?;
        let address = std::str::from_utf8(address.expose()).map_err(|_| invalid())?;
        let mut parts = address.splitn(3, '/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(region), Some(key_id), Some(grant_id)) => {
                Ok((region.to_string(), key_id.to_string(), grant_id.to_string()))
            }
            _ => Err(invalid()),
        }
    }

    /// Every grant of `key`, in grant-id order.
    pub(crate) fn grants_of(
        &self,
        account: &str,
        region: &str,
        key_id: &str,
    ) -> Result<Vec<GrantRecord>, CoreError> {
        let prefix = format!("{key_id}/");
        let stored = self.store.list(ListQuery {
            kind: kind::GRANT,
            account,
            region,
            prefix: &prefix,
            after: None,
            limit: usize::MAX,
        })?;
        stored.iter().map(|s| records::decode(&s.value)).collect()
    }

    fn find_grant(
        &self,
        key: &LoadedKey,
        grant_id: &str,
    ) -> Result<Option<GrantRecord>, CoreError> {
        let record = &key.record;
        match self.store.get(&grant_address(
            &record.account,
            &record.region,
            &record.key_id,
            grant_id,
        ))? {
            Some(stored) => Ok(Some(records::decode(&stored.value)?)),
            None => Ok(None),
        }
    }

    pub(crate) fn create_grant(
        &self,
        caller: &Caller,
        request: CreateGrantRequest,
    ) -> Result<CreateGrantResponse, KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:CreateGrant", &key)?;
        require_enabled(&key)?;
        let grantee = request.grantee_principal.unwrap_or_default();
        let mut operations: Vec<String> = request
            .operations
            .unwrap_or_default()
            .iter()
            .map(|op| op.as_str().to_string())
            .collect();
        operations.sort();
        operations.dedup();
        let allowed = operations_for(&key);
        let refused: Vec<&str> = operations
            .iter()
            .map(String::as_str)
            .filter(|op| !allowed.contains(op))
            .collect();
        if !refused.is_empty() {
            return Err(errors::validation(format!(
                "Grant operations {} are not valid for a key with KeySpec {} and KeyUsage {}.",
                refused.join(", "),
                key.record.key_spec,
                key.record.key_usage
            )));
        }
        let constraints = request.constraints.unwrap_or_default();
        let (equals, subset) = (
            constraints.encryption_context_equals,
            constraints.encryption_context_subset,
        );
        if equals.is_some() || subset.is_some() {
            if key.record.key_spec != "SYMMETRIC_DEFAULT" {
                return Err(errors::validation(
                    "Encryption context grant constraints are only supported for symmetric encryption KMS keys.",
                ));
            }
            for context in [&equals, &subset].into_iter().flatten() {
                if context.len() > MAX_CONSTRAINT_PAIRS
                    || context
                        .values()
                        .any(|v| v.chars().count() > MAX_CONSTRAINT_VALUE)
                {
                    return Err(errors::validation(format!(
                        "A grant constraint holds at most {MAX_CONSTRAINT_PAIRS} encryption context pairs of at most {MAX_CONSTRAINT_VALUE} characters."
                    )));
                }
            }
        }
        if request.dry_run == Some(true) {
            return Err(errors::dry_run());
        }
        let record = &key.record;
        // With a Name, an identical earlier request gets its grant back (with a fresh token).
        if let Some(name) = &request.name {
            for existing in self.grants_of(&record.account, &record.region, &record.key_id)? {
                if existing.name.as_deref() == Some(name)
                    && existing.grantee == grantee
                    && existing.retiring == request.retiring_principal
                    && existing.operations == operations
                    && existing.equals == equals
                    && existing.subset == subset
                {
                    return Ok(CreateGrantResponse {
                        grant_token: Some(self.grant_token(&existing)),
                        grant_id: Some(existing.grant_id),
                    });
                }
            }
        }
        let grant = GrantRecord {
            v: records::VERSION,
            grant_id: hex::encode(trent_crypto::random_array::<32>()),
            key_id: record.key_id.clone(),
            region: record.region.clone(),
            key_account: record.account.clone(),
            name: request.name,
            created: self.now(),
            grantee,
            retiring: request.retiring_principal,
            issuing_account: caller.account().to_string(),
            operations,
            equals,
            subset,
        };
        let mut batch = Batch::new();
        put_grant(&mut batch, &grant);
        self.store.commit(batch).map_err(CoreError::from)?;
        self.keys.forget_key(&record.region, &record.key_id);
        Ok(CreateGrantResponse {
            grant_token: Some(self.grant_token(&grant)),
            grant_id: Some(grant.grant_id),
        })
    }

    pub(crate) fn list_grants(
        &self,
        caller: &Caller,
        request: ListGrantsRequest,
    ) -> Result<ListGrantsResponse, KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:ListGrants", &key)?;
        if let Some(grant_id) = &request.grant_id
            && !is_grant_id(grant_id)
        {
            return Err(KmsError::bare(ErrorCode::InvalidGrantIdException));
        }
        let after = decode_marker(request.marker.as_deref())?;
        let record = &key.record;
        let grants = self
            .grants_of(&record.account, &record.region, &record.key_id)?
            .into_iter()
            .filter(|g| request.grant_id.as_ref().is_none_or(|id| *id == g.grant_id))
            .filter(|g| {
                request
                    .grantee_principal
                    .as_ref()
                    .is_none_or(|p| *p == g.grantee)
            })
            .map(|g| (g.grant_id.clone(), self.grant_entry(g)));
        let page = paginate(grants, after.as_deref(), limit(request.limit, 50, 100));
        Ok(ListGrantsResponse {
            truncated: Some(page.truncated()),
            next_marker: page.next_marker.clone(),
            grants: Some(page.items),
        })
    }

    pub(crate) fn list_retirable_grants(
        &self,
        caller: &Caller,
        request: ListRetirableGrantsRequest,
    ) -> Result<ListGrantsResponse, KmsError> {
        self.authorize_without_key(caller, "kms:ListRetirableGrants", "*")?;
        let retiring = request.retiring_principal.unwrap_or_default();
        let after = decode_marker(request.marker.as_deref())?;
        let limit = limit(request.limit, 50, 100);
        // Entries are `<principal> <region>/<key id>/<grant id>`; the marker is the part after
        // the principal. One more grant than the page is read to know whether there are more;
        // an entry whose grant has just been retired is passed over, so read on until that many
        // grants are found or the entries run out.
        let prefix = format!("{retiring} ");
        let mut after_id = after
            .as_deref()
            .map(|position| format!("{prefix}{position}"));
        let mut grants: Vec<(String, GrantListEntry)> = Vec::new();
        loop {
            let wanted = limit + 1 - grants.len();
            let entries = self
                .store
                .list(ListQuery {
                    kind: kind::RETIRABLE_GRANT,
                    account: "",
                    region: "",
                    prefix: &prefix,
                    after: after_id.as_deref(),
                    limit: wanted,
                })
                .map_err(CoreError::from)?;
            let exhausted = entries.len() < wanted;
            for entry in entries {
                let position = &entry.key.id[prefix.len()..];
                if let Some(grant) = self.retirable_grant(position, &entry.value)? {
                    grants.push((position.to_string(), self.grant_entry(grant)));
                }
                after_id = Some(entry.key.id);
            }
            if exhausted || grants.len() > limit {
                break;
            }
        }
        let page = paginate(grants, after.as_deref(), limit);
        Ok(ListGrantsResponse {
            truncated: Some(page.truncated()),
            next_marker: page.next_marker.clone(),
            grants: Some(page.items),
        })
    }

    /// The grant an index entry at `position` (`<region>/<key id>/<grant id>`) names, if it
    /// still exists.
    fn retirable_grant(
        &self,
        position: &str,
        entry: &[u8],
    ) -> Result<Option<GrantRecord>, CoreError> {
        let index: RetirableGrantRecord = records::decode(entry)?;
        let mut parts = position.splitn(3, '/');
        let (Some(region), Some(key_id), Some(grant_id)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(CoreError::Corrupt(format!(
                "retirable-grant entry {position}"
            )));
        };
        let address = grant_address(&index.key_account, region, key_id, grant_id);
        match self.store.get(&address)? {
            Some(stored) => Ok(Some(records::decode(&stored.value)?)),
            None => Ok(None),
        }
    }

    pub(crate) fn retire_grant(
        &self,
        caller: &Caller,
        request: RetireGrantRequest,
    ) -> Result<(), KmsError> {
        let (key, grant_id) = match (&request.grant_token, &request.key_id, &request.grant_id) {
            (Some(token), _, _) => {
                let (region, key_id, grant_id) = self.read_grant_token(token)?;
                let key = self
                    .load_key(&region, &key_id)?
                    .ok_or_else(|| KmsError::bare(ErrorCode::InvalidGrantTokenException))?;
                (key, grant_id)
            }
            (None, Some(key_id), Some(grant_id)) => (
                self.resolve(caller, key_id, Accept::KeyOnly)?,
                grant_id.clone(),
            ),
            _ => {
                return Err(errors::validation(
                    "Grant token OR (grant ID, key ID) must be specified",
                ));
            }
        };
        caller.touch(&key.arn);
        if !is_grant_id(&grant_id) {
            return Err(KmsError::bare(ErrorCode::InvalidGrantIdException));
        }
        let grant = self
            .find_grant(&key, &grant_id)?
            .ok_or_else(|| grant_not_found(&grant_id))?;
        let may_retire = grant
            .retiring
            .as_deref()
            .is_some_and(|r| names_caller(r, caller))
            || (names_caller(&grant.grantee, caller)
                && grant.operations.iter().any(|op| op == "RetireGrant"))
            || grant.issuing_account == caller.account();
        if !may_retire {
            return Err(access_denied(
                &caller.principal.arn,
                "kms:RetireGrant",
                &key.arn,
            ));
        }
        if request.dry_run == Some(true) {
            return Err(errors::dry_run());
        }
        self.delete_grant(&key, &grant)
    }

    pub(crate) fn revoke_grant(
        &self,
        caller: &Caller,
        request: RevokeGrantRequest,
    ) -> Result<(), KmsError> {
        let key = self.resolve(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            Accept::KeyOnly,
        )?;
        self.authorize(caller, "kms:RevokeGrant", &key)?;
        let grant_id = request.grant_id.unwrap_or_default();
        if !is_grant_id(&grant_id) {
            return Err(KmsError::bare(ErrorCode::InvalidGrantIdException));
        }
        let grant = self
            .find_grant(&key, &grant_id)?
            .ok_or_else(|| grant_not_found(&grant_id))?;
        if request.dry_run == Some(true) {
            return Err(errors::dry_run());
        }
        self.delete_grant(&key, &grant)
    }

    fn delete_grant(&self, key: &LoadedKey, grant: &GrantRecord) -> Result<(), KmsError> {
        let record = &key.record;
        let mut batch = Batch::new();
        delete_grant_records(&mut batch, grant);
        self.store.commit(batch).map_err(CoreError::from)?;
        self.keys.forget_key(&record.region, &record.key_id);
        Ok(())
    }

    fn grant_entry(&self, grant: GrantRecord) -> GrantListEntry {
        let constraints =
            (grant.equals.is_some() || grant.subset.is_some()).then_some(GrantConstraints {
                encryption_context_equals: grant.equals,
                encryption_context_subset: grant.subset,
            });
        GrantListEntry {
            key_id: Some(
                self.arns
                    .key(&grant.region, &grant.key_account, &grant.key_id),
            ),
            grant_id: Some(grant.grant_id),
            name: grant.name,
            creation_date: Some(Timestamp(grant.created)),
            grantee_principal: Some(grant.grantee),
            retiring_principal: grant.retiring,
            issuing_account: Some(format!("arn:aws:iam::{}:root", grant.issuing_account)),
            operations: Some(
                grant
                    .operations
                    .iter()
                    .map(|op| GrantOperation::parse(op))
                    .collect(),
            ),
            constraints,
        }
    }
}

/// Whether a request's encryption context satisfies a grant's constraints.
pub(crate) fn context_satisfies(
    context: &BTreeMap<String, String>,
    equals: Option<&BTreeMap<String, String>>,
    subset: Option<&BTreeMap<String, String>>,
) -> bool {
    equals.is_none_or(|required| required == context)
        && subset.is_none_or(|required| required.iter().all(|(k, v)| context.get(k) == Some(v)))
}
