//! One client's connection (HTTP/2 over TCP, or over TLS with ALPN `h2`) and the calls made
//! on it: unary calls awaited where they are made, streams driven by a task on the shared
//! runtime that hands each event to the VU.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::uri::PathAndQuery;
use http::{HeaderMap, HeaderValue, Uri};
use hyper::body::Incoming;
use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{mpsc, oneshot};
use tonic::metadata::MetadataMap;
use tonic::{Code, Status};

use super::codec::{DynamicCodec, Received};
use crate::http::timed_io::{IoStats, TimedIo};
use crate::http::transport::TransportConfig;

/// What `connect()` was given (k6's connect parameters).
#[derive(Clone, Debug)]
pub struct ConnectParams {
    /// `host:port`.
    pub addr: String,
    pub plaintext: bool,
    pub timeout: Duration,
    pub tls: TlsParams,
    pub max_receive: usize,
    pub max_send: usize,
    pub user_agent: String,
}

/// `tls: { cert, key, password, cacerts }`.
#[derive(Clone, Debug, Default)]
pub struct TlsParams {
    pub cert: Option<String>,
    pub key: Option<String>,
    pub password: Option<String>,
    pub cacerts: Vec<String>,
}

/// The tower service tonic sends requests through: one multiplexed HTTP/2 connection.
#[derive(Clone)]
pub struct Channel {
    sender: http2::SendRequest<tonic::body::Body>,
    user_agent: HeaderValue,
}

impl tower_service::Service<http::Request<tonic::body::Body>> for Channel {
    type Response = http::Response<Incoming>;
    type Error = hyper::Error;
    type Future =
        Pin<Box<dyn Future<Output = Result<http::Response<Incoming>, hyper::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), hyper::Error>> {
        self.sender.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<tonic::body::Body>) -> Self::Future {
        request
            .headers_mut()
            .insert(http::header::USER_AGENT, self.user_agent.clone());
        Box::pin(self.sender.send_request(request))
    }
}

pub type Grpc = tonic::client::Grpc<Channel>;

/// An open connection.
pub struct Connection {
    grpc: Grpc,
    stats: Arc<IoStats>,
    pub remote: SocketAddr,
    pub max_receive: usize,
    pub max_send: usize,
    /// The HTTP/2 connection's task: dropping the connection stops it.
    _driver: AbortOnDrop,
}

impl Connection {
    /// Bytes written and read on the socket so far (TLS records included).
    pub fn io_totals(&self) -> (u64, u64) {
        self.stats.totals()
    }

    /// A handle for one call.
    pub fn grpc(&self) -> Grpc {
        self.grpc.clone()
    }
}

/// grpc-go's wording of a failure while connecting, which k6 throws.
fn dial_error(detail: &str) -> String {
    format!("connection error: desc = \"transport: error while dialing: {detail}\"")
}

/// Dials `params.addr` and completes the HTTP/2 handshake (and the TLS one first unless
/// `plaintext`) within `params.timeout`.
pub async fn connect(
    params: &ConnectParams,
    cfg: &TransportConfig,
    local_ip: Option<std::net::IpAddr>,
) -> Result<Connection, String> {
    match tokio::time::timeout(params.timeout, connect_now(params, cfg, local_ip)).await {
        Ok(result) => result,
        Err(_) => Err("context deadline exceeded".to_string()),
    }
}

