//! Policy documents: reading the JSON into statements, and refusing what AWS refuses.
//!
//! One parser serves three kinds of document, which differ in what a statement must and must not
//! say: key policies (a resource policy: every statement names a principal), identity policies
//! (attached to a user or role: no principal, but an action and a resource) and role trust
//! policies (who may assume the role). Everything is checked once, here, so evaluation never
//! meets a shape it does not understand: unknown elements, operators or principal kinds are
//! refused rather than ignored — a policy that silently lost a `Deny` would be a hole.

use serde_json::{Map, Value};

use crate::condition::{Condition, Operator, SetQualifier};
use crate::template::Template;
use crate::{MAX_POLICY_BYTES, PolicyError};

/// Which kind of policy a document is; decides what its statements must contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// A KMS key policy: every statement names a `Principal` (or `NotPrincipal`).
    Key,
    /// An identity policy of a user or role: no principal; `Action` and `Resource` required.
    Identity,
    /// A role's trust (assume-role) policy: every statement names a principal.
    Trust,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub version: Version,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

/// The policy language version. Only `2012-10-17` knows policy variables; in older documents a
/// `${…}` is literal text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V2008_10_17,
    V2012_10_17,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// One statement, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    /// `Principal` / `NotPrincipal`; `None` in identity policies.
    pub principal: Option<PrincipalSet>,
    /// `Action` / `NotAction`; a statement with neither never matches.
    pub action: Option<ActionSet>,
    /// `Resource` / `NotResource`; a statement with neither never matches.
    pub resource: Option<ResourceSet>,
    /// Every condition must hold for the statement to apply.
    pub conditions: Vec<Condition>,
}

/// The principals a statement names (`negated` for `NotPrincipal`).
#[derive(Debug, Clone, PartialEq)]
pub struct PrincipalSet {
    pub negated: bool,
    pub entries: Vec<PolicyPrincipal>,
}

/// One principal as a policy names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyPrincipal {
    /// `"*"` or `{"AWS": "*"}`: anyone.
    Everyone,
    /// An account, given as its id or as `arn:<partition>:iam::<id>:root`. In a key policy this
    /// delegates to the account's identity policies.
    Account(String),
    /// A user, role or role session ARN. A role ARN also names the role's sessions.
    Arn(String),
    /// `{"Service": …}`, `{"Federated": …}`, `{"CanonicalUser": …}`: principals that never call
    /// Trent with access keys, so they never match.
    Other(String),
}

/// `Action` / `NotAction` patterns, lowercased (actions compare without case).
#[derive(Debug, Clone, PartialEq)]
pub struct ActionSet {
    pub negated: bool,
    pub patterns: Vec<String>,
}

/// `Resource` / `NotResource` patterns.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSet {
    pub negated: bool,
    pub patterns: Vec<Template>,
}

/// Parses and checks a policy document of `kind`.
pub fn parse(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(PolicyError::TooLarge);
    }
    let messages = Messages::for_kind(kind);
    // AWS accepts tab, LF, CR and U+0020 to U+00FF in a policy, nothing else.
    if text
        .chars()
        .any(|c| !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'))
    {
        return Err(PolicyError::Malformed(messages.syntax.to_string()));
    }
    // KMS answers a key policy that is not JSON at all without a message.
    let not_json = match kind {
        PolicyKind::Key => "",
        PolicyKind::Identity | PolicyKind::Trust => messages.syntax,
    };
    let document: Value =
        serde_json::from_str(text).map_err(|_| PolicyError::Malformed(not_json.to_string()))?;
    let Value::Object(document) = document else {
        return Err(PolicyError::Malformed(messages.syntax.to_string()));
    };
    Parser { kind, messages }.document(&document)
}

/// The texts of the refusals, which differ between KMS (key policies) and IAM (identity and
/// trust policies).
struct Messages {
    /// Not the shape of a policy.
    syntax: &'static str,
    principals: &'static str,
}

