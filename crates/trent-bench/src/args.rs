//! The flags of `trent bench`, and the checks that turn them into [`Settings`].
//!
//! # Why the checks are here
//!
//! A benchmark that fails half-way (after creating keys, after a warm-up) for a reason that was
//! known from its flags wastes a run and leaves keys behind. So every combination that cannot
//! work, an RSA key for `GenerateMac`, a 300-byte plaintext for RSA-2048, `--rate` with
//! `RawSign`, is refused here, before anything is sent. What only the server knows (the spec of
//! a `--key-id`) is checked again in setup with the same functions.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail};

use crate::operations::{KeySpec, Operation, SigningAlgorithm};

/// How long a run lasts when neither `--duration` nor `--count` is given.
pub const DEFAULT_DURATION_SECONDS: f64 = 10.0;

/// `trent bench`: load an AWS-KMS-compatible endpoint with SigV4-signed requests.
///
/// Flatten it into a binary as a subcommand (`Bench(trent_bench::BenchArgs)`); it brings its own
/// `--endpoint`, `--region`, `--profile` and `--ca-bundle`, so do not flatten another set of
/// those beside it.
#[derive(Clone, Debug, clap::Args)]
pub struct BenchArgs {
    /// The endpoint to load: http://host:port or https://host:port.
    #[arg(long, env = "TRENT_ENDPOINT", default_value = "http://127.0.0.1:4599")]
    pub endpoint: String,

    /// The operation to measure. RawSign needs no server: it signs with aws-lc-rs directly.
    #[arg(long, value_enum, ignore_case = true, default_value = "Encrypt")]
    pub operation: Operation,

    /// Concurrent workers, each with its own keep-alive connection (threads for RawSign).
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,

    /// Seconds to measure, after the warm-up [default: 10 unless --count is given].
    #[arg(long, value_name = "SECONDS", conflicts_with = "count")]
    pub duration: Option<f64>,

    /// Measure exactly this many requests instead of a duration.
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,

    /// Seconds of load before measuring starts; requests in it are not counted.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0)]
    pub warmup: f64,

    /// Open loop: send this many requests per second in total, on a fixed schedule, and measure
    /// latency from when each request was due (so a slow server cannot hide its queue).
    /// Without it every worker sends its next request as soon as the last is answered.
    #[arg(long, value_name = "REQUESTS_PER_SECOND")]
    pub rate: Option<f64>,

    /// The region to sign for [default: AWS_REGION, AWS_DEFAULT_REGION, then us-east-1].
    #[arg(long)]
    pub region: Option<String>,

    /// The profile of the shared credentials file (read by the caller that loads credentials).
    #[arg(long)]
    pub profile: Option<String>,

    /// Use this existing key instead of creating one (its spec is learned with DescribeKey).
    #[arg(long)]
    pub key_id: Option<String>,

    /// The spec of the key to create [default: ECC_NIST_P256 for Sign, Verify and RawSign,
    /// HMAC_256 for GenerateMac and VerifyMac, SYMMETRIC_DEFAULT otherwise].
    #[arg(long, value_enum, ignore_case = true)]
    pub key_spec: Option<KeySpec>,

    /// The signing algorithm of Sign, Verify and RawSign [default: RSASSA_PSS_SHA_256 for RSA,
    /// ECDSA with the curve's hash, ED25519_SHA_512 for Ed25519].
    #[arg(long, value_enum, ignore_case = true)]
    pub signing_algorithm: Option<SigningAlgorithm>,

    /// Size of the plaintext (Encrypt, Decrypt, ReEncrypt), message (Sign, Verify, RawSign,
    /// GenerateMac, VerifyMac) or random output (GenerateRandom), like a data key by default.
    #[arg(long, value_name = "BYTES", default_value_t = 32)]
    pub payload_bytes: usize,

    /// PEM file of CA certificates to trust for an https endpoint (instead of the system's).
    #[arg(long, env = "AWS_CA_BUNDLE")]
    pub ca_bundle: Option<PathBuf>,

    /// Seconds after which an unanswered request counts as a Timeout error.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,

    /// Keep the keys made for the run (by default their deletion is scheduled afterwards).
    #[arg(long)]
    pub keep_keys: bool,

    /// Threads of the load generator's own runtime [default: one per core] (run_blocking only).
    #[arg(long)]
    pub threads: Option<usize>,

    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// When the measured phase ends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Limit {
    /// After this long (requests already sent are still awaited and counted).
    Duration(Duration),
    /// After exactly this many measured requests.
    Count(u64),
}

