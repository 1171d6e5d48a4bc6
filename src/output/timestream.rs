//! `--out timestream[=<database>.<table>]`: samples to Amazon Timestream for LiveAnalytics.
//!
//! Records are compatible with xk6-output-timestream by default (see [`encoder`]); settings
//! and their precedence are in [`config`]; the rules Timestream enforces (and moto does not)
//! are checked client-side by [`validator`]; writing, batching, retries and accounting are the
//! shared [`crate::output::writer_pool`].

pub mod config;
pub mod encoder;
pub mod sink;
pub mod validator;

use std::sync::Arc;
use std::time::Duration;

use crate::metrics::registry::Registry;
use crate::metrics::sample::SampleBatch;
use crate::output::writer_pool::{
    PoolReport, StopClock, WriterPool, io_runtime, startup_check, stop_clock_of,
};
use crate::output::{Output, OutputContext, OutputReport};

pub use config::{RecordFormat, TimestreamConfig};
use encoder::{TsEncoder, TsRecord};
use sink::TimestreamSink;

pub struct TimestreamOutput {
    cfg: TimestreamConfig,
    env: Arc<std::collections::HashMap<String, String>>,
    registry: Arc<Registry>,
    encoder: Option<TsEncoder>,
    runtime: Option<tokio::runtime::Runtime>,
    sink: Option<Arc<TimestreamSink>>,
    pool: Option<WriterPool<TsRecord>>,
    scratch: Vec<TsRecord>,
    /// Samples received while not started (a caller bug): reported as dropped.
    unstarted: u64,
}

impl TimestreamOutput {
    /// Parses the settings; no network access until [`Output::start`].
    pub fn new(arg: Option<&str>, ctx: &OutputContext) -> anyhow::Result<Self> {
        Ok(TimestreamOutput {
            cfg: TimestreamConfig::load(arg, ctx)?,
            env: ctx.env.clone(),
            registry: ctx.registry.clone(),
            encoder: None,
            runtime: None,
            sink: None,
            pool: None,
            scratch: Vec::with_capacity(64),
            unstarted: 0,
        })
    }

    pub fn config(&self) -> &TimestreamConfig {
        &self.cfg
    }
}

impl Output for TimestreamOutput {
    fn description(&self) -> String {
        format!(
            "timestream ({}.{}, {} records)",
            self.cfg.database,
            self.cfg.table,
            self.cfg.format.as_str()
        )
    }

    fn start(&mut self) -> anyhow::Result<()> {
        let rt = io_runtime("timestream")?;
        let client = rt.block_on(sink::build_client(&self.cfg, &self.env))?;
        let what = format!(
            "checking the Timestream table {}.{}",
            self.cfg.database, self.cfg.table
        );
        // A table that is missing and cannot be created stops the run here; an endpoint that
        // does not answer in time is taken to hold the table with the configured retention,
        // as when describing it is not allowed.
        let hours = startup_check(
            &rt,
            "timestream",
            &what,
            sink::ensure_table(&client, &self.cfg),
        )
        .transpose()?
        .unwrap_or(self.cfg.memory_retention_hours);
        let sink = TimestreamSink::new(client, &self.cfg, hours);
        let sink = Arc::new(sink);
        let pool = WriterPool::start(
            "timestream",
            sink.clone(),
            self.cfg.pool.clone(),
            rt.handle().clone(),
        )?;
        self.encoder = Some(TsEncoder::new(
            self.cfg.format,
            &self.cfg.test_run_id,
            &self.cfg.instance_id,
            self.cfg.metadata_dimensions,
            self.registry.clone(),
        ));
        self.sink = Some(sink);
        self.pool = Some(pool);
        self.runtime = Some(rt);
        Ok(())
    }

    fn add_batch(&mut self, batch: &Arc<SampleBatch>) {
        let (Some(encoder), Some(pool)) = (self.encoder.as_mut(), self.pool.as_ref()) else {
            self.unstarted += batch.len() as u64;
            return;
        };
        encoder.encode(batch, &mut self.scratch, &mut |n, reason| {
            pool.reject_unencodable(n, reason)
        });
        pool.submit(&mut self.scratch);
    }

    fn stop_clock(&self) -> Option<Arc<dyn StopClock>> {
        stop_clock_of(self.pool.as_ref(), self.cfg.stop_timeout)
    }

    fn stop(&mut self, deadline: Duration) -> anyhow::Result<OutputReport> {
        let pool = self
            .pool
            .take()
            .map(|pool| pool.shutdown(deadline.min(self.cfg.stop_timeout)));
        let mut report = PoolReport::into_output_report(pool, "timestream", self.unstarted);
        if let Some(enc) = &self.encoder {
            let m = enc.meter();
            if let Some(per_req) = m.bytes_per_request() {
                report.notes.push(format!(
                    "{} records: {per_req:.0} metered bytes per HTTP request ({} requests, {} records, {} bytes)",
                    self.cfg.format.as_str(),
                    m.http_requests,
                    m.records,
                    m.bytes
                ));
            }
        }
        if let Some(sink) = &self.sink {
            use std::sync::atomic::Ordering::Relaxed;
            let requests = sink.requests.load(Relaxed);
            if requests > 0 {
                report.notes.push(format!(
                    "{requests} WriteRecords requests, {} bytes, {} write units (1 KiB each)",
                    sink.sent_bytes.load(Relaxed),
                    sink.write_units.load(Relaxed)
                ));
            }
        }
        self.sink = None;
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_millis(100));
        }
        Ok(report)
    }
}
