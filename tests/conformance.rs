//! Differential conformance: every script in `tests/conformance/*.{js,ts}` runs on rk6 and on real
//! k6 v1.1.0 (at `$RK6_K6` or `/opt/k6/bin/k6`, installed by `.ci/setup-outputs.sh`) against
//! one embedded target, and everything a user can observe deterministically must agree:
//!
//! - the exit code;
//! - `--out json`: points per metric, points per (metric, tag set), and the `Metric` lines
//!   (name, type, contains, thresholds);
//! - `--summary-export`: metric names, each metric's fields, deterministic values (counts,
//!   rates, passes/fails, gauge values), threshold verdicts, and the `root_group` tree with
//!   checks' passes/fails per group path;
//! - the data a `handleSummary` writes (`summary.json` in the working directory): its shape
//!   (keys, recursively) and the same deterministic values; and what handleSummary prints.
//!
//! Excluded, with the reason:
//! - `vus` and `vus_max` point counts: sampled once per second, so they depend on wall time;
//!   their values are compared in the summary (`vus_max` only: `vus` at the end is a sample
//!   of a moment), and only when both runs have them: a run that ends within about a second
//!   has them or not depending on its timing, in k6 as in rk6.
//! - Time values: every Trend that measures time (http_req_*, iteration_duration,
//!   group_duration, and custom trends a script fills from timings), Counter `rate`s (per
//!   second), `state.testRunDurationMs`.
//! - `data_sent` and `data_received` byte totals, unless the script sets `userAgent`: rk6's
//!   default User-Agent is deliberately `rk6/<version> ...` (see docs/compatibility.md), and the target
//!   echoes request headers, so both byte counts differ by design. Their point counts are
//!   compared always.
//!
//! A script's first comment lines may say `// args: ...` (extra CLI arguments, split on
//! spaces; `{dir}` is the corpus directory), `// env: K=V ...` (environment variables) and
//! `// deterministic: name ...` (custom Trends whose values are not timings, so all their
//! stats are compared) and `// services: redis` (each run gets a fresh `redis-server` on a free
//! port, its URL in `REDIS_URL`; without redis-server such scripts are skipped, loudly). All
//! differences of all scripts are collected and reported together.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The real k6 binary: `$RK6_K6` or the venv `.ci/setup-outputs.sh` installs k6 v1.1.0 into.
fn k6_binary() -> PathBuf {
    std::env::var("RK6_K6")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/opt/k6/bin/k6"))
}

/// Metrics sampled once per second (their point count depends on the run's wall time).
const TIMED_POINTS: &[&str] = &["vus", "vus_max"];

/// How long one run may take before it counts as hung (each script is < 2 s on k6).
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, PartialEq, Debug)]
enum Tool {
    Rk6,
    K6,
}

struct Script {
    name: String,
    path: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    deterministic_trends: BTreeSet<String>,
    /// Duration-based executors: counts depend on timing, so only names, tag sets, fields
    /// and verdicts are compared.
    time_based: bool,
    sets_user_agent: bool,
    /// Each run needs its own Redis server (`// services: redis`).
    redis: bool,
}

fn corpus() -> Vec<Script> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut scripts: Vec<Script> = std::fs::read_dir(&dir)
        .expect("tests/conformance exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "js" || x == "ts"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("script readable");
            let mut args = Vec::new();
            let mut env = Vec::new();
            let mut deterministic_trends = BTreeSet::new();
            for line in text.lines().take_while(|l| l.starts_with("//")) {
                if let Some(rest) = line.strip_prefix("// args:") {
                    // `{dir}` is the corpus directory (runs start in a temporary directory).
                    args.extend(
                        rest.split_whitespace()
                            .map(|a| a.replace("{dir}", &dir.to_string_lossy())),
                    );
                }
                if let Some(rest) = line.strip_prefix("// env:") {
                    env.extend(rest.split_whitespace().filter_map(|kv| {
                        kv.split_once('=')
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                    }));
                }
                if let Some(rest) = line.strip_prefix("// deterministic:") {
                    deterministic_trends.extend(rest.split_whitespace().map(str::to_string));
                }
            }
            Script {
                name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default(),
                sets_user_agent: text.contains("userAgent"),
                redis: text
                    .lines()
                    .take_while(|l| l.starts_with("//"))
                    .any(|l| l.trim() == "// services: redis"),
                time_based: text
                    .lines()
                    .take_while(|l| l.starts_with("//"))
                    .any(|l| l.trim() == "// time-based"),
                path,
                args,
                env,
                deterministic_trends,
            }
        })
        .collect();
    scripts.sort_by(|a, b| a.name.cmp(&b.name));
    scripts
}

