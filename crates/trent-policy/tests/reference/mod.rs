//! A reference evaluator for KMS key and identity policies, written from the documentation and
//! independently of `src/`, so the differential tests can compare the two.
//!
//! It reads the policy as a `serde_json::Value` (never the crate's parsed types) and favours
//! obviousness over speed: wildcards are matched by plain recursion, every rule is one `match`
//! arm or one `if`. It assumes the document is one the crate accepted (it does not validate);
//! shapes it does not understand simply never match.
//!
//! Where the IAM documentation is more precise than the crate's module docs, the reference
//! follows the IAM documentation:
//! - `Resource`: wildcards work within the colon-separated segments of an ARN, but a `*` that
//!   is the last character of a segment may expand across colons (IAM User Guide, "IAM JSON
//!   policy elements: Resource"); a `?` never matches a colon.
//! - `...IfExists`: "if the key is not present, evaluate the condition element as true", also
//!   under `ForAnyValue:`.
//! - `${*}`, `${?}`, `${$}` stand for the literal characters, which are then *not* wildcards.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde_json::Value;

/// Condition values of a request; keys lowercased.
pub type Keys = BTreeMap<String, Vec<String>>;

/// Who asks.
#[derive(Debug, Clone, Copy)]
pub struct Who<'a> {
    pub arn: &'a str,
    pub account: &'a str,
    pub role_arn: Option<&'a str>,
}

/// One request.
#[derive(Debug, Clone, Copy)]
pub struct Req<'a> {
    pub who: Who<'a>,
    pub action: &'a str,
    pub resource: &'a str,
    pub keys: &'a Keys,
}

/// How a statement's principal matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Named the caller, its role, everyone, or the statement has no principal.
    Caller,
    /// Named the caller's account.
    Account,
}

/// One applying statement: its index, whether it allows, and how its principal matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub index: usize,
    pub allow: bool,
    pub via: Via,
}

/// The final answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    DenyInKeyPolicy,
    DenyInIdentityPolicy,
    NoKeyPolicyAllows,
    NoIdentityPolicyAllows,
}

// ---------------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------------

/// KMS's decision for a request on a key of `key_account`.
pub fn decide(
    key_policy: &Value,
    key_account: &str,
    administrator: bool,
    identity_policies: &[Value],
    req: &Req<'_>,
) -> Verdict {
    let key_hits = applying(key_policy, req);
    if key_hits.iter().any(|h| !h.allow) {
        return Verdict::DenyInKeyPolicy;
    }
    let identity_hits: Vec<Hit> = identity_policies
        .iter()
        .flat_map(|p| applying(p, req))
        .collect();
    if identity_hits.iter().any(|h| !h.allow) {
        return Verdict::DenyInIdentityPolicy;
    }
    let identity_allows = administrator || identity_hits.iter().any(|h| h.allow);
    let key_names_caller = key_hits.iter().any(|h| h.allow && h.via == Via::Caller);
    let key_names_account = key_hits.iter().any(|h| h.allow && h.via == Via::Account);

    if req.who.account == key_account {
        // Same account: naming the caller is enough; naming the account delegates to IAM.
        if key_names_caller {
            return Verdict::Allowed;
        }
        if key_names_account {
            return if identity_allows {
                Verdict::Allowed
            } else {
                Verdict::NoIdentityPolicyAllows
            };
        }
        Verdict::NoKeyPolicyAllows
    } else {
        // Cross account: the key policy must let the caller in, and its own IAM must agree.
        if !key_names_caller && !key_names_account {
            return Verdict::NoKeyPolicyAllows;
        }
        if identity_allows {
            Verdict::Allowed
        } else {
            Verdict::NoIdentityPolicyAllows
        }
    }
}

/// The decision for an action without a key: identity policies alone.
pub fn decide_identity_only(
    administrator: bool,
    identity_policies: &[Value],
    req: &Req<'_>,
) -> Verdict {
    let hits: Vec<Hit> = identity_policies
        .iter()
        .flat_map(|p| applying(p, req))
        .collect();
    if hits.iter().any(|h| !h.allow) {
        Verdict::DenyInIdentityPolicy
    } else if administrator || hits.iter().any(|h| h.allow) {
        Verdict::Allowed
    } else {
        Verdict::NoIdentityPolicyAllows
    }
}

/// The lockout check: the policy alone still lets the caller call PutKeyPolicy.
pub fn keeps_access(policy: &Value, req: &Req<'_>) -> bool {
    let hits = applying(policy, req);
    !hits.iter().any(|h| !h.allow) && hits.iter().any(|h| h.allow)
}

