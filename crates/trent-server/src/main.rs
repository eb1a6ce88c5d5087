//! `trent`: the Trent server and its command-line client.
//!
//! `trent serve` runs the KMS endpoint. Every other subcommand is a client, like `aws`: it signs
//! a request with the usual AWS credential sources and sends it to a running server, so the same
//! authorization applies whether an operator uses the CLI or the API.

mod admin;
mod api;
mod auth;
mod client;
mod credentials;
mod metrics;
mod serve;
mod throttle;

use std::path::PathBuf;

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
    /// Manage accounts, users and access keys on a running server (administrators only).
    Admin {
        #[command(flatten)]
        target: client::Target,
        #[command(subcommand)]
        command: AdminCommand,
    },
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
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("trent: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
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
    println!("{}", serde_json::to_string_pretty(&response)?);
    Ok(())
}

/// Where `trent serve` keeps its state unless told otherwise.
fn default_data_dir() -> PathBuf {
    PathBuf::from("trent-data")
}
