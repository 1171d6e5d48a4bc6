//! The thresholds and their latest verdicts, as outputs see them (k6's `output.WithThresholds`:
//! xk6-output-timescaledb writes one row per threshold at start and its `last_failed` on every
//! flush).
//!
//! The metrics engine publishes each evaluation (every 2 s, and the final one before the
//! outputs stop, as k6 orders it); outputs read a snapshot whenever they flush. The board is
//! small (one row per threshold) and only locked for a copy.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

use super::thresholds::{TargetState, ThresholdsConfig};

/// One threshold and its state after the latest evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdStatus {
    /// The `options.thresholds` key as written: a metric or `metric{tag:value}`.
    pub metric: String,
    /// The expression as written, e.g. `p(95)<500`.
    pub source: String,
    pub abort_on_fail: bool,
    pub delay_abort_eval: Option<Duration>,
    /// Whether the latest evaluation failed it (false until it is first evaluated).
    pub last_failed: bool,
}

impl ThresholdStatus {
    /// `delayAbortEval` as k6 prints it (Go's `time.Duration.String()`; `0s` when unset).
    pub fn delay_abort_eval_text(&self) -> String {
        crate::options::duration::format_go(self.delay_abort_eval.unwrap_or_default())
    }
}

#[derive(Debug, Default)]
pub struct ThresholdBoard {
    rows: Mutex<Vec<ThresholdStatus>>,
    /// Bumped by every publication that changed a verdict, so outputs can skip rewriting an
    /// unchanged state.
    changes: AtomicU64,
}

impl ThresholdBoard {
    /// Every threshold of the options, none failed yet, in the order written.
    pub fn new(cfg: &ThresholdsConfig) -> Self {
        let rows = cfg
            .targets
            .iter()
            .flat_map(|t| {
                t.thresholds.iter().map(|th| ThresholdStatus {
                    metric: t.key.clone(),
                    source: th.source.clone(),
                    abort_on_fail: th.abort_on_fail,
                    delay_abort_eval: th.delay_abort_eval,
                    last_failed: false,
                })
            })
            .collect();
        ThresholdBoard {
            rows: Mutex::new(rows),
            changes: AtomicU64::new(0),
        }
    }

    pub fn snapshot(&self) -> Vec<ThresholdStatus> {
        self.rows.lock().clone()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.lock().is_empty()
    }

    /// Counts publications that changed a verdict.
    pub fn changes(&self) -> u64 {
        self.changes.load(Ordering::Acquire)
    }

    /// Copies the verdicts of `states` (the engine's targets, in option order) onto the rows.
    pub(crate) fn publish<'a>(&self, states: impl Iterator<Item = &'a TargetState>) {
        let mut rows = self.rows.lock();
        let mut changed = false;
        let mut i = 0;
        for s in states {
            for &failed in &s.last_failed {
                if let Some(row) = rows.get_mut(i)
                    && row.last_failed != failed
                {
                    row.last_failed = failed;
                    changed = true;
                }
                i += 1;
            }
        }
        if changed {
            self.changes.fetch_add(1, Ordering::AcqRel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_follow_the_options_and_take_the_verdicts() {
        let cfg = ThresholdsConfig::from_options(&json!({"thresholds": {
            "http_req_duration": ["p(95)<500", {"threshold": "max<1", "abortOnFail": true, "delayAbortEval": "10s"}],
            "checks{check:ok}": ["rate>0.9"],
        }}))
        .unwrap();
        let board = ThresholdBoard::new(&cfg);
        let rows = board.snapshot();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].metric, "http_req_duration");
        assert_eq!(rows[1].source, "max<1");
        assert!(rows[1].abort_on_fail);
        assert_eq!(rows[1].delay_abort_eval_text(), "10s");
        assert_eq!(rows[0].delay_abort_eval_text(), "0s");
        assert_eq!(rows[2].metric, "checks{check:ok}");

        let mut states: Vec<TargetState> =
            cfg.targets.iter().cloned().map(TargetState::new).collect();
        board.publish(states.iter());
        assert_eq!(board.changes(), 0, "nothing failed yet");
        states[0].last_failed[1] = true;
        board.publish(states.iter());
        assert_eq!(board.changes(), 1);
        let rows = board.snapshot();
        assert_eq!(
            rows.iter().map(|r| r.last_failed).collect::<Vec<_>>(),
            [false, true, false]
        );
    }
}
