//! `k6/ws`: `connect(url, [params], callback)`, as k6 v1.1.0's `js/modules/k6/ws`.
//!
//! `connect` blocks the VU until the socket closes. Meanwhile it runs the socket's own loop:
//! the handlers registered with `socket.on(...)` and the socket's `setTimeout`/`setInterval`
//! timers. The VU's event loop (global timers, promise jobs) waits until `connect` returns,
//! as in k6.
//!
//! Samples: `ws_sessions` and `ws_connecting` when the dial ends (even a failed one),
//! `ws_msgs_sent` per `send`/`sendBinary` call, `ws_msgs_received` per message,
//! `ws_ping` per answered ping, `ws_session_duration` when `connect` returns; tagged with the
//! VU's tags, `url` (as written), `status` and `subproto` (once the server answered) and the
//! `tags` param.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use boa_engine::object::ObjectInitializer;
use boa_engine::{Context, JsArgs, JsData, JsObject, JsResult, JsString, JsValue, NativeFunction};
use boa_gc::{Finalize, GcRefCell, Trace};
use url::Url;

use crate::http::websocket::{
    self as net, CLOSE_GOING_AWAY, Closed, Connected, Control, Event, Events, MALFORMED_URL,
};
use crate::js::bytes::array_buffer;
use crate::js::event_loop::interrupted_error;
use crate::js::interrupt::VuSignal;
use crate::js::modules::encoding::go_error;
use crate::js::runtime::{Phase, vu_state};
use crate::js::util::{ALL, func, to_rust_string};
use crate::js::websocket::{self as shared, Api, Pings, SessionTags};
use crate::metrics::sample::{TagSet, now_ns};

pub const EXPORTS: &[&str] = &["connect"];

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let connect = func(ctx, "connect", 3, NativeFunction::from_fn_ptr(connect));
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("connect"), connect, ALL)
        .build())
}

/// The events `socket.on` knows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum On {
    Open,
    Message,
    BinaryMessage,
    Ping,
    Pong,
    Close,
    Error,
}

impl On {
    fn parse(name: &str) -> Option<On> {
        Some(match name {
            "open" => On::Open,
            "message" => On::Message,
            "binaryMessage" => On::BinaryMessage,
            "ping" => On::Ping,
            "pong" => On::Pong,
            "close" => On::Close,
            "error" => On::Error,
            _ => return None,
        })
    }
}

#[derive(Trace, Finalize)]
struct Handler {
    #[unsafe_ignore_trace]
    on: On,
    callback: JsObject,
}

#[derive(Trace, Finalize)]
struct Timer {
    callback: JsObject,
    #[unsafe_ignore_trace]
    due: Instant,
    #[unsafe_ignore_trace]
    every: Option<Duration>,
}

/// The `socket` given to connect's callback. Handlers and timers hold JS functions, so they
/// live in traced fields; the rest is plain Rust state.
#[derive(Trace, Finalize, JsData)]
struct SocketObject {
    handlers: GcRefCell<Vec<Handler>>,
    timers: GcRefCell<Vec<Timer>>,
    #[unsafe_ignore_trace]
    state: Rc<SocketState>,
}

struct SocketState {
    control: Control,
    tags: TagSet,
    /// k6's `closeConnection` ran: the close frame is out and the loop ends.
    closed: Cell<bool>,
    pings: RefCell<Pings>,
}

/// The prototype of sockets, made once per VU.
struct SocketProto(JsObject);

fn socket_proto(ctx: &mut Context) -> JsObject {
    if let Some(p) = ctx.get_data::<SocketProto>() {
        return p.0.clone();
    }
    type Method = fn(&JsValue, &[JsValue], &mut Context) -> JsResult<JsValue>;
    let methods: [(&str, usize, Method); 7] = [
        ("on", 2, socket_on),
        ("send", 1, socket_send),
        ("sendBinary", 1, socket_send_binary),
        ("ping", 0, socket_ping),
        ("close", 1, socket_close),
        ("setTimeout", 2, socket_set_timeout),
        ("setInterval", 2, socket_set_interval),
    ];
    let fns =
        methods.map(|(name, len, f)| (name, func(ctx, name, len, NativeFunction::from_fn_ptr(f))));
    let mut proto = ObjectInitializer::new(ctx);
    for (name, f) in fns {
        proto.property(JsString::from(name), f, ALL);
    }
    let proto = proto.build();
    ctx.insert_data(SocketProto(proto.clone()));
    proto
}

