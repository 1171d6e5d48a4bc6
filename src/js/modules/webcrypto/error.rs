//! WebCrypto failures as k6 v1.1.0 reports them.
//!
//! A rejected `crypto.subtle` call gives a plain object `{name, message}` (k6's Go `Error`
//! struct): `String(e)` is `name: message`, `console.log(e)` prints the two fields as JSON,
//! and an uncaught rejection logs `Uncaught (in promise) NotSupportedError: ...`. Some of
//! k6's failures are bare Go errors instead: no `name`, and `String(e)` is the message alone.
//! A few argument errors are not rejections at all but exceptions thrown by the call itself
//! (a `null` key, usages that are not an array): those are [`Fail::Js`].

use boa_engine::object::ObjectInitializer;
use boa_engine::property::PropertyDescriptor;
use boa_engine::{Context, JsError, JsObject, JsResult, JsString, JsValue, NativeFunction};

use crate::js::util::{func, type_error};

pub const DATA: &str = "DataError";
pub const IMPLEMENTATION: &str = "ImplementationError";
pub const INVALID_ACCESS: &str = "InvalidAccessError";
pub const NOT_SUPPORTED: &str = "NotSupportedError";
pub const NOT_IMPLEMENTED: &str = "NotImplemented";
pub const OPERATION: &str = "OperationError";
pub const SYNTAX: &str = "SyntaxError";
pub const TYPE: &str = "TypeError";

/// A rejection reason: a named WebCrypto error, or (no name) a bare Go error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WcError {
    pub name: Option<&'static str>,
    pub message: String,
}

impl WcError {
    pub fn new(name: &'static str, message: impl Into<String>) -> WcError {
        WcError {
            name: Some(name),
            message: message.into(),
        }
    }

    /// One of k6's errors that is a Go `error` rather than a WebCrypto `Error`.
    pub fn plain(message: impl Into<String>) -> WcError {
        WcError {
            name: None,
            message: message.into(),
        }
    }

    /// k6 re-wraps some errors as `OperationError: <name>: <message>`.
    pub fn wrapped_in(self, name: &'static str) -> WcError {
        WcError::new(name, self.to_string())
    }

    pub fn into_js(self, ctx: &mut Context) -> JsError {
        let obj = ObjectInitializer::new(ctx).build();
        if let Some(name) = self.name {
            obj.set_prototype(Some(error_prototype(ctx)));
            let _ = obj.set(JsString::from("name"), JsString::from(name), false, ctx);
            let _ = obj.set(
                JsString::from("message"),
                JsString::from(self.message),
                false,
                ctx,
            );
            return JsError::from_opaque(obj.into());
        }
        // A bare Go error has no fields (console.log shows `{}`): its text is its string form,
        // from a prototype of its own.
        let own_proto = ObjectInitializer::new(ctx).build();
        let _ = own_proto.define_property_or_throw(
            JsString::from("toString"),
            PropertyDescriptor::builder()
                .value(plain_to_string(self.message, ctx))
                .writable(true)
                .enumerable(false)
                .configurable(true),
            ctx,
        );
        obj.set_prototype(Some(own_proto));
        JsError::from_opaque(obj.into())
    }
}

