//! `ramping-arrival-rate`: like constant-arrival-rate, but the rate follows `stages` linearly.
//! Iteration n (from 1) starts when the area under the rate curve reaches n, computed with
//! k6's formula in the same floating-point steps so that the starts fall on the same
//! nanoseconds.

use std::time::Duration;

use super::ScenarioRun;
use super::arrival::run_arrivals;
use crate::js::vu::ScriptError;
use crate::options::Stage;

/// k6's `RampingArrivalRateConfig.cal` as an iterator of start offsets.
pub struct Schedule {
    stages: Vec<(f64, f64, u64)>,
    stage: usize,
    from: f64,
    stage_start: u64,
    done_so_far: f64,
    end_count: f64,
    /// The area under the curve at which the next start happens.
    i: f64,
    /// `end_count` already includes the current stage.
    stage_counted: bool,
}

impl Schedule {
    pub fn new(start_rate: u64, time_unit: Duration, stages: &[Stage]) -> Schedule {
        let time_unit = time_unit.as_nanos() as f64;
        Schedule {
            stages: stages
                .iter()
                .map(|s| {
                    (
                        s.target as f64 / time_unit,
                        s.duration.as_nanos() as f64,
                        s.duration.as_nanos() as u64,
                    )
                })
                .collect(),
            stage: 0,
            from: start_rate as f64 / time_unit,
            stage_start: 0,
            done_so_far: 0.0,
            end_count: 0.0,
            i: 1.0,
            stage_counted: false,
        }
    }
}

fn no_negative_sqrt(f: f64) -> f64 {
    if f.is_sign_negative() { 0.0 } else { f.sqrt() }
}

impl Iterator for Schedule {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        while self.stage < self.stages.len() {
            let (to, dur, dur_ns) = self.stages[self.stage];
            let from = self.from;
            if !self.stage_counted {
                self.end_count += if from != to {
                    dur * ((to - from) / 2.0 + from)
                } else {
                    dur * to
                };
                self.stage_counted = true;
            }
            if self.i <= self.end_count {
                let i = self.i;
                self.i += 1.0;
                let x = if from != to {
                    (from * dur
                        - no_negative_sqrt(
                            dur * (from * from * dur + 2.0 * (i - self.done_so_far) * (to - from)),
                        ))
                        / (from - to)
                } else {
                    (i - self.done_so_far) / to
                };
                // Go's time.Duration(x) truncates toward zero.
                let offset = (x as i64).max(0) as u64 + self.stage_start;
                return Some(Duration::from_nanos(offset));
            }
            self.done_so_far = self.end_count;
            self.from = to;
            self.stage_start += dur_ns;
            self.stage += 1;
            self.stage_counted = false;
        }
        None
    }
}

pub fn run(
    run: &ScenarioRun,
    start_rate: u64,
    time_unit: Duration,
    stages: &[Stage],
    pre_allocated: u64,
    max_vus: u64,
) -> Result<(), ScriptError> {
    let duration = stages.iter().map(|s| s.duration).sum();
    run_arrivals(
        run,
        Schedule::new(start_rate, time_unit, stages),
        duration,
        pre_allocated,
        max_vus,
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(ms: u64, target: u64) -> Stage {
        Stage {
            duration: Duration::from_millis(ms),
            target,
        }
    }

    fn offsets(start: u64, unit_ms: u64, stages: &[Stage]) -> Vec<u64> {
        Schedule::new(start, Duration::from_millis(unit_ms), stages)
            .map(|d| d.as_nanos() as u64)
            .collect()
    }

    #[test]
    fn constant_stage_starts_after_one_period() {
        let o = offsets(10, 1000, &[st(2000, 10)]);
        assert_eq!(o.len(), 20);
        assert_eq!(o[0], 100_000_000);
        assert_eq!(o[19], 2_000_000_000);
    }

    #[test]
    fn ramps_follow_k6s_formula() {
        // 0 → 10/s over 2s: 10 starts, the n-th at 2s·sqrt(n/10).
        let o = offsets(0, 1000, &[st(2000, 10)]);
        assert_eq!(o.len(), 10);
        assert_eq!(o[9], 2_000_000_000);
        assert_eq!(o[8], 1_897_366_596);
        // Three stages with a 500ms time unit: 10 + 5 + 3 starts.
        let o = offsets(5, 500, &[st(1000, 5), st(1000, 0), st(1000, 3)]);
        assert_eq!(o.len(), 18);
        assert_eq!(&o[15..], &[2_577_350_269, 2_816_496_580, 3_000_000_000]);
    }

    #[test]
    fn fractional_areas_carry_over_stages() {
        // 1.5 starts in the first stage: one there, the second 0.5 into the next.
        let o = offsets(3, 1000, &[st(500, 3), st(1000, 3)]);
        assert_eq!(o.len(), 4);
        assert_eq!(o[0], 333_333_333);
        assert!(o[1] > 500_000_000);
    }
}
