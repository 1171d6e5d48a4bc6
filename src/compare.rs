//! `rk6 compare BASELINE CURRENT`: two runs metric by metric, each change judged better,
//! worse or within noise by a stated rule, as a terminal table, Markdown or JSON.
//!
//! Runs come as k6's `--summary-export` JSON, the `handleSummary(data)` object saved as
//! JSON, or a run saved by `rk6 run --run-name` (see [`crate::run_record`]). Only metrics
//! and statistics both runs have are compared; per-scenario and per-tag-set rows come from
//! sub-metrics (`http_req_duration{scenario:browse}`) that both runs report.
//!
//! The rule (docs/compare.md): a change is judged against a tolerance for its statistic.
//! Trend statistics (avg, p(50)…p(99)) and throughput (`http_reqs`/`iterations` per second)
//! use a relative tolerance; rate metrics (`http_req_failed`, `checks`) an absolute one in
//! percentage points, since a relative change from 0% is meaningless. Time trends also
//! have an absolute noise floor (1 ms by default): a change smaller than that is noise
//! whatever its percentage, so sub-millisecond local timings do not fail a build.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

/// Exit code of `rk6 compare` when a change is worse than its tolerance.
pub const EXIT_REGRESSION: i32 = 1;

/// Metric kinds as k6 names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Counter,
    Gauge,
    Rate,
    Trend,
}

/// One metric (or sub-metric) of a run: its kind and its statistics by k6's names.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricStats {
    pub kind: Kind,
    /// Trend values are times (ms); from a summary export, whose entries carry no
    /// `contains`, every trend is taken for a time, as k6's built-in trends are.
    pub time: bool,
    pub values: BTreeMap<String, f64>,
}

/// A run reduced to what the comparison reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunStats {
    /// How the run was named on the command line (a saved run's name or a file path).
    pub label: String,
    pub metrics: BTreeMap<String, MetricStats>,
}

fn kind_of(name: &str) -> Option<Kind> {
    match name {
        "counter" => Some(Kind::Counter),
        "gauge" => Some(Kind::Gauge),
        "rate" => Some(Kind::Rate),
        "trend" => Some(Kind::Trend),
        _ => None,
    }
}

fn number_map(o: &Map<String, Value>) -> BTreeMap<String, f64> {
    let mut values: BTreeMap<String, f64> = o
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
        .collect();
    // k6 calls the median `med`; the comparison shows it as p(50).
    if let Some(med) = values.get("med").copied() {
        values.entry("p(50)".into()).or_insert(med);
    }
    values
}

/// One entry of a `handleSummary` data `metrics` object: `{type, contains, values}`.
fn from_handle_summary(entry: &Value) -> Option<MetricStats> {
    let kind = kind_of(entry.get("type")?.as_str()?)?;
    let values = number_map(entry.get("values")?.as_object()?);
    let time = entry.get("contains").and_then(Value::as_str) == Some("time");
    Some(MetricStats { kind, time, values })
}

/// One entry of a legacy `--summary-export` `metrics` object, whose kind shows in its keys:
/// rates have `passes`/`fails` (and the rate as `value`), counters `count`, trends `avg`.
fn from_summary_export(entry: &Value) -> Option<MetricStats> {
    let o = entry.as_object()?;
    let mut values = number_map(o);
    let kind = if o.contains_key("passes") {
        if let Some(v) = values.remove("value") {
            values.insert("rate".into(), v);
        }
        Kind::Rate
    } else if o.contains_key("count") {
        Kind::Counter
    } else if o.contains_key("avg") {
        Kind::Trend
    } else {
        Kind::Gauge
    };
    Some(MetricStats {
        time: kind == Kind::Trend,
        kind,
        values,
    })
}

