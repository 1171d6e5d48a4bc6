//! The metrics engine: aggregates every sample into per-metric and per-sub-metric sinks,
//! builds the group/check tree, evaluates thresholds and snapshots the end-of-test summary.
//!
//! It runs on one thread (the pipeline thread) and needs no locking; sinks live in vectors
//! indexed by the dense `Metric.id`, so ingesting a sample is an index, an add, and a tag
//! match per sub-metric of that metric.

use std::sync::Arc;
use std::time::Duration;

mod snapshot;
pub use snapshot::EngineState;

use super::groups::{AggregateNode, GroupAggregates, GroupTree, OrderedChecks};
use super::registry::{Registry, SubmetricDef};
use super::sample::{Metric, MetricRef, MetricType, SampleBatch};
use super::sink::{InvalidTrendStat, Sink, TrendStat};
use super::summary::{
    ChecksSummary, GroupReport, GroupSummary, MetricSummary, SummaryData, SummaryOptions,
    ThresholdResult, validate_trend_stats,
};
use super::threshold_board::ThresholdBoard;
use super::thresholds::{
    EXPECTED_RESPONSE_SUBMETRIC, TargetState, ThresholdsConfig, expected_response_def,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Plain,
    Checks,
    GroupDuration,
}

struct Slot {
    metric: MetricRef,
    sink: Sink,
    observed: bool,
    kind: Kind,
    subs: Vec<usize>,
}

struct SubSlot {
    def: SubmetricDef,
    sink: Sink,
    observed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Loc {
    Metric(usize),
    Sub(usize),
}

struct Binding {
    state: TargetState,
    loc: Option<Loc>,
}

/// Outcome of a threshold evaluation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThresholdsVerdict {
    /// Some threshold failed (k6 then exits with code 99 at the end of the test).
    pub any_failed: bool,
    /// Names of the metrics with failed thresholds, sorted bytewise as k6 lists them.
    pub breached: Vec<String>,
    /// Set when a failed threshold has `abortOnFail` (and its `delayAbortEval` has
    /// passed): k6's message, e.g. `thresholds on metrics 'm' were crossed; at least one
    /// has abortOnFail enabled, stopping test prematurely`.
    pub abort: Option<String>,
}

impl ThresholdsVerdict {
    /// The error k6 logs at the end of a test with failed thresholds.
    pub fn crossed_message(&self) -> Option<String> {
        (!self.breached.is_empty()).then(|| {
            format!(
                "thresholds on metrics '{}' have been crossed",
                self.breached.join(", ")
            )
        })
    }
}

pub struct MetricsEngine {
    registry: Arc<Registry>,
    slots: Vec<Option<Slot>>,
    subs: Vec<SubSlot>,
    bindings: Vec<Binding>,
    expected_response: bool,
    tree: GroupTree,
    ordered_checks: OrderedChecks,
    aggregates: Option<GroupAggregates>,
    /// Where each evaluation's verdicts are published for the outputs, if any output wants them.
    board: Option<Arc<ThresholdBoard>>,
}

impl MetricsEngine {
    pub fn new(registry: Arc<Registry>, thresholds: ThresholdsConfig) -> Self {
        let mut engine = MetricsEngine {
            registry,
            slots: Vec::new(),
            subs: Vec::new(),
            bindings: Vec::new(),
            expected_response: thresholds.expected_response_submetric,
            tree: GroupTree::new(),
            ordered_checks: OrderedChecks::default(),
            aggregates: None,
            board: None,
        };
        engine.bindings = thresholds
            .targets
            .into_iter()
            .map(|t| Binding {
                state: TargetState::new(t),
                loc: None,
            })
            .collect();
        engine.bind_pending();
        engine
    }

    /// Publishes every threshold evaluation's verdicts on `board` (built from the same
    /// thresholds config, so its rows follow the targets' order).
    pub fn publish_thresholds_to(&mut self, board: Arc<ThresholdBoard>) {
        self.board = Some(board);
    }

    /// Keeps per-group and per-scenario sinks for `--summary-mode=full` (costs one more
    /// sink update per sample that has a group or a non-default scenario).
    pub fn enable_group_aggregation(&mut self) {
        if self.aggregates.is_none() {
            self.aggregates = Some(GroupAggregates::new());
        }
    }

