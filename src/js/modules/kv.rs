//! `k6/x/kv`: the shared key-value store of xk6-kv (`oleiade/xk6-kv` and the atomic superset of
//! its `oshokin/xk6-kv` fork), backed by [`crate::kv`].
//!
//! `openKv(options)` (init context only) returns an object bound to the process-wide store; every
//! VU's object refers to the same store. Every method returns a Promise like xk6-kv's, and
//! failures reject with a plain `{ name, message }` object (not an `Error` instance), as the fork's
//! `ToSobekValue` builds them, so `err.name === 'KeyNotFoundError'` checks keep working.
//!
//! Store operations run synchronously on the VU thread and the promise is returned already
//! settled: they take microseconds (memory) or one shared group-commit fsync (disk), and each VU
//! has its own thread, so blocking it is what awaiting the promise would do anyway and it spares
//! a hop through the event loop. Callbacks still run as microtasks, as with any promise.

use std::rc::Rc;

use boa_engine::builtins::object::OrdinaryObject;
use boa_engine::object::ObjectInitializer;
use boa_engine::object::builtins::{JsArray, JsPromise};
use boa_engine::{
    Context, JsArgs, JsError, JsNativeError, JsObject, JsResult, JsString, JsValue, JsVariant,
    NativeFunction,
};
use bytes::Bytes;
use serde_json::Value as Json;

use crate::js::runtime::{Phase, vu_state};
use crate::js::util::{ALL, func};
use crate::kv::{
    self, Backend, BackupOptions, KvError, KvHandle, KvOptions, RestoreOptions, Serialization,
};

pub const EXPORTS: &[&str] = &["openKv"];

/// Deepest nesting of a JSON value: serde_json refuses to parse deeper documents, so a deeper
/// value could be stored but never read back (its limit is 127 levels; 100 leaves a margin).
const MAX_DEPTH: usize = 100;

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let open = func(ctx, "openKv", 1, NativeFunction::from_fn_ptr(open_kv));
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("openKv"), open, ALL)
        .build())
}

/// One `openKv()` result: the handle on the shared store and how values are encoded.
struct Binding {
    handle: KvHandle,
    serialization: Serialization,
}

