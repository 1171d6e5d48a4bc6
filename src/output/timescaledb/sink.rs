//! The TimescaleDB [`Sink`]: each batch is one binary `COPY samples FROM STDIN` on a pooled
//! connection (one statement: all of the batch or none of it is stored), and PostgreSQL's
//! errors mapped onto the pool's outcomes by SQLSTATE class: connection problems, shutdowns,
//! lack of resources and serialization failures are retried; data errors (a value a column
//! refuses) fail the batch for its content, which the pool bisects down to the culprit row;
//! everything else (authentication, a missing table, privileges) is fatal.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::BytesMut;
use deadpool_postgres::{Pool, PoolError};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::schema::{COPY_SAMPLES, pg_error};
use crate::metrics::sample::{SampleBatch, TagSet};
use crate::output::writer_pool::{PoolRecord, Sink, WriteOutcome};

/// One `samples` row.
#[derive(Clone, Debug)]
pub struct SampleRow {
    pub time_ns: i64,
    pub metric: Arc<str>,
    pub value: f64,
    /// The tags as a JSON object (xk6 writes `Tags.Map()`: tags, no metadata).
    pub tags: Arc<str>,
}

impl PoolRecord for SampleRow {
    fn weight(&self) -> u64 {
        1
    }
}

/// Tag sets seen at most before the JSON cache is cleared (unbounded tag values must not
/// grow memory without bound).
const MAX_CACHED_TAG_SETS: usize = 100_000;

/// Turns samples into rows, rendering each distinct tag set's JSON once.
#[derive(Default)]
pub struct RowEncoder {
    tags_json: HashMap<TagSet, Arc<str>, foldhash::fast::RandomState>,
}

impl RowEncoder {
    pub fn encode(&mut self, batch: &SampleBatch, out: &mut Vec<SampleRow>) {
        for s in batch {
            let tags = match self.tags_json.get(&s.tags) {
                Some(j) => j.clone(),
                None => {
                    if self.tags_json.len() >= MAX_CACHED_TAG_SETS {
                        self.tags_json.clear();
                    }
                    let j: Arc<str> = tags_json(&s.tags).into();
                    self.tags_json.insert(s.tags.clone(), j.clone());
                    j
                }
            };
            out.push(SampleRow {
                time_ns: s.time_ns,
                metric: s.metric.name.clone(),
                value: s.value,
                tags,
            });
        }
    }
}

pub fn tags_json(tags: &TagSet) -> String {
    let map: serde_json::Map<String, serde_json::Value> = tags
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// JSON text sent as `jsonb` (binary format: version 1, then the text).
#[derive(Debug)]
struct Jsonb<'a>(&'a str);

impl ToSql for Jsonb<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        if *ty == Type::JSONB {
            out.extend_from_slice(&[1]);
        }
        out.extend_from_slice(self.0.as_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONB || *ty == Type::JSON
    }

    to_sql_checked!();
}

fn system_time(ns: i64) -> SystemTime {
    if ns >= 0 {
        SystemTime::UNIX_EPOCH + Duration::from_nanos(ns as u64)
    } else {
        SystemTime::UNIX_EPOCH - Duration::from_nanos(ns.unsigned_abs())
    }
}

/// SQLSTATE classes and codes worth another attempt.
fn retryable(code: &str) -> bool {
    code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("58")
        || matches!(
            code,
            "57P01" | "57P02" | "57P03" | "40001" | "40P01" | "55P03"
        )
}

pub fn classify(e: &tokio_postgres::Error) -> WriteOutcome {
    let text = pg_error(e);
    match e.code().map(|c| c.code()) {
        None => WriteOutcome::Retryable(text),
        Some(code) if retryable(code) => WriteOutcome::Retryable(text),
        Some(code) if code.starts_with("22") || code.starts_with("23") => {
            WriteOutcome::InvalidBatch(text)
        }
        Some(_) => WriteOutcome::Fatal(text),
    }
}

pub fn classify_pool(e: &PoolError) -> WriteOutcome {
    match e {
        PoolError::Backend(e) => classify(e),
        PoolError::Timeout(t) => {
            WriteOutcome::Retryable(format!("connection pool timeout ({t:?})"))
        }
        other => WriteOutcome::Fatal(format!("connection pool: {other}")),
    }
}

pub struct TimescaleSink {
    pool: Pool,
}

impl TimescaleSink {
    pub fn new(pool: Pool) -> Self {
        TimescaleSink { pool }
    }

    async fn copy(&self, batch: &[SampleRow]) -> Result<u64, WriteOutcome> {
        let client = self.pool.get().await.map_err(|e| classify_pool(&e))?;
        let sink = client
            .copy_in(COPY_SAMPLES)
            .await
            .map_err(|e| classify(&e))?;
        let writer = BinaryCopyInWriter::new(
            sink,
            &[Type::TIMESTAMPTZ, Type::VARCHAR, Type::FLOAT4, Type::JSONB],
        );
        let mut writer = std::pin::pin!(writer);
        for r in batch {
            let ts = system_time(r.time_ns);
            let value = r.value as f32;
            let tags = Jsonb(&r.tags);
            writer
                .as_mut()
                .write(&[&ts, &&*r.metric, &value, &tags])
                .await
                .map_err(|e| classify(&e))?;
        }
        writer.finish().await.map_err(|e| classify(&e))
    }
}

impl Sink for TimescaleSink {
    type Record = SampleRow;

    async fn write(&self, batch: &[SampleRow]) -> WriteOutcome {
        match self.copy(batch).await {
            Ok(n) if n == batch.len() as u64 => WriteOutcome::Ok,
            Ok(n) => WriteOutcome::Fatal(format!(
                "COPY stored {n} rows of {}: the samples table has a trigger or rule that filters rows",
                batch.len()
            )),
            Err(outcome) => outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_a_json_object_of_strings() {
        let t = TagSet::from_pairs([("status", "200"), ("group", ""), ("q", "a\"b\u{0}")]);
        assert_eq!(
            tags_json(&t),
            r#"{"group":"","q":"a\"b\u0000","status":"200"}"#
        );
        assert_eq!(tags_json(&TagSet::empty()), "{}");
    }

    #[test]
    fn retryable_sqlstates() {
        for code in ["08006", "08001", "57P01", "53300", "40001"] {
            assert!(retryable(code), "{code}");
        }
        for code in ["22P05", "42P01", "28P01", "23505"] {
            assert!(!retryable(code), "{code}");
        }
        assert_eq!(
            system_time(-1_500_000_000),
            SystemTime::UNIX_EPOCH - Duration::from_millis(1500)
        );
    }
}
