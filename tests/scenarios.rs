//! End-to-end tests of scenarios and executors through the rk6 binary: every executor with
//! its parameters and defaults, several scenarios at once, dropped and interrupted
//! iterations, arrival-rate schedules (also against a slow target), `k6/execution`, the
//! lifecycle options and invalid configurations.
//!
//! Every script here was run on k6 v1.1.0 against the same embedded target; each test says
//! what k6 gave. Counts k6 makes deterministic are asserted exactly. Counts that depend on
//! timing are asserted within generous bounds around k6's results (stated per test), so a
//! loaded CI machine does not make them flaky.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use serde_json::Value;

/// Point counts of `metric` per value of the `scenario` tag ("-" when absent).
fn per_scenario(pts: &[Value], metric: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for p in pts.iter().filter(|p| p["metric"] == metric) {
        let sc = p["data"]["tags"]["scenario"].as_str().unwrap_or("-");
        *m.entry(sc.to_string()).or_default() += 1;
    }
    m
}

/// Sum of the values of `metric` per value of the `scenario` tag.
fn sum_per_scenario(pts: &[Value], metric: &str) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    for p in pts.iter().filter(|p| p["metric"] == metric) {
        let sc = p["data"]["tags"]["scenario"].as_str().unwrap_or("-");
        *m.entry(sc.to_string()).or_default() += p["data"]["value"].as_f64().unwrap_or(0.0);
    }
    m
}

fn count(m: &BTreeMap<String, usize>, k: &str) -> usize {
    m.get(k).copied().unwrap_or(0)
}

fn sum(m: &BTreeMap<String, f64>, k: &str) -> f64 {
    m.get(k).copied().unwrap_or(0.0)
}

/// The `msg` of each log line of stderr (logrus quoting undone).
fn messages(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| {
            let start = l.find("msg=\"")? + 5;
            let mut out = String::new();
            let mut chars = l[start..].chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => return Some(out),
                    '\\' => match chars.next()? {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        other => out.push(other),
                    },
                    c => out.push(c),
                }
            }
            None
        })
        .collect()
}

/// JSON values the script logged as `console.log(PREFIX + JSON.stringify(v))`.
fn logged(stderr: &str, prefix: &str) -> Vec<Value> {
    messages(stderr)
        .iter()
        .filter_map(|m| m.strip_prefix(prefix))
        .map(|j| serde_json::from_str(j).unwrap_or_else(|e| panic!("bad JSON {j}: {e}")))
        .collect()
}

