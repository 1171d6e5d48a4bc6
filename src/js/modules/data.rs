//! `k6/data`: `SharedArray`. The first VU that constructs a SharedArray with a given name runs
//! its function and stores every element as JSON text in the run's shared state; every other
//! VU (and every later construction with that name) reuses that text without calling the
//! function. Elements are parsed (and deep-frozen) on each access, as in k6, so N VUs hold
//! one copy of the data plus whatever elements they are currently using.
//!
//! The JS side is a Proxy over an empty array (so `Array.isArray`, array methods, spread,
//! `for...of` and `JSON.stringify` behave as on an array), built by a small JS factory that
//! is evaluated once per VU that imports `k6/data`.

use std::sync::Arc;

use boa_engine::object::FunctionObjectBuilder;
use boa_engine::{
    Context, JsArgs, JsNativeError, JsObject, JsResult, JsString, JsValue, NativeFunction, Source,
};
use boa_gc::{Finalize, Trace};
use parking_lot::Mutex;

use super::encoding::go_error;
use crate::js::runtime::{Phase, vu_state};
use crate::js::util::ALL;

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

const FACTORY: &str = r#"(function () {
  'use strict';
  const freeze = (v) => {
    if (v !== null && typeof v === 'object') {
      Object.freeze(v);
      for (const k of Object.keys(v)) freeze(v[k]);
    }
    return v;
  };
  const immutable = () => { throw new TypeError('SharedArray is immutable'); };
  const toIndex = (p) => {
    if (typeof p !== 'string') return -1;
    const n = Number(p);
    return Number.isInteger(n) && n >= 0 && String(n) === p ? n : -1;
  };
  return function (len, getRaw) {
    const get = (i) => freeze(getRaw(i));
    return new Proxy([], {
      get(t, p, r) {
        if (p === 'length') return len;
        const i = toIndex(p);
        if (i >= 0) return i < len ? get(i) : undefined;
        return Reflect.get(t, p, r);
      },
      has(t, p) {
        if (p === 'length') return true;
        const i = toIndex(p);
        if (i >= 0) return i < len;
        return Reflect.has(t, p);
      },
      ownKeys() {
        const keys = [];
        for (let i = 0; i < len; i++) keys.push(String(i));
        keys.push('length');
        return keys;
      },
      getOwnPropertyDescriptor(t, p) {
        if (p === 'length') return { value: len, writable: true, enumerable: false, configurable: false };
        const i = toIndex(p);
        if (i >= 0) return i < len ? { value: get(i), writable: false, enumerable: true, configurable: true } : undefined;
        return Reflect.getOwnPropertyDescriptor(t, p);
      },
      set(t, p) {
        if (p === 'length' || toIndex(p) >= 0) immutable();
        throw new TypeError('Cannot set property "' + String(p) + '" on a dynamic array');
      },
      deleteProperty: immutable,
      defineProperty: immutable,
      setPrototypeOf: immutable,
      preventExtensions: immutable,
    });
  };
})()"#;

#[derive(Trace, Finalize)]
struct Factory(JsObject);

#[derive(Trace, Finalize)]
struct DataCapture(#[unsafe_ignore_trace] Arc<SharedData>);

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let factory = ctx.eval(Source::from_bytes(FACTORY))?;
    let Some(factory) = factory.as_callable() else {
        return Err(JsNativeError::typ()
            .with_message("internal: SharedArray factory is not a function")
            .into());
    };
    let ctor = NativeFunction::from_copy_closure_with_captures(shared_array, Factory(factory));
    let ctor: JsObject = FunctionObjectBuilder::new(ctx.realm(), ctor)
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

fn shared_array(
    _: &JsValue,
    args: &[JsValue],
    factory: &Factory,
    ctx: &mut Context,
) -> JsResult<JsValue> {
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
    let slot = shared.shared_arrays.lock().entry(name).or_default().clone();
    let data = {
        let mut guard = slot.0.lock();
        match &*guard {
            Some(d) => d.clone(),
            None => {
                let d = Arc::new(build(&fun, ctx)?);
                *guard = Some(d.clone());
                d
            }
        }
    };
    let len = data.len();
    let get = NativeFunction::from_copy_closure_with_captures(get_element, DataCapture(data));
    let get: JsObject = FunctionObjectBuilder::new(ctx.realm(), get)
        .name(JsString::from("get"))
        .length(1)
        .build()
        .into();
    factory.0.call(
        &JsValue::undefined(),
        &[(len as f64).into(), get.into()],
        ctx,
    )
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

fn get_element(
    _: &JsValue,
    args: &[JsValue],
    data: &DataCapture,
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let i = args.get_or_undefined(0).to_number(ctx)?;
    let Some(text) = (i >= 0.0).then(|| data.0.get(i as usize)).flatten() else {
        return Ok(JsValue::undefined());
    };
    parse_element(text, ctx)
}

fn parse_element(text: &str, ctx: &mut Context) -> JsResult<JsValue> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        // Go's message for the only invalid text stored here, `undefined`.
        let msg = match text.chars().next() {
            Some(c) if !c.is_ascii_digit() && !"-[{\"tfn".contains(c) => {
                format!("invalid character '{c}' looking for beginning of value")
            }
            _ => e.to_string(),
        };
        JsNativeError::syntax().with_message(msg)
    })?;
    JsValue::from_json(&value, ctx)
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
