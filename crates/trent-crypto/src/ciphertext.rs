//! The symmetric ciphertext format v1 (DESIGN.md §4) and the key material it is made with.
//!
//! ```text
//! byte 0        format version (1)
//! bytes 1..17   key id (16 bytes)
//! bytes 17..21  key material version (u32, big-endian)
//! bytes 21..53  nonce (32 random bytes)
//! bytes 53..    AES-256-GCM ciphertext || 16-byte tag
//!    K (32 bytes) || IV (12 bytes) = HKDF-SHA256(ikm = key material, salt = nonce,
//!                                                info = "trent/v1/encrypt" || header)
//!    AAD = header (bytes 0..53) || canonical(encryption context)
//! canonical(ec) = entries sorted by key bytes, each u32 BE len || key || u32 BE len || value
//! ```
//!
//! A fresh AES key per message lifts AES-GCM's 2^32 random-IV limit per key, so one hot KMS
//! key can encrypt without bound. The header is authenticated, so nobody can re-label a blob
//! with another key id or material version. The encryption context is bound but not stored:
//! the caller must resupply it, exactly (order of insertion is irrelevant, case is not).
//!
//! Every failure to decrypt is [`CryptoError::InvalidCiphertext`] without detail. This module
//! deliberately does not look keys up, check key state or enforce KMS size limits (4096-byte
//! plaintext, 6144-byte blob, 8 KiB context); `trent-core` and `trent-protocol` do that.
//! Blobs of this version must decrypt forever: `tests/frozen_v1.rs` pins them.

use std::collections::BTreeMap;
use std::fmt;

use aws_lc_rs::aead::{Aad, LessSafeKey, NONCE_LEN as IV_LEN, Nonce};
use aws_lc_rs::hkdf::{HKDF_SHA256, KeyType, Salt};
use zeroize::Zeroizing;

use crate::error::CryptoError;
use crate::random;
use crate::secret::Secret;
use crate::wrap::aes_256_gcm_key;

/// The encryption context: string pairs bound to a ciphertext. A `BTreeMap<String, String>`
/// iterates in key byte order (`str` orders by its UTF-8 bytes), which is the canonical order.
pub type EncryptionContext = BTreeMap<String, String>;

/// Format version byte of v1 blobs.
pub const CIPHERTEXT_V1: u8 = 1;
/// Length of the key id field.
pub const KEY_ID_LEN: usize = 16;
/// Length of the per-message nonce (the HKDF salt).
pub const NONCE_LEN: usize = 32;
/// Length of the authenticated cleartext header.
pub const HEADER_LEN: usize = 53;
/// Length of the AES-GCM tag.
pub const TAG_LEN: usize = 16;
/// Bytes a v1 blob adds to its plaintext.
pub const OVERHEAD: usize = HEADER_LEN + TAG_LEN;
/// Length of the key material of a symmetric KMS key version.
pub const SYMMETRIC_KEY_LEN: usize = 32;

const KEY_ID_AT: usize = 1;
const VERSION_AT: usize = KEY_ID_AT + KEY_ID_LEN;
const NONCE_AT: usize = VERSION_AT + 4;
const _: () = assert!(NONCE_AT + NONCE_LEN == HEADER_LEN);

/// HKDF `info` prefix; the full info is this followed by the 53-byte header.
const KDF_INFO_PREFIX: &[u8] = b"trent/v1/encrypt";
/// Derived bytes per message: the AES-256 key, then the GCM IV.
const DERIVED_LEN: usize = SYMMETRIC_KEY_LEN + IV_LEN;

/// The 256-bit key material of one version of a symmetric KMS key. `Debug` is redacted; the
/// bytes are zeroized on drop.
#[derive(Clone)]
pub struct SymmetricKey(Zeroizing<[u8; SYMMETRIC_KEY_LEN]>);

impl SymmetricKey {
    /// Fresh random key material.
    #[must_use]
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; SYMMETRIC_KEY_LEN]);
        random::fill(bytes.as_mut());
        Self(bytes)
    }

    /// Key material from exactly 32 bytes; any other length is [`CryptoError::InvalidKey`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != SYMMETRIC_KEY_LEN {
            return Err(CryptoError::InvalidKey);
        }
        let mut array = Zeroizing::new([0u8; SYMMETRIC_KEY_LEN]);
        array.copy_from_slice(bytes);
        Ok(Self(array))
    }

    /// The key bytes, e.g. to wrap them under the domain key for storage.
    #[must_use]
    pub fn to_secret(&self) -> Secret {
        Secret::from_slice(self.0.as_ref())
    }
}

