//! The key policy the console writes for a new key, and the edits of its "default view".
//!
//! A key created through the API gets the one-statement default policy (the account may use IAM
//! policies for everything). The console instead names people, the way the AWS console's default
//! policy does, so that a key created here reads the same as one created there:
//!
//! - "Enable IAM User Permissions": the account root, `kms:*` (kept, so the key never becomes
//!   unmanageable);
//! - "Allow access for Key Administrators": managing the key, not using it;
//! - "Allow use of the key": the cryptographic operations this kind of key supports;
//! - "Allow attachment of persistent resources": grants, only on behalf of AWS services
//!   (`kms:GrantIsForAWSResource`); not for HMAC keys, which no service uses.
//!
//! Statements are found again by their `Sid` when the default view adds or removes a person,
//! and every other part of the document is left exactly as it was.

use crate::json::Json;

pub(crate) const SID_ACCOUNT: &str = "Enable IAM User Permissions";
pub(crate) const SID_ADMINISTRATORS: &str = "Allow access for Key Administrators";
pub(crate) const SID_USERS: &str = "Allow use of the key";
pub(crate) const SID_SERVICE_GRANTS: &str = "Allow attachment of persistent resources";

/// The kinds of key whose users need different permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Symmetric,
    AsymmetricEncryption,
    Signing,
    KeyAgreement,
    Hmac,
}

impl KeyKind {
    /// The kind of a key of `spec` and `usage` (wire spellings).
    pub fn of(spec: &str, usage: &str) -> KeyKind {
        if spec == "SYMMETRIC_DEFAULT" {
            KeyKind::Symmetric
        } else if spec.starts_with("HMAC_") {
            KeyKind::Hmac
        } else {
            match usage {
                "SIGN_VERIFY" => KeyKind::Signing,
                "KEY_AGREEMENT" => KeyKind::KeyAgreement,
                _ => KeyKind::AsymmetricEncryption,
            }
        }
    }

    /// What key users may do with a key of this kind.
    fn user_actions(self) -> &'static [&'static str] {
        match self {
            KeyKind::Symmetric => &[
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:DescribeKey",
            ],
            KeyKind::AsymmetricEncryption => &[
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:DescribeKey",
                "kms:GetPublicKey",
            ],
            KeyKind::Signing => &[
                "kms:DescribeKey",
                "kms:GetPublicKey",
                "kms:Sign",
                "kms:Verify",
            ],
            KeyKind::KeyAgreement => &[
                "kms:DescribeKey",
                "kms:GetPublicKey",
                "kms:DeriveSharedSecret",
            ],
            KeyKind::Hmac => &["kms:DescribeKey", "kms:GenerateMac", "kms:VerifyMac"],
        }
    }

    /// Whether key users also get the statement that lets AWS services hold grants.
    fn has_service_grants(self) -> bool {
        self != KeyKind::Hmac
    }
}

/// What the create-key wizard decided about people and the key.
#[derive(Debug, Clone)]
pub(crate) struct PolicyChoices<'a> {
    pub partition: &'a str,
    pub account_id: &'a str,
    pub kind: KeyKind,
    pub administrators: &'a [String],
    pub users: &'a [String],
    /// Whether administrators may schedule and cancel the key's deletion.
    pub administrators_may_delete: bool,
    /// The key is created without material (origin EXTERNAL).
    pub imported_material: bool,
    pub multi_region: bool,
}

/// The administrators' actions for a key with these properties.
fn administrator_actions(
    kind: KeyKind,
    may_delete: bool,
    imported_material: bool,
    multi_region: bool,
) -> Vec<&'static str> {
    let mut actions = vec![
        "kms:Create*",
        "kms:Describe*",
        "kms:Enable*",
        "kms:List*",
        "kms:Put*",
        "kms:Update*",
        "kms:Revoke*",
        "kms:Disable*",
        "kms:Get*",
        "kms:Delete*",
        "kms:TagResource",
        "kms:UntagResource",
    ];
    if kind == KeyKind::Symmetric {
        actions.push("kms:RotateKeyOnDemand");
    }
    if imported_material {
        actions.push("kms:ImportKeyMaterial");
    }
    if multi_region {
        actions.push("kms:ReplicateKey");
        actions.push("kms:UpdatePrimaryRegion");
    }
    if may_delete {
        actions.push("kms:ScheduleKeyDeletion");
        actions.push("kms:CancelKeyDeletion");
    }
    actions
}

