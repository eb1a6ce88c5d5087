//! Golden cases: the key-policy examples of the AWS KMS Developer Guide (and the IAM User
//! Guide where KMS defers to it), each checked both ways — the request the example is meant
//! to allow, and one it is meant to refuse, with AWS's exact `AccessDeniedException` text.
//! The policies are written from the documented behaviour, with the guide's example account
//! (111122223333), external account (444455556666) and names.

mod reference;

use trent_policy::{
    Caller, Decision, Identity, KeyValues, Outcome, Policy, PolicyError, PolicyKind, Request,
    decide, decide_identity_only, default_key_policy, keeps_policy_access, parse,
};

const ACCOUNT: &str = "111122223333";
const KEY: &str = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

const USER: Caller<'static> = Caller {
    arn: "arn:aws:iam::111122223333:user/ExampleUser",
    account: "111122223333",
    role_arn: None,
};
const ADMIN_SESSION: Caller<'static> = Caller {
    arn: "arn:aws:sts::111122223333:assumed-role/KMSAdminRole/admin-session",
    account: "111122223333",
    role_arn: Some("arn:aws:iam::111122223333:role/KMSAdminRole"),
};
const APP_SESSION: Caller<'static> = Caller {
    arn: "arn:aws:sts::111122223333:assumed-role/ExampleRole/app-session",
    account: "111122223333",
    role_arn: Some("arn:aws:iam::111122223333:role/ExampleRole"),
};
const EXTERNAL: Caller<'static> = Caller {
    arn: "arn:aws:iam::444455556666:user/ExternalUser",
    account: "444455556666",
    role_arn: None,
};

/// Everything one case needs besides the key policy.
struct Ask<'a> {
    identity: Vec<String>,
    administrator: bool,
    caller: Caller<'a>,
    action: &'a str,
    keys: KeyValues,
}

fn ask<'a>(caller: Caller<'a>, action: &'a str) -> Ask<'a> {
    Ask {
        identity: Vec::new(),
        administrator: false,
        caller,
        action,
        keys: KeyValues::new(),
    }
}

impl<'a> Ask<'a> {
    fn identity(mut self, identity: &[&str]) -> Self {
        self.identity = identity.iter().map(|t| t.to_string()).collect();
        self
    }
    fn administrator(mut self) -> Self {
        self.administrator = true;
        self
    }
    fn key(mut self, key: &str, values: &[&str]) -> Self {
        self.keys.insert(key, values.iter().copied());
        self
    }
}

fn key_policy(text: &str) -> Policy {
    parse(text, PolicyKind::Key).unwrap_or_else(|e| panic!("key policy refused: {e:?}\n{text}"))
}

fn identity_policies(texts: &[String]) -> Vec<(String, Policy)> {
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let policy = parse(text, PolicyKind::Identity)
                .unwrap_or_else(|e| panic!("identity policy refused: {e:?}\n{text}"));
            (format!("policy-{i}"), policy)
        })
        .collect()
}

/// The decision on [`KEY`] under `policy`.
fn on_key(policy: &str, ask: &Ask<'_>) -> Decision {
    let policy = key_policy(policy);
    let identity = identity_policies(&ask.identity);
    let request = Request {
        caller: ask.caller,
        action: ask.action,
        resource: KEY,
        keys: &ask.keys,
    };
    decide(
        &policy,
        ACCOUNT,
        Identity {
            administrator: ask.administrator,
            policies: &identity,
        },
        &request,
    )
}

/// The decision for an action without a key (identity policies alone, resource `*`).
fn without_key(ask: &Ask<'_>) -> Decision {
    let identity = identity_policies(&ask.identity);
    let request = Request {
        caller: ask.caller,
        action: ask.action,
        resource: "*",
        keys: &ask.keys,
    };
    decide_identity_only(
        Identity {
            administrator: ask.administrator,
            policies: &identity,
        },
        &request,
    )
}

#[track_caller]
fn assert_allowed(decision: &Decision) {
    assert_eq!(decision.outcome, Outcome::Allowed, "{decision:?}");
    assert!(
        !decision.deciding.is_empty(),
        "an allow names its statements"
    );
}

/// Checks a denial and its message: `tail` is what AWS appends after the resource.
#[track_caller]
fn assert_denied(decision: &Decision, outcome: Outcome, ask: &Ask<'_>, resource: &str, tail: &str) {
    assert_eq!(decision.outcome, outcome, "{decision:?}");
    let expected = format!(
        "User: {} is not authorized to perform: {} on resource: {resource} {tail}",
        ask.caller.arn, ask.action
    );
    assert_eq!(
        decision
            .denial_message(ask.caller.arn, ask.action, resource)
            .as_deref(),
        Some(expected.as_str())
    );
}

const ALLOW_KMS_IN_IAM: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#;

