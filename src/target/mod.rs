//! rk6's embedded load target: an httpbin-style HTTP server bound on a local address.
//!
//! rk6 users run it offline (`rk6 target`) and rk6's own tests and benchmarks aim their load at it, so it
//! serves HTTP/1.1 with keep-alive, HTTP/2 prior knowledge (h2c), and HTTP/2 or HTTP/1.1 over TLS via ALPN,
//! and logs nothing per request.

mod auth;
mod background;
mod compression;
mod cookies;
mod digest;
mod echo;
mod pages;
mod payloads;
mod redirects;
mod request;
mod reset;
mod response;
mod response_headers;
mod routes;
mod server;
mod status;
mod tls;
mod websocket;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use background::BackgroundTarget;
pub use server::TargetHandle;

/// Where and how the target listens.
#[derive(Debug, Clone)]
pub struct TargetConfig {
    /// Address to bind; port 0 picks a free port (read it back with `local_addr()`).
    pub listen: SocketAddr,
    /// Serve HTTPS (with ALPN `h2` and `http/1.1`) instead of plain HTTP.
    pub tls: Option<TlsFiles>,
}

/// PEM files for the TLS listener.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// Certificate chain, leaf first.
    pub cert_pem: PathBuf,
    /// Private key (PKCS#8, PKCS#1 or SEC1).
    pub key_pem: PathBuf,
}

/// Binds and serves on the current tokio runtime until the returned handle is dropped or shut down.
pub async fn start(cfg: TargetConfig) -> std::io::Result<TargetHandle> {
    server::start(cfg).await
}

/// Runs the target on its own tokio runtime on a background thread; it stops when the result is dropped.
///
/// Usable from both synchronous code and inside another tokio runtime (tests, the CLI).
pub fn spawn_background(cfg: TargetConfig) -> std::io::Result<BackgroundTarget> {
    background::spawn(cfg)
}