impl fmt::Debug for SymmetricKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SymmetricKey([REDACTED])")
    }
}

/// The cleartext header of a v1 blob: which key and material version made it, and its nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CiphertextHeader {
    /// The KMS key id (the UUID, or the 128-bit value of an `mrk-` id).
    pub key_id: [u8; 16],
    /// The key material version that encrypted the blob.
    pub material_version: u32,
    /// The per-message random nonce (HKDF salt).
    pub nonce: [u8; 32],
}

impl CiphertextHeader {
    /// The 53 header bytes, version byte included.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0] = CIPHERTEXT_V1;
        out[KEY_ID_AT..VERSION_AT].copy_from_slice(&self.key_id);
        out[VERSION_AT..NONCE_AT].copy_from_slice(&self.material_version.to_be_bytes());
        out[NONCE_AT..HEADER_LEN].copy_from_slice(&self.nonce);
        out
    }

    fn from_bytes(bytes: &[u8; HEADER_LEN]) -> Self {
        let mut key_id = [0u8; KEY_ID_LEN];
        key_id.copy_from_slice(&bytes[KEY_ID_AT..VERSION_AT]);
        let mut version = [0u8; 4];
        version.copy_from_slice(&bytes[VERSION_AT..NONCE_AT]);
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&bytes[NONCE_AT..HEADER_LEN]);
        Self {
            key_id,
            material_version: u32::from_be_bytes(version),
            nonce,
        }
    }
}

/// Splits a blob into its header and its ciphertext-and-tag, checking version and length.
fn split(blob: &[u8]) -> Result<(&[u8; HEADER_LEN], &[u8]), CryptoError> {
    if blob.len() < OVERHEAD || blob[0] != CIPHERTEXT_V1 {
        return Err(CryptoError::InvalidCiphertext);
    }
    let (header, body) = blob.split_at(HEADER_LEN);
    let header = header
        .try_into()
        .map_err(|_| CryptoError::InvalidCiphertext)?;
    Ok((header, body))
}

/// Reads the header of a blob without decrypting it, to find the key that can. The version
/// byte must be 1 and the blob at least [`OVERHEAD`] bytes; anything else is
/// [`CryptoError::InvalidCiphertext`]. The header is not authenticated until [`decrypt`]
/// succeeds.
pub fn peek_header(blob: &[u8]) -> Result<CiphertextHeader, CryptoError> {
    split(blob).map(|(header, _)| CiphertextHeader::from_bytes(header))
}

/// Encrypts `plaintext` under one version of a KMS key, bound to `context`.
///
/// # Panics
/// Only if the random generator fails or aws-lc cannot allocate.
#[must_use]
pub fn encrypt(
    key: &SymmetricKey,
    key_id: [u8; 16],
    material_version: u32,
    context: &EncryptionContext,
    plaintext: &[u8],
) -> Vec<u8> {
    let nonce = random::random_array::<NONCE_LEN>();
    encrypt_with_nonce(key, key_id, material_version, nonce, context, plaintext)
}

/// [`encrypt`] with a caller-chosen nonce. Exists only so tests can build the frozen v1
/// vectors; production code must use [`encrypt`], whose nonce is random.
#[doc(hidden)]
#[must_use]
pub fn encrypt_with_nonce(
    key: &SymmetricKey,
    key_id: [u8; 16],
    material_version: u32,
    nonce: [u8; 32],
    context: &EncryptionContext,
    plaintext: &[u8],
) -> Vec<u8> {
    let header = CiphertextHeader {
        key_id,
        material_version,
        nonce,
    }
    .to_bytes();
    let (aead, iv) = message_key(key, &header);

    let mut out = Vec::with_capacity(OVERHEAD + plaintext.len());
    out.extend_from_slice(&header);
    out.extend_from_slice(plaintext);
    let tag = with_aad(&header, context, |aad| {
        aead.seal_in_place_separate_tag(iv, aad, &mut out[HEADER_LEN..])
    })
    .expect("AES-GCM sealing of an in-memory buffer cannot fail");
    out.extend_from_slice(tag.as_ref());
    out
}

