//! `k6/experimental/redis`: xk6-redis v0.3.3's `Client` (what k6 v1.1.0 bundles), over the
//! `redis` crate.
//!
//! `new Client(url | options)` only records its settings (init context); the first command
//! connects. Every command method returns a Promise settled by the server's reply converted
//! as go-redis converts it (`get` of a missing key rejects with `redis: nil`, `ttl` resolves
//! to seconds with go-redis's `-1e-9`/`-2e-9` for "no expiry"/"no key"...); rejections are
//! Go error values (`String(e)` is the message), as in k6.
//!
//! A single node is dialed through the VU's dialer rules (`hosts`, blocked hostnames,
//! blacklisted IPs, `--local-ips`) and TLS settings (`insecureSkipTLSVerify`) like k6's
//! client, and its bytes count in `data_sent`/`data_received`. Cluster and sentinel
//! (failover) clients use the crate's own connections. Connections are per VU and Client,
//! multiplexed; a dropped connection is re-dialed, and failed commands retried with
//! go-redis's back-off (`maxRetries`, default 3).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use boa_engine::job::NativeAsyncJob;
use boa_engine::object::builtins::{JsArray, JsPromise};
use boa_engine::object::{FunctionObjectBuilder, ObjectInitializer};
use boa_engine::{
    Context, JsArgs, JsData, JsObject, JsResult, JsString, JsValue, JsVariant, NativeFunction,
};
use boa_gc::{Finalize, Trace};
use redis::aio::ConnectionLike;
use serde_json::Value as Json;

use super::encoding::go_error;
use crate::http::timed_io::{IoStats, TimedIo};
use crate::js::go_value::{self, GoErrorValue};
use crate::js::runtime::{Phase, vu_state};
use crate::js::util::ALL;

pub const EXPORTS: &[&str] = &["Client"];

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let client: JsObject =
        FunctionObjectBuilder::new(ctx.realm(), NativeFunction::from_fn_ptr(new_client))
            .name(JsString::from("Client"))
            .length(1)
            .constructor(true)
            .build()
            .into();
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("Client"), client, ALL)
        .build())
}

// ---- options --------------------------------------------------------------------------

/// `socket.tls`: PEM text.
#[derive(Clone, Debug, Default, PartialEq)]
struct TlsFiles {
    ca: Vec<String>,
    cert: String,
    key: String,
}

#[derive(Clone, Debug, PartialEq)]
enum Address {
    Tcp(String, u16),
    Unix(String),
}

impl Address {
    fn shown(&self) -> String {
        match self {
            Address::Tcp(h, p) if h.contains(':') => format!("[{h}]:{p}"),
            Address::Tcp(h, p) => format!("{h}:{p}"),
            Address::Unix(p) => p.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Topology {
    Single,
    Cluster {
        read_only: bool,
    },
    Sentinel {
        master_name: String,
        username: String,
        password: String,
    },
}

/// go-redis's `UniversalOptions`, as far as rk6 uses them.
#[derive(Clone, Debug, PartialEq)]
struct ClientOptions {
    topology: Topology,
    addrs: Vec<Address>,
    username: String,
    password: String,
    client_name: String,
    db: i64,
    /// Raw go-redis values: 0 is the default (3 retries, 8 ms and 512 ms back-off), -1 none.
    max_retries: i64,
    min_retry_backoff: i64,
    max_retry_backoff: i64,
    dial_timeout: Duration,
    /// go-redis's `ReadTimeout` (0: 3 s; negative: none).
    read_timeout: Duration,
    no_read_timeout: bool,
    tls: Option<TlsFiles>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            topology: Topology::Single,
            addrs: Vec::new(),
            username: String::new(),
            password: String::new(),
            client_name: String::new(),
            db: 0,
            max_retries: 0,
            min_retry_backoff: 0,
            max_retry_backoff: 0,
            dial_timeout: Duration::ZERO,
            read_timeout: Duration::ZERO,
            no_read_timeout: false,
            tls: None,
        }
    }
}

impl ClientOptions {
    fn retries(&self) -> u32 {
        match self.max_retries {
            -1 => 0,
            0 => 3,
            n => n.clamp(0, 100) as u32,
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let ns = |v: i64, default: Duration| match v {
            -1 => Duration::ZERO,
            0 => default,
            n => Duration::from_nanos(n.max(0) as u64),
        };
        let min = ns(self.min_retry_backoff, Duration::from_millis(8));
        let max = ns(self.max_retry_backoff, Duration::from_millis(512));
        min.saturating_mul(1u32 << attempt.min(16)).min(max)
    }

    fn dial_timeout(&self) -> Duration {
        if self.dial_timeout.is_zero() {
            Duration::from_secs(5)
        } else {
            self.dial_timeout
        }
    }

    fn read_timeout(&self) -> Option<Duration> {
        if self.no_read_timeout {
            None
        } else if self.read_timeout.is_zero() {
            Some(Duration::from_secs(3))
        } else {
            Some(self.read_timeout)
        }
    }
}

/// Go's name for the JSON type of a value, as `encoding/json` reports it.
fn json_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "bool",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

/// A field of a Go struct decoded with `DisallowUnknownFields`: Go's messages.
struct Decoder<'a> {
    /// The Go struct's type name.
    strukt: &'static str,
    /// The field path so far (`socket.` inside the socket options).
    path: String,
    obj: &'a serde_json::Map<String, Json>,
}

impl<'a> Decoder<'a> {
    fn new(
        strukt: &'static str,
        path: &str,
        v: &'a Json,
        known: &[&str],
    ) -> Result<Decoder<'a>, String> {
        let Json::Object(obj) = v else {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type redis.{strukt}",
                json_type(v)
            ));
        };
        if let Some(k) = obj.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(format!("json: unknown field \"{k}\""));
        }
        Ok(Decoder {
            strukt,
            path: path.to_string(),
            obj,
        })
    }

    fn mismatch(&self, field: &str, v: &Json, go_type: &str) -> String {
        let shown = match v {
            Json::Number(n) if go_type == "int" || go_type == "int64" => format!("number {n}"),
            _ => json_type(v).to_string(),
        };
        format!(
            "json: cannot unmarshal {shown} into Go struct field {}.{}{field} of type {go_type}",
            self.strukt, self.path
        )
    }

    fn get(&self, field: &str) -> Option<&'a Json> {
        self.obj.get(field).filter(|v| !v.is_null())
    }

    fn string(&self, field: &str) -> Result<String, String> {
        match self.get(field) {
            None => Ok(String::new()),
            Some(Json::String(s)) => Ok(s.clone()),
            Some(v) => Err(self.mismatch(field, v, "string")),
        }
    }

    fn int(&self, field: &str, go_type: &str) -> Result<i64, String> {
        match self.get(field) {
            None => Ok(0),
            Some(Json::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .ok_or_else(|| self.mismatch(field, &Json::Number(n.clone()), go_type)),
            Some(v) => Err(self.mismatch(field, v, go_type)),
        }
    }

    fn bool(&self, field: &str) -> Result<bool, String> {
        match self.get(field) {
            None => Ok(false),
            Some(Json::Bool(b)) => Ok(*b),
            Some(v) => Err(self.mismatch(field, v, "bool")),
        }
    }
}

