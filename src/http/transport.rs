//! The per-VU HTTP transport: a keep-alive connection pool owned by one VU (as in k6, VUs never
//! share connections), HTTP/1.1 and HTTP/2 (ALPN over TLS), with real per-phase timings.
//!
//! The VU thread owns the pool; a request takes its connection out, runs on the shared tokio
//! runtime, and hands the connection back with the response, so the pool needs no lock.
//! HTTP/2 connections stay in the pool while in use: their senders are clones of one
//! multiplexed connection, as Go's transport shares one HTTP/2 connection per host.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tokio::time::timeout_at;

use super::blocklist::{BlockedHostnames, check_blacklist};
use super::errors::{self, HttpError};
use super::hosts::Hosts;
use super::rate_limit::RequestRateLimit;
use super::timed_io::{IoStats, TimedIo};
use crate::js::interrupt::VuSignal;

/// How long a TCP connect may take before it fails with k6's "dial: i/o timeout" (k6's
/// dialer uses 30 s).
const DIAL_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest response head Go's transport (k6's) reads: `MaxResponseHeaderBytes` is unset
/// in k6, so Go's default of 10 MiB applies, to HTTP/2 header lists as well. Beyond it k6
/// fails the request with "net/http: server response headers exceeded 10485760 bytes;
/// aborted".
pub const MAX_RESPONSE_HEADER_BYTES: usize = 10 << 20;

/// Header lines of an HTTP/1 response rk6 reads at most. Go counts no lines, only bytes
/// (k6 v1.1.0 read a response with 100 000 header lines); hyper needs a number, and the
/// `http` crate's header map it parses into holds at most 24 576 entries (hyper panics
/// above that), so that is rk6's limit, where hyper's default (100) failed with "message head
/// is too large". hyper reserves room for that many entries on every parse (two
/// uninitialised arrays of 32-byte entries, of which a parse touches only what it fills):
/// 40 000 requests cost the same CPU time as with the default.
pub const MAX_RESPONSE_HEADER_LINES: usize = 24_576;

/// HTTP/1 with k6's limits on response heads (see above); hyper's read buffer must hold a
/// whole head, so it may grow a little past the limit.
fn http1_builder() -> http1::Builder {
    let mut b = http1::Builder::new();
    b.max_headers(MAX_RESPONSE_HEADER_LINES)
        .max_header_size(MAX_RESPONSE_HEADER_BYTES)
        .max_buf_size(MAX_RESPONSE_HEADER_BYTES + 64 * 1024);
    b
}

/// Transport settings shared by every VU of a run.
pub struct TransportConfig {
    /// Built on the first TLS connection: loading and parsing the system's trusted roots
    /// took ~35 ms, twice per run (the options pass and the test), in tests that never
    /// use TLS.
    tls: std::sync::OnceLock<Arc<rustls::ClientConfig>>,
    /// The same settings offering only HTTP/1.1 (WebSocket handshakes), built on first use.
    tls_http1: std::sync::OnceLock<Arc<rustls::ClientConfig>>,
    insecure: bool,
    tls_options: crate::tls::TlsOptions,
    pub hosts: Hosts,
    pub blocked_hostnames: BlockedHostnames,
    pub blacklisted_ips: Vec<ipnet::IpNet>,
    /// The `rps` option, shared by every VU.
    pub rate_limit: Option<RequestRateLimit>,
    /// `--local-ips`: each VU's source address.
    pub local_ips: Option<super::local_ips::LocalIpPool>,
    pub no_connection_reuse: bool,
    pub no_vu_connection_reuse: bool,
}

/// Trusted roots: the system's, found as Go finds them (`SSL_CERT_FILE`/`SSL_CERT_DIR`).
fn root_store() -> rustls::RootCertStore {
    crate::tls::system_roots()
}

