//! Encrypt, Decrypt, ReEncrypt, data keys and random bytes — the hot path.
//!
//! Nothing here reads the store when the key is cached: keys come from [`Kms::resolve`], whose
//! cache holds unwrapped material.

use std::sync::Arc;

use trent_crypto::asymmetric::OaepHash;
use trent_crypto::{EncryptionContext, Secret, random_bytes};
use trent_protocol::{
    Blob, DataKeySpec, DecryptRequest, DecryptResponse, DryRunModifierType, EncryptRequest,
    EncryptResponse, EncryptionAlgorithmSpec, ErrorCode, GenerateDataKeyRequest,
    GenerateDataKeyResponse, GenerateDataKeyWithoutPlaintextRequest,
    GenerateDataKeyWithoutPlaintextResponse, GenerateRandomRequest, GenerateRandomResponse,
    KmsError, ReEncryptRequest, ReEncryptResponse, SensitiveBlob,
};

use super::require_enabled;
use crate::ids::{Accept, key_id_bytes, key_ids_from_bytes};
use crate::keys::{LoadedKey, Material, key_material_id};
use crate::{Caller, CoreError, Kms, errors};

/// A ciphertext opened by Decrypt or ReEncrypt.
struct Opened {
    key: Arc<LoadedKey>,
    version: u32,
    plaintext: Secret,
}

/// What GenerateDataKey and GenerateDataKeyWithoutPlaintext ask for.
struct DataKeyAsk<'a> {
    key_id: &'a str,
    operation: &'a str,
    number_of_bytes: Option<i32>,
    key_spec: Option<&'a DataKeySpec>,
    context: &'a EncryptionContext,
    dry_run: bool,
}

struct NewDataKey {
    key: Arc<LoadedKey>,
    data_key: Secret,
    ciphertext: Vec<u8>,
    version: u32,
}

fn no_context() -> EncryptionContext {
    EncryptionContext::new()
}

/// Checks the algorithm a request names (SYMMETRIC_DEFAULT when it names none) against the
/// key: symmetric keys take SYMMETRIC_DEFAULT, RSA keys RSAES_OAEP_SHA_1/256 and only for
/// Encrypt, Decrypt and ReEncrypt (not data keys). Returns the OAEP hash for an RSA key.
fn check_encryption_algorithm(
    key: &LoadedKey,
    algorithm: Option<&EncryptionAlgorithmSpec>,
    operation: &str,
) -> Result<Option<OaepHash>, KmsError> {
    let algorithm = algorithm.unwrap_or(&EncryptionAlgorithmSpec::SymmetricDefault);
    let incompatible = || errors::algorithm_incompatible(algorithm.as_str(), &key.record.key_spec);
    if key.record.key_spec == "SYMMETRIC_DEFAULT" {
        return match algorithm {
            EncryptionAlgorithmSpec::SymmetricDefault => Ok(None),
            _ => Err(incompatible()),
        };
    }
    if !matches!(operation, "Encrypt" | "Decrypt" | "ReEncrypt") {
        return Err(KmsError::new(
            ErrorCode::InvalidKeyUsageException,
            format!(
                "{} key KeySpec is {} which is not valid for {operation}.",
                key.arn, key.record.key_spec
            ),
        ));
    }
    match algorithm {
        EncryptionAlgorithmSpec::RsaesOaepSha1 => Ok(Some(OaepHash::Sha1)),
        EncryptionAlgorithmSpec::RsaesOaepSha256 => Ok(Some(OaepHash::Sha256)),
        _ => Err(incompatible()),
    }
}

fn check_usage(key: &LoadedKey, operation: &str) -> Result<(), KmsError> {
    if key.record.key_usage != "ENCRYPT_DECRYPT" {
        return Err(errors::key_usage_not_valid(
            &key.arn,
            &key.record.key_usage,
            operation,
        ));
    }
    Ok(())
}