fn this_socket(this: &JsValue) -> JsResult<(JsObject, Rc<SocketState>)> {
    let obj = this
        .as_object()
        .ok_or_else(|| crate::js::util::type_error("not a k6/ws Socket"))?;
    let state = obj
        .downcast_ref::<SocketObject>()
        .map(|s| s.state.clone())
        .ok_or_else(|| crate::js::util::type_error("not a k6/ws Socket"))?;
    Ok((obj, state))
}

/// Calls every handler of `on` with `args`, in registration order.
fn fire(socket: &JsObject, on: On, args: &[JsValue], ctx: &mut Context) -> JsResult<()> {
    let callbacks: Vec<JsObject> = match socket.downcast_ref::<SocketObject>() {
        Some(s) => s
            .handlers
            .borrow()
            .iter()
            .filter(|h| h.on == on)
            .map(|h| h.callback.clone())
            .collect(),
        None => return Ok(()),
    };
    for f in callbacks {
        f.call(&JsValue::undefined(), args, ctx)?;
    }
    Ok(())
}

/// What k6 passes to `error` handlers: Go's error value, whose `error()` method gives the
/// message (`e.error()` in k6's examples).
fn error_value(message: &str, ctx: &mut Context) -> JsValue {
    let text = JsValue::from(JsString::from(message));
    let get = NativeFunction::from_copy_closure_with_captures(
        |_, _, text: &JsValue, _| Ok(text.clone()),
        text,
    );
    let error = func(ctx, "error", 0, get.clone());
    let to_string = func(ctx, "toString", 0, get);
    ObjectInitializer::new(ctx)
        .property(JsString::from("error"), error, ALL)
        .property(
            JsString::from("toString"),
            to_string,
            boa_engine::property::Attribute::WRITABLE
                | boa_engine::property::Attribute::CONFIGURABLE,
        )
        .build()
        .into()
}

/// k6's `closeConnection`: once, send a close frame with `code`, drop the connection and run
/// the `close` handlers.
fn close_connection(
    socket: &JsObject,
    state: &SocketState,
    code: u16,
    ctx: &mut Context,
) -> JsResult<()> {
    if state.closed.replace(true) {
        return Ok(());
    }
    // The socket's task is gone when the server closed first: tungstenite has already
    // answered its close frame, as gorilla's WriteControl does for k6.
    state.control.close(code, String::new(), false);
    fire(socket, On::Close, &[JsValue::from(code)], ctx)
}

fn socket_on(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let (obj, _) = this_socket(this)?;
    let name = to_rust_string(args.get_or_undefined(0), ctx)?;
    if let (Some(on), Some(callback)) = (On::parse(&name), args.get_or_undefined(1).as_callable())
        && let Some(s) = obj.downcast_ref::<SocketObject>()
    {
        s.handlers.borrow_mut().push(Handler { on, callback });
    }
    Ok(JsValue::undefined())
}

/// A write after the close frame fails as gorilla's `ErrCloseSent` does; k6 reports it to
/// the `error` handlers and counts the message anyway.
fn write(
    obj: &JsObject,
    state: &SocketState,
    message: net::Message,
    ctx: &mut Context,
) -> JsResult<()> {
    if state.closed.get() || !state.control.send(message) {
        let e = error_value("websocket: close sent", ctx);
        fire(obj, On::Error, &[e], ctx)?;
    }
    shared::emit(ctx, |m| &m.msgs_sent, 1.0, &state.tags, now_ns());
    Ok(())
}

fn socket_send(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let (obj, state) = this_socket(this)?;
    let text = to_rust_string(args.get_or_undefined(0), ctx)?;
    write(&obj, &state, net::Message::text(text), ctx)?;
    Ok(JsValue::undefined())
}

fn socket_send_binary(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let (obj, state) = this_socket(this)?;
    let Some(v) = args.first() else {
        return Err(go_error("missing argument, expected ArrayBuffer", ctx));
    };
    let bytes = v.as_object().and_then(|o| {
        boa_engine::object::builtins::JsArrayBuffer::from_object(o.clone())
            .ok()
            .map(|b| b.data().map(|d| d.to_vec()).unwrap_or_default())
    });
    let Some(bytes) = bytes else {
        let received = if v.is_null() || v.is_undefined() {
            v.display().to_string()
        } else {
            let constructor = v.to_object(ctx)?.get(JsString::from("constructor"), ctx)?;
            let name = constructor
                .to_object(ctx)?
                .get(JsString::from("name"), ctx)?;
            to_rust_string(&name, ctx)?
        };
        return Err(go_error(
            format!("expected ArrayBuffer as argument, received: {received}"),
            ctx,
        ));
    };
    write(&obj, &state, net::Message::binary(bytes), ctx)?;
    Ok(JsValue::undefined())
}

