//! WebSocket endpoints under `/ws/`: an echo, servers that send N messages, ping, or close with a
//! given code, one that reports the handshake's headers, and chat rooms, so k6's WebSocket
//! examples (an `echo.websocket.org`-style echo, test-api.k6.io's CrocoChat, QuickPizza's
//! broadcast) run against the target with only their URL changed.
//!
//! | path | what it does |
//! | --- | --- |
//! | `/ws/echo` | sends every text and binary message back |
//! | `/ws/headers` | first sends `{"headers": {...}}` (the handshake's headers), then echoes |
//! | `/ws/messages/{n}` | sends `message 1` … `message n` (binary with `?binary=true`, `?interval=ms` apart), then closes with 1000 |
//! | `/ws/close/{code}` | closes with `code` (after `?delay=ms`, reason `?reason=`) |
//! | `/ws/ping/{n}` | pings `n` times (payload `1` … `n`), each after the previous pong, then closes with 1000 |
//! | `/ws/crocochat/{room}/` | CrocoChat: `SET_NAME`, `SAY`, `LEAVE` events, JSON broadcasts |
//! | `/ws/broadcast/{room}` | relays every message to the room's other members |
//!
//! The server accepts the first subprotocol a client offers, and answers the upgrade of any
//! of them with `Set-Cookie: <value>` when asked with `?set-cookie=<value>`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use hyper::header::{self, HeaderValue};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper::{Method, Response, StatusCode};
use hyper_util::rt::TokioIo;
use parking_lot::Mutex;
use serde_json::{Value, json};
use tokio::sync::broadcast;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};

use super::echo;
use super::request::Req;
use super::response::{self, ResponseBody};

type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// How long `/ws/ping` waits for each pong before giving up (closing with 1002).
const PONG_WAIT: Duration = Duration::from_secs(10);
/// Messages a room member may fall behind before it skips some; chat is best-effort.
const ROOM_BACKLOG: usize = 1024;

/// Chat rooms of one server, by `kind/name`.
#[derive(Default)]
pub(crate) struct Rooms {
    rooms: Mutex<HashMap<String, broadcast::Sender<Arc<Relay>>>>,
    next_member: AtomicU64,
}

/// A message for some of a room's members.
struct Relay {
    from: u64,
    audience: Audience,
    message: Message,
}

/// Who gets a relayed message. Replies to the sender go through the room too, so each
/// member receives everything in the order the server produced it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Audience {
    Everyone,
    Others,
    Sender,
}

impl Relay {
    fn reaches(&self, member: u64) -> bool {
        match self.audience {
            Audience::Everyone => true,
            Audience::Others => self.from != member,
            Audience::Sender => self.from == member,
        }
    }
}

/// A connection's place in a room.
struct Member {
    id: u64,
    tx: broadcast::Sender<Arc<Relay>>,
    rx: broadcast::Receiver<Arc<Relay>>,
}

impl Rooms {
    fn join(&self, key: &str) -> Member {
        let id = self.next_member.fetch_add(1, Ordering::Relaxed) + 1;
        let mut rooms = self.rooms.lock();
        let tx = rooms
            .entry(key.to_string())
            .or_insert_with(|| broadcast::channel(ROOM_BACKLOG).0)
            .clone();
        let rx = tx.subscribe();
        Member { id, tx, rx }
    }

    /// Forgets a room nobody listens to any more.
    fn leave(&self, key: &str) {
        let mut rooms = self.rooms.lock();
        if rooms.get(key).is_some_and(|tx| tx.receiver_count() == 0) {
            rooms.remove(key);
        }
    }
}

enum Endpoint {
    Echo,
    Headers(Value),
    Messages {
        count: u64,
        binary: bool,
        interval: Duration,
    },
    Close {
        code: u16,
        reason: String,
        delay: Duration,
    },
    Ping(u64),
    Room {
        key: String,
        chat: bool,
    },
}

/// Handles `/ws/...`: `None` for other paths.
pub(crate) fn route(req: &Req, upgrade: &mut Option<OnUpgrade>) -> Option<Response<ResponseBody>> {
    let rest = req.path().strip_prefix("/ws/")?;
    Some(match endpoint(req, rest) {
        Ok(Some(e)) => accept(req, upgrade.take(), e),
        Ok(None) => response::not_found(),
        Err(message) => response::bad_request(message),
    })
}

