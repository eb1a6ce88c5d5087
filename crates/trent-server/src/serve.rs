//! `trent serve`: start-up, listeners, TLS, background work and graceful shutdown.
//!
//! With no flags it runs from `./trent-data`: the first start creates the root key file (0600),
//! the store, the domain key and an administrator whose credentials it prints once and writes to
//! `trent-data/credentials`. `--dev` instead keeps everything in memory with a fixed identity,
//! for test suites.

use std::fs;
use std::net::SocketAddr;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rustls_pki_types::pem::PemObject;
use trent_core::{AdjustableClock, Clock, Kms, Settings, SystemClock, identity::FixedIdentity};
use trent_crypto::WrappingKey;
use trent_protocol::sigv4::SigningKeyCache;
use trent_store::{SqliteStore, Store};

use crate::api::{AppState, DevState, router};
use crate::credentials;

/// Access keys whose SigV4 signing keys stay derived (one entry per key, day and region).
const SIGNING_KEY_CACHE_SIZE: usize = 10_000;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where keys, the root key file and the first credentials live.
    #[arg(long, env = "TRENT_DATA_DIR", default_value = "trent-data")]
    data_dir: PathBuf,
    /// Address to listen on. Anything but loopback needs TLS (or --allow-insecure-http).
    #[arg(long, env = "TRENT_LISTEN", default_value = "127.0.0.1:4599")]
    listen: String,
    /// Regions this deployment serves (repeat or comma-separate); the request's SigV4 scope picks one.
    #[arg(
        long = "region",
        env = "TRENT_REGION",
        default_value = "us-east-1",
        value_delimiter = ','
    )]
    regions: Vec<String>,
    /// PEM certificate chain for TLS.
    #[arg(long, env = "TRENT_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for TLS.
    #[arg(long, env = "TRENT_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve plain HTTP on a non-loopback address (credentials and plaintexts travel unprotected).
    #[arg(long)]
    allow_insecure_http: bool,
    /// Test mode: in-memory state, a fixed identity, /moto-api/reset and an adjustable clock.
    #[arg(long, env = "TRENT_DEV")]
    dev: bool,
    /// Test mode's account id.
    #[arg(long, env = "TRENT_DEV_ACCOUNT_ID", default_value = "000000000000")]
    dev_account_id: String,
    /// Test mode's access key id.
    #[arg(long, env = "TRENT_DEV_ACCESS_KEY_ID", default_value = "test")]
    dev_access_key_id: String,
    /// Test mode's secret access key.
    #[arg(
        long,
        env = "TRENT_DEV_SECRET_ACCESS_KEY",
        default_value = "test",
        hide_env_values = true
    )]
    dev_secret_access_key: String,
    /// Services whose `alias/aws/<service>` keys are created on first use (comma-separated;
    /// default: a list of common AWS services, see the README).
    #[arg(long, env = "TRENT_AWS_MANAGED_SERVICES", value_delimiter = ',')]
    pub aws_managed_services: Vec<String>,
    /// Requests per second each account may make (0: no quota); beyond it, ThrottlingException.
    #[arg(long, env = "TRENT_REQUEST_QUOTA", default_value_t = 0)]
    pub request_quota: u32,
    /// How often to look for keys due for deletion or rotation, in seconds [default: 60; 1 with
    /// --dev, so that a test moving the clock sees the result at once].
    #[arg(long, env = "TRENT_WORK_INTERVAL")]
    work_interval: Option<u64>,
    /// Where the audit trail is written (default: `<data-dir>/audit`; in test mode there is no
    /// trail unless this is given).
    #[arg(long, env = "TRENT_AUDIT_DIR")]
    audit_dir: Option<PathBuf>,
    /// Serve without an audit trail. Only for measuring what the trail costs: nothing the
    /// server does is recorded.
    #[arg(long, env = "TRENT_NO_AUDIT")]
    no_audit: bool,
    /// While the machine's CPUs are saturated, audit syncs start at least this many
    /// microseconds apart: each fsync costs the kernel the same CPU whatever its size, so
    /// bigger batches leave more CPU for requests. With idle CPU every batch is synced at once.
    /// 0: never hold a batch.
    #[arg(long, env = "TRENT_AUDIT_SYNC_INTERVAL_US", default_value_t = 1000)]
    audit_sync_interval_us: u64,
    /// Zero-fill the next audit segment file ahead of the writer, so a sync does not also
    /// write the file's growing size. Helps on ext4 and xfs; turn it off on copy-on-write
    /// filesystems (btrfs, ZFS), where it only adds writes.
    #[arg(long, env = "TRENT_AUDIT_PREPARE_SEGMENTS", default_value_t = true, action = clap::ArgAction::Set)]
    audit_prepare_segments: bool,
    /// Remove audit segments sealed more than this many days ago (checked hourly, and at
    /// start); fractions allowed. 0 keeps the whole trail. The same as running
    /// `trent audit prune --older-than-days N` from cron.
    #[arg(long, env = "TRENT_AUDIT_RETAIN_DAYS", default_value_t = 0.0)]
    audit_retain_days: f64,
    /// Log format on stderr.
    #[arg(long, env = "TRENT_LOG_FORMAT", value_enum, default_value = "text")]
    log_format: LogFormat,
}

