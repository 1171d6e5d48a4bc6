//! The Timestream output through the real AWS SDK client:
//! - against a fault-injecting local endpoint speaking Timestream's JSON protocol
//!   (throttling, 5xx, RejectedRecords, ValidationException, stalls, an endpoint that goes
//!   away), checking the accounting `produced = written + rejected + dropped` each time;
//! - against moto (`moto_server`, installed by `.ci/setup-outputs.sh`), reading the records
//!   back through `/moto-api/data.json`, with a recording proxy in between that checks every
//!   request against the rules moto does not enforce.

mod outputs_common;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::Mutex;

use outputs_common::*;
use rk6::output::timestream::TimestreamOutput;
use rk6::output::{Output, OutputReport};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Ok,
    ThrottleFirst(usize),
    ServerErrorFirst(usize),
    RejectFirstRecord,
    ValidationOnPoison,
    Stall,
    NoTable,
}

#[derive(Default)]
struct FakeState {
    writes: AtomicUsize,
    ingested: AtomicU64,
    rejected: AtomicU64,
    problems: Mutex<Vec<String>>,
    keys: Mutex<Vec<String>>,
    /// Every record accepted, its dimensions with the call's common ones.
    records: Mutex<Vec<(String, HashMap<String, String>)>>,
}

fn error_body(kind: &str, msg: &str) -> String {
    format!(r#"{{"__type":"com.amazonaws.timestream.v20181101#{kind}","message":"{msg}"}}"#)
}

fn samples_in(record: &serde_json::Value) -> u64 {
    match record["MeasureValues"].as_array() {
        Some(a) if record["MeasureValueType"] == "MULTI" => a.len() as u64,
        _ => 1,
    }
}

fn fake_timestream(mode: Mode) -> (TestServer, Arc<FakeState>) {
    let state = Arc::new(FakeState::default());
    let st = state.clone();
    let handler: Handler = Arc::new(move |req: Req| {
        let st = st.clone();
        Box::pin(async move {
            let target = req
                .headers
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            if target.ends_with(".DescribeTable") {
                if mode == Mode::NoTable {
                    return Resp::json(
                        400,
                        error_body("ResourceNotFoundException", "The table does not exist."),
                    );
                }
                return Resp::json(
                    200,
                    r#"{"Table":{"TableName":"tbl","DatabaseName":"rk6db","TableStatus":"ACTIVE","RetentionProperties":{"MemoryStoreRetentionPeriodInHours":24,"MagneticStoreRetentionPeriodInDays":7}}}"#,
                );
            }
            if !target.ends_with(".WriteRecords") {
                return Resp::json(
                    400,
                    error_body("ValidationException", "unexpected operation"),
                );
            }
            let n = st.writes.fetch_add(1, Ordering::SeqCst);
            let (problems, keys) = check_write_records_body(&req.body);
            st.problems.lock().extend(problems);
            st.keys.lock().extend(keys);
            let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
            let records = body["Records"].as_array().cloned().unwrap_or_default();
            let total: u64 = records.iter().map(samples_in).sum();
            let dims = |v: &serde_json::Value| -> HashMap<String, String> {
                v["Dimensions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|d| {
                        (
                            d["Name"].as_str().unwrap_or_default().to_string(),
                            d["Value"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            };
            let common = dims(&body["CommonAttributes"]);
            st.records.lock().extend(records.iter().map(|r| {
                let mut d = common.clone();
                d.extend(dims(r));
                let measure = r["MeasureName"]
                    .as_str()
                    .or(body["CommonAttributes"]["MeasureName"].as_str())
                    .unwrap_or_default()
                    .to_string();
                (measure, d)
            }));
            let ok = |st: &FakeState, ingested: u64| {
                st.ingested.fetch_add(ingested, Ordering::SeqCst);
                Resp::json(
                    200,
                    format!(
                        r#"{{"RecordsIngested":{{"Total":{ingested},"MemoryStore":{ingested},"MagneticStore":0}}}}"#
                    ),
                )
            };
            match mode {
                Mode::Ok | Mode::NoTable => ok(&st, total),
                Mode::ThrottleFirst(k) if n < k => {
                    Resp::json(400, error_body("ThrottlingException", "Rate exceeded"))
                }
                Mode::ServerErrorFirst(k) if n < k => {
                    Resp::json(500, error_body("InternalServerException", "internal error"))
                }
                Mode::ThrottleFirst(_) | Mode::ServerErrorFirst(_) => ok(&st, total),
                Mode::RejectFirstRecord => {
                    let first = samples_in(&records[0]);
                    st.ingested.fetch_add(total - first, Ordering::SeqCst);
                    st.rejected.fetch_add(first, Ordering::SeqCst);
                    Resp::json(
                        419,
                        r#"{"__type":"com.amazonaws.timestream.v20181101#RejectedRecordsException","message":"One or more records have been rejected.","RejectedRecords":[{"RecordIndex":0,"Reason":"A record already exists with the same time, dimensions, measure name, and record version.","ExistingVersion":1}]}"#,
                    )
                }
                Mode::ValidationOnPoison => {
                    let poisoned = body.to_string().contains("poison");
                    if poisoned {
                        Resp::json(
                            400,
                            error_body("ValidationException", "Invalid dimension value"),
                        )
                    } else {
                        ok(&st, total)
                    }
                }
                Mode::Stall => {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    ok(&st, total)
                }
            }
        })
    });
    (TestServer::start(handler), state)
}

fn env_for(endpoint: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("K6_TIMESTREAM_REGION", "us-east-1"),
        ("K6_TIMESTREAM_ENDPOINT", endpoint),
        ("K6_TIMESTREAM_FLUSH_INTERVAL", "50ms"),
        ("K6_TIMESTREAM_WRITER_THREADS", "2"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        env.retain(|(ek, _)| ek != k);
        env.push((k.to_string(), v.to_string()));
    }
    env
}

/// Runs the output over `batches` and checks the accounting.
fn run_output(
    arg: &str,
    env: &[(String, String)],
    batches_of: impl FnOnce(
        &rk6::metrics::registry::BuiltinMetrics,
    ) -> Vec<Arc<rk6::metrics::sample::SampleBatch>>,
    mid_run: impl FnOnce(),
    deadline: Duration,
) -> (OutputReport, HashMap<String, u64>) {
    let env_ref: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (ctx, b) = context(&env_ref);
    let batches = batches_of(&b);
    let mut out = TimestreamOutput::new(Some(arg), &ctx).unwrap();
    out.start().unwrap();
    let half = batches.len() / 2;
    for batch in &batches[..half] {
        out.add_batch(batch);
    }
    mid_run();
    for batch in &batches[half..] {
        out.add_batch(batch);
    }
    let report = out.stop(deadline).unwrap();
    let counts = count_by_metric(&batches);
    let total: u64 = counts.values().sum();
    assert_eq!(report.produced, total, "{report:?}");
    assert_eq!(
        report.produced,
        report.written + report.rejected + report.dropped,
        "{report:?}"
    );
    (report, counts)
}

#[test]
fn fake_endpoint_all_written_and_rules_hold() {
    for format in ["single", "multi"] {
        let (server, st) = fake_timestream(Mode::Ok);
        let env = env_for(&server.url(), &[("K6_TIMESTREAM_RECORD_FORMAT", format)]);
        let (r, _) = run_output(
            "rk6db.tbl",
            &env,
            |b| request_batches(b, 300, None),
            || {},
            Duration::from_secs(30),
        );
        assert_eq!(r.written, r.produced, "{format}: {r:?}");
        assert_eq!(st.ingested.load(Ordering::SeqCst), r.produced, "{format}");
        assert_eq!(*st.problems.lock(), Vec::<String>::new(), "{format}");
        let keys = st.keys.lock();
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            keys.len(),
            "{format}: a (dimensions, measure, time) key repeats"
        );
        assert!(
            r.notes
                .iter()
                .any(|n| n.contains("metered bytes per HTTP request")),
            "{r:?}"
        );
        println!("{format}: {:?}", r.notes);
    }
}

#[test]
fn fake_endpoint_throttling_and_5xx_are_retried() {
    for mode in [Mode::ThrottleFirst(3), Mode::ServerErrorFirst(3)] {
        let (server, st) = fake_timestream(mode);
        let env = env_for(&server.url(), &[("K6_TIMESTREAM_MAX_ATTEMPTS", "10")]);
        let (r, _) = run_output(
            "rk6db.tbl",
            &env,
            |b| request_batches(b, 100, None),
            || {},
            Duration::from_secs(60),
        );
        assert_eq!(r.written, r.produced, "{mode:?}: {r:?}");
        assert_eq!(st.ingested.load(Ordering::SeqCst), r.produced);
        assert!(st.writes.load(Ordering::SeqCst) > 3);
    }
}

#[test]
fn fake_endpoint_rejected_records_are_counted_with_reasons() {
    let (server, st) = fake_timestream(Mode::RejectFirstRecord);
    let env = env_for(&server.url(), &[]);
    let (r, _) = run_output(
        "rk6db.tbl",
        &env,
        |b| request_batches(b, 100, None),
        || {},
        Duration::from_secs(30),
    );
    assert_eq!(r.rejected, st.rejected.load(Ordering::SeqCst));
    assert_eq!(r.written, st.ingested.load(Ordering::SeqCst));
    assert!(r.rejected > 0);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("A record already exists") && n.contains("existing version 1")),
        "{r:?}"
    );
}

#[test]
fn fake_endpoint_validation_error_is_bisected() {
    let (server, st) = fake_timestream(Mode::ValidationOnPoison);
    let env = env_for(&server.url(), &[]);
    let (r, _) = run_output(
        "rk6db.tbl",
        &env,
        |b| {
            let mut batches = request_batches(b, 100, None);
            // One poisoned sample among 1300.
            let poison = request_batches(b, 1, Some(("note", "poison")));
            batches.push(Arc::new(vec![poison[0][1].clone()]));
            batches
        },
        || {},
        Duration::from_secs(30),
    );
    assert_eq!(r.rejected, 1, "{r:?}");
    assert_eq!(r.written, r.produced - 1);
    assert_eq!(st.ingested.load(Ordering::SeqCst), r.written);
    assert!(
        r.notes.iter().any(|n| n.contains("ValidationException")),
        "{r:?}"
    );
}

#[test]
fn fake_endpoint_stalled_is_bounded_by_the_deadline() {
    let (server, _st) = fake_timestream(Mode::Stall);
    let env = env_for(
        &server.url(),
        &[
            ("K6_TIMESTREAM_WRITE_TIMEOUT", "300ms"),
            ("K6_TIMESTREAM_MAX_ATTEMPTS", "1000"),
        ],
    );
    let (r, _) = run_output(
        "rk6db.tbl",
        &env,
        |b| request_batches(b, 50, None),
        || {},
        Duration::from_secs(1),
    );
    assert_eq!(r.written, 0);
    assert_eq!(r.dropped, r.produced, "{r:?}");
}

#[test]
fn fake_endpoint_gone_mid_test() {
    let (mut server, st) = fake_timestream(Mode::Ok);
    let env = env_for(&server.url(), &[("K6_TIMESTREAM_MAX_ATTEMPTS", "3")]);
    let (r, _) = run_output(
        "rk6db.tbl",
        &env,
        |b| request_batches(b, 200, None),
        || {
            // Let the first half be written, then take the endpoint away.
            // Generous: on a loaded 2-core CI machine the first write can take long; the loop ends at the first row.
            let deadline = Instant::now() + Duration::from_secs(90);
            while st.ingested.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            std::thread::sleep(Duration::from_millis(300));
            server.shutdown();
        },
        Duration::from_secs(30),
    );
    assert_eq!(r.written, st.ingested.load(Ordering::SeqCst), "{r:?}");
    assert!(r.written > 0 && r.dropped > 0, "{r:?}");
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("gave up after 3 attempts")),
        "{r:?}"
    );
}