impl RunStats {
    /// Reads any of the three forms from JSON text; `source` names the file in errors.
    pub fn parse(label: &str, text: &str, source: &Path) -> Result<RunStats, String> {
        let root: Value = serde_json::from_str(text).map_err(|e| {
            format!(
                "{}: not valid JSON (line {}, column {}): {e}",
                source.display(),
                e.line(),
                e.column()
            )
        })?;
        let mut run = RunStats {
            label: label.to_string(),
            metrics: BTreeMap::new(),
        };
        let shape_error = || {
            format!(
                "{}: not a run rk6 can compare: expected a --summary-export file, handleSummary() data \
                 saved as JSON, or a run saved with `rk6 run --run-name` (an object with `metrics`)",
                source.display()
            )
        };
        // A saved run holds the handleSummary data and, from the dashboard aggregation,
        // per-scenario and per-group statistics.
        let summary = root
            .get("summary")
            .filter(|_| crate::run_record::is_record(&root));
        let data = summary.unwrap_or(&root);
        let metrics = data
            .get("metrics")
            .and_then(Value::as_object)
            .ok_or_else(shape_error)?;
        for (name, entry) in metrics {
            let stats = if entry.get("values").is_some() {
                from_handle_summary(entry)
            } else {
                from_summary_export(entry)
            };
            if let Some(s) = stats {
                run.metrics.insert(name.clone(), s);
            }
        }
        if summary.is_some()
            && let Some(scoped) = crate::run_record::scoped_metrics(&root)
        {
            for (name, entry) in scoped {
                if let Some(s) = from_handle_summary(entry) {
                    run.metrics.entry(name.clone()).or_insert(s);
                }
            }
        }
        Ok(run)
    }
}

/// Which way is better for a statistic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Better {
    Lower,
    Higher,
}

/// How a change is measured against its tolerance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// (current − baseline) / baseline.
    Relative,
    /// current − baseline, in percentage points of a rate.
    Absolute,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Better,
    Worse,
    WithinNoise,
}

impl Verdict {
    fn label(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "WORSE",
            Verdict::WithinNoise => "within noise",
        }
    }
}

/// Tolerances by statistic (`p95`, `rate`…), optionally for one metric (`METRIC:p95`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rule {
    /// Fractions: 0.10 is 10% (relative) or 10 percentage points (rates).
    pub tolerances: BTreeMap<String, f64>,
    /// Changes of a time trend smaller than this (ms) are noise.
    pub noise_floor_ms: f64,
}

/// The statistics compared, with their tolerance keys.
const STATS: [(&str, &str); 7] = [
    ("avg", "avg"),
    ("p(50)", "p50"),
    ("p(90)", "p90"),
    ("p(95)", "p95"),
    ("p(99)", "p99"),
    ("rate", "rate"),
    ("throughput", "throughput"),
];

impl Default for Rule {
    fn default() -> Self {
        let tolerances = [
            ("avg", 0.10),
            ("p50", 0.10),
            ("p90", 0.10),
            ("p95", 0.10),
            ("p99", 0.20),
            ("rate", 0.01),
            ("throughput", 0.10),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Rule {
            tolerances,
            noise_floor_ms: 1.0,
        }
    }
}

impl Rule {
    /// Applies one `--max-regression` value: `p95=10%`, `rate=0.5%`, `METRIC:p95=5%`,
    /// or several separated by commas.
    pub fn apply(&mut self, spec: &str) -> Result<(), String> {
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, pct) = item.split_once('=').ok_or_else(|| {
                format!("--max-regression {item:?}: expected STAT=PERCENT, e.g. p95=10%")
            })?;
            let stat = key.rsplit(':').next().unwrap_or(key);
            if !STATS.iter().any(|(_, k)| *k == stat) {
                return Err(format!(
                    "--max-regression {item:?}: unknown statistic {stat:?}; use one of avg, p50, p90, p95, p99, rate, throughput (optionally METRIC:STAT)"
                ));
            }
            let number = pct.trim().trim_end_matches('%');
            let value: f64 = number
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| {
                    format!("--max-regression {item:?}: {pct:?} is not a percentage (e.g. 10%)")
                })?;
            self.tolerances.insert(key.to_string(), value / 100.0);
        }
        Ok(())
    }

    fn tolerance(&self, metric: &str, stat_key: &str) -> f64 {
        let base = metric.split('{').next().unwrap_or(metric);
        [format!("{metric}:{stat_key}"), format!("{base}:{stat_key}")]
            .iter()
            .find_map(|k| self.tolerances.get(k))
            .or_else(|| self.tolerances.get(stat_key))
            .copied()
            .unwrap_or(0.10)
    }
}

