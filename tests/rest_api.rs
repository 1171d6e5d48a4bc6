//! End-to-end tests of the REST API (`--address`) of a running `rk6 run`: status, pause and
//! resume, `--paused`, scaling an externally-controlled scenario, stopping the test, metrics.
//! Every request sequence was sent to k6 v1.1.0 running the same script; the bodies asserted
//! here are the ones k6 answered (JSON:API shapes, titles, details, status codes).

mod common;

use std::io::Read as _;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::http_api::*;
use common::*;
use serde_json::{Value, json};

struct Running {
    child: Child,
    api: String,
    ws: Workspace,
}

impl Running {
    /// `rk6 run -q --address=127.0.0.1:PORT --out json=out.json <extra> script.js`.
    fn start(script: &str, extra: &[&str]) -> Running {
        let ws = Workspace::new();
        let path = ws.write("script.js", script);
        let port = free_port();
        let api = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_rk6"))
            .current_dir(ws.dir.path())
            .arg("run")
            .arg("-q")
            .arg(format!("--address={api}"))
            .arg(format!("--out=json={}", ws.path("out.json").display()))
            .args(extra)
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rk6 starts");
        Running { child, api, ws }
    }

    fn request(&self, method: &str, path: &str, body: Option<&str>) -> Response {
        request(&self.api, method, path, body)
    }

