//! The machinery both arrival-rate executors share: starts follow a precomputed schedule, not
//! the VUs' pace. Each start is handed to a free VU through a rendezvous channel; when no VU
//! is free the iteration is dropped (`dropped_iterations`) and, if `maxVUs` allows, one more
//! VU is initialised in the background (one at a time, as k6 does) without delaying the
//! schedule.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded};

use super::{Activations, IterationGate, PendingVu, ScenarioRun, VuHandle, acquire_vus};
use crate::js::console;
use crate::js::vu::ScriptError;

/// A VU waits here for its next start; the controller dropping the sender ends the activation.
struct ArrivalGate {
    rx: Receiver<()>,
    /// VUs waiting for a start.
    waiting: AtomicU64,
}

impl IterationGate for ArrivalGate {
    fn next(&self, _: u64, _: u64) -> bool {
        self.waiting.fetch_add(1, Ordering::AcqRel);
        let r = self.rx.recv().is_ok();
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        r
    }
}

/// The longest the controller sleeps between checks for a VU that finished initialising.
const POLL: Duration = Duration::from_millis(5);

struct Arrivals<'a> {
    run: &'a ScenarioRun,
    acts: Activations,
    gate: Arc<ArrivalGate>,
    pending: Option<PendingVu>,
}

impl Arrivals<'_> {
    fn activate(&mut self, vu: VuHandle) {
        self.run.progress.vus_max.fetch_add(1, Ordering::Relaxed);
        self.acts.start(self.run, vu, self.gate.clone());
    }

    /// Activates the background VU once it is ready.
    fn poll_pending(&mut self) {
        let Some(p) = &self.pending else {
            return;
        };
        match self.run.pool.poll(p) {
            None => {}
            Some(Ok(vu)) => {
                self.pending = None;
                self.activate(vu);
            }
            Some(Err(e)) => {
                self.pending = None;
                console::log(
                    console::Level::Error,
                    &format!("Error while allocating unplanned VU: {}", e.message),
                    &[("scenario", &self.run.config.name)],
                );
            }
        }
    }

    /// Sleeps until `at`, activating background VUs as they become ready; false when the
    /// test stops.
    fn wait_until(&mut self, at: Instant) -> bool {
        loop {
            if self.run.aborted() {
                return false;
            }
            self.poll_pending();
            self.acts.reap(self.run);
            let now = Instant::now();
            if now >= at {
                return true;
            }
            let step = if self.pending.is_some() {
                POLL
            } else {
                Duration::from_millis(20)
            };
            std::thread::sleep((at - now).min(step));
        }
    }
}

/// Runs an arrival-rate scenario whose starts are at `schedule` offsets (ascending, none after
/// `duration`). With `track_rate`, the progress bar shows the current rate.
pub fn run_arrivals(
    run: &ScenarioRun,
    schedule: impl Iterator<Item = Duration>,
    duration: Duration,
    pre_allocated: u64,
    max_vus: u64,
    track_rate: bool,
) -> Result<(), ScriptError> {
    // Capacity 0: a send succeeds only when a VU is waiting, which is exactly "a free VU".
    let (tx, rx): (Sender<()>, Receiver<()>) = bounded(0);
    let mut a = Arrivals {
        run,
        acts: Activations::per_iteration(),
        gate: Arc::new(ArrivalGate {
            rx,
            waiting: AtomicU64::new(0),
        }),
        pending: None,
    };
    for vu in acquire_vus(run, pre_allocated)? {
        a.activate(vu);
    }
    // The first start is at 0: let the pre-allocated VUs reach the gate first, as k6's
    // VU pool does, so that it is not dropped for want of a VU that is merely starting up.
    let ready_by = Instant::now() + Duration::from_secs(5);
    while a.gate.waiting.load(Ordering::Acquire) < pre_allocated
        && Instant::now() < ready_by
        && !run.aborted()
    {
        std::thread::sleep(Duration::from_micros(200));
    }
    let tags = run.metric_tags(None);
    let mut unplanned_left = max_vus.saturating_sub(pre_allocated);
    let mut warned = false;
    let mut previous = Duration::ZERO;
    // With an execution segment, the starts of the whole test that are this instance's.
    let stripe = &run.config.share.iterations;
    let whole = stripe.is_full();
    let schedule = schedule
        .enumerate()
        .filter(|(i, _)| whole || stripe.contains(*i as u64))
        .map(|(_, offset)| offset);
    for offset in schedule {
        if offset > duration {
            break;
        }
        if track_rate {
            run.progress
                .ticker_period_ns
                .store((offset - previous).as_nanos() as u64, Ordering::Relaxed);
            previous = offset;
        }
        if !a.wait_until(run.start + offset) {
            break;
        }
        if tx.try_send(()).is_ok() {
            continue;
        }
        run.emit_dropped(1, tags.clone());
        if unplanned_left == 0 {
            if !warned {
                console::log(
                    console::Level::Warn,
                    &format!(
                        "Insufficient VUs, reached {max_vus} active VUs and cannot initialize more"
                    ),
                    &[
                        ("executor", run.config.executor.name()),
                        ("scenario", &run.config.name),
                    ],
                );
                warned = true;
            }
            continue;
        }
        if a.pending.is_none() {
            a.pending = Some(run.pool.start_new()?);
            unplanned_left -= 1;
        }
    }
    a.wait_until(run.start + duration);
    // A VU still initialising joins the pool for later scenarios.
    if let Some(p) = a.pending.take() {
        match run.pool.wait(p) {
            Ok(vu) => run.pool.release(vu),
            Err(e) => console::error(&format!(
                "Error while allocating unplanned VU: {}",
                e.message
            )),
        }
    }
    drop(tx);
    run.stopping();
    let mut acts = a.acts;
    acts.finish(run, run.config.graceful_stop);
    Ok(())
}
