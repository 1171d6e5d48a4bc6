//! Run-wide execution state that the REST API reads and changes: k6's execution status, the
//! pause before the test starts (`--paused`), stopping the test, and the live configuration of
//! externally-controlled scenarios.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::options::{ExecutorConfig, ScenarioConfig};

/// k6's `lib.ExecutionStatus` values, as `GET /v1/status` reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ExecutionStatus {
    Created = 0,
    InitVus = 1,
    InitExecutors = 2,
    InitDone = 3,
    PausedBeforeRun = 4,
    Started = 5,
    Setup = 6,
    Running = 7,
    Teardown = 8,
    Ended = 9,
    Interrupted = 10,
}

/// A control request that k6 refuses, with the title and HTTP status its REST API uses.
#[derive(Clone, Debug, PartialEq)]
pub struct ControlError {
    pub status: u16,
    pub title: &'static str,
    pub detail: String,
}

fn control_error(status: u16, title: &'static str, detail: impl Into<String>) -> ControlError {
    ControlError {
        status,
        title,
        detail: detail.into(),
    }
}

/// The wanted state of one externally-controlled scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExternalParams {
    pub vus: u64,
    pub max_vus: u64,
    pub paused: bool,
}

/// The live configuration of one externally-controlled scenario: the API writes it, the
/// scenario's controller applies it and acknowledges.
#[derive(Debug)]
pub struct ExternalControl {
    pub scenario: String,
    /// maxVUs from the script: the API may only raise it.
    pub initial_max_vus: u64,
    params: Mutex<ExternalParams>,
    wanted: AtomicU64,
    applied: Mutex<u64>,
    applied_cv: Condvar,
    started: AtomicBool,
    ended: AtomicBool,
}

impl ExternalControl {
    fn new(scenario: &str, vus: u64, max_vus: u64) -> ExternalControl {
        ExternalControl {
            scenario: scenario.to_string(),
            initial_max_vus: max_vus,
            params: Mutex::new(ExternalParams {
                vus,
                max_vus,
                paused: false,
            }),
            wanted: AtomicU64::new(0),
            applied: Mutex::new(0),
            applied_cv: Condvar::new(),
            started: AtomicBool::new(false),
            ended: AtomicBool::new(false),
        }
    }

    pub fn params(&self) -> ExternalParams {
        *self.params.lock()
    }

    /// Version of the parameters; the controller applies changes when it moves.
    pub fn generation(&self) -> u64 {
        self.wanted.load(Ordering::Acquire)
    }

    pub fn mark_started(&self) {
        self.started.store(true, Ordering::Release);
    }

    pub fn mark_ended(&self) {
        self.ended.store(true, Ordering::Release);
        let _a = self.applied.lock();
        self.applied_cv.notify_all();
    }

    /// The controller applied parameters up to `generation`.
    pub fn acknowledge(&self, generation: u64) {
        let mut a = self.applied.lock();
        if *a < generation {
            *a = generation;
        }
        self.applied_cv.notify_all();
    }

