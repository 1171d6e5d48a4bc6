//! Settings of the InfluxDB output, k6's names and defaults plus rk6's pool settings.
//!
//! Precedence: defaults < `-c` JSON config (`{"collectors": {"influxdb": {...}}}`) <
//! environment < the `--out influxdb=URL` argument (`http://user:pass@host:8086/db?k=v`).
//!
//! | JSON key | environment | URL query | default |
//! |---|---|---|---|
//! | `addr` | `K6_INFLUXDB_ADDR` | scheme://host:port | `http://localhost:8086` |
//! | `db` | `K6_INFLUXDB_DB` | path | `k6` |
//! | `username` | `K6_INFLUXDB_USERNAME` | userinfo | none |
//! | `password` | `K6_INFLUXDB_PASSWORD` | userinfo | none |
//! | `insecure` | `K6_INFLUXDB_INSECURE` | `insecure` | false |
//! | `pushInterval` | `K6_INFLUXDB_PUSH_INTERVAL` | `pushInterval` | 1s |
//! | `concurrentWrites` | `K6_INFLUXDB_CONCURRENT_WRITES` | `concurrentWrites` | 4 |
//! | `tagsAsFields` | `K6_INFLUXDB_TAGS_AS_FIELDS` | `tagsAsFields` | `vu:int,iter:int,url` |
//! | `precision` | `K6_INFLUXDB_PRECISION` | `precision` | ns |
//! | `retention` | `K6_INFLUXDB_RETENTION` | `retention` | none (v1 `rp`) |
//! | `consistency` | `K6_INFLUXDB_CONSISTENCY` | `consistency` | none (v1) |
//! | `organization` | `K6_INFLUXDB_ORGANIZATION` | `org` | none (v2) |
//! | `bucket` | `K6_INFLUXDB_BUCKET` | `bucket` | the database (v2) |
//! | `token` | `K6_INFLUXDB_TOKEN` | `token` | none (v2) |
//! | `maxBatch` | `K6_INFLUXDB_MAX_BATCH` | | 5000 lines per request |
//! | `queueCapacity` | `K6_INFLUXDB_QUEUE_CAPACITY` | | 200000 lines |
//! | `queueFullPolicy` | `K6_INFLUXDB_QUEUE_FULL_POLICY` | | `block:5s` |
//! | `writeTimeout` | `K6_INFLUXDB_WRITE_TIMEOUT` | | 10s |
//! | `maxAttempts` | `K6_INFLUXDB_MAX_ATTEMPTS` | | 5 |
//! | `stopTimeout` | `K6_INFLUXDB_STOP_TIMEOUT` | | 30s |
//!
//! Setting an organization, a bucket or a token selects the InfluxDB 2.x API
//! (`/api/v2/write`, `Authorization: Token ...`), which Timestream for InfluxDB also speaks;
//! otherwise the 1.x API (`/write?db=`) is used with basic auth when a username is set.

use std::fmt;
use std::time::Duration;

use crate::output::OutputContext;
use crate::output::writer_pool::{OverflowPolicy, PoolConfig, RetryPolicy, Settings, parse_bool};

use super::line_protocol::{FieldKind, Precision, parse_tags_as_fields};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiVersion {
    V1,
    V2,
}

#[derive(Clone, PartialEq)]
pub struct InfluxConfig {
    /// `scheme://host:port`, no trailing slash.
    pub addr: String,
    pub db: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub insecure: bool,
    pub tags_as_fields: Vec<(String, FieldKind)>,
    pub precision: Precision,
    pub retention: Option<String>,
    pub consistency: Option<String>,
    pub organization: Option<String>,
    pub bucket: Option<String>,
    pub token: Option<String>,
    pub pool: PoolConfig,
    pub stop_timeout: Duration,
}

/// Secrets stay out of logs and panics.
impl fmt::Debug for InfluxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InfluxConfig")
            .field("addr", &self.addr)
            .field("db", &self.db)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("organization", &self.organization)
            .field("bucket", &self.bucket)
            .field("api", &self.api())
            .finish_non_exhaustive()
    }
}

impl InfluxConfig {
    pub fn api(&self) -> ApiVersion {
        if self.organization.is_some() || self.bucket.is_some() || self.token.is_some() {
            ApiVersion::V2
        } else {
            ApiVersion::V1
        }
    }

