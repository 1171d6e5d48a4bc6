//! `/basic-auth`, `/hidden-basic-auth` and `/bearer`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::json;

use super::request::Req;
use super::response::{self, ResponseBody};

/// 200 when the Basic credentials match, else 401 with a challenge.
pub(crate) fn basic(req: &Req, user: &str, password: &str) -> Response<ResponseBody> {
    if basic_credentials_match(req, user, password) {
        return authenticated_user(user);
    }
    let mut response = response::empty(StatusCode::UNAUTHORIZED);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"Fake Realm\""),
    );
    response
}

/// Like `basic`, but a 404 hides that authentication was the problem.
pub(crate) fn hidden_basic(req: &Req, user: &str, password: &str) -> Response<ResponseBody> {
    if basic_credentials_match(req, user, password) {
        return authenticated_user(user);
    }
    response::not_found()
}

pub(crate) fn bearer(req: &Req) -> Response<ResponseBody> {
    let token = req
        .header_str(&header::AUTHORIZATION)
        .and_then(|value| strip_scheme(value, "Bearer"))
        .filter(|token| !token.is_empty());
    match token {
        Some(token) => response::ok_json(&json!({ "authenticated": true, "token": token })),
        None => {
            let mut response = response::empty(StatusCode::UNAUTHORIZED);
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
    }
}

pub(crate) fn authenticated_user(user: &str) -> Response<ResponseBody> {
    response::ok_json(&json!({ "authenticated": true, "user": user }))
}

fn basic_credentials_match(req: &Req, user: &str, password: &str) -> bool {
    let Some(encoded) = req
        .header_str(&header::AUTHORIZATION)
        .and_then(|v| strip_scheme(v, "Basic"))
    else {
        return false;
    };
    let Ok(decoded) = BASE64.decode(encoded.trim()) else {
        return false;
    };
    let expected = format!("{user}:{password}");
    decoded == expected.as_bytes()
}

/// The credentials after an auth scheme name, which is case-insensitive.
pub(crate) fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (name, rest) = value.trim_start().split_once(' ')?;
    name.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_is_matched_case_insensitively() {
        assert_eq!(strip_scheme("Bearer abc", "Bearer"), Some("abc"));
        assert_eq!(strip_scheme("bearer  abc ", "Bearer"), Some("abc"));
        assert_eq!(strip_scheme("Basic abc", "Bearer"), None);
        assert_eq!(strip_scheme("Bearer", "Bearer"), None);
    }
}
