//! k6's HTTP error codes (`lib/netext/httpext/error_codes.go`) and Go-style messages, so the
//! `error` and `error_code` tags, `res.error` and the "Request Failed" warning match k6's.

use crate::go_strconv::go_quote;
use std::net::SocketAddr;

#[derive(Clone, Debug, PartialEq)]
pub struct HttpError {
    pub code: u32,
    /// The message k6 puts in `res.error` and the `error` tag (short, low-cardinality).
    pub message: String,
    /// The full Go-style message k6 logs in its "Request Failed" warning, without the
    /// `Get "url": ` prefix (added by the caller, which knows the method and URL).
    pub detail: String,
    /// Whether the warning gets the `Get "url": ` prefix (Go's `*url.Error` wrapping); k6
    /// logs some errors (body timeouts, decompression) bare.
    pub wrapped: bool,
}

impl HttpError {
    pub fn new(code: u32, message: impl Into<String>) -> Self {
        let message = message.into();
        HttpError {
            code,
            detail: message.clone(),
            message,
            wrapped: true,
        }
    }

    pub fn with_detail(code: u32, message: impl Into<String>, detail: impl Into<String>) -> Self {
        HttpError {
            code,
            message: message.into(),
            detail: detail.into(),
            wrapped: true,
        }
    }

    /// The same error, logged without the `Get "url": ` prefix.
    pub fn bare(mut self) -> Self {
        self.wrapped = false;
        self
    }

    pub fn is_timeout(&self) -> bool {
        self.code == REQUEST_TIMEOUT
    }

