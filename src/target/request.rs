//! What a handler knows about a request: the request with its body read, and the connection it came on.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use hyper::header::{self, HeaderMap, HeaderName};
use hyper::{Method, Uri};
use percent_encoding::percent_decode_str;

use super::digest::DigestKeys;
use super::reset::ResetSwitch;

/// State shared by all connections of one server.
pub(crate) struct SharedState {
    pub(crate) tls: bool,
    pub(crate) local_addr: SocketAddr,
    pub(crate) digest: DigestKeys,
    pub(crate) rooms: Arc<super::websocket::Rooms>,
}

impl SharedState {
    pub(crate) fn new(tls: bool, local_addr: SocketAddr) -> Self {
        Self {
            tls,
            local_addr,
            digest: DigestKeys::random(),
            rooms: Arc::default(),
        }
    }
}

/// One accepted connection.
pub(crate) struct ConnContext {
    pub(crate) peer: SocketAddr,
    pub(crate) reset: Arc<ResetSwitch>,
    pub(crate) shared: Arc<SharedState>,
}

/// A request whose body has been read in full.
pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) uri: Uri,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) ctx: Arc<ConnContext>,
}

impl Req {
    pub(crate) fn path(&self) -> &str {
        self.uri.path()
    }

    /// Decoded query pairs in request order.
    pub(crate) fn query_pairs(&self) -> form_urlencoded::Parse<'_> {
        form_urlencoded::parse(self.uri.query().unwrap_or("").as_bytes())
    }

    /// The first value of a query parameter.
    pub(crate) fn query_param(&self, name: &str) -> Option<Cow<'_, str>> {
        self.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// A header as text; None when absent or not visible ASCII.
    pub(crate) fn header_str(&self, name: &HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn scheme(&self) -> &'static str {
        if self.ctx.shared.tls { "https" } else { "http" }
    }

    /// Host as the client addressed it: the Host header (HTTP/1), the :authority (HTTP/2), else our address.
    pub(crate) fn host(&self) -> Cow<'_, str> {
        if let Some(host) = self.header_str(&header::HOST) {
            return Cow::Borrowed(host);
        }
        if let Some(authority) = self.uri.authority() {
            return Cow::Borrowed(authority.as_str());
        }
        Cow::Owned(self.ctx.shared.local_addr.to_string())
    }

    /// Absolute URL of this request, as httpbin's `url` field reports it.
    pub(crate) fn url(&self) -> String {
        let path_and_query = self
            .uri
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/");
        format!("{}://{}{}", self.scheme(), self.host(), path_and_query)
    }

    /// Client address as httpbin reports it: X-Forwarded-For when a proxy set it, else the peer IP.
    pub(crate) fn origin(&self) -> String {
        match self.header_str(&header::HeaderName::from_static("x-forwarded-for")) {
            Some(forwarded) => forwarded.to_owned(),
            None => self.ctx.peer.ip().to_string(),
        }
    }

    /// The essence of the Content-Type (`multipart/form-data`), lowercased; empty when absent.
    pub(crate) fn mime_essence(&self) -> String {
        let content_type = self.header_str(&header::CONTENT_TYPE).unwrap_or("");
        content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }
}

/// Percent-decodes one path segment; None when the result is not UTF-8.
pub(crate) fn decode_segment(segment: &str) -> Option<Cow<'_, str>> {
    percent_decode_str(segment).decode_utf8().ok()
}

/// Header name in httpbin's spelling: each dash-separated word capitalised, the rest lowercase.
pub(crate) fn canonical_header_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut word_start = true;
    for ch in name.chars() {
        if word_start {
            out.extend(ch.to_uppercase());
        } else {
            out.extend(ch.to_lowercase());
        }
        word_start = ch == '-';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_title_cased_per_word() {
        assert_eq!(canonical_header_name("content-type"), "Content-Type");
        assert_eq!(canonical_header_name("X-API-KEY"), "X-Api-Key");
        assert_eq!(canonical_header_name("te"), "Te");
        assert_eq!(canonical_header_name("a--b"), "A--B");
    }

    #[test]
    fn segments_decode_percent_escapes_and_reject_invalid_utf8() {
        assert_eq!(decode_segment("a%20b").as_deref(), Some("a b"));
        assert_eq!(decode_segment("%ff"), None);
    }
}
