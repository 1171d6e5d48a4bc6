//! xk6-output-timescaledb's tables, created when missing, and the thresholds rows.
//!
//! The `samples` and `thresholds` tables and their columns are xk6's, so its Grafana
//! dashboards read rk6's data unchanged. Where xk6 sends its schema as one implicit
//! transaction ending in `create_hypertable` (so on PostgreSQL without TimescaleDB it creates
//! nothing and every write fails), rk6 makes `samples` a hypertable when the extension is
//! installed (creating the extension when the server offers it and the user may), and a plain
//! table otherwise; both get an index on `(metric, ts)` for the dashboards' filters beside
//! xk6's `ts DESC` indexes. A database missing on the server is created (xk6 tries to, but
//! only after having connected to it).

use tokio_postgres::{Client, GenericClient};

use crate::metrics::threshold_board::ThresholdStatus;

pub const CREATE_TABLES: [&str; 2] = [
    "CREATE TABLE IF NOT EXISTS samples (
        ts timestamptz NOT NULL DEFAULT current_timestamp,
        metric varchar(128) NOT NULL,
        tags jsonb,
        value real
    )",
    "CREATE TABLE IF NOT EXISTS thresholds (
        id serial,
        ts timestamptz NOT NULL DEFAULT current_timestamp,
        metric varchar(128) NOT NULL,
        tags jsonb,
        threshold varchar(128) NOT NULL,
        abort_on_fail boolean DEFAULT FALSE,
        delay_abort_eval varchar(128),
        last_failed boolean DEFAULT FALSE
    )",
];

pub const CREATE_HYPERTABLE: &str =
    "SELECT create_hypertable('samples', 'ts', if_not_exists => TRUE)";

pub const CREATE_INDEXES: [&str; 3] = [
    "CREATE INDEX IF NOT EXISTS idx_samples_ts ON samples (ts DESC)",
    "CREATE INDEX IF NOT EXISTS idx_thresholds_ts ON thresholds (ts DESC)",
    "CREATE INDEX IF NOT EXISTS idx_samples_metric_ts ON samples (metric, ts DESC)",
];

pub const COPY_SAMPLES: &str = "COPY samples (ts, metric, value, tags) FROM STDIN BINARY";

/// How `samples` is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    Hypertable,
    PlainTable,
    /// The tables were there already (left as they are: rk6 may not own them).
    Existing,
}

/// Quotes an SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

async fn has_timescaledb(client: &Client) -> Result<bool, tokio_postgres::Error> {
    let installed = client
        .query_opt(
            "SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'",
            &[],
        )
        .await?
        .is_some();
    if installed {
        return Ok(true);
    }
    let available = client
        .query_opt(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'",
            &[],
        )
        .await?
        .is_some();
    if !available {
        return Ok(false);
    }
    match client
        .batch_execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        .await
    {
        Ok(()) => Ok(true),
        Err(e) => {
            tracing::warn!(
                "TimescaleDB: the server offers the timescaledb extension but it could not be created ({e}); samples go to a plain table"
            );
            Ok(false)
        }
    }
}

/// Creates the tables and indexes when missing; tells how `samples` is stored.
pub async fn ensure_schema(client: &Client) -> Result<Layout, tokio_postgres::Error> {
    let exists: bool = client
        .query_one(
            "SELECT to_regclass('samples') IS NOT NULL AND to_regclass('thresholds') IS NOT NULL",
            &[],
        )
        .await?
        .get(0);
    if exists {
        return Ok(Layout::Existing);
    }
    for sql in CREATE_TABLES {
        client.batch_execute(sql).await?;
    }
    let mut layout = Layout::PlainTable;
    if has_timescaledb(client).await? {
        match client.batch_execute(CREATE_HYPERTABLE).await {
            Ok(()) => layout = Layout::Hypertable,
            Err(e) => tracing::warn!(
                "TimescaleDB: samples could not be made a hypertable ({}); it stays a plain table",
                pg_error(&e)
            ),
        }
    }
    for sql in CREATE_INDEXES {
        client.batch_execute(sql).await?;
    }
    Ok(layout)
}

/// Inserts one row per threshold, as xk6 does at start; returns their ids.
pub async fn insert_thresholds(
    client: &impl GenericClient,
    rows: &[ThresholdStatus],
) -> Result<Vec<i32>, tokio_postgres::Error> {
    let mut ids = Vec::with_capacity(rows.len());
    for t in rows {
        let row = client
            .query_one(
                "INSERT INTO thresholds (metric, threshold, abort_on_fail, delay_abort_eval, last_failed)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    &t.metric,
                    &t.source,
                    &t.abort_on_fail,
                    &t.delay_abort_eval_text(),
                    &t.last_failed,
                ],
            )
            .await?;
        ids.push(row.get(0));
    }
    Ok(ids)
}

/// Writes each threshold's latest verdict onto its row.
pub async fn update_thresholds(
    client: &impl GenericClient,
    ids: &[i32],
    rows: &[ThresholdStatus],
) -> Result<(), tokio_postgres::Error> {
    for (id, t) in ids.iter().zip(rows) {
        client
            .execute(
                "UPDATE thresholds SET last_failed = $1 WHERE id = $2",
                &[&t.last_failed, id],
            )
            .await?;
    }
    Ok(())
}

/// The server's message with its SQLSTATE, or the client's error chain.
pub fn pg_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => crate::output::http_client::error_chain(e),
    }
}
