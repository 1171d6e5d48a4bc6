//! The test run's metric registry: built-in metrics plus custom metrics created by scripts.
//!
//! Every VU creates its custom metrics in its own init context, so registration is
//! idempotent: the same name with the same type returns the same [`MetricRef`]. Thresholds
//! and sub-metrics are known before any VU starts (they come from the options), so they are
//! attached to a metric when it is registered and outputs can describe it completely.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;

use super::sample::{Metric, MetricRef, MetricType, TagSet, ValueType};

/// A sub-metric selector such as `http_reqs{status:200,method:GET}`.
#[derive(Clone, Debug, PartialEq)]
pub struct SubmetricDef {
    /// Full name as written by the user after normalisation: `http_reqs{status:200}`.
    pub name: String,
    /// The part between the braces, as k6 reports it: `status:200`.
    pub suffix: String,
    pub parent: String,
    pub tags: TagSet,
}

impl SubmetricDef {
    /// Parses `metric{k:v,k2:v2}`; returns `Ok(None)` for a plain metric name.
    /// Values may be quoted (`{name:"a,b"}` is not split inside the quotes).
    pub fn parse(full: &str) -> Result<Option<SubmetricDef>, String> {
        let full = full.trim();
        let Some(open) = full.find('{') else {
            return Ok(None);
        };
        if !full.ends_with('}') {
            return Err(format!(
                "sub-metric selector {full:?} is missing its closing '}}'"
            ));
        }
        let parent = full[..open].trim().to_string();
        let inner = &full[open + 1..full.len() - 1];
        let mut pairs = Vec::new();
        for part in split_outside_quotes(inner, ',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let Some((k, v)) = part.split_once(':') else {
                return Err(format!(
                    "sub-metric selector {full:?}: {part:?} is not a key:value pair"
                ));
            };
            let k = unquote(k.trim());
            let v = unquote(v.trim());
            if k.is_empty() {
                return Err(format!(
                    "sub-metric selector {full:?} has an empty tag name"
                ));
            }
            pairs.push((k.to_string(), v.to_string()));
        }
        if pairs.is_empty() {
            return Err(format!("sub-metric selector {full:?} has no tags"));
        }
        let suffix = pairs
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect::<Vec<_>>()
            .join(",");
        Ok(Some(SubmetricDef {
            name: format!("{parent}{{{suffix}}}"),
            suffix,
            parent,
            tags: TagSet::from_pairs(pairs),
        }))
    }
}

fn unquote(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == sep => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            None => {}
        }
    }
    out.push(&s[start..]);
    out
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("metric '{name}' already exists but with type {existing}, instead of {wanted}")]
    TypeMismatch {
        name: String,
        existing: &'static str,
        wanted: &'static str,
    },
    #[error("metric '{name}' already exists but with a value type {existing}, instead of {wanted}")]
    ValueTypeMismatch {
        name: String,
        existing: &'static str,
        wanted: &'static str,
    },
    #[error(
        "invalid metric name '{0}': names must be 2-128 characters of ASCII letters, digits and underscores, and must not start with a digit"
    )]
    InvalidName(String),
}

/// Threshold source expressions and sub-metrics per metric name, from the options.
#[derive(Clone, Debug, Default)]
pub struct ThresholdIndex {
    /// metric name (parent, without selector) -> threshold expressions on the metric itself,
    /// each as the JSON text k6's JSON output writes for it ([`super::thresholds::ThresholdDef::json_text`]).
    pub thresholds: HashMap<String, Vec<String>>,
    /// parent metric name -> sub-metrics referenced anywhere (thresholds or built in).
    pub submetrics: HashMap<String, Vec<SubmetricDef>>,
}

#[derive(Default)]
struct Inner {
    by_name: HashMap<Arc<str>, MetricRef>,
    list: Vec<MetricRef>,
}

/// Shared registry of metrics for one test run.
pub struct Registry {
    inner: RwLock<Inner>,
    index: ThresholdIndex,
}

