//! Cancellation of a VU's running iteration (end of a scenario's graceful stop, test abort,
//! SIGINT, a setup/teardown/handleSummary timeout): blocking host calls (`sleep`, `http.*`)
//! wake up at once and throw, and the JS engine, which watches the same flag on loop
//! back-edges, calls and regular expression matching, stops a script that spins in JS code.
//! The iteration unwinds and is counted as interrupted.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

pub const INTERRUPT_MESSAGE: &str = "rk6: iteration interrupted";
/// Thrown by `exec.test.abort()`: unwinds like an interruption, but k6 counts the aborting
/// iteration as a complete one.
pub const ABORT_MESSAGE: &str = "rk6: test aborted";

#[derive(Default)]
pub struct VuSignal {
    /// Shared with the VU's JS context (`Context::set_interrupt_flag`).
    cancelled: Arc<AtomicBool>,
    lock: Mutex<()>,
    cond: Condvar,
    notify: tokio::sync::Notify,
}

impl VuSignal {
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }

    /// The flag the JS engine reads to interrupt running script code.
    pub fn engine_flag(&self) -> Arc<AtomicBool> {
        self.cancelled.clone()
    }

    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Release);
        let _g = self.lock.lock();
        self.cond.notify_all();
        self.notify.notify_waiters();
    }

    pub fn reset(&self) {
        self.cancelled.store(false, Ordering::Release);
    }

    /// Blocks the VU thread for `d` or until cancelled; returns false when cancelled.
    pub fn sleep(&self, d: Duration) -> bool {
        let deadline = Instant::now() + d;
        let mut g = self.lock.lock();
        while !self.is_cancelled() {
            if self.cond.wait_until(&mut g, deadline).timed_out() {
                return !self.is_cancelled();
            }
        }
        false
    }

    pub async fn sleep_async(&self, d: Duration) {
        if self.is_cancelled() {
            return;
        }
        let notified = self.notify.notified();
        futures_lite::future::or(notified, tokio::time::sleep(d)).await;
    }

    /// Resolves when cancelled (for racing against network futures).
    pub async fn cancelled(&self) {
        loop {
            let notified = self.notify.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn cancel_wakes_a_sleeping_thread() {
        let s = Arc::new(VuSignal::default());
        let s2 = s.clone();
        let t = std::thread::spawn(move || s2.sleep(Duration::from_secs(30)));
        std::thread::sleep(Duration::from_millis(20));
        s.cancel();
        assert!(!t.join().unwrap());
        s.reset();
        assert!(s.sleep(Duration::from_millis(1)));
    }
}