fn socket_ping(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let (obj, state) = this_socket(this)?;
    if state.closed.get() {
        let e = error_value("websocket: close sent", ctx);
        fire(&obj, On::Error, &[e], ctx)?;
        return Ok(JsValue::undefined());
    }
    let payload = state.pings.borrow_mut().next_payload();
    state.control.send(net::Message::Ping(payload.into()));
    Ok(JsValue::undefined())
}

fn socket_close(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let (obj, state) = this_socket(this)?;
    let code = match args.first() {
        // Go's int conversion of ToInteger: wraps like Go would not, but codes are small.
        Some(v) => v.to_number(ctx)?.trunc() as i64 as u16,
        None => CLOSE_GOING_AWAY,
    };
    close_connection(&obj, &state, code, ctx)?;
    Ok(JsValue::undefined())
}

fn schedule(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
    repeat: bool,
) -> JsResult<JsValue> {
    let (obj, _) = this_socket(this)?;
    let name = if repeat { "setInterval" } else { "setTimeout" };
    let Some(callback) = args.get_or_undefined(0).as_callable() else {
        return Err(crate::js::util::type_error(format!(
            "{name} expects a function as the first argument"
        )));
    };
    let ms = args.get_or_undefined(1).to_number(ctx)?;
    let d = Duration::try_from_secs_f64(ms / 1000.0).unwrap_or(Duration::ZERO);
    if d.is_zero() {
        return Err(go_error(
            format!("{name} requires a >0 timeout parameter, received {ms:.2}"),
            ctx,
        ));
    }
    if let Some(s) = obj.downcast_ref::<SocketObject>() {
        s.timers.borrow_mut().push(Timer {
            callback,
            due: Instant::now() + d,
            every: repeat.then_some(d),
        });
    }
    Ok(JsValue::undefined())
}

fn socket_set_timeout(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    schedule(this, args, ctx, false)
}

fn socket_set_interval(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    schedule(this, args, ctx, true)
}

/// The value `connect` returns: k6's `HTTPResponse` (`url` only once the socket opened).
fn response_value(
    url: &str,
    response: Option<&net::HandshakeResponse>,
    error: &str,
    ctx: &mut Context,
) -> JsValue {
    let headers = ObjectInitializer::new(ctx).build();
    let (status, body) = match response {
        Some(r) => {
            let mut joined: Vec<(String, String)> = Vec::new();
            for (name, value) in &r.headers {
                let name = crate::http::debug::canonical_header(name.as_str());
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                match joined.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, v)) => {
                        v.push_str(", ");
                        v.push_str(&value);
                    }
                    None => joined.push((name, value)),
                }
            }
            for (name, value) in joined {
                let _ = headers.set(JsString::from(name), JsString::from(value), false, ctx);
            }
            (r.status, String::from_utf8_lossy(&r.body).into_owned())
        }
        None => (0, String::new()),
    };
    ObjectInitializer::new(ctx)
        .property(JsString::from("url"), JsString::from(url), ALL)
        .property(JsString::from("status"), status, ALL)
        .property(JsString::from("headers"), headers, ALL)
        .property(JsString::from("body"), JsString::from(body), ALL)
        .property(JsString::from("error"), JsString::from(error), ALL)
        .build()
        .into()
}

