//! What each measured operation needs: which keys, made how, and the one request body that is
//! then sent over and over.
//!
//! # Why it is separate
//!
//! The timed loop must not care which operation it drives: it sends a pre-built body. All the
//! KMS knowledge (key specs and usages, signing and MAC algorithms, which ciphertext a
//! `Decrypt` needs) lives here and runs once, before the clock starts. Only public KMS request
//! members are used, so any KMS-compatible endpoint can be set up the same way.

use anyhow::{Context, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use crate::args::Settings;
use crate::client::{Call, Client};

/// An operation `trent bench` can measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Operation {
    /// `Encrypt` a `--payload-bytes` plaintext (symmetric, or RSA with OAEP-SHA-256).
    #[value(name = "Encrypt")]
    Encrypt,
    /// `Decrypt` a ciphertext made in setup.
    #[value(name = "Decrypt")]
    Decrypt,
    /// `GenerateDataKey` for an AES-256 data key.
    #[value(name = "GenerateDataKey")]
    GenerateDataKey,
    /// `GenerateDataKeyWithoutPlaintext` for an AES-256 data key.
    #[value(name = "GenerateDataKeyWithoutPlaintext")]
    GenerateDataKeyWithoutPlaintext,
    /// `ReEncrypt` a ciphertext made in setup from one key to a second one.
    #[value(name = "ReEncrypt")]
    ReEncrypt,
    /// `Sign` a `--payload-bytes` message (`MessageType` RAW).
    #[value(name = "Sign")]
    Sign,
    /// `Verify` a signature made in setup.
    #[value(name = "Verify")]
    Verify,
    /// `GenerateMac` over a `--payload-bytes` message.
    #[value(name = "GenerateMac")]
    GenerateMac,
    /// `VerifyMac` of a MAC made in setup.
    #[value(name = "VerifyMac")]
    VerifyMac,
    /// `DescribeKey`: no cryptography, the cost of authentication and a key lookup.
    #[value(name = "DescribeKey")]
    DescribeKey,
    /// `CreateKey` of the `--key-spec` (every request makes a key that stays).
    #[value(name = "CreateKey")]
    CreateKey,
    /// `GenerateRandom` of `--payload-bytes` bytes: no key at all, the protocol's own cost.
    #[value(name = "GenerateRandom")]
    GenerateRandom,
    /// No server: signs with aws-lc-rs in `--concurrency` threads, the ceiling for `Sign`.
    #[value(name = "RawSign")]
    RawSign,
}

impl Operation {
    /// The name after `TrentService.` in `X-Amz-Target`, and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Encrypt => "Encrypt",
            Operation::Decrypt => "Decrypt",
            Operation::GenerateDataKey => "GenerateDataKey",
            Operation::GenerateDataKeyWithoutPlaintext => "GenerateDataKeyWithoutPlaintext",
            Operation::ReEncrypt => "ReEncrypt",
            Operation::Sign => "Sign",
            Operation::Verify => "Verify",
            Operation::GenerateMac => "GenerateMac",
            Operation::VerifyMac => "VerifyMac",
            Operation::DescribeKey => "DescribeKey",
            Operation::CreateKey => "CreateKey",
            Operation::GenerateRandom => "GenerateRandom",
            Operation::RawSign => "RawSign",
        }
    }

    /// Whether the operation works with a key of `spec`.
    pub fn accepts(self, spec: KeySpec) -> bool {
        let kind = spec.kind();
        match self {
            Operation::Encrypt | Operation::Decrypt => {
                matches!(kind, KeyKind::Symmetric | KeyKind::Rsa { .. })
            }
            Operation::GenerateDataKey
            | Operation::GenerateDataKeyWithoutPlaintext
            | Operation::ReEncrypt => kind == KeyKind::Symmetric,
            Operation::Sign | Operation::Verify | Operation::RawSign => {
                matches!(
                    kind,
                    KeyKind::Rsa { .. } | KeyKind::Ecdsa | KeyKind::Ed25519
                )
            }
            Operation::GenerateMac | Operation::VerifyMac => kind == KeyKind::Hmac,
            Operation::DescribeKey | Operation::CreateKey => true,
            Operation::GenerateRandom => false,
        }
    }

    /// The key spec used when neither `--key-spec` nor `--key-id` is given (`None`: no key).
    pub fn default_key_spec(self) -> Option<KeySpec> {
        match self {
            Operation::GenerateRandom => None,
            Operation::Sign | Operation::Verify | Operation::RawSign => Some(KeySpec::EccNistP256),
            Operation::GenerateMac | Operation::VerifyMac => Some(KeySpec::Hmac256),
            _ => Some(KeySpec::SymmetricDefault),
        }
    }

    /// Whether `--payload-bytes` means something for this operation, and its bounds.
    pub(crate) fn payload_bounds(self, spec: Option<KeySpec>) -> Option<(usize, usize)> {
        match self {
            Operation::Encrypt | Operation::Decrypt => match spec.map(KeySpec::kind) {
                Some(KeyKind::Rsa { bits }) => Some((1, rsa_oaep_sha256_max_plaintext(bits))),
                _ => Some((1, 4096)),
            },
            Operation::Sign
            | Operation::Verify
            | Operation::RawSign
            | Operation::GenerateMac
            | Operation::VerifyMac
            | Operation::ReEncrypt => Some((1, 4096)),
            Operation::GenerateRandom => Some((1, 1024)),
            _ => None,
        }
    }
}

