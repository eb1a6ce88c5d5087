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

/// The retirable grants of `principal`, read page by page with `page` grants per call; the
/// grant ids in listing order.
async fn retirable_ids(client: &aws_sdk_kms::Client, principal: &str, page: i32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut marker = None;
    loop {
        let listed = client
            .list_retirable_grants()
            .retiring_principal(principal)
            .limit(page)
            .set_marker(marker)
            .send()
            .await
            .unwrap();
        assert!(listed.grants().len() <= page as usize);
        ids.extend(
            listed
                .grants()
                .iter()
                .map(|g| g.grant_id().unwrap().to_string()),
        );
        if !listed.truncated() {
            assert_eq!(listed.next_marker(), None);
            return ids;
        }
        marker = listed.next_marker().map(str::to_string);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn retirable_grants_are_listed_by_principal_across_keys_and_pages() {
    let server = Server::dev();
    let owner = dev_client(&server).await;
    let role = format!("arn:aws:iam::{}:role/app", common::ACCOUNT);
    // A principal whose name starts with the other's must not see its grants.
    let longer = format!("{role}/worker");
    let mut keys = Vec::new();
    for _ in 0..3 {
        let key = owner.create_key().send().await.unwrap();
        keys.push(key.key_metadata().unwrap().key_id().to_string());
    }
    let grant = |key: &str, retiring: &str| {
        owner
            .create_grant()
            .key_id(key)
            .grantee_principal(&role)
            .retiring_principal(retiring)
            .operations(GrantOperation::Decrypt)
            .send()
    };
    // (key, grant id) of each grant the role may retire.
    let mut for_role = Vec::new();
    for key in &keys {
        for _ in 0..2 {
            let created = grant(key, &role).await.unwrap();
            for_role.push((key.clone(), created.grant_id().unwrap().to_string()));
        }
    }
    let for_longer = grant(&keys[0], &longer).await.unwrap();
    // One without a retiring principal is in nobody's list.
    owner
        .create_grant()
        .key_id(&keys[1])
        .grantee_principal(&role)
        .operations(GrantOperation::Decrypt)
        .send()
        .await
        .unwrap();

    let listed = retirable_ids(&owner, &role, 100).await;
    assert_eq!(retirable_ids(&owner, &role, 1).await, listed);
    assert_eq!(retirable_ids(&owner, &role, 4).await, listed);
    let mut expected: Vec<String> = for_role.iter().map(|(_, id)| id.clone()).collect();
    let mut sorted = listed.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected);
    assert_eq!(
        retirable_ids(&owner, &longer, 10).await,
        vec![for_longer.grant_id().unwrap().to_string()]
    );
    let nobody = format!("arn:aws:iam::{}:role/nobody", common::ACCOUNT);
    assert!(retirable_ids(&owner, &nobody, 10).await.is_empty());

    // Retiring, revoking and deleting the key take grants off the list.
    let (retired_key, retired) = &for_role[0];
    owner
        .retire_grant()
        .key_id(retired_key)
        .grant_id(retired)
        .send()
        .await
        .unwrap();
    let (revoked_key, revoked) = &for_role[2];
    owner
        .revoke_grant()
        .key_id(revoked_key)
        .grant_id(revoked)
        .send()
        .await
        .unwrap();
    owner
        .schedule_key_deletion()
        .key_id(&keys[2])
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(common::advance_clock(&server, 8)["KeysDeleted"], 1);
    let left = retirable_ids(&owner, &role, 1).await;
    assert_eq!(left, vec![for_role[1].1.clone(), for_role[3].1.clone()]);
}

/// The retiring-principal index entries in a stopped server's store.
fn index_entries(data_dir: &std::path::Path) -> Vec<trent_store::Record> {
    use trent_store::Store;
    let store = trent_store::SqliteStore::open(&data_dir.join("trent.db")).unwrap();
    store.scan("retirable-grant").unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_retirable_grant_index_follows_grants_and_is_rebuilt_for_older_stores() {
    use trent_store::{Batch, Expect, RecordKey, SqliteStore, Store};
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_data_dir(dir.path());
    let (id, secret) = common::read_credentials(dir.path());
    let owner = kms_client(&server.endpoint, &id, &secret).await;
    let key = owner.create_key().send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_string();
    let account = key
        .key_metadata()
        .unwrap()
        .aws_account_id()
        .unwrap()
        .to_string();
    let role = format!("arn:aws:iam::{account}:role/app");
    let mut grants = Vec::new();
    for _ in 0..3 {
        let created = owner
            .create_grant()
            .key_id(&key_id)
            .grantee_principal(&role)
            .retiring_principal(&role)
            .operations(GrantOperation::Encrypt)
            .send()
            .await
            .unwrap();
        grants.push(created.grant_id().unwrap().to_string());
    }
    owner
        .retire_grant()
        .key_id(&key_id)
        .grant_id(&grants[0])
        .send()
        .await
        .unwrap();
    let mut live = grants[1..].to_vec();
    live.sort();
    assert!(server.terminate().success());
    // The retired grant's entry went with it.
    assert_eq!(index_entries(dir.path()).len(), 2);

    // A store from before the index: grants, no entries, no note that they were built.
    {
        let store = SqliteStore::open(&dir.path().join("trent.db")).unwrap();
        let mut batch = Batch::new();
        for entry in store.scan("retirable-grant").unwrap() {
            batch.delete(entry.key, Expect::Any);
        }
        batch.delete(
            RecordKey::new("layout", "", "", "retirable-grant-index"),
            Expect::Any,
        );
        store.commit(batch).unwrap();
    }
    assert!(index_entries(dir.path()).is_empty());

    let server = Server::with_data_dir(dir.path());
    let owner = kms_client(&server.endpoint, &id, &secret).await;
    let mut listed = retirable_ids(&owner, &role, 1).await;
    listed.sort();
    assert_eq!(listed, live);
    assert!(server.terminate().success());
    assert_eq!(index_entries(dir.path()).len(), 2);
}
