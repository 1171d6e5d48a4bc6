//! `k6/net/grpc`'s `Stream`: client, server and bidirectional streaming calls, with k6
//! v1.1.0's events (`data`, `error`, `end`; `status` is accepted and never fires, as in k6),
//! its `write`/`end` and its metrics (`grpc_streams`, `grpc_streams_msgs_sent`,
//! `grpc_streams_msgs_received`, and `grpc_req_duration` once the call ends).
//!
//! The call runs on the shared runtime (see [`crate::grpc::conn::start_stream`]); the VU
//! takes its events one job at a time, each job scheduling the next, so the promise jobs a
//! listener starts run between events, and an open stream keeps the iteration going, as in
//! k6.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use boa_engine::job::NativeAsyncJob;
use boa_engine::object::builtins::JsArray;
use boa_engine::object::{FunctionObjectBuilder, ObjectInitializer};
use boa_engine::{Context, JsArgs, JsObject, JsResult, JsString, JsValue, NativeFunction};
use bytes::Bytes;
use prost_reflect::MessageDescriptor;
use tokio::sync::mpsc;
use tonic::Code;

use super::grpc::{
    CallTags, GrpcMetrics, call_params, client_state, encode_request, find_method, message_to_js,
    status_code,
};
use crate::grpc::codec::{DynamicCodec, Received};
use crate::grpc::conn::{self, AbortOnDrop, CallSpec, StreamEvent};
use crate::js::console::{Level, log};
use crate::js::event_loop::interrupted_error;
use crate::js::modules::encoding::go_error;
use crate::js::runtime::vu_state;
use crate::js::util::{ALL, constant_fn, define_hidden, define_ro, type_error};

/// The `Stream` constructor.
pub(super) fn constructor(ctx: &mut Context) -> JsObject {
    FunctionObjectBuilder::new(ctx.realm(), NativeFunction::from_fn_ptr(new_stream))
        .name(JsString::from("Stream"))
        .length(3)
        .constructor(true)
        .build()
        .into()
}

#[derive(Default)]
struct Listeners {
    data: Vec<JsObject>,
    error: Vec<JsObject>,
    end: Vec<JsObject>,
}

/// What the stream's methods and its event jobs share.
struct Shared {
    path: String,
    input: MessageDescriptor,
    client_streaming: bool,
    server_streaming: bool,
    max_send: usize,
    /// `None` once the client's side is closed (`end()`, or the one message of a method
    /// without client streaming).
    requests: Option<mpsc::UnboundedSender<Bytes>>,
    /// `write`/`end` do nothing once `end()` was called or the stream failed.
    writing: bool,
    /// Set once the call ended: listeners are dropped then (they may hold the stream object,
    /// and the stream holds them), and no new ones are kept.
    finished: bool,
    inject: mpsc::UnboundedSender<StreamEvent>,
    start: Instant,
    listeners: Listeners,
    tags: CallTags,
    client: Rc<RefCell<super::grpc::ClientState>>,
}

type SharedRef = Rc<RefCell<Shared>>;

impl Shared {
    /// Ends the stream from the VU's side (a message that cannot be sent): the listeners hear
    /// it as they would a failed call, and the call is cancelled.
    fn fail(&mut self, code: Code, message: String, measured: bool) {
        self.writing = false;
        self.requests = None;
        let _ = self.inject.send(StreamEvent::Finished {
            code,
            message,
            measured,
            duration: self.start.elapsed(),
        });
    }
}

