//! Asymmetric and HMAC keys against independent implementations: Python `cryptography`, the
//! `openssl` CLI and Python's `hmac` (tests/smoke/asymmetric_interop.py).

mod common;

use std::process::Command;

use common::Server;

#[test]
fn signatures_oaep_ecdh_and_macs_interoperate() {
    let server = Server::dev();
    let script = format!(
        "{}/tests/smoke/asymmetric_interop.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let output = Command::new("python3")
        .arg(&script)
        .env("TRENT_ENDPOINT", &server.endpoint)
        .env_remove("AWS_PROFILE")
        .output()
        .expect("python3 with boto3 and cryptography (scripts/test installs them)");
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every asymmetric and HMAC operation and its main error paths through the official Rust SDK.
#[tokio::test(flavor = "multi_thread")]
async fn every_operation_through_aws_sdk_kms() {
    use aws_sdk_kms::primitives::Blob;
    use aws_sdk_kms::types::{
        DataKeyPairSpec, EncryptionAlgorithmSpec, KeyAgreementAlgorithmSpec, KeySpec, KeyUsageType,
        MacAlgorithmSpec, MessageType, SigningAlgorithmSpec,
    };
    use common::{dev_client, error_of};

    let server = Server::dev();
    let client = dev_client(&server).await;
    let create = |spec: KeySpec, usage: KeyUsageType| {
        let client = client.clone();
        async move {
            client
                .create_key()
                .key_spec(spec)
                .key_usage(usage)
                .send()
                .await
                .unwrap()
                .key_metadata()
                .unwrap()
                .key_id()
                .to_string()
        }
    };

    // Sign / Verify, RAW and DIGEST, and their errors.
    let signing = create(KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let signature = client
        .sign()
        .key_id(&signing)
        .message(Blob::new(b"hello".to_vec()))
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    assert!(signature.key_id().unwrap().starts_with("arn:aws:kms:"));
    let verified = client
        .verify()
        .key_id(&signing)
        .message(Blob::new(b"hello".to_vec()))
        .signature(signature.signature().unwrap().clone())
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    assert!(verified.signature_valid());
    let err = client
        .verify()
        .key_id(&signing)
        .message(Blob::new(b"other".to_vec()))
        .signature(signature.signature().unwrap().clone())
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        ("KMSInvalidSignatureException".into(), String::new())
    );
    let err = client
        .sign()
        .key_id(&signing)
        .message(Blob::new(vec![0; 31]))
        .message_type(MessageType::Digest)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "ValidationException".into(),
            "Digest is invalid length for algorithm ECDSA_SHA_256.".into()
        )
    );
    let err = client
        .sign()
        .key_id(&signing)
        .message(Blob::new(b"hello".to_vec()))
        .signing_algorithm(SigningAlgorithmSpec::RsassaPssSha256)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "InvalidKeyUsageException".into(),
            "Algorithm RSASSA_PSS_SHA_256 is incompatible with key spec ECC_NIST_P256.".into()
        )
    );
    let public = client
        .get_public_key()
        .key_id(&signing)
        .send()
        .await
        .unwrap();
    assert_eq!(public.key_spec(), Some(&KeySpec::EccNistP256));
    assert_eq!(public.public_key().unwrap().as_ref()[0], 0x30);

    // RSA-OAEP.
    let rsa = create(KeySpec::Rsa2048, KeyUsageType::EncryptDecrypt).await;
    let sealed = client
        .encrypt()
        .key_id(&rsa)
        .plaintext(Blob::new(b"secret".to_vec()))
        .encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha256)
        .send()
        .await
        .unwrap();
    let opened = client
        .decrypt()
        .key_id(&rsa)
        .ciphertext_blob(sealed.ciphertext_blob().unwrap().clone())
        .encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha256)
        .send()
        .await
        .unwrap();
    assert_eq!(opened.plaintext().unwrap().as_ref(), b"secret");
    let err = client
        .encrypt()
        .key_id(&rsa)
        .plaintext(Blob::new(vec![1; 191]))
        .encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha256)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        (
            "ValidationException".into(),
            "Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 bytes.".into()
        )
    );
    let err = client
        .sign()
        .key_id(&rsa)
        .message(Blob::new(b"x".to_vec()))
        .signing_algorithm(SigningAlgorithmSpec::RsassaPssSha256)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "InvalidKeyUsageException");

    // HMAC.
    let mac_key = create(KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac).await;
    let mac = client
        .generate_mac()
        .key_id(&mac_key)
        .message(Blob::new(b"m".to_vec()))
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap();
    assert_eq!(mac.mac().unwrap().as_ref().len(), 32);
    let err = client
        .verify_mac()
        .key_id(&mac_key)
        .message(Blob::new(b"n".to_vec()))
        .mac(mac.mac().unwrap().clone())
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "KMSInvalidMacException");

    // ECDH with Trent's own public key of another agreement key as the peer.
    let a = create(KeySpec::EccNistP384, KeyUsageType::KeyAgreement).await;
    let b = create(KeySpec::EccNistP384, KeyUsageType::KeyAgreement).await;
    let public_of = |id: String| {
        let client = client.clone();
        async move {
            client
                .get_public_key()
                .key_id(id)
                .send()
                .await
                .unwrap()
                .public_key()
                .unwrap()
                .clone()
        }
    };
    let ab = client
        .derive_shared_secret()
        .key_id(&a)
        .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
        .public_key(public_of(b.clone()).await)
        .send()
        .await
        .unwrap();
    let ba = client
        .derive_shared_secret()
        .key_id(&b)
        .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
        .public_key(public_of(a.clone()).await)
        .send()
        .await
        .unwrap();
    assert_eq!(ab.shared_secret(), ba.shared_secret());
    assert_eq!(ab.shared_secret().unwrap().as_ref().len(), 48);
    let err = client
        .derive_shared_secret()
        .key_id(&a)
        .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
        .public_key(Blob::new(b"not a key".to_vec()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(&err),
        ("ValidationException".into(), String::new())
    );

    // Data key pairs under a symmetric key; disabled keys refuse.
    let wrapping = client.create_key().send().await.unwrap();
    let wrapping = wrapping.key_metadata().unwrap().key_id().to_string();
    let pair = client
        .generate_data_key_pair()
        .key_id(&wrapping)
        .key_pair_spec(DataKeyPairSpec::EccNistP256)
        .send()
        .await
        .unwrap();
    let reopened = client
        .decrypt()
        .ciphertext_blob(pair.private_key_ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        reopened.plaintext().unwrap().as_ref(),
        pair.private_key_plaintext().unwrap().as_ref()
    );
    client.disable_key().key_id(&signing).send().await.unwrap();
    let err = client
        .sign()
        .key_id(&signing)
        .message(Blob::new(b"x".to_vec()))
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(&err).0, "DisabledException");
}

