//! Interoperability with OpenSSL (the `openssl` command, 3.0 or later) and Python
//! `cryptography`: what Trent produces must be usable by them and what they produce with
//! Trent's public keys must be usable by Trent.
//!
//! - signatures made by Trent verify with `openssl dgst`/`pkeyutl` and with `cryptography`
//!   (RSA PKCS#1 v1.5 and PSS with salt = digest length, ECDSA DER on every curve, Ed25519,
//!   ML-DSA RAW and EXTERNAL_MU with μ computed in Python);
//! - OAEP ciphertexts made by `openssl pkeyutl` and `cryptography` with the exported public key
//!   decrypt in Trent, and Trent's decrypt with OpenSSL;
//! - ECDH secrets equal `openssl pkeyutl -derive` and `cryptography`'s;
//! - HMACs equal `openssl mac` and `openssl dgst -mac HMAC`;
//! - data key pairs load in both, and their private key matches their public key;
//! - keys both generate (for BYOK import) load in Trent as the same key.
//!
//! Not covered by these tools: Ed25519ph (OpenSSL 3.0 and `cryptography` have no Ed25519ph;
//! see the RFC 8032 vector in `src/ed25519ph.rs`) and ML-DSA in the `openssl` CLI (3.5+).
//!
//! These tests fail, never skip, when a tool is missing: a green run must mean the checks ran.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use aws_lc_rs::digest;
use trent_crypto::{
    AsymmetricSpec, DataKeyPairSpec, HmacKey, HmacSpec, MessageType, OaepHash, PrivateKey,
    SigningAlgorithm, generate_data_key_pair, generate_key_pair, generate_private_key,
};

fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text.trim()).unwrap_or_else(|e| panic!("bad hex {text:?}: {e}"))
}

