//! One keep-alive HTTP/1.1 connection per worker, and the signing of every request sent on it.
//!
//! # Why not a pooled HTTP client
//!
//! A load generator must know exactly how many connections it opens and what each request
//! costs. A pool decides on its own when to open, reuse or drop a connection; here a worker owns
//! its connection ([`Client`]), so `--concurrency 16` means 16 connections, and a reconnect is
//! something the report can count. The request body and every header but the signature's are
//! built once ([`Call`]); sending costs one [`trent_protocol::sigv4::sign`] and a header map.
//!
//! Failures are values ([`Failure`]), never panics: whatever a server answers, the worst outcome
//! is an error counted under its `__type`.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_TYPE, HOST, HeaderName, HeaderValue, USER_AGENT};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use trent_protocol::sigv4;

use crate::Credentials;

/// The content type of the AWS JSON 1.1 protocol KMS speaks.
pub const CONTENT_TYPE_JSON_1_1: &str = "application/x-amz-json-1.1";

const X_AMZ_TARGET: HeaderName = HeaderName::from_static("x-amz-target");
const USER_AGENT_VALUE: HeaderValue =
    HeaderValue::from_static(concat!("trent-bench/", env!("CARGO_PKG_VERSION")));

/// One KMS request, built once and sent many times: the operation and its JSON body.
#[derive(Clone, Debug)]
pub struct Call {
    operation: &'static str,
    target: HeaderValue,
    body: Bytes,
}

impl Call {
    /// The request `TrentService.<operation>` with `body` serialised once.
    pub fn new(operation: &'static str, body: &serde_json::Value) -> anyhow::Result<Call> {
        let target = HeaderValue::try_from(format!("TrentService.{operation}"))
            .with_context(|| format!("{operation} is not a valid operation name"))?;
        Ok(Call {
            operation,
            target,
            body: Bytes::from(serde_json::to_vec(body)?),
        })
    }

    /// The operation's name.
    pub fn operation(&self) -> &'static str {
        self.operation
    }
}

/// Signs requests for one endpoint as one principal.
pub struct Signer {
    credentials: Credentials,
    region: String,
    authority: String,
    host: HeaderValue,
    path: Uri,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("credentials", &self.credentials)
            .field("region", &self.region)
            .field("authority", &self.authority)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for requests to `authority` (the `Host` header: host, and port when not the
    /// scheme's default), for the `kms` service in `region`.
    pub fn new(credentials: Credentials, region: &str, authority: &str) -> Signer {
        Signer {
            credentials,
            region: region.to_owned(),
            authority: authority.to_owned(),
            host: HeaderValue::from_str(authority).unwrap_or(HeaderValue::from_static("localhost")),
            path: Uri::from_static("/"),
        }
    }

    /// The complete HTTP request for `call`, signed as of `unix_time`.
    pub fn request(&self, call: &Call, unix_time: i64) -> anyhow::Result<Request<Full<Bytes>>> {
        let signed_headers: [(&str, &[u8]); 3] = [
            ("host", self.authority.as_bytes()),
            ("content-type", CONTENT_TYPE_JSON_1_1.as_bytes()),
            ("x-amz-target", call.target.as_bytes()),
        ];
        let signature = sigv4::sign(
            &sigv4::RequestParts {
                method: "POST",
                path: self.path.path(),
                query: "",
                headers: &signed_headers,
                body: &call.body,
            },
            &sigv4::Credentials {
                access_key_id: &self.credentials.access_key_id,
                secret_access_key: &self.credentials.secret_access_key,
                session_token: self.credentials.session_token.as_deref(),
            },
            &self.region,
            "kms",
            unix_time,
        );
        let mut request = Request::new(Full::new(call.body.clone()));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.path.clone();
        let headers = request.headers_mut();
        headers.reserve(8);
        headers.insert(HOST, self.host.clone());
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(CONTENT_TYPE_JSON_1_1),
        );
        headers.insert(X_AMZ_TARGET, call.target.clone());
        headers.insert(USER_AGENT, USER_AGENT_VALUE);
        for (name, value) in signature {
            headers.insert(
                HeaderName::try_from(name)?,
                HeaderValue::try_from(value).context("a credential is not a valid header")?,
            );
        }
        Ok(request)
    }
}

