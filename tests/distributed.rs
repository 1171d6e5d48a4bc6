//! One test across N instances, one result: each instance writes its metrics snapshot
//! (`rk6 run --snapshot-out`) and `rk6 merge` adds them up into the whole test's summary,
//! `--summary-export` and thresholds. The instances run with k6-operator's command lines
//! (see tests/k6_operator.rs); the merge must equal one instance running the whole test.

mod common;

use std::process::Child;

use common::*;
use serde_json::Value;

/// Deterministic metrics: every value depends only on the iteration's number in the whole
/// test, which the split keeps (`exec.scenario.iterationInTest`).
const SCRIPT: &str = r#"
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
const counter = new Counter('my_counter');
const rate = new Rate('my_rate');
const trend = new Trend('my_trend');
export const options = {
  scenarios: { s: { executor: 'shared-iterations', vus: 3, iterations: 30 } },
  // A third of the test adds only 10: each instance alone fails it.
  thresholds: { my_counter: ['count>=25'], my_rate: ['rate>0.3'] },
};
export default function () {
  const i = exec.scenario.iterationInTest;
  counter.add(1);
  rate.add(i % 3 === 0);
  trend.add(i * 1.5);
  group('g', () => { check(i, { even: (v) => v % 2 === 0 }); });
  http.get(`${__ENV.BASE}/status/${i % 5 === 0 ? 503 : 200}`);
}
"#;

/// Runner `i` of `n` (from 1), with k6-operator's flags and a snapshot.
fn start_instance(ws: &Workspace, base: &str, i: usize, n: usize) -> Child {
    operator_runner(ws, i, n)
        .args([
            "--address=".to_string(),
            // k6-operator passes the same arguments to every runner: `{instance}` tells them apart.
            "--snapshot-out=snap{instance}.json".to_string(),
            "-e".to_string(),
            format!("BASE={base}"),
            "script.js".to_string(),
            "--tag".to_string(),
            format!("instance_id={i}"),
            "--tag".to_string(),
            "testrun_name=merge".to_string(),
        ])
        .spawn()
        .expect("rk6 starts")
}

fn run_instances(ws: &Workspace, base: &str, n: usize) -> Vec<i32> {
    let children: Vec<Child> = (1..=n).map(|i| start_instance(ws, base, i, n)).collect();
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().expect("rk6 ends");
            let code = out.status.code().unwrap_or(-1);
            assert!(
                code == 0 || code == 99,
                "instance exited {code}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            code
        })
        .collect()
}

fn read_json(ws: &Workspace, name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(ws.path(name)).expect("file written"))
        .expect("JSON")
}

#[test]
fn three_instances_merge_into_the_single_run() {
    let target = target();
    let base = base_url(&target);
    let ws = Workspace::new();
    ws.write("script.js", SCRIPT);

    let single = rk6(
        ws.dir.path(),
        &[
            "run",
            "--quiet",
            "--summary-export=whole.json",
            "-e",
            &format!("BASE={base}"),
            "script.js",
        ],
        &[],
    );
    assert_eq!(single.code, 0, "{}", single.stderr);

    // Each third alone crosses `count>=25`: k6's runners under k6-operator exit 99.
    assert_eq!(run_instances(&ws, &base, 3), vec![99, 99, 99]);

    let merged = rk6(
        ws.dir.path(),
        &[
            "merge",
            "--summary-export=merged.json",
            "snap3.json",
            "snap1.json",
            "snap2.json",
        ],
        &[],
    );
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    // The text summary as `rk6 run` prints it, on the whole test's numbers.
    assert!(merged.stdout.contains("my_counter"), "{}", merged.stdout);
    assert!(merged.stdout.contains("count>=25"), "{}", merged.stdout);
    assert!(merged.stdout.contains("15 out of 30"), "{}", merged.stdout);

    let whole = read_json(&ws, "whole.json");
    let merged = read_json(&ws, "merged.json");
    for (metric, keys) in [
        ("iterations", &["count"][..]),
        ("my_counter", &["count"]),
        ("http_reqs", &["count"]),
        ("my_rate", &["value", "passes", "fails"]),
        ("http_req_failed", &["value", "passes", "fails"]),
        ("checks", &["value", "passes", "fails"]),
        ("my_trend", &["avg", "min", "med", "max", "p(90)", "p(95)"]),
    ] {
        for key in keys {
            assert_eq!(
                merged["metrics"][metric][key], whole["metrics"][metric][key],
                "{metric}.{key}"
            );
        }
        assert_eq!(
            merged["metrics"][metric]["thresholds"], whole["metrics"][metric]["thresholds"],
            "{metric} thresholds"
        );
    }
    assert_eq!(whole["metrics"]["my_counter"]["count"], 30);
    assert_eq!(whole["metrics"]["my_trend"]["max"], 43.5);
    assert_eq!(merged["root_group"], whole["root_group"]);
    assert_eq!(
        merged["metrics"]["my_counter"]["thresholds"]["count>=25"],
        false
    );
}