#[test]
fn missing_table_is_a_clear_start_error() {
    let (server, _st) = fake_timestream(Mode::NoTable);
    let env = env_for(&server.url(), &[]);
    let env_ref: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (ctx, _) = context(&env_ref);
    let mut out = TimestreamOutput::new(Some("rk6db.tbl"), &ctx).unwrap();
    let err = out.start().unwrap_err().to_string();
    assert!(
        err.contains("does not exist") && err.contains("K6_TIMESTREAM_CREATE_IF_MISSING"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// moto

struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_binary() -> std::path::PathBuf {
    if let Ok(p) = std::env::var("RK6_MOTO_SERVER") {
        return p.into();
    }
    let venv = std::env::var("RK6_CI_VENV").unwrap_or_else(|_| "/opt/rk6-ci/venv".into());
    std::path::Path::new(&venv).join("bin/moto_server")
}

fn start_moto() -> Moto {
    let bin = moto_binary();
    assert!(
        bin.exists(),
        "moto_server not found at {}: run .ci/setup-outputs.sh (or set RK6_MOTO_SERVER)",
        bin.display()
    );
    let port = free_port();
    let child = Command::new(&bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {}: {e}; run .ci/setup-outputs.sh",
                bin.display()
            )
        });
    let url = format!("http://127.0.0.1:{port}");
    let moto = Moto { child, url };
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto_server did not start listening on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    moto
}

fn http_get(url: &str) -> Vec<u8> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use http_body_util::BodyExt;
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<http_body_util::Empty<Bytes>>();
        let resp = client.get(url.parse().unwrap()).await.unwrap();
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec()
    })
}

