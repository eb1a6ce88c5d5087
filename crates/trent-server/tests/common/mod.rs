//! Starts a real `trent` server for a test and builds clients for it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub const ACCOUNT: &str = "000000000000";
pub const REGION: &str = "us-east-1";

/// A running `trent serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub endpoint: String,
}

impl Server {
    /// `trent serve --dev` on a free port.
    pub fn dev() -> Server {
        Server::start(&["serve", "--dev", "--listen", "127.0.0.1:0"], None)
    }

    /// `trent serve` on a data directory, as in production.
    pub fn with_data_dir(dir: &Path) -> Server {
        let dir = dir.to_str().expect("utf-8 path");
        Server::start(
            &["serve", "--data-dir", dir, "--listen", "127.0.0.1:0"],
            None,
        )
    }

    pub fn start(args: &[&str], env: Option<(&str, &str)>) -> Server {
        Server::start_logging(args, env, None)
    }

    /// Like [`Server::start`], with stderr (the logs) written to `log`.
    pub fn start_logging(args: &[&str], env: Option<(&str, &str)>, log: Option<&Path>) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_trent"));
        let stderr = match log {
            Some(path) => Stdio::from(std::fs::File::create(path).expect("log file")),
            None => Stdio::null(),
        };
        command.args(args).stdout(Stdio::piped()).stderr(stderr);
        if let Some((k, v)) = env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start trent");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let endpoint = loop {
            let line = lines
                .next()
                .expect("trent exited before listening")
                .expect("read stdout");
            if let Some(rest) = line.strip_prefix("Trent listening on ") {
                break rest.split_whitespace().next().expect("address").to_string();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, endpoint }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server with SIGKILL (no chance to clean up).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops the server with SIGTERM and waits for it to exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().expect("wait")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first administrator's access key id and secret from a data directory's credentials file.
pub fn read_credentials(dir: &Path) -> (String, String) {
    let text = std::fs::read_to_string(dir.join("credentials")).expect("credentials file");
    let value = |name: &str| {
        text.lines()
            .find_map(|l| {
                l.strip_prefix(name)
                    .map(|rest| rest.trim_start_matches([' ', '=']).trim().to_string())
            })
            .expect(name)
    };
    (value("aws_access_key_id"), value("aws_secret_access_key"))
}

/// An official AWS SDK client for `endpoint`, signing with the given credentials.
pub async fn kms_client(endpoint: &str, access_key_id: &str, secret: &str) -> aws_sdk_kms::Client {
    let credentials =
        aws_credential_types::Credentials::new(access_key_id, secret, None, None, "trent-test");
    let config = aws_sdk_kms::config::Builder::new()
        .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
        .region(aws_sdk_kms::config::Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .build();
    aws_sdk_kms::Client::from_conf(config)
}

/// A client with test mode's default identity.
pub async fn dev_client(server: &Server) -> aws_sdk_kms::Client {
    kms_client(&server.endpoint, "test", "test").await
}

/// The `__type` and message of an SDK error.
pub fn error_of<E, R>(err: &aws_sdk_kms::error::SdkError<E, R>) -> (String, String)
where
    E: aws_sdk_kms::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    match err.as_service_error() {
        Some(service) => (
            service.code().unwrap_or_default().to_string(),
            service.message().unwrap_or_default().to_string(),
        ),
        None => (format!("not a service error: {err:?}"), String::new()),
    }
}

/// Runs `trent` with arguments and returns (success, stdout, stderr).
pub fn trent(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_trent"))
        .args(args)
        .envs(env.iter().copied())
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run trent");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Sends a raw HTTP/1.1 POST and returns (status, body). For requests no SDK would send.
pub fn raw_post(
    endpoint: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    raw_request("POST", endpoint, path, headers, body)
}

/// A plain GET (health and metrics endpoints); returns (status, body).
pub fn raw_get(endpoint: &str, path: &str) -> (u16, String) {
    raw_request("GET", endpoint, path, &[], b"")
}

fn raw_request(
    method: &str,
    endpoint: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let (status, _, body) = http_exchange(endpoint, method, path, headers, body);
    (status, body)
}

/// One raw HTTP/1.1 exchange: (status, the `name=value` of every `set-cookie`, body).
pub fn http_exchange(
    endpoint: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<String>, String) {
    use std::io::{Read, Write};
    let address = endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("write");
    stream.write_all(body).expect("write body");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let cookies = head
        .lines()
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie")
                .then(|| value.trim().split(';').next().unwrap_or("").to_string())
        })
        .collect();
    (status, cookies, body.to_string())
}

/// Moves a test-mode server's clock `days` forward (`trent admin advance-clock`, as the test-mode
/// administrator) and returns its answer (`KeysDeleted`, `KeysRotated`).
pub fn advance_clock(server: &Server, days: u32) -> serde_json::Value {
    let env = [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
    ];
    let days = days.to_string();
    let args = [
        "admin",
        "--endpoint",
        &server.endpoint,
        "advance-clock",
        "--days",
        &days,
    ];
    let (ok, out, err) = trent(&args, &env);
    assert!(ok, "trent admin advance-clock: {err}");
    serde_json::from_str(&out).unwrap()
}

/// An identity policy allowing every KMS action on every resource, and assuming roles.
pub const KMS_FULL_ACCESS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:*","sts:AssumeRole"],"Resource":"*"}]}"#;

/// A new account with one user (allowed every KMS action by an identity policy), made through `trent admin` as the test-mode administrator.
/// Returns (account id, user ARN, access key id, secret).
pub fn new_dev_identity(server: &Server, name: &str) -> (String, String, String, String) {
    let env = [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
    ];
    let admin = |args: &[&str]| -> serde_json::Value {
        let mut full = vec!["admin", "--endpoint", &server.endpoint];
        full.extend_from_slice(args);
        let (ok, out, err) = trent(&full, &env);
        assert!(ok, "trent {args:?}: {err}");
        serde_json::from_str(&out).unwrap()
    };
    let account = admin(&["create-account"])["AccountId"]
        .as_str()
        .unwrap()
        .to_string();
    let user = admin(&["create-user", "--account", &account, "--name", name]);
    let arn = user["Arn"].as_str().unwrap().to_string();
    // As in AWS, a new user may do nothing until a policy allows it.
    admin(&[
        "put-user-policy",
        "--user",
        &arn,
        "--policy-name",
        "kms-full",
        "--policy-document",
        KMS_FULL_ACCESS,
    ]);
    let key = admin(&["create-access-key", "--user", &arn]);
    (
        account,
        arn,
        key["AccessKeyId"].as_str().unwrap().to_string(),
        key["SecretAccessKey"].as_str().unwrap().to_string(),
    )
}