/// [`BenchArgs`] checked and with every default applied.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub operation: Operation,
    pub endpoint: String,
    pub region: String,
    pub ca_bundle: Option<PathBuf>,
    pub concurrency: usize,
    pub limit: Limit,
    pub warmup: Duration,
    pub rate: Option<f64>,
    pub timeout: Duration,
    pub key_id: Option<String>,
    /// The explicit or default spec; with `--key-id`, setup learns the real one.
    pub key_spec: Option<KeySpec>,
    pub signing_algorithm: Option<SigningAlgorithm>,
    pub payload_bytes: usize,
    pub keep_keys: bool,
}

impl BenchArgs {
    /// The region requests are signed for: `--region`, else `AWS_REGION`, else
    /// `AWS_DEFAULT_REGION`, else `us-east-1` (the order the AWS CLI uses).
    pub fn region(&self) -> String {
        self.region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok())
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
            .filter(|region| !region.is_empty())
            .unwrap_or_else(|| "us-east-1".to_owned())
    }

    /// Checks the flags against each other and applies the defaults.
    pub(crate) fn settings(&self) -> anyhow::Result<Settings> {
        let operation = self.operation;
        if self.concurrency == 0 {
            bail!("--concurrency must be at least 1");
        }
        let limit = match (self.duration, self.count) {
            (Some(_), Some(_)) => bail!("give --duration or --count, not both"),
            (_, Some(0)) => bail!("--count must be at least 1"),
            (_, Some(count)) => Limit::Count(count),
            (Some(seconds), None) => Limit::Duration(positive_seconds("--duration", seconds)?),
            (None, None) => Limit::Duration(Duration::from_secs_f64(DEFAULT_DURATION_SECONDS)),
        };
        let warmup = if self.warmup == 0.0 {
            Duration::ZERO
        } else {
            positive_seconds("--warmup", self.warmup)?
        };
        let timeout = positive_seconds("--timeout", self.timeout)?;
        if let Some(rate) = self.rate {
            if !(rate.is_finite() && rate > 0.0) {
                bail!("--rate must be a positive number of requests per second");
            }
            if operation == Operation::RawSign {
                bail!("--rate applies to requests to an endpoint, not to RawSign");
            }
        }

        let key_spec = match self.key_spec {
            Some(_) if operation == Operation::GenerateRandom => {
                bail!("GenerateRandom uses no key: drop --key-spec")
            }
            Some(spec) if !operation.accepts(spec) => {
                bail!("{} cannot use a {} key", operation.name(), spec.name())
            }
            Some(spec) => Some(spec),
            None => operation.default_key_spec(),
        };
        if self.key_id.is_some() {
            if matches!(
                operation,
                Operation::CreateKey | Operation::GenerateRandom | Operation::RawSign
            ) {
                bail!("{} uses no existing key: drop --key-id", operation.name());
            }
            if self.key_spec.is_some() {
                bail!("--key-spec describes a key to create: drop it when giving --key-id");
            }
        }
        if self.signing_algorithm.is_some()
            && !matches!(
                operation,
                Operation::Sign | Operation::Verify | Operation::RawSign
            )
        {
            bail!("--signing-algorithm applies to Sign, Verify and RawSign only");
        }

        let settings = Settings {
            operation,
            endpoint: self.endpoint.clone(),
            region: self.region(),
            ca_bundle: self.ca_bundle.clone(),
            concurrency: self.concurrency,
            limit,
            warmup,
            rate: self.rate,
            timeout,
            key_id: self.key_id.clone(),
            key_spec,
            signing_algorithm: self.signing_algorithm,
            payload_bytes: self.payload_bytes,
            keep_keys: self.keep_keys,
        };
        if self.key_id.is_none() {
            settings.check_payload_for(key_spec)?;
            if let Some(spec) = key_spec
                && matches!(
                    operation,
                    Operation::Sign | Operation::Verify | Operation::RawSign
                )
            {
                settings.signing_algorithm_for(spec)?;
            }
        }
        Ok(settings)
    }
}

impl Settings {
    /// Refuses a `--payload-bytes` the operation cannot take with a key of `spec`.
    pub(crate) fn check_payload_for(&self, spec: impl Into<Option<KeySpec>>) -> anyhow::Result<()> {
        let spec = spec.into();
        match self.operation.payload_bounds(spec) {
            Some((low, high)) if !(low..=high).contains(&self.payload_bytes) => {
                let with = spec.map(|s| format!(" with a {} key", s.name()));
                bail!(
                    "--payload-bytes for {}{} must be between {low} and {high}",
                    self.operation.name(),
                    with.unwrap_or_default()
                )
            }
            _ => Ok(()),
        }
    }

