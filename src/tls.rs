//! TLS settings shared by the HTTP client of the VUs and by the network outputs.

use std::sync::Arc;

/// Accepts any server certificate (`--insecure-skip-tls-verify`, `insecureSkipTLSVerify`,
/// `K6_INFLUXDB_INSECURE=true`) but still verifies the handshake signatures with the
/// provider's algorithms, so the connection stays encrypted to whoever answered.
#[derive(Debug)]
pub struct AcceptAnyServerCert(pub Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The `tlsVersion` and `tlsCipherSuites` options as rustls settings.
#[derive(Clone, Debug)]
pub struct TlsOptions {
    pub versions: Vec<&'static rustls::SupportedProtocolVersion>,
    /// Go's names of the TLS 1.2 suites allowed (None: all). TLS 1.3 suites are not
    /// configurable, as in Go.
    pub tls12_suites: Option<Vec<String>>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            versions: vec![&rustls::version::TLS13, &rustls::version::TLS12],
            tls12_suites: None,
        }
    }
}

/// The cipher suite names k6 accepts (Go's `crypto/tls` names, old aliases included).
const KNOWN_SUITES: &[&str] = &[
    "TLS_RSA_WITH_RC4_128_SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
];

fn version_rank(name: &str) -> Result<u8, String> {
    match name {
        "ssl3.0" => Ok(0),
        "tls1.0" => Ok(1),
        "tls1.1" => Ok(2),
        "tls1.2" => Ok(3),
        "tls1.3" => Ok(4),
        other => Err(format!(
            "invalid tlsVersion {other:?}: use ssl3.0, tls1.0, tls1.1, tls1.2 or tls1.3"
        )),
    }
}

impl TlsOptions {
    /// `tlsVersion` (`"tls1.2"` or `{min, max}`) and `tlsCipherSuites` (Go's names).
    pub fn from_options(
        version: Option<&serde_json::Value>,
        suites: Option<&serde_json::Value>,
    ) -> Result<TlsOptions, String> {
        use serde_json::Value;
        let (min, max) = match version {
            None | Some(Value::Null) => (1, 4),
            Some(Value::String(v)) => {
                let r = version_rank(v)?;
                (r, r)
            }
            Some(Value::Object(o)) => {
                let bound = |k: &str, default: u8| match o.get(k) {
                    None | Some(Value::Null) => Ok(default),
                    Some(Value::String(v)) if v.is_empty() => Ok(default),
                    Some(Value::String(v)) => version_rank(v),
                    Some(other) => Err(format!("invalid tlsVersion.{k} {other}")),
                };
                (bound("min", 1)?, bound("max", 4)?)
            }
            Some(other) => return Err(format!("invalid tlsVersion {other}")),
        };
        // rustls speaks TLS 1.2 and 1.3 only.
        let mut versions: Vec<&'static rustls::SupportedProtocolVersion> = Vec::new();
        if (min..=max).contains(&4) {
            versions.push(&rustls::version::TLS13);
        }
        if (min..=max).contains(&3) {
            versions.push(&rustls::version::TLS12);
        }
        if versions.is_empty() {
            return Err(format!(
                "tlsVersion allows no TLS version rk6 supports (rk6 speaks TLS 1.2 and 1.3): {}",
                version.map(|v| v.to_string()).unwrap_or_default()
            ));
        }
        let tls12_suites = match suites {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) => {
                let mut names = Vec::with_capacity(a.len());
                for v in a {
                    let name = v.as_str().unwrap_or_default();
                    if !KNOWN_SUITES.contains(&name) {
                        return Err(format!("unknown cipher suite '{name}'"));
                    }
                    // Go's old names of the ChaCha20 suites.
                    names.push(if name.ends_with("CHACHA20_POLY1305") {
                        format!("{name}_SHA256")
                    } else {
                        name.to_string()
                    });
                }
                Some(names)
            }
            Some(other) => return Err(format!("tlsCipherSuites must be an array, got {other}")),
        };
        Ok(TlsOptions {
            versions,
            tls12_suites,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions_and_suites_like_k6() {
        let t = TlsOptions::from_options(Some(&json!("tls1.2")), None).unwrap();
        assert_eq!(t.versions, vec![&rustls::version::TLS12]);
        let t = TlsOptions::from_options(Some(&json!({"min": "tls1.0"})), None).unwrap();
        assert_eq!(t.versions.len(), 2);
        let t = TlsOptions::from_options(Some(&json!({"max": "tls1.2"})), None).unwrap();
        assert_eq!(t.versions, vec![&rustls::version::TLS12]);
        assert!(TlsOptions::from_options(Some(&json!("tls1.4")), None).is_err());
        assert!(TlsOptions::from_options(Some(&json!({"max": "tls1.1"})), None).is_err());
        // k6 v1.1.0: "unknown cipher suite 'TLS_FOO'"; Go's old ChaCha20 names are accepted.
        assert_eq!(
            TlsOptions::from_options(None, Some(&json!(["TLS_FOO"]))).unwrap_err(),
            "unknown cipher suite 'TLS_FOO'"
        );
        let t =
            TlsOptions::from_options(None, Some(&json!(["TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305"])))
                .unwrap();
        assert_eq!(
            t.tls12_suites,
            Some(vec![
                "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256".to_string()
            ])
        );
    }
}
