//! `--out web-dashboard` (or `K6_WEB_DASHBOARD=true`): a live page served during the run
//! and, with `export`, a self-contained HTML report at the end, with k6's switches:
//!
//! | argument | environment | default |
//! |---|---|---|
//! | `host=H` | `K6_WEB_DASHBOARD_HOST` | `127.0.0.1` (k6: every interface) |
//! | `port=N` | `K6_WEB_DASHBOARD_PORT` | 5665; `-1` serves nothing (aggregation and export only) |
//! | `period=D` | `K6_WEB_DASHBOARD_PERIOD` | `10s` |
//! | `open=true` | `K6_WEB_DASHBOARD_OPEN` | false: opens the page in the system's browser |
//! | `export=FILE` | `K6_WEB_DASHBOARD_EXPORT` | none |
//!
//! Samples are aggregated per period (count/rate for counters, last value for gauges,
//! ratio for rates, avg/percentiles/max for trends) for the whole test, per scenario and per
//! group; trends fold into [`TrendDigest`]s, so memory does not grow with the sample count.
//! Each period's snapshot goes to the page as a server-sent event (`/events`); the history
//! is kept (one small object per period) so a page opened late, and the report, see it all.
//! The page (`web_dashboard/ui.html`, `ui.js`) charts with uPlot (MIT), all inside the
//! binary: nothing is fetched from the internet.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Frame};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::graceful::GracefulShutdown;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use crate::metrics::sample::{MetricType, Sample, SampleBatch};
use crate::metrics::trend::TrendDigest;
use crate::output::{Output, OutputContext, OutputReport};

pub const NAME: &str = "web-dashboard";

const UI_HTML: &str = include_str!("web_dashboard/ui.html");
const UI_JS: &str = include_str!("web_dashboard/ui.js");
const UI_CSS: &str = include_str!("web_dashboard/ui.css");
const UPLOT_JS: &str = include_str!("web_dashboard/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("web_dashboard/uPlot.min.css");

/// The dashboard's settings (argument > environment > default).
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub host: String,
    /// `None`: no server (k6's `port=-1`).
    pub port: Option<u16>,
    pub period: Duration,
    pub open: bool,
    pub export: Option<PathBuf>,
}

impl Settings {
    pub fn parse(arg: Option<&str>, env: &HashMap<String, String>) -> anyhow::Result<Settings> {
        let mut kv: HashMap<&str, String> = HashMap::new();
        for (key, var) in [
            ("host", "K6_WEB_DASHBOARD_HOST"),
            ("port", "K6_WEB_DASHBOARD_PORT"),
            ("period", "K6_WEB_DASHBOARD_PERIOD"),
            ("open", "K6_WEB_DASHBOARD_OPEN"),
            ("export", "K6_WEB_DASHBOARD_EXPORT"),
        ] {
            if let Some(v) = env.get(var).filter(|v| !v.is_empty()) {
                kv.insert(key, v.clone());
            }
        }
        // k6's argument: `key=value` pairs joined by `&`.
        for pair in arg.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, "true"));
            match k {
                "host" | "port" | "period" | "open" | "export" => {
                    kv.insert(k, v.to_string());
                }
                other => anyhow::bail!(
                    "unknown web-dashboard parameter {other:?} (known: host, port, period, open, export)"
                ),
            }
        }
        let port = match kv.get("port").map(String::as_str) {
            None => Some(5665),
            Some("-1") => None,
            Some(p) => Some(p.parse::<u16>().map_err(|_| {
                anyhow::anyhow!(
                    "invalid web dashboard port {p:?}: expected 0-65535, or -1 for no server"
                )
            })?),
        };
        let period = match kv.get("period") {
            None => Duration::from_secs(10),
            Some(p) => crate::options::duration::parse_go_duration(p)
                .map(|ns| Duration::from_nanos(u64::try_from(ns).unwrap_or(0)))
                .map_err(|e| anyhow::anyhow!("invalid web dashboard period {p:?}: {e}"))?,
        };
        if period < Duration::from_millis(100) {
            anyhow::bail!("web dashboard period must be at least 100ms");
        }
        let open = match kv.get("open") {
            None => false,
            Some(v) => crate::options::parse_bool_str(v)
                .ok_or_else(|| anyhow::anyhow!("invalid web dashboard open value {v:?}"))?,
        };
        Ok(Settings {
            host: kv
                .get("host")
                .cloned()
                .unwrap_or_else(|| "127.0.0.1".to_string()),
            port,
            period,
            open,
            export: kv.get("export").map(PathBuf::from),
        })
    }
}

