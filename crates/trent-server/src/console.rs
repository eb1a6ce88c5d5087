//! The web console's view of the server: sign-in against stored access keys, and every action
//! run as the signed-in principal through the same path as an API call (quotas, authorization,
//! usage tracking).

use std::sync::Arc;

use trent_console::{ClientInfo, ConsoleBackend};
use trent_core::{Caller, Principal, sessions};
use trent_protocol::{KmsError, Request, Response};

use crate::api::AppState;

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
        _client: &ClientInfo,
    ) -> Result<Response, KmsError> {
        if let Some(quotas) = &self.0.quotas {
            quotas.take(&principal.account_id)?;
        }
        let caller = Caller::new(
            principal.clone(),
            region.to_string(),
            uuid::Uuid::new_v4().to_string(),
            uuid::Uuid::new_v4().to_string(),
        );
        self.0.kms.call(&caller, request)
    }

    fn regions(&self) -> Vec<String> {
        self.0.regions.clone()
    }
}
