//! `rk6 run`: the lifecycle of a test run, in k6's order — read options, initialise VUs, run
//! setup, run the scenarios, run teardown, evaluate thresholds, write the summary — with k6's
//! exit codes.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded, unbounded};
use parking_lot::Mutex;

use crate::executor::control::{ExecutionStatus, RunControl};
use crate::executor::{RunEnv, ScenarioSet, VuPool};
use crate::http::transport::TransportConfig;
use crate::js::console;
use crate::js::runtime::{AbortReason, ExecutionCounters, Phase, RunShared, SystemTags};
use crate::js::setup_data::ERROR_PREFIX as SETUP_DATA_ERROR;
use crate::js::vu::{ScriptError, SummaryFiles, Vu};
use crate::metrics::engine::MetricsEngine;
use crate::metrics::registry::{BuiltinMetrics, Registry, ThresholdIndex};
use crate::metrics::sample::{Sample, SampleBatch, TagSet, now_ns};
use crate::metrics::summary::SummaryOptions;
use crate::metrics::threshold_board::ThresholdBoard;
use crate::metrics::thresholds::ThresholdsConfig;
use crate::options::{Layer, Options, apply_layer};
use crate::output::{Output, OutputContext, OutputReport};

/// k6's exit codes.
pub mod exit {
    pub const OK: i32 = 0;
    pub const THRESHOLDS_FAILED: i32 = 99;
    pub const SETUP_TIMEOUT: i32 = 100;
    pub const TEARDOWN_TIMEOUT: i32 = 101;
    pub const STOPPED_FROM_API: i32 = 103;
    pub const INVALID_CONFIG: i32 = 104;
    pub const EXTERNAL_ABORT: i32 = 105;
    pub const CANNOT_START_REST_API: i32 = 106;
    pub const SCRIPT_EXCEPTION: i32 = 107;
    pub const SCRIPT_ABORTED: i32 = 108;
    pub const MARKED_AS_FAILED: i32 = 110;
    pub const INVALID_TREND_STAT: i32 = 255;
    /// Errors without a specific code (Go's `os.Exit(-1)`).
    pub const GENERIC_ERROR: i32 = 255;
}

/// Everything `rk6 run` was asked to do, from the command line and environment.
pub struct RunRequest {
    pub script: PathBuf,
    /// Options from flags (highest precedence).
    pub cli_layer: Layer,
    /// `-c` config file contents.
    pub config_file: Option<serde_json::Value>,
    pub env: HashMap<String, String>,
    /// `-e K=V`.
    pub script_env: BTreeMap<String, String>,
    pub include_system_env: bool,
    pub outputs: Vec<String>,
    pub summary_export: Option<PathBuf>,
    pub no_summary: bool,
    pub no_thresholds: bool,
    pub quiet: bool,
    pub summary_mode: String,
    pub address: Option<String>,
    /// `--address` was given: k6 exits 106 when it cannot listen there (it only warns
    /// about its default address).
    pub address_explicit: bool,
    pub verbose: bool,
    pub no_color: bool,
    /// `--linger`: after the test, keep the REST API up until SIGINT/SIGTERM.
    pub linger: bool,
    /// The test archive `script` turned out to be (then `script` is the archived script).
    pub archive: Option<Arc<crate::archive::Archive>>,
    /// `--snapshot-out`: where to write this instance's mergeable metrics snapshot.
    pub snapshot_out: Option<PathBuf>,
    /// `--start-at`: the wall-clock moment to start at, once the VUs are initialised.
    pub start_at: Option<std::time::SystemTime>,
    /// `--coordinator`: the REST API (`host:port`) of the instance that keeps the start
    /// barrier of a split test (the one whose segment starts at 0).
    pub coordinator: Option<String>,
    /// `--coordinator-timeout`: how long to wait for every instance to be ready.
    pub coordinator_timeout: Duration,
}

impl RunRequest {
    /// When `script` is a test archive (k6's or rk6's), the request to run what it holds: the
    /// archived script, read from the archive's files, with the archive's options as the
    /// script's and its environment under the system's and `-e`'s, as k6 runs archives.
    pub fn open_archive(mut self) -> Result<RunRequest, RunError> {
        let Ok(bytes) = std::fs::read(&self.script) else {
            return Ok(self);
        };
        if !crate::archive::is_archive(&bytes) {
            return Ok(self);
        }
        let archive = crate::archive::Archive::read(&bytes).map_err(|e| RunError {
            code: exit::GENERIC_ERROR,
            message: format!(
                "could not initialize '{}': could not load test archive bundle 'file://{}': {e}",
                self.script.display(),
                std::fs::canonicalize(&self.script)
                    .unwrap_or_else(|_| self.script.clone())
                    .display()
            ),
            hint: None,
        })?;
        if archive.metadata.kind != "js" {
            return Err(RunError::config(format!(
                "archive '{}' has an unsupported test type '{}'",
                self.script.display(),
                archive.metadata.kind
            )));
        }
        self.script = archive.script_key();
        self.archive = Some(Arc::new(archive));
        Ok(self)
    }
}

/// An error that ends `rk6 run` with a k6 exit code.
#[derive(Debug)]
pub struct RunError {
    pub code: i32,
    pub message: String,
    pub hint: Option<&'static str>,
}

impl RunError {
    fn config(msg: impl Into<String>) -> Self {
        RunError {
            code: exit::INVALID_CONFIG,
            message: msg.into(),
            hint: None,
        }
    }
    fn script(e: ScriptError) -> Self {
        RunError {
            code: exit::SCRIPT_EXCEPTION,
            message: e.message,
            hint: Some("script exception"),
        }
    }
}

/// A thread owning VU 0, which reads options and runs setup/teardown/handleSummary.
struct LifecycleVu {
    tx: Sender<LifecycleCall>,
    signal: Arc<crate::js::interrupt::VuSignal>,
}

enum LifecycleCall {
    Function {
        name: &'static str,
        phase: Phase,
        arg: Option<serde_json::Value>,
        reply: Sender<Result<Option<serde_json::Value>, ScriptError>>,
    },
    HandleSummary {
        data: serde_json::Value,
        reply: Sender<Result<Option<SummaryFiles>, ScriptError>>,
    },
    /// Which of `names` the script exports as functions, and whether it exports any.
    Exports {
        names: Vec<String>,
        reply: Sender<(Vec<String>, bool)>,
    },
}

