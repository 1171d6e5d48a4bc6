//! End-to-end tests: a real target on 127.0.0.1:0, driven by hyper's client connections and raw sockets.

use std::io::Read as _;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, StatusCode, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::digest::tests::{TEST_CNONCE, TEST_NC, client_response, parse_challenge};
use super::{BackgroundTarget, TargetConfig, TlsFiles, spawn_background, start};

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

fn plain_target() -> BackgroundTarget {
    spawn_background(TargetConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        tls: None,
    })
    .expect("target starts on a free port")
}

struct Reply {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.body))
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

fn build(
    addr: SocketAddr,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Bytes,
) -> Request<Full<Bytes>> {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, addr.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
        .body(Full::new(body))
        .expect("test request is well-formed")
}

/// One request on a fresh HTTP/1.1 connection.
async fn send(
    addr: SocketAddr,
    request: Request<Full<Bytes>>,
) -> Result<Reply, Box<dyn std::error::Error + Send + Sync>> {
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    collect(sender.send_request(request).await?).await
}

async fn collect(
    response: hyper::Response<hyper::body::Incoming>,
) -> Result<Reply, Box<dyn std::error::Error + Send + Sync>> {
    let (parts, body) = response.into_parts();
    let body = body.collect().await?.to_bytes();
    Ok(Reply {
        status: parts.status,
        version: parts.version,
        headers: parts.headers,
        body,
    })
}

async fn get(
    addr: SocketAddr,
    path: &str,
) -> Result<Reply, Box<dyn std::error::Error + Send + Sync>> {
    send(addr, build(addr, Method::GET, path, &[], Bytes::new())).await
}

async fn get_with(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Reply, Box<dyn std::error::Error + Send + Sync>> {
    send(addr, build(addr, Method::GET, path, headers, Bytes::new())).await
}

#[tokio::test]
async fn get_echoes_args_headers_origin_url() -> TestResult {
    let target = plain_target();
    let addr = target.local_addr();
    let reply = get_with(
        addr,
        "/get?a=1&a=2&b=x%20y",
        &[("x-custom-header", "v1"), ("user-agent", "rk6-test")],
    )
    .await?;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "application/json");
    assert_eq!(reply.header("access-control-allow-origin"), "*");
    let body = reply.json();
    let keys: Vec<&str> = body
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(keys, ["args", "headers", "origin", "url"]);
    assert_eq!(body["args"], json!({"a": ["1", "2"], "b": "x y"}));
    assert_eq!(body["headers"]["X-Custom-Header"], "v1");
    assert_eq!(body["headers"]["User-Agent"], "rk6-test");
    assert_eq!(body["headers"]["Host"], addr.to_string());
    assert_eq!(body["origin"], "127.0.0.1");
    assert_eq!(body["url"], format!("http://{addr}/get?a=1&a=2&b=x%20y"));
    Ok(())
}

#[tokio::test]
async fn post_echoes_json_raw_and_form_bodies() -> TestResult {
    let target = plain_target();
    let addr = target.local_addr();

    let raw = r#"{"k": [1, 2], "s": "x"}"#;
    let reply = send(
        addr,
        build(
            addr,
            Method::POST,
            "/post",
            &[("content-type", "application/json")],
            raw.into(),
        ),
    )
    .await?;
    let body = reply.json();
    assert_eq!(body["json"], json!({"k": [1, 2], "s": "x"}));
    assert_eq!(body["data"], raw);
    assert_eq!(body["form"], json!({}));
    assert_eq!(body["files"], json!({}));
    assert_eq!(body["headers"]["Content-Type"], "application/json");

    let form = "a=1&b=2&b=3&c=hello+world";
    let headers = [("content-type", "application/x-www-form-urlencoded")];
    let reply = send(
        addr,
        build(addr, Method::PUT, "/put", &headers, form.into()),
    )
    .await?;
    let body = reply.json();
    assert_eq!(
        body["form"],
        json!({"a": "1", "b": ["2", "3"], "c": "hello world"})
    );
    assert_eq!(body["data"], "");
    assert_eq!(body["json"], Value::Null);

    let binary = Bytes::from_static(&[0xff, 0xfe, 0x00]);
    let reply = send(addr, build(addr, Method::PATCH, "/patch", &[], binary)).await?;
    assert_eq!(
        reply.json()["data"],
        "data:application/octet-stream;base64,//4A"
    );

    let reply = send(
        addr,
        build(addr, Method::DELETE, "/delete?x=1", &[], Bytes::new()),
    )
    .await?;
    assert_eq!(reply.json()["args"], json!({"x": "1"}));
    Ok(())
}

