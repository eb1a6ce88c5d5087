//! `trent serve` on a data directory: first start, identities, durability across restarts and
//! crashes, and what is (never) written to disk.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use aws_sdk_kms::primitives::Blob;
use common::{Server, error_of, kms_client, read_credentials, trent};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every byte of every file in `dir` (the database, its WAL, everything).
/// Every byte Trent keeps in `dir`, except the `credentials` file it writes on purpose for the
/// operator (the one place the first administrator's secret is meant to be readable).
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() && path.file_name().is_some_and(|name| name != "credentials") {
            out.extend(std::fs::read(path).unwrap());
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread")]
async fn first_start_creates_private_files_and_working_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_data_dir(dir.path());
    assert_eq!(mode(&dir.path().join("root.key")), 0o600);
    assert_eq!(mode(&dir.path().join("credentials")), 0o600);
    let (id, secret) = read_credentials(dir.path());
    assert!(id.starts_with("AKIA") && id.len() == 20, "{id}");
    let client = kms_client(&server.endpoint, &id, &secret).await;
    client
        .list_keys()
        .send()
        .await
        .expect("the printed credentials work");

    // The trent client finds the same file through AWS_SHARED_CREDENTIALS_FILE.
    let credentials = dir.path().join("credentials");
    let env = [("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap())];
    let (ok, out, err) = trent(
        &["admin", "--endpoint", &server.endpoint, "create-account"],
        &env,
    );
    assert!(ok, "{err}");
    let account: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(account["AccountId"].as_str().unwrap().len(), 12);
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_commands_create_identities_that_cannot_cross_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_data_dir(dir.path());
    let credentials = dir.path().join("credentials");
    let env = [("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap())];
    let admin = |args: &[&str]| -> serde_json::Value {
        let mut full = vec!["admin", "--endpoint", &server.endpoint];
        full.extend_from_slice(args);
        let (ok, out, err) = trent(&full, &env);
        assert!(ok, "trent {args:?}: {err}");
        serde_json::from_str(&out).unwrap()
    };
    let mut users = Vec::new();
    for name in ["alice", "bob"] {
        let account = admin(&["create-account"])["AccountId"]
            .as_str()
            .unwrap()
            .to_string();
        let user = admin(&["create-user", "--account", &account, "--name", name]);
        assert_eq!(user["Arn"], format!("arn:aws:iam::{account}:user/{name}"));
        admin(&[
            "put-user-policy",
            "--user",
            user["Arn"].as_str().unwrap(),
            "--policy-name",
            "kms-full",
            "--policy-document",
            common::KMS_FULL_ACCESS,
        ]);
        let key = admin(&["create-access-key", "--user", user["Arn"].as_str().unwrap()]);
        assert_eq!(key["AccountId"], account.as_str());
        assert_eq!(key["Arn"], user["Arn"]);
        users.push((
            account,
            key["AccessKeyId"].as_str().unwrap().to_string(),
            key["SecretAccessKey"].as_str().unwrap().to_string(),
        ));
    }
    let alice = kms_client(&server.endpoint, &users[0].1, &users[0].2).await;
    let bob = kms_client(&server.endpoint, &users[1].1, &users[1].2).await;
    let key = alice.create_key().send().await.unwrap();
    let arn = key.key_metadata().unwrap().arn().unwrap().to_string();
    assert!(arn.contains(&users[0].0));
    let err = bob
        .encrypt()
        .key_id(&arn)
        .plaintext(Blob::new(b"x".to_vec()))
        .send()
        .await
        .unwrap_err();
    let (code, message) = error_of(&err);
    assert_eq!(code, "AccessDeniedException");
    assert_eq!(
        message,
        format!(
            "User: arn:aws:iam::{}:user/bob is not authorized to perform: kms:Encrypt on resource: {arn} because no resource-based policy allows the kms:Encrypt action",
            users[1].0
        )
    );
    // Bob's own listing does not show Alice's key, and a bare id of hers does not resolve for him.
    assert!(bob.list_keys().send().await.unwrap().keys().is_empty());
    let key_id = key.key_metadata().unwrap().key_id();
    assert_eq!(
        error_of(&bob.describe_key().key_id(key_id).send().await.unwrap_err()).0,
        "NotFoundException"
    );

    // A user who is not an administrator cannot use the admin API.
    let env_bob = [
        ("AWS_ACCESS_KEY_ID", users[1].1.as_str()),
        ("AWS_SECRET_ACCESS_KEY", users[1].2.as_str()),
    ];
    let (ok, _, err) = trent(
        &["admin", "--endpoint", &server.endpoint, "create-account"],
        &env_bob,
    );
    assert!(!ok);
    assert!(err.contains("AccessDeniedException"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_keys_survive_sigkill_and_nothing_secret_reaches_disk() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_data_dir(dir.path());
    let (id, secret) = read_credentials(dir.path());
    let client = kms_client(&server.endpoint, &id, &secret).await;

    // Writers run concurrently while the server is killed; every acknowledged write must survive.
    let plaintext = b"canary-plaintext-5e1f0c9a";
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for _ in 0..200 {
                let Ok(created) = client.create_key().send().await else {
                    break;
                };
                let key_id = created.key_metadata().unwrap().key_id().to_string();
                let Ok(encrypted) = client
                    .encrypt()
                    .key_id(&key_id)
                    .plaintext(Blob::new(plaintext.to_vec()))
                    .send()
                    .await
                else {
                    acknowledged.push((key_id, None));
                    break;
                };
                acknowledged.push((key_id, Some(encrypted.ciphertext_blob().unwrap().clone())));
            }
            acknowledged
        }));
    }
    let data_key = client
        .generate_data_key()
        .key_id(
            client
                .create_key()
                .send()
                .await
                .unwrap()
                .key_metadata()
                .unwrap()
                .key_id(),
        )
        .number_of_bytes(32)
        .send()
        .await
        .unwrap();
    let data_key_plaintext = data_key.plaintext().unwrap().as_ref().to_vec();
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    server.kill();
    let mut acknowledged = Vec::new();
    for task in tasks {
        acknowledged.extend(task.await.unwrap());
    }
    assert!(!acknowledged.is_empty());

    let bytes = all_bytes(dir.path());
    assert!(
        !contains(&bytes, plaintext),
        "a plaintext reached the data directory"
    );
    assert!(
        !contains(&bytes, &data_key_plaintext),
        "a data key reached the data directory"
    );
    assert!(
        !contains(&bytes, secret.as_bytes()),
        "the secret access key is stored in the clear"
    );

    let server = Server::with_data_dir(dir.path());
    let client = kms_client(&server.endpoint, &id, &secret).await;
    for (key_id, ciphertext) in &acknowledged {
        client
            .describe_key()
            .key_id(key_id)
            .send()
            .await
            .expect("acknowledged key survived");
        if let Some(ciphertext) = ciphertext {
            let opened = client
                .decrypt()
                .ciphertext_blob(ciphertext.clone())
                .send()
                .await
                .expect("decrypts after restart");
            assert_eq!(opened.plaintext().unwrap().as_ref(), plaintext);
        }
    }
    let opened = client
        .decrypt()
        .ciphertext_blob(data_key.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        opened.plaintext().unwrap().as_ref(),
        data_key_plaintext.as_slice()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_under_load_answers_what_it_accepted_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_data_dir(dir.path());
    let (id, secret) = read_credentials(dir.path());
    let client = kms_client(&server.endpoint, &id, &secret).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut created = Vec::new();
            loop {
                match client.create_key().send().await {
                    Ok(output) => created.push(output.key_metadata().unwrap().key_id().to_string()),
                    // Once the listener is closed, new requests cannot connect: that is the end.
                    // A request the server accepted must never come back as a service error.
                    Err(err) => {
                        assert!(err.as_service_error().is_none(), "{err:?}");
                        return created;
                    }
                }
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let status = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    let mut created = Vec::new();
    for task in tasks {
        created.extend(task.await.unwrap());
    }
    assert!(!created.is_empty());

    let server = Server::with_data_dir(dir.path());
    let client = kms_client(&server.endpoint, &id, &secret).await;
    for key_id in &created {
        client
            .describe_key()
            .key_id(key_id)
            .send()
            .await
            .expect("every key acknowledged before SIGTERM exists after restart");
    }
}

#[test]
fn plain_http_on_a_public_address_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = trent(
        &[
            "serve",
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--listen",
            "0.0.0.0:0",
        ],
        &[],
    );
    assert!(!ok);
    assert!(err.contains("refusing to serve plain HTTP"), "{err}");
}

#[test]
fn a_group_readable_root_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Server::with_data_dir(dir.path()));
    std::fs::set_permissions(
        dir.path().join("root.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let (ok, _, err) = trent(
        &[
            "serve",
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
        &[],
    );
    assert!(!ok);
    assert!(err.contains("root key"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_never_contain_plaintexts_keys_or_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("trent.log");
    let data = dir.path().join("data");
    let server = Server::start_logging(
        &[
            "serve",
            "--data-dir",
            data.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
        ],
        Some(("TRENT_LOG", "debug")),
        Some(&log),
    );
    let (id, secret) = read_credentials(&data);
    let client = kms_client(&server.endpoint, &id, &secret).await;
    let key_id = client
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    let canary = b"canary-plaintext-in-logs-7d3e";
    let blob = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(Blob::new(canary.to_vec()))
        .send()
        .await
        .unwrap();
    client
        .decrypt()
        .ciphertext_blob(blob.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    let data_key = client
        .generate_data_key()
        .key_id(&key_id)
        .number_of_bytes(32)
        .send()
        .await
        .unwrap();
    let _ = client
        .decrypt()
        .ciphertext_blob(Blob::new(vec![1; 100]))
        .send()
        .await;
    let env = [
        ("AWS_ACCESS_KEY_ID", id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
    ];
    let (ok, out, _) = trent(
        &["admin", "--endpoint", &server.endpoint, "create-account"],
        &env,
    );
    assert!(ok);
    let account: serde_json::Value = serde_json::from_str(&out).unwrap();
    let account = account["AccountId"].as_str().unwrap();
    let (ok, out, _) = trent(
        &[
            "admin",
            "--endpoint",
            &server.endpoint,
            "create-user",
            "--account",
            account,
            "--name",
            "carol",
        ],
        &env,
    );
    assert!(ok);
    let user: serde_json::Value = serde_json::from_str(&out).unwrap();
    let (ok, out, _) = trent(
        &[
            "admin",
            "--endpoint",
            &server.endpoint,
            "create-access-key",
            "--user",
            user["Arn"].as_str().unwrap(),
        ],
        &env,
    );
    assert!(ok);
    let new_key: serde_json::Value = serde_json::from_str(&out).unwrap();
    server.terminate();

    let logs = std::fs::read(&log).unwrap();
    assert!(!logs.is_empty(), "the server logged nothing at debug level");
    let data_key = data_key.plaintext().unwrap().as_ref().to_vec();
    for (what, needle) in [
        ("plaintext", canary.to_vec()),
        ("data key", data_key.clone()),
        ("data key (hex)", hex::encode(&data_key).into_bytes()),
        (
            "data key (base64)",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &data_key)
                .into_bytes(),
        ),
        (
            "plaintext (base64)",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, canary).into_bytes(),
        ),
        ("administrator secret", secret.as_bytes().to_vec()),
        (
            "new secret",
            new_key["SecretAccessKey"]
                .as_str()
                .unwrap()
                .as_bytes()
                .to_vec(),
        ),
    ] {
        assert!(!contains(&logs, &needle), "the logs contain the {what}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn key_last_usage_is_saved_at_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_data_dir(dir.path());
    let (id, secret) = read_credentials(dir.path());
    let client = kms_client(&server.endpoint, &id, &secret).await;
    let key_id = client
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    client
        .generate_data_key()
        .key_id(&key_id)
        .number_of_bytes(16)
        .send()
        .await
        .unwrap();
    let status = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .unwrap();
    assert!(status.success());

    let server = Server::with_data_dir(dir.path());
    let client = kms_client(&server.endpoint, &id, &secret).await;
    let usage = client
        .get_key_last_usage()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        usage
            .key_last_usage()
            .and_then(|u| u.operation())
            .map(|o| o.as_str()),
        Some("GenerateDataKey")
    );
}
