//! The unit of measurement: a sample of one metric at one instant with a set of tags.
//!
//! Samples are produced on VU threads and travel in batches (`SampleBatch`) through a
//! crossbeam channel to the metrics engine, which fans the same `Arc`ed batch out to every
//! output. A sample is small: the metric and the tag set are shared `Arc`s, so cloning or
//! fanning out a sample never copies strings.

use std::fmt;
use std::sync::Arc;

/// k6's four metric types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricType {
    Counter,
    Gauge,
    Rate,
    Trend,
}

impl MetricType {
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Rate => "rate",
            MetricType::Trend => "trend",
        }
    }
}

/// What a metric's values mean (k6's `contains`): drives unit formatting in summaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueType {
    Default,
    /// Milliseconds.
    Time,
    /// Bytes.
    Data,
}

impl ValueType {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Default => "default",
            ValueType::Time => "time",
            ValueType::Data => "data",
        }
    }
}

/// A registered metric. Created once per test run by the [`super::registry::Registry`] and
/// shared by every sample of it.
#[derive(Debug)]
pub struct Metric {
    /// Dense index, assigned in registration order; usable as a vector index by aggregators.
    pub id: u32,
    pub name: Arc<str>,
    pub mtype: MetricType,
    pub contains: ValueType,
}

pub type MetricRef = Arc<Metric>;

/// An immutable, sorted set of `key=value` tags, shared between samples.
///
/// Keys are unique and sorted bytewise, so two tag sets with the same pairs compare and hash
/// equal, and outputs that need a stable order (line protocol, JSON) get it for free.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct TagSet(Arc<[(Arc<str>, Arc<str>)]>);

impl TagSet {
    pub fn empty() -> Self {
        TagSet(Arc::from(Vec::new()))
    }

    /// Builds a tag set from pairs; later duplicates of a key win, as in k6 where a per-call
    /// tag overrides a scenario or global tag of the same name.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<Arc<str>>,
        V: Into<Arc<str>>,
    {
        let mut v: Vec<(Arc<str>, Arc<str>)> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        // Stable sort keeps insertion order among equal keys; keep the last one.
        v.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Arc<str>, Arc<str>)> = Vec::with_capacity(v.len());
        for (k, val) in v {
            match out.last_mut() {
                Some(last) if last.0 == k => last.1 = val,
                _ => out.push((k, val)),
            }
        }
        TagSet(Arc::from(out))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| (**k).cmp(key))
            .ok()
            .map(|i| &*self.0[i].1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when every `(key, value)` in `filter` is present in this set (sub-metric match).
    pub fn contains_all(&self, filter: &TagSet) -> bool {
        filter.iter().all(|(k, v)| self.get(k) == Some(v))
    }

    pub fn pairs(&self) -> &[(Arc<str>, Arc<str>)] {
        &self.0
    }
}

impl fmt::Debug for TagSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// One measurement.
#[derive(Clone, Debug)]
pub struct Sample {
    pub metric: MetricRef,
    /// Wall-clock time, nanoseconds since the Unix epoch.
    pub time_ns: i64,
    pub value: f64,
    pub tags: TagSet,
    /// k6's non-indexed metadata (`vu`, `iter`, user `metrics.metadata`): written by outputs
    /// that support it but never used for aggregation or sub-metrics.
    pub metadata: Option<TagSet>,
}

/// Samples travel in batches: one HTTP request yields ~10 samples sent as one message.
pub type SampleBatch = Vec<Sample>;

/// Current wall-clock time in Unix nanoseconds.
pub fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagset_sorted_dedup_last_wins() {
        let t = TagSet::from_pairs([("b", "1"), ("a", "2"), ("b", "3")]);
        assert_eq!(t.iter().collect::<Vec<_>>(), vec![("a", "2"), ("b", "3")]);
        assert_eq!(t.get("b"), Some("3"));
        assert_eq!(t.get("c"), None);
    }

    #[test]
    fn contains_all_matches_submetric_filters() {
        let t = TagSet::from_pairs([("status", "200"), ("method", "GET")]);
        assert!(t.contains_all(&TagSet::from_pairs([("status", "200")])));
        assert!(!t.contains_all(&TagSet::from_pairs([("status", "404")])));
        assert!(t.contains_all(&TagSet::empty()));
    }
}
