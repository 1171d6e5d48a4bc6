//! Cookies: which cookies a hop sends (request params and the VU's jar, in k6's order)
//! and the `http.CookieJar` object scripts use.

use super::*;

/// The cookies of one hop as k6 adds them: the request's own first, then the jar's in the
/// jar's order, minus those a request cookie with `replace` overrides (confirmed on k6
/// v1.1.0: `a=param; c=jar; a=jarA`).
pub(super) fn hop_cookies(spec: &RequestSpec, jar: &Jar, url: &Url) -> Vec<(String, String)> {
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

pub(super) fn jar_of(this: &JsValue) -> JsResult<JarRef> {
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
pub(super) fn jar_url(args: &[JsValue], ctx: &mut Context) -> JsResult<Option<Url>> {
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

pub(super) fn jar_cookies_for_url(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
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

pub(super) fn jar_set(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn jar_clear(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let jar = jar_of(this)?;
    if let Some(url) = jar_url(args, ctx)? {
        jar.borrow_mut().remove_for_url(&url, None);
    }
    Ok(JsValue::undefined())
}

pub(super) fn jar_delete(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let jar = jar_of(this)?;
    let url = jar_url(args, ctx)?;
    let name = to_rust_string(args.get_or_undefined(1), ctx)?;
    if let Some(url) = url {
        jar.borrow_mut().remove_for_url(&url, Some(&name));
    }
    Ok(JsValue::undefined())
}

pub(super) fn jar_object(ctx: &mut Context, jar: JarRef) -> JsObject {
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

pub(super) fn cookie_jar_fn(_: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let jar = http_state(ctx).borrow().jar.clone();
    Ok(jar_object(ctx, jar).into())
}

pub(super) fn cookie_jar_ctor(_: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    Ok(jar_object(ctx, Rc::new(RefCell::new(Jar::new()))).into())
}
