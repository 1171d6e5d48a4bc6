//! Shared helpers for end-to-end tests: an embedded target started in-process, a runner for
//! the `rk6` binary, and readers for `--out json` lines and summary exports.
#![allow(dead_code)]

pub mod http_api;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod redis;

use rk6::target::{BackgroundTarget, TargetConfig, TlsFiles, spawn_background};
use serde_json::Value;

/// Starts the embedded httpbin-style target on a free port.
pub fn target() -> BackgroundTarget {
    spawn_background(TargetConfig {
        listen: "127.0.0.1:0".parse().expect("valid address"),
        tls: None,
    })
    .expect("the embedded target starts")
}

/// The embedded target over HTTPS with a self-signed certificate for localhost and 127.0.0.1;
/// `cert` is the certificate's PEM file (in `_dir`, removed with the target).
pub struct TlsTarget {
    pub target: BackgroundTarget,
    pub cert: PathBuf,
    _dir: tempfile::TempDir,
}

pub fn tls_target() -> TlsTarget {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("certificate");
    let dir = tempfile::tempdir().expect("temp dir");
    let files = TlsFiles {
        cert_pem: dir.path().join("cert.pem"),
        key_pem: dir.path().join("key.pem"),
    };
    std::fs::write(&files.cert_pem, certified.cert.pem()).expect("write cert");
    std::fs::write(&files.key_pem, certified.signing_key.serialize_pem()).expect("write key");
    let target = spawn_background(TargetConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        tls: Some(files.clone()),
    })
    .expect("the TLS target starts");
    TlsTarget {
        target,
        cert: files.cert_pem,
        _dir: dir,
    }
}

pub fn base_url(t: &BackgroundTarget) -> String {
    format!("http://{}", t.local_addr())
}

/// A temporary directory with a script in it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, content).expect("write script");
        p
    }
}

pub struct RunResult {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl RunResult {
    fn from(o: Output) -> RunResult {
        RunResult {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).to_string(),
            stderr: String::from_utf8_lossy(&o.stderr).to_string(),
        }
    }
}

/// Runs `rk6 <args>` in `dir` with `envs` and returns its exit code and output.
pub fn rk6(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> RunResult {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rk6"));
    cmd.current_dir(dir).env("RK6_TEST", "1");
    // Tests run in parallel: the REST API's default 127.0.0.1:6565 would be contended, so it is
    // off unless a test asks for an address.
    if args.first() == Some(&"run") && !args.iter().any(|a| a.starts_with("--address")) {
        cmd.arg("run").arg("--address=").args(&args[1..]);
    } else {
        cmd.args(args);
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    RunResult::from(cmd.output().expect("rk6 runs"))
}

/// `rk6 run -q --out json=out.json --summary-export=summary.json <script>` in the workspace.
pub fn run_script(
    ws: &Workspace,
    script: &str,
    extra: &[&str],
    envs: &[(&str, &str)],
) -> RunResult {
    let path = ws.write("script.js", script);
    let out = ws.path("out.json");
    let sum = ws.path("summary.json");
    let mut args: Vec<String> = vec![
        "run".into(),
        "-q".into(),
        format!("--out=json={}", out.display()),
        format!("--summary-export={}", sum.display()),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(path.display().to_string());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    rk6(ws.dir.path(), &refs, envs)
}

/// What the script's `console.log` calls printed: the `msg` of each console line on stderr,
/// quoted (`msg="a b"`, JSON-style escapes) or bare (`msg=word`) as logrus writes it.
pub fn console_messages(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.contains("source=console"))
        .filter_map(|l| {
            let value = &l[l.find("msg=")? + 4..];
            if value.starts_with('"') {
                serde_json::Deserializer::from_str(value)
                    .into_iter::<String>()
                    .next()?
                    .ok()
            } else {
                value.split(' ').next().map(str::to_string)
            }
        })
        .collect()
}

/// The Point lines of a k6 JSON output file.
pub fn points(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["type"] == "Point")
        .collect()
}

/// Point counts per metric.
pub fn counts_by_metric(points: &[Value]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for p in points {
        *m.entry(p["metric"].as_str().unwrap_or_default().to_string())
            .or_default() += 1;
    }
    m
}

/// Point counts per (metric, tag set), tags rendered as sorted `k=v` joined by `,`.
pub fn counts_by_tagset(points: &[Value]) -> BTreeMap<(String, String), usize> {
    let mut m = BTreeMap::new();
    for p in points {
        let tags = p["data"]["tags"]
            .as_object()
            .map(|o| {
                let mut v: Vec<String> = o
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                    .collect();
                v.sort();
                v.join(",")
            })
            .unwrap_or_default();
        *m.entry((p["metric"].as_str().unwrap_or_default().to_string(), tags))
            .or_default() += 1;
    }
    m
}

/// Sum of values of a metric's points.
pub fn sum_of(points: &[Value], metric: &str) -> f64 {
    points
        .iter()
        .filter(|p| p["metric"] == metric)
        .map(|p| p["data"]["value"].as_f64().unwrap_or(0.0))
        .sum()
}

pub fn summary(ws: &Workspace) -> Value {
    let text = std::fs::read_to_string(ws.path("summary.json")).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// k6-operator's `--execution-segment-sequence` for N runners (`pkg/segmentation`):
/// `0,1/N,…,(N-1)/N,1`.
pub fn operator_sequence(n: usize) -> String {
    let mut points = vec!["0".to_string()];
    points.extend((1..n).map(|j| format!("{j}/{n}")));
    points.push("1".to_string());
    points.join(",")
}

/// `rk6 run --quiet` as k6-operator starts runner `i` (from 1) of `n`: the runner's execution
/// segment and the operator's segment sequence, in the workspace, stderr piped; the caller adds
/// the rest of the command line and spawns it.
pub fn operator_runner(ws: &Workspace, i: usize, n: usize) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rk6"));
    cmd.current_dir(ws.dir.path())
        .args(["run", "--quiet"])
        .arg(format!("--execution-segment={}/{n}:{i}/{n}", i - 1))
        .arg(format!(
            "--execution-segment-sequence={}",
            operator_sequence(n)
        ))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    cmd
}

/// Waits (60 s at most) until every REST API answers `GET /v1/status` below 400, as
/// k6-operator's starter checks its runners (`isServiceReady`).
pub fn wait_until_ready<'a>(apis: impl IntoIterator<Item = &'a str>) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    for api in apis {
        while http_api::try_request(api, "GET", "/v1/status", None).is_none_or(|r| r.status >= 400)
        {
            assert!(
                std::time::Instant::now() < deadline,
                "runner {api} never ready"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}
