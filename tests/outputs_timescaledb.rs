//! The `timescaledb` output against a real PostgreSQL (Debian package `postgresql`, installed
//! by `.ci/setup-outputs.sh`): the test creates a throwaway cluster in a temporary directory
//! (as the `postgres` user when it runs as root, since PostgreSQL refuses to run as root) and
//! starts it on a free 127.0.0.1 port. PostgreSQL without the TimescaleDB extension (Debian
//! has no package of it): `samples` is the plain indexed table.

mod outputs_common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use outputs_common::*;
use rk6::metrics::sample::{Sample, TagSet, now_ns};
use rk6::output::timescaledb::TimescaleDbOutput;
use rk6::output::{Output, OutputReport};

#[path = "common/mod.rs"]
mod common;

fn pg_bin_dir() -> PathBuf {
    if let Ok(p) = std::env::var("RK6_PG_BIN") {
        return p.into();
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|it| {
            it.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop().unwrap_or_else(|| {
        panic!("no PostgreSQL in /usr/lib/postgresql: run .ci/setup-outputs.sh (or set RK6_PG_BIN)")
    })
}

struct Postgres {
    dir: tempfile::TempDir,
    port: u16,
    bin: PathBuf,
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

impl Postgres {
    /// A command run as the cluster's owner (`postgres` when the test runs as root).
    fn cmd(&self, tool: &str) -> Command {
        let path = self.bin.join(tool);
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            let out = Command::new("id")
                .args(["-u", "postgres"])
                .output()
                .unwrap();
            let uid: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().expect(
                "a `postgres` user (created by the postgresql package) to run the server as",
            );
            std::os::unix::fs::chown(dir.path(), Some(uid), None).unwrap();
        }
        let pg = Postgres {
            dir,
            port: free_port(),
            bin: pg_bin_dir(),
        };
        let status = pg
            .cmd("initdb")
            .arg("-D")
            .arg(pg.data())
            .args([
                "-U",
                "rk6",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("initdb runs");
        assert!(status.success(), "initdb failed");
        pg.launch();
        pg
    }

    fn launch(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
            self.port,
            self.dir.path().display()
        );
        let status = self
            .cmd("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-o", &opts, "-l"])
            .arg(self.dir.path().join("log"))
            .args(["-w", "-t", "60", "start"])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("pg_ctl runs");
        assert!(status.success(), "postgres did not start: {}", self.log());
    }

    fn stop(&self) {
        let _ = self
            .cmd("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(std::process::Stdio::null())
            .status();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    fn url(&self, db: &str) -> String {
        format!(
            "postgresql://rk6@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    /// Runs a query; every column is read as text.
    fn query(&self, db: &str, sql: &str) -> Vec<Vec<Option<String>>> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let url = self.url(db);
        rt.block_on(async move {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            let msgs = client
                .simple_query(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            msgs.into_iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => {
                        Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                    }
                    _ => None,
                })
                .collect()
        })
    }

    fn count_by_metric(&self, db: &str) -> BTreeMap<String, u64> {
        self.query(db, "SELECT metric, count(*) FROM samples GROUP BY metric")
            .into_iter()
            .map(|r| {
                (
                    r[0].clone().unwrap(),
                    r[1].as_deref().unwrap().parse().unwrap(),
                )
            })
            .collect()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

const SCRIPT: &str = r#"
import http from 'k6/http';
import { check, group } from 'k6';
export const options = {
  vus: 2, iterations: 20,
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'http_reqs{status:200}': ['count>=20'],
    checks: [{ threshold: 'rate>0.5', abortOnFail: true, delayAbortEval: '10s' }],
  },
};
export default function () {
  group('api', () => {
    const r = http.get(`${__ENV.BASE}/get?x=1`, { tags: { name: 'get' } });
    check(r, { 'is 200': (x) => x.status === 200 });
  });
  http.get(`${__ENV.BASE}/status/404`);
}
"#;

/// `rk6 run --out timescaledb=...` creates the database and xk6's tables, stores every sample
/// exactly once with its tags, writes the thresholds with their final verdicts, and xk6's
/// dashboard queries run on the result.
#[test]
fn binary_run_stores_every_sample_and_the_thresholds() {
    let pg = Postgres::start();
    let t = common::target();
    let base = common::base_url(&t);
    let ws = common::Workspace::new();
    let out = format!("--out=timescaledb={}", pg.url("k6test"));
    let r = common::run_script(
        &ws,
        SCRIPT,
        &[&out, "--tag=testid=run-1"],
        &[("BASE", &base), ("K6_TIMESCALEDB_PUSH_INTERVAL", "200ms")],
    );
    // http_req_failed is 50%: its threshold fails (k6's exit code 99).
    assert_eq!(r.code, 99, "stderr: {}", r.stderr);
    let points = common::points(&ws.path("out.json"));
    let expected = json_counts(&points);
    assert_eq!(pg.count_by_metric("k6test"), expected, "{}", r.stderr);

    // Tags are the sample's tags (no metadata), as a JSON object.
    let rows = pg.query(
        "k6test",
        "SELECT tags::text FROM samples WHERE metric = 'http_req_duration' AND tags->>'status' = '404' LIMIT 1",
    );
    let tags: serde_json::Value = serde_json::from_str(rows[0][0].as_deref().unwrap()).unwrap();
    let want = points
        .iter()
        .find(|p| p["metric"] == "http_req_duration" && p["data"]["tags"]["status"] == "404")
        .unwrap()["data"]["tags"]
        .clone();
    assert_eq!(tags, want);
    assert!(tags.get("vu").is_none() && tags["testid"] == "run-1");

    let thresholds = pg.query(
        "k6test",
        "SELECT metric, threshold, abort_on_fail::text, delay_abort_eval, last_failed::text, tags IS NULL FROM thresholds ORDER BY id",
    );
    let got: Vec<Vec<String>> = thresholds
        .into_iter()
        .map(|r| r.into_iter().map(|c| c.unwrap_or_default()).collect())
        .collect();
    let row = |m: &str, t: &str, abort: &str, delay: &str, failed: &str| {
        [m, t, abort, delay, failed, "t"].map(String::from).to_vec()
    };
    assert_eq!(
        got,
        vec![
            row("http_req_failed", "rate<0.01", "false", "0s", "true"),
            row("http_reqs{status:200}", "count>=20", "false", "0s", "false"),
            row("checks", "rate>0.5", "true", "10s", "false"),
        ]
    );

    // Queries of xk6-output-timescaledb's dashboards, Grafana's macros filled in.
    let fill = |q: &str| {
        q.replace("$__timeFilter(ts)", "ts > now() - interval '1 hour'")
            .replace("$testid", "'run-1'")
    };
    let urls = pg.query("k6test", &fill(XK6_URLS_QUERY));
    assert_eq!(urls.len(), 2, "{urls:?}");
    let checks = pg.query("k6test", &fill(XK6_CHECKS_QUERY));
    assert_eq!(checks[0][0].as_deref(), Some("is 200"));
    assert_eq!(checks[0][1].as_deref(), Some("20"));
    let runs = pg.query(
        "k6test",
        "SELECT DISTINCT tags->>'testid' AS \"id\" FROM samples WHERE metric = 'vus';",
    );
    assert!(runs.is_empty() || runs[0][0].as_deref() == Some("run-1"));
}

/// From xk6-output-timescaledb's `grafana_dashboard_timescaledb.json` ("URLs" table, shortened).
const XK6_URLS_QUERY: &str = "SELECT
  tags->>'url' AS \"URL\",
  tags->>'method' AS \"method\",
  CASE WHEN (tags->>'status')::int = 0 THEN tags->>'error_code' ELSE tags->>'status' END AS \"status\",
  COUNT(*) AS count,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY value) AS \"95th\",
  MAX(value) AS \"max\"
FROM samples
WHERE $__timeFilter(ts)
  AND metric = 'http_req_duration'
  AND (CASE WHEN $testid != '<all>' THEN tags->>'testid' = $testid ELSE true END)
GROUP BY 1, 2, 3
ORDER BY 5 DESC
LIMIT 100";

/// From the same dashboard ("Checks with highest failure rate").
const XK6_CHECKS_QUERY: &str = "SELECT
  tags->>'check' AS \"check\",
  SUM(CASE WHEN value = 1 THEN 1 ELSE 0 END) AS \"successful\",
  SUM(CASE WHEN value = 0 THEN 1 ELSE 0 END) AS \"failed\"
FROM samples
WHERE $__timeFilter(ts)
  AND metric = 'checks'
  AND (CASE WHEN $testid != '<all>' THEN tags->>'testid' = $testid ELSE true END)
GROUP BY 1
ORDER BY 3 DESC
LIMIT 100";

fn run_output(
    url: &str,
    env: &[(&str, &str)],
    extra: Vec<Arc<Vec<Sample>>>,
    mid_run: impl FnOnce(),
    deadline: Duration,
) -> OutputReport {
    let mut env = env.to_vec();
    env.push(("K6_TIMESCALEDB_PUSH_INTERVAL", "50ms"));
    let (ctx, b) = context(&env);
    let mut batches = request_batches(&b, 300, None);
    batches.extend(extra);
    let mut out = TimescaleDbOutput::new(Some(url), &ctx).unwrap();
    out.start().unwrap();
    feed_output(&mut out, &batches, mid_run, deadline)
}

fn rows(pg: &Postgres, db: &str) -> u64 {
    pg.count_by_metric(db).values().sum()
}

#[test]
fn server_stopped_mid_run_then_restarted_holds_exactly_what_was_written() {
    let pg = Postgres::start();
    let url = pg.url("k6mid");
    let r = run_output(
        &url,
        &[("K6_TIMESCALEDB_MAX_ATTEMPTS", "3")],
        Vec::new(),
        || {
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                let has = std::panic::catch_unwind(|| rows(&pg, "k6mid") > 0).unwrap_or(false);
                if has {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            pg.stop();
        },
        Duration::from_secs(20),
    );
    assert!(r.written > 0 && r.dropped > 0, "{r:?}");
    pg.launch();
    assert_eq!(rows(&pg, "k6mid"), r.written, "{r:?}");
}

#[test]
fn late_server_bad_rows_and_refusals() {
    // The server comes up only after the test started: retries carry the samples over and
    // the first write that reaches it creates the database and tables.
    let pg = Postgres::start();
    pg.stop();
    let url = pg.url("k6late");
    let (_, b) = context(&[]);
    // A tag value PostgreSQL's jsonb refuses (NUL): its row alone is rejected.
    let poison = Arc::new(vec![Sample {
        metric: b.checks.clone(),
        time_ns: now_ns(),
        value: 1.0,
        tags: TagSet::from_pairs([("check", "nul\u{0}byte")]),
        metadata: None,
    }]);
    let r = run_output(
        &url,
        &[("K6_TIMESCALEDB_MAX_ATTEMPTS", "20")],
        vec![poison],
        || pg.launch(),
        Duration::from_secs(30),
    );
    assert_eq!(r.rejected, 1, "{r:?}");
    assert_eq!(r.written, r.produced - 1, "{r:?}");
    assert_eq!(rows(&pg, "k6late"), r.written);
    assert!(r.notes.iter().any(|n| n.contains("22P05")), "{r:?}");

    // A role that may not write: every sample rejected with PostgreSQL's reason, not retried.
    pg.query(
        "k6late",
        "CREATE ROLE reader LOGIN; GRANT SELECT ON samples, thresholds TO reader",
    );
    let reader = format!(
        "postgresql://reader@127.0.0.1:{}/k6late?sslmode=disable",
        pg.port
    );
    let r = run_output(&reader, &[], Vec::new(), || {}, Duration::from_secs(30));
    assert_eq!(r.rejected, r.produced, "{r:?}");
    assert!(r.notes.iter().any(|n| n.contains("42501")), "{r:?}");
}
