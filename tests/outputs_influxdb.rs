//! The InfluxDB output against a real InfluxDB 1.x server (Debian package `influxdb`,
//! installed by `.ci/setup-outputs.sh`; the test starts `influxd` itself on free 127.0.0.1
//! ports with a temporary config), and against a scripted endpoint for 4xx/5xx answers.

mod outputs_common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use outputs_common::*;
use rk6::metrics::sample::{Sample, SampleBatch, TagSet, now_ns};
use rk6::output::influxdb::InfluxDbOutput;
use rk6::output::{Output, OutputReport};

struct Influxd {
    child: Option<Child>,
    dir: tempfile::TempDir,
    http_port: u16,
}

fn influxd_binary() -> PathBuf {
    if let Ok(p) = std::env::var("RK6_INFLUXD") {
        return p.into();
    }
    PathBuf::from("/usr/bin/influxd")
}

impl Influxd {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut me = Influxd {
            child: None,
            dir,
            http_port: free_port(),
        };
        me.launch();
        me
    }

    fn launch(&mut self) {
        let bin = influxd_binary();
        assert!(
            bin.exists(),
            "influxd not found at {}: run .ci/setup-outputs.sh (or set RK6_INFLUXD)",
            bin.display()
        );
        let d = self.dir.path();
        let conf = d.join("influxdb.conf");
        std::fs::write(
            &conf,
            format!(
                "reporting-disabled = true\nbind-address = \"127.0.0.1:{rpc}\"\n\
                 [meta]\n  dir = \"{d}/meta\"\n\
                 [data]\n  dir = \"{d}/data\"\n  wal-dir = \"{d}/wal\"\n  query-log-enabled = false\n\
                 [monitor]\n  store-enabled = false\n\
                 [http]\n  bind-address = \"127.0.0.1:{http}\"\n  log-enabled = false\n\
                 [logging]\n  level = \"warn\"\n",
                rpc = free_port(),
                http = self.http_port,
                d = d.display()
            ),
        )
        .unwrap();
        let child = Command::new(&bin)
            .arg("run")
            .arg("-config")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {}: {e}; run .ci/setup-outputs.sh",
                    bin.display()
                )
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok((204, _)) = http(&format!("{}/ping", self.url()), None) {
                break;
            }
            assert!(Instant::now() < deadline, "influxd did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    fn query(&self, db: &str, q: &str) -> serde_json::Value {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("db", db)
            .append_pair("q", q)
            .finish();
        let (status, text) = http(&format!("{}/query?{body}", self.url()), None).unwrap();
        assert_eq!(status, 200, "{text}");
        serde_json::from_str(&text).unwrap()
    }

    /// `SELECT count(value)` per measurement.
    fn counts(&self, db: &str) -> HashMap<String, u64> {
        let v = self.query(db, "SELECT count(\"value\") FROM /.*/");
        let mut out = HashMap::new();
        for s in v["results"][0]["series"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let name = s["name"].as_str().unwrap().to_string();
            let n = s["values"][0][1].as_u64().unwrap();
            out.insert(name, n);
        }
        out
    }
}

