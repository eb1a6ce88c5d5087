//! Asymmetric and HMAC keys against independent implementations: Python `cryptography`, the
//! `openssl` CLI and Python's `hmac` (tests/smoke/asymmetric_interop.py).

mod common;

use std::process::Command;

use common::Server;

#[test]
fn signatures_oaep_ecdh_and_macs_interoperate() {
    let server = Server::dev();
    let script = format!(
        "{}/tests/smoke/asymmetric_interop.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let output = Command::new("python3")
        .arg(&script)
        .env("TRENT_ENDPOINT", &server.endpoint)
        .env_remove("AWS_PROFILE")
        .output()
        .expect("python3 with boto3 and cryptography (scripts/test installs them)");
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
