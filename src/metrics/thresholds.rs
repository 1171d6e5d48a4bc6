//! k6 thresholds: parsing `options.thresholds`, validation against the registry and
//! evaluation against sinks, with k6 v1.1.0's error messages and pass/fail semantics.

use crate::go_strconv::go_quote;
use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use super::registry::{Registry, SubmetricDef, ThresholdIndex};
use super::sample::{MetricType, TagSet};
use super::sink::{Sink, parse_go_float};

/// The sub-metric k6 1.x always defines (shown in the end-of-test summary).
pub const EXPECTED_RESPONSE_SUBMETRIC: &str = "http_req_duration{expected_response:true}";

/// k6's exit code for invalid threshold configuration.
pub const INVALID_CONFIG_EXIT_CODE: i32 = 104;
/// k6's exit code when thresholds fail (at the end or by `abortOnFail`).
pub const THRESHOLDS_FAILED_EXIT_CODE: i32 = 99;

/// The left-hand side of a threshold expression.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Aggregation {
    Count,
    Rate,
    Value,
    Avg,
    Min,
    Med,
    Max,
    /// `p(N)` with N in percent; `None` for a bare `p`, which k6's parser accepts but can
    /// never evaluate.
    Percentile(Option<f64>),
}

impl Aggregation {
    /// k6's method token, used in validation messages.
    pub fn token(self) -> &'static str {
        match self {
            Aggregation::Count => "count",
            Aggregation::Rate => "rate",
            Aggregation::Value => "value",
            Aggregation::Avg => "avg",
            Aggregation::Min => "min",
            Aggregation::Med => "med",
            Aggregation::Max => "max",
            Aggregation::Percentile(_) => "p",
        }
    }
}

