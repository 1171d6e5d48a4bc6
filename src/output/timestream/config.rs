//! Settings of the Timestream output.
//!
//! Precedence: defaults < `-c` JSON config (`{"collectors": {"timestream": {...}}}`, see
//! [`Settings`]) < environment < the `--out timestream=<db>.<table>` argument.
//!
//! | JSON key | environment | default |
//! |---|---|---|
//! | `databaseName` | `K6_TIMESTREAM_DATABASE_NAME` | required |
//! | `tableName` | `K6_TIMESTREAM_TABLE_NAME` | required |
//! | `region` | `K6_TIMESTREAM_REGION` | AWS chain (`AWS_REGION`, profile) |
//! | `endpoint` | `K6_TIMESTREAM_ENDPOINT`, then `AWS_ENDPOINT_URL_TIMESTREAM_WRITE`, `AWS_ENDPOINT_URL` | endpoint discovery |
//! | `recordFormat` | `K6_TIMESTREAM_RECORD_FORMAT` | `single` (`multi`) |
//! | `writerThreads` | `K6_TIMESTREAM_WRITER_THREADS` | 4 |
//! | `maxBatch` | `K6_TIMESTREAM_MAX_BATCH` | 100 (at most 100) |
//! | `flushInterval` | `K6_TIMESTREAM_FLUSH_INTERVAL` | 1s |
//! | `queueCapacity` | `K6_TIMESTREAM_QUEUE_CAPACITY` | 100000 records |
//! | `queueFullPolicy` | `K6_TIMESTREAM_QUEUE_FULL_POLICY` | `block:5s` (`drop`) |
//! | `writeTimeout` | `K6_TIMESTREAM_WRITE_TIMEOUT` | 10s |
//! | `maxAttempts` | `K6_TIMESTREAM_MAX_ATTEMPTS` | 8 |
//! | `stopTimeout` | `K6_TIMESTREAM_STOP_TIMEOUT` | 30s (capped by the caller's deadline) |
//! | `createIfMissing` | `K6_TIMESTREAM_CREATE_IF_MISSING` | false |
//! | `memoryRetentionHours` | `K6_TIMESTREAM_MEMORY_RETENTION_HOURS` | 24 |
//! | `magneticRetentionDays` | `K6_TIMESTREAM_MAGNETIC_RETENTION_DAYS` | 7 |
//! | `commonAttributes` | `K6_TIMESTREAM_COMMON_ATTRIBUTES` | true |
//! | `metadataDimensions` | `K6_TIMESTREAM_METADATA_DIMENSIONS` | false |
//! | `instanceId` | `K6_TIMESTREAM_INSTANCE_ID` | `<hostname>-<pid>` |

use std::time::Duration;

use crate::output::OutputContext;
use crate::output::writer_pool::{OverflowPolicy, PoolConfig, RetryPolicy, Settings};

/// Timestream's WriteRecords limit.
pub const MAX_RECORDS_PER_WRITE: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordFormat {
    /// One single-measure DOUBLE record per sample, as xk6-output-timestream writes.
    Single,
    /// One multi-measure record per HTTP request (all `http_req*` values), single-measure
    /// records for everything else.
    Multi,
}