/// Why a method's promise rejects.
enum Failure {
    /// `{ name, message }`, like xk6-kv's errors.
    Named(&'static str, String),
    /// An exception thrown by script code the method called (a `toJSON`, a getter): passed on.
    Js(JsError),
}

impl From<KvError> for Failure {
    fn from(e: KvError) -> Self {
        Failure::Named(e.name(), e.to_string())
    }
}

impl From<JsError> for Failure {
    fn from(e: JsError) -> Self {
        Failure::Js(e)
    }
}

type Outcome = Result<JsValue, Failure>;
type Method = fn(&Binding, &[JsValue], &mut Context) -> Outcome;

fn invalid(message: String) -> Failure {
    Failure::Named("InvalidOptionsError", message)
}

fn serializer_error(message: String) -> Failure {
    Failure::Named("SerializerError", message)
}

/// `{ name, message }` as a plain object.
fn error_object(name: &str, message: &str, ctx: &mut Context) -> JsValue {
    ObjectInitializer::new(ctx)
        .property(JsString::from("name"), JsString::from(name), ALL)
        .property(JsString::from("message"), JsString::from(message), ALL)
        .build()
        .into()
}

/// An `Error` whose `name` is an xk6-kv error name, for what `openKv` and `close` throw.
fn thrown(name: &str, message: String, ctx: &mut Context) -> JsError {
    let obj = JsNativeError::error()
        .with_message(message)
        .into_opaque(ctx);
    if let Err(e) = obj.set(JsString::from("name"), JsString::from(name), false, ctx) {
        return e;
    }
    JsError::from_opaque(obj.into())
}

fn settle(outcome: Outcome, ctx: &mut Context) -> JsResult<JsValue> {
    let promise = match outcome {
        Ok(v) => JsPromise::resolve(v, ctx)?,
        Err(Failure::Named(name, message)) => {
            let err = error_object(name, &message, ctx);
            JsPromise::reject(JsError::from_opaque(err), ctx)?
        }
        Err(Failure::Js(e)) => JsPromise::reject(e, ctx)?,
    };
    Ok(promise.into())
}

const METHODS: &[(&str, usize, Method)] = &[
    ("get", 1, get),
    ("set", 2, set),
    ("delete", 1, delete),
    ("exists", 1, exists),
    ("list", 1, list),
    ("clear", 0, clear),
    ("size", 0, size),
    ("count", 1, count),
    ("incrementBy", 2, increment_by),
    ("getOrSet", 2, get_or_set),
    ("swap", 2, swap),
    ("compareAndSwap", 3, compare_and_swap),
    ("setIfAbsent", 2, set_if_absent),
    ("deleteIfExists", 1, delete_if_exists),
    ("compareAndDelete", 2, compare_and_delete),
    ("getMany", 1, get_many),
    ("setMany", 1, set_many),
    ("deleteMany", 1, delete_many),
    ("scan", 1, scan),
    ("randomKey", 1, random_key),
    ("backup", 1, backup),
    ("restore", 1, restore),
];

fn open_kv(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    if vu_state(ctx).borrow().phase != Phase::Init {
        return Err(thrown(
            "InitContextError",
            "openKv() must be called in the init context (the global scope of the script), \
             not in setup, default, teardown or handleSummary"
                .into(),
            ctx,
        ));
    }
    let options = match open_options(args.get_or_undefined(0), ctx)? {
        Ok(o) => o,
        Err(Failure::Named(name, message)) => return Err(thrown(name, message, ctx)),
        Err(Failure::Js(e)) => return Err(e),
    };
    let handle = kv::open_shared(&options).map_err(|e| thrown(e.name(), e.to_string(), ctx))?;
    let binding = Rc::new(Binding {
        serialization: handle.options().serialization,
        handle,
    });
    let mut obj = ObjectInitializer::new(ctx);
    for &(name, len, method) in METHODS {
        let b = Rc::clone(&binding);
        // SAFETY: the closure captures only an `Rc` of plain Rust data (no GC pointers), so the
        // garbage collector has nothing to trace in it.
        let f = unsafe {
            NativeFunction::from_closure(move |_, args, ctx| {
                let outcome = method(&b, args, ctx);
                settle(outcome, ctx)
            })
        };
        obj.function(f, JsString::from(name), len);
    }
    let b = Rc::clone(&binding);
    // SAFETY: as above, only an `Rc` of plain Rust data is captured.
    let close = unsafe {
        NativeFunction::from_closure(move |_, _, ctx| {
            b.handle
                .close()
                .map_err(|e| thrown(e.name(), e.to_string(), ctx))?;
            Ok(JsValue::undefined())
        })
    };
    obj.function(close, JsString::from("close"), 0);
    Ok(obj.build().into())
}

/// `openKv(options)`: `backend`, `serialization`, `path`. The fork's tuning options (`trackKeys`,
/// `memory`, `disk`, `metrics`) are accepted and ignored.
fn open_options(v: &JsValue, ctx: &mut Context) -> JsResult<Result<KvOptions, Failure>> {
    let mut options = KvOptions::default();
    let obj = match options_object("openKv", v) {
        Ok(Some(obj)) => obj,
        Ok(None) => return Ok(Ok(options)),
        Err(e) => return Ok(Err(e)),
    };
    let field = |name: &str, ctx: &mut Context| -> JsResult<Result<Option<String>, Failure>> {
        let raw = obj.get(JsString::from(name), ctx)?;
        Ok(opt_string("openKv", name, &raw))
    };
    match field("backend", ctx)? {
        Ok(Some(b)) => match Backend::parse(&b) {
            Ok(b) => options.backend = b,
            Err(e) => return Ok(Err(e.into())),
        },
        Ok(None) => {}
        Err(e) => return Ok(Err(e)),
    }
    match field("serialization", ctx)? {
        Ok(Some(s)) => match Serialization::parse(&s) {
            Ok(s) => options.serialization = s,
            Err(e) => return Ok(Err(e.into())),
        },
        Ok(None) => {}
        Err(e) => return Ok(Err(e)),
    }
    match field("path", ctx)? {
        Ok(Some(p)) if !p.is_empty() => options.path = p.into(),
        Ok(_) => {}
        Err(e) => return Ok(Err(e)),
    }
    Ok(Ok(options))
}

// ---- argument conversion ---------------------------------------------------------------------

fn type_name(v: &JsValue) -> &'static str {
    match v.variant() {
        JsVariant::Null => "null",
        JsVariant::Undefined => "undefined",
        JsVariant::Boolean(_) => "boolean",
        JsVariant::String(_) => "string",
        JsVariant::Float64(_) | JsVariant::Integer32(_) => "number",
        JsVariant::BigInt(_) => "bigint",
        JsVariant::Symbol(_) => "symbol",
        JsVariant::Object(o) if o.is_callable() => "function",
        JsVariant::Object(o) if o.is_array() => "array",
        JsVariant::Object(_) => "object",
    }
}

