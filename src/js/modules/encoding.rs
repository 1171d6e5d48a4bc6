//! `k6/encoding`: b64encode / b64decode with k6's four encodings (`std`, `rawstd`, `url`,
//! `rawurl`). Also home of the helpers k6's Go modules share: `GoError` errors and k6's
//! "string, []byte or ArrayBuffer" input conversion (used by `k6/crypto` too).

use base64::Engine;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{
    GeneralPurpose, GeneralPurposeConfig, STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
};
use boa_engine::object::builtins::{JsArrayBuffer, JsDataView, JsTypedArray};
use boa_engine::property::PropertyDescriptor;
use boa_engine::{
    Context, JsArgs, JsError, JsNativeError, JsObject, JsResult, JsString, JsValue, NativeFunction,
};

use crate::js::util::{ALL, func};

pub const EXPORTS: &[&str] = &["b64encode", "b64decode"];

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let enc = func(ctx, "b64encode", 2, NativeFunction::from_fn_ptr(b64encode));
    let dec = func(ctx, "b64decode", 3, NativeFunction::from_fn_ptr(b64decode));
    Ok(boa_engine::object::ObjectInitializer::new(ctx)
        .property(JsString::from("b64encode"), enc, ALL)
        .property(JsString::from("b64decode"), dec, ALL)
        .build())
}

/// An `Error` named `GoError`: what k6 throws when a Go module function returns an error
/// (`String(e)` is `GoError: <message>`).
pub fn go_error(msg: impl Into<String>, ctx: &mut Context) -> JsError {
    let obj = JsNativeError::error()
        .with_message(msg.into())
        .into_opaque(ctx);
    // Non-enumerable like the inherited `name`, so JSON.stringify(e) stays as for Errors.
    let _ = obj.define_property_or_throw(
        JsString::from("name"),
        PropertyDescriptor::builder()
            .value(JsString::from("GoError"))
            .writable(true)
            .enumerable(false)
            .configurable(true),
        ctx,
    );
    JsError::from_opaque(obj.into())
}

/// The Go type name k6 reports for a value it cannot take as bytes.
fn go_type_name(v: &JsValue) -> &'static str {
    if v.is_undefined() || v.is_null() {
        return "<nil>";
    }
    if v.is_boolean() {
        return "bool";
    }
    if let Some(n) = v.as_number() {
        return if n.fract() == 0.0 && n.abs() < 9.2e18 {
            "int64"
        } else {
            "float64"
        };
    }
    if v.is_bigint() {
        return "*big.Int";
    }
    if v.is_symbol() {
        return "*sobek.Symbol";
    }
    match v.as_object() {
        Some(o) if o.is_array() => "[]interface {}",
        Some(o) if o.is_callable() => "func(sobek.FunctionCall) sobek.Value",
        _ => "map[string]interface {}",
    }
}

/// k6's `common.ToBytes`: a string (as UTF-8), an ArrayBuffer or a typed array; anything
/// else (DataView included) is `invalid type T, expected string, []byte or ArrayBuffer`.
pub fn k6_bytes(v: &JsValue, ctx: &mut Context) -> Result<Vec<u8>, String> {
    if let Some(s) = v.as_string() {
        return Ok(s.to_std_string_lossy().into_bytes());
    }
    if let Some(obj) = v.as_object()
        && JsDataView::from_object(obj.clone()).is_err()
        && (JsArrayBuffer::from_object(obj.clone()).is_ok()
            || JsTypedArray::from_object(obj.clone()).is_ok())
        && let Ok(Some(b)) = crate::js::bytes::binary_bytes(v, ctx)
    {
        return Ok(b);
    }
    Err(format!(
        "invalid type {}, expected string, []byte or ArrayBuffer",
        go_type_name(v)
    ))
}

/// A string argument as Go receives it: undefined and null become "".
pub fn go_string(v: &JsValue, ctx: &mut Context) -> JsResult<String> {
    if v.is_undefined() || v.is_null() {
        return Ok(String::new());
    }
    Ok(v.to_string(ctx)?.to_std_string_lossy())
}

