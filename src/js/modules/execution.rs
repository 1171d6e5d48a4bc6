//! `k6/execution`: live information about the scenario, the VU, the instance and the test,
//! plus `test.abort()` and `test.fail()`.

use std::sync::atomic::Ordering;

use boa_engine::object::{FunctionObjectBuilder, ObjectInitializer};
use boa_engine::property::Attribute;
use boa_engine::{Context, JsArgs, JsObject, JsResult, JsString, JsValue, NativeFunction, Source};

use crate::js::modules::encoding::go_error;
use crate::js::runtime::{AbortReason, Phase, vu_state};
use crate::js::util::{ALL, error, func, to_rust_string};

pub const EXPORTS: &[&str] = &["scenario", "vu", "instance", "test"];

fn getter(
    ctx: &mut Context,
    name: &str,
    f: fn(&JsValue, &[JsValue], &mut Context) -> JsResult<JsValue>,
) -> boa_engine::object::builtins::JsFunction {
    FunctionObjectBuilder::new(ctx.realm(), NativeFunction::from_fn_ptr(f))
        .name(JsString::from(format!("get {name}")))
        .build()
}

type Getter = fn(&JsValue, &[JsValue], &mut Context) -> JsResult<JsValue>;

/// An object whose properties are live getters (so both `exec.scenario.name` and a named
/// import `scenario` always read current values).
fn live_object(ctx: &mut Context, fields: &[(&str, Getter)]) -> JsObject {
    let mut getters = Vec::with_capacity(fields.len());
    for (name, f) in fields {
        getters.push((*name, getter(ctx, name, *f)));
    }
    let mut init = ObjectInitializer::new(ctx);
    for (name, g) in getters {
        init.accessor(
            JsString::from(name),
            Some(g),
            None,
            Attribute::ENUMERABLE | Attribute::CONFIGURABLE,
        );
    }
    init.build()
}

fn scenario_info(
    ctx: &mut Context,
) -> JsResult<(std::sync::Arc<crate::js::runtime::ScenarioInfo>, u64)> {
    let vu = vu_state(ctx);
    let st = vu.borrow();
    match st.scenario.clone() {
        Some(sc) => Ok((sc, st.iteration_in_scenario_global)),
        None => Err(go_error(
            "getting scenario information outside of the VU context is not supported",
            ctx,
        )),
    }
}

fn scenario_fields() -> Vec<(&'static str, Getter)> {
    vec![
        ("name", |_, _, ctx| {
            Ok(JsString::from(&*scenario_info(ctx)?.0.name).into())
        }),
        ("executor", |_, _, ctx| {
            Ok(JsString::from(scenario_info(ctx)?.0.executor).into())
        }),
        ("startTime", |_, _, ctx| {
            Ok(scenario_info(ctx)?.0.start_unix_ms.into())
        }),
        ("progress", |_, _, ctx| {
            Ok(scenario_info(ctx)?.0.progress.live().fraction.into())
        }),
        ("iterationInInstance", |_, _, ctx| {
            Ok((scenario_info(ctx)?.1 as f64).into())
        }),
        ("iterationInTest", |_, _, ctx| {
            let (sc, n) = scenario_info(ctx)?;
            Ok((sc.iterations.nth(n) as f64).into())
        }),
    ]
}

/// The run's counters. k6 v1.1.0 refuses them in every init context, in teardown and in
/// handleSummary (those run on fresh VUs without execution state there); setup and the
/// iterations get them.
fn counters_of(ctx: &mut Context) -> JsResult<std::sync::Arc<crate::js::runtime::RunShared>> {
    let vu = vu_state(ctx);
    let st = vu.borrow();
    if matches!(
        st.phase,
        Phase::Init | Phase::Teardown | Phase::HandleSummary
    ) {
        return Err(go_error(
            "getting instance information in the init context is not supported",
            ctx,
        ));
    }
    Ok(st.shared.clone())
}

/// VU information exists outside the init context only.
fn vu_in_context(ctx: &mut Context) -> JsResult<()> {
    if vu_state(ctx).borrow().phase == Phase::Init {
        return Err(go_error(
            "getting VU information in the init context is not supported",
            ctx,
        ));
    }
    Ok(())
}

