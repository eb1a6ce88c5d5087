//! The values of condition keys for one request: what `kms:EncryptionContext:dept`,
//! `aws:PrincipalTag/team` or `kms:GrantOperations` are when a policy asks.
//!
//! Two sources feed them. [`RequestFacts`] is taken from the request before the operation runs
//! (algorithms, grant parameters, tags in the request, the alias a key was named by…): it is
//! small, built once per call, and holds no secret. [`RequestKeys`] answers a policy's lookups
//! lazily from those facts, the caller, the key and the encryption context, so a policy without
//! conditions costs no work at all.

use trent_crypto::EncryptionContext;
use trent_protocol::{Request, Timestamp};

use crate::keys::LoadedKey;
use crate::{Caller, Kms, PrincipalKind};

/// Condition values read from a request's parameters, by lowercased condition key.
#[derive(Debug, Clone, Default)]
pub struct RequestFacts {
    values: Vec<(&'static str, Vec<String>)>,
    /// `kms:EncryptionAlgorithm` of ReEncrypt's destination (the source's is the plain value).
    destination_encryption_algorithm: Option<String>,
    /// `kms:RequestAlias`: the alias the request named its key by (for ReEncrypt, the source's;
    /// the destination's is separate).
    request_alias: Option<String>,
    destination_request_alias: Option<String>,
}

/// The alias name (`alias/x`) a key reference uses, if it is an alias name or alias ARN.
fn alias_of(reference: Option<&String>) -> Option<String> {
    let reference = reference?;
    if reference.starts_with("alias/") {
        return Some(reference.clone());
    }
    let (_, resource) = reference.strip_prefix("arn:")?.rsplit_once(':')?;
    resource.starts_with("alias/").then(|| resource.to_string())
}

fn one(value: impl Into<String>) -> Vec<String> {
    vec![value.into()]
}

impl RequestFacts {
    /// The facts of `request`. Binary members (plaintexts, ciphertexts, messages) are never read.
    pub fn of(request: &Request) -> RequestFacts {
        let mut facts = RequestFacts::default();
        match request {
            Request::Encrypt(r) => {
                facts.key(&r.key_id);
                facts.encryption_algorithm(r.encryption_algorithm.as_ref().map(|a| a.as_str()));
            }
            Request::Decrypt(r) => {
                facts.key(&r.key_id);
                facts.encryption_algorithm(r.encryption_algorithm.as_ref().map(|a| a.as_str()));
            }
            Request::ReEncrypt(r) => {
                facts.key(&r.source_key_id);
                facts.destination_request_alias = alias_of(r.destination_key_id.as_ref());
                facts.destination_encryption_algorithm = Some(
                    r.destination_encryption_algorithm
                        .as_ref()
                        .map_or("SYMMETRIC_DEFAULT", |a| a.as_str())
                        .to_string(),
                );
                facts.encryption_algorithm(
                    r.source_encryption_algorithm.as_ref().map(|a| a.as_str()),
                );
                let same = r.source_key_id.is_some() && r.source_key_id == r.destination_key_id;
                facts.set("kms:reencryptonsamekey", same.to_string());
            }
            Request::GenerateDataKey(r) => facts.key(&r.key_id),
            Request::GenerateDataKeyWithoutPlaintext(r) => facts.key(&r.key_id),
            Request::GenerateDataKeyPair(r) => {
                facts.key(&r.key_id);
                facts.set_some(
                    "kms:datakeypairspec",
                    r.key_pair_spec.as_ref().map(|s| s.as_str()),
                );
            }
            Request::GenerateDataKeyPairWithoutPlaintext(r) => {
                facts.key(&r.key_id);
                facts.set_some(
                    "kms:datakeypairspec",
                    r.key_pair_spec.as_ref().map(|s| s.as_str()),
                );
            }
            Request::Sign(r) => {
                facts.key(&r.key_id);
                facts.signing(
                    r.signing_algorithm.as_ref().map(|a| a.as_str()),
                    r.message_type.as_ref().map(|m| m.as_str()),
                );
            }
            Request::Verify(r) => {
                facts.key(&r.key_id);
                facts.signing(
                    r.signing_algorithm.as_ref().map(|a| a.as_str()),
                    r.message_type.as_ref().map(|m| m.as_str()),
                );
            }
            Request::GenerateMac(r) => {
                facts.key(&r.key_id);
                facts.set_some(
                    "kms:macalgorithm",
                    r.mac_algorithm.as_ref().map(|a| a.as_str()),
                );
            }
            Request::VerifyMac(r) => {
                facts.key(&r.key_id);
                facts.set_some(
                    "kms:macalgorithm",
                    r.mac_algorithm.as_ref().map(|a| a.as_str()),
                );
            }
            Request::DeriveSharedSecret(r) => {
                facts.key(&r.key_id);
                facts.set_some(
                    "kms:keyagreementalgorithm",
                    r.key_agreement_algorithm.as_ref().map(|a| a.as_str()),
                );
            }
            Request::DescribeKey(r) => facts.key(&r.key_id),
            Request::GetPublicKey(r) => facts.key(&r.key_id),
            Request::CreateKey(r) => {
                let spec = r
                    .key_spec
                    .as_ref()
                    .map(|s| s.as_str())
                    .or_else(|| r.customer_master_key_spec.as_ref().map(|s| s.as_str()))
                    .unwrap_or("SYMMETRIC_DEFAULT");
                let usage = r
                    .key_usage
                    .as_ref()
                    .map_or("ENCRYPT_DECRYPT", |u| u.as_str());
                facts.set("kms:keyspec", spec);
                facts.set("kms:customermasterkeyspec", spec);
                facts.set("kms:keyusage", usage);
                facts.set("kms:customermasterkeyusage", usage);
                facts.set(
                    "kms:keyorigin",
                    r.origin.as_ref().map_or("AWS_KMS", |o| o.as_str()),
                );
                facts.set(
                    "kms:multiregion",
                    r.multi_region.unwrap_or(false).to_string(),
                );
                facts.bypass(r.bypass_policy_lockout_safety_check);
                facts.add_request_tags(r.tags.as_deref());
            }
            Request::PutKeyPolicy(r) => facts.bypass(r.bypass_policy_lockout_safety_check),
            Request::CreateGrant(r) => {
                if let Some(operations) = &r.operations {
                    facts.values.push((
                        "kms:grantoperations",
                        operations.iter().map(|o| o.as_str().to_string()).collect(),
                    ));
                }
                facts.set_some("kms:granteeprincipal", r.grantee_principal.as_deref());
                facts.set_some("kms:retiringprincipal", r.retiring_principal.as_deref());
                if let Some(constraints) = &r.constraints {
                    let types = [
                        (
                            constraints.encryption_context_equals.is_some(),
                            "EncryptionContextEquals",
                        ),
                        (
                            constraints.encryption_context_subset.is_some(),
                            "EncryptionContextSubset",
                        ),
                    ];
                    facts.values.push((
                        "kms:grantconstrainttype",
                        types
                            .iter()
                            .filter(|(present, _)| *present)
                            .map(|(_, name)| name.to_string())
                            .collect(),
                    ));
                }
            }
            Request::EnableKeyRotation(r) => facts.set_some(
                "kms:rotationperiodindays",
                r.rotation_period_in_days.map(|d| d.to_string()).as_deref(),
            ),
            Request::ScheduleKeyDeletion(r) => facts.set(
                "kms:schedulekeydeletionpendingwindowindays",
                r.pending_window_in_days.unwrap_or(30).to_string(),
            ),
            Request::TagResource(r) => facts.add_request_tags(r.tags.as_deref()),
            Request::UntagResource(r) => {
                if let Some(keys) = &r.tag_keys {
                    facts.values.push(("aws:tagkeys", keys.clone()));
                }
            }
            _ => {}
        }
        facts
    }

