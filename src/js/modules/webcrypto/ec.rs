//! ECDSA and ECDH keys on the NIST curves P-256, P-384 and P-521 (RustCrypto `p256`, `p384`,
//! `p521`), with k6 v1.1.0's import/export formats and error messages.
//!
//! Keys are kept as bytes (the scalar, the uncompressed point) and turned back into typed
//! RustCrypto keys per operation, which keeps the three curves behind one type.

use ecdsa::signature::hazmat::{PrehashVerifier, RandomizedPrehashSigner};
use elliptic_curve::common::getrandom::SysRng;
use elliptic_curve::pkcs8::der::Decode;
use elliptic_curve::pkcs8::spki::SubjectPublicKeyInfoRef;
use elliptic_curve::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, ObjectIdentifier,
    PrivateKeyInfoRef,
};
use elliptic_curve::rand_core::UnwrapErr;
use elliptic_curve::sec1::ToSec1Point;
use elliptic_curve::{Generate, PublicKey, SecretKey};

use super::error::{WcError, data, invalid_access, operation};
use super::jwk::{self, Jwk};

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    /// A curve name exactly as WebCrypto spells it (k6 does not normalize `namedCurve`).
    pub fn from_name(name: &str) -> Option<Curve> {
        Some(match name {
            "P-256" => Curve::P256,
            "P-384" => Curve::P384,
            "P-521" => Curve::P521,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    /// Bytes of a coordinate or scalar.
    pub fn field_len(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }

    fn from_oid(oid: ObjectIdentifier) -> Option<Curve> {
        Some(match oid {
            SECP256R1 => Curve::P256,
            SECP384R1 => Curve::P384,
            SECP521R1 => Curve::P521,
            _ => return None,
        })
    }
}

/// Runs `$body` with `$c` bound to the RustCrypto curve type of `$curve`.
macro_rules! on_curve {
    ($curve:expr, $c:ident => $body:expr) => {
        match $curve {
            Curve::P256 => {
                type $c = p256::NistP256;
                $body
            }
            Curve::P384 => {
                type $c = p384::NistP384;
                $body
            }
            Curve::P521 => {
                type $c = p521::NistP521;
                $body
            }
        }
    };
}

/// The key material of an EC CryptoKey. ECDSA and ECDH keys hold the same material; the
/// key's algorithm says which operations it is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EcMaterial {
    Private {
        curve: Curve,
        /// The scalar, `field_len` bytes.
        d: Vec<u8>,
        /// The uncompressed public point.
        point: Vec<u8>,
    },
    Public {
        curve: Curve,
        point: Vec<u8>,
    },
}

impl EcMaterial {
    pub fn curve(&self) -> Curve {
        match self {
            EcMaterial::Private { curve, .. } | EcMaterial::Public { curve, .. } => *curve,
        }
    }

    pub fn point(&self) -> &[u8] {
        match self {
            EcMaterial::Private { point, .. } | EcMaterial::Public { point, .. } => point,
        }
    }
}

fn rng() -> UnwrapErr<SysRng> {
    UnwrapErr(SysRng)
}

/// A new key pair: (private, public).
pub fn generate(curve: Curve) -> (EcMaterial, EcMaterial) {
    on_curve!(curve, C => {
        let secret = SecretKey::<C>::generate();
        private_material(curve, &secret)
    })
}

fn private_material<C>(curve: Curve, secret: &SecretKey<C>) -> (EcMaterial, EcMaterial)
where
    C: elliptic_curve::CurveArithmetic,
    elliptic_curve::AffinePoint<C>: ToSec1Point<C>,
    elliptic_curve::FieldBytesSize<C>: elliptic_curve::sec1::ModulusSize,
{
    let point = secret
        .public_key()
        .as_affine()
        .to_sec1_point(false)
        .as_bytes()
        .to_vec();
    let d = secret.to_bytes().to_vec();
    (
        EcMaterial::Private {
            curve,
            d,
            point: point.clone(),
        },
        EcMaterial::Public { curve, point },
    )
}

/// `raw` import: an uncompressed point (k6, through Go, takes no compressed points).
pub fn import_raw(curve: Curve, bytes: &[u8]) -> Option<EcMaterial> {
    let field = curve.field_len();
    if bytes.len() != 1 + 2 * field || bytes[0] != 4 {
        return None;
    }
    let valid = on_curve!(curve, C => PublicKey::<C>::from_sec1_bytes(bytes).is_ok());
    valid.then(|| EcMaterial::Public {
        curve,
        point: bytes.to_vec(),
    })
}

/// `pkcs8` import. `what` names the algorithm in k6's messages (`ECDSA` or `ECDH`).
pub fn import_pkcs8(der: &[u8], what: &str) -> Result<EcMaterial, WcError> {
    let info = PrivateKeyInfoRef::from_der(der)
        .map_err(|e| data(format!("unable to import {what} private key data: {e}")))?;
    let not_ec = || data("a private key is not an ECDSA key");
    if info.algorithm.oid != ID_EC_PUBLIC_KEY {
        return Err(not_ec());
    }
    let curve = info
        .algorithm
        .parameters_oid()
        .ok()
        .and_then(Curve::from_oid)
        .ok_or_else(|| {
            data(format!(
                "unable to import {what} private key data: x509: unsupported elliptic curve"
            ))
        })?;
    on_curve!(curve, C => {
        let secret = SecretKey::<C>::from_pkcs8_der(der)
            .map_err(|e| data(format!("unable to import {what} private key data: {e}")))?;
        Ok(private_material(curve, &secret).0)
    })
}

/// `spki` import. k6 says "ECDH" in this message for both algorithms.
pub fn import_spki(der: &[u8]) -> Result<EcMaterial, WcError> {
    let failed =
        |e: &dyn std::fmt::Display| data(format!("unable to import ECDH public key data: {e}"));
    let info = SubjectPublicKeyInfoRef::from_der(der).map_err(|e| failed(&e))?;
    if info.algorithm.oid != ID_EC_PUBLIC_KEY {
        return Err(data("a public key is not an ECDSA key"));
    }
    let curve = info
        .algorithm
        .parameters_oid()
        .ok()
        .and_then(Curve::from_oid)
        .ok_or_else(|| failed(&"x509: unsupported elliptic curve"))?;
    on_curve!(curve, C => {
        let public = PublicKey::<C>::from_public_key_der(der).map_err(|e| failed(&e))?;
        Ok(EcMaterial::Public {
            curve,
            point: public.as_affine().to_sec1_point(false).as_bytes().to_vec(),
        })
    })
}

/// `jwk` import, with k6's messages (bare Go errors). `ecdh` prefixes them as k6 does.
pub fn import_jwk(key: &Jwk, ecdh: bool) -> Result<EcMaterial, WcError> {
    let r = import_jwk_inner(key);
    if ecdh {
        return r.map_err(|e| match e.name {
            None if e.message.starts_with("ecdsa:") => WcError::plain(format!(
                "failed to convert ECDSA key to ECDH key: {}",
                e.message
            )),
            None => WcError::plain(format!("failed to parse input as ECDH key: {}", e.message)),
            Some(_) => e,
        });
    }
    r
}

fn import_jwk_inner(key: &Jwk) -> Result<EcMaterial, WcError> {
    let parse = |e: String| WcError::plain(format!("failed to parse input as EC JWK key: {e}"));
    let kty = key.string("kty", "ecJWK").map_err(parse)?;
    let crv = key.string("crv", "ecJWK").map_err(parse)?;
    let x = key.string("x", "ecJWK").map_err(parse)?;
    let y = key.string("y", "ecJWK").map_err(parse)?;
    let d = key.string("d", "ecJWK").map_err(parse)?;
    let invalid = |m: String| WcError::plain(format!("invalid EC JWK key: {m}"));
    if kty != "EC" {
        return Err(invalid(format!("invalid key type: {kty}")));
    }
    if crv.is_empty() {
        return Err(invalid("curve is required".into()));
    }
    if x.is_empty() {
        return Err(invalid("coordinate X is required".into()));
    }
    if y.is_empty() {
        return Err(invalid("coordinate Y is required".into()));
    }
    let curve = Curve::from_name(&crv).ok_or_else(|| {
        WcError::plain(format!(
            "failed to parse elliptic curve: invalid elliptic curve {crv}"
        ))
    })?;
    let x = jwk::decode(&x)
        .map_err(|e| WcError::plain(format!("failed to decode X coordinate: {e}")))?;
    let y = jwk::decode(&y)
        .map_err(|e| WcError::plain(format!("failed to decode Y coordinate: {e}")))?;
    let field = curve.field_len();
    // Go reads the coordinates as big integers: shorter (unpadded) values are accepted.
    let point = match (pad_left(&x, field), pad_left(&y, field)) {
        (Some(x), Some(y)) => {
            let mut p = Vec::with_capacity(1 + 2 * field);
            p.push(4);
            p.extend_from_slice(&x);
            p.extend_from_slice(&y);
            p
        }
        _ => Vec::new(),
    };
    let public =
        import_raw(curve, &point).ok_or_else(|| WcError::plain("ecdsa: invalid public key"))?;
    if d.is_empty() {
        return Ok(public);
    }
    let d = jwk::decode(&d).map_err(|e| WcError::plain(format!("failed to decode D: {e}")))?;
    let d = pad_left(&d, field).ok_or_else(|| WcError::plain("ecdsa: invalid private key"))?;
    let valid = on_curve!(curve, C => SecretKey::<C>::from_slice(&d).is_ok());
    if !valid {
        return Err(WcError::plain("ecdsa: invalid private key"));
    }
    Ok(EcMaterial::Private {
        curve,
        d,
        point: public.point().to_vec(),
    })
}

fn pad_left(b: &[u8], len: usize) -> Option<Vec<u8>> {
    let b = &b[b.iter().take_while(|x| **x == 0).count().min(b.len())..];
    if b.len() > len {
        return None;
    }
    let mut out = vec![0; len - b.len()];
    out.extend_from_slice(b);
    Some(out)
}

pub fn export_raw(m: &EcMaterial) -> Result<Vec<u8>, WcError> {
    match m {
        EcMaterial::Public { point, .. } => Ok(point.clone()),
        EcMaterial::Private { .. } => Err(invalid_access(
            "key is not a valid elliptic curve public key",
        )),
    }
}

pub fn export_spki(m: &EcMaterial) -> Result<Vec<u8>, WcError> {
    let EcMaterial::Public { curve, point } = m else {
        return Err(invalid_access(
            "key is not a valid elliptic curve public key",
        ));
    };
    on_curve!(*curve, C => {
        PublicKey::<C>::from_sec1_bytes(point)
            .ok()
            .and_then(|k| k.to_public_key_der().ok())
            .map(|d| d.as_bytes().to_vec())
            .ok_or_else(|| operation("unable to marshal key to SPKI format"))
    })
}

pub fn export_pkcs8(m: &EcMaterial) -> Result<Vec<u8>, WcError> {
    let EcMaterial::Private { curve, d, .. } = m else {
        return Err(invalid_access(
            "key is not a valid elliptic curve private key",
        ));
    };
    on_curve!(*curve, C => {
        SecretKey::<C>::from_slice(d)
            .ok()
            .and_then(|k| k.to_pkcs8_der().ok())
            .map(|d| d.as_bytes().to_vec())
            .ok_or_else(|| operation("unable to marshal key to PKCS8 format"))
    })
}

/// The JWK members of an EC key, in k6's order (`kty`, `crv`, `x`, `y`, `d`). Coordinates are
/// padded to the field size as RFC 7518 requires (k6 drops their leading zero bytes).
pub fn export_jwk(m: &EcMaterial) -> Vec<(&'static str, String)> {
    let curve = m.curve();
    let field = curve.field_len();
    let point = m.point();
    let mut out = vec![
        ("kty", "EC".to_string()),
        ("crv", curve.name().to_string()),
        ("x", jwk::encode(&point[1..1 + field])),
        ("y", jwk::encode(&point[1 + field..])),
    ];
    if let EcMaterial::Private { d, .. } = m {
        out.push(("d", jwk::encode(d)));
    }
    out
}

/// An ECDSA signature (r || s, each `field_len` bytes) of a message digest.
pub fn sign(m: &EcMaterial, prehash: &[u8]) -> Result<Vec<u8>, WcError> {
    let EcMaterial::Private { curve, d, .. } = m else {
        return Err(invalid_access("key is not a valid ECDSA private key"));
    };
    on_curve!(*curve, C => {
        let key = ecdsa::SigningKey::<C>::from_slice(d)
            .map_err(|_| invalid_access("key is not a valid ECDSA private key"))?;
        let sig: ecdsa::Signature<C> = key
            .sign_prehash_with_rng(&mut rng(), prehash)
            .map_err(|e| operation(format!("unable to sign data: {e}")))?;
        Ok(sig.to_bytes().to_vec())
    })
}

/// Verifies an ECDSA signature: a wrong length or a malformed signature is `false`.
pub fn verify(m: &EcMaterial, prehash: &[u8], signature: &[u8]) -> Result<bool, WcError> {
    let EcMaterial::Public { curve, point } = m else {
        return Err(invalid_access("key is not a valid ECDSA public key"));
    };
    if signature.len() != 2 * curve.field_len() {
        return Ok(false);
    }
    on_curve!(*curve, C => {
        let Ok(key) = ecdsa::VerifyingKey::<C>::from_sec1_bytes(point) else {
            return Err(invalid_access("key is not a valid ECDSA public key"));
        };
        let Ok(sig) = ecdsa::Signature::<C>::from_slice(signature) else {
            return Ok(false);
        };
        Ok(key.verify_prehash(prehash, &sig).is_ok())
    })
}

/// The ECDH shared secret (the x coordinate, `field_len` bytes).
pub fn derive(private: &EcMaterial, public: &EcMaterial) -> Result<Vec<u8>, WcError> {
    let EcMaterial::Private { curve, d, .. } = private else {
        return Err(invalid_access("key is not a valid ECDH private key"));
    };
    let EcMaterial::Public { curve: pc, point } = public else {
        return Err(invalid_access("key is not a valid ECDH public key"));
    };
    if curve != pc {
        return Err(not_supported_curves());
    }
    on_curve!(*curve, C => {
        let secret = SecretKey::<C>::from_slice(d)
            .map_err(|_| invalid_access("key is not a valid ECDH private key"))?;
        let public = PublicKey::<C>::from_sec1_bytes(point)
            .map_err(|_| invalid_access("key is not a valid ECDH public key"))?;
        let shared = elliptic_curve::ecdh::diffie_hellman(secret.to_nonzero_scalar(), public.as_affine());
        Ok(shared.raw_secret_bytes().to_vec())
    })
}

/// Go's crypto/ecdh error for keys of different curves (the declared curves can differ from
/// the real ones after an spki/pkcs8 import: k6 does not check them against `namedCurve`).
fn not_supported_curves() -> WcError {
    WcError::plain("crypto/ecdh: private key and public key curves do not match")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap_or_default()
    }

    #[test]
    fn sign_verify_and_derive_on_every_curve() {
        for curve in [Curve::P256, Curve::P384, Curve::P521] {
            let (private, public) = generate(curve);
            let digest = super::super::hash::Sha::Sha256.digest(b"abc");
            let sig = sign(&private, &digest).unwrap_or_default();
            assert_eq!(sig.len(), 2 * curve.field_len());
            assert_eq!(verify(&public, &digest, &sig), Ok(true));
            let other = super::super::hash::Sha::Sha256.digest(b"abd");
            assert_eq!(verify(&public, &other, &sig), Ok(false));
            assert_eq!(verify(&public, &digest, &sig[1..]), Ok(false));
            let (p2, q2) = generate(curve);
            let a = derive(&private, &q2).unwrap_or_default();
            let b = derive(&p2, &public).unwrap_or_default();
            assert_eq!(a.len(), curve.field_len());
            assert_eq!(a, b);
            // Formats round-trip.
            let spki = export_spki(&public).unwrap_or_default();
            assert_eq!(import_spki(&spki), Ok(public.clone()));
            let pkcs8 = export_pkcs8(&private).unwrap_or_default();
            assert_eq!(import_pkcs8(&pkcs8, "ECDSA"), Ok(private.clone()));
            assert_eq!(import_raw(curve, public.point()), Some(public.clone()));
            assert_eq!(
                export_raw(&private).map(|_| ()),
                Err(invalid_access(
                    "key is not a valid elliptic curve public key"
                ))
            );
        }
    }

    #[test]
    fn sha1_on_p521_signs_as_go_does() {
        // A digest shorter than the curve order: Go and RustCrypto both use it as is.
        let (private, public) = generate(Curve::P521);
        let digest = super::super::hash::Sha::Sha1.digest(b"abc");
        let sig = sign(&private, &digest).unwrap_or_default();
        assert_eq!(verify(&public, &digest, &sig), Ok(true));
    }

    #[test]
    fn pkcs8_export_matches_go() {
        // An OpenSSL P-256 key: k6 v1.1.0 exports exactly the bytes it imported.
        let der = unhex(
            "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420c1168c828631e1e7b61034333f03d045925b9f3c925b9eca41fa01845d949410a1440342000458cade172718189741a291d86cdf7d5de93a181ab9b0e6755cacc83de2c83df7f32608daeae413a99b77d4d48a69c43ca22b066dcda84fe34f13a29a466b64e1",
        );
        let m = import_pkcs8(&der, "ECDSA");
        assert!(m.is_ok());
        let m = m.unwrap_or(EcMaterial::Public {
            curve: Curve::P256,
            point: Vec::new(),
        });
        assert_eq!(export_pkcs8(&m), Ok(der));
        assert_eq!(
            hex::encode(
                export_raw(&import_raw(Curve::P256, m.point()).unwrap_or(m.clone()))
                    .unwrap_or_default()
            ),
            "0458cade172718189741a291d86cdf7d5de93a181ab9b0e6755cacc83de2c83df7f32608daeae413a99b77d4d48a69c43ca22b066dcda84fe34f13a29a466b64e1"
        );
    }

    #[test]
    fn raw_import_takes_uncompressed_points_only() {
        let (_, public) = generate(Curve::P256);
        let p = public.point();
        let mut compressed = vec![2 + (p[64] & 1)];
        compressed.extend_from_slice(&p[1..33]);
        assert_eq!(import_raw(Curve::P256, &compressed), None);
        assert_eq!(import_raw(Curve::P384, p), None);
        let mut off = p.to_vec();
        off[10] ^= 1;
        assert_eq!(import_raw(Curve::P256, &off), None);
    }

    #[test]
    fn import_errors_name_the_algorithm() {
        assert_eq!(
            import_pkcs8(b"abc", "ECDH").map_err(|e| e.name),
            Err(Some("DataError"))
        );
        let e = import_spki(b"abc")
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(
            e.starts_with("unable to import ECDH public key data: "),
            "{e}"
        );
    }
}