    /// Binds thresholds whose metric the registry now knows (normally all of them at
    /// construction; validation guarantees they exist).
    fn bind_pending(&mut self) {
        for i in 0..self.bindings.len() {
            if self.bindings[i].loc.is_some() {
                continue;
            }
            let target = &self.bindings[i].state.target;
            let Some(metric) = self.registry.get(&target.parent) else {
                continue;
            };
            let sub = target.submetric.clone();
            let slot = self.slot_index(&metric);
            let loc = match sub {
                None => Loc::Metric(slot),
                Some(def) => Loc::Sub(self.sub_for(slot, def)),
            };
            // k6 shows metrics with thresholds (and a sub-metric's parent) even without
            // samples.
            self.mark_observed(loc);
            if let Loc::Sub(_) = loc {
                self.mark_observed(Loc::Metric(slot));
            }
            self.bindings[i].loc = Some(loc);
        }
    }

    fn mark_observed(&mut self, loc: Loc) {
        match loc {
            Loc::Metric(i) => {
                if let Some(s) = &mut self.slots[i] {
                    s.observed = true;
                }
            }
            Loc::Sub(i) => self.subs[i].observed = true,
        }
    }

    /// The sub-metric slot of `slot` with the same tag set as `def`, created if missing.
    fn sub_for(&mut self, slot: usize, def: SubmetricDef) -> usize {
        let Some(s) = &self.slots[slot] else {
            return self.push_orphan_sub(def);
        };
        if let Some(&i) = s.subs.iter().find(|&&i| self.subs[i].def.tags == def.tags) {
            return i;
        }
        let mtype = s.metric.mtype;
        self.subs.push(SubSlot {
            def,
            sink: Sink::new(mtype),
            observed: false,
        });
        let i = self.subs.len() - 1;
        if let Some(s) = &mut self.slots[slot] {
            s.subs.push(i);
        }
        i
    }

    #[cold]
    fn push_orphan_sub(&mut self, def: SubmetricDef) -> usize {
        self.subs.push(SubSlot {
            def,
            sink: Sink::new(MetricType::Counter),
            observed: false,
        });
        self.subs.len() - 1
    }

    /// The slot of a metric, created (with its sub-metrics) on first sight.
    #[inline]
    fn slot_index(&mut self, metric: &MetricRef) -> usize {
        let id = metric.id as usize;
        if id < self.slots.len() && self.slots[id].is_some() {
            return id;
        }
        self.create_slot(metric);
        id
    }

    #[cold]
    fn create_slot(&mut self, metric: &MetricRef) {
        let id = metric.id as usize;
        if id >= self.slots.len() {
            self.slots.resize_with(id + 1, || None);
        }
        let kind = match &*metric.name {
            "checks" => Kind::Checks,
            "group_duration" => Kind::GroupDuration,
            _ => Kind::Plain,
        };
        self.slots[id] = Some(Slot {
            metric: metric.clone(),
            sink: Sink::new(metric.mtype),
            observed: false,
            kind,
            subs: Vec::new(),
        });
        let mut defs: Vec<SubmetricDef> = self
            .registry
            .threshold_index()
            .submetrics
            .get(&*metric.name)
            .cloned()
            .unwrap_or_default();
        if self.expected_response
            && &*metric.name == "http_req_duration"
            && !defs.iter().any(|d| d.name == EXPECTED_RESPONSE_SUBMETRIC)
        {
            defs.push(expected_response_def());
        }
        for def in defs {
            self.sub_for(id, def);
        }
    }

    /// Aggregates a batch of samples.
    pub fn ingest(&mut self, batch: &SampleBatch) {
        for s in batch {
            let id = self.slot_index(&s.metric);
            let Some(slot) = &mut self.slots[id] else {
                continue;
            };
            slot.observed = true;
            slot.sink.add(s.value);
            for &si in &slot.subs {
                let sub = &mut self.subs[si];
                if s.tags.contains_all(&sub.def.tags) {
                    sub.observed = true;
                    sub.sink.add(s.value);
                }
            }
            let group = s.tags.get("group");
            let check = match slot.kind {
                Kind::Plain => None,
                Kind::GroupDuration => {
                    self.tree.group(group.unwrap_or(""));
                    None
                }
                // Without a `check` tag (system tag disabled) only the metric counts, as
                // in k6's summary.
                Kind::Checks => s.tags.get("check").map(|name| {
                    let passed = s.value != 0.0;
                    self.tree.record_check(group.unwrap_or(""), name, passed);
                    self.ordered_checks.record(name, passed);
                    (name, passed)
                }),
            };
            if let Some(agg) = &mut self.aggregates {
                agg.add(&s.metric, s.value, s.tags.get("scenario"), group, check);
            }
        }
    }

