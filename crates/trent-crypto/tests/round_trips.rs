//! Round trips through the public API for every key spec Trent implements, the way the core
//! uses it: generate material, store it (PKCS#8 / raw bytes), parse it once, use it many times,
//! and hand out public keys that work on their own. Plus: no `Debug` output carries key bytes,
//! and SM2 is refused by name.

use aws_lc_rs::digest;
use trent_crypto::{
    AsymmetricSpec, CryptoError, DataKeyPairSpec, HmacKey, HmacSpec, KeySpec, MacAlgorithm,
    MessageType, OaepHash, PrivateKey, PublicKey, Secret, SigningAlgorithm, generate_data_key_pair,
    generate_private_key, verify_with_public_key,
};

fn message_for(algorithm: SigningAlgorithm, message_type: MessageType) -> Vec<u8> {
    match message_type {
        MessageType::Raw => b"a message of some length".repeat(100),
        MessageType::Digest => digest::digest(algorithm.digest().unwrap(), b"a message")
            .as_ref()
            .to_vec(),
        MessageType::ExternalMu => vec![0x42; 64],
    }
}

#[test]
fn every_asymmetric_spec_round_trips() {
    for spec in AsymmetricSpec::ALL {
        let material = generate_private_key(spec).unwrap();
        let key = PrivateKey::from_pkcs8(spec, material.expose()).unwrap();
        // The same material parses to the same key.
        let again = PrivateKey::from_pkcs8(spec, material.expose()).unwrap();
        assert_eq!(key.public_key_der(), again.public_key_der());
        // The exported public key works on its own.
        let public = PublicKey::from_spki(spec, key.public_key_der()).unwrap();
        assert_eq!(public.der(), key.public_key_der());

        for &algorithm in spec.signing_algorithms() {
            for &message_type in algorithm.message_types() {
                let message = message_for(algorithm, message_type);
                let signature = key.sign(algorithm, message_type, &message).unwrap();
                assert!(
                    again
                        .verify(algorithm, message_type, &message, &signature)
                        .unwrap()
                );
                assert!(
                    public
                        .verify(algorithm, message_type, &message, &signature)
                        .unwrap()
                );
                assert!(
                    verify_with_public_key(
                        spec,
                        key.public_key_der(),
                        algorithm,
                        message_type,
                        &message,
                        &signature
                    )
                    .unwrap()
                );
                if let Some(len) = spec.rsa_modulus_len() {
                    assert_eq!(signature.len(), len);
                }
                if spec.is_ml_dsa() {
                    let expected = match spec {
                        AsymmetricSpec::MlDsa44 => 2420,
                        AsymmetricSpec::MlDsa65 => 3309,
                        _ => 4627,
                    };
                    assert_eq!(signature.len(), expected);
                }
                if spec == AsymmetricSpec::EccNistEdwards25519 {
                    assert_eq!(signature.len(), 64);
                }
            }
        }
        for &hash in spec.encryption_algorithms() {
            let ciphertext = public.encrypt(hash, b"offline").unwrap();
            assert_eq!(key.decrypt(hash, &ciphertext).unwrap().expose(), b"offline");
        }
        if spec.agrees() {
            let peer =
                PrivateKey::from_pkcs8(spec, generate_private_key(spec).unwrap().expose()).unwrap();
            let ours = key.derive_shared_secret(peer.public_key_der()).unwrap();
            let theirs = peer.derive_shared_secret(key.public_key_der()).unwrap();
            assert!(ours.ct_eq(theirs.expose()));
        } else {
            assert!(matches!(
                key.derive_shared_secret(key.public_key_der()),
                Err(CryptoError::IncompatibleAlgorithm)
            ));
        }
    }
}