async fn connect_now(
    params: &ConnectParams,
    cfg: &TransportConfig,
    local_ip: Option<std::net::IpAddr>,
) -> Result<Connection, String> {
    let (host, port) = split_host_port(&params.addr)
        .map_err(|e| dial_error(&format!("address {}: {e}", params.addr)))?;
    let tls = if params.plaintext {
        None
    } else {
        Some(client_tls(&cfg.tls(), &params.tls, cfg.insecure())?)
    };
    let addrs = crate::http::transport::resolve(host, port, cfg)
        .await
        .map_err(|e| dial_error(&e.detail))?;
    let (tcp, remote) = crate::http::transport::dial(&addrs, local_ip)
        .await
        .map_err(|e| dial_error(&e.detail))?;
    let _ = tcp.set_nodelay(true);
    let stats = IoStats::new();
    let io = TimedIo::new(tcp, stats.clone());
    let scheme = if tls.is_some() { "https" } else { "http" };
    let origin: Uri = format!("{scheme}://{}", params.addr)
        .parse()
        .map_err(|e| dial_error(&format!("address {}: {e}", params.addr)))?;
    let builder = http2::Builder::new(TokioExecutor::new());
    let (preface_tx, preface) = oneshot::channel();
    let (sender, driver) = match tls {
        None => {
            let io = PrefaceWatch::new(io, preface_tx);
            let (sender, conn) = builder
                .handshake(TokioIo::new(io))
                .await
                .map_err(|e| dial_error(&e.to_string()))?;
            (sender, tokio::spawn(async move { drop(conn.await) }))
        }
        Some(tls) => {
            let name = ServerName::try_from(host.trim_start_matches('[').trim_end_matches(']'))
                .map_err(|_| dial_error(&format!("invalid server name {host:?}")))?
                .to_owned();
            let stream = tokio_rustls::TlsConnector::from(Arc::new(tls))
                .connect(name, io)
                .await
                .map_err(|e| {
                    let detail = crate::http::errors::tls_error(host, &e).detail;
                    format!(
                        "connection error: desc = \"transport: authentication handshake failed: {detail}\""
                    )
                })?;
            let io = PrefaceWatch::new(stream, preface_tx);
            let (sender, conn) = builder
                .handshake(TokioIo::new(io))
                .await
                .map_err(|e| dial_error(&e.to_string()))?;
            (sender, tokio::spawn(async move { drop(conn.await) }))
        }
    };
    let driver = AbortOnDrop(driver.abort_handle());
    // Like grpc-go's blocking dial (k6's), the connection counts as made once the server has
    // answered with its HTTP/2 preface.
    match preface.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            return Err(format!(
                "connection error: desc = \"error reading server preface: {e}\""
            ));
        }
        Err(_) => {
            return Err(
                "connection error: desc = \"error reading server preface: EOF\"".to_string(),
            );
        }
    }
    let user_agent = HeaderValue::from_str(&params.user_agent)
        .unwrap_or_else(|_| HeaderValue::from_static("rk6"));
    let channel = Channel { sender, user_agent };
    // The limits are checked where grpc-go checks them (see `codec` and `invoke`), with its
    // messages, so tonic's own are lifted.
    let grpc = tonic::client::Grpc::with_origin(channel, origin)
        .max_decoding_message_size(usize::MAX)
        .max_encoding_message_size(usize::MAX);
    Ok(Connection {
        grpc,
        stats,
        remote,
        max_receive: params.max_receive,
        max_send: params.max_send,
        _driver: driver,
    })
}

/// Reports whether what the server sends first is an HTTP/2 SETTINGS frame (the server's
/// preface): frame type, the fourth byte of the frame header, 4.
struct PrefaceWatch<T> {
    inner: T,
    head: Vec<u8>,
    report: Option<oneshot::Sender<Result<(), String>>>,
}

const FRAME_TYPE_OFFSET: usize = 3;
const SETTINGS_FRAME: u8 = 4;

impl<T> PrefaceWatch<T> {
    fn new(inner: T, report: oneshot::Sender<Result<(), String>>) -> Self {
        PrefaceWatch {
            inner,
            head: Vec::with_capacity(FRAME_TYPE_OFFSET + 1),
            report: Some(report),
        }
    }

