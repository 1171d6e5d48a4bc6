//! `k6/net/grpc`: `Client` (load, loadProtoset, connect, invoke, asyncInvoke, close),
//! `Stream` (see [`super::grpc_stream`]) and the `Status*` constants, with k6 v1.1.0's
//! messages, metrics and tags (`grpc_req_duration` with `name`, `method`, `service`, `url`
//! and `status`; the stream counters).
//!
//! Messages cross as protobuf's JSON mapping, as k6 uses it: a script's request object goes
//! through `JSON.stringify` semantics into protojson; a unary response comes back with every
//! field present (k6 marshals with `EmitUnpopulated`: unset message fields are `null`), a
//! stream's messages without the unset ones (k6's streams use protojson's defaults).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use boa_engine::object::builtins::{JsArray, JsPromise};
use boa_engine::object::{FunctionObjectBuilder, ObjectInitializer};
use boa_engine::property::PropertyKey;
use boa_engine::{
    Context, Finalize, JsArgs, JsData, JsError, JsObject, JsResult, JsString, JsValue, JsVariant,
    NativeFunction, Trace,
};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use prost::Message as _;
use prost_reflect::{
    DynamicMessage, Kind, MapKey, MessageDescriptor, MethodDescriptor, ReflectMessage, Value,
};

use crate::grpc::codec::{DEFAULT_MAX_RECEIVE, DynamicCodec, Received};
use crate::grpc::conn::{self, CallSpec, ConnectParams, Connection, TlsParams, UnaryOutcome};
use crate::grpc::descriptors::{self, MethodInfo, Methods};
use crate::js::event_loop::interrupted_error;
use crate::js::interrupt::VuSignal;
use crate::js::modules::encoding::go_error;
use crate::js::runtime::{Phase, VuState, vu_state};
use crate::js::util::{ALL, constant_fn, define_hidden, tag_entries, to_rust_string, type_error};
use crate::metrics::sample::{MetricRef, MetricType, TagSet, ValueType};

pub const EXPORTS: &[&str] = &[
    "Client",
    "Stream",
    "StatusOK",
    "StatusCanceled",
    "StatusUnknown",
    "StatusInvalidArgument",
    "StatusDeadlineExceeded",
    "StatusNotFound",
    "StatusAlreadyExists",
    "StatusPermissionDenied",
    "StatusResourceExhausted",
    "StatusFailedPrecondition",
    "StatusAborted",
    "StatusOutOfRange",
    "StatusUnimplemented",
    "StatusInternal",
    "StatusUnavailable",
    "StatusDataLoss",
    "StatusUnauthenticated",
];

/// k6 gives an invoke without its own timeout two minutes.
const DEFAULT_INVOKE_TIMEOUT: Duration = Duration::from_secs(120);
/// And a connect one minute.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// Native memory a connected client holds (HTTP/2 state, buffers), for the VU's GC budget.
const CONNECTION_BYTES: usize = 16 * 1024;

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let metrics = GrpcMetrics::register(ctx)?;
    ctx.insert_data(metrics);
    let client_proto = ObjectInitializer::new(ctx)
        .function(NativeFunction::from_fn_ptr(load), JsString::from("load"), 2)
        .function(
            NativeFunction::from_fn_ptr(load_protoset),
            JsString::from("loadProtoset"),
            1,
        )
        .function(
            NativeFunction::from_fn_ptr(connect),
            JsString::from("connect"),
            2,
        )
        .function(
            NativeFunction::from_fn_ptr(invoke),
            JsString::from("invoke"),
            3,
        )
        .function(
            NativeFunction::from_fn_ptr(async_invoke),
            JsString::from("asyncInvoke"),
            3,
        )
        .function(
            NativeFunction::from_fn_ptr(close),
            JsString::from("close"),
            0,
        )
        .build();
    ctx.insert_data(ClientProto(client_proto.clone()));
    // `grpc.Client()` works without `new` too, as in k6.
    let client_ctor =
        FunctionObjectBuilder::new(ctx.realm(), NativeFunction::from_fn_ptr(new_client))
            .name(JsString::from("Client"))
            .constructor(true)
            .build();
    client_proto.set(
        JsString::from("constructor"),
        client_ctor.clone(),
        false,
        ctx,
    )?;
    client_ctor.set(JsString::from("prototype"), client_proto, false, ctx)?;
    let stream_ctor = super::grpc_stream::constructor(ctx);
    let codes = StatusCodes::new(ctx)?;
    let mut o = ObjectInitializer::new(ctx);
    o.property(JsString::from("Client"), client_ctor, ALL);
    o.property(JsString::from("Stream"), stream_ctor, ALL);
    for (name, code) in crate::grpc::STATUS_CODES {
        o.property(JsString::from(name), codes.get(code), ALL);
    }
    let exports = o.build();
    ctx.insert_data(codes);
    Ok(exports)
}

/// k6's status codes are Go values (`codes.Code`): objects that are `===` to the module's
/// constants, read as their number (`== 5`, `+ 1`, JSON, `instanceof Number`) and print as
/// their name (`String(code)` is `"NotFound"`). So a `Number` object per code, one per VU,
/// with `toString` and Go's `string()` giving the name (`r.status === 0` is false, as in k6).
#[derive(Clone)]
struct StatusCodes(Vec<JsObject>);

impl StatusCodes {
    fn new(ctx: &mut Context) -> JsResult<StatusCodes> {
        let mut objects = Vec::with_capacity(crate::grpc::STATUS_CODES.len());
        for (_, code) in crate::grpc::STATUS_CODES {
            objects.push(code_object(code, ctx)?);
        }
        Ok(StatusCodes(objects))
    }

    fn get(&self, code: i32) -> JsObject {
        self.0[code as usize].clone()
    }
}

