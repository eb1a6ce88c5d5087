//! Input constraints of the KMS model, reported in the words of AWS's request framework (Coral).
//!
//! AWS checks every request against the model's constraints (required members, lengths, ranges,
//! patterns, enum values) before KMS sees it, and reports all failures in one
//! `ValidationException`:
//!
//! ```text
//! 2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must
//! not be null; Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value
//! greater than or equal to 1
//! ```
//!
//! The generated `impl Validate` of each request walks its members in model order and calls the
//! checks below; this module owns the wording. Rules the wording follows:
//!
//! * A path is the member name with its first letter lowercased (`KeyId` → `keyId`,
//!   `AWSAccountId` → `aWSAccountId`), nested as `recipient.attestationDocument`, and for a list of
//!   structures `tags.1.member.tagKey` (1-based).
//! * A member's own checks run in the order: not null, length (or value range), pattern, enum.
//! * Values print as received: strings raw, integers in decimal, lists as `[a, b]`, blobs as the
//!   Java buffer AWS prints (`java.nio.HeapByteBuffer[pos=0 lim=N cap=N]`); a member the model
//!   marks `sensitive` prints no value at all (`Value at 'plaintext' failed …`).
//! * Lengths of strings count UTF-16 code units (Java's `String.length()`), of blobs bytes, of
//!   lists and maps entries.
//! * A list of strings or enums whose elements break their constraints is one error at the
//!   list's path, listing every constraint of the element shape:
//!   `Value '[a, ]' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint:
//!   [Member must have length less than or equal to 128, Member must have length greater than or
//!   equal to 1]` (as AWS's framework reports it for every service).
//!
//! What this does not do: checks that need more than one member or any state (`NumberOfBytes` or
//! `KeySpec` but not both, plaintext limits per algorithm, alias prefixes) belong to trent-core,
//! which reports them with [`ValidationError::new`] or its own errors.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

use crate::error::{ErrorCode, KmsError};

/// Checks a request against the model's constraints.
pub trait Validate {
    /// `Ok` when every constraint holds; otherwise every failure, in one message.
    fn validate(&self) -> Result<(), ValidationError>;
}

/// A failed [`Validate::validate`]: the full `ValidationException` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    message: String,
}

impl ValidationError {
    /// A validation error with a message of the caller's choosing (for semantic checks such as
    /// `NumberOfBytes is required.`).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The full message, e.g. `1 validation error detected: Value …`.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ValidationError {}

impl From<ValidationError> for KmsError {
    fn from(err: ValidationError) -> Self {
        KmsError::new(ErrorCode::ValidationException, err.message)
    }
}

/// Length bounds of a string (UTF-16 units), blob (bytes), list or map (entries).
#[derive(Debug)]
pub(crate) struct Length {
    min: Option<usize>,
    max: Option<usize>,
}

impl Length {
    pub(crate) const fn new(min: Option<usize>, max: Option<usize>) -> Self {
        Self { min, max }
    }
}

/// Bounds of an integer.
#[derive(Debug)]
pub(crate) struct Range {
    min: Option<i64>,
    max: Option<i64>,
}

impl Range {
    pub(crate) const fn new(min: Option<i64>, max: Option<i64>) -> Self {
        Self { min, max }
    }
}

/// A model pattern: the Java regex as the model spells it (it appears verbatim in messages) and
/// its translation, compiled on first use and matched against the whole value.
#[derive(Debug)]
pub(crate) struct Pattern {
    model: &'static str,
    regex: &'static LazyLock<Regex>,
}

impl Pattern {
    pub(crate) const fn new(model: &'static str, regex: &'static LazyLock<Regex>) -> Self {
        Self { model, regex }
    }
}

/// The constraints of a string shape.
#[derive(Debug)]
pub(crate) struct StringRule {
    length: Length,
    pattern: Option<Pattern>,
}

impl StringRule {
    pub(crate) const fn new(
        min: Option<usize>,
        max: Option<usize>,
        pattern: Option<Pattern>,
    ) -> Self {
        Self {
            length: Length::new(min, max),
            pattern,
        }
    }
}

/// An enum of the model, as validation sees it.
pub(crate) trait ModelEnum {
    /// The value as received.
    fn wire(&self) -> &str;
    /// Whether the value is one of the model's.
    fn known(&self) -> bool;
}

/// Where a value sits and whether it may be shown.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<'a> {
    prefix: &'a str,
    member: &'a str,
    sensitive: bool,
}

impl<'a> At<'a> {
    /// Member `member` (already lowerCamel) of the structure at `prefix` (`""` at the top).
    pub(crate) const fn new(prefix: &'a str, member: &'a str) -> Self {
        Self {
            prefix,
            member,
            sensitive: false,
        }
    }