/// One aggregation: a metric within a scope, for the current period and the whole test.
struct Cell {
    metric: u32,
    scope: u16,
    period: Agg,
    total: Agg,
}

enum Agg {
    Counter { sum: f64, n: u64 },
    Gauge { last: f64, seen: bool },
    Rate { trues: u64, n: u64 },
    Trend(Box<TrendDigest>),
}

impl Agg {
    fn new(t: MetricType) -> Agg {
        match t {
            MetricType::Counter => Agg::Counter { sum: 0.0, n: 0 },
            MetricType::Gauge => Agg::Gauge {
                last: 0.0,
                seen: false,
            },
            MetricType::Rate => Agg::Rate { trues: 0, n: 0 },
            MetricType::Trend => Agg::Trend(Box::default()),
        }
    }

    fn add(&mut self, v: f64) {
        match self {
            Agg::Counter { sum, n } => {
                *sum += v;
                *n += 1;
            }
            Agg::Gauge { last, seen } => {
                *last = v;
                *seen = true;
            }
            Agg::Rate { trues, n } => {
                *trues += u64::from(v != 0.0);
                *n += 1;
            }
            Agg::Trend(d) => d.add(v),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Agg::Counter { n, .. } | Agg::Rate { n, .. } => *n == 0,
            Agg::Gauge { seen, .. } => !seen,
            Agg::Trend(d) => d.is_empty(),
        }
    }

    /// k6's value names: counter `count, rate`; gauge `value`; rate `rate, passes, fails`;
    /// trend `avg, min, med, max, p(90), p(95), p(99), count`.
    fn values(&mut self, secs: f64) -> Map<String, Value> {
        let num = |v: f64| crate::metrics::summary::js_number((v * 1e4).round() / 1e4);
        let mut m = Map::new();
        match self {
            Agg::Counter { sum, .. } => {
                m.insert("count".into(), num(*sum));
                m.insert(
                    "rate".into(),
                    num(if secs > 0.0 { *sum / secs } else { 0.0 }),
                );
            }
            Agg::Gauge { last, .. } => {
                m.insert("value".into(), num(*last));
            }
            Agg::Rate { trues, n } => {
                let rate = if *n == 0 {
                    0.0
                } else {
                    *trues as f64 / *n as f64
                };
                m.insert("rate".into(), num(rate));
                m.insert("passes".into(), json!(trues));
                m.insert("fails".into(), json!(*n - *trues));
            }
            Agg::Trend(d) => {
                m.insert("avg".into(), num(d.avg()));
                m.insert("min".into(), num(d.min()));
                m.insert("med".into(), num(d.percentile(0.5)));
                m.insert("max".into(), num(d.max()));
                for (key, p) in [("p(90)", 0.9), ("p(95)", 0.95), ("p(99)", 0.99)] {
                    m.insert(key.into(), num(d.percentile(p)));
                }
                m.insert("count".into(), json!(d.count()));
            }
        }
        m
    }

    fn reset(&mut self) {
        match self {
            Agg::Counter { sum, n } => {
                *sum = 0.0;
                *n = 0;
            }
            Agg::Gauge { seen, .. } => *seen = false,
            Agg::Rate { trues, n } => {
                *trues = 0;
                *n = 0;
            }
            Agg::Trend(d) => **d = TrendDigest::new(),
        }
    }
}

/// Per-period and whole-test aggregation by metric and scope. Scope 0 is the whole test;
/// the others are `scenario:NAME` and `group:PATH`, as sub-metric selectors name them.
pub struct Aggregator {
    metrics: Vec<(Arc<str>, MetricType, bool)>,
    scopes: Vec<String>,
    scope_ids: HashMap<(bool, Arc<str>), u16>,
    cells: HashMap<(u32, u16), usize>,
    table: Vec<Cell>,
    start_ms: i64,
    period_start: Instant,
    test_start: Instant,
    /// Checks by (group, name): passes and fails, for the live checks table.
    check_ids: HashMap<(Arc<str>, Arc<str>), usize>,
    checks: Vec<CheckTally>,
}