/// The ciphertext Decrypt and ReEncrypt need unless they only dry-run authorization (the model
/// cannot mark it required, so the front end's wording is reproduced here).
fn required_ciphertext(blob: Option<&Blob>) -> Result<&[u8], KmsError> {
    blob.map(|b| b.0.as_slice()).ok_or_else(|| {
        errors::validation(
            "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null",
        )
    })
}

/// What AWS answers for a ciphertext whose key this caller cannot find or use.
fn unknown_ciphertext_key() -> KmsError {
    KmsError::new(
        ErrorCode::AccessDeniedException,
        "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.",
    )
}

fn recipient_unsupported() -> KmsError {
    errors::unsupported("Recipient (Nitro Enclaves attestation) is not supported by Trent.")
}

impl Kms {
    /// Resolves and checks a key for encrypting under it.
    fn encryption_key(
        &self,
        caller: &Caller,
        key_id: &str,
        action: &str,
        operation: &str,
        algorithm: Option<&EncryptionAlgorithmSpec>,
        context: &EncryptionContext,
    ) -> Result<Arc<LoadedKey>, KmsError> {
        let key = self.resolve(caller, key_id, Accept::KeyOrAlias)?;
        self.authorize_with_context(caller, action, &key, Some(context))?;
        require_enabled(&key)?;
        check_usage(&key, operation)?;
        check_encryption_algorithm(&key, algorithm, operation)?;
        Ok(key)
    }

    pub(crate) fn seal(
        &self,
        key: &LoadedKey,
        context: &EncryptionContext,
        plaintext: &[u8],
    ) -> Result<(Vec<u8>, u32), KmsError> {
        let (version, material) = key.current_symmetric()?;
        let key_id = key_id_bytes(&key.record.key_id)
            .ok_or_else(|| CoreError::Corrupt(format!("key id {}", key.record.key_id)))?;
        Ok((
            trent_crypto::encrypt(material, key_id, version, context, plaintext),
            version,
        ))
    }

    /// Finds the key a ciphertext was made under and decrypts it, with the checks Decrypt and
    /// ReEncrypt share. `expected` is the key the caller named, if any.
    fn open_ciphertext(
        &self,
        caller: &Caller,
        blob: &[u8],
        context: &EncryptionContext,
        expected: Option<&str>,
        action: &str,
        algorithm: Option<&EncryptionAlgorithmSpec>,
    ) -> Result<Opened, KmsError> {
        let expected = expected
            .map(|id| self.resolve(caller, id, Accept::KeyOrAlias))
            .transpose()?;
        let header = trent_crypto::peek_header(blob).map_err(|_| errors::invalid_ciphertext())?;
        let mut found = None;
        for key_id in key_ids_from_bytes(&header.key_id) {
            if let Some(key) = self.load_key(&caller.region, &key_id)? {
                found = Some(key);
                break;
            }
        }
        let Some(key) = found else {
            return Err(match expected {
                Some(_) => errors::incorrect_key(),
                None => unknown_ciphertext_key(),
            });
        };
        if let Some(expected) = &expected
            && expected.record.key_id != key.record.key_id
        {
            return Err(errors::incorrect_key());
        }
        if let Err(denied) = self.authorize_with_context(caller, action, &key, Some(context)) {
            // A caller that did not name the key, and that the key's policy gives nothing,
            // learns nothing about whether it exists; otherwise AWS names key and reason.
            let hidden = expected.is_none()
                && key.record.account != caller.account()
                && crate::authz::no_key_policy_allows(&denied);
            return Err(if !hidden {
                denied
            } else {
                unknown_ciphertext_key()
            });
        }
        require_enabled(&key)?;
        check_usage(&key, "Decrypt")?;
        check_encryption_algorithm(&key, algorithm, "Decrypt")?;
        let Some(Material::Symmetric(material)) = key.materials.get(&header.material_version)
        else {
            return Err(errors::invalid_ciphertext());
        };
        let plaintext = trent_crypto::decrypt(material, blob, context)
            .map_err(|_| errors::invalid_ciphertext())?;
        Ok(Opened {
            version: header.material_version,
            key,
            plaintext,
        })
    }