    pub fn load(arg: Option<&str>, ctx: &OutputContext) -> anyhow::Result<Self> {
        let s = Settings::new(ctx, "influxdb");
        let mut pool = PoolConfig {
            writers: 4,
            max_batch: 5000,
            flush_interval: Duration::from_secs(1),
            queue_capacity: 200_000,
            overflow: OverflowPolicy::default_block(),
            write_timeout: Duration::from_secs(10),
            retry: RetryPolicy {
                max_attempts: 5,
                ..RetryPolicy::default()
            },
        };
        let nonempty = |v: Option<String>| v.filter(|v| !v.is_empty());
        let mut tags_as_fields = s
            .get("tagsAsFields", "K6_INFLUXDB_TAGS_AS_FIELDS")
            .unwrap_or_else(|| "vu:int,iter:int,url".to_string());
        let mut cfg = InfluxConfig {
            addr: s
                .get("addr", "K6_INFLUXDB_ADDR")
                .unwrap_or_else(|| "http://localhost:8086".into()),
            db: nonempty(s.get("db", "K6_INFLUXDB_DB")).unwrap_or_else(|| "k6".into()),
            username: nonempty(s.get("username", "K6_INFLUXDB_USERNAME")),
            password: s.get("password", "K6_INFLUXDB_PASSWORD"),
            insecure: s.bool("insecure", "K6_INFLUXDB_INSECURE")?.unwrap_or(false),
            tags_as_fields: Vec::new(),
            precision: match s.get("precision", "K6_INFLUXDB_PRECISION") {
                Some(p) => Precision::parse(&p)?,
                None => Precision::Nanoseconds,
            },
            retention: nonempty(s.get("retention", "K6_INFLUXDB_RETENTION")),
            consistency: nonempty(s.get("consistency", "K6_INFLUXDB_CONSISTENCY")),
            organization: nonempty(s.get("organization", "K6_INFLUXDB_ORGANIZATION")),
            bucket: nonempty(s.get("bucket", "K6_INFLUXDB_BUCKET")),
            token: nonempty(s.get("token", "K6_INFLUXDB_TOKEN")),
            pool: PoolConfig::default(),
            stop_timeout: s
                .duration("stopTimeout", "K6_INFLUXDB_STOP_TIMEOUT")?
                .unwrap_or(Duration::from_secs(30)),
        };
        if let Some(d) = s.duration("pushInterval", "K6_INFLUXDB_PUSH_INTERVAL")? {
            pool.flush_interval = d;
        }
        if let Some(n) = s.parse::<i64>("concurrentWrites", "K6_INFLUXDB_CONCURRENT_WRITES")? {
            anyhow::ensure!(
                n > 0,
                "influxdb's ConcurrentWrites must be a positive number"
            );
            pool.writers = n as usize;
        }
        if let Some(n) = s.parse::<usize>("maxBatch", "K6_INFLUXDB_MAX_BATCH")? {
            anyhow::ensure!(n > 0, "K6_INFLUXDB_MAX_BATCH must be positive");
            pool.max_batch = n;
        }
        if let Some(n) = s.parse::<usize>("queueCapacity", "K6_INFLUXDB_QUEUE_CAPACITY")? {
            pool.queue_capacity = n.max(1);
        }
        if let Some(p) = s.get("queueFullPolicy", "K6_INFLUXDB_QUEUE_FULL_POLICY") {
            pool.overflow = OverflowPolicy::parse(&p)?;
        }
        if let Some(d) = s.duration("writeTimeout", "K6_INFLUXDB_WRITE_TIMEOUT")? {
            pool.write_timeout = d;
        }
        if let Some(n) = s.parse::<u32>("maxAttempts", "K6_INFLUXDB_MAX_ATTEMPTS")? {
            pool.retry.max_attempts = n.max(1);
        }
        if let Some(arg) = arg.map(str::trim).filter(|a| !a.is_empty()) {
            apply_url(&mut cfg, &mut pool, &mut tags_as_fields, arg)?;
        }
        let entries: Vec<String> = tags_as_fields.split(',').map(str::to_string).collect();
        cfg.tags_as_fields = parse_tags_as_fields(&entries)?;
        cfg.addr = cfg.addr.trim_end_matches('/').to_string();
        let parsed = url::Url::parse(&cfg.addr)
            .map_err(|e| anyhow::anyhow!("invalid InfluxDB address {:?}: {e}", cfg.addr))?;
        anyhow::ensure!(
            matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some(),
            "invalid InfluxDB address {:?}: expected http(s)://host:port (UDP is not supported)",
            cfg.addr
        );
        cfg.pool = pool;
        Ok(cfg)
    }
}

