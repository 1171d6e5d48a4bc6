//! `k6/http`: requests with k6's params, metrics, tags, redirects, cookies and error codes.
//!
//! A request is parsed on the VU thread (`parse_request`), runs hop by hop on the shared tokio
//! runtime (`perform`, see `crate::http::transport`), and comes back as a native `Response`
//! object whose fields are computed on first access, so a script that only reads
//! `res.status` pays for nothing else.
//!
//! Failures come in k6's two kinds: a request that cannot be built (invalid URL, bad params)
//! is a *parse error*: no samples, a "Request Failed" warning and an empty response; a
//! request that fails on its way (refused, reset, timeout, unsupported scheme) emits its
//! samples with status 0, `error` and `error_code`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use boa_engine::object::builtins::{JsArray, JsArrayBuffer};
use boa_engine::object::{FunctionObjectBuilder, ObjectInitializer};
use boa_engine::property::{Attribute, PropertyDescriptor, PropertyKey};
use boa_engine::{
    Context, Finalize, JsArgs, JsData, JsError, JsObject, JsResult, JsString, JsValue,
    NativeFunction, Trace,
};
use bytes::Bytes;
use http_body_util::Full;
use url::Url;

use crate::http::compression::{self, Coding};
use crate::http::cookies::Jar;
use crate::http::debug::{self, canonical_header};
use crate::http::errors::{self, HttpError};
use crate::http::form::{self, FormValue};
use crate::http::transport::{PoolKey, PreparedRequest, RawResponse, Timings, TlsInfo, Transport};
use crate::http::url::{self as request_url, ParsedUrl, RequestUrl};
use crate::http::{digest, gjson};
use crate::js::bytes::{array_buffer, binary_bytes};
use crate::js::console::{self, Level};
use crate::js::event_loop::interrupted_error;
use crate::js::gc::note_native_bytes;
use crate::js::modules::encoding::go_error;
use crate::js::runtime::{Phase, vu_state};
use crate::js::util::{ALL, error, func, to_rust_string, type_error};
use crate::metrics::sample::now_ns;

pub const EXPORTS: &[&str] = &[
    "request",
    "get",
    "post",
    "put",
    "patch",
    "del",
    "head",
    "options",
    "asyncRequest",
    "batch",
    "url",
    "file",
    "cookieJar",
    "CookieJar",
    "expectedStatuses",
    "setResponseCallback",
    "TLS_1_0",
    "TLS_1_1",
    "TLS_1_2",
    "TLS_1_3",
    "OCSP_STATUS_GOOD",
    "OCSP_STATUS_REVOKED",
    "OCSP_STATUS_SERVER_FAILED",
    "OCSP_STATUS_UNKNOWN",
    "OCSP_REASON_UNSPECIFIED",
];

/// Go's zero `time.Time` in Unix milliseconds: k6's `expires` of a cookie without one.
const GO_ZERO_TIME_MS: f64 = -6795364578871.0;

// ------------------------------------------------------------------------------------------
// Per-VU HTTP state
// ------------------------------------------------------------------------------------------

/// Which statuses count as expected (`http.expectedStatuses`), driving `http_req_failed` and
/// the `expected_response` tag.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectedStatuses(pub Vec<(u16, u16)>);

impl ExpectedStatuses {
    fn default_range() -> Self {
        ExpectedStatuses(vec![(200, 399)])
    }
    fn matches(&self, status: u16) -> bool {
        self.0.iter().any(|(lo, hi)| (*lo..=*hi).contains(&status))
    }
}

#[derive(Trace, Finalize, JsData)]
struct ExpectedStatusesObject {
    #[unsafe_ignore_trace]
    ranges: ExpectedStatuses,
}

pub type JarRef = Rc<RefCell<Jar>>;

#[derive(Trace, Finalize, JsData)]
struct CookieJarObject {
    #[unsafe_ignore_trace]
    jar: JarRef,
}

#[derive(Trace, Finalize, JsData)]
struct TaggedUrl {
    #[unsafe_ignore_trace]
    url: String,
    #[unsafe_ignore_trace]
    name: String,
}

#[derive(Trace, Finalize, JsData)]
struct FileData {
    #[unsafe_ignore_trace]
    data: Bytes,
    #[unsafe_ignore_trace]
    filename: String,
    #[unsafe_ignore_trace]
    content_type: String,
}

/// Tag keys and frequent values as shared strings, so emitting a request's samples does not
/// allocate them again for every request.
struct TagStrings {
    method: Arc<str>,
    url: Arc<str>,
    name: Arc<str>,
    status: Arc<str>,
    proto: Arc<str>,
    expected_response: Arc<str>,
    error_code: Arc<str>,
    error: Arc<str>,
    tls_version: Arc<str>,
    ip: Arc<str>,
    yes: Arc<str>,
    no: Arc<str>,
    values: HashMap<String, Arc<str>>,
    statuses: HashMap<u16, Arc<str>>,
}

impl TagStrings {
    fn new() -> TagStrings {
        TagStrings {
            method: Arc::from("method"),
            url: Arc::from("url"),
            name: Arc::from("name"),
            status: Arc::from("status"),
            proto: Arc::from("proto"),
            expected_response: Arc::from("expected_response"),
            error_code: Arc::from("error_code"),
            error: Arc::from("error"),
            tls_version: Arc::from("tls_version"),
            ip: Arc::from("ip"),
            yes: Arc::from("true"),
            no: Arc::from("false"),
            values: HashMap::new(),
            statuses: HashMap::new(),
        }
    }

    /// A shared copy of a low-cardinality value (methods, protocols, TLS versions).
    fn value(&mut self, v: &str) -> Arc<str> {
        if let Some(a) = self.values.get(v) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(v);
        if self.values.len() < 64 {
            self.values.insert(v.to_string(), a.clone());
        }
        a
    }

    fn status(&mut self, s: u16) -> Arc<str> {
        self.statuses
            .entry(s)
            .or_insert_with(|| Arc::from(s.to_string().as_str()))
            .clone()
    }
}

pub struct HttpState {
    pub transport: Transport,
    jar: JarRef,
    pub callback: Option<ExpectedStatuses>,
    response_proto: Option<JsObject>,
    tags: TagStrings,
}

pub type HttpRef = Rc<RefCell<HttpState>>;

/// The VU's HTTP state, created on first use.
pub fn http_state(ctx: &mut Context) -> HttpRef {
    if let Some(s) = ctx.get_data::<HttpRef>() {
        return s.clone();
    }
    let vu = vu_state(ctx);
    let (shared, vu_id) = {
        let v = vu.borrow();
        (v.shared.clone(), v.id)
    };
    let state = Rc::new(RefCell::new(HttpState {
        transport: Transport::new(shared.http_config.clone(), shared.tokio.clone(), vu_id),
        jar: Rc::new(RefCell::new(Jar::new())),
        callback: Some(ExpectedStatuses::default_range()),
        response_proto: None,
        tags: TagStrings::new(),
    }));
    ctx.insert_data::<HttpRef>(state.clone());
    state
}

/// Called at the start of every iteration: k6 resets the VU's cookie jar (unless
/// `noCookiesReset`) and, with `noVUConnectionReuse`, its connections.
pub fn reset_for_iteration(ctx: &mut Context) {
    let Some(state) = ctx.get_data::<HttpRef>().cloned() else {
        return;
    };
    let vu = vu_state(ctx);
    let (no_cookies_reset, no_vu_reuse) = {
        let v = vu.borrow();
        (
            v.shared.options.no_cookies_reset,
            v.shared.options.no_vu_connection_reuse,
        )
    };
    let mut st = state.borrow_mut();
    if !no_cookies_reset {
        st.jar.borrow_mut().clear_all();
    }
    if no_vu_reuse {
        st.transport.pool.clear();
    }
}

// ------------------------------------------------------------------------------------------
// Request description
// ------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Debug)]
enum ResponseType {
    Text,
    Binary,
    None,
}

#[derive(Clone, Copy, PartialEq)]
enum Auth {
    /// Basic from URL credentials, when there are any.
    Basic,
    Digest,
}

/// Where a request goes: a URL it can be sent to, or one Go's transport refuses (the
/// request still "happens": samples with status 0).
enum Target {
    Url(RequestUrl),
    Unsendable {
        /// What the script passed: `res.url` shows it as is.
        raw: String,
        /// Go's rendering, for tags and the warning.
        shown: String,
        error: HttpError,
    },
}

struct ParamCookie {
    name: String,
    value: String,
    replace: bool,
}

struct RequestSpec {
    /// As the script wrote it: k6 does not upper-case methods.
    method: String,
    target: Target,
    /// The `name` tag when the script set one (params.tags.name or `http.url`).
    name: Option<String>,
    /// Headers with Go-canonical names, in the script's order.
    headers: Vec<(String, String)>,
    body: Option<Bytes>,
    compression: Vec<Coding>,
    /// User tags, `name` excluded.
    tags: Vec<(Arc<str>, Arc<str>)>,
    timeout: Duration,
    max_redirects: u32,
    /// `redirects` was given in params: k6 then does not warn when it stops following.
    redirects_set: bool,
    response_type: ResponseType,
    /// `None` = the VU's callback; `Some(None)` = disabled for this request.
    callback: Option<Option<ExpectedStatuses>>,
    auth: Auth,
    cookies: Vec<ParamCookie>,
    jar: Option<JarRef>,
    throw: bool,
}

/// The URL of a script value: a string, or an `http.url` template (which also names it).
/// A value of another type is k6's `invalid URL: '#<value>'`.
fn url_from_value(
    v: &JsValue,
    ctx: &mut Context,
) -> JsResult<Result<(String, Option<String>), HttpError>> {
    if let Some(obj) = v.as_object()
        && let Some(t) = obj.downcast_ref::<TaggedUrl>()
    {
        return Ok(Ok((t.url.clone(), Some(t.name.clone()))));
    }
    if let Some(s) = v.as_string() {
        return Ok(Ok((s.to_std_string_escaped(), None)));
    }
    // Anything else, objects included, is refused (confirmed on k6 v1.1.0:
    // `http.get({})` → `invalid URL: '#map[]'`, no request made).
    Ok(Err(HttpError::new(
        errors::INVALID_URL,
        format!("invalid URL: '#{}'", go_value(v, ctx)?),
    )))
}

/// Go's `%v` of an exported JS value: `<nil>` for null/undefined, `[1 2]`, `map[k:v]`.
fn go_value(v: &JsValue, ctx: &mut Context) -> JsResult<String> {
    if v.is_null_or_undefined() {
        return Ok("<nil>".into());
    }
    if let Some(obj) = v.as_object() {
        if obj.is_array() {
            let len = obj.get(JsString::from("length"), ctx)?.to_number(ctx)? as usize;
            let mut parts = Vec::with_capacity(len);
            for i in 0..len {
                let item = obj.get(i, ctx)?;
                parts.push(go_value(&item, ctx)?);
            }
            return Ok(format!("[{}]", parts.join(" ")));
        }
        if !obj.is_callable() && binary_bytes(v, ctx)?.is_none() {
            let mut parts = Vec::new();
            let mut keys: Vec<(String, PropertyKey)> = Vec::new();
            for k in obj.own_property_keys(ctx)? {
                let name = match &k {
                    PropertyKey::String(s) => s.to_std_string_escaped(),
                    PropertyKey::Index(i) => i.get().to_string(),
                    PropertyKey::Symbol(_) => continue,
                };
                keys.push((name, k));
            }
            keys.sort_by(|a, b| a.0.cmp(&b.0));
            for (name, k) in keys {
                let item = obj.get(k, ctx)?;
                parts.push(format!("{name}:{}", go_value(&item, ctx)?));
            }
            return Ok(format!("map[{}]", parts.join(" ")));
        }
    }
    to_rust_string(v, ctx)
}

fn parse_timeout(v: &JsValue, ctx: &mut Context) -> JsResult<Result<Duration, HttpError>> {
    if let Some(n) = v.as_number() {
        if n.is_finite() && n >= 0.0 {
            return Ok(Ok(Duration::from_secs_f64(n / 1000.0)));
        }
        return Ok(Err(HttpError::new(
            NO_CODE,
            format!("invalid timeout value: {n}"),
        )));
    }
    let s = to_rust_string(v, ctx)?;
    Ok(crate::options::duration::parse_duration(&s).map_err(|_| {
        HttpError::new(
            NO_CODE,
            format!(
                "invalid timeout value: time: invalid duration {}",
                crate::go_strconv::go_quote(&s)
            ),
        )
    }))
}

