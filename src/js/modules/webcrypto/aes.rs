//! AES-CBC, AES-CTR and AES-GCM (RustCrypto `aes`, `cbc`, `ctr`, `aes-gcm`) with k6 v1.1.0's
//! parameter checks and messages. AES-KW keys exist, but k6 has no operation for them.

use aes::{Aes128, Aes192, Aes256};
use aes_gcm::AesGcm;
use aes_gcm::aead::consts::{U12, U13, U14, U15, U16};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, StreamCipher, block_padding::Pkcs7};

use super::error::{WcError, not_supported, operation};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AesKind {
    Cbc,
    Ctr,
    Gcm,
    Kw,
}

impl AesKind {
    pub fn from_name(name: &str) -> Option<AesKind> {
        Some(match name {
            "AES-CBC" => AesKind::Cbc,
            "AES-CTR" => AesKind::Ctr,
            "AES-GCM" => AesKind::Gcm,
            "AES-KW" => AesKind::Kw,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            AesKind::Cbc => "AES-CBC",
            AesKind::Ctr => "AES-CTR",
            AesKind::Gcm => "AES-GCM",
            AesKind::Kw => "AES-KW",
        }
    }

    /// Usages an imported key may have (k6 also lets an AES-KW key encrypt).
    pub fn import_usage_ok(self, usage: &str) -> bool {
        matches!(usage, "encrypt" | "decrypt" | "wrapKey" | "unwrapKey")
    }

    /// Usages a generated key may have.
    pub fn generate_usage_ok(self, usage: &str) -> bool {
        match usage {
            "wrapKey" | "unwrapKey" => true,
            "encrypt" | "decrypt" => self != AesKind::Kw,
            _ => false,
        }
    }
}

pub fn valid_key_len(len: usize) -> bool {
    matches!(len, 16 | 24 | 32)
}

/// Parameters of one encrypt/decrypt call, as k6 reads them before the operation runs.
pub enum AesParams {
    Cbc {
        iv: Vec<u8>,
    },
    Ctr {
        counter: Vec<u8>,
        length: i64,
    },
    Gcm {
        iv: Vec<u8>,
        additional_data: Vec<u8>,
        tag_length: i64,
    },
}

macro_rules! by_key {
    ($key:expr, $aes:ident => $body:expr) => {
        match $key.len() {
            16 => {
                type $aes = Aes128;
                $body
            }
            24 => {
                type $aes = Aes192;
                $body
            }
            32 => {
                type $aes = Aes256;
                $body
            }
            _ => None,
        }
    };
}

pub fn encrypt(p: &AesParams, key: &[u8], data: &[u8]) -> Result<Vec<u8>, WcError> {
    match p {
        AesParams::Cbc { iv } => {
            if iv.len() != 16 {
                return Err(operation("iv length is not 16 bytes"));
            }
            if data.is_empty() {
                // Go's padding helper in k6 refuses empty input.
                return Err(operation("could not pad plaintext"));
            }
            by_key!(key, A => cbc::Encryptor::<A>::new_from_slices(key, iv)
                .ok()
                .map(|c| c.encrypt_padded_vec::<Pkcs7>(data)))
            .ok_or_else(|| operation("could not create cipher"))
        }
        AesParams::Ctr { counter, length } => {
            if counter.len() != 16 {
                return Err(operation("counter length is not 16 bytes"));
            }
            if *length <= 0 || *length > 128 {
                return Err(operation(
                    "invalid counter length, out of the 0 < x < 128 bounds",
                ));
            }
            ctr(key, counter, data).ok_or_else(|| operation("could not create cipher"))
        }
        AesParams::Gcm {
            iv,
            additional_data,
            tag_length,
        } => {
            if iv.len() != 12 {
                return Err(not_supported("only 12 bytes long iv are supported"));
            }
            let tag_bits = match tag_length {
                0 => 128,
                96 | 104 | 112 | 120 | 128 => *tag_length,
                32 | 64 => return Err(not_supported("tag length 32 and 64 are not supported")),
                _ => {
                    return Err(operation(
                        "invalid tag length, should be one of 96, 104, 112, 120, 128",
                    ));
                }
            };
            gcm(key, iv, additional_data, data, tag_bits as usize / 8, true)
                .ok_or_else(|| operation("could not encrypt plaintext"))
        }
    }
}

pub fn decrypt(p: &AesParams, key: &[u8], data: &[u8]) -> Result<Vec<u8>, WcError> {
    match p {
        AesParams::Cbc { iv } => {
            if iv.len() != 16 {
                return Err(operation("iv length is invalid, should be 16 bytes"));
            }
            if data.is_empty() || !data.len().is_multiple_of(16) {
                // k6 v1.1.0 crashes here (Go panics on partial blocks).
                return Err(operation("ciphertext is not a multiple of the block size"));
            }
            by_key!(key, A => cbc::Decryptor::<A>::new_from_slices(key, iv)
                .ok()
                .map(|c| c.decrypt_padded_vec::<Pkcs7>(data).ok()))
            .ok_or_else(|| operation("could not create AES cipher"))?
            .ok_or_else(|| operation("invalid padding"))
        }
        AesParams::Ctr { counter, length } => {
            if counter.len() != 16 {
                return Err(operation("counter length is invalid, should be 16 bytes"));
            }
            if *length <= 0 || *length > 128 {
                return Err(operation(
                    "invalid length, should be within 1 <= length <= 128 bounds",
                ));
            }
            ctr(key, counter, data).ok_or_else(|| operation("could not create AES cipher"))
        }
        AesParams::Gcm {
            iv,
            additional_data,
            tag_length,
        } => {
            let tag_bits = match tag_length {
                0 => 128,
                96 | 104 | 112 | 120 | 128 => *tag_length,
                32 | 64 => {
                    return Err(operation(
                        "invalid tag length, should be within 96 <= length <= 128 bounds",
                    ));
                }
                _ => {
                    return Err(operation(
                        "invalid tag length, accepted values are 96, 104, 112, 120, 128",
                    ));
                }
            };
            if data.len() * 8 < tag_bits as usize {
                return Err(operation("ciphertext is too short"));
            }
            if iv.is_empty() {
                return Err(operation("iv length is too long"));
            }
            if iv.len() != 12 {
                // k6 v1.1.0 crashes here (Go's GCM takes 12-byte nonces only).
                return Err(not_supported("only 12 bytes long iv are supported"));
            }
            gcm(key, iv, additional_data, data, tag_bits as usize / 8, false)
                .ok_or_else(|| operation("could not decrypt ciphertext"))
        }
    }
}

/// AES-CTR as Go's `cipher.NewCTR` runs it: the whole 16-byte block is the counter (k6
/// ignores `length`, so the counter carries past the given bits instead of wrapping).
fn ctr(key: &[u8], counter: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    by_key!(key, A => {
        ctr::Ctr128BE::<A>::new_from_slices(key, counter).ok().map(|mut c| {
            let mut out = data.to_vec();
            c.apply_keystream(&mut out);
            out
        })
    })
}

/// AES-GCM with a 12-byte IV and a tag of `tag_bytes` (12..=16). The ciphertext carries the
/// tag at its end, as in WebCrypto.
pub fn gcm(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap_or_default()
    }

