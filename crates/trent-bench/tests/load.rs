//! The load generator against a fake KMS that verifies every signature: each operation sets up
//! and runs, errors are counted by type, and the report says what really happened.

mod fake_kms;

use clap::Parser;
use fake_kms::{Behaviour, FakeKms};
use trent_bench::{BenchArgs, Credentials, Report};

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    bench: BenchArgs,
}

fn args(endpoint: &str, flags: &[&str]) -> BenchArgs {
    let mut argv = vec![
        "bench",
        "--endpoint",
        endpoint,
        "--region",
        fake_kms::REGION,
    ];
    argv.extend_from_slice(flags);
    Cli::try_parse_from(argv).expect("valid flags").bench
}

fn credentials() -> Credentials {
    Credentials::new(fake_kms::ACCESS_KEY_ID, fake_kms::SECRET)
}

async fn run(endpoint: &str, flags: &[&str]) -> Report {
    trent_bench::run(&args(endpoint, flags), credentials())
        .await
        .unwrap_or_else(|err| panic!("{flags:?}: {err:#}"))
}

fn assert_all_ok(report: &Report, count: u64) {
    assert_eq!(report.requests, count, "{report}");
    assert_eq!(report.ok, count, "{report}");
    assert_eq!(report.errors, 0, "{report}");
    assert!(report.errors_by_type.is_empty(), "{report}");
    assert!(report.req_per_s > 0.0, "{report}");
    assert!(report.latency.p50_ms > 0.0, "{report}");
    assert!(report.latency.p50_ms <= report.latency.p99_ms, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_sets_up_and_runs_against_a_verifying_server() {
    let server = FakeKms::start(Behaviour::default()).await;
    let cases: &[(&str, &[&str], usize)] = &[
        ("Encrypt", &[], 1),
        (
            "Encrypt",
            &["--key-spec", "RSA_2048", "--payload-bytes", "190"],
            1,
        ),
        ("Decrypt", &[], 1),
        ("Decrypt", &["--key-spec", "RSA_3072"], 1),
        ("GenerateDataKey", &[], 1),
        ("GenerateDataKeyWithoutPlaintext", &[], 1),
        ("ReEncrypt", &[], 2),
        ("Sign", &["--key-spec", "RSA_2048"], 1),
        ("Sign", &["--key-spec", "ECC_NIST_P256"], 1),
        ("Sign", &["--key-spec", "ECC_NIST_EDWARDS25519"], 1),
        (
            "Verify",
            &[
                "--key-spec",
                "RSA_2048",
                "--signing-algorithm",
                "RSASSA_PKCS1_V1_5_SHA_256",
            ],
            1,
        ),
        ("Verify", &["--key-spec", "ECC_NIST_P256"], 1),
        ("Verify", &["--key-spec", "ECC_NIST_EDWARDS25519"], 1),
        ("GenerateMac", &[], 1),
        ("VerifyMac", &["--key-spec", "HMAC_512"], 1),
        ("DescribeKey", &[], 1),
        ("GenerateRandom", &["--payload-bytes", "64"], 0),
    ];
    let mut deleted = 0;
    for (operation, extra, keys_made) in cases {
        let before = server.calls(operation);
        let mut flags = vec![
            "--operation",
            operation,
            "--count",
            "20",
            "--concurrency",
            "3",
        ];
        flags.extend_from_slice(extra);
        let report = run(&server.url, &flags).await;
        assert_eq!(report.operation, *operation);
        assert_all_ok(&report, 20);
        // Setup may call the operation itself once (Verify signs through Sign, not Verify).
        assert_eq!(
            server.calls(operation) - before,
            20,
            "{operation} {extra:?}"
        );
        deleted += keys_made;
        assert_eq!(
            server.deleted_keys(),
            deleted,
            "{operation}: keys made must be cleaned up"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_key_makes_one_key_per_request_and_no_setup_key() {
    let server = FakeKms::start(Behaviour::default()).await;
    let report = run(
        &server.url,
        &[
            "--operation",
            "CreateKey",
            "--key-spec",
            "ECC_NIST_P384",
            "--count",
            "15",
        ],
    )
    .await;
    assert_all_ok(&report, 15);
    assert_eq!(report.key_spec.as_deref(), Some("ECC_NIST_P384"));
    assert_eq!(server.calls("CreateKey"), 15);
    assert_eq!(server.deleted_keys(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_requests_are_counted_by_type_and_reported_in_json() {
    let server = FakeKms::start(Behaviour {
        throttle: Some(("Encrypt", 4)),
        ..Behaviour::default()
    })
    .await;
    let report = run(
        &server.url,
        &[
            "--operation",
            "Encrypt",
            "--count",
            "200",
            "--concurrency",
            "4",
        ],
    )
    .await;
    assert_eq!(server.calls("Encrypt"), 200);
    assert_eq!(report.requests, 200);
    assert_eq!(report.errors, 50);
    assert_eq!(report.ok, 150);
    assert_eq!(report.errors_by_type.len(), 1, "{report}");
    assert_eq!(report.errors_by_type["ThrottlingException"], 50);
    assert_eq!(
        report.error_examples["ThrottlingException"],
        "Rate exceeded"
    );
    assert!(report.ok_per_s < report.req_per_s);

    let json: serde_json::Value = serde_json::from_str(&report.render(true)).unwrap();
    for field in [
        "operation",
        "concurrency",
        "duration_s",
        "requests",
        "errors",
        "req_per_s",
        "p50_ms",
        "p90_ms",
        "p99_ms",
        "p999_ms",
    ] {
        assert!(json.get(field).is_some(), "JSON lacks {field}: {json}");
    }
    assert_eq!(json["operation"], "Encrypt");
    assert_eq!(json["concurrency"], 4);
    assert_eq!(json["requests"], 200);
    assert_eq!(json["errors"], 50);
    assert_eq!(json["errors_by_type"]["ThrottlingException"], 50);
    assert!(json["p50_ms"].as_f64().unwrap() > 0.0);

    let table = report.render(false);
    assert!(table.contains("ThrottlingException"), "{table}");
    assert!(table.contains("p99.9"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_hangs_up_costs_transport_errors_and_reconnects() {
    let server = FakeKms::start(Behaviour {
        hang_up: Some(("DescribeKey", 5)),
        ..Behaviour::default()
    })
    .await;
    let report = run(
        &server.url,
        &[
            "--operation",
            "DescribeKey",
            "--count",
            "50",
            "--concurrency",
            "2",
        ],
    )
    .await;
    assert_eq!(report.requests, 50, "{report}");
    assert_eq!(
        report.errors_by_type.get("TransportError"),
        Some(&10),
        "{report}"
    );
    assert_eq!(report.ok, 40, "{report}");
    // Every hang-up but a worker's last one is followed by a reconnect (2 workers).
    assert!(report.reconnects >= 8, "{report}");
}

/// A server that closes the connection right after an answer: the answer counts, and the next
/// request goes out on a new connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_followed_by_a_close_counts_and_the_next_request_reconnects() {
    let server = FakeKms::start(Behaviour {
        close_after: Some(("DescribeKey", 3)),
        ..Behaviour::default()
    })
    .await;
    let report = run(
        &server.url,
        &[
            "--operation",
            "DescribeKey",
            "--count",
            "60",
            "--concurrency",
            "2",
        ],
    )
    .await;
    assert_all_ok(&report, 60);
    // 20 closes; each but a worker's last is followed by a reconnect (2 workers).
    assert!(report.reconnects >= 18, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_loop_runs_for_the_duration_after_the_warm_up() {
    let server = FakeKms::start(Behaviour::default()).await;
    let report = run(
        &server.url,
        &[
            "--operation",
            "GenerateDataKey",
            "--duration",
            "0.4",
            "--warmup",
            "0.2",
            "--concurrency",
            "2",
        ],
    )
    .await;
    assert!(report.requests > 10, "{report}");
    assert_eq!(report.errors, 0, "{report}");
    assert!(
        report.duration_s >= 0.4 && report.duration_s < 1.5,
        "{report}"
    );
    assert_eq!(report.warmup_s, 0.2);
    assert_eq!(report.load, "closed");
    assert!(report.service_time.is_none());
    // Warm-up requests reached the server but are not in the report.
    assert!(
        server.calls("GenerateDataKey") > report.requests,
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_loop_sends_at_the_target_rate() {
    let server = FakeKms::start(Behaviour::default()).await;
    let report = run(
        &server.url,
        &[
            "--operation",
            "Encrypt",
            "--duration",
            "1",
            "--rate",
            "200",
            "--concurrency",
            "4",
        ],
    )
    .await;
    // 200 requests are due in the second; allow for the timer's millisecond granularity.
    assert!((180..=201).contains(&report.requests), "{report}");
    assert!(
        report.req_per_s > 150.0 && report.req_per_s < 230.0,
        "{report}"
    );
    assert_eq!(report.load, "open");
    assert_eq!(report.target_rate, Some(200.0));
    let service = report.service_time.expect("open loop reports service time");
    assert!(
        service.p50_ms > 0.0 && service.p50_ms <= report.latency.p50_ms,
        "{report:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_key_is_described_not_created() {
    let server = FakeKms::start(Behaviour::default()).await;
    let key_id = server.add_key("ECC_NIST_EDWARDS25519", "SIGN_VERIFY");
    let report = run(
        &server.url,
        &[
            "--operation",
            "Verify",
            "--key-id",
            &key_id,
            "--count",
            "10",
        ],
    )
    .await;
    assert_all_ok(&report, 10);
    assert_eq!(report.key_spec.as_deref(), Some("ECC_NIST_EDWARDS25519"));
    assert_eq!(server.calls("CreateKey"), 0);
    assert_eq!(server.calls("DescribeKey"), 1);
    assert_eq!(
        server.deleted_keys(),
        0,
        "a key given with --key-id is never deleted"
    );

    let mac_key = server.add_key("HMAC_256", "GENERATE_VERIFY_MAC");
    let refused = trent_bench::run(
        &args(
            &server.url,
            &[
                "--operation",
                "Encrypt",
                "--key-id",
                &mac_key,
                "--count",
                "1",
            ],
        ),
        credentials(),
    )
    .await
    .unwrap_err();
    assert!(format!("{refused:#}").contains("HMAC_256"), "{refused:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_tokens_are_sent_and_signed() {
    let server = FakeKms::start(Behaviour {
        session_token: Some("FwoGZXIvYXdzEFAKE//token+/=".to_owned()),
        ..Behaviour::default()
    })
    .await;
    let with_token = credentials().with_session_token("FwoGZXIvYXdzEFAKE//token+/=");
    let report = trent_bench::run(&args(&server.url, &["--count", "5"]), with_token)
        .await
        .unwrap();
    assert_all_ok(&report, 5);

    let without = trent_bench::run(&args(&server.url, &["--count", "5"]), credentials())
        .await
        .unwrap_err();
    assert!(
        format!("{without:#}").contains("UnrecognizedClientException"),
        "{without:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_failures_stop_the_run_with_the_servers_reason() {
    let server = FakeKms::start(Behaviour::default()).await;
    let wrong_secret = Credentials::new(fake_kms::ACCESS_KEY_ID, "not-the-secret");
    let err = trent_bench::run(&args(&server.url, &["--count", "5"]), wrong_secret)
        .await
        .unwrap_err();
    let message = format!("{err:#}");
    assert!(
        message.contains("CreateKey failed during setup"),
        "{message}"
    );
    assert!(message.contains("InvalidSignatureException"), "{message}");
    assert_eq!(server.calls("CreateKey"), 0);

    // Nothing listens on this port once the listener is dropped.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let err = trent_bench::run(
        &args(&closed, &["--operation", "GenerateRandom", "--count", "5"]),
        credentials(),
    )
    .await
    .unwrap_err();
    assert!(format!("{err:#}").contains("cannot connect"), "{err:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_endpoints_are_trusted_through_the_ca_bundle() {
    let (acceptor, ca_pem) = tls_material();
    let server = FakeKms::start_tls(Behaviour::default(), acceptor).await;
    assert!(server.url.starts_with("https://127.0.0.1:"));
    let bundle = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(bundle.path(), ca_pem).unwrap();
    let bundle_path = bundle.path().to_str().unwrap();
    let report = run(
        &server.url,
        &[
            "--operation",
            "Decrypt",
            "--count",
            "30",
            "--concurrency",
            "3",
            "--ca-bundle",
            bundle_path,
        ],
    )
    .await;
    assert_all_ok(&report, 30);
    assert!(report.endpoint.as_deref().unwrap().starts_with("https://"));
}

/// A CA, and a server certificate for 127.0.0.1 it signed: the acceptor and the CA's PEM.
fn tls_material() -> (tokio_rustls::TlsAcceptor, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::from_params(&ca_params, &ca_key);
    let server_key = KeyPair::generate().unwrap();
    let server_cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();

    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![server_cert.der().clone()],
            rustls_pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
        )
        .unwrap();
    (
        tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config)),
        ca_cert.pem(),
    )
}

#[test]
fn raw_sign_measures_the_library_alone() {
    for spec in ["ECC_NIST_P256", "ECC_NIST_EDWARDS25519", "RSA_2048"] {
        let bench = args(
            "http://unused.invalid",
            &[
                "--operation",
                "RawSign",
                "--key-spec",
                spec,
                "--count",
                "40",
                "--concurrency",
                "2",
            ],
        );
        let report = trent_bench::run_blocking(&bench, credentials()).unwrap();
        assert_all_ok(&report, 40);
        assert_eq!(report.endpoint, None);
        assert_eq!(report.key_spec.as_deref(), Some(spec));
        assert!(report.render(false).contains("aws-lc-rs"), "{report}");
    }
    let timed = args(
        "http://unused.invalid",
        &[
            "--operation",
            "RawSign",
            "--duration",
            "0.2",
            "--concurrency",
            "1",
        ],
    );
    let report = trent_bench::run_blocking(&timed, credentials()).unwrap();
    assert!(report.requests > 10, "{report}");
    // The window ends with the last completed signature, which can finish a few microseconds
    // before the 0.2 s mark (the next one, started after it, is not measured).
    assert!(report.duration_s > 0.19, "{report}");
}
