//! What the server spends authenticating one KMS request: parsing the Authorization header,
//! canonicalising the request and checking the signature — with the signing key cached (the
//! usual case) and derived afresh (a key's first request of the day).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use trent_protocol::sigv4::{self, Credentials, RequestParts, SigningKeyCache};

const NOW: i64 = 1_795_900_000;
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn signed_encrypt() -> (Vec<(String, String)>, Vec<u8>) {
    let body = br#"{"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab","Plaintext":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}"#.to_vec();
    let mut headers = vec![
        ("host".to_string(), "127.0.0.1:4599".to_string()),
        (
            "content-type".to_string(),
            "application/x-amz-json-1.1".to_string(),
        ),
        (
            "x-amz-target".to_string(),
            "TrentService.Encrypt".to_string(),
        ),
    ];
    let added = {
        let borrowed: Vec<(&str, &[u8])> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_bytes()))
            .collect();
        let parts = RequestParts {
            method: "POST",
            path: "/",
            query: "",
            headers: &borrowed,
            body: &body,
        };
        let credentials = Credentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE",
            secret_access_key: SECRET,
            session_token: None,
        };
        sigv4::sign(&parts, &credentials, "us-east-1", "kms", NOW)
    };
    headers.extend(added);
    (headers, body)
}

fn verify(c: &mut Criterion) {
    let (headers, body) = signed_encrypt();
    let borrowed: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_bytes()))
        .collect();
    let parts = RequestParts {
        method: "POST",
        path: "/",
        query: "",
        headers: &borrowed,
        body: &body,
    };
    let cache = SigningKeyCache::new(16);
    c.bench_function("sigv4 parse+verify, cached signing key", |b| {
        b.iter(|| {
            let signed = sigv4::parse_and_check(black_box(&parts), NOW, "kms", |_| true).unwrap();
            cache
                .verify(&signed, &parts, SECRET.as_bytes(), NOW)
                .unwrap();
        })
    });
    c.bench_function("sigv4 parse+verify, derived signing key", |b| {
        b.iter(|| {
            let signed = sigv4::parse_and_check(black_box(&parts), NOW, "kms", |_| true).unwrap();
            sigv4::verify(&signed, &parts, SECRET.as_bytes(), NOW).unwrap();
        })
    });
}

criterion_group!(benches, verify);
criterion_main!(benches);