impl TransportConfig {
    /// From the run's options (`hosts`, TLS, blocking, `rps`, connection reuse). The TLS
    /// options are checked here; the client settings themselves are built on the first TLS
    /// connection (loading the system's trusted roots took ~35 ms, twice per run).
    pub fn new(options: &crate::options::Options) -> Result<Arc<TransportConfig>, String> {
        tls_config(options.insecure_skip_tls_verify, &options.tls, false)?;
        let hosts = Hosts::new(options.hosts.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        Ok(Arc::new(TransportConfig {
            tls: std::sync::OnceLock::new(),
            tls_http1: std::sync::OnceLock::new(),
            insecure: options.insecure_skip_tls_verify,
            tls_options: options.tls.clone(),
            hosts,
            blocked_hostnames: options.blocked_hostnames.clone(),
            blacklisted_ips: options.blacklisted_ips.clone(),
            rate_limit: RequestRateLimit::new(options.rps),
            local_ips: options.local_ips.clone(),
            no_connection_reuse: options.no_connection_reuse,
            no_vu_connection_reuse: options.no_vu_connection_reuse,
        }))
    }

    /// `insecureSkipTLSVerify`.
    pub fn insecure(&self) -> bool {
        self.insecure
    }

    /// The TLS client settings (built on first use).
    pub fn tls(&self) -> Arc<rustls::ClientConfig> {
        self.tls
            .get_or_init(|| {
                // `new` checked these options, so building cannot fail here; the fallback
                // only satisfies the type.
                Arc::new(
                    tls_config(self.insecure, &self.tls_options, true).unwrap_or_else(|_| {
                        rustls::ClientConfig::builder()
                            .with_root_certificates(root_store())
                            .with_no_client_auth()
                    }),
                )
            })
            .clone()
    }

    /// The TLS client settings with ALPN `http/1.1` only, as k6 dials WebSockets.
    pub fn tls_http1(&self) -> Arc<rustls::ClientConfig> {
        self.tls_http1
            .get_or_init(|| {
                let mut tls = (*self.tls()).clone();
                tls.alpn_protocols = vec![b"http/1.1".to_vec()];
                Arc::new(tls)
            })
            .clone()
    }
}

/// rustls client settings for the `tlsVersion`/`tlsCipherSuites` options, with the system's
/// roots (`with_roots`) or none (to check the options cheaply).
fn tls_config(
    insecure: bool,
    tls_options: &crate::tls::TlsOptions,
    with_roots: bool,
) -> Result<rustls::ClientConfig, String> {
    let mut provider = rustls::crypto::ring::default_provider();
    // Go's preference order (AES-128 first), so servers that follow the client's order
    // negotiate the suite k6 would.
    provider
        .cipher_suites
        .sort_by_key(|s| go_suite_rank(s.suite()));
    if let Some(allowed) = &tls_options.tls12_suites {
        provider.cipher_suites.retain(|s| {
            s.version() == &rustls::version::TLS13
                || allowed.iter().any(|a| a == cipher_suite_name(s.suite()))
        });
    }
    let provider = Arc::new(provider);
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&tls_options.versions)
        // e.g. `tlsVersion: 'tls1.2'` with only TLS 1.2 suites rustls lacks (CBC).
        .map_err(|e| {
            format!("the TLS options leave no usable protocol version and cipher suite: {e}")
        })?;
    let mut tls = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(crate::tls::AcceptAnyServerCert(provider)))
            .with_no_client_auth()
    } else if with_roots {
        builder
            .with_root_certificates(root_store())
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth()
    };
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tls)
}

enum Sender {
    H1(http1::SendRequest<Full<Bytes>>),
    H2(http2::SendRequest<Full<Bytes>>),
}

/// What k6 reports about a TLS session.
#[derive(Clone, Copy, Debug, Default)]
pub struct TlsInfo {
    /// `tls1.2`, `tls1.3`.
    pub version: &'static str,
    /// Go's cipher suite name (`TLS_AES_128_GCM_SHA256`).
    pub cipher_suite: &'static str,
}

pub struct Conn {
    sender: Sender,
    stats: Arc<IoStats>,
    local: Option<SocketAddr>,
    remote: SocketAddr,
    tls: Option<TlsInfo>,
    /// A plain-HTTP connection to a proxy: requests go in absolute form, with the proxy's
    /// credentials (`Proxy-Authorization`, when it has any).
    http_proxy: Option<Option<String>>,
}

impl Conn {
    fn is_closed(&self) -> bool {
        match &self.sender {
            Sender::H1(s) => s.is_closed(),
            Sender::H2(s) => s.is_closed(),
        }
    }

    fn is_h2(&self) -> bool {
        matches!(self.sender, Sender::H2(_))
    }

