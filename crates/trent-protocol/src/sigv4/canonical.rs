//! The canonical request (SigV4 "task 1") and the string to sign ("task 2"), written into any
//! byte sink: a `Vec<u8>` when a caller wants to see them, a running SHA-256 on the hot path
//! so that verifying allocates nothing for a KMS request (path `/`, empty query).
//!
//! Rules, for every service but S3 (whose rules Trent does not need):
//! * URI: the path as received, dot-segments and empty segments removed (RFC 3986 §5.2.4),
//!   then every byte but RFC 3986 unreserved characters and `/` percent-encoded. The path on
//!   the wire is already encoded once, so this is AWS's "double encoding".
//! * Query: each `name=value` decoded (`%XX`, `+` as space), re-encoded with only unreserved
//!   characters left bare (`%XX` upper-case), sorted by encoded name then encoded value; a
//!   presigned request's own `X-Amz-Signature` left out.
//! * Headers: the signed ones, lower-case names in the order `SignedHeaders` lists them, each
//!   value with surrounding spaces trimmed and runs of spaces collapsed, repeated headers
//!   joined with `,` in the order received.
//! * Payload: hex SHA-256 of the body received (never the `x-amz-content-sha256` claim).

use aws_lc_rs::digest;

/// Where canonical text goes.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A SHA-256 that buffers small writes (the canonical request is written a few bytes at a time).
pub(crate) struct HashSink {
    context: digest::Context,
    buffer: [u8; 256],
    filled: usize,
}

impl HashSink {
    pub(crate) fn new() -> Self {
        HashSink {
            context: digest::Context::new(&digest::SHA256),
            buffer: [0; 256],
            filled: 0,
        }
    }

    fn flush(&mut self) {
        if let Some(pending) = self.buffer.get(..self.filled) {
            self.context.update(pending);
        }
        self.filled = 0;
    }

    pub(crate) fn finish(mut self) -> [u8; 32] {
        self.flush();
        let mut out = [0u8; 32];
        out.copy_from_slice(self.context.finish().as_ref());
        out
    }
}

impl Sink for HashSink {
    fn put(&mut self, bytes: &[u8]) {
        if bytes.len() > self.buffer.len() - self.filled {
            self.flush();
            if bytes.len() >= self.buffer.len() {
                self.context.update(bytes);
                return;
            }
        }
        if let Some(room) = self.buffer.get_mut(self.filled..self.filled + bytes.len()) {
            room.copy_from_slice(bytes);
            self.filled += bytes.len();
        }
    }
}

/// Lower-case hex of 32 bytes, on the stack.
pub(crate) fn hex32(bytes: &[u8; 32]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
    out
}

pub(crate) fn sha256_hex(data: &[u8]) -> [u8; 64] {
    let mut sum = [0u8; 32];
    sum.copy_from_slice(digest::digest(&digest::SHA256, data).as_ref());
    hex32(&sum)
}

fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~')
}

/// Percent-encodes every byte that is not unreserved (and not `/` when `keep_slash`).
pub(crate) fn put_encoded(sink: &mut impl Sink, bytes: &[u8], keep_slash: bool) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        if is_unreserved(byte) || (keep_slash && byte == b'/') {
            continue;
        }
        if let Some(run) = bytes.get(start..i) {
            sink.put(run);
        }
        sink.put(&[
            b'%',
            DIGITS[usize::from(byte >> 4)],
            DIGITS[usize::from(byte & 0x0f)],
        ]);
        start = i + 1;
    }
    if let Some(run) = bytes.get(start..) {
        sink.put(run);
    }
}