impl Messages {
    fn for_kind(kind: PolicyKind) -> Messages {
        match kind {
            PolicyKind::Key => Messages {
                syntax: "Syntax errors in policy.",
                principals: "Policy contains a statement with one or more invalid principals.",
            },
            PolicyKind::Identity | PolicyKind::Trust => Messages {
                syntax: "Syntax errors in policy.",
                principals: "Invalid principal in policy.",
            },
        }
    }
}

struct Parser {
    kind: PolicyKind,
    messages: Messages,
}

impl Parser {
    fn malformed(&self, what: impl Into<String>) -> PolicyError {
        PolicyError::Malformed(what.into())
    }

    fn syntax(&self) -> PolicyError {
        PolicyError::Malformed(self.messages.syntax.to_string())
    }

    fn document(&self, document: &Map<String, Value>) -> Result<Policy, PolicyError> {
        let mut version = Version::V2008_10_17;
        let mut id = None;
        let mut statements = None;
        for (name, value) in document {
            match name.as_str() {
                "Version" => {
                    version = match value.as_str() {
                        Some("2012-10-17") => Version::V2012_10_17,
                        Some("2008-10-17") => Version::V2008_10_17,
                        _ => {
                            return Err(self.malformed("Invalid Version in policy."));
                        }
                    }
                }
                "Id" => id = Some(value.as_str().ok_or_else(|| self.syntax())?.to_string()),
                "Statement" => statements = Some(value),
                _ => return Err(self.syntax()),
            }
        }
        let statements = match statements {
            Some(Value::Array(list)) if !list.is_empty() => list.iter().collect::<Vec<_>>(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => {
                return Err(self.malformed("Policy document must contain a Statement."));
            }
        };
        let statements = statements
            .into_iter()
            .map(|statement| match statement {
                Value::Object(statement) => self.statement(statement, version),
                _ => Err(self.syntax()),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Policy {
            version,
            id,
            statements,
        })
    }

    fn statement(
        &self,
        statement: &Map<String, Value>,
        version: Version,
    ) -> Result<Statement, PolicyError> {
        let mut sid = None;
        let mut effect = None;
        let mut principal = None;
        let mut action = None;
        let mut resource = None;
        let mut conditions = Vec::new();
        for (name, value) in statement {
            match name.as_str() {
                "Sid" => sid = Some(value.as_str().ok_or_else(|| self.syntax())?.to_string()),
                "Effect" => {
                    effect = Some(match value.as_str() {
                        Some("Allow") => Effect::Allow,
                        Some("Deny") => Effect::Deny,
                        _ => {
                            return Err(self.malformed("Invalid effect in policy."));
                        }
                    })
                }
                "Principal" | "NotPrincipal" => {
                    if principal.is_some() {
                        return Err(self.syntax());
                    }
                    principal = Some(PrincipalSet {
                        negated: name == "NotPrincipal",
                        entries: self.principals(value)?,
                    });
                }
                "Action" | "NotAction" => {
                    if action.is_some() {
                        return Err(self.syntax());
                    }
                    action = Some(ActionSet {
                        negated: name == "NotAction",
                        patterns: self.actions(value)?,
                    });
                }
                "Resource" | "NotResource" => {
                    if resource.is_some() {
                        return Err(self.syntax());
                    }
                    let patterns = self
                        .strings(value)?
                        .into_iter()
                        .map(|text| Template::parse(text, version))
                        .collect();
                    resource = Some(ResourceSet {
                        negated: name == "NotResource",
                        patterns,
                    });
                }
                "Condition" => conditions = self.conditions(value, version)?,
                _ => return Err(self.syntax()),
            }
        }
        let Some(effect) = effect else {
            return Err(self.malformed("Missing required field Effect."));
        };
        match self.kind {
            PolicyKind::Key | PolicyKind::Trust if principal.is_none() => {
                return Err(self.malformed(match self.kind {
                    PolicyKind::Key => self.messages.principals,
                    _ => "Missing required field Principal.",
                }));
            }
            PolicyKind::Identity if principal.is_some() => {
                return Err(self.malformed("Policy document should not specify a principal."));
            }
            PolicyKind::Identity if action.is_none() => {
                return Err(self.malformed("Policy statement must contain actions."));
            }
            PolicyKind::Identity if resource.is_none() => {
                return Err(self.malformed("Policy statement must contain resources."));
            }
            PolicyKind::Trust if resource.is_some() => {
                return Err(self.malformed("Has prohibited field Resource."));
            }
            _ => {}
        }
        // A trust policy's statements are about the role they belong to.
        if self.kind == PolicyKind::Trust {
            resource = Some(ResourceSet {
                negated: false,
                patterns: vec![Template::literal("*".to_string())],
            });
        }
        Ok(Statement {
            sid,
            effect,
            principal,
            action,
            resource,
            conditions,
        })
    }

    /// A string or a non-empty list of strings.
    fn strings<'v>(&self, value: &'v Value) -> Result<Vec<&'v str>, PolicyError> {
        match value {
            Value::String(one) => Ok(vec![one.as_str()]),
            Value::Array(list) if !list.is_empty() => list
                .iter()
                .map(|item| item.as_str().ok_or_else(|| self.syntax()))
                .collect(),
            _ => Err(self.syntax()),
        }
    }