// ---------------------------------------------------------------------------------------------
// The default key policy
// ---------------------------------------------------------------------------------------------

/// "Default key policy": the account principal lets IAM policies decide; without one, no.
#[test]
fn default_key_policy_delegates_to_iam() {
    let policy = default_key_policy("aws", ACCOUNT);

    let with_iam = ask(USER, "kms:Encrypt").identity(&[ALLOW_KMS_IN_IAM]);
    assert_allowed(&on_key(&policy, &with_iam));

    // The account's root-like administrator has an implicit allow-everything identity policy.
    assert_allowed(&on_key(
        &policy,
        &ask(USER, "kms:ScheduleKeyDeletion").administrator(),
    ));

    let without_iam = ask(USER, "kms:Encrypt");
    assert_denied(
        &on_key(&policy, &without_iam),
        Outcome::NoIdentityPolicyAllows,
        &without_iam,
        KEY,
        "because no identity-based policy allows the kms:Encrypt action",
    );

    // Another account gets nothing from a policy that names only the key's account, even with
    // its own IAM allowing everything.
    let external = ask(EXTERNAL, "kms:Decrypt").identity(&[ALLOW_KMS_IN_IAM]);
    assert_denied(
        &on_key(&policy, &external),
        Outcome::NoKeyPolicyAllows,
        &external,
        KEY,
        "because no resource-based policy allows the kms:Decrypt action",
    );

    // The lockout check passes: the account keeps kms:PutKeyPolicy.
    let keys = KeyValues::new();
    let put = Request {
        caller: USER,
        action: "kms:PutKeyPolicy",
        resource: KEY,
        keys: &keys,
    };
    assert!(keeps_policy_access(&key_policy(&policy), &put));
}

// ---------------------------------------------------------------------------------------------
// The console's default key policy: administrators, users, persistent resources
// ---------------------------------------------------------------------------------------------

const CONSOLE_POLICY: &str = r#"{
  "Id": "key-consolepolicy-3",
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Enable IAM User Permissions",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
      "Action": "kms:*",
      "Resource": "*"
    },
    {
      "Sid": "Allow access for Key Administrators",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:role/KMSAdminRole"},
      "Action": [
        "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*",
        "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*",
        "kms:TagResource", "kms:UntagResource",
        "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand"
      ],
      "Resource": "*"
    },
    {
      "Sid": "Allow use of the key",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:role/ExampleRole"},
      "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      "Resource": "*"
    },
    {
      "Sid": "Allow attachment of persistent resources",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:role/ExampleRole"},
      "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
      "Resource": "*",
      "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    }
  ]
}"#;

#[test]
fn console_policy_key_administrators_manage_but_do_not_use() {
    let manage = ask(ADMIN_SESSION, "kms:ScheduleKeyDeletion");
    let decision = on_key(CONSOLE_POLICY, &manage);
    assert_allowed(&decision);
    assert_eq!(
        decision.deciding,
        vec![trent_policy::Decider::KeyPolicy {
            index: 1,
            sid: Some("Allow access for Key Administrators".into())
        }]
    );
    assert_allowed(&on_key(
        CONSOLE_POLICY,
        &ask(ADMIN_SESSION, "kms:PutKeyPolicy"),
    ));

    // Using the key is not among the administrator actions: only the account statement is
    // left, and the role's IAM does not allow it.
    let use_key = ask(ADMIN_SESSION, "kms:Decrypt");
    assert_denied(
        &on_key(CONSOLE_POLICY, &use_key),
        Outcome::NoIdentityPolicyAllows,
        &use_key,
        KEY,
        "because no identity-based policy allows the kms:Decrypt action",
    );
}

#[test]
fn console_policy_key_users_use_but_do_not_manage() {
    for action in [
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncryptFrom",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:DescribeKey",
    ] {
        assert_allowed(&on_key(CONSOLE_POLICY, &ask(APP_SESSION, action)));
    }
    let manage = ask(APP_SESSION, "kms:ScheduleKeyDeletion");
    assert_denied(
        &on_key(CONSOLE_POLICY, &manage),
        Outcome::NoIdentityPolicyAllows,
        &manage,
        KEY,
        "because no identity-based policy allows the kms:ScheduleKeyDeletion action",
    );
}

/// `kms:GrantIsForAWSResource`: key users may create grants only for integrated services.
#[test]
fn console_policy_grants_only_for_aws_resources() {
    let for_service =
        ask(APP_SESSION, "kms:CreateGrant").key("kms:GrantIsForAWSResource", &["true"]);
    assert_allowed(&on_key(CONSOLE_POLICY, &for_service));

    let direct = ask(APP_SESSION, "kms:CreateGrant").key("kms:GrantIsForAWSResource", &["false"]);
    assert_denied(
        &on_key(CONSOLE_POLICY, &direct),
        Outcome::NoIdentityPolicyAllows,
        &direct,
        KEY,
        "because no identity-based policy allows the kms:CreateGrant action",
    );
    // A request without the key at all is not for an AWS resource either.
    let absent = ask(APP_SESSION, "kms:CreateGrant");
    assert_eq!(
        on_key(CONSOLE_POLICY, &absent).outcome,
        Outcome::NoIdentityPolicyAllows
    );
}

