//! `per-vu-iterations`: each VU runs a fixed number of iterations, within `maxDuration`.
//! Each VU's iterations not started when `maxDuration` is over are counted in
//! `dropped_iterations` (tagged with the VU, as k6 does when the `vu` system tag is on).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use super::{Activations, IterationGate, ScenarioRun, UntilGate, acquire_vus};
use crate::js::vu::ScriptError;

struct PerVuGate {
    per_vu: u64,
    until: Arc<UntilGate>,
    /// Iterations started by each VU.
    started: Mutex<HashMap<u64, u64>>,
}

impl IterationGate for PerVuGate {
    fn next(&self, vu: u64, done_here: u64) -> bool {
        if !self.until.open() || done_here >= self.per_vu {
            return false;
        }
        *self.started.lock().entry(vu).or_default() += 1;
        true
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
    let gate = Arc::new(PerVuGate {
        per_vu: iterations,
        until: until.clone(),
        started: Mutex::new(HashMap::new()),
    });
    let mut acts = Activations::new();
    let mut ids = Vec::new();
    for vu in acquire_vus(run, vus)? {
        ids.push(vu.id);
        acts.start(run, vu, gate.clone());
    }
    if !acts.wait_all(run, Some(end)) {
        until.close();
        run.stopping();
        acts.finish(run, run.config.graceful_stop);
    }
    let started = gate.started.lock();
    for id in ids {
        let n = started.get(&id).copied().unwrap_or(0).min(iterations);
        run.emit_dropped(iterations - n, run.metric_tags(Some(id)));
    }
    Ok(())
}
