//! The `rk6` command line: `run`, `inspect`, `archive`, `version`, `target`, `compare`,
//! `report`, `new`, and `status|pause|resume|scale|stats` for a running test.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};

use rk6::options::Layer;
use rk6::runner::{self, RunRequest, exit};

#[derive(Parser)]
#[command(
    name = "rk6",
    version,
    about = "Runs k6 test scripts unmodified on a Rust engine",
    disable_help_subcommand = true,
    // A flag given twice: the last one wins, as with k6's flags.
    args_override_self = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a test script.
    Run(RunArgs),
    /// Print the script's consolidated options as JSON.
    Inspect(InspectArgs),
    /// Write the script, its modules and the files it opens to a test archive (k6's format).
    Archive(ArchiveArgs),
    /// Add up the metrics snapshots of a split test's instances (`rk6 run --snapshot-out`)
    /// into the whole test's summary and thresholds.
    Merge(MergeArgs),
    /// Print the version.
    Version,
    /// Serve the embedded httpbin-style test target on 127.0.0.1.
    Target {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// PEM certificate to serve HTTPS (with --tls-key).
        #[arg(long)]
        tls_cert: Option<PathBuf>,
        /// PEM private key for --tls-cert.
        #[arg(long)]
        tls_key: Option<PathBuf>,
    },
    /// Compare two runs metric by metric; exits 1 on a regression beyond tolerance.
    Compare(CompareArgs),
    /// Write the HTML report of a saved run (or of the latest one).
    Report(ReportArgs),
    /// Create a new test script, commented, to start from.
    New(NewArgs),
    /// Show the status of a running test (its REST API, --address).
    Status(ApiArgs),
    /// Pause a running test.
    Pause(ApiArgs),
    /// Resume a paused test.
    Resume(ApiArgs),
    /// Scale a running test (externally-controlled executor).
    Scale(ScaleArgs),
    /// Show the metrics of a running test.
    Stats(ApiArgs),
}

#[derive(Args, Clone)]
struct CompareArgs {
    /// The baseline: a saved run's name, `latest`, or a file (saved run, --summary-export
    /// JSON, or handleSummary data as JSON).
    baseline: String,
    /// The run to judge, in the same forms.
    current: String,
    /// Tolerance of a statistic, e.g. `p95=10%`, `rate=0.5%`, `http_req_duration:p99=25%`
    /// (repeatable or comma-separated; defaults in docs/compare.md).
    #[arg(long = "max-regression")]
    max_regression: Vec<String>,
    /// Changes of a time trend under this many milliseconds are noise.
    #[arg(long, default_value_t = 1.0)]
    noise_floor_ms: f64,
    /// What to print: table, markdown or json.
    #[arg(long, default_value = "table", value_parser = ["table", "markdown", "json"])]
    format: String,
    /// Also write the Markdown (e.g. a pull-request comment) to this file.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Also write the JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Where saved runs are (default: RK6_RESULTS_DIR, else .rk6/runs).
    #[arg(long)]
    results_dir: Option<PathBuf>,
    /// Show every compared statistic, also the request-time breakdown and the per-scenario
    /// and per-group rows that stayed within noise.
    #[arg(long)]
    all: bool,
}

#[derive(Args, Clone)]
struct ReportArgs {
    /// A saved run: its name, `latest`, or its file.
    #[arg(default_value = "latest")]
    run: String,
    /// The HTML file to write.
    #[arg(short = 'o', long = "output", default_value = "report.html")]
    output: PathBuf,
    /// Where saved runs are (default: RK6_RESULTS_DIR, else .rk6/runs).
    #[arg(long)]
    results_dir: Option<PathBuf>,
}

#[derive(Args, Clone)]
struct NewArgs {
    /// The script to create.
    #[arg(default_value = "script.js")]
    file: PathBuf,
    /// Overwrite an existing file.
    #[arg(short = 'f', long)]
    force: bool,
}

#[derive(Args, Clone)]
struct ApiArgs {
    /// The running test's REST API address.
    #[arg(short = 'a', long, default_value = "localhost:6565")]
    address: String,
}

#[derive(Args, Clone)]
struct ScaleArgs {
    #[command(flatten)]
    api: ApiArgs,
    /// Number of virtual users.
    #[arg(short = 'u', long, default_value_t = 1)]
    vus: i64,
    /// Max available virtual users.
    #[arg(short = 'm', long)]
    max: Option<i64>,
}

