//! End-of-test summary data: the snapshot taken from the engine, and its two JSON forms:
//! the object `handleSummary(data)` receives and the legacy `--summary-export` file.

use std::time::Duration;

use serde_json::{Map, Value};

use super::groups::{CheckCount, CheckNode};
use super::sample::{MetricType, ValueType};
use super::sink::{InvalidTrendStat, TrendStat};

/// k6's default `summaryTrendStats`.
pub const DEFAULT_TREND_STATS: [&str; 6] = ["avg", "min", "med", "max", "p(90)", "p(95)"];

/// `--summary-mode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SummaryMode {
    #[default]
    Compact,
    /// Adds per-group and per-scenario sections (needs
    /// [`super::engine::MetricsEngine::enable_group_aggregation`]).
    Full,
    /// k6's pre-1.0 text summary; not rendered by rk6 (see `summary_text`).
    Legacy,
}

impl SummaryMode {
    /// k6's values; an empty string is the default. k6's error text is "invalid summary mode".
    pub fn parse(s: &str) -> Result<SummaryMode, String> {
        match s {
            "" | "compact" => Ok(SummaryMode::Compact),
            "full" => Ok(SummaryMode::Full),
            "legacy" => Ok(SummaryMode::Legacy),
            _ => Err("invalid summary mode".to_string()),
        }
    }
}

/// Options that shape the summary.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryOptions {
    /// `summaryTrendStats`; empty means k6's default.
    pub trend_stats: Vec<String>,
    /// `summaryTimeUnit`: `s`, `ms` or `us`; `None` (or empty) picks units per value.
    pub time_unit: Option<String>,
    pub no_color: bool,
    pub is_stdout_tty: bool,
    pub is_stderr_tty: bool,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions {
            trend_stats: DEFAULT_TREND_STATS.iter().map(|s| s.to_string()).collect(),
            time_unit: None,
            no_color: false,
            is_stdout_tty: false,
            is_stderr_tty: false,
        }
    }
}

/// Validates `summaryTrendStats` (k6 exits with [`InvalidTrendStat::EXIT_CODE`]); an empty
/// list yields k6's defaults.
pub fn validate_trend_stats(
    stats: &[String],
) -> Result<Vec<(String, TrendStat)>, InvalidTrendStat> {
    if stats.is_empty() {
        return Ok(DEFAULT_TREND_STATS
            .iter()
            .filter_map(|s| TrendStat::parse(s).ok().map(|t| (s.to_string(), t)))
            .collect());
    }
    stats
        .iter()
        .map(|s| TrendStat::parse(s).map(|t| (s.clone(), t)))
        .collect()
}

/// Validates `summaryTimeUnit` with k6's message (k6 exits with code 255).
pub fn validate_time_unit(unit: &str) -> Result<(), String> {
    match unit {
        "" | "s" | "ms" | "us" => Ok(()),
        _ => Err(format!(
            "invalid summary time unit '{unit}', use 's', 'ms' or 'us'"
        )),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThresholdResult {
    /// As written (untrimmed).
    pub source: String,
    pub ok: bool,
}

/// One metric or sub-metric in the summary.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricSummary {
    /// `http_reqs`, or `http_reqs{status:200}` for a sub-metric.
    pub name: String,
    /// The parent metric of a sub-metric.
    pub parent: Option<String>,
    pub mtype: MetricType,
    pub contains: ValueType,
    /// k6's `values`, in the order they are reported: counter `count, rate`; gauge
    /// `value, min, max`; rate `rate, passes, fails`; trend one per trend stat.
    pub values: Vec<(String, f64)>,
    /// Percentiles named by `p(N)` threshold sources that the text summary shows next to
    /// the threshold even when they are not trend stats (not part of the JSON forms).
    pub threshold_values: Vec<(String, f64)>,
    pub thresholds: Vec<ThresholdResult>,
}

impl MetricSummary {
    pub fn value(&self, key: &str) -> Option<f64> {
        self.values
            .iter()
            .chain(self.threshold_values.iter())
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
    }
}

/// The checks block of a summary section (`checks_total`, `checks_succeeded`,
/// `checks_failed` and the check list).
#[derive(Clone, Debug, PartialEq)]
pub struct ChecksSummary {
    pub passes: u64,
    pub fails: u64,
    /// Checks in first-seen order, merged by name.
    pub ordered: Vec<CheckCount>,
}

impl ChecksSummary {
    pub fn total(&self) -> u64 {
        self.passes + self.fails
    }
}

/// k6's legacy `root_group` node.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupSummary {
    pub name: String,
    pub path: String,
    pub id: String,
    pub groups: Vec<GroupSummary>,
    pub checks: Vec<CheckNode>,
}

