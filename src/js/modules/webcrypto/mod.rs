//! The global `crypto` object (k6's WebCrypto): `getRandomValues`, `randomUUID` and
//! `crypto.subtle` with what k6 v1.1.0 implements: `digest` (SHA-1/256/384/512); AES-CBC,
//! AES-CTR, AES-GCM (and AES-KW keys), HMAC, ECDSA, ECDH, RSASSA-PKCS1-v1_5, RSA-PSS and
//! RSA-OAEP keys (`generateKey`, `importKey`/`exportKey` in the formats k6 takes for each);
//! `encrypt`/`decrypt`, `sign`/`verify` and `deriveBits` (ECDH).
//!
//! Each method checks its arguments in k6's order, so the same mistake gets the same error;
//! errors are k6's (see `error`). The work is CPU-only, so most Promises are settled before
//! they are returned; RSA key generation (up to seconds) runs on tokio's blocking pool and
//! settles when the VU's event loop next runs.

mod aes;
mod ec;
mod error;
mod hash;
mod hmac;
mod jwk;
mod key;
mod params;
mod rsa;

use boa_engine::builtins::typed_array::TypedArrayKind;
use boa_engine::job::NativeAsyncJob;
use boa_engine::object::ObjectInitializer;
use boa_engine::object::builtins::{JsArrayBuffer, JsPromise, JsTypedArray};
use boa_engine::property::Attribute;
use boa_engine::{Context, JsArgs, JsResult, JsString, JsValue, NativeFunction};
use rand::RngCore;

use self::aes::{AesKind, AesParams};
use self::ec::{Curve, EcMaterial};
use self::error::{
    Fail, NOT_IMPLEMENTED, Outcome, WcError, data, implementation, invalid_access, not_supported,
    operation, settle, syntax, type_err,
};
use self::hash::Sha;
use self::jwk::Jwk;
use self::key::{EcKind, Key, KeyAlgorithm, KeyArg, KeyType, Material, OnNull, RsaKind};
use self::params::{
    Op, buffer_source, field, format_arg, int_field, is_binary, js, normalize, param_bytes,
    require_object_coercible, to_integer, usages_arg,
};
use self::rsa::RsaMaterial;
use super::encoding::go_error;
use crate::js::bytes::array_buffer;
use crate::js::util::{ALL, func};