    /// Periodic evaluation (k6 runs it every 2 s): thresholds of metrics without samples
    /// are skipped, and an `abortOnFail` failure past its delay yields `abort`.
    pub fn evaluate_thresholds(&mut self, elapsed: Duration) -> ThresholdsVerdict {
        self.evaluate(elapsed, true)
    }

    /// The end-of-test evaluation: every threshold runs, empty sinks included; never
    /// aborts. Its results are what the summary shows.
    pub fn evaluate_thresholds_final(&mut self, elapsed: Duration) -> ThresholdsVerdict {
        let mut v = self.evaluate(elapsed, false);
        v.abort = None;
        v
    }

    fn evaluate(&mut self, elapsed: Duration, periodic: bool) -> ThresholdsVerdict {
        self.bind_pending();
        let mut breached = Vec::new();
        let mut should_abort = false;
        for b in &mut self.bindings {
            let Some(loc) = b.loc else { continue };
            let sink = match loc {
                Loc::Metric(i) => match &mut self.slots[i] {
                    Some(s) => &mut s.sink,
                    None => continue,
                },
                Loc::Sub(i) => &mut self.subs[i].sink,
            };
            if b.state.target.thresholds.is_empty() || (periodic && sink.is_empty()) {
                continue;
            }
            if b.state.run(sink, elapsed) == Some(false) {
                breached.push(b.state.target.name().to_string());
                should_abort |= b.state.abort;
            }
        }
        if let Some(board) = &self.board {
            board.publish(self.bindings.iter().map(|b| &b.state));
        }
        breached.sort();
        breached.dedup();
        let abort = should_abort.then(|| {
            format!(
                "thresholds on metrics '{}' were crossed; at least one has abortOnFail enabled, stopping test prematurely",
                breached.join(", ")
            )
        });
        ThresholdsVerdict {
            any_failed: !breached.is_empty(),
            breached,
            abort,
        }
    }

    /// Snapshots the summary. Threshold results are those of the last evaluation (call
    /// [`Self::evaluate_thresholds_final`] first, as k6 does).
    pub fn summary(
        &mut self,
        elapsed: Duration,
        opts: &SummaryOptions,
    ) -> Result<SummaryData, InvalidTrendStat> {
        let stats = validate_trend_stats(&opts.trend_stats)?;
        self.bind_pending();
        let mut metrics = Vec::new();
        for id in 0..self.slots.len() {
            let Some(slot) = &mut self.slots[id] else {
                continue;
            };
            if slot.observed {
                let results = threshold_results(&self.bindings, Loc::Metric(id));
                metrics.push(summarize(
                    &slot.metric,
                    &slot.metric.name,
                    None,
                    &mut slot.sink,
                    &stats,
                    elapsed,
                    results,
                ));
            }
            for &si in &slot.subs {
                let sub = &mut self.subs[si];
                if !sub.observed {
                    continue;
                }
                let results = threshold_results(&self.bindings, Loc::Sub(si));
                metrics.push(summarize(
                    &slot.metric,
                    &sub.def.name,
                    Some(slot.metric.name.to_string()),
                    &mut sub.sink,
                    &stats,
                    elapsed,
                    results,
                ));
            }
        }
        let checks = self
            .slots
            .iter()
            .flatten()
            .find(|s| s.kind == Kind::Checks && s.observed)
            .and_then(|s| match &s.sink {
                Sink::Rate(r) => Some(ChecksSummary {
                    passes: r.trues,
                    fails: r.fails(),
                    ordered: self.ordered_checks.list.clone(),
                }),
                _ => None,
            });
        let (groups, scenarios) = match &mut self.aggregates {
            Some(agg) => {
                let groups = agg.nodes[0].groups.clone();
                let groups = groups
                    .into_iter()
                    .map(|(n, i)| (n, group_report(agg, i, &stats, elapsed)))
                    .collect();
                let scenarios = agg.scenarios.clone();
                let scenarios = scenarios
                    .into_iter()
                    .map(|(n, i)| (n.to_string(), group_report(agg, i, &stats, elapsed)))
                    .collect();
                (groups, scenarios)
            }
            None => (Vec::new(), Vec::new()),
        };
        Ok(SummaryData {
            test_run_duration: elapsed,
            trend_stats: stats.iter().map(|(s, _)| s.clone()).collect(),
            time_unit: opts.time_unit.clone().unwrap_or_default(),
            no_color: opts.no_color,
            is_stdout_tty: opts.is_stdout_tty,
            is_stderr_tty: opts.is_stderr_tty,
            metrics,
            checks,
            root_group: group_summary(&self.tree, 0),
            groups,
            scenarios,
            setup_data: None,
        })
    }
}

