//! `rk6 compare` and `rk6 run --run-name` end to end: runs against the embedded target,
//! saved by name, compared by name, by `--summary-export` file and by handleSummary JSON.
//!
//! The runs take ~20 ms per request (`/delay/0.02`) so that a loaded CI machine's jitter
//! stays far below the tolerances; the slow run asks for `/delay/0.2`, ten times as long.

mod common;

use common::{Workspace, base_url, rk6, target};

const SCRIPT: &str = r#"
import http from 'k6/http';
import { check, sleep } from 'k6';
export const options = { vus: 2, duration: '2s' };
export default function () {
  const res = http.get(`${__ENV.BASE}/delay/${__ENV.DELAY}`);
  check(res, { 'status is 200': (r) => r.status === 200 });
  sleep(0.1);
}
export function handleSummary(data) {
  return { [__ENV.SUMMARY_JSON]: JSON.stringify(data), stdout: '' };
}
"#;

fn run(ws: &Workspace, base: &str, name: &str, delay: &str) {
    let script = ws.write("script.js", SCRIPT);
    let export = format!("--summary-export={name}.export.json");
    let r = rk6(
        ws.dir.path(),
        &[
            "run",
            "-q",
            "--run-name",
            name,
            &export,
            &script.display().to_string(),
        ],
        &[
            ("BASE", base),
            ("DELAY", delay),
            ("SUMMARY_JSON", &format!("{name}.summary.json")),
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(ws.path(&format!(".rk6/runs/{name}.json")).is_file());
}

#[test]
fn a_slower_run_is_a_regression_and_identical_runs_are_not() {
    let t = target();
    let base = base_url(&t);
    let ws = Workspace::new();
    run(&ws, &base, "baseline", "0.02");
    run(&ws, &base, "again", "0.02");
    run(&ws, &base, "slow", "0.2");
    let dir = ws.dir.path();

    // `latest` is the run saved last: the slow one.
    let r = rk6(dir, &["compare", "baseline", "latest"], &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let p95 = r
        .stdout
        .lines()
        .find(|l| l.starts_with("http_req_duration ") && l.contains(" p(95) "))
        .unwrap_or_else(|| panic!("no p(95) row:\n{}", r.stdout));
    assert!(p95.trim_end().ends_with("WORSE"), "{p95}");
    assert!(
        r.stdout.contains("regression(s) beyond tolerance"),
        "{}",
        r.stdout
    );
    // Per scenario, from the saved runs' aggregation.
    assert!(
        r.stdout.contains("http_req_duration{scenario:default}"),
        "{}",
        r.stdout
    );

    // Identical runs: nothing beyond tolerance (5 ms floor: a loaded machine's jitter).
    let r = rk6(
        dir,
        &["compare", "baseline", "again", "--noise-floor-ms", "5"],
        &[],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("no regression"), "{}", r.stdout);
    assert!(!r.stdout.contains("WORSE"), "{}", r.stdout);

    // Markdown for a pull-request comment, as text.
    let r = rk6(
        dir,
        &[
            "compare",
            "baseline",
            "slow",
            "--format",
            "markdown",
            "--markdown",
            "pr.md",
            "--json",
            "pr.json",
        ],
        &[],
    );
    assert_eq!(r.code, 1);
    let md = std::fs::read_to_string(ws.path("pr.md")).unwrap();
    assert_eq!(md, r.stdout);
    assert!(
        md.starts_with("## rk6 performance comparison\n\n❌ **"),
        "{md}"
    );
    assert!(
        md.contains("| Metric | Stat | Baseline | Current | Change | Tolerance | Verdict |\n|---|---|--:|--:|--:|--:|---|\n"),
        "{md}"
    );
    let row = md
        .lines()
        .find(|l| l.starts_with("| `http_req_duration` | p(95) |"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(row.ends_with("| ±10% | ❌ worse |"), "{row}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path("pr.json")).unwrap()).unwrap();
    assert!(json["regressions"].as_u64().unwrap() >= 1);

    // A generous tolerance for the statistics that moved lets the same change pass.
    let r = rk6(
        dir,
        &[
            "compare",
            "baseline",
            "slow",
            "--max-regression",
            "avg=2000%,p50=2000%,p90=2000%,p95=2000%,p99=2000%,throughput=100%",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);

    // The same judgement from k6's summary files.
    for (a, b, code) in [
        ("baseline.export.json", "slow.export.json", 1),
        ("baseline.summary.json", "slow.summary.json", 1),
        ("baseline.summary.json", "baseline.export.json", 0),
    ] {
        let r = rk6(dir, &["compare", a, b], &[]);
        assert_eq!(r.code, code, "{a} {b}\n{}\n{}", r.stdout, r.stderr);
    }
}

#[test]
fn unknown_runs_and_bad_tolerances_are_refused_with_exit_255() {
    let ws = Workspace::new();
    ws.write("notarun.json", "[1, 2]");
    let dir = ws.dir.path();
    let r = rk6(dir, &["compare", "baseline", "latest"], &[]);
    assert_eq!(r.code, 255);
    assert!(r.stderr.contains("holds no saved runs"), "{}", r.stderr);
    let r = rk6(dir, &["compare", "notarun.json", "notarun.json"], &[]);
    assert_eq!(r.code, 255);
    assert!(r.stderr.contains("notarun.json: not a run"), "{}", r.stderr);
    let r = rk6(
        dir,
        &["compare", "a", "b", "--max-regression", "p95=lots"],
        &[],
    );
    assert_eq!(r.code, 255);
    assert!(r.stderr.contains("is not a percentage"), "{}", r.stderr);
    let r = rk6(dir, &["run", "--run-name", "../x", "nope.js"], &[]);
    assert_eq!(r.code, 255);
    assert!(r.stderr.contains("invalid --run-name"), "{}", r.stderr);
}
