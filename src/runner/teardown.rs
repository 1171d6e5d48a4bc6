//! The teardown phase: `teardown(data)` on VU 0, within `teardownTimeout`, after the
//! scenarios (also after `exec.test.abort()` or a signal during them, as in k6).

use super::Outcome;
use super::exit;
use super::init::TestRun;
use crate::executor::control::ExecutionStatus;
use crate::js::console;
use crate::js::runtime::Phase;

/// Runs `teardown()` unless an earlier phase failed, `--no-teardown`, it is not exported, or
/// the test was aborted in setup().
pub(super) fn run(run: &TestRun, outcome: &mut Outcome) {
    let options = &run.options;
    if outcome.early_exit.is_some()
        || options.no_teardown
        || !run.exports("teardown")
        || outcome.aborted_in_setup
    {
        return;
    }
    run.control.set_status(ExecutionStatus::Teardown);
    run.lifecycle_signal.reset();
    match run.lifecycle.call(
        "teardown",
        Phase::Teardown,
        (*outcome.setup_data).clone(),
        options.teardown_timeout,
    ) {
        Ok(_) => {}
        Err(None) => {
            console::log(
                console::Level::Error,
                &format!(
                    "teardown() execution timed out after {} seconds",
                    options.teardown_timeout.as_secs()
                ),
                &[(
                    "hint",
                    "You can increase the time limit via the teardownTimeout option",
                )],
            );
            outcome.early_exit = Some(exit::TEARDOWN_TIMEOUT);
        }
        Err(Some(e)) if e.interrupted => {}
        Err(Some(e)) => {
            console::log(
                console::Level::Error,
                &e.message,
                &[("hint", "script exception")],
            );
            outcome.early_exit = Some(exit::SCRIPT_EXCEPTION);
        }
    }
}
