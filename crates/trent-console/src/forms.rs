//! Submitted form fields and query strings, read without surprises.
//!
//! Forms here repeat field names (tag rows) and carry the wizard's earlier answers, which a
//! struct-per-form deserializer handles poorly; and a browser (or an attacker) can send anything.
//! So fields are kept as the list of name/value pairs they arrived as, and every lookup answers
//! with an empty string or `None` instead of failing.

/// The most fields read from one form; the rest are ignored.
const MAX_FIELDS: usize = 2_000;

#[derive(Debug, Clone, Default)]
pub(crate) struct FormData {
    fields: Vec<(String, String)>,
}

impl FormData {
    /// Parses an `application/x-www-form-urlencoded` body or query string.
    pub fn parse(bytes: &[u8]) -> FormData {
        FormData {
            fields: form_urlencoded::parse(bytes)
                .take(MAX_FIELDS)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }

    pub fn from_query(query: Option<&str>) -> FormData {
        FormData::parse(query.unwrap_or_default().as_bytes())
    }

    /// The first value of `name`, or `""`.
    pub fn get(&self, name: &str) -> &str {
        self.optional(name).unwrap_or_default()
    }

    /// The first value of `name`, trimmed, if it is not blank.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.optional(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// The first value of `name` as sent, if present.
    pub fn optional(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether a checkbox named `name` was checked.
    pub fn checked(&self, name: &str) -> bool {
        self.optional(name).is_some_and(|v| !v.is_empty())
    }
}

/// `name=value` pairs for a query string or form body, percent-encoded.
pub(crate) fn encode(pairs: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        out.append_pair(name, value);
    }
    out.finish()
}

/// One path segment, percent-encoded (key ids are safe already; ARNs and aliases are not).
pub(crate) fn path_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_repeated_and_missing_fields() {
        let form = FormData::parse(b"a=1&tag=x&tag=y&empty=&sp=+hi+&bad=%ZZ");
        assert_eq!(form.get("a"), "1");
        assert_eq!(form.all("tag"), vec!["x", "y"]);
        assert_eq!(form.get("missing"), "");
        assert_eq!(form.text("empty"), None);
        assert_eq!(form.text("sp"), Some("hi"));
        assert!(form.checked("a"));
        assert!(!form.checked("empty"));
        assert_eq!(form.get("bad"), "%ZZ");
    }

    #[test]
    fn encodes_query_strings_and_segments() {
        assert_eq!(encode(&[("q", "a b&c")]), "q=a+b%26c");
        assert_eq!(
            path_segment("arn:aws:kms:us-east-1:1:key/x"),
            "arn%3Aaws%3Akms%3Aus-east-1%3A1%3Akey%2Fx"
        );
    }
}