fn run_ok(ws: &Workspace, script: &str, base: &str) -> Vec<Value> {
    let r = run_script(ws, script, &[], &[("BASE", base)]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    points(&ws.path("out.json"))
}

const ITERATIONS: &str = r#"
import http from 'k6/http';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
const seen = new Counter('seen');
export const options = {
  scenarios: {
    shared: { executor: 'shared-iterations', vus: 3, iterations: 10, exec: 'work' },
    pervu: { executor: 'per-vu-iterations', vus: 2, iterations: 3, exec: 'work' },
    shared_defaults: { executor: 'shared-iterations', exec: 'work' },
    pervu_defaults: { executor: 'per-vu-iterations', exec: 'work' },
  },
};
export function work() {
  http.get(`${__ENV.BASE}/get`);
  seen.add(1, { vu: String(exec.vu.idInTest), iis: String(exec.vu.iterationInScenario) });
}
"#;

/// k6 v1.1.0: iterations shared 10, pervu 6, shared_defaults 1, pervu_defaults 1 (defaults:
/// 1 VU, 1 iteration); each per-vu VU runs exactly 3 with iterationInScenario 0, 1, 2; every
/// scenario has its own VUs (7 in all, none shared); nothing is dropped. Which VU runs how many
/// shared iterations is a race in k6 too, so only the total is asserted.
#[test]
fn iteration_based_executors_run_exact_counts() {
    let t = target();
    let ws = Workspace::new();
    let pts = run_ok(&ws, ITERATIONS, &base_url(&t));
    let it = per_scenario(&pts, "iterations");
    assert_eq!(count(&it, "shared"), 10);
    assert_eq!(count(&it, "pervu"), 6);
    assert_eq!(count(&it, "shared_defaults"), 1);
    assert_eq!(count(&it, "pervu_defaults"), 1);
    assert_eq!(counts_by_metric(&pts).get("dropped_iterations"), None);

    let mut by_vu: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    for p in pts.iter().filter(|p| p["metric"] == "seen") {
        let tags = &p["data"]["tags"];
        let key = (
            tags["scenario"].as_str().unwrap_or_default().to_string(),
            tags["vu"].as_str().unwrap_or_default().to_string(),
        );
        let iis: u64 = tags["iis"].as_str().unwrap_or("x").parse().expect("iis");
        by_vu.entry(key).or_default().push(iis);
    }
    let vus_of = |sc: &str| -> BTreeSet<String> {
        by_vu
            .keys()
            .filter(|(s, _)| s == sc)
            .map(|(_, v)| v.clone())
            .collect()
    };
    assert_eq!(vus_of("pervu").len(), 2);
    for ((sc, _), iters) in &by_vu {
        let mut iters = iters.clone();
        iters.sort();
        let expected: Vec<u64> = (0..iters.len() as u64).collect();
        assert_eq!(iters, expected, "iterationInScenario of a VU in {sc}");
        if sc == "pervu" {
            assert_eq!(iters.len(), 3);
        }
    }
    assert!(vus_of("shared").len() <= 3);
    let all: BTreeSet<String> = by_vu.keys().map(|(_, v)| v.clone()).collect();
    let used: usize = ["shared", "pervu", "shared_defaults", "pervu_defaults"]
        .iter()
        .map(|s| vus_of(s).len())
        .sum();
    assert_eq!(all.len(), used, "concurrent scenarios never share a VU");
    // 7 VUs in all; the shared scenario's 3 may not all get an iteration (a fast VU can take
    // all 10 before the others start, in k6 too), so between 5 and 7 of them ran one.
    assert!((5..=7).contains(&all.len()), "VUs that ran: {all:?}");
    for vu in &all {
        let id: u64 = vu.parse().expect("a VU id");
        assert!(
            (1..=7).contains(&id),
            "VU {vu} beyond the 7 the scenarios need"
        );
    }
    assert_eq!(summary(&ws)["metrics"]["iterations"]["count"], 18);
}

const CAPPED: &str = r#"
import http from 'k6/http';
import { sleep } from 'k6';
export const options = {
  scenarios: {
    shared_cap: { executor: 'shared-iterations', vus: 2, iterations: 10, maxDuration: '1s', gracefulStop: '0s' },
    pervu_cap: { executor: 'per-vu-iterations', vus: 2, iterations: 3, maxDuration: '1s', gracefulStop: '0s' },
    graceful: { executor: 'per-vu-iterations', vus: 1, iterations: 3, maxDuration: '1s', gracefulStop: '3s' },
  },
};
export default function () {
  http.get(`${__ENV.BASE}/get`);
  sleep(1.5);
}
"#;

/// Iterations of 1.5 s against a 1 s maxDuration: every VU starts exactly one. k6 v1.1.0
/// (twice, identical): iterations only `graceful` 1 (its gracefulStop lets it finish);
/// dropped_iterations 8 for shared_cap (one point), 2+2 for pervu_cap (one point per VU),
/// 2 for graceful; http_reqs and data_sent one per started iteration (interrupted ones
/// included); summary export iterations 1, dropped_iterations 14.
#[test]
fn max_duration_drops_and_interrupts_iterations() {
    let t = target();
    let ws = Workspace::new();
    let pts = run_ok(&ws, CAPPED, &base_url(&t));
    let it = per_scenario(&pts, "iterations");
    assert_eq!(count(&it, "shared_cap"), 0);
    assert_eq!(count(&it, "pervu_cap"), 0);
    assert_eq!(count(&it, "graceful"), 1);
    assert_eq!(
        per_scenario(&pts, "iteration_duration"),
        per_scenario(&pts, "iterations")
    );
    let dropped_points = per_scenario(&pts, "dropped_iterations");
    assert_eq!(count(&dropped_points, "shared_cap"), 1);
    assert_eq!(count(&dropped_points, "pervu_cap"), 2);
    assert_eq!(count(&dropped_points, "graceful"), 1);
    let dropped = sum_per_scenario(&pts, "dropped_iterations");
    assert_eq!(sum(&dropped, "shared_cap"), 8.0);
    assert_eq!(sum(&dropped, "pervu_cap"), 4.0);
    assert_eq!(sum(&dropped, "graceful"), 2.0);
    for p in pts.iter().filter(|p| p["metric"] == "dropped_iterations") {
        // k6 tags them with the scenario only (no group, no scenario tags).
        let tags = p["data"]["tags"].as_object().expect("tags");
        assert_eq!(tags.len(), 1, "{p}");
    }
    let reqs = per_scenario(&pts, "http_reqs");
    let sent = per_scenario(&pts, "data_sent");
    for (sc, n) in [("shared_cap", 2), ("pervu_cap", 2), ("graceful", 1)] {
        assert_eq!(count(&reqs, sc), n, "{sc}");
        assert_eq!(count(&sent, sc), n, "{sc}");
    }
    let s = summary(&ws);
    assert_eq!(s["metrics"]["iterations"]["count"], 1);
    assert_eq!(s["metrics"]["dropped_iterations"]["count"], 14);
}

const LOOPING: &str = r#"
import http from 'k6/http';
import { sleep } from 'k6';
export const options = {
  scenarios: {
    cvus: { executor: 'constant-vus', vus: 2, duration: '2s' },
    cvus_default: { executor: 'constant-vus', duration: '1s' },
    ramp: { executor: 'ramping-vus', startVUs: 1, stages: [{ duration: '1s', target: 4 }, { duration: '1s', target: 0 }] },
    ramp_default: { executor: 'ramping-vus', stages: [{ duration: '1s', target: 2 }] },
  },
};
export default function () {
  http.get(`${__ENV.BASE}/get`);
  sleep(0.25);
}
"#;

/// Time-based executors. k6 v1.1.0 over 4 runs: cvus 16, cvus_default 4 (default 1 VU),
/// ramp 19–20, ramp_default 4 (startVUs defaults to 1; the second VU would only start at
/// the end of the 1 → 2 ramp); vus_max 9 on
/// both gauge points (at 1 s and 2 s), vus at most 9. Bounds: ±~25% around k6 (fewer
/// iterations when the machine is slow, never more than the schedule allows).
#[test]
fn looping_executors_follow_their_duration() {
    let t = target();
    let ws = Workspace::new();
    let pts = run_ok(&ws, LOOPING, &base_url(&t));
    let it = per_scenario(&pts, "iterations");
    let within = |sc: &str, lo: usize, hi: usize| {
        let n = count(&it, sc);
        assert!(
            (lo..=hi).contains(&n),
            "{sc}: {n} iterations, expected {lo}..={hi}"
        );
    };
    within("cvus", 12, 16);
    within("cvus_default", 3, 4);
    within("ramp", 14, 21);
    within("ramp_default", 2, 5);
    let vus_max: Vec<f64> = pts
        .iter()
        .filter(|p| p["metric"] == "vus_max")
        .map(|p| p["data"]["value"].as_f64().unwrap_or(-1.0))
        .collect();
    assert!(
        (1..=3).contains(&vus_max.len()),
        "one vus_max point per second: {vus_max:?}"
    );
    assert!(vus_max.iter().all(|v| *v == 9.0), "{vus_max:?}");
    for p in pts.iter().filter(|p| p["metric"] == "vus") {
        let v = p["data"]["value"].as_f64().unwrap_or(-1.0);
        assert!((0.0..=9.0).contains(&v), "{p}");
        assert_eq!(
            p["data"]["tags"],
            serde_json::json!({}),
            "gauges carry no scenario"
        );
    }
}

const ARRIVAL: &str = r#"
import { sleep } from 'k6';
export const options = {
  scenarios: {
    car: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '2s', preAllocatedVUs: 3 },
    car_unit: { executor: 'constant-arrival-rate', rate: 3, timeUnit: '500ms', duration: '1900ms', preAllocatedVUs: 3 },
    rar: { executor: 'ramping-arrival-rate', preAllocatedVUs: 3, stages: [{ duration: '1s', target: 10 }, { duration: '1050ms', target: 10 }] },
    rar_start: { executor: 'ramping-arrival-rate', startRate: 5, timeUnit: '1s', preAllocatedVUs: 1, maxVUs: 3, stages: [{ duration: '1s', target: 5 }, { duration: '1s', target: 14 }] },
  },
};
export default function () { sleep(0.01); }
"#;