pub fn install_globals(ctx: &mut Context) -> JsResult<()> {
    let methods: [(
        &str,
        usize,
        boa_engine::native_function::NativeFunctionPointer,
    ); 12] = [
        ("decrypt", 3, decrypt),
        ("deriveBits", 3, derive_bits),
        ("deriveKey", 5, derive_key),
        ("digest", 2, digest),
        ("encrypt", 3, encrypt),
        ("exportKey", 2, export_key),
        ("generateKey", 3, generate_key),
        ("importKey", 5, import_key),
        ("sign", 3, sign),
        ("unwrapKey", 7, not_implemented),
        ("verify", 4, verify),
        ("wrapKey", 4, not_implemented),
    ];
    let mut subtle = Vec::new();
    for (name, len, f) in methods {
        subtle.push((name, func(ctx, name, len, NativeFunction::from_fn_ptr(f))));
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

// ---- digest ------------------------------------------------------------------------------

fn digest(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let r = (|| {
        let data = args.get_or_undefined(1);
        require_object_coercible(data)?;
        if !is_binary(data) {
            return Err(
                WcError::plain("data must be an ArrayBuffer, TypedArray, or DataView").into(),
            );
        }
        let bytes = buffer_source(data, ctx)?;
        let name = normalize(args.get_or_undefined(0), Op::Digest, ctx)?;
        let sha = Sha::from_name(&name).ok_or_else(|| {
            not_supported(format!(
                "unsupported digest algorithm '{name}', accepted values are: SHA-1, SHA-256, SHA-384, and SHA-512"
            ))
        })?;
        Ok(array_buffer(&sha.digest(&bytes), ctx)?)
    })();
    settle(r, ctx)
}

// ---- encrypt / decrypt -------------------------------------------------------------------

enum CipherParams {
    Aes(AesParams),
    Oaep { label: Vec<u8> },
}

/// k6 reads the parameter object into a Go struct before the operation: a string algorithm
/// or a field of the wrong type fails there.
fn cipher_params(name: &str, params: &JsValue, ctx: &mut Context) -> Outcome<CipherParams> {
    if name == "AES-KW" {
        return Err(not_supported("unsupported algorithm AES-KW").into());
    }
    let unreadable = || syntax("invalid algorithm parameters, unable to interpret as \"\" object");
    if !params.is_object() {
        return Err(unreadable().into());
    }
    let bytes = |field_name: &str, ctx: &mut Context| -> Outcome<Vec<u8>> {
        let v = field(params, field_name, ctx)?.unwrap_or_default();
        param_bytes(&v, ctx)?.ok_or_else(|| unreadable().into())
    };
    Ok(match name {
        "AES-CBC" => CipherParams::Aes(AesParams::Cbc {
            iv: bytes("iv", ctx)?,
        }),
        "AES-CTR" => CipherParams::Aes(AesParams::Ctr {
            counter: bytes("counter", ctx)?,
            length: int_field(params, "length", ctx)?,
        }),
        "AES-GCM" => CipherParams::Aes(AesParams::Gcm {
            iv: bytes("iv", ctx)?,
            additional_data: bytes("additionalData", ctx)?,
            tag_length: int_field(params, "tagLength", ctx)?,
        }),
        _ => CipherParams::Oaep {
            label: bytes("label", ctx)?,
        },
    })
}

fn cipher(args: &[JsValue], op: Op, ctx: &mut Context) -> Outcome<JsValue> {
    let opn = op.name();
    let data = buffer_source(args.get_or_undefined(2), ctx)?;
    let params = args.get_or_undefined(0);
    let name = normalize(params, op, ctx)?;
    let key = key::key_arg(
        args.get_or_undefined(1),
        &format!("{opn}'s key argument does hold not a valid CryptoKey object"),
        OnNull::Throw,
        ctx,
    )?;
    if name != key.algorithm_name {
        return Err(invalid_access(format!(
            "{opn}'s algorithm name does not match key algorithm name"
        ))
        .into());
    }
    let parsed = cipher_params(&name, params, ctx)?;
    if !key.has_usage(opn) {
        return Err(
            invalid_access(format!("{opn}'s key does not contain the '{opn}' usage")).into(),
        );
    }
    let key = key.real(|| implementation("could not get key data"))?;
    let encrypt = op == Op::Encrypt;
    let out = match (&parsed, &key.material, &key.algorithm) {
        (CipherParams::Aes(p), Material::Secret(k), _) if encrypt => aes::encrypt(p, k, &data),
        (CipherParams::Aes(p), Material::Secret(k), _) => aes::decrypt(p, k, &data),
        (CipherParams::Oaep { label }, Material::Rsa(m), KeyAlgorithm::Rsa { hash, .. }) => {
            if encrypt {
                rsa::encrypt_oaep(m, *hash, label, &data)
            } else {
                rsa::decrypt_oaep(m, *hash, label, &data)
            }
        }
        _ => Err(implementation("could not get key data")),
    }?;
    Ok(array_buffer(&out, ctx)?)
}

fn encrypt(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let r = cipher(args, Op::Encrypt, ctx);
    settle(r, ctx)
}

fn decrypt(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let r = cipher(args, Op::Decrypt, ctx);
    settle(r, ctx)
}

// ---- sign / verify -----------------------------------------------------------------------

enum SignParams {
    Hmac,
    Ecdsa { hash: String },
    Pkcs1,
    Pss { salt_length: i64 },
}

fn sign_params(name: &str, params: &JsValue, ctx: &mut Context) -> Outcome<SignParams> {
    Ok(match name {
        "HMAC" => SignParams::Hmac,
        "ECDSA" => {
            let Some(hash) = field(params, "hash", ctx)? else {
                return Err(syntax("could not get hash from algorithm parameter").into());
            };
            // k6 normalizes ECDSA's hash as an algorithm of generateKey (so `HMAC` passes here
            // and fails when signing).
            SignParams::Ecdsa {
                hash: normalize(&hash, Op::GenerateKey, ctx)?,
            }
        }
        "RSA-PSS" => {
            let Some(salt) = field(params, "saltLength", ctx)? else {
                return Err(syntax("could not get saltLength from algorithm parameter").into());
            };
            SignParams::Pss {
                salt_length: to_integer(&salt, ctx)?,
            }
        }
        _ => SignParams::Pkcs1,
    })
}

/// The checks sign and verify share, in k6's order; returns the parameters and the key.
fn signing_key(
    params: &JsValue,
    key: &JsValue,
    op: Op,
    ctx: &mut Context,
) -> Outcome<(SignParams, KeyArg)> {
    let name = normalize(params, op, ctx)?;
    let parsed = sign_params(&name, params, ctx)?;
    let on_null = if op == Op::Sign {
        OnNull::Throw
    } else {
        OnNull::Reject
    };
    let key = key::key_arg(
        key,
        "key argument does hold not a valid CryptoKey object",
        on_null,
        ctx,
    )?;
    if name != key.algorithm_name {
        return Err(invalid_access("algorithm name does not match key algorithm name").into());
    }
    if !key.has_usage(op.name()) {
        return Err(
            invalid_access(format!("key does not contain the '{}' usage", op.name())).into(),
        );
    }
    Ok((parsed, key))
}

fn ecdsa_hash(name: &str) -> Result<Sha, WcError> {
    Sha::from_name(name).ok_or_else(|| not_supported(format!("unsupported hash algorithm: {name}")))
}

/// The error k6 gives when a look-alike object (not a CryptoKey) reaches the operation.
fn not_a_real_key(p: &SignParams, op: Op) -> WcError {
    let which = if op == Op::Sign { "private" } else { "public" };
    match p {
        SignParams::Hmac => invalid_access("key algorithm does not describe a HMAC key"),
        SignParams::Ecdsa { .. } => invalid_access(format!("key is not a valid ECDSA {which} key")),
        _ => invalid_access(format!(
            "given CryptoKey is not a {which} RSA key, it's <nil>"
        )),
    }
}

fn sign(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let r = (|| {
        let data = buffer_source(args.get_or_undefined(2), ctx)?;
        let (p, key) = signing_key(
            args.get_or_undefined(0),
            args.get_or_undefined(1),
            Op::Sign,
            ctx,
        )?;
        let key = key.real(|| not_a_real_key(&p, Op::Sign))?;
        let out = match (&p, &key.material, &key.algorithm) {
            (SignParams::Hmac, Material::Secret(k), KeyAlgorithm::Hmac { hash, .. }) => {
                Ok(hmac::sign(*hash, k, &data))
            }
            (SignParams::Ecdsa { hash }, Material::Ec(m), _) => {
                if key.kind != KeyType::Private {
                    return Err(invalid_access("key is not a valid ECDSA private key").into());
                }
                ecdsa_hash(hash).and_then(|sha| ec::sign(m, &sha.digest(&data)))
            }
            (SignParams::Pkcs1, Material::Rsa(m), KeyAlgorithm::Rsa { hash, .. }) => {
                rsa::sign_pkcs1(m, *hash, &data)
            }
            (SignParams::Pss { salt_length }, Material::Rsa(m), KeyAlgorithm::Rsa { hash, .. }) => {
                rsa::sign_pss(m, *hash, *salt_length, &data)
            }
            _ => Err(not_a_real_key(&p, Op::Sign)),
        }?;
        Ok(array_buffer(&out, ctx)?)
    })();
    settle(r, ctx)
}

fn verify(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let r = (|| {
        let signature = buffer_source(args.get_or_undefined(2), ctx)?;
        let data = buffer_source(args.get_or_undefined(3), ctx)?;
        let (p, key) = signing_key(
            args.get_or_undefined(0),
            args.get_or_undefined(1),
            Op::Verify,
            ctx,
        )?;
        let key = key.real(|| not_a_real_key(&p, Op::Verify))?;
        let ok = match (&p, &key.material, &key.algorithm) {
            (SignParams::Hmac, Material::Secret(k), KeyAlgorithm::Hmac { hash, .. }) => {
                Ok(hmac::verify(*hash, k, &signature, &data))
            }
            (SignParams::Ecdsa { hash }, Material::Ec(m), _) => {
                if key.kind != KeyType::Public {
                    return Err(invalid_access("key is not a valid ECDSA public key").into());
                }
                ecdsa_hash(hash).and_then(|sha| ec::verify(m, &sha.digest(&data), &signature))
            }
            (SignParams::Pkcs1, Material::Rsa(m), KeyAlgorithm::Rsa { hash, .. }) => {
                rsa::verify_pkcs1(m, *hash, &signature, &data)
            }
            (SignParams::Pss { salt_length }, Material::Rsa(m), KeyAlgorithm::Rsa { hash, .. }) => {
                rsa::verify_pss(m, *hash, *salt_length, &signature, &data)
            }
            _ => Err(not_a_real_key(&p, Op::Verify)),
        }?;
        Ok(JsValue::from(ok))
    })();
    settle(r, ctx)
}

// ---- generateKey -------------------------------------------------------------------------

const EMPTY_USAGES: &str = "usages cannot not be empty for a secret or private CryptoKey";

/// An RSA key pair to generate off the VU's thread, with everything already checked.
struct RsaJob {
    bits: i64,
    exponent: u64,
    kind: RsaKind,
    hash: Sha,
    extractable: bool,
    private_usages: Vec<String>,
    public_usages: Vec<String>,
}

impl RsaJob {
    fn pair(
        self,
        private: RsaMaterial,
        public: RsaMaterial,
        ctx: &mut Context,
    ) -> JsResult<JsValue> {
        let algorithm = KeyAlgorithm::Rsa {
            kind: self.kind,
            modulus_length: public.modulus_bits(),
            hash: self.hash,
        };
        key::pair_value(
            Key {
                kind: KeyType::Private,
                algorithm: algorithm.clone(),
                extractable: self.extractable,
                usages: self.private_usages,
                material: Material::Rsa(private),
            },
            Key {
                kind: KeyType::Public,
                algorithm,
                extractable: true,
                usages: self.public_usages,
                material: Material::Rsa(public),
            },
            ctx,
        )
    }
}

enum Generated {
    Secret(Key),
    Pair(Key, Key),
    Rsa(RsaJob),
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    rand::rng().fill_bytes(&mut b);
    b
}

/// k6's reading of an RSA `hash` parameter (unlike HMAC's and ECDSA's, case-sensitive).
fn rsa_hash(params: &JsValue, ctx: &mut Context) -> Outcome<Sha> {
    let Some(v) = field(params, "hash", ctx)? else {
        return Err(syntax("could not get hash from algorithm parameter").into());
    };
    let name = if let Some(s) = v.as_string() {
        s.to_std_string_lossy()
    } else {
        let n = match v.as_object() {
            Some(o) => o.get(JsString::from("name"), ctx)?,
            None => JsValue::undefined(),
        };
        if n.is_null_or_undefined() {
            return Err(type_err("hash name is null or undefined").into());
        }
        n.to_string(ctx)?.to_std_string_lossy()
    };
    Sha::from_name(&name)
        .ok_or_else(|| not_supported(format!("hash algorithm is not supported {name}")).into())
}

/// HMAC's parameters (the hash, normalized as k6 does with generateKey's registry, and the
/// optional length) and its usage check, shared by generateKey and importKey.
fn hmac_params(
    alg: &JsValue,
    usages: &[String],
    ctx: &mut Context,
) -> Outcome<(String, Option<i64>)> {
    let Some(hash) = field(alg, "hash", ctx)? else {
        return Err(syntax("could not get hash from algorithm parameter").into());
    };
    let hash = normalize(&hash, Op::GenerateKey, ctx)?;
    let length = match field(alg, "length", ctx)? {
        Some(l) => Some(to_integer(&l, ctx)?),
        None => None,
    };
    if let Some(u) = usages.iter().find(|u| !hmac::usage_ok(u)) {
        return Err(syntax(format!("invalid key usage: {u}")).into());
    }
    Ok((hash, length))
}

fn generate(
    alg: &JsValue,
    extractable: bool,
    usages: Vec<String>,
    ctx: &mut Context,
) -> Outcome<Generated> {
    let name = normalize(alg, Op::GenerateKey, ctx)?;
    if let Some(kind) = AesKind::from_name(&name) {
        let Some(length) = field(alg, "length", ctx)? else {
            return Err(syntax("could not get length from algorithm parameter").into());
        };
        let length = to_integer(&length, ctx)?;
        if usages.iter().any(|u| !kind.generate_usage_ok(u)) {
            return Err(syntax("invalid key usage").into());
        }
        if ![128, 192, 256].contains(&length) {
            return Err(operation("invalid key length").into());
        }
        return Ok(Generated::Secret(Key {
            kind: KeyType::Secret,
            algorithm: KeyAlgorithm::Aes { kind, length },
            extractable,
            usages,
            material: Material::Secret(random_bytes(length as usize / 8)),
        }));
    }
    match name.as_str() {
        "HMAC" => {
            let (hash, length) = hmac_params(alg, &usages, ctx)?;
            let sha = Sha::from_name(&hash)
                .ok_or_else(|| implementation(format!("invalid hash algorithm: {hash}")))?;
            let length = length.unwrap_or(sha.block_bits());
            if length == 0 {
                return Err(operation("algorithm's length cannot be 0").into());
            }
            if length < 0 {
                // k6 v1.1.0 crashes on a negative length.
                return Err(operation("invalid key length").into());
            }
            Ok(Generated::Secret(Key {
                kind: KeyType::Secret,
                algorithm: KeyAlgorithm::Hmac { hash: sha, length },
                extractable,
                usages,
                // k6 takes length/8 bytes: a length that is not a multiple of 8 is cut short.
                material: Material::Secret(random_bytes(length as usize / 8)),
            }))
        }
        "ECDSA" | "ECDH" => {
            let Some(curve) = field(alg, "namedCurve", ctx)? else {
                return Err(syntax("could not get namedCurve from algorithm parameter").into());
            };
            let curve_name = curve.to_string(ctx)?.to_std_string_lossy();
            let (kind, private_set, public_set): (_, &[&str], &[&str]) = if name == "ECDH" {
                (EcKind::Ecdh, &["deriveKey", "deriveBits"], &[])
            } else {
                (EcKind::Ecdsa, &["sign"], &["verify"])
            };
            let Some(curve) = Curve::from_name(&curve_name) else {
                return Err(
                    not_supported(format!("elliptic curve {curve_name} is not supported")).into(),
                );
            };
            if usages.is_empty() {
                return Err(syntax("key usages cannot be empty").into());
            }
            let allowed: &[&str] = if kind == EcKind::Ecdh {
                &["deriveKey", "deriveBits"]
            } else {
                &["sign", "verify"]
            };
            if usages.iter().any(|u| !allowed.contains(&u.as_str())) {
                return Err(syntax("invalid key usage").into());
            }
            let (private, public) = ec::generate(curve);
            let algorithm = KeyAlgorithm::Ec {
                kind,
                named_curve: curve_name,
            };
            let public_usages: Vec<String> = public_set.iter().map(|s| s.to_string()).collect();
            Ok(Generated::Pair(
                Key {
                    kind: KeyType::Private,
                    algorithm: algorithm.clone(),
                    extractable,
                    usages: key::intersection(&usages, private_set),
                    material: Material::Ec(private),
                },
                Key {
                    kind: KeyType::Public,
                    algorithm,
                    extractable: true,
                    usages: key::intersection(
                        &public_usages,
                        &usages.iter().map(String::as_str).collect::<Vec<_>>(),
                    ),
                    material: Material::Ec(public),
                },
            ))
        }
        _ => {
            let Some(kind) = RsaKind::from_name(&name) else {
                return Err(WcError::new(
                    NOT_IMPLEMENTED,
                    format!(
                        "unsupported key generation algorithm '{name}', accepted values are: AES-CBC, AES-CTR, AES-GCM, AES-KW, HMAC, ECDH, ECDSA, RSASSA-PKCS1-v1_5, RSA-PSS, RSA-OAEP"
                    ),
                )
                .into());
            };
            let Some(bits) = field(alg, "modulusLength", ctx)? else {
                return Err(syntax("could not get modulusLength from algorithm parameter").into());
            };
            let bits = to_integer(&bits, ctx)?;
            let Some(exponent) = field(alg, "publicExponent", ctx)? else {
                return Err(syntax("could not get publicExponent from algorithm parameter").into());
            };
            let exponent = uint8_array_bytes(&exponent, ctx)?
                .ok_or_else(|| operation("publicExponent is not a byte array"))?;
            let hash = rsa_hash(alg, ctx)?;
            let exponent = rsa::public_exponent(&exponent)?;
            if usages.is_empty() {
                return Err(syntax("key usages cannot be empty").into());
            }
            let (allowed, private_set, public_set): (&[&str], &[&str], &[&str]) = match kind {
                RsaKind::Oaep => (
                    &["encrypt", "decrypt", "wrapKey", "unwrapKey"],
                    &["decrypt"],
                    &["encrypt"],
                ),
                _ => (&["sign", "verify"], &["sign"], &["verify"]),
            };
            if let Some(u) = usages.iter().find(|u| !allowed.contains(&u.as_str())) {
                return Err(syntax(format!("invalid key usage: {u}")).into());
            }
            Ok(Generated::Rsa(RsaJob {
                bits,
                exponent,
                kind,
                hash,
                extractable,
                private_usages: key::intersection(&usages, private_set),
                public_usages: key::intersection(&usages, public_set),
            }))
        }
    }
}

/// A Uint8Array's bytes (Sobek exports only that as a Go `[]byte` for `publicExponent`).
fn uint8_array_bytes(v: &JsValue, ctx: &mut Context) -> JsResult<Option<Vec<u8>>> {
    let Some(ta) = v
        .as_object()
        .and_then(|o| JsTypedArray::from_object(o.clone()).ok())
    else {
        return Ok(None);
    };
    if ta.kind() != Some(TypedArrayKind::Uint8) {
        return Ok(None);
    }
    crate::js::bytes::binary_bytes(v, ctx)
}

fn generate_key(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let usages = usages_arg(args.get_or_undefined(2), 2, ctx)?;
    let extractable = args.get_or_undefined(1).to_boolean();
    let r = generate(args.get_or_undefined(0), extractable, usages, ctx);
    let r = match r {
        Ok(Generated::Rsa(job)) => return generate_rsa(job, ctx),
        Ok(Generated::Secret(key)) if key.usages.is_empty() => Err(syntax(EMPTY_USAGES).into()),
        Ok(Generated::Secret(key)) => js(key::key_value(key, ctx)),
        Ok(Generated::Pair(private, public)) => js(key::pair_value(private, public, ctx)),
        Err(e) => Err(e),
    };
    settle(r, ctx)
}

/// Generates an RSA key pair on tokio's blocking pool (it takes from milliseconds to seconds)
/// and settles the returned Promise from the VU's event loop. Without a runtime (outside a
/// VU), it generates in place.
fn generate_rsa(job: RsaJob, ctx: &mut Context) -> JsResult<JsValue> {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        let r = rsa::generate(job.bits, job.exponent)
            .map_err(Fail::from)
            .and_then(|(private, public)| js(job.pair(private, public, ctx)));
        return settle(r, ctx);
    };
    let (bits, exponent) = (job.bits, job.exponent);
    let task = runtime.spawn_blocking(move || rsa::generate(bits, exponent));
    let (promise, resolvers) = JsPromise::new_pending(ctx);
    let job = NativeAsyncJob::new(async move |cell| {
        let generated = task
            .await
            .unwrap_or_else(|_| Err(operation("could not generate RSA key pair")));
        let ctx = &mut cell.borrow_mut();
        let settled = match generated {
            Ok((private, public)) => job.pair(private, public, ctx),
            Err(e) => Err(e.into_js(ctx)),
        };
        match settled {
            Ok(pair) => resolvers
                .resolve
                .call(&JsValue::undefined(), &[pair], ctx)?,
            Err(e) => {
                let reason = e.into_opaque(ctx)?;
                resolvers
                    .reject
                    .call(&JsValue::undefined(), &[reason], ctx)?
            }
        };
        Ok(JsValue::undefined())
    });
    ctx.enqueue_job(job.into());
    Ok(promise.into())
}

// ---- importKey ---------------------------------------------------------------------------

enum KeyInput {
    Bytes(Vec<u8>),
    Jwk(Jwk),
}

/// The `k` of an `oct` JWK, with k6's DataError messages.
fn oct_jwk(key: &Jwk) -> Result<Vec<u8>, WcError> {
    let parse = |e: String| data(format!("failed to parse symmetric JWK: {e}"));
    let kty = key.string("kty", "symmetricJWK").map_err(parse)?;
    let k = key.string("k", "symmetricJWK").map_err(parse)?;
    if kty != "oct" {
        return Err(data(format!(
            "invalid symmetric JWK: invalid key type: {kty}"
        )));
    }
    if k.is_empty() {
        return Err(data("invalid symmetric JWK: key (k) is required"));
    }
    jwk::decode(&k).map_err(|e| data(format!("failed to decode symmetric key: {e}")))
}

/// Bytes of a secret key in `raw` or `jwk` format.
fn secret_input(format: &str, input: &KeyInput) -> Result<Vec<u8>, WcError> {
    match input {
        KeyInput::Jwk(j) => oct_jwk(j),
        KeyInput::Bytes(b) if format == "raw" => Ok(b.clone()),
        KeyInput::Bytes(_) => Err(not_supported(format!("unsupported key format {format}"))),
    }
}

fn import(
    format: &str,
    input: KeyInput,
    alg: &JsValue,
    usages: &[String],
    ctx: &mut Context,
) -> Outcome<(KeyType, KeyAlgorithm, Material)> {
    let name = normalize(alg, Op::ImportKey, ctx)?;
    if let Some(kind) = AesKind::from_name(&name) {
        if let Some(u) = usages.iter().find(|u| !kind.import_usage_ok(u)) {
            return Err(syntax(format!("invalid key usage: {u}")).into());
        }
        let bytes = secret_input(format, &input)?;
        if !aes::valid_key_len(bytes.len()) {
            return Err(data(format!("invalid key length {} bytes", bytes.len())).into());
        }
        let length = bytes.len() as i64 * 8;
        return Ok((
            KeyType::Secret,
            KeyAlgorithm::Aes { kind, length },
            Material::Secret(bytes),
        ));
    }
    match name.as_str() {
        "HMAC" => {
            let (hash, length) = hmac_params(alg, usages, ctx)?;
            let bytes = secret_input(format, &input)?;
            let bits = bytes.len() as i64 * 8;
            if bits == 0 {
                return Err(data("key length cannot be 0").into());
            }
            if length.is_some_and(|l| l != bits) {
                return Err(data(
                    "key length cannot be different from the length of the imported data",
                )
                .into());
            }
            let sha = Sha::from_name(&hash).ok_or_else(|| {
                not_supported(format!("unsupported key hash algorithm \"{hash}\""))
            })?;
            Ok((
                KeyType::Secret,
                KeyAlgorithm::Hmac {
                    hash: sha,
                    length: bits,
                },
                Material::Secret(bytes),
            ))
        }
        "ECDSA" | "ECDH" => {
            let Some(curve) = field(alg, "namedCurve", ctx)? else {
                return Err(syntax("could not get namedCurve from algorithm parameter").into());
            };
            let named_curve = curve.to_string(ctx)?.to_std_string_lossy();
            let ecdh = name == "ECDH";
            let material = match (format, &input) {
                ("raw", KeyInput::Bytes(b)) => {
                    let Some(curve) = Curve::from_name(&named_curve) else {
                        return Err(not_supported(if ecdh {
                            format!("invalid ECDH curve {named_curve}")
                        } else {
                            format!("invalid elliptic curve {named_curve}")
                        })
                        .into());
                    };
                    ec::import_raw(curve, b).ok_or_else(|| {
                        data(if ecdh {
                            "unable to import ECDH public key data: crypto/ecdh: invalid public key"
                        } else {
                            "unable to import ECDSA public key data"
                        })
                    })?
                }
                ("pkcs8", KeyInput::Bytes(b)) => {
                    ec::import_pkcs8(b, if ecdh { "ECDH" } else { "ECDSA" })?
                }
                ("spki", KeyInput::Bytes(b)) => ec::import_spki(b)?,
                ("jwk", KeyInput::Jwk(j)) => ec::import_jwk(j, ecdh)?,
                _ => {
                    return Err(not_supported(format!(
                        "unsupported key format {format} for algorithm {name}"
                    ))
                    .into());
                }
            };
            let kind = match material {
                EcMaterial::Private { .. } => KeyType::Private,
                EcMaterial::Public { .. } => KeyType::Public,
            };
            let ec_kind = if ecdh { EcKind::Ecdh } else { EcKind::Ecdsa };
            Ok((
                kind,
                KeyAlgorithm::Ec {
                    kind: ec_kind,
                    named_curve,
                },
                Material::Ec(material),
            ))
        }
        _ => {
            let kind = RsaKind::from_name(&name).ok_or_else(|| {
                implementation(format!("key import not implemented for algorithm {name}"))
            })?;
            let hash = rsa_hash(alg, ctx)?;
            let material = match (format, &input) {
                ("pkcs8", KeyInput::Bytes(b)) => rsa::import_pkcs8(b)?,
                ("spki", KeyInput::Bytes(b)) => rsa::import_spki(b)?,
                ("jwk", KeyInput::Jwk(j)) => rsa::import_jwk(j)?,
                _ => {
                    return Err(not_supported(format!(
                        "unsupported key format {format} for algorithm {name}"
                    ))
                    .into());
                }
            };
            let key_type = match material {
                RsaMaterial::Private(_) => KeyType::Private,
                RsaMaterial::Public(_) => KeyType::Public,
            };
            Ok((
                key_type,
                KeyAlgorithm::Rsa {
                    kind,
                    modulus_length: material.modulus_bits(),
                    hash,
                },
                Material::Rsa(material),
            ))
        }
    }
}

fn import_key(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let usages = usages_arg(args.get_or_undefined(4), 4, ctx)?;
    let format = format_arg(args.get_or_undefined(0), ctx)?;
    let extractable = args.get_or_undefined(3).to_boolean();
    let r = (|| {
        let input = match format.as_str() {
            "raw" | "pkcs8" | "spki" => {
                KeyInput::Bytes(buffer_source(args.get_or_undefined(1), ctx)?)
            }
            "jwk" => KeyInput::Jwk(Jwk::from_js(args.get_or_undefined(1), ctx)?),
            _ => return Err(implementation(format!("unsupported format {format}")).into()),
        };
        let (kind, algorithm, material) =
            import(&format, input, args.get_or_undefined(2), &usages, ctx)?;
        if kind != KeyType::Public && usages.is_empty() {
            return Err(syntax(EMPTY_USAGES).into());
        }
        Ok(key::key_value(
            Key {
                kind,
                algorithm,
                extractable,
                usages,
                material,
            },
            ctx,
        )?)
    })();
    settle(r, ctx)
}

// ---- exportKey ---------------------------------------------------------------------------

enum Exported {
    Bytes(Vec<u8>),
    Jwk(Vec<(&'static str, String)>),
    /// A secret key's JWK (`k`, `kty`, `ext`, `key_ops`, `alg`).
    Oct {
        k: String,
        alg: String,
    },
}

fn export(format: &str, key: &Key) -> Result<Exported, WcError> {
    let unsupported = || not_supported(format!("unsupported key format {format}"));
    Ok(match (&key.material, &key.algorithm) {
        (Material::Secret(bytes), alg) => match format {
            "raw" => Exported::Bytes(bytes.clone()),
            "jwk" => Exported::Oct {
                k: jwk::encode(bytes),
                alg: match alg {
                    KeyAlgorithm::Hmac { hash, .. } => hmac::jwk_alg(*hash),
                    other => format!("A{}{}", bytes.len() * 8, &other.name()[4..]),
                },
            },
            _ => return Err(unsupported()),
        },
        (Material::Ec(m), _) => match format {
            "raw" => Exported::Bytes(ec::export_raw(m)?),
            "spki" => Exported::Bytes(ec::export_spki(m)?),
            "pkcs8" => Exported::Bytes(ec::export_pkcs8(m)?),
            "jwk" => Exported::Jwk(ec::export_jwk(m)),
            _ => return Err(unsupported()),
        },
        (Material::Rsa(m), _) => match format {
            "spki" => Exported::Bytes(rsa::export_spki(m)?),
            "pkcs8" => Exported::Bytes(rsa::export_pkcs8(m)?),
            "jwk" => Exported::Jwk(rsa::export_jwk(m)),
            _ => return Err(unsupported()),
        },
    })
}

fn export_key(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let format = format_arg(args.get_or_undefined(0), ctx)?;
    let r = (|| {
        let v = args.get_or_undefined(1);
        require_object_coercible(v)?;
        let key = key::key_of(v)
            .ok_or_else(|| implementation("unable to extract CryptoKey from key object"))?;
        if !key.extractable {
            return Err(invalid_access("the key is not extractable").into());
        }
        if matches!(
            key.algorithm,
            KeyAlgorithm::Aes {
                kind: AesKind::Kw,
                ..
            }
        ) {
            return Err(not_supported("unsupported algorithm AES-KW").into());
        }
        Ok(match export(&format, &key)? {
            Exported::Bytes(b) => array_buffer(&b, ctx)?,
            Exported::Jwk(members) => {
                let mut init = ObjectInitializer::new(ctx);
                for (name, value) in members {
                    init.property(JsString::from(name), JsString::from(value), ALL);
                }
                init.build().into()
            }
            Exported::Oct { k, alg } => {
                let ops = key::strings(&key.usages, ctx);
                ObjectInitializer::new(ctx)
                    .property(JsString::from("k"), JsString::from(k), ALL)
                    .property(JsString::from("kty"), JsString::from("oct"), ALL)
                    .property(JsString::from("ext"), key.extractable, ALL)
                    .property(JsString::from("key_ops"), ops, ALL)
                    .property(JsString::from("alg"), JsString::from(alg), ALL)
                    .build()
                    .into()
            }
        })
    })();
    settle(r, ctx)
}

// ---- deriveBits / deriveKey / wrapKey / unwrapKey -----------------------------------------

fn derive(args: &[JsValue], ctx: &mut Context) -> Outcome<JsValue> {
    let base = args.get_or_undefined(1);
    let private = match key::key_of(base) {
        Some(k) => k,
        None if base.is_object() || base.is_null_or_undefined() => {
            return Err(invalid_access(
                "provided baseKey is not a valid CryptoKey: invalid key type",
            )
            .into());
        }
        None => return Err(invalid_access("provided baseKey is not a valid CryptoKey").into()),
    };
    if private.kind != KeyType::Private {
        // k6 prints the Go struct here (with a pointer, or a secret key's bytes); rk6 says
        // which type the key is.
        return Err(invalid_access(format!(
            "provided baseKey is not a private key: it is a {} key",
            private.kind.name()
        ))
        .into());
    }
    if !private.has_usage("deriveBits") {
        return Err(
            invalid_access("provided baseKey does not contain the 'deriveBits' usage").into(),
        );
    }
    let alg = args.get_or_undefined(0);
    require_object_coercible(alg)?;
    let Some(public_value) = field(alg, "public", ctx)? else {
        return Err(type_err("algorithm does not contain a public key").into());
    };
    let public = match key::key_of(&public_value) {
        Some(k) => k,
        None if public_value.is_object() => {
            return Err(type_err(
                "algorithm's public key is not a valid CryptoKey: invalid key type",
            )
            .into());
        }
        None => {
            let shown = public_value.to_string(ctx)?.to_std_string_lossy();
            return Err(type_err(format!(
                "algorithm's public is not a valid CryptoKey: could not convert {shown} to webcrypto.CryptoKey"
            ))
            .into());
        }
    };
    if public.kind != KeyType::Public {
        return Err(invalid_access("algorithm's public key is not a public key").into());
    }
    let Some(name) = field(alg, "name", ctx)? else {
        return Err(type_err("algorithm does not contain a name property").into());
    };
    let name = name.to_string(ctx)?.to_std_string_lossy().to_uppercase();
    let public_name = public.algorithm.name();
    if name != public_name {
        return Err(invalid_access(format!(
            "algorithm name does not match public key's algorithm name: {name} != {public_name}"
        ))
        .into());
    }
    let (KeyAlgorithm::Ec { named_curve: a, .. }, KeyAlgorithm::Ec { named_curve: b, .. }) =
        (&private.algorithm, &public.algorithm)
    else {
        return Err(invalid_access("keys are not valid elliptic curve keys").into());
    };
    if a != b {
        return Err(invalid_access(format!("keys have different curves {a} and {b}")).into());
    }
    let length = to_integer(args.get_or_undefined(2), ctx)?;
    if length % 8 != 0 {
        return Err(not_supported("currently only multiples of 8 are supported for length").into());
    }
    if name != "ECDH" {
        return Err(not_supported(format!("unsupported algorithm for derive bits: {name}")).into());
    }
    let (Material::Ec(pm), Material::Ec(qm)) = (&private.material, &public.material) else {
        return Err(invalid_access("keys are not valid elliptic curve keys").into());
    };
    if !matches!(
        private.algorithm,
        KeyAlgorithm::Ec {
            kind: EcKind::Ecdh,
            ..
        }
    ) {
        return Err(invalid_access("key is not a valid ECDH private key")
            .wrapped_in(error::OPERATION)
            .into());
    }
    let bits = ec::derive(pm, qm).map_err(|e| WcError::new(error::OPERATION, e.to_string()))?;
    if length == 0 {
        return Ok(array_buffer(&bits, ctx)?);
    }
    let n = usize::try_from(length / 8).unwrap_or(usize::MAX);
    if bits.len() < n {
        return Err(operation("length is too large").into());
    }
    Ok(array_buffer(&bits[..n], ctx)?)
}

fn derive_bits(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let r = derive(args, ctx);
    settle(r, ctx)
}

/// k6 v1.1.0's `deriveKey` is a stub that returns `null` (no Promise).
fn derive_key(_: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Ok(JsValue::null())
}

/// k6 v1.1.0's `wrapKey` and `unwrapKey` throw `GoError: not implemented`.
fn not_implemented(_: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    Err(go_error("not implemented", ctx))
}