struct CheckTally {
    group: Arc<str>,
    name: Arc<str>,
    passes: u64,
    fails: u64,
}

/// Distinct checks beyond this many (a name built from data) are not listed live.
const MAX_CHECKS: usize = 1000;

/// How long the end of the test waits for open pages to receive the last events.
const SHUTDOWN_DRAIN: Duration = Duration::from_secs(2);

/// Scopes beyond this many (scenarios and groups) fold into the whole test only.
const MAX_SCOPES: usize = 256;

impl Default for Aggregator {
    fn default() -> Self {
        Self::new()
    }
}

impl Aggregator {
    pub fn new() -> Aggregator {
        Aggregator {
            metrics: Vec::new(),
            scopes: vec![String::new()],
            scope_ids: HashMap::new(),
            cells: HashMap::new(),
            table: Vec::new(),
            start_ms: crate::metrics::sample::now_ns() / 1_000_000,
            period_start: Instant::now(),
            test_start: Instant::now(),
            check_ids: HashMap::new(),
            checks: Vec::new(),
        }
    }

    fn tally_check(&mut self, s: &Sample) {
        let tag = |key: &str| {
            s.tags
                .pairs()
                .iter()
                .find(|(k, _)| &**k == key)
                .map(|(_, v)| v.clone())
        };
        let Some(name) = tag("check") else { return };
        let group = tag("group").unwrap_or_else(|| Arc::from(""));
        let idx = match self.check_ids.get(&(group.clone(), name.clone())) {
            Some(&i) => i,
            None if self.checks.len() < MAX_CHECKS => {
                self.checks.push(CheckTally {
                    group: group.clone(),
                    name: name.clone(),
                    passes: 0,
                    fails: 0,
                });
                self.check_ids.insert((group, name), self.checks.len() - 1);
                self.checks.len() - 1
            }
            None => return,
        };
        let c = &mut self.checks[idx];
        if s.value != 0.0 {
            c.passes += 1;
        } else {
            c.fails += 1;
        }
    }

    /// The checks so far, `[{path, passes, fails}]`, named as the report names them
    /// (`::group › check`).
    pub fn checks(&self) -> Value {
        Value::Array(
            self.checks
                .iter()
                .map(|c| {
                    let path = if c.group.is_empty() {
                        c.name.to_string()
                    } else {
                        format!("{} › {}", c.group, c.name)
                    };
                    json!({"path": path, "passes": c.passes, "fails": c.fails})
                })
                .collect(),
        )
    }

    fn scope(&mut self, is_group: bool, value: &Arc<str>) -> Option<u16> {
        if let Some(&id) = self.scope_ids.get(&(is_group, value.clone())) {
            return Some(id);
        }
        if self.scopes.len() >= MAX_SCOPES {
            return None;
        }
        let id = self.scopes.len() as u16;
        let kind = if is_group { "group" } else { "scenario" };
        self.scopes.push(format!("{kind}:{value}"));
        self.scope_ids.insert((is_group, value.clone()), id);
        Some(id)
    }

    fn cell(&mut self, s: &Sample, scope: u16) -> &mut Cell {
        let id = s.metric.id;
        let idx = match self.cells.get(&(id, scope)) {
            Some(&i) => i,
            None => {
                let i = self.table.len();
                self.table.push(Cell {
                    metric: id,
                    scope,
                    period: Agg::new(s.metric.mtype),
                    total: Agg::new(s.metric.mtype),
                });
                self.cells.insert((id, scope), i);
                i
            }
        };
        &mut self.table[idx]
    }

    pub fn add(&mut self, s: &Sample) {
        let id = s.metric.id as usize;
        if self.metrics.len() <= id {
            self.metrics
                .resize(id + 1, (Arc::from(""), MetricType::Counter, false));
        }
        if self.metrics[id].0.is_empty() {
            self.metrics[id] = (
                s.metric.name.clone(),
                s.metric.mtype,
                s.metric.contains == crate::metrics::sample::ValueType::Time,
            );
        }
        if &*s.metric.name == "checks" {
            self.tally_check(s);
        }
        let mut scopes = [Some(0u16), None, None];
        for (slot, (key, is_group)) in [("scenario", false), ("group", true)].iter().enumerate() {
            if let Some((_, v)) = s.tags.pairs().iter().find(|(k, _)| &**k == *key)
                && !v.is_empty()
            {
                scopes[slot + 1] = self.scope(*is_group, v);
            }
        }
        for scope in scopes.into_iter().flatten() {
            let c = self.cell(s, scope);
            c.period.add(s.value);
            c.total.add(s.value);
        }
    }

