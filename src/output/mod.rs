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
use crate::metrics::threshold_board::ThresholdBoard;

pub mod json;

/// What an output knows about the run when it starts.
#[derive(Clone)]
pub struct OutputContext {
    pub registry: Arc<Registry>,
    /// Directory of the script: relative output paths are resolved from the working
    /// directory as in k6, this is only informational.
    pub test_run_id: String,
    /// The test-wide `instance_id` tag, if any: the default instance name of the outputs
    /// that record one (k6-operator's runners and the Indexed Job set it).
    pub instance_id: Option<String>,
    /// `-c` JSON config file contents, if any (outputs read their own section).
    pub config_file: Option<serde_json::Value>,
    /// Environment (system env plus nothing else; `-e` does not reach outputs in k6).
    pub env: Arc<std::collections::HashMap<String, String>>,
    /// The thresholds and their latest verdicts (empty with `--no-thresholds`, as in k6).
    pub thresholds: Arc<ThresholdBoard>,
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

/// Where an output appears in the banner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BannerEntry {
    /// Listed after `output:`.
    Output(String),
    /// A line of its own, `label: value` (k6's ` web dashboard: http://127.0.0.1:5665`).
    Line { label: &'static str, value: String },
    /// Not shown (an output the user did not ask for by name).
    Hidden,
}

pub trait Output: Send {
    /// Shown in the banner as `output: <description>`, e.g. `json (out.json)`.
    fn description(&self) -> String;
    /// How the banner shows this output: by default its description after `output:`.
    fn banner(&self) -> BannerEntry {
        BannerEntry::Output(self.description())
    }
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

pub mod clickhouse;
pub mod csv;
pub mod http_client;
pub mod influxdb;
pub mod prometheus_rw;
pub mod timescaledb;
pub mod timestream;
pub mod web_dashboard;
pub mod writer_pool;

/// `<hostname>-<pid>`: tells apart the rk6 processes writing one run (k6-operator runners).
pub fn default_instance_id() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates on success.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let host = if rc == 0 {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        String::new()
    };
    let host = if host.is_empty() {
        "rk6".to_string()
    } else {
        host
    };
    format!("{host}-{}", std::process::id())
}
