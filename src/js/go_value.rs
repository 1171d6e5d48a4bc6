//! Go `error` values as k6 hands them to scripts when a module rejects a promise with one
//! (`k6/experimental/fs`, `csv`, `redis`): not `Error` instances but wrapped Go objects whose
//! `String(e)` is Go's `Error()` text, whose exported fields and methods are own enumerable
//! properties (`error`, `unwrap`...), and whose `JSON.stringify` shows the exported fields
//! (or the text itself for Go string types such as go-redis's `RedisError`). Confirmed on k6
//! v1.1.0 for each module's errors.

use boa_engine::object::{FunctionObjectBuilder, ObjectInitializer};
use boa_engine::property::Attribute;
use boa_engine::{Context, JsData, JsError, JsObject, JsString, JsValue, NativeFunction};
use boa_gc::{Finalize, Trace};

/// Marks a Go error value (k6 logs an uncaught one as its `Error()` text).
#[derive(Trace, Finalize, JsData)]
pub struct GoError;

/// Whether `v` is a Go error value made here.
pub fn is_go_error(v: &JsValue) -> bool {
    v.as_object().is_some_and(|o| o.is::<GoError>())
}

/// How a Go error value looks to a script.
pub struct GoErrorValue<'a> {
    /// What `String(e)` and `e.error()` give: Go's `Error()`.
    pub text: &'a str,
    /// Exported fields, in Go's declaration order (`name`, `message` of k6's module errors).
    pub fields: &'a [(&'a str, JsValue)],
    /// Exported methods after `error`, as Go lists them (`unwrap`, `redisError`, `string`...).
    pub methods: &'a [&'a str],
    /// The Go type is a string: `JSON.stringify(e)` gives the text, not an object.
    pub json_is_text: bool,
}

impl GoErrorValue<'_> {
    pub fn to_value(&self, ctx: &mut Context) -> JsValue {
        let text: JsValue = JsString::from(self.text).into();
        let returns_text = |name: &str, ctx: &mut Context| {
            FunctionObjectBuilder::new(
                ctx.realm(),
                NativeFunction::from_copy_closure_with_captures(
                    |_, _, text: &JsValue, _| Ok(text.clone()),
                    text.clone(),
                ),
            )
            .name(JsString::from(name))
            .build()
        };
        let undefined_fn = |name: &str, ctx: &mut Context| {
            FunctionObjectBuilder::new(
                ctx.realm(),
                NativeFunction::from_fn_ptr(|_, _, _| Ok(JsValue::undefined())),
            )
            .name(JsString::from(name))
            .build()
        };
        let mut methods = Vec::with_capacity(self.methods.len() + 1);
        methods.push(("error", returns_text("error", ctx)));
        for &m in self.methods {
            // `String()` of Go's Stringer types is the same text; other methods (`unwrap`,
            // `temporary`...) have no meaningful JS result here.
            let f = if m == "string" {
                returns_text(m, ctx)
            } else {
                undefined_fn(m, ctx)
            };
            methods.push((m, f));
        }
        // `toString`/`toJSON` live on a prototype of its own, so the object's own names are
        // Go's fields and methods only, as in k6.
        let to_string = returns_text("toString", ctx);
        let to_json = self.json_is_text.then(|| returns_text("toJSON", ctx));
        let hidden = Attribute::WRITABLE | Attribute::CONFIGURABLE;
        let mut proto = ObjectInitializer::new(ctx);
        proto.property(JsString::from("toString"), to_string, hidden);
        if let Some(f) = to_json {
            proto.property(JsString::from("toJSON"), f, hidden);
        }
        let proto = proto.build();
        let obj = JsObject::from_proto_and_data(Some(proto), GoError);
        for (name, value) in self.fields {
            let _ = obj.create_data_property_or_throw(JsString::from(*name), value.clone(), ctx);
        }
        for (name, f) in methods {
            let _ = obj.create_data_property_or_throw(JsString::from(name), f, ctx);
        }
        obj.into()
    }

    pub fn to_error(&self, ctx: &mut Context) -> JsError {
        JsError::from_opaque(self.to_value(ctx))
    }
}

/// A plain Go error (`errors.New`, `fmt.Errorf` without `%w`): `{ error() }`.
pub fn plain(text: &str, ctx: &mut Context) -> JsError {
    GoErrorValue {
        text,
        fields: &[],
        methods: &[],
        json_is_text: false,
    }
    .to_error(ctx)
}

/// A Go error wrapping another (`fmt.Errorf` with `%w`): `{ error(), unwrap() }`.
pub fn wrapped(text: &str, ctx: &mut Context) -> JsError {
    GoErrorValue {
        text,
        fields: &[],
        methods: &["unwrap"],
        json_is_text: false,
    }
    .to_error(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use boa_engine::Source;

    /// Evaluates `src` with the error value `e` as the global `e`.
    fn eval_with(e: &GoErrorValue, src: &str) -> String {
        let mut ctx = Context::default();
        let v = e.to_value(&mut ctx);
        ctx.global_object()
            .set(JsString::from("e"), v, false, &mut ctx)
            .expect("set");
        ctx.eval(Source::from_bytes(src))
            .expect("evaluates")
            .to_string(&mut ctx)
            .expect("string")
            .to_std_string_escaped()
    }

    #[test]
    fn looks_like_a_wrapped_go_error() {
        let e = GoErrorValue {
            text: "NotFoundError: gone",
            fields: &[
                ("name", JsString::from("NotFoundError").into()),
                ("message", JsString::from("gone").into()),
            ],
            methods: &[],
            json_is_text: false,
        };
        assert_eq!(
            eval_with(
                &e,
                "[String(e), e.error(), JSON.stringify(e), Object.getOwnPropertyNames(e).join(), e instanceof Error].join('|')"
            ),
            "NotFoundError: gone|NotFoundError: gone|{\"name\":\"NotFoundError\",\"message\":\"gone\"}|name,message,error|false"
        );
    }

    #[test]
    fn string_typed_errors_serialise_as_their_text() {
        let e = GoErrorValue {
            text: "redis: nil",
            fields: &[],
            methods: &["redisError"],
            json_is_text: true,
        };
        assert_eq!(
            eval_with(
                &e,
                "[String(e), JSON.stringify(e), Object.keys(e).join()].join('|')"
            ),
            "redis: nil|\"redis: nil\"|error,redisError"
        );
    }
}
