//! Reading `crypto.subtle` arguments the way k6 (Go, through Sobek's conversions) reads them.

use boa_engine::object::builtins::{JsArrayBuffer, JsDataView, JsTypedArray};
use boa_engine::{Context, JsResult, JsString, JsValue};

use super::error::{Fail, Outcome, WcError, not_supported, null_to_object, operation, type_err};
use crate::js::bytes::binary_bytes;
use crate::js::util::type_error;

/// The operations of k6's algorithm registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Digest,
    GenerateKey,
    ImportKey,
    Encrypt,
    Decrypt,
    Sign,
    Verify,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Digest => "digest",
            Op::GenerateKey => "generateKey",
            Op::ImportKey => "importKey",
            Op::Encrypt => "encrypt",
            Op::Decrypt => "decrypt",
            Op::Sign => "sign",
            Op::Verify => "verify",
        }
    }
}

const AES: [&str; 4] = ["AES-CBC", "AES-CTR", "AES-GCM", "AES-KW"];
const SHA: [&str; 4] = ["SHA-1", "SHA-256", "SHA-384", "SHA-512"];
const RSA: [&str; 3] = ["RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP"];
const EC: [&str; 2] = ["ECDH", "ECDSA"];

/// Whether k6 v1.1.0 registers `name` for `op` (its `isRegisteredAlgorithm`). generateKey
/// accepts the hash names too (k6 normalizes HMAC's `hash` with that operation).
pub fn registered(name: &str, op: Op) -> bool {
    match op {
        Op::Digest => SHA.contains(&name),
        Op::GenerateKey => {
            AES.contains(&name)
                || SHA.contains(&name)
                || name == "HMAC"
                || EC.contains(&name)
                || RSA.contains(&name)
        }
        Op::ImportKey => {
            AES.contains(&name) || name == "HMAC" || EC.contains(&name) || RSA.contains(&name)
        }
        Op::Encrypt | Op::Decrypt => AES.contains(&name) || name == "RSA-OAEP",
        Op::Sign | Op::Verify => {
            matches!(name, "HMAC" | "ECDSA" | "RSA-PSS" | "RSASSA-PKCS1-v1_5")
        }
    }
}

/// Upper case, except RSASSA-PKCS1-v1_5 which keeps its lower-case `v`.
pub fn normalize_name(name: &str) -> String {
    let upper = name.to_uppercase();
    if upper == "RSASSA-PKCS1-V1_5" {
        return "RSASSA-PKCS1-v1_5".to_string();
    }
    upper
}

/// k6's `normalizeAlgorithm`: a string or an object's `name`, upper-cased, and registered
/// for `op`.
pub fn normalize(v: &JsValue, op: Op, ctx: &mut Context) -> Outcome<String> {
    let raw = if let Some(s) = v.as_string() {
        s.to_std_string_lossy()
    } else if let Some(o) = v.as_object() {
        let n = o.get(JsString::from("name"), ctx)?;
        if n.is_null_or_undefined() {
            String::new()
        } else {
            n.to_string(ctx)?.to_std_string_lossy()
        }
    } else if v.is_null_or_undefined() {
        // k6 v1.1.0 crashes on a missing algorithm; rk6 reports it as an unknown one.
        String::new()
    } else {
        return Err(WcError::new(
            super::error::SYNTAX,
            "algorithm cannot be interpreted as a string or an object",
        )
        .into());
    };
    let name = normalize_name(&raw);
    if !registered(&name, op) {
        return Err(not_supported(format!(
            "algorithm \"{name}\" doesn't support (in implementation) operation \"{}\"",
            op.name()
        ))
        .into());
    }
    Ok(name)
}

/// `v[field]`, or `None` when it is null or undefined (k6's `traverseObject`). A string has
/// a `length` (k6 reads fields through `ToObject`): `{name: 'AES-GCM'}` and `'AES-GCM'`
/// differ there.
pub fn field(v: &JsValue, name: &str, ctx: &mut Context) -> JsResult<Option<JsValue>> {
    let value = if let Some(o) = v.as_object() {
        o.get(JsString::from(name), ctx)?
    } else if let Some(s) = v.as_string() {
        if name == "length" {
            JsValue::from(s.len() as f64)
        } else {
            JsValue::undefined()
        }
    } else {
        JsValue::undefined()
    };
    Ok((!value.is_null_or_undefined()).then_some(value))
}

/// Sobek's `ToInteger`: NaN is 0, fractions are truncated.
pub fn to_integer(v: &JsValue, ctx: &mut Context) -> JsResult<i64> {
    let n = v.to_number(ctx)?;
    Ok(if n.is_nan() { 0 } else { n.trunc() as i64 })
}

/// A number parameter read into a Go `int` field (`undefined` is 0).
pub fn int_field(v: &JsValue, name: &str, ctx: &mut Context) -> JsResult<i64> {
    match field(v, name, ctx)? {
        Some(x) => to_integer(&x, ctx),
        None => Ok(0),
    }
}