impl RecordFormat {
    pub fn parse(s: &str) -> anyhow::Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "single" | "" => Ok(RecordFormat::Single),
            "multi" => Ok(RecordFormat::Multi),
            other => anyhow::bail!(
                "invalid Timestream record format {other:?}: expected 'single' or 'multi'"
            ),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RecordFormat::Single => "single",
            RecordFormat::Multi => "multi",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TimestreamConfig {
    pub database: String,
    pub table: String,
    pub region: Option<String>,
    /// A fixed endpoint (emulators, VPC endpoints). `None` means endpoint discovery.
    pub endpoint: Option<String>,
    pub format: RecordFormat,
    pub pool: PoolConfig,
    pub stop_timeout: Duration,
    pub create_if_missing: bool,
    pub memory_retention_hours: i64,
    pub magnetic_retention_days: i64,
    pub common_attributes: bool,
    pub metadata_dimensions: bool,
    pub instance_id: String,
    pub test_run_id: String,
}

impl TimestreamConfig {
    pub fn load(arg: Option<&str>, ctx: &OutputContext) -> anyhow::Result<Self> {
        let s = Settings::new(ctx, "timestream");
        let mut pool = PoolConfig {
            writers: 4,
            max_batch: MAX_RECORDS_PER_WRITE,
            flush_interval: Duration::from_secs(1),
            queue_capacity: 100_000,
            overflow: OverflowPolicy::default_block(),
            write_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        };
        if let Some(n) = s.parse::<usize>("writerThreads", "K6_TIMESTREAM_WRITER_THREADS")? {
            anyhow::ensure!(n >= 1, "K6_TIMESTREAM_WRITER_THREADS must be at least 1");
            pool.writers = n;
        }
        if let Some(n) = s.parse::<usize>("maxBatch", "K6_TIMESTREAM_MAX_BATCH")? {
            anyhow::ensure!(
                (1..=MAX_RECORDS_PER_WRITE).contains(&n),
                "K6_TIMESTREAM_MAX_BATCH must be between 1 and {MAX_RECORDS_PER_WRITE} (Timestream's limit per WriteRecords call)"
            );
            pool.max_batch = n;
        }
        if let Some(d) = s.duration("flushInterval", "K6_TIMESTREAM_FLUSH_INTERVAL")? {
            pool.flush_interval = d;
        }
        if let Some(n) = s.parse::<usize>("queueCapacity", "K6_TIMESTREAM_QUEUE_CAPACITY")? {
            anyhow::ensure!(n >= 1, "K6_TIMESTREAM_QUEUE_CAPACITY must be at least 1");
            pool.queue_capacity = n;
        }
        if let Some(p) = s.get("queueFullPolicy", "K6_TIMESTREAM_QUEUE_FULL_POLICY") {
            pool.overflow = OverflowPolicy::parse(&p)?;
        }
        if let Some(d) = s.duration("writeTimeout", "K6_TIMESTREAM_WRITE_TIMEOUT")? {
            pool.write_timeout = d;
        }
        if let Some(n) = s.parse::<u32>("maxAttempts", "K6_TIMESTREAM_MAX_ATTEMPTS")? {
            pool.retry.max_attempts = n.max(1);
        }
        let endpoint = s
            .get("endpoint", "K6_TIMESTREAM_ENDPOINT")
            .or_else(|| ctx.env.get("AWS_ENDPOINT_URL_TIMESTREAM_WRITE").cloned())
            .or_else(|| ctx.env.get("AWS_ENDPOINT_URL").cloned())
            .filter(|e| !e.trim().is_empty());
        let mut cfg = TimestreamConfig {
            database: s
                .get("databaseName", "K6_TIMESTREAM_DATABASE_NAME")
                .unwrap_or_default(),
            table: s
                .get("tableName", "K6_TIMESTREAM_TABLE_NAME")
                .unwrap_or_default(),
            region: s
                .get("region", "K6_TIMESTREAM_REGION")
                .filter(|r| !r.trim().is_empty()),
            endpoint,
            format: match s.get("recordFormat", "K6_TIMESTREAM_RECORD_FORMAT") {
                Some(f) => RecordFormat::parse(&f)?,
                None => RecordFormat::Single,
            },
            pool,
            stop_timeout: s
                .duration("stopTimeout", "K6_TIMESTREAM_STOP_TIMEOUT")?
                .unwrap_or(Duration::from_secs(30)),
            create_if_missing: s
                .bool("createIfMissing", "K6_TIMESTREAM_CREATE_IF_MISSING")?
                .unwrap_or(false),
            memory_retention_hours: s
                .parse(
                    "memoryRetentionHours",
                    "K6_TIMESTREAM_MEMORY_RETENTION_HOURS",
                )?
                .unwrap_or(24),
            magnetic_retention_days: s
                .parse(
                    "magneticRetentionDays",
                    "K6_TIMESTREAM_MAGNETIC_RETENTION_DAYS",
                )?
                .unwrap_or(7),
            common_attributes: s
                .bool("commonAttributes", "K6_TIMESTREAM_COMMON_ATTRIBUTES")?
                .unwrap_or(true),
            metadata_dimensions: s
                .bool("metadataDimensions", "K6_TIMESTREAM_METADATA_DIMENSIONS")?
                .unwrap_or(false),
            instance_id: s
                .get("instanceId", "K6_TIMESTREAM_INSTANCE_ID")
                .filter(|v| !v.trim().is_empty())
                .or_else(|| ctx.instance_id.clone())
                .unwrap_or_else(crate::output::default_instance_id),
            test_run_id: ctx.test_run_id.clone(),
        };
        anyhow::ensure!(
            (1..=8766).contains(&cfg.memory_retention_hours),
            "K6_TIMESTREAM_MEMORY_RETENTION_HOURS must be between 1 and 8766"
        );
        anyhow::ensure!(
            (1..=73000).contains(&cfg.magnetic_retention_days),
            "K6_TIMESTREAM_MAGNETIC_RETENTION_DAYS must be between 1 and 73000"
        );
        if let Some(arg) = arg.map(str::trim).filter(|a| !a.is_empty()) {
            // `<db>.<table>`: the first '.' separates them (database names cannot be told
            // apart otherwise; use the env variables for a database name with a dot).
            let (db, table) = arg.split_once('.').ok_or_else(|| {
                anyhow::anyhow!(
                    "invalid Timestream output argument {arg:?}: expected <database>.<table>"
                )
            })?;
            cfg.database = db.to_string();
            cfg.table = table.to_string();
        }
        anyhow::ensure!(
            !cfg.database.is_empty() && !cfg.table.is_empty(),
            "the Timestream output needs a database and a table: use --out timestream=<database>.<table> or set K6_TIMESTREAM_DATABASE_NAME and K6_TIMESTREAM_TABLE_NAME"
        );
        for (what, name) in [("database", &cfg.database), ("table", &cfg.table)] {
            anyhow::ensure!(
                (3..=256).contains(&name.len())
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.'),
                "invalid Timestream {what} name {name:?}: 3-256 characters of letters, digits, '_', '-' and '.'"
            );
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::writer_pool::test_context as ctx;

    #[test]
    fn precedence_defaults_json_env_arg() {
        let json = serde_json::json!({"collectors": {"timestream": {
            "databaseName": "jdb", "tableName": "jtable", "region": "eu-west-1",
            "maxBatch": 50, "recordFormat": "multi", "flushInterval": "2s"}}});
        let c = TimestreamConfig::load(None, &ctx(&[], Some(json.clone()))).unwrap();
        assert_eq!((c.database.as_str(), c.table.as_str()), ("jdb", "jtable"));
        assert_eq!(c.pool.max_batch, 50);
        assert_eq!(c.pool.flush_interval, Duration::from_secs(2));
        assert_eq!(c.format, RecordFormat::Multi);
        assert_eq!(c.region.as_deref(), Some("eu-west-1"));
        assert_eq!(c.endpoint, None);

        let env = [
            ("K6_TIMESTREAM_DATABASE_NAME", "edb"),
            ("K6_TIMESTREAM_REGION", "us-east-2"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
        ];
        let c = TimestreamConfig::load(None, &ctx(&env, Some(json.clone()))).unwrap();
        assert_eq!((c.database.as_str(), c.table.as_str()), ("edb", "jtable"));
        assert_eq!(c.region.as_deref(), Some("us-east-2"));
        assert_eq!(c.endpoint.as_deref(), Some("http://127.0.0.1:1"));

        let env2 = [
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
            ("AWS_ENDPOINT_URL_TIMESTREAM_WRITE", "http://127.0.0.1:2"),
            ("K6_TIMESTREAM_ENDPOINT", "http://127.0.0.1:3"),
        ];
        let c = TimestreamConfig::load(Some("adb.a.table"), &ctx(&env2, Some(json))).unwrap();
        assert_eq!((c.database.as_str(), c.table.as_str()), ("adb", "a.table"));
        assert_eq!(c.endpoint.as_deref(), Some("http://127.0.0.1:3"));
        assert_eq!(c.test_run_id, "run-1");
    }

    #[test]
    fn rejects_bad_settings() {
        let e = |env: &[(&str, &str)], arg| TimestreamConfig::load(arg, &ctx(env, None));
        assert!(e(&[], None).is_err(), "database and table are required");
        assert!(e(&[], Some("nodot")).is_err());
        assert!(e(&[("K6_TIMESTREAM_MAX_BATCH", "101")], Some("db1.tb1")).is_err());
        assert!(e(&[("K6_TIMESTREAM_MAX_BATCH", "x")], Some("db1.tb1")).is_err());
        assert!(e(&[("K6_TIMESTREAM_RECORD_FORMAT", "wide")], Some("db1.tb1")).is_err());
        assert!(
            e(
                &[("K6_TIMESTREAM_CREATE_IF_MISSING", "maybe")],
                Some("db1.tb1")
            )
            .is_err()
        );
        assert!(
            e(&[], Some("d.t")).is_err(),
            "names are at least 3 characters"
        );
        assert!(e(&[], Some("db1.tb1")).is_ok());
        let c = e(
            &[("K6_TIMESTREAM_QUEUE_FULL_POLICY", "drop")],
            Some("db1.tb1"),
        )
        .unwrap();
        assert_eq!(c.pool.overflow, OverflowPolicy::Drop);
        assert!(!c.instance_id.is_empty());
    }
}
