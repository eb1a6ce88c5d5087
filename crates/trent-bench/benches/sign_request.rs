//! What the load generator spends on each request before it reaches the socket: one SigV4
//! signature (key derivation, two SHA-256 passes, HMAC) and the header map. Its inverse is the
//! ceiling one generator core can sustain, whatever the server does.

use std::hint::black_box;

use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use trent_bench::Credentials;
use trent_bench::client::{Call, Signer};

fn encrypt_call(plaintext_bytes: usize) -> Call {
    let plaintext = base64::engine::general_purpose::STANDARD.encode(vec![0x5a; plaintext_bytes]);
    Call::new(
        "Encrypt",
        &json!({ "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "Plaintext": plaintext }),
    )
    .expect("a valid call")
}

fn sign_request(c: &mut Criterion) {
    let signer = Signer::new(
        Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        "us-east-1",
        "127.0.0.1:4599",
    );
    let with_token = Signer::new(
        Credentials::new(
            "ASIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        .with_session_token("IQoJb3JpZ2luX2VjEXAMPLETOKEN".repeat(20)),
        "us-east-1",
        "127.0.0.1:4599",
    );
    let small = encrypt_call(32);
    let large = encrypt_call(4096);
    let now = 1_700_000_000;

    let mut group = c.benchmark_group("sign_request");
    group.bench_function("Encrypt 32 B", |b| {
        b.iter(|| signer.request(black_box(&small), black_box(now)))
    });
    group.bench_function("Encrypt 4 KiB", |b| {
        b.iter(|| signer.request(black_box(&large), black_box(now)))
    });
    group.bench_function("Encrypt 32 B, session token", |b| {
        b.iter(|| with_token.request(black_box(&small), black_box(now)))
    });
    group.finish();
}

criterion_group!(benches, sign_request);
criterion_main!(benches);
