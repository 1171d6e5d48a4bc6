//! The Timestream [`Sink`]: WriteRecords through the AWS SDK, client-side validation, and
//! the mapping of Timestream's errors onto the pool's outcomes.
//!
//! The SDK's own retries are disabled: the writer pool retries (with backoff, jitter and the
//! shutdown deadline) so that every sample is accounted for in one place.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_timestreamwrite as tsw;
use tsw::config::http::HttpResponse;
use tsw::config::retry::RetryConfig;
use tsw::config::timeout::TimeoutConfig;
use tsw::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use tsw::operation::write_records::WriteRecordsError;
use tsw::types::{
    Dimension, MeasureValue, MeasureValueType, Record, RetentionProperties, TimeUnit,
};

use super::config::TimestreamConfig;
use super::encoder::{TsRecord, TsValue};
use super::validator::{self, MeasureView, RecordView, TimeWindow, ValueView};
use crate::metrics::sample::now_ns;
use crate::output::writer_pool::{Rejection, Sink, WriteOutcome};

/// Builds the SDK client: a fixed endpoint when one is configured (emulators; endpoint
/// discovery would redirect to the real AWS cell), endpoint discovery otherwise.
///
/// Credentials come from the standard AWS chain; `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`
/// (and `AWS_SESSION_TOKEN`) in the output's environment are used first, as the chain would.
pub async fn build_client(
    cfg: &TimestreamConfig,
    env: &HashMap<String, String>,
) -> anyhow::Result<tsw::Client> {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    let region = cfg
        .region
        .clone()
        .or_else(|| env.get("AWS_REGION").cloned())
        .or_else(|| env.get("AWS_DEFAULT_REGION").cloned())
        .filter(|r| !r.trim().is_empty());
    if let Some(r) = region {
        loader = loader.region(tsw::config::Region::new(r));
    }
    if let (Some(ak), Some(sk)) = (
        env.get("AWS_ACCESS_KEY_ID"),
        env.get("AWS_SECRET_ACCESS_KEY"),
    ) {
        loader = loader.credentials_provider(tsw::config::Credentials::new(
            ak.clone(),
            sk.clone(),
            env.get("AWS_SESSION_TOKEN").cloned(),
            None,
            "environment",
        ));
    }
    let shared = loader.load().await;
    anyhow::ensure!(
        shared.region().is_some(),
        "the Timestream output needs an AWS region: set K6_TIMESTREAM_REGION or AWS_REGION"
    );
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(cfg.pool.write_timeout)
        .build();
    let mut builder = tsw::config::Builder::from(&shared)
        .retry_config(RetryConfig::disabled())
        .timeout_config(timeouts);
    if let Some(endpoint) = &cfg.endpoint {
        builder = builder.endpoint_url(endpoint.clone());
        return Ok(tsw::Client::from_conf(builder.build()));
    }
    let client = tsw::Client::from_conf(builder.build());
    // DescribeEndpoints runs once here; the SDK panics on an empty endpoint list, so run it
    // in a task and turn a panic into an error.
    let discovered = tokio::spawn(async move { client.with_endpoint_discovery_enabled().await })
        .await
        .map_err(|e| anyhow::anyhow!("Timestream endpoint discovery failed: {e}"))?;
    let (client, reloader) = discovered.map_err(|e| {
        anyhow::anyhow!(
            "Timestream endpoint discovery (DescribeEndpoints) failed: {}",
            DisplayErrorContext(&*e)
        )
    })?;
    tokio::spawn(reloader.reload_task());
    Ok(client)
}

fn is_not_found<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    e.as_service_error()
        .is_some_and(|se| se.code() == Some("ResourceNotFoundException"))
}

