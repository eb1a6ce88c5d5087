//! Finding keys: the in-memory cache in front of the store, reference resolution and
//! compare-and-set updates.
//!
//! The cache holds each key's metadata together with its unwrapped material versions, so
//! Encrypt and Decrypt are answered from memory. Material leaves memory only wrapped; the cache
//! entries zeroize it when dropped (`trent_crypto::SymmetricKey`). Every change made through
//! [`Kms::update_key`] drops the entry so the next use reloads it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use trent_crypto::asymmetric::{AsymmetricSpec, HmacSpec, PrivateKey, generate_private_key};
use trent_crypto::{Secret, SymmetricKey};
use trent_protocol::KmsError;
use trent_store::{Batch, Expect, ListQuery, RecordKey, StoreError};

use crate::ids::{self, Accept, KeyRef};
use crate::records::{self, GrantRecord, KeyOwnerRecord, KeyRecord, MaterialRecord, kind};
use crate::{Caller, CoreError, Kms, errors};

/// Unwrapped key material of one version, parsed once for every request.
#[derive(Debug)]
pub enum Material {
    Symmetric(SymmetricKey),
    /// An asymmetric private key (RSA, ECC, Ed25519, ML-DSA).
    Private(Box<PrivateKey>),
    Hmac(HmacSpec, Secret),
}

/// A key as operations use it: metadata, its ARN and every material version, unwrapped.
#[derive(Debug)]
pub struct LoadedKey {
    pub record: KeyRecord,
    pub arn: String,
    pub materials: BTreeMap<u32, Material>,
    /// The key's grants, so grant checks on the hot path stay in memory.
    pub grants: Vec<GrantRecord>,
    /// The key policy, parsed once per load.
    pub policy: trent_policy::Policy,
}

impl LoadedKey {
    pub fn current_material(&self) -> Result<(u32, &Material), CoreError> {
        let version = self.record.current_version;
        self.materials
            .get(&version)
            .map(|material| (version, material))
            .ok_or_else(|| {
                CoreError::Corrupt(format!("key {} lacks its current material", self.arn))
            })
    }

    /// The current symmetric material (for keys whose spec is SYMMETRIC_DEFAULT).
    pub fn current_symmetric(&self) -> Result<(u32, &SymmetricKey), CoreError> {
        match self.current_material()? {
            (version, Material::Symmetric(key)) => Ok((version, key)),
            _ => Err(CoreError::Corrupt(format!(
                "key {} is not symmetric",
                self.arn
            ))),
        }
    }

    /// The private key of an asymmetric key.
    pub fn private_key(&self) -> Result<&PrivateKey, CoreError> {
        match self.current_material()? {
            (_, Material::Private(key)) => Ok(key),
            _ => Err(CoreError::Corrupt(format!(
                "key {} is not asymmetric",
                self.arn
            ))),
        }
    }

    /// The secret and spec of an HMAC key.
    pub fn hmac_key(&self) -> Result<(HmacSpec, &Secret), CoreError> {
        match self.current_material()? {
            (_, Material::Hmac(spec, secret)) => Ok((*spec, secret)),
            _ => Err(CoreError::Corrupt(format!(
                "key {} is not an HMAC key",
                self.arn
            ))),
        }
    }
}

#[derive(Debug, Default)]
pub struct KeyCache {
    /// (region, key id) → key. Key ids are unique, so the account is not part of the address.
    keys: RwLock<HashMap<(String, String), Arc<LoadedKey>>>,
    /// (account, region, alias name) → key id.
    aliases: RwLock<HashMap<(String, String, String), String>>,
}

impl KeyCache {
    pub fn clear(&self) {
        write(&self.keys).clear();
        write(&self.aliases).clear();
    }

    pub fn forget_key(&self, region: &str, key_id: &str) {
        write(&self.keys).remove(&(region.to_string(), key_id.to_string()));
    }

