//! CryptoKey objects: the key material, the algorithm it is for, and the shape k6 gives the
//! JS object (`type`, `extractable`, `algorithm`, `usages`).

use std::sync::Arc;

use boa_engine::object::ObjectInitializer;
use boa_engine::object::builtins::JsArray;
use boa_engine::{Context, JsData, JsObject, JsResult, JsString, JsValue};
use boa_gc::{Finalize, Trace};

use super::aes::AesKind;
use super::ec::EcMaterial;
use super::error::{Outcome, WcError, invalid_access, null_to_object, type_err};
use super::hash::Sha;
use super::rsa::RsaMaterial;
use crate::js::util::ALL;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    Secret,
    Private,
    Public,
}

impl KeyType {
    pub fn name(self) -> &'static str {
        match self {
            KeyType::Secret => "secret",
            KeyType::Private => "private",
            KeyType::Public => "public",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EcKind {
    Ecdsa,
    Ecdh,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsaKind {
    Pkcs1,
    Pss,
    Oaep,
}

impl RsaKind {
    pub fn from_name(name: &str) -> Option<RsaKind> {
        Some(match name {
            "RSASSA-PKCS1-v1_5" => RsaKind::Pkcs1,
            "RSA-PSS" => RsaKind::Pss,
            "RSA-OAEP" => RsaKind::Oaep,
            _ => return None,
        })
    }
}

/// What a key is for, with the parameters its `algorithm` object shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyAlgorithm {
    Aes {
        kind: AesKind,
        length: i64,
    },
    Hmac {
        hash: Sha,
        length: i64,
    },
    /// `named_curve` as the script gave it: k6 keeps it even when it is not the key's curve.
    Ec {
        kind: EcKind,
        named_curve: String,
    },
    Rsa {
        kind: RsaKind,
        modulus_length: usize,
        hash: Sha,
    },
}

impl KeyAlgorithm {
    pub fn name(&self) -> &'static str {
        match self {
            KeyAlgorithm::Aes { kind, .. } => kind.name(),
            KeyAlgorithm::Hmac { .. } => "HMAC",
            KeyAlgorithm::Ec {
                kind: EcKind::Ecdsa,
                ..
            } => "ECDSA",
            KeyAlgorithm::Ec {
                kind: EcKind::Ecdh, ..
            } => "ECDH",
            KeyAlgorithm::Rsa {
                kind: RsaKind::Pkcs1,
                ..
            } => "RSASSA-PKCS1-v1_5",
            KeyAlgorithm::Rsa {
                kind: RsaKind::Pss, ..
            } => "RSA-PSS",
            KeyAlgorithm::Rsa {
                kind: RsaKind::Oaep,
                ..
            } => "RSA-OAEP",
        }
    }
}

#[derive(Clone, Debug)]
pub enum Material {
    Secret(Vec<u8>),
    Ec(EcMaterial),
    Rsa(RsaMaterial),
}

#[derive(Clone, Debug)]
pub struct Key {
    pub kind: KeyType,
    pub algorithm: KeyAlgorithm,
    pub extractable: bool,
    pub usages: Vec<String>,
    pub material: Material,
}

impl Key {
    pub fn has_usage(&self, usage: &str) -> bool {
        self.usages.iter().any(|u| u == usage)
    }
}

/// The native data of a CryptoKey object. Its JS properties are copies: changing them does
/// not change what the key can do.
#[derive(Trace, Finalize, JsData)]
struct KeyData(#[unsafe_ignore_trace] Arc<Key>);

/// The key behind a CryptoKey object.
pub fn key_of(v: &JsValue) -> Option<Arc<Key>> {
    v.as_object()
        .and_then(|o| o.downcast_ref::<KeyData>().map(|d| d.0.clone()))
}

/// The usages both lists have, in the order of `a`, without duplicates (WebCrypto's
/// "usage intersection").
pub fn intersection(a: &[String], b: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for u in a {
        if b.contains(&u.as_str()) && !out.contains(u) {
            out.push(u.clone());
        }
    }
    out
}

fn name_object(name: &str, ctx: &mut Context) -> JsObject {
    ObjectInitializer::new(ctx)
        .property(JsString::from("name"), JsString::from(name), ALL)
        .build()
}

/// `{algorithm: {name}, name}`: a Go `KeyAlgorithm` as k6 exposes it.
fn key_algorithm_object(name: &str, ctx: &mut Context) -> JsObject {
    let inner = name_object(name, ctx);
    ObjectInitializer::new(ctx)
        .property(JsString::from("algorithm"), inner, ALL)
        .property(JsString::from("name"), JsString::from(name), ALL)
        .build()
}

/// `key.algorithm` with the shape k6 exposes, including the nested `algorithm` and
/// `key_algorithm` objects its Go structs leak, so that `JSON.stringify(key.algorithm)`
/// matches k6's.
pub fn algorithm_object(alg: &KeyAlgorithm, ctx: &mut Context) -> JsObject {
    let name = alg.name();
    let inner = name_object(name, ctx);
    match alg {
        KeyAlgorithm::Aes { length, .. } => ObjectInitializer::new(ctx)
            .property(JsString::from("algorithm"), inner, ALL)
            .property(JsString::from("name"), JsString::from(name), ALL)
            .property(JsString::from("length"), *length as f64, ALL)
            .build(),
        KeyAlgorithm::Hmac { hash, length } => {
            let key_algorithm = key_algorithm_object(name, ctx);
            let hash = key_algorithm_object(hash.name(), ctx);
            ObjectInitializer::new(ctx)
                .property(JsString::from("key_algorithm"), key_algorithm, ALL)
                .property(JsString::from("algorithm"), inner, ALL)
                .property(JsString::from("name"), JsString::from(name), ALL)
                .property(JsString::from("hash"), hash, ALL)
                .property(JsString::from("length"), *length as f64, ALL)
                .build()
        }
        KeyAlgorithm::Ec { named_curve, .. } => {
            let key_algorithm = key_algorithm_object(name, ctx);
            ObjectInitializer::new(ctx)
                .property(JsString::from("key_algorithm"), key_algorithm, ALL)
                .property(JsString::from("algorithm"), inner, ALL)
                .property(JsString::from("name"), JsString::from(name), ALL)
                .property(
                    JsString::from("namedCurve"),
                    JsString::from(named_curve.as_str()),
                    ALL,
                )
                .build()
        }
        KeyAlgorithm::Rsa {
            modulus_length,
            hash,
            ..
        } => {
            let key_algorithm = key_algorithm_object(name, ctx);
            let hash = name_object(hash.name(), ctx);
            ObjectInitializer::new(ctx)
                .property(JsString::from("key_algorithm"), key_algorithm, ALL)
                .property(JsString::from("algorithm"), inner, ALL)
                .property(JsString::from("name"), JsString::from(name), ALL)
                .property(JsString::from("modulusLength"), *modulus_length as f64, ALL)
                .property(JsString::from("hash"), hash, ALL)
                .build()
        }
    }
}

pub fn strings(items: &[String], ctx: &mut Context) -> JsValue {
    let items: Vec<JsValue> = items
        .iter()
        .map(|u| JsString::from(u.as_str()).into())
        .collect();
    JsArray::from_iter(items, ctx).into()
}

/// A new CryptoKey object.
pub fn key_value(key: Key, ctx: &mut Context) -> JsResult<JsValue> {
    let algorithm = algorithm_object(&key.algorithm, ctx);
    let usages = strings(&key.usages, ctx);
    let (kind, extractable) = (key.kind, key.extractable);
    let proto = ctx.intrinsics().constructors().object().prototype();
    let obj = JsObject::from_proto_and_data(Some(proto), KeyData(Arc::new(key)));
    obj.set(
        JsString::from("type"),
        JsString::from(kind.name()),
        true,
        ctx,
    )?;
    obj.set(JsString::from("extractable"), extractable, true, ctx)?;
    obj.set(JsString::from("algorithm"), algorithm, true, ctx)?;
    obj.set(JsString::from("usages"), usages, true, ctx)?;
    Ok(obj.into())
}

/// A CryptoKeyPair: `{privateKey, publicKey}`.
pub fn pair_value(private: Key, public: Key, ctx: &mut Context) -> JsResult<JsValue> {
    let private = key_value(private, ctx)?;
    let public = key_value(public, ctx)?;
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("privateKey"), private, ALL)
        .property(JsString::from("publicKey"), public, ALL)
        .build()
        .into())
}

