//! Policy variables: `${aws:username}` in a resource or condition value stands for the request's
//! value of that key, so one statement can say "each user their own keys".
//!
//! A template is split once, when the policy is parsed, into literal text and variables. The
//! special forms `${*}`, `${?}` and `${$}` stand for the literal characters; `${key, 'default'}`
//! gives a value for when the request has none. A variable whose key the request lacks (and
//! that has no default) makes the whole value match nothing, as in IAM. Documents of version
//! `2008-10-17` have no variables: their `${…}` is text.

use crate::Version;
use crate::evaluate::ConditionKeys;
use crate::glob::{Tok, tokens};

/// A resource pattern or condition value, possibly with variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
    /// The pattern, compiled once, when the template has no variables.
    compiled: Option<Vec<Tok>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    /// `${*}`, `${?}` or `${$}`: the character itself, never a wildcard.
    Escaped(char),
    /// A variable: its key (lowercased) and its default.
    Variable {
        key: String,
        default: Option<String>,
    },
}

impl Template {
    pub(crate) fn literal(text: String) -> Template {
        Template::from_parts(vec![Part::Text(text)])
    }

    fn from_parts(parts: Vec<Part>) -> Template {
        let mut template = Template {
            parts,
            compiled: None,
        };
        if !template
            .parts
            .iter()
            .any(|part| matches!(part, Part::Variable { .. }))
        {
            let mut tokens = Vec::new();
            template.resolve_pattern(&crate::KeyValues::new(), &mut tokens);
            template.compiled = Some(tokens);
        }
        template
    }

    pub(crate) fn parse(text: &str, version: Version) -> Template {
        if version != Version::V2012_10_17 || !text.contains("${") {
            return Template::literal(text.to_string());
        }
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            literal.push_str(&rest[..start]);
            let inner = rest[start + 2..start + len].trim();
            match inner {
                "*" | "?" | "$" => {
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Escaped(inner.chars().next().unwrap_or('*')));
                }
                _ => {
                    let (key, default) = match inner.split_once(',') {
                        Some((key, default)) => {
                            let default = default.trim();
                            let default = default
                                .strip_prefix('\'')
                                .and_then(|d| d.strip_suffix('\''))
                                .unwrap_or(default);
                            (key.trim(), Some(default.to_string()))
                        }
                        None => (inner, None),
                    };
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Variable {
                        key: key.to_ascii_lowercase(),
                        default,
                    });
                }
            }
            rest = &rest[start + len + 1..];
        }
        literal.push_str(rest);
        if !literal.is_empty() || parts.is_empty() {
            parts.push(Part::Text(literal));
        }
        Template::from_parts(parts)
    }

    /// The text as written, when it has no variables (no allocation).
    pub(crate) fn as_literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Text(text)] => Some(text),
            _ => None,
        }
    }

    /// The value for this request as plain text; `None` when a variable has no value.
    pub(crate) fn resolve(&self, keys: &dyn ConditionKeys) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Escaped(c) => out.push(*c),
                Part::Variable { key, default } => out.push_str(&variable(keys, key, default)?),
            }
        }
        Some(out)
    }

    /// The value for this request as a pattern: `*` and `?` written in the policy are
    /// wildcards; escapes and variable values are literal.
    pub(crate) fn resolve_pattern(&self, keys: &dyn ConditionKeys, out: &mut Vec<Tok>) -> bool {
        out.clear();
        for part in &self.parts {
            match part {
                Part::Text(text) => tokens(text, out),
                Part::Escaped(c) => out.push(Tok::Lit(*c)),
                Part::Variable { key, default } => match variable(keys, key, default) {
                    Some(value) => out.extend(value.chars().map(Tok::Lit)),
                    None => return false,
                },
            }
        }
        true
    }

    /// Calls `f` with the resolved pattern; `false` if a variable has no value.
    pub(crate) fn with_pattern(
        &self,
        keys: &dyn ConditionKeys,
        f: impl FnOnce(&[Tok]) -> bool,
    ) -> bool {
        let mut pattern = Vec::new();
        self.resolve_pattern(keys, &mut pattern) && f(&pattern)
    }

    /// Calls `f` with the resolved text; `false` if a variable has no value.
    pub(crate) fn with_resolved(
        &self,
        keys: &dyn ConditionKeys,
        f: impl FnOnce(&str) -> bool,
    ) -> bool {
        match self.as_literal() {
            Some(text) => f(text),
            None => self.resolve(keys).is_some_and(|text| f(&text)),
        }
    }
}

/// A variable's single value, or its default.
fn variable(keys: &dyn ConditionKeys, key: &str, default: &Option<String>) -> Option<String> {
    match keys.values(key) {
        Some(mut values) if values.len() == 1 => values.pop(),
        _ => default.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::KeyValues;

    #[test]
    fn substitutes_variables_and_escapes() {
        let keys = KeyValues::new()
            .with("aws:username", ["alice"])
            .with("aws:principaltag/team", ["blue"]);
        let template = Template::parse(
            "arn:aws:kms:*:*:alias/${aws:username}-${aws:PrincipalTag/team}${*}",
            Version::V2012_10_17,
        );
        assert_eq!(
            template.resolve(&keys).as_deref(),
            Some("arn:aws:kms:*:*:alias/alice-blue*")
        );
        let mut pattern = Vec::new();
        assert!(template.resolve_pattern(&keys, &mut pattern));
        assert_eq!(pattern.last(), Some(&Tok::Lit('*')));
        assert_eq!(
            pattern.iter().filter(|t| **t == Tok::Star).count(),
            2,
            "the two stars written in the policy stay wildcards"
        );
        let missing = Template::parse("${aws:userid}", Version::V2012_10_17);
        assert_eq!(missing.resolve(&keys), None);
        let defaulted = Template::parse("x-${aws:userid, 'nobody'}", Version::V2012_10_17);
        assert_eq!(defaulted.resolve(&keys).as_deref(), Some("x-nobody"));
        let old = Template::parse("${aws:username}", Version::V2008_10_17);
        assert_eq!(old.as_literal(), Some("${aws:username}"));
        let unterminated = Template::parse("a${b", Version::V2012_10_17);
        assert_eq!(unterminated.as_literal(), Some("a${b"));
    }
}