/// Aggregation methods k6 accepts per metric type, in k6's order.
pub fn supported_aggregations(mtype: MetricType) -> &'static [&'static str] {
    match mtype {
        MetricType::Counter => &["count", "rate"],
        MetricType::Gauge => &["value"],
        MetricType::Rate => &["rate"],
        MetricType::Trend => &["avg", "min", "max", "med", "p"],
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    StrictEq,
    Ne,
}

impl Operator {
    fn apply(self, lhs: f64, rhs: f64) -> bool {
        match self {
            Operator::Lt => lhs < rhs,
            Operator::Le => lhs <= rhs,
            Operator::Gt => lhs > rhs,
            Operator::Ge => lhs >= rhs,
            Operator::Eq | Operator::StrictEq => lhs == rhs,
            Operator::Ne => lhs != rhs,
        }
    }
}

/// A parsed `aggregation operator value` expression.
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdExpr {
    pub aggregation: Aggregation,
    pub operator: Operator,
    pub value: f64,
}

/// Scan order matters: k6 splits on the first token of this list found in the input.
const OPERATORS: [(&str, Operator); 7] = [
    ("<=", Operator::Le),
    ("<", Operator::Lt),
    (">=", Operator::Ge),
    (">", Operator::Gt),
    ("===", Operator::StrictEq),
    ("==", Operator::Eq),
    ("!=", Operator::Ne),
];

impl ThresholdExpr {
    /// Parses like k6's `parseThresholdExpression`, with its error messages.
    pub fn parse(input: &str) -> Result<ThresholdExpr, String> {
        let Some((method, operator, value)) = OPERATORS.iter().find_map(|(tok, op)| {
            input
                .split_once(tok)
                .map(|(l, r)| (l.trim(), *op, r.trim()))
        }) else {
            return Err(format!(
                "failed parsing threshold expression {}; reason: malformed threshold expression",
                go_quote(input)
            ));
        };
        let aggregation = parse_aggregation(method).map_err(|reason| {
            format!(
                "failed parsing threshold expression's {} left hand side; reason: {reason}",
                go_quote(input)
            )
        })?;
        let value = parse_go_float(value).ok_or_else(|| {
            // "expresion's" is k6's spelling.
            format!(
                "failed parsing threshold expresion's {} right hand side; reason: {}",
                go_quote(input),
                go_parse_float_error(value)
            )
        })?;
        Ok(ThresholdExpr {
            aggregation,
            operator,
            value,
        })
    }
}

fn parse_aggregation(method: &str) -> Result<Aggregation, String> {
    Ok(match method {
        "value" => Aggregation::Value,
        "count" => Aggregation::Count,
        "rate" => Aggregation::Rate,
        "avg" => Aggregation::Avg,
        "min" => Aggregation::Min,
        "med" => Aggregation::Med,
        "max" => Aggregation::Max,
        "p" => Aggregation::Percentile(None),
        _ => {
            let Some(inner) = method.strip_prefix("p(").and_then(|m| m.strip_suffix(')')) else {
                return Err("failed parsing method from expression".to_string());
            };
            let p = parse_go_float(inner).ok_or_else(|| {
                format!(
                    "malformed percentile value; reason: {}",
                    go_parse_float_error(inner)
                )
            })?;
            Aggregation::Percentile(Some(p))
        }
    })
}

fn go_parse_float_error(s: &str) -> String {
    format!(
        "strconv.ParseFloat: parsing {}: invalid syntax",
        go_quote(s)
    )
}

/// One threshold as configured.
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdDef {
    /// The expression exactly as written (k6 keys results by it, untrimmed).
    pub source: String,
    pub expr: ThresholdExpr,
    pub abort_on_fail: bool,
    /// `delayAbortEval`: abort only once the test has run longer than this.
    pub delay_abort_eval: Option<Duration>,
}

impl ThresholdDef {
    /// The threshold as k6's JSON output describes it in a `Metric` line: the source string,
    /// or k6's object form when `abortOnFail` is set (k6 marshals `delayAbortEval` as a Go
    /// duration string or `null`).
    pub fn json_text(&self) -> String {
        let source = Value::String(self.source.clone()).to_string();
        if !self.abort_on_fail {
            return source;
        }
        let delay = match self.delay_abort_eval {
            None => "null".to_string(),
            Some(d) => Value::String(crate::options::duration::format_go(d)).to_string(),
        };
        format!("{{\"threshold\":{source},\"abortOnFail\":true,\"delayAbortEval\":{delay}}}")
    }
}

/// All thresholds on one metric or sub-metric selector.
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdTarget {
    /// The key as written in `options.thresholds`.
    pub key: String,
    /// The metric the selector applies to (text before `{`).
    pub parent: String,
    /// Set for `metric{tag:value}` selectors; named the way k6 names it.
    pub submetric: Option<SubmetricDef>,
    pub thresholds: Vec<ThresholdDef>,
}

impl ThresholdTarget {
    /// The name k6 shows: the parent, or `parent{<selector as written, trimmed>}`.
    pub fn name(&self) -> &str {
        match &self.submetric {
            Some(s) => &s.name,
            None => &self.parent,
        }
    }
}

/// Thresholds from the options, in the order they were written.
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdsConfig {
    pub targets: Vec<ThresholdTarget>,
    /// Whether `http_req_duration{expected_response:true}` is defined (k6 does unless the
    /// `expected_response` system tag is disabled).
    pub expected_response_submetric: bool,
}

impl Default for ThresholdsConfig {
    fn default() -> Self {
        ThresholdsConfig {
            targets: Vec::new(),
            expected_response_submetric: true,
        }
    }
}

impl ThresholdsConfig {
    /// Parses `options.thresholds` from the consolidated options object (the object that
    /// has a `thresholds` key; a missing or null key means no thresholds). Errors carry
    /// k6's messages; k6 exits with [`INVALID_CONFIG_EXIT_CODE`] for all of them.
    pub fn from_options(options: &Value) -> Result<ThresholdsConfig, String> {
        let mut cfg = ThresholdsConfig::default();
        let thresholds = match options.get("thresholds") {
            None | Some(Value::Null) => return Ok(cfg),
            Some(Value::Object(m)) => m,
            Some(other) => {
                return Err(json_type_error(
                    other,
                    "Options.thresholds",
                    "map[string]metrics.Thresholds",
                ));
            }
        };
        for (key, list) in thresholds {
            let items = match list {
                Value::Array(items) => items.as_slice(),
                Value::Null => &[],
                other => {
                    return Err(json_type_error(
                        other,
                        "Options.thresholds",
                        "[]metrics.thresholdConfig",
                    ));
                }
            };
            let mut defs = Vec::with_capacity(items.len());
            for item in items {
                defs.push(parse_threshold_item(item)?);
            }
            let (parent, submetric) = parse_selector(key)?;
            cfg.targets.push(ThresholdTarget {
                key: key.clone(),
                parent,
                submetric,
                thresholds: defs,
            });
        }
        Ok(cfg)
    }

    /// k6's post-init validation: every selector names a registered metric and uses only
    /// aggregations its type supports. Call once the init context has registered custom
    /// metrics.
    pub fn validate(&self, registry: &Registry) -> Result<(), String> {
        for t in &self.targets {
            let Some(metric) = registry.get(&t.parent) else {
                return Err(format!(
                    "invalid threshold defined on {}; reason: no metric name {} found",
                    t.key,
                    go_quote(&t.key)
                ));
            };
            let supported = supported_aggregations(metric.mtype);
            for th in &t.thresholds {
                let token = th.expr.aggregation.token();
                if !supported.contains(&token) {
                    return Err(format!(
                        "invalid threshold {} applied on metric {}; reason: unsupported aggregation method {} on metric of type {}. supported aggregation methods for this metric are: {}",
                        go_quote(&th.source),
                        t.key,
                        token,
                        metric.mtype.as_str(),
                        supported.join(", ")
                    ));
                }
            }
        }
        Ok(())
    }

    /// The registry's view: threshold sources per plain metric and every sub-metric
    /// (selectors first, in option order, then `expected_response:true` when enabled).
    pub fn index(&self) -> ThresholdIndex {
        let mut idx = ThresholdIndex::default();
        for t in &self.targets {
            match &t.submetric {
                None => idx
                    .thresholds
                    .entry(t.parent.clone())
                    .or_default()
                    .extend(t.thresholds.iter().map(ThresholdDef::json_text)),
                Some(sub) => push_unique_submetric(&mut idx.submetrics, sub.clone()),
            }
        }
        if self.expected_response_submetric {
            push_unique_submetric(&mut idx.submetrics, expected_response_def());
        }
        idx
    }
}

fn push_unique_submetric(map: &mut HashMap<String, Vec<SubmetricDef>>, sub: SubmetricDef) {
    let list = map.entry(sub.parent.clone()).or_default();
    // k6 reuses a sub-metric whose tag set is equal.
    if !list.iter().any(|s| s.tags == sub.tags) {
        list.push(sub);
    }
}

pub(crate) fn expected_response_def() -> SubmetricDef {
    SubmetricDef {
        name: EXPECTED_RESPONSE_SUBMETRIC.to_string(),
        suffix: "expected_response:true".to_string(),
        parent: "http_req_duration".to_string(),
        tags: TagSet::from_pairs([("expected_response", "true")]),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn json_type_error(v: &Value, field: &str, go_type: &str) -> String {
    format!(
        "json: cannot unmarshal {} into Go struct field {field} of type {go_type}",
        json_kind(v)
    )
}

fn parse_threshold_item(item: &Value) -> Result<ThresholdDef, String> {
    let (source, abort_on_fail, delay) = match item {
        Value::String(s) => (s.clone(), false, None),
        Value::Object(o) => {
            let source = match o.get("threshold") {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => {
                    return Err(json_type_error(
                        other,
                        "rawThresholdConfig.threshold",
                        "string",
                    ));
                }
            };
            let abort = match o.get("abortOnFail") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(other) => {
                    return Err(json_type_error(
                        other,
                        "rawThresholdConfig.abortOnFail",
                        "bool",
                    ));
                }
            };
            let delay = match o.get("delayAbortEval") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(parse_go_duration(s)?),
                Some(Value::Number(n)) => {
                    // k6 reads a bare number as milliseconds.
                    let ms = n.as_f64().unwrap_or(0.0);
                    Some(Duration::from_secs_f64((ms / 1000.0).max(0.0)))
                }
                Some(other) => {
                    return Err(json_type_error(
                        other,
                        "rawThresholdConfig.delayAbortEval",
                        "types.NullDuration",
                    ));
                }
            };
            (source, abort, delay)
        }
        other => {
            return Err(json_type_error(
                other,
                "Options.thresholds",
                "metrics.rawThresholdConfig",
            ));
        }
    };
    let expr = ThresholdExpr::parse(&source)?;
    Ok(ThresholdDef {
        source,
        expr,
        abort_on_fail,
        delay_abort_eval: delay,
    })
}

/// Go's `time.ParseDuration` (negative durations clamp to zero: they only delay aborts).
pub(crate) fn parse_go_duration(s: &str) -> Result<Duration, String> {
    let err = || format!("time: invalid duration {}", go_quote(s));
    let mut rest = s;
    let mut neg = false;
    if let Some(r) = rest.strip_prefix('-') {
        neg = true;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(err());
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..num_len];
        if num.is_empty() || num == "." {
            return Err(err());
        }
        let n: f64 = num.parse().map_err(|_| err())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let ns_per = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("time: missing unit in duration {}", go_quote(s))),
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_quote(unit),
                    go_quote(s)
                ));
            }
        };
        total += n * ns_per;
    }
    if neg {
        return Ok(Duration::ZERO);
    }
    Ok(Duration::from_nanos(total as u64))
}