fn new_stream(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let client = args.get_or_undefined(0);
    let state = if client.is_null_or_undefined() {
        Err("empty gRPC client".to_string())
    } else {
        client_state(client).ok_or_else(|| "not a gRPC client".to_string())
    };
    let state = state.and_then(|s| {
        if s.borrow().conn.is_some() {
            Ok(s)
        } else {
            Err("no gRPC connection, you must call connect first".into())
        }
    });
    let state = match state {
        Ok(s) => s,
        Err(e) => return Err(go_error(format!("invalid GRPC Stream's client: {e}"), ctx)),
    };
    let name = args
        .get_or_undefined(1)
        .to_string(ctx)?
        .to_std_string_escaped();
    let (path, method) = match find_method(&state.borrow(), &name) {
        Ok(m) => m,
        Err(e) => return Err(go_error(format!("invalid GRPC Stream's method: {e}"), ctx)),
    };
    let params = match call_params(args.get_or_undefined(2), ctx)? {
        Ok(p) => p,
        Err(e) => {
            return Err(go_error(
                format!("invalid GRPC Stream's parameters: {e}"),
                ctx,
            ));
        }
    };
    let metrics = GrpcMetrics::of(ctx)?;
    let (grpc, remote, max_send, max_receive, addr) = {
        let s = state.borrow();
        let Some(conn) = &s.conn else {
            return Err(go_error(
                "invalid GRPC Stream's client: no gRPC connection, you must call connect first",
                ctx,
            ));
        };
        (
            conn.grpc(),
            conn.remote,
            conn.max_send,
            conn.max_receive,
            s.addr.clone(),
        )
    };
    let path_and_query = path
        .parse()
        .map_err(|_| type_error(format!("invalid method name {path:?}")))?;
    let spec = CallSpec {
        path: path_and_query,
        metadata: params.metadata,
        timeout: params.timeout,
        codec: DynamicCodec::new(
            (!params.discard_response).then(|| method.output()),
            max_receive,
        ),
    };
    let rt = vu_state(ctx).borrow().shared.tokio.clone();
    let handle = conn::start_stream(grpc, spec, &rt);
    let tags = {
        let vu = vu_state(ctx);
        let mut st = vu.borrow_mut();
        let tags = CallTags::new(&st, params.tags, &addr, &path, Some(remote.ip()));
        let open = tags.open(&mut st);
        st.emit(&metrics.streams, 1.0, open);
        tags
    };
    let shared: SharedRef = Rc::new(RefCell::new(Shared {
        path,
        input: method.input(),
        client_streaming: method.is_client_streaming(),
        server_streaming: method.is_server_streaming(),
        max_send,
        requests: Some(handle.requests),
        writing: true,
        finished: false,
        inject: handle.inject,
        start: Instant::now(),
        listeners: Listeners::default(),
        tags,
        client: state,
    }));
    let obj = JsObject::with_object_proto(ctx.intrinsics());
    // k6 defines the three methods on the object itself (enumerable, read-only).
    for (name, len, f) in [
        ("on", 2, on as Method),
        ("write", 1, write as Method),
        ("end", 0, end as Method),
    ] {
        let s = shared.clone();
        // SAFETY: the closure captures an `Rc` of Rust data; the listeners it holds are
        // `JsObject`s kept outside the GC heap, so the collector treats them as roots (they
        // are dropped when the call ends, see `Shared::finished`).
        let native = unsafe { NativeFunction::from_closure(move |_, args, ctx| f(&s, args, ctx)) };
        let function = FunctionObjectBuilder::new(ctx.realm(), native)
            .name(JsString::from(name))
            .length(len)
            .build();
        define_ro(&obj, name, function, ctx)?;
    }
    schedule(
        EventJob {
            shared,
            events: handle.events,
            _task: handle.task,
            held: None,
            metrics,
        },
        ctx,
    );
    Ok(obj.into())
}

type Method = fn(&SharedRef, &[JsValue], &mut Context) -> JsResult<JsValue>;

/// `stream.on(event, handler)`.
fn on(shared: &SharedRef, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let event = args
        .get_or_undefined(0)
        .to_string(ctx)?
        .to_std_string_escaped();
    let Some(handler) = args.get_or_undefined(1).as_callable() else {
        return Err(go_error(
            format!(
                "handler for {} event isn't a callable function",
                crate::go_strconv::go_quote(&event)
            ),
            ctx,
        ));
    };
    let mut s = shared.borrow_mut();
    if s.finished {
        return Ok(JsValue::undefined());
    }
    let list = match event.as_str() {
        "data" => &mut s.listeners.data,
        "error" => &mut s.listeners.error,
        "end" => &mut s.listeners.end,
        // Accepted, never emitted: k6 v1.1.0 has the event type but no code firing it.
        "status" => return Ok(JsValue::undefined()),
        other => {
            log(
                Level::Warn,
                &format!(
                    "can't register {other} event handler: unknown GRPC stream's event type: {other}"
                ),
                &[],
            );
            return Ok(JsValue::undefined());
        }
    };
    list.push(handler);
    Ok(JsValue::undefined())
}