    pub(crate) fn encrypt(
        &self,
        caller: &Caller,
        request: EncryptRequest,
    ) -> Result<EncryptResponse, KmsError> {
        let key = self.encryption_key(
            caller,
            request.key_id.as_deref().unwrap_or_default(),
            "kms:Encrypt",
            "Encrypt",
            request.encryption_algorithm.as_ref(),
            request
                .encryption_context
                .as_ref()
                .unwrap_or(&EncryptionContext::new()),
        )?;
        if request.dry_run == Some(true) {
            return Err(errors::dry_run());
        }
        let context = request.encryption_context.unwrap_or_default();
        let plaintext = request
            .plaintext
            .as_ref()
            .map(SensitiveBlob::expose)
            .unwrap_or_default();
        if let Some(hash) =
            check_encryption_algorithm(&key, request.encryption_algorithm.as_ref(), "Encrypt")?
        {
            return self.encrypt_asymmetric(&key, hash, &context, plaintext);
        }
        let (ciphertext, _) = self.seal(&key, &context, plaintext)?;
        Ok(EncryptResponse {
            ciphertext_blob: Some(Blob(ciphertext)),
            key_id: Some(key.arn.clone()),
            encryption_algorithm: Some(EncryptionAlgorithmSpec::SymmetricDefault),
        })
    }

    /// RSA-OAEP encryption with an asymmetric ENCRYPT_DECRYPT key: a raw OAEP ciphertext.
    fn encrypt_asymmetric(
        &self,
        key: &LoadedKey,
        hash: OaepHash,
        context: &EncryptionContext,
        plaintext: &[u8],
    ) -> Result<EncryptResponse, KmsError> {
        if !context.is_empty() {
            return Err(errors::validation(
                "EncryptionContext is not supported for asymmetric KMS keys.",
            ));
        }
        let algorithm = match hash {
            OaepHash::Sha1 => EncryptionAlgorithmSpec::RsaesOaepSha1,
            OaepHash::Sha256 => EncryptionAlgorithmSpec::RsaesOaepSha256,
        };
        let private = key.private_key()?;
        let ciphertext = private.encrypt(hash, plaintext).map_err(|_| {
            errors::validation(format!(
                "Algorithm {} and key spec {} cannot encrypt data larger than {} bytes.",
                algorithm.as_str(),
                key.record.key_spec,
                hash.max_plaintext(private.spec()).unwrap_or(0)
            ))
        })?;
        Ok(EncryptResponse {
            ciphertext_blob: Some(Blob(ciphertext)),
            key_id: Some(key.arn.clone()),
            encryption_algorithm: Some(algorithm),
        })
    }

    /// Decrypts a raw OAEP ciphertext with an asymmetric key the request named (Decrypt, and
    /// ReEncrypt's source).
    #[allow(clippy::too_many_arguments)]
    fn decrypt_asymmetric(
        &self,
        caller: &Caller,
        key: Arc<LoadedKey>,
        action: &str,
        blob: &[u8],
        context: &EncryptionContext,
        algorithm: Option<&EncryptionAlgorithmSpec>,
        dry_run: bool,
    ) -> Result<Secret, KmsError> {
        self.authorize_with_context(caller, action, &key, Some(context))?;
        require_enabled(&key)?;
        check_usage(&key, "Decrypt")?;
        let hash = check_encryption_algorithm(&key, algorithm, "Decrypt")?
            .ok_or_else(|| CoreError::Corrupt(format!("key {} is not RSA", key.arn)))?;
        if !context.is_empty() {
            return Err(errors::invalid_ciphertext());
        }
        if dry_run {
            return Err(errors::dry_run());
        }
        key.private_key()?
            .decrypt(hash, blob)
            .map_err(|_| errors::invalid_ciphertext())
    }

