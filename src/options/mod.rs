//! Test options: the script's `export const options`, a `-c` config file, `K6_*` environment
//! variables and CLI flags, consolidated with k6's precedence
//! (config file < script < environment < flags) into one typed [`Options`].

pub mod duration;
pub mod execution_segment;
pub mod scenarios;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value, json};

use duration::duration_from_json;
pub use scenarios::{ExecutorConfig, ScenarioConfig, Stage};

/// One layer of raw options (a JSON object with k6's option names).
pub type Layer = Map<String, Value>;

/// Options that reset each other across layers (k6 `lib.Options.Apply`): setting any of them in
/// a higher layer discards all of them from lower layers.
const EXECUTION_KEYS: [&str; 4] = ["duration", "iterations", "stages", "scenarios"];

/// Merges `upper` over `lower` with k6's rules.
pub fn apply_layer(lower: &mut Layer, upper: &Layer) {
    if EXECUTION_KEYS
        .iter()
        .any(|k| upper.get(*k).is_some_and(|v| !v.is_null()))
    {
        for k in EXECUTION_KEYS {
            lower.remove(k);
        }
    }
    for (k, v) in upper {
        if !v.is_null() {
            lower.insert(k.clone(), v.clone());
        }
    }
}

/// k6's `warnOnShortHandOverride`: a layer (`script`, `env` or `cli`) that sets any execution
/// option discards the `scenarios` of the layers below it, and k6 warns that it did.
pub fn scenarios_override_warning(
    lower: &Layer,
    upper: &Layer,
    upper_name: &str,
) -> Option<String> {
    let set = |l: &Layer, k: &str| l.get(k).is_some_and(|v| !v.is_null());
    (set(lower, "scenarios") && EXECUTION_KEYS.iter().any(|k| set(upper, k))).then(|| {
        format!("\"{upper_name}\" level configuration overrode scenarios configuration entirely")
    })
}

/// The consolidated, validated options of a test run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The merged raw options, as `rk6 inspect` prints them and `exec.test.options` exposes.
    pub raw: Layer,
    pub scenarios: Vec<ScenarioConfig>,
    pub thresholds: Value,
    pub tags: BTreeMap<String, String>,
    pub setup_timeout: Duration,
    pub teardown_timeout: Duration,
    pub handle_summary_timeout: Duration,
    pub no_setup: bool,
    pub no_teardown: bool,
    pub summary_trend_stats: Vec<String>,
    pub summary_time_unit: Option<String>,
    pub user_agent: String,
    pub max_redirects: u32,
    /// `maxRedirects` was given in some layer: k6 then stops at the limit without warning.
    pub max_redirects_set: bool,
    pub batch: usize,
    pub batch_per_host: usize,
    pub insecure_skip_tls_verify: bool,
    pub no_connection_reuse: bool,
    pub no_vu_connection_reuse: bool,
    pub discard_response_bodies: bool,
    pub throw: bool,
    pub no_cookies_reset: bool,
    pub min_iteration_duration: Duration,
    pub http_debug: Option<String>,
    pub hosts: BTreeMap<String, String>,
    pub blocked_hostnames: crate::http::blocklist::BlockedHostnames,
    pub blacklisted_ips: Vec<ipnet::IpNet>,
    /// `tlsVersion` and `tlsCipherSuites`.
    pub tls: crate::tls::TlsOptions,
    /// `--local-ips` / `K6_LOCAL_IPS` (not a script option in k6).
    pub local_ips: Option<crate::http::local_ips::LocalIpPool>,
    /// Requests per second across all VUs; 0 is no limit.
    pub rps: u64,
    pub system_tags: Option<Vec<String>>,
    pub paused: bool,
    /// `executionSegment` in `executionSegmentSequence`: this instance's share of the test.
    pub execution_tuple: execution_segment::ExecutionTuple,
    /// Which of the whole test's VU numbers are this instance's (`exec.vu.idInTest`).
    pub vu_ids: execution_segment::Stripe,
}