/// Decrypts a v1 blob with the key material named in its header and the same `context` it
/// was encrypted with. Any failure is [`CryptoError::InvalidCiphertext`], without detail.
pub fn decrypt(
    key: &SymmetricKey,
    blob: &[u8],
    context: &EncryptionContext,
) -> Result<Secret, CryptoError> {
    let (header, body) = split(blob)?;
    let (aead, iv) = message_key(key, header);
    let mut buf = Zeroizing::new(body.to_vec());
    let plaintext_len = with_aad(header, context, |aad| {
        aead.open_in_place(iv, aad, &mut buf)
            .map(|plain| plain.len())
    })
    .map_err(|_| CryptoError::InvalidCiphertext)?;
    buf.truncate(plaintext_len);
    Ok(Secret::from_zeroizing(buf))
}

/// The canonical bytes of an encryption context, as bound into the AAD.
#[must_use]
pub fn canonical_context(context: &EncryptionContext) -> Vec<u8> {
    let mut out = Vec::with_capacity(canonical_len(context));
    append_canonical(context, &mut out);
    out
}

fn canonical_len(context: &EncryptionContext) -> usize {
    context.iter().map(|(k, v)| 8 + k.len() + v.len()).sum()
}

fn append_canonical(context: &EncryptionContext, out: &mut Vec<u8>) {
    // BTreeMap<String, _> iterates in key byte order: the canonical order.
    for (key, value) in context {
        append_field(out, key.as_bytes());
        append_field(out, value.as_bytes());
    }
}

fn append_field(out: &mut Vec<u8>, field: &[u8]) {
    // A field of 4 GiB or more cannot be length-prefixed; KMS caps the whole context at 8 KiB
    // and the protocol layer rejects larger requests long before they get here.
    let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(field);
}

/// Runs `f` with AAD = header || canonical(context), allocating only for a non-empty context.
fn with_aad<T>(
    header: &[u8; HEADER_LEN],
    context: &EncryptionContext,
    f: impl FnOnce(Aad<&[u8]>) -> T,
) -> T {
    if context.is_empty() {
        return f(Aad::from(&header[..]));
    }
    let mut aad = Vec::with_capacity(HEADER_LEN + canonical_len(context));
    aad.extend_from_slice(header);
    append_canonical(context, &mut aad);
    f(Aad::from(&aad[..]))
}

/// HKDF output length, as aws-lc wants it expressed.
struct DerivedLen;

impl KeyType for DerivedLen {
    fn len(&self) -> usize {
        DERIVED_LEN
    }
}

