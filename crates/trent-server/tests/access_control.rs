//! Access control end to end through the official SDK: two accounts, users and a role made with
//! `trent admin`, and AWS's decisions and denial texts under the default key policy, custom key
//! policies, identity policies with conditions, the lockout check, grants and cross-account use.

mod common;

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::GrantOperation;
use common::{ACCOUNT, REGION, Server, dev_client, error_of, kms_client, trent};
use serde_json::{Value, json};

fn admin(server: &Server, args: &[&str]) -> Value {
    let mut full = vec!["admin", "--endpoint", &server.endpoint];
    full.extend_from_slice(args);
    run(&full)
}

fn run(args: &[&str]) -> Value {
    let env = [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
    ];
    let (ok, out, err) = trent(args, &env);
    assert!(ok, "trent {args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

/// A user of `account` with the given identity policy (none if `None`), and its client.
async fn user(
    server: &Server,
    account: &str,
    name: &str,
    policy: Option<Value>,
) -> (String, aws_sdk_kms::Client) {
    let arn = admin(
        server,
        &["create-user", "--account", account, "--name", name],
    )["Arn"]
        .as_str()
        .unwrap()
        .to_string();
    if let Some(policy) = policy {
        admin(
            server,
            &[
                "put-user-policy",
                "--user",
                &arn,
                "--policy-name",
                "inline",
                "--policy-document",
                &policy.to_string(),
            ],
        );
    }
    let key = admin(server, &["create-access-key", "--user", &arn]);
    let client = kms_client(
        &server.endpoint,
        key["AccessKeyId"].as_str().unwrap(),
        key["SecretAccessKey"].as_str().unwrap(),
    )
    .await;
    (arn, client)
}

fn denied(principal: &str, action: &str, resource: &str, why: &str) -> String {
    let because = match why {
        "resource" => format!("because no resource-based policy allows the {action} action"),
        "identity" => format!("because no identity-based policy allows the {action} action"),
        "deny-resource" => "with an explicit deny in a resource-based policy".to_string(),
        "deny-identity" => "with an explicit deny in an identity-based policy".to_string(),
        other => panic!("{other}"),
    };
    format!(
        "User: {principal} is not authorized to perform: {action} on resource: {resource} {because}"
    )
}

async fn encrypt(
    client: &aws_sdk_kms::Client,
    key: &str,
    context: &[(&str, &str)],
) -> Result<Vec<u8>, (String, String)> {
    let mut request = client
        .encrypt()
        .key_id(key)
        .plaintext(Blob::new(b"secret".to_vec()));
    for (k, v) in context {
        request = request.encryption_context(*k, *v);
    }
    request
        .send()
        .await
        .map(|out| out.ciphertext_blob().unwrap().as_ref().to_vec())
        .map_err(|err| error_of(&err))
}

async fn decrypt(
    client: &aws_sdk_kms::Client,
    blob: &[u8],
    context: &[(&str, &str)],
) -> Result<(), (String, String)> {
    let mut request = client.decrypt().ciphertext_blob(Blob::new(blob.to_vec()));
    for (k, v) in context {
        request = request.encryption_context(*k, *v);
    }
    request.send().await.map(drop).map_err(|err| error_of(&err))
}

fn access_denied(message: String) -> Result<(), (String, String)> {
    Err(("AccessDeniedException".to_string(), message))
}

#[tokio::test(flavor = "multi_thread")]
async fn key_policies_identity_policies_grants_and_accounts() {
    let server = Server::dev();
    let root = dev_client(&server).await;
    // bob may encrypt and decrypt, the latter only for his own department's data.
    let (bob_arn, bob) = user(
        &server,
        ACCOUNT,
        "bob",
        Some(json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:DescribeKey"], "Resource": "*"},
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringEquals": {"kms:EncryptionContext:dept": "${aws:username}"}}}]})),
    )
    .await;
    let (carol_arn, carol) = user(&server, ACCOUNT, "carol", None).await;
    let other = admin(&server, &["create-account"])["AccountId"]
        .as_str()
        .unwrap()
        .to_string();
    let (dave_arn, dave) = user(
        &server,
        &other,
        "dave",
        Some(json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringEquals": {"kms:EncryptionContext:classified": "yes"}}}]})),
    )
    .await;

    // The default key policy delegates to the account's identity policies.
    let key = root.create_key().send().await.unwrap();
    let key_arn = key.key_metadata().unwrap().arn().unwrap().to_string();
    let blob = encrypt(&bob, &key_arn, &[("dept", "bob")]).await.unwrap();
    assert_eq!(decrypt(&bob, &blob, &[("dept", "bob")]).await, Ok(()));
    let theirs = encrypt(&bob, &key_arn, &[("dept", "sales")]).await.unwrap();
    assert_eq!(
        decrypt(&bob, &theirs, &[("dept", "sales")]).await,
        access_denied(denied(&bob_arn, "kms:Decrypt", &key_arn, "identity"))
    );
    assert_eq!(
        encrypt(&carol, &key_arn, &[]).await.unwrap_err(),
        (
            "AccessDeniedException".to_string(),
            denied(&carol_arn, "kms:Encrypt", &key_arn, "identity")
        )
    );
    // Another account is not in the default policy, whatever its own policies say.
    assert_eq!(
        encrypt(&dave, &key_arn, &[]).await.unwrap_err().1,
        denied(&dave_arn, "kms:Encrypt", &key_arn, "resource")
    );
    // Actions without a key are for identity policies alone.
    let err = carol.create_key().send().await.unwrap_err();
    assert_eq!(
        error_of(&err).1,
        denied(&carol_arn, "kms:CreateKey", "*", "identity")
    );
    let err = bob.list_keys().send().await.unwrap_err();
    assert_eq!(
        error_of(&err).1,
        denied(&bob_arn, "kms:ListKeys", "*", "identity")
    );

    // A custom key policy: carol by name, the other account for Encrypt/Decrypt, and a Deny.
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "Carol", "Effect": "Allow", "Principal": {"AWS": carol_arn}, "Action": "kms:Encrypt", "Resource": "*"},
        {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": other}, "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"},
        {"Sid": "NoDecryptForBob", "Effect": "Deny", "Principal": {"AWS": bob_arn}, "Action": "kms:Decrypt", "Resource": "*"}]});
    root.put_key_policy()
        .key_id(&key_arn)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    // Named in the key policy: allowed without any identity policy, but only for that action.
    let carols = encrypt(&carol, &key_arn, &[]).await.unwrap();
    assert_eq!(
        decrypt(&carol, &carols, &[]).await,
        access_denied(denied(&carol_arn, "kms:Decrypt", &key_arn, "identity"))
    );
    // An explicit deny in the key policy beats bob's identity policy.
    assert_eq!(
        decrypt(&bob, &blob, &[("dept", "bob")]).await,
        access_denied(denied(&bob_arn, "kms:Decrypt", &key_arn, "deny-resource"))
    );
    // Cross-account: the key policy names the account and dave's own policy allows.
    let daves = encrypt(&dave, &key_arn, &[("classified", "no")])
        .await
        .unwrap();
    assert_eq!(
        decrypt(&dave, &daves, &[("classified", "no")]).await,
        Ok(())
    );
    let secret = encrypt(&dave, &key_arn, &[("classified", "yes")])
        .await
        .unwrap();
    assert_eq!(
        decrypt(&dave, &secret, &[("classified", "yes")]).await,
        access_denied(denied(&dave_arn, "kms:Decrypt", &key_arn, "deny-identity"))
    );

    // The lockout check, and principals that do not exist.
    let carol_only = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": carol_arn},
        "Action": "kms:*", "Resource": "*"}]})
    .to_string();
    let err = root
        .put_key_policy()
        .key_id(&key_arn)
        .policy(&carol_only)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "MalformedPolicyDocumentException".to_string(),
            "The new key policy will not allow you to update the key policy in the future."
                .to_string()
        )
    );
    let ghost = json!({"Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:user/ghost")}, "Action": "kms:*", "Resource": "*"}]});
    let err = root
        .create_key()
        .policy(ghost.to_string())
        .bypass_policy_lockout_safety_check(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err).1,
        "Policy contains a statement with one or more invalid principals."
    );
    let handed_over = root
        .create_key()
        .policy(&carol_only)
        .bypass_policy_lockout_safety_check(true)
        .send()
        .await
        .unwrap();
    let handed_over = handed_over
        .key_metadata()
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    let err = root
        .describe_key()
        .key_id(&handed_over)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err).1,
        denied(
            &format!("arn:aws:iam::{ACCOUNT}:user/admin"),
            "kms:DescribeKey",
            &handed_over,
            "resource"
        )
    );
    carol
        .describe_key()
        .key_id(&handed_over)
        .send()
        .await
        .unwrap();

    // A grant allows what the policies leave undecided, within its constraints.
    let granted = root.create_key().send().await.unwrap();
    let granted = granted.key_metadata().unwrap().arn().unwrap().to_string();
    let blob = root
        .encrypt()
        .key_id(&granted)
        .plaintext(Blob::new(b"for carol".to_vec()))
        .encryption_context("project", "x")
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .as_ref()
        .to_vec();
    assert_eq!(
        decrypt(&carol, &blob, &[("project", "x")]).await,
        access_denied(denied(&carol_arn, "kms:Decrypt", &granted, "identity"))
    );
    root.create_grant()
        .key_id(&granted)
        .grantee_principal(&carol_arn)
        .operations(GrantOperation::Decrypt)
        .constraints(
            aws_sdk_kms::types::GrantConstraints::builder()
                .encryption_context_subset("project", "x")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(decrypt(&carol, &blob, &[("project", "x")]).await, Ok(()));
    let other_project = root
        .encrypt()
        .key_id(&granted)
        .plaintext(Blob::new(b"not for carol".to_vec()))
        .encryption_context("project", "y")
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .as_ref()
        .to_vec();
    assert!(
        decrypt(&carol, &other_project, &[("project", "y")])
            .await
            .is_err()
    );

    // `trent policy simulate` explains the decisions.
    let simulate = |principal: &str, action: &str, key: &str, context: &[&str]| {
        let mut args = vec![
            "policy",
            "simulate",
            "--endpoint",
            &server.endpoint,
            "--principal",
            principal,
            "--action",
            action,
            "--key-id",
            key,
        ];
        for pair in context {
            args.extend_from_slice(&["--encryption-context", pair]);
        }
        run(&args)
    };
    let answer = simulate(&bob_arn, "kms:Decrypt", &key_arn, &["dept=bob"]);
    assert_eq!(answer["Decision"], "denied");
    assert_eq!(answer["Reason"], "ExplicitDenyInKeyPolicy");
    assert_eq!(
        answer["DecidingStatements"],
        json!(["key policy statement 3 (Sid \"NoDecryptForBob\")"])
    );
    assert_eq!(
        answer["DenialMessage"],
        denied(&bob_arn, "kms:Decrypt", &key_arn, "deny-resource")
    );
    let answer = simulate(&dave_arn, "kms:Decrypt", &key_arn, &["classified=no"]);
    assert_eq!(answer["Decision"], "allowed");
    assert_eq!(
        answer["DecidingStatements"],
        json!([
            "key policy statement 2 (Sid \"Partner\")",
            "identity policy \"inline\" statement 0"
        ])
    );
    let answer = simulate(&carol_arn, "kms:Decrypt", &granted, &["project=x"]);
    assert_eq!(answer["Reason"], "AllowedByGrant");
}

