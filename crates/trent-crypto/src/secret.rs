//! [`Secret`]: bytes that must not leak.
//!
//! Plaintext returned by Decrypt, unwrapped key material and access-key secrets travel as a
//! `Secret` rather than a `Vec<u8>`, so that the type system, not reviewer vigilance, keeps
//! them out of logs: the memory is zeroed on drop, `Debug` prints only the length, there is no
//! `Display` and no `Serialize`, equality is only available in constant time, and reading the
//! bytes is an explicit, greppable call to [`Secret::expose`].
//!
//! It deliberately does not try to lock pages in memory or guard against copies the caller
//! makes after `expose`; zeroizing is a mitigation for stray copies, not a sandbox.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Secret bytes: zeroized on drop, redacted in `Debug`, compared in constant time.
#[derive(Clone)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Takes ownership of `bytes` (no copy is made, so no unzeroized copy is left behind).
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Copies `bytes` into a new secret.
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self::new(bytes.to_vec())
    }

    pub(crate) fn from_zeroizing(bytes: Zeroizing<Vec<u8>>) -> Self {
        Self(bytes)
    }

    /// The secret bytes. Every call site is a place where the secret leaves the type's
    /// protection; keep them few and obvious.
    #[must_use]
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes (not secret).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret has no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Compares with `other` in time independent of the contents (the lengths are not secret:
    /// different lengths return `false` at once).
    pub fn ct_eq(&self, other: &[u8]) -> bool {
        self.0.as_slice().ct_eq(other).into()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([REDACTED; {} bytes])", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_pinned() {
        let secret = Secret::new(b"hunter2-hunter2".to_vec());
        let shown = format!("{secret:?}");
        assert_eq!(shown, "Secret([REDACTED; 15 bytes])");
        assert_eq!(format!("{secret:#?}"), "Secret([REDACTED; 15 bytes])");
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn accessors() {
        let secret = Secret::from_slice(&[1, 2, 3]);
        assert_eq!(secret.expose(), &[1, 2, 3]);
        assert_eq!(secret.len(), 3);
        assert!(!secret.is_empty());
        assert!(Secret::new(Vec::new()).is_empty());
        assert_eq!(secret.clone().expose(), secret.expose());
    }

    #[test]
    fn ct_eq_compares_contents_and_length() {
        let secret = Secret::from_slice(b"abc");
        assert!(secret.ct_eq(b"abc"));
        assert!(!secret.ct_eq(b"abd"));
        assert!(!secret.ct_eq(b"ab"));
        assert!(!secret.ct_eq(b"abcd"));
        assert!(!secret.ct_eq(b""));
        assert!(Secret::new(Vec::new()).ct_eq(b""));
    }
}