#[tokio::test]
async fn post_echoes_multipart_fields_and_files() -> TestResult {
    let target = plain_target();
    let addr = target.local_addr();
    let body = "--XyZ\r\n\
        Content-Disposition: form-data; name=\"field\"\r\n\r\n\
        value one\r\n\
        --XyZ\r\n\
        Content-Disposition: form-data; name=\"upload\"; filename=\"a.txt\"\r\n\
        Content-Type: text/plain\r\n\r\n\
        file contents\r\n\
        --XyZ--\r\n";
    let headers = [("content-type", "multipart/form-data; boundary=XyZ")];
    let reply = send(
        addr,
        build(addr, Method::POST, "/post", &headers, body.into()),
    )
    .await?;
    assert_eq!(reply.status, StatusCode::OK);
    let echo = reply.json();
    assert_eq!(echo["form"], json!({"field": "value one"}));
    assert_eq!(echo["files"], json!({"upload": "file contents"}));
    assert_eq!(echo["data"], "");

    let headers = [("content-type", "multipart/form-data")];
    let reply = send(
        addr,
        build(addr, Method::POST, "/post", &headers, "junk".into()),
    )
    .await?;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.json()["error"].is_string());
    Ok(())
}

#[tokio::test]
async fn anything_accepts_any_method_and_reports_it() -> TestResult {
    let target = plain_target();
    let addr = target.local_addr();
    let reply = send(
        addr,
        build(
            addr,
            Method::PUT,
            "/anything/x/y?q=1",
            &[],
            "payload".into(),
        ),
    )
    .await?;
    let body = reply.json();
    assert_eq!(body["method"], "PUT");
    assert_eq!(body["data"], "payload");
    assert_eq!(body["url"], format!("http://{addr}/anything/x/y?q=1"));

    let reply = send(addr, build(addr, Method::POST, "/get", &[], Bytes::new())).await?;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), "GET, HEAD, OPTIONS");
    Ok(())
}

#[tokio::test]
async fn status_endpoint_returns_requested_codes() -> TestResult {
    let target = plain_target();
    let addr = target.local_addr();
    for code in [200u16, 201, 204, 404, 418, 500, 503] {
        let reply = send(
            addr,
            build(
                addr,
                Method::POST,
                &format!("/status/{code}"),
                &[],
                Bytes::new(),
            ),
        )
        .await?;
        assert_eq!(reply.status.as_u16(), code);
    }
    let reply = get(addr, "/status/302").await?;
    assert_eq!(reply.header("location"), "/redirect/1");
    let reply = get(addr, "/status/401").await?;
    assert!(reply.header("www-authenticate").starts_with("Basic"));
    let reply = get(addr, "/status/201,202").await?;
    assert!(matches!(reply.status.as_u16(), 201 | 202));
    for bad in ["/status/abc", "/status/99", "/status/1000"] {
        let reply = get(addr, bad).await?;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(reply.json()["error"].is_string());
    }
    Ok(())
}

#[tokio::test]
async fn redirect_chains_have_the_requested_length_and_end_at_get() -> TestResult {
    let target = plain_target();
    let addr = target.local_addr();
    for start in [
        "/redirect/4",
        "/relative-redirect/4",
        "/absolute-redirect/4",
        "/redirect/4?absolute=true",
    ] {
        let mut path = start.to_owned();
        let mut hops = 0;
        let final_reply = loop {
            let reply = get(addr, &path).await?;
            if reply.status != StatusCode::FOUND {
                break reply;
            }
            hops += 1;
            let location = reply.header("location").to_owned();
            let absolute_prefix = format!("http://{addr}");
            path = match location.strip_prefix(&absolute_prefix) {
                Some(rest) => rest.to_owned(),
                None => {
                    assert!(
                        location.starts_with('/'),
                        "{start}: unexpected location {location}"
                    );
                    assert!(
                        !start.contains("absolute"),
                        "{start}: relative location {location}"
                    );
                    location
                }
            };
            assert!(hops <= 4, "{start}: chain too long");
        };
        assert_eq!(hops, 4, "{start}");
        assert_eq!(path, "/get");
        assert_eq!(final_reply.status, StatusCode::OK);
    }

    let reply = send(
        addr,
        build(
            addr,
            Method::POST,
            "/redirect-to?url=/anything&status_code=307",
            &[],
            Bytes::new(),
        ),
    )
    .await?;
    assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(reply.header("location"), "/anything");
    let reply = get(
        addr,
        "/redirect-to?url=http%3A%2F%2Fexample.com%2F&status_code=200",
    )
    .await?;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.header("location"), "http://example.com/");
    assert_eq!(
        get(addr, "/redirect/0").await?.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(addr, "/redirect-to").await?.status,
        StatusCode::BAD_REQUEST
    );
    Ok(())
}

