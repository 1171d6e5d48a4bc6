//! The execute phase: the test's clock (started before setup(), stopped after teardown(),
//! as k6 counts the test's duration) and the scenarios, each on its own controller thread
//! from its start time.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::Outcome;
use super::init::TestRun;
use super::{RunRequest, exit};
use crate::executor::RunEnv;
use crate::executor::control::ExecutionStatus;
use crate::js::console;
use crate::js::runtime::AbortReason;
use crate::progress::FinalBlock;

/// Starts the test once it is no longer paused (`--paused` waits for the REST API), every
/// instance of a split test is ready (`--coordinator`) and the start time has come
/// (`--start-at`). Returns when the test started, or the exit code of a barrier that gave up.
pub(super) fn start_clock(
    req: &RunRequest,
    rt: &tokio::runtime::Runtime,
    run: &TestRun,
) -> Result<Instant, i32> {
    let control = &run.control;
    if control.is_paused() {
        control.set_status(ExecutionStatus::PausedBeforeRun);
        control.wait_while_paused(&|| run.shared.aborted());
    }
    if let Some(coordinator) = &req.coordinator {
        let meeting = crate::distributed::barrier::Meeting {
            coordinator,
            tuple: &run.options.execution_tuple,
            local: run.barrier.clone(),
            timeout: req.coordinator_timeout,
        };
        if let Err(e) = crate::distributed::barrier::wait_for_all(rt.handle(), &meeting, &|| {
            run.shared.aborted()
        }) {
            console::error(&e);
            return Err(exit::GENERIC_ERROR);
        }
    }
    if let Some(at) = req.start_at {
        crate::distributed::start::wait_until(at, &|| run.shared.aborted());
    }
    control.mark_started();
    control.set_status(ExecutionStatus::Started);
    *run.shared.test_start.lock() = Some(Instant::now());
    *run.test_started.lock() = Some(Instant::now());
    Ok(Instant::now())
}

/// Runs the scenarios, unless setup() failed or aborted the test.
pub(super) fn run_scenarios(run: &mut TestRun, outcome: &mut Outcome) {
    run.control.set_status(ExecutionStatus::Running);
    if outcome.early_exit.is_none() && !outcome.aborted_in_setup {
        let env = RunEnv {
            pool: run.pool.clone(),
            shared: run.shared.clone(),
            control: run.control.clone(),
            setup_data: outcome.setup_data.clone(),
            // Raised synchronously by `request_abort`.
            stop_all: run.shared.stop_all.clone(),
            start: Instant::now(),
        };
        for e in run.scenarios.run(&env) {
            console::log(
                console::Level::Error,
                &e.message,
                &[("hint", "script exception")],
            );
            outcome.early_exit.get_or_insert(exit::SCRIPT_EXCEPTION);
        }
    }
    // An abort during the scenarios: let the watcher cancel VU 0 now, so its cancellation
    // cannot land after teardown() resets VU 0's signal and interrupt it (k6 runs teardown
    // after exec.test.abort()). The abort was sent, so the watcher ends promptly.
    if run.shared.abort.lock().is_some()
        && let Some(w) = run.abort_watch.take()
    {
        let _ = w.join();
    }
}

/// How the test ended.
pub(super) struct Ended {
    pub(super) elapsed: Duration,
    /// Read after teardown(), which may have aborted the test too (k6 exits 108 then as
    /// well); an abort in handleSummary() changes nothing (k6 exits 0).
    pub(super) aborted_by: Option<AbortReason>,
    /// `exec.test.fail()` was called.
    pub(super) test_failed: bool,
    /// The progress display's last block, printed after the summary as k6 does.
    pub(super) final_block: Option<FinalBlock>,
}

/// Stops the test's clock, the gauges, the VUs and the progress display.
pub(super) fn end(run: &mut TestRun, test_start: Instant) -> Ended {
    let aborted_by = run.shared.abort.lock().clone();
    let elapsed = test_start.elapsed();
    run.control.mark_ended();
    run.control.set_status(if run.shared.aborted() {
        ExecutionStatus::Interrupted
    } else {
        ExecutionStatus::Ended
    });
    if let Some(g) = run.gauges.take() {
        g.stop();
    }
    run.pool.shutdown();
    // The progress display stops with the test, not after the outputs have flushed (that can
    // take seconds); k6 prints its last block after the summary.
    let final_block = run.display.as_mut().and_then(|d| d.stop());
    Ended {
        elapsed,
        aborted_by,
        test_failed: run.shared.counters.test_failed.load(Ordering::Relaxed),
        final_block,
    }
}
