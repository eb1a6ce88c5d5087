//! Operations of asymmetric and HMAC keys: Sign, Verify, GetPublicKey, GenerateMac, VerifyMac,
//! DeriveSharedSecret, and data key pairs (wrapped under a symmetric key).
//!
//! The order of checks is AWS's: resolve the key, authorize, key state, key usage, algorithm,
//! then the input itself, then `DryRun`. Private keys come parsed from the key cache.

use trent_crypto::EncryptionContext;
use trent_crypto::asymmetric::{
    self as crypto, AsymmetricSpec, MessageType as CryptoMessageType, SigningAlgorithm,
};
use trent_protocol::{
    Blob, CustomerMasterKeySpec, DataKeyPairSpec, DeriveSharedSecretRequest,
    DeriveSharedSecretResponse, ErrorCode, GenerateDataKeyPairRequest, GenerateDataKeyPairResponse,
    GenerateDataKeyPairWithoutPlaintextRequest, GenerateDataKeyPairWithoutPlaintextResponse,
    GenerateMacRequest, GenerateMacResponse, GetPublicKeyRequest, GetPublicKeyResponse,
    KeyAgreementAlgorithmSpec, KeySpec, KeyUsageType, KmsError, MacAlgorithmSpec, MessageType,
    OriginType, SensitiveBlob, SignRequest, SignResponse, SigningAlgorithmSpec, VerifyMacRequest,
    VerifyMacResponse, VerifyRequest, VerifyResponse,
};

use super::require_enabled;
use crate::ids::Accept;
use crate::keys::{LoadedKey, key_material_id};
use crate::{Caller, CoreError, Kms, errors};

/// The key's usage must be `usage` for `operation`.
fn require_usage(key: &LoadedKey, usage: &str, operation: &str) -> Result<(), KmsError> {
    if key.record.key_usage != usage {
        return Err(errors::key_usage_not_valid(
            &key.arn,
            &key.record.key_usage,
            operation,
        ));
    }
    Ok(())
}

fn asymmetric_spec(key: &LoadedKey) -> Result<AsymmetricSpec, KmsError> {
    AsymmetricSpec::from_name(&key.record.key_spec)
        .ok_or_else(|| CoreError::Corrupt(format!("key spec {}", key.record.key_spec)).into())
}

/// The signing algorithm a request names, checked against the key's spec.
fn signing_algorithm(
    key: &LoadedKey,
    requested: Option<&SigningAlgorithmSpec>,
) -> Result<SigningAlgorithm, KmsError> {
    let spec = asymmetric_spec(key)?;
    let name = requested.map(SigningAlgorithmSpec::as_str).unwrap_or("");
    SigningAlgorithm::from_name(name)
        .filter(|algorithm| spec.signing_algorithms().contains(algorithm))
        .ok_or_else(|| errors::algorithm_incompatible(name, &key.record.key_spec))
}

fn message_type(requested: Option<&MessageType>) -> CryptoMessageType {
    match requested {
        Some(MessageType::Digest) => CryptoMessageType::Digest,
        Some(MessageType::ExternalMu) => CryptoMessageType::ExternalMu,
        _ => CryptoMessageType::Raw,
    }
}

/// AWS's answers for a message the algorithm cannot take.
fn message_error(err: trent_crypto::CryptoError, algorithm: SigningAlgorithm) -> KmsError {
    use trent_crypto::CryptoError as E;
    match err {
        E::DigestLength => errors::validation(format!(
            "Digest is invalid length for algorithm {}.",
            algorithm.name()
        )),
        E::WrongMessageType => errors::validation(format!(
            "The message type is not valid for signing algorithm {}.",
            algorithm.name()
        )),
        E::ExternalMuLength => errors::validation(format!(
            "The EXTERNAL_MU message must be 64 bytes for algorithm {}.",
            algorithm.name()
        )),
        E::UnsupportedAlgorithm => errors::unsupported(format!(
            "Trent does not support {} with this message type yet.",
            algorithm.name()
        )),
        other => CoreError::Invalid(format!("signing: {other}")).into(),
    }
}

/// The algorithm lists of a key spec and usage, as KeyMetadata and GetPublicKey show them:
/// (encryption, signing, MAC, key agreement).
pub(crate) type AlgorithmLists = (
    Option<Vec<trent_protocol::EncryptionAlgorithmSpec>>,
    Option<Vec<SigningAlgorithmSpec>>,
    Option<Vec<MacAlgorithmSpec>>,
    Option<Vec<KeyAgreementAlgorithmSpec>>,
);

