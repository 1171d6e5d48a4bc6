//! `rk6 merge SNAPSHOT...`: the instances' snapshots of one split test added up into the
//! whole test's end-of-test summary, `--summary-export` and thresholds (with k6's exit code
//! 99), through the same metrics engine and renderer as `rk6 run`. The snapshots' segments
//! must cover the whole test exactly once: a missing or repeated instance is an error, never
//! a partial result presented as the whole.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::js::console;
use crate::metrics::engine::MetricsEngine;
use crate::metrics::registry::Registry;
use crate::metrics::summary::{SummaryMode, SummaryOptions};
use crate::metrics::thresholds::ThresholdsConfig;
use crate::options::execution_segment::{ExecutionSegment, rat_string};
use crate::runner::{completed_test_code, exit, print_stdout};

use super::snapshot::Snapshot;

/// What `rk6 merge` was asked to do.
pub struct MergeRequest {
    pub snapshots: Vec<PathBuf>,
    pub summary_export: Option<PathBuf>,
    pub summary_mode: String,
    pub no_summary: bool,
    pub no_color: bool,
    /// `--script`: the test's script (or archive), whose `handleSummary()` then runs once on
    /// the whole test's data instead of the text summary.
    pub script: Option<crate::runner::RunRequest>,
}

/// Exit code of a merge that cannot give the whole test's result (bad, missing or
/// repeated snapshots): k6's generic error, distinct from the thresholds' 99.
pub const MERGE_FAILED: i32 = exit::GENERIC_ERROR;

pub fn merge(req: MergeRequest) -> i32 {
    console::init_logging(false);
    match merge_inner(req) {
        Ok(code) => code,
        Err(msg) => {
            console::error(&msg);
            MERGE_FAILED
        }
    }
}

fn merge_inner(req: MergeRequest) -> Result<i32, String> {
    if req.snapshots.is_empty() {
        return Err("rk6 merge needs the snapshot of every instance of the test".into());
    }
    let mode = match SummaryMode::parse(&req.summary_mode)? {
        SummaryMode::Full => {
            return Err(
                "rk6 merge prints the compact or legacy summary: snapshots do not \
                        carry the full mode's per-group and per-scenario sections"
                    .into(),
            );
        }
        mode => mode,
    };
    let mut snapshots = Vec::with_capacity(req.snapshots.len());
    for path in &req.snapshots {
        let snap = Snapshot::read(path)?;
        let segment = ExecutionSegment::parse(&snap.instance.segment)
            .map_err(|e| format!("{}: bad segment: {e}", path.display()))?;
        snapshots.push((path.as_path(), segment, snap));
    }
    snapshots.sort_by_key(|a| a.1.from());
    check_same_test(&snapshots)?;
    check_coverage(&snapshots)?;

    let first = &snapshots[0].2;
    let test = &first.test;
    let mut thresholds = if test.no_thresholds {
        ThresholdsConfig::default()
    } else {
        ThresholdsConfig::from_options(&serde_json::json!({ "thresholds": test.thresholds }))?
    };
    thresholds.expected_response_submetric = test.expected_response_submetric;
    let registry = Arc::new(Registry::new(thresholds.index()));
    let mut engine = MetricsEngine::new(registry, thresholds);
    let mut duration = Duration::ZERO;
    for (path, _, snap) in &snapshots {
        engine
            .absorb(&snap.metrics)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        duration = duration.max(Duration::from_secs_f64(snap.duration_s.max(0.0)));
        if let Some(why) = &snap.interrupted {
            console::warn(&format!(
                "the instance of segment {} ({}) ended early: {why}",
                snap.instance.segment,
                path.display()
            ));
        }
    }
    console::log(
        console::Level::Info,
        "merged the metrics of the whole test",
        &[
            ("instances", &snapshots.len().to_string()),
            ("sequence", &first.instance.sequence),
        ],
    );

    let verdict = if test.no_thresholds {
        Default::default()
    } else {
        engine.evaluate_thresholds_final(duration)
    };
    let summary_opts = SummaryOptions {
        trend_stats: test.summary_trend_stats.clone(),
        time_unit: test.summary_time_unit.clone(),
        no_color: req.no_color,
        is_stdout_tty: is_terminal::is_terminal(std::io::stdout()),
        is_stderr_tty: is_terminal::is_terminal(std::io::stderr()),
    };
    let summary = engine
        .summary(duration, &summary_opts)
        .map_err(|e| e.to_string())?;
    if !req.no_summary {
        // setup() ran on every instance; the first segment's result stands for the test's.
        if let Some(path) = &req.summary_export {
            let text = summary.to_summary_export_string(first.setup_data.clone());
            std::fs::write(path, text).map_err(|e| {
                format!("could not write the summary export {}: {e}", path.display())
            })?;
        }
        let handled = match req.script {
            Some(run) => {
                // As in a run: handleSummary sees setup()'s result as `data.setup_data`.
                let mut data = summary.clone();
                data.setup_data = first.setup_data.clone();
                let files = crate::runner::handle_summary_only(run, data.to_handle_summary_data())
                    .map_err(|e| {
                        format!("cannot run the script's handleSummary(): {}", e.message)
                    })?;
                files.map(crate::runner::write_summary_files).is_some()
            }
            None => false,
        };
        if !handled {
            print_stdout(&crate::metrics::summary_text::render_text_summary(
                &summary, mode,
            ));
        }
    }
    let marked_failed = snapshots.iter().any(|(_, _, s)| s.marked_failed);
    Ok(completed_test_code(marked_failed, &verdict))
}

