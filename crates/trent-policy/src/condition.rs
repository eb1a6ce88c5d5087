//! Condition operators and how a condition holds for a request.
//!
//! A condition names an operator, a key and one or more values. The request supplies zero or
//! more values for the key. The rules, as IAM documents them:
//! - values listed in one condition are alternatives (any may match); several keys under one
//!   operator, and several operators, must all hold;
//! - a positive operator (`StringEquals`, …) holds if a request value matches some listed value;
//!   a negated one (`StringNotEquals`, `NotIpAddress`, …) holds if no request value matches any;
//! - a key absent from the request makes positive operators false and negated ones true, except
//!   with `…IfExists` (absent → true) and `Null` (which tests presence itself);
//! - `ForAnyValue:` holds if at least one request value satisfies the operator (absent → false),
//!   `ForAllValues:` if every request value does (absent or empty → true).
//!
//! Values that do not parse for their operator (a date that is not a date) never match.

use std::net::IpAddr;

use crate::evaluate::ConditionKeys;
use crate::glob::{Tok, arn_like_tokens, glob_tokens, tokens};
use crate::template::Template;
use trent_calendar::days_from_civil;

/// The base operators; negated forms are the same operator with `negated` set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    StringEquals {
        negated: bool,
    },
    StringEqualsIgnoreCase {
        negated: bool,
    },
    StringLike {
        negated: bool,
    },
    NumericEquals {
        negated: bool,
    },
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals {
        negated: bool,
    },
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress {
        negated: bool,
    },
    /// `ArnEquals` and `ArnLike` behave the same: both allow wildcards per component.
    ArnLike {
        negated: bool,
    },
    Null,
}

/// `ForAnyValue:` / `ForAllValues:` or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    Single,
    ForAnyValue,
    ForAllValues,
}

/// One key's test within a statement's `Condition`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub operator: Operator,
    pub set: SetQualifier,
    pub if_exists: bool,
    /// The condition key, lowercased (keys compare without case).
    pub key: String,
    pub values: Vec<Template>,
}

impl Operator {
    /// Reads `[ForAnyValue:|ForAllValues:]Name[IfExists]`.
    pub(crate) fn parse_qualified(text: &str) -> Option<(Operator, SetQualifier, bool)> {
        let (set, rest) = if let Some(rest) = text.strip_prefix("ForAnyValue:") {
            (SetQualifier::ForAnyValue, rest)
        } else if let Some(rest) = text.strip_prefix("ForAllValues:") {
            (SetQualifier::ForAllValues, rest)
        } else {
            (SetQualifier::Single, text)
        };
        let (name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(name) => (name, true),
            None => (rest, false),
        };
        let operator = Operator::parse(name)?;
        if operator == Operator::Null && (if_exists || set != SetQualifier::Single) {
            return None;
        }
        Some((operator, set, if_exists))
    }

    fn parse(name: &str) -> Option<Operator> {
        use Operator::*;
        Some(match name {
            "StringEquals" => StringEquals { negated: false },
            "StringNotEquals" => StringEquals { negated: true },
            "StringEqualsIgnoreCase" => StringEqualsIgnoreCase { negated: false },
            "StringNotEqualsIgnoreCase" => StringEqualsIgnoreCase { negated: true },
            "StringLike" => StringLike { negated: false },
            "StringNotLike" => StringLike { negated: true },
            "NumericEquals" => NumericEquals { negated: false },
            "NumericNotEquals" => NumericEquals { negated: true },
            "NumericLessThan" => NumericLessThan,
            "NumericLessThanEquals" => NumericLessThanEquals,
            "NumericGreaterThan" => NumericGreaterThan,
            "NumericGreaterThanEquals" => NumericGreaterThanEquals,
            "DateEquals" => DateEquals { negated: false },
            "DateNotEquals" => DateEquals { negated: true },
            "DateLessThan" => DateLessThan,
            "DateLessThanEquals" => DateLessThanEquals,
            "DateGreaterThan" => DateGreaterThan,
            "DateGreaterThanEquals" => DateGreaterThanEquals,
            "Bool" => Bool,
            "BinaryEquals" => BinaryEquals,
            "IpAddress" => IpAddress { negated: false },
            "NotIpAddress" => IpAddress { negated: true },
            "ArnEquals" | "ArnLike" => ArnLike { negated: false },
            "ArnNotEquals" | "ArnNotLike" => ArnLike { negated: true },
            "Null" => Null,
            _ => return None,
        })
    }

