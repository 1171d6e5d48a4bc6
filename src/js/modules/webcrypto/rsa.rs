//! RSA keys (RustCrypto `rsa`) for RSASSA-PKCS1-v1_5, RSA-PSS and RSA-OAEP, with k6 v1.1.0's
//! semantics: Go's salt-length rules for PSS, the key's hash for every operation, and k6's
//! messages (which quote Go's `crypto/rsa` errors).

use std::sync::Arc;

use elliptic_curve::common::getrandom::SysRng;
use elliptic_curve::rand_core::UnwrapErr;
use rsa::pkcs1::RsaPublicKeyRef;
use rsa::pkcs8::der::Decode;
use rsa::pkcs8::spki::SubjectPublicKeyInfoRef;
use rsa::pkcs8::{
    DecodePrivateKey, EncodePrivateKey, EncodePublicKey, ObjectIdentifier, PrivateKeyInfoRef,
};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BoxedUint, Oaep, Pkcs1v15Sign, PrivateKey, Pss, PublicKey};

use super::error::{WcError, data, invalid_access, operation};
use super::hash::{Sha, with_digest};
use super::jwk::{self, Jwk};

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Larger moduli than any real key; generating one would take minutes.
const MAX_BITS: usize = 16384;

#[derive(Clone, Debug)]
pub enum RsaMaterial {
    Private(Arc<PrivateKey>),
    Public(Arc<PublicKey>),
}

impl RsaMaterial {
    pub fn modulus_bits(&self) -> usize {
        let n = match self {
            RsaMaterial::Private(k) => k.n(),
            RsaMaterial::Public(k) => k.n(),
        };
        n.as_ref().bit_width_vartime() as usize
    }

    fn public(&self) -> Result<&PublicKey, WcError> {
        match self {
            RsaMaterial::Public(k) => Ok(k),
            RsaMaterial::Private(_) => Err(invalid_access(
                "given CryptoKey is not a public RSA key, it's *rsa.PrivateKey",
            )),
        }
    }

    fn private(&self) -> Result<&PrivateKey, WcError> {
        match self {
            RsaMaterial::Private(k) => Ok(k),
            RsaMaterial::Public(_) => Err(invalid_access(
                "given CryptoKey is not a private RSA key, it's *rsa.PublicKey",
            )),
        }
    }
}

fn rng() -> UnwrapErr<SysRng> {
    UnwrapErr(SysRng)
}

/// k6's checks of `publicExponent` (the big-endian bytes), before generation.
pub fn public_exponent(bytes: &[u8]) -> Result<u64, WcError> {
    // Go reads the bytes as a big integer and takes its low 64 bits as an int.
    let e = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)) as i64;
    let invalid = |m: &str| operation(format!("invalid public exponent: {m}"));
    if e % 2 == 0 {
        return Err(invalid("public exponent is even"));
    }
    if e < 2 {
        return Err(invalid("public exponent too small"));
    }
    if e > (1 << 31) - 1 {
        return Err(invalid("public exponent too large"));
    }
    Ok(e as u64)
}

/// A new key pair (private, public). CPU-heavy: callers run it off the VU's thread.
pub fn generate(bits: i64, exponent: u64) -> Result<(RsaMaterial, RsaMaterial), WcError> {
    let failed = || operation("could not generate RSA key pair");
    let bits = usize::try_from(bits).map_err(|_| failed())?;
    if !(64..=MAX_BITS).contains(&bits) {
        return Err(failed());
    }
    let exp = BoxedUint::from(exponent);
    // k6 (Go built with the rsa1024min=0 setting) generates keys below 1024 bits too.
    let key = if bits >= PublicKey::MIN_SIZE {
        PrivateKey::new_with_exp(&mut rng(), bits, exp)
    } else {
        PrivateKey::new_with_exp_unchecked(&mut rng(), bits, exp)
    }
    .map_err(|_| failed())?;
    let public = key.to_public_key();
    Ok((
        RsaMaterial::Private(Arc::new(key)),
        RsaMaterial::Public(Arc::new(public)),
    ))
}

pub fn import_pkcs8(der: &[u8]) -> Result<RsaMaterial, WcError> {
    let info = PrivateKeyInfoRef::from_der(der)
        .map_err(|e| data(format!("unable to import RSA private key data: {e}")))?;
    if info.algorithm.oid != RSA_ENCRYPTION {
        return Err(data(
            "given CryptoKey is not a private RSA key, it's *rsa.PrivateKey",
        ));
    }
    let key = PrivateKey::from_pkcs8_der(der)
        .map_err(|e| data(format!("unable to import RSA private key data: {e}")))?;
    Ok(RsaMaterial::Private(Arc::new(key)))
}

