//! The WebSocket client behind `k6/ws` and `k6/experimental/websockets`.
//!
//! A socket is one tokio task: it dials with the HTTP transport's dialer (the `hosts` option,
//! blocked hostnames and blacklisted IPs, `--local-ips`, the environment's proxy, the run's
//! TLS settings with ALPN `http/1.1`), runs the handshake with tungstenite, then owns the connection: it writes what
//! the VU sends ([`Command`]) and hands the VU what arrives ([`Event`]). Reading stops while
//! the VU has a backlog of unhandled events, so a slow script pushes back on the server
//! instead of buffering without bound.
//!
//! Errors are worded as Go's gorilla/websocket (k6's client) words them, since scripts see
//! them in `error` events and in the `error` of `ws.connect`'s response.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite;
pub use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use url::Url;

use super::errors;
use super::timed_io::{IoStats, TimedIo};
use super::transport::{TransportConfig, dial as dial_tcp, resolve};
use crate::js::interrupt::VuSignal;

/// gorilla's `Dialer.HandshakeTimeout` as k6 sets it: dial, TLS and upgrade together.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a socket that is being dropped (interruption, a VU that went away) waits for its
/// close frame to be written.
const CLOSE_WRITE_WAIT: Duration = Duration::from_secs(1);
/// How long, after the peer's close frame, the reply may take to be written.
const CLOSE_REPLY_WAIT: Duration = Duration::from_secs(10);
/// Events a socket hands over before it stops reading until the VU catches up.
const EVENT_BACKLOG: usize = 64;
/// tungstenite's defaults (128 KiB read and write buffers, the read one zero-filled on every
/// read) cost ~250 KiB per socket; gorilla, k6's library, reads and writes 4 KiB at a time.
/// Messages larger than the buffers still fit: the read buffer grows for a frame that needs
/// it, and frames are written out at once.
pub fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
}

/// gorilla's error for a URL that is not ws:// or wss:// (or has credentials).
pub const MALFORMED_URL: &str = "malformed ws or wss URL";
/// gorilla keeps at most this much of a refused handshake's body.
const MAX_REFUSED_BODY: usize = 1024;

/// Close codes (RFC 6455 section 7.4.1).
pub const CLOSE_NORMAL: u16 = 1000;
pub const CLOSE_GOING_AWAY: u16 = 1001;
pub const CLOSE_NO_STATUS: u16 = 1005;
pub const CLOSE_ABNORMAL: u16 = 1006;

/// What to connect to and how.
pub struct Dial {
    pub url: Url,
    /// Request headers besides the handshake's own, in the order given (User-Agent, the
    /// script's headers, Cookie).
    pub headers: Vec<(String, String)>,
    pub subprotocols: Vec<String>,
    /// Report every completed write with [`Event::Written`] (k6/experimental/websockets counts
    /// `ws_msgs_sent` and `bufferedAmount` then).
    pub report_writes: bool,
    /// The close code sent when the VU is interrupted (k6/ws: 1001, experimental: 1000).
    pub interrupt_code: u16,
}

