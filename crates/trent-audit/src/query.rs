//! Reading events back: `query` (filtered, oldest first), `tail` (the last N) and [`Follower`]
//! (what was appended since last asked).
//!
//! These read the segment files directly and only their complete lines, so they work while a
//! journal is appending, from another process, and on a copy. They return each event's exact
//! bytes as appended. They do not verify the chain — that is [`crate::verify`]'s job and costs a
//! hash per line; a query is for finding, verification for proving.
//!
//! Only the few members the filters look at are read from an event (`eventTime`, `eventName`,
//! `errorCode`, `userIdentity`, `resources`, `requestParameters.keyId`); everything else is
//! skipped by the parser without being materialised.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde_json::value::RawValue;

use crate::clock::{parse_millis, unix_millis};
use crate::error::AuditError;
use crate::format::{self, Line};
use crate::segments;

/// Which events a query returns; every field that is set must match.
#[derive(Debug, Clone, Default)]
pub struct QueryFilter {
    /// `eventTime` at or after this instant.
    pub start: Option<SystemTime>,
    /// `eventTime` at or before this instant.
    pub end: Option<SystemTime>,
    /// A key id or ARN (or alias ARN) found in `resources[].ARN` or `requestParameters.keyId`;
    /// a key id also matches the ARN that ends in `/<key id>`, and the other way round.
    pub key: Option<String>,
    /// `userIdentity.arn`, `userIdentity.accessKeyId` or `userIdentity.principalId`.
    pub principal: Option<String>,
    /// `eventName`, e.g. `Decrypt`.
    pub event_name: Option<String>,
    /// `errorCode`; `"*"` matches any event that has one.
    pub error_code: Option<String>,
    /// At most this many events (the first ones for `query`, the last ones for `tail`).
    pub limit: Option<usize>,
}

impl QueryFilter {
    fn needs_fields(&self) -> bool {
        self.start.is_some()
            || self.end.is_some()
            || self.key.is_some()
            || self.principal.is_some()
            || self.event_name.is_some()
            || self.error_code.is_some()
    }

    /// Whether the event (as bytes) matches. An event that cannot be read matches only a filter
    /// that looks at no field.
    fn matches(&self, event: &[u8]) -> bool {
        if !self.needs_fields() {
            return true;
        }
        let Ok(view) = serde_json::from_slice::<EventView<'_>>(event) else {
            return false;
        };
        self.matches_view(&view)
    }

    fn matches_view(&self, view: &EventView<'_>) -> bool {
        if self.start.is_some() || self.end.is_some() {
            let Some(time) = view.event_time.get().and_then(parse_millis) else {
                return false;
            };
            if self.start.is_some_and(|start| time < unix_millis(start))
                || self.end.is_some_and(|end| time > unix_millis(end))
            {
                return false;
            }
        }
        if let Some(name) = &self.event_name
            && view.event_name.get() != Some(name.as_str())
        {
            return false;
        }
        let error_ok = match self.error_code.as_deref() {
            None => true,
            Some("*") => view.error_code.get().is_some_and(|code| !code.is_empty()),
            Some(code) => view.error_code.get() == Some(code),
        };
        if !error_ok {
            return false;
        }
        if let Some(principal) = &self.principal {
            let identity = view.user_identity.as_ref();
            let found = identity.is_some_and(|identity| {
                [
                    &identity.arn,
                    &identity.access_key_id,
                    &identity.principal_id,
                ]
                .iter()
                .any(|value| value.get() == Some(principal.as_str()))
            });
            if !found {
                return false;
            }
        }
        if let Some(key) = &self.key {
            let in_resources = view
                .resources
                .iter()
                .flatten()
                .any(|resource| resource.arn.get().is_some_and(|arn| same_key(arn, key)));
            let in_parameters = view
                .request_parameters
                .as_ref()
                .and_then(|parameters| parameters.key_id.get())
                .is_some_and(|id| same_key(id, key));
            if !(in_resources || in_parameters) {
                return false;
            }
        }
        true
    }
}