/// Splits `name{k:v,...}` the way k6 does (`ParseMetricName` validation, then
/// `AddSubmetric` tag extraction) and names the sub-metric as k6 does: the parent plus the
/// selector text as written, trimmed.
fn parse_selector(key: &str) -> Result<(String, Option<SubmetricDef>), String> {
    let name_err = |detail: String| {
        format!(
            "unable to validate threshold expressions; reason: parsing metric name failed, {detail}"
        )
    };
    let open = key.find('{');
    let close = key.rfind('}');
    let (open, close) = match (open, close) {
        (None, None) => return Ok((key.to_string(), None)),
        (Some(o), Some(c)) => (o, c),
        _ => {
            return Err(name_err(format!(
                "metric {} has unmatched opening/close curly brace",
                go_quote(key)
            )));
        }
    };
    if close < open {
        return Err(name_err(format!(
            "metric {} closing curly brace appears before opening one",
            go_quote(key)
        )));
    }
    if close != key.len() - 1 {
        return Err(name_err(format!(
            "metric {} lacks a closing curly brace in its last position",
            go_quote(key)
        )));
    }
    let inner = &key[open + 1..close];
    for part in inner.split(',') {
        match part.split_once(':') {
            Some((_, v)) if !v.is_empty() => {}
            _ => {
                return Err(name_err(format!(
                    "metric {} tag expression is malformed",
                    go_quote(part)
                )));
            }
        }
    }
    let parent = key[..open].to_string();
    let suffix = inner.trim().to_string();
    let quotes: &[char] = &['"', '\''];
    let mut pairs = Vec::new();
    for kv in suffix.split(',') {
        if kv.is_empty() {
            continue;
        }
        let (k, v) = kv.split_once(':').unwrap_or((kv, ""));
        pairs.push((
            k.trim().trim_matches(quotes).to_string(),
            v.trim().trim_matches(quotes).to_string(),
        ));
    }
    let sub = SubmetricDef {
        name: format!("{parent}{{{suffix}}}"),
        suffix,
        parent: parent.clone(),
        tags: TagSet::from_pairs(pairs),
    };
    Ok((parent, Some(sub)))
}