    /// Ends the current period: its snapshot `{t, s: {scope: {metric: values}}}` (`t` in
    /// Unix milliseconds at the period's end), and resets the period aggregation.
    pub fn snapshot(&mut self) -> Value {
        let secs = self.period_start.elapsed().as_secs_f64();
        self.period_start = Instant::now();
        let mut by_scope: Vec<Map<String, Value>> = vec![Map::new(); self.scopes.len()];
        for c in &mut self.table {
            if c.period.is_empty() {
                continue;
            }
            let name = self.metrics[c.metric as usize].0.to_string();
            by_scope[c.scope as usize].insert(name, Value::Object(c.period.values(secs)));
            c.period.reset();
        }
        let scopes: Map<String, Value> = self
            .scopes
            .iter()
            .zip(by_scope)
            .filter(|(_, m)| !m.is_empty())
            .map(|(s, m)| (s.clone(), Value::Object(m)))
            .collect();
        json!({ "t": crate::metrics::sample::now_ns() / 1_000_000, "s": scopes })
    }

    /// Whole-test values of one scope, handleSummary-shaped (`{type, contains, values}`).
    fn totals(&mut self, scope: u16, name_of: impl Fn(&str) -> String) -> Map<String, Value> {
        let secs = self.test_start.elapsed().as_secs_f64();
        let mut out = Map::new();
        for c in &mut self.table {
            if c.scope != scope || c.total.is_empty() {
                continue;
            }
            let (name, mtype, time) = &self.metrics[c.metric as usize];
            let o = json!({
                "type": mtype.as_str(),
                "contains": if *time { "time" } else { "default" },
                "values": Value::Object(c.total.values(secs)),
            });
            out.insert(name_of(name), o);
        }
        out
    }

    /// Whole-test values: `{metric: entry}` for the whole test.
    pub fn cumulative(&mut self) -> Map<String, Value> {
        self.totals(0, str::to_string)
    }

    /// Per-scope whole-test values named like k6's sub-metrics:
    /// `http_req_duration{scenario:browse}`.
    pub fn scoped(&mut self) -> Map<String, Value> {
        let mut out = Map::new();
        for scope in 1..self.scopes.len() as u16 {
            let sel = self.scopes[scope as usize].clone();
            out.extend(self.totals(scope, |n| format!("{n}{{{sel}}}")));
        }
        out
    }

    pub fn start_ms(&self) -> i64 {
        self.start_ms
    }

    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
}

/// What the server shares with the output thread: every event so far (replayed to a page
/// that connects late) and the open event streams.
#[derive(Default)]
struct Hub {
    history: Vec<Bytes>,
    clients: Vec<mpsc::UnboundedSender<Bytes>>,
    ended: bool,
}

impl Hub {
    fn publish(&mut self, event: &str, data: &Value) {
        let frame = Bytes::from(format!("event: {event}\ndata: {data}\n\n"));
        self.clients.retain(|c| c.send(frame.clone()).is_ok());
        self.history.push(frame);
    }
}

/// A server-sent event stream: the history, then each event as it is published.
struct EventStream {
    rx: mpsc::UnboundedReceiver<Bytes>,
}

impl Body for EventStream {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.rx.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b))))
    }
}

type BoxBody = http_body_util::combinators::UnsyncBoxBody<Bytes, Infallible>;

fn asset(content_type: &str, body: &'static str) -> Response<BoxBody> {
    use http_body_util::BodyExt;
    Response::builder()
        .header("content-type", content_type)
        .header("cache-control", "no-store")
        .body(Full::new(Bytes::from_static(body.as_bytes())).boxed_unsync())
        .unwrap_or_default()
}