    /// Polls `GET /v1/status` until `ok` accepts its attributes.
    fn wait_status(&self, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(r) = try_request(&self.api, "GET", "/v1/status", None) {
                let attrs = r.json()["data"]["attributes"].clone();
                if ok(&attrs) {
                    return attrs;
                }
                assert!(Instant::now() < deadline, "status never {what}: {attrs}");
            } else {
                assert!(Instant::now() < deadline, "the REST API never answered");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the exit (at most 60 s) and returns the exit code and stderr; the workspace
    /// stays for reading the outputs.
    fn finish(mut self) -> (i32, String, Workspace) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                let mut err = String::new();
                if let Some(mut e) = self.child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                let ws = std::mem::replace(&mut self.ws, Workspace::new());
                return (status.code().unwrap_or(-1), err, ws);
            }
            // Dropping `self` kills it.
            assert!(Instant::now() < deadline, "rk6 did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A failed assertion must not leave rk6 running (an externally-controlled scenario with
/// duration 0 or a paused test would never end).
impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn patch(attrs: Value) -> String {
    json!({"data": {"type": "status", "id": "default", "attributes": attrs}}).to_string()
}

fn status_body(attrs: Value) -> Value {
    json!({"data": {"type": "status", "id": "default", "attributes": attrs}})
}

const EXTERNAL: &str = r#"
import { sleep } from 'k6';
export const options = { scenarios: { ext: { executor: 'externally-controlled', vus: 1, maxVUs: 3, duration: '0' } } };
export default function () { sleep(0.1); }
"#;

/// The sequence k6 v1.1.0 answered for this script (duration 0: until stopped): status 7
/// (running) with 1 of 3 VUs; vus 3 accepted; vus 5 refused (400 "Config update error");
/// vus-max 5 with vus 5 accepted; vus-max 2 refused; pause → 0 active VUs; resume with 2
/// VUs; /v1/metrics lists metrics with their sink values; an unknown metric is a 404 with a
/// JSON body sent as text/plain; a malformed body is a 400 "Invalid data"; stopped → exit
/// 103 with "test run stopped from REST API".
#[test]
fn externally_controlled_scenario_follows_the_api() {
    let run = Running::start(EXTERNAL, &[]);
    run.wait_status("running", |a| a["status"] == 7 && a["vus"] == 1);
    let r = run.request("GET", "/v1/status", None);
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, "application/json; charset=utf-8");
    assert_eq!(
        r.json(),
        status_body(json!({"status": 7, "paused": false, "vus": 1, "vus-max": 3,
            "stopped": false, "running": true, "tainted": false}))
    );
    let ok = |vus: u64, max: u64, paused: bool| {
        status_body(
            json!({"status": 7, "paused": paused, "vus": vus, "vus-max": max,
            "stopped": false, "running": true, "tainted": false}),
        )
    };
    let r = run.request("PATCH", "/v1/status", Some(&patch(json!({"vus": 3}))));
    assert_eq!((r.status, r.json()), (200, ok(3, 3, false)));
    let r = run.request("PATCH", "/v1/status", Some(&patch(json!({"vus": 5}))));
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"errors": [{"status": "400", "title": "Config update error",
            "detail": "invalid configuration supplied: the number of active VUs (5) must be less than or equal to the number of maxVUs (3)"}]})
    );
    let r = run.request(
        "PATCH",
        "/v1/status",
        Some(&patch(json!({"vus-max": 5, "vus": 5}))),
    );
    assert_eq!((r.status, r.json()), (200, ok(5, 5, false)));
    let r = run.request("PATCH", "/v1/status", Some(&patch(json!({"vus-max": 2}))));
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["errors"][0]["detail"],
        "invalid configuration supplied: the number of active VUs (5) must be less than or equal to the number of maxVUs (2)"
    );
    let r = run.request("PATCH", "/v1/status", Some(&patch(json!({"paused": true}))));
    assert_eq!((r.status, r.json()), (200, ok(0, 5, true)));
    let r = run.request(
        "PATCH",
        "/v1/status",
        Some(&patch(json!({"paused": false, "vus": 2}))),
    );
    assert_eq!((r.status, r.json()), (200, ok(2, 5, false)));

    // Metrics: wait for a complete iteration (so that the trend exists) and for a vus_max
    // sample taken after the scaling (the gauges are sampled every second).
    let deadline = Instant::now() + Duration::from_secs(30);
    let metrics = loop {
        let m = run.request("GET", "/v1/metrics", None).json();
        let has = |id: &str, sample: Option<Value>| {
            m["data"].as_array().is_some_and(|a| {
                a.iter().any(|x| {
                    x["id"] == id
                        && sample
                            .as_ref()
                            .is_none_or(|s| &x["attributes"]["sample"] == s)
                })
            })
        };
        if has("iteration_duration", None) && has("vus_max", Some(json!({"value": 5}))) {
            break m;
        }
        assert!(
            Instant::now() < deadline,
            "metrics incomplete after 30 s: {m}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let find = |id: &str| -> Value {
        metrics["data"]
            .as_array()
            .and_then(|a| a.iter().find(|m| m["id"] == id).cloned())
            .unwrap_or_else(|| panic!("no {id} in {metrics}"))
    };
    let vus_max = find("vus_max");
    assert_eq!(
        vus_max,
        json!({"type": "metrics", "id": "vus_max", "attributes": {"type": "gauge",
            "contains": "default", "tainted": null, "sample": {"value": 5}}})
    );
    let iterations = find("iterations");
    assert_eq!(iterations["attributes"]["type"], "counter");
    let sample = iterations["attributes"]["sample"]
        .as_object()
        .expect("sample");
    let mut keys: Vec<&String> = sample.keys().collect();
    keys.sort();
    assert_eq!(keys, ["count", "rate"]);
    let trend = find("iteration_duration");
    assert_eq!(trend["attributes"]["contains"], "time");
    let mut keys: Vec<String> = trend["attributes"]["sample"]
        .as_object()
        .expect("sample")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    assert_eq!(keys, ["avg", "max", "med", "min", "p(90)", "p(95)"]);
    let r = run.request("GET", "/v1/metrics/vus_max", None);
    assert_eq!((r.status, r.json()), (200, json!({"data": vus_max})));
    let r = run.request("GET", "/v1/metrics/nope", None);
    assert_eq!(r.status, 404);
    assert_eq!(r.content_type, "text/plain; charset=utf-8");
    assert_eq!(
        r.json(),
        json!({"errors": [{"status": "404", "title": "Not Found", "detail": "No metric with that ID was found"}]})
    );
    let r = run.request("PATCH", "/v1/status", Some("garbage"));
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"errors": [{"status": "400", "title": "Invalid data",
            "detail": "invalid character 'g' looking for beginning of value"}]})
    );
    let r = run.request(
        "PATCH",
        "/v1/status",
        Some(&patch(json!({"stopped": true}))),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["data"]["attributes"]["stopped"], true);
    let (code, stderr, ws) = run.finish();
    assert_eq!(code, 103, "stderr: {stderr}");
    assert!(
        stderr.contains("test run stopped from REST API"),
        "{stderr}"
    );
    let pts = points(&ws.path("out.json"));
    assert!(
        counts_by_metric(&pts)
            .get("iterations")
            .copied()
            .unwrap_or(0)
            > 0
    );
    for p in pts.iter().filter(|p| p["metric"] == "vus") {
        assert!(p["data"]["value"].as_f64().unwrap_or(-1.0) <= 5.0, "{p}");
    }
}

const PAUSED: &str = r#"
export const options = { vus: 2, iterations: 4 };
export function setup() { console.log('setup ran'); }
export default function () {}
"#;

