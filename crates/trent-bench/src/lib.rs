//! `trent bench`: a load generator that signs every request with SigV4 and measures how fast
//! an AWS-KMS-compatible endpoint answers.
//!
//! # Why it exists
//!
//! Trent's performance claims have to be measured the way clients use it: real HTTP/1.1
//! keep-alive connections, a fresh SigV4 signature on every request, the JSON 1.1 protocol.
//! Generic HTTP load tools cannot sign, and the AWS SDKs are too heavy to load a server from
//! the same two cores it runs on. This crate is small enough to be cheap (bodies are built once,
//! each request costs one signature) and speaks only the public KMS protocol, so the same run
//! can be pointed at Trent, at `moto_server` or at any other KMS look-alike for comparison.
//!
//! It also measures signing with aws-lc-rs directly (`--operation RawSign`), the ceiling a
//! server's `Sign` throughput is compared with.
//!
//! # How a run goes
//!
//! 1. [`BenchArgs`] is checked ([`args`]), before anything is sent.
//! 2. Setup, not timed ([`operations`]): the key(s) the operation needs are created (or the
//!    `--key-id` given is described), and what the timed request needs is made once: a
//!    ciphertext for `Decrypt`, a signature for `Verify`, and so on.
//! 3. The timed phase ([`engine`]): `--concurrency` workers, each with its own connection
//!    ([`client`]), send the same pre-built body, signed afresh, until the duration or count
//!    is reached; latencies go into per-worker histograms ([`histogram`]) merged at the end.
//! 4. A [`Report`] ([`report`]) as a text table or JSON; the keys made in setup are scheduled
//!    for deletion unless `--keep-keys`.
//!
//! # Wiring it into a binary
//!
//! ```text
//! #[derive(clap::Subcommand)]
//! enum Command { Bench(trent_bench::BenchArgs), /* … */ }
//!
//! Command::Bench(args) => {
//!     let creds = load_credentials(args.profile.as_deref())?;
//!     let report = trent_bench::run_blocking(&args, trent_bench::Credentials::new(id, secret))?;
//!     println!("{}", report.render(args.json));
//! }
//! ```

pub mod args;
pub mod client;
mod engine;
pub mod histogram;
pub mod operations;
mod raw;
pub mod report;

use std::fmt;
use std::sync::Arc;

pub use args::BenchArgs;
pub use operations::{KeySpec, Operation, SigningAlgorithm};
pub use report::{Percentiles, Report};

/// The credentials every request is signed with, owned (the caller loads them from wherever
/// AWS credentials usually come from). `Debug` never shows the secret or the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The access key id (`AKIA…`, `ASIA…` or whatever the endpoint issued).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token of temporary credentials, sent as `X-Amz-Security-Token`.
    pub session_token: Option<String>,
}

impl Credentials {
    /// Long-term credentials: an access key id and its secret.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
        }
    }

    /// The same credentials with a session token (temporary credentials).
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(token.into());
        self
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Runs one benchmark as `args` says and returns its report.
///
/// Needs a multi-threaded Tokio runtime to spread the workers over the cores (on a
/// current-thread runtime every worker shares one thread). `RawSign` needs no endpoint and
/// ignores `credentials`. Fails before the timed phase if the arguments are inconsistent, the
/// endpoint cannot be reached or setup is refused; once timing starts, failed requests are
/// counted in the report, not returned as errors.
pub async fn run(args: &BenchArgs, credentials: Credentials) -> anyhow::Result<Report> {
    let settings = args.settings()?;
    if settings.operation == Operation::RawSign {
        let for_threads = settings.clone();
        let measured = tokio::task::spawn_blocking(move || raw::measure(&for_threads)).await??;
        return Ok(Report::new(&settings, None, settings.key_spec, measured));
    }

    let endpoint = Arc::new(
        client::Endpoint::resolve(&settings.endpoint, settings.ca_bundle.as_deref()).await?,
    );
    let signer = Arc::new(client::Signer::new(
        credentials,
        &settings.region,
        endpoint.authority(),
    ));
    let mut setup = client::Client::new(endpoint.clone(), signer.clone());
    let prepared = operations::prepare(&mut setup, &settings).await?;
    let measured = engine::drive(&endpoint, &signer, &prepared.call, &settings).await;
    if settings.keep_keys {
        if !prepared.created_keys.is_empty() {
            tracing::info!(keys = ?prepared.created_keys, "keeping the keys made for the run");
        }
    } else {
        operations::clean_up(&mut setup, &prepared.created_keys).await;
    }
    Ok(Report::new(
        &settings,
        Some(endpoint.url()),
        prepared.key_spec,
        measured?,
    ))
}

/// [`run`] on a runtime of its own with `--threads` worker threads (default: one per core),
/// for a binary whose `main` is not async.
pub fn run_blocking(args: &BenchArgs, credentials: Credentials) -> anyhow::Result<Report> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = args.threads {
        builder.worker_threads(threads.max(1));
    }
    let runtime = builder.enable_all().build()?;
    runtime.block_on(run(args, credentials))
}