impl LifecycleVu {
    fn start(
        shared: Arc<RunShared>,
    ) -> Result<(LifecycleVu, Arc<crate::js::interrupt::VuSignal>), ScriptError> {
        let (tx, rx) = unbounded::<LifecycleCall>();
        let (ready_tx, ready_rx) = bounded(1);
        std::thread::Builder::new()
            .name("vu-0".into())
            .stack_size(8 * 1024 * 1024)
            .spawn(move || {
                let mut vu = match Vu::new(shared, 0) {
                    Ok(v) => v,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(vu.state.borrow().signal.clone()));
                while let Ok(call) = rx.recv() {
                    match call {
                        LifecycleCall::Function {
                            name,
                            phase,
                            arg,
                            reply,
                        } => {
                            let _ = reply.send(vu.call_lifecycle(name, phase, arg.as_ref()));
                        }
                        LifecycleCall::HandleSummary { data, reply } => {
                            let _ = reply.send(vu.call_handle_summary(&data));
                        }
                        LifecycleCall::Exports { names, reply } => {
                            let found = names.into_iter().filter(|n| vu.has_function(n)).collect();
                            let _ = reply.send((found, vu.exports_any_function()));
                        }
                    }
                }
            })
            .map_err(|e| ScriptError {
                message: format!("cannot start the setup VU thread: {e}"),
                interrupted: false,
            })?;
        match ready_rx.recv() {
            Ok(Ok(signal)) => Ok((
                LifecycleVu {
                    tx,
                    signal: signal.clone(),
                },
                signal,
            )),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(ScriptError {
                message: "the setup VU failed to start".into(),
                interrupted: false,
            }),
        }
    }

    /// Calls a lifecycle function with a timeout; `Err(None)` is a timeout.
    fn call(
        &self,
        name: &'static str,
        phase: Phase,
        arg: Option<serde_json::Value>,
        timeout: Duration,
    ) -> Result<Option<serde_json::Value>, Option<ScriptError>> {
        let (reply, rx) = bounded(1);
        let _ = self.tx.send(LifecycleCall::Function {
            name,
            phase,
            arg,
            reply,
        });
        match rx.recv_timeout(timeout) {
            Ok(r) => r.map_err(Some),
            Err(_) => {
                // Interrupt the function, as k6 cancels its context, and give it a moment to
                // end so that the samples k6 still emits for it (data_sent/data_received)
                // are not lost.
                self.signal.cancel();
                let _ = rx.recv_timeout(Duration::from_secs(2));
                Err(None)
            }
        }
    }

    fn handle_summary(
        &self,
        data: serde_json::Value,
        timeout: Duration,
    ) -> Result<Option<SummaryFiles>, Option<ScriptError>> {
        let (reply, rx) = bounded(1);
        let _ = self.tx.send(LifecycleCall::HandleSummary { data, reply });
        match rx.recv_timeout(timeout) {
            Ok(r) => r.map_err(Some),
            Err(_) => {
                // Stops a handleSummary that spins in script code (the engine reads the flag).
                self.signal.cancel();
                Err(None)
            }
        }
    }

    fn exports(&self, names: Vec<String>) -> (Vec<String>, bool) {
        let (reply, rx) = bounded(1);
        let _ = self.tx.send(LifecycleCall::Exports { names, reply });
        rx.recv_timeout(Duration::from_secs(30))
            .unwrap_or((Vec::new(), true))
    }
}

