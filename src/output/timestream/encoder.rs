//! Samples to Timestream records.
//!
//! `single` format (default, compatible with xk6-output-timestream and its dashboards): one
//! record per sample, `measure_name` = metric name, one DOUBLE value, time in NANOSECONDS,
//! dimensions = the sample's non-empty tags plus `test_run_id` and `instance_id` (a tag of
//! the same name wins), so a record always has at least one dimension.
//!
//! `multi` format: the `http_req*` samples of one HTTP request (same time and tags, in the same
//! sample batch) become one multi-measure record named `http_req` whose measures are named
//! after the metrics (`http_req_duration`, `http_req_waiting`, ..., `http_reqs`); other samples
//! stay single-measure.
//!
//! Names are made valid (see [`super::validator::sanitize_name`]): a tag named like a metric
//! gets a `tag_` prefix (Timestream forbids a dimension named like a measure), dimension values
//! are truncated to 2048 bytes, at most 128 dimensions are kept.
//!
//! Unique times: Timestream keeps one value per (dimensions, measure name, time); a second
//! record with the same key is rejected (or, with the same value, silently merged). k6 samples
//! can share all three: the same check passing twice in one instant, or two VUs' requests with
//! identical tags finishing in the same nanosecond. The encoder remembers the last 8 runs of times it
//! used per series (as runs of consecutive nanoseconds) and moves a colliding record to the
//! first unused nanosecond after it. A burst of n equal times becomes t, t+1, ..., t+n-1.

use std::collections::HashMap;
use std::sync::Arc;

use crate::metrics::registry::Registry;
use crate::metrics::sample::{Metric, Sample, TagSet};

use super::config::RecordFormat;
use super::validator::{
    MAX_DIMENSION_NAME_BYTES, MAX_DIMENSION_VALUE_BYTES, MAX_DIMENSIONS, MAX_MEASURE_NAME_BYTES,
    sanitize_name, truncate_bytes,
};
use crate::output::writer_pool::{PoolRecord, UniqueTimes};

pub type Dims = Arc<[(Arc<str>, Arc<str>)]>;

/// Name of the multi-measure record holding one HTTP request's values.
pub const MULTI_MEASURE_NAME: &str = "http_req";

#[derive(Clone, Debug, PartialEq)]
pub enum TsValue {
    Double(f64),
    /// (measure name, value) pairs of a multi-measure record.
    Multi(Vec<(Arc<str>, f64)>),
}

/// One record, cheap to build and to retry: names and dimensions are shared `Arc`s; the SDK
/// record is built from it at write time.
#[derive(Clone, Debug, PartialEq)]
pub struct TsRecord {
    pub dims: Dims,
    pub measure_name: Arc<str>,
    pub time_ns: i64,
    pub value: TsValue,
}

impl PoolRecord for TsRecord {
    fn weight(&self) -> u64 {
        match &self.value {
            TsValue::Double(_) => 1,
            TsValue::Multi(m) => m.len() as u64,
        }
    }
}

impl TsRecord {
    /// Timestream's metered size (see [`super::validator::metered_size`]).
    pub fn metered_size(&self) -> usize {
        let dims: usize = self.dims.iter().map(|(n, v)| n.len() + v.len()).sum();
        let measures = match &self.value {
            TsValue::Double(_) => 8,
            TsValue::Multi(m) => m.iter().map(|(n, _)| n.len() + 8).sum(),
        };
        8 + dims + self.measure_name.len() + measures
    }
}

/// Write-size accounting of what was encoded, for the end-of-test notes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Meter {
    /// `http_reqs` samples seen: one per HTTP request.
    pub http_requests: u64,
    /// Metered bytes of the records holding HTTP request values.
    pub http_bytes: u64,
    pub records: u64,
    pub bytes: u64,
}

impl Meter {
    pub fn bytes_per_request(&self) -> Option<f64> {
        (self.http_requests > 0).then(|| self.http_bytes as f64 / self.http_requests as f64)
    }
}

/// Cache sizes after which the caches are cleared (a test with unbounded tag values, such as
/// unique URLs, must not grow memory without bound).
const MAX_CACHED_TAGSETS: usize = 50_000;

