//! `trent bench` before (or without) the `trent` binary: the same flags, credentials from
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.
//!
//! ```text
//! cargo run --release -p trent-bench --example bench -- --operation Sign --key-spec RSA_2048 \
//!     --concurrency 8 --duration 10 --warmup 1
//! ```

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "bench",
    about = "Load an AWS-KMS-compatible endpoint with signed requests"
)]
struct Cli {
    #[command(flatten)]
    bench: trent_bench::BenchArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let variable = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let credentials = match (
        variable("AWS_ACCESS_KEY_ID"),
        variable("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Some(id), Some(secret)) => {
            let credentials = trent_bench::Credentials::new(id, secret);
            match variable("AWS_SESSION_TOKEN") {
                Some(token) => credentials.with_session_token(token),
                None => credentials,
            }
        }
        // RawSign signs nothing over the wire.
        _ => trent_bench::Credentials::new("", ""),
    };
    match trent_bench::run_blocking(&cli.bench, credentials) {
        Ok(report) => {
            println!("{}", report.render(cli.bench.json));
            std::process::ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("bench: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
