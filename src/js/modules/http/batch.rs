//! `http.batch`: entries as strings, arrays or objects, sent concurrently; k6's answer
//! to an invalid entry.

use super::*;

/// Go's `%#v` of a `[]interface{}`, for k6's "invalid batch request" message.
pub(super) fn go_sharp_slice(obj: &JsObject, ctx: &mut Context) -> JsResult<String> {
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
pub(super) fn batch_entry(
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

pub(super) fn batch_fn(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
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
pub(super) fn batch_parse_failure(
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