// ---------------------------------------------------------------------------------------------
// Which statements apply
// ---------------------------------------------------------------------------------------------

/// The statements of `policy` that apply to `req`, in document order.
pub fn applying(policy: &Value, req: &Req<'_>) -> Vec<Hit> {
    let with_variables = policy.get("Version").and_then(Value::as_str) == Some("2012-10-17");
    let statements: Vec<&Value> = match policy.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    let mut hits = Vec::new();
    for (index, statement) in statements.into_iter().enumerate() {
        if let Some(via) = statement_applies(statement, req, with_variables) {
            let allow = statement.get("Effect").and_then(Value::as_str) == Some("Allow");
            hits.push(Hit { index, allow, via });
        }
    }
    hits
}

fn statement_applies(statement: &Value, req: &Req<'_>, with_variables: bool) -> Option<Via> {
    // Principal.
    let via = if let Some(principal) = statement.get("Principal") {
        principal_match(principal, &req.who)?
    } else if let Some(not_principal) = statement.get("NotPrincipal") {
        match principal_match(not_principal, &req.who) {
            Some(_) => return None,
            None => Via::Caller,
        }
    } else {
        Via::Caller
    };

    // Action (a statement without one never applies).
    if let Some(actions) = statement.get("Action") {
        if !strings(actions).iter().any(|p| action_match(p, req.action)) {
            return None;
        }
    } else if let Some(actions) = statement.get("NotAction") {
        if strings(actions).iter().any(|p| action_match(p, req.action)) {
            return None;
        }
    } else {
        return None;
    }

    // Resource (likewise).
    let resource_listed = |patterns: &Value| {
        strings(patterns).iter().any(|p| {
            if *p == "*" {
                return true;
            }
            match resolve(p, with_variables, req.keys) {
                Some(tokens) => resource_glob(&tokens, &chars(req.resource)),
                None => false,
            }
        })
    };
    if let Some(resources) = statement.get("Resource") {
        if !resource_listed(resources) {
            return None;
        }
    } else if let Some(resources) = statement.get("NotResource") {
        if resource_listed(resources) {
            return None;
        }
    } else {
        return None;
    }

    // Conditions: every operator, every key under it, must hold.
    if let Some(Value::Object(operators)) = statement.get("Condition") {
        for (operator, keys) in operators {
            let Value::Object(keys) = keys else {
                return None;
            };
            for (key, values) in keys {
                if !condition_holds(operator, key, values, req.keys, with_variables) {
                    return None;
                }
            }
        }
    }
    Some(via)
}

/// A string or a list of strings, as a list.
fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether a `Principal` value names the caller: `Some(Via::Caller)` if it names the caller,
/// its role or everyone, else `Some(Via::Account)` if it names its account, else `None`.
fn principal_match(principal: &Value, who: &Who<'_>) -> Option<Via> {
    let mut names: Vec<&str> = Vec::new();
    match principal {
        Value::String(s) if s == "*" => names.push("*"),
        Value::Object(map) => {
            if let Some(aws) = map.get("AWS") {
                names.extend(strings(aws));
            }
            // Service, Federated, CanonicalUser principals never call with access keys.
        }
        _ => {}
    }
    let root = format!("arn:aws:iam::{}:root", who.account);
    let mut best = None;
    for name in names {
        // An account id or root ARN names the account, even when the caller is the root user.
        if name == who.account || name == root {
            best = Some(Via::Account);
        } else if name == "*" || name == who.arn || Some(name) == who.role_arn {
            return Some(Via::Caller);
        }
    }
    best
}

fn action_match(pattern: &str, action: &str) -> bool {
    let pattern = plain_tokens(&pattern.to_lowercase());
    glob(&pattern, &chars(&action.to_lowercase()))
}

// ---------------------------------------------------------------------------------------------
// Wildcards
// ---------------------------------------------------------------------------------------------

/// One element of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    Lit(char),
    /// `*`: any run of characters.
    Star,
    /// `?`: exactly one character.
    One,
}

fn chars(text: &str) -> Vec<char> {
    text.chars().collect()
}

/// A pattern where every `*` and `?` is a wildcard.
fn plain_tokens(text: &str) -> Vec<Tok> {
    text.chars()
        .map(|c| match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            c => Tok::Lit(c),
        })
        .collect()
}

/// The pattern as text (for the operators where `*` and `?` are ordinary characters).
fn flat(tokens: &[Tok]) -> String {
    tokens
        .iter()
        .map(|t| match t {
            Tok::Lit(c) => *c,
            Tok::Star => '*',
            Tok::One => '?',
        })
        .collect()
}

