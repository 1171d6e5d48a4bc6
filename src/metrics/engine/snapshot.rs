//! The engine's aggregates as data, and the sum of several engines' aggregates: what an
//! instance of a split test writes at its end (`rk6 run --snapshot-out`) and what
//! `rk6 merge` adds up into the whole test's summary and thresholds.
//!
//! Every sink adds up as the samples would have: counters and rates exactly, trends exactly
//! while small (their values) and within the histograms' error past that, checks and groups
//! by path. Gauges have no such sum; see [`SinkState::merge_into`].

use serde::{Deserialize, Serialize};

use super::MetricsEngine;
use crate::metrics::registry::SubmetricDef;
use crate::metrics::sample::{MetricType, ValueType};
use crate::metrics::sink::Sink;
use crate::metrics::trend::{TrendDigest, TrendState};

/// Gauges whose instances' values add up to the whole test's: each instance has its own VUs.
const SUMMED_GAUGES: [&str; 2] = ["vus", "vus_max"];

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EngineState {
    pub metrics: Vec<MetricState>,
    /// Every group of the tree, parents before children, with its checks.
    pub groups: Vec<GroupState>,
    /// Check counts by name in first-seen order (the compact summary's list).
    pub checks: Vec<CheckState>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MetricState {
    pub name: String,
    #[serde(rename = "type")]
    pub mtype: String,
    pub contains: String,
    /// Shown in the summary (it had samples, or a threshold).
    pub observed: bool,
    pub sink: SinkState,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub submetrics: Vec<SubmetricState>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SubmetricState {
    /// The selector, e.g. `http_req_duration{expected_response:true}`.
    pub name: String,
    pub observed: bool,
    pub sink: SinkState,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GroupState {
    pub path: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckState>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckState {
    pub name: String,
    pub passes: u64,
    pub fails: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SinkState {
    Counter {
        value: f64,
        samples: u64,
    },
    Gauge {
        value: f64,
        min: f64,
        max: f64,
        set: bool,
    },
    Rate {
        trues: u64,
        total: u64,
    },
    Trend(TrendState),
}

impl SinkState {
    fn of(sink: &Sink) -> SinkState {
        match sink {
            Sink::Counter(c) => SinkState::Counter {
                value: c.value,
                samples: c.samples,
            },
            Sink::Gauge(g) => SinkState::Gauge {
                value: g.value,
                min: g.min,
                max: g.max,
                set: g.min_set,
            },
            Sink::Rate(r) => SinkState::Rate {
                trues: r.trues,
                total: r.total,
            },
            Sink::Trend(t) => SinkState::Trend(t.to_state()),
        }
    }

    /// Adds this state to `sink`. A gauge keeps the extremes of both; its value is the last
    /// one merged (instances are merged in segment order), except for the gauges of
    /// [`SUMMED_GAUGES`], whose value, min and max add up (the instances run in lockstep).
    fn merge_into(&self, sink: &mut Sink, metric: &str) -> Result<(), String> {
        match (self, sink) {
            (SinkState::Counter { value, samples }, Sink::Counter(c)) => {
                c.value += value;
                c.samples += samples;
            }
            (SinkState::Rate { trues, total }, Sink::Rate(r)) => {
                if trues > total {
                    return Err(format!("rate {metric} has more passes than samples"));
                }
                r.trues += trues;
                r.total += total;
            }
            (SinkState::Gauge { set: false, .. }, Sink::Gauge(_)) => {}
            (
                &SinkState::Gauge {
                    value, min, max, ..
                },
                Sink::Gauge(g),
            ) => {
                if SUMMED_GAUGES.contains(&metric) {
                    g.value += value;
                    g.min += min;
                    g.max += max;
                } else {
                    g.value = value;
                    g.max = g.max.max(max);
                    g.min = if g.min_set { g.min.min(min) } else { min };
                }
                g.min_set = true;
            }
            (SinkState::Trend(state), Sink::Trend(t)) => {
                t.merge(&TrendDigest::from_state(state).map_err(|e| format!("{metric}: {e}"))?);
            }
            (_, sink) => {
                return Err(format!(
                    "{metric} is a {} here and of another type in an earlier snapshot",
                    sink.metric_type().as_str()
                ));
            }
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        match self {
            SinkState::Counter { .. } => MetricType::Counter,
            SinkState::Gauge { .. } => MetricType::Gauge,
            SinkState::Rate { .. } => MetricType::Rate,
            SinkState::Trend(_) => MetricType::Trend,
        }
    }
}

fn value_type(s: &str) -> Result<ValueType, String> {
    Ok(match s {
        "default" => ValueType::Default,
        "time" => ValueType::Time,
        "data" => ValueType::Data,
        other => return Err(format!("unknown metric value type {other:?}")),
    })
}

impl MetricsEngine {
    /// The aggregates of every metric, sub-metric, group and check so far.
    pub fn export_state(&self) -> EngineState {
        let metrics = self
            .slots
            .iter()
            .flatten()
            .map(|slot| MetricState {
                name: slot.metric.name.to_string(),
                mtype: slot.metric.mtype.as_str().to_string(),
                contains: slot.metric.contains.as_str().to_string(),
                observed: slot.observed,
                sink: SinkState::of(&slot.sink),
                submetrics: slot
                    .subs
                    .iter()
                    .map(|&i| SubmetricState {
                        name: self.subs[i].def.name.clone(),
                        observed: self.subs[i].observed,
                        sink: SinkState::of(&self.subs[i].sink),
                    })
                    .collect(),
            })
            .collect();
        let check_state = |name: &str, passes: u64, fails: u64| CheckState {
            name: name.to_string(),
            passes,
            fails,
        };
        EngineState {
            metrics,
            groups: self
                .tree
                .nodes
                .iter()
                .map(|g| GroupState {
                    path: g.path.clone(),
                    checks: g
                        .checks
                        .iter()
                        .map(|c| check_state(&c.name, c.passes, c.fails))
                        .collect(),
                })
                .collect(),
            checks: self
                .ordered_checks
                .list
                .iter()
                .map(|c| check_state(&c.name, c.passes, c.fails))
                .collect(),
        }
    }

    /// Adds another engine's aggregates to this one's, registering the metrics it has.
    pub fn absorb(&mut self, state: &EngineState) -> Result<(), String> {
        for m in &state.metrics {
            let mtype = m.sink.metric_type();
            if mtype.as_str() != m.mtype {
                return Err(format!(
                    "metric {} is a {} with a {} sink",
                    m.name,
                    m.mtype,
                    mtype.as_str()
                ));
            }
            let metric = self
                .registry
                .register(&m.name, mtype, value_type(&m.contains)?)
                .map_err(|e| e.to_string())?;
            let id = self.slot_index(&metric);
            if let Some(slot) = &mut self.slots[id] {
                slot.observed |= m.observed;
                m.sink.merge_into(&mut slot.sink, &m.name)?;
            }
            for sub in &m.submetrics {
                let def = SubmetricDef::parse(&sub.name)?
                    .ok_or_else(|| format!("{:?} is not a sub-metric selector", sub.name))?;
                let i = self.sub_for(id, def);
                self.subs[i].observed |= sub.observed;
                sub.sink.merge_into(&mut self.subs[i].sink, &m.name)?;
            }
        }
        for g in &state.groups {
            self.tree.group(&g.path);
            for c in &g.checks {
                self.tree
                    .add_check_counts(&g.path, &c.name, c.passes, c.fails);
            }
        }
        for c in &state.checks {
            self.ordered_checks.add_counts(&c.name, c.passes, c.fails);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::metrics::engine::tests::{SampleBuilder, setup};
    use crate::metrics::registry::Registry;
    use crate::metrics::summary::SummaryOptions;
    use crate::metrics::thresholds::ThresholdsConfig;

    fn thresholds() -> serde_json::Value {
        json!({"http_reqs{status:200}": ["count>2"], "checks": ["rate>0.9"]})
    }

    fn config() -> ThresholdsConfig {
        ThresholdsConfig::from_options(&json!({ "thresholds": thresholds() })).unwrap()
    }

    fn summary_json(engine: &mut MetricsEngine) -> serde_json::Value {
        engine.evaluate_thresholds_final(Duration::from_secs(10));
        engine
            .summary(Duration::from_secs(10), &SummaryOptions::default())
            .unwrap()
            .to_summary_export(None)
    }

    #[test]
    fn merged_parts_summarise_as_the_whole() {
        let (reg, mut whole) = setup(thresholds());
        let b = SampleBuilder { registry: &reg };
        let batches: Vec<_> = (0..30)
            .map(|i| {
                let status = if i % 3 == 0 { "500" } else { "200" };
                vec![
                    b.sample("http_reqs", 1.0, &[("status", status)]),
                    b.sample("http_req_duration", i as f64 * 1.5, &[("status", status)]),
                    b.sample("my_trend", 100.0 - i as f64, &[]),
                    b.sample(
                        "checks",
                        f64::from(u8::from(i % 4 != 0)),
                        &[("check", "ok"), ("group", "::g")],
                    ),
                    b.sample("group_duration", 2.0, &[("group", "::g::inner")]),
                ]
            })
            .collect();
        batches.iter().for_each(|batch| whole.ingest(batch));
        // A fresh registry, as `rk6 merge` has: the snapshots register their metrics.
        let mut merged = MetricsEngine::new(Arc::new(Registry::new(config().index())), config());
        for part in batches.chunks(7) {
            let mut engine = MetricsEngine::new(reg.clone(), config());
            part.iter().for_each(|batch| engine.ingest(batch));
            let json = serde_json::to_string(&engine.export_state()).unwrap();
            merged
                .absorb(&serde_json::from_str(&json).unwrap())
                .unwrap();
        }
        let want = summary_json(&mut whole);
        assert_eq!(summary_json(&mut merged), want);
        // Judged once, on the whole: 22 of 30 checks pass (k6's export marks a failed
        // threshold `true`).
        assert_eq!(want["metrics"]["checks"]["thresholds"]["rate>0.9"], true);
        assert_eq!(
            want["root_group"]["groups"]["g"]["checks"]["ok"]["passes"],
            22
        );
    }

    #[test]
    fn a_metric_of_another_type_is_refused() {
        let (reg, mut engine) = setup(json!({}));
        let b = SampleBuilder { registry: &reg };
        engine.ingest(&vec![b.sample("http_reqs", 1.0, &[])]);
        let mut state = engine.export_state();
        let m = state
            .metrics
            .iter_mut()
            .find(|m| m.name == "http_reqs")
            .unwrap();
        m.sink = SinkState::Rate { trues: 1, total: 1 };
        m.mtype = "rate".into();
        let (_, mut other) = setup(json!({}));
        let err = other.absorb(&state).unwrap_err();
        assert!(err.contains("http_reqs"), "{err}");
    }

    #[test]
    fn vus_gauges_add_up_and_others_keep_extremes() {
        let (reg, _) = setup(json!({}));
        reg.register("my_gauge", MetricType::Gauge, ValueType::Default)
            .unwrap();
        let b = SampleBuilder { registry: &reg };
        let mut merged = MetricsEngine::new(
            Arc::new(Registry::new(Default::default())),
            ThresholdsConfig::default(),
        );
        for (vus, g) in [(2.0, 5.0), (3.0, -1.0)] {
            let mut engine = MetricsEngine::new(reg.clone(), ThresholdsConfig::default());
            engine.ingest(&vec![
                b.sample("vus", vus, &[]),
                b.sample("my_gauge", g, &[]),
            ]);
            merged.absorb(&engine.export_state()).unwrap();
        }
        let export = summary_json(&mut merged);
        assert_eq!(export["metrics"]["vus"]["value"], 5.0);
        assert_eq!(export["metrics"]["my_gauge"]["min"], -1.0);
        assert_eq!(export["metrics"]["my_gauge"]["max"], 5.0);
        assert_eq!(export["metrics"]["my_gauge"]["value"], -1.0);
    }
}
