//! Settings of `--out timescaledb=postgresql://user:pass@host:port/db`, drop-in for
//! xk6-output-timescaledb: its JSON keys, environment variable and defaults, plus rk6's pool
//! settings.
//!
//! Precedence: defaults < `-c` JSON config (`{"collectors": {"timescaledb": {...}}}`) <
//! environment < the `--out timescaledb=URL` argument.
//!
//! | JSON key | environment | default |
//! |---|---|---|
//! | `url` | `K6_TIMESCALEDB_URL` (rk6) | `postgresql://localhost/myk6timescaleDB` |
//! | `pushInterval` | `K6_TIMESCALEDB_PUSH_INTERVAL` | 1s |
//! | `concurrentWrites` | `K6_TIMESCALEDB_CONCURRENT_WRITES` | 2 connections writing at once |
//! | `maxBatch` | `K6_TIMESCALEDB_MAX_BATCH` | 20000 rows per `COPY` |
//! | `maxAttempts`, `writeTimeout` | `K6_TIMESCALEDB_MAX_ATTEMPTS`, `..._WRITE_TIMEOUT` | 5, 30s |
//! | `queueCapacity`, `queueFullPolicy` | `K6_TIMESCALEDB_QUEUE_CAPACITY`, `..._QUEUE_FULL_POLICY` | 500000 rows, `block:5s` |
//! | `stopTimeout` | `K6_TIMESCALEDB_STOP_TIMEOUT` | 30s |
//!
//! The URL is a libpq connection string (URL or `key=value` form). `sslmode` is libpq's:
//! `disable`, `prefer` (the default: TLS when the server offers it), `require` (TLS, the
//! certificate not checked, as libpq), `verify-ca` and `verify-full` (TLS with the system's
//! root certificates; the host name is always checked).

use std::fmt;
use std::time::Duration;

use crate::output::OutputContext;
use crate::output::writer_pool::{OverflowPolicy, PoolConfig, RetryPolicy, Settings};

pub const DEFAULT_URL: &str = "postgresql://localhost/myk6timescaleDB";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    Disable,
    /// TLS if the server offers it, without checking its certificate.
    Prefer,
    /// TLS, without checking the certificate (libpq's `require`).
    Require,
    /// TLS with a verified certificate chain and host name.
    Verify,
}

#[derive(Clone, PartialEq)]
pub struct TimescaleConfig {
    /// The connection settings (without `sslmode`, which [`Self::tls`] carries).
    pub pg: tokio_postgres::Config,
    pub tls: TlsMode,
    /// `postgresql://host:port` for the banner, no credentials.
    pub addr: String,
    pub push_interval: Duration,
    pub pool: PoolConfig,
    pub stop_timeout: Duration,
}

/// Secrets stay out of logs (tokio_postgres::Config's Debug redacts the password).
impl fmt::Debug for TimescaleConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimescaleConfig")
            .field("pg", &self.pg)
            .field("tls", &self.tls)
            .field("push_interval", &self.push_interval)
            .finish_non_exhaustive()
    }
}

/// Splits libpq's `sslmode` off the connection string: tokio-postgres only knows `disable`,
/// `prefer` and `require`.
fn take_sslmode(url: &str) -> anyhow::Result<(String, TlsMode)> {
    let mode_of = |v: &str| -> anyhow::Result<TlsMode> {
        Ok(match v {
            "disable" | "allow" => TlsMode::Disable,
            "prefer" => TlsMode::Prefer,
            "require" => TlsMode::Require,
            "verify-ca" | "verify-full" => TlsMode::Verify,
            other => anyhow::bail!(
                "invalid sslmode {other:?}: expected disable, allow, prefer, require, verify-ca or verify-full"
            ),
        })
    };
    let mut mode = TlsMode::Prefer;
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut u =
            url::Url::parse(url).map_err(|e| anyhow::anyhow!("invalid PostgreSQL URL: {e}"))?;
        let mut kept: Vec<(String, String)> = Vec::new();
        for (k, v) in u.query_pairs() {
            if k == "sslmode" {
                mode = mode_of(&v)?;
            } else {
                kept.push((k.into_owned(), v.into_owned()));
            }
        }
        if kept.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(kept);
        }
        return Ok((u.to_string(), mode));
    }
    // key=value form.
    let mut kept = Vec::new();
    for part in url.split_whitespace() {
        match part.split_once('=') {
            Some(("sslmode", v)) => mode = mode_of(v.trim_matches('\''))?,
            _ => kept.push(part),
        }
    }
    Ok((kept.join(" "), mode))
}

