//! Request dispatch: reads the body, routes by path, adds the headers every response carries.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, Version};

use super::auth;
use super::compression::{self, Encoding};
use super::cookies;
use super::digest::{self, DigestRoute};
use super::echo::{self, EchoFields};
use super::pages;
use super::payloads;
use super::redirects::{self, Chain};
use super::request::{ConnContext, Req, decode_segment};
use super::response::{self, ResetRequested, ResponseBody};
use super::response_headers;
use super::status;
use super::stress;
use super::websocket;

/// Largest request body the target reads; echoing more than this is not a useful load test.
const MAX_REQUEST_BODY: usize = 64 * 1024 * 1024;

/// Capacity that fits the segments of every fixed route.
const INLINE_SEGMENTS: usize = 6;

pub(crate) async fn handle(
    ctx: Arc<ConnContext>,
    request: Request<Incoming>,
) -> Result<Response<ResponseBody>, ResetRequested> {
    if super::grpc::is_grpc(&request) {
        return Ok(super::grpc::serve(request).await);
    }
    let (mut parts, body) = request.into_parts();
    let mut upgrade = parts.extensions.remove::<hyper::upgrade::OnUpgrade>();
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => {
            return Ok(response::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large",
            ));
        }
        // The client went away mid-body; whatever we answer goes nowhere.
        Err(_) => return Ok(response::bad_request("could not read request body")),
    };
    if parts.uri.path() == "/reset" {
        ctx.reset.request();
        return Err(ResetRequested);
    }
    if ctx.close_next.load(Ordering::Acquire) {
        ctx.reset.request_close();
        return Err(ResetRequested);
    }
    let version = parts.version;
    let req = Req {
        method: parts.method,
        uri: parts.uri,
        headers: parts.headers,
        body,
        ctx,
    };
    let mut response = if req.method == Method::OPTIONS {
        preflight(&req)
    } else if let Some(response) = websocket::route(&req, &mut upgrade) {
        response
    } else {
        route(&req).await
    };
    add_cors_headers(&req, &mut response);
    if req.path() == "/close" && matches!(version, Version::HTTP_10 | Version::HTTP_11) {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    Ok(response)
}