/// What evaluating one threshold against a sink gives.
enum Lhs {
    Value(f64),
    /// k6 passes every threshold of an empty rate (confirmed on k6 v1.1.0: `rate>0.5`,
    /// `rate==0` and `rate<0.5` all pass on a rate without samples).
    AlwaysPass,
    /// k6 cannot evaluate it (a bare `p`): it marks the threshold failed, stops
    /// evaluating the metric's remaining thresholds and does not count it as breached.
    Error,
}

fn lhs(agg: Aggregation, sink: &mut Sink, elapsed: Duration) -> Lhs {
    match (agg, sink) {
        (Aggregation::Count, Sink::Counter(c)) => Lhs::Value(c.value),
        (Aggregation::Rate, Sink::Counter(c)) => Lhs::Value(c.value / elapsed.as_secs_f64()),
        (Aggregation::Value, Sink::Gauge(g)) => Lhs::Value(g.value),
        (Aggregation::Rate, Sink::Rate(r)) => {
            if r.total == 0 {
                Lhs::AlwaysPass
            } else {
                Lhs::Value(r.rate())
            }
        }
        (Aggregation::Avg, Sink::Trend(t)) => Lhs::Value(t.avg()),
        (Aggregation::Min, Sink::Trend(t)) => Lhs::Value(t.min()),
        (Aggregation::Max, Sink::Trend(t)) => Lhs::Value(t.max()),
        (Aggregation::Med, Sink::Trend(t)) => Lhs::Value(t.percentile(0.5)),
        (Aggregation::Percentile(Some(p)), Sink::Trend(t)) => Lhs::Value(t.percentile(p / 100.0)),
        _ => Lhs::Error,
    }
}

