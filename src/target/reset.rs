//! Connection resets on request: `/reset` must drop the TCP connection with an RST and no response bytes,
//! which is what a client sees when a server crashes mid-request. `/keepalive-close` uses the same switch to
//! close a connection with a plain FIN and no response.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// Shared between one connection's socket and the requests served on it.
#[derive(Debug, Default)]
pub(crate) struct ResetSwitch {
    requested: AtomicBool,
    /// Close with a FIN instead of an RST (`/keepalive-close`).
    graceful: AtomicBool,
    notify: Notify,
}

impl ResetSwitch {
    /// Marks the connection for an abortive close and wakes the task driving it.
    pub(crate) fn request(&self) {
        self.requested.store(true, Ordering::Release);
        self.notify.notify_one();
    }

    /// Marks the connection to be closed without a response, with an ordinary FIN.
    pub(crate) fn request_close(&self) {
        self.graceful.store(true, Ordering::Release);
        self.request();
    }

    fn is_graceful(&self) -> bool {
        self.graceful.load(Ordering::Acquire)
    }

    pub(crate) fn is_requested(&self) -> bool {
        self.requested.load(Ordering::Acquire)
    }

    /// Completes once `request` was called (also if it was called before this was awaited).
    pub(crate) async fn requested(&self) {
        if self.is_requested() {
            return;
        }
        self.notify.notified().await;
    }
}

/// A TCP stream that, once its switch is flipped, writes nothing more (no response, no FIN, no TLS alert)
/// and closes with SO_LINGER 0 so the kernel sends an RST.
pub(crate) struct ResettableStream {
    inner: TcpStream,
    switch: Arc<ResetSwitch>,
}

impl ResettableStream {
    pub(crate) fn new(inner: TcpStream, switch: Arc<ResetSwitch>) -> Self {
        Self { inner, switch }
    }
}

fn reset_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "connection reset on request",
    )
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.switch.is_requested() {
            return Poll::Ready(Err(reset_error()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.switch.is_requested() {
            return Poll::Ready(Err(reset_error()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.switch.is_requested() {
            return Poll::Ready(Err(reset_error()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.switch.is_requested() {
            return Poll::Ready(Err(reset_error()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A FIN before the RST would let the client see a clean EOF instead of a reset.
        if self.switch.is_requested() && !self.switch.is_graceful() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.switch.is_requested() && !self.switch.is_graceful() {
            // Best effort: if it fails the client still sees the connection close without a response.
            let _ = self.inner.set_zero_linger();
        }
    }
}
