//! Per-scenario progress, computed the way each k6 executor's `progressFn` does: the fraction
//! done (`exec.scenario.progress`) and the right-hand columns of its progress bar.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::options::duration::format_go;
use crate::options::scenarios::{per_second, ramping_vus_graceful_steps};
use crate::options::{ExecutorConfig, ScenarioConfig};

/// k6's progress bar status symbols.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarStatus {
    /// Not started yet (before setup, or waiting for its startTime).
    Idle,
    Waiting,
    Running,
    Stopping,
    Interrupted,
    Done,
}

impl BarStatus {
    pub fn symbol(self) -> char {
        match self {
            BarStatus::Idle | BarStatus::Running => ' ',
            BarStatus::Waiting => '•',
            BarStatus::Stopping => '↓',
            BarStatus::Interrupted => '✗',
            BarStatus::Done => '✓',
        }
    }

    fn from_u8(v: u8) -> BarStatus {
        match v {
            1 => BarStatus::Waiting,
            2 => BarStatus::Running,
            3 => BarStatus::Stopping,
            4 => BarStatus::Interrupted,
            5 => BarStatus::Done,
            _ => BarStatus::Idle,
        }
    }

    fn to_u8(self) -> u8 {
        match self {
            BarStatus::Idle => 0,
            BarStatus::Waiting => 1,
            BarStatus::Running => 2,
            BarStatus::Stopping => 3,
            BarStatus::Interrupted => 4,
            BarStatus::Done => 5,
        }
    }
}

/// What the progress function of each executor needs to know about its configuration.
#[derive(Clone, Debug)]
enum Kind {
    SharedIterations {
        vus: u64,
        total: u64,
        max_duration: Duration,
    },
    PerVuIterations {
        vus: u64,
        per_vu: u64,
        max_duration: Duration,
    },
    ConstantVus {
        vus: u64,
        duration: Duration,
    },
    RampingVus {
        max_vus: u64,
        regular: Duration,
    },
    ConstantArrivalRate {
        max_vus: u64,
        duration: Duration,
        per_sec: f64,
    },
    RampingArrivalRate {
        max_vus: u64,
        duration: Duration,
        max_per_sec: f64,
    },
    ExternallyControlled {
        duration: Duration,
    },
}

/// One progress snapshot: fraction done and the bar's right-hand columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub fraction: f64,
    pub right: Vec<String>,
}

/// Live progress of one scenario, shared by its controller, its VUs, `k6/execution` and the
/// progress display.
#[derive(Debug)]
pub struct ScenarioProgress {
    pub name: String,
    pub start_time: Duration,
    kind: Kind,
    started: OnceLock<Instant>,
    /// When the wait for `startTime` began.
    waiting_since: OnceLock<Instant>,
    status: AtomicU8,
    /// Iterations run to their end or interrupted (k6's `doneIters`).
    pub iterations_done: AtomicU64,
    /// VUs the executor holds (activated by it).
    pub vus_held: AtomicU64,
    /// VUs running an iteration right now (arrival-rate executors show these).
    pub vus_running: AtomicU64,
    /// Current maxVUs of the externally-controlled executor; VUs ever activated by an
    /// arrival-rate executor (k6 never lowers that count).
    pub vus_max: AtomicU64,
    /// Period between the latest two scheduled starts of ramping-arrival-rate.
    pub ticker_period_ns: AtomicU64,
    /// k6 freezes a bar's values when its scenario stops or ends.
    frozen: Mutex<Option<Snapshot>>,
    /// Values taken when the executor's time was up, before its VUs were stopped.
    end_snapshot: Mutex<Option<Snapshot>>,
}