fn system_env(
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
fn make_shared(
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

type SharedArrays = HashMap<String, Arc<crate::js::modules::data::Slot>>;

/// What evaluating the script once for its options leaves behind for the real run: the files
/// and sources it read and the SharedArrays it built, so none of them is read or built twice.
struct ScriptPreload {
    options: Option<serde_json::Value>,
    files: HashMap<PathBuf, Arc<[u8]>>,
    sources: HashMap<PathBuf, Arc<str>>,
    shared_arrays: SharedArrays,
}

/// Reads the script's exported options by evaluating it once in a throwaway VU, as k6 does.
fn read_script_options(
    req: &RunRequest,
    tokio: tokio::runtime::Handle,
) -> Result<ScriptPreload, RunError> {
    let options = Arc::new(Options::from_raw(Layer::new()).map_err(|e| RunError::config(e.0))?);
    let registry = Arc::new(Registry::new(ThresholdIndex::default()));
    let (tx, _rx) = unbounded();
    let (abort_tx, _abort_rx) = unbounded();
    let shared = make_shared(
        req,
        options,
        registry,
        tx,
        abort_tx,
        tokio,
        HashMap::new(),
        HashMap::new(),
    )?;
    let shared2 = shared.clone();
    let result = std::thread::Builder::new()
        .name("options".into())
        .stack_size(8 * 1024 * 1024)
        .spawn(move || -> Result<Option<serde_json::Value>, ScriptError> {
            let mut vu = Vu::new(shared2, 0)?;
            vu.options_json()
        })
        .map_err(|e| RunError::config(format!("cannot start a thread: {e}")))?
        .join()
        .map_err(|_| RunError {
            code: exit::SCRIPT_EXCEPTION,
            message: "the script's init code crashed the engine".into(),
            hint: None,
        })?;
    let opts = match result {
        // k6 runs an archive with the options it recorded, not the script's.
        Ok(_) if req.archive.is_some() => req.archive.as_ref().map(|a| a.metadata.options.clone()),
        Ok(o) => o,
        // exec.test.abort() in the init code: already reported, exit 108.
        Err(_) if matches!(*shared.abort.lock(), Some(AbortReason::ScriptAbort(_))) => {
            return Err(RunError {
                code: exit::SCRIPT_ABORTED,
                message: String::new(),
                hint: None,
            });
        }
        Err(e) => return Err(RunError::script(e)),
    };
    let files = shared.files.lock().clone();
    let sources = shared.sources.lock().clone();
    // SharedArrays built while reading options are kept, so their functions run once per test.
    let shared_arrays = shared.shared_arrays.lock().clone();
    Ok(ScriptPreload {
        options: opts,
        files,
        sources,
        shared_arrays,
    })
}

/// Consolidates options: config file < script < env < flags.
pub fn consolidate(
    req: &RunRequest,
    script_options: Option<serde_json::Value>,
) -> Result<Options, RunError> {
    let mut merged = Layer::new();
    if let Some(serde_json::Value::Object(file)) = &req.config_file {
        let mut file = file.clone();
        file.remove("collectors");
        file.remove("ext");
        apply_layer(&mut merged, &file);
    }
    match script_options {
        Some(serde_json::Value::Object(o)) => {
            let mut o = crate::options::canonical_option_keys(o);
            if let Some(key) = crate::options::first_unknown_script_option(o.keys()) {
                crate::js::console::log(
                    crate::js::console::Level::Warn,
                    "There were unknown fields in the options exported in the script",
                    &[("error", &format!("json: unknown field \"{key}\""))],
                );
            }
            // Not a script option in k6: only `--local-ips`/`K6_LOCAL_IPS` set it.
            o.remove("localIPs");
            check_script_options(req, &o)?;
            apply_layer(&mut merged, &o)
        }
        Some(serde_json::Value::Null) | None => {}
        Some(other) => {
            return Err(RunError::config(format!(
                "the exported options must be an object, got {other}"
            )));
        }
    }
    let env_layer = crate::options::layer_from_env(&req.env).map_err(|e| RunError::config(e.0))?;
    apply_layer(&mut merged, &env_layer);
    apply_layer(&mut merged, &req.cli_layer);
    // --no-thresholds: nothing evaluates them, but the JSON output still describes them.
    let unevaluated = if req.no_thresholds {
        merged.remove("thresholds")
    } else {
        None
    };
    if let Some(warning) = crate::options::ignored_vus_warning(&merged) {
        console::warn(&warning);
    }
    let mut options = Options::from_raw(merged).map_err(|e| RunError::config(e.0))?;
    if let Some(t) = unevaluated {
        options.thresholds = t;
    }
    Ok(options)
}

/// k6 reads the script's exported options when it loads the script: options that cannot be
/// read at all (an unknown executor, a value of the wrong type, a malformed duration) fail
/// there, with the script named, whatever the other layers say. Validation problems are
/// reported after all layers are merged.
fn check_script_options(
    req: &RunRequest,
    script: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), RunError> {
    let Err(e) = Options::from_raw(script.clone()) else {
        return Ok(());
    };
    let validation = [
        "There were problems",
        "using an execution",
        "`duration` option should be more than 0",
    ];
    if validation.iter().any(|v| e.0.starts_with(v)) {
        return Ok(());
    }
    let abs = std::fs::canonicalize(&req.script).unwrap_or_else(|_| req.script.clone());
    Err(RunError::config(format!(
        "could not initialize '{}': could not load JS test 'file://{}': {}",
        req.script.display(),
        abs.display(),
        e.0
    )))
}

/// `rk6 archive`: evaluates the script once, as a test run's init does, and writes the
/// script, every local and remote module and every `open()`ed file to `out` (`-`: stdout)
/// in k6's archive layout, with the consolidated options and (unless `exclude_env`) the
/// environment the run would see.
pub fn archive(req: RunRequest, out: &std::path::Path, exclude_env: bool) -> Result<(), RunError> {
    use crate::archive::{Archive, Metadata, anonymize};
    let req = req.open_archive()?;
    let rt = tokio_runtime()?;
    let preload = read_script_options(&req, rt.handle().clone())?;
    let options = consolidate(&req, preload.options.clone())?;
    let script = std::fs::canonicalize(&req.script).unwrap_or_else(|_| req.script.clone());
    let anonymized = |p: &std::path::Path| PathBuf::from(anonymize(&p.to_string_lossy()));
    let mut files = std::collections::BTreeMap::new();
    for key in preload.sources.keys().chain(preload.files.keys()) {
        let data = if let Some(a) = &req.archive {
            a.files.get(key).cloned()
        } else if crate::js::specifier::is_remote_key(key) {
            preload.sources.get(key).map(|s| s.as_bytes().to_vec())
        } else {
            // The file as written (TypeScript included), not what rk6 made of it.
            std::fs::read(key).ok()
        };
        if let Some(data) = data {
            let name = if crate::js::specifier::is_remote_key(key) {
                key.clone()
            } else {
                anonymized(key)
            };
            files.insert(name, data);
        }
    }
    let data = files.get(&anonymized(&script)).cloned().unwrap_or_default();
    let dir = script.parent().unwrap_or(std::path::Path::new("/"));
    // k6 writes `null` when told to exclude the environment.
    let env = (!exclude_env).then(|| {
        system_env(
            req.include_system_env,
            &req.env,
            &req.script_env,
            req.archive.as_ref().and_then(|a| a.metadata.env.as_ref()),
        )
    });
    let archive = Archive {
        metadata: Metadata {
            kind: "js".into(),
            options: serde_json::Value::Object(options.raw.clone()),
            filename: format!("file://{}", anonymized(&script).display()),
            pwd: format!("file://{}", anonymized(dir).display()),
            env,
            compatibility_mode: "extended".into(),
            // The k6 release whose behaviour rk6 follows (k6 reads no meaning into it).
            k6_version: "1.1.0".into(),
            goos: std::env::consts::OS.into(),
        },
        data,
        files,
    };
    let written = if out == std::path::Path::new("-") {
        archive.write(std::io::stdout().lock())
    } else {
        std::fs::File::create(out).and_then(|f| archive.write(std::io::BufWriter::new(f)))
    };
    written.map_err(|e| RunError {
        code: exit::GENERIC_ERROR,
        message: format!("cannot write the archive {}: {e}", out.display()),
        hint: None,
    })
}

/// Reads options only (for `rk6 inspect`).
/// `rk6 inspect`: the script's options, or with `execution_requirements` the consolidated
/// options and the execution plan's totals (k6's `inspect --execution-requirements`).
pub fn inspect(
    req: RunRequest,
    execution_requirements: bool,
) -> Result<serde_json::Value, RunError> {
    let req = req.open_archive()?;
    if req.archive.is_none() {
        check_script_file(&req.script)?;
    }
    let rt = tokio_runtime()?;
    let preload = read_script_options(&req, rt.handle().clone())?;
    let options = consolidate(&req, preload.options)?;
    Ok(if execution_requirements {
        options.execution_requirements_json()
    } else {
        options.inspect_json()
    })
}

/// `rk6 merge --script`: runs the script's `handleSummary()` once, on `data` (the merged
/// whole test's summary data), in a VU initialised as a run's VU 0 is. `Ok(None)`: nothing
/// handled it (the script exports no `handleSummary`, it returned nothing, or it threw,
/// which is logged as in a run), so the text summary stands.
pub fn handle_summary_only(
    req: RunRequest,
    data: serde_json::Value,
) -> Result<Option<crate::js::vu::SummaryFiles>, RunError> {
    let req = req.open_archive()?;
    if req.archive.is_none() {
        check_script_file(&req.script)?;
    }
    let rt = tokio_runtime()?;
    let preload = read_script_options(&req, rt.handle().clone())?;
    let options = Arc::new(consolidate(&req, preload.options)?);
    let (samples, _samples_rx) = unbounded();
    let (abort_tx, _abort_rx) = unbounded();
    let shared = make_shared(
        &req,
        options.clone(),
        Arc::new(Registry::new(ThresholdIndex::default())),
        samples,
        abort_tx,
        rt.handle().clone(),
        preload.files,
        preload.sources,
    )?;
    *shared.shared_arrays.lock() = preload.shared_arrays;
    let (lifecycle, _) = LifecycleVu::start(shared).map_err(RunError::script)?;
    if lifecycle.exports(vec!["handleSummary".into()]).0.is_empty() {
        return Ok(None);
    }
    match lifecycle.handle_summary(data, options.handle_summary_timeout) {
        Ok(files) => Ok(files),
        Err(None) => {
            console::error(&format!(
                "handleSummary() execution timed out after {} seconds",
                options.handle_summary_timeout.as_secs_f64()
            ));
            Ok(None)
        }
        Err(Some(e)) => {
            console::log(
                console::Level::Error,
                &e.message,
                &[("hint", "script exception")],
            );
            Ok(None)
        }
    }
}

fn tokio_runtime() -> Result<tokio::runtime::Runtime, RunError> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("rk6-io")
        .enable_all()
        .build()
        .map_err(|e| RunError {
            code: 103,
            message: format!("cannot start the I/O runtime: {e}"),
            hint: None,
        })
}

/// What the metrics pipeline thread gives back at the end.
struct PipelineResult {
    engine: MetricsEngine,
    reports: Vec<OutputReport>,
}

/// An output running on its own thread behind a queue bounded in samples. The metrics thread
/// never waits for an output (that would stall every VU behind it): what does not fit while an
/// output is `OUTPUT_QUEUE_SAMPLES` samples behind is counted as dropped for that output.
struct OutputWorker {
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

fn start_output(mut out: Box<dyn Output>, stop_timeout: Duration) -> anyhow::Result<OutputWorker> {
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
}

fn spawn_pipeline(
    mut engine: MetricsEngine,
    inputs: PipelineInputs,
    mut outputs: Vec<OutputWorker>,
    shared: Arc<RunShared>,
    evaluate: bool,
    summary_opts: SummaryOptions,
    live: Option<crate::distributed::live::LiveHook>,
) -> std::thread::JoinHandle<PipelineResult> {
    let PipelineInputs {
        samples: rx,
        finish,
        queries,
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

/// k6 exits 255 when an output cannot be created or started.
fn output_error(message: String) -> RunError {
    RunError {
        code: exit::GENERIC_ERROR,
        message,
        hint: None,
    }
}

fn make_outputs(specs: &[String], ctx: &OutputContext) -> Result<Vec<Box<dyn Output>>, RunError> {
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
            other => {
                return Err(output_error(format!(
                    "invalid output type '{other}', available types are: clickhouse, csv, experimental-prometheus-rw, influxdb, json, timescaledb, timestream"
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
fn print_output_report(r: &OutputReport) {
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

fn print_banner(req: &RunRequest, options: &Options, local: &LocalScenarios, outputs: &[String]) {
    let plan = crate::options::scenarios::execution_plan(&local.running);
    let max_vus = crate::options::scenarios::max_possible(&plan);
    let max_dur = plan.last().map(|s| s.offset).unwrap_or_default();
    let mut out = String::new();
    out.push_str("\n         /\\      rk6: k6 scripts on a Rust engine\n\n");
    out.push_str("     execution: local\n");
    out.push_str(&format!("        script: {}\n", req.script.display()));
    let outs = if outputs.is_empty() {
        "-".to_string()
    } else {
        outputs.join(", ")
    };
    out.push_str(&format!("        output: {outs}\n"));
    if let Some(at) = req.start_at {
        let at = crate::distributed::start::describe(at);
        out.push_str(&format!("      start at: {at}\n"));
    }
    out.push('\n');
    let n = local.described.len();
    out.push_str(&format!(
        "     scenarios: ({:.2}%) {n} scenario{}, {max_vus} max VUs, {} max duration (incl. graceful stop):\n",
        options.execution_tuple.segment().float_length() * 100.0,
        if n == 1 { "" } else { "s" },
        crate::options::duration::format_go(max_dur)
    ));
    for s in &local.described {
        out.push_str(&format!("              * {}: {}\n", s.name, s.describe()));
    }
    out.push('\n');
    print_stdout(&out);
}

/// Writes to stdout, ignoring a closed pipe (`rk6 run ... | head` must not panic).
pub fn print_stdout(s: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes()).and_then(|()| out.flush());
}

/// VUs initialised before the test starts: the most VUs k6's execution plan reserves at
/// once (scenarios that do not overlap in time share VUs).
fn planned_vus(local: &LocalScenarios) -> u64 {
    crate::options::scenarios::max_planned(&crate::options::scenarios::execution_plan(
        &local.running,
    ))
}

/// SIGINT/SIGTERM, from before the VUs are initialised: the first stops the test gracefully
/// (teardown, summary and outputs still run; exit 105, and k6's "test run was aborted
/// because k6 received a 'interrupt' signal" at the end); a second one exits at once, as k6
/// does, whatever is still running (a long teardown, an output flushing to a hung endpoint).
fn watch_signals(rt: &tokio::runtime::Runtime, shared: Arc<RunShared>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        // Registered here, not in the task, so no signal can arrive unhandled in between.
        let _enter = rt.enter();
        let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            console::warn("cannot handle SIGINT/SIGTERM: they will stop rk6 at once");
            return;
        };
        rt.spawn(async move {
            // Go's names of the signals, which k6's messages show.
            let first = tokio::select! {
                _ = int.recv() => "interrupt",
                _ = term.recv() => "terminated",
            };
            shared.request_abort(AbortReason::Signal(first));
            let second = tokio::select! {
                _ = int.recv() => "interrupt",
                _ = term.recv() => "terminated",
            };
            console::log(
                console::Level::Error,
                "Aborting k6 in response to signal",
                &[("sig", second)],
            );
            std::process::exit(exit::EXTERNAL_ABORT);
        });
    }
    #[cfg(not(unix))]
    let _ = (rt, shared);
}

/// The scenarios as this instance runs them: its execution segment's share of each.
struct LocalScenarios {
    /// Every scenario, scaled (the banner describes them all, as k6).
    described: Vec<crate::options::ScenarioConfig>,
    /// Those that have work for this segment.
    running: Vec<crate::options::ScenarioConfig>,
}

impl LocalScenarios {
    fn new(options: &Options) -> LocalScenarios {
        let mut described = Vec::with_capacity(options.scenarios.len());
        let mut running = Vec::with_capacity(options.scenarios.len());
        for s in &options.scenarios {
            let (local, has_work) = s.for_segment(&options.execution_tuple);
            if has_work {
                running.push(local.clone());
            }
            described.push(local);
        }
        LocalScenarios { described, running }
    }
}

/// Sample batches that may wait for the metrics thread before the VUs block.
const SAMPLE_BATCHES_IN_FLIGHT: usize = 2048;

pub fn run(req: RunRequest) -> i32 {
    console::init_logging(req.verbose);
    match req.open_archive().and_then(|req| run_inner(&req)) {
        Ok(code) => code,
        Err(e) => {
            match e.hint {
                _ if e.message.is_empty() => {}
                Some(h) => console::log(console::Level::Error, &e.message, &[("hint", h)]),
                None => console::error(&e.message),
            }
            e.code
        }
    }
}

/// k6 exits 255 (not 107: nothing ran yet) for a script it cannot read, with its messages.
fn check_script_file(script: &std::path::Path) -> Result<(), RunError> {
    let message = match std::fs::metadata(script) {
        Ok(m) if m.is_dir() => format!("read {}: is a directory", script.display()),
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => format!(
            "The moduleSpecifier \"{}\" couldn't be found on local disk. Make sure that you've specified the right path to the file. If you're running k6 using the Docker image make sure you have mounted the local directory (-v /local/path/:/inside/docker/path) containing your script and modules so that they're accessible by k6 from inside of the container, see https://grafana.com/docs/k6/latest/using-k6/modules/#use-modules-with-docker.",
            script.display()
        ),
        Err(e) => format!(
            "open {}: {}",
            script.display(),
            crate::go_strconv::os_error_text(&e)
        ),
    };
    Err(RunError {
        code: exit::GENERIC_ERROR,
        message,
        hint: None,
    })
}

fn run_inner(req: &RunRequest) -> Result<i32, RunError> {
    // An archive's script is inside it, not on disk.
    if req.archive.is_none() {
        check_script_file(&req.script)?;
    }
    let rt = tokio_runtime()?;
    let ScriptPreload {
        options: script_opts,
        files,
        sources,
        shared_arrays,
    } = read_script_options(req, rt.handle().clone())?;
    let options = Arc::new(consolidate(req, script_opts)?);
    let summary_opts = SummaryOptions {
        trend_stats: options.summary_trend_stats.clone(),
        time_unit: options.summary_time_unit.clone(),
        no_color: req.no_color,
        is_stdout_tty: is_terminal::is_terminal(std::io::stdout()),
        is_stderr_tty: is_terminal::is_terminal(std::io::stderr()),
    };
    if let Err(e) = crate::metrics::summary::validate_trend_stats(&summary_opts.trend_stats) {
        return Err(RunError {
            code: exit::INVALID_TREND_STAT,
            message: e.to_string(),
            hint: None,
        });
    }
    let mut thresholds =
        ThresholdsConfig::from_options(&serde_json::Value::Object(options.raw.clone()))
            .map_err(RunError::config)?;
    // k6 defines `http_req_duration{expected_response:true}` only when the
    // `expected_response` system tag is enabled.
    let expected_response =
        SystemTags::from_option(options.system_tags.as_deref()).has("expected_response");
    thresholds.expected_response_submetric = expected_response;
    let index = if req.no_thresholds {
        // k6 still describes the (unevaluated) thresholds in its JSON output's Metric lines.
        let mut all = ThresholdsConfig::from_options(&serde_json::json!({
            "thresholds": options.thresholds
        }))
        .unwrap_or_default();
        all.expected_response_submetric = thresholds.expected_response_submetric;
        all.index()
    } else {
        thresholds.index()
    };
    let registry = Arc::new(Registry::new(index));
    // Back-pressure, as k6's `metricSamplesBufferSize` (1000) gives: VUs that produce samples
    // faster than the metrics thread ingests them (empty iterations) wait instead of piling
    // up batches (up to 256 samples each, ~14 KB: the bound holds ~30 MB at most).
    let (samples_tx, samples_rx) = bounded::<SampleBatch>(SAMPLE_BATCHES_IN_FLIGHT);
    let (abort_tx, abort_rx) = unbounded::<AbortReason>();
    let shared = make_shared(
        req,
        options.clone(),
        registry.clone(),
        samples_tx,
        abort_tx,
        rt.handle().clone(),
        files,
        sources,
    )?;
    *shared.shared_arrays.lock() = shared_arrays;

    // Outputs and the metrics pipeline.
    // As in k6, outputs see no thresholds with --no-thresholds.
    let threshold_board = Arc::new(if req.no_thresholds {
        ThresholdBoard::default()
    } else {
        ThresholdBoard::new(&thresholds)
    });
    let out_ctx = OutputContext {
        registry: registry.clone(),
        test_run_id: crate::distributed::shared_test_run_id(&req.env, &options.tags)
            .unwrap_or_else(|| format!("{:x}", now_ns())),
        instance_id: crate::distributed::instance_tag(&options.tags),
        config_file: req.config_file.clone(),
        env: Arc::new(req.env.clone()),
        thresholds: threshold_board.clone(),
    };
    let outputs = make_outputs(&req.outputs, &out_ctx)?;
    let descriptions: Vec<String> = outputs.iter().map(|o| o.description()).collect();
    let mut workers = Vec::new();
    for o in outputs {
        workers.push(
            start_output(o, Duration::from_secs(30)).map_err(|e| output_error(format!("{e:#}")))?,
        );
    }

    // VU 0 (setup/teardown/handleSummary) and the scenario VUs.
    let (lifecycle, lifecycle_signal) =
        LifecycleVu::start(shared.clone()).map_err(RunError::script)?;
    let mut wanted: Vec<String> = ["setup", "teardown", "handleSummary", "default"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    wanted.extend(options.scenarios.iter().map(|s| s.exec.clone()));
    let (exports, any_function) = lifecycle.exports(wanted);
    if !any_function {
        // k6 fails to load such a script, with its generic exit code.
        let abs = std::fs::canonicalize(&req.script).unwrap_or_else(|_| req.script.clone());
        return Err(RunError {
            code: exit::GENERIC_ERROR,
            message: format!(
                "could not initialize '{}': could not load JS test 'file://{}': no exported functions in script",
                req.script.display(),
                abs.display()
            ),
            hint: None,
        });
    }
    // Checked now so a typo fails before the test starts, as in k6.
    let missing: Vec<String> = options
        .scenarios
        .iter()
        .filter(|s| !exports.contains(&s.exec))
        .map(|s| {
            format!(
                "executor {}: function '{}' not found in exports",
                s.name, s.exec
            )
        })
        .collect();
    if !missing.is_empty() {
        return Err(RunError::config(format!(
            "There were problems with the specified script configuration:\n\t- {}",
            missing.join("\n\t- ")
        )));
    }
    thresholds.validate(&registry).map_err(RunError::config)?;
    // With --coordinator, `abortOnFail` is judged on the whole test (src/distributed/live.rs).
    let abort_on_fail = !req.no_thresholds
        && thresholds
            .targets
            .iter()
            .any(|t| t.thresholds.iter().any(|d| d.abort_on_fail));
    let segment = options.execution_tuple.segment().to_string();
    let live_board = (req.coordinator.is_some()
        && abort_on_fail
        && crate::distributed::barrier::is_coordinator(&options.execution_tuple))
    .then(|| Arc::new(crate::distributed::live::LiveBoard::new(thresholds.clone())));
    let live_hook = match (&req.coordinator, &live_board) {
        (_, Some(board)) => Some(crate::distributed::live::LiveHook::Coordinator {
            board: board.clone(),
            segment,
        }),
        (Some(coordinator), None) if abort_on_fail => {
            let (reports, states) = bounded(1);
            crate::distributed::live::spawn_reporter(coordinator, segment, shared.clone(), states)
                .map_err(RunError::config)?;
            Some(crate::distributed::live::LiveHook::Member { reports })
        }
        _ => None,
    };
    let mut engine = MetricsEngine::new(registry.clone(), thresholds);
    if !threshold_board.is_empty() {
        engine.publish_thresholds_to(threshold_board);
    }
    let (finish_tx, finish_rx) = bounded::<Duration>(1);
    let (query_tx, query_rx) = unbounded::<crate::api::MetricsQuery>();
    let pipeline = spawn_pipeline(
        engine,
        PipelineInputs {
            samples: samples_rx,
            finish: finish_rx,
            queries: query_rx,
        },
        workers,
        shared.clone(),
        !req.no_thresholds,
        summary_opts.clone(),
        live_hook,
    );

    let local = LocalScenarios::new(&options);
    if !req.quiet {
        print_banner(req, &options, &local, &descriptions);
    }
    let pool = VuPool::new(shared.clone());
    let control = RunControl::new(&local.running, options.paused);
    let scenarios = ScenarioSet::new(&local.running);
    // The REST API. k6 exits 106 when it cannot listen on an address given with `--address`,
    // and only warns about its default one.
    let api_setup_data: Arc<Mutex<Option<serde_json::Value>>> = Arc::default();
    let barrier = req
        .coordinator
        .as_ref()
        .filter(|_| crate::distributed::barrier::is_coordinator(&options.execution_tuple))
        .map(|_| Arc::new(crate::distributed::barrier::Barrier::new(&options.execution_tuple)));
    if barrier.is_some() && req.address.is_none() {
        return Err(RunError::config(
            "the first instance of a split test keeps the start barrier of --coordinator on its \
             REST API: give it --address (e.g. --address=0.0.0.0:6565)",
        ));
    }
    let started_api = req.address.as_deref().map(|addr| {
        let state = crate::api::ApiState {
            control: control.clone(),
            shared: shared.clone(),
            pool: pool.clone(),
            metrics: query_tx.clone(),
            setup_data: api_setup_data.clone(),
            barrier: barrier.clone(),
            live: live_board.clone(),
        };
        crate::api::start(addr, rt.handle(), state)
    });
    // Kept until the run ends: dropping it stops the server.
    let _api = match started_api {
        Some(Ok(server)) => Some(server),
        Some(Err(e)) if req.address_explicit => {
            console::log(
                console::Level::Error,
                "Error from API server",
                &[("error", &e)],
            );
            return Ok(exit::CANNOT_START_REST_API);
        }
        Some(Err(e)) => {
            console::log(
                console::Level::Warn,
                "Error from API server",
                &[("error", &e)],
            );
            None
        }
        None => None,
    };
    let test_started: Arc<Mutex<Option<Instant>>> = Arc::default();
    let mut display = (!req.quiet).then(|| {
        let plan = crate::options::scenarios::execution_plan(&local.running);
        crate::progress::ProgressDisplay::start(
            crate::progress::DisplaySource {
                bars: scenarios.progress(),
                shared: shared.clone(),
                pool: pool.clone(),
                control: control.clone(),
                max_vus: crate::options::scenarios::max_possible(&plan),
                max_duration: plan.last().map(|s| s.offset).unwrap_or_default(),
                planned_vus: crate::options::scenarios::max_planned(&plan),
                started: test_started.clone(),
            },
            summary_opts.is_stdout_tty,
            req.no_color,
        )
    });
    watch_signals(&rt, shared.clone());
    control.set_status(ExecutionStatus::InitVus);
    if let Err(e) = pool.init(planned_vus(&local)) {
        // exec.test.abort() in a VU's init code: already reported, exit 108.
        if matches!(*shared.abort.lock(), Some(AbortReason::ScriptAbort(_))) {
            return Ok(exit::SCRIPT_ABORTED);
        }
        return Err(RunError::script(e));
    }
    control.set_status(ExecutionStatus::InitDone);
    // vus / vus_max gauges, sampled every second like k6 (from the end of the VU
    // initialisation on, paused time included).
    // Dropping `gauges_stop` ends the sampler at once; until then it wakes exactly on each
    // second (a short test that ends just after a whole second gets that sample, as in k6).
    let (gauges_stop, stop) = crossbeam_channel::bounded::<()>(0);
    let gauges = {
        let shared = shared.clone();
        let pool = pool.clone();
        std::thread::Builder::new()
            .name("vus-gauge".into())
            .spawn(move || {
                let mut next = Instant::now() + Duration::from_secs(1);
                while let Err(crossbeam_channel::RecvTimeoutError::Timeout) =
                    stop.recv_deadline(next)
                {
                    {
                        next += Duration::from_secs(1);
                        let t = now_ns();
                        let tags = TagSet::from_pairs(shared.global_tags.iter().cloned());
                        let active =
                            shared.counters.vus_active.load(Ordering::Relaxed).max(0) as f64;
                        let _ = shared.samples.send(vec![
                            Sample {
                                metric: shared.builtin.vus.clone(),
                                time_ns: t,
                                value: active,
                                tags: tags.clone(),
                                metadata: None,
                            },
                            Sample {
                                metric: shared.builtin.vus_max.clone(),
                                time_ns: t,
                                value: pool.initialized() as f64,
                                tags,
                                metadata: None,
                            },
                        ]);
                    }
                }
            })
            .ok()
    };

    // Raised synchronously by `request_abort`.
    let stop_all = shared.stop_all.clone();

    // Abort watcher: interrupts VU 0 (setup/teardown) when an abort is requested.
    let abort_watch = {
        let lifecycle_signal = lifecycle_signal.clone();
        std::thread::Builder::new()
            .name("abort-watch".into())
            .spawn(move || {
                if abort_rx.recv().is_ok() {
                    lifecycle_signal.cancel();
                }
            })
            .ok()
    };

    if control.is_paused() {
        control.set_status(ExecutionStatus::PausedBeforeRun);
        control.wait_while_paused(&|| shared.aborted());
    }
    if let Some(coordinator) = &req.coordinator {
        let meeting = crate::distributed::barrier::Meeting {
            coordinator,
            tuple: &options.execution_tuple,
            local: barrier.clone(),
            timeout: req.coordinator_timeout,
        };
        if let Err(e) =
            crate::distributed::barrier::wait_for_all(rt.handle(), &meeting, &|| shared.aborted())
        {
            console::error(&e);
            return Ok(exit::GENERIC_ERROR);
        }
    }
    if let Some(at) = req.start_at {
        crate::distributed::start::wait_until(at, &|| shared.aborted());
    }
    control.mark_started();
    control.set_status(ExecutionStatus::Started);
    *shared.test_start.lock() = Some(Instant::now());
    *test_started.lock() = Some(Instant::now());
    let test_start = Instant::now();

    // setup()
    let mut setup_data: Option<serde_json::Value> = None;
    let mut early_exit: Option<i32> = None;
    let mut setup_data_error: Option<String> = None;
    control.set_status(ExecutionStatus::Setup);
    if !options.no_setup && exports.iter().any(|e| e == "setup") && !shared.aborted() {
        match lifecycle.call("setup", Phase::Setup, None, options.setup_timeout) {
            Ok(v) => setup_data = v,
            Err(None) => {
                console::log(
                    console::Level::Error,
                    &format!(
                        "setup() execution timed out after {} seconds",
                        options.setup_timeout.as_secs()
                    ),
                    &[(
                        "hint",
                        "You can increase the time limit via the setupTimeout option",
                    )],
                );
                early_exit = Some(exit::SETUP_TIMEOUT);
            }
            Err(Some(e)) if e.interrupted => {}
            // Data k6 cannot marshal (NaN, a function): a generic error, reported at the end.
            Err(Some(e)) if e.message.starts_with(SETUP_DATA_ERROR) => {
                setup_data_error = Some(e.message);
                early_exit = Some(exit::GENERIC_ERROR);
            }
            Err(Some(e)) => {
                console::log(
                    console::Level::Error,
                    &e.message,
                    &[("hint", "script exception")],
                );
                early_exit = Some(exit::SCRIPT_EXCEPTION);
            }
        }
    }
    api_setup_data.lock().clone_from(&setup_data);
    let setup_data = Arc::new(setup_data);

    // An abort in setup() skips the scenarios and teardown(), as in k6.
    let aborted_in_setup = shared.aborted();
    control.set_status(ExecutionStatus::Running);

    // The scenarios, each on its own controller thread from its start time.
    if early_exit.is_none() && !aborted_in_setup {
        let env = RunEnv {
            pool: pool.clone(),
            shared: shared.clone(),
            control: control.clone(),
            setup_data: setup_data.clone(),
            stop_all: stop_all.clone(),
            start: Instant::now(),
        };
        for e in scenarios.run(&env) {
            console::log(
                console::Level::Error,
                &e.message,
                &[("hint", "script exception")],
            );
            early_exit.get_or_insert(exit::SCRIPT_EXCEPTION);
        }
    }
    let aborted_by = shared.abort.lock().clone();
    // An abort during the scenarios: let the watcher cancel VU 0 now, so its cancellation
    // cannot land after the reset below and interrupt teardown() (k6 runs teardown after
    // exec.test.abort()). The abort was sent, so the watcher ends promptly.
    if aborted_by.is_some()
        && let Some(w) = abort_watch
    {
        let _ = w.join();
    }

    // teardown(data)
    if early_exit.is_none()
        && !options.no_teardown
        && exports.iter().any(|e| e == "teardown")
        && !aborted_in_setup
    {
        control.set_status(ExecutionStatus::Teardown);
        lifecycle_signal.reset();
        match lifecycle.call(
            "teardown",
            Phase::Teardown,
            (*setup_data).clone(),
            options.teardown_timeout,
        ) {
            Ok(_) => {}
            Err(None) => {
                console::log(
                    console::Level::Error,
                    &format!(
                        "teardown() execution timed out after {} seconds",
                        options.teardown_timeout.as_secs()
                    ),
                    &[(
                        "hint",
                        "You can increase the time limit via the teardownTimeout option",
                    )],
                );
                early_exit = Some(exit::TEARDOWN_TIMEOUT);
            }
            Err(Some(e)) if e.interrupted => {}
            Err(Some(e)) => {
                console::log(
                    console::Level::Error,
                    &e.message,
                    &[("hint", "script exception")],
                );
                early_exit = Some(exit::SCRIPT_EXCEPTION);
            }
        }
    }
    // Read again after teardown(), which may have aborted the test too (k6 exits 108 then as
    // well); an abort in handleSummary() changes nothing (k6 exits 0).
    let aborted_by = shared.abort.lock().clone();
    let elapsed = test_start.elapsed();
    control.mark_ended();
    control.set_status(if shared.aborted() {
        ExecutionStatus::Interrupted
    } else {
        ExecutionStatus::Ended
    });
    drop(gauges_stop);
    if let Some(g) = gauges {
        let _ = g.join();
    }
    pool.shutdown();
    // The progress display stops with the test, not after the outputs have flushed (that can
    // take seconds); k6 prints its last block after the summary.
    let final_block = display.as_mut().and_then(|d| d.stop());

    // Drain the pipeline: every sender must be gone before it ends.
    let test_failed = shared.counters.test_failed.load(Ordering::Relaxed);
    // Every VU reported its activation done after sending its samples, so everything sent
    // so far is ahead of this finish signal in the channel order.
    let _ = finish_tx.send(elapsed);
    let PipelineResult {
        mut engine,
        reports,
    } = match pipeline.join() {
        Ok(r) => r,
        Err(_) => {
            return Err(RunError {
                code: 103,
                message: "the metrics pipeline crashed".into(),
                hint: None,
            });
        }
    };
    let verdict = if req.no_thresholds {
        Default::default()
    } else {
        engine.evaluate_thresholds_final(elapsed)
    };

    // Summary: handleSummary or the text summary, plus --summary-export.
    let summary = engine
        .summary(elapsed, &summary_opts)
        .map_err(|e| RunError {
            code: exit::INVALID_TREND_STAT,
            message: e.to_string(),
            hint: None,
        })?;
    if let Some(path) = &req.snapshot_out {
        let end = crate::distributed::snapshot::RunEnd {
            duration: elapsed,
            setup_data: setup_data.as_ref().as_ref(),
            marked_failed: test_failed,
            interrupted: aborted_by
                .as_ref()
                .map(|a| format!("{a:?}"))
                .or(early_exit.map(|code| format!("exit code {code}"))),
        };
        let snapshot = crate::distributed::snapshot::Snapshot::of_run(
            &req.script,
            &options,
            expected_response,
            req.no_thresholds,
            &engine,
            end,
        );
        let path =
            crate::distributed::snapshot::instance_path(path, &options.execution_tuple);
        if let Err(e) = snapshot.write(&path) {
            console::error(&e);
        }
    }
    // k6 v1.1.0 writes no --summary-export file under --no-summary either.
    if let Some(path) = req.summary_export.as_ref().filter(|_| !req.no_summary) {
        let text = summary.to_summary_export_string((*setup_data).clone());
        if let Err(e) = std::fs::write(path, text) {
            console::error(&format!(
                "could not write the summary export {}: {e}",
                path.display()
            ));
        }
    }
    if !req.no_summary {
        let mut handled = false;
        if exports.iter().any(|e| e == "handleSummary") {
            // k6 passes setup()'s result to handleSummary as `data.setup_data`.
            let mut summary = summary.clone();
            summary.setup_data = (*setup_data).clone();
            let data = summary.to_handle_summary_data();
            lifecycle_signal.reset();
            match lifecycle.handle_summary(data, options.handle_summary_timeout) {
                Ok(Some(files)) => {
                    handled = true;
                    write_summary_files(files);
                }
                Ok(None) => {}
                Err(None) => {
                    console::error(&format!(
                        "handleSummary() execution timed out after {} seconds",
                        options.handle_summary_timeout.as_secs_f64()
                    ));
                }
                Err(Some(e)) => {
                    console::log(
                        console::Level::Error,
                        &e.message,
                        &[("hint", "script exception")],
                    );
                }
            }
        }
        if !handled {
            let mode =
                crate::metrics::summary::SummaryMode::parse(&req.summary_mode).unwrap_or_default();
            print_stdout(&crate::metrics::summary_text::render_text_summary(
                &summary, mode,
            ));
        }
    }
    if let Some(block) = final_block {
        block.print();
    }
    for r in &reports {
        print_output_report(r);
    }
    if req.linger && aborted_by.is_none() {
        // k6's `--linger`: the REST API stays up (for scrapers) until the user stops rk6;
        // the exit code stays the test's.
        console::log(
            console::Level::Info,
            "Linger set; waiting for Ctrl+C...",
            &[],
        );
        rt.block_on(async {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{SignalKind, signal};
                if let (Ok(mut int), Ok(mut term)) = (
                    signal(SignalKind::interrupt()),
                    signal(SignalKind::terminate()),
                ) {
                    tokio::select! {
                        _ = int.recv() => {},
                        _ = term.recv() => {},
                    }
                }
            }
        });
    }
    drop(rt);

    if let Some(msg) = setup_data_error {
        console::error(&msg);
    }
    if let Some(code) = early_exit {
        return Ok(code);
    }
    if control.stopped() {
        // k6 v1.1.0 exits with 103 when the test is stopped through the REST API.
        return Ok(exit::STOPPED_FROM_API);
    }
    if let Some(reason) = aborted_by {
        match reason {
            AbortReason::ScriptAbort(msg) => {
                if !msg.is_empty() {
                    console::error(&msg);
                }
                return Ok(exit::SCRIPT_ABORTED);
            }
            AbortReason::Signal(name) => {
                console::error(&format!(
                    "test run was aborted because k6 received a '{name}' signal"
                ));
                return Ok(exit::EXTERNAL_ABORT);
            }
            AbortReason::StoppedFromApi => return Ok(exit::STOPPED_FROM_API),
            AbortReason::Threshold(_) => return Ok(exit::THRESHOLDS_FAILED),
        }
    }
    Ok(completed_test_code(test_failed, &verdict))
}

/// The exit code of a test that ran to its end, with k6's errors: `exec.test.fail()` wins
/// over failed thresholds (k6 v1.1.0 exits 110, without the "thresholds ... crossed" error).
pub fn completed_test_code(
    marked_failed: bool,
    verdict: &crate::metrics::engine::ThresholdsVerdict,
) -> i32 {
    if marked_failed {
        console::error("test run was marked as failed");
        return exit::MARKED_AS_FAILED;
    }
    if verdict.any_failed {
        if let Some(msg) = verdict.crossed_message() {
            console::error(&msg);
        }
        return exit::THRESHOLDS_FAILED;
    }
    exit::OK
}

pub fn write_summary_files(files: Vec<(String, Vec<u8>)>) {
    use std::io::Write;
    let mut failed = Vec::new();
    for (dest, bytes) in files {
        match dest.as_str() {
            "stdout" => {
                let _ = std::io::stdout().write_all(&bytes);
            }
            "stderr" => {
                let _ = std::io::stderr().write_all(&bytes);
            }
            path => {
                if let Err(e) = std::fs::write(path, &bytes) {
                    failed.push(format!(
                        "\t- could not open '{path}': open {path}: {}",
                        crate::go_strconv::os_error_text(&e)
                    ));
                }
            }
        }
    }
    if !failed.is_empty() {
        crate::js::vu::summary_error(&format!(
            "Could not save some summary information:\n{}",
            failed.join("\n")
        ));
    }
}