fn connect(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let vu = vu_state(ctx);
    let (shared_run, signal) = {
        let st = vu.borrow();
        if st.phase == Phase::Init {
            drop(st);
            return Err(go_error(
                "using websockets in the init context is not supported",
                ctx,
            ));
        }
        (st.shared.clone(), st.signal.clone())
    };
    let raw_url = to_rust_string(args.get_or_undefined(0), ctx)?;
    let rest = args.get(1..).unwrap_or_default();
    let (params_v, callback_v) = match rest {
        [params, callback] => (params.clone(), callback.clone()),
        [callback] => (JsValue::undefined(), callback.clone()),
        _ => return Err(go_error("invalid number of arguments to ws.connect", ctx)),
    };
    let Some(setup) = callback_v.as_callable() else {
        return Err(go_error(
            "last argument to ws.connect must be a function",
            ctx,
        ));
    };
    let params = shared::parse_params(&params_v, Api::Ws, ctx)?;
    let started = Instant::now();
    let started_ns = now_ns();
    let connected = match Url::parse(&raw_url) {
        Ok(url) if url.scheme() == "ws" || url.scheme() == "wss" => {
            let rx = shared::start(
                url.clone(),
                &params,
                Vec::new(),
                false,
                CLOSE_GOING_AWAY,
                ctx,
            );
            let done = futures_lite::future::block_on(rx).ok();
            if let Some(Connected { result: Err(f), .. }) = &done
                && let Some(r) = &f.response
            {
                shared::store_cookies(&params, &url, r);
            }
            if let Some(Connected { result: Ok(o), .. }) = &done {
                shared::store_cookies(&params, &url, &o.response);
            }
            done
        }
        _ => None,
    };
    let (result, connecting) = match connected {
        Some(c) => (c.result, c.duration),
        None => (
            Err(net::DialFailure {
                error: if Url::parse(&raw_url).is_err() {
                    go_parse_error(&raw_url)
                } else {
                    MALFORMED_URL.to_string()
                },
                response: None,
                interrupted: false,
                bytes: (0, 0),
            }),
            started.elapsed(),
        ),
    };
    let (response, remote, protocol) = match &result {
        Ok(o) => (Some(&o.response), Some(o.remote), Some(o.protocol.as_str())),
        Err(f) => (f.response.as_ref(), None, None),
    };
    let tags = shared::session_tags(
        &SessionTags {
            url: &raw_url,
            with_name: false,
            user: &params.tags,
            status: response.map(|r| r.status),
            // k6 tags the subprotocol whenever the server answered ("" when none).
            subproto: response.map(|r| {
                protocol.unwrap_or_else(|| {
                    r.headers
                        .get("Sec-WebSocket-Protocol")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                })
            }),
            ip: remote.map(|r| r.ip()),
        },
        ctx,
    );
    shared::emit_connection(ctx, &tags, started_ns, connecting.as_secs_f64() * 1000.0);
    let session_ended = |ctx: &mut Context| {
        shared::emit(
            ctx,
            |m| &m.session_duration,
            shared::ms_between(started, Instant::now()),
            &tags,
            started_ns,
        );
    };
    let opened = match result {
        Ok(o) => o,
        Err(f) => {
            shared::add_bytes(ctx, f.bytes);
            session_ended(ctx);
            if f.interrupted {
                return Err(interrupted_error());
            }
            if shared_run.options.throw {
                return Err(go_error(f.error, ctx));
            }
            return Ok(match &f.response {
                Some(r) => response_value("", Some(r), "", ctx),
                None => response_value("", None, &f.error, ctx),
            });
        }
    };
    let net::Opened {
        response, session, ..
    } = opened;
    let net::Session {
        control,
        mut events,
    } = session;
    let state = Rc::new(SocketState {
        control,
        tags: tags.clone(),
        closed: Cell::new(false),
        pings: RefCell::new(Pings::default()),
    });
    let proto = socket_proto(ctx);
    let socket = JsObject::from_proto_and_data(
        Some(proto),
        SocketObject {
            handlers: GcRefCell::new(Vec::new()),
            timers: GcRefCell::new(Vec::new()),
            state: state.clone(),
        },
    );
    let outcome = setup
        .call(&JsValue::undefined(), &[socket.clone().into()], ctx)
        .and_then(|_| fire(&socket, On::Open, &[], ctx))
        .and_then(|_| run(&socket, &state, &mut events, &signal, ctx));
    if let Err(e) = outcome {
        // k6 closes with 1001 (its deferred `socket.Close()`), which runs the close handlers.
        let _ = close_connection(&socket, &state, CLOSE_GOING_AWAY, ctx);
        finish(&state, &mut events, ctx);
        // An interrupted VU's context is done: k6 drops the session's last sample then.
        if !signal.is_cancelled() {
            session_ended(ctx);
        }
        return Err(e);
    }
    finish(&state, &mut events, ctx);
    session_ended(ctx);
    Ok(response_value(&raw_url, Some(&response), "", ctx))
}

/// Go's `url.Parse` error for what the url crate refuses, as gorilla returns it.
fn go_parse_error(raw: &str) -> String {
    match crate::http::url::parse(raw) {
        Err(e) => e.message.trim_start_matches("invalid URL: ").to_string(),
        Ok(_) => MALFORMED_URL.to_string(),
    }
}

/// Waits (briefly) for the socket's task to have written its close frame, then accounts the
/// connection's bytes to the iteration.
fn finish(state: &SocketState, events: &mut Events, ctx: &mut Context) {
    let drained = async {
        while let Some(e) = events.next().await {
            if matches!(e, Event::Closed(_)) {
                break;
            }
        }
    };
    let wait = tokio::time::timeout(Duration::from_secs(1), drained);
    let _ = futures_lite::future::block_on(wait);
    shared::account_bytes(ctx, &state.control);
}

