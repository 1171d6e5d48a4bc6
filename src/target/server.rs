//! Accept loop, per-connection serving (plain, h2c, TLS) and shutdown.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::TargetConfig;
use super::request::{ConnContext, SharedState};
use super::reset::{ResetSwitch, ResettableStream};
use super::routes;
use super::tls;

/// How long in-flight requests get to finish once shutdown starts; `/delay` and `/drip` can run longer.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Back-off after an accept error such as running out of file descriptors, so the loop does not spin.
const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(20);
const HTTP2_MAX_CONCURRENT_STREAMS: u32 = 1024;

/// A running target; dropping it stops the server, `shutdown` also waits until it has stopped.
#[derive(Debug)]
pub struct TargetHandle {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    accept_loop: Option<JoinHandle<()>>,
}

impl TargetHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, lets in-flight requests finish for a short grace period, then closes everything.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(accept_loop) = self.accept_loop.take() {
            let _ = accept_loop.await;
        }
    }
}

impl Drop for TargetHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

pub(crate) async fn start(cfg: TargetConfig) -> io::Result<TargetHandle> {
    let acceptor = cfg.tls.as_ref().map(tls::acceptor).transpose()?;
    let listener = TcpListener::bind(cfg.listen).await?;
    let local_addr = listener.local_addr()?;
    let (stop, stop_rx) = watch::channel(false);
    let shared = Arc::new(SharedState::new(acceptor.is_some(), local_addr));
    let accept_loop = tokio::spawn(accept_loop(listener, acceptor, shared, stop_rx));
    Ok(TargetHandle {
        local_addr,
        stop,
        accept_loop: Some(accept_loop),
    })
}

fn connection_builder() -> Builder<TokioExecutor> {
    let mut builder = Builder::new(TokioExecutor::new());
    // No header read timeout: it would also close idle keep-alive connections, and a client reusing one at
    // that moment sees a spurious error in the middle of a load test.
    builder
        .http1()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .header_read_timeout(None);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(HTTP2_MAX_CONCURRENT_STREAMS);
    builder
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<SharedState>,
    mut stop: watch::Receiver<bool>,
) {
    let builder = Arc::new(connection_builder());
    // Every connection task holds a sender; `recv` returning None means all of them have finished.
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    loop {
        tokio::select! {
            biased;
            _ = stop_requested(&mut stop) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let conn = Connection {
                        builder: builder.clone(),
                        acceptor: acceptor.clone(),
                        shared: shared.clone(),
                        stop: stop.clone(),
                        _alive: alive_tx.clone(),
                    };
                    tokio::spawn(conn.serve(stream, peer));
                }
                Err(err) => {
                    if !is_connection_error(&err) {
                        tracing::debug!("target accept error: {err}");
                        tokio::time::sleep(ACCEPT_ERROR_BACKOFF).await;
                    }
                }
            },
        }
    }
    drop(listener);
    drop(alive_tx);
    let _ = alive_rx.recv().await;
}

/// Errors that concern only the connection being accepted, not the listener.
fn is_connection_error(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Resolves once a stop was sent or the handle owning the sender is gone.
async fn stop_requested(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}

struct Connection {
    builder: Arc<Builder<TokioExecutor>>,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<SharedState>,
    stop: watch::Receiver<bool>,
    _alive: mpsc::Sender<()>,
}

impl Connection {
    async fn serve(mut self, stream: TcpStream, peer: SocketAddr) {
        // Small responses must not wait for Nagle; latency is what the load tests measure.
        let _ = stream.set_nodelay(true);
        let reset = Arc::new(ResetSwitch::default());
        let io = ResettableStream::new(stream, reset.clone());
        let ctx = Arc::new(ConnContext {
            peer,
            reset,
            shared: self.shared.clone(),
        });
        match self.acceptor.take() {
            None => self.drive(TokioIo::new(io), ctx).await,
            Some(acceptor) => {
                let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(io));
                let tls_stream = tokio::select! {
                    _ = stop_requested(&mut self.stop) => return,
                    done = handshake => match done {
                        Ok(Ok(tls_stream)) => tls_stream,
                        // Failed or stalled handshakes only concern that client.
                        _ => return,
                    },
                };
                self.drive(TokioIo::new(tls_stream), ctx).await
            }
        }
    }

    async fn drive<I>(mut self, io: I, ctx: Arc<ConnContext>)
    where
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let service_ctx = ctx.clone();
        let service = service_fn(move |req| routes::handle(service_ctx.clone(), req));
        let conn = self.builder.serve_connection_with_upgrades(io, service);
        tokio::pin!(conn);
        tokio::select! {
            // Errors here are client-side protocol errors or disconnects; a load target stays quiet about them.
            _ = conn.as_mut() => {}
            // Dropping the connection drops the socket, which the reset switch turns into an RST.
            _ = ctx.reset.requested() => {}
            _ = stop_requested(&mut self.stop) => {
                conn.as_mut().graceful_shutdown();
                tokio::select! {
                    _ = tokio::time::timeout(SHUTDOWN_GRACE, conn.as_mut()) => {}
                    _ = ctx.reset.requested() => {}
                }
            }
        }
    }
}