fn instance_fields() -> Vec<(&'static str, Getter)> {
    vec![
        ("iterationsInterrupted", |_, _, ctx| {
            Ok((counters_of(ctx)?
                .counters
                .iterations_interrupted
                .load(Ordering::Relaxed) as f64)
                .into())
        }),
        ("iterationsCompleted", |_, _, ctx| {
            Ok((counters_of(ctx)?
                .counters
                .iterations_completed
                .load(Ordering::Relaxed) as f64)
                .into())
        }),
        ("vusActive", |_, _, ctx| {
            Ok((counters_of(ctx)?
                .counters
                .vus_active
                .load(Ordering::Relaxed) as f64)
                .into())
        }),
        ("vusInitialized", |_, _, ctx| {
            Ok((counters_of(ctx)?
                .counters
                .vus_initialized
                .load(Ordering::Relaxed) as f64)
                .into())
        }),
        ("currentTestRunDuration", |_, _, ctx| {
            Ok(counters_of(ctx)?.elapsed_ms().into())
        }),
    ]
}

fn vu_fields() -> Vec<(&'static str, Getter)> {
    vec![
        ("idInInstance", |_, _, ctx| {
            vu_in_context(ctx)?;
            Ok((vu_state(ctx).borrow().id as f64).into())
        }),
        ("idInTest", |_, _, ctx| {
            vu_in_context(ctx)?;
            Ok((vu_state(ctx).borrow().id_in_test() as f64).into())
        }),
        ("iterationInInstance", |_, _, ctx| {
            vu_in_context(ctx)?;
            Ok((vu_state(ctx).borrow().iteration_in_instance as f64).into())
        }),
        ("iterationInScenario", |_, _, ctx| {
            vu_in_context(ctx)?;
            Ok((vu_state(ctx).borrow().iteration_in_scenario as f64).into())
        }),
        ("tags", |_, _, ctx| {
            vu_in_context(ctx)?;
            make_map_proxy(ctx, false)
        }),
        ("metrics", |_, _, ctx| {
            vu_in_context(ctx)?;
            let tags = make_map_proxy(ctx, false)?;
            let metadata = make_map_proxy(ctx, true)?;
            Ok(ObjectInitializer::new(ctx)
                .property(JsString::from("tags"), tags, ALL)
                .property(JsString::from("metadata"), metadata, ALL)
                .build()
                .into())
        }),
    ]
}

const TAGS_PROXY: &str = r#"(function (get, set, del, keys) {
  return new Proxy({}, {
    // Names that are not tags (toString, valueOf, symbols) come from the plain target, so
    // `${exec.vu.tags}` is "[object Object]" as in k6 rather than a TypeError.
    get(t, k) {
      if (typeof k === 'string') { const v = get(k); if (v !== undefined) return v; }
      return Reflect.get(t, k);
    },
    set(_, k, v) { set(String(k), v); return true; },
    deleteProperty(_, k) { del(String(k)); return true; },
    has(_, k) { return get(String(k)) !== undefined; },
    ownKeys() { return keys(); },
    getOwnPropertyDescriptor(_, k) {
      const v = get(String(k));
      return v === undefined ? undefined : { value: v, enumerable: true, configurable: true, writable: true };
    },
  });
})"#;

/// A tag or metadata value: strings, numbers and booleans only; anything else throws k6's
/// TypeError (the iteration fails, as in k6).
fn tag_value(key: &str, v: &JsValue, metadata: bool, ctx: &mut Context) -> JsResult<String> {
    if v.is_string() || v.is_number() || v.is_boolean() {
        to_rust_string(v, ctx)
    } else {
        // k6's two messages differ in the last word.
        let (what, plural) = if metadata {
            ("metadata", "value")
        } else {
            ("tag", "values")
        };
        Err(boa_engine::JsNativeError::typ()
            .with_message(format!(
                "invalid value for metric {what} '{key}': only String, Boolean and Number types are accepted as a metric {what} {plural}"
            ))
            .into())
    }
}