/// `stream.write(message)`.
fn write(shared: &SharedRef, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let (writing, path, input) = {
        let s = shared.borrow();
        (s.writing, s.path.clone(), s.input.clone())
    };
    if !writing {
        return Ok(JsValue::undefined());
    }
    let message = args.get_or_undefined(0);
    if message.is_null_or_undefined() {
        log(
            Level::Warn,
            "can't send empty message",
            &[("streamMethod", &path)],
        );
        return Ok(JsValue::undefined());
    }
    let encoded = encode_request(&input, message, ctx)?;
    let mut s = shared.borrow_mut();
    let body = match encoded {
        Ok(b) => b,
        Err(e) => {
            s.fail(
                Code::Unknown,
                format!("can't serialise request object to protocol buffer: {e}"),
                false,
            );
            return Ok(JsValue::undefined());
        }
    };
    if body.len() > s.max_send {
        let max = s.max_send;
        s.fail(
            Code::ResourceExhausted,
            format!(
                "trying to send message larger than max ({} vs. {max})",
                body.len()
            ),
            true,
        );
        return Ok(JsValue::undefined());
    }
    let Some(requests) = &s.requests else {
        // grpc-go closes the sending side of a method without client streaming after its
        // one message; another fails the call.
        s.fail(
            Code::Internal,
            "SendMsg called after CloseSend".into(),
            true,
        );
        return Ok(JsValue::undefined());
    };
    if requests.send(body).is_err() {
        // The call is over already; its end is on its way to the listeners.
        return Ok(JsValue::undefined());
    }
    if !s.client_streaming {
        s.requests = None;
    }
    let metrics = GrpcMetrics::of(ctx)?;
    let vu = vu_state(ctx);
    let mut st = vu.borrow_mut();
    let tags = s.tags.open(&mut st);
    st.emit(&metrics.msgs_sent, 1.0, tags);
    Ok(JsValue::undefined())
}

/// `stream.end()`: closes the client's side.
fn end(shared: &SharedRef, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let mut s = shared.borrow_mut();
    if s.writing {
        s.writing = false;
        s.requests = None;
    }
    Ok(JsValue::undefined())
}

/// Takes the stream's events, one job per event.
struct EventJob {
    shared: SharedRef,
    events: mpsc::UnboundedReceiver<StreamEvent>,
    /// Dropping the job (the iteration was interrupted) cancels the call.
    _task: AbortOnDrop,
    /// The response of a method without server streaming, given to the listeners once the
    /// call ended well (grpc-go only returns it then, and k6's sample of it carries the
    /// `status` tag).
    held: Option<Received>,
    metrics: GrpcMetrics,
}

impl Drop for EventJob {
    fn drop(&mut self) {
        if let Ok(mut s) = self.shared.try_borrow_mut() {
            s.finished = true;
            s.writing = false;
            s.requests = None;
            s.listeners = Listeners::default();
        }
    }
}

fn schedule(job: EventJob, ctx: &mut Context) {
    let signal = vu_state(ctx).borrow().signal.clone();
    let async_job = NativeAsyncJob::new(async move |cell| {
        let mut job = job;
        // The event loop waits on this job alone while the stream is open: the end of the
        // scenario must interrupt the wait (dropping the job then cancels the call).
        let event = futures_lite::future::or(async { Ok(job.events.recv().await) }, async {
            signal.cancelled().await;
            Err(interrupted_error())
        })
        .await?;
        let ctx = &mut cell.borrow_mut();
        if dispatch(&mut job, event, ctx)? {
            schedule(job, ctx);
        }
        Ok(JsValue::undefined())
    });
    ctx.enqueue_job(async_job.into());
}

/// The second argument of every listener: `{ ts }`, the event's time in Unix seconds.
fn event_meta(ctx: &mut Context) -> JsResult<JsValue> {
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let obj = JsObject::with_object_proto(ctx.intrinsics());
    obj.create_data_property_or_throw(JsString::from("ts"), ts as f64, ctx)?;
    Ok(obj.into())
}

fn call_all(listeners: &[JsObject], arg: JsValue, ctx: &mut Context) -> JsResult<()> {
    for listener in listeners {
        let meta = event_meta(ctx)?;
        listener.call(&JsValue::undefined(), &[arg.clone(), meta], ctx)?;
    }
    Ok(())
}