/// The longest plaintext RSAES-OAEP with SHA-256 can encrypt under a `bits`-bit key.
fn rsa_oaep_sha256_max_plaintext(bits: usize) -> usize {
    bits / 8 - 2 * 32 - 2
}

/// The KMS key specs `trent bench` can create and use (`--key-spec`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum KeySpec {
    /// AES-256-GCM, the default symmetric key.
    #[value(name = "SYMMETRIC_DEFAULT")]
    SymmetricDefault,
    /// RSA with a 2048-bit modulus.
    #[value(name = "RSA_2048")]
    Rsa2048,
    /// RSA with a 3072-bit modulus.
    #[value(name = "RSA_3072")]
    Rsa3072,
    /// RSA with a 4096-bit modulus.
    #[value(name = "RSA_4096")]
    Rsa4096,
    /// ECDSA on P-256.
    #[value(name = "ECC_NIST_P256")]
    EccNistP256,
    /// ECDSA on P-384.
    #[value(name = "ECC_NIST_P384")]
    EccNistP384,
    /// ECDSA on P-521.
    #[value(name = "ECC_NIST_P521")]
    EccNistP521,
    /// ECDSA on secp256k1.
    #[value(name = "ECC_SECG_P256K1")]
    EccSecgP256k1,
    /// Ed25519.
    #[value(name = "ECC_NIST_EDWARDS25519")]
    EccNistEdwards25519,
    /// HMAC with SHA-224.
    #[value(name = "HMAC_224")]
    Hmac224,
    /// HMAC with SHA-256.
    #[value(name = "HMAC_256")]
    Hmac256,
    /// HMAC with SHA-384.
    #[value(name = "HMAC_384")]
    Hmac384,
    /// HMAC with SHA-512.
    #[value(name = "HMAC_512")]
    Hmac512,
}

/// The family of a key spec: what it can do and how large it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Symmetric,
    Rsa { bits: usize },
    Ecdsa,
    Ed25519,
    Hmac,
}

impl KeySpec {
    const ALL: [KeySpec; 13] = [
        KeySpec::SymmetricDefault,
        KeySpec::Rsa2048,
        KeySpec::Rsa3072,
        KeySpec::Rsa4096,
        KeySpec::EccNistP256,
        KeySpec::EccNistP384,
        KeySpec::EccNistP521,
        KeySpec::EccSecgP256k1,
        KeySpec::EccNistEdwards25519,
        KeySpec::Hmac224,
        KeySpec::Hmac256,
        KeySpec::Hmac384,
        KeySpec::Hmac512,
    ];