impl ScenarioProgress {
    pub fn new(sc: &ScenarioConfig) -> ScenarioProgress {
        let kind = match &sc.executor {
            ExecutorConfig::SharedIterations {
                vus,
                iterations,
                max_duration,
            } => Kind::SharedIterations {
                vus: *vus,
                total: *iterations,
                max_duration: *max_duration,
            },
            ExecutorConfig::PerVuIterations {
                vus,
                iterations,
                max_duration,
            } => Kind::PerVuIterations {
                vus: *vus,
                per_vu: *iterations,
                max_duration: *max_duration,
            },
            ExecutorConfig::ConstantVus { vus, duration } => Kind::ConstantVus {
                vus: *vus,
                duration: *duration,
            },
            ExecutorConfig::RampingVus {
                start_vus,
                stages,
                graceful_ramp_down,
            } => Kind::RampingVus {
                max_vus: ramping_vus_graceful_steps(
                    *start_vus,
                    stages,
                    *graceful_ramp_down,
                    sc.graceful_stop,
                    &sc.share.tuple,
                )
                .iter()
                .map(|s| s.1)
                .max()
                .unwrap_or(0),
                regular: stages.iter().map(|s| s.duration).sum(),
            },
            ExecutorConfig::ConstantArrivalRate {
                rate,
                time_unit,
                duration,
                max_vus,
                ..
            } => Kind::ConstantArrivalRate {
                max_vus: *max_vus,
                duration: *duration,
                per_sec: per_second(*rate, *time_unit),
            },
            ExecutorConfig::RampingArrivalRate {
                start_rate,
                time_unit,
                stages,
                max_vus,
                ..
            } => Kind::RampingArrivalRate {
                max_vus: *max_vus,
                duration: stages.iter().map(|s| s.duration).sum(),
                max_per_sec: per_second(
                    stages.iter().map(|s| s.target).fold(*start_rate, u64::max),
                    *time_unit,
                ),
            },
            ExecutorConfig::ExternallyControlled { duration, .. } => Kind::ExternallyControlled {
                duration: *duration,
            },
        };
        let max = match &sc.executor {
            ExecutorConfig::ExternallyControlled { max_vus, .. } => *max_vus,
            _ => 0,
        };
        ScenarioProgress {
            name: sc.name.clone(),
            start_time: sc.start_time,
            kind,
            started: OnceLock::new(),
            waiting_since: OnceLock::new(),
            status: AtomicU8::new(0),
            iterations_done: AtomicU64::new(0),
            vus_held: AtomicU64::new(0),
            vus_running: AtomicU64::new(0),
            vus_max: AtomicU64::new(max),
            ticker_period_ns: AtomicU64::new(0),
            frozen: Mutex::new(None),
            end_snapshot: Mutex::new(None),
        }
    }

    pub fn status(&self) -> BarStatus {
        BarStatus::from_u8(self.status.load(Ordering::Relaxed))
    }

    fn set_status(&self, s: BarStatus) {
        self.status.store(s.to_u8(), Ordering::Relaxed);
    }

    /// The scenario waits for its `startTime`.
    pub fn mark_waiting(&self) {
        let _ = self.waiting_since.set(Instant::now());
        self.set_status(BarStatus::Waiting);
    }

    /// The executor starts now; returns its start instant.
    pub fn mark_started(&self) -> Instant {
        let t = *self.started.get_or_init(Instant::now);
        self.set_status(BarStatus::Running);
        t
    }

    pub fn started_at(&self) -> Option<Instant> {
        self.started.get().copied()
    }

    /// The regular duration is over and iterations get their graceful stop.
    pub fn mark_stopping(&self, graceful_stop: Duration, aborted: bool) {
        if graceful_stop.is_zero() || aborted || self.status() != BarStatus::Running {
            return;
        }
        *self.frozen.lock() = Some(self.live());
        self.set_status(BarStatus::Stopping);
    }

    /// Takes the bar's final values now (k6 does for executors whose end is their
    /// duration, not the return of their VUs).
    pub fn snapshot_end(&self) {
        *self.end_snapshot.lock() = Some(self.live());
    }

    /// The executor ended: done when its work is complete, interrupted otherwise.
    pub fn mark_ended(&self, aborted: bool) {
        let snap = self
            .end_snapshot
            .lock()
            .take()
            .unwrap_or_else(|| self.live());
        let status = if aborted || snap.fraction < 1.0 {
            BarStatus::Interrupted
        } else {
            BarStatus::Done
        };
        *self.frozen.lock() = Some(snap);
        self.set_status(status);
    }