impl TimescaleConfig {
    pub fn load(arg: Option<&str>, ctx: &OutputContext) -> anyhow::Result<Self> {
        let s = Settings::new(ctx, "timescaledb");
        let mut pool = PoolConfig {
            writers: 2,
            max_batch: 20_000,
            flush_interval: Duration::from_secs(1),
            queue_capacity: 500_000,
            overflow: OverflowPolicy::default_block(),
            write_timeout: Duration::from_secs(30),
            retry: RetryPolicy {
                max_attempts: 5,
                ..RetryPolicy::default()
            },
        };
        pool.apply_settings(&s, "K6_TIMESCALEDB_")?;
        if let Some(n) = s.parse::<usize>("concurrentWrites", "K6_TIMESCALEDB_CONCURRENT_WRITES")? {
            anyhow::ensure!(n > 0, "K6_TIMESCALEDB_CONCURRENT_WRITES must be positive");
            pool.writers = n;
        }
        if let Some(d) = s.duration("pushInterval", "K6_TIMESCALEDB_PUSH_INTERVAL")? {
            pool.flush_interval = d;
        }
        let url = arg
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .or_else(|| s.get("url", "K6_TIMESCALEDB_URL"))
            .unwrap_or_else(|| DEFAULT_URL.into());
        let (conn, tls) = take_sslmode(&url)?;
        let mut pg: tokio_postgres::Config = conn.parse().map_err(|e| {
            anyhow::anyhow!("invalid TimescaleDB connection string: {e} (expected postgresql://user:password@host:port/database)")
        })?;
        if pg.get_hosts().is_empty() {
            pg.host("localhost");
        }
        if pg.get_application_name().is_none() {
            pg.application_name("rk6");
        }
        let host = match pg.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            #[cfg(unix)]
            Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
            None => "localhost".into(),
        };
        let port = pg.get_ports().first().copied().unwrap_or(5432);
        Ok(TimescaleConfig {
            addr: format!("postgresql://{host}:{port}"),
            pg,
            tls,
            push_interval: pool.flush_interval,
            pool,
            stop_timeout: s
                .duration("stopTimeout", "K6_TIMESCALEDB_STOP_TIMEOUT")?
                .unwrap_or(Duration::from_secs(30)),
        })
    }

    /// The database the URL names (xk6's default when it names none).
    pub fn dbname(&self) -> &str {
        self.pg.get_dbname().unwrap_or("myk6timescaleDB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::writer_pool::test_context as ctx;

    #[test]
    fn xk6_defaults_and_precedence() {
        let c = TimescaleConfig::load(None, &ctx(&[], None)).unwrap();
        assert_eq!(c.dbname(), "myk6timescaleDB");
        assert_eq!(c.addr, "postgresql://localhost:5432");
        assert_eq!(c.push_interval, Duration::from_secs(1));
        assert_eq!(c.tls, TlsMode::Prefer);

        let json = serde_json::json!({"collectors": {"timescaledb": {
            "url": "postgresql://j:jp@json-host/jdb", "pushInterval": "3s"}}});
        let env = [("K6_TIMESCALEDB_PUSH_INTERVAL", "250ms")];
        let c = TimescaleConfig::load(None, &ctx(&env, Some(json.clone()))).unwrap();
        assert_eq!(c.dbname(), "jdb");
        assert_eq!(c.pool.flush_interval, Duration::from_millis(250));
        let c = TimescaleConfig::load(
            Some("postgresql://k6:s3cret@db.example:6543/k6?sslmode=require&connect_timeout=5"),
            &ctx(&env, Some(json)),
        )
        .unwrap();
        assert_eq!(c.dbname(), "k6");
        assert_eq!(c.addr, "postgresql://db.example:6543");
        assert_eq!(c.tls, TlsMode::Require);
        assert_eq!(c.pg.get_user(), Some("k6"));
        assert_eq!(c.pg.get_connect_timeout(), Some(&Duration::from_secs(5)));
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn libpq_forms_and_errors() {
        let c = TimescaleConfig::load(
            Some("host=127.0.0.1 port=5555 user=u dbname=d sslmode=verify-full"),
            &ctx(&[], None),
        )
        .unwrap();
        assert_eq!(c.tls, TlsMode::Verify);
        assert_eq!(c.dbname(), "d");
        assert_eq!(c.addr, "postgresql://127.0.0.1:5555");
        assert!(
            TimescaleConfig::load(Some("postgresql://h/db?sslmode=maybe"), &ctx(&[], None))
                .is_err()
        );
        assert!(
            TimescaleConfig::load(Some("postgresql://h/db?bogus_option=1"), &ctx(&[], None))
                .is_err()
        );
        assert!(
            TimescaleConfig::load(
                None,
                &ctx(&[("K6_TIMESCALEDB_PUSH_INTERVAL", "soon")], None)
            )
            .is_err()
        );
    }
}
