//! One-off GET requests outside the VUs' transport, for remote modules: what Go's
//! `http.DefaultClient` does for k6's module loader. The environment's proxy
//! ([`super::proxy`]), the system's trusted roots as Go finds them ([`crate::tls`]), TLS always
//! verified, up to 10 redirects followed, one minute for the whole exchange.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::proxy::{self, Proxy};

/// k6's module loader gives up after one minute.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Go's client stops after 10 redirects.
const MAX_REDIRECTS: usize = 10;

/// Why a download failed.
#[derive(Debug, PartialEq, Eq)]
pub enum DownloadError {
    /// The server answered with this status (not 200, not a redirect).
    Status(u16),
    /// No answer: DNS, connection, TLS, proxy, timeout, too many redirects.
    Network(String),
}

/// GETs `url`, following redirects; the body of the final 200 answer.
pub async fn get(url: &url::Url) -> Result<Bytes, DownloadError> {
    match tokio::time::timeout(TIMEOUT, follow(url.clone())).await {
        Ok(r) => r,
        Err(_) => Err(DownloadError::Network(format!(
            "Get \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
        ))),
    }
}

async fn follow(mut url: url::Url) -> Result<Bytes, DownloadError> {
    for _ in 0..=MAX_REDIRECTS {
        let net = |e: String| DownloadError::Network(format!("Get \"{url}\": {e}"));
        let response = request(&url).await.map_err(net)?;
        let status = response.status();
        if status.is_redirection()
            && let Some(location) = response
                .headers()
                .get(hyper::header::LOCATION)
                .and_then(|l| l.to_str().ok())
        {
            let next = url
                .join(location)
                .map_err(|e| net(format!("failed to parse Location header {location:?}: {e}")))?;
            url = next;
            continue;
        }
        if status != hyper::StatusCode::OK {
            return Err(DownloadError::Status(status.as_u16()));
        }
        return response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .map_err(|e| net(e.to_string()));
    }
    Err(DownloadError::Network(format!(
        "Get \"{url}\": stopped after {MAX_REDIRECTS} redirects"
    )))
}

async fn request(url: &url::Url) -> Result<hyper::Response<hyper::body::Incoming>, String> {
    let https = match url.scheme() {
        "https" => true,
        "http" => false,
        other => return Err(format!("unsupported protocol scheme \"{other}\"")),
    };
    let host = url
        .host_str()
        .ok_or("no Host in request URL")?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url
        .port_or_known_default()
        .unwrap_or(if https { 443 } else { 80 });
    let proxy = proxy::from_env().proxy_for(https, &host, port)?;
    if let Some(p) = proxy {
        p.check_supported()?;
    }
    let (dial_host, dial_port) = proxy.map(Proxy::address).unwrap_or((&host, port));
    let mut tcp = TcpStream::connect((dial_host, dial_port))
        .await
        .map_err(|e| match proxy {
            Some(_) => format!("proxyconnect tcp: dial tcp {dial_host}:{dial_port}: {e}"),
            None => format!("dial tcp {dial_host}:{dial_port}: {e}"),
        })?;
    let _ = tcp.set_nodelay(true);
    let mut builder = hyper::Request::get(path_and_query(url)).header(
        hyper::header::HOST,
        url[url::Position::BeforeHost..url::Position::AfterPort].to_string(),
    );
    builder = builder.header(
        hyper::header::USER_AGENT,
        concat!("rk6/", env!("CARGO_PKG_VERSION"), " (module loader)"),
    );
    if !https && let Some(p) = proxy {
        // A plain-HTTP request goes to the proxy in absolute form, credentials in a header.
        builder = builder.uri(url.as_str());
        if let Some(auth) = &p.authorization {
            builder = builder.header(hyper::header::PROXY_AUTHORIZATION, auth);
        }
    }
    let req = builder
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    if !https {
        return exchange(tcp, req).await;
    }
    if let Some(p) = proxy {
        proxy::tunnel(&mut tcp, p, &host, port).await?;
    }
    let server_name = rustls::pki_types::ServerName::try_from(host.clone())
        .map_err(|_| format!("tls: invalid server name {host:?}"))?;
    let tls = tokio_rustls::TlsConnector::from(client_config()?)
        .connect(server_name, tcp)
        .await
        .map_err(|e| format!("tls: {e}"))?;
    exchange(tls, req).await
}

fn path_and_query(url: &url::Url) -> String {
    url[url::Position::BeforePath..url::Position::AfterQuery].to_string()
}

/// TLS settings for downloads: the system's roots, HTTP/1.1, built once per process.
fn client_config() -> Result<std::sync::Arc<rustls::ClientConfig>, String> {
    static CONFIG: std::sync::OnceLock<Result<std::sync::Arc<rustls::ClientConfig>, String>> =
        std::sync::OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map(|b| {
                    std::sync::Arc::new(
                        b.with_root_certificates(crate::tls::system_roots())
                            .with_no_client_auth(),
                    )
                })
                .map_err(|e| format!("tls: {e}"))
        })
        .clone()
}

async fn exchange<S>(
    io: S,
    req: hyper::Request<Empty<Bytes>>,
) -> Result<hyper::Response<hyper::body::Incoming>, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    sender.send_request(req).await.map_err(|e| e.to_string())
}