/// Metric attributes outputs need beside the samples (k6's JSON `Metric` line).
#[derive(Clone, Debug, Default)]
pub struct MetricDescription {
    pub thresholds: Vec<String>,
    pub submetrics: Vec<SubmetricDef>,
}

impl Registry {
    pub fn new(index: ThresholdIndex) -> Self {
        Registry {
            inner: RwLock::new(Inner::default()),
            index,
        }
    }

    /// k6 v1 metric name rule.
    pub fn validate_name(name: &str) -> Result<(), RegistryError> {
        // k6 v1.1.0 rejects one-character names too ('z' fails), so the minimum is 2.
        let ok = name.len() >= 2
            && name.len() <= 128
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !name.as_bytes()[0].is_ascii_digit();
        if ok {
            Ok(())
        } else {
            Err(RegistryError::InvalidName(name.to_string()))
        }
    }

    pub fn get(&self, name: &str) -> Option<MetricRef> {
        self.inner.read().by_name.get(name).cloned()
    }

    /// Registers a metric or returns the existing one of the same name and type.
    pub fn register(
        &self,
        name: &str,
        mtype: MetricType,
        contains: ValueType,
    ) -> Result<MetricRef, RegistryError> {
        if let Some(m) = self.get(name) {
            return check_same_type(m, name, mtype, contains);
        }
        let mut inner = self.inner.write();
        if let Some(m) = inner.by_name.get(name) {
            return check_same_type(m.clone(), name, mtype, contains);
        }
        let metric = Arc::new(Metric {
            id: inner.list.len() as u32,
            name: Arc::from(name),
            mtype,
            contains,
        });
        inner.by_name.insert(metric.name.clone(), metric.clone());
        inner.list.push(metric.clone());
        Ok(metric)
    }

    /// All metrics in registration order.
    pub fn all(&self) -> Vec<MetricRef> {
        self.inner.read().list.clone()
    }

    pub fn describe(&self, name: &str) -> MetricDescription {
        MetricDescription {
            thresholds: self.index.thresholds.get(name).cloned().unwrap_or_default(),
            submetrics: self.index.submetrics.get(name).cloned().unwrap_or_default(),
        }
    }

    pub fn threshold_index(&self) -> &ThresholdIndex {
        &self.index
    }
}

/// k6's `Registry.NewMetric`: a second registration must agree on the type and on what the
/// values are (`new Trend('t', true)` after `new Trend('t')` fails, and so does a Trend
/// without `isTime` named like a built-in time metric).
fn check_same_type(
    m: MetricRef,
    name: &str,
    mtype: MetricType,
    contains: ValueType,
) -> Result<MetricRef, RegistryError> {
    if m.mtype != mtype {
        return Err(RegistryError::TypeMismatch {
            name: name.to_string(),
            existing: m.mtype.as_str(),
            wanted: mtype.as_str(),
        });
    }
    if m.contains != contains {
        return Err(RegistryError::ValueTypeMismatch {
            name: name.to_string(),
            existing: m.contains.as_str(),
            wanted: contains.as_str(),
        });
    }
    Ok(m)
}

/// The metrics k6 always defines, in k6's registration order where it is observable.
pub struct BuiltinMetrics {
    pub vus: MetricRef,
    pub vus_max: MetricRef,
    pub iterations: MetricRef,
    pub iteration_duration: MetricRef,
    pub dropped_iterations: MetricRef,
    pub data_sent: MetricRef,
    pub data_received: MetricRef,
    pub checks: MetricRef,
    pub group_duration: MetricRef,
    pub http_reqs: MetricRef,
    pub http_req_failed: MetricRef,
    pub http_req_duration: MetricRef,
    pub http_req_blocked: MetricRef,
    pub http_req_connecting: MetricRef,
    pub http_req_tls_handshaking: MetricRef,
    pub http_req_sending: MetricRef,
    pub http_req_waiting: MetricRef,
    pub http_req_receiving: MetricRef,
    pub ws: WsMetrics,
}