/// Arrival-rate schedules. k6 v1.1.0 (5 runs): car 21 (10/s over 2 s: starts at 0, 0.1 …
/// 2.0 s), car_unit 12 (3 per 500 ms over 1.9 s), rar 15 (0→10/s over 1 s then 10/s for
/// 1.05 s: 5 + 10.5), rar_start 14 (5/s for 1 s, then 5→14/s over 1 s: 5 + 9.5); vus_max 9
/// (the preAllocatedVUs). In one of the 5 k6 runs a start came too late (car 20, one drop in
/// rar_start and one more VU), so what is asserted exactly is started + dropped, which only
/// the schedule decides.
#[test]
fn arrival_rate_executors_start_k6s_number_of_iterations() {
    let t = target();
    let ws = Workspace::new();
    let pts = run_ok(&ws, ARRIVAL, &base_url(&t));
    let it = per_scenario(&pts, "iterations");
    let dropped = sum_per_scenario(&pts, "dropped_iterations");
    for (sc, n) in [
        ("car", 21),
        ("car_unit", 12),
        ("rar", 15),
        ("rar_start", 14),
    ] {
        let done = count(&it, sc);
        assert_eq!(
            done as f64 + sum(&dropped, sc),
            n as f64,
            "{sc}: {done} iterations + {} dropped",
            sum(&dropped, sc)
        );
        assert!(done + 3 >= n, "{sc}: only {done} of {n} started");
    }
    // The 9 preAllocatedVUs, plus those rar_start adds (up to its maxVUs) if a start found
    // its VU busy.
    let vus_max = summary(&ws)["metrics"]["vus_max"]["value"]
        .as_f64()
        .unwrap_or(0.0);
    assert!((9.0..=11.0).contains(&vus_max), "vus_max {vus_max}");
}

const SLOW: &str = r#"
import http from 'k6/http';
import exec from 'k6/execution';
import { Trend } from 'k6/metrics';
const startedAt = new Trend('started_at');
export const options = {
  scenarios: {
    slow: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '2s', preAllocatedVUs: 2, maxVUs: 2 },
  },
};
export default function () {
  startedAt.add(Date.now() - exec.scenario.startTime);
  http.get(`${__ENV.BASE}/delay/1`);
}
"#;