    /// The name KMS uses for the spec (`KeySpec` in `CreateKey`).
    pub fn name(self) -> &'static str {
        match self {
            KeySpec::SymmetricDefault => "SYMMETRIC_DEFAULT",
            KeySpec::Rsa2048 => "RSA_2048",
            KeySpec::Rsa3072 => "RSA_3072",
            KeySpec::Rsa4096 => "RSA_4096",
            KeySpec::EccNistP256 => "ECC_NIST_P256",
            KeySpec::EccNistP384 => "ECC_NIST_P384",
            KeySpec::EccNistP521 => "ECC_NIST_P521",
            KeySpec::EccSecgP256k1 => "ECC_SECG_P256K1",
            KeySpec::EccNistEdwards25519 => "ECC_NIST_EDWARDS25519",
            KeySpec::Hmac224 => "HMAC_224",
            KeySpec::Hmac256 => "HMAC_256",
            KeySpec::Hmac384 => "HMAC_384",
            KeySpec::Hmac512 => "HMAC_512",
        }
    }

    /// The spec KMS calls `name`, if it is one `trent bench` knows.
    pub fn from_name(name: &str) -> Option<KeySpec> {
        KeySpec::ALL.into_iter().find(|spec| spec.name() == name)
    }

    pub(crate) fn kind(self) -> KeyKind {
        match self {
            KeySpec::SymmetricDefault => KeyKind::Symmetric,
            KeySpec::Rsa2048 => KeyKind::Rsa { bits: 2048 },
            KeySpec::Rsa3072 => KeyKind::Rsa { bits: 3072 },
            KeySpec::Rsa4096 => KeyKind::Rsa { bits: 4096 },
            KeySpec::EccNistP256
            | KeySpec::EccNistP384
            | KeySpec::EccNistP521
            | KeySpec::EccSecgP256k1 => KeyKind::Ecdsa,
            KeySpec::EccNistEdwards25519 => KeyKind::Ed25519,
            KeySpec::Hmac224 | KeySpec::Hmac256 | KeySpec::Hmac384 | KeySpec::Hmac512 => {
                KeyKind::Hmac
            }
        }
    }

    /// The signing algorithm used unless `--signing-algorithm` says otherwise.
    pub fn default_signing_algorithm(self) -> Option<SigningAlgorithm> {
        match self {
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
                Some(SigningAlgorithm::RsassaPssSha256)
            }
            KeySpec::EccNistP256 | KeySpec::EccSecgP256k1 => Some(SigningAlgorithm::EcdsaSha256),
            KeySpec::EccNistP384 => Some(SigningAlgorithm::EcdsaSha384),
            KeySpec::EccNistP521 => Some(SigningAlgorithm::EcdsaSha512),
            KeySpec::EccNistEdwards25519 => Some(SigningAlgorithm::Ed25519Sha512),
            _ => None,
        }
    }

    /// The MAC algorithm of an HMAC key.
    fn mac_algorithm(self) -> Option<&'static str> {
        match self {
            KeySpec::Hmac224 => Some("HMAC_SHA_224"),
            KeySpec::Hmac256 => Some("HMAC_SHA_256"),
            KeySpec::Hmac384 => Some("HMAC_SHA_384"),
            KeySpec::Hmac512 => Some("HMAC_SHA_512"),
            _ => None,
        }
    }

    /// The `KeyUsage` a key of this spec is created with to serve `operation`.
    fn key_usage_for(self, operation: Operation) -> &'static str {
        match self.kind() {
            KeyKind::Symmetric => "ENCRYPT_DECRYPT",
            KeyKind::Rsa { .. } if matches!(operation, Operation::Encrypt | Operation::Decrypt) => {
                "ENCRYPT_DECRYPT"
            }
            KeyKind::Rsa { .. } | KeyKind::Ecdsa | KeyKind::Ed25519 => "SIGN_VERIFY",
            KeyKind::Hmac => "GENERATE_VERIFY_MAC",
        }
    }
}

