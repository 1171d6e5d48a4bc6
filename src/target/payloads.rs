//! Generated bodies: `/uuid`, `/base64`, `/bytes`, `/stream-bytes`, `/range`, `/drip`.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use bytes::Bytes;
use http_body_util::StreamBody;
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use rand::rngs::StdRng;
use rand::{RngCore as _, SeedableRng as _};
use serde_json::json;

use super::request::Req;
use super::response::{self, OCTET_STREAM, ResponseBody, TEXT_HTML};

/// Upper bound for every generated body, so a typo in a script cannot exhaust memory.
pub(crate) const MAX_GENERATED_BYTES: usize = 10 * 1024 * 1024;
const DEFAULT_STREAM_CHUNK: usize = 10 * 1024;
/// Upper bound for `/drip` timing parameters, like `/delay`'s cap.
const MAX_DRIP_SECONDS: f64 = 10.0;

pub(crate) fn uuid() -> Response<ResponseBody> {
    response::ok_json(&json!({ "uuid": uuid::Uuid::new_v4().to_string() }))
}

/// Decodes URL-safe (or standard) base64 from the path and returns the text.
pub(crate) fn base64(value: &str) -> Response<ResponseBody> {
    let padded = pad_base64(value);
    let decoded = URL_SAFE
        .decode(padded.as_bytes())
        .or_else(|_| STANDARD.decode(padded.as_bytes()));
    match decoded {
        Ok(bytes) => response::with_body(StatusCode::OK, TEXT_HTML, bytes),
        Err(_) => response::bad_request("invalid base64 value"),
    }
}

fn pad_base64(value: &str) -> String {
    let mut padded = value.trim_end_matches('=').to_owned();
    while !padded.len().is_multiple_of(4) {
        padded.push('=');
    }
    padded
}

/// Parses a byte count from the path, capped at `MAX_GENERATED_BYTES`.
pub(crate) fn parse_count(raw: &str) -> Result<usize, String> {
    match raw.parse::<usize>() {
        Ok(n) => Ok(n.min(MAX_GENERATED_BYTES)),
        Err(_) => Err(format!("invalid byte count: {raw:?}")),
    }
}

/// `?seed=` makes the bytes reproducible, as in httpbin.
fn rng_for(req: &Req) -> Result<StdRng, String> {
    match req.query_param("seed") {
        None => Ok(StdRng::from_rng(&mut rand::rng())),
        Some(seed) => match seed.parse::<u64>() {
            Ok(seed) => Ok(StdRng::seed_from_u64(seed)),
            Err(_) => Err("seed must be an unsigned integer".to_owned()),
        },
    }
}

pub(crate) fn bytes(req: &Req, raw_count: &str) -> Response<ResponseBody> {
    let (count, mut rng) = match (parse_count(raw_count), rng_for(req)) {
        (Ok(count), Ok(rng)) => (count, rng),
        (Err(message), _) | (_, Err(message)) => return response::bad_request(message),
    };
    let mut body = vec![0u8; count];
    rng.fill_bytes(&mut body);
    response::with_body(StatusCode::OK, OCTET_STREAM, body)
}

/// Random bytes sent chunked, `chunk_size` at a time.
pub(crate) fn stream_bytes(req: &Req, raw_count: &str) -> Response<ResponseBody> {
    let (count, rng) = match (parse_count(raw_count), rng_for(req)) {
        (Ok(count), Ok(rng)) => (count, rng),
        (Err(message), _) | (_, Err(message)) => return response::bad_request(message),
    };
    let chunk_size = match req
        .query_param("chunk_size")
        .map(|raw| raw.parse::<usize>())
    {
        None => DEFAULT_STREAM_CHUNK,
        Some(Ok(size)) if size > 0 => size.min(MAX_GENERATED_BYTES),
        Some(_) => return response::bad_request("chunk_size must be a positive integer"),
    };
    let chunks =
        futures_lite::stream::unfold((count, rng), move |(remaining, mut rng)| async move {
            if remaining == 0 {
                return None;
            }
            let mut chunk = vec![0u8; remaining.min(chunk_size)];
            rng.fill_bytes(&mut chunk);
            let left = remaining - chunk.len();
            Some((response::data_frame(Bytes::from(chunk)), (left, rng)))
        });
    response::streamed(StatusCode::OK, OCTET_STREAM, StreamBody::new(chunks))
}

/// `n` bytes of the alphabet repeated, honouring a single `Range: bytes=` request.
pub(crate) fn range(req: &Req, raw_count: &str) -> Response<ResponseBody> {
    let total = match parse_count(raw_count) {
        Ok(total) => total,
        Err(message) => return response::bad_request(message),
    };
    let requested = req
        .header_str(&header::RANGE)
        .map(|raw| parse_range(raw, total));
    let (status, first, last) = match requested {
        None => (StatusCode::OK, 0, total),
        Some(Some((first, last))) => (StatusCode::PARTIAL_CONTENT, first, last + 1),
        Some(None) => {
            let mut response = response::empty(StatusCode::RANGE_NOT_SATISFIABLE);
            set_header(
                &mut response,
                header::CONTENT_RANGE,
                &format!("bytes */{total}"),
            );
            return response;
        }
    };
    let body: Vec<u8> = (first..last).map(|i| b'a' + (i % 26) as u8).collect();
    let mut response = response::with_body(status, OCTET_STREAM, body);
    set_header(&mut response, header::ETAG, &format!("range{total}"));
    response
        .headers_mut()
        .insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if status == StatusCode::PARTIAL_CONTENT {
        let content_range = format!("bytes {first}-{}/{total}", last.saturating_sub(1));
        set_header(&mut response, header::CONTENT_RANGE, &content_range);
    }
    response
}

