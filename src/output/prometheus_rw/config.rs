//! Settings of `--out experimental-prometheus-rw`: k6 v1.1.0's names and defaults
//! (`internal/output/prometheusrw/remotewrite/config.go`) plus rk6's pool settings.
//!
//! Precedence: defaults < `-c` JSON config (`{"collectors": {"experimental-prometheus-rw":
//! {...}}}`) < environment < the `--out experimental-prometheus-rw=key=value,...` argument
//! (k6 ignores the argument; rk6 reads it in the form k6's unused `parseArg` defines).
//!
//! | JSON key | environment | argument | default |
//! |---|---|---|---|
//! | `url` | `K6_PROMETHEUS_RW_SERVER_URL` | `url` | `http://localhost:9090/api/v1/write` |
//! | `headers` | `K6_PROMETHEUS_RW_HEADERS_<NAME>`, `K6_PROMETHEUS_RW_HTTP_HEADERS` (`k:v,k:v`) | `headers.<name>` | none |
//! | `insecureSkipTLSVerify` | `K6_PROMETHEUS_RW_INSECURE_SKIP_TLS_VERIFY` | same | false |
//! | `username`, `password` | `K6_PROMETHEUS_RW_USERNAME`, `_PASSWORD` | same | none (basic auth when a username is set) |
//! | `bearerToken` | `K6_PROMETHEUS_RW_BEARER_TOKEN` | | none |
//! | `clientCertificate`, `clientCertificateKey` | `K6_PROMETHEUS_RW_CLIENT_CERTIFICATE`, `_KEY` | same | none |
//! | `pushInterval` | `K6_PROMETHEUS_RW_PUSH_INTERVAL` | same | 5s |
//! | `trendAsNativeHistogram` | `K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM` | same | false |
//! | `trendStats` | `K6_PROMETHEUS_RW_TREND_STATS` | | `p(99)` |
//! | `staleMarkers` | `K6_PROMETHEUS_RW_STALE_MARKERS` | | false |
//! | `sigV4Region`, ... | `K6_PROMETHEUS_RW_SIGV4_*` | | not supported by rk6: an error |
//! | `maxBatch` | `K6_PROMETHEUS_RW_MAX_BATCH` | | 10000 series per request |
//! | `maxAttempts` | `K6_PROMETHEUS_RW_MAX_ATTEMPTS` | | 5 (k6: 1) |
//! | `writeTimeout` | `K6_PROMETHEUS_RW_WRITE_TIMEOUT` | | 5s (k6's client timeout) |
//! | `queueCapacity`, `queueFullPolicy` | `K6_PROMETHEUS_RW_QUEUE_CAPACITY`, `_QUEUE_FULL_POLICY` | | 100000 series, `block:5s` |
//! | `stopTimeout` | `K6_PROMETHEUS_RW_STOP_TIMEOUT` | | 30s |

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::metrics::sink::TrendStat;
use crate::output::OutputContext;
use crate::output::writer_pool::{
    OverflowPolicy, PoolConfig, RetryPolicy, Settings, parse_bool, parse_duration,
};

pub const DEFAULT_URL: &str = "http://localhost:9090/api/v1/write";