fn b64encode(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let data = k6_bytes(args.get_or_undefined(0), ctx).map_err(|m| go_error(m, ctx))?;
    let encoding = go_string(args.get_or_undefined(1), ctx)?;
    Ok(JsString::from(encode(&data, &encoding)).into())
}

/// Base64 of `data` in one of k6's encodings; unknown names mean `std`, as in k6.
pub fn encode(data: &[u8], encoding: &str) -> String {
    match encoding {
        "rawstd" => STANDARD_NO_PAD.encode(data),
        "url" => URL_SAFE.encode(data),
        "rawurl" => URL_SAFE_NO_PAD.encode(data),
        _ => STANDARD.encode(data),
    }
}

fn b64decode(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let input = go_string(args.get_or_undefined(0), ctx)?;
    let encoding = go_string(args.get_or_undefined(1), ctx)?;
    let format = go_string(args.get_or_undefined(2), ctx)?;
    let bytes = decode(input.as_bytes(), &encoding).map_err(|m| go_error(m, ctx))?;
    if format == "s" {
        return Ok(JsString::from(go_lossy(&bytes)).into());
    }
    crate::js::bytes::array_buffer(&bytes, ctx)
}

/// Bytes as text the way Go hands them to JS: each byte of an invalid UTF-8 sequence becomes
/// one U+FFFD (Rust's `from_utf8_lossy` would use one per maximal invalid sequence).
pub fn go_lossy(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for _ in chunk.invalid() {
            out.push(char::REPLACEMENT_CHARACTER);
        }
    }
    out
}

/// Decodes like Go's `encoding/base64` (what k6 uses): `\r` and `\n` are skipped anywhere,
/// padded encodings require canonical padding, raw ones refuse it, non-zero trailing bits
/// are accepted. Errors carry Go's message and offset (`illegal base64 data at input byte N`).
pub fn decode(src: &[u8], encoding: &str) -> Result<Vec<u8>, String> {
    let (url, padded) = match encoding {
        "rawstd" => (false, false),
        "url" => (true, true),
        "rawurl" => (true, false),
        _ => (false, true),
    };
    let illegal = |at: usize| format!("illegal base64 data at input byte {at}");
    go_validate(src, url, padded).map_err(illegal)?;
    let config = GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(if padded {
            DecodePaddingMode::RequireCanonical
        } else {
            DecodePaddingMode::RequireNone
        });
    let engine = GeneralPurpose::new(
        if url {
            &alphabet::URL_SAFE
        } else {
            &alphabet::STANDARD
        },
        config,
    );
    let clean: Vec<u8> = src
        .iter()
        .copied()
        .filter(|c| *c != b'\n' && *c != b'\r')
        .collect();
    // Validation above accepts exactly what Go accepts, so this only fails on a disagreement
    // between the two; report it as Go reports a bad first byte rather than panicking.
    engine.decode(clean).map_err(|_| illegal(0))
}