fn code_object(code: i32, ctx: &mut Context) -> JsResult<JsObject> {
    let name = crate::grpc::code_name(code);
    let obj = JsValue::from(code).to_object(ctx)?;
    let string = constant_fn(ctx, "string", JsString::from(name.as_str()).into());
    obj.create_data_property_or_throw(JsString::from("string"), string.clone(), ctx)?;
    define_hidden(&obj, "toString", string, ctx)?;
    Ok(obj)
}

/// The JS value of status `code` (see [`StatusCodes`]).
pub(super) fn status_code(code: i32, ctx: &mut Context) -> JsResult<JsValue> {
    let known = ctx.get_data::<StatusCodes>().cloned();
    match known {
        Some(codes) if (0..codes.0.len() as i32).contains(&code) => Ok(codes.get(code).into()),
        _ => Ok(code_object(code, ctx)?.into()),
    }
}

// ---- metrics and tags ------------------------------------------------------------------------

/// The module's metrics (k6 registers the stream counters when the module is imported;
/// `grpc_req_duration` is one of its built-in metrics).
#[derive(Clone)]
pub(super) struct GrpcMetrics {
    pub req_duration: MetricRef,
    pub streams: MetricRef,
    pub msgs_sent: MetricRef,
    pub msgs_received: MetricRef,
}

impl GrpcMetrics {
    fn register(ctx: &mut Context) -> JsResult<GrpcMetrics> {
        let shared = vu_state(ctx).borrow().shared.clone();
        let mut counter = |name: &str| {
            shared
                .registry
                .register(name, MetricType::Counter, ValueType::Default)
                .map_err(|e| go_error(format!("failed to register GRPC module metrics: {e}"), ctx))
        };
        Ok(GrpcMetrics {
            req_duration: shared.builtin.grpc_req_duration.clone(),
            streams: counter("grpc_streams")?,
            msgs_sent: counter("grpc_streams_msgs_sent")?,
            msgs_received: counter("grpc_streams_msgs_received")?,
        })
    }

    pub(super) fn of(ctx: &Context) -> JsResult<GrpcMetrics> {
        ctx.get_data::<GrpcMetrics>()
            .cloned()
            .ok_or_else(|| type_error("k6/net/grpc is not initialised in this context"))
    }
}

/// The tags of one call: the VU's, the call's `tags` parameter, then the system tags k6 sets
/// (`url`, `service`, `method` always win; `name` only when the script did not set one).
#[derive(Clone)]
pub(super) struct CallTags {
    pairs: Vec<(Arc<str>, Arc<str>)>,
}

impl CallTags {
    pub(super) fn new(
        st: &VuState,
        user: Vec<(Arc<str>, Arc<str>)>,
        addr: &str,
        path: &str,
        remote_ip: Option<std::net::IpAddr>,
    ) -> CallTags {
        let system = &st.shared.system_tags;
        let mut pairs = user;
        let user_named = pairs.iter().any(|(k, _)| &**k == "name");
        let (service, method) = path
            .trim_start_matches('/')
            .split_once('/')
            .unwrap_or((path, ""));
        if system.has("url") {
            pairs.push((
                Arc::from("url"),
                Arc::from(format!("{addr}{path}").as_str()),
            ));
        }
        if system.has("service") {
            pairs.push((Arc::from("service"), Arc::from(service)));
        }
        if system.has("method") {
            pairs.push((Arc::from("method"), Arc::from(method)));
        }
        if system.has("name") && !user_named {
            pairs.push((Arc::from("name"), Arc::from(path)));
        }
        if let (true, Some(ip)) = (system.has("ip"), remote_ip) {
            pairs.push((Arc::from("ip"), Arc::from(ip.to_string().as_str())));
        }
        CallTags { pairs }
    }

    /// The tag set of samples taken before the call ended.
    pub(super) fn open(&self, st: &mut VuState) -> TagSet {
        st.tags_with(self.pairs.iter().cloned())
    }

    /// The tag set once the call ended with `code` (k6 adds `status` then).
    pub(super) fn ended(&self, st: &mut VuState, code: i32) -> TagSet {
        if !st.shared.system_tags.has("status") {
            return self.open(st);
        }
        let status = (Arc::from("status"), Arc::from(code.to_string().as_str()));
        st.tags_with(self.pairs.iter().cloned().chain(std::iter::once(status)))
    }
}

// ---- the client ------------------------------------------------------------------------------

/// The prototype of clients, kept so the constructor can find it.
#[derive(Clone)]
struct ClientProto(JsObject);

/// What a client holds: its methods, its connection, and how much of the connection's
/// traffic the VU's `data_sent`/`data_received` already count.
#[derive(Default)]
pub(super) struct ClientState {
    pub methods: Methods,
    pub conn: Option<Connection>,
    pub addr: String,
    counted: (u64, u64),
}

impl ClientState {
    /// Adds the connection's traffic since the last count to the VU's (k6 counts every
    /// byte on its dialer's connections and emits the sums at the iteration end).
    pub(super) fn count_traffic(&mut self, st: &mut VuState) {
        let Some(conn) = &self.conn else {
            return;
        };
        let (sent, received) = conn.io_totals();
        st.data_sent += sent.saturating_sub(self.counted.0);
        st.data_received += received.saturating_sub(self.counted.1);
        self.counted = (sent, received);
    }
}

#[derive(Trace, Finalize, JsData)]
pub(super) struct ClientObject {
    #[unsafe_ignore_trace]
    pub state: Rc<RefCell<ClientState>>,
}

fn new_client(_: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let proto = ctx
        .get_data::<ClientProto>()
        .map(|p| p.0.clone())
        .ok_or_else(|| type_error("k6/net/grpc is not initialised in this context"))?;
    let client = ClientObject {
        state: Rc::new(RefCell::new(ClientState::default())),
    };
    Ok(JsObject::from_proto_and_data(Some(proto), client).into())
}