/// Runs a tool; panics with a clear message if it is missing. Returns (success, stdout, stderr).
fn run(program: &str, args: &[&str], stdin: Option<&[u8]>) -> (bool, Vec<u8>, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "interop test needs `{program}` on PATH (OpenSSL 3 command line tool / python3 \
                 with the `cryptography` package); could not start it: {e}"
            )
        });
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(input) = stdin {
            pipe.write_all(input).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `openssl …` that must succeed.
fn openssl(args: &[&str]) -> Vec<u8> {
    let (ok, stdout, stderr) = run("openssl", args, None);
    assert!(ok, "openssl {args:?} failed: {stderr}");
    stdout
}

fn openssl_succeeds(args: &[&str]) -> bool {
    run("openssl", args, None).0
}

/// Runs a Python program with `input` on stdin; it must succeed. Returns stdout.
fn python(program: &str, input: &str) -> String {
    let (ok, stdout, stderr) = run("python3", &["-c", program], Some(input.as_bytes()));
    assert!(
        ok,
        "python3 failed (the interop tests need python3 with `cryptography` >= 44): {stderr}"
    );
    String::from_utf8(stdout).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Writes a Trent SPKI and returns the path of the PEM OpenSSL made of it (which also proves
/// OpenSSL parses it).
fn public_pem(dir: &Path, name: &str, spki: &[u8]) -> PathBuf {
    let der = write(dir, &format!("{name}.der"), spki);
    let pem = dir.join(format!("{name}.pem"));
    openssl(&[
        "pkey",
        "-pubin",
        "-inform",
        "DER",
        "-in",
        s(&der),
        "-out",
        s(&pem),
    ]);
    pem
}

/// Writes a Trent PKCS#8 private key and returns the path of OpenSSL's PEM of it.
fn private_pem(dir: &Path, name: &str, pkcs8: &[u8]) -> PathBuf {
    let der = write(dir, &format!("{name}.der"), pkcs8);
    let pem = dir.join(format!("{name}.pem"));
    openssl(&["pkey", "-inform", "DER", "-in", s(&der), "-out", s(&pem)]);
    pem
}

fn new_key(spec: AsymmetricSpec) -> (trent_crypto::Secret, PrivateKey) {
    let pkcs8 = generate_private_key(spec).unwrap();
    let key = PrivateKey::from_pkcs8(spec, pkcs8.expose()).unwrap();
    (pkcs8, key)
}

fn openssl_digest_name(algorithm: SigningAlgorithm) -> &'static str {
    match algorithm.digest().map(|d| d.output_len) {
        Some(32) => "-sha256",
        Some(48) => "-sha384",
        _ => "-sha512",
    }
}

/// The message in the form `message_type` wants.
fn message_for(algorithm: SigningAlgorithm, message_type: MessageType, message: &[u8]) -> Vec<u8> {
    match message_type {
        MessageType::Digest => digest::digest(algorithm.digest().unwrap(), message)
            .as_ref()
            .to_vec(),
        _ => message.to_vec(),
    }
}

#[test]
fn signatures_verify_with_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let message = b"Trent signs, OpenSSL verifies";
    let msg = write(dir.path(), "msg", message);
    let tampered = write(dir.path(), "tampered", b"Trent signs, OpenSSL verifiez");
    let specs = [
        AsymmetricSpec::Rsa2048,
        AsymmetricSpec::Rsa3072,
        AsymmetricSpec::EccNistP256,
        AsymmetricSpec::EccNistP384,
        AsymmetricSpec::EccNistP521,
        AsymmetricSpec::EccSecgP256k1,
        AsymmetricSpec::EccNistEdwards25519,
    ];
    let mut checked = 0;
    for spec in specs {
        let (_, key) = new_key(spec);
        let pem = public_pem(dir.path(), spec.name(), key.public_key_der());
        for &algorithm in spec.signing_algorithms() {
            if algorithm == SigningAlgorithm::Ed25519PhSha512 {
                continue; // no Ed25519ph in OpenSSL 3.0
            }
            for &message_type in algorithm.message_types() {
                let input = message_for(algorithm, message_type, message);
                let signature = key.sign(algorithm, message_type, &input).unwrap();
                let sig = write(dir.path(), "sig", &signature);
                let verify = |file: &Path| -> bool {
                    if algorithm == SigningAlgorithm::Ed25519Sha512 {
                        return openssl_succeeds(&[
                            "pkeyutl",
                            "-verify",
                            "-pubin",
                            "-inkey",
                            s(&pem),
                            "-rawin",
                            "-in",
                            s(file),
                            "-sigfile",
                            s(&sig),
                        ]);
                    }
                    let mut args = vec![
                        "dgst",
                        openssl_digest_name(algorithm),
                        "-verify",
                        s(&pem),
                        "-signature",
                        s(&sig),
                    ];
                    if algorithm.name().starts_with("RSASSA_PSS") {
                        // Salt length must be exactly the digest length, as AWS signs.
                        args.extend([
                            "-sigopt",
                            "rsa_padding_mode:pss",
                            "-sigopt",
                            "rsa_pss_saltlen:digest",
                        ]);
                    }
                    args.push(s(file));
                    openssl_succeeds(&args)
                };
                assert!(
                    verify(&msg),
                    "{algorithm:?} {message_type:?}: OpenSSL rejects"
                );
                assert!(
                    !verify(&tampered),
                    "{algorithm:?}: OpenSSL accepts a tampered message"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * 12 + 4 * 2 + 1);
}

const PYTHON_VERIFY: &str = r#"
import hashlib, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}

def verify(algorithm, message_type, spki, message, signature):
    key = serialization.load_der_public_key(spki)
    try:
        if algorithm.startswith(("RSASSA", "ECDSA")):
            h = HASHES[algorithm[-3:]]()
            chosen = utils.Prehashed(h) if message_type == "DIGEST" else h
            if algorithm.startswith("RSASSA_PSS"):
                pad = padding.PSS(mgf=padding.MGF1(h), salt_length=padding.PSS.DIGEST_LENGTH)
                key.verify(signature, message, pad, chosen)
            elif algorithm.startswith("RSASSA_PKCS1"):
                key.verify(signature, message, padding.PKCS1v15(), chosen)
            else:
                key.verify(signature, message, ec.ECDSA(chosen))
        else:
            # Ed25519 (pure) and ML-DSA (pure, empty context) verify the message itself.
            key.verify(signature, message)
        return True
    except Exception:
        return False

failures = []
for line in sys.stdin:
    name, algorithm, message_type, spki, message, signature = line.split()
    spki, message, signature = (bytes.fromhex(x) for x in (spki, message, signature))
    if not verify(algorithm, message_type, spki, message, signature):
        failures.append(name + ": rejected")
    tampered = bytes([message[0] ^ 1]) + message[1:]
    if verify(algorithm, message_type, spki, tampered, signature):
        failures.append(name + ": tampered message accepted")
print("\n".join(failures) if failures else "all verified")
"#;

/// μ of FIPS 204 §6.2 for pure ML-DSA with an empty context, computed in Python from the SPKI.
const PYTHON_MU: &str = r#"
import hashlib, sys
from cryptography.hazmat.primitives import serialization
for line in sys.stdin:
    name, spki, message = line.split()
    key = serialization.load_der_public_key(bytes.fromhex(spki))
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    tr = hashlib.shake_256(raw).digest(64)
    mu = hashlib.shake_256(tr + b"\x00\x00" + bytes.fromhex(message)).digest(64)
    print(name, mu.hex())
"#;

#[test]
fn signatures_verify_with_python_cryptography() {
    let message = b"Trent signs, Python verifies";
    let mut lines = String::new();
    let mut count = 0;
    let mut ml_dsa_keys = Vec::new();
    for spec in AsymmetricSpec::ALL {
        if spec == AsymmetricSpec::Rsa4096 {
            continue; // same code as 2048/3072, slow to generate in debug builds
        }
        let (_, key) = new_key(spec);
        for &algorithm in spec.signing_algorithms() {
            for &message_type in algorithm.message_types() {
                if algorithm == SigningAlgorithm::Ed25519PhSha512
                    || message_type == MessageType::ExternalMu
                {
                    continue; // Ed25519ph: not in `cryptography`; external μ: below
                }
                let input = message_for(algorithm, message_type, message);
                let signature = key.sign(algorithm, message_type, &input).unwrap();
                writeln!(
                    lines,
                    "{}/{} {} {} {} {} {}",
                    spec.name(),
                    count,
                    algorithm.name(),
                    message_type.name(),
                    hex(key.public_key_der()),
                    hex(&input),
                    hex(&signature)
                )
                .unwrap();
                count += 1;
            }
        }
        if spec.is_ml_dsa() {
            ml_dsa_keys.push(key);
        }
    }

    // EXTERNAL_MU: Python computes μ, Trent signs it, Python verifies the message.
    let mut mu_requests = String::new();
    for (i, key) in ml_dsa_keys.iter().enumerate() {
        writeln!(
            mu_requests,
            "{i} {} {}",
            hex(key.public_key_der()),
            hex(message)
        )
        .unwrap();
    }
    let mus = python(PYTHON_MU, &mu_requests);
    for (line, key) in mus.lines().zip(&ml_dsa_keys) {
        let (_, mu) = line.split_once(' ').unwrap();
        let mu = unhex(mu);
        let signature = key
            .sign(
                SigningAlgorithm::MlDsaShake256,
                MessageType::ExternalMu,
                &mu,
            )
            .unwrap();
        // Trent agrees that it is a signature of both μ and the message.
        assert!(
            key.verify(
                SigningAlgorithm::MlDsaShake256,
                MessageType::ExternalMu,
                &mu,
                &signature
            )
            .unwrap()
        );
        writeln!(
            lines,
            "{}/mu ML_DSA_SHAKE_256 RAW {} {} {}",
            key.spec().name(),
            hex(key.public_key_der()),
            hex(message),
            hex(&signature)
        )
        .unwrap();
        count += 1;
    }
    assert_eq!(mus.lines().count(), 3);
    assert_eq!(count, 2 * 12 + 4 * 2 + 1 + 3 + 3);
    let result = python(PYTHON_VERIFY, &lines);
    assert_eq!(result.trim(), "all verified");
}

#[test]
fn oaep_ciphertexts_from_openssl_decrypt_in_trent_and_back() {
    let dir = tempfile::tempdir().unwrap();
    for spec in [AsymmetricSpec::Rsa2048, AsymmetricSpec::Rsa3072] {
        let (pkcs8, key) = new_key(spec);
        let public = public_pem(dir.path(), "rsa_pub", key.public_key_der());
        let private = private_pem(dir.path(), "rsa_priv", pkcs8.expose());
        for hash in OaepHash::ALL {
            let md = match hash {
                OaepHash::Sha1 => "sha1",
                OaepHash::Sha256 => "sha256",
            };
            let oaep_md = format!("rsa_oaep_md:{md}");
            let mgf1_md = format!("rsa_mgf1_md:{md}");
            let max = hash.max_plaintext(spec).unwrap();
            for len in [1, 32, max] {
                let plaintext: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
                let pt = write(dir.path(), "pt", &plaintext);
                let ct = dir.path().join("ct");
                openssl(&[
                    "pkeyutl",
                    "-encrypt",
                    "-pubin",
                    "-inkey",
                    s(&public),
                    "-pkeyopt",
                    "rsa_padding_mode:oaep",
                    "-pkeyopt",
                    &oaep_md,
                    "-pkeyopt",
                    &mgf1_md,
                    "-in",
                    s(&pt),
                    "-out",
                    s(&ct),
                ]);
                let ciphertext = std::fs::read(&ct).unwrap();
                let decrypted = key.decrypt(hash, &ciphertext).unwrap();
                assert_eq!(
                    decrypted.expose(),
                    plaintext.as_slice(),
                    "{spec:?} {hash:?}"
                );

                // And the other way: Trent encrypts, OpenSSL decrypts with the exported key.
                let ours = write(dir.path(), "ours", &key.encrypt(hash, &plaintext).unwrap());
                let back = openssl(&[
                    "pkeyutl",
                    "-decrypt",
                    "-inkey",
                    s(&private),
                    "-pkeyopt",
                    "rsa_padding_mode:oaep",
                    "-pkeyopt",
                    &oaep_md,
                    "-pkeyopt",
                    &mgf1_md,
                    "-in",
                    s(&ours),
                ]);
                assert_eq!(back, plaintext);
            }
            // OpenSSL refuses more than AWS's limit too.
            let too_long = write(dir.path(), "long", &vec![1u8; max + 1]);
            assert!(!openssl_succeeds(&[
                "pkeyutl",
                "-encrypt",
                "-pubin",
                "-inkey",
                s(&public),
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                &oaep_md,
                "-pkeyopt",
                &mgf1_md,
                "-in",
                s(&too_long),
            ]));
        }
    }
}

const PYTHON_OAEP: &str = r#"
import sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
for line in sys.stdin:
    hash_name, spki, plaintext = line.split()
    h = hashes.SHA1() if hash_name == "RSAES_OAEP_SHA_1" else hashes.SHA256()
    key = serialization.load_der_public_key(bytes.fromhex(spki))
    ct = key.encrypt(bytes.fromhex(plaintext), padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None))
    print(hash_name, ct.hex())
"#;

#[test]
fn oaep_ciphertexts_from_python_decrypt_in_trent() {
    let (_, key) = new_key(AsymmetricSpec::Rsa2048);
    let plaintext = b"encrypted offline with the public key";
    let mut input = String::new();
    for hash in OaepHash::ALL {
        writeln!(
            input,
            "{} {} {}",
            hash.name(),
            hex(key.public_key_der()),
            hex(plaintext)
        )
        .unwrap();
    }
    let output = python(PYTHON_OAEP, &input);
    assert_eq!(output.lines().count(), 2);
    for line in output.lines() {
        let (name, ciphertext) = line.split_once(' ').unwrap();
        let hash = OaepHash::from_name(name).unwrap();
        let ciphertext = unhex(ciphertext);
        assert_eq!(ciphertext.len(), 256);
        assert_eq!(key.decrypt(hash, &ciphertext).unwrap().expose(), plaintext);
    }
}

#[test]
fn ecdh_secrets_equal_openssl_derive() {
    let dir = tempfile::tempdir().unwrap();
    for (spec, curve) in [
        (AsymmetricSpec::EccNistP256, "P-256"),
        (AsymmetricSpec::EccNistP384, "P-384"),
        (AsymmetricSpec::EccNistP521, "P-521"),
    ] {
        let (pkcs8, key) = new_key(spec);
        let peer = dir.path().join("peer.pem");
        let curve_opt = format!("ec_paramgen_curve:{curve}");
        openssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            &curve_opt,
            "-out",
            s(&peer),
        ]);
        let peer_spki = openssl(&["pkey", "-in", s(&peer), "-pubout", "-outform", "DER"]);
        let ours = key.derive_shared_secret(&peer_spki).unwrap();
        assert_eq!(Some(ours.len()), spec.shared_secret_len());

        // The peer's side, in OpenSSL, with Trent's public key.
        let trent_public = public_pem(dir.path(), "trent_pub", key.public_key_der());
        let theirs = openssl(&[
            "pkeyutl",
            "-derive",
            "-inkey",
            s(&peer),
            "-peerkey",
            s(&trent_public),
        ]);
        assert!(ours.ct_eq(&theirs), "{spec:?}");

        // Trent's exported private key, in OpenSSL, gives the same secret.
        let trent_private = private_pem(dir.path(), "trent_priv", pkcs8.expose());
        let peer_public = public_pem(dir.path(), "peer_pub", &peer_spki);
        let again = openssl(&[
            "pkeyutl",
            "-derive",
            "-inkey",
            s(&trent_private),
            "-peerkey",
            s(&peer_public),
        ]);
        assert!(ours.ct_eq(&again), "{spec:?}");
    }
}