/// ReEncrypt between symmetric and RSA keys, both ways.
#[tokio::test(flavor = "multi_thread")]
async fn re_encrypt_to_and_from_rsa_keys() {
    use aws_sdk_kms::primitives::Blob;
    use aws_sdk_kms::types::{EncryptionAlgorithmSpec, KeySpec, KeyUsageType};
    use common::dev_client;

    let server = Server::dev();
    let client = dev_client(&server).await;
    let symmetric = client.create_key().send().await.unwrap();
    let symmetric = symmetric.key_metadata().unwrap().key_id().to_string();
    let rsa = client
        .create_key()
        .key_spec(KeySpec::Rsa3072)
        .key_usage(KeyUsageType::EncryptDecrypt)
        .send()
        .await
        .unwrap();
    let rsa = rsa.key_metadata().unwrap().key_id().to_string();

    let sealed = client
        .encrypt()
        .key_id(&symmetric)
        .plaintext(Blob::new(b"moving".to_vec()))
        .send()
        .await
        .unwrap();
    let to_rsa = client
        .re_encrypt()
        .ciphertext_blob(sealed.ciphertext_blob().unwrap().clone())
        .destination_key_id(&rsa)
        .destination_encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        to_rsa.destination_encryption_algorithm(),
        Some(&EncryptionAlgorithmSpec::RsaesOaepSha1)
    );
    assert_eq!(to_rsa.ciphertext_blob().unwrap().as_ref().len(), 384);
    assert!(to_rsa.destination_key_material_id().is_none());

    let back = client
        .re_encrypt()
        .ciphertext_blob(to_rsa.ciphertext_blob().unwrap().clone())
        .source_key_id(&rsa)
        .source_encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha1)
        .destination_key_id(&symmetric)
        .send()
        .await
        .unwrap();
    let opened = client
        .decrypt()
        .ciphertext_blob(back.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(opened.plaintext().unwrap().as_ref(), b"moving");

    // Data keys stay symmetric-only.
    let err = client
        .generate_data_key()
        .key_id(&rsa)
        .number_of_bytes(32)
        .send()
        .await
        .unwrap_err();
    assert_eq!(common::error_of(&err).0, "InvalidKeyUsageException");
}
