//! The remote-write [`Sink`]: a snappy-compressed protobuf `WriteRequest` per batch of series,
//! POSTed with the protocol's headers, and the receiver's answers mapped onto the pool's
//! outcomes as the remote-write spec defines them: 2xx written; 429 and 5xx retried; 400
//! refused for its content (Prometheus rolls the whole request back when one sample is out
//! of order or a duplicate, so the pool bisects to find it); other 4xx fatal.

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT,
};

use super::config::PromRwConfig;
use super::series::EncodedSeries;
use crate::output::http_client::{
    ClientCert, HttpsClient, basic_auth, error_chain, http_client, read_body,
};
use crate::output::writer_pool::{Sink, WriteOutcome};

pub struct PromRwSink {
    client: HttpsClient,
    url: hyper::Uri,
    headers: Vec<(HeaderName, HeaderValue)>,
    pub requests: AtomicU64,
    /// Compressed bytes sent (retries included).
    pub sent_bytes: AtomicU64,
}

impl PromRwSink {
    pub fn new(cfg: &PromRwConfig) -> anyhow::Result<Self> {
        let cert = match (&cfg.client_certificate, &cfg.client_certificate_key) {
            (Some(c), Some(k)) => Some(ClientCert::load(c, k)?),
            _ => None,
        };
        let mut headers = Vec::new();
        for (k, v) in &cfg.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| anyhow::anyhow!("invalid header name {k:?}: {e}"))?;
            let value = HeaderValue::from_str(v)
                .map_err(|e| anyhow::anyhow!("invalid value of header {k:?}: {e}"))?;
            headers.push((name, value));
        }
        // As k6: basic auth when a username is set, a bearer token over any Authorization.
        if let Some(user) = &cfg.username {
            headers.push((
                AUTHORIZATION,
                basic_auth(user, cfg.password.as_deref().unwrap_or(""))?,
            ));
        }
        if let Some(token) = &cfg.bearer_token {
            let mut v = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| anyhow::anyhow!("the bearer token contains invalid characters"))?;
            v.set_sensitive(true);
            headers.retain(|(n, _)| n != AUTHORIZATION);
            headers.push((AUTHORIZATION, v));
        }
        Ok(PromRwSink {
            client: http_client(cfg.insecure_skip_tls_verify, cert)?,
            url: cfg
                .url
                .parse()
                .map_err(|e| anyhow::anyhow!("invalid remote write URL {:?}: {e}", cfg.url))?,
            headers,
            requests: AtomicU64::new(0),
            sent_bytes: AtomicU64::new(0),
        })
    }

    fn request(&self, body: Bytes) -> anyhow::Result<hyper::Request<Full<Bytes>>> {
        let mut req = hyper::Request::post(self.url.clone()).body(Full::new(body))?;
        let h = req.headers_mut();
        for (k, v) in &self.headers {
            h.insert(k.clone(), v.clone());
        }
        h.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("rk6/", env!("CARGO_PKG_VERSION"))),
        );
        h.insert(CONTENT_ENCODING, HeaderValue::from_static("snappy"));
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-protobuf"),
        );
        h.insert(
            "X-Prometheus-Remote-Write-Version",
            HeaderValue::from_static("0.1.0"),
        );
        Ok(req)
    }
}

/// A `WriteRequest` of these series, snappy-compressed (block format, as the spec requires).
pub fn encode_request(batch: &[EncodedSeries]) -> Result<Vec<u8>, snap::Error> {
    let mut raw = Vec::with_capacity(batch.iter().map(|s| s.bytes.len()).sum());
    for s in batch {
        raw.extend_from_slice(&s.bytes);
    }
    snap::raw::Encoder::new().compress_vec(&raw)
}

pub fn classify(status: u16, body: &str) -> WriteOutcome {
    let text = format!("HTTP {status}: {}", body.trim());
    match status {
        400 | 413 => WriteOutcome::InvalidBatch(text),
        408 | 429 => WriteOutcome::Retryable(text),
        s if s >= 500 => WriteOutcome::Retryable(text),
        _ => WriteOutcome::Fatal(text),
    }
}

impl Sink for PromRwSink {
    type Record = EncodedSeries;

    async fn write(&self, batch: &[EncodedSeries]) -> WriteOutcome {
        let body = match encode_request(batch) {
            Ok(b) => b,
            Err(e) => return WriteOutcome::InvalidBatch(format!("snappy: {e}")),
        };
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.sent_bytes
            .fetch_add(body.len() as u64, Ordering::Relaxed);
        let req = match self.request(Bytes::from(body)) {
            Ok(r) => r,
            Err(e) => return WriteOutcome::Fatal(format!("cannot build the request: {e}")),
        };
        match self.client.request(req).await {
            Err(e) => WriteOutcome::Retryable(error_chain(&e)),
            Ok(resp) => {
                let status = resp.status();
                let text = read_body(resp.into_body()).await;
                if status.is_success() {
                    WriteOutcome::Ok
                } else {
                    classify(status.as_u16(), &text)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_follow_the_remote_write_spec() {
        assert!(matches!(
            classify(400, "out of order sample"),
            WriteOutcome::InvalidBatch(_)
        ));
        assert!(matches!(classify(503, ""), WriteOutcome::Retryable(_)));
        assert!(matches!(classify(429, ""), WriteOutcome::Retryable(_)));
        assert!(matches!(classify(401, ""), WriteOutcome::Fatal(_)));
        assert!(matches!(classify(404, ""), WriteOutcome::Fatal(_)));
    }

    #[test]
    fn request_is_snappy_block_of_the_concatenated_series() {
        let a = EncodedSeries {
            bytes: vec![0x0a, 0x00],
            weight: 1,
        };
        let body = encode_request(&[a.clone(), a]).unwrap();
        let raw = snap::raw::Decoder::new().decompress_vec(&body).unwrap();
        assert_eq!(raw, vec![0x0a, 0x00, 0x0a, 0x00]);
    }
}