/// A key argument. Strings are taken as they are; numbers and booleans are converted to their
/// string form (the original xk6-kv accepted any value that way); anything else is rejected, as
/// the fork does.
fn key_arg(method: &str, v: &JsValue, ctx: &mut Context) -> Result<String, Failure> {
    match v.variant() {
        JsVariant::String(s) => Ok(s.to_std_string_escaped()),
        JsVariant::Float64(_) | JsVariant::Integer32(_) | JsVariant::Boolean(_) => {
            Ok(v.to_string(ctx)?.to_std_string_escaped())
        }
        _ => Err(invalid(format!(
            "{method} key must be a string; got {}",
            type_name(v)
        ))),
    }
}

/// An options argument: `None` for `null`/`undefined`, an error for non-objects.
fn options_object(method: &str, v: &JsValue) -> Result<Option<JsObject>, Failure> {
    match v.variant() {
        JsVariant::Null | JsVariant::Undefined => Ok(None),
        JsVariant::Object(o) if !o.is_callable() && !o.is_array() => Ok(Some(o.clone())),
        _ => Err(invalid(format!(
            "{method} options must be an object, null, or undefined; got {}",
            type_name(v)
        ))),
    }
}

fn opt_string(method: &str, field: &str, v: &JsValue) -> Result<Option<String>, Failure> {
    match v.variant() {
        JsVariant::Null | JsVariant::Undefined => Ok(None),
        JsVariant::String(s) => Ok(Some(s.to_std_string_escaped())),
        _ => Err(invalid(format!(
            "{method} options.{field} must be a string; got {}",
            type_name(v)
        ))),
    }
}

fn opt_i64(method: &str, field: &str, v: &JsValue) -> Result<Option<i64>, Failure> {
    match v.variant() {
        JsVariant::Null | JsVariant::Undefined => Ok(None),
        JsVariant::Integer32(i) => Ok(Some(i64::from(i))),
        JsVariant::Float64(f) if f.is_finite() => Ok(Some(f.trunc() as i64)),
        _ => Err(invalid(format!(
            "{method} options.{field} must be a finite number; got {}",
            type_name(v)
        ))),
    }
}

/// Reads `field` of an options object (absent options: every field absent).
fn field(obj: &Option<JsObject>, name: &str, ctx: &mut Context) -> JsResult<JsValue> {
    match obj {
        Some(o) => o.get(JsString::from(name), ctx),
        None => Ok(JsValue::undefined()),
    }
}

/// `prefix` of a list/scan/count/randomKey options object (`""`: every key).
fn prefix_of(method: &str, obj: &Option<JsObject>, ctx: &mut Context) -> Result<String, Failure> {
    let raw = field(obj, "prefix", ctx)?;
    Ok(opt_string(method, "prefix", &raw)?.unwrap_or_default())
}

fn limit_of(method: &str, obj: &Option<JsObject>, ctx: &mut Context) -> Result<i64, Failure> {
    let raw = field(obj, "limit", ctx)?;
    Ok(opt_i64(method, "limit", &raw)?.unwrap_or(0))
}