    fn negated(self) -> bool {
        use Operator::*;
        matches!(
            self,
            StringEquals { negated: true }
                | StringEqualsIgnoreCase { negated: true }
                | StringLike { negated: true }
                | NumericEquals { negated: true }
                | DateEquals { negated: true }
                | IpAddress { negated: true }
                | ArnLike { negated: true }
        )
    }

    /// Whether one request value matches one policy value under the positive form.
    fn matches(self, request: &str, policy: &str) -> bool {
        use Operator::*;
        match self {
            StringEquals { .. } => request == policy,
            StringEqualsIgnoreCase { .. } => request.to_lowercase() == policy.to_lowercase(),
            StringLike { .. } => glob_tokens(&pattern_of(policy), request),
            NumericEquals { .. } => numbers(request, policy).is_some_and(|(r, p)| r == p),
            NumericLessThan => numbers(request, policy).is_some_and(|(r, p)| r < p),
            NumericLessThanEquals => numbers(request, policy).is_some_and(|(r, p)| r <= p),
            NumericGreaterThan => numbers(request, policy).is_some_and(|(r, p)| r > p),
            NumericGreaterThanEquals => numbers(request, policy).is_some_and(|(r, p)| r >= p),
            DateEquals { .. } => dates(request, policy).is_some_and(|(r, p)| r == p),
            DateLessThan => dates(request, policy).is_some_and(|(r, p)| r < p),
            DateLessThanEquals => dates(request, policy).is_some_and(|(r, p)| r <= p),
            DateGreaterThan => dates(request, policy).is_some_and(|(r, p)| r > p),
            DateGreaterThanEquals => dates(request, policy).is_some_and(|(r, p)| r >= p),
            Bool => request.eq_ignore_ascii_case(policy),
            BinaryEquals => request == policy,
            IpAddress { .. } => ip_in_range(request, policy),
            ArnLike { .. } => arn_like_tokens(&pattern_of(policy), request),
            Null => false,
        }
    }
}

impl Condition {
    /// Whether the condition holds for the request's values of its key.
    pub(crate) fn holds(&self, keys: &dyn ConditionKeys) -> bool {
        let present = keys.values(&self.key).filter(|values| !values.is_empty());
        if self.operator == Operator::Null {
            // `"Null": {"k": "true"}` holds when k is absent.
            return self.values.iter().any(|value| {
                value.with_resolved(keys, |text| {
                    text.eq_ignore_ascii_case("true") == present.is_none()
                })
            });
        }
        let negated = self.operator.negated();
        let Some(request_values) = present else {
            if self.if_exists {
                return true;
            }
            return match self.set {
                SetQualifier::ForAllValues => true,
                SetQualifier::ForAnyValue => false,
                SetQualifier::Single => negated,
            };
        };
        // Whether one request value satisfies the (possibly negated) operator.
        let satisfies = |value: &str| {
            let any = self.values.iter().any(|policy| match self.operator {
                // Wildcard operators match against the pattern, where escapes and variable
                // values are literal.
                Operator::StringLike { .. } => {
                    policy.with_pattern(keys, |pattern| glob_tokens(pattern, value))
                }
                Operator::ArnLike { .. } => {
                    policy.with_pattern(keys, |pattern| arn_like_tokens(pattern, value))
                }
                _ => policy.with_resolved(keys, |policy| self.operator.matches(value, policy)),
            });
            any != negated
        };
        match self.set {
            SetQualifier::ForAllValues => request_values.iter().all(|v| satisfies(v)),
            SetQualifier::ForAnyValue => request_values.iter().any(|v| satisfies(v)),
            SetQualifier::Single if negated => request_values.iter().all(|v| satisfies(v)),
            SetQualifier::Single => request_values.iter().any(|v| satisfies(v)),
        }
    }
}

fn pattern_of(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    tokens(text, &mut out);
    out
}

fn numbers(request: &str, policy: &str) -> Option<(f64, f64)> {
    Some((request.trim().parse().ok()?, policy.trim().parse().ok()?))
}

