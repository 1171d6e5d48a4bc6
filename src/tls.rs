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

/// Go's bundle files on Linux (`crypto/x509/root_linux.go`): the first one that can be read is used.
const CERT_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// Go's certificate directories on Linux: every certificate in each one is trusted.
const CERT_DIRECTORIES: &[&str] = &["/etc/ssl/certs", "/etc/pki/tls/certs"];

/// The roots k6 trusts on Linux, found as Go's `x509.SystemCertPool` finds them:
/// `SSL_CERT_FILE` replaces the list of bundle files (the first readable one counts) and
/// `SSL_CERT_DIR` the list of directories (colon-separated), whose certificates are all added.
/// So a corporate CA in `SSL_CERT_FILE` is trusted together with the system's directory of
/// certificates, as with k6. Nothing found at all: the Mozilla set compiled into rk6.
pub fn system_roots() -> rustls::RootCertStore {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let file = env("SSL_CERT_FILE");
    let dirs = env("SSL_CERT_DIR");
    let files: Vec<&str> = match &file {
        Some(f) => vec![f.as_str()],
        None => CERT_FILES.to_vec(),
    };
    let dirs: Vec<&str> = match &dirs {
        Some(d) => d.split(':').collect(),
        None => CERT_DIRECTORIES.to_vec(),
    };
    let mut roots = roots_from(&files, &dirs);
    if roots.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    roots
}

/// The certificates of the first readable file of `files` and of every file in `dirs`.
/// Go skips directory entries that are symlinks to another entry of the same directory (the
/// hash links of `c_rehash`); certificates met twice are added once.
fn roots_from(files: &[&str], dirs: &[&str]) -> rustls::RootCertStore {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut seen = std::collections::HashSet::new();
    let mut roots = rustls::RootCertStore::empty();
    let mut add_pem = |data: &[u8], roots: &mut rustls::RootCertStore| {
        let certs = CertificateDer::pem_slice_iter(data)
            .filter_map(Result::ok)
            .filter(|c| seen.insert(c.as_ref().to_vec()));
        roots.add_parsable_certificates(certs);
    };
    if let Some(data) = files.iter().find_map(|f| std::fs::read(f).ok()) {
        add_pem(&data, &mut roots);
    }
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut paths: Vec<std::path::PathBuf> =
            entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            // Go's test: a symlink whose target has no `/`.
            let links_within_dir = std::fs::read_link(&path)
                .is_ok_and(|target| !target.to_string_lossy().contains('/'));
            if links_within_dir || path.is_dir() {
                continue;
            }
            if let Ok(data) = std::fs::read(&path) {
                add_pem(&data, &mut roots);
            }
        }
    }
    roots
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

    fn ca_pem(name: &str) -> String {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn roots_as_go_finds_them() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = dir.path().join("bundle.pem");
        std::fs::write(&bundle, ca_pem("bundle CA") + &ca_pem("second CA")).unwrap();
        let other = dir.path().join("other.pem");
        std::fs::write(&other, ca_pem("unused bundle")).unwrap();
        let certs = dir.path().join("certs");
        std::fs::create_dir(&certs).unwrap();
        let a = ca_pem("dir CA");
        std::fs::write(certs.join("a.pem"), &a).unwrap();
        // A c_rehash link to an entry of the same directory is skipped (counted once anyway).
        std::os::unix::fs::symlink("a.pem", certs.join("1234abcd.0")).unwrap();
        // The same certificate elsewhere, linked in: added once.
        std::fs::write(dir.path().join("elsewhere.pem"), &a).unwrap();
        std::os::unix::fs::symlink(dir.path().join("elsewhere.pem"), certs.join("b.pem")).unwrap();
        std::fs::write(certs.join("junk.txt"), "not a certificate").unwrap();
        let s = |p: &std::path::Path| p.to_string_lossy().to_string();
        // Only the first readable bundle file counts (a missing one is skipped).
        let missing = dir.path().join("missing.pem");
        let roots = roots_from(
            &[&s(&missing), &s(&bundle), &s(&other)],
            &[&s(&certs), &s(&missing)],
        );
        assert_eq!(roots.len(), 3);
        assert_eq!(roots_from(&[&s(&missing)], &[]).len(), 0);
    }

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