#[derive(Args, Clone)]
struct InspectArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Also print `totalDuration` and `maxVUs` of the execution plan, with the consolidated
    /// options (what k6-operator reads before it starts the runners).
    #[arg(long)]
    execution_requirements: bool,
}

#[derive(Args, Clone)]
struct ArchiveArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Archive file to write ('-': standard output).
    #[arg(short = 'O', long = "archive-out", default_value = "archive.tar")]
    archive_out: PathBuf,
    /// Do not record environment variables (from --env or the system) in the archive.
    #[arg(long)]
    exclude_env_vars: bool,
}

#[derive(Args, Clone)]
struct MergeArgs {
    /// Every instance's snapshot (their segments must cover the whole test once).
    #[arg(required = true)]
    snapshots: Vec<PathBuf>,
    /// Write k6's legacy JSON summary of the whole test to this file.
    #[arg(long)]
    summary_export: Option<PathBuf>,
    /// Summary mode: compact (default) or legacy.
    #[arg(long, default_value = "compact")]
    summary_mode: String,
    /// Do not print the summary (nor write --summary-export).
    #[arg(long)]
    no_summary: bool,
    /// Disable colors.
    #[arg(long)]
    no_color: bool,
    /// The test's script (or archive): its handleSummary() runs once, on the whole test.
    #[arg(long)]
    script: Option<PathBuf>,
    /// Script environment variable K=V for --script (repeatable); shows up in __ENV.
    #[arg(short = 'e', long = "env")]
    env: Vec<String>,
}