/// The server's answer to the upgrade request.
pub struct HandshakeResponse {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

pub struct Opened {
    pub response: HandshakeResponse,
    pub remote: SocketAddr,
    /// The subprotocol the server chose ("" for none).
    pub protocol: String,
    pub session: Session,
}

pub struct DialFailure {
    /// gorilla's error text (`websocket: bad handshake`, `dial tcp ...: connection refused`).
    pub error: String,
    /// The server's answer when it refused the upgrade.
    pub response: Option<HandshakeResponse>,
    /// The VU was interrupted while connecting.
    pub interrupted: bool,
    /// Bytes written and read before the failure (a refused upgrade's request and answer).
    pub bytes: (u64, u64),
}

/// The outcome of a connection attempt and how long it took (`ws_connecting`).
pub struct Connected {
    pub result: Result<Opened, DialFailure>,
    pub duration: Duration,
}

/// What the VU asks of an open socket.
enum Command {
    Send(Message),
    /// Writes a close frame; with `linger` the socket then reads until the peer's close frame
    /// (the WebSocket API's closing handshake), without it the connection is dropped at once
    /// (k6/ws, which closes the TCP connection right after its close frame).
    Close {
        code: u16,
        reason: String,
        linger: bool,
    },
}

/// What a socket reports to its VU.
#[derive(Debug)]
pub enum Event {
    Text(String),
    Binary(Vec<u8>),
    /// The server pinged (tungstenite has answered it).
    Ping,
    Pong(Vec<u8>),
    /// A message (or ping, or close frame) of this many payload bytes was written.
    Written(usize),
    /// The connection is over; no event follows.
    Closed(Closed),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Closed {
    /// The peer's close code; gorilla's 1005 for a close frame without one, 1006 for a
    /// connection that ended without a close frame, 1001 for other read errors (k6/ws's
    /// default); the code the VU sent when it closed first without lingering.
    pub code: u16,
    /// The error gorilla reports with this close: a close code other than 1000/1001 or an
    /// abrupt end (`websocket: close 1006 (abnormal closure): unexpected EOF`), or a failed
    /// write. `None` for a clean close.
    pub error: Option<String>,
}

/// The VU's handle on an open socket: [`Control`] to act on it, [`Events`] to hear from it
/// (kept apart so one can wait for events while another part of the script sends).
pub struct Session {
    pub control: Control,
    pub events: Events,
}

pub struct Control {
    commands: mpsc::UnboundedSender<Command>,
    stats: Arc<IoStats>,
    /// Bytes already accounted to the VU (`data_sent`, `data_received`).
    accounted: std::cell::Cell<(u64, u64)>,
}

impl Control {
    /// Queues a message; false when the socket is gone.
    pub fn send(&self, message: Message) -> bool {
        self.commands.send(Command::Send(message)).is_ok()
    }

    /// See [`Command::Close`].
    pub fn close(&self, code: u16, reason: String, linger: bool) -> bool {
        self.commands
            .send(Command::Close {
                code,
                reason,
                linger,
            })
            .is_ok()
    }

    /// Bytes written and read on the wire since the last call (handshake included).
    pub fn take_bytes(&self) -> (u64, u64) {
        let (w, r) = self.stats.totals();
        let (w0, r0) = self.accounted.get();
        self.accounted.set((w, r));
        (w.saturating_sub(w0), r.saturating_sub(r0))
    }
}

pub struct Events {
    rx: mpsc::Receiver<Event>,
}

impl Events {
    /// The next event; `None` once the socket's task has ended.
    pub async fn next(&mut self) -> Option<Event> {
        self.rx.recv().await
    }

