//! Responses at a client's limits, and a server that misbehaves: what rk6's robustness tests
//! (and users checking their own limits) aim at.
//!
//! - `/many-headers/{n}`: `n` extra header lines (`X-Header-{i}: {i}`);
//! - `/big-headers/{kib}`: a header block of about `kib` KiB, in lines of 1000 bytes;
//! - `/big-body/{bytes}`: that many zero bytes with a `Content-Length`, generated 64 KiB at a
//!   time, never held whole (up to 4 GiB);
//! - `/hang`: reads the request and never answers;
//! - `/keepalive-close`: answers like `/get` keeping the connection open, then closes it (FIN,
//!   no response) when the next request arrives on it, as a server does that closed an idle
//!   keep-alive connection just as the client reused it (HTTP/1.1).

use std::sync::atomic::Ordering;

use bytes::Bytes;
use http_body_util::StreamBody;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};

use super::echo::{self, EchoFields};
use super::request::Req;
use super::response::{self, OCTET_STREAM, ResponseBody};

/// Header lines `/many-headers` adds at most: a little under the 24 576 entries the `http`
/// crate's header map holds.
const MAX_HEADER_LINES: usize = 24_000;
/// `/big-headers` stops at 64 MiB of header block.
const MAX_HEADER_KIB: usize = 64 * 1024;
/// `/big-body` sends at most this much.
const MAX_BODY_BYTES: u64 = 4 << 30;
const BODY_CHUNK: usize = 64 * 1024;

fn count(raw: &str, max: usize) -> Option<usize> {
    raw.parse::<usize>().ok().map(|n| n.min(max))
}

fn not_a_count(raw: &str) -> Response<ResponseBody> {
    response::bad_request(format!("not a count: {raw:?}"))
}

pub(crate) fn many_headers(raw: &str) -> Response<ResponseBody> {
    let Some(n) = count(raw, MAX_HEADER_LINES) else {
        return not_a_count(raw);
    };
    let mut response = response::empty(StatusCode::OK);
    let headers = response.headers_mut();
    headers.reserve(n);
    for i in 0..n {
        // Names and values made of digits and letters are always valid.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(format!("x-header-{i}").as_bytes()),
            HeaderValue::from_str(&i.to_string()),
        ) {
            headers.append(name, value);
        }
    }
    response
}

pub(crate) fn big_headers(raw: &str) -> Response<ResponseBody> {
    let Some(kib) = count(raw, MAX_HEADER_KIB) else {
        return not_a_count(raw);
    };
    let mut response = response::empty(StatusCode::OK);
    let headers = response.headers_mut();
    // Each line is `x-big-{i}: aaa...\r\n`, 1000 bytes in all.
    let mut left = kib * 1024;
    let mut i = 0;
    while left > 0 {
        let name = format!("x-big-{i}");
        let value_len = left.min(1000).saturating_sub(name.len() + 4).max(1);
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&"a".repeat(value_len)),
        ) {
            headers.append(name, value);
        }
        left = left.saturating_sub(1000);
        i += 1;
    }
    response
}

pub(crate) fn big_body(raw: &str) -> Response<ResponseBody> {
    let Ok(total) = raw.parse::<u64>() else {
        return response::bad_request(format!("not a byte count: {raw:?}"));
    };
    let total = total.min(MAX_BODY_BYTES);
    let zeros = Bytes::from(vec![0u8; BODY_CHUNK]);
    let chunks = futures_lite::stream::unfold(total, move |left| {
        let zeros = zeros.clone();
        async move {
            if left == 0 {
                return None;
            }
            let n = left.min(BODY_CHUNK as u64);
            Some((response::data_frame(zeros.slice(..n as usize)), left - n))
        }
    });
    let mut response = response::streamed(StatusCode::OK, OCTET_STREAM, StreamBody::new(chunks));
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(total));
    response
}

/// Never resolves: the connection stays open until the client or the server's shutdown
/// closes it.
pub(crate) async fn hang() -> Response<ResponseBody> {
    std::future::pending().await
}

pub(crate) async fn keepalive_close(req: &Req) -> Response<ResponseBody> {
    req.ctx.close_next.store(true, Ordering::Release);
    echo::echo(req, EchoFields::Get).await
}
