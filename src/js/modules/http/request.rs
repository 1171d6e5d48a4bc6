//! Request description: a script's `(method, url, body, params)` parsed into a
//! `RequestSpec`, or into k6's parse error (the request is then never made).

use super::*;

#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum ResponseType {
    Text,
    Binary,
    None,
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Auth {
    /// Basic from URL credentials, when there are any.
    Basic,
    Digest,
}

/// Where a request goes: a URL it can be sent to, or one Go's transport refuses (the
/// request still "happens": samples with status 0).
pub(super) enum Target {
    Url(RequestUrl),
    Unsendable {
        /// What the script passed: `res.url` shows it as is.
        raw: String,
        /// Go's rendering, for tags and the warning.
        shown: String,
        error: HttpError,
    },
}

pub(super) struct ParamCookie {
    pub(super) name: String,
    pub(super) value: String,
    pub(super) replace: bool,
}

pub(super) struct RequestSpec {
    /// As the script wrote it: k6 does not upper-case methods.
    pub(super) method: String,
    pub(super) target: Target,
    /// The `name` tag when the script set one (params.tags.name or `http.url`).
    pub(super) name: Option<String>,
    /// Headers with Go-canonical names, in the script's order.
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Option<Bytes>,
    pub(super) compression: Vec<Coding>,
    /// User tags, `name` excluded.
    pub(super) tags: Vec<(Arc<str>, Arc<str>)>,
    pub(super) timeout: Duration,
    pub(super) max_redirects: u32,
    /// `redirects` was given in params: k6 then does not warn when it stops following.
    pub(super) redirects_set: bool,
    pub(super) response_type: ResponseType,
    /// `None` = the VU's callback; `Some(None)` = disabled for this request.
    pub(super) callback: Option<Option<ExpectedStatuses>>,
    pub(super) auth: Auth,
    pub(super) cookies: Vec<ParamCookie>,
    pub(super) jar: Option<JarRef>,
    pub(super) throw: bool,
}

/// The URL of a script value: a string, or an `http.url` template (which also names it).
/// A value of another type is k6's `invalid URL: '#<value>'`.
pub(super) fn url_from_value(
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
pub(super) fn go_value(v: &JsValue, ctx: &mut Context) -> JsResult<String> {
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

pub(super) fn parse_timeout(
    v: &JsValue,
    ctx: &mut Context,
) -> JsResult<Result<Duration, HttpError>> {
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
pub(super) fn body_from_value(
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
pub(super) const NO_CODE: u32 = 0;

/// Reads params; `Err(HttpError)` is a k6 parse error (the request is never made).
pub(super) fn apply_params(
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
pub(super) fn parse_request(
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
