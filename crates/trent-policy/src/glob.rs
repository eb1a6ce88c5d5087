//! Wildcard matching as IAM does it: `*` matches any run of characters (also none), `?` exactly
//! one, everything else itself. Actions compare without regard to case, resources and string
//! conditions with it. ARNs compare component by component, so a `*` in one component never
//! swallows a `:` of another.

/// Whether `text` matches `pattern`. Works on bytes, but a `?` consumes one whole UTF-8
/// character. Backtracks only to the most recent `*`, which is enough for `*`/`?` patterns and
/// keeps the worst case at O(pattern × text).
pub(crate) fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was, and how much text it has swallowed so far.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
            continue;
        }
        if pi < p.len() && p[pi] == b'?' {
            pi += 1;
            ti += utf8_len(t[ti]);
            continue;
        }
        if pi < p.len() && same_byte(p[pi], t[ti], ignore_case) {
            pi += 1;
            ti += 1;
            continue;
        }
        match star {
            Some((star_pi, star_ti)) => {
                let next = star_ti + utf8_len(t[star_ti]);
                star = Some((star_pi, next));
                pi = star_pi + 1;
                ti = next;
            }
            None => return false,
        }
    }
    p[pi.min(p.len())..].iter().all(|&b| b == b'*') && ti == t.len()
}

fn same_byte(a: u8, b: u8, ignore_case: bool) -> bool {
    a == b || (ignore_case && a.eq_ignore_ascii_case(&b))
}

/// The length of the UTF-8 character that starts with `first`.
fn utf8_len(first: u8) -> usize {
    match first {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

/// Whether `text` is an ARN matching the ARN pattern `pattern` (ArnLike, ArnEquals and resource
/// patterns): both split into their six components, each compared with [`glob`]. The resource
/// component (the sixth) may itself contain colons. A pattern of `*` matches any text.
pub(crate) fn arn_glob(pattern: &str, text: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let (Some(pattern), Some(text)) = (split_arn(pattern), split_arn(text)) else {
        return false;
    };
    pattern
        .iter()
        .zip(text.iter())
        .all(|(p, t)| glob(p, t, false))
}

fn split_arn(arn: &str) -> Option<[&str; 6]> {
    let mut parts = arn.splitn(6, ':');
    let out = [
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    ];
    (out[0] == "arn" || out[0] == "*").then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_question_marks() {
        assert!(glob("*", "", false));
        assert!(glob("*", "anything", false));
        assert!(glob("kms:Generate*", "kms:GenerateDataKeyPair", false));
        assert!(!glob("kms:Generate*", "kms:Encrypt", false));
        assert!(glob("a?c", "abc", false));
        assert!(!glob("a?c", "ac", false));
        assert!(glob("a*b*c", "axxbyyc", false));
        assert!(!glob("a*b*c", "axxbyy", false));
        assert!(glob("*a*", "banana", false));
        assert!(glob("??", "éa", false));
        assert!(!glob("abc", "ABC", false));
        assert!(glob("kms:encrypt", "kms:Encrypt", true));
        assert!(glob("a**b", "ab", false));
        assert!(!glob("", "a", false));
        assert!(glob("", "", false));
    }

    #[test]
    fn arns_match_component_by_component() {
        let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd";
        assert!(arn_glob("*", key));
        assert!(arn_glob("arn:aws:kms:*:111122223333:key/*", key));
        assert!(arn_glob("arn:aws:kms:us-east-?:*:*", key));
        assert!(!arn_glob("arn:aws:kms:*:444455556666:key/*", key));
        // A star in the region component cannot reach across the account's colon.
        assert!(!arn_glob("arn:aws:kms:*:key/1234abcd", key));
        assert!(!arn_glob(
            "arn:aws:kms:us-east-1:111122223333:key/*",
            "not an arn"
        ));
        assert!(arn_glob(
            "arn:aws:iam::*:role/admin",
            "arn:aws:iam::111122223333:role/admin"
        ));
        assert!(arn_glob(
            "arn:aws:sns:*:*:topic:sub",
            "arn:aws:sns:us-east-1:1:topic:sub"
        ));
    }
}