/// The endpoint a path names (`None`: no such endpoint), or what is wrong with its parameters.
fn endpoint(req: &Req, rest: &str) -> Result<Option<Endpoint>, String> {
    let segments: Vec<&str> = rest.split('/').collect();
    let millis = |name: &str| -> Result<Duration, String> {
        match req.query_param(name) {
            None => Ok(Duration::ZERO),
            Some(v) => v
                .parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|_| format!("{name} must be milliseconds: {v:?}")),
        }
    };
    let number = |v: &str, what: &str| -> Result<u64, String> {
        v.parse::<u64>()
            .map_err(|_| format!("{what} must be a number: {v:?}"))
    };
    Ok(Some(match segments.as_slice() {
        ["echo"] => Endpoint::Echo,
        ["headers"] => Endpoint::Headers(json!({ "headers": echo::headers_value(req) })),
        ["messages", n] => Endpoint::Messages {
            count: number(n, "the message count")?,
            binary: req.query_param("binary").is_some_and(|v| v == "true"),
            interval: millis("interval")?,
        },
        ["close", code] => {
            let code = number(code, "the close code")?;
            if !(1000..=4999).contains(&code) {
                return Err(format!("the close code must be within 1000-4999: {code}"));
            }
            Endpoint::Close {
                code: code as u16,
                reason: req.query_param("reason").unwrap_or_default().into_owned(),
                delay: millis("delay")?,
            }
        }
        ["ping", n] => Endpoint::Ping(number(n, "the ping count")?),
        ["crocochat", room] | ["crocochat", room, ""] if !room.is_empty() => Endpoint::Room {
            key: format!("crocochat/{room}"),
            chat: true,
        },
        ["broadcast", room] if !room.is_empty() => Endpoint::Room {
            key: format!("broadcast/{room}"),
            chat: false,
        },
        _ => return Ok(None),
    }))
}

fn header_has_token(req: &Req, name: header::HeaderName, token: &str) -> bool {
    req.headers.get_all(name).iter().any(|v| {
        v.to_str()
            .unwrap_or("")
            .split(',')
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    })
}

/// The 101 answer to a valid upgrade (and the session started once hyper hands the connection
/// over), or the error a plain HTTP client gets.
fn accept(req: &Req, upgrade: Option<OnUpgrade>, endpoint: Endpoint) -> Response<ResponseBody> {
    let is_upgrade = req.method == Method::GET
        && header_has_token(req, header::CONNECTION, "upgrade")
        && header_has_token(req, header::UPGRADE, "websocket");
    let key = req.headers.get(header::SEC_WEBSOCKET_KEY);
    let (Some(upgrade), Some(key), true) = (upgrade, key, is_upgrade) else {
        let mut response = response::error(
            StatusCode::UPGRADE_REQUIRED,
            "this endpoint speaks WebSocket: connect with ws:// or wss:// over HTTP/1.1",
        );
        response
            .headers_mut()
            .insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        return response;
    };
    let accept_key = derive_accept_key(key.as_bytes());
    let protocol = req
        .header_str(&header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|offered| offered.split(',').map(str::trim).find(|p| !p.is_empty()))
        .and_then(|p| HeaderValue::from_str(p).ok());
    let rooms = req.ctx.shared.rooms.clone();
    // A room member joins before the 101 goes out, so what the room says after the client
    // saw its handshake complete reaches it.
    let member = match &endpoint {
        Endpoint::Room { key, .. } => Some(rooms.join(key)),
        _ => None,
    };
    tokio::spawn(async move {
        let ws = match upgrade.await {
            Ok(upgraded) => {
                let config = crate::http::websocket::socket_config();
                WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config))
                    .await
            }
            Err(_) => {
                if let (Some(m), Endpoint::Room { key, .. }) = (member, &endpoint) {
                    drop(m);
                    rooms.leave(key);
                }
                return;
            }
        };
        // Errors here are the client going away; the target stays quiet about them.
        let _ = serve(ws, endpoint, member, &rooms).await;
    });
    let mut response = response::empty(StatusCode::SWITCHING_PROTOCOLS);
    let headers = response.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(v) = HeaderValue::from_str(&accept_key) {
        headers.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    if let Some(p) = protocol {
        headers.insert(header::SEC_WEBSOCKET_PROTOCOL, p);
    }
    if let Some(cookie) = req
        .query_param("set-cookie")
        .and_then(|c| HeaderValue::from_str(&c).ok())
    {
        headers.insert(header::SET_COOKIE, cookie);
    }
    response
}