/// `--paused`: k6 v1.1.0 reports status 4 (paused before the run), 0 of 2 VUs, not running;
/// only vus and vus_max exist in /v1/metrics (once sampled, after a second); scaling is refused (500 "Execution config
/// error": no externally-controlled executor); nothing runs until `paused: false`, then the
/// test runs to the end (exit 0, 4 iterations).
#[test]
fn paused_start_waits_for_resume() {
    let mut run = Running::start(PAUSED, &["--paused"]);
    let attrs = run.wait_status("paused", |a| a["status"] == 4);
    assert_eq!(
        attrs,
        json!({"status": 4, "paused": true, "vus": 0, "vus-max": 2, "stopped": false,
            "running": false, "tainted": false})
    );
    // The gauges are sampled every second from the end of the VU initialisation on, paused
    // or not; nothing else is measured.
    let deadline = Instant::now() + Duration::from_secs(30);
    let m = loop {
        let m = run.request("GET", "/v1/metrics", None).json();
        if m["data"].as_array().is_some_and(|a| !a.is_empty()) {
            break m;
        }
        assert!(Instant::now() < deadline, "no gauge sampled in 30 s");
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut ids: Vec<String> = m["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|x| x["id"].as_str().map(str::to_string))
        .collect();
    ids.sort();
    assert_eq!(ids, ["vus", "vus_max"]);
    let r = run.request("PATCH", "/v1/status", Some(&patch(json!({"vus": 1}))));
    assert_eq!(r.status, 500);
    assert_eq!(
        r.json(),
        json!({"errors": [{"status": "500", "title": "Execution config error",
            "detail": "an externally-controlled executor needs to be configured for live configuration updates"}]})
    );
    // Still paused a while later: the test does not start on its own.
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        run.child.try_wait().expect("wait").is_none(),
        "rk6 ended while paused"
    );
    assert_eq!(run.wait_status("paused", |_| true)["status"], 4);
    let r = run.request(
        "PATCH",
        "/v1/status",
        Some(&patch(json!({"paused": false}))),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["data"]["attributes"]["paused"], false);
    let (code, stderr, ws) = run.finish();
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(stderr.contains("setup ran"));
    assert_eq!(
        counts_by_metric(&points(&ws.path("out.json"))).get("iterations"),
        Some(&4)
    );
}

const CONSTANT: &str = r#"
import { sleep, group, check } from 'k6';
export const options = { vus: 1, duration: '3s', thresholds: { iterations: ['count<0'] } };
export function setup() { return { token: 'abc' }; }
export default function () {
  check(1, { 'root ok': () => true });
  group('g1', () => { check(1, { 'in g1': (x) => x === 2 }); });
  sleep(0.1);
}
"#;

/// Other executors cannot be paused once started: k6 v1.1.0 answers 500 "Pause error"
/// naming the executor; PUT on /v1/status is 405 and unknown paths 404; /v1/groups lists
/// the group tree with md5 ids and live check counts, /v1/setup setup()'s data; a failing
/// threshold makes the status (and the metric) tainted once evaluated; stopping still exits
/// 103.
#[test]
fn pause_is_refused_by_other_executors_and_thresholds_taint() {
    let run = Running::start(CONSTANT, &[]);
    run.wait_status("running", |a| a["status"] == 7);
    let r = run.request("GET", "/v1/setup", None);
    assert_eq!(
        r.json(),
        json!({"data": {"type": "setupData", "id": "default", "attributes": {"data": {"token": "abc"}}}})
    );
    // The group tree once both checks ran.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut groups = loop {
        let g = run.request("GET", "/v1/groups", None).json();
        if g["data"][1]["attributes"]["checks"][0]["fails"].as_u64() > Some(0) {
            break g;
        }
        assert!(Instant::now() < deadline, "no checks in 30 s: {g}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let (root_id, g1_id) = (
        "d41d8cd98f00b204e9800998ecf8427e",
        "9ccb03cc5acd728a2fe595bbd1f14da3",
    );
    // Takes the (live) pass and fail counts out of a check, leaving its identity.
    let counts = |check: &mut Value| -> (u64, u64) {
        let mut take = |k: &str| {
            check
                .as_object_mut()
                .and_then(|o| o.remove(k))
                .and_then(|v| v.as_u64())
                .unwrap_or(0)
        };
        (take("passes"), take("fails"))
    };
    let (p, f) = counts(&mut groups["data"][0]["attributes"]["checks"][0]);
    assert!(p > 0 && f == 0, "root ok: {p} passes, {f} fails");
    let (p, f) = counts(&mut groups["data"][1]["attributes"]["checks"][0]);
    assert!(p == 0 && f > 0, "in g1: {p} passes, {f} fails");
    assert_eq!(
        groups,
        json!({"data": [
            {"type": "groups", "id": root_id,
             "attributes": {"path": "", "name": "", "checks": [
                {"id": "9a460c9feaf8ae8dbe8bcfa157778857", "path": "::root ok", "name": "root ok"}]},
             "relationships": {"groups": {"data": [{"type": "groups", "id": g1_id}]},
                               "parent": {"data": null}}},
            {"type": "groups", "id": g1_id,
             "attributes": {"path": "::g1", "name": "g1", "checks": [
                {"id": "cc2fb30c6e607a4862175fe9fcf8b275", "path": "::g1::in g1", "name": "in g1"}]},
             "relationships": {"groups": {"data": []},
                               "parent": {"data": {"type": "groups", "id": root_id}}}},
        ]})
    );
    let r = run.request("GET", &format!("/v1/groups/{g1_id}"), None);
    assert_eq!(r.json()["data"]["attributes"]["path"], "::g1");
    let r = run.request("GET", "/v1/groups/nope", None);
    assert_eq!(
        (r.status, r.content_type.as_str()),
        (404, "text/plain; charset=utf-8")
    );
    assert_eq!(
        r.json()["errors"][0]["detail"],
        "No group with that ID was found"
    );
    let r = run.request("PATCH", "/v1/status", Some(&patch(json!({"paused": true}))));
    assert_eq!(r.status, 500);
    assert_eq!(
        r.json(),
        json!({"errors": [{"status": "500", "title": "Pause error",
            "detail": "constant-vus executor 'default' doesn't support pause and resume operations after its start"}]})
    );
    assert_eq!(run.request("PUT", "/v1/status", None).status, 405);
    assert_eq!(run.request("GET", "/v1/nothing", None).status, 404);
    run.wait_status("tainted", |a| a["tainted"] == true);
    let it = run.request("GET", "/v1/metrics/iterations", None).json();
    assert_eq!(it["data"]["attributes"]["tainted"], true);
    let r = run.request(
        "PATCH",
        "/v1/status",
        Some(&patch(json!({"stopped": true}))),
    );
    assert_eq!(r.json()["data"]["attributes"]["stopped"], true);
    let (code, stderr, _) = run.finish();
    assert_eq!(code, 103, "stderr: {stderr}");
}

/// An address given with `--address` that cannot be listened on: k6 v1.1.0 logs `Error from
/// API server` (error level) and exits 106 at once, before running anything, also with
/// `--paused` (which would otherwise wait for the API forever).
#[test]
fn unbindable_address_exits_106() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = taken.local_addr().expect("address").to_string();
    let ws = Workspace::new();
    ws.write(
        "s.js",
        "export default function () { console.log('ran'); }\n",
    );
    let flag = format!("--address={addr}");
    for extra in [&[][..], &["--paused"][..]] {
        let mut args = vec!["run", "-q", flag.as_str()];
        args.extend_from_slice(extra);
        args.push("s.js");
        let r = rk6(ws.dir.path(), &args, &[]);
        assert_eq!(r.code, 106, "{extra:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!(
                r#"level=error msg="Error from API server" error="listen tcp {addr}: bind: address already in use""#
            )),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("ran"), "{}", r.stderr);
    }
}