/// Error in the configuration: k6 exits with code 104 for these.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

fn get_bool(raw: &Layer, key: &str) -> Result<bool, ConfigError> {
    match raw.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) => parse_bool_str(s)
            .ok_or_else(|| ConfigError(format!("option '{key}' must be true or false, got {s:?}"))),
        Some(v) => Err(ConfigError(format!(
            "option '{key}' must be true or false, got {v}"
        ))),
    }
}

pub fn parse_bool_str(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "t" | "yes" => Some(true),
        "0" | "false" | "f" | "no" | "" => Some(false),
        _ => None,
    }
}

/// An array of strings (or one comma-separated string, as environment variables give it).
fn get_string_list(raw: &Layer, key: &str) -> Result<Vec<String>, ConfigError> {
    match raw.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(ConfigError(format!(
                    "option '{key}' must be an array of strings, got {other}"
                ))),
            })
            .collect(),
        Some(v) => Err(ConfigError(format!(
            "option '{key}' must be an array of strings, got {v}"
        ))),
    }
}

fn get_u64(raw: &Layer, key: &str) -> Result<Option<u64>, ConfigError> {
    match raw.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if f >= 0.0 && f.fract() == 0.0 => Ok(Some(f as u64)),
            _ => Err(ConfigError(format!(
                "option '{key}' must be a non-negative whole number, got {n}"
            ))),
        },
        Some(Value::String(s)) => s.trim().parse::<u64>().map(Some).map_err(|_| {
            ConfigError(format!(
                "option '{key}' must be a non-negative whole number, got {s:?}"
            ))
        }),
        Some(v) => Err(ConfigError(format!(
            "option '{key}' must be a number, got {v}"
        ))),
    }
}

/// `vus` and `iterations` are int64 in k6: a negative value is a validation error of the
/// scenario it makes (`the number of VUs must be more than 0`), not a type error.
fn get_i64(raw: &Layer, key: &str) -> Result<Option<i64>, ConfigError> {
    match raw.get(key) {
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
            _ => Err(ConfigError(format!(
                "option '{key}' must be a whole number, got {n}"
            ))),
        },
        Some(Value::String(s)) if s.trim().starts_with('-') => {
            crate::go_strconv::parse_int(s.trim())
                .map(Some)
                .map_err(ConfigError)
        }
        _ => Ok(get_u64(raw, key)?.map(|v| v.min(i64::MAX as u64) as i64)),
    }
}

/// The `duration` shortcut. A negative one (`-d -1s`) is refused as k6 refuses it, with the
/// message of a zero duration.
fn shortcut_duration(raw: &Layer) -> Result<Option<Duration>, ConfigError> {
    if let Some(Value::String(s)) = raw.get("duration")
        && duration::parse_go_duration(s.trim()).is_ok_and(|ns| ns < 0)
    {
        return Ok(Some(Duration::ZERO));
    }
    get_duration(raw, "duration")
}

fn get_duration(raw: &Layer, key: &str) -> Result<Option<Duration>, ConfigError> {
    match raw.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => duration_from_json(v)
            .map(Some)
            .map_err(|e| ConfigError(format!("option '{key}': {e}"))),
    }
}

fn get_string_map(raw: &Layer, key: &str) -> Result<BTreeMap<String, String>, ConfigError> {
    match raw.get(key) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => Ok(m
            .iter()
            .map(|(k, v)| {
                let s = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), s)
            })
            .collect()),
        Some(v) => Err(ConfigError(format!(
            "option '{key}' must be an object, got {v}"
        ))),
    }
}

pub const DEFAULT_TREND_STATS: [&str; 6] = ["avg", "min", "med", "max", "p(90)", "p(95)"];