/// One trend statistic written as its own gauge series `k6_<metric>_<suffix>`.
#[derive(Clone, Debug, PartialEq)]
pub struct TrendColumn {
    /// `p99` for `p(99)`, `p999` for `p(99.9)`, else the stat's name (`avg`, `count`, ...).
    pub suffix: String,
    pub stat: TrendColumnStat,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TrendColumnStat {
    Stat(TrendStat),
    /// `sum`, which k6 accepts here though not in the summary.
    Sum,
}

impl TrendColumn {
    /// k6's `setTrendStatsResolver`: summary trend stats plus `sum`; percentiles are named
    /// by their digits (`p(0.95)` becomes `p095`).
    pub fn parse(stat: &str) -> anyhow::Result<Self> {
        if stat == "sum" {
            return Ok(TrendColumn {
                suffix: "sum".into(),
                stat: TrendColumnStat::Sum,
            });
        }
        let parsed = TrendStat::parse(stat).map_err(|e| anyhow::anyhow!("{e}"))?;
        let suffix = match stat.strip_prefix("p(").and_then(|s| s.strip_suffix(')')) {
            Some(p) => format!("p{}", p.replace('.', "")),
            None => stat.to_string(),
        };
        Ok(TrendColumn {
            suffix,
            stat: TrendColumnStat::Stat(parsed),
        })
    }
}

#[derive(Clone, PartialEq)]
pub struct PromRwConfig {
    pub url: String,
    /// Extra request headers, sorted by name.
    pub headers: Vec<(String, String)>,
    pub insecure_skip_tls_verify: bool,
    pub username: Option<String>,
    pub password: Option<String>,
    pub bearer_token: Option<String>,
    pub client_certificate: Option<PathBuf>,
    pub client_certificate_key: Option<PathBuf>,
    pub push_interval: Duration,
    pub trend_as_native_histogram: bool,
    pub trend_stats: Vec<TrendColumn>,
    pub stale_markers: bool,
    pub pool: PoolConfig,
    pub stop_timeout: Duration,
}

/// Secrets stay out of logs.
impl fmt::Debug for PromRwConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromRwConfig")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("push_interval", &self.push_interval)
            .field("trend_as_native_histogram", &self.trend_as_native_histogram)
            .field("trend_stats", &self.trend_stats)
            .field("stale_markers", &self.stale_markers)
            .finish_non_exhaustive()
    }
}

const ENV: &str = "K6_PROMETHEUS_RW_";

fn bool_of(what: &str, v: &str) -> anyhow::Result<bool> {
    parse_bool(v).ok_or_else(|| anyhow::anyhow!("{what} value must be true or false, not {v:?}"))
}

