//! `trent`: the Trent server and its command-line client.
//!
//! `trent serve` runs the KMS endpoint. Every other subcommand is a client, like `aws`: it signs
//! a request with the usual AWS credential sources and sends it to a running server, so the same
//! authorization applies whether an operator uses the CLI or the API.

/// `println!` that returns the write's error instead of panicking, so that `trent audit query |
/// head` ends quietly when `head` has read enough (see [`is_broken_pipe`]).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

mod admin;
mod api;
mod auth;
mod client;
mod console;
mod credentials;
mod metrics;
mod serve;
mod sts;
mod throttle;
mod trail;

use std::path::PathBuf;

/// A request allocates many small objects on several threads at once; mimalloc's per-thread
/// heaps avoid the contention glibc's allocator showed under load (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "trent",
    version,
    about = "Trent: a self-hosted key management service that speaks the AWS KMS API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Load an AWS-KMS-compatible endpoint with SigV4-signed requests and report throughput and
    /// latency (credentials from the usual AWS sources).
    Bench(trent_bench::BenchArgs),
    /// Manage accounts, users and access keys on a running server (administrators only).
    Admin {
        #[command(flatten)]
        target: client::Target,
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Read and check the audit trail, offline, from its files.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Ask how key policies, identity policies and grants decide a request (administrators).
    Policy {
        #[command(flatten)]
        target: client::Target,
        #[command(subcommand)]
        command: PolicyCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Prove the trail is complete and unchanged: checks every line's hash chain and every
    /// signed digest. Exits non-zero and names file, line and record on any problem.
    Verify {
        #[command(flatten)]
        location: AuditLocation,
        /// A public key (PEM file) the digests must be signed with; repeat for several. Without
        /// it the keys in the trail's own audit-public-keys.pem are used, which proves only
        /// self-consistency.
        #[arg(long = "public-key")]
        public_keys: Vec<PathBuf>,
        /// Accept records after the last signed digest (a running server's newest records).
        #[arg(long)]
        allow_unsigned_tail: bool,
        /// Accept a trail whose oldest segments are gone (after `trent audit prune`).
        #[arg(long)]
        allow_pruned_start: bool,
        /// Fail unless the trail still holds the record with this sequence number or an
        /// earlier one (a starting point kept elsewhere: pruned no further than expected).
        #[arg(long)]
        expect_first_seq: Option<u64>,
        /// Fail unless the trail reaches at least this sequence number (a point kept
        /// elsewhere, e.g. from an earlier verify: nothing was cut from its end since).
        #[arg(long)]
        expect_last_seq: Option<u64>,
    },
    /// Remove the oldest segments, sealed more than the given number of days ago (never the
    /// newest segment; safe while the server runs). What remains verifies with
    /// `verify --allow-pruned-start`.
    Prune {
        #[command(flatten)]
        location: AuditLocation,
        /// Keep segments sealed within this many days.
        #[arg(long)]
        older_than_days: u64,
    },
    /// Print the newest events as JSON lines (oldest first).
    Tail {
        #[command(flatten)]
        location: AuditLocation,
        #[command(flatten)]
        filter: AuditFilter,
        /// How many events.
        #[arg(short = 'n', long, default_value_t = 20)]
        lines: usize,
        /// Keep printing events as they are appended.
        #[arg(long, short = 'f')]
        follow: bool,
    },
    /// Print the events matching the filters as JSON lines (oldest first).
    Query {
        #[command(flatten)]
        location: AuditLocation,
        #[command(flatten)]
        filter: AuditFilter,
        /// At most this many events.
        #[arg(long)]
        limit: Option<usize>,
    },
}

#[derive(Debug, Args)]
struct AuditLocation {
    /// The server's data directory (the trail is its `audit` directory).
    #[arg(long, env = "TRENT_DATA_DIR", default_value = "trent-data")]
    data_dir: PathBuf,
    /// The trail's directory, if not `<data-dir>/audit`.
    #[arg(long, env = "TRENT_AUDIT_DIR")]
    audit_dir: Option<PathBuf>,
}

impl AuditLocation {
    fn dir(&self) -> PathBuf {
        self.audit_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit"))
    }
}

#[derive(Debug, Args)]
struct AuditFilter {
    /// Events at or after this time (RFC 3339, e.g. 2026-11-28T00:00:00Z).
    #[arg(long)]
    start: Option<String>,
    /// Events at or before this time.
    #[arg(long)]
    end: Option<String>,
    /// Events about this key (id or ARN).
    #[arg(long)]
    key: Option<String>,
    /// Events of this principal (ARN or access key id).
    #[arg(long)]
    principal: Option<String>,
    /// Events of this operation, e.g. Decrypt.
    #[arg(long)]
    event_name: Option<String>,
    /// Events that failed with this error code (`*` for any error).
    #[arg(long)]
    error_code: Option<String>,
}

impl AuditFilter {
    fn to_query(&self, limit: Option<usize>) -> anyhow::Result<trent_audit::QueryFilter> {
        let time = |text: &Option<String>| -> anyhow::Result<Option<std::time::SystemTime>> {
            text.as_deref()
                .map(|t| {
                    trent_audit::parse_time(t)
                        .ok_or_else(|| anyhow::anyhow!("{t:?} is not an RFC 3339 time"))
                })
                .transpose()
        };
        Ok(trent_audit::QueryFilter {
            start: time(&self.start)?,
            end: time(&self.end)?,
            key: self.key.clone(),
            principal: self.principal.clone(),
            event_name: self.event_name.clone(),
            error_code: self.error_code.clone(),
            limit,
        })
    }
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Would PRINCIPAL be allowed ACTION on KEY? Prints the decision and the statements (or
    /// grant) that decided it; changes nothing.
    Simulate(SimulateArgs),
}

#[derive(Debug, Args)]
struct SimulateArgs {
    /// A user ARN, a role ARN (one of its sessions) or an assumed-role session ARN.
    #[arg(long)]
    principal: String,
    /// The action, e.g. `kms:Decrypt`.
    #[arg(long)]
    action: String,
    /// The key (ARN, or key id / alias in the principal's account). Not needed for actions
    /// without a key, such as kms:CreateKey.
    #[arg(long)]
    key_id: Option<String>,
    /// The region of the request (default: the region this command signs for).
    #[arg(long)]
    request_region: Option<String>,
    /// An encryption context pair `key=value`; repeat for more.
    #[arg(long = "encryption-context", value_parser = parse_tag)]
    encryption_context: Vec<(String, String)>,
    /// The operation's request parameters as JSON (or @FILE), for condition keys such as
    /// kms:SigningAlgorithm or kms:GrantOperations.
    #[arg(long)]
    parameters: Option<String>,
    /// The caller's IP address (aws:SourceIp).
    #[arg(long)]
    source_ip: Option<String>,
    /// Whether the request arrives over TLS (aws:SecureTransport).
    #[arg(long)]
    secure_transport: bool,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create an account (a random 12-digit id unless --account-id is given).
    CreateAccount {
        #[arg(long)]
        account_id: Option<String>,
    },
    /// Create a user in an account.
    CreateUser {
        #[arg(long = "account")]
        account: String,
        #[arg(long)]
        name: String,
        /// The user may manage accounts, users and access keys.
        #[arg(long)]
        administrator: bool,
    },
    /// Create an access key for a user; the secret is shown only now.
    CreateAccessKey {
        /// The user's ARN (`arn:aws:iam::<account>:user/<name>`).
        #[arg(long)]
        user: String,
    },
    /// List the users of an account.
    ListUsers {
        #[arg(long = "account")]
        account: String,
    },
    /// Create a role that principals named by its trust policy may assume through STS.
    CreateRole {
        #[arg(long = "account")]
        account: String,
        #[arg(long)]
        name: String,
        /// The trust policy (JSON text, or @FILE).
        #[arg(long)]
        assume_role_policy_document: String,
    },
    /// List the roles of an account.
    ListRoles {
        #[arg(long = "account")]
        account: String,
    },
    /// Add or replace an inline identity policy of a user.
    PutUserPolicy {
        /// The user's ARN.
        #[arg(long)]
        user: String,
        #[arg(long)]
        policy_name: String,
        /// The policy (JSON text, or @FILE).
        #[arg(long)]
        policy_document: String,
    },
    /// Add or replace an inline identity policy of a role.
    PutRolePolicy {
        /// The role's ARN.
        #[arg(long)]
        role: String,
        #[arg(long)]
        policy_name: String,
        /// The policy (JSON text, or @FILE).
        #[arg(long)]
        policy_document: String,
    },
    /// Remove an inline policy of a user.
    DeleteUserPolicy {
        #[arg(long)]
        user: String,
        #[arg(long)]
        policy_name: String,
    },
    /// Remove an inline policy of a role.
    DeleteRolePolicy {
        #[arg(long)]
        role: String,
        #[arg(long)]
        policy_name: String,
    },
    /// List the inline policies of a user or role.
    ListEntityPolicies {
        /// The user's or role's ARN.
        #[arg(long)]
        arn: String,
    },
    /// Add or replace tags of a user (`--tags Key=team,Value=blue ...`).
    TagUser {
        #[arg(long)]
        user: String,
        #[arg(long, num_args = 1.., value_parser = parse_tag)]
        tags: Vec<(String, String)>,
    },
    /// Add or replace tags of a role.
    TagRole {
        #[arg(long)]
        role: String,
        #[arg(long, num_args = 1.., value_parser = parse_tag)]
        tags: Vec<(String, String)>,
    },
    /// Test mode only: move the server's clock forward, then run deletions and rotations that
    /// have fallen due.
    AdvanceClock(AdvanceClockArgs),
}

#[derive(Debug, Args)]
struct AdvanceClockArgs {
    #[arg(long, default_value_t = 0.0)]
    seconds: f64,
    #[arg(long, default_value_t = 0.0)]
    days: f64,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Admin { target, command } => run_admin(target, command),
        Command::Bench(args) => run_bench(&args),
        Command::Audit { command } => run_audit(command),
        Command::Policy {
            target,
            command: PolicyCommand::Simulate(args),
        } => run_simulate(target, args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("trent: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Whether the command failed only because whoever read its output stopped reading (a pipe into
/// `head`): like other command-line tools, `trent` then stops without a message.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run_bench(args: &trent_bench::BenchArgs) -> anyhow::Result<()> {
    if args.operation == trent_bench::Operation::RawSign {
        // Signs locally; no request is sent, so no credentials are needed.
        let unused = trent_bench::Credentials::new("", "");
        let report = trent_bench::run_blocking(args, unused)?;
        say!("{}", report.render(args.json))?;
        return Ok(());
    }
    let loaded = credentials::load(args.profile.as_deref())?;
    let mut credentials =
        trent_bench::Credentials::new(loaded.access_key_id, loaded.secret_access_key);
    if let Some(token) = loaded.session_token {
        credentials = credentials.with_session_token(token);
    }
    let report = trent_bench::run_blocking(args, credentials)?;
    say!("{}", report.render(args.json))?;
    Ok(())
}

fn run_admin(target: client::Target, command: AdminCommand) -> anyhow::Result<()> {
    use serde_json::json;
    let (operation, body) = match command {
        AdminCommand::CreateAccount { account_id } => {
            ("CreateAccount", json!({ "AccountId": account_id }))
        }
        AdminCommand::CreateUser {
            account,
            name,
            administrator,
        } => (
            "CreateUser",
            json!({ "AccountId": account, "UserName": name, "Administrator": administrator }),
        ),
        AdminCommand::CreateAccessKey { user } => ("CreateAccessKey", json!({ "UserArn": user })),
        AdminCommand::ListUsers { account } => ("ListUsers", json!({ "AccountId": account })),
        AdminCommand::CreateRole {
            account,
            name,
            assume_role_policy_document,
        } => (
            "CreateRole",
            json!({
                "AccountId": account,
                "RoleName": name,
                "AssumeRolePolicyDocument": document_text(&assume_role_policy_document)?,
            }),
        ),
        AdminCommand::ListRoles { account } => ("ListRoles", json!({ "AccountId": account })),
        AdminCommand::PutUserPolicy {
            user: arn,
            policy_name,
            policy_document,
        }
        | AdminCommand::PutRolePolicy {
            role: arn,
            policy_name,
            policy_document,
        } => (
            "PutEntityPolicy",
            json!({
                "Arn": arn,
                "PolicyName": policy_name,
                "PolicyDocument": document_text(&policy_document)?,
            }),
        ),
        AdminCommand::DeleteUserPolicy {
            user: arn,
            policy_name,
        }
        | AdminCommand::DeleteRolePolicy {
            role: arn,
            policy_name,
        } => (
            "DeleteEntityPolicy",
            json!({ "Arn": arn, "PolicyName": policy_name }),
        ),
        AdminCommand::ListEntityPolicies { arn } => ("ListEntityPolicies", json!({ "Arn": arn })),
        AdminCommand::TagUser { user: arn, tags } | AdminCommand::TagRole { role: arn, tags } => (
            "TagEntity",
            json!({
                "Arn": arn,
                "Tags": tags
                    .iter()
                    .map(|(k, v)| json!({ "Key": k, "Value": v }))
                    .collect::<Vec<_>>(),
            }),
        ),
        AdminCommand::AdvanceClock(AdvanceClockArgs { seconds, days }) => (
            "AdvanceClock",
            json!({ "Seconds": seconds + days * 86_400.0 }),
        ),
    };
    let response = client::call(
        &target,
        &format!("{}{operation}", admin::TARGET_PREFIX),
        &body,
    )?;
    say!("{}", serde_json::to_string_pretty(&response)?)?;
    Ok(())
}

fn run_audit(command: AuditCommand) -> anyhow::Result<()> {
    use std::io::Write as _;
    let print = |events: Vec<Box<serde_json::value::RawValue>>| -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        for event in events {
            writeln!(out, "{}", event.get())?;
        }
        out.flush()?;
        Ok(())
    };
    match command {
        AuditCommand::Verify {
            location,
            public_keys,
            allow_unsigned_tail,
            allow_pruned_start,
            expect_first_seq,
            expect_last_seq,
        } => {
            let keys = public_keys
                .iter()
                .map(|path| {
                    std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let report = trent_audit::verify(&location.dir(), &keys)?;
            say!("{report}")?;
            let mut good = report.is_consistent()
                && (allow_unsigned_tail
                    || report.unsigned_tail_records + report.torn_tail_bytes == 0)
                && (allow_pruned_start || report.pruned_segments == 0);
            if let Some(expected) = expect_first_seq
                && (report.records == 0 || report.first_seq > expected)
            {
                say!(
                    "  expected the trail to hold seq {expected}; it starts at seq {}",
                    report.first_seq
                )?;
                good = false;
            }
            if let Some(expected) = expect_last_seq
                && report.last_seq < expected
            {
                say!(
                    "  expected the trail to reach seq {expected}; it ends at seq {}",
                    report.last_seq
                )?;
                good = false;
            }
            if !good {
                anyhow::bail!(
                    "the audit trail in {} did not verify",
                    location.dir().display()
                );
            }
            Ok(())
        }
        AuditCommand::Tail {
            location,
            filter,
            lines,
            follow,
        } => {
            let query = filter.to_query(None)?;
            print(trent_audit::tail(&location.dir(), lines, &query)?)?;
            if follow {
                let mut follower = trent_audit::Follower::from_end(&location.dir(), query)?;
                loop {
                    std::thread::sleep(std::time::Duration::from_millis(500));
                    print(follower.poll()?)?;
                }
            }
            Ok(())
        }
        AuditCommand::Query {
            location,
            filter,
            limit,
        } => print(trent_audit::query(
            &location.dir(),
            &filter.to_query(limit)?,
        )?),
        AuditCommand::Prune {
            location,
            older_than_days,
        } => {
            let age = std::time::Duration::from_secs(older_than_days.saturating_mul(86_400));
            let report = trent_audit::prune_older_than(&location.dir(), age)?;
            for path in &report.removed {
                say!("removed {}", path.display())?;
            }
            match report.first_kept {
                Some(first) => say!("the trail now starts at segment {first}")?,
                None => say!("the trail has no segments")?,
            }
            Ok(())
        }
    }
}

fn run_simulate(target: client::Target, args: SimulateArgs) -> anyhow::Result<()> {
    let parameters = match &args.parameters {
        Some(text) => Some(serde_json::from_str::<serde_json::Value>(&document_text(
            text,
        )?)?),
        None => None,
    };
    let context = (!args.encryption_context.is_empty()).then(|| {
        args.encryption_context
            .iter()
            .cloned()
            .collect::<std::collections::BTreeMap<_, _>>()
    });
    let body = serde_json::json!({
        "PrincipalArn": args.principal,
        "Action": args.action,
        "KeyId": args.key_id,
        "Region": args.request_region,
        "EncryptionContext": context,
        "Parameters": parameters,
        "SourceIp": args.source_ip,
        "SecureTransport": args.secure_transport,
    });
    let response = client::call(
        &target,
        &format!("{}SimulatePolicy", admin::TARGET_PREFIX),
        &body,
    )?;
    say!("{}", serde_json::to_string_pretty(&response)?)?;
    Ok(())
}

/// A policy given inline or as `@FILE`, as the AWS CLI accepts `file://`.
fn document_text(value: &str) -> anyhow::Result<String> {
    use anyhow::Context as _;
    match value
        .strip_prefix('@')
        .or_else(|| value.strip_prefix("file://"))
    {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("cannot read {path}")),
        None => Ok(value.to_string()),
    }
}

/// `Key=team,Value=blue` (the AWS CLI's shorthand) or `team=blue`.
fn parse_tag(value: &str) -> Result<(String, String), String> {
    if let Some(rest) = value.strip_prefix("Key=")
        && let Some((key, tag_value)) = rest.split_once(",Value=")
    {
        return Ok((key.to_string(), tag_value.to_string()));
    }
    value
        .split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("{value:?} is not Key=K,Value=V"))
}

/// Where `trent serve` keeps its state unless told otherwise.
fn default_data_dir() -> PathBuf {
    PathBuf::from("trent-data")
}