/// A proxy to moto that records and checks every WriteRecords request.
fn recording_proxy(upstream: String) -> (TestServer, Arc<FakeState>) {
    let state = Arc::new(FakeState::default());
    let st = state.clone();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<Bytes>>();
    let handler: Handler = Arc::new(move |req: Req| {
        let st = st.clone();
        let client = client.clone();
        let upstream = upstream.clone();
        Box::pin(async move {
            use http_body_util::BodyExt;
            let is_write = req
                .headers
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.ends_with(".WriteRecords"));
            if is_write {
                st.writes.fetch_add(1, Ordering::SeqCst);
                let (problems, keys) = check_write_records_body(&req.body);
                st.problems.lock().extend(problems);
                st.keys.lock().extend(keys);
            }
            let mut fwd = hyper::Request::builder()
                .method(req.method.as_str())
                .uri(format!("{upstream}{}", req.path_and_query));
            for (k, v) in req.headers.iter() {
                if k != hyper::header::HOST {
                    fwd = fwd.header(k, v);
                }
            }
            let resp = client
                .request(fwd.body(http_body_util::Full::new(req.body)).unwrap())
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let headers: Vec<(String, String)> = resp
                .headers()
                .iter()
                .filter(|(k, _)| {
                    *k != hyper::header::CONTENT_LENGTH && *k != hyper::header::TRANSFER_ENCODING
                })
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                .collect();
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            Resp {
                status,
                headers,
                body,
            }
        })
    });
    (TestServer::start(handler), state)
}