    fn set(&mut self, key: &'static str, value: impl Into<String>) {
        self.values.push((key, one(value)));
    }

    fn set_some(&mut self, key: &'static str, value: Option<&str>) {
        if let Some(value) = value {
            self.set(key, value);
        }
    }

    /// The key reference of the request, for `kms:RequestAlias`.
    fn key(&mut self, reference: &Option<String>) {
        self.request_alias = alias_of(reference.as_ref());
    }

    /// `kms:EncryptionAlgorithm`; a request without one uses SYMMETRIC_DEFAULT.
    fn encryption_algorithm(&mut self, algorithm: Option<&str>) {
        self.set(
            "kms:encryptionalgorithm",
            algorithm.unwrap_or("SYMMETRIC_DEFAULT"),
        );
    }

    /// Sign and Verify: the algorithm, and the message type (RAW unless given).
    fn signing(&mut self, algorithm: Option<&str>, message_type: Option<&str>) {
        self.set_some("kms:signingalgorithm", algorithm);
        self.set("kms:messagetype", message_type.unwrap_or("RAW"));
    }

    fn bypass(&mut self, bypass: Option<bool>) {
        self.set(
            "kms:bypasspolicylockoutsafetycheck",
            bypass.unwrap_or(false).to_string(),
        );
    }

    fn add_request_tags(&mut self, tags: Option<&[trent_protocol::Tag]>) {
        let Some(tags) = tags.filter(|t| !t.is_empty()) else {
            return;
        };
        self.values.push((
            "aws:tagkeys",
            tags.iter().map(|t| t.tag_key.clone()).collect(),
        ));
        // Request tags are looked up by `aws:requesttag/<key>`; kept as a list of pairs.
        self.values.push((
            "trent:requesttags",
            tags.iter()
                .flat_map(|t| [t.tag_key.clone(), t.tag_value.clone()])
                .collect(),
        ));
    }

    fn get(&self, key: &str) -> Option<Vec<String>> {
        self.values
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, values)| values.clone())
    }
}

/// Condition values for one authorization decision.
pub(crate) struct RequestKeys<'a> {
    pub kms: &'a Kms,
    pub caller: &'a Caller,
    pub action: &'a str,
    pub key: Option<&'a LoadedKey>,
    pub context: Option<&'a EncryptionContext>,
    pub principal_tags: &'a [(String, String)],
}