const PYTHON_ECDH: &str = r#"
import sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
CURVES = {"ECC_NIST_P256": ec.SECP256R1, "ECC_NIST_P384": ec.SECP384R1, "ECC_NIST_P521": ec.SECP521R1}
for line in sys.stdin:
    spec, trent_spki = line.split()
    peer = ec.generate_private_key(CURVES[spec]())
    secret = peer.exchange(ec.ECDH(), serialization.load_der_public_key(bytes.fromhex(trent_spki)))
    spki = peer.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    print(spec, spki.hex(), secret.hex())
"#;

#[test]
fn ecdh_secrets_equal_python_cryptography() {
    let keys: Vec<PrivateKey> = [
        AsymmetricSpec::EccNistP256,
        AsymmetricSpec::EccNistP384,
        AsymmetricSpec::EccNistP521,
    ]
    .into_iter()
    .map(|spec| new_key(spec).1)
    .collect();
    let mut input = String::new();
    for key in &keys {
        writeln!(input, "{} {}", key.spec().name(), hex(key.public_key_der())).unwrap();
    }
    let output = python(PYTHON_ECDH, &input);
    assert_eq!(output.lines().count(), 3);
    for (line, key) in output.lines().zip(&keys) {
        let mut fields = line.split_whitespace();
        assert_eq!(fields.next(), Some(key.spec().name()));
        let peer_spki = unhex(fields.next().unwrap());
        let expected = unhex(fields.next().unwrap());
        assert!(
            key.derive_shared_secret(&peer_spki)
                .unwrap()
                .ct_eq(&expected)
        );
    }
}

