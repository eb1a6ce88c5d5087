//! Key identifiers as callers write them, and the ARNs Trent answers with.
//!
//! AWS accepts a key as a bare key id, a key ARN, an alias name or an alias ARN, and it is strict
//! about which form each operation takes and about how a malformed one is reported: a value that
//! is not a key id at all is `NotFoundException: Invalid keyId '…'`, not a validation error. All of
//! that is decided here, once, so that every operation reports it the same way.

use trent_protocol::{ErrorCode, KmsError};

/// A reference to a KMS key as it appeared in a request, parsed but not yet looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    /// A key id or key ARN. `account` is the ARN's account, if an ARN was given.
    Key {
        key_id: String,
        account: Option<String>,
    },
    /// An alias name or alias ARN (`name` always starts with `alias/`).
    Alias {
        name: String,
        account: Option<String>,
    },
}

/// Which forms an operation accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Key id, key ARN, alias name or alias ARN.
    KeyOrAlias,
    /// Key id or key ARN only.
    KeyOnly,
}

pub fn invalid_key_id(input: &str) -> KmsError {
    KmsError::new(
        ErrorCode::NotFoundException,
        format!("Invalid keyId '{input}'"),
    )
}

/// Parses a key reference. `region` is the region the request was signed for: an ARN naming
/// another region is `NotFoundException: Invalid arn <region>`, as AWS answers.
pub fn parse_key_ref(input: &str, accept: Accept, region: &str) -> Result<KeyRef, KmsError> {
    if let Some(rest) = input.strip_prefix("arn:") {
        let arn = parse_arn(rest).ok_or_else(|| invalid_key_id(input))?;
        if arn.service != "kms" {
            return Err(invalid_key_id(input));
        }
        if arn.region != region {
            return Err(KmsError::new(
                ErrorCode::NotFoundException,
                format!("Invalid arn {}", arn.region),
            ));
        }
        if !is_account_id(arn.account) {
            return Err(invalid_key_id(input));
        }
        let account = Some(arn.account.to_string());
        if let Some(key_id) = arn.resource.strip_prefix("key/") {
            if is_key_id(key_id) {
                return Ok(KeyRef::Key {
                    key_id: key_id.to_string(),
                    account,
                });
            }
        } else if arn.resource.starts_with("alias/") && accept == Accept::KeyOrAlias {
            return Ok(KeyRef::Alias {
                name: arn.resource.to_string(),
                account,
            });
        }
        return Err(invalid_key_id(input));
    }
    if input.starts_with("alias/") && accept == Accept::KeyOrAlias {
        return Ok(KeyRef::Alias {
            name: input.to_string(),
            account: None,
        });
    }
    if is_key_id(input) {
        return Ok(KeyRef::Key {
            key_id: input.to_string(),
            account: None,
        });
    }
    Err(invalid_key_id(input))
}

struct Arn<'a> {
    service: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

/// Splits `partition:service:region:account:resource` (the part after `arn:`).
fn parse_arn(rest: &str) -> Option<Arn<'_>> {
    let mut parts = rest.splitn(5, ':');
    let _partition = parts.next().filter(|p| !p.is_empty())?;
    Some(Arn {
        service: parts.next()?,
        region: parts.next()?,
        account: parts.next()?,
        resource: parts.next()?,
    })
}

/// The id of a new key: a UUID, as AWS gives, whose first 48 bits are the creation time in
/// milliseconds and the other bits random (RFC 9562 version 7) rather than all random.
///
/// Why: the store keeps records in key-id order, so random ids land every new key on a random
/// page of the file and a burst of CreateKey dirties nearly every page between two
/// checkpoints. Ids that grow with time append instead. Measured at 32 clients on the file
/// store: 3.1k–4.9k keys/s with p99 15–39 ms and p99.9 87–142 ms before, 5.8k–6.3k keys/s
/// with p99 12–13 ms and p99.9 24–38 ms after (BENCHMARKS.md, fourth series). The id reveals
/// when the key was created, which `DescribeKey` shows anyway; nothing relies on a key id
/// being unguessable.
pub fn new_key_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A lowercase UUID (`8-4-4-4-12` hex) or a multi-Region id (`mrk-` + 32 lowercase hex).
pub fn is_key_id(value: &str) -> bool {
    if let Some(hex) = value.strip_prefix("mrk-") {
        return hex.len() == 32 && hex.bytes().all(is_lower_hex);
    }
    let bytes = value.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => is_lower_hex(b),
        })
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

