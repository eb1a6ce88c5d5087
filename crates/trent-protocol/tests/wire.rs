//! The wire shapes against golden JSON, AWS's validation wording, and what undecodable bodies
//! become.

use std::collections::BTreeMap;

use trent_protocol::{
    Blob, CreateAliasRequest, CreateKeyRequest, DescribeKeyResponse, EncryptRequest, ErrorCode,
    GenerateDataKeyRequest, GenerateRandomRequest, GrantListEntry, GrantOperation, KeyMetadata,
    KeySpec, KeyState, KeyUsageType, ListGrantsResponse, MacAlgorithmSpec, Operation, Request,
    Response, SensitiveBlob, Tag, Timestamp, Validate, decode_request, decode_response,
};

/// The message of the ValidationException `body` earns as a request for `op`.
fn validation(op: Operation, body: &str) -> String {
    let request = decode_request(op, body.as_bytes()).expect("decodes");
    let err = request.validate().expect_err("violates a constraint");
    let kms: trent_protocol::KmsError = err.clone().into();
    assert_eq!(kms.code, ErrorCode::ValidationException);
    assert_eq!(kms.message.as_deref(), Some(err.message()));
    err.message().to_owned()
}

fn valid(op: Operation, body: &str) {
    let request = decode_request(op, body.as_bytes()).expect("decodes");
    if let Err(err) = request.validate() {
        panic!("{body}: {err}");
    }
}

// ---- golden JSON ------------------------------------------------------------------------------

#[test]
fn encrypt_request_round_trip() {
    let body =
        br#"{"KeyId":"alias/app","Plaintext":"aGVsbG8=","EncryptionContext":{"b":"2","a":"1"},
                    "EncryptionAlgorithm":"SYMMETRIC_DEFAULT","DryRun":null,"SomethingNew":[1,2]}"#;
    let Request::Encrypt(request) = decode_request(Operation::Encrypt, body).unwrap() else {
        panic!("not an Encrypt request");
    };
    assert_eq!(request.key_id.as_deref(), Some("alias/app"));
    assert_eq!(
        request.plaintext.as_ref().map(SensitiveBlob::expose),
        Some(&b"hello"[..])
    );
    assert_eq!(
        request.encryption_context,
        Some(BTreeMap::from([
            ("a".into(), "1".into()),
            ("b".into(), "2".into())
        ]))
    );
    assert_eq!(
        request.encryption_algorithm,
        Some(trent_protocol::EncryptionAlgorithmSpec::SymmetricDefault)
    );
    assert_eq!(request.dry_run, None);
    assert_eq!(request.grant_tokens, None);
    request.validate().unwrap();
    assert_eq!(
        String::from_utf8(Request::Encrypt(request).to_json()).unwrap(),
        r#"{"KeyId":"alias/app","Plaintext":"aGVsbG8=","EncryptionContext":{"a":"1","b":"2"},"EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}"#
    );
}

#[test]
fn key_metadata_omits_absent_members() {
    let response = Response::DescribeKey(DescribeKeyResponse {
        key_metadata: Some(KeyMetadata {
            aws_account_id: Some("111122223333".into()),
            key_id: "1234abcd-12ab-34cd-56ef-1234567890ab".into(),
            creation_date: Some(Timestamp(1_593_622_000.191)),
            enabled: Some(true),
            key_usage: Some(KeyUsageType::EncryptDecrypt),
            key_state: Some(KeyState::Enabled),
            key_spec: Some(KeySpec::SymmetricDefault),
            encryption_algorithms: Some(vec![
                trent_protocol::EncryptionAlgorithmSpec::SymmetricDefault,
            ]),
            ..KeyMetadata::default()
        }),
    });
    let json = String::from_utf8(response.to_json()).unwrap();
    assert_eq!(
        json,
        r#"{"KeyMetadata":{"AWSAccountId":"111122223333","KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab","CreationDate":1593622000.191,"Enabled":true,"KeyUsage":"ENCRYPT_DECRYPT","KeyState":"Enabled","KeySpec":"SYMMETRIC_DEFAULT","EncryptionAlgorithms":["SYMMETRIC_DEFAULT"]}}"#
    );
    assert!(!json.contains("null"));
    assert_eq!(
        decode_response(Operation::DescribeKey, json.as_bytes()).unwrap(),
        response
    );
}

#[test]
fn operations_without_output_send_an_empty_body() {
    assert!(Response::CreateAlias.to_json().is_empty());
    assert_eq!(Response::CreateAlias.operation(), Operation::CreateAlias);
    assert_eq!(
        decode_response(Operation::TagResource, b"").unwrap(),
        Response::TagResource
    );
}

