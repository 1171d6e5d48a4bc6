//! What `k6/ws` and `k6/experimental/websockets` share: the params argument, the handshake's
//! headers and cookies (the VU's jar, as k6's `state.CookieJar`), starting a connection on
//! the VU's transport settings, k6's WebSocket samples and their tags, and ping bookkeeping.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use boa_engine::{Context, JsResult, JsValue};
use tokio::sync::oneshot;
use url::Url;

use super::modules::encoding::go_error;
use super::modules::http::{JarRef, cookie_header, http_state, jar_of_value, vu_jar};
use super::runtime::vu_state;
use super::util::{TagPairs, key_name, tag_entries, to_rust_string};
use crate::http::debug::canonical_header;
use crate::http::websocket::{self, Connected, Dial, HandshakeResponse};
use crate::metrics::registry::WsMetrics;
use crate::metrics::sample::{MetricRef, TagSet, now_ns};

/// Which module is asking: they read their params slightly differently.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `k6/ws`'s `connect(url, params, callback)`.
    Ws,
    /// `k6/experimental/websockets`'s `new WebSocket(url, protocols, params)`.
    WebSocket,
}

/// The params argument (`headers`, `tags`, `jar`, `compression`).
pub struct Params {
    /// Headers with Go's canonical names, the later of two with one name winning (Go's
    /// `Header.Set`).
    pub headers: Vec<(String, String)>,
    pub jar: JarRef,
    pub tags: TagPairs,
}

/// Reads the params object as k6 does: unknown keys are ignored by k6/ws and refused by the
/// WebSocket API; `compression: 'deflate'` is accepted (see `docs/websockets.md`: rk6
/// connects without it), any other algorithm is refused.
pub fn parse_params(v: &JsValue, api: Api, ctx: &mut Context) -> JsResult<Params> {
    let mut params = Params {
        headers: Vec::new(),
        jar: vu_jar(ctx),
        tags: Vec::new(),
    };
    if v.is_undefined() || (api == Api::Ws && v.is_null()) {
        return Ok(params);
    }
    let obj = v.to_object(ctx)?;
    for key in obj.own_property_keys(ctx)? {
        let Some(name) = key_name(&key) else { continue };
        let value = obj.get(key, ctx)?;
        match name.as_str() {
            "headers" => {
                let Some(headers) = value.as_object() else {
                    continue;
                };
                for hkey in headers.own_property_keys(ctx)? {
                    let Some(hname) = key_name(&hkey) else {
                        continue;
                    };
                    let hvalue = headers.get(hkey, ctx)?;
                    let hvalue = to_rust_string(&hvalue, ctx)?;
                    let hname = canonical_header(&hname);
                    params.headers.retain(|(n, _)| *n != hname);
                    params.headers.push((hname, hvalue));
                }
            }
            "tags" => match tag_entries(&value, ctx)? {
                Ok(tags) => params.tags.extend(tags),
                Err(e) => {
                    let prefix = match api {
                        Api::Ws => "invalid ws.connect() metric tags",
                        Api::WebSocket => "invalid WebSocket tags option",
                    };
                    return Err(go_error(format!("{prefix}: {e}"), ctx));
                }
            },
            "jar" => {
                if let Some(jar) = jar_of_value(&value) {
                    params.jar = jar;
                }
            }
            "compression" => {
                let algorithm = to_rust_string(&value, ctx)?;
                let algorithm = algorithm.trim();
                if algorithm.is_empty() && api == Api::Ws {
                    continue;
                }
                if algorithm != "deflate" {
                    return Err(go_error(
                        format!(
                            "unsupported compression algorithm '{algorithm}', supported algorithm is 'deflate'"
                        ),
                        ctx,
                    ));
                }
                warn_no_compression();
            }
            _ if api == Api::WebSocket => {
                return Err(go_error(format!("unknown WebSocket's option {name}"), ctx));
            }
            _ => {}
        }
    }
    Ok(params)
}

/// tungstenite has no permessage-deflate: say so once per run, then connect uncompressed.
fn warn_no_compression() {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        super::console::log(
            super::console::Level::Warn,
            "rk6 does not compress WebSocket messages (permessage-deflate): the connection is made without compression",
            &[],
        );
    });
}

