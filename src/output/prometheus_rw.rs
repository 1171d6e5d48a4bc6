//! `--out experimental-prometheus-rw`: k6's Prometheus remote-write output. Samples are
//! aggregated per series on the output thread ([`series`]); every push interval a flusher
//! thread hands each series that changed, as one encoded point, to the shared writer pool,
//! which sends them as snappy-compressed protobuf requests ([`sink`]) with retries and
//! accounting. Settings, k6's names and rk6's additions are in [`config`].
//!
//! Accounting: a sample is *written* once a point that includes it has been accepted. A point
//! that is given up on (retries exhausted) drops the samples it was the first push of, though
//! the next accepted point of the same series carries them in its running value.

pub mod config;
pub mod native_histogram;
pub mod proto;
pub mod series;
pub mod sink;

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use parking_lot::Mutex;

use crate::metrics::sample::{SampleBatch, now_ns};
use crate::output::writer_pool::{PoolReport, StopClock, WriterPool, io_runtime, stop_clock_of};
use crate::output::{Output, OutputContext, OutputReport};

pub use config::PromRwConfig;
use series::{EncodedSeries, SeriesBook};
use sink::PromRwSink;

pub const NAME: &str = "experimental-prometheus-rw";

pub struct PrometheusRwOutput {
    cfg: PromRwConfig,
    book: Arc<Mutex<SeriesBook>>,
    runtime: Option<tokio::runtime::Runtime>,
    sink: Option<Arc<PromRwSink>>,
    pool: Option<Arc<WriterPool<EncodedSeries>>>,
    flusher: Option<(Sender<()>, JoinHandle<()>)>,
    unstarted: u64,
}

impl PrometheusRwOutput {
    /// Parses the settings; no network access until [`Output::start`].
    pub fn new(arg: Option<&str>, ctx: &OutputContext) -> anyhow::Result<Self> {
        let cfg = PromRwConfig::load(arg, ctx)?;
        Ok(PrometheusRwOutput {
            book: Arc::new(Mutex::new(SeriesBook::new(
                cfg.trend_stats.clone(),
                cfg.trend_as_native_histogram,
            ))),
            cfg,
            runtime: None,
            sink: None,
            pool: None,
            flusher: None,
            unstarted: 0,
        })
    }

    pub fn config(&self) -> &PromRwConfig {
        &self.cfg
    }
}

/// Hands every changed series' point to the pool.
fn push(book: &Mutex<SeriesBook>, pool: &WriterPool<EncodedSeries>, buf: &mut Vec<EncodedSeries>) {
    book.lock().take_points(buf);
    pool.submit(buf);
}

fn flusher_loop(
    stop: Receiver<()>,
    every: Duration,
    book: Arc<Mutex<SeriesBook>>,
    pool: Arc<WriterPool<EncodedSeries>>,
) {
    let mut buf = Vec::new();
    while let Err(RecvTimeoutError::Timeout) = stop.recv_timeout(every) {
        push(&book, &pool, &mut buf);
    }
}

impl Output for PrometheusRwOutput {
    fn description(&self) -> String {
        format!("Prometheus remote write ({})", self.cfg.url)
    }

    fn start(&mut self) -> anyhow::Result<()> {
        let rt = io_runtime("prometheus-rw")?;
        let sink = {
            let _guard = rt.enter();
            Arc::new(PromRwSink::new(&self.cfg)?)
        };
        let pool = Arc::new(WriterPool::start(
            "prometheus-rw",
            sink.clone(),
            self.cfg.pool.clone(),
            rt.handle().clone(),
        )?);
        let (stop_tx, stop_rx) = crossbeam_channel::bounded(0);
        let handle = {
            let (book, pool, every) = (self.book.clone(), pool.clone(), self.cfg.push_interval);
            std::thread::Builder::new()
                .name("rk6-prometheus-rw-flush".into())
                .spawn(move || flusher_loop(stop_rx, every, book, pool))
                .map_err(|e| anyhow::anyhow!("cannot start the Prometheus flusher thread: {e}"))?
        };
        self.flusher = Some((stop_tx, handle));
        self.sink = Some(sink);
        self.pool = Some(pool);
        self.runtime = Some(rt);
        Ok(())
    }

    fn add_batch(&mut self, batch: &Arc<SampleBatch>) {
        if self.pool.is_none() {
            self.unstarted += batch.len() as u64;
            return;
        }
        let mut book = self.book.lock();
        for s in batch.iter() {
            book.add(s);
        }
    }

    fn stop_clock(&self) -> Option<Arc<dyn StopClock>> {
        stop_clock_of(self.pool.as_deref(), self.cfg.stop_timeout)
    }

    fn stop(&mut self, deadline: Duration) -> anyhow::Result<OutputReport> {
        if let Some((stop, handle)) = self.flusher.take() {
            drop(stop);
            let _ = handle.join();
        }
        let mut report = match self.pool.take() {
            Some(pool) => {
                // The last push, then (as k6) the staleness markers after it.
                let mut buf = Vec::new();
                push(&self.book, &pool, &mut buf);
                if self.cfg.stale_markers {
                    self.book
                        .lock()
                        .stale_markers(now_ns().div_euclid(1_000_000), &mut buf);
                    pool.submit(&mut buf);
                }
                let pool = Arc::try_unwrap(pool).map_err(|_| {
                    anyhow::anyhow!("the Prometheus writer pool is still shared at stop")
                })?;
                let r = pool.shutdown(deadline.min(self.cfg.stop_timeout));
                PoolReport::into_output_report(Some(r), NAME, self.unstarted)
            }
            None => PoolReport::into_output_report(None, NAME, self.unstarted),
        };
        if let Some(sink) = self.sink.take() {
            use std::sync::atomic::Ordering::Relaxed;
            let requests = sink.requests.load(Relaxed);
            let bytes = sink.sent_bytes.load(Relaxed);
            if let Some(per_request) = bytes.checked_div(requests) {
                report.notes.push(format!(
                    "{} series, {requests} remote-write requests, {bytes} bytes ({per_request} bytes per request)",
                    self.book.lock().len()
                ));
            }
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_millis(100));
        }
        Ok(report)
    }
}