#[test]
fn list_retirable_grants_answers_with_list_grants_response() {
    let response = Response::ListRetirableGrants(ListGrantsResponse {
        grants: Some(vec![GrantListEntry {
            grant_id: Some("g".into()),
            operations: Some(vec![
                GrantOperation::Decrypt,
                GrantOperation::GenerateDataKeyWithoutPlaintext,
            ]),
            creation_date: Some(Timestamp(1_700_000_000.0)),
            ..GrantListEntry::default()
        }]),
        truncated: Some(false),
        next_marker: None,
    });
    let json = response.to_json();
    assert_eq!(
        std::str::from_utf8(&json).unwrap(),
        r#"{"Grants":[{"GrantId":"g","CreationDate":1700000000,"Operations":["Decrypt","GenerateDataKeyWithoutPlaintext"]}],"Truncated":false}"#
    );
    assert_eq!(
        decode_response(Operation::ListRetirableGrants, &json).unwrap(),
        response
    );
}

#[test]
fn enums_keep_unknown_values() {
    assert_eq!(KeySpec::from("RSA_2048"), KeySpec::Rsa2048);
    assert_eq!(KeySpec::parse("ECC_SECG_P256K1"), KeySpec::EccSecgP256k1);
    assert_eq!(
        KeySpec::from("RSA_1024"),
        KeySpec::Unknown("RSA_1024".into())
    );
    assert!(!KeySpec::from("RSA_1024").is_known());
    assert_eq!(KeySpec::ALL.len(), KeySpec::VALUES.len());
    for (spec, value) in KeySpec::ALL.iter().zip(KeySpec::VALUES) {
        assert_eq!(spec.as_str(), *value);
        assert_eq!(spec.to_string(), *value);
        assert_eq!(serde_json::to_string(spec).unwrap(), format!("\"{value}\""));
        assert_eq!(
            &serde_json::from_str::<KeySpec>(&format!("\"{value}\"")).unwrap(),
            spec
        );
    }
    assert_eq!(MacAlgorithmSpec::HmacSha256.as_str(), "HMAC_SHA_256");
    assert_eq!(
        "PendingDeletion".parse::<KeyState>(),
        Ok(KeyState::PendingDeletion)
    );
    assert_eq!(trent_protocol::OriginType::AwsKms.as_str(), "AWS_KMS");
    assert_eq!(
        trent_protocol::EncryptionAlgorithmSpec::RsaesOaepSha1.as_str(),
        "RSAES_OAEP_SHA_1"
    );
    assert_eq!(KeySpec::MlDsa44.as_str(), "ML_DSA_44");
}

#[test]
fn every_operation_by_name() {
    assert_eq!(Operation::ALL.len(), 54);
    for op in Operation::ALL {
        assert_eq!(Operation::from_name(op.name()), Some(*op));
        assert_eq!(op.action(), format!("kms:{}", op.name()));
        assert_eq!(op.to_string(), op.name());
        // Every operation accepts an empty body.
        let request = decode_request(*op, b"").unwrap();
        assert_eq!(request.operation(), *op);
    }
    assert_eq!(Operation::from_name("Encrypt"), Some(Operation::Encrypt));
    assert_eq!(Operation::Encrypt.action(), "kms:Encrypt");
    assert_eq!(Operation::from_name("encrypt"), None);
    assert_eq!(Operation::from_name("TrentService.Encrypt"), None);
}

#[test]
fn secrets_stay_out_of_debug() {
    let request = decode_request(
        Operation::Encrypt,
        br#"{"KeyId":"k","Plaintext":"c2VjcmV0IQ=="}"#,
    )
    .unwrap();
    let shown = format!("{request:?}");
    assert!(
        shown.contains("SensitiveBlob(<redacted 7 bytes>)"),
        "{shown}"
    );
    assert!(
        !shown.contains("c2VjcmV0IQ") && !shown.contains("secret"),
        "{shown}"
    );

    let request = decode_request(
        Operation::CreateCustomKeyStore,
        br#"{"CustomKeyStoreName":"s","KeyStorePassword":"hunter22",
             "XksProxyAuthenticationCredential":{"AccessKeyId":"ABCDEFGHIJKLMNOPQRSTUV","RawSecretAccessKey":"topsecret"}}"#,
    )
    .unwrap();
    let shown = format!("{request:?}");
    assert!(
        !shown.contains("hunter22")
            && !shown.contains("topsecret")
            && !shown.contains("ABCDEFGHIJ"),
        "{shown}"
    );
    assert!(shown.contains("<redacted>"), "{shown}");
}