/// Body from a JS value: string, binary, or object (form or multipart). Adds the
/// Content-Type a form body implies unless the script set one.
fn body_from_value(
    v: &JsValue,
    headers: &mut Vec<(String, String)>,
    ctx: &mut Context,
) -> JsResult<Option<Bytes>> {
    if v.is_null_or_undefined() {
        return Ok(None);
    }
    if let Some(s) = v.as_string() {
        return Ok(Some(Bytes::from(s.to_std_string_escaped())));
    }
    if let Some(b) = binary_bytes(v, ctx)? {
        return Ok(Some(Bytes::from(b)));
    }
    let Some(obj) = v.as_object() else {
        return Ok(Some(Bytes::from(to_rust_string(v, ctx)?)));
    };
    let mut fields: Vec<(String, JsValue)> = Vec::new();
    for key in obj.own_property_keys(ctx)? {
        let name = match &key {
            PropertyKey::String(s) => s.to_std_string_escaped(),
            PropertyKey::Index(i) => i.get().to_string(),
            PropertyKey::Symbol(_) => continue,
        };
        fields.push((name, obj.get(key, ctx)?));
    }
    let has_file = fields
        .iter()
        .any(|(_, v)| v.as_object().is_some_and(|o| o.is::<FileData>()));
    let has_ct = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    if has_file {
        let mut parts = Vec::with_capacity(fields.len());
        for (name, val) in fields {
            let file = val.as_object().and_then(|o| {
                o.downcast_ref::<FileData>().map(|f| FormValue::File {
                    data: f.data.clone(),
                    filename: f.filename.clone(),
                    content_type: f.content_type.clone(),
                })
            });
            let value = match file {
                Some(f) => f,
                None => FormValue::Text(go_value(&val, ctx)?),
            };
            parts.push((name, value));
        }
        let boundary = form::boundary();
        let body = form::multipart(&parts, &boundary);
        if !has_ct {
            headers.push((
                "Content-Type".into(),
                format!("multipart/form-data; boundary={boundary}"),
            ));
        }
        return Ok(Some(Bytes::from(body)));
    }
    let mut pairs = Vec::with_capacity(fields.len());
    for (k, v) in fields {
        match v.as_object() {
            Some(o) if o.is_array() => {
                let len = o.get(JsString::from("length"), ctx)?.to_number(ctx)? as usize;
                for i in 0..len {
                    let item = o.get(i, ctx)?;
                    pairs.push((k.clone(), go_value(&item, ctx)?));
                }
            }
            _ => pairs.push((k, go_value(&v, ctx)?)),
        }
    }
    if !has_ct {
        headers.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
    }
    Ok(Some(Bytes::from(form::urlencoded(&pairs))))
}

/// Parse errors other than invalid URLs have no k6 error code (k6 reports `error_code` 0).
const NO_CODE: u32 = 0;

/// Reads params; `Err(HttpError)` is a k6 parse error (the request is never made).
fn apply_params(
    spec: &mut RequestSpec,
    p: &JsObject,
    ctx: &mut Context,
) -> JsResult<Result<(), HttpError>> {
    let headers = p.get(JsString::from("headers"), ctx)?;
    if let Some(h) = headers.as_object() {
        for key in h.own_property_keys(ctx)? {
            let name = match &key {
                PropertyKey::String(s) => s.to_std_string_escaped(),
                PropertyKey::Index(i) => i.get().to_string(),
                PropertyKey::Symbol(_) => continue,
            };
            let v = h.get(key, ctx)?;
            if v.is_null_or_undefined() {
                continue;
            }
            spec.headers
                .push((canonical_header(&name), to_rust_string(&v, ctx)?));
        }
    }
    let tags = p.get(JsString::from("tags"), ctx)?;
    let tags = match crate::js::util::tag_entries(&tags, ctx)? {
        Ok(t) => t,
        Err(msg) => {
            return Ok(Err(HttpError::new(
                NO_CODE,
                format!("invalid HTTP request metric tags: {msg}"),
            )));
        }
    };
    for (k, v) in tags {
        if &*k == "name" {
            spec.name = Some(v.to_string());
        } else {
            spec.tags.push((k, v));
        }
    }
    let timeout = p.get(JsString::from("timeout"), ctx)?;
    if !timeout.is_null_or_undefined() {
        match parse_timeout(&timeout, ctx)? {
            Ok(t) => spec.timeout = t,
            Err(e) => return Ok(Err(e)),
        }
    }
    let redirects = p.get(JsString::from("redirects"), ctx)?;
    if !redirects.is_null_or_undefined() {
        spec.max_redirects = redirects.to_number(ctx)?.max(0.0) as u32;
        spec.redirects_set = true;
    }
    let rt = p.get(JsString::from("responseType"), ctx)?;
    if !rt.is_null_or_undefined() {
        let s = to_rust_string(&rt, ctx)?;
        spec.response_type = match s.as_str() {
            "binary" => ResponseType::Binary,
            "none" => ResponseType::None,
            "text" => ResponseType::Text,
            other => {
                return Ok(Err(HttpError::new(
                    NO_CODE,
                    format!("{other} does not belong to ResponseType values"),
                )));
            }
        };
    }
    let cb = p.get(JsString::from("responseCallback"), ctx)?;
    if cb.is_null() {
        spec.callback = Some(None);
    } else if !cb.is_undefined() {
        match cb.as_object().and_then(|o| {
            o.downcast_ref::<ExpectedStatusesObject>()
                .map(|e| e.ranges.clone())
        }) {
            Some(r) => spec.callback = Some(Some(r)),
            None => {
                return Ok(Err(HttpError::new(NO_CODE, "unsupported responseCallback")));
            }
        }
    }
    let auth = p.get(JsString::from("auth"), ctx)?;
    if !auth.is_null_or_undefined() {
        let a = to_rust_string(&auth, ctx)?;
        spec.auth = if a == "digest" {
            Auth::Digest
        } else {
            Auth::Basic
        };
    }
    let throw = p.get(JsString::from("throw"), ctx)?;
    if !throw.is_undefined() {
        spec.throw = throw.to_boolean();
    }
    let jar = p.get(JsString::from("jar"), ctx)?;
    if let Some(o) = jar.as_object()
        && let Some(j) = o.downcast_ref::<CookieJarObject>()
    {
        spec.jar = Some(j.jar.clone());
    }
    let cookies = p.get(JsString::from("cookies"), ctx)?;
    if let Some(c) = cookies.as_object() {
        for key in c.own_property_keys(ctx)? {
            let name = match &key {
                PropertyKey::String(s) => s.to_std_string_escaped(),
                PropertyKey::Index(i) => i.get().to_string(),
                PropertyKey::Symbol(_) => continue,
            };
            let v = c.get(key, ctx)?;
            let (value, replace) = match v.as_object() {
                Some(o) => {
                    let value = o.get(JsString::from("value"), ctx)?;
                    let replace = o.get(JsString::from("replace"), ctx)?.to_boolean();
                    (to_rust_string(&value, ctx)?, replace)
                }
                None => (to_rust_string(&v, ctx)?, false),
            };
            spec.cookies.push(ParamCookie {
                name,
                value,
                replace,
            });
        }
    }
    let compression = p.get(JsString::from("compression"), ctx)?;
    if !compression.is_null_or_undefined() {
        let s = to_rust_string(&compression, ctx)?;
        if !s.is_empty() {
            match compression::parse_codings(&s) {
                Ok(c) => spec.compression = c,
                Err(msg) => return Ok(Err(HttpError::new(NO_CODE, msg))),
            }
        }
    }
    Ok(Ok(()))
}

/// Builds a request from script values. The outer `JsResult` carries exceptions thrown by
/// the script's own values (getters); the inner error is a k6 parse error.
fn parse_request(
    method: String,
    url_val: &JsValue,
    body_val: &JsValue,
    params: &JsValue,
    ctx: &mut Context,
) -> JsResult<Result<RequestSpec, HttpError>> {
    let vu = vu_state(ctx);
    let shared = vu.borrow().shared.clone();
    if vu.borrow().phase == Phase::Init {
        return Err(error(
            "Making http requests in the init context is not supported",
        ));
    }
    let (url_str, template_name) = match url_from_value(url_val, ctx)? {
        Ok(u) => u,
        Err(e) => return Ok(Err(e)),
    };
    let target = match request_url::parse(&url_str) {
        Ok(ParsedUrl::Sendable(u)) => Target::Url(u),
        Ok(ParsedUrl::Unsendable { shown, error }) => Target::Unsendable {
            raw: url_str.clone(),
            shown,
            error,
        },
        Err(e) => return Ok(Err(e)),
    };
    let opts = &shared.options;
    let mut spec = RequestSpec {
        method,
        target,
        name: template_name,
        headers: Vec::new(),
        body: None,
        compression: Vec::new(),
        tags: Vec::new(),
        timeout: Duration::from_secs(60),
        max_redirects: opts.max_redirects,
        // k6 warns about stopping only when neither the request nor the options chose the
        // limit (confirmed on k6 v1.1.0).
        redirects_set: opts.max_redirects_set,
        response_type: if opts.discard_response_bodies {
            ResponseType::None
        } else {
            ResponseType::Text
        },
        callback: None,
        auth: Auth::Basic,
        cookies: Vec::new(),
        jar: None,
        throw: opts.throw,
    };
    if let Some(p) = params.as_object()
        && let Err(e) = apply_params(&mut spec, &p, ctx)?
    {
        return Ok(Err(e));
    }
    let mut headers = std::mem::take(&mut spec.headers);
    spec.body = body_from_value(body_val, &mut headers, ctx)?;
    spec.headers = headers;
    Ok(Ok(spec))
}

// ------------------------------------------------------------------------------------------
// Execution
// ------------------------------------------------------------------------------------------

/// `res.request`: the request as the script made it (its first hop, before auth).
struct RequestInfo {
    method: String,
    url: String,
    /// Sorted by name, so scripts see a stable order (k6's is Go map order).
    headers: Vec<(String, String)>,
    body: Bytes,
    cookies: Vec<(String, String)>,
}

impl RequestInfo {
    fn native_bytes(&self) -> usize {
        let pairs = |v: &[(String, String)]| -> usize {
            v.iter()
                .map(|(k, v)| PAIR_BYTES + k.capacity() + v.capacity())
                .sum()
        };
        self.method.capacity()
            + self.url.capacity()
            + self.body.len()
            + pairs(&self.headers)
            + pairs(&self.cookies)
    }
}

/// Estimates behind `ResponseData::native_bytes`: a `HeaderMap` entry (bucket and index)
/// or a `(String, String)` beside the bytes of its name and value; the property storage a
/// Response object grows as the script reads its fields; a small value a getter makes.
const PAIR_BYTES: usize = 64;
const RESPONSE_OBJECT_BYTES: usize = 256;
const FIELD_VALUE_BYTES: usize = 64;

fn header_map_bytes(headers: &hyper::HeaderMap) -> usize {
    headers
        .iter()
        .map(|(k, v)| PAIR_BYTES + k.as_str().len() + v.len())
        .sum()
}

#[derive(Clone, Copy, PartialEq)]
enum BodyKind {
    /// What the response type says (text, binary, none).
    Normal,
    /// A parse error's response: k6 shows an empty array.
    Empty,
}

/// What the Response object is built from.
struct ResponseData {
    status: u16,
    /// A non-canonical reason phrase from the status line.
    reason: Option<String>,
    proto: &'static str,
    headers: hyper::HeaderMap,
    /// `None`: the body is null (failed request, `responseType: 'none'`).
    body: Option<Bytes>,
    body_kind: BodyKind,
    url: String,
    timings: Timings,
    error: Option<HttpError>,
    remote: Option<std::net::SocketAddr>,
    tls: Option<TlsInfo>,
    request: Option<Rc<RequestInfo>>,
    response_type: ResponseType,
}

impl ResponseData {
    /// The response of a request that could not be parsed.
    fn parse_failure(e: HttpError) -> ResponseData {
        ResponseData {
            status: 0,
            reason: None,
            proto: "",
            headers: hyper::HeaderMap::new(),
            body: None,
            body_kind: BodyKind::Empty,
            url: String::new(),
            timings: Timings::default(),
            error: (!e.message.is_empty() || e.code != 0).then_some(e),
            remote: None,
            tls: None,
            request: None,
            response_type: ResponseType::Text,
        }
    }

    /// The heap bytes this response holds outside Boa's GC heap (counted towards the VU's
    /// garbage collection budget, `gc::NATIVE_GC_BUDGET`): body, headers, URL, error,
    /// the request it describes, and what its Response object's own properties will take.
    fn native_bytes(&self) -> usize {
        self.body.as_ref().map_or(0, |b| b.len())
            + header_map_bytes(&self.headers)
            + self.url.capacity()
            + self.reason.as_ref().map_or(0, |r| r.capacity())
            + self
                .error
                .as_ref()
                .map_or(0, |e| e.message.capacity() + e.detail.capacity())
            + self.request.as_ref().map_or(0, |r| r.native_bytes())
            + RESPONSE_OBJECT_BYTES
    }