/// Writes the canonical URI of a path as received.
pub(crate) fn put_uri(sink: &mut impl Sink, path: &str) {
    let path = path.as_bytes();
    let needs_normalizing = path.first() != Some(&b'/')
        || path.contains(&b'.')
        || path.windows(2).any(|pair| pair == b"//");
    if !needs_normalizing {
        put_encoded(sink, path, true);
        return;
    }
    let mut segments: Vec<&[u8]> = Vec::new();
    for segment in path.split(|&b| b == b'/') {
        match segment {
            b"" | b"." => {}
            b".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    sink.put(b"/");
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            sink.put(b"/");
        }
        put_encoded(sink, segment, false);
    }
    let trailing_slash = path.ends_with(b"/") || path.ends_with(b"/.") || path.ends_with(b"/..");
    if trailing_slash && !segments.is_empty() {
        sink.put(b"/");
    }
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// `application/x-www-form-urlencoded` decoding: `%XX` and `+`; a malformed `%` stays as is.
pub(crate) fn form_decode(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&byte) = raw.get(i) {
        match byte {
            b'+' => out.push(b' '),
            b'%' => {
                let high = raw.get(i + 1).copied().and_then(hex_value);
                let low = raw.get(i + 2).copied().and_then(hex_value);
                if let (Some(high), Some(low)) = (high, low) {
                    out.push(high << 4 | low);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            other => out.push(other),
        }
        i += 1;
    }
    out
}

/// Splits a raw query into decoded `(name, value)` pairs; empty elements are skipped.
pub(crate) fn query_pairs(query: &str) -> impl Iterator<Item = (Vec<u8>, Vec<u8>)> + '_ {
    query
        .as_bytes()
        .split(|&b| b == b'&')
        .filter(|element| !element.is_empty())
        .map(|element| {
            let (name, value) = match element.iter().position(|&b| b == b'=') {
                Some(at) => (
                    element.get(..at).unwrap_or_default(),
                    element.get(at + 1..).unwrap_or_default(),
                ),
                None => (element, &b""[..]),
            };
            (form_decode(name), form_decode(value))
        })
}

/// Writes the canonical query string; `omit_signature` drops `X-Amz-Signature` (presigned).
pub(crate) fn put_query(sink: &mut impl Sink, query: &str, omit_signature: bool) {
    if query.is_empty() {
        return;
    }
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = query_pairs(query)
        .filter(|(name, _)| !(omit_signature && name == b"X-Amz-Signature"))
        .map(|(name, value)| {
            let mut encoded_name = Vec::with_capacity(name.len());
            put_encoded(&mut encoded_name, &name, false);
            let mut encoded_value = Vec::with_capacity(value.len());
            put_encoded(&mut encoded_value, &value, false);
            (encoded_name, encoded_value)
        })
        .collect();
    pairs.sort_unstable();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            sink.put(b"&");
        }
        sink.put(name);
        sink.put(b"=");
        sink.put(value);
    }
}

/// Writes a header value trimmed of spaces, inner runs of spaces collapsed to one.
fn put_header_value(sink: &mut impl Sink, value: &[u8]) {
    let words = value.split(|&b| b == b' ').filter(|word| !word.is_empty());
    for (i, word) in words.enumerate() {
        if i > 0 {
            sink.put(b" ");
        }
        sink.put(word);
    }
}

/// The name of the first signed header that the request does not carry.
pub(crate) fn first_absent<'s, S: AsRef<str>>(
    signed: &'s [S],
    headers: &[(&str, &[u8])],
) -> Option<&'s str> {
    signed.iter().map(AsRef::as_ref).find(|name| {
        !headers
            .iter()
            .any(|(have, _)| have.eq_ignore_ascii_case(name))
    })
}

/// Writes the canonical headers block (each line ended by `\n`) and the signed-headers line.
pub(crate) fn put_headers<S: AsRef<str>>(
    sink: &mut impl Sink,
    signed: &[S],
    headers: &[(&str, &[u8])],
) {
    for name in signed.iter().map(AsRef::as_ref) {
        sink.put(name.as_bytes());
        sink.put(b":");
        let mut first = true;
        for (_, value) in headers
            .iter()
            .filter(|(have, _)| have.eq_ignore_ascii_case(name))
        {
            if !first {
                sink.put(b",");
            }
            put_header_value(sink, value);
            first = false;
        }
        sink.put(b"\n");
    }
    sink.put(b"\n");
    for (i, name) in signed.iter().map(AsRef::as_ref).enumerate() {
        if i > 0 {
            sink.put(b";");
        }
        sink.put(name.as_bytes());
    }
}

/// Everything that goes into a canonical request.
pub(crate) struct CanonicalInput<'a, S> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    pub(crate) omit_signature: bool,
    pub(crate) headers: &'a [(&'a str, &'a [u8])],
    pub(crate) signed_headers: &'a [S],
    pub(crate) payload_hash: &'a [u8; 64],
}

