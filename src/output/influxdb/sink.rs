//! The InfluxDB [`Sink`]: line protocol over HTTP(S) to the 1.x `/write` or the 2.x
//! `/api/v2/write` API, and the mapping of InfluxDB's answers onto the pool's outcomes.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};

use super::config::{ApiVersion, InfluxConfig};
use super::line_protocol::{InfluxLine, Precision};
use crate::output::http_client::{HttpsClient, basic_auth, error_chain, http_client, read_body};
use crate::output::writer_pool::{Sink, WriteOutcome};

pub struct InfluxSink {
    client: HttpsClient,
    write_url: hyper::Uri,
    auth: Option<HeaderValue>,
    precision: Precision,
}

impl InfluxSink {
    pub fn new(cfg: &InfluxConfig) -> anyhow::Result<Self> {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        let (path, auth) = match cfg.api() {
            ApiVersion::V1 => {
                q.append_pair("db", &cfg.db);
                q.append_pair("precision", cfg.precision.v1_param());
                if let Some(rp) = &cfg.retention {
                    q.append_pair("rp", rp);
                }
                if let Some(c) = &cfg.consistency {
                    q.append_pair("consistency", c);
                }
                let auth = match &cfg.username {
                    Some(u) => Some(basic_auth(u, cfg.password.as_deref().unwrap_or(""))?),
                    None => None,
                };
                ("/write", auth)
            }
            ApiVersion::V2 => {
                if let Some(org) = &cfg.organization {
                    q.append_pair("org", org);
                }
                q.append_pair("bucket", cfg.bucket.as_deref().unwrap_or(&cfg.db));
                q.append_pair("precision", cfg.precision.v2_param());
                // InfluxDB 1.8+ compatibility: `username:password` as the token, as xk6 does.
                let token = cfg.token.clone().or_else(|| {
                    cfg.username
                        .as_ref()
                        .map(|u| format!("{u}:{}", cfg.password.as_deref().unwrap_or("")))
                });
                let auth = match token {
                    Some(t) => {
                        let mut v = HeaderValue::from_str(&format!("Token {t}")).map_err(|_| {
                            anyhow::anyhow!("the InfluxDB token contains invalid characters")
                        })?;
                        v.set_sensitive(true);
                        Some(v)
                    }
                    None => None,
                };
                ("/api/v2/write", auth)
            }
        };
        let write_url: hyper::Uri = format!("{}{path}?{}", cfg.addr, q.finish())
            .parse()
            .map_err(|e| anyhow::anyhow!("invalid InfluxDB write URL: {e}"))?;
        Ok(InfluxSink {
            client: http_client(cfg.insecure, None)?,
            write_url,
            auth,
            precision: cfg.precision,
        })
    }

    fn request(
        &self,
        uri: hyper::Uri,
        content_type: &'static str,
        body: Bytes,
    ) -> anyhow::Result<hyper::Request<Full<Bytes>>> {
        let mut req = hyper::Request::post(uri)
            .header(CONTENT_TYPE, content_type)
            .header(USER_AGENT, concat!("rk6/", env!("CARGO_PKG_VERSION")))
            .body(Full::new(body))?;
        if let Some(a) = &self.auth {
            req.headers_mut().insert(AUTHORIZATION, a.clone());
        }
        Ok(req)
    }

    /// `CREATE DATABASE` through the 1.x query API, as k6 does at start.
    pub async fn create_database(&self, cfg: &InfluxConfig) -> anyhow::Result<()> {
        let uri: hyper::Uri = format!("{}/query", cfg.addr).parse()?;
        let q = format!(
            "CREATE DATABASE \"{}\"",
            cfg.db.replace('\\', "\\\\").replace('"', "\\\"")
        );
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &q)
            .finish();
        let req = self.request(uri, "application/x-www-form-urlencoded", Bytes::from(body))?;
        let resp = self
            .client
            .request(req)
            .await
            .map_err(|e| anyhow::anyhow!("{}", error_chain(&e)))?;
        let status = resp.status();
        if !status.is_success() {
            let text = read_body(resp.into_body()).await;
            anyhow::bail!("HTTP {status}: {text}");
        }
        Ok(())
    }
}