/// The http(s) URL whose cookies a ws(s) URL gets (gorilla maps the schemes for the jar).
fn cookie_url(url: &Url) -> Option<Url> {
    let scheme = if url.scheme() == "wss" {
        "https"
    } else {
        "http"
    };
    let rest = &url.as_str()[url.scheme().len()..];
    Url::parse(&format!("{scheme}{rest}")).ok()
}

/// Starts connecting to `url` on the VU's transport settings. The request carries the VU's
/// User-Agent (none when empty), the script's headers, and the jar's cookies unless the
/// script set its own `Cookie` header (gorilla lets the header replace them).
pub fn start(
    url: Url,
    params: &Params,
    subprotocols: Vec<String>,
    report_writes: bool,
    interrupt_code: u16,
    ctx: &mut Context,
) -> oneshot::Receiver<Connected> {
    let vu = vu_state(ctx);
    let (shared, vu_id, signal) = {
        let st = vu.borrow();
        (st.shared.clone(), st.id, st.signal.clone())
    };
    let mut headers = Vec::with_capacity(params.headers.len() + 2);
    let user_agent = &shared.options.user_agent;
    let script_sets = |name: &str| params.headers.iter().any(|(n, _)| n == name);
    if !user_agent.is_empty() && !script_sets("User-Agent") {
        headers.push(("User-Agent".to_string(), user_agent.clone()));
    }
    headers.extend(params.headers.iter().cloned());
    if !script_sets("Cookie")
        && let Some(for_jar) = cookie_url(&url)
        && let Some(cookies) = cookie_header(&params.jar.borrow().for_url(&for_jar), true)
    {
        headers.push(("Cookie".to_string(), cookies));
    }
    let cfg = http_state(ctx).borrow().transport.config().clone();
    let local_ip = cfg.local_ips.as_ref().and_then(|p| p.for_vu(vu_id));
    let dial = Dial {
        url,
        headers,
        subprotocols,
        report_writes,
        interrupt_code,
    };
    websocket::connect(cfg, &shared.tokio, local_ip, dial, signal)
}

/// Stores the handshake response's cookies in the jar the request used.
pub fn store_cookies(params: &Params, url: &Url, response: &HandshakeResponse) {
    if let Some(for_jar) = cookie_url(url) {
        params
            .jar
            .borrow_mut()
            .store_response(&response.headers, &for_jar);
    }
}

/// The system tags a session's samples carry beyond the VU's own.
pub struct SessionTags<'a> {
    /// `url` (and for the WebSocket API `name`) as k6 tags it.
    pub url: &'a str,
    /// Also set the `name` tag (the WebSocket API does; a user `name` tag then also becomes
    /// the `url` tag).
    pub with_name: bool,
    pub user: &'a TagPairs,
    pub status: Option<u16>,
    /// The negotiated subprotocol, once the server answered (`""` for none).
    pub subproto: Option<&'a str>,
    pub ip: Option<std::net::IpAddr>,
}

/// The tag set of a session's samples. System tags win over user tags of the same name, as
/// k6 sets them after the user's (except a user `name` with the WebSocket API).
pub fn session_tags(t: &SessionTags<'_>, ctx: &mut Context) -> TagSet {
    let vu = vu_state(ctx);
    let mut st = vu.borrow_mut();
    let shared = st.shared.clone();
    let sys = &shared.system_tags;
    let mut extra: TagPairs = t.user.clone();
    let mut set = |k: &str, v: &str| {
        extra.retain(|(n, _)| &**n != k);
        extra.push((Arc::from(k), Arc::from(v)));
    };
    if let (Some(ip), true) = (t.ip, sys.has("ip")) {
        set("ip", &ip.to_string());
    }
    if let (Some(status), true) = (t.status, sys.has("status")) {
        set("status", &status.to_string());
    }
    if let (Some(p), true) = (t.subproto, sys.has("subproto")) {
        set("subproto", p);
    }
    let user_name = t
        .user
        .iter()
        .find(|(k, _)| &**k == "name")
        .map(|(_, v)| v.clone());
    match (t.with_name, user_name) {
        (true, Some(name)) => {
            if sys.has("url") {
                set("url", &name);
            }
        }
        (with_name, _) => {
            if sys.has("url") {
                set("url", t.url);
            }
            if with_name && sys.has("name") {
                set("name", t.url);
            }
        }
    }
    st.tags_with(extra)
}