/// The records of every table object moto lists for `db.table` (a replaced table leaves a
/// stale object behind).
fn moto_tables(moto: &Moto, db: &str, table: &str) -> Vec<Vec<serde_json::Value>> {
    let data: serde_json::Value =
        serde_json::from_slice(&http_get(&format!("{}/moto-api/data.json", moto.url))).unwrap();
    let tables = data["timestreamwrite"]["TimestreamTable"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    tables
        .iter()
        .filter(|t| t["db_name"] == db && t["name"] == table)
        .map(|t| t["records"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn moto_records(moto: &Moto, db: &str, table: &str) -> Vec<serde_json::Value> {
    let mut tables = moto_tables(moto, db, table);
    assert_eq!(tables.len(), 1, "exactly one table object");
    tables.remove(0)
}

fn per_measure(records: &[serde_json::Value]) -> HashMap<String, u64> {
    let mut m = HashMap::new();
    for r in records {
        if r["MeasureValueType"] == "MULTI" {
            for mv in r["MeasureValues"].as_array().cloned().unwrap_or_default() {
                *m.entry(mv["Name"].as_str().unwrap_or("").to_string())
                    .or_insert(0) += 1;
            }
        } else {
            *m.entry(r["MeasureName"].as_str().unwrap_or("").to_string())
                .or_insert(0) += 1;
        }
    }
    m
}

fn moto_env(proxy: &TestServer, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut e = vec![
        ("K6_TIMESTREAM_CREATE_IF_MISSING", "true"),
        ("K6_TIMESTREAM_MEMORY_RETENTION_HOURS", "24"),
    ];
    e.extend_from_slice(extra);
    env_for(&proxy.url(), &e)
}

#[test]
fn moto_single_format_every_sample_arrives() {
    let moto = start_moto();
    let (proxy, st) = recording_proxy(moto.url.clone());
    // CommonAttributes off: moto drops them, and here we check the stored dimensions too.
    let env = moto_env(&proxy, &[("K6_TIMESTREAM_COMMON_ATTRIBUTES", "false")]);
    let (r, counts) = run_output(
        "rk6single.samples",
        &env,
        |b| request_batches(b, 250, None),
        || {},
        Duration::from_secs(60),
    );
    assert_eq!(r.written, r.produced, "{r:?}");
    let records = moto_records(&moto, "rk6single", "samples");
    assert_eq!(per_measure(&records), counts);
    for rec in &records {
        let dims = rec["Dimensions"].as_array().unwrap();
        assert!(dims.iter().any(|d| d["Name"] == "test_run_id"), "{rec}");
        assert!(dims.iter().any(|d| d["Name"] == "instance_id"), "{rec}");
        assert_eq!(rec["MeasureValueType"], "DOUBLE");
    }
    assert!(st.writes.load(Ordering::SeqCst) >= records.len().div_ceil(100));
    assert_eq!(*st.problems.lock(), Vec::<String>::new());
    let keys = st.keys.lock();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        keys.len(),
        "a (dimensions, measure, time) key repeats"
    );
}

#[test]
fn moto_multi_format_every_sample_arrives() {
    let moto = start_moto();
    let (proxy, st) = recording_proxy(moto.url.clone());
    let env = moto_env(&proxy, &[("K6_TIMESTREAM_RECORD_FORMAT", "multi")]);
    let (r, counts) = run_output(
        "rk6multi.samples",
        &env,
        |b| request_batches(b, 250, None),
        || {},
        Duration::from_secs(60),
    );
    assert_eq!(r.written, r.produced, "{r:?}");
    let records = moto_records(&moto, "rk6multi", "samples");
    assert_eq!(per_measure(&records), counts);
    assert_eq!(
        records
            .iter()
            .filter(|r| r["MeasureName"] == "http_req")
            .count(),
        250
    );
    assert_eq!(*st.problems.lock(), Vec::<String>::new());
}

#[test]
fn moto_existing_table_is_not_replaced() {
    let moto = start_moto();
    let (proxy, _st) = recording_proxy(moto.url.clone());
    let env = moto_env(&proxy, &[]);
    let (r1, _) = run_output(
        "rk6keep.samples",
        &env,
        |b| request_batches(b, 20, None),
        || {},
        Duration::from_secs(60),
    );
    // A second run with create-if-missing must find the table and keep its records
    // (moto's CreateTable would replace it).
    let (r2, _) = run_output(
        "rk6keep.samples",
        &env,
        |b| request_batches(b, 30, None),
        || {},
        Duration::from_secs(60),
    );
    let records = moto_records(&moto, "rk6keep", "samples");
    assert_eq!(records.len() as u64, r1.written + r2.written);
}

#[path = "common/mod.rs"]
mod common;

/// A k6 script with requests, checks, groups and a custom metric, run by the `rk6` binary with
/// `--out timestream` into moto and `--out json` beside it: every sample in the JSON output is
/// a Timestream measure, per metric, and every WriteRecords call obeys Timestream's rules.
fn binary_run_into_moto(format: &str, db: &str) {
    let t = common::target();
    let base = common::base_url(&t);
    let moto = start_moto();
    let (proxy, st) = recording_proxy(moto.url.clone());
    let mut env = moto_env(&proxy, &[("K6_TIMESTREAM_RECORD_FORMAT", format)]);
    env.push(("BASE".into(), base));
    let env_ref: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let ws = common::Workspace::new();
    let script = r#"
import http from 'k6/http';
import { check, group } from 'k6';
import { Counter, Trend } from 'k6/metrics';
const items = new Counter('items_total');
const work = new Trend('work_ms', true);
export const options = { vus: 4, iterations: 40 };
export default function () {
  group('api', () => {
    const r = http.get(`${__ENV.BASE}/get?i=${__ITER}`);
    check(r, { 'is 200': (x) => x.status === 200 });
  });
  http.get(`${__ENV.BASE}/status/503`);
  items.add(2, { kind: 'a' });
  work.add(__ITER);
}
"#;
    let arg = format!("--out=timestream={db}.samples");
    let r = common::run_script(&ws, script, &[&arg], &env_ref);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let json_counts: HashMap<String, u64> =
        common::counts_by_metric(&common::points(&ws.path("out.json")))
            .into_iter()
            .map(|(k, v)| (k.to_string(), v as u64))
            .collect();
    assert_eq!(json_counts["http_reqs"], 80);
    let records = moto_records(&moto, db, "samples");
    assert_eq!(per_measure(&records), json_counts, "stderr: {}", r.stderr);
    assert_eq!(*st.problems.lock(), Vec::<String>::new());
    // The accounting and the metered write size are printed at the end.
    let total: u64 = json_counts.values().sum();
    let line = format!("{total} samples produced, {total} written, 0 rejected, 0 dropped");
    assert!(r.stderr.contains(&line), "want {line:?} in: {}", r.stderr);
    assert!(
        r.stderr.contains(&format!("{format} records: ")),
        "stderr: {}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("metered bytes per HTTP request (80 requests"),
        "stderr: {}",
        r.stderr
    );
    let keys = st.keys.lock();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        keys.len(),
        "a (dimensions, measure, time) key repeats"
    );
}

#[test]
fn binary_single_format_writes_every_sample_to_moto() {
    binary_run_into_moto("single", "rk6binsingle");
}

#[test]
fn binary_multi_format_writes_every_sample_to_moto() {
    binary_run_into_moto("multi", "rk6binmulti");
}

/// A burst far larger than the writer pool's queue (and faster than moto writes) is absorbed
/// by waiting for room, not dropped: the VUs never wait, every sample arrives.
#[test]
fn binary_burst_larger_than_the_queue_loses_nothing() {
    let moto = start_moto();
    let (proxy, st) = recording_proxy(moto.url.clone());
    let env = moto_env(&proxy, &[("K6_TIMESTREAM_QUEUE_CAPACITY", "500")]);
    let env_ref: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let ws = common::Workspace::new();
    let script = r#"
import { Counter } from 'k6/metrics';
const c = new Counter('burst_total');
export const options = { vus: 4, iterations: 2000 };
export default function () { for (let i = 0; i < 10; i++) c.add(1, { i: String(i) }); }
"#;
    let r = common::run_script(&ws, script, &["--out=timestream=burstdb.samples"], &env_ref);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let json_counts: HashMap<String, u64> =
        common::counts_by_metric(&common::points(&ws.path("out.json")))
            .into_iter()
            .map(|(k, v)| (k.to_string(), v as u64))
            .collect();
    assert_eq!(json_counts["burst_total"], 20_000);
    let total: u64 = json_counts.values().sum();
    let line = format!("{total} samples produced, {total} written, 0 rejected, 0 dropped");
    assert!(r.stderr.contains(&line), "want {line:?} in: {}", r.stderr);
    let records = moto_records(&moto, "burstdb", "samples");
    assert_eq!(per_measure(&records), json_counts);
    assert_eq!(*st.problems.lock(), Vec::<String>::new());
}

/// N instances of one split test, as k6-operator runs them (`--tag instance_id=<i>
/// --tag testrun_name=<name>`), write one run into one table: every record carries the
/// run's name as `test_run_id` and its instance as `instance_id`, so the Grafana dashboard
/// (`grafana/dashboards/rk6-timestream.json`, variable `instance`) shows the whole test
/// and each instance.
#[test]
fn split_test_instances_write_one_run() {
    let (server, st) = fake_timestream(Mode::Ok);
    let env = env_for(&server.url(), &[]);
    let ws = common::Workspace::new();
    ws.write(
        "script.js",
        "export const options = { scenarios: { s: { executor: 'shared-iterations', vus: 3, iterations: 9 } } };\nexport default function () {}\n",
    );
    let children: Vec<Child> = (1..=3)
        .map(|i| {
            common::operator_runner(&ws, i, 3)
                .args([
                    "--out=timestream=rk6db.tbl".to_string(),
                    "--address=".to_string(),
                    "script.js".to_string(),
                    "--tag".to_string(),
                    format!("instance_id={i}"),
                    "--tag".to_string(),
                    "testrun_name=checkout-split".to_string(),
                    "--tag".to_string(),
                    format!("region=region-{}", i % 2),
                ])
                .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .spawn()
                .expect("rk6 starts")
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().expect("rk6 ends");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let records = st.records.lock();
    assert!(!records.is_empty());
    let mut iterations: HashMap<String, u64> = HashMap::new();
    for (measure, dims) in records.iter() {
        assert_eq!(
            dims.get("test_run_id").map(String::as_str),
            Some("checkout-split"),
            "{measure} {dims:?}"
        );
        let instance = dims.get("instance_id").expect("an instance_id dimension");
        let i: u32 = instance.parse().expect("k6-operator's instance number");
        assert_eq!(
            dims.get("region").map(String::as_str),
            Some(format!("region-{}", i % 2).as_str())
        );
        if measure == "iterations" {
            *iterations.entry(instance.clone()).or_default() += 1;
        }
    }
    // Each third ran 3 of the 9 iterations; together, the whole test.
    let want: HashMap<String, u64> = (1..=3).map(|i| (i.to_string(), 3)).collect();
    assert_eq!(iterations, want);
    assert_eq!(*st.problems.lock(), Vec::<String>::new());
}