/// One compared statistic.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub metric: String,
    pub stat: String,
    pub baseline: f64,
    pub current: f64,
    /// Relative fraction or absolute difference, as `change_kind` says.
    pub change: f64,
    pub change_kind: ChangeKind,
    pub tolerance: f64,
    pub verdict: Verdict,
    #[serde(skip)]
    unit: Unit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Unit {
    #[default]
    Plain,
    Ms,
    Ratio,
    PerSecond,
}

/// The comparison of two runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub baseline: String,
    pub current: String,
    pub rule: Rule,
    pub rows: Vec<Row>,
    pub regressions: usize,
    /// Print every row, not only the headline metrics and the changes beyond tolerance.
    #[serde(skip)]
    pub all: bool,
}

/// k6's breakdown of a request's time: judged like every trend, but shown only when it
/// moved beyond tolerance (or with `--all`), since `http_req_duration` already sums them.
fn is_detail(base_name: &str) -> bool {
    matches!(
        base_name,
        "http_req_blocked"
            | "http_req_connecting"
            | "http_req_tls_handshaking"
            | "http_req_sending"
            | "http_req_waiting"
            | "http_req_receiving"
    )
}

/// Throughput counters: more per second is better. Other counters (bytes, custom) depend
/// on what the script does and are not judged.
fn is_throughput(base_name: &str) -> bool {
    matches!(base_name, "http_reqs" | "iterations" | "grpc_reqs")
}

/// Rates whose name says they count failures are better lower (`http_req_failed`);
/// every other rate (`checks`) is better higher.
fn rate_better(base_name: &str) -> Better {
    if base_name.contains("fail") || base_name.contains("error") {
        Better::Lower
    } else {
        Better::Higher
    }
}

/// How one statistic is judged.
struct StatRule {
    stat: &'static str,
    /// The tolerance key (`p95`, `rate`, `throughput`).
    key: &'static str,
    better: Better,
    kind: ChangeKind,
    /// Absolute changes under this are noise.
    floor: f64,
    unit: Unit,
}

fn judge(rule: &Rule, metric: &str, s: &StatRule, (b, c): (f64, f64)) -> Row {
    let StatRule {
        stat,
        key,
        better,
        kind,
        floor,
        unit,
    } = *s;
    let tolerance = rule.tolerance(metric, key);
    let diff = c - b;
    let change = match kind {
        ChangeKind::Absolute => diff,
        ChangeKind::Relative if b != 0.0 => diff / b.abs(),
        // From zero, any rise is an infinite relative change.
        ChangeKind::Relative if diff == 0.0 => 0.0,
        ChangeKind::Relative => f64::INFINITY.copysign(diff),
    };
    let improving = match better {
        Better::Lower => diff < 0.0,
        Better::Higher => diff > 0.0,
    };
    let verdict = if change.abs() <= tolerance || diff.abs() < floor {
        Verdict::WithinNoise
    } else if improving {
        Verdict::Better
    } else {
        Verdict::Worse
    };
    Row {
        metric: metric.to_string(),
        stat: stat.to_string(),
        baseline: b,
        current: c,
        change,
        change_kind: kind,
        tolerance,
        verdict,
        unit,
    }
}

