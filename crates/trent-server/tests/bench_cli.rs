//! `trent bench` against a real server: every operation class runs, signs with the usual AWS
//! credential sources, and reports JSON with the agreed fields.

mod common;

use common::{Server, trent};

fn bench(server: &Server, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "bench",
        "--endpoint",
        &server.endpoint,
        "--concurrency",
        "2",
        "--count",
        "100",
        "--json",
    ];
    args.extend_from_slice(extra);
    let (ok, out, err) = trent(
        &args,
        &[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ],
    );
    assert!(ok, "trent bench {extra:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn bench_reports_json_for_symmetric_operations() {
    let server = Server::dev();
    for operation in [
        "Encrypt",
        "Decrypt",
        "GenerateDataKey",
        "ReEncrypt",
        "DescribeKey",
        "CreateKey",
    ] {
        let report = bench(&server, &["--operation", operation]);
        assert_eq!(report["errors"], 0, "{operation}: {report}");
        assert_eq!(report["requests"], 100, "{operation}: {report}");
        for field in ["req_per_s", "p50_ms", "p90_ms", "p99_ms", "p999_ms"] {
            assert!(
                report[field].as_f64().is_some_and(|v| v > 0.0),
                "{operation}: {field} in {report}"
            );
        }
    }
}

#[test]
fn raw_sign_needs_no_server_and_no_credentials() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trent"))
        .args([
            "bench",
            "--operation",
            "RawSign",
            "--concurrency",
            "2",
            "--count",
            "50",
            "--json",
        ])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["requests"], 50, "{report}");
    assert_eq!(report["errors"], 0, "{report}");
}

/// `trent bench … | head -1`: when the reader has gone, the command ends quietly (it panicked
/// with "failed printing to stdout" before).
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trent"))
        .args([
            "bench",
            "--operation",
            "RawSign",
            "--concurrency",
            "1",
            "--count",
            "20",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.trim().is_empty(), "{stderr}");
}