fn set_header(response: &mut Response<ResponseBody>, name: header::HeaderName, value: &str) {
    // Only called with values formatted from numbers, which are always valid header values.
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

/// Inclusive byte range for `bytes=a-b`, `bytes=a-` or `bytes=-suffix`; None when unsatisfiable or malformed.
fn parse_range(raw: &str, total: usize) -> Option<(usize, usize)> {
    let spec = raw.trim().strip_prefix("bytes=")?;
    let (start, end) = spec.split_once('-')?;
    let (start, end) = (start.trim(), end.trim());
    if total == 0 {
        return None;
    }
    let (first, last) = if start.is_empty() {
        let suffix: usize = end.parse().ok()?;
        if suffix == 0 {
            return None;
        }
        (total.saturating_sub(suffix), total - 1)
    } else {
        let first: usize = start.parse().ok()?;
        let last = if end.is_empty() {
            total - 1
        } else {
            end.parse::<usize>().ok()?.min(total - 1)
        };
        (first, last)
    };
    (first <= last && first < total).then_some((first, last))
}

/// `numbytes` asterisks spread over `duration` seconds after an initial `delay`, with status `code`.
pub(crate) async fn drip(req: &Req) -> Response<ResponseBody> {
    let params = match DripParams::from_request(req) {
        Ok(params) => params,
        Err(message) => return response::bad_request(message),
    };
    if !params.delay.is_zero() {
        tokio::time::sleep(params.delay).await;
    }
    let pause = params.duration / params.numbytes as u32;
    let drips = futures_lite::stream::unfold(params.numbytes, move |remaining| async move {
        if remaining == 0 {
            return None;
        }
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        Some((
            response::data_frame(Bytes::from_static(b"*")),
            remaining - 1,
        ))
    });
    let mut response = response::streamed(params.code, OCTET_STREAM, StreamBody::new(drips));
    set_header(
        &mut response,
        header::CONTENT_LENGTH,
        &params.numbytes.to_string(),
    );
    response
}

struct DripParams {
    duration: Duration,
    delay: Duration,
    numbytes: usize,
    code: StatusCode,
}

impl DripParams {
    fn from_request(req: &Req) -> Result<Self, String> {
        let seconds = |name: &str, default: f64| -> Result<Duration, String> {
            match req.query_param(name) {
                None => Ok(Duration::from_secs_f64(default)),
                Some(raw) => parse_seconds(&raw)
                    .ok_or_else(|| format!("{name} must be a non-negative number")),
            }
        };
        let numbytes = match req.query_param("numbytes") {
            None => 10,
            Some(raw) => match raw.parse::<usize>() {
                Ok(n) if n > 0 => n.min(MAX_GENERATED_BYTES),
                _ => return Err("numbytes must be a positive integer".into()),
            },
        };
        let code = match req.query_param("code") {
            None => StatusCode::OK,
            Some(raw) => raw
                .parse::<u16>()
                .ok()
                .and_then(|code| StatusCode::from_u16(code).ok())
                .filter(|code| code.as_u16() >= 200)
                .ok_or_else(|| format!("invalid status code: {raw:?}"))?,
        };
        Ok(Self {
            duration: seconds("duration", 2.0)?,
            delay: seconds("delay", 0.0)?,
            numbytes,
            code,
        })
    }
}

/// Seconds as a float (`1.5`), capped at 10 s; None for negative or non-numbers.
pub(crate) fn parse_seconds(raw: &str) -> Option<Duration> {
    let seconds: f64 = raw.trim().parse().ok()?;
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    Some(Duration::from_secs_f64(seconds.min(MAX_DRIP_SECONDS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_rfc_7233_forms() {
        assert_eq!(parse_range("bytes=0-9", 100), Some((0, 9)));
        assert_eq!(parse_range("bytes=90-", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=95-200", 100), Some((95, 99)));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("bytes=5-2", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
        assert_eq!(parse_range("bytes=0-0", 0), None);
    }

    #[test]
    fn seconds_are_capped_and_validated() {
        assert_eq!(parse_seconds("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_seconds("99"), Some(Duration::from_secs(10)));
        assert_eq!(parse_seconds("-1"), None);
        assert_eq!(parse_seconds("NaN"), None);
        assert_eq!(parse_seconds("x"), None);
    }

    #[test]
    fn base64_accepts_missing_padding() {
        assert_eq!(pad_base64("SGk"), "SGk=");
        assert_eq!(pad_base64("SGVsbG8="), "SGVsbG8=");
    }
}