enum Wake {
    Event(Option<Event>),
    Timer,
    Cancelled,
}

/// The earliest timer's due time.
fn next_due(socket: &JsObject) -> Option<Instant> {
    socket
        .downcast_ref::<SocketObject>()?
        .timers
        .borrow()
        .iter()
        .map(|t| t.due)
        .min()
}

/// Runs the timers that are due (intervals are rescheduled first, so one that closes the
/// socket still ends it). k6 closes with 1001 and rethrows when a timer throws.
fn run_due_timers(socket: &JsObject, ctx: &mut Context) -> JsResult<()> {
    let now = Instant::now();
    let due: Vec<JsObject> = match socket.downcast_ref::<SocketObject>() {
        Some(s) => {
            let mut timers = s.timers.borrow_mut();
            let mut fired = Vec::new();
            timers.retain_mut(|t| {
                if t.due > now {
                    return true;
                }
                fired.push(t.callback.clone());
                match t.every {
                    Some(every) => {
                        t.due += every;
                        if t.due <= now {
                            t.due = now + every;
                        }
                        true
                    }
                    None => false,
                }
            });
            fired
        }
        None => Vec::new(),
    };
    for f in due {
        f.call(&JsValue::undefined(), &[], ctx)?;
        if socket
            .downcast_ref::<SocketObject>()
            .is_some_and(|s| s.state.closed.get())
        {
            break;
        }
    }
    Ok(())
}

/// The socket's loop: events and timers until the connection closes.
fn run(
    socket: &JsObject,
    state: &SocketState,
    events: &mut Events,
    signal: &VuSignal,
    ctx: &mut Context,
) -> JsResult<()> {
    while !state.closed.get() {
        run_due_timers(socket, ctx)?;
        if state.closed.get() {
            break;
        }
        // An event already waiting needs no timer or wake-up registered (the common case
        // under load); timers due meanwhile ran above, so they are not starved.
        let ready = if signal.is_cancelled() {
            Some(Wake::Cancelled)
        } else {
            events.try_next().map(|e| Wake::Event(Some(e)))
        };
        let due = next_due(socket);
        let wake = ready.unwrap_or_else(|| {
            futures_lite::future::block_on(async {
                let event = async { Wake::Event(events.next().await) };
                let timer = async {
                    match due {
                        Some(at) => tokio::time::sleep_until(at.into()).await,
                        None => std::future::pending::<()>().await,
                    }
                    Wake::Timer
                };
                let cancelled = async {
                    signal.cancelled().await;
                    Wake::Cancelled
                };
                futures_lite::future::or(cancelled, futures_lite::future::or(event, timer)).await
            })
        });
        match wake {
            Wake::Timer => {}
            // The socket's task closes the connection itself (1001) when the VU is stopped.
            Wake::Cancelled => {
                state.closed.set(true);
                return Err(interrupted_error());
            }
            Wake::Event(None) => {
                close_connection(socket, state, CLOSE_GOING_AWAY, ctx)?;
            }
            Wake::Event(Some(event)) => handle(socket, state, event, ctx)?,
        }
    }
    Ok(())
}

fn handle(socket: &JsObject, state: &SocketState, event: Event, ctx: &mut Context) -> JsResult<()> {
    match event {
        Event::Text(text) => {
            shared::emit(ctx, |m| &m.msgs_received, 1.0, &state.tags, now_ns());
            fire(socket, On::Message, &[JsString::from(text).into()], ctx)
        }
        Event::Binary(bytes) => {
            shared::emit(ctx, |m| &m.msgs_received, 1.0, &state.tags, now_ns());
            let ab = array_buffer(&bytes, ctx)?;
            fire(socket, On::BinaryMessage, &[ab], ctx)
        }
        Event::Ping => fire(socket, On::Ping, &[], ctx),
        Event::Pong(payload) => {
            let rtt = state.pings.borrow_mut().answered(&payload);
            if let Some(ms) = rtt {
                shared::emit(ctx, |m| &m.ping, ms, &state.tags, now_ns());
            }
            fire(socket, On::Pong, &[], ctx)
        }
        Event::Written(_) => Ok(()),
        Event::Closed(Closed { code, error }) => {
            if let Some(e) = error {
                let e = error_value(&e, ctx);
                fire(socket, On::Error, &[e], ctx)?;
            }
            close_connection(socket, state, code, ctx)
        }
    }
}
