//! The global `crypto` object (k6's WebCrypto): `getRandomValues`, `randomUUID` and a subset
//! of `crypto.subtle`: `digest` (SHA-1/256/384/512), HMAC and AES-GCM keys (`importKey` and
//! `exportKey` in `raw`/`jwk`, `generateKey`), `sign`/`verify` (HMAC) and
//! `encrypt`/`decrypt` (AES-GCM). Error names and messages follow k6 v1.1.0; like k6, errors
//! are plain `{name, message}` objects that reject the returned Promise. The work is CPU-only,
//! so every Promise is settled before it is returned.

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::{U12, U13, U14, U15, U16};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::aes::{Aes128, Aes192, Aes256};
use boa_engine::builtins::typed_array::TypedArrayKind;
use boa_engine::object::ObjectInitializer;
use boa_engine::object::builtins::{JsArray, JsArrayBuffer, JsPromise, JsTypedArray};
use boa_engine::property::{Attribute, PropertyDescriptor};
use boa_engine::{
    Context, JsArgs, JsData, JsError, JsObject, JsResult, JsString, JsValue, NativeFunction,
};
use boa_gc::{Finalize, Trace};
use rand::RngCore;

use super::crypto::{Alg, hash, hmac};
use super::encoding::go_error;
use crate::js::bytes::{array_buffer, binary_bytes};
use crate::js::util::{ALL, func};

const NOT_BUFFER: &str = "data is neither an ArrayBuffer, nor a TypedArray nor DataView";

pub fn install_globals(ctx: &mut Context) -> JsResult<()> {
    let mut methods: Vec<(&str, usize, NativeFunction)> = vec![
        ("decrypt", 3, NativeFunction::from_fn_ptr(decrypt)),
        ("deriveBits", 3, NativeFunction::from_fn_ptr(unsupported)),
        ("deriveKey", 5, NativeFunction::from_fn_ptr(unsupported)),
        ("digest", 2, NativeFunction::from_fn_ptr(digest)),
        ("encrypt", 3, NativeFunction::from_fn_ptr(encrypt)),
        ("exportKey", 2, NativeFunction::from_fn_ptr(export_key)),
        ("generateKey", 3, NativeFunction::from_fn_ptr(generate_key)),
        ("importKey", 5, NativeFunction::from_fn_ptr(import_key)),
        ("sign", 3, NativeFunction::from_fn_ptr(sign)),
        ("unwrapKey", 7, NativeFunction::from_fn_ptr(unsupported)),
        ("verify", 4, NativeFunction::from_fn_ptr(verify)),
        ("wrapKey", 4, NativeFunction::from_fn_ptr(unsupported)),
    ];
    let mut subtle = Vec::new();
    for (name, len, f) in methods.drain(..) {
        subtle.push((name, func(ctx, name, len, f)));
    }
    let mut init = ObjectInitializer::new(ctx);
    for (name, f) in subtle {
        init.property(JsString::from(name), f, ALL);
    }
    let subtle = init.build();
    let grv = func(
        ctx,
        "getRandomValues",
        1,
        NativeFunction::from_fn_ptr(get_random_values),
    );
    let uuid = func(
        ctx,
        "randomUUID",
        0,
        NativeFunction::from_fn_ptr(random_uuid),
    );
    let crypto = ObjectInitializer::new(ctx)
        .property(JsString::from("getRandomValues"), grv, ALL)
        .property(JsString::from("randomUUID"), uuid, ALL)
        .property(JsString::from("subtle"), subtle, ALL)
        .build();
    ctx.register_global_property(JsString::from("crypto"), crypto, Attribute::all())?;
    Ok(())
}

// ---- errors ----------------------------------------------------------------------------

/// k6's WebCrypto error: a plain object with enumerable `name` and `message` whose
/// `String(e)` is `name: message` (not an `Error` instance).
fn dom_error(name: &str, message: impl Into<String>, ctx: &mut Context) -> JsError {
    let message: String = message.into();
    let obj = ObjectInitializer::new(ctx)
        .property(JsString::from("name"), JsString::from(name), ALL)
        .property(JsString::from("message"), JsString::from(message), ALL)
        .build();
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
    let _ = obj.define_property_or_throw(
        JsString::from("toString"),
        PropertyDescriptor::builder()
            .value(to_string)
            .writable(true)
            .enumerable(false)
            .configurable(true),
        ctx,
    );
    JsError::from_opaque(obj.into())
}

