//! How API values read on screen: dates, key types, states.

use trent_protocol::{KeyMetadata, Timestamp};

/// `2026-04-27 17:11 UTC`, or `—`.
pub(crate) fn date(value: Option<&Timestamp>) -> String {
    match value {
        Some(stamp) => {
            let iso = stamp.iso8601(); // 2026-04-27T17:11:06Z
            match (iso.get(0..10), iso.get(11..16)) {
                (Some(day), Some(time)) => format!("{day} {time} UTC"),
                _ => iso,
            }
        }
        None => "—".to_string(),
    }
}

/// What the console calls the type of a key of `spec`.
pub(crate) fn key_type(spec: &str) -> &'static str {
    if spec == "SYMMETRIC_DEFAULT" {
        "Symmetric"
    } else if spec.starts_with("HMAC_") {
        "HMAC"
    } else {
        "Asymmetric"
    }
}

/// Human words for a key usage.
pub(crate) fn usage(usage: &str) -> &'static str {
    match usage {
        "ENCRYPT_DECRYPT" => "Encrypt and decrypt",
        "SIGN_VERIFY" => "Sign and verify",
        "GENERATE_VERIFY_MAC" => "Generate and verify MAC",
        "KEY_AGREEMENT" => "Key agreement",
        _ => "Unknown",
    }
}

/// The CSS class of a key state badge.
pub(crate) fn state_class(state: &str) -> &'static str {
    match state {
        "Enabled" => "badge good",
        "Disabled" => "badge neutral",
        "PendingDeletion" | "PendingReplicaDeletion" => "badge bad",
        _ => "badge warn",
    }
}

/// Readable words for a key state (`PendingDeletion` → `Pending deletion`).
pub(crate) fn state_words(state: &str) -> String {
    let mut out = String::new();
    for (index, c) in state.chars().enumerate() {
        if index > 0 && c.is_ascii_uppercase() {
            out.push(' ');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The key's state as the wire spells it.
pub(crate) fn state_of(metadata: &KeyMetadata) -> String {
    metadata
        .key_state
        .as_ref()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default()
}

pub(crate) fn spec_of(metadata: &KeyMetadata) -> String {
    metadata
        .key_spec
        .as_ref()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default()
}

pub(crate) fn usage_of(metadata: &KeyMetadata) -> String {
    metadata
        .key_usage
        .as_ref()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default()
}

/// `Yes` / `No`.
pub(crate) fn yes_no(value: bool) -> &'static str {
    if value { "Yes" } else { "No" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_values() {
        assert_eq!(
            date(Some(&Timestamp(1_700_000_000.5))),
            "2023-11-14 22:13 UTC"
        );
        assert_eq!(date(None), "—");
        assert_eq!(key_type("RSA_2048"), "Asymmetric");
        assert_eq!(key_type("HMAC_256"), "HMAC");
        assert_eq!(key_type("SYMMETRIC_DEFAULT"), "Symmetric");
        assert_eq!(state_words("PendingDeletion"), "Pending deletion");
        assert_eq!(state_class("Enabled"), "badge good");
    }
}
