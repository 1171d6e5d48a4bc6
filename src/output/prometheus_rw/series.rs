//! k6's mapping of samples onto remote-write series
//! (`internal/output/prometheusrw/remotewrite`): one series per metric and tag set, holding
//! the metric's running aggregate since the start of the test, pushed as one point per push
//! interval:
//! - counter `k6_<name>_total`: the running sum;
//! - gauge `k6_<name>`: the last value;
//! - rate `k6_<name>_rate`: the running share of non-zero values;
//! - trend: one gauge `k6_<name>_<stat>` per configured stat (default `p99`), or with native
//!   histograms one histogram `k6_<name>_seconds` (time trends), `_bytes` (data) or
//!   `k6_<name>`. Time values are converted to seconds — for every stat, `count` included,
//!   exactly as k6 v1.1.0 does.
//!
//! Labels are the sample's tags (metadata such as `vu`/`iter` is not a label; tags with an
//! empty name or value are left out) plus `__name__`, sorted by name.
//!
//! A series is pushed when it received samples since its previous push, at the time of its
//! latest sample truncated to the millisecond. Where k6 holds a series back until a sample
//! with a later millisecond arrives (and so may never push its last samples), rk6 pushes it
//! one millisecond after its previous point: a point never repeats a timestamp with a new
//! value (which the receiver refuses) and every sample reaches a pushed point.

use std::collections::HashMap;

use crate::metrics::sample::{MetricRef, MetricType, Sample, TagSet, ValueType};
use crate::metrics::sink::Sink;
use crate::output::writer_pool::PoolRecord;

use super::config::{TrendColumn, TrendColumnStat};
use super::native_histogram::NativeHistogram;
use super::proto::{self, Label, TimeSeries, encode_series};

/// Prometheus' staleness marker, a NaN with a fixed payload.
pub const STALE_NAN: f64 = f64::from_bits(0x7ff0_0000_0000_0002);

const NAME_LABEL: &str = "__name__";
const PREFIX: &str = "k6_";

/// The encoded `timeseries` fields of one k6 series' point (several for trend stats), and
/// the samples it is the first push of.
#[derive(Clone, Debug)]
pub struct EncodedSeries {
    pub bytes: Vec<u8>,
    pub weight: u64,
}

impl PoolRecord for EncodedSeries {
    fn weight(&self) -> u64 {
        self.weight
    }
}

enum Measure {
    Sink(Sink),
    Histogram(NativeHistogram),
}

struct Series {
    metric: MetricRef,
    /// Sorted, `__name__` included (its value set per written name).
    labels: Vec<Label>,
    name_at: usize,
    measure: Measure,
    /// Latest sample time, ms.
    latest_ms: i64,
    /// Time of the last point pushed, ms.
    sent_ms: Option<i64>,
    /// Samples added since the last push.
    pending: u64,
}

/// Every series of the test and its running aggregate.
pub struct SeriesBook {
    index: HashMap<(u32, TagSet), usize, foldhash::fast::RandomState>,
    series: Vec<Series>,
    /// Series with pending samples, each once.
    dirty: Vec<usize>,
    trend_stats: Vec<TrendColumn>,
    native_histograms: bool,
}

/// Seconds for time metrics (k6 reports milliseconds), else as is.
fn adapt_unit(contains: ValueType, v: f64) -> f64 {
    match contains {
        ValueType::Time => v / 1000.0,
        _ => v,
    }
}

fn base_unit(contains: ValueType) -> &'static str {
    match contains {
        ValueType::Time => "seconds",
        ValueType::Data => "bytes",
        ValueType::Default => "",
    }
}

fn labels_of(tags: &TagSet) -> (Vec<Label>, usize) {
    let mut labels: Vec<Label> = tags
        .iter()
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .map(|(k, v)| Label {
            name: k.to_string(),
            value: v.to_string(),
        })
        .collect();
    labels.push(Label {
        name: NAME_LABEL.into(),
        value: String::new(),
    });
    labels.sort_by(|a, b| a.name.cmp(&b.name));
    let name_at = labels
        .iter()
        .position(|l| l.name == NAME_LABEL)
        .unwrap_or_default();
    (labels, name_at)
}

impl SeriesBook {
    pub fn new(trend_stats: Vec<TrendColumn>, native_histograms: bool) -> Self {
        SeriesBook {
            index: HashMap::default(),
            series: Vec::new(),
            dirty: Vec::new(),
            trend_stats,
            native_histograms,
        }
    }

