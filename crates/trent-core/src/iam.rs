//! Roles, inline identity policies and tags: the IAM side of identities, named as in IAM
//! (CreateRole, PutUserPolicy, PutRolePolicy, DeleteUserPolicy, TagUser, …).
//!
//! Users and roles are the entities identity policies attach to; a role session (see
//! [`crate::sessions`]) acts with its role's policies. Policies are stored as the text the
//! operator gave, after checking that they parse, so what they read back is what they wrote.

use std::collections::BTreeMap;
use std::sync::Arc;

use trent_protocol::{ErrorCode, KmsError};
use trent_store::{Batch, Expect, ListQuery, RecordKey, StoreError};

use crate::identity::{is_user_name, unique_id, user_address};
use crate::ids::is_account_id;
use crate::records::{self, RoleRecord, TagRecord, UserRecord, kind};
use crate::{CoreError, Kms};

/// Sessions last at most an hour unless the role says otherwise (IAM's default).
const DEFAULT_MAX_SESSION_SECONDS: u32 = 3600;

/// A role as the admin API describes it.
#[derive(Debug, Clone)]
pub struct RoleInfo {
    pub account_id: String,
    pub arn: String,
    pub role_name: String,
    pub role_id: String,
    pub assume_role_policy: String,
    pub max_session_seconds: u32,
}

/// A user or role, named by ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity<'a> {
    User { account: &'a str, name: &'a str },
    Role { account: &'a str, name: &'a str },
}

impl<'a> Entity<'a> {
    /// Parses `arn:<partition>:iam::<account>:user/<name>` or `…:role/<name>`.
    pub fn parse(arn: &'a str) -> Option<Entity<'a>> {
        let mut parts = arn.strip_prefix("arn:")?.splitn(5, ':');
        let (_partition, service, region, account, resource) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if service != "iam" || !region.is_empty() || !is_account_id(account) {
            return None;
        }
        if let Some(name) = resource.strip_prefix("user/") {
            return is_user_name(name).then_some(Entity::User { account, name });
        }
        let name = resource.strip_prefix("role/")?;
        is_user_name(name).then_some(Entity::Role { account, name })
    }
}

fn role_address(account: &str, name: &str) -> RecordKey {
    RecordKey::new(kind::ROLE, account, "", name)
}

fn no_such_entity(arn: &str) -> KmsError {
    KmsError::new(
        ErrorCode::NotFoundException,
        format!("The entity {arn} does not exist."),
    )
}

fn malformed_policy(err: trent_policy::PolicyError) -> KmsError {
    let message = match err {
        trent_policy::PolicyError::Malformed(message) => message,
        trent_policy::PolicyError::TooLarge => "The policy document is too large.".to_string(),
    };
    KmsError::new(ErrorCode::MalformedPolicyDocumentException, message)
}

/// An identity policy as PutUserPolicy / PutRolePolicy accept it.
fn check_identity_policy(document: &str) -> Result<(), KmsError> {
    trent_policy::parse(document, trent_policy::PolicyKind::Identity)
        .map(drop)
        .map_err(malformed_policy)
}

/// What authorization needs of a user or role: its identity policies, parsed, and its tags.
#[derive(Debug, Default)]
pub(crate) struct EntityPolicies {
    pub policies: Vec<(String, trent_policy::Policy)>,
    pub tags: Vec<(String, String)>,
}

impl EntityPolicies {
    fn from_record(arn: &str, policies: &BTreeMap<String, String>, tags: &[TagRecord]) -> Self {
        let policies = policies
            .iter()
            .filter_map(|(name, text)| {
                match trent_policy::parse(text, trent_policy::PolicyKind::Identity) {
                    Ok(policy) => Some((name.clone(), policy)),
                    Err(err) => {
                        // Stored before the strict parser existed; it grants nothing now.
                        tracing::error!(entity = arn, policy = %name, error = ?err, "ignoring an identity policy that no longer parses");
                        None
                    }
                }
            })
            .collect();
        EntityPolicies {
            policies,
            tags: tags
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect(),
        }
    }
}

fn role_info(record: &RoleRecord) -> RoleInfo {
    RoleInfo {
        account_id: record.account_id.clone(),
        arn: record.arn.clone(),
        role_name: record.name.clone(),
        role_id: record.role_id.clone(),
        assume_role_policy: record.assume_role_policy.clone(),
        max_session_seconds: record.max_session_seconds,
    }
}

impl Kms {
    /// Creates a role whose trust policy says who may assume it.
    pub fn create_role(
        &self,
        account_id: &str,
        name: &str,
        assume_role_policy: &str,
    ) -> Result<RoleInfo, KmsError> {
        if !is_user_name(name) {
            return Err(KmsError::new(
                ErrorCode::ValidationException,
                format!("Role name '{name}' must be 1-64 characters of [A-Za-z0-9+=,.@_-]."),
            ));
        }
        if !self.account_exists(account_id)? {
            return Err(KmsError::new(
                ErrorCode::NotFoundException,
                format!("Account {account_id} does not exist."),
            ));
        }
        trent_policy::parse(assume_role_policy, trent_policy::PolicyKind::Trust)
            .map_err(malformed_policy)?;
        let record = RoleRecord {
            v: records::VERSION,
            account_id: account_id.to_string(),
            name: name.to_string(),
            arn: format!("arn:{}:iam::{account_id}:role/{name}", self.arns.partition),
            role_id: unique_id("AROA"),
            created: self.now(),
            assume_role_policy: assume_role_policy.to_string(),
            max_session_seconds: DEFAULT_MAX_SESSION_SECONDS,
            policies: BTreeMap::new(),
            tags: Vec::new(),
        };
        self.insert_new(
            role_address(account_id, name),
            records::encode(&record),
            &record.arn,
        )?;
        Ok(role_info(&record))
    }