    /// An event that is already waiting, if any.
    pub fn try_next(&mut self) -> Option<Event> {
        self.rx.try_recv().ok()
    }
}

/// Starts connecting on the runtime `rt`; the receiver yields the outcome. The socket's task
/// lives on until the connection ends, `signal` is cancelled, or the [`Session`] is dropped.
pub fn connect(
    cfg: Arc<TransportConfig>,
    rt: &tokio::runtime::Handle,
    local_ip: Option<std::net::IpAddr>,
    dial: Dial,
    signal: Arc<VuSignal>,
) -> oneshot::Receiver<Connected> {
    let (tx, rx) = oneshot::channel();
    rt.spawn(async move {
        let start = Instant::now();
        let stats = IoStats::new();
        let attempt = tokio::time::timeout(
            HANDSHAKE_TIMEOUT,
            handshake(&cfg, &dial, local_ip, stats.clone()),
        );
        let outcome = tokio::select! {
            done = attempt => match done {
                Ok(r) => r,
                Err(_) => Err(DialFailure {
                    error: "websocket: handshake i/o timeout".into(),
                    response: None,
                    interrupted: false,
                    bytes: (0, 0),
                }),
            },
            _ = signal.cancelled() => Err(DialFailure {
                error: "context canceled".into(),
                response: None,
                interrupted: true,
                bytes: (0, 0),
            }),
        };
        let duration = start.elapsed();
        let (ws, opened) = match outcome {
            Ok(ok) => ok,
            Err(mut failure) => {
                failure.bytes = stats.totals();
                let _ = tx.send(Connected {
                    result: Err(failure),
                    duration,
                });
                return;
            }
        };
        let (command_tx, command_rx) = mpsc::unbounded_channel();
        let (event_tx, event_rx) = mpsc::channel(EVENT_BACKLOG);
        let OpenedParts {
            response,
            remote,
            protocol,
            stats,
        } = opened;
        let session = Session {
            control: Control {
                commands: command_tx,
                stats,
                accounted: Default::default(),
            },
            events: Events { rx: event_rx },
        };
        let connected = Connected {
            result: Ok(Opened {
                response,
                remote,
                protocol,
                session,
            }),
            duration,
        };
        if tx.send(connected).is_err() {
            return;
        }
        pump(ws, command_rx, event_tx, &signal, &dial).await;
    });
    rx
}

/// Anything the socket can run over: TCP, or TLS over TCP.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

type Socket = WebSocketStream<Box<dyn Io>>;

struct OpenedParts {
    response: HandshakeResponse,
    remote: SocketAddr,
    protocol: String,
    stats: Arc<IoStats>,
}

fn failure(error: impl Into<String>) -> DialFailure {
    DialFailure {
        error: error.into(),
        response: None,
        interrupted: false,
        bytes: (0, 0),
    }
}

/// Header names gorilla refuses from the script, since the handshake sets them itself.
const HANDSHAKE_HEADERS: [&str; 5] = [
    "Upgrade",
    "Connection",
    "Sec-Websocket-Key",
    "Sec-Websocket-Version",
    "Sec-Websocket-Extensions",
];

/// The upgrade request as gorilla builds it: the script's `Host` replaces the URL's, and a
/// URL with credentials is refused.
fn upgrade_request(dial: &Dial) -> Result<tungstenite::handshake::client::Request, String> {
    let url = &dial.url;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(MALFORMED_URL.into());
    }
    let mut host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => return Err(MALFORMED_URL.into()),
    };
    let mut builder = http::Request::builder()
        .method("GET")
        .uri(url.as_str())
        .header("Upgrade", "websocket")
        .header("Connection", "Upgrade")
        .header("Sec-WebSocket-Key", generate_key())
        .header("Sec-WebSocket-Version", "13");
    for (name, value) in &dial.headers {
        if name.eq_ignore_ascii_case("host") {
            host.clone_from(value);
            continue;
        }
        let refused = HANDSHAKE_HEADERS
            .iter()
            .find(|h| h.eq_ignore_ascii_case(name))
            .or((!dial.subprotocols.is_empty()
                && name.eq_ignore_ascii_case("Sec-Websocket-Protocol"))
            .then_some(&"Sec-Websocket-Protocol"));
        if let Some(h) = refused {
            return Err(format!("websocket: duplicate header not allowed: {h}"));
        }
        builder = builder.header(name.as_str(), value.as_str());
    }
    if !dial.subprotocols.is_empty() {
        builder = builder.header("Sec-WebSocket-Protocol", dial.subprotocols.join(", "));
    }
    builder
        .header("Host", host)
        .body(())
        .map_err(|e| format!("net/http: invalid header: {e}"))
}