    pub fn len(&self) -> usize {
        self.series.len()
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    pub fn add(&mut self, s: &Sample) {
        let key = (s.metric.id, s.tags.clone());
        let i = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                let (labels, name_at) = labels_of(&s.tags);
                let measure = if s.metric.mtype == MetricType::Trend && self.native_histograms {
                    Measure::Histogram(NativeHistogram::default())
                } else {
                    Measure::Sink(Sink::new(s.metric.mtype))
                };
                self.series.push(Series {
                    metric: s.metric.clone(),
                    labels,
                    name_at,
                    measure,
                    latest_ms: i64::MIN,
                    sent_ms: None,
                    pending: 0,
                });
                self.index.insert(key, self.series.len() - 1);
                self.series.len() - 1
            }
        };
        let series = &mut self.series[i];
        match &mut series.measure {
            Measure::Sink(sink) => sink.add(s.value),
            Measure::Histogram(h) => h.observe(adapt_unit(s.metric.contains, s.value)),
        }
        series.latest_ms = series.latest_ms.max(s.time_ns.div_euclid(1_000_000));
        if series.pending == 0 {
            self.dirty.push(i);
        }
        series.pending += 1;
    }

    /// Encodes one point of every series that received samples since the last push.
    pub fn take_points(&mut self, out: &mut Vec<EncodedSeries>) {
        for i in std::mem::take(&mut self.dirty) {
            let series = &mut self.series[i];
            let t = match series.sent_ms {
                Some(sent) if series.latest_ms <= sent => sent + 1,
                _ => series.latest_ms,
            };
            let mut bytes = Vec::with_capacity(64 + series.labels.len() * 32);
            for ts in points(series, t, &self.trend_stats) {
                encode_series(&ts, &mut bytes);
            }
            out.push(EncodedSeries {
                bytes,
                weight: std::mem::take(&mut series.pending),
            });
            series.sent_ms = Some(t);
        }
    }

    /// A staleness marker for every series written, at `now_ms + 1` (k6's time) or later
    /// than the series' last point.
    pub fn stale_markers(&self, now_ms: i64, out: &mut Vec<EncodedSeries>) {
        for series in &self.series {
            let Some(sent) = series.sent_ms else { continue };
            let t = (now_ms + 1).max(sent + 1);
            let mut bytes = Vec::new();
            for name in names(series, &self.trend_stats) {
                let ts = TimeSeries {
                    labels: with_name(series, name),
                    samples: vec![proto::Sample {
                        value: STALE_NAN,
                        timestamp: t,
                    }],
                    histograms: vec![],
                };
                encode_series(&ts, &mut bytes);
            }
            out.push(EncodedSeries { bytes, weight: 0 });
        }
    }
}

fn with_name(series: &Series, name: String) -> Vec<Label> {
    let mut labels = series.labels.clone();
    labels[series.name_at].value = name;
    labels
}

/// The series names a k6 series is written as.
fn names(series: &Series, trend_stats: &[TrendColumn]) -> Vec<String> {
    let m = &series.metric;
    match (&series.measure, m.mtype) {
        (Measure::Histogram(_), _) => {
            let unit = base_unit(m.contains);
            if unit.is_empty() {
                vec![format!("{PREFIX}{}", m.name)]
            } else {
                vec![format!("{PREFIX}{}_{unit}", m.name)]
            }
        }
        (_, MetricType::Counter) => vec![format!("{PREFIX}{}_total", m.name)],
        (_, MetricType::Gauge) => vec![format!("{PREFIX}{}", m.name)],
        (_, MetricType::Rate) => vec![format!("{PREFIX}{}_rate", m.name)],
        (_, MetricType::Trend) => trend_stats
            .iter()
            .map(|c| format!("{PREFIX}{}_{}", m.name, c.suffix))
            .collect(),
    }
}

