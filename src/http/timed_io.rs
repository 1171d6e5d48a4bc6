//! A socket wrapper that counts bytes on the wire and timestamps the last write and first read,
//! which is how rk6 measures `data_sent`/`data_received` and the sending/waiting/receiving
//! phases of a request without instrumenting hyper.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Counters shared between a connection's socket and the requests using it.
pub struct IoStats {
    base: Instant,
    pub written: AtomicU64,
    pub read: AtomicU64,
    /// Nanoseconds since `base` of the most recent write (0 = none since reset).
    last_write: AtomicU64,
    /// Nanoseconds since `base` of the first read after the last reset (0 = none).
    first_read: AtomicU64,
}

impl IoStats {
    pub fn new() -> Arc<IoStats> {
        Arc::new(IoStats {
            base: Instant::now(),
            written: AtomicU64::new(0),
            read: AtomicU64::new(0),
            last_write: AtomicU64::new(0),
            first_read: AtomicU64::new(0),
        })
    }

    fn now(&self) -> u64 {
        (self.base.elapsed().as_nanos() as u64).max(1)
    }

    /// Starts timing a new request on this connection.
    pub fn reset_marks(&self) {
        self.last_write.store(0, Ordering::Relaxed);
        self.first_read.store(0, Ordering::Relaxed);
    }

    pub fn last_write(&self) -> Option<Instant> {
        let v = self.last_write.load(Ordering::Relaxed);
        (v != 0).then(|| self.base + std::time::Duration::from_nanos(v))
    }

    pub fn first_read(&self) -> Option<Instant> {
        let v = self.first_read.load(Ordering::Relaxed);
        (v != 0).then(|| self.base + std::time::Duration::from_nanos(v))
    }

    pub fn totals(&self) -> (u64, u64) {
        (
            self.written.load(Ordering::Relaxed),
            self.read.load(Ordering::Relaxed),
        )
    }
}

pub struct TimedIo<T> {
    inner: T,
    stats: Arc<IoStats>,
}

impl<T> TimedIo<T> {
    pub fn new(inner: T, stats: Arc<IoStats>) -> Self {
        TimedIo { inner, stats }
    }
}

/// Bytes one read takes from the socket at most. hyper grows a connection's read buffer while
/// reads fill it, up to its maximum, which rk6 raises to 10 MiB so that response heads as
/// large as Go accepts fit: uncapped, one fast download grew its buffer to that size (a
/// 200 MB body with `discardResponseBodies` peaked 24 MB higher). Capped, hyper's buffer
/// settles at 128 KiB for bodies and grows past that only for a large head.
const MAX_READ: usize = 64 * 1024;

impl<T: AsyncRead + Unpin> AsyncRead for TimedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = if buf.remaining() > MAX_READ {
            let mut limited = buf.take(MAX_READ);
            let r = Pin::new(&mut self.inner).poll_read(cx, &mut limited);
            let n = limited.filled().len();
            // SAFETY: `limited` is the start of `buf`'s unfilled part, and the read filled
            // (so initialised) its first `n` bytes: tokio's documented use of `take`.
            unsafe { buf.assume_init(n) };
            buf.advance(n);
            r
        } else {
            Pin::new(&mut self.inner).poll_read(cx, buf)
        };
        let n = buf.filled().len() - before;
        if n > 0 {
            self.stats.read.fetch_add(n as u64, Ordering::Relaxed);
            if self.stats.first_read.load(Ordering::Relaxed) == 0 {
                let now = self.stats.now();
                self.stats.first_read.store(now, Ordering::Relaxed);
            }
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for TimedIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &r
            && *n > 0
        {
            self.stats.written.fetch_add(*n as u64, Ordering::Relaxed);
            let now = self.stats.now();
            self.stats.last_write.store(now, Ordering::Relaxed);
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = &r
            && *n > 0
        {
            self.stats.written.fetch_add(*n as u64, Ordering::Relaxed);
            let now = self.stats.now();
            self.stats.last_write.store(now, Ordering::Relaxed);
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
