//! What Trent persists, in its own versioned formats.
//!
//! Wire shapes change with the AWS model; stored records must decode for the life of a key, so
//! they are separate types owned here. Every record carries `v`; a reader refuses a version it
//! does not know rather than guessing. Key material and access-key secrets appear only wrapped
//! under the domain key (hex of the wrapped bytes), never in the clear.

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::CoreError;

/// Record kinds in the store (the first part of a `RecordKey`).
pub mod kind {
    pub const DOMAIN_KEY: &str = "domain-key";
    pub const KEY: &str = "key";
    /// Global index: (region, key id) → owning account, so a ciphertext can find its key.
    pub const KEY_OWNER: &str = "key-owner";
    pub const KEY_MATERIAL: &str = "key-material";
    pub const ALIAS: &str = "alias";
    pub const ACCOUNT: &str = "account";
    pub const USER: &str = "user";
    pub const ROLE: &str = "role";
    pub const ACCESS_KEY: &str = "access-key";
    /// The last successful cryptographic use of a key (GetKeyLastUsage).
    pub const KEY_USAGE: &str = "key-usage";
    /// A grant, addressed `<key id>/<grant id>` in its key's account and region.
    pub const GRANT: &str = "grant";
    /// Global index: `<retiring principal> <region>/<key id>/<grant id>` → the key's account,
    /// so ListRetirableGrants reads one principal's grants instead of every grant.
    pub const RETIRABLE_GRANT: &str = "retirable-grant";
    /// Facts about the store's own layout (which indexes have been built).
    pub const LAYOUT: &str = "layout";
    /// A marker that readiness checks rewrite to prove the store takes writes.
    pub const HEALTH: &str = "health";
}

pub const VERSION: u32 = 1;

pub fn encode<T: Serialize>(record: &T) -> Vec<u8> {
    // Serializing these plain structs cannot fail.
    serde_json::to_vec(record).unwrap_or_default()
}

pub fn decode<T: DeserializeOwned + Versioned>(bytes: &[u8]) -> Result<T, CoreError> {
    let record: T = serde_json::from_slice(bytes)
        .map_err(|e| CoreError::Corrupt(format!("undecodable record: {e}")))?;
    if record.record_version() != VERSION {
        return Err(CoreError::Corrupt(format!(
            "record version {} is newer than this Trent understands",
            record.record_version()
        )));
    }
    Ok(record)
}

pub trait Versioned {
    fn record_version(&self) -> u32;
}

macro_rules! versioned {
    ($($t:ty),*) => { $(impl Versioned for $t { fn record_version(&self) -> u32 { self.v } })* };
}
versioned!(
    DomainKeyRecord,
    KeyRecord,
    KeyOwnerRecord,
    MaterialRecord,
    AliasRecord,
    AccountRecord,
    UserRecord,
    AccessKeyRecord,
    KeyUsageRecord,
    GrantRecord,
    RetirableGrantRecord,
    RoleRecord
);

/// A grant on a key. Operations are wire names, sorted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantRecord {
    pub v: u32,
    pub grant_id: String,
    pub key_id: String,
    pub region: String,
    pub key_account: String,
    pub name: Option<String>,
    pub created: f64,
    pub grantee: String,
    pub retiring: Option<String>,
    /// The account of the principal that created the grant.
    pub issuing_account: String,
    pub operations: Vec<String>,
    pub equals: Option<std::collections::BTreeMap<String, String>>,
    pub subset: Option<std::collections::BTreeMap<String, String>>,
}

/// An entry of the retiring-principal index; its address names the grant (see
/// [`kind::RETIRABLE_GRANT`]), this says in which account the grant's key lives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetirableGrantRecord {
    pub v: u32,
    pub key_account: String,
}

/// The last successful cryptographic operation with a key, flushed from memory periodically.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyUsageRecord {
    pub v: u32,
    pub operation: String,
    pub time: f64,
    pub event_id: String,
    pub request_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DomainKeyRecord {
    pub v: u32,
    /// The domain key wrapped under the root key.
    pub wrapped: String,
}