#[test]
fn hmacs_equal_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let message = b"GenerateMac in Trent, openssl mac outside";
    let msg = write(dir.path(), "msg", message);
    for spec in HmacSpec::ALL {
        let digest = match spec {
            HmacSpec::Hmac224 => "SHA224",
            HmacSpec::Hmac256 => "SHA256",
            HmacSpec::Hmac384 => "SHA384",
            HmacSpec::Hmac512 => "SHA512",
        };
        // Generated and imported (longest AWS accepts) key lengths.
        let generated = spec.generate();
        let imported = vec![0x5a; *spec.importable_key_lengths().end()];
        for material in [generated.expose(), imported.as_slice()] {
            let key = HmacKey::new(spec, material).unwrap();
            let ours = key.generate_mac(spec.algorithm(), message).unwrap();
            let hexkey = format!("hexkey:{}", hex(material));
            let digest_opt = format!("digest:{digest}");
            let mac = openssl(&[
                "mac",
                "-macopt",
                &digest_opt,
                "-macopt",
                &hexkey,
                "-in",
                s(&msg),
                "HMAC",
            ]);
            assert_eq!(
                String::from_utf8(mac).unwrap().trim().to_lowercase(),
                hex(&ours),
                "{spec:?}"
            );
            let dgst_digest = format!("-{}", digest.to_lowercase());
            let dgst = openssl(&[
                "dgst",
                &dgst_digest,
                "-mac",
                "HMAC",
                "-macopt",
                &hexkey,
                "-r",
                s(&msg),
            ]);
            let dgst = String::from_utf8(dgst).unwrap();
            assert_eq!(dgst.split_whitespace().next(), Some(hex(&ours).as_str()));
            assert!(key.verify_mac(spec.algorithm(), message, &ours).unwrap());
        }
    }
    // `openssl dgst -hmac <key>` takes the key as text.
    let key = HmacKey::new(HmacSpec::Hmac256, b"an HMAC_256 key of 32 characters").unwrap();
    let ours = key
        .generate_mac(HmacSpec::Hmac256.algorithm(), message)
        .unwrap();
    let dgst = openssl(&[
        "dgst",
        "-sha256",
        "-hmac",
        "an HMAC_256 key of 32 characters",
        "-r",
        s(&msg),
    ]);
    assert!(String::from_utf8(dgst).unwrap().starts_with(&hex(&ours)));
}

