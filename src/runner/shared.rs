//! The state every VU of a run shares (`RunShared`): options, metrics registry, sample
//! channel, environment, files read by the init code. Built twice per run: once to read the
//! script's options, once for the test itself.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crossbeam_channel::Sender;
use parking_lot::Mutex;

use super::{RunError, RunRequest};
use crate::http::transport::TransportConfig;
use crate::js::runtime::{AbortReason, ExecutionCounters, RunShared, SystemTags};
use crate::metrics::registry::{BuiltinMetrics, Registry};
use crate::metrics::sample::SampleBatch;
use crate::options::Options;

pub(super) fn system_env(
    include: bool,
    env: &HashMap<String, String>,
    script_env: &BTreeMap<String, String>,
    archived: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let mut out = archived.cloned().unwrap_or_default();
    if include {
        for (k, v) in env {
            out.insert(k.clone(), v.clone());
        }
    }
    for (k, v) in script_env {
        out.insert(k.clone(), v.clone());
    }
    out
}

/// Builds a `RunShared` for a given registry/options (used twice: once to read the script's
/// options, once for the real run).
#[allow(clippy::too_many_arguments)]
pub(super) fn make_shared(
    req: &RunRequest,
    options: Arc<Options>,
    registry: Arc<Registry>,
    samples: Sender<SampleBatch>,
    abort_tx: Sender<AbortReason>,
    tokio: tokio::runtime::Handle,
    files: HashMap<PathBuf, Arc<[u8]>>,
    sources: HashMap<PathBuf, Arc<str>>,
) -> Result<Arc<RunShared>, RunError> {
    let builtin =
        BuiltinMetrics::register(&registry).map_err(|e| RunError::config(e.to_string()))?;
    let script_path = std::fs::canonicalize(&req.script).unwrap_or_else(|_| req.script.clone());
    let script_dir = script_path
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_else(|| PathBuf::from("."));
    let global_tags: Vec<(Arc<str>, Arc<str>)> = options
        .tags
        .iter()
        .map(|(k, v)| (Arc::from(k.as_str()), Arc::from(v.as_str())))
        .collect();
    let http_config = TransportConfig::new(&options).map_err(RunError::config)?;
    Ok(Arc::new(RunShared {
        registry,
        builtin,
        samples,
        env: system_env(
            req.include_system_env,
            &req.env,
            &req.script_env,
            req.archive.as_ref().and_then(|a| a.metadata.env.as_ref()),
        ),
        archive: req.archive.clone(),
        script_path,
        script_dir,
        tokio,
        counters: ExecutionCounters::default(),
        abort: Mutex::new(None),
        abort_tx,
        stop_all: Arc::new(AtomicBool::new(false)),
        test_start: Mutex::new(None),
        files: Mutex::new(files),
        sources: Mutex::new(sources),
        module_info: Mutex::new(HashMap::new()),
        system_tags: SystemTags::from_option(options.system_tags.as_deref()),
        global_tags,
        shared_arrays: Mutex::new(HashMap::new()),
        quiet: req.quiet,
        http_config,
        options,
    }))
}
