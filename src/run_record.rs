//! Saved runs: `rk6 run --run-name NAME` keeps the run's summary and its dashboard time
//! series in a results directory (`.rk6/runs/` by default), so that `rk6 compare baseline
//! latest` and `rk6 report` work from names.
//!
//! A saved run is one JSON file (`<dir>/<NAME>.json`):
//!
//! ```json
//! { "rk6Run": 1, "name": "baseline", "savedAt": "2026-12-06T10:00:00Z",
//!   "script": "test.js", "durationMs": 30012.4,
//!   "summary": { ...the handleSummary(data) object, trend stats up to p(99)... },
//!   "timeline": { ...the web dashboard's aggregation (see output::web_dashboard)... } }
//! ```
//!
//! The end of a run hands over here (the runner calls [`after_summary`]): the dashboard
//! output leaves its final time series with [`set_timeline`], and this writes the saved run
//! and the HTML report the dashboard was asked to export.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::metrics::engine::MetricsEngine;
use crate::metrics::summary::SummaryOptions;

/// Format marker and version of a saved run.
const MARKER: &str = "rk6Run";
const VERSION: u64 = 1;

/// Default results directory, relative to the working directory.
pub const DEFAULT_DIR: &str = ".rk6/runs";

/// The name `rk6 compare` and `rk6 report` resolve to the most recently saved run.
pub const LATEST: &str = "latest";

/// Where and under which name `rk6 run` saves the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaveAs {
    pub name: String,
    pub dir: PathBuf,
}

impl SaveAs {
    /// A run name becomes a file name: letters, digits, `-`, `_` and `.` only.
    pub fn new(name: &str, dir: PathBuf) -> Result<SaveAs, String> {
        let valid = !name.is_empty()
            && name != LATEST
            && !name.starts_with('.')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(format!(
                "invalid --run-name {name:?}: use letters, digits, '-', '_' and '.' (not starting with '.'); \"latest\" is reserved for the newest saved run"
            ));
        }
        Ok(SaveAs {
            name: name.to_string(),
            dir,
        })
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(format!("{}.json", self.name))
    }
}

/// What the dashboard output leaves for the end of the run.
#[derive(Default)]
struct Pending {
    timeline: Option<Value>,
    export: Option<PathBuf>,
}

static PENDING: Mutex<Option<Pending>> = Mutex::new(None);

/// Called by the dashboard output when it stops: its time series and, with `export`,
/// the HTML report to write once the summary exists.
pub fn set_timeline(timeline: Value, export: Option<PathBuf>) {
    if let Ok(mut p) = PENDING.lock() {
        *p = Some(Pending {
            timeline: Some(timeline),
            export,
        });
    }
}

fn take_pending() -> Pending {
    PENDING
        .lock()
        .ok()
        .and_then(|mut p| p.take())
        .unwrap_or_default()
}

/// True for a saved run's root object.
pub fn is_record(v: &Value) -> bool {
    v.get(MARKER).and_then(Value::as_u64).is_some()
}

/// The per-scenario and per-group statistics of a saved run, as handleSummary-shaped
/// entries named like sub-metrics (`http_req_duration{scenario:browse}`).
pub fn scoped_metrics(record: &Value) -> Option<&Map<String, Value>> {
    record.get("timeline")?.get("scoped")?.as_object()
}

/// The trend stats a saved run keeps, whatever the summary showed: what `rk6 compare`
/// judges.
const RECORD_TREND_STATS: [&str; 8] = [
    "avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count",
];

/// Builds the saved-run object.
pub fn record(
    name: &str,
    script: &Path,
    elapsed: Duration,
    summary: Value,
    timeline: Option<Value>,
) -> Value {
    json!({
        MARKER: VERSION,
        "name": name,
        "savedAt": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "script": script.display().to_string(),
        "durationMs": elapsed.as_secs_f64() * 1000.0,
        "summary": summary,
        "timeline": timeline.unwrap_or(Value::Null),
    })
}