/// A `--summary-mode=full` group or scenario section.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupReport {
    pub checks: Option<ChecksSummary>,
    pub metrics: Vec<MetricSummary>,
    pub groups: Vec<(String, GroupReport)>,
}

/// A snapshot of everything the end-of-test summary needs.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryData {
    pub test_run_duration: Duration,
    /// Validated trend stats, in order.
    pub trend_stats: Vec<String>,
    /// `""` when unset.
    pub time_unit: String,
    pub no_color: bool,
    pub is_stdout_tty: bool,
    pub is_stderr_tty: bool,
    /// Metrics that received samples or have thresholds (plus parents of sub-metrics with
    /// thresholds), in registration order with sub-metrics right after their parent.
    pub metrics: Vec<MetricSummary>,
    /// Present once the `checks` metric is observed.
    pub checks: Option<ChecksSummary>,
    pub root_group: GroupSummary,
    /// Full mode only: groups of the default scenario, in first-seen order.
    pub groups: Vec<(String, GroupReport)>,
    /// Full mode only: non-default scenarios, in first-seen order.
    pub scenarios: Vec<(String, GroupReport)>,
    /// `setup()`'s return value, given to `handleSummary` as `setup_data` when present.
    pub setup_data: Option<Value>,
}

/// A JSON number written the way `JSON.stringify` writes it: integral values without a
/// fraction, non-finite values as `null`.
pub(crate) fn js_number(v: f64) -> Value {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        return Value::from(v as i64);
    }
    serde_json::Number::from_f64(v)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

fn values_object(values: &[(String, f64)]) -> Map<String, Value> {
    values
        .iter()
        .map(|(k, v)| (k.clone(), js_number(*v)))
        .collect()
}

fn check_json(c: &CheckNode) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), Value::from(c.name.clone()));
    m.insert("path".into(), Value::from(c.path.clone()));
    m.insert("id".into(), Value::from(c.id.clone()));
    m.insert("passes".into(), Value::from(c.passes));
    m.insert("fails".into(), Value::from(c.fails));
    Value::Object(m)
}

/// k6 builds the legacy export in JS, where an object lists integer-like keys (array
/// indexes) first, ascending, then the other keys in insertion order.
fn js_key_order(m: Map<String, Value>) -> Map<String, Value> {
    let index = |k: &str| -> Option<u32> {
        let n: u32 = k.parse().ok()?;
        (n != u32::MAX && n.to_string() == k).then_some(n)
    };
    if !m.keys().any(|k| index(k).is_some()) {
        return m;
    }
    let mut indexed: Vec<(u32, String, Value)> = Vec::new();
    let mut rest = Map::new();
    for (k, v) in m {
        match index(&k) {
            Some(n) => indexed.push((n, k, v)),
            None => {
                rest.insert(k, v);
            }
        }
    }
    indexed.sort_by_key(|(n, _, _)| *n);
    let mut out: Map<String, Value> = indexed.into_iter().map(|(_, k, v)| (k, v)).collect();
    out.extend(rest);
    out
}

fn group_json(g: &GroupSummary, as_maps: bool) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), Value::from(g.name.clone()));
    m.insert("path".into(), Value::from(g.path.clone()));
    m.insert("id".into(), Value::from(g.id.clone()));
    if as_maps {
        // The legacy export keys groups and checks by name (last one wins, first position).
        let groups: Map<String, Value> = g
            .groups
            .iter()
            .map(|c| (c.name.clone(), group_json(c, true)))
            .collect();
        let checks: Map<String, Value> = g
            .checks
            .iter()
            .map(|c| (c.name.clone(), check_json(c)))
            .collect();
        m.insert("groups".into(), Value::Object(js_key_order(groups)));
        m.insert("checks".into(), Value::Object(js_key_order(checks)));
    } else {
        m.insert(
            "groups".into(),
            Value::Array(g.groups.iter().map(|c| group_json(c, false)).collect()),
        );
        m.insert(
            "checks".into(),
            Value::Array(g.checks.iter().map(check_json).collect()),
        );
    }
    Value::Object(m)
}