/// A tiny test for the merge's refusals: one iteration per instance.
fn snapshots_of_thirds(ws: &Workspace) {
    ws.write(
        "script.js",
        "export const options = { iterations: 3, vus: 3 };\nexport default function () {}\n",
    );
    assert_eq!(run_instances(ws, "", 3), vec![0, 0, 0]);
}

#[test]
fn a_missing_or_repeated_instance_fails_the_merge() {
    let ws = Workspace::new();
    snapshots_of_thirds(&ws);
    let missing = rk6(
        ws.dir.path(),
        &[
            "merge",
            "--summary-export=m.json",
            "snap1.json",
            "snap3.json",
        ],
        &[],
    );
    assert_eq!(missing.code, 255, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("1/3:2/3") && missing.stderr.contains("instance is missing"),
        "{}",
        missing.stderr
    );
    // No summary is presented as the whole test's.
    assert!(missing.stdout.is_empty(), "{}", missing.stdout);
    assert!(!ws.path("m.json").exists());

    let last_missing = rk6(ws.dir.path(), &["merge", "snap1.json", "snap2.json"], &[]);
    assert_eq!(last_missing.code, 255);
    assert!(
        last_missing.stderr.contains("2/3:1"),
        "{}",
        last_missing.stderr
    );

    let repeated = rk6(
        ws.dir.path(),
        &[
            "merge",
            "snap1.json",
            "snap2.json",
            "snap2.json",
            "snap3.json",
        ],
        &[],
    );
    assert_eq!(repeated.code, 255);
    assert!(repeated.stderr.contains("overlaps"), "{}", repeated.stderr);

    let whole = rk6(
        ws.dir.path(),
        &["merge", "snap1.json", "snap2.json", "snap3.json"],
        &[],
    );
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    assert!(whole.stdout.contains("iterations"), "{}", whole.stdout);

    ws.write("junk.json", "{\"format\": \"something else\"}");
    let junk = rk6(ws.dir.path(), &["merge", "junk.json"], &[]);
    assert_eq!(junk.code, 255);
    assert!(
        junk.stderr.contains("not a metrics snapshot"),
        "{}",
        junk.stderr
    );
}

/// `setup()` runs once per instance, right after the start: it logs when.
const BARRIER_SCRIPT: &str = r#"
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 4, iterations: 1 } } };
export function setup() { console.log(`start ${Date.now()}`); }
export default function () {}
"#;

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_millis() as u64
}

/// The starter's body (k6-operator's `pkg/resources/containers/curl_start.go`).
const START: &str =
    r#"{"data":{"attributes":{"paused":false,"stopped":false},"id":"default","type":"status"}}"#;

