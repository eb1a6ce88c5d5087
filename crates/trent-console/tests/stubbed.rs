//! The pages for kinds of key trent-core cannot create yet (signing, HMAC, RSA encryption), and
//! backend answers it does not give yet (ListGrants refused, no audit trail), against a stub
//! backend that answers with canned responses and records what the console asked.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use common::Browser;
use trent_console::{ClientInfo, ConsoleBackend, ConsoleOptions};
use trent_core::{Principal, PrincipalKind};
use trent_protocol::{
    Blob, CreateKeyResponse, DescribeKeyResponse, EncryptResponse, EncryptionAlgorithmSpec,
    ErrorCode, GenerateMacResponse, GetKeyPolicyResponse, GetPublicKeyResponse, KeyListEntry,
    KeyManagerType, KeyMetadata, KeySpec, KeyState, KeyUsageType, KmsError, ListAliasesResponse,
    ListKeysResponse, MacAlgorithmSpec, OriginType, Request, Response, SignResponse,
    SigningAlgorithmSpec, VerifyMacResponse, VerifyResponse,
};

const ACCOUNT: &str = "111122223333";

#[derive(Default)]
struct Stub {
    requests: Mutex<Vec<Request>>,
}

fn metadata(key_id: &str) -> KeyMetadata {
    let (spec, usage) = if key_id.contains("sign") {
        (KeySpec::EccNistP256, KeyUsageType::SignVerify)
    } else if key_id.contains("mac") {
        (KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac)
    } else {
        (KeySpec::Rsa2048, KeyUsageType::EncryptDecrypt)
    };
    KeyMetadata {
        aws_account_id: Some(ACCOUNT.into()),
        key_id: key_id.to_string(),
        arn: Some(format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{key_id}")),
        enabled: Some(true),
        description: Some(String::new()),
        key_state: Some(KeyState::Enabled),
        origin: Some(OriginType::AwsKms),
        key_manager: Some(KeyManagerType::Customer),
        signing_algorithms: (usage == KeyUsageType::SignVerify)
            .then(|| vec![SigningAlgorithmSpec::EcdsaSha256]),
        mac_algorithms: (usage == KeyUsageType::GenerateVerifyMac)
            .then(|| vec![MacAlgorithmSpec::HmacSha256]),
        encryption_algorithms: (usage == KeyUsageType::EncryptDecrypt).then(|| {
            vec![
                EncryptionAlgorithmSpec::RsaesOaepSha1,
                EncryptionAlgorithmSpec::RsaesOaepSha256,
            ]
        }),
        key_spec: Some(spec),
        key_usage: Some(usage),
        multi_region: Some(false),
        ..Default::default()
    }
}

fn key_of(arn: &Option<String>) -> String {
    arn.as_deref()
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

impl ConsoleBackend for Stub {
    fn sign_in(&self, access_key_id: &str, secret: &str) -> Result<Arc<Principal>, KmsError> {
        if access_key_id != "AKIASTUB" || secret != "stub-secret" {
            return Err(KmsError::bare(ErrorCode::UnrecognizedClientException));
        }
        Ok(Arc::new(Principal {
            account_id: ACCOUNT.into(),
            arn: format!("arn:aws:iam::{ACCOUNT}:user/stub"),
            user_name: "stub".into(),
            user_id: "AIDASTUB".into(),
            access_key_id: access_key_id.into(),
            administrator: false,
            kind: PrincipalKind::User,
            via_service: None,
        }))
    }

    fn call(
        &self,
        _principal: &Arc<Principal>,
        _region: &str,
        request: Request,
        _client: &ClientInfo,
    ) -> Result<Response, KmsError> {
        if let Ok(mut log) = self.requests.lock() {
            log.push(request.clone());
        }
        Ok(match request {
            Request::DescribeKey(r) => Response::DescribeKey(DescribeKeyResponse {
                key_metadata: Some(metadata(&key_of(&r.key_id))),
            }),
            Request::ListKeys(_) => Response::ListKeys(ListKeysResponse {
                keys: Some(
                    ["sign-key", "mac-key", "rsa-key"]
                        .iter()
                        .map(|id| KeyListEntry {
                            key_id: Some(id.to_string()),
                            key_arn: None,
                        })
                        .collect(),
                ),
                next_marker: None,
                truncated: Some(false),
            }),
            Request::ListAliases(_) => Response::ListAliases(ListAliasesResponse::default()),
            Request::GetKeyPolicy(_) => Response::GetKeyPolicy(GetKeyPolicyResponse {
                policy: Some(r#"{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#.into()),
                policy_name: Some("default".into()),
            }),
            Request::GetPublicKey(r) => Response::GetPublicKey(GetPublicKeyResponse {
                key_id: Some(format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{}", key_of(&r.key_id))),
                public_key: Some(Blob::new(vec![0x30, 0x59, 0x30, 0x13])),
                key_spec: Some(KeySpec::EccNistP256),
                key_usage: Some(KeyUsageType::SignVerify),
                signing_algorithms: Some(vec![SigningAlgorithmSpec::EcdsaSha256]),
                ..Default::default()
            }),
            Request::Sign(r) => Response::Sign(SignResponse {
                key_id: r.key_id,
                signature: Some(Blob::new(b"sig".to_vec())),
                signing_algorithm: r.signing_algorithm,
            }),
            Request::Verify(r) => {
                if r.signature.as_ref().map(Blob::as_bytes) != Some(b"sig") {
                    return Err(KmsError::bare(ErrorCode::KMSInvalidSignatureException));
                }
                Response::Verify(VerifyResponse {
                    key_id: r.key_id,
                    signature_valid: Some(true),
                    signing_algorithm: r.signing_algorithm,
                })
            }
            Request::GenerateMac(r) => Response::GenerateMac(GenerateMacResponse {
                mac: Some(Blob::new(b"mac".to_vec())),
                mac_algorithm: r.mac_algorithm,
                key_id: r.key_id,
            }),
            Request::VerifyMac(r) => {
                if r.mac.as_ref().map(Blob::as_bytes) != Some(b"mac") {
                    return Err(KmsError::bare(ErrorCode::KMSInvalidMacException));
                }
                Response::VerifyMac(VerifyMacResponse {
                    key_id: r.key_id,
                    mac_valid: Some(true),
                    mac_algorithm: r.mac_algorithm,
                })
            }
            Request::Encrypt(r) => Response::Encrypt(EncryptResponse {
                ciphertext_blob: Some(Blob::new(b"rsa-ciphertext".to_vec())),
                key_id: r.key_id,
                encryption_algorithm: r.encryption_algorithm,
            }),
            Request::CreateKey(r) => Response::CreateKey(CreateKeyResponse {
                key_metadata: Some(KeyMetadata {
                    key_id: "sign-key".into(),
                    key_spec: r.key_spec,
                    key_usage: r.key_usage,
                    ..Default::default()
                }),
            }),
            other => {
                return Err(KmsError::new(
                    ErrorCode::UnsupportedOperationException,
                    format!("The stub does not answer {}.", other.operation().name()),
                ));
            }
        })
    }

    fn regions(&self) -> Vec<String> {
        vec!["us-east-1".into()]
    }
}

async fn serve_stub() -> (Arc<Stub>, Browser) {
    let stub = Arc::new(Stub::default());
    let router = trent_console::router(stub.clone(), ConsoleOptions::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    let mut browser = Browser::new(&format!("http://{address}"));
    browser
        .sign_in(&common::Credentials {
            account_id: ACCOUNT.into(),
            user_arn: format!("arn:aws:iam::{ACCOUNT}:user/stub"),
            access_key_id: "AKIASTUB".into(),
            secret_access_key: "stub-secret".into(),
        })
        .await;
    (stub, browser)
}

fn last_request(stub: &Stub) -> Request {
    stub.requests
        .lock()
        .ok()
        .and_then(|log| log.last().cloned())
        .expect("a request")
}

#[tokio::test]
async fn sign_and_verify_in_try_it() {
    let (stub, mut browser) = serve_stub().await;
    let token = browser.csrf_token().await;
    let page = browser.get("/console/try?key=sign-key").await;
    assert!(page.body.contains("Sign") && page.body.contains("ECDSA_SHA_256"));
    assert!(
        !page.body.contains("id=\"plaintext\""),
        "no encrypt form for a signing key"
    );
    let arn = format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/sign-key");
    let signed = browser
        .post(
            "/console/try",
            &[
                ("csrf_token", &token),
                ("key", &arn),
                ("operation", "sign"),
                ("message", "hello"),
                ("signing_algorithm", "ECDSA_SHA_256"),
            ],
        )
        .await;
    assert!(signed.body.contains("Signed"), "{}", signed.body);
    assert!(signed.body.contains("c2ln"), "base64 of the signature");
    match last_request(&stub) {
        Request::Sign(r) => {
            assert_eq!(
                r.message.as_ref().map(|m| m.expose().to_vec()),
                Some(b"hello".to_vec())
            );
            assert_eq!(
                r.message_type.map(|t| t.as_str().to_string()).as_deref(),
                Some("RAW")
            );
            assert_eq!(r.key_id.as_deref(), Some(arn.as_str()));
        }
        other => panic!("{other:?}"),
    }
    let valid = browser
        .post(
            "/console/try",
            &[
                ("csrf_token", &token),
                ("key", &arn),
                ("operation", "verify"),
                ("message", "hello"),
                ("signature", "c2ln"),
                ("signing_algorithm", "ECDSA_SHA_256"),
            ],
        )
        .await;
    assert!(valid.body.contains("The signature is valid"));
    let invalid = browser
        .post(
            "/console/try",
            &[
                ("csrf_token", &token),
                ("key", &arn),
                ("operation", "verify"),
                ("message", "hello"),
                ("signature", "AAAA"),
                ("signing_algorithm", "ECDSA_SHA_256"),
            ],
        )
        .await;
    assert_eq!(invalid.status, 400);
    assert!(invalid.body.contains("KMSInvalidSignatureException"));
}

#[tokio::test]
async fn generate_and_verify_a_mac_in_try_it() {
    let (_stub, mut browser) = serve_stub().await;
    let token = browser.csrf_token().await;
    let arn = format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/mac-key");
    let page = browser.get("/console/try?key=mac-key").await;
    assert!(page.body.contains("Generate MAC") && page.body.contains("HMAC_SHA_256"));
    let generated = browser
        .post(
            "/console/try",
            &[
                ("csrf_token", &token),
                ("key", &arn),
                ("operation", "generate-mac"),
                ("mac_message", "m"),
            ],
        )
        .await;
    assert!(generated.body.contains("MAC generated") && generated.body.contains("bWFj"));
    let verified = browser
        .post(
            "/console/try",
            &[
                ("csrf_token", &token),
                ("key", &arn),
                ("operation", "verify-mac"),
                ("mac_message", "m"),
                ("mac", "bWFj"),
            ],
        )
        .await;
    assert!(verified.body.contains("The MAC is valid"));
}

#[tokio::test]
async fn rsa_encryption_sends_the_chosen_algorithm_and_no_context() {
    let (stub, mut browser) = serve_stub().await;
    let token = browser.csrf_token().await;
    let arn = format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/rsa-key");
    let page = browser.get("/console/try?key=rsa-key").await;
    assert!(page.body.contains("RSAES_OAEP_SHA_256"));
    assert!(
        !page.body.contains("encrypt-context"),
        "no encryption context for RSA keys"
    );
    browser
        .post(
            "/console/try",
            &[
                ("csrf_token", &token),
                ("key", &arn),
                ("operation", "encrypt"),
                ("plaintext", "p"),
                ("encryption_algorithm", "RSAES_OAEP_SHA_256"),
                ("encrypt_context", "ignored=yes"),
            ],
        )
        .await;
    match last_request(&stub) {
        Request::Encrypt(r) => {
            assert_eq!(
                r.encryption_algorithm
                    .map(|a| a.as_str().to_string())
                    .as_deref(),
                Some("RSAES_OAEP_SHA_256")
            );
            assert!(r.encryption_context.is_none());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn asymmetric_keys_show_their_public_key_and_grant_errors() {
    let (_stub, mut browser) = serve_stub().await;
    let page = browser.get("/console/keys/sign-key").await;
    assert!(page.body.contains("Public key"));
    assert!(
        !page.body.contains("Key rotation"),
        "no rotation tab for asymmetric keys"
    );
    let public = browser.get("/console/keys/sign-key?tab=public-key").await;
    assert!(public.body.contains("-----BEGIN PUBLIC KEY-----"));
    assert!(public.body.contains("MFkwEw=="));
    let pem = browser.get("/console/keys/sign-key/public-key.pem").await;
    assert_eq!(pem.status, 200);
    assert_eq!(pem.header("content-type"), "application/x-pem-file");
    assert_eq!(
        pem.header("content-disposition"),
        "attachment; filename=\"sign-key-public-key.pem\""
    );
    assert_eq!(
        pem.body,
        "-----BEGIN PUBLIC KEY-----\nMFkwEw==\n-----END PUBLIC KEY-----\n"
    );
    let grants = browser.get("/console/keys/sign-key?tab=grants").await;
    assert!(grants.body.contains("UnsupportedOperationException"));
    assert!(grants.body.contains("The stub does not answer ListGrants."));
    let list = browser.get("/console/keys").await;
    assert!(list.body.contains("Asymmetric") && list.body.contains("HMAC"));
    let audit = browser.get("/console/audit").await;
    assert!(audit.body.contains("keeps no audit trail"));
}

#[tokio::test]
async fn wizard_writes_the_policy_for_the_key_kind() {
    let (stub, mut browser) = serve_stub().await;
    let token = browser.csrf_token().await;
    let created = browser
        .post(
            "/console/keys/create",
            &[
                ("csrf_token", &token),
                ("go", "create"),
                ("key_type", "asymmetric"),
                ("key_usage", "SIGN_VERIFY"),
                ("key_spec", "ECC_NIST_P256"),
                ("origin", "AWS_KMS"),
                ("regionality", "single"),
                ("administrators", "stub"),
                ("users", "app"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let request = stub
        .requests
        .lock()
        .ok()
        .and_then(|log| {
            log.iter()
                .find(|r| matches!(r, Request::CreateKey(_)))
                .cloned()
        })
        .expect("CreateKey was called");
    let Request::CreateKey(request) = request else {
        unreachable!("filtered above")
    };
    assert_eq!(
        request.key_spec.map(|s| s.as_str().to_string()).as_deref(),
        Some("ECC_NIST_P256")
    );
    assert_eq!(
        request.key_usage.map(|s| s.as_str().to_string()).as_deref(),
        Some("SIGN_VERIFY")
    );
    let policy: serde_json::Value =
        serde_json::from_str(request.policy.as_deref().unwrap_or_default()).expect("policy JSON");
    let users = &policy["Statement"][2];
    assert_eq!(users["Sid"], "Allow use of the key");
    assert_eq!(
        users["Principal"]["AWS"],
        format!("arn:aws:iam::{ACCOUNT}:user/app")
    );
    assert_eq!(
        users["Action"],
        serde_json::json!([
            "kms:DescribeKey",
            "kms:GetPublicKey",
            "kms:Sign",
            "kms:Verify"
        ])
    );
}
