//! HMAC keys and signatures.

use super::super::crypto::hmac;
use super::hash::Sha;

pub fn usage_ok(usage: &str) -> bool {
    matches!(usage, "sign" | "verify")
}

pub fn sign(sha: Sha, key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac(sha.alg(), key, data)
}

pub fn verify(sha: Sha, key: &[u8], signature: &[u8], data: &[u8]) -> bool {
    constant_time_eq(&sign(sha, key, data), signature)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The JWK `alg` of an HMAC key: `HS` and the hash's digits (`HS1` for SHA-1, as k6 has it).
pub fn jwk_alg(sha: Sha) -> String {
    format!("HS{}", &sha.name()[4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_case_2_and_jwk_names() {
        let mac = sign(Sha::Sha256, b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify(
            Sha::Sha256,
            b"Jefe",
            &mac,
            b"what do ya want for nothing?"
        ));
        assert!(!verify(
            Sha::Sha256,
            b"Jefe",
            &mac[1..],
            b"what do ya want for nothing?"
        ));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert_eq!(jwk_alg(Sha::Sha1), "HS1");
        assert_eq!(jwk_alg(Sha::Sha512), "HS512");
    }
}
