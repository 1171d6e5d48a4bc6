//! `k6/crypto`: hash functions, HMAC, incremental hashers and random bytes, with k6's output
//! encodings and error messages (checked against k6 v1.1.0).

use std::cell::RefCell;
use std::rc::Rc;

use boa_engine::object::ObjectInitializer;
use boa_engine::{Context, JsArgs, JsObject, JsResult, JsString, JsValue, NativeFunction};
use boa_gc::{Finalize, Trace};
use hmac::Hmac;
use hmac::digest::{FixedOutput, KeyInit, Update};
use rand::RngCore;

use super::encoding::{go_error, go_string, k6_bytes};
use crate::js::util::{ALL, func};

pub const EXPORTS: &[&str] = &[
    "createHMAC",
    "createHash",
    "hexEncode",
    "hmac",
    "md4",
    "md5",
    "randomBytes",
    "ripemd160",
    "sha1",
    "sha256",
    "sha384",
    "sha512",
    "sha512_224",
    "sha512_256",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    Md4,
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
    Sha512_224,
    Sha512_256,
    Ripemd160,
}

impl Alg {
    /// k6's algorithm names (exact, lower case: `SHA256` is invalid in k6 too).
    pub fn parse(name: &str) -> Option<Alg> {
        Some(match name {
            "md4" => Alg::Md4,
            "md5" => Alg::Md5,
            "sha1" => Alg::Sha1,
            "sha256" => Alg::Sha256,
            "sha384" => Alg::Sha384,
            "sha512" => Alg::Sha512,
            "sha512_224" => Alg::Sha512_224,
            "sha512_256" => Alg::Sha512_256,
            "ripemd160" => Alg::Ripemd160,
            _ => return None,
        })
    }
}

/// A running hash or HMAC. `sum` does not consume it: k6's `digest()` is Go's `Sum`, after
/// which `update` continues from the same state.
pub trait Hasher {
    fn update(&mut self, data: &[u8]);
    fn sum(&self) -> Vec<u8>;
}

impl<T: Update + FixedOutput + Clone> Hasher for T {
    fn update(&mut self, data: &[u8]) {
        Update::update(self, data);
    }
    fn sum(&self) -> Vec<u8> {
        self.clone().finalize_fixed().to_vec()
    }
}

fn boxed<D: Update + FixedOutput + Clone + Default + 'static>() -> Box<dyn Hasher> {
    Box::new(D::default())
}

fn boxed_hmac<D>(key: &[u8]) -> Box<dyn Hasher>
where
    D: hmac::EagerHash + Update + FixedOutput + Default + Clone + 'static,
    Hmac<D>: KeyInit + Update + FixedOutput + Clone,
{
    match <Hmac<D> as KeyInit>::new_from_slice(key) {
        Ok(h) => Box::new(h),
        // HMAC takes keys of any length; this arm only satisfies the type.
        Err(_) => Box::new(D::default()),
    }
}

/// A hasher for `alg`, keyed (HMAC) when `key` is given.
pub fn new_hasher(alg: Alg, key: Option<&[u8]>) -> Box<dyn Hasher> {
    macro_rules! pick {
        ($t:ty) => {
            match key {
                None => boxed::<$t>(),
                Some(k) => boxed_hmac::<$t>(k),
            }
        };
    }
    match alg {
        Alg::Md4 => pick!(md4::Md4),
        Alg::Md5 => pick!(md5::Md5),
        Alg::Sha1 => pick!(sha1::Sha1),
        Alg::Sha256 => pick!(sha2::Sha256),
        Alg::Sha384 => pick!(sha2::Sha384),
        Alg::Sha512 => pick!(sha2::Sha512),
        Alg::Sha512_224 => pick!(sha2::Sha512_224),
        Alg::Sha512_256 => pick!(sha2::Sha512_256),
        Alg::Ripemd160 => pick!(ripemd::Ripemd160),
    }
}

pub fn hash(alg: Alg, data: &[u8]) -> Vec<u8> {
    let mut h = new_hasher(alg, None);
    h.update(data);
    h.sum()
}

pub fn hmac(alg: Alg, key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut h = new_hasher(alg, Some(key));
    h.update(data);
    h.sum()
}

/// An encoded digest as k6 returns it, or k6's error message for an unknown encoding.
/// `base64url` keeps its padding, as in k6 (Go's `base64.URLEncoding`).
pub enum Encoded {
    Text(String),
    Binary(Vec<u8>),
}

pub fn encode_output(bytes: Vec<u8>, encoding: &str) -> Result<Encoded, String> {
    Ok(match encoding {
        "hex" => Encoded::Text(hex::encode(bytes)),
        "base64" => Encoded::Text(super::encoding::encode(&bytes, "std")),
        "base64url" => Encoded::Text(super::encoding::encode(&bytes, "url")),
        "base64rawurl" => Encoded::Text(super::encoding::encode(&bytes, "rawurl")),
        "binary" => Encoded::Binary(bytes),
        other => return Err(format!("invalid output encoding: {other}")),
    })
}