    pub(crate) fn decrypt(
        &self,
        caller: &Caller,
        request: DecryptRequest,
    ) -> Result<DecryptResponse, KmsError> {
        // A named asymmetric key decrypts a raw OAEP ciphertext; symmetric ciphertexts name
        // their own key.
        if let Some(key_id) = request.key_id.as_deref()
            && let Ok(key) = self.resolve(caller, key_id, Accept::KeyOrAlias)
            && key.record.key_spec != "SYMMETRIC_DEFAULT"
            && key.record.key_usage == "ENCRYPT_DECRYPT"
            && request.recipient.is_none()
        {
            let plaintext = self.decrypt_asymmetric(
                caller,
                key.clone(),
                "kms:Decrypt",
                required_ciphertext(request.ciphertext_blob.as_ref())?,
                request
                    .encryption_context
                    .as_ref()
                    .unwrap_or(&EncryptionContext::new()),
                request.encryption_algorithm.as_ref(),
                request.dry_run == Some(true),
            )?;
            return Ok(DecryptResponse {
                key_id: Some(key.arn.clone()),
                plaintext: Some(SensitiveBlob::new(plaintext.expose().to_vec())),
                encryption_algorithm: request.encryption_algorithm.clone(),
                key_material_id: None,
                ciphertext_for_recipient: None,
            });
        }
        if request.recipient.is_some() {
            return Err(recipient_unsupported());
        }
        let dry_run = request.dry_run == Some(true);
        let ignore_ciphertext = dry_run
            && request
                .dry_run_modifiers
                .as_deref()
                .unwrap_or_default()
                .contains(&DryRunModifierType::IgnoreCiphertext);
        if ignore_ciphertext {
            // An authorization-only dry run: the key must be named.
            let Some(key_id) = request.key_id.as_deref() else {
                return Err(errors::validation(
                    "KeyId is required when DryRunModifiers includes IGNORE_CIPHERTEXT.",
                ));
            };
            self.encryption_key(
                caller,
                key_id,
                "kms:Decrypt",
                "Decrypt",
                request.encryption_algorithm.as_ref(),
                request
                    .encryption_context
                    .as_ref()
                    .unwrap_or(&EncryptionContext::new()),
            )?;
            return Err(errors::dry_run());
        }
        let blob = required_ciphertext(request.ciphertext_blob.as_ref())?;
        let context = request.encryption_context.unwrap_or_default();
        let opened = self.open_ciphertext(
            caller,
            blob,
            &context,
            request.key_id.as_deref(),
            "kms:Decrypt",
            request.encryption_algorithm.as_ref(),
        )?;
        if dry_run {
            return Err(errors::dry_run());
        }
        Ok(DecryptResponse {
            key_id: Some(opened.key.arn.clone()),
            plaintext: Some(SensitiveBlob::new(opened.plaintext.expose().to_vec())),
            encryption_algorithm: Some(EncryptionAlgorithmSpec::SymmetricDefault),
            key_material_id: Some(key_material_id(&opened.key.record.key_id, opened.version)),
            ciphertext_for_recipient: None,
        })
    }