    /// What the bar shows: the frozen values once the scenario stops, live ones before.
    pub fn display(&self) -> Option<Snapshot> {
        if let Some(f) = self.frozen.lock().clone() {
            return Some(f);
        }
        match self.status() {
            BarStatus::Idle => None,
            BarStatus::Waiting => {
                let since = self
                    .waiting_since
                    .get()
                    .copied()
                    .unwrap_or_else(Instant::now);
                let left = self.start_time.saturating_sub(since.elapsed());
                Some(Snapshot {
                    fraction: 0.0,
                    right: vec![
                        "waiting".into(),
                        fixed_length_duration(left, self.start_time),
                    ],
                })
            }
            _ => Some(self.live()),
        }
    }

    /// k6's `progressFn` of the executor (also `exec.scenario.progress`).
    pub fn live(&self) -> Snapshot {
        let spent = self.started_at().map(|t| t.elapsed()).unwrap_or_default();
        let done = self.iterations_done.load(Ordering::Relaxed);
        let held = self.vus_held.load(Ordering::Relaxed);
        let running = self.vus_running.load(Ordering::Relaxed);
        let prog_dur =
            |d: Duration| format!("{}/{}", fixed_length_duration(spent, d), format_go(d));
        match &self.kind {
            Kind::SharedIterations {
                vus,
                total,
                max_duration,
            } => {
                let it = int_width(*total);
                Snapshot {
                    fraction: ratio(done, *total),
                    right: vec![
                        format!("{:0w$} VUs", vus, w = int_width(*vus)),
                        prog_dur(*max_duration),
                        format!("{done:0it$}/{total:0it$} shared iters"),
                    ],
                }
            }
            Kind::PerVuIterations {
                vus,
                per_vu,
                max_duration,
            } => {
                let total = vus * per_vu;
                let it = int_width(total);
                let mut right = vec![
                    format!("{:0w$} VUs", vus, w = int_width(*vus)),
                    format_go(*max_duration),
                    format!("{done:0it$}/{total:0it$} iters, {per_vu} per VU"),
                ];
                if spent > *max_duration {
                    return Snapshot {
                        fraction: 1.0,
                        right,
                    };
                }
                right[1] = prog_dur(*max_duration);
                Snapshot {
                    fraction: ratio(done, total),
                    right,
                }
            }
            Kind::ConstantVus { vus, duration } => {
                let vus = format!("{vus} VUs");
                if spent > *duration {
                    return Snapshot {
                        fraction: 1.0,
                        right: vec![vus, format_go(*duration)],
                    };
                }
                Snapshot {
                    fraction: duration_ratio(spent, *duration),
                    right: vec![vus, prog_dur(*duration)],
                }
            }
            Kind::RampingVus { max_vus, regular } => {
                let w = int_width(*max_vus);
                let vus = format!("{held:0w$}/{max_vus:0w$} VUs");
                if spent > *regular {
                    return Snapshot {
                        fraction: 1.0,
                        right: vec![vus, format_go(*regular)],
                    };
                }
                Snapshot {
                    fraction: duration_ratio(spent, *regular),
                    right: vec![
                        vus,
                        format!(
                            "{}/{}",
                            fixed_length_duration(spent, *regular),
                            fixed_length_duration(*regular, *regular)
                        ),
                    ],
                }
            }
            Kind::ConstantArrivalRate {
                max_vus,
                duration,
                per_sec,
            } => {
                let w = int_width(*max_vus);
                let iters = format!("{} iters/s", fixed_length_float(*per_sec, *per_sec, 2));
                let activated = self.vus_max.load(Ordering::Relaxed);
                arrival_snapshot(
                    spent,
                    *duration,
                    format!("{running:0w$}/{activated:0w$} VUs"),
                    iters,
                )
            }
            Kind::RampingArrivalRate {
                max_vus,
                duration,
                max_per_sec,
            } => {
                let w = int_width(*max_vus);
                let period = self.ticker_period_ns.load(Ordering::Relaxed);
                let current = if period > 0 { 1e9 / period as f64 } else { 0.0 };
                let iters = format!("{} iters/s", fixed_length_float(current, *max_per_sec, 2));
                let activated = self.vus_max.load(Ordering::Relaxed);
                arrival_snapshot(
                    spent,
                    *duration,
                    format!("{running:0w$}/{activated:0w$} VUs"),
                    iters,
                )
            }
            Kind::ExternallyControlled { duration } => {
                let max = self.vus_max.load(Ordering::Relaxed);
                let w = int_width(max);
                let mut right = vec![
                    format!("{held:0w$}/{max:0w$} VUs"),
                    format_go(*duration),
                    String::new(),
                ];
                if spent > *duration {
                    return Snapshot {
                        fraction: 1.0,
                        right,
                    };
                }
                right[1] = prog_dur(*duration);
                Snapshot {
                    fraction: if duration.is_zero() {
                        0.0
                    } else {
                        duration_ratio(spent, *duration)
                    },
                    right,
                }
            }
        }
    }
}