const SOCKET_FIELDS: &[&str] = &[
    "host",
    "port",
    "tls",
    "dialTimeout",
    "readTimeout",
    "writeTimeout",
    "poolSize",
    "minIdleConns",
    "maxConnAge",
    "poolTimeout",
    "idleTimeout",
    "idleCheckFrequency",
];
const NODE_FIELDS: &[&str] = &[
    "socket",
    "username",
    "password",
    "clientName",
    "database",
    "maxRetries",
    "minRetryBackoff",
    "maxRetryBackoff",
];
const SENTINEL_FIELDS: &[&str] = &["masterName", "sentinelUsername", "sentinelPassword"];
const CLUSTER_FIELDS: &[&str] = &[
    "maxRedirects",
    "readOnly",
    "routeByLatency",
    "routeRandomly",
    "nodes",
];

/// One node's settings (xk6-redis's `singleNodeOptions`, `socketOptions`, `tlsOptions`).
fn node_options(
    v: &Json,
    strukt: &'static str,
    extra: &[&str],
) -> Result<(ClientOptions, Address), String> {
    let known: Vec<&str> = NODE_FIELDS.iter().chain(extra).copied().collect();
    let d = Decoder::new(strukt, "", v, &known)?;
    let mut o = ClientOptions {
        username: d.string("username")?,
        password: d.string("password")?,
        client_name: d.string("clientName")?,
        db: d.int("database", "int")?,
        max_retries: d.int("maxRetries", "int")?,
        min_retry_backoff: d.int("minRetryBackoff", "int64")?,
        max_retry_backoff: d.int("maxRetryBackoff", "int64")?,
        ..ClientOptions::default()
    };
    let Some(socket) = d.get("socket") else {
        return Err("empty socket options".into());
    };
    let s = Decoder::new("socketOptions", "socket.", socket, SOCKET_FIELDS)?;
    let host = s.string("host")?;
    let port = s.int("port", "int")?;
    let ms = |field: &str| -> Result<i64, String> { s.int(field, "int64") };
    o.dial_timeout = Duration::from_millis(ms("dialTimeout")?.max(0) as u64);
    let read = ms("readTimeout")?;
    o.no_read_timeout = read < 0;
    o.read_timeout = Duration::from_millis(read.max(0) as u64);
    for field in [
        "writeTimeout",
        "maxConnAge",
        "poolTimeout",
        "idleTimeout",
        "idleCheckFrequency",
    ] {
        ms(field)?;
    }
    s.int("poolSize", "int")?;
    s.int("minIdleConns", "int")?;
    if let Some(tls) = s.get("tls") {
        let t = Decoder::new("tlsOptions", "socket.tls.", tls, &["ca", "cert", "key"])?;
        let ca = match t.get("ca") {
            None => Vec::new(),
            Some(Json::Array(items)) => items
                .iter()
                .map(|c| match c {
                    Json::String(s) => Ok(s.clone()),
                    other => Err(t.mismatch("ca", other, "string")),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => return Err(t.mismatch("ca", other, "[]string")),
        };
        o.tls = Some(TlsFiles {
            ca,
            cert: t.string("cert")?,
            key: t.string("key")?,
        });
    }
    // Go's `fmt.Sprintf("%s:%d")`: an empty host is dialed as localhost by the system.
    let port = u16::try_from(port).unwrap_or(0);
    Ok((o, Address::Tcp(host, port)))
}

/// The settings of `new Client(options)` from the options object (as JSON, like the Go
/// map xk6-redis re-decodes).
fn options_from_object(v: &Json) -> Result<ClientOptions, String> {
    let Json::Object(obj) = v else {
        return Err("options must be an object".into());
    };
    if let Some(cluster) = obj.get("cluster").filter(|c| c.is_object()) {
        let nodes = cluster.get("nodes").unwrap_or(&Json::Null);
        let Json::Array(items) = nodes else {
            return Err(format!(
                "cluster nodes property must be an array; got {}",
                go_json_type(nodes)
            ));
        };
        let Some(first) = items.first() else {
            return Err("cluster nodes property cannot be empty".into());
        };
        let strings = match first {
            Json::String(_) => true,
            Json::Object(_) => false,
            other => {
                return Err(format!(
                    "cluster nodes array must contain string or object elements; got {}",
                    go_json_type(other)
                ));
            }
        };
        let strukt = if strings {
            "clusterNodesStringOptions"
        } else {
            "clusterNodesMapOptions"
        };
        let d = Decoder::new(strukt, "", cluster, CLUSTER_FIELDS)?;
        d.int("maxRedirects", "int")?;
        let read_only = d.bool("readOnly")?;
        d.bool("routeByLatency")?;
        d.bool("routeRandomly")?;
        let mut merged: Option<ClientOptions> = None;
        for node in items {
            let (o, addr) = if strings {
                match node {
                    Json::String(url) => options_from_url(url)?,
                    other => {
                        return Err(d.mismatch("nodes", other, "string"));
                    }
                }
            } else {
                node_options(node, "singleNodeOptions", &[])?
            };
            merged = Some(merge_consistent(merged, o, addr)?);
        }
        let mut o = merged.unwrap_or_default();
        o.topology = Topology::Cluster { read_only };
        return Ok(o);
    }
    if obj.contains_key("masterName") {
        let (mut o, addr) = node_options(v, "sentinelOptions", SENTINEL_FIELDS)?;
        let d = Decoder::new(
            "sentinelOptions",
            "",
            v,
            &[NODE_FIELDS, SENTINEL_FIELDS].concat(),
        )?;
        o.topology = Topology::Sentinel {
            master_name: d.string("masterName")?,
            username: d.string("sentinelUsername")?,
            password: d.string("sentinelPassword")?,
        };
        o.addrs = vec![addr];
        return Ok(o);
    }
    let (mut o, addr) = node_options(v, "singleNodeOptions", &[])?;
    o.addrs = vec![addr];
    Ok(o)
}

/// Go's `%T` of a value exported from JS (`int64`, `[]interface {}`...).
fn go_json_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "<nil>",
        Json::Bool(_) => "bool",
        Json::Number(n) if n.is_i64() || n.as_f64().is_some_and(|f| f.fract() == 0.0) => "int64",
        Json::Number(_) => "float64",
        Json::String(_) => "string",
        Json::Array(_) => "[]interface {}",
        Json::Object(_) => "map[string]interface {}",
    }
}

/// xk6-redis's `setConsistentOptions`: cluster nodes must agree on their settings.
fn merge_consistent(
    merged: Option<ClientOptions>,
    node: ClientOptions,
    addr: Address,
) -> Result<ClientOptions, String> {
    let Some(mut m) = merged else {
        let mut first = node;
        first.addrs = vec![addr];
        return Ok(first);
    };
    m.addrs.push(addr);
    if m.tls.is_none() {
        m.tls = node.tls.clone();
    }
    fn check<T: PartialEq + std::fmt::Display + Default>(
        name: &str,
        a: &mut T,
        b: T,
        show: bool,
    ) -> Result<(), String> {
        if *a != T::default() && b != T::default() && *a != b {
            return Err(if show {
                format!("inconsistent {name} option: {a} != {b}")
            } else {
                format!("inconsistent {name} option")
            });
        }
        *a = b;
        Ok(())
    }
    check("db", &mut m.db, node.db, true)?;
    check("username", &mut m.username, node.username, true)?;
    check("password", &mut m.password, node.password, false)?;
    check("clientName", &mut m.client_name, node.client_name, true)?;
    check("maxRetries", &mut m.max_retries, node.max_retries, true)?;
    check(
        "minRetryBackoff",
        &mut m.min_retry_backoff,
        node.min_retry_backoff,
        true,
    )?;
    check(
        "maxRetryBackoff",
        &mut m.max_retry_backoff,
        node.max_retry_backoff,
        true,
    )?;
    Ok(m)
}