impl trent_policy::ConditionKeys for RequestKeys<'_> {
    fn values(&self, name: &str) -> Option<Vec<String>> {
        let principal = &self.caller.principal;
        let facts = self.caller.facts();
        let key = self.key.map(|k| &k.record);
        let found = match name {
            "aws:principalarn" => one(principal.policy_owner_arn()),
            "aws:principalaccount" | "kms:calleraccount" => one(principal.account_id.clone()),
            "aws:principaltype" => one(match principal.kind {
                PrincipalKind::User => "User",
                PrincipalKind::AssumedRole { .. } => "AssumedRole",
            }),
            "aws:username" => match principal.kind {
                PrincipalKind::User => one(principal.user_name.clone()),
                PrincipalKind::AssumedRole { .. } => return None,
            },
            "aws:userid" => one(principal.user_id.clone()),
            "aws:sourceip" => one(self.caller.source_ip?.to_string()),
            "aws:securetransport" => one(self.caller.secure_transport.to_string()),
            "aws:currenttime" => one(Timestamp::from_epoch_seconds(self.kms.now()).iso8601()),
            "aws:epochtime" => one((self.kms.now().floor() as i64).to_string()),
            "aws:requestedregion" => one(self.caller.region.clone()),
            "kms:viaservice" => one(crate::managed::via_service(
                principal.via_service.as_deref()?,
                &self.caller.region,
            )),
            "kms:grantisforawsresource" if self.action == "kms:CreateGrant" => {
                one(principal.via_service.is_some().to_string())
            }
            "kms:encryptioncontextkeys" => self.context?.keys().cloned().collect(),
            "kms:keyspec" | "kms:customermasterkeyspec" if key.is_some() => {
                one(key?.key_spec.clone())
            }
            "kms:keyusage" | "kms:customermasterkeyusage" if key.is_some() => {
                one(key?.key_usage.clone())
            }
            "kms:keyorigin" if key.is_some() => one(key?.origin.clone()),
            "kms:multiregion" if key.is_some() => one("false"),
            "kms:resourcealiases" => {
                let key = key?;
                self.kms
                    .aliases_of(&key.account, &key.region)
                    .ok()?
                    .into_iter()
                    .filter(|(_, alias)| alias.target_key_id == key.key_id)
                    .map(|(name, _)| name)
                    .collect()
            }
            "kms:requestalias" => one(if self.action == "kms:ReEncryptTo" {
                facts.destination_request_alias.clone()?
            } else {
                facts.request_alias.clone()?
            }),
            "kms:encryptionalgorithm" if self.action == "kms:ReEncryptTo" => {
                one(facts.destination_encryption_algorithm.clone()?)
            }
            _ => {
                if let Some(context_key) = name.strip_prefix("kms:encryptioncontext:") {
                    let (_, value) = self
                        .context?
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(context_key))?;
                    one(value.clone())
                } else if let Some(tag) = name.strip_prefix("aws:principaltag/") {
                    let (_, value) = self
                        .principal_tags
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(tag))?;
                    one(value.clone())
                } else if let Some(tag) = name.strip_prefix("aws:resourcetag/") {
                    let found = key?.tags.iter().find(|t| t.key.eq_ignore_ascii_case(tag))?;
                    one(found.value.clone())
                } else if let Some(tag) = name.strip_prefix("aws:requesttag/") {
                    let pairs = facts.get("trent:requesttags")?;
                    let at = pairs
                        .chunks(2)
                        .find(|pair| pair[0].eq_ignore_ascii_case(tag))?;
                    one(at[1].clone())
                } else if name.starts_with("trent:") {
                    return None;
                } else {
                    facts.get(name)?
                }
            }
        };
        (!found.is_empty()).then_some(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trent_protocol::{CreateGrantRequest, EncryptRequest, GrantOperation};

    #[test]
    fn facts_come_from_parameters() {
        let facts = RequestFacts::of(&Request::Encrypt(EncryptRequest {
            key_id: Some("alias/app".into()),
            ..Default::default()
        }));
        assert_eq!(facts.request_alias.as_deref(), Some("alias/app"));
        assert_eq!(
            facts.get("kms:encryptionalgorithm"),
            Some(vec!["SYMMETRIC_DEFAULT".to_string()])
        );
        let facts = RequestFacts::of(&Request::CreateGrant(CreateGrantRequest {
            key_id: Some("arn:aws:kms:us-east-1:111122223333:alias/app".into()),
            operations: Some(vec![GrantOperation::Decrypt, GrantOperation::Encrypt]),
            grantee_principal: Some("arn:aws:iam::111122223333:user/bob".into()),
            ..Default::default()
        }));
        assert_eq!(
            facts.get("kms:grantoperations"),
            Some(vec!["Decrypt".to_string(), "Encrypt".to_string()])
        );
        assert_eq!(facts.request_alias, None);
        assert_eq!(
            alias_of(Some(
                &"arn:aws:kms:us-east-1:111122223333:alias/app".to_string()
            ))
            .as_deref(),
            Some("alias/app")
        );
    }
}
