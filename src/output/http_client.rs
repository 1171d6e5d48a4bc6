//! The HTTP(S) client of the network outputs that speak HTTP (InfluxDB, Prometheus remote
//! write, ClickHouse): hyper over rustls with the system's roots, optional client
//! certificate, optional "insecure" (no server verification), and the small helpers their
//! sinks share (basic auth, bounded body reads, error chains).

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::HeaderValue;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

pub type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A client certificate chain and its key (PEM files).
pub struct ClientCert {
    pub certs: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl ClientCert {
    pub fn load(cert: &Path, key: &Path) -> anyhow::Result<Self> {
        let certs = CertificateDer::pem_file_iter(cert)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| {
                anyhow::anyhow!("failed to load the TLS certificate {}: {e}", cert.display())
            })?;
        anyhow::ensure!(
            !certs.is_empty(),
            "failed to load the TLS certificate {}: no certificate in the file",
            cert.display()
        );
        let key = PrivateKeyDer::from_pem_file(key)
            .map_err(|e| anyhow::anyhow!("failed to load the TLS key {}: {e}", key.display()))?;
        Ok(ClientCert { certs, key })
    }
}

/// An HTTP(S) client with the system's root certificates (or none checked when `insecure`).
pub fn http_client(insecure: bool, client_cert: Option<ClientCert>) -> anyhow::Result<HttpsClient> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS setup failed: {e}"))?;
    let tls = if insecure {
        tls.dangerous()
            .with_custom_certificate_verifier(Arc::new(crate::tls::AcceptAnyServerCert(provider)))
    } else {
        // The same trust as k6/http and module downloads: SSL_CERT_FILE/SSL_CERT_DIR, then the system.
        let roots = crate::tls::system_roots();
        tls.with_root_certificates(roots)
    };
    let tls = match client_cert {
        Some(c) => tls
            .with_client_auth_cert(c.certs, c.key)
            .map_err(|e| anyhow::anyhow!("invalid TLS client certificate: {e}"))?,
        None => tls.with_no_client_auth(),
    };
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(TokioExecutor::new()).build(connector))
}

pub fn basic_auth(user: &str, pass: &str) -> anyhow::Result<HeaderValue> {
    use base64::Engine;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    let mut v = HeaderValue::from_str(&format!("Basic {token}"))?;
    v.set_sensitive(true);
    Ok(v)
}

/// An error and its sources, `: `-separated (hyper's top-level message alone says little).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

/// The body as text, at most 64 KiB (an error page never needs more).
pub async fn read_body(body: hyper::body::Incoming) -> String {
    match Limited::new(body, 64 * 1024).collect().await {
        Ok(b) => String::from_utf8_lossy(&b.to_bytes()).trim().to_string(),
        Err(e) => format!("(unreadable body: {e})"),
    }
}
