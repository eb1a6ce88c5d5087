//! The real AWS CLI, boto3 and the AWS Encryption SDK CLI against a real server (all installed by
//! `scripts/test`).

mod common;

use std::process::Command;

use common::Server;

fn run(program: &str, script: &str, server: &Server) {
    let path = format!("{}/tests/smoke/{script}", env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(program)
        .arg(&path)
        .env("TRENT_ENDPOINT", &server.endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (scripts/test installs it): {e}"));
    assert!(
        output.status.success(),
        "{script} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn aws_cli_runs_the_symmetric_lifecycle() {
    run("bash", "aws_cli_lifecycle.sh", &Server::dev());
}

#[test]
fn boto3_runs_the_symmetric_lifecycle() {
    run("python3", "boto3_lifecycle.py", &Server::dev());
}

#[test]
fn encryption_sdk_cli_encrypts_and_decrypts_through_trent() {
    run("bash", "encryption_sdk_cli.sh", &Server::dev());
}
