//! The `rps` option: at most N HTTP requests per second across all VUs of the run. Like
//! k6's `rate.NewLimiter(rps, 1)`, a request that finds the limiter idle goes at once and
//! each later one waits for its own slot, 1/N s after the previous slot; there is no burst.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct RequestRateLimit {
    interval_ns: u64,
    origin: Instant,
    /// The next free slot, in nanoseconds since `origin`.
    next_ns: AtomicU64,
}

impl RequestRateLimit {
    /// `None` for 0 (k6: no limit).
    pub fn new(per_second: u64) -> Option<RequestRateLimit> {
        (per_second > 0).then(|| RequestRateLimit {
            interval_ns: 1_000_000_000 / per_second,
            origin: Instant::now(),
            next_ns: AtomicU64::new(0),
        })
    }

    /// Takes the next slot and returns when it starts (now or later). A compare-and-swap on
    /// one counter: VUs never wait on each other except for their slot.
    pub fn reserve(&self) -> Instant {
        let now_ns = self.origin.elapsed().as_nanos() as u64;
        let mut cur = self.next_ns.load(Ordering::Relaxed);
        loop {
            let slot = cur.max(now_ns);
            match self.next_ns.compare_exchange_weak(
                cur,
                slot + self.interval_ns,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return self.origin + Duration::from_nanos(slot),
                Err(actual) => cur = actual,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_means_unlimited() {
        assert!(RequestRateLimit::new(0).is_none());
    }

    #[test]
    fn slots_are_spaced_by_the_interval_without_burst() {
        let l = RequestRateLimit::new(10).unwrap();
        let first = l.reserve();
        let slots: Vec<Instant> = (0..5).map(|_| l.reserve()).collect();
        assert!(first <= Instant::now());
        let mut prev = first;
        for s in slots {
            assert_eq!(s - prev, Duration::from_millis(100));
            prev = s;
        }
    }

    #[test]
    fn concurrent_reservations_get_distinct_slots() {
        let l = std::sync::Arc::new(RequestRateLimit::new(1000).unwrap());
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let l = l.clone();
                std::thread::spawn(move || (0..250).map(|_| l.reserve()).collect::<Vec<_>>())
            })
            .collect();
        let mut all: Vec<Instant> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect();
        all.sort();
        assert_eq!(all.len(), 1000);
        for w in all.windows(2) {
            assert!(w[1] - w[0] >= Duration::from_millis(1));
        }
    }
}