async fn handshake(
    cfg: &TransportConfig,
    dial: &Dial,
    local_ip: Option<std::net::IpAddr>,
    stats: Arc<IoStats>,
) -> Result<(Socket, OpenedParts), DialFailure> {
    let url = &dial.url;
    let secure = match url.scheme() {
        "ws" => false,
        "wss" => true,
        _ => return Err(failure(MALFORMED_URL)),
    };
    let request = upgrade_request(dial).map_err(failure)?;
    let host = url.host_str().unwrap_or_default();
    let port = url
        .port_or_known_default()
        .unwrap_or(if secure { 443 } else { 80 });
    // gorilla asks `http.ProxyFromEnvironment` with ws mapped to http and wss to https, and
    // always tunnels through the proxy with CONNECT.
    let proxy = super::proxy::for_target(secure, host, port).map_err(failure)?;
    let (dial_host, dial_port) = proxy
        .map(super::proxy::Proxy::address)
        .unwrap_or((host, port));
    let addrs = resolve(dial_host, dial_port, cfg)
        .await
        .map_err(|e| failure(e.detail))?;
    let (tcp, remote) = dial_tcp(&addrs, local_ip)
        .await
        .map_err(|e| failure(e.detail))?;
    let _ = tcp.set_nodelay(true);
    let mut timed = TimedIo::new(tcp, stats.clone());
    if let Some(p) = proxy {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        super::proxy::tunnel(&mut timed, p, bare, port)
            .await
            .map_err(failure)?;
    }
    let stream: Box<dyn Io> = if secure {
        let name = rustls::pki_types::ServerName::try_from(host.to_string())
            .map_err(|_| failure(format!("tls: invalid server name {host:?}")))?;
        let connector = tokio_rustls::TlsConnector::from(cfg.tls_http1());
        let tls = connector
            .connect(name, timed)
            .await
            .map_err(|e| failure(errors::tls_error(host, &e).detail))?;
        Box::new(tls)
    } else {
        Box::new(timed)
    };
    let config = socket_config();
    match tokio_tungstenite::client_async_with_config(request, stream, Some(config)).await {
        Ok((ws, response)) => {
            let protocol = response
                .headers()
                .get("Sec-WebSocket-Protocol")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let (parts, body) = response.into_parts();
            Ok((
                ws,
                OpenedParts {
                    response: HandshakeResponse {
                        status: parts.status.as_u16(),
                        headers: parts.headers,
                        body: body.unwrap_or_default(),
                    },
                    remote,
                    protocol,
                    stats,
                },
            ))
        }
        Err(tungstenite::Error::Http(response)) => {
            let (parts, body) = response.into_parts();
            let mut body = body.unwrap_or_default();
            body.truncate(MAX_REFUSED_BODY);
            Err(DialFailure {
                error: "websocket: bad handshake".into(),
                response: Some(HandshakeResponse {
                    status: parts.status.as_u16(),
                    headers: parts.headers,
                    body,
                }),
                interrupted: false,
                bytes: (0, 0),
            })
        }
        Err(e) => Err(failure(handshake_error_text(&e, remote))),
    }
}

/// gorilla's wording for a handshake that failed after the TCP (and TLS) connection.
fn handshake_error_text(e: &tungstenite::Error, remote: SocketAddr) -> String {
    use tungstenite::error::ProtocolError as P;
    match e {
        tungstenite::Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "unexpected EOF".into()
        }
        tungstenite::Error::Io(io) => errors::io_error(None, remote, io).detail,
        tungstenite::Error::Protocol(P::HandshakeIncomplete) => "unexpected EOF".into(),
        // gorilla refuses a 101 without the right Upgrade/Connection/Accept as a bad handshake.
        tungstenite::Error::Protocol(
            P::MissingUpgradeWebSocketHeader
            | P::MissingConnectionUpgradeHeader
            | P::SecWebSocketAcceptKeyMismatch,
        ) => "websocket: bad handshake".into(),
        other => format!("websocket: {other}"),
    }
}

/// Why a socket's task ends.
enum End {
    Closed(Closed),
    /// The VU was interrupted or dropped the session: close with this code, no event.
    GoAway(u16),
}