/// Four instances driven as k6-operator drives its runners (`--paused`, then the starter's
/// PATCHes one after the other, here 300 ms apart), plus `--coordinator`: none starts before
/// the last one is resumed, so they start together instead of 0.9 s apart.
#[test]
fn the_barrier_starts_every_instance_together() {
    use common::http_api::{free_port, request};
    use std::time::Duration;
    let n = 4;
    let ws = Workspace::new();
    ws.write("script.js", BARRIER_SCRIPT);
    let apis: Vec<String> = (0..n)
        .map(|_| format!("127.0.0.1:{}", free_port()))
        .collect();
    let mut children: Vec<Child> = (1..=n)
        .map(|i| {
            operator_runner(&ws, i, n)
                .args([
                    "--log-format=raw".to_string(),
                    format!("--coordinator={}", apis[0]),
                    "script.js".to_string(),
                    format!("--address={}", apis[i - 1]),
                    "--paused".to_string(),
                    "--tag".to_string(),
                    format!("instance_id={i}"),
                ])
                .spawn()
                .expect("rk6 starts")
        })
        .collect();
    wait_until_ready(apis.iter().map(String::as_str));
    let mut last_resume = 0;
    for (i, api) in apis.iter().enumerate() {
        if i > 0 {
            std::thread::sleep(Duration::from_millis(300));
        }
        last_resume = now_ms();
        let resp = request(api, "PATCH", "/v1/status", Some(START));
        assert_eq!(resp.status, 200, "{}", resp.body);
    }
    let mut starts = Vec::new();
    for (i, child) in children.drain(..).enumerate() {
        let out = child.wait_with_output().expect("rk6 ends");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "instance {}: {err}", i + 1);
        let start: u64 = err
            .lines()
            .find_map(|l| l.strip_prefix("start "))
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or_else(|| panic!("instance {} logged no start: {err}", i + 1));
        starts.push(start);
    }
    for (i, s) in starts.iter().enumerate() {
        assert!(
            *s >= last_resume,
            "instance {} started at {s}, before the last instance was resumed ({last_resume})",
            i + 1
        );
    }
    let skew = starts.iter().max().unwrap() - starts.iter().min().unwrap();
    eprintln!("start skew across {n} instances with the barrier: {skew} ms ({starts:?})");
}

/// A coordinator that never hears from an instance gives up after `--coordinator-timeout`
/// with a message naming the missing segment, rather than waiting forever.
#[test]
fn a_missing_instance_times_out_the_barrier() {
    use common::http_api::free_port;
    let ws = Workspace::new();
    ws.write("script.js", BARRIER_SCRIPT);
    let api = format!("127.0.0.1:{}", free_port());
    let r = rk6(
        ws.dir.path(),
        &[
            "run",
            "--quiet",
            "--execution-segment=0:1/2",
            "--execution-segment-sequence=0,1/2,1",
            &format!("--address={api}"),
            &format!("--coordinator={api}"),
            "--coordinator-timeout=1s",
            "script.js",
        ],
        &[],
    );
    assert_eq!(r.code, 255, "{}", r.stderr);
    assert!(r.stderr.contains("missing: 1/2:1"), "{}", r.stderr);
    assert!(!r.stderr.contains("start "), "{}", r.stderr);
}