fn dates(request: &str, policy: &str) -> Option<(f64, f64)> {
    Some((parse_date(request)?, parse_date(policy)?))
}

/// Seconds since the epoch of an ISO 8601 date or date-time (`2026-11-28`,
/// `2026-11-28T12:00:00Z`, with fractions and `±hh:mm` offsets) or of a number of epoch seconds.
pub(crate) fn parse_date(text: &str) -> Option<f64> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return Some(seconds);
    }
    let (date, time) = match text.split_once(['T', 't']) {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut fields = date.splitn(3, '-');
    let year: i64 = fields.next()?.parse().ok()?;
    let month: u32 = fields.next()?.parse().ok()?;
    let day: u32 = fields.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) as f64 * 86_400.0;
    if let Some(time) = time {
        let (clock, offset) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
            (clock, 0.0)
        } else if let Some(at) = time.rfind(['+', '-']) {
            let (clock, zone) = time.split_at(at);
            let sign = if zone.starts_with('-') { -1.0 } else { 1.0 };
            let (h, m) = zone[1..].split_once(':').unwrap_or((&zone[1..], "0"));
            let offset = h.parse::<f64>().ok()? * 3600.0 + m.parse::<f64>().ok()? * 60.0;
            (clock, sign * offset)
        } else {
            (time, 0.0)
        };
        let mut parts = clock.splitn(3, ':');
        let hours: f64 = parts.next()?.parse().ok()?;
        let minutes: f64 = parts.next()?.parse().ok()?;
        let secs: f64 = parts.next().unwrap_or("0").parse().ok()?;
        seconds += hours * 3600.0 + minutes * 60.0 + secs - offset;
    }
    Some(seconds)
}

/// Whether the address `request` lies in the CIDR range (or equals the address) `policy`.
fn ip_in_range(request: &str, policy: &str) -> bool {
    let Ok(address) = request.trim().parse::<IpAddr>() else {
        return false;
    };
    let (network, prefix) = match policy.trim().split_once('/') {
        Some((network, prefix)) => (network, prefix.parse::<u32>().ok()),
        None => (policy.trim(), None),
    };
    let Ok(network) = network.parse::<IpAddr>() else {
        return false;
    };
    match (address, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let prefix = prefix.unwrap_or(32);
            prefix <= 32
                && masked(
                    u128::from(u32::from(a)),
                    u128::from(u32::from(n)),
                    prefix,
                    32,
                )
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let prefix = prefix.unwrap_or(128);
            prefix <= 128 && masked(u128::from(a), u128::from(n), prefix, 128)
        }
        _ => false,
    }
}