impl std::fmt::Display for WcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name {
            Some(n) => write!(f, "{n}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

pub fn data(m: impl Into<String>) -> WcError {
    WcError::new(DATA, m)
}
pub fn implementation(m: impl Into<String>) -> WcError {
    WcError::new(IMPLEMENTATION, m)
}
pub fn invalid_access(m: impl Into<String>) -> WcError {
    WcError::new(INVALID_ACCESS, m)
}
pub fn not_supported(m: impl Into<String>) -> WcError {
    WcError::new(NOT_SUPPORTED, m)
}
pub fn operation(m: impl Into<String>) -> WcError {
    WcError::new(OPERATION, m)
}
pub fn syntax(m: impl Into<String>) -> WcError {
    WcError::new(SYNTAX, m)
}
pub fn type_err(m: impl Into<String>) -> WcError {
    WcError::new(TYPE, m)
}

/// Why a `crypto.subtle` call failed: a rejection reason, or an exception the call throws.
#[derive(Debug)]
pub enum Fail {
    Reject(WcError),
    Js(JsError),
}

impl From<WcError> for Fail {
    fn from(e: WcError) -> Fail {
        Fail::Reject(e)
    }
}

impl From<JsError> for Fail {
    fn from(e: JsError) -> Fail {
        Fail::Js(e)
    }
}

pub type Outcome<T> = Result<T, Fail>;

/// Sobek's exception for a `null`/`undefined` argument k6 converts to an object.
pub fn null_to_object() -> Fail {
    Fail::Js(type_error("Cannot convert undefined or null to object"))
}

/// The prototype of the error objects: their `toString` (`name: message`), kept off the
/// objects themselves so that `console.log(e)` and `JSON.stringify(e)` show only the fields.
fn error_prototype(ctx: &mut Context) -> JsObject {
    struct Proto(JsObject);
    if let Some(p) = ctx.get_data::<Proto>() {
        return p.0.clone();
    }
    let to_string = func(
        ctx,
        "toString",
        0,
        NativeFunction::from_fn_ptr(|this, _, ctx| {
            let Some(o) = this.as_object() else {
                return Ok(JsString::from("").into());
            };
            let name = o.get(JsString::from("name"), ctx)?.to_string(ctx)?;
            let msg = o.get(JsString::from("message"), ctx)?.to_string(ctx)?;
            Ok(JsString::from(format!(
                "{}: {}",
                name.to_std_string_lossy(),
                msg.to_std_string_lossy()
            ))
            .into())
        }),
    );
    let proto = ObjectInitializer::new(ctx).build();
    let _ = proto.define_property_or_throw(
        JsString::from("toString"),
        PropertyDescriptor::builder()
            .value(to_string)
            .writable(true)
            .enumerable(false)
            .configurable(true),
        ctx,
    );
    ctx.insert_data(Proto(proto.clone()));
    proto
}

fn plain_to_string(message: String, ctx: &mut Context) -> JsObject {
    func(
        ctx,
        "toString",
        0,
        NativeFunction::from_copy_closure_with_captures(
            |_, _, m: &JsString, _| Ok(JsValue::from(m.clone())),
            JsString::from(message),
        ),
    )
}

/// `Ok(v)` or the rejection/exception of `f`, as the Promise `crypto.subtle` returns.
pub fn settle(r: Outcome<JsValue>, ctx: &mut Context) -> JsResult<JsValue> {
    let r = match r {
        Ok(v) => Ok(v),
        Err(Fail::Reject(e)) => Err(e.into_js(ctx)),
        Err(Fail::Js(e)) => return Err(e),
    };
    Ok(boa_engine::object::builtins::JsPromise::from_result(r, ctx)?.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(e: WcError, ctx: &mut Context) -> (String, String) {
        let v = e.into_js(ctx).into_opaque(ctx).unwrap_or_default();
        let s = v
            .to_string(ctx)
            .map(|s| s.to_std_string_lossy())
            .unwrap_or_default();
        let json = v
            .to_json(ctx)
            .ok()
            .flatten()
            .map(|j| j.to_string())
            .unwrap_or_default();
        (s, json)
    }

    #[test]
    fn errors_print_as_k6s() {
        let mut ctx = Context::default();
        assert_eq!(
            shown(not_supported("no such thing"), &mut ctx),
            (
                "NotSupportedError: no such thing".to_string(),
                r#"{"name":"NotSupportedError","message":"no such thing"}"#.to_string()
            )
        );
        // A bare Go error: only its string form, no fields.
        assert_eq!(
            shown(WcError::plain("invalid EC JWK key"), &mut ctx),
            ("invalid EC JWK key".to_string(), "{}".to_string())
        );
        assert_eq!(
            invalid_access("x").wrapped_in(OPERATION).to_string(),
            "OperationError: InvalidAccessError: x"
        );
    }
}