impl ServeArgs {
    fn journal_options(&self) -> trent_audit::JournalOptions {
        trent_audit::JournalOptions {
            min_sync_interval: Duration::from_micros(self.audit_sync_interval_us),
            prepare_segments: self.audit_prepare_segments,
            ..trent_audit::JournalOptions::default()
        }
    }
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    init_logging(args.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(args))
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TRENT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let address: SocketAddr = args
        .listen
        .parse()
        .with_context(|| format!("--listen {} is not HOST:PORT", args.listen))?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tls_acceptor(cert, key)?),
        _ => None,
    };
    if tls.is_none() && !address.ip().is_loopback() && !args.allow_insecure_http {
        bail!(
            "refusing to serve plain HTTP on {address}: give --tls-cert and --tls-key, or --allow-insecure-http if you really mean it"
        );
    }
    for region in &args.regions {
        if !is_region_name(region) {
            bail!("--region {region} is not a region name like us-east-1");
        }
    }

    let state = Arc::new(if args.dev {
        open_dev(&args)?
    } else {
        open_data_dir(&args)?
    });
    match state.kms.run_due_work() {
        Ok(done) => tracing::info!(
            deleted = done.deleted,
            rotated = done.rotated,
            "start-up work done"
        ),
        Err(err) => tracing::error!(error = %err, "start-up work failed"),
    }
    let interval = args
        .work_interval
        .unwrap_or(if args.dev { 1 } else { 60 })
        .max(1);
    tokio::spawn(background_work(
        state.kms.clone(),
        Duration::from_secs(interval),
    ));
    if let Some(journal) = &state.audit
        && args.audit_retain_days > 0.0
    {
        let retain = Duration::try_from_secs_f64(args.audit_retain_days * 86_400.0)
            .context("--audit-retain-days is out of range")?;
        tokio::spawn(prune_audit_trail(
            journal.dir().to_path_buf(),
            retain,
            retain.min(Duration::from_secs(3600)),
        ));
    }

    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address}"))?;
    let bound = listener.local_addr()?;
    // Handlers are installed before anyone can know the address, so an early SIGTERM drains too.
    let shutdown = shutdown_signal()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    // Tests and scripts read this line to find the port when --listen uses port 0.
    println!(
        "Trent listening on {scheme}://{bound} (regions: {})",
        args.regions.join(", ")
    );
    tracing::info!(%bound, dev = args.dev, "listening");

    let kms = state.kms.clone();
    let audit = state.audit.clone();
    let app = router(state.clone()).merge(trent_console::router(
        Arc::new(crate::console::Backend(state)),
        trent_console::ConsoleOptions {
            secure_cookies: tls.is_some(),
        },
    ));
    let graceful = GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        tracing::warn!(error = %err, "accept failed");
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                // Requests carry the client's address and whether TLS protects them (the
                // console, aws:SourceIp and aws:SecureTransport, the audit trail).
                let secure = crate::api::SecureTransport(tls.is_some());
                let service = TowerToHyperService::new(tower::ServiceExt::map_request(
                    app.clone(),
                    move |mut request: axum::http::Request<hyper::body::Incoming>| {
                        request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                        request.extensions_mut().insert(secure);
                        request
                    },
                ));
                let builder = builder.clone();
                let watcher = graceful.watcher();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let result = match tls {
                        Some(acceptor) => match acceptor.accept(stream).await {
                            Ok(stream) => watcher.watch(builder.serve_connection(TokioIo::new(stream), service).into_owned()).await,
                            Err(err) => {
                                tracing::debug!(error = %err, "TLS handshake failed");
                                return;
                            }
                        },
                        None => watcher.watch(builder.serve_connection(TokioIo::new(stream), service).into_owned()).await,
                    };
                    if let Err(err) = result {
                        tracing::debug!(error = %err, "connection ended with an error");
                    }
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("shutting down: finishing in-flight requests");
    if tokio::time::timeout(Duration::from_secs(30), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections did not finish within 30 s");
    }
    if let Err(err) = tokio::task::block_in_place(|| kms.flush_key_usage()) {
        tracing::error!(error = %err, "could not save key usage at shutdown");
    }
    if let Some(journal) = &audit
        && let Err(err) = tokio::task::block_in_place(|| journal.close())
    {
        tracing::error!(error = %err, "could not seal the audit trail at shutdown");
    }
    Ok(())
}

