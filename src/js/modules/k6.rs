//! `k6`: check, group, sleep, fail, randomSeed.

use std::sync::Arc;
use std::time::Duration;

use boa_engine::object::ObjectInitializer;
use boa_engine::{Context, JsArgs, JsObject, JsResult, JsString, JsValue, NativeFunction};

use crate::js::event_loop::interrupted_error;
use crate::js::modules::encoding::go_error;
use crate::js::runtime::vu_state;
use crate::js::util::{arg_string, error, func, tag_entries, to_rust_string};
use crate::metrics::sample::now_ns;

pub const EXPORTS: &[&str] = &["check", "group", "sleep", "fail", "randomSeed"];

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let check = func(ctx, "check", 3, NativeFunction::from_fn_ptr(check));
    let group = func(ctx, "group", 2, NativeFunction::from_fn_ptr(group));
    let sleep = func(ctx, "sleep", 1, NativeFunction::from_fn_ptr(sleep));
    let fail = func(ctx, "fail", 1, NativeFunction::from_fn_ptr(fail));
    let seed = func(
        ctx,
        "randomSeed",
        1,
        NativeFunction::from_fn_ptr(random_seed),
    );
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("check"), check, crate::js::util::ALL)
        .property(JsString::from("group"), group, crate::js::util::ALL)
        .property(JsString::from("sleep"), sleep, crate::js::util::ALL)
        .property(JsString::from("fail"), fail, crate::js::util::ALL)
        .property(JsString::from("randomSeed"), seed, crate::js::util::ALL)
        .build())
}

fn check(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let value = args.get_or_undefined(0).clone();
    // k6: a missing second argument is an error; any other value is turned into an object
    // whose enumerable own keys are the checks (an array's indexes, a string's characters).
    if args.len() < 2 {
        return Err(go_error("no checks provided to `check`", ctx));
    }
    let sets = args[1].to_object(ctx)?;
    let extra_tags: Vec<(Arc<str>, Arc<str>)> = match tag_entries(args.get_or_undefined(2), ctx)? {
        Ok(t) => t,
        Err(msg) => return Err(go_error(msg, ctx)),
    };
    let vu = vu_state(ctx);
    if vu.borrow().phase == crate::js::runtime::Phase::Init {
        return Err(error("check() can't be used in the init context"));
    }
    let mut all = true;
    // `Object.keys(sets)`: the enumerable own string keys, in order.
    let object_ctor = ctx.intrinsics().constructors().object().constructor();
    let keys_fn = object_ctor.get(JsString::from("keys"), ctx)?;
    let keys = match keys_fn.as_callable() {
        Some(f) => f.call(&object_ctor.into(), &[sets.clone().into()], ctx)?,
        None => JsValue::undefined(),
    };
    let keys: Vec<String> = match keys.as_object() {
        Some(arr) => {
            let n = arr.get(JsString::from("length"), ctx)?.to_length(ctx)?;
            let mut out = Vec::with_capacity(n as usize);
            for i in 0..n {
                out.push(to_rust_string(&arr.get(i, ctx)?, ctx)?);
            }
            out
        }
        None => Vec::new(),
    };
    for name in keys {
        let key = JsString::from(name.as_str());
        if name.contains("::") {
            return Err(go_error("group and check names may not contain '::'", ctx));
        }
        let f = sets.get(key, ctx)?;
        // k6: a check function that throws counts as a failed check (its sample is
        // emitted), then the exception propagates and the remaining checks do not run.
        let mut thrown = None;
        let ok = match f.as_callable() {
            Some(f) => match f.call(&JsValue::undefined(), std::slice::from_ref(&value), ctx) {
                Ok(v) => v.to_boolean(),
                Err(e) => {
                    thrown = Some(e);
                    false
                }
            },
            None => f.to_boolean(),
        };
        all &= ok;
        let mut st = vu.borrow_mut();
        let has_check_tag = st.shared.system_tags.has("check");
        let tags = st.tags_with(
            has_check_tag
                .then(|| (Arc::from("check"), Arc::from(name.as_str())))
                .into_iter()
                .chain(extra_tags.iter().cloned()),
        );
        let metric = st.shared.builtin.checks.clone();
        st.emit(&metric, if ok { 1.0 } else { 0.0 }, tags);
        if let Some(e) = thrown {
            return Err(e);
        }
    }
    Ok(all.into())
}