/// A duration in a go-redis URL: a whole number of seconds, else Go's `time.ParseDuration`.
fn url_duration(v: &str) -> Option<Duration> {
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    crate::metrics::thresholds::parse_go_duration(v).ok()
}

/// go-redis's `ParseURL`: `redis[s]://[[user][:password]@]host[:port][/db][?options]`,
/// `unix:///path`.
fn options_from_url(raw: &str) -> Result<(ClientOptions, Address), String> {
    let url = url::Url::parse(raw).map_err(|e| format!("parse {}: {e}", go_quote(raw)))?;
    let mut o = ClientOptions::default();
    fn decode(s: &str) -> String {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .to_string()
    }
    o.username = decode(url.username());
    o.password = url.password().map(decode).unwrap_or_default();
    let addr = match url.scheme() {
        "redis" | "rediss" => {
            let host = url
                .host_str()
                .filter(|h| !h.is_empty())
                .unwrap_or("localhost")
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string();
            let port = url.port().unwrap_or(6379);
            let parts: Vec<&str> = url.path().split('/').filter(|p| !p.is_empty()).collect();
            match parts.as_slice() {
                [] => {}
                [db] => {
                    o.db = db
                        .parse()
                        .map_err(|_| format!("redis: invalid database number: {}", go_quote(db)))?;
                }
                _ => return Err(format!("redis: invalid URL path: {}", url.path())),
            }
            if url.scheme() == "rediss" {
                o.tls = Some(TlsFiles::default());
            }
            Address::Tcp(host, port)
        }
        "unix" => Address::Unix(url.path().to_string()),
        other => return Err(format!("redis: invalid URL scheme: {other}")),
    };
    let mut unexpected = Vec::new();
    for (k, v) in url.query_pairs() {
        let bad_int = |v: &str| format!("redis: invalid {k} number: {}", go_quote(v));
        match k.as_ref() {
            "db" if !v.is_empty() => {
                o.db = v
                    .parse()
                    .map_err(|_| format!("redis: invalid database number: {}", go_quote(&v)))?;
            }
            "client_name" => o.client_name = v.to_string(),
            "max_retries" => o.max_retries = v.parse().map_err(|_| bad_int(&v))?,
            "dial_timeout" | "read_timeout" => {
                let d = url_duration(&v)
                    .ok_or_else(|| format!("redis: invalid {k} duration: {}", go_quote(&v)))?;
                if k == "dial_timeout" {
                    o.dial_timeout = d;
                } else {
                    o.read_timeout = d;
                }
            }
            // Pool and protocol tuning of go-redis: no counterpart in a multiplexed connection.
            "db"
            | "protocol"
            | "min_retry_backoff"
            | "max_retry_backoff"
            | "write_timeout"
            | "pool_fifo"
            | "pool_size"
            | "pool_timeout"
            | "min_idle_conns"
            | "max_idle_conns"
            | "conn_max_idle_time"
            | "conn_max_lifetime"
            | "idle_timeout"
            | "max_conn_age"
            | "idle_check_frequency" => {}
            other => unexpected.push(other.to_string()),
        }
    }
    if !unexpected.is_empty() {
        return Err(format!(
            "redis: unexpected option: {}",
            unexpected.join(", ")
        ));
    }
    Ok((o, addr))
}

fn go_quote(s: &str) -> String {
    crate::go_strconv::go_quote(s)
}

/// xk6-redis's `readOptions`.
fn read_options(v: &JsValue, ctx: &mut Context) -> JsResult<Result<ClientOptions, String>> {
    if let Some(s) = v.as_string() {
        let url = s.to_std_string_escaped();
        return Ok(options_from_url(&url)
            .map(|(mut o, addr)| {
                o.addrs = vec![addr];
                o
            })
            .map_err(|e| format!("invalid options; reason: {e}")));
    }
    let is_map = v
        .as_object()
        .is_some_and(|o| !o.is_array() && !o.is_callable());
    if !is_map {
        let json = v.to_json(ctx).ok().flatten().unwrap_or(Json::Null);
        return Ok(Err(format!(
            "invalid options type: {}; expected string or object",
            go_json_type(&json)
        )));
    }
    let json = v.to_json(ctx)?.unwrap_or(Json::Null);
    Ok(options_from_object(&json).map_err(|e| format!("invalid options; reason: {e}")))
}

// ---- connections ------------------------------------------------------------------------

enum Connection {
    Node(redis::aio::MultiplexedConnection),
    Cluster(redis::cluster_async::ClusterConnection),
}

impl Connection {
    async fn run(&mut self, cmd: &redis::Cmd) -> redis::RedisResult<redis::Value> {
        match self {
            Connection::Node(c) => c.req_packed_command(cmd).await,
            Connection::Cluster(c) => c.req_packed_command(cmd).await,
        }
    }

    fn clone_handle(&self) -> Connection {
        match self {
            Connection::Node(c) => Connection::Node(c.clone()),
            Connection::Cluster(c) => Connection::Cluster(c.clone()),
        }
    }
}

/// Why a command failed, as the text go-redis's error prints.
type Failure = String;

/// One `Client`'s state in its VU.
struct ClientState {
    options: ClientOptions,
    connection: RefCell<Option<Connection>>,
    /// Byte counters of the single-node connection (cluster and sentinel connections are
    /// the crate's own).
    io: RefCell<Option<Arc<IoStats>>>,
    /// Bytes already added to the VU's `data_sent`/`data_received`.
    counted: Cell<(u64, u64)>,
    /// A command ran outside the init context (xk6-redis's `IsConnected`).
    instantiated: Cell<bool>,
}

#[derive(Trace, Finalize, JsData)]
struct ClientObject(#[unsafe_ignore_trace] Rc<ClientState>);

/// The TLS client settings of a node: its CA list (else the system's roots), its client
/// certificate, and the run's `insecureSkipTLSVerify`, as xk6-redis merges them.
fn tls_config(files: &TlsFiles, insecure: bool) -> Result<rustls::ClientConfig, Failure> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(crate::tls::AcceptAnyServerCert(provider)))
    } else {
        let roots = if files.ca.is_empty() {
            // k6's roots (Go's system pool): the same as k6/http's.
            crate::tls::system_roots()
        } else {
            // Go's `AppendCertsFromPEM` skips what it cannot parse.
            let mut roots = rustls::RootCertStore::empty();
            for pem in &files.ca {
                let certs = rustls_pki_types::CertificateDer::pem_slice_iter(pem.as_bytes())
                    .filter_map(Result::ok);
                roots.add_parsable_certificates(certs);
            }
            roots
        };
        builder.with_root_certificates(roots)
    };
    if files.cert.is_empty() || files.key.is_empty() {
        return Ok(builder.with_no_client_auth());
    }
    use rustls_pki_types::pem::PemObject;
    let certs: Vec<_> = rustls_pki_types::CertificateDer::pem_slice_iter(files.cert.as_bytes())
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err("tls: failed to find any PEM data in certificate input".into());
    }
    let key = rustls_pki_types::PrivateKeyDer::from_pem_slice(files.key.as_bytes())
        .map_err(|_| "tls: failed to find any PEM data in key input".to_string())?;
    builder
        .with_client_auth_cert(certs, key)
        .map_err(|e| format!("tls: {e}"))
}

trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Stream for T {}

impl ClientState {
    fn connection_info(&self) -> redis::RedisConnectionInfo {
        let o = &self.options;
        let mut info = redis::RedisConnectionInfo::default()
            .set_db(o.db)
            .set_protocol(redis::ProtocolVersion::RESP2)
            .set_skip_set_lib_name();
        if !o.username.is_empty() {
            info = info.set_username(&o.username);
        }
        if !o.password.is_empty() {
            info = info.set_password(&o.password);
        }
        info
    }

    fn connection_config(&self) -> redis::AsyncConnectionConfig {
        redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.options.dial_timeout()))
            .set_response_timeout(self.options.read_timeout())
    }

    /// Dials a single node through the VU's dialer, with TLS when configured.
    async fn dial_node(
        &self,
        transport: &crate::http::transport::TransportConfig,
        local_ip: Option<std::net::IpAddr>,
        insecure: bool,
    ) -> Result<Connection, Failure> {
        let o = &self.options;
        let Some(addr) = o.addrs.first() else {
            return Err("redis: no address".into());
        };
        let stats = IoStats::new();
        let stream: Box<dyn Stream> = match addr {
            Address::Unix(path) => {
                let s = tokio::net::UnixStream::connect(path)
                    .await
                    .map_err(|e| format!("dial unix {path}: {}", go_io_text(&e)))?;
                Box::new(TimedIo::new(s, stats.clone()))
            }
            Address::Tcp(host, port) => {
                let host = if host.is_empty() { "localhost" } else { host };
                let dial = crate::http::transport::dial_host(host, *port, transport, local_ip);
                let (tcp, _) = tokio::time::timeout(o.dial_timeout(), dial)
                    .await
                    .map_err(|_| format!("dial tcp {}: i/o timeout", addr.shown()))?
                    .map_err(|e| e.detail)?;
                let _ = tcp.set_nodelay(true);
                let tcp = TimedIo::new(tcp, stats.clone());
                match &o.tls {
                    None => Box::new(tcp),
                    Some(files) => {
                        let config = tls_config(files, insecure)?;
                        let name = rustls_pki_types::ServerName::try_from(host.to_string())
                            .map_err(|_| format!("tls: invalid server name {}", go_quote(host)))?;
                        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
                            .connect(name, tcp)
                            .await
                            .map_err(|e| go_io_text(&e))?;
                        Box::new(tls)
                    }
                }
            }
        };
        let (conn, driver) = redis::aio::MultiplexedConnection::new_with_config(
            &self.connection_info(),
            stream,
            self.connection_config(),
        )
        .await
        .map_err(|e| go_redis_error(&e))?;
        tokio::spawn(driver);
        *self.io.borrow_mut() = Some(stats);
        self.counted.set((0, 0));
        Ok(Connection::Node(conn))
    }

    async fn dial_cluster(&self, read_only: bool, insecure: bool) -> Result<Connection, Failure> {
        let o = &self.options;
        let scheme = if o.tls.is_some() { "rediss" } else { "redis" };
        let nodes: Vec<String> = o
            .addrs
            .iter()
            .map(|a| format!("{scheme}://{}", a.shown()))
            .collect();
        let mut b = redis::cluster::ClusterClientBuilder::new(nodes)
            .use_protocol(redis::ProtocolVersion::RESP2)
            .connection_timeout(o.dial_timeout())
            .retries(o.retries());
        if let Some(t) = o.read_timeout() {
            b = b.response_timeout(t);
        }
        if !o.username.is_empty() {
            b = b.username(&o.username);
        }
        if !o.password.is_empty() {
            b = b.password(&o.password);
        }
        if read_only {
            b = b.read_routing_strategy(redis::cluster_read_routing::RandomReplicaStrategy);
        }
        if let Some(files) = &o.tls {
            install_crypto_provider();
            b = b
                .tls(if insecure {
                    redis::TlsMode::Insecure
                } else {
                    redis::TlsMode::Secure
                })
                .certs(tls_certificates(files));
        }
        let client = b.build().map_err(|e| go_redis_error(&e))?;
        let conn = client
            .get_async_connection()
            .await
            .map_err(|e| go_redis_error(&e))?;
        Ok(Connection::Cluster(conn))
    }

    async fn dial_sentinel(
        &self,
        master_name: &str,
        sentinel_username: &str,
        sentinel_password: &str,
        insecure: bool,
    ) -> Result<Connection, Failure> {
        let o = &self.options;
        let scheme = if o.tls.is_some() { "rediss" } else { "redis" };
        let sentinels: Vec<String> = o
            .addrs
            .iter()
            .map(|a| format!("{scheme}://{}", a.shown()))
            .collect();
        let mut b = redis::sentinel::SentinelClientBuilder::new(
            sentinels
                .iter()
                .filter_map(|s| redis::IntoConnectionInfo::into_connection_info(s.as_str()).ok())
                .map(|i| i.addr().clone()),
            master_name,
            redis::sentinel::SentinelServerType::Master,
        )
        .map_err(|e| go_redis_error(&e))?
        .set_client_to_redis_db(o.db)
        .set_client_to_redis_protocol(redis::ProtocolVersion::RESP2);
        if !o.username.is_empty() {
            b = b.set_client_to_redis_username(&o.username);
        }
        if !o.password.is_empty() {
            b = b.set_client_to_redis_password(&o.password);
        }
        if !sentinel_username.is_empty() {
            b = b.set_client_to_sentinel_username(sentinel_username);
        }
        if !sentinel_password.is_empty() {
            b = b.set_client_to_sentinel_password(sentinel_password);
        }
        if let Some(files) = &o.tls {
            install_crypto_provider();
            let mode = if insecure {
                redis::TlsMode::Insecure
            } else {
                redis::TlsMode::Secure
            };
            b = b
                .set_client_to_redis_tls_mode(mode)
                .set_client_to_sentinel_tls_mode(mode)
                .set_client_to_redis_certificates(tls_certificates(files))
                .set_client_to_sentinel_certificates(tls_certificates(files));
        }
        let mut client = b.build().map_err(|e| go_redis_error(&e))?;
        let conn = client
            .get_async_connection_with_config(&self.connection_config())
            .await
            .map_err(|e| go_redis_error(&e))?;
        Ok(Connection::Node(conn))
    }

    async fn connect(&self, env: &DialEnv) -> Result<Connection, Failure> {
        match &self.options.topology {
            Topology::Single => {
                self.dial_node(&env.transport, env.local_ip, env.insecure)
                    .await
            }
            Topology::Cluster { read_only } => self.dial_cluster(*read_only, env.insecure).await,
            Topology::Sentinel {
                master_name,
                username,
                password,
            } => {
                self.dial_sentinel(master_name, username, password, env.insecure)
                    .await
            }
        }
    }

    /// Runs `cmd`, dialing first if needed; a connection error drops the connection and
    /// the command is tried again after go-redis's back-off.
    async fn execute(&self, cmd: &redis::Cmd, env: &DialEnv) -> Result<redis::Value, Failure> {
        let retries = self.options.retries();
        let mut attempt = 0;
        loop {
            let existing = self
                .connection
                .borrow()
                .as_ref()
                .map(Connection::clone_handle);
            let mut conn = match existing {
                Some(c) => c,
                None => match self.connect(env).await {
                    Ok(c) => {
                        *self.connection.borrow_mut() = Some(c.clone_handle());
                        c
                    }
                    Err(e) if attempt < retries => {
                        tokio::time::sleep(self.options.backoff(attempt)).await;
                        attempt += 1;
                        let _ = e;
                        continue;
                    }
                    Err(e) => return Err(e),
                },
            };
            match conn.run(cmd).await {
                Ok(v) => return Ok(v),
                Err(e) if is_connection_error(&e) => {
                    *self.connection.borrow_mut() = None;
                    if attempt >= retries {
                        return Err(go_redis_error(&e));
                    }
                    tokio::time::sleep(self.options.backoff(attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(go_redis_error(&e)),
            }
        }
    }

    /// Bytes the connection moved since the last call (for the VU's data metrics).
    fn take_traffic(&self) -> (u64, u64) {
        let Some(stats) = self.io.borrow().clone() else {
            return (0, 0);
        };
        let (w, r) = stats.totals();
        let (cw, cr) = self.counted.get();
        self.counted.set((w, r));
        (w.saturating_sub(cw), r.saturating_sub(cr))
    }
}

fn install_crypto_provider() {
    // The crate builds its TLS settings with rustls' process-wide provider; rk6 uses ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn tls_certificates(files: &TlsFiles) -> redis::TlsCertificates {
    redis::TlsCertificates {
        client_tls: (!files.cert.is_empty() && !files.key.is_empty()).then(|| {
            redis::ClientTlsConfig {
                client_cert: files.cert.clone().into_bytes(),
                client_key: files.key.clone().into_bytes(),
            }
        }),
        root_cert: (!files.ca.is_empty()).then(|| files.ca.concat().into_bytes()),
    }
}

fn is_connection_error(e: &redis::RedisError) -> bool {
    e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal()
}

/// Go's lower-case wording of an I/O error (`connection refused`), without Rust's
/// "(os error N)".
fn go_io_text(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        return "EOF".into();
    }
    let s = e.to_string();
    let s = s.split(" (os error").next().unwrap_or(&s);
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// What go-redis's error would print: the server's error line as sent (`ERR ...`,
/// `WRONGTYPE ...`), else the network error.
fn go_redis_error(e: &redis::RedisError) -> Failure {
    if let Some(code) = e.code() {
        return match e.detail() {
            Some(d) => format!("{code} {d}"),
            None => code.to_string(),
        };
    }
    if e.is_timeout() {
        return "i/o timeout".into();
    }
    if e.is_connection_dropped() {
        return "EOF".into();
    }
    if e.kind() == redis::ErrorKind::AuthenticationFailed {
        return e.detail().unwrap_or("WRONGPASS").to_string();
    }
    match e.detail() {
        Some(d) => d.to_string(),
        None => e.to_string(),
    }
}

/// What the VU's dialer needs, taken from the VU before a command's future starts.
struct DialEnv {
    transport: Arc<crate::http::transport::TransportConfig>,
    local_ip: Option<std::net::IpAddr>,
    insecure: bool,
}

// ---- the Client object --------------------------------------------------------------------

fn new_client(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    if args.len() != 1 {
        return Err(go_error("must specify one argument", ctx));
    }
    let options = match read_options(&args[0], ctx)? {
        Ok(o) => o,
        Err(e) => return Err(go_error(e, ctx)),
    };
    let state = Rc::new(ClientState {
        options,
        connection: RefCell::new(None),
        io: RefCell::new(None),
        counted: Cell::new((0, 0)),
        instantiated: Cell::new(false),
    });
    let obj = JsObject::from_proto_and_data(
        Some(ctx.intrinsics().constructors().object().prototype()),
        ClientObject(state),
    );
    // Own enumerable methods in Go's (sorted) method order, as k6 lists them.
    for &(name, len, method) in METHODS {
        let f = FunctionObjectBuilder::new(
            ctx.realm(),
            NativeFunction::from_copy_closure_with_captures(
                move |_, args, client: &JsObject, ctx| {
                    let Some(state) = client.downcast_ref::<ClientObject>().map(|c| c.0.clone())
                    else {
                        return Err(crate::js::util::type_error("not a redis Client"));
                    };
                    method(&state, args, ctx)
                },
                obj.clone(),
            ),
        )
        .name(JsString::from(name))
        .length(len)
        .build();
        obj.create_data_property_or_throw(JsString::from(name), f, ctx)?;
    }
    Ok(obj.into())
}

type Method = fn(&Rc<ClientState>, &[JsValue], &mut Context) -> JsResult<JsValue>;

/// How go-redis's typed command converts the reply.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Reply {
    /// `StatusCmd`: the status text (`OK`).
    Status,
    /// `StringCmd`: a string; nil rejects with `redis: nil`.
    Str,
    /// `IntCmd`.
    Int,
    /// `BoolCmd`: integer 1 is true.
    Bool,
    /// `DurationCmd` read as seconds (`-1`/`-2` stay nanoseconds, as go-redis keeps them).
    Seconds,
    /// `StringSliceCmd`.
    Strings,
    /// `SliceCmd`: strings and nulls.
    Values,
    /// `MapStringStringCmd`: field/value pairs as an object.
    Map,
    /// `Cmd` (`sendCommand`): any reply, nil rejects with `redis: nil`.
    Any,
}

const NIL: &str = "redis: nil";

/// A converted reply: plain data, turned into JS values on the VU thread.
enum Out {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    List(Vec<Out>),
    Map(Vec<(String, String)>),
}

impl Out {
    fn to_js(&self, ctx: &mut Context) -> JsValue {
        match self {
            Out::Null => JsValue::null(),
            Out::Bool(b) => (*b).into(),
            Out::Num(n) => (*n).into(),
            Out::Str(s) => JsString::from(s.as_str()).into(),
            Out::List(items) => {
                let values: Vec<JsValue> = items.iter().map(|i| i.to_js(ctx)).collect();
                JsArray::from_iter(values, ctx).into()
            }
            Out::Map(pairs) => {
                let mut obj = ObjectInitializer::new(ctx);
                for (k, v) in pairs {
                    obj.property(JsString::from(k.as_str()), JsString::from(v.as_str()), ALL);
                }
                obj.build().into()
            }
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// go-redis's `Cmd` reading of a RESP2 reply, nested.
fn any_value(v: redis::Value) -> Out {
    use redis::Value as V;
    match v {
        V::Nil => Out::Null,
        V::Int(i) => Out::Num(i as f64),
        V::BulkString(b) => Out::Str(text(&b)),
        V::SimpleString(s) => Out::Str(s),
        V::Okay => Out::Str("OK".into()),
        V::Array(items) | V::Set(items) => Out::List(items.into_iter().map(any_value).collect()),
        V::Map(pairs) => Out::List(
            pairs
                .into_iter()
                .flat_map(|(k, v)| [any_value(k), any_value(v)])
                .collect(),
        ),
        V::Double(d) => Out::Num(d),
        V::Boolean(b) => Out::Bool(b),
        V::VerbatimString { text, .. } => Out::Str(text),
        V::ServerError(e) => Out::Str(match e.details() {
            Some(d) => format!("{} {d}", e.code()),
            None => e.code().to_string(),
        }),
        other => Out::Str(format!("{other:?}")),
    }
}

fn string_of(v: redis::Value) -> Option<String> {
    match any_value(v) {
        Out::Str(s) => Some(s),
        Out::Num(n) => Some(format!("{n}")),
        _ => None,
    }
}

fn convert(reply: Reply, v: redis::Value) -> Result<Out, Failure> {
    use redis::Value as V;
    // An error reply: go-redis's error is the line the server sent.
    if let V::ServerError(e) = &v {
        return Err(match e.details() {
            Some(d) => format!("{} {d}", e.code()),
            None => e.code().to_string(),
        });
    }
    if matches!(v, V::Nil) && matches!(reply, Reply::Str | Reply::Any | Reply::Status) {
        return Err(NIL.into());
    }
    let unexpected = |v: &V| format!("redis: unexpected reply {v:?}");
    Ok(match reply {
        Reply::Status | Reply::Str => match string_of(v.clone()) {
            Some(s) => Out::Str(s),
            None => return Err(unexpected(&v)),
        },
        Reply::Int => match v {
            V::Int(i) => Out::Num(i as f64),
            other => return Err(unexpected(&other)),
        },
        Reply::Bool => match v {
            V::Int(i) => Out::Bool(i == 1),
            V::Okay => Out::Bool(true),
            other => return Err(unexpected(&other)),
        },
        Reply::Seconds => match v {
            V::Int(n @ (-2 | -1)) => Out::Num(n as f64 / 1e9),
            V::Int(n) => Out::Num(n as f64),
            other => return Err(unexpected(&other)),
        },
        Reply::Strings => match v {
            V::Array(items) | V::Set(items) => Out::List(
                items
                    .into_iter()
                    .filter_map(string_of)
                    .map(Out::Str)
                    .collect(),
            ),
            V::Nil => Out::List(Vec::new()),
            other => return Err(unexpected(&other)),
        },
        Reply::Values => match v {
            V::Array(items) => Out::List(
                items
                    .into_iter()
                    .map(|i| match i {
                        V::Nil => Out::Null,
                        other => any_value(other),
                    })
                    .collect(),
            ),
            other => return Err(unexpected(&other)),
        },
        Reply::Map => {
            let flat: Vec<String> = match v {
                V::Array(items) => items.into_iter().filter_map(string_of).collect(),
                V::Map(pairs) => pairs
                    .into_iter()
                    .flat_map(|(k, v)| [string_of(k), string_of(v)])
                    .flatten()
                    .collect(),
                other => return Err(unexpected(&other)),
            };
            Out::Map(
                flat.chunks_exact(2)
                    .map(|kv| (kv[0].clone(), kv[1].clone()))
                    .collect(),
            )
        }
        Reply::Any => any_value(v),
    })
}

/// A value argument of a type go-redis accepts (`string`, `int64`, `float64`, `bool`).
enum Arg {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Arg {
    /// go-redis's `appendArg` formatting.
    fn wire(&self) -> String {
        match self {
            Arg::Str(s) => s.clone(),
            Arg::Int(i) => i.to_string(),
            Arg::Float(f) if f.is_infinite() => if *f > 0.0 { "+Inf" } else { "-Inf" }.into(),
            Arg::Float(f) => format!("{f}"),
            Arg::Bool(b) => if *b { "1" } else { "0" }.into(),
        }
    }
}

/// How sobek exports a JS value for an `interface{}` parameter; `None` for types go-redis
/// refuses (objects, arrays, null, undefined...).
fn value_arg(v: &JsValue) -> Option<Arg> {
    Some(match v.variant() {
        JsVariant::String(s) => Arg::Str(s.to_std_string_escaped()),
        JsVariant::Integer32(i) => Arg::Int(i64::from(i)),
        JsVariant::Float64(f) if f.fract() == 0.0 && f.abs() < 9.2e18 && f != 0.0 => {
            Arg::Int(f as i64)
        }
        JsVariant::Float64(f) if f == 0.0 && f.is_sign_positive() => Arg::Int(0),
        JsVariant::Float64(f) => Arg::Float(f),
        JsVariant::Boolean(b) => Arg::Bool(b),
        _ => return None,
    })
}

fn unsupported(index: usize) -> String {
    format!(
        "unsupported type provided for argument at index {index}, supported types are string, number, and boolean"
    )
}

/// The values at `args[from..]` (indices reported from `offset`).
fn value_args(args: &[JsValue], from: usize, offset: usize) -> Result<Vec<Arg>, String> {
    args.iter()
        .skip(from)
        .enumerate()
        .map(|(i, v)| value_arg(v).ok_or_else(|| unsupported(i + offset)))
        .collect()
}

/// A Go `string` parameter: sobek's `String(v)`.
fn str_arg(args: &[JsValue], i: usize, ctx: &mut Context) -> JsResult<String> {
    Ok(args
        .get_or_undefined(i)
        .to_string(ctx)?
        .to_std_string_escaped())
}

/// A Go `int`/`int64` parameter: sobek's `ToInteger`.
fn int_arg(args: &[JsValue], i: usize, ctx: &mut Context) -> JsResult<i64> {
    let n = args.get_or_undefined(i).to_number(ctx)?;
    Ok(if n.is_nan() { 0 } else { n.trunc() as i64 })
}

/// The strings of a variadic `...string` parameter from `args[from..]`.
fn str_args(args: &[JsValue], from: usize, ctx: &mut Context) -> JsResult<Vec<String>> {
    (from..args.len()).map(|i| str_arg(args, i, ctx)).collect()
}

/// xk6-redis's method body: refuse the init context, check the arguments, then run the
/// command and settle the promise with the converted reply.
fn send(
    state: &Rc<ClientState>,
    ctx: &mut Context,
    reply: Reply,
    command: Result<Vec<String>, String>,
) -> JsResult<JsValue> {
    let vu = vu_state(ctx);
    if vu.borrow().phase == Phase::Init {
        let err = GoErrorValue {
            text: "connecting to a redis server in the init context is not supported",
            fields: &[],
            methods: &["string"],
            json_is_text: true,
        }
        .to_error(ctx);
        return Ok(JsPromise::reject(err, ctx)?.into());
    }
    state.instantiated.set(true);
    let parts = match command {
        Ok(p) => p,
        Err(e) => {
            let err = go_value::plain(&e, ctx);
            return Ok(JsPromise::reject(err, ctx)?.into());
        }
    };
    let env = {
        let st = vu.borrow();
        let shared = &st.shared;
        DialEnv {
            transport: shared.http_config.clone(),
            local_ip: shared
                .http_config
                .local_ips
                .as_ref()
                .and_then(|p| p.for_vu(st.id)),
            insecure: shared.options.insecure_skip_tls_verify,
        }
    };
    let mut cmd = redis::Cmd::new();
    for p in &parts {
        cmd.arg(p.as_bytes());
    }
    let (promise, resolvers) = JsPromise::new_pending(ctx);
    let state = state.clone();
    let job = NativeAsyncJob::new(async move |cell: &RefCell<&mut Context>| {
        let result = state.execute(&cmd, &env).await;
        let (sent, received) = state.take_traffic();
        let ctx = &mut *cell.borrow_mut();
        {
            let vu = vu_state(ctx);
            let mut st = vu.borrow_mut();
            st.data_sent += sent;
            st.data_received += received;
        }
        match result.and_then(|v| convert(reply, v)) {
            Ok(out) => {
                let v = out.to_js(ctx);
                resolvers.resolve.call(&JsValue::undefined(), &[v], ctx)?;
            }
            Err(e) => {
                let err = redis_error_value(&e, ctx);
                resolvers.reject.call(&JsValue::undefined(), &[err], ctx)?;
            }
        }
        Ok(JsValue::undefined())
    });
    ctx.enqueue_job(job.into());
    Ok(promise.into())
}

/// The Go error a failed command rejects with: go-redis's `RedisError` (a string type: its
/// JSON is the text) for server replies and nil, a network error otherwise.
fn redis_error_value(text: &str, ctx: &mut Context) -> JsValue {
    let from_server = text == NIL
        || text
            .split(' ')
            .next()
            .is_some_and(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_uppercase()));
    if from_server {
        return GoErrorValue {
            text,
            fields: &[],
            methods: &["redisError"],
            json_is_text: true,
        }
        .to_value(ctx);
    }
    GoErrorValue {
        text,
        fields: &[],
        methods: &["temporary", "timeout", "unwrap"],
        json_is_text: false,
    }
    .to_value(ctx)
}

fn command(name: &str, rest: impl IntoIterator<Item = String>) -> Vec<String> {
    std::iter::once(name.to_string()).chain(rest).collect()
}

fn key_only(
    name: &'static str,
    reply: Reply,
) -> impl Fn(&Rc<ClientState>, &[JsValue], &mut Context) -> JsResult<JsValue> {
    move |s, args, ctx| {
        let key = str_arg(args, 0, ctx)?;
        send(s, ctx, reply, Ok(command(name, [key])))
    }
}

macro_rules! key_method {
    ($fn_name:ident, $cmd:literal, $reply:expr) => {
        fn $fn_name(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
            key_only($cmd, $reply)(s, args, ctx)
        }
    };
}

key_method!(get, "get", Reply::Str);
key_method!(get_del, "getdel", Reply::Str);
key_method!(incr, "incr", Reply::Int);
key_method!(decr, "decr", Reply::Int);
key_method!(ttl, "ttl", Reply::Seconds);
key_method!(persist, "persist", Reply::Bool);
key_method!(lpop, "lpop", Reply::Str);
key_method!(rpop, "rpop", Reply::Str);
key_method!(llen, "llen", Reply::Int);
key_method!(hgetall, "hgetall", Reply::Map);
key_method!(hkeys, "hkeys", Reply::Strings);
key_method!(hvals, "hvals", Reply::Strings);
key_method!(hlen, "hlen", Reply::Int);
key_method!(smembers, "smembers", Reply::Strings);
key_method!(srandmember, "srandmember", Reply::Str);
key_method!(spop, "spop", Reply::Str);

/// `set(key, value, expiration)`: seconds; 0 or less sets no expiry.
fn set(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let key = str_arg(args, 0, ctx)?;
    let value = value_arg(args.get_or_undefined(1)).ok_or_else(|| unsupported(1));
    let expiration = int_arg(args, 2, ctx)?;
    let cmd = value.map(|v| {
        let mut c = command("set", [key, v.wire()]);
        if expiration > 0 {
            c.extend(["ex".to_string(), expiration.to_string()]);
        }
        c
    });
    send(s, ctx, Reply::Status, cmd)
}

fn get_set(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let key = str_arg(args, 0, ctx)?;
    let value = value_arg(args.get_or_undefined(1)).ok_or_else(|| unsupported(1));
    send(
        s,
        ctx,
        Reply::Str,
        value.map(|v| command("getset", [key, v.wire()])),
    )
}

fn keys_method(
    name: &'static str,
    reply: Reply,
    s: &Rc<ClientState>,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let keys = str_args(args, 0, ctx)?;
    send(s, ctx, reply, Ok(command(name, keys)))
}

fn del(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    keys_method("del", Reply::Int, s, args, ctx)
}

fn exists(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    keys_method("exists", Reply::Int, s, args, ctx)
}

fn mget(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    keys_method("mget", Reply::Values, s, args, ctx)
}

fn random_key(s: &Rc<ClientState>, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    send(s, ctx, Reply::Str, Ok(command("randomkey", [])))
}

/// `(key, integer)` commands.
fn key_int(
    name: &'static str,
    reply: Reply,
    s: &Rc<ClientState>,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let key = str_arg(args, 0, ctx)?;
    let n = int_arg(args, 1, ctx)?;
    send(s, ctx, reply, Ok(command(name, [key, n.to_string()])))
}

fn incr_by(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    key_int("incrby", Reply::Int, s, args, ctx)
}

fn decr_by(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    key_int("decrby", Reply::Int, s, args, ctx)
}

fn expire(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    key_int("expire", Reply::Bool, s, args, ctx)
}

fn lindex(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    key_int("lindex", Reply::Str, s, args, ctx)
}

/// `(key, ...values)` commands.
fn key_values(
    name: &'static str,
    s: &Rc<ClientState>,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let key = str_arg(args, 0, ctx)?;
    let values = value_args(args, 1, 1);
    let cmd = values.map(|v| command(name, std::iter::once(key).chain(v.iter().map(Arg::wire))));
    send(s, ctx, Reply::Int, cmd)
}

fn lpush(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    key_values("lpush", s, args, ctx)
}

fn rpush(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    key_values("rpush", s, args, ctx)
}

fn sadd(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    key_values("sadd", s, args, ctx)
}

fn srem(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    key_values("srem", s, args, ctx)
}

fn lrange(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let key = str_arg(args, 0, ctx)?;
    let start = int_arg(args, 1, ctx)?;
    let stop = int_arg(args, 2, ctx)?;
    let cmd = command("lrange", [key, start.to_string(), stop.to_string()]);
    send(s, ctx, Reply::Strings, Ok(cmd))
}

fn lset(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let key = str_arg(args, 0, ctx)?;
    let index = int_arg(args, 1, ctx)?;
    let element = str_arg(args, 2, ctx)?;
    send(
        s,
        ctx,
        Reply::Status,
        Ok(command("lset", [key, index.to_string(), element])),
    )
}

fn lrem(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let key = str_arg(args, 0, ctx)?;
    let count = int_arg(args, 1, ctx)?;
    let value = str_arg(args, 2, ctx)?;
    send(
        s,
        ctx,
        Reply::Int,
        Ok(command("lrem", [key, count.to_string(), value])),
    )
}

fn hset(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let key = str_arg(args, 0, ctx)?;
    let field = str_arg(args, 1, ctx)?;
    let value = value_arg(args.get_or_undefined(2)).ok_or_else(|| unsupported(2));
    send(
        s,
        ctx,
        Reply::Int,
        value.map(|v| command("hset", [key, field, v.wire()])),
    )
}

fn hsetnx(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let key = str_arg(args, 0, ctx)?;
    let field = str_arg(args, 1, ctx)?;
    let value = str_arg(args, 2, ctx)?;
    send(
        s,
        ctx,
        Reply::Bool,
        Ok(command("hsetnx", [key, field, value])),
    )
}

fn hget(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let key = str_arg(args, 0, ctx)?;
    let field = str_arg(args, 1, ctx)?;
    send(s, ctx, Reply::Str, Ok(command("hget", [key, field])))
}

fn hdel(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let key = str_arg(args, 0, ctx)?;
    let fields = str_args(args, 1, ctx)?;
    send(
        s,
        ctx,
        Reply::Int,
        Ok(command("hdel", std::iter::once(key).chain(fields))),
    )
}

fn hincrby(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let key = str_arg(args, 0, ctx)?;
    let field = str_arg(args, 1, ctx)?;
    let n = int_arg(args, 2, ctx)?;
    send(
        s,
        ctx,
        Reply::Int,
        Ok(command("hincrby", [key, field, n.to_string()])),
    )
}

fn sismember(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let key = str_arg(args, 0, ctx)?;
    let member = value_arg(args.get_or_undefined(1)).ok_or_else(|| unsupported(1));
    send(
        s,
        ctx,
        Reply::Bool,
        member.map(|m| command("sismember", [key, m.wire()])),
    )
}

fn send_command(s: &Rc<ClientState>, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let name = str_arg(args, 0, ctx)?;
    let values = value_args(args, 1, 1);
    let cmd = values.map(|v| {
        std::iter::once(name)
            .chain(v.iter().map(Arg::wire))
            .collect()
    });
    send(s, ctx, Reply::Any, cmd)
}

fn is_connected(s: &Rc<ClientState>, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Ok(s.instantiated.get().into())
}

/// The Client's methods, in the order k6 lists them (Go's sorted method set).
const METHODS: &[(&str, usize, Method)] = &[
    ("decr", 1, decr),
    ("decrBy", 2, decr_by),
    ("del", 0, del),
    ("exists", 0, exists),
    ("expire", 2, expire),
    ("get", 1, get),
    ("getDel", 1, get_del),
    ("getSet", 2, get_set),
    ("hdel", 1, hdel),
    ("hget", 2, hget),
    ("hgetall", 1, hgetall),
    ("hincrby", 3, hincrby),
    ("hkeys", 1, hkeys),
    ("hlen", 1, hlen),
    ("hset", 3, hset),
    ("hsetnx", 3, hsetnx),
    ("hvals", 1, hvals),
    ("incr", 1, incr),
    ("incrBy", 2, incr_by),
    ("isConnected", 0, is_connected),
    ("lindex", 2, lindex),
    ("llen", 1, llen),
    ("lpop", 1, lpop),
    ("lpush", 1, lpush),
    ("lrange", 3, lrange),
    ("lrem", 3, lrem),
    ("lset", 3, lset),
    ("mget", 0, mget),
    ("persist", 1, persist),
    ("randomKey", 0, random_key),
    ("rpop", 1, rpop),
    ("rpush", 1, rpush),
    ("sadd", 1, sadd),
    ("sendCommand", 1, send_command),
    ("set", 3, set),
    ("sismember", 2, sismember),
    ("smembers", 1, smembers),
    ("spop", 1, spop),
    ("srandmember", 1, srandmember),
    ("srem", 1, srem),
    ("ttl", 1, ttl),
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn urls_parse_as_go_redis_does() {
        let (o, addr) = options_from_url("redis://user:p%40ss@example.com:7000/2").expect("url");
        assert_eq!(addr, Address::Tcp("example.com".into(), 7000));
        assert_eq!(
            (o.username.as_str(), o.password.as_str(), o.db),
            ("user", "p@ss", 2)
        );
        let (o, addr) = options_from_url("rediss://localhost").expect("url");
        assert_eq!(addr, Address::Tcp("localhost".into(), 6379));
        assert!(o.tls.is_some());
        let err = |u: &str| options_from_url(u).expect_err("fails");
        assert_eq!(
            err("http://localhost:6379"),
            "redis: invalid URL scheme: http"
        );
        assert_eq!(
            err("redis://localhost:6379/abc"),
            "redis: invalid database number: \"abc\""
        );
        assert_eq!(
            err("redis://localhost/?bogus=1"),
            "redis: unexpected option: bogus"
        );
        let (o, _) =
            options_from_url("redis://h/?db=3&dial_timeout=2&read_timeout=1m30s&max_retries=-1")
                .expect("url");
        assert_eq!(
            (o.db, o.dial_timeout, o.read_timeout, o.retries()),
            (3, Duration::from_secs(2), Duration::from_secs(90), 0)
        );
    }

    #[test]
    fn objects_decode_with_go_messages() {
        let err = |v: Json| options_from_object(&v).expect_err("fails");
        assert_eq!(
            err(json!({"socket": {"host": "h", "port": 1}, "bogus": 1})),
            "json: unknown field \"bogus\""
        );
        assert_eq!(err(json!({"username": "x"})), "empty socket options");
        assert_eq!(
            err(json!({"socket": {"host": "h", "port": 1, "tlss": {}}})),
            "json: unknown field \"tlss\""
        );
        assert_eq!(
            err(json!({"socket": {"host": "h", "port": "1"}})),
            "json: cannot unmarshal string into Go struct field socketOptions.socket.port of type int"
        );
        assert_eq!(
            err(json!({"cluster": {"nodes": []}})),
            "cluster nodes property cannot be empty"
        );
        assert_eq!(
            err(json!({"cluster": {"nodes": 5}})),
            "cluster nodes property must be an array; got int64"
        );
        assert_eq!(
            err(
                json!({"cluster": {"nodes": [{"socket": {"host": "a", "port": 1}, "database": 1}, {"socket": {"host": "b", "port": 1}, "database": 2}]}})
            ),
            "inconsistent db option: 1 != 2"
        );
        let o = options_from_object(&json!({"masterName": "m", "sentinelPassword": "sp", "socket": {"host": "s", "port": 26379}})).expect("sentinel");
        assert_eq!(
            o.topology,
            Topology::Sentinel {
                master_name: "m".into(),
                username: String::new(),
                password: "sp".into()
            }
        );
        let o = options_from_object(&json!({"cluster": {"nodes": ["redis://a:1", "redis://b:2"]}}))
            .expect("cluster");
        assert_eq!(
            o.addrs,
            [Address::Tcp("a".into(), 1), Address::Tcp("b".into(), 2)]
        );
    }

    #[test]
    fn replies_convert_as_go_redis_types_do() {
        use redis::Value as V;
        let ok = |r: Reply, v: V| match convert(r, v).expect("converts") {
            Out::Num(n) => n.to_string(),
            Out::Str(s) => s,
            Out::Bool(b) => b.to_string(),
            _ => "other".into(),
        };
        assert_eq!(ok(Reply::Seconds, V::Int(-1)), "-0.000000001");
        assert_eq!(ok(Reply::Seconds, V::Int(100)), "100");
        assert_eq!(ok(Reply::Bool, V::Int(1)), "true");
        assert_eq!(ok(Reply::Status, V::Okay), "OK");
        assert_eq!(convert(Reply::Str, V::Nil).err().expect("nil"), NIL);
        assert_eq!(convert(Reply::Any, V::Nil).err().expect("nil"), NIL);
        assert!(
            matches!(convert(Reply::Values, V::Array(vec![V::Nil])), Ok(Out::List(l)) if matches!(l[0], Out::Null))
        );
    }

    #[test]
    fn arguments_format_as_go_redis_appends_them() {
        let wire = |v: JsValue| value_arg(&v).map(|a| a.wire());
        assert_eq!(wire(JsValue::from(1.5)), Some("1.5".into()));
        assert_eq!(wire(JsValue::from(3)), Some("3".into()));
        assert_eq!(wire(JsValue::from(true)), Some("1".into()));
        assert_eq!(wire(JsValue::from(f64::INFINITY)), Some("+Inf".into()));
        assert_eq!(wire(JsValue::null()), None);
        assert_eq!(wire(JsValue::undefined()), None);
    }

    #[test]
    fn retries_back_off_like_go_redis() {
        let o = ClientOptions::default();
        assert_eq!(o.retries(), 3);
        assert_eq!(o.backoff(0), Duration::from_millis(8));
        assert_eq!(o.backoff(10), Duration::from_millis(512));
        let none = ClientOptions {
            max_retries: -1,
            ..ClientOptions::default()
        };
        assert_eq!(none.retries(), 0);
    }
}
