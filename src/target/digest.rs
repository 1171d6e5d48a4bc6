//! HTTP Digest authentication (RFC 7616) for `/digest-auth/{qop}/{user}/{passwd}[/{algorithm}]`.
//!
//! Nonces are stateless: a timestamp and random part sealed with a per-server key, so any nonce this server
//! issued verifies without a table, and forged ones do not.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use md5::Md5;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256, Sha512};

use super::auth::{authenticated_user, strip_scheme};
use super::request::Req;
use super::response::{self, ResponseBody};

/// httpbin's realm, kept so scripts written against httpbin see the same challenge.
pub(crate) const REALM: &str = "me@kennethreitz.com";

/// Per-server secret behind nonces and the opaque value.
pub(crate) struct DigestKeys {
    secret: [u8; 32],
    opaque: String,
}

impl DigestKeys {
    pub(crate) fn random() -> Self {
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        let opaque = hex::encode(&Sha256::digest([&secret[..], b"opaque"].concat())[..16]);
        Self { secret, opaque }
    }

    fn new_nonce(&self) -> String {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let body = format!("{millis:016x}{:016x}", rand::rng().next_u64());
        let seal = self.seal(&body);
        body + &seal
    }

    fn seal(&self, body: &str) -> String {
        hex::encode(&Sha256::digest([&self.secret[..], body.as_bytes()].concat())[..16])
    }

    fn nonce_is_ours(&self, nonce: &str) -> bool {
        nonce.len() == 64 && nonce.is_char_boundary(32) && self.seal(&nonce[..32]) == nonce[32..]
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum HashKind {
    Md5,
    Sha256,
    Sha512,
}

/// A digest algorithm as named in the challenge, e.g. `SHA-256-sess`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Algorithm {
    hash: HashKind,
    session: bool,
}

impl Algorithm {
    fn parse(name: &str) -> Option<Self> {
        let upper = name.to_ascii_uppercase();
        let (base, session) = match upper.strip_suffix("-SESS") {
            Some(base) => (base, true),
            None => (upper.as_str(), false),
        };
        let hash = match base {
            "MD5" => HashKind::Md5,
            "SHA-256" => HashKind::Sha256,
            "SHA-512" => HashKind::Sha512,
            _ => return None,
        };
        Some(Self { hash, session })
    }

    fn name(self) -> String {
        let base = match self.hash {
            HashKind::Md5 => "MD5",
            HashKind::Sha256 => "SHA-256",
            HashKind::Sha512 => "SHA-512",
        };
        if self.session {
            format!("{base}-sess")
        } else {
            base.to_owned()
        }
    }

    fn hash_hex(self, data: &[u8]) -> String {
        match self.hash {
            HashKind::Md5 => hex::encode(Md5::digest(data)),
            HashKind::Sha256 => hex::encode(Sha256::digest(data)),
            HashKind::Sha512 => hex::encode(Sha512::digest(data)),
        }
    }
}

/// The endpoint's path parameters.
pub(crate) struct DigestRoute<'a> {
    pub(crate) qop: &'a str,
    pub(crate) user: &'a str,
    pub(crate) password: &'a str,
    pub(crate) algorithm: Option<&'a str>,
}

pub(crate) fn digest_auth(req: &Req, route: &DigestRoute<'_>) -> Response<ResponseBody> {
    let algorithm = match route.algorithm {
        None => Algorithm {
            hash: HashKind::Md5,
            session: false,
        },
        Some(name) => match Algorithm::parse(name) {
            Some(algorithm) => algorithm,
            None => {
                return response::bad_request(format!("unsupported digest algorithm: {name:?}"));
            }
        },
    };
    // Like httpbin: `auth` or `auth-int` offer just that; anything else offers both.
    let offered_qops: &[&str] = match route.qop {
        "auth" => &["auth"],
        "auth-int" => &["auth-int"],
        _ => &["auth", "auth-int"],
    };
    let keys = &req.ctx.shared.digest;
    let authorized = req
        .header_str(&header::AUTHORIZATION)
        .and_then(|value| strip_scheme(value, "Digest"))
        .map(parse_auth_params)
        .is_some_and(|params| {
            let expected = Expected {
                user: route.user,
                password: route.password,
                algorithm,
                offered_qops,
            };
            credentials_valid(req, keys, &params, &expected)
        });
    if authorized {
        return authenticated_user(route.user);
    }
    challenge(keys, algorithm, offered_qops)
}

