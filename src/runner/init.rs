//! The init phase: everything before the test's clock starts. Read and consolidate the
//! options, build the metrics registry and thresholds, start the outputs and the metrics
//! pipeline, start VU 0 and check the script's exports, print the banner, start the REST API
//! and the progress display, and initialise the VUs the execution plan needs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, unbounded};
use parking_lot::Mutex;

use super::lifecycle_vu::LifecycleVu;
use super::pipeline::{MetricsPipeline, output_error, start_output};
use super::script_options::{ScriptPreload, consolidate, read_script_options};
use super::shared::make_shared;
use super::vus_gauge::VusGauge;
use super::{RunError, RunRequest, exit, print_stdout};
use crate::executor::control::{ExecutionStatus, RunControl};
use crate::executor::{ScenarioSet, VuPool};
use crate::js::console;
use crate::js::interrupt::VuSignal;
use crate::js::runtime::{AbortReason, RunShared, SystemTags};
use crate::metrics::engine::MetricsEngine;
use crate::metrics::registry::Registry;
use crate::metrics::sample::{SampleBatch, now_ns};
use crate::metrics::summary::SummaryOptions;
use crate::metrics::threshold_board::ThresholdBoard;
use crate::metrics::thresholds::ThresholdsConfig;
use crate::options::Options;
use crate::output::OutputContext;

/// Sample batches that may wait for the metrics thread before the VUs block.
const SAMPLE_BATCHES_IN_FLIGHT: usize = 2048;

/// A test run once initialised: what the later phases (setup, execute, teardown, summary)
/// share.
pub(super) struct TestRun {
    pub(super) options: Arc<Options>,
    pub(super) summary_opts: SummaryOptions,
    pub(super) shared: Arc<RunShared>,
    pub(super) lifecycle: LifecycleVu,
    pub(super) lifecycle_signal: Arc<VuSignal>,
    /// Which of setup/teardown/handleSummary/default and the scenarios' `exec` the script
    /// exports as functions.
    pub(super) exports: Vec<String>,
    pub(super) control: Arc<RunControl>,
    pub(super) pool: Arc<VuPool>,
    pub(super) scenarios: ScenarioSet,
    /// setup()'s data, as the REST API shows it.
    pub(super) api_setup_data: Arc<Mutex<Option<serde_json::Value>>>,
    pub(super) display: Option<crate::progress::ProgressDisplay>,
    /// When the test started, for the progress display.
    pub(super) test_started: Arc<Mutex<Option<Instant>>>,
    pub(super) gauges: Option<VusGauge>,
    /// Interrupts VU 0 (setup/teardown) when an abort is requested.
    pub(super) abort_watch: Option<std::thread::JoinHandle<()>>,
    /// Taken by the summary phase, which drains it.
    pub(super) metrics: Option<MetricsPipeline>,
    /// Kept until the run ends: dropping it stops the server.
    pub(super) _api: Option<crate::api::ApiServer>,
    /// The start barrier this instance keeps, when it coordinates a split test.
    pub(super) barrier: Option<Arc<crate::distributed::barrier::Barrier>>,
    /// The whole test's `abortOnFail` judge, on the coordinator.
    pub(super) live: Option<Arc<crate::distributed::live::LiveBoard>>,
}

impl TestRun {
    pub(super) fn exports(&self, name: &str) -> bool {
        self.exports.iter().any(|e| e == name)
    }
}