/// The bytes of an ArrayBuffer, typed array or DataView argument (k6's `exportArrayBuffer`).
pub fn buffer_source(v: &JsValue, ctx: &mut Context) -> Outcome<Vec<u8>> {
    if v.is_null_or_undefined() {
        return Err(type_err("data is null or undefined").into());
    }
    match binary_bytes(v, ctx)? {
        Some(b) => Ok(b),
        None => {
            Err(operation("data is neither an ArrayBuffer, nor a TypedArray nor DataView").into())
        }
    }
}

/// Whether `v` is an ArrayBuffer, a typed array or a DataView.
pub fn is_binary(v: &JsValue) -> bool {
    v.as_object().is_some_and(|o| {
        JsArrayBuffer::from_object(o.clone()).is_ok()
            || JsTypedArray::from_object(o.clone()).is_ok()
            || JsDataView::from_object(o.clone()).is_ok()
    })
}

/// A byte-string parameter (`iv`, `counter`, `label`, `additionalData`) as Sobek exports it
/// into a Go `[]byte`: binary values, strings (UTF-8) and arrays of numbers; absent is empty.
/// `None` for anything else (k6 then refuses the whole parameter object).
pub fn param_bytes(v: &JsValue, ctx: &mut Context) -> JsResult<Option<Vec<u8>>> {
    if v.is_null_or_undefined() {
        return Ok(Some(Vec::new()));
    }
    if let Some(s) = v.as_string() {
        return Ok(Some(s.to_std_string_lossy().into_bytes()));
    }
    if let Some(b) = binary_bytes(v, ctx)? {
        return Ok(Some(b));
    }
    if let Some(o) = v.as_object()
        && o.is_array()
    {
        let len = o.get(JsString::from("length"), ctx)?.to_length(ctx)?;
        let mut out = Vec::with_capacity(len as usize);
        for i in 0..len {
            let n = o.get(i, ctx)?.to_number(ctx)?;
            out.push(n as i64 as u8);
        }
        return Ok(Some(out));
    }
    Ok(None)
}

/// The usages argument as Sobek converts it to `[]string`: absent is empty, an array-like
/// object gives its elements as strings, anything else throws (before the call starts).
pub fn usages_arg(v: &JsValue, position: usize, ctx: &mut Context) -> JsResult<Vec<String>> {
    if v.is_null_or_undefined() {
        return Ok(Vec::new());
    }
    let Some(o) = v.as_object() else {
        let shown = v.to_string(ctx)?.to_std_string_lossy();
        return Err(type_error(format!(
            "could not convert function call parameter {position}: could not convert {shown} to []string"
        )));
    };
    let len = o.get(JsString::from("length"), ctx)?.to_length(ctx)?;
    let mut out = Vec::with_capacity(len as usize);
    for i in 0..len {
        out.push(o.get(i, ctx)?.to_string(ctx)?.to_std_string_lossy());
    }
    Ok(out)
}

/// A key format argument (`undefined` is the empty string, as Sobek converts it).
pub fn format_arg(v: &JsValue, ctx: &mut Context) -> JsResult<String> {
    if v.is_null_or_undefined() {
        return Ok(String::new());
    }
    Ok(v.to_string(ctx)?.to_std_string_lossy())
}

/// Fails with Sobek's exception when `v` is null or undefined (k6 calls `ToObject` on it).
pub fn require_object_coercible(v: &JsValue) -> Outcome<()> {
    if v.is_null_or_undefined() {
        return Err(null_to_object());
    }
    Ok(())
}

/// `Err` as a `Fail` for the rare getter exception while reading a parameter.
pub fn js<T>(r: JsResult<T>) -> Outcome<T> {
    r.map_err(Fail::Js)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_matches_k6() {
        assert!(registered("SHA-256", Op::Digest));
        assert!(!registered("HMAC", Op::Digest));
        assert!(registered("SHA-1", Op::GenerateKey));
        assert!(!registered("SHA-1", Op::ImportKey));
        assert!(registered("AES-KW", Op::Encrypt));
        assert!(registered("RSA-OAEP", Op::Decrypt));
        assert!(!registered("RSA-PSS", Op::Encrypt));
        assert!(registered("RSASSA-PKCS1-v1_5", Op::Verify));
        assert!(!registered("ECDH", Op::Sign));
        assert!(!registered("PBKDF2", Op::ImportKey));
        assert!(!registered("HKDF", Op::GenerateKey));
    }

    #[test]
    fn names_are_upper_cased_except_pkcs1() {
        assert_eq!(normalize_name("aes-gcm"), "AES-GCM");
        assert_eq!(normalize_name("rsassa-pkcs1-V1_5"), "RSASSA-PKCS1-v1_5");
        assert_eq!(normalize_name("Sha-256"), "SHA-256");
    }
}
