//! `--out influxdb=http://host:8086/db`: samples to InfluxDB 1.x (or 2.x / Timestream for
//! InfluxDB through `/api/v2/write`) in k6's layout, so dashboards built for k6's InfluxDB
//! output work unchanged. Settings are in [`config`], the layout and escaping in
//! [`line_protocol`]; batching, retries and accounting are the shared writer pool.

pub mod config;
pub mod line_protocol;
pub mod sink;

use std::sync::Arc;
use std::time::Duration;

use crate::metrics::sample::SampleBatch;
use crate::output::writer_pool::{
    PoolReport, StopClock, WriterPool, io_runtime, startup_check, stop_clock_of,
};
use crate::output::{Output, OutputContext, OutputReport};

pub use config::{ApiVersion, InfluxConfig};
use line_protocol::{InfluxLine, LineEncoder};
use sink::InfluxSink;

pub struct InfluxDbOutput {
    cfg: InfluxConfig,
    encoder: LineEncoder,
    runtime: Option<tokio::runtime::Runtime>,
    pool: Option<WriterPool<InfluxLine>>,
    scratch: Vec<InfluxLine>,
    unstarted: u64,
}

impl InfluxDbOutput {
    /// Parses the settings; no network access until [`Output::start`].
    pub fn new(arg: Option<&str>, ctx: &OutputContext) -> anyhow::Result<Self> {
        let cfg = InfluxConfig::load(arg, ctx)?;
        Ok(InfluxDbOutput {
            encoder: LineEncoder::new(cfg.tags_as_fields.clone(), cfg.precision),
            cfg,
            runtime: None,
            pool: None,
            scratch: Vec::with_capacity(64),
            unstarted: 0,
        })
    }

    pub fn config(&self) -> &InfluxConfig {
        &self.cfg
    }
}

impl Output for InfluxDbOutput {
    fn description(&self) -> String {
        match self.cfg.api() {
            ApiVersion::V1 => format!("InfluxDBv1 ({})", self.cfg.addr),
            ApiVersion::V2 => format!("InfluxDBv2 ({})", self.cfg.addr),
        }
    }

    fn start(&mut self) -> anyhow::Result<()> {
        let rt = io_runtime("influxdb")?;
        let sink = {
            let _guard = rt.enter();
            InfluxSink::new(&self.cfg)?
        };
        if self.cfg.api() == ApiVersion::V1 {
            // As k6: create the database, and only warn when that fails (the server may be
            // down for now, or the user may not be allowed to create databases).
            let what = format!(
                "creating the database {:?} at {}",
                self.cfg.db, self.cfg.addr
            );
            if let Some(Err(e)) =
                startup_check(&rt, "influxdb", &what, sink.create_database(&self.cfg))
            {
                tracing::warn!(
                    "InfluxDB: could not create the database {:?} at {}: {e}",
                    self.cfg.db,
                    self.cfg.addr
                );
            }
        }
        let pool = WriterPool::start(
            "influxdb",
            Arc::new(sink),
            self.cfg.pool.clone(),
            rt.handle().clone(),
        )?;
        self.pool = Some(pool);
        self.runtime = Some(rt);
        Ok(())
    }

    fn add_batch(&mut self, batch: &Arc<SampleBatch>) {
        let Some(pool) = self.pool.as_ref() else {
            self.unstarted += batch.len() as u64;
            return;
        };
        self.encoder
            .encode(batch, &mut self.scratch, &mut |n, reason| {
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
        let report = PoolReport::into_output_report(pool, "influxdb", self.unstarted);
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_millis(100));
        }
        Ok(report)
    }
}