fn points(series: &mut Series, t: i64, trend_stats: &[TrendColumn]) -> Vec<TimeSeries> {
    let names = names(series, trend_stats);
    let float = |series: &Series, name: String, value: f64| TimeSeries {
        labels: with_name(series, name),
        samples: vec![proto::Sample {
            value,
            timestamp: t,
        }],
        histograms: vec![],
    };
    let contains = series.metric.contains;
    let values: Vec<f64> = match &mut series.measure {
        Measure::Histogram(h) => {
            let hist = h.to_proto(t);
            let name = names.into_iter().next().unwrap_or_default();
            return vec![TimeSeries {
                labels: with_name(series, name),
                samples: vec![],
                histograms: vec![hist],
            }];
        }
        Measure::Sink(Sink::Counter(c)) => vec![c.value],
        Measure::Sink(Sink::Gauge(g)) => vec![g.value],
        Measure::Sink(Sink::Rate(r)) => vec![r.rate()],
        Measure::Sink(sink @ Sink::Trend(_)) => trend_stats
            .iter()
            .map(|c| {
                let v = match c.stat {
                    TrendColumnStat::Sum => match &*sink {
                        Sink::Trend(t) => t.sum(),
                        _ => 0.0,
                    },
                    TrendColumnStat::Stat(stat) => sink.trend_stat(stat).unwrap_or_default(),
                };
                adapt_unit(contains, v)
            })
            .collect(),
    };
    names
        .into_iter()
        .zip(values)
        .map(|(name, v)| float(series, name, v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::registry::{BuiltinMetrics, Registry, ThresholdIndex};
    use prost::Message;

    fn decode(points: &[EncodedSeries]) -> Vec<TimeSeries> {
        let mut body = Vec::new();
        for p in points {
            body.extend_from_slice(&p.bytes);
        }
        proto::WriteRequest::decode(body.as_slice())
            .unwrap()
            .timeseries
    }

    fn name(ts: &TimeSeries) -> &str {
        &ts.labels
            .iter()
            .find(|l| l.name == NAME_LABEL)
            .unwrap()
            .value
    }

    fn sample(m: &MetricRef, ms: i64, v: f64, tags: &TagSet) -> Sample {
        Sample {
            metric: m.clone(),
            time_ns: ms * 1_000_000 + 123,
            value: v,
            tags: tags.clone(),
            metadata: Some(TagSet::from_pairs([("vu", "1")])),
        }
    }

    #[test]
    fn k6_names_labels_and_running_values() {
        let r = Registry::new(ThresholdIndex::default());
        let b = BuiltinMetrics::register(&r).unwrap();
        let cols = ["p(99)", "count", "sum"]
            .iter()
            .map(|s| TrendColumn::parse(s).unwrap())
            .collect();
        let mut book = SeriesBook::new(cols, false);
        let tags = TagSet::from_pairs([("status", "200"), ("group", ""), ("Zeta", "z")]);
        book.add(&sample(&b.http_reqs, 1000, 1.0, &tags));
        book.add(&sample(&b.http_reqs, 1001, 1.0, &tags));
        book.add(&sample(&b.http_req_duration, 1001, 250.0, &tags));
        book.add(&sample(&b.http_req_failed, 1001, 1.0, &tags));
        book.add(&sample(&b.http_req_failed, 1001, 0.0, &tags));
        book.add(&sample(&b.vus, 999, 3.0, &TagSet::empty()));
        let mut out = Vec::new();
        book.take_points(&mut out);
        assert_eq!(out.iter().map(|p| p.weight).sum::<u64>(), 6);
        let series = decode(&out);
        let got: Vec<(String, f64, i64)> = series
            .iter()
            .map(|s| {
                (
                    name(s).to_string(),
                    s.samples[0].value,
                    s.samples[0].timestamp,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("k6_http_reqs_total".into(), 2.0, 1001),
                ("k6_http_req_duration_p99".into(), 0.25, 1001),
                // k6 v1.1.0 converts every stat of a time trend to seconds, count included.
                ("k6_http_req_duration_count".into(), 0.001, 1001),
                ("k6_http_req_duration_sum".into(), 0.25, 1001),
                ("k6_http_req_failed_rate".into(), 0.5, 1001),
                ("k6_vus".into(), 3.0, 999),
            ]
        );
        // Sorted labels (uppercase before `__name__`), empty tag values left out, no metadata.
        let names: Vec<&str> = series[0].labels.iter().map(|l| &*l.name).collect();
        assert_eq!(names, ["Zeta", "__name__", "status"]);
        assert!(series[5].labels.len() == 1);

        // Nothing new: nothing pushed. A sample within the pushed millisecond: pushed 1 ms later.
        out.clear();
        book.take_points(&mut out);
        assert!(out.is_empty());
        book.add(&sample(&b.http_reqs, 1001, 1.0, &tags));
        book.take_points(&mut out);
        let series = decode(&out);
        assert_eq!(series[0].samples[0].value, 3.0);
        assert_eq!(series[0].samples[0].timestamp, 1002);

        out.clear();
        book.stale_markers(5000, &mut out);
        let stale = decode(&out);
        assert_eq!(stale.len(), 6);
        assert!(
            stale
                .iter()
                .all(|s| s.samples[0].value.to_bits() == STALE_NAN.to_bits()
                    && s.samples[0].timestamp == 5001)
        );
        assert!(out.iter().all(|p| p.weight == 0));
    }

    #[test]
    fn native_histograms_take_the_base_unit_suffix() {
        let r = Registry::new(ThresholdIndex::default());
        let b = BuiltinMetrics::register(&r).unwrap();
        let mut book = SeriesBook::new(vec![], true);
        let tags = TagSet::from_pairs([("status", "200")]);
        book.add(&sample(&b.http_req_duration, 10, 1000.0, &tags));
        book.add(&sample(&b.http_req_duration, 11, 2000.0, &tags));
        book.add(&sample(&b.data_received, 11, 300.0, &tags));
        let mut out = Vec::new();
        book.take_points(&mut out);
        let series = decode(&out);
        assert_eq!(name(&series[0]), "k6_http_req_duration_seconds");
        let h = &series[0].histograms[0];
        assert_eq!(h.count, Some(proto::histogram::Count::CountInt(2)));
        assert_eq!(h.sum, 3.0);
        assert_eq!(h.timestamp, 11);
        assert!(series[0].samples.is_empty());
        // data_received is a counter, not a trend: a float series.
        assert_eq!(name(&series[1]), "k6_data_received_total");
    }
}
