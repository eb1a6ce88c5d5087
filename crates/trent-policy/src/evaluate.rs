//! Which statements of one policy apply to a request.
//!
//! A statement applies when its principal, action, resource and every condition match. This
//! module answers that for one policy and reports each applying statement with how its
//! principal matched; combining the answers of several policies into a decision is
//! [`crate::kms`]'s job, because that is where KMS differs from other AWS services.

use std::collections::BTreeMap;

use crate::document::{Effect, Policy, PolicyPrincipal, Statement};
use crate::glob::{glob, resource_glob};

/// The values a request has for condition keys (and policy variables). Keys arrive
/// lowercased; an absent key is `None`. Multi-valued keys (`kms:EncryptionContextKeys`,
/// `aws:TagKeys`, `kms:GrantOperations`) return all their values.
pub trait ConditionKeys {
    fn values(&self, key: &str) -> Option<Vec<String>>;
}

/// A fixed table of condition values, for tests, simulation and small callers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyValues(BTreeMap<String, Vec<String>>);

impl KeyValues {
    pub fn new() -> KeyValues {
        KeyValues::default()
    }

    /// Adds (or replaces) the values of `key`.
    pub fn with<I, S>(mut self, key: &str, values: I) -> KeyValues
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.insert(key, values);
        self
    }

    pub fn insert<I, S>(&mut self, key: &str, values: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.0.insert(
            key.to_ascii_lowercase(),
            values.into_iter().map(Into::into).collect(),
        );
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }
}

impl ConditionKeys for KeyValues {
    fn values(&self, key: &str) -> Option<Vec<String>> {
        self.0.get(key).cloned()
    }
}

/// Who is asking, as principal matching needs it.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The principal's ARN: a user, an assumed-role session, or an account root.
    pub arn: &'a str,
    pub account: &'a str,
    /// For a role session, the role's ARN: a policy naming the role names its sessions.
    pub role_arn: Option<&'a str>,
}

/// One request as policies see it.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    pub caller: Caller<'a>,
    /// `service:Action`, e.g. `kms:Encrypt`.
    pub action: &'a str,
    /// The resource ARN, or `*` for actions without one.
    pub resource: &'a str,
    pub keys: &'a dyn ConditionKeys,
}

impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("caller", &self.caller)
            .field("action", &self.action)
            .field("resource", &self.resource)
            .finish_non_exhaustive()
    }
}

/// How a statement's principal matched the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalMatch {
    /// The statement names the caller (its ARN or its role), or everyone (`*`), or it has no
    /// principal (identity policies).
    Caller,
    /// The statement names the caller's account: in a key policy this delegates the decision
    /// to the account's identity policies.
    Account,
}

/// A statement that applies to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applying {
    pub index: usize,
    pub effect: Effect,
    pub principal: PrincipalMatch,
}

impl Policy {
    /// The statements that apply to `request`, in document order.
    pub fn applying(&self, request: &Request<'_>) -> Vec<Applying> {
        self.statements
            .iter()
            .enumerate()
            .filter_map(|(index, statement)| {
                statement.applies(request).map(|principal| Applying {
                    index,
                    effect: statement.effect,
                    principal,
                })
            })
            .collect()
    }
}

impl Statement {
    /// How the statement applies to `request`, or `None` if it does not.
    pub fn applies(&self, request: &Request<'_>) -> Option<PrincipalMatch> {
        let principal = match &self.principal {
            None => PrincipalMatch::Caller,
            Some(set) => {
                let matched = set
                    .entries
                    .iter()
                    .filter_map(|entry| principal_matches(entry, &request.caller))
                    .max_by_key(|m| *m == PrincipalMatch::Caller);
                match (set.negated, matched) {
                    (false, Some(m)) => m,
                    (true, None) => PrincipalMatch::Caller,
                    _ => return None,
                }
            }
        };
        let action = self.action.as_ref()?;
        let action_listed = action
            .patterns
            .iter()
            .any(|pattern| glob(pattern, request.action, true));
        if action_listed == action.negated {
            return None;
        }
        let resource = self.resource.as_ref()?;
        let resource_listed = resource.patterns.iter().any(|pattern| {
            pattern.as_literal() == Some("*")
                || pattern.with_pattern(request.keys, |tokens| {
                    resource_glob(tokens, request.resource)
                })
        });
        if resource_listed == resource.negated {
            return None;
        }
        self.conditions
            .iter()
            .all(|condition| condition.holds(request.keys))
            .then_some(principal)
    }
}

