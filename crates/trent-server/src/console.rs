//! The web console's view of the server: sign-in against stored access keys, and every action
//! run as the signed-in principal through the same path as an API call (quotas, authorization,
//! usage tracking).

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue};
use trent_console::{AuditQuery, ClientInfo, ConsoleBackend};
use trent_core::{Caller, Principal, sessions};
use trent_protocol::{KmsError, Request, Response};

use crate::api::{AppState, RequestIds};
use crate::trail::{self, Entry};

pub struct Backend(pub Arc<AppState>);

impl ConsoleBackend for Backend {
    fn sign_in(&self, access_key_id: &str, secret: &str) -> Result<Arc<Principal>, KmsError> {
        let entry = self
            .0
            .kms
            .access_key(access_key_id)?
            .ok_or_else(sessions::invalid_token)?;
        let (principal, stored) = &*entry;
        if stored.ct_eq(secret.as_bytes()) {
            Ok(principal.clone())
        } else {
            Err(sessions::invalid_token())
        }
    }

    fn call(
        &self,
        principal: &Arc<Principal>,
        region: &str,
        request: Request,
        client: &ClientInfo,
    ) -> Result<Response, KmsError> {
        let ids = RequestIds {
            request_id: uuid::Uuid::new_v4().to_string(),
            event_id: uuid::Uuid::new_v4().to_string(),
            source_ip: client.source_ip.parse().ok(),
            secure: self.0.secure_transport,
        };
        let caller = Caller::new(
            principal.clone(),
            region.to_string(),
            ids.request_id.clone(),
            ids.event_id.clone(),
        )
        .with_transport(ids.source_ip, ids.secure);
        let operation = request.operation();
        let mut entry = Entry::new("kms.amazonaws.com", operation.name());
        entry.operation = Some(operation);
        if self.0.audit.is_some() {
            entry.parameters = trent_core::audit::request_parameters(&request);
        }
        let result = match &self.0.quotas {
            Some(quotas) => quotas
                .take(&principal.account_id)
                .and_then(|()| self.0.kms.call(&caller, request)),
            None => self.0.kms.call(&caller, request),
        };
        entry.caller = Some(caller);
        // The same event an API call leaves, durable before the page sees the result.
        if let Some(journal) = &self.0.audit {
            let mut headers = HeaderMap::new();
            if let Ok(agent) = HeaderValue::from_str(&client.user_agent) {
                headers.insert("user-agent", agent);
            }
            let event =
                trail::event_bytes(&ids, &headers, region, &entry, result.as_ref().map(Some));
            journal
                .append_blocking(event)
                .map_err(|err| trail::unavailable(&err))?;
        }
        result
    }

    fn audit_events(
        &self,
        principal: &Arc<Principal>,
        query: &AuditQuery,
    ) -> Result<Option<Vec<serde_json::Value>>, KmsError> {
        let Some(journal) = &self.0.audit else {
            return Ok(None);
        };
        let filter = trent_audit::QueryFilter {
            key: query.key_arn.clone(),
            event_name: query.event_name.clone(),
            error_code: query.errors_only.then(|| "*".to_string()),
            ..Default::default()
        };
        // Newest first; an administrator sees every account, others their own account's.
        let wanted = query.limit.max(1);
        let mut scan = wanted;
        loop {
            let events = trent_audit::tail(journal.dir(), scan, &filter)
                .map_err(|err| trail::unavailable(&err))?;
            let complete = events.len() < scan;
            let visible: Vec<serde_json::Value> = events
                .iter()
                .rev()
                .filter_map(|raw| serde_json::from_str::<serde_json::Value>(raw.get()).ok())
                .filter(|event| {
                    principal.administrator
                        || event["recipientAccountId"] == principal.account_id.as_str()
                        || event["userIdentity"]["accountId"] == principal.account_id.as_str()
                })
                .take(wanted)
                .collect();
            if visible.len() >= wanted || complete || scan >= 100_000 {
                return Ok(Some(visible));
            }
            scan *= 4;
        }
    }

    fn regions(&self) -> Vec<String> {
        self.0.regions.clone()
    }
}