fn not_supported(alg: &str, op: &str, ctx: &mut Context) -> JsError {
    dom_error(
        "NotSupportedError",
        format!("algorithm \"{alg}\" doesn't support (in implementation) operation \"{op}\""),
        ctx,
    )
}

fn settle(r: JsResult<JsValue>, ctx: &mut Context) -> JsResult<JsValue> {
    Ok(JsPromise::from_result(r, ctx)?.into())
}

fn unsupported(_: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let e = dom_error(
        "NotSupportedError",
        "this SubtleCrypto operation is not supported by rk6",
        ctx,
    );
    settle(Err(e), ctx)
}

// ---- arguments -------------------------------------------------------------------------

/// An algorithm identifier: a string, or an object's `name`.
fn alg_name(v: &JsValue, ctx: &mut Context) -> JsResult<String> {
    if let Some(s) = v.as_string() {
        return Ok(s.to_std_string_lossy());
    }
    if let Some(o) = v.as_object() {
        let n = o.get(JsString::from("name"), ctx)?;
        if n.is_undefined() {
            return Ok(String::new());
        }
        return Ok(n.to_string(ctx)?.to_std_string_lossy());
    }
    Ok(String::new())
}

fn prop(v: &JsValue, name: &str, ctx: &mut Context) -> JsResult<JsValue> {
    match v.as_object() {
        Some(o) => o.get(JsString::from(name), ctx),
        None => Ok(JsValue::undefined()),
    }
}

/// ArrayBuffer, typed array or DataView bytes, else k6's OperationError.
fn buffer_source(v: &JsValue, ctx: &mut Context) -> JsResult<Vec<u8>> {
    match binary_bytes(v, ctx)? {
        Some(b) => Ok(b),
        None => Err(dom_error("OperationError", NOT_BUFFER, ctx)),
    }
}