#[tokio::test]
async fn cookies_are_set_echoed_and_deleted() -> TestResult {
    let target = plain_target();
    let addr = target.local_addr();
    let reply = get(addr, "/cookies/set?k1=v1&k2=v%202").await?;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.header("location"), "/cookies");
    let set: Vec<&str> = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert_eq!(set, ["k1=v1; Path=/", "k2=v 2; Path=/"]);

    let reply = get(addr, "/cookies/set/name/value").await?;
    assert_eq!(reply.header("set-cookie"), "name=value; Path=/");

    let reply = get_with(addr, "/cookies", &[("cookie", "a=1; b=two")]).await?;
    assert_eq!(reply.json(), json!({"cookies": {"a": "1", "b": "two"}}));

    let reply = get(addr, "/cookies/delete?a").await?;
    assert_eq!(reply.status, StatusCode::FOUND);
    let deletion = reply.header("set-cookie");
    assert!(
        deletion.starts_with("a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
        "{deletion}"
    );
    assert!(deletion.contains("Max-Age=0"), "{deletion}");

    assert_eq!(
        get(addr, "/cookies/set?bad%3Bname=v").await?.status,
        StatusCode::BAD_REQUEST
    );
    Ok(())
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

#[tokio::test]
async fn basic_and_bearer_auth_accept_and_reject() -> TestResult {
    let target = plain_target();
    let addr = target.local_addr();
    let good = basic("user", "pa ss");
    let bad = basic("user", "wrong");

    let reply = get_with(
        addr,
        "/basic-auth/user/pa%20ss",
        &[("authorization", &good)],
    )
    .await?;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"authenticated": true, "user": "user"}));
    let reply = get_with(addr, "/basic-auth/user/pa%20ss", &[("authorization", &bad)]).await?;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.header("www-authenticate"),
        "Basic realm=\"Fake Realm\""
    );
    let reply = get(addr, "/basic-auth/user/pa%20ss").await?;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = get_with(
        addr,
        "/basic-auth/user/pa%20ss",
        &[("authorization", "Basic !!!")],
    )
    .await?;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);

    let reply = get_with(
        addr,
        "/hidden-basic-auth/user/pa%20ss",
        &[("authorization", &good)],
    )
    .await?;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = get_with(
        addr,
        "/hidden-basic-auth/user/pa%20ss",
        &[("authorization", &bad)],
    )
    .await?;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    let reply = get_with(addr, "/bearer", &[("authorization", "Bearer tok123")]).await?;
    assert_eq!(
        reply.json(),
        json!({"authenticated": true, "token": "tok123"})
    );
    let reply = get(addr, "/bearer").await?;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.header("www-authenticate"), "Bearer");
    Ok(())
}

/// Runs the full challenge/response handshake the way a client does.
async fn digest_handshake(
    addr: SocketAddr,
    path: &str,
    algorithm: &str,
    password: &str,
) -> Result<Reply, Box<dyn std::error::Error + Send + Sync>> {
    let challenge = get(addr, path).await?;
    assert_eq!(challenge.status, StatusCode::UNAUTHORIZED);
    let params = parse_challenge(challenge.header("www-authenticate"));
    assert_eq!(
        params.get("realm").map(String::as_str),
        Some("me@kennethreitz.com")
    );
    assert_eq!(params.get("qop").map(String::as_str), Some("auth"));
    assert_eq!(params.get("algorithm").map(String::as_str), Some(algorithm));
    let nonce = params.get("nonce").cloned().unwrap_or_default();
    let opaque = params.get("opaque").cloned().unwrap_or_default();
    assert!(!nonce.is_empty() && !opaque.is_empty());
    let (cnonce, nc) = (TEST_CNONCE, TEST_NC);
    let response = client_response(algorithm, "user", password, &nonce, path).unwrap_or_default();
    let authorization = format!(
        "Digest username=\"user\", realm=\"me@kennethreitz.com\", nonce=\"{nonce}\", uri=\"{path}\", \
         algorithm={algorithm}, qop=auth, nc={nc}, cnonce=\"{cnonce}\", response=\"{response}\", opaque=\"{opaque}\""
    );
    get_with(addr, path, &[("authorization", &authorization)]).await
}