/// A key named by id in one place and by ARN (`…:key/<id>`) in another is the same key.
fn same_key(found: &str, wanted: &str) -> bool {
    let ends_with_id = |arn: &str, id: &str| {
        arn.len() > id.len() + 1
            && arn.ends_with(id)
            && arn.as_bytes()[arn.len() - id.len() - 1] == b'/'
    };
    found == wanted || ends_with_id(found, wanted) || ends_with_id(wanted, found)
}

/// The members of an event the filters read. Unknown members are skipped.
#[derive(Deserialize)]
struct EventView<'a> {
    #[serde(rename = "eventTime", borrow, default)]
    event_time: LenientStr<'a>,
    #[serde(rename = "eventName", borrow, default)]
    event_name: LenientStr<'a>,
    #[serde(rename = "errorCode", borrow, default)]
    error_code: LenientStr<'a>,
    #[serde(rename = "userIdentity", borrow, default)]
    user_identity: Option<IdentityView<'a>>,
    #[serde(borrow, default)]
    resources: Option<Vec<ResourceView<'a>>>,
    #[serde(rename = "requestParameters", borrow, default)]
    request_parameters: Option<ParametersView<'a>>,
}

#[derive(Deserialize)]
struct IdentityView<'a> {
    #[serde(borrow, default)]
    arn: LenientStr<'a>,
    #[serde(rename = "accessKeyId", borrow, default)]
    access_key_id: LenientStr<'a>,
    #[serde(rename = "principalId", borrow, default)]
    principal_id: LenientStr<'a>,
}

#[derive(Deserialize)]
struct ResourceView<'a> {
    #[serde(rename = "ARN", borrow, default)]
    arn: LenientStr<'a>,
}

#[derive(Deserialize)]
struct ParametersView<'a> {
    #[serde(rename = "keyId", borrow, default)]
    key_id: LenientStr<'a>,
}

/// A string member, or nothing when the member holds anything else (null, a number, an object):
/// an odd member must not hide the whole event from a query.
#[derive(Default)]
struct LenientStr<'a>(Option<Cow<'a, str>>);

