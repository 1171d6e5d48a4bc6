//! `k6/metrics`: Counter, Gauge, Rate, Trend.

use std::sync::Arc;

use boa_engine::object::ObjectInitializer;
use boa_engine::{
    Context, Finalize, JsArgs, JsData, JsObject, JsResult, JsString, JsValue, NativeFunction, Trace,
};

use crate::js::modules::encoding::go_error;
use crate::js::runtime::{Phase, vu_state};
use crate::js::util::{arg_string, error, tag_entries, type_error};
use crate::metrics::registry::Registry;
use crate::metrics::sample::{MetricRef, MetricType, ValueType};

pub const EXPORTS: &[&str] = &["Counter", "Gauge", "Rate", "Trend"];

#[derive(Trace, Finalize, JsData)]
pub struct CustomMetric {
    #[unsafe_ignore_trace]
    metric: MetricRef,
}

fn construct(args: &[JsValue], ctx: &mut Context, mtype: MetricType) -> JsResult<CustomMetric> {
    let vu = vu_state(ctx);
    if vu.borrow().phase != Phase::Init {
        return Err(error("metrics must be declared in the init context"));
    }
    if args.get_or_undefined(0).is_undefined() {
        return Err(type_error("the metric's name is required"));
    }
    let name = arg_string(args, 0, ctx)?;
    Registry::validate_name(&name).map_err(|e| error(e.to_string()))?;
    let is_time = args.get_or_undefined(1).to_boolean();
    let contains = if is_time {
        ValueType::Time
    } else {
        ValueType::Default
    };
    let shared = vu.borrow().shared.clone();
    let metric = shared
        .registry
        .register(&name, mtype, contains)
        .map_err(|e| go_error(e.to_string(), ctx))?;
    Ok(CustomMetric { metric })
}

fn add(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let metric = {
        let obj = this
            .as_object()
            .ok_or_else(|| type_error("add() called on something that is not a metric"))?;
        let m = obj
            .downcast_ref::<CustomMetric>()
            .ok_or_else(|| type_error("add() called on something that is not a metric"))?;
        m.metric.clone()
    };
    let raw = args.get_or_undefined(0);
    // k6: undefined, null, objects and values that are not numbers (NaN, 'abc') are invalid
    // for every metric type; k6 logs a warning and returns false (throws with `--throw`).
    let number = if raw.is_undefined() || raw.is_null() || raw.is_object() {
        f64::NAN
    } else {
        raw.to_number(ctx)?
    };
    if number.is_nan() {
        let shown = raw
            .to_string(ctx)
            .map(|s| s.to_std_string_escaped())
            .unwrap_or_default();
        let msg = format!(
            "'{shown}' is an invalid value for metric '{}', a number or a boolean value is expected",
            metric.name
        );
        let throw = vu_state(ctx).borrow().shared.options.throw;
        if throw {
            return Err(type_error(msg));
        }
        crate::js::console::log(crate::js::console::Level::Warn, &msg, &[]);
        return Ok(false.into());
    }
    let value = match metric.mtype {
        // k6: a Rate counts every non-zero value (and `true`) as a pass.
        MetricType::Rate => {
            if number != 0.0 {
                1.0
            } else {
                0.0
            }
        }
        _ => number,
    };
    let extra: Vec<(Arc<str>, Arc<str>)> = match tag_entries(args.get_or_undefined(1), ctx)? {
        Ok(t) => t,
        Err(msg) => {
            return Err(go_error(
                format!(
                    "cannot add tags for the '{}' custom metric: {msg}",
                    metric.name
                ),
                ctx,
            ));
        }
    };
    let vu = vu_state(ctx);
    let mut st = vu.borrow_mut();
    if st.phase == Phase::Init {
        return Err(error(
            "adding to metrics in the init context is not supported",
        ));
    }
    let tags = st.tags_with(extra);
    st.emit(&metric, value, tags);
    Ok(true.into())
}

fn make_class(ctx: &mut Context, name: &'static str, mtype: MetricType) -> JsResult<JsObject> {
    // A plain constructor function: `new Trend('x', true)` returns an object carrying the
    // registered metric as native data, with `add` and `name`.
    let ctor =
        move |new_target: &JsValue, args: &[JsValue], ctx: &mut Context| -> JsResult<JsValue> {
            if new_target.is_undefined() {
                return Err(type_error(format!(
                    "Class constructor {name} cannot be invoked without 'new'"
                )));
            }
            let data = construct(args, ctx, mtype)?;
            let metric_name = data.metric.name.clone();
            let proto = ctx
                .get_data::<MetricProtos>()
                .and_then(|p| p.get(mtype))
                .ok_or_else(|| error("k6/metrics prototypes missing"))?;
            let obj = JsObject::from_proto_and_data(Some(proto), data);
            obj.set(
                JsString::from("name"),
                JsString::from(&*metric_name),
                false,
                ctx,
            )?;
            Ok(obj.into())
        };
    // Captures only Copy data (a &'static str and an enum).
    let f = unsafe { NativeFunction::from_closure(ctor) };
    let ctor_obj = boa_engine::object::FunctionObjectBuilder::new(ctx.realm(), f)
        .name(JsString::from(name))
        .length(2)
        .constructor(true)
        .build();
    let proto = ObjectInitializer::new(ctx)
        .function(NativeFunction::from_fn_ptr(add), JsString::from("add"), 2)
        .build();
    proto.set(JsString::from("constructor"), ctor_obj.clone(), false, ctx)?;
    ctor_obj.set(JsString::from("prototype"), proto.clone(), false, ctx)?;
    let mut protos = ctx.get_data::<MetricProtos>().cloned().unwrap_or_default();
    protos.set(mtype, proto);
    ctx.insert_data(protos);
    Ok(ctor_obj.into())
}

/// Prototypes of the four metric classes, kept in the context so constructors can find them.
#[derive(Clone, Default)]
struct MetricProtos {
    counter: Option<JsObject>,
    gauge: Option<JsObject>,
    rate: Option<JsObject>,
    trend: Option<JsObject>,
}

impl MetricProtos {
    fn slot(&mut self, t: MetricType) -> &mut Option<JsObject> {
        match t {
            MetricType::Counter => &mut self.counter,
            MetricType::Gauge => &mut self.gauge,
            MetricType::Rate => &mut self.rate,
            MetricType::Trend => &mut self.trend,
        }
    }
    fn get(&self, t: MetricType) -> Option<JsObject> {
        match t {
            MetricType::Counter => self.counter.clone(),
            MetricType::Gauge => self.gauge.clone(),
            MetricType::Rate => self.rate.clone(),
            MetricType::Trend => self.trend.clone(),
        }
    }
    fn set(&mut self, t: MetricType, proto: JsObject) {
        *self.slot(t) = Some(proto);
    }
}

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let counter = make_class(ctx, "Counter", MetricType::Counter)?;
    let gauge = make_class(ctx, "Gauge", MetricType::Gauge)?;
    let rate = make_class(ctx, "Rate", MetricType::Rate)?;
    let trend = make_class(ctx, "Trend", MetricType::Trend)?;
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("Counter"), counter, crate::js::util::ALL)
        .property(JsString::from("Gauge"), gauge, crate::js::util::ALL)
        .property(JsString::from("Rate"), rate, crate::js::util::ALL)
        .property(JsString::from("Trend"), trend, crate::js::util::ALL)
        .build())
}