fn arrival_snapshot(spent: Duration, duration: Duration, vus: String, iters: String) -> Snapshot {
    if spent > duration {
        return Snapshot {
            fraction: 1.0,
            right: vec![vus, format_go(duration), iters],
        };
    }
    Snapshot {
        fraction: duration_ratio(spent, duration),
        right: vec![
            vus,
            format!(
                "{}/{}",
                fixed_length_duration(spent, duration),
                format_go(duration)
            ),
            iters,
        ],
    }
}

fn ratio(done: u64, total: u64) -> f64 {
    if total == 0 {
        1.0
    } else {
        done as f64 / total as f64
    }
}

fn duration_ratio(spent: Duration, total: Duration) -> f64 {
    if total.is_zero() {
        1.0
    } else {
        (spent.as_secs_f64() / total.as_secs_f64()).min(1.0)
    }
}

/// Digits of `max` (k6's `GetFixedLengthIntFormat`), for zero-padded counters.
pub fn int_width(max: u64) -> usize {
    let mut n = 1;
    let mut v = max / 10;
    while v != 0 {
        n += 1;
        v /= 10;
    }
    n
}

/// k6's `GetFixedLengthFloatFormat`: zero-padded to the width of `max`.
pub fn fixed_length_float(v: f64, max: f64, precision: usize) -> String {
    let mut width = 1usize;
    if max >= 10.0 {
        width += max.log10() as usize;
    }
    if precision > 0 {
        width += precision + 1;
    }
    format!("{v:0width$.precision$}")
}