#[tokio::test(flavor = "multi_thread")]
async fn role_sessions_act_with_their_role_policies() {
    let server = Server::dev();
    let root = dev_client(&server).await;
    let (alice_arn, _) = user(
        &server,
        ACCOUNT,
        "alice",
        Some(json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]})),
    )
    .await;
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": alice_arn}, "Action": "sts:AssumeRole"}]});
    let role = admin(
        &server,
        &[
            "create-role",
            "--account",
            ACCOUNT,
            "--name",
            "reader",
            "--assume-role-policy-document",
            &trust.to_string(),
        ],
    );
    let role_arn = role["Arn"].as_str().unwrap().to_string();
    // Sessions may encrypt only with keys tagged for their team (ABAC with aws:ResourceTag and
    // aws:PrincipalTag).
    admin(
        &server,
        &[
            "tag-role",
            "--role",
            &role_arn,
            "--tags",
            "Key=team,Value=blue",
        ],
    );
    admin(
        &server,
        &[
            "put-role-policy",
            "--role",
            &role_arn,
            "--policy-name",
            "team-keys",
            "--policy-document",
            &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Encrypt",
                "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}}]})
            .to_string(),
        ],
    );
    let blue = root
        .create_key()
        .tags(
            aws_sdk_kms::types::Tag::builder()
                .tag_key("team")
                .tag_value("blue")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let blue = blue.key_metadata().unwrap().arn().unwrap().to_string();
    let red = root.create_key().send().await.unwrap();
    let red = red.key_metadata().unwrap().arn().unwrap().to_string();

    // Alice assumes the role through STS.
    let alice_key = admin(&server, &["create-access-key", "--user", &alice_arn]);
    let alice_credentials = aws_credential_types::Credentials::new(
        alice_key["AccessKeyId"].as_str().unwrap(),
        alice_key["SecretAccessKey"].as_str().unwrap(),
        None,
        None,
        "trent-test",
    );
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::new()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new(REGION))
            .endpoint_url(&server.endpoint)
            .credentials_provider(alice_credentials)
            .build(),
    );
    let session = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("s1")
        .send()
        .await
        .unwrap();
    let credentials = session.credentials().unwrap();
    let session_credentials = aws_credential_types::Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_string()),
        None,
        "trent-test",
    );
    let reader = aws_sdk_kms::Client::from_conf(
        aws_sdk_kms::config::Builder::new()
            .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
            .region(aws_sdk_kms::config::Region::new(REGION))
            .endpoint_url(&server.endpoint)
            .credentials_provider(session_credentials)
            .build(),
    );
    let session_arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/reader/s1");
    encrypt(&reader, &blue, &[]).await.unwrap();
    assert_eq!(
        encrypt(&reader, &red, &[]).await.unwrap_err().1,
        denied(&session_arn, "kms:Encrypt", &red, "identity")
    );

    // A trust policy that does not name the caller refuses AssumeRole.
    let (_, _) = user(&server, ACCOUNT, "mallory", None).await;
    let answer = run(&[
        "policy",
        "simulate",
        "--endpoint",
        &server.endpoint,
        "--principal",
        &role_arn,
        "--action",
        "kms:Encrypt",
        "--key-id",
        &red,
    ]);
    assert_eq!(answer["Reason"], "NoIdentityPolicyAllows");
}
