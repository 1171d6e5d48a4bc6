//! `k6/data`: `SharedArray`. The first VU that constructs a SharedArray with a given name runs
//! its function and stores every element as JSON text in the run's shared state; every other
//! VU (and every later construction with that name) reuses that text without calling the
//! function. Elements are parsed (and deep-frozen) on each access, as in k6, so N VUs hold
//! one copy of the data plus whatever elements they are currently using.
//!
//! The JS side is a Proxy over an empty array (so `Array.isArray`, array methods, spread,
//! `for...of` and `JSON.stringify` behave as on an array) whose traps are native functions.
//! The handler carries the shared data; the traps live on one handler prototype per VU.
//! (A JS-source handler was tried first: compiling it cost ~0.2 MB and ~1.5 ms per VU.)

use std::sync::Arc;

use boa_engine::native_function::NativeFunctionPointer;
use boa_engine::object::builtins::JsArray;
use boa_engine::object::{FunctionObjectBuilder, IntegrityLevel, ObjectInitializer};
use boa_engine::property::PropertyKey;
use boa_engine::{
    Context, JsArgs, JsData, JsNativeError, JsObject, JsResult, JsString, JsValue, NativeFunction,
};
use boa_gc::{Finalize, Trace};
use parking_lot::Mutex;

use super::encoding::go_error;
use crate::js::runtime::{Phase, RunShared, vu_state};
use crate::js::util::{ALL, func};

pub const EXPORTS: &[&str] = &["SharedArray"];

/// The elements of one SharedArray, each as its `JSON.stringify` text, in one buffer.
#[derive(Debug, Default)]
pub struct SharedData {
    buf: String,
    /// End offset in `buf` of each element.
    ends: Vec<usize>,
}

