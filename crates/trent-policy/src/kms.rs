//! How KMS combines its policies into one decision.
//!
//! KMS differs from most AWS services in one way that matters: the key policy is the root of
//! trust. An identity policy alone never opens a key; it counts only when the key policy
//! delegates to the caller's account (names `arn:aws:iam::<account>:root`, as the default
//! policy does). The rules, in order:
//! 1. an applying `Deny` in the key policy or an identity policy denies;
//! 2. within the key's account, a key policy `Allow` naming the caller (or `*`) allows on its
//!    own; one naming the account allows if an identity policy also allows;
//! 3. across accounts, the key policy must allow (by name or by account) and the caller's own
//!    identity policy must allow too.
//!
//! Grants are the core's business (they only ever add permission and are checked after an
//! implicit denial). An account's administrator (the bootstrap user, like AWS's root user) has
//! an implicit allow-everything identity policy, but no exemption from the key policy.

use crate::document::{Effect, Policy};
use crate::evaluate::{Applying, PrincipalMatch, Request};

/// The identity policies that apply to a caller.
#[derive(Debug, Clone, Copy)]
pub struct Identity<'a> {
    /// The caller acts with its account's full authority (identity-wise).
    pub administrator: bool,
    /// The caller's inline policies (its role's, for a role session), by name.
    pub policies: &'a [(String, Policy)],
}

/// The outcome, and the statements that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Outcome,
    /// The statements that made the decision: the applying Deny statements for a denial, the
    /// Allow statements that were needed for an allow, none for an implicit denial.
    pub deciding: Vec<Decider>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    /// A key policy statement denies (`…with an explicit deny in a resource-based policy`).
    ExplicitDenyInKeyPolicy,
    /// An identity policy statement denies.
    ExplicitDenyInIdentityPolicy,
    /// The key policy allows neither the caller nor (usably) its account.
    NoKeyPolicyAllows,
    /// The key policy delegates to the account (or the caller is in another account), but no
    /// identity policy allows.
    NoIdentityPolicyAllows,
}

/// A statement that took part in a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decider {
    KeyPolicy {
        index: usize,
        sid: Option<String>,
    },
    IdentityPolicy {
        policy: String,
        index: usize,
        sid: Option<String>,
    },
    /// The administrator's implicit identity permission.
    Administrator,
}

impl Decision {
    pub fn allowed(&self) -> bool {
        self.outcome == Outcome::Allowed
    }

    /// AWS's `AccessDeniedException` text for a denial of `action` (`kms:Encrypt`) on
    /// `resource` to `principal_arn`; `None` when allowed.
    pub fn denial_message(
        &self,
        principal_arn: &str,
        action: &str,
        resource: &str,
    ) -> Option<String> {
        let base = format!(
            "User: {principal_arn} is not authorized to perform: {action} on resource: {resource}"
        );
        Some(match self.outcome {
            Outcome::Allowed => return None,
            Outcome::ExplicitDenyInKeyPolicy => {
                format!("{base} with an explicit deny in a resource-based policy")
            }
            Outcome::ExplicitDenyInIdentityPolicy => {
                format!("{base} with an explicit deny in an identity-based policy")
            }
            Outcome::NoKeyPolicyAllows => {
                format!("{base} because no resource-based policy allows the {action} action")
            }
            Outcome::NoIdentityPolicyAllows => {
                format!("{base} because no identity-based policy allows the {action} action")
            }
        })
    }
}

/// The decision for `request` on a key of `key_account` whose policy is `key_policy`.
pub fn decide(
    key_policy: &Policy,
    key_account: &str,
    identity: Identity<'_>,
    request: &Request<'_>,
) -> Decision {
    let key_side = key_policy.applying(request);
    let key_deciders = |wanted: &dyn Fn(&Applying) -> bool| -> Vec<Decider> {
        key_side
            .iter()
            .filter(|a| wanted(a))
            .map(|a| Decider::KeyPolicy {
                index: a.index,
                sid: key_policy.statements[a.index].sid.clone(),
            })
            .collect()
    };
    let denies = key_deciders(&|a| a.effect == Effect::Deny);
    if !denies.is_empty() {
        return Decision {
            outcome: Outcome::ExplicitDenyInKeyPolicy,
            deciding: denies,
        };
    }
    let identity_side = identity_decision(identity, request);
    if let IdentitySide::Denied(deciding) = identity_side {
        return Decision {
            outcome: Outcome::ExplicitDenyInIdentityPolicy,
            deciding,
        };
    }
    let named =
        key_deciders(&|a| a.effect == Effect::Allow && a.principal == PrincipalMatch::Caller);
    let delegated =
        key_deciders(&|a| a.effect == Effect::Allow && a.principal == PrincipalMatch::Account);
    let same_account = request.caller.account == key_account;
    if same_account && !named.is_empty() {
        return Decision {
            outcome: Outcome::Allowed,
            deciding: named,
        };
    }
    if named.is_empty() && delegated.is_empty() {
        return Decision {
            outcome: Outcome::NoKeyPolicyAllows,
            deciding: Vec::new(),
        };
    }
    match identity_side {
        IdentitySide::Allowed(mut identity_deciders) => {
            let mut deciding = if same_account {
                delegated
            } else {
                [named, delegated].concat()
            };
            deciding.append(&mut identity_deciders);
            Decision {
                outcome: Outcome::Allowed,
                deciding,
            }
        }
        _ => Decision {
            outcome: Outcome::NoIdentityPolicyAllows,
            deciding: Vec::new(),
        },
    }
}