// ---------------------------------------------------------------------------------------------
// Encryption context
// ---------------------------------------------------------------------------------------------

const EC_REQUIRED: &str = r#"{"Version":"2012-10-17","Statement":[{
  "Sid": "Allow decryption with the ExampleApp context",
  "Effect": "Allow",
  "Principal": {"AWS": "arn:aws:iam::111122223333:role/ExampleRole"},
  "Action": "kms:Decrypt",
  "Resource": "*",
  "Condition": {"StringEquals": {"kms:EncryptionContext:AppName": "ExampleApp"}}
}]}"#;

/// `kms:EncryptionContext:context-key`: the value must match (case-sensitively); the key name
/// compares without case.
#[test]
fn encryption_context_value_must_match() {
    assert_allowed(&on_key(
        EC_REQUIRED,
        &ask(APP_SESSION, "kms:Decrypt").key("kms:EncryptionContext:AppName", &["ExampleApp"]),
    ));
    assert_allowed(&on_key(
        EC_REQUIRED,
        &ask(APP_SESSION, "kms:Decrypt").key("kms:encryptioncontext:appname", &["ExampleApp"]),
    ));
    for keys in [&["exampleapp"][..], &["OtherApp"][..]] {
        let other = ask(APP_SESSION, "kms:Decrypt").key("kms:EncryptionContext:AppName", keys);
        assert_denied(
            &on_key(EC_REQUIRED, &other),
            Outcome::NoKeyPolicyAllows,
            &other,
            KEY,
            "because no resource-based policy allows the kms:Decrypt action",
        );
    }
    let none = ask(APP_SESSION, "kms:Decrypt");
    assert_eq!(
        on_key(EC_REQUIRED, &none).outcome,
        Outcome::NoKeyPolicyAllows
    );

    // StringEqualsIgnoreCase relaxes the value's case.
    let relaxed = EC_REQUIRED.replace("StringEquals", "StringEqualsIgnoreCase");
    assert_allowed(&on_key(
        &relaxed,
        &ask(APP_SESSION, "kms:Decrypt").key("kms:EncryptionContext:AppName", &["exampleapp"]),
    ));
}

/// `kms:EncryptionContextKeys` with `ForAllValues`: only the listed keys — and, as the guide
/// warns, also a request with no encryption context at all, unless a `Null` check demands one.
#[test]
fn encryption_context_keys_for_all_values() {
    let only_listed = r#"{"Version":"2012-10-17","Statement":[{
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:role/ExampleRole"},
      "Action": ["kms:Encrypt", "kms:GenerateDataKey*"],
      "Resource": "*",
      "Condition": {"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["Purpose", "Department"]}}
    }]}"#;
    assert_allowed(&on_key(
        only_listed,
        &ask(APP_SESSION, "kms:Encrypt").key("kms:EncryptionContextKeys", &["Purpose"]),
    ));
    assert_allowed(&on_key(
        only_listed,
        &ask(APP_SESSION, "kms:Encrypt")
            .key("kms:EncryptionContextKeys", &["Department", "Purpose"]),
    ));
    let extra =
        ask(APP_SESSION, "kms:Encrypt").key("kms:EncryptionContextKeys", &["Purpose", "Project"]);
    assert_denied(
        &on_key(only_listed, &extra),
        Outcome::NoKeyPolicyAllows,
        &extra,
        KEY,
        "because no resource-based policy allows the kms:Encrypt action",
    );
    // The documented pitfall: no context at all passes ForAllValues.
    assert_allowed(&on_key(only_listed, &ask(APP_SESSION, "kms:Encrypt")));

    // The documented fix: also require that the key is present.
    let with_null = only_listed.replace(
        r#""Condition": {"#,
        r#""Condition": {"Null": {"kms:EncryptionContextKeys": "false"}, "#,
    );
    let none = ask(APP_SESSION, "kms:Encrypt");
    assert_denied(
        &on_key(&with_null, &none),
        Outcome::NoKeyPolicyAllows,
        &none,
        KEY,
        "because no resource-based policy allows the kms:Encrypt action",
    );
    assert_allowed(&on_key(
        &with_null,
        &ask(APP_SESSION, "kms:Encrypt").key("kms:EncryptionContextKeys", &["Purpose"]),
    ));
}