/// A received message as listeners get it (an empty object when discarded).
fn message_value(message: Received, ctx: &mut Context) -> JsResult<JsValue> {
    match message {
        Received::Message(m) => message_to_js(&m, false, ctx).map_err(|e| go_error(e, ctx)),
        Received::Discarded => Ok(JsObject::with_object_proto(ctx.intrinsics()).into()),
    }
}

/// Counts a received message and hands it to the `data` listeners.
fn deliver(
    job: &EventJob,
    message: Received,
    status: Option<i32>,
    ctx: &mut Context,
) -> JsResult<()> {
    {
        let vu = vu_state(ctx);
        let mut st = vu.borrow_mut();
        let s = job.shared.borrow();
        let tags = match status {
            Some(code) => s.tags.ended(&mut st, code),
            None => s.tags.open(&mut st),
        };
        st.emit(&job.metrics.msgs_received, 1.0, tags);
    }
    let value = message_value(message, ctx)?;
    let listeners = job.shared.borrow().listeners.data.clone();
    call_all(&listeners, value, ctx)
}

/// Handles one event; false once the stream is over.
fn dispatch(job: &mut EventJob, event: Option<StreamEvent>, ctx: &mut Context) -> JsResult<bool> {
    let (code, message, measured, duration) = match event {
        Some(StreamEvent::Message(m)) => {
            if job.shared.borrow().server_streaming {
                deliver(job, m, None, ctx)?;
            } else {
                job.held = Some(m);
            }
            return Ok(true);
        }
        Some(StreamEvent::Finished {
            code,
            message,
            measured,
            duration,
        }) => (code, message, measured, duration),
        None => (
            Code::Cancelled,
            "the stream task ended".to_string(),
            false,
            job.shared.borrow().start.elapsed(),
        ),
    };
    let code_number = code as i32;
    {
        let vu = vu_state(ctx);
        let mut st = vu.borrow_mut();
        let s = job.shared.borrow();
        s.client.borrow_mut().count_traffic(&mut st);
        if measured {
            let tags = s.tags.ended(&mut st, code_number);
            st.emit(
                &job.metrics.req_duration,
                duration.as_secs_f64() * 1000.0,
                tags,
            );
        }
    }
    if let (Some(m), Code::Ok) = (job.held.take(), code) {
        deliver(job, m, Some(code_number), ctx)?;
    }
    let listeners = {
        let mut s = job.shared.borrow_mut();
        s.finished = true;
        s.writing = false;
        s.requests = None;
        std::mem::take(&mut s.listeners)
    };
    if code != Code::Ok {
        let error = error_value(code_number, &message, ctx)?;
        call_all(&listeners.error, error, ctx)?;
        if listeners.error.is_empty() {
            log(
                Level::Warn,
                &format!(
                    "no handlers for error registered, but an error happened: {}",
                    grpc_error_text(code, &message)
                ),
                &[("streamMethod", &job.shared.borrow().path)],
            );
        }
    }
    let nothing: JsValue = JsObject::with_object_proto(ctx.intrinsics()).into();
    call_all(&listeners.end, nothing, ctx)?;
    Ok(false)
}

/// k6's stream error (a Go struct as sobek shows it): `{ code, details, message }` with the
/// code as a status code object, and `error()` (and its string) giving `code: N, message: M`.
fn error_value(code: i32, message: &str, ctx: &mut Context) -> JsResult<JsValue> {
    let code_value = status_code(code, ctx)?;
    let details = JsArray::new(ctx)?;
    let text = JsString::from(format!("code: {code}, message: {message}"));
    let error_fn = constant_fn(ctx, "error", text.into());
    let obj = ObjectInitializer::new(ctx)
        .property(JsString::from("code"), code_value, ALL)
        .property(JsString::from("details"), details, ALL)
        .property(JsString::from("message"), JsString::from(message), ALL)
        .property(JsString::from("error"), error_fn.clone(), ALL)
        .build();
    define_hidden(&obj, "toString", error_fn, ctx)?;
    Ok(obj.into())
}

/// grpc-go's text of a status error (what k6's warning shows).
fn grpc_error_text(code: Code, message: &str) -> String {
    format!(
        "rpc error: code = {} desc = {message}",
        crate::grpc::code_name(code as i32)
    )
}