impl PromRwConfig {
    pub fn load(arg: Option<&str>, ctx: &OutputContext) -> anyhow::Result<Self> {
        let s = Settings::new(ctx, "experimental-prometheus-rw");
        let env = |k: &str| format!("{ENV}{k}");
        let mut pool = PoolConfig {
            // One writer keeps each series' points in time order (the receiver refuses
            // out-of-order samples); a push holds every series that changed.
            writers: 1,
            max_batch: 10_000,
            flush_interval: Duration::ZERO,
            queue_capacity: 100_000,
            overflow: OverflowPolicy::default_block(),
            write_timeout: Duration::from_secs(5),
            retry: RetryPolicy {
                max_attempts: 5,
                ..RetryPolicy::default()
            },
        };
        pool.apply_settings(&s, ENV)?;
        let mut headers: Vec<(String, String)> = Vec::new();
        let set_header = |headers: &mut Vec<(String, String)>, k: &str, v: &str| {
            headers.retain(|(n, _)| n != k);
            headers.push((k.to_string(), v.to_string()));
        };
        if let Some(obj) = s.json_value("headers").and_then(|h| h.as_object()) {
            for (k, v) in obj {
                let v = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                set_header(&mut headers, k, &v);
            }
        }
        for (k, v) in s.env_with_prefix(&env("HEADERS_")) {
            set_header(&mut headers, &k, &v);
        }
        if let Some(list) = ctx.env.get(&env("HTTP_HEADERS")) {
            for pair in list.split(',') {
                let parts: Vec<&str> = pair.split(':').collect();
                anyhow::ensure!(
                    parts.len() == 2,
                    "the provided header ({pair}) does not respect the expected format <header key>:<value>"
                );
                set_header(&mut headers, parts[0], parts[1]);
            }
        }
        let trend_stats = match s.get("trendStats", &env("TREND_STATS")) {
            Some(list) => list
                .split(',')
                .map(TrendColumn::parse)
                .collect::<anyhow::Result<Vec<_>>>()?,
            None => vec![TrendColumn::parse("p(99)")?],
        };
        let mut cfg = PromRwConfig {
            url: s
                .get("url", &env("SERVER_URL"))
                .unwrap_or_else(|| DEFAULT_URL.into()),
            headers,
            insecure_skip_tls_verify: s
                .bool("insecureSkipTLSVerify", &env("INSECURE_SKIP_TLS_VERIFY"))?
                .unwrap_or(false),
            username: s.get("username", &env("USERNAME")),
            password: s.get("password", &env("PASSWORD")),
            bearer_token: s
                .get("bearerToken", &env("BEARER_TOKEN"))
                .filter(|t| !t.is_empty()),
            client_certificate: s
                .get("clientCertificate", &env("CLIENT_CERTIFICATE"))
                .map(PathBuf::from),
            client_certificate_key: s
                .get("clientCertificateKey", &env("CLIENT_CERTIFICATE_KEY"))
                .map(PathBuf::from),
            push_interval: s
                .duration("pushInterval", &env("PUSH_INTERVAL"))?
                .unwrap_or(Duration::from_secs(5)),
            trend_as_native_histogram: s
                .bool("trendAsNativeHistogram", &env("TREND_AS_NATIVE_HISTOGRAM"))?
                .unwrap_or(false),
            trend_stats,
            stale_markers: s
                .bool("staleMarkers", &env("STALE_MARKERS"))?
                .unwrap_or(false),
            pool,
            stop_timeout: s
                .duration("stopTimeout", &env("STOP_TIMEOUT"))?
                .unwrap_or(Duration::from_secs(30)),
        };
        if let Some(arg) = arg.map(str::trim).filter(|a| !a.is_empty()) {
            cfg.apply_arg(arg)?;
        }
        let sigv4 = ["REGION", "ACCESS_KEY", "SECRET_KEY"]
            .iter()
            .any(|k| ctx.env.contains_key(&env(&format!("SIGV4_{k}"))))
            || ["sigV4Region", "sigV4AccessKey", "sigV4SecretKey"]
                .iter()
                .any(|k| s.json_value(k).is_some_and(|v| !v.is_null()));
        anyhow::ensure!(
            !sigv4,
            "the experimental-prometheus-rw output of rk6 does not sign requests with AWS SigV4 \
             (K6_PROMETHEUS_RW_SIGV4_*); unset those settings, or write through a SigV4 proxy"
        );
        anyhow::ensure!(
            !cfg.push_interval.is_zero(),
            "K6_PROMETHEUS_RW_PUSH_INTERVAL must be greater than zero"
        );
        anyhow::ensure!(
            cfg.client_certificate.is_some() == cfg.client_certificate_key.is_some(),
            "K6_PROMETHEUS_RW_CLIENT_CERTIFICATE and K6_PROMETHEUS_RW_CLIENT_CERTIFICATE_KEY go together"
        );
        let parsed = url::Url::parse(&cfg.url).map_err(|e| {
            anyhow::anyhow!("invalid Prometheus remote write URL {:?}: {e}", cfg.url)
        })?;
        anyhow::ensure!(
            matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some(),
            "invalid Prometheus remote write URL {:?}: expected http(s)://host:port/path",
            cfg.url
        );
        cfg.headers.sort();
        Ok(cfg)
    }