/// Compares every statistic both runs have, metrics in name order.
pub fn compare(baseline: &RunStats, current: &RunStats, rule: &Rule) -> Comparison {
    let mut rows = Vec::new();
    for (name, b) in &baseline.metrics {
        let Some(c) = current.metrics.get(name) else {
            continue;
        };
        if b.kind != c.kind {
            continue;
        }
        let base_name = name.split('{').next().unwrap_or(name);
        match b.kind {
            Kind::Trend => {
                let (unit, floor) = if b.time && c.time {
                    (Unit::Ms, rule.noise_floor_ms)
                } else {
                    (Unit::Plain, 0.0)
                };
                for &(stat, key) in &STATS[..5] {
                    if let (Some(&bv), Some(&cv)) = (b.values.get(stat), c.values.get(stat)) {
                        let s = StatRule {
                            stat,
                            key,
                            better: Better::Lower,
                            kind: ChangeKind::Relative,
                            floor,
                            unit,
                        };
                        rows.push(judge(rule, name, &s, (bv, cv)));
                    }
                }
            }
            Kind::Rate => {
                if let (Some(&bv), Some(&cv)) = (b.values.get("rate"), c.values.get("rate")) {
                    let s = StatRule {
                        stat: "rate",
                        key: "rate",
                        better: rate_better(base_name),
                        kind: ChangeKind::Absolute,
                        floor: 0.0,
                        unit: Unit::Ratio,
                    };
                    rows.push(judge(rule, name, &s, (bv, cv)));
                }
            }
            Kind::Counter if is_throughput(base_name) => {
                if let (Some(&bv), Some(&cv)) = (b.values.get("rate"), c.values.get("rate")) {
                    let s = StatRule {
                        stat: "rate",
                        key: "throughput",
                        better: Better::Higher,
                        kind: ChangeKind::Relative,
                        floor: 0.0,
                        unit: Unit::PerSecond,
                    };
                    rows.push(judge(rule, name, &s, (bv, cv)));
                }
            }
            Kind::Counter | Kind::Gauge => {}
        }
    }
    let regressions = rows.iter().filter(|r| r.verdict == Verdict::Worse).count();
    Comparison {
        baseline: baseline.label.clone(),
        current: current.label.clone(),
        rule: rule.clone(),
        rows,
        regressions,
        all: false,
    }
}

fn fmt_value(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Ms if v.abs() >= 1000.0 => format!("{:.2}s", v / 1000.0),
        Unit::Ms if v.abs() >= 1.0 => format!("{v:.2}ms"),
        Unit::Ms => format!("{:.0}µs", v * 1000.0),
        Unit::Ratio => format!("{:.2}%", v * 100.0),
        Unit::PerSecond => format!("{v:.2}/s"),
        Unit::Plain => format!("{v:.4}"),
    }
}

fn fmt_change(r: &Row) -> String {
    match r.change_kind {
        ChangeKind::Absolute => format!("{:+.2} pp", r.change * 100.0),
        ChangeKind::Relative if r.change.is_infinite() => "new".to_string(),
        ChangeKind::Relative => format!("{:+.1}%", r.change * 100.0),
    }
}

fn fmt_tolerance(r: &Row) -> String {
    // Rounded: 0.07 × 100 is 7.000000000000001 in floating point.
    let pct = (r.tolerance * 1e6).round() / 1e4;
    match r.change_kind {
        ChangeKind::Absolute => format!("±{pct} pp"),
        ChangeKind::Relative => format!("±{pct}%"),
    }
}

fn cells(r: &Row) -> [String; 7] {
    [
        r.metric.clone(),
        r.stat.clone(),
        fmt_value(r.baseline, r.unit),
        fmt_value(r.current, r.unit),
        fmt_change(r),
        fmt_tolerance(r),
        r.verdict.label().to_string(),
    ]
}

const HEADERS: [&str; 7] = [
    "metric",
    "stat",
    "baseline",
    "current",
    "change",
    "tolerance",
    "verdict",
];

