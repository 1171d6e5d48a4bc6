//! Response construction shared by all endpoints.

use std::convert::Infallible;
use std::fmt;

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{Either, Full};
use hyper::body::Frame;
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::Value;

/// Whole bodies stay unboxed; only streamed ones (`/drip`, `/stream-bytes`) pay for a box.
pub(crate) type ResponseBody = Either<Full<Bytes>, UnsyncBoxBody<Bytes, Infallible>>;

/// The handler's error: never sent, it tells hyper to drop the connection for `/reset`.
#[derive(Debug)]
pub(crate) struct ResetRequested;

impl fmt::Display for ResetRequested {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection reset requested by /reset")
    }
}

impl std::error::Error for ResetRequested {}

pub(crate) const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");
pub(crate) const TEXT_HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");
pub(crate) const OCTET_STREAM: HeaderValue = HeaderValue::from_static("application/octet-stream");

pub(crate) fn with_body(
    status: StatusCode,
    content_type: HeaderValue,
    body: impl Into<Bytes>,
) -> Response<ResponseBody> {
    let mut response = Response::new(Either::Left(Full::new(body.into())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    response
}

/// JSON pretty-printed with a trailing newline, the way httpbin sends it.
pub(crate) fn json(status: StatusCode, value: &Value) -> Response<ResponseBody> {
    with_body(status, APPLICATION_JSON, json_bytes(value))
}

pub(crate) fn json_bytes(value: &Value) -> Vec<u8> {
    // Serialising a `Value` cannot fail: its map keys are always strings.
    let mut body = serde_json::to_vec_pretty(value).unwrap_or_default();
    body.push(b'\n');
    body
}

pub(crate) fn ok_json(value: &Value) -> Response<ResponseBody> {
    json(StatusCode::OK, value)
}

/// Rejected input: a JSON object naming what was wrong.
pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Response<ResponseBody> {
    json(status, &serde_json::json!({ "error": message.into() }))
}

pub(crate) fn bad_request(message: impl Into<String>) -> Response<ResponseBody> {
    error(StatusCode::BAD_REQUEST, message)
}

pub(crate) fn not_found() -> Response<ResponseBody> {
    error(StatusCode::NOT_FOUND, "not found")
}

pub(crate) fn empty(status: StatusCode) -> Response<ResponseBody> {
    let mut response = Response::new(Either::Left(Full::new(Bytes::new())));
    *response.status_mut() = status;
    response
}

pub(crate) fn redirect(status: StatusCode, location: &str) -> Response<ResponseBody> {
    let Ok(location) = HeaderValue::from_str(location) else {
        return bad_request("redirect location is not a valid header value");
    };
    let mut response = empty(status);
    response.headers_mut().insert(header::LOCATION, location);
    response
}

pub(crate) fn streamed<B>(
    status: StatusCode,
    content_type: HeaderValue,
    body: B,
) -> Response<ResponseBody>
where
    B: hyper::body::Body<Data = Bytes, Error = Infallible> + Send + 'static,
{
    let mut response = Response::new(Either::Right(UnsyncBoxBody::new(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    response
}

pub(crate) fn data_frame(chunk: Bytes) -> Result<Frame<Bytes>, Infallible> {
    Ok(Frame::data(chunk))
}
