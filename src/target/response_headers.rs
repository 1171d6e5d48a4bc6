//! `/response-headers?name=value`: sets response headers from the query and echoes the headers as JSON.

use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::{Map, Value};

use super::echo::push_multi;
use super::request::Req;
use super::response::{self, APPLICATION_JSON, ResponseBody};

/// Message framing is hyper's job; letting a query override it would produce a broken response.
const FRAMING_HEADERS: [HeaderName; 3] = [
    header::CONTENT_LENGTH,
    header::TRANSFER_ENCODING,
    header::CONNECTION,
];

pub(crate) fn response_headers(req: &Req) -> Response<ResponseBody> {
    let mut extra: Vec<(String, HeaderName, String, HeaderValue)> = Vec::new();
    for (key, value) in req.query_pairs() {
        let Ok(name) = HeaderName::from_bytes(key.as_bytes()) else {
            return response::bad_request(format!("invalid header name: {key:?}"));
        };
        if FRAMING_HEADERS.contains(&name) {
            return response::bad_request(format!("cannot set framing header {key:?}"));
        }
        let Ok(header_value) = HeaderValue::from_str(&value) else {
            return response::bad_request(format!("invalid value for header {key:?}"));
        };
        extra.push((key.into_owned(), name, value.into_owned(), header_value));
    }
    let sets_content_type = extra
        .iter()
        .any(|(_, name, _, _)| name == header::CONTENT_TYPE);
    let body = body_with_stable_length(&extra, sets_content_type);
    let mut response = response::with_body(StatusCode::OK, APPLICATION_JSON, body);
    if sets_content_type {
        response.headers_mut().remove(header::CONTENT_TYPE);
    }
    for (_, name, _, value) in extra {
        response.headers_mut().append(name, value);
    }
    response
}

/// The body lists Content-Length, which depends on the body: iterate until the number stops changing,
/// as httpbin does.
fn body_with_stable_length(
    extra: &[(String, HeaderName, String, HeaderValue)],
    sets_content_type: bool,
) -> Vec<u8> {
    let mut length = 0usize;
    loop {
        let mut object = Map::new();
        object.insert("Content-Length".into(), Value::String(length.to_string()));
        if !sets_content_type {
            object.insert(
                "Content-Type".into(),
                Value::String("application/json".into()),
            );
        }
        for (key, _, value, _) in extra {
            push_multi(&mut object, key.clone(), Value::String(value.clone()));
        }
        let body = response::json_bytes(&Value::Object(object));
        if body.len() == length {
            return body;
        }
        length = body.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_length_matches_body_length() {
        let extra = vec![(
            "X-Test".to_owned(),
            HeaderName::from_static("x-test"),
            "v".repeat(95),
            HeaderValue::from_static("v"),
        )];
        let body = body_with_stable_length(&extra, false);
        let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        assert_eq!(
            parsed["Content-Length"],
            Value::String(body.len().to_string())
        );
        assert_eq!(parsed["X-Test"], Value::String("v".repeat(95)));
    }
}
