//! `--out clickhouse=http://user:password@host:8123/database`: samples and thresholds in
//! MergeTree tables over ClickHouse's HTTP interface, `RowBinary` inserts on the shared
//! writer pool (batching, retries, accounting). The tables and their two layouts (current
//! servers, and old ones such as Debian's 18.16) are in [`schema`], the encoding in
//! [`row_binary`], the requests and ClickHouse's error codes in [`sink`], settings in
//! [`config`].

pub mod config;
pub mod row_binary;
pub mod schema;
pub mod sink;

use std::sync::Arc;
use std::time::Duration;

use crate::metrics::sample::SampleBatch;
use crate::metrics::threshold_board::ThresholdBoard;
use crate::output::writer_pool::{
    PoolReport, StopClock, WriterPool, io_runtime, startup_check, stop_clock_of,
};
use crate::output::{Output, OutputContext, OutputReport};

pub use config::ClickHouseConfig;
use sink::{ClickHouseSink, SampleChunk};

pub const NAME: &str = "clickhouse";

pub struct ClickHouseOutput {
    cfg: ClickHouseConfig,
    board: Arc<ThresholdBoard>,
    runtime: Option<tokio::runtime::Runtime>,
    sink: Option<Arc<ClickHouseSink>>,
    pool: Option<WriterPool<SampleChunk>>,
    thresholds_task: Option<tokio::task::JoinHandle<()>>,
    scratch: Vec<SampleChunk>,
    unstarted: u64,
}

impl ClickHouseOutput {
    /// Parses the settings; no network access until [`Output::start`].
    pub fn new(arg: Option<&str>, ctx: &OutputContext) -> anyhow::Result<Self> {
        Ok(ClickHouseOutput {
            cfg: ClickHouseConfig::load(arg, ctx)?,
            board: ctx.thresholds.clone(),
            runtime: None,
            sink: None,
            pool: None,
            thresholds_task: None,
            scratch: Vec::with_capacity(1),
            unstarted: 0,
        })
    }

    pub fn config(&self) -> &ClickHouseConfig {
        &self.cfg
    }
}

impl Output for ClickHouseOutput {
    fn description(&self) -> String {
        format!(
            "ClickHouse ({}, {}.{})",
            self.cfg.addr, self.cfg.db, self.cfg.table
        )
    }

    fn start(&mut self) -> anyhow::Result<()> {
        let rt = io_runtime("clickhouse")?;
        let sink = {
            let _guard = rt.enter();
            Arc::new(ClickHouseSink::new(&self.cfg, self.board.clone())?)
        };
        // Set the schema up (and write the thresholds) now when the server is there; when it
        // is not, the first write that reaches it does.
        let what = format!("setting up the tables at {}", self.cfg.addr);
        if let Some(Err(outcome)) = startup_check(&rt, NAME, &what, sink.write_thresholds(true)) {
            tracing::warn!(
                "ClickHouse at {}: setting up the tables failed for now: {outcome:?}",
                self.cfg.addr
            );
        }
        let pool = WriterPool::start(
            NAME,
            sink.clone(),
            self.cfg.pool.clone(),
            rt.handle().clone(),
        )?;
        if !self.board.is_empty() {
            let (sink, every) = (sink.clone(), self.cfg.pool.flush_interval);
            self.thresholds_task = Some(rt.spawn(async move {
                let mut tick = tokio::time::interval(every.max(Duration::from_millis(100)));
                loop {
                    tick.tick().await;
                    if let Err(e) = sink.write_thresholds(false).await {
                        tracing::debug!("ClickHouse: writing threshold state failed: {e:?}");
                    }
                }
            }));
        }
        self.sink = Some(sink);
        self.pool = Some(pool);
        self.runtime = Some(rt);
        Ok(())
    }

    fn add_batch(&mut self, batch: &Arc<SampleBatch>) {
        let Some(pool) = self.pool.as_ref() else {
            self.unstarted += batch.len() as u64;
            return;
        };
        if batch.is_empty() {
            return;
        }
        self.scratch.push(SampleChunk(batch.clone()));
        pool.submit(&mut self.scratch);
    }

    fn stop_clock(&self) -> Option<Arc<dyn StopClock>> {
        stop_clock_of(self.pool.as_ref(), self.cfg.stop_timeout)
    }

    fn stop(&mut self, deadline: Duration) -> anyhow::Result<OutputReport> {
        let deadline = deadline.min(self.cfg.stop_timeout);
        let started = std::time::Instant::now();
        let pool = self.pool.take().map(|pool| pool.shutdown(deadline));
        let mut report = PoolReport::into_output_report(pool, NAME, self.unstarted);
        if let Some(task) = self.thresholds_task.take() {
            task.abort();
        }
        if let (Some(rt), Some(sink)) = (&self.runtime, self.sink.take()) {
            if !self.board.is_empty() {
                let left = deadline
                    .saturating_sub(started.elapsed())
                    .max(Duration::from_secs(1));
                let wrote = rt.block_on(async {
                    tokio::time::timeout(left, sink.write_thresholds(true)).await
                });
                match wrote {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => report
                        .notes
                        .push(format!("threshold state not written: {e:?}")),
                    Err(_) => report
                        .notes
                        .push("threshold state not written before the deadline".into()),
                }
            }
            use std::sync::atomic::Ordering::Relaxed;
            let requests = sink.requests.load(Relaxed);
            let bytes = sink.sent_bytes.load(Relaxed);
            if let Some(per_request) = bytes.checked_div(requests) {
                report.notes.push(format!(
                    "{requests} inserts, {bytes} RowBinary bytes ({per_request} bytes per request)"
                ));
            }
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_millis(100));
        }
        Ok(report)
    }
}
