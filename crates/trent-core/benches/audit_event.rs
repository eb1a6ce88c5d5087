//! Building one request's audit event (CloudTrail-shaped JSON, secrets left out), the part of
//! the audit trail's cost that every request pays on its own thread.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use trent_core::audit::{RequestContext, event_json, request_parameters};
use trent_core::{Caller, Principal, PrincipalKind};
use trent_protocol::{
    Blob, EncryptRequest, EncryptResponse, Request, Response, SensitiveBlob, Timestamp,
};

fn audit_event(c: &mut Criterion) {
    let principal = Arc::new(Principal {
        account_id: "111122223333".into(),
        arn: "arn:aws:iam::111122223333:user/alice".into(),
        user_name: "alice".into(),
        user_id: "AIDAEXAMPLEEXAMPLE00".into(),
        access_key_id: "AKIAEXAMPLEEXAMPLE00".into(),
        administrator: false,
        kind: PrincipalKind::User,
        via_service: None,
    });
    let request = Request::Encrypt(EncryptRequest {
        key_id: Some("1234abcd-12ab-34cd-56ef-1234567890ab".into()),
        plaintext: Some(SensitiveBlob::new(vec![7; 32])),
        encryption_context: Some([("purpose".to_string(), "bench".to_string())].into()),
        ..Default::default()
    });
    let response = Response::Encrypt(EncryptResponse {
        ciphertext_blob: Some(Blob(vec![9; 120])),
        key_id: Some(
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".into(),
        ),
        encryption_algorithm: None,
    });
    let caller = Caller::new(
        principal,
        "us-east-1".into(),
        "f1ee4c5b-cbd6-4677-8ffd-5b5f5f7e120d".into(),
        "179a72af-de54-4b2e-995e-85be062c9ea9".into(),
    );
    let context = RequestContext {
        request_id: "f1ee4c5b-cbd6-4677-8ffd-5b5f5f7e120d",
        event_id: "179a72af-de54-4b2e-995e-85be062c9ea9",
        region: "us-east-1",
        source_ip: "127.0.0.1",
        user_agent: "aws-sdk-rust/1.3 os/linux lang/rust/1.95",
        access_key_id: Some("AKIAEXAMPLEEXAMPLE00"),
        time: Timestamp(1_795_900_000.0),
    };
    c.bench_function("audit/request parameters (Encrypt)", |b| {
        b.iter(|| request_parameters(black_box(&request)))
    });
    let large = Request::Encrypt(EncryptRequest {
        key_id: Some("1234abcd-12ab-34cd-56ef-1234567890ab".into()),
        plaintext: Some(SensitiveBlob::new(vec![7; 4096])),
        encryption_context: Some([("purpose".to_string(), "bench".to_string())].into()),
        ..Default::default()
    });
    c.bench_function("audit/request parameters (Encrypt, 4 KiB)", |b| {
        b.iter(|| request_parameters(black_box(&large)))
    });
    c.bench_function("audit/event bytes (Encrypt)", |b| {
        b.iter(|| {
            let parameters = request_parameters(black_box(&request));
            event_json(
                &context,
                Some(&caller),
                Some(request.operation()),
                "kms.amazonaws.com",
                "Encrypt",
                parameters.as_deref(),
                Ok(Some(&response)),
            )
        })
    });
}

criterion_group!(benches, audit_event);
criterion_main!(benches);
