//! `k6/experimental/websockets` (also importable as `k6/websockets`, k6 v2's name): the
//! browser-style `WebSocket` class and `Blob`, as k6 v1.1.0's
//! `internal/js/modules/k6/experimental/websockets`.
//!
//! A socket lives on the VU's event loop: the constructor starts connecting and returns at
//! once; each thing the socket reports (opened, a message, a pong, closed) is one host job
//! on the loop, which runs the listeners and queues the job for the next one. So an open
//! socket keeps the iteration going until it closes, promise jobs and timers run between
//! events, and one VU can hold many sockets.
//!
//! Samples as in k6: `ws_sessions`/`ws_connecting` when the dial ends, `ws_msgs_sent` per
//! written frame (messages, pings and the close frame), `ws_msgs_received` per message
//! received while open, `ws_ping` per answered ping, `ws_session_duration` when an open
//! socket closes; tagged with `url` and `name` (a `name` tag given in params becomes the
//! `url` tag), `status`, `subproto` and the params' `tags`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Instant;

use boa_engine::job::{Job, NativeAsyncJob};
use boa_engine::object::builtins::{
    JsArray, JsArrayBuffer, JsDataView, JsPromise, JsTypedArray, JsUint8Array,
};
use boa_engine::object::{FunctionObjectBuilder, ObjectInitializer};
use boa_engine::property::{Attribute, PropertyDescriptor};
use boa_engine::{
    Context, JsArgs, JsData, JsNativeError, JsObject, JsResult, JsString, JsValue, NativeFunction,
};
use boa_gc::{Finalize, GcRefCell, Trace};
use url::Url;

use crate::http::websocket::{
    self as net, CLOSE_NORMAL, Closed, Connected, Control, Event, Events,
};
use crate::js::bytes::{array_buffer, binary_bytes};
use crate::js::event_loop::interrupted_error;
use crate::js::interrupt::VuSignal;
use crate::js::modules::encoding::go_error;
use crate::js::runtime::{Phase, vu_state};
use crate::js::util::{ALL, define_ro, format_exception, func, to_rust_string, type_error};
use crate::js::vu::go_type_name;
use crate::js::websocket::{self as shared, Api, Params, Pings, SessionTags};
use crate::metrics::sample::{TagSet, now_ns};

pub const EXPORTS: &[&str] = &["WebSocket", "Blob"];

const CONNECTING: u8 = 0;
const OPEN: u8 = 1;
const CLOSING: u8 = 2;
const CLOSED: u8 = 3;

/// Event types, in the order of the `on…` properties k6 defines.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Message,
    Error,
    Open,
    Close,
    Ping,
    Pong,
}

const KINDS: [(Kind, &str); 6] = [
    (Kind::Message, "message"),
    (Kind::Error, "error"),
    (Kind::Open, "open"),
    (Kind::Close, "close"),
    (Kind::Ping, "ping"),
    (Kind::Pong, "pong"),
];

impl Kind {
    fn parse(name: &str) -> Option<Kind> {
        KINDS.iter().find(|(_, n)| *n == name).map(|(k, _)| *k)
    }

    fn name(self) -> &'static str {
        KINDS[self as usize].1
    }
}

#[derive(Trace, Finalize)]
struct Listener {
    #[unsafe_ignore_trace]
    kind: Kind,
    callback: JsObject,
}

/// Listeners hold JS functions, so they live in traced fields of the socket object.
#[derive(Trace, Finalize, Default)]
struct Listeners {
    /// The `on…` handler of each kind (called first, as in k6).
    on: [Option<JsObject>; 6],
    added: Vec<Listener>,
}

impl Listeners {
    fn of(&self, kind: Kind) -> Vec<JsObject> {
        self.on[kind as usize]
            .iter()
            .cloned()
            .chain(
                self.added
                    .iter()
                    .filter(|l| l.kind == kind)
                    .map(|l| l.callback.clone()),
            )
            .collect()
    }
}