/// An instance killed mid-test (a pod evicted, OOM-killed) writes no snapshot: merging what
/// the others wrote (as `rk6 merge snap*.json` would) fails loudly, naming its segment,
/// instead of presenting two thirds of the test as the whole.
#[test]
fn a_killed_instance_fails_the_merge() {
    use std::time::Duration;
    let ws = Workspace::new();
    ws.write(
        "script.js",
        "import { sleep } from 'k6';\nexport const options = { vus: 3, duration: '2s' };\nexport default function () { sleep(0.1); }\n",
    );
    let mut children: Vec<Child> = (1..=3).map(|i| start_instance(&ws, "", i, 3)).collect();
    std::thread::sleep(Duration::from_millis(700));
    children[1].kill().expect("instance 2 killed");
    for (i, c) in children.into_iter().enumerate() {
        let out = c.wait_with_output().expect("rk6 ends");
        if i != 1 {
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    assert!(!ws.path("snap2.json").exists());
    let mut written: Vec<String> = std::fs::read_dir(ws.dir.path())
        .expect("workspace")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("snap") && n.ends_with(".json"))
        .collect();
    written.sort();
    assert_eq!(written, ["snap1.json", "snap3.json"]);
    let mut args = vec!["merge", "--summary-export=m.json"];
    args.extend(written.iter().map(String::as_str));
    let merged = rk6(ws.dir.path(), &args, &[]);
    assert_eq!(merged.code, 255, "{}", merged.stderr);
    assert!(
        merged.stderr.contains("execution segment 1/3:2/3") && merged.stderr.contains("missing"),
        "{}",
        merged.stderr
    );
    assert!(merged.stdout.is_empty(), "{}", merged.stdout);
    assert!(!ws.path("m.json").exists());
}

/// `rk6 merge --script`: the script's `handleSummary()` runs once, on the whole test's
/// data (each instance's own run handled only its share), and replaces the text summary.
#[test]
fn merge_runs_handle_summary_once_on_the_whole_test() {
    let ws = Workspace::new();
    ws.write(
        "script.js",
        r#"export const options = { iterations: 3, vus: 3 };
export default function () {}
export function setup() { return { from: 'setup' }; }
export function handleSummary(data) {
  return {
    'result.json': JSON.stringify({ iterations: data.metrics.iterations.values.count, setup: data.setup_data, who: __ENV.WHO }),
    stdout: 'handled\n',
  };
}
"#,
    );
    assert_eq!(run_instances(&ws, "", 3), vec![0, 0, 0]);
    // Each instance's own handleSummary saw its third.
    assert_eq!(read_json(&ws, "result.json")["iterations"], 1);
    std::fs::remove_file(ws.path("result.json")).expect("written by an instance");
    let merged = rk6(
        ws.dir.path(),
        &[
            "merge",
            "--script=script.js",
            "-e",
            "WHO=merge",
            "snap1.json",
            "snap2.json",
            "snap3.json",
        ],
        &[],
    );
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    assert_eq!(merged.stdout, "handled\n");
    let result = read_json(&ws, "result.json");
    assert_eq!(result["iterations"], 3);
    assert_eq!(result["setup"]["from"], "setup");
    assert_eq!(result["who"], "merge");
}

/// With `--coordinator`, `abortOnFail` is judged on the whole test: each instance (one VU)
/// adds 60 to the counter and then idles, so none crosses `count<100` by itself (without the
/// coordinator each would run its 20 s and exit 0); the three together do, and every
/// instance stops with exit 99.
#[test]
fn abort_on_fail_on_the_whole_test_stops_every_instance() {
    use common::http_api::free_port;
    let n = 3;
    let ws = Workspace::new();
    ws.write(
        "script.js",
        r#"import { sleep } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
const c = new Counter('my_counter');
export const options = {
  scenarios: { s: { executor: 'constant-vus', vus: 3, duration: '20s' } },
  thresholds: { my_counter: [{ threshold: 'count<100', abortOnFail: true }] },
};
export default function () {
  if (exec.vu.iterationInInstance < 60) c.add(1);
  sleep(0.02);
}
"#,
    );
    let coordinator = format!("127.0.0.1:{}", free_port());
    let children: Vec<Child> = (1..=n)
        .map(|i| {
            let address = if i == 1 {
                coordinator.clone()
            } else {
                String::new()
            };
            operator_runner(&ws, i, n)
                .args([
                    format!("--address={address}"),
                    format!("--coordinator={coordinator}"),
                    format!("--snapshot-out=snap{i}.json"),
                    "script.js".to_string(),
                ])
                .spawn()
                .expect("rk6 starts")
        })
        .collect();
    for (i, c) in children.into_iter().enumerate() {
        let out = c.wait_with_output().expect("rk6 ends");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(99), "instance {}: {err}", i + 1);
        assert!(err.contains("abortOnFail"), "instance {}: {err}", i + 1);
    }
    // Each share stayed under the threshold; the whole crossed it.
    let mut total = 0.0;
    for i in 1..=n {
        let snap = read_json(&ws, &format!("snap{i}.json"));
        let count = snap["metrics"]["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .find(|m| m["name"] == "my_counter")
            .map(|m| m["sink"]["value"].as_f64().expect("a counter"))
            .expect("my_counter in the snapshot");
        assert!(count <= 60.0, "instance {i} alone added {count}");
        total += count;
    }
    assert!(total >= 100.0, "{total}");
}