async fn pump(
    ws: Socket,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::Sender<Event>,
    signal: &VuSignal,
    dial: &Dial,
) {
    let (mut sink, mut stream) = ws.split();
    let end = {
        let writer = write_loop(&mut sink, &mut commands, &events, dial.report_writes);
        let reader = read_loop(&mut stream, &events);
        tokio::select! {
            end = writer => end,
            end = reader => end,
            _ = signal.cancelled() => End::GoAway(dial.interrupt_code),
        }
    };
    match end {
        End::Closed(closed) => {
            let _ = events.send(Event::Closed(closed)).await;
        }
        End::GoAway(code) => {
            let frame = Message::Close(Some(CloseFrame {
                code: CloseCode::from(code),
                reason: "".into(),
            }));
            let _ = tokio::time::timeout(CLOSE_WRITE_WAIT, sink.send(frame)).await;
        }
    }
}

async fn write_loop<S>(
    sink: &mut S,
    commands: &mut mpsc::UnboundedReceiver<Command>,
    events: &mpsc::Sender<Event>,
    report_writes: bool,
) -> End
where
    S: futures_util::Sink<Message, Error = tungstenite::Error> + Unpin,
{
    loop {
        let Some(command) = commands.recv().await else {
            return End::GoAway(CLOSE_GOING_AWAY);
        };
        let (message, after) = match command {
            Command::Send(m) => (m, None),
            Command::Close {
                code,
                reason,
                linger,
            } => (
                Message::Close(Some(CloseFrame {
                    code: CloseCode::from(code),
                    reason: reason.into(),
                })),
                Some((code, linger)),
            ),
        };
        let size = payload_len(&message);
        if let Err(e) = sink.send(message).await {
            return End::Closed(Closed {
                code: CLOSE_ABNORMAL,
                error: Some(write_error_text(&e)),
            });
        }
        if report_writes && events.send(Event::Written(size)).await.is_err() {
            return End::GoAway(CLOSE_GOING_AWAY);
        }
        match after {
            None => {}
            Some((code, false)) => return End::Closed(Closed { code, error: None }),
            // The closing handshake goes on in `read_loop`; nothing more is written.
            Some((_, true)) => return std::future::pending().await,
        }
    }
}

fn payload_len(m: &Message) -> usize {
    match m {
        Message::Text(t) => t.len(),
        Message::Binary(b) | Message::Ping(b) | Message::Pong(b) => b.len(),
        Message::Close(Some(f)) => 2 + f.reason.len(),
        Message::Close(None) => 0,
        Message::Frame(f) => f.payload().len(),
    }
}

async fn read_loop<S>(stream: &mut S, events: &mpsc::Sender<Event>) -> End
where
    S: futures_util::Stream<Item = Result<Message, tungstenite::Error>> + Unpin,
{
    loop {
        let event = match stream.next().await {
            Some(Ok(Message::Text(t))) => Event::Text(t.as_str().to_owned()),
            Some(Ok(Message::Binary(b))) => Event::Binary(b.to_vec()),
            Some(Ok(Message::Ping(_))) => Event::Ping,
            Some(Ok(Message::Pong(p))) => Event::Pong(p.to_vec()),
            Some(Ok(Message::Close(frame))) => {
                let (code, reason) = match frame {
                    Some(f) => (u16::from(f.code), f.reason.as_str().to_owned()),
                    None => (CLOSE_NO_STATUS, String::new()),
                };
                // Reading on writes tungstenite's echo of the close frame and ends the stream.
                let _ = tokio::time::timeout(CLOSE_REPLY_WAIT, async {
                    while let Some(Ok(_)) = stream.next().await {}
                })
                .await;
                let error = (code != CLOSE_NORMAL && code != CLOSE_GOING_AWAY)
                    .then(|| close_error_text(code, &reason));
                return End::Closed(Closed { code, error });
            }
            Some(Ok(Message::Frame(_))) => continue,
            None
            | Some(Err(
                tungstenite::Error::ConnectionClosed
                | tungstenite::Error::AlreadyClosed
                | tungstenite::Error::Protocol(
                    tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
                ),
            )) => {
                return End::Closed(Closed {
                    code: CLOSE_ABNORMAL,
                    error: Some(close_error_text(CLOSE_ABNORMAL, "unexpected EOF")),
                });
            }
            Some(Err(tungstenite::Error::Io(io)))
                if io.kind() == std::io::ErrorKind::UnexpectedEof =>
            {
                return End::Closed(Closed {
                    code: CLOSE_ABNORMAL,
                    error: Some(close_error_text(CLOSE_ABNORMAL, "unexpected EOF")),
                });
            }
            // gorilla reports other read failures (resets, protocol errors) as plain errors,
            // which k6 does not pass on; k6/ws then closes with 1001.
            Some(Err(_)) => {
                return End::Closed(Closed {
                    code: CLOSE_GOING_AWAY,
                    error: None,
                });
            }
        };
        if events.send(event).await.is_err() {
            return End::GoAway(CLOSE_GOING_AWAY);
        }
    }
}