/// The `delta` of `incrementBy`: an integral number within int64, like the fork's
/// `exportToInt64`.
fn delta_arg(v: &JsValue) -> Result<i64, Failure> {
    let bad = |reason: String| {
        Failure::Named(
            "ValueNumberRequiredError",
            format!("delta must be a number: {reason}"),
        )
    };
    match v.variant() {
        JsVariant::Integer32(i) => Ok(i64::from(i)),
        JsVariant::Float64(f) => {
            if !f.is_finite() {
                Err(bad(format!("non-finite number: {f}")))
            } else if f.trunc() != f {
                Err(bad(format!("number must be an integer: {f}")))
            } else if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
                Err(bad(format!("number out of int64 range: {f}")))
            } else {
                Ok(f as i64)
            }
        }
        _ => Err(bad(format!("got {}", type_name(v)))),
    }
}

fn string_list(
    method: &str,
    what: &str,
    v: &JsValue,
    ctx: &mut Context,
) -> Result<Vec<String>, Failure> {
    let arr = match v.as_object() {
        Some(o) if o.is_array() => o,
        _ => {
            return Err(invalid(format!(
                "{method} {what} must be an array of strings; got {}",
                type_name(v)
            )));
        }
    };
    let len = length(&arr, ctx)?;
    let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    for i in 0..len {
        let item = arr.get(i, ctx)?;
        match item.as_string() {
            Some(s) => out.push(s.to_std_string_escaped()),
            None => {
                return Err(invalid(format!(
                    "{method} {what}[{i}] must be a string; got {}",
                    type_name(&item)
                )));
            }
        }
    }
    Ok(out)
}

/// `obj.length` as an array length.
fn length(obj: &JsObject, ctx: &mut Context) -> JsResult<u64> {
    obj.get(JsString::from("length"), ctx)?.to_length(ctx)
}

// ---- serialization ---------------------------------------------------------------------------

/// Encodes a value the way the store's `serialization` says.
fn encode(b: &Binding, key: &str, v: &JsValue, ctx: &mut Context) -> Result<Bytes, Failure> {
    match b.serialization {
        Serialization::Json => {
            let json = to_json(v, ctx, &mut Vec::new()).map_err(|e| match e {
                Failure::Named(name, msg) => Failure::Named(
                    name,
                    format!("cannot store the value of key {key:?}: {msg}"),
                ),
                other => other,
            })?;
            serde_json::to_vec(&json)
                .map(Bytes::from)
                .map_err(|e| serializer_error(format!("cannot encode key {key:?} as JSON: {e}")))
        }
        Serialization::String => match v.variant() {
            JsVariant::String(s) => Ok(Bytes::from(s.to_std_string_escaped())),
            _ => Ok(Bytes::from(v.to_string(ctx)?.to_std_string_escaped())),
        },
    }
}

/// Decodes stored bytes: JSON values become JS values (numbers are JS numbers, an empty value
/// is `null`); with `string` serialization the bytes become a string.
fn decode(b: &Binding, bytes: &[u8], ctx: &mut Context) -> Outcome {
    match b.serialization {
        Serialization::Json => {
            if bytes.is_empty() {
                return Ok(JsValue::null());
            }
            let json: Json = serde_json::from_slice(bytes).map_err(|e| {
                serializer_error(format!(
                    "unable to deserialize JSON value: {e} (was the store written with \
                     serialization: 'string'?)"
                ))
            })?;
            Ok(JsValue::from_json(&json, ctx)?)
        }
        Serialization::String => Ok(JsString::from(String::from_utf8_lossy(bytes).as_ref()).into()),
    }
}