/// Makes sure the table exists and returns its memory-store retention in hours.
///
/// Describes before creating: moto's CreateDatabase/CreateTable replace an existing one (and
/// its data), and real AWS allows only 1 CRUD call per second.
pub async fn ensure_table(client: &tsw::Client, cfg: &TimestreamConfig) -> anyhow::Result<i64> {
    let (db, table) = (&cfg.database, &cfg.table);
    let described = client
        .describe_table()
        .database_name(db)
        .table_name(table)
        .send()
        .await;
    match described {
        Ok(out) => Ok(out
            .table()
            .and_then(|t| t.retention_properties())
            .map(|r| r.memory_store_retention_period_in_hours())
            .unwrap_or(cfg.memory_retention_hours)),
        Err(e) if is_not_found(&e) => {
            anyhow::ensure!(
                cfg.create_if_missing,
                "the Timestream table {db}.{table} does not exist (set K6_TIMESTREAM_CREATE_IF_MISSING=true to create it)"
            );
            match client.describe_database().database_name(db).send().await {
                Ok(_) => {}
                Err(e) if is_not_found(&e) => {
                    tracing::info!(database = %db, "creating the Timestream database");
                    if let Err(e) = client.create_database().database_name(db).send().await
                        && e.code() != Some("ConflictException")
                    {
                        anyhow::bail!(
                            "cannot create the Timestream database {db}: {}",
                            DisplayErrorContext(&e)
                        );
                    }
                }
                Err(e) => anyhow::bail!(
                    "cannot describe the Timestream database {db}: {}",
                    DisplayErrorContext(&e)
                ),
            }
            let retention = RetentionProperties::builder()
                .memory_store_retention_period_in_hours(cfg.memory_retention_hours)
                .magnetic_store_retention_period_in_days(cfg.magnetic_retention_days)
                .build()
                .map_err(|e| anyhow::anyhow!("invalid retention settings: {e}"))?;
            tracing::info!(database = %db, table = %table, "creating the Timestream table");
            if let Err(e) = client
                .create_table()
                .database_name(db)
                .table_name(table)
                .retention_properties(retention)
                .send()
                .await
                && e.code() != Some("ConflictException")
            {
                anyhow::bail!(
                    "cannot create the Timestream table {db}.{table}: {}",
                    DisplayErrorContext(&e)
                );
            }
            Ok(cfg.memory_retention_hours)
        }
        Err(e) => {
            // Writers often may not describe; writing will tell whether the table exists.
            tracing::warn!(
                "cannot describe the Timestream table {db}.{table} ({}); assuming it exists",
                DisplayErrorContext(&e)
            );
            Ok(cfg.memory_retention_hours)
        }
    }
}

pub struct TimestreamSink {
    client: tsw::Client,
    database: String,
    table: String,
    common_attributes: bool,
    window: TimeWindow,
    /// Metered bytes and 1 KiB write units of the accepted requests.
    pub sent_bytes: AtomicU64,
    pub write_units: AtomicU64,
    pub requests: AtomicU64,
}

/// A record's texts, built once per attempt (the SDK takes owned strings).
struct Texts {
    time: String,
    values: Vec<String>,
}

fn value_text(v: f64) -> String {
    // Shortest text that reads back to the same f64.
    format!("{v}")
}

impl TimestreamSink {
    pub fn new(client: tsw::Client, cfg: &TimestreamConfig, memory_retention_hours: i64) -> Self {
        TimestreamSink {
            client,
            database: cfg.database.clone(),
            table: cfg.table.clone(),
            common_attributes: cfg.common_attributes,
            window: TimeWindow::hours(memory_retention_hours),
            sent_bytes: AtomicU64::new(0),
            write_units: AtomicU64::new(0),
            requests: AtomicU64::new(0),
        }
    }