type Entry<'a> = (&'a Path, ExecutionSegment, Snapshot);

/// Every snapshot must come from the same test: same thresholds and summary options, same
/// segment sequence and, under k6-operator, the same `testrun_name`.
fn check_same_test(snapshots: &[Entry<'_>]) -> Result<(), String> {
    let (first_path, _, first) = &snapshots[0];
    for (path, _, snap) in &snapshots[1..] {
        let differs = |what: &str| {
            format!(
                "{} and {} are not snapshots of the same test: their {what} differ",
                first_path.display(),
                path.display()
            )
        };
        if snap.test != first.test {
            return Err(differs("scripts, thresholds or summary options"));
        }
        if snap.instance.sequence != first.instance.sequence {
            return Err(differs("execution segment sequences"));
        }
        if snap.instance.tags.get("testrun_name") != first.instance.tags.get("testrun_name") {
            return Err(differs("testrun_name tags"));
        }
    }
    Ok(())
}

/// The segments, sorted by start, must tile 0..1: no gap (an instance missing) and no
/// overlap (an instance given twice, or snapshots of different splits).
fn check_coverage(snapshots: &[Entry<'_>]) -> Result<(), String> {
    let sequence = &snapshots[0].2.instance.sequence;
    let missing = |from: &str, to: &str| {
        format!(
            "no snapshot covers the execution segment {from}:{to} of the sequence {sequence}: \
             an instance is missing (it did not finish or its snapshot was not given), so the \
             merge would not be the whole test; give every instance's snapshot"
        )
    };
    let mut end = ExecutionSegment::full().from();
    let mut previous: Option<&Entry<'_>> = None;
    for entry in snapshots {
        let (path, segment, _) = entry;
        if segment.from() < end {
            let other = previous
                .map(|p| p.0.display().to_string())
                .unwrap_or_default();
            return Err(format!(
                "{} (segment {segment}) overlaps {other}: the same instance was given twice, \
                 or the snapshots come from different splits of the test",
                path.display()
            ));
        }
        if segment.from() > end {
            return Err(missing(&rat_string(&end), &rat_string(&segment.from())));
        }
        end = segment.to();
        previous = Some(entry);
    }
    let whole = ExecutionSegment::full().to();
    if end < whole {
        return Err(missing(&rat_string(&end), "1"));
    }
    Ok(())
}