/// A key argument after k6's checks: what it says its algorithm is and what it may do, and
/// the key itself when it is a real CryptoKey (k6 also takes look-alike objects this far).
pub struct KeyArg {
    pub key: Option<Arc<Key>>,
    pub algorithm_name: String,
    pub usages: Vec<String>,
}

impl KeyArg {
    pub fn has_usage(&self, usage: &str) -> bool {
        self.usages.iter().any(|u| u == usage)
    }

    /// The real key, or `err` for an object that only looks like one.
    pub fn real(&self, err: impl FnOnce() -> WcError) -> Result<Arc<Key>, WcError> {
        self.key.clone().ok_or_else(err)
    }
}

/// What a `null` key does: most methods throw (k6 converts it to an object), `verify`
/// rejects.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum OnNull {
    Throw,
    Reject,
}

/// k6's reading of a key argument (`ExportTo` a CryptoKey, then `key.algorithm.name`).
/// `not_a_key` is the InvalidAccessError message for values that are not objects.
pub fn key_arg(
    v: &JsValue,
    not_a_key: &str,
    on_null: OnNull,
    ctx: &mut Context,
) -> Outcome<KeyArg> {
    if v.is_null_or_undefined() {
        return Err(match on_null {
            OnNull::Throw => null_to_object(),
            OnNull::Reject => type_err("Object is null or undefined").into(),
        });
    }
    let Some(obj) = v.as_object() else {
        return Err(invalid_access(not_a_key).into());
    };
    if let Some(key) = key_of(v) {
        return Ok(KeyArg {
            algorithm_name: key.algorithm.name().to_string(),
            usages: key.usages.clone(),
            key: Some(key),
        });
    }
    let algorithm = obj.get(JsString::from("algorithm"), ctx)?;
    if algorithm.is_null_or_undefined() {
        return Err(type_err("field algorithm is null or undefined").into());
    }
    let name = match algorithm.as_object() {
        Some(a) => a.get(JsString::from("name"), ctx)?,
        None => JsValue::undefined(),
    };
    if name.is_null_or_undefined() {
        return Err(type_err("field algorithm.name is null or undefined").into());
    }
    let algorithm_name = name.to_string(ctx)?.to_std_string_lossy();
    let usages = obj.get(JsString::from("usages"), ctx)?;
    let usages = match usages.as_object() {
        Some(u) => {
            let len = u.get(JsString::from("length"), ctx)?.to_length(ctx)?;
            let mut out = Vec::new();
            for i in 0..len {
                out.push(u.get(i, ctx)?.to_string(ctx)?.to_std_string_lossy());
            }
            out
        }
        None => Vec::new(),
    };
    Ok(KeyArg {
        key: None,
        algorithm_name,
        usages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersection_keeps_order_of_first_and_drops_duplicates() {
        let a: Vec<String> = ["verify", "sign", "sign", "encrypt"]
            .map(String::from)
            .to_vec();
        assert_eq!(intersection(&a, &["sign"]), vec!["sign".to_string()]);
        assert_eq!(
            intersection(&a, &["sign", "verify"]),
            vec!["verify".to_string(), "sign".to_string()]
        );
        assert!(intersection(&a, &["deriveBits"]).is_empty());
    }
}
