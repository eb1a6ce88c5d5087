//! AWS-managed keys: `alias/aws/<service>` keys that exist for a service to use on an account's
//! behalf, created the first time anything names them.
//!
//! They differ from customer-managed keys the way AWS's do: `KeyManager` is `AWS`, their policy
//! is fixed (principals of the account may use them only through the service, and read their
//! metadata directly), they cannot be deleted, disabled, tagged or re-pointed, and they rotate
//! every year. An application acts as a service by being a user or role tagged
//! `trent:ViaService=<service>`: its requests then carry `kms:ViaService =
//! <service>.<region>.amazonaws.com`.

use trent_protocol::KmsError;
use trent_store::{Batch, Expect, StoreError};

use crate::keys::{alias_address, key_address, owner_address};
use crate::records::{self, AliasRecord, KeyOwnerRecord, KeyRecord, RotationRecord};
use crate::{CoreError, Kms};

/// The services whose `alias/aws/<service>` keys Trent creates on first use, unless the
/// operator configures others.
pub const DEFAULT_SERVICES: &[&str] = &[
    "acm",
    "backup",
    "dynamodb",
    "ebs",
    "elasticfilesystem",
    "es",
    "fsx",
    "glue",
    "kinesis",
    "lambda",
    "logs",
    "rds",
    "redshift",
    "s3",
    "secretsmanager",
    "sns",
    "sqs",
    "ssm",
];

/// The tag that makes a user or role act as a service.
pub const VIA_SERVICE_TAG: &str = "trent:ViaService";

/// AWS-managed keys rotate every year.
const ROTATION_DAYS: i32 = 365;

/// The fixed policy of an AWS-managed key, in AWS's own layout.
pub fn managed_key_policy(partition: &str, account: &str, region: &str, service: &str) -> String {
    format!(
        r#"{{
  "Version" : "2012-10-17",
  "Id" : "auto-{service}-1",
  "Statement" : [ {{
    "Sid" : "Allow access through {service} for all principals in the account that are authorized to use {service}",
    "Effect" : "Allow",
    "Principal" : {{
      "AWS" : "*"
    }},
    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey" ],
    "Resource" : "*",
    "Condition" : {{
      "StringEquals" : {{
        "kms:CallerAccount" : "{account}",
        "kms:ViaService" : "{service}.{region}.amazonaws.com"
      }}
    }}
  }}, {{
    "Sid" : "Allow direct access to key metadata to the account",
    "Effect" : "Allow",
    "Principal" : {{
      "AWS" : "arn:{partition}:iam::{account}:root"
    }},
    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant" ],
    "Resource" : "*"
  }} ]
}}"#
    )
}

/// The service an `alias/aws/<service>` alias names.
pub fn service_of_alias(alias: &str) -> Option<&str> {
    alias.strip_prefix("alias/aws/").filter(|s| !s.is_empty())
}

/// The service an AWS-managed key serves, read from its policy's `Id` (`auto-<service>-1`).
pub fn service_of_key_policy(policy: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(policy).ok()?;
    let id = value["Id"].as_str()?;
    Some(id.strip_prefix("auto-")?.strip_suffix("-1")?.to_string())
}

/// What `kms:ViaService` is for a request from a principal acting as `service`.
pub fn via_service(service: &str, region: &str) -> String {
    format!("{service}.{region}.amazonaws.com")
}

impl Kms {
    /// The key behind `alias/aws/<service>` in `account` and `region`, creating it if this is
    /// the alias's first use and the service is one Trent manages keys for.
    pub(crate) fn managed_key(
        &self,
        account: &str,
        region: &str,
        alias: &str,
    ) -> Result<Option<String>, KmsError> {
        let Some(service) = service_of_alias(alias) else {
            return Ok(None);
        };
        if !self.managed_services.iter().any(|s| s == service) {
            return Ok(None);
        }
        let now = self.now();
        let key_id = crate::ids::new_key_id();
        let record = KeyRecord {
            v: records::VERSION,
            key_id: key_id.clone(),
            account: account.to_string(),
            region: region.to_string(),
            created: now,
            description: format!(
                "Default key that protects my {service} data when no other key is defined"
            ),
            key_spec: "SYMMETRIC_DEFAULT".to_string(),
            key_usage: "ENCRYPT_DECRYPT".to_string(),
            origin: "AWS_KMS".to_string(),
            key_manager: "AWS".to_string(),
            state: "Enabled".to_string(),
            deletion_date: None,
            pending_window_days: None,
            policy: managed_key_policy(&self.arns.partition, account, region, service),
            tags: Vec::new(),
            rotation: RotationRecord {
                enabled: true,
                period_days: ROTATION_DAYS,
                anchor: now,
                on_demand_count: 0,
            },
            current_version: 1,
        };
        let mut batch = Batch::new();
        batch.put(
            owner_address(region, &key_id),
            records::encode(&KeyOwnerRecord {
                v: records::VERSION,
                account: account.to_string(),
            }),
            Expect::Absent,
        );
        batch.put(
            key_address(account, region, &key_id),
            records::encode(&record),
            Expect::Absent,
        );
        batch.put(
            alias_address(account, region, alias),
            records::encode(&AliasRecord {
                v: records::VERSION,
                target_key_id: key_id.clone(),
                created: now,
                updated: now,
            }),
            Expect::Absent,
        );
        self.new_material(&record, 1, None, &mut batch)?;
        match self.store.commit(batch) {
            Ok(_) => {
                tracing::info!(alias, key_id = %key_id, "created an AWS-managed key on first use");
                Ok(Some(key_id))
            }
            // Another request created it first: use theirs.
            Err(StoreError::Conflict(_)) => Ok(self.alias_target(account, region, alias)?),
            Err(err) => Err(CoreError::from(err).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_policy_is_valid_json_with_the_service_condition() {
        let policy = managed_key_policy("aws", "111122223333", "us-east-1", "s3");
        let value: serde_json::Value = serde_json::from_str(&policy).unwrap();
        assert_eq!(
            value["Statement"][0]["Condition"]["StringEquals"]["kms:ViaService"],
            "s3.us-east-1.amazonaws.com"
        );
        assert_eq!(value["Id"], "auto-s3-1");
    }

    #[test]
    fn aliases_name_services() {
        assert_eq!(service_of_alias("alias/aws/s3"), Some("s3"));
        assert_eq!(service_of_alias("alias/aws/"), None);
        assert_eq!(service_of_alias("alias/app"), None);
    }
}