/// The state of the client `v` is, if it is one.
pub(super) fn client_state(v: &JsValue) -> Option<Rc<RefCell<ClientState>>> {
    let obj = v.as_object()?;
    let client = obj.downcast_ref::<ClientObject>()?;
    Some(client.state.clone())
}

fn this_client(this: &JsValue) -> JsResult<Rc<RefCell<ClientState>>> {
    client_state(this).ok_or_else(|| type_error("not a gRPC client"))
}

fn phase(ctx: &Context) -> Phase {
    vu_state(ctx).borrow().phase
}

/// `[{ package, service, full_method, name, is_client_stream, is_server_stream }]`: the
/// fields of k6's `MethodInfo`, under the names k6 gives them.
fn method_infos(infos: &[MethodInfo], ctx: &mut Context) -> JsResult<JsValue> {
    let mut items = Vec::with_capacity(infos.len());
    for m in infos {
        let obj = ObjectInitializer::new(ctx)
            .property(
                JsString::from("package"),
                JsString::from(m.package.as_str()),
                ALL,
            )
            .property(
                JsString::from("service"),
                JsString::from(m.service.as_str()),
                ALL,
            )
            .property(
                JsString::from("full_method"),
                JsString::from(m.full_method.as_str()),
                ALL,
            )
            .property(JsString::from("name"), JsString::from(m.name.as_str()), ALL)
            .property(JsString::from("is_client_stream"), m.is_client_stream, ALL)
            .property(JsString::from("is_server_stream"), m.is_server_stream, ALL)
            .build();
        items.push(JsValue::from(obj));
    }
    Ok(JsArray::from_iter(items, ctx).into())
}

fn string_list(v: &JsValue, ctx: &mut Context) -> JsResult<Vec<String>> {
    let Some(obj) = v.as_object() else {
        return Ok(Vec::new());
    };
    let len = obj.get(JsString::from("length"), ctx)?.to_length(ctx)?;
    let mut out = Vec::with_capacity(len as usize);
    for i in 0..len {
        out.push(to_rust_string(&obj.get(i, ctx)?, ctx)?);
    }
    Ok(out)
}

/// `client.load(importPaths, ...protoFiles)` (init context only).
fn load(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let state = this_client(this)?;
    if phase(ctx) != Phase::Init {
        return Err(go_error("load must be called in the init context", ctx));
    }
    let import_paths = string_list(args.get_or_undefined(0), ctx)?;
    let mut files = Vec::new();
    for v in args.iter().skip(1) {
        files.push(to_rust_string(v, ctx)?);
    }
    let base = vu_state(ctx).borrow().shared.script_dir.clone();
    let pool =
        descriptors::load_protos(&base, &import_paths, &files).map_err(|e| go_error(e, ctx))?;
    let infos = state.borrow_mut().methods.add_pool(&pool);
    method_infos(&infos, ctx)
}

/// `client.loadProtoset(path)` (init context only).
fn load_protoset(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let state = this_client(this)?;
    if phase(ctx) != Phase::Init {
        return Err(go_error("load must be called in the init context", ctx));
    }
    let shown = to_rust_string(args.get_or_undefined(0), ctx)?;
    let path = vu_state(ctx).borrow().shared.resolve_path(&shown);
    let pool = descriptors::load_protoset(&path, &shown).map_err(|e| go_error(e, ctx))?;
    let infos = state.borrow_mut().methods.add_pool(&pool);
    method_infos(&infos, ctx)
}

// ---- parameters ------------------------------------------------------------------------------

/// Go's `%#v` of an exported JS value, as k6's parameter errors show it.
fn go_sharp(v: &JsValue, ctx: &mut Context) -> String {
    match v.variant() {
        JsVariant::Null | JsVariant::Undefined => "<nil>".into(),
        JsVariant::Boolean(b) => b.to_string(),
        JsVariant::String(s) => crate::go_strconv::go_quote(&s.to_std_string_escaped()),
        JsVariant::Integer32(i) => i.to_string(),
        JsVariant::Float64(f) if f.fract() == 0.0 && f.is_finite() => format!("{f:.0}"),
        JsVariant::Float64(f) => f.to_string(),
        _ => to_rust_string(v, ctx).unwrap_or_default(),
    }
}

/// A duration parameter: a Go duration string, or milliseconds (k6's `GetDurationValue`).
fn duration_param(v: &JsValue, ctx: &mut Context) -> Result<Duration, String> {
    if let Some(n) = v.as_number() {
        if n.is_finite() && n >= 0.0 {
            return Ok(Duration::from_secs_f64(n / 1000.0));
        }
        return Err(format!("invalid duration {n}"));
    }
    if let Some(s) = v.as_string() {
        let s = s.to_std_string_escaped();
        return crate::options::duration::parse_duration(&s)
            .map_err(|_| format!("time: invalid duration {}", crate::go_strconv::go_quote(&s)));
    }
    Err(format!(
        "invalid type {}, expected string, float or int",
        go_type(v, ctx)
    ))
}

fn go_type(v: &JsValue, _: &mut Context) -> &'static str {
    match v.variant() {
        JsVariant::Null | JsVariant::Undefined => "<nil>",
        JsVariant::Boolean(_) => "bool",
        JsVariant::Object(o) if o.is_array() => "[]interface {}",
        JsVariant::Object(_) => "map[string]interface {}",
        _ => "string",
    }
}