#[derive(Args, Clone)]
struct RunArgs {
    /// The script to run.
    script: PathBuf,
    // Numbers and durations are read as k6's flags read them (Go's strconv and time), with
    // k6's messages: `-u -5` is a configuration error (104), `-u abc` a flag error (255).
    /// Number of VUs.
    #[arg(short = 'u', long, allow_hyphen_values = true)]
    vus: Option<String>,
    /// Test duration, e.g. 30s, 1m30s.
    #[arg(short = 'd', long, allow_hyphen_values = true)]
    duration: Option<String>,
    /// Total iterations shared by the VUs.
    #[arg(short = 'i', long, allow_hyphen_values = true)]
    iterations: Option<String>,
    /// Ramping stage DURATION:TARGET (repeatable).
    #[arg(short = 's', long = "stage")]
    stages: Vec<String>,
    /// Script environment variable K=V (repeatable); shows up in __ENV.
    #[arg(short = 'e', long = "env")]
    env: Vec<String>,
    /// Tag added to every sample, K=V (repeatable).
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Output: json=FILE, csv=FILE, influxdb=URL, timestream[=db.table] (repeatable).
    #[arg(short = 'o', long = "out")]
    out: Vec<String>,
    /// Write k6's legacy JSON summary to this file.
    #[arg(long)]
    summary_export: Option<PathBuf>,
    /// Write this instance's metrics snapshot to this file at the end, for `rk6 merge`
    /// (env K6_SNAPSHOT_OUT).
    #[arg(long)]
    snapshot_out: Option<PathBuf>,
    /// Start at this RFC 3339 time (e.g. 2026-12-06T10:00:00Z) once the VUs are initialised,
    /// so that instances of a split test start together (env K6_START_AT).
    #[arg(long)]
    start_at: Option<String>,
    /// Start together with the other instances of a split test: the REST API (host:port) of
    /// the instance whose segment starts at 0, which keeps the barrier (env K6_COORDINATOR).
    #[arg(long)]
    coordinator: Option<String>,
    /// How long to wait at the barrier for every instance, e.g. 10m (env K6_COORDINATOR_TIMEOUT).
    #[arg(long)]
    coordinator_timeout: Option<String>,
    /// Trend statistics in the summary, e.g. "avg,p(99),max".
    #[arg(long)]
    summary_trend_stats: Option<String>,
    /// Time unit for trends in the summary: s, ms or us.
    #[arg(long)]
    summary_time_unit: Option<String>,
    /// Summary mode: compact (default) or full.
    #[arg(long, default_value = "compact")]
    summary_mode: String,
    /// Do not print the end-of-test summary (nor run handleSummary).
    #[arg(long)]
    no_summary: bool,
    /// Do not evaluate thresholds.
    #[arg(long)]
    no_thresholds: bool,
    /// Hide the banner and progress.
    #[arg(short = 'q', long)]
    quiet: bool,
    /// JSON config file.
    #[arg(short = 'c', long)]
    config: Option<PathBuf>,
    /// Don't run setup().
    #[arg(long)]
    no_setup: bool,
    /// Don't run teardown().
    #[arg(long)]
    no_teardown: bool,
    /// Skip TLS certificate verification.
    #[arg(long)]
    insecure_skip_tls_verify: bool,
    /// Throw on failed HTTP requests instead of returning status 0.
    #[arg(short = 'w', long)]
    throw: bool,
    /// Log HTTP requests and responses (headers; "full" adds bodies).
    // `require_equals`: as in k6, `--http-debug script.js` is the flag without a value, not
    // `--http-debug=script.js`.
    #[arg(
        long,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "headers"
    )]
    http_debug: Option<String>,
    /// User-Agent header for HTTP requests.
    #[arg(long)]
    user_agent: Option<String>,
    /// Write the script's console output to this file instead of stderr.
    #[arg(long)]
    console_output: Option<PathBuf>,
    /// Limit HTTP requests per second across all VUs (0: no limit).
    #[arg(long)]
    rps: Option<u64>,
    /// Host name patterns requests must not reach (comma-separated; `*.example.com`).
    #[arg(long)]
    block_hostnames: Option<String>,
    /// IP ranges requests must not reach (CIDR; repeat the flag or separate with commas).
    #[arg(long)]
    blacklist_ip: Vec<String>,
    /// Follow at most this many redirects.
    #[arg(long)]
    max_redirects: Option<u64>,
    /// Max parallel requests of http.batch().
    #[arg(long)]
    batch: Option<u64>,
    /// Max parallel requests per host of http.batch().
    #[arg(long)]
    batch_per_host: Option<u64>,
    /// Minimum duration of an iteration.
    #[arg(long)]
    min_iteration_duration: Option<String>,
    /// Discard response bodies (responseType 'none' by default).
    #[arg(long)]
    discard_response_bodies: bool,
    /// Don't reuse connections.
    #[arg(long)]
    no_connection_reuse: bool,
    /// Don't reuse connections between iterations of a VU.
    #[arg(long)]
    no_vu_connection_reuse: bool,
    /// System tags to attach, comma separated.
    #[arg(long)]
    system_tags: Option<String>,
    /// Start the test paused (resume through the REST API).
    #[arg(short = 'p', long)]
    paused: bool,
    /// REST API address ('' disables it) [default: localhost:6565].
    #[arg(short = 'a', long)]
    address: Option<String>,
    /// Pass the system environment to __ENV (default: true for run, false for archive).
    // A pflag bool as in k6: `--include-system-env-vars` alone means true, `=false` turns it off.
    #[arg(
        long,
        action = clap::ArgAction::Set,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true"
    )]
    include_system_env_vars: Option<bool>,
    /// Where log lines go: stderr, stdout, none or file=PATH.
    #[arg(long, default_value = "stderr")]
    log_output: String,
    /// Log line format: text, raw or json.
    #[arg(long, default_value = "")]
    log_format: String,
    /// After the test, keep the REST API running until Ctrl+C.
    #[arg(short = 'l', long)]
    linger: bool,
    /// Accepted for k6 compatibility: rk6 sends no usage reports.
    #[arg(long)]
    no_usage_report: bool,
    /// Accepted for k6 compatibility: rk6 runs modern JavaScript in every mode.
    #[arg(long, value_parser = ["base", "extended", "experimental_enhanced"])]
    compatibility_mode: Option<String>,
    /// Only `none` (rk6 has no tracing output).
    #[arg(long, value_parser = ["none"])]
    traces_output: Option<String>,
    /// Accepted for k6 compatibility (k6's pprof endpoints); rk6 serves none.
    #[arg(long)]
    profiling_enabled: bool,
    /// Source addresses of the VUs' requests: IPs, ranges (a-b) and CIDRs, comma-separated.
    #[arg(long)]
    local_ips: Option<String>,
    /// This instance's share of the test, e.g. `1/3:2/3` (see docs/distributed.md).
    #[arg(long)]
    execution_segment: Option<String>,
    /// All instances' segments, e.g. `0,1/3,2/3,1`: how the test is split.
    #[arg(long)]
    execution_segment_sequence: Option<String>,
    /// Not supported by rk6 (k6 secret sources).
    #[arg(long)]
    secret_source: Vec<String>,
    /// Disable colors.
    #[arg(long)]
    no_color: bool,
    /// Debug logging.
    #[arg(short = 'v', long)]
    verbose: bool,
    /// Save the run under this name for `rk6 compare` and `rk6 report` (or RK6_RUN_NAME).
    #[arg(long)]
    run_name: Option<String>,
    /// Where --run-name saves runs (default: RK6_RESULTS_DIR, else .rk6/runs).
    #[arg(long)]
    results_dir: Option<PathBuf>,
}

