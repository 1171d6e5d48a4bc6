//! Helpers for the `k6/http` end-to-end tests (`tests/http_*.rs`).
//!
//! Every script gets a prelude with `eq(name, actual, expected)`: a k6 check that compares
//! JSON renderings and, when it fails, logs `MISMATCH name: got ..., want ...` so a failing
//! test says what differed. A test then asserts that all its checks passed and that the
//! expected number of distinct checks ran (a script that dies early fails too), plus metric
//! and tag counts read from `--out json`.
//!
//! The same tests run against real k6: `RK6_E2E_REFERENCE=/opt/k6/bin/k6 cargo test --test
//! http_requests` (and the other `http_*` files) runs every script with k6 v1.1.0 instead of
//! rk6 and applies the same assertions. That is how the expectations were confirmed; the few
//! places where rk6 deliberately differs branch on `is_k6()`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::common::{RunResult, Workspace, points};

const PRELUDE: &str = r#"import { check } from 'k6';
function eq(name, actual, expected) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (!check(null, { [name]: () => a === e })) console.error(`MISMATCH ${name}: got ${a}, want ${e}`);
}
function ok(name, cond, detail) {
  if (!check(null, { [name]: () => cond === true })) console.error(`MISMATCH ${name}: ${JSON.stringify(detail)}`);
}
"#;

/// The k6 binary to run instead of rk6, when confirming expectations on the reference.
fn reference() -> Option<PathBuf> {
    std::env::var_os("RK6_E2E_REFERENCE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

/// Whether the scripts run on real k6 (see the module docs).
pub fn is_k6() -> bool {
    reference().is_some()
}

/// The result of one run: exit code, output, and the `--out json` points.
pub struct Outcome {
    pub run: RunResult,
    pub points: Vec<Value>,
}

/// Runs `script` (after the prelude) with `run -q --out json=out.json <extra>`.
pub fn run(ws: &Workspace, script: &str, extra: &[&str], envs: &[(&str, &str)]) -> Outcome {
    let path = ws.write("script.js", &format!("{PRELUDE}{script}"));
    let out = ws.path("out.json");
    let mut cmd = match reference() {
        Some(k6) => {
            let mut c = Command::new(k6);
            c.env("K6_NO_USAGE_REPORT", "true");
            c
        }
        None => {
            let mut c = Command::new(env!("CARGO_BIN_EXE_rk6"));
            c.env("RK6_TEST", "1");
            c
        }
    };
    cmd.current_dir(ws.dir.path())
        .args(["run", "-q", "--address="])
        .arg(format!("--out=json={}", out.display()))
        .args(extra)
        .arg(&path);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("the binary runs");
    let run = RunResult {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    Outcome {
        points: points(&out),
        run,
    }
}

impl Outcome {
    /// Passes and fails per check name.
    pub fn checks(&self) -> BTreeMap<String, (u32, u32)> {
        let mut m: BTreeMap<String, (u32, u32)> = BTreeMap::new();
        for p in self.points.iter().filter(|p| p["metric"] == "checks") {
            let name = p["data"]["tags"]["check"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let e = m.entry(name).or_default();
            if p["data"]["value"].as_f64() == Some(1.0) {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
        m
    }

    /// Exit code 0, every check passed, and exactly `distinct` different checks ran.
    pub fn assert_checks(&self, distinct: usize) {
        let checks = self.checks();
        let failed: Vec<&String> = checks
            .iter()
            .filter(|(_, (_, f))| *f > 0)
            .map(|(n, _)| n)
            .collect();
        let mismatches: Vec<&str> = self
            .run
            .stderr
            .lines()
            .filter(|l| l.contains("MISMATCH") || l.contains("level=error"))
            .collect();
        assert!(
            failed.is_empty(),
            "failed checks {failed:?}\n{}",
            mismatches.join("\n")
        );
        assert_eq!(
            checks.len(),
            distinct,
            "distinct checks run: {:?}\nstderr:\n{}",
            checks.keys().collect::<Vec<_>>(),
            self.run.stderr
        );
        assert_eq!(self.run.code, 0, "stderr:\n{}", self.run.stderr);
    }

    /// Points of `metric` whose tags include every `(key, value)` of `tags`.
    pub fn count(&self, metric: &str, tags: &[(&str, &str)]) -> usize {
        self.matching(metric, tags).count()
    }

    /// Points of `metric` that carry none of `keys` among their tags and match `tags`.
    pub fn count_without(&self, metric: &str, tags: &[(&str, &str)], keys: &[&str]) -> usize {
        self.matching(metric, tags)
            .filter(|p| keys.iter().all(|k| p["data"]["tags"].get(*k).is_none()))
            .count()
    }

    /// Values of the points of `metric` matching `tags`, in output order.
    pub fn values(&self, metric: &str, tags: &[(&str, &str)]) -> Vec<f64> {
        self.matching(metric, tags)
            .map(|p| p["data"]["value"].as_f64().unwrap_or(f64::NAN))
            .collect()
    }

    pub fn sum(&self, metric: &str) -> f64 {
        self.values(metric, &[]).iter().sum()
    }

    fn matching<'a>(
        &'a self,
        metric: &'a str,
        tags: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Value> + 'a {
        self.points.iter().filter(move |p| {
            p["metric"] == metric
                && tags
                    .iter()
                    .all(|(k, v)| p["data"]["tags"][*k].as_str() == Some(*v))
        })
    }

    /// Lines of stderr that contain `needle`.
    pub fn stderr_lines(&self, needle: &str) -> Vec<&str> {
        self.run
            .stderr
            .lines()
            .filter(|l| l.contains(needle))
            .collect()
    }
}

/// A URL nothing listens on: a port the OS just handed out and took back.
pub fn refused_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}
