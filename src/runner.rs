//! `rk6 run`: the lifecycle of a test run, in k6's order, one module per phase — init
//! (read options, start outputs, initialise VUs), setup, execute (the scenarios), teardown,
//! summary (thresholds, summary, output reports), exit code — with k6's exit codes.

mod execute;
mod exit_code;
mod init;
mod lifecycle_vu;
mod pipeline;
mod script_options;
mod setup;
mod shared;
mod summary;
mod teardown;
mod vus_gauge;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use crate::js::console;
use crate::js::vu::ScriptError;
use crate::options::Layer;

pub use exit_code::completed_test_code;
pub use script_options::consolidate;
use script_options::read_script_options;
use shared::system_env;
pub use summary::write_summary_files;

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
    /// `--run-name`: save the run for `rk6 compare` and `rk6 report`.
    pub save_as: Option<crate::run_record::SaveAs>,
    /// `--snapshot-out`: where to write this instance's mergeable metrics snapshot.
    pub snapshot_out: Option<PathBuf>,
    /// `--start-at`: the wall-clock moment to start at, once the VUs are initialised.
    pub start_at: Option<std::time::SystemTime>,
    /// `--coordinator`: the REST API (`host:port`) of the instance that keeps the start
    /// barrier of a split test (the one whose segment starts at 0).
    pub coordinator: Option<String>,
    /// `--coordinator-timeout`: how long to wait for every instance to be ready.
    pub coordinator_timeout: std::time::Duration,
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
    /// An exit whose reason was already logged.
    fn reported(code: i32) -> Self {
        RunError {
            code,
            message: String::new(),
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

/// Runs the test; returns the process exit code.
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
            "The moduleSpecifier \"{}\" {}",
            script.display(),
            crate::js::loader::NOT_ON_DISK
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

/// What the phases before the summary leave for it and for the exit code.
struct Outcome {
    /// setup()'s result, given to the scenarios, teardown() and handleSummary().
    setup_data: Arc<Option<serde_json::Value>>,
    /// The exit code of a phase that failed; the later phases are skipped, as in k6.
    early_exit: Option<i32>,
    /// setup() returned data k6 cannot marshal: logged at the very end, as k6 does.
    setup_data_error: Option<String>,
    /// exec.test.abort() in setup(): the scenarios and teardown() do not run.
    aborted_in_setup: bool,
}

/// The run, phase by phase.
fn run_inner(req: &RunRequest) -> Result<i32, RunError> {
    // An archive's script is inside it, not on disk.
    if req.archive.is_none() {
        check_script_file(&req.script)?;
    }
    let rt = tokio_runtime()?;
    let mut run = init::prepare(req, &rt)?;
    let test_start = match execute::start_clock(req, &rt, &run) {
        Ok(t) => t,
        Err(code) => return Ok(code),
    };
    let mut outcome = setup::run(&run);
    execute::run_scenarios(&mut run, &mut outcome);
    teardown::run(&run, &mut outcome);
    let mut ended = execute::end(&mut run, test_start);
    let verdict = summary::report(req, &mut run, &outcome, &mut ended)?;
    if let Some(board) = &run.live {
        // Every other instance hears of a whole-test abort before this one's API goes.
        let others = run
            .options
            .execution_tuple
            .sequence()
            .0
            .len()
            .saturating_sub(1);
        board.wait_until_told(others, std::time::Duration::from_secs(10));
    }
    if req.linger && ended.aborted_by.is_none() {
        linger(&rt);
    }
    drop(rt);
    Ok(exit_code::decide(
        &outcome,
        run.control.stopped(),
        &ended,
        &verdict,
    ))
}

/// k6's `--linger`: the REST API stays up (for scrapers) until the user stops rk6; the exit
/// code stays the test's.
fn linger(rt: &tokio::runtime::Runtime) {
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
    let (samples, _samples_rx) = crossbeam_channel::unbounded();
    let (abort_tx, _abort_rx) = crossbeam_channel::unbounded();
    let shared = shared::make_shared(
        &req,
        options.clone(),
        Arc::new(crate::metrics::registry::Registry::new(
            crate::metrics::registry::ThresholdIndex::default(),
        )),
        samples,
        abort_tx,
        rt.handle().clone(),
        preload.files,
        preload.sources,
    )?;
    *shared.shared_arrays.lock() = preload.shared_arrays;
    let (lifecycle, _) = lifecycle_vu::LifecycleVu::start(shared).map_err(RunError::script)?;
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

/// Writes to stdout, ignoring a closed pipe (`rk6 run ... | head` must not panic).
pub fn print_stdout(s: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes()).and_then(|()| out.flush());
}