/// A `Principal` naming these ARNs: a string for one, a list for several.
fn principal(arns: &[String]) -> Json {
    let aws = match arns {
        [one] => Json::str(one),
        many => Json::Array(many.iter().map(|a| Json::str(a)).collect()),
    };
    Json::Object(vec![("AWS".into(), aws)])
}

fn actions(list: &[&str]) -> Json {
    Json::Array(list.iter().map(|a| Json::str(a)).collect())
}

fn statement(sid: &str, arns: &[String], action: Json, condition: Option<Json>) -> Json {
    let mut members = vec![
        ("Sid".to_string(), Json::str(sid)),
        ("Effect".to_string(), Json::str("Allow")),
        ("Principal".to_string(), principal(arns)),
        ("Action".to_string(), action),
        ("Resource".to_string(), Json::str("*")),
    ];
    if let Some(condition) = condition {
        members.push(("Condition".to_string(), condition));
    }
    Json::Object(members)
}

fn administrators_statement(
    arns: &[String],
    kind: KeyKind,
    may_delete: bool,
    imported_material: bool,
    multi_region: bool,
) -> Json {
    statement(
        SID_ADMINISTRATORS,
        arns,
        actions(&administrator_actions(
            kind,
            may_delete,
            imported_material,
            multi_region,
        )),
        None,
    )
}

fn users_statement(arns: &[String], kind: KeyKind) -> Json {
    statement(SID_USERS, arns, actions(kind.user_actions()), None)
}

fn service_grants_statement(arns: &[String]) -> Json {
    let condition = Json::Object(vec![(
        "Bool".into(),
        Json::Object(vec![("kms:GrantIsForAWSResource".into(), Json::Bool(true))]),
    )]);
    statement(
        SID_SERVICE_GRANTS,
        arns,
        actions(&["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]),
        Some(condition),
    )
}

/// The policy document for a new key. Roles nobody holds get no statement (a statement must
/// name a principal).
pub(crate) fn console_policy(choices: &PolicyChoices<'_>) -> String {
    let root = format!("arn:{}:iam::{}:root", choices.partition, choices.account_id);
    let mut statements = vec![statement(SID_ACCOUNT, &[root], Json::str("kms:*"), None)];
    if !choices.administrators.is_empty() {
        statements.push(administrators_statement(
            choices.administrators,
            choices.kind,
            choices.administrators_may_delete,
            choices.imported_material,
            choices.multi_region,
        ));
    }
    if !choices.users.is_empty() {
        statements.push(users_statement(choices.users, choices.kind));
        if choices.kind.has_service_grants() {
            statements.push(service_grants_statement(choices.users));
        }
    }
    Json::Object(vec![
        ("Version".into(), Json::str("2012-10-17")),
        ("Id".into(), Json::str("key-trent-console-1")),
        ("Statement".into(), Json::Array(statements)),
    ])
    .pretty()
}

/// The people a policy names in its administrators and users statements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PolicyPeople {
    /// `None` when the policy has no administrators statement.
    pub administrators: Option<Vec<String>>,
    pub users: Option<Vec<String>>,
}

/// Which list of the default view an edit changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Administrator,
    User,
}

impl Role {
    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "administrator" => Some(Role::Administrator),
            "user" => Some(Role::User),
            _ => None,
        }
    }

    /// The statements that hold people of this role.
    fn sids(self) -> &'static [&'static str] {
        match self {
            Role::Administrator => &[SID_ADMINISTRATORS],
            Role::User => &[SID_USERS, SID_SERVICE_GRANTS],
        }
    }
}

fn statements(document: &Json) -> Vec<&Json> {
    match document.get("Statement") {
        Some(Json::Array(list)) => list.iter().collect(),
        Some(one @ Json::Object(_)) => vec![one],
        _ => Vec::new(),
    }
}

fn has_sid(statement: &Json, sid: &str) -> bool {
    statement.get("Sid").and_then(Json::as_str) == Some(sid)
}