    /// The native bytes of the JS value the `field` getter makes (a copy of the body, an
    /// object of the headers, ...), counted like the response's own.
    fn field_native_bytes(&self, field: &str) -> usize {
        match field {
            "body" => self.body.as_ref().map_or(0, |b| b.len()),
            "headers" | "cookies" => header_map_bytes(&self.headers),
            "request" => self.request.as_ref().map_or(0, |r| r.native_bytes()),
            "url" => self.url.len(),
            _ => FIELD_VALUE_BYTES,
        }
    }

    fn error_code(&self) -> u32 {
        match &self.error {
            Some(e) => e.code,
            None => errors::status_error_code(self.status),
        }
    }
}

fn proto_name(v: hyper::Version) -> &'static str {
    match v {
        hyper::Version::HTTP_2 => "HTTP/2.0",
        hyper::Version::HTTP_10 => "HTTP/1.0",
        hyper::Version::HTTP_09 => "HTTP/0.9",
        _ => "HTTP/1.1",
    }
}

fn basic_auth(user: &str, pass: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

/// The cookies of one hop as k6 adds them: the request's own first, then the jar's in the
/// jar's order, minus those a request cookie with `replace` overrides (confirmed on k6
/// v1.1.0: `a=param; c=jar; a=jarA`).
fn hop_cookies(spec: &RequestSpec, jar: &Jar, url: &Url) -> Vec<(String, String)> {
    let from_jar = jar.for_url(url);
    if spec.cookies.is_empty() {
        return from_jar;
    }
    let mut out = Vec::with_capacity(spec.cookies.len() + from_jar.len());
    out.extend(
        spec.cookies
            .iter()
            .map(|c| (c.name.clone(), c.value.clone())),
    );
    out.extend(
        from_jar
            .into_iter()
            .filter(|(n, _)| !spec.cookies.iter().any(|c| c.replace && &c.name == n)),
    );
    out
}

/// The `Cookie` header of a hop. `on_the_wire`: this is the header sent (Go warns about
/// dropped bytes then, once per cookie), not its copy in `res.request`.
pub fn cookie_header(cookies: &[(String, String)], on_the_wire: bool) -> Option<String> {
    if cookies.is_empty() {
        return None;
    }
    let mut s = String::new();
    for (i, (k, v)) in cookies.iter().enumerate() {
        if i > 0 {
            s.push_str("; ");
        }
        s.push_str(&go_cookie_name(k));
        s.push('=');
        push_go_cookie_value(&mut s, v, on_the_wire);
    }
    Some(s)
}

/// Go's `sanitizeCookieName` (k6 adds every cookie with `Request.AddCookie`).
fn go_cookie_name(name: &str) -> std::borrow::Cow<'_, str> {
    if name.contains(['\n', '\r']) {
        std::borrow::Cow::Owned(name.replace(['\n', '\r'], "-"))
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

/// Go's `sanitizeCookieValue`: bytes a cookie value cannot hold are dropped, and a value with
/// a space or a comma goes in double quotes (`a="hello world"`, confirmed on k6 v1.1.0).
fn push_go_cookie_value(out: &mut String, value: &str, warn: bool) {
    let valid = |b: u8| (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b';' | b'\\');
    let push = |out: &mut String, v: &str| {
        if v.contains([' ', ',']) {
            out.push('"');
            out.push_str(v);
            out.push('"');
        } else {
            out.push_str(v);
        }
    };
    if let Some(bad) = value.bytes().find(|b| !valid(*b)) {
        // Go's `sanitizeOrWarn` tells the standard logger about the first bad byte, which k6
        // prints as an info line.
        if warn {
            console::log(
                Level::Info,
                &format!(
                    "{} net/http: invalid byte {} in Cookie.Value; dropping invalid bytes",
                    chrono::Local::now().format("%Y/%m/%d %H:%M:%S"),
                    go_quoted_byte(bad)
                ),
                &[],
            );
        }
        let clean: String = value
            .chars()
            .filter(|c| c.is_ascii() && valid(*c as u8))
            .collect();
        push(out, &clean);
    } else {
        push(out, value);
    }
}

/// Go's `%q` of a byte: a quoted character literal (`'"'`, `'\\'`, `'\n'`, `'Ã'`).
fn go_quoted_byte(b: u8) -> String {
    match b {
        b'\\' => r"'\\'".to_owned(),
        b'\'' => r"'\''".to_owned(),
        b'\n' => r"'\n'".to_owned(),
        b'\r' => r"'\r'".to_owned(),
        b'\t' => r"'\t'".to_owned(),
        0x20..=0x7e | 0xa1..=0xff if b != 0xad => format!("'{}'", char::from(b)),
        _ => format!(r"'\x{b:02x}'"),
    }
}

/// One hop's outcome, as its samples need it.
struct HopReport<'a> {
    method: &'a str,
    /// The URL as tagged (credentials masked), when no name was given.
    url: &'a str,
    status: u16,
    proto: Option<&'static str>,
    error: Option<&'a HttpError>,
    timings: &'a Timings,
    tls: Option<TlsInfo>,
    remote: Option<std::net::SocketAddr>,
    expected: Option<bool>,
    sent: u64,
    received: u64,
}

impl<'a> HopReport<'a> {
    /// A hop that failed before anything was sent (no connection, no bytes).
    fn failed(
        method: &'a str,
        url: &'a str,
        error: &'a HttpError,
        timings: &'a Timings,
        expected: Option<bool>,
    ) -> Self {
        HopReport {
            method,
            url,
            status: 0,
            proto: None,
            error: Some(error),
            timings,
            tls: None,
            remote: None,
            expected,
            sent: 0,
            received: 0,
        }
    }
}

/// Emits the samples of one request hop and accounts its bytes to the iteration.
fn emit_request_samples(ctx: &mut Context, spec: &RequestSpec, hop: &HopReport<'_>) {
    let http = http_state(ctx);
    let vu = vu_state(ctx);
    let mut st = vu.borrow_mut();
    st.data_sent += hop.sent;
    st.data_received += hop.received;
    let shared = st.shared.clone();
    let sys = &shared.system_tags;
    let mut h = http.borrow_mut();
    let t = &mut h.tags;
    let mut extra: Vec<(Arc<str>, Arc<str>)> = Vec::with_capacity(10 + spec.tags.len());
    let shown: Arc<str> = Arc::from(spec.name.as_deref().unwrap_or(hop.url));
    if sys.has("method") {
        extra.push((t.method.clone(), t.value(hop.method)));
    }
    if sys.has("url") {
        extra.push((t.url.clone(), shown.clone()));
    }
    if sys.has("name") {
        extra.push((t.name.clone(), shown));
    }
    if sys.has("status") {
        extra.push((t.status.clone(), t.status(hop.status)));
    }
    if let (Some(p), true) = (hop.proto, sys.has("proto")) {
        extra.push((t.proto.clone(), t.value(p)));
    }
    if let (Some(e), true) = (hop.expected, sys.has("expected_response")) {
        let v = if e { t.yes.clone() } else { t.no.clone() };
        extra.push((t.expected_response.clone(), v));
    }
    let code = match hop.error {
        Some(e) => e.code,
        None => errors::status_error_code(hop.status),
    };
    if code != 0 && sys.has("error_code") {
        extra.push((t.error_code.clone(), Arc::from(code.to_string().as_str())));
    }
    if let (Some(e), true) = (hop.error, sys.has("error"))
        && !e.message.is_empty()
    {
        extra.push((t.error.clone(), Arc::from(e.message.as_str())));
    }
    if let (Some(tls), true) = (hop.tls, sys.has("tls_version"))
        && !tls.version.is_empty()
    {
        extra.push((t.tls_version.clone(), t.value(tls.version)));
    }
    if let (Some(r), true) = (hop.remote, sys.has("ip")) {
        extra.push((t.ip.clone(), Arc::from(r.ip().to_string().as_str())));
    }
    drop(h);
    extra.extend(spec.tags.iter().cloned());
    let tags = st.tags_with(extra);
    let now = now_ns();
    let b = &shared.builtin;
    let timings = hop.timings;
    st.push_sample(&b.http_reqs, 1.0, tags.clone(), now);
    st.push_sample(&b.http_req_duration, timings.duration(), tags.clone(), now);
    st.push_sample(&b.http_req_blocked, timings.blocked, tags.clone(), now);
    st.push_sample(
        &b.http_req_connecting,
        timings.connecting,
        tags.clone(),
        now,
    );
    st.push_sample(
        &b.http_req_tls_handshaking,
        timings.tls_handshaking,
        tags.clone(),
        now,
    );
    st.push_sample(&b.http_req_sending, timings.sending, tags.clone(), now);
    st.push_sample(&b.http_req_waiting, timings.waiting, tags.clone(), now);
    st.push_sample(&b.http_req_receiving, timings.receiving, tags.clone(), now);
    if let Some(e) = hop.expected {
        st.push_sample(&b.http_req_failed, if e { 0.0 } else { 1.0 }, tags, now);
    }
}

/// Logs a `--http-debug` message with k6's fields.
fn http_debug_log(ctx: &mut Context, message: &str, request_id: &str) {
    let vu = vu_state(ctx);
    let st = vu.borrow();
    let iter = st.iteration_in_scenario.to_string();
    let id = st.id.to_string();
    let scenario = st
        .scenario
        .as_ref()
        .map(|s| s.name.to_string())
        .unwrap_or_default();
    console::log(
        Level::Info,
        message,
        &[
            ("group", &st.group_path),
            ("iter", &iter),
            ("request_id", request_id),
            ("scenario", &scenario),
            ("source", "http-debug"),
            ("vu", &id),
        ],
    );
}

/// What a failed hop leaves behind.
struct Failure {
    error: HttpError,
    timings: Timings,
    /// What arrived of the body before the failure.
    partial: Bytes,
}

/// A failed request: warning (or a GoError with `throw`) and the status-0 response.
fn failed_response(
    ctx: &RefCell<&mut Context>,
    spec: &RequestSpec,
    method: &str,
    shown_url: &str,
    failure: Failure,
    request: Rc<RequestInfo>,
) -> JsResult<ResponseData> {
    let Failure {
        error: e,
        timings,
        partial,
    } = failure;
    let text = e.warning(method, &crate::http::url::password_redacted(shown_url));
    if spec.throw {
        return Err(go_error(text, &mut ctx.borrow_mut()));
    }
    console::log(Level::Warn, "Request Failed", &[("error", &text)]);
    Ok(ResponseData {
        status: 0,
        reason: None,
        proto: "",
        headers: hyper::HeaderMap::new(),
        body: (!partial.is_empty()).then_some(partial),
        body_kind: BodyKind::Normal,
        url: shown_url.to_string(),
        timings,
        error: Some(e),
        remote: None,
        tls: None,
        request: Some(request),
        response_type: spec.response_type,
    })
}

/// Headers of one hop, in the order they are sent: the script's (minus those a redirect
/// drops), then User-Agent, Authorization, Cookie and Referer unless the script set them.
struct HopHeaders<'a> {
    user: &'a [(String, String)],
    drop_body_headers: bool,
    user_agent: &'a str,
    authorization: Option<String>,
    cookie: Option<String>,
    referer: Option<String>,
}

fn build_hyper_request(
    method: &str,
    url: &Url,
    body: &Bytes,
    h: HopHeaders<'_>,
) -> Result<hyper::Request<Full<Bytes>>, HttpError> {
    let m = hyper::Method::from_bytes(method.as_bytes()).map_err(|_| {
        HttpError::new(
            errors::GENERIC,
            format!(
                "net/http: invalid method {}",
                crate::go_strconv::go_quote(method)
            ),
        )
    })?;
    let mut b = hyper::Request::builder().method(m).uri(path_and_query(url));
    let (mut has_ua, mut has_host, mut has_auth, mut has_cookie) = (false, false, false, false);
    let mut has_length = false;
    for (k, v) in h.user {
        // Go copies every header of the first request to the redirected one, Content-Type
        // included, even when a 301-303 turns it into a body-less GET (confirmed on k6
        // v1.1.0); only the length follows the new, empty body.
        if h.drop_body_headers && k.eq_ignore_ascii_case("content-length") {
            continue;
        }
        has_length |= k.eq_ignore_ascii_case("content-length");
        has_ua |= k.eq_ignore_ascii_case("user-agent");
        has_host |= k.eq_ignore_ascii_case("host");
        has_auth |= k.eq_ignore_ascii_case("authorization");
        has_cookie |= k.eq_ignore_ascii_case("cookie");
        b = b.header(k.as_str(), v.as_str());
    }
    if !has_host {
        b = b.header(hyper::header::HOST, host_header(url));
    }
    if !has_ua && !h.user_agent.is_empty() {
        b = b.header(hyper::header::USER_AGENT, h.user_agent);
    }
    if !has_auth && let Some(a) = h.authorization {
        b = b.header(hyper::header::AUTHORIZATION, a);
    }
    if !has_cookie && let Some(c) = h.cookie {
        b = b.header(hyper::header::COOKIE, c);
    }
    if let Some(r) = h.referer {
        b = b.header(hyper::header::REFERER, r);
    }
    // Go sends `Content-Length: 0` for these methods (case-sensitive) even without a body;
    // hyper would send nothing, and data_sent would differ from k6's.
    if body.is_empty() && !has_length && matches!(method, "POST" | "PUT" | "PATCH") {
        b = b.header(hyper::header::CONTENT_LENGTH, "0");
    }
    b.body(Full::new(body.clone()))
        .map_err(|e| HttpError::new(errors::GENERIC, format!("net/http: invalid header: {e}")))
}