#[tokio::test]
async fn digest_auth_handshake_succeeds_with_the_right_password_only() -> TestResult {
    let target = plain_target();
    let addr = target.local_addr();
    let reply = digest_handshake(addr, "/digest-auth/auth/user/passwd", "MD5", "passwd").await?;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"authenticated": true, "user": "user"}));

    let reply = digest_handshake(
        addr,
        "/digest-auth/auth/user/passwd/SHA-256",
        "SHA-256",
        "passwd",
    )
    .await?;
    assert_eq!(reply.status, StatusCode::OK);

    let reply = digest_handshake(
        addr,
        "/digest-auth/auth/user/passwd/SHA-256",
        "SHA-256",
        "wrong",
    )
    .await?;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.header("www-authenticate").starts_with("Digest "));

    // A nonce this server did not issue is refused even with a correct hash.
    let path = "/digest-auth/auth/user/passwd";
    let nonce = "0".repeat(64);
    let response = client_response("MD5", "user", "passwd", &nonce, path).unwrap_or_default();
    let forged = format!(
        "Digest username=\"user\", realm=\"me@kennethreitz.com\", nonce=\"{nonce}\", uri=\"{path}\", qop=auth, nc={TEST_NC}, cnonce=\"{TEST_CNONCE}\", response=\"{response}\""
    );
    assert_eq!(
        get_with(addr, path, &[("authorization", &forged)])
            .await?
            .status,
        StatusCode::UNAUTHORIZED
    );

    assert_eq!(
        get(addr, "/digest-auth/auth/user/passwd/SHA-1")
            .await?
            .status,
        StatusCode::BAD_REQUEST
    );
    Ok(())
}

#[tokio::test]
async fn compressed_endpoints_round_trip() -> TestResult {
    let target = plain_target();
    let addr = target.local_addr();
    let cases: [(&str, &str, &str); 4] = [
        ("/gzip", "gzip", "gzipped"),
        ("/deflate", "deflate", "deflated"),
        ("/brotli", "br", "brotli"),
        ("/zstd", "zstd", "zstd"),
    ];
    for (path, encoding, flag) in cases {
        let reply = get(addr, path).await?;
        assert_eq!(reply.header("content-encoding"), encoding);
        let mut plain = Vec::new();
        match encoding {
            "gzip" => {
                flate2::read::GzDecoder::new(&reply.body[..]).read_to_end(&mut plain)?;
            }
            "deflate" => {
                flate2::read::ZlibDecoder::new(&reply.body[..]).read_to_end(&mut plain)?;
            }
            "br" => {
                brotli::Decompressor::new(&reply.body[..], 4096).read_to_end(&mut plain)?;
            }
            _ => plain = zstd::decode_all(&reply.body[..])?,
        }
        let body: Value = serde_json::from_slice(&plain)?;
        assert_eq!(body[flag], true, "{path}");
        assert_eq!(body["method"], "GET");
        assert_eq!(body["headers"]["Host"], addr.to_string());
    }
    Ok(())
}