impl Drop for Influxd {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Tag values that exercise every escaping rule.
const NASTY: [&str; 8] = [
    "a b",
    "a,b=c",
    "quote\"d",
    "back\\slash",
    "ünïcödé ☃",
    "trailing\\",
    "new\nline",
    "=,\\, \\=",
];

fn nasty_batches(b: &rk6::metrics::registry::BuiltinMetrics) -> Vec<Arc<SampleBatch>> {
    let t = now_ns();
    NASTY
        .iter()
        .enumerate()
        .map(|(i, v)| {
            Arc::new(vec![Sample {
                metric: b.checks.clone(),
                time_ns: t + i as i64,
                value: 1.0,
                tags: TagSet::from_pairs([("check", *v), ("url", *v), ("scenario", "default")]),
                metadata: None,
            }])
        })
        .collect()
}

fn run(
    arg: &str,
    env: &[(&str, &str)],
    batches_of: impl FnOnce(&rk6::metrics::registry::BuiltinMetrics) -> Vec<Arc<SampleBatch>>,
    mid_run: impl FnOnce(),
    deadline: Duration,
) -> (OutputReport, HashMap<String, u64>) {
    let mut env = env.to_vec();
    env.push(("K6_INFLUXDB_PUSH_INTERVAL", "50ms"));
    let (ctx, b) = context(&env);
    let batches = batches_of(&b);
    let mut out = InfluxDbOutput::new(Some(arg), &ctx).unwrap();
    out.start().unwrap();
    let half = batches.len() / 2;
    for batch in &batches[..half] {
        out.add_batch(batch);
    }
    mid_run();
    for batch in &batches[half..] {
        out.add_batch(batch);
    }
    let r = out.stop(deadline).unwrap();
    let counts = count_by_metric(&batches);
    assert_eq!(r.produced, counts.values().sum::<u64>(), "{r:?}");
    assert_eq!(r.produced, r.written + r.rejected + r.dropped, "{r:?}");
    (r, counts)
}

#[test]
fn real_influxdb_finds_every_sample() {
    let influx = Influxd::start();
    let (r, counts) = run(
        &format!("{}/rk6test", influx.url()),
        &[],
        |b| {
            let mut v = request_batches(b, 300, None);
            v.extend(nasty_batches(b));
            v
        },
        || {},
        Duration::from_secs(30),
    );
    assert_eq!(r.written, r.produced, "{r:?}");
    assert_eq!(influx.counts("rk6test"), counts);

    // k6's layout: url is a string field, not a tag; value is a float.
    let fields = influx.query("rk6test", "SHOW FIELD KEYS FROM http_req_duration");
    let fields = fields["results"][0]["series"][0]["values"].to_string();
    assert_eq!(fields, r#"[["url","string"],["value","float"]]"#);
    let tags = influx.query("rk6test", "SHOW TAG KEYS FROM http_req_duration");
    let tags = tags["results"][0]["series"][0]["values"].to_string();
    assert!(
        tags.contains("\"method\"") && tags.contains("\"status\"") && !tags.contains("\"url\""),
        "{tags}"
    );
    assert!(
        !tags.contains("\"group\""),
        "empty tags are left out: {tags}"
    );

    // Escaping: tag values come back as written, except the documented replacements.
    let v = influx.query(
        "rk6test",
        "SHOW TAG VALUES FROM checks WITH KEY = \"check\"",
    );
    let mut got: Vec<String> = v["results"][0]["series"][0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[1].as_str().unwrap().to_string())
        .collect();
    got.sort();
    let mut want: Vec<String> = NASTY
        .iter()
        .map(|s| {
            s.replace("\\,", "\u{29F5},")
                .replace("\\=", "\u{29F5}=")
                .replace("trailing\\", "trailing\u{29F5}")
                .replace('\n', "\\n")
        })
        .chain(["status is 200".to_string()])
        .collect();
    want.sort();
    assert_eq!(got, want);
    // String fields round-trip exactly.
    let v = influx.query("rk6test", "SELECT \"url\" FROM checks WHERE \"url\" <> ''");
    let mut urls: Vec<String> = v["results"][0]["series"][0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[1].as_str().unwrap().to_string())
        .collect();
    urls.sort();
    let mut want: Vec<String> = NASTY.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(urls, want);
}

#[test]
fn server_down_at_start_counts_everything_as_dropped() {
    let port = free_port();
    let (r, _) = run(
        &format!("http://127.0.0.1:{port}/rk6test"),
        &[("K6_INFLUXDB_MAX_ATTEMPTS", "2")],
        |b| request_batches(b, 50, None),
        || {},
        Duration::from_secs(10),
    );
    assert_eq!(r.written, 0);
    assert_eq!(r.dropped, r.produced, "{r:?}");
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("gave up after 2 attempts")),
        "{r:?}"
    );
}

#[test]
fn server_stopping_mid_test_accounts_for_every_sample() {
    let mut influx = Influxd::start();
    let url = format!("{}/rk6test", influx.url());
    let (r, _) = run(
        &url,
        &[("K6_INFLUXDB_MAX_ATTEMPTS", "2")],
        |b| request_batches(b, 200, None),
        || {
            // Wait (bounded) until the first half is visible, then stop the server.
            let deadline = Instant::now() + Duration::from_secs(20);
            while influx.counts("rk6test").is_empty() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            std::thread::sleep(Duration::from_millis(300));
            influx.stop();
        },
        Duration::from_secs(20),
    );
    assert!(r.dropped > 0, "{r:?}");
    assert!(r.written > 0, "{r:?}");
    // Restarted on the same data, the server holds exactly what was reported written.
    influx.launch();
    let stored: u64 = influx.counts("rk6test").values().sum();
    assert_eq!(stored, r.written, "{r:?}");
}