    pub(crate) fn re_encrypt(
        &self,
        caller: &Caller,
        request: ReEncryptRequest,
    ) -> Result<ReEncryptResponse, KmsError> {
        let dry_run = request.dry_run == Some(true);
        let ignore_ciphertext = dry_run
            && request
                .dry_run_modifiers
                .as_deref()
                .unwrap_or_default()
                .contains(&DryRunModifierType::IgnoreCiphertext);
        let destination = self.encryption_key(
            caller,
            request.destination_key_id.as_deref().unwrap_or_default(),
            "kms:ReEncryptTo",
            "ReEncrypt",
            request.destination_encryption_algorithm.as_ref(),
            request
                .destination_encryption_context
                .as_ref()
                .unwrap_or(&EncryptionContext::new()),
        )?;
        if ignore_ciphertext {
            let Some(source) = request.source_key_id.as_deref() else {
                return Err(errors::validation(
                    "SourceKeyId is required when DryRunModifiers includes IGNORE_CIPHERTEXT.",
                ));
            };
            self.encryption_key(
                caller,
                source,
                "kms:ReEncryptFrom",
                "ReEncrypt",
                request.source_encryption_algorithm.as_ref(),
                request
                    .source_encryption_context
                    .as_ref()
                    .unwrap_or(&EncryptionContext::new()),
            )?;
            return Err(errors::dry_run());
        }
        let blob = required_ciphertext(request.ciphertext_blob.as_ref())?;
        let source_context = request
            .source_encryption_context
            .clone()
            .unwrap_or_default();
        // An asymmetric source must be named; its ciphertext is raw OAEP.
        let asymmetric_source = request
            .source_key_id
            .as_deref()
            .and_then(|id| self.resolve(caller, id, Accept::KeyOrAlias).ok())
            .filter(|key| key.record.key_spec != "SYMMETRIC_DEFAULT");
        let (source_key, source_version, plaintext) = match asymmetric_source {
            Some(key) => {
                let decrypted = self.decrypt_asymmetric(
                    caller,
                    key.clone(),
                    "kms:ReEncryptFrom",
                    blob,
                    &source_context,
                    request.source_encryption_algorithm.as_ref(),
                    dry_run,
                )?;
                (key, None, decrypted)
            }
            None => {
                let opened = self.open_ciphertext(
                    caller,
                    blob,
                    &source_context,
                    request.source_key_id.as_deref(),
                    "kms:ReEncryptFrom",
                    request.source_encryption_algorithm.as_ref(),
                )?;
                if dry_run {
                    return Err(errors::dry_run());
                }
                (opened.key, Some(opened.version), opened.plaintext)
            }
        };
        let destination_context = request.destination_encryption_context.unwrap_or_default();
        let destination_hash = check_encryption_algorithm(
            &destination,
            request.destination_encryption_algorithm.as_ref(),
            "ReEncrypt",
        )?;
        let (ciphertext, destination_version, destination_algorithm) = match destination_hash {
            Some(hash) => {
                let sealed = self.encrypt_asymmetric(
                    &destination,
                    hash,
                    &destination_context,
                    plaintext.expose(),
                )?;
                (
                    sealed.ciphertext_blob.map(|b| b.0).unwrap_or_default(),
                    None,
                    sealed.encryption_algorithm,
                )
            }
            None => {
                let (ciphertext, version) =
                    self.seal(&destination, &destination_context, plaintext.expose())?;
                (
                    ciphertext,
                    Some(version),
                    Some(EncryptionAlgorithmSpec::SymmetricDefault),
                )
            }
        };
        Ok(ReEncryptResponse {
            ciphertext_blob: Some(Blob(ciphertext)),
            source_key_id: Some(source_key.arn.clone()),
            key_id: Some(destination.arn.clone()),
            source_encryption_algorithm: Some(
                request
                    .source_encryption_algorithm
                    .clone()
                    .unwrap_or(EncryptionAlgorithmSpec::SymmetricDefault),
            ),
            destination_encryption_algorithm: destination_algorithm,
            source_key_material_id: source_version
                .map(|version| key_material_id(&source_key.record.key_id, version)),
            destination_key_material_id: destination_version
                .map(|version| key_material_id(&destination.record.key_id, version)),
        })
    }