pub struct TsEncoder {
    format: RecordFormat,
    base: Vec<(Arc<str>, Arc<str>)>,
    metadata_dims: bool,
    registry: Arc<Registry>,
    dims_cache: HashMap<TagSet, (Dims, u64)>,
    next_series: u64,
    measure_names: Vec<Option<Arc<str>>>,
    recent: UniqueTimes,
    multi_name: Arc<str>,
    meter: Meter,
}

fn is_http_metric(name: &str) -> bool {
    name.starts_with("http_req")
}

impl TsEncoder {
    pub fn new(
        format: RecordFormat,
        test_run_id: &str,
        instance_id: &str,
        metadata_dims: bool,
        registry: Arc<Registry>,
    ) -> Self {
        let base = [("test_run_id", test_run_id), ("instance_id", instance_id)]
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| {
                (
                    Arc::from(k),
                    Arc::from(truncate_bytes(v, MAX_DIMENSION_VALUE_BYTES)),
                )
            })
            .collect();
        TsEncoder {
            format,
            base,
            metadata_dims,
            registry,
            dims_cache: HashMap::new(),
            next_series: 0,
            measure_names: Vec::new(),
            recent: UniqueTimes::default(),
            multi_name: Arc::from(MULTI_MEASURE_NAME),
            meter: Meter::default(),
        }
    }

    pub fn meter(&self) -> Meter {
        self.meter
    }

    fn dimension_name(&self, key: &str) -> Option<Arc<str>> {
        let name = sanitize_name(key, MAX_DIMENSION_NAME_BYTES)?;
        if self.registry.get(&name).is_some() || &*name == MULTI_MEASURE_NAME {
            let prefixed = format!("tag_{name}");
            return Some(Arc::from(truncate_bytes(
                &prefixed,
                MAX_DIMENSION_NAME_BYTES,
            )));
        }
        Some(Arc::from(&*name))
    }

    fn build_dims<'a>(
        &self,
        pairs: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Vec<(Arc<str>, Arc<str>)> {
        let mut dims: Vec<(Arc<str>, Arc<str>)> = Vec::new();
        let room = MAX_DIMENSIONS - self.base.len();
        for (k, v) in pairs {
            if v.trim().is_empty() || dims.len() >= room {
                continue;
            }
            let Some(name) = self.dimension_name(k) else {
                continue;
            };
            if dims.iter().any(|(n, _)| *n == name) {
                continue;
            }
            dims.push((
                name,
                Arc::from(truncate_bytes(v, MAX_DIMENSION_VALUE_BYTES)),
            ));
        }
        for (k, v) in &self.base {
            if !dims.iter().any(|(n, _)| n == k) {
                dims.push((k.clone(), v.clone()));
            }
        }
        dims
    }

    /// Dimensions of a sample and a series id for them.
    fn dims_for(&mut self, s: &Sample) -> (Dims, u64) {
        if self.dims_cache.len() > MAX_CACHED_TAGSETS {
            self.dims_cache.clear();
        }
        let (dims, id) = match self.dims_cache.get(&s.tags) {
            Some(hit) => hit.clone(),
            None => {
                let dims: Dims = Arc::from(self.build_dims(s.tags.iter()));
                self.next_series += 1;
                let entry = (dims, self.next_series);
                self.dims_cache.insert(s.tags.clone(), entry.clone());
                entry
            }
        };
        match (&s.metadata, self.metadata_dims) {
            (Some(meta), true) if !meta.is_empty() => {
                let dims: Dims = Arc::from(self.build_dims(s.tags.iter().chain(meta.iter())));
                let mut h = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                for (k, v) in meta.iter() {
                    for b in k.bytes().chain([0]).chain(v.bytes()).chain([1]) {
                        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3);
                    }
                }
                (dims, h)
            }
            _ => (dims, id),
        }
    }

    fn measure_name(&mut self, m: &Metric) -> Arc<str> {
        let i = m.id as usize;
        if self.measure_names.len() <= i {
            self.measure_names.resize(i + 1, None);
        }
        self.measure_names[i]
            .get_or_insert_with(|| match sanitize_name(&m.name, MAX_MEASURE_NAME_BYTES) {
                Some(n) => Arc::from(&*n),
                None => Arc::from("unnamed"),
            })
            .clone()
    }

    fn unique_time(&mut self, series: u64, measure: &Arc<str>, t: i64) -> i64 {
        let measure_id = Arc::as_ptr(measure) as *const u8 as usize as u64;
        self.recent.take(
            series.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ measure_id,
            t,
            1,
        )
    }

    /// Encodes `samples` into `out`. Samples that cannot be stored (non-finite values) are
    /// passed to `reject` with the reason; every other sample is in exactly one record.
    pub fn encode(
        &mut self,
        samples: &[Sample],
        out: &mut Vec<TsRecord>,
        reject: &mut impl FnMut(u64, &str),
    ) {
        let first_new = out.len();
        // (original time, series id, index in out) of this batch's open multi records.
        let mut open: Vec<(i64, u64, usize)> = Vec::new();
        for s in samples {
            if s.metric.name.as_ref() == "http_reqs" {
                self.meter.http_requests += 1;
            }
            if !s.value.is_finite() {
                reject(
                    1,
                    "non-finite value (NaN or infinity) cannot be stored in Timestream",
                );
                continue;
            }
            let http = is_http_metric(&s.metric.name);
            let (dims, series) = self.dims_for(s);
            if self.format == RecordFormat::Multi && http {
                let measure = self.measure_name(&s.metric);
                let slot = open.iter().find(|(t, id, idx)| {
                    *t == s.time_ns
                        && *id == series
                        && match &out[*idx].value {
                            TsValue::Multi(ms) => !ms.iter().any(|(n, _)| *n == measure),
                            TsValue::Double(_) => false,
                        }
                });
                match slot {
                    Some(&(_, _, idx)) => {
                        if let TsValue::Multi(ms) = &mut out[idx].value {
                            ms.push((measure, s.value));
                        }
                    }
                    None => {
                        open.push((s.time_ns, series, out.len()));
                        out.push(TsRecord {
                            dims,
                            measure_name: self.multi_name.clone(),
                            time_ns: s.time_ns,
                            value: TsValue::Multi(vec![(measure, s.value)]),
                        });
                    }
                }
                continue;
            }
            let measure = self.measure_name(&s.metric);
            let time_ns = self.unique_time(series, &measure, s.time_ns);
            let rec = TsRecord {
                dims,
                measure_name: measure,
                time_ns,
                value: TsValue::Double(s.value),
            };
            let size = rec.metered_size() as u64;
            if http {
                self.meter.http_bytes += size;
            }
            self.meter.records += 1;
            self.meter.bytes += size;
            out.push(rec);
        }
        for &(t, series, idx) in &open {
            let name = self.multi_name.clone();
            let time_ns = self.unique_time(series, &name, t);
            let rec = &mut out[idx];
            rec.time_ns = time_ns;
            let size = rec.metered_size() as u64;
            self.meter.http_bytes += size;
            self.meter.records += 1;
            self.meter.bytes += size;
        }
        debug_assert!(out[first_new..].iter().all(|r| r.weight() > 0));
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::metrics::registry::{BuiltinMetrics, ThresholdIndex};
    use crate::metrics::sample::MetricRef;

    pub(crate) fn registry() -> (Arc<Registry>, BuiltinMetrics) {
        let r = Registry::new(ThresholdIndex::default());
        let b = BuiltinMetrics::register(&r).unwrap();
        (Arc::new(r), b)
    }

    fn sample(m: &MetricRef, t: i64, v: f64, tags: &TagSet) -> Sample {
        Sample {
            metric: m.clone(),
            time_ns: t,
            value: v,
            tags: tags.clone(),
            metadata: Some(TagSet::from_pairs([("vu", "1"), ("iter", "0")])),
        }
    }

    /// The samples of one k6 HTTP request with k6's default tags.
    pub(crate) fn http_request_samples(b: &BuiltinMetrics, t: i64) -> Vec<Sample> {
        let tags = TagSet::from_pairs([
            ("expected_response", "true"),
            ("group", ""),
            ("method", "GET"),
            ("name", "http://127.0.0.1:8080/api/items"),
            ("proto", "HTTP/1.1"),
            ("scenario", "default"),
            ("status", "200"),
            ("url", "http://127.0.0.1:8080/api/items"),
        ]);
        [
            (&b.http_reqs, 1.0),
            (&b.http_req_duration, 12.5),
            (&b.http_req_blocked, 0.01),
            (&b.http_req_connecting, 0.0),
            (&b.http_req_tls_handshaking, 0.0),
            (&b.http_req_sending, 0.02),
            (&b.http_req_waiting, 12.3),
            (&b.http_req_receiving, 0.17),
            (&b.http_req_failed, 0.0),
        ]
        .into_iter()
        .map(|(m, v)| sample(m, t, v, &tags))
        .collect()
    }

    fn encode(enc: &mut TsEncoder, samples: &[Sample]) -> (Vec<TsRecord>, u64) {
        let mut out = Vec::new();
        let mut rejected = 0;
        enc.encode(samples, &mut out, &mut |n, _| rejected += n);
        (out, rejected)
    }

    #[test]
    fn single_format_is_xk6_compatible() {
        let (reg, b) = registry();
        let mut enc = TsEncoder::new(RecordFormat::Single, "run-1", "host-1", false, reg);
        let samples = http_request_samples(&b, 1_000);
        let (recs, rej) = encode(&mut enc, &samples);
        assert_eq!(rej, 0);
        assert_eq!(recs.len(), 9);
        let r = &recs[1];
        assert_eq!(&*r.measure_name, "http_req_duration");
        assert_eq!(r.value, TsValue::Double(12.5));
        assert_eq!(r.time_ns, 1_000, "different measures keep the shared time");
        let names: Vec<&str> = r.dims.iter().map(|(n, _)| &**n).collect();
        assert!(names.contains(&"method") && names.contains(&"status"));
        assert!(!names.contains(&"group"), "empty tags are not dimensions");
        assert!(names.contains(&"test_run_id") && names.contains(&"instance_id"));
        assert!(
            !names.contains(&"vu"),
            "metadata is not a dimension by default"
        );
    }

    #[test]
    fn multi_format_groups_one_request() {
        let (reg, b) = registry();
        let mut enc = TsEncoder::new(RecordFormat::Multi, "run-1", "host-1", false, reg.clone());
        let mut samples = http_request_samples(&b, 1_000);
        samples.push(sample(
            &b.checks,
            1_000,
            1.0,
            &TagSet::from_pairs([("check", "ok")]),
        ));
        let (recs, _) = encode(&mut enc, &samples);
        assert_eq!(recs.len(), 2);
        assert_eq!(&*recs[0].measure_name, MULTI_MEASURE_NAME);
        assert_eq!(recs[0].weight(), 9);
        assert_eq!(recs.iter().map(PoolRecord::weight).sum::<u64>(), 10);

        // Two requests with equal tags and time in one batch: two records, unique times.
        let mut two = http_request_samples(&b, 5_000);
        two.extend(http_request_samples(&b, 5_000));
        let (recs, _) = encode(&mut enc, &two);
        assert_eq!(recs.len(), 2);
        assert_ne!(recs[0].time_ns, recs[1].time_ns);

        // Measured write size per request: multi is cheaper than single.
        let single_enc = &mut TsEncoder::new(RecordFormat::Single, "run-1", "host-1", false, reg);
        encode(single_enc, &http_request_samples(&b, 9_000));
        let single = single_enc.meter().bytes_per_request().unwrap();
        let mut m = TsEncoder::new(RecordFormat::Multi, "run-1", "host-1", false, registry().0);
        encode(&mut m, &http_request_samples(&b, 9_000));
        let multi = m.meter().bytes_per_request().unwrap();
        println!("metered bytes per HTTP request: single={single} multi={multi}");
        assert!(multi < single / 3.0, "single={single} multi={multi}");
    }

    #[test]
    fn same_series_same_time_gets_unique_times() {
        let (reg, b) = registry();
        let mut enc = TsEncoder::new(RecordFormat::Single, "run-1", "host-1", false, reg);
        let tags = TagSet::from_pairs([("check", "status is 200")]);
        let samples: Vec<Sample> = (0..20)
            .map(|_| sample(&b.checks, 7_000, 1.0, &tags))
            .collect();
        let (recs, _) = encode(&mut enc, &samples);
        let mut times: Vec<i64> = recs.iter().map(|r| r.time_ns).collect();
        times.sort_unstable();
        times.dedup();
        assert_eq!(times.len(), 20);
        assert!(times.iter().all(|t| (7_000..7_020).contains(t)));
        // A later batch at the same instant continues past the used times.
        let (more, _) = encode(&mut enc, &samples[..1]);
        assert!(!times.contains(&more[0].time_ns));
    }

    #[test]
    fn names_and_values_are_made_valid() {
        let (reg, b) = registry();
        let mut enc = TsEncoder::new(RecordFormat::Single, "run-1", "host-1", true, reg);
        let long = "x".repeat(3000);
        let tags = TagSet::from_pairs([
            ("time", "t"),
            ("a:b", "1"),
            ("http_reqs", "clash"),
            ("instance_id", "mine"),
            ("long", long.as_str()),
            ("blank", "  "),
        ]);
        let (recs, _) = encode(&mut enc, &[sample(&b.vus, 1, 3.0, &tags)]);
        let dims: HashMap<&str, &str> = recs[0].dims.iter().map(|(n, v)| (&**n, &**v)).collect();
        assert_eq!(dims.get("k6_time"), Some(&"t"));
        assert_eq!(dims.get("a_b"), Some(&"1"));
        assert_eq!(dims.get("tag_http_reqs"), Some(&"clash"));
        assert_eq!(dims.get("instance_id"), Some(&"mine"), "a user tag wins");
        assert_eq!(dims.get("long").map(|v| v.len()), Some(2048));
        assert!(!dims.contains_key("blank"));
        assert_eq!(
            dims.get("vu"),
            Some(&"1"),
            "metadata dimensions when enabled"
        );
    }

    #[test]
    fn non_finite_values_are_rejected_and_counted() {
        let (reg, b) = registry();
        let mut enc = TsEncoder::new(RecordFormat::Multi, "run-1", "host-1", false, reg);
        let t = TagSet::empty();
        let samples = vec![
            sample(&b.vus, 1, f64::NAN, &t),
            sample(&b.vus, 1, f64::INFINITY, &t),
            sample(&b.vus, 1, 1.0, &t),
        ];
        let (recs, rej) = encode(&mut enc, &samples);
        assert_eq!(rej, 2);
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].dims.len(), 2, "test_run_id and instance_id only");
    }

    /// Encoder + pool throughput with a no-op sink, samples/s on one core. Run by hand:
    /// `cargo test --lib output::timestream::encoder::tests::pipeline_throughput -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn pipeline_throughput() {
        use crate::output::writer_pool::{PoolConfig, Sink, WriteOutcome, WriterPool, io_runtime};
        struct Noop;
        impl Sink for Noop {
            type Record = TsRecord;
            async fn write(&self, _batch: &[TsRecord]) -> WriteOutcome {
                WriteOutcome::Ok
            }
        }
        for format in [RecordFormat::Single, RecordFormat::Multi] {
            let (reg, b) = registry();
            let rt = io_runtime("bench").unwrap();
            let cfg = PoolConfig {
                writers: 1,
                ..PoolConfig::default()
            };
            let pool =
                WriterPool::start("bench", Arc::new(Noop), cfg, rt.handle().clone()).unwrap();
            let mut enc = TsEncoder::new(format, "run-1", "host-1", false, reg);
            let batches: Vec<Vec<Sample>> = (0..1000)
                .map(|i| http_request_samples(&b, 1_000_000 + i))
                .collect();
            let mut out = Vec::new();
            let t = std::time::Instant::now();
            let mut n = 0u64;
            for round in 0..200 {
                for batch in &batches {
                    let shifted: Vec<Sample> = batch
                        .iter()
                        .map(|s| Sample {
                            time_ns: s.time_ns + round * 10_000_000,
                            ..s.clone()
                        })
                        .collect();
                    n += shifted.len() as u64;
                    enc.encode(&shifted, &mut out, &mut |_, _| {});
                    pool.submit(&mut out);
                }
            }
            let r = pool.shutdown(std::time::Duration::from_secs(60));
            let el = t.elapsed();
            assert_eq!(r.written, n);
            println!(
                "{}: {n} samples in {el:?} = {:.0} samples/s (encode + pool, no-op sink)",
                format.as_str(),
                n as f64 / el.as_secs_f64()
            );
        }
    }
}