/// Go's `decodeQuantum` acceptance rules, quantum by quantum, returning the offset Go puts in
/// its `CorruptInputError`.
fn go_validate(src: &[u8], url: bool, padded: bool) -> Result<(), usize> {
    let valid = |c: u8| {
        c.is_ascii_alphanumeric()
            || if url {
                c == b'-' || c == b'_'
            } else {
                c == b'+' || c == b'/'
            }
    };
    let newline = |c: u8| c == b'\n' || c == b'\r';
    let mut si = 0;
    loop {
        let mut j = 0;
        while j < 4 {
            if si == src.len() {
                return if j == 0 {
                    Ok(())
                } else if j == 1 || padded {
                    Err(si - j)
                } else {
                    Ok(())
                };
            }
            let c = src[si];
            si += 1;
            if valid(c) {
                j += 1;
                continue;
            }
            if newline(c) {
                continue;
            }
            if !padded || c != b'=' {
                return Err(si - 1);
            }
            match j {
                0 | 1 => return Err(si - 1),
                2 => {
                    while si < src.len() && newline(src[si]) {
                        si += 1;
                    }
                    if si == src.len() {
                        return Err(src.len());
                    }
                    if src[si] != b'=' {
                        return Err(si - 1);
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && newline(src[si]) {
                si += 1;
            }
            return if si < src.len() { Err(si) } else { Ok(()) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str, enc: &str) -> Result<String, String> {
        decode(s.as_bytes(), enc).map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    #[test]
    fn lossy_like_go() {
        // b64decode(12345678, 'std', 's') on k6 v1.1.0: one U+FFFD per invalid byte.
        let b = decode(b"12345678", "std").unwrap_or_default();
        assert_eq!(go_lossy(&b), "\u{FFFD}m\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}");
        assert_eq!(go_lossy("h\u{e9}".as_bytes()), "h\u{e9}");
    }

    #[test]
    fn rfc4648_vectors() {
        // RFC 4648 section 10.
        let v = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, b64) in v {
            assert_eq!(encode(plain.as_bytes(), "std"), b64);
            assert_eq!(
                encode(plain.as_bytes(), "rawstd"),
                b64.trim_end_matches('=')
            );
            assert_eq!(dec(b64, "std").as_deref(), Ok(plain));
            assert_eq!(
                dec(b64.trim_end_matches('='), "rawstd").as_deref(),
                Ok(plain)
            );
        }
    }

    #[test]
    fn variants_match_k6() {
        // Outputs confirmed on k6 v1.1.0.
        let s = b"hello?>world~~";
        assert_eq!(encode(s, ""), "aGVsbG8/Pndvcmxkfn4=");
        assert_eq!(encode(s, "foo"), "aGVsbG8/Pndvcmxkfn4=");
        assert_eq!(encode(s, "rawstd"), "aGVsbG8/Pndvcmxkfn4");
        assert_eq!(encode(s, "url"), "aGVsbG8_Pndvcmxkfn4=");
        assert_eq!(encode(s, "rawurl"), "aGVsbG8_Pndvcmxkfn4");
        assert_eq!(encode(&[0xff, 0xfe, 0xfd, 1], "std"), "//79AQ==");
        assert_eq!(
            dec("aGVsbG8_Pndvcmxkfn4=", "url").as_deref(),
            Ok("hello?>world~~")
        );
        assert_eq!(
            dec("aGVsbG8_Pndvcmxkfn4", "rawurl").as_deref(),
            Ok("hello?>world~~")
        );
        assert_eq!(dec("aGVs\nbG8=", "std").as_deref(), Ok("hello"));
        // Non-zero trailing bits are accepted by Go's non-strict decoder.
        assert_eq!(dec("aGVsbG9=", "std").as_deref(), Ok("hello"));
        assert_eq!(dec("aGVsbG8=", "").as_deref(), Ok("hello"));
    }

    #[test]
    fn errors_match_go_offsets() {
        // Messages confirmed on k6 v1.1.0.
        let e = |s: &str, enc: &str| dec(s, enc).unwrap_err();
        assert_eq!(
            e("aGVsbG8/Pndvcmxkfn4", "std"),
            "illegal base64 data at input byte 16"
        );
        assert_eq!(
            e("aGVsbG8/Pndvcmxkfn4=", "rawstd"),
            "illegal base64 data at input byte 19"
        );
        assert_eq!(
            e("aGVsbG8/Pndvcmxkfn4=", "url"),
            "illegal base64 data at input byte 7"
        );
        assert_eq!(
            e("aGVsbG8_Pndvcmxkfn4=", "std"),
            "illegal base64 data at input byte 7"
        );
        assert_eq!(e("!!!!", "std"), "illegal base64 data at input byte 0");
        assert_eq!(e("abc", "std"), "illegal base64 data at input byte 0");
        assert_eq!(
            e("[object ArrayBuffer]", "std"),
            "illegal base64 data at input byte 0"
        );
        assert_eq!(e("aGVsbG8", ""), "illegal base64 data at input byte 4");
        assert_eq!(e("aGVsbG8_", ""), "illegal base64 data at input byte 7");
        assert_eq!(e("a", "rawstd"), "illegal base64 data at input byte 0");
        assert_eq!(e("aGVsbA=", "std"), "illegal base64 data at input byte 7");
        assert_eq!(e("aGVsbA==x", "std"), "illegal base64 data at input byte 8");
    }
}
