//! The symmetric ciphertext format on the Encrypt/Decrypt hot path: per-request key derivation
//! (HKDF-SHA256), AES-256-GCM with the encryption context as AAD, and the header.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use trent_crypto::{EncryptionContext, SymmetricKey, decrypt, encrypt};

fn ciphertext(c: &mut Criterion) {
    let key = SymmetricKey::generate();
    let context: EncryptionContext = [("purpose".to_string(), "bench".to_string())].into();
    let mut group = c.benchmark_group("ciphertext");
    for size in [32usize, 1024, 4096] {
        let plaintext = vec![7u8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("encrypt", size), &plaintext, |b, p| {
            b.iter(|| encrypt(&key, [1; 16], 1, &context, black_box(p)))
        });
        let blob = encrypt(&key, [1; 16], 1, &context, &plaintext);
        group.bench_with_input(BenchmarkId::new("decrypt", size), &blob, |b, blob| {
            b.iter(|| decrypt(&key, black_box(blob), &context).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, ciphertext);
criterion_main!(benches);