struct RunOutput {
    code: i32,
    stdout: String,
    stderr: String,
    points: Vec<Value>,
    metric_lines: Vec<Value>,
    export: Option<Value>,
    handle_summary: Option<Value>,
}

fn run(tool: Tool, script: &Script, base: &str) -> RunOutput {
    let dir = tempfile::tempdir().expect("temp dir");
    // Each tool gets an empty server, so both see the same data.
    let redis = script
        .redis
        .then(|| common::redis::RedisServer::start(&[]))
        .flatten();
    let bin = match tool {
        Tool::Rk6 => PathBuf::from(env!("CARGO_BIN_EXE_rk6")),
        Tool::K6 => k6_binary(),
    };
    let mut cmd = Command::new(bin);
    cmd.current_dir(dir.path())
        .args(["run", "-q", "--address=", "--out=json=out.json"])
        .arg("--summary-export=export.json")
        .args(&script.args)
        .arg(&script.path)
        .env("BASE_URL", base)
        .env("K6_NO_USAGE_REPORT", "true")
        .envs(script.env.iter().map(|(k, v)| (k, v)))
        .envs(redis.iter().map(|r| ("REDIS_URL", r.url())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the tool starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().expect("output");
    let read_json = |name: &str| {
        std::fs::read_to_string(dir.path().join(name))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
    };
    let lines: Vec<Value> = std::fs::read_to_string(dir.path().join("out.json"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .collect();
    RunOutput {
        code: status.and_then(|s| s.code()).unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        points: lines
            .iter()
            .filter(|v| v["type"] == "Point")
            .cloned()
            .collect(),
        metric_lines: lines
            .iter()
            .filter(|v| v["type"] == "Metric")
            .cloned()
            .collect(),
        export: read_json("export.json"),
        handle_summary: read_json("summary.json"),
    }
}

/// Collects differences of one script.
struct Diff<'a> {
    script: &'a Script,
    found: Vec<String>,
}

impl Diff<'_> {
    fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, k6: T, rk6: T) {
        if k6 != rk6 {
            self.found.push(format!("{what}: k6 {k6:?}, rk6 {rk6:?}"));
        }
    }
}

fn without_timed(points: &[Value]) -> Vec<Value> {
    points
        .iter()
        .filter(|p| !TIMED_POINTS.contains(&p["metric"].as_str().unwrap_or_default()))
        .cloned()
        .collect()
}

/// The `Metric` lines as (name, type, contains, sorted thresholds).
fn metric_decls(lines: &[Value]) -> BTreeMap<String, String> {
    lines
        .iter()
        .map(|l| {
            let d = &l["data"];
            let mut th: Vec<String> = d["thresholds"]
                .as_array()
                .map(|a| a.iter().map(|t| t.to_string()).collect())
                .unwrap_or_default();
            th.sort();
            // k6 builds sub-metrics from a Go map: their order changes from run to run.
            let mut subs: Vec<String> = d["submetrics"]
                .as_array()
                .map(|a| a.iter().map(|t| t.to_string()).collect())
                .unwrap_or_default();
            subs.sort();
            (
                d["name"].as_str().unwrap_or_default().to_string(),
                format!(
                    "type={} contains={} thresholds={th:?} submetrics={subs:?}",
                    d["type"], d["contains"]
                ),
            )
        })
        .collect()
}

/// A summary's metric names, without `vus`/`vus_max` when only one side has them: both tools
/// sample them on a one-second clock, so a run that ends within about a second has them or not
/// depending on when it ended (k6 itself varies run to run). When both have them, their fields
/// and values are compared as any other metric's.
fn metric_names(k6: &Value, rk6: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut k, mut r) = (keys(k6), keys(rk6));
    for timed in TIMED_POINTS {
        if k.contains(*timed) != r.contains(*timed) {
            k.remove(*timed);
            r.remove(*timed);
        }
    }
    (k, r)
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// A metric's base name (`http_reqs` of `http_reqs{status:200}`).
fn base_name(name: &str) -> &str {
    name.split('{').next().unwrap_or(name)
}

/// Which values of a metric are deterministic (the same on every run of the script).
fn deterministic_fields(script: &Script, name: &str, kind: &str) -> Vec<&'static str> {
    let base = base_name(name);
    if script.time_based {
        return vec![];
    }
    match kind {
        "counter" => {
            if matches!(base, "data_sent" | "data_received") && !script.sets_user_agent {
                vec![]
            } else {
                vec!["count"]
            }
        }
        "rate" => vec!["rate", "value", "passes", "fails"],
        "gauge" => match base {
            "vus" => vec![],
            _ => vec!["value", "min", "max"],
        },
        "trend" => {
            if script.deterministic_trends.contains(base) {
                vec![
                    "avg", "min", "max", "med", "p(90)", "p(95)", "p(99.9)", "count",
                ]
            } else {
                vec!["count"]
            }
        }
        _ => vec![],
    }
}

