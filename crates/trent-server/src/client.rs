//! The `trent` client: signs a JSON request with SigV4 and sends it to a running server.
//!
//! Deliberately small: one request per command, HTTP/1.1, plain or TLS (trusting the CA bundle
//! in `--ca-bundle` / `AWS_CA_BUNDLE`, since a self-hosted Trent usually has a private CA).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use clap::Args;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls_pki_types::pem::PemObject;
use trent_protocol::sigv4;

use crate::credentials;

/// Which server to talk to, and as whom.
#[derive(Debug, Args)]
pub struct Target {
    /// The server's URL.
    #[arg(
        long,
        global = true,
        env = "TRENT_ENDPOINT",
        default_value = "http://127.0.0.1:4599"
    )]
    pub endpoint: String,
    /// The region to sign for (default: AWS_REGION, AWS_DEFAULT_REGION, then us-east-1).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// The profile of the shared credentials file to use.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// PEM file of CA certificates to trust for an https endpoint.
    #[arg(long, global = true, env = "AWS_CA_BUNDLE")]
    pub ca_bundle: Option<std::path::PathBuf>,
}

impl Target {
    fn region(&self) -> String {
        self.region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok())
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
            .unwrap_or_else(|| "us-east-1".to_string())
    }
}

/// Sends one request and returns the JSON response, or the AWS error as an error.
pub fn call(
    target: &Target,
    x_amz_target: &str,
    body: &serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(send(target, x_amz_target, serde_json::to_vec(body)?))
}

async fn send(
    target: &Target,
    x_amz_target: &str,
    body: Vec<u8>,
) -> anyhow::Result<serde_json::Value> {
    let uri: hyper::Uri = target
        .endpoint
        .parse()
        .with_context(|| format!("bad endpoint {}", target.endpoint))?;
    let https = match uri.scheme_str() {
        Some("http") => false,
        Some("https") => true,
        _ => bail!("the endpoint must start with http:// or https://"),
    };
    let host = uri
        .host()
        .ok_or_else(|| anyhow!("the endpoint has no host"))?
        .to_string();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let authority = uri
        .authority()
        .map(|a| a.as_str().to_string())
        .unwrap_or_else(|| host.clone());

    let creds = credentials::load(target.profile.as_deref())?;
    let content_type = "application/x-amz-json-1.1";
    let headers: Vec<(&str, &[u8])> = vec![
        ("host", authority.as_bytes()),
        ("content-type", content_type.as_bytes()),
        ("x-amz-target", x_amz_target.as_bytes()),
    ];
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let signed = sigv4::sign(
        &sigv4::RequestParts {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body: &body,
        },
        &sigv4::Credentials {
            access_key_id: &creds.access_key_id,
            secret_access_key: &creds.secret_access_key,
            session_token: creds.session_token.as_deref(),
        },
        &target.region(),
        "kms",
        now,
    );
    let mut request = hyper::Request::post("/")
        .header("host", &authority)
        .header("content-type", content_type)
        .header("x-amz-target", x_amz_target)
        .header(
            "user-agent",
            concat!("trent-cli/", env!("CARGO_PKG_VERSION")),
        );
    for (name, value) in signed {
        request = request.header(name, value);
    }
    let request = request.body(Full::new(Bytes::from(body)))?;

    let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .with_context(|| format!("cannot connect to {}", target.endpoint))?;
    let response = if https {
        let connector = tokio_rustls::TlsConnector::from(Arc::new(tls_config(target)?));
        let name = rustls_pki_types::ServerName::try_from(host.clone())?;
        let tls = connector
            .connect(name, tcp)
            .await
            .context("TLS handshake failed")?;
        exchange(TokioIo::new(tls), request).await?
    } else {
        exchange(TokioIo::new(tcp), request).await?
    };
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    let value: serde_json::Value = if bytes.is_empty() {
        serde_json::json!({})
    } else {
        serde_json::from_slice(&bytes)
            .with_context(|| format!("unreadable response (HTTP {status})"))?
    };
    if !status.is_success() {
        let kind = value["__type"].as_str().unwrap_or("UnknownError");
        let message = value["message"]
            .as_str()
            .or(value["Message"].as_str())
            .unwrap_or("");
        bail!("An error occurred ({kind}): {message}");
    }
    Ok(value)
}

async fn exchange<T>(
    io: TokioIo<T>,
    request: hyper::Request<Full<Bytes>>,
) -> anyhow::Result<hyper::Response<hyper::body::Incoming>>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await?;
    tokio::spawn(connection);
    Ok(sender.send_request(request).await?)
}

fn tls_config(target: &Target) -> anyhow::Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    let Some(bundle) = &target.ca_bundle else {
        bail!(
            "an https endpoint needs --ca-bundle (or AWS_CA_BUNDLE) naming the CA that signed the server's certificate"
        );
    };
    for cert in rustls_pki_types::CertificateDer::pem_file_iter(bundle)
        .with_context(|| format!("cannot read {}", bundle.display()))?
    {
        roots.add(cert?)?;
    }
    Ok(rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth())
}