    /// Another handle on a multiplexed HTTP/2 connection.
    fn share(&self) -> Option<Conn> {
        let Sender::H2(s) = &self.sender else {
            return None;
        };
        Some(Conn {
            sender: Sender::H2(s.clone()),
            stats: self.stats.clone(),
            local: self.local,
            remote: self.remote,
            tls: self.tls,
            http_proxy: self.http_proxy.clone(),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PoolKey {
    pub https: bool,
    pub host: String,
    pub port: u16,
}

/// Phase durations in milliseconds, as k6 reports them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    pub blocked: f64,
    pub connecting: f64,
    pub tls_handshaking: f64,
    pub sending: f64,
    pub waiting: f64,
    pub receiving: f64,
}

impl Timings {
    pub fn duration(&self) -> f64 {
        self.sending + self.waiting + self.receiving
    }
}

pub struct RawResponse {
    pub status: u16,
    /// The reason phrase of the status line when it is not the canonical one (Go shows the
    /// phrase the server sent, e.g. `599 <none>`).
    pub reason: Option<String>,
    pub version: hyper::Version,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
    pub timings: Timings,
    pub remote: SocketAddr,
    pub tls: Option<TlsInfo>,
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

pub struct FailedRequest {
    pub error: HttpError,
    pub timings: Timings,
    /// What arrived of the body before the failure (k6 returns it with a body timeout).
    pub partial_body: Bytes,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub interrupted: bool,
}

impl FailedRequest {
    fn new(error: HttpError, timings: Timings) -> Box<FailedRequest> {
        Box::new(FailedRequest {
            error,
            timings,
            partial_body: Bytes::new(),
            bytes_sent: 0,
            bytes_received: 0,
            interrupted: false,
        })
    }
}

pub struct PreparedRequest {
    pub key: PoolKey,
    pub request: hyper::Request<Full<Bytes>>,
    pub timeout: Duration,
    /// Read the body and drop it as it arrives (`responseType: 'none'`): a 200 MB download
    /// costs no more memory than a small one, as in k6.
    pub discard_body: bool,
}

#[derive(Default)]
pub struct Pool {
    idle: HashMap<PoolKey, Vec<Conn>>,
}

impl Pool {
    fn take(&mut self, key: &PoolKey) -> Option<Conn> {
        let list = self.idle.get_mut(key)?;
        while let Some(c) = list.pop() {
            if c.is_closed() {
                continue;
            }
            if let Some(shared) = c.share() {
                list.push(c);
                return Some(shared);
            }
            return Some(c);
        }
        None
    }

    fn put(&mut self, key: PoolKey, conn: Conn) {
        let list = self.idle.entry(key).or_default();
        if conn.is_h2() {
            list.retain(|c| !c.is_closed());
            // One multiplexed connection per host is enough; a second one (dialled while the
            // first was being set up) is dropped.
            if list.iter().any(Conn::is_h2) {
                return;
            }
        }
        list.push(conn);
    }

    /// Closes every idle connection (`noVUConnectionReuse` between iterations).
    pub fn clear(&mut self) {
        self.idle.clear();
    }
}

/// hyper parses header values as slices of the connection's read buffer (8 KiB and up), so a
/// response kept by the script (its JS object lives until the VU's next garbage collection)
/// would pin a whole buffer per response: ~14 KB per request, hundreds of MB at 50 VUs
/// (bench/PROFILE.md). Copying the few values into their own allocations frees the buffer.
fn detach_headers(headers: hyper::HeaderMap) -> hyper::HeaderMap {
    let mut out = hyper::HeaderMap::with_capacity(headers.len());
    let mut last = None;
    for (name, value) in headers {
        // Iterating by value yields the name only on the first of repeated values.
        let name = match name {
            Some(n) => {
                last = Some(n.clone());
                n
            }
            None => match &last {
                Some(n) => n.clone(),
                None => continue,
            },
        };
        let sensitive = value.is_sensitive();
        // `from_bytes` copies; a value it refuses (never one hyper accepted) stays as is.
        let mut copy = hyper::header::HeaderValue::from_bytes(value.as_bytes()).unwrap_or(value);
        copy.set_sensitive(sensitive);
        out.append(name, copy);
    }
    out
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn is_no_such_host(e: &std::io::Error) -> bool {
    let s = e.to_string();
    s.contains("Name or service not known")
        || s.contains("No address associated")
        || s.contains("nodename nor servname")
        || s.contains("not known")
}

/// Go's `isDomainName` (net/dnsclient.go): labels of letters, digits, `_` and inner `-`, at
/// most 63 bytes each and 253 in all, not all-numeric.
fn is_domain_name(s: &str) -> bool {
    let b = s.as_bytes();
    let l = b.len();
    if s == "." {
        return true;
    }
    if l == 0 || l > 254 || (l == 254 && b[l - 1] != b'.') {
        return false;
    }
    let (mut last, mut non_numeric, mut part) = (b'.', false, 0);
    for &c in b {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                non_numeric = true;
                part += 1;
            }
            b'0'..=b'9' => part += 1,
            b'-' => {
                if last == b'.' {
                    return false;
                }
                part += 1;
                non_numeric = true;
            }
            b'.' => {
                if last == b'.' || last == b'-' || part > 63 || part == 0 {
                    return false;
                }
                part = 0;
            }
            _ => return false,
        }
        last = c;
    }
    last != b'-' && part <= 63 && non_numeric
}

/// `lookup name on 10.0.0.53:53`, as Go's resolver (k6's) names the server that answered:
/// the first nameserver of /etc/resolv.conf.
fn lookup_prefix(target: &str) -> String {
    static NAMESERVER: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let ns = NAMESERVER.get_or_init(|| {
        let conf = std::fs::read_to_string("/etc/resolv.conf").ok()?;
        conf.lines().find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some("nameserver"))
                .then(|| words.next())
                .flatten()
                .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
                .map(|ip| SocketAddr::new(ip, 53).to_string())
        })
    });
    match ns {
        Some(ns) => format!("lookup {target} on {ns}"),
        None => format!("lookup {target}"),
    }
}

/// Every address of the host, in the resolver's order (the dialer tries them in turn),
/// refusing blocked host names and blacklisted addresses as k6's dialer does.
pub(crate) async fn resolve(
    host: &str,
    port: u16,
    cfg: &TransportConfig,
) -> Result<Vec<SocketAddr>, HttpError> {
    cfg.blocked_hostnames.check(host)?;
    let addrs = resolve_unchecked(host, port, cfg).await?;
    // k6 dials one address per name; rk6 may try several, so none may be blacklisted.
    for a in &addrs {
        check_blacklist(&cfg.blacklisted_ips, a.ip())?;
    }
    Ok(addrs)
}

async fn resolve_unchecked(
    host: &str,
    port: u16,
    cfg: &TransportConfig,
) -> Result<Vec<SocketAddr>, HttpError> {
    let (target, port) = cfg.hosts.lookup(host, port).unwrap_or((host, port));
    let target_trim = target.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = target_trim.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    if !is_domain_name(target) {
        // Go's resolver refuses such a name without asking any server.
        return Err(HttpError::with_detail(
            errors::DNS_NO_SUCH_HOST,
            "lookup: no such host",
            format!("lookup {target}: no such host"),
        ));
    }
    match tokio::net::lookup_host((target, port)).await {
        Ok(addrs) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                return Err(HttpError::with_detail(
                    errors::DNS_NO_SUCH_HOST,
                    "lookup: no such host",
                    format!("{}: no such host", lookup_prefix(target)),
                ));
            }
            Ok(addrs)
        }
        Err(e) if is_no_such_host(&e) => Err(HttpError::with_detail(
            errors::DNS_NO_SUCH_HOST,
            "lookup: no such host",
            format!("{}: no such host", lookup_prefix(target)),
        )),
        Err(e) => {
            let msg = format!("lookup {target}: {e}");
            Err(HttpError::new(errors::DNS_GENERIC, msg))
        }
    }
}