/// `ForAnyValue:` requires at least one listed key; a Deny with `Null` refuses requests with
/// no encryption context.
#[test]
fn encryption_context_keys_for_any_value_and_deny_without_context() {
    let policy = r#"{"Version":"2012-10-17","Statement":[
      {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
       "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
      {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/ExampleRole"},
       "Action": "kms:GenerateDataKey", "Resource": "*",
       "Condition": {"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "Project"}}},
      {"Sid": "Deny without encryption context", "Effect": "Deny", "Principal": "*",
       "Action": ["kms:Encrypt", "kms:GenerateDataKey*"], "Resource": "*",
       "Condition": {"Null": {"kms:EncryptionContextKeys": "true"}}}
    ]}"#;
    assert_allowed(&on_key(
        policy,
        &ask(APP_SESSION, "kms:GenerateDataKey")
            .key("kms:EncryptionContextKeys", &["Project", "Stage"]),
    ));
    let other =
        ask(APP_SESSION, "kms:GenerateDataKey").key("kms:EncryptionContextKeys", &["Stage"]);
    assert_eq!(
        on_key(policy, &other).outcome,
        Outcome::NoIdentityPolicyAllows
    );

    // No context: the Deny wins, even for the account's administrator.
    let none = ask(USER, "kms:GenerateDataKey").administrator();
    let decision = on_key(policy, &none);
    assert_denied(
        &decision,
        Outcome::ExplicitDenyInKeyPolicy,
        &none,
        KEY,
        "with an explicit deny in a resource-based policy",
    );
    assert_eq!(
        decision.deciding,
        vec![trent_policy::Decider::KeyPolicy {
            index: 2,
            sid: Some("Deny without encryption context".into())
        }]
    );
}

/// ForAllValues with a single-valued encryption context key is refused when the policy is set.
#[test]
fn for_all_values_on_an_encryption_context_key_is_refused() {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:Decrypt","Resource":"*","Condition":{"ForAllValues:StringEquals":{"kms:EncryptionContext:Department":"IT"}}}]}"#;
    assert_eq!(
        parse(text, PolicyKind::Key),
        Err(PolicyError::Malformed(
            "OverlyPermissiveCondition:EncryptionContext: ForAllValues cannot be used with the single-valued condition key kms:EncryptionContext:Department".into()
        ))
    );
}

// ---------------------------------------------------------------------------------------------
// kms:CallerAccount and kms:ViaService (the AWS managed key pattern)
// ---------------------------------------------------------------------------------------------

const VIA_EBS: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid": "Allow access through EBS for all principals in the account that are authorized to use EBS",
   "Effect": "Allow", "Principal": {"AWS": "*"},
   "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
   "Resource": "*",
   "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333", "kms:ViaService": "ec2.us-west-2.amazonaws.com"}}},
  {"Sid": "Allow direct access to key metadata to the account", "Effect": "Allow",
   "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
   "Action": ["kms:Describe*", "kms:Get*", "kms:List*"], "Resource": "*"}
]}"#;

#[test]
fn caller_account_and_via_service() {
    let through_ebs = ask(USER, "kms:Decrypt")
        .key("kms:CallerAccount", &[ACCOUNT])
        .key("kms:ViaService", &["ec2.us-west-2.amazonaws.com"]);
    assert_allowed(&on_key(VIA_EBS, &through_ebs));

    // Called directly, not through EBS.
    let direct = ask(USER, "kms:Decrypt").key("kms:CallerAccount", &[ACCOUNT]);
    assert_denied(
        &on_key(VIA_EBS, &direct),
        Outcome::NoKeyPolicyAllows,
        &direct,
        KEY,
        "because no resource-based policy allows the kms:Decrypt action",
    );
    // Through another service.
    let via_s3 = ask(USER, "kms:Decrypt")
        .key("kms:CallerAccount", &[ACCOUNT])
        .key("kms:ViaService", &["s3.us-west-2.amazonaws.com"]);
    assert_eq!(on_key(VIA_EBS, &via_s3).outcome, Outcome::NoKeyPolicyAllows);
    // From another account, even through EBS.
    let external = ask(EXTERNAL, "kms:Decrypt")
        .identity(&[ALLOW_KMS_IN_IAM])
        .key("kms:CallerAccount", &["444455556666"])
        .key("kms:ViaService", &["ec2.us-west-2.amazonaws.com"]);
    assert_denied(
        &on_key(VIA_EBS, &external),
        Outcome::NoKeyPolicyAllows,
        &external,
        KEY,
        "because no resource-based policy allows the kms:Decrypt action",
    );
    // Metadata directly, through the account's IAM.
    assert_allowed(&on_key(
        VIA_EBS,
        &ask(USER, "kms:DescribeKey").identity(&[ALLOW_KMS_IN_IAM]),
    ));
}

// ---------------------------------------------------------------------------------------------
// Cross-account use
// ---------------------------------------------------------------------------------------------

const EXTERNAL_ACCOUNT_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
   "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
  {"Sid": "Allow an external account to use this KMS key", "Effect": "Allow",
   "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
   "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
   "Resource": "*"}
]}"#;