/// `--tag NAME=VALUE` as k6 parses it (`error parsing tag 'X': invalid tag, empty value`).
fn run_tag(s: &str) -> Result<(String, Value), String> {
    let problem = match s.split_once('=') {
        _ if s.is_empty() => "empty string",
        Some(("", _)) => "empty name",
        Some((k, v)) if !v.is_empty() => return Ok((k.to_string(), Value::String(v.to_string()))),
        _ => "empty value",
    };
    Err(format!("error parsing tag '{s}': invalid tag, {problem}"))
}

/// `-e NAME[=VALUE]`: a missing value is empty, and names are k6's (`[a-zA-Z_][a-zA-Z0-9_]*`).
fn script_env(items: &[String]) -> Result<BTreeMap<String, String>, String> {
    items
        .iter()
        .map(|s| {
            let (k, v) = s.split_once('=').unwrap_or((s, ""));
            let valid = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if valid {
                Ok((k.to_string(), v.to_string()))
            } else {
                Err(format!("invalid environment variable name '{k}'"))
            }
        })
        .collect()
}

/// pflag's message for a value its parser refused.
fn invalid_flag(value: &str, flag: &str, e: String) -> String {
    format!("invalid argument \"{value}\" for \"{flag}\" flag: {e}")
}

fn int_flag(value: &Option<String>, flag: &str) -> Result<Option<i64>, String> {
    value
        .as_deref()
        .map(|v| rk6::go_strconv::parse_int(v).map_err(|e| invalid_flag(v, flag, e)))
        .transpose()
}

fn duration_flag(value: &Option<String>, flag: &str) -> Result<Option<String>, String> {
    match value.as_deref() {
        None => Ok(None),
        Some(v) => rk6::options::duration::parse_go_duration(v)
            .map(|_| Some(v.to_string()))
            .map_err(|e| invalid_flag(v, flag, e)),
    }
}

/// The options the flags set. Every error here is a flag error: k6 exits 255 for it.
fn cli_layer(a: &RunArgs) -> Result<Layer, String> {
    let mut l = Layer::new();
    let mut put = |k: &str, v: Value| {
        l.insert(k.to_string(), v);
    };
    if let Some(v) = int_flag(&a.vus, "-u, --vus")? {
        put("vus", json!(v));
    }
    if let Some(d) = duration_flag(&a.duration, "-d, --duration")? {
        put("duration", json!(d));
    }
    if let Some(i) = int_flag(&a.iterations, "-i, --iterations")? {
        put("iterations", json!(i));
    }
    if !a.stages.is_empty() {
        put(
            "stages",
            rk6::options::stages_from_cli(&a.stages).map_err(|e| e.0)?,
        );
    }
    if let Some(s) = &a.summary_trend_stats {
        put(
            "summaryTrendStats",
            json!(s.split(',').map(str::trim).collect::<Vec<_>>()),
        );
    }
    if let Some(s) = &a.summary_time_unit {
        put("summaryTimeUnit", json!(s));
    }
    let flags = [
        ("noSetup", a.no_setup),
        ("noTeardown", a.no_teardown),
        ("insecureSkipTLSVerify", a.insecure_skip_tls_verify),
        ("throw", a.throw),
        ("discardResponseBodies", a.discard_response_bodies),
        ("noConnectionReuse", a.no_connection_reuse),
        ("noVUConnectionReuse", a.no_vu_connection_reuse),
        ("paused", a.paused),
    ];
    for (k, on) in flags {
        if on {
            put(k, json!(true));
        }
    }
    if let Some(h) = &a.http_debug {
        put("httpDebug", json!(h));
    }
    if let Some(u) = &a.user_agent {
        put("userAgent", json!(u));
    }
    if let Some(ips) = &a.local_ips {
        put("localIPs", json!(ips));
    }
    if let Some(r) = a.rps {
        put("rps", json!(r));
    }
    if let Some(s) = &a.execution_segment {
        put("executionSegment", json!(s));
    }
    if let Some(s) = &a.execution_segment_sequence {
        put("executionSegmentSequence", json!(s));
    }
    if let Some(h) = &a.block_hostnames {
        put("blockHostnames", rk6::options::comma_list(h));
    }
    if !a.blacklist_ip.is_empty() {
        put(
            "blacklistIPs",
            rk6::options::comma_list(&a.blacklist_ip.join(",")),
        );
    }
    if let Some(m) = a.max_redirects {
        put("maxRedirects", json!(m));
    }
    if let Some(b) = a.batch {
        put("batch", json!(b));
    }
    if let Some(b) = a.batch_per_host {
        put("batchPerHost", json!(b));
    }
    if let Some(m) = duration_flag(&a.min_iteration_duration, "--min-iteration-duration")? {
        put("minIterationDuration", json!(m));
    }
    // k6: `--tag` sets `options.tags` in the flags layer, so it replaces the script's tags
    // wholesale rather than merging with them.
    if !a.tags.is_empty() {
        let tags = a
            .tags
            .iter()
            .map(|t| run_tag(t))
            .collect::<Result<_, _>>()?;
        put("tags", Value::Object(tags));
    }
    if let Some(s) = &a.system_tags {
        put(
            "systemTags",
            json!(s.split(',').map(str::trim).collect::<Vec<_>>()),
        );
    }
    Ok(l)
}