/// A buffer source, or a string taken as UTF-8 (k6 accepts strings for `iv` and
/// `additionalData`).
fn bytes_or_string(v: &JsValue, ctx: &mut Context) -> JsResult<Vec<u8>> {
    if let Some(s) = v.as_string() {
        return Ok(s.to_std_string_lossy().into_bytes());
    }
    buffer_source(v, ctx)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sha {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Sha {
    fn parse(name: &str) -> Option<Sha> {
        Some(match name.to_ascii_uppercase().as_str() {
            "SHA-1" => Sha::Sha1,
            "SHA-256" => Sha::Sha256,
            "SHA-384" => Sha::Sha384,
            "SHA-512" => Sha::Sha512,
            _ => return None,
        })
    }
    fn name(self) -> &'static str {
        match self {
            Sha::Sha1 => "SHA-1",
            Sha::Sha256 => "SHA-256",
            Sha::Sha384 => "SHA-384",
            Sha::Sha512 => "SHA-512",
        }
    }
    fn alg(self) -> Alg {
        match self {
            Sha::Sha1 => Alg::Sha1,
            Sha::Sha256 => Alg::Sha256,
            Sha::Sha384 => Alg::Sha384,
            Sha::Sha512 => Alg::Sha512,
        }
    }
    fn block_bits(self) -> usize {
        match self {
            Sha::Sha1 | Sha::Sha256 => 512,
            Sha::Sha384 | Sha::Sha512 => 1024,
        }
    }
    fn jwk_alg(self) -> &'static str {
        match self {
            Sha::Sha1 => "HS1",
            Sha::Sha256 => "HS256",
            Sha::Sha384 => "HS384",
            Sha::Sha512 => "HS512",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyAlg {
    Hmac(Sha),
    AesGcm,
}

impl KeyAlg {
    fn name(self) -> &'static str {
        match self {
            KeyAlg::Hmac(_) => "HMAC",
            KeyAlg::AesGcm => "AES-GCM",
        }
    }
    fn allows(self, usage: &str) -> bool {
        match self {
            KeyAlg::Hmac(_) => matches!(usage, "sign" | "verify"),
            KeyAlg::AesGcm => matches!(usage, "encrypt" | "decrypt" | "wrapKey" | "unwrapKey"),
        }
    }
}

/// The algorithm a key is for, before its hash (HMAC) is known.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Hmac,
    AesGcm,
}

fn key_kind(name: &str) -> Option<KeyKind> {
    match name.to_ascii_uppercase().as_str() {
        "HMAC" => Some(KeyKind::Hmac),
        "AES-GCM" => Some(KeyKind::AesGcm),
        _ => None,
    }
}

/// The secret behind a CryptoKey object; the JS-visible properties are copies.
#[derive(Trace, Finalize, JsData)]
struct CryptoKeyData {
    #[unsafe_ignore_trace]
    alg: KeyAlg,
    #[unsafe_ignore_trace]
    secret: Vec<u8>,
    #[unsafe_ignore_trace]
    extractable: bool,
    #[unsafe_ignore_trace]
    usages: Vec<String>,
}

struct Key {
    alg: KeyAlg,
    secret: Vec<u8>,
    extractable: bool,
    usages: Vec<String>,
}

fn key_arg(v: &JsValue, ctx: &mut Context) -> JsResult<Key> {
    let found = v.as_object().and_then(|o| {
        o.downcast_ref::<CryptoKeyData>().map(|d| Key {
            alg: d.alg,
            secret: d.secret.clone(),
            extractable: d.extractable,
            usages: d.usages.clone(),
        })
    });
    found.ok_or_else(|| {
        dom_error(
            "ImplementationError",
            "unable to extract CryptoKey from key object",
            ctx,
        )
    })
}

fn usages_arg(v: &JsValue, kind: KeyAlg, ctx: &mut Context) -> JsResult<Vec<String>> {
    let mut out = Vec::new();
    if let Some(o) = v.as_object() {
        let len = o.get(JsString::from("length"), ctx)?.to_length(ctx)?;
        for i in 0..len {
            let u = o.get(i, ctx)?.to_string(ctx)?.to_std_string_lossy();
            if !kind.allows(&u) {
                return Err(dom_error(
                    "SyntaxError",
                    format!("invalid key usage: {u}"),
                    ctx,
                ));
            }
            if !out.contains(&u) {
                out.push(u);
            }
        }
    }
    if out.is_empty() {
        return Err(dom_error(
            "SyntaxError",
            "usages cannot not be empty for a secret or private CryptoKey",
            ctx,
        ));
    }
    Ok(out)
}

fn hash_param(algorithm: &JsValue, ctx: &mut Context) -> JsResult<Sha> {
    let h = prop(algorithm, "hash", ctx)?;
    if h.is_undefined() || h.is_null() {
        return Err(dom_error(
            "SyntaxError",
            "could not get hash from algorithm parameter",
            ctx,
        ));
    }
    let name = alg_name(&h, ctx)?;
    Sha::parse(&name).ok_or_else(|| not_supported(&name, "generateKey", ctx))
}

fn name_obj(name: &str, ctx: &mut Context) -> JsObject {
    ObjectInitializer::new(ctx)
        .property(JsString::from("name"), JsString::from(name), ALL)
        .build()
}

/// `key.algorithm` with the shape k6 exposes (including the nested `algorithm` and, for
/// HMAC, `key_algorithm` objects that leak from k6's Go structs), so that
/// `JSON.stringify(key.algorithm)` matches.
fn algorithm_object(alg: KeyAlg, bits: usize, ctx: &mut Context) -> JsObject {
    let name = alg.name();
    let inner = name_obj(name, ctx);
    match alg {
        KeyAlg::AesGcm => ObjectInitializer::new(ctx)
            .property(JsString::from("algorithm"), inner, ALL)
            .property(JsString::from("name"), JsString::from(name), ALL)
            .property(JsString::from("length"), bits as f64, ALL)
            .build(),
        KeyAlg::Hmac(sha) => {
            let ka_inner = name_obj(name, ctx);
            let key_algorithm = ObjectInitializer::new(ctx)
                .property(JsString::from("algorithm"), ka_inner, ALL)
                .property(JsString::from("name"), JsString::from(name), ALL)
                .build();
            let hash_inner = name_obj(sha.name(), ctx);
            let hash = ObjectInitializer::new(ctx)
                .property(JsString::from("algorithm"), hash_inner, ALL)
                .property(JsString::from("name"), JsString::from(sha.name()), ALL)
                .build();
            ObjectInitializer::new(ctx)
                .property(JsString::from("key_algorithm"), key_algorithm, ALL)
                .property(JsString::from("algorithm"), inner, ALL)
                .property(JsString::from("name"), JsString::from(name), ALL)
                .property(JsString::from("hash"), hash, ALL)
                .property(JsString::from("length"), bits as f64, ALL)
                .build()
        }
    }
}

fn key_object(key: Key, bits: usize, ctx: &mut Context) -> JsResult<JsValue> {
    let algorithm = algorithm_object(key.alg, bits, ctx);
    let usages: Vec<JsValue> = key
        .usages
        .iter()
        .map(|u| JsString::from(u.as_str()).into())
        .collect();
    let usages = JsArray::from_iter(usages, ctx);
    let extractable = key.extractable;
    let proto = ctx.intrinsics().constructors().object().prototype();
    let obj = JsObject::from_proto_and_data(
        Some(proto),
        CryptoKeyData {
            alg: key.alg,
            secret: key.secret,
            extractable: key.extractable,
            usages: key.usages,
        },
    );
    obj.set(JsString::from("type"), JsString::from("secret"), true, ctx)?;
    obj.set(JsString::from("extractable"), extractable, true, ctx)?;
    obj.set(JsString::from("algorithm"), algorithm, true, ctx)?;
    obj.set(JsString::from("usages"), usages, true, ctx)?;
    Ok(obj.into())
}

// ---- crypto.getRandomValues / randomUUID -------------------------------------------------

fn get_random_values(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let v = args.get_or_undefined(0);
    let ta = v
        .as_object()
        .and_then(|o| JsTypedArray::from_object(o.clone()).ok())
        .filter(|ta| {
            !matches!(
                ta.kind(),
                Some(
                    TypedArrayKind::Float32
                        | TypedArrayKind::Float64
                        | TypedArrayKind::BigInt64
                        | TypedArrayKind::BigUint64
                ) | None
            )
        });
    let Some(ta) = ta else {
        return Err(go_error(
            "TypeMismatchError: typedArray parameter isn't a TypedArray instance",
            ctx,
        ));
    };
    // k6 limits the element count (not the byte length) to 65536.
    if ta.length(ctx)? > 65536 {
        return Err(go_error(
            "QuotaExceededError: typedArray parameter is too big; maximum length is 65536",
            ctx,
        ));
    }
    let offset = ta.byte_offset(ctx)?;
    let len = ta.byte_length(ctx)?;
    if let Some(buf) = ta.buffer(ctx)?.as_object()
        && let Ok(buf) = JsArrayBuffer::from_object(buf.clone())
        && let Some(mut data) = buf.data_mut()
        && let Some(slice) = data.get_mut(offset..offset + len)
    {
        rand::rng().fill_bytes(slice);
    }
    Ok(v.clone())
}

fn random_uuid(_: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Ok(JsString::from(uuid::Uuid::new_v4().to_string()).into())
}

// ---- crypto.subtle ---------------------------------------------------------------------

fn digest(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let r = (|| {
        let name = alg_name(args.get_or_undefined(0), ctx)?;
        let Some(sha) = Sha::parse(&name) else {
            return Err(not_supported(&name, "digest", ctx));
        };
        let Some(data) = binary_bytes(args.get_or_undefined(1), ctx)? else {
            return Err(boa_engine::JsNativeError::typ()
                .with_message("data must be an ArrayBuffer, TypedArray, or DataView")
                .into());
        };
        array_buffer(&hash(sha.alg(), &data), ctx)
    })();
    settle(r, ctx)
}

fn import_key(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let r = (|| {
        let format = args
            .get_or_undefined(0)
            .to_string(ctx)?
            .to_std_string_lossy();
        let algorithm = args.get_or_undefined(2);
        let name = alg_name(algorithm, ctx)?;
        let Some(kind) = key_kind(&name) else {
            return Err(not_supported(&name, "importKey", ctx));
        };
        if format != "raw" && format != "jwk" {
            return Err(dom_error(
                "NotSupportedError",
                format!("unsupported key format {format}"),
                ctx,
            ));
        }
        let alg = match kind {
            KeyKind::AesGcm => KeyAlg::AesGcm,
            // Usages are checked before the hash, so use any hash for that check.
            KeyKind::Hmac => KeyAlg::Hmac(Sha::Sha256),
        };
        let usages = usages_arg(args.get_or_undefined(4), alg, ctx)?;
        let alg = match kind {
            KeyKind::AesGcm => KeyAlg::AesGcm,
            KeyKind::Hmac => KeyAlg::Hmac(hash_param(algorithm, ctx)?),
        };
        let secret = if format == "raw" {
            buffer_source(args.get_or_undefined(1), ctx)?
        } else {
            jwk_secret(args.get_or_undefined(1), ctx)?
        };
        match alg {
            KeyAlg::Hmac(_) if secret.is_empty() => {
                return Err(dom_error("DataError", "key length cannot be 0", ctx));
            }
            KeyAlg::AesGcm if ![16, 24, 32].contains(&secret.len()) => {
                return Err(dom_error(
                    "DataError",
                    format!("invalid key length {} bytes", secret.len()),
                    ctx,
                ));
            }
            _ => {}
        }
        let bits = secret.len() * 8;
        let extractable = args.get_or_undefined(3).to_boolean();
        key_object(
            Key {
                alg,
                secret,
                extractable,
                usages,
            },
            bits,
            ctx,
        )
    })();
    settle(r, ctx)
}

/// The `k` of an `oct` JWK.
fn jwk_secret(v: &JsValue, ctx: &mut Context) -> JsResult<Vec<u8>> {
    let k = prop(v, "k", ctx)?;
    let Some(k) = k.as_string() else {
        return Err(dom_error("DataError", "invalid JWK: missing \"k\"", ctx));
    };
    let k = k.to_std_string_lossy();
    super::encoding::decode(k.trim_end_matches('=').as_bytes(), "rawurl")
        .map_err(|e| dom_error("DataError", format!("invalid JWK \"k\": {e}"), ctx))
}

fn export_key(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let r = (|| {
        let format = args
            .get_or_undefined(0)
            .to_string(ctx)?
            .to_std_string_lossy();
        let key = key_arg(args.get_or_undefined(1), ctx)?;
        if format != "raw" && format != "jwk" {
            return Err(dom_error(
                "NotSupportedError",
                format!("unsupported key format {format}"),
                ctx,
            ));
        }
        if !key.extractable {
            return Err(dom_error(
                "InvalidAccessError",
                "the key is not extractable",
                ctx,
            ));
        }
        if format == "raw" {
            return array_buffer(&key.secret, ctx);
        }
        let alg = match key.alg {
            KeyAlg::Hmac(sha) => sha.jwk_alg().to_string(),
            KeyAlg::AesGcm => format!("A{}GCM", key.secret.len() * 8),
        };
        let ops: Vec<JsValue> = key
            .usages
            .iter()
            .map(|u| JsString::from(u.as_str()).into())
            .collect();
        let ops = JsArray::from_iter(ops, ctx);
        let k = super::encoding::encode(&key.secret, "rawurl");
        Ok(ObjectInitializer::new(ctx)
            .property(JsString::from("k"), JsString::from(k), ALL)
            .property(JsString::from("kty"), JsString::from("oct"), ALL)
            .property(JsString::from("ext"), true, ALL)
            .property(JsString::from("key_ops"), ops, ALL)
            .property(JsString::from("alg"), JsString::from(alg), ALL)
            .build()
            .into())
    })();
    settle(r, ctx)
}

fn generate_key(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let r = (|| {
        let algorithm = args.get_or_undefined(0);
        let name = alg_name(algorithm, ctx)?;
        let Some(kind) = key_kind(&name) else {
            return Err(not_supported(&name, "generateKey", ctx));
        };
        let extractable = args.get_or_undefined(1).to_boolean();
        let (alg, bits) = match kind {
            KeyKind::AesGcm => {
                let usages_alg = KeyAlg::AesGcm;
                let len = prop(algorithm, "length", ctx)?;
                if len.is_undefined() || len.is_null() {
                    return Err(dom_error(
                        "SyntaxError",
                        "could not get length from algorithm parameter",
                        ctx,
                    ));
                }
                let bits = len.to_number(ctx)?;
                if ![128.0, 192.0, 256.0].contains(&bits) {
                    return Err(dom_error("OperationError", "invalid key length", ctx));
                }
                (usages_alg, bits as usize)
            }
            KeyKind::Hmac => {
                let sha = hash_param(algorithm, ctx)?;
                let len = prop(algorithm, "length", ctx)?;
                let bits = if len.is_undefined() || len.is_null() {
                    sha.block_bits()
                } else {
                    let n = len.to_number(ctx)?;
                    if !(n.is_finite() && n >= 1.0) {
                        return Err(dom_error("OperationError", "invalid key length", ctx));
                    }
                    n as usize
                };
                (KeyAlg::Hmac(sha), bits)
            }
        };
        let usages = usages_arg(args.get_or_undefined(2), alg, ctx)?;
        let mut secret = vec![0u8; bits.div_ceil(8)];
        rand::rng().fill_bytes(&mut secret);
        key_object(
            Key {
                alg,
                secret,
                extractable,
                usages,
            },
            bits,
            ctx,
        )
    })();
    settle(r, ctx)
}

/// The HMAC key for sign/verify, after k6's checks.
fn hmac_key(args: &[JsValue], usage: &str, ctx: &mut Context) -> JsResult<(Sha, Vec<u8>)> {
    let name = alg_name(args.get_or_undefined(0), ctx)?;
    if key_kind(&name) != Some(KeyKind::Hmac) {
        return Err(not_supported(&name, usage, ctx));
    }
    let key = key_arg(args.get_or_undefined(1), ctx)?;
    let KeyAlg::Hmac(sha) = key.alg else {
        return Err(dom_error(
            "InvalidAccessError",
            "algorithm name does not match key algorithm name",
            ctx,
        ));
    };
    if !key.usages.iter().any(|u| u == usage) {
        return Err(dom_error(
            "InvalidAccessError",
            format!("key does not contain the '{usage}' usage"),
            ctx,
        ));
    }
    Ok((sha, key.secret))
}

fn sign(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let r = (|| {
        let (sha, secret) = hmac_key(args, "sign", ctx)?;
        let data = buffer_source(args.get_or_undefined(2), ctx)?;
        array_buffer(&hmac(sha.alg(), &secret, &data), ctx)
    })();
    settle(r, ctx)
}

fn verify(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let r = (|| {
        let (sha, secret) = hmac_key(args, "verify", ctx)?;
        let signature = buffer_source(args.get_or_undefined(2), ctx)?;
        let data = buffer_source(args.get_or_undefined(3), ctx)?;
        let expected = hmac(sha.alg(), &secret, &data);
        Ok(constant_time_eq(&expected, &signature).into())
    })();
    settle(r, ctx)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// AES-GCM with a 12-byte IV and a tag of `tag_bytes` (12..=16), for a 128/192/256-bit key.
/// The ciphertext carries the tag at its end, as in WebCrypto.
pub fn aes_gcm(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    data: &[u8],
    tag_bytes: usize,
    encrypt: bool,
) -> Option<Vec<u8>> {
    macro_rules! run {
        ($aes:ty, $tag:ty) => {{
            let cipher = AesGcm::<$aes, U12, $tag>::new_from_slice(key).ok()?;
            let nonce = aes_gcm::Nonce::<U12>::try_from(iv).ok()?;
            let payload = Payload { msg: data, aad };
            if encrypt {
                cipher.encrypt(&nonce, payload).ok()
            } else {
                cipher.decrypt(&nonce, payload).ok()
            }
        }};
    }
    macro_rules! by_tag {
        ($aes:ty) => {
            match tag_bytes {
                12 => run!($aes, U12),
                13 => run!($aes, U13),
                14 => run!($aes, U14),
                15 => run!($aes, U15),
                16 => run!($aes, U16),
                _ => None,
            }
        };
    }
    match key.len() {
        16 => by_tag!(Aes128),
        24 => by_tag!(Aes192),
        32 => by_tag!(Aes256),
        _ => None,
    }
}

fn aes_op(args: &[JsValue], op: &str, ctx: &mut Context) -> JsResult<JsValue> {
    let params = args.get_or_undefined(0);
    let name = alg_name(params, ctx)?;
    let key = key_arg(args.get_or_undefined(1), ctx)?;
    if !name.eq_ignore_ascii_case(key.alg.name()) {
        return Err(dom_error(
            "InvalidAccessError",
            format!("{op}'s algorithm name does not match key algorithm name"),
            ctx,
        ));
    }
    if key.alg != KeyAlg::AesGcm {
        return Err(not_supported(&name, op, ctx));
    }
    if !key.usages.iter().any(|u| u == op) {
        return Err(dom_error(
            "InvalidAccessError",
            format!("{op}'s key does not contain the '{op}' usage"),
            ctx,
        ));
    }
    let iv = prop(params, "iv", ctx)?;
    let iv = if iv.is_undefined() || iv.is_null() {
        Vec::new()
    } else {
        bytes_or_string(&iv, ctx)?
    };
    if iv.len() != 12 {
        return Err(dom_error(
            "NotSupportedError",
            "only 12 bytes long iv are supported",
            ctx,
        ));
    }
    let tag = prop(params, "tagLength", ctx)?;
    let tag_bits = if tag.is_undefined() {
        128.0
    } else {
        tag.to_number(ctx)?
    };
    if ![96.0, 104.0, 112.0, 120.0, 128.0].contains(&tag_bits) {
        return Err(dom_error(
            "OperationError",
            "invalid tag length, should be one of 96, 104, 112, 120, 128",
            ctx,
        ));
    }
    let tag_bytes = tag_bits as usize / 8;
    let aad = prop(params, "additionalData", ctx)?;
    let aad = if aad.is_undefined() || aad.is_null() {
        Vec::new()
    } else {
        bytes_or_string(&aad, ctx)?
    };
    let data = buffer_source(args.get_or_undefined(2), ctx)?;
    let encrypt = op == "encrypt";
    if !encrypt && data.len() < tag_bytes {
        return Err(dom_error("OperationError", "ciphertext is too short", ctx));
    }
    match aes_gcm(&key.secret, &iv, &aad, &data, tag_bytes, encrypt) {
        Some(out) => array_buffer(&out, ctx),
        None if encrypt => Err(dom_error(
            "OperationError",
            "could not encrypt plaintext",
            ctx,
        )),
        None => Err(dom_error(
            "OperationError",
            "could not decrypt ciphertext",
            ctx,
        )),
    }
}

fn encrypt(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let r = aes_op(args, "encrypt", ctx);
    settle(r, ctx)
}

fn decrypt(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let r = aes_op(args, "decrypt", ctx);
    settle(r, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap_or_default()
    }

    #[test]
    fn aes_gcm_nist_vectors() {
        // GCM spec (McGrew & Viega) test cases 2 and 4 (AES-128), 16 (AES-256).
        let ct = aes_gcm(&[0; 16], &[0; 12], &[], &[0; 16], 16, true).unwrap_or_default();
        assert_eq!(
            hex::encode(&ct),
            "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf"
        );
        let key = unhex("feffe9928665731c6d6a8f9467308308");
        let iv = unhex("cafebabefacedbaddecaf888");
        let pt = unhex(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
        );
        let aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        let ct = aes_gcm(&key, &iv, &aad, &pt, 16, true).unwrap_or_default();
        assert_eq!(
            hex::encode(&ct),
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e0915bc94fbc3221a5db94fae95ae7121a47"
        );
        assert_eq!(aes_gcm(&key, &iv, &aad, &ct, 16, false), Some(pt.clone()));
        let mut bad = ct.clone();
        bad[0] ^= 1;
        assert_eq!(aes_gcm(&key, &iv, &aad, &bad, 16, false), None);
        let key256 = unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
        let ct = aes_gcm(&key256, &iv, &aad, &pt, 16, true).unwrap_or_default();
        assert_eq!(
            hex::encode(&ct),
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f66276fc6ece0f4e1768cddf8853bb2d551b"
        );
    }

    #[test]
    fn aes_gcm_short_tags_match_k6() {
        // Confirmed on k6 v1.1.0: zero key/iv, "hello", tagLength 96 and aad "aad".
        let ct = aes_gcm(&[0; 16], &[0; 12], &[], b"hello", 12, true).unwrap_or_default();
        assert_eq!(
            ct,
            vec![
                107, 237, 182, 162, 15, 252, 5, 243, 71, 93, 41, 3, 76, 170, 28, 200, 250
            ]
        );
        let ct = aes_gcm(&[0; 16], &[0; 12], b"aad", b"hello", 16, true).unwrap_or_default();
        assert_eq!(
            ct,
            vec![
                107, 237, 182, 162, 15, 196, 240, 120, 86, 199, 142, 10, 232, 186, 196, 224, 17,
                131, 2, 247, 27
            ]
        );
        assert_eq!(aes_gcm(&[0; 15], &[0; 12], &[], b"x", 16, true), None);
    }

    #[test]
    fn sha_names() {
        assert_eq!(Sha::parse("sha-256"), Some(Sha::Sha256));
        assert_eq!(Sha::parse("SHA-1"), Some(Sha::Sha1));
        assert_eq!(Sha::parse("MD5"), None);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
