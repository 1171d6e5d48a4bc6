//! rk6 driven as k6-operator drives its runner pods, with N local processes standing in for
//! the N pods (see /docs/distributed.md): the runners' command lines
//! (`pkg/resources/jobs/runner.go`: `k6 run --quiet --execution-segment=<i-1>/N:<i>/N
//! --execution-segment-sequence=0,1/N,…,1 <spec.arguments> <script> --address=… --paused
//! --tag instance_id=<i> --tag testrun_name=<name>`), readiness as `isServiceReady` (any
//! `GET /v1/status` answer below 400), the starter's sequential `PATCH /v1/status` with its
//! exact body, and the exit codes. Together the N instances must do exactly the work of one
//! instance running the whole test: every iteration number of the whole test once, every VU
//! number once.

mod common;

use std::collections::BTreeMap;
use std::io::Read as _;
use std::process::Child;
use std::time::{Duration, Instant};

use common::http_api::*;
use common::*;
use serde_json::Value;

const SCRIPT: &str = r#"
import exec from 'k6/execution';
export const options = {
  scenarios: {
    shared: { executor: 'shared-iterations', vus: 6, iterations: 30 },
    car: { executor: 'constant-arrival-rate', rate: 20, duration: '1020ms', preAllocatedVUs: 6, maxVUs: 6, exec: 'arrive' },
  },
};
function log() {
  console.log(JSON.stringify({ s: exec.scenario.name, t: exec.scenario.iterationInTest, id: exec.vu.idInTest }));
}
export default function () { log(); }
export function arrive() { log(); }
"#;

/// The starter's body (`pkg/resources/containers/curl_start.go`).
const START: &str =
    r#"{"data":{"attributes":{"paused":false,"stopped":false},"id":"default","type":"status"}}"#;

struct Runner {
    child: Child,
    api: String,
}

impl Drop for Runner {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn start_runner(ws: &Workspace, script: &std::path::Path, i: usize, n: usize) -> Runner {
    let api = format!("127.0.0.1:{}", free_port());
    let child = operator_runner(ws, i, n)
        .args([
            // spec.arguments
            "--log-format=raw".to_string(),
            script.display().to_string(),
            format!("--address={api}"),
            "--paused".to_string(),
            "--tag".to_string(),
            format!("instance_id={i}"),
            "--tag".to_string(),
            "testrun_name=harness".to_string(),
        ])
        .spawn()
        .expect("rk6 starts");
    Runner { child, api }
}

/// Runs the test on `n` runners as k6-operator does; returns each runner's exit code and
/// logged iterations.
fn operator_run(n: usize) -> Vec<(i32, Vec<Value>)> {
    let ws = Workspace::new();
    let script = ws.write("test.js", SCRIPT);
    let mut runners: Vec<Runner> = (1..=n).map(|i| start_runner(&ws, &script, i, n)).collect();
    // isServiceReady: every runner answers GET /v1/status below 400.
    wait_until_ready(runners.iter().map(|r| r.api.as_str()));
    // The starter: one PATCH per runner, in order.
    for r in &runners {
        let resp = request(&r.api, "PATCH", "/v1/status", Some(START));
        assert_eq!(resp.status, 200, "{}", resp.body);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut results = Vec::new();
    for r in &mut runners {
        let status = loop {
            if let Some(s) = r.child.try_wait().expect("wait") {
                break s;
            }
            assert!(Instant::now() < deadline, "runner {} did not exit", r.api);
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut err = String::new();
        if let Some(mut e) = r.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        let logged = err
            .lines()
            .filter(|l| l.starts_with('{'))
            .map(|l| serde_json::from_str(l).expect("a logged iteration"))
            .collect();
        results.push((status.code().unwrap_or(-1), logged));
    }
    results
}

fn check_whole_test_once(n: usize) {
    let results = operator_run(n);
    let mut iterations: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut vus: BTreeMap<u64, usize> = BTreeMap::new();
    for (i, (code, logged)) in results.iter().enumerate() {
        assert_eq!(*code, 0, "runner {}", i + 1);
        let mut mine = std::collections::BTreeSet::new();
        for v in logged {
            iterations
                .entry(v["s"].as_str().expect("scenario").to_string())
                .or_default()
                .push(v["t"].as_u64().expect("iteration"));
            mine.insert(v["id"].as_u64().expect("VU"));
        }
        for id in mine {
            *vus.entry(id).or_default() += 1;
        }
    }
    for list in iterations.values_mut() {
        list.sort_unstable();
    }
    // One instance would run shared iterations 0..29 and the 21 starts at 0, 50ms, … 1s.
    assert_eq!(iterations["shared"], (0..30).collect::<Vec<u64>>(), "N={n}");
    assert_eq!(iterations["car"], (0..21).collect::<Vec<u64>>(), "N={n}");
    // No whole-test VU number is used by two instances.
    assert!(vus.values().all(|c| *c == 1), "N={n}: {vus:?}");
}

#[test]
fn three_runners_do_the_whole_test_once() {
    check_whole_test_once(3);
}

#[test]
fn four_runners_do_the_whole_test_once() {
    check_whole_test_once(4);
}

/// The initializer's `k6 inspect --execution-requirements <archive>`: k6-operator parses the
/// whole log as JSON, so stdout must be JSON only. k6 v1.1.0 printed, for this script
/// (`k6 inspect --execution-requirements th.js`), the consolidated options with the
/// thresholds in Go's escaping, then `"totalDuration": "40s"` and `"maxVUs": 3`.
#[test]
fn inspect_execution_requirements_as_k6() {
    let ws = Workspace::new();
    let script = ws.write(
        "th.js",
        "export const options = { vus: 3, duration: '10s', thresholds: { http_req_duration: ['p(95)<200', {threshold: 'avg<100', abortOnFail: true}] } };\nexport default function () {}\n",
    );
    let r = rk6(
        ws.dir.path(),
        &[
            "inspect",
            "--execution-requirements",
            &script.display().to_string(),
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(r#""p(95)\u003c200""#), "{}", r.stdout);
    let v: Value = serde_json::from_str(&r.stdout).expect("pure JSON on stdout");
    assert_eq!(v["totalDuration"], "40s");
    assert_eq!(v["maxVUs"], 3);
    assert_eq!(v["scenarios"]["default"]["executor"], "constant-vus");
    assert_eq!(v["scenarios"]["default"]["vus"], 3);
    assert_eq!(v["summaryTrendStats"][5], "p(95)");
    assert_eq!(v["systemTags"][0], "check");
    assert_eq!(
        v["thresholds"]["http_req_duration"][1],
        serde_json::json!({"threshold": "avg<100", "abortOnFail": true, "delayAbortEval": null})
    );
    let keys: Vec<&String> = v.as_object().expect("an object").keys().collect();
    assert_eq!(keys[keys.len() - 2..], ["totalDuration", "maxVUs"]);
}