// ---- validation messages ---------------------------------------------------------------------

#[test]
fn plaintext_too_long() {
    let request = EncryptRequest {
        key_id: Some("alias/app".into()),
        plaintext: Some(SensitiveBlob::new(vec![7; 4097])),
        ..EncryptRequest::default()
    };
    assert_eq!(
        request.validate().unwrap_err().to_string(),
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: \
         Member must have length less than or equal to 4096"
    );
    let ok = EncryptRequest {
        plaintext: Some(SensitiveBlob::new(vec![7; 4096])),
        ..request
    };
    ok.validate().unwrap();
}

#[test]
fn number_of_bytes_range() {
    assert_eq!(
        validation(Operation::GenerateRandom, r#"{"NumberOfBytes":0}"#),
        "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: \
         Member must have value greater than or equal to 1"
    );
    assert_eq!(
        validation(Operation::GenerateRandom, r#"{"NumberOfBytes":1025}"#),
        "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: \
         Member must have value less than or equal to 1024"
    );
    valid(Operation::GenerateRandom, r#"{"NumberOfBytes":1024}"#);
    // NumberOfBytes is not required by the model (KMS itself says `NumberOfBytes is required.`).
    GenerateRandomRequest::default().validate().unwrap();
}

#[test]
fn mac_algorithm_enum() {
    assert_eq!(
        validation(
            Operation::GenerateMac,
            r#"{"KeyId":"k","Message":"AA==","MacAlgorithm":"INVALID"}"#
        ),
        "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: \
         Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]" // as recorded on AWS
    );
}

#[test]
fn alias_name_pattern() {
    let request = CreateAliasRequest {
        alias_name: Some("alias/my key".into()),
        target_key_id: Some("1234abcd-12ab-34cd-56ef-1234567890ab".into()),
    };
    assert_eq!(
        request.validate().unwrap_err().message(),
        "1 validation error detected: Value 'alias/my key' at 'aliasName' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"
    );
    valid(
        Operation::CreateAlias,
        r#"{"AliasName":"alias/my-key_1:x","TargetKeyId":"k"}"#,
    );
}

#[test]
fn missing_required_member() {
    assert_eq!(
        validation(Operation::DescribeKey, "{}"),
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
    );
    assert_eq!(
        validation(Operation::DescribeKey, r#"{"KeyId":null}"#),
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
    );
    assert_eq!(
        validation(Operation::DescribeKey, r#"{"KeyId":""}"#),
        "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: \
         Member must have length greater than or equal to 1"
    );
    // A sensitive member shows no value, not even null.
    assert_eq!(
        validation(Operation::Encrypt, r#"{"KeyId":"k"}"#),
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn several_errors_in_member_order() {
    let request = GenerateDataKeyRequest {
        number_of_bytes: Some(0),
        key_spec: Some(trent_protocol::DataKeySpec::from("AES-256")),
        ..GenerateDataKeyRequest::default()
    };
    assert_eq!(
        request.validate().unwrap_err().message(),
        "3 validation errors detected: \
         Value null at 'keyId' failed to satisfy constraint: Member must not be null; \
         Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1; \
         Value 'AES-256' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"
    );
    assert_eq!(
        validation(Operation::ListKeys, r#"{"Limit":0,"Marker":""}"#),
        "2 validation errors detected: \
         Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; \
         Value '' at 'marker' failed to satisfy constraint: Member must have length greater than or equal to 1"
    );
}

#[test]
fn nested_tag_paths() {
    let long_key = "k".repeat(129);
    let request = CreateKeyRequest {
        tags: Some(vec![
            Tag {
                tag_key: "ok".into(),
                tag_value: "".into(),
            },
            Tag {
                tag_key: long_key.clone(),
                tag_value: "v".repeat(257),
            },
        ]),
        ..CreateKeyRequest::default()
    };
    assert_eq!(
        request.validate().unwrap_err().message(),
        format!(
            "2 validation errors detected: \
             Value '{long_key}' at 'tags.2.member.tagKey' failed to satisfy constraint: \
             Member must have length less than or equal to 128; \
             Value '{}' at 'tags.2.member.tagValue' failed to satisfy constraint: \
             Member must have length less than or equal to 256",
            "v".repeat(257)
        )
    );
    let body = format!(r#"{{"KeyId":"k","Tags":[{{"TagKey":"{long_key}","TagValue":"v"}}]}}"#);
    assert_eq!(
        validation(Operation::TagResource, &body),
        format!(
            "1 validation error detected: Value '{long_key}' at 'tags.1.member.tagKey' failed to satisfy \
             constraint: Member must have length less than or equal to 128"
        )
    );
}

#[test]
fn lists_of_strings_report_once_at_the_list() {
    assert_eq!(
        validation(
            Operation::UntagResource,
            r#"{"KeyId":"k","TagKeys":["a",""]}"#
        ),
        "1 validation error detected: Value '[a, ]' at 'tagKeys' failed to satisfy constraint: \
         Member must satisfy constraint: [Member must have length less than or equal to 128, \
         Member must have length greater than or equal to 1]"
    );
    let tokens: Vec<String> = (0..11).map(|i| format!("\"t{i}\"")).collect();
    assert_eq!(
        validation(
            Operation::DescribeKey,
            &format!(r#"{{"KeyId":"k","GrantTokens":[{}]}}"#, tokens.join(","))
        ),
        "1 validation error detected: Value '[t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10]' at 'grantTokens' \
         failed to satisfy constraint: Member must have length less than or equal to 10"
    );
    assert!(
        validation(Operation::CreateGrant, r#"{"KeyId":"k","GranteePrincipal":"p","Operations":["Decrypt","Fly"]}"#)
            .ends_with(
                "Value '[Decrypt, Fly]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: \
                 [Member must satisfy enum value set: [GenerateDataKey, Decrypt, DeriveSharedSecret, DescribeKey, \
                 GenerateDataKeyPair, VerifyMac, CreateGrant, Encrypt, ReEncryptFrom, ReEncryptTo, GetPublicKey, GenerateDataKeyPairWithoutPlaintext, \
                 GenerateDataKeyWithoutPlaintext, RetireGrant, GenerateMac, Sign, Verify]]"
            )
    );
}

#[test]
fn blobs_print_as_java_buffers() {
    assert_eq!(
        validation(Operation::Decrypt, r#"{"CiphertextBlob":""}"#),
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'ciphertextBlob' \
         failed to satisfy constraint: Member must have length greater than or equal to 1"
    );
    assert_eq!(
        validation(
            Operation::GenerateRandom,
            r#"{"NumberOfBytes":8,"Recipient":{"KeyEncryptionAlgorithm":"RSA","AttestationDocument":""}}"#
        ),
        "2 validation errors detected: Value 'RSA' at 'recipient.keyEncryptionAlgorithm' failed to satisfy \
         constraint: Member must satisfy enum value set: [RSAES_OAEP_SHA_256]; \
         Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'recipient.attestationDocument' failed to \
         satisfy constraint: Member must have length greater than or equal to 1"
    );
    let request = trent_protocol::VerifyRequest {
        key_id: Some("k".into()),
        message: Some(SensitiveBlob::new(vec![1])),
        signature: Some(Blob(vec![0; 6145])),
        signing_algorithm: Some(trent_protocol::SigningAlgorithmSpec::EcdsaSha256),
        ..Default::default()
    };
    assert_eq!(
        request.validate().unwrap_err().message(),
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=6145 cap=6145]' at 'signature' \
         failed to satisfy constraint: Member must have length less than or equal to 6144"
    );
}

#[test]
fn sensitive_strings_show_no_value() {
    assert_eq!(
        validation(
            Operation::UpdateCustomKeyStore,
            r#"{"CustomKeyStoreId":"cks-1","KeyStorePassword":"short"}"#
        ),
        "1 validation error detected: Value at 'keyStorePassword' failed to satisfy constraint: \
         Member must have length greater than or equal to 7"
    );
}

#[test]
fn model_patterns_behave_like_java() {
    // PolicyType: [\u0009\u000A\u000D\u0020-\u00FF]+
    valid(
        Operation::PutKeyPolicy,
        "{\"KeyId\":\"k\",\"Policy\":\"{\\n\\t\\\"Version\\\" : \\\"2012-10-17\\\" \\u00e9}\"}",
    );
    assert!(
        validation(Operation::PutKeyPolicy, r#"{"KeyId":"k","Policy":"{\u0100}"}"#)
            .ends_with("Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+")
    );
    // RegionType: ^([a-z]+-){2,3}\d+$ — a whole-value match, ASCII digits only.
    valid(
        Operation::UpdatePrimaryRegion,
        r#"{"KeyId":"k","PrimaryRegion":"us-gov-west-1"}"#,
    );
    for bad in ["us-east-1x", "useast1", "us-east-١"] {
        let body = format!(r#"{{"KeyId":"k","PrimaryRegion":"{bad}"}}"#);
        assert!(
            validation(Operation::UpdatePrimaryRegion, &body)
                .contains("regular expression pattern"),
            "{bad}"
        );
    }
    // PolicyNameType: [\w]+ is ASCII in Java.
    valid(
        Operation::GetKeyPolicy,
        r#"{"KeyId":"k","PolicyName":"default_1"}"#,
    );
    assert!(
        validation(
            Operation::GetKeyPolicy,
            r#"{"KeyId":"k","PolicyName":"déf"}"#
        )
        .contains("[\\w]+")
    );
    // XksKeyIdType: ^[a-zA-Z0-9-_.]+$ (a hyphen after a range is a literal in Java).
    valid(Operation::CreateKey, r#"{"XksKeyId":"a-b_c.d"}"#);
    assert!(
        validation(Operation::CreateKey, r#"{"XksKeyId":"a/b"}"#).contains("^[a-zA-Z0-9-_.]+$")
    );
    // MarkerType: [\u0020-\u00FF]*
    valid(Operation::ListAliases, r#"{"Marker":"abc =ÿ"}"#);
    assert!(validation(Operation::ListAliases, r#"{"Marker":"a\nb"}"#).contains("'marker'"));
    // Lengths count UTF-16 units, as Java does: 64 astral characters are 128 units.
    let emoji = "😀".repeat(65);
    let body = format!(r#"{{"KeyId":"k","Tags":[{{"TagKey":"{emoji}","TagValue":"v"}}]}}"#);
    assert!(validation(Operation::TagResource, &body).contains("less than or equal to 128"));
    let body = format!(
        r#"{{"KeyId":"k","Tags":[{{"TagKey":"{}","TagValue":"v"}}]}}"#,
        "😀".repeat(64)
    );
    valid(Operation::TagResource, &body);
}

// ---- undecodable bodies ----------------------------------------------------------------------

fn decode_error(op: Operation, body: &[u8]) -> trent_protocol::KmsError {
    let err = decode_request(op, body).expect_err("must not decode");
    assert_eq!(err.code, ErrorCode::SerializationException);
    assert_eq!(err.http_status(), 400);
    err
}

#[test]
fn serialization_exceptions() {
    assert_eq!(decode_error(Operation::Encrypt, b"{not json").message, None);
    assert_eq!(decode_error(Operation::Encrypt, b"[]").message, None);
    assert_eq!(decode_error(Operation::Encrypt, b"null").message, None);
    assert_eq!(
        decode_error(Operation::Encrypt, br#"{"KeyId":"k"} trailing"#).message,
        None
    );
    assert_eq!(
        decode_error(Operation::GenerateRandom, br#"{"NumberOfBytes":"x"}"#)
            .message
            .as_deref(),
        Some("STRING_VALUE can not be converted to an Integer")
    );
    assert_eq!(
        decode_error(Operation::DescribeKey, br#"{"KeyId":{"a":1}}"#)
            .message
            .as_deref(),
        Some("Start of structure or map found where not expected.")
    );
    // Invalid base64 says nothing about the value.
    let err = decode_error(
        Operation::Encrypt,
        br#"{"KeyId":"k","Plaintext":"c2VjcmV0!!"}"#,
    );
    assert_eq!(err.message, None);
    assert_eq!(err.to_json(), br#"{"__type":"SerializationException"}"#);
    let err = decode_error(Operation::Encrypt, br#"{"KeyId":"k","Plaintext":12}"#);
    assert_eq!(err.message, None);
    // A nested structure's required member is not optional.
    decode_error(
        Operation::TagResource,
        br#"{"KeyId":"k","Tags":[{"TagKey":"a"}]}"#,
    );
}

#[test]
fn empty_and_whitespace_bodies_are_empty_objects() {
    for body in [&b""[..], b"  \n", b"{}"] {
        let Request::ListKeys(request) = decode_request(Operation::ListKeys, body).unwrap() else {
            panic!("not ListKeys");
        };
        assert_eq!(request, Default::default());
    }
}

#[test]
fn timestamps_in_requests() {
    let body =
        br#"{"KeyId":"k","ImportToken":"AA==","EncryptedKeyMaterial":"AA==","ValidTo":1735689600.5,
                    "ExpirationModel":"KEY_MATERIAL_EXPIRES"}"#;
    let Request::ImportKeyMaterial(request) =
        decode_request(Operation::ImportKeyMaterial, body).unwrap()
    else {
        panic!("not ImportKeyMaterial");
    };
    assert_eq!(request.valid_to, Some(Timestamp(1_735_689_600.5)));
    request.validate().unwrap();
}
