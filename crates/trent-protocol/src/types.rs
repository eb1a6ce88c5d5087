//! The three scalar types of the KMS model that JSON has no word for: timestamps, binary data and
//! binary data that is secret.
//!
//! On the wire (awsJson1.1) a timestamp is a JSON number of epoch seconds and a blob is a base64
//! string. The generated shapes use these types so that every byte of that encoding is decided
//! here, once. A blob the model marks `sensitive` (plaintext, data keys, shared secrets, MAC
//! messages) is a [`SensitiveBlob`]: zeroized on drop, redacted in `Debug`, compared in constant
//! time, and read only through [`SensitiveBlob::expose`].

use std::cell::Cell;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// Standard base64 alphabet, padded on output; padding optional on input (SDKs always pad, but
/// a missing `=` is not worth a rejected request).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What a blob deserializer reports for invalid base64. It never contains the input.
const INVALID_BASE64: &str = "invalid base64";

/// A point in time as the KMS wire carries it: seconds since the Unix epoch, with a fraction.
///
/// Serialized as a JSON number (an integer when the value is whole seconds, e.g. `1593622000`,
/// otherwise e.g. `1593622000.191`); any JSON number is accepted on input.
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
pub struct Timestamp(pub f64);

impl Timestamp {
    /// The current system time.
    pub fn now() -> Self {
        Self::from(SystemTime::now())
    }

    /// A timestamp from epoch seconds with a fraction.
    pub const fn from_epoch_seconds(seconds: f64) -> Self {
        Self(seconds)
    }

    /// ISO 8601 in UTC to the second, as CloudTrail writes `eventTime`: `2026-04-27T17:11:06Z`.
    pub fn iso8601(&self) -> String {
        let stamp = crate::sigv4::format_amz_date(self.0.floor() as i64);
        let s = stamp.as_str();
        format!(
            "{}-{}-{}T{}:{}:{}Z",
            &s[0..4],
            &s[4..6],
            &s[6..8],
            &s[9..11],
            &s[11..13],
            &s[13..15]
        )
    }

    /// Seconds since the Unix epoch, with a fraction.
    pub const fn epoch_seconds(self) -> f64 {
        self.0
    }
}

impl From<SystemTime> for Timestamp {
    fn from(time: SystemTime) -> Self {
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => Self(after.as_secs_f64()),
            Err(before) => Self(-before.duration().as_secs_f64()),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // 2^53: every whole number below it is exact in an f64 and prints without a fraction.
        const EXACT: f64 = 9_007_199_254_740_992.0;
        let seconds = self.0;
        if seconds.fract() == 0.0 && seconds.abs() < EXACT {
            serializer.serialize_i64(seconds as i64)
        } else {
            serializer.serialize_f64(seconds)
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EpochSeconds;
        impl Visitor<'_> for EpochSeconds {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("epoch seconds")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
                if v.is_finite() {
                    Ok(Timestamp(v))
                } else {
                    Err(E::custom("timestamp out of range"))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
                Ok(Timestamp(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
                Ok(Timestamp(v as f64))
            }
        }
        deserializer.deserialize_f64(EpochSeconds)
    }
}

/// Binary data that is not secret (ciphertexts, public keys, signatures, import tokens): base64
/// in JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Blob(pub Vec<u8>);

impl Blob {
    /// Wraps bytes.
    pub const fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, owned.
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for Blob {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for Blob {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl AsRef<[u8]> for Blob {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if blobs_left_out() {
            return serializer.serialize_str("");
        }
        serializer.serialize_str(&BASE64.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(Base64Visitor).map(Blob)
    }
}

/// Secret binary data (plaintexts, data keys, shared secrets, messages to sign or MAC).
///
/// Zeroized when dropped; `Debug` shows only the length; `==` runs in time independent of the
/// contents (though not of the length). The bytes are read with [`SensitiveBlob::expose`], so
/// every place that reads a secret says so.
#[derive(Clone, Default)]
pub struct SensitiveBlob(Zeroizing<Vec<u8>>);

impl SensitiveBlob {
    /// Takes ownership of secret bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Copies secret bytes.
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self::new(bytes.to_vec())
    }

    /// The secret bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes (not secret: AWS reports it in validation errors).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SensitiveBlob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SensitiveBlob(<redacted {} bytes>)", self.0.len())
    }
}

impl PartialEq for SensitiveBlob {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_slice().ct_eq(other.0.as_slice()).into()
    }
}

impl Eq for SensitiveBlob {}

impl Serialize for SensitiveBlob {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if blobs_left_out() {
            return serializer.serialize_str("");
        }
        let encoded = Zeroizing::new(BASE64.encode(self.0.as_slice()));
        serializer.serialize_str(&encoded)
    }
}

impl<'de> Deserialize<'de> for SensitiveBlob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_str(Base64Visitor)
            .map(SensitiveBlob::new)
    }
}