#[tokio::test]
async fn generated_payloads_have_the_requested_sizes() -> TestResult {
    let target = plain_target();
    let addr = target.local_addr();
    let reply = get(addr, "/bytes/1024").await?;
    assert_eq!(reply.body.len(), 1024);
    assert_eq!(reply.header("content-type"), "application/octet-stream");
    let first = get(addr, "/bytes/64?seed=7").await?.body;
    let second = get(addr, "/bytes/64?seed=7").await?.body;
    assert_eq!(first, second);
    assert_eq!(get(addr, "/bytes/0").await?.body.len(), 0);

    let reply = get(addr, "/stream-bytes/5000?chunk_size=999").await?;
    assert_eq!(reply.body.len(), 5000);
    assert_eq!(reply.header("transfer-encoding"), "chunked");

    let reply = get_with(addr, "/range/100", &[("range", "bytes=10-19")]).await?;
    assert_eq!(reply.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(&reply.body[..], b"klmnopqrst");
    assert_eq!(reply.header("content-range"), "bytes 10-19/100");
    let reply = get(addr, "/range/30").await?;
    assert_eq!(&reply.body[..], b"abcdefghijklmnopqrstuvwxyzabcd");
    let reply = get_with(addr, "/range/10", &[("range", "bytes=50-")]).await?;
    assert_eq!(reply.status, StatusCode::RANGE_NOT_SATISFIABLE);

    let reply = get(addr, "/drip?duration=0&numbytes=5").await?;
    assert_eq!(&reply.body[..], b"*****");
    assert_eq!(reply.header("content-length"), "5");
    let reply = get(addr, "/drip?duration=0&numbytes=3&code=201").await?;
    assert_eq!(reply.status, StatusCode::CREATED);

    let uuid = get(addr, "/uuid").await?.json();
    assert!(
        uuid["uuid"]
            .as_str()
            .is_some_and(|u| uuid::Uuid::parse_str(u).is_ok())
    );
    assert_eq!(
        &get(addr, "/base64/SGVsbG8sIHJrNiE").await?.body[..],
        b"Hello, rk6!"
    );
    Ok(())
}

#[tokio::test]
async fn bad_input_gets_400_with_a_json_error() -> TestResult {
    let target = plain_target();
    let addr = target.local_addr();
    for path in [
        "/bytes/abc",
        "/bytes/-1",
        "/stream-bytes/10?chunk_size=0",
        "/bytes/10?seed=x",
        "/delay/-1",
        "/delay/soon",
        "/base64/%%%",
        "/base64/!!!!",
        "/drip?numbytes=0",
        "/drip?duration=x",
        "/response-headers?bad%20name=v",
        "/response-headers?content-length=1",
        "/basic-auth/%ff/x",
    ] {
        let reply = get(addr, path).await?;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(reply.json()["error"].is_string(), "{path}");
    }
    let reply = get(addr, "/no/such/path").await?;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn simple_documents_and_introspection() -> TestResult {
    let target = plain_target();
    let addr = target.local_addr();
    let html = get(addr, "/html").await?;
    assert!(html.header("content-type").starts_with("text/html"));
    let text = String::from_utf8_lossy(&html.body);
    assert!(text.contains("<title>") && text.contains("<form") && text.contains("data-id="));
    assert!(get(addr, "/json").await?.json()["slideshow"].is_object());
    assert_eq!(
        get(addr, "/xml").await?.header("content-type"),
        "application/xml"
    );
    assert!(String::from_utf8_lossy(&get(addr, "/").await?.body).contains("/digest-auth"));

    let reply = get_with(addr, "/headers", &[("x-api-key", "k")]).await?;
    assert_eq!(reply.json()["headers"]["X-Api-Key"], "k");
    assert_eq!(
        get(addr, "/ip").await?.json(),
        json!({"origin": "127.0.0.1"})
    );
    let reply = get_with(addr, "/user-agent", &[("user-agent", "rk6/1")]).await?;
    assert_eq!(reply.json(), json!({"user-agent": "rk6/1"}));

    let reply = get(addr, "/delay/0").await?;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.json()["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/delay/0"))
    );

    let reply = get(addr, "/response-headers?X-Foo=bar&X-Foo=baz&freeform=1").await?;
    let values: Vec<&str> = reply
        .headers
        .get_all("x-foo")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert_eq!(values, ["bar", "baz"]);
    let body = reply.json();
    assert_eq!(body["X-Foo"], json!(["bar", "baz"]));
    assert_eq!(body["Content-Length"], reply.body.len().to_string());

    let preflight = send(
        addr,
        build(
            addr,
            Method::OPTIONS,
            "/post",
            &[("origin", "http://a.test")],
            Bytes::new(),
        ),
    )
    .await?;
    assert_eq!(preflight.status, StatusCode::OK);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        "http://a.test"
    );
    Ok(())
}

#[tokio::test]
async fn keep_alive_serves_several_requests_on_one_connection() -> TestResult {
    let target = plain_target();
    let addr = target.local_addr();
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    let conn = tokio::spawn(conn);
    for i in 0..5 {
        sender.ready().await?;
        let reply = collect(
            sender
                .send_request(build(
                    addr,
                    Method::GET,
                    &format!("/get?i={i}"),
                    &[],
                    Bytes::new(),
                ))
                .await?,
        )
        .await?;
        assert_eq!(reply.json()["args"]["i"], i.to_string());
    }
    assert!(!conn.is_finished());
    Ok(())
}

