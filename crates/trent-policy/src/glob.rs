//! Wildcard matching as IAM does it: `*` matches any run of characters (also none), `?` exactly
//! one, everything else itself. Actions compare without regard to case, resources and string
//! conditions with it. ARNs compare component by component, so a `*` in one component never
//! swallows a `:` of another; in a resource pattern only a `*` that ends its component may run
//! across colons (`arn:aws:kms:*` covers every KMS ARN).
//!
//! Values that come from policy variables or the `${*}`/`${?}` escapes are literal text, so
//! patterns with them are matched as [`Tok`]ens rather than as strings.

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

/// One element of a compiled pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    /// `*`: any run of characters.
    Star,
    /// `?`: one character.
    One,
    /// A character that matches itself (also a literal `*` or `?`).
    Lit(char),
}

/// The tokens of pattern text in which `*` and `?` are wildcards.
pub(crate) fn tokens(pattern: &str, out: &mut Vec<Tok>) {
    out.extend(pattern.chars().map(|c| match c {
        '*' => Tok::Star,
        '?' => Tok::One,
        c => Tok::Lit(c),
    }));
}

/// [`glob`] over tokens (case-sensitive).
pub(crate) fn glob_tokens(p: &[Tok], text: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(Tok::Star) => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some(Tok::One) => {
                pi += 1;
                ti += 1;
                continue;
            }
            Some(Tok::Lit(c)) if *c == t[ti] => {
                pi += 1;
                ti += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((star_pi, star_ti)) => {
                star = Some((star_pi, star_ti + 1));
                pi = star_pi + 1;
                ti = star_ti + 1;
            }
            None => return false,
        }
    }
    p[pi.min(p.len())..].iter().all(|tok| *tok == Tok::Star)
}

/// A resource pattern against a resource ARN: wildcards stay within a colon-separated
/// component, except a `*` that ends its component (followed by `:` or the end), which may run
/// across colons. Dynamic programming over (pattern, text) positions with two rows, so no input
/// is slow; patterns without wildcards compare directly.
pub(crate) fn resource_glob(p: &[Tok], text: &str) -> bool {
    if p == [Tok::Star] {
        return true;
    }
    if !p.iter().any(|tok| matches!(tok, Tok::Star | Tok::One)) {
        return p.len() == text.chars().count()
            && p.iter()
                .zip(text.chars())
                .all(|(tok, c)| *tok == Tok::Lit(c));
    }
    if text.is_ascii() {
        resource_rows(p, text.as_bytes(), char::from)
    } else {
        let chars: Vec<char> = text.chars().collect();
        resource_rows(p, &chars, |c| c)
    }
}

fn resource_rows<T: Copy>(p: &[Tok], t: &[T], as_char: impl Fn(T) -> char) -> bool {
    // next[j]: whether p[i + 1..] matches t[j..]; current[j]: whether p[i..] does.
    let mut next = vec![false; t.len() + 1];
    let mut current = vec![false; t.len() + 1];
    next[t.len()] = true;
    for i in (0..p.len()).rev() {
        let may_cross = matches!(p.get(i + 1), None | Some(Tok::Lit(':')));
        for j in (0..=t.len()).rev() {
            let c = t.get(j).map(|&x| as_char(x));
            current[j] = match p[i] {
                Tok::Star => {
                    next[j] || (c.is_some_and(|c| may_cross || c != ':') && current[j + 1])
                }
                Tok::One => c.is_some_and(|c| c != ':') && next[j + 1],
                Tok::Lit(l) => c == Some(l) && next[j + 1],
            };
        }
        std::mem::swap(&mut next, &mut current);
    }
    next[0]
}

/// ArnLike/ArnEquals over tokens: six components, each compared with [`glob_tokens`]; the sixth
/// keeps any further colons. A pattern of `*` matches any text.
pub(crate) fn arn_like_tokens(p: &[Tok], text: &str) -> bool {
    if p == [Tok::Star] {
        return true;
    }
    let mut parts: Vec<&[Tok]> = Vec::with_capacity(6);
    let mut start = 0;
    for (i, tok) in p.iter().enumerate() {
        if *tok == Tok::Lit(':') && parts.len() < 5 {
            parts.push(&p[start..i]);
            start = i + 1;
        }
    }
    parts.push(&p[start..]);
    let text_parts: Vec<&str> = text.splitn(6, ':').collect();
    parts.len() == 6
        && text_parts.len() == 6
        && text_parts[0] == "arn"
        && parts
            .iter()
            .zip(&text_parts)
            .all(|(p, t)| glob_tokens(p, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(pattern: &str) -> Vec<Tok> {
        let mut out = Vec::new();
        tokens(pattern, &mut out);
        out
    }

    #[test]
    fn resource_stars_cross_colons_only_at_the_end_of_a_component() {
        let key = "arn:aws:kms:us-west-2:111122223333:key/1234abcd";
        assert!(resource_glob(&toks("*"), key));
        assert!(resource_glob(&toks("arn:aws:kms:*"), key));
        assert!(resource_glob(
            &toks("arn:aws:kms:*:111122223333:key/*"),
            key
        ));
        assert!(!resource_glob(&toks("arn:aws:kms:us-*3:key/1234abcd"), key));
        assert!(resource_glob(
            &toks("arn:aws:kms:us-west-?:*:key/1234abcd"),
            key
        ));
        let mut literal = toks("arn:aws:kms:*:*:alias/team-");
        literal.push(Tok::Lit('*'));
        assert!(resource_glob(
            &literal,
            "arn:aws:kms:us-west-2:1:alias/team-*"
        ));
        assert!(!resource_glob(
            &literal,
            "arn:aws:kms:us-west-2:1:alias/team-blue"
        ));
    }

    #[test]
    fn token_globs_and_arns() {
        assert!(glob_tokens(&toks("team-*"), "team-blue"));
        assert!(!glob_tokens(&[Tok::Lit('a'), Tok::Lit('*')], "ab"));
        assert!(glob_tokens(&toks("a?c*"), "abcdef"));
        assert!(arn_like_tokens(
            &toks("arn:aws:iam::*:role/app-*"),
            "arn:aws:iam::1:role/app-x"
        ));
        assert!(!arn_like_tokens(
            &toks("arn:aws:iam::*:role/app-*"),
            "arn:aws:iam::1:user/app-x"
        ));
    }

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
}