    /// The signing algorithm to use with a key of `spec`: `--signing-algorithm` if it fits,
    /// else the spec's usual one.
    pub(crate) fn signing_algorithm_for(&self, spec: KeySpec) -> anyhow::Result<SigningAlgorithm> {
        match self.signing_algorithm {
            Some(algorithm) if algorithm.fits(spec) => Ok(algorithm),
            Some(algorithm) => bail!(
                "--signing-algorithm {} does not fit a {} key",
                algorithm.name(),
                spec.name()
            ),
            None => spec
                .default_signing_algorithm()
                .ok_or_else(|| anyhow!("a {} key cannot sign", spec.name())),
        }
    }
}

fn positive_seconds(flag: &str, seconds: f64) -> anyhow::Result<Duration> {
    if !(seconds.is_finite() && seconds > 0.0) {
        bail!("{flag} must be a positive number of seconds");
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| anyhow!("{flag} is too large"))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        bench: BenchArgs,
    }

    fn parse(args: &[&str]) -> anyhow::Result<Settings> {
        let mut argv = vec!["bench", "--endpoint", "http://127.0.0.1:1"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv)?.bench.settings()
    }

    #[test]
    fn defaults_are_ten_seconds_of_encrypt_with_a_symmetric_key() {
        let settings = parse(&[]).unwrap();
        assert_eq!(settings.operation, Operation::Encrypt);
        assert_eq!(settings.limit, Limit::Duration(Duration::from_secs(10)));
        assert_eq!(settings.key_spec, Some(KeySpec::SymmetricDefault));
        assert_eq!(settings.payload_bytes, 32);
        assert_eq!(settings.rate, None);
    }

    #[test]
    fn names_are_the_kms_ones_in_any_case() {
        let settings = parse(&[
            "--operation",
            "sign",
            "--key-spec",
            "ecc_nist_edwards25519",
            "--count",
            "5",
        ])
        .unwrap();
        assert_eq!(settings.operation, Operation::Sign);
        assert_eq!(settings.key_spec, Some(KeySpec::EccNistEdwards25519));
        assert_eq!(settings.limit, Limit::Count(5));
        assert_eq!(
            settings
                .signing_algorithm_for(KeySpec::EccNistEdwards25519)
                .unwrap(),
            SigningAlgorithm::Ed25519Sha512
        );
    }

    #[test]
    fn impossible_combinations_are_refused_before_anything_is_sent() {
        let refused = |args: &[&str], expected: &str| {
            let err = parse(args).unwrap_err().to_string();
            assert!(err.contains(expected), "{args:?}: {err}");
        };
        refused(&["--duration", "1", "--count", "2"], "--count");
        refused(&["--concurrency", "0"], "--concurrency");
        refused(&["--duration", "0"], "--duration");
        refused(&["--warmup=-1"], "--warmup");
        refused(
            &["--operation", "Sign", "--key-spec", "SYMMETRIC_DEFAULT"],
            "cannot use",
        );
        refused(
            &["--operation", "GenerateMac", "--key-spec", "RSA_2048"],
            "cannot use",
        );
        refused(
            &[
                "--operation",
                "Encrypt",
                "--key-spec",
                "RSA_2048",
                "--payload-bytes",
                "191",
            ],
            "between 1 and 190",
        );
        refused(&["--payload-bytes", "4097"], "between 1 and 4096");
        refused(&["--operation", "RawSign", "--rate", "100"], "--rate");
        refused(&["--rate", "0"], "--rate");
        refused(
            &[
                "--operation",
                "Sign",
                "--key-spec",
                "RSA_2048",
                "--signing-algorithm",
                "ECDSA_SHA_256",
            ],
            "does not fit",
        );
        refused(
            &["--signing-algorithm", "ECDSA_SHA_256"],
            "Sign, Verify and RawSign",
        );
        refused(
            &["--key-id", "k", "--key-spec", "SYMMETRIC_DEFAULT"],
            "--key-spec",
        );
        refused(&["--operation", "CreateKey", "--key-id", "k"], "--key-id");
    }

    #[test]
    fn region_prefers_the_flag() {
        let cli = Cli::try_parse_from(["bench", "--region", "eu-west-3"]).unwrap();
        assert_eq!(cli.bench.region(), "eu-west-3");
    }
}