impl Comparison {
    /// The rows printed: all with `all`; otherwise the changes beyond tolerance, and the
    /// headline metrics of the whole test and of the sub-metrics k6's summaries name (a
    /// scenario's or group's rows, from saved runs, repeat the totals when nothing moved).
    fn shown(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| {
            let base = r.metric.split('{').next().unwrap_or(&r.metric);
            let scoped = r.metric.contains("{scenario:") || r.metric.contains("{group:");
            self.all || r.verdict != Verdict::WithinNoise || !(is_detail(base) || scoped)
        })
    }

    fn hidden_note(&self) -> String {
        let hidden = self.rows.len() - self.shown().count();
        if hidden == 0 {
            String::new()
        } else {
            format!(" ({hidden} rows within noise not shown: --all shows them)")
        }
    }

    fn headline(&self) -> String {
        let worse_within = self
            .rows
            .iter()
            .filter(|r| r.verdict == Verdict::Worse)
            .count();
        let better = self
            .rows
            .iter()
            .filter(|r| r.verdict == Verdict::Better)
            .count();
        if worse_within == 0 {
            format!(
                "no regression: {} statistics compared, {better} better, the rest within noise",
                self.rows.len()
            )
        } else {
            format!(
                "{worse_within} regression(s) beyond tolerance ({} statistics compared, {better} better)",
                self.rows.len()
            )
        }
    }

    /// An aligned plain-text table for the terminal.
    pub fn to_table(&self) -> String {
        let rows: Vec<[String; 7]> = self.shown().map(cells).collect();
        let mut widths = HEADERS.map(|h| h.chars().count());
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = format!(
            "baseline: {}\ncurrent:  {}\n\n",
            self.baseline, self.current
        );
        let line = |out: &mut String, cols: &[String]| {
            let mut l = String::new();
            for (i, (c, w)) in cols.iter().zip(widths).enumerate() {
                // Numbers right-aligned, names left-aligned.
                if (2..=5).contains(&i) {
                    let _ = write!(l, "{c:>w$}  ");
                } else {
                    let _ = write!(l, "{c:<w$}  ");
                }
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(&mut out, &HEADERS.map(str::to_uppercase));
        for r in &rows {
            line(&mut out, r);
        }
        let _ = writeln!(out, "\n{}{}", self.headline(), self.hidden_note());
        out
    }

    /// GitHub-flavoured Markdown for a pull-request comment: headline first, then the
    /// regressions, then every row.
    pub fn to_markdown(&self) -> String {
        let esc = |s: &str| s.replace('|', "\\|");
        let mut out = String::from("## rk6 performance comparison\n\n");
        let icon = if self.regressions == 0 { "✅" } else { "❌" };
        let _ = writeln!(out, "{icon} **{}**\n", self.headline());
        let _ = writeln!(
            out,
            "Baseline `{}` → current `{}`. Rule: a change beyond its tolerance is better or worse; \
             time changes under {} ms are noise.\n",
            esc(&self.baseline),
            esc(&self.current),
            self.rule.noise_floor_ms
        );
        out.push_str("| Metric | Stat | Baseline | Current | Change | Tolerance | Verdict |\n");
        out.push_str("|---|---|--:|--:|--:|--:|---|\n");
        for r in self.shown() {
            let c = cells(r);
            let verdict = match r.verdict {
                Verdict::Worse => "❌ worse".to_string(),
                Verdict::Better => "✅ better".to_string(),
                Verdict::WithinNoise => "within noise".to_string(),
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} | {verdict} |",
                esc(&c[0]),
                c[1],
                c[2],
                c[3],
                c[4],
                c[5]
            );
        }
        let note = self.hidden_note();
        if !note.is_empty() {
            let _ = writeln!(out, "\n<sub>{}</sub>", note.trim());
        }
        out
    }

    pub fn to_json(&self) -> String {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        // Non-finite changes (a rise from zero) are not JSON numbers.
        if let Some(rows) = v.get_mut("rows").and_then(Value::as_array_mut) {
            for (row, r) in rows.iter_mut().zip(&self.rows) {
                if r.change.is_infinite() {
                    row["change"] = Value::Null;
                }
            }
        }
        serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(label: &str, json: &str) -> RunStats {
        RunStats::parse(label, json, Path::new("x.json")).unwrap()
    }

    const EXPORT: &str = r#"{"metrics":{
        "http_req_duration":{"avg":10,"min":1,"med":9,"max":40,"p(90)":20,"p(95)":30},
        "http_req_failed":{"passes":0,"fails":100,"value":0},
        "http_reqs":{"count":100,"rate":50},
        "vus":{"value":1,"min":1,"max":1}}}"#;

    #[test]
    fn reads_the_summary_export_inferring_kinds() {
        let r = run("a", EXPORT);
        assert_eq!(r.metrics["http_req_failed"].kind, Kind::Rate);
        assert_eq!(r.metrics["http_req_failed"].values["rate"], 0.0);
        assert_eq!(r.metrics["http_reqs"].kind, Kind::Counter);
        assert_eq!(r.metrics["vus"].kind, Kind::Gauge);
        assert_eq!(r.metrics["http_req_duration"].values["p(50)"], 9.0);
    }

    #[test]
    fn reads_handle_summary_data() {
        let r = run(
            "b",
            r#"{"metrics":{"checks":{"type":"rate","contains":"default","values":{"rate":0.5,"passes":1,"fails":1}},
                "t":{"type":"trend","contains":"default","values":{"avg":3}}}}"#,
        );
        assert_eq!(r.metrics["checks"].kind, Kind::Rate);
        assert!(!r.metrics["t"].time);
    }

    #[test]
    fn identical_runs_have_no_regression() {
        let c = compare(&run("a", EXPORT), &run("b", EXPORT), &Rule::default());
        assert_eq!(c.regressions, 0);
        assert!(c.rows.iter().all(|r| r.verdict == Verdict::WithinNoise));
        // avg, p50, p90, p95 of the trend; the failure rate; the request rate.
        assert_eq!(c.rows.len(), 6);
    }

    #[test]
    fn slower_p95_beyond_tolerance_is_a_regression() {
        let slower = EXPORT.replace(r#""p(95)":30"#, r#""p(95)":34"#);
        let c = compare(&run("a", EXPORT), &run("b", &slower), &Rule::default());
        let row = c.rows.iter().find(|r| r.stat == "p(95)").unwrap();
        assert_eq!(row.verdict, Verdict::Worse);
        assert_eq!(c.regressions, 1);
        // 13.3% is within a 15% tolerance.
        let mut rule = Rule::default();
        rule.apply("p95=15%").unwrap();
        assert_eq!(
            compare(&run("a", EXPORT), &run("b", &slower), &rule).regressions,
            0
        );
        // A per-metric tolerance wins over the statistic's.
        rule.apply("http_req_duration:p95=5%").unwrap();
        assert_eq!(
            compare(&run("a", EXPORT), &run("b", &slower), &rule).regressions,
            1
        );
    }

    #[test]
    fn faster_is_better_and_tiny_time_changes_are_noise() {
        let faster = EXPORT.replace(r#""avg":10"#, r#""avg":5"#);
        let c = compare(&run("a", EXPORT), &run("b", &faster), &Rule::default());
        let avg = c.rows.iter().find(|r| r.stat == "avg").unwrap();
        assert_eq!(avg.verdict, Verdict::Better);
        // 0.2ms → 0.4ms doubles, but stays under the 1ms floor.
        let a = EXPORT.replace(r#""avg":10"#, r#""avg":0.2"#);
        let b = EXPORT.replace(r#""avg":10"#, r#""avg":0.4"#);
        let c = compare(&run("a", &a), &run("b", &b), &Rule::default());
        assert_eq!(c.regressions, 0);
    }

    #[test]
    fn failure_rate_rising_from_zero_is_judged_in_points() {
        let failing = EXPORT.replace(r#""value":0}"#, r#""value":0.05}"#);
        let c = compare(&run("a", EXPORT), &run("b", &failing), &Rule::default());
        let row = c
            .rows
            .iter()
            .find(|r| r.metric == "http_req_failed")
            .unwrap();
        assert_eq!(row.change_kind, ChangeKind::Absolute);
        assert_eq!(row.verdict, Verdict::Worse);
        assert!(c.to_markdown().contains(
            "| `http_req_failed` | rate | 0.00% | 5.00% | +5.00 pp | ±1 pp | ❌ worse |"
        ));
    }

    #[test]
    fn bad_tolerances_name_the_problem() {
        let mut rule = Rule::default();
        assert!(
            rule.apply("p97=10%")
                .unwrap_err()
                .contains("unknown statistic")
        );
        assert!(
            rule.apply("p95=ten")
                .unwrap_err()
                .contains("not a percentage")
        );
        assert!(rule.apply("p95").unwrap_err().contains("STAT=PERCENT"));
    }

    #[test]
    fn a_file_without_metrics_is_refused_by_name() {
        let e = RunStats::parse("a", "[1]", Path::new("dir/a.json")).unwrap_err();
        assert!(e.starts_with("dir/a.json: not a run"), "{e}");
        let e = RunStats::parse("a", "{", Path::new("b.json")).unwrap_err();
        assert!(e.contains("line 1"), "{e}");
    }
}