impl SharedData {
    pub fn push(&mut self, json: &str) {
        self.buf.push_str(json);
        self.ends.push(self.buf.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.buf.get(start..end)
    }
}

/// The registry entry for one name. Its lock is held while the first VU runs the function,
/// so VUs initialising concurrently wait for that result instead of running it again.
#[derive(Debug, Default)]
pub struct Slot(Mutex<Option<Arc<SharedData>>>);

/// The per-VU prototype of every SharedArray proxy handler (it holds the traps), made on
/// first use: `k6/experimental/csv` hands out SharedArrays too.
struct HandlerProto(JsObject);

/// A proxy handler: the data of one SharedArray.
#[derive(Trace, Finalize, JsData)]
struct Handler(#[unsafe_ignore_trace] Arc<SharedData>);

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let ctor: JsObject =
        FunctionObjectBuilder::new(ctx.realm(), NativeFunction::from_fn_ptr(shared_array))
            .name(JsString::from("SharedArray"))
            .length(2)
            .constructor(true)
            .build()
            .into();
    // `arr instanceof SharedArray` is false in k6 (the result is an Array), not a TypeError.
    let proto = JsObject::with_object_proto(ctx.intrinsics());
    ctor.set(JsString::from("prototype"), proto, false, ctx)?;
    Ok(boa_engine::object::ObjectInitializer::new(ctx)
        .property(JsString::from("SharedArray"), ctor, ALL)
        .build())
}

fn handler_proto(ctx: &mut Context) -> JsObject {
    if let Some(p) = ctx.get_data::<HandlerProto>() {
        return p.0.clone();
    }
    let traps: [(&str, usize, NativeFunctionPointer); 9] = [
        ("get", 3, trap_get),
        ("has", 2, trap_has),
        ("ownKeys", 1, trap_own_keys),
        ("getOwnPropertyDescriptor", 2, trap_descriptor),
        ("set", 4, trap_set),
        ("deleteProperty", 2, immutable),
        ("defineProperty", 3, immutable),
        ("setPrototypeOf", 2, immutable),
        ("preventExtensions", 1, immutable),
    ];
    let mut fns = Vec::new();
    for (name, len, f) in traps {
        fns.push((name, func(ctx, name, len, NativeFunction::from_fn_ptr(f))));
    }
    let mut init = ObjectInitializer::new(ctx);
    for (name, f) in fns {
        init.property(JsString::from(name), f, ALL);
    }
    let proto = init.build();
    // Kept in the context (a GC root) for the VU's lifetime, like the module exports.
    ctx.insert_data(HandlerProto(proto.clone()));
    proto
}

/// The run's SharedArray data named `name`: built by `build` the first time (other VUs asking
/// meanwhile wait for it), then shared.
pub fn shared_data(
    shared: &RunShared,
    name: &str,
    build: impl FnOnce() -> JsResult<SharedData>,
) -> JsResult<Arc<SharedData>> {
    let slot = shared
        .shared_arrays
        .lock()
        .entry(name.to_string())
        .or_default()
        .clone();
    let mut guard = slot.0.lock();
    match &*guard {
        Some(d) => Ok(d.clone()),
        None => {
            let d = Arc::new(build()?);
            *guard = Some(d.clone());
            Ok(d)
        }
    }
}

/// A SharedArray over `data`: a Proxy whose reads parse the shared JSON.
pub fn proxy(data: Arc<SharedData>, ctx: &mut Context) -> JsResult<JsValue> {
    let handler = JsObject::from_proto_and_data(Some(handler_proto(ctx)), Handler(data));
    let target: JsObject = JsArray::new(ctx)?.into();
    let proxy = ctx.intrinsics().constructors().proxy().constructor();
    Ok(proxy
        .construct(&[target.into(), handler.into()], None, ctx)?
        .into())
}

fn shared_array(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let vu = vu_state(ctx);
    if vu.borrow().phase != Phase::Init {
        return Err(go_error(
            "new SharedArray must be called in the init context",
            ctx,
        ));
    }
    // k6 takes the name with String(): a missing name is "undefined", not an error.
    let name = args
        .get_or_undefined(0)
        .to_string(ctx)?
        .to_std_string_lossy();
    if name.is_empty() {
        return Err(go_error(
            "empty name provided to SharedArray's constructor",
            ctx,
        ));
    }
    let Some(fun) = args.get_or_undefined(1).as_callable() else {
        return Err(go_error(
            "a function is expected as the second argument of SharedArray's constructor",
            ctx,
        ));
    };
    let shared = vu.borrow().shared.clone();
    let data = shared_data(&shared, &name, || build(&fun, ctx))?;
    proxy(data, ctx)
}

/// The data behind the handler a trap is called on (`this`).
fn handler_data(this: &JsValue) -> JsResult<Arc<SharedData>> {
    this.as_object()
        .and_then(|o| o.downcast_ref::<Handler>().map(|h| h.0.clone()))
        .ok_or_else(|| {
            JsNativeError::typ()
                .with_message("not a SharedArray handler")
                .into()
        })
}

/// What a property key means on a SharedArray.
enum Key {
    Index(usize),
    Length,
    Other(PropertyKey),
}

fn key_arg(v: &JsValue, ctx: &mut Context) -> JsResult<Key> {
    let key = v.to_property_key(ctx)?;
    Ok(match &key {
        PropertyKey::Index(i) => Key::Index(i.get() as usize),
        PropertyKey::String(s) if s.to_std_string_lossy() == "length" => Key::Length,
        _ => Key::Other(key),
    })
}

fn target_arg(args: &[JsValue]) -> JsResult<JsObject> {
    args.get_or_undefined(0).as_object().ok_or_else(|| {
        JsNativeError::typ()
            .with_message("proxy target is not an object")
            .into()
    })
}

fn trap_get(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let data = handler_data(this)?;
    match key_arg(args.get_or_undefined(1), ctx)? {
        Key::Length => Ok((data.len() as f64).into()),
        Key::Index(i) => match data.get(i) {
            Some(text) => parse_element(text, ctx),
            None => Ok(JsValue::undefined()),
        },
        // Array.prototype methods, Symbol.iterator, constructor...: from the array target.
        Key::Other(k) => target_arg(args)?.get(k, ctx),
    }
}

fn trap_has(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let data = handler_data(this)?;
    Ok(match key_arg(args.get_or_undefined(1), ctx)? {
        Key::Length => true,
        Key::Index(i) => i < data.len(),
        Key::Other(k) => target_arg(args)?.has_property(k, ctx)?,
    }
    .into())
}

fn trap_own_keys(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let data = handler_data(this)?;
    let keys = (0..data.len())
        .map(|i| JsValue::from(JsString::from(i.to_string())))
        .chain(std::iter::once(JsString::from("length").into()));
    Ok(JsArray::from_iter(keys, ctx).into())
}

fn descriptor(
    value: JsValue,
    writable: bool,
    enumerable: bool,
    configurable: bool,
    ctx: &mut Context,
) -> JsValue {
    ObjectInitializer::new(ctx)
        .property(JsString::from("value"), value, ALL)
        .property(JsString::from("writable"), writable, ALL)
        .property(JsString::from("enumerable"), enumerable, ALL)
        .property(JsString::from("configurable"), configurable, ALL)
        .build()
        .into()
}

fn trap_descriptor(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let data = handler_data(this)?;
    match key_arg(args.get_or_undefined(1), ctx)? {
        // Must agree with the target's own non-configurable, writable `length`.
        Key::Length => Ok(descriptor(
            (data.len() as f64).into(),
            true,
            false,
            false,
            ctx,
        )),
        Key::Index(i) => match data.get(i) {
            Some(text) => {
                let v = parse_element(text, ctx)?;
                Ok(descriptor(v, false, true, true, ctx))
            }
            None => Ok(JsValue::undefined()),
        },
        // The target is an empty array: `length` is its only own property.
        Key::Other(_) => Ok(JsValue::undefined()),
    }
}

fn immutable(_: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Err(JsNativeError::typ()
        .with_message("SharedArray is immutable")
        .into())
}

fn trap_set(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let key = args.get_or_undefined(1);
    match key_arg(key, ctx)? {
        Key::Length | Key::Index(_) => immutable(&JsValue::undefined(), &[], ctx),
        Key::Other(k) => Err(JsNativeError::typ()
            .with_message(format!("Cannot set property \"{k}\" on a dynamic array"))
            .into()),
    }
}

/// Runs the user's function and keeps `JSON.stringify` of each element (k6 does the same,
/// so `undefined` and functions are kept as the text `undefined` and fail when read).
fn build(fun: &JsObject, ctx: &mut Context) -> JsResult<SharedData> {
    let value = fun.call(&JsValue::undefined(), &[], ctx)?;
    let Some(arr) = value.as_object().filter(|o| o.is_array()) else {
        return Err(go_error("only arrays can be made into SharedArray", ctx));
    };
    let json = ctx.global_object().get(JsString::from("JSON"), ctx)?;
    let stringify = json
        .as_object()
        .map(|j| j.get(JsString::from("stringify"), ctx))
        .transpose()?
        .and_then(|s| s.as_callable());
    let Some(stringify) = stringify else {
        return Err(JsNativeError::typ()
            .with_message("JSON.stringify is not a function")
            .into());
    };
    let len = arr.get(JsString::from("length"), ctx)?.to_length(ctx)?;
    let mut data = SharedData::default();
    for i in 0..len {
        let elem = arr.get(i, ctx)?;
        let text = stringify.call(&json, &[elem], ctx)?;
        if text.is_undefined() {
            data.push("undefined");
        } else {
            data.push(&text.to_string(ctx)?.to_std_string_lossy());
        }
    }
    Ok(data)
}

fn parse_element(text: &str, ctx: &mut Context) -> JsResult<JsValue> {
    // Straight into script values: no depth limit, no intermediate serde_json::Value.
    let v = JsValue::from_json_slice(text.as_bytes(), ctx).map_err(|e| {
        // Go's message for the only invalid text stored here, `undefined`.
        let msg = match text.chars().next() {
            Some(c) if !c.is_ascii_digit() && !"-[{\"tfn".contains(c) => {
                format!("invalid character '{c}' looking for beginning of value")
            }
            _ => e.to_string(),
        };
        JsNativeError::syntax().with_message(msg)
    })?;
    freeze(&v, ctx)?;
    Ok(v)
}

/// Deep-freezes a value fresh from JSON (no cycles), as k6 does with every element it hands out.
/// Walks with a work list, not recursion: an element may be nested thousands of levels deep.
fn freeze(v: &JsValue, ctx: &mut Context) -> JsResult<()> {
    let mut pending: Vec<JsObject> = v.as_object().into_iter().collect();
    while let Some(obj) = pending.pop() {
        for key in obj.own_property_keys(ctx)? {
            if let Some(child) = obj.get(key, ctx)?.as_object() {
                pending.push(child);
            }
        }
        obj.set_integrity_level(IntegrityLevel::Frozen, ctx)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_data_offsets() {
        let mut d = SharedData::default();
        assert!(d.is_empty());
        for s in ["{\"a\":1}", "\"s\"", "", "3"] {
            d.push(s);
        }
        assert_eq!(d.len(), 4);
        assert_eq!(d.get(0), Some("{\"a\":1}"));
        assert_eq!(d.get(1), Some("\"s\""));
        assert_eq!(d.get(2), Some(""));
        assert_eq!(d.get(3), Some("3"));
        assert_eq!(d.get(4), None);
    }

    #[test]
    fn undefined_element_error_matches_k6() {
        let mut ctx = Context::default();
        let err = parse_element("undefined", &mut ctx).unwrap_err();
        let native = err.as_native().expect("native error");
        assert_eq!(
            native.message(),
            "invalid character 'u' looking for beginning of value"
        );
        let v = parse_element("{\"b\":[1,2]}", &mut ctx).expect("parses");
        assert_eq!(
            v.to_json(&mut ctx).expect("json"),
            Some(serde_json::json!({"b": [1, 2]}))
        );
    }
}