/// The own enumerable string keys of a parameters object, in order.
fn keys_of(obj: &JsObject, ctx: &mut Context) -> JsResult<Vec<(String, JsValue)>> {
    let mut out = Vec::new();
    for k in obj.own_property_keys(ctx)? {
        let name = match &k {
            PropertyKey::String(s) => s.to_std_string_escaped(),
            PropertyKey::Index(i) => i.get().to_string(),
            PropertyKey::Symbol(_) => continue,
        };
        let v = obj.get(k, ctx)?;
        out.push((name, v));
    }
    Ok(out)
}

/// Request metadata (`metadata`, `reflectMetadata`): string values, binary ones for keys
/// ending in `-bin` (Uint8Array, as k6 takes them), keys lowercased as gRPC does.
fn metadata_param(v: &JsValue, ctx: &mut Context) -> JsResult<Result<HeaderMap, String>> {
    let mut md = HeaderMap::new();
    if v.is_null_or_undefined() {
        return Ok(Ok(md));
    }
    let Some(obj) = v.as_object().filter(|o| !o.is_array() && !o.is_callable()) else {
        return Ok(Err("must be an object with key-value pairs".into()));
    };
    for (key, value) in keys_of(&obj, ctx)? {
        let lower = key.to_ascii_lowercase();
        let encoded = if lower.ends_with("-bin") {
            match uint8_bytes(&value, ctx)? {
                Some(bytes) => base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes),
                None => return Ok(Err(format!("{} value must be binary", go_quote(&key)))),
            }
        } else {
            match value.as_string() {
                Some(s) => s.to_std_string_escaped(),
                None => return Ok(Err(format!("{} value must be a string", go_quote(&key)))),
            }
        };
        let name = HeaderName::from_bytes(lower.as_bytes())
            .map_err(|_| format!("header key {} contains illegal characters", go_quote(&key)));
        let value = HeaderValue::from_str(&encoded).map_err(|_| {
            format!(
                "header key {} contains value with non-printable ASCII characters",
                go_quote(&key)
            )
        });
        match (name, value) {
            (Ok(n), Ok(v)) => {
                md.append(n, v);
            }
            (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
        }
    }
    Ok(Ok(md))
}

fn go_quote(s: &str) -> String {
    crate::go_strconv::go_quote(s)
}

/// The bytes of a Uint8Array (what k6 exports as Go's `[]byte`).
fn uint8_bytes(v: &JsValue, ctx: &mut Context) -> JsResult<Option<Vec<u8>>> {
    let Some(obj) = v.as_object() else {
        return Ok(None);
    };
    let Ok(typed) = boa_engine::object::builtins::JsTypedArray::from_object(obj.clone()) else {
        return Ok(None);
    };
    let kind = typed.kind();
    if !matches!(
        kind,
        Some(boa_engine::builtins::typed_array::TypedArrayKind::Uint8)
            | Some(boa_engine::builtins::typed_array::TypedArrayKind::Uint8Clamped)
    ) {
        return Ok(None);
    }
    crate::js::bytes::binary_bytes(v, ctx)
}

/// `invoke`'s and `Stream`'s parameters.
pub(super) struct CallParams {
    pub metadata: HeaderMap,
    pub tags: Vec<(Arc<str>, Arc<str>)>,
    pub timeout: Option<Duration>,
    pub discard_response: bool,
}

pub(super) fn call_params(v: &JsValue, ctx: &mut Context) -> JsResult<Result<CallParams, String>> {
    let mut p = CallParams {
        metadata: HeaderMap::new(),
        tags: Vec::new(),
        timeout: None,
        discard_response: false,
    };
    if v.is_null_or_undefined() {
        return Ok(Ok(p));
    }
    let obj = v.to_object(ctx)?;
    for (key, value) in keys_of(&obj, ctx)? {
        match key.as_str() {
            "metadata" => match metadata_param(&value, ctx)? {
                Ok(md) => p.metadata = md,
                Err(e) => return Ok(Err(format!("invalid metadata param: {e}"))),
            },
            "tags" => match tag_entries(&value, ctx)? {
                Ok(t) => p.tags = t,
                Err(e) => return Ok(Err(format!("metric tags: {e}"))),
            },
            "timeout" => match duration_param(&value, ctx) {
                Ok(d) => p.timeout = (!d.is_zero()).then_some(d),
                Err(e) => return Ok(Err(format!("invalid timeout value: {e}"))),
            },
            "discardResponseMessage" => p.discard_response = value.to_boolean(),
            other => return Ok(Err(format!("unknown param: {}", go_quote(other)))),
        }
    }
    Ok(Ok(p))
}

