//! `/cookies`, `/cookies/set`, `/cookies/delete`.

use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::{Map, Value, json};

use super::request::Req;
use super::response::{self, ResponseBody};

/// What follows `name=` in werkzeug's `delete_cookie`: an empty value that expired long ago.
const EXPIRED: &str = "; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/";

pub(crate) fn list(req: &Req) -> Response<ResponseBody> {
    response::ok_json(&json!({ "cookies": request_cookies(req) }))
}

/// Sets every query pair as a cookie, then redirects to `/cookies`.
pub(crate) fn set_from_query(req: &Req) -> Response<ResponseBody> {
    let pairs: Vec<(String, String)> = req
        .query_pairs()
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    set_all(
        pairs
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    )
}

pub(crate) fn set_one(name: &str, value: &str) -> Response<ResponseBody> {
    set_all(std::iter::once((name, value)))
}

fn set_all<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Response<ResponseBody> {
    let mut response = response::redirect(StatusCode::FOUND, "/cookies");
    for (name, value) in pairs {
        match set_cookie_header(name, &format!("{value}; Path=/")) {
            Some(header) => response.headers_mut().append(header::SET_COOKIE, header),
            None => {
                return response::bad_request(format!("invalid cookie name or value: {name:?}"));
            }
        };
    }
    response
}

/// Expires every cookie named in the query, then redirects to `/cookies`.
pub(crate) fn delete(req: &Req) -> Response<ResponseBody> {
    let mut response = response::redirect(StatusCode::FOUND, "/cookies");
    for (name, _) in req.query_pairs() {
        match set_cookie_header(&name, EXPIRED) {
            Some(header) => response.headers_mut().append(header::SET_COOKIE, header),
            None => return response::bad_request(format!("invalid cookie name: {name:?}")),
        };
    }
    response
}

/// `name=rest`, rejecting names that would corrupt the header (separators, controls, empty).
fn set_cookie_header(name: &str, rest: &str) -> Option<HeaderValue> {
    let valid_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
    if !valid_name {
        return None;
    }
    HeaderValue::from_str(&format!("{name}={rest}")).ok()
}

/// All `Cookie` headers (HTTP/2 may split them) as one name → value object.
fn request_cookies(req: &Req) -> Value {
    let mut cookies = Map::new();
    for header in req.headers.get_all(header::COOKIE) {
        let Ok(header) = header.to_str() else {
            continue;
        };
        for pair in header.split(';') {
            let pair = pair.trim();
            if pair.is_empty() {
                continue;
            }
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            cookies.insert(
                name.trim().to_owned(),
                Value::String(value.trim().to_owned()),
            );
        }
    }
    Value::Object(cookies)
}