impl LenientStr<'_> {
    fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for LenientStr<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LenientVisitor;
        impl<'de> Visitor<'de> for LenientVisitor {
            type Value = LenientStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LenientStr(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LenientStr(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(LenientStr(Some(Cow::Owned(v))))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LenientStr(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(LenientStr(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(LenientStr(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(LenientStr(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LenientStr(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LenientStr(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(LenientStr(None))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LenientStr(None))
            }
        }
        deserializer.deserialize_any(LenientVisitor)
    }
}

fn to_raw(event: &[u8]) -> Option<Box<RawValue>> {
    // Validates the JSON once more; an event that is not JSON is skipped, never half-returned.
    serde_json::from_slice::<Box<RawValue>>(event).ok()
}

/// Calls `each` with every record's event bytes of one segment, in order.
fn for_each_event(
    path: &Path,
    offset: u64,
    mut each: impl FnMut(&[u8]) -> bool,
) -> Result<u64, AuditError> {
    let data = segments::read_segment_from(path, offset)?;
    for (_, line) in data.lines() {
        if let Ok(Line::Record { event, .. }) = format::parse_line(line)
            && !each(event)
        {
            break;
        }
    }
    Ok(data.complete as u64)
}

/// The events of `dir` matching `filter`, oldest first, as their exact JSON bytes.
/// Works while a journal is writing the directory (only complete lines are read).
pub fn query(dir: &Path, filter: &QueryFilter) -> Result<Vec<Box<RawValue>>, AuditError> {
    let limit = filter.limit.unwrap_or(usize::MAX);
    let mut found = Vec::new();
    if limit == 0 {
        return Ok(found);
    }
    for segment in segments::list(dir)?.segments {
        for_each_event(&segment.path, 0, |event| {
            if filter.matches(event)
                && let Some(raw) = to_raw(event)
            {
                found.push(raw);
            }
            found.len() < limit
        })?;
        if found.len() >= limit {
            break;
        }
    }
    Ok(found)
}

/// The last `n` events of `dir` matching `filter` (and at most `filter.limit`), oldest first.
/// Reads segments from the newest backwards and stops as soon as it has enough.
pub fn tail(dir: &Path, n: usize, filter: &QueryFilter) -> Result<Vec<Box<RawValue>>, AuditError> {
    let n = n.min(filter.limit.unwrap_or(usize::MAX));
    let mut found: VecDeque<Box<RawValue>> = VecDeque::new();
    if n == 0 {
        return Ok(Vec::new());
    }
    for segment in segments::list(dir)?.segments.iter().rev() {
        let mut in_segment = VecDeque::new();
        for_each_event(&segment.path, 0, |event| {
            if filter.matches(event)
                && let Some(raw) = to_raw(event)
            {
                in_segment.push_back(raw);
                if in_segment.len() > n {
                    in_segment.pop_front();
                }
            }
            true
        })?;
        while let Some(raw) = in_segment.pop_back() {
            if found.len() >= n {
                break;
            }
            found.push_front(raw);
        }
        if found.len() >= n {
            break;
        }
    }
    Ok(found.into())
}

/// Follows a journal directory: each [`poll`](Self::poll) returns the matching events appended
/// since the previous one (for `tail -f`). Polling is left to the caller, so no thread or
/// file-watch machinery is involved.
#[derive(Debug)]
pub struct Follower {
    dir: PathBuf,
    filter: QueryFilter,
    /// The segment being read and how many of its bytes were consumed.
    segment: u64,
    offset: u64,
}

impl Follower {
    /// Starts at the current end of the trail: the first poll returns only newer events.
    pub fn from_end(dir: &Path, filter: QueryFilter) -> Result<Follower, AuditError> {
        let listing = segments::list(dir)?;
        let (segment, offset) = match listing.segments.last() {
            Some(last) => (
                last.number,
                segments::read_segment_from(&last.path, 0)?.complete as u64,
            ),
            None => (0, 0),
        };
        Ok(Follower {
            dir: dir.to_path_buf(),
            filter,
            segment,
            offset,
        })
    }

    /// The matching events appended since the last poll, oldest first.
    pub fn poll(&mut self) -> Result<Vec<Box<RawValue>>, AuditError> {
        let mut found = Vec::new();
        for segment in segments::list(&self.dir)?.segments {
            if segment.number < self.segment {
                continue;
            }
            if segment.number > self.segment {
                self.segment = segment.number;
                self.offset = 0;
            }
            let filter = &self.filter;
            let consumed = for_each_event(&segment.path, self.offset, |event| {
                if filter.matches(event)
                    && let Some(raw) = to_raw(event)
                {
                    found.push(raw);
                }
                true
            })?;
            self.offset += consumed;
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_match_their_arns() {
        let arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        assert!(same_key(arn, id));
        assert!(same_key(id, arn));
        assert!(same_key(id, id));
        assert!(!same_key(arn, "34cd-56ef-1234567890ab"));
        assert!(!same_key(arn, "other"));
    }

    #[test]
    fn odd_members_do_not_hide_an_event() {
        let filter = QueryFilter {
            event_name: Some("Decrypt".into()),
            ..QueryFilter::default()
        };
        assert!(filter.matches(
            br#"{"eventName":"Decrypt","requestParameters":{"keyId":7},"userIdentity":null,"resources":[{"ARN":null}]}"#
        ));
        assert!(filter.matches(br#"{"eventName":"Dec\u0072ypt"}"#));
        assert!(!filter.matches(br#"{"eventName":"Encrypt"}"#));
        assert!(!filter.matches(b"{not json}"));
        assert!(QueryFilter::default().matches(b"{not json}"));
    }
}