    /// The same place, holding a value the model marks sensitive.
    pub(crate) const fn sensitive(self) -> Self {
        Self {
            sensitive: true,
            ..self
        }
    }

    /// The full path, e.g. `recipient.attestationDocument`.
    pub(crate) fn path(&self) -> String {
        if self.prefix.is_empty() {
            self.member.to_owned()
        } else {
            format!("{}.{}", self.prefix, self.member)
        }
    }

    /// The path of element `index` (0-based) of the list here: `tags.1.member`.
    pub(crate) fn element(&self, index: usize) -> String {
        format!("{}.{}.member", self.path(), index + 1)
    }
}

/// The failures found so far, in the order found.
#[derive(Debug, Default)]
pub(crate) struct Violations {
    messages: Vec<String>,
}

impl Violations {
    /// `Ok` if nothing failed, else the Coral message.
    pub(crate) fn finish(self) -> Result<(), ValidationError> {
        match self.messages.len() {
            0 => Ok(()),
            1 => Err(ValidationError::new(format!(
                "1 validation error detected: {}",
                self.messages[0]
            ))),
            n => Err(ValidationError::new(format!(
                "{n} validation errors detected: {}",
                self.messages.join("; ")
            ))),
        }
    }

    fn report(&mut self, at: At<'_>, shown: Option<&str>, constraint: &str) {
        let path = at.path();
        let message = match shown {
            _ if at.sensitive => {
                format!("Value at '{path}' failed to satisfy constraint: {constraint}")
            }
            Some(value) => {
                format!("Value '{value}' at '{path}' failed to satisfy constraint: {constraint}")
            }
            None => format!("Value null at '{path}' failed to satisfy constraint: {constraint}"),
        };
        self.messages.push(message);
    }

    /// A required member is absent (or JSON `null`).
    pub(crate) fn missing(&mut self, at: At<'_>) {
        self.report(at, None, "Member must not be null");
    }

    /// A string member.
    pub(crate) fn string(&mut self, at: At<'_>, value: &str, rule: &StringRule) {
        if let Some(constraint) = rule.length.broken_by(utf16_len(value)) {
            self.report(at, Some(value), &constraint);
        }
        if let Some(pattern) = rule.pattern.as_ref().filter(|p| !p.regex.is_match(value)) {
            self.report(at, Some(value), &pattern.constraint());
        }
    }

    /// A blob member of `len` bytes.
    pub(crate) fn blob(&mut self, at: At<'_>, len: usize, rule: &Length) {
        if let Some(constraint) = rule.broken_by(len) {
            self.report(at, Some(&java_byte_buffer(len)), &constraint);
        }
    }

    /// An integer member.
    pub(crate) fn integer(&mut self, at: At<'_>, value: i64, rule: &Range) {
        if let Some(constraint) = rule.broken_by(value) {
            self.report(at, Some(&value.to_string()), &constraint);
        }
    }

    /// An enum member; `allowed` are the model's values in model order.
    pub(crate) fn enumeration(&mut self, at: At<'_>, value: &impl ModelEnum, allowed: &[&str]) {
        if !value.known() {
            self.report(at, Some(value.wire()), &enum_constraint(allowed));
        }
    }

    /// The number of entries of a list of strings.
    pub(crate) fn string_list_len(&mut self, at: At<'_>, items: &[String], rule: &Length) {
        if let Some(constraint) = rule.broken_by(items.len()) {
            self.report(
                at,
                Some(&show_list(items.iter().map(String::as_str))),
                &constraint,
            );
        }
    }

    /// The elements of a list of strings: one error at the list if any element fails.
    pub(crate) fn string_members(&mut self, at: At<'_>, items: &[String], rule: &StringRule) {
        let fails = |value: &String| {
            rule.length.broken_by(utf16_len(value)).is_some()
                || rule
                    .pattern
                    .as_ref()
                    .is_some_and(|p| !p.regex.is_match(value))
        };
        if items.iter().any(fails) {
            let mut all = Vec::new();
            all.extend(rule.length.describe());
            all.extend(rule.pattern.as_ref().map(Pattern::constraint));
            let constraint = format!("Member must satisfy constraint: [{}]", all.join(", "));
            self.report(
                at,
                Some(&show_list(items.iter().map(String::as_str))),
                &constraint,
            );
        }
    }