    /// Dimensions shared (same name and value) by every record of the batch: they go into
    /// `CommonAttributes` once instead of into each record.
    fn common_dims<'a>(&self, batch: &'a [TsRecord]) -> Vec<(&'a str, &'a str)> {
        if !self.common_attributes || batch.len() < 2 {
            return Vec::new();
        }
        let mut common: Vec<(&str, &str)> =
            batch[0].dims.iter().map(|(n, v)| (&**n, &**v)).collect();
        for r in &batch[1..] {
            common.retain(|(n, v)| r.dims.iter().any(|(rn, rv)| &**rn == *n && &**rv == *v));
            if common.is_empty() {
                break;
            }
        }
        common
    }

    async fn write_records(&self, batch: &[TsRecord]) -> WriteOutcome {
        let now = now_ns();
        let common = self.common_dims(batch);
        let texts: Vec<Texts> = batch
            .iter()
            .map(|r| Texts {
                time: r.time_ns.to_string(),
                values: match &r.value {
                    TsValue::Double(v) => vec![value_text(*v)],
                    TsValue::Multi(ms) => ms.iter().map(|(_, v)| value_text(*v)).collect(),
                },
            })
            .collect();
        let mut rejected: Vec<Rejection> = Vec::new();
        let mut sent: Vec<usize> = Vec::with_capacity(batch.len());
        let mut records: Vec<Record> = Vec::with_capacity(batch.len());
        let mut bytes = 0usize;
        for (i, (r, t)) in batch.iter().zip(&texts).enumerate() {
            let own: Vec<(&str, &str)> = r
                .dims
                .iter()
                .map(|(n, v)| (&**n, &**v))
                .filter(|d| !common.contains(d))
                .collect();
            let view = RecordView {
                dims: own.clone(),
                measure_name: &r.measure_name,
                measure: match &r.value {
                    TsValue::Double(_) => MeasureView::Single(ValueView {
                        value: &t.values[0],
                        kind: "DOUBLE",
                    }),
                    TsValue::Multi(ms) => MeasureView::Multi(
                        ms.iter()
                            .zip(&t.values)
                            .map(|((n, _), v)| {
                                (
                                    &**n,
                                    ValueView {
                                        value: v,
                                        kind: "DOUBLE",
                                    },
                                )
                            })
                            .collect(),
                    ),
                },
                time_ns: Some(r.time_ns),
            };
            if let Err(reason) = validator::check_record(&common, &view, now, self.window) {
                rejected.push(Rejection {
                    index: i,
                    reason: format!("invalid record (client-side check): {reason}"),
                });
                continue;
            }
            bytes += validator::metered_size(&common, &view);
            sent.push(i);
            records.push(sdk_record(r, t, &own));
        }
        if records.is_empty() {
            return WriteOutcome::Rejected(rejected);
        }
        let mut common_rec = Record::builder().time_unit(TimeUnit::Nanoseconds);
        if !common.is_empty() {
            common_rec = common_rec
                .set_dimensions(Some(common.iter().filter_map(|(n, v)| dim(n, v)).collect()));
        }
        let result = self
            .client
            .write_records()
            .database_name(&self.database)
            .table_name(&self.table)
            .common_attributes(common_rec.build())
            .set_records(Some(records))
            .send()
            .await;
        match result {
            Ok(_) => {
                self.account(bytes);
                if rejected.is_empty() {
                    WriteOutcome::Ok
                } else {
                    WriteOutcome::Rejected(rejected)
                }
            }
            Err(e) => {
                if let Some(WriteRecordsError::RejectedRecordsException(rr)) = e.as_service_error()
                {
                    self.account(bytes);
                    for r in rr.rejected_records() {
                        let Some(&index) = usize::try_from(r.record_index())
                            .ok()
                            .and_then(|i| sent.get(i))
                        else {
                            continue;
                        };
                        let mut reason = r.reason().unwrap_or("rejected").to_string();
                        if let Some(v) = r.existing_version() {
                            reason = format!("{reason} (existing version {v})");
                        }
                        rejected.push(Rejection { index, reason });
                    }
                    return WriteOutcome::Rejected(rejected);
                }
                classify(&e)
            }
        }
    }

    fn account(&self, bytes: usize) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.sent_bytes.fetch_add(bytes as u64, Ordering::Relaxed);
        self.write_units
            .fetch_add(bytes.div_ceil(1024) as u64, Ordering::Relaxed);
    }
}

fn dim(name: &str, value: &str) -> Option<Dimension> {
    Dimension::builder().name(name).value(value).build().ok()
}

fn sdk_record(r: &TsRecord, t: &Texts, own_dims: &[(&str, &str)]) -> Record {
    let b = Record::builder()
        .set_dimensions(Some(
            own_dims.iter().filter_map(|(n, v)| dim(n, v)).collect(),
        ))
        .measure_name(&*r.measure_name)
        .time(t.time.clone());
    match &r.value {
        TsValue::Double(_) => b
            .measure_value(t.values[0].clone())
            .measure_value_type(MeasureValueType::Double),
        TsValue::Multi(ms) => b
            .measure_value_type(MeasureValueType::Multi)
            .set_measure_values(Some(
                ms.iter()
                    .zip(&t.values)
                    .filter_map(|((n, _), v)| {
                        MeasureValue::builder()
                            .name(&**n)
                            .value(v.clone())
                            .r#type(MeasureValueType::Double)
                            .build()
                            .ok()
                    })
                    .collect(),
            )),
    }
    .build()
}

/// Maps an SDK error (other than RejectedRecords) to the pool's outcome.
fn classify<E>(e: &SdkError<E, HttpResponse>) -> WriteOutcome
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match e {
        SdkError::ServiceError(se) => {
            let err = se.err();
            let code = err.code().unwrap_or("unknown error");
            let msg = err.message().unwrap_or("");
            let text = if msg.is_empty() {
                code.to_string()
            } else {
                format!("{code}: {msg}")
            };
            let status = Some(se.raw().status().as_u16());
            match code {
                "ThrottlingException"
                | "InternalServerException"
                | "ServiceUnavailable"
                | "ServiceUnavailableException"
                | "RequestTimeout"
                | "RequestTimeoutException" => WriteOutcome::Retryable(text),
                "ValidationException" => WriteOutcome::InvalidBatch(text),
                _ if status.is_some_and(|s| s >= 500 || s == 429) => WriteOutcome::Retryable(text),
                _ => WriteOutcome::Fatal(text),
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            WriteOutcome::Retryable(format!("{}", DisplayErrorContext(e)))
        }
        _ => WriteOutcome::Fatal(format!("{}", DisplayErrorContext(e))),
    }
}

impl Sink for TimestreamSink {
    type Record = TsRecord;

    async fn write(&self, batch: &[TsRecord]) -> WriteOutcome {
        self.write_records(batch).await
    }
}
