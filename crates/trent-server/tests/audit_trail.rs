//! The audit trail end to end: a scripted session of allowed, denied, failing, throttled and
//! unauthenticated calls appears exactly once each with the right fields and no secret; the
//! trail verifies offline and any edit of a copy is found; a trail that cannot be written
//! makes the server refuse requests instead of serving them unrecorded.

mod common;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use aws_sdk_kms::operation::RequestId;
use aws_sdk_kms::primitives::Blob;
use base64::Engine as _;
use common::{Server, raw_get, raw_post, read_credentials, trent};
use serde_json::Value;

/// An SDK client that never retries, so every request id the test sees was sent exactly once.
fn client(endpoint: &str, id: &str, secret: &str) -> aws_sdk_kms::Client {
    let credentials = aws_credential_types::Credentials::new(id, secret, None, None, "trent-test");
    aws_sdk_kms::Client::from_conf(
        aws_sdk_kms::config::Builder::new()
            .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
            .region(aws_sdk_kms::config::Region::new(common::REGION))
            .endpoint_url(endpoint)
            .credentials_provider(credentials)
            .retry_config(aws_sdk_kms::config::retry::RetryConfig::disabled())
            .build(),
    )
}

/// The request id and error code (if any) of one SDK call.
fn ids<T: RequestId, E: RequestId + aws_sdk_kms::error::ProvideErrorMetadata>(
    result: &Result<T, aws_sdk_kms::error::SdkError<E, aws_sdk_kms::config::http::HttpResponse>>,
) -> (String, Option<String>) {
    match result {
        Ok(out) => (out.request_id().unwrap().to_string(), None),
        Err(err) => {
            let service = err.as_service_error().expect("a service error");
            (
                err.request_id().unwrap().to_string(),
                service.code().map(str::to_string),
            )
        }
    }
}

fn trent_ok(args: &[&str]) -> String {
    let (ok, out, err) = trent(args, &[]);
    assert!(ok, "trent {args:?}: {out}{err}");
    out
}