fn challenge(
    keys: &DigestKeys,
    algorithm: Algorithm,
    offered_qops: &[&str],
) -> Response<ResponseBody> {
    let value = format!(
        "Digest realm=\"{REALM}\", nonce=\"{}\", qop=\"{}\", opaque=\"{}\", algorithm={}, stale=FALSE",
        keys.new_nonce(),
        offered_qops.join(", "),
        keys.opaque,
        algorithm.name()
    );
    let mut response = response::empty(StatusCode::UNAUTHORIZED);
    match HeaderValue::from_str(&value) {
        Ok(value) => {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
            response
        }
        // Every part above is ASCII we produced; this is unreachable in practice.
        Err(_) => response::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not build digest challenge",
        ),
    }
}

struct Expected<'a> {
    user: &'a str,
    password: &'a str,
    algorithm: Algorithm,
    offered_qops: &'a [&'a str],
}

fn credentials_valid(
    req: &Req,
    keys: &DigestKeys,
    params: &HashMap<String, String>,
    expected: &Expected<'_>,
) -> bool {
    let param = |name: &str| params.get(name).map(String::as_str);
    let (Some(username), Some(nonce), Some(uri), Some(client_response)) = (
        param("username"),
        param("nonce"),
        param("uri"),
        param("response"),
    ) else {
        return false;
    };
    let client_algorithm = param("algorithm").map_or(
        Some(Algorithm {
            hash: HashKind::Md5,
            session: false,
        }),
        Algorithm::parse,
    );
    let qop = param("qop");
    let checks = username == expected.user
        && param("realm") == Some(REALM)
        && keys.nonce_is_ours(nonce)
        && param("opaque").is_none_or(|opaque| opaque == keys.opaque)
        && client_algorithm == Some(expected.algorithm)
        && qop.is_none_or(|qop| expected.offered_qops.contains(&qop))
        && uri_matches(req, uri);
    if !checks {
        return false;
    }
    let inputs = ResponseInputs {
        algorithm: expected.algorithm,
        realm: REALM,
        user: username,
        password: expected.password,
        nonce,
        cnonce: param("cnonce").unwrap_or(""),
        nc: param("nc").unwrap_or(""),
        qop,
        method: req.method.as_str(),
        uri,
        body: &req.body,
    };
    let Some(expected_response) = inputs.response() else {
        return false;
    };
    expected_response.eq_ignore_ascii_case(client_response)
}

/// The `uri` the client hashed must name this request (path with query, or an absolute form of it).
fn uri_matches(req: &Req, uri: &str) -> bool {
    let path_and_query = req
        .uri
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    uri == path_and_query
        || uri == req.path()
        || uri.ends_with(path_and_query) && uri.contains("://")
}

/// Everything the `response` hash covers (RFC 7616 section 3.4.1).
pub(crate) struct ResponseInputs<'a> {
    algorithm: Algorithm,
    realm: &'a str,
    user: &'a str,
    password: &'a str,
    nonce: &'a str,
    cnonce: &'a str,
    nc: &'a str,
    qop: Option<&'a str>,
    method: &'a str,
    uri: &'a str,
    body: &'a [u8],
}

impl ResponseInputs<'_> {
    /// None when the qop needs a cnonce and nc the client did not send.
    fn response(&self) -> Option<String> {
        let h = |data: &str| self.algorithm.hash_hex(data.as_bytes());
        let mut ha1 = h(&format!("{}:{}:{}", self.user, self.realm, self.password));
        if self.algorithm.session {
            ha1 = h(&format!("{ha1}:{}:{}", self.nonce, self.cnonce));
        }
        let ha2 = match self.qop {
            Some("auth-int") => h(&format!(
                "{}:{}:{}",
                self.method,
                self.uri,
                self.algorithm.hash_hex(self.body)
            )),
            _ => h(&format!("{}:{}", self.method, self.uri)),
        };
        match self.qop {
            Some(qop) => {
                if self.cnonce.is_empty() || self.nc.is_empty() {
                    return None;
                }
                Some(h(&format!(
                    "{ha1}:{}:{}:{}:{qop}:{ha2}",
                    self.nonce, self.nc, self.cnonce
                )))
            }
            None => Some(h(&format!("{ha1}:{}:{ha2}", self.nonce))),
        }
    }
}

