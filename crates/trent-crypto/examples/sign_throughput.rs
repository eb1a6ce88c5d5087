//! Operations per second of the request-path API on one core, with keys parsed once as the
//! core caches them: `cargo run --release -p trent-crypto --example sign_throughput`.
//!
//! A quick measurement for capacity planning, not a benchmark suite.

use std::time::{Duration, Instant};

use trent_crypto::{
    AsymmetricSpec, HmacKey, HmacSpec, MessageType, OaepHash, PrivateKey, SigningAlgorithm,
    generate_private_key,
};

fn per_second(name: &str, mut operation: impl FnMut()) {
    operation(); // warm-up, and lazily built state
    let budget = Duration::from_millis(1500);
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < budget {
        operation();
        count += 1;
    }
    let rate = count as f64 / start.elapsed().as_secs_f64();
    println!("{name:<44} {rate:>10.0} /s");
}

fn key(spec: AsymmetricSpec) -> PrivateKey {
    PrivateKey::from_pkcs8(spec, generate_private_key(spec).unwrap().expose()).unwrap()
}

fn main() {
    let message = [0x5au8; 256];
    let sign = |name: &str, key: &PrivateKey, algorithm: SigningAlgorithm, kind: MessageType| {
        let input: Vec<u8> = match kind {
            MessageType::Raw => message.to_vec(),
            MessageType::Digest => vec![1; algorithm.digest_len().unwrap()],
            MessageType::ExternalMu => vec![1; 64],
        };
        per_second(&format!("sign   {name}"), || {
            key.sign(algorithm, kind, &input).unwrap();
        });
        let signature = key.sign(algorithm, kind, &input).unwrap();
        per_second(&format!("verify {name}"), || {
            assert!(key.verify(algorithm, kind, &input, &signature).unwrap());
        });
    };

    // Baselines: aws-lc called directly, to show what the wrapper costs (on a busy machine
    // compare these lines, not the absolute numbers).
    {
        use aws_lc_rs::rand::SystemRandom;
        use aws_lc_rs::signature::{self, EcdsaKeyPair};
        let pkcs8 = generate_private_key(AsymmetricSpec::Rsa2048).unwrap();
        let raw = aws_lc_rs::rsa::KeyPair::from_pkcs8(pkcs8.expose()).unwrap();
        let mut out = vec![0u8; raw.public_modulus_len()];
        per_second("sign   RSA_2048 PKCS1 SHA-256 (aws-lc only)", || {
            raw.sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                &message,
                &mut out,
            )
            .unwrap();
        });
        let pkcs8 = generate_private_key(AsymmetricSpec::EccNistP256).unwrap();
        let raw =
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.expose())
                .unwrap();
        per_second("sign   P-256 ECDSA SHA-256 (aws-lc only)", || {
            raw.sign(&SystemRandom::new(), &message).unwrap();
        });
    }

    let rsa = key(AsymmetricSpec::Rsa2048);
    sign(
        "RSA_2048 RSASSA_PKCS1_V1_5_SHA_256",
        &rsa,
        SigningAlgorithm::RsassaPkcs1V15Sha256,
        MessageType::Raw,
    );
    sign(
        "RSA_2048 RSASSA_PSS_SHA_256",
        &rsa,
        SigningAlgorithm::RsassaPssSha256,
        MessageType::Raw,
    );
    let ciphertext = rsa.encrypt(OaepHash::Sha256, b"data key").unwrap();
    per_second("decrypt RSA_2048 RSAES_OAEP_SHA_256", || {
        rsa.decrypt(OaepHash::Sha256, &ciphertext).unwrap();
    });
    let p256 = key(AsymmetricSpec::EccNistP256);
    sign(
        "ECC_NIST_P256 ECDSA_SHA_256",
        &p256,
        SigningAlgorithm::EcdsaSha256,
        MessageType::Raw,
    );
    sign(
        "ECC_NIST_P256 ECDSA_SHA_256 (DIGEST)",
        &p256,
        SigningAlgorithm::EcdsaSha256,
        MessageType::Digest,
    );
    let peer = key(AsymmetricSpec::EccNistP256);
    per_second("derive ECC_NIST_P256 ECDH", || {
        p256.derive_shared_secret(peer.public_key_der()).unwrap();
    });
    sign(
        "ECC_SECG_P256K1 ECDSA_SHA_256",
        &key(AsymmetricSpec::EccSecgP256k1),
        SigningAlgorithm::EcdsaSha256,
        MessageType::Raw,
    );
    let ed = key(AsymmetricSpec::EccNistEdwards25519);
    sign(
        "ED25519_SHA_512",
        &ed,
        SigningAlgorithm::Ed25519Sha512,
        MessageType::Raw,
    );
    sign(
        "ED25519_PH_SHA_512 (ed25519-dalek)",
        &ed,
        SigningAlgorithm::Ed25519PhSha512,
        MessageType::Digest,
    );
    let ml = key(AsymmetricSpec::MlDsa65);
    sign(
        "ML_DSA_65 RAW",
        &ml,
        SigningAlgorithm::MlDsaShake256,
        MessageType::Raw,
    );
    sign(
        "ML_DSA_65 EXTERNAL_MU (ml-dsa)",
        &ml,
        SigningAlgorithm::MlDsaShake256,
        MessageType::ExternalMu,
    );
    let hmac = HmacKey::new(HmacSpec::Hmac256, HmacSpec::Hmac256.generate().expose()).unwrap();
    per_second("GenerateMac HMAC_SHA_256", || {
        hmac.generate_mac(HmacSpec::Hmac256.algorithm(), &message)
            .unwrap();
    });
    let start = Instant::now();
    let pkcs8 = generate_private_key(AsymmetricSpec::Rsa2048).unwrap();
    println!(
        "generate RSA_2048 (one key)                 {:?}",
        start.elapsed()
    );
    let start = Instant::now();
    PrivateKey::from_pkcs8(AsymmetricSpec::Rsa2048, pkcs8.expose()).unwrap();
    println!(
        "parse RSA_2048 PKCS#8 (once per key)        {:?}",
        start.elapsed()
    );
}