/// `vus-max` raised to 100 000 on an externally-controlled scenario of 3 s: k6 v1.1.0 starts
/// initialising VUs one by one, the end of the scenario cancels that, the PATCH is answered
/// then with 400 "Config update error" / "context canceled", and the test exits 0.
#[test]
fn huge_vus_max_is_cancelled_by_the_end_of_the_test() {
    let script = r#"
import { sleep } from 'k6';
export const options = { scenarios: { ext: { executor: 'externally-controlled', vus: 1, maxVUs: 2, duration: '3s' } } };
export default function () { sleep(0.1); }
"#;
    let run = Running::start(script, &[]);
    run.wait_status("running", |a| a["status"] == 7 && a["vus"] == 1);
    let r = run.request(
        "PATCH",
        "/v1/status",
        Some(&patch(json!({"vus-max": 100_000}))),
    );
    assert_eq!(
        (r.status, r.json()),
        (
            400,
            json!({"errors": [{"status": "400", "title": "Config update error", "detail": "context canceled"}]})
        )
    );
    let (code, stderr, ws) = run.finish();
    assert_eq!(code, 0, "stderr: {stderr}");
    let pts = points(&ws.path("out.json"));
    let most = pts
        .iter()
        .filter(|p| p["metric"] == "vus_max")
        .filter_map(|p| p["data"]["value"].as_f64())
        .fold(0.0, f64::max);
    assert!(most < 100_000.0, "vus_max reached {most}");
}
