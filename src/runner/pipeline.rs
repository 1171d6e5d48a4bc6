//! The metrics pipeline: one thread ingests every sample into the metrics engine (summary,
//! thresholds, REST API snapshots) and hands it on to the outputs, each on its own thread
//! behind a bounded queue, so that no output can stall the VUs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded, unbounded};

use super::{RunError, exit};
use crate::js::console;
use crate::js::runtime::{AbortReason, RunShared};
use crate::metrics::engine::MetricsEngine;
use crate::metrics::sample::SampleBatch;
use crate::metrics::summary::SummaryOptions;
use crate::output::{Output, OutputContext, OutputReport};

/// What the metrics pipeline thread gives back at the end.
pub(super) struct PipelineResult {
    pub(super) engine: MetricsEngine,
    pub(super) reports: Vec<OutputReport>,
}

/// An output running on its own thread behind a queue bounded in samples. The metrics thread
/// never waits for an output (that would stall every VU behind it): what does not fit while an
/// output is `OUTPUT_QUEUE_SAMPLES` samples behind is counted as dropped for that output.
pub(super) struct OutputWorker {
    tx: Option<Sender<Arc<SampleBatch>>>,
    handle: std::thread::JoinHandle<anyhow::Result<OutputReport>>,
    /// Samples handed over and not yet consumed by the output thread.
    queued: Arc<AtomicUsize>,
    /// Samples not handed over because the queue was full.
    overflow: u64,
    /// The output's own stop clock (network outputs), started when the test ends.
    clock: Option<Arc<dyn crate::output::writer_pool::StopClock>>,
    /// When the output has to be done, set when the test ends; the output thread drops what
    /// is still queued for it after that.
    deadline: Arc<std::sync::OnceLock<Instant>>,
    /// How long after the end of the test the output may take at most.
    stop_timeout: Duration,
}

/// About 50 MB of samples per output: absorbs bursts far above what a network sink writes
/// per second while its own bounded queue and retries catch up.
const OUTPUT_QUEUE_SAMPLES: usize = 1_000_000;

impl OutputWorker {
    fn send(&mut self, batch: &Arc<SampleBatch>) {
        let Some(tx) = &self.tx else { return };
        let n = batch.len();
        if self.queued.load(Ordering::Acquire) + n > OUTPUT_QUEUE_SAMPLES {
            self.overflow += n as u64;
            return;
        }
        self.queued.fetch_add(n, Ordering::AcqRel);
        if tx.send(batch.clone()).is_err() {
            // The output thread has ended (it failed); its report says why.
            self.queued.fetch_sub(n, Ordering::AcqRel);
        }
    }

    /// The test ended: the stop deadline starts now, for everything the output still has to
    /// do; then the output thread sees the end of its queue.
    fn begin_stop(&mut self) {
        let cap = Instant::now() + self.stop_timeout;
        let deadline = self.clock.as_ref().map_or(cap, |c| c.start(cap));
        let _ = self.deadline.set(deadline);
        self.tx = None;
    }

    fn finish(mut self) -> Option<OutputReport> {
        self.begin_stop();
        let mut report = match self.handle.join() {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                console::error(&format!("output failed: {e:#}"));
                return None;
            }
            Err(_) => {
                console::error("an output crashed");
                return None;
            }
        };
        if self.overflow > 0 {
            report.produced += self.overflow;
            report.dropped += self.overflow;
            report.notes.push(format!(
                "dropped {}: the output fell more than {OUTPUT_QUEUE_SAMPLES} samples behind",
                self.overflow
            ));
        }
        Some(report)
    }
}

pub(super) fn start_output(
    mut out: Box<dyn Output>,
    stop_timeout: Duration,
) -> anyhow::Result<OutputWorker> {
    out.start()?;
    let clock = out.stop_clock();
    let (tx, rx) = unbounded::<Arc<SampleBatch>>();
    let queued = Arc::new(AtomicUsize::new(0));
    let consumed = queued.clone();
    let deadline = Arc::new(std::sync::OnceLock::<Instant>::new());
    let stop_at = deadline.clone();
    let handle = std::thread::Builder::new()
        .name("output".into())
        .spawn(move || {
            let mut late = 0u64;
            while let Ok(b) = rx.recv() {
                if stop_at.get().is_some_and(|d| Instant::now() >= *d) {
                    late += b.len() as u64;
                } else {
                    out.add_batch(&b);
                }
                consumed.fetch_sub(b.len(), Ordering::AcqRel);
            }
            let left = stop_at.get().map_or(stop_timeout, |d| {
                d.saturating_duration_since(Instant::now())
            });
            let mut report = out.stop(left)?;
            if late > 0 {
                report.produced += late;
                report.dropped += late;
                report.notes.push(format!(
                    "dropped {late}: still queued for the output at the stop deadline"
                ));
            }
            Ok(report)
        })?;
    Ok(OutputWorker {
        tx: Some(tx),
        handle,
        queued,
        overflow: 0,
        clock,
        deadline,
        stop_timeout,
    })
}