fn route(hub: &Arc<Mutex<Hub>>, path: &str) -> Response<BoxBody> {
    use http_body_util::BodyExt;
    match path {
        "/" | "/index.html" => asset("text/html; charset=utf-8", UI_HTML),
        "/ui.js" => asset("text/javascript; charset=utf-8", UI_JS),
        "/ui.css" => asset("text/css; charset=utf-8", UI_CSS),
        "/uPlot.iife.min.js" => asset("text/javascript; charset=utf-8", UPLOT_JS),
        "/uPlot.min.css" => asset("text/css; charset=utf-8", UPLOT_CSS),
        "/events" => {
            let (tx, rx) = mpsc::unbounded_channel();
            if let Ok(mut h) = hub.lock() {
                for f in &h.history {
                    let _ = tx.send(f.clone());
                }
                // After the end the stream closes once the history is sent.
                if !h.ended {
                    h.clients.push(tx);
                }
            }
            Response::builder()
                .header("content-type", "text/event-stream")
                .header("cache-control", "no-store")
                .body(EventStream { rx }.boxed_unsync())
                .unwrap_or_default()
        }
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Full::new(Bytes::from_static(b"not found\n")).boxed_unsync())
            .unwrap_or_default(),
    }
}

/// The page's server: its own small runtime thread, stopped with the output.
struct Server {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    addr: std::net::SocketAddr,
}

fn serve(host: &str, port: u16, hub: Arc<Mutex<Hub>>) -> anyhow::Result<Server> {
    use std::net::ToSocketAddrs;
    let addr = (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| anyhow::anyhow!("no address for {host}"))?;
    let listener = std::net::TcpListener::bind(addr)
        .map_err(|e| anyhow::anyhow!("web dashboard: listen tcp {addr}: {e}"))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let thread = std::thread::Builder::new()
        .name("rk6-web-dashboard".into())
        .spawn(move || {
            rt.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let connections = GracefulShutdown::new();
                loop {
                    let stream = tokio::select! {
                        _ = &mut stop_rx => break,
                        accepted = listener.accept() => match accepted {
                            Ok((s, _)) => s,
                            Err(_) => continue,
                        },
                    };
                    let hub = hub.clone();
                    let svc = service_fn(move |req: Request<hyper::body::Incoming>| {
                        let resp = route(&hub, req.uri().path());
                        async move { Ok::<_, Infallible>(resp) }
                    });
                    let conn = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), svc)
                        .into_owned();
                    let conn = connections.watch(conn);
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                }
                // The streams end once the hub has dropped their senders: let each connection
                // write what is queued (the `stop` event) and close, rather than cutting it off,
                // which a page sees as a broken stream instead of the end of the test.
                let _ = tokio::time::timeout(SHUTDOWN_DRAIN, connections.shutdown()).await;
            });
        })?;
    Ok(Server {
        stop: Some(stop_tx),
        thread: Some(thread),
        addr,
    })
}

pub struct WebDashboard {
    settings: Settings,
    ctx: OutputContext,
    agg: Aggregator,
    hub: Arc<Mutex<Hub>>,
    server: Option<Server>,
    timeline: Vec<Value>,
    next_period: Instant,
    produced: u64,
}

impl WebDashboard {
    pub fn new(arg: Option<&str>, ctx: &OutputContext) -> anyhow::Result<WebDashboard> {
        let settings = Settings::parse(arg, &ctx.env)?;
        Ok(WebDashboard {
            next_period: Instant::now() + settings.period,
            settings,
            ctx: ctx.clone(),
            agg: Aggregator::new(),
            hub: Arc::default(),
            server: None,
            timeline: Vec::new(),
            produced: 0,
        })
    }

    /// The page's address once started (for the banner and tests).
    pub fn url(&self) -> Option<String> {
        self.server.as_ref().map(|s| format!("http://{}", s.addr))
    }

    fn config(&self) -> Value {
        json!({
            "period": self.settings.period.as_millis() as u64,
            "start": self.agg.start_ms(),
            "testRunId": self.ctx.test_run_id,
        })
    }

    fn thresholds(&self) -> Value {
        Value::Array(
            self.ctx
                .thresholds
                .snapshot()
                .into_iter()
                .map(|t| json!({"metric": t.metric, "source": t.source, "ok": !t.last_failed}))
                .collect(),
        )
    }

    fn end_period(&mut self) {
        let snap = self.agg.snapshot();
        let cumulative = json!({
            "metrics": Value::Object(self.agg.cumulative()),
            "thresholds": self.thresholds(),
            "checks": self.agg.checks(),
        });
        if let Ok(mut hub) = self.hub.lock() {
            hub.publish("snapshot", &snap);
            hub.publish("cumulative", &cumulative);
        }
        self.timeline.push(snap);
    }