fn threshold_results(bindings: &[Binding], loc: Loc) -> Vec<ThresholdResult> {
    bindings
        .iter()
        .filter(|b| b.loc == Some(loc))
        .flat_map(|b| {
            b.state
                .target
                .thresholds
                .iter()
                .zip(&b.state.last_failed)
                .map(|(t, failed)| ThresholdResult {
                    source: t.source.clone(),
                    ok: !failed,
                })
        })
        .collect()
}

fn summarize(
    metric: &Metric,
    name: &str,
    parent: Option<String>,
    sink: &mut Sink,
    stats: &[(String, TrendStat)],
    elapsed: Duration,
    thresholds: Vec<ThresholdResult>,
) -> MetricSummary {
    let values = sink_values(sink, stats, elapsed);
    let mut threshold_values = Vec::new();
    for t in &thresholds {
        if let Some((key, pct)) = percentile_source(&t.source)
            && let Some(v) = sink.trend_stat(TrendStat::Percentile(pct))
            && !threshold_values.iter().any(|(k, _)| *k == key)
        {
            threshold_values.push((key, v));
        }
    }
    MetricSummary {
        name: name.to_string(),
        parent,
        mtype: metric.mtype,
        contains: metric.contains,
        values,
        threshold_values,
        thresholds,
    }
}