/// The endpoint's address and how to talk to it, resolved once for all workers.
pub(crate) struct Endpoint {
    url: String,
    authority: String,
    address: SocketAddr,
    tls: Option<(tokio_rustls::TlsConnector, ServerName<'static>)>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.url)
            .field("address", &self.address)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl Endpoint {
    /// Parses `url`, resolves its host once and, for https, prepares TLS trusting `ca_bundle`
    /// (or the system's roots without one).
    pub(crate) async fn resolve(url: &str, ca_bundle: Option<&Path>) -> anyhow::Result<Endpoint> {
        let uri: Uri = url.parse().with_context(|| format!("{url} is not a URL"))?;
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => bail!("the endpoint must start with http:// or https://"),
        };
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            bail!("the endpoint must have no path or query (KMS is served at /)");
        }
        let authority = uri
            .authority()
            .ok_or_else(|| anyhow!("the endpoint {url} has no host"))?;
        if authority.as_str().contains('@') {
            bail!("the endpoint must not carry credentials");
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let address = tokio::net::lookup_host((host, port))
            .await
            .with_context(|| format!("cannot resolve {host}"))?
            .next()
            .ok_or_else(|| anyhow!("{host} has no address"))?;
        let tls = if https {
            let name = ServerName::try_from(host.to_owned())
                .with_context(|| format!("{host} is not a valid TLS server name"))?;
            let config = tls_config(ca_bundle)?;
            Some((tokio_rustls::TlsConnector::from(Arc::new(config)), name))
        } else {
            None
        };
        Ok(Endpoint {
            url: url.trim_end_matches('/').to_owned(),
            authority: authority.as_str().to_owned(),
            address,
            tls,
        })
    }

    /// The URL as given (for reports).
    pub(crate) fn url(&self) -> String {
        self.url.clone()
    }

    /// What the `Host` header says.
    pub(crate) fn authority(&self) -> &str {
        &self.authority
    }

    /// Opens a new connection (TCP, TLS if https, HTTP/1.1 handshake).
    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, Failure> {
        let tcp = tokio::net::TcpStream::connect(self.address)
            .await
            .map_err(|err| Failure::new(Failure::CONNECT, err))?;
        // Requests are small and answered one at a time: never wait to coalesce segments.
        tcp.set_nodelay(true)
            .map_err(|err| Failure::new(Failure::CONNECT, err))?;
        match &self.tls {
            None => handshake(TokioIo::new(tcp)).await,
            Some((connector, name)) => {
                let tls = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(|err| Failure::new(Failure::CONNECT, err))?;
                handshake(TokioIo::new(tls)).await
            }
        }
    }
}

async fn handshake<T>(io: TokioIo<T>) -> Result<SendRequest<Full<Bytes>>, Failure>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|err| Failure::new(Failure::CONNECT, err))?;
    // The connection task ends by itself once its sender is dropped or the peer closes.
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::debug!("connection ended: {err}");
        }
    });
    Ok(sender)
}

