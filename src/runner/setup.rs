//! The setup phase: `setup()` on VU 0, within `setupTimeout`; its result is the data every
//! later phase receives.

use std::sync::Arc;

use super::Outcome;
use super::exit;
use super::init::TestRun;
use crate::executor::control::ExecutionStatus;
use crate::js::console;
use crate::js::runtime::Phase;
use crate::js::setup_data::ERROR_PREFIX as SETUP_DATA_ERROR;

/// Runs `setup()` (unless `--no-setup`, not exported, or the test was already aborted).
pub(super) fn run(run: &TestRun) -> Outcome {
    let options = &run.options;
    let mut setup_data: Option<serde_json::Value> = None;
    let mut early_exit: Option<i32> = None;
    let mut setup_data_error: Option<String> = None;
    run.control.set_status(ExecutionStatus::Setup);
    if !options.no_setup && run.exports("setup") && !run.shared.aborted() {
        match run
            .lifecycle
            .call("setup", Phase::Setup, None, options.setup_timeout)
        {
            Ok(v) => setup_data = v,
            Err(None) => {
                console::log(
                    console::Level::Error,
                    &format!(
                        "setup() execution timed out after {} seconds",
                        options.setup_timeout.as_secs()
                    ),
                    &[(
                        "hint",
                        "You can increase the time limit via the setupTimeout option",
                    )],
                );
                early_exit = Some(exit::SETUP_TIMEOUT);
            }
            Err(Some(e)) if e.interrupted => {}
            // Data k6 cannot marshal (NaN, a function): a generic error, reported at the end.
            Err(Some(e)) if e.message.starts_with(SETUP_DATA_ERROR) => {
                setup_data_error = Some(e.message);
                early_exit = Some(exit::GENERIC_ERROR);
            }
            Err(Some(e)) => {
                console::log(
                    console::Level::Error,
                    &e.message,
                    &[("hint", "script exception")],
                );
                early_exit = Some(exit::SCRIPT_EXCEPTION);
            }
        }
    }
    run.api_setup_data.lock().clone_from(&setup_data);
    Outcome {
        setup_data: Arc::new(setup_data),
        early_exit,
        setup_data_error,
        // An abort in setup() skips the scenarios and teardown(), as in k6.
        aborted_in_setup: run.shared.aborted(),
    }
}