fn make_map_proxy(ctx: &mut Context, metadata: bool) -> JsResult<JsValue> {
    let factory = ctx.eval(Source::from_bytes(TAGS_PROXY))?;
    let Some(factory) = factory.as_callable() else {
        return Err(error("internal: tags proxy factory"));
    };
    let (get_fn, set_fn, del_fn, keys_fn): (
        NativeFunction,
        NativeFunction,
        NativeFunction,
        NativeFunction,
    ) = if metadata {
        (
            NativeFunction::from_fn_ptr(|_, a, ctx| {
                let k = to_rust_string(a.get_or_undefined(0), ctx)?;
                let vu = vu_state(ctx);
                let v = vu.borrow().user_metadata.get(&k).cloned();
                Ok(v.map(|v| JsValue::from(JsString::from(v)))
                    .unwrap_or_default())
            }),
            NativeFunction::from_fn_ptr(|_, a, ctx| {
                let k = to_rust_string(a.get_or_undefined(0), ctx)?;
                let v = tag_value(&k, a.get_or_undefined(1), true, ctx)?;
                let vu = vu_state(ctx);
                let mut st = vu.borrow_mut();
                st.user_metadata.insert(k, v);
                st.invalidate_tags();
                Ok(JsValue::undefined())
            }),
            NativeFunction::from_fn_ptr(|_, a, ctx| {
                let k = to_rust_string(a.get_or_undefined(0), ctx)?;
                let vu = vu_state(ctx);
                let mut st = vu.borrow_mut();
                st.user_metadata.remove(&k);
                st.invalidate_tags();
                Ok(JsValue::undefined())
            }),
            NativeFunction::from_fn_ptr(|_, _, ctx| {
                let keys: Vec<String> = vu_state(ctx)
                    .borrow()
                    .user_metadata
                    .keys()
                    .cloned()
                    .collect();
                let arr = boa_engine::object::builtins::JsArray::from_iter(
                    keys.into_iter().map(|k| JsValue::from(JsString::from(k))),
                    ctx,
                );
                Ok(arr.into())
            }),
        )
    } else {
        (
            NativeFunction::from_fn_ptr(|_, a, ctx| {
                let k = to_rust_string(a.get_or_undefined(0), ctx)?;
                let vu = vu_state(ctx);
                let mut st = vu.borrow_mut();
                let v = st.user_tags.get(&k).cloned().or_else(|| {
                    st.base_tags()
                        .iter()
                        .find(|(key, _)| **key == *k)
                        .map(|(_, v)| v.to_string())
                });
                Ok(v.map(|v| JsValue::from(JsString::from(v)))
                    .unwrap_or_default())
            }),
            NativeFunction::from_fn_ptr(|_, a, ctx| {
                let k = to_rust_string(a.get_or_undefined(0), ctx)?;
                let v = tag_value(&k, a.get_or_undefined(1), false, ctx)?;
                let vu = vu_state(ctx);
                let mut st = vu.borrow_mut();
                st.removed_tags.remove(&k);
                st.user_tags.insert(k, v);
                st.invalidate_tags();
                Ok(JsValue::undefined())
            }),
            NativeFunction::from_fn_ptr(|_, a, ctx| {
                let k = to_rust_string(a.get_or_undefined(0), ctx)?;
                let vu = vu_state(ctx);
                let mut st = vu.borrow_mut();
                st.user_tags.remove(&k);
                st.removed_tags.insert(k);
                st.invalidate_tags();
                Ok(JsValue::undefined())
            }),
            NativeFunction::from_fn_ptr(|_, _, ctx| {
                let vu = vu_state(ctx);
                let keys: Vec<String> = {
                    let mut st = vu.borrow_mut();
                    let mut keys: Vec<String> =
                        st.base_tags().iter().map(|(k, _)| k.to_string()).collect();
                    for k in st.user_tags.keys() {
                        if !keys.contains(k) {
                            keys.push(k.clone());
                        }
                    }
                    keys
                };
                let arr = boa_engine::object::builtins::JsArray::from_iter(
                    keys.into_iter().map(|k| JsValue::from(JsString::from(k))),
                    ctx,
                );
                Ok(arr.into())
            }),
        )
    };
    let args = [
        func(ctx, "get", 1, get_fn).into(),
        func(ctx, "set", 2, set_fn).into(),
        func(ctx, "delete", 1, del_fn).into(),
        func(ctx, "keys", 0, keys_fn).into(),
    ];
    factory.call(&JsValue::undefined(), &args, ctx)
}

