//! Outputs: every consumer of the sample stream besides the metrics engine.
//!
//! The metrics engine receives every [`SampleBatch`] from the VUs and hands the same `Arc`ed
//! batch to each output's own bounded queue, consumed on the output's own thread, so a slow
//! output never slows the aggregation or the VUs. Network outputs (Timestream, InfluxDB)
//! additionally share the batching/retry/accounting machinery in `writer_pool`.

use std::sync::Arc;
use std::time::Duration;

use crate::metrics::registry::Registry;
use crate::metrics::sample::SampleBatch;

pub mod json;

/// What an output knows about the run when it starts.
#[derive(Clone)]
pub struct OutputContext {
    pub registry: Arc<Registry>,
    /// Directory of the script: relative output paths are resolved from the working
    /// directory as in k6, this is only informational.
    pub test_run_id: String,
    /// `-c` JSON config file contents, if any (outputs read their own section).
    pub config_file: Option<serde_json::Value>,
    /// Environment (system env plus nothing else; `-e` does not reach outputs in k6).
    pub env: Arc<std::collections::HashMap<String, String>>,
}

/// End-of-test accounting of one output: `produced = written + rejected + dropped`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutputReport {
    pub name: String,
    pub produced: u64,
    pub written: u64,
    pub rejected: u64,
    pub dropped: u64,
    /// Human-readable extra lines for the summary (e.g. bytes per request per format).
    pub notes: Vec<String>,
}

pub trait Output: Send {
    /// Shown in the banner as `output: <description>`, e.g. `json (out.json)`.
    fn description(&self) -> String;
    /// Called once before the first batch.
    fn start(&mut self) -> anyhow::Result<()>;
    /// Called on the output's own thread for every batch, in order.
    fn add_batch(&mut self, batch: &Arc<SampleBatch>);
    /// Flushes everything within `deadline` and reports what happened to every sample.
    fn stop(&mut self, deadline: Duration) -> anyhow::Result<OutputReport>;
    /// For outputs that may wait on the network: how the runner starts their stop deadline
    /// from its own thread when the test ends, so that the whole flush (the backlog the
    /// output thread still has to hand over included) ends by then. Taken after `start`.
    fn stop_clock(&self) -> Option<Arc<dyn writer_pool::StopClock>> {
        None
    }
}

pub mod csv;
pub mod influxdb;
pub mod timestream;
pub mod writer_pool;