    fn settle(&mut self, outcome: Result<(), String>) {
        if let Some(report) = self.report.take() {
            let _ = report.send(outcome);
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for PrefaceWatch<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if self.report.is_some() {
            match &polled {
                Poll::Ready(Ok(())) => {
                    let new = &buf.filled()[before..];
                    if new.is_empty() {
                        self.settle(Err("unexpected EOF".into()));
                    } else {
                        let want = FRAME_TYPE_OFFSET + 1 - self.head.len();
                        let taken = new.len().min(want);
                        let chunk = new[..taken].to_vec();
                        self.head.extend_from_slice(&chunk);
                        if self.head.len() > FRAME_TYPE_OFFSET {
                            let outcome = if self.head[FRAME_TYPE_OFFSET] == SETTINGS_FRAME {
                                Ok(())
                            } else {
                                Err("the first frame from the server is not SETTINGS".into())
                            };
                            self.settle(outcome);
                        }
                    }
                }
                Poll::Ready(Err(e)) => {
                    let text = e.to_string();
                    self.settle(Err(text));
                }
                Poll::Pending => {}
            }
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for PrefaceWatch<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// `host:port` (IPv6 hosts in brackets), as Go's `net.SplitHostPort` takes it.
fn split_host_port(addr: &str) -> Result<(&str, u16), String> {
    let Some((host, port)) = addr.rsplit_once(':') else {
        return Err("missing port in address".into());
    };
    if host.contains(':') && !(host.starts_with('[') && host.ends_with(']')) {
        return Err("too many colons in address".into());
    }
    let port = port
        .parse::<u16>()
        .map_err(|_| format!("invalid port {port:?}"))?;
    Ok((host.trim_start_matches('[').trim_end_matches(']'), port))
}

/// The run's TLS settings (`insecureSkipTLSVerify`, `tlsVersion`, `tlsCipherSuites`) with
/// ALPN `h2` only, the connect call's extra CA certificates (added to the system's, as k6
/// does) and client certificate.
fn client_tls(
    base: &rustls::ClientConfig,
    params: &TlsParams,
    insecure: bool,
) -> Result<rustls::ClientConfig, String> {
    let mut tls = base.clone();
    tls.alpn_protocols = vec![b"h2".to_vec()];
    let provider = tls.crypto_provider().clone();
    if !params.cacerts.is_empty() && !insecure {
        let mut roots = crate::tls::system_roots();
        for (i, pem) in params.cacerts.iter().enumerate() {
            let certs: Vec<CertificateDer<'static>> =
                CertificateDer::pem_slice_iter(pem.as_bytes())
                    .collect::<Result<_, _>>()
                    .map_err(|_| format!("failed to append ca certificate [{i}] from PEM"))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!("failed to append ca certificate [{i}] from PEM"));
            }
        }
        let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .build()
        .map_err(|e| format!("failed to use the ca certificates: {e}"))?;
        tls.dangerous().set_certificate_verifier(verifier);
    }
    let (Some(cert), Some(key)) = (&params.cert, &params.key) else {
        return Ok(tls);
    };
    if cert.is_empty() || key.is_empty() {
        return Ok(tls);
    }
    if params.password.as_deref().is_some_and(|p| !p.is_empty()) {
        return Err(
            "encrypted private keys (tls.password) are not supported by rk6: decrypt the key first \
             (openssl pkey -in key.pem -out plain-key.pem) and pass it without a password"
                .into(),
        );
    }
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("failed to append certificate from PEM: {e}"))?;
    if chain.is_empty() {
        return Err(
            "failed to append certificate from PEM: tls: failed to find any PEM data in certificate input"
                .into(),
        );
    }
    let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).map_err(|_| {
        "failed to append certificate from PEM: tls: failed to find any PEM data in key input"
            .to_string()
    })?;
    let certified = rustls::sign::CertifiedKey::from_der(chain, key, &provider)
        .map_err(|e| format!("failed to append certificate from PEM: {e}"))?;
    tls.client_auth_cert_resolver = Arc::new(ClientCert(Arc::new(certified)));
    Ok(tls)
}

/// Presents one certificate to every server that asks.
#[derive(Debug)]
struct ClientCert(Arc<rustls::sign::CertifiedKey>);

