//! `ramping-vus`: the number of looping VUs follows `stages` (linear ramps), on k6's step
//! times. A ramped-down VU finishes its iteration (no new one starts) and is interrupted when
//! the VUs reserved for graceful ramp-downs drop below it (`gracefulRampDown` later, or at
//! the scenario's end at the latest). At the end of the stages the remaining VUs get
//! `gracefulStop`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::{Activations, IterationGate, ScenarioRun};
use crate::js::vu::ScriptError;
use crate::options::Stage;
use crate::options::scenarios::{ramping_vus_graceful_steps, ramping_vus_raw_steps};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SlotState {
    Running,
    /// Finishing its iteration; may be told to run again before it ends.
    Stopping,
    /// The VU left (or must leave) this slot.
    Gone,
}

/// The gate of one VU slot (k6's `vuHandle`).
struct SlotGate {
    state: Mutex<SlotState>,
    stop_all: Arc<AtomicBool>,
}

impl IterationGate for SlotGate {
    fn next(&self, _: u64, _: u64) -> bool {
        let mut s = self.state.lock();
        if *s == SlotState::Running && !self.stop_all.load(Ordering::Relaxed) {
            true
        } else {
            *s = SlotState::Gone;
            false
        }
    }
}

#[derive(Default)]
struct Slot {
    gate: Option<Arc<SlotGate>>,
    vu: u64,
}

struct Slots<'a> {
    run: &'a ScenarioRun,
    slots: Vec<Slot>,
    acts: Activations,
    /// Slots started by the raw steps (k6's scheduled VUs).
    scheduled: usize,
    /// Slots allowed by the graceful steps (k6's max allowed VUs).
    allowed: usize,
}

impl Slots<'_> {
    fn start(&mut self, i: usize) -> Result<(), ScriptError> {
        if let Some(g) = &self.slots[i].gate {
            let mut s = g.state.lock();
            match *s {
                SlotState::Running => return Ok(()),
                SlotState::Stopping => {
                    *s = SlotState::Running;
                    return Ok(());
                }
                SlotState::Gone => {}
            }
        }
        let vu = self.run.pool.acquire()?;
        let gate = Arc::new(SlotGate {
            state: Mutex::new(SlotState::Running),
            stop_all: self.run.stop_all.clone(),
        });
        self.slots[i] = Slot {
            gate: Some(gate.clone()),
            vu: vu.id,
        };
        self.acts.start(self.run, vu, gate);
        Ok(())
    }

    fn graceful_stop(&mut self, i: usize) {
        if let Some(g) = &self.slots[i].gate {
            let mut s = g.state.lock();
            if *s == SlotState::Running {
                *s = SlotState::Stopping;
            }
        }
    }

    fn hard_stop(&mut self, i: usize) {
        if let Some(g) = self.slots[i].gate.take() {
            let mut s = g.state.lock();
            if *s != SlotState::Gone {
                *s = SlotState::Gone;
                self.acts.cancel(self.slots[i].vu);
            }
        }
    }

    fn scheduled_vus(&mut self, planned: usize) -> Result<(), ScriptError> {
        while self.scheduled < planned {
            self.start(self.scheduled)?;
            self.scheduled += 1;
        }
        while planned < self.scheduled {
            self.graceful_stop(self.scheduled - 1);
            self.scheduled -= 1;
        }
        Ok(())
    }

    fn allowed_vus(&mut self, planned: usize) {
        while planned < self.allowed {
            self.hard_stop(self.allowed - 1);
            self.allowed -= 1;
        }
        self.allowed = planned;
    }

    /// Sleeps until `at` while collecting VUs that left; false when the test stops (or, with
    /// `until_idle`, when no VU is left).
    fn wait_until(&mut self, at: Instant, until_idle: bool) -> bool {
        loop {
            if self.run.aborted() {
                return false;
            }
            self.acts.reap(self.run);
            if until_idle && self.acts.active() == 0 {
                return false;
            }
            let now = Instant::now();
            if now >= at {
                return true;
            }
            self.acts
                .reap_for(self.run, (at - now).min(Duration::from_millis(20)));
        }
    }
}

pub fn run(
    run: &ScenarioRun,
    start_vus: u64,
    stages: &[Stage],
    graceful_ramp_down: Duration,
) -> Result<(), ScriptError> {
    let tuple = &run.config.share.tuple;
    let raw = ramping_vus_raw_steps(start_vus, stages, true, tuple);
    let graceful = ramping_vus_graceful_steps(
        start_vus,
        stages,
        graceful_ramp_down,
        run.config.graceful_stop,
        tuple,
    );
    let max_vus = graceful.iter().map(|s| s.1).max().unwrap_or(0) as usize;
    let mut s = Slots {
        run,
        slots: (0..max_vus).map(|_| Slot::default()).collect(),
        acts: Activations::new(),
        scheduled: 0,
        allowed: 0,
    };
    // k6's iterateSteps: both step lists in time order, raw steps first on ties.
    let (mut i, mut j) = (0usize, 0usize);
    let mut stopped = false;
    while i < raw.len() {
        let (r_at, r_vus) = raw[i];
        match graceful.get(j) {
            Some(&(g_at, g_vus)) if g_at < r_at => {
                if !s.wait_until(run.start + g_at, false) {
                    stopped = true;
                    break;
                }
                s.allowed_vus(g_vus as usize);
                j += 1;
            }
            _ => {
                if !s.wait_until(run.start + r_at, false) {
                    stopped = true;
                    break;
                }
                s.scheduled_vus(r_vus as usize)?;
                i += 1;
            }
        }
    }
    if !stopped {
        run.stopping();
        for &(g_at, g_vus) in &graceful[j.min(graceful.len())..] {
            if !s.wait_until(run.start + g_at, true) {
                break;
            }
            s.allowed_vus(g_vus as usize);
        }
    }
    let mut acts = s.acts;
    // An aborted run does not wait for iterations; `||` keeps that short-circuit.
    if run.aborted() || !acts.wait_all(run, None) {
        acts.cancel_all(run);
    }
    Ok(())
}