pub fn import_spki(der: &[u8]) -> Result<RsaMaterial, WcError> {
    let failed =
        |e: &dyn std::fmt::Display| data(format!("unable to import RSA public key data: {e}"));
    let info = SubjectPublicKeyInfoRef::from_der(der).map_err(|e| failed(&e))?;
    if info.algorithm.oid != RSA_ENCRYPTION {
        return Err(data(
            "given CryptoKey is not a public RSA key, it's *rsa.PublicKey",
        ));
    }
    let bits = info
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| failed(&"invalid bit string"))?;
    let pkcs1 = RsaPublicKeyRef::from_der(bits).map_err(|e| failed(&e))?;
    public_from_parts(pkcs1.modulus.as_bytes(), pkcs1.public_exponent.as_bytes())
        .map_err(|e| failed(&e))
}

/// A public key of any size Go accepts (the `rsa` crate's default refuses < 1024 bits).
fn public_from_parts(n: &[u8], e: &[u8]) -> Result<RsaMaterial, String> {
    let n = uint(n).ok_or("invalid modulus")?;
    let e = uint(e).ok_or("invalid exponent")?;
    let key = PublicKey::new_with_size_limits(n, e, 16..=MAX_BITS).map_err(|e| e.to_string())?;
    Ok(RsaMaterial::Public(Arc::new(key)))
}

fn uint(bytes: &[u8]) -> Option<BoxedUint> {
    let bytes = &bytes[bytes.iter().take_while(|b| **b == 0).count()..];
    let bits = (bytes.len().max(1) * 8).next_multiple_of(64) as u32;
    BoxedUint::from_be_slice(bytes, bits).ok()
}

/// `jwk` import, with k6's messages (bare Go errors).
pub fn import_jwk(key: &Jwk) -> Result<RsaMaterial, WcError> {
    let parse = |e: String| WcError::plain(format!("failed to parse input as RSA JWK key: {e}"));
    let mut f = Vec::with_capacity(9);
    for name in ["kty", "n", "e", "d", "p", "q", "dp", "dq", "qi"] {
        f.push(key.string(name, "rsaJWK").map_err(parse)?);
    }
    let invalid = |m: String| WcError::plain(format!("invalid RSA JWK key: {m}"));
    if f[0] != "RSA" {
        return Err(invalid(format!("invalid key type: {}", f[0])));
    }
    if f[1].is_empty() {
        return Err(invalid("modulus (n) is required".into()));
    }
    if f[2].is_empty() {
        return Err(invalid("exponent (e) is required".into()));
    }
    let decode = |i: usize, what: &str| {
        jwk::decode(&f[i]).map_err(|e| WcError::plain(format!("failed to decode {what}: {e}")))
    };
    let n = decode(1, "modulus")?;
    let e = decode(2, "exponent")?;
    if f[3].is_empty() {
        return public_from_parts(&n, &e).map_err(invalid);
    }
    let d = decode(3, "private exponent")?;
    let p = decode(4, "first prime factor")?;
    let q = decode(5, "second prime factor")?;
    decode(6, "first exponent")?;
    decode(7, "second exponent")?;
    decode(8, "coefficient")?;
    let validate = |m: &str| WcError::plain(format!("failed to validate private key: {m}"));
    let (Some(n), Some(e), Some(d), Some(p), Some(q)) =
        (uint(&n), uint(&e), uint(&d), uint(&p), uint(&q))
    else {
        return Err(validate("invalid key components"));
    };
    // The CRT values are recomputed from the primes (Go checks the key the same way).
    let key =
        PrivateKey::from_components(n, e, d, vec![p, q]).map_err(|e| validate(&e.to_string()))?;
    Ok(RsaMaterial::Private(Arc::new(key)))
}

pub fn export_spki(m: &RsaMaterial) -> Result<Vec<u8>, WcError> {
    let k = m.public()?;
    k.to_public_key_der()
        .map(|d| d.as_bytes().to_vec())
        .map_err(|e| operation(format!("unable to marshal key to SPKI format: {e}")))
}

pub fn export_pkcs8(m: &RsaMaterial) -> Result<Vec<u8>, WcError> {
    let k = m.private()?;
    k.to_pkcs8_der()
        .map(|d| d.as_bytes().to_vec())
        .map_err(|e| operation(format!("unable to marshal key to PKCS8 format: {e}")))
}