/// 10/s for 2 s with 2 VUs against a 1 s endpoint. k6 v1.1.0 (3 runs): 4 iterations, 16–17
/// dropped (started + dropped = 20–21: k6's start at exactly 2 s races with the end), one
/// "Insufficient VUs" warning; the started iterations begin on the 100 ms grid (0, 0.1,
/// ~1.0–1.1, ~1.1–1.2 s). rk6's schedule always includes the start at 2 s, so started +
/// dropped is exactly 21. The bound on the grid (start within 60 ms after a tick) is generous:
/// k6 and rk6 start within a few ms.
#[test]
fn constant_arrival_rate_keeps_its_schedule_against_a_slow_target() {
    let t = target();
    let ws = Workspace::new();
    let r = run_script(&ws, SLOW, &[], &[("BASE", &base_url(&t))]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let pts = points(&ws.path("out.json"));
    let done = count(&per_scenario(&pts, "iterations"), "slow");
    let dropped = sum(&sum_per_scenario(&pts, "dropped_iterations"), "slow");
    let started: Vec<f64> = pts
        .iter()
        .filter(|p| p["metric"] == "started_at")
        .map(|p| p["data"]["value"].as_f64().unwrap_or(-1.0))
        .collect();
    assert_eq!(
        started.len(),
        done,
        "every started iteration completes (gracefulStop 30s)"
    );
    assert!((3..=5).contains(&done), "{done} iterations");
    assert_eq!(
        done as f64 + dropped,
        21.0,
        "{done} started, {dropped} dropped"
    );
    for ms in &started {
        let into_tick = ms.rem_euclid(100.0);
        assert!(
            into_tick < 60.0,
            "a start {ms} ms into the scenario is off the schedule"
        );
    }
    // The first two start right away; the next ones only once a VU is free (after ~1 s).
    let mut sorted = started.clone();
    sorted.sort_by(f64::total_cmp);
    assert!(sorted[1] < 160.0, "{sorted:?}");
    assert!(sorted[2] >= 1000.0, "{sorted:?}");
    let warnings = messages(&r.stderr)
        .into_iter()
        .filter(|m| m == "Insufficient VUs, reached 2 active VUs and cannot initialize more")
        .count();
    assert_eq!(warnings, 1, "stderr: {}", r.stderr);
}

const INTERRUPTED: &str = r#"
import http from 'k6/http';
import { sleep } from 'k6';
import exec from 'k6/execution';
export const options = {
  scenarios: {
    cut: { executor: 'ramping-vus', startVUs: 2, stages: [{ duration: '1s', target: 2 }, { duration: '0s', target: 0 }, { duration: '1s', target: 0 }], gracefulRampDown: '0s' },
    kept: { executor: 'ramping-vus', startVUs: 2, stages: [{ duration: '1s', target: 2 }, { duration: '0s', target: 0 }, { duration: '1s', target: 0 }], gracefulRampDown: '3s' },
    stopped: { executor: 'constant-vus', vus: 2, duration: '1s', gracefulStop: '0s' },
    finished: { executor: 'constant-vus', vus: 1, duration: '1s' },
    report: { executor: 'shared-iterations', startTime: '2500ms', exec: 'report' },
  },
};
export default function () {
  http.get(`${__ENV.BASE}/get`);
  sleep(1.5);
}
export function report() {
  console.log('instance ' + JSON.stringify({
    interrupted: exec.instance.iterationsInterrupted,
    completed: exec.instance.iterationsCompleted,
  }));
}
"#;

/// Iterations of 1.5 s cut at 1 s. k6 v1.1.0 (2 runs, identical): iterations kept 2
/// (gracefulRampDown 3s lets them finish), finished 1 (gracefulStop 30s), cut 0
/// (gracefulRampDown 0s), stopped 0 (gracefulStop 0s), report 1; http_reqs and data_sent
/// count the interrupted iterations too (cut 2, stopped 2); the later scenario sees
/// iterationsInterrupted 4 and iterationsCompleted 3; summary export iterations 4.
#[test]
fn interrupted_iterations_are_not_completed_ones() {
    let t = target();
    let ws = Workspace::new();
    let r = run_script(&ws, INTERRUPTED, &[], &[("BASE", &base_url(&t))]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let pts = points(&ws.path("out.json"));
    let it = per_scenario(&pts, "iterations");
    assert_eq!(count(&it, "kept"), 2);
    assert_eq!(count(&it, "finished"), 1);
    assert_eq!(count(&it, "cut"), 0);
    assert_eq!(count(&it, "stopped"), 0);
    assert_eq!(count(&it, "report"), 1);
    assert_eq!(per_scenario(&pts, "iteration_duration"), it);
    let reqs = per_scenario(&pts, "http_reqs");
    let sent = per_scenario(&pts, "data_sent");
    for (sc, n) in [("cut", 2), ("kept", 2), ("stopped", 2), ("finished", 1)] {
        assert_eq!(count(&reqs, sc), n, "{sc}");
        assert_eq!(count(&sent, sc), n, "{sc}");
    }
    assert_eq!(count(&sent, "report"), 1);
    let inst = logged(&r.stderr, "instance ");
    assert_eq!(
        inst,
        vec![serde_json::json!({"interrupted": 4, "completed": 3})]
    );
    assert_eq!(summary(&ws)["metrics"]["iterations"]["count"], 4);
}

const MULTI: &str = r#"
import http from 'k6/http';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
const seen = new Counter('seen');
export const options = {
  tags: { run: 'multi' },
  scenarios: {
    first: { executor: 'per-vu-iterations', vus: 2, iterations: 2, maxDuration: '1s', gracefulStop: '0s', exec: 'one', env: { ROLE: 'first' }, tags: { role: 'a' } },
    second: { executor: 'per-vu-iterations', vus: 3, iterations: 2, startTime: '1s', exec: 'two', env: { ROLE: 'second' }, tags: { role: 'b' } },
    third: { executor: 'shared-iterations', vus: 1, iterations: 3, startTime: '1200ms' },
  },
};
function mark(fn) {
  http.get(`${__ENV.BASE}/get?fn=${fn}`);
  seen.add(1, { fn, env: __ENV.ROLE || 'none', sc: exec.scenario.name, vu: String(exec.vu.idInTest) });
}
export function one() { mark('one'); }
export function two() { mark('two'); }
export default function () { mark('default'); }
"#;

/// Three scenarios with their own exec, env, tags and startTime. k6 v1.1.0 (3 runs): first
/// runs `one` (env first, tag role=a), second `two` (env second, role=b), third `default`
/// (no env, no role); every sample but the vus/vus_max gauges has the scenario tag, every
/// sample the global tag run=multi; vus_max 4, not 6: first's 2 VUs are free at 1 s (its
/// maxDuration + gracefulStop) and second and third reuse them — 4 distinct VUs in all,
/// second and third use all 4. Which VU goes where is a race in k6.
#[test]
fn several_scenarios_run_with_their_own_exec_env_tags_and_start() {
    let t = target();
    let ws = Workspace::new();
    let pts = run_ok(&ws, MULTI, &base_url(&t));
    let mut vus: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut combos = BTreeMap::new();
    for p in pts.iter().filter(|p| p["metric"] == "seen") {
        let tags = &p["data"]["tags"];
        let s = |k: &str| tags[k].as_str().unwrap_or("-").to_string();
        assert_eq!(s("sc"), s("scenario"));
        vus.entry(s("scenario")).or_default().insert(s("vu"));
        *combos
            .entry((s("scenario"), s("fn"), s("env"), s("role")))
            .or_insert(0) += 1;
    }
    let key = |a: &str, b: &str, c: &str, d: &str| {
        (a.to_string(), b.to_string(), c.to_string(), d.to_string())
    };
    assert_eq!(
        combos,
        BTreeMap::from([
            (key("first", "one", "first", "a"), 4),
            (key("second", "two", "second", "b"), 6),
            (key("third", "default", "none", "-"), 3),
        ])
    );
    for p in &pts {
        let tags = &p["data"]["tags"];
        assert_eq!(tags["run"], "multi", "{p}");
        let gauge = p["metric"] == "vus" || p["metric"] == "vus_max";
        assert_eq!(tags["scenario"].is_null(), gauge, "{p}");
    }
    let later: BTreeSet<String> = vus["second"].union(&vus["third"]).cloned().collect();
    let all: BTreeSet<String> = later.union(&vus["first"]).cloned().collect();
    assert_eq!(all.len(), 4, "{vus:?}");
    assert_eq!(later.len(), 4, "{vus:?}");
    assert_eq!(vus["first"].len(), 2);
    assert_eq!(vus["second"].len(), 3);
    assert_eq!(summary(&ws)["metrics"]["vus_max"]["value"], 4);
}

const EXEC_INFO: &str = r#"
import exec from 'k6/execution';
import { sleep } from 'k6';
export const options = {
  tags: { global: 'g' },
  scenarios: {
    first: { executor: 'per-vu-iterations', vus: 2, iterations: 2, exec: 'probe', env: { WHO: 'first' }, tags: { kind: 'one' } },
    second: { executor: 'shared-iterations', vus: 1, iterations: 2, startTime: '500ms', exec: 'probe', env: { WHO: 'second' }, tags: { kind: 'two' } },
  },
};
function attempt(f) { try { return f(); } catch (e) { return String(e); } }
const init = {
  vu: attempt(() => exec.vu.idInTest),
  scenario: attempt(() => exec.scenario.name),
  instance: attempt(() => exec.instance.vusActive),
  options: attempt(() => exec.test.options),
};
if (__VU === 1) console.log('init ' + JSON.stringify(init));
export function setup() {
  console.log('setup ' + JSON.stringify({
    scenario: attempt(() => exec.scenario.name),
    vu: exec.vu.idInTest, iter: exec.vu.iterationInScenario, tags: exec.vu.tags,
    vusInitialized: exec.instance.vusInitialized,
  }));
}
export function probe() {
  const s = exec.scenario, v = exec.vu, i = exec.instance;
  const now = Date.now();
  console.log('probe ' + JSON.stringify({
    who: __ENV.WHO, name: s.name, executor: s.executor, startTimeOk: s.startTime > now - 60000 && s.startTime <= now,
    progress: s.progress, iis: s.iterationInInstance, iit: s.iterationInTest,
    vu: v.idInTest, vuInst: v.idInInstance, vuIterS: v.iterationInScenario, vuIterI: v.iterationInInstance, iter: __ITER, vuGlobal: __VU,
    tags: v.tags, mtags: v.metrics.tags,
    completed: i.iterationsCompleted, interrupted: i.iterationsInterrupted, vusInit: i.vusInitialized, active: i.vusActive,
    durationOk: i.currentTestRunDuration > 0,
    scenarios: Object.keys(exec.test.options.scenarios), optTags: exec.test.options.tags,
    frozen: Object.isFrozen(exec.test.options),
  }));
  sleep(0.1);
}
export function teardown() {
  console.log('teardown ' + JSON.stringify({
    scenario: attempt(() => exec.scenario.name),
    instance: attempt(() => exec.instance.vusActive),
    vu: exec.vu.idInTest,
    options: Object.keys(exec.test.options),
  }));
}
"#;

/// `k6/execution` in each phase. Every value below is what k6 v1.1.0 printed for this script
/// (except the order of keys, which k6 takes from Go maps): in a VU's init context vu,
/// instance and test.options throw GoErrors, scenario outside an iteration too; setup sees VU 0
/// with tags {global, group: ::setup} and 3 initialised VUs; the 6 iterations see their
/// scenario's name, executor, tags (scenario + kind + global + group "") and env; per
/// scenario iterationInTest runs 0.. and progress is 0, 0, 0.25, 0.5 for `first` (4
/// iterations of 2 VUs; the last two race) and 0, 0.5 for `second`; iterationsCompleted counts what ended before;
/// test.options lists k6's fields with the derived scenarios and frozen.
#[test]
fn execution_module_reports_k6s_values() {
    let t = target();
    let ws = Workspace::new();
    let r = run_script(&ws, EXEC_INFO, &[], &[("BASE", &base_url(&t))]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let init = &logged(&r.stderr, "init ")[0];
    assert_eq!(
        init["vu"],
        "GoError: getting VU information in the init context is not supported"
    );
    assert_eq!(
        init["scenario"],
        "GoError: getting scenario information outside of the VU context is not supported"
    );
    assert_eq!(
        init["instance"],
        "GoError: getting instance information in the init context is not supported"
    );
    assert_eq!(
        init["options"],
        "GoError: getting test options in the init context is not supported"
    );
    let setup = &logged(&r.stderr, "setup ")[0];
    assert_eq!(
        setup,
        &serde_json::json!({
            "scenario": "GoError: getting scenario information outside of the VU context is not supported",
            "vu": 0, "iter": 0, "tags": {"global": "g", "group": "::setup"}, "vusInitialized": 3,
        })
    );
    let probes = logged(&r.stderr, "probe ");
    assert_eq!(probes.len(), 6);
    let mut progress: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut iit: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for p in &probes {
        let name = p["name"].as_str().expect("name").to_string();
        assert_eq!(p["who"], name.as_str());
        let (executor, kind) = match name.as_str() {
            "first" => ("per-vu-iterations", "one"),
            "second" => ("shared-iterations", "two"),
            other => panic!("unexpected scenario {other}"),
        };
        assert_eq!(p["executor"], executor);
        assert_eq!(p["startTimeOk"], true, "{p}");
        assert_eq!(p["durationOk"], true, "{p}");
        let tags = serde_json::json!({"global": "g", "group": "", "scenario": name, "kind": kind});
        assert_eq!(p["tags"], tags);
        assert_eq!(p["mtags"], tags);
        assert_eq!(
            p["iis"], p["iit"],
            "one instance: iterationInInstance = iterationInTest"
        );
        assert_eq!(p["vu"], p["vuInst"]);
        assert_eq!(p["vu"], p["vuGlobal"]);
        assert_eq!(p["iter"], p["vuIterI"]);
        assert_eq!(p["vusInit"], 3);
        assert_eq!(p["interrupted"], 0);
        assert!((1..=2).contains(&p["active"].as_u64().unwrap_or(0)), "{p}");
        assert_eq!(p["scenarios"], serde_json::json!(["first", "second"]));
        assert_eq!(p["optTags"], serde_json::json!({"global": "g"}));
        assert_eq!(p["frozen"], true);
        progress
            .entry(name.clone())
            .or_default()
            .push(p["progress"].as_f64().unwrap_or(-1.0));
        iit.entry(name)
            .or_default()
            .push(p["iit"].as_u64().unwrap_or(99));
    }
    for v in progress.values_mut() {
        v.sort_by(f64::total_cmp);
    }
    for v in iit.values_mut() {
        v.sort();
    }
    // The first iteration of each VU sees no completed one; when the second ones start,
    // one or both of the first ones have ended (a race in k6 too: it gave 0.25 and 0.5).
    let first = &progress["first"];
    assert_eq!(&first[..2], &[0.0, 0.0]);
    assert!(
        first[2..].iter().all(|p| *p == 0.25 || *p == 0.5),
        "{first:?}"
    );
    assert_eq!(progress["second"], vec![0.0, 0.5]);
    assert_eq!(iit["first"], vec![0, 1, 2, 3]);
    assert_eq!(iit["second"], vec![0, 1]);
    // Per VU, iterationInScenario counts that VU's iterations in `first`.
    let mut per_vu: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for p in probes.iter().filter(|p| p["name"] == "first") {
        per_vu
            .entry(p["vu"].as_u64().unwrap_or(0))
            .or_default()
            .push(p["vuIterS"].as_u64().unwrap_or(99));
    }
    assert_eq!(per_vu.len(), 2);
    for its in per_vu.values_mut() {
        its.sort();
        assert_eq!(its, &vec![0, 1]);
    }
    // `second` starts after `first` ended: its iterations see the 4 completed ones.
    let mut second_completed: Vec<u64> = probes
        .iter()
        .filter(|p| p["name"] == "second")
        .map(|p| p["completed"].as_u64().unwrap_or(99))
        .collect();
    second_completed.sort();
    assert_eq!(second_completed, vec![4, 5]);
    let teardown = &logged(&r.stderr, "teardown ")[0];
    assert_eq!(
        teardown["scenario"],
        "GoError: getting scenario information outside of the VU context is not supported"
    );
    assert_eq!(
        teardown["instance"],
        "GoError: getting instance information in the init context is not supported"
    );
    assert_eq!(teardown["vu"], 0);
    let keys: Vec<&str> = teardown["options"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(keys.len(), 37, "{keys:?}");
    assert_eq!(&keys[..3], &["paused", "scenarios", "executionSegment"]);
    assert!(!keys.contains(&"vus") && !keys.contains(&"duration"));
}

const TEST_OPTIONS: &str = r#"
import exec from 'k6/execution';
export const options = {
  vus: 2, duration: '1s', setupTimeout: '90s', minIterationDuration: '100ms',
  thresholds: { iterations: ['count>0', { threshold: 'rate>0', abortOnFail: true }] },
  systemTags: ['url', 'scenario'], summaryTrendStats: ['avg', 'p(99)'], tags: { t: 'x' },
};
export default function () {
  if (exec.vu.idInTest !== 1 || exec.vu.iterationInScenario !== 0) return;
  const o = exec.test.options;
  let assigned = 'no error';
  try { o.scenarios.default.vus = 5; } catch (e) { assigned = e.name; }
  console.log('options ' + JSON.stringify({ o, assigned }));
}
"#;

/// `exec.test.options` as k6 v1.1.0 printed it for this script: the shortcuts became the
/// `default` constant-vus scenario (unset common keys null), durations in Go's format
/// (`90s` → `1m30s`), threshold objects with every field, systemTags sorted, assignment
/// throws a TypeError (frozen), and unset fields such as `noSetup` and `dns` present.
#[test]
fn test_options_have_k6s_shape() {
    let t = target();
    let ws = Workspace::new();
    let r = run_script(&ws, TEST_OPTIONS, &[], &[("BASE", &base_url(&t))]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let got = &logged(&r.stderr, "options ")[0];
    assert_eq!(got["assigned"], "TypeError");
    let o = &got["o"];
    assert_eq!(
        o["scenarios"],
        serde_json::json!({"default": {"executor": "constant-vus", "startTime": null, "gracefulStop": null,
            "env": null, "exec": null, "tags": null, "vus": 2, "duration": "1s"}})
    );
    assert_eq!(o["setupTimeout"], "1m30s");
    assert_eq!(o["minIterationDuration"], "100ms");
    assert_eq!(o["teardownTimeout"], Value::Null);
    assert_eq!(o["noSetup"], Value::Null);
    assert_eq!(
        o["dns"],
        serde_json::json!({"ttl": null, "select": null, "policy": null})
    );
    assert_eq!(
        o["thresholds"],
        serde_json::json!({"iterations": ["count>0", {"threshold": "rate>0", "abortOnFail": true, "delayAbortEval": null}]})
    );
    assert_eq!(o["systemTags"], serde_json::json!(["scenario", "url"]));
    assert_eq!(o["summaryTrendStats"], serde_json::json!(["avg", "p(99)"]));
    assert_eq!(o["tags"], serde_json::json!({"t": "x"}));
    assert!(o.get("vus").is_none() && o.get("duration").is_none());
}

const VU_TAGS: &str = r#"
import http from 'k6/http';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
const cc = new Counter('cc');
export const options = {
  systemTags: ['scenario', 'group', 'vu', 'iter', 'status'],
  scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 2, tags: { st: 'x' } } },
};
export default function () {
  cc.add(1);
  exec.vu.tags.mytag = 'v' + exec.vu.iterationInScenario;
  exec.vu.metrics.metadata.trace_id = 'abc';
  cc.add(1);
  http.get(`${__ENV.BASE}/get`);
  delete exec.vu.metrics.metadata.trace_id;
  exec.vu.tags.num = 5;
  cc.add(1);
  let err = 'none';
  try { exec.vu.tags.obj = {}; } catch (e) { err = String(e); }
  console.log('tags ' + JSON.stringify({ tags: exec.vu.tags, err }));
}
"#;

/// VU tags and metadata. k6 v1.1.0 for this script: a tag set with exec.vu.tags is on every
/// later sample of the VU (it stays for the next iteration), exec.vu.metrics.metadata goes
/// to the samples' metadata (not their tags) until deleted, the `vu` and `iter` system tags
/// are metadata too (high cardinality), and a non-scalar tag value throws k6's TypeError.
#[test]
fn vu_tags_and_metadata_reach_the_samples() {
    let t = target();
    let ws = Workspace::new();
    let r = run_script(&ws, VU_TAGS, &[], &[("BASE", &base_url(&t))]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let pts = points(&ws.path("out.json"));
    let rows: Vec<(String, Value, Value)> = pts
        .iter()
        .filter(|p| ["cc", "http_reqs", "iterations"].contains(&p["metric"].as_str().unwrap_or("")))
        .map(|p| {
            (
                p["metric"].as_str().unwrap_or_default().to_string(),
                p["data"]["tags"].clone(),
                p["data"]["metadata"].clone(),
            )
        })
        .collect();
    use serde_json::json;
    let md = |iter: u32, trace: bool| {
        if trace {
            json!({"vu": "1", "iter": iter.to_string(), "trace_id": "abc"})
        } else {
            json!({"vu": "1", "iter": iter.to_string()})
        }
    };
    let expected = vec![
        (
            "cc",
            json!({"group": "", "scenario": "s", "st": "x"}),
            md(0, false),
        ),
        (
            "cc",
            json!({"group": "", "mytag": "v0", "scenario": "s", "st": "x"}),
            md(0, true),
        ),
        (
            "http_reqs",
            json!({"group": "", "mytag": "v0", "scenario": "s", "st": "x", "status": "200"}),
            md(0, true),
        ),
        (
            "cc",
            json!({"group": "", "mytag": "v0", "num": "5", "scenario": "s", "st": "x"}),
            md(0, false),
        ),
        (
            "iterations",
            json!({"group": "", "mytag": "v0", "num": "5", "scenario": "s", "st": "x"}),
            md(0, false),
        ),
        (
            "cc",
            json!({"group": "", "mytag": "v0", "num": "5", "scenario": "s", "st": "x"}),
            md(1, false),
        ),
        (
            "cc",
            json!({"group": "", "mytag": "v1", "num": "5", "scenario": "s", "st": "x"}),
            md(1, true),
        ),
        (
            "http_reqs",
            json!({"group": "", "mytag": "v1", "num": "5", "scenario": "s", "st": "x", "status": "200"}),
            md(1, true),
        ),
        (
            "cc",
            json!({"group": "", "mytag": "v1", "num": "5", "scenario": "s", "st": "x"}),
            md(1, false),
        ),
        (
            "iterations",
            json!({"group": "", "mytag": "v1", "num": "5", "scenario": "s", "st": "x"}),
            md(1, false),
        ),
    ];
    let expected: Vec<(String, Value, Value)> = expected
        .into_iter()
        .map(|(m, t, md)| (m.to_string(), t, md))
        .collect();
    assert_eq!(rows, expected);
    let logs = logged(&r.stderr, "tags ");
    assert_eq!(
        logs[0]["err"],
        "TypeError: invalid value for metric tag 'obj': only String, Boolean and Number types are accepted as a metric tag values"
    );
    assert_eq!(
        logs[1]["tags"],
        json!({"group": "", "mytag": "v1", "num": "5", "scenario": "s", "st": "x"})
    );
}

const ABORT: &str = r#"
import exec from 'k6/execution';
import { sleep } from 'k6';
export const options = { scenarios: {
  a: { executor: 'per-vu-iterations', vus: 2, iterations: 5, exec: 'a' },
  b: { executor: 'constant-vus', vus: 1, duration: '5s', exec: 'b' },
} };
export function a() {
  sleep(0.2);
  if (exec.scenario.iterationInTest === 3) exec.test.abort('enough');
}
export function b() { sleep(0.1); }
export function teardown() { console.log('teardown ran'); }
"#;

const ABORT_IN_INIT: &str = r#"
import exec from 'k6/execution';
if (__VU === 1) exec.test.abort('from init');
export const options = { iterations: 1 };
export default function () { console.log('iteration ran'); }
"#;

const FAIL: &str = r#"
import exec from 'k6/execution';
export const options = { iterations: 3 };
export default function () {
  if (exec.scenario.iterationInTest === 1) exec.test.fail('bad');
  console.log('after fail ' + exec.scenario.iterationInTest);
}
export function teardown() { console.log('teardown ran'); }
"#;

/// k6 v1.1.0: test.abort() stops every scenario at once (b's 5 s are cut short; both
/// scenarios had 4 complete iterations), teardown still runs, then "test aborted: enough at
/// a (file:///…/script.js:10:59(17))" and exit 108; in init code the abort is reported
/// right away as the VU's initialisation error, exit 108; test.fail() lets the test go on
/// (3 iterations, the code after fail() runs) and exits 110 after "test run was marked as
/// failed".
#[test]
fn abort_and_fail_end_the_test_with_k6s_exit_codes() {
    let t = target();
    let ws = Workspace::new();
    let start = std::time::Instant::now();
    let r = run_script(&ws, ABORT, &[], &[("BASE", &base_url(&t))]);
    assert_eq!(r.code, 108, "stderr: {}", r.stderr);
    assert!(start.elapsed().as_secs() < 5, "the abort stops scenario b");
    let script = std::fs::canonicalize(ws.path("script.js")).expect("script");
    // Logged when the run ends, after teardown, naming the caller (k6 adds Sobek's bytecode
    // offset: `:10:59(17)`).
    assert_eq!(
        messages(&r.stderr),
        vec![
            "teardown ran".to_string(),
            format!(
                "test aborted: enough at a (file://{}:10:59)",
                script.display()
            )
        ]
    );
    let it = per_scenario(&points(&ws.path("out.json")), "iterations");
    assert!((2..=5).contains(&count(&it, "a")), "{it:?}");

    let ws = Workspace::new();
    let r = run_script(&ws, ABORT_IN_INIT, &[], &[("BASE", &base_url(&t))]);
    assert_eq!(r.code, 108, "stderr: {}", r.stderr);
    let script = std::fs::canonicalize(ws.path("script.js")).expect("script");
    assert_eq!(
        messages(&r.stderr),
        vec![format!(
            "test aborted: from init at file://{}:3:32",
            script.display()
        )]
    );
    assert!(r.stderr.contains("hint=\"error while initializing VU #1\""));
    assert!(!r.stderr.contains("iteration ran"));

    let ws = Workspace::new();
    let r = run_script(&ws, FAIL, &[], &[("BASE", &base_url(&t))]);
    assert_eq!(r.code, 110, "stderr: {}", r.stderr);
    let msgs = messages(&r.stderr);
    for m in [
        "test marked as failed: bad",
        "after fail 0",
        "after fail 1",
        "after fail 2",
        "teardown ran",
        "test run was marked as failed",
    ] {
        assert!(msgs.iter().any(|x| x == m), "{m} missing in {msgs:?}");
    }
    assert_eq!(summary(&ws)["metrics"]["iterations"]["count"], 3);
}

const SETUP_TIMEOUT: &str = r#"
import { sleep } from 'k6';
export const options = { setupTimeout: '1s', iterations: 1 };
export function setup() { sleep(3); return { a: 1 }; }
export default function () { console.log('iteration ran'); }
export function teardown() { console.log('teardown ran'); }
"#;

const TEARDOWN_TIMEOUT: &str = r#"
import { sleep } from 'k6';
export const options = { teardownTimeout: '1s', iterations: 1 };
export function setup() { console.log('setup ran'); return { a: 1 }; }
export default function (d) { console.log('iteration ran ' + JSON.stringify(d)); }
export function teardown() { sleep(3); console.log('teardown end'); }
"#;

const LIFECYCLE: &str = r#"
export const options = { iterations: 3, minIterationDuration: '300ms' };
export function setup() { console.log('setup ran'); return { a: 1 }; }
let last = 0;
export default function (d) {
  const now = Date.now();
  console.log('iteration ' + JSON.stringify({ d: d === undefined ? 'undefined' : d, gap: last ? now - last : null }));
  last = now;
}
export function teardown(d) { console.log('teardown ran ' + JSON.stringify(d)); }
"#;

/// k6 v1.1.0: a setup() over setupTimeout ends the test with exit 100 and "setup()
/// execution timed out after 1 seconds" (no iteration, no teardown; its data_sent and
/// data_received points are still emitted); a teardown() over teardownTimeout exits 101
/// after the iterations ran. With --no-setup --no-teardown neither runs and iterations get
/// undefined; minIterationDuration spaces a VU's iterations by at least 300 ms (k6: 301 and
/// 302 ms) while iteration_duration stays the real duration (well under 300 ms).
#[test]
fn lifecycle_timeouts_and_switches() {
    let t = target();
    let base = base_url(&t);
    let ws = Workspace::new();
    let r = run_script(&ws, SETUP_TIMEOUT, &[], &[("BASE", &base)]);
    assert_eq!(r.code, 100, "stderr: {}", r.stderr);
    let msgs = messages(&r.stderr);
    assert_eq!(msgs, vec!["setup() execution timed out after 1 seconds"]);
    assert!(
        r.stderr
            .contains("hint=\"You can increase the time limit via the setupTimeout option\"")
    );
    let by_metric = counts_by_metric(&points(&ws.path("out.json")));
    assert_eq!(by_metric.get("iterations"), None);
    assert_eq!(by_metric.get("data_sent"), Some(&1));

    let ws = Workspace::new();
    let r = run_script(&ws, TEARDOWN_TIMEOUT, &[], &[("BASE", &base)]);
    assert_eq!(r.code, 101, "stderr: {}", r.stderr);
    assert_eq!(
        messages(&r.stderr),
        vec![
            "setup ran",
            "iteration ran {\"a\":1}",
            "teardown() execution timed out after 1 seconds"
        ]
    );
    let by_metric = counts_by_metric(&points(&ws.path("out.json")));
    assert_eq!(by_metric.get("iterations"), Some(&1));
    assert_eq!(by_metric.get("data_sent"), Some(&3));

    let ws = Workspace::new();
    let r = run_script(
        &ws,
        LIFECYCLE,
        &["--no-setup", "--no-teardown"],
        &[("BASE", &base)],
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let its = logged(&r.stderr, "iteration ");
    assert_eq!(its.len(), 3);
    assert!(!r.stderr.contains("setup ran") && !r.stderr.contains("teardown ran"));
    for it in &its {
        assert_eq!(it["d"], "undefined");
    }
    for it in &its[1..] {
        let gap = it["gap"].as_f64().unwrap_or(0.0);
        assert!(gap >= 295.0, "iterations {gap} ms apart");
    }
    let max = summary(&ws)["metrics"]["iteration_duration"]["max"]
        .as_f64()
        .unwrap_or(1e9);
    assert!(
        max < 250.0,
        "iteration_duration {max} includes the minIterationDuration wait"
    );

    // Without the switches setup's data reaches the iterations and teardown.
    let ws = Workspace::new();
    let r = run_script(&ws, LIFECYCLE, &[], &[("BASE", &base)]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert_eq!(
        logged(&r.stderr, "iteration ")[0]["d"],
        serde_json::json!({"a": 1})
    );
    assert!(messages(&r.stderr).contains(&"teardown ran {\"a\":1}".to_string()));
}

/// Invalid scenario configurations, each compared with k6 v1.1.0's message and exit code.
#[test]
fn invalid_configs_fail_before_the_test_with_k6s_messages() {
    let problems = "There were problems with the specified script configuration:\n\t- ";
    let cases: &[(&str, &str, i32, &str)] = &[
        (
            "unknown",
            "{ executor: 'nope' }",
            104,
            "unknown executor type 'nope'",
        ),
        (
            "noexec",
            "{ vus: 1 }",
            104,
            "scenario 's' doesn't have a specified executor type",
        ),
        (
            "bad_start",
            "{ executor: 'shared-iterations', startTime: 'soon' }",
            104,
            "time: invalid duration \"soon\"",
        ),
        (
            "unknown_key",
            "{ executor: 'shared-iterations', foo: 1 }",
            104,
            "json: unknown field \"foo\"",
        ),
        (
            "missing_dur",
            "{ executor: 'constant-vus', vus: 1 }",
            104,
            "scenario s has configuration errors: the duration is unspecified",
        ),
        (
            "iters_lt_vus",
            "{ executor: 'shared-iterations', vus: 5, iterations: 2 }",
            104,
            "scenario s has configuration errors: the number of iterations (2) can't be less than the number of VUs (5)",
        ),
        (
            "neg_dur",
            "{ executor: 'constant-vus', vus: 1, duration: '-1s' }",
            104,
            "scenario s has configuration errors: the duration must be at least 1s, but is -1s",
        ),
        (
            "neg_grace",
            "{ executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '-1s' }",
            104,
            "scenario s has configuration errors: the gracefulStop timeout can't be negative",
        ),
        (
            "zero_vus",
            "{ executor: 'constant-vus', vus: 0, duration: '1s' }",
            104,
            "scenario s has configuration errors: the number of VUs must be more than 0",
        ),
        (
            "car_norate",
            "{ executor: 'constant-arrival-rate', duration: '1s', preAllocatedVUs: 1 }",
            104,
            "scenario s has configuration errors: the iteration rate isn't specified",
        ),
        (
            "car_nopre",
            "{ executor: 'constant-arrival-rate', rate: 1, duration: '1s' }",
            104,
            "scenario s has configuration errors: the number of preAllocatedVUs isn't specified",
        ),
        (
            "maxvus_lt",
            "{ executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 3, maxVUs: 1 }",
            104,
            "scenario s has configuration errors: maxVUs can't be less than preAllocatedVUs",
        ),
        (
            "bad_tunit",
            "{ executor: 'constant-arrival-rate', rate: 1, timeUnit: '0s', duration: '1s', preAllocatedVUs: 1 }",
            104,
            "scenario s has configuration errors: the timeUnit must be more than 0",
        ),
        (
            "rar_nostages",
            "{ executor: 'ramping-arrival-rate', preAllocatedVUs: 1 }",
            104,
            "scenario s has configuration errors: at least one stage has to be specified",
        ),
        (
            "neg_stage",
            "{ executor: 'ramping-vus', stages: [{ duration: '1s', target: -1 }] }",
            104,
            "scenario s has configuration errors: the target for stage 1 can't be negative",
        ),
        (
            "ext_nodur",
            "{ executor: 'externally-controlled', vus: 1 }",
            104,
            "scenario s has configuration errors: the duration must be specified, for infinite duration use 0",
        ),
        (
            "bad_maxdur",
            "{ executor: 'shared-iterations', maxDuration: '0s' }",
            104,
            "scenario s has configuration errors: the maxDuration must be at least 1s, but is 0s",
        ),
        (
            "exec_missing",
            "{ executor: 'shared-iterations', exec: 'nothere' }",
            104,
            "executor s: function 'nothere' not found in exports",
        ),
        (
            "exec_notfn",
            "{ executor: 'shared-iterations', exec: 'notfn' }",
            104,
            "executor s: function 'notfn' not found in exports",
        ),
    ];
    let ws = Workspace::new();
    for (name, scenario, code, msg) in cases {
        let file = format!("{name}.js");
        ws.write(
            &file,
            &format!(
                "export const options = {{ scenarios: {{ s: {scenario} }} }};\nexport default function () {{}}\nexport const notfn = 1;\n"
            ),
        );
        let r = rk6(ws.dir.path(), &["run", "-q", &file], &[]);
        assert_eq!(r.code, *code, "{name}: {}", r.stderr);
        let abs = std::fs::canonicalize(ws.path(&file)).expect("script path");
        // k6 reports options it cannot read at all when it loads the script, and the rest
        // as configuration problems after merging every option source.
        let expected = if msg.starts_with("scenario s has") || msg.starts_with("executor s:") {
            format!("{problems}{msg}")
        } else {
            format!(
                "could not initialize '{file}': could not load JS test 'file://{}': {msg}",
                abs.display()
            )
        };
        assert_eq!(messages(&r.stderr), vec![expected], "{name}");
        assert!(!r.stdout.contains("running"), "{name} started the test");
    }
    // k6 refuses a script without any exported function with its generic exit code.
    ws.write("noexports.js", "export const options = {};\n");
    let r = rk6(ws.dir.path(), &["run", "-q", "noexports.js"], &[]);
    assert_eq!(r.code, 255, "{}", r.stderr);
    assert!(
        r.stderr.contains("could not load JS test")
            && r.stderr.contains("no exported functions in script"),
        "{}",
        r.stderr
    );
}