/// Runs a request with its redirects (and digest challenge), emitting samples per hop.
/// Works both for the blocking API (driven by `block_on`) and for `asyncRequest`/`batch`.
async fn perform(ctx: &RefCell<&mut Context>, spec: RequestSpec) -> JsResult<ResponseData> {
    let (http, shared, signal) = {
        let c = &mut *ctx.borrow_mut();
        let vu = vu_state(c);
        let (shared, signal) = {
            let st = vu.borrow();
            (st.shared.clone(), st.signal.clone())
        };
        (http_state(c), shared, signal)
    };
    // k6 waits for the `rps` limiter once per request call (redirects are not limited),
    // before anything is timed.
    let slot = http.borrow().transport.reserve_rate_slot(&signal);
    if let Some(slot) = slot
        && !slot.await.unwrap_or(false)
    {
        return Err(interrupted_error());
    }
    let opts = &shared.options;
    let user_agent = opts.user_agent.as_str();
    let debug_full = opts.http_debug.as_deref().map(|mode| mode == "full");
    let jar = match &spec.jar {
        Some(j) => j.clone(),
        None => http.borrow().jar.clone(),
    };
    let callback = match &spec.callback {
        Some(c) => c.clone(),
        None => http.borrow().callback.clone(),
    };
    let mut user_headers = spec.headers.clone();
    let mut body = spec.body.clone().unwrap_or_default();
    let raw_body = body.clone();
    if !spec.compression.is_empty() && !body.is_empty() {
        match compression::compress(&body, &spec.compression) {
            Ok(z) => body = Bytes::from(z),
            Err(e) => {
                let err = HttpError::new(errors::GENERIC, format!("compression failed: {e}"));
                if spec.throw {
                    return Err(go_error(err.message, &mut ctx.borrow_mut()));
                }
                console::log(Level::Warn, "Request Failed", &[("error", &err.message)]);
                return Ok(ResponseData::parse_failure(err));
            }
        }
        user_headers.push((
            "Content-Encoding".into(),
            compression::header_value(&spec.compression),
        ));
    }
    let shown_start = match &spec.target {
        Target::Url(u) => u.shown.clone(),
        Target::Unsendable { shown, .. } => shown.clone(),
    };
    // res.request describes the first hop as the script made it.
    let first_cookies = match &spec.target {
        Target::Url(u) => hop_cookies(&spec, &jar.borrow(), &u.url),
        Target::Unsendable { .. } => Vec::new(),
    };
    let request_info = {
        let mut headers: Vec<(String, String)> = user_headers.clone();
        // k6 sets the header even when userAgent is '' (Go then leaves it off the wire).
        if !headers.iter().any(|(k, _)| k == "User-Agent") {
            headers.push(("User-Agent".into(), user_agent.to_string()));
        }
        if let Some(c) = cookie_header(&first_cookies, false)
            && !headers.iter().any(|(k, _)| k == "Cookie")
        {
            headers.push(("Cookie".into(), c));
        }
        headers.sort_by(|a, b| a.0.cmp(&b.0));
        Rc::new(RequestInfo {
            method: spec.method.clone(),
            url: shown_start.clone(),
            headers,
            body: raw_body,
            cookies: first_cookies,
        })
    };
    let mut current = match &spec.target {
        Target::Url(u) => u.clone(),
        Target::Unsendable { raw, shown, error } => {
            let expected = callback.as_ref().map(|cb| cb.matches(0));
            let timings = Timings::default();
            emit_request_samples(
                &mut ctx.borrow_mut(),
                &spec,
                &HopReport::failed(&spec.method, shown, error, &timings, expected),
            );
            let mut data = failed_response(
                ctx,
                &spec,
                &spec.method,
                shown,
                Failure {
                    error: error.clone(),
                    timings,
                    partial: Bytes::new(),
                },
                request_info,
            )?;
            data.url = raw.clone();
            return Ok(data);
        }
    };
    let digest = spec.auth == Auth::Digest;
    let (user, pass) = (
        percent_decode(current.url.username()),
        current.url.password().map(percent_decode),
    );
    let has_credentials = !user.is_empty() || pass.is_some();
    if digest && has_credentials {
        // k6 sends digest requests without the credentials in the URL.
        current = request_url::without_credentials(&current);
    }
    let mut method = spec.method.clone();
    let mut redirects = 0u32;
    let mut digest_header: Option<String> = None;
    let mut referer: Option<String> = None;
    let mut body_dropped = false;
    loop {
        let url = &current.url;
        let tagged_url = request_url::masked(&current.shown, url);
        let cookies = hop_cookies(&spec, &jar.borrow(), url);
        let authorization = if digest {
            digest_header.clone()
        } else if has_credentials {
            Some(basic_auth(&user, pass.as_deref().unwrap_or("")))
        } else {
            None
        };
        let built = build_hyper_request(
            &method,
            url,
            &body,
            HopHeaders {
                user: &user_headers,
                drop_body_headers: body_dropped,
                user_agent,
                authorization,
                cookie: cookie_header(&cookies, true),
                referer: referer.clone(),
            },
        );
        let request = match built {
            Ok(r) => r,
            Err(e) => {
                let expected = callback.as_ref().map(|cb| cb.matches(0));
                let timings = Timings::default();
                emit_request_samples(
                    &mut ctx.borrow_mut(),
                    &spec,
                    &HopReport::failed(&method, &tagged_url, &e, &timings, expected),
                );
                return failed_response(
                    ctx,
                    &spec,
                    &method,
                    &current.shown,
                    Failure {
                        error: e,
                        timings,
                        partial: Bytes::new(),
                    },
                    request_info,
                );
            }
        };
        let request_id = if let Some(full) = debug_full {
            let id = uuid::Uuid::new_v4().to_string();
            let msg = debug::request_message(
                &method,
                &path_and_query(url),
                &host_header(url),
                request.headers(),
                &body,
                full,
            );
            http_debug_log(&mut ctx.borrow_mut(), &msg, &id);
            id
        } else {
            String::new()
        };
        let key = PoolKey {
            https: url.scheme() == "https",
            host: url.host_str().unwrap_or_default().to_string(),
            port: url.port_or_known_default().unwrap_or(80),
        };
        let rx = http.borrow_mut().transport.start(
            PreparedRequest {
                key,
                request,
                timeout: spec.timeout,
                // `--http-debug=full` prints the body, so it is kept then.
                discard_body: spec.response_type == ResponseType::None && debug_full != Some(true),
            },
            signal.clone(),
        );
        let done = rx
            .await
            .map_err(|_| error("the request task was dropped"))?;
        let result = http.borrow_mut().transport.finish(done);
        let raw: RawResponse = match result {
            Ok(r) => r,
            Err(f) => {
                if f.interrupted {
                    return Err(interrupted_error());
                }
                let expected = callback.as_ref().map(|cb| cb.matches(0));
                emit_request_samples(
                    &mut ctx.borrow_mut(),
                    &spec,
                    &HopReport {
                        method: &method,
                        url: &tagged_url,
                        status: 0,
                        proto: None,
                        error: Some(&f.error),
                        timings: &f.timings,
                        tls: None,
                        remote: None,
                        expected,
                        sent: f.bytes_sent,
                        received: f.bytes_received,
                    },
                );
                return failed_response(
                    ctx,
                    &spec,
                    &method,
                    &current.shown,
                    Failure {
                        error: f.error,
                        timings: f.timings,
                        partial: f.partial_body,
                    },
                    request_info,
                );
            }
        };
        jar.borrow_mut().store_response(&raw.headers, url);
        if let Some(full) = debug_full {
            let msg =
                debug::response_message(raw.version, raw.status, &raw.headers, &raw.body, full);
            http_debug_log(&mut ctx.borrow_mut(), &msg, &request_id);
        }
        let proto = proto_name(raw.version);
        // Bodies nobody reads are not decoded (see the README: no 1701 with responseType none).
        let decoded = if spec.response_type == ResponseType::None {
            Ok(raw.body.clone())
        } else {
            compression::decompress(&raw.headers, raw.body.clone())
        };
        let body_bytes = match decoded {
            Ok(b) => b,
            Err(e) => {
                let expected = callback.as_ref().map(|cb| cb.matches(0));
                emit_request_samples(
                    &mut ctx.borrow_mut(),
                    &spec,
                    &HopReport {
                        method: &method,
                        url: &tagged_url,
                        status: 0,
                        proto: None,
                        error: Some(&e),
                        timings: &raw.timings,
                        tls: raw.tls,
                        remote: Some(raw.remote),
                        expected,
                        sent: raw.bytes_sent,
                        received: raw.bytes_received,
                    },
                );
                return failed_response(
                    ctx,
                    &spec,
                    &method,
                    &current.shown,
                    Failure {
                        error: e,
                        timings: raw.timings,
                        partial: Bytes::new(),
                    },
                    request_info,
                );
            }
        };
        let challenge = digest && raw.status == 401 && digest_header.is_none();
        // k6 counts a digest challenge as expected: it is part of the handshake.
        let expected = callback
            .as_ref()
            .map(|cb| challenge || cb.matches(raw.status));
        emit_request_samples(
            &mut ctx.borrow_mut(),
            &spec,
            &HopReport {
                method: &method,
                url: &tagged_url,
                status: raw.status,
                proto: Some(proto),
                error: None,
                timings: &raw.timings,
                tls: raw.tls,
                remote: Some(raw.remote),
                expected,
                sent: raw.bytes_sent,
                received: raw.bytes_received,
            },
        );
        if challenge {
            let www = raw
                .headers
                .get(hyper::header::WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if let Some(h) = digest::authorization(
                www,
                &user,
                pass.as_deref().unwrap_or(""),
                &method,
                &path_and_query(url),
            ) {
                digest_header = Some(h);
                continue;
            }
        }
        let location = raw
            .headers
            .get(hyper::header::LOCATION)
            .and_then(|v| v.to_str().ok());
        if is_redirect(raw.status)
            && let Some(loc) = location
        {
            if redirects < spec.max_redirects {
                if let Ok(next) = url.join(loc)
                    && next.scheme() != "http"
                    && next.scheme() != "https"
                {
                    // Go follows it and fails on the scheme: one more sample, status 0
                    // (confirmed on k6 v1.1.0 with a redirect to ftp://).
                    let shown = request_url::go_string(next.as_str(), &next);
                    let e = HttpError::new(
                        errors::GENERIC,
                        format!(
                            "unsupported protocol scheme {}",
                            crate::go_strconv::go_quote(next.scheme())
                        ),
                    );
                    let expected = callback.as_ref().map(|cb| cb.matches(0));
                    let timings = Timings::default();
                    emit_request_samples(
                        &mut ctx.borrow_mut(),
                        &spec,
                        &HopReport::failed(&method, &shown, &e, &timings, expected),
                    );
                    return failed_response(
                        ctx,
                        &spec,
                        &method,
                        &shown,
                        Failure {
                            error: e,
                            timings,
                            partial: Bytes::new(),
                        },
                        request_info,
                    );
                }
                if let Ok(next) = url.join(loc) {
                    redirects += 1;
                    // Go sends a Referer unless going from https to http.
                    referer = (!(url.scheme() == "https" && next.scheme() == "http"))
                        .then(|| request_url::without_credentials(&current).shown);
                    if next.host_str() != url.host_str() {
                        // Go drops credentials headers when the host changes.
                        user_headers.retain(|(k, _)| {
                            !k.eq_ignore_ascii_case("authorization")
                                && !k.eq_ignore_ascii_case("cookie")
                        });
                    }
                    if matches!(raw.status, 301..=303) && method != "GET" && method != "HEAD" {
                        method = "GET".into();
                        body = Bytes::new();
                        body_dropped = true;
                    }
                    let shown = request_url::go_string(next.as_str(), &next);
                    current = RequestUrl { url: next, shown };
                    continue;
                }
            } else if !spec.redirects_set {
                console::log(
                    Level::Warn,
                    &format!(
                        "Stopped after {} redirects and returned the redirection; pass {{ redirects: n }} in request params or set global maxRedirects to silence this",
                        redirects + 1
                    ),
                    &[("url", &shown_start)],
                );
            }
        }
        return Ok(ResponseData {
            status: raw.status,
            reason: raw.reason,
            proto,
            headers: raw.headers,
            // Go gives 204 and 304 responses no body at all: k6's `res.body` is null then
            // (a HEAD response or an empty 200 has an empty body instead).
            body: (spec.response_type != ResponseType::None && !matches!(raw.status, 204 | 304))
                .then_some(body_bytes),
            body_kind: BodyKind::Normal,
            url: current.shown.clone(),
            timings: raw.timings,
            error: None,
            remote: Some(raw.remote),
            tls: raw.tls,
            request: Some(request_info),
            response_type: spec.response_type,
        });
    }
}

/// The response of a request k6 refused to make: warning, or exception with `--throw`.
fn parse_error_response(ctx: &mut Context, e: HttpError, warning: &str) -> JsResult<JsValue> {
    let throw = vu_state(ctx).borrow().shared.options.throw;
    if throw {
        return Err(go_error(e.message, ctx));
    }
    console::log(Level::Warn, warning, &[("error", &e.message)]);
    make_response(ctx, ResponseData::parse_failure(e))
}

pub(super) fn request_sync(
    method: String,
    url: &JsValue,
    body: &JsValue,
    params: &JsValue,
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let spec = match parse_request(method, url, body, params, ctx)? {
        Ok(s) => s,
        Err(e) => return parse_error_response(ctx, e, "Request Failed"),
    };
    let data = {
        let cell = RefCell::new(&mut *ctx);
        futures_lite::future::block_on(perform(&cell, spec))?
    };
    make_response(ctx, data)
}

// ------------------------------------------------------------------------------------------
// Response objects
// ------------------------------------------------------------------------------------------

#[derive(Trace, Finalize, JsData)]
struct ResponseObject {
    #[unsafe_ignore_trace]
    data: ResponseData,
}

type Getter = fn(&ResponseData, &mut Context) -> JsResult<JsValue>;

fn header_object(headers: &hyper::HeaderMap, ctx: &mut Context) -> JsObject {
    let mut o = ObjectInitializer::new(ctx);
    // One property per name, its values joined as Go's `Header` does. Linear: a response may
    // carry tens of thousands of header lines (Go reads up to 10 MiB of them).
    let mut joined = String::new();
    for name in headers.keys() {
        joined.clear();
        for (i, v) in headers.get_all(name).iter().enumerate() {
            if i > 0 {
                joined.push_str(", ");
            }
            joined.push_str(&String::from_utf8_lossy(v.as_bytes()));
        }
        o.property(
            JsString::from(canonical_header(name.as_str())),
            JsString::from(joined.as_str()),
            ALL,
        );
    }
    o.build()
}

fn body_value(d: &ResponseData, ctx: &mut Context) -> JsResult<JsValue> {
    if d.body_kind == BodyKind::Empty {
        return Ok(JsArray::new(ctx)?.into());
    }
    let Some(body) = &d.body else {
        return Ok(JsValue::null());
    };
    match d.response_type {
        ResponseType::None => Ok(JsValue::null()),
        ResponseType::Binary => array_buffer(body, ctx),
        ResponseType::Text => Ok(JsString::from(String::from_utf8_lossy(body).as_ref()).into()),
    }
}

fn timings_value(d: &ResponseData, ctx: &mut Context) -> JsResult<JsValue> {
    let t = &d.timings;
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("duration"), t.duration(), ALL)
        .property(JsString::from("blocked"), t.blocked, ALL)
        .property(JsString::from("looking_up"), 0, ALL)
        .property(JsString::from("connecting"), t.connecting, ALL)
        .property(JsString::from("tls_handshaking"), t.tls_handshaking, ALL)
        .property(JsString::from("sending"), t.sending, ALL)
        .property(JsString::from("waiting"), t.waiting, ALL)
        .property(JsString::from("receiving"), t.receiving, ALL)
        .build()
        .into())
}

