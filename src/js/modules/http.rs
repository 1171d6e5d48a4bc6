//! `k6/http`: requests with k6's params, metrics, tags, redirects, cookies and error codes.
//!
//! A request is parsed on the VU thread (`request`), runs hop by hop on the shared tokio
//! runtime (`perform`, see `crate::http::transport`), and comes back as a native `Response`
//! object whose fields are computed on first access (`response`), so a script that only reads
//! `res.status` pays for nothing else. `batch` sends several at once; `cookies` holds the jar
//! glue. This file keeps the VU's HTTP state and the module's exported functions.
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

mod batch;
mod cookies;
mod json_error;
mod perform;
mod request;
mod response;

use batch::*;
use cookies::*;
use json_error::*;
use perform::*;
use request::*;
use response::*;

pub use cookies::{cookie_header, jar_of_value, vu_jar};
pub use response::{ResponseHtmlHook, response_body_text};
// k6/http's navigation helpers (`res.clickLink`, `res.submitForm`) call back into these.
pub(super) use perform::request_sync;
pub(super) use response::response_url;

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