thread_local! {
    static LEAVE_BLOBS_OUT: Cell<bool> = const { Cell::new(false) };
}

fn blobs_left_out() -> bool {
    LEAVE_BLOBS_OUT.with(Cell::get)
}

/// Runs `serialize` with every [`Blob`] and [`SensitiveBlob`] it serializes written as `""`.
///
/// For the audit trail, which keeps a request's members but never its binary ones: encoding a
/// 4 KiB plaintext as base64 only to drop it cost more than the rest of the event, and left an
/// unwiped base64 copy of the secret in freed memory. A flag of the current thread, set only for
/// the duration of this call, tells the blob types what to write; serde offers no other way to
/// reach them from outside.
pub(crate) fn without_blobs<T>(serialize: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            LEAVE_BLOBS_OUT.with(|flag| flag.set(self.0));
        }
    }
    let _restore = Restore(LEAVE_BLOBS_OUT.with(|flag| flag.replace(true)));
    serialize()
}

/// Decodes a base64 JSON string; an owned input (one that had JSON escapes) is wiped after use,
/// since for a [`SensitiveBlob`] it is the secret in another encoding.
struct Base64Visitor;

impl Visitor<'_> for Base64Visitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("base64-encoded binary data")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<u8>, E> {
        BASE64.decode(v).map_err(|_| E::custom(INVALID_BASE64))
    }

    fn visit_string<E: de::Error>(self, mut v: String) -> Result<Vec<u8>, E> {
        let decoded = self.visit_str(&v);
        v.zeroize();
        decoded
    }
}

/// Stands in for a secret value in a generated `Debug` implementation.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_render_as_cloudtrail_does() {
        assert_eq!(
            Timestamp(1_593_622_000.191).iso8601(),
            "2020-07-01T16:46:40Z"
        );
        assert_eq!(Timestamp(0.0).iso8601(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn sensitive_blob_debug_is_redacted() {
        let secret = SensitiveBlob::new(b"hunter2".to_vec());
        assert_eq!(format!("{secret:?}"), "SensitiveBlob(<redacted 7 bytes>)");
        assert_eq!(
            format!("{:?}", Some(secret)),
            "Some(SensitiveBlob(<redacted 7 bytes>))"
        );
    }

    #[test]
    fn blobs_are_base64_both_ways() {
        let blob: Blob = serde_json::from_str("\"AAEC/w==\"").unwrap();
        assert_eq!(blob.as_bytes(), &[0, 1, 2, 255]);
        assert_eq!(serde_json::to_string(&blob).unwrap(), "\"AAEC/w==\"");
        let unpadded: Blob = serde_json::from_str("\"AAEC/w\"").unwrap();
        assert_eq!(unpadded, blob);
        let escaped: SensitiveBlob = serde_json::from_str("\"AAEC\\/w==\"").unwrap();
        assert_eq!(escaped.expose(), &[0, 1, 2, 255]);
        assert!(serde_json::from_str::<Blob>("\"not base64!\"").is_err());
        assert!(serde_json::from_str::<SensitiveBlob>("\"AAEC-w==\"").is_err());
    }

    #[test]
    fn sensitive_blob_equality() {
        assert_eq!(
            SensitiveBlob::from_slice(b"ab"),
            SensitiveBlob::from_slice(b"ab")
        );
        assert_ne!(
            SensitiveBlob::from_slice(b"ab"),
            SensitiveBlob::from_slice(b"ac")
        );
        assert_ne!(
            SensitiveBlob::from_slice(b"ab"),
            SensitiveBlob::from_slice(b"abc")
        );
    }

    #[test]
    fn timestamps_are_epoch_seconds() {
        assert_eq!(
            serde_json::to_string(&Timestamp(1_593_622_000.0)).unwrap(),
            "1593622000"
        );
        assert_eq!(
            serde_json::to_string(&Timestamp(1_593_622_000.191)).unwrap(),
            "1593622000.191"
        );
        let t: Timestamp = serde_json::from_str("1593622000.191").unwrap();
        assert_eq!(t, Timestamp(1_593_622_000.191));
        let t: Timestamp = serde_json::from_str("1593622000").unwrap();
        assert_eq!(t.epoch_seconds(), 1_593_622_000.0);
        assert!(serde_json::from_str::<Timestamp>("\"1593622000\"").is_err());
        assert!(Timestamp::now().epoch_seconds() > 1_600_000_000.0);
    }
}