fn principal_matches(entry: &PolicyPrincipal, caller: &Caller<'_>) -> Option<PrincipalMatch> {
    match entry {
        PolicyPrincipal::Everyone => Some(PrincipalMatch::Caller),
        PolicyPrincipal::Account(account) => {
            (account == caller.account).then_some(PrincipalMatch::Account)
        }
        PolicyPrincipal::Arn(arn) => (arn == caller.arn || Some(arn.as_str()) == caller.role_arn)
            .then_some(PrincipalMatch::Caller),
        PolicyPrincipal::Other(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PolicyKind, parse};

    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn request<'a>(caller: Caller<'a>, action: &'a str, keys: &'a KeyValues) -> Request<'a> {
        Request {
            caller,
            action,
            resource: KEY,
            keys,
        }
    }

    const ALICE: Caller<'static> = Caller {
        arn: "arn:aws:iam::111122223333:user/alice",
        account: "111122223333",
        role_arn: None,
    };
    const SESSION: Caller<'static> = Caller {
        arn: "arn:aws:sts::111122223333:assumed-role/app/s1",
        account: "111122223333",
        role_arn: Some("arn:aws:iam::111122223333:role/app"),
    };

    #[test]
    fn principals_match_by_arn_role_account_or_star() {
        let policy = parse(
            r#"{"Statement":[
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:*","Resource":"*"},
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"kms:*","Resource":"*"},
              {"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"},
              {"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},
              {"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:*","Resource":"*"}
            ]}"#,
            PolicyKind::Key,
        )
        .unwrap();
        let keys = KeyValues::new();
        let alice: Vec<_> = policy
            .applying(&request(ALICE, "kms:Encrypt", &keys))
            .iter()
            .map(|a| (a.index, a.principal))
            .collect();
        assert_eq!(
            alice,
            vec![
                (0, PrincipalMatch::Caller),
                (2, PrincipalMatch::Account),
                (3, PrincipalMatch::Caller)
            ]
        );
        let session: Vec<_> = policy
            .applying(&request(SESSION, "kms:Encrypt", &keys))
            .iter()
            .map(|a| a.index)
            .collect();
        assert_eq!(session, vec![1, 2, 3, 4]);
    }

    #[test]
    fn actions_resources_and_conditions() {
        let policy = parse(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Principal":"*","Action":"KMS:encrypt","Resource":"*"},
              {"Effect":"Allow","Principal":"*","NotAction":["kms:Decrypt","kms:Put*"],"Resource":"arn:aws:kms:*:111122223333:key/*"},
              {"Effect":"Allow","Principal":"*","Action":"kms:*","NotResource":"arn:aws:kms:*:111122223333:key/*"},
              {"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:owner":"${aws:username}"}}}
            ]}"#,
            PolicyKind::Key,
        )
        .unwrap();
        let indexes = |action: &str, keys: &KeyValues| -> Vec<usize> {
            policy
                .applying(&request(ALICE, action, keys))
                .iter()
                .map(|a| a.index)
                .collect()
        };
        let none = KeyValues::new();
        assert_eq!(indexes("kms:Encrypt", &none), vec![0, 1]);
        assert_eq!(indexes("kms:Decrypt", &none), Vec::<usize>::new());
        assert_eq!(indexes("kms:PutKeyPolicy", &none), Vec::<usize>::new());
        let mine = KeyValues::new()
            .with("aws:username", ["alice"])
            .with("kms:EncryptionContext:owner", ["alice"]);
        assert_eq!(indexes("kms:Decrypt", &mine), vec![3]);
        let theirs = KeyValues::new()
            .with("aws:username", ["alice"])
            .with("kms:EncryptionContext:owner", ["bob"]);
        assert_eq!(indexes("kms:Decrypt", &theirs), Vec::<usize>::new());
    }
}