fn connect_params(
    addr: String,
    v: &JsValue,
    ctx: &mut Context,
) -> JsResult<Result<(ConnectParams, Option<HeaderMap>), String>> {
    let user_agent = vu_state(ctx).borrow().shared.options.user_agent.clone();
    let mut p = ConnectParams {
        addr,
        plaintext: false,
        timeout: DEFAULT_CONNECT_TIMEOUT,
        tls: TlsParams::default(),
        max_receive: 0,
        max_send: 0,
        user_agent,
    };
    let mut reflect = false;
    let mut reflect_metadata = HeaderMap::new();
    if !v.is_null_or_undefined() {
        let obj = v.to_object(ctx)?;
        for (key, value) in keys_of(&obj, ctx)? {
            match key.as_str() {
                "plaintext" => match value.as_boolean() {
                    Some(b) => p.plaintext = b,
                    None => {
                        return Ok(Err(format!(
                            "invalid plaintext value: '{}', it needs to be boolean",
                            go_sharp(&value, ctx)
                        )));
                    }
                },
                "timeout" => match duration_param(&value, ctx) {
                    Ok(d) => p.timeout = d,
                    Err(e) => return Ok(Err(format!("invalid timeout value: {e}"))),
                },
                "reflect" => match value.as_boolean() {
                    Some(b) => reflect = b,
                    None => {
                        return Ok(Err(format!(
                            "invalid reflect value: '{}', it needs to be boolean",
                            go_sharp(&value, ctx)
                        )));
                    }
                },
                "reflectMetadata" => match metadata_param(&value, ctx)? {
                    Ok(md) => reflect_metadata = md,
                    Err(e) => return Ok(Err(format!("invalid reflectMetadata param: {e}"))),
                },
                "maxReceiveSize" | "maxSendSize" => {
                    let size = match value.as_number() {
                        Some(n) if n.fract() == 0.0 && n.is_finite() => n,
                        _ => {
                            return Ok(Err(format!(
                                "invalid {key} value: '{}', it needs to be an integer",
                                go_sharp(&value, ctx)
                            )));
                        }
                    };
                    if size < 0.0 {
                        // k6's message lacks the closing quote.
                        return Ok(Err(format!(
                            "invalid {key} value: '{}, it needs to be a positive integer",
                            go_sharp(&value, ctx)
                        )));
                    }
                    if key == "maxReceiveSize" {
                        p.max_receive = size as usize;
                    } else {
                        p.max_send = size as usize;
                    }
                }
                "tls" => match tls_param(&value, ctx)? {
                    Ok(tls) => p.tls = tls,
                    Err(e) => return Ok(Err(e)),
                },
                other => return Ok(Err(format!("unknown connect param: {}", go_quote(other)))),
            }
        }
    }
    if p.max_receive == 0 {
        p.max_receive = DEFAULT_MAX_RECEIVE;
    }
    if p.max_send == 0 {
        p.max_send = usize::MAX;
    }
    Ok(Ok((p, reflect.then_some(reflect_metadata))))
}

fn tls_param(v: &JsValue, ctx: &mut Context) -> JsResult<Result<TlsParams, String>> {
    const EXPECTED: &str = "expected (optional) keys: cert, key, password, and cacerts";
    let Some(obj) = v.as_object().filter(|o| !o.is_array() && !o.is_callable()) else {
        return Ok(Err(format!(
            "invalid tls value: '{}', {EXPECTED}",
            go_sharp(v, ctx)
        )));
    };
    let mut tls = TlsParams::default();
    for (key, value) in keys_of(&obj, ctx)? {
        let text = value.as_string().map(|s| s.to_std_string_escaped());
        match key.as_str() {
            "cert" | "key" => match text {
                Some(t) if key == "cert" => tls.cert = Some(t),
                Some(t) => tls.key = Some(t),
                None => {
                    return Ok(Err(format!(
                        "invalid tls {key} value: '{}', it needs to be a PEM formatted string",
                        go_sharp(v, ctx)
                    )));
                }
            },
            "password" => match text {
                Some(t) => tls.password = Some(t),
                None => {
                    return Ok(Err(format!(
                        "invalid tls password value: '{}', it needs to be a string",
                        go_sharp(v, ctx)
                    )));
                }
            },
            "cacerts" => {
                let bad = || {
                    "invalid tls cacerts value, it needs to be a string or an array of PEM formatted strings"
                        .to_string()
                };
                if let Some(t) = text {
                    tls.cacerts = vec![t];
                } else if let Some(list) = value.as_object().filter(|o| o.is_array()) {
                    let len = list.get(JsString::from("length"), ctx)?.to_length(ctx)?;
                    for i in 0..len {
                        match list.get(i, ctx)?.as_string() {
                            Some(s) => tls.cacerts.push(s.to_std_string_escaped()),
                            None => return Ok(Err(bad())),
                        }
                    }
                } else {
                    return Ok(Err(bad()));
                }
            }
            _ => {}
        }
    }
    Ok(Ok(tls))
}

// ---- connect / close -------------------------------------------------------------------------

/// `client.connect(address, params)`: dials now (k6 dials blocking) and, with
/// `reflect: true`, loads the server's services by reflection.
fn connect(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let state = this_client(this)?;
    if phase(ctx) == Phase::Init {
        return Err(go_error(
            "connecting to a gRPC server in the init context is not supported",
            ctx,
        ));
    }
    let addr = to_rust_string(args.get_or_undefined(0), ctx)?;
    let (params, reflect) = match connect_params(addr.clone(), args.get_or_undefined(1), ctx)? {
        Ok(p) => p,
        Err(e) => {
            return Err(go_error(
                format!("invalid grpc.connect() parameters: {e}"),
                ctx,
            ));
        }
    };
    let (shared, signal, vu_id) = {
        let st = vu_state(ctx);
        let st = st.borrow();
        (st.shared.clone(), st.signal.clone(), st.id)
    };
    let cfg = shared.http_config.clone();
    let local_ip = cfg.local_ips.as_ref().and_then(|p| p.for_vu(vu_id));
    let timeout = params.timeout;
    let work = async {
        let started = tokio::time::Instant::now();
        let conn = conn::connect(&params, &cfg, local_ip).await?;
        let pool = match &reflect {
            None => None,
            Some(md) => {
                let left = timeout.saturating_sub(started.elapsed());
                let mut grpc = conn.grpc();
                let reflected =
                    tokio::time::timeout(left, crate::grpc::reflection::reflect(&mut grpc, md))
                        .await
                        .map_err(|_| "context deadline exceeded".to_string())?;
                Some(reflected?)
            }
        };
        Ok::<_, String>((conn, pool))
    };
    let outcome = futures_lite::future::block_on(futures_lite::future::or(
        async { Some(work.await) },
        async {
            signal.cancelled().await;
            None
        },
    ));
    let Some(outcome) = outcome else {
        return Err(interrupted_error());
    };
    let vu = vu_state(ctx);
    // A second connect replaces the connection (and closes the first); a failed one leaves
    // the client without any, as in k6.
    state.borrow_mut().count_traffic(&mut vu.borrow_mut());
    state.borrow_mut().conn = None;
    let (conn, pool) = outcome.map_err(|e| go_error(e, ctx))?;
    crate::js::gc::note_native_bytes(ctx, CONNECTION_BYTES);
    let mut s = state.borrow_mut();
    s.conn = Some(conn);
    s.counted = (0, 0);
    s.addr = addr;
    s.count_traffic(&mut vu.borrow_mut());
    if let Some(pool) = pool {
        s.methods.add_pool(&pool);
    }
    Ok(true.into())
}