/// k6's WebSocket metrics (`k6/ws`, `k6/experimental/websockets`).
pub struct WsMetrics {
    pub sessions: MetricRef,
    pub connecting: MetricRef,
    pub session_duration: MetricRef,
    pub msgs_sent: MetricRef,
    pub msgs_received: MetricRef,
    pub ping: MetricRef,
}

impl BuiltinMetrics {
    pub fn register(r: &Registry) -> Result<Self, RegistryError> {
        use MetricType::*;
        use ValueType::*;
        Ok(BuiltinMetrics {
            vus: r.register("vus", Gauge, Default)?,
            vus_max: r.register("vus_max", Gauge, Default)?,
            iterations: r.register("iterations", Counter, Default)?,
            iteration_duration: r.register("iteration_duration", Trend, Time)?,
            dropped_iterations: r.register("dropped_iterations", Counter, Default)?,
            data_sent: r.register("data_sent", Counter, Data)?,
            data_received: r.register("data_received", Counter, Data)?,
            checks: r.register("checks", Rate, Default)?,
            group_duration: r.register("group_duration", Trend, Time)?,
            http_reqs: r.register("http_reqs", Counter, Default)?,
            http_req_failed: r.register("http_req_failed", Rate, Default)?,
            http_req_duration: r.register("http_req_duration", Trend, Time)?,
            http_req_blocked: r.register("http_req_blocked", Trend, Time)?,
            http_req_connecting: r.register("http_req_connecting", Trend, Time)?,
            http_req_tls_handshaking: r.register("http_req_tls_handshaking", Trend, Time)?,
            http_req_sending: r.register("http_req_sending", Trend, Time)?,
            http_req_waiting: r.register("http_req_waiting", Trend, Time)?,
            http_req_receiving: r.register("http_req_receiving", Trend, Time)?,
            ws: WsMetrics {
                sessions: r.register("ws_sessions", Counter, Default)?,
                connecting: r.register("ws_connecting", Trend, Time)?,
                session_duration: r.register("ws_session_duration", Trend, Time)?,
                msgs_sent: r.register("ws_msgs_sent", Counter, Default)?,
                msgs_received: r.register("ws_msgs_received", Counter, Default)?,
                ping: r.register("ws_ping", Trend, Time)?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_submetric_selectors() {
        let s = SubmetricDef::parse("http_reqs{ status:200 , method:\"GET\" }")
            .unwrap()
            .unwrap();
        assert_eq!(s.parent, "http_reqs");
        assert_eq!(s.suffix, "status:200,method:GET");
        assert_eq!(s.name, "http_reqs{status:200,method:GET}");
        assert_eq!(s.tags.get("method"), Some("GET"));
        assert!(SubmetricDef::parse("http_reqs").unwrap().is_none());
        assert!(SubmetricDef::parse("http_reqs{status}").is_err());
        let q = SubmetricDef::parse("m{name:'a,b'}").unwrap().unwrap();
        assert_eq!(q.tags.get("name"), Some("a,b"));
    }

    #[test]
    fn registration_is_idempotent_and_typed() {
        let r = Registry::new(ThresholdIndex::default());
        let a = r.register("x", MetricType::Trend, ValueType::Time).unwrap();
        let b = r.register("x", MetricType::Trend, ValueType::Time).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        // k6 v1.1.0's messages for both mismatches.
        let e = r
            .register("x", MetricType::Counter, ValueType::Default)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "metric 'x' already exists but with type trend, instead of counter"
        );
        let e = r
            .register("x", MetricType::Trend, ValueType::Default)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "metric 'x' already exists but with a value type time, instead of default"
        );
        assert!(Registry::validate_name("my_metric_1").is_ok());
        assert!(Registry::validate_name("1abc").is_err());
        assert!(Registry::validate_name("a-b").is_err());
    }
}
