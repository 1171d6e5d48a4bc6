//! `k6/timers` and the global timer functions, on the VU's own event loop.

use std::rc::Rc;
use std::time::Duration;

use boa_engine::object::ObjectInitializer;
use boa_engine::{Context, JsArgs, JsObject, JsResult, JsString, JsValue, NativeFunction};

use crate::js::event_loop::EventLoop;
use crate::js::util::{ALL, error, func, type_error};

pub const EXPORTS: &[&str] = &["setTimeout", "clearTimeout", "setInterval", "clearInterval"];

fn event_loop(ctx: &Context) -> JsResult<Rc<EventLoop>> {
    ctx.get_data::<Rc<EventLoop>>()
        .cloned()
        .ok_or_else(|| error("timers are not available in this context"))
}

fn schedule(args: &[JsValue], ctx: &mut Context, repeat: bool) -> JsResult<JsValue> {
    let Some(cb) = args.get_or_undefined(0).as_callable() else {
        return Err(type_error(
            "setTimeout/setInterval expect a function as the first argument",
        ));
    };
    let ms = match args.get(1) {
        None => 0.0,
        Some(v) => v.to_number(ctx)?,
    };
    let ms = if ms.is_finite() && ms > 0.0 { ms } else { 0.0 };
    let rest = args.get(2..).map(|a| a.to_vec()).unwrap_or_default();
    let id = event_loop(ctx)?.set_timer(cb, rest, Duration::from_secs_f64(ms / 1000.0), repeat);
    Ok(JsValue::from(id))
}

fn set_timeout(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    schedule(args, ctx, false)
}

fn set_interval(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    schedule(args, ctx, true)
}

fn clear(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let id = args.get_or_undefined(0).to_number(ctx)?;
    if id.is_finite() && id >= 0.0 {
        event_loop(ctx)?.clear_timer(id as u32);
    }
    Ok(JsValue::undefined())
}

/// The module's exports are the global functions themselves (`import { setTimeout } from
/// 'k6/timers'` is `=== globalThis.setTimeout` in k6), so scripts comparing or patching them
/// see one function.
pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let global = ctx.global_object();
    let obj = JsObject::with_object_proto(ctx.intrinsics());
    for name in EXPORTS {
        let key = JsString::from(*name);
        let f = global.get(key.clone(), ctx)?;
        if !f.is_callable() {
            return new_functions(ctx);
        }
        obj.set(key, f, false, ctx)?;
    }
    Ok(obj)
}

fn new_functions(ctx: &mut Context) -> JsResult<JsObject> {
    // Enumerable, like every k6 module's exports (`Object.keys(timers)` lists them in k6).
    let fns: [(&str, usize, NativeFunction); 4] = [
        ("setTimeout", 2, NativeFunction::from_fn_ptr(set_timeout)),
        ("clearTimeout", 1, NativeFunction::from_fn_ptr(clear)),
        ("setInterval", 2, NativeFunction::from_fn_ptr(set_interval)),
        ("clearInterval", 1, NativeFunction::from_fn_ptr(clear)),
    ];
    let fns = fns.map(|(name, len, f)| (name, func(ctx, name, len, f)));
    let mut obj = ObjectInitializer::new(ctx);
    for (name, f) in fns {
        obj.property(JsString::from(name), f, ALL);
    }
    Ok(obj.build())
}

/// Installs the timer functions as globals, as k6 does.
pub fn install_globals(ctx: &mut Context) -> JsResult<()> {
    let obj = new_functions(ctx)?;
    for name in EXPORTS {
        let f = obj.get(JsString::from(*name), ctx)?;
        ctx.register_global_property(JsString::from(*name), f, ALL)?;
    }
    Ok(())
}