/// The AWS principals of a statement, as a list.
fn aws_principals(statement: &Json) -> Vec<String> {
    match statement.get("Principal").and_then(|p| p.get("AWS")) {
        Some(Json::String(one)) => vec![one.clone()],
        Some(Json::Array(many)) => many
            .iter()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Administrators and users as the default view lists them.
pub(crate) fn people(policy: &str) -> Result<PolicyPeople, String> {
    let document = parse(policy)?;
    let find = |sid: &str| {
        statements(&document)
            .into_iter()
            .find(|s| has_sid(s, sid))
            .map(aws_principals)
    };
    Ok(PolicyPeople {
        administrators: find(SID_ADMINISTRATORS),
        users: find(SID_USERS),
    })
}

fn parse(policy: &str) -> Result<Json, String> {
    match Json::parse(policy) {
        Ok(document @ Json::Object(_)) => Ok(document),
        Ok(_) => Err("The key policy is not a JSON object.".to_string()),
        Err(err) => Err(format!("The key policy is not valid JSON: {err}.")),
    }
}

/// The statements of a document as a list (a lone statement object becomes a list of one).
fn statement_list(document: &Json) -> Vec<Json> {
    statements(document).into_iter().cloned().collect()
}

/// What the key is, for statements the default view has to create.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyFacts {
    pub kind: KeyKind,
    pub imported_material: bool,
    pub multi_region: bool,
}

/// The policy with `arn` added to `role`'s statements (created if missing).
pub(crate) fn add_person(
    policy: &str,
    role: Role,
    arn: &str,
    key: KeyFacts,
) -> Result<String, String> {
    let mut document = parse(policy)?;
    let mut list = statement_list(&document);
    for sid in role.sids() {
        if *sid == SID_SERVICE_GRANTS && !key.kind.has_service_grants() {
            continue;
        }
        match list.iter_mut().find(|s| has_sid(s, sid)) {
            Some(statement) => {
                let mut arns = aws_principals(statement);
                if !arns.iter().any(|a| a == arn) {
                    arns.push(arn.to_string());
                }
                set_aws_principals(statement, &arns);
            }
            None => {
                let arns = [arn.to_string()];
                list.push(match *sid {
                    SID_ADMINISTRATORS => administrators_statement(
                        &arns,
                        key.kind,
                        true,
                        key.imported_material,
                        key.multi_region,
                    ),
                    SID_USERS => users_statement(&arns, key.kind),
                    _ => service_grants_statement(&arns),
                });
            }
        }
    }
    document.set("Statement", Json::Array(list));
    Ok(document.pretty())
}

/// The policy with `arn` removed from `role`'s statements; a statement left without anyone is
/// removed.
pub(crate) fn remove_person(policy: &str, role: Role, arn: &str) -> Result<String, String> {
    let mut document = parse(policy)?;
    let mut list = statement_list(&document);
    for sid in role.sids() {
        let mut emptied = false;
        if let Some(statement) = list.iter_mut().find(|s| has_sid(s, sid)) {
            let arns: Vec<String> = aws_principals(statement)
                .into_iter()
                .filter(|a| a != arn)
                .collect();
            emptied = arns.is_empty();
            set_aws_principals(statement, &arns);
        }
        if emptied {
            list.retain(|s| !has_sid(s, sid));
        }
    }
    document.set("Statement", Json::Array(list));
    Ok(document.pretty())
}

fn set_aws_principals(statement: &mut Json, arns: &[String]) {
    let value = match arns {
        [one] => Json::str(one),
        many => Json::Array(many.iter().map(|a| Json::str(a)).collect()),
    };
    match statement.get_mut("Principal") {
        Some(principal @ Json::Object(_)) => principal.set("AWS", value),
        _ => statement.set("Principal", Json::Object(vec![("AWS".into(), value)])),
    }
}

/// Reads people as the wizard's text boxes accept them, one per line: an IAM ARN, a 12-digit
/// account id (its root), or a user name of the signed-in user's account.
pub(crate) fn parse_people(
    text: &str,
    partition: &str,
    account: &str,
) -> Result<Vec<String>, String> {
    let mut arns: Vec<String> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let entry = line.trim();
        if entry.is_empty() {
            continue;
        }
        let arn = if entry.starts_with("arn:") {
            if !is_iam_arn(entry) {
                return Err(format!(
                    "Line {}: '{entry}' is not an IAM user, role or account ARN.",
                    index + 1
                ));
            }
            entry.to_string()
        } else if entry.len() == 12 && entry.bytes().all(|b| b.is_ascii_digit()) {
            format!("arn:{partition}:iam::{entry}:root")
        } else if is_user_name(entry) {
            format!("arn:{partition}:iam::{account}:user/{entry}")
        } else {
            return Err(format!(
                "Line {}: '{entry}' is not an ARN, an account ID or a user name.",
                index + 1
            ));
        };
        if !arns.contains(&arn) {
            arns.push(arn);
        }
    }
    Ok(arns)
}