/// Where JS called into a native function, as k6 shows it after "test aborted": `fn (url:line:col)`,
/// or just `url:line:col` at the top level of a module.
fn caller_location(ctx: &mut Context) -> Option<String> {
    let loc = ctx.stack_trace().next()?.position();
    let boa_engine::vm::SourcePath::Path(path) = &loc.path else {
        return None;
    };
    let pos = loc.position?;
    let place = format!(
        "file://{}:{}:{}",
        path.display(),
        pos.line_number(),
        pos.column_number()
    );
    let name = loc.function_name.to_std_string_escaped();
    Some(if name.is_empty() || name == "<main>" {
        place
    } else {
        format!("{name} ({place})")
    })
}

fn abort(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let msg = match args.first() {
        Some(v) if !v.is_undefined() => to_rust_string(v, ctx)?,
        _ => String::new(),
    };
    let vu = vu_state(ctx);
    let (shared, phase, id) = {
        let st = vu.borrow();
        (st.shared.clone(), st.phase, st.id)
    };
    let mut shown = if msg.is_empty() {
        "test aborted".to_string()
    } else {
        format!("test aborted: {msg}")
    };
    // k6 names the caller, except for an abort in setup().
    if phase != Phase::Setup
        && let Some(at) = caller_location(ctx)
    {
        shown = format!("{shown} at {at}");
    }
    let reason = if phase == Phase::Init {
        // The VU fails to initialise: k6 reports it right away, as that VU's error.
        crate::js::console::log(
            crate::js::console::Level::Error,
            &shown,
            &[("hint", &format!("error while initializing VU #{id}"))],
        );
        String::new()
    } else {
        // Reported when the run ends (after teardown), as k6 does.
        shown
    };
    shared.request_abort(AbortReason::ScriptAbort(reason));
    vu.borrow().signal.cancel();
    Err(boa_engine::JsNativeError::error()
        .with_message(crate::js::interrupt::ABORT_MESSAGE)
        .into())
}

fn fail_test(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let msg = match args.first() {
        Some(v) if !v.is_undefined() => to_rust_string(v, ctx)?,
        _ => String::new(),
    };
    let vu = vu_state(ctx);
    let shared = vu.borrow().shared.clone();
    let shown = if msg.is_empty() {
        "test marked as failed".to_string()
    } else {
        format!("test marked as failed: {msg}")
    };
    crate::js::console::log(crate::js::console::Level::Error, &shown, &[]);
    shared.counters.test_failed.store(true, Ordering::Relaxed);
    Ok(JsValue::undefined())
}

fn test_options(_: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let vu = vu_state(ctx);
    if vu.borrow().phase == Phase::Init {
        return Err(go_error(
            "getting test options in the init context is not supported",
            ctx,
        ));
    }
    let shared = vu.borrow().shared.clone();
    let json = shared.options.test_options_json();
    let v = JsValue::from_json(&json, ctx)?;
    if let Some(o) = v.as_object() {
        let freeze = ctx.eval(Source::from_bytes("(o) => { const f = (x) => { if (x && typeof x === 'object') { Object.values(x).forEach(f); Object.freeze(x); } }; f(o); return o; }"))?;
        if let Some(freeze) = freeze.as_callable() {
            return freeze.call(&JsValue::undefined(), &[o.into()], ctx);
        }
    }
    Ok(v)
}

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let sc = live_object(ctx, &scenario_fields());
    let vu = live_object(ctx, &vu_fields());
    let inst = live_object(ctx, &instance_fields());
    let opts = getter(ctx, "options", test_options);
    let abort_fn = func(ctx, "abort", 1, NativeFunction::from_fn_ptr(abort));
    let fail_fn = func(ctx, "fail", 1, NativeFunction::from_fn_ptr(fail_test));
    let test = ObjectInitializer::new(ctx)
        .property(JsString::from("abort"), abort_fn, ALL)
        .property(JsString::from("fail"), fail_fn, ALL)
        .accessor(
            JsString::from("options"),
            Some(opts),
            None,
            Attribute::ENUMERABLE | Attribute::CONFIGURABLE,
        )
        .build();
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("scenario"), sc, ALL)
        .property(JsString::from("vu"), vu, ALL)
        .property(JsString::from("instance"), inst, ALL)
        .property(JsString::from("test"), test, ALL)
        .build())
}
