//! The `experimental-prometheus-rw` output against a real Prometheus (Debian package
//! `prometheus` 2.42, installed by `.ci/setup-outputs.sh`; the test starts it on a free
//! 127.0.0.1 port with its remote-write receiver and native histograms enabled), side by side
//! with real k6 v1.1.0 writing the same script to the same server, and against scripted
//! endpoints for refusals, outages and slowness.

mod outputs_common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use outputs_common::*;
use rk6::output::prometheus_rw::PrometheusRwOutput;
use rk6::output::prometheus_rw::proto::WriteRequest;
use rk6::output::{Output, OutputReport};

#[path = "common/mod.rs"]
mod common;

struct Prometheus {
    child: Option<Child>,
    dir: tempfile::TempDir,
    port: u16,
}

fn prometheus_binary() -> PathBuf {
    std::env::var("RK6_PROMETHEUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/usr/bin/prometheus"))
}

impl Prometheus {
    fn start() -> Self {
        let mut me = Prometheus {
            child: None,
            dir: tempfile::tempdir().unwrap(),
            port: free_port(),
        };
        me.launch();
        me
    }

    fn launch(&mut self) {
        let bin = prometheus_binary();
        assert!(
            bin.exists(),
            "prometheus not found at {}: run .ci/setup-outputs.sh (or set RK6_PROMETHEUS)",
            bin.display()
        );
        let d = self.dir.path();
        let conf = d.join("prometheus.yml");
        // No scrape jobs: everything arrives through remote write.
        std::fs::write(&conf, "global:\n  scrape_interval: 1h\n").unwrap();
        let child = Command::new(&bin)
            .arg(format!("--config.file={}", conf.display()))
            .arg(format!("--storage.tsdb.path={}", d.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{}", self.port))
            .arg("--web.enable-remote-write-receiver")
            .arg("--enable-feature=native-histograms")
            .arg("--log.level=error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        self.child = Some(child);
        wait_for_http(&format!("{}/-/ready", self.url()), "prometheus");
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn write_url(&self) -> String {
        format!("{}/api/v1/write", self.url())
    }

    /// An instant query: each result's labels (without `testid`) and its value or, for a
    /// native histogram, its count.
    fn query(&self, q: &str) -> BTreeMap<String, f64> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("query", q)
            .finish();
        let (status, text) = http(&format!("{}/api/v1/query?{body}", self.url()), None).unwrap();
        assert_eq!(status, 200, "{q}: {text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut out = BTreeMap::new();
        for r in v["data"]["result"].as_array().cloned().unwrap_or_default() {
            let value = if r["histogram"].is_array() {
                r["histogram"][1]["count"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap()
            } else {
                r["value"][1].as_str().unwrap().parse().unwrap()
            };
            out.insert(label_text(&r["metric"]), value);
        }
        out
    }

    /// Every series with `testid="<id>"`, as label texts without the `testid`.
    fn series(&self, testid: &str) -> BTreeSet<String> {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("match[]", &format!("{{testid=\"{testid}\"}}"))
            .finish();
        let (status, text) = http(&format!("{}/api/v1/series?{q}", self.url()), None).unwrap();
        assert_eq!(status, 200, "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["data"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(label_text)
            .collect()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `name{k="v",...}` with the labels sorted and `testid` left out.
fn label_text(m: &serde_json::Value) -> String {
    let o = m.as_object().unwrap();
    let name = o.get("__name__").and_then(|v| v.as_str()).unwrap_or("");
    let mut labels: Vec<String> = o
        .iter()
        .filter(|(k, _)| *k != "__name__" && *k != "testid")
        .map(|(k, v)| format!("{k}={:?}", v.as_str().unwrap_or("")))
        .collect();
    labels.sort();
    format!("{name}{{{}}}", labels.join(","))
}

const SCRIPT: &str = r#"
import http from 'k6/http';
import { check, group } from 'k6';
import exec from 'k6/execution';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';
const items = new Counter('items');
const level = new Gauge('level');
const ok = new Rate('ok_rate');
const size = new Trend('size');
export const options = { vus: 3, iterations: 30 };
export default function () {
  const i = exec.scenario.iterationInTest;
  group('api', () => {
    const r = http.get(`${__ENV.BASE}/get?i=${i % 3}`, { tags: { name: 'get' } });
    check(r, { 'is 200': (x) => x.status === 200 });
    ok.add(r.status === 200);
  });
  http.post(`${__ENV.BASE}/post`, 'x=1');
  http.get(`${__ENV.BASE}/status/404`);
  items.add(2, { kind: 'b' });
  level.add(7);
  size.add(i, { kind: 'c' });
}
"#;

/// Series whose values the script determines (not wall time, the network or user agents).
fn deterministic(series: &str) -> bool {
    let name = series.split('{').next().unwrap_or_default();
    name.ends_with("_count")
        || !(name.starts_with("k6_vus")
            || name.starts_with("k6_data_")
            || (name.starts_with("k6_http_req_") && !name.starts_with("k6_http_req_failed"))
            || name.starts_with("k6_iteration_duration")
            || name.starts_with("k6_group_duration"))
}

/// Runs the script with rk6 and with k6 v1.1.0 into one Prometheus, `testid` telling them
/// apart, with the same output settings; returns (rk6's stderr, the JSON points of rk6).
fn run_both(
    prom: &Prometheus,
    envs: &[(&str, &str)],
    tag: &str,
) -> (String, Vec<serde_json::Value>) {
    let t = common::target();
    let base = common::base_url(&t);
    let url = prom.write_url();
    let mut all: Vec<(&str, &str)> = vec![
        ("BASE", &base),
        ("K6_PROMETHEUS_RW_SERVER_URL", &url),
        ("K6_PROMETHEUS_RW_PUSH_INTERVAL", "1s"),
    ];
    all.extend_from_slice(envs);
    let ws = common::Workspace::new();
    let rk6_tag = format!("--tag=testid=rk6-{tag}");
    let r = common::run_script(
        &ws,
        SCRIPT,
        &["--out=experimental-prometheus-rw", &rk6_tag],
        &all,
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let points = common::points(&ws.path("out.json"));

    let k6 = k6_binary();
    assert!(
        k6.exists(),
        "k6 v1.1.0 not found at {}: run .ci/setup-outputs.sh (or set RK6_K6)",
        k6.display()
    );
    let script = ws.write("k6.js", SCRIPT);
    let out = Command::new(&k6)
        .current_dir(ws.dir.path())
        .args(["run", "-q", "--no-summary", "--address="])
        .arg("--out=experimental-prometheus-rw")
        .arg(format!("--tag=testid=k6-{tag}"))
        .arg(&script)
        .envs(all.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .env("K6_NO_USAGE_REPORT", "true")
        .output()
        .expect("k6 runs");
    assert!(
        out.status.success(),
        "k6 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (r.stderr, points)
}

/// The `output experimental-prometheus-rw: ...` line: (produced, written, rejected, dropped).
fn report_line(stderr: &str) -> (u64, u64, u64, u64) {
    let line = stderr
        .lines()
        .find(|l| l.contains("output experimental-prometheus-rw:"))
        .unwrap_or_else(|| panic!("no output report in: {stderr}"));
    let n = |word: &str| -> u64 {
        let before = line[..line.find(word).unwrap()].trim_end();
        before
            .rsplit(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    (
        n(" samples produced"),
        n(" written"),
        n(" rejected"),
        n(" dropped"),
    )
}

/// rk6 and k6 v1.1.0 write the same series (names and label sets) for the same script, with
/// the same values wherever the script determines them; every sample rk6 produced is written
/// and the counters hold exactly what the JSON output saw.
#[test]
fn same_series_as_k6_and_every_sample_counted() {
    let prom = Prometheus::start();
    let stats = "p(99),p(90),avg,min,max,med,count,sum";
    let (stderr, points) = run_both(&prom, &[("K6_PROMETHEUS_RW_TREND_STATS", stats)], "gauges");
    let (produced, written, rejected, dropped) = report_line(&stderr);
    assert_eq!(produced, points.len() as u64, "{stderr}");
    assert_eq!((written, rejected, dropped), (produced, 0, 0), "{stderr}");

    let rk6 = prom.series("rk6-gauges");
    let k6 = prom.series("k6-gauges");
    assert_eq!(
        rk6.symmetric_difference(&k6).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "series only one of them wrote"
    );
    assert!(rk6.len() > 40, "{rk6:?}");
    let rk6_values = prom.query(r#"{testid="rk6-gauges"}"#);
    let k6_values = prom.query(r#"{testid="k6-gauges"}"#);
    for (series, v) in &k6_values {
        if deterministic(series) {
            assert_eq!(rk6_values.get(series), Some(v), "value of {series}");
        }
    }
    // Counters are the sums of their samples, per tag set, as the JSON output saw them.
    let mut expected: BTreeMap<String, f64> = BTreeMap::new();
    for p in &points {
        if p["metric"] == "http_reqs" || p["metric"] == "iterations" || p["metric"] == "items" {
            let mut m = p["data"]["tags"].clone();
            m["__name__"] = format!("k6_{}_total", p["metric"].as_str().unwrap()).into();
            let m: serde_json::Value = m
                .as_object()
                .unwrap()
                .iter()
                .filter(|(_, v)| v.as_str() != Some(""))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<serde_json::Map<_, _>>()
                .into();
            *expected.entry(label_text(&m)).or_default() += p["data"]["value"].as_f64().unwrap();
        }
    }
    let counters: BTreeMap<String, f64> = rk6_values
        .into_iter()
        .filter(|(k, _)| {
            k.starts_with("k6_http_reqs_total")
                || k.starts_with("k6_iterations_total")
                || k.starts_with("k6_items_total")
        })
        .collect();
    assert_eq!(counters, expected);
    assert_eq!(counters.values().sum::<f64>(), 90.0 + 30.0 + 60.0);
}

/// Trends as native histograms: the same histogram series as k6, each counting every sample.
#[test]
fn native_histograms_and_stale_markers_match_k6() {
    let prom = Prometheus::start();
    let (stderr, points) = run_both(
        &prom,
        &[
            ("K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM", "true"),
            ("K6_PROMETHEUS_RW_STALE_MARKERS", "true"),
        ],
        "hist",
    );
    let (produced, written, _, _) = report_line(&stderr);
    assert_eq!((produced, written), (points.len() as u64, produced));
    let rk6 = prom.series("rk6-hist");
    let k6 = prom.series("k6-hist");
    assert_eq!(rk6, k6);
    assert!(
        rk6.iter()
            .any(|s| s.starts_with("k6_http_req_duration_seconds{"))
    );
    assert!(rk6.iter().any(|s| s.starts_with("k6_size{")));
    // Stale markers end every series: nothing is current any more.
    assert!(prom.query(r#"{testid="rk6-hist"}"#).is_empty());
    assert!(prom.query(r#"{testid="k6-hist"}"#).is_empty());
    // Before the stale markers, the histograms count every sample: the last raw point of
    // each series (a range selector returns the points, not the staleness markers).
    let count = |id: &str| {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair(
                "query",
                &format!(r#"k6_http_req_duration_seconds{{testid="{id}"}}[10m]"#),
            )
            .finish();
        let (_, text) = http(&format!("{}/api/v1/query?{body}", prom.url()), None).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let series = v["data"]["result"].as_array().cloned().unwrap_or_default();
        assert!(!series.is_empty(), "{text}");
        series
            .iter()
            .map(|s| {
                let points = s["histograms"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{text}"));
                let last = &points[points.len() - 1][1];
                last["count"].as_str().unwrap().parse::<f64>().unwrap()
            })
            .sum::<f64>()
    };
    assert_eq!(count("rk6-hist"), 90.0);
    assert_eq!(count("k6-hist"), 90.0);
}

fn run_output(
    envs: &[(&str, &str)],
    requests: usize,
    mid_run: impl FnOnce(),
    deadline: Duration,
) -> OutputReport {
    let mut envs = envs.to_vec();
    envs.push(("K6_PROMETHEUS_RW_PUSH_INTERVAL", "50ms"));
    let (ctx, b) = context(&envs);
    let batches = request_batches(&b, requests, None);
    let mut out = PrometheusRwOutput::new(None, &ctx).unwrap();
    out.start().unwrap();
    feed_output(&mut out, &batches, mid_run, deadline)
}

#[test]
fn server_stopped_mid_run_is_retried_and_accounted() {
    let mut prom = Prometheus::start();
    let url = prom.write_url();
    let r = run_output(
        &[
            ("K6_PROMETHEUS_RW_SERVER_URL", &url),
            ("K6_PROMETHEUS_RW_MAX_ATTEMPTS", "3"),
        ],
        200,
        || {
            let deadline = Instant::now() + Duration::from_secs(20);
            while prom.query("k6_iterations_total").is_empty() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            prom.stop();
        },
        Duration::from_secs(20),
    );
    assert!(r.written > 0 && r.dropped > 0, "{r:?}");
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("gave up after 3 attempts")),
        "{r:?}"
    );
    // What was confirmed before the stop survived it.
    prom.launch();
    assert!(!prom.query("k6_iterations_total").is_empty());
}

/// Requests a receiver accepted: headers and the decoded body.
type Accepted = Arc<parking_lot::Mutex<Vec<(hyper::HeaderMap, WriteRequest)>>>;

/// A scripted receiver: answers per `script(call_no)`; records every decoded request.
fn fake_receiver(
    script: impl Fn(usize) -> (u16, Duration) + Send + Sync + 'static,
) -> (TestServer, Accepted) {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let (c, s) = (calls.clone(), seen.clone());
    let script = Arc::new(script);
    let handler: Handler = Arc::new(move |req: Req| {
        let (c, s, script) = (c.clone(), s.clone(), script.clone());
        Box::pin(async move {
            use prost::Message;
            let raw = snap::raw::Decoder::new()
                .decompress_vec(&req.body)
                .expect("snappy block body");
            let wr = WriteRequest::decode(raw.as_slice()).expect("a WriteRequest");
            let (status, delay) = script(c.fetch_add(1, Ordering::SeqCst));
            tokio::time::sleep(delay).await;
            if status < 300 {
                s.lock().push((req.headers, wr));
            }
            Resp::new(status, if status < 300 { "" } else { "refused" })
        })
    });
    (TestServer::start(handler), seen)
}

#[test]
fn refusals_outages_and_slowness_are_retried_or_counted() {
    // 503 twice, then accepted: everything written; k6's headers and auth on every request.
    let (server, seen) = fake_receiver(|n| (if n < 2 { 503 } else { 204 }, Duration::ZERO));
    let url = format!("{}/api/v1/write", server.url());
    let r = run_output(
        &[
            ("K6_PROMETHEUS_RW_SERVER_URL", &url),
            ("K6_PROMETHEUS_RW_USERNAME", "u"),
            ("K6_PROMETHEUS_RW_PASSWORD", "p"),
            ("K6_PROMETHEUS_RW_HEADERS_X-Scope-OrgID", "tenant-1"),
        ],
        50,
        || {},
        Duration::from_secs(30),
    );
    assert_eq!(r.written, r.produced, "{r:?}");
    let seen = seen.lock();
    assert!(!seen.is_empty());
    for (h, wr) in seen.iter() {
        assert_eq!(h["content-encoding"], "snappy");
        assert_eq!(h["content-type"], "application/x-protobuf");
        assert_eq!(h["x-prometheus-remote-write-version"], "0.1.0");
        assert_eq!(h["authorization"], "Basic dTpw");
        assert_eq!(h["x-scope-orgid"], "tenant-1");
        assert!(!wr.timeseries.is_empty());
    }
    drop(seen);

    // Refused for its content (400): bisected down to single series, all rejected.
    let (server, _) = fake_receiver(|_| (400, Duration::ZERO));
    let url = format!("{}/api/v1/write", server.url());
    let r = run_output(
        &[("K6_PROMETHEUS_RW_SERVER_URL", &url)],
        20,
        || {},
        Duration::from_secs(30),
    );
    assert_eq!(r.rejected, r.produced, "{r:?}");

    // Unauthorized: rejected with the reason, not retried.
    let (server, _) = fake_receiver(|_| (401, Duration::ZERO));
    let url = format!("{}/api/v1/write", server.url());
    let r = run_output(
        &[("K6_PROMETHEUS_RW_SERVER_URL", &url)],
        20,
        || {},
        Duration::from_secs(30),
    );
    assert_eq!(r.rejected, r.produced, "{r:?}");
    assert!(r.notes.iter().any(|n| n.contains("HTTP 401")), "{r:?}");

    // Slower than the write timeout: retried, then dropped with the reason, within the
    // shutdown deadline (a guard against a hang, not a timing assertion).
    let (server, _) = fake_receiver(|_| (204, Duration::from_secs(3600)));
    let url = format!("{}/api/v1/write", server.url());
    let started = Instant::now();
    let r = run_output(
        &[
            ("K6_PROMETHEUS_RW_SERVER_URL", &url),
            ("K6_PROMETHEUS_RW_WRITE_TIMEOUT", "100ms"),
            ("K6_PROMETHEUS_RW_MAX_ATTEMPTS", "2"),
        ],
        20,
        || {},
        Duration::from_secs(5),
    );
    assert!(started.elapsed() < Duration::from_secs(120));
    assert_eq!(r.written, 0, "{r:?}");
    assert_eq!(r.dropped, r.produced, "{r:?}");
    assert!(r.notes.iter().any(|n| n.contains("timed out")), "{r:?}");
}