impl Options {
    /// Validates and types the merged raw options.
    pub fn from_raw(raw: Layer) -> Result<Options, ConfigError> {
        let vus = get_i64(&raw, "vus")?;
        let duration = shortcut_duration(&raw)?;
        let iterations = get_i64(&raw, "iterations")?;
        let stages = match raw.get("stages") {
            None | Some(Value::Null) => None,
            Some(v) => Some(scenarios::parse_stages(v).map_err(ConfigError)?),
        };
        let scenarios = match raw.get("scenarios") {
            Some(v @ Value::Object(m)) if !m.is_empty() => {
                if duration.is_some() || iterations.is_some() || stages.is_some() {
                    let which = if iterations.is_some() {
                        "iterations"
                    } else if duration.is_some() {
                        "duration"
                    } else {
                        "stages"
                    };
                    return Err(ConfigError(format!(
                        "using an execution configuration shortcut ({which}) and \"scenarios\" simultaneously makes little sense"
                    )));
                }
                scenarios::parse_scenarios(v).map_err(ConfigError)?
            }
            _ => vec![
                scenarios::scenario_from_shortcuts(vus, duration, iterations, stages)
                    .map_err(ConfigError)?,
            ],
        };
        let summary_trend_stats = match raw.get("summaryTrendStats") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(ConfigError(format!(
                        "summaryTrendStats entries must be strings, got {other}"
                    ))),
                })
                .collect::<Result<_, _>>()?,
            Some(Value::String(s)) => s.split(',').map(|s| s.trim().to_string()).collect(),
            _ => DEFAULT_TREND_STATS.iter().map(|s| s.to_string()).collect(),
        };
        let http_debug = match raw.get("httpDebug") {
            None | Some(Value::Null) | Some(Value::Bool(false)) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::Bool(true)) => Some("headers".to_string()),
            Some(Value::String(s)) => Some(s.clone()),
            Some(v) => Some(v.to_string()),
        };
        let system_tags = match raw.get("systemTags") {
            Some(Value::Array(a)) => Some(
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            ),
            Some(Value::String(s)) => Some(s.split(',').map(|s| s.trim().to_string()).collect()),
            _ => None,
        };
        let user_agent = match raw.get("userAgent") {
            Some(Value::String(s)) => s.clone(),
            _ => format!("rk6/{} (https://github.com/rk6)", env!("CARGO_PKG_VERSION")),
        };
        let thresholds = raw.get("thresholds").cloned().unwrap_or(json!({}));
        let execution_tuple = execution_tuple(&raw)?;
        let vu_ids = execution_tuple.stripe();
        Ok(Options {
            execution_tuple,
            vu_ids,
            scenarios,
            thresholds,
            tags: get_string_map(&raw, "tags")?,
            setup_timeout: get_duration(&raw, "setupTimeout")?.unwrap_or(Duration::from_secs(60)),
            teardown_timeout: get_duration(&raw, "teardownTimeout")?
                .unwrap_or(Duration::from_secs(60)),
            handle_summary_timeout: get_duration(&raw, "handleSummaryTimeout")?
                .unwrap_or(Duration::from_secs(120)),
            no_setup: get_bool(&raw, "noSetup")?,
            no_teardown: get_bool(&raw, "noTeardown")?,
            summary_trend_stats,
            summary_time_unit: raw
                .get("summaryTimeUnit")
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            user_agent,
            max_redirects: get_u64(&raw, "maxRedirects")?.unwrap_or(10) as u32,
            max_redirects_set: raw.get("maxRedirects").is_some_and(|v| !v.is_null()),
            batch: get_u64(&raw, "batch")?.unwrap_or(20).max(1) as usize,
            batch_per_host: get_u64(&raw, "batchPerHost")?.unwrap_or(6) as usize,
            insecure_skip_tls_verify: get_bool(&raw, "insecureSkipTLSVerify")?,
            no_connection_reuse: get_bool(&raw, "noConnectionReuse")?,
            no_vu_connection_reuse: get_bool(&raw, "noVUConnectionReuse")?,
            discard_response_bodies: get_bool(&raw, "discardResponseBodies")?,
            throw: get_bool(&raw, "throw")?,
            no_cookies_reset: get_bool(&raw, "noCookiesReset")?,
            min_iteration_duration: get_duration(&raw, "minIterationDuration")?
                .unwrap_or(Duration::ZERO),
            http_debug,
            hosts: get_string_map(&raw, "hosts")?,
            blocked_hostnames: crate::http::blocklist::BlockedHostnames::new(&get_string_list(
                &raw,
                "blockHostnames",
            )?)
            .map_err(ConfigError)?,
            blacklisted_ips: crate::http::blocklist::parse_blacklist(&get_string_list(
                &raw,
                "blacklistIPs",
            )?)
            .map_err(ConfigError)?,
            rps: get_u64(&raw, "rps")?.unwrap_or(0),
            local_ips: match raw.get("localIPs").and_then(Value::as_str) {
                Some(s) if !s.is_empty() => {
                    Some(crate::http::local_ips::LocalIpPool::parse(s).map_err(ConfigError)?)
                }
                _ => None,
            },
            tls: crate::tls::TlsOptions::from_options(
                raw.get("tlsVersion"),
                raw.get("tlsCipherSuites"),
            )
            .map_err(ConfigError)?,
            system_tags,
            paused: get_bool(&raw, "paused")?,
            raw,
        })
    }

    /// Total VUs to allocate: the sum over scenarios of their maximum (k6 reuses VUs across
    /// scenarios that do not overlap in time; a plain sum is an upper bound that is exact for
    /// concurrent scenarios).
    pub fn max_vus(&self) -> u64 {
        self.scenarios.iter().map(|s| s.max_vus()).sum()
    }

    /// The options as `rk6 inspect` prints them: every known key, unset ones as null.
    pub fn inspect_json(&self) -> Value {
        let mut out = Map::new();
        for key in INSPECT_KEYS {
            let value = match (*key, self.raw.get(*key)) {
                // `omitempty` in k6's options.
                ("cloud", None) => continue,
                // k6 always prints its DNS settings' fields, null where unset.
                ("dns", v) => dns_json(v),
                // A set in k6, printed sorted.
                ("systemTags", Some(Value::Array(tags))) => {
                    let mut tags = tags.clone();
                    tags.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                    tags.dedup();
                    Value::Array(tags)
                }
                (_, v) => v.cloned().unwrap_or(Value::Null),
            };
            out.insert(key.to_string(), value);
        }
        for (k, v) in &self.raw {
            out.entry(k.clone()).or_insert_with(|| v.clone());
        }
        Value::Object(out)
    }
}