fn events(dir: &Path) -> Vec<Value> {
    let data_dir = dir.to_str().unwrap();
    trent_ok(&["audit", "query", "--data-dir", data_dir])
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

const CANARY: &[u8] = b"canary-plaintext-7c1d";

#[tokio::test(flavor = "multi_thread")]
async fn every_call_is_recorded_once_without_secrets_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap().to_string();
    let log = dir.path().join("server.log");
    // First start: creates the administrator (no quota yet, so set-up is not throttled).
    let server = Server::with_data_dir(dir.path());
    let (admin_id, admin_secret) = read_credentials(dir.path());
    let env = [
        ("AWS_ACCESS_KEY_ID", admin_id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", admin_secret.as_str()),
    ];
    let admin_cli = |args: &[&str]| -> Value {
        let mut full = vec!["admin", "--endpoint", &server.endpoint];
        full.extend_from_slice(args);
        let (ok, out, err) = trent(&full, &env);
        assert!(ok, "{err}");
        serde_json::from_str(&out).unwrap()
    };
    let me = client(&server.endpoint, &admin_id, &admin_secret);
    let whoami = me
        .create_key()
        .description("who am I")
        .send()
        .await
        .unwrap();
    let admin_account = whoami
        .key_metadata()
        .unwrap()
        .aws_account_id()
        .unwrap()
        .to_string();
    let carol = admin_cli(&[
        "create-user",
        "--account",
        &admin_account,
        "--name",
        "carol",
    ]);
    let carol_arn = carol["Arn"].as_str().unwrap().to_string();
    let carol_key = admin_cli(&["create-access-key", "--user", &carol_arn]);
    let carol_secret = carol_key["SecretAccessKey"].as_str().unwrap().to_string();
    server.terminate();

    // The scripted session, on a server with a small request quota and debug logs.
    let server = Server::start_logging(
        &[
            "serve",
            "--data-dir",
            &data_dir,
            "--listen",
            "127.0.0.1:0",
            "--request-quota",
            "20",
        ],
        Some(("TRENT_LOG", "debug")),
        Some(&log),
    );
    let me = client(&server.endpoint, &admin_id, &admin_secret);
    let carol = client(
        &server.endpoint,
        carol_key["AccessKeyId"].as_str().unwrap(),
        &carol_secret,
    );
    let mut sent: Vec<(&str, (String, Option<String>))> = Vec::new();

    let created = me.create_key().send().await;
    sent.push(("CreateKey", ids(&created)));
    let key_arn = created
        .unwrap()
        .key_metadata()
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    let encrypted = me
        .encrypt()
        .key_id(&key_arn)
        .plaintext(Blob::new(CANARY.to_vec()))
        .encryption_context("purpose", "audit-test")
        .send()
        .await;
    sent.push(("Encrypt", ids(&encrypted)));
    let blob = encrypted.unwrap().ciphertext_blob().unwrap().clone();
    let decrypted = me
        .decrypt()
        .ciphertext_blob(blob.clone())
        .encryption_context("purpose", "audit-test")
        .send()
        .await;
    sent.push(("Decrypt", ids(&decrypted)));
    assert_eq!(decrypted.unwrap().plaintext().unwrap().as_ref(), CANARY);
    let data_key = me
        .generate_data_key()
        .key_id(&key_arn)
        .number_of_bytes(32)
        .send()
        .await;
    sent.push(("GenerateDataKey", ids(&data_key)));
    let data_key = data_key.unwrap().plaintext().unwrap().as_ref().to_vec();
    let missing = me
        .describe_key()
        .key_id("11111111-2222-3333-4444-555555555555")
        .send()
        .await;
    sent.push(("DescribeKey", ids(&missing)));
    let denied = carol
        .encrypt()
        .key_id(&key_arn)
        .plaintext(Blob::new(CANARY.to_vec()))
        .send()
        .await;
    sent.push(("Encrypt", ids(&denied)));
    let forged = client(&server.endpoint, &admin_id, "not-the-secret");
    let unauthenticated = forged.list_keys().send().await;
    sent.push(("ListKeys", ids(&unauthenticated)));
    // A burst beyond the quota: some answers are ThrottlingException, each recorded once.
    let burst = futures_like_join(
        (0..40)
            .map(|_| {
                let me = me.clone();
                let key_arn = key_arn.clone();
                tokio::spawn(async move { ids(&me.describe_key().key_id(key_arn).send().await) })
            })
            .collect(),
    )
    .await;
    assert!(
        burst
            .iter()
            .any(|(_, code)| code.as_deref() == Some("ThrottlingException")),
        "{burst:?}"
    );
    sent.extend(burst.into_iter().map(|ids| ("DescribeKey", ids)));
    assert_eq!(
        sent[4].1.1.as_deref(),
        Some("NotFoundException"),
        "{:?}",
        sent[4]
    );
    assert_eq!(sent[5].1.1.as_deref(), Some("AccessDeniedException"));
    assert!(sent[6].1.1.is_some());
    server.terminate();

    // Every request appears exactly once, with its name and outcome.
    let events = events(dir.path());
    let mut by_request: HashMap<String, Vec<&Value>> = HashMap::new();
    for event in &events {
        by_request
            .entry(event["requestID"].as_str().unwrap().to_string())
            .or_default()
            .push(event);
    }
    for (name, (request_id, code)) in &sent {
        let found = by_request
            .get(request_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        assert_eq!(found.len(), 1, "{name} {request_id}: {found:?}");
        let event = found[0];
        assert_eq!(event["eventName"], *name, "{event}");
        assert_eq!(event["eventSource"], "kms.amazonaws.com");
        assert_eq!(
            event["errorCode"].as_str(),
            code.as_deref(),
            "{name}: {event}"
        );
        assert_eq!(event["sourceIPAddress"], "127.0.0.1");
        assert!(event["eventTime"].as_str().unwrap().ends_with('Z'));
        assert!(event["eventID"].as_str().is_some());
    }
    let event = |index: usize| by_request[&sent[index].1.0][0];
    let encrypt = event(1);
    assert_eq!(encrypt["userIdentity"]["type"], "IAMUser");
    assert_eq!(encrypt["userIdentity"]["accessKeyId"], admin_id.as_str());
    assert_eq!(encrypt["userIdentity"]["accountId"], admin_account.as_str());
    assert_eq!(
        encrypt["requestParameters"]["encryptionContext"],
        serde_json::json!({"purpose": "audit-test"})
    );
    assert_eq!(encrypt["resources"][0]["ARN"], key_arn.as_str());
    assert_eq!(encrypt["readOnly"], true);
    assert_eq!(encrypt["recipientAccountId"], admin_account.as_str());
    assert_eq!(
        event(0)["responseElements"]["keyMetadata"]["arn"],
        key_arn.as_str()
    );
    assert_eq!(event(0)["readOnly"], false);
    assert_eq!(event(2)["responseElements"], Value::Null);
    let denied = event(5);
    assert_eq!(denied["userIdentity"]["arn"], carol_arn.as_str());
    assert!(
        denied["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with(&format!("User: {carol_arn} is not authorized"))
    );
    let stranger = event(6);
    assert_eq!(stranger["userIdentity"]["type"], "Unknown");
    assert_eq!(stranger["userIdentity"]["accessKeyId"], admin_id.as_str());

    // No plaintext, data key, ciphertext or secret in the trail or the logs.
    let mut trail = Vec::new();
    for entry in std::fs::read_dir(dir.path().join("audit")).unwrap() {
        trail.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let logs = std::fs::read(&log).unwrap();
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    for secret in [
        CANARY.to_vec(),
        b64(CANARY).into_bytes(),
        b64(&data_key).into_bytes(),
        b64(blob.as_ref()).into_bytes(),
        admin_secret.as_bytes().to_vec(),
        carol_secret.as_bytes().to_vec(),
    ] {
        assert!(!contains(&trail, &secret), "a secret is in the audit trail");
        assert!(!contains(&logs, &secret), "a secret is in the logs");
    }

    // The trail verifies; a copy with one record edited, removed or moved does not.
    let verified = trent_ok(&["audit", "verify", "--data-dir", &data_dir]);
    assert!(verified.contains(": OK"), "{verified}");
    let segment = std::fs::read_dir(dir.path().join("audit"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .max()
        .unwrap();
    let lines: Vec<String> = std::fs::read_to_string(&segment)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let record = lines
        .iter()
        .position(|l| l.contains("\"eventName\":\"Encrypt\""))
        .unwrap();
    let tampered: [(&str, Box<Tamper>); 3] = [
        (
            "edited",
            Box::new(move |lines| lines[record] = lines[record].replace("Encrypt", "Encryqt")),
        ),
        (
            "removed",
            Box::new(move |lines| {
                lines.remove(record);
            }),
        ),
        (
            "reordered",
            Box::new(move |lines| lines.swap(record, record + 1)),
        ),
    ];
    for (what, change) in tampered {
        let copy = tempfile::tempdir().unwrap();
        let audit = copy.path().join("audit");
        std::fs::create_dir(&audit).unwrap();
        for entry in std::fs::read_dir(dir.path().join("audit")).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, audit.join(path.file_name().unwrap())).unwrap();
        }
        let mut changed = lines.clone();
        change(&mut changed);
        std::fs::write(
            audit.join(segment.file_name().unwrap()),
            changed.join("\n") + "\n",
        )
        .unwrap();
        let (ok, out, _) = trent(
            &[
                "audit",
                "verify",
                "--data-dir",
                copy.path().to_str().unwrap(),
            ],
            &[],
        );
        assert!(!ok, "a {what} record went unnoticed: {out}");
        let place = format!(
            "{}:{}",
            segment.file_name().unwrap().to_str().unwrap(),
            record + 1
        );
        assert!(
            out.contains(&place),
            "{what}: the report should name {place}: {out}"
        );
    }
}

/// A change made to the lines of a copy of a segment.
type Tamper = dyn Fn(&mut Vec<String>);

/// Awaits every task, in order.
async fn futures_like_join<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trail_that_cannot_be_written_refuses_requests() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_data_dir(dir.path());
    let (id, secret) = read_credentials(dir.path());
    let kms = client(&server.endpoint, &id, &secret);
    let key = kms.create_key().send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_string();
    let encrypt = || {
        kms.encrypt()
            .key_id(&key_id)
            .plaintext(Blob::new(b"x".to_vec()))
            .send()
    };
    encrypt().await.unwrap();
    assert_eq!(raw_get(&server.endpoint, "/readyz").0, 200);

    let audit = dir.path().join("audit");
    std::fs::set_permissions(&audit, std::fs::Permissions::from_mode(0o500)).unwrap();
    let started = Instant::now();
    let refused = loop {
        match encrypt().await {
            Err(err) => break err,
            Ok(_) if started.elapsed() < Duration::from_secs(5) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(_) => panic!("still serving 5 s after the trail became unwritable"),
        }
    };
    let response = refused.raw_response().expect("an HTTP answer");
    assert_eq!(response.status().as_u16(), 500);
    assert_eq!(
        refused.as_service_error().and_then(|e| e.meta().code()),
        Some("KMSInternalException")
    );
    assert_eq!(raw_get(&server.endpoint, "/readyz").0, 503);

    std::fs::set_permissions(&audit, std::fs::Permissions::from_mode(0o700)).unwrap();
    let started = Instant::now();
    while encrypt().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the trail did not recover"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(raw_get(&server.endpoint, "/readyz").0, 200);
    server.terminate();
    let verified = trent_ok(&[
        "audit",
        "verify",
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(verified.contains(": OK"), "{verified}");
}

/// Sends a request with a body of `length` bytes (writing on while the server may already
/// have answered); returns what came back.
fn post_body_of(endpoint: &str, target: &str, length: usize) -> String {
    use std::io::{Read, Write};
    let address = endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: {target}\r\nContent-Length: {length}\r\n\r\n"
    )
    .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let body = std::thread::spawn(move || {
        // The server stops reading at its limit; the rest may be refused.
        let _ = writer.write_all(&vec![b' '; length]);
    });
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    body.join().unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_beyond_the_limit_is_refused_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_data_dir(dir.path());
    let answer = post_body_of(&server.endpoint, "TrentService.Encrypt", 2 * 1024 * 1024);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 413"), "{answer}");
    let request_id = head
        .lines()
        .find_map(|line| line.strip_prefix("x-amzn-requestid: "))
        .expect("a request id")
        .to_string();
    let error: Value = serde_json::from_str(body).unwrap();
    assert_eq!(error["__type"], "RequestEntityTooLargeException");
    server.terminate();

    let events = events(dir.path());
    let refused: Vec<_> = events
        .iter()
        .filter(|event| event["requestID"] == request_id.as_str())
        .collect();
    assert_eq!(refused.len(), 1, "{events:?}");
    assert_eq!(refused[0]["eventName"], "Encrypt");
    assert_eq!(refused[0]["errorCode"], "RequestEntityTooLargeException");
}

#[test]
fn old_segments_can_be_pruned_and_the_rest_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    // Every run seals its segment at shutdown and the next starts another; each records one
    // unauthenticated call (seq 1, then seq 2).
    for _ in 0..2 {
        let server = Server::with_data_dir(dir.path());
        let headers = [
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "TrentService.ListKeys"),
        ];
        assert_eq!(raw_post(&server.endpoint, "/", &headers, b"{}").0, 400);
        server.terminate();
    }
    let kept = trent_ok(&[
        "audit",
        "prune",
        "--data-dir",
        data_dir,
        "--older-than-days",
        "1",
    ]);
    assert!(!kept.contains("removed"), "{kept}");
    let pruned = trent_ok(&[
        "audit",
        "prune",
        "--data-dir",
        data_dir,
        "--older-than-days",
        "0",
    ]);
    assert!(pruned.contains("removed"), "{pruned}");
    assert!(
        pruned.contains("the trail now starts at segment 2"),
        "{pruned}"
    );

    let (ok, out, _) = trent(&["audit", "verify", "--data-dir", data_dir], &[]);
    assert!(!ok, "a pruned start passed without being allowed: {out}");
    assert!(out.contains("pruned start"), "{out}");
    trent_ok(&[
        "audit",
        "verify",
        "--data-dir",
        data_dir,
        "--allow-pruned-start",
    ]);

    // Points kept elsewhere: the trail must still start at or before, and reach, them.
    let verify_expecting = |first: &str, last: &str| {
        trent(
            &[
                "audit",
                "verify",
                "--data-dir",
                data_dir,
                "--allow-pruned-start",
                "--expect-first-seq",
                first,
                "--expect-last-seq",
                last,
            ],
            &[],
        )
    };
    assert!(verify_expecting("2", "2").0);
    let (ok, out, _) = verify_expecting("1", "2");
    assert!(!ok && out.contains("it starts at seq 2"), "{out}");
    let (ok, out, _) = verify_expecting("2", "3");
    assert!(!ok && out.contains("it ends at seq 2"), "{out}");
}

#[test]
fn the_server_prunes_segments_past_its_retention() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    for _ in 0..2 {
        Server::with_data_dir(dir.path()).terminate();
    }
    let segments = |dir: &Path| {
        std::fs::read_dir(dir.join("audit"))
            .unwrap()
            .filter(|entry| {
                let name = entry.as_ref().unwrap().file_name();
                name.to_str().unwrap().ends_with(".jsonl")
            })
            .count()
    };
    assert_eq!(segments(dir.path()), 2);
    std::thread::sleep(Duration::from_secs(2));
    // 0.00001 days is 0.864 s: both sealed segments are older, the new one is not.
    let server = Server::start(
        &[
            "serve",
            "--data-dir",
            data_dir,
            "--listen",
            "127.0.0.1:0",
            "--audit-retain-days",
            "0.00001",
        ],
        None,
    );
    let started = Instant::now();
    while segments(dir.path()) > 1 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nothing was pruned"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server.terminate();
    assert_eq!(segments(dir.path()), 1);
    trent_ok(&[
        "audit",
        "verify",
        "--data-dir",
        data_dir,
        "--allow-pruned-start",
    ]);
}

fn http(
    endpoint: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<String>, String) {
    common::http_exchange(endpoint, method, path, headers, body.as_bytes())
}

fn form_value(page: &str, name: &str) -> String {
    let at = page
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no {name} in {page}"));
    let rest = &page[at..];
    let value = &rest[rest.find("value=\"").unwrap() + 7..];
    value[..value.find('"').unwrap()].to_string()
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_records_its_actions_and_shows_the_trail() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_data_dir(dir.path());
    let (id, secret) = read_credentials(dir.path());
    let kms = client(&server.endpoint, &id, &secret);
    let key = kms.create_key().send().await.unwrap();
    let key_arn = key.key_metadata().unwrap().arn().unwrap().to_string();
    kms.encrypt()
        .key_id(&key_arn)
        .plaintext(Blob::new(b"x".to_vec()))
        .send()
        .await
        .unwrap();

    // Sign in to the console as the administrator.
    let (status, cookies, page) = http(&server.endpoint, "GET", "/console/sign-in", &[], "");
    assert_eq!(status, 200);
    let mut jar: Vec<String> = cookies;
    let token = form_value(&page, "csrf_token");
    let form = format!(
        "csrf_token={}&access_key_id={}&secret_access_key={}&region=us-east-1&next=%2Fconsole%2Faudit",
        percent(&token),
        percent(&id),
        percent(&secret)
    );
    let origin = server.endpoint.clone();
    let cookie_header = jar.join("; ");
    let (status, cookies, body) = http(
        &server.endpoint,
        "POST",
        "/console/sign-in",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("origin", &origin),
            ("cookie", &cookie_header),
        ],
        &form,
    );
    assert_eq!(status, 303, "{body}");
    jar.extend(cookies);
    let cookie_header = jar.join("; ");

    // The audit page shows the API calls from the trail, and the console's own calls are
    // recorded too (the page itself lists keys through the audited call path).
    let (status, _, page) = http(
        &server.endpoint,
        "GET",
        "/console/keys",
        &[("cookie", &cookie_header)],
        "",
    );
    assert_eq!(status, 200, "{page}");
    let (status, _, page) = http(
        &server.endpoint,
        "GET",
        "/console/audit",
        &[("cookie", &cookie_header)],
        "",
    );
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Encrypt"), "{page}");
    assert!(page.contains(&key_arn), "{page}");
    server.terminate();
    let listed = events(dir.path());
    assert!(
        listed.iter().any(|e| e["eventName"] == "ListKeys"
            && e["userAgent"]
                .as_str()
                .unwrap_or("")
                .starts_with("trent-console/")),
        "the console's ListKeys is in the trail"
    );
}
