//! The KMS API as the signed-in user sees it: typed calls through [`ConsoleBackend::call`].
//!
//! Pages never reach past this module: each call here is one API request, authorized and audited
//! by the server like any other. The backend blocks (it may wait on the store), so a page's calls
//! run together in one blocking task ([`run`]) instead of on the async runtime's threads.

use std::sync::Arc;

use trent_core::Principal;
use trent_protocol::{
    AliasListEntry, DescribeKeyRequest, ErrorCode, GetKeyPolicyRequest,
    GetKeyRotationStatusRequest, GetKeyRotationStatusResponse, GetPublicKeyRequest,
    GetPublicKeyResponse, GrantListEntry, KeyListEntry, KeyMetadata, KmsError, ListAliasesRequest,
    ListGrantsRequest, ListKeyRotationsRequest, ListKeysRequest, ListResourceTagsRequest,
    PutKeyPolicyRequest, Request, Response, RotationsListEntry, Tag,
};

use crate::problem::Problem;
use crate::{ClientInfo, ConsoleBackend};

/// Listing stops after this many pages, so one page view cannot run away.
const MAX_LIST_PAGES: usize = 50;

/// One user's view of the API, for the duration of one page.
#[derive(Clone)]
pub(crate) struct Api {
    backend: Arc<dyn ConsoleBackend>,
    pub principal: Arc<Principal>,
    pub region: String,
    client: ClientInfo,
}

/// Runs `work` (which may make several calls) on a thread where blocking is fine.
pub(crate) async fn run<T, F>(api: Api, work: F) -> Result<T, Problem>
where
    T: Send + 'static,
    F: FnOnce(&Api) -> T + Send + 'static,
{
    tokio::task::spawn_blocking(move || work(&api))
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "console task failed");
            Problem::internal()
        })
}

/// The error for a response of the wrong operation (a backend bug).
fn unexpected() -> KmsError {
    tracing::error!("console backend answered with the response of another operation");
    KmsError::new(
        ErrorCode::KMSInternalException,
        "The server returned an unexpected response.",
    )
}

/// Unwraps the response variant an operation must return.
macro_rules! expect_response {
    ($response:expr, $variant:ident) => {
        match $response {
            ::trent_protocol::Response::$variant(inner) => Ok(inner),
            _ => Err($crate::api::unexpected_response()),
        }
    };
}

impl Api {
    pub fn new(
        backend: Arc<dyn ConsoleBackend>,
        principal: Arc<Principal>,
        region: String,
        client: ClientInfo,
    ) -> Api {
        Api {
            backend,
            principal,
            region,
            client,
        }
    }

    /// One API request, as the signed-in user.
    pub fn call(&self, request: Request) -> Result<Response, KmsError> {
        self.backend
            .call(&self.principal, &self.region, request, &self.client)
    }

    /// Audit events, if the backend keeps them.
    pub fn audit_events(
        &self,
        query: &crate::AuditQuery,
    ) -> Result<Option<Vec<serde_json::Value>>, KmsError> {
        self.backend.audit_events(&self.principal, query)
    }

    pub fn describe_key(&self, key: &str) -> Result<KeyMetadata, KmsError> {
        let response = self.call(Request::DescribeKey(DescribeKeyRequest {
            key_id: Some(key.to_string()),
            ..Default::default()
        }))?;
        expect_response!(response, DescribeKey)?
            .key_metadata
            .ok_or_else(unexpected)
    }

    /// Every key of the account in this region (up to a bound).
    pub fn list_all_keys(&self) -> Result<Vec<KeyListEntry>, KmsError> {
        let mut keys = Vec::new();
        let mut marker = None;
        for _ in 0..MAX_LIST_PAGES {
            let response = self.call(Request::ListKeys(ListKeysRequest {
                limit: Some(1000),
                marker: marker.take(),
            }))?;
            let page = expect_response!(response, ListKeys)?;
            keys.extend(page.keys.unwrap_or_default());
            match page.next_marker {
                Some(next) if page.truncated == Some(true) => marker = Some(next),
                _ => break,
            }
        }
        Ok(keys)
    }