    pub fn forget_alias(&self, account: &str, region: &str, alias: &str) {
        write(&self.aliases).remove(&(account.to_string(), region.to_string(), alias.to_string()));
    }
}

// A poisoned lock only means another thread panicked while holding it; the maps stay usable.
fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A stored key policy, parsed. Policies were checked when stored; one that no longer parses
/// (stored by an older, laxer version) allows nothing, and says so in the log.
fn parse_stored_policy(arn: &str, text: &str) -> trent_policy::Policy {
    trent_policy::parse(text, trent_policy::PolicyKind::Key).unwrap_or_else(|err| {
        tracing::error!(key = arn, error = ?err, "the stored key policy does not parse; it allows nothing");
        trent_policy::Policy {
            version: trent_policy::Version::V2012_10_17,
            id: None,
            statements: Vec::new(),
        }
    })
}

/// Key cache hits and misses. Registered once: looking a labelled metric up on every request
/// is a measurable share of an Encrypt.
fn cache_counters() -> &'static (metrics::Counter, metrics::Counter) {
    static COUNTERS: std::sync::OnceLock<(metrics::Counter, metrics::Counter)> =
        std::sync::OnceLock::new();
    COUNTERS.get_or_init(|| {
        (
            metrics::counter!("trent_key_cache_total", "result" => "hit"),
            metrics::counter!("trent_key_cache_total", "result" => "miss"),
        )
    })
}

pub fn key_address(account: &str, region: &str, key_id: &str) -> RecordKey {
    RecordKey::new(kind::KEY, account, region, key_id)
}

pub fn owner_address(region: &str, key_id: &str) -> RecordKey {
    RecordKey::new(kind::KEY_OWNER, "", region, key_id)
}

pub fn alias_address(account: &str, region: &str, alias: &str) -> RecordKey {
    RecordKey::new(kind::ALIAS, account, region, alias)
}

pub fn material_address(account: &str, region: &str, key_id: &str, version: u32) -> RecordKey {
    RecordKey::new(
        kind::KEY_MATERIAL,
        account,
        region,
        records::material_id(key_id, version),
    )
}

/// Binds wrapped material to the record it lives in.
pub fn material_aad(account: &str, region: &str, key_id: &str, version: u32) -> Vec<u8> {
    format!("trent/key-material/v1/{account}/{region}/{key_id}/{version}").into_bytes()
}

/// The public `KeyMaterialId` of a material version: 64 hex characters that change on rotation
/// and say nothing about the material itself.
pub fn key_material_id(key_id: &str, version: u32) -> String {
    let mut input = b"trent/key-material-id/v1/".to_vec();
    input.extend_from_slice(key_id.as_bytes());
    input.extend_from_slice(&version.to_be_bytes());
    hex::encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        &input,
    ))
}

/// Fresh material for a key of `key_spec` (a wire name), as the bytes that get wrapped: an
/// AES-256 key, PKCS#8 for asymmetric keys, or an HMAC secret.
fn new_material_bytes(key_spec: &str) -> Result<Secret, CoreError> {
    if let Some(spec) = AsymmetricSpec::from_name(key_spec) {
        return generate_private_key(spec)
            .map_err(|err| CoreError::Invalid(format!("generating a {key_spec} key: {err}")));
    }
    if let Some(spec) = HmacSpec::from_name(key_spec) {
        return Ok(spec.generate());
    }
    Ok(SymmetricKey::generate().to_secret())
}

/// Parses unwrapped material of a key of `key_spec`.
fn material_of(key_spec: &str, secret: Secret) -> Option<Material> {
    if let Some(spec) = AsymmetricSpec::from_name(key_spec) {
        return PrivateKey::from_pkcs8(spec, secret.expose())
            .ok()
            .map(|key| Material::Private(Box::new(key)));
    }
    if let Some(spec) = HmacSpec::from_name(key_spec) {
        return Some(Material::Hmac(spec, secret));
    }
    SymmetricKey::from_bytes(secret.expose())
        .ok()
        .map(Material::Symmetric)
}