/// k6's `GetFixedLengthDuration`: `d` rounded to 100ms in a fixed-width form that depends on
/// `max` (`1.0s`, `01.0s`, `0m01.0s`, `00m01.0s`, `0h00m01.0s`, ...).
pub fn fixed_length_duration(d: Duration, max: Duration) -> String {
    const ROUND_NS: u128 = 100_000_000;
    let round = |x: Duration| (x.as_nanos() + ROUND_NS / 2) / ROUND_NS;
    let max = max.max(d);
    let max_r = round(max) * ROUND_NS;
    let mut u = round(d);
    let tenths = u % 10;
    u /= 10;
    let secs_units = u % 10;
    u /= 10;
    let s = format!("{secs_units}.{tenths}s");
    if max_r < 10 * 1_000_000_000 {
        return s;
    }
    let secs_tens = u % 6;
    u /= 6;
    let s = format!("{secs_tens}{s}");
    if max_r < 60 * 1_000_000_000 {
        return s;
    }
    let min_units = u % 10;
    u /= 10;
    let s = format!("{min_units}m{s}");
    if max_r < 600 * 1_000_000_000 {
        return s;
    }
    let min_tens = u % 6;
    u /= 6;
    let s = format!("{min_tens}{s}");
    if max_r < 3600 * 1_000_000_000 {
        return s;
    }
    let hours = u % 24;
    let days = u / 24;
    if max_r < 10 * 3600 * 1_000_000_000 {
        return format!("{}h{s}", hours % 10);
    }
    if max_r < 24 * 3600 * 1_000_000_000 {
        return format!("{hours:02}h{s}");
    }
    let mut rem_day_powers = max_r / (240 * 3600 * 1_000_000_000);
    let mut day_width = 1;
    while rem_day_powers > 0 {
        day_width += 1;
        rem_day_powers /= 10;
    }
    format!("{days:0day_width$}d{hours:02}h{s}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_length_durations_are_k6s() {
        let ms = Duration::from_millis;
        assert_eq!(fixed_length_duration(ms(1000), ms(3000)), "1.0s");
        assert_eq!(fixed_length_duration(ms(2000), ms(2000)), "2.0s");
        assert_eq!(fixed_length_duration(ms(900), ms(600_000)), "00m00.9s");
        assert_eq!(fixed_length_duration(ms(1500), ms(600_000)), "00m01.5s");
        assert_eq!(fixed_length_duration(ms(3000), ms(630_000)), "00m03.0s");
        assert_eq!(fixed_length_duration(ms(3400), ms(8000)), "3.4s");
        assert_eq!(fixed_length_duration(ms(61_000), ms(90_000)), "1m01.0s");
        assert_eq!(fixed_length_duration(ms(12_300), ms(30_000)), "12.3s");
        assert_eq!(
            fixed_length_duration(ms(3_700_000), ms(7_200_000)),
            "1h01m40.0s"
        );
    }

    #[test]
    fn fixed_length_numbers_are_k6s() {
        assert_eq!(int_width(9), 1);
        assert_eq!(int_width(10), 2);
        assert_eq!(int_width(17), 2);
        assert_eq!(fixed_length_float(5.0, 5.0, 2), "5.00");
        assert_eq!(fixed_length_float(3.0, 4.0, 2), "3.00");
        assert_eq!(fixed_length_float(3.87, 4.0, 2), "3.87");
        assert_eq!(fixed_length_float(5.0, 50.0, 2), "05.00");
    }

    fn progress(v: serde_json::Value) -> ScenarioProgress {
        let sc = crate::options::scenarios::parse_scenarios(&serde_json::json!({ "s": v }))
            .unwrap()
            .remove(0);
        ScenarioProgress::new(&sc)
    }

    #[test]
    fn shared_iterations_progress_counts_iterations() {
        let p = progress(
            serde_json::json!({"executor": "shared-iterations", "vus": 2, "iterations": 10}),
        );
        assert!(p.display().is_none());
        p.mark_started();
        p.iterations_done.store(6, Ordering::Relaxed);
        let s = p.live();
        assert_eq!(s.fraction, 0.6);
        assert_eq!(s.right[0], "2 VUs");
        assert_eq!(s.right[2], "06/10 shared iters");
        p.iterations_done.store(10, Ordering::Relaxed);
        p.mark_ended(false);
        assert_eq!(p.status(), BarStatus::Done);
        p.iterations_done.store(0, Ordering::Relaxed);
        // Frozen at the end.
        assert_eq!(p.display().unwrap().right[2], "10/10 shared iters");
    }

    #[test]
    fn per_vu_and_arrival_rate_columns() {
        let p = progress(
            serde_json::json!({"executor": "per-vu-iterations", "vus": 2, "iterations": 3}),
        );
        p.mark_started();
        p.iterations_done.store(6, Ordering::Relaxed);
        assert_eq!(p.live().right[2], "6/6 iters, 3 per VU");
        assert_eq!(p.live().fraction, 1.0);
        let p = progress(
            serde_json::json!({"executor": "constant-arrival-rate", "rate": 5, "duration": "2s", "preAllocatedVUs": 2, "maxVUs": 4}),
        );
        p.mark_started();
        p.vus_max.store(2, Ordering::Relaxed);
        p.vus_running.store(1, Ordering::Relaxed);
        let s = p.live();
        assert_eq!(s.right[0], "1/2 VUs");
        assert_eq!(s.right[2], "5.00 iters/s");
        p.mark_ended(true);
        assert_eq!(p.status(), BarStatus::Interrupted);
    }
}