fn tls_config(ca_bundle: Option<&Path>) -> anyhow::Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_bundle {
        Some(bundle) => {
            for cert in CertificateDer::pem_file_iter(bundle)
                .with_context(|| format!("cannot read the CA bundle {}", bundle.display()))?
            {
                roots.add(
                    cert.with_context(|| format!("bad certificate in {}", bundle.display()))?,
                )?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
        }
    }
    if roots.is_empty() {
        bail!("no CA certificates to trust: give --ca-bundle (or AWS_CA_BUNDLE)");
    }
    // The provider is named so that no process-wide default has to be installed first.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// What the server answered (any status).
#[derive(Debug)]
pub(crate) struct Answer {
    status: u16,
    error_type_header: Option<String>,
    body: Bytes,
}

impl Answer {
    /// `Ok` for a 2xx answer, else the error named as AWS names it.
    pub(crate) fn into_result(self) -> Result<Bytes, Failure> {
        if (200..300).contains(&self.status) {
            return Ok(self.body);
        }
        let parsed: Option<serde_json::Value> = serde_json::from_slice(&self.body).ok();
        let member = |name: &str| {
            parsed
                .as_ref()
                .and_then(|value| value.get(name))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let kind = member("__type")
            .or_else(|| self.error_type_header.clone())
            .map(|kind| error_type_name(&kind).to_owned())
            .filter(|kind| !kind.is_empty())
            .unwrap_or_else(|| format!("HTTP {}", self.status));
        let message = member("message")
            .or_else(|| member("Message"))
            .unwrap_or_else(|| {
                String::from_utf8_lossy(&self.body)
                    .chars()
                    .take(200)
                    .collect()
            });
        Err(Failure { kind, message })
    }
}

/// `ThrottlingException` out of the forms servers use: `ThrottlingException`,
/// `com.amazonaws.kms#ThrottlingException`, or the header's `ThrottlingException:http://…`.
pub(crate) fn error_type_name(raw: &str) -> &str {
    let after_namespace = raw.rsplit('#').next().unwrap_or(raw);
    after_namespace
        .split(':')
        .next()
        .unwrap_or(after_namespace)
        .trim()
}

/// Why a request brought no answer, or the error it was answered with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    /// The AWS `__type`, or one of the local kinds below.
    pub kind: String,
    /// A human-readable detail (the first one seen is kept as the report's example).
    pub message: String,
}

impl Failure {
    /// The connection could not be opened (TCP, TLS or HTTP handshake).
    pub(crate) const CONNECT: &'static str = "ConnectError";
    /// The connection failed while a request was in flight.
    pub(crate) const TRANSPORT: &'static str = "TransportError";
    /// No answer within `--timeout`.
    pub(crate) const TIMEOUT: &'static str = "Timeout";
    /// The request could not even be built.
    pub(crate) const LOCAL: &'static str = "LocalError";

    pub(crate) fn new(kind: &str, err: impl std::fmt::Display) -> Failure {
        Failure {
            kind: kind.to_owned(),
            message: err.to_string(),
        }
    }

    fn transport(err: hyper::Error) -> Failure {
        // hyper's own message is terse ("connection closed before message completed"); its
        // source (an io::Error) says why.
        let message = match std::error::Error::source(&err) {
            Some(source) => format!("{err}: {source}"),
            None => err.to_string(),
        };
        Failure {
            kind: Failure::TRANSPORT.to_owned(),
            message,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Failure {}

/// A worker's connection to the endpoint, reopened whenever it breaks.
#[derive(Debug)]
pub(crate) struct Client {
    endpoint: Arc<Endpoint>,
    signer: Arc<Signer>,
    sender: Option<SendRequest<Full<Bytes>>>,
    connects: u64,
}

impl Client {
    pub(crate) fn new(endpoint: Arc<Endpoint>, signer: Arc<Signer>) -> Client {
        Client {
            endpoint,
            signer,
            sender: None,
            connects: 0,
        }
    }

    /// Opens the connection now (so that the timed phase does not pay for it).
    pub(crate) async fn connect(&mut self) -> Result<(), Failure> {
        if self.sender.is_none() {
            self.sender = Some(self.endpoint.connect().await?);
            self.connects += 1;
        }
        Ok(())
    }

    /// Connections opened after the first: each one means the previous one broke or was
    /// closed by the server.
    pub(crate) fn reconnects(&self) -> u64 {
        self.connects.saturating_sub(1)
    }

    /// Signs and sends `call`, and reads the whole answer. A connection that failed is dropped
    /// and a new one opened on the next call; a future dropped mid-way (a timeout) drops it too.
    pub(crate) async fn send(&mut self, call: &Call) -> Result<Answer, Failure> {
        let request = self
            .signer
            .request(call, unix_now())
            .map_err(|err| Failure::new(Failure::LOCAL, format!("{err:#}")))?;
        let mut reusable = self.sender.take();
        if let Some(sender) = &mut reusable
            && sender.ready().await.is_err()
        {
            // The server closed it while idle (or after its last answer): open another.
            reusable = None;
        }
        let mut sender = match reusable {
            Some(sender) => sender,
            None => {
                let sender = self.endpoint.connect().await?;
                self.connects += 1;
                sender
            }
        };
        let response = sender
            .send_request(request)
            .await
            .map_err(Failure::transport)?;
        let status = response.status().as_u16();
        let error_type_header = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(Failure::transport)?
            .to_bytes();
        self.sender = Some(sender);
        Ok(Answer {
            status,
            error_type_header,
            body,
        })
    }

    /// A setup call: the answer as JSON, retrying throttling a few times (setup is not timed,
    /// and a rate-limited server should not make the whole run fail before it starts).
    pub(crate) async fn call_json(
        &mut self,
        operation: &'static str,
        body: &serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let call = Call::new(operation, body)?;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let outcome = self.send(&call).await.and_then(Answer::into_result);
            match outcome {
                Ok(body) => {
                    if body.is_empty() {
                        return Ok(serde_json::Value::Object(Default::default()));
                    }
                    return serde_json::from_slice(&body)
                        .with_context(|| format!("{operation} answered with unreadable JSON"));
                }
                Err(failure) if is_retryable(&failure.kind) && attempt < 5 => {
                    let pause = std::time::Duration::from_millis(50 << attempt);
                    tracing::debug!(%failure, ?pause, "retrying a setup call");
                    tokio::time::sleep(pause).await;
                }
                Err(failure) => {
                    return Err(
                        anyhow!(failure).context(format!("{operation} failed during setup"))
                    );
                }
            }
        }
    }
}

fn is_retryable(kind: &str) -> bool {
    matches!(
        kind,
        "ThrottlingException" | "KMSInternalException" | "DependencyTimeoutException"
    ) || kind == Failure::TRANSPORT
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, header: Option<&str>, body: &str) -> Answer {
        Answer {
            status,
            error_type_header: header.map(str::to_owned),
            body: Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn error_types_lose_their_namespace_and_uri() {
        assert_eq!(
            error_type_name("ThrottlingException"),
            "ThrottlingException"
        );
        assert_eq!(
            error_type_name("com.amazonaws.kms#NotFoundException"),
            "NotFoundException"
        );
        assert_eq!(
            error_type_name("AccessDeniedException:http://internal.amazon.com/coral/"),
            "AccessDeniedException"
        );
    }

    #[test]
    fn answers_are_classified_without_trusting_the_body() {
        assert!(answer(200, None, "{}").into_result().is_ok());
        let throttled = answer(
            400,
            None,
            r#"{"__type":"ThrottlingException","message":"slow down"}"#,
        )
        .into_result()
        .unwrap_err();
        assert_eq!(throttled.kind, "ThrottlingException");
        assert_eq!(throttled.message, "slow down");
        let from_header = answer(400, Some("NotFoundException:http://x"), "not json")
            .into_result()
            .unwrap_err();
        assert_eq!(from_header.kind, "NotFoundException");
        assert_eq!(from_header.message, "not json");
        let bare = answer(503, None, "").into_result().unwrap_err();
        assert_eq!(bare.kind, "HTTP 503");
        let odd = answer(500, None, r#"{"__type": 5, "Message": "boom"}"#)
            .into_result()
            .unwrap_err();
        assert_eq!(odd.kind, "HTTP 500");
        assert_eq!(odd.message, "boom");
    }

    #[test]
    fn requests_carry_the_signature_and_the_fixed_headers() {
        let signer = Signer::new(
            Credentials::new("AKIDEXAMPLE", "secret").with_session_token("token"),
            "eu-west-1",
            "127.0.0.1:4599",
        );
        let call = Call::new("Encrypt", &serde_json::json!({ "KeyId": "k" })).unwrap();
        let request = signer.request(&call, 1_700_000_000).unwrap();
        let headers = request.headers();
        assert_eq!(headers["host"], "127.0.0.1:4599");
        assert_eq!(headers["x-amz-target"], "TrentService.Encrypt");
        assert_eq!(headers["content-type"], CONTENT_TYPE_JSON_1_1);
        assert_eq!(headers["x-amz-date"], "20231114T221320Z");
        assert_eq!(headers["x-amz-security-token"], "token");
        let authorization = headers["authorization"].to_str().unwrap();
        assert!(authorization.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/eu-west-1/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature="
        ), "{authorization}");
    }
}