    /// The time series the report and saved runs keep.
    fn timeline_value(&mut self) -> Value {
        json!({
            "config": self.config(),
            "snapshots": Value::Array(std::mem::take(&mut self.timeline)),
            "thresholds": self.thresholds(),
            "scopes": self.agg.scopes()[1..].to_vec(),
            "scoped": Value::Object(self.agg.scoped()),
        })
    }
}

impl Output for WebDashboard {
    fn description(&self) -> String {
        let s = &self.settings;
        match (s.port, &s.export) {
            (Some(port), _) => format!("{NAME} (http://{}:{port})", s.host),
            (None, Some(e)) => format!("{NAME} (report {})", e.display()),
            (None, None) => NAME.to_string(),
        }
    }

    /// k6's banner line ` web dashboard: http://127.0.0.1:5665` and `output: -`; without a
    /// page (`port=-1`, or the aggregation `--run-name` adds) nothing is shown, as in k6.
    fn banner(&self) -> crate::output::BannerEntry {
        match self.settings.port {
            Some(port) => crate::output::BannerEntry::Line {
                label: "web dashboard",
                value: format!("http://{}:{port}", self.settings.host),
            },
            None => crate::output::BannerEntry::Hidden,
        }
    }

    fn start(&mut self) -> anyhow::Result<()> {
        if let Some(port) = self.settings.port {
            let server = serve(&self.settings.host, port, self.hub.clone())?;
            let url = format!("http://{}", server.addr);
            self.server = Some(server);
            if self.settings.open {
                open_browser(&url);
            }
        }
        let config = self.config();
        if let Ok(mut hub) = self.hub.lock() {
            hub.publish("config", &config);
        }
        Ok(())
    }

    fn add_batch(&mut self, batch: &Arc<SampleBatch>) {
        for s in batch.iter() {
            self.agg.add(s);
        }
        self.produced += batch.len() as u64;
        if Instant::now() >= self.next_period {
            self.next_period += self.settings.period;
            self.end_period();
        }
    }

    fn stop(&mut self, _deadline: Duration) -> anyhow::Result<OutputReport> {
        self.end_period();
        if let Ok(mut hub) = self.hub.lock() {
            hub.publish("stop", &json!({}));
            hub.ended = true;
            // Closing the streams lets the pages see the end.
            hub.clients.clear();
        }
        if let Some(mut s) = self.server.take() {
            if let Some(stop) = s.stop.take() {
                let _ = stop.send(());
            }
            if let Some(t) = s.thread.take() {
                let _ = t.join();
            }
        }
        let timeline = self.timeline_value();
        crate::run_record::set_timeline(timeline, self.settings.export.clone());
        Ok(OutputReport {
            name: NAME.to_string(),
            produced: self.produced,
            written: self.produced,
            ..Default::default()
        })
    }
}

/// Opens `url` in the system's browser (`K6_WEB_DASHBOARD_OPEN`), without waiting for it.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener).arg(url).spawn() {
        crate::js::console::warn(&format!("could not open {url} in a browser: {e}"));
    }
}