pub(crate) fn put_canonical_request<S: AsRef<str>>(
    sink: &mut impl Sink,
    input: &CanonicalInput<'_, S>,
) {
    sink.put(input.method.as_bytes());
    sink.put(b"\n");
    put_uri(sink, input.path);
    sink.put(b"\n");
    put_query(sink, input.query, input.omit_signature);
    sink.put(b"\n");
    put_headers(sink, input.signed_headers, input.headers);
    sink.put(b"\n");
    sink.put(input.payload_hash);
}

/// Writes the string to sign, given the hash of the canonical request.
pub(crate) fn put_string_to_sign(
    sink: &mut impl Sink,
    amz_date: &str,
    scope: [&str; 4],
    canonical_request_sha256: &[u8; 32],
) {
    sink.put(b"AWS4-HMAC-SHA256\n");
    sink.put(amz_date.as_bytes());
    sink.put(b"\n");
    for (i, part) in scope.iter().enumerate() {
        if i > 0 {
            sink.put(b"/");
        }
        sink.put(part.as_bytes());
    }
    sink.put(b"\n");
    sink.put(&hex32(canonical_request_sha256));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(path: &str) -> String {
        let mut out = Vec::new();
        put_uri(&mut out, path);
        String::from_utf8(out).unwrap()
    }

    fn query(raw: &str, omit: bool) -> String {
        let mut out = Vec::new();
        put_query(&mut out, raw, omit);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn normalizes_and_encodes_paths() {
        assert_eq!(uri("/"), "/");
        assert_eq!(uri(""), "/");
        assert_eq!(uri("//"), "/");
        assert_eq!(uri("/./"), "/");
        assert_eq!(uri("/example/.."), "/");
        assert_eq!(uri("/example1/example2/../.."), "/");
        assert_eq!(uri("/./example"), "/example");
        assert_eq!(uri("//example//"), "/example/");
        assert_eq!(uri("/foo/bar/."), "/foo/bar/");
        assert_eq!(uri("/../foo"), "/foo");
        assert_eq!(uri("foo"), "/foo");
        assert_eq!(uri("/example space/"), "/example%20space/");
        assert_eq!(uri("/%E1%88%B4"), "/%25E1%2588%25B4");
        assert_eq!(uri("/a~b-c_d.e"), "/a~b-c_d.e");
    }

    #[test]
    fn sorts_and_reencodes_queries() {
        assert_eq!(query("", false), "");
        assert_eq!(
            query("Param2=value2&Param1=value1", false),
            "Param1=value1&Param2=value2"
        );
        assert_eq!(
            query("Param1=value2&Param1=Value1", false),
            "Param1=Value1&Param1=value2"
        );
        assert_eq!(query("a&&b=", false), "a=&b=");
        assert_eq!(query("a+b=c%2fd&x=%zz", false), "a%20b=c%2Fd&x=%25zz");
        assert_eq!(query("b=1&X-Amz-Signature=ff&a=2", true), "a=2&b=1");
        assert_eq!(
            query("b=1&X-Amz-Signature=ff", false),
            "X-Amz-Signature=ff&b=1"
        );
    }

    #[test]
    fn trims_and_collapses_header_values() {
        let mut out = Vec::new();
        let headers: &[(&str, &[u8])] = &[
            ("My-Header", b"  a   b  "),
            ("my-header", b""),
            ("MY-HEADER", b"c"),
            ("Host", b"h"),
        ];
        put_headers(&mut out, &["host", "my-header"], headers);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "host:h\nmy-header:a b,,c\n\nhost;my-header"
        );
    }

    #[test]
    fn hash_sink_equals_one_shot_digest() {
        let data: Vec<u8> = (0..2000u32).map(|i| (i * 7) as u8).collect();
        let mut sink = HashSink::new();
        for chunk in data.chunks(13) {
            sink.put(chunk);
        }
        sink.put(&data[..600]);
        let mut all = data.clone();
        all.extend_from_slice(&data[..600]);
        assert_eq!(hex32(&sink.finish()), sha256_hex(&all));
    }
}
