//! Signing keys (`kSigning`) and a cache of them.
//!
//! Deriving a key costs four HMACs; the key only changes with the secret, the day, the region
//! and the service, so a server that verifies thousands of requests a second from the same
//! few callers keeps them. The cache is bounded and checks, in constant time, that the
//! secret it was derived from is still the caller's secret, so rotating a secret never
//! leaves an old key usable.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use aws_lc_rs::hmac;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::SignedRequest;

/// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`,
/// ready to key the final HMAC. Its `Debug` shows nothing.
#[derive(Clone)]
pub struct SigningKey {
    key: hmac::Key,
}

impl SigningKey {
    /// Derives the key for one day (`yyyymmdd`), region and service.
    pub fn derive(secret_access_key: &[u8], date: &str, region: &str, service: &str) -> Self {
        let mut seed = Zeroizing::new(Vec::with_capacity(4 + secret_access_key.len()));
        seed.extend_from_slice(b"AWS4");
        seed.extend_from_slice(secret_access_key);
        let mut current = Zeroizing::new([0u8; 32]);
        let step = |key: &[u8], data: &[u8], out: &mut [u8; 32]| {
            let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data);
            out.copy_from_slice(tag.as_ref());
        };
        step(&seed, date.as_bytes(), &mut current);
        for part in [region.as_bytes(), service.as_bytes(), b"aws4_request"] {
            let previous = Zeroizing::new(*current);
            step(&*previous, part, &mut current);
        }
        SigningKey {
            key: hmac::Key::new(hmac::HMAC_SHA256, &*current),
        }
    }

    /// Derives the key a request's credential scope calls for.
    pub fn for_request(signed: &SignedRequest, secret_access_key: &[u8]) -> Self {
        Self::derive(
            secret_access_key,
            &signed.scope_date,
            &signed.region,
            &signed.service,
        )
    }

    pub(crate) fn hmac_key(&self) -> &hmac::Key {
        &self.key
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

struct Entry {
    secret: Zeroizing<Box<[u8]>>,
    key: Arc<SigningKey>,
}

/// A bounded, thread-safe cache of signing keys, keyed by the request's full credential
/// (`keyid/date/region/service/aws4_request`).
///
/// Share one per server (`Arc<SigningKeyCache>` or a `static`). When it is full, entries of
/// other days are dropped first, then everything; a day's entries are useless the next day.
pub struct SigningKeyCache {
    entries: RwLock<HashMap<Box<str>, Entry>>,
    capacity: usize,
}

impl SigningKeyCache {
    /// A cache holding at most `capacity` keys (at least one).
    pub fn new(capacity: usize) -> Self {
        SigningKeyCache {
            entries: RwLock::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// How many keys are cached.
    pub fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }

    /// Whether no key is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The signing key for `signed`, from the cache when it was derived from this very secret.
    pub fn signing_key(&self, signed: &SignedRequest, secret_access_key: &[u8]) -> Arc<SigningKey> {
        let id = signed.credential.as_str();
        {
            let entries = self
                .entries
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let same_secret =
                |entry: &&Entry| bool::from(entry.secret.as_ref().ct_eq(secret_access_key));
            if let Some(entry) = entries.get(id).filter(same_secret) {
                return Arc::clone(&entry.key);
            }
        }
        let key = Arc::new(SigningKey::for_request(signed, secret_access_key));
        let mut entries = self
            .entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(id) {
            entries.retain(|other, _| scope_date(other) == Some(signed.scope_date.as_str()));
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(
            id.into(),
            Entry {
                secret: Zeroizing::new(secret_access_key.into()),
                key: Arc::clone(&key),
            },
        );
        key
    }

    /// [`super::verify`], with the signing key from this cache.
    pub fn verify(
        &self,
        signed: &SignedRequest,
        req: &super::RequestParts<'_>,
        secret_access_key: &[u8],
        now_unix: i64,
    ) -> Result<(), super::AuthError> {
        // Checks that need no key come first, so a stale request never costs a derivation.
        super::check_invariants(signed, req, now_unix)?;
        let key = self.signing_key(signed, secret_access_key);
        super::check_signature(signed, req, &key)
    }
}

/// The date part of a cached credential `keyid/date/region/service/term`.
fn scope_date(credential: &str) -> Option<&str> {
    credential.split('/').nth(1)
}

impl fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeyCache")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}
