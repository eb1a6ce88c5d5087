//! AWS-managed keys: created on first use of `alias/aws/<service>`, usable only through their
//! service, and closed to the changes AWS forbids.

mod common;

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::KeyManagerType;
use common::{ACCOUNT, Server, dev_client, error_of, trent};

#[tokio::test(flavor = "multi_thread")]
async fn aws_managed_keys_work_through_their_service_only() {
    let server = Server::dev();
    let client = dev_client(&server).await;

    let described = client
        .describe_key()
        .key_id("alias/aws/s3")
        .send()
        .await
        .unwrap();
    let meta = described.key_metadata().unwrap();
    assert_eq!(meta.key_manager(), Some(&KeyManagerType::Aws));
    let key_id = meta.key_id().to_string();
    // The same key from then on.
    let again = client
        .describe_key()
        .key_id("alias/aws/s3")
        .send()
        .await
        .unwrap();
    assert_eq!(again.key_metadata().unwrap().key_id(), key_id);
    let aliases = client.list_aliases().key_id(&key_id).send().await.unwrap();
    assert_eq!(aliases.aliases()[0].alias_name(), Some("alias/aws/s3"));
    let rotation = client
        .get_key_rotation_status()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert!(rotation.key_rotation_enabled());
    assert_eq!(rotation.rotation_period_in_days(), Some(365));
    let policy = client
        .get_key_policy()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert!(
        policy
            .policy()
            .unwrap()
            .contains("s3.us-east-1.amazonaws.com")
    );

    // A service Trent does not manage keys for has no such alias.
    let err = client
        .describe_key()
        .key_id("alias/aws/nothing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "NotFoundException");

    // Direct use by a principal of the account is denied, as the key policy says.
    let encrypt = || {
        client
            .encrypt()
            .key_id("alias/aws/s3")
            .plaintext(Blob::new(b"object".to_vec()))
            .send()
    };
    let (code, message) = error_of(&encrypt().await.unwrap_err());
    assert_eq!(code, "AccessDeniedException");
    assert!(message.contains("kms:Encrypt"), "{message}");

    // Changes AWS forbids on AWS-managed keys.
    for err in [
        error_of(
            &client
                .disable_key()
                .key_id(&key_id)
                .send()
                .await
                .unwrap_err(),
        ),
        error_of(
            &client
                .schedule_key_deletion()
                .key_id(&key_id)
                .send()
                .await
                .unwrap_err(),
        ),
        error_of(
            &client
                .put_key_policy()
                .key_id(&key_id)
                .policy("{}")
                .send()
                .await
                .unwrap_err(),
        ),
        error_of(
            &client
                .tag_resource()
                .key_id(&key_id)
                .tags(
                    aws_sdk_kms::types::Tag::builder()
                        .tag_key("k")
                        .tag_value("v")
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap_err(),
        ),
    ] {
        assert_eq!(err.0, "AccessDeniedException", "{err:?}");
    }

    // The test user becomes the S3 service: now the key works for it.
    let (ok, _, err) = trent(
        &[
            "admin",
            "--endpoint",
            &server.endpoint,
            "tag-user",
            "--user",
            &format!("arn:aws:iam::{ACCOUNT}:user/admin"),
            "--tags",
            "Key=trent:ViaService,Value=s3",
        ],
        &[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ],
    );
    assert!(ok, "{err}");
    let sealed = encrypt().await.expect("through the service");
    let opened = client
        .decrypt()
        .ciphertext_blob(sealed.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(opened.plaintext().unwrap().as_ref(), b"object");
    // Still no deletion through the service.
    let err = client
        .schedule_key_deletion()
        .key_id(&key_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "AccessDeniedException");
}