/// "Allowing users in other accounts to use a KMS key": both the key policy and the external
/// account's IAM policy must allow.
#[test]
fn external_account_needs_key_policy_and_its_own_iam() {
    let external_iam = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]}"#;
    let with_iam = ask(EXTERNAL, "kms:Decrypt").identity(&[external_iam]);
    assert_allowed(&on_key(EXTERNAL_ACCOUNT_POLICY, &with_iam));

    let without_iam = ask(EXTERNAL, "kms:Decrypt");
    assert_denied(
        &on_key(EXTERNAL_ACCOUNT_POLICY, &without_iam),
        Outcome::NoIdentityPolicyAllows,
        &without_iam,
        KEY,
        "because no identity-based policy allows the kms:Decrypt action",
    );
    // The IAM policy allows ScheduleKeyDeletion, the key policy does not.
    let manage = ask(EXTERNAL, "kms:ScheduleKeyDeletion").identity(&[ALLOW_KMS_IN_IAM]);
    assert_denied(
        &on_key(EXTERNAL_ACCOUNT_POLICY, &manage),
        Outcome::NoKeyPolicyAllows,
        &manage,
        KEY,
        "because no resource-based policy allows the kms:ScheduleKeyDeletion action",
    );
}

/// Denying all other accounts with `kms:CallerAccount`.
#[test]
fn deny_other_accounts() {
    let policy = r#"{"Version":"2012-10-17","Statement":[
      {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"},
      {"Sid": "Deny other accounts", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
       "Condition": {"StringNotEquals": {"kms:CallerAccount": "111122223333"}}}
    ]}"#;
    assert_allowed(&on_key(
        policy,
        &ask(USER, "kms:Encrypt").key("kms:CallerAccount", &[ACCOUNT]),
    ));
    let external = ask(EXTERNAL, "kms:Encrypt")
        .identity(&[ALLOW_KMS_IN_IAM])
        .key("kms:CallerAccount", &["444455556666"]);
    assert_denied(
        &on_key(policy, &external),
        Outcome::ExplicitDenyInKeyPolicy,
        &external,
        KEY,
        "with an explicit deny in a resource-based policy",
    );
}

// ---------------------------------------------------------------------------------------------
// Aliases and tags (ABAC)
// ---------------------------------------------------------------------------------------------

/// `kms:RequestAlias`: allowed only when the request names the key by this alias.
#[test]
fn request_alias() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{
      "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/ExampleRole"},
      "Action": ["kms:Encrypt", "kms:GenerateDataKey*"], "Resource": "*",
      "Condition": {"StringEquals": {"kms:RequestAlias": "alias/finance-key"}}
    }]}"#;
    assert_allowed(&on_key(
        policy,
        &ask(APP_SESSION, "kms:Encrypt").key("kms:RequestAlias", &["alias/finance-key"]),
    ));
    let by_id = ask(APP_SESSION, "kms:Encrypt");
    assert_denied(
        &on_key(policy, &by_id),
        Outcome::NoKeyPolicyAllows,
        &by_id,
        KEY,
        "because no resource-based policy allows the kms:Encrypt action",
    );
}

/// `kms:ResourceAliases` (multi-valued, `ForAnyValue:`), in an identity policy under the
/// default key policy.
#[test]
fn resource_aliases() {
    let iam = r#"{"Version":"2012-10-17","Statement":[{
      "Effect": "Allow", "Action": ["kms:Decrypt", "kms:DescribeKey"],
      "Resource": "arn:aws:kms:*:111122223333:key/*",
      "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/ProjectAlpha", "alias/ProjectAlpha-test"]}}
    }]}"#;
    let policy = default_key_policy("aws", ACCOUNT);
    assert_allowed(&on_key(
        &policy,
        &ask(USER, "kms:Decrypt").identity(&[iam]).key(
            "kms:ResourceAliases",
            &["alias/other", "alias/ProjectAlpha"],
        ),
    ));
    let unaliased = ask(USER, "kms:Decrypt").identity(&[iam]);
    assert_denied(
        &on_key(&policy, &unaliased),
        Outcome::NoIdentityPolicyAllows,
        &unaliased,
        KEY,
        "because no identity-based policy allows the kms:Decrypt action",
    );
}