fn close(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(1.0),
        _ => a == b,
    }
}

/// The legacy `--summary-export` file.
fn compare_export(d: &mut Diff, k6: &Value, rk6: &Value) {
    d.eq("export: top-level keys", keys(k6), keys(rk6));
    let (km, rm) = (&k6["metrics"], &rk6["metrics"]);
    let (k_names, r_names) = metric_names(km, rm);
    d.eq("export: metric names", &k_names, &r_names);
    for name in k_names.intersection(&r_names) {
        let (k, r) = (&km[name], &rm[name]);
        d.eq(&format!("export: fields of {name}"), keys(k), keys(r));
        // The legacy export has no type: infer it from the fields.
        let kind = if k.get("passes").is_some() {
            "rate"
        } else if k.get("avg").is_some() || k.get("med").is_some() || k.get("p(90)").is_some() {
            "trend"
        } else if k.get("count").is_some() {
            "counter"
        } else {
            "gauge"
        };
        let fields = if kind == "trend" && !d.script.deterministic_trends.contains(base_name(name))
        {
            vec![]
        } else {
            deterministic_fields(d.script, name, kind)
        };
        for f in fields {
            if k.get(f).is_some() && !close(&k[f], &r[f]) {
                d.found
                    .push(format!("export: {name}.{f}: k6 {}, rk6 {}", k[f], r[f]));
            }
        }
        d.eq(
            &format!("export: thresholds of {name}"),
            k.get("thresholds"),
            r.get("thresholds"),
        );
    }
    compare_groups(d, "export", &k6["root_group"], &rk6["root_group"]);
}