pub(crate) fn algorithm_lists(key_spec: &str, key_usage: &str) -> AlgorithmLists {
    use trent_protocol::EncryptionAlgorithmSpec as E;
    match key_usage {
        "ENCRYPT_DECRYPT" if key_spec == "SYMMETRIC_DEFAULT" => {
            (Some(vec![E::SymmetricDefault]), None, None, None)
        }
        "ENCRYPT_DECRYPT" => (
            Some(vec![E::RsaesOaepSha1, E::RsaesOaepSha256]),
            None,
            None,
            None,
        ),
        "SIGN_VERIFY" => (
            None,
            AsymmetricSpec::from_name(key_spec).map(|spec| {
                spec.signing_algorithms()
                    .iter()
                    .map(|a| SigningAlgorithmSpec::from(a.name()))
                    .collect()
            }),
            None,
            None,
        ),
        "GENERATE_VERIFY_MAC" => (
            None,
            None,
            crypto::HmacSpec::from_name(key_spec)
                .map(|spec| vec![MacAlgorithmSpec::from(spec.mac_algorithm())]),
            None,
        ),
        "KEY_AGREEMENT" => (
            None,
            None,
            None,
            Some(vec![KeyAgreementAlgorithmSpec::Ecdh]),
        ),
        _ => (None, None, None, None),
    }
}

impl Kms {
    fn usable_key(
        &self,
        caller: &Caller,
        key_id: Option<&str>,
        action: &str,
    ) -> Result<std::sync::Arc<LoadedKey>, KmsError> {
        let key = self.resolve(caller, key_id.unwrap_or_default(), Accept::KeyOrAlias)?;
        self.authorize(caller, action, &key)?;
        require_enabled(&key)?;
        Ok(key)
    }

    pub(crate) fn sign(
        &self,
        caller: &Caller,
        request: SignRequest,
    ) -> Result<SignResponse, KmsError> {
        let key = self.usable_key(caller, request.key_id.as_deref(), "kms:Sign")?;
        require_usage(&key, "SIGN_VERIFY", "Sign")?;
        let algorithm = signing_algorithm(&key, request.signing_algorithm.as_ref())?;
        let message = request
            .message
            .as_ref()
            .map(SensitiveBlob::expose)
            .unwrap_or_default();
        let kind = message_type(request.message_type.as_ref());
        let private = key.private_key()?;
        if request.dry_run == Some(true) {
            return Err(errors::dry_run());
        }
        let signature = private
            .sign(algorithm, kind, message)
            .map_err(|err| message_error(err, algorithm))?;
        Ok(SignResponse {
            key_id: Some(key.arn.clone()),
            signature: Some(Blob(signature)),
            signing_algorithm: Some(SigningAlgorithmSpec::from(algorithm.name())),
        })
    }

    pub(crate) fn verify(
        &self,
        caller: &Caller,
        request: VerifyRequest,
    ) -> Result<VerifyResponse, KmsError> {
        let key = self.usable_key(caller, request.key_id.as_deref(), "kms:Verify")?;
        require_usage(&key, "SIGN_VERIFY", "Verify")?;
        let algorithm = signing_algorithm(&key, request.signing_algorithm.as_ref())?;
        let message = request
            .message
            .as_ref()
            .map(SensitiveBlob::expose)
            .unwrap_or_default();
        let signature = request
            .signature
            .as_ref()
            .map(|b| b.0.as_slice())
            .unwrap_or_default();
        let kind = message_type(request.message_type.as_ref());
        let private = key.private_key()?;
        if request.dry_run == Some(true) {
            return Err(errors::dry_run());
        }
        let valid = private
            .verify(algorithm, kind, message, signature)
            .map_err(|err| message_error(err, algorithm))?;
        if !valid {
            return Err(KmsError::bare(ErrorCode::KMSInvalidSignatureException));
        }
        Ok(VerifyResponse {
            key_id: Some(key.arn.clone()),
            signature_valid: Some(true),
            signing_algorithm: Some(SigningAlgorithmSpec::from(algorithm.name())),
        })
    }