fn masked(address: u128, network: u128, prefix: u32, bits: u32) -> bool {
    if prefix == 0 {
        return true;
    }
    let shift = bits - prefix;
    (address >> shift) == (network >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Version;
    use crate::evaluate::KeyValues;

    fn condition(operator: &str, key: &str, values: &[&str]) -> Condition {
        let (operator, set, if_exists) = Operator::parse_qualified(operator).expect(operator);
        Condition {
            operator,
            set,
            if_exists,
            key: key.to_ascii_lowercase(),
            values: values
                .iter()
                .map(|v| Template::parse(v, Version::V2012_10_17))
                .collect(),
        }
    }

    fn holds(operator: &str, values: &[&str], request: Option<&[&str]>) -> bool {
        let mut keys = KeyValues::new();
        if let Some(request) = request {
            keys = keys.with("k:k", request.iter().copied());
        }
        condition(operator, "k:k", values).holds(&keys)
    }

    #[test]
    fn string_operators() {
        assert!(holds("StringEquals", &["a", "b"], Some(&["b"])));
        assert!(!holds("StringEquals", &["a"], Some(&["A"])));
        assert!(!holds("StringEquals", &["a"], None));
        assert!(holds("StringNotEquals", &["a"], Some(&["b"])));
        assert!(!holds("StringNotEquals", &["a", "b"], Some(&["b"])));
        assert!(holds("StringNotEquals", &["a"], None));
        assert!(holds("StringEqualsIgnoreCase", &["a"], Some(&["A"])));
        assert!(!holds("StringNotEqualsIgnoreCase", &["a"], Some(&["A"])));
        assert!(holds("StringLike", &["ab*"], Some(&["abc"])));
        assert!(!holds("StringNotLike", &["ab*"], Some(&["abc"])));
        assert!(holds("StringEqualsIfExists", &["a"], None));
        assert!(!holds("StringEqualsIfExists", &["a"], Some(&["b"])));
    }

    #[test]
    fn set_qualifiers() {
        assert!(holds("ForAnyValue:StringEquals", &["a"], Some(&["a", "x"])));
        assert!(!holds("ForAnyValue:StringEquals", &["a"], Some(&["x"])));
        assert!(!holds("ForAnyValue:StringEquals", &["a"], None));
        assert!(holds(
            "ForAllValues:StringEquals",
            &["a", "b"],
            Some(&["a", "b"])
        ));
        assert!(!holds(
            "ForAllValues:StringEquals",
            &["a"],
            Some(&["a", "x"])
        ));
        assert!(holds("ForAllValues:StringEquals", &["a"], None));
        assert!(holds(
            "ForAnyValue:StringNotEquals",
            &["a"],
            Some(&["a", "x"])
        ));
        assert!(!holds(
            "ForAllValues:StringNotEquals",
            &["a"],
            Some(&["a", "x"])
        ));
        assert!(Operator::parse_qualified("ForAnyValue:Null").is_none());
        assert!(Operator::parse_qualified("NullIfExists").is_none());
    }

    #[test]
    fn null_tests_presence() {
        assert!(holds("Null", &["true"], None));
        assert!(!holds("Null", &["true"], Some(&["x"])));
        assert!(holds("Null", &["false"], Some(&["x"])));
        assert!(!holds("Null", &["false"], None));
    }

    #[test]
    fn numbers_dates_bools_ips_arns() {
        assert!(holds("NumericLessThan", &["100"], Some(&["90"])));
        assert!(!holds("NumericLessThan", &["100"], Some(&["100"])));
        assert!(holds("NumericLessThanEquals", &["100"], Some(&["100"])));
        assert!(holds("NumericGreaterThanEquals", &["7"], Some(&["30"])));
        assert!(holds("NumericNotEquals", &["7"], Some(&["30"])));
        assert!(!holds("NumericEquals", &["7"], Some(&["seven"])));
        assert!(holds(
            "DateLessThan",
            &["2027-01-01T00:00:00Z"],
            Some(&["2026-11-28T12:00:00Z"])
        ));
        assert!(holds(
            "DateGreaterThan",
            &["2026-01-01"],
            Some(&["1795000000"])
        ));
        assert!(holds(
            "DateEquals",
            &["2026-11-28T13:00:00+01:00"],
            Some(&["2026-11-28T12:00:00Z"])
        ));
        assert!(holds("Bool", &["true"], Some(&["true"])));
        assert!(!holds("Bool", &["true"], Some(&["false"])));
        assert!(holds(
            "IpAddress",
            &["203.0.113.0/24"],
            Some(&["203.0.113.7"])
        ));
        assert!(!holds(
            "IpAddress",
            &["203.0.113.0/24"],
            Some(&["203.0.114.7"])
        ));
        assert!(holds(
            "NotIpAddress",
            &["10.0.0.0/8"],
            Some(&["203.0.114.7"])
        ));
        assert!(holds(
            "IpAddress",
            &["2001:db8::/32"],
            Some(&["2001:db8::1"])
        ));
        assert!(holds("IpAddress", &["0.0.0.0/0"], Some(&["8.8.8.8"])));
        assert!(holds(
            "ArnLike",
            &["arn:aws:iam::*:role/app-*"],
            Some(&["arn:aws:iam::111122223333:role/app-web"])
        ));
        assert!(holds(
            "ArnNotEquals",
            &["arn:aws:iam::*:role/app-*"],
            Some(&["arn:aws:iam::111122223333:user/bob"])
        ));
    }

    #[test]
    fn dates_parse() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_date("2000-03-01"), Some(951_868_800.0));
        assert_eq!(parse_date("2026-11-28T12:00:00.5Z"), Some(1_795_867_200.5));
        assert_eq!(parse_date("yesterday"), None);
    }
}