/// The decision for an action that has no key (CreateKey, ListKeys, an alias, …): identity
/// policies alone decide.
pub fn decide_identity_only(identity: Identity<'_>, request: &Request<'_>) -> Decision {
    match identity_decision(identity, request) {
        IdentitySide::Denied(deciding) => Decision {
            outcome: Outcome::ExplicitDenyInIdentityPolicy,
            deciding,
        },
        IdentitySide::Allowed(deciding) => Decision {
            outcome: Outcome::Allowed,
            deciding,
        },
        IdentitySide::Silent => Decision {
            outcome: Outcome::NoIdentityPolicyAllows,
            deciding: Vec::new(),
        },
    }
}

enum IdentitySide {
    Denied(Vec<Decider>),
    Allowed(Vec<Decider>),
    Silent,
}

fn identity_decision(identity: Identity<'_>, request: &Request<'_>) -> IdentitySide {
    let mut denies = Vec::new();
    let mut allows = Vec::new();
    if identity.administrator {
        allows.push(Decider::Administrator);
    }
    for (name, policy) in identity.policies {
        for applying in policy.applying(request) {
            let decider = Decider::IdentityPolicy {
                policy: name.clone(),
                index: applying.index,
                sid: policy.statements[applying.index].sid.clone(),
            };
            match applying.effect {
                Effect::Deny => denies.push(decider),
                Effect::Allow => allows.push(decider),
            }
        }
    }
    if !denies.is_empty() {
        IdentitySide::Denied(denies)
    } else if !allows.is_empty() {
        IdentitySide::Allowed(allows)
    } else {
        IdentitySide::Silent
    }
}