/// Minimal big-endian bytes, base64url (Go's `big.Int.Bytes()`).
fn b64_uint(v: &BoxedUint) -> String {
    let bytes = v.to_be_bytes();
    let start = bytes.iter().take_while(|b| **b == 0).count();
    jwk::encode(&bytes[start..])
}

/// The JWK members of an RSA key in k6's order; k6 adds no `alg`, `ext` or `key_ops`.
pub fn export_jwk(m: &RsaMaterial) -> Vec<(&'static str, String)> {
    let mut out = vec![("kty", "RSA".to_string())];
    match m {
        RsaMaterial::Public(k) => {
            out.push(("n", b64_uint(k.n().as_ref())));
            out.push(("e", b64_uint(k.e())));
        }
        RsaMaterial::Private(k) => {
            out.push(("n", b64_uint(k.n().as_ref())));
            out.push(("e", b64_uint(k.e())));
            out.push(("d", b64_uint(k.d())));
            let primes = k.primes();
            if let [p, q, ..] = primes {
                out.push(("p", b64_uint(p.as_ref())));
                out.push(("q", b64_uint(q.as_ref())));
            }
            if let Some(dp) = k.dp() {
                out.push(("dp", b64_uint(dp)));
            }
            if let Some(dq) = k.dq() {
                out.push(("dq", b64_uint(dq)));
            }
            if let Some(qi) = k.crt_coefficient() {
                out.push(("qi", b64_uint(&qi)));
            }
        }
    }
    out
}

/// Go's `crypto/rsa` text for the errors k6 passes through.
fn go_rsa_error(e: &rsa::Error) -> &'static str {
    match e {
        rsa::Error::MessageTooLong => "crypto/rsa: message too long for RSA key size",
        rsa::Error::Decryption => "crypto/rsa: decryption error",
        rsa::Error::Verification => "crypto/rsa: verification error",
        _ => "crypto/rsa: invalid key",
    }
}

fn sign_failed(e: &rsa::Error) -> WcError {
    operation(format!("could not sign data: {}", go_rsa_error(e)))
}

pub fn sign_pkcs1(m: &RsaMaterial, sha: Sha, data: &[u8]) -> Result<Vec<u8>, WcError> {
    let k = m.private()?;
    let hashed = sha.digest(data);
    with_digest!(sha, D => k.sign_with_rng(&mut rng(), Pkcs1v15Sign::new::<D>(), &hashed))
        .map_err(|e| sign_failed(&e))
}

pub fn verify_pkcs1(
    m: &RsaMaterial,
    sha: Sha,
    signature: &[u8],
    data: &[u8],
) -> Result<bool, WcError> {
    let k = m.public()?;
    let hashed = sha.digest(data);
    Ok(with_digest!(sha, D => k.verify(Pkcs1v15Sign::new::<D>(), &hashed, signature)).is_ok())
}

/// The largest PSS salt the key allows (Go's `PSSSaltLengthAuto` when signing).
fn max_salt(k: &PrivateKey, sha: Sha) -> i64 {
    let em_bits = k.n().as_ref().bit_width_vartime() as i64 - 1;
    (em_bits + 7) / 8 - 2 - sha.output_len() as i64
}

/// RSA-PSS with k6's (Go's) `saltLength`: 0 is the largest salt the key allows (and, to
/// verify, any salt length); -1 is the hash length.
pub fn sign_pss(
    m: &RsaMaterial,
    sha: Sha,
    salt_length: i64,
    data: &[u8],
) -> Result<Vec<u8>, WcError> {
    let k = m.private()?;
    let too_long =
        || operation("could not sign data: crypto/rsa: message too long for RSA key size");
    let max = max_salt(k, sha);
    let salt = match salt_length {
        0 => max,
        -1 => sha.output_len() as i64,
        n if n < 0 => {
            return Err(operation(
                "could not sign data: crypto/rsa: invalid PSS salt length",
            ));
        }
        n => n,
    };
    if salt < 0 || salt > max {
        return Err(too_long());
    }
    let hashed = sha.digest(data);
    with_digest!(sha, D => k.sign_with_rng(&mut rng(), Pss::<D>::new_with_salt(salt as usize), &hashed))
        .map_err(|e| sign_failed(&e))
}

pub fn verify_pss(
    m: &RsaMaterial,
    sha: Sha,
    salt_length: i64,
    signature: &[u8],
    data: &[u8],
) -> Result<bool, WcError> {
    let k = m.public()?;
    let salt = match salt_length {
        0 => None,
        -1 => Some(sha.output_len()),
        n if n < 0 => return Ok(false),
        n => Some(n as usize),
    };
    if signature.len() != k.size() {
        return Ok(false);
    }
    let hashed = sha.digest(data);
    Ok(with_digest!(sha, D => {
        let mut scheme = Pss::<D>::new();
        scheme.salt_len = salt;
        k.verify(scheme, &hashed, signature)
    })
    .is_ok())
}