fn cookies_value(d: &ResponseData, ctx: &mut Context) -> JsResult<JsValue> {
    let mut by_name: Vec<(String, Vec<cookie::Cookie<'static>>)> = Vec::new();
    for v in d.headers.get_all(hyper::header::SET_COOKIE) {
        let Ok(s) = v.to_str() else { continue };
        let Ok(c) = cookie::Cookie::parse(s.to_string()) else {
            continue;
        };
        match by_name.iter_mut().find(|(n, _)| n == c.name()) {
            Some((_, list)) => list.push(c),
            None => by_name.push((c.name().to_string(), vec![c])),
        }
    }
    let out = ObjectInitializer::new(ctx).build();
    for (name, list) in by_name {
        let mut items = Vec::with_capacity(list.len());
        for c in list {
            let expires = c
                .expires_datetime()
                .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as f64)
                .unwrap_or(GO_ZERO_TIME_MS);
            // Go: no Max-Age is 0, Max-Age<=0 is -1.
            let max_age = match c.max_age() {
                Some(d) if d.whole_seconds() > 0 => d.whole_seconds() as f64,
                Some(_) => -1.0,
                None => 0.0,
            };
            let o = ObjectInitializer::new(ctx)
                .property(JsString::from("name"), JsString::from(c.name()), ALL)
                .property(JsString::from("value"), JsString::from(c.value()), ALL)
                .property(
                    JsString::from("domain"),
                    JsString::from(c.domain().unwrap_or("")),
                    ALL,
                )
                .property(
                    JsString::from("path"),
                    JsString::from(c.path().unwrap_or("")),
                    ALL,
                )
                .property(
                    JsString::from("http_only"),
                    c.http_only().unwrap_or(false),
                    ALL,
                )
                .property(JsString::from("secure"), c.secure().unwrap_or(false), ALL)
                .property(JsString::from("max_age"), max_age, ALL)
                .property(JsString::from("expires"), expires, ALL)
                .build();
            items.push(JsValue::from(o));
        }
        let arr = JsArray::from_iter(items, ctx);
        out.set(JsString::from(name), arr, false, ctx)?;
    }
    Ok(out.into())
}

fn request_value(d: &ResponseData, ctx: &mut Context) -> JsResult<JsValue> {
    let Some(r) = &d.request else {
        return Ok(JsValue::null());
    };
    let headers = ObjectInitializer::new(ctx).build();
    let mut i = 0;
    while i < r.headers.len() {
        let name = &r.headers[i].0;
        let mut values = Vec::new();
        while i < r.headers.len() && &r.headers[i].0 == name {
            values.push(JsValue::from(JsString::from(r.headers[i].1.as_str())));
            i += 1;
        }
        let arr = JsArray::from_iter(values, ctx);
        headers.set(JsString::from(name.as_str()), arr, false, ctx)?;
    }
    let cookies = ObjectInitializer::new(ctx).build();
    let mut names: Vec<&str> = Vec::new();
    for (k, _) in &r.cookies {
        if !names.contains(&k.as_str()) {
            names.push(k);
        }
    }
    for name in names {
        let mut items = Vec::new();
        for (_, v) in r.cookies.iter().filter(|(k, _)| k == name) {
            let c = ObjectInitializer::new(ctx)
                .property(JsString::from("name"), JsString::from(name), ALL)
                .property(JsString::from("value"), JsString::from(v.as_str()), ALL)
                .property(JsString::from("replace"), false, ALL)
                .build();
            items.push(JsValue::from(c));
        }
        let arr = JsArray::from_iter(items, ctx);
        cookies.set(JsString::from(name), arr, false, ctx)?;
    }
    Ok(ObjectInitializer::new(ctx)
        .property(
            JsString::from("method"),
            JsString::from(r.method.as_str()),
            ALL,
        )
        .property(JsString::from("url"), JsString::from(r.url.as_str()), ALL)
        .property(JsString::from("headers"), headers, ALL)
        .property(
            JsString::from("body"),
            JsString::from(String::from_utf8_lossy(&r.body).as_ref()),
            ALL,
        )
        .property(JsString::from("cookies"), cookies, ALL)
        .build()
        .into())
}

fn status_text(status: u16, sent: Option<&str>) -> String {
    if status == 0 {
        return String::new();
    }
    let reason = sent.unwrap_or_else(|| {
        hyper::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("")
    });
    format!("{status} {reason}")
}

fn ocsp_value(d: &ResponseData, ctx: &mut Context) -> JsResult<JsValue> {
    let status = if d.tls.is_some() { "unknown" } else { "" };
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("produced_at"), 0, ALL)
        .property(JsString::from("this_update"), 0, ALL)
        .property(JsString::from("next_update"), 0, ALL)
        .property(JsString::from("revoked_at"), 0, ALL)
        .property(JsString::from("revocation_reason"), JsString::from(""), ALL)
        .property(JsString::from("status"), JsString::from(status), ALL)
        .build()
        .into())
}

/// The fields of a Response, in the order k6 serialises them (`JSON.stringify(res)`).
const RESPONSE_FIELDS: &[(&str, Getter)] = &[
    ("remote_ip", |d, _| {
        Ok(JsString::from(d.remote.map(|a| a.ip().to_string()).unwrap_or_default()).into())
    }),
    ("remote_port", |d, _| {
        Ok(JsValue::from(d.remote.map(|a| a.port()).unwrap_or(0)))
    }),
    ("url", |d, _| Ok(JsString::from(d.url.as_str()).into())),
    ("status", |d, _| Ok(JsValue::from(d.status))),
    ("status_text", |d, _| {
        Ok(JsString::from(status_text(d.status, d.reason.as_deref())).into())
    }),
    ("proto", |d, _| Ok(JsString::from(d.proto).into())),
    (
        "headers",
        |d, ctx| Ok(header_object(&d.headers, ctx).into()),
    ),
    ("cookies", cookies_value),
    ("body", body_value),
    ("timings", timings_value),
    ("tls_version", |d, _| {
        Ok(JsString::from(d.tls.map(|t| t.version).unwrap_or("")).into())
    }),
    ("tls_cipher_suite", |d, _| {
        Ok(JsString::from(d.tls.map(|t| t.cipher_suite).unwrap_or("")).into())
    }),
    ("ocsp", ocsp_value),
    ("error", |d, _| {
        Ok(JsString::from(d.error.as_ref().map(|e| e.message.as_str()).unwrap_or("")).into())
    }),
    ("error_code", |d, _| Ok(JsValue::from(d.error_code()))),
    ("request", request_value),
];

fn response_getter(index: usize) -> NativeFunction {
    let f = move |this: &JsValue, _: &[JsValue], ctx: &mut Context| -> JsResult<JsValue> {
        let Some(obj) = this.as_object() else {
            return Ok(JsValue::undefined());
        };
        let (name, getter) = RESPONSE_FIELDS[index];
        let value = {
            let Some(r) = obj.downcast_ref::<ResponseObject>() else {
                return Ok(JsValue::undefined());
            };
            // Safety of the borrow: getters only read the response data and create new
            // objects; they never touch `obj` itself.
            let data: *const ResponseData = &r.data;
            drop(r);
            let data = unsafe { &*data };
            let value = getter(data, ctx)?;
            note_native_bytes(ctx, data.field_native_bytes(name));
            value
        };
        // Cache as an own, writable property so later reads (and assignments) are plain.
        obj.define_property_or_throw(
            JsString::from(name),
            PropertyDescriptor::builder()
                .value(value.clone())
                .writable(true)
                .enumerable(true)
                .configurable(true),
            ctx,
        )?;
        Ok(value)
    };
    // Captures only a usize.
    unsafe { NativeFunction::from_closure(f) }
}

fn response_json(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let body = {
        let obj = this
            .as_object()
            .ok_or_else(|| type_error("json() must be called on a response"))?;
        let r = obj
            .downcast_ref::<ResponseObject>()
            .ok_or_else(|| type_error("json() must be called on a response"))?;
        match (&r.data.body, r.data.response_type) {
            (Some(b), ResponseType::Text | ResponseType::Binary) => b.clone(),
            _ => {
                return Err(go_error(
                    "the body is null so we can't transform it to JSON - this likely was because of a request error getting the response",
                    ctx,
                ));
            }
        }
    };
    // Any argument, even `undefined` or '', makes it a gjson query, and k6 answers a query
    // on an invalid body or a path that matches nothing with undefined (confirmed on k6
    // v1.1.0), never with an exception.
    if let Some(sel) = args.first() {
        let sel = to_rust_string(sel, ctx)?;
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) else {
            return Ok(JsValue::undefined());
        };
        return match gjson::get(&value, &sel) {
            Some(v) if !sel.is_empty() => JsValue::from_json(&v, ctx),
            _ => Ok(JsValue::undefined()),
        };
    }
    // Straight into script values, at any nesting depth (a serde_json::Value would stop at
    // 128 levels, and recurse on the VU thread's stack to build and drop it).
    JsValue::from_json_slice(&body, ctx).map_err(|e| go_error(go_json_error(&body, &e), ctx))
}

