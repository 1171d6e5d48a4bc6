//! `shared-iterations`: a fixed number of iterations shared by a fixed number of VUs, within
//! `maxDuration`. Iterations not started when `maxDuration` is over are counted in
//! `dropped_iterations`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::{Activations, IterationGate, ScenarioRun, UntilGate, acquire_vus};
use crate::js::vu::ScriptError;

struct SharedGate {
    attempted: AtomicU64,
    total: u64,
    until: Arc<UntilGate>,
}

impl IterationGate for SharedGate {
    fn next(&self, _: u64, _: u64) -> bool {
        if !self.until.open() {
            return false;
        }
        // k6 counts an attempt before checking it against the total.
        self.attempted.fetch_add(1, Ordering::Relaxed) < self.total
    }
}

pub fn run(
    run: &ScenarioRun,
    vus: u64,
    iterations: u64,
    max_duration: Duration,
) -> Result<(), ScriptError> {
    let end = run.start + max_duration;
    let until = UntilGate::new(Some(end), run.stop_all.clone());
    let gate = Arc::new(SharedGate {
        attempted: AtomicU64::new(0),
        total: iterations,
        until: until.clone(),
    });
    let mut acts = Activations::new();
    for vu in acquire_vus(run, vus)? {
        acts.start(run, vu, gate.clone());
    }
    if !acts.wait_all(run, Some(end)) {
        until.close();
        run.stopping();
        acts.finish(run, run.config.graceful_stop);
    }
    let attempted = gate.attempted.load(Ordering::Relaxed).min(iterations);
    run.emit_dropped(iterations - attempted, run.metric_tags(None));
    Ok(())
}