impl Kms {
    /// The key with this id in `region`, from the cache or the store.
    pub(crate) fn load_key(
        &self,
        region: &str,
        key_id: &str,
    ) -> Result<Option<Arc<LoadedKey>>, CoreError> {
        let address = (region.to_string(), key_id.to_string());
        if let Some(key) = read(&self.keys.keys).get(&address) {
            cache_counters().0.increment(1);
            return Ok(Some(key.clone()));
        }
        cache_counters().1.increment(1);
        let Some(owner) = self.store.get(&owner_address(region, key_id))? else {
            return Ok(None);
        };
        let owner: KeyOwnerRecord = records::decode(&owner.value)?;
        let Some(stored) = self
            .store
            .get(&key_address(&owner.account, region, key_id))?
        else {
            return Ok(None);
        };
        let record: KeyRecord = records::decode(&stored.value)?;
        let materials = self.load_materials(&record)?;
        let grants = self.grants_of(&record.account, region, key_id)?;
        let arn = self.arns.key(region, &record.account, key_id);
        let policy = parse_stored_policy(&arn, &record.policy);
        let key = Arc::new(LoadedKey {
            arn,
            record,
            materials,
            grants,
            policy,
        });
        write(&self.keys.keys).insert(address, key.clone());
        Ok(Some(key))
    }