    #[test]
    fn gcm_nist_vectors() {
        // GCM spec (McGrew & Viega) test cases 2 and 4 (AES-128), 16 (AES-256).
        let ct = gcm(&[0; 16], &[0; 12], &[], &[0; 16], 16, true).unwrap_or_default();
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
        let ct = gcm(&key, &iv, &aad, &pt, 16, true).unwrap_or_default();
        assert_eq!(
            hex::encode(&ct),
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e0915bc94fbc3221a5db94fae95ae7121a47"
        );
        assert_eq!(gcm(&key, &iv, &aad, &ct, 16, false), Some(pt.clone()));
        let mut bad = ct.clone();
        bad[0] ^= 1;
        assert_eq!(gcm(&key, &iv, &aad, &bad, 16, false), None);
        let key256 = unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
        let ct = gcm(&key256, &iv, &aad, &pt, 16, true).unwrap_or_default();
        assert_eq!(
            hex::encode(&ct),
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f66276fc6ece0f4e1768cddf8853bb2d551b"
        );
    }

    #[test]
    fn gcm_short_tags_match_k6() {
        // Confirmed on k6 v1.1.0: zero key/iv, "hello", tagLength 96 and aad "aad".
        let ct = gcm(&[0; 16], &[0; 12], &[], b"hello", 12, true).unwrap_or_default();
        assert_eq!(
            ct,
            vec![
                107, 237, 182, 162, 15, 252, 5, 243, 71, 93, 41, 3, 76, 170, 28, 200, 250
            ]
        );
        let ct = gcm(&[0; 16], &[0; 12], b"aad", b"hello", 16, true).unwrap_or_default();
        assert_eq!(
            ct,
            vec![
                107, 237, 182, 162, 15, 196, 240, 120, 86, 199, 142, 10, 232, 186, 196, 224, 17,
                131, 2, 247, 27
            ]
        );
        assert_eq!(gcm(&[0; 15], &[0; 12], &[], b"x", 16, true), None);
    }

