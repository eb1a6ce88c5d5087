//! Cross-site request forgery protection for every form that changes something.
//!
//! A session cookie alone would let any page the user visits submit forms to the console with
//! the user's authority. Three independent checks stop that:
//!
//! 1. every state-changing form carries the session's secret token in a hidden field
//!    ([`FIELD`]), compared in constant time; another site cannot read it;
//! 2. the session cookie is `SameSite=Strict`, so browsers do not send it with cross-site
//!    requests at all;
//! 3. requests whose `Origin` names another host, or that the browser labels cross-site
//!    (`Sec-Fetch-Site`), are refused before the form is read.
//!
//! The sign-in form has no session yet, so it carries a token that is also set as a short-lived
//! cookie (the "double submit" pattern): a forged sign-in cannot know it.

use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};
use subtle::ConstantTimeEq;

/// The hidden form field that carries the token.
pub(crate) const FIELD: &str = "csrf_token";

/// The cookie that pairs with the sign-in form's token.
pub(crate) const SIGN_IN_COOKIE: &str = "trent-console-sign-in";

/// How long a sign-in form stays usable (seconds).
pub(crate) const SIGN_IN_FORM_LIFETIME: u64 = 30 * 60;

/// Whether `given` is the expected token. Constant time in the contents; an empty token never
/// matches.
pub(crate) fn tokens_match(expected: &str, given: &str) -> bool {
    !expected.is_empty()
        && expected.len() == given.len()
        && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// Whether the browser says this request comes from the console's own pages. Browsers that send
/// neither header (old ones, or non-browsers) pass: the token is the real check. `request_authority` is
/// the request URI's authority, which is where HTTP/2 carries the host (it has no `Host` header).
pub(crate) fn same_origin(headers: &HeaderMap, request_authority: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    let Some(origin) = headers.get(ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    // `Origin` is `scheme://host[:port]` (or `null`): its authority must be the host the
    // browser addressed. Behind a reverse proxy that rewrites `Host`, that host arrives as
    // `X-Forwarded-Host`; a cross-site form cannot set either header.
    let Some((_, authority_of_origin)) = origin.split_once("://") else {
        return false;
    };
    let origin_authority = authority_of_origin;
    [HOST.as_str(), "x-forwarded-host"]
        .iter()
        .filter_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
        .filter_map(|value| value.split(',').next())
        .chain(request_authority)
        .any(|host| origin_authority.eq_ignore_ascii_case(host.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn tokens_compare_exactly() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("abc", "ab"));
        assert!(!tokens_match("", ""));
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn same_origin_of(headers: &HeaderMap) -> bool {
        same_origin(headers, None)
    }

    #[test]
    fn http2_requests_carry_the_host_in_the_uri() {
        let map = headers(&[("origin", "https://kms.example")]);
        assert!(same_origin(&map, Some("kms.example")));
        assert!(!same_origin(&map, Some("other.example")));
        assert!(!same_origin(&map, None));
    }

    #[test]
    fn origin_must_name_this_host() {
        assert!(same_origin_of(&headers(&[("host", "127.0.0.1:4599")])));
        assert!(same_origin_of(&headers(&[
            ("host", "127.0.0.1:4599"),
            ("origin", "http://127.0.0.1:4599")
        ])));
        assert!(!same_origin_of(&headers(&[
            ("host", "127.0.0.1:4599"),
            ("origin", "http://evil.example")
        ])));
        assert!(!same_origin_of(&headers(&[
            ("host", "127.0.0.1:4599"),
            ("origin", "null")
        ])));
        assert!(!same_origin_of(&headers(&[
            ("host", "127.0.0.1:4599"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(same_origin_of(&headers(&[
            ("host", "127.0.0.1:8080"),
            ("x-forwarded-host", "kms.example"),
            ("origin", "https://kms.example")
        ])));
        assert!(same_origin_of(&headers(&[
            ("host", "kms.example"),
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://kms.example")
        ])));
    }
}