/// A KMS key's metadata. Its material versions are separate records ([`MaterialRecord`]) so that
/// rotation never rewrites a growing record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyRecord {
    pub v: u32,
    pub key_id: String,
    pub account: String,
    pub region: String,
    /// Unix seconds.
    pub created: f64,
    pub description: String,
    /// Wire names: `SYMMETRIC_DEFAULT`, `ENCRYPT_DECRYPT`, `AWS_KMS`, `CUSTOMER`.
    pub key_spec: String,
    pub key_usage: String,
    pub origin: String,
    pub key_manager: String,
    /// Wire name of the key state (`Enabled`, `Disabled`, `PendingDeletion`, …).
    pub state: String,
    pub deletion_date: Option<f64>,
    pub pending_window_days: Option<i32>,
    pub policy: String,
    /// In the order they were first set.
    pub tags: Vec<TagRecord>,
    pub rotation: RotationRecord,
    /// The material version new ciphertexts use.
    pub current_version: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagRecord {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RotationRecord {
    pub enabled: bool,
    pub period_days: i32,
    /// When the current automatic schedule started (enable date or last automatic rotation).
    pub anchor: f64,
    pub on_demand_count: u32,
}

impl RotationRecord {
    pub fn next_rotation(&self) -> f64 {
        self.anchor + f64::from(self.period_days) * 86_400.0
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyOwnerRecord {
    pub v: u32,
    pub account: String,
}

/// One version of a key's material.
#[derive(Clone, Serialize, Deserialize)]
pub struct MaterialRecord {
    pub v: u32,
    pub version: u32,
    pub created: f64,
    /// `AUTOMATIC` or `ON_DEMAND` for versions made by rotation; `None` for the first.
    pub rotation_type: Option<String>,
    /// The material wrapped under the domain key (hex).
    pub wrapped: String,
}

impl std::fmt::Debug for MaterialRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaterialRecord")
            .field("version", &self.version)
            .field("created", &self.created)
            .field("rotation_type", &self.rotation_type)
            .finish_non_exhaustive()
    }
}

/// Store id of a material version: sorts by key, then version.
pub fn material_id(key_id: &str, version: u32) -> String {
    format!("{key_id}/{version:010}")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AliasRecord {
    pub v: u32,
    pub target_key_id: String,
    pub created: f64,
    pub updated: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountRecord {
    pub v: u32,
    pub account_id: String,
    pub created: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserRecord {
    pub v: u32,
    pub account_id: String,
    pub name: String,
    pub arn: String,
    pub user_id: String,
    pub created: f64,
    /// May manage accounts, users and access keys of the whole deployment.
    pub administrator: bool,
    /// Inline identity policies by name (IAM's PutUserPolicy).
    #[serde(default)]
    pub policies: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub tags: Vec<TagRecord>,
}

/// An IAM role: who may assume it (the trust policy) and what its sessions may do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoleRecord {
    pub v: u32,
    pub account_id: String,
    pub name: String,
    pub arn: String,
    /// `AROA…`, the first half of an assumed-role session's principal id.
    pub role_id: String,
    pub created: f64,
    pub assume_role_policy: String,
    pub max_session_seconds: u32,
    pub policies: std::collections::BTreeMap<String, String>,
    pub tags: Vec<TagRecord>,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct AccessKeyRecord {
    pub v: u32,
    pub access_key_id: String,
    pub account_id: String,
    pub user_name: String,
    pub created: f64,
    /// The secret access key wrapped under the domain key (hex).
    pub wrapped_secret: String,
}

impl std::fmt::Debug for AccessKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKeyRecord")
            .field("access_key_id", &self.access_key_id)
            .field("account_id", &self.account_id)
            .field("user_name", &self.user_name)
            .finish_non_exhaustive()
    }
}