impl SummaryData {
    /// The object `handleSummary(data)` receives (k6 v1.1.0 shape).
    pub fn to_handle_summary_data(&self) -> Value {
        let mut root = Map::new();
        root.insert("root_group".into(), group_json(&self.root_group, false));
        let mut options = Map::new();
        options.insert(
            "summaryTrendStats".into(),
            Value::from(self.trend_stats.clone()),
        );
        options.insert(
            "summaryTimeUnit".into(),
            Value::from(self.time_unit.clone()),
        );
        options.insert("noColor".into(), Value::from(self.no_color));
        root.insert("options".into(), Value::Object(options));
        let mut state = Map::new();
        state.insert("isStdOutTTY".into(), Value::from(self.is_stdout_tty));
        state.insert("isStdErrTTY".into(), Value::from(self.is_stderr_tty));
        state.insert(
            "testRunDurationMs".into(),
            js_number(self.test_run_duration.as_nanos() as f64 / 1e6),
        );
        root.insert("state".into(), Value::Object(state));
        let mut metrics = Map::new();
        for m in &self.metrics {
            let mut o = Map::new();
            o.insert("type".into(), Value::from(m.mtype.as_str()));
            o.insert("contains".into(), Value::from(m.contains.as_str()));
            o.insert("values".into(), Value::Object(values_object(&m.values)));
            if !m.thresholds.is_empty() {
                let th: Map<String, Value> = m
                    .thresholds
                    .iter()
                    .map(|t| {
                        let mut ok = Map::new();
                        ok.insert("ok".into(), Value::from(t.ok));
                        (t.source.clone(), Value::Object(ok))
                    })
                    .collect();
                o.insert("thresholds".into(), Value::Object(th));
            }
            metrics.insert(m.name.clone(), Value::Object(o));
        }
        root.insert("metrics".into(), Value::Object(metrics));
        if let Some(sd) = &self.setup_data {
            root.insert("setup_data".into(), sd.clone());
        }
        Value::Object(root)
    }

    /// k6's legacy `--summary-export` JSON: per-metric values with thresholds as
    /// `source: failed` (true means the threshold FAILED), rates reported as `value`,
    /// and `root_group` with groups and checks keyed by name.
    pub fn to_summary_export(&self, setup_data: Option<Value>) -> Value {
        let mut root = Map::new();
        root.insert("root_group".into(), group_json(&self.root_group, true));
        let mut metrics = Map::new();
        for m in &self.metrics {
            let mut o = values_object(&m.values);
            if !m.thresholds.is_empty() {
                let th: Map<String, Value> = m
                    .thresholds
                    .iter()
                    .map(|t| (t.source.clone(), Value::from(!t.ok)))
                    .collect();
                o.insert("thresholds".into(), Value::Object(th));
            }
            if m.mtype == MetricType::Rate
                && let Some(rate) = o.shift_remove("rate")
            {
                o.insert("value".into(), rate);
            }
            metrics.insert(m.name.clone(), Value::Object(o));
        }
        root.insert("metrics".into(), Value::Object(metrics));
        if let Some(sd) = setup_data {
            root.insert("setup_data".into(), sd);
        }
        Value::Object(root)
    }

