//! The exit code, decided once every phase has run, in k6 v1.1.0's order of precedence,
//! with the error k6 logs last for it.

use super::Outcome;
use super::execute::Ended;
use super::exit;
use crate::js::console;
use crate::js::runtime::AbortReason;
use crate::metrics::engine::ThresholdsVerdict;

/// `stopped_from_api`: the REST API stopped the test.
pub(super) fn decide(
    outcome: &Outcome,
    stopped_from_api: bool,
    ended: &Ended,
    verdict: &ThresholdsVerdict,
) -> i32 {
    if let Some(msg) = &outcome.setup_data_error {
        console::error(msg);
    }
    if let Some(code) = outcome.early_exit {
        return code;
    }
    if stopped_from_api {
        // k6 v1.1.0 exits with 103 when the test is stopped through the REST API.
        return exit::STOPPED_FROM_API;
    }
    if let Some(reason) = &ended.aborted_by {
        return match reason {
            AbortReason::ScriptAbort(msg) => {
                if !msg.is_empty() {
                    console::error(msg);
                }
                exit::SCRIPT_ABORTED
            }
            AbortReason::Signal(name) => {
                console::error(&format!(
                    "test run was aborted because k6 received a '{name}' signal"
                ));
                exit::EXTERNAL_ABORT
            }
            AbortReason::StoppedFromApi => exit::STOPPED_FROM_API,
            AbortReason::Threshold(_) => exit::THRESHOLDS_FAILED,
        };
    }
    completed_test_code(ended.test_failed, verdict)
}

/// The exit code of a test that ran to its end (also `rk6 merge`'s), with k6's errors:
/// `exec.test.fail()` wins over failed thresholds (k6 v1.1.0 exits 110, without the
/// "thresholds ... crossed" error).
pub fn completed_test_code(marked_failed: bool, verdict: &ThresholdsVerdict) -> i32 {
    if marked_failed {
        console::error("test run was marked as failed");
        return exit::MARKED_AS_FAILED;
    }
    if verdict.any_failed {
        if let Some(msg) = verdict.crossed_message() {
            console::error(&msg);
        }
        return exit::THRESHOLDS_FAILED;
    }
    exit::OK
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    fn outcome(early_exit: Option<i32>) -> Outcome {
        Outcome {
            setup_data: Arc::new(None),
            early_exit,
            setup_data_error: None,
            aborted_in_setup: false,
        }
    }

    fn ended(aborted_by: Option<AbortReason>, test_failed: bool) -> Ended {
        Ended {
            elapsed: Duration::ZERO,
            aborted_by,
            test_failed,
            final_block: None,
        }
    }

    fn failed_thresholds() -> ThresholdsVerdict {
        ThresholdsVerdict {
            any_failed: true,
            breached: vec!["http_req_duration".into()],
            abort: None,
        }
    }

    #[test]
    fn a_clean_run_exits_0_and_failed_thresholds_99() {
        let ok = ThresholdsVerdict::default();
        assert_eq!(decide(&outcome(None), false, &ended(None, false), &ok), 0);
        let failed = failed_thresholds();
        assert_eq!(
            decide(&outcome(None), false, &ended(None, false), &failed),
            99
        );
    }

    #[test]
    fn an_earlier_phase_failure_wins_over_everything() {
        let code = decide(
            &outcome(Some(exit::SETUP_TIMEOUT)),
            true,
            &ended(Some(AbortReason::Signal("interrupt")), true),
            &failed_thresholds(),
        );
        assert_eq!(code, exit::SETUP_TIMEOUT);
    }

    #[test]
    fn aborts_map_to_k6_codes() {
        let ok = ThresholdsVerdict::default();
        let code = |reason| decide(&outcome(None), false, &ended(Some(reason), true), &ok);
        assert_eq!(code(AbortReason::ScriptAbort(String::new())), 108);
        assert_eq!(code(AbortReason::Signal("terminated")), 105);
        assert_eq!(code(AbortReason::StoppedFromApi), 103);
        assert_eq!(code(AbortReason::Threshold("crossed".into())), 99);
    }

    #[test]
    fn a_test_marked_failed_wins_over_failed_thresholds() {
        let code = decide(
            &outcome(None),
            false,
            &ended(None, true),
            &failed_thresholds(),
        );
        assert_eq!(code, exit::MARKED_AS_FAILED);
    }

    #[test]
    fn a_stop_from_the_rest_api_wins_over_an_abort() {
        let ok = ThresholdsVerdict::default();
        let code = decide(
            &outcome(None),
            true,
            &ended(Some(AbortReason::ScriptAbort("x".into())), false),
            &ok,
        );
        assert_eq!(code, exit::STOPPED_FROM_API);
    }
}