/// k6 always shows its DNS settings' three fields, null where unset.
fn dns_json(v: Option<&Value>) -> Value {
    let field = |f: &str| v.and_then(|d| d.get(f)).cloned().unwrap_or(Value::Null);
    json!({"ttl": field("ttl"), "select": field("select"), "policy": field("policy")})
}

/// The execution shortcuts: `exec.test.options` does not show them (they became scenarios).
const EXECUTION_SHORTCUTS: &[&str] = &["vus", "duration", "iterations", "stages"];

/// k6's `lib.Options` fields in the order `exec.test.options` shows them: the script option
/// keys without the execution shortcuts, then the CLI-only `consoleOutput` and `localIPs`.
fn test_option_keys() -> impl Iterator<Item = &'static str> {
    INSPECT_KEYS
        .iter()
        .copied()
        .filter(|k| !EXECUTION_SHORTCUTS.contains(k))
        .chain(["consoleOutput", "localIPs"])
}

/// The system tags k6 enables by default, as `exec.test.options.systemTags` lists them (and
/// the CSV output's tag columns).
pub const DEFAULT_SYSTEM_TAGS: &[&str] = &[
    "check",
    "error",
    "error_code",
    "expected_response",
    "group",
    "method",
    "name",
    "proto",
    "scenario",
    "service",
    "status",
    "subproto",
    "tls_version",
    "url",
];

