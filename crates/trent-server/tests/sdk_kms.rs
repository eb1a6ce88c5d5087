//! The symmetric lifecycle through the official `aws-sdk-kms` client against a real server.

mod common;

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeySpec, KeyState, Tag};
use common::{ACCOUNT, REGION, Server, dev_client, error_of};

fn arn_of(key_id: &str) -> String {
    format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}")
}

async fn new_key(client: &aws_sdk_kms::Client) -> String {
    let created = client
        .create_key()
        .description("test key")
        .send()
        .await
        .expect("create key");
    created
        .key_metadata()
        .expect("metadata")
        .key_id()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn create_describe_list_and_metadata_shape() {
    let server = Server::dev();
    let client = dev_client(&server).await;
    let created = client
        .create_key()
        .description("first")
        .tags(
            Tag::builder()
                .tag_key("team")
                .tag_value("crypto")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let meta = created.key_metadata().unwrap();
    let key_id = meta.key_id().to_string();
    assert_eq!(meta.arn(), Some(arn_of(&key_id).as_str()));
    assert_eq!(meta.aws_account_id(), Some(ACCOUNT));
    assert_eq!(meta.key_state(), Some(&KeyState::Enabled));
    assert!(meta.enabled());
    assert_eq!(meta.description(), Some("first"));
    assert_eq!(
        meta.key_spec().map(|s| s.as_str()),
        Some("SYMMETRIC_DEFAULT")
    );
    assert_eq!(
        meta.key_usage().map(|s| s.as_str()),
        Some("ENCRYPT_DECRYPT")
    );
    assert_eq!(meta.origin().map(|s| s.as_str()), Some("AWS_KMS"));
    assert_eq!(meta.key_manager().map(|s| s.as_str()), Some("CUSTOMER"));
    assert_eq!(meta.multi_region(), Some(false));
    assert_eq!(meta.current_key_material_id().map(str::len), Some(64));
    assert_eq!(meta.encryption_algorithms().len(), 1);

    for form in [key_id.clone(), arn_of(&key_id)] {
        let described = client.describe_key().key_id(form).send().await.unwrap();
        assert_eq!(described.key_metadata().unwrap().key_id(), key_id);
    }

    for _ in 0..4 {
        new_key(&client).await;
    }
    let mut seen = Vec::new();
    let mut marker = None;
    loop {
        let page = client
            .list_keys()
            .limit(2)
            .set_marker(marker)
            .send()
            .await
            .unwrap();
        for key in page.keys() {
            assert_eq!(key.key_arn(), Some(arn_of(key.key_id().unwrap()).as_str()));
            seen.push(key.key_id().unwrap().to_string());
        }
        if !page.truncated() {
            break;
        }
        marker = page.next_marker().map(str::to_string);
    }
    assert_eq!(seen.len(), 5);
    assert!(seen.contains(&key_id));
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_and_missing_keys_get_aws_errors() {
    let server = Server::dev();
    let client = dev_client(&server).await;
    let err = client
        .describe_key()
        .key_id("fake-key-id")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "NotFoundException".into(),
            "Invalid keyId 'fake-key-id'".into()
        )
    );
    let absent = "11111111-2222-3333-4444-555555555555";
    let err = client
        .describe_key()
        .key_id(absent)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "NotFoundException".into(),
            format!("Key '{}' does not exist", arn_of(absent))
        )
    );
    let other_region = format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/{absent}");
    let err = client
        .describe_key()
        .key_id(other_region)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        ("NotFoundException".into(), "Invalid arn eu-west-1".into())
    );
    let err = client
        .describe_key()
        .key_id("alias/nothing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "NotFoundException".into(),
            format!("Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/nothing is not found.")
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn encrypt_decrypt_with_context() {
    let server = Server::dev();
    let client = dev_client(&server).await;
    let key_id = new_key(&client).await;
    let encrypted = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(Blob::new(b"attack at dawn".to_vec()))
        .encryption_context("purpose", "test")
        .encryption_context("tenant", "a")
        .send()
        .await
        .unwrap();
    assert_eq!(encrypted.key_id(), Some(arn_of(&key_id).as_str()));
    assert_eq!(
        encrypted.encryption_algorithm().map(|a| a.as_str()),
        Some("SYMMETRIC_DEFAULT")
    );
    let blob = encrypted.ciphertext_blob().unwrap().clone();

    let decrypted = client
        .decrypt()
        .ciphertext_blob(blob.clone())
        .encryption_context("tenant", "a")
        .encryption_context("purpose", "test")
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext().unwrap().as_ref(), b"attack at dawn");
    assert_eq!(decrypted.key_id(), Some(arn_of(&key_id).as_str()));
    assert_eq!(decrypted.key_material_id().map(str::len), Some(64));

    for context in [
        vec![("purpose", "test")],
        vec![("purpose", "test"), ("tenant", "A")],
        vec![],
    ] {
        let mut request = client.decrypt().ciphertext_blob(blob.clone());
        for (k, v) in context {
            request = request.encryption_context(k, v);
        }
        let err = request.send().await.unwrap_err();
        assert_eq!(
            error_of(&err),
            ("InvalidCiphertextException".into(), String::new())
        );
    }

    let mut tampered = blob.clone().into_inner();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let err = client
        .decrypt()
        .ciphertext_blob(Blob::new(tampered))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "InvalidCiphertextException");

    let other = new_key(&client).await;
    let err = client
        .decrypt()
        .key_id(&other)
        .ciphertext_blob(blob.clone())
        .encryption_context("purpose", "test")
        .encryption_context("tenant", "a")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "IncorrectKeyException".into(),
            "The key ID in the request does not identify a CMK that can perform this operation."
                .into()
        )
    );

    client
        .create_alias()
        .alias_name("alias/app")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    let by_alias = client
        .encrypt()
        .key_id("alias/app")
        .plaintext(Blob::new(b"x".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(by_alias.key_id(), Some(arn_of(&key_id).as_str()));

    let err = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(Blob::new(vec![0; 4097]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "ValidationException".into(),
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096".into()
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn data_keys_reencrypt_and_random() {
    let server = Server::dev();
    let client = dev_client(&server).await;
    let key_id = new_key(&client).await;

    let data_key = client
        .generate_data_key()
        .key_id(&key_id)
        .key_spec(DataKeySpec::Aes256)
        .send()
        .await
        .unwrap();
    let plaintext = data_key.plaintext().unwrap().as_ref().to_vec();
    assert_eq!(plaintext.len(), 32);
    let decrypted = client
        .decrypt()
        .ciphertext_blob(data_key.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        decrypted.plaintext().unwrap().as_ref(),
        plaintext.as_slice()
    );

    let bytes = client
        .generate_data_key()
        .key_id(&key_id)
        .number_of_bytes(24)
        .send()
        .await
        .unwrap();
    assert_eq!(bytes.plaintext().unwrap().as_ref().len(), 24);

    let err = client
        .generate_data_key()
        .key_id(&key_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "ValidationException".into(),
            "Please specify either number of bytes or key spec.".into()
        )
    );

    let without = client
        .generate_data_key_without_plaintext()
        .key_id(&key_id)
        .key_spec(DataKeySpec::Aes128)
        .encryption_context("k", "v")
        .send()
        .await
        .unwrap();
    let opened = client
        .decrypt()
        .ciphertext_blob(without.ciphertext_blob().unwrap().clone())
        .encryption_context("k", "v")
        .send()
        .await
        .unwrap();
    assert_eq!(opened.plaintext().unwrap().as_ref().len(), 16);

    let destination = new_key(&client).await;
    let reencrypted = client
        .re_encrypt()
        .ciphertext_blob(without.ciphertext_blob().unwrap().clone())
        .source_encryption_context("k", "v")
        .destination_key_id(&destination)
        .destination_encryption_context("k2", "v2")
        .send()
        .await
        .unwrap();
    assert_eq!(reencrypted.source_key_id(), Some(arn_of(&key_id).as_str()));
    assert_eq!(reencrypted.key_id(), Some(arn_of(&destination).as_str()));
    let reopened = client
        .decrypt()
        .ciphertext_blob(reencrypted.ciphertext_blob().unwrap().clone())
        .encryption_context("k2", "v2")
        .send()
        .await
        .unwrap();
    assert_eq!(
        reopened.plaintext().unwrap().as_ref(),
        opened.plaintext().unwrap().as_ref()
    );
    assert_eq!(reopened.key_id(), Some(arn_of(&destination).as_str()));

    let random = client
        .generate_random()
        .number_of_bytes(64)
        .send()
        .await
        .unwrap();
    assert_eq!(random.plaintext().unwrap().as_ref().len(), 64);
    let err = client.generate_random().send().await.unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "ValidationException".into(),
            "NumberOfBytes is required.".into()
        )
    );
    let err = client
        .generate_random()
        .number_of_bytes(1025)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "ValidationException".into(),
            "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024".into()
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn key_states_enable_disable_delete() {
    let server = Server::dev();
    let client = dev_client(&server).await;
    let key_id = new_key(&client).await;
    let arn = arn_of(&key_id);
    let ciphertext = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(Blob::new(b"p".to_vec()))
        .send()
        .await
        .unwrap();

    client.disable_key().key_id(&key_id).send().await.unwrap();
    let meta = client.describe_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(
        meta.key_metadata().unwrap().key_state(),
        Some(&KeyState::Disabled)
    );
    let err = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(Blob::new(b"p".to_vec()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        ("DisabledException".into(), format!("{arn} is disabled."))
    );
    let err = client
        .decrypt()
        .ciphertext_blob(ciphertext.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "DisabledException");
    client.enable_key().key_id(&key_id).send().await.unwrap();

    client
        .update_key_description()
        .key_id(&key_id)
        .description("renamed")
        .send()
        .await
        .unwrap();
    let meta = client.describe_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(meta.key_metadata().unwrap().description(), Some("renamed"));

    let err = client
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(5)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "ValidationException");
    let scheduled = client
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(scheduled.key_id(), Some(arn.as_str()));
    assert_eq!(scheduled.key_state(), Some(&KeyState::PendingDeletion));
    assert_eq!(scheduled.pending_window_in_days(), Some(7));
    assert!(scheduled.deletion_date().is_some());
    let err = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(Blob::new(b"p".to_vec()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "KMSInvalidStateException".into(),
            format!("{arn} is pending deletion.")
        )
    );
    let err = client
        .enable_key()
        .key_id(&key_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "KMSInvalidStateException".into(),
            format!("{arn} is pending deletion.")
        )
    );

    let cancelled = client
        .cancel_key_deletion()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.key_id(), Some(arn.as_str()));
    let meta = client.describe_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(
        meta.key_metadata().unwrap().key_state(),
        Some(&KeyState::Disabled)
    );
    let err = client
        .cancel_key_deletion()
        .key_id(&key_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "KMSInvalidStateException".into(),
            format!("{arn} is not pending deletion.")
        )
    );

    let dry = client
        .encrypt()
        .key_id(new_key(&client).await)
        .plaintext(Blob::new(b"p".to_vec()))
        .dry_run(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&dry),
        (
            "DryRunOperationException".into(),
            "The request would have succeeded, but the DryRun option is set.".into()
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn aliases_tags_and_policies() {
    let server = Server::dev();
    let client = dev_client(&server).await;
    let key_id = new_key(&client).await;
    let other = new_key(&client).await;

    client
        .create_alias()
        .alias_name("alias/one")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    let err = client
        .create_alias()
        .alias_name("alias/one")
        .target_key_id(&other)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "AlreadyExistsException".into(),
            format!(
                "An alias with the name arn:aws:kms:{REGION}:{ACCOUNT}:alias/one already exists"
            )
        )
    );
    let err = client
        .create_alias()
        .alias_name("noprefix")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "ValidationException");
    let err = client
        .create_alias()
        .alias_name("alias/aws/s3")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "InvalidAliasNameException");

    client
        .update_alias()
        .alias_name("alias/one")
        .target_key_id(&other)
        .send()
        .await
        .unwrap();
    let listed = client.list_aliases().key_id(&other).send().await.unwrap();
    assert_eq!(listed.aliases().len(), 1);
    assert_eq!(listed.aliases()[0].alias_name(), Some("alias/one"));
    assert_eq!(listed.aliases()[0].target_key_id(), Some(other.as_str()));
    assert_eq!(
        listed.aliases()[0].alias_arn(),
        Some(format!("arn:aws:kms:{REGION}:{ACCOUNT}:alias/one").as_str())
    );
    client
        .delete_alias()
        .alias_name("alias/one")
        .send()
        .await
        .unwrap();
    let err = client
        .delete_alias()
        .alias_name("alias/one")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "NotFoundException");

    let tag = |k: &str, v: &str| Tag::builder().tag_key(k).tag_value(v).build().unwrap();
    client
        .tag_resource()
        .key_id(&key_id)
        .tags(tag("a", "1"))
        .tags(tag("b", "2"))
        .send()
        .await
        .unwrap();
    client
        .tag_resource()
        .key_id(&key_id)
        .tags(tag("a", "3"))
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .key_id(&key_id)
        .tag_keys("b")
        .tag_keys("never-set")
        .send()
        .await
        .unwrap();
    let tags = client
        .list_resource_tags()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(
        (tags.tags()[0].tag_key(), tags.tags()[0].tag_value()),
        ("a", "3")
    );
    let err = client
        .tag_resource()
        .key_id(&key_id)
        .tags(tag("aws:x", "1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "TagException".into(),
            "Tags beginning with aws: are reserved".into()
        )
    );

    let policy = client
        .get_key_policy()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(policy.policy_name(), Some("default"));
    assert!(
        policy
            .policy()
            .unwrap()
            .contains(&format!("\"AWS\" : \"arn:aws:iam::{ACCOUNT}:root\""))
    );
    let names = client
        .list_key_policies()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["default".to_string()]);
    let custom = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"kms:*","Resource":"*"}]}"#;
    client
        .put_key_policy()
        .key_id(&key_id)
        .policy(custom)
        .send()
        .await
        .unwrap();
    let policy = client
        .get_key_policy()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(policy.policy(), Some(custom));
    let err = client
        .put_key_policy()
        .key_id(&key_id)
        .policy("{not json")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "MalformedPolicyDocumentException");
}