/// The one-time AES-256-GCM key and IV of the message with this header.
///
/// # Panics
/// Only if aws-lc cannot allocate: the HKDF output length is fixed and well below its limit.
fn message_key(key: &SymmetricKey, header: &[u8; HEADER_LEN]) -> (LessSafeKey, Nonce) {
    let nonce = &header[NONCE_AT..HEADER_LEN];
    let prk = Salt::new(HKDF_SHA256, nonce).extract(key.0.as_ref());
    let info: [&[u8]; 2] = [KDF_INFO_PREFIX, header];
    let mut derived = Zeroizing::new([0u8; DERIVED_LEN]);
    prk.expand(&info, DerivedLen)
        .and_then(|okm| okm.fill(derived.as_mut()))
        .expect("HKDF-SHA256 can always produce 44 bytes");
    let mut aes_key = Zeroizing::new([0u8; SYMMETRIC_KEY_LEN]);
    aes_key.copy_from_slice(&derived[..SYMMETRIC_KEY_LEN]);
    let mut iv = [0u8; IV_LEN];
    iv.copy_from_slice(&derived[SYMMETRIC_KEY_LEN..]);
    (aes_256_gcm_key(&aes_key), Nonce::assume_unique_for_key(iv))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_ID: [u8; 16] = *b"0123456789abcdef";

    fn context(pairs: &[(&str, &str)]) -> EncryptionContext {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn is_invalid(result: Result<Secret, CryptoError>) -> bool {
        matches!(result, Err(CryptoError::InvalidCiphertext))
    }

    #[test]
    fn round_trip() {
        let key = SymmetricKey::generate();
        let ctx = context(&[("purpose", "test"), ("tenant", "acme")]);
        for len in [0, 1, 15, 16, 17, 32, 4096] {
            let plaintext = random::random_bytes(len);
            for ctx in [&ctx, &EncryptionContext::new()] {
                let blob = encrypt(&key, KEY_ID, 3, ctx, &plaintext);
                assert_eq!(blob.len(), plaintext.len() + OVERHEAD);
                assert_eq!(decrypt(&key, &blob, ctx).unwrap().expose(), plaintext);
            }
        }
    }

    #[test]
    fn header_layout() {
        let key = SymmetricKey::generate();
        let nonce = [0xA5; 32];
        let blob = encrypt_with_nonce(&key, KEY_ID, 0x0102_0304, nonce, &context(&[]), b"x");
        assert_eq!(blob[0], CIPHERTEXT_V1);
        assert_eq!(&blob[1..17], &KEY_ID);
        assert_eq!(&blob[17..21], &[1, 2, 3, 4]);
        assert_eq!(&blob[21..53], &nonce);
        let header = peek_header(&blob).unwrap();
        assert_eq!(
            header,
            CiphertextHeader {
                key_id: KEY_ID,
                material_version: 0x0102_0304,
                nonce
            }
        );
        assert_eq!(header.to_bytes(), blob[..HEADER_LEN]);
    }

    #[test]
    fn fresh_nonce_per_message() {
        let key = SymmetricKey::generate();
        let ctx = EncryptionContext::new();
        let a = encrypt(&key, KEY_ID, 1, &ctx, b"same");
        let b = encrypt(&key, KEY_ID, 1, &ctx, b"same");
        assert_ne!(a[NONCE_AT..HEADER_LEN], b[NONCE_AT..HEADER_LEN]);
        assert_ne!(a[HEADER_LEN..], b[HEADER_LEN..]);
    }

    #[test]
    fn every_bit_flip_fails() {
        let key = SymmetricKey::generate();
        let ctx = context(&[("k", "v")]);
        let blob = encrypt(&key, KEY_ID, 9, &ctx, b"twenty bytes of text");
        for bit in 0..blob.len() * 8 {
            let mut tampered = blob.clone();
            tampered[bit / 8] ^= 1 << (bit % 8);
            assert!(is_invalid(decrypt(&key, &tampered, &ctx)), "bit {bit}");
        }
    }

    #[test]
    fn truncation_and_extension_fail() {
        let key = SymmetricKey::generate();
        let ctx = EncryptionContext::new();
        let blob = encrypt(&key, KEY_ID, 1, &ctx, b"some plaintext");
        for len in 0..blob.len() {
            assert!(is_invalid(decrypt(&key, &blob[..len], &ctx)), "len {len}");
        }
        let mut extended = blob.clone();
        extended.push(0);
        assert!(is_invalid(decrypt(&key, &extended, &ctx)));
        assert!(peek_header(&blob[..OVERHEAD - 1]).is_err());
        assert!(peek_header(&[]).is_err());
    }

    #[test]
    fn empty_plaintext_blob_is_exactly_overhead() {
        let key = SymmetricKey::generate();
        let ctx = EncryptionContext::new();
        let blob = encrypt(&key, KEY_ID, 1, &ctx, b"");
        assert_eq!(blob.len(), OVERHEAD);
        assert!(peek_header(&blob).is_ok());
        assert!(decrypt(&key, &blob, &ctx).unwrap().is_empty());
    }

    #[test]
    fn unknown_version_fails() {
        let key = SymmetricKey::generate();
        let ctx = EncryptionContext::new();
        let blob = encrypt(&key, KEY_ID, 1, &ctx, b"plaintext");
        for version in [0u8, 2, 0x7f, 0xff] {
            let mut other = blob.clone();
            other[0] = version;
            assert!(matches!(
                peek_header(&other),
                Err(CryptoError::InvalidCiphertext)
            ));
            assert!(is_invalid(decrypt(&key, &other, &ctx)));
        }
    }

    #[test]
    fn wrong_key_fails() {
        let ctx = EncryptionContext::new();
        let blob = encrypt(&SymmetricKey::generate(), KEY_ID, 1, &ctx, b"plaintext");
        assert!(is_invalid(decrypt(&SymmetricKey::generate(), &blob, &ctx)));
    }

    #[test]
    fn context_must_match_exactly() {
        let key = SymmetricKey::generate();
        let ctx = context(&[("Department", "Finance"), ("Project", "Alpha")]);
        let blob = encrypt(&key, KEY_ID, 1, &ctx, b"plaintext");

        let reordered = context(&[("Project", "Alpha"), ("Department", "Finance")]);
        assert_eq!(
            decrypt(&key, &blob, &reordered).unwrap().expose(),
            b"plaintext"
        );

        let wrong = [
            context(&[]),
            context(&[("Department", "Finance")]),
            context(&[("Department", "Finance"), ("Project", "Alpha"), ("x", "y")]),
            context(&[("Department", "Finance"), ("Project", "Beta")]),
            context(&[("Department", "Finance"), ("project", "Alpha")]),
            context(&[("Department", "Finance"), ("Project", "alpha")]),
            context(&[("Department", "Finance"), ("Project", "Alpha ")]),
            context(&[("Department", "FinanceProject"), ("", "Alpha")]),
        ];
        for ctx in &wrong {
            assert!(is_invalid(decrypt(&key, &blob, ctx)), "{ctx:?}");
        }
    }

    #[test]
    fn length_prefixes_keep_contexts_apart() {
        let key = SymmetricKey::generate();
        let pairs = [
            context(&[("ab", "c")]),
            context(&[("a", "bc")]),
            context(&[("", "")]),
            context(&[]),
            context(&[("a", ""), ("b", "")]),
            context(&[("a", "\0\0\0\0b\0\0\0\0")]),
        ];
        for (i, enc_ctx) in pairs.iter().enumerate() {
            let blob = encrypt(&key, KEY_ID, 1, enc_ctx, b"p");
            for (j, dec_ctx) in pairs.iter().enumerate() {
                assert_eq!(decrypt(&key, &blob, dec_ctx).is_ok(), i == j, "{i} {j}");
            }
        }
    }

    #[test]
    fn canonical_form_is_pinned() {
        let ctx = context(&[("b", "2"), ("a", "1")]);
        // len "a" len "1" len "b" len "2", in key order whatever the insertion order.
        let expected = concat!(
            "00000001", "61", "00000001", "31", "00000001", "62", "00000001", "32"
        );
        assert_eq!(hex(&canonical_context(&ctx)), expected);
        assert!(canonical_context(&EncryptionContext::new()).is_empty());
    }

    #[test]
    fn string_order_is_utf8_byte_order() {
        // The canonical form promises key *byte* order; BTreeMap<String, _> gives String's
        // Ord, which compares UTF-8 bytes. Check on keys where code-unit or case-insensitive
        // orders would differ.
        let keys = [
            "",
            "A",
            "B",
            "Z",
            "_",
            "a",
            "aa",
            "b",
            "z",
            "~",
            "\u{7f}",
            "\u{80}",
            "é",
            "Ω",
            "ключ",
            "\u{ffff}",
            "\u{10000}",
            "🔑",
            "\u{10ffff}",
        ];
        let ctx: EncryptionContext = keys
            .iter()
            .rev()
            .map(|k| (k.to_string(), String::new()))
            .collect();
        let in_map: Vec<&[u8]> = ctx.keys().map(|k| k.as_bytes()).collect();
        let mut by_bytes = in_map.clone();
        by_bytes.sort();
        assert_eq!(in_map, by_bytes);
        // UTF-16 order would put U+10000 (surrogates D800..) before U+FFFF; bytes do not.
        let pos = |k: &str| ctx.keys().position(|x| x == k).unwrap();
        assert!(pos("\u{ffff}") < pos("\u{10000}"));
        assert!(pos("Z") < pos("a"));
    }

    #[test]
    fn symmetric_key_from_bytes() {
        let key = SymmetricKey::generate();
        let copy = SymmetricKey::from_bytes(key.to_secret().expose()).unwrap();
        let ctx = EncryptionContext::new();
        let blob = encrypt(&key, KEY_ID, 1, &ctx, b"hello");
        assert_eq!(decrypt(&copy, &blob, &ctx).unwrap().expose(), b"hello");
        for len in [0, 16, 31, 33] {
            assert!(matches!(
                SymmetricKey::from_bytes(&vec![1u8; len]),
                Err(CryptoError::InvalidKey)
            ));
        }
    }

    #[test]
    fn debug_is_redacted() {
        let key = SymmetricKey::generate();
        let shown = format!("{key:?} {key:#?}");
        assert!(!shown.contains(&hex(key.to_secret().expose())));
        assert_eq!(format!("{key:?}"), "SymmetricKey([REDACTED])");
        let plaintext = decrypt(
            &key,
            &encrypt(&key, KEY_ID, 1, &EncryptionContext::new(), b"top secret"),
            &EncryptionContext::new(),
        )
        .unwrap();
        assert_eq!(format!("{plaintext:?}"), "Secret([REDACTED; 10 bytes])");
    }

    #[test]
    fn is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<SymmetricKey>();
        assert_send_sync::<CiphertextHeader>();
    }
}