/// The self-contained HTML report of a saved run (see [`crate::run_record`]): the page
/// with its scripts and styles inline and the run's data embedded, so it opens offline.
pub fn report_html(record: &Value) -> String {
    // `</` inside the embedded JSON would end the script element early.
    let data = serde_json::to_string(record)
        .unwrap_or_default()
        .replace("</", "<\\/");
    let inline = format!(
        "<style>{UPLOT_CSS}\n{UI_CSS}</style>\n<script>window.RK6_REPORT = {data};</script>\n<script>{UPLOT_JS}</script>\n<script>{UI_JS}</script>"
    );
    let head_assets = "<!--assets-->";
    match UI_HTML.split_once(head_assets) {
        Some((before, after)) => {
            // The live page links its assets; the report drops those links.
            let after = after
                .split_once("<!--/assets-->")
                .map(|(_, rest)| rest)
                .unwrap_or(after);
            format!("{before}{inline}{after}")
        }
        None => UI_HTML.replace("</head>", &format!("{inline}</head>")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::sample::{Metric, TagSet, ValueType};

    fn metric(id: u32, name: &str, mtype: MetricType) -> Arc<Metric> {
        Arc::new(Metric {
            id,
            name: name.into(),
            mtype,
            contains: if mtype == MetricType::Trend {
                ValueType::Time
            } else {
                ValueType::Default
            },
        })
    }

    fn sample(m: &Arc<Metric>, v: f64, tags: &[(&str, &str)]) -> Sample {
        Sample {
            metric: m.clone(),
            time_ns: 0,
            value: v,
            tags: TagSet::from_pairs(tags.iter().copied()),
            metadata: None,
        }
    }

    #[test]
    fn settings_from_argument_override_the_environment() {
        let env: HashMap<String, String> = [
            ("K6_WEB_DASHBOARD_PORT".to_string(), "6000".to_string()),
            ("K6_WEB_DASHBOARD_PERIOD".to_string(), "2s".to_string()),
        ]
        .into();
        let s = Settings::parse(Some("port=-1&export=r.html"), &env).unwrap();
        assert_eq!(s.port, None);
        assert_eq!(s.period, Duration::from_secs(2));
        assert_eq!(s.export, Some(PathBuf::from("r.html")));
        assert_eq!(s.host, "127.0.0.1");
        let d = Settings::parse(None, &HashMap::new()).unwrap();
        assert_eq!((d.port, d.period), (Some(5665), Duration::from_secs(10)));
        assert!(Settings::parse(Some("colour=red"), &HashMap::new()).is_err());
        assert!(Settings::parse(Some("port=x"), &HashMap::new()).is_err());
        assert!(Settings::parse(Some("period=1ms"), &HashMap::new()).is_err());
    }

    #[test]
    fn aggregates_per_period_and_scope_and_keeps_the_totals() {
        let dur = metric(0, "http_req_duration", MetricType::Trend);
        let reqs = metric(1, "http_reqs", MetricType::Counter);
        let failed = metric(2, "http_req_failed", MetricType::Rate);
        let mut a = Aggregator::new();
        for v in [10.0, 20.0, 30.0] {
            a.add(&sample(
                &dur,
                v,
                &[("scenario", "browse"), ("group", "::login")],
            ));
            a.add(&sample(&reqs, 1.0, &[("scenario", "browse")]));
        }
        a.add(&sample(&failed, 1.0, &[]));
        a.add(&sample(&failed, 0.0, &[]));
        let checks = metric(3, "checks", MetricType::Rate);
        for v in [1.0, 1.0, 0.0] {
            a.add(&sample(
                &checks,
                v,
                &[("check", "is 200"), ("group", "::login")],
            ));
        }
        a.add(&sample(&checks, 1.0, &[("check", "is 200")]));
        assert_eq!(
            a.checks(),
            json!([
                {"path": "::login › is 200", "passes": 2, "fails": 1},
                {"path": "is 200", "passes": 1, "fails": 0},
            ])
        );
        let s1 = a.snapshot();
        assert_eq!(s1["s"][""]["http_req_duration"]["avg"], json!(20));
        assert_eq!(s1["s"][""]["http_req_duration"]["max"], json!(30));
        assert_eq!(s1["s"]["scenario:browse"]["http_reqs"]["count"], json!(3));
        assert_eq!(
            s1["s"]["group:::login"]["http_req_duration"]["count"],
            json!(3)
        );
        assert_eq!(s1["s"][""]["http_req_failed"]["rate"], json!(0.5));
        // The next period starts empty; the totals keep everything.
        a.add(&sample(&dur, 40.0, &[]));
        let s2 = a.snapshot();
        assert_eq!(s2["s"][""]["http_req_duration"]["count"], json!(1));
        assert!(s2["s"].get("scenario:browse").is_none());
        let c = a.cumulative();
        assert_eq!(c["http_req_duration"]["values"]["count"], json!(4));
        assert_eq!(c["http_req_duration"]["contains"], json!("time"));
        let scoped = a.scoped();
        assert_eq!(
            scoped["http_req_duration{scenario:browse}"]["values"]["avg"],
            json!(20)
        );
        assert!(scoped.contains_key("http_req_duration{group:::login}"));
    }

    #[test]
    fn the_report_inlines_every_asset_and_escapes_the_data() {
        let html = report_html(&json!({"name": "</script><b>"}));
        assert!(!html.contains("src=\"/"), "no asset is linked");
        assert!(!html.contains("href=\"/"), "no stylesheet is linked");
        assert!(html.contains("window.RK6_REPORT = {\"name\":\"<\\/script><b>\"}"));
        assert!(html.contains("uPlot"));
    }
}
