//! `constant-arrival-rate`: iterations start on a fixed schedule (not when a VU frees up), so
//! a slow target does not lower the load (no coordinated omission).

use std::time::Duration;

use super::ScenarioRun;
use super::arrival::run_arrivals;
use crate::js::vu::ScriptError;

/// Start offsets `i * timeUnit/rate` from 0 up to and including `duration`. k6 v1.1.0 starts
/// 21 iterations for 10/s over 2s: the start at the end instant races with the end of the
/// scenario there and wins nearly always (10 of 11 runs), so rk6 always includes it.
pub fn schedule(
    rate: u64,
    time_unit: Duration,
    duration: Duration,
) -> impl Iterator<Item = Duration> {
    // k6's ticker period: the float inverse of the rate, truncated to whole nanoseconds.
    let period = (time_unit.as_nanos() as f64 / rate.max(1) as f64) as u128;
    let end = duration.as_nanos();
    (0u128..)
        .map(move |i| i * period.max(1))
        .take_while(move |t| *t <= end)
        .map(|t| Duration::from_nanos(t as u64))
}

pub fn run(
    run: &ScenarioRun,
    rate: u64,
    time_unit: Duration,
    duration: Duration,
    pre_allocated: u64,
    max_vus: u64,
) -> Result<(), ScriptError> {
    run_arrivals(
        run,
        schedule(rate, time_unit, duration),
        duration,
        pre_allocated,
        max_vus,
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_include_both_ends() {
        let s: Vec<u128> = schedule(10, Duration::from_secs(1), Duration::from_secs(2))
            .map(|d| d.as_millis())
            .collect();
        assert_eq!(s.len(), 21);
        assert_eq!(s[0], 0);
        assert_eq!(s[20], 2000);
        // 3/s: the period is truncated to 333333333ns, so 3 periods end before 1s.
        assert_eq!(
            schedule(3, Duration::from_secs(1), Duration::from_secs(1)).count(),
            4
        );
        assert_eq!(
            schedule(1, Duration::from_secs(60), Duration::from_secs(120)).count(),
            3
        );
    }
}