const PYTHON_KEY_PAIRS: &str = r#"
import sys
from cryptography.hazmat.primitives import serialization
for line in sys.stdin:
    name, private, public = line.split()
    key = serialization.load_der_private_key(bytes.fromhex(private), password=None)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    print(name, "match" if spki.hex() == public else "MISMATCH")
"#;

#[test]
fn data_key_pairs_load_in_openssl_and_python() {
    let dir = tempfile::tempdir().unwrap();
    let mut input = String::new();
    let mut pairs = Vec::new();
    for spec in DataKeyPairSpec::ALL {
        if spec == DataKeyPairSpec::Rsa4096 {
            continue; // same code as 2048/3072, slow to generate in debug builds
        }
        pairs.push((spec.name(), generate_data_key_pair(spec).unwrap()));
    }
    for spec in [
        AsymmetricSpec::MlDsa44,
        AsymmetricSpec::MlDsa65,
        AsymmetricSpec::MlDsa87,
    ] {
        pairs.push((spec.name(), generate_key_pair(spec).unwrap()));
    }
    for (name, (private, public)) in &pairs {
        writeln!(input, "{name} {} {}", hex(private.expose()), hex(public)).unwrap();
        if name.starts_with("ML_DSA") {
            continue; // not in OpenSSL 3.0
        }
        let der = write(dir.path(), "private.der", private.expose());
        let spki = openssl(&[
            "pkey",
            "-inform",
            "DER",
            "-in",
            s(&der),
            "-pubout",
            "-outform",
            "DER",
        ]);
        assert_eq!(&spki, public, "{name}: OpenSSL derives another public key");
    }
    let output = python(PYTHON_KEY_PAIRS, &input);
    assert_eq!(output.lines().count(), pairs.len());
    for line in output.lines() {
        assert!(line.ends_with(" match"), "{line}");
    }
}