fn go_suite_rank(s: rustls::CipherSuite) -> u8 {
    use rustls::CipherSuite as C;
    match s {
        C::TLS13_AES_128_GCM_SHA256 => 0,
        C::TLS13_AES_256_GCM_SHA384 => 1,
        C::TLS13_CHACHA20_POLY1305_SHA256 => 2,
        C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => 3,
        C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => 4,
        C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => 5,
        C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => 6,
        _ => 7,
    }
}

/// Go's names for the suites rustls negotiates.
fn cipher_suite_name(s: rustls::CipherSuite) -> &'static str {
    use rustls::CipherSuite as C;
    match s {
        C::TLS13_AES_128_GCM_SHA256 => "TLS_AES_128_GCM_SHA256",
        C::TLS13_AES_256_GCM_SHA384 => "TLS_AES_256_GCM_SHA384",
        C::TLS13_CHACHA20_POLY1305_SHA256 => "TLS_CHACHA20_POLY1305_SHA256",
        C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => {
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
        }
        C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => {
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
        }
        _ => "",
    }
}

/// Dials the addresses in turn until one answers, within one dial timeout for all, as Go's
/// dialer does: `localhost` may resolve to `::1` first while the server listens on
/// 127.0.0.1 only. All failing gives the first address's error.
pub(crate) async fn dial(
    addrs: &[SocketAddr],
    local_ip: Option<std::net::IpAddr>,
) -> Result<(TcpStream, SocketAddr), HttpError> {
    let deadline = tokio::time::Instant::now() + DIAL_TIMEOUT;
    let mut first_error: Option<HttpError> = None;
    for &addr in addrs {
        let error = match timeout_at(deadline, connect_from(addr, local_ip)).await {
            Ok(Ok(tcp)) => return Ok((tcp, addr)),
            Ok(Err(e)) => errors::dial_error(addr, &e),
            Err(_) => errors::dial_timeout(addr),
        };
        let timed_out = error.code == errors::DIAL_TIMEOUT;
        first_error.get_or_insert(error);
        if timed_out {
            break;
        }
    }
    Err(first_error
        .unwrap_or_else(|| HttpError::new(errors::DNS_NO_SUCH_HOST, "lookup: no such host")))
}

/// A TCP connection to `host:port` under the rules of k6's dialer (`hosts`, blocked host
/// names, blacklisted IPs, the VU's `--local-ips` address), for modules that speak other
/// protocols over it (`k6/experimental/redis` dials through the VU's dialer in k6).
pub async fn dial_host(
    host: &str,
    port: u16,
    cfg: &TransportConfig,
    local_ip: Option<std::net::IpAddr>,
) -> Result<(TcpStream, SocketAddr), HttpError> {
    let addrs = resolve(host, port, cfg).await?;
    dial(&addrs, local_ip).await
}

/// A TCP connection to `addr`, from `local_ip` when `--local-ips` gave the VU one.
async fn connect_from(
    addr: SocketAddr,
    local_ip: Option<std::net::IpAddr>,
) -> std::io::Result<TcpStream> {
    let Some(ip) = local_ip else {
        return TcpStream::connect(addr).await;
    };
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.bind(SocketAddr::new(ip, 0))?;
    socket.connect(addr).await
}

struct Connected {
    conn: Conn,
    timings: Timings,
}

/// Dials, runs the TLS handshake and the HTTP handshake. Failed dials report zero timings,
/// as k6 does; a failed TLS handshake keeps its `connecting` time.
async fn connect(
    key: &PoolKey,
    cfg: &TransportConfig,
    t0: Instant,
    local_ip: Option<std::net::IpAddr>,
) -> Result<Connected, (HttpError, Timings)> {
    let mut timings = Timings::default();
    // The environment's proxy, chosen as Go's `ProxyFromEnvironment` chooses it.
    let proxy = super::proxy::for_target(key.https, &key.host, key.port)
        .map_err(|e| (HttpError::new(errors::GENERIC, e), Timings::default()))?;
    let (dial_host, dial_port) = proxy
        .map(super::proxy::Proxy::address)
        .unwrap_or((&key.host, key.port));
    let addrs = resolve(dial_host, dial_port, cfg)
        .await
        .map_err(|e| (e, Timings::default()))?;
    let t_dial = Instant::now();
    let (tcp, addr) = dial(&addrs, local_ip)
        .await
        .map_err(|e| (e, Timings::default()))?;
    let _ = tcp.set_nodelay(true);
    let local = tcp.local_addr().ok();
    let t_connected = Instant::now();
    timings.connecting = ms(t_connected - t_dial);
    let stats = IoStats::new();
    let handshake_error = |e: hyper::Error, t: Timings| (errors::request_error(local, addr, &e), t);
    let mut timed = TimedIo::new(tcp, stats.clone());
    if !key.https {
        let io = TokioIo::new(timed);
        let (sender, conn) = http1_builder()
            .handshake(io)
            .await
            .map_err(|e| handshake_error(e, timings))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        timings.blocked = ms(t0.elapsed());
        return Ok(Connected {
            conn: Conn {
                sender: Sender::H1(sender),
                stats,
                local,
                remote: addr,
                tls: None,
                http_proxy: proxy.map(|p| p.authorization.clone()),
            },
            timings,
        });
    }
    if let Some(p) = proxy {
        super::proxy::tunnel(&mut timed, p, &key.host, key.port)
            .await
            .map_err(|e| (HttpError::new(errors::GENERIC, e), timings))?;
    }
    let server_name = rustls::pki_types::ServerName::try_from(key.host.clone()).map_err(|_| {
        (
            HttpError::new(
                errors::TLS_GENERIC,
                format!("tls: invalid server name {:?}", key.host),
            ),
            timings,
        )
    })?;
    let connector = tokio_rustls::TlsConnector::from(cfg.tls());
    let tls = connector
        .connect(server_name, timed)
        .await
        .map_err(|e| (errors::tls_error(&key.host, &e), timings))?;
    timings.tls_handshaking = ms(t_connected.elapsed());
    let (_, session) = tls.get_ref();
    let info = TlsInfo {
        version: match session.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "tls1.3",
            Some(rustls::ProtocolVersion::TLSv1_2) => "tls1.2",
            _ => "",
        },
        cipher_suite: session
            .negotiated_cipher_suite()
            .map(|s| cipher_suite_name(s.suite()))
            .unwrap_or(""),
    };
    let h2 = session.alpn_protocol() == Some(b"h2");
    let io = TokioIo::new(tls);
    let sender = if h2 {
        let (sender, conn) = http2::Builder::new(TokioExecutor::new())
            .max_header_list_size(MAX_RESPONSE_HEADER_BYTES as u32)
            .handshake(io)
            .await
            .map_err(|e| handshake_error(e, timings))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Sender::H2(sender)
    } else {
        let (sender, conn) = http1_builder()
            .handshake(io)
            .await
            .map_err(|e| handshake_error(e, timings))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Sender::H1(sender)
    };
    timings.blocked = ms(t0.elapsed());
    Ok(Connected {
        conn: Conn {
            sender,
            stats,
            local,
            remote: addr,
            tls: Some(info),
            http_proxy: None,
        },
        timings,
    })
}