    /// The text of k6's "Request Failed" warning and of the exception with `throw`.
    pub fn warning(&self, method: &str, url: &str) -> String {
        if !self.wrapped {
            return self.detail.clone();
        }
        format!(
            "{} {}: {}",
            go_method_name(method),
            go_quote(url),
            self.detail
        )
    }
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub const GENERIC: u32 = 1000;
pub const INVALID_URL: u32 = 1020;
pub const REQUEST_TIMEOUT: u32 = 1050;
pub const DNS_GENERIC: u32 = 1100;
pub const DNS_NO_SUCH_HOST: u32 = 1101;
pub const BLACKLISTED_IP: u32 = 1110;
pub const BLOCKED_HOSTNAME: u32 = 1111;
pub const TCP_GENERIC: u32 = 1200;
pub const TCP_BROKEN_PIPE: u32 = 1201;
pub const DIAL_GENERIC: u32 = 1210;
pub const DIAL_TIMEOUT: u32 = 1211;
pub const DIAL_REFUSED: u32 = 1212;
pub const TCP_RESET: u32 = 1220;
pub const TLS_GENERIC: u32 = 1300;
pub const TLS_RECORD_HEADER: u32 = 1301;
pub const TLS_UNKNOWN_AUTHORITY: u32 = 1310;
pub const TLS_HOSTNAME_MISMATCH: u32 = 1311;
pub const HTTP2_GOAWAY: u32 = 1610;
pub const HTTP2_STREAM: u32 = 1630;
pub const HTTP2_CONNECTION: u32 = 1650;
pub const DECOMPRESSION: u32 = 1701;

/// The error code k6 gives an HTTP status (4xx → 1400+, 5xx → 1500+), or 0.
pub fn status_error_code(status: u16) -> u32 {
    if (400..600).contains(&status) {
        1000 + status as u32
    } else {
        0
    }
}

/// How Go's `url.Error` names a method: `Get`, `Post`, `Delete`, `Ge t`…
pub fn go_method_name(method: &str) -> String {
    let mut out = String::with_capacity(method.len());
    for (i, c) in method.chars().enumerate() {
        if i == 0 {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Go's `net.OpError` prefix: `read tcp 127.0.0.1:5000->127.0.0.1:80`.
fn op_prefix(op: &str, local: Option<SocketAddr>, remote: SocketAddr) -> String {
    match local {
        Some(l) => format!("{op} tcp {l}->{remote}"),
        None => format!("{op} tcp {remote}"),
    }
}

/// Classifies an I/O error from dialing `addr` the way Go reports it.
pub fn dial_error(addr: SocketAddr, e: &std::io::Error) -> HttpError {
    use std::io::ErrorKind::*;
    match e.kind() {
        ConnectionRefused => HttpError::with_detail(
            DIAL_REFUSED,
            "dial: connection refused",
            format!("dial tcp {addr}: connect: connection refused"),
        ),
        TimedOut => dial_timeout(addr),
        _ => HttpError::with_detail(
            DIAL_GENERIC,
            format!("dial tcp {addr}: {}", io_text(e)),
            format!("dial tcp {addr}: {}", io_text(e)),
        ),
    }
}

/// The dialer gave up (k6's dialer times out after 30 s).
pub fn dial_timeout(addr: SocketAddr) -> HttpError {
    HttpError::with_detail(
        DIAL_TIMEOUT,
        "dial: i/o timeout",
        format!("dial tcp {addr}: i/o timeout"),
    )
}

/// The request's own `timeout` expired.
pub fn request_timeout() -> HttpError {
    HttpError::new(REQUEST_TIMEOUT, "request timeout")
}

/// Go's lower-case syscall wording for an I/O error, without Rust's "(os error N)".
fn io_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    let s = match s.find(" (os error") {
        Some(i) => &s[..i],
        None => &s,
    };
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Classifies an I/O error seen while the request/response is in flight.
pub fn io_error(local: Option<SocketAddr>, remote: SocketAddr, io: &std::io::Error) -> HttpError {
    match io.kind() {
        std::io::ErrorKind::ConnectionReset => HttpError::with_detail(
            TCP_RESET,
            "read: connection reset by peer",
            format!(
                "{}: read: connection reset by peer",
                op_prefix("read", local, remote)
            ),
        ),
        std::io::ErrorKind::BrokenPipe => HttpError::with_detail(
            TCP_BROKEN_PIPE,
            "write: broken pipe",
            format!("{}: write: broken pipe", op_prefix("write", local, remote)),
        ),
        std::io::ErrorKind::UnexpectedEof => HttpError::new(GENERIC, "unexpected EOF"),
        _ => {
            let msg = format!("{}: {}", op_prefix("read", local, remote), io_text(io));
            HttpError::new(TCP_GENERIC, msg)
        }
    }
}

/// Maps an HTTP/2 error code to k6's offset within a 16-code block (0 = unknown).
fn h2_offset(reason: Option<h2::Reason>) -> u32 {
    match reason {
        Some(r) if u32::from(r) <= 0xd => 1 + u32::from(r),
        _ => 0,
    }
}

fn h2_code_name(reason: Option<h2::Reason>) -> String {
    match reason {
        // Go's http2.ErrCode names.
        Some(r) => match u32::from(r) {
            0x0 => "NO_ERROR".into(),
            0x1 => "PROTOCOL_ERROR".into(),
            0x2 => "INTERNAL_ERROR".into(),
            0x3 => "FLOW_CONTROL_ERROR".into(),
            0x4 => "SETTINGS_TIMEOUT".into(),
            0x5 => "STREAM_CLOSED".into(),
            0x6 => "FRAME_SIZE_ERROR".into(),
            0x7 => "REFUSED_STREAM".into(),
            0x8 => "CANCEL".into(),
            0x9 => "COMPRESSION_ERROR".into(),
            0xa => "CONNECT_ERROR".into(),
            0xb => "ENHANCE_YOUR_CALM".into(),
            0xc => "INADEQUATE_SECURITY".into(),
            0xd => "HTTP_1_1_REQUIRED".into(),
            n => format!("unknown error code 0x{n:x}"),
        },
        None => "unknown".into(),
    }
}

fn h2_error(e: &h2::Error) -> Option<HttpError> {
    if e.is_io() {
        return None;
    }
    let reason = e.reason();
    let name = h2_code_name(reason);
    let off = h2_offset(reason);
    Some(if e.is_go_away() {
        HttpError::new(
            HTTP2_GOAWAY + off,
            format!("http2: received GoAway with http2 ErrCode {name}"),
        )
    } else if e.is_reset() {
        HttpError::new(
            HTTP2_STREAM + off,
            format!("http2: stream error with http2 ErrCode {name}"),
        )
    } else {
        HttpError::new(
            HTTP2_CONNECTION + off,
            format!("http2: connection error with http2 ErrCode {name}"),
        )
    })
}

/// Classifies an error from hyper while the request/response is in flight.
pub fn request_error(
    local: Option<SocketAddr>,
    remote: SocketAddr,
    e: &(dyn std::error::Error + 'static),
) -> HttpError {
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return io_error(local, remote, io);
        }
        if let Some(h) = s.downcast_ref::<h2::Error>()
            && let Some(err) = h2_error(h)
        {
            return err;
        }
        src = s.source();
    }
    if let Some(h) = e.downcast_ref::<hyper::Error>()
        && h.is_parse_too_large()
    {
        // k6 v1.1.0's warning wraps it in Go's `transportReadFromServerError`.
        let message = format!(
            "net/http: server response headers exceeded {} bytes; aborted",
            super::transport::MAX_RESPONSE_HEADER_BYTES
        );
        let detail = format!("net/http: HTTP/1.x transport connection broken: {message}");
        return HttpError::with_detail(GENERIC, message, detail);
    }
    if let Some(h) = e.downcast_ref::<hyper::Error>()
        && (h.is_incomplete_message() || h.is_canceled() || h.is_closed())
    {
        // The server closed the connection without (a complete) response: Go says EOF.
        return HttpError::new(GENERIC, "EOF");
    }
    HttpError::new(GENERIC, e.to_string())
}

/// A response head with more lines than rk6 reads (`MAX_RESPONSE_HEADER_LINES`) but within
/// Go's byte limit: k6 would read it; rk6 says which of its limits it hit.
pub fn too_many_header_lines() -> HttpError {
    HttpError::new(
        GENERIC,
        format!(
            "server response headers exceeded {} lines (rk6's limit); aborted",
            super::transport::MAX_RESPONSE_HEADER_LINES
        ),
    )
}

/// Classifies a failed TLS handshake like Go's crypto/tls and x509 errors.
pub fn tls_error(host: &str, e: &std::io::Error) -> HttpError {
    let rustls_err = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    use rustls::{CertificateError, Error};
    match rustls_err {
        // Go reports a self-signed or otherwise unchained certificate as an unknown authority.
        Some(Error::InvalidCertificate(
            CertificateError::UnknownIssuer
            | CertificateError::BadSignature
            | CertificateError::Other(_),
        )) => HttpError::with_detail(
            TLS_UNKNOWN_AUTHORITY,
            "x509: unknown authority",
            "tls: failed to verify certificate: x509: certificate signed by unknown authority",
        ),
        Some(Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            presented,
            ..
        })) => HttpError::with_detail(
            TLS_HOSTNAME_MISMATCH,
            "x509: certificate doesn't match hostname",
            format!(
                "tls: failed to verify certificate: {}",
                go_hostname_error(host, presented)
            ),
        ),
        Some(Error::InvalidCertificate(CertificateError::NotValidForName)) => {
            HttpError::with_detail(
                TLS_HOSTNAME_MISMATCH,
                "x509: certificate doesn't match hostname",
                format!(
                    "tls: failed to verify certificate: x509: certificate is not valid for {host}"
                ),
            )
        }
        // A TLS request to a plain-HTTP port: Go sees a record header that is not TLS
        // (k6 v1.1.0: error "tls: first record does not look like a TLS handshake", 1301,
        // and Go's transport words the warning as below when the bytes read `HTTP/`).
        Some(Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)) => {
            HttpError::with_detail(
                TLS_RECORD_HEADER,
                "tls: first record does not look like a TLS handshake",
                "http: server gave HTTP response to HTTPS client",
            )
        }
        Some(Error::InvalidCertificate(CertificateError::Expired))
        | Some(Error::InvalidCertificate(CertificateError::ExpiredContext { .. })) => {
            let m = "tls: failed to verify certificate: x509: certificate has expired or is not yet valid";
            HttpError::new(GENERIC, m)
        }
        Some(Error::AlertReceived(alert)) => {
            let name = format!("{alert:?}");
            HttpError::new(GENERIC, format!("remote error: tls: {}", alert_text(&name)))
        }
        Some(other) => HttpError::new(TLS_GENERIC, format!("tls: {other}")),
        None => HttpError::new(TLS_GENERIC, format!("tls: {}", io_text(e))),
    }
}