/// k6's summary regex `^p\((\d+(?:\.\d+)?)\)\s*([<>=])` on the trimmed source: the key is
/// `p(<digits as written>)`.
fn percentile_source(source: &str) -> Option<(String, f64)> {
    let rest = source.trim().strip_prefix("p(")?;
    let close = rest.find(')')?;
    let num = &rest[..close];
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (num, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    let after = rest[close + 1..].trim_start();
    if !after.starts_with(['<', '>', '=']) {
        return None;
    }
    Some((format!("p({num})"), num.parse().ok()?))
}

fn sink_values(
    sink: &mut Sink,
    stats: &[(String, TrendStat)],
    elapsed: Duration,
) -> Vec<(String, f64)> {
    match sink {
        Sink::Counter(c) => vec![("count".into(), c.value), ("rate".into(), c.rate(elapsed))],
        Sink::Gauge(g) => vec![
            ("value".into(), g.value),
            ("min".into(), g.min),
            ("max".into(), g.max),
        ],
        Sink::Rate(r) => vec![
            ("rate".into(), r.rate()),
            ("passes".into(), r.trues as f64),
            ("fails".into(), r.fails() as f64),
        ],
        Sink::Trend(_) => stats
            .iter()
            .map(|(name, stat)| (name.clone(), sink.trend_stat(*stat).unwrap_or(0.0)))
            .collect(),
    }
}

fn group_summary(tree: &GroupTree, i: usize) -> GroupSummary {
    let n = &tree.nodes[i];
    GroupSummary {
        name: n.name.clone(),
        path: n.path.clone(),
        id: n.id.clone(),
        groups: n.groups.iter().map(|&c| group_summary(tree, c)).collect(),
        checks: n.checks.clone(),
    }
}

fn group_report(
    agg: &mut GroupAggregates,
    i: usize,
    stats: &[(String, TrendStat)],
    elapsed: Duration,
) -> GroupReport {
    let node: &mut AggregateNode = &mut agg.nodes[i];
    let checks = node.checks_sink().map(|r| ChecksSummary {
        passes: r.trues,
        fails: r.fails(),
        ordered: node.checks.list.clone(),
    });
    let metrics = node
        .metrics
        .iter_mut()
        .map(|(m, sink)| summarize(m, &m.name, None, sink, stats, elapsed, Vec::new()))
        .collect();
    let children = node.groups.clone();
    GroupReport {
        checks,
        metrics,
        groups: children
            .into_iter()
            .map(|(n, c)| (n, group_report(agg, c, stats, elapsed)))
            .collect(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::metrics::registry::BuiltinMetrics;
    use crate::metrics::sample::{Sample, TagSet, ValueType};
    use serde_json::json;

    /// Builds samples for tests.
    pub(crate) struct SampleBuilder<'a> {
        pub registry: &'a Registry,
    }

    impl SampleBuilder<'_> {
        pub fn sample(&self, metric: &str, value: f64, tags: &[(&str, &str)]) -> Sample {
            let metric = self
                .registry
                .get(metric)
                .unwrap_or_else(|| panic!("metric {metric} not registered"));
            Sample {
                metric,
                time_ns: 0,
                value,
                tags: TagSet::from_pairs(tags.iter().map(|(k, v)| (*k, *v))),
                metadata: None,
            }
        }
    }

    pub(crate) fn setup(thresholds: serde_json::Value) -> (Arc<Registry>, MetricsEngine) {
        let cfg = ThresholdsConfig::from_options(&json!({ "thresholds": thresholds })).unwrap();
        let registry = Arc::new(Registry::new(cfg.index()));
        BuiltinMetrics::register(&registry).unwrap();
        registry
            .register("my_trend", MetricType::Trend, ValueType::Default)
            .unwrap();
        registry
            .register("my_counter", MetricType::Counter, ValueType::Default)
            .unwrap();
        registry
            .register("never_rate", MetricType::Rate, ValueType::Default)
            .unwrap();
        cfg.validate(&registry).unwrap();
        let engine = MetricsEngine::new(registry.clone(), cfg);
        (registry, engine)
    }

    fn metric<'a>(d: &'a SummaryData, name: &str) -> &'a MetricSummary {
        d.metrics
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("{name} missing from summary"))
    }

    #[test]
    fn aggregates_metrics_and_submetrics() {
        let (reg, mut e) = setup(json!({ "http_reqs{status:200}": ["count>=1"] }));
        let b = SampleBuilder { registry: &reg };
        let ok = [
            ("status", "200"),
            ("expected_response", "true"),
            ("group", ""),
        ];
        let nf = [
            ("status", "404"),
            ("expected_response", "false"),
            ("group", ""),
        ];
        e.ingest(&vec![
            b.sample("http_reqs", 1.0, &ok),
            b.sample("http_req_duration", 40.0, &ok),
            b.sample("http_reqs", 1.0, &nf),
            b.sample("http_req_duration", 2.0, &nf),
            b.sample("http_req_failed", 0.0, &ok),
            b.sample("http_req_failed", 1.0, &nf),
        ]);
        e.evaluate_thresholds_final(Duration::from_secs(2));
        let d = e
            .summary(Duration::from_secs(2), &SummaryOptions::default())
            .unwrap();
        let names: Vec<_> = d.metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "http_reqs",
                "http_reqs{status:200}",
                "http_req_failed",
                "http_req_duration",
                "http_req_duration{expected_response:true}"
            ]
        );
        assert_eq!(
            metric(&d, "http_reqs").values,
            [("count".into(), 2.0), ("rate".into(), 1.0)]
        );
        assert_eq!(
            metric(&d, "http_reqs{status:200}").value("count"),
            Some(1.0)
        );
        assert_eq!(
            metric(&d, "http_req_duration{expected_response:true}").value("avg"),
            Some(40.0)
        );
        assert_eq!(metric(&d, "http_req_duration").value("med"), Some(21.0));
        assert_eq!(metric(&d, "http_req_failed").value("rate"), Some(0.5));
        assert_eq!(
            metric(&d, "http_reqs{status:200}").thresholds,
            [ThresholdResult {
                source: "count>=1".into(),
                ok: true
            }]
        );
    }

    #[test]
    fn threshold_metrics_show_with_zero_values() {
        // confirmed on k6 v1.1.0: a threshold on http_req_duration{name:x} without requests
        // shows http_req_duration and the sub-metric with zeros (t2.js / hs.json).
        let (_reg, mut e) = setup(json!({ "http_req_duration{name:x}": ["max<1000"] }));
        e.evaluate_thresholds_final(Duration::from_secs(1));
        let d = e
            .summary(Duration::from_secs(1), &SummaryOptions::default())
            .unwrap();
        let names: Vec<_> = d.metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["http_req_duration", "http_req_duration{name:x}"]);
        assert!(
            metric(&d, "http_req_duration{name:x}")
                .values
                .iter()
                .all(|(_, v)| *v == 0.0)
        );
        assert!(metric(&d, "http_req_duration{name:x}").thresholds[0].ok);
        assert!(d.checks.is_none());
    }

    #[test]
    fn threshold_evaluation_and_abort() {
        let (reg, mut e) = setup(json!({
            "my_counter": [{"threshold": "count<3", "abortOnFail": true, "delayAbortEval": "5s"}],
            "my_trend": ["p(99)<10", "avg<100"],
            "never_rate": ["rate>0.5"],
        }));
        let b = SampleBuilder { registry: &reg };
        // Periodic evaluation skips metrics without samples.
        let v = e.evaluate_thresholds(Duration::from_secs(2));
        assert_eq!(v, ThresholdsVerdict::default());
        e.ingest(&(0..5).map(|_| b.sample("my_counter", 1.0, &[])).collect());
        e.ingest(&vec![b.sample("my_trend", 50.0, &[])]);
        let v = e.evaluate_thresholds(Duration::from_secs(4));
        assert_eq!(v.breached, ["my_counter", "my_trend"]);
        assert!(
            v.any_failed && v.abort.is_none(),
            "delayAbortEval not reached"
        );
        let v = e.evaluate_thresholds(Duration::from_secs(6));
        assert_eq!(
            v.abort.as_deref(),
            Some(
                "thresholds on metrics 'my_counter, my_trend' were crossed; at least one has abortOnFail enabled, stopping test prematurely"
            )
        );
        let v = e.evaluate_thresholds_final(Duration::from_secs(7));
        assert!(v.abort.is_none());
        assert_eq!(
            v.crossed_message().as_deref(),
            Some("thresholds on metrics 'my_counter, my_trend' have been crossed")
        );
        let d = e
            .summary(Duration::from_secs(7), &SummaryOptions::default())
            .unwrap();
        let t = metric(&d, "my_trend");
        assert_eq!(t.threshold_values, [("p(99)".to_string(), 50.0)]);
        assert_eq!(
            t.thresholds,
            [
                ThresholdResult {
                    source: "p(99)<10".into(),
                    ok: false
                },
                ThresholdResult {
                    source: "avg<100".into(),
                    ok: true
                }
            ]
        );
        assert!(metric(&d, "never_rate").thresholds[0].ok);
    }

    #[test]
    fn builds_group_and_check_tree() {
        let (reg, mut e) = setup(json!({}));
        let b = SampleBuilder { registry: &reg };
        e.ingest(&vec![
            b.sample("checks", 1.0, &[("group", "::g1"), ("check", "status 200")]),
            b.sample(
                "checks",
                1.0,
                &[("group", "::g1::inner"), ("check", "inner check")],
            ),
            b.sample(
                "checks",
                0.0,
                &[("group", "::g1::inner"), ("check", "status 200")],
            ),
            b.sample("group_duration", 3.0, &[("group", "::g1::inner")]),
            b.sample("group_duration", 5.0, &[("group", "::g1")]),
            b.sample("group_duration", 1.0, &[("group", "::g0")]),
            b.sample("checks", 1.0, &[("group", ""), ("check", "root check")]),
            b.sample("data_sent", 10.0, &[("group", "::setup")]),
        ]);
        let d = e
            .summary(Duration::from_secs(1), &SummaryOptions::default())
            .unwrap();
        let g1 = &d.root_group.groups[0];
        assert_eq!(
            (g1.name.as_str(), g1.id.as_str()),
            ("g1", "9ccb03cc5acd728a2fe595bbd1f14da3")
        );
        assert_eq!(g1.groups[0].checks[1].path, "::g1::inner::status 200");
        assert_eq!(
            g1.groups[0].checks[1].id,
            "cdf9b7b0e1176ab6eb7e515df49c390e"
        );
        assert_eq!(d.root_group.groups[1].name, "g0");
        // data_sent samples do not create groups (confirmed on k6 v1.1.0: no "setup" group
        // without checks or groups in setup()).
        assert_eq!(d.root_group.groups.len(), 2);
        assert_eq!(
            d.root_group.checks[0].id,
            "060bf8e804882ca89365ce6437b83055"
        );
        let c = d.checks.unwrap();
        assert_eq!((c.passes, c.fails), (3, 1));
        let ordered: Vec<_> = c
            .ordered
            .iter()
            .map(|c| (c.name.as_str(), c.passes, c.fails))
            .collect();
        assert_eq!(
            ordered,
            [
                ("status 200", 1, 1),
                ("inner check", 1, 0),
                ("root check", 1, 0)
            ]
        );
    }

    #[test]
    fn full_mode_aggregates_per_group_and_scenario() {
        let (reg, mut e) = setup(json!({}));
        e.enable_group_aggregation();
        let b = SampleBuilder { registry: &reg };
        e.ingest(&vec![
            b.sample(
                "my_counter",
                1.0,
                &[("group", "::dg"), ("scenario", "default")],
            ),
            b.sample(
                "checks",
                1.0,
                &[("group", "::dg"), ("check", "dc"), ("scenario", "default")],
            ),
            b.sample("my_counter", 5.0, &[("group", ""), ("scenario", "sc_a")]),
            b.sample(
                "my_counter",
                1.0,
                &[("group", "::ag"), ("scenario", "sc_a")],
            ),
        ]);
        let d = e
            .summary(Duration::from_secs(1), &SummaryOptions::default())
            .unwrap();
        assert_eq!(d.groups.len(), 1);
        let (name, dg) = &d.groups[0];
        assert_eq!(name, "dg");
        assert_eq!(dg.checks.as_ref().unwrap().passes, 1);
        assert_eq!(
            metric_in(&dg.metrics, "my_counter").value("count"),
            Some(1.0)
        );
        let (sname, sc) = &d.scenarios[0];
        assert_eq!(sname, "sc_a");
        // confirmed on k6 v1.1.0: the scenario counts all its samples (6), its group only
        // its own (1).
        assert_eq!(
            metric_in(&sc.metrics, "my_counter").value("count"),
            Some(6.0)
        );
        assert_eq!(
            metric_in(&sc.groups[0].1.metrics, "my_counter").value("count"),
            Some(1.0)
        );
    }

    fn metric_in<'a>(ms: &'a [MetricSummary], name: &str) -> &'a MetricSummary {
        ms.iter().find(|m| m.name == name).unwrap()
    }

    #[test]
    fn handle_summary_data_matches_k6_probe() {
        // confirmed on k6 v1.1.0: /tmp/probe/t2.js (2 VUs, 4 iterations, my_trend fed
        // __ITER+1, a check 'one' in group 'g', thresholds my_trend p(90)<2 and
        // http_req_duration{name:x} max<1000 with abortOnFail false) gave hs.json with these
        // values.
        let (reg, mut e) = setup(json!({
            "my_trend": ["p(90)<2"],
            "http_req_duration{name:x}": [{"threshold": "max<1000", "abortOnFail": false}],
        }));
        let b = SampleBuilder { registry: &reg };
        for v in [1.0, 2.0, 3.0, 4.0] {
            e.ingest(&vec![
                b.sample(
                    "checks",
                    1.0,
                    &[("group", "::g"), ("check", "one"), ("scenario", "default")],
                ),
                b.sample(
                    "group_duration",
                    0.05,
                    &[("group", "::g"), ("scenario", "default")],
                ),
                b.sample("my_trend", v, &[("group", ""), ("scenario", "default")]),
                b.sample("iterations", 1.0, &[("group", ""), ("scenario", "default")]),
                b.sample("data_sent", 0.0, &[("group", ""), ("scenario", "default")]),
            ]);
        }
        let elapsed = Duration::from_nanos(659_560);
        let v = e.evaluate_thresholds_final(elapsed);
        assert_eq!(
            v.crossed_message().as_deref(),
            Some("thresholds on metrics 'my_trend' have been crossed")
        );
        let d = e.summary(elapsed, &SummaryOptions::default()).unwrap();
        let hs = d.to_handle_summary_data();
        assert_eq!(
            hs["metrics"]["my_trend"],
            json!({"type": "trend", "contains": "default",
                   "values": {"avg": 2.5, "min": 1, "med": 2.5, "max": 4, "p(90)": 3.7,
                              "p(95)": 3.8499999999999996},
                   "thresholds": {"p(90)<2": {"ok": false}}})
        );
        assert_eq!(
            hs["metrics"]["http_req_duration{name:x}"],
            json!({"type": "trend", "contains": "time",
                   "values": {"avg": 0, "min": 0, "med": 0, "max": 0, "p(90)": 0, "p(95)": 0},
                   "thresholds": {"max<1000": {"ok": true}}})
        );
        assert_eq!(hs["metrics"]["http_req_duration"]["values"]["max"], 0);
        assert_eq!(
            hs["metrics"]["checks"],
            json!({"type": "rate", "contains": "default",
                   "values": {"rate": 1, "passes": 4, "fails": 0}})
        );
        assert_eq!(
            hs["metrics"]["data_sent"],
            json!({"type": "counter", "contains": "data", "values": {"count": 0, "rate": 0}})
        );
        assert_eq!(
            hs["metrics"]["iterations"]["values"]["rate"],
            6064.649160046091
        );
        assert_eq!(
            hs["root_group"],
            json!({"name": "", "path": "", "id": "d41d8cd98f00b204e9800998ecf8427e",
                   "groups": [{"name": "g", "path": "::g", "id": "652e756c89643c3ada0b451cbd88a9d3",
                               "groups": [],
                               "checks": [{"name": "one", "path": "::g::one",
                                           "id": "a88a8d1181bb79ba1a434d355cc89db3",
                                           "passes": 4, "fails": 0}]}],
                   "checks": []})
        );
        assert!(
            hs["metrics"]
                .get("http_req_duration{expected_response:true}")
                .is_none()
        );
        assert_eq!(hs["state"]["testRunDurationMs"], 0.65956);
    }

    #[test]
    fn checks_without_check_tag_only_count_in_the_metric() {
        let (reg, mut e) = setup(json!({}));
        let b = SampleBuilder { registry: &reg };
        e.ingest(&vec![b.sample("checks", 1.0, &[("group", "")])]);
        let d = e
            .summary(Duration::from_secs(1), &SummaryOptions::default())
            .unwrap();
        let c = d.checks.unwrap();
        assert_eq!((c.passes, c.ordered.len()), (1, 0));
        assert!(d.root_group.checks.is_empty());
    }

    #[test]
    fn invalid_trend_stats_are_rejected() {
        let (_reg, mut e) = setup(json!({}));
        let opts = SummaryOptions {
            trend_stats: vec!["p(101)".into()],
            ..SummaryOptions::default()
        };
        assert!(e.summary(Duration::from_secs(1), &opts).is_err());
    }

    #[test]
    fn percentile_sources() {
        assert_eq!(
            percentile_source("p(99.9)<600"),
            Some(("p(99.9)".into(), 99.9))
        );
        assert_eq!(
            percentile_source(" p(95) < 1 "),
            Some(("p(95)".into(), 95.0))
        );
        assert_eq!(percentile_source("p(95)!=1"), None);
        assert_eq!(percentile_source("avg<1"), None);
    }

    #[test]
    fn ingest_throughput_smoke() {
        // Not a timing assertion: exercises the hot path over many samples and checks the
        // totals stay exact.
        let (reg, mut e) = setup(json!({}));
        let b = SampleBuilder { registry: &reg };
        let tags = [
            ("status", "200"),
            ("expected_response", "true"),
            ("group", ""),
        ];
        let batch: SampleBatch = (0..1000)
            .flat_map(|i| {
                [
                    b.sample("http_reqs", 1.0, &tags),
                    b.sample("http_req_duration", (i % 100) as f64, &tags),
                ]
            })
            .collect();
        for _ in 0..100 {
            e.ingest(&batch);
        }
        let d = e
            .summary(Duration::from_secs(1), &SummaryOptions::default())
            .unwrap();
        assert_eq!(metric(&d, "http_reqs").value("count"), Some(100_000.0));
        assert_eq!(metric(&d, "http_req_duration").value("max"), Some(99.0));
    }
}