/// Whole-text wildcard match.
fn glob(p: &[Tok], t: &[char]) -> bool {
    match p.first() {
        None => t.is_empty(),
        Some(Tok::Star) => (0..=t.len()).any(|k| glob(&p[1..], &t[k..])),
        Some(Tok::One) => !t.is_empty() && glob(&p[1..], &t[1..]),
        Some(Tok::Lit(c)) => t.first() == Some(c) && glob(&p[1..], &t[1..]),
    }
}

/// A resource pattern: like [`glob`], but wildcards stay within a colon-separated segment,
/// except a `*` ending its segment (followed by `:` or the end), which may run across colons.
fn resource_glob(p: &[Tok], t: &[char]) -> bool {
    match p.first() {
        None => t.is_empty(),
        Some(Tok::Star) => {
            let ends_segment = matches!(p.get(1), None | Some(Tok::Lit(':')));
            for k in 0..=t.len() {
                if k > 0 && t[k - 1] == ':' && !ends_segment {
                    break;
                }
                if resource_glob(&p[1..], &t[k..]) {
                    return true;
                }
            }
            false
        }
        Some(Tok::One) => !t.is_empty() && t[0] != ':' && resource_glob(&p[1..], &t[1..]),
        Some(Tok::Lit(c)) => t.first() == Some(c) && resource_glob(&p[1..], &t[1..]),
    }
}

/// ArnLike/ArnEquals: six colon-separated components, each compared with [`glob`]; the sixth
/// keeps any further colons. A pattern of `*` matches anything.
fn arn_like(p: &[Tok], text: &str) -> bool {
    if p == [Tok::Star] {
        return true;
    }
    let pattern_parts = split_tokens(p, 6);
    let text_parts: Vec<&str> = text.splitn(6, ':').collect();
    if pattern_parts.len() != 6 || text_parts.len() != 6 || text_parts[0] != "arn" {
        return false;
    }
    pattern_parts
        .iter()
        .zip(&text_parts)
        .all(|(p, t)| glob(p, &chars(t)))
}

/// Splits a token list at its first `n - 1` literal colons.
fn split_tokens(p: &[Tok], n: usize) -> Vec<Vec<Tok>> {
    let mut parts = vec![Vec::new()];
    for tok in p {
        if *tok == Tok::Lit(':') && parts.len() < n {
            parts.push(Vec::new());
        } else {
            parts.last_mut().unwrap().push(*tok);
        }
    }
    parts
}

// ---------------------------------------------------------------------------------------------
// Policy variables
// ---------------------------------------------------------------------------------------------

/// The policy text with its variables replaced, as a pattern; `None` if a variable has no value
/// (no single value in the request and no default). Without variables (a `2008-10-17` or
/// version-less document) `${…}` is plain text.
fn resolve(text: &str, with_variables: bool, keys: &Keys) -> Option<Vec<Tok>> {
    if !with_variables {
        return Some(plain_tokens(text));
    }
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let Some(start) = rest.find("${") else {
            out.extend(plain_tokens(rest));
            return Some(out);
        };
        let Some(end) = rest[start..].find('}').map(|e| start + e) else {
            out.extend(plain_tokens(rest));
            return Some(out);
        };
        out.extend(plain_tokens(&rest[..start]));
        let inner = rest[start + 2..end].trim();
        match inner {
            "*" => out.push(Tok::Lit('*')),
            "?" => out.push(Tok::Lit('?')),
            "$" => out.push(Tok::Lit('$')),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((k, d)) => {
                        let d = d.trim();
                        let d = d
                            .strip_prefix('\'')
                            .and_then(|d| d.strip_suffix('\''))
                            .unwrap_or(d);
                        (k.trim(), Some(d))
                    }
                    None => (inner, None),
                };
                let value = match keys.get(&key.to_lowercase()) {
                    Some(values) if values.len() == 1 => values[0].as_str(),
                    _ => default?,
                };
                out.extend(value.chars().map(Tok::Lit));
            }
        }
        rest = &rest[end + 1..];
    }
}

// ---------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    StrEq,
    StrEqIgnoreCase,
    StrLike,
    NumEq,
    NumLt,
    NumLe,
    NumGt,
    NumGe,
    DateEq,
    DateLt,
    DateLe,
    DateGt,
    DateGe,
    Bool,
    Binary,
    Ip,
    Arn,
}

