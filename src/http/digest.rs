//! HTTP digest authentication (RFC 7616 client side): answers a `WWW-Authenticate: Digest`
//! challenge with MD5 or SHA-256, `qop=auth` when the server offers it.

use std::collections::BTreeMap;

use md5::{Digest, Md5};
use sha2::Sha256;

/// Splits `a="x, y", b=z` on the commas outside quotes.
fn split_params(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// The `Authorization` header answering `challenge` for `method` on `uri` (path and query).
/// `None` when the challenge is not a usable digest challenge.
pub fn authorization(
    challenge: &str,
    user: &str,
    pass: &str,
    method: &str,
    uri: &str,
) -> Option<String> {
    let trimmed = challenge.trim();
    let params = trimmed
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case("digest"))
        .map(|_| &trimmed[6..])?;
    let mut map = BTreeMap::new();
    for part in split_params(params) {
        if let Some((k, v)) = part.split_once('=') {
            map.insert(
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_string(),
            );
        }
    }
    let realm = map.get("realm").map(String::as_str).unwrap_or_default();
    let nonce = map.get("nonce")?;
    let algorithm = map.get("algorithm").map(String::as_str).unwrap_or("MD5");
    let sha256 = algorithm.eq_ignore_ascii_case("SHA-256");
    if !sha256 && !algorithm.eq_ignore_ascii_case("MD5") {
        return None;
    }
    let hash = |s: &str| -> String {
        if sha256 {
            hex::encode(Sha256::digest(s.as_bytes()))
        } else {
            hex::encode(Md5::digest(s.as_bytes()))
        }
    };
    let ha1 = hash(&format!("{user}:{realm}:{pass}"));
    let ha2 = hash(&format!("{method}:{uri}"));
    let qop = map
        .get("qop")
        .is_some_and(|q| q.split(',').map(str::trim).any(|q| q == "auth"));
    let cnonce = format!("{:016x}", rand::random::<u64>());
    let nc = "00000001";
    let response = if qop {
        hash(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"))
    } else {
        hash(&format!("{ha1}:{nonce}:{ha2}"))
    };
    let mut out = format!(
        "Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", algorithm={algorithm}"
    );
    if qop {
        out.push_str(&format!(", qop=auth, nc={nc}, cnonce=\"{cnonce}\""));
    }
    if let Some(o) = map.get("opaque") {
        out.push_str(&format!(", opaque=\"{o}\""));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field<'a>(h: &'a str, name: &str) -> &'a str {
        let start = h.find(&format!("{name}=")).unwrap() + name.len() + 1;
        let rest = &h[start..];
        let rest = rest.strip_prefix('"').unwrap_or(rest);
        &rest[..rest.find(['"', ',']).unwrap_or(rest.len())]
    }

    // RFC 2617 section 3.5's worked example (qop=auth, MD5).
    #[test]
    fn rfc_example_response() {
        let h = authorization(
            "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
            "Mufasa",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
        )
        .unwrap();
        let cnonce = field(&h, "cnonce");
        let ha1 = hex::encode(Md5::digest(b"Mufasa:testrealm@host.com:Circle Of Life"));
        let ha2 = hex::encode(Md5::digest(b"GET:/dir/index.html"));
        let want = hex::encode(Md5::digest(
            format!("{ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:{cnonce}:auth:{ha2}")
                .as_bytes(),
        ));
        assert_eq!(field(&h, "response"), want);
        assert_eq!(field(&h, "opaque"), "5ccc069c403ebaf9f0171e9517f40e41");
    }

    #[test]
    fn refuses_non_digest_challenges() {
        assert!(authorization("Basic realm=\"x\"", "u", "p", "GET", "/").is_none());
        assert!(
            authorization(
                "Digest realm=\"x\", nonce=\"n\", algorithm=SHA-512",
                "u",
                "p",
                "GET",
                "/"
            )
            .is_none()
        );
    }
}
