//! The `clickhouse` output against a real ClickHouse server over its HTTP interface: Debian
//! bookworm's `clickhouse-server` 18.16 (installed by `.ci/setup-outputs.sh`; the test starts
//! it on free 127.0.0.1 ports with a temporary config), which gets the legacy layout, and
//! scripted endpoints for ClickHouse's error answers, outages and slowness.

mod outputs_common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use outputs_common::*;
use rk6::output::clickhouse::ClickHouseOutput;
use rk6::output::{Output, OutputReport};

#[path = "common/mod.rs"]
mod common;

fn clickhouse_binary() -> PathBuf {
    std::env::var("RK6_CLICKHOUSE_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/usr/sbin/clickhouse-server"))
}

struct ClickHouse {
    child: Option<Child>,
    dir: tempfile::TempDir,
    port: u16,
}

impl ClickHouse {
    fn start() -> Self {
        let mut me = ClickHouse {
            child: None,
            dir: tempfile::tempdir().unwrap(),
            port: free_port(),
        };
        me.launch();
        me
    }

    fn launch(&mut self) {
        let bin = clickhouse_binary();
        assert!(
            bin.exists(),
            "clickhouse-server not found at {}: run .ci/setup-outputs.sh (or set RK6_CLICKHOUSE_SERVER)",
            bin.display()
        );
        let d = self.dir.path();
        std::fs::write(
            d.join("config.xml"),
            format!(
                r#"<?xml version="1.0"?>
<yandex>
  <logger><level>error</level><console>1</console></logger>
  <http_port>{http}</http_port>
  <tcp_port>{tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>{d}/data/</path>
  <tmp_path>{d}/tmp/</tmp_path>
  <users_config>{d}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
</yandex>
"#,
                http = self.port,
                tcp = free_port(),
                d = d.display()
            ),
        )
        .unwrap();
        std::fs::write(
            d.join("users.xml"),
            r#"<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
"#,
        )
        .unwrap();
        let child = Command::new(&bin)
            .arg(format!("--config-file={}", d.join("config.xml").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        self.child = Some(child);
        wait_for_http(&format!("{}/ping", self.url()), "clickhouse-server");
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

    /// Rows of a query as tab-separated fields.
    fn query(&self, q: &str) -> Vec<Vec<String>> {
        let (status, text) = http(&format!("{}/", self.url()), Some(q)).unwrap();
        assert_eq!(status, 200, "{q}: {text}");
        text.lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect()
    }

    fn count_by_metric(&self, table: &str) -> BTreeMap<String, u64> {
        self.query(&format!(
            "SELECT metric, count() FROM {table} GROUP BY metric FORMAT TabSeparated"
        ))
        .into_iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap()))
        .collect()
    }
}

impl Drop for ClickHouse {
    fn drop(&mut self) {
        self.stop();
    }
}

const SCRIPT: &str = r#"
import http from 'k6/http';
import { check, group } from 'k6';
export const options = {
  vus: 2, iterations: 20,
  thresholds: { http_req_failed: ['rate<0.01'], checks: ['rate>0.5'] },
};
export default function () {
  group('api', () => {
    const r = http.get(`${__ENV.BASE}/get?x=1`, { tags: { name: 'get' } });
    check(r, { 'is 200': (x) => x.status === 200 });
  });
  http.get(`${__ENV.BASE}/status/404`);
}
"#;

/// `rk6 run --out clickhouse=...` creates the database and tables (the legacy layout on
/// 18.16), stores every sample exactly once with its tags and metadata, and the thresholds'
/// final state.
#[test]
fn binary_run_stores_every_sample_and_the_thresholds() {
    let ch = ClickHouse::start();
    let t = common::target();
    let base = common::base_url(&t);
    let ws = common::Workspace::new();
    let out = format!("--out=clickhouse={}/k6test", ch.url());
    let r = common::run_script(
        &ws,
        SCRIPT,
        &[&out],
        &[
            ("BASE", &base),
            ("K6_CLICKHOUSE_PUSH_INTERVAL", "200ms"),
            ("K6_CLICKHOUSE_TEST_RUN_ID", "run-1"),
        ],
    );
    assert_eq!(r.code, 99, "stderr: {}", r.stderr);
    let points = common::points(&ws.path("out.json"));
    let expected = json_counts(&points);
    assert_eq!(
        ch.count_by_metric("k6test.samples"),
        expected,
        "{}",
        r.stderr
    );

    let desc = ch.query("DESCRIBE TABLE k6test.samples FORMAT TabSeparated");
    // TabSeparated escapes quotes.
    let types: Vec<(String, String)> = desc
        .iter()
        .map(|r| (r[0].clone(), r[1].replace("\\'", "'")))
        .collect();
    assert!(
        types.contains(&("ts".into(), "DateTime('UTC')".into())),
        "{types:?}"
    );
    assert!(
        types.contains(&("tags.key".into(), "Array(String)".into())),
        "{types:?}"
    );

    // Tags and metadata as the JSON output has them.
    let rows = ch.query(
        "SELECT tags.key, tags.value, metadata.key, test_run_id, toUnixTimestamp(ts) * 1000000 + ts_us
         FROM k6test.samples WHERE metric = 'http_req_duration'
           AND tags.value[indexOf(tags.key, 'status')] = '404' ORDER BY ts, ts_us LIMIT 1 FORMAT TabSeparated",
    );
    let p = points
        .iter()
        .find(|p| p["metric"] == "http_req_duration" && p["data"]["tags"]["status"] == "404")
        .unwrap();
    let mut keys: Vec<&String> = p["data"]["tags"].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        rows[0][0],
        format!(
            "[{}]",
            keys.iter()
                .map(|k| format!("'{k}'"))
                .collect::<Vec<_>>()
                .join(",")
        )
    );
    // `vu` and `iter` are not system tags by default (k6's default), so no metadata.
    assert_eq!(rows[0][2], "[]");
    assert_eq!(rows[0][3], "run-1");

    let th = ch.query(
        "SELECT metric, threshold, argMax(last_failed, toUInt64(ts) * 1000000 + ts_us) FROM k6test.thresholds
         WHERE test_run_id = 'run-1' GROUP BY metric, threshold ORDER BY metric FORMAT TabSeparated",
    );
    assert_eq!(
        th,
        vec![
            vec!["checks".to_string(), "rate>0.5".into(), "0".into()],
            vec![
                "http_req_failed".to_string(),
                "rate<0.01".into(),
                "1".into()
            ],
        ]
    );
}

fn run_output(
    url: &str,
    env: &[(&str, &str)],
    mid_run: impl FnOnce(),
    deadline: Duration,
) -> OutputReport {
    let mut env = env.to_vec();
    env.push(("K6_CLICKHOUSE_PUSH_INTERVAL", "50ms"));
    let (ctx, b) = context(&env);
    let batches = request_batches(&b, 300, None);
    let mut out = ClickHouseOutput::new(Some(url), &ctx).unwrap();
    out.start().unwrap();
    feed_output(&mut out, &batches, mid_run, deadline)
}

#[test]
fn server_stopped_mid_run_then_restarted_holds_exactly_what_was_written() {
    let mut ch = ClickHouse::start();
    let url = format!("{}/k6mid", ch.url());
    let r = run_output(
        &url,
        &[("K6_CLICKHOUSE_MAX_ATTEMPTS", "3")],
        || {
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                let (_, n) = http(
                    &format!("{}/", ch.url()),
                    Some("SELECT count() FROM k6mid.samples"),
                )
                .unwrap_or_default();
                if n.trim().parse::<u64>().unwrap_or(0) > 0 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            ch.stop();
        },
        Duration::from_secs(20),
    );
    assert!(r.written > 0 && r.dropped > 0, "{r:?}");
    ch.launch();
    let stored: u64 = ch.count_by_metric("k6mid.samples").values().sum();
    assert_eq!(stored, r.written, "{r:?}");
}

/// A scripted ClickHouse HTTP interface: setup statements succeed (as 18.16 answers them),
/// inserts into `samples` answer per `script(call_no)`.
fn fake_clickhouse(
    script: impl Fn(usize) -> (u16, &'static str, Duration) + Send + Sync + 'static,
) -> TestServer {
    let calls = Arc::new(AtomicUsize::new(0));
    let script = Arc::new(script);
    let handler: Handler = Arc::new(move |req: Req| {
        let (calls, script) = (calls.clone(), script.clone());
        Box::pin(async move {
            let q = url::form_urlencoded::parse(
                req.path_and_query
                    .split_once('?')
                    .map(|(_, q)| q)
                    .unwrap_or("")
                    .as_bytes(),
            )
            .find(|(k, _)| k == "query")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| String::from_utf8_lossy(&req.body).into_owned());
            if q.starts_with("SELECT version()") {
                return Resp::new(200, "18.16.1\n");
            }
            if !q.starts_with("INSERT INTO `k6`.`samples`") {
                return Resp::new(200, "");
            }
            let (status, body, delay) = script(calls.fetch_add(1, Ordering::SeqCst));
            tokio::time::sleep(delay).await;
            Resp::new(status, body)
        })
    });
    TestServer::start(handler)
}

#[test]
fn clickhouse_errors_are_retried_or_counted_by_code() {
    // Too many parts (transient, as ClickHouse documents it) twice, then stored.
    let server = fake_clickhouse(|n| {
        if n < 2 {
            (
                500,
                "Code: 252, e.displayText() = DB::Exception: Too many parts (300). Merges are processing significantly slower than inserts.",
                Duration::ZERO,
            )
        } else {
            (200, "", Duration::ZERO)
        }
    });
    let r = run_output(
        &format!("{}/k6", server.url()),
        &[],
        || {},
        Duration::from_secs(30),
    );
    assert_eq!(r.written, r.produced, "{r:?}");

    // Unknown table: fatal, every sample rejected with ClickHouse's message.
    let server = fake_clickhouse(|_| {
        (
            404,
            "Code: 60. DB::Exception: Table k6.samples does not exist. (UNKNOWN_TABLE)",
            Duration::ZERO,
        )
    });
    let r = run_output(
        &format!("{}/k6", server.url()),
        &[],
        || {},
        Duration::from_secs(30),
    );
    assert_eq!(r.rejected, r.produced, "{r:?}");
    assert!(r.notes.iter().any(|n| n.contains("UNKNOWN_TABLE")), "{r:?}");

    // Slower than the write timeout: retried, then dropped with the reason; the shutdown
    // deadline bounds the stop (a guard against a hang, not a timing assertion).
    let server = fake_clickhouse(|_| (200, "", Duration::from_secs(3600)));
    let started = Instant::now();
    let r = run_output(
        &format!("{}/k6", server.url()),
        &[
            ("K6_CLICKHOUSE_WRITE_TIMEOUT", "100ms"),
            ("K6_CLICKHOUSE_MAX_ATTEMPTS", "2"),
        ],
        || {},
        Duration::from_secs(5),
    );
    assert!(started.elapsed() < Duration::from_secs(120));
    assert_eq!(r.written, 0, "{r:?}");
    assert_eq!(r.dropped, r.produced, "{r:?}");
}

/// The Python of the venv `.ci/setup-outputs.sh` installs chDB into (`$RK6_CHDB_PYTHON`).
fn chdb_python() -> PathBuf {
    std::env::var("RK6_CHDB_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/opt/rk6-ci/chdb/bin/python"))
}