impl Options {
    /// The consolidated options as k6's `exec.test.options` shows them: every field of k6's
    /// `lib.Options` (unset ones null), durations in Go's format, the scenarios k6 derived,
    /// and the defaults k6 fills in (`summaryTrendStats`, `systemTags`).
    pub fn test_options_json(&self) -> Value {
        let mut out = Map::new();
        for key in test_option_keys() {
            let key = &key;
            let raw = self.raw.get(*key).filter(|v| !v.is_null());
            if *key == "cloud" && raw.is_none() {
                continue; // `omitempty` in k6's options
            }
            let v = match *key {
                "scenarios" => scenarios::options_json(&self.scenarios, self.raw.get("scenarios")),
                "setupTimeout" | "teardownTimeout" | "minIterationDuration" => raw
                    .map(|v| {
                        duration::duration_from_json(v)
                            .map(|d| Value::from(duration::format_go(d)))
                            .unwrap_or_else(|_| v.clone())
                    })
                    .unwrap_or(Value::Null),
                "dns" => dns_json(raw),
                // k6 reads a single version as both bounds.
                "tlsVersion" => match raw {
                    Some(Value::String(v)) => json!({"min": v, "max": v}),
                    other => other.cloned().unwrap_or(Value::Null),
                },
                "thresholds" => raw.map(thresholds_json).unwrap_or(Value::Null),
                "summaryTrendStats" => json!(self.summary_trend_stats),
                "systemTags" => {
                    let mut tags: Vec<String> = match &self.system_tags {
                        Some(t) => t.clone(),
                        None => DEFAULT_SYSTEM_TAGS.iter().map(|s| s.to_string()).collect(),
                    };
                    tags.sort();
                    tags.dedup();
                    json!(tags)
                }
                _ => raw.cloned().unwrap_or(Value::Null),
            };
            out.insert(key.to_string(), v);
        }
        Value::Object(out)
    }
}

impl Options {
    /// `k6 inspect --execution-requirements`: the consolidated options (as k6 marshals its
    /// `lib.Options`: derived scenarios, defaults filled in) with `totalDuration` and
    /// `maxVUs` of the execution plan for this instance's execution segment. k6-operator
    /// reads this JSON from the initializer pod's log to check `parallelism <= maxVUs`.
    pub fn execution_requirements_json(&self) -> Value {
        let consolidated = self.test_options_json();
        let mut out = Map::new();
        if let Value::Object(inspect) = self.inspect_json() {
            for (key, value) in inspect {
                let value = match consolidated.get(&key) {
                    Some(v) if !EXECUTION_SHORTCUTS.contains(&key.as_str()) => v.clone(),
                    _ => value,
                };
                out.insert(key, value);
            }
        }
        let local: Vec<ScenarioConfig> = self
            .scenarios
            .iter()
            .map(|s| s.for_segment(&self.execution_tuple).0)
            .collect();
        let plan = scenarios::execution_plan(&local);
        let total = plan.last().map(|s| s.offset).unwrap_or_default();
        out.insert("totalDuration".into(), json!(duration::format_go(total)));
        out.insert("maxVUs".into(), json!(scenarios::max_possible(&plan)));
        Value::Object(out)
    }
}

/// Thresholds as k6 serialises them: strings stay strings, objects get every field.
fn thresholds_json(v: &Value) -> Value {
    let Value::Object(m) = v else {
        return v.clone();
    };
    let mut out = Map::new();
    for (metric, list) in m {
        let list = match list {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|t| match t {
                        Value::Object(o) => json!({
                            "threshold": o.get("threshold").cloned().unwrap_or(Value::Null),
                            "abortOnFail": o.get("abortOnFail").cloned().unwrap_or(Value::Null),
                            "delayAbortEval": o.get("delayAbortEval").cloned().unwrap_or(Value::Null),
                        }),
                        other => other.clone(),
                    })
                    .collect(),
            ),
            other => other.clone(),
        };
        out.insert(metric.clone(), list);
    }
    Value::Object(out)
}

