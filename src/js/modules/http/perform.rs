//! The transport call: one request with its redirects and digest challenge, hop by hop
//! on `crate::http::transport`, emitting each hop's samples and building the data a
//! Response is made from.

use super::*;

/// `res.request`: the request as the script made it (its first hop, before auth).
pub(super) struct RequestInfo {
    pub(super) method: String,
    pub(super) url: String,
    /// Sorted by name, so scripts see a stable order (k6's is Go map order).
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Bytes,
    pub(super) cookies: Vec<(String, String)>,
}

impl RequestInfo {
    pub(super) fn native_bytes(&self) -> usize {
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
pub(super) const PAIR_BYTES: usize = 64;
pub(super) const RESPONSE_OBJECT_BYTES: usize = 256;
pub(super) const FIELD_VALUE_BYTES: usize = 64;

pub(super) fn header_map_bytes(headers: &hyper::HeaderMap) -> usize {
    headers
        .iter()
        .map(|(k, v)| PAIR_BYTES + k.as_str().len() + v.len())
        .sum()
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum BodyKind {
    /// What the response type says (text, binary, none).
    Normal,
    /// A parse error's response: k6 shows an empty array.
    Empty,
}

/// What the Response object is built from.
pub(super) struct ResponseData {
    pub(super) status: u16,
    /// A non-canonical reason phrase from the status line.
    pub(super) reason: Option<String>,
    pub(super) proto: &'static str,
    pub(super) headers: hyper::HeaderMap,
    /// `None`: the body is null (failed request, `responseType: 'none'`).
    pub(super) body: Option<Bytes>,
    pub(super) body_kind: BodyKind,
    pub(super) url: String,
    pub(super) timings: Timings,
    pub(super) error: Option<HttpError>,
    pub(super) remote: Option<std::net::SocketAddr>,
    pub(super) tls: Option<TlsInfo>,
    pub(super) request: Option<Rc<RequestInfo>>,
    pub(super) response_type: ResponseType,
}

impl ResponseData {
    /// The response of a request that could not be parsed.
    pub(super) fn parse_failure(e: HttpError) -> ResponseData {
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
    pub(super) fn native_bytes(&self) -> usize {
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
    pub(super) fn field_native_bytes(&self, field: &str) -> usize {
        match field {
            "body" => self.body.as_ref().map_or(0, |b| b.len()),
            "headers" | "cookies" => header_map_bytes(&self.headers),
            "request" => self.request.as_ref().map_or(0, |r| r.native_bytes()),
            "url" => self.url.len(),
            _ => FIELD_VALUE_BYTES,
        }
    }

    pub(super) fn error_code(&self) -> u32 {
        match &self.error {
            Some(e) => e.code,
            None => errors::status_error_code(self.status),
        }
    }
}

pub(super) fn proto_name(v: hyper::Version) -> &'static str {
    match v {
        hyper::Version::HTTP_2 => "HTTP/2.0",
        hyper::Version::HTTP_10 => "HTTP/1.0",
        hyper::Version::HTTP_09 => "HTTP/0.9",
        _ => "HTTP/1.1",
    }
}

pub(super) fn basic_auth(user: &str, pass: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

pub(super) fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

pub(super) fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

pub(super) fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

pub(super) fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

/// One hop's outcome, as its samples need it.
pub(super) struct HopReport<'a> {
    pub(super) method: &'a str,
    /// The URL as tagged (credentials masked), when no name was given.
    pub(super) url: &'a str,
    pub(super) status: u16,
    pub(super) proto: Option<&'static str>,
    pub(super) error: Option<&'a HttpError>,
    pub(super) timings: &'a Timings,
    pub(super) tls: Option<TlsInfo>,
    pub(super) remote: Option<std::net::SocketAddr>,
    pub(super) expected: Option<bool>,
    pub(super) sent: u64,
    pub(super) received: u64,
}

impl<'a> HopReport<'a> {
    /// A hop that failed before anything was sent (no connection, no bytes).
    pub(super) fn failed(
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
pub(super) fn emit_request_samples(ctx: &mut Context, spec: &RequestSpec, hop: &HopReport<'_>) {
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
pub(super) fn http_debug_log(ctx: &mut Context, message: &str, request_id: &str) {
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
pub(super) struct Failure {
    pub(super) error: HttpError,
    pub(super) timings: Timings,
    /// What arrived of the body before the failure.
    pub(super) partial: Bytes,
}

/// A request that failed before anything was sent (an unsendable URL or redirect target):
/// its samples, with zero timings and `url` as their tag, and the failed response for `url`.
fn fail_unsent(
    ctx: &RefCell<&mut Context>,
    spec: &RequestSpec,
    method: &str,
    url: &str,
    error: HttpError,
    expected: Option<bool>,
    request: Rc<RequestInfo>,
) -> JsResult<ResponseData> {
    let timings = Timings::default();
    emit_request_samples(
        &mut ctx.borrow_mut(),
        spec,
        &HopReport::failed(method, url, &error, &timings, expected),
    );
    failed_response(
        ctx,
        spec,
        method,
        url,
        Failure {
            error,
            timings,
            partial: Bytes::new(),
        },
        request,
    )
}

/// A failed request: warning (or a GoError with `throw`) and the status-0 response.
pub(super) fn failed_response(
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
pub(super) struct HopHeaders<'a> {
    pub(super) user: &'a [(String, String)],
    pub(super) drop_body_headers: bool,
    pub(super) user_agent: &'a str,
    pub(super) authorization: Option<String>,
    pub(super) cookie: Option<String>,
    pub(super) referer: Option<String>,
}

pub(super) fn build_hyper_request(
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
    let invalid = |e: &dyn std::fmt::Display| {
        HttpError::new(errors::GENERIC, format!("net/http: invalid header: {e}"))
    };
    // Built in place rather than with `http::request::Builder`, which moves the whole
    // request head at every `.header()` call (9 moves of ~300 bytes per GET in callgrind).
    let mut req = hyper::Request::new(Full::new(body.clone()));
    *req.method_mut() = m;
    *req.uri_mut() = hyper::Uri::try_from(path_and_query(url)).map_err(|e| invalid(&e))?;
    let headers = req.headers_mut();
    let mut add = |name: hyper::header::HeaderName, value: hyper::header::HeaderValue| {
        headers.append(name, value);
    };
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
        let name = hyper::header::HeaderName::from_bytes(k.as_bytes()).map_err(|e| invalid(&e))?;
        let value = hyper::header::HeaderValue::from_str(v).map_err(|e| invalid(&e))?;
        add(name, value);
    }
    let value = |v: String| hyper::header::HeaderValue::try_from(v).map_err(|e| invalid(&e));
    if !has_host {
        add(hyper::header::HOST, value(host_header(url))?);
    }
    if !has_ua && !h.user_agent.is_empty() {
        let ua = hyper::header::HeaderValue::from_str(h.user_agent).map_err(|e| invalid(&e))?;
        add(hyper::header::USER_AGENT, ua);
    }
    if !has_auth && let Some(a) = h.authorization {
        add(hyper::header::AUTHORIZATION, value(a)?);
    }
    if !has_cookie && let Some(c) = h.cookie {
        add(hyper::header::COOKIE, value(c)?);
    }
    if let Some(r) = h.referer {
        add(hyper::header::REFERER, value(r)?);
    }
    // Go sends `Content-Length: 0` for these methods (case-sensitive) even without a body;
    // hyper would send nothing, and data_sent would differ from k6's.
    if body.is_empty() && !has_length && matches!(method, "POST" | "PUT" | "PATCH") {
        add(
            hyper::header::CONTENT_LENGTH,
            hyper::header::HeaderValue::from_static("0"),
        );
    }
    Ok(req)
}

/// Runs a request with its redirects (and digest challenge), emitting samples per hop.
/// Works both for the blocking API (driven by `block_on`) and for `asyncRequest`/`batch`.
pub(super) async fn perform(
    ctx: &RefCell<&mut Context>,
    spec: RequestSpec,
) -> JsResult<ResponseData> {
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
            let mut data = fail_unsent(
                ctx,
                &spec,
                &spec.method,
                shown,
                error.clone(),
                expected,
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
                    return fail_unsent(ctx, &spec, &method, &shown, e, expected, request_info);
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
pub(super) fn parse_error_response(
    ctx: &mut Context,
    e: HttpError,
    warning: &str,
) -> JsResult<JsValue> {
    let throw = vu_state(ctx).borrow().shared.options.throw;
    if throw {
        return Err(go_error(e.message, ctx));
    }
    console::log(Level::Warn, warning, &[("error", &e.message)]);
    make_response(ctx, ResponseData::parse_failure(e))
}

pub(in crate::js::modules) fn request_sync(
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