/// The request's authority (its Host header, taken out for HTTP/2) and path, for an
/// absolute URI.
fn authority_and_path(
    key: &PoolKey,
    req: &mut hyper::Request<Full<Bytes>>,
    take_host: bool,
) -> (String, String) {
    let host = if take_host {
        req.headers_mut().remove(hyper::header::HOST)
    } else {
        req.headers().get(hyper::header::HOST).cloned()
    };
    let authority = host
        .and_then(|h| h.to_str().ok().map(str::to_string))
        .unwrap_or_else(|| format!("{}:{}", key.host, key.port));
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_string();
    (authority, path)
}

/// HTTP/2 needs the absolute URI (for `:scheme` and `:authority`); HTTP/1 sends the path.
fn absolute_uri(key: &PoolKey, req: &mut hyper::Request<Full<Bytes>>) {
    let (authority, path) = authority_and_path(key, req, true);
    let scheme = if key.https { "https" } else { "http" };
    if let Ok(uri) = format!("{scheme}://{authority}{path}").parse() {
        *req.uri_mut() = uri;
    }
    *req.version_mut() = hyper::Version::HTTP_2;
}

/// A request to a plain-HTTP proxy: the absolute URI on the request line (the Host header
/// stays) and the proxy's credentials.
fn to_proxy(key: &PoolKey, auth: Option<&str>, req: &mut hyper::Request<Full<Bytes>>) {
    let (authority, path) = authority_and_path(key, req, false);
    if let Ok(uri) = format!("http://{authority}{path}").parse() {
        *req.uri_mut() = uri;
    }
    if let Some(value) = auth.and_then(|a| hyper::header::HeaderValue::from_str(a).ok()) {
        req.headers_mut()
            .insert(hyper::header::PROXY_AUTHORIZATION, value);
    }
}

type Outcome = (Result<RawResponse, Box<FailedRequest>>, Option<Conn>);

/// A new connection for a request, within the request's deadline.
async fn dial_for(
    key: &PoolKey,
    cfg: &TransportConfig,
    t0: Instant,
    local_ip: Option<std::net::IpAddr>,
    deadline: tokio::time::Instant,
) -> Result<Connected, Box<FailedRequest>> {
    // Boxed: the connect future (TLS handshake included) is large and only needed for a
    // new connection; inline it would be part of, and moved with, every request's task.
    match timeout_at(deadline, Box::pin(connect(key, cfg, t0, local_ip))).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err((e, t))) => Err(FailedRequest::new(e, t)),
        Err(_) => Err(FailedRequest::new(
            errors::request_timeout(),
            Timings::default(),
        )),
    }
}

/// What sending gives back on failure: the error, and the request when hyper never started
/// writing it.
type SendFailure = (hyper::Error, Option<hyper::Request<Full<Bytes>>>);

async fn send(
    sender: &mut Sender,
    request: hyper::Request<Full<Bytes>>,
) -> Result<hyper::Response<hyper::body::Incoming>, SendFailure> {
    match sender {
        Sender::H1(s) => match s.ready().await {
            Ok(()) => s.try_send_request(request).await.map_err(|mut e| {
                let unsent = e.take_message();
                (e.into_error(), unsent)
            }),
            Err(e) => Err((e, Some(request))),
        },
        Sender::H2(s) => match s.ready().await {
            Ok(()) => s.send_request(request).await.map_err(|e| (e, None)),
            Err(e) => Err((e, Some(request))),
        },
    }
}

/// Go's `Request.isReplayable`: k6 always gives a body `GetBody`, so what counts is the
/// method, or a (non-standard but common) idempotency key.
fn is_replayable(req: &hyper::Request<Full<Bytes>>) -> bool {
    use hyper::Method;
    matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) || req.headers().contains_key("idempotency-key")
        || req.headers().contains_key("x-idempotency-key")
}