/// `aws:ResourceTag/…`: attribute-based access through the key's tags, also matched against
/// the caller's own tag with a policy variable.
#[test]
fn resource_tags() {
    let iam = r#"{"Version":"2012-10-17","Statement":[{
      "Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
      "Resource": "arn:aws:kms:*:111122223333:key/*",
      "Condition": {"StringEquals": {"aws:ResourceTag/Project": "${aws:PrincipalTag/Project}"}}
    }]}"#;
    let policy = default_key_policy("aws", ACCOUNT);
    assert_allowed(&on_key(
        &policy,
        &ask(USER, "kms:Encrypt")
            .identity(&[iam])
            .key("aws:ResourceTag/Project", &["Alpha"])
            .key("aws:PrincipalTag/Project", &["Alpha"]),
    ));
    let other_project = ask(USER, "kms:Encrypt")
        .identity(&[iam])
        .key("aws:ResourceTag/Project", &["Beta"])
        .key("aws:PrincipalTag/Project", &["Alpha"]);
    assert_denied(
        &on_key(&policy, &other_project),
        Outcome::NoIdentityPolicyAllows,
        &other_project,
        KEY,
        "because no identity-based policy allows the kms:Encrypt action",
    );
    // A caller without the tag matches nothing.
    let untagged = ask(USER, "kms:Encrypt")
        .identity(&[iam])
        .key("aws:ResourceTag/Project", &["Alpha"]);
    assert_eq!(
        on_key(&policy, &untagged).outcome,
        Outcome::NoIdentityPolicyAllows
    );
}

// ---------------------------------------------------------------------------------------------
// Conditions on CreateKey, ScheduleKeyDeletion, CreateGrant
// ---------------------------------------------------------------------------------------------

/// `kms:KeySpec` and `kms:KeyUsage` in an identity policy limit which keys a principal may
/// create (CreateKey has no key: identity policies alone decide, on resource `*`).
#[test]
fn key_spec_and_usage_on_create_key() {
    let iam = r#"{"Version":"2012-10-17","Statement":[{
      "Effect": "Allow", "Action": "kms:CreateKey", "Resource": "*",
      "Condition": {"StringLike": {"kms:KeySpec": "RSA_*"}, "StringEquals": {"kms:KeyUsage": "SIGN_VERIFY"}}
    }]}"#;
    assert_allowed(&without_key(
        &ask(USER, "kms:CreateKey")
            .identity(&[iam])
            .key("kms:KeySpec", &["RSA_2048"])
            .key("kms:KeyUsage", &["SIGN_VERIFY"]),
    ));
    let symmetric = ask(USER, "kms:CreateKey")
        .identity(&[iam])
        .key("kms:KeySpec", &["SYMMETRIC_DEFAULT"])
        .key("kms:KeyUsage", &["ENCRYPT_DECRYPT"]);
    assert_denied(
        &without_key(&symmetric),
        Outcome::NoIdentityPolicyAllows,
        &symmetric,
        "*",
        "because no identity-based policy allows the kms:CreateKey action",
    );
    // The deny form, as the guide shows it for refusing asymmetric keys.
    let deny = r#"{"Version":"2012-10-17","Statement":[
      {"Effect": "Allow", "Action": "kms:CreateKey", "Resource": "*"},
      {"Effect": "Deny", "Action": "kms:CreateKey", "Resource": "*",
       "Condition": {"StringNotEquals": {"kms:KeySpec": "SYMMETRIC_DEFAULT"}}}
    ]}"#;
    let rsa = ask(USER, "kms:CreateKey")
        .identity(&[deny])
        .key("kms:KeySpec", &["RSA_4096"]);
    assert_denied(
        &without_key(&rsa),
        Outcome::ExplicitDenyInIdentityPolicy,
        &rsa,
        "*",
        "with an explicit deny in an identity-based policy",
    );
    assert_allowed(&without_key(
        &ask(USER, "kms:CreateKey")
            .identity(&[deny])
            .key("kms:KeySpec", &["SYMMETRIC_DEFAULT"]),
    ));
}

/// `kms:ScheduleKeyDeletionPendingWindowInDays`: at least 21 days.
#[test]
fn schedule_key_deletion_pending_window() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{
      "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/KMSAdminRole"},
      "Action": "kms:ScheduleKeyDeletion", "Resource": "*",
      "Condition": {"NumericGreaterThanEquals": {"kms:ScheduleKeyDeletionPendingWindowInDays": 21}}
    }]}"#;
    for days in ["21", "30"] {
        assert_allowed(&on_key(
            policy,
            &ask(ADMIN_SESSION, "kms:ScheduleKeyDeletion")
                .key("kms:ScheduleKeyDeletionPendingWindowInDays", &[days]),
        ));
    }
    let short = ask(ADMIN_SESSION, "kms:ScheduleKeyDeletion")
        .key("kms:ScheduleKeyDeletionPendingWindowInDays", &["7"]);
    assert_denied(
        &on_key(policy, &short),
        Outcome::NoKeyPolicyAllows,
        &short,
        KEY,
        "because no resource-based policy allows the kms:ScheduleKeyDeletion action",
    );
}