/// The keys `k6 inspect` prints, in its order (unset ones as null): k6's script options.
const INSPECT_KEYS: &[&str] = &[
    "paused",
    "vus",
    "duration",
    "iterations",
    "stages",
    "scenarios",
    "executionSegment",
    "executionSegmentSequence",
    "noSetup",
    "setupTimeout",
    "noTeardown",
    "teardownTimeout",
    "rps",
    "dns",
    "maxRedirects",
    "userAgent",
    "batch",
    "batchPerHost",
    "httpDebug",
    "insecureSkipTLSVerify",
    "tlsCipherSuites",
    "tlsVersion",
    "tlsAuth",
    "throw",
    "thresholds",
    "blacklistIPs",
    "blockHostnames",
    "hosts",
    "noConnectionReuse",
    "noVUConnectionReuse",
    "minIterationDuration",
    "cloud",
    "ext",
    "summaryTrendStats",
    "summaryTimeUnit",
    "systemTags",
    "tags",
    "metricSamplesBufferSize",
    "noCookiesReset",
    "discardResponseBodies",
];

/// `executionSegment` and `executionSegmentSequence` (strings, as k6's text unmarshalling).
fn execution_tuple(raw: &Layer) -> Result<execution_segment::ExecutionTuple, ConfigError> {
    use execution_segment::{ExecutionSegment, ExecutionSegmentSequence, ExecutionTuple};
    let text = |key: &str| -> Result<Option<String>, ConfigError> {
        match raw.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(ConfigError(format!(
                "json: cannot unmarshal {} into Go struct field Options.{key} of type string",
                match other {
                    Value::Bool(_) => "bool",
                    Value::Array(_) => "array",
                    _ => "object",
                }
            ))),
        }
    };
    let segment = text("executionSegment")?
        .map(|s| ExecutionSegment::parse(&s))
        .transpose()
        .map_err(ConfigError)?;
    let sequence = text("executionSegmentSequence")?
        .map(|s| ExecutionSegmentSequence::parse(&s))
        .transpose()
        .map_err(ConfigError)?
        .unwrap_or_default();
    ExecutionTuple::new(segment.as_ref(), &sequence).map_err(ConfigError)
}

/// The `K6_*` environment variables that map to options, with how to read each.
pub fn layer_from_env(
    env: &std::collections::HashMap<String, String>,
) -> Result<Layer, ConfigError> {
    let mut l = Layer::new();
    let num = |k: &str, v: &str| -> Result<Value, ConfigError> {
        v.trim()
            .parse::<u64>()
            .map(|n| json!(n))
            .map_err(|_| ConfigError(format!("environment variable {k}={v:?} is not a number")))
    };
    let boolean = |k: &str, v: &str| -> Result<Value, ConfigError> {
        parse_bool_str(v)
            .map(Value::Bool)
            .ok_or_else(|| ConfigError(format!("environment variable {k}={v:?} is not a boolean")))
    };
    for (k, v) in env {
        let (key, val) = match k.as_str() {
            "K6_VUS" => ("vus", num(k, v)?),
            "K6_ITERATIONS" => ("iterations", num(k, v)?),
            "K6_DURATION" => ("duration", json!(v)),
            "K6_EXECUTION_SEGMENT" => ("executionSegment", json!(v)),
            "K6_EXECUTION_SEGMENT_SEQUENCE" => ("executionSegmentSequence", json!(v)),
            "K6_STAGES" => ("stages", stages_from_cli(std::slice::from_ref(v))?),
            "K6_NO_SETUP" => ("noSetup", boolean(k, v)?),
            "K6_NO_TEARDOWN" => ("noTeardown", boolean(k, v)?),
            "K6_SETUP_TIMEOUT" => ("setupTimeout", json!(v)),
            "K6_TEARDOWN_TIMEOUT" => ("teardownTimeout", json!(v)),
            "K6_USER_AGENT" => ("userAgent", json!(v)),
            "K6_MAX_REDIRECTS" => ("maxRedirects", num(k, v)?),
            "K6_BATCH" => ("batch", num(k, v)?),
            "K6_BATCH_PER_HOST" => ("batchPerHost", num(k, v)?),
            "K6_INSECURE_SKIP_TLS_VERIFY" => ("insecureSkipTLSVerify", boolean(k, v)?),
            "K6_NO_CONNECTION_REUSE" => ("noConnectionReuse", boolean(k, v)?),
            "K6_NO_VU_CONNECTION_REUSE" => ("noVUConnectionReuse", boolean(k, v)?),
            "K6_THROW" => ("throw", boolean(k, v)?),
            "K6_DISCARD_RESPONSE_BODIES" => ("discardResponseBodies", boolean(k, v)?),
            "K6_NO_COOKIES_RESET" => ("noCookiesReset", boolean(k, v)?),
            "K6_MIN_ITERATION_DURATION" => ("minIterationDuration", json!(v)),
            "K6_SUMMARY_TREND_STATS" => (
                "summaryTrendStats",
                json!(v.split(',').map(str::trim).collect::<Vec<_>>()),
            ),
            "K6_SUMMARY_TIME_UNIT" => ("summaryTimeUnit", json!(v)),
            "K6_HTTP_DEBUG" => ("httpDebug", json!(v)),
            "K6_SYSTEM_TAGS" => (
                "systemTags",
                json!(v.split(',').map(str::trim).collect::<Vec<_>>()),
            ),
            "K6_PAUSED" => ("paused", boolean(k, v)?),
            "K6_RPS" => ("rps", num(k, v)?),
            "K6_LOCAL_IPS" => ("localIPs", json!(v)),
            "K6_BLOCK_HOSTNAMES" => ("blockHostnames", comma_list(v)),
            "K6_BLACKLIST_IPS" => ("blacklistIPs", comma_list(v)),
            _ => continue,
        };
        l.insert(key.to_string(), val);
    }
    Ok(l)
}

