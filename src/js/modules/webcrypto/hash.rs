//! The SHA family WebCrypto names (`SHA-1`, `SHA-256`, `SHA-384`, `SHA-512`).

use super::super::crypto::{Alg, hash};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sha {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Sha {
    /// An exact (already normalized) name.
    pub fn from_name(name: &str) -> Option<Sha> {
        Some(match name {
            "SHA-1" => Sha::Sha1,
            "SHA-256" => Sha::Sha256,
            "SHA-384" => Sha::Sha384,
            "SHA-512" => Sha::Sha512,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Sha::Sha1 => "SHA-1",
            Sha::Sha256 => "SHA-256",
            Sha::Sha384 => "SHA-384",
            Sha::Sha512 => "SHA-512",
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        hash(self.alg(), data)
    }

    pub fn alg(self) -> Alg {
        match self {
            Sha::Sha1 => Alg::Sha1,
            Sha::Sha256 => Alg::Sha256,
            Sha::Sha384 => Alg::Sha384,
            Sha::Sha512 => Alg::Sha512,
        }
    }

    /// The HMAC key length (bits) generateKey uses when none is given: the block size.
    pub fn block_bits(self) -> i64 {
        match self {
            Sha::Sha1 | Sha::Sha256 => 512,
            Sha::Sha384 | Sha::Sha512 => 1024,
        }
    }

    pub fn output_len(self) -> usize {
        match self {
            Sha::Sha1 => 20,
            Sha::Sha256 => 32,
            Sha::Sha384 => 48,
            Sha::Sha512 => 64,
        }
    }
}

/// Runs `$body` with `$d` bound to the digest type of `$sha` (for the generic RSA APIs).
macro_rules! with_digest {
    ($sha:expr, $d:ident => $body:expr) => {
        match $sha {
            $crate::js::modules::webcrypto::hash::Sha::Sha1 => {
                type $d = sha1::Sha1;
                $body
            }
            $crate::js::modules::webcrypto::hash::Sha::Sha256 => {
                type $d = sha2::Sha256;
                $body
            }
            $crate::js::modules::webcrypto::hash::Sha::Sha384 => {
                type $d = sha2::Sha384;
                $body
            }
            $crate::js::modules::webcrypto::hash::Sha::Sha512 => {
                type $d = sha2::Sha512;
                $body
            }
        }
    };
}
pub(crate) use with_digest;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in [Sha::Sha1, Sha::Sha256, Sha::Sha384, Sha::Sha512] {
            assert_eq!(Sha::from_name(s.name()), Some(s));
            assert_eq!(s.digest(b"abc").len(), s.output_len());
        }
        assert_eq!(Sha::from_name("sha-256"), None);
        assert_eq!(Sha::from_name("MD5"), None);
    }
}
