//! `Response.submitForm()` and `Response.clickLink()`: k6's helpers that follow a form or a
//! link of an HTML response with a new request (k6's `js/modules/k6/http/response.go`),
//! built on `res.html()` and the module's own `request`.

use boa_engine::object::ObjectInitializer;
use boa_engine::{Context, JsArgs, JsObject, JsResult, JsString, JsValue};
use url::Url;

use super::encoding::go_error;
use super::http::{request_sync, response_url};
use crate::js::util::{to_rust_string, type_error};

/// Calls `obj[name](...args)`.
fn invoke(obj: &JsValue, name: &str, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let o = obj
        .as_object()
        .ok_or_else(|| type_error(format!("{name}() needs an object")))?;
    let f = o.get(JsString::from(name), ctx)?;
    let f = f
        .as_callable()
        .ok_or_else(|| type_error(format!("{name} is not a function")))?;
    f.call(obj, args, ctx)
}

/// `res.html(selector)` (needs k6/html, which rk6 always installs).
fn select(res: &JsValue, selector: &str, ctx: &mut Context) -> JsResult<JsValue> {
    invoke(res, "html", &[JsString::from(selector).into()], ctx)
}

fn size(selection: &JsValue, ctx: &mut Context) -> JsResult<f64> {
    invoke(selection, "size", &[], ctx)?.to_number(ctx)
}

fn attr(selection: &JsValue, name: &str, ctx: &mut Context) -> JsResult<Option<String>> {
    let v = invoke(selection, "attr", &[JsString::from(name).into()], ctx)?;
    if v.is_undefined() {
        return Ok(None);
    }
    Ok(Some(to_rust_string(&v, ctx)?))
}

/// The string-keyed options k6 reads from the first argument (others are ignored).
fn option(args: &[JsValue], key: &str, ctx: &mut Context) -> JsResult<Option<JsValue>> {
    let Some(o) = args.get_or_undefined(0).as_object() else {
        return Ok(None);
    };
    let v = o.get(JsString::from(key), ctx)?;
    Ok((!v.is_undefined()).then_some(v))
}

/// Resolves `reference` against the response URL as Go's `URL.ResolveReference` does.
fn resolve(base: &str, reference: &str, ctx: &mut Context) -> JsResult<Url> {
    let base = Url::parse(base).map_err(|e| go_error(format!("parse {base:?}: {e}"), ctx))?;
    base.join(reference)
        .map_err(|e| go_error(format!("parse {reference:?}: {e}"), ctx))
}

/// `res.submitForm({formSelector, fields, submitSelector, params})`.
pub fn submit_form(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let form_selector = match option(args, "formSelector", ctx)? {
        Some(v) => to_rust_string(&v, ctx)?,
        None => "form".to_string(),
    };
    let submit_selector = match option(args, "submitSelector", ctx)? {
        Some(v) => to_rust_string(&v, ctx)?,
        None => "[type=\"submit\"]".to_string(),
    };
    let fields = option(args, "fields", ctx)?;
    let params = option(args, "params", ctx)?.unwrap_or(JsValue::null());
    let res_url = response_url(this)?;

    let form = select(this, &form_selector, ctx)?;
    if size(&form, ctx)? == 0.0 {
        return Err(go_error(
            format!("no form found for selector '{form_selector}' in response '{res_url}'"),
            ctx,
        ));
    }
    let method = attr(&form, "method", ctx)?
        .map(|m| m.to_uppercase())
        .unwrap_or_else(|| "GET".to_string());
    let mut target = match attr(&form, "action", ctx)? {
        Some(action) => resolve(&res_url, &action, ctx)?,
        None => resolve(&res_url, "", ctx)?,
    };

    // The form's own values, then the submit button's name=value, then the caller's fields.
    let values = invoke(&form, "serializeObject", &[], ctx)?;
    let values = values
        .as_object()
        .unwrap_or_else(|| ObjectInitializer::new(ctx).build());
    let submit = invoke(
        &form,
        "find",
        &[JsString::from(submit_selector).into()],
        ctx,
    )?;
    let submit_name = invoke(&submit, "attr", &[JsString::from("name").into()], ctx)?;
    let submit_value = invoke(&submit, "val", &[], ctx)?;
    if !submit_name.is_undefined() && !submit_value.is_undefined() {
        let key = submit_name.to_string(ctx)?;
        values.set(key, submit_value, true, ctx)?;
    }
    if let Some(fields) = fields.as_ref().and_then(JsValue::as_object) {
        copy_fields(&fields, &values, ctx)?;
    }

    if method == "GET" {
        // Go's url.Values.Encode: keys sorted, the form replaces the action's query.
        let mut pairs: Vec<(String, String)> = Vec::new();
        for key in values.own_property_keys(ctx)? {
            let v = values.get(key.clone(), ctx)?;
            pairs.push((key.to_string(), to_rust_string(&v, ctx)?));
        }
        pairs.sort();
        target.set_query(None);
        if !pairs.is_empty() {
            target.query_pairs_mut().extend_pairs(pairs);
        }
        let url: JsValue = JsString::from(target.as_str()).into();
        return request_sync(method, &url, &JsValue::null(), &params, ctx);
    }
    let url: JsValue = JsString::from(target.as_str()).into();
    request_sync(method, &url, &values.into(), &params, ctx)
}

fn copy_fields(from: &JsObject, to: &JsObject, ctx: &mut Context) -> JsResult<()> {
    for key in from.own_property_keys(ctx)? {
        let v = from.get(key.clone(), ctx)?;
        to.set(key, v, true, ctx)?;
    }
    Ok(())
}

/// `res.clickLink({selector, params})`: a GET of the first matching element's `href`.
pub fn click_link(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let selector = match option(args, "selector", ctx)? {
        Some(v) => to_rust_string(&v, ctx)?,
        None => "a[href]".to_string(),
    };
    let params = option(args, "params", ctx)?.unwrap_or(JsValue::null());
    let res_url = response_url(this)?;
    let link = select(this, &selector, ctx)?;
    if size(&link, ctx)? == 0.0 {
        return Err(go_error(
            format!("no element found for selector '{selector}' in response '{res_url}'"),
            ctx,
        ));
    }
    let Some(href) = attr(&link, "href", ctx)? else {
        return Err(go_error(
            format!(
                "no valid href attribute value found on element '{selector}' in response '{res_url}'"
            ),
            ctx,
        ));
    };
    let target = resolve(&res_url, &href, ctx)?;
    let url: JsValue = JsString::from(target.as_str()).into();
    request_sync("GET".to_string(), &url, &JsValue::undefined(), &params, ctx)
}
