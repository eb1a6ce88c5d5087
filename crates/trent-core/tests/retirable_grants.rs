//! The retiring-principal index behind ListRetirableGrants, as the store sees it: every grant
//! with a retiring principal has exactly one entry while it exists, whichever way it ends
//! (retired, revoked, or deleted with its key when the deletion window closes), and an entry
//! whose grant is gone never costs a page its grants.

use std::sync::Arc;

use trent_core::{AdjustableClock, Caller, Kms, Settings};
use trent_crypto::WrappingKey;
use trent_protocol::{
    CreateGrantRequest, CreateKeyRequest, GrantOperation, ListRetirableGrantsRequest, Request,
    Response, RetireGrantRequest, RevokeGrantRequest, ScheduleKeyDeletionRequest,
};
use trent_store::{Batch, Expect, RecordKey, SqliteStore, Store};

fn entries(store: &dyn Store) -> usize {
    store.scan("retirable-grant").unwrap().len()
}

struct Service {
    store: Arc<dyn Store>,
    clock: Arc<AdjustableClock>,
    kms: Kms,
    caller: Caller,
    role: String,
}

impl Service {
    fn new() -> Service {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
        let clock = Arc::new(AdjustableClock::default());
        let kms = Kms::open(
            Arc::clone(&store),
            &WrappingKey::generate(),
            clock.clone(),
            Settings::default(),
        )
        .unwrap();
        let admin = kms.bootstrap(None).unwrap().unwrap();
        let principal = Arc::new(kms.principal_for_arn(&admin.user_arn).unwrap());
        let caller = Caller::new(principal, "us-east-1".into(), "r".into(), "e".into());
        let role = format!("arn:aws:iam::{}:role/app", admin.account_id);
        Service {
            store,
            clock,
            kms,
            caller,
            role,
        }
    }

    fn call(&self, request: Request) -> Response {
        self.kms.call(&self.caller, request).unwrap()
    }

    fn create_key(&self) -> String {
        let Response::CreateKey(created) =
            self.call(Request::CreateKey(CreateKeyRequest::default()))
        else {
            panic!("not a CreateKey response")
        };
        created.key_metadata.unwrap().key_id
    }

    fn grant(&self, key: &str, retiring: Option<&str>) -> String {
        let Response::CreateGrant(created) = self.call(Request::CreateGrant(CreateGrantRequest {
            key_id: Some(key.to_string()),
            grantee_principal: Some(self.role.clone()),
            retiring_principal: retiring.map(str::to_string),
            operations: Some(vec![GrantOperation::Decrypt]),
            ..Default::default()
        })) else {
            panic!("not a CreateGrant response")
        };
        created.grant_id.unwrap()
    }

    /// One page of the role's retirable grants: (grant ids, next marker).
    fn page(&self, limit: i32, marker: Option<String>) -> (Vec<String>, Option<String>) {
        let Response::ListRetirableGrants(listed) =
            self.call(Request::ListRetirableGrants(ListRetirableGrantsRequest {
                retiring_principal: Some(self.role.clone()),
                limit: Some(limit),
                marker,
            }))
        else {
            panic!("not a ListRetirableGrants response")
        };
        let ids = listed
            .grants
            .unwrap_or_default()
            .into_iter()
            .map(|grant| grant.grant_id.unwrap())
            .collect();
        assert_eq!(listed.truncated, Some(listed.next_marker.is_some()));
        (ids, listed.next_marker)
    }
}

#[test]
fn index_entries_live_exactly_as_long_as_their_grants() {
    let service = Service::new();
    let role = Some(service.role.as_str());
    let kept_key = service.create_key();
    let doomed_key = service.create_key();
    let retired = service.grant(&kept_key, role);
    let revoked = service.grant(&kept_key, role);
    service.grant(&kept_key, role);
    service.grant(&kept_key, None);
    service.grant(&doomed_key, role);
    service.grant(&doomed_key, role);
    assert_eq!(entries(service.store.as_ref()), 5);

    service.call(Request::RetireGrant(RetireGrantRequest {
        key_id: Some(kept_key.clone()),
        grant_id: Some(retired),
        ..Default::default()
    }));
    service.call(Request::RevokeGrant(RevokeGrantRequest {
        key_id: Some(kept_key.clone()),
        grant_id: Some(revoked),
        ..Default::default()
    }));
    assert_eq!(entries(service.store.as_ref()), 3);

    service.call(Request::ScheduleKeyDeletion(ScheduleKeyDeletionRequest {
        key_id: Some(doomed_key),
        pending_window_in_days: Some(7),
    }));
    service.clock.advance(8.0 * 86_400.0);
    assert_eq!(service.kms.run_due_work().unwrap().deleted, 1);
    assert_eq!(entries(service.store.as_ref()), 1);
    assert_eq!(service.page(10, None).0.len(), 1);
}

#[test]
fn entries_whose_grants_are_gone_do_not_shorten_a_page() {
    let service = Service::new();
    let key = service.create_key();
    let mut grants = [
        service.grant(&key, Some(&service.role)),
        service.grant(&key, Some(&service.role)),
    ];
    grants.sort();
    // Entries naming grants that no longer exist (as when a grant is retired while a listing
    // reads the index), sorting before and between the real ones.
    let mut batch = Batch::new();
    for grant_id in ["0", &format!("{}0", grants[0])] {
        batch.put(
            RecordKey::new(
                "retirable-grant",
                "",
                "",
                format!("{} us-east-1/{key}/{grant_id}", service.role),
            ),
            br#"{"v":1,"key_account":"000000000000"}"#.to_vec(),
            Expect::Any,
        );
    }
    service.store.commit(batch).unwrap();

    let (first, marker) = service.page(1, None);
    assert_eq!(first, vec![grants[0].clone()]);
    assert!(marker.is_some(), "a second grant follows");
    let (second, marker) = service.page(1, marker);
    assert_eq!(second, vec![grants[1].clone()]);
    assert_eq!(marker, None);
}
