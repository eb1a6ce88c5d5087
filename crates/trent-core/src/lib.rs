//! The Trent service: every KMS operation, the key state machine, authorization, rotation and
//! deletion.
//!
//! This crate joins the leaves: it takes typed requests from `trent-protocol`, keeps its records
//! in a `trent-store` backend, does cryptography with `trent-crypto` and (as it grows) asks
//! `trent-policy` for decisions. It knows nothing about HTTP; `trent-server` authenticates a
//! request, then calls [`Kms::call`] with the [`Caller`] it established.
//!
//! Two rules shape it:
//! - Cryptographic operations never read the store: key metadata and unwrapped material are
//!   cached in memory ([`keys`]) and the cache is refreshed whenever this node changes a key.
//! - Every change is a compare-and-set on the stored record, so concurrent requests cannot lose
//!   each other's updates.

pub mod audit;
mod authz;
pub mod clock;
mod conditions;
mod errors;
pub mod iam;
pub mod identity;
pub mod ids;
mod keys;
pub mod managed;
mod ops;
pub mod records;
pub mod sessions;
mod usage;
mod workers;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use trent_crypto::WrappingKey;
use trent_protocol::{ErrorCode, KmsError, Request, Response};
use trent_store::{Batch, Expect, RecordKey, Store, StoreError};

pub use authz::{SimulateRequest, Simulation, access_denied};
pub use clock::{AdjustableClock, Clock, SystemClock};
pub use conditions::RequestFacts;
pub use identity::{AccessKeyCreated, Principal, PrincipalKind};
pub use workers::WorkDone;

use ids::Arns;
use records::{DomainKeyRecord, kind};

/// Who is calling, as established by request authentication, and what the request touched.
#[derive(Debug)]
pub struct Caller {
    pub principal: Arc<Principal>,
    /// The region the request was signed for; keys live in one region.
    pub region: String,
    /// The request's `x-amzn-RequestId` and its audit event id (GetKeyLastUsage reports both).
    pub request_id: String,
    pub event_id: String,
    /// Where the request came from (`aws:SourceIp`), when the transport knows.
    pub source_ip: Option<IpAddr>,
    /// Whether it arrived over TLS (`aws:SecureTransport`).
    pub secure_transport: bool,
    /// The request's condition values, set by [`Kms::call`] before the operation runs.
    facts: Mutex<Arc<RequestFacts>>,
    /// ARNs of the keys the request named, in the order it resolved them: the audit event's
    /// `resources`, and the keys whose last usage a successful call updates.
    resources: Mutex<Vec<String>>,
}

impl Caller {
    pub fn new(
        principal: Arc<Principal>,
        region: String,
        request_id: String,
        event_id: String,
    ) -> Caller {
        Caller {
            principal,
            region,
            request_id,
            event_id,
            source_ip: None,
            secure_transport: false,
            facts: Mutex::default(),
            resources: Mutex::new(Vec::new()),
        }
    }

    /// The same caller, with where the request came from and whether over TLS.
    pub fn with_transport(mut self, source_ip: Option<IpAddr>, secure: bool) -> Caller {
        self.source_ip = source_ip;
        self.secure_transport = secure;
        self
    }

    pub(crate) fn facts(&self) -> Arc<RequestFacts> {
        self.facts
            .lock()
            .map(|facts| facts.clone())
            .unwrap_or_default()
    }

    pub(crate) fn set_facts(&self, facts: RequestFacts) {
        if let Ok(mut slot) = self.facts.lock() {
            *slot = Arc::new(facts);
        }
    }

    pub fn account(&self) -> &str {
        &self.principal.account_id
    }

    /// The key ARNs this request resolved so far, without repeats.
    pub fn resources(&self) -> Vec<String> {
        self.resources
            .lock()
            .map(|list| list.clone())
            .unwrap_or_default()
    }

    pub(crate) fn touch(&self, key_arn: &str) {
        if let Ok(mut list) = self.resources.lock()
            && !list.iter().any(|arn| arn == key_arn)
        {
            list.push(key_arn.to_string());
        }
    }
}

/// Failures that are not the caller's fault: the store or a stored record is broken.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("the root key cannot unwrap the domain key (wrong root key for this data directory?)")]
    WrongRootKey,
    #[error("{0}")]
    Invalid(String),
}

impl From<CoreError> for KmsError {
    fn from(err: CoreError) -> Self {
        tracing::error!(error = %err, "internal failure");
        KmsError::bare(ErrorCode::KMSInternalException)
    }
}