/// `key=value, key="quoted, value"` pairs of a Digest header; keys lowercased.
fn parse_auth_params(input: &str) -> HashMap<String, String> {
    let mut params = HashMap::new();
    let mut rest = input.trim_start();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq]
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, ch)) = chars.next() {
                match ch {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            out.push(escaped);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    _ => out.push(ch),
                }
            }
            value = out;
            rest = &quoted[end.min(quoted.len())..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_owned();
            rest = &rest[end..];
        }
        rest = rest.trim_start().trim_start_matches(',').trim_start();
        params.insert(key, value);
    }
    params
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const TEST_CNONCE: &str = "0a4f113b";
    pub(crate) const TEST_NC: &str = "00000001";

    /// A client's `response` value for a GET with qop=auth, `TEST_CNONCE` and `TEST_NC`.
    pub(crate) fn client_response(
        algorithm: &str,
        user: &str,
        password: &str,
        nonce: &str,
        uri: &str,
    ) -> Option<String> {
        let inputs = ResponseInputs {
            algorithm: Algorithm::parse(algorithm)?,
            realm: REALM,
            user,
            password,
            nonce,
            cnonce: TEST_CNONCE,
            nc: TEST_NC,
            qop: Some("auth"),
            method: "GET",
            uri,
            body: b"",
        };
        inputs.response()
    }

    pub(crate) fn parse_challenge(value: &str) -> HashMap<String, String> {
        parse_auth_params(strip_scheme(value, "Digest").unwrap_or(""))
    }

    #[test]
    fn rfc_7616_md5_and_sha256_examples() {
        // RFC 7616 section 3.9.1.
        let rfc_example = |algorithm: &str| {
            let inputs = ResponseInputs {
                algorithm: Algorithm::parse(algorithm)?,
                realm: "http-auth@example.org",
                user: "Mufasa",
                password: "Circle of Life",
                nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
                cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
                nc: "00000001",
                qop: Some("auth"),
                method: "GET",
                uri: "/dir/index.html",
                body: b"",
            };
            inputs.response()
        };
        assert_eq!(
            rfc_example("MD5").as_deref(),
            Some("8ca523f5e9506fed4657c9700eebdbec")
        );
        assert_eq!(
            rfc_example("SHA-256").as_deref(),
            Some("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
        );
    }

    #[test]
    fn parses_quoted_and_token_params() {
        let params = parse_auth_params(
            r#"username="Mufasa", realm="a, \"b\"", nonce=abc, uri="/dir?x=1",qop=auth, nc=00000001"#,
        );
        assert_eq!(params.get("username").map(String::as_str), Some("Mufasa"));
        assert_eq!(params.get("realm").map(String::as_str), Some(r#"a, "b""#));
        assert_eq!(params.get("nonce").map(String::as_str), Some("abc"));
        assert_eq!(params.get("uri").map(String::as_str), Some("/dir?x=1"));
        assert_eq!(params.get("qop").map(String::as_str), Some("auth"));
        assert_eq!(params.get("nc").map(String::as_str), Some("00000001"));
    }

    #[test]
    fn nonces_verify_only_when_issued_here() {
        let keys = DigestKeys::random();
        let nonce = keys.new_nonce();
        assert!(keys.nonce_is_ours(&nonce));
        let mut forged = nonce.clone();
        forged.replace_range(0..1, if nonce.starts_with('0') { "1" } else { "0" });
        assert!(!keys.nonce_is_ours(&forged));
        assert!(!DigestKeys::random().nonce_is_ours(&nonce));
        assert!(!keys.nonce_is_ours("short"));
    }

    #[test]
    fn unknown_algorithms_are_rejected() {
        assert_eq!(Algorithm::parse("SHA-1"), None);
        assert_eq!(
            Algorithm::parse("sha-256-sess"),
            Some(Algorithm {
                hash: HashKind::Sha256,
                session: true
            })
        );
    }
}