/// Applies k6's `--out influxdb=URL` form.
fn apply_url(
    cfg: &mut InfluxConfig,
    pool: &mut PoolConfig,
    tags_as_fields: &mut String,
    arg: &str,
) -> anyhow::Result<()> {
    let u =
        url::Url::parse(arg).map_err(|e| anyhow::anyhow!("invalid InfluxDB URL {arg:?}: {e}"))?;
    if let Some(host) = u.host_str() {
        cfg.addr = match u.port() {
            Some(p) => format!("{}://{host}:{p}", u.scheme()),
            None => format!("{}://{host}", u.scheme()),
        };
    }
    let decode = percent_decode;
    if !u.username().is_empty() {
        cfg.username = Some(decode(u.username()));
        cfg.password = Some(u.password().map(decode).unwrap_or_default());
    }
    let path = u.path().trim_start_matches('/');
    if !path.is_empty() {
        cfg.db = decode(path);
    }
    let mut fields_from_query: Vec<String> = Vec::new();
    for (k, v) in u.query_pairs() {
        let v = v.into_owned();
        match &*k {
            "insecure" => {
                if !v.is_empty() {
                    cfg.insecure = parse_bool(&v).ok_or_else(|| {
                        anyhow::anyhow!("insecure must be true or false, not {v}")
                    })?;
                }
            }
            "precision" => cfg.precision = Precision::parse(&v)?,
            "retention" => cfg.retention = Some(v),
            "consistency" => cfg.consistency = Some(v),
            "pushInterval" => pool.flush_interval = crate::output::writer_pool::parse_duration(&v)?,
            "concurrentWrites" => {
                let n: i64 = v
                    .parse()
                    .map_err(|e| anyhow::anyhow!("invalid concurrentWrites {v:?}: {e}"))?;
                anyhow::ensure!(
                    n > 0,
                    "influxdb's ConcurrentWrites must be a positive number"
                );
                pool.writers = n as usize;
            }
            "tagsAsFields" => fields_from_query.push(v),
            "org" | "organization" => cfg.organization = Some(v),
            "bucket" => cfg.bucket = Some(v),
            "token" => cfg.token = Some(v),
            // k6 accepts it (UDP payload size); rk6 writes over HTTP only.
            "payload_size" => {}
            other => anyhow::bail!("unknown query parameter: {other}"),
        }
    }
    if !fields_from_query.is_empty() {
        *tags_as_fields = fields_from_query.join(",");
    }
    Ok(())
}

/// Decodes `%XX` escapes (userinfo and path of a URL; `+` stays a plus, as in Go).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::writer_pool::test_context as ctx;

    #[test]
    fn k6_defaults() {
        let c = InfluxConfig::load(None, &ctx(&[], None)).unwrap();
        assert_eq!(c.addr, "http://localhost:8086");
        assert_eq!(c.db, "k6");
        assert_eq!(c.pool.writers, 4);
        assert_eq!(c.pool.flush_interval, Duration::from_secs(1));
        assert_eq!(
            c.tags_as_fields,
            vec![
                ("vu".to_string(), FieldKind::Int),
                ("iter".to_string(), FieldKind::Int),
                ("url".to_string(), FieldKind::String)
            ]
        );
        assert_eq!(c.api(), ApiVersion::V1);
    }

    #[test]
    fn url_env_json_precedence() {
        let json = serde_json::json!({"collectors": {"influxdb": {"db": "jdb", "concurrentWrites": 2, "tagsAsFields": ["a", "b:int"]}}});
        let env = [
            ("K6_INFLUXDB_USERNAME", "envuser"),
            ("K6_INFLUXDB_PUSH_INTERVAL", "3s"),
        ];
        let c = InfluxConfig::load(None, &ctx(&env, Some(json.clone()))).unwrap();
        assert_eq!(c.db, "jdb");
        assert_eq!(c.pool.writers, 2);
        assert_eq!(c.username.as_deref(), Some("envuser"));
        assert_eq!(c.pool.flush_interval, Duration::from_secs(3));
        assert_eq!(c.tags_as_fields.len(), 2);
        let c = InfluxConfig::load(
            Some("https://u%40x:p%3Aw@db.example:9999/my%20db?insecure=true&tagsAsFields=url&tagsAsFields=vu:int&precision=ms"),
            &ctx(&env, Some(json)),
        )
        .unwrap();
        assert_eq!(c.addr, "https://db.example:9999");
        assert_eq!(c.db, "my db");
        assert_eq!(c.username.as_deref(), Some("u@x"));
        assert_eq!(c.password.as_deref(), Some("p:w"));
        assert!(c.insecure);
        assert_eq!(c.precision, Precision::Milliseconds);
        assert_eq!(c.tags_as_fields.len(), 2);
        assert!(!format!("{c:?}").contains("p:w"), "password is redacted");
    }

    #[test]
    fn v2_settings_and_errors() {
        let env = [
            ("K6_INFLUXDB_ORGANIZATION", "org"),
            ("K6_INFLUXDB_BUCKET", "bkt"),
            ("K6_INFLUXDB_TOKEN", "secret-token"),
        ];
        let c = InfluxConfig::load(Some("http://127.0.0.1:8086"), &ctx(&env, None)).unwrap();
        assert_eq!(c.api(), ApiVersion::V2);
        assert!(!format!("{c:?}").contains("secret-token"));
        assert!(InfluxConfig::load(Some("http://h/db?bogus=1"), &ctx(&[], None)).is_err());
        assert!(InfluxConfig::load(Some("udp://h:8089"), &ctx(&[], None)).is_err());
        assert!(
            InfluxConfig::load(None, &ctx(&[("K6_INFLUXDB_CONCURRENT_WRITES", "0")], None))
                .is_err()
        );
        assert!(
            InfluxConfig::load(
                None,
                &ctx(&[("K6_INFLUXDB_TAGS_AS_FIELDS", "vu:long")], None)
            )
            .is_err()
        );
    }
}