impl rustls::client::ResolvesClientCert for ClientCert {
    fn resolve(
        &self,
        _: &[&[u8]],
        _: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// Metadata names grpc-go keeps out of what scripts see in `headers` and `trailers`.
fn is_reserved(name: &str) -> bool {
    matches!(
        name,
        "grpc-status"
            | "grpc-message"
            | "grpc-status-details-bin"
            | "grpc-encoding"
            | "grpc-message-type"
            | "grpc-timeout"
            | "te"
    )
}

/// Response metadata as scripts see it: grpc-go's reserved names left out, the others in the
/// order they came (removing from a `HeaderMap` would reorder it).
pub fn visible_metadata(headers: HeaderMap) -> HeaderMap {
    let mut visible = HeaderMap::with_capacity(headers.len());
    for (name, value) in &headers {
        if !is_reserved(name.as_str()) {
            visible.append(name.clone(), value.clone());
        }
    }
    visible
}

/// How a unary call ended.
pub struct UnaryOutcome {
    pub code: Code,
    pub status_message: String,
    pub headers: HeaderMap,
    pub trailers: HeaderMap,
    /// The response, when one came.
    pub message: Option<Received>,
    /// k6 reports no `grpc_req_duration` for a call its own deadline cut short.
    pub timed_out: bool,
    pub duration: Duration,
}

impl UnaryOutcome {
    fn failed(code: Code, message: String, duration: Duration) -> UnaryOutcome {
        UnaryOutcome {
            code,
            status_message: message,
            headers: HeaderMap::new(),
            trailers: HeaderMap::new(),
            message: None,
            timed_out: false,
            duration,
        }
    }
}

/// A call's request: the method's path, its metadata and how long it may take.
pub struct CallSpec {
    pub path: PathAndQuery,
    pub metadata: HeaderMap,
    pub timeout: Option<Duration>,
    pub codec: DynamicCodec,
}

fn tonic_request<T>(
    metadata: HeaderMap,
    timeout: Option<Duration>,
    message: T,
) -> tonic::Request<T> {
    let mut request = tonic::Request::from_parts(
        MetadataMap::from_headers(metadata),
        Default::default(),
        message,
    );
    if let Some(t) = timeout {
        request.set_timeout(t);
    }
    request
}

/// Makes a unary call with an encoded request (`max_send` is checked before anything is
/// sent, as grpc-go does).
pub async fn unary(mut grpc: Grpc, spec: CallSpec, body: Bytes, max_send: usize) -> UnaryOutcome {
    let start = Instant::now();
    if body.len() > max_send {
        return UnaryOutcome::failed(
            Code::ResourceExhausted,
            format!(
                "trying to send message larger than max ({} vs. {max_send})",
                body.len()
            ),
            start.elapsed(),
        );
    }
    let call = async {
        let request = tonic_request(
            spec.metadata,
            spec.timeout,
            futures_lite::stream::once(body),
        );
        let response = match grpc.streaming(request, spec.path, spec.codec).await {
            Ok(r) => r,
            Err(status) => return ended(status, HeaderMap::new(), None, start),
        };
        let (headers, mut body, _) = response.into_parts();
        let headers = visible_metadata(headers.into_headers());
        let message = match body.message().await {
            Ok(m) => m,
            Err(status) => return ended(status, headers, None, start),
        };
        match body.trailers().await {
            Ok(trailers) => UnaryOutcome {
                code: Code::Ok,
                status_message: String::new(),
                headers,
                trailers: visible_metadata(trailers.map(|t| t.into_headers()).unwrap_or_default()),
                message,
                timed_out: false,
                duration: start.elapsed(),
            },
            Err(status) => ended(status, headers, message, start),
        }
    };
    let Some(timeout) = spec.timeout else {
        return call.await;
    };
    match tokio::time::timeout(timeout, call).await {
        Ok(outcome) => outcome,
        Err(_) => UnaryOutcome {
            timed_out: true,
            ..UnaryOutcome::failed(
                Code::DeadlineExceeded,
                "context deadline exceeded".into(),
                start.elapsed(),
            )
        },
    }
}

/// A call that ended with `status` (its metadata are the trailers).
fn ended(
    status: Status,
    headers: HeaderMap,
    message: Option<Received>,
    start: Instant,
) -> UnaryOutcome {
    UnaryOutcome {
        code: status.code(),
        status_message: status.message().to_string(),
        headers,
        trailers: visible_metadata(status.metadata().clone().into_headers()),
        message,
        timed_out: false,
        duration: start.elapsed(),
    }
}

/// What a stream reports to the VU.
#[derive(Debug)]
pub enum StreamEvent {
    Message(Received),
    /// The call is over: its status (OK included). Not `measured` when the stream's own
    /// deadline ended it (k6 then reports no `grpc_req_duration`).
    Finished {
        code: Code,
        message: String,
        measured: bool,
        duration: Duration,
    },
}

/// The VU's side of a stream: the requests to send (dropping the sender ends the client's
/// side), the events to take, and the task (dropping it cancels the call).
pub struct StreamHandle {
    pub requests: mpsc::UnboundedSender<Bytes>,
    pub events: mpsc::UnboundedReceiver<StreamEvent>,
    /// For the VU to end the stream itself (a message it cannot send).
    pub inject: mpsc::UnboundedSender<StreamEvent>,
    pub task: AbortOnDrop,
}

/// Aborts a task when dropped.
pub struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts a streaming call on the shared runtime: the request headers go out at once, and
/// so does every queued message, whatever the VU is doing meanwhile.
pub fn start_stream(grpc: Grpc, spec: CallSpec, rt: &tokio::runtime::Handle) -> StreamHandle {
    let (requests, rx) = mpsc::unbounded_channel::<Bytes>();
    let (events_tx, events) = mpsc::unbounded_channel();
    let inject = events_tx.clone();
    let outgoing =
        futures_lite::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|m| (m, rx)) });
    let timeout = spec.timeout;
    let task = rt.spawn(async move {
        let start = Instant::now();
        let finished = |code, message: String, measured| StreamEvent::Finished {
            code,
            message,
            measured,
            duration: start.elapsed(),
        };
        let events = events_tx.clone();
        let run = async move {
            let mut grpc = grpc;
            let request = tonic_request(spec.metadata, spec.timeout, outgoing);
            let response = match grpc.streaming(request, spec.path, spec.codec).await {
                Ok(r) => r,
                Err(status) => return (status.code(), status.message().to_string()),
            };
            let mut body = response.into_inner();
            loop {
                match body.message().await {
                    Ok(Some(m)) => {
                        if events.send(StreamEvent::Message(m)).is_err() {
                            return (Code::Cancelled, "the VU is gone".into());
                        }
                    }
                    Ok(None) => return (Code::Ok, String::new()),
                    Err(status) => return (status.code(), status.message().to_string()),
                }
            }
        };
        let event = match timeout {
            None => {
                let (code, message) = run.await;
                finished(code, message, true)
            }
            Some(t) => match tokio::time::timeout(t, run).await {
                Ok((code, message)) => finished(code, message, true),
                Err(_) => finished(
                    Code::DeadlineExceeded,
                    "context deadline exceeded".into(),
                    false,
                ),
            },
        };
        let _ = events_tx.send(event);
    });
    StreamHandle {
        requests,
        events,
        inject,
        task: AbortOnDrop(task.abort_handle()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_as_go_splits_it() {
        assert_eq!(split_host_port("127.0.0.1:10000"), Ok(("127.0.0.1", 10000)));
        assert_eq!(split_host_port("[::1]:443"), Ok(("::1", 443)));
        assert_eq!(split_host_port("localhost:1"), Ok(("localhost", 1)));
        assert_eq!(
            split_host_port("127.0.0.1"),
            Err("missing port in address".to_string())
        );
        assert!(split_host_port("::1:80").is_err());
    }

    #[test]
    fn reserved_metadata_is_hidden() {
        let mut h = HeaderMap::new();
        h.insert("grpc-status", HeaderValue::from_static("0"));
        h.insert("grpc-message", HeaderValue::from_static("x"));
        h.insert("content-type", HeaderValue::from_static("application/grpc"));
        h.insert("x-a", HeaderValue::from_static("b"));
        let v = visible_metadata(h);
        let names: Vec<&str> = v.keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["content-type", "x-a"]);
    }
}