    /// The shared part of GenerateDataKey and GenerateDataKeyWithoutPlaintext.
    fn new_data_key(&self, caller: &Caller, ask: DataKeyAsk<'_>) -> Result<NewDataKey, KmsError> {
        let key = self.encryption_key(
            caller,
            ask.key_id,
            &format!("kms:{}", ask.operation),
            ask.operation,
            None,
            ask.context,
        )?;
        let length = match (ask.number_of_bytes, ask.key_spec) {
            (Some(n), None) => n as usize,
            (None, Some(DataKeySpec::Aes128)) => 16,
            (None, Some(DataKeySpec::Aes256)) => 32,
            _ => {
                return Err(errors::validation(
                    "Please specify either number of bytes or key spec.",
                ));
            }
        };
        if ask.dry_run {
            return Err(errors::dry_run());
        }
        let data_key = Secret::new(random_bytes(length));
        let (ciphertext, version) = self.seal(&key, ask.context, data_key.expose())?;
        Ok(NewDataKey {
            key,
            data_key,
            ciphertext,
            version,
        })
    }

    pub(crate) fn generate_data_key(
        &self,
        caller: &Caller,
        request: GenerateDataKeyRequest,
    ) -> Result<GenerateDataKeyResponse, KmsError> {
        if request.recipient.is_some() {
            return Err(recipient_unsupported());
        }
        let context = request
            .encryption_context
            .clone()
            .unwrap_or_else(no_context);
        let NewDataKey {
            key,
            data_key,
            ciphertext,
            version,
        } = self.new_data_key(
            caller,
            DataKeyAsk {
                key_id: request.key_id.as_deref().unwrap_or_default(),
                operation: "GenerateDataKey",
                number_of_bytes: request.number_of_bytes,
                key_spec: request.key_spec.as_ref(),
                context: &context,
                dry_run: request.dry_run == Some(true),
            },
        )?;
        Ok(GenerateDataKeyResponse {
            ciphertext_blob: Some(Blob(ciphertext)),
            plaintext: Some(SensitiveBlob::new(data_key.expose().to_vec())),
            key_id: Some(key.arn.clone()),
            ciphertext_for_recipient: None,
            key_material_id: Some(key_material_id(&key.record.key_id, version)),
        })
    }

    pub(crate) fn generate_data_key_without_plaintext(
        &self,
        caller: &Caller,
        request: GenerateDataKeyWithoutPlaintextRequest,
    ) -> Result<GenerateDataKeyWithoutPlaintextResponse, KmsError> {
        let context = request
            .encryption_context
            .clone()
            .unwrap_or_else(no_context);
        let NewDataKey {
            key,
            ciphertext,
            version,
            ..
        } = self.new_data_key(
            caller,
            DataKeyAsk {
                key_id: request.key_id.as_deref().unwrap_or_default(),
                operation: "GenerateDataKeyWithoutPlaintext",
                number_of_bytes: request.number_of_bytes,
                key_spec: request.key_spec.as_ref(),
                context: &context,
                dry_run: request.dry_run == Some(true),
            },
        )?;
        Ok(GenerateDataKeyWithoutPlaintextResponse {
            ciphertext_blob: Some(Blob(ciphertext)),
            key_id: Some(key.arn.clone()),
            key_material_id: Some(key_material_id(&key.record.key_id, version)),
        })
    }

    pub(crate) fn generate_random(
        &self,
        caller: &Caller,
        request: GenerateRandomRequest,
    ) -> Result<GenerateRandomResponse, KmsError> {
        self.authorize_without_key(caller, "kms:GenerateRandom", "*")?;
        if request.recipient.is_some() {
            return Err(recipient_unsupported());
        }
        if request.custom_key_store_id.is_some() {
            return Err(KmsError::bare(ErrorCode::CustomKeyStoreNotFoundException));
        }
        let Some(count) = request.number_of_bytes else {
            return Err(errors::validation("NumberOfBytes is required."));
        };
        Ok(GenerateRandomResponse {
            plaintext: Some(SensitiveBlob::new(random_bytes(count as usize))),
            ciphertext_for_recipient: None,
        })
    }
}