/// Go's `quoteChar`: the byte taken as a Latin-1 rune, quoted like `strconv.Quote`.
fn go_quote_char(c: u8) -> String {
    match c {
        b'\'' => r"'\''".into(),
        b'"' => "'\"'".into(),
        b'\\' => r"'\\'".into(),
        0x07 => r"'\a'".into(),
        0x08 => r"'\b'".into(),
        0x0c => r"'\f'".into(),
        b'\n' => r"'\n'".into(),
        b'\r' => r"'\r'".into(),
        b'\t' => r"'\t'".into(),
        0x0b => r"'\v'".into(),
        0..=0x1f | 0x7f => format!(r"'\x{c:02x}'"),
        0x80..=0xa0 | 0xad => format!(r"'\u{c:04x}'"),
        _ => format!("'{}'", c as char),
    }
}

/// Go's scanner wording for what serde_json reports at byte `idx` (`c` is the byte there).
fn go_json_reason(body: &[u8], idx: usize, c: u8, serde_msg: &str) -> String {
    let q = go_quote_char(c);
    let context = if serde_msg.starts_with("expected value") {
        "looking for beginning of value".to_string()
    } else if serde_msg.starts_with("key must be a string") {
        "looking for beginning of object key string".to_string()
    } else if serde_msg.starts_with("trailing comma") {
        if c == b'}' {
            "looking for beginning of object key string".to_string()
        } else {
            "looking for beginning of value".to_string()
        }
    } else if serde_msg.starts_with("trailing characters") {
        "after top-level value".to_string()
    } else if serde_msg.starts_with("expected `:`") {
        "after object key".to_string()
    } else if serde_msg.starts_with("expected `,` or `}`") {
        "after object key:value pair".to_string()
    } else if serde_msg.starts_with("expected `,` or `]`") {
        "after array element".to_string()
    } else if serde_msg.starts_with("control character") {
        "in string literal".to_string()
    } else if serde_msg.starts_with("invalid escape") {
        "in string escape code".to_string()
    } else if serde_msg.starts_with("invalid number") {
        "in numeric literal".to_string()
    } else if serde_msg.starts_with("expected ident") {
        match literal_expectation(body, idx) {
            Some(s) => s,
            None => return serde_msg.to_string(),
        }
    } else {
        return serde_msg.to_string();
    };
    format!("invalid character {q} {context}")
}

/// `in literal true (expecting 'u')` for a broken `true`/`false`/`null` ending before `idx`.
fn literal_expectation(body: &[u8], idx: usize) -> Option<String> {
    let start = body[..idx.min(body.len())]
        .iter()
        .rposition(|b| !b.is_ascii_lowercase())
        .map_or(0, |p| p + 1);
    // A word right after a quote is the inside of a string, not a literal.
    if start > 0 && body[start - 1] == b'"' {
        return None;
    }
    let word = match body.get(start)? {
        b't' => "true",
        b'f' => "false",
        b'n' => "null",
        _ => return None,
    };
    let expected = *word.as_bytes().get(idx - start)?;
    Some(format!(
        "in literal {word} (expecting {})",
        go_quote_char(expected)
    ))
}

/// k6's position of Go's error offset: it walks the body's runes (an invalid UTF-8 byte is
/// one rune, as in Go), counting lines and the position in the line, up to the rune at the
/// offset (derived from k6 v1.1.0's answers for a range of bodies).
fn k6_json_position(body: &[u8], offset: usize) -> (usize, usize) {
    let (mut line, mut pos, mut i) = (1, 0, 0);
    while i < body.len() {
        let width = (1..=4)
            .find(|w| {
                body.get(i..i + w)
                    .is_some_and(|s| std::str::from_utf8(s).is_ok())
            })
            .unwrap_or(1);
        if body[i] == b'\n' {
            line += 1;
            pos = 0;
        }
        pos += 1;
        if i == offset {
            break;
        }
        i += width;
    }
    (line, pos)
}

/// k6's message for unparseable JSON: Go's scanner wording and offset, k6's line/position.
fn go_json_error(body: &[u8], e: &serde_json::Error) -> String {
    let (offset, reason) = if e.is_eof() {
        // Go's scanner feeds a space at the end, which breaks an unfinished literal.
        let trimmed = body.len();
        let tail_literal = body
            .last()
            .is_some_and(|b| b.is_ascii_lowercase())
            .then(|| literal_expectation(body, trimmed))
            .flatten();
        match tail_literal {
            Some(lit) => (trimmed, format!("invalid character ' ' {lit}")),
            None => (trimmed, "unexpected end of JSON input".to_string()),
        }
    } else {
        // serde's column is the 1-based byte column of the offending byte.
        let line_start: usize = body
            .split(|&b| b == b'\n')
            .take(e.line().saturating_sub(1))
            .map(|l| l.len() + 1)
            .sum();
        let idx = (line_start + e.column().saturating_sub(1)).min(body.len().saturating_sub(1));
        let c = body.get(idx).copied().unwrap_or(b' ');
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg);
        (idx + 1, go_json_reason(body, idx, c, msg))
    };
    let (line, pos) = k6_json_position(body, offset);
    format!("cannot parse json due to an error at line {line}, character {pos} , error: {reason}")
}

/// `JSON.stringify(res)`: every field, in k6's order.
fn response_to_json(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let obj = this
        .as_object()
        .ok_or_else(|| type_error("toJSON() must be called on a response"))?;
    let out = ObjectInitializer::new(ctx).build();
    for (name, _) in RESPONSE_FIELDS {
        let v = obj.get(JsString::from(*name), ctx)?;
        out.set(JsString::from(*name), v, false, ctx)?;
    }
    Ok(out.into())
}

fn response_proto(ctx: &mut Context) -> JsResult<JsObject> {
    let http = http_state(ctx);
    if let Some(p) = http.borrow().response_proto.clone() {
        return Ok(p);
    }
    let proto = ObjectInitializer::new(ctx)
        .function(
            NativeFunction::from_fn_ptr(response_json),
            JsString::from("json"),
            1,
        )
        .function(
            NativeFunction::from_fn_ptr(response_to_json),
            JsString::from("toJSON"),
            0,
        )
        .function(
            NativeFunction::from_fn_ptr(super::http_navigation::submit_form),
            JsString::from("submitForm"),
            1,
        )
        .function(
            NativeFunction::from_fn_ptr(super::http_navigation::click_link),
            JsString::from("clickLink"),
            1,
        )
        .build();
    for (i, (name, _)) in RESPONSE_FIELDS.iter().enumerate() {
        let getter = FunctionObjectBuilder::new(ctx.realm(), response_getter(i))
            .name(JsString::from(format!("get {name}")))
            .build();
        proto.define_property_or_throw(
            JsString::from(*name),
            PropertyDescriptor::builder()
                .get(getter)
                .enumerable(true)
                .configurable(true),
            ctx,
        )?;
    }
    // `res.html()` comes from k6/html when it is available.
    if let Some(html) = ctx.get_data::<ResponseHtmlHook>().map(|h| h.0) {
        let f = func(ctx, "html", 1, NativeFunction::from_fn_ptr(html));
        proto.set(JsString::from("html"), f, false, ctx)?;
    }
    http.borrow_mut().response_proto = Some(proto.clone());
    Ok(proto)
}

/// Installed by k6/html so `res.html()` works without k6/http depending on it.
#[derive(Clone, Copy)]
pub struct ResponseHtmlHook(pub fn(&JsValue, &[JsValue], &mut Context) -> JsResult<JsValue>);

/// The final URL of a Response object (`res.url`).
pub(super) fn response_url(v: &JsValue) -> JsResult<String> {
    v.as_object()
        .and_then(|o| {
            o.downcast_ref::<ResponseObject>()
                .map(|r| r.data.url.clone())
        })
        .ok_or_else(|| type_error("must be called on a response"))
}

/// The body text of a Response object, for modules building on it (k6/html).
pub fn response_body_text(v: &JsValue) -> Option<String> {
    let obj = v.as_object()?;
    let r = obj.downcast_ref::<ResponseObject>()?;
    let body = r.data.body.as_ref()?;
    Some(String::from_utf8_lossy(body).to_string())
}

fn make_response(ctx: &mut Context, data: ResponseData) -> JsResult<JsValue> {
    let proto = response_proto(ctx)?;
    note_native_bytes(ctx, data.native_bytes());
    Ok(JsObject::from_proto_and_data(Some(proto), ResponseObject { data }).into())
}

// ------------------------------------------------------------------------------------------
// Exports
// ------------------------------------------------------------------------------------------

fn request_fn(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let method = to_rust_string(args.get_or_undefined(0), ctx)?;
    request_sync(
        method,
        args.get_or_undefined(1),
        args.get_or_undefined(2),
        args.get_or_undefined(3),
        ctx,
    )
}

macro_rules! verb_no_body {
    ($name:ident, $method:literal) => {
        fn $name(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
            request_sync(
                $method.to_string(),
                args.get_or_undefined(0),
                &JsValue::undefined(),
                args.get_or_undefined(1),
                ctx,
            )
        }
    };
}

macro_rules! verb_body {
    ($name:ident, $method:literal) => {
        fn $name(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
            request_sync(
                $method.to_string(),
                args.get_or_undefined(0),
                args.get_or_undefined(1),
                args.get_or_undefined(2),
                ctx,
            )
        }
    };
}

verb_no_body!(get_fn, "GET");
verb_no_body!(head_fn, "HEAD");
verb_body!(post_fn, "POST");
verb_body!(put_fn, "PUT");
verb_body!(patch_fn, "PATCH");
verb_body!(del_fn, "DELETE");
verb_body!(options_fn, "OPTIONS");

async fn async_request(
    _: &JsValue,
    args: &[JsValue],
    ctx: &RefCell<&mut Context>,
) -> JsResult<JsValue> {
    let spec = {
        let c = &mut *ctx.borrow_mut();
        let method = to_rust_string(args.get_or_undefined(0), c)?;
        match parse_request(
            method,
            args.get_or_undefined(1),
            args.get_or_undefined(2),
            args.get_or_undefined(3),
            c,
        )? {
            Ok(s) => s,
            Err(e) => return parse_error_response(c, e, "Request Failed"),
        }
    };
    let op = errors::go_method_name(&spec.method);
    let url = match &spec.target {
        Target::Url(u) => u.shown.clone(),
        Target::Unsendable { shown, .. } => shown.clone(),
    };
    let data = match perform(ctx, spec).await {
        Ok(d) => d,
        Err(e) => return Err(async_rejection(e, &op, &url, &mut ctx.borrow_mut())),
    };
    make_response(&mut ctx.borrow_mut(), data)
}

/// k6 rejects a failed `asyncRequest` (with `throw`) with the Go error itself, not a GoError:
/// an object whose string is the message, with Go's `op` and `url` fields (confirmed on k6
/// v1.1.0: `e.name` and `e.message` undefined, `String(e)` = `Get "url": ...`). Other
/// exceptions (an interrupted VU) pass through.
fn async_rejection(e: JsError, op: &str, url: &str, ctx: &mut Context) -> JsError {
    let Some(obj) = e.as_opaque().and_then(|v| v.as_object()) else {
        return e;
    };
    let is_go_error = obj
        .get(JsString::from("name"), ctx)
        .ok()
        .and_then(|n| n.as_string().map(|s| s.to_std_string_escaped()))
        .is_some_and(|n| n == "GoError");
    if !is_go_error {
        return e;
    }
    let message = match obj.get(JsString::from("message"), ctx) {
        Ok(m) => m,
        Err(err) => return err,
    };
    let to_string = FunctionObjectBuilder::new(
        ctx.realm(),
        NativeFunction::from_copy_closure_with_captures(
            |_, _, message: &JsValue, _| Ok(message.clone()),
            message,
        ),
    )
    .name(JsString::from("toString"))
    .build();
    let rejection = ObjectInitializer::new(ctx)
        .property(JsString::from("op"), JsString::from(op), ALL)
        .property(JsString::from("url"), JsString::from(url), ALL)
        .property(
            JsString::from("toString"),
            to_string,
            Attribute::WRITABLE | Attribute::CONFIGURABLE,
        )
        .build();
    JsError::from_opaque(rejection.into())
}

/// Go's `%#v` of a `[]interface{}`, for k6's "invalid batch request" message.
fn go_sharp_slice(obj: &JsObject, ctx: &mut Context) -> JsResult<String> {
    let len = obj.get(JsString::from("length"), ctx)?.to_number(ctx)? as usize;
    let mut parts = Vec::with_capacity(len);
    for i in 0..len {
        let v = obj.get(i, ctx)?;
        parts.push(if let Some(s) = v.as_string() {
            crate::go_strconv::go_quote(&s.to_std_string_escaped())
        } else if v.is_null_or_undefined() {
            "interface {}(nil)".to_string()
        } else {
            go_value(&v, ctx)?
        });
    }
    Ok(format!("[]interface {{}}{{{}}}", parts.join(", ")))
}

