//! What one instance of a split test writes at its end with `--snapshot-out FILE`
//! (`K6_SNAPSHOT_OUT`): its identity (segment, sequence, tags such as k6-operator's
//! `instance_id`), what the merge needs of the test's options, and the metrics engine's
//! aggregates. JSON, one file per instance.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::metrics::engine::{EngineState, MetricsEngine};
use crate::options::Options;

/// The format's name and version, checked when reading.
pub const FORMAT: &str = "rk6-metrics-snapshot/1";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub format: String,
    pub instance: Instance,
    pub test: TestIdentity,
    /// The test run's duration on this instance (setup to teardown), in seconds.
    pub duration_s: f64,
    /// What this instance's `setup()` returned (the summary export's `setup_data`).
    #[serde(default)]
    pub setup_data: Option<serde_json::Value>,
    /// `exec.test.fail()` was called on this instance.
    #[serde(default)]
    pub marked_failed: bool,
    /// Why this instance ended early (an abort, a stop from the REST API, a signal), if it did.
    #[serde(default)]
    pub interrupted: Option<String>,
    pub metrics: EngineState,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Instance {
    /// `from:to`, e.g. `1/3:2/3` (`0:1` when the test was not split).
    pub segment: String,
    /// The filled sequence, e.g. `0,1/3,2/3,1`.
    pub sequence: String,
    /// The test-wide tags (`--tag`, `options.tags`): k6-operator's `instance_id` and
    /// `testrun_name` among them.
    pub tags: BTreeMap<String, String>,
}

/// What must be the same on every instance of one test, and what the merge needs of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestIdentity {
    /// The script as given to `rk6 run`.
    pub script: String,
    /// `options.thresholds`, as the script and flags set them.
    pub thresholds: serde_json::Value,
    pub no_thresholds: bool,
    /// The `http_req_duration{expected_response:true}` sub-metric is defined.
    pub expected_response_submetric: bool,
    pub summary_trend_stats: Vec<String>,
    pub summary_time_unit: Option<String>,
}

/// How the run ended, as far as the snapshot records it.
pub struct RunEnd<'a> {
    pub duration: Duration,
    pub setup_data: Option<&'a serde_json::Value>,
    pub marked_failed: bool,
    pub interrupted: Option<String>,
}

/// `--snapshot-out` with `{instance}` replaced by this instance's number in the sequence
/// (from 1, as k6-operator numbers its runners): one path for every runner of a `TestRun`
/// (`spec.arguments` is the same for all) still gives each its own file.
pub fn instance_path(
    path: &Path,
    tuple: &crate::options::execution_segment::ExecutionTuple,
) -> PathBuf {
    let Some(text) = path.to_str().filter(|t| t.contains("{instance}")) else {
        return path.to_path_buf();
    };
    let n = tuple
        .sequence()
        .0
        .iter()
        .position(|s| s == tuple.segment())
        .map_or(1, |i| i + 1);
    PathBuf::from(text.replace("{instance}", &n.to_string()))
}

impl Snapshot {
    pub fn of_run(
        script: &Path,
        options: &Options,
        expected_response_submetric: bool,
        no_thresholds: bool,
        engine: &MetricsEngine,
        end: RunEnd<'_>,
    ) -> Snapshot {
        let tuple = &options.execution_tuple;
        Snapshot {
            format: FORMAT.to_string(),
            instance: Instance {
                segment: tuple.segment().to_string(),
                sequence: tuple.sequence().to_string(),
                tags: options
                    .tags
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            },
            test: TestIdentity {
                script: script.display().to_string(),
                thresholds: options.thresholds.clone(),
                no_thresholds,
                expected_response_submetric,
                summary_trend_stats: options.summary_trend_stats.clone(),
                summary_time_unit: options.summary_time_unit.clone(),
            },
            duration_s: end.duration.as_secs_f64(),
            setup_data: end.setup_data.cloned(),
            marked_failed: end.marked_failed,
            interrupted: end.interrupted,
            metrics: engine.export_state(),
        }
    }

    /// Writes the snapshot (to a temporary file renamed into place, so a reader never sees
    /// half of one).
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let fail = |e: &dyn std::fmt::Display| {
            format!(
                "could not write the metrics snapshot {}: {e}",
                path.display()
            )
        };
        let text = serde_json::to_vec(self).map_err(|e| fail(&e))?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".partial");
        std::fs::write(&tmp, text).map_err(|e| fail(&e))?;
        std::fs::rename(&tmp, path).map_err(|e| fail(&e))
    }

    pub fn read(path: &Path) -> Result<Snapshot, String> {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("could not read the snapshot {}: {e}", path.display()))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{} is not a metrics snapshot (rk6 run --snapshot-out writes them): {e}",
                path.display()
            )
        })?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            other => {
                return Err(format!(
                    "{} is not a metrics snapshot of this rk6 (format {}, expected {FORMAT})",
                    path.display(),
                    other.unwrap_or("missing")
                ));
            }
        }
        serde_json::from_value(value)
            .map_err(|e| format!("{}: malformed metrics snapshot: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::execution_segment::{
        ExecutionSegment, ExecutionSegmentSequence, ExecutionTuple,
    };

    #[test]
    fn instance_placeholder_is_the_runner_number() {
        let tuple = ExecutionTuple::new(
            Some(&ExecutionSegment::parse("2/4:3/4").unwrap()),
            &ExecutionSegmentSequence::parse("0,1/4,2/4,3/4,1").unwrap(),
        )
        .unwrap();
        assert_eq!(
            instance_path(Path::new("/results/snap-{instance}.json"), &tuple),
            Path::new("/results/snap-3.json")
        );
        assert_eq!(
            instance_path(Path::new("/results/snap.json"), &tuple),
            Path::new("/results/snap.json")
        );
        assert_eq!(
            instance_path(Path::new("s{instance}.json"), &ExecutionTuple::full()),
            Path::new("s1.json")
        );
    }
}