    fn update(&self, f: impl FnOnce(&mut ExternalParams)) -> u64 {
        let mut p = self.params.lock();
        f(&mut p);
        self.wanted.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Waits until the running controller applied `generation`, as k6 answers a PATCH only
    /// once the VUs were scaled. The scenario ending first is k6's "context canceled"; after
    /// 30 s the API answers anyway (the controller goes on, and ends with the scenario).
    fn wait_applied(&self, generation: u64) -> Result<(), ControlError> {
        if !self.started.load(Ordering::Acquire) || self.ended.load(Ordering::Acquire) {
            return Ok(());
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut a = self.applied.lock();
        while *a < generation {
            if self.ended.load(Ordering::Acquire) {
                return Err(control_error(
                    400,
                    "Config update error",
                    "context canceled",
                ));
            }
            if self.applied_cv.wait_until(&mut a, deadline).timed_out() {
                break;
            }
        }
        Ok(())
    }
}

/// State shared by the runner, the scenario controllers and the REST API.
pub struct RunControl {
    status: AtomicU8,
    paused: Mutex<bool>,
    paused_cv: Condvar,
    started: AtomicBool,
    ended: AtomicBool,
    stopped: AtomicBool,
    /// (executor type, scenario name) in k6's order, for pause errors.
    scenarios: Vec<(&'static str, String)>,
    externals: Vec<Arc<ExternalControl>>,
}

impl RunControl {
    pub fn new(scenarios: &[ScenarioConfig], paused: bool) -> Arc<RunControl> {
        let externals = scenarios
            .iter()
            .filter_map(|s| match s.executor {
                ExecutorConfig::ExternallyControlled { vus, max_vus, .. } => {
                    Some(Arc::new(ExternalControl::new(&s.name, vus, max_vus)))
                }
                _ => None,
            })
            .collect();
        Arc::new(RunControl {
            status: AtomicU8::new(ExecutionStatus::Created as u8),
            paused: Mutex::new(paused),
            paused_cv: Condvar::new(),
            started: AtomicBool::new(false),
            ended: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            scenarios: scenarios
                .iter()
                .map(|s| (s.executor.name(), s.name.clone()))
                .collect(),
            externals,
        })
    }

    pub fn status(&self) -> u8 {
        self.status.load(Ordering::Relaxed)
    }

    pub fn set_status(&self, s: ExecutionStatus) {
        self.status.store(s as u8, Ordering::Relaxed);
    }

    pub fn is_paused(&self) -> bool {
        *self.paused.lock()
    }

    /// `running` of `GET /v1/status`: started and not ended.
    pub fn is_running(&self) -> bool {
        self.started.load(Ordering::Relaxed) && !self.ended.load(Ordering::Relaxed)
    }

    pub fn mark_started(&self) {
        self.started.store(true, Ordering::Relaxed);
    }

    pub fn mark_ended(&self) {
        self.ended.store(true, Ordering::Relaxed);
        // Nothing may stay blocked on a pause once the run is over.
        self.paused_cv.notify_all();
    }

    /// The test was stopped through `PATCH /v1/status` (`stopped: true`).
    pub fn stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    pub fn request_stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
        self.paused_cv.notify_all();
    }

    /// Blocks while the test is paused before it starts; returns false when `cancelled`
    /// says to give up waiting (stop, abort, signal).
    pub fn wait_while_paused(&self, cancelled: &dyn Fn() -> bool) -> bool {
        let mut p = self.paused.lock();
        while *p {
            if cancelled() || self.stopped() {
                return false;
            }
            self.paused_cv.wait_for(&mut p, Duration::from_millis(100));
        }
        !cancelled()
    }

    pub fn external(&self, scenario: &str) -> Option<Arc<ExternalControl>> {
        self.externals
            .iter()
            .find(|e| e.scenario == scenario)
            .cloned()
    }

    /// `PATCH /v1/status` with `paused`: k6's `SetPaused`.
    pub fn set_paused(&self, pause: bool) -> Result<(), ControlError> {
        if !self.started.load(Ordering::Relaxed) && self.is_paused() {
            if pause {
                return Err(control_error(
                    500,
                    "Pause error",
                    "execution is already paused",
                ));
            }
            *self.paused.lock() = false;
            self.paused_cv.notify_all();
            return Ok(());
        }
        if !self.started.load(Ordering::Relaxed) {
            *self.paused.lock() = pause;
            self.paused_cv.notify_all();
            return Ok(());
        }
        // After the start only the externally-controlled executor can pause.
        for (kind, name) in &self.scenarios {
            if *kind != "externally-controlled" {
                return Err(control_error(
                    500,
                    "Pause error",
                    format!(
                        "{kind} executor '{name}' doesn't support pause and resume operations after its start"
                    ),
                ));
            }
        }
        let mut generations = Vec::new();
        for e in &self.externals {
            if !e.started.load(Ordering::Acquire) {
                return Err(control_error(
                    500,
                    "Pause error",
                    "cannot pause the externally controlled executor before it has started",
                ));
            }
            generations.push((e.clone(), e.update(|p| p.paused = pause)));
        }
        for (e, g) in generations {
            e.wait_applied(g)?;
        }
        *self.paused.lock() = pause;
        Ok(())
    }

    /// `PATCH /v1/status` with `vus` and/or `vus-max`: applied to the first
    /// externally-controlled scenario, with k6's validation.
    pub fn update_external(
        &self,
        vus: Option<i64>,
        max_vus: Option<i64>,
    ) -> Result<(), ControlError> {
        let Some(ext) = self.externals.first() else {
            return Err(control_error(
                500,
                "Execution config error",
                "an externally-controlled executor needs to be configured for live configuration updates",
            ));
        };
        let current = ext.params();
        let new_vus = vus.unwrap_or(current.vus as i64);
        let new_max = max_vus.unwrap_or(current.max_vus as i64);
        let mut errors = Vec::new();
        if new_vus < 0 {
            errors.push("the number of VUs can't be negative".to_string());
        }
        if new_max < new_vus {
            errors.push(format!(
                "the number of active VUs ({new_vus}) must be less than or equal to the number of maxVUs ({new_max})"
            ));
        }
        if !errors.is_empty() {
            return Err(control_error(
                400,
                "Config update error",
                format!("invalid configuration supplied: {}", errors.join(", ")),
            ));
        }
        if (new_max as u64) < ext.initial_max_vus {
            return Err(control_error(
                400,
                "Config update error",
                format!(
                    "the new number of max VUs cannot be lower than the starting number of max VUs ({})",
                    ext.initial_max_vus
                ),
            ));
        }
        let g = ext.update(|p| {
            p.vus = new_vus as u64;
            p.max_vus = new_max as u64;
        });
        ext.wait_applied(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scenarios(v: serde_json::Value) -> Vec<ScenarioConfig> {
        crate::options::scenarios::parse_scenarios(&v).unwrap()
    }

    #[test]
    fn pause_before_start_and_errors_like_k6() {
        let c = RunControl::new(
            &scenarios(json!({"s": {"executor": "constant-vus", "duration": "1s"}})),
            true,
        );
        assert!(c.is_paused());
        assert_eq!(
            c.set_paused(true).unwrap_err().detail,
            "execution is already paused"
        );
        c.set_paused(false).unwrap();
        assert!(c.wait_while_paused(&|| false));
        c.mark_started();
        let e = c.set_paused(true).unwrap_err();
        assert_eq!(
            e.detail,
            "constant-vus executor 's' doesn't support pause and resume operations after its start"
        );
        let e = c.update_external(Some(2), None).unwrap_err();
        assert_eq!(e.title, "Execution config error");
    }

    #[test]
    fn external_updates_are_validated_like_k6() {
        let c = RunControl::new(
            &scenarios(
                json!({"e": {"executor": "externally-controlled", "vus": 1, "maxVUs": 5, "duration": "8s"}}),
            ),
            false,
        );
        let e = c.update_external(Some(9), None).unwrap_err();
        assert_eq!(
            e.detail,
            "invalid configuration supplied: the number of active VUs (9) must be less than or equal to the number of maxVUs (5)"
        );
        let e = c.update_external(None, Some(4)).unwrap_err();
        assert_eq!(
            e.detail,
            "the new number of max VUs cannot be lower than the starting number of max VUs (5)"
        );
        c.update_external(Some(3), Some(6)).unwrap();
        let ext = c.external("e").unwrap();
        assert_eq!(ext.params().vus, 3);
        assert_eq!(ext.params().max_vus, 6);
        assert_eq!(ext.generation(), 1);
    }
}