/// One entry of `http.batch`: a URL string, an array `[method, url, body, params]`, or an
/// object `{method, url, body, params}`. `Err` is a k6 parse error.
fn batch_entry(
    key: &str,
    v: &JsValue,
    ctx: &mut Context,
) -> JsResult<Result<RequestSpec, HttpError>> {
    let undefined = JsValue::undefined();
    let Some(obj) = v.as_object().filter(|o| !o.is::<TaggedUrl>()) else {
        return parse_request("GET".into(), v, &undefined, &undefined, ctx);
    };
    if obj.is_array() {
        let len = obj.get(JsString::from("length"), ctx)?.to_number(ctx)? as usize;
        if len < 2 {
            return Ok(Err(HttpError::new(
                NO_CODE,
                format!("invalid batch request '{}'", go_sharp_slice(&obj, ctx)?),
            )));
        }
        let m = obj.get(0, ctx)?;
        let u = obj.get(1, ctx)?;
        let b = obj.get(2, ctx)?;
        let p = obj.get(3, ctx)?;
        let method = to_rust_string(&m, ctx)?;
        return parse_request(method, &u, &b, &p, ctx);
    }
    if !obj.has_property(JsString::from("url"), ctx)? {
        return Ok(Err(HttpError::new(
            NO_CODE,
            format!("batch request {key} doesn't have a url key"),
        )));
    }
    let m = obj.get(JsString::from("method"), ctx)?;
    let method = if m.is_null_or_undefined() {
        "GET".to_string()
    } else {
        to_rust_string(&m, ctx)?
    };
    let u = obj.get(JsString::from("url"), ctx)?;
    let b = obj.get(JsString::from("body"), ctx)?;
    let p = obj.get(JsString::from("params"), ctx)?;
    parse_request(method, &u, &b, &p, ctx)
}

fn batch_fn(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let arg = args.get_or_undefined(0);
    let Some(reqs) = arg.as_object().filter(|o| !o.is_callable()) else {
        let kind = if arg.is_string() {
            "string".to_string()
        } else if arg.is_number() {
            "int64".to_string()
        } else if arg.is_boolean() {
            "bool".to_string()
        } else {
            "<nil>".to_string()
        };
        return Err(error(format!("invalid http.batch() argument type {kind}")));
    };
    let is_array = reqs.is_array();
    let mut keys: Vec<PropertyKey> = Vec::new();
    for k in reqs.own_property_keys(ctx)? {
        match k {
            PropertyKey::Index(_) => keys.push(k),
            PropertyKey::String(_) if !is_array => keys.push(k),
            _ => {}
        }
    }
    // Parse everything first: k6 makes no request at all when one entry is invalid.
    let mut specs = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        let v = reqs.get(k.clone(), ctx)?;
        let name = match k {
            PropertyKey::Index(n) => n.get().to_string(),
            PropertyKey::String(s) => s.to_std_string_escaped(),
            PropertyKey::Symbol(_) => i.to_string(),
        };
        match batch_entry(&name, &v, ctx)? {
            Ok(spec) => specs.push(spec),
            Err(e) => return batch_parse_failure(ctx, is_array, &keys, i, keys.len(), e),
        }
    }
    let (limit, per_host) = {
        let vu = vu_state(ctx);
        let o = vu.borrow().shared.options.clone();
        (
            o.batch.max(1),
            if o.batch_per_host == 0 {
                usize::MAX
            } else {
                o.batch_per_host
            },
        )
    };
    // At most `batch` requests in flight, and `batchPerHost` per host; requests start in
    // order as slots free up.
    let results: Vec<JsResult<ResponseData>> = {
        let cell = RefCell::new(&mut *ctx);
        let cell = &cell;
        let global = tokio::sync::Semaphore::new(limit.min(tokio::sync::Semaphore::MAX_PERMITS));
        let mut host_limits: HashMap<String, tokio::sync::Semaphore> = HashMap::new();
        for s in &specs {
            if let Target::Url(u) = &s.target {
                host_limits.entry(host_header(&u.url)).or_insert_with(|| {
                    tokio::sync::Semaphore::new(per_host.min(tokio::sync::Semaphore::MAX_PERMITS))
                });
            }
        }
        let host_limits = &host_limits;
        let global = &global;
        let futs: Vec<_> = specs
            .into_iter()
            .map(|spec| async move {
                let host = match &spec.target {
                    Target::Url(u) => host_limits.get(&host_header(&u.url)),
                    Target::Unsendable { .. } => None,
                };
                let _slot = global.acquire().await;
                let _host_slot = match host {
                    Some(h) => Some(h.acquire().await),
                    None => None,
                };
                perform(cell, spec).await
            })
            .collect();
        futures_lite::future::block_on(futures_concurrency::future::Join::join(futs))
    };
    let out = if is_array {
        JsArray::new(ctx)?.into()
    } else {
        ObjectInitializer::new(ctx).build()
    };
    for (k, r) in keys.into_iter().zip(results) {
        let v = make_response(ctx, r?)?;
        out.set(k, v, false, ctx)?;
    }
    Ok(out.into())
}

/// k6's answer to an invalid batch entry: nothing is sent; entries before it get empty
/// responses, the invalid one its error, later ones null (array) or nothing (object).
fn batch_parse_failure(
    ctx: &mut Context,
    is_array: bool,
    keys: &[PropertyKey],
    failed: usize,
    total: usize,
    e: HttpError,
) -> JsResult<JsValue> {
    let throw = vu_state(ctx).borrow().shared.options.throw;
    if throw {
        return Err(go_error(e.message, ctx));
    }
    console::log(
        Level::Warn,
        "A batch request failed",
        &[("error", &e.message)],
    );
    let out = if is_array {
        JsArray::new(ctx)?.into()
    } else {
        ObjectInitializer::new(ctx).build()
    };
    for (i, k) in keys.iter().enumerate().take(total) {
        let v = if i < failed {
            make_response(ctx, ResponseData::parse_failure(HttpError::new(0, "")))?
        } else if i == failed {
            make_response(ctx, ResponseData::parse_failure(e.clone()))?
        } else if is_array {
            JsValue::null()
        } else {
            break;
        };
        out.set(k.clone(), v, false, ctx)?;
    }
    Ok(out.into())
}

fn url_fn(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let Some(strings) = args.get_or_undefined(0).as_object() else {
        return Err(type_error(
            "http.url must be used as a template literal tag",
        ));
    };
    let len = strings.get(JsString::from("length"), ctx)?.to_number(ctx)? as usize;
    let mut url = String::new();
    let mut name = String::new();
    for i in 0..len {
        let part = strings.get(i, ctx)?;
        let part = to_rust_string(&part, ctx)?;
        url.push_str(&part);
        name.push_str(&part);
        if i + 1 < len {
            let v = args.get(i + 1).cloned().unwrap_or_default();
            url.push_str(&to_rust_string(&v, ctx)?);
            name.push_str("${}");
        }
    }
    let obj = JsObject::from_proto_and_data(
        Some(ctx.intrinsics().constructors().object().prototype()),
        TaggedUrl {
            url: url.clone(),
            name: name.clone(),
        },
    );
    obj.set(
        JsString::from("url"),
        JsString::from(url.as_str()),
        false,
        ctx,
    )?;
    obj.set(
        JsString::from("name"),
        JsString::from(name.as_str()),
        false,
        ctx,
    )?;
    let to_string = func(
        ctx,
        "toString",
        0,
        NativeFunction::from_fn_ptr(|this, _, _| {
            let u = this
                .as_object()
                .and_then(|o| o.downcast_ref::<TaggedUrl>().map(|t| t.url.clone()))
                .unwrap_or_default();
            Ok(JsString::from(u).into())
        }),
    );
    obj.set(JsString::from("toString"), to_string, false, ctx)?;
    Ok(obj.into())
}

/// `http.file(data, filename, contentType)`: `data` is kept as given (a string stays a
/// string, as in k6).
fn file_fn(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let data = args.get_or_undefined(0);
    // Only a string or an ArrayBuffer, as k6 (a typed array is refused as `[]uint8`).
    let bytes = if let Some(s) = data.as_string() {
        s.to_std_string_escaped().into_bytes()
    } else if let Some(buf) = data
        .as_object()
        .and_then(|o| JsArrayBuffer::from_object(o.clone()).ok())
    {
        buf.data().map(|d| d.to_vec()).unwrap_or_default()
    } else {
        let kind = go_export_type(data, ctx)?;
        return Err(go_error(
            format!("invalid type {kind}, expected string or ArrayBuffer"),
            ctx,
        ));
    };
    let filename = match args.get(1) {
        Some(v) if !v.is_undefined() => to_rust_string(v, ctx)?,
        _ => format!("{}", now_ns()),
    };
    let content_type = match args.get(2) {
        Some(v) if !v.is_undefined() => to_rust_string(v, ctx)?,
        _ => "application/octet-stream".to_string(),
    };
    let obj = JsObject::from_proto_and_data(
        Some(ctx.intrinsics().constructors().object().prototype()),
        FileData {
            data: Bytes::from(bytes),
            filename: filename.clone(),
            content_type: content_type.clone(),
        },
    );
    obj.set(JsString::from("data"), data.clone(), false, ctx)?;
    obj.set(
        JsString::from("filename"),
        JsString::from(filename),
        false,
        ctx,
    )?;
    obj.set(
        JsString::from("content_type"),
        JsString::from(content_type),
        false,
        ctx,
    )?;
    Ok(obj.into())
}

/// The Go type k6 sees for an exported JS value (`%T`).
fn go_export_type(v: &JsValue, ctx: &mut Context) -> JsResult<&'static str> {
    Ok(if v.is_null_or_undefined() {
        "<nil>"
    } else if let Some(n) = v.as_number() {
        if n.fract() == 0.0 && n.abs() < 9.2e18 {
            "int64"
        } else {
            "float64"
        }
    } else if v.is_boolean() {
        "bool"
    } else if v.is_string() {
        "string"
    } else if let Some(o) = v.as_object() {
        if o.is_array() {
            "[]interface {}"
        } else if binary_bytes(v, ctx)?.is_some() {
            "[]uint8"
        } else if o.is_callable() {
            "func(sobek.FunctionCall) sobek.Value"
        } else {
            "map[string]interface {}"
        }
    } else {
        "interface {}"
    })
}

fn expected_statuses_fn(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let mut ranges = Vec::with_capacity(args.len());
    for (i, a) in args.iter().enumerate() {
        let bad = format!(
            "argument number {} to expectedStatuses was neither an integer nor an object like {{min:100, max:329}}",
            i + 1
        );
        let as_status = |v: &JsValue| -> Option<u16> {
            let n = v.as_number()?;
            (n.fract() == 0.0 && (0.0..=65535.0).contains(&n)).then_some(n as u16)
        };
        let range = if let Some(o) = a.as_object() {
            let min = as_status(&o.get(JsString::from("min"), ctx)?);
            let max = as_status(&o.get(JsString::from("max"), ctx)?);
            min.zip(max)
        } else {
            as_status(a).map(|n| (n, n))
        };
        match range {
            Some(r) => ranges.push(r),
            None => return Err(go_error(bad, ctx)),
        }
    }
    Ok(JsObject::from_proto_and_data(
        Some(ctx.intrinsics().constructors().object().prototype()),
        ExpectedStatusesObject {
            ranges: ExpectedStatuses(ranges),
        },
    )
    .into())
}

fn set_response_callback_fn(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let v = args.get_or_undefined(0);
    let cb = if v.is_null_or_undefined() {
        None
    } else {
        let ranges = v.as_object().and_then(|o| {
            o.downcast_ref::<ExpectedStatusesObject>()
                .map(|e| e.ranges.clone())
        });
        match ranges {
            Some(r) => Some(r),
            None => {
                return Err(go_error(
                    "unsupported argument, expected http.expectedStatuses",
                    ctx,
                ));
            }
        }
    };
    http_state(ctx).borrow_mut().callback = cb;
    Ok(JsValue::undefined())
}

// --- cookie jars ---------------------------------------------------------------------------

fn jar_of(this: &JsValue) -> JsResult<JarRef> {
    jar_of_value(this).ok_or_else(|| type_error("not a CookieJar"))
}

/// The jar behind a `http.CookieJar` object (the `jar` param of WebSocket connections).
pub fn jar_of_value(v: &JsValue) -> Option<JarRef> {
    v.as_object()
        .and_then(|o| o.downcast_ref::<CookieJarObject>().map(|j| j.jar.clone()))
}

/// The VU's own cookie jar (`http.cookieJar()`), which WebSocket handshakes use too.
pub fn vu_jar(ctx: &mut Context) -> JarRef {
    http_state(ctx).borrow().jar.clone()
}