/// Go's `encoding/json` matches k6's option keys case-insensitively (`VUs` is `vus`): the
/// script's keys spelled differently get k6's spelling.
pub fn canonical_option_keys(script: Map<String, Value>) -> Map<String, Value> {
    script
        .into_iter()
        .map(|(k, v)| {
            let canonical = INSPECT_KEYS
                .iter()
                .find(|known| **known != k && known.eq_ignore_ascii_case(&k));
            (canonical.map_or(k, |c| c.to_string()), v)
        })
        .collect()
}

/// The first key of the script's options that k6 does not know, in the sorted order k6's
/// JSON decoder meets them (k6 matches keys case-insensitively, as Go's `encoding/json`).
/// rk6's own `handleSummaryTimeout` counts as known.
pub fn first_unknown_script_option<'a>(keys: impl Iterator<Item = &'a String>) -> Option<String> {
    let mut unknown: Vec<&String> = keys
        .filter(|k| {
            k.as_str() != "handleSummaryTimeout"
                && !INSPECT_KEYS
                    .iter()
                    .any(|known| known.eq_ignore_ascii_case(k))
        })
        .collect();
    unknown.sort();
    unknown.first().map(|k| k.to_string())
}

/// `a,b, c` as the JSON array `["a","b","c"]` (k6's string-slice flags and variables).
pub fn comma_list(v: &str) -> Value {
    json!(
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    )
}

/// `--stage 10s:5 --stage 20s:0` (or `K6_STAGES=10s:5,20s:0`) to the JSON stages array.
/// k6's warning for `vus` without `duration`, `iterations`, `stages` or `scenarios`: one VU
/// runs one iteration.
pub fn ignored_vus_warning(raw: &Layer) -> Option<String> {
    let set = |k: &str| match raw.get(k) {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(_) => true,
    };
    if ["duration", "iterations", "stages", "scenarios"]
        .iter()
        .any(|k| set(k))
    {
        return None;
    }
    let vus = get_i64(raw, "vus").ok().flatten()?;
    (vus != 1).then(|| {
        format!(
            "`vus={vus}` option will be ignored, it only works in conjunction with `iterations`, `duration`, or `stages`"
        )
    })
}

