//! Roles, inline identity policies and STS: the admin commands, and AssumeRole /
//! GetCallerIdentity driven by boto3 and the AWS CLI's `role_arn` profiles.

mod common;

use std::process::Command;

use common::{ACCOUNT, KMS_FULL_ACCESS, Server, error_of, kms_client, new_dev_identity, trent};

const TEST_ENV: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", "test"),
    ("AWS_SECRET_ACCESS_KEY", "test"),
];

fn admin(server: &Server, args: &[&str]) -> serde_json::Value {
    let mut full = vec!["admin", "--endpoint", &server.endpoint];
    full.extend_from_slice(args);
    let (ok, out, err) = trent(&full, &TEST_ENV);
    assert!(ok, "trent {args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn assume_role_through_boto3_and_a_role_profile() {
    let server = Server::dev();
    let (_, bob_arn, bob_id, bob_secret) = new_dev_identity(&server, "bob");
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": bob_arn},
            "Action": "sts:AssumeRole"
        }]
    })
    .to_string();
    let role = admin(
        &server,
        &[
            "create-role",
            "--account",
            ACCOUNT,
            "--name",
            "app",
            "--assume-role-policy-document",
            &trust,
        ],
    );
    let role_arn = role["Arn"].as_str().unwrap().to_string();
    assert_eq!(role_arn, format!("arn:aws:iam::{ACCOUNT}:role/app"));
    // The role's sessions may use KMS (and nothing else) through its identity policy.
    admin(
        &server,
        &[
            "put-role-policy",
            "--role",
            &role_arn,
            "--policy-name",
            "kms-full",
            "--policy-document",
            KMS_FULL_ACCESS,
        ],
    );
    assert!(role["RoleId"].as_str().unwrap().starts_with("AROA"));
    let roles = admin(&server, &["list-roles", "--account", ACCOUNT]);
    assert_eq!(roles["Roles"][0]["RoleName"], "app");

    let script = format!("{}/tests/smoke/sts_roles.py", env!("CARGO_MANIFEST_DIR"));
    let output = Command::new("python3")
        .arg(&script)
        .env("TRENT_ENDPOINT", &server.endpoint)
        .env("BOB_ID", &bob_id)
        .env("BOB_SECRET", &bob_secret)
        .env("BOB_ARN", &bob_arn)
        .env("ROLE_ARN", &role_arn)
        .env("TRENT_BIN", env!("CARGO_BIN_EXE_trent"))
        .env_remove("AWS_PROFILE")
        .output()
        .expect("python3 with boto3 (scripts/test installs it)");
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn inline_policies_and_tags_are_managed_by_arn() {
    let server = Server::dev();
    let (_, bob_arn, bob_id, bob_secret) = new_dev_identity(&server, "bob");
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#;
    admin(
        &server,
        &[
            "put-user-policy",
            "--user",
            &bob_arn,
            "--policy-name",
            "kms-all",
            "--policy-document",
            policy,
        ],
    );
    let listed = admin(&server, &["list-entity-policies", "--arn", &bob_arn]);
    assert_eq!(listed["Policies"]["kms-all"], policy);
    admin(
        &server,
        &[
            "tag-user",
            "--user",
            &bob_arn,
            "--tags",
            "Key=team,Value=blue",
        ],
    );
    admin(
        &server,
        &[
            "delete-user-policy",
            "--user",
            &bob_arn,
            "--policy-name",
            "kms-all",
        ],
    );
    let listed = admin(&server, &["list-entity-policies", "--arn", &bob_arn]);
    assert!(listed["Policies"].get("kms-all").is_none());

    // A malformed policy is refused with the KMS error type.
    let mut args = vec!["admin", "--endpoint", &server.endpoint];
    args.extend_from_slice(&[
        "put-user-policy",
        "--user",
        &bob_arn,
        "--policy-name",
        "broken",
        "--policy-document",
        "{not json",
    ]);
    let (ok, _, err) = trent(&args, &TEST_ENV);
    assert!(!ok);
    assert!(err.contains("MalformedPolicyDocumentException"), "{err}");

    // Bob still works with his own key after his record changed.
    let bob = kms_client(&server.endpoint, &bob_id, &bob_secret).await;
    bob.list_keys().send().await.unwrap();
    let err = bob
        .describe_key()
        .key_id("alias/none")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "NotFoundException");
}