/// A current ClickHouse engine (chDB) behind `tests/outputs_common/chdb_http.py`, a minimal
/// HTTP interface.
struct ChdbServer {
    child: Child,
    _dir: tempfile::TempDir,
    port: u16,
}

impl ChdbServer {
    fn start() -> Self {
        let py = chdb_python();
        assert!(
            py.exists(),
            "chDB's Python not found at {}: run .ci/setup-outputs.sh (or set RK6_CHDB_PYTHON)",
            py.display()
        );
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let shim =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/outputs_common/chdb_http.py");
        let child = Command::new(&py)
            .arg(shim)
            .arg(port.to_string())
            .arg(dir.path().join("db"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the chDB shim starts");
        let me = ChdbServer {
            child,
            _dir: dir,
            port,
        };
        wait_for_http(&format!("{}/ping", me.url()), "the chDB shim");
        me
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn query(&self, q: &str) -> Vec<Vec<String>> {
        let (status, text) = http(&format!("{}/", self.url()), Some(q)).unwrap();
        assert_eq!(status, 200, "{q}: {text}");
        text.lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect()
    }
}

impl Drop for ChdbServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Against the current ClickHouse engine: the current layout (DateTime64, Map), every sample
/// once, the thresholds, and every query of rk6's ClickHouse dashboard runs on the result.
#[test]
fn current_clickhouse_gets_the_current_layout_and_the_dashboard_queries_run() {
    let ch = ChdbServer::start();
    let t = common::target();
    let base = common::base_url(&t);
    let ws = common::Workspace::new();
    let out = format!("--out=clickhouse={}/k6cur", ch.url());
    let r = common::run_script(
        &ws,
        SCRIPT,
        &[&out],
        &[
            ("BASE", &base),
            ("K6_CLICKHOUSE_PUSH_INTERVAL", "200ms"),
            ("K6_CLICKHOUSE_TEST_RUN_ID", "run-1"),
            ("K6_CLICKHOUSE_CONCURRENT_WRITES", "1"),
        ],
    );
    assert_eq!(r.code, 99, "stderr: {}", r.stderr);
    let points = common::points(&ws.path("out.json"));
    let expected = json_counts(&points);
    let counts: BTreeMap<String, u64> = ch
        .query("SELECT metric, count() FROM k6cur.samples GROUP BY metric")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap()))
        .collect();
    assert_eq!(counts, expected, "{}", r.stderr);
    let types: Vec<(String, String)> = ch
        .query("DESCRIBE TABLE k6cur.samples")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].replace("\\'", "'")))
        .collect();
    assert!(
        types.contains(&("ts".into(), "DateTime64(6, 'UTC')".into())),
        "{types:?}"
    );
    assert!(
        types.contains(&("tags".into(), "Map(LowCardinality(String), String)".into())),
        "{types:?}"
    );
    let n404 = ch.query(
        "SELECT count() FROM k6cur.samples WHERE metric = 'http_reqs' AND tags['status'] = '404' AND length(metadata) = 0",
    );
    assert_eq!(n404[0][0], "20");
    let th = ch.query(
        "SELECT metric, threshold, argMax(last_failed, ts) FROM k6cur.thresholds GROUP BY metric, threshold ORDER BY metric",
    );
    assert_eq!(
        th,
        vec![
            vec!["checks".to_string(), "rate>0.5".into(), "0".into()],
            vec![
                "http_req_failed".to_string(),
                "rate<0.01".into(),
                "1".into()
            ],
        ]
    );

    // Every query of the dashboard, Grafana's macros and variables filled in.
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("grafana/dashboards/rk6-clickhouse.json");
    let d: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut sqls = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(o) => {
                if let Some(s) = o.get("rawSql").and_then(|s| s.as_str()) {
                    out.push(s.to_string());
                }
                o.values().for_each(|x| walk(x, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&d["panels"], &mut sqls);
    assert!(sqls.len() >= 12, "{}", sqls.len());
    for sql in sqls {
        let q = sql
            .replace("$__timeFilter(ts)", "ts > now() - INTERVAL 1 HOUR")
            .replace(
                "$__timeInterval(ts)",
                "toStartOfInterval(ts, INTERVAL 1 second)",
            )
            .replace("$__interval_s", "1")
            .replace("$database", "k6cur")
            .replace("${test_run:singlequote}", "'run-1'")
            .replace("instance_id IN (${instance:singlequote})", "1")
            .replace("$metric", "http_req_duration");
        let rows = ch.query(&q);
        // `vus` is sampled each second; a run this short may have none.
        assert!(!rows.is_empty() || q.contains("'vus'"), "no rows: {q}");
    }
}
