//! Helpers shared by the output integration tests: a scriptable local HTTP server, sample
//! builders and the parsing of captured Timestream requests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use rk6::metrics::registry::{BuiltinMetrics, Registry, ThresholdIndex};
use rk6::metrics::sample::{Sample, SampleBatch, TagSet, now_ns};
use rk6::output::OutputContext;

pub struct Req {
    pub method: String,
    pub path_and_query: String,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Resp {
    pub fn new(status: u16, body: impl Into<Bytes>) -> Self {
        Resp {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn json(status: u16, body: impl Into<Bytes>) -> Self {
        let mut r = Resp::new(status, body);
        r.headers
            .push(("content-type".into(), "application/x-amz-json-1.0".into()));
        r
    }
}

pub type BoxFut = Pin<Box<dyn Future<Output = Resp> + Send>>;
pub type Handler = Arc<dyn Fn(Req) -> BoxFut + Send + Sync>;

/// A local HTTP/1.1 server on 127.0.0.1 with its own runtime; `shutdown` closes the
/// listener and every open connection (an endpoint that goes away).
pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub rt: tokio::runtime::Runtime,
}

impl TestServer {
    pub fn start(handler: Handler) -> Self {
        Self::start_on(handler, "127.0.0.1:0")
    }

    pub fn start_on(handler: Handler, bind: &str) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt.block_on(tokio::net::TcpListener::bind(bind)).unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        rt.spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    _ = &mut rx => break,
                    acc = listener.accept() => {
                        let Ok((stream, _)) = acc else { continue };
                        let h = handler.clone();
                        conns.spawn(async move {
                            let svc = service_fn(move |req: hyper::Request<Incoming>| {
                                let h = h.clone();
                                async move {
                                    let (parts, body) = req.into_parts();
                                    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                                    let r = h(Req {
                                        method: parts.method.to_string(),
                                        path_and_query: parts.uri.path_and_query().map(|p| p.to_string()).unwrap_or_default(),
                                        headers: parts.headers,
                                        body,
                                    })
                                    .await;
                                    let mut resp = hyper::Response::builder().status(r.status);
                                    for (k, v) in &r.headers {
                                        resp = resp.header(k, v);
                                    }
                                    Ok::<_, std::convert::Infallible>(resp.body(Full::new(r.body)).unwrap())
                                }
                            });
                            let _ = http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), svc)
                                .await;
                        });
                    }
                }
            }
            // Dropping the listener and the JoinSet closes everything.
            conns.abort_all();
        });
        TestServer {
            addr,
            stop: Some(tx),
            rt,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        // Let the accept loop see the signal and abort the connections.
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A free TCP port on 127.0.0.1 (bound and released; good enough for a test).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn context(env: &[(&str, &str)]) -> (OutputContext, Arc<BuiltinMetrics>) {
    let registry = Registry::new(ThresholdIndex::default());
    let b = BuiltinMetrics::register(&registry).unwrap();
    let ctx = OutputContext {
        registry: Arc::new(registry),
        test_run_id: format!("test-{}", std::process::id()),
        instance_id: None,
        config_file: None,
        env: Arc::new(
            env.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>(),
        ),
        thresholds: Arc::default(),
    };
    (ctx, Arc::new(b))
}

/// `n` HTTP requests' samples (9 each) plus a check and an iteration per request, in one
/// batch per request, at distinct times close to now.
pub fn request_batches(
    b: &BuiltinMetrics,
    n: usize,
    extra_tag: Option<(&str, &str)>,
) -> Vec<Arc<SampleBatch>> {
    let base = now_ns();
    (0..n)
        .map(|i| {
            let t = base + (i as i64) * 1_000;
            let mut pairs = vec![
                ("method", "GET".to_string()),
                (
                    "status",
                    if i % 10 == 0 { "500" } else { "200" }.to_string(),
                ),
                ("url", format!("http://127.0.0.1:9/items/{}", i % 7)),
                ("name", format!("http://127.0.0.1:9/items/{}", i % 7)),
                ("scenario", "default".to_string()),
                ("expected_response", "true".to_string()),
                ("proto", "HTTP/1.1".to_string()),
                ("group", String::new()),
            ];
            if let Some((k, v)) = extra_tag {
                pairs.push((k, v.to_string()));
            }
            let tags = TagSet::from_pairs(pairs.into_iter().map(|(k, v)| (k.to_string(), v)));
            let meta = Some(TagSet::from_pairs([
                ("vu", "1".to_string()),
                ("iter", i.to_string()),
            ]));
            let s = |m: &rk6::metrics::sample::MetricRef, v: f64, tags: &TagSet| Sample {
                metric: m.clone(),
                time_ns: t,
                value: v,
                tags: tags.clone(),
                metadata: meta.clone(),
            };
            let check_tags =
                TagSet::from_pairs([("check", "status is 200"), ("scenario", "default")]);
            let plain = TagSet::from_pairs([("scenario", "default")]);
            Arc::new(vec![
                s(&b.http_reqs, 1.0, &tags),
                s(&b.http_req_duration, 10.0 + i as f64, &tags),
                s(&b.http_req_blocked, 0.01, &tags),
                s(&b.http_req_connecting, 0.0, &tags),
                s(&b.http_req_tls_handshaking, 0.0, &tags),
                s(&b.http_req_sending, 0.02, &tags),
                s(&b.http_req_waiting, 9.5 + i as f64, &tags),
                s(&b.http_req_receiving, 0.3, &tags),
                s(
                    &b.http_req_failed,
                    if i % 10 == 0 { 1.0 } else { 0.0 },
                    &tags,
                ),
                s(&b.checks, if i % 10 == 0 { 0.0 } else { 1.0 }, &check_tags),
                s(&b.checks, 1.0, &check_tags),
                s(&b.iterations, 1.0, &plain),
                s(&b.vus, 1.0, &TagSet::empty()),
            ])
        })
        .collect()
}

pub fn count_by_metric(batches: &[Arc<SampleBatch>]) -> HashMap<String, u64> {
    let mut m = HashMap::new();
    for b in batches {
        for s in b.iter() {
            *m.entry(s.metric.name.to_string()).or_insert(0) += 1;
        }
    }
    m
}

/// Checks a captured WriteRecords request body against rk6's client-side rules (which are
/// Timestream's, including those moto does not enforce). Returns the violations and the
/// (dimensions, measure name, time) key of every record.
pub fn check_write_records_body(body: &[u8]) -> (Vec<String>, Vec<String>) {
    use rk6::output::timestream::validator::*;
    let v: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return (vec![format!("body is not JSON: {e}")], Vec::new()),
    };
    let dims = |r: &serde_json::Value| -> Vec<(String, String)> {
        r.get("Dimensions")
            .and_then(|d| d.as_array())
            .map(|a| {
                a.iter()
                    .map(|d| {
                        (
                            d["Name"].as_str().unwrap_or("").to_string(),
                            d["Value"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let common = v
        .get("CommonAttributes")
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    let common_dims = dims(&common);
    let common_ref: Vec<(&str, &str)> = common_dims
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let unit = common
        .get("TimeUnit")
        .and_then(|u| u.as_str())
        .unwrap_or("MILLISECONDS");
    let records = v["Records"].as_array().cloned().unwrap_or_default();
    let owned: Vec<(Vec<(String, String)>, serde_json::Value)> =
        records.iter().map(|r| (dims(r), r.clone())).collect();
    let mut problems = Vec::new();
    let mut views = Vec::new();
    for (d, r) in &owned {
        let unit = r.get("TimeUnit").and_then(|u| u.as_str()).unwrap_or(unit);
        if unit != "NANOSECONDS" {
            problems.push(format!("time unit {unit}"));
        }
        let kind = r
            .get("MeasureValueType")
            .and_then(|t| t.as_str())
            .unwrap_or("DOUBLE");
        let measure = if kind == "MULTI" {
            MeasureView::Multi(
                r["MeasureValues"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|m| {
                                (
                                    m["Name"].as_str().unwrap_or(""),
                                    ValueView {
                                        value: m["Value"].as_str().unwrap_or(""),
                                        kind: m["Type"].as_str().unwrap_or(""),
                                    },
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        } else {
            MeasureView::Single(ValueView {
                value: r["MeasureValue"].as_str().unwrap_or(""),
                kind,
            })
        };
        views.push(RecordView {
            dims: d.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect(),
            measure_name: r["MeasureName"].as_str().unwrap_or(""),
            measure,
            time_ns: r["Time"].as_str().and_then(|t| t.parse().ok()),
        });
    }
    if let Err(e) = check_request(&common_ref, &views) {
        problems.push(e);
    }
    let now = now_ns();
    for r in &views {
        if let Err(e) = check_record(&common_ref, r, now, TimeWindow::hours(24)) {
            problems.push(e);
        }
    }
    // No two records with the same (dimensions, measure name, time) in one request.
    let keys: Vec<String> = views
        .iter()
        .map(|r| {
            let mut d: Vec<String> = common_ref
                .iter()
                .chain(r.dims.iter())
                .map(|(a, b)| format!("{a}={b}"))
                .collect();
            d.sort();
            format!("{}|{}|{:?}", d.join(","), r.measure_name, r.time_ns)
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    let before = sorted.len();
    sorted.dedup();
    if sorted.len() != before {
        problems.push("duplicate (dimensions, measure name, time) in one request".into());
    }
    (problems, keys)
}

/// GET (or POST with a body) on a fresh current-thread runtime.
pub fn http(url: &str, post: Option<&str>) -> Result<(u16, String), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use http_body_util::BodyExt;
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<http_body_util::Full<Bytes>>();
        let req = match post {
            Some(b) => hyper::Request::post(url)
                .body(http_body_util::Full::new(Bytes::from(b.to_string()))),
            None => hyper::Request::get(url).body(http_body_util::Full::new(Bytes::new())),
        }
        .unwrap();
        let resp = tokio::time::timeout(std::time::Duration::from_secs(10), client.request(req))
            .await
            .map_err(|_| "timeout".to_string())?
            .map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    })
}

/// The real k6 binary, for side-by-side checks: `$RK6_K6` or the venv `.ci/setup-outputs.sh`
/// installs k6 v1.1.0 into.
pub fn k6_binary() -> std::path::PathBuf {
    std::env::var("RK6_K6")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::PathBuf::from("/opt/k6/bin/k6"))
}

/// Feeds `batches` to a started output, calls `mid_run` halfway, stops the output within
/// `deadline`, and checks that its report accounts for exactly the samples fed.
pub fn feed_output(
    out: &mut dyn rk6::output::Output,
    batches: &[Arc<SampleBatch>],
    mid_run: impl FnOnce(),
    deadline: std::time::Duration,
) -> rk6::output::OutputReport {
    let half = batches.len() / 2;
    for batch in &batches[..half] {
        out.add_batch(batch);
    }
    mid_run();
    for batch in &batches[half..] {
        out.add_batch(batch);
    }
    let r = out.stop(deadline).unwrap();
    assert_eq!(r.produced, count_by_metric(batches).values().sum::<u64>());
    assert_eq!(r.produced, r.written + r.rejected + r.dropped, "{r:?}");
    r
}

/// Waits (up to a minute) until `url` answers 2xx: a server the test started is up.
pub fn wait_for_http(url: &str, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !matches!(http(url, None), Ok((200..=299, _))) {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} did not come up"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Points per metric of `--out json` points, as the tables should hold them.
pub fn json_counts(points: &[serde_json::Value]) -> std::collections::BTreeMap<String, u64> {
    let mut m = std::collections::BTreeMap::new();
    for p in points {
        *m.entry(p["metric"].as_str().unwrap_or_default().to_string())
            .or_default() += 1;
    }
    m
}
