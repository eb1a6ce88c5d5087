//! Health, readiness and Prometheus metrics of a running server.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use aws_sdk_kms::primitives::Blob;
use common::{Server, dev_client, raw_get};

#[tokio::test(flavor = "multi_thread")]
async fn health_readiness_and_metrics() {
    let audit = tempfile::tempdir().unwrap();
    let server = Server::start(
        &[
            "serve",
            "--dev",
            "--listen",
            "127.0.0.1:0",
            "--audit-dir",
            audit.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(raw_get(&server.endpoint, "/healthz").0, 200);
    assert_eq!(raw_get(&server.endpoint, "/readyz").0, 200);

    let client = dev_client(&server).await;
    let key = client.create_key().send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id();
    for _ in 0..3 {
        client
            .encrypt()
            .key_id(key_id)
            .plaintext(Blob::new(b"x".to_vec()))
            .send()
            .await
            .unwrap();
    }
    client
        .describe_key()
        .key_id("alias/missing")
        .send()
        .await
        .unwrap_err();

    let (status, text) = raw_get(&server.endpoint, "/metrics");
    assert_eq!(status, 200);
    assert!(
        text.contains(r#"trent_requests_total{operation="Encrypt",outcome="ok"} 3"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#"trent_requests_total{operation="DescribeKey",outcome="NotFoundException"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains("trent_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("trent_key_cache_total"), "{text}");
    for family in [
        "trent_audit_fsync_seconds_bucket",
        "trent_audit_records_total",
        "trent_audit_queue_depth",
        "trent_audit_batch_records_bucket{le=\"1\"}",
        "trent_store_commit_seconds_bucket",
        "trent_keys{state=",
    ] {
        assert!(text.contains(family), "{family} missing: {text}");
    }

    // An independent parser must accept the whole exposition (prometheus_client, installed by
    // scripts/test).
    let mut parser = Command::new("python3")
        .args([
            "-c",
            "import sys\nfrom prometheus_client.parser import text_string_to_metric_families as parse\n\
             families = list(parse(sys.stdin.read()))\nprint(len(families))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 with prometheus_client (scripts/test installs it)");
    parser
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = parser.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let families: usize = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap();
    assert!(families >= 3, "{families}");
}

#[tokio::test(flavor = "multi_thread")]
async fn request_quota_answers_throttling_exception() {
    let server = Server::start(
        &[
            "serve",
            "--dev",
            "--listen",
            "127.0.0.1:0",
            "--request-quota",
            "5",
        ],
        None,
    );
    let client = aws_sdk_kms::Client::from_conf(
        dev_client(&server)
            .await
            .config()
            .to_builder()
            .retry_config(aws_sdk_kms::config::retry::RetryConfig::disabled())
            .build(),
    );
    let mut throttled = 0;
    for _ in 0..20 {
        if let Err(err) = client.list_keys().send().await {
            let (code, message) = common::error_of(&err);
            assert_eq!(code, "ThrottlingException");
            assert_eq!(
                message,
                "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls."
            );
            throttled += 1;
        }
    }
    assert!(throttled >= 10, "{throttled}");
    let (_, text) = raw_get(&server.endpoint, "/metrics");
    assert!(text.contains("trent_throttled_total"), "{text}");
}

#[test]
fn the_console_is_served_by_trent_serve() {
    let server = Server::dev();
    let (status, body) = raw_get(&server.endpoint, "/console/sign-in");
    assert_eq!(status, 200);
    assert!(body.contains("Access key ID"), "{body}");
}

/// `--dev` looks for due work every second unless `--work-interval` says otherwise; the
/// `trent_keys` gauge, counted by that pass, shows when it last ran.
#[tokio::test(flavor = "multi_thread")]
async fn the_work_interval_applies_in_test_mode_too() {
    let every_second = Server::dev();
    let hourly = Server::start(
        &[
            "serve",
            "--dev",
            "--listen",
            "127.0.0.1:0",
            "--work-interval",
            "3600",
        ],
        None,
    );
    for server in [&every_second, &hourly] {
        dev_client(server).await.create_key().send().await.unwrap();
    }
    let enabled_keys = |server: &Server| {
        let (_, text) = raw_get(&server.endpoint, "/metrics");
        text.lines()
            .find_map(|line| line.strip_prefix(r#"trent_keys{state="Enabled"} "#))
            .map(str::to_owned)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while enabled_keys(&every_second).as_deref() != Some("1") {
        assert!(std::time::Instant::now() < deadline, "no pass within 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // By now the every-second server has run a pass after its key was made; the hourly one
    // still shows its start-up count.
    assert_eq!(enabled_keys(&hourly).as_deref(), Some("0"));
}