/// `-s DURATION:TARGET` (repeatable, comma-separated) as k6 reads it: a stage needs a
/// duration (Go syntax) and may leave the target out (the scenario's validation then says so,
/// as in k6); syntax errors are flag errors, with k6's messages.
pub fn stages_from_cli(items: &[String]) -> Result<Value, ConfigError> {
    let mut out = Vec::new();
    for (i, item) in items
        .iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        let (d, t) = item.split_once(':').unwrap_or((item, ""));
        let mut stage = serde_json::Map::new();
        if !d.is_empty() {
            duration::parse_go_duration(d)
                .map_err(|e| ConfigError(format!("error for stage {i}: {e}")))?;
            stage.insert("duration".into(), json!(d));
        }
        if !t.is_empty() {
            let target = crate::go_strconv::parse_int(t)
                .map_err(|e| ConfigError(format!("error for stage {i}: {e}")))?;
            stage.insert("target".into(), json!(target));
        }
        if d.is_empty() {
            return Err(ConfigError(format!(
                "stage {i} doesn't have a specified duration"
            )));
        }
        out.push(Value::Object(stage));
    }
    Ok(Value::Array(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(v: Value) -> Layer {
        match v {
            Value::Object(m) => m,
            _ => Layer::new(),
        }
    }

    #[test]
    fn higher_layer_execution_keys_reset_lower_ones() {
        let mut base =
            layer(json!({"scenarios": {"a": {"executor": "shared-iterations"}}, "vus": 3}));
        apply_layer(&mut base, &layer(json!({"duration": "5s"})));
        assert!(base.get("scenarios").is_none());
        assert_eq!(base["vus"], json!(3));
        let o = Options::from_raw(base).unwrap();
        assert_eq!(o.scenarios[0].executor.name(), "constant-vus");
    }

    #[test]
    fn lower_scenarios_overridden_by_a_shortcut_are_warned_about() {
        let lower = layer(json!({"scenarios": {"a": {"executor": "shared-iterations"}}}));
        let warning = scenarios_override_warning(&lower, &layer(json!({"iterations": 2})), "cli");
        assert_eq!(
            warning.as_deref(),
            Some("\"cli\" level configuration overrode scenarios configuration entirely")
        );
        assert!(scenarios_override_warning(&lower, &layer(json!({"vus": 2})), "cli").is_none());
        let stages = layer(json!({"stages": [{"duration": "1s", "target": 1}]}));
        assert!(
            scenarios_override_warning(&stages, &layer(json!({"iterations": 2})), "env").is_none()
        );
    }

    #[test]
    fn shortcut_and_scenarios_in_same_layer_is_an_error() {
        let raw =
            layer(json!({"iterations": 2, "scenarios": {"a": {"executor": "shared-iterations"}}}));
        assert!(Options::from_raw(raw).is_err());
    }

    #[test]
    fn option_keys_match_case_insensitively_like_k6() {
        let m = layer(json!({"VUs": 3, "Iterations": 6, "foo": 1}));
        let m = canonical_option_keys(m);
        assert_eq!(m["vus"], json!(3));
        assert_eq!(m["iterations"], json!(6));
        assert_eq!(m["foo"], json!(1));
    }

    #[test]
    fn unknown_script_options_are_found_like_k6() {
        // k6 v1.1.0 warns `json: unknown field "consoleOutput"` for these options.
        let keys: Vec<String> = ["iterations", "foo", "consoleOutput", "VUs", "dns"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            first_unknown_script_option(keys.iter()),
            Some("consoleOutput".to_string())
        );
        let known: Vec<String> = ["vus", "tlsAuth", "cloud", "handleSummaryTimeout"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(first_unknown_script_option(known.iter()), None);
    }

    #[test]
    fn env_layer_and_stages() {
        let env = [("K6_VUS", "4"), ("K6_STAGES", "1s:2,2s:0"), ("HOME", "/x")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let l = layer_from_env(&env).unwrap();
        assert_eq!(l["vus"], json!(4));
        assert_eq!(l["stages"][1]["duration"], json!("2s"));
        let bad = [("K6_VUS", "x")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert!(layer_from_env(&bad).is_err());
    }
}