/// A scripted InfluxDB: `/query` succeeds, `/write` answers per `script(call_no)`.
fn fake_influx(
    script: impl Fn(usize, &str) -> (u16, &'static str) + Send + Sync + 'static,
) -> (TestServer, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let script = Arc::new(script);
    let handler: Handler = Arc::new(move |req: Req| {
        let c = c.clone();
        let script = script.clone();
        Box::pin(async move {
            if req.path_and_query.starts_with("/query") {
                return Resp::new(200, r#"{"results":[{"statement_id":0}]}"#);
            }
            assert!(
                req.path_and_query
                    .starts_with("/write?db=rk6test&precision=n"),
                "{}",
                req.path_and_query
            );
            let n = c.fetch_add(1, Ordering::SeqCst);
            let (status, body) = script(n, &String::from_utf8_lossy(&req.body));
            Resp::new(status, body)
        })
    });
    (TestServer::start(handler), calls)
}

#[test]
fn fake_server_5xx_then_success_writes_everything() {
    let (server, calls) = fake_influx(|n, _| {
        if n < 3 {
            (503, "overloaded")
        } else {
            (204, "")
        }
    });
    let (r, _) = run(
        &format!("{}/rk6test", server.url()),
        &[
            ("K6_INFLUXDB_MAX_ATTEMPTS", "10"),
            ("K6_INFLUXDB_CONCURRENT_WRITES", "1"),
        ],
        |b| request_batches(b, 50, None),
        || {},
        Duration::from_secs(30),
    );
    assert_eq!(r.written, r.produced, "{r:?}");
    assert!(calls.load(Ordering::SeqCst) > 3);
}

#[test]
fn fake_server_4xx_answers_are_counted() {
    // A partial write: InfluxDB stored all but the reported number.
    let (server, _) = fake_influx(|_, _| {
        (
            400,
            r#"{"error":"partial write: field type conflict: input field \"value\" on measurement \"x\" is type integer, already exists as type float dropped=2"}"#,
        )
    });
    let (r, _) = run(
        &format!("{}/rk6test", server.url()),
        &[
            ("K6_INFLUXDB_CONCURRENT_WRITES", "1"),
            ("K6_INFLUXDB_MAX_BATCH", "100000"),
        ],
        |b| request_batches(b, 20, None),
        || {},
        Duration::from_secs(30),
    );
    assert_eq!(r.rejected % 2, 0);
    assert!(r.rejected >= 2 && r.written > 0, "{r:?}");
    assert!(
        r.notes.iter().any(|n| n.contains("field type conflict")),
        "{r:?}"
    );

    // Unauthorized: every sample rejected with the reason.
    let (server, _) = fake_influx(|_, _| (401, r#"{"error":"authorization failed"}"#));
    let (r, _) = run(
        &format!("{}/rk6test", server.url()),
        &[],
        |b| request_batches(b, 20, None),
        || {},
        Duration::from_secs(30),
    );
    assert_eq!(r.rejected, r.produced, "{r:?}");
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("HTTP 401: authorization failed")),
        "{r:?}"
    );

    // A line the server cannot parse fails its whole request: bisected until isolated.
    let (server, _) = fake_influx(|_, body| {
        if body.contains("poison") {
            (
                400,
                r#"{"error":"unable to parse 'poison': bad timestamp"}"#,
            )
        } else {
            (204, "")
        }
    });
    let (r, _) = run(
        &format!("{}/rk6test", server.url()),
        &[
            ("K6_INFLUXDB_CONCURRENT_WRITES", "1"),
            ("K6_INFLUXDB_MAX_BATCH", "100000"),
        ],
        |b| {
            let mut v = request_batches(b, 30, None);
            v.push(Arc::new(vec![
                request_batches(b, 1, Some(("note", "poison")))[0][1].clone(),
            ]));
            v
        },
        || {},
        Duration::from_secs(30),
    );
    assert_eq!(r.rejected, 1, "{r:?}");
    assert_eq!(r.written, r.produced - 1);
}

#[test]
fn v2_api_uses_org_bucket_and_token() {
    let seen = Arc::new(parking_lot::Mutex::new(Vec::<(String, String)>::new()));
    let s = seen.clone();
    let handler: Handler = Arc::new(move |req: Req| {
        let s = s.clone();
        Box::pin(async move {
            let auth = req
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            s.lock().push((req.path_and_query.clone(), auth));
            Resp::new(204, "")
        })
    });
    let server = TestServer::start(handler);
    let (r, _) = run(
        &server.url(),
        &[
            ("K6_INFLUXDB_ORGANIZATION", "my org"),
            ("K6_INFLUXDB_BUCKET", "k6bucket"),
            ("K6_INFLUXDB_TOKEN", "s3cret"),
        ],
        |b| request_batches(b, 10, None),
        || {},
        Duration::from_secs(10),
    );
    assert_eq!(r.written, r.produced);
    let seen = seen.lock();
    assert!(!seen.is_empty());
    for (path, auth) in seen.iter() {
        assert_eq!(
            path,
            "/api/v2/write?org=my+org&bucket=k6bucket&precision=ns"
        );
        assert_eq!(auth, "Token s3cret");
    }
}

#[path = "common/mod.rs"]
mod common;

const K6_SCRIPT: &str = r#"
import http from 'k6/http';
import { check, group } from 'k6';
import { Counter, Rate } from 'k6/metrics';
const items = new Counter('items_total');
const ok = new Rate('ok_rate');
export const options = { vus: 3, iterations: 30 };
export default function () {
  group('api', () => {
    const r = http.get(`${__ENV.BASE}/get?i=${__ITER}`, { tags: { name: 'get' } });
    check(r, { 'is 200': (x) => x.status === 200 });
    ok.add(r.status === 200);
  });
  http.post(`${__ENV.BASE}/post`, 'x=1');
  http.get(`${__ENV.BASE}/status/404`);
  items.add(1, { kind: 'b' });
}
"#;

/// Measurements whose point counts depend on wall time (sampled each second), not on the script.
const TIMED: &[&str] = &["vus", "vus_max"];

fn tag_keys(influx: &Influxd, db: &str, measurement: &str) -> Vec<String> {
    let v = influx.query(db, &format!("SHOW TAG KEYS FROM \"{measurement}\""));
    let mut keys: Vec<String> = v["results"][0]["series"][0]["values"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p[0].as_str().map(str::to_string))
        .collect();
    keys.sort();
    keys
}

/// `rk6 run --out influxdb=...` finds every sample of the run in InfluxDB, per measurement, and
/// writes the same measurements, tag keys and (script-determined) point counts as k6 v1.1.0
/// writes for the same script into a second database.
#[test]
fn binary_run_matches_k6_in_influxdb() {
    let t = common::target();
    let base = common::base_url(&t);
    let influx = Influxd::start();
    let ws = common::Workspace::new();
    let out = format!("--out=influxdb={}/rk6run", influx.url());
    let r = common::run_script(&ws, K6_SCRIPT, &[&out], &[("BASE", &base)]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let json: HashMap<String, u64> =
        common::counts_by_metric(&common::points(&ws.path("out.json")))
            .into_iter()
            .map(|(k, v)| (k, v as u64))
            .collect();
    assert_eq!(json["http_reqs"], 90);
    let rk6_counts = influx.counts("rk6run");
    assert_eq!(rk6_counts, json, "stderr: {}", r.stderr);

    let k6 = k6_binary();
    assert!(
        k6.exists(),
        "k6 v1.1.0 not found at {}: run .ci/setup-outputs.sh (or set RK6_K6)",
        k6.display()
    );
    let script = ws.write("k6.js", K6_SCRIPT);
    let status = Command::new(&k6)
        .current_dir(ws.dir.path())
        .args(["run", "-q", "--no-summary", "--address="])
        .arg(format!("--out=influxdb={}/k6run", influx.url()))
        .arg(&script)
        .env("BASE", &base)
        .env("K6_NO_USAGE_REPORT", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("k6 runs");
    assert!(status.success(), "k6 failed: {status}");
    let k6_counts = influx.counts("k6run");
    let mut k6_names: Vec<&String> = k6_counts.keys().collect();
    let mut rk6_names: Vec<&String> = rk6_counts.keys().collect();
    k6_names.sort();
    rk6_names.sort();
    assert_eq!(rk6_names, k6_names, "measurements");
    for (name, n) in &k6_counts {
        assert_eq!(
            tag_keys(&influx, "rk6run", name),
            tag_keys(&influx, "k6run", name),
            "tag keys of {name}"
        );
        if !TIMED.contains(&name.as_str()) {
            assert_eq!(rk6_counts[name], *n, "points of {name}");
        }
    }
}