/// What the metrics thread listens to: samples from the VUs, the end-of-test signal, and
/// snapshot requests from the REST API.
struct PipelineInputs {
    samples: Receiver<SampleBatch>,
    /// The test's duration, once every VU is done.
    finish: Receiver<Duration>,
    queries: Receiver<crate::api::MetricsQuery>,
    /// With --coordinator and `abortOnFail`: the whole test's live judgement.
    live: Option<crate::distributed::live::LiveHook>,
}

fn spawn_pipeline(
    mut engine: MetricsEngine,
    inputs: PipelineInputs,
    mut outputs: Vec<OutputWorker>,
    shared: Arc<RunShared>,
    evaluate: bool,
    summary_opts: SummaryOptions,
) -> std::thread::JoinHandle<PipelineResult> {
    let PipelineInputs {
        samples: rx,
        finish,
        queries,
        live,
    } = inputs;
    std::thread::Builder::new()
        .name("metrics".into())
        .spawn(move || {
            let tick = crossbeam_channel::tick(Duration::from_secs(2));
            // The whole test's abortOnFail is judged every second, so that the instances
            // hear of an abort within about a second of the coordinator.
            let live_tick = match &live {
                Some(_) => crossbeam_channel::tick(Duration::from_secs(1)),
                None => crossbeam_channel::never(),
            };
            let start = Instant::now();
            let deliver =
                |engine: &mut MetricsEngine, outputs: &mut [OutputWorker], batch: SampleBatch| {
                    engine.ingest(&batch);
                    if !outputs.is_empty() {
                        let shared_batch = Arc::new(batch);
                        for o in outputs.iter_mut() {
                            o.send(&shared_batch);
                        }
                    }
                };
            loop {
                crossbeam_channel::select! {
                    recv(rx) -> msg => match msg {
                        Ok(batch) => deliver(&mut engine, &mut outputs, batch),
                        Err(_) => break,
                    },
                    recv(finish) -> elapsed => {
                        while let Ok(batch) = rx.try_recv() {
                            deliver(&mut engine, &mut outputs, batch);
                        }
                        // k6 finalizes the thresholds before it stops the outputs, so the
                        // outputs that write threshold state flush the final verdicts.
                        if evaluate && let Ok(elapsed) = elapsed {
                            engine.evaluate_thresholds_final(elapsed);
                        }
                        break;
                    },
                    recv(queries) -> q => {
                        if let Ok(reply) = q
                            && let Ok(snapshot) = engine.summary(start.elapsed(), &summary_opts)
                        {
                            let _ = reply.send(snapshot);
                        }
                    },
                    recv(tick) -> _ => {
                        if evaluate {
                            let v = engine.evaluate_thresholds(start.elapsed());
                            // Split over coordinated instances, the whole test decides.
                            if let Some(msg) = v.abort
                                && live.is_none()
                            {
                                console::error(&msg);
                                shared.request_abort(AbortReason::Threshold(msg));
                            }
                        }
                    }
                    recv(live_tick) -> _ => {
                        if let Some(hook) = &live
                            && let Some(msg) = hook.tick(&engine, start.elapsed())
                            && !shared.aborted()
                        {
                            console::error(&msg);
                            shared.request_abort(AbortReason::Threshold(msg));
                        }
                    }
                }
            }
            // Every output's stop clock starts now, at the end of the test.
            for o in &mut outputs {
                o.begin_stop();
            }
            let reports = outputs
                .into_iter()
                .filter_map(OutputWorker::finish)
                .collect();
            PipelineResult { engine, reports }
        })
        .expect("spawning the metrics thread")
}

/// The running pipeline, as the run sees it.
pub(super) struct MetricsPipeline {
    finish: Sender<Duration>,
    thread: std::thread::JoinHandle<PipelineResult>,
    /// Snapshot requests (the REST API's). Held for the whole run: the pipeline thread
    /// listens on this channel until the test ends.
    pub(super) queries: Sender<crate::api::MetricsQuery>,
}

