//! Small helpers for native functions: argument conversion, errors, object building.

use std::sync::Arc;

use boa_engine::object::FunctionObjectBuilder;
use boa_engine::property::Attribute;
use boa_engine::{
    Context, JsArgs, JsError, JsNativeError, JsObject, JsResult, JsString, JsValue, NativeFunction,
};

pub fn type_error(msg: impl Into<String>) -> JsError {
    JsNativeError::typ().with_message(msg.into()).into()
}

pub fn error(msg: impl Into<String>) -> JsError {
    JsNativeError::error().with_message(msg.into()).into()
}

pub fn arg_string(args: &[JsValue], i: usize, ctx: &mut Context) -> JsResult<String> {
    Ok(args
        .get_or_undefined(i)
        .to_string(ctx)?
        .to_std_string_escaped())
}

pub fn to_rust_string(v: &JsValue, ctx: &mut Context) -> JsResult<String> {
    Ok(v.to_string(ctx)?.to_std_string_escaped())
}

pub fn func(ctx: &mut Context, name: &str, len: usize, f: NativeFunction) -> JsObject {
    FunctionObjectBuilder::new(ctx.realm(), f)
        .name(JsString::from(name))
        .length(len)
        .build()
        .into()
}

pub fn set(
    obj: &JsObject,
    key: &str,
    value: impl Into<JsValue>,
    ctx: &mut Context,
) -> JsResult<()> {
    obj.set(JsString::from(key), value.into(), true, ctx)?;
    Ok(())
}

pub fn get(obj: &JsObject, key: &str, ctx: &mut Context) -> JsResult<JsValue> {
    obj.get(JsString::from(key), ctx)
}

/// Defines a read-only, enumerable data property.
pub fn define_ro(
    obj: &JsObject,
    key: &str,
    value: impl Into<JsValue>,
    ctx: &mut Context,
) -> JsResult<()> {
    define(obj, key, value.into(), Attribute::ENUMERABLE, ctx)
}

/// Defines `key` as built-in methods are: writable and configurable, not enumerable (so
/// `JSON.stringify` and `Object.keys` leave it out).
pub fn define_hidden(
    obj: &JsObject,
    key: &str,
    value: impl Into<JsValue>,
    ctx: &mut Context,
) -> JsResult<()> {
    define(
        obj,
        key,
        value.into(),
        Attribute::WRITABLE | Attribute::CONFIGURABLE,
        ctx,
    )
}

fn define(
    obj: &JsObject,
    key: &str,
    value: JsValue,
    attributes: Attribute,
    ctx: &mut Context,
) -> JsResult<()> {
    obj.define_property_or_throw(
        JsString::from(key),
        boa_engine::property::PropertyDescriptor::builder()
            .value(value)
            .writable(attributes.writable())
            .enumerable(attributes.enumerable())
            .configurable(attributes.configurable()),
        ctx,
    )?;
    Ok(())
}

pub const ALL: Attribute = Attribute::all();

/// A property key as a string (`None` for symbols), as Go's `Object.Keys()` lists it.
pub fn key_name(key: &boa_engine::property::PropertyKey) -> Option<String> {
    match key {
        boa_engine::property::PropertyKey::String(s) => Some(s.to_std_string_escaped()),
        boa_engine::property::PropertyKey::Index(i) => Some(i.get().to_string()),
        boa_engine::property::PropertyKey::Symbol(_) => None,
    }
}

/// A function named `name` that always returns `value` (a fixed `toString`, say).
pub fn constant_fn(ctx: &mut Context, name: &str, value: JsValue) -> JsObject {
    FunctionObjectBuilder::new(
        ctx.realm(),
        NativeFunction::from_copy_closure_with_captures(
            |_, _, value: &JsValue, _| Ok(value.clone()),
            value,
        ),
    )
    .name(JsString::from(name))
    .build()
    .into()
}

/// Plain string-keyed entries of an object (own enumerable properties), values as strings.
/// Tag pairs as samples carry them.
pub type TagPairs = Vec<(Arc<str>, Arc<str>)>;

/// The pairs of a tags object (request, check or metric tags). As in k6, a value must be a
/// string, a boolean or a number: anything else (`undefined`, `null`, an object) is refused
/// with k6's message (`Err`), which each caller reports in its own way.
pub fn tag_entries(v: &JsValue, ctx: &mut Context) -> JsResult<Result<TagPairs, String>> {
    let Some(obj) = v.as_object() else {
        return Ok(Ok(Vec::new()));
    };
    let keys = obj.own_property_keys(ctx)?;
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let Some(key) = key_name(&k) else { continue };
        let val = obj.get(k, ctx)?;
        if !(val.is_string() || val.is_boolean() || val.is_number()) {
            return Ok(Err(format!(
                "invalid value for metric tag '{key}': only String, Boolean and Number types are accepted as a metric tag values"
            )));
        }
        out.push((
            Arc::from(key.as_str()),
            Arc::from(to_rust_string(&val, ctx)?.as_str()),
        ));
    }
    Ok(Ok(out))
}

/// Renders a value the way k6's console and `fail()` do: strings as-is, everything else as
/// JSON where possible.
pub fn display_value(v: &JsValue, ctx: &mut Context) -> String {
    if let Some(s) = v.as_string() {
        return s.to_std_string_escaped();
    }
    if let Some(obj) = v.as_object() {
        if obj.is::<boa_engine::builtins::error::Error>() {
            return v
                .to_string(ctx)
                .map(|s| s.to_std_string_escaped())
                .unwrap_or_else(|_| "Error".into());
        }
        if obj.is_callable() {
            return "[object Function]".into();
        }
        if let Ok(Some(json)) = v.to_json(ctx) {
            return json.to_string();
        }
    }
    v.to_string(ctx)
        .map(|s| s.to_std_string_escaped())
        .unwrap_or_else(|_| v.display().to_string())
}

/// The message and stack of a thrown value, formatted like k6 (`Error: msg\n\tat f (file:///x.js:1:2)`).
pub fn format_exception(err: &JsError, ctx: &mut Context) -> String {
    let value = err.clone().into_opaque(ctx).unwrap_or(JsValue::undefined());
    let head = match value.as_object() {
        Some(obj) if obj.is::<boa_engine::builtins::error::Error>() => value
            .to_string(ctx)
            .map(|s| s.to_std_string_escaped())
            .unwrap_or_else(|_| err.to_string()),
        // A Go error value k6 rejected with (see `go_value`): k6 logs its `Error()` text.
        Some(_) if super::go_value::is_go_error(&value) => value
            .to_string(ctx)
            .map(|s| s.to_std_string_escaped())
            .unwrap_or_else(|_| display_value(&value, ctx)),
        _ => display_value(&value, ctx),
    };
    let stack = value
        .as_object()
        .and_then(|o| o.get(JsString::from("stack"), ctx).ok())
        .and_then(|s| s.as_string().map(|s| s.to_std_string_escaped()))
        .unwrap_or_default();
    let mut out = head;
    for line in stack.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let line = line.replace(" (/", " (file:///");
        out.push_str("\n\t");
        out.push_str(&line);
    }
    out.push('\n');
    out
}