fn write_error_text(e: &tungstenite::Error) -> String {
    match e {
        tungstenite::Error::Io(io) => format!("write: {io}"),
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
            "websocket: close sent".into()
        }
        other => format!("websocket: {other}"),
    }
}

/// gorilla's `CloseError` text: `websocket: close 4000 (private use): reason`.
pub fn close_error_text(code: u16, reason: &str) -> String {
    let name = match code {
        1000 => " (normal)",
        1001 => " (going away)",
        1002 => " (protocol error)",
        1003 => " (unsupported data)",
        1005 => " (no status)",
        1006 => " (abnormal closure)",
        1007 => " (invalid payload data)",
        1008 => " (policy violation)",
        1009 => " (message too big)",
        1010 => " (mandatory extension missing)",
        1011 => " (internal server error)",
        1015 => " (TLS handshake error)",
        _ => "",
    };
    if reason.is_empty() {
        format!("websocket: close {code}{name}")
    } else {
        format!("websocket: close {code}{name}: {reason}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_errors_read_like_gorilla() {
        assert_eq!(
            close_error_text(1006, "unexpected EOF"),
            "websocket: close 1006 (abnormal closure): unexpected EOF"
        );
        assert_eq!(close_error_text(4000, ""), "websocket: close 4000");
        assert_eq!(
            close_error_text(1011, "oops"),
            "websocket: close 1011 (internal server error): oops"
        );
    }

    fn dial(headers: &[(&str, &str)]) -> Dial {
        Dial {
            url: Url::parse("ws://example.com:8080/chat?x=1").unwrap(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            subprotocols: vec!["a".into(), "b".into()],
            report_writes: false,
            interrupt_code: CLOSE_GOING_AWAY,
        }
    }

    #[test]
    fn upgrade_request_follows_gorilla() {
        let req = upgrade_request(&dial(&[("X-Custom", "1"), ("Host", "other.test")])).unwrap();
        let h = req.headers();
        assert_eq!(h["host"], "other.test");
        assert_eq!(h["x-custom"], "1");
        assert_eq!(h["sec-websocket-protocol"], "a, b");
        assert_eq!(req.uri().to_string(), "ws://example.com:8080/chat?x=1");
        let refused = upgrade_request(&dial(&[("upgrade", "x")])).unwrap_err();
        assert_eq!(refused, "websocket: duplicate header not allowed: Upgrade");
        let refused = upgrade_request(&dial(&[("Sec-Websocket-Protocol", "x")])).unwrap_err();
        assert_eq!(
            refused,
            "websocket: duplicate header not allowed: Sec-Websocket-Protocol"
        );
        let mut with_credentials = dial(&[]);
        with_credentials.url = Url::parse("ws://u:p@example.com/").unwrap();
        assert_eq!(
            upgrade_request(&with_credentials).unwrap_err(),
            MALFORMED_URL
        );
    }
}
