//! JSON Web Keys: reading members as k6 does (Go's `encoding/json` into a struct of strings)
//! and base64url without padding.

use boa_engine::{Context, JsResult, JsValue};
use serde_json::Value;

use super::super::encoding;
use crate::api::go_kind;

/// A JWK as the script passed it.
pub struct Jwk(Value);

impl Jwk {
    pub fn from_js(v: &JsValue, ctx: &mut Context) -> JsResult<Jwk> {
        if v.is_undefined() {
            return Ok(Jwk(Value::Null));
        }
        Ok(Jwk(v.to_json(ctx)?.unwrap_or(Value::Null)))
    }

    #[cfg(test)]
    pub fn from_json(v: Value) -> Jwk {
        Jwk(v)
    }

    /// Member `name` decoded into a Go `string` field of struct `go_struct`: absent or null is
    /// empty; another JSON type is Go's unmarshal error. Go matches member names
    /// case-insensitively when there is no exact match.
    pub fn string(&self, name: &str, go_struct: &str) -> Result<String, String> {
        let obj = match &self.0 {
            Value::Null => return Ok(String::new()),
            Value::Object(o) => o,
            other => {
                return Err(format!(
                    "json: cannot unmarshal {} into Go value of type webcrypto.{go_struct}",
                    go_kind(other)
                ));
            }
        };
        let v = obj.get(name).or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        });
        match v {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(format!(
                "json: cannot unmarshal {} into Go struct field {go_struct}.{name} of type string",
                go_kind(other)
            )),
        }
    }
}

/// Base64url without padding (Go's `RawURLEncoding`).
pub fn encode(b: &[u8]) -> String {
    encoding::encode(b, "rawurl")
}

/// Base64url without padding, with Go's error (`illegal base64 data at input byte N`).
pub fn decode(s: &str) -> Result<Vec<u8>, String> {
    encoding::decode(s.as_bytes(), "rawurl")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_decode_like_go() {
        let k = Jwk::from_json(json!({"kty": "oct", "k": 5, "Crv": "P-256"}));
        assert_eq!(k.string("kty", "symmetricJWK"), Ok("oct".into()));
        assert_eq!(k.string("crv", "ecJWK"), Ok("P-256".into()));
        assert_eq!(k.string("x", "ecJWK"), Ok(String::new()));
        assert_eq!(
            k.string("k", "symmetricJWK"),
            Err(
                "json: cannot unmarshal number into Go struct field symmetricJWK.k of type string"
                    .into()
            )
        );
        let s = Jwk::from_json(json!("hello"));
        assert_eq!(
            s.string("kty", "symmetricJWK"),
            Err(
                "json: cannot unmarshal string into Go value of type webcrypto.symmetricJWK".into()
            )
        );
        assert_eq!(
            Jwk::from_json(Value::Null).string("k", "symmetricJWK"),
            Ok(String::new())
        );
    }

    #[test]
    fn base64url_is_unpadded() {
        assert_eq!(encode(&[0xff, 0xee]), "_-4");
        assert_eq!(decode("_-4"), Ok(vec![0xff, 0xee]));
        assert_eq!(
            decode("AAAAAAAAAAAAAAAAAAAAAA=="),
            Err("illegal base64 data at input byte 22".into())
        );
    }
}