/// `arn:<partition>:iam::<12 digits>:root|user/…|role/…`, or an STS assumed-role ARN.
pub(crate) fn is_iam_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    !partition.is_empty()
        && (*service == "iam" || *service == "sts")
        && region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && (*resource == "root"
            || ["user/", "role/", "assumed-role/"]
                .iter()
                .any(|p| resource.len() > p.len() && resource.starts_with(p)))
        && resource
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b))
}

/// IAM's rule for user names: 1–64 of `[A-Za-z0-9+=,.@_-]`.
fn is_user_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices<'a>(kind: KeyKind, admins: &'a [String], users: &'a [String]) -> PolicyChoices<'a> {
        PolicyChoices {
            partition: "aws",
            account_id: "111122223333",
            kind,
            administrators: admins,
            users,
            administrators_may_delete: true,
            imported_material: false,
            multi_region: false,
        }
    }

    fn value(text: &str) -> serde_json::Value {
        serde_json::from_str(text).expect("policy is JSON")
    }

    #[test]
    fn symmetric_policy_has_the_four_console_statements() {
        let admins = vec!["arn:aws:iam::111122223333:user/admin".to_string()];
        let users = vec![
            "arn:aws:iam::111122223333:user/app".to_string(),
            "arn:aws:iam::444455556666:root".to_string(),
        ];
        let text = console_policy(&choices(KeyKind::Symmetric, &admins, &users));
        assert!(text.starts_with("{\n  \"Version\": \"2012-10-17\""));
        let policy = value(&text);
        let statements = policy["Statement"].as_array().expect("list");
        let sids: Vec<&str> = statements
            .iter()
            .map(|s| s["Sid"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(
            sids,
            [
                SID_ACCOUNT,
                SID_ADMINISTRATORS,
                SID_USERS,
                SID_SERVICE_GRANTS
            ]
        );
        assert_eq!(
            statements[0]["Principal"]["AWS"],
            "arn:aws:iam::111122223333:root"
        );
        assert_eq!(statements[0]["Action"], "kms:*");
        assert_eq!(
            statements[1]["Principal"]["AWS"],
            "arn:aws:iam::111122223333:user/admin"
        );
        let admin_actions = statements[1]["Action"].as_array().expect("list");
        assert!(admin_actions.contains(&"kms:ScheduleKeyDeletion".into()));
        assert!(!admin_actions.contains(&"kms:Encrypt".into()));
        assert_eq!(
            statements[2]["Principal"]["AWS"].as_array().map(Vec::len),
            Some(2)
        );
        assert!(
            statements[2]["Action"]
                .as_array()
                .expect("list")
                .contains(&"kms:GenerateDataKey*".into())
        );
        assert_eq!(
            statements[3]["Condition"]["Bool"]["kms:GrantIsForAWSResource"],
            true
        );
        assert_eq!(trent_policy_check(&text), Ok(()));
    }

    /// The same structural rules PutKeyPolicy applies (a statement needs a principal).
    fn trent_policy_check(text: &str) -> Result<(), String> {
        let policy = value(text);
        for statement in policy["Statement"].as_array().ok_or("no statements")? {
            let aws = &statement["Principal"]["AWS"];
            if !(aws.is_string() || aws.as_array().is_some_and(|a| !a.is_empty())) {
                return Err("statement without principal".into());
            }
        }
        Ok(())
    }

    #[test]
    fn kinds_get_their_own_user_actions() {
        let users = vec!["arn:aws:iam::111122223333:user/app".to_string()];
        let hmac = value(&console_policy(&choices(KeyKind::Hmac, &[], &users)));
        let statements = hmac["Statement"].as_array().expect("list");
        assert_eq!(
            statements.len(),
            2,
            "HMAC keys get no service grants statement"
        );
        assert_eq!(
            statements[1]["Action"],
            serde_json::json!(["kms:DescribeKey", "kms:GenerateMac", "kms:VerifyMac"])
        );
        let signing = value(&console_policy(&choices(KeyKind::Signing, &[], &users)));
        assert!(
            signing["Statement"][1]["Action"]
                .as_array()
                .expect("list")
                .contains(&"kms:Sign".into())
        );
        assert_eq!(KeyKind::of("RSA_2048", "SIGN_VERIFY"), KeyKind::Signing);
        assert_eq!(
            KeyKind::of("RSA_2048", "ENCRYPT_DECRYPT"),
            KeyKind::AsymmetricEncryption
        );
        assert_eq!(
            KeyKind::of("HMAC_256", "GENERATE_VERIFY_MAC"),
            KeyKind::Hmac
        );
        assert_eq!(
            KeyKind::of("ECC_NIST_P256", "KEY_AGREEMENT"),
            KeyKind::KeyAgreement
        );
    }

    #[test]
    fn nobody_means_no_statement() {
        let text = console_policy(&choices(KeyKind::Symmetric, &[], &[]));
        assert_eq!(value(&text)["Statement"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn administrators_may_be_kept_from_deleting() {
        let admins = vec!["arn:aws:iam::111122223333:user/admin".to_string()];
        let mut c = choices(KeyKind::Symmetric, &admins, &[]);
        c.administrators_may_delete = false;
        c.multi_region = true;
        c.imported_material = true;
        let text = console_policy(&c);
        assert!(!text.contains("kms:ScheduleKeyDeletion"));
        assert!(text.contains("kms:ReplicateKey"));
        assert!(text.contains("kms:ImportKeyMaterial"));
    }

    const FACTS: KeyFacts = KeyFacts {
        kind: KeyKind::Symmetric,
        imported_material: false,
        multi_region: false,
    };

    #[test]
    fn default_view_adds_and_removes_people() {
        let alice = "arn:aws:iam::111122223333:user/alice";
        let bob = "arn:aws:iam::111122223333:user/bob";
        // The API's default policy: no administrators or users yet.
        let start = r#"{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#;
        assert_eq!(people(start), Ok(PolicyPeople::default()));
        let one = add_person(start, Role::User, alice, FACTS).expect("adds");
        let two = add_person(&one, Role::User, bob, FACTS).expect("adds");
        let again = add_person(&two, Role::User, bob, FACTS).expect("adds");
        assert_eq!(
            people(&again).expect("parses").users,
            Some(vec![alice.to_string(), bob.to_string()])
        );
        let parsed = value(&again);
        assert_eq!(parsed["Statement"].as_array().map(Vec::len), Some(3));
        assert_eq!(parsed["Id"], "key-default-1", "the rest stays as it was");
        assert!(
            again.find("\"Version\"") < again.find("\"Id\""),
            "member order kept"
        );

        let admin = add_person(&again, Role::Administrator, alice, FACTS).expect("adds");
        assert_eq!(
            people(&admin).expect("parses").administrators,
            Some(vec![alice.to_string()])
        );
        let fewer = remove_person(&admin, Role::User, alice).expect("removes");
        assert_eq!(
            people(&fewer).expect("parses").users,
            Some(vec![bob.to_string()])
        );
        let none = remove_person(&fewer, Role::User, bob).expect("removes");
        assert_eq!(people(&none).expect("parses").users, None);
        assert_eq!(value(&none)["Statement"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn bad_documents_are_reported() {
        assert!(people("not json").is_err());
        assert!(add_person("[1]", Role::User, "x", FACTS).is_err());
    }

    #[test]
    fn parses_people_in_several_spellings() {
        let parsed = parse_people(
            "alice\n  arn:aws:iam::111122223333:role/ops \n\n444455556666\nalice",
            "aws",
            "111122223333",
        )
        .expect("parses");
        assert_eq!(
            parsed,
            [
                "arn:aws:iam::111122223333:user/alice",
                "arn:aws:iam::111122223333:role/ops",
                "arn:aws:iam::444455556666:root"
            ]
        );
        assert!(parse_people("<script>", "aws", "111122223333").is_err());
        assert!(parse_people("arn:aws:s3:::bucket", "aws", "111122223333").is_err());
    }
}
