//! `--http-debug[=full]`: requests and responses printed the way k6 prints them (Go's
//! `httputil.DumpRequestOut`/`DumpResponse` with `\r\n` turned into `\n`).

use http::{HeaderMap, Version};

/// Go's canonical header name (`content-type` → `Content-Type`).
pub fn canonical_header(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if upper {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        upper = c == '-';
    }
    out
}

fn sorted_headers(headers: &HeaderMap, skip: &[&str]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| {
            (
                canonical_header(k.as_str()),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    // Stable: values of one header keep their order.
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn body_text(body: &[u8], full: bool) -> std::borrow::Cow<'_, str> {
    if full {
        String::from_utf8_lossy(body)
    } else {
        std::borrow::Cow::Borrowed("")
    }
}

/// The `Request:` message: request line, Host, User-Agent, Content-Length, the other
/// headers sorted, then the body with `full`.
pub fn request_message(
    method: &str,
    target: &str,
    host: &str,
    headers: &HeaderMap,
    body: &[u8],
    full: bool,
) -> String {
    let mut s = format!("Request:\n{method} {target} HTTP/1.1\nHost: {host}\n");
    if let Some(ua) = headers.get(http::header::USER_AGENT) {
        s.push_str(&format!(
            "User-Agent: {}\n",
            String::from_utf8_lossy(ua.as_bytes())
        ));
    }
    if !body.is_empty() {
        s.push_str(&format!("Content-Length: {}\n", body.len()));
    } else if let Some(len) = headers.get(http::header::CONTENT_LENGTH) {
        s.push_str(&format!(
            "Content-Length: {}\n",
            String::from_utf8_lossy(len.as_bytes())
        ));
    }
    for (k, v) in sorted_headers(headers, &["host", "user-agent", "content-length"]) {
        s.push_str(&format!("{k}: {v}\n"));
    }
    // Go's dumping transport asks for gzip itself (k6's real transport does not, so the
    // target never sees it); k6's dumps show it, so rk6's do too.
    if method != "HEAD"
        && !headers.contains_key(http::header::ACCEPT_ENCODING)
        && !headers.contains_key(http::header::RANGE)
    {
        s.push_str("Accept-Encoding: gzip\n");
    }
    s.push('\n');
    s.push_str(&body_text(body, full));
    s.push('\n');
    s
}

fn proto(v: Version) -> &'static str {
    match v {
        Version::HTTP_2 => "HTTP/2.0",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_09 => "HTTP/0.9",
        _ => "HTTP/1.1",
    }
}

/// The `Response:` message: status line, Content-Length first when non-zero (last when
/// zero, as Go writes it), the other headers sorted, then the body with `full`.
pub fn response_message(
    version: Version,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    full: bool,
) -> String {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut s = format!("Response:\n{} {status} {reason}\n", proto(version));
    let length = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let chunked = length.is_none() && headers.contains_key(http::header::TRANSFER_ENCODING);
    match length {
        Some(n) if n > 0 => s.push_str(&format!("Content-Length: {n}\n")),
        _ if chunked => s.push_str("Transfer-Encoding: chunked\n"),
        _ => {}
    }
    for (k, v) in sorted_headers(headers, &["content-length", "transfer-encoding"]) {
        s.push_str(&format!("{k}: {v}\n"));
    }
    if length == Some(0) {
        s.push_str("Content-Length: 0\n");
    }
    s.push('\n');
    s.push_str(&body_text(body, full));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    // Confirmed on k6 v1.1.0 (`--http-debug=full`, an http.post with header X-A: 1),
    // including the `Accept-Encoding: gzip` line k6 prints but does not send.
    #[test]
    fn request_like_k6() {
        let h = headers(&[("x-a", "1"), ("user-agent", "UA")]);
        assert_eq!(
            request_message("POST", "/post", "127.0.0.1:18080", &h, b"abc", true),
            "Request:\nPOST /post HTTP/1.1\nHost: 127.0.0.1:18080\nUser-Agent: UA\nContent-Length: 3\nX-A: 1\nAccept-Encoding: gzip\n\nabc\n"
        );
        assert_eq!(
            request_message("GET", "/get", "h", &h, b"", false),
            "Request:\nGET /get HTTP/1.1\nHost: h\nUser-Agent: UA\nX-A: 1\nAccept-Encoding: gzip\n\n\n"
        );
    }

    // Confirmed on k6 v1.1.0: a 302 prints `Content-Length: 0` after the sorted headers, a
    // 200 prints `Content-Length` first.
    #[test]
    fn response_like_k6() {
        let h = headers(&[("location", "/get"), ("date", "D"), ("content-length", "0")]);
        assert_eq!(
            response_message(Version::HTTP_11, 302, &h, b"", false),
            "Response:\nHTTP/1.1 302 Found\nDate: D\nLocation: /get\nContent-Length: 0\n\n\n"
        );
        let h = headers(&[
            ("content-type", "application/json"),
            ("content-length", "2"),
        ]);
        assert_eq!(
            response_message(Version::HTTP_2, 200, &h, b"{}", true),
            "Response:\nHTTP/2.0 200 OK\nContent-Length: 2\nContent-Type: application/json\n\n{}\n"
        );
    }
}
