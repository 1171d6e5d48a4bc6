//! The summary phase: drain the metrics pipeline (the outputs stop), evaluate the thresholds
//! a last time, then write the end-of-test summary — `handleSummary()` or the text summary,
//! and `--summary-export` — and what each output has to report.

use super::execute::Ended;
use super::init::TestRun;
use super::pipeline::{PipelineResult, print_output_report};
use super::{Outcome, RunError, RunRequest, exit, print_stdout};
use crate::js::console;
use crate::metrics::engine::ThresholdsVerdict;

/// Writes the summary; the thresholds' final verdict decides the exit code.
pub(super) fn report(
    req: &RunRequest,
    run: &mut TestRun,
    outcome: &Outcome,
    ended: &mut Ended,
) -> Result<ThresholdsVerdict, RunError> {
    let pipeline = run.metrics.take().ok_or_else(|| RunError {
        code: 103,
        message: "the metrics pipeline is gone".into(),
        hint: None,
    })?;
    let PipelineResult {
        mut engine,
        reports,
    } = pipeline.finish(ended.elapsed)?;
    let verdict = if req.no_thresholds {
        Default::default()
    } else {
        engine.evaluate_thresholds_final(ended.elapsed)
    };

    let summary = engine
        .summary(ended.elapsed, &run.summary_opts)
        .map_err(|e| RunError {
            code: exit::INVALID_TREND_STAT,
            message: e.to_string(),
            hint: None,
        })?;
    crate::run_record::after_summary(
        req.save_as.as_ref(),
        &req.script,
        &mut engine,
        ended.elapsed,
        &run.summary_opts,
    );
    let setup_data = &outcome.setup_data;
    if let Some(path) = &req.snapshot_out {
        write_snapshot(req, run, outcome, ended, &engine, path);
    }
    // k6 v1.1.0 writes no --summary-export file under --no-summary either.
    if let Some(path) = req.summary_export.as_ref().filter(|_| !req.no_summary) {
        let text = summary.to_summary_export_string((**setup_data).clone());
        if let Err(e) = std::fs::write(path, text) {
            console::error(&format!(
                "could not write the summary export {}: {e}",
                path.display()
            ));
        }
    }
    if !req.no_summary {
        let mut handled = false;
        if run.exports("handleSummary") {
            // k6 passes setup()'s result to handleSummary as `data.setup_data`.
            let mut summary = summary.clone();
            summary.setup_data = (**setup_data).clone();
            let data = summary.to_handle_summary_data();
            run.lifecycle_signal.reset();
            let timeout = run.options.handle_summary_timeout;
            match run.lifecycle.handle_summary(data, timeout) {
                Ok(Some(files)) => {
                    handled = true;
                    write_summary_files(files);
                }
                Ok(None) => {}
                Err(None) => {
                    console::error(&format!(
                        "handleSummary() execution timed out after {} seconds",
                        timeout.as_secs_f64()
                    ));
                }
                Err(Some(e)) => {
                    console::log(
                        console::Level::Error,
                        &e.message,
                        &[("hint", "script exception")],
                    );
                }
            }
        }
        if !handled {
            let mode =
                crate::metrics::summary::SummaryMode::parse(&req.summary_mode).unwrap_or_default();
            print_stdout(&crate::metrics::summary_text::render_text_summary(
                &summary, mode,
            ));
        }
    }
    if let Some(block) = ended.final_block.take() {
        block.print();
    }
    for r in &reports {
        print_output_report(r);
    }
    Ok(verdict)
}

/// `--snapshot-out`: this instance's metrics snapshot, for `rk6 merge`.
fn write_snapshot(
    req: &RunRequest,
    run: &TestRun,
    outcome: &Outcome,
    ended: &Ended,
    engine: &crate::metrics::engine::MetricsEngine,
    path: &std::path::Path,
) {
    use crate::distributed::snapshot::{RunEnd, Snapshot, instance_path};
    let options = &run.options;
    let expected_response =
        crate::js::runtime::SystemTags::from_option(options.system_tags.as_deref())
            .has("expected_response");
    let end = RunEnd {
        duration: ended.elapsed,
        setup_data: outcome.setup_data.as_ref().as_ref(),
        marked_failed: ended.test_failed,
        interrupted: ended
            .aborted_by
            .as_ref()
            .map(|a| format!("{a:?}"))
            .or(outcome.early_exit.map(|code| format!("exit code {code}"))),
    };
    let snapshot = Snapshot::of_run(
        &req.script,
        options,
        expected_response,
        req.no_thresholds,
        engine,
        end,
    );
    if let Err(e) = snapshot.write(&instance_path(path, &options.execution_tuple)) {
        console::error(&e);
    }
}

pub fn write_summary_files(files: Vec<(String, Vec<u8>)>) {
    use std::io::Write;
    let mut failed = Vec::new();
    for (dest, bytes) in files {
        match dest.as_str() {
            "stdout" => {
                let _ = std::io::stdout().write_all(&bytes);
            }
            "stderr" => {
                let _ = std::io::stderr().write_all(&bytes);
            }
            path => {
                if let Err(e) = std::fs::write(path, &bytes) {
                    failed.push(format!(
                        "\t- could not open '{path}': open {path}: {}",
                        crate::go_strconv::os_error_text(&e)
                    ));
                }
            }
        }
    }
    if !failed.is_empty() {
        crate::js::vu::summary_error(&format!(
            "Could not save some summary information:\n{}",
            failed.join("\n")
        ));
    }
}
