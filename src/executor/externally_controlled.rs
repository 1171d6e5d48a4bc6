//! `externally-controlled`: VUs looping for a duration (0 = until the test is stopped), their
//! number set through the REST API (`PATCH /v1/status` with `vus`, `vus-max`, `paused`).
//! It has no graceful stop: VUs taken away and VUs running at the end are interrupted; a
//! pause lets running iterations finish.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{Activations, ScenarioRun, UntilGate, VuHandle, acquire_vus};
use crate::js::vu::ScriptError;

/// How often the controller looks for new parameters.
const POLL: Duration = Duration::from_millis(20);

pub fn run(run: &ScenarioRun, duration: Duration) -> Result<(), ScriptError> {
    let Some(ext) = run.control.external(&run.config.name) else {
        return Err(ScriptError {
            message: format!(
                "scenario {}: no external control registered",
                run.config.name
            ),
            interrupted: false,
        });
    };
    let end = (!duration.is_zero()).then(|| run.start + duration);
    // The planned VUs (maxVUs) are the executor's for its whole duration.
    let mut idle: Vec<VuHandle> = acquire_vus(run, ext.initial_max_vus)?;
    let mut max_now = ext.initial_max_vus;
    run.progress.vus_max.store(max_now, Ordering::Relaxed);
    let mut acts = Activations::keeping();
    // Active slots in start order, each with its own gate so it can be stopped alone.
    let mut active: Vec<(u64, Arc<UntilGate>)> = Vec::new();
    ext.mark_started();
    let mut applied: Option<u64> = None;
    let result = loop {
        if run.aborted() || end.is_some_and(|e| Instant::now() >= e) {
            break Ok(());
        }
        acts.reap(run);
        idle.append(&mut acts.kept);
        let generation = ext.generation();
        if applied != Some(generation) {
            let p = ext.params();
            // New VUs are initialised one at a time, and the end of the scenario (or of the
            // test) cancels what is left, as in k6: a `vus-max` of 100 000 must not keep
            // creating VUs after the test is over. The change is then not acknowledged: the
            // PATCH that asked for it is answered "context canceled".
            let mut cancelled = false;
            while max_now < p.max_vus {
                if run.aborted() || end.is_some_and(|e| Instant::now() >= e) {
                    cancelled = true;
                    break;
                }
                match run.pool.start_new().and_then(|pv| run.pool.wait(pv)) {
                    Ok(vu) => idle.push(vu),
                    Err(e) => {
                        crate::js::console::error(&format!(
                            "could not initialize a VU for scenario {}: {}",
                            run.config.name, e.message
                        ));
                        break;
                    }
                }
                max_now += 1;
            }
            if cancelled {
                break Ok(());
            }
            run.progress
                .vus_max
                .store(max_now.max(p.max_vus), Ordering::Relaxed);
            let target = if p.paused { 0 } else { p.vus as usize };
            idle.sort_by_key(|v| std::cmp::Reverse(v.id));
            while active.len() < target {
                let Some(vu) = idle.pop() else {
                    break;
                };
                let gate = UntilGate::new(end, run.stop_all.clone());
                active.push((vu.id, gate.clone()));
                acts.start(run, vu, gate);
            }
            let leaving: Vec<(u64, Arc<UntilGate>)> = if active.len() > target {
                active.split_off(target)
            } else {
                Vec::new()
            };
            for (id, gate) in &leaving {
                gate.close();
                // Lowering the VUs interrupts them; pausing lets the iteration finish.
                if !p.paused {
                    acts.cancel(*id);
                }
            }
            while leaving.iter().any(|(id, _)| acts.is_running(*id)) && !run.aborted() {
                acts.reap_for(run, POLL);
            }
            idle.append(&mut acts.kept);
            ext.acknowledge(generation);
            applied = Some(generation);
        }
        let wait = match end {
            Some(e) => e.saturating_duration_since(Instant::now()).min(POLL),
            None => POLL,
        };
        acts.reap_for(run, wait);
    };
    ext.mark_ended();
    run.progress.snapshot_end();
    acts.cancel_all(run);
    idle.append(&mut acts.kept);
    for vu in idle {
        run.pool.release(vu);
    }
    result
}