fn output(bytes: Vec<u8>, encoding: &JsValue, ctx: &mut Context) -> JsResult<JsValue> {
    let encoding = go_string(encoding, ctx)?;
    match encode_output(bytes, &encoding) {
        Ok(Encoded::Text(s)) => Ok(JsString::from(s).into()),
        Ok(Encoded::Binary(b)) => crate::js::bytes::array_buffer(&b, ctx),
        Err(m) => Err(go_error(m, ctx)),
    }
}

fn bytes_arg(v: &JsValue, ctx: &mut Context) -> JsResult<Vec<u8>> {
    k6_bytes(v, ctx).map_err(|m| go_error(m, ctx))
}

fn alg_arg(v: &JsValue, ctx: &mut Context) -> JsResult<Alg> {
    let name = go_string(v, ctx)?;
    Alg::parse(&name).ok_or_else(|| go_error(format!("invalid algorithm: {name}"), ctx))
}

/// The one-shot hash functions (`md5(input, outputEncoding)` ...): which one comes from the
/// function's name, captured at creation.
fn hash_fn(
    _: &JsValue,
    args: &[JsValue],
    alg: &AlgCapture,
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let data = k6_bytes(args.get_or_undefined(0), ctx)
        .map_err(|m| go_error(format!("{} failed: {m}", alg.name), ctx))?;
    output(hash(alg.alg, &data), args.get_or_undefined(1), ctx)
}

#[derive(Trace, Finalize)]
struct AlgCapture {
    #[unsafe_ignore_trace]
    alg: Alg,
    #[unsafe_ignore_trace]
    name: &'static str,
}

fn hmac_fn(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let alg = alg_arg(args.get_or_undefined(0), ctx)?;
    let key = bytes_arg(args.get_or_undefined(1), ctx)?;
    let data = bytes_arg(args.get_or_undefined(2), ctx)?;
    output(hmac(alg, &key, &data), args.get_or_undefined(3), ctx)
}

fn hex_encode(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let data = bytes_arg(args.get_or_undefined(0), ctx)?;
    Ok(JsString::from(hex::encode(data)).into())
}

fn random_bytes(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let n = args.get_or_undefined(0).to_number(ctx)?;
    let n = if n.is_finite() { n.trunc() } else { 0.0 };
    if n < 1.0 {
        return Err(go_error("invalid size", ctx));
    }
    let mut buf = vec![0u8; n as usize];
    rand::rng().fill_bytes(&mut buf);
    crate::js::bytes::array_buffer(&buf, ctx)
}