/// The `-c` file: a JSON object (or `null`), read with k6's messages; problems exit 104.
fn config_file(p: &std::path::Path) -> Result<Option<Value>, String> {
    use rk6::go_strconv::os_error_text;
    let shown = p.display();
    let fail = |m: String| {
        format!("failed to load the configuration file from the local file system: {m}")
    };
    std::fs::metadata(p).map_err(|e| fail(format!("stat {shown}: {}", os_error_text(&e))))?;
    let text = std::fs::read_to_string(p).map_err(|e| {
        fail(format!(
            "couldn't load the configuration from \"{shown}\": read {shown}: {}",
            os_error_text(&e)
        ))
    })?;
    let unparsable = |m: String| {
        fail(format!(
            "couldn't parse the configuration from \"{shown}\": {m}"
        ))
    };
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        unparsable(format!(
            "not valid JSON (line {}, column {}): {e}",
            e.line(),
            e.column()
        ))
    })?;
    let kind = match &value {
        Value::Object(_) => return Ok(Some(value)),
        Value::Null => return Ok(None),
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
    };
    Err(unparsable(format!(
        "json: cannot unmarshal {kind} into Go value of type cmd.Config"
    )))
}

fn build_request(a: &RunArgs, include_env_by_default: bool) -> Result<RunRequest, (i32, String)> {
    let flag = |m: String| (exit::GENERIC_ERROR, m);
    let config_file = match &a.config {
        None => None,
        Some(p) => config_file(p).map_err(|m| (exit::INVALID_CONFIG, m))?,
    };
    let env: HashMap<String, String> = std::env::vars().collect();
    let script_env = script_env(&a.env).map_err(flag)?;
    let mut outputs = a.out.clone();
    if outputs.is_empty()
        && let Some(o) = env.get("K6_OUT")
    {
        outputs = o
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
    }
    // k6's switch for its dashboard; the `--out web-dashboard` argument wins over it.
    if !outputs
        .iter()
        .any(|o| o.split('=').next() == Some(WEB_DASHBOARD))
        && env
            .get("K6_WEB_DASHBOARD")
            .and_then(|v| rk6::options::parse_bool_str(v))
            .unwrap_or(false)
    {
        outputs.push(WEB_DASHBOARD.to_string());
    }
    let save_as = a
        .run_name
        .clone()
        .or_else(|| env.get("RK6_RUN_NAME").filter(|v| !v.is_empty()).cloned())
        .map(|name| {
            rk6::run_record::SaveAs::new(
                &name,
                rk6::run_record::results_dir(a.results_dir.as_deref()),
            )
        })
        .transpose()
        .map_err(flag)?;
    // A saved run keeps the dashboard's time series: aggregate them without serving a page.
    if save_as.is_some()
        && !outputs
            .iter()
            .any(|o| o.split('=').next() == Some(WEB_DASHBOARD))
    {
        outputs.push(format!("{WEB_DASHBOARD}=port=-1"));
    }
    let no_summary = a.no_summary
        || env
            .get("K6_NO_SUMMARY")
            .and_then(|v| rk6::options::parse_bool_str(v))
            .unwrap_or(false);
    let no_thresholds = a.no_thresholds
        || env
            .get("K6_NO_THRESHOLDS")
            .and_then(|v| rk6::options::parse_bool_str(v))
            .unwrap_or(false);
    let summary_export = a
        .summary_export
        .clone()
        .or_else(|| env.get("K6_SUMMARY_EXPORT").map(PathBuf::from));
    Ok(RunRequest {
        script: a.script.clone(),
        cli_layer: cli_layer(a).map_err(flag)?,
        config_file,
        script_env,
        include_system_env: a.include_system_env_vars.unwrap_or(include_env_by_default),
        outputs,
        summary_export,
        no_summary,
        no_thresholds,
        quiet: a.quiet,
        summary_mode: a.summary_mode.clone(),
        address: match a.address.as_deref() {
            None => Some("localhost:6565".to_string()),
            Some("") => None,
            Some(addr) => Some(addr.to_string()),
        },
        address_explicit: a.address.as_deref().is_some_and(|addr| !addr.is_empty()),
        verbose: a.verbose,
        no_color: a.no_color || env.contains_key("NO_COLOR"),
        linger: a.linger || std::env::var("K6_LINGER").is_ok_and(|v| v == "true" || v == "1"),
        snapshot_out: a
            .snapshot_out
            .clone()
            .or_else(|| env.get("K6_SNAPSHOT_OUT").map(PathBuf::from)),
        start_at: a
            .start_at
            .as_deref()
            .or(env.get("K6_START_AT").map(String::as_str))
            .map(rk6::distributed::start::parse_start_at)
            .transpose()
            .map_err(flag)?,
        coordinator: a
            .coordinator
            .clone()
            .or_else(|| env.get("K6_COORDINATOR").cloned())
            .filter(|c| !c.trim().is_empty()),
        coordinator_timeout: match a
            .coordinator_timeout
            .as_deref()
            .or(env.get("K6_COORDINATOR_TIMEOUT").map(String::as_str))
        {
            None => rk6::distributed::barrier::DEFAULT_TIMEOUT,
            Some(t) => rk6::options::duration::parse_duration(t)
                .map_err(|e| format!("invalid --coordinator-timeout {t:?}: {e}"))
                .map_err(flag)?,
        },
        env,
        archive: None,
        save_as,
    })
}