pub fn encrypt_oaep(
    m: &RsaMaterial,
    sha: Sha,
    label: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, WcError> {
    let k = m.public()?;
    with_digest!(sha, D => k.encrypt(&mut rng(), Oaep::<D>::new_with_label(label.to_vec()), data))
        .map_err(|e| operation(format!("could not encrypt data: {}", go_rsa_error(&e))))
}

pub fn decrypt_oaep(
    m: &RsaMaterial,
    sha: Sha,
    label: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, WcError> {
    let k = m.private()?;
    with_digest!(sha, D => k.decrypt(Oaep::<D>::new_with_label(label.to_vec()), data))
        .map_err(|_| operation("could not decrypt data: crypto/rsa: decryption error"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponent_checks_match_k6() {
        assert_eq!(public_exponent(&[1, 0, 1]), Ok(65537));
        assert_eq!(public_exponent(&[0, 1, 0, 1]), Ok(65537));
        assert_eq!(
            public_exponent(&[4]).map_err(|e| e.to_string()),
            Err("OperationError: invalid public exponent: public exponent is even".into())
        );
        assert_eq!(
            public_exponent(&[1]).map_err(|e| e.to_string()),
            Err("OperationError: invalid public exponent: public exponent too small".into())
        );
        assert_eq!(
            public_exponent(&[1, 0, 0, 0, 1]).map_err(|e| e.to_string()),
            Err("OperationError: invalid public exponent: public exponent too large".into())
        );
    }

    #[test]
    fn sign_verify_encrypt_round_trips() {
        let Ok((private, public)) = generate(1024, 65537) else {
            panic!("generation failed");
        };
        assert_eq!(public.modulus_bits(), 1024);
        for sha in [Sha::Sha1, Sha::Sha256, Sha::Sha512] {
            let s = sign_pkcs1(&private, sha, b"abc").unwrap_or_default();
            assert_eq!(verify_pkcs1(&public, sha, &s, b"abc"), Ok(true));
            assert_eq!(verify_pkcs1(&public, sha, &s, b"abd"), Ok(false));
            for salt in [0, -1, 10] {
                if sha == Sha::Sha512 && salt == -1 {
                    // 64 bytes of salt do not fit a 1024-bit key with SHA-512 (Go refuses too).
                    assert!(sign_pss(&private, sha, salt, b"abc").is_err());
                    continue;
                }
                let s = sign_pss(&private, sha, salt, b"abc").unwrap_or_default();
                assert_eq!(
                    verify_pss(&public, sha, salt, &s, b"abc"),
                    Ok(true),
                    "{sha:?} {salt}"
                );
                // Verifying with 0 accepts any salt length, as Go's auto mode.
                assert_eq!(verify_pss(&public, sha, 0, &s, b"abc"), Ok(true));
            }
            if sha == Sha::Sha512 {
                // OAEP with SHA-512 leaves no room for a message in a 1024-bit key.
                assert!(encrypt_oaep(&public, sha, b"", b"a").is_err());
                continue;
            }
            let c = encrypt_oaep(&public, sha, b"L", b"abc").unwrap_or_default();
            assert_eq!(decrypt_oaep(&private, sha, b"L", &c), Ok(b"abc".to_vec()));
            assert!(decrypt_oaep(&private, sha, b"X", &c).is_err());
        }
        let s = sign_pss(&private, Sha::Sha256, 0, b"abc").unwrap_or_default();
        assert_eq!(verify_pss(&public, Sha::Sha256, 32, &s, b"abc"), Ok(false));
        assert!(sign_pss(&private, Sha::Sha256, 95, b"abc").is_err());
        assert!(sign_pss(&private, Sha::Sha256, -2, b"abc").is_err());
        assert!(sign_pkcs1(&public, Sha::Sha256, b"abc").is_err());
        // Formats round-trip.
        let der = export_pkcs8(&private).unwrap_or_default();
        assert!(matches!(import_pkcs8(&der), Ok(RsaMaterial::Private(_))));
        let der = export_spki(&public).unwrap_or_default();
        let back = import_spki(&der);
        assert!(matches!(back, Ok(RsaMaterial::Public(_))));
        assert_eq!(back.map(|m| export_jwk(&m)), Ok(export_jwk(&public)));
    }
}