/// `client.close()`: closes the connection (a second close does nothing).
fn close(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let state = this_client(this)?;
    let vu = vu_state(ctx);
    let mut s = state.borrow_mut();
    s.count_traffic(&mut vu.borrow_mut());
    s.conn = None;
    Ok(JsValue::undefined())
}

// ---- invoke ----------------------------------------------------------------------------------

/// The JSON a script's object turns into (k6 marshals it with `JSON.stringify` rules) as a
/// message of type `desc`, encoded. The error is k6's message without its prefix.
pub(super) fn encode_request(
    desc: &MessageDescriptor,
    v: &JsValue,
    ctx: &mut Context,
) -> JsResult<Result<Bytes, String>> {
    let obj = v.to_object(ctx)?;
    let json = JsValue::from(obj)
        .to_json(ctx)?
        .unwrap_or(serde_json::Value::Null);
    let options = prost_reflect::DeserializeOptions::new();
    Ok(
        DynamicMessage::deserialize_with_options(desc.clone(), &json, &options)
            .map(|m| Bytes::from(m.encode_to_vec()))
            .map_err(|e| e.to_string()),
    )
}

/// The method at `name` (with or without its leading slash), with k6's errors.
pub(super) fn find_method(
    state: &ClientState,
    name: &str,
) -> Result<(String, MethodDescriptor), String> {
    if name.is_empty() {
        return Err("method to invoke cannot be empty".into());
    }
    let path = if name.starts_with('/') {
        name.to_string()
    } else {
        format!("/{name}")
    };
    match state.methods.get(&path) {
        Some(m) => Ok((path, m.clone())),
        None => Err(format!(
            "method {} not found in file descriptors",
            go_quote(&path)
        )),
    }
}

/// A unary call ready to go.
struct PreparedCall {
    state: Rc<RefCell<ClientState>>,
    grpc: conn::Grpc,
    spec: CallSpec,
    body: Bytes,
    max_send: usize,
    output: MessageDescriptor,
    discard: bool,
    tags: CallTags,
}