/// Evaluation state of one target (k6's `metrics.Thresholds`).
#[derive(Clone, Debug)]
pub(crate) struct TargetState {
    pub target: ThresholdTarget,
    pub last_failed: Vec<bool>,
    /// Sticky once set, as in k6.
    pub abort: bool,
}

impl TargetState {
    pub fn new(target: ThresholdTarget) -> Self {
        let n = target.thresholds.len();
        TargetState {
            target,
            last_failed: vec![false; n],
            abort: false,
        }
    }

    /// Runs every threshold; `Some(true)` when all pass, `Some(false)` when at least one
    /// failed, `None` when k6 would report a threshold error instead (not breached).
    pub fn run(&mut self, sink: &mut Sink, elapsed: Duration) -> Option<bool> {
        let mut succeeded = true;
        for (i, th) in self.target.thresholds.iter().enumerate() {
            let passes = match lhs(th.expr.aggregation, sink, elapsed) {
                Lhs::Value(v) => th.expr.operator.apply(v, th.expr.value),
                Lhs::AlwaysPass => true,
                Lhs::Error => {
                    self.last_failed[i] = true;
                    return None;
                }
            };
            self.last_failed[i] = !passes;
            if !passes {
                succeeded = false;
                if self.abort || !th.abort_on_fail {
                    continue;
                }
                self.abort = match th.delay_abort_eval {
                    None => true,
                    Some(d) => d < elapsed,
                };
            }
        }
        Some(succeeded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::registry::BuiltinMetrics;
    use crate::metrics::sample::ValueType;
    use serde_json::json;

    fn parse_err(opts: Value) -> String {
        ThresholdsConfig::from_options(&opts).unwrap_err()
    }

    #[test]
    fn parses_all_operators_and_aggregations() {
        let cases = [
            (
                "p(95)<500",
                Aggregation::Percentile(Some(95.0)),
                Operator::Lt,
                500.0,
            ),
            (
                "p(99.9) <= 1.5",
                Aggregation::Percentile(Some(99.9)),
                Operator::Le,
                1.5,
            ),
            (" avg>=-2 ", Aggregation::Avg, Operator::Ge, -2.0),
            ("max>100", Aggregation::Max, Operator::Gt, 100.0),
            ("count===3", Aggregation::Count, Operator::StrictEq, 3.0),
            ("rate==0.25", Aggregation::Rate, Operator::Eq, 0.25),
            ("value!=7", Aggregation::Value, Operator::Ne, 7.0),
            ("med  <  1", Aggregation::Med, Operator::Lt, 1.0),
            ("min<.5", Aggregation::Min, Operator::Lt, 0.5),
        ];
        for (src, agg, op, v) in cases {
            let e = ThresholdExpr::parse(src).unwrap();
            assert_eq!((e.aggregation, e.operator, e.value), (agg, op, v), "{src}");
        }
    }

    #[test]
    fn expression_errors_match_k6() {
        // All confirmed on k6 v1.1.0 (exit code 104).
        assert_eq!(
            ThresholdExpr::parse("avg 1").unwrap_err(),
            "failed parsing threshold expression \"avg 1\"; reason: malformed threshold expression"
        );
        assert_eq!(
            ThresholdExpr::parse("avg>>1").unwrap_err(),
            "failed parsing threshold expresion's \"avg>>1\" right hand side; reason: strconv.ParseFloat: parsing \">1\": invalid syntax"
        );
        assert_eq!(
            ThresholdExpr::parse("foo>1").unwrap_err(),
            "failed parsing threshold expression's \"foo>1\" left hand side; reason: failed parsing method from expression"
        );
        assert_eq!(
            ThresholdExpr::parse("avg>abc").unwrap_err(),
            "failed parsing threshold expresion's \"avg>abc\" right hand side; reason: strconv.ParseFloat: parsing \"abc\": invalid syntax"
        );
        assert_eq!(
            ThresholdExpr::parse("p(abc)>1").unwrap_err(),
            "failed parsing threshold expression's \"p(abc)>1\" left hand side; reason: malformed percentile value; reason: strconv.ParseFloat: parsing \"abc\": invalid syntax"
        );
        assert_eq!(
            parse_err(json!({"thresholds": {"m": [{"abortOnFail": true}]}})),
            "failed parsing threshold expression \"\"; reason: malformed threshold expression"
        );
    }

    #[test]
    fn options_shape_errors() {
        // confirmed on k6 v1.1.0: a number item and a string list are JSON errors.
        assert!(parse_err(json!({"thresholds": {"m": [123]}})).contains(
            "json: cannot unmarshal number into Go struct field Options.thresholds of type metrics.rawThresholdConfig"
        ));
        assert!(parse_err(json!({"thresholds": {"m": "avg<1"}})).contains(
            "json: cannot unmarshal string into Go struct field Options.thresholds of type []metrics.thresholdConfig"
        ));
        // confirmed on k6 v1.1.0
        assert_eq!(
            parse_err(
                json!({"thresholds": {"m": [{"threshold": "avg<1", "delayAbortEval": "abc"}]}})
            ),
            "time: invalid duration \"abc\""
        );
    }

    #[test]
    fn object_items_and_delays() {
        let cfg = ThresholdsConfig::from_options(&json!({"thresholds": {
            "my_counter": [
                "count<10",
                {"threshold": "rate<5", "abortOnFail": true, "delayAbortEval": "1m30s"},
                {"threshold": "count>1", "abortOnFail": true, "delayAbortEval": 1500},
            ]
        }}))
        .unwrap();
        let t = &cfg.targets[0];
        assert_eq!(t.name(), "my_counter");
        assert!(!t.thresholds[0].abort_on_fail);
        assert_eq!(
            t.thresholds[1].delay_abort_eval,
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            t.thresholds[2].delay_abort_eval,
            Some(Duration::from_millis(1500))
        );
        assert!(
            ThresholdsConfig::from_options(&json!({}))
                .unwrap()
                .targets
                .is_empty()
        );
    }

    #[test]
    fn selector_naming_follows_k6() {
        // confirmed on k6 v1.1.0: the sub-metric keeps the selector text as written.
        let cfg = ThresholdsConfig::from_options(&json!({"thresholds": {
            "http_reqs{ status: \"200\" ,method:GET}": ["count>=1"]
        }}))
        .unwrap();
        let sub = cfg.targets[0].submetric.as_ref().unwrap();
        assert_eq!(sub.name, "http_reqs{status: \"200\" ,method:GET}");
        assert_eq!(sub.suffix, "status: \"200\" ,method:GET");
        assert_eq!(sub.tags.get("status"), Some("200"));
        assert_eq!(sub.tags.get("method"), Some("GET"));
        assert_eq!(cfg.targets[0].parent, "http_reqs");
    }

    #[test]
    fn selector_errors_match_k6() {
        // confirmed on k6 v1.1.0
        assert_eq!(
            parse_err(json!({"thresholds": {"my_trend{a}": ["avg>1"]}})),
            "unable to validate threshold expressions; reason: parsing metric name failed, metric \"a\" tag expression is malformed"
        );
        assert_eq!(
            parse_err(json!({"thresholds": {"my_trend{a:b": ["avg>1"]}})),
            "unable to validate threshold expressions; reason: parsing metric name failed, metric \"my_trend{a:b\" has unmatched opening/close curly brace"
        );
    }

    fn registry() -> Registry {
        let r = Registry::new(ThresholdIndex::default());
        BuiltinMetrics::register(&r).unwrap();
        r.register("my_trend", MetricType::Trend, ValueType::Default)
            .unwrap();
        r.register("my_gauge", MetricType::Gauge, ValueType::Default)
            .unwrap();
        r.register("my_rate", MetricType::Rate, ValueType::Default)
            .unwrap();
        r.register("my_counter", MetricType::Counter, ValueType::Default)
            .unwrap();
        r
    }

    fn validate_err(th: Value) -> String {
        ThresholdsConfig::from_options(&json!({ "thresholds": th }))
            .unwrap()
            .validate(&registry())
            .unwrap_err()
    }

    #[test]
    fn validation_matches_k6() {
        // All confirmed on k6 v1.1.0 (exit code 104).
        assert_eq!(
            validate_err(json!({"nosuch": ["count>1"]})),
            "invalid threshold defined on nosuch; reason: no metric name \"nosuch\" found"
        );
        assert_eq!(
            validate_err(json!({"nosuch{a:b}": ["count>1"]})),
            "invalid threshold defined on nosuch{a:b}; reason: no metric name \"nosuch{a:b}\" found"
        );
        assert_eq!(
            validate_err(json!({"http_req_duration": ["count>0"]})),
            "invalid threshold \"count>0\" applied on metric http_req_duration; reason: unsupported aggregation method count on metric of type trend. supported aggregation methods for this metric are: avg, min, max, med, p"
        );
        assert_eq!(
            validate_err(json!({"my_gauge": ["max>1"]})),
            "invalid threshold \"max>1\" applied on metric my_gauge; reason: unsupported aggregation method max on metric of type gauge. supported aggregation methods for this metric are: value"
        );
        assert_eq!(
            validate_err(json!({"my_rate": ["count>1"]})),
            "invalid threshold \"count>1\" applied on metric my_rate; reason: unsupported aggregation method count on metric of type rate. supported aggregation methods for this metric are: rate"
        );
        assert_eq!(
            validate_err(json!({"my_counter": ["value>1"]})),
            "invalid threshold \"value>1\" applied on metric my_counter; reason: unsupported aggregation method value on metric of type counter. supported aggregation methods for this metric are: count, rate"
        );
        let ok = ThresholdsConfig::from_options(&json!({"thresholds": {
            "http_req_duration{name:x}": ["p(99.9)<5", "avg<1"],
            "my_counter": ["count>1", "rate<3"],
            "checks": ["rate>0.9"],
        }}))
        .unwrap();
        ok.validate(&registry()).unwrap();
    }

    #[test]
    fn index_lists_selectors_then_expected_response() {
        let cfg = ThresholdsConfig::from_options(&json!({"thresholds": {
            "http_req_duration{name:x}": ["max<1000"],
            "http_req_duration": ["p(95)<1"],
            "http_req_duration{expected_response:true}": ["p(95)<1"],
        }}))
        .unwrap();
        let idx = cfg.index();
        let names: Vec<_> = idx.submetrics["http_req_duration"]
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        // The user's expected_response selector is the same sub-metric: no duplicate.
        assert_eq!(
            names,
            [
                "http_req_duration{name:x}",
                "http_req_duration{expected_response:true}"
            ]
        );
        assert_eq!(idx.thresholds["http_req_duration"], ["\"p(95)<1\""]);
        let none = ThresholdsConfig {
            expected_response_submetric: false,
            ..ThresholdsConfig::default()
        };
        assert!(none.index().submetrics.is_empty());
    }

    fn state(th: &str) -> TargetState {
        let cfg = ThresholdsConfig::from_options(&json!({ "thresholds": { "m": [th] } })).unwrap();
        TargetState::new(cfg.targets[0].clone())
    }

    #[test]
    fn evaluation_semantics() {
        let sec = Duration::from_secs(2);
        let mut c = Sink::new(MetricType::Counter);
        c.add(6.0);
        assert_eq!(state("count>=6").run(&mut c, sec), Some(true));
        assert_eq!(state("rate==3").run(&mut c, sec), Some(true));
        assert_eq!(state("rate<3").run(&mut c, sec), Some(false));
        let mut r = Sink::new(MetricType::Rate);
        for v in [
            state("rate>0.5"),
            state("rate==0"),
            state("rate!=0"),
            state("rate<0.5"),
        ] {
            let mut v = v;
            assert_eq!(v.run(&mut r, sec), Some(true), "empty rate passes");
        }
        r.add(1.0);
        r.add(0.0);
        assert_eq!(state("rate>0.5").run(&mut r, sec), Some(false));
        let mut t = Sink::new(MetricType::Trend);
        // Empty trends evaluate on zeros (confirmed on k6 v1.1.0: 'avg>1' fails).
        assert_eq!(state("avg>1").run(&mut t, sec), Some(false));
        for v in [1.0, 2.0, 3.0, 4.0] {
            t.add(v);
        }
        assert_eq!(state("p(90)==3.7").run(&mut t, sec), Some(true));
        assert_eq!(state("med===2.5").run(&mut t, sec), Some(true));
        let mut bare = state("p<1");
        assert_eq!(bare.run(&mut t, sec), None);
        assert!(bare.last_failed[0]);
    }

    #[test]
    fn abort_honours_delay_and_is_sticky() {
        let cfg = ThresholdsConfig::from_options(&json!({"thresholds": {"m": [
            {"threshold": "count<1", "abortOnFail": true, "delayAbortEval": "10s"}
        ]}}))
        .unwrap();
        let mut st = TargetState::new(cfg.targets[0].clone());
        let mut c = Sink::new(MetricType::Counter);
        c.add(5.0);
        assert_eq!(st.run(&mut c, Duration::from_secs(4)), Some(false));
        assert!(!st.abort, "within the delay");
        st.run(&mut c, Duration::from_secs(11));
        assert!(st.abort);
        st.run(&mut c, Duration::from_secs(12));
        assert!(st.abort);
    }

    #[test]
    fn go_durations() {
        assert_eq!(
            parse_go_duration("1h2m3.5s").unwrap(),
            Duration::from_millis(3_723_500)
        );
        assert_eq!(
            parse_go_duration("250ms").unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(parse_go_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_go_duration("5").is_err());
        assert!(parse_go_duration("").is_err());
    }
}