/// A JS value as JSON, with Go's `json.Marshal` rules where xk6-kv users can observe them:
/// `undefined` becomes `null` (also inside objects), object keys come out sorted, functions,
/// symbols, bigints, non-finite numbers and cycles are refused instead of being dropped or
/// turned into `null`. `toJSON` methods are honoured (a `Date` is stored as its ISO string).
/// `parents` holds the objects being serialized around `v`, to refuse cycles.
fn to_json(v: &JsValue, ctx: &mut Context, parents: &mut Vec<JsObject>) -> Result<Json, Failure> {
    match v.variant() {
        JsVariant::Null | JsVariant::Undefined => Ok(Json::Null),
        JsVariant::Boolean(b) => Ok(Json::Bool(b)),
        JsVariant::String(s) => Ok(Json::String(s.to_std_string_escaped())),
        JsVariant::Integer32(i) => Ok(Json::from(i)),
        JsVariant::Float64(f) => number_json(f),
        JsVariant::BigInt(_) => Err(unsupported("a BigInt")),
        JsVariant::Symbol(_) => Err(unsupported("a Symbol")),
        JsVariant::Object(obj) => {
            if obj.is_callable() {
                return Err(unsupported("a function"));
            }
            if parents.iter().any(|p| JsObject::equals(p, &obj)) {
                return Err(serializer_error(
                    "the value contains a cycle (an object that contains itself)".into(),
                ));
            }
            if parents.len() >= MAX_DEPTH {
                return Err(serializer_error(format!(
                    "values nested deeper than {MAX_DEPTH} levels cannot be stored"
                )));
            }
            parents.push(obj.clone());
            let json = object_json(v, &obj, ctx, parents);
            parents.pop();
            json
        }
    }
}

fn object_json(
    v: &JsValue,
    obj: &JsObject,
    ctx: &mut Context,
    parents: &mut Vec<JsObject>,
) -> Result<Json, Failure> {
    let to_json_fn = obj.get(JsString::from("toJSON"), ctx)?;
    if let Some(f) = to_json_fn.as_callable() {
        let replaced = f.call(v, &[JsString::from("").into()], ctx)?;
        return to_json(&replaced, ctx, parents);
    }
    if obj.is_array() {
        let len = length(obj, ctx)?;
        let mut items = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        for i in 0..len {
            let item = obj.get(i, ctx)?;
            items.push(to_json(&item, ctx, parents)?);
        }
        return Ok(Json::Array(items));
    }
    let keys = OrdinaryObject::keys(&JsValue::undefined(), std::slice::from_ref(v), ctx)?;
    let keys = keys
        .as_object()
        .ok_or_else(|| serializer_error("Object.keys returned no array".into()))?;
    let len = length(&keys, ctx)?;
    let mut fields = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    for i in 0..len {
        let k = keys.get(i, ctx)?;
        let Some(name) = k.as_string() else { continue };
        let item = obj.get(name.clone(), ctx)?;
        fields.push((name.to_std_string_escaped(), to_json(&item, ctx, parents)?));
    }
    // Sorted by key bytes like Go's json.Marshal of a map, so equal objects serialize to
    // equal bytes whatever their key order (compareAndSwap/compareAndDelete compare
    // bytes). serde_json's map keeps insertion order in this build (preserve_order).
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Json::Object(fields.into_iter().collect()))
}

fn number_json(f: f64) -> Result<Json, Failure> {
    if !f.is_finite() {
        return Err(serializer_error(format!(
            "{f} cannot be stored as JSON (only finite numbers can)"
        )));
    }
    // Integral values within int64 are written without a fraction ("42", not "42.0"), as Go
    // does (sobek exports them as int64), so counters written by `set` and by `incrementBy`
    // look the same.
    if f.trunc() == f && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        return Ok(Json::from(f as i64));
    }
    serde_json::Number::from_f64(f)
        .map(Json::Number)
        .ok_or_else(|| serializer_error(format!("{f} cannot be stored as JSON")))
}

fn unsupported(what: &str) -> Failure {
    serializer_error(format!(
        "{what} cannot be serialized as JSON (values must be JSON data: objects, arrays, \
         strings, finite numbers, booleans or null)"
    ))
}

// ---- methods ---------------------------------------------------------------------------------

fn arg(args: &[JsValue], i: usize) -> &JsValue {
    args.get_or_undefined(i)
}

fn get(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let key = key_arg("get", arg(args, 0), ctx)?;
    let bytes = b.handle.get(&key)?;
    decode(b, &bytes, ctx)
}

fn set(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let key = key_arg("set", arg(args, 0), ctx)?;
    let value = arg(args, 1);
    let bytes = encode(b, &key, value, ctx)?;
    b.handle.set(&key, bytes)?;
    // xk6-kv resolves with the very value passed in.
    Ok(value.clone())
}

fn delete(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let key = key_arg("delete", arg(args, 0), ctx)?;
    Ok(b.handle.delete(&key)?.into())
}