#[derive(Trace, Finalize)]
struct HasherCell(#[unsafe_ignore_trace] Rc<RefCell<Box<dyn Hasher>>>);

/// The object `createHash`/`createHMAC` return: own `update` and `digest` methods bound to
/// one hasher (so they work even when detached from the object).
fn hasher_object(h: Box<dyn Hasher>, ctx: &mut Context) -> JsObject {
    let cell = Rc::new(RefCell::new(h));
    let update = NativeFunction::from_copy_closure_with_captures(
        |_, args, cell: &HasherCell, ctx| {
            let data = bytes_arg(args.get_or_undefined(0), ctx)?;
            cell.0.borrow_mut().update(&data);
            Ok(JsValue::undefined())
        },
        HasherCell(cell.clone()),
    );
    let digest = NativeFunction::from_copy_closure_with_captures(
        |_, args, cell: &HasherCell, ctx| {
            let sum = cell.0.borrow().sum();
            output(sum, args.get_or_undefined(0), ctx)
        },
        HasherCell(cell),
    );
    let update = func(ctx, "update", 1, update);
    let digest = func(ctx, "digest", 1, digest);
    ObjectInitializer::new(ctx)
        .property(JsString::from("digest"), digest, ALL)
        .property(JsString::from("update"), update, ALL)
        .build()
}

fn create_hash(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let alg = alg_arg(args.get_or_undefined(0), ctx)?;
    Ok(hasher_object(new_hasher(alg, None), ctx).into())
}

fn create_hmac(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let alg = alg_arg(args.get_or_undefined(0), ctx)?;
    let key = bytes_arg(args.get_or_undefined(1), ctx)?;
    Ok(hasher_object(new_hasher(alg, Some(&key)), ctx).into())
}

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let mut props: Vec<(&str, JsObject)> = vec![
        (
            "createHMAC",
            func(
                ctx,
                "createHMAC",
                2,
                NativeFunction::from_fn_ptr(create_hmac),
            ),
        ),
        (
            "createHash",
            func(
                ctx,
                "createHash",
                1,
                NativeFunction::from_fn_ptr(create_hash),
            ),
        ),
        (
            "hexEncode",
            func(ctx, "hexEncode", 1, NativeFunction::from_fn_ptr(hex_encode)),
        ),
        (
            "hmac",
            func(ctx, "hmac", 4, NativeFunction::from_fn_ptr(hmac_fn)),
        ),
        (
            "randomBytes",
            func(
                ctx,
                "randomBytes",
                1,
                NativeFunction::from_fn_ptr(random_bytes),
            ),
        ),
    ];
    for (name, alg) in [
        ("md4", Alg::Md4),
        ("md5", Alg::Md5),
        ("sha1", Alg::Sha1),
        ("sha256", Alg::Sha256),
        ("sha384", Alg::Sha384),
        ("sha512", Alg::Sha512),
        ("sha512_224", Alg::Sha512_224),
        ("sha512_256", Alg::Sha512_256),
        ("ripemd160", Alg::Ripemd160),
    ] {
        let f = NativeFunction::from_copy_closure_with_captures(hash_fn, AlgCapture { alg, name });
        props.push((name, func(ctx, name, 2, f)));
    }
    let mut init = ObjectInitializer::new(ctx);
    for (name, f) in props {
        init.property(JsString::from(name), f, ALL);
    }
    Ok(init.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hx(alg: Alg, s: &str) -> String {
        hex::encode(hash(alg, s.as_bytes()))
    }

    #[test]
    fn hash_vectors() {
        // RFC 1320 (MD4), RFC 1321 (MD5), FIPS 180-2 "abc", RIPEMD-160 paper; all confirmed
        // on k6 v1.1.0 with crypto.<alg>('abc', 'hex').
        assert_eq!(hx(Alg::Md4, ""), "31d6cfe0d16ae931b73c59d7e0c089c0");
        assert_eq!(hx(Alg::Md4, "abc"), "a448017aaf21d8525fc10ae87aa6729d");
        assert_eq!(hx(Alg::Md5, "abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            hx(Alg::Sha1, "abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hx(Alg::Sha256, "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hx(Alg::Sha384, "abc"),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
        );
        assert_eq!(
            hx(Alg::Sha512, "abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
        assert_eq!(
            hx(Alg::Sha512_224, "abc"),
            "4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa"
        );
        assert_eq!(
            hx(Alg::Sha512_256, "abc"),
            "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"
        );
        assert_eq!(
            hx(Alg::Ripemd160, "abc"),
            "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"
        );
        assert_eq!(
            hx(Alg::Sha256, ""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hmac_rfc4231_and_k6() {
        // RFC 4231 test case 1 and 2.
        let key = [0x0bu8; 20];
        assert_eq!(
            hex::encode(hmac(Alg::Sha256, &key, b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex::encode(hmac(Alg::Sha512, b"Jefe", b"what do ya want for nothing?")),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
        // Confirmed on k6 v1.1.0.
        assert_eq!(
            hex::encode(hmac(
                Alg::Sha256,
                b"key",
                b"The quick brown fox jumps over the lazy dog"
            )),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
        assert_eq!(
            hex::encode(hmac(Alg::Md4, b"key", b"abc")),
            "32c43d6d6eda7f1e464711473b956b68"
        );
        assert_eq!(
            hex::encode(hmac(Alg::Ripemd160, b"key", b"abc")),
            "67fdce738ebfc7372bcd38f03c023b5746724d18"
        );
        assert_eq!(
            hex::encode(hmac(Alg::Sha512_224, b"key", b"abc")),
            "28bc0433ef684ea9877c2f2437aa0ccfc2e8eb3a9b4c731606877b4f"
        );
    }

    #[test]
    fn digest_does_not_reset() {
        // k6: update('abc'); digest(); update('d'); digest() is sha256('abcd').
        let mut h = new_hasher(Alg::Sha256, None);
        h.update(b"abc");
        let _ = h.sum();
        h.update(b"d");
        assert_eq!(
            hex::encode(h.sum()),
            "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589"
        );
    }

    #[test]
    fn output_encodings() {
        let text = |b: &[u8], e: &str| match encode_output(b.to_vec(), e) {
            Ok(Encoded::Text(s)) => s,
            _ => panic!("not text"),
        };
        let md5 = hash(Alg::Md5, b"abc");
        // k6's base64url is padded; base64rawurl is not (confirmed on k6 v1.1.0).
        assert_eq!(text(&md5, "base64"), "kAFQmDzST7DWlj99KOF/cg==");
        assert_eq!(text(&md5, "base64url"), "kAFQmDzST7DWlj99KOF_cg==");
        assert_eq!(text(&md5, "base64rawurl"), "kAFQmDzST7DWlj99KOF_cg");
        assert!(matches!(encode_output(md5.clone(), "binary"), Ok(Encoded::Binary(b)) if b == md5));
        assert_eq!(
            encode_output(md5.clone(), "foo").err().as_deref(),
            Some("invalid output encoding: foo")
        );
        assert_eq!(
            encode_output(md5, "").err().as_deref(),
            Some("invalid output encoding: ")
        );
    }
}