    /// The role with this ARN, if it exists.
    pub(crate) fn role(&self, account: &str, name: &str) -> Result<Option<RoleRecord>, CoreError> {
        match self.store.get(&role_address(account, name))? {
            Some(stored) => Ok(Some(records::decode(&stored.value)?)),
            None => Ok(None),
        }
    }

    /// The roles of one account, by name.
    pub fn list_roles(&self, account_id: &str) -> Result<Vec<RoleInfo>, CoreError> {
        let stored = self.store.list(ListQuery {
            kind: kind::ROLE,
            account: account_id,
            region: "",
            prefix: "",
            after: None,
            limit: usize::MAX,
        })?;
        stored
            .iter()
            .map(|s| records::decode::<RoleRecord>(&s.value).map(|r| role_info(&r)))
            .collect()
    }

    /// Adds or replaces an inline policy of a user or role (PutUserPolicy / PutRolePolicy).
    pub fn put_entity_policy(&self, arn: &str, name: &str, document: &str) -> Result<(), KmsError> {
        if !is_user_name(name)
            && !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
        {
            return Err(KmsError::new(
                ErrorCode::ValidationException,
                format!("Policy name '{name}' must be 1-128 characters of [A-Za-z0-9+=,.@_-]."),
            ));
        }
        check_identity_policy(document)?;
        self.update_entity(arn, |policies, _| {
            policies.insert(name.to_string(), document.to_string());
            Ok(())
        })
    }

    /// Removes an inline policy (DeleteUserPolicy / DeleteRolePolicy).
    pub fn delete_entity_policy(&self, arn: &str, name: &str) -> Result<(), KmsError> {
        self.update_entity(arn, |policies, _| match policies.remove(name) {
            Some(_) => Ok(()),
            None => Err(KmsError::new(
                ErrorCode::NotFoundException,
                format!("The policy {name} of {arn} does not exist."),
            )),
        })
    }

    /// Adds or replaces tags of a user or role (TagUser / TagRole).
    pub fn tag_entity(&self, arn: &str, tags: &[(String, String)]) -> Result<(), KmsError> {
        self.update_entity(arn, |_, entity_tags| {
            for (key, value) in tags {
                match entity_tags.iter_mut().find(|t| &t.key == key) {
                    Some(tag) => tag.value = value.clone(),
                    None => entity_tags.push(TagRecord {
                        key: key.clone(),
                        value: value.clone(),
                    }),
                }
            }
            Ok(())
        })
    }

    /// The parsed identity policies and tags of the user or role `arn` (cached until an entity
    /// changes). An entity that does not exist has none.
    pub(crate) fn entity(&self, arn: &str) -> Result<Arc<EntityPolicies>, CoreError> {
        let cache = &self.identities.entities;
        if let Some(found) = cache.read().unwrap_or_else(|p| p.into_inner()).get(arn) {
            return Ok(found.clone());
        }
        let loaded = match Entity::parse(arn) {
            Some(Entity::User { account, name }) => {
                match self.store.get(&user_address(account, name))? {
                    Some(stored) => {
                        let user: UserRecord = records::decode(&stored.value)?;
                        EntityPolicies::from_record(arn, &user.policies, &user.tags)
                    }
                    None => EntityPolicies::default(),
                }
            }
            Some(Entity::Role { account, name }) => match self.role(account, name)? {
                Some(role) => EntityPolicies::from_record(arn, &role.policies, &role.tags),
                None => EntityPolicies::default(),
            },
            None => EntityPolicies::default(),
        };
        let loaded = Arc::new(loaded);
        cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(arn.to_string(), loaded.clone());
        Ok(loaded)
    }