fn exists(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let key = key_arg("exists", arg(args, 0), ctx)?;
    Ok(b.handle.exists(&key)?.into())
}

fn entries_array(b: &Binding, entries: Vec<kv::Entry>, ctx: &mut Context) -> Outcome {
    let mut items = Vec::with_capacity(entries.len());
    for entry in entries {
        let value = decode(b, &entry.value, ctx)?;
        let item = ObjectInitializer::new(ctx)
            .property(
                JsString::from("key"),
                JsString::from(entry.key.as_str()),
                ALL,
            )
            .property(JsString::from("value"), value, ALL)
            .build();
        items.push(JsValue::from(item));
    }
    Ok(JsArray::from_iter(items, ctx).into())
}

fn list(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let opts = options_object("list", arg(args, 0))?;
    let prefix = prefix_of("list", &opts, ctx)?;
    let limit = limit_of("list", &opts, ctx)?;
    let entries = b.handle.list(&prefix, limit)?;
    entries_array(b, entries, ctx)
}

fn clear(b: &Binding, _: &[JsValue], _: &mut Context) -> Outcome {
    Ok(b.handle.clear()?.into())
}

fn size(b: &Binding, _: &[JsValue], _: &mut Context) -> Outcome {
    Ok(b.handle.size()?.into())
}

fn count(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let opts = options_object("count", arg(args, 0))?;
    let prefix = prefix_of("count", &opts, ctx)?;
    Ok(b.handle.count(&prefix)?.into())
}

fn increment_by(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let key = key_arg("incrementBy", arg(args, 0), ctx)?;
    let delta = delta_arg(arg(args, 1))?;
    Ok(b.handle.increment_by(&key, delta)?.into())
}

fn get_or_set(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let key = key_arg("getOrSet", arg(args, 0), ctx)?;
    let bytes = encode(b, &key, arg(args, 1), ctx)?;
    let r = b.handle.get_or_set(&key, bytes)?;
    let value = decode(b, &r.value, ctx)?;
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("value"), value, ALL)
        .property(JsString::from("loaded"), r.loaded, ALL)
        .build()
        .into())
}

fn swap(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let key = key_arg("swap", arg(args, 0), ctx)?;
    let bytes = encode(b, &key, arg(args, 1), ctx)?;
    let r = b.handle.swap(&key, bytes)?;
    let previous = match &r.previous {
        Some(p) => decode(b, p, ctx)?,
        None => JsValue::null(),
    };
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("previous"), previous, ALL)
        .property(JsString::from("loaded"), r.loaded, ALL)
        .build()
        .into())
}

fn compare_and_swap(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let key = key_arg("compareAndSwap", arg(args, 0), ctx)?;
    // null/undefined as the expected value means "only if absent", as in the fork.
    let old = if arg(args, 1).is_null_or_undefined() {
        None
    } else {
        Some(encode(b, &key, arg(args, 1), ctx)?)
    };
    let new = encode(b, &key, arg(args, 2), ctx)?;
    Ok(b.handle.compare_and_swap(&key, old.as_deref(), new)?.into())
}

fn set_if_absent(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let key = key_arg("setIfAbsent", arg(args, 0), ctx)?;
    let new = encode(b, &key, arg(args, 1), ctx)?;
    Ok(b.handle.compare_and_swap(&key, None, new)?.into())
}

fn delete_if_exists(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let key = key_arg("deleteIfExists", arg(args, 0), ctx)?;
    Ok(b.handle.delete_if_exists(&key)?.into())
}

fn compare_and_delete(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let key = key_arg("compareAndDelete", arg(args, 0), ctx)?;
    // Unlike compareAndSwap, null is an ordinary expected value here (the fork compares its
    // serialization).
    let old = encode(b, &key, arg(args, 1), ctx)?;
    Ok(b.handle.compare_and_delete(&key, &old)?.into())
}

fn get_many(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let keys = string_list("getMany", "keys", arg(args, 0), ctx)?;
    let values = b.handle.get_many(&keys)?;
    let mut items = Vec::with_capacity(keys.len());
    for (key, value) in keys.iter().zip(values) {
        let (exists, value) = match value {
            Some(bytes) => (true, decode(b, &bytes, ctx)?),
            None => (false, JsValue::null()),
        };
        let item = ObjectInitializer::new(ctx)
            .property(JsString::from("key"), JsString::from(key.as_str()), ALL)
            .property(JsString::from("exists"), exists, ALL)
            .property(JsString::from("value"), value, ALL)
            .build();
        items.push(JsValue::from(item));
    }
    Ok(JsArray::from_iter(items, ctx).into())
}