fn copy_request(req: &hyper::Request<Full<Bytes>>) -> hyper::Request<Full<Bytes>> {
    let mut copy = hyper::Request::new(req.body().clone());
    *copy.method_mut() = req.method().clone();
    *copy.uri_mut() = req.uri().clone();
    *copy.version_mut() = req.version();
    *copy.headers_mut() = req.headers().clone();
    copy
}

/// The request to send again on a new connection after a reused HTTP/1 connection failed it,
/// when Go's transport would (net/http's `shouldRetryRequest`): the server closed an idle
/// connection just as it was reused. Nothing of the request was written: any request goes
/// again. It was written but nothing of a response came (EOF or a read error): a replayable
/// request goes again (a POST might have been acted upon).
fn request_to_retry(
    unsent: Option<hyper::Request<Full<Bytes>>>,
    replay: Option<hyper::Request<Full<Bytes>>>,
    nothing_written: bool,
    nothing_read: bool,
) -> Option<hyper::Request<Full<Bytes>>> {
    match (unsent, replay) {
        (Some(req), _) => Some(req),
        (None, Some(copy)) if nothing_written || nothing_read => Some(copy),
        _ => None,
    }
}

/// Retries Go's HTTP/2 transport makes of one request (`RoundTripOpt`: `retry <= 6`).
const H2_MAX_RETRIES: u32 = 6;

/// Where an HTTP/2 request the server did not act on goes again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum H2Retry {
    /// The stream was refused: Go's pool hands the same connection back while it takes
    /// requests.
    SameConnection,
    /// The server went away.
    NewConnection,
}

/// Go's HTTP/2 `canRetryError`: the server did not act on the request, so it goes again
/// whatever its method (k6 gives every body a `GetBody`): it refused the stream (RST_STREAM
/// with REFUSED_STREAM, or PROTOCOL_ERROR from the peer), or it went away (GOAWAY) with a
/// last stream id below this request's. As Go, not when a connection's first request meets a
/// GOAWAY with an error code: a server failing new connections would fail the retry too.
/// (h2 reports the GOAWAY on the streams above its last stream id only; those below it that
/// the connection's close cuts off get a broken pipe, not retried, as in Go.)
fn h2_retry(e: &hyper::Error, first_on_connection: bool) -> Option<H2Retry> {
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        if let Some(h2e) = err.downcast_ref::<h2::Error>() {
            if !h2e.is_remote() {
                return None;
            }
            return match h2e.reason()? {
                h2::Reason::REFUSED_STREAM | h2::Reason::PROTOCOL_ERROR if h2e.is_reset() => {
                    Some(H2Retry::SameConnection)
                }
                reason
                    if h2e.is_go_away()
                        && (reason == h2::Reason::NO_ERROR || !first_on_connection) =>
                {
                    Some(H2Retry::NewConnection)
                }
                _ => None,
            };
        }
        source = err.source();
    }
    None
}

/// Go's pause before the `retry`th HTTP/2 retry (1-based): none before the first, then 1 s,
/// 2 s, 4 s... with up to 10% jitter.
fn h2_retry_backoff(retry: u32) -> Option<Duration> {
    let base = Duration::from_secs(1u64 << retry.checked_sub(2)?.min(16));
    Some(base.mul_f64(1.0 + 0.1 * rand::random::<f64>()))
}