/// A group tree (`root_group`), by path: ids, checks' passes and fails, subgroups.
fn compare_groups(d: &mut Diff, what: &str, k6: &Value, rk6: &Value) {
    d.eq(
        &format!("{what}: group keys at {:?}", k6["path"]),
        keys(k6),
        keys(rk6),
    );
    for f in ["name", "path", "id"] {
        d.eq(
            &format!("{what}: group {f} at {}", k6["path"]),
            &k6[f],
            &rk6[f],
        );
    }
    // The legacy export keys checks and groups by name; handleSummary data uses arrays.
    let as_list = |v: &Value| -> Vec<Value> {
        match v {
            Value::Array(a) => a.clone(),
            Value::Object(o) => o.values().cloned().collect(),
            _ => vec![],
        }
    };
    let by_path = |v: &Value| -> BTreeMap<String, Value> {
        as_list(v)
            .into_iter()
            .map(|c| (c["path"].as_str().unwrap_or_default().to_string(), c))
            .collect()
    };
    let (kc, rc) = (by_path(&k6["checks"]), by_path(&rk6["checks"]));
    d.eq(
        &format!("{what}: checks in group {}", k6["path"]),
        kc.keys().collect::<Vec<_>>(),
        rc.keys().collect::<Vec<_>>(),
    );
    // Order matters too: the summary lists checks and groups in k6's order.
    let order = |v: &Value| -> Vec<String> {
        as_list(v)
            .iter()
            .map(|c| c["path"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    d.eq(
        &format!("{what}: order of checks in group {}", k6["path"]),
        order(&k6["checks"]),
        order(&rk6["checks"]),
    );
    for (path, k) in &kc {
        if let Some(r) = rc.get(path) {
            d.eq(&format!("{what}: check {path} keys"), keys(k), keys(r));
            let fields: &[&str] = if d.script.time_based {
                &["name", "id"]
            } else {
                &["name", "id", "passes", "fails"]
            };
            for f in fields {
                d.eq(&format!("{what}: check {path} {f}"), &k[*f], &r[*f]);
            }
        }
    }
    let (kg, rg) = (by_path(&k6["groups"]), by_path(&rk6["groups"]));
    d.eq(
        &format!("{what}: subgroups of {}", k6["path"]),
        kg.keys().collect::<Vec<_>>(),
        rg.keys().collect::<Vec<_>>(),
    );
    d.eq(
        &format!("{what}: order of subgroups of {}", k6["path"]),
        order(&k6["groups"]),
        order(&rk6["groups"]),
    );
    for (path, k) in &kg {
        if let Some(r) = rg.get(path) {
            compare_groups(d, what, k, r);
        }
    }
}

/// The shape of a JSON value: object keys recursively, arrays by their first element.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => Value::Array(a.first().map(shape).into_iter().collect()),
        Value::Number(_) => Value::String("number".into()),
        Value::String(_) => Value::String("string".into()),
        Value::Bool(_) => Value::String("bool".into()),
        Value::Null => Value::Null,
    }
}

/// handleSummary's data: shape outside `metrics` and `root_group`, then per metric.
fn compare_handle_summary(d: &mut Diff, k6: &Value, rk6: &Value) {
    d.eq("handleSummary: top-level keys", keys(k6), keys(rk6));
    for top in ["options", "state", "setup_data"] {
        d.eq(
            &format!("handleSummary: shape of {top}"),
            shape(&k6[top]),
            shape(&rk6[top]),
        );
    }
    d.eq("handleSummary: options", &k6["options"], &rk6["options"]);
    d.eq(
        "handleSummary: setup_data",
        &k6["setup_data"],
        &rk6["setup_data"],
    );
    d.eq(
        "handleSummary: state.isStdOutTTY/isStdErrTTY",
        (&k6["state"]["isStdOutTTY"], &k6["state"]["isStdErrTTY"]),
        (&rk6["state"]["isStdOutTTY"], &rk6["state"]["isStdErrTTY"]),
    );
    let (km, rm) = (&k6["metrics"], &rk6["metrics"]);
    let (k_names, r_names) = metric_names(km, rm);
    d.eq("handleSummary: metric names", &k_names, &r_names);
    for name in k_names.intersection(&r_names) {
        let (k, r) = (&km[name], &rm[name]);
        d.eq(&format!("handleSummary: keys of {name}"), keys(k), keys(r));
        for f in ["type", "contains"] {
            d.eq(&format!("handleSummary: {name}.{f}"), &k[f], &r[f]);
        }
        d.eq(
            &format!("handleSummary: value fields of {name}"),
            keys(&k["values"]),
            keys(&r["values"]),
        );
        let kind = k["type"].as_str().unwrap_or_default();
        for f in deterministic_fields(d.script, name, kind) {
            let (kv, rv) = (&k["values"][f], &r["values"][f]);
            if !kv.is_null() && !close(kv, rv) {
                d.found.push(format!(
                    "handleSummary: {name}.values.{f}: k6 {kv}, rk6 {rv}"
                ));
            }
        }
        d.eq(
            &format!("handleSummary: thresholds of {name}"),
            &k["thresholds"],
            &r["thresholds"],
        );
    }
    compare_groups(d, "handleSummary", &k6["root_group"], &rk6["root_group"]);
}

fn compare(script: &Script, k6: &RunOutput, rk6: &RunOutput) -> Vec<String> {
    let mut d = Diff {
        script,
        found: Vec::new(),
    };
    d.eq("exit code", k6.code, rk6.code);
    let (kp, rp) = (without_timed(&k6.points), without_timed(&rk6.points));
    let (kt, rt) = (common::counts_by_tagset(&kp), common::counts_by_tagset(&rp));
    if script.time_based {
        // How many iterations fit in the duration differs from run to run, even on k6.
        d.eq(
            "metrics with points",
            common::counts_by_metric(&kp)
                .into_keys()
                .collect::<Vec<_>>(),
            common::counts_by_metric(&rp)
                .into_keys()
                .collect::<Vec<_>>(),
        );
        d.eq(
            "tag sets",
            kt.keys().collect::<Vec<_>>(),
            rt.keys().collect::<Vec<_>>(),
        );
    } else {
        d.eq(
            "points per metric",
            common::counts_by_metric(&kp),
            common::counts_by_metric(&rp),
        );
        for key in kt.keys().chain(rt.keys()).collect::<BTreeSet<_>>() {
            d.eq(
                &format!("points of {} {{{}}}", key.0, key.1),
                kt.get(key),
                rt.get(key),
            );
        }
    }
    if script.sets_user_agent {
        for m in ["data_sent", "data_received"] {
            d.eq(
                &format!("sum of {m}"),
                common::sum_of(&kp, m),
                common::sum_of(&rp, m),
            );
        }
    }
    // `vus`/`vus_max` are declared with their first sample, on a one-second clock: a run that
    // ends within about a second declares them or not by timing (see `metric_names`).
    let (mut k_decls, mut r_decls) = (
        metric_decls(&k6.metric_lines),
        metric_decls(&rk6.metric_lines),
    );
    for timed in TIMED_POINTS {
        if k_decls.contains_key(*timed) != r_decls.contains_key(*timed) {
            k_decls.remove(*timed);
            r_decls.remove(*timed);
        }
    }
    d.eq("Metric lines", k_decls, r_decls);
    match (&k6.export, &rk6.export) {
        (Some(k), Some(r)) => compare_export(&mut d, k, r),
        (k, r) => d.eq("summary export written", k.is_some(), r.is_some()),
    }
    match (&k6.handle_summary, &rk6.handle_summary) {
        (Some(k), Some(r)) => {
            compare_handle_summary(&mut d, k, r);
            d.eq("handleSummary stdout", &k6.stdout, &rk6.stdout);
        }
        (k, r) => d.eq("handleSummary file written", k.is_some(), r.is_some()),
    }
    d.found
}

/// Runs the whole corpus on both tools (a few scripts at a time) and reports every difference.
#[test]
fn corpus_behaves_as_on_k6() {
    let k6 = k6_binary();
    assert!(
        k6.exists(),
        "k6 v1.1.0 not found at {}: run .ci/setup-outputs.sh (or set RK6_K6)",
        k6.display()
    );
    let scripts = corpus();
    assert!(
        scripts.len() >= 30,
        "the corpus has {} scripts",
        scripts.len()
    );
    let only = std::env::var("RK6_CONFORMANCE_ONLY").ok();
    let t = common::target();
    let base = common::base_url(&t);
    let next = Mutex::new(0usize);
    let report: Mutex<BTreeMap<String, Vec<String>>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().expect("lock");
                        *n += 1;
                        *n - 1
                    };
                    let Some(script) = scripts.get(i) else { break };
                    if only.as_deref().is_some_and(|o| !script.name.contains(o)) {
                        continue;
                    }
                    if script.redis && common::redis::redis_server_binary().is_none() {
                        continue;
                    }
                    let k = run(Tool::K6, script, &base);
                    let r = run(Tool::Rk6, script, &base);
                    let mut found = compare(script, &k, &r);
                    if !found.is_empty() && std::env::var("RK6_CONFORMANCE_VERBOSE").is_ok() {
                        found.push(format!("k6 stderr:\n{}", k.stderr));
                        found.push(format!("rk6 stderr:\n{}", r.stderr));
                    }
                    report
                        .lock()
                        .expect("lock")
                        .insert(script.name.clone(), found);
                }
            });
        }
    });
    let report = report.into_inner().expect("lock");
    let mut text = String::new();
    for (name, found) in &report {
        for f in found {
            text.push_str(&format!("{name}: {f}\n"));
        }
    }
    assert!(text.is_empty(), "rk6 differs from k6 v1.1.0:\n{text}");
}