/// `setMany({ key: value, ... })`: the fork takes an object, not an array of entries.
fn set_many(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let v = arg(args, 0);
    let obj = match v.as_object() {
        Some(o) if !o.is_array() && !o.is_callable() => o.clone(),
        _ => {
            return Err(invalid(format!(
                "setMany entries must be an object; got {}",
                type_name(v)
            )));
        }
    };
    let keys = OrdinaryObject::keys(&JsValue::undefined(), std::slice::from_ref(v), ctx)?;
    let keys = keys
        .as_object()
        .ok_or_else(|| invalid("setMany entries must be an object".into()))?;
    let len = length(&keys, ctx)?;
    let mut entries = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    for i in 0..len {
        let k = keys.get(i, ctx)?;
        let Some(name) = k.as_string() else { continue };
        let key = name.to_std_string_escaped();
        if key.is_empty() {
            return Err(invalid(
                "setMany validation failed: 1 invalid entry (key must be a non-empty string)"
                    .into(),
            ));
        }
        let value = obj.get(name.clone(), ctx)?;
        let bytes = encode(b, &key, &value, ctx)?;
        entries.push((key, bytes));
    }
    let written = b.handle.set_many(entries)?;
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("written"), JsValue::from(written), ALL)
        .build()
        .into())
}

fn delete_many(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let keys = string_list("deleteMany", "keys", arg(args, 0), ctx)?;
    let r = b.handle.delete_many(&keys)?;
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("deleted"), JsValue::from(r.deleted), ALL)
        .property(JsString::from("missing"), JsValue::from(r.missing), ALL)
        .build()
        .into())
}

fn scan(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let opts = options_object("scan", arg(args, 0))?;
    let prefix = prefix_of("scan", &opts, ctx)?;
    let limit = limit_of("scan", &opts, ctx)?;
    let raw = field(&opts, "cursor", ctx)?;
    let cursor = opt_string("scan", "cursor", &raw)?.unwrap_or_default();
    let page = b.handle.scan(&prefix, limit, &cursor)?;
    let entries = entries_array(b, page.entries, ctx)?;
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("entries"), entries, ALL)
        .property(
            JsString::from("cursor"),
            JsString::from(page.cursor.as_str()),
            ALL,
        )
        .property(JsString::from("done"), page.done, ALL)
        .build()
        .into())
}

fn random_key(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let opts = options_object("randomKey", arg(args, 0))?;
    let prefix = prefix_of("randomKey", &opts, ctx)?;
    let key = b.handle.random_key(&prefix)?.unwrap_or_default();
    Ok(JsString::from(key.as_str()).into())
}

fn backup(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let opts = options_object("backup", arg(args, 0))?;
    let raw = field(&opts, "fileName", ctx)?;
    let file_name = opt_string("backup", "fileName", &raw)?;
    let allow = field(&opts, "allowConcurrentWrites", ctx)?.to_boolean();
    let summary = b.handle.backup(&BackupOptions {
        file_name: file_name.map(Into::into),
        allow_concurrent_writes: allow,
    })?;
    let mut obj = ObjectInitializer::new(ctx);
    obj.property(
        JsString::from("totalEntries"),
        JsValue::from(summary.total_entries),
        ALL,
    )
    .property(
        JsString::from("bytesWritten"),
        JsValue::from(summary.bytes_written),
        ALL,
    )
    .property(JsString::from("bestEffort"), summary.best_effort, ALL);
    if let Some(w) = &summary.warning {
        obj.property(JsString::from("warning"), JsString::from(w.as_str()), ALL);
    }
    Ok(obj.build().into())
}

