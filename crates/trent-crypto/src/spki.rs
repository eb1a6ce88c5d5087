//! A strict first look at a DER SubjectPublicKeyInfo, before aws-lc parses it.
//!
//! aws-lc is generous with public keys: it also takes bare EC points and raw keys, EC keys
//! with explicit curve parameters, and RSA keys labelled `id-RSASSA-PSS` with parameters of
//! their own (which it then ignores). AWS exchanges public keys only as plain SPKI — named
//! curves, `rsaEncryption` — and Wycheproof marks the others invalid, so this module admits
//! exactly that: one DER SEQUENCE, nothing after it, and for RSA and ECC the one
//! AlgorithmIdentifier of the spec. aws-lc then checks everything else (the key itself, that
//! the point is on the curve).

use crate::key_spec::AsymmetricSpec;

/// The DER AlgorithmIdentifiers a SubjectPublicKeyInfo of `spec` may carry, where aws-lc would
/// accept more than AWS means: RSA keys must be `rsaEncryption` (not `id-RSASSA-PSS` with
/// parameters of its own), EC keys must name their curve (no explicit curve parameters).
fn allowed_algorithm_identifiers(spec: AsymmetricSpec) -> &'static [&'static [u8]] {
    const RSA_ENCRYPTION: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    const RSA_ENCRYPTION_NO_NULL: &[u8] = &[
        0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
    ];
    const P256: &[u8] = &[
        0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86,
        0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
    ];
    const P384: &[u8] = &[
        0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81,
        0x04, 0x00, 0x22,
    ];
    const P521: &[u8] = &[
        0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81,
        0x04, 0x00, 0x23,
    ];
    const SECP256K1: &[u8] = &[
        0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81,
        0x04, 0x00, 0x0a,
    ];
    match spec {
        AsymmetricSpec::Rsa2048 | AsymmetricSpec::Rsa3072 | AsymmetricSpec::Rsa4096 => {
            &[RSA_ENCRYPTION, RSA_ENCRYPTION_NO_NULL]
        }
        AsymmetricSpec::EccNistP256 => &[P256],
        AsymmetricSpec::EccNistP384 => &[P384],
        AsymmetricSpec::EccNistP521 => &[P521],
        AsymmetricSpec::EccSecgP256k1 => &[SECP256K1],
        // aws-lc accepts exactly one key type (and no parameters) for these.
        AsymmetricSpec::EccNistEdwards25519
        | AsymmetricSpec::MlDsa44
        | AsymmetricSpec::MlDsa65
        | AsymmetricSpec::MlDsa87 => &[],
    }
}

/// One DER TLV split off the front of some bytes.
struct Tlv<'a> {
    tag: u8,
    /// The whole encoding: tag, length and contents.
    whole: &'a [u8],
    contents: &'a [u8],
    rest: &'a [u8],
}

/// Splits one DER TLV off `input` (definite lengths of up to two bytes, enough for any SPKI
/// here); `None` if it is truncated or uses another length form.
fn der_tlv(input: &[u8]) -> Option<Tlv<'_>> {
    let tag = *input.first()?;
    let first = usize::from(*input.get(1)?);
    let (header_len, contents_len) = match first {
        0..=0x7f => (2, first),
        0x81 => (3, usize::from(*input.get(2)?)),
        0x82 => (
            4,
            usize::from(*input.get(2)?) << 8 | usize::from(*input.get(3)?),
        ),
        _ => return None,
    };
    let end = header_len + contents_len;
    Some(Tlv {
        tag,
        whole: input.get(..end)?,
        contents: input.get(header_len..end)?,
        rest: input.get(end..)?,
    })
}

/// Whether `spki` is exactly one DER SEQUENCE whose AlgorithmIdentifier `spec` allows.
pub(crate) fn has_allowed_algorithm(spec: AsymmetricSpec, spki: &[u8]) -> bool {
    let Some(outer) = der_tlv(spki) else {
        return false;
    };
    if outer.tag != 0x30 || !outer.rest.is_empty() {
        return false;
    }
    let allowed = allowed_algorithm_identifiers(spec);
    if allowed.is_empty() {
        return true;
    }
    der_tlv(outer.contents).is_some_and(|algorithm| allowed.contains(&algorithm.whole))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths() {
        let short = [0x04, 0x02, 0xaa, 0xbb, 0xcc];
        let tlv = der_tlv(&short).unwrap();
        assert_eq!(
            (tlv.tag, tlv.contents, tlv.rest),
            (0x04, &[0xaa, 0xbb][..], &[0xcc][..])
        );
        let mut long = vec![0x30, 0x81, 0x80];
        long.extend([7u8; 0x80]);
        assert_eq!(der_tlv(&long).unwrap().contents.len(), 0x80);
        let mut longer = vec![0x30, 0x82, 0x01, 0x00];
        longer.extend([7u8; 0x100]);
        assert_eq!(der_tlv(&longer).unwrap().whole.len(), 0x104);
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x02, 0x01],
            &[0x30, 0x81],
            &[0x30, 0x82, 0x01],
            &[0x30, 0x83, 0, 0, 1, 0],
            &[0x30, 0x80, 0, 0],
        ] {
            assert!(der_tlv(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn algorithm_identifiers() {
        let mut p256 = vec![0x30, 0x59];
        p256.extend_from_slice(allowed_algorithm_identifiers(AsymmetricSpec::EccNistP256)[0]);
        p256.extend([0x03, 0x42, 0x00, 0x04]);
        p256.extend([1u8; 64]);
        assert!(has_allowed_algorithm(AsymmetricSpec::EccNistP256, &p256));
        assert!(!has_allowed_algorithm(AsymmetricSpec::EccNistP384, &p256));
        assert!(!has_allowed_algorithm(AsymmetricSpec::Rsa2048, &p256));
        let mut trailing = p256.clone();
        trailing.push(0);
        assert!(!has_allowed_algorithm(
            AsymmetricSpec::EccNistP256,
            &trailing
        ));
        assert!(!has_allowed_algorithm(
            AsymmetricSpec::EccNistP256,
            &p256[..p256.len() - 1]
        ));
        // Ed25519 and ML-DSA: the SEQUENCE is enough here, aws-lc checks the rest.
        assert!(has_allowed_algorithm(
            AsymmetricSpec::EccNistEdwards25519,
            &p256
        ));
        assert!(!has_allowed_algorithm(AsymmetricSpec::MlDsa44, &p256[2..]));
    }
}