#[tokio::test(flavor = "multi_thread")]
async fn rotation_keeps_old_ciphertexts_decryptable() {
    let server = Server::dev();
    let client = dev_client(&server).await;
    let key_id = new_key(&client).await;
    let before = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(Blob::new(b"old".to_vec()))
        .send()
        .await
        .unwrap();
    let material_before = client
        .describe_key()
        .key_id(&key_id)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .current_key_material_id()
        .unwrap()
        .to_string();

    let status = client
        .get_key_rotation_status()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert!(!status.key_rotation_enabled());
    assert!(status.rotation_period_in_days().is_none());

    client
        .enable_key_rotation()
        .key_id(&key_id)
        .rotation_period_in_days(90)
        .send()
        .await
        .unwrap();
    let status = client
        .get_key_rotation_status()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert!(status.key_rotation_enabled());
    assert_eq!(status.rotation_period_in_days(), Some(90));
    assert!(status.next_rotation_date().is_some());
    let err = client
        .enable_key_rotation()
        .key_id(&key_id)
        .rotation_period_in_days(89)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "ValidationException");

    client
        .rotate_key_on_demand()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let material_after = client
        .describe_key()
        .key_id(&key_id)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .current_key_material_id()
        .unwrap()
        .to_string();
    assert_ne!(material_before, material_after);
    let rotations = client
        .list_key_rotations()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(rotations.rotations().len(), 1);
    assert_eq!(
        rotations.rotations()[0].rotation_type().map(|t| t.as_str()),
        Some("ON_DEMAND")
    );
    assert_eq!(
        rotations.rotations()[0].key_material_id(),
        Some(material_after.as_str())
    );

    let old = client
        .decrypt()
        .ciphertext_blob(before.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(old.plaintext().unwrap().as_ref(), b"old");
    assert_eq!(old.key_material_id(), Some(material_before.as_str()));
    let after = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(Blob::new(b"new".to_vec()))
        .send()
        .await
        .unwrap();
    let new = client
        .decrypt()
        .ciphertext_blob(after.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(new.key_material_id(), Some(material_after.as_str()));

    client
        .disable_key_rotation()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let status = client
        .get_key_rotation_status()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert!(!status.key_rotation_enabled());
}

#[tokio::test(flavor = "multi_thread")]
async fn unsupported_operations_and_parameters_say_so() {
    let server = Server::dev();
    let client = dev_client(&server).await;
    let err = client
        .create_key()
        .key_spec(aws_sdk_kms::types::KeySpec::Sm2)
        .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "UnsupportedOperationException");
    let err = client
        .create_key()
        .key_spec(aws_sdk_kms::types::KeySpec::Hmac256)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "ValidationException".into(),
            "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.".into()
        )
    );
    let stores = client.describe_custom_key_stores().send().await.unwrap();
    assert!(stores.custom_key_stores().is_empty());
    // Import on a key whose material KMS made: AWS's refusal (recorded by LocalStack's snapshot).
    let key_id = new_key(&client).await;
    let err = client
        .get_parameters_for_import()
        .key_id(&key_id)
        .wrapping_algorithm(aws_sdk_kms::types::AlgorithmSpec::RsaesOaepSha256)
        .wrapping_key_spec(aws_sdk_kms::types::WrappingKeySpec::Rsa2048)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "UnsupportedOperationException".into(),
            format!(
                "{} origin is AWS_KMS which is not valid for this operation.",
                arn_of(&key_id)
            )
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_signatures_are_refused_with_aws_errors() {
    let server = Server::dev();
    let wrong_secret = common::kms_client(&server.endpoint, "test", "not-the-secret").await;
    let err = wrong_secret.list_keys().send().await.unwrap_err();
    let (code, message) = error_of(&err);
    assert_eq!(code, "InvalidSignatureException");
    assert!(
        message.starts_with("The request signature we calculated does not match"),
        "{message}"
    );
    let unknown = common::kms_client(&server.endpoint, "AKIAUNKNOWNUNKNOWN00", "x").await;
    let err = unknown.list_keys().send().await.unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "UnrecognizedClientException".into(),
            "The security token included in the request is invalid.".into()
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn clock_moves_deletion_and_rotation_along() {
    let server = Server::dev();
    let client = dev_client(&server).await;
    let doomed = new_key(&client).await;
    let rotating = new_key(&client).await;
    client
        .create_alias()
        .alias_name("alias/doomed")
        .target_key_id(&doomed)
        .send()
        .await
        .unwrap();
    client
        .schedule_key_deletion()
        .key_id(&doomed)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    client
        .enable_key_rotation()
        .key_id(&rotating)
        .rotation_period_in_days(90)
        .send()
        .await
        .unwrap();

    let answer = common::advance_clock(&server, 91);
    assert_eq!(answer["KeysDeleted"], 1);
    assert_eq!(answer["KeysRotated"], 1);

    let err = client
        .describe_key()
        .key_id(&doomed)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "NotFoundException".into(),
            format!("Key '{}' does not exist", arn_of(&doomed))
        )
    );
    let aliases = client.list_aliases().send().await.unwrap();
    assert!(
        aliases
            .aliases()
            .iter()
            .all(|a| a.alias_name() != Some("alias/doomed"))
    );
    let rotations = client
        .list_key_rotations()
        .key_id(&rotating)
        .send()
        .await
        .unwrap();
    assert_eq!(rotations.rotations().len(), 1);
    assert_eq!(
        rotations.rotations()[0].rotation_type().map(|t| t.as_str()),
        Some("AUTOMATIC")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_endpoint_wipes_state() {
    let server = Server::dev();
    let client = dev_client(&server).await;
    new_key(&client).await;
    let (status, body) = common::raw_post(&server.endpoint, "/moto-api/reset", &[], b"");
    assert_eq!(status, 200, "{body}");
    let keys = client.list_keys().send().await.unwrap();
    assert!(keys.keys().is_empty());
    // The fixed identity survives the reset.
    new_key(&client).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn key_last_usage_follows_successful_cryptographic_calls() {
    use aws_sdk_kms::operation::RequestId;
    use aws_sdk_kms::types::KeyLastUsageTrackingOperation as Tracked;

    let server = Server::dev();
    let client = dev_client(&server).await;
    let key_id = new_key(&client).await;
    let other = new_key(&client).await;

    let fresh = client
        .get_key_last_usage()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.key_id(), Some(arn_of(&key_id).as_str()));
    assert!(fresh.key_last_usage().is_none());
    assert_eq!(fresh.tracking_start_date(), fresh.key_creation_date());

    let encrypted = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(Blob::new(b"used".to_vec()))
        .send()
        .await
        .unwrap();
    // Describing a key is not a use; a failed decryption is not a successful one.
    client.describe_key().key_id(&key_id).send().await.unwrap();
    client
        .decrypt()
        .ciphertext_blob(Blob::new(b"not a ciphertext".to_vec()))
        .send()
        .await
        .unwrap_err();
    let usage = client
        .get_key_last_usage()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let last = usage.key_last_usage().expect("used once");
    assert_eq!(last.operation(), Some(&Tracked::Encrypt));
    assert_eq!(last.kms_request_id(), encrypted.request_id());
    assert!(last.cloud_trail_event_id().is_some_and(|id| id.len() == 36));

    // ReEncrypt uses both keys.
    client
        .re_encrypt()
        .ciphertext_blob(encrypted.ciphertext_blob().unwrap().clone())
        .destination_key_id(&other)
        .send()
        .await
        .unwrap();
    for key in [&key_id, &other] {
        let usage = client
            .get_key_last_usage()
            .key_id(key)
            .send()
            .await
            .unwrap();
        assert_eq!(
            usage.key_last_usage().and_then(|u| u.operation()),
            Some(&Tracked::ReEncrypt)
        );
    }

    // Aliases are not accepted, as AWS documents.
    client
        .create_alias()
        .alias_name("alias/used")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    let err = client
        .get_key_last_usage()
        .key_id("alias/used")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "NotFoundException".into(),
            "Invalid keyId 'alias/used'".into()
        )
    );
}