#[tokio::test]
async fn reset_endpoint_resets_the_connection() -> TestResult {
    let target = plain_target();
    let mut stream = TcpStream::connect(target.local_addr()).await?;
    stream
        .write_all(b"GET /reset HTTP/1.1\r\nHost: t\r\n\r\n")
        .await?;
    let mut buf = [0u8; 64];
    let outcome = stream.read(&mut buf).await;
    match outcome {
        Err(err) => assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset),
        Ok(n) => panic!(
            "expected a connection reset, read {n} bytes: {:?}",
            &buf[..n]
        ),
    }

    // A hyper client sees it as a failed request, not a response.
    let addr = target.local_addr();
    assert!(get(addr, "/reset").await.is_err());
    // The server itself keeps serving.
    assert_eq!(get(addr, "/get").await?.status, StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn close_endpoint_closes_after_responding() -> TestResult {
    let target = plain_target();
    let mut stream = TcpStream::connect(target.local_addr()).await?;
    stream
        .write_all(b"GET /close HTTP/1.1\r\nHost: t\r\n\r\n")
        .await?;
    let mut response = Vec::new();
    // Reaching EOF at all shows the server closed its side.
    stream.read_to_end(&mut response).await?;
    let text = String::from_utf8_lossy(&response).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 200"), "{text}");
    assert!(text.contains("connection: close"), "{text}");
    Ok(())
}

#[tokio::test]
async fn http2_prior_knowledge_is_served() -> TestResult {
    let target = plain_target();
    let addr = target.local_addr();
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let request = Request::builder()
        .uri(format!("http://{addr}/get?h=2"))
        .body(Full::new(Bytes::new()))?;
    let reply = collect(sender.send_request(request).await?).await?;
    assert_eq!(reply.version, Version::HTTP_2);
    let body = reply.json();
    assert_eq!(body["args"]["h"], "2");
    assert_eq!(body["headers"]["Host"], addr.to_string());
    Ok(())
}

#[tokio::test]
async fn shutdown_stops_listening() -> TestResult {
    let handle = start(TargetConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        tls: None,
    })
    .await?;
    let addr = handle.local_addr();
    assert_eq!(get(addr, "/get").await?.status, StatusCode::OK);
    handle.shutdown().await;
    assert!(TcpStream::connect(addr).await.is_err());

    let background = plain_target();
    let addr = background.local_addr();
    drop(background);
    assert!(TcpStream::connect(addr).await.is_err());
    Ok(())
}

struct TlsFixture {
    _dir: tempfile::TempDir,
    files: TlsFiles,
    cert_der: rustls_pki_types::CertificateDer<'static>,
}

fn tls_fixture() -> Result<TlsFixture, Box<dyn std::error::Error + Send + Sync>> {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
    let dir = tempfile::tempdir()?;
    let files = TlsFiles {
        cert_pem: dir.path().join("cert.pem"),
        key_pem: dir.path().join("key.pem"),
    };
    std::fs::write(&files.cert_pem, certified.cert.pem())?;
    std::fs::write(&files.key_pem, certified.signing_key.serialize_pem())?;
    Ok(TlsFixture {
        _dir: dir,
        files,
        cert_der: certified.cert.der().clone(),
    })
}

async fn tls_connect(
    addr: SocketAddr,
    fixture: &TlsFixture,
    alpn: &[&[u8]],
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, Box<dyn std::error::Error + Send + Sync>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(fixture.cert_der.clone())?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let stream = TcpStream::connect(addr).await?;
    let server_name = rustls_pki_types::ServerName::try_from("localhost")?;
    Ok(connector.connect(server_name, stream).await?)
}