fn restore(b: &Binding, args: &[JsValue], ctx: &mut Context) -> Outcome {
    let opts = options_object("restore", arg(args, 0))?;
    let raw = field(&opts, "fileName", ctx)?;
    let file_name = opt_string("restore", "fileName", &raw)?;
    let raw = field(&opts, "maxEntries", ctx)?;
    let max_entries = opt_i64("restore", "maxEntries", &raw)?.unwrap_or(0);
    let raw = field(&opts, "maxBytes", ctx)?;
    let max_bytes = opt_i64("restore", "maxBytes", &raw)?.unwrap_or(0);
    let summary = b.handle.restore(&RestoreOptions {
        file_name: file_name.map(Into::into),
        max_entries,
        max_bytes,
    })?;
    Ok(ObjectInitializer::new(ctx)
        .property(
            JsString::from("totalEntries"),
            JsValue::from(summary.total_entries),
            ALL,
        )
        .build()
        .into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use boa_engine::Source;

    fn json_of(src: &str) -> Result<String, String> {
        let mut ctx = Context::default();
        let v = ctx
            .eval(Source::from_bytes(src.as_bytes()))
            .map_err(|e| e.to_string())?;
        match to_json(&v, &mut ctx, &mut Vec::new()) {
            Ok(j) => Ok(j.to_string()),
            Err(Failure::Named(name, msg)) => Err(format!("{name}: {msg}")),
            Err(Failure::Js(e)) => Err(format!("js: {e}")),
        }
    }

    #[test]
    fn objects_serialize_with_sorted_keys() {
        assert_eq!(
            json_of("({ b: 1, a: { d: 2, c: [3, { z: 1, y: 2 }] } })").as_deref(),
            Ok(r#"{"a":{"c":[3,{"y":2,"z":1}],"d":2},"b":1}"#)
        );
    }

    #[test]
    fn numbers_like_go() {
        assert_eq!(
            json_of("[42, 2.5, -0, 1e21, 2**53, 2**63]").as_deref(),
            Ok("[42,2.5,0,1e+21,9007199254740992,9.223372036854776e+18]")
        );
        assert!(json_of("NaN").is_err_and(|e| e.starts_with("SerializerError")));
        assert!(json_of("[Infinity]").is_err());
    }

    #[test]
    fn undefined_is_null_like_go() {
        assert_eq!(
            json_of("({ a: undefined, b: [undefined] })").as_deref(),
            Ok(r#"{"a":null,"b":[null]}"#)
        );
        assert_eq!(json_of("undefined").as_deref(), Ok("null"));
    }

    #[test]
    fn functions_symbols_bigints_and_cycles_are_refused() {
        for src in [
            "(() => 1)",
            "({ f() {} })",
            "Symbol('s')",
            "10n",
            "(() => { const o = {}; o.o = o; return o; })()",
            "(() => { const a = []; a.push({ a }); return a; })()",
        ] {
            assert!(
                json_of(src).is_err_and(|e| e.starts_with("SerializerError")),
                "{src}"
            );
        }
        // The same object twice, but not inside itself, is not a cycle.
        assert_eq!(
            json_of("(() => { const o = { x: 1 }; return [o, o]; })()").as_deref(),
            Ok(r#"[{"x":1},{"x":1}]"#)
        );
    }

    #[test]
    fn depth_is_bounded_so_values_can_be_read_back() {
        // Built by a loop: a literal this deep overflows the parser's stack, not ours. The test
        // thread has the 2 MiB stack of a VU thread.
        let nested = |n: usize| {
            format!(
                "(() => {{ const top = []; let a = top; for (let i = 1; i < {n}; i++) {{ const b = []; a.push(b); a = b; }} return top; }})()"
            )
        };
        let text = json_of(&nested(MAX_DEPTH)).expect("100 levels are fine");
        assert!(serde_json::from_str::<Json>(&text).is_ok());
        assert!(json_of(&nested(MAX_DEPTH + 1)).is_err_and(|e| e.contains("deeper")));
    }

    #[test]
    fn to_json_methods_are_used() {
        assert_eq!(
            json_of("new Date(0)").as_deref(),
            Ok(r#""1970-01-01T00:00:00.000Z""#)
        );
        assert_eq!(
            json_of("({ toJSON() { return { v: 1 }; } })").as_deref(),
            Ok(r#"{"v":1}"#)
        );
    }
}