    /// The elements of a list of enums: one error at the list if any element is unknown.
    pub(crate) fn enum_members<E: ModelEnum>(&mut self, at: At<'_>, items: &[E], allowed: &[&str]) {
        if items.iter().any(|e| !e.known()) {
            let constraint = format!(
                "Member must satisfy constraint: [{}]",
                enum_constraint(allowed)
            );
            self.report(
                at,
                Some(&show_list(items.iter().map(ModelEnum::wire))),
                &constraint,
            );
        }
    }
}

impl Length {
    /// The constraint `len` breaks, if any.
    fn broken_by(&self, len: usize) -> Option<String> {
        match (self.min, self.max) {
            (_, Some(max)) if len > max => Some(format!(
                "Member must have length less than or equal to {max}"
            )),
            (Some(min), _) if len < min => Some(format!(
                "Member must have length greater than or equal to {min}"
            )),
            _ => None,
        }
    }

    /// Every constraint, in Coral's order (upper bound first).
    fn describe(&self) -> Vec<String> {
        let mut all = Vec::new();
        if let Some(max) = self.max {
            all.push(format!(
                "Member must have length less than or equal to {max}"
            ));
        }
        if let Some(min) = self.min {
            all.push(format!(
                "Member must have length greater than or equal to {min}"
            ));
        }
        all
    }
}

impl Range {
    fn broken_by(&self, value: i64) -> Option<String> {
        match (self.min, self.max) {
            (_, Some(max)) if value > max => Some(format!(
                "Member must have value less than or equal to {max}"
            )),
            (Some(min), _) if value < min => Some(format!(
                "Member must have value greater than or equal to {min}"
            )),
            _ => None,
        }
    }
}

impl Pattern {
    fn constraint(&self) -> String {
        format!(
            "Member must satisfy regular expression pattern: {}",
            self.model
        )
    }
}

fn enum_constraint(allowed: &[&str]) -> String {
    format!(
        "Member must satisfy enum value set: [{}]",
        java_hash_set_order(allowed).join(", ")
    )
}

/// The order in which a Java `HashSet` built from `values` iterates them — the order AWS's
/// front end lists an enum's values in (recorded: `[HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224,
/// HMAC_SHA_512]`). Values go to bucket `spread(hashCode) & (table size - 1)`; a bucket keeps
/// insertion order (the model's order).
fn java_hash_set_order<'a>(values: &[&'a str]) -> Vec<&'a str> {
    let capacity = ((values.len() as f32 / 0.75) as usize + 1).max(16);
    let table = capacity.next_power_of_two() as u32;
    let bucket = |value: &str| {
        let hash = value.encode_utf16().fold(0u32, |h, unit| {
            h.wrapping_mul(31).wrapping_add(u32::from(unit))
        });
        (hash ^ (hash >> 16)) & (table - 1)
    };
    let mut ordered = values.to_vec();
    ordered.sort_by_key(|value| bucket(value));
    ordered
}

/// Java's `String.length()`.
fn utf16_len(value: &str) -> usize {
    value.chars().map(char::len_utf16).sum()
}

/// How AWS prints a blob in a validation message (it is Java's `ByteBuffer.toString()`).
fn java_byte_buffer(len: usize) -> String {
    format!("java.nio.HeapByteBuffer[pos=0 lim={len} cap={len}]")
}

/// Java's `List.toString()`: `[a, b]`.
fn show_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_values_are_listed_in_the_order_aws_recorded() {
        assert_eq!(
            enum_constraint(&[
                "HMAC_SHA_224",
                "HMAC_SHA_256",
                "HMAC_SHA_384",
                "HMAC_SHA_512"
            ]),
            "Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]"
        );
        assert_eq!(
            enum_constraint(&["ECDH"]),
            "Member must satisfy enum value set: [ECDH]"
        );
    }

    #[test]
    fn utf16_lengths() {
        assert_eq!(utf16_len("abc"), 3);
        assert_eq!(utf16_len("é"), 1);
        assert_eq!(utf16_len("😀"), 2);
    }

    #[test]
    fn one_and_many() {
        let mut v = Violations::default();
        v.missing(At::new("", "keyId"));
        assert_eq!(
            v.finish().unwrap_err().message(),
            "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
        );
        let mut v = Violations::default();
        v.missing(At::new("", "keyId"));
        v.integer(At::new("", "limit"), 0, &Range::new(Some(1), Some(1000)));
        assert_eq!(
            v.finish().unwrap_err().message(),
            "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; \
             Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
        );
        assert!(Violations::default().finish().is_ok());
    }

    #[test]
    fn nested_paths() {
        let at = At::new("recipient", "attestationDocument");
        assert_eq!(at.path(), "recipient.attestationDocument");
        assert_eq!(At::new("", "tags").element(0), "tags.1.member");
    }
}