const WEB_DASHBOARD: &str = rk6::output::web_dashboard::NAME;

/// Flags of k6 that rk6 cannot honour: refused clearly rather than ignored.
fn unsupported_flag(a: &RunArgs) -> Result<(), String> {
    // A bad `--local-ips` is a flag error in k6 (exit 255), not a configuration error.
    if let Some(ips) = &a.local_ips {
        rk6::http::local_ips::LocalIpPool::parse(ips).map_err(|e| e.to_string())?;
    }
    // So are bad segments (k6 parses them while reading its flags).
    if let Some(s) = &a.execution_segment {
        rk6::options::execution_segment::ExecutionSegment::parse(s)?;
    }
    if let Some(s) = &a.execution_segment_sequence {
        rk6::options::execution_segment::ExecutionSegmentSequence::parse(s)?;
    }
    let unsupported = [("--secret-source", !a.secret_source.is_empty())];
    match unsupported.iter().find(|(_, given)| *given) {
        Some((flag, _)) => Err(format!(
            "{flag} is not supported by rk6 (see docs/compatibility.md, \"Not done yet\")"
        )),
        None => Ok(()),
    }
}

/// `--log-output` and `--log-format` (or `K6_LOG_OUTPUT`, `K6_LOG_FORMAT`).
fn logging(a: &RunArgs) -> Result<(), String> {
    use rk6::js::console::{LogFormat, LogOutput, configure_logging};
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let output = match (a.log_output.as_str(), env("K6_LOG_OUTPUT")) {
        ("stderr", Some(v)) => v,
        (flag, _) => flag.to_string(),
    };
    let format = match (a.log_format.as_str(), env("K6_LOG_FORMAT")) {
        ("", Some(v)) => v,
        (flag, _) => flag.to_string(),
    };
    configure_logging(
        a.verbose,
        LogFormat::parse(&format)?,
        LogOutput::parse(&output)?,
    );
    Ok(())
}

/// `--console-output` (or `K6_CONSOLE_OUTPUT`): k6 exits 255 when the file cannot be opened.
fn console_output(a: &RunArgs) -> Result<(), String> {
    let path = a
        .console_output
        .clone()
        .or_else(|| std::env::var_os("K6_CONSOLE_OUTPUT").map(PathBuf::from))
        .filter(|p| !p.as_os_str().is_empty());
    match path {
        None => Ok(()),
        Some(p) => rk6::js::console::set_console_output(&p).map_err(|e| {
            format!(
                "open {}: {}",
                p.display(),
                rk6::go_strconv::os_error_text(&e)
            )
        }),
    }
}

