//! The Response object: fields computed on first access (`res.status` alone costs
//! nothing else), `res.json()`, and `JSON.stringify(res)` in k6's field order.

use super::*;

#[derive(Trace, Finalize, JsData)]
pub(super) struct ResponseObject {
    #[unsafe_ignore_trace]
    pub(super) data: ResponseData,
}

pub(super) type Getter = fn(&ResponseData, &mut Context) -> JsResult<JsValue>;

pub(super) fn header_object(headers: &hyper::HeaderMap, ctx: &mut Context) -> JsObject {
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

pub(super) fn body_value(d: &ResponseData, ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn timings_value(d: &ResponseData, ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn cookies_value(d: &ResponseData, ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn request_value(d: &ResponseData, ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn status_text(status: u16, sent: Option<&str>) -> String {
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

pub(super) fn ocsp_value(d: &ResponseData, ctx: &mut Context) -> JsResult<JsValue> {
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
pub(super) const RESPONSE_FIELDS: &[(&str, Getter)] = &[
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

pub(super) fn response_getter(index: usize) -> NativeFunction {
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

pub(super) fn response_json(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
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

/// `JSON.stringify(res)`: every field, in k6's order.
pub(super) fn response_to_json(
    this: &JsValue,
    _: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
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

pub(super) fn response_proto(ctx: &mut Context) -> JsResult<JsObject> {
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
            NativeFunction::from_fn_ptr(crate::js::modules::http_navigation::submit_form),
            JsString::from("submitForm"),
            1,
        )
        .function(
            NativeFunction::from_fn_ptr(crate::js::modules::http_navigation::click_link),
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
pub(in crate::js::modules) fn response_url(v: &JsValue) -> JsResult<String> {
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

pub(super) fn make_response(ctx: &mut Context, data: ResponseData) -> JsResult<JsValue> {
    let proto = response_proto(ctx)?;
    note_native_bytes(ctx, data.native_bytes());
    Ok(JsObject::from_proto_and_data(Some(proto), ResponseObject { data }).into())
}
