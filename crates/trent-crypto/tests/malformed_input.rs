//! Malformed input never panics and always gets the documented error: truncated and corrupted
//! public keys, private keys, peer keys, signatures, ciphertexts and messages of wrong lengths.
//! (Requests reach these functions with attacker-chosen bytes.)

use trent_crypto::{
    AsymmetricSpec, CryptoError, HmacKey, HmacSpec, MacAlgorithm, MessageType, OaepHash,
    PrivateKey, PublicKey, SigningAlgorithm, generate_private_key,
};

fn corruptions(valid: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = (0..valid.len()).map(|n| valid[..n].to_vec()).collect();
    for i in (0..valid.len()).step_by(7) {
        let mut flipped = valid.to_vec();
        flipped[i] ^= 0x80;
        out.push(flipped);
    }
    let mut longer = valid.to_vec();
    longer.push(0);
    out.push(longer);
    out.push(vec![0x30; 3]);
    out.push(vec![0x30, 0x82, 0xff, 0xff]);
    out.push(vec![0x30, 0x84, 0, 0, 0, 4, 1, 2, 3, 4]);
    out
}

#[test]
fn corrupted_public_keys_are_invalid_public_keys() {
    for spec in AsymmetricSpec::ALL {
        if spec == AsymmetricSpec::Rsa4096 {
            continue; // same parser as 2048/3072
        }
        let key =
            PrivateKey::from_pkcs8(spec, generate_private_key(spec).unwrap().expose()).unwrap();
        let algorithm = spec.signing_algorithms()[0];
        let message_type = algorithm.message_types()[0];
        let message = vec![1u8; algorithm.digest_len().unwrap_or(64)];
        let signature = key.sign(algorithm, message_type, &message).unwrap();
        for der in corruptions(key.public_key_der()) {
            match PublicKey::from_spki(spec, &der) {
                Err(CryptoError::InvalidPublicKey) => {}
                Err(other) => panic!("{spec:?}: {other:?}"),
                // A flip the parser cannot notice (e.g. inside an RSA modulus) gives another
                // key, under which the signature must not verify.
                Ok(public) => assert!(
                    der == key.public_key_der()
                        || !public
                            .verify(algorithm, message_type, &message, &signature)
                            .unwrap(),
                    "{spec:?}"
                ),
            }
            if spec.agrees() {
                match key.derive_shared_secret(&der) {
                    Err(CryptoError::InvalidPublicKey) => {}
                    Err(other) => panic!("{spec:?}: {other:?}"),
                    Ok(_) => assert_eq!(der, key.public_key_der()),
                }
            }
        }
    }
}

#[test]
fn corrupted_private_keys_are_invalid_key_material() {
    for spec in [
        AsymmetricSpec::Rsa2048,
        AsymmetricSpec::EccNistP256,
        AsymmetricSpec::EccNistP521,
        AsymmetricSpec::EccSecgP256k1,
        AsymmetricSpec::EccNistEdwards25519,
        AsymmetricSpec::MlDsa44,
    ] {
        let material = generate_private_key(spec).unwrap();
        for der in corruptions(material.expose()) {
            match PrivateKey::from_pkcs8(spec, &der) {
                Err(CryptoError::InvalidKeyMaterial) => {}
                Err(other) => panic!("{spec:?}: {other:?}"),
                // Some flips land in bytes no parser checks (e.g. a version or a seed);
                // the key then works, as another key or as the same one.
                Ok(key) => {
                    let algorithm = spec.signing_algorithms()[0];
                    let message_type = algorithm.message_types()[0];
                    let message = vec![1u8; algorithm.digest_len().unwrap_or(64)];
                    let signature = key.sign(algorithm, message_type, &message).unwrap();
                    assert!(
                        key.verify(algorithm, message_type, &message, &signature)
                            .unwrap()
                    );
                }
            }
        }
    }
}