type WsResult = Result<(), tokio_tungstenite::tungstenite::Error>;

async fn serve(
    mut ws: Socket,
    endpoint: Endpoint,
    member: Option<Member>,
    rooms: &Rooms,
) -> WsResult {
    match endpoint {
        Endpoint::Echo => echo_messages(&mut ws).await,
        Endpoint::Headers(headers) => {
            ws.send(Message::text(headers.to_string())).await?;
            echo_messages(&mut ws).await
        }
        Endpoint::Messages {
            count,
            binary,
            interval,
        } => {
            for i in 1..=count {
                if i > 1 && !interval.is_zero() {
                    tokio::time::sleep(interval).await;
                }
                let text = format!("message {i}");
                let message = if binary {
                    Message::binary(text.into_bytes())
                } else {
                    Message::text(text)
                };
                ws.send(message).await?;
            }
            close(&mut ws, 1000, "").await
        }
        Endpoint::Close {
            code,
            reason,
            delay,
        } => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            close(&mut ws, code, &reason).await
        }
        Endpoint::Ping(count) => {
            for i in 1..=count {
                let payload = i.to_string();
                ws.send(Message::Ping(payload.clone().into_bytes().into()))
                    .await?;
                if !wait_for_pong(&mut ws, payload.as_bytes()).await? {
                    return close(&mut ws, 1002, "no pong").await;
                }
            }
            close(&mut ws, 1000, "").await
        }
        Endpoint::Room { key, chat } => {
            let result = match member {
                Some(m) => room(&mut ws, m, chat).await,
                None => Ok(()),
            };
            rooms.leave(&key);
            result
        }
    }
}

/// Echoes until the client closes; tungstenite answers pings and the close handshake itself.
async fn echo_messages(ws: &mut Socket) -> WsResult {
    while let Some(message) = ws.next().await {
        if let m @ (Message::Text(_) | Message::Binary(_)) = message? {
            ws.send(m).await?;
        }
    }
    Ok(())
}

/// Starts the close handshake and reads until the client has answered it.
async fn close(ws: &mut Socket, code: u16, reason: &str) -> WsResult {
    ws.send(Message::Close(Some(CloseFrame {
        code: CloseCode::from(code),
        reason: reason.to_string().into(),
    })))
    .await?;
    while let Some(message) = ws.next().await {
        message?;
    }
    Ok(())
}

/// Reads until the pong carrying `payload`; false when none came in time or the client left.
async fn wait_for_pong(
    ws: &mut Socket,
    payload: &[u8],
) -> Result<bool, tokio_tungstenite::tungstenite::Error> {
    let wait = async {
        while let Some(message) = ws.next().await {
            if let Message::Pong(p) = message?
                && p.as_ref() == payload
            {
                return Ok(true);
            }
        }
        Ok(false)
    };
    tokio::time::timeout(PONG_WAIT, wait)
        .await
        .unwrap_or(Ok(false))
}