const PYTHON_ML_DSA_KEYS: &str = r#"
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import mldsa
for name, cls in [("ML_DSA_44", mldsa.MLDSA44PrivateKey), ("ML_DSA_65", mldsa.MLDSA65PrivateKey), ("ML_DSA_87", mldsa.MLDSA87PrivateKey)]:
    key = cls.generate()
    private = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    print(name, private.hex(), public.hex())
"#;

/// Imported key material (BYOK) is PKCS#8 made elsewhere: keys OpenSSL and `cryptography`
/// generate must load in Trent as the same key.
#[test]
fn keys_made_by_openssl_and_python_import_into_trent() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(AsymmetricSpec, &[&str]); 6] = [
        (
            AsymmetricSpec::Rsa2048,
            &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        ),
        (
            AsymmetricSpec::EccNistP256,
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        ),
        (
            AsymmetricSpec::EccNistP384,
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
        ),
        (
            AsymmetricSpec::EccNistP521,
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"],
        ),
        (
            AsymmetricSpec::EccSecgP256k1,
            &[
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:secp256k1",
            ],
        ),
        (
            AsymmetricSpec::EccNistEdwards25519,
            &["-algorithm", "ED25519"],
        ),
    ];
    for (spec, options) in cases {
        let pem = dir.path().join("key.pem");
        let mut args = vec!["genpkey"];
        args.extend_from_slice(options);
        args.extend(["-out", s(&pem)]);
        openssl(&args);
        let pkcs8 = openssl(&[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            s(&pem),
            "-outform",
            "DER",
        ]);
        let spki = openssl(&["pkey", "-in", s(&pem), "-pubout", "-outform", "DER"]);
        let key = PrivateKey::from_pkcs8(spec, &pkcs8).unwrap();
        assert_eq!(key.public_key_der(), spki.as_slice(), "{spec:?}");
        for &algorithm in spec.signing_algorithms() {
            for &message_type in algorithm.message_types() {
                let input = message_for(algorithm, message_type, b"imported");
                let signature = key.sign(algorithm, message_type, &input).unwrap();
                assert!(
                    key.verify(algorithm, message_type, &input, &signature)
                        .unwrap()
                );
            }
        }
    }
    // ML-DSA keys from `cryptography` (OpenSSL 3.5+ inside), including EXTERNAL_MU.
    let output = python(PYTHON_ML_DSA_KEYS, "");
    assert_eq!(output.lines().count(), 3);
    for line in output.lines() {
        let mut fields = line.split_whitespace();
        let spec = AsymmetricSpec::from_name(fields.next().unwrap()).unwrap();
        let pkcs8 = unhex(fields.next().unwrap());
        let spki = unhex(fields.next().unwrap());
        let key = PrivateKey::from_pkcs8(spec, &pkcs8).unwrap();
        assert_eq!(key.public_key_der(), spki.as_slice(), "{spec:?}");
        let algorithm = SigningAlgorithm::MlDsaShake256;
        for message_type in [MessageType::Raw, MessageType::ExternalMu] {
            let input = vec![9u8; 64];
            let signature = key.sign(algorithm, message_type, &input).unwrap();
            assert!(
                key.verify(algorithm, message_type, &input, &signature)
                    .unwrap()
            );
        }
    }
}