#[tokio::test]
async fn tls_negotiates_h2_and_http1_via_alpn() -> TestResult {
    let fixture = tls_fixture()?;
    let target = spawn_background(TargetConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        tls: Some(fixture.files.clone()),
    })?;
    let addr = target.local_addr();

    let tls = tls_connect(addr, &fixture, &[b"h2", b"http/1.1"]).await?;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls)).await?;
    tokio::spawn(conn);
    let request = Request::builder()
        .uri(format!("https://localhost:{}/get", addr.port()))
        .body(Full::new(Bytes::new()))?;
    let reply = collect(sender.send_request(request).await?).await?;
    assert_eq!(reply.version, Version::HTTP_2);
    assert_eq!(
        reply.json()["url"],
        format!("https://localhost:{}/get", addr.port())
    );

    let tls = tls_connect(addr, &fixture, &[b"http/1.1"]).await?;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
    tokio::spawn(conn);
    let mut request = build(addr, Method::GET, "/anything/tls", &[], Bytes::new());
    request
        .headers_mut()
        .insert(header::HOST, HeaderValue::from_static("localhost"));
    let reply = collect(sender.send_request(request).await?).await?;
    assert_eq!(reply.version, Version::HTTP_11);
    assert_eq!(reply.json()["url"], "https://localhost/anything/tls");
    Ok(())
}

#[test]
fn tls_config_errors_are_reported_not_panicked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = TlsFiles {
        cert_pem: dir.path().join("none.pem"),
        key_pem: dir.path().join("none.key"),
    };
    let result = spawn_background(TargetConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        tls: Some(missing),
    });
    let err = result.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("none.pem"), "{err}");

    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a pem").expect("write");
    let files = TlsFiles {
        cert_pem: garbage.clone(),
        key_pem: garbage,
    };
    let result = spawn_background(TargetConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        tls: Some(files),
    });
    assert!(result.is_err());
}

/// Reads one response head and its `Content-Length` body from a raw keep-alive connection.
async fn read_response(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")?
                        .parse()
                        .ok()
                })
                .unwrap_or(0usize);
            if body.len() >= length {
                return Ok(text);
            }
        }
    }
}

#[tokio::test]
async fn keepalive_close_closes_the_connection_under_the_next_request() -> TestResult {
    let target = plain_target();
    let mut stream = TcpStream::connect(target.local_addr()).await?;
    stream
        .write_all(b"GET /keepalive-close HTTP/1.1\r\nHost: t\r\n\r\n")
        .await?;
    let first = read_response(&mut stream).await?;
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(
        !first.to_ascii_lowercase().contains("connection: close"),
        "{first}"
    );
    stream
        .write_all(b"GET /get HTTP/1.1\r\nHost: t\r\n\r\n")
        .await?;
    // A clean EOF (FIN), no response bytes and no reset.
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await?;
    assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
    // Other connections are served as usual.
    assert_eq!(
        get(target.local_addr(), "/get").await?.status,
        StatusCode::OK
    );
    Ok(())
}

/// `GET path` with `Connection: close`, read to the end on a raw socket (hyper's client
/// refuses more than 100 header lines).
async fn raw_get(addr: SocketAddr, path: &str) -> std::io::Result<(String, usize)> {
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |p| p + 4);
    let head = String::from_utf8_lossy(&raw[..head_end]).to_string();
    Ok((head, raw.len() - head_end))
}

#[tokio::test]
async fn limit_endpoints_have_the_requested_sizes() -> TestResult {
    let target = plain_target();
    let addr = target.local_addr();
    let (head, _) = raw_get(addr, "/many-headers/1000").await?;
    assert_eq!(
        head.lines().filter(|l| l.starts_with("x-header-")).count(),
        1000
    );
    let (head, _) = raw_get(addr, "/big-headers/512").await?;
    let block: usize = head
        .lines()
        .filter(|l| l.starts_with("x-big-"))
        .map(|l| l.len() + 2)
        .sum();
    assert!((512 * 1024 - 1000..=512 * 1024).contains(&block), "{block}");
    let (head, body) = raw_get(addr, "/big-body/3000000").await?;
    assert!(
        head.to_ascii_lowercase()
            .contains("content-length: 3000000"),
        "{head}"
    );
    assert_eq!(body, 3_000_000);
    Ok(())
}

#[tokio::test]
async fn hang_never_answers() -> TestResult {
    let target = plain_target();
    let mut stream = TcpStream::connect(target.local_addr()).await?;
    stream
        .write_all(b"GET /hang HTTP/1.1\r\nHost: t\r\n\r\n")
        .await?;
    let mut buf = [0u8; 16];
    let read =
        tokio::time::timeout(std::time::Duration::from_millis(500), stream.read(&mut buf)).await;
    assert!(read.is_err(), "answered: {read:?}");
    Ok(())
}