async fn round_trip(
    pooled: Option<Conn>,
    req: PreparedRequest,
    cfg: Arc<TransportConfig>,
    local_ip: Option<std::net::IpAddr>,
) -> Outcome {
    let t0 = Instant::now();
    let PreparedRequest {
        key,
        mut request,
        timeout,
        discard_body,
    } = req;
    let deadline: tokio::time::Instant = (t0 + timeout).into();
    let (mut conn, mut timings, mut fresh) = match pooled {
        Some(c) => (
            c,
            Timings {
                blocked: ms(t0.elapsed()),
                ..Default::default()
            },
            false,
        ),
        None => match dial_for(&key, &cfg, t0, local_ip, deadline).await {
            Ok(c) => (c.conn, c.timings, true),
            Err(f) => return (Err(f), None),
        },
    };
    // Bytes of an attempt given up on a reused connection: sent and received all the same.
    let (mut spent_w, mut spent_r) = (0u64, 0u64);
    let mut h2_retries = 0;
    let (response, w0, r0, t_send) = loop {
        let (w0, r0) = if fresh { (0, 0) } else { conn.stats.totals() };
        if conn.is_h2() {
            absolute_uri(&key, &mut request);
        } else {
            conn.stats.reset_marks();
            if let Some(auth) = &conn.http_proxy {
                to_proxy(&key, auth.as_deref(), &mut request);
            }
        }
        // HTTP/2 sends the request away whole: a copy is what goes again after a GOAWAY.
        let replay =
            (conn.is_h2() || (!fresh && is_replayable(&request))).then(|| copy_request(&request));
        let t_send = Instant::now();
        let failure = match timeout_at(deadline, send(&mut conn.sender, request)).await {
            Ok(Ok(r)) => break (r, w0, r0, t_send),
            Ok(Err(f)) => f,
            Err(_) => {
                let now = Instant::now();
                let last_write = if conn.is_h2() {
                    t_send
                } else {
                    conn.stats.last_write().unwrap_or(t_send).clamp(t_send, now)
                };
                timings.sending = ms(last_write - t_send);
                timings.waiting = ms(now - last_write);
                let mut f = failed(
                    errors::request_timeout(),
                    timings,
                    &conn,
                    (w0, r0),
                    Bytes::new(),
                );
                f.bytes_sent += spent_w;
                f.bytes_received += spent_r;
                return (Err(f), None);
            }
        };
        let (e, unsent) = failure;
        let (w, r) = conn.stats.totals();
        let h2 = conn.is_h2();
        let h2_retry = if !h2 || h2_retries >= H2_MAX_RETRIES {
            None
        } else if unsent.is_some() {
            // The connection could take no more requests (Go's errClientConnUnusable).
            Some(H2Retry::NewConnection)
        } else {
            h2_retry(&e, fresh)
        };
        let retry = if h2_retry.is_some() {
            h2_retries += 1;
            if let Some(pause) = h2_retry_backoff(h2_retries) {
                // Past the request's deadline, the next attempt fails it as timed out.
                tokio::time::sleep_until(deadline.min((Instant::now() + pause).into())).await;
            }
            unsent.or(replay)
        } else if fresh || h2 {
            None
        } else {
            request_to_retry(unsent, replay, w == w0, r == r0)
        };
        let Some(again) = retry else {
            let err = if e.is_parse_too_large() && r - r0 < MAX_RESPONSE_HEADER_BYTES as u64 {
                errors::too_many_header_lines()
            } else {
                errors::request_error(conn.local, conn.remote, &e)
            };
            let mut f = failed(err, timings, &conn, (w0, r0), Bytes::new());
            f.bytes_sent += spent_w;
            f.bytes_received += spent_r;
            return (Err(f), None);
        };
        spent_w += w.saturating_sub(w0);
        spent_r += r.saturating_sub(r0);
        if h2_retry == Some(H2Retry::SameConnection) && !conn.is_closed() {
            (fresh, request) = (false, again);
            continue;
        }
        let c = match dial_for(&key, &cfg, t0, local_ip, deadline).await {
            Ok(c) => c,
            Err(f) => return (Err(f), None),
        };
        (conn, timings, fresh, request) = (c.conn, c.timings, true, again);
    };
    let h2 = conn.is_h2();
    let (local, remote) = (conn.local, conn.remote);
    let t_headers = Instant::now();
    let (parts, mut body) = response.into_parts();
    let mut collected = BytesMut::new();
    loop {
        match timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data()
                    && !discard_body
                {
                    collected.extend_from_slice(&data);
                }
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                let err = errors::request_error(local, remote, &e);
                return (
                    Err(failed(err, timings, &conn, (w0, r0), Bytes::new())),
                    None,
                );
            }
            Err(_) => {
                let last_write = conn.stats.last_write().unwrap_or(t_send).max(t_send);
                timings.sending = ms(last_write.min(t_headers) - t_send);
                timings.waiting = ms(t_headers.saturating_duration_since(last_write));
                timings.receiving = ms(t_headers.elapsed());
                // Go reports a timeout while reading the body without the URL.
                let err = errors::request_timeout().bare();
                let partial = collected.freeze();
                return (Err(failed(err, timings, &conn, (w0, r0), partial)), None);
            }
        }
    }
    let t_done = Instant::now();
    if h2 {
        // Streams share the socket: the last write before the headers came is this
        // request's (concurrent streams can only make sending look longer), and frames read
        // before the headers may be other streams', so receiving starts at the headers.
        let last_write = conn
            .stats
            .last_write()
            .unwrap_or(t_send)
            .clamp(t_send, t_headers);
        timings.sending = ms(last_write - t_send);
        timings.waiting = ms(t_headers - last_write);
        timings.receiving = ms(t_done - t_headers);
    } else {
        let last_write = conn
            .stats
            .last_write()
            .unwrap_or(t_send)
            .clamp(t_send, t_headers);
        let first_read = conn
            .stats
            .first_read()
            .unwrap_or(t_headers)
            .clamp(last_write, t_headers);
        timings.sending = ms(last_write - t_send);
        timings.waiting = ms(first_read - last_write);
        timings.receiving = ms(t_done - first_read);
    }
    let (w, r) = conn.stats.totals();
    let close = cfg.no_connection_reuse
        || parts
            .headers
            .get(hyper::header::CONNECTION)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
    let raw = RawResponse {
        status: parts.status.as_u16(),
        reason: parts
            .extensions
            .get::<hyper::ext::ReasonPhrase>()
            .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned()),
        version: parts.version,
        headers: detach_headers(parts.headers),
        body: collected.freeze(),
        timings,
        remote,
        tls: conn.tls,
        bytes_sent: w.saturating_sub(w0) + spent_w,
        bytes_received: r.saturating_sub(r0) + spent_r,
    };
    (Ok(raw), if close { None } else { Some(conn) })
}

/// A request that failed on `conn`, with the bytes it moved since `start` (the connection's
/// totals when the request began).
fn failed(
    error: HttpError,
    timings: Timings,
    conn: &Conn,
    start: (u64, u64),
    partial_body: Bytes,
) -> Box<FailedRequest> {
    let (w, r) = conn.stats.totals();
    Box::new(FailedRequest {
        error,
        timings,
        partial_body,
        bytes_sent: w.saturating_sub(start.0),
        bytes_received: r.saturating_sub(start.1),
        interrupted: false,
    })
}

/// One VU's HTTP client.
pub struct Transport {
    cfg: Arc<TransportConfig>,
    pub pool: Pool,
    rt: tokio::runtime::Handle,
    /// This VU's source address (`--local-ips`).
    local_ip: Option<std::net::IpAddr>,
}