    /// Every alias of the account in this region, or of one key.
    pub fn list_all_aliases(&self, key: Option<&str>) -> Result<Vec<AliasListEntry>, KmsError> {
        let mut aliases = Vec::new();
        let mut marker = None;
        for _ in 0..MAX_LIST_PAGES {
            let response = self.call(Request::ListAliases(ListAliasesRequest {
                key_id: key.map(str::to_string),
                limit: Some(100),
                marker: marker.take(),
            }))?;
            let page = expect_response!(response, ListAliases)?;
            aliases.extend(page.aliases.unwrap_or_default());
            match page.next_marker {
                Some(next) if page.truncated == Some(true) => marker = Some(next),
                _ => break,
            }
        }
        Ok(aliases)
    }

    pub fn get_key_policy(&self, key: &str) -> Result<String, KmsError> {
        let response = self.call(Request::GetKeyPolicy(GetKeyPolicyRequest {
            key_id: Some(key.to_string()),
            policy_name: Some("default".to_string()),
        }))?;
        Ok(expect_response!(response, GetKeyPolicy)?
            .policy
            .unwrap_or_default())
    }

    pub fn put_key_policy(&self, key: &str, policy: String) -> Result<(), KmsError> {
        self.call(Request::PutKeyPolicy(PutKeyPolicyRequest {
            key_id: Some(key.to_string()),
            policy_name: Some("default".to_string()),
            policy: Some(policy),
            bypass_policy_lockout_safety_check: None,
        }))?;
        Ok(())
    }

    pub fn rotation_status(&self, key: &str) -> Result<GetKeyRotationStatusResponse, KmsError> {
        let response = self.call(Request::GetKeyRotationStatus(GetKeyRotationStatusRequest {
            key_id: Some(key.to_string()),
        }))?;
        expect_response!(response, GetKeyRotationStatus)
    }

    pub fn list_key_rotations(&self, key: &str) -> Result<Vec<RotationsListEntry>, KmsError> {
        let mut rotations = Vec::new();
        let mut marker = None;
        for _ in 0..MAX_LIST_PAGES {
            let response = self.call(Request::ListKeyRotations(ListKeyRotationsRequest {
                key_id: Some(key.to_string()),
                limit: Some(1000),
                marker: marker.take(),
                ..Default::default()
            }))?;
            let page = expect_response!(response, ListKeyRotations)?;
            rotations.extend(page.rotations.unwrap_or_default());
            match page.next_marker {
                Some(next) if page.truncated == Some(true) => marker = Some(next),
                _ => break,
            }
        }
        Ok(rotations)
    }

    pub fn list_tags(&self, key: &str) -> Result<Vec<Tag>, KmsError> {
        let mut tags = Vec::new();
        let mut marker = None;
        for _ in 0..MAX_LIST_PAGES {
            let response = self.call(Request::ListResourceTags(ListResourceTagsRequest {
                key_id: Some(key.to_string()),
                limit: Some(50),
                marker: marker.take(),
            }))?;
            let page = expect_response!(response, ListResourceTags)?;
            tags.extend(page.tags.unwrap_or_default());
            match page.next_marker {
                Some(next) if page.truncated == Some(true) => marker = Some(next),
                _ => break,
            }
        }
        Ok(tags)
    }

    pub fn list_grants(&self, key: &str) -> Result<Vec<GrantListEntry>, KmsError> {
        let mut grants = Vec::new();
        let mut marker = None;
        for _ in 0..MAX_LIST_PAGES {
            let response = self.call(Request::ListGrants(ListGrantsRequest {
                key_id: Some(key.to_string()),
                limit: Some(100),
                marker: marker.take(),
                ..Default::default()
            }))?;
            let page = expect_response!(response, ListGrants)?;
            grants.extend(page.grants.unwrap_or_default());
            match page.next_marker {
                Some(next) if page.truncated == Some(true) => marker = Some(next),
                _ => break,
            }
        }
        Ok(grants)
    }

    pub fn get_public_key(&self, key: &str) -> Result<GetPublicKeyResponse, KmsError> {
        let response = self.call(Request::GetPublicKey(GetPublicKeyRequest {
            key_id: Some(key.to_string()),
            grant_tokens: None,
        }))?;
        expect_response!(response, GetPublicKey)
    }
}

/// Makes `expect!` usable by the pages that call [`Api::call`] directly.
pub(crate) use expect_response;

/// The error for a response of the wrong operation, for the pages' own `expect!` uses.
pub(crate) fn unexpected_response() -> KmsError {
    unexpected()
}