    /// The user record of `name` in `account`, if it exists.
    pub(crate) fn user(&self, account: &str, name: &str) -> Result<Option<UserRecord>, CoreError> {
        match self.store.get(&user_address(account, name))? {
            Some(stored) => Ok(Some(records::decode(&stored.value)?)),
            None => Ok(None),
        }
    }

    /// Whether a user, role or role session ARN (as a policy names it) exists here.
    pub(crate) fn principal_exists(&self, arn: &str) -> Result<bool, CoreError> {
        if let Some(entity) = Entity::parse(arn) {
            return Ok(match entity {
                Entity::User { account, name } => {
                    self.store.get(&user_address(account, name))?.is_some()
                }
                Entity::Role { account, name } => self.role(account, name)?.is_some(),
            });
        }
        // arn:<partition>:sts::<account>:assumed-role/<role>/<session>: the role must exist.
        let session = arn.split_once(":sts::").and_then(|(_, rest)| {
            let (account, resource) = rest.split_once(':')?;
            let role = resource.strip_prefix("assumed-role/")?.split('/').next()?;
            Some((account, role))
        });
        match session {
            Some((account, role)) => Ok(self.role(account, role)?.is_some()),
            None => Ok(false),
        }
    }

    /// The inline policies of a user or role.
    pub fn entity_policies(&self, arn: &str) -> Result<BTreeMap<String, String>, KmsError> {
        let mut found = None;
        self.update_entity_with(arn, false, |policies, _| {
            found = Some(policies.clone());
            Ok(())
        })?;
        Ok(found.unwrap_or_default())
    }

    fn update_entity(
        &self,
        arn: &str,
        change: impl FnMut(&mut BTreeMap<String, String>, &mut Vec<TagRecord>) -> Result<(), KmsError>,
    ) -> Result<(), KmsError> {
        self.update_entity_with(arn, true, change)
    }

    /// Reads a user or role record, lets `change` edit its policies and tags, and writes it
    /// back with compare-and-set when `write` is set.
    fn update_entity_with(
        &self,
        arn: &str,
        write: bool,
        mut change: impl FnMut(
            &mut BTreeMap<String, String>,
            &mut Vec<TagRecord>,
        ) -> Result<(), KmsError>,
    ) -> Result<(), KmsError> {
        let entity = Entity::parse(arn).ok_or_else(|| no_such_entity(arn))?;
        loop {
            let address = match entity {
                Entity::User { account, name } => user_address(account, name),
                Entity::Role { account, name } => role_address(account, name),
            };
            let Some(current) = self.store.get(&address).map_err(CoreError::from)? else {
                return Err(no_such_entity(arn));
            };
            let value = match entity {
                Entity::User { .. } => {
                    let mut user: UserRecord = records::decode(&current.value)?;
                    change(&mut user.policies, &mut user.tags)?;
                    records::encode(&user)
                }
                Entity::Role { .. } => {
                    let mut role: RoleRecord = records::decode(&current.value)?;
                    change(&mut role.policies, &mut role.tags)?;
                    records::encode(&role)
                }
            };
            if !write {
                return Ok(());
            }
            let mut batch = Batch::new();
            batch.put(address, value, Expect::Revision(current.revision));
            match self.store.commit(batch) {
                Ok(_) => {
                    // Cached principals carry what these records say.
                    self.identities.clear();
                    return Ok(());
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(err) => return Err(CoreError::from(err).into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_arns() {
        assert_eq!(
            Entity::parse("arn:aws:iam::111122223333:role/app"),
            Some(Entity::Role {
                account: "111122223333",
                name: "app"
            })
        );
        assert_eq!(
            Entity::parse("arn:aws:iam::111122223333:user/alice"),
            Some(Entity::User {
                account: "111122223333",
                name: "alice"
            })
        );
        assert_eq!(
            Entity::parse("arn:aws:sts::111122223333:assumed-role/app/s"),
            None
        );
        assert_eq!(Entity::parse("arn:aws:iam::1:role/app"), None);
    }
}
