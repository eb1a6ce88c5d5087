//! Accounts, users and their access keys — who may call Trent.
//!
//! An access key's secret has to be kept (SigV4 verification needs it, not a hash of it), so it
//! is stored wrapped under the domain key and unwrapped into memory on first use. The first
//! start of a deployment creates a default account with an administrator ([`Kms::bootstrap`]);
//! administrators manage the other accounts and users. Identity policies and roles come with the
//! access-control work.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use trent_crypto::{Secret, random_bytes};
use trent_protocol::{ErrorCode, KmsError};
use trent_store::{Batch, Expect, ListQuery, RecordKey, StoreError};

use crate::ids::is_account_id;
use crate::records::{self, AccessKeyRecord, AccountRecord, UserRecord, kind};
use crate::{CoreError, Kms};

/// An authenticated identity.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub account_id: String,
    /// `arn:aws:iam::<account>:user/<name>`, or for a role session
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub arn: String,
    /// The user name, or the session name of a role session.
    pub user_name: String,
    /// `AIDA…` for a user, `AROA…:<session>` for a role session (CloudTrail's principalId).
    pub user_id: String,
    pub access_key_id: String,
    pub administrator: bool,
    pub kind: PrincipalKind,
    /// The service this principal acts as (its `trent:ViaService` tag), if any.
    pub via_service: Option<String>,
}

/// What kind of IAM identity a principal is.
#[derive(Debug, Clone, PartialEq)]
pub enum PrincipalKind {
    User,
    /// Temporary credentials from AssumeRole, valid until `expires` (unix seconds).
    AssumedRole {
        role_arn: String,
        role_name: String,
        session_name: String,
        expires: f64,
    },
}

impl Principal {
    /// The IAM entity whose identity policies apply: the user, or the role of a session.
    pub fn policy_owner_arn(&self) -> &str {
        match &self.kind {
            PrincipalKind::User => &self.arn,
            PrincipalKind::AssumedRole { role_arn, .. } => role_arn,
        }
    }
}