/// The signing algorithms of `Sign`, `Verify` and `RawSign` (`--signing-algorithm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum SigningAlgorithm {
    /// RSASSA-PSS with SHA-256.
    #[value(name = "RSASSA_PSS_SHA_256")]
    RsassaPssSha256,
    /// RSASSA-PSS with SHA-384.
    #[value(name = "RSASSA_PSS_SHA_384")]
    RsassaPssSha384,
    /// RSASSA-PSS with SHA-512.
    #[value(name = "RSASSA_PSS_SHA_512")]
    RsassaPssSha512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    #[value(name = "RSASSA_PKCS1_V1_5_SHA_256")]
    RsassaPkcs1V15Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    #[value(name = "RSASSA_PKCS1_V1_5_SHA_384")]
    RsassaPkcs1V15Sha384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    #[value(name = "RSASSA_PKCS1_V1_5_SHA_512")]
    RsassaPkcs1V15Sha512,
    /// ECDSA with SHA-256.
    #[value(name = "ECDSA_SHA_256")]
    EcdsaSha256,
    /// ECDSA with SHA-384.
    #[value(name = "ECDSA_SHA_384")]
    EcdsaSha384,
    /// ECDSA with SHA-512.
    #[value(name = "ECDSA_SHA_512")]
    EcdsaSha512,
    /// Ed25519 (pure, over the raw message).
    #[value(name = "ED25519_SHA_512")]
    Ed25519Sha512,
}

impl SigningAlgorithm {
    /// The name KMS uses (`SigningAlgorithm` in `Sign` and `Verify`).
    pub fn name(self) -> &'static str {
        match self {
            SigningAlgorithm::RsassaPssSha256 => "RSASSA_PSS_SHA_256",
            SigningAlgorithm::RsassaPssSha384 => "RSASSA_PSS_SHA_384",
            SigningAlgorithm::RsassaPssSha512 => "RSASSA_PSS_SHA_512",
            SigningAlgorithm::RsassaPkcs1V15Sha256 => "RSASSA_PKCS1_V1_5_SHA_256",
            SigningAlgorithm::RsassaPkcs1V15Sha384 => "RSASSA_PKCS1_V1_5_SHA_384",
            SigningAlgorithm::RsassaPkcs1V15Sha512 => "RSASSA_PKCS1_V1_5_SHA_512",
            SigningAlgorithm::EcdsaSha256 => "ECDSA_SHA_256",
            SigningAlgorithm::EcdsaSha384 => "ECDSA_SHA_384",
            SigningAlgorithm::EcdsaSha512 => "ECDSA_SHA_512",
            SigningAlgorithm::Ed25519Sha512 => "ED25519_SHA_512",
        }
    }

    /// Whether KMS allows this algorithm with a key of `spec`.
    pub fn fits(self, spec: KeySpec) -> bool {
        use SigningAlgorithm::*;
        match spec {
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => matches!(
                self,
                RsassaPssSha256
                    | RsassaPssSha384
                    | RsassaPssSha512
                    | RsassaPkcs1V15Sha256
                    | RsassaPkcs1V15Sha384
                    | RsassaPkcs1V15Sha512
            ),
            KeySpec::EccNistP256 | KeySpec::EccSecgP256k1 => self == EcdsaSha256,
            KeySpec::EccNistP384 => self == EcdsaSha384,
            KeySpec::EccNistP521 => self == EcdsaSha512,
            KeySpec::EccNistEdwards25519 => self == Ed25519Sha512,
            _ => false,
        }
    }
}

/// What setup leaves for the timed phase.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// The request every worker sends.
    pub call: Call,
    /// The spec of the key the timed request uses (learned from the server with `--key-id`).
    pub key_spec: Option<KeySpec>,
    /// Keys setup created, to be scheduled for deletion afterwards.
    pub created_keys: Vec<String>,
}