    pub(crate) fn get_public_key(
        &self,
        caller: &Caller,
        request: GetPublicKeyRequest,
    ) -> Result<GetPublicKeyResponse, KmsError> {
        let key = self.usable_key(caller, request.key_id.as_deref(), "kms:GetPublicKey")?;
        let Ok(private) = key.private_key() else {
            return Err(errors::unsupported(format!(
                "{} key spec is {} which has no public key.",
                key.arn, key.record.key_spec
            )));
        };
        let (encryption, signing, _, agreement) =
            algorithm_lists(&key.record.key_spec, &key.record.key_usage);
        Ok(GetPublicKeyResponse {
            key_id: Some(key.arn.clone()),
            public_key: Some(Blob(private.public_key_der().to_vec())),
            customer_master_key_spec: Some(CustomerMasterKeySpec::from(
                key.record.key_spec.as_str(),
            )),
            key_spec: Some(KeySpec::from(key.record.key_spec.as_str())),
            key_usage: Some(KeyUsageType::from(key.record.key_usage.as_str())),
            encryption_algorithms: encryption,
            signing_algorithms: signing,
            key_agreement_algorithms: agreement,
        })
    }

    pub(crate) fn generate_mac(
        &self,
        caller: &Caller,
        request: GenerateMacRequest,
    ) -> Result<GenerateMacResponse, KmsError> {
        let key = self.mac_key(
            caller,
            request.key_id.as_deref(),
            "GenerateMac",
            request.mac_algorithm.as_ref(),
            request.dry_run == Some(true),
        )?;
        let (spec, secret) = key.hmac_key()?;
        let message = request
            .message
            .as_ref()
            .map(SensitiveBlob::expose)
            .unwrap_or_default();
        Ok(GenerateMacResponse {
            mac: Some(Blob(crypto::mac(spec, secret.expose(), message))),
            mac_algorithm: Some(MacAlgorithmSpec::from(spec.mac_algorithm())),
            key_id: Some(key.arn.clone()),
        })
    }

    pub(crate) fn verify_mac(
        &self,
        caller: &Caller,
        request: VerifyMacRequest,
    ) -> Result<VerifyMacResponse, KmsError> {
        let key = self.mac_key(
            caller,
            request.key_id.as_deref(),
            "VerifyMac",
            request.mac_algorithm.as_ref(),
            request.dry_run == Some(true),
        )?;
        let (spec, secret) = key.hmac_key()?;
        let message = request
            .message
            .as_ref()
            .map(SensitiveBlob::expose)
            .unwrap_or_default();
        let tag = request
            .mac
            .as_ref()
            .map(|b| b.0.as_slice())
            .unwrap_or_default();
        if !crypto::verify_mac(spec, secret.expose(), message, tag) {
            return Err(KmsError::bare(ErrorCode::KMSInvalidMacException));
        }
        Ok(VerifyMacResponse {
            key_id: Some(key.arn.clone()),
            mac_valid: Some(true),
            mac_algorithm: Some(MacAlgorithmSpec::from(spec.mac_algorithm())),
        })
    }

    /// The checks GenerateMac and VerifyMac share: an enabled HMAC key whose one algorithm is
    /// the requested one, then DryRun.
    fn mac_key(
        &self,
        caller: &Caller,
        key_id: Option<&str>,
        operation: &str,
        requested: Option<&MacAlgorithmSpec>,
        dry_run: bool,
    ) -> Result<std::sync::Arc<LoadedKey>, KmsError> {
        let key = self.usable_key(caller, key_id, &format!("kms:{operation}"))?;
        require_usage(&key, "GENERATE_VERIFY_MAC", operation)?;
        let (spec, _) = key.hmac_key()?;
        let name = requested.map(MacAlgorithmSpec::as_str).unwrap_or("");
        if name != spec.mac_algorithm() {
            return Err(errors::algorithm_incompatible(name, &key.record.key_spec));
        }
        if dry_run {
            return Err(errors::dry_run());
        }
        Ok(key)
    }

    pub(crate) fn derive_shared_secret(
        &self,
        caller: &Caller,
        request: DeriveSharedSecretRequest,
    ) -> Result<DeriveSharedSecretResponse, KmsError> {
        if request.recipient.is_some() {
            return Err(errors::unsupported(
                "Recipient (Nitro Enclaves attestation) is not supported by Trent.",
            ));
        }
        let key = self.usable_key(caller, request.key_id.as_deref(), "kms:DeriveSharedSecret")?;
        require_usage(&key, "KEY_AGREEMENT", "DeriveSharedSecret")?;
        let private = key.private_key()?;
        if request.dry_run == Some(true) {
            return Err(errors::dry_run());
        }
        let peer = request
            .public_key
            .as_ref()
            .map(|b| b.0.as_slice())
            .unwrap_or_default();
        // AWS answers a bad peer key with a ValidationException that has no message.
        let secret = private
            .derive_shared_secret(peer)
            .map_err(|_| KmsError::bare(ErrorCode::ValidationException))?;
        Ok(DeriveSharedSecretResponse {
            key_id: Some(key.arn.clone()),
            shared_secret: Some(SensitiveBlob::new(secret.expose().to_vec())),
            ciphertext_for_recipient: None,
            key_agreement_algorithm: Some(KeyAgreementAlgorithmSpec::Ecdh),
            key_origin: Some(OriginType::from(key.record.origin.as_str())),
        })
    }