/// `kms:GrantOperations` with `ForAllValues:`: grants only for the listed operations.
#[test]
fn grant_operations_for_all_values() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{
      "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/ExampleRole"},
      "Action": "kms:CreateGrant", "Resource": "*",
      "Condition": {"ForAllValues:StringEquals": {"kms:GrantOperations": ["Encrypt", "Decrypt"]}}
    }]}"#;
    assert_allowed(&on_key(
        policy,
        &ask(APP_SESSION, "kms:CreateGrant").key("kms:GrantOperations", &["Decrypt"]),
    ));
    assert_allowed(&on_key(
        policy,
        &ask(APP_SESSION, "kms:CreateGrant").key("kms:GrantOperations", &["Encrypt", "Decrypt"]),
    ));
    let too_much = ask(APP_SESSION, "kms:CreateGrant")
        .key("kms:GrantOperations", &["Encrypt", "ReEncryptFrom"]);
    assert_denied(
        &on_key(policy, &too_much),
        Outcome::NoKeyPolicyAllows,
        &too_much,
        KEY,
        "because no resource-based policy allows the kms:CreateGrant action",
    );
}

// ---------------------------------------------------------------------------------------------
// Global condition keys: aws:SourceIp, aws:SecureTransport
// ---------------------------------------------------------------------------------------------

/// The IAM guide's "deny access based on source IP" pattern in a key policy.
#[test]
fn source_ip() {
    let policy = r#"{"Version":"2012-10-17","Statement":[
      {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
       "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
      {"Sid": "Deny outside the corporate network", "Effect": "Deny", "Principal": {"AWS": "*"},
       "Action": "kms:*", "Resource": "*",
       "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}}
    ]}"#;
    assert_allowed(&on_key(
        policy,
        &ask(USER, "kms:Decrypt")
            .identity(&[ALLOW_KMS_IN_IAM])
            .key("aws:SourceIp", &["203.0.113.17"]),
    ));
    let outside = ask(USER, "kms:Decrypt")
        .identity(&[ALLOW_KMS_IN_IAM])
        .key("aws:SourceIp", &["198.51.100.4"]);
    assert_denied(
        &on_key(policy, &outside),
        Outcome::ExplicitDenyInKeyPolicy,
        &outside,
        KEY,
        "with an explicit deny in a resource-based policy",
    );
}

/// Deny requests not made over TLS; `Bool` needs the key present, `BoolIfExists` does not.
#[test]
fn secure_transport() {
    let policy = r#"{"Version":"2012-10-17","Statement":[
      {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/ExampleUser"},
       "Action": "kms:*", "Resource": "*"},
      {"Sid": "Deny plain HTTP", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
       "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    ]}"#;
    assert_allowed(&on_key(
        policy,
        &ask(USER, "kms:Encrypt").key("aws:SecureTransport", &["true"]),
    ));
    let plain = ask(USER, "kms:Encrypt").key("aws:SecureTransport", &["false"]);
    assert_denied(
        &on_key(policy, &plain),
        Outcome::ExplicitDenyInKeyPolicy,
        &plain,
        KEY,
        "with an explicit deny in a resource-based policy",
    );
    // Without the key, `Bool` does not match and the Deny does not apply ...
    assert_allowed(&on_key(policy, &ask(USER, "kms:Encrypt")));
    // ... but `BoolIfExists` does.
    let strict = policy.replace("\"Bool\"", "\"BoolIfExists\"");
    let unknown = ask(USER, "kms:Encrypt");
    assert_denied(
        &on_key(&strict, &unknown),
        Outcome::ExplicitDenyInKeyPolicy,
        &unknown,
        KEY,
        "with an explicit deny in a resource-based policy",
    );
}

/// An explicit Deny in an identity policy beats an Allow naming the caller in the key policy.
#[test]
fn identity_deny_beats_key_policy_allow() {
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}"#;
    let request = ask(APP_SESSION, "kms:Decrypt").identity(&[deny]);
    assert_denied(
        &on_key(CONSOLE_POLICY, &request),
        Outcome::ExplicitDenyInIdentityPolicy,
        &request,
        KEY,
        "with an explicit deny in an identity-based policy",
    );
}

// ---------------------------------------------------------------------------------------------
// Policies AWS refuses
// ---------------------------------------------------------------------------------------------

#[track_caller]
fn refused(text: &str, kind: PolicyKind) -> PolicyError {
    parse(text, kind).expect_err("should be refused")
}