/// Runs setup: makes or describes the keys, makes the inputs, builds the timed request.
pub(crate) async fn prepare(client: &mut Client, settings: &Settings) -> anyhow::Result<Prepared> {
    let operation = settings.operation;
    let payload = BASE64.encode(random_bytes(settings.payload_bytes)?);
    let mut created_keys = Vec::new();

    if operation == Operation::GenerateRandom {
        let body = json!({ "NumberOfBytes": settings.payload_bytes });
        return Ok(Prepared {
            call: Call::new(operation.name(), &body)?,
            key_spec: None,
            created_keys,
        });
    }
    if operation == Operation::CreateKey {
        let spec = settings.key_spec.unwrap_or(KeySpec::SymmetricDefault);
        let body = json!({
            "KeySpec": spec.name(),
            "KeyUsage": spec.key_usage_for(operation),
            "Description": "trent bench CreateKey",
        });
        return Ok(Prepared {
            call: Call::new(operation.name(), &body)?,
            key_spec: Some(spec),
            created_keys,
        });
    }

    let (key_id, spec) = match &settings.key_id {
        Some(key_id) => (
            key_id.clone(),
            describe_key(client, key_id, operation).await?,
        ),
        None => {
            let spec = settings
                .key_spec
                .ok_or_else(|| anyhow!("{} needs a key spec", operation.name()))?;
            let key_id = create_key(client, spec, operation).await?;
            created_keys.push(key_id.clone());
            (key_id, spec)
        }
    };
    settings.check_payload_for(spec)?;

    let body = match operation {
        Operation::Encrypt => {
            let mut body = json!({ "KeyId": key_id, "Plaintext": payload });
            add_encryption_algorithm(&mut body, spec);
            body
        }
        Operation::Decrypt => {
            let mut encrypt = json!({ "KeyId": key_id, "Plaintext": payload });
            add_encryption_algorithm(&mut encrypt, spec);
            let encrypted = client.call_json("Encrypt", &encrypt).await?;
            let mut body = json!({
                "KeyId": key_id,
                "CiphertextBlob": string_member(&encrypted, "CiphertextBlob", "Encrypt")?,
            });
            add_encryption_algorithm(&mut body, spec);
            body
        }
        Operation::GenerateDataKey | Operation::GenerateDataKeyWithoutPlaintext => {
            json!({ "KeyId": key_id, "KeySpec": "AES_256" })
        }
        Operation::ReEncrypt => {
            let destination = if settings.key_id.is_some() {
                key_id.clone()
            } else {
                let second = create_key(client, KeySpec::SymmetricDefault, operation).await?;
                created_keys.push(second.clone());
                second
            };
            let encrypted = client
                .call_json("Encrypt", &json!({ "KeyId": key_id, "Plaintext": payload }))
                .await?;
            json!({
                "CiphertextBlob": string_member(&encrypted, "CiphertextBlob", "Encrypt")?,
                "SourceKeyId": key_id,
                "DestinationKeyId": destination,
            })
        }
        Operation::Sign | Operation::Verify => {
            let algorithm = settings.signing_algorithm_for(spec)?;
            let sign = json!({
                "KeyId": key_id,
                "Message": payload,
                "MessageType": "RAW",
                "SigningAlgorithm": algorithm.name(),
            });
            if operation == Operation::Sign {
                sign
            } else {
                let signed = client.call_json("Sign", &sign).await?;
                let mut verify = sign;
                verify["Signature"] = Value::String(string_member(&signed, "Signature", "Sign")?);
                verify
            }
        }
        Operation::GenerateMac | Operation::VerifyMac => {
            let algorithm = spec
                .mac_algorithm()
                .ok_or_else(|| anyhow!("{} is not an HMAC key spec", spec.name()))?;
            let generate =
                json!({ "KeyId": key_id, "Message": payload, "MacAlgorithm": algorithm });
            if operation == Operation::GenerateMac {
                generate
            } else {
                let made = client.call_json("GenerateMac", &generate).await?;
                let mut verify = generate;
                verify["Mac"] = Value::String(string_member(&made, "Mac", "GenerateMac")?);
                verify
            }
        }
        Operation::DescribeKey => json!({ "KeyId": key_id }),
        Operation::CreateKey | Operation::GenerateRandom | Operation::RawSign => {
            bail!("{} has no key to prepare", operation.name())
        }
    };
    Ok(Prepared {
        call: Call::new(operation.name(), &body)?,
        key_spec: Some(spec),
        created_keys,
    })
}

/// Schedules the deletion of the keys setup created (the shortest waiting period KMS allows).
/// Failures are only logged: the measurement is already done.
pub(crate) async fn clean_up(client: &mut Client, keys: &[String]) {
    for key_id in keys {
        let body = json!({ "KeyId": key_id, "PendingWindowInDays": 7 });
        if let Err(err) = client.call_json("ScheduleKeyDeletion", &body).await {
            tracing::warn!(%key_id, "could not schedule the deletion of a benchmark key: {err:#}");
        }
    }
}