#[test]
fn every_data_key_pair_spec_round_trips() {
    for spec in DataKeyPairSpec::ALL {
        let (private, public) = generate_data_key_pair(spec).unwrap();
        let key = PrivateKey::from_pkcs8(spec.key_spec(), private.expose()).unwrap();
        assert_eq!(key.public_key_der(), public.as_slice(), "{spec:?}");
        let algorithm = spec.key_spec().signing_algorithms()[0];
        let message = message_for(algorithm, algorithm.message_types()[0]);
        let signature = key
            .sign(algorithm, algorithm.message_types()[0], &message)
            .unwrap();
        assert!(
            verify_with_public_key(
                spec.key_spec(),
                &public,
                algorithm,
                algorithm.message_types()[0],
                &message,
                &signature
            )
            .unwrap()
        );
    }
}

#[test]
fn every_hmac_spec_round_trips() {
    for spec in HmacSpec::ALL {
        assert_eq!(
            KeySpec::from_name(spec.name()).unwrap(),
            KeySpec::Hmac(spec)
        );
        let material = spec.generate();
        let key = HmacKey::new(spec, material.expose()).unwrap();
        let algorithm = MacAlgorithm::from_name(spec.mac_algorithm()).unwrap();
        let mac = key.generate_mac(algorithm, b"message").unwrap();
        assert_eq!(mac.len(), algorithm.mac_len());
        let same = HmacKey::new(spec, material.expose()).unwrap();
        assert!(same.verify_mac(algorithm, b"message", &mac).unwrap());
        assert!(!same.verify_mac(algorithm, b"messagf", &mac).unwrap());
    }
}

#[test]
fn sm2_is_refused_by_name() {
    assert!(matches!(
        KeySpec::from_name("SM2"),
        Err(CryptoError::UnsupportedKeySpec(name)) if name == "SM2"
    ));
    assert!(matches!(
        DataKeyPairSpec::from_name("SM2"),
        Err(CryptoError::UnsupportedKeySpec(name)) if name == "SM2"
    ));
    assert_eq!(AsymmetricSpec::from_name("SM2"), None);
    assert!(SigningAlgorithm::from_name("SM2DSA").is_none());
    assert!(OaepHash::from_name("SM2PKE").is_none());
}

/// Every 4-byte window of `secret`, as hex and as Rust's `Debug` of a byte list.
fn fragments(secret: &[u8]) -> Vec<String> {
    secret
        .windows(4)
        .filter(|w| w.iter().any(|&b| b != 0))
        .flat_map(|w| {
            [
                hex::encode(w),
                format!("{}, {}, {}, {}", w[0], w[1], w[2], w[3]),
            ]
        })
        .collect()
}

fn assert_redacted(debug: &str, secret: &[u8]) {
    assert!(debug.len() < 100, "suspiciously long Debug output: {debug}");
    for fragment in fragments(secret) {
        assert!(!debug.contains(&fragment), "{debug} contains key bytes");
    }
}

#[test]
fn debug_output_carries_no_key_bytes() {
    for spec in AsymmetricSpec::ALL {
        let material = generate_private_key(spec).unwrap();
        let key = PrivateKey::from_pkcs8(spec, material.expose()).unwrap();
        // Use the lazily built parts too (Ed25519ph, external μ), then look.
        for &algorithm in spec.signing_algorithms() {
            let message_type = *algorithm.message_types().last().unwrap();
            key.sign(
                algorithm,
                message_type,
                &message_for(algorithm, message_type),
            )
            .unwrap();
        }
        assert_redacted(&format!("{key:?}"), material.expose());
        assert_redacted(&format!("{key:#?}"), material.expose());
        assert_redacted(&format!("{:?}", key.public_key()), material.expose());
        assert_redacted(&format!("{material:?}"), material.expose());
    }
    for spec in HmacSpec::ALL {
        let material = spec.generate();
        let key = HmacKey::new(spec, material.expose()).unwrap();
        assert_redacted(&format!("{key:?}"), material.expose());
    }
    let (private, _) = generate_data_key_pair(DataKeyPairSpec::EccNistP256).unwrap();
    assert_redacted(&format!("{private:?}"), private.expose());
    let secret = Secret::from_slice(b"0123456789abcdef");
    assert_redacted(&format!("{secret:?}"), secret.expose());
}