/// k6 users run thousands of VUs, each with its connections: like k6 (Go's runtime does it
/// at start since Go 1.19), rk6 raises its open-files soft limit to the hard limit, so a
/// distribution's low default (1024) is not what stops a test.
fn raise_open_files_limit() {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit only read and write the struct passed to them.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
                lim.rlim_cur = lim.rlim_max;
                // Refused (e.g. macOS with an unlimited hard limit): the soft limit stays.
                let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
            }
        }
    }
}

/// `rk6 merge --script FILE [-e K=V]...`: the request a `rk6 run FILE` with those flags (and
/// the same environment) would make, to load the script for its `handleSummary()`.
fn merge_script(a: &MergeArgs) -> Result<Option<RunRequest>, (i32, String)> {
    let Some(script) = &a.script else {
        return Ok(None);
    };
    let mut argv = vec!["rk6".to_string(), "run".to_string(), "--quiet".to_string()];
    for e in &a.env {
        argv.push(format!("--env={e}"));
    }
    argv.push(script.display().to_string());
    let cli = Cli::try_parse_from(argv).map_err(|e| (exit::GENERIC_ERROR, e.to_string()))?;
    match cli.command {
        Command::Run(run) => build_request(&run, true).map(Some),
        _ => Ok(None),
    }
}

fn main() {
    raise_open_files_limit();
    // k6 exits 255 on a bad flag (cobra's error), not clap's 2; help and version print
    // and exit 0 as usual.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 255 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let code = match cli.command {
        Command::Version => {
            runner::print_stdout(&format!(
                "rk6 v{} (k6-compatible scripting on boa_engine 0.22)\n",
                env!("CARGO_PKG_VERSION")
            ));
            0
        }
        Command::Run(a) => match unsupported_flag(&a)
            .and_then(|()| logging(&a))
            .map_err(|m| (255, m))
            .and_then(|()| build_request(&a, true))
        {
            Ok(req) => match console_output(&a) {
                Ok(()) => runner::run(req),
                Err(msg) => {
                    rk6::js::console::error(&msg);
                    255
                }
            },
            Err((code, msg)) => {
                rk6::js::console::error(&msg);
                code
            }
        },
        Command::Merge(a) => match merge_script(&a) {
            Ok(script) => rk6::distributed::merge::merge(rk6::distributed::merge::MergeRequest {
                snapshots: a.snapshots,
                summary_export: a.summary_export,
                summary_mode: a.summary_mode,
                no_summary: a.no_summary,
                no_color: a.no_color || std::env::var_os("NO_COLOR").is_some(),
                script,
            }),
            Err((code, msg)) => {
                rk6::js::console::error(&msg);
                code
            }
        },
        Command::Archive(a) => match build_request(&a.run, false).and_then(|req| {
            runner::archive(req, &a.archive_out, a.exclude_env_vars)
                .map_err(|e| (e.code, e.message))
        }) {
            Ok(()) => 0,
            Err((code, msg)) => {
                if !msg.is_empty() {
                    rk6::js::console::error(&msg);
                }
                code
            }
        },
        Command::Inspect(a) => match build_request(&a.run, true) {
            Ok(req) => match runner::inspect(req, a.execution_requirements) {
                Ok(v) => {
                    // k6 prints Go's JSON (`<` as \u003c); k6-operator parses it from the log.
                    let mut out = String::new();
                    rk6::output::json::push_html_safe(
                        &serde_json::to_string_pretty(&v).unwrap_or_default(),
                        &mut out,
                    );
                    out.push('\n');
                    runner::print_stdout(&out);
                    0
                }
                Err(e) => {
                    rk6::js::console::error(&e.message);
                    e.code
                }
            },
            Err((code, msg)) => {
                rk6::js::console::error(&msg);
                code
            }
        },
        Command::Target {
            listen,
            tls_cert,
            tls_key,
        } => rk6_target(&listen, tls_cert, tls_key),
        Command::Compare(a) => compare(&a),
        Command::Report(a) => report(&a),
        Command::New(a) => report_error(rk6::new_script::create(&a.file, a.force)),
        Command::Status(a) => report_error(rk6::api::client::status(&a.address)),
        Command::Pause(a) => report_error(rk6::api::client::set_paused(&a.address, true)),
        Command::Resume(a) => report_error(rk6::api::client::set_paused(&a.address, false)),
        Command::Scale(a) => report_error(rk6::api::client::scale(&a.api.address, a.vus, a.max)),
        Command::Stats(a) => report_error(rk6::api::client::stats(&a.address)),
    };
    std::process::exit(code);
}

