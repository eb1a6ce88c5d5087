//! Randomness from the operating system, through aws-lc.
//!
//! One place that draws random bytes, so that every nonce and every generated key comes from
//! the same vetted generator (`aws_lc_rs::rand::SystemRandom`). It deliberately offers no
//! seedable or deterministic generator: tests that need fixed bytes pass them in explicitly.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// `len` random bytes. Not for secrets that outlive the call: use a key type instead.
///
/// # Panics
/// If the operating system's random generator fails. A KMS that cannot draw random numbers
/// must stop rather than produce predictable keys or nonces.
#[must_use]
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    fill(&mut bytes);
    bytes
}

/// `N` random bytes as an array.
///
/// # Panics
/// If the operating system's random generator fails (see [`random_bytes`]).
#[must_use]
pub fn random_array<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    fill(&mut bytes);
    bytes
}

/// Fills `dest` with random bytes; panics if the system generator fails (see [`random_bytes`]).
pub(crate) fn fill(dest: &mut [u8]) {
    SystemRandom::new()
        .fill(dest)
        .expect("the system random number generator failed");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_variety() {
        assert_eq!(random_bytes(0).len(), 0);
        assert_eq!(random_bytes(33).len(), 33);
        // 2^-256 chance of a false failure.
        assert_ne!(random_array::<32>(), random_array::<32>());
        assert_ne!(random_array::<32>(), [0u8; 32]);
    }
}