    fn actions(&self, value: &Value) -> Result<Vec<String>, PolicyError> {
        self.strings(value)?
            .into_iter()
            .map(|action| {
                let valid = action == "*"
                    || action.split_once(':').is_some_and(|(service, name)| {
                        !service.is_empty()
                            && service
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                            && !name.is_empty()
                            && !name.contains(':')
                    });
                if valid {
                    Ok(action.to_ascii_lowercase())
                } else {
                    Err(self.malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."))
                }
            })
            .collect()
    }

    fn principals(&self, value: &Value) -> Result<Vec<PolicyPrincipal>, PolicyError> {
        let invalid = || PolicyError::Malformed(self.messages.principals.to_string());
        let map = match value {
            Value::String(star) if star == "*" => return Ok(vec![PolicyPrincipal::Everyone]),
            Value::Object(map) if !map.is_empty() => map,
            _ => return Err(invalid()),
        };
        let mut entries = Vec::new();
        for (kind, names) in map {
            let names = self.strings(names).map_err(|_| invalid())?;
            for name in names {
                entries.push(match kind.as_str() {
                    "AWS" => aws_principal(name).ok_or_else(invalid)?,
                    "Service" | "Federated" | "CanonicalUser" if !name.is_empty() => {
                        PolicyPrincipal::Other(name.to_string())
                    }
                    _ => return Err(invalid()),
                });
            }
        }
        Ok(entries)
    }

    fn conditions(&self, value: &Value, version: Version) -> Result<Vec<Condition>, PolicyError> {
        let Value::Object(operators) = value else {
            return Err(self.syntax());
        };
        let mut conditions = Vec::new();
        for (operator_name, keys) in operators {
            let Some((operator, set, if_exists)) = Operator::parse_qualified(operator_name) else {
                return Err(self.malformed("Invalid Condition type."));
            };
            let Value::Object(keys) = keys else {
                return Err(self.syntax());
            };
            if keys.is_empty() {
                return Err(self.syntax());
            }
            for (key, values) in keys {
                if !valid_condition_key(key) {
                    return Err(self.malformed("Invalid Condition key."));
                }
                let lowered = key.to_ascii_lowercase();
                if set == SetQualifier::ForAllValues
                    && lowered.starts_with("kms:encryptioncontext:")
                    && self.kind == PolicyKind::Key
                {
                    return Err(PolicyError::Malformed(format!(
                        "OverlyPermissiveCondition:EncryptionContext: ForAllValues cannot be used with the single-valued condition key {key}"
                    )));
                }
                let values = match values {
                    Value::Array(list) if !list.is_empty() => list.iter().collect(),
                    Value::Array(_) => return Err(self.syntax()),
                    one => vec![one],
                };
                let values = values
                    .into_iter()
                    .map(|value| match value {
                        Value::String(text) => Ok(Template::parse(text, version)),
                        Value::Bool(b) => Ok(Template::literal(b.to_string())),
                        Value::Number(n) => Ok(Template::literal(n.to_string())),
                        _ => Err(self.syntax()),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                conditions.push(Condition {
                    operator,
                    set,
                    if_exists,
                    key: lowered,
                    values,
                });
            }
        }
        Ok(conditions)
    }
}

/// A condition key is `prefix:name`, the name possibly with a `/tag` or `:context-key` part.
fn valid_condition_key(key: &str) -> bool {
    key.split_once(':').is_some_and(|(prefix, name)| {
        !prefix.is_empty()
            && prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !name.is_empty()
    })
}

/// Reads the value of an `"AWS"` principal: `*`, an account id, an account root ARN, or a user,
/// role or role session ARN. Wildcards other than a lone `*` are not allowed in principals.
fn aws_principal(name: &str) -> Option<PolicyPrincipal> {
    if name == "*" {
        return Some(PolicyPrincipal::Everyone);
    }
    if is_account_id(name) {
        return Some(PolicyPrincipal::Account(name.to_string()));
    }
    if name.contains('*') || name.contains('?') {
        return None;
    }
    let mut parts = name.strip_prefix("arn:")?.splitn(5, ':');
    let (partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if partition.is_empty() || !region.is_empty() || !is_account_id(account) {
        return None;
    }
    match service {
        "iam" if resource == "root" => Some(PolicyPrincipal::Account(account.to_string())),
        "iam" if resource.starts_with("user/") || resource.starts_with("role/") => {
            (resource.len() > 5).then(|| PolicyPrincipal::Arn(name.to_string()))
        }
        "sts" if resource.starts_with("assumed-role/") && resource.matches('/').count() >= 2 => {
            Some(PolicyPrincipal::Arn(name.to_string()))
        }
        _ => None,
    }
}

pub(crate) fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

impl Policy {
    /// The user and role ARNs the policy names as principals (for checking that they exist).
    pub fn principal_arns(&self) -> impl Iterator<Item = &str> {
        self.statements
            .iter()
            .filter_map(|statement| statement.principal.as_ref())
            .flat_map(|set| set.entries.iter())
            .filter_map(|entry| match entry {
                PolicyPrincipal::Arn(arn) => Some(arn.as_str()),
                _ => None,
            })
    }

    /// Whether any statement has a condition (the caller can then skip building condition
    /// values).
    pub fn has_conditions(&self) -> bool {
        self.statements.iter().any(|s| !s.conditions.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn malformed(text: &str, kind: PolicyKind) -> String {
        match parse(text, kind) {
            Err(PolicyError::Malformed(message)) => message,
            other => panic!("expected Malformed for {text}, got {other:?}"),
        }
    }

    #[test]
    fn reads_every_element() {
        let policy = parse(
            r#"{"Version":"2012-10-17","Id":"p","Statement":[
                {"Sid":"a","Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:root","arn:aws:iam::111122223333:user/alice","arn:aws:iam::111122223333:role/r","arn:aws:sts::111122223333:assumed-role/r/s"],"Service":"ec2.amazonaws.com"},
                 "Action":["kms:Encrypt","kms:Generate*"],"Resource":"*",
                 "Condition":{"StringEquals":{"kms:EncryptionContext:Dept":"${aws:username}"},"ForAnyValue:StringLikeIfExists":{"kms:EncryptionContextKeys":["a*","b"]},"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"kms:RotationPeriodInDays":100}}},
                {"Effect":"Deny","NotPrincipal":"*","NotAction":"kms:Decrypt","NotResource":["arn:aws:kms:*:*:key/*"]}
            ]}"#,
            PolicyKind::Key,
        )
        .unwrap();
        assert_eq!(policy.version, Version::V2012_10_17);
        assert_eq!(policy.id.as_deref(), Some("p"));
        assert_eq!(policy.statements.len(), 2);
        let first = &policy.statements[0];
        assert_eq!(
            first.principal.as_ref().unwrap().entries,
            vec![
                PolicyPrincipal::Account("111122223333".into()),
                PolicyPrincipal::Account("444455556666".into()),
                PolicyPrincipal::Arn("arn:aws:iam::111122223333:user/alice".into()),
                PolicyPrincipal::Arn("arn:aws:iam::111122223333:role/r".into()),
                PolicyPrincipal::Arn("arn:aws:sts::111122223333:assumed-role/r/s".into()),
                PolicyPrincipal::Other("ec2.amazonaws.com".into()),
            ]
        );
        assert_eq!(
            first.action.as_ref().unwrap().patterns,
            vec!["kms:encrypt", "kms:generate*"]
        );
        assert_eq!(first.conditions.len(), 4);
        assert!(
            first
                .conditions
                .iter()
                .any(|c| c.key == "kms:encryptioncontext:dept")
        );
        assert!(policy.statements[1].principal.as_ref().unwrap().negated);
        assert_eq!(policy.principal_arns().count(), 3);
    }

    #[test]
    fn key_policy_refusals_use_kms_wording() {
        let principals = "Policy contains a statement with one or more invalid principals.";
        for bad in [
            r#"{"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1111:root"},"Action":"kms:*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"kms:*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"kms:*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Martian":"x"},"Action":"kms:*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"everyone"}]}"#,
        ] {
            assert_eq!(malformed(bad, PolicyKind::Key), principals, "{bad}");
        }
        for bad in [
            "not json",
            "[]",
            r#"{"Version":"2012-10-17"}"#,
            r#"{"Statement":[]}"#,
            r#"{"Statement":[{"Effect":"Maybe","Principal":"*"}]}"#,
            r#"{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Principal":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"Encrypt"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Condition":{"StringSortOf":{"a:b":"c"}}}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Colour":"red"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","NotAction":"kms:Decrypt"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Condition":{"StringEquals":{"nokey":"c"}}}]}"#,
            "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Sid\":\"\u{263a}\"}]}",
        ] {
            assert!(
                matches!(parse(bad, PolicyKind::Key), Err(PolicyError::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn statements_without_action_or_resource_are_accepted_in_key_policies() {
        let policy = parse(
            r#"{"Statement":{"Effect":"Deny","Principal":{"AWS":"*"}}}"#,
            PolicyKind::Key,
        )
        .unwrap();
        assert!(policy.statements[0].action.is_none());
    }

    #[test]
    fn identity_policies_need_action_and_resource_and_no_principal() {
        assert_eq!(
            malformed(
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}"#,
                PolicyKind::Identity
            ),
            "Policy document should not specify a principal."
        );
        assert_eq!(
            malformed(
                r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
                PolicyKind::Identity
            ),
            "Policy statement must contain actions."
        );
        assert_eq!(
            malformed(
                r#"{"Statement":[{"Effect":"Allow","Action":"kms:*"}]}"#,
                PolicyKind::Identity
            ),
            "Policy statement must contain resources."
        );
        assert_eq!(
            malformed("{", PolicyKind::Identity),
            "Syntax errors in policy."
        );
    }

    #[test]
    fn for_all_values_with_an_encryption_context_key_is_refused() {
        let message = malformed(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"ForAllValues:StringEquals":{"kms:EncryptionContext:dept":"it"}}}]}"#,
            PolicyKind::Key,
        );
        assert!(message.starts_with("OverlyPermissiveCondition:EncryptionContext:"));
    }

    #[test]
    fn oversized_documents_are_too_large() {
        let text = format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Sid":"{}"}}]}}"#,
            "x".repeat(MAX_POLICY_BYTES)
        );
        assert_eq!(parse(&text, PolicyKind::Key), Err(PolicyError::TooLarge));
    }
}