/// The `"error"` of an InfluxDB error body, or the body itself.
fn error_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("error")
                .or_else(|| v.get("message"))
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| body.to_string())
}

/// Classifies a non-2xx answer.
pub fn classify(status: u16, body: &str) -> WriteOutcome {
    let msg = error_message(body);
    let text = format!("HTTP {status}: {msg}");
    match status {
        400 if msg.contains("partial write") => {
            // "partial write: ... dropped=N": the other points were written.
            let dropped = msg
                .rsplit("dropped=")
                .next()
                .filter(|_| msg.contains("dropped="))
                .and_then(|t| t.trim().split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse::<u64>().ok());
            match dropped {
                Some(count) => WriteOutcome::RejectedCount {
                    count,
                    reason: partial_reason(&msg),
                },
                None => WriteOutcome::InvalidBatch(text),
            }
        }
        400 | 413 | 422 => WriteOutcome::InvalidBatch(text),
        408 | 429 => WriteOutcome::Retryable(text),
        s if s >= 500 => WriteOutcome::Retryable(text),
        _ => WriteOutcome::Fatal(text),
    }
}

/// The reason of a partial write without the per-write details that would make every
/// message unique.
fn partial_reason(msg: &str) -> String {
    let base = msg.split(" dropped=").next().unwrap_or(msg);
    let kind = if base.contains("field type conflict") {
        "field type conflict"
    } else if base.contains("points beyond retention policy") {
        "points beyond retention policy"
    } else if base.contains("max-values-per-tag") {
        "max-values-per-tag limit exceeded"
    } else {
        return format!("InfluxDB partial write: {base}");
    };
    format!("InfluxDB partial write: {kind}")
}

impl Sink for InfluxSink {
    type Record = InfluxLine;

    async fn write(&self, batch: &[InfluxLine]) -> WriteOutcome {
        let mut body = String::with_capacity(batch.len() * 160);
        for l in batch {
            l.render(self.precision, &mut body);
        }
        let req = match self.request(
            self.write_url.clone(),
            "text/plain; charset=utf-8",
            Bytes::from(body),
        ) {
            Ok(r) => r,
            Err(e) => return WriteOutcome::Fatal(format!("cannot build the request: {e}")),
        };
        match self.client.request(req).await {
            Err(e) => WriteOutcome::Retryable(error_chain(&e)),
            Ok(resp) => {
                let status = resp.status();
                if status.is_success() {
                    // Drain so the connection can be reused.
                    let _ = read_body(resp.into_body()).await;
                    return WriteOutcome::Ok;
                }
                let text = read_body(resp.into_body()).await;
                classify(status.as_u16(), &text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_influx_answers() {
        let partial = r#"{"error":"partial write: field type conflict: input field \"value\" on measurement \"m\" is type integer, already exists as type float dropped=3"}"#;
        assert_eq!(
            classify(400, partial),
            WriteOutcome::RejectedCount {
                count: 3,
                reason: "InfluxDB partial write: field type conflict".into()
            }
        );
        assert!(matches!(
            classify(400, r#"{"error":"unable to parse 'x': bad"}"#),
            WriteOutcome::InvalidBatch(_)
        ));
        assert!(matches!(classify(413, ""), WriteOutcome::InvalidBatch(_)));
        assert!(matches!(classify(503, "down"), WriteOutcome::Retryable(_)));
        assert!(matches!(classify(429, ""), WriteOutcome::Retryable(_)));
        let not_found = classify(404, r#"{"error":"database not found: \"nope\""}"#);
        assert_eq!(
            not_found,
            WriteOutcome::Fatal("HTTP 404: database not found: \"nope\"".into())
        );
        assert!(matches!(
            classify(401, "{\"error\":\"authorization failed\"}"),
            WriteOutcome::Fatal(_)
        ));
    }
}