    pub(crate) fn generate_data_key_pair(
        &self,
        caller: &Caller,
        request: GenerateDataKeyPairRequest,
    ) -> Result<GenerateDataKeyPairResponse, KmsError> {
        if request.recipient.is_some() {
            return Err(errors::unsupported(
                "Recipient (Nitro Enclaves attestation) is not supported by Trent.",
            ));
        }
        let pair = self.new_data_key_pair(
            caller,
            request.key_id.as_deref(),
            "GenerateDataKeyPair",
            request.key_pair_spec.as_ref(),
            request.encryption_context.as_ref(),
            request.dry_run == Some(true),
        )?;
        Ok(GenerateDataKeyPairResponse {
            private_key_ciphertext_blob: Some(Blob(pair.ciphertext)),
            private_key_plaintext: Some(SensitiveBlob::new(pair.private.expose().to_vec())),
            public_key: Some(Blob(pair.public)),
            key_id: Some(pair.key.arn.clone()),
            key_pair_spec: Some(pair.spec),
            ciphertext_for_recipient: None,
            key_material_id: Some(key_material_id(&pair.key.record.key_id, pair.version)),
        })
    }

    pub(crate) fn generate_data_key_pair_without_plaintext(
        &self,
        caller: &Caller,
        request: GenerateDataKeyPairWithoutPlaintextRequest,
    ) -> Result<GenerateDataKeyPairWithoutPlaintextResponse, KmsError> {
        let pair = self.new_data_key_pair(
            caller,
            request.key_id.as_deref(),
            "GenerateDataKeyPairWithoutPlaintext",
            request.key_pair_spec.as_ref(),
            request.encryption_context.as_ref(),
            request.dry_run == Some(true),
        )?;
        Ok(GenerateDataKeyPairWithoutPlaintextResponse {
            private_key_ciphertext_blob: Some(Blob(pair.ciphertext)),
            public_key: Some(Blob(pair.public)),
            key_id: Some(pair.key.arn.clone()),
            key_pair_spec: Some(pair.spec),
            key_material_id: Some(key_material_id(&pair.key.record.key_id, pair.version)),
        })
    }

    /// A data key pair whose private key is sealed under a symmetric KMS key, as an ordinary
    /// symmetric ciphertext (Decrypt opens it).
    fn new_data_key_pair(
        &self,
        caller: &Caller,
        key_id: Option<&str>,
        operation: &str,
        spec: Option<&DataKeyPairSpec>,
        context: Option<&EncryptionContext>,
        dry_run: bool,
    ) -> Result<NewKeyPair, KmsError> {
        let empty = EncryptionContext::new();
        let context = context.unwrap_or(&empty);
        let key = self.resolve(caller, key_id.unwrap_or_default(), Accept::KeyOrAlias)?;
        self.authorize_with_context(caller, &format!("kms:{operation}"), &key, Some(context))?;
        require_enabled(&key)?;
        require_usage(&key, "ENCRYPT_DECRYPT", operation)?;
        if key.record.key_spec != "SYMMETRIC_DEFAULT" {
            return Err(KmsError::new(
                ErrorCode::InvalidKeyUsageException,
                format!(
                    "{} key KeySpec is {} which is not valid for {operation}.",
                    key.arn, key.record.key_spec
                ),
            ));
        }
        let spec = spec
            .cloned()
            .unwrap_or(DataKeyPairSpec::Unknown(String::new()));
        let Ok(pair_spec) = trent_crypto::DataKeyPairSpec::from_name(spec.as_str()) else {
            return Err(errors::unsupported(format!(
                "KeyPairSpec {} is not supported by Trent.",
                spec.as_str()
            )));
        };
        if dry_run {
            return Err(errors::dry_run());
        }
        let (private, public) = trent_crypto::generate_data_key_pair(pair_spec)
            .map_err(|err| CoreError::Invalid(format!("data key pair: {err}")))?;
        let (ciphertext, version) = self.seal(&key, context, private.expose())?;
        Ok(NewKeyPair {
            key,
            spec,
            private,
            public,
            ciphertext,
            version,
        })
    }
}

struct NewKeyPair {
    key: std::sync::Arc<LoadedKey>,
    spec: DataKeyPairSpec,
    private: trent_crypto::Secret,
    public: Vec<u8>,
    ciphertext: Vec<u8>,
    version: u32,
}