pub fn is_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

/// The 16 bytes a key id is written as inside a ciphertext.
pub fn key_id_bytes(key_id: &str) -> Option<[u8; 16]> {
    let hex_digits: String = match key_id.strip_prefix("mrk-") {
        Some(hex) => hex.to_string(),
        None => key_id.replace('-', ""),
    };
    let mut out = [0u8; 16];
    hex::decode_to_slice(hex_digits, &mut out).ok()?;
    Some(out)
}

/// The two key ids a ciphertext's 16 key-id bytes may stand for: the UUID form and the
/// multi-Region form. Only one of them can exist in a region.
pub fn key_ids_from_bytes(bytes: &[u8; 16]) -> [String; 2] {
    let hex = hex::encode(bytes);
    let uuid = format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    );
    [uuid, format!("mrk-{hex}")]
}

/// Builds ARNs for one partition.
#[derive(Debug, Clone)]
pub struct Arns {
    pub partition: String,
}

impl Arns {
    pub fn key(&self, region: &str, account: &str, key_id: &str) -> String {
        format!("arn:{}:kms:{region}:{account}:key/{key_id}", self.partition)
    }

    pub fn alias(&self, region: &str, account: &str, alias_name: &str) -> String {
        format!("arn:{}:kms:{region}:{account}:{alias_name}", self.partition)
    }

    pub fn account_root(&self, account: &str) -> String {
        format!("arn:{}:iam::{account}:root", self.partition)
    }

    pub fn user(&self, account: &str, name: &str) -> String {
        format!("arn:{}:iam::{account}:user/{name}", self.partition)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_key_ids_are_uuids_that_sort_in_creation_order() {
        let ids: Vec<String> = (0..1000).map(|_| new_key_id()).collect();
        assert!(ids.iter().all(|id| is_key_id(id)));
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
    }

    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn parses_every_form() {
        let r = "us-east-1";
        assert_eq!(
            parse_key_ref(ID, Accept::KeyOnly, r).unwrap(),
            KeyRef::Key {
                key_id: ID.into(),
                account: None
            }
        );
        let arn = format!("arn:aws:kms:us-east-1:111122223333:key/{ID}");
        assert_eq!(
            parse_key_ref(&arn, Accept::KeyOnly, r).unwrap(),
            KeyRef::Key {
                key_id: ID.into(),
                account: Some("111122223333".into())
            }
        );
        assert_eq!(
            parse_key_ref("alias/x", Accept::KeyOrAlias, r).unwrap(),
            KeyRef::Alias {
                name: "alias/x".into(),
                account: None
            }
        );
        assert_eq!(
            parse_key_ref(
                "arn:aws:kms:us-east-1:111122223333:alias/a/b",
                Accept::KeyOrAlias,
                r
            )
            .unwrap(),
            KeyRef::Alias {
                name: "alias/a/b".into(),
                account: Some("111122223333".into())
            }
        );
    }

    #[test]
    fn malformed_ids_are_not_found_with_aws_wording() {
        for bad in [
            "fake-key-id",
            "mrk-fake-key-id",
            "1234abcd12ab34cd56ef1234567890ab",
            "alias/x",
        ] {
            let err = parse_key_ref(bad, Accept::KeyOnly, "us-east-1").unwrap_err();
            assert_eq!(err.code, ErrorCode::NotFoundException);
            assert_eq!(
                err.message.as_deref(),
                Some(format!("Invalid keyId '{bad}'").as_str())
            );
        }
    }

    #[test]
    fn arn_of_another_region_is_invalid_arn() {
        let arn = format!("arn:aws:kms:eu-west-1:111122223333:key/{ID}");
        let err = parse_key_ref(&arn, Accept::KeyOnly, "us-east-1").unwrap_err();
        assert_eq!(err.message.as_deref(), Some("Invalid arn eu-west-1"));
    }

    #[test]
    fn key_id_bytes_round_trip() {
        let bytes = key_id_bytes(ID).unwrap();
        assert_eq!(key_ids_from_bytes(&bytes)[0], ID);
        let mrk = "mrk-1234abcd12ab34cd56ef1234567890ab";
        assert_eq!(key_ids_from_bytes(&key_id_bytes(mrk).unwrap())[1], mrk);
    }
}