/// Exit status of the small commands: k6 logs the error and exits 255.
fn report_error(r: Result<(), String>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(msg) => {
            rk6::js::console::error(&msg);
            exit::GENERIC_ERROR
        }
    }
}

fn load_run(what: &str, dir: &std::path::Path) -> Result<rk6::compare::RunStats, String> {
    let path = rk6::run_record::resolve(what, dir)?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("could not read {}: {e}", path.display()))?;
    let label = if what == path.to_string_lossy() {
        what.to_string()
    } else {
        format!("{what} ({})", path.display())
    };
    rk6::compare::RunStats::parse(&label, &text, &path)
}

fn compare(a: &CompareArgs) -> i32 {
    use rk6::compare::{EXIT_REGRESSION, Rule, compare};
    let dir = rk6::run_record::results_dir(a.results_dir.as_deref());
    let result = (|| {
        let mut rule = Rule {
            noise_floor_ms: a.noise_floor_ms,
            ..Rule::default()
        };
        for spec in &a.max_regression {
            rule.apply(spec)?;
        }
        let baseline = load_run(&a.baseline, &dir)?;
        let current = load_run(&a.current, &dir)?;
        let mut c = compare(&baseline, &current, &rule);
        c.all = a.all;
        if c.rows.is_empty() {
            return Err(format!(
                "{} and {} have no metric statistics in common to compare",
                a.baseline, a.current
            ));
        }
        let write = |path: &PathBuf, text: String| {
            std::fs::write(path, text)
                .map_err(|e| format!("could not write {}: {e}", path.display()))
        };
        if let Some(p) = &a.markdown {
            write(p, c.to_markdown())?;
        }
        if let Some(p) = &a.json {
            write(p, c.to_json())?;
        }
        runner::print_stdout(&match a.format.as_str() {
            "markdown" => c.to_markdown(),
            "json" => c.to_json(),
            _ => c.to_table(),
        });
        Ok(c.regressions)
    })();
    match result {
        Ok(0) => 0,
        Ok(_) => EXIT_REGRESSION,
        Err(msg) => report_error(Err(msg)),
    }
}

fn report(a: &ReportArgs) -> i32 {
    let dir = rk6::run_record::results_dir(a.results_dir.as_deref());
    report_error((|| {
        let path = rk6::run_record::resolve(&a.run, &dir)?;
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("could not read {}: {e}", path.display()))?;
        let record: Value = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}: not valid JSON (line {}, column {}): {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        if !rk6::run_record::is_record(&record) {
            return Err(format!(
                "{} is not a run saved by `rk6 run --run-name` (a report needs its time series)",
                path.display()
            ));
        }
        std::fs::write(&a.output, rk6::output::web_dashboard::report_html(&record))
            .map_err(|e| format!("could not write {}: {e}", a.output.display()))
    })())
}

fn rk6_target(listen: &str, cert: Option<PathBuf>, key: Option<PathBuf>) -> i32 {
    let listen: std::net::SocketAddr = match listen.parse() {
        Ok(a) => a,
        Err(e) => {
            rk6::js::console::error(&format!("invalid --listen address {listen:?}: {e}"));
            return exit::INVALID_CONFIG;
        }
    };
    let tls = match (cert, key) {
        (Some(cert_pem), Some(key_pem)) => Some(rk6::target::TlsFiles { cert_pem, key_pem }),
        (None, None) => None,
        _ => {
            rk6::js::console::error("--tls-cert and --tls-key go together");
            return exit::INVALID_CONFIG;
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            rk6::js::console::error(&format!("cannot start the runtime: {e}"));
            return 1;
        }
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    rt.block_on(async move {
        match rk6::target::start(rk6::target::TargetConfig { listen, tls }).await {
            Ok(handle) => {
                println!("rk6 target listening on {scheme}://{}", handle.local_addr());
                let _ = tokio::signal::ctrl_c().await;
                handle.shutdown().await;
                0
            }
            Err(e) => {
                rk6::js::console::error(&format!("cannot start the target on {listen}: {e}"));
                1
            }
        }
    })
}