#[test]
fn documented_invalid_key_policies_are_refused() {
    let principals = PolicyError::Malformed(
        "Policy contains a statement with one or more invalid principals.".into(),
    );
    // Every key policy statement names a principal.
    assert_eq!(
        refused(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
            PolicyKind::Key
        ),
        principals
    );
    // Wildcards in principal ARNs are not allowed.
    assert_eq!(
        refused(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/*"},"Action":"kms:*","Resource":"*"}]}"#,
            PolicyKind::Key
        ),
        principals
    );
    // An account id must have twelve digits.
    assert_eq!(
        refused(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"11112222333"},"Action":"kms:*","Resource":"*"}]}"#,
            PolicyKind::Key
        ),
        principals
    );
    // Characters outside tab, LF, CR and U+0020..U+00FF.
    assert!(matches!(
        refused(
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"\u{2713}\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\"}]}",
            PolicyKind::Key
        ),
        PolicyError::Malformed(_)
    ));
    // The 32 KB quota.
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{}","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}}]}}"#,
        "a".repeat(32 * 1024)
    );
    assert_eq!(refused(&big, PolicyKind::Key), PolicyError::TooLarge);
    // Unknown versions, effects, operators, elements; actions without a service prefix.
    for bad in [
        r#"{"Version":"2012-10-18","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Permit","Principal":"*","Action":"kms:*","Resource":"*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEqualz":{"kms:CallerAccount":"111122223333"}}}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"Encrypt","Resource":"*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Extra":1}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"ForAnyValue:Null":{"kms:EncryptionContextKeys":"true"}}}]}"#,
        r#"{"Version":"2012-10-17"}"#,
    ] {
        assert!(
            matches!(parse(bad, PolicyKind::Key), Err(PolicyError::Malformed(_))),
            "{bad}"
        );
    }
    // An identity policy names no principal.
    assert_eq!(
        refused(
            ALLOW_KMS_IN_IAM
                .replace("\"Effect\"", "\"Principal\":\"*\",\"Effect\"")
                .as_str(),
            PolicyKind::Identity
        ),
        PolicyError::Malformed("Policy document should not specify a principal.".into())
    );
}

/// The lockout safety check refuses a policy that leaves the caller without PutKeyPolicy.
#[test]
fn lockout_safety_check() {
    let keys = KeyValues::new();
    let request = Request {
        caller: USER,
        action: "kms:PutKeyPolicy",
        resource: KEY,
        keys: &keys,
    };
    let only_users = key_policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/ExampleRole"},"Action":"kms:*","Resource":"*"}]}"#,
    );
    assert!(!keeps_policy_access(&only_users, &request));
    assert!(keeps_policy_access(&key_policy(CONSOLE_POLICY), &request));
}

// ---------------------------------------------------------------------------------------------
// Documented behaviour the crate gets wrong (kept failing; see the report)
// ---------------------------------------------------------------------------------------------

/// IAM: "…IfExists: if the key is not present, evaluate the condition element as true." The
/// crate lets `ForAnyValue:` win and answers false.
#[test]

fn for_any_value_if_exists_with_absent_key_holds() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{
      "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/ExampleRole"},
      "Action": "kms:Encrypt", "Resource": "*",
      "Condition": {"ForAnyValue:StringEqualsIfExists": {"kms:EncryptionContextKeys": "Project"}}
    }]}"#;
    let value: serde_json::Value = serde_json::from_str(policy).unwrap();
    let keys = reference::Keys::new();
    let req = reference::Req {
        who: reference::Who {
            arn: APP_SESSION.arn,
            account: ACCOUNT,
            role_arn: APP_SESSION.role_arn,
        },
        action: "kms:Encrypt",
        resource: KEY,
        keys: &keys,
    };
    assert_eq!(
        reference::decide(&value, ACCOUNT, false, &[], &req),
        reference::Verdict::Allowed
    );
    assert_allowed(&on_key(policy, &ask(APP_SESSION, "kms:Encrypt")));
}

/// IAM: `${*}` stands for a literal `*` "instead of … a wildcard". The crate substitutes a
/// `*` that then acts as a wildcard, so `team-${*}` matches any `team-…` value.
#[test]

fn escaped_star_is_literal() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{
      "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/ExampleRole"},
      "Action": "kms:Encrypt", "Resource": "*",
      "Condition": {"StringLike": {"kms:EncryptionContext:Team": "team-${*}"}}
    }]}"#;
    assert_allowed(&on_key(
        policy,
        &ask(APP_SESSION, "kms:Encrypt").key("kms:EncryptionContext:Team", &["team-*"]),
    ));
    let other = ask(APP_SESSION, "kms:Encrypt").key("kms:EncryptionContext:Team", &["team-blue"]);
    assert_eq!(on_key(policy, &other).outcome, Outcome::NoKeyPolicyAllows);
}

/// IAM: wildcards work within ARN segments; only a `*` that ends its segment may run across
/// colons (and `glob.rs` promises "a `*` in one component never swallows a `:`"). The crate
/// falls back to a whole-string match, so `us-*3` swallows `east-1:11112222333`.
#[test]

fn resource_star_stays_within_its_segment() {
    let iam = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"arn:aws:kms:us-*3:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]}"#;
    let request = ask(USER, "kms:Encrypt").identity(&[iam]);
    assert_eq!(
        on_key(&default_key_policy("aws", ACCOUNT), &request).outcome,
        Outcome::NoIdentityPolicyAllows
    );
}
