//! TLS listener setup: PEM loading and the rustls server config (ring provider, ALPN `h2` then `http/1.1`).

use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use super::TlsFiles;

/// ALPN identifiers in server preference order: HTTP/2 first so capable clients get it.
const ALPN_PROTOCOLS: [&[u8]; 2] = [b"h2", b"http/1.1"];

pub(crate) fn acceptor(files: &TlsFiles) -> io::Result<TlsAcceptor> {
    let certs = load_certs(&files.cert_pem)?;
    let key = load_key(&files.key_pem)?;
    // An explicit provider keeps this independent of whichever process-wide default other crates install.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(invalid_input)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(invalid_input)?;
    config.alpn_protocols = ALPN_PROTOCOLS.iter().map(|p| p.to_vec()).collect();
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn load_certs(path: &Path) -> io::Result<Vec<CertificateDer<'static>>> {
    let pem = read_pem(path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(path, e))?;
    if certs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: no CERTIFICATE block found", path.display()),
        ));
    }
    Ok(certs)
}

fn load_key(path: &Path) -> io::Result<PrivateKeyDer<'static>> {
    let pem = read_pem(path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| pem_error(path, e))
}

fn read_pem(path: &Path) -> io::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

fn pem_error(path: &Path, err: rustls_pki_types::pem::Error) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {err}", path.display()),
    )
}

fn invalid_input(err: rustls::Error) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("TLS configuration: {err}"),
    )
}