/// Installs the SIGTERM and SIGINT handlers now and returns a future that ends at either signal.
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}

/// Due work every `every`, the first one interval after start (start-up has just done it).
async fn background_work(kms: Arc<Kms>, every: Duration) {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let kms = kms.clone();
        let work = move || {
            kms.flush_key_usage()?;
            kms.run_due_work()
        };
        match tokio::task::spawn_blocking(work).await {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => tracing::error!(error = %err, "background work failed"),
            Err(err) => tracing::error!(error = %err, "background work panicked"),
        }
    }
}

/// Retention of the audit trail: every `every`, the segments sealed more than `retain` ago go.
async fn prune_audit_trail(dir: std::path::PathBuf, retain: Duration, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let dir = dir.clone();
        let prune = move || trent_audit::prune_older_than(&dir, retain);
        match tokio::task::spawn_blocking(prune).await {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => tracing::error!(error = %err, "pruning the audit trail failed"),
            Err(err) => tracing::error!(error = %err, "pruning the audit trail panicked"),
        }
    }
}

fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    (3..=4).contains(&parts.len())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

fn settings(args: &ServeArgs) -> Settings {
    let mut settings = Settings::default();
    if !args.aws_managed_services.is_empty() {
        settings.managed_services = args.aws_managed_services.clone();
    }
    settings
}

fn open_dev(args: &ServeArgs) -> anyhow::Result<AppState> {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory()?);
    let root_key = WrappingKey::generate();
    let clock = Arc::new(AdjustableClock::default());
    let kms = Kms::open(
        store,
        &root_key,
        clock.clone() as Arc<dyn Clock>,
        settings(args),
    )?;
    let identity = FixedIdentity {
        account_id: args.dev_account_id.clone(),
        access_key_id: args.dev_access_key_id.clone(),
        secret_access_key: args.dev_secret_access_key.clone(),
    };
    kms.bootstrap(Some(&identity))
        .map_err(|e| anyhow::anyhow!("bootstrap failed: {e}"))?;
    println!(
        "Test mode: in-memory state; account {} with access key id {} (secret as configured).",
        identity.account_id, identity.access_key_id
    );
    Ok(AppState {
        signing_keys: SigningKeyCache::new(SIGNING_KEY_CACHE_SIZE),
        metrics: crate::metrics::Metrics::install(),
        quotas: crate::throttle::Quotas::new(args.request_quota),
        kms: Arc::new(kms),
        regions: args.regions.clone(),
        secure_transport: args.tls_cert.is_some(),
        audit: match (&args.audit_dir, args.no_audit) {
            (Some(dir), false) => Some(crate::trail::open(
                dir,
                None,
                &root_key,
                args.journal_options(),
            )?),
            _ => None,
        },
        dev: Some(DevState {
            identity,
            clock,
            root_key,
        }),
    })
}