/// The jar methods' URL; `None` for what Go would parse as a relative URL (k6 then finds
/// and changes nothing).
fn jar_url(args: &[JsValue], ctx: &mut Context) -> JsResult<Option<Url>> {
    let s = to_rust_string(args.get_or_undefined(0), ctx)?;
    match Url::parse(&s) {
        Ok(u) => Ok(Some(u)),
        Err(url::ParseError::RelativeUrlWithoutBase) => Ok(None),
        Err(e) => Err(error(format!(
            "parse {}: {e}",
            crate::go_strconv::go_quote(&s)
        ))),
    }
}

fn jar_cookies_for_url(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let jar = jar_of(this)?;
    let out = ObjectInitializer::new(ctx).build();
    let Some(url) = jar_url(args, ctx)? else {
        return Ok(out.into());
    };
    let mut by_name: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in jar.borrow().for_url(&url) {
        match by_name.iter_mut().find(|(n, _)| *n == k) {
            Some((_, l)) => l.push(v),
            None => by_name.push((k, vec![v])),
        }
    }
    for (k, vals) in by_name {
        let arr = JsArray::from_iter(
            vals.into_iter().map(|v| JsValue::from(JsString::from(v))),
            ctx,
        );
        out.set(JsString::from(k), arr, false, ctx)?;
    }
    Ok(out.into())
}

fn jar_set(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let jar = jar_of(this)?;
    let url = jar_url(args, ctx)?;
    let name = to_rust_string(args.get_or_undefined(1), ctx)?;
    let value = to_rust_string(args.get_or_undefined(2), ctx)?;
    let mut c = cookie::Cookie::new(name, value);
    if let Some(o) = args.get_or_undefined(3).as_object() {
        let domain = o.get(JsString::from("domain"), ctx)?;
        if !domain.is_null_or_undefined() {
            c.set_domain(to_rust_string(&domain, ctx)?);
        }
        let path = o.get(JsString::from("path"), ctx)?;
        if !path.is_null_or_undefined() {
            c.set_path(to_rust_string(&path, ctx)?);
        }
        if o.get(JsString::from("secure"), ctx)?.to_boolean() {
            c.set_secure(true);
        }
        if o.get(JsString::from("http_only"), ctx)?.to_boolean() {
            c.set_http_only(true);
        }
        let max_age = o.get(JsString::from("max_age"), ctx)?;
        if !max_age.is_null_or_undefined() {
            c.set_max_age(cookie::time::Duration::seconds(
                max_age.to_number(ctx)? as i64
            ));
        }
        let expires = o.get(JsString::from("expires"), ctx)?;
        if !expires.is_null_or_undefined() {
            let s = to_rust_string(&expires, ctx)?;
            let parsed = chrono::DateTime::parse_from_rfc2822(&s)
                .or_else(|_| chrono::DateTime::parse_from_rfc3339(&s))
                .map_err(|_| error(format!("unable to parse \"expires\" date string {s:?}")))?;
            if let Ok(odt) = cookie::time::OffsetDateTime::from_unix_timestamp(parsed.timestamp()) {
                c.set_expires(odt);
            }
        }
    }
    if let Some(url) = url {
        jar.borrow_mut().store(&c, &url);
    }
    Ok(JsValue::undefined())
}

fn jar_clear(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let jar = jar_of(this)?;
    if let Some(url) = jar_url(args, ctx)? {
        jar.borrow_mut().remove_for_url(&url, None);
    }
    Ok(JsValue::undefined())
}

fn jar_delete(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let jar = jar_of(this)?;
    let url = jar_url(args, ctx)?;
    let name = to_rust_string(args.get_or_undefined(1), ctx)?;
    if let Some(url) = url {
        jar.borrow_mut().remove_for_url(&url, Some(&name));
    }
    Ok(JsValue::undefined())
}

fn jar_object(ctx: &mut Context, jar: JarRef) -> JsObject {
    let obj = JsObject::from_proto_and_data(
        Some(ctx.intrinsics().constructors().object().prototype()),
        CookieJarObject { jar },
    );
    for (name, f, len) in [
        ("cookiesForURL", jar_cookies_for_url as NativeFnPtr, 1),
        ("set", jar_set, 4),
        ("clear", jar_clear, 1),
        ("delete", jar_delete, 2),
    ] {
        let fo = func(ctx, name, len, NativeFunction::from_fn_ptr(f));
        let _ = obj.set(JsString::from(name), fo, false, ctx);
    }
    obj
}

fn cookie_jar_fn(_: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let jar = http_state(ctx).borrow().jar.clone();
    Ok(jar_object(ctx, jar).into())
}

fn cookie_jar_ctor(_: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    Ok(jar_object(ctx, Rc::new(RefCell::new(Jar::new()))).into())
}

type NativeFnPtr = fn(&JsValue, &[JsValue], &mut Context) -> JsResult<JsValue>;

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let fns: &[(&str, usize, NativeFnPtr)] = &[
        ("request", 4, request_fn),
        ("get", 2, get_fn),
        ("head", 2, head_fn),
        ("post", 3, post_fn),
        ("put", 3, put_fn),
        ("patch", 3, patch_fn),
        ("del", 3, del_fn),
        ("options", 3, options_fn),
        ("batch", 1, batch_fn),
        ("url", 1, url_fn),
        ("file", 3, file_fn),
        ("cookieJar", 0, cookie_jar_fn),
        ("expectedStatuses", 1, expected_statuses_fn),
        ("setResponseCallback", 1, set_response_callback_fn),
    ];
    let mut built = Vec::new();
    for (name, len, f) in fns {
        built.push((
            *name,
            func(ctx, name, *len, NativeFunction::from_fn_ptr(*f)),
        ));
    }
    let async_req = func(
        ctx,
        "asyncRequest",
        4,
        NativeFunction::from_async_fn(async_request),
    );
    let jar_ctor =
        FunctionObjectBuilder::new(ctx.realm(), NativeFunction::from_fn_ptr(cookie_jar_ctor))
            .name(JsString::from("CookieJar"))
            .constructor(true)
            .build();
    let mut o = ObjectInitializer::new(ctx);
    for (name, f) in built {
        o.property(JsString::from(name), f, ALL);
    }
    o.property(JsString::from("asyncRequest"), async_req, ALL);
    o.property(JsString::from("CookieJar"), jar_ctor, ALL);
    for (k, v) in [
        ("TLS_1_0", "tls1.0"),
        ("TLS_1_1", "tls1.1"),
        ("TLS_1_2", "tls1.2"),
        ("TLS_1_3", "tls1.3"),
        ("OCSP_STATUS_GOOD", "good"),
        ("OCSP_STATUS_REVOKED", "revoked"),
        ("OCSP_STATUS_SERVER_FAILED", "server_failed"),
        ("OCSP_STATUS_UNKNOWN", "unknown"),
        ("OCSP_REASON_UNSPECIFIED", "unspecified"),
    ] {
        o.property(
            JsString::from(k),
            JsString::from(v),
            Attribute::READONLY | Attribute::ENUMERABLE,
        );
    }
    Ok(o.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes a response holds outside Boa's heap decide when its VU collects garbage:
    /// the body, every header and the request it describes must count.
    #[test]
    fn response_native_bytes_count_body_headers_and_request() {
        let bare = ResponseData::parse_failure(HttpError::new(0, ""));
        let base = bare.native_bytes();
        let mut headers = hyper::HeaderMap::new();
        headers.insert("x-big", hyper::header::HeaderValue::from_static("v"));
        headers.append(
            "set-cookie",
            hyper::header::HeaderValue::from_bytes(&[b'a'; 3000]).unwrap(),
        );
        let request = RequestInfo {
            method: "POST".to_string(),
            url: "http://127.0.0.1/".to_string(),
            headers: vec![("User-Agent".to_string(), "x".repeat(500))],
            body: Bytes::from(vec![0u8; 7000]),
            cookies: Vec::new(),
        };
        let full = ResponseData {
            headers,
            body: Some(Bytes::from(vec![b'x'; 10_000])),
            url: "http://127.0.0.1/".to_string(),
            request: Some(Rc::new(request)),
            ..ResponseData::parse_failure(HttpError::new(0, ""))
        };
        let n = full.native_bytes();
        assert!(
            n >= base + 10_000 + 3000 + 7000 + 500,
            "{n} bytes counted, base {base}"
        );
        assert!(
            n < base + 2 * (10_000 + 3000 + 7000 + 500),
            "{n} overcounts"
        );
        assert_eq!(full.field_native_bytes("body"), 10_000);
        assert!(full.field_native_bytes("headers") >= 3001);
        assert!(full.field_native_bytes("request") >= 7500);
    }

    #[test]
    fn expected_status_ranges() {
        let e = ExpectedStatuses(vec![(200, 299), (404, 404)]);
        assert!(e.matches(204) && e.matches(404) && !e.matches(500));
        assert!(ExpectedStatuses::default_range().matches(302));
    }

    // Confirmed on k6 v1.1.0: `res.json()` of an HTML page fails with "cannot parse json due
    // to an error at line 1, character 2 , error: invalid character '<' looking for
    // beginning of value".
    #[test]
    fn json_errors_read_like_go() {
        let body = b"<html>";
        let e = serde_json::from_slice::<serde_json::Value>(body).unwrap_err();
        assert_eq!(
            go_json_error(body, &e),
            "cannot parse json due to an error at line 1, character 2 , error: invalid character '<' looking for beginning of value"
        );
    }

    // Every row confirmed on k6 v1.1.0 (`res.json()` on a body served by /base64).
    #[test]
    fn json_error_positions_and_wording_follow_k6() {
        let cases: &[(&[u8], &str)] = &[
            (
                b"x",
                "line 1, character 1 , error: invalid character 'x' looking for beginning of value",
            ),
            (
                b"xy",
                "line 1, character 2 , error: invalid character 'x' looking for beginning of value",
            ),
            (
                b"{\"a\":x}",
                "line 1, character 7 , error: invalid character 'x' looking for beginning of value",
            ),
            (
                b"{x}",
                "line 1, character 3 , error: invalid character 'x' looking for beginning of object key string",
            ),
            (
                b"{\"a\"x}",
                "line 1, character 6 , error: invalid character 'x' after object key",
            ),
            (
                b"{\"a\":1 x}",
                "line 1, character 9 , error: invalid character 'x' after object key:value pair",
            ),
            (
                b"[1 x]",
                "line 1, character 5 , error: invalid character 'x' after array element",
            ),
            (
                b"{\"a\":1}\n{\"b\":2}",
                "line 2, character 3 , error: invalid character '{' after top-level value",
            ),
            (
                b"{\"a\":1,\n \"b\":x",
                "line 2, character 7 , error: invalid character 'x' looking for beginning of value",
            ),
            (
                b"1 2",
                "line 1, character 3 , error: invalid character '2' after top-level value",
            ),
            (
                "\"\u{e9}\"x".as_bytes(),
                "line 1, character 4 , error: invalid character 'x' after top-level value",
            ),
            (
                b"{\"a\":tru}",
                "line 1, character 9 , error: invalid character '}' in literal true (expecting 'e')",
            ),
            (
                b"nx",
                "line 1, character 2 , error: invalid character 'x' in literal null (expecting 'u')",
            ),
            (
                b"nul",
                "line 1, character 3 , error: invalid character ' ' in literal null (expecting 'l')",
            ),
            (
                b"{\"a\":",
                "line 1, character 5 , error: unexpected end of JSON input",
            ),
            (
                b"",
                "line 1, character 0 , error: unexpected end of JSON input",
            ),
            (
                b"\"\x01\"",
                "line 1, character 3 , error: invalid character '\\x01' in string literal",
            ),
            (
                b"\x8eA",
                "line 1, character 2 , error: invalid character '\\u008e' looking for beginning of value",
            ),
        ];
        for (body, want) in cases {
            let e = serde_json::from_slice::<serde_json::Value>(body).unwrap_err();
            assert_eq!(
                go_json_error(body, &e),
                format!("cannot parse json due to an error at {want}"),
                "body {:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn tag_strings_are_shared() {
        let mut t = TagStrings::new();
        let a = t.status(200);
        let b = t.status(200);
        assert!(Arc::ptr_eq(&a, &b));
        let m1 = t.value("GET");
        let m2 = t.value("GET");
        assert!(Arc::ptr_eq(&m1, &m2));
    }

    #[test]
    fn cookie_headers_join_like_go() {
        let c = vec![
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
        ];
        assert_eq!(cookie_header(&c, false).unwrap(), "a=1; b=2");
        assert!(cookie_header(&[], false).is_none());
        // Go's sanitizing, as k6 sends them.
        let odd = vec![
            ("s".to_string(), "hello world".to_string()),
            ("c".to_string(), "x,y".to_string()),
            ("q".to_string(), "a\"b;c\\dé".to_string()),
            ("n\nm".to_string(), "v".to_string()),
        ];
        assert_eq!(
            cookie_header(&odd, false).unwrap(),
            "s=\"hello world\"; c=\"x,y\"; q=abcd; n-m=v"
        );
    }
}