#[test]
fn garbage_signatures_and_ciphertexts_are_plain_failures() {
    let rsa = PrivateKey::from_pkcs8(
        AsymmetricSpec::Rsa2048,
        generate_private_key(AsymmetricSpec::Rsa2048)
            .unwrap()
            .expose(),
    )
    .unwrap();
    let lengths = [0usize, 1, 63, 64, 65, 255, 256, 257, 512, 5000];
    for len in lengths {
        let garbage = vec![0xa5u8; len];
        for hash in OaepHash::ALL {
            assert!(matches!(
                rsa.decrypt(hash, &garbage),
                Err(CryptoError::Decryption)
            ));
        }
        for spec in AsymmetricSpec::ALL {
            if spec.is_rsa() && spec != AsymmetricSpec::Rsa2048 {
                continue;
            }
            let key = if spec == AsymmetricSpec::Rsa2048 {
                None
            } else {
                Some(
                    PrivateKey::from_pkcs8(spec, generate_private_key(spec).unwrap().expose())
                        .unwrap(),
                )
            };
            let key = key.as_ref().unwrap_or(&rsa);
            for &algorithm in spec.signing_algorithms() {
                for &message_type in algorithm.message_types() {
                    let message = vec![3u8; algorithm.digest_len().unwrap_or(64)];
                    assert!(
                        !key.verify(algorithm, message_type, &message, &garbage)
                            .unwrap()
                    );
                }
            }
        }
    }
}

#[test]
fn wrong_message_lengths_are_distinct_errors() {
    for spec in AsymmetricSpec::ALL {
        if spec.is_rsa() && spec != AsymmetricSpec::Rsa2048 {
            continue;
        }
        let key =
            PrivateKey::from_pkcs8(spec, generate_private_key(spec).unwrap().expose()).unwrap();
        for &algorithm in spec.signing_algorithms() {
            for len in [0usize, 1, 20, 31, 33, 47, 49, 63, 65, 4096] {
                let message = vec![0u8; len];
                for message_type in [MessageType::Digest, MessageType::ExternalMu] {
                    let expected_ok = algorithm.message_types().contains(&message_type)
                        && match message_type {
                            MessageType::Digest => algorithm.digest_len() == Some(len),
                            _ => len == 64,
                        };
                    let signed = key.sign(algorithm, message_type, &message);
                    let verified = key.verify(algorithm, message_type, &message, &[0; 64]);
                    if expected_ok {
                        assert!(signed.is_ok() && verified.is_ok());
                        continue;
                    }
                    for result in [signed.err(), verified.err()] {
                        let Some(err) = result else {
                            panic!("{algorithm:?} {message_type:?} {len}: accepted");
                        };
                        let expected = if !algorithm.message_types().contains(&message_type) {
                            matches!(err, CryptoError::WrongMessageType)
                        } else if message_type == MessageType::Digest {
                            matches!(err, CryptoError::DigestLength)
                        } else {
                            matches!(err, CryptoError::ExternalMuLength)
                        };
                        assert!(expected, "{algorithm:?} {message_type:?} {len}: {err:?}");
                    }
                }
            }
        }
        // Every other algorithm is incompatible with this spec, before any message check.
        for algorithm in SigningAlgorithm::ALL {
            if !spec.signing_algorithms().contains(&algorithm) {
                assert!(matches!(
                    key.sign(algorithm, MessageType::Digest, &[]),
                    Err(CryptoError::IncompatibleAlgorithm)
                ));
            }
        }
    }
    for spec in HmacSpec::ALL {
        for len in [0, 1, 27, 129, 1000] {
            if !spec.importable_key_lengths().contains(&len) {
                assert!(matches!(
                    HmacKey::new(spec, &vec![1; len]),
                    Err(CryptoError::InvalidKey)
                ));
            }
        }
        let key = HmacKey::new(spec, spec.generate().expose()).unwrap();
        for algorithm in MacAlgorithm::ALL {
            let result = key.verify_mac(algorithm, b"m", &[0; 200]);
            if algorithm == spec.algorithm() {
                assert!(!result.unwrap());
            } else {
                assert!(matches!(result, Err(CryptoError::IncompatibleAlgorithm)));
            }
        }
    }
}