/// Initialises the run. Errors end it with k6's exit code for what failed.
pub(super) fn prepare(req: &RunRequest, rt: &tokio::runtime::Runtime) -> Result<TestRun, RunError> {
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
    let (thresholds, registry) = thresholds_and_registry(req, &options)?;
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
    let outputs = super::pipeline::make_outputs(&req.outputs, &out_ctx)?;
    let banner: Vec<crate::output::BannerEntry> = outputs.iter().map(|o| o.banner()).collect();
    let mut workers = Vec::new();
    for o in outputs {
        workers.push(
            start_output(o, Duration::from_secs(30)).map_err(|e| output_error(format!("{e:#}")))?,
        );
    }

    // VU 0 (setup/teardown/handleSummary) and the scenario VUs.
    let (lifecycle, lifecycle_signal) =
        LifecycleVu::start(shared.clone()).map_err(RunError::script)?;
    let exports = check_exports(req, &options, &lifecycle)?;
    thresholds.validate(&registry).map_err(RunError::config)?;
    let (live_board, live_hook) = live_judge(req, &options, &thresholds, &shared)?;
    let mut engine = MetricsEngine::new(registry.clone(), thresholds);
    if !threshold_board.is_empty() {
        engine.publish_thresholds_to(threshold_board);
    }
    let metrics = MetricsPipeline::spawn(
        engine,
        samples_rx,
        workers,
        shared.clone(),
        !req.no_thresholds,
        summary_opts.clone(),
        live_hook,
    );

    let local = LocalScenarios::new(&options);
    if !req.quiet {
        print_banner(req, &options, &local, &banner);
    }
    let pool = VuPool::new(shared.clone());
    let control = RunControl::new(&local.running, options.paused);
    let scenarios = ScenarioSet::new(&local.running);
    let api_setup_data: Arc<Mutex<Option<serde_json::Value>>> = Arc::default();
    let barrier = req
        .coordinator
        .as_ref()
        .filter(|_| crate::distributed::barrier::is_coordinator(&options.execution_tuple))
        .map(|_| {
            Arc::new(crate::distributed::barrier::Barrier::new(
                &options.execution_tuple,
            ))
        });
    if barrier.is_some() && req.address.is_none() {
        return Err(RunError::config(
            "the first instance of a split test keeps the start barrier of --coordinator on its \
             REST API: give it --address (e.g. --address=0.0.0.0:6565)",
        ));
    }
    let api = start_rest_api(
        req,
        rt,
        crate::api::ApiState {
            control: control.clone(),
            shared: shared.clone(),
            pool: pool.clone(),
            metrics: metrics.queries.clone(),
            setup_data: api_setup_data.clone(),
            barrier: barrier.clone(),
            live: live_board.clone(),
        },
    )?;
    let test_started: Arc<Mutex<Option<Instant>>> = Arc::default();
    let display = (!req.quiet).then(|| {
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
    watch_signals(rt, shared.clone());
    control.set_status(ExecutionStatus::InitVus);
    if let Err(e) = pool.init(planned_vus(&local)) {
        // exec.test.abort() in a VU's init code: already reported, exit 108.
        if matches!(*shared.abort.lock(), Some(AbortReason::ScriptAbort(_))) {
            return Err(RunError::reported(exit::SCRIPT_ABORTED));
        }
        return Err(RunError::script(e));
    }
    control.set_status(ExecutionStatus::InitDone);
    let gauges = VusGauge::start(shared.clone(), pool.clone());
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
    Ok(TestRun {
        options,
        summary_opts,
        shared,
        lifecycle,
        lifecycle_signal,
        exports,
        control,
        pool,
        scenarios,
        api_setup_data,
        display,
        test_started,
        gauges,
        abort_watch,
        metrics: Some(metrics),
        _api: api,
        barrier,
        live: live_board,
    })
}

type LiveJudge = (
    Option<Arc<crate::distributed::live::LiveBoard>>,
    Option<crate::distributed::live::LiveHook>,
);

/// With --coordinator, `abortOnFail` is judged on the whole test (src/distributed/live.rs):
/// the coordinator's board, and the hook of this instance's metrics pipeline.
fn live_judge(
    req: &RunRequest,
    options: &Options,
    thresholds: &ThresholdsConfig,
    shared: &Arc<RunShared>,
) -> Result<LiveJudge, RunError> {
    use crate::distributed::live::{LiveBoard, LiveHook, spawn_reporter};
    let abort_on_fail = !req.no_thresholds
        && thresholds
            .targets
            .iter()
            .any(|t| t.thresholds.iter().any(|d| d.abort_on_fail));
    let Some(coordinator) = req.coordinator.as_ref().filter(|_| abort_on_fail) else {
        return Ok((None, None));
    };
    let segment = options.execution_tuple.segment().to_string();
    if crate::distributed::barrier::is_coordinator(&options.execution_tuple) {
        let board = Arc::new(LiveBoard::new(thresholds.clone()));
        let hook = LiveHook::Coordinator {
            board: board.clone(),
            segment,
        };
        return Ok((Some(board), Some(hook)));
    }
    let (reports, states) = bounded(1);
    spawn_reporter(coordinator, segment, shared.clone(), states).map_err(RunError::config)?;
    Ok((None, Some(LiveHook::Member { reports })))
}

/// The thresholds to evaluate and the registry that indexes them.
fn thresholds_and_registry(
    req: &RunRequest,
    options: &Options,
) -> Result<(ThresholdsConfig, Arc<Registry>), RunError> {
    let mut thresholds =
        ThresholdsConfig::from_options(&serde_json::Value::Object(options.raw.clone()))
            .map_err(RunError::config)?;
    // k6 defines `http_req_duration{expected_response:true}` only when the
    // `expected_response` system tag is enabled.
    thresholds.expected_response_submetric =
        SystemTags::from_option(options.system_tags.as_deref()).has("expected_response");
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
    Ok((thresholds, Arc::new(Registry::new(index))))
}

/// The lifecycle and scenario functions the script exports. A script without any exported
/// function, or a scenario whose `exec` is missing, fails before the test starts, as in k6.
fn check_exports(
    req: &RunRequest,
    options: &Options,
    lifecycle: &LifecycleVu,
) -> Result<Vec<String>, RunError> {
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
    Ok(exports)
}

/// The REST API. k6 exits 106 when it cannot listen on an address given with `--address`,
/// and only warns about its default one.
fn start_rest_api(
    req: &RunRequest,
    rt: &tokio::runtime::Runtime,
    state: crate::api::ApiState,
) -> Result<Option<crate::api::ApiServer>, RunError> {
    let Some(addr) = req.address.as_deref() else {
        return Ok(None);
    };
    match crate::api::start(addr, rt.handle(), state) {
        Ok(server) => Ok(Some(server)),
        Err(e) if req.address_explicit => {
            console::log(
                console::Level::Error,
                "Error from API server",
                &[("error", &e)],
            );
            Err(RunError::reported(exit::CANNOT_START_REST_API))
        }
        Err(e) => {
            console::log(
                console::Level::Warn,
                "Error from API server",
                &[("error", &e)],
            );
            Ok(None)
        }
    }
}

/// k6's banner: the script, the outputs and every scenario of this instance's segment.
fn print_banner(
    req: &RunRequest,
    options: &Options,
    local: &LocalScenarios,
    outputs: &[crate::output::BannerEntry],
) {
    use crate::output::BannerEntry;
    let plan = crate::options::scenarios::execution_plan(&local.running);
    let max_vus = crate::options::scenarios::max_possible(&plan);
    let max_dur = plan.last().map(|s| s.offset).unwrap_or_default();
    let mut out = String::new();
    out.push_str("\n         /\\      rk6: k6 scripts on a Rust engine\n\n");
    out.push_str("     execution: local\n");
    out.push_str(&format!("        script: {}\n", req.script.display()));
    let mut listed = Vec::new();
    for o in outputs {
        match o {
            BannerEntry::Output(d) => listed.push(d.as_str()),
            // Right-aligned on the colon, like k6's other banner labels.
            BannerEntry::Line { label, value } => out.push_str(&format!("{label:>14}: {value}\n")),
            BannerEntry::Hidden => {}
        }
    }
    let outs = if listed.is_empty() {
        "-".to_string()
    } else {
        listed.join(", ")
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