/// The runner's hook once the test's summary can be taken: writes the dashboard's HTML
/// report (`K6_WEB_DASHBOARD_EXPORT`) and the saved run (`--run-name`). Problems are
/// reported and do not change the exit code (as k6 treats a summary file it cannot write).
pub fn after_summary(
    save_as: Option<&SaveAs>,
    script: &Path,
    engine: &mut MetricsEngine,
    elapsed: Duration,
    opts: &SummaryOptions,
) {
    let pending = take_pending();
    if save_as.is_none() && pending.export.is_none() {
        return;
    }
    let opts = SummaryOptions {
        trend_stats: RECORD_TREND_STATS.iter().map(|s| s.to_string()).collect(),
        ..opts.clone()
    };
    let summary = match engine.summary(elapsed, &opts) {
        Ok(s) => s.to_handle_summary_data(),
        Err(e) => {
            crate::js::console::error(&format!("could not save the run: {e}"));
            return;
        }
    };
    let name = save_as.map(|s| s.name.as_str()).unwrap_or_default();
    let rec = record(name, script, elapsed, summary, pending.timeline);
    if let Some(path) = &pending.export {
        let html = crate::output::web_dashboard::report_html(&rec);
        if let Err(e) = std::fs::write(path, html) {
            crate::js::console::error(&format!(
                "could not write the web dashboard report {}: {e}",
                path.display()
            ));
        }
    }
    if let Some(save) = save_as
        && let Err(e) = save_record(save, &rec)
    {
        crate::js::console::error(&e);
    }
}

fn save_record(save: &SaveAs, rec: &Value) -> Result<(), String> {
    let path = save.path();
    std::fs::create_dir_all(&save.dir)
        .and_then(|()| std::fs::write(&path, serde_json::to_vec(rec).unwrap_or_default()))
        .map_err(|e| format!("could not save the run as {}: {e}", path.display()))
}

/// Resolves what the user named: an existing file, a saved run's name in `dir`, or
/// `latest` (the most recently saved run there).
pub fn resolve(what: &str, dir: &Path) -> Result<PathBuf, String> {
    let as_path = Path::new(what);
    if as_path.is_file() {
        return Ok(as_path.to_path_buf());
    }
    let saved = saved_runs(dir);
    let found = if what == LATEST {
        saved.iter().max_by_key(|(_, modified)| *modified)
    } else {
        saved
            .iter()
            .find(|(p, _)| p.file_stem().is_some_and(|s| s == what))
    };
    if let Some((p, _)) = found {
        return Ok(p.clone());
    }
    let names: Vec<String> = saved
        .iter()
        .filter_map(|(p, _)| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    Err(if names.is_empty() {
        format!(
            "{what:?} is neither a file nor a saved run: {} holds no saved runs (save one with `rk6 run --run-name NAME script.js`)",
            dir.display()
        )
    } else {
        format!(
            "{what:?} is neither a file nor a saved run in {} (saved runs: {}, and \"latest\")",
            dir.display(),
            names.join(", ")
        )
    })
}

fn saved_runs(dir: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut runs: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| {
            let modified = std::fs::metadata(&p).and_then(|m| m.modified()).ok()?;
            Some((p, modified))
        })
        .collect();
    runs.sort();
    runs
}

/// The results directory: `--results-dir`, else `RK6_RESULTS_DIR`, else [`DEFAULT_DIR`].
pub fn results_dir(flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .or_else(|| {
            std::env::var_os("RK6_RESULTS_DIR")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DIR))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_names_must_be_file_names() {
        assert!(SaveAs::new("baseline", ".".into()).is_ok());
        assert!(SaveAs::new("pr-12_v1.2", ".".into()).is_ok());
        for bad in ["", "latest", "../x", "a/b", ".hidden", "a b"] {
            assert!(SaveAs::new(bad, ".".into()).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_resolve_to_saved_runs_and_latest_to_the_newest() {
        let dir = std::env::temp_dir().join(format!("rk6-run-record-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let err = resolve("baseline", &dir).unwrap_err();
        assert!(err.contains("holds no saved runs"), "{err}");
        let rec = record("x", Path::new("t.js"), Duration::ZERO, json!({}), None);
        for name in ["baseline", "second"] {
            save_record(&SaveAs::new(name, dir.clone()).unwrap(), &rec).unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            resolve("baseline", &dir).unwrap(),
            dir.join("baseline.json")
        );
        assert_eq!(resolve(LATEST, &dir).unwrap(), dir.join("second.json"));
        let err = resolve("third", &dir).unwrap_err();
        assert!(err.contains("saved runs: baseline, second"), "{err}");
        assert!(is_record(&rec));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
