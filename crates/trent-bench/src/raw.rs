//! `RawSign`: signing with aws-lc-rs directly, on the same cores, with no server in between.
//!
//! # Why it exists
//!
//! A server's `Sign` throughput means little alone: RSA-2048 signing costs about a millisecond
//! of CPU, Ed25519 a few dozen microseconds. Dividing the server's `Sign` req/s by what the
//! library achieves with the same number of threads on the same machine gives the share of the
//! CPU the server spends on cryptography, the figure the performance work is judged by. The
//! message, the algorithm and the report are those of `--operation Sign`, so the two runs are
//! directly comparable.

use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, RsaEncoding, RsaKeyPair};

use crate::args::Settings;
use crate::client::Failure;
use crate::engine::{Schedule, Turn};
use crate::operations::{KeySpec, SigningAlgorithm, random_bytes};
use crate::report::{Measured, Tally};

/// A private key ready to sign, as the server would hold it.
enum RawSigner {
    Rsa {
        key: RsaKeyPair,
        padding: &'static dyn RsaEncoding,
    },
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

impl RawSigner {
    fn generate(spec: KeySpec, algorithm: SigningAlgorithm) -> anyhow::Result<RawSigner> {
        let failed = |_| anyhow!("aws-lc-rs cannot generate a {} key", spec.name());
        let rsa = |size| RsaKeyPair::generate(size).map_err(failed);
        let ecdsa = |alg| EcdsaKeyPair::generate(alg).map_err(failed);
        Ok(match (spec, algorithm) {
            (KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096, _) => {
                let size = match spec {
                    KeySpec::Rsa2048 => KeySize::Rsa2048,
                    KeySpec::Rsa3072 => KeySize::Rsa3072,
                    _ => KeySize::Rsa4096,
                };
                RawSigner::Rsa {
                    key: rsa(size)?,
                    padding: rsa_padding(algorithm)?,
                }
            }
            (KeySpec::EccNistP256, _) => {
                RawSigner::Ecdsa(ecdsa(&signature::ECDSA_P256_SHA256_ASN1_SIGNING)?)
            }
            (KeySpec::EccSecgP256k1, _) => {
                RawSigner::Ecdsa(ecdsa(&signature::ECDSA_P256K1_SHA256_ASN1_SIGNING)?)
            }
            (KeySpec::EccNistP384, _) => {
                RawSigner::Ecdsa(ecdsa(&signature::ECDSA_P384_SHA384_ASN1_SIGNING)?)
            }
            (KeySpec::EccNistP521, _) => {
                RawSigner::Ecdsa(ecdsa(&signature::ECDSA_P521_SHA512_ASN1_SIGNING)?)
            }
            (KeySpec::EccNistEdwards25519, _) => {
                RawSigner::Ed25519(Ed25519KeyPair::generate().map_err(failed)?)
            }
            _ => bail!("a {} key cannot sign", spec.name()),
        })
    }

    /// Signs `message` into `out` (reused between calls, as a server would reuse buffers).
    fn sign(&self, rng: &SystemRandom, message: &[u8], out: &mut Vec<u8>) -> Result<(), Failure> {
        let failed = |_| Failure::new("SigningError", "aws-lc-rs refused to sign");
        match self {
            RawSigner::Rsa { key, padding } => {
                out.resize(key.public_modulus_len(), 0);
                key.sign(*padding, rng, message, out).map_err(failed)
            }
            RawSigner::Ecdsa(key) => {
                let signature = key.sign(rng, message).map_err(failed)?;
                out.clear();
                out.extend_from_slice(signature.as_ref());
                Ok(())
            }
            RawSigner::Ed25519(key) => {
                let signature = key.sign(message);
                out.clear();
                out.extend_from_slice(signature.as_ref());
                Ok(())
            }
        }
    }
}

fn rsa_padding(algorithm: SigningAlgorithm) -> anyhow::Result<&'static dyn RsaEncoding> {
    Ok(match algorithm {
        SigningAlgorithm::RsassaPssSha256 => &signature::RSA_PSS_SHA256,
        SigningAlgorithm::RsassaPssSha384 => &signature::RSA_PSS_SHA384,
        SigningAlgorithm::RsassaPssSha512 => &signature::RSA_PSS_SHA512,
        SigningAlgorithm::RsassaPkcs1V15Sha256 => &signature::RSA_PKCS1_SHA256,
        SigningAlgorithm::RsassaPkcs1V15Sha384 => &signature::RSA_PKCS1_SHA384,
        SigningAlgorithm::RsassaPkcs1V15Sha512 => &signature::RSA_PKCS1_SHA512,
        other => bail!("{} is not an RSA signing algorithm", other.name()),
    })
}

/// Signs on `--concurrency` threads for the duration or count, one key shared by all (as one
/// server key is shared by all requests).
pub(crate) fn measure(settings: &Settings) -> anyhow::Result<Measured> {
    let spec = settings
        .key_spec
        .ok_or_else(|| anyhow!("RawSign needs a key spec"))?;
    let algorithm = settings.signing_algorithm_for(spec)?;
    let signer = RawSigner::generate(spec, algorithm)?;
    let message = random_bytes(settings.payload_bytes)?;
    let schedule = Schedule::new(settings, Instant::now());

    let tallies: Vec<std::thread::Result<Tally>> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..settings.concurrency)
            .map(|_| scope.spawn(|| sign_until_stopped(&signer, &message, &schedule)))
            .collect();
        threads.into_iter().map(|thread| thread.join()).collect()
    });
    let mut total = Tally::new(false);
    for tally in tallies {
        total.merge(
            tally
                .map_err(|_| anyhow!("a signing thread panicked"))
                .context("RawSign failed")?,
        );
    }
    Ok(Measured {
        tally: total,
        measure_from: schedule.measure_from(),
    })
}

fn sign_until_stopped(signer: &RawSigner, message: &[u8], schedule: &Schedule) -> Tally {
    let rng = SystemRandom::new();
    let mut tally = Tally::new(false);
    let mut out = Vec::with_capacity(1024);
    loop {
        let started = Instant::now();
        let turn = schedule.turn(started);
        if turn == Turn::Stop {
            break;
        }
        let outcome = signer.sign(&rng, message, &mut out);
        let done = Instant::now();
        if turn == Turn::Measure {
            match outcome {
                Ok(()) => tally.success(done - started, done - started, done),
                Err(failure) => tally.failure(failure, done),
            }
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signing_spec_signs_something_verifiable() {
        let rng = SystemRandom::new();
        let message = b"measured message";
        for spec in [
            KeySpec::Rsa2048,
            KeySpec::EccNistP256,
            KeySpec::EccNistP384,
            KeySpec::EccNistP521,
            KeySpec::EccSecgP256k1,
            KeySpec::EccNistEdwards25519,
        ] {
            let algorithm = spec.default_signing_algorithm().unwrap();
            let signer = RawSigner::generate(spec, algorithm).unwrap();
            let mut out = Vec::new();
            signer.sign(&rng, message, &mut out).unwrap();
            assert!(!out.is_empty(), "{}", spec.name());
            if let RawSigner::Ed25519(key) = &signer {
                use aws_lc_rs::signature::KeyPair;
                signature::UnparsedPublicKey::new(&signature::ED25519, key.public_key().as_ref())
                    .verify(message, &out)
                    .unwrap();
            }
        }
        assert!(RawSigner::generate(KeySpec::Hmac256, SigningAlgorithm::EcdsaSha256).is_err());
        assert!(rsa_padding(SigningAlgorithm::EcdsaSha256).is_err());
    }
}