    /// k6's `parseArg`: `key=value` pairs separated by commas.
    fn apply_arg(&mut self, arg: &str) -> anyhow::Result<()> {
        for opt in arg.split(',') {
            let (key, v) = opt
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("couldn't parse argument {opt:?} as option"))?;
            match key {
                "url" => self.url = v.to_string(),
                "insecureSkipTLSVerify" => {
                    self.insecure_skip_tls_verify = bool_of("insecureSkipTLSVerify", v)?
                }
                "username" => self.username = Some(v.to_string()),
                "password" => self.password = Some(v.to_string()),
                "pushInterval" => self.push_interval = parse_duration(v)?,
                "trendAsNativeHistogram" => {
                    self.trend_as_native_histogram = bool_of("trendAsNativeHistogram", v)?
                }
                "clientCertificate" => self.client_certificate = Some(v.into()),
                "clientCertificateKey" => self.client_certificate_key = Some(v.into()),
                other => {
                    let name = other
                        .strip_prefix("headers.")
                        .ok_or_else(|| anyhow::anyhow!("{other:?} is an unknown option's key"))?;
                    self.headers.retain(|(n, _)| n != name);
                    self.headers.push((name.to_string(), v.to_string()));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::writer_pool::test_context as ctx;

    #[test]
    fn k6_defaults() {
        let c = PromRwConfig::load(None, &ctx(&[], None)).unwrap();
        assert_eq!(c.url, DEFAULT_URL);
        assert_eq!(c.push_interval, Duration::from_secs(5));
        assert_eq!(c.trend_stats.len(), 1);
        assert_eq!(c.trend_stats[0].suffix, "p99");
        assert!(!c.trend_as_native_histogram && !c.stale_markers);
        assert_eq!(c.pool.writers, 1);
        assert_eq!(c.pool.write_timeout, Duration::from_secs(5));
    }

    #[test]
    fn trend_stat_suffixes_are_k6s() {
        let names: Vec<String> = ["p(99)", "p(99.9)", "p(0.95)", "avg", "med", "count", "sum"]
            .iter()
            .map(|s| TrendColumn::parse(s).unwrap().suffix)
            .collect();
        assert_eq!(names, ["p99", "p999", "p095", "avg", "med", "count", "sum"]);
        assert_eq!(
            TrendColumn::parse("p(101)").unwrap_err().to_string(),
            "invalid percentile trend stat value 'p(101)', provide a number between 0 and 100"
        );
        assert!(TrendColumn::parse("mean").is_err());
    }

    #[test]
    fn json_env_arg_precedence_and_headers() {
        let json = serde_json::json!({"collectors": {"experimental-prometheus-rw": {
            "url": "http://json:9090/api/v1/write", "pushInterval": "2s",
            "headers": {"X-Json": "j", "X-Both": "json"}, "trendStats": ["p(95)", "max"]}}});
        let env = [
            ("K6_PROMETHEUS_RW_SERVER_URL", "https://env:9090/push"),
            ("K6_PROMETHEUS_RW_HEADERS_X-Both", "env"),
            ("K6_PROMETHEUS_RW_HTTP_HEADERS", "X-List:l1,X-Other:o"),
            ("K6_PROMETHEUS_RW_USERNAME", "u"),
            ("K6_PROMETHEUS_RW_PASSWORD", "secret-pw"),
            ("K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM", "true"),
            ("K6_PROMETHEUS_RW_STALE_MARKERS", "true"),
        ];
        let c = PromRwConfig::load(None, &ctx(&env, Some(json.clone()))).unwrap();
        assert_eq!(c.url, "https://env:9090/push");
        assert_eq!(c.push_interval, Duration::from_secs(2));
        assert_eq!(
            c.headers,
            vec![
                ("X-Both".to_string(), "env".to_string()),
                ("X-Json".to_string(), "j".to_string()),
                ("X-List".to_string(), "l1".to_string()),
                ("X-Other".to_string(), "o".to_string()),
            ]
        );
        assert_eq!(
            c.trend_stats.iter().map(|t| &*t.suffix).collect::<Vec<_>>(),
            ["p95", "max"]
        );
        assert!(c.trend_as_native_histogram && c.stale_markers);
        assert!(!format!("{c:?}").contains("secret-pw"));
        let c = PromRwConfig::load(
            Some("url=http://arg:1/w,pushInterval=100ms,headers.X-Arg=a"),
            &ctx(&env, Some(json)),
        )
        .unwrap();
        assert_eq!(c.url, "http://arg:1/w");
        assert_eq!(c.push_interval, Duration::from_millis(100));
        assert!(c.headers.contains(&("X-Arg".to_string(), "a".to_string())));
    }

    #[test]
    fn invalid_settings_are_errors() {
        let bad = |env: &[(&str, &str)]| PromRwConfig::load(None, &ctx(env, None)).is_err();
        assert!(bad(&[("K6_PROMETHEUS_RW_HTTP_HEADERS", "no-colon")]));
        assert!(bad(&[("K6_PROMETHEUS_RW_TREND_STATS", "p(99),bogus")]));
        assert!(bad(&[("K6_PROMETHEUS_RW_STALE_MARKERS", "maybe")]));
        assert!(bad(&[("K6_PROMETHEUS_RW_SERVER_URL", "localhost:9090")]));
        assert!(bad(&[("K6_PROMETHEUS_RW_SIGV4_REGION", "eu-west-1")]));
        assert!(bad(&[("K6_PROMETHEUS_RW_CLIENT_CERTIFICATE", "/c.pem")]));
        assert!(PromRwConfig::load(Some("bogus=1"), &ctx(&[], None)).is_err());
    }
}
