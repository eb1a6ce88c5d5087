//! Grants through the official SDK: lifecycle, listing, retiring, revoking, and enforcement
//! across accounts with encryption-context constraints.

mod common;

use std::collections::HashMap;

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{GrantConstraints, GrantOperation};
use common::{Server, dev_client, error_of, kms_client, new_dev_identity};

#[tokio::test(flavor = "multi_thread")]
async fn grants_let_another_account_use_a_key_within_their_constraints() {
    let server = Server::dev();
    let owner = dev_client(&server).await;
    let (_, bob_arn, bob_id, bob_secret) = new_dev_identity(&server, "bob");
    let bob = kms_client(&server.endpoint, &bob_id, &bob_secret).await;

    let key_arn = owner
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    let encrypt = |client: &aws_sdk_kms::Client, tenant: &str| {
        client
            .encrypt()
            .key_id(&key_arn)
            .plaintext(Blob::new(b"shared".to_vec()))
            .encryption_context("tenant", tenant)
            .send()
    };
    // Before any grant, Bob's account has no access.
    let err = encrypt(&bob, "a").await.unwrap_err();
    assert_eq!(error_of(&err).0, "AccessDeniedException");

    let created = owner
        .create_grant()
        .key_id(&key_arn)
        .grantee_principal(&bob_arn)
        .retiring_principal(&bob_arn)
        .operations(GrantOperation::Encrypt)
        .operations(GrantOperation::Decrypt)
        .constraints(
            GrantConstraints::builder()
                .encryption_context_subset("tenant", "a")
                .build(),
        )
        .name("bob-tenant-a")
        .send()
        .await
        .unwrap();
    let grant_id = created.grant_id().unwrap().to_string();
    assert_eq!(grant_id.len(), 64);
    assert!(created.grant_token().is_some());

    // Same name and parameters: the same grant, a fresh token.
    let again = owner
        .create_grant()
        .key_id(&key_arn)
        .grantee_principal(&bob_arn)
        .retiring_principal(&bob_arn)
        .operations(GrantOperation::Decrypt)
        .operations(GrantOperation::Encrypt)
        .constraints(
            GrantConstraints::builder()
                .encryption_context_subset("tenant", "a")
                .build(),
        )
        .name("bob-tenant-a")
        .send()
        .await
        .unwrap();
    assert_eq!(again.grant_id(), Some(grant_id.as_str()));
    assert_ne!(again.grant_token(), created.grant_token());

    // The grant works at once, only within its constraint and operations.
    let sealed = encrypt(&bob, "a").await.expect("granted encrypt");
    let err = encrypt(&bob, "b").await.unwrap_err();
    assert_eq!(error_of(&err).0, "AccessDeniedException");
    let opened = bob
        .decrypt()
        .ciphertext_blob(sealed.ciphertext_blob().unwrap().clone())
        .encryption_context("tenant", "a")
        .key_id(&key_arn)
        .send()
        .await
        .expect("granted decrypt");
    assert_eq!(opened.plaintext().unwrap().as_ref(), b"shared");
    let err = bob
        .generate_data_key()
        .key_id(&key_arn)
        .number_of_bytes(32)
        .encryption_context("tenant", "a")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "AccessDeniedException");

    // Listing.
    let listed = owner.list_grants().key_id(&key_arn).send().await.unwrap();
    let entry = &listed.grants()[0];
    assert_eq!(listed.grants().len(), 1);
    assert_eq!(entry.grant_id(), Some(grant_id.as_str()));
    assert_eq!(entry.key_id(), Some(key_arn.as_str()));
    assert_eq!(entry.name(), Some("bob-tenant-a"));
    assert_eq!(entry.grantee_principal(), Some(bob_arn.as_str()));
    assert_eq!(
        entry.issuing_account(),
        Some(format!("arn:aws:iam::{}:root", common::ACCOUNT).as_str())
    );
    assert_eq!(
        entry
            .constraints()
            .and_then(|c| c.encryption_context_subset())
            .cloned(),
        Some(HashMap::from([("tenant".to_string(), "a".to_string())]))
    );
    let retirable = bob
        .list_retirable_grants()
        .retiring_principal(&bob_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(retirable.grants().len(), 1);

    // The retiring principal retires it with the token; access ends at once.
    bob.retire_grant()
        .grant_token(created.grant_token().unwrap())
        .send()
        .await
        .unwrap();
    let err = encrypt(&bob, "a").await.unwrap_err();
    assert_eq!(error_of(&err).0, "AccessDeniedException");
    assert!(
        owner
            .list_grants()
            .key_id(&key_arn)
            .send()
            .await
            .unwrap()
            .grants()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn grant_errors() {
    let server = Server::dev();
    let client = dev_client(&server).await;
    let key_id = client
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    let grantee = "arn:aws:iam::000000000000:user/someone";

    // Operations the key cannot do.
    let err = client
        .create_grant()
        .key_id(&key_id)
        .grantee_principal(grantee)
        .operations(GrantOperation::Sign)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "ValidationException");

    // DryRun.
    let err = client
        .create_grant()
        .key_id(&key_id)
        .grantee_principal(grantee)
        .operations(GrantOperation::Encrypt)
        .dry_run(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "DryRunOperationException");

    // Revoking an unknown or malformed grant id.
    let err = client
        .revoke_grant()
        .key_id(&key_id)
        .grant_id("0".repeat(64))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "NotFoundException");
    let err = client
        .revoke_grant()
        .key_id(&key_id)
        .grant_id("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "InvalidGrantIdException");
    let err = client
        .retire_grant()
        .grant_token("not-a-token")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "InvalidGrantTokenException");

    // A disabled key takes no new grants; revoke works by id.
    let grant_id = client
        .create_grant()
        .key_id(&key_id)
        .grantee_principal(grantee)
        .operations(GrantOperation::Encrypt)
        .send()
        .await
        .unwrap()
        .grant_id()
        .unwrap()
        .to_string();
    client.disable_key().key_id(&key_id).send().await.unwrap();
    let err = client
        .create_grant()
        .key_id(&key_id)
        .grantee_principal(grantee)
        .operations(GrantOperation::Encrypt)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "DisabledException");
    client
        .revoke_grant()
        .key_id(&key_id)
        .grant_id(&grant_id)
        .send()
        .await
        .unwrap();
}