/// Creates `dir` (and its parents) readable by the owner only, unless it exists.
pub(crate) fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
    }
    Ok(())
}

fn open_data_dir(args: &ServeArgs) -> anyhow::Result<AppState> {
    let dir = &args.data_dir;
    create_private_dir(dir)?;
    let (root_key, created) = trent_crypto::load_or_create_root_key_file(&dir.join("root.key"))
        .with_context(|| format!("root key in {}", dir.display()))?;
    if created {
        println!(
            "Created the root key {} — back it up: without it nothing in this directory can be decrypted.",
            dir.join("root.key").display()
        );
    }
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.join("trent.db"))?);
    let kms = Kms::open(store, &root_key, Arc::new(SystemClock), settings(args))?;
    if let Some(admin) = kms
        .bootstrap(None)
        .map_err(|e| anyhow::anyhow!("bootstrap failed: {e}"))?
    {
        let secret = String::from_utf8_lossy(admin.secret_access_key.expose()).into_owned();
        let path = dir.join("credentials");
        let region = args
            .regions
            .first()
            .map(String::as_str)
            .unwrap_or("us-east-1");
        credentials::write_file(&path, &admin.access_key_id, &secret, region)?;
        print_first_credentials(
            &admin.account_id,
            &admin.user_arn,
            &admin.access_key_id,
            &secret,
            &path,
            args,
        );
    }
    Ok(AppState {
        signing_keys: SigningKeyCache::new(SIGNING_KEY_CACHE_SIZE),
        metrics: crate::metrics::Metrics::install(),
        quotas: crate::throttle::Quotas::new(args.request_quota),
        kms: Arc::new(kms),
        regions: args.regions.clone(),
        secure_transport: args.tls_cert.is_some(),
        audit: if args.no_audit {
            tracing::warn!("--no-audit: requests are served without an audit trail");
            None
        } else {
            let audit_dir = args.audit_dir.clone().unwrap_or_else(|| dir.join("audit"));
            Some(crate::trail::open(
                &audit_dir,
                Some(&dir.join("audit-signing.key")),
                &root_key,
                args.journal_options(),
            )?)
        },
        dev: None,
    })
}

fn print_first_credentials(
    account: &str,
    arn: &str,
    id: &str,
    secret: &str,
    path: &Path,
    args: &ServeArgs,
) {
    println!("First start: created account {account} and its administrator {arn}.");
    println!("  AccessKeyId:     {id}");
    println!("  SecretAccessKey: {secret}");
    println!(
        "These are shown once and saved in {} (mode 0600). Try:",
        path.display()
    );
    println!(
        "  AWS_SHARED_CREDENTIALS_FILE={} aws --endpoint-url http://{} kms list-keys",
        path.display(),
        args.listen
    );
}

fn tls_acceptor(cert: &Path, key: &Path) -> anyhow::Result<tokio_rustls::TlsAcceptor> {
    let chain = rustls_pki_types::CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("cannot read {}", cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("bad certificate PEM in {}", cert.display()))?;
    let key = rustls_pki_types::PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("cannot read a private key from {}", key.display()))?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in ["us-east-1", "eu-west-2", "us-gov-west-1", "ap-southeast-3"] {
            assert!(is_region_name(ok), "{ok}");
        }
        for bad in ["us", "us-east", "US-east-1", "us-east-x", "us--1"] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }
}