fn group(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let name = arg_string(args, 0, ctx)?;
    let Some(f) = args.get_or_undefined(1).as_callable() else {
        return Err(go_error(
            "group() requires a callback as a second argument",
            ctx,
        ));
    };
    // k6 refuses async callbacks: the group would end before their awaits.
    let async_proto = ctx.intrinsics().constructors().async_function().prototype();
    if f.prototype()
        .is_some_and(|p| JsObject::equals(&p, &async_proto))
    {
        return Err(error(
            "group() does not support async functions as arguments, please see https://grafana.com/docs/k6/latest/javascript-api/k6/group/ for more info",
        ));
    }
    if name.contains("::") {
        return Err(go_error("group and check names may not contain '::'", ctx));
    }
    let vu = vu_state(ctx);
    let parent = {
        let mut st = vu.borrow_mut();
        if st.phase == crate::js::runtime::Phase::Init {
            return Err(error("group() can't be used in the init context"));
        }
        let parent = st.group_path.clone();
        // k6's NewGroupPath: an empty name at the root stays at the root.
        st.group_path = if parent.is_empty() && name.is_empty() {
            String::new()
        } else {
            format!("{parent}::{name}")
        };
        st.invalidate_tags();
        parent
    };
    let start = std::time::Instant::now();
    let result = f.call(&JsValue::undefined(), &[], ctx);
    let elapsed = start.elapsed();
    let mut st = vu.borrow_mut();
    // k6 records the duration also when the callback throws (fail(), exceptions,
    // exec.test.abort()), but not when the iteration is interrupted at the end of its
    // scenario (k6's PushIfNotDone: the context is done then).
    let interrupted = result
        .as_ref()
        .err()
        .and_then(|e| e.as_native())
        .is_some_and(|n| n.message() == crate::js::interrupt::INTERRUPT_MESSAGE);
    if !interrupted {
        let tags = st.tags_with(std::iter::empty());
        let metric = st.shared.builtin.group_duration.clone();
        st.push_sample(&metric, elapsed.as_secs_f64() * 1000.0, tags, now_ns());
    }
    st.group_path = parent;
    st.invalidate_tags();
    result
}

/// A sleep at least this long hands the VU thread's allocator cache back first: refilling it
/// costs microseconds, next to a sleep of this length nothing.
const IDLE_SECS: f64 = 0.1;

fn sleep(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let secs = args.get_or_undefined(0).to_number(ctx)?;
    let vu = vu_state(ctx);
    let signal = {
        let mut st = vu.borrow_mut();
        // Let the engine and outputs see this iteration's samples while the VU sleeps.
        st.flush();
        st.signal.clone()
    };
    if signal.is_cancelled() {
        return Err(interrupted_error());
    }
    if secs >= IDLE_SECS {
        // What the allocator caches for this thread is of no use while it sleeps, and 1000
        // sleeping VUs held ~36 MB that way (bench/PROFILE.md).
        crate::alloc::flush_thread_cache();
        crate::js::stack::release_stack_below(crate::js::stack::KEEP_BELOW_WHILE_SLEEPING);
    }
    if secs.is_finite() && secs > 0.0 && !signal.sleep(Duration::from_secs_f64(secs)) {
        return Err(interrupted_error());
    }
    Ok(JsValue::undefined())
}

fn fail(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let msg = match args.first() {
        None => String::new(),
        Some(v) => to_rust_string(v, ctx)?,
    };
    // k6 throws a GoError (`String(e)` is `GoError: msg`, and so is the logged error).
    Err(crate::js::modules::encoding::go_error(msg, ctx))
}

fn random_seed(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let seed = args.get_or_undefined(0).to_number(ctx)? as i64;
    // k6: `rand.New(rand.NewSource(seed)).Float64` from Go's math/rand, so a seeded script
    // draws the same numbers (and takes the same branches) on rk6 as on k6.
    let rng = std::rc::Rc::new(std::cell::RefCell::new(srand::Rand::new(
        srand::RngSource::new(seed),
    )));
    // The closure captures only Rust data (an Rc'd RNG), no GC values.
    let random = unsafe {
        NativeFunction::from_closure(move |_, _, _| {
            // Go's Rand.Float64 (srand's own float64 overflows a shift): Int63 / 2^63,
            // drawing again on the rare 1.0.
            let mut rng = rng.borrow_mut();
            loop {
                let f = rng.int64() as f64 / 9_223_372_036_854_775_808.0;
                if f < 1.0 {
                    return Ok(JsValue::from(f));
                }
            }
        })
    };
    let f = func(ctx, "random", 0, random);
    let math = ctx.global_object().get(JsString::from("Math"), ctx)?;
    if let Some(math) = math.as_object() {
        math.set(JsString::from("random"), f, true, ctx)?;
    }
    Ok(JsValue::undefined())
}