/// Pushes one WebSocket sample.
pub fn emit(
    ctx: &mut Context,
    metric: fn(&WsMetrics) -> &MetricRef,
    value: f64,
    tags: &TagSet,
    time_ns: i64,
) {
    let vu = vu_state(ctx);
    let mut st = vu.borrow_mut();
    let shared = st.shared.clone();
    st.push_sample(metric(&shared.builtin.ws), value, tags.clone(), time_ns);
}

/// `ws_sessions` and `ws_connecting`, stamped with the connection's start as in k6.
pub fn emit_connection(ctx: &mut Context, tags: &TagSet, started_ns: i64, connecting_ms: f64) {
    emit(ctx, |m| &m.sessions, 1.0, tags, started_ns);
    emit(ctx, |m| &m.connecting, connecting_ms, tags, started_ns);
}

/// Adds a socket's wire bytes to the iteration's `data_sent`/`data_received`.
pub fn account_bytes(ctx: &mut Context, control: &websocket::Control) {
    add_bytes(ctx, control.take_bytes());
}

/// Adds wire bytes (sent, received) to the iteration's `data_sent`/`data_received`.
pub fn add_bytes(ctx: &mut Context, (sent, received): (u64, u64)) {
    let vu = vu_state(ctx);
    let mut st = vu.borrow_mut();
    st.data_sent += sent;
    st.data_received += received;
}

/// Milliseconds between two instants, as k6's time metrics hold them.
pub fn ms_between(from: Instant, to: Instant) -> f64 {
    to.saturating_duration_since(from).as_secs_f64() * 1000.0
}

/// A wall-clock timestamp (ns) for an instant in the recent past.
pub fn wall_ns(at: Instant) -> i64 {
    now_ns() - at.elapsed().as_nanos() as i64
}

/// Pings a socket sent and not yet answered: k6 names them `0`, `1`, … and times the pong
/// carrying the same name (`ws_ping`). Bounded, so a server that never answers does not
/// grow it for the whole session.
#[derive(Default)]
pub struct Pings {
    next: u64,
    outstanding: VecDeque<(u64, Instant)>,
}

const MAX_OUTSTANDING_PINGS: usize = 1024;

impl Pings {
    /// The payload of the next ping, recorded as sent now.
    pub fn next_payload(&mut self) -> Vec<u8> {
        let id = self.next;
        self.next += 1;
        if self.outstanding.len() == MAX_OUTSTANDING_PINGS {
            self.outstanding.pop_front();
        }
        self.outstanding.push_back((id, Instant::now()));
        id.to_string().into_bytes()
    }

    /// The round trip of the ping a pong answers (`None` for a pong nobody asked for).
    pub fn answered(&mut self, payload: &[u8]) -> Option<f64> {
        let id: u64 = std::str::from_utf8(payload).ok()?.parse().ok()?;
        let i = self.outstanding.iter().position(|(n, _)| *n == id)?;
        let (_, sent) = self.outstanding.remove(i)?;
        Some(ms_between(sent, Instant::now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pings_are_matched_by_payload_and_bounded() {
        let mut p = Pings::default();
        assert_eq!(p.next_payload(), b"0");
        assert_eq!(p.next_payload(), b"1");
        assert!(p.answered(b"1").is_some());
        assert!(p.answered(b"1").is_none(), "answered once");
        assert!(p.answered(b"x").is_none());
        assert!(p.answered(b"0").is_some());
        for _ in 0..(MAX_OUTSTANDING_PINGS + 10) {
            p.next_payload();
        }
        assert_eq!(p.outstanding.len(), MAX_OUTSTANDING_PINGS);
    }

    #[test]
    fn cookies_of_ws_urls_are_those_of_http_urls() {
        let u = Url::parse("wss://example.com/chat?x=1").unwrap();
        assert_eq!(
            cookie_url(&u).unwrap().as_str(),
            "https://example.com/chat?x=1"
        );
        let u = Url::parse("ws://127.0.0.1:8080/").unwrap();
        assert_eq!(cookie_url(&u).unwrap().as_str(), "http://127.0.0.1:8080/");
    }
}
