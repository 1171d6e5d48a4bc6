//! `constant-vus`: a fixed number of VUs loop for a duration.

use std::time::Duration;

use super::{Activations, ScenarioRun, UntilGate, acquire_vus};
use crate::js::vu::ScriptError;

pub fn run(run: &ScenarioRun, vus: u64, duration: Duration) -> Result<(), ScriptError> {
    let end = run.start + duration;
    let gate = UntilGate::new(Some(end), run.stop_all.clone());
    let mut acts = Activations::new();
    for vu in acquire_vus(run, vus)? {
        acts.start(run, vu, gate.clone());
    }
    acts.wait_all(run, Some(end));
    gate.close();
    run.stopping();
    acts.finish(run, run.config.graceful_stop);
    Ok(())
}