async fn create_key(
    client: &mut Client,
    spec: KeySpec,
    operation: Operation,
) -> anyhow::Result<String> {
    let body = json!({
        "KeySpec": spec.name(),
        "KeyUsage": spec.key_usage_for(operation),
        "Description": format!("trent bench {}", operation.name()),
    });
    let created = client.call_json("CreateKey", &body).await?;
    let key_id = created
        .get("KeyMetadata")
        .and_then(|metadata| metadata.get("KeyId"))
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("CreateKey answered without KeyMetadata.KeyId"))?;
    tracing::info!(%key_id, spec = spec.name(), "created a key for the benchmark");
    Ok(key_id.to_owned())
}

/// Learns the spec of an existing key and checks `operation` can use it.
async fn describe_key(
    client: &mut Client,
    key_id: &str,
    operation: Operation,
) -> anyhow::Result<KeySpec> {
    let described = client
        .call_json("DescribeKey", &json!({ "KeyId": key_id }))
        .await
        .with_context(|| format!("cannot describe --key-id {key_id}"))?;
    let metadata = described
        .get("KeyMetadata")
        .ok_or_else(|| anyhow!("DescribeKey answered without KeyMetadata"))?;
    let name = metadata
        .get("KeySpec")
        .or_else(|| metadata.get("CustomerMasterKeySpec"))
        .and_then(Value::as_str)
        .unwrap_or("SYMMETRIC_DEFAULT");
    let spec = KeySpec::from_name(name).ok_or_else(|| {
        anyhow!("key {key_id} has key spec {name}, which trent bench does not know")
    })?;
    if !operation.accepts(spec) {
        bail!(
            "{} cannot use key {key_id}: its key spec is {name}",
            operation.name()
        );
    }
    Ok(spec)
}

/// Asymmetric encryption must name its algorithm; symmetric encryption must not need to.
fn add_encryption_algorithm(body: &mut Value, spec: KeySpec) {
    if matches!(spec.kind(), KeyKind::Rsa { .. }) {
        body["EncryptionAlgorithm"] = Value::String("RSAES_OAEP_SHA_256".to_owned());
    }
}

fn string_member(answer: &Value, member: &str, operation: &str) -> anyhow::Result<String> {
    answer
        .get(member)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("{operation} answered without {member}"))
}

/// Random bytes for plaintexts and messages, so no layer can shortcut on a constant input.
pub(crate) fn random_bytes(len: usize) -> anyhow::Result<Vec<u8>> {
    let mut bytes = vec![0u8; len];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| anyhow!("the random generator failed"))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_names_round_trip() {
        for spec in KeySpec::ALL {
            assert_eq!(KeySpec::from_name(spec.name()), Some(spec));
        }
        assert_eq!(KeySpec::from_name("RSA_1024"), None);
    }

    #[test]
    fn default_signing_algorithm_fits_its_spec() {
        for spec in KeySpec::ALL {
            if let Some(algorithm) = spec.default_signing_algorithm() {
                assert!(algorithm.fits(spec), "{}", spec.name());
            }
        }
        assert!(!SigningAlgorithm::EcdsaSha256.fits(KeySpec::Rsa2048));
        assert!(!SigningAlgorithm::Ed25519Sha512.fits(KeySpec::EccNistP256));
    }

    #[test]
    fn operations_accept_their_default_spec() {
        for operation in [
            Operation::Encrypt,
            Operation::Decrypt,
            Operation::GenerateDataKey,
            Operation::ReEncrypt,
            Operation::Sign,
            Operation::Verify,
            Operation::GenerateMac,
            Operation::VerifyMac,
            Operation::DescribeKey,
            Operation::CreateKey,
            Operation::RawSign,
        ] {
            let spec = operation.default_key_spec().expect("a key operation");
            assert!(operation.accepts(spec), "{}", operation.name());
        }
        assert!(!Operation::Sign.accepts(KeySpec::SymmetricDefault));
        assert!(!Operation::ReEncrypt.accepts(KeySpec::Rsa2048));
        assert!(Operation::Decrypt.accepts(KeySpec::Rsa3072));
    }

    #[test]
    fn rsa_plaintext_limits_match_oaep_sha256() {
        assert_eq!(rsa_oaep_sha256_max_plaintext(2048), 190);
        assert_eq!(rsa_oaep_sha256_max_plaintext(4096), 446);
    }
}
