//! Settings of `--out clickhouse=http://user:password@host:8123/database`.
//!
//! Precedence: defaults < `-c` JSON config (`{"collectors": {"clickhouse": {...}}}`) <
//! environment < the `--out clickhouse=URL` argument (`?table=`, `?thresholdsTable=` in its
//! query).
//!
//! | JSON key | environment | default |
//! |---|---|---|
//! | `addr` | `K6_CLICKHOUSE_ADDR` | `http://localhost:8123` |
//! | `db` | `K6_CLICKHOUSE_DB` | `k6` |
//! | `table` | `K6_CLICKHOUSE_TABLE` | `samples` |
//! | `thresholdsTable` | `K6_CLICKHOUSE_THRESHOLDS_TABLE` | `thresholds` |
//! | `username`, `password` | `K6_CLICKHOUSE_USERNAME`, `K6_CLICKHOUSE_PASSWORD` | `default`, none |
//! | `insecureSkipTLSVerify` | `K6_CLICKHOUSE_INSECURE_SKIP_TLS_VERIFY` | false |
//! | `pushInterval` | `K6_CLICKHOUSE_PUSH_INTERVAL` | 1s |
//! | `concurrentWrites` | `K6_CLICKHOUSE_CONCURRENT_WRITES` | 2 |
//! | `testRunId` | `K6_CLICKHOUSE_TEST_RUN_ID` | the run's id (hex start time) |
//! | `instanceId` | `K6_CLICKHOUSE_INSTANCE_ID` | `<hostname>-<pid>` |
//! | `maxBatch` | `K6_CLICKHOUSE_MAX_BATCH` | 10000 sample batches (~100k rows) per insert |
//! | `maxAttempts`, `writeTimeout` | `K6_CLICKHOUSE_MAX_ATTEMPTS`, `..._WRITE_TIMEOUT` | 5, 30s |
//! | `queueCapacity`, `queueFullPolicy` | `K6_CLICKHOUSE_QUEUE_CAPACITY`, `..._QUEUE_FULL_POLICY` | 100000 batches, `block:5s` |
//! | `stopTimeout` | `K6_CLICKHOUSE_STOP_TIMEOUT` | 30s |

use std::fmt;
use std::time::Duration;

use crate::output::OutputContext;
use crate::output::writer_pool::{OverflowPolicy, PoolConfig, RetryPolicy, Settings};

#[derive(Clone, PartialEq)]
pub struct ClickHouseConfig {
    /// `scheme://host:port`, no trailing slash.
    pub addr: String,
    pub db: String,
    pub table: String,
    pub thresholds_table: String,
    pub username: String,
    pub password: Option<String>,
    pub insecure: bool,
    pub test_run_id: String,
    pub instance_id: String,
    pub pool: PoolConfig,
    pub stop_timeout: Duration,
}

impl fmt::Debug for ClickHouseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClickHouseConfig")
            .field("addr", &self.addr)
            .field("db", &self.db)
            .field("table", &self.table)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

fn valid_name(what: &str, name: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        !name.is_empty() && name.len() <= 200 && !name.contains('\0'),
        "invalid ClickHouse {what} name {name:?}"
    );
    Ok(())
}