    #[test]
    fn cbc_and_ctr_sp800_38a_vectors() {
        // NIST SP 800-38A F.2.1 (CBC-AES128) and F.5.1 (CTR-AES128), first two blocks.
        let key = unhex("2b7e151628aed2a6abf7158809cf4f3c");
        let pt = unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
        let cbc = AesParams::Cbc {
            iv: unhex("000102030405060708090a0b0c0d0e0f"),
        };
        let ct = encrypt(&cbc, &key, &pt).unwrap_or_default();
        assert_eq!(
            hex::encode(&ct[..32]),
            "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
        );
        assert_eq!(ct.len(), 48, "a full block of PKCS#7 padding");
        assert_eq!(decrypt(&cbc, &key, &ct), Ok(pt.clone()));
        assert_eq!(
            decrypt(&cbc, &key, &ct[..16]).map_err(|e| e.message),
            Err("invalid padding".into())
        );
        let ctr = AesParams::Ctr {
            counter: unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"),
            length: 64,
        };
        let ct = encrypt(&ctr, &key, &pt).unwrap_or_default();
        assert_eq!(
            hex::encode(&ct),
            "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
        );
        assert_eq!(decrypt(&ctr, &key, &ct), Ok(pt));
    }

    #[test]
    fn ctr_counter_carries_over_the_whole_block_as_in_go() {
        // Confirmed on k6 v1.1.0: the counter block 00..00ff ff..ff (length 8) carries into
        // the bytes before the last one.
        let key = [0u8; 16];
        let p = AesParams::Ctr {
            counter: vec![0xff; 16],
            length: 8,
        };
        let ct = encrypt(&p, &key, &[0; 40]).unwrap_or_default();
        assert_eq!(ct.len(), 40);
        let wrapped = AesParams::Ctr {
            counter: vec![0; 16],
            length: 8,
        };
        let second = encrypt(&wrapped, &key, &[0; 16]).unwrap_or_default();
        assert_eq!(&ct[16..32], &second[..], "ff..ff + 1 wraps to 00..00");
    }

    #[test]
    fn parameter_errors_match_k6() {
        let key = [0u8; 16];
        let msg =
            |r: Result<Vec<u8>, WcError>| r.map_err(|e| e.to_string()).err().unwrap_or_default();
        assert_eq!(
            msg(encrypt(&AesParams::Cbc { iv: vec![0; 8] }, &key, b"x")),
            "OperationError: iv length is not 16 bytes"
        );
        assert_eq!(
            msg(encrypt(&AesParams::Cbc { iv: vec![0; 16] }, &key, b"")),
            "OperationError: could not pad plaintext"
        );
        assert_eq!(
            msg(decrypt(&AesParams::Cbc { iv: vec![0; 8] }, &key, b"x")),
            "OperationError: iv length is invalid, should be 16 bytes"
        );
        assert_eq!(
            msg(encrypt(
                &AesParams::Ctr {
                    counter: vec![0; 16],
                    length: 0
                },
                &key,
                b"x"
            )),
            "OperationError: invalid counter length, out of the 0 < x < 128 bounds"
        );
        assert_eq!(
            msg(decrypt(
                &AesParams::Ctr {
                    counter: vec![0; 8],
                    length: 64
                },
                &key,
                b"x"
            )),
            "OperationError: counter length is invalid, should be 16 bytes"
        );
        let gcm = |iv: usize, tag: i64| AesParams::Gcm {
            iv: vec![0; iv],
            additional_data: Vec::new(),
            tag_length: tag,
        };
        assert_eq!(
            msg(encrypt(&gcm(12, 64), &key, b"x")),
            "NotSupportedError: tag length 32 and 64 are not supported"
        );
        assert_eq!(
            msg(encrypt(&gcm(16, 128), &key, b"x")),
            "NotSupportedError: only 12 bytes long iv are supported"
        );
        assert_eq!(
            msg(decrypt(&gcm(12, 64), &key, &[0; 20])),
            "OperationError: invalid tag length, should be within 96 <= length <= 128 bounds"
        );
        assert_eq!(
            msg(decrypt(&gcm(12, 100), &key, &[0; 20])),
            "OperationError: invalid tag length, accepted values are 96, 104, 112, 120, 128"
        );
        assert_eq!(
            msg(decrypt(&gcm(12, 0), &key, &[0; 10])),
            "OperationError: ciphertext is too short"
        );
        assert_eq!(
            msg(decrypt(&gcm(0, 0), &key, &[0; 20])),
            "OperationError: iv length is too long"
        );
        assert_eq!(encrypt(&gcm(12, 0), &key, b"x").map(|c| c.len()), Ok(17));
    }
}