/// Checks and encodes an invoke's arguments (k6's `buildInvokeRequest`). `Err(Ok(msg))` is a
/// Go error k6 returns; `Err(Err(e))` an exception thrown as it is.
fn prepare_invoke(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<Result<PreparedCall, String>> {
    let state = this_client(this)?;
    if phase(ctx) == Phase::Init {
        return Ok(Err(
            "invoking RPC methods in the init context is not supported".into(),
        ));
    }
    let name = to_rust_string(args.get_or_undefined(0), ctx)?;
    let (grpc, addr, remote, max_send, max_receive, found) = {
        let s = state.borrow();
        let Some(conn) = &s.conn else {
            return Ok(Err("no gRPC connection, you must call connect first".into()));
        };
        (
            conn.grpc(),
            s.addr.clone(),
            conn.remote,
            conn.max_send,
            conn.max_receive,
            find_method(&s, &name),
        )
    };
    let (path, method) = match found {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let params = match call_params(args.get_or_undefined(2), ctx)? {
        Ok(p) => p,
        Err(e) => {
            return Ok(Err(format!(
                "invalid GRPC's client.invoke() parameters: {e}"
            )));
        }
    };
    if args.len() < 2 {
        return Ok(Err("request cannot be nil".into()));
    }
    if args[1].is_null_or_undefined() {
        return Err(type_error("Cannot convert undefined or null to object"));
    }
    let body = match encode_request(&method.input(), &args[1], ctx)? {
        Ok(b) => b,
        Err(e) => {
            return Ok(Err(format!(
                "unable to serialise request object to protocol buffer: {e}"
            )));
        }
    };
    let output = method.output();
    let tags = {
        let vu = vu_state(ctx);
        let st = vu.borrow();
        CallTags::new(&st, params.tags, &addr, &path, Some(remote.ip()))
    };
    let path_and_query = path
        .parse()
        .map_err(|_| type_error(format!("invalid method name {path:?}")))?;
    let codec = DynamicCodec::new(
        (!params.discard_response).then(|| output.clone()),
        max_receive,
    );
    Ok(Ok(PreparedCall {
        state,
        grpc,
        spec: CallSpec {
            path: path_and_query,
            metadata: params.metadata,
            timeout: Some(params.timeout.unwrap_or(DEFAULT_INVOKE_TIMEOUT)),
            codec,
        },
        body,
        max_send,
        output,
        discard: params.discard_response,
        tags,
    }))
}

/// Runs a prepared call until it ends or the VU is stopped (`None`).
async fn run_call(call: &mut PreparedCall, signal: Arc<VuSignal>) -> Option<UnaryOutcome> {
    let spec = CallSpec {
        path: call.spec.path.clone(),
        metadata: std::mem::take(&mut call.spec.metadata),
        timeout: call.spec.timeout,
        codec: call.spec.codec.clone(),
    };
    let work = conn::unary(call.grpc.clone(), spec, call.body.clone(), call.max_send);
    futures_lite::future::or(async { Some(work.await) }, async {
        signal.cancelled().await;
        None
    })
    .await
}

/// Records a finished call (its sample, the connection's traffic) and builds the response.
fn finish_call(call: PreparedCall, outcome: UnaryOutcome, ctx: &mut Context) -> JsResult<JsValue> {
    let metrics = GrpcMetrics::of(ctx)?;
    {
        let vu = vu_state(ctx);
        let mut st = vu.borrow_mut();
        call.state.borrow_mut().count_traffic(&mut st);
        // k6 reports nothing for a call its own deadline cut short.
        if !outcome.timed_out {
            let tags = call.tags.ended(&mut st, outcome.code as i32);
            st.emit(
                &metrics.req_duration,
                outcome.duration.as_secs_f64() * 1000.0,
                tags,
            );
        }
    }
    response_object(outcome, &call.output, call.discard, ctx)
}

fn signal_of(ctx: &Context) -> Arc<VuSignal> {
    vu_state(ctx).borrow().signal.clone()
}

/// `client.invoke(method, request, params)`: a unary call, blocking the VU until it ends.
fn invoke(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let mut call = match prepare_invoke(this, args, ctx)? {
        Ok(c) => c,
        Err(e) => return Err(go_error(e, ctx)),
    };
    let outcome = futures_lite::future::block_on(run_call(&mut call, signal_of(ctx)));
    match outcome {
        Some(outcome) => finish_call(call, outcome, ctx),
        None => Err(interrupted_error()),
    }
}

/// `client.asyncInvoke(...)`: the same call, resolving a promise; failures to prepare it
/// reject with the bare Go error (not a GoError), as in k6.
fn async_invoke(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let mut call = match prepare_invoke(this, args, ctx) {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            let rejection = bare_go_error(&e, ctx);
            return Ok(JsPromise::reject(rejection, ctx)?.into());
        }
        Err(e) => return Ok(JsPromise::reject(e, ctx)?.into()),
    };
    let (promise, resolvers) = JsPromise::new_pending(ctx);
    let signal = signal_of(ctx);
    let job = boa_engine::job::NativeAsyncJob::new(async move |cell| {
        // No borrow of the context may live across an await: other jobs take it meanwhile.
        let Some(outcome) = run_call(&mut call, signal).await else {
            return Err(interrupted_error());
        };
        let ctx = &mut cell.borrow_mut();
        match finish_call(call, outcome, ctx) {
            Ok(response) => resolvers
                .resolve
                .call(&JsValue::undefined(), &[response], ctx),
            Err(e) => {
                let reason = e.into_opaque(ctx)?;
                resolvers.reject.call(&JsValue::undefined(), &[reason], ctx)
            }
        }
    });
    ctx.enqueue_job(job.into());
    Ok(promise.into())
}

/// A Go error as sobek hands it to a promise's rejection: an object whose string is the
/// message, without a `name`.
fn bare_go_error(message: &str, ctx: &mut Context) -> JsError {
    let to_string = constant_fn(ctx, "toString", JsString::from(message).into());
    let obj = JsObject::with_object_proto(ctx.intrinsics());
    if let Err(e) = define_hidden(&obj, "toString", to_string, ctx) {
        return e;
    }
    JsError::from_opaque(obj.into())
}

// ---- responses -------------------------------------------------------------------------------

/// `{ message, error, headers, trailers, status }`, in k6's order.
fn response_object(
    outcome: UnaryOutcome,
    output: &MessageDescriptor,
    discard: bool,
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let message = if discard {
        JsValue::null()
    } else {
        // A failed call still has a message: the empty one, every field at its default.
        let msg = match outcome.message {
            Some(Received::Message(m)) if outcome.code == tonic::Code::Ok => m,
            _ => DynamicMessage::new(output.clone()),
        };
        message_to_js(&msg, true, ctx).map_err(|e| {
            go_error(
                format!(
                    "unable to convert response object to JSON: failed to marshal the message: {e}"
                ),
                ctx,
            )
        })?
    };
    let code = outcome.code as i32;
    let error = if code == 0 {
        JsValue::null()
    } else {
        status_object(code, &outcome.status_message, ctx)?
    };
    let headers = metadata_object(&outcome.headers, ctx)?;
    let trailers = metadata_object(&outcome.trailers, ctx)?;
    let status = status_code(code, ctx)?;
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("message"), message, ALL)
        .property(JsString::from("error"), error, ALL)
        .property(JsString::from("headers"), headers, ALL)
        .property(JsString::from("trailers"), trailers, ALL)
        .property(JsString::from("status"), status, ALL)
        .build()
        .into())
}

/// `{ code, message, details }` (the status as protojson renders it).
pub(super) fn status_object(code: i32, message: &str, ctx: &mut Context) -> JsResult<JsValue> {
    let details = JsArray::new(ctx)?;
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("code"), code, ALL)
        .property(JsString::from("message"), JsString::from(message), ALL)
        .property(JsString::from("details"), details, ALL)
        .build()
        .into())
}

/// Metadata as `{ key: [values] }`; binary (`-bin`) values decoded.
fn metadata_object(md: &HeaderMap, ctx: &mut Context) -> JsResult<JsValue> {
    let obj = JsObject::with_object_proto(ctx.intrinsics());
    for name in md.keys() {
        let binary = name.as_str().ends_with("-bin");
        let values: Vec<JsValue> = md
            .get_all(name)
            .iter()
            .map(|v| {
                let bytes = v.as_bytes();
                let text = if binary {
                    let trimmed: Vec<u8> = bytes.iter().copied().filter(|b| *b != b'=').collect();
                    match base64::engine::general_purpose::STANDARD_NO_PAD.decode(&trimmed) {
                        Ok(raw) => String::from_utf8_lossy(&raw).into_owned(),
                        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
                    }
                } else {
                    String::from_utf8_lossy(bytes).into_owned()
                };
                JsValue::from(JsString::from(text))
            })
            .collect();
        let array = JsArray::from_iter(values, ctx);
        obj.create_data_property_or_throw(JsString::from(name.as_str()), array, ctx)?;
    }
    Ok(obj.into())
}