#[derive(Trace, Finalize, JsData)]
struct WebSocketObject {
    listeners: GcRefCell<Listeners>,
    #[unsafe_ignore_trace]
    state: Rc<SocketState>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BinaryType {
    Blob,
    ArrayBuffer,
}

struct SocketState {
    /// Go's rendering of the URL (`url` property, `origin` of messages).
    url: String,
    ready: Cell<u8>,
    buffered: Cell<i64>,
    binary_type: Cell<BinaryType>,
    protocol: RefCell<String>,
    extensions: RefCell<Vec<String>>,
    control: RefCell<Option<Control>>,
    /// `close()` called while still connecting: sent once the socket opens.
    pending_close: RefCell<Option<(u16, String)>>,
    pings: RefCell<Pings>,
    tags: RefCell<TagSet>,
    started: Instant,
}

/// Per-VU objects shared by every socket and blob: accessor and method functions (so a
/// socket's sixteen own properties cost no function objects of their own), and `Blob`.
#[derive(Clone)]
struct Shared {
    methods: [(&'static str, JsObject); 4],
    getters: [(&'static str, JsObject, Option<JsObject>); 5],
    on_accessors: [(JsObject, JsObject); 6],
    blob_ctor: JsObject,
    blob_proto: JsObject,
    blob_methods: [(&'static str, JsObject); 5],
}

type NativeFn = fn(&JsValue, &[JsValue], &mut Context) -> JsResult<JsValue>;

fn shared_objects(ctx: &mut Context) -> JsResult<Shared> {
    if let Some(s) = ctx.get_data::<Shared>() {
        return Ok(s.clone());
    }
    let mut f =
        |name: &str, len: usize, f: NativeFn| func(ctx, name, len, NativeFunction::from_fn_ptr(f));
    let methods = [
        (
            "addEventListener",
            f("addEventListener", 2, ws_add_event_listener),
        ),
        ("send", f("send", 1, ws_send)),
        ("ping", f("ping", 0, ws_ping)),
        ("close", f("close", 2, ws_close)),
    ];
    let getters = [
        ("readyState", f("get readyState", 0, ws_ready_state), None),
        (
            "bufferedAmount",
            f("get bufferedAmount", 0, ws_buffered_amount),
            None,
        ),
        ("extensions", f("get extensions", 0, ws_extensions), None),
        ("protocol", f("get protocol", 0, ws_protocol), None),
        (
            "binaryType",
            f("get binaryType", 0, ws_binary_type),
            Some(f("set binaryType", 1, ws_set_binary_type)),
        ),
    ];
    let on_getters: [NativeFn; 6] = [
        on_get::<0>,
        on_get::<1>,
        on_get::<2>,
        on_get::<3>,
        on_get::<4>,
        on_get::<5>,
    ];
    let on_setters: [NativeFn; 6] = [
        on_set::<0>,
        on_set::<1>,
        on_set::<2>,
        on_set::<3>,
        on_set::<4>,
        on_set::<5>,
    ];
    let on_accessors = std::array::from_fn(|i| {
        let name = format!("on{}", KINDS[i].1);
        (
            f(&format!("get {name}"), 0, on_getters[i]),
            f(&format!("set {name}"), 1, on_setters[i]),
        )
    });
    let blob_methods = [
        ("arrayBuffer", f("arrayBuffer", 0, blob_array_buffer)),
        ("bytes", f("bytes", 0, blob_bytes)),
        ("slice", f("slice", 3, blob_slice)),
        ("text", f("text", 0, blob_text)),
        ("stream", f("stream", 0, blob_stream)),
    ];
    let blob_to_string = f("toString", 0, |_, _, _| {
        Ok(JsString::from("[object Blob]").into())
    });
    let blob_ctor = constructor(ctx, "Blob", 2, blob_new);
    let blob_proto = ObjectInitializer::new(ctx)
        .property(
            JsString::from("constructor"),
            blob_ctor.clone(),
            Attribute::WRITABLE | Attribute::CONFIGURABLE,
        )
        .property(JsString::from("toString"), blob_to_string, ALL)
        .build();
    blob_ctor.define_property_or_throw(
        JsString::from("prototype"),
        PropertyDescriptor::builder()
            .value(blob_proto.clone())
            .writable(false)
            .enumerable(false)
            .configurable(false),
        ctx,
    )?;
    let s = Shared {
        methods,
        getters,
        on_accessors,
        blob_ctor,
        blob_proto,
        blob_methods,
    };
    ctx.insert_data(s.clone());
    Ok(s)
}

/// A function scripts call with `new` (or without, as k6 allows).
fn constructor(ctx: &mut Context, name: &str, len: usize, f: NativeFn) -> JsObject {
    FunctionObjectBuilder::new(ctx.realm(), NativeFunction::from_fn_ptr(f))
        .name(JsString::from(name))
        .length(len)
        .constructor(true)
        .build()
        .into()
}

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let shared_objs = shared_objects(ctx)?;
    let ctor = constructor(ctx, "WebSocket", 1, ws_new);
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("WebSocket"), ctor, ALL)
        .property(JsString::from("Blob"), shared_objs.blob_ctor, ALL)
        .build())
}

fn this_ws(this: &JsValue) -> JsResult<(JsObject, Rc<SocketState>)> {
    let obj = this
        .as_object()
        .ok_or_else(|| type_error("not a WebSocket"))?;
    let state = obj
        .downcast_ref::<WebSocketObject>()
        .map(|w| w.state.clone())
        .ok_or_else(|| type_error("not a WebSocket"))?;
    Ok((obj, state))
}

// ------------------------------------------------------------------------------------------
// Construction and connection
// ------------------------------------------------------------------------------------------

/// k6's checks of the URL argument.
fn parse_url(v: &JsValue, ctx: &mut Context) -> JsResult<Url> {
    if v.is_undefined() {
        return Err(go_error("WebSocket requires a url", ctx));
    }
    let raw = to_rust_string(v, ctx)?;
    let url = match Url::parse(&raw) {
        Ok(u) => u,
        Err(_) => {
            let reason = match crate::http::url::parse(&raw) {
                Err(e) => e.message.trim_start_matches("invalid URL: ").to_string(),
                Ok(_) => format!("parse {}: invalid URL", crate::go_strconv::go_quote(&raw)),
            };
            return Err(go_error(
                format!(
                    "WebSocket requires valid url, but got {} which resulted in {reason}",
                    crate::go_strconv::go_quote(&raw)
                ),
                ctx,
            ));
        }
    };
    if url.scheme() != "ws" && url.scheme() != "wss" {
        return Err(go_error(
            format!(
                "WebSocket requires url with scheme ws or wss, but got {}",
                crate::go_strconv::go_quote(url.scheme())
            ),
            ctx,
        ));
    }
    if let Some(fragment) = url.fragment() {
        return Err(go_error(
            format!(
                "WebSocket requires no url fragment, but got {}",
                crate::go_strconv::go_quote(fragment)
            ),
            ctx,
        ));
    }
    Ok(url)
}

/// The `protocols` argument: a string or an array of strings (anything else is ignored).
fn subprotocols(v: &JsValue, ctx: &mut Context) -> JsResult<Vec<String>> {
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    if v.is_string() {
        return Ok(vec![to_rust_string(v, ctx)?]);
    }
    match v.as_object() {
        Some(o) if o.is_array() => {
            let array = JsArray::from_object(o.clone())?;
            let len = array.length(ctx)?;
            let mut out = Vec::with_capacity(len as usize);
            for i in 0..len {
                out.push(to_rust_string(&array.get(i, ctx)?, ctx)?);
            }
            Ok(out)
        }
        _ => Ok(Vec::new()),
    }
}

fn ws_new(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let phase = vu_state(ctx).borrow().phase;
    if phase == Phase::Init {
        // k6 v1.1.0 crashes here (a nil VU state); rk6 says what is wrong instead.
        return Err(go_error(
            "using websockets in the init context is not supported",
            ctx,
        ));
    }
    let url = parse_url(args.get_or_undefined(0), ctx)?;
    let params = shared::parse_params(args.get_or_undefined(2), Api::WebSocket, ctx)?;
    let protocols = subprotocols(args.get_or_undefined(1), ctx)?;
    let shown = crate::http::url::go_string(&to_rust_string(args.get_or_undefined(0), ctx)?, &url);
    let state = Rc::new(SocketState {
        url: shown,
        ready: Cell::new(CONNECTING),
        buffered: Cell::new(0),
        binary_type: Cell::new(BinaryType::Blob),
        protocol: RefCell::new(String::new()),
        extensions: RefCell::new(Vec::new()),
        control: RefCell::new(None),
        pending_close: RefCell::new(None),
        pings: RefCell::new(Pings::default()),
        tags: RefCell::new(TagSet::default()),
        started: Instant::now(),
    });
    let obj = new_socket_object(state.clone(), ctx)?;
    let rx = shared::start(url.clone(), &params, protocols, true, CLOSE_NORMAL, ctx);
    let signal = vu_state(ctx).borrow().signal.clone();
    let started_ns = now_ns();
    let target = obj.clone();
    ctx.enqueue_job(Job::AsyncJob(NativeAsyncJob::new(
        async move |cell: &RefCell<&mut Context>| {
            let connected = wait_or_cancel(rx, &signal).await;
            let c = &mut **cell.borrow_mut();
            let Some(connected) = connected else {
                state.ready.set(CLOSED);
                return Err(interrupted_error());
            };
            if let Some(events) = opened(&target, &state, connected, &params, &url, started_ns, c)?
            {
                listen(target, state, events, signal, c);
            }
            Ok(JsValue::undefined())
        },
    )));
    Ok(obj.into())
}

/// Awaits `f`, or `None` when the VU is stopped first.
async fn wait_or_cancel<T, E>(
    f: impl Future<Output = Result<T, E>>,
    signal: &VuSignal,
) -> Option<T> {
    let f = async { f.await.ok() };
    let cancelled = async {
        signal.cancelled().await;
        None
    };
    futures_lite::future::or(cancelled, f).await
}

/// The socket object with k6's own properties (methods, `url`, accessors, `on…` handlers),
/// their functions shared by every socket of the VU.
fn new_socket_object(state: Rc<SocketState>, ctx: &mut Context) -> JsResult<JsObject> {
    let s = shared_objects(ctx)?;
    let url = JsString::from(state.url.as_str());
    let obj = JsObject::from_proto_and_data(
        Some(ctx.intrinsics().constructors().object().prototype()),
        WebSocketObject {
            listeners: GcRefCell::new(Listeners::default()),
            state,
        },
    );
    for (name, f) in s.methods {
        define_ro(&obj, name, f, ctx)?;
    }
    define_ro(&obj, "url", url, ctx)?;
    let accessor = |get: JsObject, set: Option<JsObject>| {
        let d = PropertyDescriptor::builder()
            .get(get)
            .enumerable(true)
            .configurable(false);
        match set {
            Some(set) => d.set(set),
            None => d.set(JsValue::undefined()),
        }
    };
    for (name, get, set) in s.getters {
        obj.define_property_or_throw(JsString::from(name), accessor(get, set), ctx)?;
    }
    for (i, (get, set)) in s.on_accessors.into_iter().enumerate() {
        let name = format!("on{}", KINDS[i].1);
        obj.define_property_or_throw(JsString::from(name), accessor(get, Some(set)), ctx)?;
    }
    Ok(obj)
}

/// Handles the dial's outcome on the event loop: samples, then `open` (or `error` and
/// `close`). Returns the socket's events when it opened.
fn opened(
    obj: &JsObject,
    state: &SocketState,
    connected: Connected,
    params: &Params,
    url: &Url,
    started_ns: i64,
    ctx: &mut Context,
) -> JsResult<Option<Events>> {
    let Connected { result, duration } = connected;
    let response = match &result {
        Ok(o) => Some(&o.response),
        Err(f) => f.response.as_ref(),
    };
    if let Some(r) = response {
        shared::store_cookies(params, url, r);
    }
    let protocol = match &result {
        Ok(o) => o.protocol.clone(),
        Err(_) => String::new(),
    };
    let tags = shared::session_tags(
        &SessionTags {
            url: &state.url,
            with_name: true,
            user: &params.tags,
            status: response.map(|r| r.status),
            subproto: response.map(|_| protocol.as_str()),
            ip: result.as_ref().ok().map(|o| o.remote.ip()),
        },
        ctx,
    );
    shared::emit_connection(ctx, &tags, started_ns, duration.as_secs_f64() * 1000.0);
    *state.tags.borrow_mut() = tags;
    let opened = match result {
        Ok(o) => o,
        Err(f) => {
            shared::add_bytes(ctx, f.bytes);
            if f.interrupted {
                state.ready.set(CLOSED);
                return Err(interrupted_error());
            }
            closed_with_error(obj, state, Some(&f.error), ctx)?;
            return Ok(None);
        }
    };
    *state.protocol.borrow_mut() = opened.protocol;
    *state.extensions.borrow_mut() = opened
        .response
        .headers
        .get_all("Sec-WebSocket-Extensions")
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    let net::Session { control, events } = opened.session;
    let pending = state.pending_close.borrow_mut().take();
    match pending {
        // close() while connecting: k6 would hang (its write queue had no writer yet);
        // rk6 starts the closing handshake as soon as it can.
        Some((code, reason)) => {
            control.close(code, reason, true);
        }
        None => state.ready.set(OPEN),
    }
    *state.control.borrow_mut() = Some(control);
    if state.ready.get() == OPEN {
        let event = new_event(obj, Kind::Open, ctx);
        if let Err(e) = call_listeners(obj, Kind::Open, &event, ctx) {
            drop_connection(state);
            let message = exception_text(&e, ctx);
            let _ = closed_with_error(obj, state, Some(&message), ctx);
            return Err(e);
        }
    }
    Ok(Some(events))
}

/// Queues the job that waits for the socket's next event, handles it, and queues the next.
fn listen(
    obj: JsObject,
    state: Rc<SocketState>,
    mut events: Events,
    signal: std::sync::Arc<VuSignal>,
    ctx: &mut Context,
) {
    ctx.enqueue_job(Job::AsyncJob(NativeAsyncJob::new(
        async move |cell: &RefCell<&mut Context>| {
            // An event already waiting is taken without registering any wake-up.
            let waiting = (!signal.is_cancelled())
                .then(|| events.try_next())
                .flatten();
            let next = match waiting {
                Some(e) => Some(Some(e)),
                None => {
                    let event = async { Some(events.next().await) };
                    let cancelled = async {
                        signal.cancelled().await;
                        None
                    };
                    futures_lite::future::or(cancelled, event).await
                }
            };
            let c = &mut **cell.borrow_mut();
            let Some(event) = next else {
                // The socket's task closes the connection itself (1000) when the VU stops;
                // its bytes still count, as k6's dialer counts them.
                state.ready.set(CLOSED);
                if let Some(control) = state.control.borrow().as_ref() {
                    shared::account_bytes(c, control);
                }
                return Err(interrupted_error());
            };
            let event = event.unwrap_or(Event::Closed(Closed {
                code: net::CLOSE_ABNORMAL,
                error: None,
            }));
            let done = matches!(event, Event::Closed(_));
            handle(&obj, &state, event, c)?;
            if !done {
                listen(obj, state, events, signal, c);
            }
            Ok(JsValue::undefined())
        },
    )));
}

fn handle(obj: &JsObject, state: &SocketState, event: Event, ctx: &mut Context) -> JsResult<()> {
    match event {
        Event::Text(text) => {
            crate::js::gc::note_native_bytes(ctx, text.len());
            message(obj, state, JsString::from(text).into(), ctx)
        }
        Event::Binary(bytes) => {
            if state.ready.get() != OPEN {
                return Ok(());
            }
            let data = match state.binary_type.get() {
                BinaryType::ArrayBuffer => array_buffer(&bytes, ctx)?,
                BinaryType::Blob => new_blob(bytes, String::new(), ctx)?.into(),
            };
            message(obj, state, data, ctx)
        }
        Event::Ping => {
            let event = new_event(obj, Kind::Ping, ctx);
            call_listeners(obj, Kind::Ping, &event, ctx)
        }
        Event::Pong(payload) => {
            let rtt = state.pings.borrow_mut().answered(&payload);
            if let Some(ms) = rtt {
                let tags = state.tags.borrow().clone();
                shared::emit(ctx, |m| &m.ping, ms, &tags, now_ns());
            }
            let event = new_event(obj, Kind::Pong, ctx);
            call_listeners(obj, Kind::Pong, &event, ctx)
        }
        Event::Written(size) => {
            state.buffered.set(state.buffered.get() - size as i64);
            let tags = state.tags.borrow().clone();
            shared::emit(ctx, |m| &m.msgs_sent, 1.0, &tags, now_ns());
            Ok(())
        }
        Event::Closed(Closed { error, .. }) => {
            let tags = state.tags.borrow().clone();
            let ms = shared::ms_between(state.started, Instant::now());
            shared::emit(ctx, |m| &m.session_duration, ms, &tags, now_ns());
            if let Some(control) = state.control.borrow().as_ref() {
                shared::account_bytes(ctx, control);
            }
            closed_with_error(obj, state, error.as_deref(), ctx)
        }
    }
}

/// A message while open: `ws_msgs_received`, then the `message` listeners. A listener that
/// throws closes the socket (error and close listeners run) and fails the iteration.
fn message(obj: &JsObject, state: &SocketState, data: JsValue, ctx: &mut Context) -> JsResult<()> {
    if state.ready.get() != OPEN {
        return Ok(());
    }
    let tags = state.tags.borrow().clone();
    shared::emit(ctx, |m| &m.msgs_received, 1.0, &tags, now_ns());
    let event = new_event(obj, Kind::Message, ctx);
    let origin = JsString::from(state.url.as_str());
    define_ro(&event, "data", data, ctx)?;
    define_ro(&event, "origin", origin, ctx)?;
    if let Err(e) = call_listeners(obj, Kind::Message, &event, ctx) {
        drop_connection(state);
        let message = exception_text(&e, ctx);
        let _ = closed_with_error(obj, state, Some(&message), ctx);
        return Err(e);
    }
    Ok(())
}

/// Ends the connection at once (k6's `conn.Close()`): dropping the control lets the task
/// go, which closes the TCP connection.
fn drop_connection(state: &SocketState) {
    state.control.borrow_mut().take();
}

/// What Go's `err.Error()` gives for a JS exception.
/// What Go's `err.Error()` gives for a JS exception: the error and where it was thrown
/// (`Error: boom at file:///script.js:3:13`).
fn exception_text(e: &boa_engine::JsError, ctx: &mut Context) -> String {
    let text = format_exception(e, ctx);
    let mut lines = text.lines();
    let head = lines.next().unwrap_or_default().to_string();
    let place = lines.next().map(|l| {
        let l = l.trim().trim_start_matches("at ");
        match (l.rfind('('), l.ends_with(')')) {
            (Some(i), true) => l[i + 1..l.len() - 1].to_string(),
            _ => l.to_string(),
        }
    });
    match place {
        Some(p) if !p.is_empty() => format!("{head} at {p}"),
        _ => head,
    }
}

/// k6's `connectionClosedWithError`: once, CLOSED, then the error listeners (when there is
/// an error) and the close listeners.
fn closed_with_error(
    obj: &JsObject,
    state: &SocketState,
    error: Option<&str>,
    ctx: &mut Context,
) -> JsResult<()> {
    if state.ready.replace(CLOSED) == CLOSED {
        return Ok(());
    }
    if let Some(message) = error {
        let event = new_event(obj, Kind::Error, ctx);
        define_ro(&event, "error", JsString::from(message), ctx)?;
        call_listeners(obj, Kind::Error, &event, ctx)?;
    }
    let event = new_event(obj, Kind::Close, ctx);
    call_listeners(obj, Kind::Close, &event, ctx)
}

fn call_listeners(obj: &JsObject, kind: Kind, event: &JsObject, ctx: &mut Context) -> JsResult<()> {
    let listeners = match obj.downcast_ref::<WebSocketObject>() {
        Some(w) => w.listeners.borrow().of(kind),
        None => return Ok(()),
    };
    let arg: JsValue = event.clone().into();
    for f in listeners {
        f.call(&JsValue::undefined(), std::slice::from_ref(&arg), ctx)?;
    }
    Ok(())
}

/// What an event object holds outside the GC's count (its property storage and strings),
/// measured roughly: a socket making ten a second left up to Boa's 1 MB collection trigger
/// of them behind on every VU (100 VUs: 91 MB after 3 s, 140 MB after 40 s; k6/ws, which
/// makes none, 85 and 88), since an iteration holding a socket never ends to collect them.
const EVENT_NATIVE_BYTES: usize = 512;

/// k6's event object: `type`, `target`, `timestamp` (ms since the epoch).
fn new_event(target: &JsObject, kind: Kind, ctx: &mut Context) -> JsObject {
    crate::js::gc::note_native_bytes(ctx, EVENT_NATIVE_BYTES);
    let timestamp = now_ns() as f64 / 1_000_000.0;
    let ro = Attribute::READONLY | Attribute::ENUMERABLE | Attribute::PERMANENT;
    ObjectInitializer::new(ctx)
        .property(JsString::from("type"), JsString::from(kind.name()), ro)
        .property(JsString::from("target"), target.clone(), ro)
        .property(JsString::from("timestamp"), timestamp, ro)
        .build()
}

// ------------------------------------------------------------------------------------------
// Methods and accessors
// ------------------------------------------------------------------------------------------

fn assert_open(state: &SocketState, ctx: &mut Context) -> JsResult<()> {
    if state.ready.get() == OPEN {
        Ok(())
    } else {
        Err(go_error("InvalidStateError", ctx))
    }
}

fn queue(state: &SocketState, message: net::Message) {
    let size = match &message {
        net::Message::Text(t) => t.len(),
        net::Message::Binary(b) => b.len(),
        _ => 0,
    };
    state.buffered.set(state.buffered.get() + size as i64);
    if let Some(control) = state.control.borrow().as_ref() {
        control.send(message);
    }
}

/// Whether `v` is a Blob made by this module's constructor.
fn blob_of(v: &JsValue) -> Option<Rc<[u8]>> {
    v.as_object()?
        .downcast_ref::<BlobData>()
        .map(|b| b.bytes.clone())
}

fn ws_send(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let (_, state) = this_ws(this)?;
    assert_open(&state, ctx)?;
    let data = args.get_or_undefined(0);
    if data.is_string() {
        let text = to_rust_string(data, ctx)?;
        queue(&state, net::Message::text(text));
        return Ok(JsValue::undefined());
    }
    if let Some(bytes) = blob_of(data) {
        queue(&state, net::Message::binary(bytes.to_vec()));
        return Ok(JsValue::undefined());
    }
    if let Some(obj) = data.as_object() {
        let whole = if JsArrayBuffer::from_object(obj.clone()).is_ok() {
            binary_bytes(data, ctx)?
        } else if JsTypedArray::from_object(obj.clone()).is_ok() {
            // k6 sends the view's whole buffer, not just the viewed bytes (and refuses a
            // DataView, which it sees as a plain object).
            let buffer = obj.get(JsString::from("buffer"), ctx)?;
            binary_bytes(&buffer, ctx)?
        } else {
            None
        };
        if let Some(bytes) = whole {
            queue(&state, net::Message::binary(bytes));
            return Ok(JsValue::undefined());
        }
    }
    Err(go_error(
        format!("unsupported send type {}", go_type_name(data)),
        ctx,
    ))
}

fn ws_ping(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let (_, state) = this_ws(this)?;
    assert_open(&state, ctx)?;
    let payload = state.pings.borrow_mut().next_payload();
    if let Some(control) = state.control.borrow().as_ref() {
        control.send(net::Message::Ping(payload.into()));
    }
    Ok(JsValue::undefined())
}

fn ws_close(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let (_, state) = this_ws(this)?;
    let ready = state.ready.get();
    if ready == CLOSED || ready == CLOSING {
        return Ok(JsValue::undefined());
    }
    let code = match args.first() {
        Some(v) if !v.is_undefined() => v.to_number(ctx)?.trunc() as i64 as u16,
        _ => 0,
    };
    let code = if code == 0 { CLOSE_NORMAL } else { code };
    let reason = match args.get(1) {
        Some(v) if !v.is_undefined() => to_rust_string(v, ctx)?,
        _ => String::new(),
    };
    state.ready.set(CLOSING);
    match state.control.borrow().as_ref() {
        Some(control) => {
            control.close(code, reason, true);
        }
        None => *state.pending_close.borrow_mut() = Some((code, reason)),
    }
    Ok(JsValue::undefined())
}

fn ws_add_event_listener(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let (obj, _) = this_ws(this)?;
    let name = to_rust_string(args.get_or_undefined(0), ctx)?;
    let handler = args.get_or_undefined(1);
    if handler.is_undefined() || handler.is_null() {
        return Err(go_error(
            format!(
                "handler for event type {} isn't a callable function",
                crate::go_strconv::go_quote(&name)
            ),
            ctx,
        ));
    }
    let Some(callback) = handler.as_callable() else {
        return Err(type_error(format!(
            "could not convert function call parameter 1: could not convert {} to func(sobek.Value) (sobek.Value, error)",
            to_rust_string(handler, ctx)?
        )));
    };
    match Kind::parse(&name) {
        Some(kind) => {
            if let Some(w) = obj.downcast_ref::<WebSocketObject>() {
                w.listeners
                    .borrow_mut()
                    .added
                    .push(Listener { kind, callback });
            }
        }
        None => crate::js::console::log(
            crate::js::console::Level::Warn,
            &format!("can't add event handler: unknown event type: {name}"),
            &[],
        ),
    }
    Ok(JsValue::undefined())
}

fn ws_ready_state(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Ok(JsValue::from(this_ws(this)?.1.ready.get()))
}

fn ws_buffered_amount(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Ok(JsValue::from(this_ws(this)?.1.buffered.get() as f64))
}

fn ws_extensions(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let state = this_ws(this)?.1;
    let values: Vec<JsValue> = state
        .extensions
        .borrow()
        .iter()
        .map(|e| JsString::from(e.as_str()).into())
        .collect();
    Ok(JsArray::from_iter(values, ctx).into())
}

fn ws_protocol(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Ok(JsString::from(this_ws(this)?.1.protocol.borrow().as_str()).into())
}

fn ws_binary_type(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let name = match this_ws(this)?.1.binary_type.get() {
        BinaryType::Blob => "blob",
        BinaryType::ArrayBuffer => "arraybuffer",
    };
    Ok(JsString::from(name).into())
}

fn ws_set_binary_type(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let state = this_ws(this)?.1;
    let name = to_rust_string(args.get_or_undefined(0), ctx)?;
    let t = match name.as_str() {
        "blob" => BinaryType::Blob,
        "arraybuffer" => BinaryType::ArrayBuffer,
        _ => {
            return Err(go_error(
                format!(
                    "unknown binaryType {name}, the supported ones are \"blob\" and \"arraybuffer\""
                ),
                ctx,
            ));
        }
    };
    state.binary_type.set(t);
    Ok(JsValue::undefined())
}

fn on_get<const K: usize>(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let (obj, _) = this_ws(this)?;
    let handler = obj
        .downcast_ref::<WebSocketObject>()
        .and_then(|w| w.listeners.borrow().on[K].clone());
    Ok(handler.map(JsValue::from).unwrap_or(JsValue::null()))
}

fn on_set<const K: usize>(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let (obj, _) = this_ws(this)?;
    let v = args.get_or_undefined(0);
    let handler = if v.is_undefined() || v.is_null() {
        None
    } else {
        match v.as_callable() {
            Some(f) => Some(f),
            None => {
                return Err(go_error(
                    format!("a value for 'on{}' should be callable", KINDS[K].1),
                    ctx,
                ));
            }
        }
    };
    if let Some(w) = obj.downcast_ref::<WebSocketObject>() {
        w.listeners.borrow_mut().on[K] = handler;
    }
    Ok(JsValue::undefined())
}

// ------------------------------------------------------------------------------------------
// Blob
// ------------------------------------------------------------------------------------------

#[derive(Trace, Finalize, JsData)]
struct BlobData {
    #[unsafe_ignore_trace]
    bytes: Rc<[u8]>,
}

/// A Blob: k6's own properties (`size`, `type`, the methods), Blob.prototype behind them.
fn new_blob(bytes: Vec<u8>, kind: String, ctx: &mut Context) -> JsResult<JsObject> {
    let s = shared_objects(ctx)?;
    crate::js::gc::note_native_bytes(ctx, bytes.len());
    let size = bytes.len();
    let obj = JsObject::from_proto_and_data(
        Some(s.blob_proto.clone()),
        BlobData {
            bytes: Rc::from(bytes),
        },
    );
    define_ro(&obj, "size", size as f64, ctx)?;
    define_ro(&obj, "type", JsString::from(kind), ctx)?;
    for (name, f) in s.blob_methods {
        obj.set(JsString::from(name), f, false, ctx)?;
    }
    Ok(obj)
}

fn blob_parts_error(what: &str, ctx: &mut Context) -> boa_engine::JsError {
    go_error(format!("failed to process [blobParts]: {what}"), ctx)
}

fn blob_new(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let mut bytes = Vec::new();
    let parts = args.get_or_undefined(0);
    if !parts.is_undefined() && !parts.is_null() {
        let list = match parts.as_object() {
            Some(o) if o.is_array() => JsArray::from_object(o.clone())?,
            _ => {
                let shown = to_rust_string(parts, ctx)?;
                return Err(blob_parts_error(
                    &format!("could not convert {shown} to []interface {{}}"),
                    ctx,
                ));
            }
        };
        let len = list.length(ctx)?;
        for i in 0..len {
            let part = list.get(i, ctx)?;
            if part.is_string() {
                bytes.extend_from_slice(to_rust_string(&part, ctx)?.as_bytes());
                continue;
            }
            let obj = part.as_object();
            let is_dataview = obj
                .as_ref()
                .is_some_and(|o| JsDataView::from_object(o.clone()).is_ok());
            let chunk = if is_dataview {
                // k6 takes a DataView's whole buffer.
                let buffer = obj
                    .as_ref()
                    .map(|o| o.get(JsString::from("buffer"), ctx))
                    .transpose()?
                    .unwrap_or_default();
                binary_bytes(&buffer, ctx)?
            } else {
                binary_bytes(&part, ctx)?
            };
            match chunk {
                Some(c) => bytes.extend_from_slice(&c),
                None => {
                    let t = go_type_name(&part);
                    return Err(blob_parts_error(&format!("unsupported type: {t}"), ctx));
                }
            }
        }
    }
    let mut kind = String::new();
    if let Some(opts) = args.get(1).filter(|v| !v.is_undefined()) {
        let plain = opts
            .as_object()
            .is_some_and(|o| !o.is_array() && !o.is_callable());
        if !plain {
            return Err(go_error("[options] must be an object", ctx));
        }
        let t = opts.to_object(ctx)?.get(JsString::from("type"), ctx)?;
        if !t.is_undefined() {
            kind = to_rust_string(&t, ctx)?;
        }
    }
    Ok(new_blob(bytes, kind, ctx)?.into())
}

fn this_blob(this: &JsValue) -> JsResult<Rc<[u8]>> {
    blob_of(this).ok_or_else(|| type_error("not a Blob"))
}

fn resolved(v: JsValue, ctx: &mut Context) -> JsResult<JsValue> {
    Ok(JsPromise::resolve(v, ctx)?.into())
}

fn blob_array_buffer(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let bytes = this_blob(this)?;
    let ab = array_buffer(&bytes, ctx)?;
    resolved(ab, ctx)
}

fn blob_bytes(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let bytes = this_blob(this)?;
    let array = JsUint8Array::from_iter(bytes.iter().copied(), ctx)?;
    resolved(array.into(), ctx)
}

fn blob_text(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let bytes = this_blob(this)?;
    let text = JsString::from(String::from_utf8_lossy(&bytes).as_ref());
    resolved(text.into(), ctx)
}

fn blob_slice(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let bytes = this_blob(this)?;
    let len = bytes.len() as i64;
    let index = |v: Option<&JsValue>, default: i64, ctx: &mut Context| -> JsResult<i64> {
        let Some(v) = v else { return Ok(default) };
        let n = v.to_number(ctx)?;
        let n = if n.is_finite() { n.trunc() as i64 } else { 0 };
        Ok(if n < 0 { (len + n).max(0) } else { n.min(len) })
    };
    let from = index(args.first(), 0, ctx)?;
    let to = index(args.get(1), len, ctx)?.max(from);
    let kind = match args.get(2) {
        Some(v) => to_rust_string(v, ctx)?,
        None => String::new(),
    };
    let part = bytes[from as usize..to as usize].to_vec();
    Ok(new_blob(part, kind, ctx)?.into())
}

fn blob_stream(_: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Err(JsNativeError::error()
        .with_message(
            "Blob.stream() is not supported by rk6 yet: use arrayBuffer(), bytes() or text()",
        )
        .into())
}