/// Settings that do not change while the service runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// ARN partition (`aws`).
    pub partition: String,
    /// Services whose `alias/aws/<service>` keys are created on first use.
    pub managed_services: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            partition: "aws".to_string(),
            managed_services: managed::DEFAULT_SERVICES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

/// The service. Cheap to share behind an `Arc`; every method may block on the store.
#[derive(Debug)]
pub struct Kms {
    store: Arc<dyn Store>,
    domain_key: WrappingKey,
    clock: Arc<dyn Clock>,
    arns: Arns,
    keys: keys::KeyCache,
    identities: identity::AccessKeyCache,
    usage: usage::UsageTracker,
    managed_services: Vec<String>,
}

const DOMAIN_KEY_AAD: &[u8] = b"trent/domain-key/v1";

impl Kms {
    /// Opens the service on `store`: unwraps the domain key with `root_key`, creating the domain
    /// key on first start.
    pub fn open(
        store: Arc<dyn Store>,
        root_key: &WrappingKey,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Result<Kms, CoreError> {
        let domain_key = load_or_create_domain_key(store.as_ref(), root_key)?;
        ops::index_retirable_grants(store.as_ref())?;
        Ok(Kms {
            store,
            domain_key,
            clock,
            arns: Arns {
                partition: settings.partition,
            },
            keys: keys::KeyCache::default(),
            identities: identity::AccessKeyCache::default(),
            usage: usage::UsageTracker::default(),
            managed_services: settings.managed_services,
        })
    }

    /// Runs one KMS operation for `caller`. Input constraints are checked first, exactly as AWS's
    /// front end checks them, then the operation itself.
    pub fn call(&self, caller: &Caller, request: Request) -> Result<Response, KmsError> {
        request.validate()?;
        caller.set_facts(RequestFacts::of(&request));
        let operation = request.operation();
        let response = ops::dispatch(self, caller, request)?;
        self.usage.note(self, caller, operation);
        Ok(response)
    }

    /// Forgets every key, alias, account and user (test mode's reset). The domain key stays.
    pub fn wipe(&self, root_key: &WrappingKey) -> Result<(), CoreError> {
        self.store.wipe()?;
        self.keys.clear();
        self.identities.clear();
        self.usage.clear();
        let mut batch = Batch::new();
        batch.put(
            domain_key_address(),
            records::encode(&DomainKeyRecord {
                v: records::VERSION,
                wrapped: hex::encode(
                    root_key.wrap(DOMAIN_KEY_AAD, self.domain_key.to_secret().expose()),
                ),
            }),
            Expect::Any,
        );
        self.store.commit(batch)?;
        ops::index_retirable_grants(self.store.as_ref())?;
        Ok(())
    }

    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    /// Proves the store accepts durable writes (readiness probes): writes a small marker record.
    pub fn check_writable(&self) -> Result<(), CoreError> {
        let mut batch = Batch::new();
        batch.put(
            RecordKey::new(kind::HEALTH, "", "", "write-check"),
            format!("{{\"checked\":{}}}", self.now()).into_bytes(),
            Expect::Any,
        );
        self.store.commit(batch)?;
        Ok(())
    }
}

fn domain_key_address() -> RecordKey {
    RecordKey::new(kind::DOMAIN_KEY, "", "", "current")
}

fn load_or_create_domain_key(
    store: &dyn Store,
    root_key: &WrappingKey,
) -> Result<WrappingKey, CoreError> {
    let address = domain_key_address();
    loop {
        if let Some(record) = store.get(&address)? {
            let record: DomainKeyRecord = records::decode(&record.value)?;
            let wrapped = hex::decode(&record.wrapped)
                .map_err(|_| CoreError::Corrupt("domain key record".into()))?;
            let secret = root_key
                .unwrap(DOMAIN_KEY_AAD, &wrapped)
                .map_err(|_| CoreError::WrongRootKey)?;
            return WrappingKey::from_bytes(secret.expose())
                .map_err(|_| CoreError::Corrupt("domain key length".into()));
        }
        let domain_key = WrappingKey::generate();
        let mut batch = Batch::new();
        batch.put(
            address.clone(),
            records::encode(&DomainKeyRecord {
                v: records::VERSION,
                wrapped: hex::encode(
                    root_key.wrap(DOMAIN_KEY_AAD, domain_key.to_secret().expose()),
                ),
            }),
            Expect::Absent,
        );
        match store.commit(batch) {
            Ok(_) => return Ok(domain_key),
            // Another node created it first: use theirs.
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
}