impl Transport {
    /// `vu_id` (1-based) picks the VU's source address from `--local-ips`.
    pub fn new(cfg: Arc<TransportConfig>, rt: tokio::runtime::Handle, vu_id: u64) -> Transport {
        let local_ip = cfg.local_ips.as_ref().and_then(|p| p.for_vu(vu_id));
        Transport {
            cfg,
            pool: Pool::default(),
            rt,
            local_ip,
        }
    }

    pub fn config(&self) -> &Arc<TransportConfig> {
        &self.cfg
    }

    /// Takes this request's slot under the `rps` limit. `None`: go now; otherwise the
    /// receiver yields `true` when the slot comes, `false` when the VU is stopped first.
    pub fn reserve_rate_slot(
        &self,
        signal: &Arc<VuSignal>,
    ) -> Option<tokio::sync::oneshot::Receiver<bool>> {
        let slot = self.cfg.rate_limit.as_ref()?.reserve();
        if slot <= Instant::now() {
            return None;
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        let signal = signal.clone();
        self.rt.spawn(async move {
            let reached = tokio::select! {
                _ = tokio::time::sleep_until(slot.into()) => true,
                _ = signal.cancelled() => false,
            };
            let _ = tx.send(reached);
        });
        Some(rx)
    }

    /// Starts a request on the shared runtime; the returned receiver yields its outcome.
    /// The pool is updated when the outcome is collected with [`Transport::finish`].
    pub fn start(
        &mut self,
        req: PreparedRequest,
        signal: Arc<VuSignal>,
    ) -> tokio::sync::oneshot::Receiver<(PoolKey, Outcome)> {
        let pooled = if self.cfg.no_connection_reuse {
            None
        } else {
            self.pool.take(&req.key)
        };
        let cfg = self.cfg.clone();
        let local_ip = self.local_ip;
        let key = req.key.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        // Boxed: the request's state machine is ~4 KB, and tokio moves a task's future
        // several times while spawning it (callgrind: ~3 k instructions of memcpy per request).
        self.rt.spawn(Box::pin(async move {
            let outcome = tokio::select! {
                o = round_trip(pooled, req, cfg, local_ip) => o,
                _ = signal.cancelled() => {
                    let mut f = FailedRequest::new(
                        HttpError::new(errors::GENERIC, "context canceled"),
                        Timings::default(),
                    );
                    f.interrupted = true;
                    (Err(f), None)
                }
            };
            let _ = tx.send((key, outcome));
        }));
        rx
    }

    pub fn finish(&mut self, done: (PoolKey, Outcome)) -> Result<RawResponse, Box<FailedRequest>> {
        let (key, (result, conn)) = done;
        if let Some(c) = conn {
            self.pool.put(key, c);
        }
        result
    }

    /// Runs a request to completion, blocking only the calling VU thread.
    pub fn execute(
        &mut self,
        req: PreparedRequest,
        signal: Arc<VuSignal>,
    ) -> Result<RawResponse, Box<FailedRequest>> {
        let rx = self.start(req, signal);
        match rx.blocking_recv() {
            Ok(done) => self.finish(done),
            Err(_) => Err(FailedRequest::new(
                HttpError::new(errors::GENERIC, "the request task was dropped"),
                Timings::default(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn dial_tries_every_address() {
        let live = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let live_addr = live.local_addr().unwrap();
        let refused_addr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let (_, addr) = super::dial(&[refused_addr, live_addr], None).await.unwrap();
        assert_eq!(addr, live_addr);
        let e = super::dial(&[refused_addr], None).await.unwrap_err();
        assert_eq!(e.code, crate::http::errors::DIAL_REFUSED);
    }

    #[test]
    fn domain_names_follow_go() {
        use super::is_domain_name;
        for ok in [
            "example.com",
            "a",
            "x_y.invalid",
            "a-b.c",
            "example.com.",
            "1a.2",
        ] {
            assert!(is_domain_name(ok), "{ok}");
        }
        let long = format!("{}.invalid", "a".repeat(64));
        for bad in [
            "",
            "a..b",
            "-x.invalid",
            "x-.y",
            "123",
            "1.2.3",
            "a b",
            long.as_str(),
        ] {
            assert!(!is_domain_name(bad), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn detached_headers_keep_every_value_in_order() {
        let mut h = hyper::HeaderMap::new();
        h.append("set-cookie", "a=1".parse().unwrap());
        h.append("content-type", "text/plain".parse().unwrap());
        h.append("set-cookie", "b=2".parse().unwrap());
        let d = detach_headers(h.clone());
        assert_eq!(d, h);
        let cookies: Vec<_> = d.get_all("set-cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
    }

    #[test]
    fn go_cipher_suite_names() {
        assert_eq!(
            cipher_suite_name(rustls::CipherSuite::TLS13_AES_128_GCM_SHA256),
            "TLS_AES_128_GCM_SHA256"
        );
        assert_eq!(
            cipher_suite_name(rustls::CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        );
    }

    #[test]
    fn h2_requests_get_absolute_uris() {
        let key = PoolKey {
            https: true,
            host: "h".into(),
            port: 8443,
        };
        let mut req = hyper::Request::builder()
            .uri("/get?a=1")
            .header(hyper::header::HOST, "h:8443")
            .body(Full::new(Bytes::new()))
            .unwrap();
        absolute_uri(&key, &mut req);
        assert_eq!(req.uri().to_string(), "https://h:8443/get?a=1");
        assert!(req.headers().get(hyper::header::HOST).is_none());
    }
}