    fn load_materials(&self, record: &KeyRecord) -> Result<BTreeMap<u32, Material>, CoreError> {
        let prefix = format!("{}/", record.key_id);
        let mut materials = BTreeMap::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.store.list(ListQuery {
                kind: kind::KEY_MATERIAL,
                account: &record.account,
                region: &record.region,
                prefix: &prefix,
                after: after.as_deref(),
                limit: 1000,
            })?;
            let full = page.len() == 1000;
            for stored in &page {
                let material: MaterialRecord = records::decode(&stored.value)?;
                let wrapped = hex::decode(&material.wrapped)
                    .map_err(|_| CoreError::Corrupt(format!("material {:?}", stored.key)))?;
                let aad = material_aad(
                    &record.account,
                    &record.region,
                    &record.key_id,
                    material.version,
                );
                let secret = self.domain_key.unwrap(&aad, &wrapped).map_err(|_| {
                    CoreError::Corrupt(format!("material {:?} does not unwrap", stored.key))
                })?;
                let parsed = material_of(&record.key_spec, secret).ok_or_else(|| {
                    CoreError::Corrupt(format!("material {:?} does not parse", stored.key))
                })?;
                materials.insert(material.version, parsed);
            }
            match page.last() {
                Some(last) if full => after = Some(last.key.id.clone()),
                _ => break,
            }
        }
        Ok(materials)
    }

    /// Resolves a key reference from a request to a key of the caller's region. Keys of other
    /// accounts are returned too (named by ARN); authorization decides whether they may be used.
    pub(crate) fn resolve(
        &self,
        caller: &Caller,
        input: &str,
        accept: Accept,
    ) -> Result<Arc<LoadedKey>, KmsError> {
        let region = caller.region.as_str();
        match ids::parse_key_ref(input, accept, region)? {
            KeyRef::Key { key_id, account } => {
                let account = account.unwrap_or_else(|| caller.account().to_string());
                match self.load_key(region, &key_id)? {
                    Some(key) if key.record.account == account => Ok(key),
                    _ => Err(errors::key_does_not_exist(
                        &self.arns.key(region, &account, &key_id),
                    )),
                }
            }
            KeyRef::Alias { name, account } => {
                let account = account.unwrap_or_else(|| caller.account().to_string());
                let not_found =
                    || errors::alias_not_found(&self.arns.alias(region, &account, &name));
                let key_id = match self.alias_target(&account, region, &name)? {
                    Some(key_id) => key_id,
                    // Naming an AWS-managed alias of one's own account creates its key.
                    None if account == caller.account() => self
                        .managed_key(&account, region, &name)?
                        .ok_or_else(not_found)?,
                    None => return Err(not_found()),
                };
                self.load_key(region, &key_id)?.ok_or_else(not_found)
            }
        }
    }

    /// The key id an alias points at, from the cache or the store.
    pub(crate) fn alias_target(
        &self,
        account: &str,
        region: &str,
        alias: &str,
    ) -> Result<Option<String>, CoreError> {
        let address = (account.to_string(), region.to_string(), alias.to_string());
        if let Some(key_id) = read(&self.keys.aliases).get(&address) {
            return Ok(Some(key_id.clone()));
        }
        let Some(stored) = self.store.get(&alias_address(account, region, alias))? else {
            return Ok(None);
        };
        let record: records::AliasRecord = records::decode(&stored.value)?;
        write(&self.keys.aliases).insert(address, record.target_key_id.clone());
        Ok(Some(record.target_key_id))
    }

    /// Applies `change` to the stored record of `key` with compare-and-set, retrying when another
    /// request changed the key in between. `change` sees the freshest record and may add writes
    /// to the same atomic batch. Returns the record as written.
    pub(crate) fn update_key<F>(
        &self,
        key: &LoadedKey,
        mut change: F,
    ) -> Result<KeyRecord, KmsError>
    where
        F: FnMut(&mut KeyRecord, &mut Batch) -> Result<(), KmsError>,
    {
        let record = &key.record;
        let address = key_address(&record.account, &record.region, &record.key_id);
        loop {
            let stored = self
                .store
                .get(&address)
                .map_err(CoreError::from)?
                .ok_or_else(|| errors::key_does_not_exist(&key.arn))?;
            let mut fresh: KeyRecord = records::decode(&stored.value)?;
            let mut batch = Batch::new();
            change(&mut fresh, &mut batch)?;
            batch.put(
                address.clone(),
                records::encode(&fresh),
                Expect::Revision(stored.revision),
            );
            let result = self.store.commit(batch);
            self.keys.forget_key(&record.region, &record.key_id);
            match result {
                Ok(_) => return Ok(fresh),
                Err(StoreError::Conflict(_)) => continue,
                Err(err) => return Err(CoreError::from(err).into()),
            }
        }
    }

    /// Generates a new material version for `record` and adds its write to `batch`.
    pub(crate) fn new_material(
        &self,
        record: &KeyRecord,
        version: u32,
        rotation_type: Option<&str>,
        batch: &mut Batch,
    ) -> Result<(), CoreError> {
        let material = new_material_bytes(&record.key_spec)?;
        let aad = material_aad(&record.account, &record.region, &record.key_id, version);
        let wrapped = self.domain_key.wrap(&aad, material.expose());
        let stored = MaterialRecord {
            v: records::VERSION,
            version,
            created: self.clock.now(),
            rotation_type: rotation_type.map(str::to_string),
            wrapped: hex::encode(wrapped),
        };
        batch.put(
            material_address(&record.account, &record.region, &record.key_id, version),
            records::encode(&stored),
            Expect::Absent,
        );
        Ok(())
    }

    /// Every material record of a key, oldest first (for ListKeyRotations).
    pub(crate) fn material_records(
        &self,
        record: &KeyRecord,
    ) -> Result<Vec<MaterialRecord>, CoreError> {
        let prefix = format!("{}/", record.key_id);
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.store.list(ListQuery {
                kind: kind::KEY_MATERIAL,
                account: &record.account,
                region: &record.region,
                prefix: &prefix,
                after: after.as_deref(),
                limit: 1000,
            })?;
            let full = page.len() == 1000;
            for stored in &page {
                out.push(records::decode(&stored.value)?);
            }
            match page.last() {
                Some(last) if full => after = Some(last.key.id.clone()),
                _ => return Ok(out),
            }
        }
    }
}