async fn route(req: &Req) -> Response<ResponseBody> {
    // Path parameters (user names, cookie values, base64) may be percent-encoded.
    let mut decoded: Vec<Cow<'_, str>> = Vec::with_capacity(INLINE_SEGMENTS);
    let path = req.path();
    for segment in path.strip_prefix('/').unwrap_or(path).split('/') {
        match decode_segment(segment) {
            Some(segment) => decoded.push(segment),
            None => return response::bad_request("path is not valid UTF-8 after percent-decoding"),
        }
    }
    let segments: Vec<&str> = decoded.iter().map(|s| s.as_ref()).collect();
    let method = &req.method;
    match segments.as_slice() {
        [""] => pages::index(),
        ["get"] => {
            only(method, &[Method::GET, Method::HEAD], || {
                echo::echo(req, EchoFields::Get)
            })
            .await
        }
        ["post"] => {
            only(method, &[Method::POST], || {
                echo::echo(req, EchoFields::WithBody)
            })
            .await
        }
        ["put"] => {
            only(method, &[Method::PUT], || {
                echo::echo(req, EchoFields::WithBody)
            })
            .await
        }
        ["patch"] => {
            only(method, &[Method::PATCH], || {
                echo::echo(req, EchoFields::WithBody)
            })
            .await
        }
        ["delete"] => {
            only(method, &[Method::DELETE], || {
                echo::echo(req, EchoFields::WithBody)
            })
            .await
        }
        ["anything", ..] => echo::echo(req, EchoFields::Anything).await,
        ["headers"] => echo::headers(req),
        ["ip"] => echo::ip(req),
        ["user-agent"] => echo::user_agent(req),
        ["status", codes] => status::status(codes),
        ["delay", seconds] => delay(req, seconds).await,
        ["json"] => pages::json(),
        ["html"] => pages::html(),
        ["forms", "post"] => pages::form_post(),
        ["links", n] => pages::links(n, "0"),
        ["links", n, offset] => pages::links(n, offset),
        ["xml"] => pages::xml(),
        ["uuid"] => payloads::uuid(),
        ["base64", value] => payloads::base64(value),
        ["bytes", n] => payloads::bytes(req, n),
        ["stream-bytes", n] => payloads::stream_bytes(req, n),
        ["range", n] => payloads::range(req, n),
        ["drip"] => payloads::drip(req).await,
        ["response-headers"] => response_headers::response_headers(req),
        ["cookies"] => cookies::list(req),
        ["cookies", "set"] => cookies::set_from_query(req),
        ["cookies", "set", name, value] => cookies::set_one(name, value),
        ["cookies", "delete"] => cookies::delete(req),
        ["redirect", n] => redirects::chain(req, Chain::Default, n),
        ["relative-redirect", n] => redirects::chain(req, Chain::Relative, n),
        ["absolute-redirect", n] => redirects::chain(req, Chain::Absolute, n),
        ["redirect-to"] => redirects::redirect_to(req),
        ["basic-auth", user, password] => auth::basic(req, user, password),
        ["hidden-basic-auth", user, password] => auth::hidden_basic(req, user, password),
        ["bearer"] => auth::bearer(req),
        ["digest-auth", qop, user, password] => digest::digest_auth(
            req,
            &DigestRoute {
                qop,
                user,
                password,
                algorithm: None,
            },
        ),
        // httpbin's optional trailing `stale_after` is accepted and ignored: nonces here never go stale.
        ["digest-auth", qop, user, password, algorithm]
        | ["digest-auth", qop, user, password, algorithm, _] => digest::digest_auth(
            req,
            &DigestRoute {
                qop,
                user,
                password,
                algorithm: Some(algorithm),
            },
        ),
        ["gzip"] => compression::compressed_echo(req, Encoding::Gzip),
        ["deflate"] => compression::compressed_echo(req, Encoding::Deflate),
        ["brotli"] => compression::compressed_echo(req, Encoding::Brotli),
        ["zstd"] => compression::compressed_echo(req, Encoding::Zstd),
        ["close"] => echo::echo(req, EchoFields::Get).await,
        ["keepalive-close"] => stress::keepalive_close(req).await,
        ["hang"] => stress::hang().await,
        ["many-headers", n] => stress::many_headers(n),
        ["big-headers", kib] => stress::big_headers(kib),
        ["big-body", bytes] => stress::big_body(bytes),
        _ => response::not_found(),
    }
}

/// Runs the handler when the method is allowed, else 405 with an Allow header.
async fn only<F, Fut>(method: &Method, allowed: &[Method], handler: F) -> Response<ResponseBody>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Response<ResponseBody>>,
{
    if allowed.contains(method) {
        return handler().await;
    }
    let mut response = response::error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    let allow = allowed
        .iter()
        .map(Method::as_str)
        .chain(["OPTIONS"])
        .collect::<Vec<_>>()
        .join(", ");
    if let Ok(allow) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    response
}

async fn delay(req: &Req, seconds: &str) -> Response<ResponseBody> {
    let Some(pause) = payloads::parse_seconds(seconds) else {
        return response::bad_request(format!(
            "delay must be a non-negative number of seconds: {seconds:?}"
        ));
    };
    tokio::time::sleep(pause).await;
    echo::echo(req, EchoFields::Delay).await
}

/// CORS preflight answer, as httpbin gives for any path.
fn preflight(req: &Req) -> Response<ResponseBody> {
    let mut response = response::empty(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, DELETE, PATCH, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("3600"),
    );
    if let Some(requested) = req.headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
    }
    response
}

/// httpbin allows any origin, with credentials, on every response.
fn add_cors_headers(req: &Req, response: &mut Response<ResponseBody>) {
    let origin = req
        .headers
        .get(header::ORIGIN)
        .cloned()
        .unwrap_or(HeaderValue::from_static("*"));
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
}