/// `(base, negated)` of an operator name without qualifier and `IfExists`.
fn base_operator(name: &str) -> Option<(Base, bool)> {
    use Base::*;
    Some(match name {
        "StringEquals" => (StrEq, false),
        "StringNotEquals" => (StrEq, true),
        "StringEqualsIgnoreCase" => (StrEqIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (StrEqIgnoreCase, true),
        "StringLike" => (StrLike, false),
        "StringNotLike" => (StrLike, true),
        "NumericEquals" => (NumEq, false),
        "NumericNotEquals" => (NumEq, true),
        "NumericLessThan" => (NumLt, false),
        "NumericLessThanEquals" => (NumLe, false),
        "NumericGreaterThan" => (NumGt, false),
        "NumericGreaterThanEquals" => (NumGe, false),
        "DateEquals" => (DateEq, false),
        "DateNotEquals" => (DateEq, true),
        "DateLessThan" => (DateLt, false),
        "DateLessThanEquals" => (DateLe, false),
        "DateGreaterThan" => (DateGt, false),
        "DateGreaterThanEquals" => (DateGe, false),
        "Bool" => (Bool, false),
        "BinaryEquals" => (Binary, false),
        "IpAddress" => (Ip, false),
        "NotIpAddress" => (Ip, true),
        "ArnEquals" | "ArnLike" => (Arn, false),
        "ArnNotEquals" | "ArnNotLike" => (Arn, true),
        _ => return None,
    })
}

/// A condition value as text: strings as written, booleans and numbers as JSON prints them.
fn value_texts(values: &Value) -> Vec<(String, bool)> {
    let one = |v: &Value| match v {
        Value::String(s) => Some((s.clone(), true)),
        Value::Bool(b) => Some((b.to_string(), false)),
        Value::Number(n) => Some((n.to_string(), false)),
        _ => None,
    };
    match values {
        Value::Array(list) => list.iter().filter_map(one).collect(),
        v => one(v).into_iter().collect(),
    }
}

/// Whether one `operator: {key: values}` entry holds for the request.
pub fn condition_holds(
    operator: &str,
    key: &str,
    values: &Value,
    keys: &Keys,
    with_variables: bool,
) -> bool {
    let request = keys.get(&key.to_lowercase()).filter(|v| !v.is_empty());
    // Policy values as patterns; a variable without a value matches nothing.
    let policy: Vec<Option<Vec<Tok>>> = value_texts(values)
        .into_iter()
        .map(|(text, is_string)| {
            if is_string {
                resolve(&text, with_variables, keys)
            } else {
                Some(text.chars().map(Tok::Lit).collect())
            }
        })
        .collect();

    if operator == "Null" {
        // "true": the key must be absent; anything else: present.
        return policy.iter().flatten().any(|p| {
            let wants_absent = flat(p).eq_ignore_ascii_case("true");
            wants_absent == request.is_none()
        });
    }

    let (set, rest) = if let Some(r) = operator.strip_prefix("ForAnyValue:") {
        ("any", r)
    } else if let Some(r) = operator.strip_prefix("ForAllValues:") {
        ("all", r)
    } else {
        ("single", operator)
    };
    let (name, if_exists) = match rest.strip_suffix("IfExists") {
        Some(n) => (n, true),
        None => (rest, false),
    };
    let Some((base, negated)) = base_operator(name) else {
        return false;
    };

    let Some(request) = request else {
        return if if_exists {
            true
        } else {
            match set {
                "all" => true,
                "any" => false,
                _ => negated,
            }
        };
    };

    // Does one request value satisfy the (possibly negated) operator?
    let satisfies = |value: &String| {
        let matched = policy
            .iter()
            .flatten()
            .any(|p| value_matches(base, value, p));
        matched != negated
    };
    match set {
        "all" => request.iter().all(satisfies),
        "any" => request.iter().any(satisfies),
        // A single-valued negated operator: no request value may match.
        _ if negated => request.iter().all(satisfies),
        _ => request.iter().any(satisfies),
    }
}

fn value_matches(base: Base, request: &str, policy: &[Tok]) -> bool {
    use Base::*;
    let text = flat(policy);
    let numbers = || {
        Some((
            request.trim().parse::<f64>().ok()?,
            text.trim().parse::<f64>().ok()?,
        ))
    };
    let dates = || Some((seconds(request)?, seconds(&text)?));
    match base {
        StrEq | Binary => request == text,
        StrEqIgnoreCase => request.to_lowercase() == text.to_lowercase(),
        StrLike => glob(policy, &chars(request)),
        NumEq => numbers().is_some_and(|(r, p)| r == p),
        NumLt => numbers().is_some_and(|(r, p)| r < p),
        NumLe => numbers().is_some_and(|(r, p)| r <= p),
        NumGt => numbers().is_some_and(|(r, p)| r > p),
        NumGe => numbers().is_some_and(|(r, p)| r >= p),
        DateEq => dates().is_some_and(|(r, p)| r == p),
        DateLt => dates().is_some_and(|(r, p)| r < p),
        DateLe => dates().is_some_and(|(r, p)| r <= p),
        DateGt => dates().is_some_and(|(r, p)| r > p),
        DateGe => dates().is_some_and(|(r, p)| r >= p),
        Bool => request.eq_ignore_ascii_case(&text),
        Ip => in_cidr(request, &text),
        Arn => arn_like(policy, request),
    }
}

/// Seconds since 1970 of `YYYY-MM-DD`, `YYYY-MM-DDThh:mm:ss[.f](Z|±hh:mm)?` (years from 1970)
/// or of a decimal number of seconds.
pub fn seconds(text: &str) -> Option<f64> {
    let text = text.trim();
    // Epoch seconds: an optionally signed decimal number.
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if digits(whole) && digits(fraction) {
        return text.parse().ok();
    }
    let (date, time) = match text.find('T') {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let (year, month, day): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if year < 1970 || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut days = 0;
    for y in 1970..year {
        days += if leap(y) { 366 } else { 365 };
    }
    let month_days = [
        31,
        if leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    for md in &month_days[..(month - 1) as usize] {
        days += md;
    }
    days += day - 1;
    let mut total = days as f64 * 86_400.0;
    if let Some(time) = time {
        let (clock, offset) = if let Some(c) = time.strip_suffix('Z') {
            (c, 0.0)
        } else if time.len() > 6 && matches!(&time[time.len() - 6..time.len() - 5], "+" | "-") {
            let (c, zone) = time.split_at(time.len() - 6);
            let sign = if zone.starts_with('-') { -1.0 } else { 1.0 };
            let h: f64 = zone[1..3].parse().ok()?;
            let m: f64 = zone[4..6].parse().ok()?;
            (c, sign * (h * 3600.0 + m * 60.0))
        } else {
            (time, 0.0)
        };
        let fields: Vec<&str> = clock.split(':').collect();
        let [h, m, s] = fields.as_slice() else {
            return None;
        };
        let (h, m, s): (f64, f64, f64) = (h.parse().ok()?, m.parse().ok()?, s.parse().ok()?);
        total += h * 3600.0 + m * 60.0 + s - offset;
    }
    Some(total)
}

/// Whether `address` is in `range` (`a.b.c.d/n`, `v6/n`, or a single address).
fn in_cidr(address: &str, range: &str) -> bool {
    let Ok(address) = address.trim().parse::<IpAddr>() else {
        return false;
    };
    let (network, prefix) = match range.trim().split_once('/') {
        Some((n, p)) => match p.parse::<usize>() {
            Ok(p) => (n, Some(p)),
            Err(_) => return false,
        },
        None => (range.trim(), None),
    };
    let Ok(network) = network.parse::<IpAddr>() else {
        return false;
    };
    let (a, n): (Vec<u8>, Vec<u8>) = match (address, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => (a.octets().to_vec(), n.octets().to_vec()),
        (IpAddr::V6(a), IpAddr::V6(n)) => (a.octets().to_vec(), n.octets().to_vec()),
        _ => return false,
    };
    let bits = a.len() * 8;
    let prefix = prefix.unwrap_or(bits);
    if prefix > bits {
        return false;
    }
    let bit = |bytes: &[u8], i: usize| (bytes[i / 8] >> (7 - i % 8)) & 1;
    (0..prefix).all(|i| bit(&a, i) == bit(&n, i))
}

#[cfg(test)]
mod self_tests {
    use super::*;

    #[test]
    fn reference_wildcards() {
        let t = |p: &str, s: &str| glob(&plain_tokens(p), &chars(s));
        assert!(t("*", ""));
        assert!(t("a*c", "abbbc"));
        assert!(!t("a?c", "ac"));
        let r = |p: &str, s: &str| resource_glob(&plain_tokens(p), &chars(s));
        let key = "arn:aws:kms:us-east-1:111122223333:key/k1";
        assert!(r("arn:aws:kms:*", key));
        assert!(r("arn:aws:kms:*:key/k1", key));
        assert!(!r("arn:aws:kms:us-*1:key/k1", key));
        assert!(r("arn:aws:kms:us-*-1:111122223333:key/k?", key));
        assert_eq!(seconds("1970-01-02"), Some(86_400.0));
        assert_eq!(seconds("2000-03-01"), Some(951_868_800.0));
        assert!(in_cidr("10.1.2.3", "10.0.0.0/8"));
        assert!(!in_cidr("11.1.2.3", "10.0.0.0/8"));
    }
}