/// A new access key. The secret is shown to its owner once and never again.
#[derive(Debug)]
pub struct AccessKeyCreated {
    pub account_id: String,
    pub user_arn: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

/// A user as the admin API describes it.
#[derive(Debug, Clone)]
pub struct UserInfo {
    pub account_id: String,
    pub arn: String,
    pub user_name: String,
    pub user_id: String,
    pub administrator: bool,
}

/// Fixed credentials for test mode, so test suites can hard-code them.
#[derive(Debug, Clone)]
pub struct FixedIdentity {
    pub account_id: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

type CachedAccessKey = (Arc<Principal>, Secret);

#[derive(Debug, Default)]
pub struct AccessKeyCache {
    entries: RwLock<HashMap<String, Arc<CachedAccessKey>>>,
    /// Parsed identity policies and tags of users and roles, by ARN.
    pub(crate) entities: RwLock<HashMap<String, Arc<crate::iam::EntityPolicies>>>,
}

impl AccessKeyCache {
    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.entities
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

const ADMIN_USER: &str = "admin";

fn access_key_aad(access_key_id: &str) -> Vec<u8> {
    format!("trent/access-key/v1/{access_key_id}").into_bytes()
}

pub(crate) fn user_address(account_id: &str, name: &str) -> RecordKey {
    RecordKey::new(kind::USER, account_id, "", name)
}

fn account_address(account_id: &str) -> RecordKey {
    RecordKey::new(kind::ACCOUNT, "", "", account_id)
}

fn access_key_address(access_key_id: &str) -> RecordKey {
    RecordKey::new(kind::ACCESS_KEY, "", "", access_key_id)
}

/// IAM's rule for user names: 1–64 of `[A-Za-z0-9+=,.@_-]`.
pub(crate) fn is_user_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

pub(crate) fn random_from(alphabet: &[u8], len: usize) -> String {
    // Rejection sampling keeps every character equally likely.
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for byte in random_bytes(len * 2) {
            if (byte as usize) < limit && out.len() < len {
                out.push(alphabet[byte as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

fn new_access_key_id() -> String {
    format!(
        "AKIA{}",
        random_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
    )
}

pub(crate) fn new_secret_access_key() -> String {
    random_from(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        40,
    )
}

fn new_account_id() -> String {
    random_from(b"0123456789", 12)
}

/// An IAM unique id: a type prefix (`AIDA` user, `AROA` role) and 17 base-32 characters.
pub(crate) fn unique_id(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        random_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 17)
    )
}

pub(crate) fn already_exists(message: String) -> KmsError {
    KmsError::new(ErrorCode::AlreadyExistsException, message)
}

impl Kms {
    /// Writes a new user or role record; AlreadyExistsException if `arn` exists.
    pub(crate) fn insert_new(
        &self,
        address: RecordKey,
        value: Vec<u8>,
        arn: &str,
    ) -> Result<(), KmsError> {
        let mut batch = Batch::new();
        batch.put(address, value, Expect::Absent);
        match self.store.commit(batch) {
            Ok(_) => Ok(()),
            Err(StoreError::Conflict(_)) => Err(already_exists(format!("{arn} already exists."))),
            Err(err) => Err(CoreError::from(err).into()),
        }
    }

    /// The principal and secret behind an access key id, if the key exists.
    pub fn access_key(
        &self,
        access_key_id: &str,
    ) -> Result<Option<Arc<CachedAccessKey>>, CoreError> {
        if let Some(entry) = self
            .identities
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(access_key_id)
        {
            return Ok(Some(entry.clone()));
        }
        let Some(stored) = self.store.get(&access_key_address(access_key_id))? else {
            return Ok(None);
        };
        let record: AccessKeyRecord = records::decode(&stored.value)?;
        let Some(user) = self
            .store
            .get(&user_address(&record.account_id, &record.user_name))?
        else {
            return Ok(None);
        };
        let user: UserRecord = records::decode(&user.value)?;
        let wrapped = hex::decode(&record.wrapped_secret)
            .map_err(|_| CoreError::Corrupt(format!("access key {access_key_id}")))?;
        let secret = self
            .domain_key
            .unwrap(&access_key_aad(access_key_id), &wrapped)
            .map_err(|_| {
                CoreError::Corrupt(format!("access key {access_key_id} does not unwrap"))
            })?;
        let principal = Arc::new(Principal {
            account_id: user.account_id,
            arn: user.arn,
            user_name: user.name,
            user_id: user.user_id,
            access_key_id: access_key_id.to_string(),
            administrator: user.administrator,
            kind: PrincipalKind::User,
            via_service: tag_value(&user.tags, crate::managed::VIA_SERVICE_TAG),
        });
        let entry = Arc::new((principal, secret));
        self.identities
            .entries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(access_key_id.to_string(), entry.clone());
        Ok(Some(entry))
    }

    /// Creates an account, with the given 12-digit id or a random one.
    pub fn create_account(&self, account_id: Option<&str>) -> Result<String, KmsError> {
        let account_id = match account_id {
            Some(id) if is_account_id(id) => id.to_string(),
            Some(id) => {
                return Err(KmsError::new(
                    ErrorCode::ValidationException,
                    format!("Account id '{id}' must be 12 digits."),
                ));
            }
            None => new_account_id(),
        };
        let mut batch = Batch::new();
        let record = AccountRecord {
            v: records::VERSION,
            account_id: account_id.clone(),
            created: self.now(),
        };
        batch.put(
            account_address(&account_id),
            records::encode(&record),
            Expect::Absent,
        );
        match self.store.commit(batch) {
            Ok(_) => Ok(account_id),
            Err(StoreError::Conflict(_)) => Err(already_exists(format!(
                "Account {account_id} already exists."
            ))),
            Err(err) => Err(CoreError::from(err).into()),
        }
    }

    pub fn account_exists(&self, account_id: &str) -> Result<bool, CoreError> {
        Ok(self.store.get(&account_address(account_id))?.is_some())
    }

    /// Creates a user in an existing account.
    pub fn create_user(
        &self,
        account_id: &str,
        name: &str,
        administrator: bool,
    ) -> Result<UserInfo, KmsError> {
        if !is_user_name(name) {
            return Err(KmsError::new(
                ErrorCode::ValidationException,
                format!("User name '{name}' must be 1-64 characters of [A-Za-z0-9+=,.@_-]."),
            ));
        }
        if !self.account_exists(account_id)? {
            return Err(KmsError::new(
                ErrorCode::NotFoundException,
                format!("Account {account_id} does not exist."),
            ));
        }
        let record = UserRecord {
            v: records::VERSION,
            account_id: account_id.to_string(),
            name: name.to_string(),
            arn: self.arns.user(account_id, name),
            user_id: unique_id("AIDA"),
            created: self.now(),
            administrator,
            policies: Default::default(),
            tags: Vec::new(),
        };
        self.insert_new(
            user_address(account_id, name),
            records::encode(&record),
            &record.arn,
        )?;
        Ok(user_info(&record))
    }

    /// The users of one account, by name.
    pub fn list_users(&self, account_id: &str) -> Result<Vec<UserInfo>, CoreError> {
        let stored = self.store.list(ListQuery {
            kind: kind::USER,
            account: account_id,
            region: "",
            prefix: "",
            after: None,
            limit: usize::MAX,
        })?;
        stored
            .iter()
            .map(|s| records::decode::<UserRecord>(&s.value).map(|u| user_info(&u)))
            .collect()
    }

    /// Creates an access key for the user `user_arn`; `fixed` gives its id and secret (test mode).
    pub fn create_access_key(
        &self,
        user_arn: &str,
        fixed: Option<(&str, &str)>,
    ) -> Result<AccessKeyCreated, KmsError> {
        let not_found = || {
            KmsError::new(
                ErrorCode::NotFoundException,
                format!("User {user_arn} does not exist."),
            )
        };
        let (account_id, user_name) = parse_user_arn(user_arn).ok_or_else(not_found)?;
        if self
            .store
            .get(&user_address(account_id, user_name))
            .map_err(CoreError::from)?
            .is_none()
        {
            return Err(not_found());
        }
        let (access_key_id, secret) = match fixed {
            Some((id, secret)) => (id.to_string(), secret.to_string()),
            None => (new_access_key_id(), new_secret_access_key()),
        };
        let record = AccessKeyRecord {
            v: records::VERSION,
            access_key_id: access_key_id.clone(),
            account_id: account_id.to_string(),
            user_name: user_name.to_string(),
            created: self.now(),
            wrapped_secret: hex::encode(
                self.domain_key
                    .wrap(&access_key_aad(&access_key_id), secret.as_bytes()),
            ),
        };
        let mut batch = Batch::new();
        batch.put(
            access_key_address(&access_key_id),
            records::encode(&record),
            Expect::Absent,
        );
        match self.store.commit(batch) {
            Ok(_) => Ok(AccessKeyCreated {
                account_id: account_id.to_string(),
                user_arn: user_arn.to_string(),
                access_key_id,
                secret_access_key: Secret::new(secret.into_bytes()),
            }),
            Err(StoreError::Conflict(_)) => Err(already_exists(format!(
                "Access key {access_key_id} already exists."
            ))),
            Err(err) => Err(CoreError::from(err).into()),
        }
    }

    /// On a deployment without accounts, creates the default account, its administrator and an
    /// access key, and returns them (to be shown once). Returns `None` when already set up.
    pub fn bootstrap(
        &self,
        fixed: Option<&FixedIdentity>,
    ) -> Result<Option<AccessKeyCreated>, KmsError> {
        if !self
            .store
            .scan(kind::ACCOUNT)
            .map_err(CoreError::from)?
            .is_empty()
        {
            return Ok(None);
        }
        let account_id = self.create_account(fixed.map(|f| f.account_id.as_str()))?;
        let user = self.create_user(&account_id, ADMIN_USER, true)?;
        let key = self.create_access_key(
            &user.arn,
            fixed.map(|f| (f.access_key_id.as_str(), f.secret_access_key.as_str())),
        )?;
        Ok(Some(key))
    }
}

/// The value of tag `key` among `tags`.
pub(crate) fn tag_value(tags: &[crate::records::TagRecord], key: &str) -> Option<String> {
    tags.iter().find(|t| t.key == key).map(|t| t.value.clone())
}

fn user_info(record: &UserRecord) -> UserInfo {
    UserInfo {
        account_id: record.account_id.clone(),
        arn: record.arn.clone(),
        user_name: record.name.clone(),
        user_id: record.user_id.clone(),
        administrator: record.administrator,
    }
}

/// `arn:<partition>:iam::<account>:user/<name>` → (account, name).
fn parse_user_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let name = resource.strip_prefix("user/")?;
    (service == "iam" && region.is_empty() && is_account_id(account) && is_user_name(name))
        .then_some((account, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_credentials_have_aws_shapes() {
        let id = new_access_key_id();
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("AKIA"));
        assert_eq!(new_secret_access_key().len(), 40);
        assert!(is_account_id(&new_account_id()));
    }

    #[test]
    fn parses_user_arns() {
        assert_eq!(
            parse_user_arn("arn:aws:iam::111122223333:user/alice"),
            Some(("111122223333", "alice"))
        );
        assert_eq!(parse_user_arn("arn:aws:iam::111122223333:role/alice"), None);
        assert_eq!(parse_user_arn("arn:aws:iam::1111:user/alice"), None);
    }
}
