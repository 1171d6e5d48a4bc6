//! The `vus` and `vus_max` gauges, sampled every second like k6 (from the end of the VU
//! initialisation on, paused time included).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use crate::executor::VuPool;
use crate::js::runtime::RunShared;
use crate::metrics::sample::{Sample, TagSet, now_ns};

/// The sampler thread. Stopping it (or dropping it) ends the sampler at once; until then it
/// wakes exactly on each second (a short test that ends just after a whole second gets that
/// sample, as in k6).
pub(super) struct VusGauge {
    stop: Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl VusGauge {
    pub(super) fn start(shared: Arc<RunShared>, pool: Arc<VuPool>) -> Option<VusGauge> {
        let (stop, stopped) = crossbeam_channel::bounded::<()>(0);
        let thread = std::thread::Builder::new()
            .name("vus-gauge".into())
            .spawn(move || {
                let mut next = Instant::now() + Duration::from_secs(1);
                while let Err(crossbeam_channel::RecvTimeoutError::Timeout) =
                    stopped.recv_deadline(next)
                {
                    next += Duration::from_secs(1);
                    let t = now_ns();
                    let tags = TagSet::from_pairs(shared.global_tags.iter().cloned());
                    let active = shared.counters.vus_active.load(Ordering::Relaxed).max(0) as f64;
                    let _ = shared.samples.send(vec![
                        Sample {
                            metric: shared.builtin.vus.clone(),
                            time_ns: t,
                            value: active,
                            tags: tags.clone(),
                            metadata: None,
                        },
                        Sample {
                            metric: shared.builtin.vus_max.clone(),
                            time_ns: t,
                            value: pool.initialized() as f64,
                            tags,
                            metadata: None,
                        },
                    ]);
                }
            })
            .ok()?;
        Some(VusGauge { stop, thread })
    }

    /// Ends the sampler and waits for its last sample to be sent.
    pub(super) fn stop(self) {
        drop(self.stop);
        let _ = self.thread.join();
    }
}