    /// The `--summary-export` file contents, indented with 4 spaces like k6 writes it.
    pub fn to_summary_export_string(&self, setup_data: Option<Value>) -> String {
        use serde::Serialize;
        let value = self.to_summary_export(setup_data);
        let mut buf = Vec::new();
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
        // Serializing a Value into a Vec cannot fail.
        if value.serialize(&mut ser).is_err() {
            return value.to_string();
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::groups::md5_hex;
    use serde_json::json;

    #[test]
    fn trend_stat_and_time_unit_validation() {
        let d = validate_trend_stats(&[]).unwrap();
        assert_eq!(d.len(), 6);
        let s = validate_trend_stats(&["count".into(), "p(99.9)".into()]).unwrap();
        assert_eq!(s[1], ("p(99.9)".to_string(), TrendStat::Percentile(99.9)));
        assert!(validate_trend_stats(&["avg".into(), "".into()]).is_err());
        // confirmed on k6 v1.1.0 (exit code 255)
        assert_eq!(
            validate_time_unit("xx").unwrap_err(),
            "invalid summary time unit 'xx', use 's', 'ms' or 'us'"
        );
        assert!(validate_time_unit("us").is_ok());
        assert_eq!(SummaryMode::parse("full"), Ok(SummaryMode::Full));
        assert_eq!(
            SummaryMode::parse("xx").unwrap_err(),
            "invalid summary mode"
        );
    }

    #[test]
    fn js_numbers() {
        assert_eq!(js_number(3.0).to_string(), "3");
        assert_eq!(js_number(0.5).to_string(), "0.5");
        assert_eq!(js_number(f64::NAN), Value::Null);
        assert_eq!(js_number(-0.0).to_string(), "0");
        assert_eq!(js_number(43.099933).to_string(), "43.099933");
    }

    fn sample_data() -> SummaryData {
        let check = |name: &str, path: &str, passes, fails| CheckNode {
            name: name.into(),
            path: path.into(),
            id: md5_hex(path),
            passes,
            fails,
        };
        SummaryData {
            test_run_duration: Duration::from_nanos(659_560),
            trend_stats: DEFAULT_TREND_STATS.iter().map(|s| s.to_string()).collect(),
            time_unit: String::new(),
            no_color: false,
            is_stdout_tty: false,
            is_stderr_tty: false,
            metrics: vec![
                MetricSummary {
                    name: "checks".into(),
                    parent: None,
                    mtype: MetricType::Rate,
                    contains: ValueType::Default,
                    values: vec![
                        ("rate".into(), 0.5),
                        ("passes".into(), 3.0),
                        ("fails".into(), 3.0),
                    ],
                    threshold_values: vec![],
                    thresholds: vec![ThresholdResult {
                        source: "rate>0.5".into(),
                        ok: false,
                    }],
                },
                MetricSummary {
                    name: "http_reqs{status:200}".into(),
                    parent: Some("http_reqs".into()),
                    mtype: MetricType::Counter,
                    contains: ValueType::Default,
                    values: vec![("count".into(), 3.0), ("rate".into(), 31.560076103967518)],
                    threshold_values: vec![],
                    thresholds: vec![ThresholdResult {
                        source: "count>=1".into(),
                        ok: true,
                    }],
                },
            ],
            checks: None,
            root_group: GroupSummary {
                name: "".into(),
                path: "".into(),
                id: md5_hex(""),
                groups: vec![GroupSummary {
                    name: "g1".into(),
                    path: "::g1".into(),
                    id: md5_hex("::g1"),
                    groups: vec![],
                    checks: vec![check("status 200", "::g1::status 200", 3, 0)],
                }],
                checks: vec![],
            },
            groups: vec![],
            scenarios: vec![],
            setup_data: None,
        }
    }

    #[test]
    fn summary_export_shape_matches_k6() {
        // Shape confirmed on k6 v1.1.0 (/tmp/probe/sum.json): thresholds inverted, rate
        // reported as `value` after passes/fails, groups/checks keyed by name.
        let v = sample_data().to_summary_export(Some(json!({"x": 1})));
        assert_eq!(
            v["metrics"]["checks"],
            json!({"passes": 3, "fails": 3, "thresholds": {"rate>0.5": true}, "value": 0.5})
        );
        let keys: Vec<_> = v["metrics"]["checks"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["passes", "fails", "thresholds", "value"]);
        assert_eq!(
            v["metrics"]["http_reqs{status:200}"],
            json!({"count": 3, "rate": 31.560076103967518, "thresholds": {"count>=1": false}})
        );
        assert_eq!(
            v["root_group"]["groups"]["g1"]["checks"]["status 200"],
            json!({"name": "status 200", "path": "::g1::status 200",
                   "id": "68b97220145e2e63307868c3abcae0f2", "passes": 3, "fails": 0})
        );
        assert_eq!(v["root_group"]["id"], "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(v["root_group"]["checks"], json!({}));
        // Integer-like names first, as a JS object lists them (confirmed on k6 v1.1.0 with
        // `check(x, [f, g])`).
        let ordered = js_key_order(
            [("y", 1), ("", 2), ("1", 3), ("0", 4), ("01", 5)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect(),
        );
        let keys: Vec<&str> = ordered.keys().map(String::as_str).collect();
        assert_eq!(keys, ["0", "1", "y", "", "01"]);
        assert_eq!(v["setup_data"], json!({"x": 1}));
        assert!(
            sample_data()
                .to_summary_export(None)
                .get("setup_data")
                .is_none()
        );
        let s = sample_data().to_summary_export_string(None);
        assert!(s.starts_with("{\n    \"root_group\": {\n        \"name\": \"\","));
    }

    #[test]
    fn handle_summary_shape_matches_k6() {
        // Shape confirmed on k6 v1.1.0 (/tmp/probe/hs.json).
        let v = sample_data().to_handle_summary_data();
        assert_eq!(
            v["options"],
            json!({"summaryTrendStats": ["avg","min","med","max","p(90)","p(95)"],
                   "summaryTimeUnit": "", "noColor": false})
        );
        assert_eq!(
            v["state"],
            json!({"isStdOutTTY": false, "isStdErrTTY": false, "testRunDurationMs": 0.65956})
        );
        assert_eq!(
            v["metrics"]["checks"],
            json!({"type": "rate", "contains": "default",
                   "values": {"rate": 0.5, "passes": 3, "fails": 3},
                   "thresholds": {"rate>0.5": {"ok": false}}})
        );
        assert_eq!(v["root_group"]["groups"][0]["checks"][0]["passes"], 3);
        assert_eq!(v["root_group"]["checks"], json!([]));
        assert!(v.get("setup_data").is_none());
    }
}