impl MetricsPipeline {
    /// Starts the metrics thread on the VUs' `samples`, with `outputs` already started;
    /// `evaluate` is false under `--no-thresholds`.
    pub(super) fn spawn(
        engine: MetricsEngine,
        samples: Receiver<SampleBatch>,
        outputs: Vec<OutputWorker>,
        shared: Arc<RunShared>,
        evaluate: bool,
        summary_opts: SummaryOptions,
        live: Option<crate::distributed::live::LiveHook>,
    ) -> MetricsPipeline {
        let (finish, finish_rx) = bounded::<Duration>(1);
        let (queries, queries_rx) = unbounded::<crate::api::MetricsQuery>();
        let inputs = PipelineInputs {
            samples,
            finish: finish_rx,
            queries: queries_rx,
            live,
        };
        let thread = spawn_pipeline(engine, inputs, outputs, shared, evaluate, summary_opts);
        MetricsPipeline {
            finish,
            thread,
            queries,
        }
    }

    /// Drains the pipeline once the test has ended after `elapsed`, and stops the outputs.
    /// Every VU reported its activation done after sending its samples, so everything sent
    /// so far is ahead of this finish signal in the channel order.
    pub(super) fn finish(self, elapsed: Duration) -> Result<PipelineResult, RunError> {
        let MetricsPipeline {
            finish,
            thread,
            queries: _queries,
        } = self;
        let _ = finish.send(elapsed);
        thread.join().map_err(|_| RunError {
            code: 103,
            message: "the metrics pipeline crashed".into(),
            hint: None,
        })
    }
}

/// k6 exits 255 when an output cannot be created or started.
pub(super) fn output_error(message: String) -> RunError {
    RunError {
        code: exit::GENERIC_ERROR,
        message,
        hint: None,
    }
}

pub(super) fn make_outputs(
    specs: &[String],
    ctx: &OutputContext,
) -> Result<Vec<Box<dyn Output>>, RunError> {
    let mut outs: Vec<Box<dyn Output>> = Vec::new();
    for spec in specs {
        let (kind, arg) = match spec.split_once('=') {
            Some((k, a)) => (k, Some(a)),
            None => (spec.as_str(), None),
        };
        let out: anyhow::Result<Box<dyn Output>> = match kind {
            "json" => crate::output::json::JsonOutput::new(arg, ctx).map(|o| Box::new(o) as _),
            "csv" => crate::output::csv::CsvOutput::new(arg, ctx).map(|o| Box::new(o) as _),
            "influxdb" => {
                crate::output::influxdb::InfluxDbOutput::new(arg, ctx).map(|o| Box::new(o) as _)
            }
            "timestream" => {
                crate::output::timestream::TimestreamOutput::new(arg, ctx).map(|o| Box::new(o) as _)
            }
            crate::output::clickhouse::NAME => {
                crate::output::clickhouse::ClickHouseOutput::new(arg, ctx).map(|o| Box::new(o) as _)
            }
            crate::output::timescaledb::NAME => {
                crate::output::timescaledb::TimescaleDbOutput::new(arg, ctx)
                    .map(|o| Box::new(o) as _)
            }
            crate::output::prometheus_rw::NAME => {
                crate::output::prometheus_rw::PrometheusRwOutput::new(arg, ctx)
                    .map(|o| Box::new(o) as _)
            }
            crate::output::web_dashboard::NAME => {
                crate::output::web_dashboard::WebDashboard::new(arg, ctx).map(|o| Box::new(o) as _)
            }
            other => {
                return Err(output_error(format!(
                    "invalid output type '{other}', available types are: clickhouse, csv, experimental-prometheus-rw, influxdb, json, timescaledb, timestream, web-dashboard"
                )));
            }
        };
        outs.push(
            out.map_err(|e| output_error(format!("could not create the '{kind}' output: {e:#}")))?,
        );
    }
    Ok(outs)
}

/// Every sample an output was given is accounted for at the end: `produced = written +
/// rejected + dropped`. Outputs that lost samples, or that have something to say (network
/// outputs report their write volume), print it; a loss is a warning that names its reasons.
pub(super) fn print_output_report(r: &OutputReport) {
    if r.dropped == 0 && r.rejected == 0 && r.notes.is_empty() {
        return;
    }
    let line = format!(
        "output {}: {} samples produced, {} written, {} rejected, {} dropped",
        r.name, r.produced, r.written, r.rejected, r.dropped
    );
    let level = if r.dropped > 0 || r.rejected > 0 {
        console::Level::Warn
    } else {
        console::Level::Info
    };
    if r.notes.is_empty() {
        console::log(level, &line, &[]);
    } else {
        console::log(level, &format!("{line} ({})", r.notes.join("; ")), &[]);
    }
}