/// The lockout safety check of CreateKey and PutKeyPolicy: whether the new policy still lets
/// the caller (by name, as `*`, or through its account) call `kms:PutKeyPolicy` on the key.
/// `request` is the PutKeyPolicy request as the caller would make it.
pub fn keeps_policy_access(new_policy: &Policy, request: &Request<'_>) -> bool {
    let applying = new_policy.applying(request);
    !applying.iter().any(|a| a.effect == Effect::Deny)
        && applying.iter().any(|a| a.effect == Effect::Allow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::{Caller, KeyValues};
    use crate::{PolicyKind, default_key_policy, parse};

    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/k";
    const KEY_ACCOUNT: &str = "111122223333";

    fn caller(arn: &'static str) -> Caller<'static> {
        Caller {
            arn,
            account: &arn[13..25],
            role_arn: None,
        }
    }

    fn identity(texts: &[&str]) -> Vec<(String, Policy)> {
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| (format!("p{i}"), parse(text, PolicyKind::Identity).unwrap()))
            .collect()
    }

    fn outcome(
        key_policy: &str,
        admin: bool,
        policies: &[&str],
        who: Caller<'_>,
        action: &str,
    ) -> Outcome {
        let key_policy = parse(key_policy, PolicyKind::Key).unwrap();
        let policies = identity(policies);
        let keys = KeyValues::new();
        let request = Request {
            caller: who,
            action,
            resource: KEY,
            keys: &keys,
        };
        decide(
            &key_policy,
            KEY_ACCOUNT,
            Identity {
                administrator: admin,
                policies: &policies,
            },
            &request,
        )
        .outcome
    }

    const ALLOW_ALL: &str = r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#;

    #[test]
    fn default_policy_delegates_to_identity_policies() {
        let default = default_key_policy("aws", KEY_ACCOUNT);
        let alice = caller("arn:aws:iam::111122223333:user/alice");
        assert_eq!(
            outcome(&default, true, &[], alice, "kms:Encrypt"),
            Outcome::Allowed
        );
        assert_eq!(
            outcome(&default, false, &[ALLOW_ALL], alice, "kms:Encrypt"),
            Outcome::Allowed
        );
        assert_eq!(
            outcome(&default, false, &[], alice, "kms:Encrypt"),
            Outcome::NoIdentityPolicyAllows
        );
        let mallory = caller("arn:aws:iam::444455556666:user/mallory");
        assert_eq!(
            outcome(&default, true, &[ALLOW_ALL], mallory, "kms:Encrypt"),
            Outcome::NoKeyPolicyAllows
        );
    }

    #[test]
    fn key_policy_naming_a_user_needs_no_identity_policy_in_the_same_account() {
        let policy = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Decrypt","Resource":"*"}]}"#;
        let alice = caller("arn:aws:iam::111122223333:user/alice");
        assert_eq!(
            outcome(policy, false, &[], alice, "kms:Decrypt"),
            Outcome::Allowed
        );
        assert_eq!(
            outcome(policy, false, &[], alice, "kms:Encrypt"),
            Outcome::NoKeyPolicyAllows
        );
        // Not even the administrator passes a key policy that leaves the account out.
        let admin = caller("arn:aws:iam::111122223333:user/admin");
        assert_eq!(
            outcome(policy, true, &[], admin, "kms:Decrypt"),
            Outcome::NoKeyPolicyAllows
        );
    }

    #[test]
    fn cross_account_needs_both_sides() {
        let policy = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:Decrypt","Resource":"*"}]}"#;
        let bob = caller("arn:aws:iam::444455556666:user/bob");
        assert_eq!(
            outcome(policy, false, &[], bob, "kms:Decrypt"),
            Outcome::NoIdentityPolicyAllows
        );
        assert_eq!(
            outcome(policy, false, &[ALLOW_ALL], bob, "kms:Decrypt"),
            Outcome::Allowed
        );
        assert_eq!(
            outcome(policy, true, &[], bob, "kms:Decrypt"),
            Outcome::Allowed
        );
        let named = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:user/bob"},"Action":"kms:Decrypt","Resource":"*"}]}"#;
        assert_eq!(
            outcome(named, false, &[], bob, "kms:Decrypt"),
            Outcome::NoIdentityPolicyAllows
        );
        assert_eq!(
            outcome(named, false, &[ALLOW_ALL], bob, "kms:Decrypt"),
            Outcome::Allowed
        );
    }

    #[test]
    fn explicit_denies_win() {
        let default = default_key_policy("aws", KEY_ACCOUNT);
        let alice = caller("arn:aws:iam::111122223333:user/alice");
        let deny = r#"{"Statement":{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}}"#;
        assert_eq!(
            outcome(&default, true, &[deny], alice, "kms:Decrypt"),
            Outcome::ExplicitDenyInIdentityPolicy
        );
        let key_deny = r#"{"Statement":[
            {"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"},
            {"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}"#;
        assert_eq!(
            outcome(key_deny, true, &[], alice, "kms:Decrypt"),
            Outcome::ExplicitDenyInKeyPolicy
        );
    }

    #[test]
    fn denial_messages_are_aws_texts() {
        let decision = Decision {
            outcome: Outcome::NoKeyPolicyAllows,
            deciding: Vec::new(),
        };
        assert_eq!(
            decision
                .denial_message("arn:aws:iam::1:user/a", "kms:Decrypt", KEY)
                .unwrap(),
            format!(
                "User: arn:aws:iam::1:user/a is not authorized to perform: kms:Decrypt on resource: {KEY} because no resource-based policy allows the kms:Decrypt action"
            )
        );
        let decision = Decision {
            outcome: Outcome::ExplicitDenyInIdentityPolicy,
            deciding: Vec::new(),
        };
        assert_eq!(
            decision
                .denial_message("arn:aws:iam::1:user/a", "kms:CreateKey", "*")
                .unwrap(),
            "User: arn:aws:iam::1:user/a is not authorized to perform: kms:CreateKey on resource: * with an explicit deny in an identity-based policy"
        );
    }

    #[test]
    fn lockout_check() {
        let keys = KeyValues::new();
        let alice = caller("arn:aws:iam::111122223333:user/alice");
        let request = Request {
            caller: alice,
            action: "kms:PutKeyPolicy",
            resource: KEY,
            keys: &keys,
        };
        let default = parse(&default_key_policy("aws", KEY_ACCOUNT), PolicyKind::Key).unwrap();
        assert!(keeps_policy_access(&default, &request));
        let users_only = parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"kms:*","Resource":"*"}]}"#,
            PolicyKind::Key,
        )
        .unwrap();
        assert!(!keeps_policy_access(&users_only, &request));
    }
}