impl ClickHouseConfig {
    pub fn load(arg: Option<&str>, ctx: &OutputContext) -> anyhow::Result<Self> {
        let s = Settings::new(ctx, "clickhouse");
        let mut pool = PoolConfig {
            writers: 2,
            max_batch: 10_000,
            flush_interval: Duration::from_secs(1),
            queue_capacity: 100_000,
            overflow: OverflowPolicy::default_block(),
            write_timeout: Duration::from_secs(30),
            retry: RetryPolicy {
                max_attempts: 5,
                ..RetryPolicy::default()
            },
        };
        pool.apply_settings(&s, "K6_CLICKHOUSE_")?;
        if let Some(n) = s.parse::<usize>("concurrentWrites", "K6_CLICKHOUSE_CONCURRENT_WRITES")? {
            anyhow::ensure!(n > 0, "K6_CLICKHOUSE_CONCURRENT_WRITES must be positive");
            pool.writers = n;
        }
        if let Some(d) = s.duration("pushInterval", "K6_CLICKHOUSE_PUSH_INTERVAL")? {
            pool.flush_interval = d;
        }
        let nonempty = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        let mut cfg = ClickHouseConfig {
            addr: s
                .get("addr", "K6_CLICKHOUSE_ADDR")
                .unwrap_or_else(|| "http://localhost:8123".into()),
            db: nonempty(s.get("db", "K6_CLICKHOUSE_DB")).unwrap_or_else(|| "k6".into()),
            table: nonempty(s.get("table", "K6_CLICKHOUSE_TABLE"))
                .unwrap_or_else(|| "samples".into()),
            thresholds_table: nonempty(s.get("thresholdsTable", "K6_CLICKHOUSE_THRESHOLDS_TABLE"))
                .unwrap_or_else(|| "thresholds".into()),
            username: nonempty(s.get("username", "K6_CLICKHOUSE_USERNAME"))
                .unwrap_or_else(|| "default".into()),
            password: s.get("password", "K6_CLICKHOUSE_PASSWORD"),
            insecure: s
                .bool(
                    "insecureSkipTLSVerify",
                    "K6_CLICKHOUSE_INSECURE_SKIP_TLS_VERIFY",
                )?
                .unwrap_or(false),
            test_run_id: nonempty(s.get("testRunId", "K6_CLICKHOUSE_TEST_RUN_ID"))
                .unwrap_or_else(|| ctx.test_run_id.clone()),
            instance_id: nonempty(s.get("instanceId", "K6_CLICKHOUSE_INSTANCE_ID"))
                .or_else(|| ctx.instance_id.clone())
                .unwrap_or_else(crate::output::default_instance_id),
            pool,
            stop_timeout: s
                .duration("stopTimeout", "K6_CLICKHOUSE_STOP_TIMEOUT")?
                .unwrap_or(Duration::from_secs(30)),
        };
        if let Some(arg) = arg.map(str::trim).filter(|a| !a.is_empty()) {
            cfg.apply_url(arg)?;
        }
        cfg.addr = cfg.addr.trim_end_matches('/').to_string();
        let parsed = url::Url::parse(&cfg.addr)
            .map_err(|e| anyhow::anyhow!("invalid ClickHouse address {:?}: {e}", cfg.addr))?;
        anyhow::ensure!(
            matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some(),
            "invalid ClickHouse address {:?}: expected http(s)://host:8123 (the HTTP interface)",
            cfg.addr
        );
        valid_name("database", &cfg.db)?;
        valid_name("table", &cfg.table)?;
        valid_name("table", &cfg.thresholds_table)?;
        Ok(cfg)
    }

    fn apply_url(&mut self, arg: &str) -> anyhow::Result<()> {
        let u = url::Url::parse(arg)
            .map_err(|e| anyhow::anyhow!("invalid ClickHouse URL {arg:?}: {e}"))?;
        if let Some(host) = u.host_str() {
            self.addr = match u.port() {
                Some(p) => format!("{}://{host}:{p}", u.scheme()),
                None => format!("{}://{host}", u.scheme()),
            };
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        if !u.username().is_empty() {
            self.username = decode(u.username());
            self.password = u.password().map(decode);
        }
        let path = u.path().trim_matches('/');
        if !path.is_empty() {
            self.db = decode(path);
        }
        for (k, v) in u.query_pairs() {
            match &*k {
                "table" => self.table = v.into_owned(),
                "thresholdsTable" => self.thresholds_table = v.into_owned(),
                other => anyhow::bail!("unknown query parameter of the ClickHouse URL: {other}"),
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
    fn defaults_precedence_and_url() {
        let c = ClickHouseConfig::load(None, &ctx(&[], None)).unwrap();
        assert_eq!(
            (
                c.addr.as_str(),
                c.db.as_str(),
                c.table.as_str(),
                c.username.as_str()
            ),
            ("http://localhost:8123", "k6", "samples", "default")
        );
        assert_eq!(c.test_run_id, "run-1");
        let json = serde_json::json!({"collectors": {"clickhouse": {"db": "jdb", "table": "jt"}}});
        let env = [
            ("K6_CLICKHOUSE_TABLE", "et"),
            ("K6_CLICKHOUSE_PUSH_INTERVAL", "2s"),
        ];
        let c = ClickHouseConfig::load(None, &ctx(&env, Some(json.clone()))).unwrap();
        assert_eq!((c.db.as_str(), c.table.as_str()), ("jdb", "et"));
        assert_eq!(c.pool.flush_interval, Duration::from_secs(2));
        let c = ClickHouseConfig::load(
            Some("https://u:p%40ss@ch.example:8443/metrics?table=k6_samples"),
            &ctx(&env, Some(json)),
        )
        .unwrap();
        assert_eq!(c.addr, "https://ch.example:8443");
        assert_eq!((c.db.as_str(), c.table.as_str()), ("metrics", "k6_samples"));
        assert_eq!(c.password.as_deref(), Some("p@ss"));
        assert!(!format!("{c:?}").contains("p@ss"));
        assert!(ClickHouseConfig::load(Some("tcp://h:9000/db"), &ctx(&[], None)).is_err());
        assert!(ClickHouseConfig::load(Some("http://h/db?bogus=1"), &ctx(&[], None)).is_err());
    }
}