/// A member of a room: CrocoChat's JSON protocol (`chat`) or a plain relay.
async fn room(ws: &mut Socket, member: Member, chat: bool) -> WsResult {
    let Member { id, tx, mut rx } = member;
    let mut name = format!("Anonymous {id}");
    let relay = |audience: Audience, message: Message| {
        let _ = tx.send(Arc::new(Relay {
            from: id,
            audience,
            message,
        }));
    };
    let chat_event = |event: &str, user: &str, message: String| {
        Message::text(json!({ "event": event, "user": user, "message": message }).to_string())
    };
    loop {
        tokio::select! {
            incoming = ws.next() => {
                let Some(incoming) = incoming else { break };
                let message = incoming?;
                if !matches!(message, Message::Text(_) | Message::Binary(_)) {
                    continue;
                }
                if !chat {
                    relay(Audience::Others, message);
                    continue;
                }
                let request: Value = match &message {
                    Message::Text(t) => serde_json::from_str(t.as_str()).unwrap_or(Value::Null),
                    _ => Value::Null,
                };
                match request["event"].as_str() {
                    Some("SET_NAME") => match request["new_name"].as_str() {
                        Some(new_name) => {
                            name = new_name.to_string();
                            relay(Audience::Everyone, chat_event("USER_JOINED", &name, format!("{name} joined the room")));
                        }
                        None => relay(Audience::Sender, chat_error("SET_NAME needs a new_name string")),
                    },
                    Some("SAY") => match request["message"].as_str() {
                        Some(text) => relay(Audience::Everyone, chat_event("CHAT_MSG", &name, text.to_string())),
                        None => relay(Audience::Sender, chat_error("SAY needs a message string")),
                    },
                    Some("LEAVE") => {
                        relay(Audience::Others, chat_event("USER_LEFT", &name, format!("{name} left the room")));
                        return close(ws, 1000, "").await;
                    }
                    _ => relay(
                        Audience::Sender,
                        chat_error("expected a JSON object with an event of SET_NAME, SAY or LEAVE"),
                    ),
                }
            }
            relayed = rx.recv() => match relayed {
                Ok(r) if r.reaches(id) => ws.send(r.message.clone()).await?,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    if chat {
        relay(
            Audience::Others,
            chat_event("USER_LEFT", &name, format!("{name} left the room")),
        );
    }
    Ok(())
}

fn chat_error(message: &str) -> Message {
    Message::text(json!({ "event": "ERROR", "message": message }).to_string())
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use futures_util::{SinkExt as _, StreamExt as _};
    use serde_json::Value;
    use tokio::net::TcpStream;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    use tokio_tungstenite::{WebSocketStream, client_async};

    use super::super::{BackgroundTarget, TargetConfig, spawn_background};

    type Client = WebSocketStream<TcpStream>;

    fn target() -> BackgroundTarget {
        spawn_background(TargetConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: None,
        })
        .expect("target starts")
    }

    async fn connect_with(
        t: &BackgroundTarget,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (Client, http::Response<Option<Vec<u8>>>) {
        let mut req = format!("ws://{}{path}", t.local_addr())
            .into_client_request()
            .expect("request");
        for (k, v) in headers {
            req.headers_mut().insert(
                http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                v.parse().expect("value"),
            );
        }
        let tcp = TcpStream::connect(t.local_addr()).await.expect("tcp");
        client_async(req, tcp).await.expect("handshake")
    }

    async fn connect(t: &BackgroundTarget, path: &str) -> Client {
        connect_with(t, path, &[]).await.0
    }

    /// The next data or close message (tungstenite answers pings by itself).
    async fn next(c: &mut Client) -> Message {
        loop {
            match c.next().await.expect("a message").expect("no error") {
                Message::Ping(_) | Message::Pong(_) => continue,
                m => return m,
            }
        }
    }

    fn close_code(m: &Message) -> Option<(u16, String)> {
        match m {
            Message::Close(Some(f)) => Some((u16::from(f.code), f.reason.to_string())),
            _ => None,
        }
    }

    fn json(m: &Message) -> Value {
        serde_json::from_str(m.to_text().expect("text")).expect("JSON")
    }

    #[tokio::test]
    async fn echo_sends_messages_back_and_answers_pings() {
        let t = target();
        let mut c = connect(&t, "/ws/echo").await;
        c.send(Message::text("hello")).await.unwrap();
        assert_eq!(next(&mut c).await, Message::text("hello"));
        c.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
        assert_eq!(next(&mut c).await, Message::binary(vec![1u8, 2, 3]));
        c.send(Message::Ping(b"7".to_vec().into())).await.unwrap();
        loop {
            if let Message::Pong(p) = c.next().await.unwrap().unwrap() {
                assert_eq!(p.as_ref(), b"7");
                break;
            }
        }
        c.close(None).await.unwrap();
    }

    #[tokio::test]
    async fn servers_that_send_ping_and_close() {
        let t = target();
        let mut c = connect(&t, "/ws/messages/2?binary=true").await;
        assert_eq!(next(&mut c).await, Message::binary(b"message 1".to_vec()));
        assert_eq!(next(&mut c).await, Message::binary(b"message 2".to_vec()));
        assert_eq!(close_code(&next(&mut c).await), Some((1000, String::new())));

        let mut c = connect(&t, "/ws/close/4001?reason=bye").await;
        assert_eq!(close_code(&next(&mut c).await), Some((4001, "bye".into())));

        let mut c = connect(&t, "/ws/ping/2").await;
        let mut pings = Vec::new();
        loop {
            match c.next().await.unwrap().unwrap() {
                Message::Ping(p) => pings.push(String::from_utf8_lossy(&p).into_owned()),
                m => {
                    assert_eq!(close_code(&m), Some((1000, String::new())));
                    break;
                }
            }
        }
        assert_eq!(pings, ["1", "2"]);
    }

    #[tokio::test]
    async fn handshake_headers_cookies_and_subprotocols() {
        let t = target();
        let (mut c, response) = connect_with(
            &t,
            "/ws/headers?set-cookie=a%3D1",
            &[("x-custom", "yes"), ("sec-websocket-protocol", "chat, v2")],
        )
        .await;
        assert_eq!(response.headers()["set-cookie"], "a=1");
        assert_eq!(response.headers()["sec-websocket-protocol"], "chat");
        let headers = json(&next(&mut c).await);
        assert_eq!(headers["headers"]["X-Custom"], "yes");
        assert_eq!(headers["headers"]["Sec-Websocket-Protocol"], "chat, v2");
        // Then it echoes.
        c.send(Message::text("x")).await.unwrap();
        assert_eq!(next(&mut c).await, Message::text("x"));
    }

    #[tokio::test]
    async fn plain_requests_and_bad_paths_are_refused() {
        let t = target();
        let get = |path: &'static str| {
            let addr = t.local_addr();
            async move {
                let tcp = TcpStream::connect(addr).await.unwrap();
                let (mut sender, conn) =
                    hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
                        .await
                        .unwrap();
                tokio::spawn(conn);
                let req = hyper::Request::get(path)
                    .header("host", addr.to_string())
                    .body(http_body_util::Empty::<bytes::Bytes>::new())
                    .unwrap();
                sender.send_request(req).await.unwrap().status().as_u16()
            }
        };
        assert_eq!(get("/ws/echo").await, 426);
        assert_eq!(get("/ws/nope").await, 404);
        assert_eq!(get("/ws/close/999").await, 400);
        assert_eq!(get("/ws/messages/x").await, 400);
    }

    #[tokio::test]
    async fn crocochat_rooms_broadcast_in_order() {
        let t = target();
        let mut a = connect(&t, "/ws/crocochat/r1/").await;
        let mut b = connect(&t, "/ws/crocochat/r1/").await;
        let mut other = connect(&t, "/ws/crocochat/r2/").await;
        a.send(Message::text(r#"{"event":"SET_NAME","new_name":"A"}"#))
            .await
            .unwrap();
        for c in [&mut a, &mut b] {
            let m = json(&next(c).await);
            assert_eq!(
                (m["event"].as_str(), m["user"].as_str()),
                (Some("USER_JOINED"), Some("A"))
            );
        }
        b.send(Message::text(r#"{"event":"SAY","message":"hi"}"#))
            .await
            .unwrap();
        b.send(Message::text("not json")).await.unwrap();
        let m = json(&next(&mut a).await);
        assert_eq!(
            (m["event"].as_str(), m["message"].as_str()),
            (Some("CHAT_MSG"), Some("hi"))
        );
        let m = json(&next(&mut b).await);
        assert_eq!(m["event"], "CHAT_MSG");
        assert_eq!(json(&next(&mut b).await)["event"], "ERROR");
        a.send(Message::text(r#"{"event":"LEAVE"}"#)).await.unwrap();
        let m = json(&next(&mut b).await);
        assert_eq!(
            (m["event"].as_str(), m["user"].as_str()),
            (Some("USER_LEFT"), Some("A"))
        );
        assert_eq!(close_code(&next(&mut a).await), Some((1000, String::new())));
        // Another room heard nothing: its first message is the answer to its own request.
        other.send(Message::text("{}")).await.unwrap();
        assert_eq!(json(&next(&mut other).await)["event"], "ERROR");
    }

    #[tokio::test]
    async fn broadcast_rooms_relay_to_the_others() {
        let t = target();
        let mut a = connect(&t, "/ws/broadcast/x").await;
        let mut b = connect(&t, "/ws/broadcast/x").await;
        a.send(Message::text("from a")).await.unwrap();
        assert_eq!(next(&mut b).await, Message::text("from a"));
        b.send(Message::binary(vec![9u8])).await.unwrap();
        assert_eq!(next(&mut a).await, Message::binary(vec![9u8]));
    }
}