/// A message as protojson renders it, as a JS value. `emit_unpopulated`: every field, with
/// its default value, or `null` for an unset field that tracks presence (message fields,
/// proto2 optionals); oneof members only when set (k6's invoke responses). Otherwise only
/// the fields that are set (k6's stream messages).
pub(super) fn message_to_js(
    msg: &DynamicMessage,
    emit_unpopulated: bool,
    ctx: &mut Context,
) -> Result<JsValue, String> {
    let desc = msg.descriptor();
    if let Some(v) = well_known_to_js(msg, ctx)? {
        return Ok(v);
    }
    let obj = JsObject::with_object_proto(ctx.intrinsics());
    for field in desc.fields() {
        let value = if msg.has_field(&field) {
            value_to_js(&msg.get_field(&field), &field.kind(), emit_unpopulated, ctx)?
        } else if !emit_unpopulated || field.containing_oneof().is_some() {
            continue;
        } else if field.supports_presence() {
            JsValue::null()
        } else {
            value_to_js(&msg.get_field(&field), &field.kind(), emit_unpopulated, ctx)?
        };
        obj.create_data_property_or_throw(JsString::from(field.json_name()), value, ctx)
            .map_err(|e| e.to_string())?;
    }
    Ok(obj.into())
}

/// protojson's own forms of the well-known types (a timestamp is a string, a wrapper its
/// value...), or `None` for other messages.
fn well_known_to_js(msg: &DynamicMessage, ctx: &mut Context) -> Result<Option<JsValue>, String> {
    let desc = msg.descriptor();
    let Some(name) = desc.full_name().strip_prefix("google.protobuf.") else {
        return Ok(None);
    };
    match name {
        "DoubleValue" | "FloatValue" | "Int64Value" | "UInt64Value" | "Int32Value"
        | "UInt32Value" | "BoolValue" | "StringValue" | "BytesValue" => {
            let Some(field) = desc.get_field(1) else {
                return Ok(None);
            };
            value_to_js(&msg.get_field(&field), &field.kind(), false, ctx).map(Some)
        }
        "Any" | "Timestamp" | "Duration" | "FieldMask" | "Struct" | "Value" | "ListValue" => {
            let json = msg
                .serialize_with_options(
                    serde_json::value::Serializer,
                    &prost_reflect::SerializeOptions::new(),
                )
                .map_err(|e| e.to_string())?;
            JsValue::from_json(&json, ctx)
                .map(Some)
                .map_err(|e| e.to_string())
        }
        _ => Ok(None),
    }
}

/// A float as protojson writes it (non-finite values are strings).
fn float_to_js(f: f64) -> JsValue {
    if f.is_finite() {
        JsValue::from(f)
    } else if f.is_nan() {
        JsValue::from(JsString::from("NaN"))
    } else if f > 0.0 {
        JsValue::from(JsString::from("Infinity"))
    } else {
        JsValue::from(JsString::from("-Infinity"))
    }
}

fn value_to_js(
    value: &Value,
    kind: &Kind,
    emit_unpopulated: bool,
    ctx: &mut Context,
) -> Result<JsValue, String> {
    Ok(match value {
        Value::Bool(b) => JsValue::from(*b),
        Value::I32(i) => JsValue::from(*i),
        Value::U32(u) => JsValue::from(f64::from(*u)),
        Value::I64(i) => JsValue::from(JsString::from(i.to_string())),
        Value::U64(u) => JsValue::from(JsString::from(u.to_string())),
        // Go writes a float32 with the fewest digits that read back as the same float32 (so
        // 0.1, not 0.10000000149011612), and JSON parsing makes that a float64.
        Value::F32(f) => float_to_js(f.to_string().parse::<f64>().unwrap_or(f64::from(*f))),
        Value::F64(f) => float_to_js(*f),
        Value::String(s) => JsValue::from(JsString::from(s.as_str())),
        Value::Bytes(b) => JsValue::from(JsString::from(
            base64::engine::general_purpose::STANDARD.encode(b),
        )),
        Value::EnumNumber(n) => match kind {
            Kind::Enum(e) if e.full_name() == "google.protobuf.NullValue" => JsValue::null(),
            Kind::Enum(e) => match e.get_value(*n) {
                Some(v) => JsValue::from(JsString::from(v.name())),
                None => JsValue::from(*n),
            },
            _ => JsValue::from(*n),
        },
        Value::Message(m) => message_to_js(m, emit_unpopulated, ctx)?,
        Value::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(value_to_js(item, kind, emit_unpopulated, ctx)?);
            }
            JsArray::from_iter(out, ctx).into()
        }
        Value::Map(entries) => {
            let value_kind = match kind {
                Kind::Message(entry) => entry.map_entry_value_field().kind(),
                _ => return Err("a map field without its entry type".into()),
            };
            // protojson writes map entries sorted by key.
            let mut sorted: Vec<(&MapKey, &Value)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            let obj = JsObject::with_object_proto(ctx.intrinsics());
            for (key, v) in sorted {
                let key = match key {
                    MapKey::Bool(b) => b.to_string(),
                    MapKey::I32(i) => i.to_string(),
                    MapKey::I64(i) => i.to_string(),
                    MapKey::U32(u) => u.to_string(),
                    MapKey::U64(u) => u.to_string(),
                    MapKey::String(s) => s.clone(),
                };
                let v = value_to_js(v, &value_kind, emit_unpopulated, ctx)?;
                obj.create_data_property_or_throw(JsString::from(key), v, ctx)
                    .map_err(|e| e.to_string())?;
            }
            obj.into()
        }
    })
}