/// Go's `x509.HostnameError` text from the names webpki lists (`DnsName("a")`,
/// `IpAddress(127.0.0.1)`): the IP SANs when the host is an IP, else the DNS names.
fn go_hostname_error(host: &str, presented: &[String]) -> String {
    let inner = |p: &str, prefix: &str| -> Option<String> {
        p.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(')'))
            .map(|r| r.trim_matches('"').to_string())
    };
    let host_is_ip = host
        .trim_matches(|c| c == '[' || c == ']')
        .parse::<std::net::IpAddr>()
        .is_ok();
    let names: Vec<String> = presented
        .iter()
        .filter_map(|p| {
            if host_is_ip {
                inner(p, "IpAddress(")
            } else {
                inner(p, "DnsName(")
            }
        })
        .collect();
    if host_is_ip && names.is_empty() {
        return format!(
            "x509: cannot validate certificate for {host} because it doesn't contain any IP SANs"
        );
    }
    if names.is_empty() {
        return format!("x509: certificate is not valid for any names, but wanted to match {host}");
    }
    format!(
        "x509: certificate is valid for {}, not {host}",
        names.join(", ")
    )
}

/// Go's alert text: `HandshakeFailure` → `handshake failure`.
fn alert_text(debug_name: &str) -> String {
    let mut out = String::new();
    for (i, c) in debug_name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push(' ');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_map_like_k6() {
        assert_eq!(status_error_code(404), 1404);
        assert_eq!(status_error_code(503), 1503);
        assert_eq!(status_error_code(200), 0);
        assert_eq!(status_error_code(302), 0);
    }

    // Confirmed on k6 v1.1.0: `Get "http://127.0.0.1:1/": dial tcp 127.0.0.1:1: connect:
    // connection refused`, error "dial: connection refused", code 1212.
    #[test]
    fn refused_dial_message_matches_go() {
        let e = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let h = dial_error(addr, &e);
        assert_eq!(h.code, DIAL_REFUSED);
        assert_eq!(h.message, "dial: connection refused");
        assert_eq!(
            h.warning("GET", "http://127.0.0.1:1/"),
            "Get \"http://127.0.0.1:1/\": dial tcp 127.0.0.1:1: connect: connection refused"
        );
    }

    // Confirmed on k6 v1.1.0: `read tcp 127.0.0.1:42514->127.0.0.1:18080: read: connection
    // reset by peer`, error "read: connection reset by peer", code 1220.
    #[test]
    fn reset_message_names_both_ends() {
        let e = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let h = io_error(
            Some("127.0.0.1:5000".parse().unwrap()),
            "127.0.0.1:80".parse().unwrap(),
            &e,
        );
        assert_eq!(h.code, TCP_RESET);
        assert_eq!(h.message, "read: connection reset by peer");
        assert_eq!(
            h.detail,
            "read tcp 127.0.0.1:5000->127.0.0.1:80: read: connection reset by peer"
        );
    }

    #[test]
    fn dial_timeout_is_1211() {
        let e = std::io::Error::from(std::io::ErrorKind::TimedOut);
        let h = dial_error("10.0.0.1:80".parse().unwrap(), &e);
        assert_eq!((h.code, h.message.as_str()), (1211, "dial: i/o timeout"));
    }

    #[test]
    fn go_names_methods_like_url_error() {
        assert_eq!(go_method_name("GET"), "Get");
        assert_eq!(go_method_name("GE T"), "Ge t");
        assert_eq!(go_method_name("delete"), "Delete");
    }

    #[test]
    fn h2_codes_follow_k6_offsets() {
        // A bare reason is a connection-level error; RST_STREAM frames arrive as resets.
        let e = h2::Error::from(h2::Reason::REFUSED_STREAM);
        let h = h2_error(&e).unwrap();
        assert_eq!(h.code, HTTP2_CONNECTION + 8);
        assert_eq!(
            h.message,
            "http2: connection error with http2 ErrCode REFUSED_STREAM"
        );
    }

    // Confirmed on k6 v1.1.0 against a certificate for `localhost` and 127.0.0.1.
    #[test]
    fn hostname_errors_read_like_go() {
        let presented = vec![
            "DnsName(\"localhost\")".to_string(),
            "IpAddress(127.0.0.1)".to_string(),
        ];
        assert_eq!(
            go_hostname_error("wrong.test", &presented),
            "x509: certificate is valid for localhost, not wrong.test"
        );
        assert_eq!(
            go_hostname_error("10.0.0.1", &presented),
            "x509: certificate is valid for 127.0.0.1, not 10.0.0.1"
        );
        assert_eq!(
            go_hostname_error("10.0.0.1", &presented[..1]),
            "x509: cannot validate certificate for 10.0.0.1 because it doesn't contain any IP SANs"
        );
    }

    #[test]
    fn alerts_read_like_go() {
        assert_eq!(alert_text("HandshakeFailure"), "handshake failure");
    }
}
